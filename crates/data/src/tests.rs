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
    let exp_sin = FunctionSpec::ExpSin {};
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
    // Every listed kind is known to `from_kind`: an empty table is an error (a missing key) or,
    // for mnist1d whose keys all have defaults, a spec; never "unknown".
    for kind in DataSpec::KINDS {
        let parsed = DataSpec::from_kind(kind, json!({}));
        assert!(!matches!(parsed, Ok(None)), "{kind}");
        assert_eq!(parsed.is_ok(), *kind == "mnist1d", "{kind}");
    }
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
            function: FunctionSpec::ExpSin {},
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
        function: FunctionSpec::ExpSin {},
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
            function: FunctionSpec::ExpSin {},
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
