//! Spec kinds that run the chapter-6 optimisers on two-parameter losses: `optimize` (a
//! trajectory) and the loss surface on a grid (`loss-grid`, used by the `analysis` crate).
//!
//! The losses are those of UDL chapters 2, 6 and 9 ([`crate::loss2d`]): least squares of a line
//! (section 2.2), the Gabor model (section 6.1.2), the anisotropic bowl of figure 6.9 and the
//! valley of figure 9.3, optionally with an L2 penalty λ·Σ(φ − c)² (section 9.1).

use data::{Dataset, GridSpec, Table};
use serde::{Deserialize, Serialize};

use crate::loss2d::{AnisotropicBowl, GaborLoss, L2Penalty, LinearRegressionLoss, ValleyLoss};
use crate::objective::{BatchObjective, Objective, loss_grid_on};
use crate::optim::{OptimError, OptimizerSpec, optimize, optimize_batched};

/// A two-parameter loss, chosen by `form`.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(tag = "form", rename_all = "kebab-case", deny_unknown_fields)]
pub enum ObjectiveSpec {
    /// Σ (φ0 + φ1·x − y)² over a `[data]` section's points (UDL eq. 2.5).
    LinearRegression {
        /// The `[data.*]` section with the points.
        data: String,
    },
    /// Σ (sin(φ0 + 0.06·φ1·x)·exp(−(φ0 + 0.06·φ1·x)²/32) − y)² (UDL section 6.1.2).
    Gabor {
        /// The `[data.*]` section with the points.
        data: String,
    },
    /// 1 − exp(−2φ1²)·exp(−(φ0 − 0.7)²/8), the loss of figure 6.9.
    AnisotropicBowl {},
    /// 1 − exp(−φ1²/(2s²)) with s = exp(−2φ0²), the loss of figure 9.3.
    Valley {},
}

/// An L2 penalty λ·Σ_k (φ_k − c_k)² added to the loss.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PenaltySpec {
    /// λ ≥ 0.
    pub lambda: f64,
    /// The point the penalty pulls towards (two numbers).
    pub center: Vec<f64>,
}

/// `kind = "optimize"`: run an optimiser from `start` for `steps` steps; the output is a table
/// with columns `step`, `loss`, `phi0`, `phi1` (and `step-size` for line search).
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct OptimizeSpec {
    /// The loss.
    pub objective: ObjectiveSpec,
    /// An optional L2 penalty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub penalty: Option<PenaltySpec>,
    /// The optimiser (see [`OptimizerSpec`]).
    pub optimizer: OptimizerSpec,
    /// Starting parameters (φ0, φ1).
    pub start: Vec<f64>,
    /// Number of steps.
    pub steps: usize,
}

/// The loss of [`ObjectiveSpec`] with an optional penalty, on a grid: `loss-grid` analyses.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LossGridSpec {
    /// The loss.
    pub objective: ObjectiveSpec,
    /// An optional L2 penalty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub penalty: Option<PenaltySpec>,
    /// Grid of φ0 (columns).
    pub x: GridSpec,
    /// Grid of φ1 (rows, from the bottom).
    pub y: GridSpec,
}

/// Largest loss grid, in points.
pub const MAX_LOSS_GRID: usize = 1_000_000;

impl ObjectiveSpec {
    /// The `[data]` section it reads, if any.
    pub fn data(&self) -> Option<&str> {
        match self {
            ObjectiveSpec::LinearRegression { data } | ObjectiveSpec::Gabor { data } => Some(data),
            ObjectiveSpec::AnisotropicBowl {} | ObjectiveSpec::Valley {} => None,
        }
    }
}

pub(crate) fn penalty_issues(p: &Option<PenaltySpec>) -> Vec<(String, String)> {
    let mut issues = Vec::new();
    if let Some(p) = p {
        if !(p.lambda.is_finite() && p.lambda >= 0.0) {
            issues.push((
                "penalty.lambda".into(),
                format!("expected a finite number >= 0, found {}", p.lambda),
            ));
        }
        if p.center.len() != 2 || p.center.iter().any(|c| !c.is_finite()) {
            issues.push((
                "penalty.center".into(),
                format!("expected two finite numbers, found {:?}", p.center),
            ));
        }
    }
    issues
}

