//! Named arrays stored as one safetensors file: the binary artifact of data sets, weights and
//! training records, readable by other tools (`safetensors.numpy.load_file`, PyTorch).
//!
//! A bundle holds f32, f64 and u8 arrays by name, plus at most one metadata string (JSON,
//! under the key `udl`; a single key keeps the file's header byte-stable, since safetensors
//! stores metadata as a hash map). Encoding is deterministic: safetensors orders tensors by
//! alignment and name.

use std::collections::{BTreeMap, HashMap};

use safetensors::{Dtype, SafeTensors, tensor::TensorView};

/// The metadata key of a bundle.
pub const META_KEY: &str = "udl";

/// One array with its shape (row-major).
#[derive(Clone, Debug, PartialEq)]
pub enum Array {
    /// 32-bit floats (network weights).
    F32(Vec<usize>, Vec<f32>),
    /// 64-bit floats (signals, curves).
    F64(Vec<usize>, Vec<f64>),
    /// Bytes (labels).
    U8(Vec<usize>, Vec<u8>),
}

impl Array {
    /// The shape.
    pub fn shape(&self) -> &[usize] {
        match self {
            Array::F32(s, _) | Array::F64(s, _) | Array::U8(s, _) => s,
        }
    }

    fn bytes(&self) -> Vec<u8> {
        match self {
            Array::F32(_, v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            Array::F64(_, v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            Array::U8(_, v) => v.clone(),
        }
    }
}

/// Named arrays plus optional JSON metadata.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Bundle {
    /// Metadata (JSON text), stored under [`META_KEY`].
    pub meta: Option<String>,
    /// The arrays by name.
    pub arrays: BTreeMap<String, Array>,
}

/// Why a bundle cannot be encoded or decoded.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// The bytes are not a safetensors file, or an array is malformed.
    #[error("not a valid safetensors bundle: {0}")]
    Format(String),
    /// A named array is missing or has another type.
    #[error("the bundle has no {kind} array `{name}`")]
    Missing {
        /// Array name.
        name: String,
        /// Expected element type.
        kind: &'static str,
    },
}

impl Bundle {
    /// Adds an array.
    pub fn insert(&mut self, name: impl Into<String>, array: Array) {
        self.arrays.insert(name.into(), array);
    }

    /// The safetensors bytes.
    pub fn encode(&self) -> Result<Vec<u8>, BundleError> {
        let bytes: Vec<(String, Dtype, Vec<usize>, Vec<u8>)> = self
            .arrays
            .iter()
            .map(|(name, a)| {
                let dtype = match a {
                    Array::F32(..) => Dtype::F32,
                    Array::F64(..) => Dtype::F64,
                    Array::U8(..) => Dtype::U8,
                };
                (name.clone(), dtype, a.shape().to_vec(), a.bytes())
            })
            .collect();
        let mut views = Vec::with_capacity(bytes.len());
        for (name, dtype, shape, data) in &bytes {
            let view = TensorView::new(*dtype, shape.clone(), data)
                .map_err(|e| BundleError::Format(format!("array `{name}`: {e}")))?;
            views.push((name.as_str(), view));
        }
        let meta = self
            .meta
            .as_ref()
            .map(|m| HashMap::from([(META_KEY.to_string(), m.clone())]));
        safetensors::serialize(views, meta).map_err(|e| BundleError::Format(e.to_string()))
    }

    /// Reads a bundle written by [`Bundle::encode`] (or any safetensors file of f32/f64/u8 arrays).
    pub fn decode(bytes: &[u8]) -> Result<Bundle, BundleError> {
        let bad = |e: &dyn std::fmt::Display| BundleError::Format(e.to_string());
        let (_, header) = SafeTensors::read_metadata(bytes).map_err(|e| bad(&e))?;
        let meta = header
            .metadata()
            .as_ref()
            .and_then(|m| m.get(META_KEY).cloned());
        let st = SafeTensors::deserialize(bytes).map_err(|e| bad(&e))?;
        let mut arrays = BTreeMap::new();
        for (name, view) in st.tensors() {
            let shape = view.shape().to_vec();
            let data = view.data();
            let array = match view.dtype() {
                Dtype::F32 => Array::F32(
                    shape,
                    data.chunks_exact(4)
                        .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes")))
                        .collect(),
                ),
                Dtype::F64 => Array::F64(
                    shape,
                    data.chunks_exact(8)
                        .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
                        .collect(),
                ),
                Dtype::U8 => Array::U8(shape, data.to_vec()),
                other => {
                    return Err(BundleError::Format(format!(
                        "array `{name}` has unsupported type {other:?}"
                    )));
                }
            };
            arrays.insert(name, array);
        }
        Ok(Bundle { meta, arrays })
    }

    /// The f32 array `name` and its shape.
    pub fn f32(&self, name: &str) -> Result<(&[usize], &[f32]), BundleError> {
        match self.arrays.get(name) {
            Some(Array::F32(s, v)) => Ok((s, v)),
            _ => Err(BundleError::Missing {
                name: name.into(),
                kind: "f32",
            }),
        }
    }

    /// The f64 array `name` and its shape.
    pub fn f64(&self, name: &str) -> Result<(&[usize], &[f64]), BundleError> {
        match self.arrays.get(name) {
            Some(Array::F64(s, v)) => Ok((s, v)),
            _ => Err(BundleError::Missing {
                name: name.into(),
                kind: "f64",
            }),
        }
    }

    /// The u8 array `name` and its shape.
    pub fn u8(&self, name: &str) -> Result<(&[usize], &[u8]), BundleError> {
        match self.arrays.get(name) {
            Some(Array::U8(s, v)) => Ok((s, v)),
            _ => Err(BundleError::Missing {
                name: name.into(),
                kind: "u8",
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Bundle {
        let mut b = Bundle {
            meta: Some(r#"{"kind":"test"}"#.into()),
            ..Default::default()
        };
        b.insert(
            "w",
            Array::F32(vec![2, 3], vec![1.0, -2.5, 3.0, 0.0, 1e-7, -0.0]),
        );
        b.insert("curve", Array::F64(vec![2], vec![0.1, f64::MAX]));
        b.insert("labels", Array::U8(vec![4], vec![0, 9, 3, 3]));
        b
    }

    #[test]
    fn round_trips_exactly_and_deterministically() {
        let b = sample();
        let bytes = b.encode().unwrap();
        assert_eq!(bytes, sample().encode().unwrap(), "same bundle, same bytes");
        let back = Bundle::decode(&bytes).unwrap();
        assert_eq!(back, b);
        // -0.0 keeps its sign bit.
        assert!(back.f32("w").unwrap().1[5].is_sign_negative());
    }

    #[test]
    fn is_a_plain_safetensors_file() {
        let bytes = sample().encode().unwrap();
        let st = SafeTensors::deserialize(&bytes).unwrap();
        let mut names = st.names();
        names.sort();
        assert_eq!(names, ["curve", "labels", "w"]);
        assert_eq!(st.tensor("w").unwrap().shape(), [2, 3]);
    }

    #[test]
    fn wrong_type_or_name_is_a_clear_error() {
        let b = sample();
        assert_eq!(
            b.f64("w").unwrap_err().to_string(),
            "the bundle has no f64 array `w`"
        );
        assert!(b.u8("nope").is_err());
        assert!(matches!(
            Bundle::decode(b"not safetensors"),
            Err(BundleError::Format(_))
        ));
    }
}
