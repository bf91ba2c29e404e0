//! Unit tests: activations against closed forms, the fig. 3.3 network by hand, specs and serde.

use crate::*;
use serde_json::json;

fn assert_close(actual: f64, expected: f64, tol: f64) {
    assert!(
        (actual - expected).abs() <= tol,
        "expected {expected}, got {actual} (tolerance {tol})"
    );
}

fn assert_all_close(actual: &[f64], expected: &[f64], tol: f64) {
    assert_eq!(actual.len(), expected.len(), "{actual:?} vs {expected:?}");
    for (a, e) in actual.iter().zip(expected) {
        assert_close(*a, *e, tol);
    }
}

fn paths(issues: &[(String, String)]) -> Vec<&str> {
    issues.iter().map(|(p, _)| p.as_str()).collect()
}

/// The network of UDL fig. 3.3 (NB 3_1).
fn fig_3_3() -> Model {
    Model::build(&ModelSpec::Shallow(ShallowSpec {
        activation: Activation::Relu,
        theta: vec![vec![0.3, -1.0], vec![-1.0, 2.0], vec![-0.5, 0.65]],
        phi: vec![vec![-0.3, 2.0, -1.0, 7.0]],
    }))
    .unwrap()
}

#[test]
fn fig_3_3_network_matches_hand_computation() {
    let net = fig_3_3();
    // Unit 0 is active for x < 0.3, unit 1 for x > 0.5, unit 2 for x > 0.769..., so no input
    // makes all three active at once; `multi_output_network_shares_joints` covers that case.
    let xs = [0.0, 0.2, 0.4, 0.9];
    let trace = net.trace(&xs).unwrap();
    // x = 0.0: pre = (0.3, −1.0, −0.5)          -> h = (0.3, 0, 0)       -> y = −0.3 + 2·0.3 = 0.3
    // x = 0.2: pre = (0.1, −0.6, −0.37)         -> h = (0.1, 0, 0)       -> y = −0.3 + 2·0.1 = −0.1
    // x = 0.4: pre = (−0.1, −0.2, −0.24)        -> h = (0, 0, 0)         -> y = −0.3
    // x = 0.9: pre = (−0.6, 0.8, 0.085)         -> h = (0, 0.8, 0.085)
    //          -> y = −0.3 − 1·0.8 + 7·0.085 = −0.3 − 0.8 + 0.595 = −0.505
    assert_all_close(trace.get("x").unwrap(), &xs, 0.0);
    assert_all_close(trace.get("pre.0").unwrap(), &[0.3, 0.1, -0.1, -0.6], 1e-12);
    assert_all_close(trace.get("pre.1").unwrap(), &[-1.0, -0.6, -0.2, 0.8], 1e-12);
    assert_all_close(
        trace.get("pre.2").unwrap(),
        &[-0.5, -0.37, -0.24, 0.085],
        1e-12,
    );
    assert_all_close(trace.get("act.0").unwrap(), &[0.3, 0.1, 0.0, 0.0], 1e-12);
    assert_all_close(trace.get("act.1").unwrap(), &[0.0, 0.0, 0.0, 0.8], 1e-12);
    assert_all_close(trace.get("act.2").unwrap(), &[0.0, 0.0, 0.0, 0.085], 1e-12);
    assert_all_close(
        trace.get("weighted.0.0").unwrap(),
        &[0.6, 0.2, 0.0, 0.0],
        1e-12,
    );
    assert_all_close(
        trace.get("weighted.0.1").unwrap(),
        &[0.0, 0.0, 0.0, -0.8],
        1e-12,
    );
    assert_all_close(
        trace.get("weighted.0.2").unwrap(),
        &[0.0, 0.0, 0.0, 0.595],
        1e-12,
    );
    assert_all_close(trace.get("y").unwrap(), &[0.3, -0.1, -0.3, -0.505], 1e-12);
    assert_eq!(trace.get("y"), trace.get("y.0"));
    let names: Vec<&str> = trace.series.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "act.0",
            "act.1",
            "act.2",
            "pre.0",
            "pre.1",
            "pre.2",
            "weighted.0.0",
            "weighted.0.1",
            "weighted.0.2",
            "x",
            "y",
            "y.0"
        ]
    );
    assert_eq!(net.forward(&[0.9]).unwrap().len(), 1);
    assert_close(net.forward(&[0.9]).unwrap()[0], -0.505, 1e-12);
}

