//! Explicit and implicit regularisation terms added to a loss (UDL sections 9.1 and 9.2).
//!
//! [`Regularised`] is the modified loss `L̃[φ] = L[φ] + P[φ] + G[φ] + S[φ]` with
//! - `L[φ] = Σ_i ℓ_i[φ]`, the data loss (a sum over the I items, as everywhere in this crate);
//! - `P[φ] = λ·Σ_k (φ_k − c_k)²`, the L2 penalty around a centre `c` (UDL eq. 9.5, fig. 9.1);
//! - `G[φ] = (α/4)·‖∂(L + P)/∂φ‖²`, the implicit regularisation of gradient descent with step
//!   `α`: continuous gradient flow on `L + P + G` follows discrete gradient descent on `L + P`
//!   to second order in `α` (UDL eq. 9.8, figs. 9.3 and 9.4b);
//! - `S[φ] = (α/4B)·Σ_b ‖∂L_b/∂φ − ∂L/∂φ‖²`, the additional implicit regularisation of SGD, over
//!   the `B` batches of one epoch (UDL eq. 9.9, fig. 9.4c). The book writes eq. 9.9 for mean
//!   losses, `L = (1/I)Σ_i ℓ_i` and `L_b = (1/|b|)Σ_{i∈b} ℓ_i`; with the sum losses used here the
//!   same formula is applied to `I` times those means, so `L_b = (I/|b|)·Σ_{i∈b} ℓ_i`, whose mean
//!   over a partition into equal batches is `L` itself. When one batch holds every item,
//!   `L_b = L` and `S = 0`. The penalty is the same in every batch, so it cancels in `S`.
//!
//! Gradients: `∂P/∂φ = 2λ(φ − c)`, `∂G/∂φ = (α/2)·H_{L+P}·∂(L + P)/∂φ` and
//! `∂S/∂φ = (α/2B)·Σ_b H_{D_b}·∂D_b/∂φ` with `D_b = L_b − L`, where `H_f·v` is the
//! Hessian-vector product of `f`, computed by [`hessian_vector_product`] from central
//! differences of the analytic gradient along `v`.

use crate::objective::{BatchObjective, Objective};
use crate::optim::OptimError;
use crate::rng::BatchSampler;

/// Step (along the unit direction) of the central differences in [`hessian_vector_product`].
pub const HVP_STEP: f64 = 1e-5;

/// `H·v`, the Hessian of a function with gradient `grad` at `p` times `v`, written into `out`:
/// `‖v‖·(∇f(p + h·v̂) − ∇f(p − h·v̂)) / 2h` with `v̂ = v/‖v‖` and `h` = [`HVP_STEP`] (exact for
/// quadratics, error `O(h²)` otherwise). Zero when `v = 0`.
pub fn hessian_vector_product(
    grad: &dyn Fn(&[f64], &mut [f64]),
    p: &[f64],
    v: &[f64],
    out: &mut [f64],
) {
    let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
    if norm == 0.0 {
        out.fill(0.0);
        return;
    }
    let h = HVP_STEP;
    let up: Vec<f64> = p.iter().zip(v).map(|(a, b)| a + h * b / norm).collect();
    let down: Vec<f64> = p.iter().zip(v).map(|(a, b)| a - h * b / norm).collect();
    let mut g_up = vec![0.0; p.len()];
    let mut g_down = vec![0.0; p.len()];
    grad(&up, &mut g_up);
    grad(&down, &mut g_down);
    for k in 0..p.len() {
        out[k] = norm * (g_up[k] - g_down[k]) / (2.0 * h);
    }
}

/// The values of the terms of [`Regularised`] at one point (zero for absent terms).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Terms {
    /// The data loss `L`.
    pub loss: f64,
    /// The L2 penalty `P`.
    pub penalty: f64,
    /// The implicit term of gradient descent `G`.
    pub gd: f64,
    /// The additional implicit term of SGD `S`.
    pub sgd: f64,
}

