//! Incremental rebuilds: what re-runs after each kind of edit, asserted from the execution log.

use crate::harness::{PipelineTest, stages_with};
use pipeline::exec::Action;

#[test]
fn second_build_executes_nothing() {
    let t = PipelineTest::new("small");
    let first = t.build();
    assert_eq!(
        first.executed().len(),
        12,
        "first build runs every stage: {:?}",
        first.executed()
    );
    assert!(first.book_built);
    let second = t.build();
    assert_eq!(
        second.executed(),
        Vec::<&str>::new(),
        "second build must execute nothing"
    );
    assert_eq!(stages_with(&second, Action::Hit).len(), 12);
    assert!(!second.book_built, "an unchanged book is not rebuilt");
    assert!(
        second
            .summary(0)
            .starts_with("3 figures: 0 built, 3 fresh, 0 failed in "),
        "{}",
        second.summary(0)
    );
}

#[test]
fn changing_a_plot_colour_reruns_only_the_plot() {
    let t = PipelineTest::new("small");
    t.build();
    t.edit(
        "figures/ch03/net.toml",
        "color = \"cyan\"",
        "color = \"orange\"",
    );
    let r = t.build();
    assert_eq!(r.executed(), vec!["3.90/plot"]);
    assert!(r.book_built, "the book shows the new figure");
}

#[test]
fn changing_a_network_parameter_reruns_model_analysis_and_plot() {
    let t = PipelineTest::new("small");
    t.build();
    t.edit(
        "figures/ch03/net.toml",
        "phi = [[-0.3, 2.0, -1.0]]",
        "phi = [[-0.3, 2.0, -1.5]]",
    );
    let r = t.build();
    assert_eq!(
        r.executed(),
        vec!["3.90/model.net", "3.90/analysis.curve", "3.90/plot"]
    );
    assert!(r.book_built);
}

#[test]
fn comments_and_key_order_change_no_key() {
    let t = PipelineTest::new("small");
    t.build();
    let before = t.outputs();
    t.edit(
        "figures/ch03/net.toml",
        "# Fixture: a hand-set shallow network and its output.",
        "# A different comment.\n# And another.",
    );
    t.edit(
        "figures/ch03/net.toml",
        "theta = [[0.3, -1.0], [-1.0, 2.0]]\nphi = [[-0.3, 2.0, -1.0]]",
        "phi = [[-0.3, 2.0, -1.0]] # output layer\ntheta = [[0.3, -1.0], [-1.0, 2.0]]",
    );
    t.edit(
        "figures/ch03/net.toml",
        "x = { start = 0.0, stop = 1.0, num = 51 }",
        "x = { num = 51, stop = 1.0, start = 0 }",
    );
    let r = t.build();
    assert_eq!(
        r.executed(),
        Vec::<&str>::new(),
        "comment and key-order edits must not re-run stages"
    );
    assert_eq!(t.outputs(), before, "figures and locks are unchanged");
}

#[test]
fn editing_the_plotting_crate_reruns_only_plots() {
    let t = PipelineTest::new("small");
    t.build();
    // The build script hashes crates/plotting/src into this digest; pretend that source changed.
    let mut ws = t.workspace();
    ws.digests = ws
        .digests
        .clone()
        .with("plotting", "an edited plotting crate");
    let r = t.build_ws(&ws, 2);
    let mut executed = r.executed();
    executed.sort();
    assert_eq!(executed, vec!["3.90/plot", "3.91/plot", "3.92/plot"]);
    assert!(r.book_built, "the book depends on the plotting code too");
}

