//! Two-parameter losses of UDL chapters 2, 6 and 9, as [`Objective`]s with analytic gradients.
//!
//! - [`LinearRegressionLoss`] (UDL eq. 2.5 / 6.5): `L[φ] = Σ_i (φ0 + φ1·x_i − y_i)²`, with
//!   `φ0` the intercept and `φ1` the slope; gradient UDL eq. 6.7,
//!   `∂ℓ_i/∂φ = (2(φ0 + φ1 x_i − y_i), 2 x_i (φ0 + φ1 x_i − y_i))`. Figures 2.2–2.4, 6.1.
//! - [`GaborLoss`] (UDL eq. 6.8–6.9): model `f[x, φ] = sin(z)·exp(−z²/32)` with
//!   `z = φ0 + 0.06·φ1·x`, loss `L[φ] = Σ_i (f[x_i, φ] − y_i)²`. With
//!   `f'(z) = exp(−z²/32)·(cos z − z·sin z / 16)`, `∂ℓ_i/∂φ0 = 2 (f − y_i) f'(z)` and
//!   `∂ℓ_i/∂φ1 = 2 (f − y_i) f'(z) · 0.06 x_i`. Figures 6.2–6.7, 9.1, 9.4.
//! - [`AnisotropicBowl`] (fig. 6.9, NB 6_5): `L[φ] = 1 − exp(−2φ1²)·exp(−(φ0 − 0.7)²/8)`, steep
//!   in `φ1` and shallow in `φ0`, minimum 0 at `(0.7, 0)`.
//! - [`ValleyLoss`] (fig. 9.3, NB 9_2): `L[φ] = 1 − exp(−φ1²/(2s²))` with `s = exp(−2φ0²)`: a
//!   valley of minima along `φ1 = 0` that narrows as `|φ0|` grows.
//! - [`L2Penalty`] (UDL eq. 9.5, fig. 9.1, NB 9_1): `L[φ] + λ·Σ_k (φ_k − c_k)²`; the figure uses
//!   `c = (0, 12.5)`, i.e. `λ·(φ0² + (φ1 − 12.5)²)`.
//! - [`GradNormPenalty`] (UDL eq. 9.8, fig. 9.3): the loss gradient descent with step `α`
//!   implicitly follows, `L[φ] + (α/4)·‖∂L/∂φ‖²`.
//!
//! The data losses are [`BatchObjective`]s whose items are the data pairs, so SGD can run on them.

use crate::objective::{BatchObjective, Objective};
use crate::optim::OptimError;

/// Checks a set of `(x, y)` pairs: equal lengths, at least one pair, all values finite.
fn check_pairs(what: &str, x: &[f64], y: &[f64]) -> Result<(), OptimError> {
    if x.len() != y.len() {
        return Err(OptimError::InvalidData(format!(
            "{what}: {} x values but {} y values",
            x.len(),
            y.len()
        )));
    }
    if x.is_empty() {
        return Err(OptimError::InvalidData(format!("{what}: no data points")));
    }
    if let Some(i) = (0..x.len()).find(|&i| !x[i].is_finite() || !y[i].is_finite()) {
        return Err(OptimError::InvalidData(format!(
            "{what}: point {i} is not finite (x = {}, y = {})",
            x[i], y[i]
        )));
    }
    Ok(())
}

/// Sum of squared residuals over `items`, for a model `f(p, x)`.
fn sse(p: &[f64], x: &[f64], y: &[f64], items: &[usize], f: impl Fn(&[f64], f64) -> f64) -> f64 {
    items.iter().map(|&i| (f(p, x[i]) - y[i]).powi(2)).sum()
}

