//! Crash safety: a build killed with SIGKILL at many moments leaves a cache that the next build
//! completes, with no corrupt entry and outputs equal to a clean build's.

use std::process::{Command, Stdio};
use std::time::Instant;

use crate::harness::{PipelineTest, pipeline_bin};

/// Rounds of kill-and-rebuild; every other round kills twice, so there are 1.5x as many kill points.
const ROUNDS: usize = 40;

#[test]
fn builds_killed_at_random_moments_leave_a_valid_cache() {
    let reference = PipelineTest::new("small").with_real_figures();
    let clean = reference.cli(&["build", "-q"]);
    assert!(
        clean.status.success(),
        "{}",
        String::from_utf8_lossy(&clean.stderr)
    );
    let expected = reference.outputs();
    let stage_count = cache_entries(&reference);

    // How long a full build takes here, to spread the kill points over it.
    let t = PipelineTest::new("small").with_real_figures();
    let start = Instant::now();
    assert!(t.cli(&["build", "-q"]).status.success());
    let full = start.elapsed();
    // And how long its book takes: a build with only the book stale, less one with nothing to do.
    // (A fraction of the full build would overshoot it: the figures' stages take far longer.)
    std::fs::remove_dir_all(t.root().join("book/build")).expect("remove the built book");
    let start = Instant::now();
    assert!(t.cli(&["build", "-q"]).status.success());
    let book_only = start.elapsed();
    let start = Instant::now();
    assert!(t.cli(&["build", "-q"]).status.success());
    let book = book_only
        .saturating_sub(start.elapsed())
        .max(std::time::Duration::from_millis(1));

    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut entries_at_kill = Vec::new();
    let mut book_kills = 0;
    let mut kills = 0;
    for i in 0..ROUNDS {
        assert!(t.cli(&["clean"]).status.success());
        // Kill once the cache holds a chosen number of entries (0 = at once; all of them = during
        // the book), so the kill points spread over the stages whatever the machine's speed.
        let target = match i {
            0 => 0,
            1 | 2 => stage_count + 1,
            _ => (next() % (stage_count as u64 + 2)) as usize,
        };
        let mut child = spawn_build(&t);
        let deadline = Instant::now() + full * 20;
        loop {
            let n = cache_entries(&t);
            let done = child.try_wait().expect("poll the build").is_some();
            if done || n >= target.min(stage_count) || Instant::now() > deadline {
                break;
            }
            std::thread::sleep(std::time::Duration::from_micros(200));
        }
        if target > stage_count {
            // Somewhere inside the book build.
            std::thread::sleep(book.mul_f64((next() % 100) as f64 / 100.0));
        }
        child.kill().ok(); // SIGKILL on Unix; the build may already have finished
        child.wait().expect("wait for the killed build");
        kills += 1;
        let n = cache_entries(&t);
        entries_at_kill.push(n);
        if n == stage_count && !t.root().join("book/build/.pipeline-book-key").is_file() {
            book_kills += 1;
        }
        // Every other round is interrupted a second time while resuming, at a random moment.
        if i % 2 == 1 {
            let mut child = spawn_build(&t);
            std::thread::sleep(full.mul_f64((next() % 1000) as f64 / 1000.0));
            child.kill().ok();
            child.wait().expect("wait for the killed build");
            kills += 1;
        }

        let out = t.cli(&["build", "-q"]);
        assert!(
            out.status.success(),
            "round {i} (killed at {n} entries): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let check = t.cli(&["cache", "verify"]);
        assert!(
            check.status.success(),
            "round {i}: {}",
            String::from_utf8_lossy(&check.stderr)
        );
        assert_eq!(
            t.outputs(),
            expected,
            "round {i}: outputs differ from a clean build"
        );
        assert!(
            t.root().join("book/build/index.html").is_file(),
            "round {i}: the book was completed"
        );
    }
    assert!(kills >= 50, "{kills} kill points");
    // The kill points really were spread over the build: some before any stage finished, some
    // in the middle of the stages, some during the book.
    let mid = entries_at_kill
        .iter()
        .filter(|&&n| n > 0 && n < stage_count)
        .count();
    assert!(
        entries_at_kill.contains(&0),
        "no kill before the first stage: {entries_at_kill:?}"
    );
    assert!(
        mid >= 5,
        "too few kills among the stages: {entries_at_kill:?}"
    );
    assert!(
        book_kills >= 1,
        "no kill during the book build: {entries_at_kill:?}"
    );
}

fn spawn_build(t: &PipelineTest) -> std::process::Child {
    Command::new(pipeline_bin())
        .arg("-C")
        .arg(t.root())
        .args(["build", "-q"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn pipeline")
}

fn cache_entries(t: &PipelineTest) -> usize {
    let objects = t.root().join(".cache/objects");
    let Ok(dirs) = std::fs::read_dir(objects) else {
        return 0;
    };
    dirs.flatten()
        .filter_map(|d| std::fs::read_dir(d.path()).ok())
        .flat_map(|files| files.flatten())
        .filter(|f| f.file_name().to_string_lossy().len() == 64)
        .count()
}
