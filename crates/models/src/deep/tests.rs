//! Unit tests: the deep network of UDL fig. 4.5 by hand, shallow equivalence, composition
//! (fig. 4.1), 2-D grids (fig. 3.8), specs and serialisation.

use super::*;
use crate::ModelSpec;

fn assert_close(a: f64, e: f64, tol: f64) {
    assert!((a - e).abs() <= tol, "expected {e}, got {a}");
}

fn assert_all_close(actual: &[f64], expected: &[f64], tol: f64) {
    assert_eq!(actual.len(), expected.len(), "{actual:?} vs {expected:?}");
    for (a, e) in actual.iter().zip(expected) {
        assert!(
            (a - e).abs() <= tol,
            "expected {expected:?}, got {actual:?}"
        );
    }
}

fn layer(bias: &[f64], weights: &[&[f64]]) -> Layer {
    Layer {
        bias: bias.to_vec(),
        weights: weights.iter().map(|r| r.to_vec()).collect(),
    }
}

/// A 1-D shallow network with rows `[bias, slope]` and output row `[φ_0, φ_1, …]`.
fn shallow_1d(theta: &[[f64; 2]], phi: &[f64]) -> DeepNet {
    DeepNet::new(
        Activation::Relu,
        vec![Layer {
            bias: theta.iter().map(|t| t[0]).collect(),
            weights: theta.iter().map(|t| vec![t[1]]).collect(),
        }],
        layer(&phi[..1], &[&phi[1..]]),
    )
    .unwrap()
}

/// UDL fig. 4.5 / notebook 4_2: layer 1 as in fig. 3.3, ψ rows, φ' = (0, 0.5, −1.5, 2.2).
fn fig_4_5() -> DeepNet {
    DeepNet::new(
        Activation::Relu,
        vec![
            layer(&[0.3, -1.0, -0.5], &[&[-1.0], &[2.0], &[0.65]]),
            layer(
                &[0.3, -0.2, 0.3],
                &[&[2.0, -1.0, 7.0], &[2.0, 1.2, -8.0], &[-2.3, -0.8, 2.0]],
            ),
        ],
        layer(&[0.0], &[&[0.5, -1.5, 2.2]]),
    )
    .unwrap()
}

/// Notebook 4_1's two networks.
fn fig_4_1_nets() -> (DeepNet, DeepNet) {
    (
        shallow_1d(
            &[[0.0, -1.0], [0.0, 1.0], [-0.67, 1.0]],
            &[1.0, -2.0, -3.0, 9.3],
        ),
        shallow_1d(
            &[[-0.6, -1.0], [0.2, 1.0], [-0.5, 1.0]],
            &[0.5, -1.0, -1.5, 2.0],
        ),
    )
}

/// UDL fig. 3.8 / notebook 3_2 as a shallow network.
fn fig_3_8_shallow() -> ShallowNet {
    ShallowNet::new(
        Activation::Relu,
        vec![
            vec![-4.0, 0.9, 0.0],
            vec![5.0, -0.9, -0.5],
            vec![-7.0, 0.5, 0.9],
        ],
        vec![vec![0.0, -2.0, 2.0, 1.5]],
    )
    .unwrap()
}

