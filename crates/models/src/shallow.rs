//! Shallow neural networks: one hidden layer (UDL chapter 3).
//!
//! With one input x (UDL eq. 3.1), D hidden units and one output:
//!
//! ```text
//! pre_d = θ_d0 + θ_d1·x                 pre-activation of hidden unit d
//! h_d   = a[pre_d]                      activation (a = ReLU in the book's running example)
//! y     = φ_0 + Σ_d φ_d·h_d             output
//! ```
//!
//! In general (UDL sections 3.3-3.4) x ∈ R^{D_i} and there are D_o outputs, each with its own
//! row of output weights over the *same* hidden units (so all outputs share their joints):
//! `pre_d = θ_d0 + Σ_i θ_di·x_i`, `y_o = φ_o0 + Σ_d φ_od·h_d`.
//!
//! Shapes: `theta` has D rows `[θ_d0, θ_d1, …, θ_dDi]`; `phi` has D_o rows
//! `[φ_o0, φ_o1, …, φ_oD]`. Indices d and o are 0-based, so the book's h_1 is unit 0.
//!
//! The "simplified" network with fixed joints whose output layer alone is learned (UDL fig. 3.5,
//! fig. 8.4) is the special case θ_d = [−joint_d, 1]: y = φ_0 + Σ_d φ_d·ReLU(x − joint_d).

use crate::{Activation, Error, Result, Trace};
use serde::{Deserialize, Serialize};

/// A network with one hidden layer and hand-set or fitted parameters.
///
/// Invariant: at least one hidden unit and one output, every `theta` row has `1 + input_dim`
/// entries (`input_dim ≥ 1`), every `phi` row has `1 + hidden_units` entries, all finite.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ShallowParams")]
pub struct ShallowNet {
    activation: Activation,
    theta: Vec<Vec<f64>>,
    phi: Vec<Vec<f64>>,
}

/// The serialised form of [`ShallowNet`], checked on the way in.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ShallowParams {
    activation: Activation,
    theta: Vec<Vec<f64>>,
    phi: Vec<Vec<f64>>,
}

impl TryFrom<ShallowParams> for ShallowNet {
    type Error = Error;
    fn try_from(p: ShallowParams) -> Result<Self> {
        ShallowNet::new(p.activation, p.theta, p.phi)
    }
}

impl ShallowNet {
    /// A network from its parameters; fails with [`Error::InvalidSpec`] on inconsistent shapes.
    pub fn new(activation: Activation, theta: Vec<Vec<f64>>, phi: Vec<Vec<f64>>) -> Result<Self> {
        let mut issues = shape_issues(&theta, &phi);
        issues.extend(crate::nest_issues("activation", activation.validate()));
        if !issues.is_empty() {
            return Err(Error::InvalidSpec(issues));
        }
        Ok(ShallowNet {
            activation,
            theta,
            phi,
        })
    }

    /// The same hidden layer with new output weights (one row `[φ_o0, …, φ_oD]` per output).
    pub fn with_phi(&self, phi: Vec<Vec<f64>>) -> Result<Self> {
        ShallowNet::new(self.activation, self.theta.clone(), phi)
    }

    /// The activation a[·].
    pub fn activation(&self) -> Activation {
        self.activation
    }

    /// Hidden-layer parameters, one row `[θ_d0, θ_d1, …]` per unit.
    pub fn theta(&self) -> &[Vec<f64>] {
        &self.theta
    }

    /// Output parameters, one row `[φ_o0, φ_o1, …]` per output.
    pub fn phi(&self) -> &[Vec<f64>] {
        &self.phi
    }

    /// D_i, the number of inputs.
    pub fn input_dim(&self) -> usize {
        self.theta[0].len() - 1
    }

    /// D, the number of hidden units.
    pub fn hidden_units(&self) -> usize {
        self.theta.len()
    }

    /// D_o, the number of outputs.
    pub fn output_dim(&self) -> usize {
        self.phi.len()
    }

    /// Pre-activations θ_d0 + Σ_i θ_di·x_i for one input point.
    pub fn pre_activations(&self, x: &[f64]) -> Result<Vec<f64>> {
        if x.len() != self.input_dim() {
            return Err(Error::InputDim {
                expected: self.input_dim(),
                found: x.len(),
            });
        }
        Ok(self.theta.iter().map(|row| affine(row, x)).collect())
    }

    /// Hidden activations `h_d = a[pre_d]` for one input point.
    pub fn hidden(&self, x: &[f64]) -> Result<Vec<f64>> {
        let mut h = self.pre_activations(x)?;
        h.iter_mut().for_each(|z| *z = self.activation.apply(*z));
        Ok(h)
    }

    /// Outputs y_o = φ_o0 + Σ_d φ_od·h_d for one input point.
    pub fn forward(&self, x: &[f64]) -> Result<Vec<f64>> {
        let h = self.hidden(x)?;
        Ok(self.phi.iter().map(|row| affine(row, &h)).collect())
    }

