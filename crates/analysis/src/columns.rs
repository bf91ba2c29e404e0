//! Column references inside analysis specs, and parameters that may be one.
//!
//! The analyses that compose (`distribution`, `sample`, `transform`, `evaluate-at`) read numbers
//! from other sections with the same `"SECTION.COLUMN"` strings that plots use: `"pred.y.0"` is
//! column `y.0` of section `pred` (split at the first dot). The pipeline hands such an analysis
//! the tables of the sections it names, as [`Tables`]; [`lookup`] finds a column in them.
//!
//! A [`Param`] is a number, a list of numbers (one per row) or a column reference (one value per
//! row of that column), so one spec can draw a single curve, a family of curves, or one
//! distribution per input of a network. [`rows`] broadcasts resolved parameters to a common
//! number of rows: every parameter has either that many values or exactly one.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use data::Table;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The tables of the sections an analysis reads, by section name.
pub type Tables = BTreeMap<String, Table>;

/// Splits `"SECTION.COLUMN"` at the first dot outside brackets (a swept section's grid point is
/// named like `fit[lr=0.5]`); `None` unless both parts are non-empty.
pub fn split(reference: &str) -> Option<(&str, &str)> {
    let mut depth = 0usize;
    let at = reference.char_indices().find_map(|(i, c)| {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            '.' if depth == 0 => return Some(i),
            _ => {}
        }
        None
    })?;
    Some((&reference[..at], &reference[at + 1..])).filter(|(s, c)| !s.is_empty() && !c.is_empty())
}

/// Problems with a column reference at `path`, as `(field path, message)` pairs.
pub fn check_reference(path: &str, reference: &str) -> Vec<(String, String)> {
    if split(reference).is_some() {
        Vec::new()
    } else {
        vec![(
            path.to_owned(),
            format!(
                "expected a column reference \"SECTION.COLUMN\" (e.g. \"curve.y\"), found \"{reference}\""
            ),
        )]
    }
}

/// The values of column `reference` (`"SECTION.COLUMN"`) in `tables`.
pub fn lookup<'a>(tables: &'a Tables, reference: &str) -> Result<&'a [f64]> {
    let (section, column) = split(reference).ok_or_else(|| {
        Error::Unsupported(format!(
            "`{reference}` is not a column reference \"SECTION.COLUMN\""
        ))
    })?;
    let table = tables.get(section).ok_or_else(|| {
        Error::Unsupported(format!(
            "reference `{reference}`: section `{section}` is not an input of this analysis"
        ))
    })?;
    table.get(column).ok_or_else(|| {
        let names: Vec<&str> = table.names().collect();
        Error::Unsupported(format!(
            "reference `{reference}`: section `{section}` has no column `{column}` (it has {})",
            names.join(", ")
        ))
    })
}

/// The distinct sections named by `references`, in name order.
pub fn sections<'a>(references: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let set: BTreeSet<&str> = references
        .into_iter()
        .filter_map(|r| split(r).map(|(s, _)| s))
        .collect();
    set.into_iter().collect()
}

/// A parameter: one number, a list of numbers (one per row), or a column of another section
/// (one value per row).
///
/// TOML: `sigma = 0.3`, `mu = [-1.9, -0.5, 1.3]`, `mu = "pred.y"`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Param {
    /// The same value for every row.
    Number(f64),
    /// One value per row.
    List(Vec<f64>),
    /// `"SECTION.COLUMN"`: the values of that column, one per row.
    Column(String),
}

impl Param {
    /// Problems at `path`: non-finite numbers, an empty list, a malformed reference.
    pub fn validate(&self, path: &str) -> Vec<(String, String)> {
        match self {
            Param::Number(v) if !v.is_finite() => {
                vec![(
                    path.to_owned(),
                    format!("expected a finite number, found {v}"),
                )]
            }
            Param::Number(_) => Vec::new(),
            Param::List(vs) if vs.is_empty() => {
                vec![(path.to_owned(), "expected at least one number".to_owned())]
            }
            Param::List(vs) => vs
                .iter()
                .enumerate()
                .filter(|(_, v)| !v.is_finite())
                .map(|(i, v)| {
                    (
                        format!("{path}[{i}]"),
                        format!("expected a finite number, found {v}"),
                    )
                })
                .collect(),
            Param::Column(r) => check_reference(path, r),
        }
    }

    /// The column reference, if this parameter is one.
    pub fn reference(&self) -> Option<&str> {
        match self {
            Param::Column(r) => Some(r),
            _ => None,
        }
    }

    /// The values: one for a number, one per row otherwise.
    pub fn resolve(&self, tables: &Tables) -> Result<Vec<f64>> {
        Ok(match self {
            Param::Number(v) => vec![*v],
            Param::List(vs) => vs.clone(),
            Param::Column(r) => lookup(tables, r)?.to_vec(),
        })
    }
}

impl<'de> Deserialize<'de> for Param {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct ParamVisitor;
        impl<'de> Visitor<'de> for ParamVisitor {
            type Value = Param;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number, a list of numbers, or a column reference \"SECTION.COLUMN\"")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<Param, E> {
                Ok(Param::Number(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<Param, E> {
                Ok(Param::Number(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<Param, E> {
                Ok(Param::Number(v as f64))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Param, E> {
                Ok(Param::Column(v.to_owned()))
            }
            fn visit_seq<A: SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<Param, A::Error> {
                let mut values = Vec::new();
                while let Some(v) = seq.next_element::<f64>()? {
                    values.push(v);
                }
                Ok(Param::List(values))
            }
        }
        d.deserialize_any(ParamVisitor)
    }
}

/// The common number of rows of columns with these lengths: every length is that number or 1.
/// `what` names the columns for the error message, in the same order as `lens`.
pub fn rows(lens: &[(String, usize)]) -> Result<usize> {
    let n = lens.iter().map(|(_, l)| *l).max().unwrap_or(1);
    if let Some((name, len)) = lens.iter().find(|(_, l)| *l != n && *l != 1) {
        let (big, _) = lens
            .iter()
            .find(|(_, l)| *l == n)
            .expect("the maximum is one of them");
        return Err(Error::Unsupported(format!(
            "`{name}` has {len} values but `{big}` has {n}; values given per row must have the same number of rows (or be a single value)"
        )));
    }
    if lens.iter().any(|(_, l)| *l == 0) {
        let (name, _) = lens.iter().find(|(_, l)| *l == 0).expect("found above");
        return Err(Error::Unsupported(format!("`{name}` has no values")));
    }
    Ok(n)
}

/// Value `i` of a column broadcast to any number of rows (a one-value column repeats).
pub fn at(values: &[f64], i: usize) -> f64 {
    if values.len() == 1 {
        values[0]
    } else {
        values[i]
    }
}
