//! Densities against closed forms and reference values (mpmath, 30 digits), normalisation,
//! draws, and the spec kinds.

use super::*;
use crate::columns::Tables;

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()).max(1e-300)
}

fn assert_close(a: f64, b: f64, rel: f64) {
    assert!(
        close(a, b, rel),
        "{a} vs {b} (relative {})",
        (a - b).abs() / b.abs()
    );
}

/// ∫ f over [lo, hi] by the trapezoid rule with n intervals.
fn trapezoid(f: impl Fn(f64) -> f64, lo: f64, hi: f64, n: usize) -> f64 {
    let h = (hi - lo) / n as f64;
    let inner: f64 = (1..n).map(|i| f(lo + i as f64 * h)).sum();
    h * (0.5 * (f(lo) + f(hi)) + inner)
}

fn spec(text: &str) -> DistributionSpec {
    toml::from_str(text).unwrap()
}

fn sample_spec(text: &str) -> SampleSpec {
    toml::from_str(text).unwrap()
}

#[test]
fn bessel_i0_matches_reference_values() {
    // mpmath.besseli(0, x) to 30 digits.
    for (x, want) in [
        (0.0, 1.0),
        (0.5, 1.063_483_370_741_323_5),
        (1.0, 1.266_065_877_752_008_4),
        (2.0, 2.279_585_302_336_067_3),
        (5.0, 27.239_871_823_604_447),
        (10.0, 2_815.716_628_466_254_5),
        (50.0, 2.932_553_783_849_336_3e20),
    ] {
        assert_close(bessel_i0(x), want, 2e-15);
        assert_close(bessel_i0(-x), want, 2e-15);
    }
    // The value the brief quotes.
    assert_close(bessel_i0(1.0), 1.266_065_877_752_008_2, 1e-15);
}

#[test]
fn ln_bessel_i0_is_accurate_on_both_sides_of_the_switch() {
    assert_close(ln_bessel_i0(600.0), 595.882_805_146_433_8, 1e-15);
    assert_close(ln_bessel_i0(700.0), 695.805_699_998_443_4, 1e-15);
    // Just above 700 the asymptotic expansion takes over; d ln I0/dx = I1/I0 ≈ 1 − 1/(2x).
    let h = 1e-6;
    let want = 695.805_699_998_443_4 + h * (1.0 - 1.0 / 1400.0);
    assert!((ln_bessel_i0(700.0 + h) - want).abs() < 1e-12);
    // Far out: ln I0(x) ≈ x − ln(2πx)/2 + 1/(8x).
    let x = 1e6;
    assert!((ln_bessel_i0(x) - (x - 0.5 * (2.0 * PI * x).ln() + 1.0 / (8.0 * x))).abs() < 1e-9);
}

#[test]
fn ln_factorial_is_exact_and_smooth() {
    assert_eq!(ln_factorial(0), 0.0);
    assert_eq!(ln_factorial(1), 0.0);
    assert_close(ln_factorial(5), 120f64.ln(), 1e-15);
    assert_close(ln_factorial(255), 1_161.712_101_118_400_7, 1e-15);
    assert_close(ln_factorial(300), 1_414.905_849_945_068, 1e-15);
    assert_close(ln_factorial(1000), 5_912.128_178_488_163, 1e-15);
    // The two methods meet: ln 256! − ln 255! = ln 256.
    assert_close(ln_factorial(256) - ln_factorial(255), 256f64.ln(), 1e-12);
}

#[test]
fn normal_matches_closed_form_and_integrates_to_one() {
    let d = Dist::Normal {
        mu: -0.5,
        sigma: 1.2,
    };
    assert_close(d.pdf(-0.5), 1.0 / (1.2 * (2.0 * PI).sqrt()), 1e-15);
    // One sigma out: e^(−1/2) of the peak.
    assert_close(
        d.pdf(0.7),
        (-0.5f64).exp() / (1.2 * (2.0 * PI).sqrt()),
        1e-14,
    );
    // Notebook 5.1's check: Norm(1; −1, 2.3) = 0.119.
    assert!(
        (Dist::Normal {
            mu: -1.0,
            sigma: 2.3
        }
        .pdf(1.0)
            - 0.119)
            .abs()
            < 5e-4
    );
    assert_close(trapezoid(|y| d.pdf(y), -15.0, 15.0, 3000), 1.0, 1e-12);
}

