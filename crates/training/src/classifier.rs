//! `kind = "classifier"`: trains a network (`mlp`, `cnn1d`) on a classification set with
//! mini-batch SGD, momentum, Nesterov, Adam or AdamW (UDL sections 6.2-6.4), a step learning-rate
//! schedule, and evaluation on the full training and test sets every few steps (UDL fig. 8.2).
//!
//! Batches are drawn epoch by epoch: in order (`order = "sequential"`, the MNIST-1D paper's
//! recipe: at step s the rows `[(100·s) mod 4000, +100)`) or from a fresh permutation each
//! epoch (`order = "shuffled"`, seeded by `shuffle-seed`, like PyTorch's shuffling
//! `DataLoader`); the last batch of an epoch may be short. The learning rate is multiplied by
//! `lr-decay.factor` every `lr-decay.every` epochs (PyTorch's `StepLR`). A NaN or infinite loss
//! stops training with the step at which it happened. A network with batch norm trains with batch
//! statistics and is evaluated with its running averages (`models::net`), so every training batch
//! needs at least 2 examples.

use data::ClassificationSet;
use models::net::Weights;
use models::net::backend::{Loss, Net, Optimizer};
use serde::{Deserialize, Serialize};

/// Upper bound on the number of steps, so a typo cannot run for days.
pub const MAX_STEPS: usize = 10_000_000;

/// The optimiser of a `classifier` section.
#[derive(Deserialize, Serialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum OptimizerKind {
    /// SGD (with `momentum` and `nesterov` if set).
    Sgd,
    /// Adam.
    Adam,
    /// Adam with decoupled weight decay.
    Adamw,
}

/// The loss of a `classifier` section.
#[derive(Deserialize, Serialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum LossKind {
    /// Softmax cross-entropy.
    #[default]
    CrossEntropy,
    /// Squared error against one-hot targets.
    LeastSquares,
}

/// Batch order.
#[derive(Deserialize, Serialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Order {
    /// Rows in data-set order, epoch after epoch.
    #[default]
    Sequential,
    /// A new seeded permutation every epoch.
    Shuffled,
}

/// Batch size: a number of examples, or `"full"` (the whole training set: full-batch GD).
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(untagged)]
pub enum BatchSize {
    /// Examples per batch.
    Size(usize),
    /// `"full"`.
    Named(String),
}

/// Step learning-rate decay: `lr · factor^⌊epoch / every⌋`.
#[derive(Deserialize, Serialize, Clone, Copy, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LrDecay {
    /// Epochs between decays.
    pub every: usize,
    /// Multiplier at each decay.
    pub factor: f64,
}

/// `kind = "classifier"`.
///
/// ```toml
/// [train.fit]
/// kind = "classifier"
/// model = "mlp"            # a [model.*] of kind mlp or cnn1d
/// data = "mnist"           # a [data.*] of kind mnist1d
/// optimizer = "adam"       # sgd | adam | adamw
/// lr = 0.01
/// batch = 100              # or "full"
/// steps = 6000             # or epochs = 50
/// eval-every = 250         # steps between evaluations (default: one epoch)
/// ```
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ClassifierSpec {
    /// The `[model.*]` section with the initial network.
    pub model: String,
    /// The `[data.*]` section with the classification set.
    pub data: String,
    /// The loss (default cross-entropy).
    #[serde(default)]
    pub loss: LossKind,
    /// The optimiser.
    pub optimizer: OptimizerKind,
    /// Learning rate α.
    pub lr: f64,
    /// SGD momentum μ (default 0).
    #[serde(default)]
    pub momentum: f64,
    /// Nesterov momentum for SGD.
    #[serde(default)]
    pub nesterov: bool,
    /// Adam's β1, β2 (default 0.9, 0.999).
    #[serde(default = "default_betas")]
    pub betas: [f64; 2],
    /// Adam's ε (default 1e-8).
    #[serde(default = "default_eps")]
    pub eps: f64,
    /// Weight decay λ (L2 for sgd/adam, decoupled for adamw; default 0).
    #[serde(default)]
    pub weight_decay: f64,
    /// Examples per batch, or `"full"`.
    pub batch: BatchSize,
    /// Batch order (default sequential).
    #[serde(default)]
    pub order: Order,
    /// Seed of the shuffled order.
    #[serde(default)]
    pub shuffle_seed: u64,
    /// Number of optimiser steps (give this or `epochs`).
    #[serde(default)]
    pub steps: Option<usize>,
    /// Number of passes over the training set (give this or `steps`).
    #[serde(default)]
    pub epochs: Option<usize>,
    /// Steps between evaluations (default: one epoch). Step 0 and the last step are always
    /// evaluated.
    #[serde(default)]
    pub eval_every: Option<usize>,
    /// Step learning-rate decay.
    #[serde(default)]
    pub lr_decay: Option<LrDecay>,
}

