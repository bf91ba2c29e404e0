//! The one module that uses dfdx: runtime-shaped parameter tensors, forward passes with
//! autograd, losses, and optimiser steps through dfdx's per-tensor update kernels.
//!
//! dfdx 0.13's `nn` layers take only compile-time sizes, so parameters are plain
//! `Tensor<(usize, usize)>` weights (`fan-in × outputs`, no transpose) and `Tensor<(usize,)>`
//! biases. A dense layer is `a[h·W + b]` (UDL eq. 4.13 with row vectors); a 1-D convolution
//! (UDL eq. 10.6) is an im2col op of our own (activations are channels-last rows
//! `(batch·len, ch)`; each output position's row holds the `kernel` input rows it sees, zeros in
//! the padding) followed by one matmul. Batch normalisation (see [`super`] for the equation and
//! its place in a layer) is a second op of our own: dfdx 0.13's `BatchNorm1D` takes only
//! compile-time sizes, and one fused op also hands back the batch statistics for the running
//! averages. Gradients come from dfdx's tape; optimiser state lives in `Gradients` maps keyed by
//! parameter, updated by `SgdConfig::try_update` / `AdamConfig::try_update`.
//!
//! gemm's internal threading is switched off by default ([`set_gemm_threads`]): for these
//! small matrices one thread per training stage is faster, and stages run in parallel instead.
//! The results do not depend on it either way (gemm splits only the output blocks).

use dfdx::optim::{Momentum, WeightDecay};
use dfdx::prelude::*;

use super::{Arch, BatchNorm, Layer, NetActivation, Weights};

/// ε of batch norm, added to the variance (PyTorch's default).
pub const BN_EPS: f64 = 1e-5;

/// Weight of the newest batch in batch norm's running averages (PyTorch's default momentum).
pub const BN_MOMENTUM: f64 = 0.1;

type Mat<T = NoneTape> = Tensor<(usize, usize), f32, Cpu, T>;
type Vector = Tensor<(usize,), f32, Cpu>;

/// Lets gemm split one matrix product over threads (`true`) or not (`false`, the default
/// once a [`Net`] exists). Split, a product needs at least 2²⁴ multiply-adds (gemm's own default
/// is 48·48·256): below that, handing work to the other thread cost more than it saved (with the
/// default, `bench training` measured the MNIST-1D CNN step at 1.16 ms with two threads against
/// 0.99 ms with one, medians of five runs; its largest product is 1.9 M multiply-adds), so small
/// networks run on one thread either way.
pub fn set_gemm_threads(on: bool) {
    gemm_common::gemm::set_threading_threshold(if on { 1 << 24 } else { usize::MAX });
}

fn default_threading() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| set_gemm_threads(false));
}

/// An optimiser of UDL chapter 6 for network parameters (PyTorch's update rules).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Optimizer {
    /// SGD, optionally with (Nesterov) momentum: `v ← μv + g; θ ← θ − α v`
    /// (Nesterov: `θ ← θ − α (g + μ v)`); `weight_decay` adds `λθ` to the gradient.
    Sgd {
        /// Momentum μ (0: none).
        momentum: f64,
        /// Nesterov momentum.
        nesterov: bool,
        /// L2 weight decay λ.
        weight_decay: f64,
    },
    /// Adam (Kingma & Ba 2015, UDL eq. 6.16); `decoupled` makes the weight decay AdamW's.
    Adam {
        /// β1, β2.
        betas: [f64; 2],
        /// ε.
        eps: f64,
        /// Weight decay λ.
        weight_decay: f64,
        /// AdamW (decoupled) instead of L2 weight decay.
        decoupled: bool,
    },
}

/// The training loss.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loss {
    /// Softmax cross-entropy (UDL eq. 5.24) against integer labels.
    CrossEntropy,
    /// Mean squared error (UDL eq. 5.11, up to a constant) against one-hot targets.
    LeastSquares,
}

/// Why a training step failed.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    /// The loss became NaN or infinite.
    #[error("the loss is {0}")]
    NonFinite(f32),
    /// Inputs do not match the network.
    #[error("{0}")]
    Shape(String),
}

/// One layer's batch norm on the device: parameters γ, δ and the running averages.
struct Norm {
    gamma: Vector,
    beta: Vector,
    mean: Vec<f32>,
    var: Vec<f32>,
}

/// A batch norm layer's batch statistics in a training forward pass: (layer, means, biased
/// variances).
type BatchStats = (usize, Vec<f64>, Vec<f64>);