#[test]
fn fig_3_3_joints() {
    // −θ_d0/θ_d1: 0.3/1.0 = 0.3, 1.0/2.0 = 0.5, 0.5/0.65 = 0.76923...
    assert_all_close(&fig_3_3().joints(), &[0.3, 0.5, 0.5 / 0.65], 1e-15);
    assert_close(fig_3_3().joints()[2], 0.769_230_769_230_769_2, 1e-15);
}

#[test]
fn multi_output_network_shares_joints() {
    // Four hidden units, two outputs (the shape of UDL fig. 3.6).
    let net = Model::build(&ModelSpec::Shallow(ShallowSpec {
        activation: Activation::Relu,
        theta: vec![
            vec![-0.1, 1.0],
            vec![0.2, 0.5],
            vec![0.4, -1.0],
            vec![-0.3, 2.0],
        ],
        phi: vec![
            vec![0.5, 1.0, -2.0, 3.0, 0.5],
            vec![-1.0, 0.0, 1.0, 2.0, -1.0],
        ],
    }))
    .unwrap();
    // x = 0.35, all four units active: pre = (0.25, 0.375, 0.05, 0.4) = h
    // y.0 = 0.5 + 1·0.25 − 2·0.375 + 3·0.05 + 0.5·0.4 = 0.5 + 0.25 − 0.75 + 0.15 + 0.2 = 0.35
    // y.1 = −1 + 0 + 1·0.375 + 2·0.05 − 1·0.4 = −0.925
    let trace = net.trace(&[0.35]).unwrap();
    assert_all_close(trace.get("y.0").unwrap(), &[0.35], 1e-12);
    assert_all_close(trace.get("y.1").unwrap(), &[-0.925], 1e-12);
    assert_all_close(trace.get("weighted.1.2").unwrap(), &[0.1], 1e-12);
    assert_eq!(trace.get("y"), trace.get("y.0"));
    assert_all_close(&net.forward(&[0.35]).unwrap(), &[0.35, -0.925], 1e-12);
    // The trace and `forward` sum in the same order: identical bits.
    assert_eq!(
        trace.get("y.1").unwrap()[0],
        net.forward(&[0.35]).unwrap()[1]
    );
    // Joints 0.1, −0.4, 0.4, 0.15, sorted; both outputs bend only there.
    assert_all_close(&net.joints(), &[-0.4, 0.1, 0.15, 0.4], 1e-15);
    assert_eq!(net.output_dim(), 2);
}

#[test]
fn activations_match_closed_forms() {
    let a = |act: Activation, z: f64| act.apply(z);
    assert_eq!(a(Activation::Relu, -1.0), 0.0);
    assert_eq!(a(Activation::Relu, 2.0), 2.0);
    assert_eq!(a(Activation::Sigmoid, 0.0), 0.5);
    assert_eq!(a(Activation::Sigmoid, -1000.0), 0.0);
    assert_eq!(a(Activation::Sigmoid, 1000.0), 1.0);
    assert_close(a(Activation::Tanh, 0.5), 0.462_117_157_260_009_74, 1e-15);
    assert_close(a(Activation::LeakyRelu { alpha: 0.1 }, -2.0), -0.2, 1e-15);
    assert_close(a(Activation::Prelu { alpha: 0.25 }, -2.0), -0.5, 1e-15);
    assert_eq!(a(Activation::Prelu { alpha: 0.25 }, 3.0), 3.0);
    assert_close(a(Activation::Softplus, 0.0), std::f64::consts::LN_2, 1e-15);
    assert_close(a(Activation::Softplus, 1000.0), 1000.0, 1e-12);
    assert_close(a(Activation::Softplus, -1000.0), 0.0, 1e-300);
    assert_close(a(Activation::Gelu, 1.0), 0.841_344_746_068_542_9, 1e-15);
    assert_close(a(Activation::Gelu, -1.0), -0.158_655_253_931_457_07, 1e-15);
    assert_eq!(a(Activation::Gelu, 0.0), 0.0);
    assert_close(a(Activation::Silu, 1.0), 0.731_058_578_630_004_9, 1e-15);
    assert_close(
        a(Activation::Elu { alpha: 0.5 }, -1.0),
        -0.316_060_279_414_278_83,
        1e-15,
    );
    assert_eq!(a(Activation::Elu { alpha: 0.5 }, 2.0), 2.0);
    assert_close(a(Activation::Selu, 1.0), SELU_LAMBDA, 1e-15);
    // λ·α·(e^{−1} − 1)
    assert_close(a(Activation::Selu, -1.0), -1.111_330_737_812_562_5, 1e-14);
    assert_close(
        a(Activation::Swish { beta: 1.4 }, 1.0),
        0.802_183_888_558_581_7,
        1e-15,
    );
    // Swish with β = 1 is SiLU.
    assert_eq!(
        a(Activation::Swish { beta: 1.0 }, 0.7),
        a(Activation::Silu, 0.7)
    );
    assert_eq!(a(Activation::Heaviside, 0.0), 1.0);
    assert_eq!(a(Activation::Heaviside, -0.1), 0.0);
}

