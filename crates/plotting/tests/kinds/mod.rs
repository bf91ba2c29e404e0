//! The map, surface and distribution kinds (contour, colour bar, path, arrow, edged markers,
//! surface, bars, histogram, regions) and shared and wide log axes: each renders to the same
//! bytes twice, matches a snapshot of one small figure, and draws what its data says.

use plotting::{Error, Figure, Panel, PanelSpec, render_svg};

use super::{check_snapshot, polylines, render, texts};
use crate::fixture::{bowl, centres, gallery, grid, linspace, parse, style};

/// A figure from plot TOML, every panel given all of `data`.
fn figure(toml_text: &str, data: &[(&str, Vec<f64>)]) -> Figure {
    let spec = parse(toml_text);
    let panels = spec
        .panel
        .iter()
        .map(|p| {
            data.iter().fold(Panel::new(p.clone()), |panel, (r, v)| {
                panel.with(r, v.clone())
            })
        })
        .collect();
    Figure {
        layout: spec.layout,
        panels,
    }
}

/// Renders twice, checks that the bytes agree, and returns the SVG.
fn stable(fig: &Figure) -> String {
    let first = render(fig);
    assert_eq!(first, render(fig), "two renders differ");
    first
}

/// Lines of the SVG that are `<tag ...>` elements and contain every one of `needles`.
fn elements<'s>(svg: &'s str, tag: &str, needles: &[&str]) -> Vec<&'s str> {
    let open = format!("<{tag} ");
    svg.lines()
        .filter(|l| l.starts_with(&open) && needles.iter().all(|n| l.contains(n)))
        .collect()
}

