//! Deep neural networks (UDL chapter 4): any number of hidden layers of any widths, any numbers
//! of inputs and outputs, and the composition of networks.
//!
//! A network with input x ∈ R^{D_i}, K hidden layers of widths D_1..D_K and D_o outputs is
//! UDL eq. 4.15 (eqs. 4.7–4.9 for K = 2, where the book writes θ for β_0, Ω_0 and ψ for β_1, Ω_1):
//!
//! ```text
//! h_1 = a[β_0 + Ω_0 x]                  Ω_0 is D_1 × D_i
//! h_k = a[β_{k−1} + Ω_{k−1} h_{k−1}]    Ω_{k−1} is D_k × D_{k−1}, k = 2..K
//! y   = β_K + Ω_K h_K                   Ω_K is D_o × D_K; the output layer is linear
//! ```
//!
//! In a spec each layer is a [`Layer`]: `bias` (β, one number per unit) and `weights` (Ω, one row
//! per unit with one weight per input of the layer). Indices are 0-based: the first hidden layer
//! (h_1, h_2, h_3 of eq. 4.7) is layer 0, so h_3 is `pre.0.2` / `act.0.2`, and h'_1 of eq. 4.8
//! is `pre.1.0`.
//!
//! Composition (UDL section 4.1): [`Composition`] feeds each network's output into the next,
//! y' = net_2(net_1(x)). [`DeepNet::compose`] folds one network's output layer into the next
//! one's first hidden layer, which turns the composition into a single deep network (UDL
//! section 4.2, eqs. 4.5–4.6: ψ_0 = θ'_0 + θ'·φ_0, Ψ = θ'·φ) with the same hidden units.
//!
//! Activation patterns: a hidden unit is *active* at x when its pre-activation is > 0. For a ReLU
//! network the function is linear wherever the pattern is constant (UDL sections 3.1.1 and 4.1),
//! so `analysis` counts linear regions from [`Network::hidden_pre_activations`]. Grids of
//! 2-input networks are evaluated by [`DeepNet::eval_grid`] (e.g. UDL figs. 3.8 and 4.2); shallow
//! networks and bare activations convert with [`DeepNet::from_model`].

use crate::{Activation, Error, Model, Result, ShallowNet, Trace};
use serde::{Deserialize, Serialize};

/// Upper bound on the number of points of [`DeepNet::eval_grid`], so a typo cannot exhaust memory.
pub const MAX_GRID_EVAL_POINTS: usize = 4_000_000;

/// One layer's affine map: unit d computes `bias[d] + Σ_i weights[d][i]·input[i]`.
///
/// ```toml
/// { bias = [0.3, -1.0, -0.5], weights = [[-1.0], [1.8], [0.65]] }   # 3 units, 1 input
/// ```
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Layer {
    /// β: one bias per unit.
    pub bias: Vec<f64>,
    /// Ω: one row per unit, each with one weight per input of the layer.
    pub weights: Vec<Vec<f64>>,
}

impl Layer {
    /// Number of units (outputs of the layer).
    pub fn units(&self) -> usize {
        self.bias.len()
    }

    /// Number of inputs (length of a weight row; 0 for a layer without units).
    pub fn inputs(&self) -> usize {
        self.weights.first().map_or(0, Vec::len)
    }

    /// `bias + weights·input`, each unit summed left to right (as `ShallowNet` does).
    fn apply(&self, input: &[f64]) -> Vec<f64> {
        self.bias
            .iter()
            .zip(&self.weights)
            .map(|(b, row)| row.iter().zip(input).fold(*b, |acc, (w, x)| acc + w * x))
            .collect()
    }

