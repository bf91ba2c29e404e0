//! `[sweep]` and `[aggregate.NAME]`: grids of settings expanded into one stage per grid point,
//! and their results reduced for plotting.
//!
//! A `[sweep]` table declares named axes (`width = [2, 4, 8]`); a key whose value is an inline
//! table declares axes that vary together (`schedule = { lr = [0.5, 0.1], steps = [200, 1000] }`,
//! a zipped *group*; a plain axis is a group of one). The grid is the cartesian product of the
//! groups. A string `"$width"` anywhere in a computing section is replaced by the axis value, and
//! a section that uses an axis, directly or through a section it refers to, becomes one section
//! per grid point of the groups it uses, named `fit[width=8,seed=1]` (axes in declaration order).
//! The expansion happens in the spec parser, so the planner, the executor and the cache see plain
//! sections: each point has its own key, which depends only on that point's values.
//!
//! An `[aggregate.NAME]` table turns a swept section into a table a panel can plot: one row per
//! value of an axis (`x`), each cell a scalar of every grid point (the last value of a column, by
//! default) reduced over the other axes (`mean`, `sd`, `min`, `max`, `lo` = mean − sd and `hi` =
//! mean + sd). It is computed inside the plot stage from the grid points' outputs, so the plot
//! stays a pure function of its inputs' bytes.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::{Deserialize, Serialize};
use toml::Spanned;
use toml::de::DeValue;

/// One axis of a sweep.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Axis {
    /// Axis name (`width`).
    pub name: String,
    /// Its values, in the order written (numbers, strings or booleans).
    pub values: Vec<serde_json::Value>,
    /// Index of its group in [`Sweep::groups`].
    pub group: usize,
}

/// Axes that vary together (a plain axis is a group of one).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Group {
    /// The key in `[sweep]`: the axis name, or the name of a zipped group.
    pub name: String,
    /// Indices into [`Sweep::axes`].
    pub axes: Vec<usize>,
    /// Number of values of each of its axes.
    pub len: usize,
}

/// A parsed `[sweep]` table.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Sweep {
    /// Axes in declaration order.
    pub axes: Vec<Axis>,
    /// Groups in declaration order.
    pub groups: Vec<Group>,
}

impl Sweep {
    /// The index of axis `name`.
    pub fn axis(&self, name: &str) -> Option<usize> {
        self.axes.iter().position(|a| a.name == name)
    }

    /// Every grid point of `groups` (ascending group indices): the value index of each group,
    /// the first group varying slowest.
    pub fn points(&self, groups: &[usize]) -> Vec<Vec<(usize, usize)>> {
        let mut out = vec![Vec::new()];
        for &g in groups {
            out = out
                .into_iter()
                .flat_map(|p| {
                    (0..self.groups[g].len).map(move |i| {
                        let mut q = p.clone();
                        q.push((g, i));
                        q
                    })
                })
                .collect();
        }
        out
    }

    /// The axis values of a point, axes in declaration order.
    pub fn values(&self, point: &[(usize, usize)]) -> Vec<(String, serde_json::Value)> {
        let mut axes: Vec<(usize, serde_json::Value)> = point
            .iter()
            .flat_map(|&(g, i)| {
                self.groups[g]
                    .axes
                    .iter()
                    .map(move |&a| (a, self.axes[a].values[i].clone()))
            })
            .collect();
        axes.sort_by_key(|(a, _)| *a);
        axes.into_iter()
            .map(|(a, v)| (self.axes[a].name.clone(), v))
            .collect()
    }
}

/// A value as it appears in a grid point's name: numbers as written by JSON, strings bare.
pub fn label(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The name of a section at a grid point: `fit[width=8,seed=1]`.
pub fn point_name(base: &str, values: &[(String, serde_json::Value)]) -> String {
    let inner: Vec<String> = values
        .iter()
        .map(|(a, v)| format!("{a}={}", label(v)))
        .collect();
    format!("{base}[{}]", inner.join(","))
}

/// One grid point of a swept section.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GridPoint {
    /// The expanded section name, `fit[width=8,seed=1]`.
    pub name: String,
    /// Its axis values, in declaration order.
    pub values: Vec<(String, serde_json::Value)>,
}

