//! Closed forms against independent values (unit-ball volumes, Γ at half-integers, 1 − 0.99^D),
//! and random vectors against the draw order of notebook 8.4 and hand computations.

use super::*;
use std::f64::consts::PI;

fn assert_close(a: f64, b: f64, rel: f64) {
    assert!(
        (a - b).abs() <= rel * b.abs().max(1e-300),
        "{a} vs {b} (relative {})",
        (a - b).abs() / b.abs()
    );
}

#[test]
fn ln_gamma_matches_half_integer_values() {
    let ln_gamma = crate::distribution::ln_gamma;
    let sqrt_pi = PI.sqrt();
    assert_close(ln_gamma(0.5), sqrt_pi.ln(), 1e-15);
    assert_close(ln_gamma(1.5), (sqrt_pi / 2.0).ln(), 1e-14);
    assert_close(ln_gamma(2.5), (3.0 * sqrt_pi / 4.0).ln(), 1e-14);
    assert_close(ln_gamma(3.5), (15.0 * sqrt_pi / 8.0).ln(), 1e-14);
    assert_close(ln_gamma(5.0), 24.0f64.ln(), 1e-15);
    // Γ(50.5) = 99!! / 2^50 · √π; ln from the exact double factorial's logarithm.
    let ln_double_factorial: f64 = (1..=49).map(|k| ((2 * k + 1) as f64).ln()).sum();
    assert_close(
        ln_gamma(50.5),
        ln_double_factorial - 50.0 * 2f64.ln() + sqrt_pi.ln(),
        1e-14,
    );
}

#[test]
fn ball_volumes_are_the_textbook_ones() {
    // Unit radius: 2, π, 4π/3, π²/2, 8π²/15.
    for (d, v) in [
        (1.0, 2.0),
        (2.0, PI),
        (3.0, 4.0 * PI / 3.0),
        (4.0, PI * PI / 2.0),
        (5.0, 8.0 * PI * PI / 15.0),
    ] {
        assert_close(ln_ball_volume(d, 1.0).exp(), v, 1e-14);
    }
    // Diameter 1 (radius 1/2): 1, π/4, π/6.
    let spec = BallVolumeSpec {
        dims: WidthRange {
            start: 1,
            stop: 3,
            step: 1,
        },
        diameter: 1.0,
        shell: 0.01,
    };
    let t = ball_volume(&spec).unwrap();
    let v = t.get("volume").unwrap();
    assert_close(v[0], 1.0, 1e-14);
    assert_close(v[1], PI / 4.0, 1e-14);
    assert_close(v[2], PI / 6.0, 1e-14);
    assert_eq!(t.get("dim").unwrap(), &[1.0, 2.0, 3.0]);
    assert_close(t.get("log10-volume").unwrap()[1], (PI / 4.0).log10(), 1e-14);
}

#[test]
fn diameter_one_volume_falls_to_zero() {
    let spec = BallVolumeSpec {
        dims: WidthRange {
            start: 1,
            stop: 40,
            step: 1,
        },
        diameter: 1.0,
        shell: 0.01,
    };
    let v = ball_volume(&spec).unwrap().get("volume").unwrap().to_vec();
    assert!(v.windows(2).all(|w| w[1] < w[0]), "{v:?}");
    // V_10(1/2) = π^5 / (5! · 2^10) = 0.00249039...
    assert_close(v[9], PI.powi(5) / (120.0 * 1024.0), 1e-13);
    assert!(v[39] < 1e-20);
}

#[test]
fn shell_fraction_is_one_minus_point_99_to_the_d() {
    assert_close(shell_fraction(1.0, 0.01), 0.01, 1e-14);
    assert_close(shell_fraction(2.0, 0.01), 0.0199, 1e-14);
    for d in [10.0, 100.0, 300.0] {
        assert_close(shell_fraction(d, 0.01), 1.0 - 0.99f64.powf(d), 1e-13);
    }
    // Also the ratio of the volumes, V_D(r) − V_D(0.99 r) over V_D(r).
    let d = 50.0;
    let ratio = 1.0 - (ln_ball_volume(d, 0.495) - ln_ball_volume(d, 0.5)).exp();
    assert_close(shell_fraction(d, 0.01), ratio, 1e-12);
    let bad = BallVolumeSpec {
        dims: WidthRange {
            start: 0,
            stop: 3,
            step: 1,
        },
        diameter: -1.0,
        shell: 1.0,
    };
    assert_eq!(bad.validate().len(), 3);
}

fn vectors(text: &str) -> RandomVectorsSpec {
    toml::from_str(text).unwrap()
}