    /// Shape and finiteness problems, with paths relative to the layer. `inputs` is the width of
    /// the previous layer, or `None` for a first layer, whose first row sets D_i.
    fn issues(&self, inputs: Option<usize>) -> Vec<(String, String)> {
        let mut issues = Vec::new();
        if self.bias.is_empty() {
            issues.push((
                "bias".to_owned(),
                "expected at least one unit (one bias per unit)".to_owned(),
            ));
        }
        if self.weights.len() != self.bias.len() {
            issues.push((
                "weights".to_owned(),
                format!(
                    "expected one row per unit ({} rows, like bias), found {}",
                    self.bias.len(),
                    self.weights.len()
                ),
            ));
        }
        match (inputs, self.weights.first()) {
            (None, Some(first)) if first.is_empty() => issues.push((
                "weights[0]".to_owned(),
                "expected at least one weight (one per input)".to_owned(),
            )),
            (None, Some(first)) => {
                for (d, row) in self.weights.iter().enumerate().skip(1) {
                    if row.len() != first.len() {
                        issues.push((
                            format!("weights[{d}]"),
                            format!(
                                "expected {} numbers (one weight per input, like weights[0]), found {}",
                                first.len(),
                                row.len()
                            ),
                        ));
                    }
                }
            }
            (Some(width), _) if width > 0 => {
                for (d, row) in self.weights.iter().enumerate() {
                    if row.len() != width {
                        issues.push((
                            format!("weights[{d}]"),
                            format!(
                                "expected {width} numbers (one weight per unit of the previous layer), found {}",
                                row.len()
                            ),
                        ));
                    }
                }
            }
            _ => {}
        }
        for (d, b) in self.bias.iter().enumerate() {
            check_finite(&format!("bias[{d}]"), *b, &mut issues);
        }
        for (d, row) in self.weights.iter().enumerate() {
            for (i, w) in row.iter().enumerate() {
                check_finite(&format!("weights[{d}][{i}]"), *w, &mut issues);
            }
        }
        issues
    }
}

/// `kind = "deep"`: a network with hand-set parameters and one or more hidden layers
/// (UDL eq. 4.15). The example is the 1-3-3-1 network of UDL fig. 4.5 (notebook 4_2).
///
/// ```toml
/// [model.net]
/// kind = "deep"
/// activation = "relu"                 # the default
/// hidden = [
///   # h = a[θ_0 + θ·x]: three units, one input
///   { bias = [0.3, -1.0, -0.5], weights = [[-1.0], [2.0], [0.65]] },
///   # h' = a[ψ_0 + Ψ·h]: three units, three inputs
///   { bias = [0.3, -0.2, 0.3], weights = [[2.0, -1.0, 7.0], [2.0, 1.2, -8.0], [-2.3, -0.8, 2.0]] },
/// ]
/// output = { bias = [0.0], weights = [[0.5, -1.5, 2.2]] }   # y = φ'_0 + φ'·h'
/// ```
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct DeepSpec {
    /// The activation of every hidden unit (default `"relu"`).
    #[serde(default = "default_activation")]
    pub activation: Activation,
    /// The hidden layers h_1..h_K, first to last; at least one.
    pub hidden: Vec<Layer>,
    /// The linear output layer y = β_K + Ω_K·h_K, one row per output.
    pub output: Layer,
}

fn default_activation() -> Activation {
    Activation::Relu
}

impl DeepSpec {
    /// Impossible values serde cannot see, as `(field path, message)` pairs, e.g.
    /// `("hidden[1].weights[0]", "expected 3 numbers (one weight per unit of the previous layer), found 2")`.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut issues = crate::nest_issues("activation", self.activation.validate());
        if self.hidden.is_empty() {
            issues.push((
                "hidden".to_owned(),
                "expected at least one hidden layer { bias = [...], weights = [[...]] }".to_owned(),
            ));
        }
        let mut inputs = None;
        for (k, layer) in self.hidden.iter().enumerate() {
            issues.extend(crate::nest_issues(
                &format!("hidden[{k}]"),
                layer.issues(inputs),
            ));
            inputs = Some(layer.units());
        }
        issues.extend(crate::nest_issues("output", self.output.issues(inputs)));
        issues
    }
}

/// `kind = "composed"`: networks applied one after another, y' = net_2(net_1(x)) (UDL
/// section 4.1). Each network has the shape of a `kind = "deep"` section; each one's number of
/// outputs must equal the next one's number of inputs. The example is UDL fig. 4.1's pair as
/// given in notebook 4_1.
///
/// ```toml
/// [model.composite]
/// kind = "composed"
///
/// [[model.composite.networks]]        # network 1: x -> y
/// hidden = [{ bias = [0.0, 0.0, -0.67], weights = [[-1.0], [1.0], [1.0]] }]
/// output = { bias = [1.0], weights = [[-2.0, -3.0, 9.3]] }
///
/// [[model.composite.networks]]        # network 2: y -> y'
/// hidden = [{ bias = [-0.6, 0.2, -0.5], weights = [[-1.0], [1.0], [1.0]] }]
/// output = { bias = [0.5], weights = [[-1.0, -1.5, 2.0]] }
/// ```
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ComposedSpec {
    /// The networks, first applied first; at least one.
    pub networks: Vec<DeepSpec>,
}

