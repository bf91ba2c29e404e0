//! The final text pass over plotters' SVG: what plotters cannot express, added line by line.
//!
//! plotters writes one element per line and a text's content on its own line, so this pass is
//! a simple, deterministic rewrite:
//! - the root element gets its size in pt (the viewBox stays in pixels);
//! - polylines get round joins (the book's curves have round joins, butt caps);
//! - runs of filled rectangles go in a `<g shape-rendering="crispEdges">` (no seams between
//!   heatmap cells) and drop the attributes that restate defaults (`opacity="1"`,
//!   `stroke="none"`), which halves the bytes of a heatmap;
//! - font sizes are printed with at most two decimals;
//! - `$...$` in a text is set as math: `<tspan>`s in the math font, letters italic, `_x` and
//!   `^{xy}` as sub- and superscripts;
//! - texts drawn at an angle (3D axis labels) get their rotation, and the facets of a surface a
//!   hairline stroke in their own colour so that no seams show between them ([`Fixups`], which
//!   names them by their order among the `<text>` and `<polygon>` elements).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use crate::Style;

/// What the drawing code asks of this pass for single elements, by their index among the
/// elements of their kind in document order (plotters writes elements in drawing order).
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Fixups {
    /// `<text>` index -> rotation in degrees (clockwise on screen) about its baseline point.
    pub text_angles: BTreeMap<usize, f64>,
    /// `<polygon>` indices that get a 1 px stroke of their fill colour.
    pub sealed_polygons: BTreeSet<usize>,
    /// `<polyline>` index -> `stroke-dasharray` (px) for dashed and dotted lines.
    pub dashed_polylines: BTreeMap<usize, String>,
}

/// Rewrites plotters' SVG output (see the module docs).
pub(crate) fn finish(
    svg: &str,
    style: &Style,
    width_pt: f64,
    height_pt: f64,
    fixups: &Fixups,
) -> String {
    let mut out = String::with_capacity(svg.len() + svg.len() / 8);
    let mut in_text = false;
    let mut size = 0.0;
    let (mut text_index, mut polygon_index, mut polyline_index) = (0, 0, 0);
    let mut in_fills = false;
    for line in svg.lines() {
        let fill = line.starts_with("<rect ") && line.contains(" stroke=\"none\"");
        if in_fills && !fill {
            out.push_str("</g>\n");
            in_fills = false;
        }
        if let Some(rest) = line.strip_prefix("<svg ") {
            let view_box = attribute(rest, "viewBox").unwrap_or_default();
            writeln!(
                out,
                "<svg width=\"{}pt\" height=\"{}pt\" viewBox=\"{view_box}\" xmlns=\"http://www.w3.org/2000/svg\">",
                fixed(width_pt),
                fixed(height_pt),
            )
            .expect("writing to a String");
        } else if let Some(rest) = line.strip_prefix("<polyline ") {
            out.push_str("<polyline stroke-linejoin=\"round\" ");
            if let Some(d) = fixups.dashed_polylines.get(&polyline_index) {
                write!(out, "stroke-dasharray=\"{d}\" ").expect("writing to a String");
            }
            out.push_str(rest);
            out.push('\n');
            polyline_index += 1;
        } else if let Some(rest) = line.strip_prefix("<polygon ") {
            if fixups.sealed_polygons.contains(&polygon_index) {
                let fill = attribute(rest, "fill").unwrap_or("none");
                write!(
                    out,
                    "<polygon stroke=\"{fill}\" stroke-width=\"1\" stroke-linejoin=\"round\" "
                )
                .expect("writing to a String");
                out.push_str(rest);
            } else {
                out.push_str(line);
            }
            out.push('\n');
            polygon_index += 1;
        } else if fill {
            if !in_fills {
                out.push_str("<g shape-rendering=\"crispEdges\">\n");
                in_fills = true;
            }
            out.push_str(
                &line
                    .replace(" opacity=\"1\"", "")
                    .replace(" stroke=\"none\"", ""),
            );
            out.push('\n');
        } else if line.starts_with("<text ") {
            let mut line = fix_font_size(line);
            let attrs = &line["<text ".len()..];
            size = attribute(attrs, "font-size")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0.0);
            if let Some(angle) = fixups.text_angles.get(&text_index) {
                let coordinate = |name| {
                    attribute(attrs, name)
                        .and_then(|v| v.parse::<f64>().ok())
                        .unwrap_or(0.0)
                };
                // plotters places top-anchored text with dy="0.76em": turn about the baseline.
                let (x, y) = (coordinate("x"), coordinate("y") + 0.76 * size);
                let transform = format!(
                    " transform=\"rotate({}, {}, {})\"",
                    fixed(*angle),
                    fixed(x),
                    fixed(y)
                );
                let end = line.rfind('>').unwrap_or(line.len());
                line.insert_str(end, &transform);
            }
            text_index += 1;
            out.push_str(&line);
            out.push('\n');
            in_text = true;
            continue;
        } else if in_text && !line.starts_with("</text>") {
            out.push_str(&math_spans(line, size, &style.math_font_family));
            out.push('\n');
        } else {
            out.push_str(line);
            out.push('\n');
        }
        in_text = false;
    }
    if in_fills {
        out.push_str("</g>\n");
    }
    out
}