impl GridPoint {
    /// The value of `axis` at this point.
    pub fn get(&self, axis: &str) -> Option<&serde_json::Value> {
        self.values.iter().find(|(a, _)| a == axis).map(|(_, v)| v)
    }
}

/// Splits `"SECTION.COLUMN"` where SECTION may be a grid point (`fit[lr=0.5].test-error`): at the
/// first dot outside brackets.
pub fn split_reference(reference: &str) -> Option<(&str, &str)> {
    let mut depth = 0usize;
    for (i, c) in reference.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            '.' if depth == 0 => return Some((&reference[..i], &reference[i + 1..])),
            _ => {}
        }
    }
    None
}

/// Whether `s` is an axis placeholder `$name`; returns the name.
pub fn placeholder(s: &str) -> Option<&str> {
    let name = s.strip_prefix('$')?;
    let mut chars = name.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic() || first == '_')
        .then_some(())
        .filter(|_| chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .map(|_| name)
}

/// Every placeholder in a value, with its span, in document order.
pub fn placeholders<'v>(value: &'v Spanned<DeValue<'_>>, out: &mut Vec<(&'v str, Range<usize>)>) {
    match value.get_ref() {
        DeValue::String(s) => {
            if let Some(name) = placeholder(s) {
                out.push((name, value.span()));
            }
        }
        DeValue::Array(a) => a.iter().for_each(|v| placeholders(v, out)),
        DeValue::Table(t) => t.iter().for_each(|(_, v)| placeholders(v, out)),
        _ => {}
    }
}

/// Replaces every placeholder by `value_of(name)` (a clone of the axis's TOML value) and every
/// string naming a section in `renames` (or starting with `NAME.`) by its grid point's name.
pub fn substitute<'a>(
    value: &mut Spanned<DeValue<'a>>,
    value_of: &dyn Fn(&str) -> Option<Spanned<DeValue<'a>>>,
    renames: &BTreeMap<String, String>,
) {
    let replacement = match value.get_ref() {
        DeValue::String(s) => {
            if let Some(v) = placeholder(s).and_then(value_of) {
                Some(v)
            } else if let Some(new) = renames.get(s.as_ref()) {
                Some(Spanned::new(
                    value.span(),
                    DeValue::String(new.clone().into()),
                ))
            } else {
                split_reference(s)
                    .and_then(|(sec, col)| renames.get(sec).map(|n| format!("{n}.{col}")))
                    .map(|new| Spanned::new(value.span(), DeValue::String(new.into())))
            }
        }
        _ => None,
    };
    if let Some(r) = replacement {
        *value = r;
        return;
    }
    match value.get_mut() {
        DeValue::Array(a) => a.iter_mut().for_each(|v| substitute(v, value_of, renames)),
        DeValue::Table(t) => t
            .iter_mut()
            .for_each(|(_, v)| substitute(v, value_of, renames)),
        _ => {}
    }
}

/// Which scalar of a column each grid point contributes to an aggregate.
#[derive(Deserialize, Serialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Pick {
    /// The last value (the end of a learning curve).
    #[default]
    Last,
    /// The first value.
    First,
    /// The smallest value.
    Min,
    /// The largest value.
    Max,
}

impl Pick {
    fn of(self, values: &[f64]) -> Option<f64> {
        match self {
            Pick::Last => values.last().copied(),
            Pick::First => values.first().copied(),
            Pick::Min => values.iter().copied().reduce(f64::min),
            Pick::Max => values.iter().copied().reduce(f64::max),
        }
    }
}

