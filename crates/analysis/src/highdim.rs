//! The geometry of high dimensions (UDL section 8.4.1, figure 8.13, problems 8.6–8.9 and the
//! notes to chapter 8; notebook 8.4): closed forms over the dimension (`kind = "ball-volume"`)
//! and statistics of seeded random vectors (`kind = "random-vectors"`).
//!
//! Closed forms, for a ball of radius r = diameter/2 in D dimensions:
//! - volume V_D(r) = π^(D/2) r^D / Γ(D/2 + 1) (problem 8.7), computed in log space with ln Γ;
//!   for diameter 1 it is also the share of the unit cube taken by its inscribed ball;
//! - share of the volume within the outer fraction s of the radius: 1 − (1 − s)^D (problem 8.8:
//!   the "hyper-orange" whose volume is nearly all peel).
//!
//! Random vectors: n points in each dimension D, drawn from NumPy's legacy `RandomState` seeded
//! once, dimension after dimension in the order given, each as `np.random.normal(size=(D, n))`
//! (or `np.random.uniform(-0.5, 0.5, size=(D, n))` for the unit cube), so point j has coordinate
//! d = draw d·n + j, as in notebook 8.4. From them: the norms (chi-distributed with D degrees of
//! freedom for normal draws, UDL fig. 8.13), the angles between the disjoint pairs of points
//! (2k, 2k + 1) (density ∝ sin^(D−2) θ, concentrating at 90°), the nearest and farthest pairwise
//! distances and their ratio (→ 1), and for the cube the Monte Carlo shares of the inscribed ball
//! and of its outer shell.

use data::Table;
use data::mnist1d::RandomState;
use serde::{Deserialize, Serialize};

use crate::counts::WidthRange;
use crate::{Error, Result};

#[cfg(test)]
mod tests;

/// Largest dimension of `ball-volume` and `random-vectors`.
pub const MAX_DIM: u64 = 1_000_000;
/// Largest number of dimensions tabulated by one `ball-volume`.
pub const MAX_DIMS: u64 = 100_000;
/// Largest number of coordinates (n · D summed over the dimensions) one `random-vectors` draws.
pub const MAX_DRAWS: u64 = 50_000_000;
/// Largest number of coordinates `random-vectors` writes with `coordinates = true`.
pub const MAX_COORDINATES: u64 = 1_000_000;
/// Largest work (n²/2 · D summed over the dimensions) of the pairwise distances.
pub const MAX_PAIR_WORK: u64 = 4_000_000_000;

/// `kind = "ball-volume"`: closed forms over a range of dimensions (see [`ball_volume`]).
///
/// ```toml
/// [analysis.volume]
/// kind = "ball-volume"
/// dims = { start = 1, stop = 20 }
/// diameter = 1.0
/// shell = 0.01
/// ```
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BallVolumeSpec {
    /// The dimensions D to tabulate.
    pub dims: WidthRange,
    /// Diameter of the ball (default 1: the ball inscribed in the unit cube).
    #[serde(default = "one")]
    pub diameter: f64,
    /// Thickness of the outer shell as a fraction of the radius (default 0.01, the outer 1%).
    #[serde(default = "one_percent")]
    pub shell: f64,
}

fn one() -> f64 {
    1.0
}

fn one_percent() -> f64 {
    0.01
}

impl BallVolumeSpec {
    /// Impossible values, as `(field, message)`.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut issues = dims_issues(&self.dims);
        if !(self.diameter.is_finite() && self.diameter > 0.0) {
            issues.push((
                "diameter".into(),
                format!("expected a finite number > 0, found {}", self.diameter),
            ));
        }
        if !(self.shell > 0.0 && self.shell < 1.0) {
            issues.push((
                "shell".into(),
                format!(
                    "expected a fraction of the radius in (0, 1), found {}",
                    self.shell
                ),
            ));
        }
        issues
    }
}