fn default_betas() -> [f64; 2] {
    [0.9, 0.999]
}

fn default_eps() -> f64 {
    1e-8
}

impl ClassifierSpec {
    /// Impossible values, as `(field, message)`.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut issues = Vec::new();
        let mut positive = |field: &str, v: f64| {
            if !(v.is_finite() && v > 0.0) {
                issues.push((
                    field.into(),
                    format!("expected a positive number, found {v}"),
                ));
            }
        };
        positive("lr", self.lr);
        positive("eps", self.eps);
        if !(0.0..1.0).contains(&self.momentum) {
            issues.push((
                "momentum".into(),
                format!("expected 0 <= momentum < 1, found {}", self.momentum),
            ));
        }
        for (i, b) in self.betas.iter().enumerate() {
            if !(0.0..1.0).contains(b) {
                issues.push((
                    format!("betas[{i}]"),
                    format!("expected 0 <= beta < 1, found {b}"),
                ));
            }
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            issues.push((
                "weight-decay".into(),
                format!("expected a number >= 0, found {}", self.weight_decay),
            ));
        }
        if self.optimizer != OptimizerKind::Sgd && (self.momentum != 0.0 || self.nesterov) {
            issues.push((
                "momentum".into(),
                "momentum and nesterov apply to optimizer = \"sgd\" only".into(),
            ));
        }
        match &self.batch {
            BatchSize::Size(0) => issues.push(("batch".into(), "expected at least 1".into())),
            BatchSize::Named(n) if n != "full" => issues.push((
                "batch".into(),
                format!("expected a number of examples or \"full\", found \"{n}\""),
            )),
            _ => {}
        }
        match (self.steps, self.epochs) {
            (Some(_), Some(_)) | (None, None) => issues.push((
                "steps".into(),
                "give exactly one of `steps` and `epochs`".into(),
            )),
            (Some(s), None) | (None, Some(s)) if s == 0 || s > MAX_STEPS => issues.push((
                if self.steps.is_some() {
                    "steps"
                } else {
                    "epochs"
                }
                .into(),
                format!("expected 1 to {MAX_STEPS}, found {s}"),
            )),
            _ => {}
        }
        if self.eval_every == Some(0) {
            issues.push(("eval-every".into(), "expected at least 1".into()));
        }
        if let Some(d) = self.lr_decay {
            if d.every == 0 {
                issues.push(("lr-decay.every".into(), "expected at least 1 epoch".into()));
            }
            if !(d.factor.is_finite() && d.factor > 0.0) {
                issues.push((
                    "lr-decay.factor".into(),
                    format!("expected a positive number, found {}", d.factor),
                ));
            }
        }
        issues
    }

    fn optimizer(&self) -> Optimizer {
        match self.optimizer {
            OptimizerKind::Sgd => Optimizer::Sgd {
                momentum: self.momentum,
                nesterov: self.nesterov,
                weight_decay: self.weight_decay,
            },
            OptimizerKind::Adam | OptimizerKind::Adamw => Optimizer::Adam {
                betas: self.betas,
                eps: self.eps,
                weight_decay: self.weight_decay,
                decoupled: self.optimizer == OptimizerKind::Adamw,
            },
        }
    }
}

/// Progress of a running training, reported after every step.
#[derive(Clone, Copy, Debug)]
pub struct StepReport {
    /// Steps done.
    pub step: usize,
    /// Steps in all.
    pub total: usize,
    /// The last batch loss.
    pub loss: f64,
}

/// The measurements of one evaluation.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Eval {
    loss: f64,
    accuracy: f64,
}

