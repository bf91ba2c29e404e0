//! `kind = "posterior"`: the Bayesian treatment of a model that is linear in its output
//! parameters (UDL section 9.3.3, figure 9.11; notebook 9.4).
//!
//! With the hidden layer fixed, y = aᵀφ with a = [1, h_1(x), …, h_D(x)]. Under the prior
//! φ ~ N(0, σ_p²·I) and the likelihood y_i ~ N(a_iᵀφ, σ²), the posterior over φ is Gaussian
//! with precision P = AᵀA/σ² + I/σ_p² and mean μ = P⁻¹Aᵀy/σ² (Bishop, *PRML*, eqs. 3.53-3.54).
//! μ is the ridge solution with λ = σ²/σ_p². The posterior predictive at x* is
//! N(a*ᵀμ, a*ᵀP⁻¹a* + σ²). Samples of φ are μ + L⁻ᵀz with P = LLᵀ (Cholesky) and z standard
//! normal draws from NumPy's legacy generator, so their covariance is P⁻¹.

use data::{Dataset, GridSpec, Table};
use models::Model;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// `kind = "posterior"`: posterior mean, predictive spread and samples of the output layer.
///
/// ```toml
/// [analysis.bayes]
/// kind = "posterior"
/// model = "basis14"
/// data = "train"
/// x = { start = 0.0, stop = 1.0, num = 201 }
/// prior-variance = 1000.0     # σ_p²
/// noise-variance = 0.09       # σ²
/// samples = 2
/// seed = 0
/// ```
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PosteriorSpec {
    /// The model (relu-basis or shallow) whose output bias and weights get the prior.
    pub model: String,
    /// The `[data]` section observed.
    pub data: String,
    /// The grid of the predictions.
    pub x: GridSpec,
    /// σ_p², the variance of the zero-mean prior of every output parameter; > 0.
    pub prior_variance: f64,
    /// σ², the variance of the Gaussian noise of the targets; > 0.
    pub noise_variance: f64,
    /// Number of parameter vectors drawn from the posterior (default 0).
    #[serde(default)]
    pub samples: usize,
    /// Seed of the draws (default 0).
    #[serde(default)]
    pub seed: u32,
}

/// Upper bound on posterior samples.
pub const MAX_SAMPLES: usize = 1_000;

impl PosteriorSpec {
    /// Impossible values, as `(field, message)`.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut issues = data::nest_issues("x", self.x.validate());
        for (field, v) in [
            ("prior-variance", self.prior_variance),
            ("noise-variance", self.noise_variance),
        ] {
            if !v.is_finite() || v <= 0.0 {
                issues.push((
                    field.into(),
                    format!("expected a finite variance > 0, found {v}"),
                ));
            }
        }
        if self.samples > MAX_SAMPLES {
            issues.push((
                "samples".into(),
                format!("expected at most {MAX_SAMPLES}, found {}", self.samples),
            ));
        }
        issues
    }
}

/// Lower-triangular L with LLᵀ = `m` (symmetric positive definite, row-major).
fn cholesky(m: &[Vec<f64>]) -> Result<Vec<Vec<f64>>> {
    let p = m.len();
    let mut l = vec![vec![0.0; p]; p];
    for i in 0..p {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                let d = m[i][i] - s;
                if d <= 0.0 || !d.is_finite() {
                    return Err(Error::Unsupported(
                        "the posterior precision is not positive definite".into(),
                    ));
                }
                l[i][i] = d.sqrt();
            } else {
                l[i][j] = (m[i][j] - s) / l[j][j];
            }
        }
    }
    Ok(l)
}

/// Solves L w = b (L lower triangular).
fn forward(l: &[Vec<f64>], b: &[f64]) -> Vec<f64> {
    let mut w = vec![0.0; b.len()];
    for i in 0..b.len() {
        let s: f64 = (0..i).map(|k| l[i][k] * w[k]).sum();
        w[i] = (b[i] - s) / l[i][i];
    }
    w
}