/// `[aggregate.NAME]`: a swept section's results reduced to one row per value of an axis.
///
/// ```toml
/// [aggregate.errors]
/// section = "fit"            # a swept section that produces a table
/// x = "width"                # one row per width
/// over = ["seed"]            # reduced over the seeds (default: every other axis not in `where`)
/// where = { lr = 0.1 }       # only the grid points with these values
/// columns = ["test-error"]   # -> test-error.mean, .sd, .min, .max, .lo, .hi
/// pick = "last"              # the scalar each point contributes: last, first, min or max
/// ```
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct AggregateSpec {
    /// The swept section.
    pub section: String,
    /// The axis whose values become the rows (and column `x` of the table).
    pub x: String,
    /// The axes reduced over; default: every axis of the section other than `x` and `where`'s.
    #[serde(default)]
    pub over: Option<Vec<String>>,
    /// Axis values the grid points must have.
    #[serde(default, rename = "where")]
    pub at: BTreeMap<String, serde_json::Value>,
    /// Columns of the section to reduce.
    pub columns: Vec<String>,
    /// The scalar of each column a grid point contributes.
    #[serde(default)]
    pub pick: Pick,
}

/// A section's columns by name.
pub type Columns = BTreeMap<String, Vec<f64>>;

/// The statistics an aggregate offers for each column.
pub const STATS: &[&str] = &["mean", "sd", "min", "max", "lo", "hi", "n"];

impl AggregateSpec {
    /// Problems as (field, message), given the axes of the aggregated section (`None` when the
    /// section is not swept).
    pub fn validate(&self, sweep: &Sweep, axes: Option<&[String]>) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let Some(axes) = axes else {
            out.push((
                "section".into(),
                format!("section `{}` is not swept: it uses no `$axis` value, directly or through a section it reads", self.section),
            ));
            return out;
        };
        let list = || {
            axes.iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        if !axes.contains(&self.x) {
            out.push((
                "x".into(),
                format!(
                    "`{}` is not an axis of section `{}` (it varies {})",
                    self.x,
                    self.section,
                    list()
                ),
            ));
        } else if sweep.axis(&self.x).is_some_and(|a| {
            !sweep.axes[a]
                .values
                .iter()
                .all(serde_json::Value::is_number)
        }) {
            out.push((
                "x".into(),
                format!("axis `{}` has values that are not numbers", self.x),
            ));
        }
        for (a, v) in &self.at {
            match sweep.axis(a) {
                Some(i) if axes.contains(a) => {
                    if !sweep.axes[i].values.iter().any(|w| same(w, v)) {
                        out.push((
                            format!("where.{a}"),
                            format!("{} is not a value of axis `{a}`", label(v)),
                        ));
                    }
                }
                _ => out.push((
                    format!("where.{a}"),
                    format!(
                        "`{a}` is not an axis of section `{}` (it varies {})",
                        self.section,
                        list()
                    ),
                )),
            }
        }
        if let Some(over) = &self.over {
            for (i, a) in over.iter().enumerate() {
                if !axes.contains(a) {
                    out.push((
                        format!("over[{i}]"),
                        format!(
                            "`{a}` is not an axis of section `{}` (it varies {})",
                            self.section,
                            list()
                        ),
                    ));
                } else if *a == self.x || self.at.contains_key(a) {
                    out.push((
                        format!("over[{i}]"),
                        format!("axis `{a}` is already used by `x` or `where`"),
                    ));
                }
            }
            for a in axes {
                let covered = *a == self.x || self.at.contains_key(a) || over.contains(a);
                // An axis zipped with `x` varies with it: it is covered by `x`.
                let zipped = sweep
                    .axis(a)
                    .zip(sweep.axis(&self.x))
                    .is_some_and(|(i, j)| sweep.axes[i].group == sweep.axes[j].group);
                if !covered && !zipped {
                    out.push((
                        "over".into(),
                        format!("axis `{a}` of section `{}` is neither `x`, in `over`, nor fixed by `where`", self.section),
                    ));
                }
            }
        }
        if self.columns.is_empty() {
            out.push(("columns".into(), "name at least one column".into()));
        }
        out
    }

