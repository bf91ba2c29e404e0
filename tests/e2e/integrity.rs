//! Cache integrity: corrupt, truncated and missing entries are detected, reported and rebuilt.

use crate::harness::{PipelineTest, stages_with};
use pipeline::exec::Action;

#[test]
fn corrupt_truncated_and_missing_entries_are_rebuilt_identically() {
    let t = PipelineTest::new("small");
    let first = t.build();
    let originals = t.outputs();
    let key = |stage: &str| {
        first
            .events
            .iter()
            .find(|e| e.stage == stage)
            .expect("stage in log")
            .key
            .clone()
    };

    // Flip one byte in the middle of the plot entry of 3.90.
    let corrupt = t.entry_path(&key("3.90/plot"));
    let mut bytes = std::fs::read(&corrupt).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x20;
    std::fs::write(&corrupt, bytes).unwrap();
    // Truncate the fitted model of 3.91.
    let truncated = t.entry_path(&key("3.91/train.fit"));
    let len = std::fs::metadata(&truncated).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&truncated)
        .unwrap()
        .set_len(len / 3)
        .unwrap();
    // Delete the model of 3.92.
    std::fs::remove_file(t.entry_path(&key("3.92/model.relu"))).unwrap();

    let r = t.build();
    let rebuilt = stages_with(&r, Action::Rebuilt);
    assert_eq!(rebuilt, vec!["3.91/train.fit", "3.90/plot"]);
    for stage in ["3.90/plot", "3.91/train.fit"] {
        let e = r.events.iter().find(|e| e.stage == stage).unwrap();
        assert!(
            e.detail
                .starts_with(&format!("cache entry for {stage} was corrupt")),
            "{}",
            e.detail
        );
    }
    assert_eq!(stages_with(&r, Action::Ran), vec!["3.92/model.relu"]);
    assert_eq!(
        t.outputs(),
        originals,
        "rebuilt outputs equal the originals byte for byte"
    );
    // The repaired cache is clean.
    assert_eq!(t.build().executed(), Vec::<&str>::new());
    let store = cache::Store::open(t.root().join(".cache")).unwrap();
    assert!(store.verify_all().unwrap().corrupt.is_empty());
}

#[test]
fn deleting_a_figure_output_rewrites_it_from_the_cache() {
    let t = PipelineTest::new("small");
    t.build();
    let originals = t.outputs();
    std::fs::remove_file(t.root().join("book/src/figures/3.91.svg")).unwrap();
    std::fs::remove_file(t.root().join("figures/ch03/net.lock")).unwrap();
    let r = t.build();
    assert_eq!(
        r.executed(),
        Vec::<&str>::new(),
        "outputs come back from the cache without recomputation"
    );
    assert_eq!(t.outputs(), originals);
}

#[test]
fn gc_keeps_reachable_entries_and_removes_the_rest() {
    let t = PipelineTest::new("small");
    t.build();
    t.edit(
        "figures/ch03/net.toml",
        "color = \"cyan\"",
        "color = \"orange\"",
    );
    t.build();
    let ws = t.workspace();
    let (removed, _) = pipeline::engine::gc(&ws).unwrap();
    assert_eq!(removed, 1, "only the old plot of 3.90 is unreachable");
    assert_eq!(
        t.build().executed(),
        Vec::<&str>::new(),
        "gc removed nothing a current spec reaches"
    );
}

#[test]
fn two_builds_at_once_never_run_a_stage_twice() {
    let t = PipelineTest::new("small");
    let ws = t.workspace();
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| t.build_ws(&ws, 2));
        let b = s.spawn(|| t.build_ws(&ws, 2));
        (a.join().unwrap(), b.join().unwrap())
    });
    let mut executed: Vec<&str> = a.executed().into_iter().chain(b.executed()).collect();
    executed.sort();
    let total = executed.len();
    executed.dedup();
    assert_eq!(
        total,
        executed.len(),
        "a stage ran in both builds: {executed:?}"
    );
    assert_eq!(
        total, 12,
        "between them the two builds ran every stage exactly once"
    );
    assert_eq!(t.build().executed(), Vec::<&str>::new());
}