/// Per-unit means and biased variances of one batch.
type MeanVar = (Vec<f64>, Vec<f64>);

/// A network on the dfdx CPU device, with its optimiser state.
pub struct Net {
    dev: Cpu,
    arch: Arch,
    w: Vec<Mat>,
    b: Vec<Vector>,
    norms: Vec<Option<Norm>>,
    moment1: Gradients<f32, Cpu>,
    moment2: Gradients<f32, Cpu>,
    steps: i32,
}

impl std::fmt::Debug for Net {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Net").field("arch", &self.arch).finish()
    }
}

impl Net {
    /// Loads weights onto a fresh device.
    pub fn new(weights: &Weights) -> Net {
        default_threading();
        let dev = Cpu::default();
        let mut w = Vec::new();
        let mut b = Vec::new();
        for (layer, (lw, lb)) in weights.arch.layers.iter().zip(&weights.params) {
            let [r, c] = layer.weight_shape();
            w.push(dev.tensor_from_vec(lw.clone(), (r, c)));
            b.push(dev.tensor_from_vec(lb.clone(), (c,)));
        }
        let norms = weights
            .norms
            .iter()
            .map(|n| {
                n.as_ref().map(|n| Norm {
                    gamma: dev.tensor_from_vec(n.gamma.clone(), (n.gamma.len(),)),
                    beta: dev.tensor_from_vec(n.beta.clone(), (n.beta.len(),)),
                    mean: n.running_mean.clone(),
                    var: n.running_var.clone(),
                })
            })
            .collect();
        Net {
            dev,
            arch: weights.arch.clone(),
            w,
            b,
            norms,
            moment1: Gradients::leaky(),
            moment2: Gradients::leaky(),
            steps: 0,
        }
    }

    /// The architecture.
    pub fn arch(&self) -> &Arch {
        &self.arch
    }

    /// The current parameters (with batch norms' running averages).
    pub fn weights(&self) -> Weights {
        Weights::with_norms(
            self.arch.clone(),
            self.w
                .iter()
                .zip(&self.b)
                .map(|(w, b)| (w.as_vec(), b.as_vec()))
                .collect(),
            self.norms
                .iter()
                .map(|n| {
                    n.as_ref().map(|n| BatchNorm {
                        gamma: n.gamma.as_vec(),
                        beta: n.beta.as_vec(),
                        running_mean: n.mean.clone(),
                        running_var: n.var.clone(),
                    })
                })
                .collect(),
        )
    }

    fn check_input(&self, x: &[f32], batch: usize) -> Result<(), StepError> {
        if batch == 0 || x.len() != batch * self.arch.inputs {
            return Err(StepError::Shape(format!(
                "expected {batch} examples of {} values, found {} values",
                self.arch.inputs,
                x.len()
            )));
        }
        Ok(())
    }

    /// The forward pass for `batch` examples; `h` holds `batch × inputs` values. `train`:
    /// batch norm uses the batch's statistics (returned, for the running averages), otherwise
    /// the running averages.
    fn forward<T: Tape<f32, Cpu> + Merge<NoneTape>>(
        &self,
        mut h: Mat<T>,
        batch: usize,
        train: bool,
    ) -> (Mat<T>, Vec<BatchStats>) {
        let mut stats = Vec::new();
        // x·W -> activation(BN(x·W + b)), BN where the layer has it; the bias add and a ReLU
        // that follows it directly are one op.
        let mut finish =
            |i: usize, xw: Mat<T>, activation: Option<NetActivation>| match &self.norms[i] {
                None if activation == Some(NetActivation::Relu) => {
                    add_bias(&self.dev, xw, &self.b[i], true)
                }
                None => activate(add_bias(&self.dev, xw, &self.b[i], false), activation),
                Some(n) => {
                    let z = add_bias(&self.dev, xw, &self.b[i], false);
                    let fixed = (!train).then_some((n.mean.as_slice(), n.var.as_slice()));
                    let (y, s) = batch_norm(&self.dev, z, &n.gamma, &n.beta, fixed);
                    if let Some((m, v)) = s {
                        stats.push((i, m, v));
                    }
                    activate(y, activation)
                }
            };
        for i in 0..self.arch.layers.len() {
            let w = self.w[i].clone().retaped::<T>();
            h = match self.arch.layers[i].clone() {
                Layer::Dense {
                    activation,
                    residual,
                    ..
                } => {
                    if residual {
                        let (x, tape) = h.split_tape();
                        let xw = x.clone().put_tape(tape).matmul(w);
                        let (y, tape) = finish(i, xw, activation).split_tape();
                        x.put_tape(tape) + y
                    } else {
                        finish(i, h.matmul(w), activation)
                    }
                }
                Layer::Conv {
                    in_channels,
                    out_channels,
                    kernel,
                    stride,
                    padding,
                    in_len,
                    out_len,
                    activation,
                } => {
                    let geometry = Im2col {
                        batch,
                        in_len,
                        channels: in_channels,
                        kernel,
                        stride,
                        padding,
                        out_len,
                    };
                    // The network's input needs no gradient.
                    let cols = im2col(&self.dev, h, geometry, i > 0);
                    let a = finish(i, cols.matmul(w), Some(activation));
                    // Flatten (position, channel) per example for what follows.
                    a.reshape_like(&(batch, out_len * out_channels))
                }
            };
        }
        (h, stats)
    }

