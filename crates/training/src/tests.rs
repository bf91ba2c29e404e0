//! Unit tests: the QR solver on hand-solved systems, output-layer fits, specs, classifier checks.

use crate::*;
use data::{Dataset, FourierSpec, FunctionDataSpec, FunctionSpec, GridSpec};
use models::test_support::unit_relu_basis as basis;
use models::{Activation, Model, ShallowNet};
use serde_json::json;

fn assert_close(actual: f64, expected: f64, tol: f64) {
    assert!(
        (actual - expected).abs() <= tol,
        "expected {expected}, got {actual} (tolerance {tol})"
    );
}

fn sample(function: FunctionSpec, num: usize) -> Dataset {
    data::generate(&data::DataSpec::Function(FunctionDataSpec {
        function,
        x: GridSpec::new(0.0, 1.0, num),
    }))
    .unwrap()
}

fn mse(model: &Model, data: &Dataset) -> f64 {
    let sse: f64 = data
        .x
        .iter()
        .zip(&data.y)
        .map(|(&x, &y)| (model.forward(&[x]).unwrap()[0] - y).powi(2))
        .sum();
    sse / data.len() as f64
}

fn phi(model: &Model) -> Vec<f64> {
    let Model::Shallow(net) = model else {
        panic!("{model:?}")
    };
    net.phi()[0].clone()
}

#[test]
fn solver_matches_hand_solutions() {
    // Exact line y = 1 + 2x through (0,1), (1,3), (2,5), (3,7).
    let rows: Vec<Vec<f64>> = (0..4).map(|x| vec![1.0, x as f64]).collect();
    let w = solve_least_squares(&rows, &[1.0, 3.0, 5.0, 7.0]).unwrap();
    assert_close(w[0], 1.0, 1e-14);
    assert_close(w[1], 2.0, 1e-14);
    // Points (0,0), (1,1), (2,1): x̄ = 1, ȳ = 2/3, Sxy = 1, Sxx = 2 -> slope 1/2,
    // intercept 2/3 − 1/2 = 1/6.
    let rows: Vec<Vec<f64>> = (0..3).map(|x| vec![1.0, x as f64]).collect();
    let w = solve_least_squares(&rows, &[0.0, 1.0, 1.0]).unwrap();
    assert_close(w[0], 1.0 / 6.0, 1e-14);
    assert_close(w[1], 0.5, 1e-14);
    // Column order does not matter (pivoting permutes and un-permutes).
    let rows: Vec<Vec<f64>> = (0..3).map(|x| vec![x as f64, 1.0]).collect();
    let w = solve_least_squares(&rows, &[0.0, 1.0, 1.0]).unwrap();
    assert_close(w[0], 0.5, 1e-14);
    assert_close(w[1], 1.0 / 6.0, 1e-14);
}

#[test]
fn solver_rejects_rank_deficient_systems() {
    // Two identical columns: rank 1 of 2.
    let rows = vec![vec![1.0, 1.0], vec![2.0, 2.0], vec![3.0, 3.0]];
    let err = solve_least_squares(&rows, &[1.0, 2.0, 3.0]).unwrap_err();
    assert!(
        matches!(
            err,
            Error::RankDeficient {
                rank: 1,
                parameters: 2,
                points: 3
            }
        ),
        "{err}"
    );
    // Fewer equations than unknowns.
    let err = solve_least_squares(&[vec![1.0, 0.0, 2.0]], &[1.0]).unwrap_err();
    assert!(
        matches!(
            err,
            Error::RankDeficient {
                rank: 1,
                parameters: 3,
                points: 1
            }
        ),
        "{err}"
    );
    assert!(matches!(
        solve_least_squares(&[vec![1.0]], &[1.0, 2.0]),
        Err(Error::InvalidData(_))
    ));
}

