//! The stage runner: turns a stage and its inputs' bytes into its output bytes.
//!
//! Each section kind calls the crate that owns it (`data::generate`, `models::Model::build`,
//! `training::least_squares`, `analysis::evaluate` ...); artifacts travel between stages as JSON
//! (BTreeMaps and f64s, so the bytes are deterministic). The plot stage is in
//! [`crate::plot_stage`].
//! This file is part of every stage's implementation digest (see build.rs).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::plan::{Stage, StageKind};
use crate::spec::{FigureSpec, Section, SectionKind};

pub(crate) type Inputs = BTreeMap<String, Arc<Vec<u8>>>;

/// Runs one stage. Errors are plain messages; the executor adds figure and stage.
pub fn run(
    fig: &FigureSpec,
    stage: &Stage,
    inputs: &Inputs,
    style: &plotting::Style,
    progress: &crate::progress::Progress,
) -> Result<Vec<u8>, String> {
    match &stage.kind {
        StageKind::Section(Section::Data(spec)) if spec.is_classification() => {
            let set = data::generate_classes(spec).map_err(|e| e.to_string())?;
            set.to_bundle().encode().map_err(|e| e.to_string())
        }
        StageKind::Section(Section::Data(spec)) => {
            encode(&data::generate(spec).map_err(|e| e.to_string())?)
        }
        StageKind::Section(Section::Model(spec)) => match spec.net() {
            Some(net) => {
                let weights = models::net::init(&net).map_err(|e| e.to_string())?;
                weights.to_bundle().encode().map_err(|e| e.to_string())
            }
            None => encode(&models::Model::build(spec).map_err(|e| e.to_string())?),
        },
        StageKind::Section(Section::Train(spec)) => match spec {
            training::TrainSpec::LeastSquares(s) => {
                let model: models::Model = input(inputs, &s.model)?;
                let data: data::Dataset = input(inputs, &s.data)?;
                encode(&s.fit(&model, &data).map_err(|e| e.to_string())?)
            }
            training::TrainSpec::Interpolate(s) => {
                let model: models::Model = input(inputs, &s.model)?;
                let data: data::Dataset = input(inputs, &s.data)?;
                encode(
                    &training::interpolate::interpolate(s, &model, &data)
                        .map_err(|e| e.to_string())?,
                )
            }
            training::TrainSpec::Optimize(s) => {
                let data = s
                    .objective
                    .data()
                    .map(|d| input::<data::Dataset>(inputs, d))
                    .transpose()?;
                encode(
                    &training::descent::run_optimize(s, data.as_ref())
                        .map_err(|e| e.to_string())?,
                )
            }
            training::TrainSpec::OutputSgd(s) => {
                let model: models::Model = input(inputs, &s.model)?;
                let data: data::Dataset = input(inputs, &s.data)?;
                encode(
                    &training::output_sgd::output_sgd(s, &model, &data)
                        .map_err(|e| e.to_string())?,
                )
            }
            training::TrainSpec::Classifier(s) => {
                let weights = models::net::Weights::from_bundle(&bundle(inputs, &s.model)?)
                    .map_err(|e| format!("input `{}`: {e}", s.model))?;
                let set = data::ClassificationSet::from_bundle(&bundle(inputs, &s.data)?)
                    .map_err(|e| format!("input `{}`: {e}", s.data))?;
                let (total, ..) = training::classifier::schedule(s, set.n_train());
                let mut task = progress.task(&stage.id(), total as u64);
                let trained = training::classifier::train(s, &weights, &set, &mut |r| {
                    task.update(r.step as u64, r.loss)
                })
                .map_err(|e| e.to_string())?;
                trained.to_bundle().encode().map_err(|e| e.to_string())
            }
        },
        StageKind::Section(Section::Analysis(spec)) => {
            let table = match spec {
                analysis::AnalysisSpec::Evaluate(s) => {
                    analysis::evaluate(&input(inputs, &s.model)?, &s.x)
                }
                analysis::AnalysisSpec::FitError(s) => {
                    analysis::fit_error(&input(inputs, &s.model)?, &input(inputs, &s.data)?)
                }
                analysis::AnalysisSpec::Joints(s) => analysis::joints(&input(inputs, &s.model)?),
                analysis::AnalysisSpec::Regions(s) => {
                    analysis::with_network(&input(inputs, &s.model)?, |net| {
                        analysis::regions::regions(net, s)
                    })
                }
                analysis::AnalysisSpec::EvaluateGrid(s) => {
                    analysis::with_network(&input(inputs, &s.model)?, |net| {
                        analysis::regions::evaluate_grid(net, s)
                    })
                }
                analysis::AnalysisSpec::RegionCounts(s) => analysis::counts::region_counts(s),
                analysis::AnalysisSpec::LayerVariance(s) => {
                    let b = bundle(inputs, &s.model)?;
                    let weights = models::net::Weights::from_bundle(&b)
                        .map_err(|e| format!("input `{}`: {e}", s.model))?;
                    analysis::variance::layer_variance(s, &weights)
                }
                analysis::AnalysisSpec::PathFits(s) => {
                    training::descent::path_fits(s, &input(inputs, &s.trajectory)?)
                        .map_err(|e| analysis::Error::Unsupported(e.to_string()))
                }
                analysis::AnalysisSpec::Distribution(s) => {
                    analysis::distribution::distribution(s, &tables(fig, spec, inputs)?)
                }
                analysis::AnalysisSpec::Sample(s) => {
                    analysis::distribution::sample(s, &tables(fig, spec, inputs)?)
                }
                analysis::AnalysisSpec::Transform(s) => {
                    analysis::transform::transform(s, &tables(fig, spec, inputs)?)
                }
                analysis::AnalysisSpec::EvaluateAt(s) => analysis::predict::evaluate_at(
                    &input(inputs, &s.model)?,
                    s,
                    &tables(fig, spec, inputs)?,
                ),
                analysis::AnalysisSpec::LossGrid(s) => {
                    let data = s
                        .objective
                        .data()
                        .map(|d| input::<data::Dataset>(inputs, d))
                        .transpose()?;
                    training::descent::loss_grid(s, data.as_ref())
                        .map_err(|e| analysis::Error::Unsupported(e.to_string()))
                }
                analysis::AnalysisSpec::Derivative(s) => {
                    analysis::derivative::derivative(&input(inputs, &s.model)?, s)
                }
                analysis::AnalysisSpec::LineSearch(s) => {
                    training::search1d::line_search_1d(s).map_err(analysis::Error::Unsupported)
                }
                analysis::AnalysisSpec::MomentumStep(s) => {
                    let data = s
                        .objective
                        .data()
                        .map(|d| input::<data::Dataset>(inputs, d))
                        .transpose()?;
                    training::momentum_step::momentum_step(
                        s,
                        &input(inputs, &s.trajectory)?,
                        data.as_ref(),
                    )
                    .map_err(|e| analysis::Error::Unsupported(e.to_string()))
                }
                analysis::AnalysisSpec::BallVolume(s) => analysis::highdim::ball_volume(s),
                analysis::AnalysisSpec::RandomVectors(s) => analysis::highdim::random_vectors(s),
                analysis::AnalysisSpec::Mnist1dTrace(s) => match &s.generator {
                    // The spec parser copied the generator parameters of `s.data` in.
                    Some(generator) => analysis::mnist1d::mnist1d_trace(s, generator),
                    None => Err(analysis::Error::Unsupported(format!(
                        "the generator of data section `{}` was not resolved",
                        s.data
                    ))),
                },
                analysis::AnalysisSpec::BiasVariance(s) => {
                    let models = s
                        .models
                        .iter()
                        .map(|m| input::<models::Model>(inputs, m))
                        .collect::<Result<Vec<_>, _>>()?;
                    analysis::ensemble::bias_variance(s, &models, &input(inputs, &s.data)?)
                }
                analysis::AnalysisSpec::Bootstrap(s) => analysis::ensemble::bootstrap(
                    s,
                    &input(inputs, &s.model)?,
                    &input(inputs, &s.data)?,
                ),
                analysis::AnalysisSpec::Posterior(s) => analysis::posterior::posterior(
                    s,
                    &input(inputs, &s.model)?,
                    &input(inputs, &s.data)?,
                ),
                // The spec parser copied the architecture and training-set size in.
                analysis::AnalysisSpec::InterpolationThreshold(s) => {
                    analysis::threshold::interpolation_threshold(s)
                }
            };
            encode(&table.map_err(|e| e.to_string())?)
        }
        StageKind::Plot => crate::plot_stage::plot(fig, inputs, style),
    }
}

