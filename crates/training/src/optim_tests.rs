//! Tests of the optimisers, the line search, the two-parameter losses, the grid and the sampler.

use crate::line_search::{LineSearchSpec, bracket_line_search, notebook_6_1_loss};
use crate::loss2d::*;
use crate::objective::*;
use crate::optim::*;
use crate::rng::{BatchSampler, SplitMix64, shuffle};
use serde_json::json;

/// The 12-point linear-regression data of UDL ch. 2 (NB 2_1, 6_2).
const LR_X: [f64; 12] = [
    0.03, 0.19, 0.34, 0.46, 0.78, 0.81, 1.08, 1.18, 1.39, 1.60, 1.65, 1.90,
];
const LR_Y: [f64; 12] = [
    0.67, 0.85, 1.05, 1.0, 1.40, 1.5, 1.3, 1.54, 1.55, 1.68, 1.73, 1.6,
];

fn lr_loss() -> LinearRegressionLoss {
    LinearRegressionLoss::new(LR_X.to_vec(), LR_Y.to_vec()).unwrap()
}

/// The 30 Gabor pairs hard-coded in NB 6_3.
fn gabor_loss() -> GaborLoss {
    let x = vec![
        -1.920e+00, -1.422e+01, 1.490e+00, -1.940e+00, -2.389e+00, -5.090e+00, -8.861e+00,
        3.578e+00, -6.010e+00, -6.995e+00, 3.634e+00, 8.743e-01, -1.096e+01, 4.073e-01, -9.467e+00,
        8.560e+00, 1.062e+01, -1.729e-01, 1.040e+01, -1.261e+01, 1.574e-01, -1.304e+01, -2.156e+00,
        -1.210e+01, -1.119e+01, 2.902e+00, -8.220e+00, -1.179e+01, -8.391e+00, -4.505e+00,
    ];
    let y = vec![
        -1.051e+00, -2.482e-02, 8.896e-01, -4.943e-01, -9.371e-01, 4.306e-01, 9.577e-03,
        -7.944e-02, 1.624e-01, -2.682e-01, -3.129e-01, 8.303e-01, -2.365e-02, 5.098e-01,
        -2.777e-01, 3.367e-01, 1.927e-01, -2.222e-01, 6.352e-02, 6.888e-03, 3.224e-02, 1.091e-02,
        -5.706e-01, -5.258e-02, -3.666e-02, 1.709e-01, -4.805e-02, 2.008e-01, -1.904e-01,
        5.952e-01,
    ];
    GaborLoss::new(x, y).unwrap()
}

/// `L = ½ (p − c)ᵀ A (p − c)` with symmetric positive-definite `A`: minimum 0 at `c`.
struct Quadratic {
    a: [[f64; 2]; 2],
    c: [f64; 2],
}

impl Objective for Quadratic {
    fn dim(&self) -> usize {
        2
    }
    fn loss(&self, p: &[f64]) -> f64 {
        let d = [p[0] - self.c[0], p[1] - self.c[1]];
        let ad = [
            self.a[0][0] * d[0] + self.a[0][1] * d[1],
            self.a[1][0] * d[0] + self.a[1][1] * d[1],
        ];
        0.5 * (d[0] * ad[0] + d[1] * ad[1])
    }
    fn grad(&self, p: &[f64], g: &mut [f64]) {
        let d = [p[0] - self.c[0], p[1] - self.c[1]];
        g[0] = self.a[0][0] * d[0] + self.a[0][1] * d[1];
        g[1] = self.a[1][0] * d[0] + self.a[1][1] * d[1];
    }
}

/// A coupled, anisotropic bowl (eigenvalues ≈ 3.12 and 0.88) with minimum at (1, −2).
fn bowl() -> Quadratic {
    Quadratic {
        a: [[3.0, 0.5], [0.5, 1.0]],
        c: [1.0, -2.0],
    }
}

fn dist(p: &[f64], q: &[f64]) -> f64 {
    p.iter()
        .zip(q)
        .map(|(a, b)| (a - b) * (a - b))
        .sum::<f64>()
        .sqrt()
}

fn assert_close(actual: f64, expected: f64, tol: f64) {
    assert!(
        (actual - expected).abs() <= tol,
        "expected {expected}, got {actual} (tolerance {tol})"
    );
}

fn spec(value: serde_json::Value) -> OptimizerSpec {
    serde_json::from_value(value).unwrap()
}

fn batch(size: usize, seed: u64) -> BatchSpec {
    BatchSpec { size, seed }
}

// ---------------------------------------------------------------------------------------------
// Convergence on a quadratic with a known minimum.

