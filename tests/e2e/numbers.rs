//! The numbers behind the real chapter-3 figures, checked against hand computation.

use std::collections::BTreeMap;

use pipeline::Workspace;
use pipeline::stages::PlotArtifact;

pub(crate) fn build_real(figure: &str) -> BTreeMap<String, Vec<f64>> {
    // The real workspace's specs, built into a temporary cache without touching the repository.
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

fn at(art: &BTreeMap<String, Vec<f64>>, xs: &str, ys: &str, x: f64) -> f64 {
    let i = art[xs]
        .iter()
        .position(|v| (v - x).abs() < 1e-12)
        .unwrap_or_else(|| panic!("x = {x} not on the grid"));
    art[ys][i]
}

#[test]
fn figure_3_3_matches_hand_computation() {
    // theta = (0.3, -1.0), (-1.0, 2.0), (-0.5, 0.65); phi = (-0.3, 2.0, -1.0, 7.0).
    let art = build_real("3.3");
    // x = 0.2: pre = (0.1, -0.6, -0.37), h = (0.1, 0, 0), y = -0.3 + 2 * 0.1 = -0.1.
    assert!((at(&art, "trace.x", "trace.pre.0", 0.2) - 0.1).abs() < 1e-12);
    assert!((at(&art, "trace.x", "trace.y", 0.2) - -0.1).abs() < 1e-12);
    // x = 0.6: h = (0, 0.2, 0), y = -0.3 - 0.2 = -0.5.
    assert!((at(&art, "trace.x", "trace.y", 0.6) - -0.5).abs() < 1e-12);
    // x = 1.0: h = (0, 1.0, 0.15), y = -0.3 - 1.0 + 7 * 0.15 = -0.25.
    assert!((at(&art, "trace.x", "trace.y", 1.0) - -0.25).abs() < 1e-12);
    // The shaded region runs between the joints at 0.5 and 0.5 / 0.65.
    assert!((art["joints.joint.1"][0] - 0.5).abs() < 1e-12);
    assert!((art["joints.joint.2"][0] - 0.5 / 0.65).abs() < 1e-12);
}

#[test]
fn figure_3_5_error_shrinks_as_regions_grow() {
    let art = build_real("3.5");
    let e = |n: u32| art[&format!("error{n}.mse")][0];
    assert!(
        e(5) > e(10) && e(10) > e(20),
        "mse 5/10/20 regions: {} {} {}",
        e(5),
        e(10),
        e(20)
    );
    assert!(
        e(20) < e(5) / 20.0,
        "doubling the regions twice cuts the error by far more than 20x"
    );
}

#[test]
fn every_real_figure_builds() {
    let cache = tempfile::tempdir().unwrap();
    let ws = Workspace::load(&crate::harness::repo_root(), Some(cache.path())).unwrap();
    let opts = pipeline::BuildOptions {
        write_outputs: false,
        book: false,
        ..Default::default()
    };
    let report = pipeline::build(&ws, &opts).unwrap();
    let failed: Vec<_> = report
        .figures
        .iter()
        .filter(|f| f.plot.is_none())
        .map(|f| (&f.id, &f.status))
        .collect();
    assert!(failed.is_empty(), "{failed:?}");
    assert!(report.figures.len() >= 6);
}

#[test]
fn figure_4_1_composition_has_nine_regions() {
    // Counted from the activation patterns of both networks' hidden units, not typed in the spec.
    let art = build_real("4.1");
    assert_eq!(art["rc.count"], vec![9.0]);
    assert_eq!(art["rc.boundaries"].len(), 8);
}

#[test]
fn figure_4_7_matches_the_closed_forms() {
    let art = build_real("4.7");
    // K = 5 layers, D = 10 units, Di = 1 input: 471 parameters and 11^5 = 161,051 regions.
    let hit = art
        .iter()
        .filter(|(k, _)| k.ends_with(".params"))
        .flat_map(|(k, params)| params.iter().enumerate().map(move |(i, p)| (k, i, *p)))
        .find(|(_, _, p)| *p == 471.0);
    let (key, i, _) = hit.expect("a curve point with 471 parameters");
    let regions = &art[&key.replace(".params", ".regions")];
    assert_eq!(regions[i], 161_051.0);
}

#[test]
fn figure_3_8_has_seven_regions() {
    let art = build_real("3.8");
    assert_eq!(art["regions.count"], vec![7.0]);
}

#[test]
fn figure_3_9_marks_the_book_point() {
    // D = 500 hidden units, Di = 100 inputs: 51,001 parameters and more than 10^107 regions.
    let art = build_real("3.9");
    let (key, _) = art
        .iter()
        .find(|(k, v)| k.ends_with(".params") && v.contains(&51_001.0))
        .expect("the point D = 500, Di = 100");
    let i = art[key].iter().position(|p| *p == 51_001.0).unwrap();
    let log10 = art
        .get(&key.replace(".params", ".log10-regions"))
        .map(|v| v[i]);
    let regions = art.get(&key.replace(".params", ".regions")).map(|v| v[i]);
    assert!(
        log10.is_some_and(|l| l > 107.0) || regions.is_some_and(|r| r > 1e107),
        "{log10:?} {regions:?}"
    );
}
