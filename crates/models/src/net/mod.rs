//! Trainable networks whose sizes come from the spec at run time: MLPs (UDL eqs. 4.13-4.14,
//! optionally residual as in UDL eq. 11.4, optionally with batch normalisation as in UDL section
//! 11.4), 1-D convolutional networks (UDL section 10.2) and, as an MLP without hidden layers,
//! logistic regression.
//!
//! **Batch normalisation** (`batch-norm = true`, Ioffe & Szegedy 2015) normalises every hidden
//! unit over the batch B before the activation:
//! `y = γ·(z − μ_B)/√(σ²_B + ε) + δ` with `μ_B`, `σ²_B` the unit's mean and biased variance over
//! the batch, ε = 1e-5, and learned γ, δ initialised to 1 and 0 (PyTorch's `BatchNorm1d`, as in
//! notebook 11.3; UDL section 11.4 writes the same normalisation with ε added to the standard
//! deviation instead, which differs only by O(ε)). A hidden layer becomes
//! `h_k = a[BN(β + Ω h_{k−1})]`, and a residual one `h_k = h_{k−1} + a[BN(β + Ω h_{k−1})]`:
//! - *before the activation*, so a ReLU sees inputs of mean δ and spread γ whatever the scale of
//!   Ω and of h (the placement of Ioffe & Szegedy, and of notebook 11.3, whose branches are
//!   BN → ReLU → linear);
//! - *inside the residual branch, before the addition* (UDL fig. 11.6c, notebook 11.3: "a batch
//!   norm operation before the contents of each residual link"): the skip path stays the identity,
//!   and each branch adds a contribution of fixed variance, so the variance grows linearly with
//!   depth instead of doubling at every block. Normalising after the addition would rescale the
//!   skip path too.
//!
//! The output layer is never normalised. β is kept (PyTorch's `Linear` before `BatchNorm1d`
//! keeps it too) although the mean subtraction cancels it in training.
//!
//! Training normalises with the batch's statistics; evaluation ([`backend::Net::outputs`]) with
//! running averages updated at every training step as PyTorch does: `m ← 0.9·m + 0.1·μ_B`,
//! `v ← 0.9·v + 0.1·σ²_B·|B|/(|B| − 1)` (momentum 0.1, the unbiased batch variance), starting from
//! 0 and 1. The running averages are stored with the weights but are not parameters: the optimiser
//! and weight decay never touch them (γ and δ are parameters like any other).
//!
//! The spec ([`MlpSpec`], [`CnnSpec`]) becomes a runtime [`Arch`] (a list of layers with their
//! sizes); [`init`] draws the initial [`Weights`] from the spec's seed with the project's own
//! portable generator; [`backend`] (the only module that touches dfdx) runs forward passes,
//! gradients and optimiser steps on them. Weights travel between stages as safetensors files.

pub mod backend;
mod init;
mod weights;

#[cfg(test)]
mod tests;

pub use init::{Init, SplitMix64 as Rng, draw, init};
pub use weights::{BatchNorm, Weights};

use serde::{Deserialize, Serialize};

/// Upper bound on any layer width, channel count or input length, so a typo cannot exhaust memory.
pub const MAX_WIDTH: usize = 100_000;

/// Upper bound on the number of layers.
pub const MAX_LAYERS: usize = 1_000;

/// The activation of a trainable network's hidden layers.
#[derive(Deserialize, Serialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum NetActivation {
    /// max(0, z).
    #[default]
    Relu,
    /// tanh(z).
    Tanh,
    /// 1 / (1 + e^-z).
    Sigmoid,
    /// The identity (a linear network).
    Linear,
}

