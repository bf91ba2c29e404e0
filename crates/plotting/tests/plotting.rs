//! Behaviour of the plotting crate through its public API: style file, spec format, rendering,
//! determinism and error messages. Snapshots update with `UPDATE_EXPECT=1`.

mod fixture;
mod kinds;

use std::path::PathBuf;

use plotting::{Error, Figure, Panel, PanelSpec, Rgb, SeriesSpec, render_svg};

use fixture::{example, parse, style, tiny};

/// The contents of every `<text>` element, in document order.
fn texts(svg: &str) -> Vec<String> {
    let lines: Vec<&str> = svg.lines().collect();
    lines
        .windows(2)
        .filter(|w| w[0].starts_with("<text "))
        .map(|w| w[1].to_string())
        .collect()
}

/// The points of every `<polyline>` with the given stroke colour.
fn polylines(svg: &str, stroke: &str) -> Vec<Vec<(i32, i32)>> {
    let needle = format!("stroke=\"{stroke}\"");
    svg.lines()
        .filter(|l| l.starts_with("<polyline ") && l.contains(&needle))
        .map(|l| {
            let start = l.find("points=\"").expect("points") + "points=\"".len();
            let end = start + l[start..].find('"').expect("closing quote");
            l[start..end]
                .split_whitespace()
                .map(|p| {
                    let (x, y) = p.split_once(',').expect("x,y");
                    (x.parse().expect("int"), y.parse().expect("int"))
                })
                .collect()
        })
        .collect()
}

fn render(fig: &Figure) -> String {
    render_svg(fig, &style()).unwrap_or_else(|e| panic!("renders: {e}"))
}

/// Compares `actual` with the file under `tests/snapshots/`, or rewrites the file when
/// `UPDATE_EXPECT=1`.
fn check_snapshot(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&path, actual).expect("snapshot written");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; run with UPDATE_EXPECT=1", path.display()));
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(expected.lines().count().min(actual.lines().count()));
        panic!(
            "{} differs from the rendering at line {}:\n  expected: {:?}\n  actual:   {:?}\n\
             (run with UPDATE_EXPECT=1 if the change is intended)",
            path.display(),
            line + 1,
            expected.lines().nth(line),
            actual.lines().nth(line)
        );
    }
}

#[test]
fn style_file_parses_and_round_trips() {
    let style = style();
    assert_eq!(style.color("cyan").unwrap(), Rgb(0xA0, 0xD9, 0xD3));
    assert_eq!(style.color("orange").unwrap(), Rgb(0xD1, 0x83, 0x62));
    assert_eq!(style.heatmap.colormap.len(), 16);
    let again = plotting::Style::from_toml_str(&toml::to_string(&style).unwrap()).unwrap();
    assert_eq!(again, style);
}

#[test]
fn every_style_key_has_a_comment() {
    let text = std::fs::read_to_string(fixture::style_path()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let is_key = trimmed
            .split_once('=')
            .is_some_and(|(k, _)| !k.is_empty() && !k.contains(['#', '"']));
        if is_key && !line.contains('#') {
            let previous = if i > 0 { lines[i - 1].trim_start() } else { "" };
            assert!(
                previous.starts_with('#') || previous.ends_with('#'),
                "figures/style.toml line {}: `{}` has no comment",
                i + 1,
                line.trim()
            );
        }
    }
}

#[test]
fn style_rejects_unknown_keys_and_bad_colours() {
    let text = std::fs::read_to_string(fixture::style_path()).unwrap();
    let err = plotting::Style::from_toml_str(&format!("colour = 1\n{text}")).unwrap_err();
    assert!(err.to_string().contains("unknown field `colour`"), "{err}");
    let bad = text.replace("cyan = \"#A0D9D3\"", "cyan = \"#A0D9D\"");
    let err = plotting::Style::from_toml_str(&bad).unwrap_err();
    assert!(err.to_string().contains("palette.cyan"), "{err}");
}

#[test]
fn colours_by_name_and_hex_and_unknown_names_list_the_palette() {
    let style = style();
    assert_eq!(style.color("brown").unwrap().to_string(), "#773C23");
    assert_eq!(style.color("#12abEF").unwrap(), Rgb(0x12, 0xAB, 0xEF));
    let err = style.color("teal-ish").unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, Error::UnknownColor { .. }));
    assert!(message.contains("teal-ish"), "{message}");
    assert!(
        message.contains("cream, cyan, cyan-text"),
        "lists the sorted palette: {message}"
    );
    assert!(style.color("#12345").is_err());
    assert!(style.color("#GGGGGG").is_err());
}

