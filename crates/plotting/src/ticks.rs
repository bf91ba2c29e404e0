//! Tick positions and tick labels in the book's style.
//!
//! Linear axes: three labelled majors (min, middle, max) unless the spec lists them, with
//! minors evenly between; labels with a fixed number of decimals, a short hyphen as minus and
//! never `-0.0`. Log axes: majors at powers of ten, labelled `10¹`, `10⁻²`; listed majors that
//! are not all powers of ten (2, 4, 8, ...) are labelled as plain numbers with the axis's decimals.

use crate::spec::{AxisSpec, Scale};

/// Ticks of one axis, in data units.
#[derive(Clone, Debug, PartialEq)]
pub struct Ticks {
    /// Labelled major ticks with their labels.
    pub major: Vec<(f64, String)>,
    /// Unlabelled minor ticks.
    pub minor: Vec<f64>,
}

/// Most labelled decades on a log axis before they are thinned.
const MAX_LOG_MAJORS: i32 = 8;

/// Computes the ticks of an axis whose range has already been checked (finite, lo < hi,
/// positive for log axes).
pub fn ticks(axis: &AxisSpec, default_minor: u32) -> Ticks {
    let [lo, hi] = axis.range;
    match axis.scale {
        Scale::Linear => {
            let majors = axis
                .ticks
                .clone()
                .unwrap_or_else(|| vec![lo, (lo + hi) / 2.0, hi]);
            let n_minor = axis.minor_ticks.unwrap_or(default_minor);
            let mut minor = Vec::new();
            for pair in majors.windows(2) {
                let step = (pair[1] - pair[0]) / f64::from(n_minor + 1);
                minor.extend((1..=n_minor).map(|i| pair[0] + step * f64::from(i)));
            }
            let major = majors
                .into_iter()
                .map(|v| (v, format_decimal(v, axis.decimals)))
                .collect();
            Ticks { major, minor }
        }
        Scale::Log => {
            let majors = axis.ticks.clone().unwrap_or_else(|| log_majors(lo, hi));
            let one_decade_apart = majors
                .windows(2)
                .all(|p| ((p[1] / p[0]).log10() - 1.0).abs() < 1e-9);
            let show_minor = axis.minor_ticks.map_or(one_decade_apart, |n| n > 0);
            let mut minor = Vec::new();
            if show_minor {
                let first = lo.log10().floor() as i32;
                let last = hi.log10().ceil() as i32;
                for k in first..=last {
                    for m in 2..=9 {
                        let v = f64::from(m) * 10f64.powi(k);
                        if v >= lo && v <= hi {
                            minor.push(v);
                        }
                    }
                }
            }
            // Listed ticks that are not all powers of ten (2, 4, 8, ...) read as plain numbers.
            let plain = axis.ticks.is_some() && !majors.iter().all(|&v| is_power_of_ten(v));
            let major = majors
                .into_iter()
                .map(|v| {
                    let label = if plain {
                        format_decimal(v, axis.decimals)
                    } else {
                        format_power(v)
                    };
                    (v, label)
                })
                .collect();
            Ticks { major, minor }
        }
    }
}

/// Powers of ten within [lo, hi]; on wide ranges only multiples of a round step of decades
/// (2, 5, 10, 20, 50, 100, ...) so that at most [`MAX_LOG_MAJORS`] remain. Of the steps that
/// thin enough, the smallest one that labels both ends of the range with at least three labels
/// is taken (10⁰ ... 10¹⁵⁰ in fifties), else the smallest that labels the top end (10¹ ...
/// 10¹⁵⁰: 10⁵⁰, 10¹⁰⁰, 10¹⁵⁰), else the smallest. When the range holds no power of ten, its
/// ends are used.
fn log_majors(lo: f64, hi: f64) -> Vec<f64> {
    let first = (lo.log10() - 1e-9).ceil() as i32;
    let last = (hi.log10() + 1e-9).floor() as i32;
    if first > last {
        return vec![lo, hi];
    }
    let count = |step: i32| (first..=last).filter(|k| k % step == 0).count() as i32;
    const STEPS: [i32; 11] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000];
    let thin: Vec<i32> = STEPS
        .into_iter()
        .filter(|&s| count(s) <= MAX_LOG_MAJORS)
        .collect();
    let labels_top = |s: &i32| last % s == 0 && count(*s) >= 3;
    let step = thin
        .iter()
        .find(|s| labels_top(s) && first % **s == 0)
        .or_else(|| thin.iter().find(|s| labels_top(s)))
        .or(thin.first())
        .copied()
        .unwrap_or(1000);
    (first..=last)
        .filter(|k| k % step == 0)
        .map(|k| 10f64.powi(k))
        .collect()
}

