//! `kind = "evaluate-at"`: a model traced at the values of a column instead of on a grid, e.g.
//! at the inputs x_i of a data set to get the predictions f[x_i, φ] that enter a likelihood
//! (UDL eq. 5.3), or at random inputs drawn by a `sample` analysis.

use data::Table;
use models::Model;
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::columns::{self, Tables};

/// `kind = "evaluate-at"`: every intermediate series of a one-input model at the values of a column.
///
/// ```toml
/// [analysis.pred]
/// kind = "evaluate-at"
/// model = "net"            # a [model] or [train] section with one input
/// x = "points.x"           # "SECTION.COLUMN"
/// ```
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct EvaluateAtSpec {
    /// Name of the model: a `[model.*]` section, or a `[train.*]` section's fitted model.
    pub model: String,
    /// The inputs, a column reference `"SECTION.COLUMN"`.
    pub x: String,
}

impl EvaluateAtSpec {
    /// Impossible values, as `(field, message)`.
    pub fn validate(&self) -> Vec<(String, String)> {
        columns::check_reference("x", &self.x)
    }
}

/// The columns of [`Model::trace`] at the values of column `spec.x` (in that column's order).
pub fn evaluate_at(model: &Model, spec: &EvaluateAtSpec, tables: &Tables) -> Result<Table> {
    let xs = columns::lookup(tables, &spec.x)?;
    Ok(Table::from(model.trace(xs)?.series))
}