#[test]
fn every_full_batch_optimizer_converges_on_a_quadratic() {
    let q = bowl();
    let start = [-1.0, 1.0];
    // (spec, steps, tolerance on the distance to the minimum (1, −2); start is 3.6 away).
    let cases = [
        (json!({"kind": "gd", "learning-rate": 0.2}), 200, 1e-10),
        (
            json!({"kind": "gd-line-search", "max-step": 2.0, "tolerance": 1e-9,
                   "max-iterations": 100}),
            60,
            1e-8,
        ),
        (
            json!({"kind": "momentum", "learning-rate": 0.2, "beta": 0.9}),
            500,
            1e-8,
        ),
        (
            json!({"kind": "nesterov", "learning-rate": 0.2, "beta": 0.9}),
            500,
            1e-8,
        ),
        // Sign steps never settle: they chatter within a few steps of the minimum.
        (
            json!({"kind": "normalized-gd", "learning-rate": 0.01, "epsilon": 1e-20}),
            1000,
            0.05,
        ),
        (
            json!({"kind": "adam", "learning-rate": 0.01, "beta": 0.9, "gamma": 0.99,
                   "epsilon": 1e-8}),
            3000,
            1e-3,
        ),
        (
            json!({"kind": "rmsprop", "learning-rate": 0.001, "gamma": 0.9, "epsilon": 1e-8}),
            8000,
            1e-2,
        ),
    ];
    for (value, steps, tol) in cases {
        let s = spec(value);
        let traj = optimize(&q, &s, &start, steps).unwrap();
        assert_eq!(traj.params.len(), steps + 1, "{}", s.kind());
        assert_eq!(traj.losses.len(), steps + 1, "{}", s.kind());
        let err = dist(traj.last(), &q.c);
        assert!(
            err <= tol,
            "{}: ended at {:?}, {err:e} from the minimum (tolerance {tol:e})",
            s.kind(),
            traj.last()
        );
    }
}

/// Data on the exact line y = 0.5 + 2x: every batch's gradient vanishes at (0.5, 2), so even
/// stochastic optimisers converge to it exactly.
fn exact_line() -> LinearRegressionLoss {
    let x: Vec<f64> = (0..10).map(|i| i as f64 / 9.0).collect();
    let y = x.iter().map(|x| 0.5 + 2.0 * x).collect();
    LinearRegressionLoss::new(x, y).unwrap()
}

#[test]
fn batched_optimizers_converge_on_interpolating_data() {
    let obj = exact_line();
    let start = [-1.0, 0.0];
    let cases = [
        OptimizerSpec::Sgd(SgdSpec {
            learning_rate: 0.05,
            batch: batch(3, 7),
        }),
        OptimizerSpec::Momentum(MomentumSpec {
            learning_rate: 0.05,
            beta: 0.5,
            batch: Some(batch(3, 7)),
        }),
        OptimizerSpec::Nesterov(MomentumSpec {
            learning_rate: 0.05,
            beta: 0.5,
            batch: Some(batch(3, 7)),
        }),
    ];
    for s in cases {
        let traj = optimize_batched(&obj, &s, &start, 3000).unwrap();
        assert_eq!(traj.batches.len(), 3000, "{}", s.kind());
        let err = dist(traj.last(), &[0.5, 2.0]);
        assert!(err <= 1e-8, "{}: {:?} ({err:e})", s.kind(), traj.last());
    }
}

// ---------------------------------------------------------------------------------------------
// Exact iterates.

#[test]
fn gd_matches_the_closed_form_iterates() {
    // L = ½ pᵀ A p, so p_k = (I − αA)^k p_0.
    let q = Quadratic {
        a: [[2.0, 0.3], [0.3, 0.5]],
        c: [0.0, 0.0],
    };
    let alpha = 0.1;
    let start = [1.5, -0.7];
    let traj = optimize(
        &q,
        &OptimizerSpec::Gd(GdSpec {
            learning_rate: alpha,
        }),
        &start,
        6,
    )
    .unwrap();
    let m = [
        [1.0 - alpha * q.a[0][0], -alpha * q.a[0][1]],
        [-alpha * q.a[1][0], 1.0 - alpha * q.a[1][1]],
    ];
    let mut p = start;
    for (k, got) in traj.params.iter().enumerate() {
        assert!(dist(got, &p) <= 1e-12, "step {k}: {got:?} vs {p:?}");
        p = [
            m[0][0] * p[0] + m[0][1] * p[1],
            m[1][0] * p[0] + m[1][1] * p[1],
        ];
    }
}

