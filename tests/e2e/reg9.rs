//! The numbers behind the regularisation figures of chapter 9 that are computed by optimisation
//! (9.1, 9.3, 9.4, 9.6, 9.9, 9.10), built from the real specs.

use std::collections::BTreeMap;

use crate::numbers::build_real;

type Art = BTreeMap<String, Vec<f64>>;

fn col<'a>(art: &'a Art, name: &str) -> &'a [f64] {
    art.get(name)
        .unwrap_or_else(|| panic!("the figure plots no {name}"))
}

fn one(art: &Art, name: &str) -> f64 {
    let v = col(art, name);
    assert_eq!(v.len(), 1, "{name} is one value");
    v[0]
}

#[test]
fn figure_9_1_penalty_moves_the_minimum_towards_its_centre() {
    let art = build_real("9.1");
    let centre = (0.0, 12.5);
    let dist = |x: f64, y: f64| ((x - centre.0).powi(2) + (y - centre.1).powi(2)).sqrt();
    let (x0, y0) = (one(&art, "minima.argmin.x"), one(&art, "minima.argmin.y"));
    let (x1, y1) = (
        one(&art, "minima_reg.argmin.x"),
        one(&art, "minima_reg.argmin.y"),
    );
    // The loss's global minimum (figure 6.4: about (0.0, 16.0)) moves towards (0, 12.5).
    assert!((x0.abs() < 0.5) && (y0 - 16.0).abs() < 0.5, "({x0}, {y0})");
    assert!(
        dist(x1, y1) < dist(x0, y0) - 1.0,
        "({x0}, {y0}) -> ({x1}, {y1})"
    );
    // Fewer local minima.
    let (before, after) = (
        col(&art, "minima.minima.x").len(),
        col(&art, "minima_reg.minima.x").len(),
    );
    assert!(after < before, "{before} minima -> {after}");
    // The middle panel is the penalty 0.2 (phi0^2 + (phi1 - 12.5)^2) on the 80 x 80 cell
    // centres (-9.875 + 0.25 i, 2.625 + 0.25 j), and the right panel the sum.
    let (penalty, loss, sum) = (
        col(&art, "surface.term.penalty"),
        col(&art, "surface.term.loss"),
        col(&art, "surface.z"),
    );
    for (i, j) in [(0, 0), (40, 39), (79, 10), (13, 77)] {
        let (x, y) = (-9.875 + 0.25 * i as f64, 2.625 + 0.25 * j as f64);
        let k = j * 80 + i;
        assert!((penalty[k] - 0.2 * (x * x + (y - 12.5).powi(2))).abs() < 1e-9);
        assert!((sum[k] - loss[k] - penalty[k]).abs() < 1e-12);
    }
}

/// Distance between the discrete path (step `alpha`) and a continuous one (step `dt`) at
/// matching times t = k·alpha, the largest over the discrete iterates.
fn gap(art: &Art, discrete: &str, continuous: &str, ratio: usize) -> f64 {
    let (d0, d1) = (
        col(art, &format!("{discrete}.phi0")),
        col(art, &format!("{discrete}.phi1")),
    );
    let (c0, c1) = (
        col(art, &format!("{continuous}.phi0")),
        col(art, &format!("{continuous}.phi1")),
    );
    assert_eq!((d0.len() - 1) * ratio, c0.len() - 1, "same time span");
    (0..d0.len())
        .map(|k| ((d0[k] - c0[k * ratio]).powi(2) + (d1[k] - c1[k * ratio]).powi(2)).sqrt())
        .fold(0.0, f64::max)
}