impl Terms {
    /// `L + P + G + S`.
    pub fn total(&self) -> f64 {
        self.loss + self.penalty + self.gd + self.sgd
    }
}

/// A loss with explicit (L2) and implicit (gradient descent, SGD) regularisation terms; see the
/// module documentation for the formulas.
pub struct Regularised<'a> {
    loss: &'a dyn Objective,
    penalty: Option<(f64, Vec<f64>)>,
    alpha: Option<f64>,
    /// The data loss as a sum over items, and the batches of one epoch, for `S`.
    batches: Option<(&'a dyn BatchObjective, Vec<Vec<usize>>)>,
}

impl<'a> Regularised<'a> {
    /// The loss alone (no terms yet).
    pub fn new(loss: &'a dyn Objective) -> Self {
        Regularised {
            loss,
            penalty: None,
            alpha: None,
            batches: None,
        }
    }

    /// Adds the L2 penalty `λ·Σ_k (φ_k − c_k)²`.
    pub fn with_penalty(mut self, lambda: f64, center: Vec<f64>) -> Self {
        self.penalty = Some((lambda, center));
        self
    }

    /// Adds the implicit term of gradient descent with step `alpha`, `(α/4)·‖∂(L + P)/∂φ‖²`.
    pub fn with_gd_term(mut self, alpha: f64) -> Self {
        self.alpha = Some(alpha);
        self
    }

    /// Adds the SGD term over `batches` (with the step of [`Regularised::with_gd_term`], which
    /// must be set); `items` is the same loss as a sum over items. Fails unless the batches are
    /// non-empty, hold valid item indices and cover every item exactly once.
    pub fn with_sgd_term(
        mut self,
        items: &'a dyn BatchObjective,
        batches: Vec<Vec<usize>>,
    ) -> Result<Self, OptimError> {
        let n = items.num_items();
        let mut seen = vec![false; n];
        for b in &batches {
            if b.is_empty() {
                return Err(OptimError::InvalidData("an empty batch".into()));
            }
            for &i in b {
                if i >= n || seen[i] {
                    return Err(OptimError::InvalidData(format!(
                        "the batches must split the {n} items exactly once each (item {i})"
                    )));
                }
                seen[i] = true;
            }
        }
        if seen.iter().any(|s| !s) {
            return Err(OptimError::InvalidData(format!(
                "the batches must cover all {n} items"
            )));
        }
        self.batches = Some((items, batches));
        Ok(self)
    }

    /// The gradient of `L + P`.
    fn grad_loss_penalty(&self, p: &[f64], g: &mut [f64]) {
        self.loss.grad(p, g);
        if let Some((lambda, c)) = &self.penalty {
            for k in 0..g.len() {
                g[k] += 2.0 * lambda * (p[k] - c[k]);
            }
        }
    }

    /// `∂D_b/∂φ = (I/|b|)·Σ_{i∈b} ∂ℓ_i/∂φ − ∂L/∂φ`.
    fn grad_batch_deviation(items: &dyn BatchObjective, b: &[usize], p: &[f64], g: &mut [f64]) {
        let scale = items.num_items() as f64 / b.len() as f64;
        let mut full = vec![0.0; g.len()];
        items.grad_batch(p, b, g);
        items.grad(p, &mut full);
        for k in 0..g.len() {
            g[k] = scale * g[k] - full[k];
        }
    }

    /// Every term at `p`.
    pub fn terms(&self, p: &[f64]) -> Terms {
        let mut t = Terms {
            loss: self.loss.loss(p),
            ..Terms::default()
        };
        if let Some((lambda, c)) = &self.penalty {
            let sum: f64 = p.iter().zip(c).map(|(&v, &c)| (v - c) * (v - c)).sum();
            t.penalty = lambda * sum;
        }
        if let Some(alpha) = self.alpha {
            let mut g = vec![0.0; p.len()];
            self.grad_loss_penalty(p, &mut g);
            t.gd = 0.25 * alpha * g.iter().map(|v| v * v).sum::<f64>();
            if let Some((items, batches)) = &self.batches {
                let mut sum = 0.0;
                for b in batches {
                    Self::grad_batch_deviation(*items, b, p, &mut g);
                    sum += g.iter().map(|v| v * v).sum::<f64>();
                }
                t.sgd = 0.25 * alpha / batches.len() as f64 * sum;
            }
        }
        t
    }
}

