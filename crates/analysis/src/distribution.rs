//! Probability distributions of UDL chapter 5: densities and masses on grids or at given points
//! (`kind = "distribution"`), and seeded draws (`kind = "sample"`).
//!
//! | family | domain | parameters | Pr(y) |
//! |---|---|---|---|
//! | `normal` | ℝ | μ, σ > 0 | exp(−(y − μ)²/2σ²) / √(2πσ²) (UDL eq. 5.7) |
//! | `von-mises` | (−π, π] | μ, κ ≥ 0 | exp(κ cos(y − μ)) / (2π I₀(κ)) (UDL eq. 5.24) |
//! | `poisson` | 0, 1, 2, ... | λ > 0 | λ^y e^(−λ) / y! (UDL eq. 5.25 / fig. 5.15) |
//! | `bernoulli` | {0, 1} | λ ∈ [0, 1] | λ^y (1 − λ)^(1−y) (UDL eq. 5.17) |
//! | `categorical` | {f, ..., f + K − 1} | λ_1..λ_K ≥ 0, Σ = 1 | λ_{y−f+1} (UDL eq. 5.21; f = `first`, 1 as in the book) |
//! | `gaussian-mixture` | ℝ | (w_k, μ_k, σ_k), w ≥ 0, Σw = 1 | Σ_k w_k Norm(y; μ_k, σ_k) (UDL eq. 5.26, fig. 5.14) |
//! | `uniform` | [a, b] | a < b | 1 / (b − a) |
//! | `chi` | [0, ∞) | k > 0 | r^(k−1) e^(−r²/2) / (2^(k/2−1) Γ(k/2)): the length of a standard normal vector in k dimensions (UDL fig. 8.13, problem 8.6) |
//! | `angle` | [0, π] | D ≥ 2 | sin^(D−2) θ · Γ(D/2) / (√π Γ((D−1)/2)): the angle between two independent standard normal vectors in D dimensions (the near-orthogonality of the notes to UDL chapter 8) |
//!
//! Every parameter is a [`Param`]: a number, a list (one distribution per entry) or a column of
//! another section (one distribution per row, e.g. a network's output at each input after a
//! `transform` maps it through a sigmoid or softmax). I₀ is the modified Bessel function of the
//! first kind, summed from its power series ([`bessel_i0`]).
//!
//! Draws use NumPy's legacy `RandomState` (MT19937, [`data::mnist1d::RandomState`]): uniform and
//! normal draws with constant parameters are those of `np.random.seed(seed)` followed by
//! `np.random.uniform(a, b, n)` or `np.random.normal(mu, sigma, n)`. The other families are drawn
//! from the same stream by inversion (Bernoulli, categorical, Poisson, the mixture's component)
//! and by Best and Fisher's (1979) rejection method (von Mises), which NumPy does differently.

use std::f64::consts::PI;

use data::mnist1d::RandomState;
use data::{GridSpec, Table};
use serde::{Deserialize, Serialize};

use crate::columns::{self, Param, Tables};
use crate::{Error, Result};

#[cfg(test)]
mod tests;

/// Largest number of draws of one `sample` analysis.
pub const MAX_DRAWS: usize = 1_000_000;

/// Probabilities (categorical) and mixture weights must sum to 1 within this.
pub const SUM_TOLERANCE: f64 = 1e-9;

/// A family of distributions (`family = "..."`).
#[derive(Deserialize, Serialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Family {
    /// Univariate normal, parameters `mu`, `sigma`.
    Normal,
    /// Von Mises on the circle (−π, π], parameters `mu`, `kappa`.
    VonMises,
    /// Poisson on the counts 0, 1, 2, ..., parameter `lambda`.
    Poisson,
    /// Bernoulli on {0, 1}, parameter `lambda` = Pr(y = 1).
    Bernoulli,
    /// Categorical on K classes, parameter `probs` (one per class).
    Categorical,
    /// Weighted sum of normals, parameter `components`.
    GaussianMixture,
    /// Uniform on [`low`, `high`].
    Uniform,
    /// Chi with `dof` degrees of freedom: the norm of a standard normal vector.
    Chi,
    /// The angle (radians) between two independent standard normal vectors in `dim` dimensions.
    Angle,
}

impl Family {
    /// The spec keys that hold this family's parameters.
    pub fn parameters(self) -> &'static [&'static str] {
        match self {
            Family::Normal => &["mu", "sigma"],
            Family::VonMises => &["mu", "kappa"],
            Family::Poisson | Family::Bernoulli => &["lambda"],
            Family::Categorical => &["probs"],
            Family::GaussianMixture => &["components"],
            Family::Uniform => &["low", "high"],
            Family::Chi => &["dof"],
            Family::Angle => &["dim"],
        }
    }

    /// Whether the family lives on integers (a mass function, drawn as bars).
    pub fn is_discrete(self) -> bool {
        matches!(
            self,
            Family::Poisson | Family::Bernoulli | Family::Categorical
        )
    }

    fn name(self) -> &'static str {
        match self {
            Family::Normal => "normal",
            Family::VonMises => "von-mises",
            Family::Poisson => "poisson",
            Family::Bernoulli => "bernoulli",
            Family::Categorical => "categorical",
            Family::GaussianMixture => "gaussian-mixture",
            Family::Uniform => "uniform",
            Family::Chi => "chi",
            Family::Angle => "angle",
        }
    }
}

