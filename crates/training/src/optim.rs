//! Iterative optimisers of UDL chapter 6, their spec types, and a runner that records the path.
//!
//! Every optimiser starts from `φ_0` and takes `steps` updates. `g_t` is the gradient used at
//! step `t`: the full gradient `∂L/∂φ` for full-batch runs, or the batch gradient
//! `Σ_{i∈B_t} ∂ℓ_i/∂φ` when the spec has a `batch` (batches drawn epoch by epoch as described in
//! [`crate::rng`]). Losses are sums over items, as in the book.
//!
//! | kind | update | UDL |
//! |---|---|---|
//! | `gd` | `φ_{t+1} = φ_t − α·∂L/∂φ` | eq. 6.3 |
//! | `gd-line-search` | `φ_{t+1} = φ_t − α_t·∂L/∂φ`, `α_t ∈ [0, max-step]` from the bracketing search of [`crate::line_search`] | eq. 6.3, fig. 6.10 |
//! | `sgd` | `φ_{t+1} = φ_t − α·Σ_{i∈B_t} ∂ℓ_i/∂φ` | eq. 6.10 |
//! | `momentum` | `m_{t+1} = β·m_t + (1 − β)·g_t[φ_t]`; `φ_{t+1} = φ_t − α·m_{t+1}` | eq. 6.11 |
//! | `nesterov` | `m_{t+1} = β·m_t + (1 − β)·g_t[φ_t − αβ·m_t]`; `φ_{t+1} = φ_t − α·m_{t+1}` | eq. 6.12 |
//! | `normalized-gd` | `m = g_t`, `v = g_t²`; `φ_{t+1} = φ_t − α·m/(√v + ε)`, i.e. a step of `α` along each coordinate's downhill sign | eq. 6.13–6.14, fig. 6.9c |
//! | `adam` | `m_{t+1} = β·m_t + (1 − β)·g_t`; `v_{t+1} = γ·v_t + (1 − γ)·g_t²`; `m̃ = m_{t+1}/(1 − β^{t+1})`, `ṽ = v_{t+1}/(1 − γ^{t+1})`; `φ_{t+1} = φ_t − α·m̃/(√ṽ + ε)` | eq. 6.15–6.17 (6.18 with batches) |
//! | `rmsprop` | `v_{t+1} = γ·v_t + (1 − γ)·g_t²`; `φ_{t+1} = φ_t − α·g_t/(√v_{t+1} + ε)` | ch. 6 notes (Hinton et al. 2012) |
//!
//! Squares, roots and divisions act per coordinate; `m_0 = v_0 = 0` and `t` counts from 0.
//! Nesterov evaluates the gradient (on the same batch) at the point momentum alone would reach,
//! `φ_t − αβ·m_t`, which is the look-ahead of UDL fig. 6.8. Adam's powers `β^{t+1}` are running
//! products, so they are exact repeated multiplications on every platform.
//!
//! [`Optimizer`] holds the state of one run and takes single steps (for callers that record only
//! part of a long run); [`optimize`] and [`optimize_batched`] run `steps` steps and return the
//! whole [`Trajectory`]: parameters and full loss before the first step and after every step.

use crate::line_search::{LineSearchSpec, bracket_line_search};
use crate::objective::{BatchObjective, Objective};
use crate::rng::BatchSampler;
use serde::{Deserialize, Serialize};

/// An optimiser, chosen by `kind` (a table nested in a train section).
///
/// ```toml
/// optimizer = { kind = "adam", learning-rate = 0.05, beta = 0.9, gamma = 0.99, epsilon = 1e-20 }
/// optimizer = { kind = "sgd", learning-rate = 0.8, batch = { size = 5, seed = 1 } }
/// ```
///
/// Every knob is required; the only optional field is `batch`, whose absence means full-batch
/// gradients.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum OptimizerSpec {
    /// Fixed-step gradient descent (UDL eq. 6.3).
    Gd(GdSpec),
    /// Gradient descent with a bracketing line search for the step (UDL eq. 6.3, fig. 6.10).
    GdLineSearch(LineSearchSpec),
    /// Stochastic gradient descent on batches (UDL eq. 6.10).
    Sgd(SgdSpec),
    /// Gradient descent with momentum (UDL eq. 6.11).
    Momentum(MomentumSpec),
    /// Nesterov accelerated momentum (UDL eq. 6.12).
    Nesterov(MomentumSpec),
    /// Per-coordinate normalised gradients (UDL eq. 6.13–6.14, fig. 6.9c).
    NormalizedGd(NormalizedGdSpec),
    /// Adam with bias correction (UDL eq. 6.15–6.17).
    Adam(AdamSpec),
    /// RMSProp (UDL ch. 6 notes).
    Rmsprop(RmspropSpec),
}

