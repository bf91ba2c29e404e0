//! The numbers behind the chapter-5 figures (loss functions), checked against closed forms, hand
//! computation and the check values of the book's notebooks 5_1-5_3.

use std::collections::BTreeMap;
use std::f64::consts::PI;

type Plotted = BTreeMap<String, Vec<f64>>;

use crate::harness::build_real as build;

fn col<'a>(art: &'a Plotted, name: &str) -> &'a [f64] {
    art.get(name).unwrap_or_else(|| {
        panic!(
            "`{name}` is not plotted (have {:?})",
            art.keys().collect::<Vec<_>>()
        )
    })
}

fn one(art: &Plotted, name: &str) -> f64 {
    let v = col(art, name);
    assert_eq!(v.len(), 1, "`{name}` should hold one value");
    v[0]
}

/// ∫ y dx by the trapezoid rule over the plotted grid.
fn trapezoid(x: &[f64], y: &[f64]) -> f64 {
    x.windows(2)
        .zip(y.windows(2))
        .map(|(x, y)| 0.5 * (x[1] - x[0]) * (y[0] + y[1]))
        .sum()
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// Value of column `ys` where column `xs` equals `x`.
fn at(art: &Plotted, xs: &str, ys: &str, x: f64) -> f64 {
    let i = col(art, xs)
        .iter()
        .position(|v| (v - x).abs() < 1e-12)
        .unwrap_or_else(|| panic!("x = {x} is not on the grid of `{xs}`"));
    col(art, ys)[i]
}

fn local_maxima(y: &[f64]) -> usize {
    y.windows(3).filter(|w| w[1] > w[0] && w[1] >= w[2]).count()
}

#[test]
fn figure_5_1_predicted_distributions_and_data_fit_their_domains() {
    let art = build("5.1");
    // a) The sideways densities start at their x and reach 1/(σ√2π) to the right of it.
    for (k, x0) in [(0, 2.0), (1, 7.0)] {
        let xs = col(&art, &format!("reg_side.x.{k}"));
        let lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        assert!((lo - x0).abs() < 1e-6 && lo >= x0, "{lo}");
        assert!(
            (hi - x0 - 1.0 / (0.3 * (2.0 * PI).sqrt())).abs() < 1e-3,
            "{hi}"
        );
    }
    // b) The categorical bars at each x have total length 2.5 × Σ_k λ_k = 2.5.
    for k in 0..2 {
        let from = col(&art, &format!("cls_side.from.{k}"));
        let to = col(&art, &format!("cls_side.to.{k}"));
        let total: f64 = to.iter().zip(from).map(|(t, f)| t - f).sum();
        assert!((total - 2.5).abs() < 1e-12, "{total}");
    }
    assert_eq!(col(&art, "cls_pmf.x"), &[1.0, 2.0, 3.0, 4.0]);
    // The data: classes in {1..4}, counts whole and >= 0, directions in (-π, π], inputs in [0, 10).
    assert!(
        col(&art, "cls_y.value")
            .iter()
            .all(|c| [1.0, 2.0, 3.0, 4.0].contains(c))
    );
    assert!(
        col(&art, "cnt_y.value")
            .iter()
            .all(|c| *c >= 0.0 && c.fract() == 0.0)
    );
    assert!(
        col(&art, "dir_y.value")
            .iter()
            .all(|d| *d > -PI && *d <= PI)
    );
    assert!(
        col(&art, "xs.value")
            .iter()
            .all(|x| (0.0..10.0).contains(x))
    );
    assert_eq!(col(&art, "xs.value").len(), 30);
    // d) μ(7) = -2 + 0.6·7 = 2.2: the density at x = 7 peaks there.
    let (ys, xs) = (col(&art, "dir_pdf.x"), col(&art, "dir_side.x.1"));
    let peak = (0..xs.len())
        .max_by(|&a, &b| xs[a].total_cmp(&xs[b]))
        .unwrap();
    assert!((ys[peak] - 2.2).abs() < 2.0 * PI / 360.0, "{}", ys[peak]);
}

#[test]
fn figure_5_2_log_keeps_the_maximum() {
    let art = build("5.2");
    let (z, g, log_g) = (col(&art, "g.x"), col(&art, "g.p"), col(&art, "g.log-p"));
    let argmax = |v: &[f64]| (0..v.len()).max_by(|&a, &b| v[a].total_cmp(&v[b])).unwrap();
    assert_eq!(argmax(g), argmax(log_g));
    assert_eq!(one(&art, "peak.of-g"), one(&art, "peak.of-log-g"));
    assert_eq!(one(&art, "peak.of-g"), z[argmax(g)]);
    // log g is the log of g, and g is a density.
    for (p, l) in g.iter().zip(log_g) {
        assert!((p.ln() - l).abs() < 1e-12);
    }
    // Monotone: where g rises, log g rises.
    for i in 1..g.len() {
        assert_eq!(g[i] > g[i - 1], log_g[i] > log_g[i - 1], "at {}", z[i]);
    }
    // Panel a: log z.
    assert!((at(&art, "logz.x", "logz.y", 1.0)).abs() < 1e-15);
}

#[test]
fn figure_5_3_normals_integrate_to_one_and_peak_where_they_should() {
    let art = build("5.3");
    let x = col(&art, "normals.x");
    for (k, mu, sigma) in [(0, -1.9, 0.3), (1, -0.5, 1.2), (2, 1.3, 0.6)] {
        let p = col(&art, &format!("normals.p.{k}"));
        // [-5, 5] holds all but 9e-5 of the widest one.
        assert!((trapezoid(x, p) - 1.0).abs() < 2e-4, "{k}");
        let peak = 1.0 / (sigma * (2.0 * PI).sqrt());
        assert!((at(&art, "normals.x", &format!("normals.p.{k}"), mu) - peak).abs() < 1e-12);
    }
}

#[test]
fn figure_5_4_good_line_is_more_likely_than_bad_line() {
    let art = build("5.4");
    let sigma: f64 = 0.2;
    let (x, y) = (col(&art, "points.x"), col(&art, "points.y"));
    let (good, bad) = (col(&art, "pred_good.y"), col(&art, "pred_bad.y"));
    // The predictions are the lines: 0.84 + 0.5x and 1.6 - 0.8x.
    for i in 0..x.len() {
        assert!((good[i] - (0.84 + 0.5 * x[i])).abs() < 1e-12);
        assert!((bad[i] - (1.6 - 0.8 * x[i])).abs() < 1e-12);
        // Same σ, so a smaller residual is a larger likelihood: true at every point.
        assert!((y[i] - good[i]).abs() < (y[i] - bad[i]).abs(), "point {i}");
    }
    let norm = |r: f64| (-0.5 * (r / sigma).powi(2)).exp() / (sigma * (2.0 * PI).sqrt());
    for k in [3, 8] {
        let (pg, pb) = (
            one(&art, &format!("hi_good.p.{k}")),
            one(&art, &format!("hi_bad.p.{k}")),
        );
        assert!(pg > pb, "point {k}: {pg} vs {pb}");
        assert!((pg - norm(y[k] - good[k])).abs() < 1e-12);
        assert!((pb - norm(y[k] - bad[k])).abs() < 1e-12);
    }
    // -log L = (I/2) log(2πσ²) + Σ (y_i - f_i)² / 2σ² (UDL eq. 5.11 before dropping constants).
    let nll = |pred: &[f64]| {
        let sse: f64 = y.iter().zip(pred).map(|(y, f)| (y - f).powi(2)).sum();
        6.0 * (2.0 * PI * sigma * sigma).ln() + sse / (2.0 * sigma * sigma)
    };
    assert!((one(&art, "lik_good.nll") - nll(good)).abs() < 1e-10);
    assert!((one(&art, "lik_bad.nll") - nll(bad)).abs() < 1e-9);
    assert!(one(&art, "lik_good.nll") < one(&art, "lik_bad.nll"));
    // Each predicted density integrates to 1 over the plotted outputs, but for the tail above
    // y = 2 (4.65σ from the mean 1.07 of point 3: 1.7e-6).
    let grid = col(&art, "pdf_good.x");
    assert!((trapezoid(grid, col(&art, "pdf_good.p.3")) - 1.0).abs() < 3e-6);
}

#[test]
fn figure_5_5_heteroscedastic_bands_follow_sigma() {
    let art = build("5.5");
    // Homoscedastic: a band of constant width 4σ around the mean.
    let (lo, hi) = (col(&art, "band_homo.lo"), col(&art, "band_homo.hi"));
    let width = hi[0] - lo[0];
    assert!(
        lo.iter()
            .zip(hi)
            .all(|(l, h)| ((h - l) - width).abs() < 1e-12)
    );
    // σ is the maximum-likelihood value for the mean network: 0.235 (see the spec).
    assert!((width / 4.0 - 0.2347).abs() < 1e-3, "{}", width / 4.0);
    // Heteroscedastic: σ(x) = |f_2(x)| = 0.12 + 1.3 ReLU(0.3 - x) + 0.3 ReLU(0.65x - 0.5).
    let (lo, hi) = (col(&art, "band_hetero.lo"), col(&art, "band_hetero.hi"));
    let x = col(&art, "curve_hetero.x");
    let mean = col(&art, "curve_hetero.y.0");
    for i in (0..x.len()).step_by(50) {
        let s = 0.12 + 1.3 * (0.3 - x[i]).max(0.0) + 0.3 * (0.65 * x[i] - 0.5).max(0.0);
        assert!(((hi[i] - lo[i]) / 4.0 - s).abs() < 1e-12, "x = {}", x[i]);
        assert!(((hi[i] + lo[i]) / 2.0 - mean[i]).abs() < 1e-12);
    }
    // Letting σ follow the data raises the likelihood.
    assert!(one(&art, "loss_hetero.nll") < one(&art, "loss_homo.nll"));
}

#[test]
fn figures_5_6_and_5_9_masses_sum_to_one() {
    let art = build("5.6");
    assert_eq!(col(&art, "pmf.x"), &[0.0, 1.0]);
    let p = col(&art, "pmf.p");
    assert!((p[1] - 0.7).abs() < 1e-15 && (p[0] + p[1] - 1.0).abs() < 1e-15);
    let art = build("5.9");
    assert_eq!(col(&art, "pmf.x"), &[1.0, 2.0, 3.0, 4.0, 5.0]);
    assert!((col(&art, "pmf.p").iter().sum::<f64>() - 1.0).abs() < 1e-15);
}

#[test]
fn figure_5_7_is_the_logistic_sigmoid() {
    let art = build("5.7");
    assert_eq!(at(&art, "sig.x", "sig.y", 0.0), 0.5);
    let (x, y) = (col(&art, "sig.x"), col(&art, "sig.y"));
    for (x, y) in x.iter().zip(y) {
        assert!((y - sigmoid(*x)).abs() < 1e-15);
        assert!(*y > 0.0 && *y < 1.0);
    }
    assert!(y.windows(2).all(|w| w[1] > w[0]));
}

#[test]
fn figure_5_8_lambda_is_the_sigmoid_of_the_network() {
    let art = build("5.8");
    let lambda = col(&art, "bern.lambda");
    assert!(lambda.iter().all(|l| *l > 0.0 && *l < 1.0));
    for (l, m) in lambda.iter().zip(col(&art, "bern.one-minus-lambda")) {
        assert!((l + m - 1.0).abs() < 1e-15);
    }
    // By hand at x = 0.9: h = ReLU(0.3 - 0.9, -1 + 1.62, -0.5 + 0.585) = (0, 0.62, 0.085),
    // f = 2.6 - 24·0 - 8·0.62 + 50·0.085 = 1.89.
    assert!((at(&art, "curve.x", "curve.y", 0.9) - 1.89).abs() < 1e-12);
    assert!((at(&art, "curve.x", "bern.lambda", 0.9) - sigmoid(1.89)).abs() < 1e-12);
    // Notebook 5_2's check value of the binary cross-entropy.
    assert!((one(&art, "loss.nll") - 9.563_639_387).abs() < 1e-9);
}

#[test]
fn figure_5_10_softmax_columns_sum_to_one() {
    let art = build("5.10");
    let cols: Vec<&[f64]> = (0..3)
        .map(|k| col(&art, &format!("soft.lambda.{k}")))
        .collect();
    for i in 0..cols[0].len() {
        let s: f64 = cols.iter().map(|c| c[i]).sum();
        assert!((s - 1.0).abs() < 1e-14, "row {i}: {s}");
        assert!(cols.iter().all(|c| c[i] > 0.0));
    }
    // By hand at x = 0: h = (0.3, 0, 0), f = (2 - 7.2, -2 - 0.6, 0 + 4.8) = (-5.2, -2.6, 4.8).
    let f = [-5.2f64, -2.6, 4.8];
    let z: f64 = f.iter().map(|v| v.exp()).sum();
    for (k, fk) in f.iter().enumerate() {
        let want = fk.exp() / z;
        assert!((at(&art, "curve.x", &format!("soft.lambda.{k}"), 0.0) - want).abs() < 1e-14);
    }
    // Notebook 5_3's check value of the multiclass cross-entropy.
    assert!((one(&art, "loss.nll") - 17.015_457_867).abs() < 1e-9);
    // The class dots partition the training inputs.
    let n: usize = (0..3)
        .map(|k| col(&art, &format!("classes.x.{k}")).len())
        .sum();
    assert_eq!(n, 20);
}

#[test]
fn figure_5_12_model_is_the_maximum_likelihood_normal() {
    let art = build("5.12");
    let y = col(&art, "samples.value");
    assert_eq!(y.len(), 8);
    assert!(y.windows(2).all(|w| w[0] <= w[1]));
    let mu = y.iter().sum::<f64>() / 8.0;
    let sigma = (y.iter().map(|v| (v - mu).powi(2)).sum::<f64>() / 8.0).sqrt();
    assert!((one(&art, "fit.mu") - mu).abs() < 1e-14);
    assert!((one(&art, "fit.sigma") - sigma).abs() < 1e-14);
    let (x, p) = (col(&art, "model.x"), col(&art, "model.p"));
    let peak = p.iter().copied().fold(0.0, f64::max);
    assert!((peak - 1.0 / (sigma * (2.0 * PI).sqrt())).abs() < 1e-3);
    assert!((trapezoid(x, p) - 1.0).abs() < 1e-3);
    // One arrow per sample.
    for (k, v) in y.iter().enumerate() {
        assert_eq!(one(&art, &format!("delta.y.{k}")), *v);
    }
}

#[test]
fn figure_5_13_von_mises_integrates_to_one_on_the_circle() {
    let art = build("5.13");
    let x = col(&art, "means.x");
    assert!((x[0] + PI).abs() < 1e-15 && (x[x.len() - 1] - PI).abs() < 1e-15);
    for name in [
        "means.p.0",
        "means.p.1",
        "means.p.2",
        "concentrations.p.0",
        "concentrations.p.1",
        "concentrations.p.2",
    ] {
        assert!(
            (trapezoid(x, col(&art, name)) - 1.0).abs() < 1e-10,
            "{name}"
        );
    }
    // Peak of κ = 10 at μ = 0: e^10 / (2π I0(10)), I0(10) = 2815.716628466254.
    let want = 10f64.exp() / (2.0 * PI * 2_815.716_628_466_254);
    assert!((at(&art, "concentrations.x", "concentrations.p.2", 0.0) - want).abs() < 1e-12);
    // μ = 2.5 wraps: the density at -π equals the one at π.
    let p = col(&art, "means.p.2");
    assert!((p[0] - p[p.len() - 1]).abs() < 1e-12);
}

#[test]
fn figure_5_14_mixtures_are_bimodal_then_unimodal() {
    let art = build("5.14");
    let x = col(&art, "mixture.x");
    for i in 0..2 {
        let p = col(&art, &format!("mixture.p.{i}"));
        // [-1.5, 1.5] leaves out 0.6·Pr(z > 5) = 2e-7 of the upper component at x = 0.5.
        assert!((trapezoid(x, p) - 1.0).abs() < 1e-6);
        let c0 = col(&art, &format!("mixture.component.0.{i}"));
        let c1 = col(&art, &format!("mixture.component.1.{i}"));
        assert!(
            p.iter()
                .zip(c0.iter().zip(c1))
                .all(|(p, (a, b))| (p - a - b).abs() < 1e-14)
        );
        // The weights: each component holds its share of the mass.
        assert!((trapezoid(x, c0) - 0.6).abs() < 1e-6);
    }
    assert_eq!(local_maxima(col(&art, "mixture.p.0")), 2, "far-apart means");
    assert_eq!(local_maxima(col(&art, "mixture.p.1")), 1, "close means");
    // The data: 80 pairs, each near one of the two branch means.
    assert_eq!(col(&art, "ys.value").len(), 80);
    assert_eq!(col(&art, "at_xs.x").len(), 80);
}

#[test]
fn figure_5_15_poisson_masses() {
    let art = build("5.15");
    let k = col(&art, "pmf.x");
    for (i, lambda) in [1.4f64, 2.8, 6.0].iter().enumerate() {
        let p = col(&art, &format!("pmf.p.{i}"));
        assert!((p[0] - (-lambda).exp()).abs() < 1e-15);
        // Pr(k) / Pr(k - 1) = λ / k.
        for j in 1..k.len() {
            assert!((p[j] / p[j - 1] - lambda / k[j]).abs() < 1e-12);
        }
        // Counts 0..15 hold all but the far tail: Pr(y > 15) = 5.09e-4 for λ = 6.
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 5.1e-4);
    }
}