#[test]
fn activation_model_traces_x_and_y() {
    let model = Model::build(
        &ModelSpec::from_kind("activation", json!({ "function": "relu" }))
            .unwrap()
            .unwrap(),
    )
    .unwrap();
    let trace = model.trace(&[-5.0, 0.0, 5.0]).unwrap();
    assert_eq!(trace.series.len(), 2);
    assert_eq!(trace.get("y").unwrap(), &[0.0, 0.0, 5.0]);
    assert_eq!(model.joints(), vec![0.0]);
    assert!(matches!(
        model.forward(&[1.0, 2.0]),
        Err(Error::InputDim {
            expected: 1,
            found: 2
        })
    ));
}

#[test]
fn activation_toml_forms() {
    let parse =
        |v: serde_json::Value| serde_json::from_value::<Activation>(v).map_err(|e| e.to_string());
    assert_eq!(parse(json!("tanh")), Ok(Activation::Tanh));
    assert_eq!(parse(json!({ "name": "gelu" })), Ok(Activation::Gelu));
    assert_eq!(
        parse(json!("leaky-relu")),
        Ok(Activation::LeakyRelu { alpha: 0.1 })
    );
    assert_eq!(
        parse(json!({ "name": "leaky-relu", "alpha": 0.2 })),
        Ok(Activation::LeakyRelu { alpha: 0.2 })
    );
    assert_eq!(
        parse(json!({ "name": "elu", "alpha": 0.5 })),
        Ok(Activation::Elu { alpha: 0.5 })
    );
    assert_eq!(
        parse(json!({ "name": "swish", "beta": 1.4 })),
        Ok(Activation::Swish { beta: 1.4 })
    );
    let err = |v| parse(v).unwrap_err();
    assert!(err(json!("elu")).contains("needs `alpha`"));
    assert!(err(json!("swish")).contains("needs `beta`"));
    assert!(err(json!({ "name": "relu", "alpha": 1.0 })).contains("takes no parameter `alpha`"));
    assert!(err(json!({ "name": "swish", "alpha": 1.0 })).contains("takes `beta`, not `alpha`"));
    assert!(err(json!({ "name": "elu", "gamma": 1.0 })).contains("unknown field `gamma`"));
    assert!(
        err(json!("rellu")).contains("unknown activation `rellu`, expected one of relu, sigmoid")
    );
    // Every name parses (with a parameter where one is needed) and reports itself back.
    for name in Activation::NAMES {
        let act = parse(json!(name))
            .or_else(|_| parse(json!({ "name": name, "alpha": 1.0 })))
            .or_else(|_| parse(json!({ "name": name, "beta": 1.0 })))
            .unwrap();
        assert_eq!(act.name(), *name);
        // The table form is the serialised form and parses back to the same value.
        assert_eq!(parse(serde_json::to_value(act).unwrap()), Ok(act));
    }
}

#[test]
fn from_kind_round_trips_every_kind() {
    let specs = [
        ModelSpec::Activation(ActivationModelSpec {
            function: Activation::Elu { alpha: 0.5 },
        }),
        ModelSpec::Shallow(ShallowSpec {
            activation: Activation::Relu,
            theta: vec![vec![0.3, -1.0]],
            phi: vec![vec![0.0, 1.0]],
        }),
        ModelSpec::ReluBasis(ReluBasisSpec {
            regions: 5,
            start: 0.0,
            stop: 1.0,
        }),
    ];
    for spec in specs {
        let mut value = serde_json::to_value(&spec).unwrap();
        let kind = value.as_object_mut().unwrap().remove("kind").unwrap();
        let kind = kind.as_str().unwrap();
        assert!(ModelSpec::KINDS.contains(&kind));
        assert_eq!(ModelSpec::from_kind(kind, value).unwrap(), Some(spec));
    }
    for kind in ModelSpec::KINDS {
        assert!(ModelSpec::from_kind(kind, json!({})).is_err(), "{kind}");
    }
    assert!(ModelSpec::from_kind("mlpp", json!({})).unwrap().is_none());
}