/// `L = ½ (p0² + 10 p1²)` from (1, 1): gradient (p0, 10 p1).
fn diag() -> Quadratic {
    Quadratic {
        a: [[1.0, 0.0], [0.0, 10.0]],
        c: [0.0, 0.0],
    }
}

#[test]
fn momentum_first_steps_match_hand_computation() {
    let s = OptimizerSpec::Momentum(MomentumSpec {
        learning_rate: 0.1,
        beta: 0.9,
        batch: None,
    });
    let traj = optimize(&diag(), &s, &[1.0, 1.0], 2).unwrap();
    // g0 = (1, 10); m1 = 0.1·g0 = (0.1, 1); p1 = p0 − 0.1·m1 = (0.99, 0.9).
    // g1 = (0.99, 9); m2 = 0.9·m1 + 0.1·g1 = (0.189, 1.8); p2 = p1 − 0.1·m2 = (0.9711, 0.72).
    let expected = [[1.0, 1.0], [0.99, 0.9], [0.9711, 0.72]];
    for (got, want) in traj.params.iter().zip(expected) {
        assert!(dist(got, &want) <= 1e-14, "{got:?} vs {want:?}");
    }
}

#[test]
fn nesterov_first_steps_match_hand_computation() {
    let s = OptimizerSpec::Nesterov(MomentumSpec {
        learning_rate: 0.1,
        beta: 0.9,
        batch: None,
    });
    let traj = optimize(&diag(), &s, &[1.0, 1.0], 2).unwrap();
    // Step 1 equals momentum (m0 = 0): p1 = (0.99, 0.9), m1 = (0.1, 1).
    // Look-ahead p1 − αβ·m1 = (0.981, 0.81); g = (0.981, 8.1);
    // m2 = 0.9·m1 + 0.1·g = (0.1881, 1.71); p2 = p1 − 0.1·m2 = (0.97119, 0.729).
    let expected = [[1.0, 1.0], [0.99, 0.9], [0.97119, 0.729]];
    for (got, want) in traj.params.iter().zip(expected) {
        assert!(dist(got, &want) <= 1e-14, "{got:?} vs {want:?}");
    }
}

#[test]
fn adam_first_steps_match_hand_computation() {
    let eps = 1e-8;
    let s = OptimizerSpec::Adam(AdamSpec {
        learning_rate: 0.1,
        beta: 0.9,
        gamma: 0.99,
        epsilon: eps,
        batch: None,
    });
    let traj = optimize(&diag(), &s, &[1.0, 1.0], 2).unwrap();
    // Step 1: m1 = 0.1·g0, v1 = 0.01·g0², m̃ = g0, ṽ = g0²: a step of α·g/(|g| + ε).
    let p1 = [
        1.0 - 0.1 * 1.0 / (1.0 + eps),
        1.0 - 0.1 * 10.0 / (10.0 + eps),
    ];
    // Step 2 with g1 = (p1[0], 10·p1[1]):
    // m2 = 0.9·0.1·g0 + 0.1·g1, v2 = 0.99·0.01·g0² + 0.01·g1², m̃ = m2/0.19, ṽ = v2/0.0199.
    let g0 = [1.0, 10.0];
    let g1 = [p1[0], 10.0 * p1[1]];
    let p2: Vec<f64> = (0..2)
        .map(|k| {
            let m2 = 0.09 * g0[k] + 0.1 * g1[k];
            let v2 = 0.0099 * g0[k] * g0[k] + 0.01 * g1[k] * g1[k];
            p1[k] - 0.1 * (m2 / 0.19) / ((v2 / 0.0199).sqrt() + eps)
        })
        .collect();
    assert!(dist(&traj.params[1], &p1) <= 1e-14, "{:?}", traj.params[1]);
    assert!(dist(&traj.params[2], &p2) <= 1e-12, "{:?}", traj.params[2]);
    // Roughly (0.9, 0.9) then (0.8004, 0.8004): both coordinates move alike despite the 10×
    // steeper φ1, the point of fig. 6.9d.
    assert_close(traj.params[2][0], 0.800389, 1e-6);
    assert_close(traj.params[2][1], 0.800389, 1e-6);
}

#[test]
fn normalized_gd_steps_alpha_along_each_sign() {
    let s = OptimizerSpec::NormalizedGd(NormalizedGdSpec {
        learning_rate: 0.05,
        epsilon: 0.0,
        batch: None,
    });
    let traj = optimize(&diag(), &s, &[1.0, -1.0], 1).unwrap();
    assert_eq!(traj.params[1], vec![0.95, -0.95]);
}

// ---------------------------------------------------------------------------------------------
// Line search.

