//! Models refitted to many data sets: `bias-variance` (UDL section 8.2, eqs. 8.3-8.7) and
//! `bootstrap` (bagging, section 9.3.2).
//!
//! **`bias-variance`.** A model's output layer is fitted by (ridge) least squares
//! ([`training::ridge_least_squares`]) to each of the S data sets of a `noisy-samples` section,
//! giving fits f_s(x). On a grid, with the true function f*(x) of the data section:
//! the mean fit f̄(x) = (1/S)·Σ_s f_s(x); the variance Var(x) = (1/S)·Σ_s (f_s(x) − f̄(x))²; the
//! squared bias Bias²(x) = (f̄(x) − f*(x))²; the noise σ² of the data. Averaged over the grid
//! (x uniform on the interval), the expected test error is Bias² + Var + σ² (eq. 8.7). The
//! decomposition is computed from the fits, never from a formula for the model class.
//!
//! **`bootstrap`.** B data sets are drawn from one data set by sampling its N points with
//! replacement (a seeded NumPy legacy stream, `randint(0, N)` per draw), a model is fitted to
//! each, and the ensemble's prediction is the mean of the B fits.

use data::{Dataset, GridSpec, NoisySamplesSpec, Table};
use models::Model;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Upper bound on fitted curves kept as columns and on bootstrap resamples.
pub const MAX_FITS: usize = 1_000;

/// `kind = "bias-variance"`: fit each model to every data set of a `noisy-samples` section and
/// measure the mean fit, squared bias and variance on a grid.
///
/// ```toml
/// [analysis.bv]
/// kind = "bias-variance"
/// models = ["basis3", "basis10"]   # [model] sections: relu-basis or shallow
/// data = "sets"                    # a noisy-samples [data] section with sets > 1
/// x = { start = 0.0, stop = 1.0, num = 201 }
/// fits = 3                         # optional: keep the first 3 fits as columns
/// ridge = 1e-5                     # optional λ of each fit
/// ```
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BiasVarianceSpec {
    /// The models whose output layers are fitted (at least one).
    pub models: Vec<String>,
    /// The `[data]` section of kind `noisy-samples` holding the data sets.
    pub data: String,
    /// The grid on which fits are compared with the true function.
    pub x: GridSpec,
    /// How many of the fits (to data sets 0, 1, ...) to keep as columns.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub fits: usize,
    /// λ of the L2 penalty of every fit (default 0).
    #[serde(default, skip_serializing_if = "is_zero_f")]
    pub ridge: f64,
    /// The generator of `data`, filled in by the pipeline when it reads the figure (never written
    /// in a spec): the true function and σ come from it, and it is part of the stage's key.
    #[serde(skip_deserializing, default, skip_serializing_if = "Option::is_none")]
    pub generator: Option<NoisySamplesSpec>,
}

