//! Spec errors: every kind is reported with file:line:column and what was expected, all in one
//! run, and the valid figures of the same workspace still build.

use crate::harness::PipelineTest;

/// (file, anchor text, byte offset of the error inside the anchor, message fragments)
const EXPECTED: &[(&str, &str, usize, &[&str])] = &[
    (
        "bad-check.toml",
        "[0.8, 0.2]",
        0,
        &["in check 1: `left.within`: must be `[lo, hi]` with lo ≤ hi"],
    ),
    (
        "bad-colour.toml",
        "[[panel]]",
        0,
        &[
            "panel 1, series 1 (line): unknown colour `cyann`",
            "palette names",
        ],
    ),
    (
        "bad-mnist1d-trace.toml",
        "\"points\"\nrow",
        0,
        &[
            "in [analysis.wrong]: `data`: `points` is a [data] section of kind `points`",
            "mnist1d-trace needs kind = \"mnist1d\"",
        ],
    ),
    (
        "bad-mnist1d-trace.toml",
        "row = 80",
        6,
        &["in [analysis.far]: `row`: the data set has 80 training rows (0 to 79), found 80"],
    ),
    (
        "bad-plot-reference.toml",
        "\"curves.y\"",
        0,
        &[
            "data reference `curves.y`: no section `curves`",
            "did you mean `curve.y`?",
        ],
    ),
    (
        "bad-shape.toml",
        "[0.0, 1.0, 2.0]",
        0,
        &["in [model.net]: `phi[0]`: expected 2 numbers", "found 3"],
    ),
    (
        "dangling-reference.toml",
        "\"nett\"",
        0,
        &[
            "`model = \"nett\"` refers to no section",
            "did you mean `net`?",
        ],
    ),
    (
        "impossible-value.toml",
        "num = 1 ",
        6,
        &["in [analysis.curve]: `x.num`: expected at least 2 points, found 1"],
    ),
    (
        "missing-field.toml",
        "[model.net]",
        0,
        &["in [model.net]: missing field `phi`"],
    ),
    (
        "syntax-error.toml",
        "theta = [[0.3, -1.0]",
        20,
        &["invalid TOML: unclosed array, expected `]`"],
    ),
    (
        "two-errors.toml",
        "titel",
        0,
        &[
            "in [figure]: unknown field `titel`",
            "did you mean `title`?",
        ],
    ),
    (
        "two-errors.toml",
        "stop = 0.0",
        7,
        &["in [analysis.curve]: `x.stop`: expected stop > start"],
    ),
    (
        "unknown-key.toml",
        "thetaa",
        0,
        &[
            "unknown field `thetaa`, expected one of `activation`, `theta`, `phi`; did you mean `theta`?",
        ],
    ),
    (
        "unknown-kind.toml",
        "\"shallo\"",
        0,
        &["unknown kind `shallo`", "did you mean `shallow`?"],
    ),
    (
        "wrong-type.toml",
        "\"eleven\"",
        0,
        &["invalid type: string \"eleven\", expected usize"],
    ),
];

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    (
        before.matches('\n').count() + 1,
        before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1,
    )
}

#[test]
fn every_kind_of_spec_error_is_located_and_explained() {
    let t = PipelineTest::new("bad");
    let ws = t.workspace();
    let got: Vec<String> = ws.diagnostics.iter().map(|d| d.to_string()).collect();
    assert_eq!(
        got.len(),
        EXPECTED.len(),
        "diagnostics:\n{}",
        got.join("\n")
    );
    for (file, anchor, offset, fragments) in EXPECTED {
        let path = format!("figures/ch04/{file}");
        let text = t.read(&path);
        let at = text
            .find(anchor)
            .unwrap_or_else(|| panic!("anchor {anchor:?} not in {file}"))
            + offset;
        let (line, col) = line_col(&text, at);
        let prefix = format!("{path}:{line}:{col}: error: ");
        let d = got
            .iter()
            .find(|d| d.starts_with(&prefix) && fragments.iter().all(|f| d.contains(f)));
        assert!(
            d.is_some(),
            "expected `{prefix}` with {fragments:?}; got:\n{}",
            got.join("\n")
        );
    }
    assert_eq!(ws.figures.len(), 1, "only the valid figure is planned");
}

#[test]
fn bad_specs_fail_the_run_but_valid_figures_still_build() {
    let t = PipelineTest::new("bad");
    let out = t.cli(&["build"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a run with bad specs exits non-zero:\n{stderr}"
    );
    assert!(
        stderr.contains(
            "figures/ch04/unknown-key.toml:8:1: error: in [model.net]: unknown field `thetaa`"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 figure: 1 built, 0 fresh, 0 failed, 13 invalid specs in "),
        "{stderr}"
    );
    assert!(
        t.root().join("book/src/figures/3.92.svg").is_file(),
        "the valid figure was built"
    );
    assert!(t.root().join("figures/ch03/valid.lock").is_file());
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_bad_pipeline_toml_is_located() {
    let t = PipelineTest::new("small");
    t.edit("pipeline.toml", "jobs = 2", "jobz = 2");
    let out = t.cli(&["build"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.contains(
            "pipeline.toml:9:1: error: unknown field `jobz`, expected `jobs`; did you mean `jobs`?"
        ),
        "{stderr}"
    );
}
