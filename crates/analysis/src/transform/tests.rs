//! The operations of `transform`, their validation, and `evaluate-at`.

use super::*;

fn spec(text: &str) -> TransformSpec {
    toml::from_str(text).unwrap()
}

fn net_tables() -> Tables {
    let mut net = Table::new();
    net.insert("x", vec![0.0, 0.5, 1.0]);
    net.insert("y.0", vec![0.0, 2.0, -1.0]);
    net.insert("y.1", vec![1.0, -3.0, 0.5]);
    net.insert("y.2", vec![0.0, 0.0, 40.0]);
    Tables::from([("net".to_owned(), net)])
}

#[test]
fn sigmoid_and_softplus_are_stable() {
    assert_eq!(sigmoid(0.0), 0.5);
    assert!((sigmoid(2.0) - 1.0 / (1.0 + (-2.0f64).exp())).abs() < 1e-16);
    assert!((sigmoid(-2.0) + sigmoid(2.0) - 1.0).abs() < 1e-15);
    assert_eq!(sigmoid(-800.0), 0.0);
    assert_eq!(sigmoid(800.0), 1.0);
    assert!((softplus(0.0) - 2f64.ln()).abs() < 1e-16);
    assert!((softplus(1.5) - (1.0 + 1.5f64.exp()).ln()).abs() < 1e-15);
    assert_eq!(softplus(800.0), 800.0);
    assert!(softplus(-800.0) >= 0.0);
}

#[test]
fn elementwise_linear_and_softmax() {
    let s = spec(
        r#"
        ops = [
          { op = "sigmoid", of = "net.y.0", as = "lambda" },
          { op = "linear", of = ["lambda"], weights = [-1.0], bias = 1.0, as = "one-minus" },
          { op = "softmax", of = ["net.y.0", "net.y.1", "net.y.2"], as = "p" },
          { op = "linear", of = ["p.0", "p.1", "p.2"], weights = [1.0, 1.0, 1.0], as = "total" },
          { op = "square", of = "net.y.1", as = "var" },
          { op = "sqrt", of = "var", as = "sd" },
          { op = "softplus", of = "net.y.1", as = "sp" },
          { op = "exp", of = "net.y.0", as = "e" },
          { op = "log", of = "e", as = "back" },
        ]
        "#,
    );
    let t = transform(&s, &net_tables()).unwrap();
    let lambda = t.get("lambda").unwrap();
    assert_eq!(lambda[0], 0.5);
    assert!((lambda[1] - 1.0 / (1.0 + (-2.0f64).exp())).abs() < 1e-16);
    for j in 0..3 {
        assert!((t.get("one-minus").unwrap()[j] + lambda[j] - 1.0).abs() < 1e-16);
        assert!((t.get("total").unwrap()[j] - 1.0).abs() < 1e-15);
        assert_eq!(t.get("sd").unwrap()[j], [1.0, 3.0, 0.5][j]);
        assert!((t.get("back").unwrap()[j] - [0.0, 2.0, -1.0][j]).abs() < 1e-15);
    }
    // softmax(0, 1, 0) by hand.
    let e = 1f64.exp();
    assert!((t.get("p.1").unwrap()[0] - e / (2.0 + e)).abs() < 1e-16);
    // A large logit takes (almost) all the mass without overflowing.
    assert!((t.get("p.2").unwrap()[2] - 1.0).abs() < 1e-15);
    assert_eq!(
        s.references(),
        vec![
            "net.y.0", "net.y.0", "net.y.1", "net.y.2", "net.y.1", "net.y.1", "net.y.0"
        ]
    );
}

#[test]
fn reductions_argmax_and_select() {
    let s = spec(
        r#"
        x = { start = 0.0, stop = 4.0, num = 5 }
        ops = [
          { op = "linear", of = ["x"], weights = [-1.0], bias = 2.0, as = "v" },
          { op = "abs", of = "v", as = "a" },
          { op = "argmin", of = "a", at = "x", as = "zero" },
          { op = "argmax", of = "a", at = "x", as = "far" },
          { op = "sum", of = "a", as = "sum" },
          { op = "mean", of = "x", as = "mean" },
          { op = "std", of = "x", as = "std" },
          { op = "min", of = "v", as = "min" },
          { op = "max", of = "v", as = "max" },
          { op = "select", of = "x", rows = [4, 1], as = "picked" },
          { op = "select", of = "x", where = "a", equals = 1.0, as = "ones" },
        ]
        "#,
    );
    let t = transform(&s, &Tables::new()).unwrap();
    assert_eq!(t.get("x").unwrap(), &[0.0, 1.0, 2.0, 3.0, 4.0]);
    assert_eq!(t.get("zero").unwrap(), &[2.0]);
    assert_eq!(t.get("far").unwrap(), &[0.0], "the first of two maxima");
    assert_eq!(t.get("sum").unwrap(), &[6.0]);
    assert_eq!(t.get("mean").unwrap(), &[2.0]);
    assert!((t.get("std").unwrap()[0] - 2f64.sqrt()).abs() < 1e-15);
    assert_eq!(t.get("min").unwrap(), &[-2.0]);
    assert_eq!(t.get("max").unwrap(), &[2.0]);
    assert_eq!(t.get("picked").unwrap(), &[4.0, 1.0]);
    assert_eq!(t.get("ones").unwrap(), &[1.0, 3.0]);
    assert!(s.references().is_empty());
}

