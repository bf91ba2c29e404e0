//! `kind = "noisy-samples"`: stratified noisy samples of a function, the toy regression data of
//! UDL chapters 8 and 9 (notebook 8.2's `generate_data`, figures 8.3-8.9, 9.2, 9.6-9.11).
//!
//! One data set of I points on `[a, b]` has x_i ~ U[a + i·w, a + (i+1)·w] with w = (b − a)/I
//! (one point per equal stratum, i = 0..I−1, in order) and y_i = f(x_i) + ε_i with
//! ε_i ~ N(0, σ²). With `sets = S` the generator makes S such data sets one after another from
//! one random stream and stores them back to back: rows s·I..(s+1)·I are data set s.
//! With `omit = [c, d]` (one data set only) the points with c < x_i < d are left out after the
//! draw, so the others are exactly those of the full draw: a data set with a gap (figure 9.9).
//!
//! The stream is NumPy's legacy `RandomState` ([`crate::mnist1d::RandomState`]) seeded with
//! `seed`, drawn in the notebook's order: per data set, the I uniforms of the inputs, then the
//! I normals of the noise (`np.random.uniform(i/I, (i+1)/I, 1)` in a loop, then
//! `np.random.normal(0, σ, I)`).

use crate::mnist1d::RandomState;
use crate::{Dataset, FunctionSpec};
use serde::{Deserialize, Serialize};

/// Upper bound on `points · sets`, so a typo cannot exhaust memory.
pub const MAX_NOISY_SAMPLES: usize = 10_000_000;

/// `kind = "noisy-samples"`: `sets` data sets of `points` stratified noisy samples of `function`.
///
/// ```toml
/// [data.train]
/// kind = "noisy-samples"
/// function = { form = "exp-sin" }
/// points = 15
/// noise = 0.3        # σ of the Gaussian noise
/// seed = 1
/// sets = 100         # optional, default 1
/// omit = [0.4, 0.6]  # optional: leave out the points inside (one data set only)
/// ```
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct NoisySamplesSpec {
    /// The true function f.
    pub function: FunctionSpec,
    /// Points per data set (I), one per stratum; at least 1.
    pub points: usize,
    /// Standard deviation σ of the additive Gaussian noise, ≥ 0.
    pub noise: f64,
    /// Seed of the random stream (NumPy's legacy `RandomState`, a `u32`).
    pub seed: u32,
    /// Number of data sets drawn one after another (default 1).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub sets: usize,
    /// The interval `[a, b]` cut into `points` strata (default `[0, 1]`).
    #[serde(default = "unit", skip_serializing_if = "is_unit")]
    pub interval: [f64; 2],
    /// `[c, d]`: leave out the points with c < x < d after drawing (one data set only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub omit: Option<[f64; 2]>,
}

fn one() -> usize {
    1
}

fn is_one(n: &usize) -> bool {
    *n == 1
}

fn unit() -> [f64; 2] {
    [0.0, 1.0]
}

fn is_unit(i: &[f64; 2]) -> bool {
    *i == [0.0, 1.0]
}

impl NoisySamplesSpec {
    /// Problems as `(field, message)` pairs, relative to the section.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut issues = crate::nest_issues("function", self.function.validate());
        if self.points == 0 {
            issues.push(("points".into(), "expected at least 1 point, found 0".into()));
        }
        if self.sets == 0 {
            issues.push((
                "sets".into(),
                "expected at least 1 data set, found 0".into(),
            ));
        }
        if self.points.saturating_mul(self.sets) > MAX_NOISY_SAMPLES {
            issues.push((
                "sets".into(),
                format!(
                    "expected points × sets ≤ {MAX_NOISY_SAMPLES}, found {} × {}",
                    self.points, self.sets
                ),
            ));
        }
        if !self.noise.is_finite() || self.noise < 0.0 {
            issues.push((
                "noise".into(),
                format!(
                    "expected a finite standard deviation ≥ 0, found {}",
                    self.noise
                ),
            ));
        }
        let [a, b] = self.interval;
        crate::check_finite("interval[0]", a, &mut issues);
        crate::check_finite("interval[1]", b, &mut issues);
        if a.is_finite() && b.is_finite() && b <= a {
            issues.push((
                "interval".into(),
                format!("expected [a, b] with b > a, found [{a}, {b}]"),
            ));
        }
        if let Some([c, d]) = self.omit {
            crate::check_finite("omit[0]", c, &mut issues);
            crate::check_finite("omit[1]", d, &mut issues);
            if c.is_finite() && d.is_finite() && d <= c {
                issues.push((
                    "omit".into(),
                    format!("expected [c, d] with d > c, found [{c}, {d}]"),
                ));
            }
            if self.sets != 1 {
                issues.push((
                    "omit".into(),
                    format!(
                        "expected one data set with `omit`, found sets = {}",
                        self.sets
                    ),
                ));
            }
        }
        issues
    }

    /// Draws the data sets, back to back (rows s·I..(s+1)·I are data set s).
    pub fn generate(&self) -> Dataset {
        let mut rng = RandomState::new(self.seed);
        let n = self.points;
        let [a, b] = self.interval;
        // a + (b − a)·i/I rather than a + i·w, so that on [0, 1] the strata are the notebook's
        // i/I to (i+1)/I exactly.
        let edge = |i: usize| a + (b - a) * i as f64 / n as f64;
        let mut x = Vec::with_capacity(n * self.sets);
        let mut y = Vec::with_capacity(n * self.sets);
        for _ in 0..self.sets {
            let start = x.len();
            for i in 0..n {
                x.push(rng.uniform(edge(i), edge(i + 1)));
            }
            for &xi in &x[start..] {
                y.push(self.function.eval(xi) + rng.normal(0.0, self.noise));
            }
        }
        if let Some([c, d]) = self.omit {
            let keep = |xi: &f64| !(c < *xi && *xi < d);
            let kept: Vec<bool> = x.iter().map(keep).collect();
            let pick = |v: Vec<f64>| -> Vec<f64> {
                v.into_iter()
                    .zip(&kept)
                    .filter(|(_, k)| **k)
                    .map(|(v, _)| v)
                    .collect()
            };
            return Dataset {
                x: pick(x),
                y: pick(y),
            };
        }
        Dataset { x, y }
    }

    /// Data set `s` of a generated [`Dataset`] (its rows s·I..(s+1)·I).
    pub fn set(&self, data: &Dataset, s: usize) -> Dataset {
        let range = s * self.points..(s + 1) * self.points;
        Dataset {
            x: data.x[range.clone()].to_vec(),
            y: data.y[range].to_vec(),
        }
    }
}