    /// The network's outputs for `n` examples (`x` is `n × inputs`), without gradients, in
    /// chunks of at most `chunk` examples.
    pub fn outputs(&mut self, x: &[f32], n: usize) -> Result<Vec<f32>, StepError> {
        self.check_input(x, n)?;
        const CHUNK: usize = 1000;
        let d = self.arch.inputs;
        let mut out = Vec::with_capacity(n * self.arch.outputs());
        for start in (0..n).step_by(CHUNK) {
            let m = CHUNK.min(n - start);
            let xt = self
                .dev
                .tensor_from_vec(x[start * d..(start + m) * d].to_vec(), (m, d));
            out.extend(self.forward(xt, m, false).0.as_vec());
        }
        Ok(out)
    }

    /// The outputs of a training forward pass (batch norm with the batch's statistics, running
    /// averages left alone), for tests.
    #[cfg(test)]
    pub(crate) fn training_outputs(&self, x: &[f32], n: usize) -> Vec<f32> {
        let xt = self.dev.tensor_from_vec(x.to_vec(), (n, self.arch.inputs));
        self.forward(xt, n, true).0.as_vec()
    }

    /// One optimiser step on a batch: forward, loss, backward, update with learning rate `lr`.
    /// Returns the batch loss (before the update).
    pub fn step(
        &mut self,
        x: &[f32],
        labels: &[u8],
        loss: Loss,
        optimizer: &Optimizer,
        lr: f64,
    ) -> Result<f32, StepError> {
        let batch = labels.len();
        self.check_input(x, batch)?;
        if batch < 2 && self.norms.iter().any(Option::is_some) {
            return Err(StepError::Shape(
                "batch norm needs at least 2 examples per training batch, found 1".into(),
            ));
        }
        let k = self.arch.outputs();
        if let Some(&y) = labels.iter().find(|&&y| y as usize >= k) {
            return Err(StepError::Shape(format!(
                "label {y} is not below the {k} outputs"
            )));
        }
        let mut target = vec![0.0f32; batch * k];
        for (row, &y) in labels.iter().enumerate() {
            target[row * k + y as usize] = 1.0;
        }
        let xt = self
            .dev
            .tensor_from_vec(x.to_vec(), (batch, self.arch.inputs));
        let (out, stats) = self.forward(xt.leaky_trace(), batch, true);
        let loss_t = match loss {
            Loss::CrossEntropy => cross_entropy(&self.dev, out, target),
            Loss::LeastSquares => mse_loss(out, self.dev.tensor_from_vec(target, (batch, k))),
        };
        let value = loss_t.array();
        if !value.is_finite() {
            return Err(StepError::NonFinite(value));
        }
        let mut grads = loss_t.backward();
        self.steps += 1;
        for (w, b) in self.w.iter_mut().zip(self.b.iter_mut()) {
            update(
                w,
                &mut grads,
                &mut self.moment1,
                &mut self.moment2,
                optimizer,
                lr,
                self.steps,
            );
            update(
                b,
                &mut grads,
                &mut self.moment1,
                &mut self.moment2,
                optimizer,
                lr,
                self.steps,
            );
        }
        for n in self.norms.iter_mut().flatten() {
            for p in [&mut n.gamma, &mut n.beta] {
                update(
                    p,
                    &mut grads,
                    &mut self.moment1,
                    &mut self.moment2,
                    optimizer,
                    lr,
                    self.steps,
                );
            }
        }
        // Running averages (PyTorch's rule, the unbiased batch variance).
        let unbias = batch as f64 / (batch - 1).max(1) as f64;
        for (i, mean, var) in stats {
            let n = self.norms[i]
                .as_mut()
                .expect("statistics come from batch norm layers");
            for (r, m) in n.mean.iter_mut().zip(&mean) {
                *r = ((1.0 - BN_MOMENTUM) * *r as f64 + BN_MOMENTUM * m) as f32;
            }
            for (r, v) in n.var.iter_mut().zip(&var) {
                *r = ((1.0 - BN_MOMENTUM) * *r as f64 + BN_MOMENTUM * v * unbias) as f32;
            }
        }
        Ok(value)
    }
}