impl ComposedSpec {
    /// Impossible values serde cannot see, as `(field path, message)` pairs, e.g.
    /// `("networks[1].hidden[0].weights[0]", ...)` when network 1 expects more inputs than
    /// network 0 has outputs.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut issues = Vec::new();
        if self.networks.is_empty() {
            issues.push((
                "networks".to_owned(),
                "expected at least one network".to_owned(),
            ));
        }
        for (n, net) in self.networks.iter().enumerate() {
            issues.extend(crate::nest_issues(
                &format!("networks[{n}]"),
                net.validate(),
            ));
        }
        for (n, pair) in self.networks.windows(2).enumerate() {
            let outputs = pair[0].output.units();
            let inputs = pair[1].hidden.first().map_or(0, Layer::inputs);
            if outputs > 0 && inputs > 0 && outputs != inputs {
                issues.push((
                    format!("networks[{}].hidden[0].weights", n + 1),
                    format!(
                        "expected rows of {outputs} numbers (network {n} has {outputs} outputs), found {inputs}"
                    ),
                ));
            }
        }
        issues
    }
}

/// A deep network with hand-set or fitted parameters (the runtime form of a [`DeepSpec`]).
///
/// Invariant: at least one hidden layer; every layer has at least one unit, one weight row per
/// unit, rows as long as the previous layer is wide (D_i ≥ 1 for the first), all finite.
/// Serialises as its [`DeepSpec`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "DeepSpec", into = "DeepSpec")]
pub struct DeepNet {
    activation: Activation,
    hidden: Vec<Layer>,
    output: Layer,
}

impl TryFrom<DeepSpec> for DeepNet {
    type Error = Error;
    fn try_from(spec: DeepSpec) -> Result<Self> {
        DeepNet::new(spec.activation, spec.hidden, spec.output)
    }
}

impl From<DeepNet> for DeepSpec {
    fn from(net: DeepNet) -> Self {
        DeepSpec {
            activation: net.activation,
            hidden: net.hidden,
            output: net.output,
        }
    }
}

impl From<&ShallowNet> for DeepNet {
    /// The same network with one hidden layer: θ rows split into bias and weights, likewise φ.
    fn from(net: &ShallowNet) -> Self {
        let split = |rows: &[Vec<f64>]| Layer {
            bias: rows.iter().map(|r| r[0]).collect(),
            weights: rows.iter().map(|r| r[1..].to_vec()).collect(),
        };
        DeepNet {
            activation: net.activation(),
            hidden: vec![split(net.theta())],
            output: split(net.phi()),
        }
    }
}

impl DeepNet {
    /// A network from its layers; fails with [`Error::InvalidSpec`] on inconsistent shapes.
    pub fn new(activation: Activation, hidden: Vec<Layer>, output: Layer) -> Result<Self> {
        let spec = DeepSpec {
            activation,
            hidden,
            output,
        };
        let issues = spec.validate();
        if !issues.is_empty() {
            return Err(Error::InvalidSpec(issues));
        }
        Ok(DeepNet {
            activation: spec.activation,
            hidden: spec.hidden,
            output: spec.output,
        })
    }

    /// Builds the network a spec describes; fails with [`Error::InvalidSpec`] when
    /// [`DeepSpec::validate`] finds problems.
    pub fn build(spec: &DeepSpec) -> Result<Self> {
        DeepNet::try_from(spec.clone())
    }

    /// The deep form of a built [`Model`]: a shallow network keeps its one hidden layer, and an
    /// activation `y = a[x]` becomes one unit with `a[0 + 1·x]` and output `0 + 1·h`.
    pub fn from_model(model: &Model) -> Result<Self> {
        match model {
            Model::Shallow(net) => Ok(DeepNet::from(net)),
            Model::Activation { function } => {
                let unit = || Layer {
                    bias: vec![0.0],
                    weights: vec![vec![1.0]],
                };
                DeepNet::new(*function, vec![unit()], unit())
            }
            Model::Deep(net) => Ok(net.clone()),
            Model::Composed(c) => c.merged(),
        }
    }

    /// The activation a[·] of every hidden unit.
    pub fn activation(&self) -> Activation {
        self.activation
    }

    /// The hidden layers, first to last.
    pub fn hidden(&self) -> &[Layer] {
        &self.hidden
    }

    /// The linear output layer.
    pub fn output(&self) -> &Layer {
        &self.output
    }

    /// D_i, the number of inputs.
    pub fn input_dim(&self) -> usize {
        self.hidden[0].inputs()
    }

    /// D_o, the number of outputs.
    pub fn output_dim(&self) -> usize {
        self.output.units()
    }

    /// K, the number of hidden layers (the depth).
    pub fn depth(&self) -> usize {
        self.hidden.len()
    }

