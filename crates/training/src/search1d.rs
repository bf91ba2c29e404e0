//! `kind = "line-search"` (an analysis): the bracketing line search of [`crate::line_search`] run
//! on a 1-D function, with every bracket recorded, for drawing its stages (UDL fig. 6.10).
//!
//! The function is any closed form of the `function` data kind (`data::FunctionSpec`), e.g.
//! notebook 6_1's two dips `{ form = "gaussians", offset = 1.0, terms = [[-0.5, 0.65, 0.05],
//! [-0.45, 0.35, 0.01]] }`. The search covers `[0, max-step]` exactly as gradient descent's
//! search covers the step along the negative gradient.

use data::{FunctionSpec, GridSpec, Table};
use serde::{Deserialize, Serialize};

use crate::line_search::{LineSearchSpec, bracket_line_search};

/// `kind = "line-search"`: bracket the minimum of `function` on `[0, max-step]`.
///
/// ```toml
/// [analysis.search]
/// kind = "line-search"
/// function = { form = "gaussians", offset = 1.0, terms = [[-0.5, 0.65, 0.05], [-0.45, 0.35, 0.01]] }
/// max-step = 1.0
/// tolerance = 1e-5
/// max-iterations = 15
/// x = { start = 0.0, stop = 1.0, num = 201 }
/// ```
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LineSearch1dSpec {
    /// The 1-D loss f(t).
    pub function: FunctionSpec,
    /// Right end of the searched interval `[0, max-step]`.
    pub max_step: f64,
    /// Stop when the inner points are closer than this.
    pub tolerance: f64,
    /// Stop after this many bracket updates.
    pub max_iterations: usize,
    /// Where to draw the function (columns `x`, `y`).
    pub x: GridSpec,
}

impl LineSearch1dSpec {
    fn search(&self) -> LineSearchSpec {
        LineSearchSpec {
            max_step: self.max_step,
            tolerance: self.tolerance,
            max_iterations: self.max_iterations,
        }
    }

    /// Impossible values, as (field path, message).
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut issues = data::nest_issues("function", self.function.validate());
        issues.extend(self.search().validate());
        if self.max_iterations > 10_000 {
            issues.push((
                "max-iterations".into(),
                format!("expected at most 10000, found {}", self.max_iterations),
            ));
        }
        issues.extend(data::nest_issues("x", self.x.validate()));
        issues
    }
}

/// Runs the search. Columns: `x`, `y` (the function on the grid); `stages` (one value: the
/// number of bracket updates); for stage k = 0, 1, ... the bracket at its start, `a.{k}`,
/// `b.{k}`, `c.{k}`, `d.{k}` (one value each), `points.{k}` = [a, b, c, d] and `values.{k}`, the
/// function there; `step` (one value: the final (b + c)/2) and `step-value` (f there).
pub fn line_search_1d(spec: &LineSearch1dSpec) -> Result<Table, String> {
    let issues = spec.validate();
    if !issues.is_empty() {
        return Err(format!(
            "invalid line-search spec: {}",
            data::format_issues(&issues)
        ));
    }
    let f = |t: f64| spec.function.eval(t);
    let result = bracket_line_search(f, &spec.search());
    let mut table = Table::new();
    let xs = spec.x.points();
    table.insert("y", xs.iter().map(|&x| f(x)).collect());
    table.insert("x", xs);
    table.insert("stages", vec![result.brackets.len() as f64]);
    for (k, bracket) in result.brackets.iter().enumerate() {
        for (name, v) in ["a", "b", "c", "d"].iter().zip(bracket) {
            table.insert(format!("{name}.{k}"), vec![*v]);
        }
        table.insert(format!("points.{k}"), bracket.to_vec());
        table.insert(
            format!("values.{k}"),
            bracket.iter().map(|&t| f(t)).collect(),
        );
    }
    table.insert("step-value", vec![f(result.step)]);
    table.insert("step", vec![result.step]);
    if let Some((name, bad)) = table
        .columns
        .iter()
        .find_map(|(n, v)| v.iter().find(|x| !x.is_finite()).map(|x| (n, *x)))
    {
        return Err(format!("the function is not finite: `{name}` holds {bad}"));
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notebook() -> LineSearch1dSpec {
        serde_json::from_str(
            r#"{
                "function": { "form": "gaussians", "offset": 1.0,
                              "terms": [[-0.5, 0.65, 0.05], [-0.45, 0.35, 0.01]] },
                "max-step": 1.0,
                "tolerance": 1e-5,
                "max-iterations": 15,
                "x": { "start": 0.0, "stop": 1.0, "num": 11 }
            }"#,
        )
        .unwrap()
    }

    #[test]
    fn records_every_bracket_of_the_search() {
        let spec = notebook();
        assert!(spec.validate().is_empty());
        let t = line_search_1d(&spec).unwrap();
        // The same search as gradient descent's, on notebook 6_1's function.
        let direct = bracket_line_search(
            crate::line_search::notebook_6_1_loss,
            &LineSearchSpec {
                max_step: 1.0,
                tolerance: 1e-5,
                max_iterations: 15,
            },
        );
        assert_eq!(t.get("step").unwrap(), &[direct.step]);
        assert_eq!(t.get("stages").unwrap(), &[direct.brackets.len() as f64]);
        assert_eq!(t.get("points.0").unwrap(), &[0.0, 0.33, 0.66, 1.0]);
        assert_eq!(t.get("d.1").unwrap(), &[direct.brackets[1][3]]);
        // f(b) < f(c) on the first bracket, so the second drops (c, d]: d = 0.66.
        let v0 = t.get("values.0").unwrap();
        assert!(v0[1] < v0[2]);
        assert_eq!(t.get("d.1").unwrap(), &[0.66]);
        // The search ends in the narrow dip, at the global minimum 0.3803 (found on a grid of
        // 10^6 points), not in the wide one at 0.65.
        let step = t.get("step").unwrap()[0];
        assert!((step - 0.3803).abs() < 1e-3, "{step}");
        assert_eq!(t.get("x").unwrap().len(), 11);
        assert_eq!(
            t.get("y").unwrap()[5],
            crate::line_search::notebook_6_1_loss(0.5)
        );
    }

    #[test]
    fn bad_specs_are_refused() {
        let mut spec = notebook();
        spec.max_step = 0.0;
        assert_eq!(spec.validate()[0].0, "max-step");
        assert!(line_search_1d(&spec).is_err());
    }
}

#[cfg(test)]
mod form_tests {
    /// The closed forms of the `function` data kind agree with the losses here bit for bit, so
    /// a figure can draw a curve from one and optimise the other.
    #[test]
    fn data_forms_match_training_losses() {
        for (p0, p1, x) in [(-5.0, 25.0, 3.0), (0.0, 16.6, -12.5), (20.0, 40.0, 0.7)] {
            assert_eq!(
                data::forms::gabor(p0, p1, x),
                crate::loss2d::gabor(p0, p1, x)
            );
        }
    }
}
