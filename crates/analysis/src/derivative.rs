//! `kind = "derivative"`: dy/dx of a one-input model on a grid (UDL fig. 7.6; ∂y/∂x of
//! networks as in fig. 11.3).
//!
//! An `activation` model gives a'[x] ([`models::Activation::derivative`]). Networks (`shallow`,
//! `deep`, `composed`, and fits of them) are differentiated exactly by forward-mode
//! differentiation: each unit carries its value and its derivative with respect to x through
//! the affine maps and the activations, so the result is the slope of the function itself,
//! with no finite-difference error. At a kink the activation's left slope is used (ReLU'[0] = 0).

use data::{GridSpec, Table};
use models::Model;
use models::deep::{DeepNet, Layer};
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// `kind = "derivative"`.
///
/// ```toml
/// [analysis.slope]
/// kind = "derivative"
/// model = "relu"                      # a [model.*] or [train.*] section with one input
/// x = { start = -5.0, stop = 5.0, num = 1001 }
/// ```
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct DerivativeSpec {
    /// The model: a `[model.*]` section, or a `[train.*]` section's fitted model.
    pub model: String,
    /// The input grid.
    pub x: GridSpec,
}

impl DerivativeSpec {
    /// Impossible values, as (field path, message).
    pub fn validate(&self) -> Vec<(String, String)> {
        data::nest_issues("x", self.x.validate())
    }
}

/// Propagates (value, d value/dx) through one affine layer.
fn affine(layer: &Layer, v: &[f64], t: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let mut out = Vec::with_capacity(layer.units());
    let mut tout = Vec::with_capacity(layer.units());
    for (b, row) in layer.bias.iter().zip(&layer.weights) {
        let (mut s, mut ts) = (*b, 0.0);
        for ((w, vi), ti) in row.iter().zip(v).zip(t) {
            s += w * vi;
            ts += w * ti;
        }
        out.push(s);
        tout.push(ts);
    }
    (out, tout)
}

/// dy_o/dx of networks applied one after another, at one input x.
fn network_slopes(nets: &[DeepNet], x: f64) -> Vec<f64> {
    let (mut v, mut t) = (vec![x], vec![1.0]);
    for net in nets {
        let a = net.activation();
        for layer in net.hidden() {
            let (pre, tpre) = affine(layer, &v, &t);
            t = pre
                .iter()
                .zip(&tpre)
                .map(|(z, dz)| a.derivative(*z) * dz)
                .collect();
            v = pre.iter().map(|z| a.apply(*z)).collect();
        }
        (v, t) = affine(net.output(), &v, &t);
    }
    t
}

/// The derivative table: `x`, `dy.{o}` for each output o, and `dy` (= `dy.0`).
pub fn derivative(model: &Model, spec: &DerivativeSpec) -> Result<Table> {
    let issues = spec.validate();
    if !issues.is_empty() {
        return Err(Error::InvalidSpec(issues));
    }
    if model.input_dim() != 1 {
        return Err(Error::Model(models::Error::NotOneInput(model.input_dim())));
    }
    let xs = spec.x.points();
    let slopes: Vec<Vec<f64>> = match model {
        Model::Activation { function } => {
            xs.iter().map(|&x| vec![function.derivative(x)]).collect()
        }
        Model::Composed(c) => xs
            .iter()
            .map(|&x| network_slopes(c.networks(), x))
            .collect(),
        other => {
            let net = [DeepNet::from_model(other)?];
            xs.iter().map(|&x| network_slopes(&net, x)).collect()
        }
    };
    let mut table = Table::new();
    for o in 0..model.output_dim() {
        table.insert(format!("dy.{o}"), slopes.iter().map(|s| s[o]).collect());
    }
    if let Some(first) = table.get("dy.0").map(<[f64]>::to_vec) {
        table.insert("dy", first);
    }
    table.insert("x", xs);
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;
    use models::{ModelSpec, ShallowSpec};

    fn spec(start: f64, stop: f64, num: usize) -> DerivativeSpec {
        DerivativeSpec {
            model: "m".into(),
            x: GridSpec::new(start, stop, num),
        }
    }

    #[test]
    fn relu_derivative_is_a_step() {
        let relu = Model::Activation {
            function: models::Activation::Relu,
        };
        let t = derivative(&relu, &spec(-1.0, 1.0, 5)).unwrap();
        assert_eq!(t.get("x").unwrap(), &[-1.0, -0.5, 0.0, 0.5, 1.0]);
        assert_eq!(t.get("dy").unwrap(), &[0.0, 0.0, 0.0, 1.0, 1.0]);
    }

    #[test]
    fn network_slopes_are_exact() {
        // Figure 3.3's network: slopes between the joints 0.3, 0.5 and 0.77.
        let net = Model::build(&ModelSpec::Shallow(ShallowSpec {
            activation: models::Activation::Relu,
            theta: vec![vec![0.3, -1.0], vec![-1.0, 2.0], vec![-0.5, 0.65]],
            phi: vec![vec![-0.3, 2.0, -1.0, 7.0]],
        }))
        .unwrap();
        let t = derivative(&net, &spec(0.1, 0.9, 5)).unwrap();
        // x = 0.1: only h1 (slope −1) is active: dy/dx = 2·(−1) = −2.
        // x = 0.3: at h1's joint, left slope 0, so 0; x = 0.5: h2's joint, 0.
        // x = 0.7: h2 active: −1·2 = −2; x = 0.9: h2, h3 active: −2 + 7·0.65 = 2.55.
        let dy = t.get("dy").unwrap();
        let want = [-2.0, 0.0, 0.0, -2.0, 2.55];
        for (d, w) in dy.iter().zip(want) {
            assert!((d - w).abs() < 1e-12, "{dy:?}");
        }
        // Compared with central differences away from the joints.
        for x in [0.2, 0.4, 0.6, 0.85] {
            let h = 1e-6;
            let fd =
                (net.forward(&[x + h]).unwrap()[0] - net.forward(&[x - h]).unwrap()[0]) / (2.0 * h);
            let d = derivative(&net, &spec(x, x + 1.0, 2))
                .unwrap()
                .get("dy")
                .unwrap()[0];
            assert!((fd - d).abs() < 1e-6, "{x}: {d} vs {fd}");
        }
    }

    #[test]
    fn two_inputs_are_refused() {
        let net = Model::build(&ModelSpec::Shallow(ShallowSpec {
            activation: models::Activation::Relu,
            theta: vec![vec![0.0, 1.0, 1.0]],
            phi: vec![vec![0.0, 1.0]],
        }))
        .unwrap();
        assert!(derivative(&net, &spec(0.0, 1.0, 3)).is_err());
    }
}