#[test]
fn fig_4_5_by_hand() {
    let net = fig_4_5();
    // x = 0: pre1 = (0.3, −1, −0.5) -> h = (0.3, 0, 0)
    //        pre2 = (0.3 + 0.6, −0.2 + 0.6, 0.3 − 0.69) = (0.9, 0.4, −0.39) -> h' = (0.9, 0.4, 0)
    //        y = 0.5·0.9 − 1.5·0.4 = −0.15
    // x = 1: pre1 = (−0.7, 1, 0.15) -> h = (0, 1, 0.15)
    //        pre2 = (0.3 − 1 + 1.05, −0.2 + 1.2 − 1.2, 0.3 − 0.8 + 0.3) = (0.35, −0.2, −0.2)
    //        y = 0.5·0.35 = 0.175
    let trace = net.trace(&[0.0, 1.0]).unwrap();
    assert_all_close(trace.get("pre.1.0").unwrap(), &[0.9, 0.35], 1e-12);
    assert_all_close(trace.get("pre.1.1").unwrap(), &[0.4, -0.2], 1e-12);
    assert_all_close(trace.get("pre.1.2").unwrap(), &[-0.39, -0.2], 1e-12);
    assert_all_close(trace.get("act.1.1").unwrap(), &[0.4, 0.0], 1e-12);
    assert_all_close(trace.get("weighted.0.1").unwrap(), &[-0.6, 0.0], 1e-12);
    assert_all_close(trace.get("y").unwrap(), &[-0.15, 0.175], 1e-12);
    assert_eq!(trace.get("y"), trace.get("y.0"));
    assert_eq!(trace.get("y").unwrap()[1], net.forward(&[1.0]).unwrap()[0]);
    let names: Vec<&str> = trace.series.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "act.0.0",
            "act.0.1",
            "act.0.2",
            "act.1.0",
            "act.1.1",
            "act.1.2",
            "pre.0.0",
            "pre.0.1",
            "pre.0.2",
            "pre.1.0",
            "pre.1.1",
            "pre.1.2",
            "weighted.0.0",
            "weighted.0.1",
            "weighted.0.2",
            "x",
            "y",
            "y.0"
        ]
    );
    assert_eq!((net.input_dim(), net.output_dim(), net.depth()), (1, 1, 2));
    assert_eq!(net.widths(), vec![3, 3]);
    // 3·(1 + 1) + 3·(1 + 3) + 1·(1 + 3)
    assert_eq!(net.param_count(), 22);
    assert_eq!(
        net.unit_names()[3..],
        ["pre.1.0".to_owned(), "pre.1.1".into(), "pre.1.2".into()]
    );
    assert_eq!(net.unit_layers(), vec![0, 0, 0, 1, 1, 1]);
    assert_all_close(
        &net.hidden_pre_activations(&[1.0]).unwrap(),
        &[-0.7, 1.0, 0.15, 0.35, -0.2, -0.2],
        1e-12,
    );
}

#[test]
fn param_count_matches_udl_fig_4_7() {
    // K = 5 layers of D = 10 units, one input, one output: 471 parameters (UDL fig. 4.7a).
    let zeros = |units: usize, inputs: usize| Layer {
        bias: vec![0.0; units],
        weights: vec![vec![0.0; inputs]; units],
    };
    let mut hidden = vec![zeros(10, 1)];
    hidden.extend((0..4).map(|_| zeros(10, 10)));
    let net = DeepNet::new(Activation::Relu, hidden, zeros(1, 10)).unwrap();
    assert_eq!(net.param_count(), 471);
}

#[test]
fn shallow_networks_convert_bit_for_bit() {
    let shallow = ShallowNet::new(
        Activation::Relu,
        vec![vec![0.3, -1.0], vec![-1.0, 2.0], vec![-0.5, 0.65]],
        vec![vec![-0.3, 2.0, -1.0, 7.0], vec![0.1, -1.0, 0.5, 2.0]],
    )
    .unwrap();
    let deep = DeepNet::from(&shallow);
    let xs: Vec<f64> = (0..=20).map(|i| i as f64 / 20.0).collect();
    let (s, d) = (
        Model::Shallow(shallow.clone()).trace(&xs).unwrap(),
        deep.trace(&xs).unwrap(),
    );
    for unit in 0..3 {
        assert_eq!(
            s.get(&format!("pre.{unit}")),
            d.get(&format!("pre.0.{unit}"))
        );
        assert_eq!(
            s.get(&format!("act.{unit}")),
            d.get(&format!("act.0.{unit}"))
        );
        assert_eq!(
            s.get(&format!("weighted.1.{unit}")),
            d.get(&format!("weighted.1.{unit}"))
        );
    }
    assert_eq!(s.get("y.0"), d.get("y.0"));
    assert_eq!(s.get("y.1"), d.get("y.1"));
    assert_eq!(deep.param_count(), 3 * 2 + 2 * 4);

    let model = Model::Shallow(shallow);
    assert_eq!(DeepNet::from_model(&model).unwrap(), deep);
    let elu = DeepNet::from_model(&Model::Activation {
        function: Activation::Elu { alpha: 0.5 },
    })
    .unwrap();
    assert_eq!(
        elu.forward(&[-1.0]).unwrap(),
        vec![Activation::Elu { alpha: 0.5 }.apply(-1.0)]
    );
}

