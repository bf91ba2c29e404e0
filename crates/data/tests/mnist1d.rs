//! MNIST-1D generator tests: the NumPy/SciPy ports against values printed by NumPy/SciPy, and
//! whole data sets against a fixture made once with the official Python package.
//!
//! The fixture `fixtures/mnist1d/mnist1d_seed42.json` was written with `mnist1d` 0.0.2.post1
//! (PyPI), NumPy 2.4.6 and SciPy 1.17.1 on Python 3.11 by a throw-away script (not kept: the
//! project contains no Python) run as `python make_fixture.py` in a venv made by
//! `python3 -m venv env && env/bin/pip install mnist1d`. What the script did, in order:
//!
//! 1. `default`: `d = mnist1d.data.make_dataset(get_dataset_args())` (seed 42); the raw rows
//!    were regenerated with `np.random.seed(42)` + `transform.transform(...)` in class-major
//!    order + `np.random.permutation(5000)` (asserted equal to `d` after standardising) to get
//!    `raw_mean = xs.mean()`, `raw_std = xs.std()` and `permutation_head = perm[:20]`. Stored:
//!    `d['t']`, `get_templates()['x']` and `['t']`, all labels as digit strings, `np.bincount`
//!    of the labels, train rows 0–4, 800, 1600, 2400, 3200 and test rows 0–4, 250, 500, 750,
//!    `x.mean(0)`, `x.std(0)`, `x.sum()`, `np.abs(x).sum()` for train and test.
//! 2. `trace0`: after `np.random.seed(42)`, the body of `transform.transform` for template 0
//!    called step by step (`pad(x + 1e-8, …)`, `interpolate`, scale draw, `translate`,
//!    `corr_noise_like`, mask mix, `iid_noise_like`, `shear`, `interpolate`), asserted equal to
//!    `transform(x0, t, args)` after re-seeding; stored every intermediate vector.
//! 3. `shuffle_seq`: `make_dataset` with `shuffle_seq = True`; the 40-permutation, replayed from
//!    the stream, and train row 0.
//! 4. `label_noise_nb83`: `num_samples = 8000`, `train_split = 0.5`, `make_dataset`, then the
//!    udlbook notebook 8.3 loop `for c_y in range(len(y)): if random.random() < 0.15:
//!    y[c_y] = int(random.random() * 10)` (Python's `random` as left by `make_dataset`'s
//!    `set_seed(42)`); stored clean and noisy training labels and test row 0.
//!
//! Floats were written with Python's `repr` (shortest round-trip), so they parse exactly.

use data::mnist1d::{
    self, Mnist1dSpec, PyRandom, RandomState, gaussian_filter1d, gaussian_kernel, generate,
    templates, trace_example,
};
use serde::Deserialize;
use std::sync::OnceLock;

/// Tolerance of every element-wise comparison with NumPy/SciPy results.
const TOL: f64 = 1e-12;

#[derive(Deserialize)]
struct Fixture {
    default: DefaultSet,
    trace0: Trace0,
    shuffle_seq: ShuffleSeq,
    label_noise_nb83: LabelNoise,
}

#[derive(Deserialize)]
struct DefaultSet {
    raw_mean: f64,
    raw_std: f64,
    t: Vec<f64>,
    templates: Vec<Vec<f64>>,
    templates_t: Vec<f64>,
    permutation_head: Vec<usize>,
    y_train: String,
    y_test: String,
    label_counts_train: Vec<usize>,
    label_counts_test: Vec<usize>,
    x_train_rows: Vec<usize>,
    x_train_values: Vec<Vec<f64>>,
    x_test_rows: Vec<usize>,
    x_test_values: Vec<Vec<f64>>,
    x_train_col_mean: Vec<f64>,
    x_train_col_std: Vec<f64>,
    x_test_col_mean: Vec<f64>,
    x_test_col_std: Vec<f64>,
    x_train_sum: f64,
    x_test_sum: f64,
    x_train_abs_sum: f64,
    x_test_abs_sum: f64,
}

