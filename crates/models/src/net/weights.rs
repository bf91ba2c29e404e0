//! The parameters of a trainable network with its architecture, and their safetensors form:
//! `layer{i}.weight` (`fan-in × outputs`, f32) and `layer{i}.bias` per layer, for a layer with
//! batch norm also `layer{i}.bn.weight` (γ), `layer{i}.bn.bias` (δ), `layer{i}.bn.running_mean`
//! and `layer{i}.bn.running_var` (PyTorch's names), the architecture as JSON metadata.

use data::{Array, Bundle};
use serde::{Deserialize, Serialize};

use super::Arch;

/// A network's parameters: per layer, the weight matrix (row-major `fan-in × outputs`) and bias,
/// and the batch norm of the layers that have one.
#[derive(Clone, Debug, PartialEq)]
pub struct Weights {
    /// The architecture.
    pub arch: Arch,
    /// Per layer: (weights, biases).
    pub params: Vec<(Vec<f32>, Vec<f32>)>,
    /// Per layer: its batch norm, if the architecture gives it one.
    pub norms: Vec<Option<BatchNorm>>,
}

/// One layer's batch norm: the learned scale γ and offset δ (parameters), and the running
/// averages of the batch mean and (unbiased) variance used in evaluation (not parameters).
#[derive(Clone, Debug, PartialEq)]
pub struct BatchNorm {
    /// γ, one per unit.
    pub gamma: Vec<f32>,
    /// δ, one per unit.
    pub beta: Vec<f32>,
    /// Running average of the batch means.
    pub running_mean: Vec<f32>,
    /// Running average of the unbiased batch variances.
    pub running_var: Vec<f32>,
}

impl BatchNorm {
    /// The initial state for `width` units: γ = 1, δ = 0, running mean 0 and variance 1.
    pub fn new(width: usize) -> BatchNorm {
        BatchNorm {
            gamma: vec![1.0; width],
            beta: vec![0.0; width],
            running_mean: vec![0.0; width],
            running_var: vec![1.0; width],
        }
    }

    fn arrays(&self) -> [(&'static str, &Vec<f32>); 4] {
        [
            ("weight", &self.gamma),
            ("bias", &self.beta),
            ("running_mean", &self.running_mean),
            ("running_var", &self.running_var),
        ]
    }
}

#[derive(Serialize, Deserialize)]
struct Meta {
    arch: Arch,
}

impl Weights {
    /// Pairs an architecture with its parameters; layers with batch norm get its initial state
    /// ([`BatchNorm::new`]).
    ///
    /// # Panics
    /// If the parameter sizes do not match the architecture (a programming error).
    pub fn new(arch: Arch, params: Vec<(Vec<f32>, Vec<f32>)>) -> Weights {
        let norms = arch
            .layers
            .iter()
            .map(|l| l.batch_norm().then(|| BatchNorm::new(l.weight_shape()[1])))
            .collect();
        Weights::with_norms(arch, params, norms)
    }

    /// Pairs an architecture with its parameters and batch norms.
    ///
    /// # Panics
    /// If the sizes do not match the architecture (a programming error).
    pub fn with_norms(
        arch: Arch,
        params: Vec<(Vec<f32>, Vec<f32>)>,
        norms: Vec<Option<BatchNorm>>,
    ) -> Weights {
        assert_eq!(arch.layers.len(), norms.len(), "one norm entry per layer");
        for (l, n) in arch.layers.iter().zip(&norms) {
            let c = l.weight_shape()[1];
            assert_eq!(
                l.batch_norm(),
                n.is_some(),
                "batch norm where the layer has one"
            );
            if let Some(n) = n {
                assert!(
                    n.arrays().iter().all(|(_, v)| v.len() == c),
                    "batch norm sizes match the layer"
                );
            }
        }
        assert_eq!(arch.layers.len(), params.len(), "one (w, b) per layer");
        for (l, (w, b)) in arch.layers.iter().zip(&params) {
            let [r, c] = l.weight_shape();
            assert_eq!(
                (w.len(), b.len()),
                (r * c, c),
                "parameter sizes match the layer"
            );
        }
        Weights {
            arch,
            params,
            norms,
        }
    }

    /// Adds the parameters (and the architecture, as metadata) to `bundle`.
    pub fn add_to(&self, bundle: &mut Bundle) {
        bundle.meta = Some(
            serde_json::to_string(&Meta {
                arch: self.arch.clone(),
            })
            .expect("architecture serialises"),
        );
        for (i, (l, (w, b))) in self.arch.layers.iter().zip(&self.params).enumerate() {
            let [r, c] = l.weight_shape();
            bundle.insert(
                format!("layer{i}.weight"),
                Array::F32(vec![r, c], w.clone()),
            );
            bundle.insert(format!("layer{i}.bias"), Array::F32(vec![c], b.clone()));
            if let Some(n) = &self.norms[i] {
                for (name, v) in n.arrays() {
                    bundle.insert(
                        format!("layer{i}.bn.{name}"),
                        Array::F32(vec![c], v.clone()),
                    );
                }
            }
        }
    }

    /// The parameters as a bundle of their own.
    pub fn to_bundle(&self) -> Bundle {
        let mut b = Bundle::default();
        self.add_to(&mut b);
        b
    }

    /// Reads weights written by [`Weights::add_to`], checking every shape against the architecture.
    pub fn from_bundle(bundle: &Bundle) -> Result<Weights, data::BundleError> {
        let bad = |m: String| data::BundleError::Format(m);
        let meta: Meta = bundle
            .meta
            .as_deref()
            .ok_or_else(|| bad("no architecture in the metadata".into()))
            .and_then(|m| serde_json::from_str(m).map_err(|e| bad(format!("architecture: {e}"))))?;
        let mut params = Vec::new();
        let mut norms = Vec::new();
        for (i, l) in meta.arch.layers.iter().enumerate() {
            let (ws, w) = bundle.f32(&format!("layer{i}.weight"))?;
            let (bs, b) = bundle.f32(&format!("layer{i}.bias"))?;
            let [r, c] = l.weight_shape();
            if ws != [r, c] || bs != [c] {
                return Err(bad(format!(
                    "layer {i}: shapes do not match the architecture"
                )));
            }
            params.push((w.to_vec(), b.to_vec()));
            let norm = |name: &str| -> Result<Vec<f32>, data::BundleError> {
                let (s, v) = bundle.f32(&format!("layer{i}.bn.{name}"))?;
                if s != [c] {
                    return Err(bad(format!(
                        "layer {i}: batch norm shapes do not match the architecture"
                    )));
                }
                Ok(v.to_vec())
            };
            norms.push(if l.batch_norm() {
                Some(BatchNorm {
                    gamma: norm("weight")?,
                    beta: norm("bias")?,
                    running_mean: norm("running_mean")?,
                    running_var: norm("running_var")?,
                })
            } else {
                None
            });
        }
        Ok(Weights {
            arch: meta.arch,
            params,
            norms,
        })
    }

    /// blake3 of every parameter's little-endian bytes, in layer order, batch norms (γ, δ, running
    /// mean and variance) after a layer's bias (for determinism checks).
    pub fn fingerprint(&self) -> String {
        let mut h = blake3::Hasher::new();
        for ((w, b), n) in self.params.iter().zip(&self.norms) {
            for v in w.iter().chain(b) {
                h.update(&v.to_le_bytes());
            }
            for (_, a) in n.iter().flat_map(BatchNorm::arrays) {
                for v in a {
                    h.update(&v.to_le_bytes());
                }
            }
        }
        h.finalize().to_hex().to_string()
    }
}