pub(crate) fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, String> {
    serde_json::to_vec(value)
        .map_err(|e| format!("cannot encode the output (non-finite numbers?): {e}"))
}

fn input<T: for<'de> Deserialize<'de>>(inputs: &Inputs, name: &str) -> Result<T, String> {
    let bytes = inputs
        .get(name)
        .ok_or_else(|| format!("input `{name}` is missing"))?;
    serde_json::from_slice(bytes).map_err(|e| format!("input `{name}` does not decode: {e}"))
}

fn bundle(inputs: &Inputs, name: &str) -> Result<data::Bundle, String> {
    let bytes = inputs
        .get(name)
        .ok_or_else(|| format!("input `{name}` is missing"))?;
    data::Bundle::decode(bytes).map_err(|e| format!("input `{name}` does not decode: {e}"))
}

/// The tables of the sections an analysis reads through column references (`"SECTION.COLUMN"`).
fn tables(
    fig: &FigureSpec,
    spec: &analysis::AnalysisSpec,
    inputs: &Inputs,
) -> Result<analysis::columns::Tables, String> {
    spec.references()
        .into_iter()
        .filter(|(field, _)| *field == "columns")
        .map(|(_, name)| {
            Ok((
                name.to_string(),
                data::Table::from(columns(fig, name, inputs)?),
            ))
        })
        .collect()
}