    /// The table: `x` (the axis values) and, per column C, `C.mean`, `C.sd` (sample standard
    /// deviation, 0 for one point), `C.min`, `C.max`, `C.lo` (mean − sd), `C.hi` (mean + sd),
    /// `C.n` (points per row). `points` are the section's grid points in grid order and
    /// `table(name)` the columns of one of them.
    pub fn compute(
        &self,
        sweep: &Sweep,
        points: &[GridPoint],
        table: &mut dyn FnMut(&str) -> Result<Columns, String>,
    ) -> Result<Columns, String> {
        let axis = sweep
            .axis(&self.x)
            .ok_or_else(|| format!("no axis `{}`", self.x))?;
        let mut out: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        let mut xs = Vec::new();
        let mut cells: Vec<Vec<Vec<f64>>> = Vec::new(); // row -> column -> values
        for x in &sweep.axes[axis].values {
            let chosen: Vec<&GridPoint> = points
                .iter()
                .filter(|p| p.get(&self.x).is_some_and(|v| same(v, x)))
                .filter(|p| {
                    self.at
                        .iter()
                        .all(|(a, v)| p.get(a).is_some_and(|w| same(v, w)))
                })
                .collect();
            if chosen.is_empty() {
                continue; // a value excluded by `where` (an axis zipped with `x`)
            }
            xs.push(
                x.as_f64()
                    .ok_or_else(|| format!("axis `{}` value {x} is not a number", self.x))?,
            );
            let mut row = vec![Vec::new(); self.columns.len()];
            for p in chosen {
                let t = table(&p.name)?;
                for (c, col) in self.columns.iter().enumerate() {
                    let values = t.get(col).ok_or_else(|| {
                        format!(
                            "aggregate over `{}`: section `{}` has no column `{col}` (it has {})",
                            self.section,
                            p.name,
                            t.keys().cloned().collect::<Vec<_>>().join(", ")
                        )
                    })?;
                    row[c].push(
                        self.pick
                            .of(values)
                            .ok_or_else(|| format!("column `{col}` of `{}` is empty", p.name))?,
                    );
                }
            }
            cells.push(row);
        }
        out.insert("x".into(), xs);
        for (c, col) in self.columns.iter().enumerate() {
            let stats: Vec<[f64; 7]> = cells.iter().map(|row| stats(&row[c])).collect();
            for (k, name) in STATS.iter().enumerate() {
                out.insert(
                    format!("{col}.{name}"),
                    stats.iter().map(|s| s[k]).collect(),
                );
            }
        }
        Ok(out)
    }
}

