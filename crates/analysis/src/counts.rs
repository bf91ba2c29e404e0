//! Maximum numbers of linear regions and parameter counts of ReLU networks, in closed form
//! (UDL section 3.3 and fig. 3.9; section 4.5.2, eq. 4.17 and fig. 4.7).
//!
//! For D_i inputs, K hidden layers of D units each and one output:
//!
//! ```text
//! shallow (K = 1, Zaslavsky 1975)   N = Σ_{j=0}^{D_i} C(D, j)          (= 2^D when D ≤ D_i)
//! deep (UDL eq. 4.17, Montúfar       N = (D/D_i + 1)^{D_i(K−1)} · Σ_{j=0}^{D_i} C(D, j)
//!   et al. 2014)
//! parameters                        P = (D_i + 1)·D + (K − 1)·(D + 1)·D + D + 1
//!                                     (= D_i·D + 2D + 1 for K = 1)
//! ```
//!
//! The book states eq. 4.17 for D an integer multiple of D_i (every point of fig. 4.7b is); for
//! other D this module uses the integer quotient ⌊D/D_i⌋, as in Montúfar et al.'s bound. With
//! K = 1 the deep formula is the shallow one.
//!
//! Counts reach about 10^150 in the book's figures, so they are exact [`BigUint`]s; the
//! `log10_*` functions compute the same numbers' logarithms in floating point without big
//! integers, for plotting on a log axis at any size.

use crate::{Error, Result};
use data::Table;
use serde::{Deserialize, Serialize};

pub use num_bigint::BigUint;

/// Σ_{j=0}^{min(D_i, D)} C(D, j): the number of regions D hyperplanes in general position cut
/// R^{D_i} into (Zaslavsky), and the number of regions of one hidden layer of D ReLU units.
pub fn binomial_sum(d: u64, di: u64) -> BigUint {
    if d <= di {
        return BigUint::from(1u8) << d;
    }
    let mut term = BigUint::from(1u8); // C(d, 0)
    let mut sum = term.clone();
    for j in 1..=di {
        // C(d, j) = C(d, j − 1)·(d − j + 1)/j, exact at every step.
        term = term * (d - j + 1) / j;
        sum += &term;
    }
    sum
}

/// Maximum number of linear regions of a shallow ReLU network with `di` inputs and `d` hidden
/// units (UDL section 3.3, fig. 3.9): Σ_{j=0}^{D_i} C(D, j), which is 2^D when D ≤ D_i.
pub fn shallow_max_regions(di: u64, d: u64) -> BigUint {
    binomial_sum(d, di)
}

/// Maximum number of linear regions of a deep ReLU network with `di` inputs and `k` hidden
/// layers of `d` units (UDL eq. 4.17): (⌊D/D_i⌋ + 1)^{D_i(K−1)} · Σ_{j=0}^{D_i} C(D, j).
///
/// K = 1 gives [`shallow_max_regions`]. Degenerate networks give 1 (a single linear region):
/// no hidden layer (K = 0) or no input (D_i = 0).
///
/// # Panics
///
/// If D_i·(K − 1) exceeds `u32::MAX` (the count would have billions of digits; use
/// [`log10_deep_max_regions`]).
pub fn deep_max_regions(di: u64, d: u64, k: u64) -> BigUint {
    if k == 0 || di == 0 {
        return BigUint::from(1u8);
    }
    let base = BigUint::from(d / di + 1);
    let exponent = u32::try_from(di.saturating_mul(k - 1))
        .expect("D_i·(K − 1) fits in u32 (a larger power has billions of digits)");
    base.pow(exponent) * binomial_sum(d, di)
}

/// log10 of [`binomial_sum`]`(d, di)`, summed in log space (no big integers), accurate to about
/// 1e-12 relative.
pub fn log10_binomial_sum(d: u64, di: u64) -> f64 {
    if d <= di {
        return d as f64 * std::f64::consts::LOG10_2;
    }
    // ln C(d, j) by the same recurrence as `binomial_sum`, then log-sum-exp.
    let mut logs = Vec::with_capacity(di as usize + 1);
    let mut log_term = 0.0;
    logs.push(log_term);
    for j in 1..=di {
        log_term += ((d - j + 1) as f64).ln() - (j as f64).ln();
        logs.push(log_term);
    }
    let max = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let sum: f64 = logs.iter().map(|l| (l - max).exp()).sum();
    (max + sum.ln()) / std::f64::consts::LN_10
}

