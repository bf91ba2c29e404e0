//! Per-figure lock records (`figures/chNN/<slug>.lock`): final key, output hashes, platform.
//!
//! One small file per figure keeps merges painless. `build` writes it (only when it changes);
//! `verify` rebuilds from an empty cache and compares against it.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

const HEADER: &str =
    "# Written by `pipeline build`; checked by `pipeline verify`. Do not edit by hand.\n";

/// The lock record of one figure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FigureLock {
    /// Figure id.
    pub figure: String,
    /// Platform the outputs were made on.
    pub platform: String,
    /// Key of the figure's final (plot) stage.
    pub key: String,
    /// Output name -> blake3 of its bytes.
    pub outputs: BTreeMap<String, String>,
    /// A numeric fingerprint of every plotted series, for comparisons across platforms where
    /// bitwise equality is not promised.
    #[serde(default)]
    pub numbers: BTreeMap<String, NumberCheck>,
    /// The figure's `[[check]]` claims, each with the values it was checked on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<CheckRecord>,
}

/// A `[[check]]` claim that held, and what was measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckRecord {
    /// The claim, from the spec.
    pub claim: String,
    /// Both sides' measured values, e.g. `max of … = 74 (at x = 16) > min of … = 66 + 3`.
    pub measured: String,
}

/// A small fingerprint of one plotted series: its length, sum and evenly spaced samples.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NumberCheck {
    /// Number of values.
    pub len: usize,
    /// Sum of the values.
    pub sum: f64,
    /// Values at up to [`SAMPLES`] evenly spaced indices (first and last included).
    pub samples: Vec<f64>,
}

/// How many values of each series a lock samples.
pub const SAMPLES: usize = 9;

impl NumberCheck {
    /// The fingerprint of `values`.
    pub fn of(values: &[f64]) -> NumberCheck {
        let n = values.len();
        let k = SAMPLES.min(n);
        let samples = (0..k)
            .map(|i| values[if k == 1 { 0 } else { i * (n - 1) / (k - 1) }])
            .collect();
        NumberCheck {
            len: n,
            sum: values.iter().sum(),
            samples,
        }
    }

    /// Differences from `other` beyond `tolerance` (relative to magnitude, absolute near zero).
    pub fn compare(&self, other: &NumberCheck, tolerance: f64) -> Option<String> {
        if self.len != other.len || self.samples.len() != other.samples.len() {
            return Some(format!("{} values locked, {} now", self.len, other.len));
        }
        let close = |a: f64, b: f64| (a - b).abs() <= tolerance * a.abs().max(b.abs()).max(1.0);
        // The sum accumulates rounding from every value, so it gets n times the tolerance.
        let sum_tol = tolerance * (self.len.max(1) as f64);
        if (self.sum - other.sum).abs() > sum_tol * self.sum.abs().max(other.sum.abs()).max(1.0) {
            return Some(format!(
                "sum {} locked, {} now (tolerance {tolerance})",
                self.sum, other.sum
            ));
        }
        self.samples
            .iter()
            .zip(&other.samples)
            .position(|(a, b)| !close(*a, *b))
            .map(|i| {
                format!(
                    "sample {i}: {} locked, {} now (tolerance {tolerance})",
                    self.samples[i], other.samples[i]
                )
            })
    }
}

impl FigureLock {
    /// Reads a lock; `Ok(None)` if there is none.
    pub fn read(path: &Path) -> Result<Option<FigureLock>, String> {
        match std::fs::read_to_string(path) {
            Ok(text) => FigureLock::parse(&text, path).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("cannot read {}: {e}", path.display())),
        }
    }

    /// Parses the text of the lock at `path` (named in errors).
    pub fn parse(text: &str, path: &Path) -> Result<FigureLock, String> {
        toml::from_str(text)
            .map_err(|e| format!("{}: invalid lock: {}", path.display(), e.message()))
    }

    /// The file's text.
    pub fn to_text(&self) -> String {
        format!(
            "{HEADER}{}",
            toml::to_string(self).expect("lock serialises")
        )
    }

    /// Writes the lock if its content differs from what is on disk; returns whether it wrote.
    pub fn write_if_changed(&self, path: &Path) -> Result<bool, String> {
        crate::output::write_if_changed(path, self.to_text().as_bytes())
    }
}