/// A number with at most two decimals and no trailing zeros (`30.8`, `415.27`, `12`).
pub(crate) fn fixed(v: f64) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// The value of `name="..."` in an element's attribute text.
fn attribute<'a>(attrs: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let start = format!(" {attrs}").find(&key)? + key.len() - 1;
    let len = attrs[start..].find('"')?;
    Some(&attrs[start..start + len])
}

/// Rewrites `font-size="30.799999999999997"` as `font-size="30.8"`.
fn fix_font_size(line: &str) -> String {
    const KEY: &str = "font-size=\"";
    let Some(start) = line.find(KEY).map(|i| i + KEY.len()) else {
        return line.to_string();
    };
    let Some(len) = line[start..].find('"') else {
        return line.to_string();
    };
    match line[start..start + len].parse::<f64>() {
        Ok(v) => format!("{}{}{}", &line[..start], fixed(v), &line[start + len..]),
        Err(_) => line.to_string(),
    }
}

/// Subscripts drop by this many font sizes (the book: 0.16 em), superscripts rise by
/// [`SUP_RISE`]; both are set at [`SCRIPT_SIZE`] of the text size.
const SUB_DROP: f64 = 0.16;
/// See [`SUB_DROP`].
const SUP_RISE: f64 = 0.36;
/// See [`SUB_DROP`].
const SCRIPT_SIZE: f64 = 0.7;

/// A piece of text content with one look.
struct Run {
    text: String,
    /// Set in the math font.
    math: bool,
    /// Italic (letters in math).
    italic: bool,
    /// -1 subscript, 0 baseline, 1 superscript.
    level: i8,
}

/// Turns `$...$` pairs in (already escaped) text content into math spans: letters italic,
/// digits and symbols upright, `_x` / `_{xy}` subscripts and `^x` / `^{xy}` superscripts.
/// `size` is the text's font size in pixels. Text with an odd number of `$` is left alone.
fn math_spans(content: &str, size: f64, math_family: &str) -> String {
    let parts: Vec<&str> = content.split('$').collect();
    if parts.len() < 3 || parts.len().is_multiple_of(2) {
        return content.to_string();
    }
    let mut runs: Vec<Run> = Vec::new();
    let mut push = |text: &str, math: bool, italic: bool, level: i8| match runs.last_mut() {
        Some(last) if last.math == math && last.italic == italic && last.level == level => {
            last.text.push_str(text)
        }
        _ => runs.push(Run {
            text: text.to_string(),
            math,
            italic,
            level,
        }),
    };
    for (i, part) in parts.iter().enumerate() {
        if i % 2 == 0 {
            if !part.is_empty() {
                push(part, false, false, 0);
            }
            continue;
        }
        let chars: Vec<char> = part.chars().collect();
        let mut k = 0;
        let mut level = 0;
        let mut group_end = false; // the current script ends after one token
        let mut in_braces = false;
        while k < chars.len() {
            let c = chars[k];
            if (c == '_' || c == '^') && level == 0 {
                level = if c == '_' { -1 } else { 1 };
                k += 1;
                if chars.get(k) == Some(&'{') {
                    in_braces = true;
                    k += 1;
                } else {
                    group_end = true;
                }
                continue;
            }
            if c == '}' && in_braces {
                in_braces = false;
                level = 0;
                k += 1;
                continue;
            }
            // An escaped entity (&amp; &lt; ...) is one upright token.
            let token: String = if c == '&' {
                let end = chars[k..]
                    .iter()
                    .position(|&c| c == ';')
                    .map_or(k, |p| k + p);
                chars[k..=end].iter().collect()
            } else {
                c.to_string()
            };
            k += token.chars().count();
            push(&token, true, c.is_alphabetic(), level);
            if group_end {
                group_end = false;
                level = 0;
            }
        }
    }
    let family = math_family.replace('\'', "&apos;").replace('"', "&quot;");
    let mut out = String::new();
    let mut offset = 0.0; // current baseline shift in px, down positive
    for run in runs {
        let target = match run.level {
            -1 => SUB_DROP * size,
            1 => -SUP_RISE * size,
            _ => 0.0,
        };
        let mut attrs = String::new();
        if run.math {
            write!(attrs, " font-family=\"{family}\"").expect("writing to a String");
        }
        if run.italic {
            attrs.push_str(" font-style=\"italic\"");
        }
        if run.level != 0 {
            write!(attrs, " font-size=\"{}\"", fixed(SCRIPT_SIZE * size))
                .expect("writing to a String");
        }
        if target != offset {
            write!(attrs, " dy=\"{}\"", fixed(target - offset)).expect("writing to a String");
            offset = target;
        }
        // Some renderers drop spaces at the edges of a <tspan>: keep them as no-break spaces.
        let text = keep_edge_spaces(&run.text);
        if attrs.is_empty() {
            out.push_str(&text);
        } else {
            write!(out, "<tspan{attrs}>{text}</tspan>").expect("writing to a String");
        }
    }
    out
}