/// `kind = "mlp"`: a fully connected network `inputs -> hidden... -> outputs` (UDL eq. 4.13);
/// with no hidden layers it is logistic (softmax) regression.
///
/// ```toml
/// [model.mlp]
/// kind = "mlp"
/// inputs = 40
/// hidden = [100, 100]
/// outputs = 10
/// init = "pytorch"      # pytorch | he-normal | he-uniform | xavier-normal | xavier-uniform | normal
/// residual = false      # hidden layers after the first add their input (UDL eq. 11.4)
/// batch-norm = false    # normalise every hidden layer over the batch (UDL section 11.4)
/// seed = 42
/// ```
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct MlpSpec {
    /// Input size D_i.
    pub inputs: usize,
    /// Widths of the hidden layers (empty: logistic regression); `{ width = 100, layers = 50 }`
    /// is short for fifty 100s.
    #[serde(default, deserialize_with = "widths")]
    pub hidden: Vec<usize>,
    /// Output size D_o (classes, or 1 for regression).
    pub outputs: usize,
    /// Activation of every hidden layer.
    #[serde(default)]
    pub activation: NetActivation,
    /// Hidden layers after the first that add their input to their output
    /// (`h_k = h_{k-1} + a[β + Ω h_{k-1}]`, UDL eq. 11.4); they need equal widths.
    #[serde(default)]
    pub residual: bool,
    /// Batch normalisation of every hidden layer's pre-activations (see the module docs).
    /// Left out of the serialised spec when false, so specs without it keep their keys.
    #[serde(default, skip_serializing_if = "is_false")]
    pub batch_norm: bool,
    /// Initialisation of weights and biases.
    #[serde(default)]
    pub init: Init,
    /// Factor applied to every initial weight (not the biases).
    #[serde(default = "one")]
    pub init_scale: f64,
    /// Seed of the initial weights.
    pub seed: u64,
}

/// `kind = "cnn1d"`: 1-D convolutions over a single input channel (UDL section 10.2), then a
/// fully connected head; lengths follow `floor((len + 2·padding − kernel) / stride) + 1`.
///
/// ```toml
/// [model.cnn]
/// kind = "cnn1d"
/// input-len = 40
/// channels = [25, 25, 25]
/// kernel = [5, 3, 3]
/// stride = 2
/// padding = 1
/// outputs = 10
/// seed = 42
/// ```
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CnnSpec {
    /// Length of the input signal.
    pub input_len: usize,
    /// Output channels of each convolution.
    pub channels: Vec<usize>,
    /// Kernel size: one for every layer, or one per layer.
    pub kernel: PerLayer,
    /// Stride: one for every layer, or one per layer (default 1).
    #[serde(default = "one_per_layer")]
    pub stride: PerLayer,
    /// Zero padding at each end: one for every layer, or one per layer (default 0, "valid").
    #[serde(default = "zero_per_layer")]
    pub padding: PerLayer,
    /// Widths of fully connected hidden layers after flattening (default none).
    #[serde(default)]
    pub hidden: Vec<usize>,
    /// Number of outputs.
    pub outputs: usize,
    /// Activation after every convolution and hidden layer.
    #[serde(default)]
    pub activation: NetActivation,
    /// Initialisation of weights and biases.
    #[serde(default)]
    pub init: Init,
    /// Factor applied to every initial weight.
    #[serde(default = "one")]
    pub init_scale: f64,
    /// Seed of the initial weights.
    pub seed: u64,
}

/// A size given once for all layers or once per layer.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(untagged)]
pub enum PerLayer {
    /// The same for every layer.
    All(usize),
    /// One per layer.
    Each(Vec<usize>),
}

impl PerLayer {
    fn get(&self, layer: usize) -> Option<usize> {
        match self {
            PerLayer::All(v) => Some(*v),
            PerLayer::Each(v) => v.get(layer).copied(),
        }
    }

    fn len_matches(&self, n: usize) -> bool {
        match self {
            PerLayer::All(_) => true,
            PerLayer::Each(v) => v.len() == n,
        }
    }
}

/// Hidden widths as a list, or `{ width = W, layers = K }` for K layers of width W.
fn widths<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<usize>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Repr {
        List(Vec<usize>),
        Uniform(Uniform),
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Uniform {
        width: usize,
        layers: usize,
    }
    match Repr::deserialize(d) {
        Ok(Repr::List(v)) => Ok(v),
        Ok(Repr::Uniform(u)) if u.layers <= MAX_LAYERS => Ok(vec![u.width; u.layers]),
        Ok(Repr::Uniform(u)) => Err(serde::de::Error::custom(format!(
            "expected at most {MAX_LAYERS} layers, found {}",
            u.layers
        ))),
        Err(_) => Err(serde::de::Error::custom(
            "expected a list of widths like [100, 100] or { width = 100, layers = 50 }",
        )),
    }
}

