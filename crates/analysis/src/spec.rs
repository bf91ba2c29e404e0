//! The `[analysis.*]` section of a figure spec: one table with a `kind` key.
//!
//! The pipeline reads `kind`, removes it, and calls [`AnalysisSpec::from_kind`] on the rest.

use data::GridSpec;
use serde::{Deserialize, Deserializer, Serialize};

/// An analysis, chosen by `kind`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum AnalysisSpec {
    /// Trace a model over a 1-D grid (`kind = "evaluate"`).
    Evaluate(EvaluateSpec),
    /// Squared error of a model on a data set (`kind = "fit-error"`).
    FitError(FitErrorSpec),
    /// Joint positions of a 1-input network (`kind = "joints"`).
    Joints(JointsSpec),
    /// Linear regions on a 1-D or 2-D grid, by activation pattern (`kind = "regions"`).
    Regions(crate::regions::RegionsSpec),
    /// A 2-input network on a 2-D grid (`kind = "evaluate-grid"`).
    EvaluateGrid(crate::regions::EvaluateGridSpec),
    /// Closed-form maximum region counts and parameter counts (`kind = "region-counts"`).
    RegionCounts(crate::counts::RegionCountsSpec),
    /// A two-parameter loss on a grid, for heatmaps and surfaces (`kind = "loss-grid"`).
    LossGrid(training::descent::LossGridSpec),
    /// The fitted function at every position of an `optimize` run (`kind = "path-fits"`).
    PathFits(training::descent::PathFitsSpec),
    /// Variance of activations and gradients per layer at initialisation (`kind = "layer-variance"`).
    LayerVariance(crate::variance::LayerVarianceSpec),
    /// dy/dx of a one-input model on a grid (`kind = "derivative"`).
    Derivative(crate::derivative::DerivativeSpec),
    /// The bracketing line search on a 1-D function, every bracket recorded (`kind = "line-search"`).
    LineSearch(training::search1d::LineSearch1dSpec),
    /// One momentum step and one Nesterov step from the end of a run (`kind = "momentum-step"`).
    MomentumStep(training::momentum_step::MomentumStepSpec),
    /// Densities and masses of probability distributions (`kind = "distribution"`).
    Distribution(Box<crate::distribution::DistributionSpec>),
    /// Seeded draws from a distribution (`kind = "sample"`).
    Sample(Box<crate::distribution::SampleSpec>),
    /// Columns computed from other columns (`kind = "transform"`).
    Transform(crate::transform::TransformSpec),
    /// A model traced at the values of a column (`kind = "evaluate-at"`).
    EvaluateAt(crate::predict::EvaluateAtSpec),
    /// Every stage of the construction of an MNIST-1D example, the templates and training rows
    /// (`kind = "mnist1d-trace"`).
    Mnist1dTrace(crate::mnist1d::Mnist1dTraceSpec),
    /// Volume of a ball and share of it in an outer shell, over the dimension (`kind = "ball-volume"`).
    BallVolume(crate::highdim::BallVolumeSpec),
    /// Seeded random points in several dimensions and their norms, angles and distances
    /// (`kind = "random-vectors"`).
    RandomVectors(crate::highdim::RandomVectorsSpec),
    /// Models fitted to many noisy data sets: mean fit, squared bias and variance
    /// (`kind = "bias-variance"`, UDL section 8.2).
    BiasVariance(crate::ensemble::BiasVarianceSpec),
    /// A model fitted to bootstrap resamples of a data set, and their mean
    /// (`kind = "bootstrap"`, UDL section 9.3.2).
    Bootstrap(crate::ensemble::BootstrapSpec),
    /// The Gaussian posterior of a model's output layer (`kind = "posterior"`, UDL section 9.3.3).
    Posterior(crate::posterior::PosteriorSpec),
    /// The hidden width at which an MLP has as many parameters as a data set has training
    /// examples (`kind = "interpolation-threshold"`, UDL section 8.4).
    InterpolationThreshold(crate::threshold::InterpolationThresholdSpec),
}