fn ls(max_step: f64, tolerance: f64, max_iterations: usize) -> LineSearchSpec {
    LineSearchSpec {
        max_step,
        tolerance,
        max_iterations,
    }
}

#[test]
fn line_search_finds_the_minimum_of_a_parabola() {
    let f = |t: f64| (t - 0.37) * (t - 0.37) + 1.0;
    let r = bracket_line_search(f, &ls(1.0, 1e-7, 200));
    assert_close(r.step, 0.37, 1e-6);
    // The first bracket is the notebooks' [0, 0.33, 0.66, 1]·max-step.
    assert_eq!(r.brackets[0], [0.0, 0.33, 0.66, 1.0]);
    // With the notebooks' budget of 15 iterations it is within (2/3)^15 of the max step.
    let r = bracket_line_search(f, &ls(1.0, 1e-5, 15));
    assert_eq!(r.brackets.len(), 15);
    assert_close(r.step, 0.37, (2.0f64 / 3.0).powi(15));
}

#[test]
fn line_search_halves_towards_a_when_the_minimum_is_near_zero() {
    // Minimum at 0.01 of a range of 1: rule 1 must shrink the bracket towards a = 0.
    let f = |t: f64| (t - 0.01) * (t - 0.01);
    let r = bracket_line_search(f, &ls(1.0, 1e-8, 200));
    assert_eq!(r.brackets[1], [0.0, 0.165, 0.33, 0.5]);
    assert_close(r.step, 0.01, 1e-6);
}

#[test]
fn line_search_along_the_gradient_of_a_quadratic() {
    // Exact minimiser of t ↦ L[p − t g] for L = ½ pᵀAp is t* = gᵀg / gᵀAg.
    let q = bowl();
    let p = [-1.0, 1.0];
    let mut g = [0.0; 2];
    q.grad(&p, &mut g);
    let ag = [
        q.a[0][0] * g[0] + q.a[0][1] * g[1],
        q.a[1][0] * g[0] + q.a[1][1] * g[1],
    ];
    let t_star = (g[0] * g[0] + g[1] * g[1]) / (g[0] * ag[0] + g[1] * ag[1]);
    let r = bracket_line_search(
        |t| q.loss(&[p[0] - t * g[0], p[1] - t * g[1]]),
        &ls(2.0, 1e-9, 200),
    );
    assert_close(r.step, t_star, 1e-7);
}

#[test]
fn line_search_on_the_notebook_6_1_function() {
    // Two dips, the deeper near 0.35; the search from [0, 1] must find it.
    let r = bracket_line_search(notebook_6_1_loss, &ls(1.0, 1e-4, 100));
    let grid_min = (0..=100_000)
        .map(|i| i as f64 / 100_000.0)
        .min_by(|a, b| notebook_6_1_loss(*a).total_cmp(&notebook_6_1_loss(*b)))
        .unwrap();
    assert_close(r.step, grid_min, 1e-4);
}

#[test]
fn gd_line_search_records_steps_and_never_increases_the_loss() {
    // NB 6_2: start (1.6, −0.5), 10 steps, max step 0.1, tolerance 1e-5, ≤ 15 iterations.
    let obj = lr_loss();
    let s = OptimizerSpec::GdLineSearch(ls(0.1, 1e-5, 15));
    let traj = optimize(&obj, &s, &[1.6, -0.5], 10).unwrap();
    assert_eq!(traj.step_sizes.len(), 10);
    assert!(traj.step_sizes.iter().all(|&t| t > 0.0 && t < 0.1));
    for w in traj.losses.windows(2) {
        assert!(w[1] <= w[0], "loss went up: {:?}", traj.losses);
    }
    // Steepest descent zig-zags down the elongated bowl (fig. 6.1): after 10 steps the loss has
    // fallen from 5.02 to 0.213 (optimum 0.199) and φ is within 0.07 of the optimum.
    assert_close(traj.losses[0], 5.020125, 1e-9);
    assert!(traj.losses[10] < 0.214, "{:?}", traj.losses);
    assert!(
        dist(traj.last(), &[0.826, 0.522]) < 0.07,
        "{:?}",
        traj.last()
    );
    // The loss is quadratic, so the exact step along −g is t* = gᵀg / gᵀHg with
    // H = 2·Σ_i (1, x_i)(1, x_i)ᵀ; a tight search finds it, the notebook budget nearly so.
    let mut g = [0.0; 2];
    obj.grad(&[1.6, -0.5], &mut g);
    let hg: Vec<f64> = (0..2)
        .map(|r| {
            LR_X.iter()
                .map(|&x| {
                    let row = [1.0, x];
                    2.0 * row[r] * (row[0] * g[0] + row[1] * g[1])
                })
                .sum()
        })
        .collect();
    let t_star = (g[0] * g[0] + g[1] * g[1]) / (g[0] * hg[0] + g[1] * hg[1]);
    let tight = optimize(
        &obj,
        &OptimizerSpec::GdLineSearch(ls(0.1, 1e-10, 200)),
        &[1.6, -0.5],
        1,
    );
    assert_close(tight.unwrap().step_sizes[0], t_star, 1e-9);
    assert_close(traj.step_sizes[0], t_star, 0.1 * (2.0f64 / 3.0).powi(15));
    let table = traj.to_table();
    assert_eq!(table.get("step-size").unwrap().len(), 10);
    assert_eq!(table.get("phi1").unwrap().len(), 11);
    // The end of the run as one-value columns.
    assert_eq!(table.get("final-phi1").unwrap(), &[traj.params[10][1]]);
    assert_eq!(table.get("final-loss").unwrap(), &[traj.losses[10]]);
}

