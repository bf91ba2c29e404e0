//! Phenomena of the toy-regression figures of chapters 8 and 9 (the simplified network fitted by
//! least squares), checked on the real specs: the bias-variance trade-off of figures 8.6, 8.7
//! and 8.9, ridge shrinkage (9.2), the posterior mean as a ridge fit (9.11) and seeded bootstrap
//! resampling (9.7).

use std::collections::BTreeMap;
use std::path::Path;

use pipeline::spec::{FigureSpec, Section};

use crate::harness::repo_root;
use crate::numbers::build_real;

type Art = BTreeMap<String, Vec<f64>>;

fn col<'a>(art: &'a Art, name: &str) -> &'a [f64] {
    art.get(name)
        .unwrap_or_else(|| panic!("the figure plots no `{name}`"))
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

/// Mean over the grid of the variance, from the plotted mean ± one standard deviation.
fn mean_variance(art: &Art, section: &str, suffix: &str) -> f64 {
    let hi = col(art, &format!("{section}.mean-plus-sd{suffix}"));
    let lo = col(art, &format!("{section}.mean-minus-sd{suffix}"));
    mean(
        &hi.iter()
            .zip(lo)
            .map(|(h, l)| ((h - l) / 2.0).powi(2))
            .collect::<Vec<_>>(),
    )
}

/// The parsed real spec `figures/<rel>`.
fn spec(rel: &str) -> FigureSpec {
    let path = repo_root().join("figures").join(rel);
    let source = std::fs::read_to_string(&path).unwrap();
    let (fig, diags) = pipeline::spec::parse_figure(Path::new(rel), &source);
    assert!(diags.is_empty(), "{diags:?}");
    fig.unwrap()
}

fn data_of(fig: &FigureSpec, name: &str) -> data::Dataset {
    match &fig.sections[name] {
        Section::Data(d) => data::generate(d).unwrap(),
        _ => panic!("`{name}` is not a data section"),
    }
}

fn model_of(fig: &FigureSpec, name: &str) -> models::Model {
    match &fig.sections[name] {
        Section::Model(m) => models::Model::build(m).unwrap(),
        _ => panic!("`{name}` is not a model section"),
    }
}

#[test]
fn figure_8_9_sum_of_bias_and_variance_is_smallest_at_an_interior_capacity() {
    let art = build_real("8.9");
    let hidden = col(&art, "bv.hidden");
    let bias2 = col(&art, "bv.bias2");
    let variance = col(&art, "bv.variance");
    let sum = col(&art, "bv.bias2-plus-variance");
    assert_eq!(hidden, (1..=12).map(f64::from).collect::<Vec<_>>());
    for i in 0..12 {
        assert!((sum[i] - (bias2[i] + variance[i])).abs() < 1e-12);
    }
    let best = (0..12).min_by(|&a, &b| sum[a].total_cmp(&sum[b])).unwrap();
    // The book: "minimized when the capacity is four".
    assert_eq!(
        hidden[best], 4.0,
        "minimum at {} hidden units: {sum:?}",
        hidden[best]
    );
    // The trend on either side: bias² falls and variance rises from the smallest to the
    // largest model, and each dominates the sum at its end.
    assert!(bias2[0] > 10.0 * bias2[11], "{bias2:?}");
    assert!(variance[11] > 5.0 * variance[0], "{variance:?}");
    assert!(bias2[0] > variance[0] && variance[11] > bias2[11]);
    assert_eq!(col(&art, "bv.noise"), &[0.09]);
}

#[test]
fn figure_8_6_variance_falls_as_the_training_set_grows() {
    let art = build_real("8.6");
    let v: Vec<f64> = ["six", "ten", "hundred"]
        .iter()
        .map(|n| mean_variance(&art, &format!("bv-{n}"), ""))
        .collect();
    assert!(
        v[0] > v[1] && v[1] > v[2],
        "variance for 6/10/100 points: {v:?}"
    );
    // Variance of a least-squares fit scales roughly like 1/N: 100 points cut it tenfold or more.
    assert!(v[2] < v[0] / 10.0, "{v:?}");
}