#[test]
fn von_mises_matches_closed_form_and_integrates_to_one() {
    // exp(2 cos 0.2) / (2π I0(2)) from mpmath.
    let d = Dist::VonMises {
        mu: 0.3,
        kappa: 2.0,
    };
    assert_close(d.pdf(0.5), 0.495_723_259_655_075_8, 1e-14);
    for kappa in [0.0, 0.5, 5.0, 50.0, 800.0] {
        let d = Dist::VonMises { mu: 2.5, kappa };
        // The density is periodic, so the trapezoid rule over one period converges fast.
        let total = trapezoid(|y| d.pdf(y), -PI, PI, 20_000);
        assert_close(total, 1.0, 1e-10);
    }
    // κ = 0 is uniform on the circle.
    assert_close(
        Dist::VonMises {
            mu: 1.0,
            kappa: 0.0,
        }
        .pdf(-2.0),
        1.0 / (2.0 * PI),
        1e-15,
    );
    // Periodic in y.
    let d = Dist::VonMises {
        mu: 2.5,
        kappa: 3.0,
    };
    assert_close(d.pdf(3.0), d.pdf(3.0 - 2.0 * PI), 1e-13);
}

#[test]
fn poisson_matches_closed_form_and_sums_to_one() {
    for lambda in [1.4, 2.8, 6.0] {
        let d = Dist::Poisson { lambda };
        let total: f64 = (0..200).map(|k| d.pdf(k as f64)).sum();
        assert_close(total, 1.0, 1e-14);
        // Mean λ.
        let mean: f64 = (0..200).map(|k| k as f64 * d.pdf(k as f64)).sum();
        assert_close(mean, lambda, 1e-13);
        assert_close(d.pdf(0.0), (-lambda).exp(), 1e-15);
    }
    assert_close(
        Dist::Poisson { lambda: 2.8 }.pdf(3.0),
        0.222_483_749_124_797_46,
        1e-14,
    );
    let d = Dist::Poisson { lambda: 2.8 };
    assert_eq!(d.pdf(-1.0), 0.0);
    assert_eq!(d.pdf(1.5), 0.0);
}

#[test]
fn bernoulli_and_categorical_masses() {
    // Notebook 5.2's checks: Bern(0; 0.2) = 0.8, Bern(1; 0.2) = 0.2.
    let d = Dist::Bernoulli { lambda: 0.2 };
    assert_close(d.pdf(0.0), 0.8, 1e-15);
    assert_close(d.pdf(1.0), 0.2, 1e-15);
    assert_eq!(d.pdf(2.0), 0.0);
    let probs = vec![0.2, 0.5, 0.3];
    let d = Dist::Categorical {
        probs: probs.clone(),
        first: 0,
    };
    // Notebook 5.3's checks.
    assert_eq!([d.pdf(0.0), d.pdf(1.0), d.pdf(2.0)], [0.2, 0.5, 0.3]);
    assert_eq!(d.pdf(3.0), 0.0);
    assert_eq!(d.pdf(-1.0), 0.0);
    let d = Dist::Categorical { probs, first: 1 };
    assert_eq!(d.finite_support(), Some(vec![1.0, 2.0, 3.0]));
    assert_eq!(d.pdf(1.0), 0.2);
}

#[test]
fn mixture_is_the_weighted_sum_and_integrates_to_one() {
    let d = Dist::Mixture {
        components: vec![(0.3, -1.0, 0.5), (0.7, 2.0, 1.5)],
    };
    for y in [-3.0, -1.0, 0.0, 0.4, 2.0, 5.0] {
        let want = 0.3 * normal_pdf(y, -1.0, 0.5) + 0.7 * normal_pdf(y, 2.0, 1.5);
        assert_close(d.pdf(y), want, 1e-15);
        assert_close(d.components(y).iter().sum(), want, 1e-15);
    }
    assert_close(trapezoid(|y| d.pdf(y), -20.0, 20.0, 8000), 1.0, 1e-12);
    // Far in the tail the log density stays finite where the density underflows.
    assert_eq!(d.pdf(-200.0), 0.0);
    assert!(d.ln_pdf(-200.0).is_finite());
}