/// A trained network with its learning curves.
#[derive(Clone, Debug, PartialEq)]
pub struct Trained {
    /// The final parameters.
    pub weights: Weights,
    /// Columns `step`, `epoch`, `lr`, `train-loss`, `train-accuracy`, `train-error`,
    /// `test-loss`, `test-accuracy`, `test-error` (accuracies and errors in %), one row per
    /// evaluation; and `batch-loss`, the mean batch loss since the previous evaluation (at step
    /// 0, before any batch, the training loss).
    pub curves: std::collections::BTreeMap<String, Vec<f64>>,
}

impl Trained {
    /// The weights and curves as one safetensors bundle (curves as `curve.NAME` f64 arrays).
    pub fn to_bundle(&self) -> data::Bundle {
        let mut b = self.weights.to_bundle();
        for (name, v) in &self.curves {
            b.insert(
                format!("curve.{name}"),
                data::Array::F64(vec![v.len()], v.clone()),
            );
        }
        b
    }

    /// Reads a bundle written by [`Trained::to_bundle`].
    pub fn from_bundle(b: &data::Bundle) -> Result<Trained, data::BundleError> {
        let weights = Weights::from_bundle(b)?;
        let mut curves = std::collections::BTreeMap::new();
        for (name, a) in &b.arrays {
            if let (Some(col), data::Array::F64(_, v)) = (name.strip_prefix("curve."), a) {
                curves.insert(col.to_string(), v.clone());
            }
        }
        Ok(Trained { weights, curves })
    }
}

/// Why training failed.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// The spec holds impossible values.
    #[error("invalid classifier spec: {}", data::format_issues(.0))]
    InvalidSpec(Vec<(String, String)>),
    /// Network and data do not fit together.
    #[error("{0}")]
    Mismatch(String),
    /// The loss became NaN or infinite.
    #[error("training diverged at step {step} of {total}: {reason} (lower the learning rate?)")]
    Diverged {
        /// The failing step (1-based).
        step: usize,
        /// Steps planned.
        total: usize,
        /// What happened.
        reason: String,
    },
}

/// The schedule a spec and data set give: (steps, steps per epoch, batch size).
pub fn schedule(spec: &ClassifierSpec, n_train: usize) -> (usize, usize, usize) {
    let batch = match spec.batch {
        BatchSize::Size(b) => b.min(n_train).max(1),
        BatchSize::Named(_) => n_train.max(1),
    };
    let per_epoch = n_train.div_ceil(batch).max(1);
    let steps = spec
        .steps
        .unwrap_or_else(|| spec.epochs.unwrap_or(1) * per_epoch);
    (steps, per_epoch, batch)
}

fn to_f32(v: &[f64]) -> Vec<f32> {
    v.iter().map(|&x| x as f32).collect()
}