    /// D_1..D_K, the widths of the hidden layers.
    pub fn widths(&self) -> Vec<usize> {
        self.hidden.iter().map(Layer::units).collect()
    }

    /// Number of parameters: every bias and weight, output layer included.
    pub fn param_count(&self) -> usize {
        self.hidden
            .iter()
            .chain([&self.output])
            .map(|l| l.units() * (1 + l.inputs()))
            .sum()
    }

    /// Outputs y_o for one input point of D_i numbers.
    pub fn forward(&self, x: &[f64]) -> Result<Vec<f64>> {
        Ok(self.layers(x)?.1)
    }

    /// The network `next ∘ self` as one deep network: `self`'s hidden layers, then `next`'s, with
    /// `self`'s output layer folded into `next`'s first hidden layer (UDL eqs. 4.5–4.6):
    /// bias ψ_0 = θ'_0 + θ'·β_out, weights Ψ = θ'·Ω_out. Its hidden units, and so its activation
    /// patterns, are those of both networks. Fails if `self` has a different number of outputs
    /// than `next` has inputs, or the activations differ.
    pub fn compose(&self, next: &DeepNet) -> Result<DeepNet> {
        if self.output_dim() != next.input_dim() {
            return Err(Error::InvalidSpec(vec![(
                "networks".to_owned(),
                format!(
                    "cannot feed {} outputs into a network with {} inputs",
                    self.output_dim(),
                    next.input_dim()
                ),
            )]));
        }
        if self.activation != next.activation {
            return Err(Error::InvalidSpec(vec![(
                "activation".to_owned(),
                format!(
                    "cannot merge networks with different activations ({} and {})",
                    self.activation.name(),
                    next.activation.name()
                ),
            )]));
        }
        let first = &next.hidden[0];
        let out = &self.output;
        let merged = Layer {
            // θ'_0 + θ'·β_out
            bias: first.apply(&out.bias),
            // (θ'·Ω_out)[d][j] = Σ_o θ'[d][o]·Ω_out[o][j]
            weights: first
                .weights
                .iter()
                .map(|row| {
                    (0..out.inputs())
                        .map(|j| {
                            row.iter()
                                .zip(&out.weights)
                                .fold(0.0, |acc, (t, w)| acc + t * w[j])
                        })
                        .collect()
                })
                .collect(),
        };
        let mut hidden = self.hidden.clone();
        hidden.push(merged);
        hidden.extend(next.hidden[1..].iter().cloned());
        DeepNet::new(self.activation, hidden, next.output.clone())
    }

    /// Every intermediate series over a 1-D grid `xs`: `x`, then per hidden layer k and unit d
    /// `pre.{k}.{d}` and `act.{k}.{d}`, then per output o `weighted.{o}.{d}`
    /// (`Ω_K[o][d]·h_K,d`, the weighted last hidden layer as in UDL fig. 4.5g–i), `y.{o}`, and
    /// `y` (= `y.0`). Fails with [`Error::NotOneInput`] for a network with several inputs.
    pub fn trace(&self, xs: &[f64]) -> Result<Trace> {
        if self.input_dim() != 1 {
            return Err(Error::NotOneInput(self.input_dim()));
        }
        let mut trace = Trace::default();
        trace.insert("x", xs.to_vec());
        let y = record(self, xs.iter().map(std::slice::from_ref), "", &mut trace)?;
        insert_outputs(&mut trace, y);
        Ok(trace)
    }

    /// Evaluates a 2-input network on the grid `x1s × x2s` (see [`GridEval`] for the layout and
    /// the columns). Fails with [`Error::InputDim`] unless the network has two inputs, and with
    /// [`Error::InvalidSpec`] for an empty grid or one of more than [`MAX_GRID_EVAL_POINTS`].
    pub fn eval_grid(&self, x1s: &[f64], x2s: &[f64]) -> Result<GridEval> {
        eval_grid(self, x1s, x2s)
    }

    fn check_input(&self, x: &[f64]) -> Result<()> {
        if x.len() != self.input_dim() {
            return Err(Error::InputDim {
                expected: self.input_dim(),
                found: x.len(),
            });
        }
        Ok(())
    }

    /// Pre-activations of every hidden layer and the outputs, for one input point.
    fn layers(&self, x: &[f64]) -> Result<(Vec<Vec<f64>>, Vec<f64>)> {
        self.check_input(x)?;
        let mut pre = Vec::with_capacity(self.hidden.len());
        let mut h = x.to_vec();
        for layer in &self.hidden {
            let z = layer.apply(&h);
            h = z.iter().map(|&z| self.activation.apply(z)).collect();
            pre.push(z);
        }
        Ok((pre, self.output.apply(&h)))
    }
}