#[test]
fn uniform_is_flat_on_its_interval() {
    let d = Dist::Uniform {
        low: -1.0,
        high: 3.0,
    };
    assert_eq!(d.pdf(0.0), 0.25);
    assert_eq!(d.pdf(3.0), 0.25);
    assert_eq!(d.pdf(3.5), 0.0);
    assert_close(trapezoid(|y| d.pdf(y), -1.0, 3.0, 100), 1.0, 1e-15);
}

#[test]
fn log_densities_agree_with_densities() {
    let dists = [
        Dist::Normal {
            mu: 0.3,
            sigma: 0.7,
        },
        Dist::VonMises {
            mu: -1.0,
            kappa: 4.0,
        },
        Dist::Poisson { lambda: 6.0 },
        Dist::Bernoulli { lambda: 0.3 },
        Dist::Categorical {
            probs: vec![0.1, 0.6, 0.3],
            first: 1,
        },
        Dist::Mixture {
            components: vec![(0.5, -1.0, 0.5), (0.5, 1.0, 0.5)],
        },
        Dist::Uniform {
            low: -1.0,
            high: 3.0,
        },
    ];
    for d in &dists {
        for y in [0.0, 1.0, 2.0, 3.0] {
            let p = d.pdf(y);
            if p == 0.0 {
                assert_eq!(d.ln_pdf(y), f64::NEG_INFINITY, "{d:?} at {y}");
            } else {
                assert_close(d.ln_pdf(y), p.ln(), 1e-13);
            }
        }
        assert!(d.pdf(1.0) > 0.0, "{d:?}");
    }
}

#[test]
fn wrap_angle_lands_in_the_half_open_circle() {
    assert_close(wrap_angle(PI), PI, 1e-15);
    assert_close(wrap_angle(-PI), PI, 1e-15);
    assert_close(wrap_angle(3.0 * PI / 2.0), -PI / 2.0, 1e-15);
    assert_close(wrap_angle(-7.0), -7.0 + 2.0 * PI, 1e-15);
    assert_eq!(wrap_angle(0.5), 0.5);
}

#[test]
fn draws_are_seeded_and_follow_their_distributions() {
    let mut rng = RandomState::new(5);
    let n = 20_000;
    let mean_of = |d: &Dist, rng: &mut RandomState| -> f64 {
        (0..n).map(|_| d.sample(rng).unwrap()).sum::<f64>() / n as f64
    };
    assert!((mean_of(&Dist::Poisson { lambda: 2.8 }, &mut rng) - 2.8).abs() < 0.05);
    assert!((mean_of(&Dist::Bernoulli { lambda: 0.3 }, &mut rng) - 0.3).abs() < 0.02);
    assert!(
        (mean_of(
            &Dist::Normal {
                mu: 1.0,
                sigma: 2.0
            },
            &mut rng
        ) - 1.0)
            .abs()
            < 0.05
    );
    let cat = Dist::Categorical {
        probs: vec![0.2, 0.5, 0.3],
        first: 1,
    };
    assert!((mean_of(&cat, &mut rng) - 2.1).abs() < 0.02);
    let mix = Dist::Mixture {
        components: vec![(0.25, -2.0, 0.1), (0.75, 2.0, 0.1)],
    };
    assert!((mean_of(&mix, &mut rng) - 1.0).abs() < 0.05);
    // Von Mises: on the circle, concentrated around μ (the mean resultant length is I1(κ)/I0(κ)).
    let vm = Dist::VonMises {
        mu: 3.0,
        kappa: 4.0,
    };
    let draws: Vec<f64> = (0..n).map(|_| vm.sample(&mut rng).unwrap()).collect();
    assert!(draws.iter().all(|t| *t > -PI && *t <= PI));
    let (c, s) = draws
        .iter()
        .fold((0.0, 0.0), |(c, s), t| (c + t.cos(), s + t.sin()));
    assert!((s.atan2(c) - 3.0).abs() < 0.02);
    let r = (c * c + s * s).sqrt() / n as f64;
    assert!((r - 0.8635).abs() < 0.01, "{r}"); // I1(4)/I0(4) = 0.86352...
    // Normal draws are NumPy's: the same stream as RandomState::normal.
    let d = Dist::Normal {
        mu: 0.5,
        sigma: 2.0,
    };
    let (mut a, mut b) = (RandomState::new(9), RandomState::new(9));
    for _ in 0..10 {
        assert_eq!(d.sample(&mut a).unwrap(), b.normal(0.5, 2.0));
    }
}

