//! The whole-workspace fast path of a no-op `build` and `status` (`pipeline::fast`): taken when
//! nothing changed, and left for the full path by every change that matters. Each invalidation
//! test asserts what the full path does (a stage runs, an output comes back), so it fails if the
//! fast path wrongly skips.

use std::path::Path;
use std::process::Output;

use crate::harness::PipelineTest;
use pipeline::exec::{Action, Event};

/// Runs `pipeline -q --timings --log <log> ARGS` and returns (stderr, log events, fast?).
fn run(t: &PipelineTest, args: &[&str]) -> (String, Vec<Event>, bool) {
    let log = t.root().join("log.jsonl");
    let _ = std::fs::remove_file(&log);
    let mut all = vec!["-q", "--timings", "--log", log.to_str().unwrap()];
    all.extend_from_slice(args);
    let out = t.cli(&all);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "pipeline {args:?} failed:\n{stderr}");
    let events = std::fs::read_to_string(&log)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("log line"))
        .collect();
    (stderr.clone(), events, timings(&stderr)["fast"] == true)
}

fn timings(stderr: &str) -> serde_json::Value {
    stderr
        .lines()
        .find_map(|l| l.strip_prefix("timings: "))
        .map(|t| serde_json::from_str(t).expect("timings JSON"))
        .unwrap_or_else(|| panic!("no timings in:\n{stderr}"))
}

fn with(events: &[Event], action: Action) -> Vec<&str> {
    events
        .iter()
        .filter(|e| e.action == action)
        .map(|e| e.stage.as_str())
        .collect()
}

/// Builds until the fast path is armed: a first build, then (once every file has settled, see
/// `cache::SETTLE`) a second that records the snapshot; a third must take the fast path.
fn armed(t: &PipelineTest) -> Vec<Event> {
    run(t, &["build"]);
    std::thread::sleep(cache::SETTLE + std::time::Duration::from_millis(200));
    let (_, full, _) = run(t, &["build", "--no-fast"]);
    let (stderr, events, fast) = run(t, &["build"]);
    assert!(
        fast,
        "a no-op build after the snapshot takes the fast path:\n{stderr}"
    );
    assert_eq!(events, full, "the same log as the full path's no-op build");
    events
}

fn status(t: &PipelineTest, extra: &[&str]) -> Output {
    let mut args = extra.to_vec();
    args.push("status");
    t.cli(&args)
}

#[test]
fn a_no_op_build_and_status_take_the_fast_path_and_say_what_the_full_path_says() {
    let t = PipelineTest::new("small");
    let events = armed(&t);
    assert!(events.iter().all(|e| e.action == Action::Hit));
    assert_eq!(events.len(), 12, "every stage of the three figures");
    let fast = status(&t, &["--timings"]);
    let full = status(&t, &["--no-fast"]);
    assert!(fast.status.success() && full.status.success());
    assert_eq!(
        timings(&String::from_utf8_lossy(&fast.stderr))["fast"],
        true
    );
    assert_eq!(
        String::from_utf8_lossy(&fast.stdout),
        String::from_utf8_lossy(&full.stdout)
    );
    // Rewriting a spec with the same bytes changes its stamp, not its content: still fast.
    let spec = t.read("figures/ch03/net.toml");
    std::fs::write(t.root().join("figures/ch03/net.toml"), spec).unwrap();
    let (_, events, fast) = run(&t, &["build"]);
    assert!(fast, "same bytes under a new stamp");
    assert!(events.iter().all(|e| e.action == Action::Hit));
}

#[test]
fn a_spec_edit_leaves_the_fast_path_for_build_and_status() {
    let t = PipelineTest::new("small");
    armed(&t);
    t.edit(
        "figures/ch03/net.toml",
        "color = \"cyan\"",
        "color = \"orange\"",
    );
    let out = status(&t, &["--timings"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("stale  3.90"), "{stdout}");
    let (stderr, events, fast) = run(&t, &["build"]);
    assert!(!fast);
    assert_eq!(with(&events, Action::Ran), vec!["3.90/plot"]);
    assert!(stderr.contains("1 built"), "{stderr}");
}

#[test]
fn a_new_or_removed_spec_leaves_the_fast_path() {
    let t = PipelineTest::new("small");
    armed(&t);
    let spec = t.read("figures/ch03/net.toml");
    std::fs::write(
        t.root().join("figures/ch03/net-copy.toml"),
        spec.replacen("id = \"3.90\"", "id = \"3.93\"", 1),
    )
    .unwrap();
    let (stderr, _, fast) = run(&t, &["build"]);
    assert!(!fast);
    // Same computation as 3.90 (keys do not include the id): all hits, but a new figure with
    // its own SVG and lock, which only the full path writes.
    assert!(stderr.contains("4 figures: 0 built, 4 fresh"), "{stderr}");
    assert!(t.root().join("book/src/figures/3.93.svg").is_file());
    assert!(t.root().join("figures/ch03/net-copy.lock").is_file());

    armed(&t);
    std::fs::remove_file(t.root().join("figures/ch03/net-copy.toml")).unwrap();
    let (stderr, _, fast) = run(&t, &["build"]);
    assert!(!fast);
    assert!(stderr.contains("3 figures: 0 built, 3 fresh"), "{stderr}");
    let out = status(&t, &[]);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("3.93"));
}

