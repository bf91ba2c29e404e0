//! `[[check]]`: claims about a figure's numbers, tested every time its plot stage runs.
//!
//! A figure that shows a phenomenon (a peak at the interpolation threshold, one curve below
//! another) states it as a check that compares two reductions of plotted or plottable series:
//!
//! ```toml
//! [[check]]
//! claim = "With noisy labels the test error peaks at the interpolation threshold"
//! left = { of = "noisy.test-error.mean", take = "max", within = [12.0, 32.0] }
//! op = ">"
//! right = { of = "noisy.test-error.mean", take = "min", within = [2.0, 10.0] }
//! margin = 3.0
//! ```
//!
//! `left op right ± margin` must hold (`>`: left > right + margin; `<`: left < right − margin;
//! `=`: |left − right| ≤ margin), or the plot stage fails with the claim and both measured values, so a spec change, a new
//! budget or a regression that loses the phenomenon fails the build instead of publishing a
//! figure that no longer shows it. The series a check reads are stored with the plotted numbers
//! (so `verify` compares them too), and the figure's lock records each claim with its values.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One `[[check]]` table.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CheckSpec {
    /// What the check establishes, in words (shown in errors, the lock and the book).
    pub claim: String,
    /// The left-hand side.
    pub left: Operand,
    /// `>`, `<` or `=`.
    pub op: Comparison,
    /// The right-hand side.
    pub right: Operand,
    /// How far past the right-hand side the left must be (≥ 0); for `=`, how far from it it may be.
    #[serde(default)]
    pub margin: f64,
}

/// The comparison of a check.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub enum Comparison {
    /// left > right + margin.
    #[serde(rename = ">")]
    Greater,
    /// left < right − margin.
    #[serde(rename = "<")]
    Less,
    /// |left − right| ≤ margin.
    #[serde(rename = "=")]
    Equal,
}

/// One side of a check: a number, or a reduction of a series.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Operand {
    /// A constant (instead of `of`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// The series reduced, `SECTION.COLUMN` as in a panel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub of: Option<String>,
    /// The series giving each value's position; default `SECTION.x`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub along: Option<String>,
    /// The reduction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub take: Option<Take>,
    /// Only the values whose position lies in `[lo, hi]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within: Option<[f64; 2]>,
    /// For `take = "at"`: the position of the value taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<f64>,
}

/// How a series is reduced to one number.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Take {
    /// The largest value.
    Max,
    /// The smallest value.
    Min,
    /// The mean of the values.
    Mean,
    /// The position of the largest value.
    Argmax,
    /// The position of the smallest value.
    Argmin,
    /// The value at position `at`.
    At,
}

impl Operand {
    /// The series references this side reads (`of` and its positions).
    pub fn references(&self) -> Vec<String> {
        match &self.of {
            Some(of) => vec![of.clone(), self.along_reference().unwrap_or_default()],
            None => Vec::new(),
        }
    }

    /// The positions' reference: `along`, or the `x` column of `of`'s section.
    fn along_reference(&self) -> Option<String> {
        match (&self.along, &self.of) {
            (Some(a), _) => Some(a.clone()),
            (None, Some(of)) => {
                crate::sweep::split_reference(of).map(|(section, _)| format!("{section}.x"))
            }
            (None, None) => None,
        }
    }

    /// Problems as (field, message).
    fn validate(&self, side: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut bad = |field: &str, m: &str| out.push((format!("{side}.{field}"), m.to_string()));
        match (&self.value, &self.of) {
            (Some(_), Some(_)) => bad("value", "give either `value` or `of`, not both"),
            (None, None) => bad(
                "of",
                "missing: give `of = \"SECTION.COLUMN\"` (with `take`) or `value = NUMBER`",
            ),
            (Some(v), None) => {
                if !v.is_finite() {
                    bad("value", "must be a finite number");
                }
                if self.take.is_some() || self.within.is_some() || self.at.is_some() {
                    bad("value", "a constant takes no `take`, `within` or `at`");
                }
            }
            (None, Some(_)) => match self.take {
                None => bad(
                    "take",
                    "missing: one of `max`, `min`, `mean`, `argmax`, `argmin`, `at`",
                ),
                Some(Take::At) => {
                    if self.at.is_none() {
                        bad("at", "missing: `take = \"at\"` needs the position `at = X`");
                    }
                    if self.within.is_some() {
                        bad("within", "`take = \"at\"` takes no `within`");
                    }
                }
                Some(_) => {
                    if self.at.is_some() {
                        bad("at", "`at` goes with `take = \"at\"` only");
                    }
                }
            },
        }
        if let Some([lo, hi]) = self.within
            && !(lo.is_finite() && hi.is_finite() && lo <= hi)
        {
            bad("within", "must be `[lo, hi]` with lo ≤ hi");
        }
        out
    }