// ---------------------------------------------------------------------------------------------
// SGD sampling.

#[test]
fn sgd_is_reproducible_per_seed() {
    let obj = gabor_loss();
    let run = |seed| {
        let s = OptimizerSpec::Sgd(SgdSpec {
            learning_rate: 0.8,
            batch: batch(5, seed),
        });
        optimize_batched(&obj, &s, &[3.5, 6.5], 41).unwrap()
    };
    let (a, b, c) = (run(1), run(1), run(2));
    assert_eq!(a, b);
    assert_ne!(a.batches, c.batches);
    assert_ne!(a.params, c.params);
}

#[test]
fn sgd_with_every_item_in_the_batch_is_gd() {
    for obj in [&lr_loss() as &dyn BatchObjective, &gabor_loss()] {
        let n = obj.num_items();
        let start = if n == 12 { [1.6, -0.5] } else { [-1.5, 8.5] };
        let gd = optimize(
            obj,
            &OptimizerSpec::Gd(GdSpec {
                learning_rate: 0.01,
            }),
            &start,
            30,
        );
        let sgd = OptimizerSpec::Sgd(SgdSpec {
            learning_rate: 0.01,
            batch: batch(n, 3),
        });
        let sgd = optimize_batched(obj, &sgd, &start, 30).unwrap();
        assert_eq!(gd.unwrap().params, sgd.params);
    }
}

#[test]
fn batches_cover_every_item_once_per_epoch() {
    // 28 items in batches of 5: epochs of 5 + 5 + 5 + 5 + 5 + 3.
    let mut sampler = BatchSampler::new(28, 5, 42);
    for _ in 0..3 {
        let mut seen = Vec::new();
        for expected in [5, 5, 5, 5, 5, 3] {
            let b = sampler.next_batch();
            assert_eq!(b.len(), expected);
            assert!(b.windows(2).all(|w| w[0] < w[1]), "{b:?} not sorted");
            seen.extend(b);
        }
        seen.sort_unstable();
        assert_eq!(seen, (0..28).collect::<Vec<_>>());
    }
}

#[test]
fn splitmix64_matches_the_reference_sequence() {
    // Vigna's splitmix64.c (also Java's SplittableRandom) from seed 1234567.
    let mut rng = SplitMix64::new(1234567);
    let got: Vec<u64> = (0..5).map(|_| rng.next_u64()).collect();
    assert_eq!(
        got,
        [
            6457827717110365317,
            3203168211198807973,
            9817491932198370423,
            4593380528125082431,
            16408922859458223821,
        ]
    );
}

#[test]
fn shuffle_and_sampler_snapshot() {
    // Pins the exact sampling procedure: changing it changes every SGD figure.
    let mut rng = SplitMix64::new(1);
    let mut v: Vec<usize> = (0..10).collect();
    shuffle(&mut v, &mut rng);
    let mut sampler = BatchSampler::new(10, 4, 1);
    let batches: Vec<Vec<usize>> = (0..3).map(|_| sampler.next_batch()).collect();
    let mut first = v[..4].to_vec();
    first.sort_unstable();
    assert_eq!(batches[0], first);
    assert_eq!(
        format!("{v:?} {batches:?}"),
        "[4, 2, 8, 1, 9, 3, 0, 6, 7, 5] [[1, 2, 4, 8], [0, 3, 6, 9], [5, 7]]"
    );
}