/// `kind = "gd"`: `φ ← φ − α·∂L/∂φ`.
///
/// ```toml
/// optimizer = { kind = "gd", learning-rate = 0.08 }
/// ```
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct GdSpec {
    /// Step size `α > 0`.
    pub learning_rate: f64,
}

/// How batches are drawn: `size` items per batch, epoch-wise shuffles seeded by `seed` (see
/// [`crate::rng`]).
///
/// ```toml
/// batch = { size = 5, seed = 1 }
/// ```
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BatchSpec {
    /// Items per batch, between 1 and the number of items of the loss.
    pub size: usize,
    /// Seed of the SplitMix64 generator that shuffles the items every epoch.
    pub seed: u64,
}

/// `kind = "sgd"`: `φ ← φ − α·Σ_{i∈B_t} ∂ℓ_i/∂φ`.
///
/// ```toml
/// optimizer = { kind = "sgd", learning-rate = 0.8, batch = { size = 5, seed = 1 } }
/// ```
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SgdSpec {
    /// Step size `α > 0`.
    pub learning_rate: f64,
    /// Batch size and seed.
    pub batch: BatchSpec,
}

/// `kind = "momentum"` or `kind = "nesterov"`.
///
/// ```toml
/// optimizer = { kind = "momentum", learning-rate = 0.6, beta = 0.6, batch = { size = 5, seed = 1 } }
/// ```
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct MomentumSpec {
    /// Step size `α > 0`.
    pub learning_rate: f64,
    /// Momentum coefficient `β ∈ [0, 1)`.
    pub beta: f64,
    /// Batches; full-batch gradients when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<BatchSpec>,
}

/// `kind = "normalized-gd"`: a step of `α` along the downhill sign of every coordinate.
///
/// ```toml
/// optimizer = { kind = "normalized-gd", learning-rate = 0.08, epsilon = 1e-20 }
/// ```
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct NormalizedGdSpec {
    /// Step size `α > 0` (per coordinate).
    pub learning_rate: f64,
    /// `ε ≥ 0` added to `√v`, to avoid dividing by zero (NB 6_5: 1e-20).
    pub epsilon: f64,
    /// Batches; full-batch gradients when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<BatchSpec>,
}

/// `kind = "adam"`.
///
/// ```toml
/// optimizer = { kind = "adam", learning-rate = 0.05, beta = 0.9, gamma = 0.99, epsilon = 1e-20 }
/// ```
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct AdamSpec {
    /// Step size `α > 0`.
    pub learning_rate: f64,
    /// Momentum of the gradient, `β ∈ [0, 1)` (UDL: 0.9).
    pub beta: f64,
    /// Momentum of the squared gradient, `γ ∈ [0, 1)` (UDL: 0.99).
    pub gamma: f64,
    /// `ε ≥ 0` added to `√ṽ` (NB 6_5: 1e-20).
    pub epsilon: f64,
    /// Batches; full-batch gradients when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<BatchSpec>,
}

/// `kind = "rmsprop"`.
///
/// ```toml
/// optimizer = { kind = "rmsprop", learning-rate = 0.01, gamma = 0.9, epsilon = 1e-8 }
/// ```
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RmspropSpec {
    /// Step size `α > 0`.
    pub learning_rate: f64,
    /// Decay of the squared-gradient average, `γ ∈ [0, 1)`.
    pub gamma: f64,
    /// `ε ≥ 0` added to `√v`.
    pub epsilon: f64,
    /// Batches; full-batch gradients when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<BatchSpec>,
}

