//! `kind = "transform"`: new columns computed from columns of other sections, e.g. a network's
//! output mapped to a distribution's parameter (UDL section 5.3: a sigmoid gives the Bernoulli λ,
//! eq. 5.18; a softmax the categorical λ_k, eq. 5.22; softplus or squaring a positive variance).
//!
//! A transform is a list of operations applied in order. Each reads columns named `of` and
//! writes the column named `as`; a name in `of` is an earlier operation's output (or `x`, when the
//! transform has its own grid) if one has that name, otherwise a `"SECTION.COLUMN"` reference.
//!
//! | `op` | reads | writes |
//! |---|---|---|
//! | `sigmoid`, `softplus`, `exp`, `log`, `square`, `sqrt`, `abs` | one column | the function of each value |
//! | `linear` | columns c_1..c_n, `weights` w_1..w_n, `bias` b (default 0) | b + Σ_k w_k c_k, value by value |
//! | `softmax` | columns z_1..z_K | `{as}.0` .. `{as}.{K−1}`: exp(z_k) / Σ_j exp(z_j), value by value |
//! | `sum`, `mean`, `std`, `min`, `max` | one column | one value (`std` is the maximum-likelihood, 1/n, standard deviation) |
//! | `argmax`, `argmin` | one column, and `at` | one value: `at` where the column is largest (smallest), the first such |
//! | `select` | one column, and `rows` or `where` + `equals` | the values at those rows, or where column `where` equals `equals` |
//! | `outer` | columns a (n values) and b (m values) | the n·m products a_i·b_j, value j·n + i: a 2-D grid row by row from the bottom, as heatmaps read it (e.g. the density of two independent variables, UDL fig. 8.13a) |
//!
//! Value-by-value operations broadcast a one-value column to the length of the others.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use data::{GridSpec, Table};
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::columns::{self, Tables};
use crate::{Error, Result};

#[cfg(test)]
mod tests;

/// What an operation computes (`op = "..."`).
#[derive(Deserialize, Serialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Op {
    /// 1 / (1 + e^(−v)).
    Sigmoid,
    /// ln(1 + e^v).
    Softplus,
    /// e^v.
    Exp,
    /// ln v, for v > 0.
    Log,
    /// v².
    Square,
    /// √v, for v ≥ 0.
    Sqrt,
    /// |v|.
    Abs,
    /// bias + Σ_k weights_k · of_k.
    Linear,
    /// exp(of_k) / Σ_j exp(of_j), one output per input column.
    Softmax,
    /// Σ v.
    Sum,
    /// Mean of v.
    Mean,
    /// √(mean of (v − mean)²).
    Std,
    /// Smallest v.
    Min,
    /// Largest v.
    Max,
    /// `at` where v is largest.
    Argmax,
    /// `at` where v is smallest.
    Argmin,
    /// Some of the values: by row number or by the value of another column.
    Select,
    /// a_i · b_j for every pair, laid out as a 2-D grid (value j·n + i).
    Outer,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Sigmoid => "sigmoid",
            Op::Softplus => "softplus",
            Op::Exp => "exp",
            Op::Log => "log",
            Op::Square => "square",
            Op::Sqrt => "sqrt",
            Op::Abs => "abs",
            Op::Linear => "linear",
            Op::Softmax => "softmax",
            Op::Sum => "sum",
            Op::Mean => "mean",
            Op::Std => "std",
            Op::Min => "min",
            Op::Max => "max",
            Op::Argmax => "argmax",
            Op::Argmin => "argmin",
            Op::Select => "select",
            Op::Outer => "outer",
        }
    }

    fn is_elementwise(self) -> bool {
        matches!(
            self,
            Op::Sigmoid | Op::Softplus | Op::Exp | Op::Log | Op::Square | Op::Sqrt | Op::Abs
        )
    }

    /// The optional keys this operation takes, besides `op`, `as` and `of`.
    fn keys(self) -> &'static [&'static str] {
        match self {
            Op::Linear => &["weights", "bias"],
            Op::Argmax | Op::Argmin => &["at"],
            Op::Select => &["rows", "where", "equals"],
            _ => &[],
        }
    }
}

/// One or several column names; written as a string or a list, stored as a list.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Names(pub Vec<String>);

impl<'de> Deserialize<'de> for Names {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Names;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a column name or a list of column names")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Names, E> {
                Ok(Names(vec![v.to_owned()]))
            }
            fn visit_seq<A: SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<Names, A::Error> {
                let mut names = Vec::new();
                while let Some(n) = seq.next_element::<String>()? {
                    names.push(n);
                }
                Ok(Names(names))
            }
        }
        d.deserialize_any(V)
    }
}

