//! Bad input and hostile conditions: mangled specs never panic and every error has a location;
//! a full disk and a cache from a future version give clear errors and lose nothing.

use std::path::Path;

use proptest::prelude::*;

use crate::harness::{PipelineTest, repo_root};

/// Fragments that a mangled spec may gain: TOML syntax, schema words, awkward values.
const FRAGMENTS: &[&str] = &[
    "=",
    "[",
    "]",
    "[[",
    "]]",
    "{",
    "}",
    "\"",
    "'",
    ",",
    ".",
    "\n",
    "#",
    " ",
    "kind",
    "\"shallow\"",
    "\"evaluate\"",
    "\"relu-basis\"",
    "\"least-squares\"",
    "\"function\"",
    "\"line\"",
    "model",
    "data",
    "x",
    "y",
    "num",
    "theta",
    "phi",
    "regions",
    "[figure]",
    "[[panel]]",
    "[[panel.series]]",
    "[model.a]",
    "[analysis.b]",
    "[train.c]",
    "[data.d]",
    "[layout]",
    "1e999",
    "-0.0",
    "nan",
    "inf",
    "-1",
    "0",
    "1",
    "2",
    "99999999999999999999",
    "1.5",
    "\"curve.y\"",
    "\"x.y.z\"",
    "true",
    "[1, 2]",
    "[[1.0, 2.0]]",
    "{ start = 0.0, stop = 1.0, num = 3 }",
    "\"\"",
    "\"\\u00e9\"",
    "id = \"9.9\"",
    "caption = \"c\"",
    "title = \"t\"",
    "regions = 0",
    "num = 1",
    "color = \"nope\"",
    "range = [1.0, 0.0]",
    "scale = \"log\"",
    "cell = [9, 9]",
    "rows = 0",
    "tolerance = -1",
];

/// The real figure specs and the test fixtures: what gets mangled.
fn corpus() -> Vec<String> {
    let mut out = Vec::new();
    let mut dirs = vec![
        repo_root().join("figures/ch03"),
        repo_root().join("tests/fixtures/small/figures/ch03"),
    ];
    dirs.push(repo_root().join("tests/fixtures/bad/figures/ch04"));
    for d in dirs {
        let mut files: Vec<_> = std::fs::read_dir(&d)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        files.sort();
        for f in files
            .into_iter()
            .filter(|f| f.extension().is_some_and(|x| x == "toml"))
        {
            out.push(std::fs::read_to_string(f).unwrap());
        }
    }
    out
}

#[derive(Clone, Debug)]
enum Edit {
    Delete { at: usize, len: usize },
    Insert { at: usize, fragment: usize },
    DropLine { line: usize },
    DuplicateLine { line: usize },
    SwapLines { a: usize, b: usize },
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 1usize..12).prop_map(|(at, len)| Edit::Delete { at, len }),
        (any::<usize>(), 0..FRAGMENTS.len())
            .prop_map(|(at, fragment)| Edit::Insert { at, fragment }),
        any::<usize>().prop_map(|line| Edit::DropLine { line }),
        any::<usize>().prop_map(|line| Edit::DuplicateLine { line }),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::SwapLines { a, b }),
    ]
}

fn char_boundary(s: &str, at: usize) -> usize {
    let mut i = at % (s.len() + 1);
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn apply(mut s: String, e: &Edit) -> String {
    match *e {
        Edit::Delete { at, len } => {
            let a = char_boundary(&s, at);
            let b = char_boundary(&s, a + len);
            if b > a {
                s.replace_range(a..b, "");
            }
            s
        }
        Edit::Insert { at, fragment } => {
            let a = char_boundary(&s, at);
            s.insert_str(a, FRAGMENTS[fragment]);
            s
        }
        Edit::DropLine { line }
        | Edit::DuplicateLine { line }
        | Edit::SwapLines { a: line, .. } => {
            let mut lines: Vec<&str> = s.lines().collect();
            if lines.is_empty() {
                return s;
            }
            let i = line % lines.len();
            match *e {
                Edit::DropLine { .. } => {
                    lines.remove(i);
                }
                Edit::DuplicateLine { .. } => lines.insert(i, lines[i]),
                Edit::SwapLines { b, .. } => {
                    let j = b % lines.len();
                    lines.swap(i, j);
                }
                _ => unreachable!(),
            }
            lines.join("\n")
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10_000, failure_persistence: None, ..ProptestConfig::default() })]

    /// 10,000 mangled specs: parsing never panics, every problem is located inside the file,
    /// and whatever parses cleanly can be planned and keyed.
    #[test]
    fn mangled_specs_never_panic_and_every_error_has_a_location(
        base in 0usize..1000,
        edits in proptest::collection::vec(edit(), 1..6),
    ) {
        let corpus = corpus_cached();
        let source = edits.iter().fold(corpus[base % corpus.len()].clone(), apply);
        let path = Path::new("figures/ch03/mangled.toml");
        let (spec, diags) = pipeline::spec::parse_figure(path, &source);
        let lines = source.lines().count().max(1) + 1;
        for d in &diags {
            prop_assert_eq!(&d.file, path);
            prop_assert!(d.line >= 1 && d.line <= lines, "line {} of {}: {}", d.line, lines, d);
            prop_assert!(d.column >= 1, "{}", d);
            prop_assert!(!d.message.trim().is_empty());
        }
        prop_assert_eq!(spec.is_some(), diags.is_empty());
        if let Some(spec) = spec {
            let style = style_cached();
            let digests = pipeline::digest::Digests::current();
            let plan = pipeline::plan::Plan::new(std::slice::from_ref(&spec), &[0], style, &digests);
            prop_assert_eq!(plan.stages.len(), spec.sections.len() + 1);
            // Parsing and planning the same text again gives the same keys (no hidden order).
            let (again, _) = pipeline::spec::parse_figure(path, &source);
            let again = again.expect("the same text parses again");
            let replan = pipeline::plan::Plan::new(std::slice::from_ref(&again), &[0], style, &digests);
            for i in 0..plan.stages.len() {
                let m = plan.manifest(i, &Default::default(), "test-platform");
                prop_assert_eq!(m.key(), cache::Key::of(&m.canonical()));
                prop_assert_eq!(m.key(), replan.manifest(i, &Default::default(), "test-platform").key());
            }
        }
    }
}