impl Objective for Regularised<'_> {
    fn dim(&self) -> usize {
        self.loss.dim()
    }

    fn loss(&self, p: &[f64]) -> f64 {
        self.terms(p).total()
    }

    fn grad(&self, p: &[f64], g: &mut [f64]) {
        let n = p.len();
        let mut base = vec![0.0; n];
        self.grad_loss_penalty(p, &mut base);
        g.copy_from_slice(&base);
        let Some(alpha) = self.alpha else {
            return;
        };
        let mut hv = vec![0.0; n];
        let grad_lp = |q: &[f64], out: &mut [f64]| self.grad_loss_penalty(q, out);
        hessian_vector_product(&grad_lp, p, &base, &mut hv);
        for k in 0..n {
            g[k] += 0.5 * alpha * hv[k];
        }
        if let Some((items, batches)) = &self.batches {
            let mut d = vec![0.0; n];
            let scale = 0.5 * alpha / batches.len() as f64;
            for b in batches {
                Self::grad_batch_deviation(*items, b, p, &mut d);
                let grad_d = |q: &[f64], out: &mut [f64]| {
                    Self::grad_batch_deviation(*items, b, q, out);
                };
                hessian_vector_product(&grad_d, p, &d, &mut hv);
                for k in 0..n {
                    g[k] += scale * hv[k];
                }
            }
        }
    }
}