#[test]
fn draws_follow_numpys_dimension_by_point_layout() {
    let t = random_vectors(&vectors("dims = [2, 3]\nn = 4\nseed = 0\npairwise = true")).unwrap();
    // Replay: np.random.seed(0); x2 = normal(size=(2, 4)); x3 = normal(size=(3, 4)).
    let mut rng = RandomState::new(0);
    let x2: Vec<f64> = (0..8).map(|_| rng.standard_normal()).collect();
    let x3: Vec<f64> = (0..12).map(|_| rng.standard_normal()).collect();
    let point =
        |x: &[f64], d: usize, j: usize| -> Vec<f64> { (0..d).map(|c| x[c * 4 + j]).collect() };
    let norm = |p: &[f64]| p.iter().map(|v| v * v).sum::<f64>().sqrt();
    for j in 0..4 {
        assert_close(t.get("norm.0").unwrap()[j], norm(&point(&x2, 2, j)), 1e-15);
        assert_close(t.get("norm.1").unwrap()[j], norm(&point(&x3, 3, j)), 1e-15);
    }
    // np.random.seed(0); np.random.normal() is 1.764052345967664.
    assert_close(x2[0], 1.764_052_345_967_664, 1e-15);
    // Angles between points 0 and 1, 2 and 3, by the cosine formula.
    let (a, b) = (point(&x3, 3, 2), point(&x3, 3, 3));
    let cos = a.iter().zip(&b).map(|(u, v)| u * v).sum::<f64>() / (norm(&a) * norm(&b));
    assert_close(t.get("angle.1").unwrap()[1], cos.acos(), 1e-13);
    assert_eq!(t.get("angle.0").unwrap().len(), 2);
    // Pairwise distances by brute force.
    let mut ds = Vec::new();
    for j in 0..4 {
        for k in j + 1..4 {
            let (p, q) = (point(&x3, 3, j), point(&x3, 3, k));
            ds.push(norm(
                &p.iter().zip(&q).map(|(u, v)| u - v).collect::<Vec<_>>(),
            ));
        }
    }
    let lo = ds.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = ds.iter().copied().fold(0.0, f64::max);
    assert_close(t.get("min-distance").unwrap()[1], lo, 1e-14);
    assert_close(t.get("max-distance").unwrap()[1], hi, 1e-14);
    assert_close(t.get("distance-ratio").unwrap()[1], lo / hi, 1e-14);
    assert_eq!(t.get("dim").unwrap(), &[2.0, 3.0]);
    assert!(t.get("coord.0.0").is_none());
    let t = random_vectors(&vectors("dims = [2]\nn = 4\nseed = 0\ncoordinates = true")).unwrap();
    assert_eq!(t.get("coord.0.1").unwrap(), &x2[4..8]);
}

#[test]
fn norms_and_angles_concentrate() {
    let t = random_vectors(&vectors("dims = [10, 1000]\nn = 2000\nseed = 3")).unwrap();
    // E‖x‖² = D; the norm's sd tends to 1/√2; the angle's mean is π/2, its sd ≈ 1/√D.
    let norm_mean = t.get("norm-mean").unwrap();
    assert!(
        (norm_mean[1] - 1000f64.sqrt()).abs() < 0.05,
        "{norm_mean:?}"
    );
    assert!((t.get("norm-sd").unwrap()[1] - 0.5f64.sqrt()).abs() < 0.05);
    let angle_mean = t.get("angle-mean").unwrap();
    let angle_sd = t.get("angle-sd").unwrap();
    assert!((angle_mean[1] - PI / 2.0).abs() < 0.01, "{angle_mean:?}");
    assert!(
        (angle_sd[1] * 1000f64.sqrt() - 1.0).abs() < 0.1,
        "{angle_sd:?}"
    );
    assert!(angle_sd[1] < angle_sd[0] / 5.0);
    assert!(t.get("min-distance").is_none());
}

#[test]
fn the_cube_estimates_the_inscribed_ball() {
    let t = random_vectors(&vectors(
        "dims = [2, 3]\nn = 100000\nseed = 1\ndistribution = \"uniform-cube\"\nshell = 0.1",
    ))
    .unwrap();
    let ball = t.get("ball-fraction").unwrap();
    // Binomial standard error √(p(1 − p)/n) ≈ 0.0013 at p = π/4.
    assert!((ball[0] - PI / 4.0).abs() < 0.006, "{ball:?}");
    assert!((ball[1] - PI / 6.0).abs() < 0.006, "{ball:?}");
    let shell = t.get("shell-fraction").unwrap();
    assert!(
        (shell[1] - (1.0 - 0.9f64.powi(3))).abs() < 0.01,
        "{shell:?}"
    );
    let inside = t.get("inside.0").unwrap();
    assert_close(inside.iter().sum::<f64>() / 100000.0, ball[0], 1e-15);
    let err = random_vectors(&vectors(
        "dims = [60]\nn = 100\nseed = 1\ndistribution = \"uniform-cube\"",
    ))
    .unwrap_err()
    .to_string();
    assert!(err.contains("inside the inscribed ball"), "{err}");
}

#[test]
fn random_vectors_rejects_impossible_sizes() {
    let issues = vectors("dims = []\nn = 1\nseed = 0\nshell = 0.5").validate();
    let fields: Vec<&str> = issues.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(fields, ["dims", "n", "shell"]);
    let issues = vectors("dims = [100000]\nn = 100000\nseed = 0\npairwise = true").validate();
    assert_eq!(issues.len(), 2, "{issues:?}");
}