fn dims_issues(dims: &WidthRange) -> Vec<(String, String)> {
    let mut issues = Vec::new();
    if dims.start < 1 || dims.stop > MAX_DIM || dims.start > dims.stop {
        issues.push((
            "dims".into(),
            format!(
                "expected 1 ≤ start ≤ stop ≤ {MAX_DIM}, found start = {}, stop = {}",
                dims.start, dims.stop
            ),
        ));
    } else if dims.step == 0 {
        issues.push(("dims.step".into(), "expected a step of at least 1".into()));
    } else if (dims.stop - dims.start) / dims.step >= MAX_DIMS {
        issues.push((
            "dims".into(),
            format!("expected at most {MAX_DIMS} dimensions; raise `step`"),
        ));
    }
    issues
}

/// ln of the volume of a ball of radius r in D dimensions: (D/2) ln π + D ln r − ln Γ(D/2 + 1).
pub fn ln_ball_volume(d: f64, r: f64) -> f64 {
    0.5 * d * std::f64::consts::PI.ln() + d * r.ln() - crate::distribution::ln_gamma(0.5 * d + 1.0)
}

/// Share of a D-dimensional ball's volume within the outer fraction `s` of its radius:
/// 1 − (1 − s)^D, computed as −expm1(D ln(1 − s)) so that it stays accurate for small D·s.
pub fn shell_fraction(d: f64, s: f64) -> f64 {
    -(d * (-s).ln_1p()).exp_m1()
}

/// One row per dimension D of `spec.dims`: `dim`, `volume` (of the ball of the given diameter),
/// `log10-volume`, `shell-fraction` (1 − (1 − shell)^D).
pub fn ball_volume(spec: &BallVolumeSpec) -> Result<Table> {
    let issues = spec.validate();
    if !issues.is_empty() {
        return Err(Error::InvalidSpec(issues));
    }
    let dims: Vec<f64> = spec.dims.values().into_iter().map(|d| d as f64).collect();
    let r = 0.5 * spec.diameter;
    let ln_v: Vec<f64> = dims.iter().map(|&d| ln_ball_volume(d, r)).collect();
    let mut table = Table::new();
    table.insert("volume", ln_v.iter().map(|l| l.exp()).collect());
    table.insert(
        "log10-volume",
        ln_v.iter().map(|l| l / std::f64::consts::LN_10).collect(),
    );
    table.insert(
        "shell-fraction",
        dims.iter()
            .map(|&d| shell_fraction(d, spec.shell))
            .collect(),
    );
    table.insert("dim", dims);
    Ok(table)
}

/// Where the points of `random-vectors` come from.
#[derive(Deserialize, Serialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum VectorDistribution {
    /// Standard normal coordinates.
    #[default]
    Normal,
    /// Coordinates uniform on [−1/2, 1/2]: the unit cube around the origin.
    UniformCube,
}

/// `kind = "random-vectors"`: seeded random points in several dimensions and statistics of them
/// (see [`random_vectors`]).
///
/// ```toml
/// [analysis.points]
/// kind = "random-vectors"
/// dims = [2, 100, 1000]
/// n = 1000
/// seed = 0
/// pairwise = true
/// ```
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RandomVectorsSpec {
    /// The dimensions D, drawn in this order from one generator.
    pub dims: Vec<u64>,
    /// Number of points in each dimension (at least 2).
    pub n: u64,
    /// Seed of the generator (`np.random.seed`).
    pub seed: u32,
    /// The coordinates' distribution (default `normal`).
    #[serde(default)]
    pub distribution: VectorDistribution,
    /// Also compute every pairwise distance (n(n − 1)/2 per dimension): `min-distance`,
    /// `max-distance`, `distance-ratio`.
    #[serde(default)]
    pub pairwise: bool,
    /// Also write every coordinate, `coord.{i}.{c}` (n values each), e.g. to scatter 2-D points.
    #[serde(default)]
    pub coordinates: bool,
    /// For `uniform-cube`: the shell whose share of the inscribed ball is estimated, as a fraction
    /// of the radius (default 0.01).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shell: Option<f64>,
}