/// One operation: `{ op = "sigmoid", of = "curve.y", as = "lambda" }`.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct OpSpec {
    /// What to compute.
    pub op: Op,
    /// The input column(s): earlier outputs by name, or `"SECTION.COLUMN"` references.
    pub of: Names,
    /// The output column's name (for `softmax` the prefix of `{as}.0`, `{as}.1`, ...).
    #[serde(rename = "as")]
    pub name: String,
    /// `linear`: one weight per input column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights: Option<Vec<f64>>,
    /// `linear`: the constant added (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bias: Option<f64>,
    /// `argmax`, `argmin`: the column whose value is returned (e.g. the grid).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// `select`: the row numbers to keep (from 0), in the order given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<Vec<usize>>,
    /// `select`: keep the rows where this column equals `equals`.
    #[serde(default, rename = "where", skip_serializing_if = "Option::is_none")]
    pub where_: Option<String>,
    /// `select`: the value `where` must have.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<f64>,
}

impl OpSpec {
    /// The output columns' names.
    pub fn outputs(&self) -> Vec<String> {
        if self.op == Op::Softmax {
            (0..self.of.0.len())
                .map(|k| format!("{}.{k}", self.name))
                .collect()
        } else {
            vec![self.name.clone()]
        }
    }

    /// Every column name this operation reads (`of`, `at`, `where`).
    fn inputs(&self) -> impl Iterator<Item = &str> {
        self.of
            .0
            .iter()
            .map(String::as_str)
            .chain(self.at.as_deref())
            .chain(self.where_.as_deref())
    }

    fn validate(&self) -> Vec<(String, String)> {
        let mut issues = Vec::new();
        let mut bad = |field: &str, msg: String| issues.push((field.to_owned(), msg));
        let op = self.op.name();
        let set = [
            ("weights", self.weights.is_some()),
            ("bias", self.bias.is_some()),
            ("at", self.at.is_some()),
            ("rows", self.rows.is_some()),
            ("where", self.where_.is_some()),
            ("equals", self.equals.is_some()),
        ];
        for (key, given) in set {
            if given && !self.op.keys().contains(&key) {
                bad(key, format!("`{op}` does not take `{key}`"));
            }
        }
        if self.name.is_empty() {
            bad("as", "the output needs a name".into());
        }
        let n = self.of.0.len();
        match self.op {
            Op::Linear | Op::Softmax if n == 0 => {
                bad("of", format!("`{op}` needs at least one column"))
            }
            Op::Linear | Op::Softmax => {}
            Op::Outer if n != 2 => bad("of", format!("`{op}` takes two columns, found {n}")),
            Op::Outer => {}
            _ if n != 1 => bad("of", format!("`{op}` takes one column, found {n}")),
            _ => {}
        }
        if self.op == Op::Linear {
            match &self.weights {
                None => bad(
                    "weights",
                    "`linear` needs one weight per column of `of`".into(),
                ),
                Some(w) if w.len() != n => bad(
                    "weights",
                    format!(
                        "expected {n} weights (one per column of `of`), found {}",
                        w.len()
                    ),
                ),
                Some(w) => {
                    if let Some(v) = w.iter().find(|v| !v.is_finite()) {
                        bad("weights", format!("expected finite numbers, found {v}"));
                    }
                }
            }
            if let Some(b) = self.bias.filter(|b| !b.is_finite()) {
                bad("bias", format!("expected a finite number, found {b}"));
            }
        }
        if matches!(self.op, Op::Argmax | Op::Argmin) && self.at.is_none() {
            bad(
                "at",
                format!("`{op}` needs `at`, the column whose value to return (e.g. the grid)"),
            );
        }
        if self.op == Op::Select {
            match (&self.rows, &self.where_, self.equals) {
                (Some(_), None, None) | (None, Some(_), Some(_)) => {}
                (None, Some(_), None) => bad("equals", "`where` needs `equals`".into()),
                (None, None, Some(_)) => bad("where", "`equals` needs `where`".into()),
                _ => bad("rows", "give either `rows` or `where` with `equals`".into()),
            }
            if let Some(v) = self.equals.filter(|v| !v.is_finite()) {
                bad("equals", format!("expected a finite number, found {v}"));
            }
        }
        issues
    }
}