/// Networks applied one after another: the runtime form of a [`ComposedSpec`] (UDL section 4.1).
///
/// Invariant: at least one network, and each one's number of outputs equals the next one's
/// number of inputs. Serialises as its [`ComposedSpec`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ComposedSpec", into = "ComposedSpec")]
pub struct Composition {
    networks: Vec<DeepNet>,
}

impl TryFrom<ComposedSpec> for Composition {
    type Error = Error;
    fn try_from(spec: ComposedSpec) -> Result<Self> {
        let issues = spec.validate();
        if !issues.is_empty() {
            return Err(Error::InvalidSpec(issues));
        }
        let networks = spec
            .networks
            .into_iter()
            .map(DeepNet::try_from)
            .collect::<Result<_>>()?;
        Composition::new(networks)
    }
}

impl From<Composition> for ComposedSpec {
    fn from(c: Composition) -> Self {
        ComposedSpec {
            networks: c.networks.into_iter().map(DeepSpec::from).collect(),
        }
    }
}

impl From<DeepNet> for Composition {
    /// A composition of one network.
    fn from(net: DeepNet) -> Self {
        Composition {
            networks: vec![net],
        }
    }
}

impl Composition {
    /// Networks applied in order; fails with [`Error::InvalidSpec`] if there are none or one
    /// network's outputs do not match the next one's inputs.
    pub fn new(networks: Vec<DeepNet>) -> Result<Self> {
        let mut issues = Vec::new();
        if networks.is_empty() {
            issues.push((
                "networks".to_owned(),
                "expected at least one network".to_owned(),
            ));
        }
        for (n, pair) in networks.windows(2).enumerate() {
            let o = pair[0].output_dim();
            if o != pair[1].input_dim() {
                issues.push((
                    format!("networks[{}]", n + 1),
                    format!(
                        "expected {o} inputs (network {n} has {o} outputs), found {}",
                        pair[1].input_dim()
                    ),
                ));
            }
        }
        if !issues.is_empty() {
            return Err(Error::InvalidSpec(issues));
        }
        Ok(Composition { networks })
    }

    /// Builds the composition a spec describes.
    pub fn build(spec: &ComposedSpec) -> Result<Self> {
        Composition::try_from(spec.clone())
    }

    /// The networks, first applied first.
    pub fn networks(&self) -> &[DeepNet] {
        &self.networks
    }

    /// D_i of the first network.
    pub fn input_dim(&self) -> usize {
        self.networks[0].input_dim()
    }

    /// D_o of the last network.
    pub fn output_dim(&self) -> usize {
        self.networks[self.networks.len() - 1].output_dim()
    }

    /// The final outputs for one input point.
    pub fn forward(&self, x: &[f64]) -> Result<Vec<f64>> {
        let mut y = x.to_vec();
        for net in &self.networks {
            y = net.forward(&y)?;
        }
        Ok(y)
    }

    /// The composition as one deep network ([`DeepNet::compose`] applied left to right). Its
    /// outputs equal [`Composition::forward`] up to rounding.
    pub fn merged(&self) -> Result<DeepNet> {
        let mut net = self.networks[0].clone();
        for next in &self.networks[1..] {
            net = net.compose(next)?;
        }
        Ok(net)
    }

    /// Every intermediate series over a 1-D grid `xs`: `x`; for network n (0-based) its
    /// `net.{n}.pre.{k}.{d}`, `net.{n}.act.{k}.{d}`, `net.{n}.weighted.{o}.{d}` and `net.{n}.y.{o}`
    /// (its output, the next network's input), as in [`DeepNet::trace`]; then the final
    /// `y.{o}` and `y` (= `y.0`).
    pub fn trace(&self, xs: &[f64]) -> Result<Trace> {
        if self.input_dim() != 1 {
            return Err(Error::NotOneInput(self.input_dim()));
        }
        let mut trace = Trace::default();
        trace.insert("x", xs.to_vec());
        let y = self.record(xs.iter().map(std::slice::from_ref), &mut trace)?;
        insert_outputs(&mut trace, y);
        Ok(trace)
    }

    /// Evaluates a 2-input composition on the grid `x1s × x2s`, with the columns of
    /// [`Composition::trace`] (see [`GridEval`]). Its activation pattern is that of the hidden
    /// units of every network.
    pub fn eval_grid(&self, x1s: &[f64], x2s: &[f64]) -> Result<GridEval> {
        eval_grid(self, x1s, x2s)
    }