#[test]
fn more_regions_fit_a_smooth_target_better() {
    let targets = [
        FunctionSpec::ExpSin { period: 1.0 },
        FunctionSpec::Fourier(FourierSpec {
            offset: 0.2,
            terms: vec![[1.0, 1.0, 0.0], [0.4, 2.5, 1.0]],
        }),
    ];
    for target in targets {
        let data = sample(target.clone(), 200);
        let errors: Vec<f64> = [5, 10, 20]
            .into_iter()
            .map(|regions| mse(&least_squares(&basis(regions), &data).unwrap(), &data))
            .collect();
        assert!(
            errors[0] > errors[1] && errors[1] > errors[2],
            "{target:?}: MSE should fall with more regions, got {errors:?}"
        );
        // Piecewise-linear error shrinks roughly as h⁴ in MSE; 20 regions is already close.
        assert!(errors[2] < 1e-3, "{target:?}: {errors:?}");
        assert!(errors[2] < errors[0] / 20.0, "{target:?}: {errors:?}");
    }
}

#[test]
fn piecewise_linear_data_with_the_same_joints_is_recovered() {
    let Model::Shallow(zero) = basis(5) else {
        unreachable!()
    };
    let truth = vec![0.5, 1.0, -2.0, 3.0, -1.5, 0.7];
    let target = Model::Shallow(zero.with_phi(vec![truth.clone()]).unwrap());
    let x = GridSpec::new(0.0, 1.0, 51).points();
    let y = x
        .iter()
        .map(|&x| target.forward(&[x]).unwrap()[0])
        .collect();
    let data = Dataset { x, y };
    let fitted = least_squares(&basis(5), &data).unwrap();
    for (got, want) in phi(&fitted).iter().zip(&truth) {
        assert_close(*got, *want, 1e-9);
    }
    assert!(mse(&fitted, &data) < 1e-20);
    // The hidden layer is untouched.
    assert_eq!(fitted.joints(), basis(5).joints());
}

#[test]
fn hand_set_network_output_layer_is_refitted() {
    // Fig. 3.3's hidden layer; data from its book output weights; start from other weights.
    let theta = vec![vec![0.3, -1.0], vec![-1.0, 2.0], vec![-0.5, 0.65]];
    let truth = vec![-0.3, 2.0, -1.0, 7.0];
    let net = ShallowNet::new(Activation::Relu, theta.clone(), vec![truth.clone()]).unwrap();
    let x = GridSpec::new(-1.0, 2.0, 31).points();
    let y = x.iter().map(|&x| net.forward(&[x]).unwrap()[0]).collect();
    let start =
        Model::Shallow(ShallowNet::new(Activation::Relu, theta, vec![vec![0.0; 4]]).unwrap());
    let fitted = least_squares(&start, &Dataset { x, y }).unwrap();
    for (got, want) in phi(&fitted).iter().zip(&truth) {
        assert_close(*got, *want, 1e-9);
    }
}