#[test]
fn from_kind_defaults_and_rejects_unknown_fields() {
    let spec = ModelSpec::from_kind(
        "shallow",
        json!({ "theta": [[0.3, -1.0]], "phi": [[0.0, 1.0]] }),
    )
    .unwrap()
    .unwrap();
    let ModelSpec::Shallow(shallow) = &spec else {
        panic!("{spec:?}")
    };
    assert_eq!(shallow.activation, Activation::Relu);

    let err = ModelSpec::from_kind(
        "shallow",
        json!({ "theta": [[0.3, -1.0]], "phi": [[0.0, 1.0]], "psi": [[1.0]] }),
    )
    .unwrap_err();
    assert!(err.to_string().contains("unknown field `psi`"), "{err}");
    let err = ModelSpec::from_kind(
        "relu-basis",
        json!({ "regions": 5, "start": 0, "stop": 1, "num": 3 }),
    )
    .unwrap_err();
    assert!(err.to_string().contains("unknown field `num`"), "{err}");
    let err = ModelSpec::from_kind("activation", json!({ "function": "relu", "alpha": 0.1 }))
        .unwrap_err();
    assert!(err.to_string().contains("unknown field `alpha`"), "{err}");
}

#[test]
fn validate_reports_shapes_with_field_paths() {
    let spec = ModelSpec::Shallow(ShallowSpec {
        activation: Activation::Elu { alpha: f64::NAN },
        theta: vec![vec![0.3, -1.0], vec![-1.0, 2.0, 1.0], vec![-0.5, 0.65]],
        phi: vec![vec![-0.3, 2.0, -1.0]],
    });
    let issues = spec.validate();
    assert_eq!(
        paths(&issues),
        vec!["activation.alpha", "theta[1]", "phi[0]"]
    );
    assert_eq!(
        issues[1].1,
        "expected 2 numbers [bias, slope] like theta[0], found 3"
    );
    assert_eq!(
        issues[2].1,
        "expected 4 numbers [bias, w_1..w_3] (a bias and one weight per hidden unit), found 3"
    );
    let err = Model::build(&spec).unwrap_err().to_string();
    assert!(
        err.starts_with("invalid model: activation.alpha: expected a finite number"),
        "{err}"
    );

    let spec = ModelSpec::Shallow(ShallowSpec {
        activation: Activation::Relu,
        theta: vec![],
        phi: vec![],
    });
    assert_eq!(paths(&spec.validate()), vec!["theta", "phi"]);
    let spec = ModelSpec::Shallow(ShallowSpec {
        activation: Activation::Relu,
        theta: vec![vec![1.0]],
        phi: vec![vec![0.0, f64::INFINITY]],
    });
    assert_eq!(paths(&spec.validate()), vec!["theta[0]", "phi[0][1]"]);

    let spec = ModelSpec::ReluBasis(ReluBasisSpec {
        regions: 0,
        start: 1.0,
        stop: 1.0,
    });
    assert_eq!(paths(&spec.validate()), vec!["regions", "stop"]);
    let spec = ModelSpec::Activation(ActivationModelSpec {
        function: Activation::Swish {
            beta: f64::INFINITY,
        },
    });
    assert_eq!(paths(&spec.validate()), vec!["function.beta"]);
}

#[test]
fn relu_basis_has_even_joints_and_zero_output() {
    let model = Model::build(&ModelSpec::ReluBasis(ReluBasisSpec {
        regions: 4,
        start: 0.0,
        stop: 1.0,
    }))
    .unwrap();
    assert_eq!(model.joints(), vec![0.0, 0.25, 0.5, 0.75]);
    let Model::Shallow(net) = &model else {
        panic!("{model:?}")
    };
    assert_eq!(net.theta()[0], vec![0.0, 1.0]);
    assert!(net.theta()[0][0].is_sign_positive());
    assert_eq!(net.phi(), &[vec![0.0; 5]]);
    let trace = model.trace(&[0.1, 0.6]).unwrap();
    assert_all_close(trace.get("act.2").unwrap(), &[0.0, 0.1], 1e-15);
    assert_eq!(trace.get("y").unwrap(), &[0.0, 0.0]);
}

