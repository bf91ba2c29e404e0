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

#[test]
fn two_processes_at_once_never_run_a_stage_twice() {
    let t = PipelineTest::new("small").with_real_figures();
    let spawn = |log: &str| {
        std::process::Command::new(crate::harness::pipeline_bin())
            .arg("-C")
            .arg(t.root())
            .args(["build", "-q", "--log"])
            .arg(t.root().join(log))
            .spawn()
            .unwrap()
    };
    let (mut a, mut b) = (spawn("a.log"), spawn("b.log"));
    assert!(a.wait().unwrap().success());
    assert!(b.wait().unwrap().success());
    let log = |name: &str| -> Vec<pipeline::exec::Event> {
        t.read(name)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let (la, lb) = (log("a.log"), log("b.log"));
    let ran = |l: &[pipeline::exec::Event]| -> Vec<String> {
        l.iter()
            .filter(|e| e.action == Action::Ran)
            .map(|e| e.stage.clone())
            .collect()
    };
    let mut all: Vec<String> = ran(&la).into_iter().chain(ran(&lb)).collect();
    all.sort();
    let n = all.len();
    all.dedup();
    assert_eq!(n, all.len(), "a stage ran in both processes");
    // Stages with equal keys (3.1 and 3.92 both use a plain ReLU model) share one entry.
    let mut keys: Vec<&str> = la.iter().map(|e| e.key.as_str()).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(
        n,
        keys.len(),
        "between them the two builds computed every distinct key once"
    );
    let fresh = PipelineTest::new("small").with_real_figures();
    fresh.build();
    assert_eq!(
        t.outputs(),
        fresh.outputs(),
        "outputs equal a single build's"
    );
}

#[test]
fn a_lock_left_by_a_killed_process_is_reclaimed() {
    let t = PipelineTest::new("small");
    let first = t.build();
    // Hold the lock of one stage's key in another process, as a build killed mid-stage would.
    let key = first
        .events
        .iter()
        .find(|e| e.stage == "3.90/plot")
        .unwrap()
        .key
        .clone();
    std::fs::remove_file(t.entry_path(&key)).unwrap();
    let lock = t.root().join(".cache/locks").join(format!("{key}.lock"));
    std::fs::create_dir_all(lock.parent().unwrap()).unwrap();
    // The shell takes the lock on fd 9, then becomes `sleep`, the only holder of that descriptor.
    let mut holder = std::process::Command::new("sh")
        .args(["-c", "exec 9>\"$0\"; flock 9; exec sleep 30"])
        .arg(&lock)
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let busy = std::process::Command::new("flock")
        .args(["-n"])
        .arg(&lock)
        .arg("true")
        .status()
        .unwrap();
    assert!(!busy.success(), "the holder has the lock");
    holder.kill().unwrap(); // SIGKILL: the lock is never released by hand
    holder.wait().unwrap();
    let start = std::time::Instant::now();
    let out = t.cli(&["build", "-q"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        start.elapsed() < std::time::Duration::from_secs(20),
        "the build did not wait for the dead holder"
    );
}

/// Flips one payload byte of an entry in place (so its stamp changes) and, when `vouch`, records
/// the damaged file in the stat index as verified: damage the index cannot see, like bit rot.
fn damage(t: &PipelineTest, key: &str, vouch: bool) {
    let path = t.entry_path(key);
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    std::fs::write(&path, bytes).unwrap();
    if vouch {
        let store = cache::Store::open(t.root().join(".cache")).unwrap();
        assert!(store.vouch(&cache::Key::from_hex(key).unwrap()).unwrap());
        store.save_index().unwrap();
    }
}

fn key_of(report: &pipeline::BuildReport, stage: &str) -> String {
    report
        .events
        .iter()
        .find(|e| e.stage == stage)
        .unwrap_or_else(|| panic!("{stage} not in the log"))
        .key
        .clone()
}

#[test]
fn damage_is_found_after_the_stat_index_vouched_for_the_entries() {
    let t = PipelineTest::new("small");
    let first = t.build();
    let originals = t.outputs();
    // Once the files are older than the timestamp granularity, a build records their stamps,
    // and the next one reads no entry, SVG or lock it need not.
    std::thread::sleep(cache::SETTLE + std::time::Duration::from_millis(100));
    assert_eq!(t.build().executed(), Vec::<&str>::new());
    assert!(t.root().join(".cache/index").is_file());
    assert!(t.root().join(".cache/pipeline/state.json").is_file());
    assert_eq!(t.build().executed(), Vec::<&str>::new());

    damage(&t, &key_of(&first, "3.90/plot"), false);
    let truncated = t.entry_path(&key_of(&first, "3.91/train.fit"));
    let len = std::fs::metadata(&truncated).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&truncated)
        .unwrap()
        .set_len(len / 3)
        .unwrap();
    std::fs::remove_file(t.entry_path(&key_of(&first, "3.92/model.relu"))).unwrap();
    std::fs::write(t.root().join("book/src/figures/3.91.svg"), "<svg/>").unwrap();
    let r = t.build();
    assert_eq!(
        stages_with(&r, Action::Rebuilt),
        vec!["3.91/train.fit", "3.90/plot"]
    );
    assert_eq!(stages_with(&r, Action::Ran), vec!["3.92/model.relu"]);
    assert_eq!(t.outputs(), originals, "rebuilt byte for byte");
    assert_eq!(
        t.read("book/src/figures/3.91.svg").as_bytes(),
        originals["book/src/figures/3.91.svg"].as_slice()
    );
}

#[test]
fn damage_the_stat_index_cannot_see_is_caught_when_the_payload_is_read() {
    let t = PipelineTest::new("small");
    let first = t.build();
    let originals = t.outputs();

    // A plot entry whose outputs must be rewritten: read, found damaged, rebuilt.
    damage(&t, &key_of(&first, "3.90/plot"), true);
    std::fs::remove_file(t.root().join("book/src/figures/3.90.svg")).unwrap();
    let r = t.build();
    assert_eq!(stages_with(&r, Action::Rebuilt), vec!["3.90/plot"]);
    let e = r.events.iter().find(|e| e.stage == "3.90/plot").unwrap();
    assert!(
        e.detail
            .starts_with("cache entry for 3.90/plot was corrupt (payload hash mismatch"),
        "{}",
        e.detail
    );
    assert_eq!(t.outputs(), originals);

    // The inputs of a stage that runs are read: a damaged one (and, for it, its own damaged
    // input) is rebuilt on the spot.
    damage(&t, &key_of(&first, "3.90/analysis.curve"), true);
    damage(&t, &key_of(&first, "3.90/model.net"), true);
    t.edit(
        "figures/ch03/net.toml",
        "color = \"cyan\"",
        "color = \"orange\"",
    );
    let r = t.build();
    assert_eq!(
        stages_with(&r, Action::Rebuilt),
        vec!["3.90/model.net", "3.90/analysis.curve"]
    );
    assert_eq!(stages_with(&r, Action::Ran), vec!["3.90/plot"]);
    let expected = PipelineTest::new("small");
    expected.edit(
        "figures/ch03/net.toml",
        "color = \"cyan\"",
        "color = \"orange\"",
    );
    expected.build();
    assert_eq!(t.outputs(), expected.outputs());
    let store = cache::Store::open(t.root().join(".cache")).unwrap();
    assert!(store.verify_all().unwrap().corrupt.is_empty());
}

#[test]
fn a_no_op_build_does_not_read_entries_the_stat_index_vouches_for() {
    // The trade-off of the stat index, asserted: damage under an unchanged stamp goes unseen by a
    // build that reads nothing, and `cache verify` (which always re-hashes) finds it.
    let t = PipelineTest::new("small");
    let first = t.build();
    damage(&t, &key_of(&first, "3.91/train.fit"), true);
    let r = t.build();
    assert_eq!(r.executed(), Vec::<&str>::new());
    let out = t.cli(&["cache", "verify"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("payload hash mismatch"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stages_with(&t.build(), Action::Ran), vec!["3.91/train.fit"]);
}
