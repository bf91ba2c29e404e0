//! Analysis: spec types for the `[analysis.*]` sections and the measurements they run.
//!
//! Every analysis takes built or fitted `models::Model`s and `data::Dataset`s and returns a
//! `data::Table` of named columns, which `plotting` draws and the pipeline exports. Nothing here
//! trains, plots or does file I/O.

pub mod columns;
pub mod counts;
pub mod derivative;
pub mod distribution;
pub mod ensemble;
pub mod highdim;
pub mod mnist1d;
pub mod posterior;
pub mod predict;
pub mod regions;
mod spec;
pub mod threshold;
pub mod transform;
pub mod variance;

#[cfg(test)]
mod tests;

pub use spec::{AnalysisSpec, EvaluateSpec, FitErrorSpec, JointsSpec, SectionPoints};

use data::{Dataset, GridSpec, Table};
use models::Model;

/// Runs `f` on `model` seen as a [`models::deep::Network`] (shallow and activation models are
/// converted; deep and composed ones are used as they are).
pub fn with_network<T>(
    model: &Model,
    f: impl FnOnce(&dyn models::deep::Network) -> Result<T>,
) -> Result<T> {
    match model {
        Model::Deep(net) => f(net),
        Model::Composed(net) => f(net),
        other => f(&models::deep::DeepNet::from_model(other)?),
    }
}

/// Traces `model` over `grid`: the columns of [`Model::trace`] (`x`, `pre.{d}`, `act.{d}`,
/// `weighted.{o}.{d}`, `y.{o}`, `y` for a shallow network; `x`, `y` for an activation).
pub fn evaluate(model: &Model, grid: &GridSpec) -> Result<Table> {
    let issues = grid.validate();
    if !issues.is_empty() {
        return Err(Error::InvalidSpec(data::nest_issues("x", issues)));
    }
    Ok(Table::from(model.trace(&grid.points())?.series))
}

/// The joints of `model` ([`Model::joints`]): column `joints` (sorted ascending) and one
/// single-value column `joint.{i}` per joint; fails for a network with several inputs, whose
/// joints are lines, not points.
pub fn joints(model: &Model) -> Result<Table> {
    if model.input_dim() != 1 {
        return Err(Error::Model(models::Error::NotOneInput(model.input_dim())));
    }
    let mut table = Table::new();
    let joints = model.joints();
    // One single-value column per joint too (`joint.0`, ...), so a plot can shade between two.
    for (i, j) in joints.iter().enumerate() {
        table.insert(format!("joint.{i}"), vec![*j]);
    }
    table.insert("joints", joints);
    Ok(table)
}

/// Squared error of a one-input, one-output model on a data set: a table with one-value
/// columns `sse` = Σ_i (f(x_i) − y_i)² and `mse` = sse / n (the least-squares loss of UDL section 2.2).
pub fn fit_error(model: &Model, data: &Dataset) -> Result<Table> {
    if model.output_dim() != 1 {
        return Err(Error::Unsupported(format!(
            "fit error compares one output with the data's y, the model has {} outputs",
            model.output_dim()
        )));
    }
    if data.x.len() != data.y.len() || data.is_empty() {
        return Err(Error::Unsupported(format!(
            "fit error needs a non-empty data set with one y per x, found {} x and {} y",
            data.x.len(),
            data.y.len()
        )));
    }
    let mut sse = 0.0;
    for (&x, &y) in data.x.iter().zip(&data.y) {
        let r = model.forward(&[x])?[0] - y;
        sse += r * r;
    }
    let mut table = Table::new();
    table.insert("sse", vec![sse]);
    table.insert("mse", vec![sse / data.len() as f64]);
    Ok(table)
}

/// Errors of the `analysis` crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The spec holds impossible values, as `(field path, message)` pairs.
    #[error("invalid analysis spec: {}", data::format_issues(.0))]
    InvalidSpec(Vec<(String, String)>),
    /// The model cannot be evaluated as asked.
    #[error(transparent)]
    Model(#[from] models::Error),
    /// A data set could not be generated.
    #[error(transparent)]
    Data(#[from] data::Error),
    /// The analysis does not apply to these inputs.
    #[error("{0}")]
    Unsupported(String),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
