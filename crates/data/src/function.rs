//! Smooth 1-D target functions y = f(x) for regression figures.
//!
//! - `fourier`: f(x) = c + Σ_k a_k·sin(2π·f_k·x + p_k), a smooth curve of chosen wiggliness (the
//!   dashed target of UDL fig. 3.5).
//! - `exp-sin`: f(x) = exp(sin(2πx/P)), the true function of the UDL chapter 8 notebooks (8_2),
//!   where P = 1; `period` stretches it (figure 9.10 draws it on a wider input range).
//! - `polynomial`, `gaussians`, `gabor`: see [`crate::forms`].

use serde::{Deserialize, Serialize};
use std::f64::consts::TAU;

/// A smooth function of one variable, chosen by `form`.
///
/// TOML: `function = { form = "fourier", offset = 0.5, terms = [[1.0, 1.0, 0.0]] }` or
/// `function = { form = "exp-sin" }` (optionally `period = P`).
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(tag = "form", rename_all = "kebab-case", deny_unknown_fields)]
pub enum FunctionSpec {
    /// c + Σ a·sin(2π f x + p).
    Fourier(FourierSpec),
    /// exp(sin(2πx/P)).
    ExpSin {
        /// The period P > 0 (default 1: the notebooks' exp(sin(2πx)) on [0, 1]).
        #[serde(default = "unit_period", skip_serializing_if = "is_unit_period")]
        period: f64,
    },
    /// Σ c_k·x^k.
    Polynomial(crate::forms::PolynomialSpec),
    /// offset + Σ a·exp(−(x − μ)²/(2v)).
    Gaussians(crate::forms::GaussiansSpec),
    /// The Gabor model sin(z)·exp(−z²/32), z = φ0 + 0.06·φ1·x.
    Gabor(crate::forms::GaborSpec),
}

/// Parameters of a sum of sines.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FourierSpec {
    /// Constant c added to the sum.
    #[serde(default)]
    pub offset: f64,
    /// One `[amplitude, frequency, phase]` triple per sine; frequency in cycles per unit x, phase
    /// in radians.
    pub terms: Vec<[f64; 3]>,
}

fn unit_period() -> f64 {
    1.0
}

fn is_unit_period(p: &f64) -> bool {
    *p == 1.0
}

impl FunctionSpec {
    /// f(x).
    pub fn eval(&self, x: f64) -> f64 {
        match self {
            FunctionSpec::Fourier(s) => {
                s.offset
                    + s.terms
                        .iter()
                        .map(|[a, f, p]| a * (TAU * f * x + p).sin())
                        .sum::<f64>()
            }
            FunctionSpec::ExpSin { period } => (TAU * x / period).sin().exp(),
            FunctionSpec::Polynomial(s) => s.eval(x),
            FunctionSpec::Gaussians(s) => s.eval(x),
            FunctionSpec::Gabor(s) => s.eval(x),
        }
    }

    /// Problems as `(field, message)` pairs, relative to the function table.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut issues = Vec::new();
        match self {
            FunctionSpec::Polynomial(s) => return s.validate(),
            FunctionSpec::Gaussians(s) => return s.validate(),
            FunctionSpec::Gabor(s) => return s.validate(),
            FunctionSpec::ExpSin { period } => {
                if !(period.is_finite() && *period > 0.0) {
                    issues.push((
                        "period".into(),
                        format!("expected a finite number > 0, found {period}"),
                    ));
                }
                return issues;
            }
            FunctionSpec::Fourier(_) => {}
        }
        if let FunctionSpec::Fourier(s) = self {
            crate::check_finite("offset", s.offset, &mut issues);
            for (i, term) in s.terms.iter().enumerate() {
                if term.iter().any(|v| !v.is_finite()) {
                    issues.push((
                        format!("terms[{i}]"),
                        format!("expected finite [amplitude, frequency, phase], found {term:?}"),
                    ));
                }
            }
        }
        issues
    }
}