/// Solves Lᵀ w = b (L lower triangular).
fn backward(l: &[Vec<f64>], b: &[f64]) -> Vec<f64> {
    let p = b.len();
    let mut w = vec![0.0; p];
    for i in (0..p).rev() {
        let s: f64 = ((i + 1)..p).map(|k| l[k][i] * w[k]).sum();
        w[i] = (b[i] - s) / l[i][i];
    }
    w
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Runs `posterior`. Columns: `x`; `mean` (a*ᵀμ); `function-sd` (√(a*ᵀP⁻¹a*), the spread of
/// the function); `sd` (√(a*ᵀP⁻¹a* + σ²), the predictive spread); `upper`, `lower`
/// (mean ± 2·sd); `sample.{k}` (the function of posterior sample k); `phi` (μ: bias, then the
/// weights); `ridge` (one value: σ²/σ_p², the λ whose ridge fit is μ).
pub fn posterior(spec: &PosteriorSpec, model: &Model, data: &Dataset) -> Result<Table> {
    let issues = spec.validate();
    if !issues.is_empty() {
        return Err(Error::InvalidSpec(issues));
    }
    let train = |e: training::Error| Error::Unsupported(e.to_string());
    let (_, rows) = training::design_matrix(model, &data.x).map_err(train)?;
    if data.y.len() != rows.len() {
        return Err(Error::Unsupported(format!(
            "data section `{}` has {} x and {} y",
            spec.data,
            rows.len(),
            data.y.len()
        )));
    }
    let p = rows.first().map_or(0, Vec::len);
    let (s2, sp2) = (spec.noise_variance, spec.prior_variance);
    // P = AᵀA/σ² + I/σ_p², and Aᵀy/σ².
    let mut precision = vec![vec![0.0; p]; p];
    let mut aty = vec![0.0; p];
    for (row, &y) in rows.iter().zip(&data.y) {
        for i in 0..p {
            aty[i] += row[i] * y / s2;
            for j in 0..p {
                precision[i][j] += row[i] * row[j] / s2;
            }
        }
    }
    for (i, r) in precision.iter_mut().enumerate() {
        r[i] += 1.0 / sp2;
    }
    let l = cholesky(&precision)?;
    let mu = backward(&l, &forward(&l, &aty));
    let mut rng = data::mnist1d::RandomState::new(spec.seed);
    let draws: Vec<Vec<f64>> = (0..spec.samples)
        .map(|_| {
            let z: Vec<f64> = (0..p).map(|_| rng.standard_normal()).collect();
            let offset = backward(&l, &z);
            mu.iter().zip(&offset).map(|(m, o)| m + o).collect()
        })
        .collect();
    let xs = spec.x.points();
    let (_, grid_rows) = training::design_matrix(model, &xs).map_err(train)?;
    let mut mean = Vec::with_capacity(xs.len());
    let mut fsd = Vec::with_capacity(xs.len());
    let mut sd = Vec::with_capacity(xs.len());
    for a in &grid_rows {
        mean.push(dot(a, &mu));
        let w = forward(&l, a);
        let var = dot(&w, &w);
        fsd.push(var.sqrt());
        sd.push((var + s2).sqrt());
    }
    let mut table = Table::new();
    for (k, phi) in draws.iter().enumerate() {
        table.insert(
            format!("sample.{k}"),
            grid_rows.iter().map(|a| dot(a, phi)).collect(),
        );
    }
    table.insert(
        "upper",
        mean.iter().zip(&sd).map(|(m, s)| m + 2.0 * s).collect(),
    );
    table.insert(
        "lower",
        mean.iter().zip(&sd).map(|(m, s)| m - 2.0 * s).collect(),
    );
    table.insert("mean", mean);
    table.insert("function-sd", fsd);
    table.insert("sd", sd);
    table.insert("phi", mu);
    table.insert("ridge", vec![s2 / sp2]);
    table.insert("x", xs);
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;
    use models::test_support::unit_relu_basis as basis;

    fn spec(prior: f64, noise: f64, samples: usize) -> PosteriorSpec {
        PosteriorSpec {
            model: "m".into(),
            data: "d".into(),
            x: GridSpec::new(0.0, 1.0, 3),
            prior_variance: prior,
            noise_variance: noise,
            samples,
            seed: 0,
        }
    }

    #[test]
    fn two_parameter_posterior_by_hand() {
        // One region: y = β + ω·x on [0, 1]. Data (0, 1), (1, 2); σ² = σ_p² = 1.
        // A = [[1, 0], [1, 1]]; P = AᵀA + I = [[3, 1], [1, 2]]; P⁻¹ = [[2, −1], [−1, 3]]/5;
        // Aᵀy = [3, 2]; μ = P⁻¹Aᵀy = [4/5, 3/5].
        let data = Dataset {
            x: vec![0.0, 1.0],
            y: vec![1.0, 2.0],
        };
        let t = posterior(&spec(1.0, 1.0, 0), &basis(1), &data).unwrap();
        let phi = t.get("phi").unwrap();
        assert!((phi[0] - 0.8).abs() < 1e-14 && (phi[1] - 0.6).abs() < 1e-14);
        // x = 0, 0.5, 1: a = [1, x]; mean 0.8 + 0.6x; aᵀP⁻¹a = (2 − 2x + 3x²)/5.
        for (i, x) in [0.0, 0.5, 1.0].into_iter().enumerate() {
            let var: f64 = (2.0 - 2.0 * x + 3.0 * x * x) / 5.0;
            assert!((t.get("mean").unwrap()[i] - (0.8 + 0.6 * x)).abs() < 1e-14);
            assert!((t.get("function-sd").unwrap()[i] - var.sqrt()).abs() < 1e-14);
            assert!((t.get("sd").unwrap()[i] - (var + 1.0).sqrt()).abs() < 1e-14);
            let upper = t.get("upper").unwrap()[i];
            assert!((upper - (0.8 + 0.6 * x + 2.0 * (var + 1.0).sqrt())).abs() < 1e-14);
        }
        assert_eq!(t.get("ridge").unwrap(), &[1.0]);
    }

    #[test]
    fn posterior_mean_is_the_ridge_fit_and_samples_spread_by_the_covariance() {
        let data = data::NoisySamplesSpec {
            function: data::FunctionSpec::ExpSin { period: 1.0 },
            points: 15,
            noise: 0.3,
            seed: 1,
            sets: 1,
            interval: [0.0, 1.0],
            omit: None,
        }
        .generate();
        let model = basis(5);
        let s = PosteriorSpec {
            samples: 1000,
            ..spec(10.0, 0.09, 0)
        };
        let t = posterior(&s, &model, &data).unwrap();
        let ridge = training::ridge_least_squares(&model, &data, 0.09 / 10.0).unwrap();
        for (i, &x) in t.get("x").unwrap().iter().enumerate() {
            let r = ridge.forward(&[x]).unwrap()[0];
            assert!((t.get("mean").unwrap()[i] - r).abs() < 1e-10, "x = {x}");
            // The sample spread matches the closed-form function spread within sampling error.
            let draws: Vec<f64> = (0..1000)
                .map(|k| t.get(&format!("sample.{k}")).unwrap()[i])
                .collect();
            let m = draws.iter().sum::<f64>() / 1000.0;
            let sd = (draws.iter().map(|d| (d - m).powi(2)).sum::<f64>() / 1000.0).sqrt();
            let expected = t.get("function-sd").unwrap()[i];
            assert!(
                (sd / expected - 1.0).abs() < 0.1,
                "x = {x}: {sd} vs {expected}"
            );
        }
        assert!(spec(0.0, 1.0, 0).validate()[0].0 == "prior-variance");
    }
}
