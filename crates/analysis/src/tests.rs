//! Unit tests: evaluating the fig. 3.3 network, fit errors by hand, specs.

use crate::*;
use data::{Dataset, GridSpec};
use models::{Activation, Model, ModelSpec, ShallowNet, ShallowSpec};
use serde_json::json;

fn assert_all_close(actual: &[f64], expected: &[f64], tol: f64) {
    assert_eq!(actual.len(), expected.len(), "{actual:?} vs {expected:?}");
    for (a, e) in actual.iter().zip(expected) {
        assert!(
            (a - e).abs() <= tol,
            "expected {expected:?}, got {actual:?}"
        );
    }
}

fn fig_3_3() -> Model {
    Model::build(&ModelSpec::Shallow(ShallowSpec {
        activation: Activation::Relu,
        theta: vec![vec![0.3, -1.0], vec![-1.0, 2.0], vec![-0.5, 0.65]],
        phi: vec![vec![-0.3, 2.0, -1.0, 7.0]],
    }))
    .unwrap()
}

#[test]
fn evaluate_traces_the_fig_3_3_network() {
    let table = evaluate(&fig_3_3(), &GridSpec::new(0.0, 1.0, 3)).unwrap();
    // x = 0:   pre = (0.3, −1, −0.5)   -> h = (0.3, 0, 0)    -> y = −0.3 + 0.6 = 0.3
    // x = 0.5: pre = (−0.2, 0, −0.175) -> h = (0, 0, 0)      -> y = −0.3
    // x = 1:   pre = (−0.7, 1, 0.15)   -> h = (0, 1, 0.15)   -> y = −0.3 − 1 + 1.05 = −0.25
    assert_all_close(table.get("x").unwrap(), &[0.0, 0.5, 1.0], 0.0);
    assert_all_close(table.get("pre.2").unwrap(), &[-0.5, -0.175, 0.15], 1e-12);
    assert_all_close(table.get("act.1").unwrap(), &[0.0, 0.0, 1.0], 1e-12);
    assert_all_close(table.get("weighted.0.2").unwrap(), &[0.0, 0.0, 1.05], 1e-12);
    assert_all_close(table.get("y").unwrap(), &[0.3, -0.3, -0.25], 1e-12);
    assert_eq!(table.columns.len(), 12);
    // Same inputs, same bytes.
    let again = evaluate(&fig_3_3(), &GridSpec::new(0.0, 1.0, 3)).unwrap();
    assert_eq!(
        serde_json::to_vec(&table).unwrap(),
        serde_json::to_vec(&again).unwrap()
    );
}

#[test]
fn evaluate_rejects_bad_grids_and_multi_input_models() {
    let err = evaluate(&fig_3_3(), &GridSpec::new(0.0, 1.0, 1)).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidSpec(issues) if issues[0].0 == "x.num"),
        "{err}"
    );
    let two_in = Model::Shallow(
        ShallowNet::new(
            Activation::Relu,
            vec![vec![0.0, 1.0, 1.0]],
            vec![vec![0.0, 1.0]],
        )
        .unwrap(),
    );
    let err = evaluate(&two_in, &GridSpec::new(0.0, 1.0, 3)).unwrap_err();
    assert!(
        matches!(err, Error::Model(models::Error::NotOneInput(2))),
        "{err}"
    );
}

#[test]
fn joints_table() {
    // 0.3/1.0, 1.0/2.0, 0.5/0.65
    let table = joints(&fig_3_3()).unwrap();
    assert_all_close(table.get("joints").unwrap(), &[0.3, 0.5, 0.5 / 0.65], 1e-15);
    // Plus one single-value column per joint, for shading between two of them.
    assert_eq!(table.columns.len(), 4);
    assert_all_close(table.get("joint.1").unwrap(), &[0.5], 1e-15);
    assert_all_close(table.get("joint.2").unwrap(), &[0.5 / 0.65], 1e-15);
    let two_in = Model::Shallow(
        ShallowNet::new(
            Activation::Relu,
            vec![vec![0.0, 1.0, 1.0]],
            vec![vec![0.0, 1.0]],
        )
        .unwrap(),
    );
    assert!(matches!(
        joints(&two_in),
        Err(Error::Model(models::Error::NotOneInput(2)))
    ));
}

#[test]
fn fit_error_by_hand() {
    // ReLU at x = −1, 2 predicts 0, 2; targets 1, 1 -> residuals −1, 1 -> SSE 2, MSE 1.
    let relu = Model::Activation {
        function: Activation::Relu,
    };
    let data = Dataset {
        x: vec![-1.0, 2.0],
        y: vec![1.0, 1.0],
    };
    let table = fit_error(&relu, &data).unwrap();
    assert_eq!(table.get("sse"), Some(&[2.0][..]));
    assert_eq!(table.get("mse"), Some(&[1.0][..]));
    assert_eq!(table.columns.len(), 2);
    let empty = Dataset {
        x: vec![],
        y: vec![],
    };
    assert!(matches!(
        fit_error(&relu, &empty),
        Err(Error::Unsupported(_))
    ));
}

#[test]
fn analysis_spec_from_kind_validate_references() {
    let spec = AnalysisSpec::from_kind(
        "evaluate",
        json!({ "model": "net", "x": { "start": 0.0, "stop": 1.0, "num": 101, "endpoint": false } }),
    )
    .unwrap()
    .unwrap();
    assert_eq!(spec.references(), vec![("model", "net")]);
    assert!(spec.validate().is_empty());
    let spec = AnalysisSpec::from_kind("fit-error", json!({ "model": "fit", "data": "target" }))
        .unwrap()
        .unwrap();
    assert_eq!(
        spec.references(),
        vec![("model", "fit"), ("data", "target")]
    );
    let joints_spec = AnalysisSpec::from_kind("joints", json!({ "model": "net" }))
        .unwrap()
        .unwrap();
    assert_eq!(joints_spec.references(), vec![("model", "net")]);

    let bad = AnalysisSpec::Evaluate(EvaluateSpec {
        model: "net".to_owned(),
        x: GridSpec::new(1.0, 0.0, 10),
    });
    assert_eq!(bad.validate()[0].0, "x.stop");

    for spec in [bad, spec, joints_spec] {
        let mut value = serde_json::to_value(&spec).unwrap();
        let kind = value.as_object_mut().unwrap().remove("kind").unwrap();
        let kind = kind.as_str().unwrap();
        assert!(AnalysisSpec::KINDS.contains(&kind));
        assert_eq!(AnalysisSpec::from_kind(kind, value).unwrap(), Some(spec));
    }
    let err = AnalysisSpec::from_kind(
        "evaluate",
        json!({ "model": "net", "x": { "start": 0, "stop": 1, "num": 5, "step": 1 } }),
    )
    .unwrap_err();
    assert!(err.to_string().contains("unknown field `step`"), "{err}");
    assert!(
        AnalysisSpec::from_kind("hessian", json!({}))
            .unwrap()
            .is_none()
    );
    for kind in AnalysisSpec::KINDS {
        assert!(AnalysisSpec::from_kind(kind, json!({})).is_err(), "{kind}");
    }
}