    /// Inputs where a hidden unit's pre-activation crosses zero (−θ_d0/θ_d1), sorted ascending,
    /// one per unit with θ_d1 ≠ 0. Empty unless the network has exactly one input.
    pub fn joints(&self) -> Vec<f64> {
        if self.input_dim() != 1 {
            return Vec::new();
        }
        let mut joints: Vec<f64> = self
            .theta
            .iter()
            .filter(|row| row[1] != 0.0)
            .map(|row| -row[0] / row[1])
            .collect();
        joints.sort_by(f64::total_cmp);
        joints
    }

    /// Every intermediate series over a 1-D grid: `x`, `pre.{d}`, `act.{d}`,
    /// `weighted.{o}.{d}` (φ_od·h_d), `y.{o}`, and `y` (= `y.0`).
    pub(crate) fn trace(&self, xs: &[f64]) -> Result<Trace> {
        if self.input_dim() != 1 {
            return Err(Error::NotOneInput(self.input_dim()));
        }
        let (units, outputs) = (self.hidden_units(), self.output_dim());
        let mut pre = vec![Vec::with_capacity(xs.len()); units];
        let mut act = vec![Vec::with_capacity(xs.len()); units];
        let mut weighted = vec![vec![Vec::with_capacity(xs.len()); units]; outputs];
        let mut ys = vec![Vec::with_capacity(xs.len()); outputs];
        for &x in xs {
            let z = self.pre_activations(&[x])?;
            let h: Vec<f64> = z.iter().map(|&z| self.activation.apply(z)).collect();
            for d in 0..units {
                pre[d].push(z[d]);
                act[d].push(h[d]);
            }
            // Same left-to-right sum as `forward`, so `y` here equals `forward` bit for bit.
            for (o, row) in self.phi.iter().enumerate() {
                let mut y = row[0];
                for d in 0..units {
                    let w = row[d + 1] * h[d];
                    weighted[o][d].push(w);
                    y += w;
                }
                ys[o].push(y);
            }
        }
        let mut trace = Trace::default();
        trace.insert("x", xs.to_vec());
        for (d, (p, a)) in pre.into_iter().zip(act).enumerate() {
            trace.insert(format!("pre.{d}"), p);
            trace.insert(format!("act.{d}"), a);
        }
        for (o, (w, y)) in weighted.into_iter().zip(ys).enumerate() {
            for (d, series) in w.into_iter().enumerate() {
                trace.insert(format!("weighted.{o}.{d}"), series);
            }
            if o == 0 {
                trace.insert("y", y.clone());
            }
            trace.insert(format!("y.{o}"), y);
        }
        Ok(trace)
    }
}

/// row[0] + Σ_i row[i+1]·x[i], summed left to right.
fn affine(row: &[f64], x: &[f64]) -> f64 {
    row[1..]
        .iter()
        .zip(x)
        .fold(row[0], |acc, (w, xi)| acc + w * xi)
}

/// Shape and finiteness problems of `theta`/`phi`, as `(field path, message)` pairs.
pub(crate) fn shape_issues(theta: &[Vec<f64>], phi: &[Vec<f64>]) -> Vec<(String, String)> {
    let mut issues = Vec::new();
    match theta.first() {
        None => issues.push((
            "theta".to_owned(),
            "expected at least one hidden unit [bias, slope]".to_owned(),
        )),
        Some(first) if first.len() < 2 => issues.push((
            "theta[0]".to_owned(),
            format!(
                "expected at least 2 numbers [bias, slope], found {}",
                first.len()
            ),
        )),
        Some(first) => {
            for (d, row) in theta.iter().enumerate().skip(1) {
                if row.len() != first.len() {
                    issues.push((
                        format!("theta[{d}]"),
                        format!(
                            "expected {} numbers {} like theta[0], found {}",
                            first.len(),
                            describe_row(first.len(), "slope"),
                            row.len()
                        ),
                    ));
                }
            }
        }
    }
    if phi.is_empty() {
        issues.push((
            "phi".to_owned(),
            "expected at least one output row [bias, w_1..w_D]".to_owned(),
        ));
    }
    let width = 1 + theta.len();
    for (o, row) in phi.iter().enumerate() {
        if !theta.is_empty() && row.len() != width {
            issues.push((
                format!("phi[{o}]"),
                format!(
                    "expected {width} numbers {} (a bias and one weight per hidden unit), found {}",
                    describe_row(width, "w_1"),
                    row.len()
                ),
            ));
        }
    }
    for (name, rows) in [("theta", theta), ("phi", phi)] {
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                if !v.is_finite() {
                    issues.push((
                        format!("{name}[{r}][{c}]"),
                        format!("expected a finite number, found {v}"),
                    ));
                }
            }
        }
    }
    issues
}

/// `[bias, slope]` for a 2-entry row, `[bias, w_1..w_n]` otherwise.
fn describe_row(len: usize, single: &str) -> String {
    match len {
        2 => format!("[bias, {single}]"),
        _ => format!("[bias, w_1..w_{}]", len - 1),
    }
}