/// A tensor's values in row-major order, copied as one block. Every tensor the network's ops
/// read is stored that way (made by `tensor_from_vec`, a matrix product, an element-wise op or a
/// reshape of one); dfdx's `as_vec` walks them one strided index at a time instead, which cost a
/// sixth of a CNN training step. Debug builds (the tests) check the block against `as_vec`.
fn values<S: Shape, T>(t: &Tensor<S, f32, Cpu, T>) -> Vec<f32> {
    let mut v = vec![0.0f32; t.shape().num_elements()];
    t.copy_into(&mut v);
    debug_assert!(
        v.iter()
            .zip(t.as_vec())
            .all(|(a, b)| a.to_bits() == b.to_bits()),
        "a tensor the network reads is not stored in row-major order"
    );
    v
}

/// Moves the gradient with respect to an op's output out of `grads`, for the op's backward pass
/// to read while it writes its inputs' gradients (which live in the same map). Only the op that
/// made a tensor reads its gradient, once, so nothing reads the emptied entry after this.
fn take_gradient(grads: &mut Gradients<f32, Cpu>, out: &Mat) -> Result<Vec<f32>, CpuError> {
    Ok(std::mem::take(&mut **grads.get_or_alloc_mut(out)?))
}

/// The shape of one convolution's im2col.
#[derive(Clone, Copy, Debug)]
struct Im2col {
    batch: usize,
    in_len: usize,
    channels: usize,
    kernel: usize,
    stride: usize,
    padding: usize,
    out_len: usize,
}

impl Im2col {
    /// For output row (example e, position t) and tap k: the input row, or `None` in the padding.
    fn source(&self, e: usize, t: usize, k: usize) -> Option<usize> {
        let pos = (t * self.stride + k).checked_sub(self.padding)?;
        (pos < self.in_len).then_some(e * self.in_len + pos)
    }
}

/// im2col as one differentiable op: rows `(example, position)` of `h` (channels-last,
/// `batch·in_len × channels`) become rows `(example, output position)` holding the `kernel`
/// input rows each output position sees, zeros in the padding (`batch·out_len × kernel·channels`).
/// The backward pass adds each column block's gradient back onto the row it came from; with
/// `backward` false (`h` is the network's input, whose gradient nothing reads) there is none.
/// (dfdx's `gather` does the same job element by element, several times slower.)
fn im2col<T: Tape<f32, Cpu>>(dev: &Cpu, h: Mat<T>, g: Im2col, backward: bool) -> Mat<T> {
    let (inp, mut tape) = h.split_tape();
    let src = values(&inp);
    let c = g.channels;
    let width = g.kernel * c;
    let mut cols = vec![0.0f32; g.batch * g.out_len * width];
    for e in 0..g.batch {
        for t in 0..g.out_len {
            let row = (e * g.out_len + t) * width;
            for k in 0..g.kernel {
                if let Some(r) = g.source(e, t, k) {
                    cols[row + k * c..row + (k + 1) * c].copy_from_slice(&src[r * c..(r + 1) * c]);
                }
            }
        }
    }
    let out: Mat = dev.tensor_from_vec(cols, (g.batch * g.out_len, width));
    if !(backward && T::OWNS_TAPE) {
        return out.put_tape(tape);
    }
    let out_id = out.clone();
    tape.add_backward_op(move |grads| {
        let g_out = take_gradient(grads, &out_id)?;
        let g_in = grads.get_or_alloc_mut(&inp)?;
        for e in 0..g.batch {
            for t in 0..g.out_len {
                let row = (e * g.out_len + t) * width;
                for k in 0..g.kernel {
                    if let Some(r) = g.source(e, t, k) {
                        for (d, s) in g_in[r * c..(r + 1) * c]
                            .iter_mut()
                            .zip(&g_out[row + k * c..row + (k + 1) * c])
                        {
                            *d += s;
                        }
                    }
                }
            }
        }
        Ok(())
    });
    out.put_tape(tape)
}

