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
    /// Run an optimiser on a two-parameter loss and record its trajectory (`kind = "optimize"`).
    Optimize(crate::descent::OptimizeSpec),
    /// Train a network on a classification set (`kind = "classifier"`).
    Classifier(crate::classifier::ClassifierSpec),
    /// The exact fit of an output layer with the smallest penalty (`kind = "interpolate"`).
    Interpolate(crate::interpolate::InterpolateSpec),
    /// SGD on the output layer of a fixed-hidden-layer model, with snapshots, input noise and
    /// dropout (`kind = "output-sgd"`).
    OutputSgd(crate::output_sgd::OutputSgdSpec),
}

/// `kind = "least-squares"`: fit the output bias and weights of a shallow or `relu-basis` model
/// to a data set by linear least squares (see [`crate::least_squares`]).
///
/// ```toml
/// [train.fit10]
/// kind = "least-squares"
/// model = "basis10"   # a [model.*] section
/// data = "target"     # a [data.*] section
/// ridge = 0.001       # optional: λ of an L2 penalty on the fitted parameters (UDL eq. 9.5)
/// toward-model = true # optional: penalise the distance to the model's own output layer
/// ```
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LeastSquaresSpec {
    /// Name of the `[model.*]` section whose output layer is fitted.
    pub model: String,
    /// Name of the `[data.*]` section to fit.
    pub data: String,
    /// λ of the L2 penalty λ·Σ φ² on the output bias and weights (default 0: plain least squares).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub ridge: f64,
    /// Penalise λ·Σ (φ − φ⁰)², the distance to the model's own output layer φ⁰, instead of
    /// λ·Σ φ² (see [`crate::least_squares::ridge_least_squares_toward_model`]); needs `ridge` > 0.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub toward_model: bool,
}

impl LeastSquaresSpec {
    /// Fits `model` to `data` as the spec says.
    pub fn fit(&self, model: &models::Model, data: &data::Dataset) -> crate::Result<models::Model> {
        if self.toward_model {
            crate::least_squares::ridge_least_squares_toward_model(model, data, self.ridge)
        } else {
            crate::least_squares::ridge_least_squares(model, data, self.ridge)
        }
    }
}

fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

impl TrainSpec {
    /// All kind names, for "unknown kind, did you mean" messages.
    pub const KINDS: &'static [&'static str] = &[
        "least-squares",
        "optimize",
        "classifier",
        "interpolate",
        "output-sgd",
    ];

    /// Deserializes the variant named `kind` from `d` (a table without the `kind` key).
    /// `Ok(None)` if `kind` is unknown.
    pub fn from_kind<'de, D: Deserializer<'de>>(
        kind: &str,
        d: D,
    ) -> Result<Option<Self>, D::Error> {
        Ok(Some(match kind {
            "least-squares" => TrainSpec::LeastSquares(LeastSquaresSpec::deserialize(d)?),
            "optimize" => TrainSpec::Optimize(crate::descent::OptimizeSpec::deserialize(d)?),
            "classifier" => {
                TrainSpec::Classifier(crate::classifier::ClassifierSpec::deserialize(d)?)
            }
            "interpolate" => {
                TrainSpec::Interpolate(crate::interpolate::InterpolateSpec::deserialize(d)?)
            }
            "output-sgd" => TrainSpec::OutputSgd(crate::output_sgd::OutputSgdSpec::deserialize(d)?),
            _ => return Ok(None),
        }))
    }

    /// Impossible values serde cannot see, as `(field path relative to the section, message)`.
    pub fn validate(&self) -> Vec<(String, String)> {
        match self {
            TrainSpec::LeastSquares(s) if !s.ridge.is_finite() || s.ridge < 0.0 => vec![(
                "ridge".to_owned(),
                format!("expected a finite λ ≥ 0, found {}", s.ridge),
            )],
            TrainSpec::LeastSquares(s) if s.toward_model && s.ridge == 0.0 => vec![(
                "toward-model".to_owned(),
                "expected a ridge λ > 0 with toward-model (it is the penalty's weight)".to_owned(),
            )],
            TrainSpec::LeastSquares(_) => Vec::new(),
            TrainSpec::Optimize(s) => s.validate(),
            TrainSpec::Classifier(s) => s.validate(),
            TrainSpec::Interpolate(s) => s.validate(),
            TrainSpec::OutputSgd(s) => s.validate(),
        }
    }

    /// Names of other sections this spec refers to, as `(field, section name)`:
    /// `("model", …)` names a `[model.*]` section, `("data", …)` a `[data.*]` section.
    pub fn references(&self) -> Vec<(&'static str, &str)> {
        match self {
            TrainSpec::LeastSquares(s) => {
                vec![("model", s.model.as_str()), ("data", s.data.as_str())]
            }
            TrainSpec::Optimize(s) => s
                .objective
                .data()
                .map(|d| ("data", d))
                .into_iter()
                .collect(),
            TrainSpec::Classifier(s) => {
                vec![("model", s.model.as_str()), ("data", s.data.as_str())]
            }
            TrainSpec::Interpolate(s) => {
                vec![("model", s.model.as_str()), ("data", s.data.as_str())]
            }
            TrainSpec::OutputSgd(s) => {
                vec![("model", s.model.as_str()), ("data", s.data.as_str())]
            }
        }
    }
}