fn one() -> f64 {
    1.0
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn one_per_layer() -> PerLayer {
    PerLayer::All(1)
}

fn zero_per_layer() -> PerLayer {
    PerLayer::All(0)
}

/// One layer of a trainable network, with its sizes resolved.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, Eq)]
#[serde(tag = "layer", rename_all = "kebab-case")]
pub enum Layer {
    /// `out = a[b + W in]` (`a[BN(b + W in)]` with batch norm), plus `in` when residual.
    Dense {
        /// Input width.
        inputs: usize,
        /// Output width.
        outputs: usize,
        /// Activation; `None` for the output layer.
        activation: Option<NetActivation>,
        /// Adds the input to the output.
        residual: bool,
        /// Normalises the pre-activations over the batch (see the module docs).
        #[serde(default, skip_serializing_if = "is_false")]
        batch_norm: bool,
    },
    /// A 1-D convolution over `in_len` positions with `in_channels` channels.
    Conv {
        /// Input channels.
        in_channels: usize,
        /// Output channels.
        out_channels: usize,
        /// Kernel size.
        kernel: usize,
        /// Stride.
        stride: usize,
        /// Zero padding at each end.
        padding: usize,
        /// Input length.
        in_len: usize,
        /// Output length.
        out_len: usize,
        /// Activation.
        activation: NetActivation,
    },
}

impl Layer {
    /// (fan-in, fan-out) as used by the initialisations.
    pub fn fans(&self) -> (usize, usize) {
        match *self {
            Layer::Dense {
                inputs, outputs, ..
            } => (inputs, outputs),
            Layer::Conv {
                in_channels,
                out_channels,
                kernel,
                ..
            } => (in_channels * kernel, out_channels * kernel),
        }
    }

    /// Shape of the weight tensor: `(fan-in, outputs)` (dense: `(inputs, outputs)`; conv:
    /// `(kernel · in_channels, out_channels)`, rows ordered tap-major).
    pub fn weight_shape(&self) -> [usize; 2] {
        match *self {
            Layer::Dense {
                inputs, outputs, ..
            } => [inputs, outputs],
            Layer::Conv {
                in_channels,
                out_channels,
                kernel,
                ..
            } => [kernel * in_channels, out_channels],
        }
    }

    /// Whether the layer normalises its pre-activations over the batch.
    pub fn batch_norm(&self) -> bool {
        matches!(
            self,
            Layer::Dense {
                batch_norm: true,
                ..
            }
        )
    }

    /// Number of outputs per example.
    pub fn output_size(&self) -> usize {
        match *self {
            Layer::Dense { outputs, .. } => outputs,
            Layer::Conv {
                out_channels,
                out_len,
                ..
            } => out_channels * out_len,
        }
    }
}

/// A trainable network's architecture: its input size and layers.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, Eq)]
pub struct Arch {
    /// Values per input example.
    pub inputs: usize,
    /// The layers, input to output.
    pub layers: Vec<Layer>,
}

impl Arch {
    /// Number of outputs per example.
    pub fn outputs(&self) -> usize {
        self.layers.last().map_or(self.inputs, Layer::output_size)
    }

    /// Number of trainable parameters (batch norm's γ and δ count, its running averages do not).
    pub fn num_params(&self) -> usize {
        self.layers
            .iter()
            .map(|l| {
                let [r, c] = l.weight_shape();
                r * c + c + if l.batch_norm() { 2 * c } else { 0 }
            })
            .sum()
    }
}

/// The spec of a trainable network: what `[model.*]` sections of kind `mlp` or `cnn1d` hold.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum NetSpec {
    /// `kind = "mlp"`.
    Mlp(MlpSpec),
    /// `kind = "cnn1d"`.
    Cnn1d(CnnSpec),
}

impl NetSpec {
    /// The seed of the initial weights.
    pub fn seed(&self) -> u64 {
        match self {
            NetSpec::Mlp(s) => s.seed,
            NetSpec::Cnn1d(s) => s.seed,
        }
    }

    /// The initialisation and its scale.
    pub fn init(&self) -> (Init, f64) {
        match self {
            NetSpec::Mlp(s) => (s.init, s.init_scale),
            NetSpec::Cnn1d(s) => (s.init, s.init_scale),
        }
    }