    /// Records every network's columns under `net.{n}.`; returns the final outputs per output.
    fn record<'a>(
        &self,
        points: impl Iterator<Item = &'a [f64]>,
        trace: &mut Trace,
    ) -> Result<Vec<Vec<f64>>> {
        let mut inputs: Vec<Vec<f64>> = points.map(<[f64]>::to_vec).collect();
        for (n, net) in self.networks.iter().enumerate() {
            let ys = record(
                net,
                inputs.iter().map(Vec::as_slice),
                &format!("net.{n}."),
                trace,
            )?;
            for (o, y) in ys.iter().enumerate() {
                trace.insert(format!("net.{n}.y.{o}"), y.clone());
            }
            inputs = (0..inputs.len())
                .map(|p| ys.iter().map(|y| y[p]).collect())
                .collect();
        }
        Ok((0..self.output_dim())
            .map(|o| inputs.iter().map(|y| y[o]).collect())
            .collect())
    }
}

/// The common interface of [`DeepNet`] and [`Composition`]: evaluation, and the pre-activations
/// of all hidden units that make up the activation pattern (what the region analyses of
/// `analysis` need). Object safe, so a caller can hold a `&dyn Network`.
pub trait Network {
    /// D_i, the number of inputs.
    fn input_dim(&self) -> usize;

    /// D_o, the number of outputs.
    fn output_dim(&self) -> usize;

    /// The outputs for one input point.
    fn forward(&self, x: &[f64]) -> Result<Vec<f64>>;

    /// Names of the hidden units, in the order of [`Network::hidden_pre_activations`]: the
    /// trace column of each unit's pre-activation (`pre.{k}.{d}`, or `net.{n}.pre.{k}.{d}` in a
    /// composition).
    fn unit_names(&self) -> Vec<String>;

    /// The layer of each hidden unit, counted across the whole network (a composition numbers
    /// the layers of its networks one after another), non-decreasing in unit order. A unit's
    /// pre-activation depends only on units of earlier layers.
    fn unit_layers(&self) -> Vec<usize>;

    /// Pre-activations of every hidden unit at the input point `x`, in unit order.
    fn hidden_pre_activations(&self, x: &[f64]) -> Result<Vec<f64>>;

    /// The activations of the network's hidden units (one per network of a composition).
    /// Linear regions only make sense when [`activation_is_piecewise_linear`] holds for all.
    fn activations(&self) -> Vec<Activation>;

    /// Every intermediate series over a 1-D grid ([`DeepNet::trace`], [`Composition::trace`]).
    fn trace(&self, xs: &[f64]) -> Result<Trace>;

    /// Evaluation of a 2-input network on a grid ([`DeepNet::eval_grid`],
    /// [`Composition::eval_grid`]).
    fn eval_grid(&self, x1s: &[f64], x2s: &[f64]) -> Result<GridEval>;
}

/// Whether `a` is piecewise linear with its only kink at 0 (ReLU, leaky ReLU, PReLU, Heaviside),
/// so that a network's function is linear wherever its activation pattern is constant.
pub fn activation_is_piecewise_linear(a: Activation) -> bool {
    matches!(
        a,
        Activation::Relu
            | Activation::LeakyRelu { .. }
            | Activation::Prelu { .. }
            | Activation::Heaviside
    )
}

impl Network for DeepNet {
    fn input_dim(&self) -> usize {
        DeepNet::input_dim(self)
    }

    fn output_dim(&self) -> usize {
        DeepNet::output_dim(self)
    }

    fn forward(&self, x: &[f64]) -> Result<Vec<f64>> {
        DeepNet::forward(self, x)
    }

    fn trace(&self, xs: &[f64]) -> Result<Trace> {
        DeepNet::trace(self, xs)
    }

    fn eval_grid(&self, x1s: &[f64], x2s: &[f64]) -> Result<GridEval> {
        DeepNet::eval_grid(self, x1s, x2s)
    }

    fn unit_names(&self) -> Vec<String> {
        unit_names(self, "")
    }

    fn unit_layers(&self) -> Vec<usize> {
        self.hidden
            .iter()
            .enumerate()
            .flat_map(|(k, l)| std::iter::repeat_n(k, l.units()))
            .collect()
    }

    fn hidden_pre_activations(&self, x: &[f64]) -> Result<Vec<f64>> {
        Ok(self.layers(x)?.0.concat())
    }

    fn activations(&self) -> Vec<Activation> {
        vec![self.activation]
    }
}

impl Network for Composition {
    fn input_dim(&self) -> usize {
        Composition::input_dim(self)
    }

