//! Data sets for the figures: spec types for the `[data.*]` sections and deterministic generators.
//!
//! `data` sits at the bottom of the domain crates: `models` builds networks, `training` fits them
//! to a [`Dataset`] from here, and `analysis` measures them on a [`GridSpec`] and returns a
//! [`Table`], the one result type every analysis stage emits. Nothing here reads files, plots or
//! looks at the clock; the same spec always gives the same numbers.

pub mod bundle;
mod classes;
pub mod forms;
mod function;
mod grid;
pub mod mnist1d;
pub mod noisy;
mod spec;
mod table;

#[cfg(test)]
mod tests;

pub use bundle::{Array, Bundle, BundleError};
pub use classes::ClassificationSet;
pub use function::{FourierSpec, FunctionSpec};
pub use grid::{GridSpec, MAX_GRID_POINTS};
pub use noisy::NoisySamplesSpec;
pub use spec::{DataSpec, FunctionDataSpec, PointsSpec};
pub use table::Table;

use serde::{Deserialize, Serialize};

/// A 1-D regression data set: inputs `x[i]` with targets `y[i]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    /// Inputs, one per sample.
    pub x: Vec<f64>,
    /// Targets, one per sample (same length as `x`).
    pub y: Vec<f64>,
}

impl Dataset {
    /// Number of samples.
    pub fn len(&self) -> usize {
        self.x.len()
    }

    /// Whether the data set has no samples.
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }
}

/// Generates the data set a spec describes.
///
/// Fails with [`Error::InvalidSpec`] when [`DataSpec::validate`] finds problems.
pub fn generate(spec: &DataSpec) -> Result<Dataset> {
    let issues = spec.validate();
    if !issues.is_empty() {
        return Err(Error::InvalidSpec(issues));
    }
    Ok(match spec {
        DataSpec::Function(s) => {
            let x = s.x.points();
            let y = x.iter().map(|&x| s.function.eval(x)).collect();
            Dataset { x, y }
        }
        DataSpec::Points(s) => Dataset {
            x: s.x.clone(),
            y: s.y.clone(),
        },
        DataSpec::NoisySamples(s) => s.generate(),
        DataSpec::Mnist1d(_) => {
            return Err(Error::InvalidSpec(vec![(
                "kind".into(),
                "mnist1d is a classification set: use `generate_classes`".into(),
            )]));
        }
    })
}

/// Generates the classification set a spec describes (`kind = "mnist1d"`).
///
/// Fails with [`Error::InvalidSpec`] for invalid values or a kind that is not a classification set.
pub fn generate_classes(spec: &DataSpec) -> Result<ClassificationSet> {
    match spec {
        DataSpec::Mnist1d(s) => Ok(ClassificationSet::from_mnist1d(&mnist1d::generate(s)?)),
        _ => Err(Error::InvalidSpec(vec![(
            "kind".into(),
            "expected a classification data set (mnist1d)".into(),
        )])),
    }
}

/// Errors of the `data` crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The spec holds impossible values, as `(field path, message)` pairs.
    #[error("invalid data spec: {}", format_issues(.0))]
    InvalidSpec(Vec<(String, String)>),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Joins `(field path, message)` pairs into one line: `x.num: ...; y: ...`.
pub fn format_issues(issues: &[(String, String)]) -> String {
    let parts: Vec<String> = issues
        .iter()
        .map(|(path, msg)| format!("{path}: {msg}"))
        .collect();
    parts.join("; ")
}

/// Prefixes the field paths of nested issues with `prefix` (`num` under `x` becomes `x.num`).
pub fn nest_issues(prefix: &str, issues: Vec<(String, String)>) -> Vec<(String, String)> {
    issues
        .into_iter()
        .map(|(path, msg)| (format!("{prefix}.{path}"), msg))
        .collect()
}

/// Reports a non-finite number at `path` (TOML allows `nan` and `inf`).
pub(crate) fn check_finite(path: &str, value: f64, issues: &mut Vec<(String, String)>) {
    if !value.is_finite() {
        issues.push((
            path.to_owned(),
            format!("expected a finite number, found {value}"),
        ));
    }
}