/// Gradient of the sum of squared residuals over `items`, for a model with value and
/// parameter derivatives `f(p, x) = (f, ∂f/∂φ0, ∂f/∂φ1)`.
fn sse_grad(
    p: &[f64],
    x: &[f64],
    y: &[f64],
    items: &[usize],
    g: &mut [f64],
    f: impl Fn(&[f64], f64) -> (f64, f64, f64),
) {
    let (mut g0, mut g1) = (0.0, 0.0);
    for &i in items {
        let (v, d0, d1) = f(p, x[i]);
        let r = 2.0 * (v - y[i]);
        g0 += r * d0;
        g1 += r * d1;
    }
    g[0] = g0;
    g[1] = g1;
}

/// Least-squares loss of the line `y = φ0 + φ1·x` on data pairs (UDL eq. 2.5, 6.5).
#[derive(Clone, Debug, PartialEq)]
pub struct LinearRegressionLoss {
    x: Vec<f64>,
    y: Vec<f64>,
    all: Vec<usize>,
}

impl LinearRegressionLoss {
    /// The loss on the pairs `(x[i], y[i])`; fails on mismatched lengths, no points or
    /// non-finite values.
    pub fn new(x: Vec<f64>, y: Vec<f64>) -> Result<Self, OptimError> {
        check_pairs("linear regression", &x, &y)?;
        let all = (0..x.len()).collect();
        Ok(LinearRegressionLoss { x, y, all })
    }

    /// The loss on a data set's pairs.
    pub fn from_dataset(data: &data::Dataset) -> Result<Self, OptimError> {
        Self::new(data.x.clone(), data.y.clone())
    }

    /// The line `φ0 + φ1·x`.
    pub fn model(p: &[f64], x: f64) -> f64 {
        p[0] + p[1] * x
    }
}

impl Objective for LinearRegressionLoss {
    fn dim(&self) -> usize {
        2
    }
    fn loss(&self, p: &[f64]) -> f64 {
        self.loss_batch(p, &self.all)
    }
    fn grad(&self, p: &[f64], g: &mut [f64]) {
        self.grad_batch(p, &self.all, g)
    }
}

impl BatchObjective for LinearRegressionLoss {
    fn num_items(&self) -> usize {
        self.x.len()
    }
    fn loss_batch(&self, p: &[f64], items: &[usize]) -> f64 {
        sse(p, &self.x, &self.y, items, Self::model)
    }
    fn grad_batch(&self, p: &[f64], items: &[usize], g: &mut [f64]) {
        sse_grad(p, &self.x, &self.y, items, g, |p, x| {
            (Self::model(p, x), 1.0, x)
        })
    }
}

/// The Gabor model of UDL eq. 6.8: `sin(z)·exp(−z²/32)` with `z = φ0 + 0.06·φ1·x`.
pub fn gabor(phi0: f64, phi1: f64, x: f64) -> f64 {
    let z = phi0 + 0.06 * phi1 * x;
    z.sin() * (-z * z / 32.0).exp()
}

/// The Gabor model and its derivatives `(f, ∂f/∂φ0, ∂f/∂φ1)`.
fn gabor_with_derivatives(p: &[f64], x: f64) -> (f64, f64, f64) {
    let z = p[0] + 0.06 * p[1] * x;
    let (s, c) = z.sin_cos();
    let e = (-z * z / 32.0).exp();
    let dz = e * (c - z * s / 16.0);
    (s * e, dz, dz * 0.06 * x)
}

/// Least-squares loss of the Gabor model on data pairs (UDL eq. 6.9).
#[derive(Clone, Debug, PartialEq)]
pub struct GaborLoss {
    x: Vec<f64>,
    y: Vec<f64>,
    all: Vec<usize>,
}

impl GaborLoss {
    /// The loss on the pairs `(x[i], y[i])`; fails on mismatched lengths, no points or
    /// non-finite values.
    pub fn new(x: Vec<f64>, y: Vec<f64>) -> Result<Self, OptimError> {
        check_pairs("Gabor", &x, &y)?;
        let all = (0..x.len()).collect();
        Ok(GaborLoss { x, y, all })
    }

