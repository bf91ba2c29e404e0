//! Sweeps: expansion into one stage per grid point, incremental growth of an axis, aggregation,
//! located errors, and double descent on a small configuration.

use std::collections::BTreeMap;

use pipeline::exec::Action;

use crate::harness::{PipelineTest, stages_with};

/// The plotted numbers of figure `id` after a build.
fn plotted(t: &PipelineTest, id: &str) -> BTreeMap<String, Vec<f64>> {
    let dir = t.root().join("export");
    let out = t.cli(&[
        "-q",
        "export",
        id,
        "--out",
        dir.to_str().expect("UTF-8 path"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&t.read(&format!("export/{id}.json"))).expect("export is JSON")
}

#[test]
fn a_sweep_expands_into_one_stage_per_grid_point() {
    let t = PipelineTest::new("sweep");
    let first = t.build();
    let mut ran: Vec<&str> = first.executed();
    ran.sort();
    let mut expected = vec!["3.95/model.net", "3.95/analysis.curve", "3.95/plot"];
    let lines: Vec<String> = ["1.0", "2.0", "3.0"]
        .iter()
        .flat_map(|a| [1, 2].map(|k| format!("[a={a},k={k}]")))
        .flat_map(|p| {
            [
                format!("3.95/data.line{p}"),
                format!("3.95/analysis.err{p}"),
            ]
        })
        .collect();
    expected.extend(lines.iter().map(String::as_str));
    expected.sort();
    assert_eq!(
        ran, expected,
        "one stage per grid point; unswept sections once"
    );

    // `explain` lists the grid points in grid order.
    let out = t.cli(&["explain", "3.95"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let order: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("stage 3.95/data.line"))
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(
        order,
        [
            "[a=1.0,k=1]",
            "[a=1.0,k=2]",
            "[a=2.0,k=1]",
            "[a=2.0,k=2]",
            "[a=3.0,k=1]",
            "[a=3.0,k=2]"
        ]
    );
}

#[test]
fn adding_a_value_to_an_axis_builds_only_the_new_points() {
    let t = PipelineTest::new("sweep");
    let first = t.build();
    let keys: BTreeMap<String, String> = first
        .events
        .iter()
        .map(|e| (e.stage.clone(), e.key.clone()))
        .collect();
    t.edit(
        "figures/ch03/sweep.toml",
        "a = [1.0, 2.0, 3.0]",
        "a = [1.0, 2.0, 3.0, 4.0]",
    );
    let second = t.build();
    let mut ran = second.executed();
    ran.sort();
    assert_eq!(
        ran,
        [
            "3.95/analysis.err[a=4.0,k=1]",
            "3.95/analysis.err[a=4.0,k=2]",
            "3.95/data.line[a=4.0,k=1]",
            "3.95/data.line[a=4.0,k=2]",
            "3.95/plot"
        ]
    );
    let hits = stages_with(&second, Action::Hit);
    assert_eq!(hits.len(), keys.len() - 1, "{hits:?}");
    for e in second.events.iter().filter(|e| e.action == Action::Hit) {
        assert_eq!(keys[&e.stage], e.key, "{} keeps its key", e.stage);
    }
    let numbers = plotted(&t, "3.95");
    assert_eq!(numbers["ends.x"], [1.0, 2.0, 3.0, 4.0]);
}

#[test]
fn an_aggregate_is_the_mean_of_the_grid_points_by_hand() {
    let t = PipelineTest::new("sweep");
    let report = t.build();
    let store = cache::Store::open(t.root().join(".cache")).unwrap();
    // Each grid point's own output, read from the cache: the last y of line (a, k).
    let mut last_y: BTreeMap<String, f64> = BTreeMap::new();
    for e in report
        .events
        .iter()
        .filter(|e| e.stage.contains("/data.line["))
    {
        let key = cache::Key::from_hex(&e.key).unwrap();
        let cache::Lookup::Hit(entry) = store.get(&key).unwrap() else {
            panic!("{} is not in the cache", e.stage)
        };
        let d: serde_json::Value = serde_json::from_slice(&entry.payload).unwrap();
        let y = d["y"].as_array().unwrap();
        last_y.insert(e.stage.clone(), y.last().unwrap().as_f64().unwrap());
    }
    assert_eq!(last_y.len(), 6);
    let numbers = plotted(&t, "3.95");
    for (row, a) in ["1.0", "2.0", "3.0"].iter().enumerate() {
        let ys: Vec<f64> = [1, 2]
            .iter()
            .map(|k| last_y[&format!("3.95/data.line[a={a},k={k}]")])
            .collect();
        let mean = ys.iter().sum::<f64>() / 2.0;
        let sd = ((ys[0] - mean).powi(2) + (ys[1] - mean).powi(2)).sqrt(); // n − 1 = 1
        assert_eq!(numbers["ends.y.mean"][row], mean, "row {row}");
        assert!((numbers["ends.y.lo"][row] - (mean - sd)).abs() < 1e-12);
        assert!((numbers["ends.y.hi"][row] - (mean + sd)).abs() < 1e-12);
        // y(1) = a + k: the mean over k = 1, 2 is a + 1.5.
        assert_eq!(mean, (row + 1) as f64 + 1.5);
    }
    // The second aggregate reduces over `a` (its default `over`), one row per k.
    assert_eq!(numbers["errors.x"], [1.0, 2.0]);
}

#[test]
fn bad_sweeps_are_reported_with_file_line_and_column() {
    let t = PipelineTest::new("sweep");
    t.edit(
        "figures/ch03/sweep.toml",
        "coefficients = [\"$a\", \"$k\"]",
        "coefficients = [\"$a\", \"$kk\"]",
    );
    t.edit("figures/ch03/sweep.toml", "k = [1, 2]", "k = []");
    let out = t.cli(&["status"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("figures/ch03/sweep.toml:11:5: error: in [sweep]: axis `k` is empty"),
        "{err}"
    );
    assert!(
        err.contains(
            "figures/ch03/sweep.toml:15:57: error: in [data.line]: \"$kk\" names no axis of [sweep]"
        ),
        "{err}"
    );
}

#[test]
fn double_descent_peaks_at_the_interpolation_threshold() {
    // 500 noisy training examples: width 12 (778 parameters) is near the threshold, width 4
    // (234) clearly narrower, width 64 (7,434) much wider.
    let t = PipelineTest::new("double-descent");
    t.build();
    let n = plotted(&t, "8.91");
    assert_eq!(n["errors.x"], [4.0, 12.0, 64.0]);
    let test = &n["errors.test-error.mean"];
    let train = &n["errors.train-error.mean"];
    assert!(
        train[0] > 30.0,
        "the narrow net cannot fit the noisy labels: {train:?}"
    );
    assert!(
        train[1] < 5.0 && train[2] == 0.0,
        "the others (nearly) interpolate: {train:?}"
    );
    assert!(
        test[1] > test[0] + 2.0 && test[1] > test[2] + 2.0,
        "test error peaks at the threshold: {test:?}"
    );
    // The dashed line is computed from the swept model and the data set's size:
    // h² + 52h + 10 = 500, h = (−52 + √(52² + 4·490)) / 2.
    let h = (-52.0 + (52.0f64 * 52.0 + 4.0 * 490.0).sqrt()) / 2.0;
    let at = &n["threshold.width"];
    assert_eq!(at.len(), 1, "{at:?}");
    assert!((at[0] - h).abs() < 1e-12, "{at:?} vs {h}");
}