/// `kind = "transform"`: a list of operations on columns (see the module docs).
///
/// ```toml
/// [analysis.probs]
/// kind = "transform"
/// ops = [
///   { op = "sigmoid", of = "curve.y", as = "lambda" },
///   { op = "linear", of = "lambda", weights = [-1.0], bias = 1.0, as = "not-lambda" },
/// ]
/// ```
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TransformSpec {
    /// An optional grid, written as column `x` (to transform a plain grid, e.g. plot ln z).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<GridSpec>,
    /// The operations, applied in order.
    pub ops: Vec<OpSpec>,
}

impl TransformSpec {
    /// Impossible values, as `(field, message)`.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut issues = Vec::new();
        if let Some(x) = &self.x {
            issues.extend(data::nest_issues("x", x.validate()));
        }
        if self.ops.is_empty() {
            issues.push((
                "ops".to_owned(),
                "expected at least one operation".to_owned(),
            ));
        }
        let mut names: BTreeSet<String> = self.x.iter().map(|_| "x".to_owned()).collect();
        for (i, op) in self.ops.iter().enumerate() {
            let path = format!("ops[{i}]");
            issues.extend(data::nest_issues(&path, op.validate()));
            for input in op.inputs() {
                if !names.contains(input) && columns::split(input).is_none() {
                    issues.push((
                        format!("{path}.of"),
                        format!("`{input}` is neither an earlier output of this transform nor a column reference \"SECTION.COLUMN\""),
                    ));
                }
            }
            for out in op.outputs() {
                if !names.insert(out.clone()) {
                    issues.push((
                        format!("{path}.as"),
                        format!("the column `{out}` is written twice"),
                    ));
                }
            }
        }
        issues
    }

    /// The `"SECTION.COLUMN"` references among the inputs (names of earlier outputs excluded).
    pub fn references(&self) -> Vec<&str> {
        let mut names: BTreeSet<String> = self.x.iter().map(|_| "x".to_owned()).collect();
        let mut refs = Vec::new();
        for op in &self.ops {
            refs.extend(op.inputs().filter(|i| !names.contains(*i)));
            names.extend(op.outputs());
        }
        refs
    }
}

/// Runs the operations of `spec` in order, reading references from `tables`; the table holds `x`
/// (with a grid) and every operation's outputs.
pub fn transform(spec: &TransformSpec, tables: &Tables) -> Result<Table> {
    let issues = spec.validate();
    if !issues.is_empty() {
        return Err(Error::InvalidSpec(issues));
    }
    let mut own: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    if let Some(x) = &spec.x {
        own.insert("x".into(), x.points());
    }
    for (i, op) in spec.ops.iter().enumerate() {
        let get = |name: &str| -> Result<Vec<f64>> {
            match own.get(name) {
                Some(v) => Ok(v.clone()),
                None => columns::lookup(tables, name).map(<[f64]>::to_vec),
            }
        };
        let inputs = op.of.0.iter().map(|n| get(n)).collect::<Result<Vec<_>>>()?;
        let context = |e: Error| match e {
            Error::Unsupported(m) => {
                Error::Unsupported(format!("ops[{i}] ({}): {m}", op.op.name()))
            }
            other => other,
        };
        let outputs = apply(op, &inputs, &get).map_err(context)?;
        for (name, values) in op.outputs().into_iter().zip(outputs) {
            if let Some(j) = values.iter().position(|v| !v.is_finite()) {
                return Err(Error::Unsupported(format!(
                    "ops[{i}] ({}): value {j} of `{name}` is {}",
                    op.op.name(),
                    values[j]
                )));
            }
            own.insert(name, values);
        }
    }
    Ok(Table::from(own))
}