    /// Evaluates this side; returns the number and how it was obtained, for messages.
    fn evaluate(&self, series: &BTreeMap<String, Vec<f64>>) -> Result<(f64, String), String> {
        let (Some(of), Some(take)) = (&self.of, self.take) else {
            let v = self.value.unwrap_or(f64::NAN);
            return Ok((v, fmt(v)));
        };
        let along = self.along_reference().unwrap_or_default();
        let get = |r: &str| {
            series
                .get(r)
                .ok_or_else(|| format!("no series `{r}` was resolved"))
        };
        let (ys, xs) = (get(of)?, get(&along)?);
        if ys.len() != xs.len() {
            return Err(format!(
                "`{of}` has {} values but its positions `{along}` have {}",
                ys.len(),
                xs.len()
            ));
        }
        let points: Vec<(f64, f64)> = xs
            .iter()
            .zip(ys)
            .map(|(&x, &y)| (x, y))
            .filter(|(x, _)| self.within.is_none_or(|[lo, hi]| lo <= *x && *x <= hi))
            .collect();
        let range = match self.within {
            Some([lo, hi]) => format!(" for {} ≤ x ≤ {}", fmt(lo), fmt(hi)),
            None => String::new(),
        };
        if points.is_empty() {
            return Err(format!("`{of}` has no values{range}"));
        }
        if let Some((x, y)) = points.iter().find(|(_, y)| !y.is_finite()) {
            return Err(format!("`{of}` is not finite at x = {} ({y})", fmt(*x)));
        }
        let best = |better: fn(f64, f64) -> bool| {
            points
                .iter()
                .copied()
                .reduce(|a, b| if better(b.1, a.1) { b } else { a })
                .expect("points are not empty")
        };
        let (value, how) = match take {
            Take::Max | Take::Argmax | Take::Min | Take::Argmin => {
                let (x, y) = if matches!(take, Take::Max | Take::Argmax) {
                    best(|b, a| b > a)
                } else {
                    best(|b, a| b < a)
                };
                let kind = if matches!(take, Take::Max | Take::Argmax) {
                    "max"
                } else {
                    "min"
                };
                if matches!(take, Take::Max | Take::Min) {
                    (
                        y,
                        format!("{kind} of `{of}`{range} = {} (at x = {})", fmt(y), fmt(x)),
                    )
                } else {
                    (
                        x,
                        format!("arg{kind} of `{of}`{range} = {} (value {})", fmt(x), fmt(y)),
                    )
                }
            }
            Take::Mean => {
                let m = points.iter().map(|p| p.1).sum::<f64>() / points.len() as f64;
                (m, format!("mean of `{of}`{range} = {}", fmt(m)))
            }
            Take::At => {
                let at = self.at.unwrap_or(f64::NAN);
                let tol = 1e-9 * at.abs().max(1.0);
                let (_, y) = *points
                    .iter()
                    .find(|(x, _)| (x - at).abs() <= tol)
                    .ok_or_else(|| {
                        format!(
                            "`{of}` has no value at x = {} (its positions are {})",
                            fmt(at),
                            xs.iter().map(|x| fmt(*x)).collect::<Vec<_>>().join(", ")
                        )
                    })?;
                (y, format!("`{of}` at x = {} = {}", fmt(at), fmt(y)))
            }
        };
        Ok((value, how))
    }
}

impl CheckSpec {
    /// Every series reference the check reads.
    pub fn references(&self) -> Vec<String> {
        let mut out = self.left.references();
        out.extend(self.right.references());
        out.sort();
        out.dedup();
        out
    }