#[test]
fn composition_of_fig_4_1_networks() {
    let (n1, n2) = fig_4_1_nets();
    let comp = Composition::new(vec![n1.clone(), n2.clone()]).unwrap();
    let merged = comp.merged().unwrap();
    // Merged: net 1's hidden layer, then net 2's hidden layer fed by net 1's output:
    // ψ_0 = θ'_0 + θ'·1.0, Ψ = θ'·(−2, −3, 9.3).
    assert_eq!(merged.widths(), vec![3, 3]);
    assert_all_close(&merged.hidden()[1].bias, &[-1.6, 1.2, 0.5], 1e-15);
    assert_all_close(&merged.hidden()[1].weights[0], &[2.0, 3.0, -9.3], 1e-15);
    assert_all_close(&merged.hidden()[1].weights[2], &[-2.0, -3.0, 9.3], 1e-15);
    let xs: Vec<f64> = (0..=200).map(|i| -1.0 + i as f64 / 100.0).collect();
    let trace = comp.trace(&xs).unwrap();
    for (p, &x) in xs.iter().enumerate() {
        let y1 = n1.forward(&[x]).unwrap();
        let y2 = n2.forward(&y1).unwrap();
        assert_eq!(comp.forward(&[x]).unwrap(), y2);
        assert_eq!(trace.get("net.0.y.0").unwrap()[p], y1[0]);
        assert_eq!(trace.get("y").unwrap()[p], y2[0]);
        assert_close(merged.forward(&[x]).unwrap()[0], y2[0], 1e-12);
        assert_all_close(
            &merged.hidden_pre_activations(&[x]).unwrap(),
            &comp.hidden_pre_activations(&[x]).unwrap(),
            1e-12,
        );
    }
    // Net 2's pre-activations are those of its own trace at y = net 1's output.
    let net2_alone = n2.trace(trace.get("net.0.y.0").unwrap()).unwrap();
    assert_eq!(trace.get("net.1.pre.0.2"), net2_alone.get("pre.0.2"));
    assert_eq!(trace.get("net.1.y.0"), trace.get("y.0"));
    assert_eq!(
        comp.unit_names(),
        [
            "net.0.pre.0.0",
            "net.0.pre.0.1",
            "net.0.pre.0.2",
            "net.1.pre.0.0",
            "net.1.pre.0.1",
            "net.1.pre.0.2"
        ]
    );
    assert_eq!(comp.unit_layers(), vec![0, 0, 0, 1, 1, 1]);
    assert_eq!(comp.activations(), vec![Activation::Relu; 2]);
}

#[test]
fn composition_checks_shapes_and_activations() {
    let (n1, _) = fig_4_1_nets();
    let two_in = DeepNet::new(
        Activation::Relu,
        vec![layer(&[0.0], &[&[1.0, 1.0]])],
        layer(&[0.0], &[&[1.0]]),
    )
    .unwrap();
    let err = Composition::new(vec![n1.clone(), two_in.clone()]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid model: networks[1]: expected 1 inputs (network 0 has 1 outputs), found 2"
    );
    assert!(n1.compose(&two_in).is_err());
    assert!(Composition::new(vec![]).is_err());
    let leaky = DeepNet::new(
        Activation::LeakyRelu { alpha: 0.1 },
        vec![layer(&[0.0], &[&[1.0]])],
        layer(&[0.0], &[&[1.0]]),
    )
    .unwrap();
    let comp = Composition::new(vec![n1.clone(), leaky.clone()]).unwrap();
    let err = comp.merged().unwrap_err().to_string();
    assert!(
        err.contains("different activations (relu and leaky-relu)"),
        "{err}"
    );
    // Still evaluable without merging.
    assert_eq!(
        comp.forward(&[0.5]).unwrap(),
        leaky.forward(&n1.forward(&[0.5]).unwrap()).unwrap()
    );
}

#[test]
fn grid_layout_is_row_major_from_the_bottom_row() {
    let deep = DeepNet::from(&fig_3_8_shallow());
    let (x1s, x2s) = ([0.0, 5.0, 10.0], [0.0, 10.0]);
    let grid = deep.eval_grid(&x1s, &x2s).unwrap();
    assert_eq!((grid.nx, grid.ny, grid.len()), (3, 2, 6));
    assert_eq!(
        grid.trace.get("x1").unwrap(),
        &[0.0, 5.0, 10.0, 0.0, 5.0, 10.0]
    );
    assert_eq!(
        grid.trace.get("x2").unwrap(),
        &[0.0, 0.0, 0.0, 10.0, 10.0, 10.0]
    );
    // (x1, x2) = (5, 10): pre = (−4 + 4.5, 5 − 4.5 − 5, −7 + 2.5 + 9) = (0.5, −4.5, 4.5)
    // y = −2·0.5 + 1.5·4.5 = 5.75
    let p = grid.index(1, 1);
    assert_eq!(p, 4);
    assert_close(grid.pre(0)[p], 0.5, 1e-12);
    assert_close(grid.pre(1)[p], -4.5, 1e-12);
    assert_close(grid.pre(2)[p], 4.5, 1e-12);
    assert_eq!(grid.pattern(p), vec![true, false, true]);
    assert_close(grid.output(0).unwrap()[p], 5.75, 1e-12);
    assert_close(grid.trace.get("weighted.0.2").unwrap()[p], 6.75, 1e-12);
    // Same sums as the shallow network: identical bits.
    let shallow = fig_3_8_shallow();
    for q in 0..grid.len() {
        let x = [
            grid.trace.get("x1").unwrap()[q],
            grid.trace.get("x2").unwrap()[q],
        ];
        assert_eq!(grid.output(0).unwrap()[q], shallow.forward(&x).unwrap()[0]);
    }
    assert_eq!(grid.units, ["pre.0.0", "pre.0.1", "pre.0.2"]);
    assert_eq!(
        eval_model_grid(&Model::Shallow(fig_3_8_shallow()), &x1s, &x2s).unwrap(),
        grid
    );
    assert!(grid.output(1).is_none());
    assert!(matches!(deep.trace(&[0.0]), Err(Error::NotOneInput(2))));
    let one_in = fig_4_5();
    assert!(matches!(
        one_in.eval_grid(&x1s, &x2s),
        Err(Error::InputDim {
            expected: 1,
            found: 2
        })
    ));
    assert!(deep.eval_grid(&[], &x2s).is_err());
}

