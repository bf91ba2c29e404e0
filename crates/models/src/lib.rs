//! Models for the figures: spec types for the `[model.*]` sections and the runtime [`Model`].
//!
//! `models` turns a [`ModelSpec`] into a [`Model`] (hand-set or with fixed joints and zero output
//! weights); `training` fits models to `data` sets, and `analysis` traces them over grids with
//! [`Model::trace`]. Models are plain numbers, `Serialize + Deserialize`, so the pipeline can cache
//! them. Nothing here reads files, plots, or draws random numbers.
//!
//! Modules: [`Activation`] (the activation functions of UDL chapter 3), [`ShallowNet`] (UDL
//! eq. 3.1 and its multi-input, multi-output form), and the spec types.

mod activation;
pub mod deep;
mod derivative;
pub mod net;
mod shallow;
mod spec;
pub mod test_support;

#[cfg(test)]
mod tests;

pub use activation::{Activation, LEAKY_RELU_ALPHA, SELU_ALPHA, SELU_LAMBDA};
pub use shallow::ShallowNet;
pub use spec::{ActivationModelSpec, MAX_REGIONS, ModelSpec, ReluBasisSpec, ShallowSpec};

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A built model: the runtime counterpart of a [`ModelSpec`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Model {
    /// `y = a[x]` for scalar x.
    Activation {
        /// The function a.
        function: Activation,
    },
    /// A one-hidden-layer network; `relu-basis` specs build one too.
    Shallow(ShallowNet),
    /// A deep network (UDL eqs. 4.7-4.9).
    Deep(deep::DeepNet),
    /// Networks applied one after another (UDL section 4.1).
    Composed(deep::Composition),
}

impl Model {
    /// Builds the model a spec describes; fails with [`Error::InvalidSpec`] when
    /// [`ModelSpec::validate`] finds problems.
    pub fn build(spec: &ModelSpec) -> Result<Model> {
        let issues = spec.validate();
        if !issues.is_empty() {
            return Err(Error::InvalidSpec(issues));
        }
        Ok(match spec {
            ModelSpec::Activation(s) => Model::Activation {
                function: s.function,
            },
            ModelSpec::Shallow(s) => Model::Shallow(ShallowNet::new(
                s.activation,
                s.theta.clone(),
                s.phi.clone(),
            )?),
            ModelSpec::ReluBasis(s) => {
                // θ_j = [−joint_j, 1]; written as 0 − joint so a joint at 0 gives +0.0, not −0.0.
                let theta = s
                    .joints()
                    .into_iter()
                    .map(|joint| vec![0.0 - joint, 1.0])
                    .collect();
                let phi = vec![vec![0.0; s.regions + 1]];
                Model::Shallow(ShallowNet::new(Activation::Relu, theta, phi)?)
            }
            ModelSpec::Deep(s) => Model::Deep(deep::DeepNet::build(s)?),
            ModelSpec::Composed(s) => Model::Composed(deep::Composition::build(s)?),
            ModelSpec::Mlp(_) | ModelSpec::Cnn1d(_) => {
                return Err(Error::InvalidSpec(vec![(
                    "kind".into(),
                    "a trainable network is initialised with `net::init`, not built by hand".into(),
                )]));
            }
        })
    }

    /// D_i, the number of inputs.
    pub fn input_dim(&self) -> usize {
        match self {
            Model::Activation { .. } => 1,
            Model::Shallow(net) => net.input_dim(),
            Model::Deep(net) => deep::Network::input_dim(net),
            Model::Composed(net) => deep::Network::input_dim(net),
        }
    }

    /// D_o, the number of outputs.
    pub fn output_dim(&self) -> usize {
        match self {
            Model::Activation { .. } => 1,
            Model::Shallow(net) => net.output_dim(),
            Model::Deep(net) => deep::Network::output_dim(net),
            Model::Composed(net) => deep::Network::output_dim(net),
        }
    }

    /// All outputs for one input point of [`Model::input_dim`] numbers.
    pub fn forward(&self, x: &[f64]) -> Result<Vec<f64>> {
        match self {
            Model::Activation { function } => match x {
                [x] => Ok(vec![function.apply(*x)]),
                _ => Err(Error::InputDim {
                    expected: 1,
                    found: x.len(),
                }),
            },
            Model::Shallow(net) => net.forward(x),
            Model::Deep(net) => deep::Network::forward(net, x),
            Model::Composed(net) => deep::Network::forward(net, x),
        }
    }

    /// Named intermediate series over a 1-D input grid `xs`.
    ///
    /// A shallow network gives `x`, `pre.{d}` (pre-activations), `act.{d}` (activations),
    /// `weighted.{o}.{d}` (φ_od·h_d), `y.{o}` per output, and `y` (= `y.0`), with 0-based d and o
    /// (the book's h_1 is `act.0`). An activation model gives `x` and `y`. Fails with
    /// [`Error::NotOneInput`] for a network with several inputs.
    pub fn trace(&self, xs: &[f64]) -> Result<Trace> {
        match self {
            Model::Activation { function } => {
                let mut trace = Trace::default();
                trace.insert("x", xs.to_vec());
                trace.insert("y", xs.iter().map(|&x| function.apply(x)).collect());
                Ok(trace)
            }
            Model::Shallow(net) => net.trace(xs),
            Model::Deep(net) => deep::Network::trace(net, xs),
            Model::Composed(net) => deep::Network::trace(net, xs),
        }
    }

    /// Inputs where a hidden unit's pre-activation crosses zero, sorted ascending: the joints of
    /// a 1-input ReLU network ([`ShallowNet::joints`]); `[0.0]` for an activation model; empty
    /// for a network with several inputs.
    pub fn joints(&self) -> Vec<f64> {
        match self {
            Model::Activation { .. } => vec![0.0],
            Model::Shallow(net) => net.joints(),
            // Joints of deeper networks depend on the input range: use the `regions` analysis.
            Model::Deep(_) | Model::Composed(_) => Vec::new(),
        }
    }
}

/// Named series computed by [`Model::trace`], in name order.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    /// Series name -> one value per grid point.
    pub series: BTreeMap<String, Vec<f64>>,
}

impl Trace {
    /// The series called `name`, if any.
    pub fn get(&self, name: &str) -> Option<&[f64]> {
        self.series.get(name).map(Vec::as_slice)
    }

    fn insert(&mut self, name: impl Into<String>, values: Vec<f64>) {
        self.series.insert(name.into(), values);
    }
}

/// Errors of the `models` crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The spec or parameters hold impossible values, as `(field path, message)` pairs.
    #[error("invalid model: {}", format_issues(.0))]
    InvalidSpec(Vec<(String, String)>),
    /// An input point of the wrong length.
    #[error("expected an input of {expected} numbers, found {found}")]
    InputDim {
        /// The model's number of inputs.
        expected: usize,
        /// The length given.
        found: usize,
    },
    /// A 1-D trace asked of a model with several inputs.
    #[error("tracing over a 1-D grid needs a model with one input, this one has {0}")]
    NotOneInput(usize),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

fn format_issues(issues: &[(String, String)]) -> String {
    let parts: Vec<String> = issues
        .iter()
        .map(|(path, msg)| format!("{path}: {msg}"))
        .collect();
    parts.join("; ")
}

fn nest_issues(prefix: &str, issues: Vec<(String, String)>) -> Vec<(String, String)> {
    issues
        .into_iter()
        .map(|(path, msg)| (format!("{prefix}.{path}"), msg))
        .collect()
}
