//! The stage runner: turns a stage and its inputs' bytes into its output bytes.
//!
//! Each section kind calls the crate that owns it (`data::generate`, `models::Model::build`,
//! `training::least_squares`, `analysis::evaluate` ...); artifacts travel between stages as JSON
//! (BTreeMaps and f64s, so the bytes are deterministic). The plot stage resolves every panel
//! reference `SECTION.COLUMN` to numbers and renders the SVG with `plotting`.
//! Its source is part of every stage's implementation digest (see build.rs).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::plan::{Stage, StageKind};
use crate::spec::{FigureSpec, Section, SectionKind};

/// The output of a plot stage: the SVG and the numbers it plots (for export and cross-platform checks).
///
/// Stored as a small container (`UDLPLOT1\n`, the SVG's length as 8 little-endian bytes, the SVG,
/// then the plotted numbers as canonical JSON) so that a cache hit needs no parsing to write the
/// SVG or hash the outputs.
#[derive(Clone, Debug, PartialEq)]
pub struct PlotArtifact {
    /// The SVG document.
    pub svg: String,
    /// The plotted numbers as canonical JSON: reference (`SECTION.COLUMN`) -> values.
    pub data: Vec<u8>,
}

const PLOT_MAGIC: &[u8] = b"UDLPLOT1\n";

impl PlotArtifact {
    /// Builds the artifact from an SVG and the plotted series.
    pub fn new(svg: String, series: &BTreeMap<String, Vec<f64>>) -> Result<PlotArtifact, String> {
        Ok(PlotArtifact {
            svg,
            data: encode(series)?,
        })
    }

    /// The container bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(PLOT_MAGIC.len() + 8 + self.svg.len() + self.data.len());
        out.extend_from_slice(PLOT_MAGIC);
        out.extend_from_slice(&(self.svg.len() as u64).to_le_bytes());
        out.extend_from_slice(self.svg.as_bytes());
        out.extend_from_slice(&self.data);
        out
    }

    /// Decodes a cached plot output.
    pub fn decode(bytes: &[u8]) -> Result<PlotArtifact, String> {
        let bad = || "plot output is not a plot artifact".to_string();
        let rest = bytes.strip_prefix(PLOT_MAGIC).ok_or_else(bad)?;
        let (len, rest) = rest.split_first_chunk::<8>().ok_or_else(bad)?;
        let len = usize::try_from(u64::from_le_bytes(*len)).map_err(|_| bad())?;
        if len > rest.len() {
            return Err(bad());
        }
        let (svg, data) = rest.split_at(len);
        let svg = String::from_utf8(svg.to_vec()).map_err(|_| bad())?;
        Ok(PlotArtifact {
            svg,
            data: data.to_vec(),
        })
    }

    /// The plotted numbers.
    pub fn series(&self) -> Result<BTreeMap<String, Vec<f64>>, String> {
        serde_json::from_slice(&self.data)
            .map_err(|e| format!("plotted numbers do not decode: {e}"))
    }

    /// Output name -> blake3 (hex) of its bytes, as recorded in locks: `svg` and `data`.
    pub fn output_hashes(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            (
                "data".to_string(),
                blake3::hash(&self.data).to_hex().to_string(),
            ),
            (
                "svg".to_string(),
                blake3::hash(self.svg.as_bytes()).to_hex().to_string(),
            ),
        ])
    }

    /// The plotted numbers as CSV: one column per reference, rows by index (short columns leave blanks).
    pub fn to_csv(&self) -> Result<String, String> {
        let series = self.series()?;
        let names: Vec<&String> = series.keys().collect();
        let rows = series.values().map(Vec::len).max().unwrap_or(0);
        let mut out = names
            .iter()
            .map(|n| csv_field(n))
            .collect::<Vec<_>>()
            .join(",");
        out.push('\n');
        for r in 0..rows {
            let cells: Vec<String> = series
                .values()
                .map(|v| v.get(r).map(|x| format!("{x:?}")).unwrap_or_default())
                .collect();
            out.push_str(&cells.join(","));
            out.push('\n');
        }
        Ok(out)
    }

    /// The plotted numbers as pretty JSON (reference -> values).
    pub fn to_json(&self) -> Result<Vec<u8>, String> {
        let mut v = serde_json::to_vec_pretty(&self.series()?).expect("series serialise");
        v.push(b'\n');
        Ok(v)
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

type Inputs = BTreeMap<String, Arc<Vec<u8>>>;

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
            };
            encode(&table.map_err(|e| e.to_string())?)
        }
        StageKind::Plot => plot(fig, inputs, style),
    }
}

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, String> {
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
fn columns(
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

fn plot(fig: &FigureSpec, inputs: &Inputs, style: &plotting::Style) -> Result<Vec<u8>, String> {
    let mut tables: BTreeMap<&str, BTreeMap<String, Vec<f64>>> = BTreeMap::new();
    let mut series = BTreeMap::new();
    let mut panels = Vec::new();
    for spec in &fig.panels {
        let mut panel = plotting::Panel::new(spec.clone());
        for r in spec.references() {
            let (section, column) =
                crate::sweep::split_reference(r).ok_or_else(|| format!("bad reference `{r}`"))?;
            if !tables.contains_key(section) {
                let t = match fig.aggregates.get(section) {
                    Some(a) => {
                        let points = fig.swept.get(&a.section).map_or(&[][..], Vec::as_slice);
                        a.compute(&fig.sweep, points, &mut |p| columns(fig, p, inputs))
                            .map_err(|e| format!("aggregate `{section}`: {e}"))?
                    }
                    None => columns(fig, section, inputs)?,
                };
                tables.insert(
                    fig.sections
                        .get_key_value(section)
                        .map(|(k, _)| k.as_str())
                        .or_else(|| {
                            fig.aggregates
                                .get_key_value(section)
                                .map(|(k, _)| k.as_str())
                        })
                        .unwrap_or(section),
                    t,
                );
            }
            let table = &tables[section];
            let values = table.get(column).ok_or_else(|| {
                let names: Vec<&str> = table.keys().map(String::as_str).collect();
                let hint = crate::diag::nearest(column, names.iter().copied()).map(|b| format!("; did you mean `{section}.{b}`?")).unwrap_or_default();
                format!("reference `{r}`: section `{section}` has no column `{column}` (it has {}){hint}", names.join(", "))
            })?;
            series.insert(r.to_string(), values.clone());
            panel = panel.with(r, values.clone());
        }
        panels.push(panel);
    }
    let figure = plotting::Figure {
        layout: fig.layout.clone(),
        panels,
    };
    let svg = plotting::render_svg(&figure, style).map_err(|e| e.to_string())?;
    Ok(PlotArtifact::new(svg, &series)?.encode())
}
