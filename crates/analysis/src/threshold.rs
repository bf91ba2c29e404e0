//! `kind = "interpolation-threshold"`: the hidden width at which a multilayer perceptron has as
//! many parameters as its data set has training examples (UDL section 8.4, fig. 8.10: the dashed
//! line of double descent).
//!
//! An `mlp` with inputs D_i, K hidden layers of one width h and outputs D_o has
//! P(h) = (D_i + 1)·h + (K − 1)·(h + 1)·h + (h + 1)·D_o parameters (UDL eq. 4.17's count; batch norm
//! adds 2h per hidden layer). P is a polynomial of degree at most 2 in h, so it is fixed by its
//! values at h = 1, 2, 3, which the models crate's own parameter count
//! ([`models::net::Arch::num_params`]) gives; the threshold is the positive real root of
//! P(h) = N for N training examples. For two hidden layers, 40 inputs and 10 outputs,
//! P(h) = h² + 52h + 10: 14.8 for N = 1,000 and 77.3 for the book's N = 10,000.
//!
//! The pipeline copies the architecture of the `model` section and the training-set size of the
//! `data` section into the spec when it reads the figure, so both are part of the stage key and
//! the stage reads no other stage's output. A swept model (`hidden = ["$width", "$width"]`) is
//! read at every grid point: each must have its hidden layers of one width, and the same
//! inputs, outputs, depth and options.

use data::Table;
use models::net::{MlpSpec, NetSpec};
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// `kind = "interpolation-threshold"`: a one-row table with `width` (the real h with P(h) = N),
/// `examples` (N), and `params-below` / `params-above`, the parameter counts of the integer
/// widths either side.
///
/// ```toml
/// [analysis.threshold]
/// kind = "interpolation-threshold"
/// model = "net"     # a [model] section of kind mlp (may be swept over its width)
/// data = "mnist"    # a [data] section of kind mnist1d: N is its number of training examples
/// ```
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct InterpolationThresholdSpec {
    /// The `[model]` section (kind `mlp`) whose hidden layers share one width.
    pub model: String,
    /// The `[data]` section (kind `mnist1d`) whose training examples are counted.
    pub data: String,
    /// The architecture of `model`, filled in by the pipeline when it reads the figure (never
    /// written in a spec).
    #[serde(skip_deserializing, default, skip_serializing_if = "Option::is_none")]
    pub arch: Option<Template>,
    /// The number of training examples of `data`, filled in by the pipeline.
    #[serde(skip_deserializing, default, skip_serializing_if = "Option::is_none")]
    pub examples: Option<usize>,
}

/// An `mlp` with its hidden width left open.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Template {
    /// Input size D_i.
    pub inputs: usize,
    /// Number of hidden layers K (all of width h).
    pub layers: usize,
    /// Output size D_o.
    pub outputs: usize,
    /// Residual hidden layers (no extra parameters, but kept so the key names the network).
    pub residual: bool,
    /// Batch-normalised hidden layers (γ and δ per unit).
    pub batch_norm: bool,
}

impl Template {
    /// The template of `spec`, or why it has none (hidden layers of different widths).
    pub fn of(spec: &MlpSpec) -> std::result::Result<Template, String> {
        if let Some(w) = spec.hidden.windows(2).find(|w| w[0] != w[1]) {
            return Err(format!(
                "its hidden layers must share one width, found {} and {}",
                w[0], w[1]
            ));
        }
        Ok(Template {
            inputs: spec.inputs,
            layers: spec.hidden.len(),
            outputs: spec.outputs,
            residual: spec.residual,
            batch_norm: spec.batch_norm,
        })
    }

    /// The number of trainable parameters at width `h`, counted by the models crate.
    pub fn params(&self, h: usize) -> Result<usize> {
        let spec = NetSpec::Mlp(MlpSpec {
            inputs: self.inputs,
            hidden: vec![h; self.layers],
            outputs: self.outputs,
            activation: Default::default(),
            residual: self.residual,
            batch_norm: self.batch_norm,
            init: Default::default(),
            init_scale: 1.0,
            seed: 0,
        });
        let arch = spec
            .arch()
            .map_err(|(f, m)| Error::Unsupported(format!("model `{f}`: {m}")))?;
        Ok(arch.num_params())
    }