/// Two axis values are the same (numbers compared as numbers, so `0.1` matches `0.1` written
/// either way and `4` matches `4.0`).
pub fn same(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// mean, sd (n − 1), min, max, mean − sd, mean + sd, n.
fn stats(v: &[f64]) -> [f64; 7] {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let sd = if v.len() > 1 {
        (v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0)).sqrt()
    } else {
        0.0
    };
    let min = v.iter().copied().fold(f64::INFINITY, f64::min);
    let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    [mean, sd, min, max, mean - sd, mean + sd, n]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sweep() -> Sweep {
        Sweep {
            axes: vec![
                Axis {
                    name: "width".into(),
                    values: vec![json!(2), json!(4)],
                    group: 0,
                },
                Axis {
                    name: "seed".into(),
                    values: vec![json!(0), json!(1), json!(2)],
                    group: 1,
                },
            ],
            groups: vec![
                Group {
                    name: "width".into(),
                    axes: vec![0],
                    len: 2,
                },
                Group {
                    name: "seed".into(),
                    axes: vec![1],
                    len: 3,
                },
            ],
        }
    }

    #[test]
    fn points_are_the_product_first_group_slowest() {
        let s = sweep();
        let names: Vec<String> = s
            .points(&[0, 1])
            .iter()
            .map(|p| point_name("fit", &s.values(p)))
            .collect();
        assert_eq!(
            names,
            [
                "fit[width=2,seed=0]",
                "fit[width=2,seed=1]",
                "fit[width=2,seed=2]",
                "fit[width=4,seed=0]",
                "fit[width=4,seed=1]",
                "fit[width=4,seed=2]"
            ]
        );
        assert_eq!(s.points(&[1]).len(), 3);
        assert_eq!(s.points(&[]), vec![Vec::<(usize, usize)>::new()]);
    }

    #[test]
    fn references_split_outside_brackets() {
        assert_eq!(
            split_reference("fit[lr=0.5,w=2].test-error"),
            Some(("fit[lr=0.5,w=2]", "test-error"))
        );
        assert_eq!(split_reference("a.b.c"), Some(("a", "b.c")));
        assert_eq!(split_reference("fit[lr=0.5]"), None);
    }

    #[test]
    fn placeholders_are_identifiers_after_a_dollar() {
        assert_eq!(placeholder("$width"), Some("width"));
        assert_eq!(placeholder("$label-noise"), Some("label-noise"));
        assert_eq!(placeholder("$D_i$ = 1"), None);
        assert_eq!(placeholder("$"), None);
        assert_eq!(placeholder("width"), None);
    }

    #[test]
    fn aggregate_is_mean_sd_min_max_over_seeds_by_hand() {
        let s = sweep();
        let points: Vec<GridPoint> = s
            .points(&[0, 1])
            .iter()
            .map(|p| {
                let values = s.values(p);
                GridPoint {
                    name: point_name("fit", &values),
                    values,
                }
            })
            .collect();
        // The error of point (width w, seed k) ends at w + 10k.
        let mut table = |name: &str| -> Result<BTreeMap<String, Vec<f64>>, String> {
            let p = points.iter().find(|p| p.name == name).unwrap();
            let w = p.get("width").unwrap().as_f64().unwrap();
            let k = p.get("seed").unwrap().as_f64().unwrap();
            Ok(BTreeMap::from([(
                "err".to_string(),
                vec![99.0, w + 10.0 * k],
            )]))
        };
        let spec = AggregateSpec {
            section: "fit".into(),
            x: "width".into(),
            over: Some(vec!["seed".into()]),
            at: BTreeMap::new(),
            columns: vec!["err".into()],
            pick: Pick::Last,
        };
        assert!(
            spec.validate(&s, Some(&["width".into(), "seed".into()]))
                .is_empty()
        );
        let t = spec.compute(&s, &points, &mut table).unwrap();
        assert_eq!(t["x"], [2.0, 4.0]);
        // width 2: 2, 12, 22 -> mean 12, sd 10; width 4: 4, 14, 24 -> mean 14.
        assert_eq!(t["err.mean"], [12.0, 14.0]);
        assert_eq!(t["err.sd"], [10.0, 10.0]);
        assert_eq!(t["err.min"], [2.0, 4.0]);
        assert_eq!(t["err.max"], [22.0, 24.0]);
        assert_eq!(t["err.lo"], [2.0, 4.0]);
        assert_eq!(t["err.hi"], [22.0, 24.0]);
        assert_eq!(t["err.n"], [3.0, 3.0]);
        // Fixing the seed instead picks one point per row.
        let fixed = AggregateSpec {
            over: None,
            at: BTreeMap::from([("seed".to_string(), json!(1))]),
            pick: Pick::First,
            ..spec
        };
        let t = fixed.compute(&s, &points, &mut table).unwrap();
        assert_eq!(t["err.mean"], [99.0, 99.0]);
        assert_eq!(t["err.sd"], [0.0, 0.0]);
    }

    #[test]
    fn aggregate_validation_names_the_field() {
        let s = sweep();
        let spec = AggregateSpec {
            section: "fit".into(),
            x: "depth".into(),
            over: Some(vec!["width".into()]),
            at: BTreeMap::from([("seed".to_string(), json!(7))]),
            columns: vec![],
            pick: Pick::Last,
        };
        let problems = spec.validate(&s, Some(&["width".into(), "seed".into()]));
        let fields: Vec<&str> = problems.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["x", "where.seed", "columns"], "{problems:?}");
        assert!(problems[1].1.contains("7 is not a value"), "{problems:?}");
        assert_eq!(spec.validate(&s, None)[0].0, "section");
    }
}

#[cfg(test)]
mod spec_tests {
    use std::path::Path;