#[test]
fn composition_grid_has_every_network_and_the_final_output() {
    // Fig. 3.8's network into a 1-2-1 network.
    let first = DeepNet::from(&fig_3_8_shallow());
    let second = shallow_1d(&[[0.5, 1.0], [-0.5, 1.0]], &[0.0, 1.0, -2.0]);
    let comp = Composition::new(vec![first.clone(), second.clone()]).unwrap();
    let grid = comp.eval_grid(&[0.0, 2.5, 5.0], &[1.0, 4.0]).unwrap();
    assert_eq!(grid.units.len(), 5);
    assert_eq!(grid.units[3], "net.1.pre.0.0");
    for p in 0..grid.len() {
        let x = [
            grid.trace.get("x1").unwrap()[p],
            grid.trace.get("x2").unwrap()[p],
        ];
        let y1 = first.forward(&x).unwrap();
        assert_eq!(grid.trace.get("net.0.y.0").unwrap()[p], y1[0]);
        assert_eq!(grid.output(0).unwrap()[p], second.forward(&y1).unwrap()[0]);
        assert_eq!(
            grid.pattern(p),
            comp.hidden_pre_activations(&x)
                .unwrap()
                .iter()
                .map(|&z| z > 0.0)
                .collect::<Vec<_>>()
        );
    }
}

#[test]
fn deep_spec_from_toml() {
    let doc = r#"
        kind = "deep"
        hidden = [
          { bias = [0.3, -1.0, -0.5], weights = [[-1.0], [2.0], [0.65]] },
          { bias = [0.3, -0.2, 0.3], weights = [[2.0, -1.0, 7.0], [2.0, 1.2, -8.0], [-2.3, -0.8, 2.0]] },
        ]
        output = { bias = [0.0], weights = [[0.5, -1.5, 2.2]] }
    "#;
    let mut table: toml::Table = doc.parse().unwrap();
    table.remove("kind");
    let spec = DeepSpec::deserialize(toml::Value::Table(table)).unwrap();
    assert_eq!(spec.activation, Activation::Relu);
    assert_eq!(DeepNet::build(&spec).unwrap(), fig_4_5());

    let doc = r#"
        [[networks]]
        hidden = [{ bias = [0.0, 0.0, -0.67], weights = [[-1.0], [1.0], [1.0]] }]
        output = { bias = [1.0], weights = [[-2.0, -3.0, 9.3]] }

        [[networks]]
        activation = "relu"
        hidden = [{ bias = [-0.6, 0.2, -0.5], weights = [[-1.0], [1.0], [1.0]] }]
        output = { bias = [0.5], weights = [[-1.0, -1.5, 2.0]] }
    "#;
    let table: toml::Table = doc.parse().unwrap();
    let spec = ComposedSpec::deserialize(toml::Value::Table(table)).unwrap();
    let (n1, n2) = fig_4_1_nets();
    assert_eq!(
        Composition::build(&spec).unwrap(),
        Composition::new(vec![n1, n2]).unwrap()
    );
}