/// log10 of [`shallow_max_regions`], without big integers.
pub fn log10_shallow_max_regions(di: u64, d: u64) -> f64 {
    log10_binomial_sum(d, di)
}

/// log10 of [`deep_max_regions`], without big integers.
pub fn log10_deep_max_regions(di: u64, d: u64, k: u64) -> f64 {
    if k == 0 || di == 0 {
        return 0.0;
    }
    di as f64 * (k - 1) as f64 * ((d / di + 1) as f64).log10() + log10_binomial_sum(d, di)
}

/// log10 of a big integer (−∞ for 0), to about 1e-15 relative.
pub fn log10(n: &BigUint) -> f64 {
    let bits = n.bits();
    let shift = bits.saturating_sub(64);
    let top = (n >> shift).iter_u64_digits().next().unwrap_or(0);
    (top as f64).log10() + shift as f64 * std::f64::consts::LOG10_2
}

/// A big integer as the nearest `f64` below `f64::MAX` (exact up to 2^53; saturates at
/// `f64::MAX` ≈ 1.8·10^308).
pub fn to_f64(n: &BigUint) -> f64 {
    let bits = n.bits();
    if bits > 1024 {
        return f64::MAX;
    }
    let shift = bits.saturating_sub(64);
    let top = (n >> shift).iter_u64_digits().next().unwrap_or(0);
    let value = top as f64 * 2f64.powi(shift as i32);
    if value.is_finite() { value } else { f64::MAX }
}

/// Number of parameters of a shallow network with `di` inputs, `d` hidden units and one output
/// (UDL fig. 3.9b): D_i·D + 2D + 1.
pub fn shallow_params(di: u64, d: u64) -> u64 {
    deep_params(di, d, 1)
}

/// Number of parameters of a deep network with `di` inputs, `k` hidden layers of `d` units and
/// one output (UDL fig. 4.7): (D_i + 1)·D + (K − 1)·(D + 1)·D + D + 1 (D_i + 1 for K = 0).
/// Saturates at `u64::MAX`.
pub fn deep_params(di: u64, d: u64, k: u64) -> u64 {
    if k == 0 {
        return params(di, &[], 1);
    }
    let first = di.saturating_add(1).saturating_mul(d);
    let middle = (k - 1).saturating_mul(d.saturating_add(1).saturating_mul(d));
    first
        .saturating_add(middle)
        .saturating_add(d.saturating_add(1))
}

/// Number of parameters (weights and biases) of a network with `di` inputs, hidden layers of
/// the given widths, and `outputs` outputs: Σ over layers of (inputs + 1)·units (UDL eq. 4.15).
/// Saturates at `u64::MAX`.
pub fn params(di: u64, widths: &[u64], outputs: u64) -> u64 {
    let mut total = 0u64;
    let mut inputs = di;
    for &units in widths.iter().chain([&outputs]) {
        total = total.saturating_add((inputs.saturating_add(1)).saturating_mul(units));
        inputs = units;
    }
    total
}

/// Upper bound on [`RegionCountsSpec::inputs`].
pub const MAX_INPUTS: u64 = 10_000;
/// Upper bound on [`RegionCountsSpec::layers`].
pub const MAX_LAYERS: u64 = 1_000;
/// Upper bound on the largest width of [`RegionCountsSpec::hidden`].
pub const MAX_WIDTH: u64 = 1_000_000;
/// Upper bound on the number of widths of [`RegionCountsSpec::hidden`].
pub const MAX_WIDTHS: u64 = 10_000;

