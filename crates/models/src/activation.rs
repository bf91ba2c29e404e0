//! Activation functions a[z], applied elementwise to pre-activations.
//!
//! ReLU is UDL eq. 3.2; the others are those of UDL fig. 3.13 (chapter 3 notes):
//!
//! | name         | a[z]                                              |
//! |--------------|---------------------------------------------------|
//! | `relu`       | max(0, z)                                         |
//! | `sigmoid`    | 1 / (1 + e^{−z})                                  |
//! | `tanh`       | tanh z                                            |
//! | `leaky-relu` | z for z > 0, α·z otherwise (α defaults to 0.1)    |
//! | `prelu`      | as leaky ReLU, with α chosen (learned, in the book) |
//! | `softplus`   | ln(1 + e^z)                                       |
//! | `gelu`       | z·Φ(z) = z·(1 + erf(z/√2))/2                      |
//! | `silu`       | z·sigmoid(z)                                      |
//! | `elu`        | z for z > 0, α·(e^z − 1) otherwise                |
//! | `selu`       | λ·elu_α(z), λ = 1.0507009873554805, α = 1.6732632423543772 |
//! | `swish`      | z·sigmoid(β·z)                                    |
//! | `heaviside`  | 1 for z ≥ 0, 0 otherwise                          |
//!
//! In TOML an activation is a name, or a table with a name and its parameter:
//! `"relu"`, `"leaky-relu"`, `{ name = "elu", alpha = 0.5 }`, `{ name = "swish", beta = 1.4 }`.
//! It serialises as the table form, `{ "name": "relu" }`.

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// SELU's scale λ (Klambauer et al. 2017).
pub const SELU_LAMBDA: f64 = 1.050_700_987_355_480_5;
/// SELU's α (Klambauer et al. 2017).
pub const SELU_ALPHA: f64 = 1.673_263_242_354_377_2;
/// Leaky ReLU's default negative slope.
pub const LEAKY_RELU_ALPHA: f64 = 0.1;

/// An activation function and its parameters.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "name", rename_all = "kebab-case")]
pub enum Activation {
    /// max(0, z).
    Relu,
    /// 1 / (1 + e^{−z}).
    Sigmoid,
    /// tanh z.
    Tanh,
    /// z for z > 0, α·z otherwise.
    LeakyRelu {
        /// Slope for negative z.
        alpha: f64,
    },
    /// Parametric ReLU: z for z > 0, α·z otherwise.
    Prelu {
        /// Slope for negative z.
        alpha: f64,
    },
    /// ln(1 + e^z).
    Softplus,
    /// z·Φ(z), Φ the standard normal CDF.
    Gelu,
    /// z·sigmoid(z).
    Silu,
    /// z for z > 0, α·(e^z − 1) otherwise.
    Elu {
        /// Scale of the negative branch.
        alpha: f64,
    },
    /// λ·elu_α(z) with the standard SELU constants.
    Selu,
    /// z·sigmoid(β·z).
    Swish {
        /// Sharpness β.
        beta: f64,
    },
    /// 1 for z ≥ 0, 0 otherwise.
    Heaviside,
}

