//! Unit tests for grids, functions, data specs and tables.

use crate::*;
use serde_json::json;

fn assert_close(actual: f64, expected: f64, tol: f64) {
    assert!(
        (actual - expected).abs() <= tol,
        "expected {expected}, got {actual} (tolerance {tol})"
    );
}

fn paths(issues: &[(String, String)]) -> Vec<&str> {
    issues.iter().map(|(p, _)| p.as_str()).collect()
}

#[test]
fn grid_matches_linspace() {
    let xs = GridSpec::new(0.0, 1.0, 5).points();
    assert_eq!(xs, vec![0.0, 0.25, 0.5, 0.75, 1.0]);
    // Half-open [0, 1) with 4 points: step 1/4, stop excluded.
    let half_open = GridSpec {
        endpoint: false,
        ..GridSpec::new(0.0, 1.0, 4)
    };
    assert_eq!(half_open.points(), vec![0.0, 0.25, 0.5, 0.75]);
    // The last point is exactly `stop` even when the step does not divide evenly.
    let xs = GridSpec::new(-5.0, 5.0, 7).points();
    assert_eq!(xs.len(), 7);
    assert_eq!(xs[6], 5.0);
    assert_close(xs[1], -5.0 + 10.0 / 6.0, 1e-15);
}

#[test]
fn grid_validation_names_fields() {
    assert!(GridSpec::new(0.0, 1.0, 2).validate().is_empty());
    let issues = GridSpec::new(1.0, 0.0, 1).validate();
    assert_eq!(paths(&issues), vec!["stop", "num"]);
    let issues = GridSpec::new(f64::NAN, 1.0, 10).validate();
    assert_eq!(paths(&issues), vec!["start"]);
    let issues = GridSpec::new(0.0, 1.0, MAX_GRID_POINTS + 1).validate();
    assert_eq!(paths(&issues), vec!["num"]);
}

#[test]
fn functions_match_closed_forms() {
    let exp_sin = FunctionSpec::ExpSin { period: 1.0 };
    assert_close(exp_sin.eval(0.0), 1.0, 1e-15);
    assert_close(exp_sin.eval(0.25), std::f64::consts::E, 1e-14);
    assert_close(exp_sin.eval(0.75), 1.0 / std::f64::consts::E, 1e-14);

    // 0.5 + 2 sin(2π·x) + 1·sin(2π·3x + π/2) at x = 1/4: 0.5 + 2·1 + sin(3π/2 + π/2) = 2.5.
    let fourier = FunctionSpec::Fourier(FourierSpec {
        offset: 0.5,
        terms: vec![[2.0, 1.0, 0.0], [1.0, 3.0, std::f64::consts::FRAC_PI_2]],
    });
    assert_close(fourier.eval(0.25), 2.5, 1e-12);
    // At x = 0: 0.5 + 0 + sin(π/2) = 1.5.
    assert_close(fourier.eval(0.0), 1.5, 1e-12);
}

#[test]
fn generate_function_and_points() {
    let spec = DataSpec::from_kind(
        "function",
        json!({ "function": { "form": "exp-sin" }, "x": { "start": 0.0, "stop": 1.0, "num": 5 } }),
    )
    .unwrap()
    .unwrap();
    let data = generate(&spec).unwrap();
    assert_eq!(data.x, vec![0.0, 0.25, 0.5, 0.75, 1.0]);
    assert_close(data.y[1], std::f64::consts::E, 1e-14);

    let spec = DataSpec::from_kind("points", json!({ "x": [1.0, 2.0], "y": [3.0, 4.0] }))
        .unwrap()
        .unwrap();
    let data = generate(&spec).unwrap();
    assert_eq!(
        data,
        Dataset {
            x: vec![1.0, 2.0],
            y: vec![3.0, 4.0]
        }
    );
}

