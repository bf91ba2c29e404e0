//! The numbers behind the high-dimension figures of chapter 8 (8.11-8.13, x.2-x.5), built from
//! the real specs and checked against closed forms computed here independently (the ball volume
//! by its two-step recursion, 1 − 0.99^D by repeated multiplication), against the plotted
//! densities (sample means within a few standard errors) and against the interpolation
//! constraints (every curve through every point).

use std::collections::BTreeMap;
use std::f64::consts::PI;

use crate::harness::build_real;

type Art = BTreeMap<String, Vec<f64>>;

fn col<'a>(art: &'a Art, name: &str) -> &'a [f64] {
    art.get(name)
        .unwrap_or_else(|| panic!("the figure plots no {name} (it plots {:?})", art.keys()))
}

fn mean_sd(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0);
    (m, var.sqrt())
}

/// ∫ x^k p(x) dx over a plotted grid, by the trapezoid rule.
fn moment(x: &[f64], p: &[f64], k: i32) -> f64 {
    x.windows(2)
        .zip(p.windows(2))
        .map(|(x, p)| 0.5 * (x[1] - x[0]) * (x[0].powi(k) * p[0] + x[1].powi(k) * p[1]))
        .sum()
}

/// Volume of the D-ball of radius r by V_D = V_{D−2} · 2πr²/D from V_1 = 2r, V_2 = πr².
fn ball_volume(d: usize, r: f64) -> f64 {
    let mut v = [2.0 * r, PI * r * r];
    let mut k = 2;
    while k < d {
        k += 1;
        let next = v[(k - 1) % 2] * 2.0 * PI * r * r / k as f64;
        v[(k - 1) % 2] = next;
    }
    v[(d - 1) % 2]
}

#[test]
fn ball_volumes_match_the_gamma_function_formula() {
    assert!((ball_volume(3, 1.0) - 4.0 * PI / 3.0).abs() < 1e-14);
    assert!((ball_volume(4, 1.0) - PI * PI / 2.0).abs() < 1e-14);
    let art = build_real("x.2");
    let (dims, vol) = (col(&art, "volume.dim"), col(&art, "volume.volume"));
    assert_eq!(dims.len(), 20);
    for (d, v) in dims.iter().zip(vol) {
        let want = ball_volume(*d as usize, 0.5);
        assert!((v - want).abs() <= 1e-13 * want, "D = {d}: {v} vs {want}");
    }
    // Falls monotonically towards 0: below 1e-3 by D = 11 (notebook 8.4: "almost nothing").
    assert!(vol.windows(2).all(|w| w[1] < w[0]));
    assert!(vol[10] < 1e-3);
    // The Monte Carlo shares of the cube agree within 4 binomial standard errors.
    let (mc_dims, mc) = (col(&art, "cube.dim"), col(&art, "cube.ball-fraction"));
    for (d, f) in mc_dims.iter().zip(mc) {
        let p = ball_volume(*d as usize, 0.5);
        let se = (p * (1.0 - p) / 200_000.0).sqrt();
        assert!(
            (f - p).abs() < 4.0 * se + 1e-12,
            "D = {d}: {f} vs {p} (se {se})"
        );
    }
}

#[test]
fn the_outer_shell_holds_one_minus_point_99_to_the_d() {
    let art = build_real("x.3");
    let (dims, frac) = (col(&art, "shell.dim"), col(&art, "shell.shell-fraction"));
    assert_eq!(dims.len(), 300);
    let mut inner = 1.0;
    for (d, f) in dims.iter().zip(frac) {
        inner *= 0.99;
        assert!((f - (1.0 - inner)).abs() < 1e-12, "D = {d}: {f}");
    }
    // The notebook's numbers (3 decimals): 0.010, 0.020, 0.096, 0.634 at D = 1, 2, 10, 100; 0.951 at 300.
    for (d, want) in [
        (1, 0.010),
        (2, 0.020),
        (10, 0.096),
        (100, 0.634),
        (300, 0.951),
    ] {
        assert!((frac[d - 1] - want).abs() < 5e-4, "D = {d}");
    }
    // Monte Carlo: the points inside the ball (≈ n·V_D of them) that lie in the shell.
    let (mc_dims, mc) = (col(&art, "cube.dim"), col(&art, "cube.shell-fraction"));
    for (d, f) in mc_dims.iter().zip(mc) {
        let p = 1.0 - 0.99f64.powi(*d as i32);
        let inside = 200_000.0 * ball_volume(*d as usize, 0.5);
        let se = (p * (1.0 - p) / inside).sqrt();
        assert!((f - p).abs() < 4.0 * se, "D = {d}: {f} vs {p} (se {se})");
    }
}