#[test]
fn grid_spec_gives_one_curve_per_row_and_aliases_a_single_one() {
    let s = spec(
        r#"
        family = "normal"
        mu = [-1.9, -0.5, 1.3]
        sigma = [0.3, 1.2, 0.6]
        x = { start = -8.0, stop = 8.0, num = 1601 }
        "#,
    );
    let t = distribution(&s, &Tables::new()).unwrap();
    assert_eq!(t.get("x").unwrap().len(), 1601);
    for i in 0..3 {
        let p = t.get(&format!("p.{i}")).unwrap();
        let area: f64 = p.iter().sum::<f64>() * 0.01;
        assert_close(area, 1.0, 1e-6);
    }
    assert!(t.get("p").is_none());
    let s = spec(
        r#"
        family = "gaussian-mixture"
        components = [{ weight = 0.4, mu = -1.0, sigma = 0.5 }, { weight = 0.6, mu = 1.0, sigma = 0.5 }]
        x = { start = -4.0, stop = 4.0, num = 81 }
        log = true
        "#,
    );
    let t = distribution(&s, &Tables::new()).unwrap();
    for name in [
        "p",
        "p.0",
        "log-p",
        "log-p.0",
        "component.0",
        "component.1.0",
        "x",
    ] {
        assert!(t.get(name).is_some(), "{name}");
    }
    let (p, c0, c1) = (
        t.get("p").unwrap(),
        t.get("component.0").unwrap(),
        t.get("component.1").unwrap(),
    );
    for j in 0..81 {
        assert_close(p[j], c0[j] + c1[j], 1e-15);
    }
}

#[test]
fn discrete_families_default_to_their_support() {
    let t = distribution(
        &spec("family = \"bernoulli\"\nlambda = 0.7"),
        &Tables::new(),
    )
    .unwrap();
    assert_eq!(t.get("x").unwrap(), &[0.0, 1.0]);
    assert_close(t.get("p").unwrap()[0], 0.3, 1e-15);
    let t = distribution(
        &spec("family = \"categorical\"\nprobs = [0.1, 0.2, 0.3, 0.4]"),
        &Tables::new(),
    )
    .unwrap();
    assert_eq!(t.get("x").unwrap(), &[1.0, 2.0, 3.0, 4.0]);
    let t = distribution(
        &spec("family = \"poisson\"\nlambda = 1.4\nx = { start = 0, stop = 15, num = 16 }"),
        &Tables::new(),
    )
    .unwrap();
    assert!(t.get("p").unwrap().iter().sum::<f64>() > 0.999_999_99);
}

#[test]
fn parameters_and_points_from_columns() {
    // A network output as the Bernoulli λ at each data point, evaluated at the labels.
    let mut tables = Tables::new();
    let mut net = Table::new();
    net.insert("lambda", vec![0.9, 0.2, 0.6]);
    tables.insert("net".into(), net);
    let mut pts = Table::new();
    pts.insert("y", vec![1.0, 0.0, 0.0]);
    tables.insert("points".into(), pts);
    let s = spec("family = \"bernoulli\"\nlambda = \"net.lambda\"\nat = \"points.y\"\nlog = true");
    let t = distribution(&s, &tables).unwrap();
    assert_eq!(t.get("p").unwrap(), &[0.9, 0.8, 0.4]);
    let nll = -(0.9f64.ln() + 0.8f64.ln() + 0.4f64.ln());
    assert_close(t.get("nll").unwrap()[0], nll, 1e-15);
    // References name their sections for the stage graph.
    assert_eq!(s.references(), vec!["net.lambda", "points.y"]);
    // Out-of-range values from a column are found when the stage runs.
    tables
        .get_mut("net")
        .unwrap()
        .insert("lambda", vec![0.9, 1.2, 0.6]);
    let err = distribution(&s, &tables).unwrap_err().to_string();
    assert!(err.contains("row 1") && err.contains("[0, 1]"), "{err}");
    // Rows must agree.
    tables
        .get_mut("net")
        .unwrap()
        .insert("lambda", vec![0.9, 0.2]);
    let err = distribution(&s, &tables).unwrap_err().to_string();
    assert!(err.contains("same number of rows"), "{err}");
}