#[test]
fn a_mistyped_column_reference_is_located() {
    let t = crate::harness::PipelineTest::new("small").with_real_figures();
    let file = "figures/ch05/loss-binary-classification.toml";
    t.edit(
        file,
        "lambda = \"lambda_train.lambda\"",
        "lambda = \"lambda_trian.lambda\"",
    );
    let ws = t.workspace();
    let text = t.read(file);
    let line = text[..text.find("\"lambda_trian.lambda\"").unwrap()]
        .matches('\n')
        .count()
        + 1;
    let want = format!(
        "{file}:{line}:10: error: column reference `lambda_trian.lambda` refers to no section of this figure; did you mean `lambda_train`?"
    );
    let got: Vec<String> = ws.diagnostics.iter().map(|d| d.to_string()).collect();
    assert!(got.contains(&want), "{got:#?}");
}

#[test]
fn a_missing_column_fails_the_stage_with_the_columns_it_has() {
    let t = crate::harness::PipelineTest::new("small").with_real_figures();
    t.edit(
        "figures/ch05/loss-binary-classification.toml",
        "of = \"at_train.y\"",
        "of = \"at_train.z\"",
    );
    let ws = t.workspace();
    let opts = pipeline::BuildOptions {
        figures: vec!["5.8".into()],
        write_outputs: false,
        book: false,
        ..Default::default()
    };
    let report = pipeline::build(&ws, &opts).unwrap();
    let status = format!("{:?}", report.figures[0].status);
    assert!(report.figures[0].plot.is_none());
    assert!(
        status.contains("analysis.lambda_train")
            && status.contains("section `at_train` has no column `z`")
            && status.contains("y.0"),
        "{status}"
    );
}