#[test]
fn a_deleted_or_damaged_cache_entry_leaves_the_fast_path() {
    let t = PipelineTest::new("small");
    let events = armed(&t);
    let key = |stage: &str| {
        events
            .iter()
            .find(|e| e.stage == stage)
            .expect("stage in log")
            .key
            .clone()
    };
    // An intermediate entry: nothing downstream would notice it is gone.
    std::fs::remove_file(t.entry_path(&key("3.92/model.relu"))).unwrap();
    let out = status(&t, &[]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("stale  3.92"));
    let (_, events, fast) = run(&t, &["build"]);
    assert!(!fast);
    assert_eq!(with(&events, Action::Ran), vec!["3.92/model.relu"]);

    let events = armed(&t);
    let path = t.entry_path(
        &events
            .iter()
            .find(|e| e.stage == "3.91/train.fit")
            .unwrap()
            .key,
    );
    let mut bytes = std::fs::read(&path).unwrap();
    let at = bytes.len() - 3;
    bytes[at] ^= 1;
    std::fs::write(&path, bytes).unwrap();
    let (_, events, fast) = run(&t, &["build"]);
    assert!(!fast);
    assert_eq!(with(&events, Action::Rebuilt), vec!["3.91/train.fit"]);
}

#[test]
fn a_deleted_or_edited_output_leaves_the_fast_path() {
    let t = PipelineTest::new("small");
    armed(&t);
    let originals = t.outputs();
    std::fs::remove_file(t.root().join("book/src/figures/3.90.svg")).unwrap();
    let (_, _, fast) = run(&t, &["build"]);
    assert!(!fast);
    assert_eq!(t.outputs(), originals);

    armed(&t);
    let lock = t.root().join("figures/ch03/net.lock");
    std::fs::write(&lock, "figure = \"3.90\"\n").unwrap();
    let (_, _, fast) = run(&t, &["build"]);
    assert!(!fast);
    assert_eq!(t.outputs(), originals);
}