#[test]
fn sampled_distances_follow_the_chi_density() {
    let art = build_real("8.13");
    let cases = [
        ("samples.norm.0", "chi2.x", "chi2.p", 2.0),
        ("samples.norm.1", "chi.x", "chi.p.0", 25.0),
        ("samples.norm.2", "chi.x", "chi.p.1", 100.0),
        ("samples.norm.3", "chi.x", "chi.p.2", 500.0),
    ];
    for (samples, x, p, d) in cases {
        let (x, p) = (col(&art, x), col(&art, p));
        let mass = moment(x, p, 0);
        // The trapezoid rule's own error on these grids is about 1e-5.
        assert!(
            (mass - 1.0).abs() < 1e-4,
            "D = {d}: the density integrates to {mass}"
        );
        let mean = moment(x, p, 1);
        let sd = (moment(x, p, 2) - mean * mean).sqrt();
        // E r² = D for a standard normal vector; the chi mean is close to √(D − 1/2).
        assert!((moment(x, p, 2) - d).abs() < 1e-3 * d, "D = {d}");
        if d > 10.0 {
            assert!(
                (mean - (d - 0.5).sqrt()).abs() < 0.01,
                "D = {d}: mean {mean}"
            );
        }
        let r = col(&art, samples);
        assert_eq!(r.len(), 10_000);
        let (m, s) = mean_sd(r);
        let se = sd / (r.len() as f64).sqrt();
        assert!(
            (m - mean).abs() < 4.0 * se,
            "D = {d}: sample mean {m} vs {mean} (se {se})"
        );
        assert!(
            (s / sd - 1.0).abs() < 0.05,
            "D = {d}: sample sd {s} vs {sd}"
        );
        // Typical set: hardly any sample is within half the mean distance of the mean
        // (Pr = Pr(χ²_D < D/4 or so): about 1e-4 for D = 25, below 1e-12 from D = 100).
        let near = r.iter().filter(|v| **v < 0.5 * mean).count();
        assert!(
            near <= if d >= 100.0 {
                0
            } else if d >= 25.0 {
                10
            } else {
                10_000
            },
            "D = {d}: {near}"
        );
    }
    // The 2-D density heatmap is the product of the 1-D densities: 1/(2π) at the centre cells.
    let z = col(&art, "density2d.p");
    assert_eq!(z.len(), 120 * 120);
    let centre = z[59 * 120 + 59];
    assert!((centre - (-(0.025f64.powi(2))).exp() / (2.0 * PI)).abs() < 1e-12);
}

#[test]
fn angles_concentrate_at_ninety_degrees() {
    let art = build_real("x.4");
    let mut sds = Vec::new();
    for (i, d) in [2.0f64, 10.0, 100.0, 1000.0].iter().enumerate() {
        let a = col(&art, &format!("degrees.angle.{i}"));
        assert_eq!(a.len(), 1000);
        let (m, s) = mean_sd(a);
        // Symmetric about 90°: the mean within 4 standard errors.
        assert!(
            (m - 90.0).abs() < 4.0 * s / 1000f64.sqrt(),
            "D = {d}: mean {m}"
        );
        // The plotted density's sd, and the sample's within 10% of it.
        let (x, p) = (col(&art, "degrees.x"), col(&art, &format!("degrees.p.{i}")));
        assert!((moment(x, p, 0) - 1.0).abs() < 1e-4, "D = {d}");
        let mu = moment(x, p, 1);
        let sd = (moment(x, p, 2) - mu * mu).sqrt();
        assert!(
            (s / sd - 1.0).abs() < 0.1,
            "D = {d}: sample sd {s}° vs {sd}°"
        );
        if *d >= 10.0 {
            // sd ≈ 1/√(D − 1) radians for large D.
            let approx = (180.0 / PI) / (d - 1.0).sqrt();
            assert!(
                (sd / approx - 1.0).abs() < 0.05,
                "D = {d}: sd {sd}° vs {approx}°"
            );
        }
        sds.push(s);
    }
    // Uniform on [0°, 180°] in 2-D: sd 180/√12.
    assert!((sds[0] / (180.0 / 12f64.sqrt()) - 1.0).abs() < 0.1);
    // Shrinks like 1/√D: ten times the dimension, about √10 times narrower.
    for w in sds[1..].windows(2) {
        let ratio = w[0] / w[1];
        assert!((ratio / 10f64.sqrt() - 1.0).abs() < 0.15, "{sds:?}");
    }
}