#[test]
fn figure_9_3_discrete_path_follows_the_modified_loss() {
    let art = build_real("9.3");
    // alpha = 0.1 vs steps of 0.001: iterate k of the discrete path is at the time of
    // iterate 100 k of the continuous ones.
    let plain = gap(&art, "discrete", "continuous", 100);
    let modified = gap(&art, "discrete", "modified", 100);
    assert!(
        plain > 0.03,
        "gradient flow and gradient descent differ ({plain})"
    );
    assert!(
        modified < plain / 3.0,
        "the modified loss's flow stays closer to gradient descent: {modified} vs {plain}"
    );
    // The gradient-norm term favours flat regions: the valley is widest (the gradients
    // smallest) at phi0 = 0, so gradient descent ends nearer phi0 = 0 than gradient flow,
    // and the flow of the modified loss does too.
    let end = |run: &str| *col(&art, &format!("{run}.phi0")).last().unwrap();
    let (d, c, m) = (end("discrete"), end("continuous"), end("modified"));
    assert!(d.abs() < c.abs() - 0.02, "discrete {d}, continuous {c}");
    assert!(m.abs() < c.abs() - 0.02, "modified {m}, continuous {c}");
    // All three reach the valley of minima (phi1 = 0).
    for run in ["discrete", "continuous", "modified"] {
        let phi1 = *col(&art, &format!("{run}.phi1")).last().unwrap();
        assert!(phi1.abs() < 0.01, "{run} ends at phi1 = {phi1}");
    }
}

#[test]
fn figure_9_4_terms_add_up_and_are_non_negative() {
    let art = build_real("9.4");
    let (loss, gd, sgd, z) = (
        col(&art, "surface.term.loss"),
        col(&art, "surface.term.gd"),
        col(&art, "surface.term.sgd"),
        col(&art, "surface.z"),
    );
    assert_eq!(z.len(), 6400);
    for k in 0..z.len() {
        assert!(gd[k] >= 0.0 && sgd[k] >= 0.0);
        assert!((z[k] - loss[k] - gd[k] - sgd[k]).abs() < 1e-12);
    }
    // Both terms are visible but smaller than the loss's range.
    let max = |v: &[f64]| v.iter().copied().fold(f64::MIN, f64::max);
    for (name, term) in [("gd", gd), ("sgd", sgd)] {
        assert!(
            max(term) > 1.0 && max(term) < max(loss) / 2.0,
            "{name} term peaks at {}",
            max(term)
        );
    }
}

#[test]
fn figure_9_6_training_loss_falls_at_every_snapshot() {
    let art = build_real("9.6");
    let losses: Vec<f64> = (0..6)
        .map(|k| one(&art, &format!("early.loss.{k}")))
        .collect();
    // The book prints 32.24, 1.64, 1.10, 0.80, 0.36, 0.16 for its own data and initial
    // weights; these differ, but the loss must fall monotonically, by an order of magnitude
    // or more from the random start, and end below the noise floor 15 sigma^2 = 1.35 of a fit
    // that does not chase the noise (overfitting).
    assert!(losses.windows(2).all(|w| w[1] < w[0]), "losses {losses:?}");
    assert!(losses[0] > 10.0 * losses[1], "losses {losses:?}");
    assert!(losses[5] < 1.35, "losses {losses:?}");
    // The printed losses are the plotted fits' own: the curves change between snapshots.
    assert_ne!(col(&art, "early.y.4"), col(&art, "early.y.5"));
}

/// Total curvature of a function sampled on an even grid: Σ |y[i+1] − 2 y[i] + y[i−1]|, i.e.
/// the total change of slope times the grid step.
fn curvature(y: &[f64]) -> f64 {
    y.windows(3).map(|w| (w[2] - 2.0 * w[1] + w[0]).abs()).sum()
}

