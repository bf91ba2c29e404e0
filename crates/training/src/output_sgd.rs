//! `kind = "output-sgd"`: stochastic gradient descent on the output layer of a network whose
//! hidden layer is fixed (a `relu-basis` or hand-set `shallow` model with one input and one
//! output), with the regularisers of UDL section 9.3: early stopping (snapshots of the fit as
//! training proceeds, fig. 9.6), dropout of hidden units (section 9.3.3, fig. 9.9) and noise
//! added to the inputs (section 9.3.4, fig. 9.10).
//!
//! The model is `f[x] = φ_0 + Σ_d φ_d·h_d[x]` with fixed hidden units `h_d` (UDL eq. 3.1, the
//! "simplified" network of fig. 8.4). Each step draws a batch `B` (epoch-wise seeded shuffles,
//! [`crate::rng::BatchSampler`]) and takes
//! `φ ← φ − α·∂/∂φ [(1/|B|)·Σ_{i∈B} (f̃[x_i + ε_i] − y_i)²]`, the mean over the batch (with the
//! sum a learning rate of 0.05 would diverge on 14 units), where
//! - `ε_i ~ N(0, σ_x²)` is fresh input noise for every item of every step (`input-noise = σ_x`;
//!   0 for none), and
//! - `f̃` drops each hidden unit independently with probability `p` (`dropout = p`), fresh for
//!   every item of every step, and scales the kept ones by `1/(1 − p)` (inverted dropout), so
//!   that the trained network is used as it is, without rescaling (the weight-scaling rule of
//!   section 9.3.3 applied during training instead of at test time). With `dropout-units`
//!   only the listed units are ever dropped (and rescaled); the others are always kept, as in
//!   fig. 9.9c, where the book drops only the units that make a kink.
//!
//! The result is a table: for each snapshot k (the parameters after `snapshots[k]` steps),
//! `step`, `loss` = `Σ_i (f[x_i] − y_i)²` over the whole data set (no noise, no dropout; also
//! as the one-value column `loss.{k}`, for printing), and the fitted function `y.{k}` on the
//! grid `x`; also `final-loss`. Snapshot 0 may be step 0,
//! the initial parameters, which are either the model's own output layer (e.g. a least-squares
//! fit, to continue training it) or, with `init`, drawn from `N(0, std²)`.
//!
//! With `off = [d, ...]` each snapshot is also evaluated with those hidden units turned off
//! (their weights `φ_d` set to 0, nothing rescaled): `off.{k}` on the grid and `off-loss`, so a
//! figure can show how much the fit depends on them (fig. 9.9b: a kink made by the fine
//! cancellation of neighbouring units changes a lot when one of them is removed; after
//! dropout training it does not).

use data::{Dataset, GridSpec, Table};
use models::Model;
use models::net::Rng;
use serde::{Deserialize, Serialize};

use crate::optim::BatchSpec;
use crate::rng::BatchSampler;
use crate::{Error, Result};

/// Random initial output parameters: bias and weights drawn from `N(0, std²)`.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct OutputInitSpec {
    /// Seed of the draws.
    pub seed: u64,
    /// Standard deviation `> 0`.
    pub std: f64,
}

/// `kind = "output-sgd"` (see the module documentation).
///
/// ```toml
/// [train.early]
/// kind = "output-sgd"
/// model = "basis14"                  # a relu-basis or shallow model, or a fit of one
/// data = "toy"
/// init = { seed = 1, std = 1.0 }     # absent: start from the model's own output layer
/// learning-rate = 0.05
/// batch = { size = 5, seed = 2 }
/// snapshots = [0, 1000, 5000]        # ascending; the last is the number of steps
/// x = { start = 0.0, stop = 1.0, num = 201 }
/// ```
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct OutputSgdSpec {
    /// The `[model.*]` (or fitted `[train.*]`) section whose output layer is trained.
    pub model: String,
    /// The `[data.*]` section to fit.
    pub data: String,
    /// Random initial output parameters; absent: the model's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init: Option<OutputInitSpec>,
    /// Step size `α > 0`.
    pub learning_rate: f64,
    /// Batch size and the seed of the batches, the noise and the dropout masks.
    pub batch: BatchSpec,
    /// Steps after which the parameters are recorded, ascending; the last is the run's length.
    pub snapshots: Vec<usize>,
    /// Standard deviation `σ_x ≥ 0` of the noise added to the inputs at every step.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub input_noise: f64,
    /// Probability `p ∈ [0, 1)` that a hidden unit is dropped, per item and step.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub dropout: f64,
    /// Hidden units (from 0) that dropout may drop; empty: all of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dropout_units: Vec<usize>,
    /// Hidden units (from 0) turned off in the extra evaluation of each snapshot (`off.{k}`,
    /// `off-loss`); empty: no such evaluation. Training is not affected.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub off: Vec<usize>,
    /// Where the snapshots' fitted functions are evaluated.
    pub x: GridSpec,
}

fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

impl OutputSgdSpec {
    /// The first unit of `dropout-units` or `off` that a model with `units` hidden units does
    /// not have, with its field.
    fn unit_out_of_range(&self, units: usize) -> Option<(&'static str, usize)> {
        let first = |list: &[usize]| list.iter().copied().find(|&d| d >= units);
        first(&self.dropout_units)
            .map(|d| ("dropout-units", d))
            .or_else(|| first(&self.off).map(|d| ("off", d)))
    }
}

/// Added to the batch seed to seed the stream of input noise and dropout masks (so it differs
/// from the batch shuffles' stream).
const NOISE_STREAM: u64 = 0x6E6F_6973_6521;

/// Longest run, in steps.
pub const MAX_OUTPUT_SGD_STEPS: usize = 10_000_000;

impl OutputSgdSpec {
    /// Impossible values, as (field path, message).
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut issues = data::nest_issues("x", self.x.validate());
        let mut bad = |field: &str, msg: String| issues.push((field.to_owned(), msg));
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            bad(
                "learning-rate",
                format!("expected a positive number, found {}", self.learning_rate),
            );
        }
        if self.batch.size == 0 {
            bad(
                "batch.size",
                "expected at least 1 item per batch, found 0".into(),
            );
        }
        if self.snapshots.is_empty() || self.snapshots.windows(2).any(|w| w[0] >= w[1]) {
            bad(
                "snapshots",
                format!(
                    "expected strictly increasing step counts, found {:?}",
                    self.snapshots
                ),
            );
        }
        if self
            .snapshots
            .last()
            .is_some_and(|&s| s > MAX_OUTPUT_SGD_STEPS)
        {
            bad(
                "snapshots",
                format!("expected at most {MAX_OUTPUT_SGD_STEPS} steps"),
            );
        }
        if !(self.input_noise.is_finite() && self.input_noise >= 0.0) {
            bad(
                "input-noise",
                format!("expected a finite number >= 0, found {}", self.input_noise),
            );
        }
        if !(0.0..1.0).contains(&self.dropout) {
            bad(
                "dropout",
                format!("expected a probability in [0, 1), found {}", self.dropout),
            );
        }
        for (field, list) in [("dropout-units", &self.dropout_units), ("off", &self.off)] {
            if list.windows(2).any(|w| w[0] >= w[1]) {
                bad(
                    field,
                    format!("expected strictly increasing unit indices, found {list:?}"),
                );
            }
        }
        if let Some(init) = &self.init
            && !(init.std.is_finite() && init.std > 0.0)
        {
            bad(
                "init.std",
                format!("expected a positive number, found {}", init.std),
            );
        }
        issues
    }
}

