//! The `[model.*]` section of a figure spec: one table with a `kind` key.
//!
//! The pipeline reads `kind`, removes it, and calls [`ModelSpec::from_kind`] on the rest.

use crate::Activation;
use serde::{Deserialize, Deserializer, Serialize};

/// Upper bound on [`ReluBasisSpec::regions`], so a typo cannot exhaust memory in the fit.
pub const MAX_REGIONS: usize = 10_000;

/// A model, chosen by `kind`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ModelSpec {
    /// A bare activation function `y = a[x]` (`kind = "activation"`).
    Activation(ActivationModelSpec),
    /// A hand-set shallow network (`kind = "shallow"`).
    Shallow(ShallowSpec),
    /// A ReLU network with fixed, evenly spaced joints (`kind = "relu-basis"`).
    ReluBasis(ReluBasisSpec),
    /// A hand-set deep network (`kind = "deep"`, UDL eqs. 4.7-4.9).
    Deep(crate::deep::DeepSpec),
    /// Networks applied one after another (`kind = "composed"`, UDL section 4.1).
    Composed(crate::deep::ComposedSpec),
    /// A trainable fully connected network (`kind = "mlp"`).
    Mlp(crate::net::MlpSpec),
    /// A trainable 1-D convolutional network (`kind = "cnn1d"`).
    Cnn1d(crate::net::CnnSpec),
}

/// `kind = "activation"`: `y = a[x]`, e.g. the curves of UDL figs. 3.1 and 3.13.
///
/// ```toml
/// [model.elu]
/// kind = "activation"
/// function = { name = "elu", alpha = 0.5 }   # or function = "relu"
/// ```
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ActivationModelSpec {
    /// The activation: a name (`"tanh"`) or a table with its parameter (`{ name = "swish", beta = 1.4 }`).
    pub function: Activation,
}

/// `kind = "shallow"`: a one-hidden-layer network with hand-set parameters (UDL eq. 3.1).
///
/// ```toml
/// [model.net]
/// kind = "shallow"
/// activation = "relu"
/// theta = [[0.3, -1.0], [-1.0, 2.0], [-0.5, 0.65]]
/// phi = [[-0.3, 2.0, -1.0, 7.0]]
/// ```
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ShallowSpec {
    /// The activation of the hidden units (default `"relu"`).
    #[serde(default = "default_activation")]
    pub activation: Activation,
    /// One row per hidden unit: `[bias, w_1, …, w_Di]` (`[θ_d0, θ_d1]` for one input).
    pub theta: Vec<Vec<f64>>,
    /// One row per output: `[bias, w_1, …, w_D]`, one weight per hidden unit.
    pub phi: Vec<Vec<f64>>,
}

fn default_activation() -> Activation {
    Activation::Relu
}

/// `kind = "relu-basis"`: y = β + Σ_j ω_j·ReLU(x − joint_j) with joints at
/// `start + j·(stop − start)/regions`, j = 0..regions−1, so `[start, stop]` splits into `regions`
/// linear pieces. The output weights start at zero; a least-squares fit sets them.
///
/// ```toml
/// [model.basis10]
/// kind = "relu-basis"
/// regions = 10
/// start = 0.0
/// stop = 1.0
/// ```
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ReluBasisSpec {
    /// Number of linear regions on `[start, stop]` (= hidden units), at least 1.
    pub regions: usize,
    /// Left end of the fitted interval: the first joint.
    pub start: f64,
    /// Right end of the fitted interval, greater than `start`.
    pub stop: f64,
}

impl ReluBasisSpec {
    /// The joints `start + j·(stop − start)/regions`, j = 0..regions−1.
    pub fn joints(&self) -> Vec<f64> {
        let width = (self.stop - self.start) / self.regions as f64;
        (0..self.regions)
            .map(|j| self.start + j as f64 * width)
            .collect()
    }
}

impl ModelSpec {
    /// All kind names, for "unknown kind, did you mean" messages.
    pub const KINDS: &'static [&'static str] = &[
        "activation",
        "shallow",
        "relu-basis",
        "deep",
        "composed",
        "mlp",
        "cnn1d",
    ];

    /// Deserializes the variant named `kind` from `d` (a table without the `kind` key).
    /// `Ok(None)` if `kind` is unknown.
    pub fn from_kind<'de, D: Deserializer<'de>>(
        kind: &str,
        d: D,
    ) -> Result<Option<Self>, D::Error> {
        Ok(Some(match kind {
            "activation" => ModelSpec::Activation(ActivationModelSpec::deserialize(d)?),
            "shallow" => ModelSpec::Shallow(ShallowSpec::deserialize(d)?),
            "relu-basis" => ModelSpec::ReluBasis(ReluBasisSpec::deserialize(d)?),
            "deep" => ModelSpec::Deep(crate::deep::DeepSpec::deserialize(d)?),
            "composed" => ModelSpec::Composed(crate::deep::ComposedSpec::deserialize(d)?),
            "mlp" => ModelSpec::Mlp(crate::net::MlpSpec::deserialize(d)?),
            "cnn1d" => ModelSpec::Cnn1d(crate::net::CnnSpec::deserialize(d)?),
            _ => return Ok(None),
        }))
    }

    /// Impossible values serde cannot see, as `(field path relative to the section, message)`,
    /// e.g. `("theta[1]", "expected 2 numbers [bias, slope] like theta[0], found 3")`.
    pub fn validate(&self) -> Vec<(String, String)> {
        match self {
            ModelSpec::Activation(s) => crate::nest_issues("function", s.function.validate()),
            ModelSpec::Shallow(s) => {
                let mut issues = crate::nest_issues("activation", s.activation.validate());
                issues.extend(crate::shallow::shape_issues(&s.theta, &s.phi));
                issues
            }
            ModelSpec::Deep(s) => s.validate(),
            ModelSpec::Composed(s) => s.validate(),
            ModelSpec::Mlp(_) | ModelSpec::Cnn1d(_) => {
                self.net().map(|n| n.validate()).unwrap_or_default()
            }
            ModelSpec::ReluBasis(s) => {
                let mut issues = Vec::new();
                if s.regions == 0 {
                    issues.push((
                        "regions".to_owned(),
                        "expected at least 1 region, found 0".to_owned(),
                    ));
                } else if s.regions > MAX_REGIONS {
                    issues.push((
                        "regions".to_owned(),
                        format!(
                            "expected at most {MAX_REGIONS} regions, found {}",
                            s.regions
                        ),
                    ));
                }
                for (field, v) in [("start", s.start), ("stop", s.stop)] {
                    if !v.is_finite() {
                        issues.push((
                            field.to_owned(),
                            format!("expected a finite number, found {v}"),
                        ));
                    }
                }
                if s.start.is_finite() && s.stop.is_finite() && s.stop <= s.start {
                    issues.push((
                        "stop".to_owned(),
                        format!(
                            "expected stop > start, found start = {}, stop = {}",
                            s.start, s.stop
                        ),
                    ));
                }
                issues
            }
        }
    }

    /// The trainable-network spec, for kinds `mlp` and `cnn1d`.
    pub fn net(&self) -> Option<crate::net::NetSpec> {
        match self {
            ModelSpec::Mlp(s) => Some(crate::net::NetSpec::Mlp(s.clone())),
            ModelSpec::Cnn1d(s) => Some(crate::net::NetSpec::Cnn1d(s.clone())),
            _ => None,
        }
    }

    /// Names of other sections this spec refers to, as `(field, section name)`: none for models.
    pub fn references(&self) -> Vec<(&'static str, &str)> {
        Vec::new()
    }
}