    /// Problems as (field, message).
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if self.claim.trim().is_empty() {
            out.push(("claim".into(), "must say what the check establishes".into()));
        }
        if !(self.margin.is_finite() && self.margin >= 0.0) {
            out.push(("margin".into(), "must be a number ≥ 0".into()));
        }
        out.extend(self.left.validate("left"));
        out.extend(self.right.validate("right"));
        if self.left.of.is_none() && self.right.of.is_none() && out.is_empty() {
            out.push((
                "left".into(),
                "a check must read at least one series (`of`)".into(),
            ));
        }
        out
    }

    /// Evaluates the check on resolved series: `Ok(description)` if it holds, `Err` (with the
    /// claim and both measured values) if it does not or cannot be evaluated.
    pub fn evaluate(&self, series: &BTreeMap<String, Vec<f64>>) -> Result<String, String> {
        let failed = |why: String| format!("check \"{}\" failed: {why}", self.claim);
        let (l, ltext) = self.left.evaluate(series).map_err(failed)?;
        let (r, rtext) = self.right.evaluate(series).map_err(failed)?;
        let m = self.margin;
        let (holds, sign, bound, margin) = match self.op {
            Comparison::Greater => (l > r + m, ">", fmt(r + m), format!(" + {}", fmt(m))),
            Comparison::Less => (l < r - m, "<", fmt(r - m), format!(" − {}", fmt(m))),
            Comparison::Equal => (
                (l - r).abs() <= m,
                "=",
                String::new(),
                format!(" ± {}", fmt(m)),
            ),
        };
        let margin = if m == 0.0 { String::new() } else { margin };
        let text = format!("{ltext} {sign} {rtext}{margin}");
        if holds {
            Ok(text)
        } else if self.op == Comparison::Equal {
            Err(failed(format!(
                "{ltext} is not within {} of {rtext}",
                fmt(m)
            )))
        } else {
            Err(failed(format!(
                "{ltext} is not {sign} {bound} ({rtext}{margin})"
            )))
        }
    }
}