/// `z + b`, `b` added to every row of `z` (`rows × units`), and with `relu` then `max(·, 0)`, as
/// one differentiable op (dfdx's broadcast add walks every element through strided indices,
/// forward and back, and its ReLU is one more pass and buffer each way). The backward pass is
/// dfdx's, fused: ReLU's `0 + [y > 0]·∂L/∂y` (its gradient buffer starts at zero), added to
/// `z`'s gradient, and its column sums, rows in order, added to `b`'s: the same operations in the
/// same order as dfdx's add and ReLU, so the results are the same bits.
fn add_bias<T: Tape<f32, Cpu>>(dev: &Cpu, z: Mat<T>, b: &Vector, relu: bool) -> Mat<T> {
    let (inp, mut tape) = z.split_tape();
    let (rows, c) = *inp.shape();
    let bias = values(b);
    let mut y = values(&inp);
    // With ReLU, also where it passes the gradient: its derivative, 1 above zero, 0 elsewhere.
    let mut pass = Vec::with_capacity(if relu { y.len() } else { 0 });
    for row in y.chunks_exact_mut(c) {
        if relu {
            row.iter_mut()
                .zip(&bias)
                .for_each(|(v, b)| *v = (*v + b).max(0.0));
            pass.extend(row.iter().map(|&v| v > 0.0));
        } else {
            row.iter_mut().zip(&bias).for_each(|(v, b)| *v += b);
        }
    }
    let out: Mat = dev.tensor_from_vec(y, (rows, c));
    if T::OWNS_TAPE {
        let (out_id, b) = (out.clone(), b.clone());
        tape.add_backward_op(move |grads| {
            let mut g_out = take_gradient(grads, &out_id)?;
            if relu {
                for (g, &pass) in g_out.iter_mut().zip(&pass) {
                    *g = 0.0 + if pass { 1.0 } else { 0.0 } * *g;
                }
            }
            let g_in = grads.get_or_alloc_mut(&inp)?;
            g_in.iter_mut().zip(&g_out).for_each(|(d, g)| *d += g);
            let g_b = grads.get_or_alloc_mut(&b)?;
            for row in g_out.chunks_exact(c) {
                g_b.iter_mut().zip(row).for_each(|(d, g)| *d += g);
            }
            Ok(())
        });
    }
    out.put_tape(tape)
}

/// Softmax cross-entropy of `logits` against target probabilities `target` (both `rows × k`,
/// row-major; one-hot for class labels), averaged over the rows (UDL eq. 5.24), as one
/// differentiable op. It is dfdx's `cross_entropy_with_logits_loss`,
/// `−mean(log_softmax(z) ⊙ t) / (1/k)` with `log_softmax(z) = (z − max z) −
/// ln Σ exp(z − max z)`, replayed operation for operation, forward and backward, so the loss and
/// the gradient are the same bits; dfdx runs it as nine ops over strided reductions, each with
/// its own buffers (a sixteenth of an MLP step).
fn cross_entropy<T: Tape<f32, Cpu>>(
    dev: &Cpu,
    logits: Mat<T>,
    target: Vec<f32>,
) -> Tensor<(), f32, Cpu, T> {
    let (inp, mut tape) = logits.split_tape();
    let (rows, k) = *inp.shape();
    assert_eq!(target.len(), rows * k, "one target per logit");
    let z = values(&inp);
    // The exponentials and their row sums, kept (with the targets) for the backward pass.
    let (mut e, mut sums) = (vec![0.0f32; rows * k], Vec::with_capacity(rows));
    // Σ log_softmax(z)·t over the rows in order.
    let mut total = 0.0f32;
    for (r, (zr, er)) in z.chunks_exact(k).zip(e.chunks_exact_mut(k)).enumerate() {
        let max = zr.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
        let mut sum = 0.0f32;
        for (ev, &zv) in er.iter_mut().zip(zr) {
            *ev = (zv - max).exp();
            sum += *ev;
        }
        let lse = sum.ln();
        for (&zv, &tv) in zr.iter().zip(&target[r * k..(r + 1) * k]) {
            total += ((zv - max) - lse) * tv;
        }
        sums.push(sum);
    }
    let inv_n = (1.0 / (rows * k) as f64) as f32;
    let inv_k = (1.0 / k as f64) as f32;
    let loss = -(total * 1.0 * inv_n) / inv_k;
    let out: Tensor<(), f32, Cpu> = dev.tensor(loss);
    if T::OWNS_TAPE {
        let out_id = out.clone();
        tape.add_backward_op(move |grads| {
            let g_loss = grads.get_or_alloc_mut(&out_id)?[0];
            // The scalar ops' gradients: ÷(1/k), negation, ×(1/n), the sum's broadcast.
            let g_neg = 0.0 + (1.0 / inv_k) * g_loss;
            let g_mean = 0.0 + -g_neg; // (−1)·g, exactly
            let g_sum = 0.0 + inv_n * g_mean;
            let g_prod = 0.0 + g_sum * 1.0;
            let g_in = grads.get_or_alloc_mut(&inp)?;
            for (r, sum) in sums.iter().enumerate() {
                let row = r * k..(r + 1) * k;
                // Through ⊙ t into log_softmax; its `(z − max) − lse` passes the gradient to z
                // and, negated and summed, to lse.
                let mut g_lse = 0.0f32;
                for (g, &tv) in g_in[row.clone()].iter_mut().zip(&target[row.clone()]) {
                    let g_logp = 0.0 + tv * g_prod;
                    *g += 1.0 * g_logp;
                    g_lse += -g_logp;
                }
                // Then through ln, the row sum and exp, back to z.
                let g_row_sum = 0.0 + sum.recip() * g_lse;
                let g_exp = 0.0 + g_row_sum;
                for (g, &ev) in g_in[row.clone()].iter_mut().zip(&e[row]) {
                    *g += ev * g_exp;
                }
            }
            Ok(())
        });
    }
    out.put_tape(tape)
}