#[derive(Deserialize)]
struct Trace0 {
    padding: usize,
    scale: f64,
    shift: usize,
    dilated: Vec<f64>,
    shifted: Vec<f64>,
    mask: Vec<bool>,
    with_corr_noise: Vec<f64>,
    with_iid_noise: Vec<f64>,
    sheared: Vec<f64>,
    output: Vec<f64>,
}

#[derive(Deserialize)]
struct ShuffleSeq {
    seq_permutation: Vec<usize>,
    x_train_row0: Vec<f64>,
}

#[derive(Deserialize)]
struct LabelNoise {
    num_samples: usize,
    train_split: f64,
    label_noise: f64,
    seed: u32,
    y_train_clean: String,
    y_train_noisy: String,
    x_test_row0: Vec<f64>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        serde_json::from_str(include_str!("fixtures/mnist1d/mnist1d_seed42.json"))
            .expect("fixture parses")
    })
}

/// The default data set, generated once for all tests.
fn default_set() -> &'static mnist1d::Mnist1d {
    static SET: OnceLock<mnist1d::Mnist1d> = OnceLock::new();
    SET.get_or_init(|| generate(&Mnist1dSpec::default()).expect("default spec is valid"))
}

fn assert_all_close(what: &str, actual: &[f64], expected: &[f64], tol: f64) {
    assert_eq!(actual.len(), expected.len(), "{what}: length");
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        assert!(
            (a - e).abs() <= tol,
            "{what}[{i}]: expected {e}, got {a} (difference {}, tolerance {tol})",
            (a - e).abs()
        );
    }
}

fn digits(labels: &[u8]) -> String {
    labels.iter().map(|y| char::from(b'0' + y)).collect()
}

fn column_stats(x: &[f64], len: usize) -> (Vec<f64>, Vec<f64>) {
    let rows = x.len() / len;
    let col = |j: usize| x.iter().skip(j).step_by(len).copied();
    let means: Vec<f64> = (0..len)
        .map(|j| col(j).sum::<f64>() / rows as f64)
        .collect();
    let stds = (0..len)
        .map(|j| (col(j).map(|v| (v - means[j]).powi(2)).sum::<f64>() / rows as f64).sqrt())
        .collect();
    (means, stds)
}

// --- NumPy legacy RandomState: expected values printed once by NumPy 2.4.6 -------------------

#[test]
fn random_sample_matches_numpy() {
    // np.random.RandomState(42).random_sample(5)
    let mut rng = RandomState::new(42);
    let got: Vec<f64> = (0..5).map(|_| rng.random_sample()).collect();
    assert_eq!(
        got,
        [
            0.3745401188473625,
            0.9507143064099162,
            0.7319939418114051,
            0.5986584841970366,
            0.15601864044243652
        ]
    );
    // np.random.RandomState(0).random_sample(10000) then .random_sample(): crosses many twists.
    let mut rng = RandomState::new(0);
    for _ in 0..10_000 {
        rng.random_sample();
    }
    assert_eq!(rng.random_sample(), 0.7482679812896987);
    assert_eq!(rng.standard_normal(), -0.4095112668141529);
    // np.random.RandomState(4294967295).random_sample(): the largest legal seed.
    assert_eq!(
        RandomState::new(u32::MAX).random_sample(),
        0.0976320289940138
    );
    // np.random.RandomState([1, 2, 3]).random_sample(): init_by_array.
    assert_eq!(
        RandomState::from_key(&[1, 2, 3]).random_sample(),
        0.6098612722867289
    );
}

