//! Evenly spaced 1-D grids (numpy's `linspace`), used for function samples and evaluation axes.

use serde::{Deserialize, Serialize};

/// Upper bound on [`GridSpec::num`], so a typo cannot exhaust memory.
pub const MAX_GRID_POINTS: usize = 1_000_000;

/// `num` evenly spaced points from `start` to `stop`, like `numpy.linspace`.
///
/// TOML: `x = { start = 0.0, stop = 1.0, num = 101 }`.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct GridSpec {
    /// First point.
    pub start: f64,
    /// Last point (included when `endpoint` is true), greater than `start`.
    pub stop: f64,
    /// Number of points, at least 2.
    pub num: usize,
    /// Whether `stop` is the last point (true) or one step past it (false, for half-open `[start, stop)`).
    #[serde(default = "default_endpoint")]
    pub endpoint: bool,
}

fn default_endpoint() -> bool {
    true
}

impl GridSpec {
    /// A grid that includes both ends.
    pub fn new(start: f64, stop: f64, num: usize) -> Self {
        GridSpec {
            start,
            stop,
            num,
            endpoint: true,
        }
    }

    /// Problems as `(field, message)` pairs; empty when the grid is usable.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut issues = Vec::new();
        crate::check_finite("start", self.start, &mut issues);
        crate::check_finite("stop", self.stop, &mut issues);
        if issues.is_empty() && self.stop <= self.start {
            issues.push((
                "stop".to_owned(),
                format!(
                    "expected stop > start, found start = {}, stop = {}",
                    self.start, self.stop
                ),
            ));
        }
        if self.num < 2 {
            issues.push((
                "num".to_owned(),
                format!("expected at least 2 points, found {}", self.num),
            ));
        } else if self.num > MAX_GRID_POINTS {
            issues.push((
                "num".to_owned(),
                format!(
                    "expected at most {MAX_GRID_POINTS} points, found {}",
                    self.num
                ),
            ));
        }
        issues
    }

    /// The grid points: `start + i·step` with `step = (stop − start)/(num − 1)` (or `/num` without
    /// the endpoint); with the endpoint the last point is exactly `stop`, as in numpy.
    pub fn points(&self) -> Vec<f64> {
        let div = if self.endpoint {
            self.num.saturating_sub(1)
        } else {
            self.num
        };
        let step = (self.stop - self.start) / div.max(1) as f64;
        let mut xs: Vec<f64> = (0..self.num)
            .map(|i| self.start + i as f64 * step)
            .collect();
        if self.endpoint && self.num > 1 {
            xs[self.num - 1] = self.stop;
        }
        xs
    }
}