#[test]
fn another_cache_a_changed_binary_or_style_leaves_the_fast_path() {
    let t = PipelineTest::new("small");
    armed(&t);
    // Another cache directory: everything runs there.
    let other = t.root().join("other-cache");
    let (_, events, fast) = run(&t, &["--cache", other.to_str().unwrap(), "build"]);
    assert!(!fast);
    assert_eq!(with(&events, Action::Ran).len(), 12);

    // Other implementation digests (another binary's code) do not match the snapshot. (A
    // build in this process records a snapshot under this test binary's identity.)
    t.build();
    let digests = pipeline::digest::Digests::current();
    let check = pipeline::fast::check(t.root(), None, &digests, true);
    assert!(
        matches!(check, pipeline::fast::Check::Fresh(_)),
        "{check:?}"
    );
    let changed = digests.with("plotting", "0000");
    match pipeline::fast::check(t.root(), None, &changed, true) {
        pipeline::fast::Check::Full(why) => assert!(why.contains("binary"), "{why}"),
        other => panic!("other digests must not match the snapshot: {other:?}"),
    }

    // The same code in another file (a rebuilt or copied binary): its stamp differs.
    let copy = t.root().join("pipeline-copy");
    std::fs::copy(crate::harness::pipeline_bin(), &copy).unwrap();
    std::thread::sleep(cache::SETTLE + std::time::Duration::from_millis(200));
    let out = std::process::Command::new(&copy)
        .args(["-C", t.root().to_str().unwrap(), "-q", "--timings", "build"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        timings(&String::from_utf8_lossy(&out.stderr))["fast"],
        false,
        "a different binary file never trusts another's snapshot"
    );

    // The style is part of every plot key.
    armed(&t);
    let style = t.read("figures/style.toml");
    std::fs::write(
        t.root().join("figures/style.toml"),
        format!("{style}\n# a comment changes the bytes, not the keys\n"),
    )
    .unwrap();
    let (_, events, fast) = run(&t, &["build"]);
    assert!(!fast);
    assert!(events.iter().all(|e| e.action == Action::Hit));
}

#[test]
fn a_changed_hand_written_page_rebuilds_the_book() {
    let t = PipelineTest::new("small");
    armed(&t);
    let stamp = Path::new("book/build/.pipeline-book-key");
    let before = t.read(stamp.to_str().unwrap());
    let page = t.root().join("book/src/introduction.md");
    let text = std::fs::read_to_string(&page).unwrap();
    std::fs::write(&page, format!("{text}\nOne more line.\n")).unwrap();
    let (_, _, fast) = run(&t, &["build"]);
    assert!(!fast);
    assert_ne!(
        t.read(stamp.to_str().unwrap()),
        before,
        "the book was rebuilt"
    );
}

/// The small fixture with a second chapter: 4.90, a copy of 3.90 (the same stages and keys).
fn two_chapters() -> PipelineTest {
    let t = PipelineTest::new("small");
    let spec = t.read("figures/ch03/net.toml");
    std::fs::create_dir_all(t.root().join("figures/ch04")).unwrap();
    std::fs::write(
        t.root().join("figures/ch04/net.toml"),
        spec.replacen("id = \"3.90\"", "id = \"4.90\"", 1),
    )
    .unwrap();
    t
}

fn stamp(t: &PipelineTest, file: &str) -> Option<cache::Stamp> {
    cache::Stamp::read(&t.root().join(file)).unwrap()
}

#[test]
fn an_edit_takes_the_edit_path_and_leaves_what_the_full_path_leaves() {
    // Two identical workspaces take the same edit, one on the edit path, one on the full path.
    let (edit, full) = (two_chapters(), two_chapters());
    armed(&edit);
    armed(&full);
    let ch04_page = stamp(&edit, "book/src/ch04.md");
    for t in [&edit, &full] {
        t.edit(
            "figures/ch03/net.toml",
            "color = \"cyan\"",
            "color = \"orange\"",
        );
    }
    let (stderr, events, _) = run(&edit, &["build"]);
    assert_eq!(timings(&stderr)["edit"], true, "{stderr}");
    assert!(stderr.contains("4 figures: 1 built, 3 fresh"), "{stderr}");
    let (full_stderr, full_events, _) = run(&full, &["--no-fast", "build"]);
    assert_eq!(timings(&full_stderr)["edit"], false);
    assert_eq!(with(&events, Action::Ran), vec!["3.90/plot"]);
    assert_eq!(events, full_events, "the same log as the full path's");
    assert_eq!(edit.outputs(), full.outputs(), "the same SVGs and locks");
    let key = "book/build/.pipeline-book-key";
    assert_eq!(edit.read(key), full.read(key), "the same book key");
    assert!(edit.read("book/src/ch03.md").contains("orange"));
    assert_eq!(
        stamp(&edit, "book/src/ch04.md"),
        ch04_page,
        "only the edited chapter's page is regenerated"
    );

    // The full path agrees that the book is current: it does not rebuild it.
    let index = stamp(&edit, "book/build/index.html");
    let (stderr, events, _) = run(&edit, &["--no-fast", "build"]);
    assert!(stderr.contains("0 built"), "{stderr}");
    assert!(events.iter().all(|e| e.action == Action::Hit));
    assert_eq!(stamp(&edit, "book/build/index.html"), index);

    // Edit after edit, before anything settles: the edit path each time.
    for colour in ["#102030", "#102031"] {
        let text = edit.read("figures/ch03/net.toml");
        let at = text.find("color = \"").unwrap() + 9;
        let end = at + text[at..].find('"').unwrap();
        std::fs::write(
            edit.root().join("figures/ch03/net.toml"),
            format!("{}{colour}{}", &text[..at], &text[end..]),
        )
        .unwrap();
        let (stderr, events, _) = run(&edit, &["build"]);
        assert_eq!(timings(&stderr)["edit"], true, "{stderr}");
        assert_eq!(with(&events, Action::Ran), vec!["3.90/plot"]);
        assert!(edit.read("book/src/ch03.md").contains(colour));
    }
}

#[test]
fn edits_the_edit_path_cannot_take_go_the_full_path() {
    let t = two_chapters();
    armed(&t);
    // A new id can move a figure in the book: the full path writes its new SVG.
    t.edit("figures/ch03/net.toml", "id = \"3.90\"", "id = \"3.95\"");
    let (stderr, _, _) = run(&t, &["build"]);
    let why = &timings(&stderr)["full_because"];
    assert!(why.as_str().unwrap().contains("id or chapter"), "{stderr}");
    assert!(t.root().join("book/src/figures/3.95.svg").is_file());

    // An invalid spec is reported by the full path, with file and line.
    armed(&t);
    t.edit(
        "figures/ch03/net.toml",
        "color = \"cyan\"",
        "colour = \"cyan\"",
    );
    t.edit(
        "figures/ch04/net.toml",
        "color = \"cyan\"",
        "colour = \"cyan\"",
    );
    let out = t.cli(&["-q", "--timings", "build"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("figures/ch04/net.toml:"), "{stderr}");
    assert_eq!(timings(&stderr)["edit"], false);

    // An edit while another figure's output is gone: the full path restores that output.
    t.edit(
        "figures/ch03/net.toml",
        "colour = \"cyan\"",
        "color = \"cyan\"",
    );
    t.edit(
        "figures/ch04/net.toml",
        "colour = \"cyan\"",
        "color = \"cyan\"",
    );
    armed(&t);
    t.edit(
        "figures/ch03/net.toml",
        "color = \"cyan\"",
        "color = \"orange\"",
    );
    std::fs::remove_file(t.root().join("book/src/figures/3.91.svg")).unwrap();
    let (stderr, events, _) = run(&t, &["build"]);
    assert_eq!(timings(&stderr)["edit"], false, "{stderr}");
    assert_eq!(with(&events, Action::Ran), vec!["3.95/plot"]);
    assert!(t.root().join("book/src/figures/3.91.svg").is_file());
}
