//! The `[train.*]` section of a figure spec: one table with a `kind` key.
//!
//! The pipeline reads `kind`, removes it, and calls [`TrainSpec::from_kind`] on the rest.

use serde::{Deserialize, Deserializer, Serialize};

/// A training procedure, chosen by `kind`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum TrainSpec {
    /// Closed-form least-squares fit of the output layer (`kind = "least-squares"`).
    LeastSquares(LeastSquaresSpec),
}

/// `kind = "least-squares"`: fit the output bias and weights of a shallow or `relu-basis` model
/// to a data set by linear least squares (see [`crate::least_squares`]).
///
/// ```toml
/// [train.fit10]
/// kind = "least-squares"
/// model = "basis10"   # a [model.*] section
/// data = "target"     # a [data.*] section
/// ```
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LeastSquaresSpec {
    /// Name of the `[model.*]` section whose output layer is fitted.
    pub model: String,
    /// Name of the `[data.*]` section to fit.
    pub data: String,
}

impl TrainSpec {
    /// All kind names, for "unknown kind, did you mean" messages.
    pub const KINDS: &'static [&'static str] = &["least-squares"];

    /// Deserializes the variant named `kind` from `d` (a table without the `kind` key).
    /// `Ok(None)` if `kind` is unknown.
    pub fn from_kind<'de, D: Deserializer<'de>>(
        kind: &str,
        d: D,
    ) -> Result<Option<Self>, D::Error> {
        Ok(Some(match kind {
            "least-squares" => TrainSpec::LeastSquares(LeastSquaresSpec::deserialize(d)?),
            _ => return Ok(None),
        }))
    }

    /// Impossible values serde cannot see, as `(field path relative to the section, message)`.
    pub fn validate(&self) -> Vec<(String, String)> {
        Vec::new()
    }

    /// Names of other sections this spec refers to, as `(field, section name)`:
    /// `("model", …)` names a `[model.*]` section, `("data", …)` a `[data.*]` section.
    pub fn references(&self) -> Vec<(&'static str, &str)> {
        match self {
            TrainSpec::LeastSquares(s) => {
                vec![("model", s.model.as_str()), ("data", s.data.as_str())]
            }
        }
    }
}
