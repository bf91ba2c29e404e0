//! 3D panels: matplotlib's 3D axes as the book draws them (SupervisedSurface).
//!
//! A panel with a `z` axis is drawn as a box seen from `projection` ([`crate::projection`]):
//! the three back panes in the style's pane colours with grid lines at the major ticks, the
//! surfaces as edgeless facets (one per grid square, coloured by the colormap at the mean of
//! its corners, darkened by up to `shade` when facing away from the light), then the scatters,
//! and on top the three axis lines with outward ticks, tick labels and axis labels that follow
//! the axes' slant. Facets and points are drawn far to near (painter's algorithm); ties keep
//! grid order, so the output is deterministic. The box is scaled to the largest size at which
//! it and its labels fit inside the panel's frame (which is not drawn).

use plotters::style::text_anchor::HPos;

use super::{CAP, Canvas, PanelPlace, data_range, marker_pt, rgba, text_width};
use crate::figure::{columns, grid_values, series_name};
use crate::geom::{Pt, Rect, to_pixels};
use crate::projection::{Projection, Vec3, cross, normalize};
use crate::spec::{AxisSpec, MarkerSize, SeriesSpec};
use crate::style::sample_colormap;
use crate::ticks::ticks;
use crate::{Panel, Result, Rgb, Style};

/// One axis of the box: where its line runs and which way its labels go.
struct Axis<'s> {
    spec: &'s AxisSpec,
    /// Data coordinate index (0 = x, 1 = y, 2 = z).
    k: usize,
    /// The two ends of the axis line, in data coordinates.
    ends: [Vec3; 2],
    /// Away from the box, in box coordinates (projected for the labels).
    outward: Vec3,
    /// Labelled major ticks.
    majors: Vec<(f64, String)>,
}

impl Axis<'_> {
    /// The point of the axis line at value `v`.
    fn at(&self, v: f64) -> Vec3 {
        let mut p = self.ends[0];
        p[self.k] = v;
        p
    }
}

/// A text to place: where its centre goes relative to a data point, and its extent.
struct Label {
    /// Data point it hangs off.
    anchor: Vec3,
    /// Pixel offset of the text's centre from the anchor's projection.
    offset: Pt,
    /// Half width and half height of its bounding box, in pixels.
    half: Pt,
}

