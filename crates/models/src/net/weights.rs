//! The parameters of a trainable network with its architecture, and their safetensors form:
//! `layer{i}.weight` (`fan-in × outputs`, f32) and `layer{i}.bias` per layer, the architecture
//! as JSON metadata.

use data::{Array, Bundle};
use serde::{Deserialize, Serialize};

use super::Arch;

/// A network's parameters: per layer, the weight matrix (row-major `fan-in × outputs`) and bias.
#[derive(Clone, Debug, PartialEq)]
pub struct Weights {
    /// The architecture.
    pub arch: Arch,
    /// Per layer: (weights, biases).
    pub params: Vec<(Vec<f32>, Vec<f32>)>,
}

#[derive(Serialize, Deserialize)]
struct Meta {
    arch: Arch,
}

impl Weights {
    /// Pairs an architecture with its parameters.
    ///
    /// # Panics
    /// If the parameter sizes do not match the architecture (a programming error).
    pub fn new(arch: Arch, params: Vec<(Vec<f32>, Vec<f32>)>) -> Weights {
        assert_eq!(arch.layers.len(), params.len(), "one (w, b) per layer");
        for (l, (w, b)) in arch.layers.iter().zip(&params) {
            let [r, c] = l.weight_shape();
            assert_eq!(
                (w.len(), b.len()),
                (r * c, c),
                "parameter sizes match the layer"
            );
        }
        Weights { arch, params }
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
        }
        Ok(Weights {
            arch: meta.arch,
            params,
        })
    }

    /// blake3 of every parameter's little-endian bytes, in layer order (for determinism checks).
    pub fn fingerprint(&self) -> String {
        let mut h = blake3::Hasher::new();
        for (w, b) in &self.params {
            for v in w.iter().chain(b) {
                h.update(&v.to_le_bytes());
            }
        }
        h.finalize().to_hex().to_string()
    }
}