/// `kind = "bootstrap"`: fit a model to a data set and to `resamples` bootstrap resamples of
/// it, and average the resample fits (bagging).
///
/// ```toml
/// [analysis.bag]
/// kind = "bootstrap"
/// model = "basis14"
/// data = "train"
/// x = { start = 0.0, stop = 1.0, num = 201 }
/// resamples = 4
/// seed = 0
/// ridge = 1e-5
/// ```
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BootstrapSpec {
    /// The model whose output layer is fitted: relu-basis or shallow.
    pub model: String,
    /// The `[data]` section resampled.
    pub data: String,
    /// The grid on which the fits are evaluated.
    pub x: GridSpec,
    /// Number of bootstrap resamples B, at least 1.
    pub resamples: usize,
    /// Seed of the resampling stream (NumPy's legacy `RandomState`).
    pub seed: u32,
    /// λ of the L2 penalty of every fit (default 0).
    #[serde(default, skip_serializing_if = "is_zero_f")]
    pub ridge: f64,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

fn is_zero_f(v: &f64) -> bool {
    *v == 0.0
}

fn ridge_issue(ridge: f64, issues: &mut Vec<(String, String)>) {
    if !ridge.is_finite() || ridge < 0.0 {
        issues.push((
            "ridge".into(),
            format!("expected a finite λ ≥ 0, found {ridge}"),
        ));
    }
}

impl BiasVarianceSpec {
    /// Impossible values, as `(field, message)`.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut issues = data::nest_issues("x", self.x.validate());
        if self.models.is_empty() {
            issues.push(("models".into(), "expected at least one model".into()));
        }
        ridge_issue(self.ridge, &mut issues);
        if self.fits > MAX_FITS {
            issues.push((
                "fits".into(),
                format!("expected at most {MAX_FITS}, found {}", self.fits),
            ));
        }
        if let Some(g) = &self.generator {
            if g.sets < 2 {
                issues.push((
                    "data".into(),
                    format!(
                        "section `{}` holds {} data set; a variance needs at least 2 (`sets`)",
                        self.data, g.sets
                    ),
                ));
            }
            if self.fits > g.sets {
                issues.push((
                    "fits".into(),
                    format!(
                        "expected at most the {} data sets of `{}`, found {}",
                        g.sets, self.data, self.fits
                    ),
                ));
            }
        }
        issues
    }

    /// Copies in the generator of the data section (see [`crate::AnalysisSpec::resolve`]).
    pub fn resolve(&mut self, target: Option<&data::DataSpec>) -> Vec<(String, String)> {
        match target {
            Some(data::DataSpec::NoisySamples(g)) => {
                self.generator = Some(g.clone());
                self.validate()
            }
            Some(_) => vec![(
                "data".into(),
                format!(
                    "section `{}` is not of kind `noisy-samples`; bias and variance need its true function and noise",
                    self.data
                ),
            )],
            None => Vec::new(),
        }
    }
}

impl BootstrapSpec {
    /// Impossible values, as `(field, message)`.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut issues = data::nest_issues("x", self.x.validate());
        if self.resamples == 0 || self.resamples > MAX_FITS {
            issues.push((
                "resamples".into(),
                format!(
                    "expected 1 to {MAX_FITS} resamples, found {}",
                    self.resamples
                ),
            ));
        }
        ridge_issue(self.ridge, &mut issues);
        issues
    }
}

