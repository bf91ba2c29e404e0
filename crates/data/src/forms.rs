//! More closed-form 1-D functions for the `function` data kind and the 1-D analyses:
//!
//! - `polynomial`: f(x) = Σ_k c_k·x^k (hand-set 1-D losses, UDL fig. 6.11).
//! - `gaussians`: f(x) = offset + Σ_k a_k·exp(−(x − μ_k)²/(2·v_k)), bumps (a > 0) and dips
//!   (a < 0) of variance v; notebook 6_1's loss (UDL fig. 6.10) is offset 1 with dips
//!   (−0.5, 0.65, 0.05) and (−0.45, 0.35, 0.01).
//! - `gabor`: the Gabor model of UDL eq. 6.8, f(x) = sin(z)·exp(−z²/32) with
//!   z = φ0 + 0.06·φ1·x (figs. 6.2, 6.3); the same formula as `training::loss2d::gabor`.

use serde::{Deserialize, Serialize};

/// `{ form = "polynomial", coefficients = [c0, c1, ...] }`: Σ_k c_k·x^k.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PolynomialSpec {
    /// c_0, c_1, ...: the constant first; at least one.
    pub coefficients: Vec<f64>,
}

/// `{ form = "gaussians", offset = 1.0, terms = [[amplitude, mean, variance], ...] }`.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct GaussiansSpec {
    /// Constant added to the sum.
    #[serde(default)]
    pub offset: f64,
    /// One `[amplitude, mean, variance]` per bump; the variance must be positive.
    pub terms: Vec<[f64; 3]>,
}

/// `{ form = "gabor", phi0 = 0.0, phi1 = 16.6 }`: the Gabor model of UDL eq. 6.8.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct GaborSpec {
    /// φ0, the offset of the argument z.
    pub phi0: f64,
    /// φ1; z = φ0 + 0.06·φ1·x.
    pub phi1: f64,
}

impl PolynomialSpec {
    /// Σ_k c_k·x^k by Horner's rule, from the highest coefficient down.
    pub fn eval(&self, x: f64) -> f64 {
        self.coefficients
            .iter()
            .rev()
            .fold(0.0, |acc, &c| acc * x + c)
    }

    pub(crate) fn validate(&self) -> Vec<(String, String)> {
        let mut issues = Vec::new();
        if self.coefficients.is_empty() {
            issues.push((
                "coefficients".to_owned(),
                "expected at least one coefficient".to_owned(),
            ));
        }
        for (i, &c) in self.coefficients.iter().enumerate() {
            crate::check_finite(&format!("coefficients[{i}]"), c, &mut issues);
        }
        issues
    }
}

impl GaussiansSpec {
    /// offset + Σ a·exp(−(x − μ)²/(2v)), the terms added in order after the offset.
    pub fn eval(&self, x: f64) -> f64 {
        self.terms.iter().fold(self.offset, |acc, [a, mean, var]| {
            let d = x - mean;
            acc + a * (-(d * d / (2.0 * var))).exp()
        })
    }

    pub(crate) fn validate(&self) -> Vec<(String, String)> {
        let mut issues = Vec::new();
        crate::check_finite("offset", self.offset, &mut issues);
        for (i, term) in self.terms.iter().enumerate() {
            if term.iter().any(|v| !v.is_finite()) || term[2] <= 0.0 {
                issues.push((
                    format!("terms[{i}]"),
                    format!(
                        "expected finite [amplitude, mean, variance] with variance > 0, found {term:?}"
                    ),
                ));
            }
        }
        issues
    }
}

impl GaborSpec {
    /// sin(z)·exp(−z²/32) with z = φ0 + 0.06·φ1·x.
    pub fn eval(&self, x: f64) -> f64 {
        gabor(self.phi0, self.phi1, x)
    }

    pub(crate) fn validate(&self) -> Vec<(String, String)> {
        let mut issues = Vec::new();
        crate::check_finite("phi0", self.phi0, &mut issues);
        crate::check_finite("phi1", self.phi1, &mut issues);
        issues
    }
}

/// The Gabor model of UDL eq. 6.8: `sin(z)·exp(−z²/32)` with `z = φ0 + 0.06·φ1·x`.
pub fn gabor(phi0: f64, phi1: f64, x: f64) -> f64 {
    let z = phi0 + 0.06 * phi1 * x;
    z.sin() * (-z * z / 32.0).exp()
}

#[cfg(test)]
mod tests {
    use crate::FunctionSpec;

    fn parse(toml_text: &str) -> FunctionSpec {
        #[derive(serde::Deserialize)]
        struct Doc {
            function: FunctionSpec,
        }
        toml::from_str::<Doc>(toml_text).unwrap().function
    }

    #[test]
    fn polynomial_is_horner() {
        let f =
            parse(r#"function = { form = "polynomial", coefficients = [1.0, -2.0, 0.0, 0.5] }"#);
        assert!(f.validate().is_empty());
        // 1 − 2x + 0.5x³ at x = 2: 1 − 4 + 4 = 1.
        assert_eq!(f.eval(2.0), 1.0);
        assert_eq!(f.eval(0.0), 1.0);
        let empty = parse(r#"function = { form = "polynomial", coefficients = [] }"#);
        assert_eq!(empty.validate()[0].0, "coefficients");
    }

    #[test]
    fn gaussians_sum_bumps_and_dips() {
        let f = parse(
            r#"function = { form = "gaussians", offset = 1.0, terms = [[-0.5, 0.65, 0.05], [-0.45, 0.35, 0.01]] }"#,
        );
        assert!(f.validate().is_empty());
        // Notebook 6_1's loss, written as it is there.
        let nb = |p: f64| {
            1.0 - 0.5 * (-(p - 0.65) * (p - 0.65) / 0.1).exp()
                - 0.45 * (-(p - 0.35) * (p - 0.35) / 0.02).exp()
        };
        for x in [0.0, 0.1, 0.35, 0.5, 0.65, 0.99] {
            assert_eq!(f.eval(x), nb(x), "x = {x}");
        }
        let bad = parse(r#"function = { form = "gaussians", terms = [[1.0, 0.0, 0.0]] }"#);
        assert_eq!(bad.validate()[0].0, "terms[0]");
    }

    #[test]
    fn gabor_matches_eq_6_8() {
        let f = parse(r#"function = { form = "gabor", phi0 = -5.0, phi1 = 25.0 }"#);
        assert!(f.validate().is_empty());
        // z = −5 + 0.06·25·2 = −2.
        let z: f64 = -2.0;
        assert!((f.eval(2.0) - z.sin() * (-z * z / 32.0).exp()).abs() < 1e-15);
    }
}