/// One component of a `gaussian-mixture`: `{ weight = 0.4, mu = -1.0, sigma = 0.5 }`.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ComponentSpec {
    /// Mixing weight w_k ≥ 0; the weights sum to 1.
    pub weight: Param,
    /// Mean μ_k.
    pub mu: Param,
    /// Standard deviation σ_k > 0.
    pub sigma: Param,
}

/// The parameters of a family as written in a spec; shared by `distribution` and `sample`.
#[derive(Clone, Copy, Debug)]
pub struct FamilyParams<'a> {
    /// The family.
    pub family: Family,
    /// μ (normal, von Mises).
    pub mu: Option<&'a Param>,
    /// σ (normal).
    pub sigma: Option<&'a Param>,
    /// κ (von Mises).
    pub kappa: Option<&'a Param>,
    /// λ (Poisson, Bernoulli).
    pub lambda: Option<&'a Param>,
    /// λ_1..λ_K (categorical).
    pub probs: Option<&'a [Param]>,
    /// The class number of the first category (categorical).
    pub first: Option<i64>,
    /// The components (Gaussian mixture).
    pub components: Option<&'a [ComponentSpec]>,
    /// a (uniform).
    pub low: Option<&'a Param>,
    /// b (uniform).
    pub high: Option<&'a Param>,
    /// k (chi).
    pub dof: Option<&'a Param>,
    /// D (angle).
    pub dim: Option<&'a Param>,
}