#[test]
fn randn_matches_numpy_and_caches_the_second_value() {
    // np.random.RandomState(42).randn(5)
    let expected = [
        0.4967141530112327,
        -0.13826430117118466,
        0.6476885381006925,
        1.5230298564080254,
        -0.23415337472333597,
    ];
    let mut rng = RandomState::new(42);
    let got: Vec<f64> = (0..5).map(|_| rng.standard_normal()).collect();
    assert_all_close("randn", &got, &expected, 1e-15);
    // r = RandomState(42); r.randn(3); r.random_sample() -> 0.15601864044243652, the fifth
    // uniform: two Box–Muller pairs used 4 uniforms and the cached normal did not consume any.
    let mut rng = RandomState::new(42);
    for _ in 0..3 {
        rng.standard_normal();
    }
    assert_eq!(rng.random_sample(), 0.15601864044243652);
    // r = RandomState(42); r.normal(3, 2), r.normal(3, 2), r.uniform(-1, 1)
    let mut rng = RandomState::new(42);
    assert!((rng.normal(3.0, 2.0) - 3.9934283060224653).abs() <= 1e-15);
    assert!((rng.normal(3.0, 2.0) - 2.723471397657631).abs() <= 1e-15);
    assert_eq!(rng.uniform(-1.0, 1.0), 0.4639878836228102);
}

#[test]
fn integers_match_numpy() {
    // r = RandomState(42); r.randint(0, 10, 5); r.randint(-5, 1000, 5); r.randint(0, 2**40, 3)
    let mut rng = RandomState::new(42);
    let a: Vec<i64> = (0..5).map(|_| rng.randint(0, 10)).collect();
    assert_eq!(a, [6, 3, 7, 4, 6]);
    let b: Vec<i64> = (0..5).map(|_| rng.randint(-5, 1000)).collect();
    assert_eq!(b, [116, 461, 209, 325, 453]);
    let c: Vec<i64> = (0..3).map(|_| rng.randint(0, 1 << 40)).collect();
    assert_eq!(c, [375095422324, 425815370599, 651335606402]);
    // RandomState(0).randint(0, 2**32, 3, dtype=np.uint64): the full 32-bit range, one word each.
    let mut rng = RandomState::new(0);
    let words: Vec<i64> = (0..3).map(|_| rng.randint(0, 1 << 32)).collect();
    assert_eq!(words, [2357136044, 2546248239, 3071714933]);
    assert_eq!(rng.random_sample(), 0.8442657485810173);
    // r = RandomState(42); [int(r.choice(48)) for _ in range(8)]: the MNIST-1D shift draw.
    let mut rng = RandomState::new(42);
    let shifts: Vec<usize> = (0..8).map(|_| rng.choice(48)).collect();
    assert_eq!(shifts, [38, 28, 14, 42, 7, 20, 38, 18]);
}

#[test]
fn permutation_and_shuffle_match_numpy() {
    // np.random.RandomState(42).permutation(10)
    assert_eq!(
        RandomState::new(42).permutation(10),
        [8, 1, 5, 0, 7, 2, 9, 4, 3, 6]
    );
    // r = RandomState(42); r.permutation(1), r.permutation(2), r.permutation(100)[:10]
    let mut rng = RandomState::new(42);
    assert_eq!(rng.permutation(1), [0]);
    assert_eq!(rng.permutation(2), [1, 0]);
    assert_eq!(
        rng.permutation(100)[..10],
        [83, 53, 70, 45, 44, 39, 22, 80, 10, 0]
    );
    // r = RandomState(42); a = list(range(7)); r.shuffle(a)
    let mut items = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    RandomState::new(42).shuffle(&mut items);
    assert_eq!(items, ['a', 'b', 'f', 'c', 'e', 'd', 'g']);
}

#[test]
fn python_random_matches_cpython() {
    // random.seed(0); random.random() x3 (CPython 3.11)
    let mut py = PyRandom::new(0);
    let got: Vec<f64> = (0..3).map(|_| py.random()).collect();
    assert_eq!(
        got,
        [0.8444218515250481, 0.7579544029403025, 0.420571580830845]
    );
    // random.seed(42); random.random() x3
    let mut py = PyRandom::new(42);
    let got: Vec<f64> = (0..3).map(|_| py.random()).collect();
    assert_eq!(
        got,
        [
            0.6394267984578837,
            0.025010755222666936,
            0.27502931836911926
        ]
    );
    // random.seed(2**40 + 5); random.random(): a two-word key.
    assert_eq!(PyRandom::new((1 << 40) + 5).random(), 0.5043802970418443);
}