/// Turns the spaces at the start and end of `text` into no-break spaces.
fn keep_edge_spaces(text: &str) -> String {
    let start = text.len() - text.trim_start_matches(' ').len();
    let end = text.trim_end_matches(' ').len().max(start);
    format!(
        "{}{}{}",
        "\u{a0}".repeat(start),
        &text[start..end],
        "\u{a0}".repeat(text.len() - end)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_filled_rectangles_are_grouped_and_lose_default_attributes() {
        let plotters = "<svg width=\"10\" height=\"10\" viewBox=\"0 0 10 10\" xmlns=\"http://www.w3.org/2000/svg\">\n\
            <rect x=\"0\" y=\"0\" width=\"5\" height=\"5\" opacity=\"1\" fill=\"#683128\" stroke=\"none\"/>\n\
            <rect x=\"5\" y=\"0\" width=\"5\" height=\"5\" opacity=\"0.3\" fill=\"#693128\" stroke=\"none\"/>\n\
            <rect x=\"0\" y=\"0\" width=\"10\" height=\"10\" opacity=\"1\" fill=\"none\" stroke=\"#000000\" stroke-width=\"2\"/>\n\
            <rect x=\"0\" y=\"5\" width=\"5\" height=\"5\" opacity=\"1\" fill=\"#6A3229\" stroke=\"none\"/>\n\
            </svg>\n";
        let text = include_str!("../../../figures/style.toml");
        let style = Style::from_toml_str(text).expect("the house style parses");
        let out = finish(plotters, &style, 10.0, 10.0, &Fixups::default());
        let body: Vec<&str> = out.lines().skip(1).collect();
        assert_eq!(
            body,
            [
                "<g shape-rendering=\"crispEdges\">",
                "<rect x=\"0\" y=\"0\" width=\"5\" height=\"5\" fill=\"#683128\"/>",
                "<rect x=\"5\" y=\"0\" width=\"5\" height=\"5\" opacity=\"0.3\" fill=\"#693128\"/>",
                "</g>",
                "<rect x=\"0\" y=\"0\" width=\"10\" height=\"10\" opacity=\"1\" fill=\"none\" stroke=\"#000000\" stroke-width=\"2\"/>",
                "<g shape-rendering=\"crispEdges\">",
                "<rect x=\"0\" y=\"5\" width=\"5\" height=\"5\" fill=\"#6A3229\"/>",
                "</g>",
                "</svg>",
            ]
        );
    }

    #[test]
    fn fixed_has_at_most_two_decimals() {
        assert_eq!(fixed(30.799999999999997), "30.8");
        assert_eq!(fixed(12.0), "12");
        assert_eq!(fixed(-0.001), "0");
        assert_eq!(fixed(415.266), "415.27");
    }

    #[test]
    fn math_letters_are_italic_and_symbols_upright() {
        let s = math_spans("Loss, $L[φ]$", 40.0, "M");
        assert_eq!(
            s,
            "Loss,\u{a0}<tspan font-family=\"M\" font-style=\"italic\">L</tspan>\
             <tspan font-family=\"M\">[</tspan>\
             <tspan font-family=\"M\" font-style=\"italic\">φ</tspan>\
             <tspan font-family=\"M\">]</tspan>"
        );
        assert_eq!(math_spans("costs $5", 40.0, "M"), "costs $5");
    }

    #[test]
    fn scripts_shift_and_return_to_the_baseline() {
        let s = math_spans("$φ_{10}$ and $x^2$", 40.0, "M");
        assert_eq!(
            s,
            "<tspan font-family=\"M\" font-style=\"italic\">φ</tspan>\
             <tspan font-family=\"M\" font-size=\"28\" dy=\"6.4\">10</tspan>\
             <tspan dy=\"-6.4\">\u{a0}and\u{a0}</tspan>\
             <tspan font-family=\"M\" font-style=\"italic\">x</tspan>\
             <tspan font-family=\"M\" font-size=\"28\" dy=\"-14.4\">2</tspan>"
        );
    }

    #[test]
    fn entities_in_math_stay_whole() {
        let s = math_spans("$a &lt; b$", 40.0, "M");
        assert!(s.contains(">\u{a0}&lt;\u{a0}</tspan>"), "{s}");
    }

    #[test]
    fn attribute_is_found_by_name() {
        let attrs = "width=\"10\" height=\"20\" viewBox=\"0 0 10 20\"";
        assert_eq!(attribute(attrs, "viewBox"), Some("0 0 10 20"));
        assert_eq!(attribute(attrs, "width"), Some("10"));
    }
}