impl<'a> FamilyParams<'a> {
    /// The keys that are set, with whether each is set.
    fn given(&self) -> [(&'static str, bool); 10] {
        [
            ("mu", self.mu.is_some()),
            ("sigma", self.sigma.is_some()),
            ("kappa", self.kappa.is_some()),
            ("lambda", self.lambda.is_some()),
            ("probs", self.probs.is_some()),
            ("components", self.components.is_some()),
            ("low", self.low.is_some()),
            ("high", self.high.is_some()),
            ("dof", self.dof.is_some()),
            ("dim", self.dim.is_some()),
        ]
    }

    /// Problems serde cannot see: missing or foreign parameters, non-finite numbers, bad
    /// references, constant parameters out of their range.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut issues = Vec::new();
        let wanted = self.family.parameters();
        for (key, set) in self.given() {
            if set && !wanted.contains(&key) {
                issues.push((
                    key.to_owned(),
                    format!(
                        "not a parameter of the {} distribution (it takes {})",
                        self.family.name(),
                        wanted
                            .iter()
                            .map(|w| format!("`{w}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            } else if !set && wanted.contains(&key) {
                issues.push((
                    key.to_owned(),
                    format!("the {} distribution needs `{key}`", self.family.name()),
                ));
            }
        }
        if self.first.is_some() && self.family != Family::Categorical {
            issues.push((
                "first".to_owned(),
                "only a categorical distribution numbers its classes".to_owned(),
            ));
        }
        let mut check = |key: &str, p: Option<&Param>| {
            if let Some(p) = p {
                issues.extend(p.validate(key));
            }
        };
        check("mu", self.mu);
        check("sigma", self.sigma);
        check("kappa", self.kappa);
        check("lambda", self.lambda);
        check("low", self.low);
        check("high", self.high);
        check("dof", self.dof);
        check("dim", self.dim);
        if let Some(probs) = self.probs {
            if probs.is_empty() {
                issues.push(("probs".to_owned(), "expected at least one class".to_owned()));
            }
            for (k, p) in probs.iter().enumerate() {
                issues.extend(p.validate(&format!("probs[{k}]")));
            }
        }
        if let Some(components) = self.components {
            if components.is_empty() {
                issues.push((
                    "components".to_owned(),
                    "expected at least one component".to_owned(),
                ));
            }
            for (k, c) in components.iter().enumerate() {
                issues.extend(c.weight.validate(&format!("components[{k}].weight")));
                issues.extend(c.mu.validate(&format!("components[{k}].mu")));
                issues.extend(c.sigma.validate(&format!("components[{k}].sigma")));
            }
        }
        if issues.is_empty() {
            // Constant parameters can be checked now; columns only when the stage runs.
            if let Ok(rows) = self.unchecked_rows(&Tables::new()) {
                for (i, d) in rows.iter().enumerate() {
                    if let Err((key, msg)) = d.check() {
                        let at = if rows.len() > 1 {
                            format!(" (entry {i})")
                        } else {
                            String::new()
                        };
                        issues.push((key.to_owned(), format!("{msg}{at}")));
                        break;
                    }
                }
            }
        }
        issues
    }

    /// Every column reference among the parameters.
    pub fn references(&self) -> Vec<&'a str> {
        let mut refs: Vec<&'a str> = [
            self.mu,
            self.sigma,
            self.kappa,
            self.lambda,
            self.low,
            self.high,
            self.dof,
            self.dim,
        ]
        .into_iter()
        .flatten()
        .filter_map(Param::reference)
        .collect();
        for p in self.probs.unwrap_or_default() {
            refs.extend(p.reference());
        }
        for c in self.components.unwrap_or_default() {
            refs.extend(
                [&c.weight, &c.mu, &c.sigma]
                    .into_iter()
                    .filter_map(Param::reference),
            );
        }
        refs
    }

    /// One distribution per row: parameters are resolved in `tables` and broadcast. Fails when
    /// parameters have different numbers of rows or a row's parameters are out of range.
    pub fn rows(&self, tables: &Tables) -> Result<Vec<Dist>> {
        let rows = self.unchecked_rows(tables)?;
        let n = rows.len();
        for (i, d) in rows.iter().enumerate() {
            d.check().map_err(|(_, msg)| {
                Error::Unsupported(if n > 1 {
                    format!("row {i}: {msg}")
                } else {
                    msg
                })
            })?;
        }
        Ok(rows)
    }

    fn unchecked_rows(&self, tables: &Tables) -> Result<Vec<Dist>> {
        let mut named: Vec<(String, Vec<f64>)> = Vec::new();
        let mut put = |name: String, p: Option<&Param>| -> Result<()> {
            if let Some(p) = p {
                named.push((name, p.resolve(tables)?));
            }
            Ok(())
        };
        put("mu".into(), self.mu)?;
        put("sigma".into(), self.sigma)?;
        put("kappa".into(), self.kappa)?;
        put("lambda".into(), self.lambda)?;
        put("low".into(), self.low)?;
        put("high".into(), self.high)?;
        put("dof".into(), self.dof)?;
        put("dim".into(), self.dim)?;
        for (k, p) in self.probs.unwrap_or_default().iter().enumerate() {
            put(format!("probs[{k}]"), Some(p))?;
        }
        for (k, c) in self.components.unwrap_or_default().iter().enumerate() {
            put(format!("components[{k}].weight"), Some(&c.weight))?;
            put(format!("components[{k}].mu"), Some(&c.mu))?;
            put(format!("components[{k}].sigma"), Some(&c.sigma))?;
        }
        let lens: Vec<(String, usize)> = named.iter().map(|(n, v)| (n.clone(), v.len())).collect();
        let n = columns::rows(&lens)?;
        let get = |name: &str, i: usize| -> f64 {
            let (_, v) = named
                .iter()
                .find(|(n, _)| n == name)
                .expect("parameter resolved above");
            columns::at(v, i)
        };
        let classes = self.probs.map_or(0, <[Param]>::len);
        let comps = self.components.map_or(0, <[ComponentSpec]>::len);
        Ok((0..n)
            .map(|i| match self.family {
                Family::Normal => Dist::Normal {
                    mu: get("mu", i),
                    sigma: get("sigma", i),
                },
                Family::VonMises => Dist::VonMises {
                    mu: get("mu", i),
                    kappa: get("kappa", i),
                },
                Family::Poisson => Dist::Poisson {
                    lambda: get("lambda", i),
                },
                Family::Bernoulli => Dist::Bernoulli {
                    lambda: get("lambda", i),
                },
                Family::Categorical => Dist::Categorical {
                    probs: (0..classes)
                        .map(|k| get(&format!("probs[{k}]"), i))
                        .collect(),
                    first: self.first.unwrap_or(1),
                },
                Family::GaussianMixture => Dist::Mixture {
                    components: (0..comps)
                        .map(|k| {
                            (
                                get(&format!("components[{k}].weight"), i),
                                get(&format!("components[{k}].mu"), i),
                                get(&format!("components[{k}].sigma"), i),
                            )
                        })
                        .collect(),
                },
                Family::Uniform => Dist::Uniform {
                    low: get("low", i),
                    high: get("high", i),
                },
                Family::Chi => Dist::Chi { dof: get("dof", i) },
                Family::Angle => Dist::Angle { dim: get("dim", i) },
            })
            .collect())
    }
}

/// One distribution with numeric parameters.
#[derive(Clone, Debug, PartialEq)]
pub enum Dist {
    /// Norm(μ, σ²).
    Normal {
        /// Mean.
        mu: f64,
        /// Standard deviation.
        sigma: f64,
    },
    /// Von Mises with mean direction μ and concentration κ.
    VonMises {
        /// Mean direction.
        mu: f64,
        /// Concentration.
        kappa: f64,
    },
    /// Poisson with rate λ.
    Poisson {
        /// Rate.
        lambda: f64,
    },
    /// Bernoulli with Pr(y = 1) = λ.
    Bernoulli {
        /// Probability of 1.
        lambda: f64,
    },
    /// Categorical on `first`, `first + 1`, ...
    Categorical {
        /// Probability of each class.
        probs: Vec<f64>,
        /// Number of the first class.
        first: i64,
    },
    /// Σ_k w_k Norm(μ_k, σ_k²), components as (w, μ, σ).
    Mixture {
        /// (weight, mean, standard deviation) per component.
        components: Vec<(f64, f64, f64)>,
    },
    /// Uniform on [low, high].
    Uniform {
        /// Lower end.
        low: f64,
        /// Upper end.
        high: f64,
    },
    /// Chi with k degrees of freedom.
    Chi {
        /// Degrees of freedom k > 0.
        dof: f64,
    },
    /// Angle between two independent standard normal vectors in D dimensions.
    Angle {
        /// Dimension D ≥ 2 (an integer).
        dim: f64,
    },
}

const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8; // ln √(2π)

fn normal_pdf(y: f64, mu: f64, sigma: f64) -> f64 {
    let z = (y - mu) / sigma;
    (-0.5 * z * z).exp() / (sigma * (2.0 * PI).sqrt())
}

fn normal_ln_pdf(y: f64, mu: f64, sigma: f64) -> f64 {
    let z = (y - mu) / sigma;
    -0.5 * z * z - sigma.ln() - LN_SQRT_2PI
}

/// The integer `y` is, if it is one (within 1e-9).
fn as_integer(y: f64) -> Option<i64> {
    let r = y.round();
    ((y - r).abs() <= 1e-9 && r.abs() < 9.0e15).then_some(r as i64)
}

impl Dist {
    /// Parameters out of range, as (spec key, message).
    pub fn check(&self) -> std::result::Result<(), (&'static str, String)> {
        let key = match self {
            Dist::Normal { .. } => "sigma",
            Dist::VonMises { .. } => "kappa",
            Dist::Poisson { .. } | Dist::Bernoulli { .. } => "lambda",
            Dist::Categorical { .. } => "probs",
            Dist::Mixture { .. } => "components",
            Dist::Uniform { .. } => "high",
            Dist::Chi { .. } => "dof",
            Dist::Angle { .. } => "dim",
        };
        self.check_message().map_err(|m| (key, m))
    }

    fn check_message(&self) -> std::result::Result<(), String> {
        let sum_is_one = |what: &str, values: &mut dyn Iterator<Item = f64>| {
            let s: f64 = values.sum();
            if (s - 1.0).abs() > SUM_TOLERANCE {
                Err(format!("the {what} must sum to 1, they sum to {s}"))
            } else {
                Ok(())
            }
        };
        match self {
            Dist::Normal { sigma, .. } if *sigma <= 0.0 => {
                Err(format!("sigma must be > 0, found {sigma}"))
            }
            Dist::VonMises { kappa, .. } if *kappa < 0.0 => {
                Err(format!("kappa must be >= 0, found {kappa}"))
            }
            Dist::Poisson { lambda } if *lambda <= 0.0 => {
                Err(format!("lambda must be > 0, found {lambda}"))
            }
            Dist::Bernoulli { lambda } if !(0.0..=1.0).contains(lambda) => {
                Err(format!("lambda must be in [0, 1], found {lambda}"))
            }
            Dist::Categorical { probs, .. } => {
                if let Some(p) = probs.iter().find(|p| **p < 0.0) {
                    return Err(format!("probabilities must be >= 0, found {p}"));
                }
                sum_is_one("probabilities", &mut probs.iter().copied())
            }
            Dist::Mixture { components } => {
                if let Some((w, _, _)) = components.iter().find(|(w, _, _)| *w < 0.0) {
                    return Err(format!("weights must be >= 0, found {w}"));
                }
                if let Some((_, _, s)) = components.iter().find(|(_, _, s)| *s <= 0.0) {
                    return Err(format!("sigma must be > 0, found {s}"));
                }
                sum_is_one("weights", &mut components.iter().map(|c| c.0))
            }
            Dist::Uniform { low, high } if low >= high => Err(format!(
                "low must be < high, found low = {low}, high = {high}"
            )),
            Dist::Chi { dof } if !(*dof > 0.0 && *dof <= MAX_DIM) => Err(format!(
                "dof must be > 0 and at most {MAX_DIM}, found {dof}"
            )),
            Dist::Angle { dim }
                if as_integer(*dim).is_none_or(|d| !(2..=MAX_DIM as i64).contains(&d)) =>
            {
                Err(format!(
                    "dim must be a whole number from 2 to {MAX_DIM}, found {dim}"
                ))
            }
            _ => Ok(()),
        }
    }

    /// Pr(y): the density of a continuous family, the mass of a discrete one (0 off its support).
    pub fn pdf(&self, y: f64) -> f64 {
        match self {
            Dist::Normal { mu, sigma } => normal_pdf(y, *mu, *sigma),
            Dist::VonMises { .. }
            | Dist::Poisson { .. }
            | Dist::Chi { .. }
            | Dist::Angle { .. } => self.ln_pdf(y).exp(),
            Dist::Bernoulli { lambda } => match as_integer(y) {
                Some(1) => *lambda,
                Some(0) => 1.0 - lambda,
                _ => 0.0,
            },
            Dist::Categorical { probs, first } => as_integer(y)
                .and_then(|k| usize::try_from(k - first).ok())
                .and_then(|k| probs.get(k).copied())
                .unwrap_or(0.0),
            Dist::Mixture { components } => components
                .iter()
                .map(|&(w, mu, sigma)| w * normal_pdf(y, mu, sigma))
                .sum(),
            Dist::Uniform { low, high } => {
                if (*low..=*high).contains(&y) {
                    1.0 / (high - low)
                } else {
                    0.0
                }
            }
        }
    }

    /// ln Pr(y), computed in log space where that avoids underflow (normal, von Mises, Poisson,
    /// the mixture by log-sum-exp); −∞ off the support.
    pub fn ln_pdf(&self, y: f64) -> f64 {
        match self {
            Dist::Normal { mu, sigma } => normal_ln_pdf(y, *mu, *sigma),
            Dist::VonMises { mu, kappa } => {
                kappa * (y - mu).cos() - (2.0 * PI).ln() - ln_bessel_i0(*kappa)
            }
            Dist::Poisson { lambda } => match as_integer(y) {
                Some(k) if k >= 0 => k as f64 * lambda.ln() - lambda - ln_factorial(k as u64),
                _ => f64::NEG_INFINITY,
            },
            Dist::Bernoulli { lambda } => match as_integer(y) {
                Some(1) => lambda.ln(),
                Some(0) => (-lambda).ln_1p(),
                _ => f64::NEG_INFINITY,
            },
            Dist::Mixture { components } => {
                let logs: Vec<f64> = components
                    .iter()
                    .filter(|(w, _, _)| *w > 0.0)
                    .map(|&(w, mu, sigma)| w.ln() + normal_ln_pdf(y, mu, sigma))
                    .collect();
                log_sum_exp(&logs)
            }
            Dist::Categorical { .. } | Dist::Uniform { .. } => self.pdf(y).ln(),
            Dist::Chi { dof } => chi_ln_pdf(y, *dof),
            Dist::Angle { dim } => angle_ln_pdf(y, *dim),
        }
    }

    /// The weighted densities w_k Norm(y; μ_k, σ_k) of a mixture's components (empty for other
    /// families).
    pub fn components(&self, y: f64) -> Vec<f64> {
        match self {
            Dist::Mixture { components } => components
                .iter()
                .map(|&(w, mu, sigma)| w * normal_pdf(y, mu, sigma))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The whole support of a finite discrete family: {0, 1} (Bernoulli), the K classes
    /// (categorical); `None` otherwise.
    pub fn finite_support(&self) -> Option<Vec<f64>> {
        match self {
            Dist::Bernoulli { .. } => Some(vec![0.0, 1.0]),
            Dist::Categorical { probs, first } => Some(
                (0..probs.len())
                    .map(|k| (first + k as i64) as f64)
                    .collect(),
            ),
            _ => None,
        }
    }

    /// One draw (see the module docs for the methods).
    pub fn sample(&self, rng: &mut RandomState) -> Result<f64> {
        Ok(match self {
            Dist::Normal { mu, sigma } => rng.normal(*mu, *sigma),
            Dist::Uniform { low, high } => rng.uniform(*low, *high),
            Dist::Bernoulli { lambda } => f64::from(u8::from(rng.random_sample() < *lambda)),
            Dist::Categorical { probs, first } => {
                (*first + inverse_cdf(probs.iter().copied(), rng.random_sample()) as i64) as f64
            }
            Dist::Mixture { components } => {
                let k = inverse_cdf(components.iter().map(|c| c.0), rng.random_sample());
                let (_, mu, sigma) = components[k];
                rng.normal(mu, sigma)
            }
            Dist::Poisson { lambda } => {
                if *lambda > 700.0 {
                    return Err(Error::Unsupported(format!(
                        "Poisson draws are made by inversion, which needs lambda <= 700, found {lambda}"
                    )));
                }
                let u = rng.random_sample();
                let (mut k, mut p) = (0u64, (-lambda).exp());
                let mut cdf = p;
                while u > cdf && p > 0.0 {
                    k += 1;
                    p *= lambda / k as f64;
                    cdf += p;
                }
                k as f64
            }
            Dist::VonMises { mu, kappa } => von_mises_draw(*mu, *kappa, rng),
            Dist::Chi { dof } => {
                // The norm of a vector of k standard normal draws: k must be whole.
                let k = whole_dof(*dof)?;
                (0..k)
                    .map(|_| rng.standard_normal().powi(2))
                    .sum::<f64>()
                    .sqrt()
            }
            Dist::Angle { dim } => {
                // Two standard normal vectors, drawn one after the other.
                let d = whole_dof(*dim)?;
                let a: Vec<f64> = (0..d).map(|_| rng.standard_normal()).collect();
                let b: Vec<f64> = (0..d).map(|_| rng.standard_normal()).collect();
                crate::highdim::angle_between(&a, &b)
            }
        })
    }
}

/// Largest `dof` of a chi distribution and `dim` of an angle distribution.
pub const MAX_DIM: f64 = 1.0e6;

fn whole_dof(k: f64) -> Result<usize> {
    match as_integer(k) {
        Some(k) if k >= 1 => Ok(k as usize),
        _ => Err(Error::Unsupported(format!(
            "draws are the norm of (or the angle between) vectors of standard normal draws, which needs a whole number of dimensions, found {k}"
        ))),
    }
}

/// ln of the chi density with k degrees of freedom at r:
/// (k − 1) ln r − r²/2 − (k/2 − 1) ln 2 − ln Γ(k/2); −∞ for r < 0 (and at r = 0 unless k ≤ 1).
pub fn chi_ln_pdf(r: f64, k: f64) -> f64 {
    if r < 0.0 || (r == 0.0 && k > 1.0) {
        return f64::NEG_INFINITY;
    }
    let log_r_term = if r == 0.0 && k == 1.0 {
        0.0
    } else {
        (k - 1.0) * r.ln()
    };
    log_r_term - 0.5 * r * r - (0.5 * k - 1.0) * std::f64::consts::LN_2 - ln_gamma(0.5 * k)
}

/// ln of the density of the angle θ ∈ [0, π] between two independent isotropic vectors in D
/// dimensions: (D − 2) ln sin θ + ln Γ(D/2) − ln √π − ln Γ((D − 1)/2). For D = 2 it is uniform,
/// 1/π; −∞ outside [0, π] (and at 0 and π for D > 2).
pub fn angle_ln_pdf(theta: f64, d: f64) -> f64 {
    if !(0.0..=PI).contains(&theta) {
        return f64::NEG_INFINITY;
    }
    let norm = ln_gamma(0.5 * d) - 0.5 * PI.ln() - ln_gamma(0.5 * (d - 1.0));
    if d == 2.0 {
        return norm;
    }
    let s = theta.sin();
    if s <= 0.0 {
        return f64::NEG_INFINITY;
    }
    (d - 2.0) * s.ln() + norm
}

/// ln Γ(x) for x > 0 (libm's `lgamma`).
pub fn ln_gamma(x: f64) -> f64 {
    libm::lgamma(x)
}

/// The index k with cdf_{k−1} ≤ u < cdf_k for weights summing to 1 (the last index if rounding
/// leaves u above the total).
fn inverse_cdf(weights: impl Iterator<Item = f64>, u: f64) -> usize {
    let mut cdf = 0.0;
    let mut last = 0;
    for (k, w) in weights.enumerate() {
        cdf += w;
        last = k;
        if u < cdf && w > 0.0 {
            return k;
        }
    }
    last
}

/// Best and Fisher's (1979) rejection sampler for the von Mises distribution, wrapped into (−π, π].
fn von_mises_draw(mu: f64, kappa: f64, rng: &mut RandomState) -> f64 {
    if kappa < 1e-8 {
        return wrap_angle(rng.uniform(-PI, PI));
    }
    let tau = 1.0 + (1.0 + 4.0 * kappa * kappa).sqrt();
    let rho = (tau - (2.0 * tau).sqrt()) / (2.0 * kappa);
    let r = (1.0 + rho * rho) / (2.0 * rho);
    loop {
        let u1 = rng.random_sample();
        let u2 = rng.random_sample();
        let u3 = rng.random_sample();
        let z = (PI * u1).cos();
        let f = (1.0 + r * z) / (r + z);
        let c = kappa * (r - f);
        if c * (2.0 - c) - u2 > 0.0 || (c / u2).ln() + 1.0 - c >= 0.0 {
            let theta = f.clamp(-1.0, 1.0).acos();
            let theta = if u3 > 0.5 { theta } else { -theta };
            return wrap_angle(mu + theta);
        }
    }
}

/// `a` moved by a multiple of 2π into (−π, π].
pub fn wrap_angle(a: f64) -> f64 {
    let w = (a + PI).rem_euclid(2.0 * PI) - PI;
    if w <= -PI { w + 2.0 * PI } else { w }
}

fn log_sum_exp(logs: &[f64]) -> f64 {
    let m = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + logs.iter().map(|l| (l - m).exp()).sum::<f64>().ln()
}

/// I₀(x), the modified Bessel function of the first kind of order 0, from its power series
/// I₀(x) = Σ_k ((x/2)^k / k!)² (all terms positive, so the sum is accurate to a few ulps).
/// Overflows to ∞ above x ≈ 713; use [`ln_bessel_i0`] there.
pub fn bessel_i0(x: f64) -> f64 {
    let q = 0.25 * x * x;
    let (mut term, mut sum) = (1.0f64, 1.0f64);
    let mut k = 0.0;
    while term > sum * 1e-17 {
        k += 1.0;
        term *= q / (k * k);
        sum += term;
    }
    sum
}

/// ln I₀(|x|): the series of [`bessel_i0`] up to |x| = 700, above that the asymptotic expansion
/// I₀(x) ≈ e^x / √(2πx) · (1 + 1/(8x) + 9/(2(8x)²) + 225/(6(8x)³) + 11025/(24(8x)⁴)), whose
/// relative error there is below 1e-15.
pub fn ln_bessel_i0(x: f64) -> f64 {
    let x = x.abs();
    if x <= 700.0 {
        return bessel_i0(x).ln();
    }
    let t = 1.0 / (8.0 * x);
    let series = 1.0 + t * (1.0 + t * (4.5 + t * (37.5 + t * 459.375)));
    x - 0.5 * (2.0 * PI * x).ln() + series.ln()
}

/// ln k!: summed exactly below 256, Stirling's series above (relative error below 1e-16).
pub fn ln_factorial(k: u64) -> f64 {
    if k < 256 {
        return (2..=k).map(|i| (i as f64).ln()).sum();
    }
    let n = k as f64;
    let inv = 1.0 / n;
    n * n.ln() - n + 0.5 * (2.0 * PI * n).ln() + inv / 12.0 - inv.powi(3) / 360.0
        + inv.powi(5) / 1260.0
}

/// `kind = "distribution"`: Pr(y) of one or several distributions on a grid, or of one
/// distribution per row at given points (see [`distribution`]).
///
/// ```toml
/// [analysis.normals]
/// kind = "distribution"
/// family = "normal"
/// mu = [-1.9, -0.5, 1.3]           # three curves: p.0, p.1, p.2
/// sigma = [0.3, 1.2, 0.6]
/// x = { start = -5.0, stop = 5.0, num = 501 }
/// ```
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct DistributionSpec {
    /// The family.
    pub family: Family,
    /// μ: normal mean, von Mises mean direction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mu: Option<Param>,
    /// σ > 0: normal standard deviation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sigma: Option<Param>,
    /// κ ≥ 0: von Mises concentration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kappa: Option<Param>,
    /// λ: Poisson rate (> 0) or Bernoulli Pr(y = 1) (in [0, 1]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lambda: Option<Param>,
    /// λ_1..λ_K: categorical class probabilities, summing to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probs: Option<Vec<Param>>,
    /// Number of the first categorical class (default 1, as the book's y ∈ {1, ..., K}).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first: Option<i64>,
    /// The components of a Gaussian mixture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub components: Option<Vec<ComponentSpec>>,
    /// Uniform lower end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low: Option<Param>,
    /// Uniform upper end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high: Option<Param>,
    /// k > 0: chi degrees of freedom.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dof: Option<Param>,
    /// D ≥ 2: dimension of the vectors of an `angle` distribution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dim: Option<Param>,
    /// Evaluate every distribution on this grid (integers only for discrete families; Bernoulli
    /// and categorical default to their whole support).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<GridSpec>,
    /// Evaluate distribution i at value i of this column (`"SECTION.COLUMN"`), e.g. the training
    /// targets: the per-point likelihoods and the negative log-likelihood.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// Also write ln Pr(y) (`log-p`), and with `at` the negative log-likelihood `nll`.
    #[serde(default)]
    pub log: bool,
}

impl DistributionSpec {
    /// The family and its parameters.
    pub fn params(&self) -> FamilyParams<'_> {
        FamilyParams {
            family: self.family,
            mu: self.mu.as_ref(),
            sigma: self.sigma.as_ref(),
            kappa: self.kappa.as_ref(),
            lambda: self.lambda.as_ref(),
            probs: self.probs.as_deref(),
            first: self.first,
            components: self.components.as_deref(),
            low: self.low.as_ref(),
            high: self.high.as_ref(),
            dof: self.dof.as_ref(),
            dim: self.dim.as_ref(),
        }
    }

    /// Impossible values, as `(field, message)`.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut issues = self.params().validate();
        if let Some(x) = &self.x {
            issues.extend(data::nest_issues("x", x.validate()));
            let non_integer = (self.family.is_discrete() && issues.is_empty())
                .then(|| x.points().into_iter().find(|p| as_integer(*p).is_none()))
                .flatten();
            if let Some(p) = non_integer {
                issues.push((
                    "x".to_owned(),
                    format!("a {} distribution lives on integers, but the grid has {p}; use a grid of whole numbers, e.g. {{ start = 0, stop = 15, num = 16 }}", self.family.name()),
                ));
            }
        }
        if let Some(at) = &self.at {
            issues.extend(columns::check_reference("at", at));
            if self.x.is_some() {
                issues.push((
                    "at".to_owned(),
                    "give either `x` (a grid) or `at` (a column), not both".to_owned(),
                ));
            }
        } else if self.x.is_none()
            && matches!(
                self.family,
                Family::Normal
                    | Family::VonMises
                    | Family::GaussianMixture
                    | Family::Uniform
                    | Family::Poisson
                    | Family::Chi
                    | Family::Angle
            )
        {
            issues.push((
                "x".to_owned(),
                format!(
                    "the {} distribution needs `x` (a grid) or `at` (a column) to be evaluated on",
                    self.family.name()
                ),
            ));
        }
        issues
    }

    /// Column references, for the stage graph.
    pub fn references(&self) -> Vec<&str> {
        let mut refs = self.params().references();
        refs.extend(self.at.as_deref());
        refs
    }
}

/// Evaluates the distributions of `spec`, reading column parameters from `tables`.
///
/// On a grid (`x`, or the whole support of a Bernoulli or categorical distribution): column `x`,
/// and for each distribution i (row i of the parameters) `p.{i}` = Pr(x), `log-p.{i}` with
/// `log = true`, and for a mixture the weighted components `component.{k}.{i}`. With exactly one
/// distribution the same columns also appear without the `.{i}`: `p`, `log-p`, `component.{k}`.
///
/// At a column (`at`): `x` (the column's values), `p` = Pr_i(x_i); with `log = true` also
/// `log-p` and `nll` = −Σ_i ln Pr_i(x_i) (one value), which must be finite.
pub fn distribution(spec: &DistributionSpec, tables: &Tables) -> Result<Table> {
    let issues = spec.validate();
    if !issues.is_empty() {
        return Err(Error::InvalidSpec(issues));
    }
    let rows = spec.params().rows(tables)?;
    let mut table = Table::new();
    if let Some(at) = &spec.at {
        let ys = columns::lookup(tables, at)?;
        let n = columns::rows(&[
            ("the parameters".to_owned(), rows.len()),
            (at.clone(), ys.len()),
        ])?;
        let dist = |i: usize| if rows.len() == 1 { &rows[0] } else { &rows[i] };
        let ys: Vec<f64> = (0..n).map(|i| columns::at(ys, i)).collect();
        table.insert("p", (0..n).map(|i| dist(i).pdf(ys[i])).collect());
        if spec.log {
            let logs: Vec<f64> = (0..n).map(|i| dist(i).ln_pdf(ys[i])).collect();
            if let Some(i) = logs.iter().position(|l| !l.is_finite()) {
                return Err(Error::Unsupported(format!(
                    "value {i} of `{at}` ({}) has probability 0, so its log-probability is -inf",
                    ys[i]
                )));
            }
            table.insert("nll", vec![-logs.iter().sum::<f64>()]);
            table.insert("log-p", logs);
        }
        table.insert("x", ys);
        return Ok(table);
    }
    let xs = match (&spec.x, rows[0].finite_support()) {
        (Some(grid), _) => grid.points(),
        (None, Some(support)) => {
            if rows
                .iter()
                .any(|d| d.finite_support().map(|s| s.len()) != Some(support.len()))
            {
                return Err(Error::Unsupported(
                    "the distributions have supports of different sizes".into(),
                ));
            }
            support
        }
        (None, None) => {
            unreachable!("validate demands a grid for families without a finite support")
        }
    };
    let single = rows.len() == 1;
    for (i, d) in rows.iter().enumerate() {
        let mut put = |name: &str, values: Vec<f64>| {
            if single {
                table.insert(name, values.clone());
            }
            table.insert(format!("{name}.{i}"), values);
        };
        put("p", xs.iter().map(|&x| d.pdf(x)).collect());
        if spec.log {
            let logs: Vec<f64> = xs.iter().map(|&x| d.ln_pdf(x)).collect();
            if let Some(j) = logs.iter().position(|l| !l.is_finite()) {
                return Err(Error::Unsupported(format!(
                    "Pr(x = {}) is 0 for distribution {i}, so `log-p` would hold -inf; leave out `log` or choose a grid inside the support",
                    xs[j]
                )));
            }
            put("log-p", logs);
        }
        if let Dist::Mixture { components } = d {
            for k in 0..components.len() {
                put(
                    &format!("component.{k}"),
                    xs.iter().map(|&x| d.components(x)[k]).collect(),
                );
            }
        }
    }
    table.insert("x", xs);
    Ok(table)
}

/// `kind = "sample"`: seeded draws from a distribution (see [`sample`]).
///
/// ```toml
/// [analysis.draws]
/// kind = "sample"
/// family = "normal"
/// mu = "pred.y"        # one draw per row of pred.y
/// sigma = 0.2
/// seed = 7
/// ```
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SampleSpec {
    /// The family.
    pub family: Family,
    /// μ: normal mean, von Mises mean direction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mu: Option<Param>,
    /// σ > 0: normal standard deviation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sigma: Option<Param>,
    /// κ ≥ 0: von Mises concentration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kappa: Option<Param>,
    /// λ: Poisson rate or Bernoulli Pr(y = 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lambda: Option<Param>,
    /// Categorical class probabilities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probs: Option<Vec<Param>>,
    /// Number of the first categorical class (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first: Option<i64>,
    /// The components of a Gaussian mixture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub components: Option<Vec<ComponentSpec>>,
    /// Uniform lower end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low: Option<Param>,
    /// Uniform upper end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high: Option<Param>,
    /// k > 0: chi degrees of freedom.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dof: Option<Param>,
    /// D ≥ 2: dimension of the vectors of an `angle` distribution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dim: Option<Param>,
    /// Seed of the generator (NumPy's `np.random.seed`).
    pub seed: u32,
    /// Number of draws when every parameter is a single value; with parameters per row there is
    /// one draw per row and `n` must be left out (or equal the number of rows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<usize>,
    /// Sort the draws in increasing order (default false: in the order drawn).
    #[serde(default)]
    pub sort: bool,
}

impl SampleSpec {
    /// The family and its parameters.
    pub fn params(&self) -> FamilyParams<'_> {
        FamilyParams {
            family: self.family,
            mu: self.mu.as_ref(),
            sigma: self.sigma.as_ref(),
            kappa: self.kappa.as_ref(),
            lambda: self.lambda.as_ref(),
            probs: self.probs.as_deref(),
            first: self.first,
            components: self.components.as_deref(),
            low: self.low.as_ref(),
            high: self.high.as_ref(),
            dof: self.dof.as_ref(),
            dim: self.dim.as_ref(),
        }
    }

    /// Impossible values, as `(field, message)`.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut issues = self.params().validate();
        match self.n {
            Some(0) => issues.push(("n".to_owned(), "expected at least one draw".to_owned())),
            Some(n) if n > MAX_DRAWS => issues.push((
                "n".to_owned(),
                format!("expected at most {MAX_DRAWS} draws, found {n}"),
            )),
            _ => {}
        }
        issues
    }

    /// Column references, for the stage graph.
    pub fn references(&self) -> Vec<&str> {
        self.params().references()
    }
}

/// Draws from the distribution of `spec`: column `value` holds the draws, `index` their numbers
/// 0, 1, ... With constant parameters there are `n` draws; with parameters per row one draw per
/// row, in row order (so `value` lines up with the column the parameters came from).
pub fn sample(spec: &SampleSpec, tables: &Tables) -> Result<Table> {
    let issues = spec.validate();
    if !issues.is_empty() {
        return Err(Error::InvalidSpec(issues));
    }
    let rows = spec.params().rows(tables)?;
    let n = match (rows.len(), spec.n) {
        (1, Some(n)) => n,
        (1, None) if spec.params().references().is_empty() => {
            return Err(Error::Unsupported(
                "every parameter is a single value: say how many draws with `n`".into(),
            ));
        }
        (r, None) => r,
        (r, Some(n)) if n == r => r,
        (r, Some(n)) => {
            return Err(Error::Unsupported(format!(
                "the parameters have {r} rows, one draw each, but n = {n}; leave out `n`"
            )));
        }
    };
    let mut rng = RandomState::new(spec.seed);
    let mut values = Vec::with_capacity(n);
    for i in 0..n {
        let d = if rows.len() == 1 { &rows[0] } else { &rows[i] };
        values.push(d.sample(&mut rng)?);
    }
    if spec.sort {
        values.sort_by(f64::total_cmp);
    }
    let mut table = Table::new();
    table.insert("index", (0..n).map(|i| i as f64).collect());
    table.insert("value", values);
    Ok(table)
}