// --- SciPy gaussian_filter1d (mode "reflect"): expected values printed once by SciPy 1.17.1 ---

const SIGNAL: [f64; 12] = [
    0.3, -1.2, 2.5, 0.0, 4.1, -0.7, 1.9, 3.3, -2.2, 0.8, 1.1, -0.4,
];

#[test]
fn gaussian_filter_matches_scipy() {
    // gaussian_filter1d(v, 2.0)
    let expected = [
        0.3660776307015629,
        0.5581889024530552,
        0.8609045829436259,
        1.149858705128202,
        1.3219782316347368,
        1.3360617838238622,
        1.2019040713788547,
        0.9620439322393796,
        0.6902246948764255,
        0.465390030051628,
        0.3250329076730649,
        0.262334527095602,
    ];
    assert_all_close(
        "sigma 2",
        &gaussian_filter1d(&SIGNAL, 2.0, 4.0),
        &expected,
        TOL,
    );
    // gaussian_filter1d(v[:5], 2.0): 17 taps on 5 samples, the reflection repeats.
    let expected = [
        0.41340782574601126,
        0.6717147770926842,
        1.115713968838855,
        1.5932117206074803,
        1.905951707714969,
    ];
    assert_all_close(
        "short",
        &gaussian_filter1d(&SIGNAL[..5], 2.0, 4.0),
        &expected,
        TOL,
    );
    // gaussian_filter1d(v, 0.7, truncate=3.0): radius int(2.6) = 2.
    let expected = [
        -0.001401506199452951,
        -0.10582262046981661,
        1.2206010425000378,
        1.3375182943424277,
        2.2351728778586795,
        0.8653496273087882,
        1.6352134552273068,
        1.8200461190501465,
        -0.38271015218307924,
        0.25786209111436886,
        0.684061072013479,
        -0.06589030056288686,
    ];
    assert_all_close(
        "sigma 0.7",
        &gaussian_filter1d(&SIGNAL, 0.7, 3.0),
        &expected,
        TOL,
    );
    // The kernel: radius int(4·2 + 0.5) = 8, 17 taps summing to 1, centre ≈ 0.199475.
    let kernel = gaussian_kernel(2.0, 4.0);
    assert_eq!(kernel.len(), 17);
    assert!((kernel.iter().sum::<f64>() - 1.0).abs() < 1e-15);
    assert!((kernel[8] - 0.199475).abs() < 1e-6);
}

#[test]
fn interp_matches_numpy_conventions() {
    let xp = [0.0, 1.0, 3.0];
    let fp = [1.0, 3.0, -1.0];
    // np.interp([-1, 0, 0.5, 1, 2, 3, 4], xp, fp)
    let got = mnist1d::interp(&[-1.0, 0.0, 0.5, 1.0, 2.0, 3.0, 4.0], &xp, &fp);
    assert_eq!(got, [1.0, 1.0, 2.0, 3.0, 1.0, -1.0, -1.0]);
    // Resampling keeps the ends and is the identity at the same length.
    let v = [0.5, -2.0, 7.0, 1.0];
    assert_eq!(mnist1d::resample_linear(&v, 4), v);
    let up = mnist1d::resample_linear(&v, 7);
    assert_eq!((up[0], up[6]), (0.5, 1.0));
    assert_eq!(mnist1d::linspace(-0.5, 0.5, 72)[71], 0.5);
}

// --- Whole data sets against the official package --------------------------------------------

