//! Unit tests: the checks of UDL figs. 3.9 and 4.7 and notebook 3_3, exact and in log space.

use super::*;

fn big(s: &str) -> BigUint {
    s.parse().unwrap()
}

#[test]
fn shallow_counts_match_notebook_3_3() {
    assert_eq!(shallow_max_regions(2, 3), BigUint::from(7u8));
    assert_eq!(
        shallow_max_regions(10, 50),
        BigUint::from(13_432_735_556u64)
    );
    // D ≤ D_i: 2^D.
    assert_eq!(shallow_max_regions(10, 8), BigUint::from(256u16));
    assert_eq!(shallow_max_regions(10, 10), BigUint::from(1024u16));
    // One input: D + 1 regions.
    assert_eq!(shallow_max_regions(1, 10), BigUint::from(11u8));
    assert_eq!(shallow_max_regions(5, 0), BigUint::from(1u8));
    assert_eq!(shallow_params(10, 8), 97);
    assert_eq!(shallow_params(1, 3), 10);
}

#[test]
fn fig_3_9_highlighted_point() {
    // D = 500, D_i = 100: more than 10^107 regions with 51,001 parameters.
    let n = shallow_max_regions(100, 500);
    assert!(n > BigUint::from(10u8).pow(107));
    assert!(n < BigUint::from(10u8).pow(108));
    assert_eq!(shallow_params(100, 500), 51_001);
    let l = log10(&n);
    assert!((107.0..108.0).contains(&l), "{l}");
    assert!((log10_shallow_max_regions(100, 500) - l).abs() < 1e-9);
}

#[test]
fn fig_4_7_highlighted_points() {
    // (a) D_i = 1, K = 5, D = 10: 11^5 = 161,051 regions, 471 parameters.
    assert_eq!(deep_max_regions(1, 10, 5), BigUint::from(161_051u32));
    assert_eq!(deep_params(1, 10, 5), 471);
    // The book's one-input form: (D + 1)^K regions, 3D + 1 + (K − 1)·D·(D + 1) parameters.
    for (d, k) in [(3, 2), (10, 3), (25, 4)] {
        assert_eq!(
            deep_max_regions(1, d, k),
            BigUint::from(d + 1).pow(k as u32)
        );
        assert_eq!(deep_params(1, d, k), 3 * d + 1 + (k - 1) * d * (d + 1));
    }
    // (b) D_i = 10, K = 5, D = 50: 10,801 parameters and (50/10 + 1)^40 · Σ_{j≤10} C(50, j)
    // = 6^40 · 13,432,735,556 ≈ 1.8·10^41 regions: "more than 10^40" in the book's caption.
    let n = deep_max_regions(10, 50, 5);
    assert_eq!(
        n,
        BigUint::from(6u8).pow(40) * BigUint::from(13_432_735_556u64)
    );
    assert_eq!(n, big("179562019186562049740867382427559978336256"));
    assert!(n > BigUint::from(10u8).pow(40));
    assert!(n < BigUint::from(10u8).pow(42));
    assert_eq!(deep_params(10, 50, 5), 10_801);
    assert!((log10_deep_max_regions(10, 50, 5) - log10(&n)).abs() < 1e-9);
}

#[test]
fn deep_formula_reduces_to_shallow_and_uses_integer_division() {
    for (di, d) in [(1, 7), (2, 3), (10, 50), (10, 8), (100, 500)] {
        assert_eq!(deep_max_regions(di, d, 1), shallow_max_regions(di, d));
        assert_eq!(deep_params(di, d, 1), shallow_params(di, d));
    }
    // D = 25, D_i = 10: ⌊25/10⌋ + 1 = 3 folds per input dimension.
    assert_eq!(
        deep_max_regions(10, 25, 3),
        BigUint::from(3u8).pow(20) * binomial_sum(25, 10)
    );
    // D < D_i: no folds, 2^D per the last layer.
    assert_eq!(deep_max_regions(10, 8, 4), BigUint::from(256u16));
    // Degenerate networks are one linear region.
    assert_eq!(deep_max_regions(3, 10, 0), BigUint::from(1u8));
    assert_eq!(deep_max_regions(0, 10, 3), BigUint::from(1u8));
    assert_eq!(deep_params(3, 10, 0), 4);
}

#[test]
fn params_match_general_layer_sum() {
    for (di, d, k) in [(1, 10, 5), (10, 50, 5), (100, 500, 1), (3, 7, 2)] {
        assert_eq!(deep_params(di, d, k), params(di, &vec![d; k as usize], 1));
    }
    // UDL fig. 4.6: D_i = 3, widths 4, 2, 3, D_o = 2: 16 + 10 + 9 + 8 = 43.
    assert_eq!(params(3, &[4, 2, 3], 2), 43);
    assert_eq!(params(u64::MAX, &[u64::MAX], 1), u64::MAX);
}