/// Draws a 3D panel (see the module docs).
pub(super) fn draw_panel(
    canvas: &Canvas,
    index: usize,
    panel: &Panel,
    place: &PanelPlace,
    style: &Style,
) -> Result<()> {
    let spec = &panel.spec;
    let z_spec = spec.z.as_ref().expect("a 3D panel has a z axis");
    let sf = &style.surface;
    let s = style.scale;
    let frame = Rect {
        x0: place.frame.x0 * s,
        y0: place.frame.y0 * s,
        x1: place.frame.x1 * s,
        y1: place.frame.y1 * s,
    };
    let view = spec.projection.unwrap_or_default();
    let mut proj = Projection::new(
        [spec.x.range, spec.y.range, z_spec.range],
        sf.box_aspect,
        view.azimuth.unwrap_or(sf.azimuth),
        view.elevation.unwrap_or(sf.elevation),
    );
    let axes = axes(&proj, [&spec.x, &spec.y, z_spec], style);

    // Labels around the box, for fitting it into the frame.
    let fs = &style.font_size;
    let tick_h = CAP * canvas.px(fs.tick) / 2.0;
    let mut labels = Vec::new();
    for axis in &axes {
        let u = proj.screen_direction(axis.outward);
        let off = canvas.px(sf.tick_label_offset);
        for (v, text) in &axis.majors {
            labels.push(Label {
                anchor: axis.at(*v),
                offset: (u.0 * off, u.1 * off),
                half: (canvas.px(text_width(text, fs.tick)) / 2.0, tick_h),
            });
        }
        if let Some(text) = &axis.spec.label {
            let mid = axis.at((axis.spec.range[0] + axis.spec.range[1]) / 2.0);
            let angle = slant(&proj, axis).to_radians();
            let (w, h) = (
                canvas.px(text_width(text, fs.label)) / 2.0,
                CAP * canvas.px(fs.label) / 2.0,
            );
            let off = canvas.px(sf.label_offset);
            labels.push(Label {
                anchor: mid,
                offset: (u.0 * off, u.1 * off),
                half: (
                    angle.cos().abs() * w + angle.sin().abs() * h,
                    angle.sin().abs() * w + angle.cos().abs() * h,
                ),
            });
        }
    }
    fit(&mut proj, &frame, canvas.px(sf.margin), &labels);

    draw_panes(canvas, &proj, &axes, &frame, style)?;
    for (j, series) in spec.series.iter().enumerate() {
        if let SeriesSpec::Surface(sfc) = series {
            let name = series_name(index, spec, j);
            let z = grid_values(&panel.data, &sfc.z, sfc.nx, sfc.ny, &name)?;
            let (xr, yr) = (spec.x.range, spec.y.range);
            let extent = sfc.extent.unwrap_or([xr[0], xr[1], yr[0], yr[1]]);
            let range = sfc.range.unwrap_or_else(|| data_range(z));
            let shade = sfc.shade.unwrap_or(sf.shade);
            let grid = Grid {
                z,
                nx: sfc.nx,
                ny: sfc.ny,
                extent,
            };
            draw_surface(canvas, &proj, &grid, range, shade, &frame, style)?;
        }
    }
    for (j, series) in spec.series.iter().enumerate() {
        if let SeriesSpec::Scatter(sc) = series {
            let name = series_name(index, spec, j);
            let z_ref = sc.z.as_deref().expect("checked: a 3D scatter has z");
            let cols = columns(&panel.data, &[&sc.x, &sc.y, z_ref], &name)?;
            let fill = style.color(sc.color.as_deref().unwrap_or(&style.roles.data))?;
            let edge = match sc.edge.as_deref() {
                Some("none") => None,
                Some(e) => Some(style.color(e)?),
                None if sc.size == MarkerSize::Data => Some(style.color(&style.roles.data_edge)?),
                None => None,
            };
            let edge_width = sc.edge_width.unwrap_or(style.marker.data_edge);
            let edge = edge.map(|e| (rgba(e, 1.0), edge_width));
            let diameter = marker_pt(sc.size, style);
            let mut points: Vec<(f64, usize, Pt)> = (0..cols[0].len())
                .map(|i| [cols[0][i], cols[1][i], cols[2][i]])
                .filter(|p| p.iter().all(|v| v.is_finite()))
                .enumerate()
                .map(|(i, p)| (proj.depth(p), i, proj.screen(p)))
                .collect();
            points.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            for (_, _, p) in points.into_iter().filter(|(_, _, p)| frame.contains(*p)) {
                canvas.marker(p, diameter, rgba(fill, sc.opacity), edge)?;
            }
        }
    }
    draw_axes(canvas, &proj, &axes, style)?;
    draw_title_and_letter(canvas, spec.title.as_deref(), place.letter, &frame, style)
}

/// The axis lines as matplotlib's `axis3d` places them: x along the floor's edge nearest the
/// viewer in y, y along its edge nearest in x, z up the vertical edge at the near x and the far
/// y (on the right in the default view). Ticks and labels point away from the box: x's along y,
/// y's and z's along x.
fn axes<'s>(proj: &Projection, specs: [&'s AxisSpec; 3], style: &Style) -> Vec<Axis<'s>> {
    let [xr, yr, _] = [proj.range(0), proj.range(1), proj.range(2)];
    let floor = proj.far(2);
    let sign = |k: usize, v: f64| {
        let [lo, hi] = proj.range(k);
        if v >= (lo + hi) / 2.0 { 1.0 } else { -1.0 }
    };
    let (x_near, y_near, y_far) = (proj.near(0), proj.near(1), proj.far(1));
    let [zl, zh] = proj.range(2);
    let geometry: [([Vec3; 2], Vec3); 3] = [
        (
            [[xr[0], y_near, floor], [xr[1], y_near, floor]],
            [0.0, sign(1, y_near), 0.0],
        ),
        (
            [[x_near, yr[0], floor], [x_near, yr[1], floor]],
            [sign(0, x_near), 0.0, 0.0],
        ),
        (
            [[x_near, y_far, zl], [x_near, y_far, zh]],
            [sign(0, x_near), 0.0, 0.0],
        ),
    ];
    geometry
        .into_iter()
        .enumerate()
        .map(|(k, (ends, outward))| Axis {
            spec: specs[k],
            k,
            ends,
            outward,
            majors: ticks(specs[k], style.ticks.minor_count).major,
        })
        .collect()
}