#[test]
fn templates_match_the_package() {
    let fx = &fixture().default;
    let t = templates();
    for (class, row) in t.x.iter().enumerate() {
        assert_all_close(&format!("template {class}"), row, &fx.templates[class], TOL);
        assert_eq!(
            (row[0], row[11]),
            (0.0, 0.0),
            "templates start and end at 0"
        );
    }
    assert_all_close("template t", &t.t, &fx.templates_t, TOL);
    // Classes 6, 7, 8 are the mirror images of 0, 1, 3.
    for (a, b) in [(6, 0), (7, 1), (8, 3)] {
        let neg: Vec<f64> = t.x[b].iter().map(|v| -v).collect();
        assert_all_close(&format!("template {a}"), &t.x[a], &neg, 1e-15);
    }
}

#[test]
fn default_set_matches_the_package() {
    let fx = &fixture().default;
    let d = default_set();
    assert_eq!((d.n_train, d.n_test, d.len), (4000, 1000, 40));
    assert_eq!((d.x_train.len(), d.x_test.len()), (4000 * 40, 1000 * 40));
    assert!((d.mean - fx.raw_mean).abs() <= TOL, "mean {}", d.mean);
    assert!((d.std - fx.raw_std).abs() <= TOL, "std {}", d.std);
    assert_eq!(d.order[..20], fx.permutation_head);
    assert_eq!(digits(&d.y_train), fx.y_train);
    assert_eq!(digits(&d.y_test), fx.y_test);
    assert_eq!(d.y_train_clean, d.y_train);
    assert_eq!(d.seq_permutation, None);
    let counts = |ys: &[u8]| {
        let mut c = vec![0usize; 10];
        ys.iter().for_each(|&y| c[y as usize] += 1);
        c
    };
    assert_eq!(counts(&d.y_train), fx.label_counts_train);
    assert_eq!(counts(&d.y_test), fx.label_counts_test);
    assert_eq!(fx.label_counts_train[..3], [398, 396, 411]);

    for (&r, expected) in fx.x_train_rows.iter().zip(&fx.x_train_values) {
        assert_all_close(&format!("x_train row {r}"), d.train_row(r), expected, TOL);
    }
    for (&r, expected) in fx.x_test_rows.iter().zip(&fx.x_test_values) {
        assert_all_close(&format!("x_test row {r}"), d.test_row(r), expected, TOL);
    }
    assert_all_close("t", &d.t, &fx.t, TOL);

    // Whole-set statistics touch every value (NumPy's column sums run in another order).
    let (mean, std) = column_stats(&d.x_train, 40);
    assert_all_close("x_train column means", &mean, &fx.x_train_col_mean, TOL);
    assert_all_close("x_train column stds", &std, &fx.x_train_col_std, TOL);
    let (mean, std) = column_stats(&d.x_test, 40);
    assert_all_close("x_test column means", &mean, &fx.x_test_col_mean, TOL);
    assert_all_close("x_test column stds", &std, &fx.x_test_col_std, TOL);
    // Sums over 160 000 and 40 000 values: the order of summation shows at ~1e-11, so these
    // get a tolerance of 1e-15 per value.
    let sum = |x: &[f64]| mnist1d::pairwise_sum(x);
    let abs_sum = |x: &[f64]| x.iter().map(|v| v.abs()).collect::<Vec<_>>();
    for (what, actual, expected) in [
        ("x_train sum", sum(&d.x_train), fx.x_train_sum),
        ("x_test sum", sum(&d.x_test), fx.x_test_sum),
        (
            "x_train |x| sum",
            sum(&abs_sum(&d.x_train)),
            fx.x_train_abs_sum,
        ),
        (
            "x_test |x| sum",
            sum(&abs_sum(&d.x_test)),
            fx.x_test_abs_sum,
        ),
    ] {
        assert!(
            (actual - expected).abs() <= 1.6e-10,
            "{what}: expected {expected}, got {actual}"
        );
    }
    // Train and test together are standardised exactly.
    let all: Vec<f64> = d.x_train.iter().chain(&d.x_test).copied().collect();
    let (m, s) = mnist1d::mean_std(&all);
    assert!(
        m.abs() < 1e-15 && (s - 1.0).abs() < 1e-14,
        "mean {m}, std {s}"
    );
}

