//! Spec kinds that run the chapter-6 optimisers on two-parameter losses: `optimize` (a
//! trajectory) and the loss surface on a grid (`loss-grid`, used by the `analysis` crate).
//!
//! The losses are those of UDL chapters 2, 6 and 9 ([`crate::loss2d`]): least squares of a line
//! (section 2.2), the Gabor model (section 6.1.2), the anisotropic bowl of figure 6.9 and the
//! valley of figure 9.3, optionally with an L2 penalty λ·Σ(φ − c)² (section 9.1).

use data::{Dataset, GridSpec, Table};
use serde::{Deserialize, Serialize};

use crate::implicit::{Regularised, epoch_batches};
use crate::loss2d::{AnisotropicBowl, GaborLoss, L2Penalty, LinearRegressionLoss, ValleyLoss};
use crate::objective::{BatchObjective, Objective};
use crate::optim::{BatchSpec, OptimError, OptimizerSpec, optimize, optimize_batched};

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

/// The implicit regularisation of gradient descent with step `learning-rate`,
/// (α/4)·‖∂L/∂φ‖² (UDL eq. 9.8), and with a `batch`, also the SGD term
/// (α/4B)·Σ_b ‖∂L_b/∂φ − ∂L/∂φ‖² over the batches of the first epoch such a run would draw
/// (UDL eq. 9.9; see [`crate::implicit`]).
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ImplicitSpec {
    /// The step `α > 0` whose implicit terms are added.
    pub learning_rate: f64,
    /// Batch size (dividing the number of data points) and seed, for the SGD term.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<BatchSpec>,
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
    /// Optional implicit-regularisation terms added to the loss (the run descends the modified
    /// loss).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub implicit: Option<ImplicitSpec>,
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
    /// Optional implicit-regularisation terms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub implicit: Option<ImplicitSpec>,
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

pub(crate) fn implicit_issues(
    objective: &ObjectiveSpec,
    implicit: &Option<ImplicitSpec>,
) -> Vec<(String, String)> {
    let mut issues = Vec::new();
    if let Some(i) = implicit {
        if !(i.learning_rate.is_finite() && i.learning_rate > 0.0) {
            issues.push((
                "implicit.learning-rate".into(),
                format!("expected a positive number, found {}", i.learning_rate),
            ));
        }
        if let Some(b) = &i.batch {
            if b.size == 0 {
                issues.push((
                    "implicit.batch.size".into(),
                    "expected at least 1 item per batch, found 0".into(),
                ));
            }
            if objective.data().is_none() {
                issues.push((
                    "implicit.batch".into(),
                    "this loss has no data points to draw batches from".into(),
                ));
            }
        }
    }
    issues
}

impl OptimizeSpec {
    /// Impossible values, as (field path, message).
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut issues = penalty_issues(&self.penalty);
        issues.extend(implicit_issues(&self.objective, &self.implicit));
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
        issues.extend(implicit_issues(&self.objective, &self.implicit));
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

/// The data loss a spec names, before penalties.
enum Base {
    Line(LinearRegressionLoss),
    Gabor(GaborLoss),
    Bowl(AnisotropicBowl),
    Valley(ValleyLoss),
}

impl Base {
    fn build(spec: &ObjectiveSpec, data: Option<&Dataset>) -> Result<Base, OptimError> {
        let need = || OptimError::InvalidData("the loss needs its [data] section".into());
        Ok(match spec {
            ObjectiveSpec::LinearRegression { .. } => {
                Base::Line(LinearRegressionLoss::from_dataset(data.ok_or_else(need)?)?)
            }
            ObjectiveSpec::Gabor { .. } => {
                Base::Gabor(GaborLoss::from_dataset(data.ok_or_else(need)?)?)
            }
            ObjectiveSpec::AnisotropicBowl {} => Base::Bowl(AnisotropicBowl),
            ObjectiveSpec::Valley {} => Base::Valley(ValleyLoss),
        })
    }

    fn plain(&self) -> &dyn Objective {
        match self {
            Base::Line(o) => o,
            Base::Gabor(o) => o,
            Base::Bowl(o) => o,
            Base::Valley(o) => o,
        }
    }

    fn batched(&self) -> Option<&dyn BatchObjective> {
        match self {
            Base::Line(o) => Some(o),
            Base::Gabor(o) => Some(o),
            Base::Bowl(_) | Base::Valley(_) => None,
        }
    }

    /// The loss with its penalty and implicit terms as one [`Regularised`] objective.
    fn regularised(
        &self,
        penalty: &Option<PenaltySpec>,
        implicit: Option<&ImplicitSpec>,
    ) -> Result<Regularised<'_>, OptimError> {
        let mut r = Regularised::new(self.plain());
        if let Some(p) = penalty {
            r = r.with_penalty(p.lambda, p.center.clone());
        }
        if let Some(i) = implicit {
            r = r.with_gd_term(i.learning_rate);
            if let Some(b) = &i.batch {
                let items = self.batched().ok_or_else(|| {
                    OptimError::InvalidData("the SGD term needs a loss over data points".into())
                })?;
                r = r.with_sgd_term(items, epoch_batches(items.num_items(), b.size, b.seed)?)?;
            }
        }
        Ok(r)
    }
}

/// Runs `f` on the objective a spec describes (with its penalty and implicit terms), as a batch
/// objective when it has data points and no implicit terms.
pub(crate) fn with_objective<T>(
    spec: &ObjectiveSpec,
    penalty: &Option<PenaltySpec>,
    implicit: &Option<ImplicitSpec>,
    data: Option<&Dataset>,
    plain: impl FnOnce(&dyn Objective) -> Result<T, OptimError>,
    batched: impl FnOnce(&dyn BatchObjective) -> Result<T, OptimError>,
) -> Result<T, OptimError> {
    let base = Base::build(spec, data)?;
    if let Some(i) = implicit {
        return plain(&base.regularised(penalty, Some(i))?);
    }
    let ridge = |inner| {
        penalty.as_ref().map(|p| L2Penalty {
            inner,
            lambda: p.lambda,
            center: p.center.clone(),
        })
    };
    match base.batched() {
        Some(b) => match ridge(b) {
            Some(r) => batched(&r),
            None => batched(b),
        },
        None => match penalty {
            Some(p) => plain(&L2Penalty {
                inner: base.plain(),
                lambda: p.lambda,
                center: p.center.clone(),
            }),
            None => plain(base.plain()),
        },
    }
}

/// Runs an `optimize` spec; `data` is the points of its objective's `[data]` section.
pub fn run_optimize(spec: &OptimizeSpec, data: Option<&Dataset>) -> Result<Table, OptimError> {
    let trajectory = with_objective(
        &spec.objective,
        &spec.penalty,
        &spec.implicit,
        data,
        |obj| optimize(obj, &spec.optimizer, &spec.start, spec.steps),
        |obj| match spec.optimizer.batch() {
            Some(_) => optimize_batched(obj, &spec.optimizer, &spec.start, spec.steps),
            None => optimize(obj, &spec.optimizer, &spec.start, spec.steps),
        },
    )?;
    Ok(trajectory.to_table())
}

/// The loss on a grid: column `z` (row-major from the bottom row; the loss with its penalty and
/// implicit terms), the axes `x` and `y`, and `nx`, `ny`, `min` (the smallest value of `z`).
/// With a penalty or implicit terms, each term also gets a column of its own, on the same grid:
/// `term.loss` (the data loss alone), `term.penalty`, `term.gd` and `term.sgd` (those present).
pub fn loss_grid(spec: &LossGridSpec, data: Option<&Dataset>) -> Result<Table, OptimError> {
    let (xs, ys) = (spec.x.points(), spec.y.points());
    let base = Base::build(&spec.objective, data)?;
    let obj = base.regularised(&spec.penalty, spec.implicit.as_ref())?;
    let n = xs.len() * ys.len();
    let (mut z, mut loss, mut penalty, mut gd, mut sgd) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for &y in &ys {
        for &x in &xs {
            let t = obj.terms(&[x, y]);
            z.push(t.total());
            loss.push(t.loss);
            penalty.push(t.penalty);
            gd.push(t.gd);
            sgd.push(t.sgd);
        }
    }
    if let Some(bad) = z.iter().find(|v| !v.is_finite()) {
        return Err(OptimError::InvalidData(format!(
            "the loss is not finite on the grid ({bad})"
        )));
    }
    let mut table = Table::new();
    table.insert("min", vec![z.iter().copied().fold(f64::INFINITY, f64::min)]);
    let (nx, ny) = (xs.len(), ys.len());
    let lowest = (0..z.len()).fold(0, |best, k| if z[k] < z[best] { k } else { best });
    table.insert("argmin.x", vec![xs[lowest % nx]]);
    table.insert("argmin.y", vec![ys[lowest / nx]]);
    let minima = grid_minima(&z, nx, ny);
    table.insert("minima.x", minima.iter().map(|&k| xs[k % nx]).collect());
    table.insert("minima.y", minima.iter().map(|&k| ys[k / nx]).collect());
    table.insert("minima.z", minima.iter().map(|&k| z[k]).collect());
    table.insert("nx", vec![xs.len() as f64]);
    table.insert("ny", vec![ys.len() as f64]);
    if spec.penalty.is_some() || spec.implicit.is_some() {
        table.insert("term.loss", loss);
    }
    if spec.penalty.is_some() {
        table.insert("term.penalty", penalty);
    }
    if let Some(i) = &spec.implicit {
        table.insert("term.gd", gd);
        if i.batch.is_some() {
            table.insert("term.sgd", sgd);
        }
    }
    table.insert("x", xs);
    table.insert("y", ys);
    table.insert("z", z);
    Ok(table)
}

/// Indices (row-major from the bottom row) of the interior points of an `nx` × `ny` grid whose
/// value is strictly below all 8 neighbours: the grid's local minima, in row-major order.
pub fn grid_minima(z: &[f64], nx: usize, ny: usize) -> Vec<usize> {
    let mut out = Vec::new();
    for j in 1..ny.saturating_sub(1) {
        for i in 1..nx.saturating_sub(1) {
            let k = j * nx + i;
            let lower = (j - 1..=j + 1)
                .flat_map(|jj| (i - 1..=i + 1).map(move |ii| jj * nx + ii))
                .all(|n| n == k || z[k] < z[n]);
            if lower {
                out.push(k);
            }
        }
    }
    out
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
    fn grid_minima_are_strict_interior_minima() {
        // 4 x 3 grid: (1, 1) is a strict minimum; (2, 1) ties with nothing lower but is beside
        // the minimum; the edges never count.
        #[rustfmt::skip]
        let z = [
            5.0, 5.0, 5.0, 0.0,
            5.0, 1.0, 2.0, 5.0,
            5.0, 5.0, 5.0, 5.0,
        ];
        assert_eq!(grid_minima(&z, 4, 3), vec![5]);
        assert!(
            grid_minima(&[1.0; 9], 3, 3).is_empty(),
            "a plateau has no strict minimum"
        );
    }

    #[test]
    fn loss_grid_has_term_columns_and_minima() {
        let spec = LossGridSpec {
            objective: ObjectiveSpec::Valley {},
            penalty: Some(PenaltySpec {
                lambda: 0.5,
                center: vec![0.2, 0.0],
            }),
            implicit: Some(ImplicitSpec {
                learning_rate: 0.1,
                batch: None,
            }),
            x: GridSpec::new(-1.0, 1.0, 21),
            y: GridSpec::new(-1.0, 1.0, 21),
        };
        let t = loss_grid(&spec, None).unwrap();
        let col = |n: &str| t.get(n).unwrap();
        for k in 0..441 {
            let sum = col("term.loss")[k] + col("term.penalty")[k] + col("term.gd")[k];
            assert!((col("z")[k] - sum).abs() < 1e-15);
        }
        assert!(t.get("term.sgd").is_none());
        // The penalty picks the one point of the valley of minima at its centre (loss 0).
        assert!((col("argmin.x")[0] - 0.2).abs() < 1e-12 && col("argmin.y")[0].abs() < 1e-12);
        assert_eq!(col("minima.x").len(), 1);
        assert!((col("minima.x")[0] - 0.2).abs() < 1e-12);
    }

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