/// Batch norm of `z` (`rows × units`) as one differentiable op:
/// `y = γ·(z − μ)/√(σ² + ε) + δ` per unit (column). With `fixed = None`, μ and σ² are the
/// column's mean and biased variance over the rows, returned for the running averages, and the
/// backward pass differentiates through them:
/// `∂L/∂z = γ/√(σ² + ε) · (g − mean(g) − x̂·mean(g·x̂))` with `g = ∂L/∂y` and `x̂` the normalised
/// values; with `fixed = Some((μ, σ²))` the op is affine and `∂L/∂z = γ/√(σ² + ε) · g`. Both add
/// `Σ g·x̂` to γ's gradient and `Σ g` to δ's. Statistics and sums are accumulated in f64, rows in
/// order.
fn batch_norm<T: Tape<f32, Cpu>>(
    dev: &Cpu,
    z: Mat<T>,
    gamma: &Vector,
    beta: &Vector,
    fixed: Option<(&[f32], &[f32])>,
) -> (Mat<T>, Option<MeanVar>) {
    let (inp, mut tape) = z.split_tape();
    let (rows, c) = *inp.shape();
    let src = values(&inp);
    let (mean, var): MeanVar = match fixed {
        Some((m, v)) => (
            m.iter().map(|&x| x as f64).collect(),
            v.iter().map(|&x| x as f64).collect(),
        ),
        None => {
            let mut mean = vec![0.0f64; c];
            for row in src.chunks_exact(c) {
                mean.iter_mut().zip(row).for_each(|(m, &x)| *m += x as f64);
            }
            mean.iter_mut().for_each(|m| *m /= rows as f64);
            let mut var = vec![0.0f64; c];
            for row in src.chunks_exact(c) {
                for ((v, &x), m) in var.iter_mut().zip(row).zip(&mean) {
                    *v += (x as f64 - m) * (x as f64 - m);
                }
            }
            var.iter_mut().for_each(|v| *v /= rows as f64);
            (mean, var)
        }
    };
    let inv: Vec<f64> = var.iter().map(|v| 1.0 / (v + BN_EPS).sqrt()).collect();
    let (g, d) = (values(gamma), values(beta));
    let mut xhat = vec![0.0f32; rows * c];
    let mut y = vec![0.0f32; rows * c];
    for ((xr, yr), zr) in xhat
        .chunks_exact_mut(c)
        .zip(y.chunks_exact_mut(c))
        .zip(src.chunks_exact(c))
    {
        for j in 0..c {
            xr[j] = ((zr[j] as f64 - mean[j]) * inv[j]) as f32;
            yr[j] = g[j] * xr[j] + d[j];
        }
    }
    let out: Mat = dev.tensor_from_vec(y, (rows, c));
    if T::OWNS_TAPE {
        let (out_id, gamma, beta) = (out.clone(), gamma.clone(), beta.clone());
        let batch_stats = fixed.is_none();
        tape.add_backward_op(move |grads| {
            let g_out = take_gradient(grads, &out_id)?;
            let (mut sum_g, mut sum_gx) = (vec![0.0f64; c], vec![0.0f64; c]);
            for (gr, xr) in g_out.chunks_exact(c).zip(xhat.chunks_exact(c)) {
                for j in 0..c {
                    sum_g[j] += gr[j] as f64;
                    sum_gx[j] += gr[j] as f64 * xr[j] as f64;
                }
            }
            let g_in = grads.get_or_alloc_mut(&inp)?;
            let n = rows as f64;
            for ((dr, gr), xr) in g_in
                .chunks_exact_mut(c)
                .zip(g_out.chunks_exact(c))
                .zip(xhat.chunks_exact(c))
            {
                for j in 0..c {
                    let scale = g[j] as f64 * inv[j];
                    let dz = if batch_stats {
                        scale * (gr[j] as f64 - sum_g[j] / n - xr[j] as f64 * sum_gx[j] / n)
                    } else {
                        scale * gr[j] as f64
                    };
                    dr[j] += dz as f32;
                }
            }
            let g_gamma = grads.get_or_alloc_mut(&gamma)?;
            g_gamma
                .iter_mut()
                .zip(&sum_gx)
                .for_each(|(d, s)| *d += *s as f32);
            let g_beta = grads.get_or_alloc_mut(&beta)?;
            g_beta
                .iter_mut()
                .zip(&sum_g)
                .for_each(|(d, s)| *d += *s as f32);
            Ok(())
        });
    }
    (out.put_tape(tape), fixed.is_none().then_some((mean, var)))
}