/// The columns a section offers to plots.
pub(crate) fn columns(
    fig: &FigureSpec,
    name: &str,
    inputs: &Inputs,
) -> Result<BTreeMap<String, Vec<f64>>, String> {
    match fig.sections.get(name).map(Section::kind) {
        Some(SectionKind::Data) if matches!(fig.sections.get(name), Some(Section::Data(d)) if d.is_classification()) =>
        {
            let set = data::ClassificationSet::from_bundle(&bundle(inputs, name)?)
                .map_err(|e| e.to_string())?;
            Ok(BTreeMap::from([("t".to_string(), set.t)]))
        }
        Some(SectionKind::Data) => {
            let d: data::Dataset = input(inputs, name)?;
            let mut columns = BTreeMap::new();
            if let Some(Section::Data(data::DataSpec::NoisySamples(spec))) = fig.sections.get(name)
            {
                // σ, and with several data sets each one alone as `x.{s}` and `y.{s}`.
                columns.insert("noise".to_string(), vec![spec.noise]);
                if spec.sets > 1 && d.len() == spec.points * spec.sets {
                    for s in 0..spec.sets {
                        let set = spec.set(&d, s);
                        columns.insert(format!("x.{s}"), set.x);
                        columns.insert(format!("y.{s}"), set.y);
                    }
                }
            }
            columns.insert("x".to_string(), d.x);
            columns.insert("y".to_string(), d.y);
            Ok(columns)
        }
        Some(SectionKind::Analysis) => Ok(input::<data::Table>(inputs, name)?.columns),
        Some(SectionKind::Train)
            if matches!(
                fig.sections.get(name),
                Some(Section::Train(
                    training::TrainSpec::Optimize(_) | training::TrainSpec::OutputSgd(_)
                ))
            ) =>
        {
            Ok(input::<data::Table>(inputs, name)?.columns)
        }
        Some(SectionKind::Train)
            if matches!(
                fig.sections.get(name),
                Some(Section::Train(training::TrainSpec::Classifier(_)))
            ) =>
        {
            let trained = training::classifier::Trained::from_bundle(&bundle(inputs, name)?)
                .map_err(|e| e.to_string())?;
            Ok(trained.curves)
        }
        _ => Err(format!("section `{name}` produces no table to plot")),
    }
}