/// `kind = "evaluate"`: every intermediate series of a model on a grid (see [`crate::evaluate`]).
///
/// ```toml
/// [analysis.curves]
/// kind = "evaluate"
/// model = "net"                       # a [model.*] or [train.*] section
/// x = { start = 0.0, stop = 1.0, num = 201 }
/// ```
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct EvaluateSpec {
    /// Name of the model to trace: a `[model.*]` section, or a `[train.*]` section's fitted model.
    pub model: String,
    /// The input grid.
    pub x: GridSpec,
}

/// `kind = "fit-error"`: one-row table with `sse` and `mse` (see [`crate::fit_error`]).
///
/// ```toml
/// [analysis.error10]
/// kind = "fit-error"
/// model = "fit10"                     # a [model.*] or [train.*] section
/// data = "target"                     # a [data.*] section
/// ```
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FitErrorSpec {
    /// Name of the model: a `[model.*]` section, or a `[train.*]` section's fitted model.
    pub model: String,
    /// Name of the `[data.*]` section to compare with.
    pub data: String,
}

/// `kind = "joints"`: a table with one column `joints`, the sorted inputs where a hidden unit's
/// pre-activation crosses zero (see [`crate::joints`]), e.g. to shade the regions of UDL fig. 3.3.
///
/// ```toml
/// [analysis.joints]
/// kind = "joints"
/// model = "net"                       # a [model.*] or [train.*] section
/// ```
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct JointsSpec {
    /// Name of the model: a `[model.*]` section, or a `[train.*]` section's fitted model.
    pub model: String,
}

