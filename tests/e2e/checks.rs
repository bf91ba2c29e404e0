//! `[[check]]`: a figure's claims are tested on every build, recorded in its lock and shown in
//! the book; a claim that stops holding fails the figure and keeps its previous output.

use crate::harness::PipelineTest;
use pipeline::FigureStatus;

const FIT: &str = "figures/ch03/fit.toml";

/// Appends a check to the fixture fit (8 regions of a sine, evaluated on [0, 1]): the fit's
/// maximum lies in the first half of the interval, near the sine's peak at x = 0.25.
fn add_check(t: &PipelineTest, margin: &str) {
    let spec = t.read(FIT);
    let check = format!(
        "\n[[check]]\nclaim = \"The fit peaks near the sine's maximum at x = 0.25\"\n\
         left = {{ of = \"curve.y\", take = \"argmax\" }}\nop = \"=\"\n\
         right = {{ value = 0.25 }}\nmargin = {margin}\n"
    );
    std::fs::write(t.root().join(FIT), spec + &check).expect("write spec");
}

#[test]
fn a_claim_that_holds_is_recorded_in_the_lock_and_the_book() {
    let t = PipelineTest::new("small");
    add_check(&t, "0.02");
    let report = t.build();
    assert!(
        report
            .figures
            .iter()
            .all(|f| f.status == FigureStatus::Built)
    );
    let lock = t.read("figures/ch03/fit.lock");
    assert!(
        lock.contains("claim = \"The fit peaks near the sine's maximum at x = 0.25\""),
        "{lock}"
    );
    // The sampled curve has x = 0, 0.01, …, 1: its maximum is at a sample within 0.02 of 0.25.
    let measured = lock
        .lines()
        .find_map(|l| l.strip_prefix("measured = "))
        .expect("a measured line");
    assert!(
        measured.starts_with("\"argmax of `curve.y` = 0.2"),
        "{measured}"
    );
    assert!(measured.ends_with(" = 0.25 ± 0.02\""), "{measured}");
    let page = t.read("book/src/ch03.md");
    assert!(
        page.contains("Checked on every build of this figure"),
        "{page}"
    );
    assert!(page.contains("The fit peaks near the sine"), "{page}");
    // The series the check reads is stored with the plotted ones (it is plotted here anyway).
    assert!(lock.contains("[numbers.\"curve.y\"]"));
}

#[test]
fn a_claim_that_fails_fails_the_figure_with_both_values_and_keeps_its_output() {
    let t = PipelineTest::new("small");
    add_check(&t, "0.02");
    t.build();
    let svg_before = t.read("book/src/figures/3.91.svg");
    let lock_before = t.read("figures/ch03/fit.lock");

    // Ask for the peak at 0.75, where the sine has its minimum.
    t.edit(FIT, "right = { value = 0.25 }", "right = { value = 0.75 }");
    let report = t.build();
    let fit = report.figures.iter().find(|f| f.id == "3.91").unwrap();
    let FigureStatus::Failed(why) = &fit.status else {
        panic!("the figure must fail: {:?}", fit.status);
    };
    assert!(why.contains("figure 3.91, stage plot"), "{why}");
    assert!(
        why.contains("check \"The fit peaks near the sine's maximum at x = 0.25\" failed: argmax of `curve.y` = 0.2"),
        "{why}"
    );
    assert!(why.ends_with("is not within 0.02 of 0.75"), "{why}");
    // The other figures are unaffected; the failed one keeps its last good SVG and lock.
    assert!(
        report
            .figures
            .iter()
            .filter(|f| f.id != "3.91")
            .all(|f| f.status == FigureStatus::Fresh)
    );
    assert_eq!(t.read("book/src/figures/3.91.svg"), svg_before);
    assert_eq!(t.read("figures/ch03/fit.lock"), lock_before);
}

#[test]
fn checks_key_the_plot_stage_only() {
    // Adding or changing a check re-runs the figure's plot stage and nothing upstream.
    let t = PipelineTest::new("small");
    t.build();
    add_check(&t, "0.02");
    let report = t.build();
    let built = crate::harness::stages_with(&report, pipeline::exec::Action::Ran);
    assert_eq!(built, ["3.91/plot"]);
    t.edit(FIT, "margin = 0.02", "margin = 0.03");
    let built = crate::harness::stages_with(&t.build(), pipeline::exec::Action::Ran);
    assert_eq!(built, ["3.91/plot"]);
}