#[test]
fn nearest_and_farthest_distances_become_similar() {
    let art = build_real("x.5");
    let ratio = col(&art, "sweep.distance-ratio");
    assert_eq!(col(&art, "sweep.dim").len(), ratio.len());
    assert!(ratio.windows(2).all(|w| w[1] > w[0]), "{ratio:?}");
    assert!(
        ratio[0] < 0.01 && *ratio.last().unwrap() > 0.75,
        "{ratio:?}"
    );
    let nb = col(&art, "notebook.distance-ratio");
    assert_eq!(col(&art, "notebook.dim"), &[2.0, 100.0, 1000.0]);
    assert!(
        nb[0] < 0.01 && nb[1] > 0.4 && nb[2] > 0.75 && nb[2] < 1.0,
        "{nb:?}"
    );
}

/// Σ (y_{k+1} − 2y_k + y_{k−1})² / h² over the interior of a grid: for a piecewise-linear curve
/// whose joints are on grid points (at most one per grid step) the sum of its squared slope
/// changes there, the quantity the interpolants minimise.
fn slope_changes(x: &[f64], y: &[f64]) -> f64 {
    let h = x[1] - x[0];
    y.windows(3)
        .map(|w| ((w[2] - 2.0 * w[1] + w[0]) / h).powi(2))
        .sum()
}

/// Checks that the curve passes through every data point (the points are on the grid).
fn passes_through(art: &Art, curve: &str) {
    let (x, y) = (
        col(art, &format!("{curve}.x")),
        col(art, &format!("{curve}.y")),
    );
    for (px, py) in col(art, "points.x").iter().zip(col(art, "points.y")) {
        let i = x
            .iter()
            .position(|v| (v - px).abs() < 1e-12)
            .unwrap_or_else(|| panic!("x = {px} not on the grid"));
        assert!(
            (y[i] - py).abs() < 1e-9,
            "{curve} misses ({px}, {py}): {}",
            y[i]
        );
    }
}

#[test]
fn interpolants_pass_through_the_points_and_wider_is_smoother() {
    let art = build_real("8.11");
    let mut measure = BTreeMap::new();
    for units in [6, 7, 8, 10, 50] {
        let curve = format!("curve{units}");
        passes_through(&art, &curve);
        let m = slope_changes(
            col(&art, &format!("{curve}.x")),
            col(&art, &format!("{curve}.y")),
        );
        measure.insert(units, m);
    }
    // The 10 joints are among the 50 (and both sets sit on the grid), so the 50-unit optimum
    // is at most the 10-unit one; the widest model is the smoothest of all five.
    assert!(measure[&50] < measure[&10], "{measure:?}");
    assert!(measure.values().all(|m| *m >= measure[&50]), "{measure:?}");
    assert!(measure[&6] > measure[&50], "{measure:?}");

    let art = build_real("8.12");
    let mut m = Vec::new();
    for curve in ["smooth-curve", "wiggly1-curve", "wiggly2-curve"] {
        passes_through(&art, curve);
        m.push(slope_changes(
            col(&art, &format!("{curve}.x")),
            col(&art, &format!("{curve}.y")),
        ));
    }
    assert!(m[1] > 2.0 * m[0] && m[2] > 2.0 * m[0], "{m:?}");
}