#[test]
fn below_is_in_range_and_hits_every_value() {
    let mut rng = SplitMix64::new(9);
    let mut counts = [0usize; 7];
    for _ in 0..7000 {
        counts[rng.below(7) as usize] += 1;
    }
    assert!(counts.iter().all(|&c| c > 850 && c < 1150), "{counts:?}");
    // n ≈ (2/3)·2^64 rejects a third of the raw draws; without rejection, results below n/2
    // would come up two times in three instead of one in two.
    let n = u64::MAX / 3 * 2;
    let low = (0..4000).filter(|_| rng.below(n) < n / 2).count();
    assert!((1850..2150).contains(&low), "{low} of 4000 below n/2");
    let x = rng.next_f64();
    assert!((0.0..1.0).contains(&x));
}

// ---------------------------------------------------------------------------------------------
// Losses.

#[test]
fn linear_regression_optimum_and_book_losses() {
    let obj = lr_loss();
    // Normal equations for the optimum.
    let n = LR_X.len() as f64;
    let (sx, sy) = (LR_X.iter().sum::<f64>(), LR_Y.iter().sum::<f64>());
    let sxx: f64 = LR_X.iter().map(|x| x * x).sum();
    let sxy: f64 = LR_X.iter().zip(LR_Y).map(|(x, y)| x * y).sum();
    let slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
    let intercept = (sy - slope * sx) / n;
    // The catalog: optimum ≈ (0.826, 0.522).
    assert_close(intercept, 0.826, 5e-4);
    assert_close(slope, 0.522, 5e-4);
    let mut g = [0.0; 2];
    obj.grad(&[intercept, slope], &mut g);
    assert!(g[0].abs() < 1e-12 && g[1].abs() < 1e-12, "{g:?}");
    // GD from NB 6_2's start reaches it.
    let traj = optimize(
        &obj,
        &OptimizerSpec::Gd(GdSpec {
            learning_rate: 0.02,
        }),
        &[1.6, -0.5],
        2000,
    )
    .unwrap();
    assert!(dist(traj.last(), &[intercept, slope]) < 1e-9);
    // The catalog's SSE of the three lines of fig. 2.2 with the rounded data.
    assert_close(obj.loss(&[0.4, 0.2]), 7.07, 5e-3);
    assert_close(obj.loss(&[1.6, -0.8]), 10.28, 5e-3);
    assert_close(obj.loss(&[0.84, 0.5]), 0.20, 5e-3);
}

#[test]
fn gabor_loss_matches_notebook_6_3() {
    // NB 6_3 prints "Correct loss = 16.419" at (0.6, −0.2).
    assert_close(gabor_loss().loss(&[0.6, -0.2]), 16.419, 5e-4);
    assert_close(gabor(0.0, 16.6, 0.0), 0.0, 0.0);
}

#[test]
fn bowl_and_valley_values() {
    assert_eq!(AnisotropicBowl.loss(&[0.7, 0.0]), 0.0);
    assert_close(
        AnisotropicBowl.loss(&[-0.7, -0.9]),
        1.0 - (-2.0f64 * 0.81).exp() * (-1.96f64 / 8.0).exp(),
        1e-15,
    );
    for phi0 in [-0.7, 0.0, 0.4] {
        assert_eq!(ValleyLoss.loss(&[phi0, 0.0]), 0.0);
    }
    // s = exp(−2·0.25) at φ0 = 0.5: L = 1 − exp(−φ1²/(2s²)).
    let s = (-0.5f64).exp();
    assert_close(
        ValleyLoss.loss(&[0.5, 0.3]),
        1.0 - (-0.09 / (2.0 * s * s)).exp(),
        1e-15,
    );
}

fn check_gradient(name: &str, obj: &dyn Objective, points: &[[f64; 2]], rel_tol: f64) {
    for p in points {
        let mut g = vec![0.0; 2];
        obj.grad(p, &mut g);
        let fd = finite_difference_gradient(obj, p, 1e-6);
        for k in 0..2 {
            let scale = g[k].abs().max(fd[k].abs()).max(1e-3);
            assert!(
                (g[k] - fd[k]).abs() <= rel_tol * scale,
                "{name} at {p:?}: analytic {g:?}, finite differences {fd:?}"
            );
        }
    }
}