/// A number for messages: four significant digits, no trailing zeros.
fn fmt(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let digits = (3 - v.abs().log10().floor() as i32).clamp(0, 12) as usize;
    let s = format!("{v:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series() -> BTreeMap<String, Vec<f64>> {
        BTreeMap::from([
            ("e.x".into(), vec![2.0, 4.0, 8.0, 16.0, 32.0, 64.0]),
            ("e.test".into(), vec![70.0, 66.0, 68.0, 74.0, 65.0, 60.0]),
            ("e.other".into(), vec![71.0, 67.0, 69.0, 75.0, 66.0, 61.0]),
        ])
    }

    fn check(text: &str) -> CheckSpec {
        toml::from_str(text).unwrap()
    }

    const PEAK: &str = "claim = \"peak\"\nleft = { of = \"e.test\", take = \"max\", within = [8.0, 32.0] }\nop = \">\"\nright = { of = \"e.test\", take = \"min\", within = [2.0, 8.0] }\n";

    #[test]
    fn a_peak_above_the_dip_holds_and_reports_both_sides() {
        let c = check(&format!("{PEAK}margin = 7.9\n"));
        assert!(c.validate().is_empty());
        let text = c.evaluate(&series()).unwrap();
        assert_eq!(
            text,
            "max of `e.test` for 8 ≤ x ≤ 32 = 74 (at x = 16) > min of `e.test` for 2 ≤ x ≤ 8 = 66 (at x = 4) + 7.9"
        );
    }

    #[test]
    fn a_margin_beyond_the_difference_fails_with_the_values() {
        let e = check(&format!("{PEAK}margin = 8.0\n"))
            .evaluate(&series())
            .unwrap_err();
        assert_eq!(
            e,
            "check \"peak\" failed: max of `e.test` for 8 ≤ x ≤ 32 = 74 (at x = 16) is not > 74 (min of `e.test` for 2 ≤ x ≤ 8 = 66 (at x = 4) + 8)"
        );
    }

    #[test]
    fn argmax_mean_at_and_constants() {
        let s = series();
        let at = |text: &str| {
            check(&format!(
                "claim = \"c\"\nop = \"<\"\nright = {{ value = 100.0 }}\nleft = {text}\n"
            ))
            .left
            .evaluate(&s)
            .unwrap()
            .0
        };
        assert_eq!(at("{ of = \"e.test\", take = \"argmax\" }"), 16.0);
        assert_eq!(at("{ of = \"e.test\", take = \"argmin\" }"), 64.0);
        assert_eq!(
            at("{ of = \"e.test\", take = \"mean\", within = [16.0, 64.0] }"),
            199.0 / 3.0
        );
        assert_eq!(at("{ of = \"e.test\", take = \"at\", at = 32.0 }"), 65.0);
        assert_eq!(
            at("{ of = \"e.test\", along = \"e.other\", take = \"argmin\" }"),
            61.0
        );
        // One curve below another, pointwise through the mean of the differences' sign.
        let c = check(
            "claim = \"below\"\nleft = { of = \"e.test\", take = \"mean\" }\nop = \"<\"\nright = { of = \"e.other\", take = \"mean\" }\nmargin = 0.5\n",
        );
        assert!(c.evaluate(&s).is_ok());
        let c = check(
            "claim = \"below\"\nleft = { of = \"e.test\", take = \"mean\" }\nop = \"<\"\nright = { of = \"e.other\", take = \"mean\" }\nmargin = 1.5\n",
        );
        assert!(c.evaluate(&s).is_err());
    }

    #[test]
    fn missing_points_and_series_are_errors_not_passes() {
        let s = series();
        let e = check("claim = \"c\"\nleft = { of = \"e.test\", take = \"at\", at = 3.0 }\nop = \">\"\nright = { value = 0.0 }\n")
            .evaluate(&s)
            .unwrap_err();
        assert!(
            e.contains("has no value at x = 3 (its positions are 2, 4, 8, 16, 32, 64)"),
            "{e}"
        );
        let e = check("claim = \"c\"\nleft = { of = \"e.test\", take = \"max\", within = [100.0, 200.0] }\nop = \">\"\nright = { value = 0.0 }\n")
            .evaluate(&s)
            .unwrap_err();
        assert!(e.contains("has no values for 100 ≤ x ≤ 200"), "{e}");
        let mut nan = s.clone();
        nan.get_mut("e.test").unwrap()[5] = f64::NAN;
        let e = check("claim = \"c\"\nleft = { of = \"e.test\", take = \"max\" }\nop = \">\"\nright = { value = 0.0 }\n")
            .evaluate(&nan)
            .unwrap_err();
        assert!(e.contains("is not finite at x = 64"), "{e}");
    }

    #[test]
    fn validation_names_the_field() {
        let problems = |text: &str| check(text).validate();
        let p = problems(
            "claim = \"\"\nleft = { of = \"e.test\" }\nop = \">\"\nright = { value = 1.0, take = \"max\" }\nmargin = -1.0\n",
        );
        let fields: Vec<&str> = p.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            ["claim", "margin", "left.take", "right.value"],
            "{p:?}"
        );
        let p = problems(
            "claim = \"c\"\nleft = { of = \"e.test\", take = \"at\" }\nop = \">\"\nright = { of = \"e.test\", take = \"max\", at = 2.0, within = [3.0, 1.0] }\n",
        );
        let fields: Vec<&str> = p.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["left.at", "right.at", "right.within"], "{p:?}");
        assert!(
            toml::from_str::<CheckSpec>(
                "claim = \"c\"\nleft = { value = 1.0 }\nop = \">=\"\nright = { value = 0.0 }\n"
            )
            .is_err()
        );
    }

    #[test]
    fn equality_within_the_margin() {
        let s = series();
        let c = |margin: f64| {
            check(&format!("claim = \"peak at 16\"\nleft = {{ of = \"e.test\", take = \"argmax\" }}\nop = \"=\"\nright = {{ value = 17.0 }}\nmargin = {margin:?}\n"))
                .evaluate(&s)
        };
        assert_eq!(
            c(1.0).unwrap(),
            "argmax of `e.test` = 16 (value 74) = 17 ± 1"
        );
        assert_eq!(
            c(0.5).unwrap_err(),
            "check \"peak at 16\" failed: argmax of `e.test` = 16 (value 74) is not within 0.5 of 17"
        );
    }
}
