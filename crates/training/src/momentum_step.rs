//! `kind = "momentum-step"` (an analysis): the geometry of one momentum step and one Nesterov
//! step from the same state (UDL fig. 6.8, eqs. 6.11 and 6.12).
//!
//! The state comes from an `optimize` run (`trajectory`): point 1 is where the run ends, φ, and
//! the momentum m is its last step divided by the learning rate, m = (φ_prev − φ)/α, which is
//! exactly the momentum of a full-batch `momentum` run with the same α. With g[·] = ∂L/∂φ:
//!
//! | point | role | value |
//! |---|---|---|
//! | 1 | `now` | φ |
//! | 2 | `gradient` | φ − α(1 − β)·g[φ]: the gradient term alone |
//! | 3 | `momentum` | point 2 − αβ·m: the momentum update (eq. 6.11) |
//! | 4 | `look-ahead` | φ − αβ·m: the momentum term alone |
//! | 5 | `nesterov` | point 4 − α(1 − β)·g[point 4]: the Nesterov update (eq. 6.12) |

use data::{Dataset, Table};
use serde::{Deserialize, Serialize};

use crate::descent::{ObjectiveSpec, PenaltySpec, penalty_issues, with_objective};
use crate::objective::Objective;
use crate::optim::OptimError;

/// The roles of the five points, in the book's order (points 1 to 5 of fig. 6.8).
pub const ROLES: [&str; 5] = ["now", "gradient", "momentum", "look-ahead", "nesterov"];

/// `kind = "momentum-step"`.
///
/// ```toml
/// [analysis.geometry]
/// kind = "momentum-step"
/// objective = { form = "gabor", data = "gabor" }
/// trajectory = "run"       # an optimize run: where it ends and its last step
/// learning-rate = 0.6
/// beta = 0.6
/// ```
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct MomentumStepSpec {
    /// The loss whose gradients are measured (that of the run).
    pub objective: ObjectiveSpec,
    /// An optional L2 penalty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub penalty: Option<PenaltySpec>,
    /// The `[train.*]` section with `kind = "optimize"` whose end is point 1.
    pub trajectory: String,
    /// α > 0.
    pub learning_rate: f64,
    /// β ∈ [0, 1).
    pub beta: f64,
}

impl MomentumStepSpec {
    /// Impossible values, as (field path, message).
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut issues = penalty_issues(&self.penalty);
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            issues.push((
                "learning-rate".into(),
                format!("expected a positive number, found {}", self.learning_rate),
            ));
        }
        if !(0.0..1.0).contains(&self.beta) {
            issues.push((
                "beta".into(),
                format!("expected a number in [0, 1), found {}", self.beta),
            ));
        }
        issues
    }

    /// Names of other sections this spec refers to, as `(field, section name)`.
    pub fn references(&self) -> Vec<(&'static str, &str)> {
        let mut refs: Vec<(&'static str, &str)> = self
            .objective
            .data()
            .map(|d| ("data", d))
            .into_iter()
            .collect();
        refs.push(("trajectory", self.trajectory.as_str()));
        refs
    }
}

fn points<O: Objective + ?Sized>(
    obj: &O,
    now: [f64; 2],
    m: [f64; 2],
    alpha: f64,
    beta: f64,
) -> Result<[[f64; 2]; 5], OptimError> {
    if obj.dim() != 2 {
        return Err(OptimError::DimensionMismatch {
            expected: obj.dim(),
            found: 2,
        });
    }
    let mut g = [0.0; 2];
    obj.grad(&now, &mut g);
    let gradient = [
        now[0] - alpha * (1.0 - beta) * g[0],
        now[1] - alpha * (1.0 - beta) * g[1],
    ];
    let momentum = [
        gradient[0] - alpha * beta * m[0],
        gradient[1] - alpha * beta * m[1],
    ];
    let ahead = [now[0] - alpha * beta * m[0], now[1] - alpha * beta * m[1]];
    obj.grad(&ahead, &mut g);
    let nesterov = [
        ahead[0] - alpha * (1.0 - beta) * g[0],
        ahead[1] - alpha * (1.0 - beta) * g[1],
    ];
    Ok([now, gradient, momentum, ahead, nesterov])
}

