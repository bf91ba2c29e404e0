//! The `[data.*]` section of a figure spec: one table with a `kind` key.
//!
//! The pipeline reads `kind`, removes it, and calls [`DataSpec::from_kind`] on the rest.

use crate::{FunctionSpec, GridSpec, nest_issues};
use serde::{Deserialize, Deserializer, Serialize};

/// A data set, chosen by `kind`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum DataSpec {
    /// Samples of a smooth function on a grid (`kind = "function"`).
    Function(FunctionDataSpec),
    /// Explicit points (`kind = "points"`).
    Points(PointsSpec),
    /// The MNIST-1D classification set (`kind = "mnist1d"`, UDL section 8.1).
    Mnist1d(crate::mnist1d::Mnist1dSpec),
    /// Stratified noisy samples of a function, one or many data sets (`kind = "noisy-samples"`,
    /// UDL chapters 8-9).
    NoisySamples(crate::noisy::NoisySamplesSpec),
}

/// `kind = "function"`: y = f(x) sampled on an evenly spaced grid, without noise.
///
/// ```toml
/// [data.target]
/// kind = "function"
/// function = { form = "fourier", offset = 0.0, terms = [[1.0, 1.0, 0.0], [0.3, 3.0, 0.5]] }
/// x = { start = 0.0, stop = 1.0, num = 200 }
/// ```
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FunctionDataSpec {
    /// The function f.
    pub function: FunctionSpec,
    /// The inputs x.
    pub x: GridSpec,
}

/// `kind = "points"`: explicit (x, y) pairs, e.g. the 12-point data set of UDL chapter 2.
///
/// ```toml
/// [data.twelve]
/// kind = "points"
/// x = [0.03, 0.19, 0.34]
/// y = [0.67, 0.85, 1.05]
/// ```
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PointsSpec {
    /// Inputs.
    pub x: Vec<f64>,
    /// Targets, one per input.
    pub y: Vec<f64>,
}

impl DataSpec {
    /// All kind names, for "unknown kind, did you mean" messages.
    pub const KINDS: &'static [&'static str] = &["function", "points", "mnist1d", "noisy-samples"];

    /// Deserializes the variant named `kind` from `d` (a table without the `kind` key).
    /// `Ok(None)` if `kind` is unknown.
    pub fn from_kind<'de, D: Deserializer<'de>>(
        kind: &str,
        d: D,
    ) -> Result<Option<Self>, D::Error> {
        Ok(Some(match kind {
            "function" => DataSpec::Function(FunctionDataSpec::deserialize(d)?),
            "points" => DataSpec::Points(PointsSpec::deserialize(d)?),
            "mnist1d" => DataSpec::Mnist1d(crate::mnist1d::Mnist1dSpec::deserialize(d)?),
            "noisy-samples" => {
                DataSpec::NoisySamples(crate::noisy::NoisySamplesSpec::deserialize(d)?)
            }
            _ => return Ok(None),
        }))
    }

    /// Impossible values serde cannot see, as `(field path relative to the section, message)`.
    pub fn validate(&self) -> Vec<(String, String)> {
        match self {
            DataSpec::Function(s) => {
                let mut issues = nest_issues("function", s.function.validate());
                issues.extend(nest_issues("x", s.x.validate()));
                issues
            }
            DataSpec::Points(s) => {
                let mut issues = Vec::new();
                if s.x.is_empty() {
                    issues.push(("x".to_owned(), "expected at least one point".to_owned()));
                }
                if s.y.len() != s.x.len() {
                    issues.push((
                        "y".to_owned(),
                        format!(
                            "expected {} values, one per x, found {}",
                            s.x.len(),
                            s.y.len()
                        ),
                    ));
                }
                for (name, values) in [("x", &s.x), ("y", &s.y)] {
                    for (i, &v) in values.iter().enumerate() {
                        crate::check_finite(&format!("{name}[{i}]"), v, &mut issues);
                    }
                }
                issues
            }
            DataSpec::Mnist1d(s) => s.validate(),
            DataSpec::NoisySamples(s) => s.validate(),
        }
    }

    /// Whether the kind makes a classification set ([`crate::ClassificationSet`]) rather than a
    /// 1-D [`crate::Dataset`].
    pub fn is_classification(&self) -> bool {
        matches!(self, DataSpec::Mnist1d(_))
    }

    /// Names of other sections this spec refers to, as `(field, section name)`: none for data.
    pub fn references(&self) -> Vec<(&'static str, &str)> {
        Vec::new()
    }
}