#[test]
fn log_space_matches_big_integers() {
    for (di, d, k) in [
        (1, 0, 1),
        (1, 1, 1),
        (2, 3, 1),
        (5, 999, 1),
        (50, 999, 1),
        (100, 999, 1),
        (10, 50, 5),
        (1, 500, 5),
        (10, 1000, 4),
    ] {
        let exact = log10(&deep_max_regions(di, d, k));
        let fast = log10_deep_max_regions(di, d, k);
        assert!(
            (exact - fast).abs() <= 1e-10 * exact.abs().max(1.0),
            "(D_i, D, K) = ({di}, {d}, {k}): {exact} vs {fast}"
        );
    }
    assert_eq!(log10(&BigUint::from(1000u16)), 3.0);
    assert_eq!(log10(&BigUint::from(0u8)), f64::NEG_INFINITY);
    assert_eq!(to_f64(&BigUint::from(161_051u32)), 161_051.0);
    assert_eq!(to_f64(&(BigUint::from(1u8) << 2000u32)), f64::MAX);
    let x = to_f64(&big("179562019186562049740867382427559978336256"));
    assert!((x / 1.795_620_191_865_620_6e41 - 1.0).abs() < 1e-15, "{x}");
}

#[test]
fn region_counts_table() {
    let spec = RegionCountsSpec {
        inputs: 1,
        layers: 5,
        hidden: WidthRange {
            start: 5,
            stop: 15,
            step: 5,
        },
    };
    let table = region_counts(&spec).unwrap();
    assert_eq!(table.get("hidden").unwrap(), &[5.0, 10.0, 15.0]);
    assert_eq!(table.get("params").unwrap(), &[136.0, 471.0, 1006.0]);
    assert_eq!(
        table.get("regions").unwrap(),
        &[7776.0, 161_051.0, 1_048_576.0]
    );
    let logs = table.get("log10-regions").unwrap();
    assert!((logs[1] - 161_051f64.log10()).abs() < 1e-12);
    assert_eq!(table.columns.len(), 4);

    // Fig. 3.9a's curve for D_i = 100 reaches beyond 10^150 at D = 999; huge counts saturate
    // in `regions` but stay finite in `log10-regions`.
    let spec = RegionCountsSpec {
        inputs: 100,
        layers: 1,
        hidden: WidthRange {
            start: 0,
            stop: 999,
            step: 1,
        },
    };
    let table = region_counts(&spec).unwrap();
    assert_eq!(table.get("hidden").unwrap().len(), 1000);
    assert_eq!(table.get("regions").unwrap()[3], 8.0);
    assert!(table.get("log10-regions").unwrap()[999] > 139.0);
    let spec = RegionCountsSpec {
        inputs: 100,
        layers: 20,
        hidden: WidthRange {
            start: 10_000,
            stop: 10_000,
            step: 1,
        },
    };
    let table = region_counts(&spec).unwrap();
    assert_eq!(table.get("regions").unwrap(), &[f64::MAX]);
    assert!(table.get("log10-regions").unwrap()[0] > 3800.0);
}

#[test]
fn region_counts_spec_from_toml_and_validate() {
    let doc = r#"
        inputs = 10
        layers = 5
        hidden = { start = 10, stop = 500, step = 10 }
    "#;
    let spec: RegionCountsSpec = toml::from_str(doc).unwrap();
    assert_eq!(spec.hidden.values().len(), 50);
    assert!(spec.validate().is_empty());
    assert!(spec.references().is_empty());
    let spec: RegionCountsSpec =
        toml::from_str("inputs = 1\nlayers = 1\nhidden = { start = 0, stop = 3 }").unwrap();
    assert_eq!(spec.hidden.values(), vec![0, 1, 2, 3]);
    let err = toml::from_str::<RegionCountsSpec>(
        "inputs = 1\nlayers = 1\nhidden = { start = 0, stop = 3, num = 4 }",
    )
    .unwrap_err();
    assert!(err.to_string().contains("unknown field `num`"), "{err}");

    let bad = RegionCountsSpec {
        inputs: 0,
        layers: 0,
        hidden: WidthRange {
            start: 5,
            stop: 1,
            step: 0,
        },
    };
    let paths: Vec<String> = bad.validate().into_iter().map(|(p, _)| p).collect();
    assert_eq!(paths, ["inputs", "layers", "hidden.step", "hidden.stop"]);
    let wide = RegionCountsSpec {
        inputs: 1,
        layers: 1,
        hidden: WidthRange {
            start: 0,
            stop: 100_000,
            step: 1,
        },
    };
    assert_eq!(wide.validate()[0].0, "hidden");
    assert!(matches!(region_counts(&bad), Err(Error::InvalidSpec(_))));
}