#[test]
fn figure_9_10_input_noise_smooths_the_fit() {
    let art = build_real("9.10");
    let c: Vec<f64> = ["noise0", "noise06", "noise10"]
        .iter()
        .map(|run| curvature(col(&art, &format!("{run}.y.0"))))
        .collect();
    // Here 0.29, 0.059, 0.039.
    assert!(
        c[1] < c[0] && c[2] < c[1],
        "curvature by sigma_x 0, 0.6, 1.0: {c:?}"
    );
    assert!(c[2] < c[0] / 2.0, "curvature by sigma_x 0, 0.6, 1.0: {c:?}");
    // Smoother, but with sigma_x = 0.6 the fit still follows the data: its root-mean-square
    // residual at the training points (here 0.27) is under half that of the best flat line,
    // the data's standard deviation (0.86). On inputs spanning [0, 1] instead of [0, 8] this
    // noise flattens the fit and the test fails.
    let (tx, ty) = (col(&art, "train.x"), col(&art, "train.y"));
    let x = col(&art, "noise06.x");
    let fit = col(&art, "noise06.y.0");
    let at = |t: f64| -> f64 {
        // Linear interpolation on the even grid.
        let step = x[1] - x[0];
        let i = (((t - x[0]) / step).floor() as usize).min(x.len() - 2);
        let w = (t - x[i]) / step;
        fit[i] * (1.0 - w) + fit[i + 1] * w
    };
    let n = ty.len() as f64;
    let rms = (tx
        .iter()
        .zip(ty)
        .map(|(t, y)| (at(*t) - y).powi(2))
        .sum::<f64>()
        / n)
        .sqrt();
    let mean = ty.iter().sum::<f64>() / n;
    let sd = (ty.iter().map(|y| (y - mean).powi(2)).sum::<f64>() / n).sqrt();
    assert!(
        rms < sd / 2.0,
        "sigma_x = 0.6: residual {rms} against the data's spread {sd}"
    );
}

/// Largest absolute difference between two functions on the same grid.
fn max_gap(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len(), "same grid");
    a.iter()
        .zip(b)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max)
}

/// The change of slope at grid point `i` of a function sampled on an even grid with step `dx`:
/// the slope over the `k` steps after `i` minus the slope over the `k` steps before it. For a
/// piecewise-linear function with one joint at `x[i]` and none within `k` steps of it, this is
/// that joint's change of slope (a hidden unit's output weight).
fn bend(y: &[f64], i: usize, k: usize, dx: f64) -> f64 {
    (y[i + k] - y[i]) / (k as f64 * dx) - (y[i] - y[i - k]) / (k as f64 * dx)
}

#[test]
fn figure_9_9_dropout_removes_the_kink_and_the_dependence_on_one_unit() {
    let art = build_real("9.9");
    let x = col(&art, "drop.x");
    assert_eq!(x.len(), 401);
    let dx = x[1] - x[0];
    // x = 0.5 (grid point 200) is the joint of unit 7, the book's eighth; the kink's other
    // joints, 6/14 and 8/14, are 28.6 grid points away.
    assert!((x[200] - 0.5).abs() < 1e-12);
    let (fit, trained) = (col(&art, "drop.y.0"), col(&art, "drop.y.1"));
    let (off_fit, off_trained) = (col(&art, "drop.off.0"), col(&art, "drop.off.1"));
    // Panel a: the fit keeps the kink, the slope falling by about 25 at x = 0.5 (the start's
    // -28 plus what the data ask of that unit; here -25.1).
    let before = bend(fit, 200, 20, dx);
    assert!(before < -10.0, "the fit bends by {before} at x = 0.5");
    // Panel b: without the eighth unit the right-hand side goes up: by -w/2 at x = 1 (12.6).
    let rise = off_fit[400] - fit[400];
    assert!(
        (rise + before / 2.0).abs() < 1e-6 && rise > 5.0,
        "turning unit 8 off raises f(1) by {rise}"
    );
    // Panel c: after 2000 dropout steps the kink is gone (a bend of 0.08) ...
    let after = bend(trained, 200, 20, dx);
    assert!(
        after.abs() < before.abs() / 5.0,
        "the bend at x = 0.5: {before} before dropout training, {after} after"
    );
    // ... and turning the same unit off changes the function much less (12.6 before, 0.04
    // after).
    let (gap0, gap1) = (max_gap(fit, off_fit), max_gap(trained, off_trained));
    assert!(
        gap1 < gap0 / 4.0,
        "turning unit 8 off moves the fit by {gap0} before dropout training, {gap1} after"
    );
    // Away from the kink the fit barely changes (left of the kink's first joint, 6/14: 0.12).
    let left = max_gap(&fit[..160], &trained[..160]);
    assert!(
        left < 0.3,
        "dropout training moved the left of the fit by {left}"
    );
}