    /// The coefficients (a, b, c) of P(h) = a·h² + b·h + c, from P(1), P(2), P(3), checked at h = 4.
    pub fn polynomial(&self) -> Result<[f64; 3]> {
        let p = |h| self.params(h).map(|n| n as f64);
        let (p1, p2, p3, p4) = (p(1)?, p(2)?, p(3)?, p(4)?);
        // Second difference 2a, first difference a·(2h + 1) + b.
        let a = (p3 - 2.0 * p2 + p1) / 2.0;
        let b = p2 - p1 - 3.0 * a;
        let c = p1 - a - b;
        if a * 16.0 + b * 4.0 + c != p4 {
            return Err(Error::Unsupported(
                "the parameter count is not a quadratic in the hidden width".into(),
            ));
        }
        Ok([a, b, c])
    }

    /// The real width h > 0 with P(h) = `examples` (0 if even h → 0 has that many).
    pub fn threshold(&self, examples: usize) -> Result<f64> {
        let [a, b, c] = self.polynomial()?;
        let n = examples as f64;
        if c >= n {
            return Ok(0.0);
        }
        // a·h² + b·h − (n − c) = 0 with b > 0: the stable form of the positive root.
        let d = n - c;
        Ok(if a == 0.0 {
            d / b
        } else {
            2.0 * d / (b + (b * b + 4.0 * a * d).sqrt())
        })
    }
}

impl InterpolationThresholdSpec {
    /// Fills in `arch` and `examples` from the grid points of the sections `model` and `data`
    /// name (one point for an unswept section); problems as `(field, message)`.
    pub fn resolve(
        &mut self,
        models: &[&models::ModelSpec],
        data: &[&data::DataSpec],
    ) -> Vec<(String, String)> {
        let mut issues = Vec::new();
        match self.template_of(models) {
            Ok(t) => self.arch = Some(t),
            Err(m) => issues.push(("model".to_string(), m)),
        }
        match self.examples_of(data) {
            Ok(n) => self.examples = Some(n),
            Err(m) => issues.push(("data".to_string(), m)),
        }
        issues
    }

    fn template_of(&self, models: &[&models::ModelSpec]) -> std::result::Result<Template, String> {
        let name = &self.model;
        let Some(first) = models.first() else {
            return Err(format!("`{name}` is no [model] section of this figure"));
        };
        let mut template = None;
        for spec in std::iter::once(first).chain(&models[1..]) {
            let models::ModelSpec::Mlp(mlp) = spec else {
                return Err(format!(
                    "`{name}` is not of kind `mlp`; interpolation-threshold needs an mlp"
                ));
            };
            let t = Template::of(mlp).map_err(|m| format!("model `{name}`: {m}"))?;
            match &template {
                None => template = Some(t),
                Some(prev) if *prev != t => {
                    return Err(format!(
                        "model `{name}`: its grid points differ in more than the hidden width"
                    ));
                }
                Some(_) => {}
            }
        }
        template.ok_or_else(|| format!("`{name}` is no [model] section"))
    }

    fn examples_of(&self, data: &[&data::DataSpec]) -> std::result::Result<usize, String> {
        let name = &self.data;
        let mut examples = None;
        if data.is_empty() {
            return Err(format!("`{name}` is no [data] section of this figure"));
        }
        for spec in data {
            let data::DataSpec::Mnist1d(g) = spec else {
                return Err(format!(
                    "`{name}` is not of kind `mnist1d`; interpolation-threshold counts the training examples of a classification set"
                ));
            };
            let n = g.num_train();
            if examples.is_some_and(|e| e != n) {
                return Err(format!(
                    "data `{name}`: its grid points differ in their number of training examples"
                ));
            }
            examples = Some(n);
        }
        examples.ok_or_else(|| format!("`{name}` is no [data] section"))
    }
}