/// The five points of the module docs. Columns: `{role}.phi0`, `{role}.phi1` (one value each)
/// for the roles of [`ROLES`]; `phi0`, `phi1` and `loss` (five values, points 1 to 5 in order).
pub fn momentum_step(
    spec: &MomentumStepSpec,
    trajectory: &Table,
    data: Option<&Dataset>,
) -> Result<Table, OptimError> {
    let issues = spec.validate();
    if !issues.is_empty() {
        return Err(OptimError::InvalidSpec(issues));
    }
    let column = |name: &str| {
        trajectory.get(name).ok_or_else(|| {
            OptimError::InvalidData(format!(
                "`{}` is not a trajectory: it has no column `{name}`",
                spec.trajectory
            ))
        })
    };
    let (phi0, phi1) = (column("phi0")?, column("phi1")?);
    let n = phi0.len().min(phi1.len());
    if n < 2 {
        return Err(OptimError::InvalidData(format!(
            "`{}` has {n} position(s); the momentum needs its last step (two positions)",
            spec.trajectory
        )));
    }
    let now = [phi0[n - 1], phi1[n - 1]];
    let (a, b) = (spec.learning_rate, spec.beta);
    let m = [(phi0[n - 2] - now[0]) / a, (phi1[n - 2] - now[1]) / a];
    let (pts, losses) = with_objective(
        &spec.objective,
        &spec.penalty,
        &None,
        data,
        |obj| {
            let p = points(obj, now, m, a, b)?;
            Ok((p, p.map(|q| obj.loss(&q))))
        },
        |obj| {
            let p = points(obj, now, m, a, b)?;
            Ok((p, p.map(|q| obj.loss(&q))))
        },
    )?;
    if pts.iter().flatten().chain(&losses).any(|v| !v.is_finite()) {
        return Err(OptimError::NonFinite { step: 1 });
    }
    let mut table = Table::new();
    for (role, p) in ROLES.iter().zip(&pts) {
        table.insert(format!("{role}.phi0"), vec![p[0]]);
        table.insert(format!("{role}.phi1"), vec![p[1]]);
    }
    table.insert("phi0", pts.iter().map(|p| p[0]).collect());
    table.insert("phi1", pts.iter().map(|p| p[1]).collect());
    table.insert("loss", losses.to_vec());
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::descent::{OptimizeSpec, run_optimize};
    use crate::optim::{MomentumSpec, OptimizerSpec};

    fn data() -> Dataset {
        Dataset {
            x: vec![-10.0, -4.0, -1.0, 0.5, 3.0, 8.0],
            y: vec![0.1, -0.5, -0.8, 0.6, 0.3, -0.2],
        }
    }

    fn run(kind: fn(MomentumSpec) -> OptimizerSpec, steps: usize) -> Table {
        let spec = OptimizeSpec {
            objective: ObjectiveSpec::Gabor { data: "d".into() },
            penalty: None,
            implicit: None,
            optimizer: kind(MomentumSpec {
                learning_rate: 0.5,
                beta: 0.6,
                batch: None,
            }),
            start: vec![-1.0, 9.0],
            steps,
        };
        run_optimize(&spec, Some(&data())).unwrap()
    }

    #[test]
    fn points_are_the_next_momentum_and_nesterov_steps() {
        let spec = MomentumStepSpec {
            objective: ObjectiveSpec::Gabor { data: "d".into() },
            penalty: None,
            trajectory: "run".into(),
            learning_rate: 0.5,
            beta: 0.6,
        };
        assert!(spec.validate().is_empty());
        assert_eq!(
            spec.references(),
            vec![("data", "d"), ("trajectory", "run")]
        );
        let t = momentum_step(&spec, &run(OptimizerSpec::Momentum, 3), Some(&data())).unwrap();
        // Point 1 is where the run ends; point 3 is the run's next step.
        let four = run(OptimizerSpec::Momentum, 4);
        assert_eq!(t.get("now.phi0").unwrap(), &four.get("phi0").unwrap()[3..4]);
        for c in ["phi0", "phi1"] {
            let next = four.get(c).unwrap()[4];
            let got = t.get(&format!("momentum.{c}")).unwrap()[0];
            assert!((got - next).abs() < 1e-12, "{c}: {got} vs {next}");
        }
        // After one step from m = 0 momentum and Nesterov agree, so a Nesterov run's step 2
        // starts from the same state as the geometry of a 1-step run.
        let t1 = momentum_step(&spec, &run(OptimizerSpec::Momentum, 1), Some(&data())).unwrap();
        let nesterov = run(OptimizerSpec::Nesterov, 2);
        for c in ["phi0", "phi1"] {
            let next = nesterov.get(c).unwrap()[2];
            let got = t1.get(&format!("nesterov.{c}")).unwrap()[0];
            assert!((got - next).abs() < 1e-12, "{c}: {got} vs {next}");
        }
        // Point 3 − point 2 = point 4 − point 1 (the same momentum term).
        let g = |r: &str, c: &str| t.get(&format!("{r}.{c}")).unwrap()[0];
        for c in ["phi0", "phi1"] {
            let d1 = g("momentum", c) - g("gradient", c);
            let d2 = g("look-ahead", c) - g("now", c);
            assert!((d1 - d2).abs() < 1e-12);
        }
        assert_eq!(t.get("phi0").unwrap().len(), 5);
        assert_eq!(t.get("loss").unwrap().len(), 5);
    }

    #[test]
    fn needs_a_step() {
        let spec = MomentumStepSpec {
            objective: ObjectiveSpec::AnisotropicBowl {},
            penalty: None,
            trajectory: "run".into(),
            learning_rate: 0.5,
            beta: 0.6,
        };
        let mut one = Table::new();
        one.insert("phi0", vec![0.0]);
        one.insert("phi1", vec![0.0]);
        assert!(momentum_step(&spec, &one, None).is_err());
        let bad = MomentumStepSpec { beta: 1.0, ..spec };
        assert_eq!(bad.validate()[0].0, "beta");
    }
}