impl OptimizeSpec {
    /// Impossible values, as (field path, message).
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut issues = penalty_issues(&self.penalty);
        issues.extend(data::nest_issues("optimizer", self.optimizer.validate()));
        if self.start.len() != 2 || self.start.iter().any(|v| !v.is_finite()) {
            issues.push((
                "start".into(),
                format!(
                    "expected two finite numbers (φ0, φ1), found {:?}",
                    self.start
                ),
            ));
        }
        if self.steps == 0 || self.steps > 1_000_000 {
            issues.push((
                "steps".into(),
                format!("expected 1 to 1000000 steps, found {}", self.steps),
            ));
        }
        if self.objective.data().is_none() && self.optimizer.batch().is_some() {
            issues.push((
                "optimizer.batch".into(),
                "this loss has no data points to draw batches from".into(),
            ));
        }
        issues
    }
}

impl LossGridSpec {
    /// Impossible values, as (field path, message).
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut issues = penalty_issues(&self.penalty);
        issues.extend(data::nest_issues("x", self.x.validate()));
        issues.extend(data::nest_issues("y", self.y.validate()));
        if self.x.num.saturating_mul(self.y.num) > MAX_LOSS_GRID {
            issues.push((
                "y.num".into(),
                format!("expected at most {MAX_LOSS_GRID} grid points in all"),
            ));
        }
        issues
    }
}

/// Runs `f` on the objective a spec describes (with its penalty), as a batch objective when it
/// has data points.
pub(crate) fn with_objective<T>(
    spec: &ObjectiveSpec,
    penalty: &Option<PenaltySpec>,
    data: Option<&Dataset>,
    plain: impl FnOnce(&dyn Objective) -> Result<T, OptimError>,
    batched: impl FnOnce(&dyn BatchObjective) -> Result<T, OptimError>,
) -> Result<T, OptimError> {
    let need = || OptimError::InvalidData("the loss needs its [data] section".into());
    macro_rules! run {
        ($obj:expr, $f:expr) => {{
            let obj = $obj;
            match penalty {
                Some(p) => $f(&L2Penalty {
                    inner: obj,
                    lambda: p.lambda,
                    center: p.center.clone(),
                }),
                None => $f(&obj),
            }
        }};
    }
    match spec {
        ObjectiveSpec::LinearRegression { .. } => run!(
            LinearRegressionLoss::from_dataset(data.ok_or_else(need)?)?,
            batched
        ),
        ObjectiveSpec::Gabor { .. } => {
            run!(GaborLoss::from_dataset(data.ok_or_else(need)?)?, batched)
        }
        ObjectiveSpec::AnisotropicBowl {} => run!(AnisotropicBowl, plain),
        ObjectiveSpec::Valley {} => run!(ValleyLoss, plain),
    }
}

/// Runs an `optimize` spec; `data` is the points of its objective's `[data]` section.
pub fn run_optimize(spec: &OptimizeSpec, data: Option<&Dataset>) -> Result<Table, OptimError> {
    let trajectory = with_objective(
        &spec.objective,
        &spec.penalty,
        data,
        |obj| optimize(obj, &spec.optimizer, &spec.start, spec.steps),
        |obj| match spec.optimizer.batch() {
            Some(_) => optimize_batched(obj, &spec.optimizer, &spec.start, spec.steps),
            None => optimize(obj, &spec.optimizer, &spec.start, spec.steps),
        },
    )?;
    Ok(trajectory.to_table())
}

