//! Bracketing line search (UDL section 6.1.1 notes and fig. 6.10; notebooks 6_1, 6_2, 6_3).
//!
//! Finds an approximate minimiser `t ∈ [0, max_step]` of a 1-D function `f(t)` (for gradient
//! descent, `f(t) = L[φ − t·∂L/∂φ]`) by shrinking a bracket of four points `a < b < c < d`:
//!
//! 1. Start with `a = 0`, `b = 0.33·m`, `c = 0.66·m`, `d = m` where `m = max_step` (the
//!    notebooks' 0.33/0.66, not exact thirds).
//! 2. While `|b − c| > tolerance` and fewer than `max_iterations` iterations have run, evaluate
//!    `f` at all four points and apply the first rule that matches:
//!    - **Rule 1** (`f(a)` is the smallest of the four; ties go to `a`, as numpy's `argmin`):
//!      the minimum is close to `a`, so halve the distance from `a` of `b`, `c` and `d`:
//!      `x ← a + (x − a)/2`.
//!    - **Rule 2** (`f(b) < f(c)`): the minimum is not in `(c, d]`: `d ← c`, then
//!      `b ← a + (d − a)/3`, `c ← a + 2(d − a)/3`.
//!    - **Rule 3** (otherwise, `f(c) ≤ f(b)`): the minimum is not in `[a, b)`: `a ← b`, then
//!      `b ← a + (d − a)/3`, `c ← a + 2(d − a)/3`.
//! 3. Return `(b + c)/2`.
//!
//! This is the procedure of notebooks 6_2/6_3 with one deliberate difference: their rule 1 sets
//! `x ← x/2`, which equals `a + (x − a)/2` while `a = 0` but inverts the bracket once rule 3 has
//! moved `a`; we always halve towards `a`. Every iteration costs four evaluations of `f`.
//! After `k` iterations of rules 2–3 the bracket is `(2/3)^k` of its start, so 15 iterations
//! locate the minimum to about `0.002·max_step`.

use serde::{Deserialize, Serialize};

/// `kind = "gd-line-search"`: gradient descent whose step is chosen by the bracketing line
/// search along `−∂L/∂φ` (UDL eq. 6.3 with `α` from the search).
///
/// ```toml
/// optimizer = { kind = "gd-line-search", max-step = 0.1, tolerance = 1e-5, max-iterations = 15 }
/// ```
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LineSearchSpec {
    /// Largest step searched, in units of the gradient: the search covers
    /// `φ − t·∂L/∂φ` for `t ∈ [0, max-step]` (NB 6_2: 0.1; NB 6_3, Gabor: 2.0).
    pub max_step: f64,
    /// Stop when the inner points are closer than this (`|b − c|`, in the units of `t`;
    /// the notebooks use 1e-5).
    pub tolerance: f64,
    /// Stop after this many bracket updates (the notebooks use 15).
    pub max_iterations: usize,
}

impl LineSearchSpec {
    /// Impossible values, as `(field, message)` pairs.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut issues = Vec::new();
        if !(self.max_step.is_finite() && self.max_step > 0.0) {
            issues.push((
                "max-step".to_owned(),
                format!("expected a positive number, found {}", self.max_step),
            ));
        }
        if !(self.tolerance.is_finite() && self.tolerance > 0.0) {
            issues.push((
                "tolerance".to_owned(),
                format!("expected a positive number, found {}", self.tolerance),
            ));
        }
        issues
    }
}

/// The result of [`bracket_line_search`].
#[derive(Clone, Debug, PartialEq)]
pub struct LineSearch {
    /// The chosen step `t = (b + c)/2` of the final bracket.
    pub step: f64,
    /// The bracket `[a, b, c, d]` at the start of every iteration, in order (for drawing the
    /// stages of UDL fig. 6.10); empty if the start bracket already met the tolerance.
    pub brackets: Vec<[f64; 4]>,
}

/// Minimises `f` over `[0, spec.max_step]` with the bracketing procedure of the module docs.
pub fn bracket_line_search(mut f: impl FnMut(f64) -> f64, spec: &LineSearchSpec) -> LineSearch {
    let m = spec.max_step;
    let (mut a, mut b, mut c, mut d) = (0.0, 0.33 * m, 0.66 * m, m);
    let mut brackets = Vec::new();
    while (b - c).abs() > spec.tolerance && brackets.len() < spec.max_iterations {
        brackets.push([a, b, c, d]);
        let (la, lb, lc, ld) = (f(a), f(b), f(c), f(d));
        if la <= lb && la <= lc && la <= ld {
            b = a + (b - a) / 2.0;
            c = a + (c - a) / 2.0;
            d = a + (d - a) / 2.0;
        } else if lb < lc {
            d = c;
            b = a + (d - a) / 3.0;
            c = a + 2.0 * (d - a) / 3.0;
        } else {
            a = b;
            b = a + (d - a) / 3.0;
            c = a + 2.0 * (d - a) / 3.0;
        }
    }
    LineSearch {
        step: (b + c) / 2.0,
        brackets,
    }
}

/// The 1-D loss of notebook 6_1 (UDL fig. 6.10), two dips on `[0, 1]`:
/// `1 − 0.5·exp(−(φ − 0.65)²/0.1) − 0.45·exp(−(φ − 0.35)²/0.02)`.
pub fn notebook_6_1_loss(phi: f64) -> f64 {
    1.0 - 0.5 * (-(phi - 0.65) * (phi - 0.65) / 0.1).exp()
        - 0.45 * (-(phi - 0.35) * (phi - 0.35) / 0.02).exp()
}
