//! The smoothest zero-loss fit of a shallow network's output layer (UDL section 8.4.2,
//! figures 8.11 and 8.12): `kind = "interpolate"`.
//!
//! With the hidden layer fixed, y(x) = φ_0 + Σ_d φ_d·h_d(x) is linear in φ. When there are more
//! parameters than data points, many φ fit every point exactly (A φ = y, with A the design
//! matrix of [`crate::least_squares`]); this picks the one with the smallest penalty
//!
//!   R(φ) = Σ_{d ∉ free} (c_d φ_d)²,
//!
//! with c_d = |θ_d1| for `penalty = "slope-changes"` (a ReLU unit with input weight θ_d1 bends the
//! function at its joint by φ_d·|θ_d1|, so R is the sum of the squared slope changes; for the
//! fixed-joint `relu-basis` model θ_d1 = 1 and R is the sum of the squared output weights) and
//! c_d = 1 for `penalty = "weights"` (the minimum-norm interpolant). The bias φ_0 and the units
//! in `free` are not penalised.
//!
//! Method: the Lagrange (KKT) system [[Q, Aᵀ], [A, 0]] [φ; λ] = [0; y] with Q = diag(c_d²)
//! (zero for the bias and the free units), solved by Gaussian elimination with partial pivoting.
//! It has exactly one solution when A has full row rank and no non-zero φ with A φ = 0 costs
//! nothing; otherwise the fit fails instead of returning an arbitrary answer.
//!
//! `perturb = { seed, scale }` adds `scale` times a standard normal vector (NumPy's legacy
//! generator) projected onto the null space of A, φ + scale·(I − Aᵀ(AAᵀ)⁻¹A) z: another exact fit,
//! generally a wiggly one (figure 8.12).

use data::Dataset;
use data::mnist1d::RandomState;
use models::Model;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// What the interpolant minimises (`penalty = "..."`).
#[derive(Deserialize, Serialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Penalty {
    /// Σ (φ_d·|θ_d1|)²: the squared changes of slope at the joints.
    #[default]
    SlopeChanges,
    /// Σ φ_d²: the squared output weights.
    Weights,
}

/// A random exact fit: `{ seed = 1, scale = 0.3 }`.
#[derive(Deserialize, Serialize, Clone, Copy, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Perturb {
    /// Seed of the generator (`np.random.seed`).
    pub seed: u32,
    /// Size of the random direction before its projection onto the exact fits.
    pub scale: f64,
}

/// `kind = "interpolate"`: the exact fit of a shallow model's output layer with the smallest
/// penalty (see the module docs).
///
/// ```toml
/// [train.smooth]
/// kind = "interpolate"
/// model = "basis50"
/// data = "points"
/// penalty = "slope-changes"
/// free = [0]
/// ```
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct InterpolateSpec {
    /// Name of the `[model.*]` (or `[train.*]`) section whose output layer is fitted.
    pub model: String,
    /// Name of the `[data.*]` section to pass through.
    pub data: String,
    /// What is minimised (default `slope-changes`).
    #[serde(default)]
    pub penalty: Penalty,
    /// Hidden units (from 0) whose output weights are not penalised.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub free: Vec<usize>,
    /// Add a random exact-fit direction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub perturb: Option<Perturb>,
}

impl InterpolateSpec {
    /// Impossible values, as `(field, message)`.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut issues = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        if let Some(d) = self.free.iter().find(|d| !seen.insert(**d)) {
            issues.push(("free".into(), format!("unit {d} is listed twice")));
        }
        if let Some(p) = &self.perturb
            && !(p.scale.is_finite() && p.scale >= 0.0)
        {
            issues.push((
                "perturb.scale".into(),
                format!("expected a finite number ≥ 0, found {}", p.scale),
            ));
        }
        issues
    }
}