/// Runs an `output-sgd` spec on a model and a data set.
pub fn output_sgd(spec: &OutputSgdSpec, model: &Model, data: &Dataset) -> Result<Table> {
    let issues = spec.validate();
    if !issues.is_empty() {
        let msg = issues
            .iter()
            .map(|(f, m)| format!("{f}: {m}"))
            .collect::<Vec<_>>()
            .join("; ");
        return Err(Error::InvalidData(msg));
    }
    let Model::Shallow(net) = model else {
        return Err(Error::UnsupportedModel {
            procedure: "output-sgd",
            needs: "a shallow or relu-basis model (it trains the output layer)",
            found: "another kind of model".to_owned(),
        });
    };
    if net.input_dim() != 1 || net.output_dim() != 1 {
        return Err(Error::UnsupportedModel {
            procedure: "output-sgd",
            needs: "a model with one input and one output",
            found: format!("{} inputs, {} outputs", net.input_dim(), net.output_dim()),
        });
    }
    let n = data.len();
    if n == 0 || data.x.len() != data.y.len() {
        return Err(Error::InvalidData("output-sgd needs data points".into()));
    }
    if spec.batch.size > n {
        return Err(Error::InvalidData(format!(
            "batch size {} exceeds the {n} data points",
            spec.batch.size
        )));
    }
    let units = net.hidden_units();
    if let Some((field, d)) = spec.unit_out_of_range(units) {
        return Err(Error::InvalidData(format!(
            "{field}: unit {d} does not exist (the model has {units} hidden units, 0 to {})",
            units.saturating_sub(1)
        )));
    }
    let mut phi: Vec<f64> = match &spec.init {
        Some(init) => {
            let mut rng = Rng::new(init.seed);
            (0..=units).map(|_| init.std * rng.normal()).collect()
        }
        None => net.phi()[0].clone(),
    };
    let hidden = |x: f64| net.hidden(&[x]).map_err(Error::from);
    let features: Vec<Vec<f64>> = data.x.iter().map(|&x| hidden(x)).collect::<Result<_>>()?;
    let predict =
        |phi: &[f64], h: &[f64]| phi[0] + h.iter().zip(&phi[1..]).map(|(a, b)| a * b).sum::<f64>();
    let sse = |phi: &[f64]| -> f64 {
        features
            .iter()
            .zip(&data.y)
            .map(|(h, y)| (predict(phi, h) - y).powi(2))
            .sum()
    };
    let grid = spec.x.points();
    let grid_features: Vec<Vec<f64>> = grid.iter().map(|&x| hidden(x)).collect::<Result<_>>()?;

    let mut sampler = BatchSampler::new(n, spec.batch.size, spec.batch.seed);
    let mut noise_rng = Rng::new(spec.batch.seed.wrapping_add(NOISE_STREAM));
    let keep = 1.0 - spec.dropout;
    let droppable: Vec<bool> = if spec.dropout_units.is_empty() {
        vec![true; units]
    } else {
        (0..units)
            .map(|d| spec.dropout_units.contains(&d))
            .collect()
    };
    let mut table = Table::new();
    let (mut steps, mut losses, mut off_losses) = (Vec::new(), Vec::new(), Vec::new());
    let mut g = vec![0.0; units + 1];
    let mut h = vec![0.0; units];
    let mut done = 0;
    for (k, &target) in spec.snapshots.iter().enumerate() {
        while done < target {
            g.fill(0.0);
            let batch = sampler.next_batch();
            let scale = 2.0 / batch.len() as f64;
            for &i in &batch {
                if spec.input_noise > 0.0 {
                    let x = data.x[i] + spec.input_noise * noise_rng.normal();
                    h.copy_from_slice(&hidden(x)?);
                } else {
                    h.copy_from_slice(&features[i]);
                }
                if spec.dropout > 0.0 {
                    for (v, _) in h.iter_mut().zip(&droppable).filter(|(_, d)| **d) {
                        *v = if noise_rng.uniform() < spec.dropout {
                            0.0
                        } else {
                            *v / keep
                        };
                    }
                }
                let r = scale * (predict(&phi, &h) - data.y[i]);
                g[0] += r;
                for d in 0..units {
                    g[d + 1] += r * h[d];
                }
            }
            for (p, gk) in phi.iter_mut().zip(&g) {
                *p -= spec.learning_rate * gk;
            }
            done += 1;
            if !phi.iter().all(|v| v.is_finite()) {
                return Err(Error::InvalidData(format!(
                    "SGD diverged after {done} steps; lower the learning rate"
                )));
            }
        }
        steps.push(target as f64);
        losses.push(sse(&phi));
        table.insert(format!("loss.{k}"), vec![sse(&phi)]);
        table.insert(
            format!("y.{k}"),
            grid_features.iter().map(|h| predict(&phi, h)).collect(),
        );
        if !spec.off.is_empty() {
            let mut cut = phi.clone();
            for &d in &spec.off {
                cut[d + 1] = 0.0;
            }
            off_losses.push(sse(&cut));
            table.insert(
                format!("off.{k}"),
                grid_features.iter().map(|h| predict(&cut, h)).collect(),
            );
        }
    }
    if !spec.off.is_empty() {
        table.insert("off-loss", off_losses);
    }
    table.insert("final-loss", vec![*losses.last().expect("snapshots")]);
    table.insert("step", steps);
    table.insert("loss", losses);
    table.insert("x", grid);
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;
    use models::test_support::unit_relu_basis as basis;

    fn spec() -> OutputSgdSpec {
        OutputSgdSpec {
            model: "m".into(),
            data: "d".into(),
            init: Some(OutputInitSpec { seed: 1, std: 1.0 }),
            learning_rate: 0.1,
            batch: BatchSpec { size: 2, seed: 3 },
            snapshots: vec![0, 1, 2000],
            input_noise: 0.0,
            dropout: 0.0,
            dropout_units: Vec::new(),
            off: Vec::new(),
            x: GridSpec::new(0.0, 1.0, 5),
        }
    }

    fn line_data() -> Dataset {
        let x: Vec<f64> = (0..8).map(|i| i as f64 / 8.0 + 0.03).collect();
        let y = x.iter().map(|x| 0.5 + 2.0 * x).collect();
        Dataset { x, y }
    }

    #[test]
    fn one_step_matches_a_hand_computation() {
        // One region: f = φ0 + φ1·x (x ≥ 0). Start from the model's own zero output layer,
        // batch of both points: gradient of the mean squared error at φ = 0 is
        // (2/2)·Σ (0 − y_i)·(1, x_i).
        let data = Dataset {
            x: vec![0.25, 0.75],
            y: vec![1.0, 3.0],
        };
        let mut s = spec();
        s.init = None;
        s.batch.size = 2;
        s.snapshots = vec![0, 1];
        let t = output_sgd(&s, &basis(1), &data).unwrap();
        // g = −(1 + 3, 0.25 + 2.25) = (−4, −2.5); φ = 0.1·(4, 2.5) = (0.4, 0.25).
        let y1 = t.get("y.1").unwrap();
        assert!(
            (y1[0] - 0.4).abs() < 1e-15 && (y1[4] - 0.65).abs() < 1e-15,
            "{y1:?}"
        );
        assert_eq!(t.get("loss").unwrap()[0], 10.0);
        assert_eq!(t.get("step").unwrap(), &[0.0, 1.0]);
    }

    #[test]
    fn sgd_fits_a_line_and_the_loss_falls() {
        let t = output_sgd(&spec(), &basis(1), &line_data()).unwrap();
        let loss = t.get("loss").unwrap();
        assert!(loss[2] < 1e-6 && loss[0] > loss[2], "{loss:?}");
    }

    #[test]
    fn noise_and_dropout_are_seeded_and_change_the_fit() {
        let data = line_data();
        let model = basis(4);
        let plain = output_sgd(&spec(), &model, &data).unwrap();
        let mut noisy = spec();
        noisy.input_noise = 0.3;
        let a = output_sgd(&noisy, &model, &data).unwrap();
        assert_eq!(a, output_sgd(&noisy, &model, &data).unwrap(), "seeded");
        assert_ne!(a.get("y.2"), plain.get("y.2"));
        let mut dropped = spec();
        dropped.dropout = 0.5;
        let b = output_sgd(&dropped, &model, &data).unwrap();
        assert_ne!(b.get("y.2"), plain.get("y.2"));
        assert!(b.get("loss").unwrap().iter().all(|l| l.is_finite()));
    }

    #[test]
    fn turning_units_off_removes_their_contributions() {
        // Two regions on [0, 1]: units h_0 = relu(x), h_1 = relu(x − 0.5). Fit y = |x − 0.5|
        // = 0.5 − x + 2·relu(x − 0.5) exactly from the model's zero output layer, then turn
        // unit 1 off: the fit becomes 0.5 − x, and its loss the sum of (2·relu(x_i − 0.5))².
        let x: Vec<f64> = (0..8).map(|i| i as f64 / 8.0 + 0.03).collect();
        let y: Vec<f64> = x.iter().map(|x: &f64| (x - 0.5).abs()).collect();
        let data = Dataset {
            x: x.clone(),
            y: y.clone(),
        };
        let mut s = spec();
        s.init = None;
        s.learning_rate = 0.5;
        s.snapshots = vec![0, 200_000];
        s.off = vec![1];
        let t = output_sgd(&s, &basis(2), &data).unwrap();
        assert!(t.get("loss").unwrap()[1] < 1e-16, "{:?}", t.get("loss"));
        // Snapshot 0: all weights are 0, so turning a unit off changes nothing.
        assert_eq!(t.get("off.0"), t.get("y.0"));
        let off = t.get("off.1").unwrap();
        for (i, g) in [0.0, 0.25, 0.5, 0.75, 1.0].iter().enumerate() {
            assert!((off[i] - (0.5 - g)).abs() < 1e-7, "{off:?}");
        }
        let want: f64 = x
            .iter()
            .map(|x| (2.0 * (x - 0.5f64).max(0.0)).powi(2))
            .sum();
        let got = t.get("off-loss").unwrap();
        assert_eq!(got.len(), 2);
        assert!((got[1] - want).abs() < 1e-7, "{got:?} vs {want}");
        // Without `off` there are no such columns; a unit the model lacks is refused.
        s.off.clear();
        assert!(
            output_sgd(&s, &basis(2), &data)
                .unwrap()
                .get("off.1")
                .is_none()
        );
        s.off = vec![2];
        let err = output_sgd(&s, &basis(2), &data).unwrap_err().to_string();
        assert!(err.contains("unit 2"), "{err}");
        s.off = vec![1, 0];
        assert_eq!(s.validate()[0].0, "off");
    }

    #[test]
    fn dropout_units_limits_which_units_are_dropped() {
        // On a 4-unit model, listing all four units is plain dropout (the same draws), and
        // listing fewer changes the fit.
        let (data, model) = (line_data(), basis(4));
        let mut all = spec();
        all.dropout = 0.5;
        let plain = output_sgd(&all, &model, &data).unwrap();
        all.dropout_units = vec![0, 1, 2, 3];
        assert_eq!(output_sgd(&all, &model, &data).unwrap(), plain);
        all.dropout_units = vec![1];
        let one = output_sgd(&all, &model, &data).unwrap();
        assert_ne!(one.get("y.2"), plain.get("y.2"));
        // One step from zero weights with dropout on the only unit, p = 0.5: its feature is
        // 0 or 2x, but the bias's is always 1.
        let two = Dataset {
            x: vec![0.25, 0.75],
            y: vec![1.0, 3.0],
        };
        let mut s = spec();
        s.init = None;
        s.snapshots = vec![0, 1];
        s.dropout = 0.5;
        s.dropout_units = vec![0];
        let t = output_sgd(&s, &basis(1), &two).unwrap();
        // The bias always takes the plain step 0.1·(1 + 3) = 0.4: f(0) = 0.4.
        assert!((t.get("y.1").unwrap()[0] - 0.4).abs() < 1e-15);
        s.dropout_units = vec![1];
        let err = output_sgd(&s, &basis(1), &two).unwrap_err().to_string();
        assert!(err.contains("dropout-units: unit 1"), "{err}");
    }

    #[test]
    fn bad_specs_are_refused() {
        let mut s = spec();
        s.snapshots = vec![5, 5];
        s.dropout = 1.0;
        s.learning_rate = 0.0;
        let fields: Vec<String> = s.validate().into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["learning-rate", "snapshots", "dropout"]);
        assert!(output_sgd(&s, &basis(2), &line_data()).is_err());
    }
}