impl Activation {
    /// All activation names.
    pub const NAMES: &'static [&'static str] = &[
        "relu",
        "sigmoid",
        "tanh",
        "leaky-relu",
        "prelu",
        "softplus",
        "gelu",
        "silu",
        "elu",
        "selu",
        "swish",
        "heaviside",
    ];

    /// `a[z]`.
    pub fn apply(&self, z: f64) -> f64 {
        match *self {
            Activation::Relu => relu(z),
            Activation::Sigmoid => sigmoid(z),
            Activation::Tanh => z.tanh(),
            Activation::LeakyRelu { alpha } | Activation::Prelu { alpha } => {
                if z > 0.0 {
                    z
                } else {
                    alpha * z
                }
            }
            // ln(1 + e^z) = max(z, 0) + ln(1 + e^{−|z|}), which never overflows.
            Activation::Softplus => relu(z) + (-z.abs()).exp().ln_1p(),
            Activation::Gelu => 0.5 * z * (1.0 + libm::erf(z / std::f64::consts::SQRT_2)),
            Activation::Silu => z * sigmoid(z),
            Activation::Elu { alpha } => elu(z, alpha),
            Activation::Selu => SELU_LAMBDA * elu(z, SELU_ALPHA),
            Activation::Swish { beta } => z * sigmoid(beta * z),
            Activation::Heaviside => {
                if z >= 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
        }
    }

    /// The activation's name as written in TOML.
    pub fn name(&self) -> &'static str {
        match self {
            Activation::Relu => "relu",
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::LeakyRelu { .. } => "leaky-relu",
            Activation::Prelu { .. } => "prelu",
            Activation::Softplus => "softplus",
            Activation::Gelu => "gelu",
            Activation::Silu => "silu",
            Activation::Elu { .. } => "elu",
            Activation::Selu => "selu",
            Activation::Swish { .. } => "swish",
            Activation::Heaviside => "heaviside",
        }
    }

    /// Problems with the parameters as `(field, message)` pairs, e.g. `("alpha", ...)`.
    pub fn validate(&self) -> Vec<(String, String)> {
        let (field, value) = match *self {
            Activation::LeakyRelu { alpha }
            | Activation::Prelu { alpha }
            | Activation::Elu { alpha } => ("alpha", alpha),
            Activation::Swish { beta } => ("beta", beta),
            _ => return Vec::new(),
        };
        if value.is_finite() {
            Vec::new()
        } else {
            vec![(
                field.to_owned(),
                format!("expected a finite number, found {value}"),
            )]
        }
    }

    /// Builds an activation from its name and optional parameters, checking that exactly the
    /// parameters it takes are given (except leaky ReLU's α, which defaults to 0.1).
    fn from_parts(name: &str, alpha: Option<f64>, beta: Option<f64>) -> Result<Self, String> {
        let no_params = |a: Activation| match (alpha, beta) {
            (None, None) => Ok(a),
            (Some(_), _) => Err(format!("activation `{name}` takes no parameter `alpha`")),
            (None, Some(_)) => Err(format!("activation `{name}` takes no parameter `beta`")),
        };
        let need_alpha = |default: Option<f64>| match (alpha.or(default), beta) {
            (_, Some(_)) => Err(format!("activation `{name}` takes `alpha`, not `beta`")),
            (Some(alpha), None) => Ok(alpha),
            (None, None) => Err(format!(
                "activation `{name}` needs `alpha`: write {{ name = \"{name}\", alpha = ... }}"
            )),
        };
        match name {
            "relu" => no_params(Activation::Relu),
            "sigmoid" => no_params(Activation::Sigmoid),
            "tanh" => no_params(Activation::Tanh),
            "softplus" => no_params(Activation::Softplus),
            "gelu" => no_params(Activation::Gelu),
            "silu" => no_params(Activation::Silu),
            "selu" => no_params(Activation::Selu),
            "heaviside" => no_params(Activation::Heaviside),
            "leaky-relu" => Ok(Activation::LeakyRelu {
                alpha: need_alpha(Some(LEAKY_RELU_ALPHA))?,
            }),
            "prelu" => Ok(Activation::Prelu {
                alpha: need_alpha(None)?,
            }),
            "elu" => Ok(Activation::Elu {
                alpha: need_alpha(None)?,
            }),
            "swish" => match (alpha, beta) {
                (Some(_), _) => Err(format!("activation `{name}` takes `beta`, not `alpha`")),
                (None, Some(beta)) => Ok(Activation::Swish { beta }),
                (None, None) => Err(format!(
                    "activation `{name}` needs `beta`: write {{ name = \"{name}\", beta = ... }}"
                )),
            },
            _ => Err(format!(
                "unknown activation `{name}`, expected one of {}",
                Self::NAMES.join(", ")
            )),
        }
    }
}

fn relu(z: f64) -> f64 {
    if z > 0.0 { z } else { 0.0 }
}

/// 1/(1 + e^{−z}), evaluated so that e^{…} never overflows.
fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

fn elu(z: f64, alpha: f64) -> f64 {
    if z > 0.0 { z } else { alpha * z.exp_m1() }
}

/// The table form: `{ name = "elu", alpha = 0.5 }`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ActivationTable {
    name: String,
    alpha: Option<f64>,
    beta: Option<f64>,
}

impl<'de> Deserialize<'de> for Activation {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ActivationVisitor;
        impl<'de> Visitor<'de> for ActivationVisitor {
            type Value = Activation;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "an activation name such as \"relu\", or a table such as { name = \"elu\", alpha = 1.0 }",
                )
            }

            fn visit_str<E: de::Error>(self, name: &str) -> Result<Activation, E> {
                Activation::from_parts(name, None, None).map_err(E::custom)
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Activation, A::Error> {
                let t = ActivationTable::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Activation::from_parts(&t.name, t.alpha, t.beta).map_err(de::Error::custom)
            }
        }
        d.deserialize_any(ActivationVisitor)
    }
}
