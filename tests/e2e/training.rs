//! Trained networks: the MNIST-1D paper's accuracies, the book's figure 8.2, determinism of
//! trained weights across `--jobs`, and a diverging run failing with figure, stage and step.

use std::collections::BTreeMap;

use pipeline::stages::PlotArtifact;
use pipeline::{BuildReport, Workspace};

use crate::harness::PipelineTest;

fn build_real(figure: &str) -> BTreeMap<String, Vec<f64>> {
    let cache = tempfile::tempdir().unwrap();
    let ws =
        Workspace::load(&crate::harness::repo_root(), Some(cache.path())).expect("workspace loads");
    assert!(ws.diagnostics.is_empty(), "{:?}", ws.diagnostics);
    let opts = pipeline::BuildOptions {
        figures: vec![figure.into()],
        write_outputs: false,
        book: false,
        ..Default::default()
    };
    let report = pipeline::build(&ws, &opts).unwrap();
    let done = report.figures[0]
        .plot
        .clone()
        .unwrap_or_else(|| panic!("{figure} failed: {:?}", report.figures[0].status));
    PlotArtifact::decode(
        done.payload()
            .expect("builds without outputs load the plot"),
    )
    .unwrap()
    .series()
    .unwrap()
}

fn last(art: &BTreeMap<String, Vec<f64>>, name: &str) -> f64 {
    *art[name]
        .last()
        .unwrap_or_else(|| panic!("{name} is empty"))
}

#[test]
fn mnist1d_benchmark_matches_the_paper() {
    // Greydanus & Kobak: logistic 32 %, MLP 68 %, CNN 94 %; shuffled CNN 56 %; the repository's
    // notebooks print 31.5, 64-65 and 92-94 %. Issue acceptance ranges below.
    let art = build_real("x.1");
    let acc = |train: &str| last(&art, &format!("{train}.test-accuracy"));
    let (logistic, mlp, cnn) = (acc("logistic"), acc("mlp"), acc("cnn"));
    assert!((30.0..=34.0).contains(&logistic), "logistic {logistic}");
    assert!((62.0..=70.0).contains(&mlp), "MLP {mlp}");
    assert!((90.0..=96.0).contains(&cnn), "CNN {cnn}");
    let cnn_shuffled = acc("cnn-shuffled");
    assert!(
        (50.0..=62.0).contains(&cnn_shuffled),
        "shuffled CNN {cnn_shuffled}"
    );
    for (plain, shuffled) in [
        (logistic, acc("logistic-shuffled")),
        (mlp, acc("mlp-shuffled")),
    ] {
        assert!(
            (plain - shuffled).abs() <= 3.0,
            "a fully connected model should not care about the order: {plain} vs {shuffled}"
        );
    }
    // 6000 steps evaluated every 250: 25 points from step 0.
    assert_eq!(art["cnn.step"].len(), 25);
    assert_eq!(last(&art, "cnn.step"), 6000.0);
}

#[test]
fn figure_8_2_fits_the_training_set_but_not_the_test_set() {
    let art = build_real("8.2");
    // The book: the training error reaches zero (around step 4000), the test error stays near
    // 40 %, and the test loss turns upward.
    let train_err = &art["fit.train-error"];
    let steps = &art["fit.step"];
    let zero_at = steps[train_err
        .iter()
        .position(|&e| e == 0.0)
        .expect("train error reaches 0")];
    assert!(
        (2000.0..=6000.0).contains(&zero_at),
        "train error 0 at {zero_at}"
    );
    let test_err = last(&art, "fit.test-error");
    assert!((30.0..=45.0).contains(&test_err), "test error {test_err}");
    let test_loss = &art["fit.test-loss"];
    let min = test_loss.iter().cloned().fold(f64::INFINITY, f64::min);
    assert!(
        last(&art, "fit.test-loss") > 1.3 * min,
        "the test loss rises from its minimum {min}"
    );
    assert!(last(&art, "fit.train-loss") < 0.05);
}

fn train_payloads(t: &PipelineTest, report: &BuildReport) -> BTreeMap<String, Vec<u8>> {
    let store = cache::Store::open(t.root().join(".cache")).unwrap();
    report
        .events
        .iter()
        .filter(|e| e.stage.contains("/train."))
        .map(|e| {
            let key = cache::Key::from_hex(&e.key).unwrap();
            match store.get(&key).unwrap() {
                cache::Lookup::Hit(entry) => (e.stage.clone(), entry.payload),
                other => panic!("{}: {other:?}", e.stage),
            }
        })
        .collect()
}

#[test]
fn trained_weights_are_identical_whatever_the_jobs() {
    let one = PipelineTest::new("training");
    let r1 = one.build_jobs(1);
    assert!(
        r1.errors.is_empty() && r1.figures[0].plot.is_some(),
        "{:?}",
        r1.figures[0].status
    );
    let two = PipelineTest::new("training");
    let r2 = two.build_jobs(2);
    let (w1, w2) = (train_payloads(&one, &r1), train_payloads(&two, &r2));
    assert_eq!(w1.len(), 2);
    assert_eq!(
        w1, w2,
        "weights and curves differ between --jobs 1 and --jobs 2"
    );
    assert_eq!(one.outputs(), two.outputs());
    // Run after run: a clean rebuild trains again and gets the same bytes.
    assert!(one.cli(&["clean"]).status.success());
    let again = one.build_jobs(2);
    assert!(again.executed().contains(&"8.90/train.mlp"));
    assert_eq!(train_payloads(&one, &again), w1);
    // The payload is a safetensors file another tool can read: weights and curves by name.
    let bundle = data::Bundle::decode(&w1["8.90/train.cnn"]).unwrap();
    let trained = training::classifier::Trained::from_bundle(&bundle).unwrap();
    assert_eq!(
        trained.weights.arch.num_params(),
        models::net::Weights::from_bundle(&bundle)
            .unwrap()
            .arch
            .num_params()
    );
    assert_eq!(
        trained.curves["step"],
        [0.0, 25.0, 50.0, 75.0, 100.0, 125.0, 150.0]
    );
    // A cache hit loads the weights instead of training.
    let hit = one.build_jobs(2);
    assert!(hit.executed().is_empty(), "{:?}", hit.executed());
}

#[test]
fn a_diverging_run_names_figure_stage_and_step() {
    let t = PipelineTest::new("training");
    t.edit(
        "figures/ch08/tiny-training.toml",
        "optimizer = \"adamw\"\nlr = 0.01",
        "optimizer = \"adamw\"\nlr = 1e30",
    );
    let out = t.cli(&["build", "-q"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("figure 8.90, stage train.cnn: training diverged at step"),
        "{err}"
    );
    assert!(err.contains("lower the learning rate"), "{err}");
    // The other network still trained, and its entry is in the cache.
    assert!(!err.contains("train.mlp:"), "{err}");
}