/// `kind = "region-counts"`: maximum numbers of linear regions and parameter counts over a sweep
/// of the width D (see [`region_counts`]), one curve of UDL fig. 3.9 or 4.7.
///
/// ```toml
/// [analysis.deep5]
/// kind = "region-counts"
/// inputs = 10                                    # D_i
/// layers = 5                                     # K; 1 = shallow network
/// hidden = { start = 10, stop = 500, step = 10 } # D = 10, 20, …, 500
/// ```
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RegionCountsSpec {
    /// D_i, the number of inputs (1 to [`MAX_INPUTS`]).
    pub inputs: u64,
    /// K, the number of hidden layers (1 to [`MAX_LAYERS`]); 1 is a shallow network.
    pub layers: u64,
    /// The widths D to tabulate.
    pub hidden: WidthRange,
}

/// The widths `start, start + step, …` up to and including `stop`.
///
/// TOML: `hidden = { start = 0, stop = 999 }` (step defaults to 1).
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct WidthRange {
    /// The first width.
    pub start: u64,
    /// The last width (included when `start + n·step` reaches it), at least `start`.
    pub stop: u64,
    /// Distance between widths, at least 1 (default 1).
    #[serde(default = "default_step")]
    pub step: u64,
}

fn default_step() -> u64 {
    1
}

impl WidthRange {
    /// The widths, ascending.
    pub fn values(&self) -> Vec<u64> {
        (self.start..=self.stop)
            .step_by(self.step.max(1) as usize)
            .collect()
    }
}

impl RegionCountsSpec {
    /// Impossible values, as `(field path, message)` pairs.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut issues = Vec::new();
        let mut range = |field: &str, value: u64, min: u64, max: u64| {
            if value < min || value > max {
                issues.push((
                    field.to_owned(),
                    format!("expected {min} to {max}, found {value}"),
                ));
            }
        };
        range("inputs", self.inputs, 1, MAX_INPUTS);
        range("layers", self.layers, 1, MAX_LAYERS);
        range("hidden.stop", self.hidden.stop, 0, MAX_WIDTH);
        range("hidden.step", self.hidden.step, 1, MAX_WIDTH);
        if self.hidden.start > self.hidden.stop {
            issues.push((
                "hidden.stop".to_owned(),
                format!(
                    "expected stop ≥ start, found start = {}, stop = {}",
                    self.hidden.start, self.hidden.stop
                ),
            ));
        } else if self.hidden.step > 0
            && (self.hidden.stop - self.hidden.start) / self.hidden.step >= MAX_WIDTHS
        {
            issues.push((
                "hidden".to_owned(),
                format!("expected at most {MAX_WIDTHS} widths; raise `step` or narrow the range"),
            ));
        }
        issues
    }

    /// Names of other sections this spec refers to: none.
    pub fn references(&self) -> Vec<(&'static str, &str)> {
        Vec::new()
    }
}

/// One row per width D of `spec.hidden`: columns `hidden` (D), `params` (the parameter count),
/// `regions` (the maximum number of linear regions, exact up to 2^53 and saturating at
/// `f64::MAX`) and `log10-regions` (its log10, finite at any size); for `layers = 1` the shallow
/// count of UDL fig. 3.9, otherwise UDL eq. 4.17 as in fig. 4.7.
pub fn region_counts(spec: &RegionCountsSpec) -> Result<Table> {
    let issues = spec.validate();
    if !issues.is_empty() {
        return Err(Error::InvalidSpec(issues));
    }
    let (di, k) = (spec.inputs, spec.layers);
    let widths = spec.hidden.values();
    let mut table = Table::new();
    let log10s: Vec<f64> = widths
        .iter()
        .map(|&d| log10_deep_max_regions(di, d, k))
        .collect();
    let regions = widths
        .iter()
        .zip(&log10s)
        .map(|(&d, &l)| {
            // Exact while the value fits in an f64 (and so its big integer is small).
            if l < 308.0 {
                to_f64(&deep_max_regions(di, d, k))
            } else {
                f64::MAX
            }
        })
        .collect();
    table.insert(
        "params",
        widths
            .iter()
            .map(|&d| deep_params(di, d, k) as f64)
            .collect(),
    );
    table.insert("hidden", widths.iter().map(|&d| d as f64).collect());
    table.insert("regions", regions);
    table.insert("log10-regions", log10s);
    Ok(table)
}

#[cfg(test)]
mod tests;