#[test]
fn same_figure_renders_to_the_same_bytes() {
    let first = render(&example());
    let second = render(&example());
    assert_eq!(first, second);
    assert!(first.starts_with("<svg width=\""));
    assert!(first.trim_end().ends_with("</svg>"));
}

#[test]
fn tiny_figure_matches_its_snapshot() {
    check_snapshot("tiny.svg", &render(&tiny()));
}

#[test]
fn svg_has_pt_size_and_pixel_viewbox() {
    let svg = render(&tiny());
    let header = svg.lines().next().unwrap();
    assert!(header.contains("pt\" height=\""), "{header}");
    let scale = style().scale;
    let view: Vec<f64> = header
        .split("viewBox=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .split(' ')
        .map(|v| v.parse().unwrap())
        .collect();
    let width_pt: f64 = header
        .split("width=\"")
        .nth(1)
        .unwrap()
        .split("pt")
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!((view[2] / scale - width_pt).abs() < 1.0 / scale, "{header}");
}

#[test]
fn multi_panel_figure_letters_panels_in_row_major_order() {
    let svg = render(&example());
    let letters: Vec<String> = texts(&svg)
        .into_iter()
        .filter(|t| t.len() == 2 && t.ends_with(')'))
        .collect();
    assert_eq!(letters, ["a)", "b)", "c)", "d)", "e)", "f)"]);
}

#[test]
fn column_major_order_letters_down_the_columns() {
    let mut fig = example();
    fig.layout.order = plotting::Order::ColumnMajor;
    // Each panel's letter is the text drawn right after its title.
    let svg = render(&fig);
    let texts = texts(&svg);
    let letter_after = |title: &str| {
        let at = texts.iter().rposition(|t| t == title).unwrap();
        texts[at + 1].clone()
    };
    // Panels fill the 2 x 3 grid down the columns: a) b) in the first column, c) d) in the second.
    assert_eq!(letter_after("Clipped and weighted"), "a)");
    assert_eq!(letter_after("Model and data"), "b)");
    assert_eq!(letter_after("Regions"), "c)");
}

#[test]
fn single_panel_has_no_letter_unless_asked() {
    let svg = render(&tiny());
    assert!(!texts(&svg).iter().any(|t| t == "a)"));
    let mut fig = tiny();
    fig.panels[0].spec.letter = Some(true);
    assert!(texts(&render(&fig)).iter().any(|t| t == "a)"));
}

#[test]
fn log_axis_labels_powers_of_ten() {
    let svg = render(&example());
    let texts = texts(&svg);
    for label in ["10⁰", "10¹", "10²", "10³", "10¹⁵", "10³⁰"] {
        assert!(texts.iter().any(|t| t == label), "no tick label {label}");
    }
    assert!(!texts.iter().any(|t| t == "1000.0" || t == "1.0e3"));
}

#[test]
fn log_axis_with_non_positive_range_is_an_error() {
    let mut fig = tiny();
    fig.panels[0].spec.y.scale = plotting::Scale::Log;
    let err = render_svg(&fig, &style()).unwrap_err();
    assert!(matches!(err, Error::LogRange { .. }), "{err}");
    assert!(
        err.to_string().contains("panel 1 \"Tiny\", y axis"),
        "{err}"
    );
}

#[test]
fn tick_labels_have_one_decimal_and_no_negative_zero() {
    let mut fig = tiny();
    fig.panels[0].spec.y.range = [-0.30000000000000004, 0.3];
    let svg = render(&fig);
    let texts = texts(&svg);
    assert!(texts.iter().any(|t| t == "-0.3"));
    assert!(texts.iter().any(|t| t == "0.0"));
    assert!(!svg.contains("-0.0\n"));
    for i in -2000..=2000 {
        for decimals in 0..4 {
            let s = plotting::ticks::format_decimal(f64::from(i) * 1e-4, decimals);
            assert!(
                !(s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.')),
                "{s}"
            );
            assert!(!s.contains('\u{2212}'));
        }
    }
}

#[test]
fn mismatched_lengths_name_the_series() {
    let mut fig = tiny();
    fig.panels[0].data.insert("fit.y".to_string(), vec![0.0; 4]);
    let err = render_svg(&fig, &style()).unwrap_err();
    assert!(matches!(err, Error::LengthMismatch { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "panel 1 \"Tiny\", series 2 (line \"Model\"): `fit.x` has 5 values but `fit.y` has 4"
    );
}

#[test]
fn missing_and_empty_data_are_errors() {
    let mut fig = tiny();
    fig.panels[0].data.remove("data.y");
    assert_eq!(fig.panels[0].missing(), ["data.y"]);
    let err = render_svg(&fig, &style()).unwrap_err();
    assert!(matches!(err, Error::MissingData { .. }), "{err}");
    assert!(err.to_string().contains("series 3 (scatter)"), "{err}");

    let mut fig = tiny();
    fig.panels[0].data.insert("data.x".to_string(), vec![]);
    let err = render_svg(&fig, &style()).unwrap_err();
    assert!(matches!(err, Error::EmptySeries { .. }), "{err}");
}

#[test]
fn problems_are_all_reported() {
    let mut fig = tiny();
    fig.panels[0].data.remove("data.y");
    fig.panels[0].spec.x.range = [1.0, 0.0];
    if let SeriesSpec::Line(line) = &mut fig.panels[0].spec.series[1] {
        line.color = Some("mauve".to_string());
    }
    let problems = fig.problems(&style());
    assert_eq!(problems.len(), 3, "{problems:?}");
    let checked = plotting::check_specs(&fig.layout, &[fig.panels[0].spec.clone()], &style());
    assert_eq!(
        checked.len(),
        2,
        "spec-only check skips the data: {checked:?}"
    );
    assert!(checked[1].to_string().contains("unknown colour `mauve`"));
}

#[test]
fn curves_are_clipped_to_the_frame() {
    let svg = render(&example());
    let frames = polylines(&svg, "#000000")
        .into_iter()
        .filter(|p| p.len() == 6)
        .collect::<Vec<_>>();
    assert_eq!(frames.len(), 6, "one closed frame path per panel");
    // The residual panel's line runs from x = -0.5 to 1.5, far outside [0, 1].
    let frame = &frames[5];
    let (x0, x1) = (
        frame.iter().map(|p| p.0).min().unwrap(),
        frame.iter().map(|p| p.0).max().unwrap(),
    );
    let (y0, y1) = (
        frame.iter().map(|p| p.1).min().unwrap(),
        frame.iter().map(|p| p.1).max().unwrap(),
    );
    let cyan = polylines(&svg, "#A0D9D3");
    let inside = |p: &(i32, i32)| p.0 >= x0 && p.0 <= x1 && p.1 >= y0 && p.1 <= y1;
    let residual_line: Vec<_> = cyan
        .iter()
        .filter(|l| l.len() == 2 && inside(&l[0]))
        .collect();
    assert!(!residual_line.is_empty());
    assert!(cyan.iter().flatten().all(|p| {
        frames.iter().any(|f| {
            let fx0 = f.iter().map(|q| q.0).min().unwrap();
            let fx1 = f.iter().map(|q| q.0).max().unwrap();
            let fy0 = f.iter().map(|q| q.1).min().unwrap();
            let fy1 = f.iter().map(|q| q.1).max().unwrap();
            p.0 >= fx0 && p.0 <= fx1 && p.1 >= fy0 && p.1 <= fy1
        })
    }));
}

#[test]
fn dashed_lines_carry_the_style_dash_pattern() {
    let svg = render(&tiny());
    // The tiny figure's zero line is a dashed hline in light grey: one level polyline whose
    // `stroke-dasharray` is the style's dash pattern in multiples of its width.
    let line = svg
        .lines()
        .find(|l| l.starts_with("<polyline ") && l.contains("stroke=\"#C6CDCF\""))
        .expect("the dashed zero line");
    let style = style();
    let width = (style.line_width.reference * style.scale).round();
    let px = |v: f64| {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    let expected = format!(
        "stroke-dasharray=\"{} {}\"",
        px(style.dash.dashed[0] * width),
        px(style.dash.dashed[1] * width)
    );
    assert!(line.contains(&expected), "{line} should contain {expected}");
    let dashes = polylines(&svg, "#C6CDCF");
    assert_eq!(dashes.len(), 1, "one element, not one per dash");
    assert!(
        dashes[0].len() == 2 && dashes[0][0].1 == dashes[0][1].1,
        "level"
    );
}

#[test]
fn data_points_are_orange_with_brown_edges() {
    let svg = render(&tiny());
    let fills = svg
        .lines()
        .filter(|l| l.starts_with("<circle ") && l.contains("fill=\"#D18362\""))
        .count();
    let edges = svg
        .lines()
        .filter(|l| l.starts_with("<circle ") && l.contains("stroke=\"#773C23\""))
        .count();
    assert_eq!((fills, edges), (3, 3));
}

#[test]
fn math_in_labels_is_italic() {
    let svg = render(&tiny());
    assert!(
        svg.contains("Input,\u{a0}<tspan font-family="),
        "x label has a math span"
    );
    assert!(svg.contains("font-style=\"italic\">x</tspan>"));
}

#[test]
fn spec_references_are_listed_in_order_once() {
    let spec = parse(
        r#"
        [[panel]]
        x = { range = [0.0, 1.0] }
        y = { range = [0.0, 1.0] }
        series = [
          { kind = "band", x = "fit.x", lo = "fit.lo", hi = "fit.hi" },
          { kind = "line", x = "fit.x", y = "fit.y" },
          { kind = "vline", at = "net.joints" },
          { kind = "vline", at = [0.25, 0.5] },
          { kind = "shade", from = 0.1, to = "net.last" },
          { kind = "text", at = [0.5, 0.5], text = "L = {}", value = "fit.loss" },
        ]
        "#,
    );
    assert_eq!(
        spec.panel[0].references(),
        [
            "fit.x",
            "fit.lo",
            "fit.hi",
            "fit.y",
            "net.joints",
            "net.last",
            "fit.loss"
        ]
    );
}

#[test]
fn spec_rejects_unknown_keys_and_kinds() {
    let parse_err = |text: &str| toml::from_str::<PanelSpec>(text).unwrap_err().to_string();
    let base = "x = { range = [0.0, 1.0] }\ny = { range = [0.0, 1.0] }\n";
    assert!(parse_err(&format!("{base}colour = 1")).contains("unknown field `colour`"));
    let bad_kind = format!("{base}[[series]]\nkind = \"pie\"\n");
    assert!(parse_err(&bad_kind).contains("unknown variant `pie`"));
    let bad_key = format!("{base}[[series]]\nkind = \"line\"\nx = \"a\"\ny = \"b\"\nwidht = 2\n");
    assert!(parse_err(&bad_key).contains("unknown field `widht`"));
    let bad_width =
        format!("{base}[[series]]\nkind = \"line\"\nx = \"a\"\ny = \"b\"\nwidth = \"fat\"\n");
    assert!(parse_err(&bad_width).contains("unknown variant `fat`"));
}

#[test]
fn spec_round_trips_through_toml() {
    let fig = example();
    for panel in &fig.panels {
        let text = toml::to_string(&panel.spec).unwrap();
        let again: PanelSpec = toml::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(&again, &panel.spec);
    }
}

#[test]
fn layout_errors_name_the_panels() {
    let mut fig = example();
    fig.layout.rows = Some(1);
    fig.layout.cols = Some(2);
    let err = render_svg(&fig, &style()).unwrap_err();
    assert_eq!(err.to_string(), "layout: 6 panels do not fit a 1 x 2 grid");

    let mut fig = example();
    fig.panels[0].spec.cell = Some([1, 1]);
    fig.panels[1].spec.cell = Some([1, 1]);
    let err = render_svg(&fig, &style()).unwrap_err();
    assert!(
        err.to_string().contains("both ask for cell [1, 1]"),
        "{err}"
    );
}

#[test]
fn explicit_cells_move_panels() {
    let mut fig = tiny();
    let mut second = Panel::new(fig.panels[0].spec.clone());
    second.data = fig.panels[0].data.clone();
    second.spec.title = Some("Second".to_string());
    second.spec.cell = Some([0, 0]);
    fig.panels.push(second);
    fig.layout.cols = Some(2);
    let svg = render(&fig);
    let texts = texts(&svg);
    // The second panel takes the first cell, so it is drawn left and lettered a).
    let letter_after =
        |title: &str| texts[texts.iter().rposition(|t| t == title).unwrap() + 1].clone();
    assert_eq!(letter_after("Second"), "a)");
    assert_eq!(letter_after("Tiny"), "b)");
}

#[test]
fn every_source_file_starts_with_a_module_doc() {
    fn visit(dir: &std::path::Path, files: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                visit(&path, files);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["src", "tests", "examples"] {
        visit(&root.join(dir), &mut files);
    }
    assert!(files.len() >= 10, "found {files:?}");
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            text.starts_with("//!"),
            "{} does not start with `//!`",
            file.display()
        );
    }
}