#[test]
fn analytic_gradients_match_finite_differences() {
    let lr = lr_loss();
    let gabor = gabor_loss();
    check_gradient(
        "linear regression",
        &lr,
        &[[0.4, 0.2], [1.6, -0.8], [0.0, 0.0]],
        1e-7,
    );
    check_gradient(
        "Gabor",
        &gabor,
        &[[-5.0, 25.0], [3.0, 15.0], [-1.5, 8.5], [0.3, 16.6]],
        1e-6,
    );
    check_gradient(
        "bowl",
        &AnisotropicBowl,
        &[[-0.7, -0.9], [0.2, 0.3], [0.9, -0.1]],
        1e-7,
    );
    check_gradient(
        "valley",
        &ValleyLoss,
        &[[-0.7, -0.75], [0.3, 0.2], [-0.2, -0.4]],
        1e-6,
    );
    let ridge = L2Penalty {
        inner: gabor.clone(),
        lambda: 0.1,
        center: vec![0.0, 12.5],
    };
    check_gradient("L2 penalty", &ridge, &[[2.6, 8.5], [-3.0, 14.0]], 1e-6);
    let batch = Subset {
        objective: &gabor,
        items: vec![2, 5, 11],
    };
    check_gradient("Gabor batch", &batch, &[[-1.5, 8.5], [2.0, 12.0]], 1e-6);
    let implicit = GradNormPenalty {
        inner: ValleyLoss,
        alpha: 0.1,
    };
    check_gradient(
        "implicit GD term",
        &implicit,
        &[[-0.7, -0.75], [0.2, 0.3]],
        1e-5,
    );
}

#[test]
fn penalties_add_the_documented_terms() {
    let gabor = gabor_loss();
    let p = [2.6, 8.5];
    let ridge = L2Penalty {
        inner: gabor.clone(),
        lambda: 0.1,
        center: vec![0.0, 12.5],
    };
    assert_close(
        ridge.loss(&p),
        gabor.loss(&p) + 0.1 * (2.6 * 2.6 + 4.0 * 4.0),
        1e-12,
    );
    let all: Vec<usize> = (0..gabor.num_items()).collect();
    assert_eq!(ridge.loss_batch(&p, &all), ridge.loss(&p));
    let implicit = GradNormPenalty {
        inner: ValleyLoss,
        alpha: 0.1,
    };
    let mut g = [0.0; 2];
    ValleyLoss.grad(&[0.2, 0.3], &mut g);
    assert_close(
        implicit.loss(&[0.2, 0.3]),
        ValleyLoss.loss(&[0.2, 0.3]) + 0.025 * (g[0] * g[0] + g[1] * g[1]),
        1e-15,
    );
}

#[test]
fn batch_losses_sum_to_the_full_loss() {
    let gabor = gabor_loss();
    let p = [-1.5, 8.5];
    let halves = [(0..15).collect::<Vec<_>>(), (15..30).collect()];
    let sum: f64 = halves.iter().map(|h| gabor.loss_batch(&p, h)).sum();
    assert_close(sum, gabor.loss(&p), 1e-12);
}

#[test]
fn losses_reject_bad_data() {
    assert!(matches!(
        LinearRegressionLoss::new(vec![1.0], vec![]),
        Err(OptimError::InvalidData(_))
    ));
    assert!(GaborLoss::new(vec![], vec![]).is_err());
    assert!(GaborLoss::new(vec![f64::NAN], vec![0.0]).is_err());
}

// ---------------------------------------------------------------------------------------------
// Grids.

#[test]
fn loss_grid_is_row_major_from_the_bottom_row() {
    let obj = AnisotropicBowl;
    let grid = loss_grid(&obj, (-1.0, 1.0), (-1.0, 0.5), 5, 4);
    assert_eq!(grid.len(), 20);
    let xs = grid_axis((-1.0, 1.0), 5);
    let ys = grid_axis((-1.0, 0.5), 4);
    assert_eq!(xs, [-1.0, -0.5, 0.0, 0.5, 1.0]);
    assert_eq!(ys, [-1.0, -0.5, 0.0, 0.5]);
    for (j, &y) in ys.iter().enumerate() {
        for (i, &x) in xs.iter().enumerate() {
            assert_eq!(grid[j * 5 + i], obj.loss(&[x, y]));
        }
    }
    // Row 0 is the lowest φ1.
    assert_eq!(grid[0], obj.loss(&[-1.0, -1.0]));
    assert_eq!(grid_axis((2.0, 3.0), 1), [2.0]);
}

// ---------------------------------------------------------------------------------------------
// Specs and errors.