impl OptimizerSpec {
    /// All kind names, for "unknown kind, did you mean" messages.
    pub const KINDS: &'static [&'static str] = &[
        "gd",
        "gd-line-search",
        "sgd",
        "momentum",
        "nesterov",
        "normalized-gd",
        "adam",
        "rmsprop",
    ];

    /// This spec's kind name.
    pub fn kind(&self) -> &'static str {
        match self {
            OptimizerSpec::Gd(_) => "gd",
            OptimizerSpec::GdLineSearch(_) => "gd-line-search",
            OptimizerSpec::Sgd(_) => "sgd",
            OptimizerSpec::Momentum(_) => "momentum",
            OptimizerSpec::Nesterov(_) => "nesterov",
            OptimizerSpec::NormalizedGd(_) => "normalized-gd",
            OptimizerSpec::Adam(_) => "adam",
            OptimizerSpec::Rmsprop(_) => "rmsprop",
        }
    }

    /// How batches are drawn, or `None` for full-batch gradients.
    pub fn batch(&self) -> Option<&BatchSpec> {
        match self {
            OptimizerSpec::Gd(_) | OptimizerSpec::GdLineSearch(_) => None,
            OptimizerSpec::Sgd(s) => Some(&s.batch),
            OptimizerSpec::Momentum(s) | OptimizerSpec::Nesterov(s) => s.batch.as_ref(),
            OptimizerSpec::NormalizedGd(s) => s.batch.as_ref(),
            OptimizerSpec::Adam(s) => s.batch.as_ref(),
            OptimizerSpec::Rmsprop(s) => s.batch.as_ref(),
        }
    }

    /// Impossible values serde cannot see, as `(field path relative to the table, message)`.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut issues = Vec::new();
        let mut positive = |field: &str, v: f64| {
            if !(v.is_finite() && v > 0.0) {
                issues.push((
                    field.to_owned(),
                    format!("expected a positive number, found {v}"),
                ));
            }
        };
        match self {
            OptimizerSpec::Gd(s) => positive("learning-rate", s.learning_rate),
            OptimizerSpec::GdLineSearch(s) => issues.extend(s.validate()),
            OptimizerSpec::Sgd(s) => positive("learning-rate", s.learning_rate),
            OptimizerSpec::Momentum(s) | OptimizerSpec::Nesterov(s) => {
                positive("learning-rate", s.learning_rate);
                unit_interval("beta", s.beta, &mut issues);
            }
            OptimizerSpec::NormalizedGd(s) => {
                positive("learning-rate", s.learning_rate);
                non_negative("epsilon", s.epsilon, &mut issues);
            }
            OptimizerSpec::Adam(s) => {
                positive("learning-rate", s.learning_rate);
                unit_interval("beta", s.beta, &mut issues);
                unit_interval("gamma", s.gamma, &mut issues);
                non_negative("epsilon", s.epsilon, &mut issues);
            }
            OptimizerSpec::Rmsprop(s) => {
                positive("learning-rate", s.learning_rate);
                unit_interval("gamma", s.gamma, &mut issues);
                non_negative("epsilon", s.epsilon, &mut issues);
            }
        }
        if let Some(b) = self.batch()
            && b.size == 0
        {
            issues.push((
                "batch.size".to_owned(),
                "expected at least 1 item per batch, found 0".to_owned(),
            ));
        }
        issues
    }
}

fn unit_interval(field: &str, v: f64, issues: &mut Vec<(String, String)>) {
    if !(0.0..1.0).contains(&v) {
        issues.push((
            field.to_owned(),
            format!("expected a number in [0, 1), found {v}"),
        ));
    }
}

fn non_negative(field: &str, v: f64, issues: &mut Vec<(String, String)>) {
    if !(v.is_finite() && v >= 0.0) {
        issues.push((
            field.to_owned(),
            format!("expected a finite number ≥ 0, found {v}"),
        ));
    }
}

/// Errors of the optimisers and of the losses in [`crate::loss2d`].
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum OptimError {
    /// [`OptimizerSpec::validate`] found problems, as `(field, message)` pairs.
    #[error("invalid optimizer spec: {}", format_issues(.0))]
    InvalidSpec(Vec<(String, String)>),
    /// The spec draws batches but the loss is not a sum over items.
    #[error(
        "optimizer `{kind}` with batches needs a loss that is a sum over data items; \
         remove `batch` or use a data loss"
    )]
    NeedsItems {
        /// The optimiser kind.
        kind: &'static str,
    },
    /// The batch is larger than the data.
    #[error("batch size {size} exceeds the {items} items of the loss")]
    BatchTooLarge {
        /// Requested batch size.
        size: usize,
        /// Items of the loss.
        items: usize,
    },
    /// The parameter vector has the wrong length.
    #[error("the loss has {expected} parameters but the start point has {found}")]
    DimensionMismatch {
        /// Parameters of the loss.
        expected: usize,
        /// Length of the given vector.
        found: usize,
    },
    /// The parameters or the loss stopped being finite (the optimiser diverged).
    #[error("the optimizer diverged: parameters or loss not finite after step {step}")]
    NonFinite {
        /// Number of steps taken when it was detected (0 = the start point).
        step: usize,
    },
    /// A loss was given unusable data.
    #[error("invalid data: {0}")]
    InvalidData(String),
}