/// Trains `initial` on `data` as `spec` says; `report` sees every step.
pub fn train(
    spec: &ClassifierSpec,
    initial: &Weights,
    data: &ClassificationSet,
    report: &mut dyn FnMut(StepReport),
) -> Result<Trained, TrainError> {
    let issues = spec.validate();
    if !issues.is_empty() {
        return Err(TrainError::InvalidSpec(issues));
    }
    if initial.arch.inputs != data.len {
        return Err(TrainError::Mismatch(format!(
            "model `{}` takes {} inputs but the examples of `{}` have {} values",
            spec.model, initial.arch.inputs, spec.data, data.len
        )));
    }
    if initial.arch.outputs() != data.classes {
        return Err(TrainError::Mismatch(format!(
            "model `{}` has {} outputs but `{}` has {} classes",
            spec.model,
            initial.arch.outputs(),
            spec.data,
            data.classes
        )));
    }
    let n = data.n_train();
    if n == 0 || data.n_test() == 0 {
        return Err(TrainError::Mismatch(format!(
            "`{}` needs training and test examples (it has {} and {})",
            spec.data,
            n,
            data.n_test()
        )));
    }
    let (total, per_epoch, batch) = schedule(spec, n);
    let last_batch = n - (per_epoch - 1) * batch;
    if initial.arch.layers.iter().any(|l| l.batch_norm()) && batch.min(last_batch) < 2 {
        return Err(TrainError::Mismatch(format!(
            "model `{}` has batch norm, which needs at least 2 examples in every training batch, \
             but `{}`'s {n} training examples in batches of {batch} leave a batch of 1",
            spec.model, spec.data
        )));
    }
    let eval_every = spec.eval_every.unwrap_or(per_epoch);
    let loss = match spec.loss {
        LossKind::CrossEntropy => Loss::CrossEntropy,
        LossKind::LeastSquares => Loss::LeastSquares,
    };
    let optimizer = spec.optimizer();
    let x_train = to_f32(&data.x_train);
    let x_test = to_f32(&data.x_test);
    let d = data.len;

    let mut net = Net::new(initial);
    let mut curves: std::collections::BTreeMap<String, Vec<f64>> = Default::default();
    let mut record = |net: &mut Net, step: usize, lr: f64, batch_loss: Option<f64>| {
        let tr = evaluate(net, &x_train, &data.y_train, loss);
        let te = evaluate(net, &x_test, &data.y_test, loss);
        let batch_loss = batch_loss.unwrap_or(tr.loss);
        for (name, v) in [
            ("step", step as f64),
            ("epoch", step as f64 / per_epoch as f64),
            ("lr", lr),
            ("batch-loss", batch_loss),
            ("train-loss", tr.loss),
            ("train-accuracy", tr.accuracy),
            ("train-error", 100.0 - tr.accuracy),
            ("test-loss", te.loss),
            ("test-accuracy", te.accuracy),
            ("test-error", 100.0 - te.accuracy),
        ] {
            curves.entry(name.to_string()).or_default().push(v);
        }
    };
    record(&mut net, 0, spec.lr, None);

    let mut rng = models::net::Rng::new(spec.shuffle_seed);
    let mut order: Vec<usize> = (0..n).collect();
    let (mut xb, mut yb) = (Vec::with_capacity(batch * d), Vec::with_capacity(batch));
    let (mut sum, mut count) = (0.0f64, 0usize);
    for step in 0..total {
        let epoch = step / per_epoch;
        let within = step % per_epoch;
        if within == 0 && spec.order == Order::Shuffled {
            order = (0..n).collect();
            rng.shuffle(&mut order);
        }
        let lr = spec.lr
            * spec
                .lr_decay
                .map_or(1.0, |dcy| dcy.factor.powi((epoch / dcy.every) as i32));
        xb.clear();
        yb.clear();
        for &row in &order[within * batch..((within + 1) * batch).min(n)] {
            xb.extend_from_slice(&x_train[row * d..(row + 1) * d]);
            yb.push(data.y_train[row]);
        }
        let l = net
            .step(&xb, &yb, loss, &optimizer, lr)
            .map_err(|e| TrainError::Diverged {
                step: step + 1,
                total,
                reason: e.to_string(),
            })?;
        sum += l as f64;
        count += 1;
        report(StepReport {
            step: step + 1,
            total,
            loss: l as f64,
        });
        if (step + 1) % eval_every == 0 || step + 1 == total {
            record(&mut net, step + 1, lr, Some(sum / count as f64));
            sum = 0.0;
            count = 0;
        }
    }
    Ok(Trained {
        weights: net.weights(),
        curves,
    })
}

/// Mean loss and accuracy (%) of `net` on a whole set, computed in f64 from the outputs.
fn evaluate(net: &mut Net, x: &[f32], y: &[u8], loss: Loss) -> Eval {
    let out = net.outputs(x, y.len()).expect("shapes were checked");
    let k = out.len() / y.len();
    let (mut total, mut correct) = (0.0, 0usize);
    for (row, &label) in out.chunks_exact(k).zip(y) {
        let z: Vec<f64> = row.iter().map(|&v| v as f64).collect();
        let best = (0..k)
            .max_by(|&a, &b| z[a].total_cmp(&z[b]).then(b.cmp(&a)))
            .expect("at least one output");
        correct += usize::from(best == label as usize);
        total += match loss {
            Loss::CrossEntropy => {
                let m = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                let lse = m + z.iter().map(|v| (v - m).exp()).sum::<f64>().ln();
                lse - z[label as usize]
            }
            Loss::LeastSquares => {
                z.iter()
                    .enumerate()
                    .map(|(j, v)| (v - f64::from(u8::from(j == label as usize))).powi(2))
                    .sum::<f64>()
                    / k as f64
            }
        };
    }
    Eval {
        loss: total / y.len() as f64,
        accuracy: 100.0 * correct as f64 / y.len() as f64,
    }
}