#[test]
fn from_kind_rejects_unknown_kinds_and_fields() {
    assert!(DataSpec::from_kind("nope", json!({})).unwrap().is_none());
    let err =
        DataSpec::from_kind("points", json!({ "x": [1.0], "y": [1.0], "z": [1.0] })).unwrap_err();
    assert!(err.to_string().contains("unknown field `z`"), "{err}");
    let err = DataSpec::from_kind(
        "function",
        json!({ "function": { "form": "exp-sin", "scale": 2.0 }, "x": { "start": 0.0, "stop": 1.0, "num": 5 } }),
    )
    .unwrap_err();
    assert!(err.to_string().contains("unknown field `scale`"), "{err}");
    let err = DataSpec::from_kind(
        "function",
        json!({ "function": { "form": "fourier", "terms": [[1.0, 1.0]] }, "x": { "start": 0.0, "stop": 1.0, "num": 5 } }),
    )
    .unwrap_err();
    assert!(err.to_string().contains("length 3"), "{err}");
    // Every listed kind is known to `from_kind`: an unknown key is an error, never "unknown kind".
    for kind in DataSpec::KINDS {
        assert!(
            DataSpec::from_kind(kind, json!({ "no-such-key": 1 })).is_err(),
            "{kind}"
        );
    }
    // mnist1d has a default for every key: an empty table is the official data set.
    assert!(matches!(
        DataSpec::from_kind("mnist1d", json!({})),
        Ok(Some(DataSpec::Mnist1d(_)))
    ));
}

#[test]
fn serialize_round_trips_through_from_kind() {
    let specs = [
        DataSpec::Function(FunctionDataSpec {
            function: FunctionSpec::Fourier(FourierSpec {
                offset: 0.1,
                terms: vec![[1.0, 2.0, 0.3]],
            }),
            x: GridSpec::new(0.0, 1.0, 11),
        }),
        DataSpec::Function(FunctionDataSpec {
            function: FunctionSpec::ExpSin { period: 1.0 },
            x: GridSpec::new(0.0, 1.0, 11),
        }),
        DataSpec::Points(PointsSpec {
            x: vec![0.5],
            y: vec![1.5],
        }),
    ];
    for spec in specs {
        let mut value = serde_json::to_value(&spec).unwrap();
        let kind = value.as_object_mut().unwrap().remove("kind").unwrap();
        let kind = kind.as_str().unwrap();
        assert!(DataSpec::KINDS.contains(&kind));
        assert_eq!(DataSpec::from_kind(kind, value).unwrap(), Some(spec));
    }
}

#[test]
fn validate_reports_points_shapes() {
    let spec = DataSpec::Points(PointsSpec {
        x: vec![1.0, 2.0, f64::INFINITY],
        y: vec![1.0, 2.0],
    });
    let issues = spec.validate();
    assert_eq!(paths(&issues), vec!["y", "x[2]"]);
    assert_eq!(issues[0].1, "expected 3 values, one per x, found 2");
    let err = generate(&spec).unwrap_err().to_string();
    assert!(
        err.starts_with("invalid data spec: y: expected 3 values"),
        "{err}"
    );

    let spec = DataSpec::Function(FunctionDataSpec {
        function: FunctionSpec::ExpSin { period: 1.0 },
        x: GridSpec::new(0.0, 1.0, 1),
    });
    assert_eq!(paths(&spec.validate()), vec!["x.num"]);
}

