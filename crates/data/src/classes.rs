//! Classification data sets (MNIST-1D and its variants): signals with integer labels, split into
//! training and test sets; stored between stages as a safetensors [`Bundle`].

use crate::bundle::{Array, Bundle, BundleError};
use crate::mnist1d::{Mnist1d, NUM_CLASSES};

/// A classification set: `n × len` row-major signals with labels in `0..classes`.
#[derive(Clone, Debug, PartialEq)]
pub struct ClassificationSet {
    /// Values per example.
    pub len: usize,
    /// Number of classes.
    pub classes: usize,
    /// Training signals, `n_train × len`.
    pub x_train: Vec<f64>,
    /// Training labels (after any label noise).
    pub y_train: Vec<u8>,
    /// Test signals, `n_test × len`.
    pub x_test: Vec<f64>,
    /// Test labels.
    pub y_test: Vec<u8>,
    /// Plotting coordinate of the `len` positions.
    pub t: Vec<f64>,
}

impl ClassificationSet {
    /// The training and test sets of a generated MNIST-1D set.
    pub fn from_mnist1d(d: &Mnist1d) -> ClassificationSet {
        ClassificationSet {
            len: d.len,
            classes: NUM_CLASSES,
            x_train: d.x_train.clone(),
            y_train: d.y_train.clone(),
            x_test: d.x_test.clone(),
            y_test: d.y_test.clone(),
            t: d.t.clone(),
        }
    }

    /// Number of training examples.
    pub fn n_train(&self) -> usize {
        self.y_train.len()
    }

    /// Number of test examples.
    pub fn n_test(&self) -> usize {
        self.y_test.len()
    }

    /// The set as named arrays: `x_train`, `y_train`, `x_test`, `y_test`, `t`; the class count
    /// is the metadata.
    pub fn to_bundle(&self) -> Bundle {
        let mut b = Bundle {
            meta: Some(format!("{{\"classes\":{}}}", self.classes)),
            ..Default::default()
        };
        b.insert(
            "x_train",
            Array::F64(vec![self.n_train(), self.len], self.x_train.clone()),
        );
        b.insert(
            "y_train",
            Array::U8(vec![self.n_train()], self.y_train.clone()),
        );
        b.insert(
            "x_test",
            Array::F64(vec![self.n_test(), self.len], self.x_test.clone()),
        );
        b.insert(
            "y_test",
            Array::U8(vec![self.n_test()], self.y_test.clone()),
        );
        b.insert("t", Array::F64(vec![self.len], self.t.clone()));
        b
    }

    /// Reads a set written by [`ClassificationSet::to_bundle`], checking shapes and labels.
    pub fn from_bundle(b: &Bundle) -> Result<ClassificationSet, BundleError> {
        let bad = |m: String| BundleError::Format(m);
        let classes =
            b.meta
                .as_deref()
                .and_then(|m| serde_json::from_str::<serde_json::Value>(m).ok())
                .and_then(|v| v.get("classes")?.as_u64())
                .ok_or_else(|| bad("no class count in the metadata".into()))? as usize;
        let (sx, x_train) = b.f64("x_train")?;
        let (_, y_train) = b.u8("y_train")?;
        let (sxt, x_test) = b.f64("x_test")?;
        let (_, y_test) = b.u8("y_test")?;
        let (_, t) = b.f64("t")?;
        let len = sx.get(1).copied().unwrap_or(0);
        if sx.first() != Some(&y_train.len())
            || sxt.first() != Some(&y_test.len())
            || sxt.get(1) != Some(&len)
        {
            return Err(bad("signal and label shapes disagree".into()));
        }
        if let Some(&y) = y_train
            .iter()
            .chain(y_test)
            .find(|&&y| y as usize >= classes)
        {
            return Err(bad(format!(
                "label {y} is not below the class count {classes}"
            )));
        }
        Ok(ClassificationSet {
            len,
            classes,
            x_train: x_train.to_vec(),
            y_train: y_train.to_vec(),
            x_test: x_test.to_vec(),
            y_test: y_test.to_vec(),
            t: t.to_vec(),
        })
    }
}