impl AnalysisSpec {
    /// All kind names, for "unknown kind, did you mean" messages.
    pub const KINDS: &'static [&'static str] = &[
        "evaluate",
        "fit-error",
        "joints",
        "regions",
        "evaluate-grid",
        "region-counts",
        "loss-grid",
        "path-fits",
        "layer-variance",
        "derivative",
        "line-search",
        "momentum-step",
        "distribution",
        "sample",
        "transform",
        "evaluate-at",
        "mnist1d-trace",
        "ball-volume",
        "random-vectors",
        "bias-variance",
        "bootstrap",
        "posterior",
        "interpolation-threshold",
    ];

    /// Deserializes the variant named `kind` from `d` (a table without the `kind` key).
    /// `Ok(None)` if `kind` is unknown.
    pub fn from_kind<'de, D: Deserializer<'de>>(
        kind: &str,
        d: D,
    ) -> Result<Option<Self>, D::Error> {
        Ok(Some(match kind {
            "evaluate" => AnalysisSpec::Evaluate(EvaluateSpec::deserialize(d)?),
            "fit-error" => AnalysisSpec::FitError(FitErrorSpec::deserialize(d)?),
            "joints" => AnalysisSpec::Joints(JointsSpec::deserialize(d)?),
            "regions" => AnalysisSpec::Regions(crate::regions::RegionsSpec::deserialize(d)?),
            "evaluate-grid" => {
                AnalysisSpec::EvaluateGrid(crate::regions::EvaluateGridSpec::deserialize(d)?)
            }
            "loss-grid" => AnalysisSpec::LossGrid(training::descent::LossGridSpec::deserialize(d)?),
            "path-fits" => AnalysisSpec::PathFits(training::descent::PathFitsSpec::deserialize(d)?),
            "layer-variance" => {
                AnalysisSpec::LayerVariance(crate::variance::LayerVarianceSpec::deserialize(d)?)
            }
            "region-counts" => {
                AnalysisSpec::RegionCounts(crate::counts::RegionCountsSpec::deserialize(d)?)
            }
            "derivative" => {
                AnalysisSpec::Derivative(crate::derivative::DerivativeSpec::deserialize(d)?)
            }
            "line-search" => {
                AnalysisSpec::LineSearch(training::search1d::LineSearch1dSpec::deserialize(d)?)
            }
            "momentum-step" => AnalysisSpec::MomentumStep(
                training::momentum_step::MomentumStepSpec::deserialize(d)?,
            ),
            "distribution" => AnalysisSpec::Distribution(Box::new(
                crate::distribution::DistributionSpec::deserialize(d)?,
            )),
            "sample" => {
                AnalysisSpec::Sample(Box::new(crate::distribution::SampleSpec::deserialize(d)?))
            }
            "transform" => {
                AnalysisSpec::Transform(crate::transform::TransformSpec::deserialize(d)?)
            }
            "evaluate-at" => {
                AnalysisSpec::EvaluateAt(crate::predict::EvaluateAtSpec::deserialize(d)?)
            }
            "mnist1d-trace" => {
                AnalysisSpec::Mnist1dTrace(crate::mnist1d::Mnist1dTraceSpec::deserialize(d)?)
            }
            "ball-volume" => {
                AnalysisSpec::BallVolume(crate::highdim::BallVolumeSpec::deserialize(d)?)
            }
            "random-vectors" => {
                AnalysisSpec::RandomVectors(crate::highdim::RandomVectorsSpec::deserialize(d)?)
            }
            "bias-variance" => {
                AnalysisSpec::BiasVariance(crate::ensemble::BiasVarianceSpec::deserialize(d)?)
            }
            "bootstrap" => AnalysisSpec::Bootstrap(crate::ensemble::BootstrapSpec::deserialize(d)?),
            "posterior" => {
                AnalysisSpec::Posterior(crate::posterior::PosteriorSpec::deserialize(d)?)
            }
            "interpolation-threshold" => AnalysisSpec::InterpolationThreshold(
                crate::threshold::InterpolationThresholdSpec::deserialize(d)?,
            ),
            _ => return Ok(None),
        }))
    }

    /// Impossible values serde cannot see, as `(field path relative to the section, message)`.
    pub fn validate(&self) -> Vec<(String, String)> {
        match self {
            AnalysisSpec::Evaluate(s) => data::nest_issues("x", s.x.validate()),
            AnalysisSpec::FitError(_) | AnalysisSpec::Joints(_) => Vec::new(),
            AnalysisSpec::Regions(s) => s.validate(),
            AnalysisSpec::EvaluateGrid(s) => s.validate(),
            AnalysisSpec::RegionCounts(s) => s.validate(),
            AnalysisSpec::LossGrid(s) => s.validate(),
            AnalysisSpec::PathFits(s) => s.validate(),
            AnalysisSpec::LayerVariance(s) => s.validate(),
            AnalysisSpec::Derivative(s) => s.validate(),
            AnalysisSpec::LineSearch(s) => s.validate(),
            AnalysisSpec::MomentumStep(s) => s.validate(),
            AnalysisSpec::Distribution(s) => s.validate(),
            AnalysisSpec::Sample(s) => s.validate(),
            AnalysisSpec::Transform(s) => s.validate(),
            AnalysisSpec::EvaluateAt(s) => s.validate(),
            AnalysisSpec::Mnist1dTrace(s) => s.validate(),
            AnalysisSpec::BallVolume(s) => s.validate(),
            AnalysisSpec::RandomVectors(s) => s.validate(),
            AnalysisSpec::BiasVariance(s) => s.validate(),
            AnalysisSpec::Bootstrap(s) => s.validate(),
            AnalysisSpec::Posterior(s) => s.validate(),
            AnalysisSpec::InterpolationThreshold(_) => Vec::new(),
        }
    }

    /// Names of other sections this spec refers to, as `(field, section name)`: `("model", …)`
    /// names a `[model.*]` or `[train.*]` section, `("data", …)` a `[data.*]` section,
    /// `("trajectory", …)` a `[train.*]` section with `kind = "optimize"`, `("columns", …)` a
    /// section whose table a column reference `"SECTION.COLUMN"` reads (once per section).
    pub fn references(&self) -> Vec<(&'static str, &str)> {
        match self {
            AnalysisSpec::Evaluate(s) => vec![("model", s.model.as_str())],
            AnalysisSpec::FitError(s) => {
                vec![("model", s.model.as_str()), ("data", s.data.as_str())]
            }
            AnalysisSpec::Joints(s) => vec![("model", s.model.as_str())],
            AnalysisSpec::Regions(s) => s.references(),
            AnalysisSpec::EvaluateGrid(s) => s.references(),
            AnalysisSpec::RegionCounts(_) => Vec::new(),
            AnalysisSpec::LossGrid(s) => s
                .objective
                .data()
                .map(|d| ("data", d))
                .into_iter()
                .collect(),
            AnalysisSpec::PathFits(s) => vec![("trajectory", s.trajectory.as_str())],
            AnalysisSpec::LayerVariance(s) => vec![("model", s.model.as_str())],
            AnalysisSpec::Derivative(s) => vec![("model", s.model.as_str())],
            AnalysisSpec::LineSearch(_) => Vec::new(),
            AnalysisSpec::MomentumStep(s) => s.references(),
            AnalysisSpec::Distribution(s) => column_sections(s.references()),
            AnalysisSpec::Sample(s) => column_sections(s.references()),
            AnalysisSpec::Transform(s) => column_sections(s.references()),
            AnalysisSpec::EvaluateAt(s) => {
                let mut refs = vec![("model", s.model.as_str())];
                refs.extend(column_sections([s.x.as_str()]));
                refs
            }
            AnalysisSpec::Mnist1dTrace(s) => vec![("data", s.data.as_str())],
            AnalysisSpec::BallVolume(_) | AnalysisSpec::RandomVectors(_) => Vec::new(),
            AnalysisSpec::BiasVariance(s) => {
                let mut refs: Vec<(&'static str, &str)> =
                    s.models.iter().map(|m| ("model", m.as_str())).collect();
                refs.push(("data", s.data.as_str()));
                refs
            }
            AnalysisSpec::Bootstrap(s) => {
                vec![("model", s.model.as_str()), ("data", s.data.as_str())]
            }
            AnalysisSpec::Posterior(s) => {
                vec![("model", s.model.as_str()), ("data", s.data.as_str())]
            }
            // Reads the specs of its model and data (copied in by `resolve`), not their outputs:
            // so a swept model does not sweep it.
            AnalysisSpec::InterpolationThreshold(_) => Vec::new(),
        }
    }

    /// Takes in what the analysis reads from the *specs* of other sections, not from their
    /// outputs, so that it becomes part of the analysis's own parameters (and stage key):
    /// `mnist1d-trace` copies the generator parameters of its `data` section, `bias-variance` the
    /// `noisy-samples` generator of its data (true function, σ, sizes), `interpolation-threshold`
    /// the architecture of its model and the training-set size of its data. `data` looks up a
    /// `[data]` section by name; `points` every grid point of a `[data]` or `[model]` section by
    /// its name before any sweep (one for an unswept section, none if there is no such section).
    /// Problems as `(field path relative to the section, message)`; a name that is no section
    /// is left to the figure's reference check (`interpolation-threshold`, whose names are no
    /// stage inputs, reports it itself).
    pub fn resolve<'a>(
        &mut self,
        data: impl Fn(&str) -> Option<&'a data::DataSpec>,
        points: &SectionPoints<'a>,
    ) -> Vec<(String, String)> {
        match self {
            AnalysisSpec::InterpolationThreshold(s) => {
                let models = (points.models)(&s.model);
                let data = (points.data)(&s.data);
                s.resolve(&models, &data)
            }
            AnalysisSpec::Mnist1dTrace(s) => {
                let target = data(&s.data);
                s.resolve(target)
            }
            AnalysisSpec::BiasVariance(s) => {
                let target = data(&s.data);
                s.resolve(target)
            }
            _ => Vec::new(),
        }
    }
}

/// Lookups of every grid point of a section by its name before any sweep (see
/// [`AnalysisSpec::resolve`]).
pub struct SectionPoints<'a> {
    /// The `[data]` sections named so.
    pub data: &'a dyn Fn(&str) -> Vec<&'a data::DataSpec>,
    /// The `[model]` sections named so.
    pub models: &'a dyn Fn(&str) -> Vec<&'a models::ModelSpec>,
}

/// `("columns", section)` for each distinct section named by column references.
fn column_sections<'a>(refs: impl IntoIterator<Item = &'a str>) -> Vec<(&'static str, &'a str)> {
    crate::columns::sections(refs)
        .into_iter()
        .map(|s| ("columns", s))
        .collect()
}