#[test]
fn one_value_columns_broadcast() {
    let mut tables = net_tables();
    tables.get_mut("net").unwrap().insert("c", vec![10.0]);
    let s = spec(
        r#"ops = [{ op = "linear", of = ["net.y.0", "net.c"], weights = [1.0, 2.0], as = "v" }]"#,
    );
    assert_eq!(
        transform(&s, &tables).unwrap().get("v").unwrap(),
        &[20.0, 22.0, 19.0]
    );
}

#[test]
fn problems_are_reported() {
    let bad = |text: &str| spec(text).validate();
    let issues =
        bad(r#"ops = [{ op = "sigmoid", of = ["net.a", "net.b"], as = "s", bias = 1.0 }]"#);
    assert!(
        issues
            .iter()
            .any(|(k, m)| k == "ops[0].bias" && m.contains("does not take")),
        "{issues:?}"
    );
    assert!(
        issues
            .iter()
            .any(|(k, m)| k == "ops[0].of" && m.contains("one column")),
        "{issues:?}"
    );
    let issues =
        bad(r#"ops = [{ op = "linear", of = ["net.a"], weights = [1.0, 2.0], as = "s" }]"#);
    assert!(issues[0].1.contains("expected 1 weights"), "{issues:?}");
    let issues = bad(r#"ops = [{ op = "exp", of = "lambda", as = "s" }]"#);
    assert!(
        issues[0].1.contains("neither an earlier output"),
        "{issues:?}"
    );
    let issues = bad(
        r#"ops = [{ op = "exp", of = "n.a", as = "s" }, { op = "exp", of = "n.a", as = "s" }]"#,
    );
    assert!(issues[0].1.contains("written twice"), "{issues:?}");
    let issues = bad(r#"ops = [{ op = "argmax", of = "n.a", as = "s" }]"#);
    assert!(issues[0].1.contains("needs `at`"), "{issues:?}");
    let issues = bad(r#"ops = [{ op = "select", of = "n.a", as = "s", where = "n.b" }]"#);
    assert!(issues[0].1.contains("needs `equals`"), "{issues:?}");
    // Domain errors when the stage runs.
    let s = spec(r#"ops = [{ op = "log", of = "net.y.1", as = "l" }]"#);
    let err = transform(&s, &net_tables()).unwrap_err().to_string();
    assert!(
        err.contains("ops[0] (log)") && err.contains("value 1"),
        "{err}"
    );
    let s = spec(r#"ops = [{ op = "select", of = "net.x", rows = [3], as = "l" }]"#);
    assert!(
        transform(&s, &net_tables())
            .unwrap_err()
            .to_string()
            .contains("row 3")
    );
    let s = spec(r#"ops = [{ op = "exp", of = "net.nope", as = "l" }]"#);
    let err = transform(&s, &net_tables()).unwrap_err().to_string();
    assert!(
        err.contains("no column `nope`") && err.contains("y.0"),
        "{err}"
    );
}

#[test]
fn evaluate_at_traces_a_model_at_a_column() {
    // The binary head of notebook 5.2, by hand. At x = 0.5 every hidden unit is off
    // (0.3 − 0.5, −1 + 0.9 and −0.5 + 0.325 are all negative), so y = 2.6. At x = 0.9:
    // h = (0, 0.62, 0.085), y = 2.6 − 8·0.62 + 50·0.085 = 1.89.
    let spec = models::ModelSpec::Shallow(models::ShallowSpec {
        activation: models::Activation::Relu,
        theta: vec![vec![0.3, -1.0], vec![-1.0, 1.8], vec![-0.5, 0.65]],
        phi: vec![vec![2.6, -24.0, -8.0, 50.0]],
    });
    let model = models::Model::build(&spec).unwrap();
    let mut pts = Table::new();
    pts.insert("x", vec![0.9, 0.5]);
    let tables = Tables::from([("pts".to_owned(), pts)]);
    let at = crate::predict::EvaluateAtSpec {
        model: "net".into(),
        x: "pts.x".into(),
    };
    let t = crate::predict::evaluate_at(&model, &at, &tables).unwrap();
    let y = t.get("y").unwrap();
    assert!((y[0] - 1.89).abs() < 1e-12, "{y:?}");
    assert!((y[1] - 2.6).abs() < 1e-12, "{y:?}");
    assert_eq!(t.get("x").unwrap(), &[0.9, 0.5]);
}

#[test]
fn outer_lays_products_out_row_by_row_from_the_bottom() {
    // a = net.x = (0, 0.5, 1) along each row, b = net.y.1 = (1, −3, 0.5) from row to row.
    let s = spec(r#"ops = [{ op = "outer", of = ["net.x", "net.y.1"], as = "z" }]"#);
    let t = transform(&s, &net_tables()).unwrap();
    assert_eq!(
        t.get("z").unwrap(),
        &[0.0, 0.5, 1.0, -0.0, -1.5, -3.0, 0.0, 0.25, 0.5]
    );
    let s = spec(r#"ops = [{ op = "outer", of = "net.x", as = "z" }]"#);
    assert!(s.validate()[0].1.contains("two columns"));
}