    /// Impossible values serde cannot see, as `(field, message)`.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut issues = Vec::new();
        let mut size = |field: String, v: usize| {
            if v == 0 || v > MAX_WIDTH {
                issues.push((
                    field,
                    format!("expected a size from 1 to {MAX_WIDTH}, found {v}"),
                ));
            }
        };
        let (init, scale) = self.init();
        match self {
            NetSpec::Mlp(s) => {
                size("inputs".into(), s.inputs);
                size("outputs".into(), s.outputs);
                for (i, &h) in s.hidden.iter().enumerate() {
                    size(format!("hidden[{i}]"), h);
                }
                if s.hidden.len() > MAX_LAYERS {
                    issues.push((
                        "hidden".into(),
                        format!("expected at most {MAX_LAYERS} hidden layers"),
                    ));
                }
            }
            NetSpec::Cnn1d(s) => {
                size("input-len".into(), s.input_len);
                size("outputs".into(), s.outputs);
                for (i, &c) in s.channels.iter().enumerate() {
                    size(format!("channels[{i}]"), c);
                }
                for (i, &h) in s.hidden.iter().enumerate() {
                    size(format!("hidden[{i}]"), h);
                }
                if s.channels.is_empty() || s.channels.len() > MAX_LAYERS {
                    issues.push((
                        "channels".into(),
                        format!("expected 1 to {MAX_LAYERS} convolution layers"),
                    ));
                }
                let n = s.channels.len();
                for (name, p) in [
                    ("kernel", &s.kernel),
                    ("stride", &s.stride),
                    ("padding", &s.padding),
                ] {
                    if !p.len_matches(n) {
                        issues.push((
                            name.into(),
                            format!("expected one value, or one per layer ({n})"),
                        ));
                    }
                }
            }
        }
        if !(scale.is_finite() && scale > 0.0) {
            issues.push((
                "init-scale".into(),
                format!("expected a positive number, found {scale}"),
            ));
        }
        if let Init::Normal { variance } = init
            && !(variance.is_finite() && variance > 0.0)
        {
            issues.push((
                "init.variance".into(),
                format!("expected a positive variance, found {variance}"),
            ));
        }
        if issues.is_empty()
            && let Err(e) = self.arch()
        {
            issues.push(e);
        }
        issues
    }

    /// The runtime architecture, or the field that makes it impossible.
    pub fn arch(&self) -> Result<Arch, (String, String)> {
        match self {
            NetSpec::Mlp(s) => {
                let mut layers = Vec::new();
                let mut width = s.inputs;
                for (i, &h) in s.hidden.iter().enumerate() {
                    let residual = s.residual && i > 0;
                    if residual && h != width {
                        return Err((
                            format!("hidden[{i}]"),
                            format!(
                                "a residual layer keeps its width: expected {width}, found {h}"
                            ),
                        ));
                    }
                    layers.push(Layer::Dense {
                        inputs: width,
                        outputs: h,
                        activation: Some(s.activation),
                        residual,
                        batch_norm: s.batch_norm,
                    });
                    width = h;
                }
                layers.push(Layer::Dense {
                    inputs: width,
                    outputs: s.outputs,
                    activation: None,
                    residual: false,
                    batch_norm: false,
                });
                Ok(Arch {
                    inputs: s.inputs,
                    layers,
                })
            }
            NetSpec::Cnn1d(s) => {
                let mut layers = Vec::new();
                let (mut len, mut ch) = (s.input_len, 1);
                for (i, &out) in s.channels.iter().enumerate() {
                    let kernel = s.kernel.get(i).unwrap_or(1);
                    let stride = s.stride.get(i).unwrap_or(1);
                    let padding = s.padding.get(i).unwrap_or(0);
                    if kernel == 0 || stride == 0 {
                        return Err((
                            if kernel == 0 { "kernel" } else { "stride" }.into(),
                            "expected a positive size".into(),
                        ));
                    }
                    let padded = len + 2 * padding;
                    if padded < kernel {
                        return Err((
                            "kernel".into(),
                            format!(
                                "layer {i}: the kernel ({kernel}) is longer than its padded input ({padded})"
                            ),
                        ));
                    }
                    let out_len = (padded - kernel) / stride + 1;
                    layers.push(Layer::Conv {
                        in_channels: ch,
                        out_channels: out,
                        kernel,
                        stride,
                        padding,
                        in_len: len,
                        out_len,
                        activation: s.activation,
                    });
                    len = out_len;
                    ch = out;
                }
                let mut width = len * ch;
                for &h in &s.hidden {
                    layers.push(Layer::Dense {
                        inputs: width,
                        outputs: h,
                        activation: Some(s.activation),
                        residual: false,
                        batch_norm: false,
                    });
                    width = h;
                }
                layers.push(Layer::Dense {
                    inputs: width,
                    outputs: s.outputs,
                    activation: None,
                    residual: false,
                    batch_norm: false,
                });
                Ok(Arch {
                    inputs: s.input_len,
                    layers,
                })
            }
        }
    }
}