/// The angle in degrees (clockwise on screen) at which text reads along an axis, in
/// [-90, 90): upright or reading upwards, never upside down.
fn slant(proj: &Projection, axis: &Axis) -> f64 {
    let mut d = [0.0; 3];
    d[axis.k] = 1.0;
    let (dx, dy) = proj.screen_direction(d);
    let mut angle = dy.atan2(dx).to_degrees();
    if angle >= 90.0 {
        angle -= 180.0;
    } else if angle < -90.0 {
        angle += 180.0;
    }
    angle
}

/// Scales and centres the projection so that the box and the labels fit in `frame` less
/// `margin`: the largest scale that fits, by bisection (the extent of points plus fixed pixel
/// offsets is convex in the scale, so the scales that fit form an interval from 0).
fn fit(proj: &mut Projection, frame: &Rect, margin: f64, labels: &[Label]) {
    let corners: Vec<Pt> = proj
        .corners()
        .into_iter()
        .map(|c| proj.plane(proj.to_box(c)))
        .collect();
    let items: Vec<(Pt, Pt, Pt)> = corners
        .iter()
        .map(|p| (*p, (0.0, 0.0), (0.0, 0.0)))
        .chain(
            labels
                .iter()
                .map(|l| (proj.plane(proj.to_box(l.anchor)), l.offset, l.half)),
        )
        .collect();
    // Bounding box in pixels (y down) at `scale`, with the box centre at the origin.
    let bounds = |scale: f64| {
        let mut b = (
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        );
        for ((px, py), (ox, oy), (hx, hy)) in &items {
            let (x, y) = (scale * px + ox, -scale * py + oy);
            b = (
                b.0.min(x - hx),
                b.1.min(y - hy),
                b.2.max(x + hx),
                b.3.max(y + hy),
            );
        }
        b
    };
    let (w, h) = (
        frame.x1 - frame.x0 - 2.0 * margin,
        frame.y1 - frame.y0 - 2.0 * margin,
    );
    let fits = |scale: f64| {
        let b = bounds(scale);
        b.2 - b.0 <= w && b.3 - b.1 <= h
    };
    let (mut lo, mut hi) = (0.0, (w.max(h)).max(1.0) * 4.0);
    if !fits(lo) {
        // The labels alone are too big: fit the box by itself.
        let (bw, bh) = corners.iter().fold((0.0f64, 0.0f64), |m, p| {
            (m.0.max(p.0.abs() * 2.0), m.1.max(p.1.abs() * 2.0))
        });
        lo = (w / bw).min(h / bh).max(0.0);
    } else {
        for _ in 0..60 {
            let mid = (lo + hi) / 2.0;
            if fits(mid) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
    }
    let b = bounds(lo);
    let centre = (
        (frame.x0 + frame.x1) / 2.0 - (b.0 + b.2) / 2.0,
        (frame.y0 + frame.y1) / 2.0 - (b.1 + b.3) / 2.0,
    );
    proj.fit(lo, centre);
}

/// The back panes, and grid lines on them at the other two axes' major ticks.
fn draw_panes(
    canvas: &Canvas,
    proj: &Projection,
    axes: &[Axis],
    frame: &Rect,
    style: &Style,
) -> Result<()> {
    let sf = &style.surface;
    for k in 0..3 {
        let (a, b) = ((k + 1) % 3, (k + 2) % 3);
        let [a0, a1] = proj.range(a);
        let [b0, b1] = proj.range(b);
        let corner = |va: f64, vb: f64| {
            let mut p = [0.0; 3];
            p[k] = proj.far(k);
            p[a] = va;
            p[b] = vb;
            proj.screen(p)
        };
        let quad = [
            corner(a0, b0),
            corner(a1, b0),
            corner(a1, b1),
            corner(a0, b1),
        ];
        let color = style.color(&sf.panes[k])?;
        canvas.polygon(&quad, frame, rgba(color, 1.0))?;
    }
    let grid = rgba(style.color(&sf.grid)?, 1.0);
    let width = style.px(sf.grid_width);
    for k in 0..3 {
        for (m, n) in [((k + 1) % 3, (k + 2) % 3), ((k + 2) % 3, (k + 1) % 3)] {
            let [n0, n1] = proj.range(n);
            for (v, _) in &axes[m].majors {
                let point = |vn: f64| {
                    let mut p = [0.0; 3];
                    p[k] = proj.far(k);
                    p[m] = *v;
                    p[n] = vn;
                    proj.screen(p)
                };
                canvas.stroke(&[point(n0), point(n1)], frame, grid, width, None)?;
            }
        }
    }
    Ok(())
}

/// A surface's heights on a grid of points covering `extent` inclusive.
struct Grid<'d> {
    z: &'d [f64],
    nx: usize,
    ny: usize,
    extent: [f64; 4],
}