/// Formats `v` with `decimals` places, a hyphen-minus for negatives and never a negative zero.
pub fn format_decimal(v: f64, decimals: u32) -> String {
    let s = format!("{:.*}", decimals as usize, v);
    match s.strip_prefix('-') {
        Some(rest) if rest.bytes().all(|b| b == b'0' || b == b'.') => rest.to_string(),
        _ => s,
    }
}

/// Whether `v` is 10ᵏ for an integer k.
fn is_power_of_ten(v: f64) -> bool {
    v > 0.0 && (v / 10f64.powi(v.log10().round() as i32) - 1.0).abs() < 1e-9
}

/// Formats a power of ten as `10` with a Unicode superscript exponent (`10³`, `10⁻²`); other
/// values (ends of a range without a power of ten inside) get up to three significant digits
/// in the same notation, e.g. `2×10³`.
pub fn format_power(v: f64) -> String {
    if !(v.is_finite() && v > 0.0) {
        return format_decimal(v, 1);
    }
    let exp = v.log10().round() as i32;
    let mantissa = v / 10f64.powi(exp);
    if (mantissa - 1.0).abs() < 1e-9 {
        format!("10{}", superscript(exp))
    } else {
        let exp = v.log10().floor() as i32;
        let mantissa = v / 10f64.powi(exp);
        let m = format!("{mantissa:.2}");
        let m = m.trim_end_matches('0').trim_end_matches('.');
        format!("{m}×10{}", superscript(exp))
    }
}

