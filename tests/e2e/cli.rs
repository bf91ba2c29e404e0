//! The command line: status explains staleness, explain shows manifests, verify catches
//! differences, export writes the plotted numbers, clean and gc tidy up.

use crate::harness::PipelineTest;

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn status_says_what_changed() {
    let t = PipelineTest::new("small");
    let out = t.cli(&["status"]);
    assert!(stdout(&out).contains("stale  3.90"), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("3.90/model.net: cache entry missing"),
        "{}",
        stdout(&out)
    );
    assert!(t.cli(&["build", "-q"]).status.success());
    let out = t.cli(&["status"]);
    assert!(
        stdout(&out).contains("3 figures: 3 fresh, 0 stale"),
        "{}",
        stdout(&out)
    );

    t.edit(
        "figures/ch03/net.toml",
        "color = \"cyan\"",
        "color = \"orange\"",
    );
    t.edit("figures/ch03/fit.toml", "regions = 8", "regions = 9");
    let out = t.cli(&["status"]);
    let s = stdout(&out);
    assert!(
        s.contains("3.90/plot: panels[0].series[0].color \"cyan\" -> \"orange\""),
        "{s}"
    );
    assert!(s.contains("3.91/model.basis: regions 8 -> 9"), "{s}");
    assert!(
        s.contains("3.91/train.fit: input model.basis is stale"),
        "{s}"
    );
    assert!(s.contains("fresh  3.92"), "{s}");
    assert!(s.contains("3 figures: 1 fresh, 2 stale"), "{s}");
}

#[test]
fn status_names_a_changed_crate() {
    let t = PipelineTest::new("small");
    t.build();
    let mut ws = t.workspace();
    ws.digests = ws.digests.clone().with("plotting", "edited");
    let (plan, states) = pipeline::engine::inspect(&ws, &[]).unwrap();
    let stale: Vec<String> = plan
        .stages
        .iter()
        .zip(&states)
        .filter(|(_, s)| !s.fresh)
        .map(|(p, s)| format!("{}: {}", p.id(), s.reasons.join("; ")))
        .collect();
    assert_eq!(
        stale,
        vec![
            "3.90/plot: crate plotting changed",
            "3.91/plot: crate plotting changed",
            "3.92/plot: crate plotting changed"
        ]
    );
}

#[test]
fn explain_prints_the_exact_manifest_that_is_hashed() {
    let t = PipelineTest::new("small");
    t.build();
    let out = t.cli(&["explain", "3.90"]);
    let s = stdout(&out);
    assert!(out.status.success());
    // Each stage: its key, hit/miss, and a manifest whose blake3 is that key.
    let mut stages = 0;
    let lines: Vec<&str> = s.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        if let Some(key) = line.strip_prefix("  key: ") {
            stages += 1;
            assert!(lines[i - 1].ends_with("[hit]"), "{}", lines[i - 1]);
            let manifest = lines[i + 2].trim_start();
            assert_eq!(
                cache::Key::of(manifest.as_bytes()).to_hex(),
                key,
                "the printed manifest hashes to the key"
            );
            assert!(manifest.contains("\"platform\""), "{manifest}");
        }
    }
    assert_eq!(stages, 3, "{s}");
}

#[test]
fn verify_passes_on_a_fresh_build_and_names_a_difference() {
    let t = PipelineTest::new("small");
    assert!(t.cli(&["build", "-q"]).status.success());
    let out = t.cli(&["verify"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("verify: 3 figures rebuilt from an empty cache, 0 problems")
    );

    // A lock that does not match what the specs produce.
    let lock = t.read("figures/ch03/net.lock");
    let svg_line = lock
        .lines()
        .find(|l| l.starts_with("svg = "))
        .unwrap()
        .to_string();
    t.edit(
        "figures/ch03/net.lock",
        &svg_line,
        "svg = \"0000000000000000000000000000000000000000000000000000000000000000\"",
    );
    let out = t.cli(&["verify"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.contains("MISMATCH figure 3.90, stage plot: output `svg` differs from the lock"),
        "{stderr}"
    );
    assert!(stderr.contains("1 problems"), "{stderr}");
}

#[test]
fn export_writes_the_plotted_numbers() {
    let t = PipelineTest::new("small");
    let dir = tempfile::tempdir().unwrap();
    let out = t.cli(&["export", "3.92", "--out", dir.path().to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = std::fs::read_to_string(dir.path().join("3.92.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("curve.x,curve.y"));
    // ReLU on an 21-point grid over [-1, 1]: x = -1.0 -> 0, x = 1.0 -> 1.
    assert_eq!(lines.next(), Some("-1.0,0.0"));
    assert_eq!(csv.lines().last(), Some("1.0,1.0"));
    assert_eq!(csv.lines().count(), 22);
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("3.92.json")).unwrap()).unwrap();
    assert_eq!(json["curve.y"].as_array().unwrap().len(), 21);
}

#[test]
fn list_clean_and_unknown_figures() {
    let t = PipelineTest::new("small");
    let out = t.cli(&["list"]);
    let s = stdout(&out);
    assert_eq!(s.lines().count(), 3, "{s}");
    assert!(
        s.lines().next().unwrap().starts_with("3.90"),
        "book order: {s}"
    );
    let out = t.cli(&["explain", "3.9"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no figure `3.9`"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(t.cli(&["build", "-q"]).status.success());
    assert!(t.root().join("book/build/index.html").is_file());
    assert!(t.cli(&["clean"]).status.success());
    assert!(!t.root().join(".cache/objects").exists());
    assert!(!t.root().join("book/build").exists());
    assert!(
        t.root().join("figures/ch03/net.lock").is_file(),
        "clean keeps the locks"
    );
}

#[test]
fn verify_compares_numbers_across_platforms() {
    let t = PipelineTest::new("small");
    assert!(t.cli(&["build", "-q"]).status.success());
    // Pretend the locks were made on another machine: bitwise checks no longer apply.
    for lock in ["net", "fit", "relu"] {
        let path = format!("figures/ch03/{lock}.lock");
        let platform = t
            .read(&path)
            .lines()
            .find(|l| l.starts_with("platform = "))
            .unwrap()
            .to_string();
        t.edit(&path, &platform, "platform = \"riscv64-linux+v\"");
    }
    let out = t.cli(&["verify"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("figure 3.92: locked on riscv64-linux+v, rebuilt on"),
        "{stderr}"
    );
    assert!(stderr.contains("cross-platform comparison of the plotted numbers (tolerance 1e-9), not a bitwise check: all within tolerance"), "{stderr}");

    // A locked number that differs beyond the tolerance is a cross-platform mismatch.
    let lock = t.read("figures/ch03/relu.lock");
    let samples = lock
        .lines()
        .filter(|l| l.starts_with("samples = "))
        .nth(1)
        .unwrap()
        .to_string();
    // The last sample of the ReLU's output is ReLU(1.0) = 1.0; lock a slightly different value.
    assert!(samples.ends_with(", 1.0]"), "{samples}");
    t.edit(
        "figures/ch03/relu.lock",
        &samples,
        &samples.replace(", 1.0]", ", 1.000001]"),
    );
    let out = t.cli(&["verify"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("MISMATCH figure 3.92, stage plot [cross-platform]: `curve.y`: sample"),
        "{stderr}"
    );
}