fn activate<T: Tape<f32, Cpu>>(z: Mat<T>, a: Option<NetActivation>) -> Mat<T> {
    match a {
        None | Some(NetActivation::Linear) => z,
        Some(NetActivation::Relu) => z.relu(),
        Some(NetActivation::Tanh) => z.tanh(),
        Some(NetActivation::Sigmoid) => z.sigmoid(),
    }
}

fn update<S: Shape>(
    p: &mut Tensor<S, f32, Cpu>,
    grads: &mut Gradients<f32, Cpu>,
    m1: &mut Gradients<f32, Cpu>,
    m2: &mut Gradients<f32, Cpu>,
    optimizer: &Optimizer,
    lr: f64,
    t: i32,
) {
    let g = grads
        .get_or_alloc_mut(p)
        .expect("CPU allocation cannot fail");
    let v = m1.get_or_alloc_mut(p).expect("CPU allocation cannot fail");
    match *optimizer {
        Optimizer::Sgd {
            momentum,
            nesterov,
            weight_decay,
        } => {
            let cfg = SgdConfig {
                lr,
                momentum: (momentum > 0.0).then_some(if nesterov {
                    Momentum::Nesterov(momentum)
                } else {
                    Momentum::Classic(momentum)
                }),
                weight_decay: (weight_decay > 0.0).then_some(WeightDecay::L2(weight_decay)),
            };
            cfg.try_update(p, v, g).expect("CPU update cannot fail");
        }
        Optimizer::Adam {
            betas,
            eps,
            weight_decay,
            decoupled,
        } => {
            let s = m2.get_or_alloc_mut(p).expect("CPU allocation cannot fail");
            let cfg = AdamConfig {
                lr,
                betas,
                eps,
                weight_decay: (weight_decay > 0.0).then_some(if decoupled {
                    WeightDecay::Decoupled(weight_decay)
                } else {
                    WeightDecay::L2(weight_decay)
                }),
            };
            cfg.try_update(t, p, v, s, g)
                .expect("CPU update cannot fail");
        }
    }
}