impl Grid<'_> {
    /// The data point of grid point (i, j).
    fn point(&self, i: usize, j: usize) -> Vec3 {
        let [x0, x1, y0, y1] = self.extent;
        [
            x0 + (x1 - x0) * i as f64 / (self.nx - 1) as f64,
            y0 + (y1 - y0) * j as f64 / (self.ny - 1) as f64,
            self.z[j * self.nx + i],
        ]
    }
}

/// The facets of one surface, far to near.
fn draw_surface(
    canvas: &Canvas,
    proj: &Projection,
    grid: &Grid,
    [lo, hi]: [f64; 2],
    shade: f64,
    frame: &Rect,
    style: &Style,
) -> Result<()> {
    let stops = style.colormap()?;
    let light = Projection::light(style.surface.light[0], style.surface.light[1]);
    let mut facets: Vec<(f64, usize, [Pt; 4], Rgb)> = Vec::new();
    for j in 0..grid.ny - 1 {
        for i in 0..grid.nx - 1 {
            let corners = [
                grid.point(i, j),
                grid.point(i + 1, j),
                grid.point(i + 1, j + 1),
                grid.point(i, j + 1),
            ];
            if corners.iter().any(|c| !c[2].is_finite()) {
                continue;
            }
            let mean_z = corners.iter().map(|c| c[2]).sum::<f64>() / 4.0;
            let t = if hi > lo {
                (mean_z - lo) / (hi - lo)
            } else {
                0.5
            };
            let b: Vec<Vec3> = corners.iter().map(|c| proj.to_box(*c)).collect();
            let diagonal =
                |p: usize, q: usize| [b[p][0] - b[q][0], b[p][1] - b[q][1], b[p][2] - b[q][2]];
            let mut normal = normalize(cross(diagonal(2, 0), diagonal(3, 1)));
            if normal[2] < 0.0 {
                normal = normal.map(|v| -v);
            }
            let facing = normal.iter().zip(light).map(|(n, l)| n * l).sum::<f64>();
            // matplotlib maps the cosine from [-1, 1] to [0.3, 1]; here to [1 - shade, 1].
            let k = 1.0 - shade * (1.0 - (facing + 1.0) / 2.0);
            let base = sample_colormap(&stops, t);
            let lit = |c: u8| (f64::from(c) * k).round().clamp(0.0, 255.0) as u8;
            let color = Rgb(lit(base.0), lit(base.1), lit(base.2));
            let depth = corners.iter().map(|c| proj.depth(*c)).sum::<f64>() / 4.0;
            let screen = corners.map(|c| proj.screen(c));
            facets.push((depth, facets.len(), screen, color));
        }
    }
    facets.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    for (_, _, screen, color) in facets {
        canvas.fill_polygon(&screen, frame, rgba(color, 1.0), true)?;
    }
    Ok(())
}