fn apply(
    op: &OpSpec,
    inputs: &[Vec<f64>],
    get: &dyn Fn(&str) -> Result<Vec<f64>>,
) -> Result<Vec<Vec<f64>>> {
    let names = &op.of.0;
    let first = &inputs[0];
    let nonempty = |v: &[f64]| -> Result<()> {
        if v.is_empty() {
            Err(Error::Unsupported(format!("`{}` has no values", names[0])))
        } else {
            Ok(())
        }
    };
    if op.op.is_elementwise() {
        let f: fn(f64) -> Option<f64> = match op.op {
            Op::Sigmoid => |v| Some(sigmoid(v)),
            Op::Softplus => |v| Some(softplus(v)),
            Op::Exp => |v| Some(v.exp()),
            Op::Log => |v| (v > 0.0).then(|| v.ln()),
            Op::Square => |v| Some(v * v),
            Op::Sqrt => |v| (v >= 0.0).then(|| v.sqrt()),
            Op::Abs => |v| Some(v.abs()),
            _ => unreachable!("elementwise ops only"),
        };
        let out = first
            .iter()
            .enumerate()
            .map(|(j, &v)| {
                f(v).ok_or_else(|| {
                    Error::Unsupported(format!(
                        "value {j} of `{}` is {v}, outside the domain of {}",
                        names[0],
                        op.op.name()
                    ))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        return Ok(vec![out]);
    }
    let lens: Vec<(String, usize)> = names
        .iter()
        .cloned()
        .zip(inputs.iter().map(Vec::len))
        .collect();
    Ok(match op.op {
        Op::Linear => {
            let n = columns::rows(&lens)?;
            let weights = op.weights.as_deref().unwrap_or_default();
            let bias = op.bias.unwrap_or(0.0);
            vec![
                (0..n)
                    .map(|j| {
                        bias + weights
                            .iter()
                            .zip(inputs)
                            .map(|(w, c)| w * columns::at(c, j))
                            .sum::<f64>()
                    })
                    .collect(),
            ]
        }
        Op::Softmax => {
            let n = columns::rows(&lens)?;
            let mut out = vec![Vec::with_capacity(n); inputs.len()];
            for j in 0..n {
                let z: Vec<f64> = inputs.iter().map(|c| columns::at(c, j)).collect();
                let m = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let e: Vec<f64> = z.iter().map(|v| (v - m).exp()).collect();
                let s: f64 = e.iter().sum();
                for (k, ek) in e.iter().enumerate() {
                    out[k].push(ek / s);
                }
            }
            out
        }
        Op::Outer => {
            let (a, b) = (&inputs[0], &inputs[1]);
            vec![
                b.iter()
                    .flat_map(|bj| a.iter().map(move |ai| ai * bj))
                    .collect(),
            ]
        }
        Op::Sum => vec![vec![first.iter().sum()]],
        Op::Mean => {
            nonempty(first)?;
            vec![vec![mean(first)]]
        }
        Op::Std => {
            nonempty(first)?;
            let m = mean(first);
            vec![vec![
                (first.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / first.len() as f64).sqrt(),
            ]]
        }
        Op::Min => {
            nonempty(first)?;
            vec![vec![first.iter().copied().fold(f64::INFINITY, f64::min)]]
        }
        Op::Max => {
            nonempty(first)?;
            vec![vec![
                first.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            ]]
        }
        Op::Argmax | Op::Argmin => {
            nonempty(first)?;
            let at_name = op.at.as_deref().expect("validated");
            let at = get(at_name)?;
            if at.len() != first.len() {
                return Err(Error::Unsupported(format!(
                    "`{}` has {} values but `{at_name}` has {}",
                    names[0],
                    first.len(),
                    at.len()
                )));
            }
            let mut best = 0;
            for (j, v) in first.iter().enumerate() {
                let better = if op.op == Op::Argmax {
                    *v > first[best]
                } else {
                    *v < first[best]
                };
                if better {
                    best = j;
                }
            }
            vec![vec![at[best]]]
        }
        Op::Select => match (&op.rows, &op.where_, op.equals) {
            (Some(rows), _, _) => {
                let out = rows
                    .iter()
                    .map(|&r| {
                        first.get(r).copied().ok_or_else(|| {
                            Error::Unsupported(format!(
                                "row {r} does not exist: `{}` has {} values",
                                names[0],
                                first.len()
                            ))
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                vec![out]
            }
            (None, Some(w), Some(equals)) => {
                let key = get(w)?;
                if key.len() != first.len() {
                    return Err(Error::Unsupported(format!(
                        "`{}` has {} values but `{w}` has {}",
                        names[0],
                        first.len(),
                        key.len()
                    )));
                }
                vec![
                    first
                        .iter()
                        .zip(&key)
                        .filter(|(_, k)| **k == equals)
                        .map(|(v, _)| *v)
                        .collect(),
                ]
            }
            _ => unreachable!("validated"),
        },
        _ => unreachable!("elementwise ops handled above"),
    })
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

/// The logistic sigmoid 1 / (1 + e^(−z)) (UDL eq. 5.18), without overflow for large |z|.
pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// softplus(z) = ln(1 + e^z), without overflow for large z.
pub fn softplus(z: f64) -> f64 {
    z.max(0.0) + (-z.abs()).exp().ln_1p()
}