    fn output_dim(&self) -> usize {
        Composition::output_dim(self)
    }

    fn forward(&self, x: &[f64]) -> Result<Vec<f64>> {
        Composition::forward(self, x)
    }

    fn trace(&self, xs: &[f64]) -> Result<Trace> {
        Composition::trace(self, xs)
    }

    fn eval_grid(&self, x1s: &[f64], x2s: &[f64]) -> Result<GridEval> {
        Composition::eval_grid(self, x1s, x2s)
    }

    fn unit_names(&self) -> Vec<String> {
        self.networks
            .iter()
            .enumerate()
            .flat_map(|(n, net)| unit_names(net, &format!("net.{n}.")))
            .collect()
    }

    fn unit_layers(&self) -> Vec<usize> {
        let mut offset = 0;
        let mut layers = Vec::new();
        for net in &self.networks {
            layers.extend(net.unit_layers().into_iter().map(|k| k + offset));
            offset += net.depth();
        }
        layers
    }

    fn hidden_pre_activations(&self, x: &[f64]) -> Result<Vec<f64>> {
        let mut all = Vec::new();
        let mut y = x.to_vec();
        for net in &self.networks {
            let (pre, out) = net.layers(&y)?;
            all.extend(pre.into_iter().flatten());
            y = out;
        }
        Ok(all)
    }

    fn activations(&self) -> Vec<Activation> {
        self.networks.iter().map(|n| n.activation).collect()
    }
}

/// A 2-input network evaluated on the grid `x1s × x2s`.
///
/// Layout: `nx = x1s.len()` columns and `ny = x2s.len()` rows, stored row-major from the bottom
/// row: point `p = j·nx + i` is `(x1s[i], x2s[j])`, so row j = 0 is the first (lowest, for an
/// ascending axis) x2 value, as an image whose origin is at the bottom left.
///
/// Columns of `trace`, one value per point: `x1`, `x2`, and the names of the 1-D traces of
/// [`DeepNet::trace`] (`pre.{k}.{d}`, `act.{k}.{d}`, `weighted.{o}.{d}`, `y.{o}`, `y`) or
/// [`Composition::trace`] (the same under `net.{n}.`, plus the final `y.{o}` and `y`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GridEval {
    /// Number of x1 values (columns).
    pub nx: usize,
    /// Number of x2 values (rows).
    pub ny: usize,
    /// Pre-activation column names of the hidden units, in unit order (see
    /// [`Network::unit_names`]); together they make the activation pattern.
    pub units: Vec<String>,
    /// Named columns, one value per point.
    pub trace: Trace,
}

impl GridEval {
    /// Number of points, `nx·ny`.
    pub fn len(&self) -> usize {
        self.nx * self.ny
    }

    /// Whether the grid has no points (never true for a built one).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Index of the point in column i (x1) and row j (x2): `j·nx + i`.
    pub fn index(&self, i: usize, j: usize) -> usize {
        j * self.nx + i
    }

    /// Pre-activations of hidden unit `unit` (in [`GridEval::units`] order) at every point.
    pub fn pre(&self, unit: usize) -> &[f64] {
        self.trace
            .get(&self.units[unit])
            .expect("every unit has a pre-activation column")
    }

    /// Whether hidden unit `unit` is active (pre-activation > 0) at point `p`.
    pub fn active(&self, unit: usize, p: usize) -> bool {
        self.pre(unit)[p] > 0.0
    }

    /// The activation pattern at point `p`: one flag per hidden unit, true where active.
    pub fn pattern(&self, p: usize) -> Vec<bool> {
        (0..self.units.len()).map(|u| self.active(u, p)).collect()
    }

    /// Output `o` (column `y.{o}`) at every point.
    pub fn output(&self, o: usize) -> Option<&[f64]> {
        self.trace.get(&format!("y.{o}"))
    }
}

/// Evaluates a built 2-input [`Model`] (e.g. the shallow network of UDL fig. 3.8) on the grid
/// `x1s × x2s` through its deep form ([`DeepNet::from_model`]): columns as [`DeepNet::eval_grid`],
/// so a shallow network's unit d is `pre.0.{d}`.
pub fn eval_model_grid(model: &Model, x1s: &[f64], x2s: &[f64]) -> Result<GridEval> {
    DeepNet::from_model(model)?.eval_grid(x1s, x2s)
}

/// Something [`eval_grid`] can evaluate.
trait GridNet: Network {
    fn grid_record(&self, points: &[[f64; 2]], trace: &mut Trace) -> Result<Vec<Vec<f64>>>;
}