/// An integer in Unicode superscript digits.
fn superscript(n: i32) -> String {
    const DIGITS: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    let mut s = String::new();
    if n < 0 {
        s.push('⁻');
    }
    for b in n.unsigned_abs().to_string().bytes() {
        s.push(DIGITS[usize::from(b - b'0')]);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn axis(range: [f64; 2], scale: Scale) -> AxisSpec {
        AxisSpec {
            label: None,
            range,
            scale,
            ticks: None,
            minor_ticks: None,
            decimals: 1,
            invert: false,
        }
    }

    #[test]
    fn listed_log_ticks_read_as_powers_of_ten_or_as_plain_numbers() {
        let mut a = axis([2.0, 80.0], Scale::Log);
        a.ticks = Some(vec![2.0, 4.0, 8.0, 16.0, 32.0, 64.0]);
        a.decimals = 0;
        let t = ticks(&a, 4);
        let labels: Vec<&str> = t.major.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(labels, ["2", "4", "8", "16", "32", "64"]);
        assert!(t.minor.is_empty(), "majors not a decade apart: no minors");
        a.decimals = 1;
        assert_eq!(ticks(&a, 4).major[0].1, "2.0");
        // Powers of ten keep the book's 10ᵏ, listed or not.
        a.range = [1.0, 1e50];
        a.ticks = Some(vec![1.0, 1e10, 1e50]);
        let labels: Vec<String> = ticks(&a, 4).major.into_iter().map(|(_, l)| l).collect();
        assert_eq!(labels, ["10⁰", "10¹⁰", "10⁵⁰"]);
        assert!(is_power_of_ten(1e-3) && is_power_of_ten(1e150));
        assert!(!is_power_of_ten(2e3) && !is_power_of_ten(0.0) && !is_power_of_ten(-10.0));
    }

    #[test]
    fn decimal_format_never_prints_negative_zero() {
        assert_eq!(format_decimal(-0.0, 1), "0.0");
        assert_eq!(format_decimal(-0.04, 1), "0.0");
        assert_eq!(format_decimal(-1e-17, 1), "0.0");
        assert_eq!(format_decimal(-0.4, 0), "0");
        assert_eq!(format_decimal(-0.06, 1), "-0.1");
        assert_eq!(format_decimal(-1.0, 1), "-1.0");
        assert_eq!(format_decimal(2.25, 2), "2.25");
        assert_eq!(format_decimal(1000.0, 0), "1000");
    }

    #[test]
    fn linear_default_is_min_mid_max_with_four_minors_between() {
        let t = ticks(&axis([-1.0, 1.0], Scale::Linear), 4);
        let labels: Vec<&str> = t.major.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(labels, ["-1.0", "0.0", "1.0"]);
        assert_eq!(t.minor.len(), 8);
        assert!((t.minor[0] + 0.8).abs() < 1e-12);
    }

    #[test]
    fn midpoint_rounding_to_zero_is_plain_zero() {
        // -0.1 + 0.1 in floating point halves to a tiny negative number on some ranges.
        let t = ticks(&axis([-0.30000000000000004, 0.3], Scale::Linear), 4);
        assert_eq!(t.major[1].1, "0.0");
    }

    #[test]
    fn log_axis_labels_powers_of_ten_with_minors() {
        let t = ticks(&axis([1.0, 1000.0], Scale::Log), 4);
        let labels: Vec<&str> = t.major.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(labels, ["10⁰", "10¹", "10²", "10³"]);
        assert_eq!(t.minor.len(), 24);
        let t = ticks(&axis([1e-3, 1e-1], Scale::Log), 4);
        let labels: Vec<&str> = t.major.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(labels, ["10⁻³", "10⁻²", "10⁻¹"]);
    }

    #[test]
    fn wide_log_axis_is_thinned_and_has_no_minors() {
        let t = ticks(&axis([1.0, 1e140], Scale::Log), 4);
        let labels: Vec<&str> = t.major.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(
            labels,
            [
                "10⁰",
                "10²⁰",
                "10⁴⁰",
                "10⁶⁰",
                "10⁸⁰",
                "10¹⁰⁰",
                "10¹²⁰",
                "10¹⁴⁰"
            ]
        );
        assert!(t.minor.is_empty());
    }

    #[test]
    fn very_wide_log_axes_prefer_labelling_their_ends() {
        let labels = |lo: f64, hi: f64| -> Vec<String> {
            ticks(&axis([lo, hi], Scale::Log), 4)
                .major
                .into_iter()
                .map(|(_, l)| l)
                .collect()
        };
        assert_eq!(labels(1.0, 1e150), ["10⁰", "10⁵⁰", "10¹⁰⁰", "10¹⁵⁰"]);
        assert_eq!(labels(10.0, 1e150), ["10⁵⁰", "10¹⁰⁰", "10¹⁵⁰"]);
        assert_eq!(labels(1e-150, 1.0), ["10⁻¹⁵⁰", "10⁻¹⁰⁰", "10⁻⁵⁰", "10⁰"]);
        assert_eq!(labels(1.0, 1e30).len(), 7, "every fifth decade");
        assert_eq!(labels(1.0, 1e9), ["10⁰", "10²", "10⁴", "10⁶", "10⁸"]);
    }

    #[test]
    fn log_range_without_a_power_of_ten_labels_its_ends() {
        assert_eq!(format_power(2000.0), "2×10³");
        let t = ticks(&axis([2.0, 5.0], Scale::Log), 4);
        let labels: Vec<&str> = t.major.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(labels, ["2×10⁰", "5×10⁰"]);
    }
}
