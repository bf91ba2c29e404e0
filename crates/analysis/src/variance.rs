//! `kind = "layer-variance"`: how the spread of activations and gradients changes with depth in
//! a network at initialisation (UDL section 7.5, fig. 7.7).
//!
//! Inputs x ~ N(0, I) (seeded) go forward through a dense network, `f_k = β_k + Ω_k h_{k-1}`,
//! `h_k = a[f_k]` (UDL eq. 7.4); the least-squares loss against target 0, `ℓ = Σ_j y_j²`, is
//! differentiated back, `∂ℓ/∂y = 2y`, `∂ℓ/∂h_k = Ω_{k+1}ᵀ ∂ℓ/∂f_{k+1}`, `∂ℓ/∂f_k = a'[f_k] ⊙ ∂ℓ/∂h_k`
//! (UDL eqs. 7.13-7.19). The table holds, per hidden layer, the variance of the activations
//! `h_k` and of the gradients `∂ℓ/∂f_k` over all its units and all inputs, computed in f64 on the
//! host (only dense, non-residual layers).

use data::Table;
use models::net::{Layer, NetActivation, Rng, Weights};
use serde::{Deserialize, Serialize};

/// Upper bound on the number of inputs.
pub const MAX_SAMPLES: usize = 100_000;

/// `kind = "layer-variance"`.
///
/// ```toml
/// [analysis.spread]
/// kind = "layer-variance"
/// model = "net"           # a [model] of kind mlp (or a trained one)
/// samples = 1000
/// seed = 0
/// ```
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LayerVarianceSpec {
    /// The network: a `[model]` of kind `mlp`.
    pub model: String,
    /// Number of inputs drawn from N(0, I).
    pub samples: usize,
    /// Seed of the inputs.
    pub seed: u64,
}

impl LayerVarianceSpec {
    /// Impossible values, as `(field, message)`.
    pub fn validate(&self) -> Vec<(String, String)> {
        if self.samples < 2 || self.samples > MAX_SAMPLES {
            vec![(
                "samples".into(),
                format!("expected 2 to {MAX_SAMPLES}, found {}", self.samples),
            )]
        } else {
            Vec::new()
        }
    }
}

fn population_variance(v: &[f64]) -> f64 {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n
}