fn format_issues(issues: &[(String, String)]) -> String {
    issues
        .iter()
        .map(|(f, m)| format!("{f}: {m}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// What one [`Optimizer`] step did.
#[derive(Clone, Debug, PartialEq)]
pub struct StepInfo {
    /// The batch whose gradient was used (sorted), or `None` for a full-batch step.
    pub batch: Option<Vec<usize>>,
    /// The step `α_t` chosen by the line search (`gd-line-search` only).
    pub step_size: Option<f64>,
}

/// A batch gradient `(φ, items, g)`.
type BatchGrad<'a> = &'a dyn Fn(&[f64], &[usize], &mut [f64]);

/// Loss and gradient access for one step, independent of the objective's concrete type.
struct Oracle<'a> {
    loss: &'a dyn Fn(&[f64]) -> f64,
    grad: &'a dyn Fn(&[f64], &mut [f64]),
    /// Number of items and the batch gradient, for [`BatchObjective`]s.
    batched: Option<(usize, BatchGrad<'a>)>,
}

/// The running state of one optimisation: the spec, step count, moment estimates and sampler.
#[derive(Clone, Debug)]
pub struct Optimizer {
    spec: OptimizerSpec,
    dim: usize,
    steps: usize,
    m: Vec<f64>,
    v: Vec<f64>,
    beta_pow: f64,
    gamma_pow: f64,
    sampler: Option<BatchSampler>,
    g: Vec<f64>,
    q: Vec<f64>,
}

impl Optimizer {
    /// A fresh optimiser for `dim` parameters (zero moments, no steps taken).
    pub fn new(spec: &OptimizerSpec, dim: usize) -> Result<Self, OptimError> {
        let issues = spec.validate();
        if !issues.is_empty() {
            return Err(OptimError::InvalidSpec(issues));
        }
        Ok(Optimizer {
            spec: spec.clone(),
            dim,
            steps: 0,
            m: vec![0.0; dim],
            v: vec![0.0; dim],
            beta_pow: 1.0,
            gamma_pow: 1.0,
            sampler: None,
            g: vec![0.0; dim],
            q: vec![0.0; dim],
        })
    }

    /// The spec this optimiser runs.
    pub fn spec(&self) -> &OptimizerSpec {
        &self.spec
    }

    /// Number of steps taken so far.
    pub fn steps_taken(&self) -> usize {
        self.steps
    }

    /// One step on a full-batch objective, updating `p` in place.
    ///
    /// Fails with [`OptimError::NeedsItems`] if the spec draws batches (use
    /// [`Optimizer::step_batched`]).
    pub fn step<O: Objective + ?Sized>(
        &mut self,
        obj: &O,
        p: &mut [f64],
    ) -> Result<StepInfo, OptimError> {
        let loss = |p: &[f64]| obj.loss(p);
        let grad = |p: &[f64], g: &mut [f64]| obj.grad(p, g);
        let oracle = Oracle {
            loss: &loss,
            grad: &grad,
            batched: None,
        };
        self.step_with(&oracle, obj.dim(), p)
    }

    /// One step on an objective that is a sum over items, updating `p` in place; draws the next
    /// batch if the spec has one, otherwise uses the full gradient.
    pub fn step_batched<O: BatchObjective + ?Sized>(
        &mut self,
        obj: &O,
        p: &mut [f64],
    ) -> Result<StepInfo, OptimError> {
        let loss = |p: &[f64]| obj.loss(p);
        let grad = |p: &[f64], g: &mut [f64]| obj.grad(p, g);
        let grad_batch = |p: &[f64], items: &[usize], g: &mut [f64]| obj.grad_batch(p, items, g);
        let oracle = Oracle {
            loss: &loss,
            grad: &grad,
            batched: Some((obj.num_items(), &grad_batch)),
        };
        self.step_with(&oracle, obj.dim(), p)
    }

    fn step_with(
        &mut self,
        oracle: &Oracle<'_>,
        obj_dim: usize,
        p: &mut [f64],
    ) -> Result<StepInfo, OptimError> {
        for found in [obj_dim, p.len()] {
            if found != self.dim {
                return Err(OptimError::DimensionMismatch {
                    expected: self.dim,
                    found,
                });
            }
        }
        let batch = match self.spec.batch() {
            None => None,
            Some(b) => {
                let Some((items, _)) = oracle.batched else {
                    return Err(OptimError::NeedsItems {
                        kind: self.spec.kind(),
                    });
                };
                if b.size > items {
                    return Err(OptimError::BatchTooLarge {
                        size: b.size,
                        items,
                    });
                }
                let sampler = self
                    .sampler
                    .get_or_insert_with(|| BatchSampler::new(items, b.size, b.seed));
                Some(sampler.next_batch())
            }
        };
        let gradient = |at: &[f64], g: &mut [f64]| match (&batch, oracle.batched) {
            (Some(items), Some((_, grad_batch))) => grad_batch(at, items, g),
            _ => (oracle.grad)(at, g),
        };

        let Optimizer {
            spec,
            m,
            v,
            beta_pow,
            gamma_pow,
            g,
            q,
            ..
        } = self;
        let mut step_size = None;
        match spec {
            OptimizerSpec::Gd(GdSpec { learning_rate: a })
            | OptimizerSpec::Sgd(SgdSpec {
                learning_rate: a, ..
            }) => {
                gradient(p, g);
                for k in 0..p.len() {
                    p[k] -= *a * g[k];
                }
            }
            OptimizerSpec::GdLineSearch(s) => {
                gradient(p, g);
                let along = |t: f64| {
                    for k in 0..p.len() {
                        q[k] = p[k] - t * g[k];
                    }
                    (oracle.loss)(q)
                };
                let t = bracket_line_search(along, s).step;
                for k in 0..p.len() {
                    p[k] -= t * g[k];
                }
                step_size = Some(t);
            }
            OptimizerSpec::Momentum(s) => {
                gradient(p, g);
                for k in 0..p.len() {
                    m[k] = s.beta * m[k] + (1.0 - s.beta) * g[k];
                    p[k] -= s.learning_rate * m[k];
                }
            }
            OptimizerSpec::Nesterov(s) => {
                for k in 0..p.len() {
                    q[k] = p[k] - s.learning_rate * s.beta * m[k];
                }
                gradient(q, g);
                for k in 0..p.len() {
                    m[k] = s.beta * m[k] + (1.0 - s.beta) * g[k];
                    p[k] -= s.learning_rate * m[k];
                }
            }
            OptimizerSpec::NormalizedGd(s) => {
                gradient(p, g);
                for k in 0..p.len() {
                    // √(g²) = |g| exactly in IEEE arithmetic.
                    p[k] -= s.learning_rate * g[k] / (g[k].abs() + s.epsilon);
                }
            }
            OptimizerSpec::Adam(s) => {
                gradient(p, g);
                *beta_pow *= s.beta;
                *gamma_pow *= s.gamma;
                for k in 0..p.len() {
                    m[k] = s.beta * m[k] + (1.0 - s.beta) * g[k];
                    v[k] = s.gamma * v[k] + (1.0 - s.gamma) * g[k] * g[k];
                    let m_hat = m[k] / (1.0 - *beta_pow);
                    let v_hat = v[k] / (1.0 - *gamma_pow);
                    p[k] -= s.learning_rate * m_hat / (v_hat.sqrt() + s.epsilon);
                }
            }
            OptimizerSpec::Rmsprop(s) => {
                gradient(p, g);
                for k in 0..p.len() {
                    v[k] = s.gamma * v[k] + (1.0 - s.gamma) * g[k] * g[k];
                    p[k] -= s.learning_rate * g[k] / (v[k].sqrt() + s.epsilon);
                }
            }
        }
        self.steps += 1;
        if !p.iter().all(|x| x.is_finite()) {
            return Err(OptimError::NonFinite { step: self.steps });
        }
        Ok(StepInfo { batch, step_size })
    }
}

/// The path of one optimisation run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Trajectory {
    /// Parameters before the first step and after every step: `steps + 1` vectors.
    pub params: Vec<Vec<f64>>,
    /// The full loss `L[φ]` at each entry of `params` (for batched runs too).
    pub losses: Vec<f64>,
    /// For batched runs, the (sorted) batch used by each step: `steps` entries. Empty for
    /// full-batch runs.
    pub batches: Vec<Vec<usize>>,
    /// For `gd-line-search`, the step `α_t` chosen at each step: `steps` entries. Empty otherwise.
    pub step_sizes: Vec<f64>,
}

impl Trajectory {
    /// Number of steps taken (`params.len() − 1`).
    pub fn steps(&self) -> usize {
        self.params.len().saturating_sub(1)
    }

    /// The final parameters.
    pub fn last(&self) -> &[f64] {
        self.params.last().map_or(&[], Vec::as_slice)
    }

    /// The path as a table: columns `step` (0, 1, …), `loss`, `phi0`, `phi1`, … (one per
    /// parameter), all of length `steps + 1`, plus `step-size` (length `steps`) for line-search
    /// runs.
    pub fn to_table(&self) -> data::Table {
        let mut table = data::Table::new();
        table.insert("step", (0..self.params.len()).map(|s| s as f64).collect());
        table.insert("loss", self.losses.clone());
        let dim = self.params.first().map_or(0, Vec::len);
        for k in 0..dim {
            table.insert(
                format!("phi{k}"),
                self.params.iter().map(|p| p[k]).collect(),
            );
        }
        if !self.step_sizes.is_empty() {
            table.insert("step-size", self.step_sizes.clone());
        }
        // Where the run ends, as one-value columns (for markers and printed values).
        if let (Some(p), Some(l)) = (self.params.last(), self.losses.last()) {
            table.insert("final-loss", vec![*l]);
            for (k, v) in p.iter().enumerate() {
                table.insert(format!("final-phi{k}"), vec![*v]);
            }
        }
        table
    }
}

/// Runs `steps` steps of `spec` from `start` on a full-batch objective and records the path.
///
/// Fails with [`OptimError::NeedsItems`] if the spec has a `batch` (use [`optimize_batched`]),
/// [`OptimError::InvalidSpec`], [`OptimError::DimensionMismatch`], or
/// [`OptimError::NonFinite`] if the run diverges.
pub fn optimize<O: Objective + ?Sized>(
    obj: &O,
    spec: &OptimizerSpec,
    start: &[f64],
    steps: usize,
) -> Result<Trajectory, OptimError> {
    let mut opt = Optimizer::new(spec, obj.dim())?;
    record(
        &mut opt,
        start,
        steps,
        |p| obj.loss(p),
        |opt, p| opt.step(obj, p),
    )
}

/// Runs `steps` steps of `spec` from `start` on an objective that is a sum over items (batched
/// if the spec has a `batch`, full-batch otherwise) and records the path.
pub fn optimize_batched<O: BatchObjective + ?Sized>(
    obj: &O,
    spec: &OptimizerSpec,
    start: &[f64],
    steps: usize,
) -> Result<Trajectory, OptimError> {
    let mut opt = Optimizer::new(spec, obj.dim())?;
    record(
        &mut opt,
        start,
        steps,
        |p| obj.loss(p),
        |opt, p| opt.step_batched(obj, p),
    )
}

fn record(
    opt: &mut Optimizer,
    start: &[f64],
    steps: usize,
    loss: impl Fn(&[f64]) -> f64,
    mut step: impl FnMut(&mut Optimizer, &mut [f64]) -> Result<StepInfo, OptimError>,
) -> Result<Trajectory, OptimError> {
    if start.len() != opt.dim {
        return Err(OptimError::DimensionMismatch {
            expected: opt.dim,
            found: start.len(),
        });
    }
    let mut p = start.to_vec();
    let mut traj = Trajectory {
        params: Vec::with_capacity(steps + 1),
        losses: Vec::with_capacity(steps + 1),
        batches: Vec::new(),
        step_sizes: Vec::new(),
    };
    let push = |traj: &mut Trajectory, p: &[f64], step: usize| {
        let l = loss(p);
        if !l.is_finite() || !p.iter().all(|x| x.is_finite()) {
            return Err(OptimError::NonFinite { step });
        }
        traj.params.push(p.to_vec());
        traj.losses.push(l);
        Ok(())
    };
    push(&mut traj, &p, 0)?;
    for t in 1..=steps {
        let info = step(opt, &mut p)?;
        if let Some(b) = info.batch {
            traj.batches.push(b);
        }
        if let Some(s) = info.step_size {
            traj.step_sizes.push(s);
        }
        push(&mut traj, &p, t)?;
    }
    Ok(traj)
}