#[test]
fn trace_of_example_0_matches_the_package() {
    let fx = &fixture().trace0;
    let tr = trace_example(&Mnist1dSpec::default(), 0).unwrap();
    assert_eq!((tr.padding, tr.shift), (fx.padding, fx.shift));
    assert!((tr.scale - fx.scale).abs() <= 1e-15);
    assert_eq!(tr.padded.len(), 12 + fx.padding);
    assert_all_close("dilated", &tr.dilated, &fx.dilated, TOL);
    assert_all_close("shifted", &tr.shifted, &fx.shifted, TOL);
    assert_eq!(tr.mask, fx.mask);
    assert_all_close(
        "with_corr_noise",
        &tr.with_corr_noise,
        &fx.with_corr_noise,
        TOL,
    );
    assert_all_close(
        "with_iid_noise",
        &tr.with_iid_noise,
        &fx.with_iid_noise,
        TOL,
    );
    assert_all_close("sheared", &tr.sheared, &fx.sheared, TOL);
    assert_all_close("output", &tr.output, &fx.output, TOL);
}

#[test]
fn traces_reproduce_dataset_rows() {
    let spec = Mnist1dSpec::default();
    let d = default_set();
    for row in [0, 1, 3999] {
        let index = d.order[row];
        let tr = trace_example(&spec, index).unwrap();
        let standardised: Vec<f64> = tr.output.iter().map(|v| (v - d.mean) / d.std).collect();
        assert_eq!(standardised, d.train_row(row), "row {row}");
        assert_eq!(d.y_train[row] as usize, index / spec.samples_per_class());
    }
    assert!(trace_example(&spec, 5000).is_err());
}

#[test]
fn shuffle_seq_matches_the_package() {
    let fx = &fixture().shuffle_seq;
    let spec = Mnist1dSpec {
        shuffle_seq: true,
        ..Mnist1dSpec::default()
    };
    let d = generate(&spec).unwrap();
    let perm = d.seq_permutation.clone().expect("a position permutation");
    assert_eq!(perm, fx.seq_permutation);
    assert_all_close("shuffled row 0", d.train_row(0), &fx.x_train_row0, TOL);
    // Same examples and labels as without shuffling, columns permuted.
    let plain = default_set();
    assert_eq!(d.y_train, plain.y_train);
    for r in [0, 17, 3999] {
        let unshuffled: Vec<f64> = (0..40).map(|j| plain.train_row(r)[perm[j]]).collect();
        assert_eq!(d.train_row(r), unshuffled);
    }
}

#[test]
fn label_noise_matches_udlbook_notebook_8_3() {
    let fx = &fixture().label_noise_nb83;
    let spec = Mnist1dSpec {
        num_samples: fx.num_samples,
        train_split: fx.train_split,
        label_noise: fx.label_noise,
        seed: fx.seed,
        ..Mnist1dSpec::default()
    };
    let d = generate(&spec).unwrap();
    assert_eq!((d.n_train, d.n_test), (4000, 4000));
    assert_eq!(digits(&d.y_train_clean), fx.y_train_clean);
    assert_eq!(digits(&d.y_train), fx.y_train_noisy);
    assert_all_close("x_test row 0", d.test_row(0), &fx.x_test_row0, TOL);
}