/// The points of every `<polyline>` whose line contains all of `needles`.
fn strokes(svg: &str, needles: &[&str]) -> Vec<Vec<(i32, i32)>> {
    elements(svg, "polyline", needles)
        .into_iter()
        .map(|l| {
            l.split("points=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
                .split_whitespace()
                .map(|p| {
                    let (x, y) = p.split_once(',').unwrap();
                    (x.parse().unwrap(), y.parse().unwrap())
                })
                .collect()
        })
        .collect()
}

/// The error of rendering `fig`.
fn render_error(fig: &Figure) -> Error {
    render_svg(fig, &style()).expect_err("the figure is refused")
}

const BOWL_PANEL: &str = r#"
    [[panel]]
    x = { range = [-1.0, 1.0] }
    y = { range = [-1.0, 1.0] }
"#;

/// x² + y² on a 20 x 20 grid over [-1, 1]², at cell centres.
fn radius2() -> Vec<f64> {
    let c = centres(-1.0, 1.0, 20);
    grid(&c, &c, |x, y| x * x + y * y)
}

fn contour_figure(series: &str) -> Figure {
    figure(&format!("{BOWL_PANEL}{series}"), &[("map.z", radius2())])
}

#[test]
fn contour_of_a_bowl_is_one_closed_ring_per_level_inside_it() {
    let svg = stable(&contour_figure(
        r#"
        [[panel.series]]
        kind = "contour"
        z = "map.z"
        nx = 20
        ny = 20
        levels = [0.25, 0.5]
        "#,
    ));
    let rings = strokes(&svg, &["stroke=\"#808080\"", "opacity=\"0.5\""]);
    let lines = elements(&svg, "polyline", &["stroke=\"#808080\"", "opacity=\"0.5\""]);
    assert_eq!(rings.len(), 2, "one ring per level: {rings:?}");
    assert_eq!(lines.len(), 2, "loss contours are grey at half opacity");
    assert!(rings.iter().all(|r| r.first() == r.last()), "closed");
    // 0.56 pt at 4 px/pt rounds to 2 px.
    assert!(lines.iter().all(|l| l.contains("stroke-width=\"2\"")));
    // The level-0.25 ring has radius 0.5: half of the frame's half width.
    let frame = polylines(&svg, "#000000")
        .into_iter()
        .find(|p| p.len() == 6)
        .unwrap();
    let (x0, x1) = (
        frame.iter().map(|p| p.0).min().unwrap(),
        frame.iter().map(|p| p.0).max().unwrap(),
    );
    let inner = rings
        .iter()
        .min_by_key(|r| r.iter().map(|p| p.0).max())
        .unwrap();
    let width = inner.iter().map(|p| p.0).max().unwrap() - inner.iter().map(|p| p.0).min().unwrap();
    let expected = f64::from(x1 - x0) / 2.0;
    assert!(
        (f64::from(width) - expected).abs() <= 3.0,
        "{width} vs {expected}"
    );
}

#[test]
fn contour_counts_and_output_map_look() {
    let svg = stable(&contour_figure(
        r#"
        [[panel.series]]
        kind = "contour"
        z = "map.z"
        nx = 20
        ny = 20
        levels = 3
        range = [0.0, 0.8]
        map = "output"
        "#,
    ));
    // Levels 0.2, 0.4, 0.6: circles of radius < 0.8, all inside the grid.
    let rings = polylines(&svg, "#51626B");
    assert_eq!(rings.len(), 3);
    assert!(
        elements(&svg, "polyline", &["#51626B"])
            .iter()
            .all(|l| l.contains("opacity=\"1\""))
    );
    // A level above the data draws nothing, one through the corners draws open arcs.
    let svg = render(&contour_figure(
        r#"
        [[panel.series]]
        kind = "contour"
        z = "map.z"
        nx = 20
        ny = 20
        levels = [1.5, 5.0]
        color = "white"
        "#,
    ));
    let arcs = polylines(&svg, "#FFFFFF");
    assert_eq!(
        arcs.len(),
        4,
        "the circle of radius 1.22 is cut by the four sides"
    );
    assert!(arcs.iter().all(|a| a.first() != a.last()));
}

#[test]
fn contour_snapshot() {
    let c = centres(-1.0, 1.0, 8);
    let fig = figure(
        &format!(
            r#"{BOWL_PANEL}
            [[panel.series]]
            kind = "heatmap"
            z = "map.z"
            nx = 8
            ny = 8

            [[panel.series]]
            kind = "contour"
            z = "map.z"
            nx = 8
            ny = 8
            levels = 4
            "#
        ),
        &[("map.z", grid(&c, &c, |x, y| x * x + y * y))],
    );
    check_snapshot("contour.svg", &stable(&fig));
}

fn heatmap_with(colorbar: &str) -> Figure {
    let c = centres(-1.0, 1.0, 4);
    figure(
        &format!(
            r#"{BOWL_PANEL}
            [[panel.series]]
            kind = "heatmap"
            z = "map.z"
            nx = 4
            ny = 4
            range = [0.0, 2.0]
            {colorbar}
            "#
        ),
        &[("map.z", grid(&c, &c, |x, y| x * x + y * y))],
    )
}

#[test]
fn colorbar_is_a_strip_with_ticks_right_of_the_frame() {
    let plain = render(&heatmap_with(""));
    let svg = stable(&heatmap_with("colorbar = true"));
    let width = |svg: &str| {
        let head = svg.lines().next().unwrap();
        let w = head
            .split("width=\"")
            .nth(1)
            .unwrap()
            .split("pt")
            .next()
            .unwrap();
        w.parse::<f64>().unwrap()
    };
    assert!(
        width(&svg) > width(&plain) + 15.0,
        "the figure grows to hold the bar"
    );
    let (labels, plain_labels) = (texts(&svg), texts(&plain));
    let count = |labels: &[String], tick: &str| labels.iter().filter(|t| *t == tick).count();
    for tick in ["0.0", "1.0", "2.0"] {
        assert_eq!(
            count(&labels, tick),
            count(&plain_labels, tick) + 1,
            "colour bar tick {tick}: {labels:?}"
        );
    }
    // The bar is a stack of colour bands, dark at the bottom.
    let bands = elements(&svg, "rect", &[]).len() - elements(&plain, "rect", &[]).len();
    assert!(bands > 50, "{bands} bands");
    let svg = render(&heatmap_with(
        r#"colorbar = { label = "Loss, $L$", ticks = [0.5, 1.5], decimals = 2 }"#,
    ));
    let labels = texts(&svg);
    assert!(labels.contains(&"0.50".to_string()) && labels.contains(&"1.50".to_string()));
    assert!(svg.contains("rotate(270"), "the label reads upwards");
    assert_eq!(render(&heatmap_with("colorbar = false")), plain);
}

#[test]
fn colorbar_snapshot() {
    check_snapshot(
        "colorbar.svg",
        &stable(&heatmap_with(r#"colorbar = { label = "Loss" }"#)),
    );
}

fn path_figure() -> Figure {
    let c = centres(0.0, 2.0, 12);
    let d = centres(-1.0, 1.0, 12);
    figure(
        r#"
        [[panel]]
        x = { range = [0.0, 2.0] }
        y = { range = [-1.0, 1.0] }

        [[panel.series]]
        kind = "heatmap"
        z = "loss.z"
        nx = 12
        ny = 12

        [[panel.series]]
        kind = "path"
        x = "gd.x"
        y = "gd.y"

        [[panel.series]]
        kind = "arrow"
        from = [1.8, 0.8]
        to = ["gd.x_end", 0.3]
        color = "white"

        [[panel.series]]
        kind = "scatter"
        x = "fits.x"
        y = "fits.y"
        color = "cyan"
        edge = "teal"
        edge-width = 0.85

        [[panel.series]]
        kind = "text"
        at = [0.1, -0.9]
        text = "Gradient descent"
        color = "cream"

        [[panel.series]]
        kind = "text"
        at = [1.9, 0.9]
        text = "Step"
        color = "white"
        anchor = "right"
        "#,
        &[
            ("loss.z", grid(&c, &d, bowl)),
            ("gd.x", vec![1.8, 1.4, 1.1, 0.9, 0.82]),
            ("gd.y", vec![-0.8, -0.3, 0.0, 0.2, 0.28]),
            ("gd.x_end", vec![1.3]),
            ("fits.x", vec![0.4, 1.6]),
            ("fits.y", vec![0.5, -0.5]),
        ],
    )
}

#[test]
fn path_has_a_dot_per_iterate_and_a_different_start() {
    let svg = stable(&path_figure());
    let cyan = elements(&svg, "circle", &["fill=\"#A0D9D3\"", "stroke=\"none\""]);
    let start = elements(&svg, "circle", &["fill=\"#34837A\""]);
    // Four iterates after the start, plus the fills of the two parameter points.
    assert_eq!((cyan.len(), start.len()), (4 + 2, 1));
    let line = polylines(&svg, "#A0D9D3");
    assert_eq!(line.len(), 1);
    assert_eq!(line[0].len(), 5, "one vertex per iterate");
    // The start dot is drawn after the other dots.
    let order: Vec<&str> = elements(&svg, "circle", &[]);
    let start_at = order.iter().position(|l| l.contains("#34837A")).unwrap();
    let last_cyan = order
        .iter()
        .rposition(|l| l.contains("fill=\"#A0D9D3\""))
        .unwrap();
    assert!(
        start_at > 3 && start_at < last_cyan,
        "start after the iterates, before the points"
    );
    assert!(
        elements(
            &svg,
            "polyline",
            &["stroke=\"#A0D9D3\"", "stroke-width=\"3\""]
        )
        .len()
            == 1
    );
}

#[test]
fn arrow_is_a_shaft_and_a_filled_head_ending_at_the_tip() {
    let svg = stable(&path_figure());
    let heads = elements(&svg, "polygon", &["fill=\"#FFFFFF\""]);
    let shafts = polylines(&svg, "#FFFFFF");
    assert_eq!((heads.len(), shafts.len()), (1, 1));
    // The shaft starts at `from` and stops inside the head, short of the tip.
    let head: Vec<(i32, i32)> = heads[0]
        .split("points=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .split_whitespace()
        .map(|p| {
            let (x, y) = p.split_once(',').unwrap();
            (x.parse().unwrap(), y.parse().unwrap())
        })
        .collect();
    let tip = head[0];
    let shaft_end = shafts[0][1];
    let from = shafts[0][0];
    assert!(
        from.0 > tip.0 && from.1 < tip.1,
        "from upper right to lower left"
    );
    let d =
        |a: (i32, i32), b: (i32, i32)| f64::from((a.0 - b.0).pow(2) + (a.1 - b.1).pow(2)).sqrt();
    let head_length = 5.0 * style().scale;
    assert!(d(shaft_end, tip) < head_length && d(shaft_end, tip) > head_length / 2.0);
}

#[test]
fn edged_markers_and_light_text_sit_over_the_heatmap() {
    let svg = stable(&path_figure());
    let edges = elements(
        &svg,
        "circle",
        &["stroke=\"#34837A\"", "stroke-width=\"3\""],
    );
    assert_eq!(edges.len(), 2, "teal 0.85 pt edges");
    let lines: Vec<&str> = svg.lines().collect();
    let last_rect = lines.iter().rposition(|l| l.starts_with("<rect ")).unwrap();
    for colour in ["#FFFFE0", "#FFFFFF"] {
        let text = lines
            .iter()
            .position(|l| l.starts_with("<text ") && l.contains(&format!("fill=\"{colour}\"")))
            .unwrap_or_else(|| panic!("a {colour} text"));
        assert!(text > last_rect, "{colour} text is drawn over the heatmap");
    }
}

#[test]
fn path_snapshot() {
    check_snapshot("path.svg", &stable(&path_figure()));
}

fn surface_figure(nx: usize, ny: usize) -> Figure {
    let z = grid(&linspace(0.0, 2.0, nx), &linspace(-1.0, 1.0, ny), bowl);
    figure(
        &format!(
            r#"
            [[panel]]
            title = "Surface"
            x = {{ label = "$φ_0$", range = [0.0, 2.0] }}
            y = {{ label = "$φ_1$", range = [-1.0, 1.0] }}
            z = {{ label = "$L$", range = [0.0, 6.0], decimals = 0 }}

            [[panel.series]]
            kind = "surface"
            z = "s.z"
            nx = {nx}
            ny = {ny}

            [[panel.series]]
            kind = "scatter"
            x = "p.x"
            y = "p.y"
            z = "p.z"
            "#
        ),
        &[
            ("s.z", z),
            ("p.x", vec![0.8]),
            ("p.y", vec![0.3]),
            ("p.z", vec![0.0]),
        ],
    )
}

#[test]
fn surface_has_three_panes_and_one_sealed_facet_per_grid_square() {
    let svg = stable(&surface_figure(7, 5));
    let polygons = elements(&svg, "polygon", &[]);
    let sealed = elements(&svg, "polygon", &["stroke-width=\"1\""]);
    assert_eq!(sealed.len(), 6 * 4, "(nx - 1)(ny - 1) facets");
    assert_eq!(polygons.len(), 3 + 24, "plus the three panes");
    for pane in ["#F2F2F2", "#E6E6E6", "#ECECEC"] {
        assert_eq!(elements(&svg, "polygon", &[pane]).len(), 1, "pane {pane}");
    }
    // Panes first, then facets; each facet's stroke is its own fill.
    assert!(polygons[..3].iter().all(|p| !p.contains("stroke-width")));
    for facet in &sealed {
        let fill = facet
            .split("fill=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        assert!(facet.contains(&format!("stroke=\"{fill}\"")));
    }
    // Axis labels follow the axes: two slanted, z upright-reading.
    let angles: Vec<&str> = svg
        .lines()
        .filter(|l| l.starts_with("<text ") && l.contains("transform=\"rotate("))
        .collect();
    assert_eq!(angles.len(), 3, "{angles:?}");
    assert!(angles.iter().any(|l| l.contains("rotate(-90,")));
    assert_eq!(elements(&svg, "circle", &["#D18362"]).len(), 1, "the point");
}

#[test]
fn surface_facets_are_drawn_far_to_near() {
    // Seen from the default view (azimuth -60), the far corner is x = 0, y = 1: the first
    // facet drawn is there, the last at x = 2, y = -1.
    let svg = render(&surface_figure(5, 5));
    let facets = elements(&svg, "polygon", &["stroke-width=\"1\""]);
    let centre = |l: &str| -> (f64, f64) {
        let pts: Vec<(f64, f64)> = l
            .split("points=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .split_whitespace()
            .map(|p| {
                let (x, y) = p.split_once(',').unwrap();
                (x.parse().unwrap(), y.parse().unwrap())
            })
            .collect();
        let n = pts.len() as f64;
        (
            pts.iter().map(|p| p.0).sum::<f64>() / n,
            pts.iter().map(|p| p.1).sum::<f64>() / n,
        )
    };
    let (first, last) = (centre(facets[0]), centre(facets[facets.len() - 1]));
    // The far corner (0, 1) is up the screen from the near one (2, -1).
    assert!(first.1 < last.1, "{first:?} then {last:?}");
}

#[test]
fn surface_kinds_are_checked_against_the_panel() {
    let mut fig = surface_figure(3, 3);
    let flat = parse(
        r#"
        [[panel]]
        x = { range = [0.0, 1.0] }
        y = { range = [0.0, 1.0] }
        series = [{ kind = "surface", z = "s.z", nx = 3, ny = 3 }]
        "#,
    );
    fig.panels[0].spec = flat.panel[0].clone();
    let err = render_error(&fig);
    assert!(
        err.to_string().contains("a surface needs a 3D panel"),
        "{err}"
    );

    let mut fig = surface_figure(3, 3);
    fig.panels[0].spec.series.push(
        toml::from_str::<PanelSpec>(
            "x = { range = [0.0, 1.0] }\ny = { range = [0.0, 1.0] }\n\
             series = [{ kind = \"line\", x = \"p.x\", y = \"p.y\" }]",
        )
        .unwrap()
        .series[0]
            .clone(),
    );
    let err = render_error(&fig);
    assert!(
        err.to_string()
            .contains("a 3D panel draws only `surface` and `scatter` series, not `line`"),
        "{err}"
    );
    let mut fig = surface_figure(3, 3);
    fig.panels[0].spec.z.as_mut().unwrap().scale = plotting::Scale::Log;
    fig.panels[0].spec.z.as_mut().unwrap().range = [1.0, 10.0];
    assert!(render_error(&fig).to_string().contains("linear axes only"));
}

#[test]
fn surface_snapshot() {
    check_snapshot("surface.svg", &stable(&surface_figure(6, 6)));
}

fn bars_figure() -> Figure {
    figure(
        r#"
        [[panel]]
        x = { range = [-0.5, 5.5], ticks = [0.0, 5.0], decimals = 0 }
        y = { range = [0.0, 0.5] }

        [[panel.series]]
        kind = "bars"
        x = "pmf.k"
        height = "pmf.p"
        width = 0.6
        color = "orange"
        label = "Poisson"
        "#,
        &[
            ("pmf.k", vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]),
            ("pmf.p", vec![0.05, 0.15, 0.22, 0.22, 0.17, 0.1]),
        ],
    )
}

#[test]
fn bars_draw_one_rectangle_per_value() {
    let svg = stable(&bars_figure());
    let bars = elements(&svg, "rect", &["fill=\"#D18362\""]);
    // Six bars plus the legend's patch.
    assert_eq!(bars.len(), 6 + 1);
    let height = |l: &str| -> i32 {
        l.split("height=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    // 0.22 and 0.22 are equally tall, 0.05 is the shortest.
    assert_eq!(height(bars[2]), height(bars[3]));
    assert!(bars[..6].iter().all(|b| height(b) >= height(bars[0])));
}

#[test]
fn bars_snapshot() {
    check_snapshot("bars.svg", &stable(&bars_figure()));
}

fn histogram_figure(bins: &str) -> Figure {
    figure(
        &format!(
            r#"
            [[panel]]
            x = {{ range = [0.0, 4.0] }}
            y = {{ range = [0.0, 5.0], decimals = 0 }}

            [[panel.series]]
            kind = "histogram"
            values = "s.v"
            bins = {bins}
            "#
        ),
        &[
            (
                "s.v",
                vec![0.1, 0.5, 0.7, 1.2, 1.5, 1.9, 1.99, 2.5, 4.0, 9.0],
            ),
            ("s.edges", vec![0.0, 1.0, 2.0, 3.0, 4.0]),
        ],
    )
}

#[test]
fn histogram_counts_into_its_bins() {
    // Bins [0,1) [1,2) [2,3) [3,4]: counts 3, 4, 1, 1 (9.0 is outside the edges).
    let svg = stable(&histogram_figure("\"s.edges\""));
    let bars = elements(&svg, "rect", &["fill=\"#A0D9D3\""]);
    assert_eq!(bars.len(), 4);
    let height = |l: &str| -> i32 {
        l.split("height=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    let h: Vec<f64> = bars.iter().map(|b| f64::from(height(b))).collect();
    // Heights in pixels of counts 3, 4, 1, 1 (each end rounded to a whole pixel).
    let unit = h[1] / 4.0;
    for (height, count) in h.iter().zip([3.0, 4.0, 1.0, 1.0]) {
        assert!((height - count * unit).abs() <= 1.0, "{h:?}");
    }
    // A count of bins over the data's range gives the same bars here.
    assert_eq!(render(&histogram_figure("[0.0, 1.0, 2.0, 3.0, 4.0]")), svg);
    let counted = render(&histogram_figure("8"));
    assert!(elements(&counted, "rect", &["fill=\"#A0D9D3\""]).len() <= 8);
}

#[test]
fn histogram_snapshot() {
    check_snapshot("histogram.svg", &stable(&histogram_figure("\"s.edges\"")));
}

fn regions_figure(ids: Vec<f64>, nx: usize, ny: usize) -> Figure {
    figure(
        &format!(
            r#"
            [[panel]]
            x = {{ range = [0.0, 1.0] }}
            y = {{ range = [0.0, 1.0] }}

            [[panel.series]]
            kind = "regions"
            ids = "net.ids"
            nx = {nx}
            ny = {ny}
            "#
        ),
        &[("net.ids", ids)],
    )
}

#[test]
fn regions_of_a_two_by_two_grid() {
    // Left column id 0, right column id 1: one straight boundary across, and one rectangle per
    // region (the rows repeat, so they merge).
    let svg = stable(&regions_figure(vec![0.0, 1.0, 0.0, 1.0], 2, 2));
    let boundaries = polylines(&svg, "#A0D9D3");
    assert_eq!(boundaries.len(), 1);
    assert_eq!(boundaries[0].len(), 2, "straight");
    assert_eq!(boundaries[0][0].0, boundaries[0][1].0, "vertical");
    assert!(elements(&svg, "polyline", &["#A0D9D3", "stroke-width=\"8\""]).len() == 1);
    let fills: Vec<&str> = elements(&svg, "rect", &["fill=\"#"])
        .into_iter()
        .filter(|l| !l.contains("stroke=") && !l.contains("#FFFFFF"))
        .collect();
    assert_eq!(fills.len(), 2, "{fills:?}");
    // One corner cell: one boundary cutting it off. A checkerboard: four from the centre.
    let svg = render(&regions_figure(vec![0.0, 0.0, 0.0, 1.0], 2, 2));
    assert_eq!(polylines(&svg, "#A0D9D3").len(), 1);
    let svg = render(&regions_figure(vec![0.0, 1.0, 1.0, 0.0], 2, 2));
    assert_eq!(polylines(&svg, "#A0D9D3").len(), 4);
    // One id: no boundary at all.
    let svg = render(&regions_figure(vec![3.0; 4], 2, 2));
    assert!(polylines(&svg, "#A0D9D3").is_empty());
}

#[test]
fn region_colours_come_from_the_colormap_or_the_spec() {
    let svg = render(&regions_figure(vec![0.0, 1.0, 0.0, 1.0], 2, 2));
    let style = style();
    let stops = style.colormap().unwrap();
    let [lo, hi] = style.regions.colormap_span;
    for t in [lo, hi] {
        let c = plotting::sample_colormap(&stops, t).to_string();
        assert!(svg.contains(&format!("fill=\"{c}\"")), "{c}");
    }
    let mut fig = regions_figure(vec![0.0, 1.0, 2.0, 1.0], 2, 2);
    if let plotting::SeriesSpec::Regions(r) = &mut fig.panels[0].spec.series[0] {
        r.colors = Some(vec!["orange".to_string(), "cyan".to_string()]);
        r.boundary = Some("none".to_string());
    }
    let svg = render(&fig);
    // Ids 0 and 2 share orange (colours repeat), 1 is cyan; no boundaries.
    assert_eq!(elements(&svg, "rect", &["#D18362"]).len(), 2);
    assert_eq!(elements(&svg, "rect", &["#A0D9D3"]).len(), 1);
    assert!(polylines(&svg, "#A0D9D3").is_empty());
}

#[test]
fn regions_snapshot() {
    // A 3-unit ReLU net's activation patterns on a 16 x 16 grid.
    let c = centres(-1.0, 1.0, 16);
    let ids = grid(&c, &c, |a, b| crate::fixture::relu_net(a, b).1);
    check_snapshot("regions.svg", &stable(&regions_figure(ids, 16, 16)));
}

fn shared_log_figure() -> Figure {
    let d = linspace(1.0, 1000.0, 100);
    let regions: Vec<f64> = d
        .iter()
        .map(|&d| crate::fixture::max_regions(d, 100))
        .collect();
    let params: Vec<f64> = d.iter().map(|d| d * 102.0 + 1.0).collect();
    figure(
        r#"
        [layout]
        cols = 2
        share-y = true

        [[panel]]
        x = { label = "Hidden units, $D$", range = [0.0, 1000.0], decimals = 0 }
        y = { label = "Regions", range = [10.0, 1e150], scale = "log" }

        [[panel.series]]
        kind = "line"
        x = "r.d"
        y = "r.n"

        [[panel]]
        x = { label = "Parameters", range = [10.0, 1e6], scale = "log" }
        y = { range = [10.0, 1e150], scale = "log" }

        [[panel.series]]
        kind = "line"
        x = "r.params"
        y = "r.n"
        "#,
        &[("r.d", d), ("r.n", regions), ("r.params", params)],
    )
}

#[test]
fn shared_y_keeps_tick_labels_on_the_left_only() {
    let svg = stable(&shared_log_figure());
    let labels = texts(&svg);
    let powers: Vec<&String> = labels.iter().filter(|t| t.starts_with("10")).collect();
    // y: 10^50, 10^100, 10^150 once (left panel only); x: 10^1 ... 10^6 on the right panel.
    let y_labels = ["10⁵⁰", "10¹⁰⁰", "10¹⁵⁰"];
    for label in y_labels {
        assert_eq!(
            labels.iter().filter(|t| *t == label).count(),
            1,
            "{label}: {powers:?}"
        );
    }
    for label in ["10¹", "10²", "10³", "10⁴", "10⁵", "10⁶"] {
        assert!(labels.iter().any(|t| t == label), "{label}: {powers:?}");
    }
    // Both panels keep their y ticks: 2 x 3 majors.
    let ticks = polylines(&svg, "#808080")
        .into_iter()
        .filter(|p| p.len() == 2 && p[0].1 == p[1].1)
        .count();
    assert_eq!(ticks, 6);
    let unshared = {
        let mut fig = shared_log_figure();
        fig.layout.share_y = false;
        render(&fig)
    };
    assert_eq!(texts(&unshared).iter().filter(|t| *t == "10⁵⁰").count(), 2);
}

#[test]
fn shared_x_keeps_tick_labels_on_the_bottom_row_only() {
    let column = |share: bool| {
        figure(
            &format!(
                r#"
                [layout]
                rows = 2
                share-x = {share}

                [[panel]]
                x = {{ range = [0.0, 4.0], ticks = [0.0, 2.0, 4.0], decimals = 0 }}
                y = {{ range = [0.0, 1.0] }}

                [[panel]]
                x = {{ label = "Step", range = [0.0, 4.0], ticks = [0.0, 2.0, 4.0], decimals = 0 }}
                y = {{ range = [0.0, 1.0] }}
                "#
            ),
            &[],
        )
    };
    let shared = stable(&column(true));
    let count = |svg: &str| texts(svg).iter().filter(|t| *t == "4").count();
    assert_eq!((count(&shared), count(&render(&column(false)))), (1, 2));
    let height = |svg: &str| {
        svg.split("height=\"")
            .nth(1)
            .unwrap()
            .split("pt")
            .next()
            .unwrap()
            .parse::<f64>()
            .unwrap()
    };
    assert!(
        height(&shared) < height(&render(&column(false))),
        "rows move closer"
    );
}

#[test]
fn shared_axes_must_agree() {
    let mut fig = shared_log_figure();
    fig.panels[1].spec.y.range = [10.0, 1e100];
    let err = render_error(&fig);
    assert!(
        err.to_string()
            .starts_with("layout: share-y: panel 2 has y range"),
        "{err}"
    );
    fig.layout.share_y = false;
    render(&fig);
}

#[test]
fn wide_log_axes_label_powers_of_ten_on_both_axes() {
    let svg = render(&figure(
        r#"
        [[panel]]
        x = { range = [1.0, 1e150], scale = "log" }
        y = { range = [1e-150, 1.0], scale = "log" }
        series = [{ kind = "line", x = "a.x", y = "a.y" }]
        "#,
        &[("a.x", vec![1.0, 1e150]), ("a.y", vec![1e-150, 1.0])],
    ));
    let labels = texts(&svg);
    for label in ["10⁰", "10⁵⁰", "10¹⁰⁰", "10¹⁵⁰", "10⁻¹⁵⁰", "10⁻¹⁰⁰", "10⁻⁵⁰"]
    {
        assert!(labels.contains(&label.to_string()), "{label}: {labels:?}");
    }
    assert!(labels.len() <= 2 * 8, "thinned: {labels:?}");
}

#[test]
fn shared_log_snapshot() {
    check_snapshot("shared-log.svg", &stable(&shared_log_figure()));
}

#[test]
fn gallery_of_every_kind_renders_the_same_twice() {
    let svg = stable(&gallery());
    assert!(svg.len() < 1_200_000, "{} bytes", svg.len());
}

#[test]
fn new_kinds_parse_round_trip_and_list_their_references() {
    let spec = parse(
        r##"
        [layout]
        share-x = true
        share-y = true

        [[panel]]
        x = { range = [0.0, 2.0] }
        y = { range = [-1.0, 1.0] }

        [[panel.series]]
        kind = "heatmap"
        z = "loss.z"
        nx = 100
        ny = 100
        colorbar = { label = "Loss", ticks = [0.0, 2.0], decimals = 1 }

        [[panel.series]]
        kind = "contour"
        z = "loss.z"
        nx = 100
        ny = 100
        levels = "loss.levels"
        map = "loss"
        width = 0.4
        opacity = 0.5
        dash = "dashed"

        [[panel.series]]
        kind = "path"
        x = "gd.phi0"
        y = "gd.phi1"
        start-color = "dark-teal"
        width = "path"
        markers = "iterate"
        label = "Gradient descent"

        [[panel.series]]
        kind = "arrow"
        from = [1.6, -0.6]
        to = ["gd.phi0_end", 0.2]
        color = "white"
        head = [5.0, 3.6]

        [[panel.series]]
        kind = "bars"
        x = "pmf.k"
        height = "pmf.p"
        bottom = 0.0

        [[panel.series]]
        kind = "histogram"
        values = "samples.d"
        bins = "samples.edges"
        density = true

        [[panel.series]]
        kind = "regions"
        ids = "net.pattern"
        nx = 200
        ny = 200
        extent = [0.0, 2.0, -1.0, 1.0]
        colors = ["#AB6552", "#BB745E", "#D8957B"]
        boundary = "contour-slate"
        boundary-width = 0.57
        simplify = 0.5

        [[panel]]
        x = { range = [0.0, 2.0] }
        y = { range = [-1.0, 1.0] }
        z = { range = [0.0, 3.0] }
        projection = { azimuth = -50.0, elevation = 25.0 }

        [[panel.series]]
        kind = "surface"
        z = "surface.loss"
        nx = 30
        ny = 30
        range = [0.0, 3.0]
        shade = 0.3

        [[panel.series]]
        kind = "scatter"
        x = "best.phi0"
        y = "best.phi1"
        z = "best.loss"
        "##,
    );
    assert!(spec.layout.share_x && spec.layout.share_y);
    assert_eq!(
        spec.panel[0].references(),
        [
            "loss.z",
            "loss.levels",
            "gd.phi0",
            "gd.phi1",
            "gd.phi0_end",
            "pmf.k",
            "pmf.p",
            "samples.d",
            "samples.edges",
            "net.pattern",
        ]
    );
    assert_eq!(
        spec.panel[1].references(),
        ["surface.loss", "best.phi0", "best.phi1", "best.loss"]
    );
    for panel in &spec.panel {
        let text = toml::to_string(panel).unwrap();
        let again: PanelSpec = toml::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(&again, panel);
    }
    let layout = toml::to_string(&spec.layout).unwrap();
    assert!(layout.contains("share-y = true"), "{layout}");
    let default = toml::to_string(&plotting::LayoutSpec::default()).unwrap();
    assert!(
        !default.contains("share"),
        "defaults are not written: {default}"
    );
    assert!(plotting::check_specs(&spec.layout, &spec.panel, &style()).is_empty());
}

#[test]
fn new_kinds_reject_bad_values() {
    let base = "x = { range = [0.0, 1.0] }\ny = { range = [0.0, 1.0] }\n";
    let parse_err = |series: &str| {
        toml::from_str::<PanelSpec>(&format!("{base}[[series]]\n{series}"))
            .unwrap_err()
            .to_string()
    };
    let e = parse_err("kind = \"contour\"\nz = \"a.z\"\nnx = 2\nny = 2\nlevels = 0");
    assert!(e.contains("a count must be positive"), "{e}");
    let e = parse_err("kind = \"contour\"\nz = \"a.z\"\nnx = 2\nny = 2\nlevels = 3\nmap = \"dem\"");
    assert!(e.contains("unknown variant `dem`"), "{e}");
    let e =
        parse_err("kind = \"heatmap\"\nz = \"a.z\"\nnx = 2\nny = 2\ncolorbar = { lable = \"L\" }");
    assert!(e.contains("unknown field `lable`"), "{e}");
    let e = parse_err("kind = \"bars\"\nx = \"a.x\"\nheight = \"a.y\"\nwidht = 1.0");
    assert!(e.contains("unknown field `widht`"), "{e}");

    let spec =
        |series: &str| toml::from_str::<PanelSpec>(&format!("{base}[[series]]\n{series}")).unwrap();
    let problems = |series: &str| {
        plotting::check_specs(&plotting::LayoutSpec::default(), &[spec(series)], &style())
            .into_iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
    };
    let p = problems("kind = \"contour\"\nz = \"a.z\"\nnx = 2\nny = 2\nlevels = [0.5, 0.2]");
    assert!(p[0].contains("values must be finite and increase"), "{p:?}");
    let p = problems("kind = \"contour\"\nz = \"a.z\"\nnx = 1\nny = 5\nlevels = 3");
    assert!(p[0].contains("nx and ny must be at least 2"), "{p:?}");
    let p = problems("kind = \"histogram\"\nvalues = \"a.v\"\nbins = [1.0]");
    assert!(p[0].contains("at least two edges"), "{p:?}");
    let p = problems("kind = \"regions\"\nids = \"a.v\"\nnx = 2\nny = 2\ncolors = [\"mauve\"]");
    assert!(p[0].contains("unknown colour `mauve`"), "{p:?}");
    let p = problems("kind = \"arrow\"\nfrom = [0.0, 0.0]\nto = [1.0, 1.0]\nhead = [0.0, 1.0]");
    assert!(p[0].contains("head must be"), "{p:?}");
    let p = problems("kind = \"bars\"\nx = \"a.x\"\nheight = \"a.y\"\nwidth = -1.0");
    assert!(p[0].contains("bar width must be positive"), "{p:?}");
    let p = problems("kind = \"scatter\"\nx = \"a.x\"\ny = \"a.y\"\nz = \"a.z\"");
    assert!(
        p[0].contains("`z` is only for scatters in a 3D panel"),
        "{p:?}"
    );

    // Data that does not fit: a grid of the wrong size, edges that do not increase.
    let fig = figure(
        &format!("{base}[[panel.series]]\nkind = \"regions\"\nids = \"a.v\"\nnx = 3\nny = 3\n")
            .replace("x = {", "[[panel]]\nx = {"),
        &[("a.v", vec![0.0; 8])],
    );
    assert!(
        render_error(&fig)
            .to_string()
            .contains("has 8 values but nx * ny = 3 * 3 = 9")
    );
    let fig = figure(
        &format!(
            "{base}[[panel.series]]\nkind = \"histogram\"\nvalues = \"a.v\"\nbins = \"a.e\"\n"
        )
        .replace("x = {", "[[panel]]\nx = {"),
        &[("a.v", vec![0.5]), ("a.e", vec![1.0, 0.0])],
    );
    assert!(
        render_error(&fig)
            .to_string()
            .contains("`a.e`: values must be finite and increase")
    );
}

#[test]
fn inverted_axes_run_from_hi_to_lo() {
    // A line from (0, 0) to (1, 1): rising normally, falling with y inverted (lo at the top),
    // and with x inverted too it runs from the top right to the bottom left.
    let line = |x_invert: bool, y_invert: bool| {
        let svg = stable(&figure(
            &format!(
                r#"
                [[panel]]
                x = {{ range = [0.0, 1.0], invert = {x_invert} }}
                y = {{ range = [0.0, 1.0], invert = {y_invert} }}
                series = [{{ kind = "line", x = "a.x", y = "a.y", color = "orange" }}]
                "#
            ),
            &[("a.x", vec![0.0, 1.0]), ("a.y", vec![0.0, 1.0])],
        ));
        let points = strokes(&svg, &["stroke=\"#D18362\""]).remove(0);
        (points[0], *points.last().unwrap())
    };
    let (start, end) = line(false, false);
    assert!(
        start.0 < end.0 && start.1 > end.1,
        "rising: {start:?} {end:?}"
    );
    let (start, end) = line(false, true);
    assert!(
        start.0 < end.0 && start.1 < end.1,
        "y inverted: {start:?} {end:?}"
    );
    let (start, end) = line(true, true);
    assert!(
        start.0 > end.0 && start.1 < end.1,
        "both inverted: {start:?} {end:?}"
    );
    // Tick labels follow: with y inverted, 0.0 is drawn above 1.0.
    let svg = render(&figure(
        r#"
        [[panel]]
        x = { range = [0.0, 1.0], ticks = [] }
        y = { range = [0.0, 1.0], ticks = [0.0, 1.0], invert = true }
        "#,
        &[],
    ));
    let lines: Vec<&str> = svg.lines().collect();
    let baseline = |label: &str| {
        lines
            .windows(2)
            .find(|w| w[0].starts_with("<text ") && w[1] == label)
            .and_then(|w| w[0].split(" y=\"").nth(1))
            .and_then(|v| v.split('"').next())
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or_else(|| panic!("label {label} in {svg}"))
    };
    assert!(baseline("0.0") < baseline("1.0"));
}

#[test]
fn shared_axes_must_agree_on_direction_and_3d_axes_do_not_invert() {
    let mut fig = shared_log_figure();
    fig.panels[1].spec.y.invert = true;
    let err = render_error(&fig).to_string();
    assert!(
        err.starts_with("layout: share-y: panel 2 has y range") && err.contains("inverted"),
        "{err}"
    );
    let fig = figure(
        r#"
        [[panel]]
        x = { range = [0.0, 1.0] }
        y = { range = [0.0, 1.0] }
        z = { range = [0.0, 1.0], invert = true }
        "#,
        &[],
    );
    let err = render_error(&fig).to_string();
    assert!(err.contains("cannot invert"), "{err}");
}