    /// The loss on a data set's pairs.
    pub fn from_dataset(data: &data::Dataset) -> Result<Self, OptimError> {
        Self::new(data.x.clone(), data.y.clone())
    }
}

impl Objective for GaborLoss {
    fn dim(&self) -> usize {
        2
    }
    fn loss(&self, p: &[f64]) -> f64 {
        self.loss_batch(p, &self.all)
    }
    fn grad(&self, p: &[f64], g: &mut [f64]) {
        self.grad_batch(p, &self.all, g)
    }
}

impl BatchObjective for GaborLoss {
    fn num_items(&self) -> usize {
        self.x.len()
    }
    fn loss_batch(&self, p: &[f64], items: &[usize]) -> f64 {
        sse(p, &self.x, &self.y, items, |p, x| gabor(p[0], p[1], x))
    }
    fn grad_batch(&self, p: &[f64], items: &[usize], g: &mut [f64]) {
        sse_grad(p, &self.x, &self.y, items, g, gabor_with_derivatives)
    }
}

/// The anisotropic bowl of UDL fig. 6.9 (NB 6_5):
/// `L[φ] = 1 − exp(−2φ1²)·exp(−(φ0 − 0.7)²/8)`, minimum 0 at `(0.7, 0)`.
///
/// Gradient: with `E = exp(−2φ1²)·exp(−(φ0 − 0.7)²/8)`, `∂L/∂φ0 = E·(φ0 − 0.7)/4` and
/// `∂L/∂φ1 = 4·E·φ1`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct AnisotropicBowl;

impl AnisotropicBowl {
    fn height(p: &[f64]) -> f64 {
        let d0 = p[0] - 0.7;
        (-2.0 * p[1] * p[1]).exp() * (-d0 * d0 / 8.0).exp()
    }
}

impl Objective for AnisotropicBowl {
    fn dim(&self) -> usize {
        2
    }
    fn loss(&self, p: &[f64]) -> f64 {
        1.0 - Self::height(p)
    }
    fn grad(&self, p: &[f64], g: &mut [f64]) {
        let e = Self::height(p);
        g[0] = e * (p[0] - 0.7) / 4.0;
        g[1] = 4.0 * e * p[1];
    }
}

/// The valley of minima of UDL fig. 9.3 (NB 9_2): `L[φ] = 1 − exp(−φ1²/(2s²))` with
/// `s = exp(−2φ0²)`. Every point with `φ1 = 0` is a global minimum (loss 0); the valley narrows
/// as `|φ0|` grows.
///
/// Gradient: with `u = φ1²/(2s²) = ½ φ1² exp(4φ0²)`, `∂L/∂φ0 = e^{−u}·4 φ0 φ1² exp(4φ0²)` and
/// `∂L/∂φ1 = e^{−u}·φ1 exp(4φ0²)` (zero where `e^{−u}` underflows).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ValleyLoss;

impl Objective for ValleyLoss {
    fn dim(&self) -> usize {
        2
    }
    fn loss(&self, p: &[f64]) -> f64 {
        let s = (-2.0 * p[0] * p[0]).exp();
        1.0 - (-0.5 * p[1] * p[1] / (s * s)).exp()
    }
    fn grad(&self, p: &[f64], g: &mut [f64]) {
        let w = (4.0 * p[0] * p[0]).exp(); // 1/s²
        let u = 0.5 * p[1] * p[1] * w;
        let e = (-u).exp();
        if e == 0.0 || !w.is_finite() {
            g[0] = 0.0;
            g[1] = 0.0;
            return;
        }
        g[0] = e * 4.0 * p[0] * p[1] * p[1] * w;
        g[1] = e * p[1] * w;
    }
}