#[test]
fn label_noise_fraction_and_independence() {
    let base = Mnist1dSpec {
        num_samples: 10_000,
        train_split: 0.5,
        ..Mnist1dSpec::default()
    };
    let clean = generate(&base).unwrap();
    let changed = |d: &mnist1d::Mnist1d| {
        d.y_train
            .iter()
            .zip(&d.y_train_clean)
            .filter(|(a, b)| a != b)
            .count() as f64
            / d.n_train as f64
    };
    assert_eq!(changed(&clean), 0.0);
    for p in [0.15, 0.5, 1.0] {
        let noisy = generate(&Mnist1dSpec {
            label_noise: p,
            ..base.clone()
        })
        .unwrap();
        // Signals, test labels and clean labels do not depend on the label noise.
        assert_eq!(noisy.x_train, clean.x_train);
        assert_eq!(noisy.x_test, clean.x_test);
        assert_eq!(noisy.y_test, clean.y_test);
        assert_eq!(noisy.y_train_clean, clean.y_train);
        // A redrawn label is uniform over 10 classes, so a fraction 0.9·p changes
        // (binomial sd ≤ 0.0071 for 5000 labels; the bound is 3.5 sd).
        let frac = changed(&noisy);
        assert!((frac - 0.9 * p).abs() < 0.025, "p = {p}: changed {frac}");
        assert!(noisy.y_train.iter().all(|&y| y < 10));
    }
    // The seed of the label noise picks other labels; the default is the data seed.
    let seeded = |s| {
        generate(&Mnist1dSpec {
            num_samples: 1000,
            label_noise: 0.15,
            label_noise_seed: s,
            ..base.clone()
        })
        .unwrap()
        .y_train
    };
    assert_eq!(seeded(None), seeded(Some(42)));
    assert_ne!(seeded(Some(7)), seeded(Some(42)));
}

// --- Spec ------------------------------------------------------------------------------------

#[test]
fn spec_defaults_and_toml() {
    let spec: Mnist1dSpec = toml::from_str("").unwrap();
    assert_eq!(spec, Mnist1dSpec::default());
    assert_eq!(spec.padding, [36, 60]);
    assert_eq!((spec.num_train(), spec.working_length()), (4000, 72));
    let spec: Mnist1dSpec = toml::from_str(
        "num-samples = 8000\ntrain-split = 0.5\nlabel-noise = 0.15\nlabel-noise-seed = 3\n\
         shuffle-seq = true\npadding = [40, 50]",
    )
    .unwrap();
    assert_eq!(spec.num_samples, 8000);
    assert_eq!(spec.label_noise_seed, Some(3));
    assert_eq!(spec.padding, [40, 50]);
    // Round trip through TOML (an absent label-noise-seed stays absent).
    let text = toml::to_string(&Mnist1dSpec::default()).unwrap();
    assert!(!text.contains("label-noise-seed"), "{text}");
    assert_eq!(
        toml::from_str::<Mnist1dSpec>(&text).unwrap(),
        Mnist1dSpec::default()
    );
    assert!(toml::from_str::<Mnist1dSpec>("num_samples = 10").is_err());
    assert!(toml::from_str::<Mnist1dSpec>("seed = -1").is_err());
}

#[test]
fn invalid_specs_are_reported_together() {
    let spec = Mnist1dSpec {
        num_samples: 5,
        train_split: 1.5,
        template_len: 10,
        padding: [60, 36],
        max_translation: 0,
        shear_scale: f64::NAN,
        final_seq_length: 1,
        label_noise: -0.1,
        ..Mnist1dSpec::default()
    };
    let fields: Vec<String> = spec.validate().into_iter().map(|(f, _)| f).collect();
    assert_eq!(
        fields,
        [
            "num-samples",
            "train-split",
            "template-len",
            "padding",
            "max-translation",
            "shear-scale",
            "final-seq-length",
            "label-noise"
        ]
    );
    let err = generate(&spec).unwrap_err().to_string();
    assert!(err.starts_with("invalid data spec: num-samples:"), "{err}");
    assert!(Mnist1dSpec::default().validate().is_empty());
}

#[test]
fn other_sizes_work() {
    // 1234 samples: 123 per class (floored), 984 train; a 60-sample output.
    let spec = Mnist1dSpec {
        num_samples: 1234,
        final_seq_length: 60,
        max_translation: 1,
        ..Mnist1dSpec::default()
    };
    let d = generate(&spec).unwrap();
    assert_eq!((d.n_train, d.n_test, d.len), (984, 246, 60));
    assert_eq!(d.x_train.len(), 984 * 60);
    // No translation: every template starts at position 0.
    let tr = trace_example(&spec, 5).unwrap();
    assert_eq!(tr.shift, 0);
    assert!(tr.mask[0] && !tr.mask[71]);
}