fn corpus_cached() -> &'static Vec<String> {
    static CORPUS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    CORPUS.get_or_init(corpus)
}

fn style_cached() -> &'static plotting::Style {
    static STYLE: std::sync::OnceLock<plotting::Style> = std::sync::OnceLock::new();
    STYLE.get_or_init(|| {
        plotting::Style::from_toml_str(
            &std::fs::read_to_string(repo_root().join("figures/style.toml")).unwrap(),
        )
        .unwrap()
    })
}

#[test]
fn a_cache_from_a_future_version_is_refused_and_kept() {
    let t = PipelineTest::new("small");
    assert!(t.cli(&["build", "-q"]).status.success());
    std::fs::write(t.root().join(".cache/VERSION"), "99\n").unwrap();
    let out = t.cli(&["build"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.contains("has format version 99, newer than the supported 1"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was deleted"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        std::fs::read_dir(t.root().join(".cache/objects"))
            .unwrap()
            .next()
            .is_some(),
        "entries kept"
    );
}

#[test]
fn a_full_disk_gives_a_clear_error_and_loses_nothing() {
    let t = PipelineTest::new("small");
    let pipeline = crate::harness::pipeline_bin();
    // No file may grow past 4 KiB (a disk that fills up at once); SIGXFSZ is ignored so writes
    // fail with an error instead of killing the process.
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 8; exec \"$0\" -C \"$1\" build")
        .arg(&pipeline)
        .arg(t.root())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("cannot"),
        "a clear error names what failed: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    // Nothing torn: what was written is valid, and a build with space finishes the job.
    let check = t.cli(&["cache", "verify"]);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(String::from_utf8_lossy(&check.stdout).contains(", 0 corrupt"));
    let out = t.cli(&["build", "-q"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let clean = PipelineTest::new("small");
    assert!(clean.cli(&["build", "-q"]).status.success());
    assert_eq!(t.outputs(), clean.outputs());
}

#[test]
fn a_read_only_cache_gives_a_clear_error_and_loses_nothing() {
    // Root ignores permissions, so run the build as `nobody` against a cache it may not write.
    if !Path::new("/usr/bin/setpriv").exists() {
        panic!("this test needs setpriv (util-linux) to drop privileges");
    }
    let t = PipelineTest::new("small");
    assert!(t.cli(&["build", "-q"]).status.success());
    t.edit(
        "figures/ch03/net.toml",
        "color = \"cyan\"",
        "color = \"orange\"",
    );
    let bin = t.root().join("pipeline-bin");
    std::fs::copy(crate::harness::pipeline_bin(), &bin).unwrap();
    let before: Vec<_> = entries(&t.root().join(".cache/objects"));
    let sh = |cmd: &str| {
        assert!(
            std::process::Command::new("sh")
                .arg("-c")
                .arg(cmd)
                .status()
                .unwrap()
                .success(),
            "{cmd}"
        )
    };
    // Everything readable; only the cache is closed to writing.
    let root = t.root().display().to_string();
    sh(&format!(
        "chmod -R a+rwX '{root}' && chmod -R a-w '{root}/.cache' && chmod a+rx \"$(dirname '{root}')\""
    ));
    let out = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(&bin)
        .arg("-C")
        .arg(t.root())
        .arg("build")
        .output()
        .unwrap();
    sh(&format!("chmod -R u+w '{root}/.cache'"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("Permission denied"),
        "the error says why: {stderr}"
    );
    assert!(
        stderr.contains(".cache"),
        "the error names the cache: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(
        entries(&t.root().join(".cache/objects")),
        before,
        "no entry was lost or changed"
    );
    // With write access back, the build completes.
    assert!(t.cli(&["build", "-q"]).status.success());
}

fn entries(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for d in std::fs::read_dir(dir).unwrap().flatten() {
        for f in std::fs::read_dir(d.path()).unwrap().flatten() {
            out.push((
                f.file_name().to_string_lossy().into_owned(),
                std::fs::read(f.path()).unwrap(),
            ));
        }
    }
    out.sort();
    out
}
