//! Differentiable objectives: the interface every optimiser in [`crate::optim`] drives.
//!
//! An [`Objective`] is a loss `L[φ]` of a parameter vector `φ` with its analytic gradient
//! `∂L/∂φ`. A [`BatchObjective`] is also a sum over items (training pairs),
//! `L[φ] = Σ_i ℓ_i[φ]` (UDL eq. 6.5, 6.9), so stochastic optimisers can use the loss and gradient
//! of a batch `B`, `Σ_{i∈B} ℓ_i[φ]` (UDL eq. 6.10). Losses are *sums* over items, as in the book,
//! never means: the loss of a batch holding every item equals the full loss.
//!
//! Also here: central finite differences (for gradient checks and for objectives whose gradient
//! is only defined numerically), evaluation of a two-parameter loss on a grid for heatmaps, and
//! [`Subset`], the loss of a fixed batch as an objective of its own (UDL fig. 6.6).

/// A differentiable scalar loss of a parameter vector of length [`Objective::dim`].
pub trait Objective {
    /// Number of parameters.
    fn dim(&self) -> usize;

    /// The loss `L[φ]` at `p` (`p.len() == dim()`).
    fn loss(&self, p: &[f64]) -> f64;

    /// Writes the gradient `∂L/∂φ` at `p` into `g` (both of length `dim()`), overwriting it.
    fn grad(&self, p: &[f64], g: &mut [f64]);
}

/// An [`Objective`] that is a sum over items, `L[φ] = Σ_{i<num_items} ℓ_i[φ]`.
///
/// Contract: `loss_batch(p, &[0, 1, …, n−1])` equals `loss(p)` and `grad_batch` likewise equals
/// `grad` (implementations in this crate sum in the order the items are given, so with items in
/// ascending order the two agree bit for bit).
pub trait BatchObjective: Objective {
    /// Number of items (training pairs); batches hold indices below this.
    fn num_items(&self) -> usize;

    /// The batch loss `Σ_{i∈items} ℓ_i[φ]` at `p`.
    fn loss_batch(&self, p: &[f64], items: &[usize]) -> f64;

    /// Writes the batch gradient `Σ_{i∈items} ∂ℓ_i/∂φ` at `p` into `g`, overwriting it.
    fn grad_batch(&self, p: &[f64], items: &[usize], g: &mut [f64]);
}

impl<T: Objective + ?Sized> Objective for &T {
    fn dim(&self) -> usize {
        (**self).dim()
    }
    fn loss(&self, p: &[f64]) -> f64 {
        (**self).loss(p)
    }
    fn grad(&self, p: &[f64], g: &mut [f64]) {
        (**self).grad(p, g)
    }
}

impl<T: BatchObjective + ?Sized> BatchObjective for &T {
    fn num_items(&self) -> usize {
        (**self).num_items()
    }
    fn loss_batch(&self, p: &[f64], items: &[usize]) -> f64 {
        (**self).loss_batch(p, items)
    }
    fn grad_batch(&self, p: &[f64], items: &[usize], g: &mut [f64]) {
        (**self).grad_batch(p, items, g)
    }
}

/// The loss of one fixed batch of a [`BatchObjective`] as an objective of its own:
/// `L_B[φ] = Σ_{i∈items} ℓ_i[φ]` (the per-batch loss surfaces of UDL fig. 6.6).
#[derive(Clone, Debug)]
pub struct Subset<'a, O: ?Sized> {
    /// The full objective.
    pub objective: &'a O,
    /// Indices of the items in the batch.
    pub items: Vec<usize>,
}

impl<O: BatchObjective + ?Sized> Objective for Subset<'_, O> {
    fn dim(&self) -> usize {
        self.objective.dim()
    }
    fn loss(&self, p: &[f64]) -> f64 {
        self.objective.loss_batch(p, &self.items)
    }
    fn grad(&self, p: &[f64], g: &mut [f64]) {
        self.objective.grad_batch(p, &self.items, g)
    }
}

/// Central finite-difference gradient: component `k` is `(L[p + h e_k] − L[p − h e_k]) / 2h`.
///
/// The error is `O(h²)` for smooth losses; `h = 1e-5` is a good default in f64.
pub fn finite_difference_gradient<O: Objective + ?Sized>(obj: &O, p: &[f64], h: f64) -> Vec<f64> {
    let mut q = p.to_vec();
    (0..p.len())
        .map(|k| {
            q[k] = p[k] + h;
            let up = obj.loss(&q);
            q[k] = p[k] - h;
            let down = obj.loss(&q);
            q[k] = p[k];
            (up - down) / (2.0 * h)
        })
        .collect()
}

/// `n` evenly spaced values from `range.0` to `range.1`, both included (numpy's `linspace`, the
/// same points as `data::GridSpec::new(range.0, range.1, n)`); `[range.0]` when `n == 1`.
pub fn grid_axis(range: (f64, f64), n: usize) -> Vec<f64> {
    match n {
        0 => Vec::new(),
        1 => vec![range.0],
        _ => data::GridSpec::new(range.0, range.1, n).points(),
    }
}

/// A two-parameter loss on the grid `φ0 ∈ xs`, `φ1 ∈ ys`, row-major from the bottom row:
/// element `j·xs.len() + i` is `L[(xs[i], ys[j])]`, so with ascending `ys` row 0 is the lowest
/// `φ1` (the bottom of a heatmap).
///
/// # Panics
/// If `obj.dim() != 2`.
pub fn loss_grid_on<O: Objective + ?Sized>(obj: &O, xs: &[f64], ys: &[f64]) -> Vec<f64> {
    assert_eq!(
        obj.dim(),
        2,
        "loss_grid needs a loss of two parameters, found {}",
        obj.dim()
    );
    let mut out = Vec::with_capacity(xs.len() * ys.len());
    for &y in ys {
        for &x in xs {
            out.push(obj.loss(&[x, y]));
        }
    }
    out
}

/// [`loss_grid_on`] over [`grid_axis`]`(x_range, nx)` × [`grid_axis`]`(y_range, ny)`: `nx·ny`
/// values, row-major from the bottom row (element `j·nx + i` is `L[(x_i, y_j)]`).
///
/// # Panics
/// If `obj.dim() != 2`.
pub fn loss_grid<O: Objective + ?Sized>(
    obj: &O,
    x_range: (f64, f64),
    y_range: (f64, f64),
    nx: usize,
    ny: usize,
) -> Vec<f64> {
    loss_grid_on(obj, &grid_axis(x_range, nx), &grid_axis(y_range, ny))
}