/// Axis lines, outward ticks, tick labels and slanted axis labels. Where two axes meet at a
/// corner their end labels can collide: labels are placed z, x, y, and a tick label that would
/// overlap one already placed is left out.
fn draw_axes(canvas: &Canvas, proj: &Projection, axes: &[Axis], style: &Style) -> Result<()> {
    let sf = &style.surface;
    let fs = &style.font_size;
    let frame_color = rgba(style.color(&style.roles.frame)?, 1.0);
    let tick_color = style.color(&style.roles.tick)?;
    let text_color = style.color(&style.roles.text)?;
    let mut placed: Vec<Rect> = Vec::new();
    for axis in [&axes[2], &axes[0], &axes[1]] {
        let ends = axis.ends.map(|p| proj.screen(p));
        canvas.path(
            to_pixels(&ends),
            frame_color,
            style.px(style.line_width.frame),
        )?;
        let u = proj.screen_direction(axis.outward);
        let tick = canvas.px(style.ticks.major_length);
        let offset = canvas.px(sf.tick_label_offset);
        let half_cap = CAP / 2.0 * canvas.px(fs.tick);
        for (v, label) in &axis.majors {
            let p = proj.screen(axis.at(*v));
            canvas.path(
                to_pixels(&[p, (p.0 + u.0 * tick, p.1 + u.1 * tick)]),
                rgba(tick_color, 1.0),
                style.px(style.line_width.tick),
            )?;
            let centre = (p.0 + u.0 * offset, p.1 + u.1 * offset);
            let half_width = canvas.px(text_width(label, fs.tick)) / 2.0;
            let bounds = Rect {
                x0: centre.0 - half_width,
                y0: centre.1 - half_cap,
                x1: centre.0 + half_width,
                y1: centre.1 + half_cap,
            };
            if placed.iter().any(|r| overlap(r, &bounds)) {
                continue;
            }
            placed.push(bounds);
            let at = (centre.0, centre.1 + half_cap);
            canvas.text(label, at, fs.tick, tick_color, HPos::Center, false)?;
        }
        if let Some(label) = &axis.spec.label {
            let mid = proj.screen(axis.at((axis.spec.range[0] + axis.spec.range[1]) / 2.0));
            let offset = canvas.px(sf.label_offset);
            let centre = (mid.0 + u.0 * offset, mid.1 + u.1 * offset);
            let angle = slant(proj, axis);
            // From the centre down to the baseline, turned with the text.
            let drop = CAP / 2.0 * canvas.px(fs.label);
            let (sin, cos) = angle.to_radians().sin_cos();
            let at = (centre.0 - sin * drop, centre.1 + cos * drop);
            canvas.text_angled(label, at, fs.label, text_color, HPos::Center, angle)?;
        }
    }
    Ok(())
}

/// Whether two rectangles overlap (touching does not count).
fn overlap(a: &Rect, b: &Rect) -> bool {
    a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1
}

/// The title above the frame and the letter at its top-left corner (2-D and 3-D panels alike).
pub(super) fn draw_title_and_letter(
    canvas: &Canvas,
    title: Option<&str>,
    letter: Option<char>,
    f: &Rect,
    style: &Style,
) -> Result<()> {
    let fs = &style.font_size;
    let lay = &style.layout;
    let text_color = style.color(&style.roles.text)?;
    if let Some(title) = title {
        let at = ((f.x0 + f.x1) / 2.0, f.y0 - canvas.px(lay.title_baseline));
        canvas.text(title, at, fs.title, text_color, HPos::Center, false)?;
    }
    if let Some(letter) = letter {
        let at = (
            f.x0 - canvas.px(lay.letter_gap),
            f.y0 - canvas.px(lay.letter_baseline),
        );
        canvas.text(
            &format!("{letter})"),
            at,
            fs.letter,
            text_color,
            HPos::Right,
            false,
        )?;
    }
    Ok(())
}