/// Fits the output layer of a one-input, one-output shallow model through every point of `data`
/// with the smallest penalty (see the module docs); returns the fitted model.
pub fn interpolate(spec: &InterpolateSpec, model: &Model, data: &Dataset) -> Result<Model> {
    let Model::Shallow(net) = model else {
        return Err(Error::UnsupportedModel {
            procedure: "interpolation",
            needs: "a shallow or relu-basis model (it fits the output layer)",
            found: "an activation model, which has no output weights".to_owned(),
        });
    };
    if net.output_dim() != 1 || net.input_dim() != 1 {
        return Err(Error::UnsupportedModel {
            procedure: "interpolation",
            needs: "a model with one input and one output",
            found: format!(
                "{} inputs and {} outputs",
                net.input_dim(),
                net.output_dim()
            ),
        });
    }
    crate::least_squares::check_data(data)?;
    let units = net.hidden_units();
    if let Some(d) = spec.free.iter().find(|d| **d >= units) {
        return Err(Error::InvalidData(format!(
            "`free` names unit {d}, but the model has {units} hidden units (0 to {})",
            units - 1
        )));
    }
    let rows = data
        .x
        .iter()
        .map(|&x| Ok(std::iter::once(1.0).chain(net.hidden(&[x])?).collect()))
        .collect::<Result<Vec<Vec<f64>>>>()?;
    // Q = diag(c_d²): 0 for the bias and the free units.
    let q: Vec<f64> = std::iter::once(0.0)
        .chain(net.theta().iter().enumerate().map(|(d, row)| {
            if spec.free.contains(&d) {
                0.0
            } else {
                match spec.penalty {
                    Penalty::SlopeChanges => row[1] * row[1],
                    Penalty::Weights => 1.0,
                }
            }
        }))
        .collect();
    let mut phi = min_penalty_solution(&rows, &data.y, &q)?;
    if let Some(p) = spec.perturb {
        let mut rng = RandomState::new(p.seed);
        let z: Vec<f64> = (0..phi.len()).map(|_| rng.standard_normal()).collect();
        let v = null_space_projection(&rows, &z)?;
        phi.iter_mut()
            .zip(&v)
            .for_each(|(w, vi)| *w += p.scale * vi);
    }
    Ok(Model::Shallow(net.with_phi(vec![phi])?))
}

/// min Σ_k q_k w_k² subject to A w = b (`rows` = the rows of A), by the KKT system.
pub fn min_penalty_solution(rows: &[Vec<f64>], b: &[f64], q: &[f64]) -> Result<Vec<f64>> {
    let (n, p) = (rows.len(), q.len());
    let size = p + n;
    let mut m = vec![vec![0.0; size + 1]; size];
    for k in 0..p {
        m[k][k] = q[k];
    }
    for (i, row) in rows.iter().enumerate() {
        for k in 0..p {
            m[k][p + i] = row[k];
            m[p + i][k] = row[k];
        }
        m[p + i][size] = b[i];
    }
    let sol = solve(m).ok_or_else(|| {
        Error::InvalidData(format!(
            "no unique smoothest exact fit: the {n} points cannot all be fitted by the model's {p} output parameters, or some fits through them cost no penalty (a region without points whose unit is free, or two points at one x)"
        ))
    })?;
    Ok(sol[..p].to_vec())
}

/// (I − Aᵀ(AAᵀ)⁻¹A) z: the part of z that changes no fitted value.
fn null_space_projection(rows: &[Vec<f64>], z: &[f64]) -> Result<Vec<f64>> {
    let n = rows.len();
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let mut m = vec![vec![0.0; n + 1]; n];
    for i in 0..n {
        for j in 0..n {
            m[i][j] = dot(&rows[i], &rows[j]);
        }
        m[i][n] = dot(&rows[i], z);
    }
    let mu =
        solve(m).ok_or_else(|| Error::InvalidData("the data points are not independent".into()))?;
    Ok((0..z.len())
        .map(|k| z[k] - (0..n).map(|i| rows[i][k] * mu[i]).sum::<f64>())
        .collect())
}