#[test]
fn validation_names_the_offending_key() {
    let issues = spec(
        "family = \"normal\"\nmu = 0.0\nkappa = 1.0\nx = { start = 0.0, stop = 1.0, num = 3 }",
    )
    .validate();
    assert!(
        issues
            .iter()
            .any(|(k, m)| k == "kappa" && m.contains("not a parameter")),
        "{issues:?}"
    );
    assert!(
        issues
            .iter()
            .any(|(k, m)| k == "sigma" && m.contains("needs")),
        "{issues:?}"
    );
    let issues = spec("family = \"normal\"\nmu = 0.0\nsigma = [1.0, -0.3]\nx = { start = 0.0, stop = 1.0, num = 3 }").validate();
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0].0, "sigma");
    assert!(issues[0].1.contains("entry 1"), "{issues:?}");
    let issues =
        spec("family = \"poisson\"\nlambda = 2.0\nx = { start = 0.0, stop = 1.0, num = 3 }")
            .validate();
    assert!(issues[0].1.contains("integers"), "{issues:?}");
    let issues = spec("family = \"categorical\"\nprobs = [0.5, 0.6]").validate();
    assert!(issues[0].1.contains("sum to 1"), "{issues:?}");
    let issues = spec("family = \"von-mises\"\nmu = 0.0\nkappa = 1.0").validate();
    assert!(issues[0].1.contains("needs `x`"), "{issues:?}");
    let issues = spec("family = \"normal\"\nmu = \"nodot\"\nsigma = 1.0\nat = \"a.b\"").validate();
    assert!(issues[0].1.contains("SECTION.COLUMN"), "{issues:?}");
    let err = toml::from_str::<DistributionSpec>("family = \"normal\"\nmu = true").unwrap_err();
    assert!(
        err.to_string()
            .contains("a number, a list of numbers, or a column reference"),
        "{err}"
    );
}

#[test]
fn sample_draws_n_or_one_per_row() {
    let s =
        sample_spec("family = \"uniform\"\nlow = 0.0\nhigh = 10.0\nseed = 3\nn = 5\nsort = true");
    let t = sample(&s, &Tables::new()).unwrap();
    let v = t.get("value").unwrap();
    assert_eq!(v.len(), 5);
    assert!(v.windows(2).all(|w| w[0] <= w[1]));
    // NumPy: np.random.seed(3); np.random.uniform(0, 10, 5) draws the same numbers (unsorted).
    let mut rng = RandomState::new(3);
    let mut want: Vec<f64> = (0..5).map(|_| rng.uniform(0.0, 10.0)).collect();
    want.sort_by(f64::total_cmp);
    assert_eq!(v, want.as_slice());
    assert_eq!(
        t,
        sample(&s, &Tables::new()).unwrap(),
        "same seed, same draws"
    );
    // One draw per row of a column.
    let mut tables = Tables::new();
    let mut net = Table::new();
    net.insert("rate", vec![1.0, 50.0, 3.0]);
    tables.insert("net".into(), net);
    let s = sample_spec("family = \"poisson\"\nlambda = \"net.rate\"\nseed = 1");
    let t = sample(&s, &tables).unwrap();
    assert_eq!(t.get("value").unwrap().len(), 3);
    assert!(t.get("value").unwrap()[1] > 20.0);
    let s = sample_spec("family = \"poisson\"\nlambda = \"net.rate\"\nseed = 1\nn = 4");
    assert!(
        sample(&s, &tables)
            .unwrap_err()
            .to_string()
            .contains("leave out `n`")
    );
    let s = sample_spec("family = \"normal\"\nmu = 0.0\nsigma = 1.0\nseed = 1");
    assert!(
        sample(&s, &Tables::new())
            .unwrap_err()
            .to_string()
            .contains("`n`")
    );
}