/// The table: `layer` (1, 2, ...), `forward` (variance of h_k), `backward` (variance of ∂ℓ/∂f_k).
pub fn layer_variance(spec: &LayerVarianceSpec, net: &Weights) -> crate::Result<Table> {
    let issues = spec.validate();
    if !issues.is_empty() {
        return Err(crate::Error::InvalidSpec(issues));
    }
    let mut layers = Vec::new();
    for (l, (w, b)) in net.arch.layers.iter().zip(&net.params) {
        match *l {
            Layer::Dense {
                inputs,
                outputs,
                activation,
                residual: false,
                batch_norm: false,
            } => layers.push((inputs, outputs, activation, w, b)),
            _ => {
                return Err(crate::Error::Unsupported(
                    "layer-variance needs a dense network without residual layers or batch norm (kind = \"mlp\")"
                        .into(),
                ));
            }
        }
    }
    let hidden = layers.len().saturating_sub(1);
    if hidden == 0 {
        return Err(crate::Error::Unsupported(
            "layer-variance needs at least one hidden layer".into(),
        ));
    }
    let act = |a: Option<NetActivation>, z: f64| match a {
        Some(NetActivation::Relu) => (z.max(0.0), if z > 0.0 { 1.0 } else { 0.0 }),
        Some(NetActivation::Tanh) => {
            let t = z.tanh();
            (t, 1.0 - t * t)
        }
        Some(NetActivation::Sigmoid) => {
            let s = 1.0 / (1.0 + (-z).exp());
            (s, s * (1.0 - s))
        }
        Some(NetActivation::Linear) | None => (z, 1.0),
    };
    let mut rng = Rng::new(spec.seed);
    let mut forward = vec![Vec::new(); hidden];
    let mut backward = vec![Vec::new(); hidden];
    for _ in 0..spec.samples {
        let mut h: Vec<f64> = (0..net.arch.inputs).map(|_| rng.normal()).collect();
        // Derivatives a'[f_k] of every layer, for the backward pass.
        let mut slopes: Vec<Vec<f64>> = Vec::with_capacity(layers.len());
        for (k, &(inputs, outputs, a, w, b)) in layers.iter().enumerate() {
            // f = b + Σ_i h_i Ω_i (rows of the fan-in × outputs matrix, summed in order of i).
            let mut f: Vec<f64> = b.iter().map(|&v| v as f64).collect();
            for (i, &hi) in h.iter().enumerate().take(inputs) {
                for (fj, &wij) in f.iter_mut().zip(&w[i * outputs..(i + 1) * outputs]) {
                    *fj += hi * wij as f64;
                }
            }
            let (next, slope): (Vec<f64>, Vec<f64>) = f.iter().map(|&z| act(a, z)).unzip();
            if k < hidden {
                forward[k].extend_from_slice(&next);
            }
            slopes.push(slope);
            h = next;
        }
        // ∂ℓ/∂f of the output layer (linear): 2y.
        let mut g: Vec<f64> = h.iter().map(|y| 2.0 * y).collect();
        for k in (0..hidden).rev() {
            let (_, outputs, _, w, _) = layers[k + 1];
            let inputs = layers[k + 1].0;
            let dh: Vec<f64> = (0..inputs)
                .map(|i| (0..outputs).map(|j| w[i * outputs + j] as f64 * g[j]).sum())
                .collect();
            g = dh.iter().zip(&slopes[k]).map(|(d, s)| d * s).collect();
            backward[k].extend_from_slice(&g);
        }
    }
    let mut t = Table::default();
    t.columns
        .insert("layer".into(), (1..=hidden).map(|k| k as f64).collect());
    t.columns.insert(
        "forward".into(),
        forward.iter().map(|v| population_variance(v)).collect(),
    );
    t.columns.insert(
        "backward".into(),
        backward.iter().map(|v| population_variance(v)).collect(),
    );
    for (name, col) in &t.columns {
        if let Some(bad) = col.iter().find(|v| !v.is_finite()) {
            return Err(crate::Error::Unsupported(format!(
                "the {name} variance overflows ({bad}): use fewer layers or a smaller init variance"
            )));
        }
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use models::net::{Init, MlpSpec, NetSpec};

    fn net(depth: usize, width: usize, variance: f64, activation: NetActivation) -> Weights {
        models::net::init(&NetSpec::Mlp(MlpSpec {
            inputs: width,
            hidden: vec![width; depth],
            outputs: 1,
            activation,
            residual: false,
            batch_norm: false,
            init: Init::Normal { variance },
            init_scale: 1.0,
            seed: 3,
        }))
        .unwrap()
    }

    fn spec() -> LayerVarianceSpec {
        LayerVarianceSpec {
            model: "net".into(),
            samples: 400,
            seed: 1,
        }
    }

    #[test]
    fn variance_preserving_linear_layers_keep_the_spread() {
        // With zero biases, Var f_{k+1} = σ² D E[h_k²]; for linear layers h_k = f_k, so with
        // σ² = 1/D the variance of inputs ~ N(0, I) stays 1 layer after layer.
        let t = layer_variance(&spec(), &net(8, 100, 0.01, NetActivation::Linear)).unwrap();
        for v in &t.columns["forward"] {
            assert!((v - 1.0).abs() < 0.25, "{:?}", t.columns["forward"]);
        }
    }

    #[test]
    fn relu_variance_grows_or_shrinks_geometrically() {
        // Var grows by σ² D / 2 per ReLU layer (UDL eq. 7.25): 5x for σ² = 0.1, 0.5x for 0.01.
        for (var, factor) in [(0.1, 5.0), (0.01, 0.5)] {
            let t = layer_variance(&spec(), &net(12, 100, var, NetActivation::Relu)).unwrap();
            let f = &t.columns["forward"];
            let rate = (f[11] / f[1]).powf(1.0 / 10.0);
            assert!(
                (rate / factor - 1.0).abs() < 0.15,
                "σ² {var}: rate {rate}, want {factor}"
            );
            let b = &t.columns["backward"];
            let back_rate = (b[1] / b[11]).powf(1.0 / 10.0);
            assert!(
                (back_rate / factor - 1.0).abs() < 0.2,
                "σ² {var}: backward rate {back_rate}, want {factor}"
            );
        }
    }

    #[test]
    fn one_row_per_hidden_layer() {
        let t = layer_variance(&spec(), &net(5, 10, 0.2, NetActivation::Relu)).unwrap();
        assert_eq!(t.columns["layer"], [1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(t.columns["backward"].len(), 5);
        let bad = LayerVarianceSpec {
            samples: 1,
            ..spec()
        };
        assert!(layer_variance(&bad, &net(2, 3, 0.2, NetActivation::Relu)).is_err());
    }
}