/// An L2 (ridge) penalty around `center` added to another loss (UDL eq. 9.5):
/// `L'[φ] = L[φ] + λ·Σ_k (φ_k − c_k)²`, gradient `∂L/∂φ + 2λ(φ − c)`.
///
/// As a [`BatchObjective`] the whole penalty is added to every batch's loss, so a batch holding
/// every item still has the full loss.
#[derive(Clone, Debug, PartialEq)]
pub struct L2Penalty<O> {
    /// The unregularised loss.
    pub inner: O,
    /// Regularisation weight `λ ≥ 0`.
    pub lambda: f64,
    /// The point the penalty pulls towards, of length `inner.dim()` (NB 9_1: `(0, 12.5)`).
    pub center: Vec<f64>,
}

impl<O> L2Penalty<O> {
    /// The penalty term alone, `λ·Σ_k (φ_k − c_k)²`.
    pub fn penalty(&self, p: &[f64]) -> f64 {
        let sum: f64 = p
            .iter()
            .zip(&self.center)
            .map(|(&v, &c)| (v - c) * (v - c))
            .sum();
        self.lambda * sum
    }

    fn add_penalty_grad(&self, p: &[f64], g: &mut [f64]) {
        for ((gk, &v), &c) in g.iter_mut().zip(p).zip(&self.center) {
            *gk += 2.0 * self.lambda * (v - c);
        }
    }
}

impl<O: Objective> Objective for L2Penalty<O> {
    fn dim(&self) -> usize {
        self.inner.dim()
    }
    fn loss(&self, p: &[f64]) -> f64 {
        self.inner.loss(p) + self.penalty(p)
    }
    fn grad(&self, p: &[f64], g: &mut [f64]) {
        self.inner.grad(p, g);
        self.add_penalty_grad(p, g);
    }
}

impl<O: BatchObjective> BatchObjective for L2Penalty<O> {
    fn num_items(&self) -> usize {
        self.inner.num_items()
    }
    fn loss_batch(&self, p: &[f64], items: &[usize]) -> f64 {
        self.inner.loss_batch(p, items) + self.penalty(p)
    }
    fn grad_batch(&self, p: &[f64], items: &[usize], g: &mut [f64]) {
        self.inner.grad_batch(p, items, g);
        self.add_penalty_grad(p, g);
    }
}

/// The implicit regularisation of gradient descent with step `α` (UDL eq. 9.8, fig. 9.3, NB 9_2):
/// `L̃[φ] = L[φ] + (α/4)·‖∂L/∂φ‖²`. Continuous gradient flow on `L̃` follows discrete GD on `L`.
///
/// The loss uses the inner analytic gradient; the gradient of `L̃` is the central finite
/// difference of `L̃` with step [`GradNormPenalty::FD_STEP`] (the notebook also differentiates
/// numerically).
#[derive(Clone, Debug, PartialEq)]
pub struct GradNormPenalty<O> {
    /// The loss `L`.
    pub inner: O,
    /// The gradient-descent step `α` whose implicit term is added.
    pub alpha: f64,
}

impl<O: Objective> GradNormPenalty<O> {
    /// Step of the central differences used by [`Objective::grad`].
    pub const FD_STEP: f64 = 1e-5;

    /// The implicit term alone, `(α/4)·‖∂L/∂φ‖²`.
    pub fn penalty(&self, p: &[f64]) -> f64 {
        let mut g = vec![0.0; self.inner.dim()];
        self.inner.grad(p, &mut g);
        0.25 * self.alpha * g.iter().map(|v| v * v).sum::<f64>()
    }
}

impl<O: Objective> Objective for GradNormPenalty<O> {
    fn dim(&self) -> usize {
        self.inner.dim()
    }
    fn loss(&self, p: &[f64]) -> f64 {
        self.inner.loss(p) + self.penalty(p)
    }
    fn grad(&self, p: &[f64], g: &mut [f64]) {
        let fd = crate::objective::finite_difference_gradient(self, p, Self::FD_STEP);
        g.copy_from_slice(&fd);
    }
}