#[test]
fn specs_reject_unknown_fields_and_bad_shapes() {
    let err = serde_json::from_value::<DeepSpec>(serde_json::json!({
        "hidden": [{ "bias": [0.0], "weights": [[1.0]], "activation": "relu" }],
        "output": { "bias": [0.0], "weights": [[1.0]] }
    }))
    .unwrap_err();
    assert!(
        err.to_string().contains("unknown field `activation`"),
        "{err}"
    );

    let spec = DeepSpec {
        activation: Activation::Relu,
        hidden: vec![
            layer(&[0.0, 1.0], &[&[1.0, 2.0], &[1.0]]),
            layer(&[0.0, f64::NAN], &[&[1.0, 2.0], &[1.0, 2.0, 3.0]]),
        ],
        output: layer(&[0.0], &[&[1.0]]),
    };
    let issues = spec.validate();
    let paths: Vec<&str> = issues.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        [
            "hidden[0].weights[1]",
            "hidden[1].weights[1]",
            "hidden[1].bias[1]",
            "output.weights[0]"
        ]
    );
    assert_eq!(
        issues[0].1,
        "expected 2 numbers (one weight per input, like weights[0]), found 1"
    );
    assert_eq!(
        issues[3].1,
        "expected 2 numbers (one weight per unit of the previous layer), found 1"
    );
    let err = DeepNet::build(&spec).unwrap_err().to_string();
    assert!(
        err.starts_with("invalid model: hidden[0].weights[1]"),
        "{err}"
    );

    let spec = DeepSpec {
        activation: Activation::Relu,
        hidden: vec![],
        output: layer(&[], &[]),
    };
    let paths: Vec<String> = spec.validate().into_iter().map(|(p, _)| p).collect();
    assert_eq!(paths, ["hidden", "output.bias"]);
    let spec = DeepSpec {
        activation: Activation::Relu,
        hidden: vec![layer(&[0.0], &[&[]])],
        output: layer(&[0.0, 1.0], &[&[1.0]]),
    };
    let paths: Vec<String> = spec.validate().into_iter().map(|(p, _)| p).collect();
    assert_eq!(paths, ["hidden[0].weights[0]", "output.weights"]);

    let (n1, _) = fig_4_1_nets();
    let wide = DeepSpec {
        activation: Activation::Relu,
        hidden: vec![layer(&[0.0], &[&[1.0, 1.0]])],
        output: layer(&[0.0], &[&[1.0]]),
    };
    let spec = ComposedSpec {
        networks: vec![n1.into(), wide],
    };
    assert_eq!(
        spec.validate(),
        [(
            "networks[1].hidden[0].weights".to_owned(),
            "expected rows of 1 numbers (network 0 has 1 outputs), found 2".to_owned()
        )]
    );
    assert_eq!(
        ComposedSpec { networks: vec![] }.validate()[0].0,
        "networks"
    );
}

#[test]
fn networks_serialise_as_their_specs() {
    let net = fig_4_5();
    let json = serde_json::to_string(&net).unwrap();
    assert!(
        json.starts_with(r#"{"activation":{"name":"relu"},"hidden":[{"bias":[0.3,-1.0,-0.5],"weights":[[-1.0],[2.0],[0.65]]}"#),
        "{json}"
    );
    assert_eq!(serde_json::from_str::<DeepNet>(&json).unwrap(), net);
    let bad = json.replace("[[-1.0],[2.0],[0.65]]", "[[-1.0],[2.0]]");
    let err = serde_json::from_str::<DeepNet>(&bad)
        .unwrap_err()
        .to_string();
    assert!(err.contains("hidden[0].weights"), "{err}");

    let (n1, n2) = fig_4_1_nets();
    let comp = Composition::new(vec![n1, n2]).unwrap();
    let json = serde_json::to_string(&comp).unwrap();
    assert!(json.starts_with(r#"{"networks":[{"activation""#), "{json}");
    assert_eq!(serde_json::from_str::<Composition>(&json).unwrap(), comp);

    let grid = DeepNet::from(&fig_3_8_shallow())
        .eval_grid(&[0.0, 1.0], &[0.0])
        .unwrap();
    let back: GridEval = serde_json::from_str(&serde_json::to_string(&grid).unwrap()).unwrap();
    assert_eq!(back, grid);
}

#[test]
fn piecewise_linear_activations() {
    assert!(activation_is_piecewise_linear(Activation::Relu));
    assert!(activation_is_piecewise_linear(Activation::Prelu {
        alpha: 0.25
    }));
    assert!(!activation_is_piecewise_linear(Activation::Tanh));
    assert!(!activation_is_piecewise_linear(Activation::Gelu));
    // Deep and composed networks are spec kinds of their own.
    assert!(ModelSpec::KINDS.contains(&"deep") && ModelSpec::KINDS.contains(&"composed"));
}