fn fit_curve(model: &Model, data: &Dataset, ridge: f64, xs: &[f64]) -> Result<Vec<f64>> {
    let fitted = training::ridge_least_squares(model, data, ridge)
        .map_err(|e| Error::Unsupported(e.to_string()))?;
    xs.iter().map(|&x| Ok(fitted.forward(&[x])?[0])).collect()
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// Runs `bias-variance` on `models` (in the order of `spec.models`) and the data sets of
/// `data`; see the module docs for the columns' definitions.
pub fn bias_variance(spec: &BiasVarianceSpec, models: &[Model], data: &Dataset) -> Result<Table> {
    let issues = spec.validate();
    if !issues.is_empty() {
        return Err(Error::InvalidSpec(issues));
    }
    let generator = spec.generator.as_ref().ok_or_else(|| {
        Error::Unsupported(format!(
            "the generator of data section `{}` was not resolved",
            spec.data
        ))
    })?;
    if data.len() != generator.points * generator.sets {
        return Err(Error::Unsupported(format!(
            "data section `{}` holds {} points, expected {} sets of {}",
            spec.data,
            data.len(),
            generator.sets,
            generator.points
        )));
    }
    let xs = spec.x.points();
    let truth: Vec<f64> = xs.iter().map(|&x| generator.function.eval(x)).collect();
    let noise = generator.noise * generator.noise;
    let sets: Vec<Dataset> = (0..generator.sets)
        .map(|s| generator.set(data, s))
        .collect();
    let mut table = Table::new();
    let (mut hidden, mut bias2, mut variance) = (Vec::new(), Vec::new(), Vec::new());
    for (m, model) in models.iter().enumerate() {
        let fits = sets
            .iter()
            .map(|set| fit_curve(model, set, spec.ridge, &xs))
            .collect::<Result<Vec<_>>>()?;
        let n = fits.len() as f64;
        let mean_fit: Vec<f64> = (0..xs.len())
            .map(|i| fits.iter().map(|f| f[i]).sum::<f64>() / n)
            .collect();
        let var_at: Vec<f64> = (0..xs.len())
            .map(|i| {
                fits.iter()
                    .map(|f| (f[i] - mean_fit[i]).powi(2))
                    .sum::<f64>()
                    / n
            })
            .collect();
        let bias2_at: Vec<f64> = mean_fit
            .iter()
            .zip(&truth)
            .map(|(m, t)| (m - t).powi(2))
            .collect();
        let sd: Vec<f64> = var_at.iter().map(|v| v.sqrt()).collect();
        hidden.push(match model {
            Model::Shallow(net) => net.hidden_units() as f64,
            _ => f64::NAN,
        });
        bias2.push(mean(&bias2_at));
        variance.push(mean(&var_at));
        let mut columns = vec![
            (
                "mean-plus-sd",
                mean_fit.iter().zip(&sd).map(|(m, s)| m + s).collect(),
            ),
            (
                "mean-minus-sd",
                mean_fit.iter().zip(&sd).map(|(m, s)| m - s).collect(),
            ),
            ("mean", mean_fit),
            ("sd", sd),
            ("bias2-at", bias2_at),
            ("variance-at", var_at),
        ];
        let kept: Vec<(String, Vec<f64>)> = fits
            .into_iter()
            .take(spec.fits)
            .enumerate()
            .map(|(k, f)| (k.to_string(), f))
            .collect();
        for (name, values) in columns.drain(..) {
            if models.len() == 1 {
                table.insert(name, values.clone());
            }
            table.insert(format!("{name}.{m}"), values);
        }
        for (k, values) in kept {
            if models.len() == 1 {
                table.insert(format!("fit.{k}"), values.clone());
            }
            table.insert(format!("fit.{m}.{k}"), values);
        }
    }
    let sum: Vec<f64> = bias2.iter().zip(&variance).map(|(b, v)| b + v).collect();
    table.insert("error", sum.iter().map(|s| s + noise).collect());
    table.insert("bias2-plus-variance", sum);
    table.insert("hidden", hidden);
    table.insert("bias2", bias2);
    table.insert("variance", variance);
    table.insert("noise", vec![noise]);
    table.insert("noise-sd", vec![generator.noise]);
    table.insert("x", xs);
    table.insert("truth", truth);
    Ok(table)
}

/// The row indices of bootstrap resample `b`: N draws `randint(0, N)`, resample after resample,
/// from one NumPy legacy stream seeded with `seed`.
pub fn bootstrap_indices(n: usize, resamples: usize, seed: u32) -> Vec<Vec<usize>> {
    let mut rng = data::mnist1d::RandomState::new(seed);
    (0..resamples)
        .map(|_| (0..n).map(|_| rng.randint(0, n as i64) as usize).collect())
        .collect()
}

/// Runs `bootstrap`: columns `x`; `fit` (the model fitted to all of `data`); `fit.{b}` (fitted
/// to resample b); `mean` (the mean of the resample fits); `sample.{b}.x`, `sample.{b}.y` (the
/// points of resample b, in draw order) and `index.{b}` (their rows in `data`).
pub fn bootstrap(spec: &BootstrapSpec, model: &Model, data: &Dataset) -> Result<Table> {
    let issues = spec.validate();
    if !issues.is_empty() {
        return Err(Error::InvalidSpec(issues));
    }
    if data.is_empty() {
        return Err(Error::Unsupported(format!(
            "data section `{}` has no points to resample",
            spec.data
        )));
    }
    let xs = spec.x.points();
    let mut table = Table::new();
    table.insert("fit", fit_curve(model, data, spec.ridge, &xs)?);
    let mut total = vec![0.0; xs.len()];
    for (b, rows) in bootstrap_indices(data.len(), spec.resamples, spec.seed)
        .into_iter()
        .enumerate()
    {
        let sample = Dataset {
            x: rows.iter().map(|&i| data.x[i]).collect(),
            y: rows.iter().map(|&i| data.y[i]).collect(),
        };
        let curve = fit_curve(model, &sample, spec.ridge, &xs)?;
        total.iter_mut().zip(&curve).for_each(|(t, c)| *t += c);
        table.insert(format!("fit.{b}"), curve);
        table.insert(format!("sample.{b}.x"), sample.x);
        table.insert(format!("sample.{b}.y"), sample.y);
        table.insert(
            format!("index.{b}"),
            rows.iter().map(|&i| i as f64).collect(),
        );
    }
    table.insert(
        "mean",
        total
            .into_iter()
            .map(|t| t / spec.resamples as f64)
            .collect(),
    );
    table.insert("x", xs);
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;
    use data::FunctionSpec;
    use data::forms::PolynomialSpec;
    use models::test_support::unit_relu_basis as basis;

    fn generator(function: FunctionSpec, noise: f64, sets: usize) -> NoisySamplesSpec {
        NoisySamplesSpec {
            function,
            points: 6,
            noise,
            seed: 3,
            sets,
            interval: [0.0, 1.0],
            omit: None,
        }
    }

    fn spec(g: &NoisySamplesSpec, models: usize, fits: usize) -> BiasVarianceSpec {
        BiasVarianceSpec {
            models: (0..models).map(|m| format!("m{m}")).collect(),
            data: "sets".into(),
            x: GridSpec::new(0.0, 1.0, 11),
            fits,
            ridge: 0.0,
            generator: Some(g.clone()),
        }
    }

    #[test]
    fn a_model_that_contains_the_truth_has_no_bias_and_no_variance_without_noise() {
        // y = 1 + 2x is a 1-region model (β = 1, ω = 2): every fit recovers it exactly.
        let line = FunctionSpec::Polynomial(PolynomialSpec {
            coefficients: vec![1.0, 2.0],
        });
        let g = generator(line, 0.0, 5);
        let t = bias_variance(&spec(&g, 1, 2), &[basis(1)], &g.generate()).unwrap();
        assert!(t.get("bias2").unwrap()[0] < 1e-24);
        assert!(t.get("variance").unwrap()[0] < 1e-24);
        assert_eq!(t.get("noise").unwrap(), &[0.0]);
        for (m, x) in t.get("mean").unwrap().iter().zip(t.get("x").unwrap()) {
            assert!((m - (1.0 + 2.0 * x)).abs() < 1e-12);
        }
        assert_eq!(t.get("fit.1").unwrap().len(), 11);
    }

    #[test]
    fn bias_and_variance_are_the_moments_of_the_fits() {
        let g = generator(FunctionSpec::ExpSin { period: 1.0 }, 0.3, 4);
        let data = g.generate();
        let models = [basis(1), basis(3)];
        let t = bias_variance(&spec(&g, 2, 4), &models, &data).unwrap();
        let xs = t.get("x").unwrap().to_vec();
        for (m, model) in models.iter().enumerate() {
            // By hand: fit each of the 4 data sets, then the moments at every grid point.
            let fits: Vec<Vec<f64>> = (0..4)
                .map(|s| {
                    let f = training::least_squares(model, &g.set(&data, s)).unwrap();
                    xs.iter().map(|&x| f.forward(&[x]).unwrap()[0]).collect()
                })
                .collect();
            let (mut b2, mut var) = (0.0, 0.0);
            for (i, &x) in xs.iter().enumerate() {
                let mean = fits.iter().map(|f| f[i]).sum::<f64>() / 4.0;
                let v = fits.iter().map(|f| (f[i] - mean).powi(2)).sum::<f64>() / 4.0;
                let truth = FunctionSpec::ExpSin { period: 1.0 }.eval(x);
                assert!((t.get(&format!("mean.{m}")).unwrap()[i] - mean).abs() < 1e-12);
                assert!((t.get(&format!("variance-at.{m}")).unwrap()[i] - v).abs() < 1e-12);
                // Mean squared distance to the truth = bias² + variance, point by point.
                let mse = fits.iter().map(|f| (f[i] - truth).powi(2)).sum::<f64>() / 4.0;
                let b2_at = t.get(&format!("bias2-at.{m}")).unwrap()[i];
                assert!((mse - (b2_at + v)).abs() < 1e-12);
                b2 += b2_at;
                var += v;
                assert_eq!(t.get(&format!("fit.{m}.2")).unwrap()[i], fits[2][i]);
            }
            assert!((t.get("bias2").unwrap()[m] - b2 / 11.0).abs() < 1e-12);
            assert!((t.get("variance").unwrap()[m] - var / 11.0).abs() < 1e-12);
            assert!((t.get("error").unwrap()[m] - (b2 / 11.0 + var / 11.0 + 0.09)).abs() < 1e-12);
        }
        assert_eq!(t.get("hidden").unwrap(), &[1.0, 3.0]);
        // Two models: no unsuffixed per-model columns.
        assert!(t.get("mean").is_none());
    }

    #[test]
    fn bias_variance_needs_several_noisy_sets() {
        let g = generator(FunctionSpec::ExpSin { period: 1.0 }, 0.3, 1);
        let issues = spec(&g, 1, 0).validate();
        assert_eq!(issues[0].0, "data");
        let mut s = spec(&g, 1, 0);
        let points = data::DataSpec::Points(data::PointsSpec {
            x: vec![0.0],
            y: vec![0.0],
        });
        assert!(s.resolve(Some(&points))[0].1.contains("noisy-samples"));
    }

    #[test]
    fn bootstrap_is_seeded_and_fits_each_resample() {
        let data = generator(FunctionSpec::ExpSin { period: 1.0 }, 0.3, 1).generate();
        let spec = BootstrapSpec {
            model: "m".into(),
            data: "d".into(),
            x: GridSpec::new(0.0, 1.0, 5),
            resamples: 3,
            seed: 7,
            ridge: 1e-3,
        };
        let a = bootstrap(&spec, &basis(2), &data).unwrap();
        assert_eq!(a, bootstrap(&spec, &basis(2), &data).unwrap());
        let idx = bootstrap_indices(6, 3, 7);
        assert!(idx.iter().flatten().all(|&i| i < 6));
        assert_ne!(idx[0], idx[1]);
        let mut mean = [0.0; 5];
        for (b, rows) in idx.iter().enumerate() {
            let sample = Dataset {
                x: rows.iter().map(|&i| data.x[i]).collect(),
                y: rows.iter().map(|&i| data.y[i]).collect(),
            };
            let f = training::ridge_least_squares(&basis(2), &sample, 1e-3).unwrap();
            for (i, &x) in a.get("x").unwrap().iter().enumerate() {
                let v = f.forward(&[x]).unwrap()[0];
                assert_eq!(a.get(&format!("fit.{b}")).unwrap()[i], v);
                mean[i] += v / 3.0;
            }
            assert_eq!(a.get(&format!("sample.{b}.y")).unwrap(), sample.y);
        }
        for (m, e) in a.get("mean").unwrap().iter().zip(mean) {
            assert!((m - e).abs() < 1e-12);
        }
        let other = BootstrapSpec { seed: 8, ..spec };
        assert_ne!(a, bootstrap(&other, &basis(2), &data).unwrap());
    }
}