    use crate::spec::{FigureSpec, parse_figure};

    const HEAD: &str = "[figure]\nid = \"8.99\"\ntitle = \"t\"\ncaption = \"c\"\n";
    const TAIL: &str = "[[panel]]\nx = { range = [0.0, 1.0] }\ny = { range = [0.0, 1.0] }\n";

    fn parse(body: &str) -> Result<FigureSpec, Vec<String>> {
        let text = format!("{HEAD}{body}{TAIL}");
        let (spec, diags) = parse_figure(Path::new("f.toml"), &text);
        spec.ok_or_else(|| diags.iter().map(ToString::to_string).collect())
    }

    const NET: &str = r#"
[data.mnist]
kind = "mnist1d"
num-samples = 100

[model.net]
kind = "mlp"
inputs = 40
hidden = ["$width", "$width"]
outputs = 10
seed = "$seed"

[train.fit]
kind = "classifier"
model = "net"
data = "mnist"
optimizer = "adam"
lr = 0.01
batch = "full"
steps = 10
"#;

    #[test]
    fn sections_using_an_axis_expand_and_others_stay_single() {
        let spec = parse(&format!("[sweep]\nwidth = [2, 8]\nseed = [0, 1, 2]\n{NET}")).unwrap();
        let names: Vec<&str> = spec.sections.keys().map(String::as_str).collect();
        assert_eq!(names.len(), 1 + 6 + 6, "{names:?}");
        assert!(names.contains(&"mnist"));
        assert!(names.contains(&"net[width=8,seed=1]"));
        // The training run uses no axis itself but reads the swept network.
        assert!(names.contains(&"fit[width=8,seed=1]"));
        let points: Vec<&str> = spec.swept["fit"].iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            points[..3],
            [
                "fit[width=2,seed=0]",
                "fit[width=2,seed=1]",
                "fit[width=2,seed=2]"
            ]
        );
        let fit = &spec.sections["fit[width=8,seed=1]"];
        assert_eq!(
            fit.references(),
            [("model", "net[width=8,seed=1]"), ("data", "mnist")]
        );
        let net = spec.sections["net[width=8,seed=1]"].params();
        assert_eq!(net["hidden"], serde_json::json!([8, 8]));
        assert_eq!(net["seed"], serde_json::json!(1));
    }

    #[test]
    fn a_point_keeps_its_parameters_when_an_axis_grows() {
        let small = parse(&format!("[sweep]\nwidth = [2, 8]\nseed = [0]\n{NET}")).unwrap();
        let large = parse(&format!("[sweep]\nwidth = [2, 8, 16]\nseed = [0]\n{NET}")).unwrap();
        for (name, section) in &small.sections {
            assert_eq!(section.params(), large.sections[name].params(), "{name}");
            assert_eq!(section.references(), large.sections[name].references());
        }
        assert!(large.sections.contains_key("fit[width=16,seed=0]"));
    }

    #[test]
    fn zipped_axes_vary_together() {
        let body = NET
            .replace("lr = 0.01", "lr = \"$lr\"")
            .replace("steps = 10", "steps = \"$steps\"");
        let spec = parse(&format!(
            "[sweep]\nwidth = [4]\nseed = [0]\nschedule = {{ lr = [0.5, 0.1], steps = [20, 100] }}\n{body}"
        ))
        .unwrap();
        let fits: Vec<&str> = spec.swept["fit"].iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            fits,
            [
                "fit[width=4,seed=0,lr=0.5,steps=20]",
                "fit[width=4,seed=0,lr=0.1,steps=100]"
            ]
        );
        // The network does not use the schedule: it stays one per (width, seed).
        assert_eq!(spec.swept["net"].len(), 1);
        let params = spec.sections["fit[width=4,seed=0,lr=0.1,steps=100]"].params();
        assert_eq!(params["lr"], serde_json::json!(0.1));
        assert_eq!(params["steps"], serde_json::json!(100));
    }

    fn errors(body: &str) -> Vec<String> {
        parse(body).map(|_| ()).expect_err("the spec is rejected")
    }

    #[test]
    fn bad_sweeps_are_located() {
        // Lines: HEAD is 4 lines, so [sweep] is line 5.
        let e = errors(&format!(
            "[sweep]\nwidth = [2, 8]\nseed = [0]\n{}",
            NET.replace("\"$seed\"", "\"$sede\"")
        ));
        assert!(e.iter().any(|m| m.starts_with("f.toml:18:8: error: in [model.net]: \"$sede\" names no axis of [sweep]; did you mean \"$seed\"?")), "{e:?}");
        assert!(
            e.iter().any(|m| m
                .starts_with("f.toml:7:1: error: in [sweep]: axis `seed` is used by no section")),
            "{e:?}"
        );

        let e = errors(&format!("[sweep]\nwidth = []\nseed = [0]\n{NET}"));
        assert!(
            e.iter()
                .any(|m| m.starts_with("f.toml:6:9: error: in [sweep]: axis `width` is empty")),
            "{e:?}"
        );

        let e = errors(&format!("[sweep]\nwidth = [2]\nseed = [0, \"x\"]\n{NET}"));
        assert!(
            e.iter().any(|m| m.starts_with(
                "f.toml:7:12: error: in [model.net[width=2,seed=x]]: invalid type: string \"x\""
            )),
            "{e:?}"
        );

        let e = errors(&format!(
            "[sweep]\nwidth = [2]\nseed = [0]\ns = {{ lr = [0.5, 0.1], steps = [20] }}\n{}",
            NET.replace("lr = 0.01", "lr = \"$lr\"")
                .replace("steps = 10", "steps = \"$steps\"")
        ));
        assert!(
            e.iter().any(|m| m.starts_with(
                "f.toml:8:32: error: in [sweep]: axis `steps` has 1 values but `lr` has 2"
            )),
            "{e:?}"
        );

        let e = errors(&format!(
            "[sweep]\nwidth = [2, 2]\nseed = [{{ a = 1 }}]\n{NET}"
        ));
        assert!(
            e.iter().any(|m| m.contains("axis `width` lists 2 twice")),
            "{e:?}"
        );
        assert!(
            e.iter()
                .any(|m| m
                    .starts_with("f.toml:7:9: error: in [sweep]: a value of axis `seed` must be")),
            "{e:?}"
        );

        let e = errors(&NET.replace("\"$width\", \"$width\"", "\"$width\""));
        assert!(
            e.iter()
                .any(|m| m.contains("(this figure has no [sweep] table)")),
            "{e:?}"
        );
    }

    #[test]
    fn bad_aggregates_and_plots_of_swept_sections_are_located() {
        let body = format!(
            "[sweep]\nwidth = [2, 8]\nseed = [0, 1]\n{NET}\n[aggregate.errs]\nsection = \"fit\"\nx = \"depth\"\ncolumns = [\"test-error\"]\n\n[aggregate.bad]\nsection = \"mnist\"\nx = \"width\"\ncolumns = [\"t\"]\n"
        );
        let e = errors(&body);
        assert!(e.iter().any(|m| m.contains("in [aggregate.errs]: `x`: `depth` is not an axis of section `fit` (it varies `width`, `seed`)")), "{e:?}");
        assert!(
            e.iter()
                .any(|m| m.contains("in [aggregate.bad]: `section`: section `mnist` is not swept")),
            "{e:?}"
        );

        let plot = format!(
            "[sweep]\nwidth = [2, 8]\nseed = [0, 1]\n{NET}\n[[panel]]\nx = {{ range = [0.0, 1.0] }}\ny = {{ range = [0.0, 1.0] }}\n[[panel.series]]\nkind = \"line\"\nx = \"fit.step\"\ny = \"fit.test-error\"\n"
        );
        let e = errors(&plot);
        assert!(e.iter().any(|m| m.contains("section `fit` is swept (one stage per grid point, e.g. `fit[width=2,seed=0]`); plot it through an [aggregate.NAME] table")), "{e:?}");
    }
}