#[test]
fn implementation_digest_follows_source_content_not_mtimes() {
    // The digest the build script uses: editing a plotting source file changes it, touching does not.
    let dir = tempfile::tempdir().unwrap();
    let src = crate::harness::repo_root().join("crates/plotting/src");
    crate::harness::copy_dir(&src, dir.path());
    let before = cache::digest_tree(dir.path()).unwrap();
    let lib = dir.path().join("lib.rs");
    let text = std::fs::read_to_string(&lib).unwrap();
    std::fs::write(&lib, &text).unwrap(); // same content, new mtime
    assert_eq!(cache::digest_tree(dir.path()).unwrap(), before);
    std::fs::write(&lib, format!("{text}\n// an edit\n")).unwrap();
    assert_ne!(cache::digest_tree(dir.path()).unwrap(), before);
}

#[test]
fn parameters_are_normalised_before_hashing() {
    let t = PipelineTest::new("small");
    t.build();
    // An explicit default and another spelling of the same number are the same parameters.
    t.edit(
        "figures/ch03/fit.toml",
        "x = { start = 0.0, stop = 1.0, num = 101 }\n\n[model.basis]",
        "x = { start = 0, stop = 1.0, num = 101, endpoint = true }\n\n[model.basis]",
    );
    t.edit(
        "figures/ch03/fit.toml",
        "offset = 0.1",
        "offset = 0.10000000000000000001",
    );
    let r = t.build();
    assert_eq!(r.executed(), Vec::<&str>::new());
}

#[test]
fn early_cutoff_stops_at_identical_outputs() {
    let t = PipelineTest::new("small");
    t.build();
    // A zero-amplitude extra term changes the data stage's parameters (so it re-runs) but not a
    // single bit of its output, so nothing downstream re-runs.
    t.edit(
        "figures/ch03/fit.toml",
        "terms = [[0.5, 1.0, 0.0]]",
        "terms = [[0.5, 1.0, 0.0], [0.0, 3.0, 0.0]]",
    );
    let r = t.build();
    assert_eq!(r.executed(), vec!["3.91/data.target"]);
    assert_eq!(
        stages_with(&r, Action::Hit)
            .iter()
            .filter(|s| s.starts_with("3.91/"))
            .count(),
        5
    );
    // A change whose output differs re-runs everything downstream.
    t.edit("figures/ch03/fit.toml", "offset = 0.1", "offset = 0.2");
    let r = t.build();
    assert_eq!(
        r.executed(),
        vec![
            "3.91/data.target",
            "3.91/train.fit",
            "3.91/analysis.curve",
            "3.91/analysis.error",
            "3.91/plot"
        ]
    );
}

#[test]
fn jobs_one_and_two_give_identical_outputs() {
    let one = PipelineTest::new("small");
    let two = PipelineTest::new("small");
    let r1 = one.build_jobs(1);
    let r2 = two.build_jobs(2);
    assert_eq!(
        r1.events, r2.events,
        "the execution log is the same whatever the number of jobs"
    );
    let (o1, o2) = (one.outputs(), two.outputs());
    assert_eq!(o1.len(), 6, "3 SVGs and 3 locks: {:?}", o1.keys());
    assert_eq!(o1, o2);
}

#[test]
fn keys_hashed_from_serialised_params_equal_the_manifests_keys() {
    // `Plan::key` hashes pre-serialised parameters; it must agree with the manifest that
    // `explain` prints and entries store, for every stage of every real figure.
    let t = PipelineTest::real();
    let ws = t.workspace();
    let all: Vec<usize> = (0..ws.figures.len()).collect();
    let plan = pipeline::plan::Plan::new(&ws.figures, &all, &ws.style, &ws.digests);
    assert!(plan.stages.len() > 100);
    for (i, s) in plan.stages.iter().enumerate() {
        let inputs = s
            .inputs
            .iter()
            .map(|(name, j)| (name.clone(), cache::Key::of(&j.to_le_bytes()).to_hex()))
            .collect();
        let platform = "test-platform \"quoted\"";
        assert_eq!(
            plan.key(i, &inputs, platform),
            plan.manifest(i, &inputs, platform).key(),
            "{}",
            s.id()
        );
    }
}