/// GFLOP/s of a plain `n × n` by `n × n` dfdx matmul (median of `repeats`), the reference for
/// how close a training step comes to the machine's matrix-product rate.
pub fn gemm_gflops(n: usize, repeats: usize) -> f64 {
    default_threading();
    let dev = Cpu::default();
    let a: Mat = dev.tensor_from_vec((0..n * n).map(|i| (i % 7) as f32 * 0.1).collect(), (n, n));
    let b: Mat = dev.tensor_from_vec((0..n * n).map(|i| (i % 5) as f32 * 0.1).collect(), (n, n));
    let _ = a.clone().matmul(b.clone());
    let mut times: Vec<f64> = (0..repeats.max(1))
        .map(|_| {
            let start = std::time::Instant::now();
            let c = a.clone().matmul(b.clone());
            std::hint::black_box(c);
            start.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    2.0 * (n as f64).powi(3) / times[times.len() / 2] / 1e9
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(n: usize, phase: f32) -> Vec<f32> {
        (0..n)
            .map(|i| (i as f32 * 0.7311 + phase).sin() * 3.1)
            .collect()
    }

    fn bits(v: Vec<f32>) -> Vec<u32> {
        v.into_iter().map(f32::to_bits).collect()
    }

    /// The fused bias add, with and without its ReLU, gives dfdx's broadcast add (and ReLU) bit
    /// for bit: the outputs, and the gradients of both inputs under a loss with a different
    /// weight on every output.
    #[test]
    fn add_bias_is_dfdx_broadcast_add_and_relu_bit_for_bit() {
        let dev = Cpu::default();
        let (rows, c) = (37, 13);
        let mut zs = values(rows * c, 0.3);
        // Pre-activations exactly zero, where ReLU's derivative is taken as 0.
        let bias = values(c, 1.9);
        for j in 0..c {
            zs[5 * c + j] = -bias[j];
        }
        let z: Mat = dev.tensor_from_vec(zs, (rows, c));
        let b: Vector = dev.tensor_from_vec(bias, (c,));
        let r: Mat = dev.tensor_from_vec(values(rows * c, 2.7), (rows, c));
        for relu in [false, true] {
            let sum = z.clone().leaky_trace()
                + b.clone()
                    .retaped::<OwnedTape<f32, Cpu>>()
                    .broadcast_like::<_, Axis<0>>(&(rows, c));
            let dfdx = if relu { sum.relu() } else { sum };
            let fused = add_bias(&dev, z.clone().leaky_trace(), &b, relu);
            assert_eq!(bits(dfdx.as_vec()), bits(fused.as_vec()), "relu {relu}");

            let g_dfdx = (dfdx * r.clone()).sum().backward();
            let g_fused = (fused * r.clone()).sum().backward();
            assert_eq!(
                bits(g_dfdx.get(&z).as_vec()),
                bits(g_fused.get(&z).as_vec()),
                "relu {relu}"
            );
            let g_b = g_fused.get(&b).as_vec();
            assert_eq!(
                bits(g_dfdx.get(&b).as_vec()),
                bits(g_b.clone()),
                "relu {relu}"
            );
            // And not trivially: the bias gradient sums many different rows, and ReLU cuts
            // some of them.
            assert!(g_b.iter().all(|g| g.abs() > 1e-3), "relu {relu}");
        }
        let y = add_bias(&dev, z.clone(), &b, true).as_vec();
        assert!(y.contains(&0.0) && y.iter().any(|&v| v > 0.0));
    }

    /// The fused cross-entropy gives dfdx's `cross_entropy_with_logits_loss` bit for bit, against
    /// one-hot and soft targets: the loss, and the gradient of the logits, which reaches every
    /// logit (through the softmax).
    #[test]
    fn cross_entropy_is_dfdx_cross_entropy_bit_for_bit() {
        let dev = Cpu::default();
        let (rows, k) = (37, 10);
        let mut zs = values(rows * k, 0.8);
        // A row with a tie for the maximum, and one of large logits.
        zs[3 * k + 2] = zs[3 * k..4 * k].iter().cloned().fold(f32::MIN, f32::max);
        zs[7 * k..8 * k].iter_mut().for_each(|v| *v *= 40.0);
        let z: Mat = dev.tensor_from_vec(zs, (rows, k));
        let labels: Vec<u8> = (0..rows).map(|r| ((r * 7) % k) as u8).collect();
        let mut onehot = vec![0.0f32; rows * k];
        for (r, &y) in labels.iter().enumerate() {
            onehot[r * k + y as usize] = 1.0;
        }
        // And soft targets: every row a different distribution over the classes.
        let soft: Vec<f32> = values(rows * k, 4.1)
            .chunks_exact(k)
            .flat_map(|row| {
                let w: Vec<f32> = row.iter().map(|v| v.abs() + 0.1).collect();
                let total: f32 = w.iter().sum();
                w.into_iter().map(move |v| v / total)
            })
            .collect();
        for target in [onehot, soft] {
            let t: Mat = dev.tensor_from_vec(target.clone(), (rows, k));
            let theirs = cross_entropy_with_logits_loss(z.clone().leaky_trace(), t);
            let ours = cross_entropy(&dev, z.clone().leaky_trace(), target);
            assert_eq!(theirs.array().to_bits(), ours.array().to_bits());
            let (g_theirs, g_ours) = (theirs.backward(), ours.backward());
            let g = g_ours.get(&z).as_vec();
            assert_eq!(bits(g_theirs.get(&z).as_vec()), bits(g.clone()));
            // Not trivially: every logit has a gradient, except where the large row's softmax
            // underflows.
            assert!(g.iter().enumerate().all(|(i, v)| *v != 0.0 || i / k == 7));
        }
    }
}