#[test]
fn underdetermined_fits_fail_clearly() {
    // 10 regions need 11 parameters; 5 points cannot determine them.
    let data = sample(FunctionSpec::ExpSin { period: 1.0 }, 5);
    let err = least_squares(&basis(10), &data).unwrap_err();
    assert!(
        matches!(
            err,
            Error::RankDeficient {
                parameters: 11,
                points: 5,
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string()
            .starts_with("least squares is underdetermined"),
        "{err}"
    );
    // Plenty of points, but none right of the joints at 0.5 and 0.75: those slopes are free.
    let x: Vec<f64> = (0..40).map(|i| i as f64 * 0.01).collect();
    let data = Dataset { y: x.clone(), x };
    let err = least_squares(&basis(4), &data).unwrap_err();
    assert!(
        matches!(
            err,
            Error::RankDeficient {
                rank: 3,
                parameters: 5,
                points: 40
            }
        ),
        "{err}"
    );
}

#[test]
fn unsupported_models_and_bad_data_are_errors() {
    let data = Dataset {
        x: vec![0.0, 1.0],
        y: vec![0.0, 1.0],
    };
    let act = Model::Activation {
        function: Activation::Relu,
    };
    let err = least_squares(&act, &data).unwrap_err().to_string();
    assert!(err.contains("an activation model"), "{err}");
    let two_out = Model::Shallow(
        ShallowNet::new(
            Activation::Relu,
            vec![vec![0.0, 1.0]],
            vec![vec![0.0, 1.0], vec![1.0, 0.0]],
        )
        .unwrap(),
    );
    assert!(
        least_squares(&two_out, &data)
            .unwrap_err()
            .to_string()
            .contains("2 outputs")
    );
    let two_in = Model::Shallow(
        ShallowNet::new(
            Activation::Relu,
            vec![vec![0.0, 1.0, 1.0]],
            vec![vec![0.0, 1.0]],
        )
        .unwrap(),
    );
    assert!(matches!(
        least_squares(&two_in, &data),
        Err(Error::Model(_))
    ));
    let bad = Dataset {
        x: vec![0.0, 1.0],
        y: vec![0.0],
    };
    assert!(matches!(
        least_squares(&basis(1), &bad),
        Err(Error::InvalidData(_))
    ));
    let empty = Dataset {
        x: vec![],
        y: vec![],
    };
    assert!(matches!(
        least_squares(&basis(1), &empty),
        Err(Error::InvalidData(_))
    ));
}

#[test]
fn train_spec_from_kind_and_references() {
    let spec = TrainSpec::from_kind(
        "least-squares",
        json!({ "model": "basis", "data": "target" }),
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        spec.references(),
        vec![("model", "basis"), ("data", "target")]
    );
    assert!(spec.validate().is_empty());
    let mut value = serde_json::to_value(&spec).unwrap();
    assert_eq!(value["kind"], "least-squares");
    value.as_object_mut().unwrap().remove("kind");
    assert_eq!(
        TrainSpec::from_kind("least-squares", value).unwrap(),
        Some(spec)
    );
    let err = TrainSpec::from_kind(
        "least-squares",
        json!({ "model": "a", "data": "b", "lr": 0.1 }),
    )
    .unwrap_err();
    assert!(err.to_string().contains("unknown field `lr`"), "{err}");
    assert!(TrainSpec::from_kind("sgd", json!({})).unwrap().is_none());
    for kind in TrainSpec::KINDS {
        assert!(TrainSpec::from_kind(kind, json!({})).is_err(), "{kind}");
    }
}

#[test]
fn batch_norm_refuses_a_training_batch_of_one() {
    use models::net::{Init, MlpSpec, NetActivation, NetSpec};
    let spec = |batch_norm| {
        models::net::init(&NetSpec::Mlp(MlpSpec {
            inputs: 2,
            hidden: vec![3],
            outputs: 2,
            activation: NetActivation::Relu,
            residual: false,
            batch_norm,
            init: Init::Pytorch,
            init_scale: 1.0,
            seed: 1,
        }))
        .unwrap()
    };
    // Five training examples in batches of 2: the last batch of every epoch has one.
    let data = data::ClassificationSet {
        len: 2,
        classes: 2,
        x_train: vec![0.0, 1.0, 1.0, 0.0, 0.5, 0.5, -1.0, 0.0, 0.0, -1.0],
        y_train: vec![0, 1, 0, 1, 0],
        x_test: vec![0.2, 0.3],
        y_test: vec![1],
        t: vec![0.0, 1.0],
    };
    let fit: classifier::ClassifierSpec = serde_json::from_value(json!({
        "model": "net", "data": "d", "optimizer": "sgd", "lr": 0.1, "batch": 2, "epochs": 2
    }))
    .unwrap();
    let err = classifier::train(&fit, &spec(true), &data, &mut |_| {}).unwrap_err();
    assert!(err.to_string().contains("batch of 1"), "{err}");
    // Without batch norm, or with batches that leave no single example, it trains.
    assert!(classifier::train(&fit, &spec(false), &data, &mut |_| {}).is_ok());
    let full: classifier::ClassifierSpec = serde_json::from_value(json!({
        "model": "net", "data": "d", "optimizer": "sgd", "lr": 0.1, "batch": "full", "steps": 3
    }))
    .unwrap();
    let trained = classifier::train(&full, &spec(true), &data, &mut |_| {}).unwrap();
    assert!(trained.weights.norms[0].is_some());
}

#[test]
fn ridge_matches_the_normal_equations_and_shrinks() {
    // One region on [0, 1]: A = [[1, 0], [1, 1]], y = [1, 2]. With λ = 1:
    // (AᵀA + I)φ = Aᵀy → [[3, 1], [1, 2]]φ = [3, 2] → φ = [4/5, 3/5].
    let model = basis(1);
    let data = Dataset {
        x: vec![0.0, 1.0],
        y: vec![1.0, 2.0],
    };
    let fit = crate::ridge_least_squares(&model, &data, 1.0).unwrap();
    assert!((fit.forward(&[0.0]).unwrap()[0] - 0.8).abs() < 1e-14);
    assert!((fit.forward(&[1.0]).unwrap()[0] - 1.4).abs() < 1e-14);
    // λ = 0 is plain least squares (interpolation here); a negative λ is refused.
    let plain = crate::ridge_least_squares(&model, &data, 0.0).unwrap();
    assert!((plain.forward(&[1.0]).unwrap()[0] - 2.0).abs() < 1e-14);
    assert!(crate::ridge_least_squares(&model, &data, -1.0).is_err());
    // A ridge makes an underdetermined fit (one point, two parameters) solvable.
    let one = Dataset {
        x: vec![0.5],
        y: vec![1.0],
    };
    assert!(least_squares(&model, &one).is_err());
    assert!(crate::ridge_least_squares(&model, &one, 1e-6).is_ok());
}

#[test]
fn ridge_toward_the_model_keeps_what_the_data_cannot_see() {
    // One region on [0, 1] (f = φ0 + φ1·x) and one point (0, 1): the slope φ1 is unseen.
    // Starting from φ⁰ = (0, 5) with λ = 1: minimise (δ0 − 1)² + δ0² + δ1² over δ = φ − φ⁰
    // → δ = (1/2, 0), so φ = (0.5, 5): the slope stays 5 (plain ridge would make it 0).
    let start = Model::Shallow(
        models::ShallowNet::new(Activation::Relu, vec![vec![0.0, 1.0]], vec![vec![0.0, 5.0]])
            .unwrap(),
    );
    let one = Dataset {
        x: vec![0.0],
        y: vec![1.0],
    };
    let fit = crate::ridge_least_squares_toward_model(&start, &one, 1.0).unwrap();
    let Model::Shallow(net) = &fit else {
        panic!("a shallow fit")
    };
    assert_close(net.phi()[0][0], 0.5, 1e-15);
    assert_close(net.phi()[0][1], 5.0, 1e-15);
    let plain = crate::ridge_least_squares(&start, &one, 1.0).unwrap();
    assert!((plain.forward(&[1.0]).unwrap()[0] - 0.5).abs() < 1e-15);
    // Through the spec; without a ridge the option is refused.
    let spec = |ridge: f64| {
        TrainSpec::LeastSquares(LeastSquaresSpec {
            model: "m".into(),
            data: "d".into(),
            ridge,
            toward_model: true,
        })
    };
    let TrainSpec::LeastSquares(s) = spec(1.0) else {
        unreachable!()
    };
    assert_eq!(s.fit(&start, &one).unwrap(), fit);
    assert_eq!(spec(0.0).validate()[0].0, "toward-model");
    assert!(spec(1.0).validate().is_empty());
}