/// The table of `kind = "interpolation-threshold"`: `width`, `examples`, `params-below` and
/// `params-above` (one row each).
pub fn interpolation_threshold(spec: &InterpolationThresholdSpec) -> Result<Table> {
    let (Some(arch), Some(n)) = (&spec.arch, spec.examples) else {
        return Err(Error::Unsupported(format!(
            "the architecture of `{}` or the size of `{}` was not resolved",
            spec.model, spec.data
        )));
    };
    let h = arch.threshold(n)?;
    let mut table = Table::new();
    table.insert("width", vec![h]);
    table.insert("examples", vec![n as f64]);
    table.insert(
        "params-below",
        vec![arch.params(h.floor() as usize)? as f64],
    );
    table.insert("params-above", vec![arch.params(h.ceil() as usize)? as f64]);
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book_mlp() -> Template {
        Template {
            inputs: 40,
            layers: 2,
            outputs: 10,
            residual: false,
            batch_norm: false,
        }
    }

    fn spec(n: usize) -> InterpolationThresholdSpec {
        InterpolationThresholdSpec {
            model: "net".into(),
            data: "mnist".into(),
            arch: Some(book_mlp()),
            examples: Some(n),
        }
    }

    #[test]
    fn two_hidden_layers_of_40_in_10_out_count_h2_plus_52h_plus_10() {
        let t = book_mlp();
        assert_eq!(t.polynomial().unwrap(), [1.0, 52.0, 10.0]);
        for h in [1, 7, 15, 77, 400] {
            assert_eq!(t.params(h).unwrap(), h * h + 52 * h + 10);
        }
        // One hidden layer: (40 + 1)h + (h + 1)·10, linear; batch norm adds 2h per layer.
        let one = Template {
            layers: 1,
            ..t.clone()
        };
        assert_eq!(one.polynomial().unwrap(), [0.0, 51.0, 10.0]);
        let bn = Template {
            batch_norm: true,
            ..t
        };
        assert_eq!(bn.polynomial().unwrap(), [1.0, 56.0, 10.0]);
    }

    #[test]
    fn thresholds_match_the_closed_form_root() {
        // h = (−52 + √(52² + 4·(N − 10))) / 2.
        let closed = |n: f64| (-52.0 + (52.0f64 * 52.0 + 4.0 * (n - 10.0)).sqrt()) / 2.0;
        for n in [1000, 2000, 4000, 10_000] {
            let table = interpolation_threshold(&spec(n)).unwrap();
            let h = table.get("width").unwrap()[0];
            assert!((h - closed(n as f64)).abs() < 1e-12, "{n}: {h}");
            assert_eq!(table.get("examples").unwrap(), [n as f64]);
            let (below, above) = (
                table.get("params-below").unwrap()[0],
                table.get("params-above").unwrap()[0],
            );
            assert!(
                below <= n as f64 && n as f64 <= above,
                "{n}: {below} {above}"
            );
        }
        let h = |n| {
            interpolation_threshold(&spec(n))
                .unwrap()
                .get("width")
                .unwrap()[0]
        };
        // 1,000 examples: 14.8 (this repository's figure 8.10); 10,000: about 77 (the book's).
        assert!((h(1000) - 14.8).abs() < 0.05, "{}", h(1000));
        assert!((h(10_000) - 77.3).abs() < 0.05, "{}", h(10_000));
        // 14² + 52·14 + 10 = 934 < 1000 < 15² + 52·15 + 10 = 1015.
        let t = interpolation_threshold(&spec(1000)).unwrap();
        assert_eq!(t.get("params-below").unwrap(), [934.0]);
        assert_eq!(t.get("params-above").unwrap(), [1015.0]);
        // Fewer examples than a width-0 network's output biases: 0.
        assert_eq!(h(5), 0.0);
    }

    fn mlp(hidden: Vec<usize>) -> models::ModelSpec {
        models::ModelSpec::Mlp(MlpSpec {
            inputs: 40,
            hidden,
            outputs: 10,
            activation: Default::default(),
            residual: false,
            batch_norm: false,
            init: Default::default(),
            init_scale: 1.0,
            seed: 0,
        })
    }

    fn mnist(num: usize, split: f64) -> data::DataSpec {
        data::DataSpec::Mnist1d(data::mnist1d::Mnist1dSpec {
            num_samples: num,
            train_split: split,
            ..Default::default()
        })
    }

    #[test]
    fn resolve_reads_every_grid_point_and_names_the_field() {
        let mut s = spec(0);
        s.arch = None;
        s.examples = None;
        let (a, b) = (mlp(vec![2, 2]), mlp(vec![8, 8]));
        let d = mnist(4000, 0.25);
        assert!(s.resolve(&[&a, &b], &[&d]).is_empty());
        assert_eq!(s.arch, Some(book_mlp()));
        assert_eq!(s.examples, Some(1000));
        // Unequal hidden widths, another depth at another point, missing sections.
        let uneven = mlp(vec![4, 8]);
        let issues = s.resolve(&[&a, &uneven], &[]);
        assert_eq!(issues[0].0, "model");
        assert!(issues[0].1.contains("share one width"), "{issues:?}");
        assert_eq!(issues[1].0, "data");
        assert!(issues[1].1.contains("no [data] section"), "{issues:?}");
        let deeper = mlp(vec![8, 8, 8]);
        let issues = s.resolve(&[&a, &deeper], &[&d, &mnist(4000, 0.5)]);
        assert!(issues[0].1.contains("differ"), "{issues:?}");
        assert!(issues[1].1.contains("differ"), "{issues:?}");
        // Not read from TOML: the pipeline fills them in.
        let err = toml::from_str::<InterpolationThresholdSpec>(
            "model = \"net\"\ndata = \"d\"\nexamples = 5",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("unknown field"), "{err}");
    }
}