impl RandomVectorsSpec {
    /// Impossible values, as `(field, message)`.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut issues = Vec::new();
        if self.dims.is_empty() {
            issues.push(("dims".into(), "expected at least one dimension".into()));
        }
        if let Some(d) = self.dims.iter().find(|&&d| !(1..=MAX_DIM).contains(&d)) {
            issues.push((
                "dims".into(),
                format!("expected dimensions from 1 to {MAX_DIM}, found {d}"),
            ));
        }
        if self.n < 2 {
            issues.push((
                "n".into(),
                format!("expected at least 2 points, found {}", self.n),
            ));
        }
        let total: u64 = self.dims.iter().map(|d| d.saturating_mul(self.n)).sum();
        if total > MAX_DRAWS {
            issues.push((
                "n".into(),
                format!("n · D summed over the dimensions is {total}, more than {MAX_DRAWS} draws"),
            ));
        }
        if self.pairwise {
            let work: u64 = self
                .dims
                .iter()
                .map(|d| (self.n.saturating_mul(self.n) / 2).saturating_mul(*d))
                .sum();
            if work > MAX_PAIR_WORK {
                issues.push((
                    "pairwise".into(),
                    format!("n²/2 · D summed over the dimensions is {work}, more than {MAX_PAIR_WORK}; use fewer points"),
                ));
            }
        }
        if self.coordinates && total > MAX_COORDINATES {
            issues.push((
                "coordinates".into(),
                format!("writing {total} coordinates is more than {MAX_COORDINATES}; leave out `coordinates` or draw fewer points"),
            ));
        }
        match (self.shell, self.distribution) {
            (Some(_), VectorDistribution::Normal) => issues.push((
                "shell".into(),
                "only `distribution = \"uniform-cube\"` estimates the shell of the inscribed ball"
                    .into(),
            )),
            (Some(s), _) if !(s > 0.0 && s < 1.0) => issues.push((
                "shell".into(),
                format!("expected a fraction of the radius in (0, 1), found {s}"),
            )),
            _ => {}
        }
        issues
    }
}

/// The angle (radians, in [0, π]) between two vectors; 0 if either is zero.
pub fn angle_between(a: &[f64], b: &[f64]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f64 = a.iter().map(|x| x * x).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| x * x).sum::<f64>().sqrt();
    if na == 0.0 || nb == 0.0 {
        return 0.0;
    }
    (dot / (na * nb)).clamp(-1.0, 1.0).acos()
}

fn mean_sd(v: &[f64]) -> (f64, f64) {
    let m = v.iter().sum::<f64>() / v.len() as f64;
    let var = v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (v.len() as f64 - 1.0).max(1.0);
    (m, var.sqrt())
}