#[test]
fn two_input_network_has_no_1d_trace() {
    let net = ShallowNet::new(
        Activation::Relu,
        vec![vec![0.0, 1.0, -1.0]],
        vec![vec![0.0, 2.0]],
    )
    .unwrap();
    assert_eq!(net.input_dim(), 2);
    // x = (3, 1): pre = 0 + 3 − 1 = 2, y = 2·2 = 4.
    assert_eq!(net.forward(&[3.0, 1.0]).unwrap(), vec![4.0]);
    let model = Model::Shallow(net);
    assert!(matches!(model.trace(&[0.0]), Err(Error::NotOneInput(2))));
    assert!(model.joints().is_empty());
}

#[test]
fn model_json_round_trips_and_checks_shapes() {
    let model = fig_3_3();
    let json = serde_json::to_string(&model).unwrap();
    assert_eq!(
        json,
        r#"{"kind":"shallow","activation":{"name":"relu"},"theta":[[0.3,-1.0],[-1.0,2.0],[-0.5,0.65]],"phi":[[-0.3,2.0,-1.0,7.0]]}"#
    );
    assert_eq!(serde_json::from_str::<Model>(&json).unwrap(), model);
    let bad = json.replace("[[-0.3,2.0,-1.0,7.0]]", "[[-0.3,2.0]]");
    let err = serde_json::from_str::<Model>(&bad).unwrap_err().to_string();
    assert!(err.contains("phi[0]"), "{err}");
    let model = Model::Activation {
        function: Activation::Prelu { alpha: 0.25 },
    };
    let json = serde_json::to_string(&model).unwrap();
    assert_eq!(
        json,
        r#"{"kind":"activation","function":{"name":"prelu","alpha":0.25}}"#
    );
    assert_eq!(serde_json::from_str::<Model>(&json).unwrap(), model);
}

/// Parses `[model.NAME]` from a TOML document the way the pipeline does: take the table, remove
/// `kind`, hand the rest to `from_kind`.
fn from_toml(doc: &str, name: &str) -> std::result::Result<ModelSpec, String> {
    let mut doc: toml::Table = doc.parse().map_err(|e| format!("{e}"))?;
    let toml::Value::Table(mut section) =
        doc["model"].as_table_mut().unwrap().remove(name).unwrap()
    else {
        panic!("not a table")
    };
    let kind = section.remove("kind").unwrap();
    ModelSpec::from_kind(kind.as_str().unwrap(), toml::Value::Table(section))
        .map_err(|e| e.to_string())?
        .ok_or_else(|| "unknown kind".to_owned())
}

#[test]
fn toml_sections_parse() {
    let doc = r#"
        [model.net]
        kind = "shallow"
        theta = [[0.3, -1.0], [-1, 2], [-0.5, 0.65]]
        phi = [[-0.3, 2.0, -1.0, 7.0]]

        [model.leaky]
        kind = "shallow"
        activation = { name = "leaky-relu", alpha = 0.2 }
        theta = [[0, 1]]
        phi = [[0, 1]]

        [model.relu]
        kind = "activation"
        function = "relu"

        [model.swish]
        kind = "activation"
        function = { name = "swish", beta = 0.4 }

        [model.basis]
        kind = "relu-basis"
        regions = 20
        start = 0
        stop = 1

        [model.bad]
        kind = "activation"
        function = { name = "elu" }
    "#;
    assert_eq!(
        Model::build(&from_toml(doc, "net").unwrap()).unwrap(),
        fig_3_3()
    );
    let Ok(ModelSpec::Shallow(leaky)) = from_toml(doc, "leaky") else {
        panic!()
    };
    assert_eq!(leaky.activation, Activation::LeakyRelu { alpha: 0.2 });
    assert_eq!(
        from_toml(doc, "relu"),
        Ok(ModelSpec::Activation(ActivationModelSpec {
            function: Activation::Relu
        }))
    );
    assert_eq!(
        from_toml(doc, "swish"),
        Ok(ModelSpec::Activation(ActivationModelSpec {
            function: Activation::Swish { beta: 0.4 }
        }))
    );
    assert_eq!(
        from_toml(doc, "basis"),
        Ok(ModelSpec::ReluBasis(ReluBasisSpec {
            regions: 20,
            start: 0.0,
            stop: 1.0
        }))
    );
    let err = from_toml(doc, "bad").unwrap_err();
    assert!(err.contains("activation `elu` needs `alpha`"), "{err}");
}