#[test]
fn table_get_insert_and_stable_json() {
    let mut table = Table::new();
    assert!(table.insert("y", vec![2.0]).is_none());
    table.insert("x", vec![1.0]);
    assert_eq!(table.insert("y", vec![3.0]), Some(vec![2.0]));
    assert_eq!(table.get("y"), Some(&[3.0][..]));
    assert_eq!(table.get("z"), None);
    assert_eq!(table.names().collect::<Vec<_>>(), vec!["x", "y"]);
    let json = serde_json::to_string(&table).unwrap();
    assert_eq!(json, r#"{"columns":{"x":[1.0],"y":[3.0]}}"#);
    assert_eq!(serde_json::from_str::<Table>(&json).unwrap(), table);
}

/// Parses `[data.NAME]` from a TOML document the way the pipeline does: take the table, remove
/// `kind`, hand the rest to `from_kind`.
fn from_toml(doc: &str, name: &str) -> Result<DataSpec, String> {
    let mut doc: toml::Table = doc.parse().map_err(|e| format!("{e}"))?;
    let toml::Value::Table(mut section) = doc["data"].as_table_mut().unwrap().remove(name).unwrap()
    else {
        panic!("not a table")
    };
    let kind = section.remove("kind").unwrap();
    DataSpec::from_kind(kind.as_str().unwrap(), toml::Value::Table(section))
        .map_err(|e| e.to_string())?
        .ok_or_else(|| "unknown kind".to_owned())
}

#[test]
fn toml_sections_parse() {
    let doc = r#"
        [data.target]
        kind = "function"
        function = { form = "fourier", terms = [[1, 1, 0], [0.3, 3.0, 0.5]] }
        x = { start = 0, stop = 1, num = 5, endpoint = false }

        [data.smooth]
        kind = "function"
        function = { form = "exp-sin" }
        x = { start = 0.0, stop = 1.0, num = 3 }

        [data.twelve]
        kind = "points"
        x = [0.03, 0.19]
        y = [0.67, 0.85]

        [data.typo]
        kind = "function"
        function = { form = "fourrier", terms = [] }
        x = { start = 0.0, stop = 1.0, num = 3 }
    "#;
    assert_eq!(
        from_toml(doc, "target"),
        Ok(DataSpec::Function(FunctionDataSpec {
            function: FunctionSpec::Fourier(FourierSpec {
                offset: 0.0,
                terms: vec![[1.0, 1.0, 0.0], [0.3, 3.0, 0.5]],
            }),
            x: GridSpec {
                endpoint: false,
                ..GridSpec::new(0.0, 1.0, 5)
            },
        }))
    );
    assert!(matches!(
        from_toml(doc, "smooth"),
        Ok(DataSpec::Function(FunctionDataSpec {
            function: FunctionSpec::ExpSin { period: 1.0 },
            ..
        }))
    ));
    assert_eq!(
        from_toml(doc, "twelve"),
        Ok(DataSpec::Points(PointsSpec {
            x: vec![0.03, 0.19],
            y: vec![0.67, 0.85]
        }))
    );
    let err = from_toml(doc, "typo").unwrap_err();
    assert!(
        err.contains("unknown variant `fourrier`, expected one of `fourier`, `exp-sin`, `polynomial`, `gaussians`, `gabor`"),
        "{err}"
    );
}

fn noisy(points: usize, sets: usize) -> NoisySamplesSpec {
    NoisySamplesSpec {
        function: FunctionSpec::ExpSin { period: 1.0 },
        points,
        noise: 0.3,
        seed: 1,
        sets,
        interval: [0.0, 1.0],
        omit: None,
    }
}

#[test]
fn noisy_samples_follow_the_notebook_stream() {
    // Reference: NumPy 2.4 with np.random.seed(1), then notebook 8.2's generate_data(5) and
    // generate_data(3): x[i] = np.random.uniform(i/n, (i+1)/n, 1) in a loop, then
    // y = exp(sin(2πx)) + np.random.normal(0, 0.3, n).
    let data = generate(&DataSpec::NoisySamples(noisy(5, 1))).unwrap();
    let x = [
        0.08340440094051481,
        0.3440648986884316,
        0.400022874963469,
        0.660466514526368,
        0.8293511781634226,
    ];
    let y = [
        1.3175783612436667,
        1.79780992797629,
        1.0907475768303367,
        0.769776719333215,
        0.11039963242467332,
    ];
    for i in 0..5 {
        assert_close(data.x[i], x[i], 1e-15);
        assert_close(data.y[i], y[i], 1e-12);
        // One point per stratum [i/5, (i+1)/5].
        assert!(data.x[i] >= i as f64 / 5.0 && data.x[i] <= (i + 1) as f64 / 5.0);
    }
    // Two sets of three points continue one stream: the second set is the next draws.
    let two = noisy(3, 2);
    let both = two.generate();
    assert_eq!(both.len(), 6);
    let first = noisy(3, 1).generate();
    assert_eq!(two.set(&both, 0), first);
    // generate_data(3) called twice after np.random.seed(1): the second call's values (the
    // normal stream's cached half-pair carries over from the first set, as in NumPy).
    let second = two.set(&both, 1);
    let x = [0.17960557800111898, 0.47306483813443156, 0.8950731667989198];
    let y = [1.9725364519587343, 1.2791593470551246, 0.4671593703771859];
    for i in 0..3 {
        assert_close(second.x[i], x[i], 1e-15);
        assert_close(second.y[i], y[i], 1e-12);
    }
}

#[test]
fn noisy_samples_omit_leaves_out_a_gap_and_keeps_the_other_draws() {
    // noisy(5, 1) draws x = 0.083, 0.344, 0.400, 0.660, 0.829 (see above): omitting (0.3, 0.7)
    // leaves points 0 and 4, with the same x and y as in the full draw.
    let full = noisy(5, 1).generate();
    let gap = NoisySamplesSpec {
        omit: Some([0.3, 0.7]),
        ..noisy(5, 1)
    }
    .generate();
    assert_eq!(gap.x, vec![full.x[0], full.x[4]]);
    assert_eq!(gap.y, vec![full.y[0], full.y[4]]);
    let bad = NoisySamplesSpec {
        omit: Some([0.7, 0.3]),
        ..noisy(5, 2)
    };
    assert_eq!(paths(&bad.validate()), vec!["omit", "omit"]);
}

#[test]
fn exp_sin_period_stretches_the_function() {
    // exp(sin(2πx/P)): with P = 4, x = 1 is a quarter period (e), x = 3 three quarters (1/e).
    let f = FunctionSpec::ExpSin { period: 4.0 };
    assert_close(f.eval(1.0), 1f64.exp(), 1e-15);
    assert_close(f.eval(3.0), (-1f64).exp(), 1e-15);
    // The default period is 1, and it is left out when serialised (so old keys stay).
    let unit: FunctionSpec = serde_json::from_value(json!({ "form": "exp-sin" })).unwrap();
    assert_eq!(unit, FunctionSpec::ExpSin { period: 1.0 });
    assert_eq!(
        serde_json::to_value(&unit).unwrap(),
        json!({ "form": "exp-sin" })
    );
    let bad = FunctionSpec::ExpSin { period: 0.0 };
    assert_eq!(paths(&bad.validate()), vec!["period"]);
}

#[test]
fn noisy_samples_are_seeded_and_validated() {
    let a = noisy(15, 100).generate();
    assert_eq!(a, noisy(15, 100).generate());
    let other = NoisySamplesSpec {
        seed: 2,
        ..noisy(15, 100)
    };
    assert_ne!(a, other.generate());
    // Without noise every y is the function.
    let clean = NoisySamplesSpec {
        noise: 0.0,
        ..noisy(7, 1)
    }
    .generate();
    for (&x, &y) in clean.x.iter().zip(&clean.y) {
        assert_eq!(y, FunctionSpec::ExpSin { period: 1.0 }.eval(x));
    }
    let bad = NoisySamplesSpec {
        points: 0,
        sets: 0,
        noise: -1.0,
        interval: [1.0, 0.0],
        ..noisy(1, 1)
    };
    assert_eq!(
        paths(&bad.validate()),
        vec!["points", "sets", "noise", "interval"]
    );
    // TOML keys: defaults for sets and interval, unknown keys rejected.
    let doc = r#"
        [data.toy]
        kind = "noisy-samples"
        function = { form = "exp-sin" }
        points = 15
        noise = 0.3
        seed = 1
    "#;
    let spec = from_toml(doc, "toy").unwrap();
    let typo = from_toml(&doc.replace("points", "point"), "toy").unwrap_err();
    assert!(typo.contains("unknown field `point`"), "{typo}");
    assert_eq!(spec, DataSpec::NoisySamples(noisy(15, 1)));
}