/// Draws `spec.n` points in each dimension of `spec.dims` and measures them.
///
/// Per dimension i (in the order of `dims`): with `coordinates`, `coord.{i}.{c}` for each
/// coordinate c; `norm.{i}`, the n distances from the origin (the
/// mean); `angle.{i}`, the ⌊n/2⌋ angles (radians) between points 2k and 2k + 1; for the cube
/// also `inside.{i}`, 1 for a point inside the inscribed ball (norm ≤ 1/2), else 0. One value per
/// dimension: `dim`; `norm-mean`, `norm-sd`, `angle-mean`, `angle-sd` (sample standard
/// deviations, 1/(n − 1)); with `pairwise`, `min-distance`, `max-distance` and `distance-ratio`
/// (nearest over farthest); for the cube `ball-fraction` (the share of points in the inscribed
/// ball: a Monte Carlo estimate of its volume) and `shell-fraction` (the share of those within
/// the outer `shell` of the radius; an error if no point fell inside the ball).
pub fn random_vectors(spec: &RandomVectorsSpec) -> Result<Table> {
    let issues = spec.validate();
    if !issues.is_empty() {
        return Err(Error::InvalidSpec(issues));
    }
    let n = spec.n as usize;
    let mut rng = RandomState::new(spec.seed);
    let mut table = Table::new();
    let mut summary: Vec<(&str, Vec<f64>)> = [
        "dim",
        "norm-mean",
        "norm-sd",
        "angle-mean",
        "angle-sd",
        "min-distance",
        "max-distance",
        "distance-ratio",
        "ball-fraction",
        "shell-fraction",
    ]
    .into_iter()
    .map(|name| (name, Vec::new()))
    .collect();
    let push = |summary: &mut Vec<(&str, Vec<f64>)>, name: &str, v: f64| {
        summary
            .iter_mut()
            .find(|(n, _)| *n == name)
            .expect("known summary column")
            .1
            .push(v);
    };
    for (i, &d) in spec.dims.iter().enumerate() {
        let d = d as usize;
        // Draw as numpy's size=(D, n): coordinate c of point j is draw c·n + j.
        let mut points = vec![vec![0.0; d]; n];
        for c in 0..d {
            for p in points.iter_mut() {
                p[c] = match spec.distribution {
                    VectorDistribution::Normal => rng.standard_normal(),
                    VectorDistribution::UniformCube => rng.uniform(-0.5, 0.5),
                };
            }
        }
        let norms: Vec<f64> = points
            .iter()
            .map(|p| p.iter().map(|x| x * x).sum::<f64>().sqrt())
            .collect();
        let angles: Vec<f64> = points
            .chunks_exact(2)
            .map(|pair| angle_between(&pair[0], &pair[1]))
            .collect();
        push(&mut summary, "dim", d as f64);
        let (m, s) = mean_sd(&norms);
        push(&mut summary, "norm-mean", m);
        push(&mut summary, "norm-sd", s);
        let (m, s) = mean_sd(&angles);
        push(&mut summary, "angle-mean", m);
        push(&mut summary, "angle-sd", s);
        if spec.pairwise {
            let (lo, hi) = extreme_distances(&points);
            push(&mut summary, "min-distance", lo);
            push(&mut summary, "max-distance", hi);
            push(&mut summary, "distance-ratio", lo / hi);
        }
        if spec.distribution == VectorDistribution::UniformCube {
            let shell = spec.shell.unwrap_or(0.01);
            let inside: Vec<f64> = norms
                .iter()
                .map(|&r| f64::from(u8::from(r <= 0.5)))
                .collect();
            let n_in = inside.iter().sum::<f64>();
            if n_in == 0.0 {
                return Err(Error::Unsupported(format!(
                    "no point of {n} fell inside the inscribed ball in {d} dimensions (its volume is {:.3e}): use more points or fewer dimensions",
                    ln_ball_volume(d as f64, 0.5).exp()
                )));
            }
            let in_shell = norms
                .iter()
                .filter(|&&r| r <= 0.5 && r > 0.5 * (1.0 - shell))
                .count() as f64;
            push(&mut summary, "ball-fraction", n_in / n as f64);
            push(&mut summary, "shell-fraction", in_shell / n_in);
            table.insert(format!("inside.{i}"), inside);
        }
        if spec.coordinates {
            for c in 0..d {
                table.insert(
                    format!("coord.{i}.{c}"),
                    points.iter().map(|p| p[c]).collect(),
                );
            }
        }
        table.insert(format!("norm.{i}"), norms);
        table.insert(format!("angle.{i}"), angles);
    }
    for (name, values) in summary {
        if !values.is_empty() {
            table.insert(name, values);
        }
    }
    Ok(table)
}

/// The smallest and largest Euclidean distance between two distinct points.
fn extreme_distances(points: &[Vec<f64>]) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, 0.0f64);
    for (j, a) in points.iter().enumerate() {
        for b in &points[j + 1..] {
            let d2: f64 = a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum();
            lo = lo.min(d2);
            hi = hi.max(d2);
        }
    }
    (lo.sqrt(), hi.sqrt())
}