impl GridNet for DeepNet {
    fn grid_record(&self, points: &[[f64; 2]], trace: &mut Trace) -> Result<Vec<Vec<f64>>> {
        record(self, points.iter().map(|p| p.as_slice()), "", trace)
    }
}

impl GridNet for Composition {
    fn grid_record(&self, points: &[[f64; 2]], trace: &mut Trace) -> Result<Vec<Vec<f64>>> {
        self.record(points.iter().map(|p| p.as_slice()), trace)
    }
}

fn eval_grid(net: &impl GridNet, x1s: &[f64], x2s: &[f64]) -> Result<GridEval> {
    if net.input_dim() != 2 {
        return Err(Error::InputDim {
            expected: net.input_dim(),
            found: 2,
        });
    }
    let (nx, ny) = (x1s.len(), x2s.len());
    if nx == 0 || ny == 0 || nx.saturating_mul(ny) > MAX_GRID_EVAL_POINTS {
        return Err(Error::InvalidSpec(vec![(
            "grid".to_owned(),
            format!("expected between 1 and {MAX_GRID_EVAL_POINTS} points, found {nx} × {ny}"),
        )]));
    }
    let points: Vec<[f64; 2]> = x2s
        .iter()
        .flat_map(|&x2| x1s.iter().map(move |&x1| [x1, x2]))
        .collect();
    let mut trace = Trace::default();
    trace.insert("x1", points.iter().map(|p| p[0]).collect());
    trace.insert("x2", points.iter().map(|p| p[1]).collect());
    let y = net.grid_record(&points, &mut trace)?;
    insert_outputs(&mut trace, y);
    Ok(GridEval {
        nx,
        ny,
        units: net.unit_names(),
        trace,
    })
}

fn unit_names(net: &DeepNet, prefix: &str) -> Vec<String> {
    net.hidden
        .iter()
        .enumerate()
        .flat_map(|(k, l)| (0..l.units()).map(move |d| format!("{prefix}pre.{k}.{d}")))
        .collect()
}

/// Evaluates `net` at every point and records `{prefix}pre.{k}.{d}`, `{prefix}act.{k}.{d}` and
/// `{prefix}weighted.{o}.{d}`; returns the outputs, one series per output.
fn record<'a>(
    net: &DeepNet,
    points: impl Iterator<Item = &'a [f64]>,
    prefix: &str,
    trace: &mut Trace,
) -> Result<Vec<Vec<f64>>> {
    let widths = net.widths();
    let last = widths[widths.len() - 1];
    let mut pre: Vec<Vec<Vec<f64>>> = widths.iter().map(|&w| vec![Vec::new(); w]).collect();
    let mut act = pre.clone();
    let mut weighted = vec![vec![Vec::new(); last]; net.output_dim()];
    let mut ys = vec![Vec::new(); net.output_dim()];
    for x in points {
        let (z, y) = net.layers(x)?;
        for (k, zk) in z.iter().enumerate() {
            for (d, &v) in zk.iter().enumerate() {
                pre[k][d].push(v);
                act[k][d].push(net.activation.apply(v));
            }
        }
        let h = &z[z.len() - 1];
        for (o, row) in net.output.weights.iter().enumerate() {
            for (d, w) in row.iter().enumerate() {
                weighted[o][d].push(w * net.activation.apply(h[d]));
            }
            ys[o].push(y[o]);
        }
    }
    for (k, (pk, ak)) in pre.into_iter().zip(act).enumerate() {
        for (d, (p, a)) in pk.into_iter().zip(ak).enumerate() {
            trace.insert(format!("{prefix}pre.{k}.{d}"), p);
            trace.insert(format!("{prefix}act.{k}.{d}"), a);
        }
    }
    for (o, wo) in weighted.into_iter().enumerate() {
        for (d, w) in wo.into_iter().enumerate() {
            trace.insert(format!("{prefix}weighted.{o}.{d}"), w);
        }
    }
    Ok(ys)
}

/// Inserts `y.{o}` for every output and `y` (= `y.0`).
fn insert_outputs(trace: &mut Trace, ys: Vec<Vec<f64>>) {
    for (o, y) in ys.into_iter().enumerate() {
        if o == 0 {
            trace.insert("y", y.clone());
        }
        trace.insert(format!("y.{o}"), y);
    }
}

fn check_finite(path: &str, v: f64, issues: &mut Vec<(String, String)>) {
    if !v.is_finite() {
        issues.push((
            path.to_owned(),
            format!("expected a finite number, found {v}"),
        ));
    }
}

#[cfg(test)]
mod tests;