/// The batches of the first epoch of [`BatchSampler`] with this size and seed (the batches an
/// SGD run with the same `batch` draws first). Fails unless `size` divides `num_items`.
pub fn epoch_batches(
    num_items: usize,
    size: usize,
    seed: u64,
) -> Result<Vec<Vec<usize>>, OptimError> {
    if size == 0 || size > num_items || !num_items.is_multiple_of(size) {
        return Err(OptimError::InvalidData(format!(
            "the SGD term needs batches of equal size: {size} does not divide the {num_items} items"
        )));
    }
    let mut sampler = BatchSampler::new(num_items, size, seed);
    Ok((0..num_items / size)
        .map(|_| sampler.next_batch())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loss2d::{GaborLoss, LinearRegressionLoss, ValleyLoss};
    use crate::objective::finite_difference_gradient;

    fn gabor() -> GaborLoss {
        let x = vec![-1.92, -14.22, 1.49, -1.94, -2.389, -5.09];
        let y = vec![-1.051, -0.02482, 0.8896, -0.4943, -0.9371, 0.4306];
        GaborLoss::new(x, y).unwrap()
    }

    fn assert_grad_matches_fd(name: &str, obj: &dyn Objective, p: &[f64], tol: f64) {
        let mut g = vec![0.0; p.len()];
        obj.grad(p, &mut g);
        let fd = finite_difference_gradient(obj, p, 1e-5);
        for k in 0..p.len() {
            let scale = g[k].abs().max(fd[k].abs()).max(1e-3);
            assert!(
                (g[k] - fd[k]).abs() <= tol * scale,
                "{name} at {p:?}: gradient {g:?}, finite differences {fd:?}"
            );
        }
    }

    #[test]
    fn hessian_vector_product_is_exact_on_a_quadratic() {
        // f = φ0² + 3 φ0 φ1 + 2 φ1², H = [[2, 3], [3, 4]].
        let grad = |p: &[f64], g: &mut [f64]| {
            g[0] = 2.0 * p[0] + 3.0 * p[1];
            g[1] = 3.0 * p[0] + 4.0 * p[1];
        };
        let mut out = [0.0; 2];
        hessian_vector_product(&grad, &[0.3, -1.2], &[1.0, 2.0], &mut out);
        assert!(
            (out[0] - 8.0).abs() < 1e-9 && (out[1] - 11.0).abs() < 1e-9,
            "{out:?}"
        );
    }

    #[test]
    fn implicit_terms_gradients_match_finite_differences() {
        let g = gabor();
        let batches = vec![vec![0, 3, 4], vec![1, 2, 5]];
        let gd = Regularised::new(&g).with_gd_term(0.1);
        let full = Regularised::new(&g)
            .with_penalty(0.05, vec![0.0, 12.5])
            .with_gd_term(0.1)
            .with_sgd_term(&g, batches)
            .unwrap();
        for p in [[-1.5, 8.5], [2.0, 12.0], [0.3, 16.0]] {
            assert_grad_matches_fd("GD term (Gabor)", &gd, &p, 1e-5);
            assert_grad_matches_fd("penalty + GD + SGD terms (Gabor)", &full, &p, 1e-5);
        }
        let valley = Regularised::new(&ValleyLoss).with_gd_term(0.1);
        for p in [[-0.7, -0.75], [0.2, 0.3], [-0.4, 0.1]] {
            assert_grad_matches_fd("GD term (valley)", &valley, &p, 1e-5);
        }
    }

    #[test]
    fn sgd_term_is_zero_for_one_batch_of_everything() {
        let g = gabor();
        let r = Regularised::new(&g)
            .with_gd_term(0.3)
            .with_sgd_term(&g, vec![(0..6).collect()])
            .unwrap();
        let t = r.terms(&[-1.5, 8.5]);
        assert!(t.sgd.abs() < 1e-20, "{t:?}");
        assert!(t.gd > 0.0);
    }

    #[test]
    fn sgd_term_matches_a_hand_computation() {
        // Two points of a line fit, batches {0} and {1}. At φ = (0, 0), ℓ_i = y_i² has gradient
        // (−2 y_i, −2 x_i y_i): item 0 (x = 1, y = 1) gives (−2, −2), item 1 (x = 2, y = 3) gives
        // (−6, −12); ∂L/∂φ = (−8, −14). With I/|b| = 2: L_0 gradient (−4, −4), deviation (4, 10);
        // L_1 gradient (−12, −24), deviation (−4, −10). S = (α/4B)·(116 + 116) = α·29 with B = 2,
        // and G = (α/4)·(64 + 196) = 65 α.
        let line = LinearRegressionLoss::new(vec![1.0, 2.0], vec![1.0, 3.0]).unwrap();
        let alpha = 0.2;
        let r = Regularised::new(&line)
            .with_gd_term(alpha)
            .with_sgd_term(&line, vec![vec![0], vec![1]])
            .unwrap();
        let t = r.terms(&[0.0, 0.0]);
        assert!((t.sgd - 29.0 * alpha).abs() < 1e-12, "{t:?}");
        assert!((t.gd - 65.0 * alpha).abs() < 1e-12, "{t:?}");
        assert_eq!(t.loss, 10.0);
        assert!((t.total() - (10.0 + 94.0 * alpha)).abs() < 1e-12);
    }

    #[test]
    fn batches_must_partition_the_items() {
        let g = gabor();
        assert!(
            Regularised::new(&g)
                .with_sgd_term(&g, vec![vec![0, 1]])
                .is_err()
        );
        assert!(
            Regularised::new(&g)
                .with_sgd_term(&g, vec![vec![0, 1, 2], vec![2, 3, 4, 5]])
                .is_err()
        );
        let b = epoch_batches(6, 3, 1).unwrap();
        assert_eq!(b.len(), 2);
        let mut all: Vec<usize> = b.concat();
        all.sort_unstable();
        assert_eq!(all, (0..6).collect::<Vec<_>>());
        assert!(epoch_batches(6, 4, 1).is_err());
    }
}