/// The loss on a grid: column `z` (row-major from the bottom row), the axes `x` and `y`, and
/// `nx`, `ny`, `min` (the smallest value on the grid).
pub fn loss_grid(spec: &LossGridSpec, data: Option<&Dataset>) -> Result<Table, OptimError> {
    let (xs, ys) = (spec.x.points(), spec.y.points());
    let z = with_objective(
        &spec.objective,
        &spec.penalty,
        data,
        |obj| Ok(loss_grid_on(obj, &xs, &ys)),
        |obj| Ok(loss_grid_on(obj, &xs, &ys)),
    )?;
    if let Some(bad) = z.iter().find(|v| !v.is_finite()) {
        return Err(OptimError::InvalidData(format!(
            "the loss is not finite on the grid ({bad})"
        )));
    }
    let mut table = Table::new();
    table.insert("min", vec![z.iter().copied().fold(f64::INFINITY, f64::min)]);
    table.insert("nx", vec![xs.len() as f64]);
    table.insert("ny", vec![ys.len() as f64]);
    table.insert("x", xs);
    table.insert("y", ys);
    table.insert("z", z);
    Ok(table)
}

/// The model a two-parameter loss fits, evaluated at every position of an `optimize` run.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum FitFunction {
    /// y = φ0 + φ1·x (the model of `linear-regression`).
    Line,
    /// y = sin(φ0 + 0.06·φ1·x)·exp(−(φ0 + 0.06·φ1·x)²/32) (the model of `gabor`).
    Gabor,
}

/// `kind = "path-fits"` (an analysis): the fitted function at each position of a trajectory,
/// on a grid of x. Columns `x` and `y.{k}` for step k = 0, 1, ...
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PathFitsSpec {
    /// The `[train.*]` section with `kind = "optimize"`.
    pub trajectory: String,
    /// The function its parameters describe.
    pub function: FitFunction,
    /// Where to evaluate it.
    pub x: GridSpec,
}

impl PathFitsSpec {
    /// Impossible values, as (field path, message).
    pub fn validate(&self) -> Vec<(String, String)> {
        data::nest_issues("x", self.x.validate())
    }
}

/// Evaluates `spec.function` with the parameters of every step of a trajectory table (columns
/// `phi0`, `phi1`, as [`run_optimize`] writes them).
pub fn path_fits(spec: &PathFitsSpec, trajectory: &Table) -> Result<Table, OptimError> {
    let column = |name: &str| {
        trajectory.get(name).ok_or_else(|| {
            OptimError::InvalidData(format!(
                "`{}` is not a trajectory: it has no column `{name}`",
                spec.trajectory
            ))
        })
    };
    let (phi0, phi1) = (column("phi0")?, column("phi1")?);
    let xs = spec.x.points();
    let mut table = Table::new();
    for (k, (&a, &b)) in phi0.iter().zip(phi1).enumerate() {
        let ys = xs
            .iter()
            .map(|&x| match spec.function {
                FitFunction::Line => a + b * x,
                FitFunction::Gabor => crate::loss2d::gabor(a, b, x),
            })
            .collect();
        table.insert(format!("y.{k}"), ys);
    }
    table.insert("x", xs);
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_fits_evaluate_each_position() {
        let mut traj = Table::new();
        traj.insert("phi0", vec![1.0, 0.5]);
        traj.insert("phi1", vec![-1.0, 2.0]);
        let spec = PathFitsSpec {
            trajectory: "run".into(),
            function: FitFunction::Line,
            x: GridSpec::new(0.0, 2.0, 3),
        };
        let t = path_fits(&spec, &traj).unwrap();
        assert_eq!(t.get("x").unwrap(), &[0.0, 1.0, 2.0]);
        assert_eq!(t.get("y.0").unwrap(), &[1.0, 0.0, -1.0]);
        assert_eq!(t.get("y.1").unwrap(), &[0.5, 2.5, 4.5]);
        let gabor = PathFitsSpec {
            function: FitFunction::Gabor,
            ..spec
        };
        let t = path_fits(&gabor, &traj).unwrap();
        assert_eq!(
            t.get("y.1").unwrap()[2],
            crate::loss2d::gabor(0.5, 2.0, 2.0)
        );
        assert!(
            path_fits(&gabor, &Table::new()).is_err(),
            "a table without phi0 is refused"
        );
    }
}