#[test]
fn figure_8_7_bias_falls_and_variance_rises_with_capacity() {
    let art = build_real("8.7");
    let truth = col(&art, "bv.truth");
    let bias2: Vec<f64> = (0..3)
        .map(|m| {
            let fit = col(&art, &format!("bv.mean.{m}"));
            mean(
                &fit.iter()
                    .zip(truth)
                    .map(|(f, t)| (f - t).powi(2))
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    let var: Vec<f64> = (0..3)
        .map(|m| mean_variance(&art, "bv", &format!(".{m}")))
        .collect();
    assert!(
        bias2[0] > bias2[1] && bias2[1] > bias2[2],
        "bias² for 3/5/10 regions: {bias2:?}"
    );
    assert!(
        var[0] < var[1] && var[1] < var[2],
        "variance for 3/5/10 regions: {var:?}"
    );
}

/// The output bias and weights of a fitted shallow model.
fn phi(model: &models::Model) -> Vec<f64> {
    match model {
        models::Model::Shallow(net) => net.phi()[0].clone(),
        _ => panic!("not a shallow model"),
    }
}

#[test]
fn figure_9_2_ridge_shrinks_the_weights_monotonically() {
    let fig = spec("ch09/reg-explicit-practice.toml");
    let data = data_of(&fig, "train");
    let model = model_of(&fig, "basis14");
    let art = build_real("9.2");
    let mut fits: Vec<(f64, String)> = fig
        .sections
        .iter()
        .filter_map(|(name, s)| match s {
            Section::Train(training::TrainSpec::LeastSquares(ls)) => Some((ls.ridge, name.clone())),
            _ => None,
        })
        .collect();
    fits.sort_by(|a, b| a.0.total_cmp(&b.0));
    let lambdas: Vec<f64> = fits.iter().map(|f| f.0).collect();
    assert_eq!(lambdas, vec![0.0, 1e-5, 1e-4, 1e-3, 0.01, 0.1]);
    let mut norms = Vec::new();
    for (lambda, name) in &fits {
        let fitted = training::ridge_least_squares(&model, &data, *lambda).unwrap();
        norms.push(phi(&fitted).iter().map(|p| p * p).sum::<f64>());
        // The plotted curve is this fit.
        let curve = name.replace("fit-", "curve-");
        let xs = col(&art, &format!("{curve}.x"));
        let ys = col(&art, &format!("{curve}.y"));
        for (x, y) in xs.iter().zip(ys) {
            assert!((fitted.forward(&[*x]).unwrap()[0] - y).abs() < 1e-9);
        }
    }
    for w in norms.windows(2) {
        assert!(w[1] < w[0], "‖φ‖² by increasing λ: {norms:?}");
    }
}

#[test]
fn figure_9_11_posterior_mean_is_the_ridge_fit() {
    let fig = spec("ch09/reg-bayesian.toml");
    let art = build_real("9.11");
    let data = data_of(&fig, "train");
    let model = model_of(&fig, "basis14");
    let mut seen = 0;
    for (name, s) in &fig.sections {
        let Section::Analysis(analysis::AnalysisSpec::Posterior(p)) = s else {
            continue;
        };
        seen += 1;
        // λ = σ²/σ_p²: the posterior mean (AᵀA/σ² + I/σ_p²)⁻¹Aᵀy/σ² is (AᵀA + λI)⁻¹Aᵀy.
        let lambda = p.noise_variance / p.prior_variance;
        let ridge = training::ridge_least_squares(&model, &data, lambda).unwrap();
        let xs = col(&art, &format!("{name}.x"));
        let means = col(&art, &format!("{name}.mean"));
        for (x, m) in xs.iter().zip(means) {
            let r = ridge.forward(&[*x]).unwrap()[0];
            assert!(
                (m - r).abs() < 1e-8 * (1.0 + r.abs()),
                "{name} at x = {x}: {m} vs {r}"
            );
        }
        // The band is ±2 predictive standard deviations, never narrower than ±2σ.
        let upper = col(&art, &format!("{name}.upper"));
        for (u, m) in upper.iter().zip(means) {
            assert!(u - m >= 2.0 * p.noise_variance.sqrt() - 1e-12);
        }
    }
    assert_eq!(seen, 3);
}

#[test]
fn figure_9_7_bootstrap_is_seeded_and_deterministic() {
    let fig = spec("ch09/reg-ensemble.toml");
    let art = build_real("9.7");
    let data = data_of(&fig, "train");
    let model = model_of(&fig, "basis14");
    let Section::Analysis(analysis::AnalysisSpec::Bootstrap(b)) = &fig.sections["bag"] else {
        panic!("no bootstrap section `bag`");
    };
    let once = analysis::ensemble::bootstrap(b, &model, &data).unwrap();
    let twice = analysis::ensemble::bootstrap(b, &model, &data).unwrap();
    assert_eq!(once, twice);
    // The pipeline's plotted resamples are the same draws.
    for k in 0..b.resamples {
        assert_eq!(
            col(&art, &format!("bag.sample.{k}.x")),
            once.get(&format!("sample.{k}.x")).unwrap()
        );
        assert_eq!(
            col(&art, &format!("bag.fit.{k}")),
            once.get(&format!("fit.{k}")).unwrap()
        );
    }
    // Resamples draw with replacement from the training points, and differ from each other.
    let rows = analysis::ensemble::bootstrap_indices(data.len(), b.resamples, b.seed);
    assert!(rows.iter().any(|r| {
        let mut s = r.clone();
        s.sort_unstable();
        s.dedup();
        s.len() < r.len()
    }));
    assert_ne!(rows[0], rows[1]);
    let other = analysis::AnalysisSpec::Bootstrap(analysis::ensemble::BootstrapSpec {
        seed: b.seed + 1,
        ..b.clone()
    });
    let analysis::AnalysisSpec::Bootstrap(other) = other else {
        unreachable!()
    };
    assert_ne!(
        analysis::ensemble::bootstrap(&other, &model, &data).unwrap(),
        once
    );
    // The ensemble is the mean of the resample fits.
    let m = col(&art, "bag.mean");
    for (i, v) in m.iter().enumerate() {
        let expected = (0..b.resamples)
            .map(|k| col(&art, &format!("bag.fit.{k}"))[i])
            .sum::<f64>()
            / b.resamples as f64;
        assert!((v - expected).abs() < 1e-12);
    }
}