#[test]
fn specs_round_trip_and_reject_unknown_fields() {
    let values = [
        json!({"kind": "gd", "learning-rate": 0.08}),
        json!({"kind": "gd-line-search", "max-step": 0.1, "tolerance": 1e-5, "max-iterations": 15}),
        json!({"kind": "sgd", "learning-rate": 0.8, "batch": {"size": 5, "seed": 1}}),
        json!({"kind": "momentum", "learning-rate": 0.6, "beta": 0.6,
               "batch": {"size": 5, "seed": 1}}),
        json!({"kind": "nesterov", "learning-rate": 0.6, "beta": 0.6}),
        json!({"kind": "normalized-gd", "learning-rate": 0.08, "epsilon": 1e-20}),
        json!({"kind": "adam", "learning-rate": 0.05, "beta": 0.9, "gamma": 0.99,
               "epsilon": 1e-20}),
        json!({"kind": "rmsprop", "learning-rate": 0.01, "gamma": 0.9, "epsilon": 1e-8}),
    ];
    let mut kinds = Vec::new();
    for value in values {
        let s = spec(value.clone());
        assert!(s.validate().is_empty(), "{s:?}");
        assert_eq!(serde_json::to_value(&s).unwrap(), value);
        assert_eq!(value["kind"], s.kind());
        kinds.push(s.kind());
        let mut extra = value.clone();
        extra["learning-rat"] = json!(1.0);
        assert!(serde_json::from_value::<OptimizerSpec>(extra).is_err());
    }
    assert_eq!(kinds, OptimizerSpec::KINDS);
    // Required knobs have no defaults.
    assert!(
        serde_json::from_value::<OptimizerSpec>(json!({"kind": "adam", "learning-rate": 0.05}))
            .is_err()
    );
    assert!(
        serde_json::from_value::<OptimizerSpec>(json!({"kind": "sgd", "learning-rate": 0.8}))
            .is_err()
    );
    assert!(
        serde_json::from_value::<OptimizerSpec>(
            json!({"kind": "sgd", "learning-rate": 0.8, "batch": {"size": 5}})
        )
        .is_err()
    );
}

#[test]
fn validation_and_run_errors() {
    let bad = spec(
        json!({"kind": "adam", "learning-rate": -1.0, "beta": 1.0, "gamma": 0.99,
                          "epsilon": -1.0, "batch": {"size": 0, "seed": 0}}),
    );
    let fields: Vec<String> = bad.validate().into_iter().map(|(f, _)| f).collect();
    assert_eq!(fields, ["learning-rate", "beta", "epsilon", "batch.size"]);
    assert!(matches!(
        optimize(&bowl(), &bad, &[0.0, 0.0], 1),
        Err(OptimError::InvalidSpec(_))
    ));

    let sgd = OptimizerSpec::Sgd(SgdSpec {
        learning_rate: 0.1,
        batch: batch(5, 1),
    });
    assert_eq!(
        optimize(&bowl(), &sgd, &[0.0, 0.0], 1),
        Err(OptimError::NeedsItems { kind: "sgd" })
    );
    let big = OptimizerSpec::Sgd(SgdSpec {
        learning_rate: 0.1,
        batch: batch(13, 1),
    });
    assert_eq!(
        optimize_batched(&lr_loss(), &big, &[0.0, 0.0], 1),
        Err(OptimError::BatchTooLarge {
            size: 13,
            items: 12
        })
    );
    let gd = OptimizerSpec::Gd(GdSpec { learning_rate: 0.1 });
    assert_eq!(
        optimize(&bowl(), &gd, &[0.0], 1),
        Err(OptimError::DimensionMismatch {
            expected: 2,
            found: 1
        })
    );
    // Divergence is an error, not NaNs in a figure.
    let huge = OptimizerSpec::Gd(GdSpec {
        learning_rate: 100.0,
    });
    assert!(matches!(
        optimize(&bowl(), &huge, &[0.0, 0.0], 500),
        Err(OptimError::NonFinite { .. })
    ));
}

// ---------------------------------------------------------------------------------------------
// The figure set-ups run and behave as the book describes.

#[test]
fn figure_6_9_set_ups() {
    let start = [-0.7, -0.9];
    let run = |value| optimize(&AnisotropicBowl, &spec(value), &start, 60).unwrap();
    let slow = run(json!({"kind": "gd", "learning-rate": 0.08}));
    let adam = run(
        json!({"kind": "adam", "learning-rate": 0.05, "beta": 0.9, "gamma": 0.99,
                          "epsilon": 1e-20}),
    );
    let sign = run(json!({"kind": "normalized-gd", "learning-rate": 0.08, "epsilon": 1e-20}));
    // Adam makes progress along the shallow φ0 far faster than small-step GD.
    assert!(
        adam.last()[0] > slow.last()[0] + 0.3,
        "{:?} {:?}",
        adam.last(),
        slow.last()
    );
    // Sign steps move exactly α along each coordinate.
    for w in sign.params.windows(2) {
        for (new, old) in w[1].iter().zip(&w[0]) {
            assert_close((new - old).abs(), 0.08, 1e-12);
        }
    }
}
