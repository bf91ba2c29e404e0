//! [`Table`]: named numeric columns, the output of every analysis stage and the input of plots.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Named columns of numbers, kept in name order so serialisation is deterministic.
///
/// Columns need not share a length (a summary column may hold one value).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Table {
    /// Column name -> values.
    pub columns: BTreeMap<String, Vec<f64>>,
}

impl Table {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// The column called `name`, if any.
    pub fn get(&self, name: &str) -> Option<&[f64]> {
        self.columns.get(name).map(Vec::as_slice)
    }

    /// Sets column `name`, returning the values it replaced.
    pub fn insert(&mut self, name: impl Into<String>, values: Vec<f64>) -> Option<Vec<f64>> {
        self.columns.insert(name.into(), values)
    }

    /// Column names in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.columns.keys().map(String::as_str)
    }
}

impl From<BTreeMap<String, Vec<f64>>> for Table {
    fn from(columns: BTreeMap<String, Vec<f64>>) -> Self {
        Table { columns }
    }
}