#[test]
fn chi_density_matches_its_named_special_cases() {
    let s2pi = (2.0 / PI).sqrt();
    for r in [0.1f64, 0.7, 1.0, 2.5] {
        let e = (-0.5 * r * r).exp();
        // k = 1: half-normal; k = 2: Rayleigh; k = 3: Maxwell.
        assert_close(Dist::Chi { dof: 1.0 }.pdf(r), s2pi * e, 1e-14);
        assert_close(Dist::Chi { dof: 2.0 }.pdf(r), r * e, 1e-14);
        assert_close(Dist::Chi { dof: 3.0 }.pdf(r), s2pi * r * r * e, 1e-14);
    }
    assert_close(Dist::Chi { dof: 1.0 }.pdf(0.0), s2pi, 1e-15);
    assert_eq!(Dist::Chi { dof: 3.0 }.pdf(0.0), 0.0);
    assert_eq!(Dist::Chi { dof: 3.0 }.pdf(-1.0), 0.0);
    // Normalised, with mean √2 Γ((k+1)/2) / Γ(k/2) ≈ √(k − 1/2), for the dimensions of fig. 8.13.
    for k in [25.0, 100.0, 500.0] {
        let d = Dist::Chi { dof: k };
        let (lo, hi) = (0.0, k.sqrt() + 10.0);
        assert_close(trapezoid(|r| d.pdf(r), lo, hi, 20_000), 1.0, 1e-9);
        let mean = trapezoid(|r| r * d.pdf(r), lo, hi, 20_000);
        let want = 2f64.sqrt() * (ln_gamma(0.5 * (k + 1.0)) - ln_gamma(0.5 * k)).exp();
        assert_close(mean, want, 1e-9);
        assert!((mean - (k - 0.5).sqrt()).abs() < 0.01);
    }
}

#[test]
fn angle_density_matches_low_dimensions_and_integrates_to_one() {
    for t in [0.2f64, 1.0, PI / 2.0, 3.0] {
        assert_close(Dist::Angle { dim: 2.0 }.pdf(t), 1.0 / PI, 1e-14);
        assert_close(Dist::Angle { dim: 3.0 }.pdf(t), 0.5 * t.sin(), 1e-14);
        assert_close(
            Dist::Angle { dim: 4.0 }.pdf(t),
            2.0 / PI * t.sin().powi(2),
            1e-14,
        );
    }
    assert_eq!(Dist::Angle { dim: 3.0 }.pdf(-0.1), 0.0);
    for d in [10.0, 100.0, 1000.0] {
        let a = Dist::Angle { dim: d };
        assert_close(trapezoid(|t| a.pdf(t), 0.0, PI, 20_000), 1.0, 1e-9);
    }
    assert!(Dist::Angle { dim: 2.5 }.check().is_err());
    assert!(Dist::Chi { dof: 0.0 }.check().is_err());
}

#[test]
fn chi_and_angle_draws_follow_their_densities() {
    let draws = sample(
        &sample_spec("family = \"chi\"\ndof = 100\nn = 4000\nseed = 5"),
        &Tables::new(),
    )
    .unwrap();
    let v = draws.get("value").unwrap();
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    // Mean ≈ √99.5 = 9.975, sd ≈ 0.707: standard error 0.011.
    assert!((mean - 99.5f64.sqrt()).abs() < 0.05, "{mean}");
    let draws = sample(
        &sample_spec("family = \"angle\"\ndim = 3\nn = 4000\nseed = 5"),
        &Tables::new(),
    )
    .unwrap();
    let v = draws.get("value").unwrap();
    // In 3-D, cos θ is uniform on [−1, 1]: mean θ = π/2, share below π/3 = 1/4.
    let below = v.iter().filter(|t| **t < PI / 3.0).count() as f64 / v.len() as f64;
    assert!((below - 0.25).abs() < 0.03, "{below}");
    let err = sample(
        &sample_spec("family = \"chi\"\ndof = 2.5\nn = 3\nseed = 5"),
        &Tables::new(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("whole number"), "{err}");
    let s = spec("family = \"chi\"\nmu = 1.0\nx = { start = 0.0, stop = 1.0, num = 3 }");
    let issues = s.validate();
    assert!(issues.iter().any(|(f, _)| f == "mu"), "{issues:?}");
    assert!(issues.iter().any(|(f, _)| f == "dof"), "{issues:?}");
}