/// Solves the square system in the augmented matrix `m` (each row: coefficients, then the
/// right-hand side) by Gaussian elimination with partial pivoting; `None` if it is singular.
fn solve(mut m: Vec<Vec<f64>>) -> Option<Vec<f64>> {
    let size = m.len();
    let scale = m
        .iter()
        .flat_map(|r| r[..size].iter())
        .fold(0.0f64, |a, v| a.max(v.abs()));
    if scale == 0.0 {
        return None;
    }
    for k in 0..size {
        let pivot = (k..size).max_by(|&i, &j| m[i][k].abs().total_cmp(&m[j][k].abs()))?;
        if m[pivot][k].abs() <= scale * 1e-12 {
            return None;
        }
        m.swap(k, pivot);
        for i in k + 1..size {
            let f = m[i][k] / m[k][k];
            if f != 0.0 {
                let (top, bottom) = m.split_at_mut(i);
                for (t, s) in bottom[0][k..].iter_mut().zip(&top[k][k..]) {
                    *t -= f * s;
                }
            }
        }
    }
    let mut x = vec![0.0; size];
    for k in (0..size).rev() {
        let s: f64 = (k + 1..size).map(|j| m[k][j] * x[j]).sum();
        x[k] = (m[k][size] - s) / m[k][k];
    }
    Some(x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use models::test_support::unit_relu_basis as basis;

    fn spec(free: Vec<usize>, perturb: Option<Perturb>) -> InterpolateSpec {
        InterpolateSpec {
            model: "m".into(),
            data: "d".into(),
            penalty: Penalty::SlopeChanges,
            free,
            perturb,
        }
    }

    fn points(x: &[f64], y: &[f64]) -> Dataset {
        Dataset {
            x: x.to_vec(),
            y: y.to_vec(),
        }
    }

    fn weights(m: &Model) -> Vec<f64> {
        let Model::Shallow(net) = m else { panic!() };
        net.phi()[0].clone()
    }

    #[test]
    fn collinear_points_give_the_straight_line() {
        // y = 1 + 2x through three points: a line bends nowhere, so every slope change is 0.
        let d = points(&[0.1, 0.45, 0.9], &[1.2, 1.9, 2.8]);
        let fit = interpolate(&spec(vec![0], None), &basis(10), &d).unwrap();
        let w = weights(&fit);
        assert!(
            (w[0] - 1.0).abs() < 1e-12 && (w[1] - 2.0).abs() < 1e-12,
            "{w:?}"
        );
        assert!(w[2..].iter().all(|v| v.abs() < 1e-12), "{w:?}");
    }

    #[test]
    fn one_kink_by_hand() {
        // Two regions, joints at 0 and 0.5; points (0, 0), (0.5, 0.5), (1, 0): the only exact fit
        // rises with slope 1 and falls with slope −1, so φ = (0, 1, −2).
        let d = points(&[0.0, 0.5, 1.0], &[0.0, 0.5, 0.0]);
        let w = weights(&interpolate(&spec(vec![0], None), &basis(2), &d).unwrap());
        for (a, b) in w.iter().zip([0.0, 1.0, -2.0]) {
            assert!((a - b).abs() < 1e-12, "{w:?}");
        }
        // Four regions (joints 0, 0.25, 0.5, 0.75), points (0, 0), (0.5, 0), (1, 1). β = 0;
        // f(0.5) = 0 gives ω_0 = −ω_1/2, and then f(1) = 1 reads 0.25ω_1 + 0.5ω_2 + 0.25ω_3 = 1.
        // The smallest ω_1² + ω_2² + ω_3² on that plane is along its normal:
        // (ω_1, ω_2, ω_3) = (0.25, 0.5, 0.25)/0.375 = (2/3, 4/3, 2/3), so ω_0 = −1/3.
        let d = points(&[0.0, 0.5, 1.0], &[0.0, 0.0, 1.0]);
        let w = weights(&interpolate(&spec(vec![0], None), &basis(4), &d).unwrap());
        for (a, b) in w
            .iter()
            .zip([0.0, -1.0 / 3.0, 2.0 / 3.0, 4.0 / 3.0, 2.0 / 3.0])
        {
            assert!((a - b).abs() < 1e-12, "{w:?}");
        }
    }

    #[test]
    fn exact_fits_and_more_units_bend_less() {
        let x = [0.07, 0.25, 0.42, 0.58, 0.76, 0.93];
        let y = [0.2, 0.9, 0.45, -0.35, -0.6, 0.1];
        let d = points(&x, &y);
        let mut last = f64::INFINITY;
        for units in [10, 50] {
            let fit = interpolate(&spec(vec![0], None), &basis(units), &d).unwrap();
            for (xi, yi) in x.iter().zip(&y) {
                assert!((fit.forward(&[*xi]).unwrap()[0] - yi).abs() < 1e-10);
            }
            let r: f64 = weights(&fit)[2..].iter().map(|v| v * v).sum();
            // The 10 joints are among the 50, so the 50-unit optimum can only be smaller.
            assert!(r < last, "{units}: {r} vs {last}");
            last = r;
            let wiggly = interpolate(
                &spec(
                    vec![0],
                    Some(Perturb {
                        seed: 1,
                        scale: 0.5,
                    }),
                ),
                &basis(units),
                &d,
            )
            .unwrap();
            for (xi, yi) in x.iter().zip(&y) {
                assert!((wiggly.forward(&[*xi]).unwrap()[0] - yi).abs() < 1e-10);
            }
            let rw: f64 = weights(&wiggly)[2..].iter().map(|v| v * v).sum();
            assert!(rw > r, "the perturbed fit bends more");
        }
    }

    #[test]
    fn impossible_fits_fail_clearly() {
        // Three points in one region of a 2-region model: not on a line, so no exact fit.
        let d = points(&[0.6, 0.7, 0.8], &[0.0, 1.0, 0.0]);
        let err = interpolate(&spec(vec![0], None), &basis(2), &d)
            .unwrap_err()
            .to_string();
        assert!(err.contains("no unique smoothest exact fit"), "{err}");
        let err = interpolate(&spec(vec![7], None), &basis(2), &d)
            .unwrap_err()
            .to_string();
        assert!(err.contains("unit 7"), "{err}");
        let bad = spec(
            vec![1, 1],
            Some(Perturb {
                seed: 0,
                scale: -1.0,
            }),
        );
        assert_eq!(bad.validate().len(), 2);
    }
}
