//! Drawing a [`Figure`] with plotters' SVG backend in the house style.
//!
//! The layout is computed here in pt from estimated text widths (no font files are read), then
//! every element is drawn on plotters' root drawing area in integer pixels at `style.scale` px
//! per pt. Clipping and dashes are done in [`crate::geom`]; a final text pass in [`crate::svg`]
//! adds what plotters cannot write (pt sizes, round joins, italic math, angled text, sealed
//! surface facets). The map and distribution kinds and the colour bar live in `overlay`, 3D
//! panels in `surface`.

mod overlay;
mod surface;

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use plotters::backend::SVGBackend;
use plotters::coord::Shift;
use plotters::drawing::{DrawingArea, IntoDrawingArea};
use plotters::element::{Circle, PathElement, Polygon, Rectangle, Text};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{
    Color, FontDesc, FontFamily, FontStyle, FontTransform, RGBAColor, ShapeStyle, TextStyle,
};

use crate::figure::{Grid, columns, lookup, place, scalar, series_name};
use crate::geom::{Pt, Rect, clip_polygon, clip_polyline, to_pixels};
use crate::spec::{
    Anchor, AxisSpec, BandSpec, Dash, FontSize, HeatmapSpec, LegendSpec, LineSpec, MarkerSize,
    PanelSpec, Positions, RuleSpec, Scale, ScatterSpec, SegmentsSpec, SeriesSpec, ShadeSpec,
    TextSpec, Value, Width,
};
use crate::style::sample_colormap;
use crate::svg::Fixups;
use crate::ticks::{Ticks, format_decimal, ticks};
use crate::{Error, Figure, Panel, Result, Rgb, Style};

/// Cap height as a fraction of the font size (between Avenir's 0.71 and DejaVu's 0.73).
const CAP: f64 = 0.72;
/// Descender depth as a fraction of the font size.
const DESCENT: f64 = 0.24;
/// plotters writes text with `dy="0.76em"` for top-anchored text: the baseline is this many
/// font sizes below the given y.
const TOP_DY: f64 = 0.76;

/// Renders a figure to an SVG document.
///
/// The output depends only on `fig` and `style`: fixed number formatting, no ids, no
/// timestamps and a fixed element order, so equal inputs give equal bytes.
pub fn render_svg(fig: &Figure, style: &Style) -> Result<String> {
    style.check()?;
    if let Some(problem) = fig.problems(style).into_iter().next() {
        return Err(problem);
    }
    let specs: Vec<&PanelSpec> = fig.panels.iter().map(|p| &p.spec).collect();
    let grid = place(&fig.layout, &specs)?;
    let [default_w, default_h] = style.panel_size(grid.cols);
    let size = (
        fig.layout.width.unwrap_or(default_w),
        fig.layout.height.unwrap_or(default_h),
    );
    let layout = Layout::new(fig, &grid, size, style);
    let width_px = (layout.width * style.scale).ceil() as u32;
    let height_px = (layout.height * style.scale).ceil() as u32;

    let mut buf = String::new();
    let fixups;
    {
        let root = SVGBackend::with_string(&mut buf, (width_px, height_px)).into_drawing_area();
        let canvas = Canvas {
            area: root,
            style,
            texts: Cell::new(0),
            polygons: Cell::new(0),
            polylines: Cell::new(0),
            fixups: RefCell::new(Fixups::default()),
        };
        canvas
            .area
            .fill(&RGBAColor(255, 255, 255, 1.0))
            .map_err(draw_error)?;
        for (i, panel) in fig.panels.iter().enumerate() {
            if panel.spec.is_3d() {
                surface::draw_panel(&canvas, i, panel, &layout.panels[i], style)?;
            } else {
                draw_panel(&canvas, i, panel, &layout.panels[i], style)?;
            }
        }
        canvas.area.present().map_err(draw_error)?;
        fixups = canvas.fixups.into_inner();
    }
    Ok(crate::svg::finish(
        &buf,
        style,
        layout.width,
        layout.height,
        &fixups,
    ))
}

fn draw_error(e: impl std::fmt::Display) -> Error {
    Error::Draw(e.to_string())
}

/// Estimated advance width of `text` at `size` pt, generous enough for DejaVu Sans (the widest
/// of the listed fonts). `$` math markers take no room.
pub(crate) fn text_width(text: &str, size: f64) -> f64 {
    let em: f64 =
        text.chars()
            .map(|c| match c {
                '$' | '_' | '^' | '{' | '}' => 0.0,
                '0'..='9' => 0.64,
                '.' | ',' | ':' | ';' | ' ' | '(' | ')' | '[' | ']' | 'i' | 'l' | 'j' | 't'
                | 'f' => 0.34,
                '-' => 0.36,
                '⁰' | '¹' | '²' | '³' | '⁴' | '⁵' | '⁶' | '⁷' | '⁸' | '⁹' | '⁻' => {
                    0.42
                }
                'm' | 'w' | 'M' | 'W' => 0.9,
                c if c.is_uppercase() => 0.7,
                _ => 0.6,
            })
            .sum();
    em * size
}

/// Placement of one panel, in pt.
struct PanelPlace {
    /// The frame.
    frame: Rect,
    /// Distance from the left spine to the y label's baseline.
    y_label_offset: f64,
    /// Ticks of the two axes.
    x_ticks: Ticks,
    y_ticks: Ticks,
    /// The panel letter.
    letter: Option<char>,
    /// Whether the x / y tick labels are drawn (not under `share-x` / `share-y`).
    x_tick_labels: bool,
    y_tick_labels: bool,
    /// The colour bar of the panel's heatmap, if it asks for one.
    colorbar: Option<overlay::Colorbar>,
}

/// Placement of all panels and the figure size, in pt.
struct Layout {
    panels: Vec<PanelPlace>,
    width: f64,
    height: f64,
}

impl Layout {
    fn new(fig: &Figure, grid: &Grid, (w, h): (f64, f64), style: &Style) -> Layout {
        let fs = &style.font_size;
        let lay = &style.layout;
        let tk = &style.ticks;
        let (mut left, mut right) = (vec![0.0f64; grid.cols], vec![0.0f64; grid.cols]);
        let (mut top, mut bottom) = (vec![0.0f64; grid.rows], vec![0.0f64; grid.rows]);
        let mut y_tick_width = vec![0.0f64; grid.cols];
        // Room for colour bars right of the frames, which take the frame's whole height.
        let mut bar = vec![0.0f64; grid.cols];
        let mut all_ticks = Vec::new();
        // Under share-y only the leftmost panel of a row labels its y ticks; under share-x only
        // the lowest panel of a column labels its x ticks.
        let mut leftmost: BTreeMap<usize, usize> = BTreeMap::new();
        let mut lowest: BTreeMap<usize, usize> = BTreeMap::new();
        let flat = fig
            .panels
            .iter()
            .zip(&grid.cells)
            .filter(|(p, _)| !p.spec.is_3d());
        for (_, &(r, c)) in flat {
            leftmost
                .entry(r)
                .and_modify(|m| *m = (*m).min(c))
                .or_insert(c);
            lowest
                .entry(c)
                .and_modify(|m| *m = (*m).max(r))
                .or_insert(r);
        }
        let mut flags = Vec::new();
        for (i, panel) in fig.panels.iter().enumerate() {
            let spec = &panel.spec;
            let (r, c) = grid.cells[i];
            let is_3d = spec.is_3d();
            let y_labels = !is_3d && (!fig.layout.share_y || leftmost.get(&r) == Some(&c));
            let x_labels = !is_3d && (!fig.layout.share_x || lowest.get(&c) == Some(&r));
            let colorbar = if is_3d {
                None
            } else {
                overlay::Colorbar::of(panel)
            };
            let xt = ticks(&spec.x, tk.minor_count);
            let yt = ticks(&spec.y, tk.minor_count);
            let yw = if y_labels {
                yt.major
                    .iter()
                    .map(|(_, l)| text_width(l, fs.tick))
                    .fold(0.0, f64::max)
            } else {
                0.0
            };
            y_tick_width[c] = y_tick_width[c].max(yw);
            let mut need_left = if is_3d { 0.0 } else { tk.label_gap + yw };
            if spec.y.label.is_some() && !is_3d {
                need_left += lay.y_label_gap + DESCENT * fs.label + CAP * fs.label;
            }
            if let Some(letter) = grid.letters[i] {
                need_left =
                    need_left.max(lay.letter_gap + text_width(&format!("{letter})"), fs.letter));
            }
            left[c] = left[c].max(need_left);
            let overhang = if x_labels {
                xt.major
                    .iter()
                    .filter(|(v, _)| {
                        // Labels near the right end of the frame (`lo` on an inverted axis).
                        let [lo, hi] = spec.x.range;
                        if spec.x.invert {
                            *v <= lo + (hi - lo) * 0.05
                        } else {
                            *v >= hi - (hi - lo) * 0.05
                        }
                    })
                    .map(|(_, l)| text_width(l, fs.tick) / 2.0)
                    .fold(0.0, f64::max)
            } else {
                0.0
            };
            bar[c] = bar[c].max(colorbar.as_ref().map_or(0.0, |cb| cb.room(style)));
            right[c] = right[c].max(overhang);
            let mut need_top = 0.5 * CAP * fs.tick;
            if spec.title.is_some() {
                need_top = need_top.max(lay.title_baseline + CAP * fs.title);
            }
            if grid.letters[i].is_some() {
                need_top = need_top.max(lay.letter_baseline + CAP * fs.letter);
            }
            top[r] = top[r].max(need_top);
            let mut need_bottom = if x_labels {
                tk.x_label_top + (CAP + DESCENT) * fs.tick
            } else {
                tk.major_length
            };
            if spec.x.label.is_some() && !is_3d {
                need_bottom = need_bottom.max(lay.x_label_baseline + DESCENT * fs.label);
            }
            bottom[r] = bottom[r].max(need_bottom);
            all_ticks.push((xt, yt));
            flags.push((x_labels, y_labels, colorbar));
        }
        let mut xs = vec![lay.margin_left + left[0]];
        for c in 1..grid.cols {
            xs.push(xs[c - 1] + w + bar[c - 1] + right[c - 1].max(left[c]) + lay.gutter);
        }
        let mut ys = vec![lay.margin_top + top[0]];
        for r in 1..grid.rows {
            ys.push(ys[r - 1] + h + bottom[r - 1] + top[r] + lay.row_gap);
        }
        let last = grid.cols - 1;
        let width = xs[last] + w + bar[last] + right[last] + lay.margin_right;
        let height = ys[grid.rows - 1] + h + bottom[grid.rows - 1] + lay.margin_bottom;
        let panels = all_ticks
            .into_iter()
            .zip(flags)
            .enumerate()
            .map(
                |(i, ((x_ticks, y_ticks), (x_tick_labels, y_tick_labels, colorbar)))| {
                    let (r, c) = grid.cells[i];
                    PanelPlace {
                        frame: Rect {
                            x0: xs[c],
                            y0: ys[r],
                            x1: xs[c] + w,
                            y1: ys[r] + h,
                        },
                        y_label_offset: tk.label_gap
                            + y_tick_width[c]
                            + lay.y_label_gap
                            + DESCENT * fs.label,
                        x_ticks,
                        y_ticks,
                        letter: grid.letters[i],
                        x_tick_labels,
                        y_tick_labels,
                        colorbar,
                    }
                },
            )
            .collect();
        Layout {
            panels,
            width,
            height,
        }
    }
}

/// plotters' root drawing area plus the style, with drawing helpers in pixels.
struct Canvas<'a, 'b> {
    area: DrawingArea<SVGBackend<'b>, Shift>,
    style: &'a Style,
    /// `<text>` and `<polygon>` elements drawn so far (to name them in `fixups`).
    texts: Cell<usize>,
    polygons: Cell<usize>,
    /// `<polyline>` elements drawn so far.
    polylines: Cell<usize>,
    /// What the final text pass must add to single elements.
    fixups: RefCell<Fixups>,
}

/// A colour with opacity, as plotters wants it.
fn rgba(c: Rgb, alpha: f64) -> RGBAColor {
    RGBAColor(c.0, c.1, c.2, alpha)
}

impl Canvas<'_, '_> {
    fn px(&self, pt: f64) -> f64 {
        pt * self.style.scale
    }

    /// A polyline already in integer pixels.
    /// Draws one polyline; returns its index among the `<polyline>`s.
    fn path(&self, points: Vec<(i32, i32)>, color: RGBAColor, width: u32) -> Result<usize> {
        let index = self.polylines.replace(self.polylines.get() + 1);
        let style = ShapeStyle {
            color,
            filled: false,
            stroke_width: width,
        };
        self.area
            .draw(&PathElement::new(points, style))
            .map_err(draw_error)?;
        Ok(index)
    }

    /// Strokes a polyline (pixels, `f64`): split at non-finite points, dashed, clipped to
    /// `clip`. Returns the last visible point of the undashed line.
    fn stroke(
        &self,
        points: &[Pt],
        clip: &Rect,
        color: RGBAColor,
        width: u32,
        dash: Option<&[f64]>,
    ) -> Result<Option<Pt>> {
        let mut last = None;
        for run in finite_runs(points) {
            if let Some(end) = clip_polyline(&run, clip).last().and_then(|p| p.last()) {
                last = Some(*end);
            }
            // Dashes are an SVG `stroke-dasharray` on the whole clipped piece (one element, not
            // one per dash), added by the final text pass.
            let dasharray = dash.map(|pattern| {
                pattern
                    .iter()
                    .map(|v| crate::svg::fixed(*v))
                    .collect::<Vec<_>>()
                    .join(" ")
            });
            for piece in clip_polyline(&run, clip) {
                let pixels = to_pixels(&piece);
                if pixels.len() >= 2 {
                    let index = self.path(pixels, color, width)?;
                    if let Some(d) = &dasharray {
                        self.fixups
                            .borrow_mut()
                            .dashed_polylines
                            .insert(index, d.clone());
                    }
                }
            }
        }
        Ok(last)
    }

    fn polygon(&self, points: &[Pt], clip: &Rect, color: RGBAColor) -> Result<()> {
        self.fill_polygon(points, clip, color, false)
    }

    /// A filled polygon clipped to `clip`; `sealed` ones get a hairline stroke of their own
    /// colour, so that neighbouring facets show no seam.
    fn fill_polygon(
        &self,
        points: &[Pt],
        clip: &Rect,
        color: RGBAColor,
        sealed: bool,
    ) -> Result<()> {
        let pixels = to_pixels(&clip_polygon(points, clip));
        if pixels.len() < 3 {
            return Ok(());
        }
        let style = ShapeStyle {
            color,
            filled: true,
            stroke_width: 0,
        };
        let index = self.polygons.replace(self.polygons.get() + 1);
        if sealed {
            self.fixups.borrow_mut().sealed_polygons.insert(index);
        }
        self.area
            .draw(&Polygon::new(pixels, style))
            .map_err(draw_error)
    }

    fn fill_rect(&self, r: &Rect, color: RGBAColor) -> Result<()> {
        let (x0, y0) = (r.x0.round() as i32, r.y0.round() as i32);
        let (x1, y1) = (r.x1.round() as i32, r.y1.round() as i32);
        if x1 <= x0 || y1 <= y0 {
            return Ok(());
        }
        let style = ShapeStyle {
            color,
            filled: true,
            stroke_width: 0,
        };
        self.area
            .draw(&Rectangle::new([(x0, y0), (x1, y1)], style))
            .map_err(draw_error)
    }

    /// A circle of diameter `diameter` pt, filled, with an optional edge of `edge_width` pt.
    fn marker(
        &self,
        center: Pt,
        diameter: f64,
        fill: RGBAColor,
        edge: Option<(RGBAColor, f64)>,
    ) -> Result<()> {
        let c = (center.0.round() as i32, center.1.round() as i32);
        let r = (self.px(diameter / 2.0).round() as u32).max(1);
        let style = ShapeStyle {
            color: fill,
            filled: true,
            stroke_width: 0,
        };
        self.area
            .draw(&Circle::new(c, r, style))
            .map_err(draw_error)?;
        if let Some((color, width)) = edge {
            let w = self.style.px(width);
            if w > 0 {
                let style = ShapeStyle {
                    color,
                    filled: false,
                    stroke_width: w,
                };
                let r_edge = r.saturating_sub(w / 2).max(1);
                self.area
                    .draw(&Circle::new(c, r_edge, style))
                    .map_err(draw_error)?;
            }
        }
        Ok(())
    }

    /// Text turned by `angle` degrees (clockwise on screen) about the point `at` on its
    /// baseline, anchored there by `h`.
    fn text_angled(
        &self,
        text: &str,
        at: Pt,
        size: f64,
        color: Rgb,
        h: HPos,
        angle: f64,
    ) -> Result<()> {
        if angle != 0.0 {
            let index = self.texts.get();
            self.fixups.borrow_mut().text_angles.insert(index, angle);
        }
        self.text(text, at, size, color, h, false)
    }

    /// Text with its baseline through `at` (pixels); rotated texts read upwards and their
    /// baseline is the vertical line x = `at.0`.
    fn text(
        &self,
        text: &str,
        at: Pt,
        size: f64,
        color: Rgb,
        h: HPos,
        rotated: bool,
    ) -> Result<()> {
        self.texts.set(self.texts.get() + 1);
        let size_px = self.px(size);
        let pos = if rotated {
            (at.0 - TOP_DY * size_px, at.1)
        } else {
            (at.0, at.1 - TOP_DY * size_px)
        };
        let pos = (pos.0.round() as i32, pos.1.round() as i32);
        // plotters writes font-size = size / 1.24; crate::svg rewrites it to two decimals.
        let mut font = FontDesc::new(
            FontFamily::Name(&self.style.font_family),
            size_px * 1.24,
            FontStyle::Normal,
        );
        if rotated {
            font = font.transform(FontTransform::Rotate270);
        }
        let style = TextStyle {
            font,
            color: rgba(color, 1.0).to_backend_color(),
            pos: Pos::new(h, VPos::Top),
        };
        self.area
            .draw(&Text::new(text, pos, style))
            .map_err(draw_error)
    }
}

/// Maximal runs of finite points.
fn finite_runs(points: &[Pt]) -> Vec<Vec<Pt>> {
    points
        .split(|p| !(p.0.is_finite() && p.1.is_finite()))
        .filter(|run| !run.is_empty())
        .map(<[Pt]>::to_vec)
        .collect()
}

/// Maps data values on one axis to pixels.
struct AxisMap {
    log: bool,
    t_lo: f64,
    t_hi: f64,
    p_lo: f64,
    p_hi: f64,
}

impl AxisMap {
    /// The map of `axis` onto pixels `p_lo` (where `lo` goes) to `p_hi`; an inverted axis swaps
    /// the two ends.
    fn new(axis: &AxisSpec, p_lo: f64, p_hi: f64) -> AxisMap {
        let log = axis.scale == Scale::Log;
        let t = |v: f64| if log { v.log10() } else { v };
        let (p_lo, p_hi) = if axis.invert {
            (p_hi, p_lo)
        } else {
            (p_lo, p_hi)
        };
        AxisMap {
            log,
            t_lo: t(axis.range[0]),
            t_hi: t(axis.range[1]),
            p_lo,
            p_hi,
        }
    }

    /// Pixel position of `v`; NaN for values a log axis cannot show.
    fn map(&self, v: f64) -> f64 {
        let t = if self.log {
            if v > 0.0 { v.log10() } else { f64::NAN }
        } else {
            v
        };
        self.p_lo + (t - self.t_lo) / (self.t_hi - self.t_lo) * (self.p_hi - self.p_lo)
    }

    /// Whether `v` lies within the range (with a little tolerance).
    fn contains(&self, v: f64) -> bool {
        let p = self.map(v);
        let (a, b) = (self.p_lo.min(self.p_hi), self.p_lo.max(self.p_hi));
        p >= a - 1e-6 && p <= b + 1e-6
    }
}

/// Drawing order of series kinds (lower first).
fn layer(series: &SeriesSpec) -> u8 {
    match series {
        SeriesSpec::Heatmap(_) | SeriesSpec::Regions(_) | SeriesSpec::Surface(_) => 0,
        SeriesSpec::Contour(_) => 1,
        SeriesSpec::Shade(_) | SeriesSpec::Bars(_) | SeriesSpec::Histogram(_) => 2,
        SeriesSpec::Band(_) => 3,
        SeriesSpec::Vline(_) | SeriesSpec::Hline(_) => 4,
        SeriesSpec::Line(_) | SeriesSpec::Segments(_) | SeriesSpec::Path(_) => 5,
        SeriesSpec::Scatter(_) => 6,
        SeriesSpec::Arrow(_) => 7,
        SeriesSpec::Text(_) => 8,
    }
}

fn width_pt(width: Width, style: &Style) -> f64 {
    let w = &style.line_width;
    match width {
        Width::Main => w.main,
        Width::Multi => w.multi,
        Width::Thin => w.thin,
        Width::Reference => w.reference,
        Width::Frame => w.frame,
        Width::Path => w.path,
        Width::Pt(v) => v,
    }
}

fn marker_pt(size: MarkerSize, style: &Style) -> f64 {
    let m = &style.marker;
    match size {
        MarkerSize::Data => m.data,
        MarkerSize::Medium => m.medium,
        MarkerSize::Dense => m.dense,
        MarkerSize::Small => m.small,
        MarkerSize::Iterate => m.iterate,
        MarkerSize::Pt(v) => v,
    }
}

fn font_pt(size: FontSize, style: &Style) -> f64 {
    let f = &style.font_size;
    match size {
        FontSize::Tick => f.tick,
        FontSize::Label => f.label,
        FontSize::Title => f.title,
        FontSize::Legend => f.legend,
        FontSize::Small => f.small,
        FontSize::Pt(v) => v,
    }
}

/// The dash pattern in pixels for a stroke `width_px` wide; None for solid.
fn dash_px(dash: &Dash, width_px: u32, style: &Style) -> Option<Vec<f64>> {
    let w = f64::from(width_px);
    match dash {
        Dash::Solid => None,
        Dash::Dashed => Some(style.dash.dashed.iter().map(|v| v * w).collect()),
        Dash::Dotted => Some(style.dash.dotted.iter().map(|v| v * w).collect()),
        Dash::Pattern(p) => Some(p.iter().map(|v| v * style.scale).collect()),
    }
}

/// What a legend entry shows before its text.
enum Sample {
    Line {
        color: RGBAColor,
        width: u32,
        dash: Option<Vec<f64>>,
    },
    Marker {
        color: RGBAColor,
        diameter: f64,
        edge: Option<(RGBAColor, f64)>,
    },
    Patch(RGBAColor),
}

fn draw_panel(
    canvas: &Canvas,
    index: usize,
    panel: &Panel,
    place: &PanelPlace,
    style: &Style,
) -> Result<()> {
    let spec = &panel.spec;
    let s = style.scale;
    let frame = Rect {
        x0: place.frame.x0 * s,
        y0: place.frame.y0 * s,
        x1: place.frame.x1 * s,
        y1: place.frame.y1 * s,
    };
    let view = View {
        frame,
        x: AxisMap::new(&spec.x, frame.x0, frame.x1),
        y: AxisMap::new(&spec.y, frame.y1, frame.y0),
        x_range: spec.x.range,
        y_range: spec.y.range,
    };

    let mut order: Vec<usize> = (0..spec.series.len()).collect();
    order.sort_by_key(|&j| layer(&spec.series[j]));
    let mut legend: Vec<(usize, String, Sample)> = Vec::new();
    let mut direct: Vec<(String, Pt, Rgb)> = Vec::new();
    for j in order {
        let series = &spec.series[j];
        let drawn = Series {
            canvas,
            view: &view,
            data: &panel.data,
            name: series_name(index, spec, j),
            style,
        }
        .draw(series)?;
        if let (Some(label), Some(sample)) = (series.label(), drawn.sample) {
            legend.push((j, label.to_string(), sample));
        }
        if let (Some(label), Some((end, color))) = (series.label(), drawn.end) {
            direct.push((label.to_string(), end, color));
        }
    }

    draw_frame_and_axes(canvas, spec, place, &view, style)?;
    if let Some(colorbar) = &place.colorbar {
        colorbar.draw(canvas, &view.frame, style)?;
    }

    match spec.legend {
        LegendSpec::None => Ok(()),
        LegendSpec::Direct => draw_direct_labels(canvas, direct, style),
        corner => {
            legend.sort_by_key(|(j, _, _)| *j);
            draw_legend(canvas, corner, &legend, &view.frame, style)
        }
    }
}

/// The frame of a panel in pixels and its two axis maps.
struct View {
    frame: Rect,
    x: AxisMap,
    y: AxisMap,
    x_range: [f64; 2],
    y_range: [f64; 2],
}

impl View {
    fn map(&self, x: f64, y: f64) -> Pt {
        (self.x.map(x), self.y.map(y))
    }
}

/// What drawing a series leaves for the legend and the direct labels.
#[derive(Default)]
struct Drawn {
    /// The legend sample.
    sample: Option<Sample>,
    /// For lines: the last visible point and the direct label's colour.
    end: Option<(Pt, Rgb)>,
}

/// Everything needed to draw one series of a panel.
struct Series<'c, 'a, 'b> {
    canvas: &'c Canvas<'a, 'b>,
    view: &'c View,
    data: &'c BTreeMap<String, Vec<f64>>,
    /// `panel N "title", series M (kind "label")`, for errors.
    name: String,
    style: &'c Style,
}

impl Series<'_, '_, '_> {
    fn draw(&self, series: &SeriesSpec) -> Result<Drawn> {
        match series {
            SeriesSpec::Line(l) => self.line(l),
            SeriesSpec::Scatter(s) => self.scatter(s),
            SeriesSpec::Band(b) => self.band(b),
            SeriesSpec::Vline(r) => self.rule(r, true),
            SeriesSpec::Hline(r) => self.rule(r, false),
            SeriesSpec::Shade(s) => self.shade(s),
            SeriesSpec::Segments(s) => self.segments(s),
            SeriesSpec::Text(t) => self.text(t),
            SeriesSpec::Heatmap(h) => self.heatmap(h),
            SeriesSpec::Contour(c) => self.contour(c),
            SeriesSpec::Path(p) => self.path(p),
            SeriesSpec::Arrow(a) => self.arrow(a),
            SeriesSpec::Bars(b) => self.bars(b),
            SeriesSpec::Histogram(h) => self.histogram(h),
            SeriesSpec::Regions(r) => self.regions(r),
            SeriesSpec::Surface(_) => Err(Error::Series {
                series: self.name.clone(),
                message: "a surface needs a 3D panel".to_string(),
            }),
        }
    }

    fn columns(&self, references: &[&str]) -> Result<Vec<&[f64]>> {
        columns(self.data, references, &self.name)
    }

    /// A solid or dashed line's colour, width in px and dash pattern in px.
    fn stroke_style(
        &self,
        color: Option<&str>,
        role: &str,
        width: Width,
        dash: &Dash,
    ) -> Result<(Rgb, u32, Option<Vec<f64>>)> {
        let color = self.style.color(color.unwrap_or(role))?;
        let width = self.style.px(width_pt(width, self.style));
        Ok((color, width, dash_px(dash, width, self.style)))
    }

    fn line(&self, l: &LineSpec) -> Result<Drawn> {
        let cols = self.columns(&[&l.x, &l.y])?;
        let role = &self.style.roles.model;
        let (color, width, dash) = self.stroke_style(l.color.as_deref(), role, l.width, &l.dash)?;
        let points: Vec<Pt> = cols[0]
            .iter()
            .zip(cols[1])
            .map(|(&x, &y)| self.view.map(x, y))
            .collect();
        let frame = &self.view.frame;
        let last = self
            .canvas
            .stroke(&points, frame, rgba(color, 1.0), width, dash.as_deref())?;
        if let Some(size) = l.markers {
            for p in points.iter().filter(|p| frame.contains(**p)) {
                let diameter = marker_pt(size, self.style);
                self.canvas.marker(*p, diameter, rgba(color, 1.0), None)?;
            }
        }
        let label_color = self.style.label_color(l.color.as_deref().unwrap_or(role))?;
        Ok(Drawn {
            sample: Some(Sample::Line {
                color: rgba(color, 1.0),
                width,
                dash,
            }),
            end: last.map(|p| (p, label_color)),
        })
    }

    fn scatter(&self, sc: &ScatterSpec) -> Result<Drawn> {
        let cols = self.columns(&[&sc.x, &sc.y])?;
        let roles = &self.style.roles;
        let fill = self
            .style
            .color(sc.color.as_deref().unwrap_or(&roles.data))?;
        let edge = match sc.edge.as_deref() {
            Some("none") => None,
            Some(e) => Some(self.style.color(e)?),
            None if sc.size == MarkerSize::Data => Some(self.style.color(&roles.data_edge)?),
            None => None,
        };
        let edge_width = sc.edge_width.unwrap_or(self.style.marker.data_edge);
        let edge = edge.map(|e| (rgba(e, 1.0), edge_width));
        let diameter = marker_pt(sc.size, self.style);
        let fill = rgba(fill, sc.opacity);
        for (&x, &y) in cols[0].iter().zip(cols[1]) {
            let p = self.view.map(x, y);
            if p.0.is_finite() && p.1.is_finite() && self.view.frame.contains(p) {
                self.canvas.marker(p, diameter, fill, edge)?;
            }
        }
        Ok(Drawn {
            sample: Some(Sample::Marker {
                color: fill,
                diameter,
                edge,
            }),
            end: None,
        })
    }

    /// The polygon of `hi` followed by `lo` reversed, per run of finite values.
    fn band(&self, b: &BandSpec) -> Result<Drawn> {
        let cols = self.columns(&[&b.x, &b.lo, &b.hi])?;
        let color = self
            .style
            .color(b.color.as_deref().unwrap_or(&self.style.roles.band))?;
        let color = rgba(color, b.opacity);
        let mapped: Vec<(Pt, Pt)> = (0..cols[0].len())
            .map(|i| {
                let lo = self.view.map(cols[0][i], cols[1][i]);
                (lo, (lo.0, self.view.y.map(cols[2][i])))
            })
            .collect();
        let finite = |(lo, hi): &(Pt, Pt)| lo.0.is_finite() && lo.1.is_finite() && hi.1.is_finite();
        for run in mapped.split(|p| !finite(p)).filter(|r| r.len() >= 2) {
            let mut polygon: Vec<Pt> = run.iter().map(|(_, hi)| *hi).collect();
            polygon.extend(run.iter().rev().map(|(lo, _)| *lo));
            self.canvas.polygon(&polygon, &self.view.frame, color)?;
        }
        Ok(Drawn {
            sample: Some(Sample::Patch(color)),
            end: None,
        })
    }

    /// Vertical (`vertical`) or horizontal lines across the whole frame.
    fn rule(&self, r: &RuleSpec, vertical: bool) -> Result<Drawn> {
        let default_dash = if vertical { Dash::Dotted } else { Dash::Dashed };
        let dash = r.dash.as_ref().unwrap_or(&default_dash);
        let role = &self.style.roles.reference;
        let (color, width, dash) = self.stroke_style(r.color.as_deref(), role, r.width, dash)?;
        let positions: &[f64] = match &r.at {
            Positions::Nums(v) => v,
            Positions::Ref(reference) => lookup(self.data, reference, &self.name)?,
        };
        let f = &self.view.frame;
        let map = if vertical { &self.view.x } else { &self.view.y };
        for &v in positions.iter().filter(|v| map.contains(**v)) {
            let p = map.map(v);
            let line = if vertical {
                [(p, f.y1), (p, f.y0)]
            } else {
                [(f.x0, p), (f.x1, p)]
            };
            self.canvas
                .stroke(&line, f, rgba(color, 1.0), width, dash.as_deref())?;
        }
        Ok(Drawn {
            sample: Some(Sample::Line {
                color: rgba(color, 1.0),
                width,
                dash,
            }),
            end: None,
        })
    }

    /// A full-height rectangle from x = `from` to x = `to`.
    fn shade(&self, sh: &ShadeSpec) -> Result<Drawn> {
        let color = self
            .style
            .color(sh.color.as_deref().unwrap_or(&self.style.roles.region))?;
        let a = self.view.x.map(scalar(self.data, &sh.from, &self.name)?);
        let b = self.view.x.map(scalar(self.data, &sh.to, &self.name)?);
        let f = &self.view.frame;
        if a.is_finite() && b.is_finite() {
            let rect = Rect {
                x0: a.min(b).max(f.x0),
                y0: f.y0,
                x1: a.max(b).min(f.x1),
                y1: f.y1,
            };
            self.canvas.fill_rect(&rect, rgba(color, 1.0))?;
        }
        Ok(Drawn {
            sample: Some(Sample::Patch(rgba(color, 1.0))),
            end: None,
        })
    }

    fn segments(&self, sg: &SegmentsSpec) -> Result<Drawn> {
        let x2 = sg.x2.as_deref().unwrap_or(&sg.x);
        let cols = self.columns(&[&sg.x, &sg.y, x2, &sg.y2])?;
        let role = &self.style.roles.reference;
        let (color, width, dash) =
            self.stroke_style(sg.color.as_deref(), role, sg.width, &sg.dash)?;
        let starts = cols[0].iter().zip(cols[1]);
        let ends = cols[2].iter().zip(cols[3]);
        for ((&x, &y), (&x2, &y2)) in starts.zip(ends) {
            let line = [self.view.map(x, y), self.view.map(x2, y2)];
            let frame = &self.view.frame;
            self.canvas
                .stroke(&line, frame, rgba(color, 1.0), width, dash.as_deref())?;
        }
        Ok(Drawn {
            sample: Some(Sample::Line {
                color: rgba(color, 1.0),
                width,
                dash,
            }),
            end: None,
        })
    }

    fn text(&self, t: &TextSpec) -> Result<Drawn> {
        let color = self
            .style
            .color(t.color.as_deref().unwrap_or(&self.style.roles.text))?;
        let text = match &t.value {
            Some(r) => {
                let v = scalar(self.data, &Value::Ref(r.clone()), &self.name)?;
                t.text.replacen("{}", &format_decimal(v, t.decimals), 1)
            }
            None => t.text.clone(),
        };
        let at = self.view.map(t.at[0], t.at[1]);
        if at.0.is_finite() && at.1.is_finite() {
            let h = match t.anchor {
                Anchor::Left => HPos::Left,
                Anchor::Center => HPos::Center,
                Anchor::Right => HPos::Right,
            };
            let size = font_pt(t.size, self.style);
            self.canvas.text(&text, at, size, color, h, false)?;
        }
        Ok(Drawn::default())
    }

    /// Cells coloured by the colormap; runs of equal colour along a row become one rectangle.
    fn heatmap(&self, hm: &HeatmapSpec) -> Result<Drawn> {
        let z = lookup(self.data, &hm.z, &self.name)?;
        let stops = self.style.colormap()?;
        let (xr, yr) = (self.view.x_range, self.view.y_range);
        let [x_lo, x_hi, y_lo, y_hi] = hm.extent.unwrap_or([xr[0], xr[1], yr[0], yr[1]]);
        let [z_lo, z_hi] = hm.range.unwrap_or_else(|| data_range(z));
        let color = |v: f64| {
            v.is_finite().then(|| {
                let t = if z_hi > z_lo {
                    (v - z_lo) / (z_hi - z_lo)
                } else {
                    0.5
                };
                sample_colormap(&stops, t)
            })
        };
        let edge = |lo: f64, hi: f64, n: usize, k: usize| lo + (hi - lo) * k as f64 / n as f64;
        let f = &self.view.frame;
        for (row, values) in z.chunks(hm.nx).enumerate() {
            let ya = self.view.y.map(edge(y_lo, y_hi, hm.ny, row));
            let yb = self.view.y.map(edge(y_lo, y_hi, hm.ny, row + 1));
            let mut start = 0;
            while start < hm.nx {
                let c = color(values[start]);
                let end = (start + 1..hm.nx)
                    .find(|&k| color(values[k]) != c)
                    .unwrap_or(hm.nx);
                let xa = self.view.x.map(edge(x_lo, x_hi, hm.nx, start));
                let xb = self.view.x.map(edge(x_lo, x_hi, hm.nx, end));
                start = end;
                let Some(c) = c else { continue };
                if !(xa.is_finite() && xb.is_finite() && ya.is_finite() && yb.is_finite()) {
                    continue;
                }
                let rect = Rect {
                    x0: xa.min(xb).max(f.x0),
                    y0: ya.min(yb).max(f.y0),
                    x1: xa.max(xb).min(f.x1),
                    y1: ya.max(yb).min(f.y1),
                };
                self.canvas.fill_rect(&rect, rgba(c, 1.0))?;
            }
        }
        Ok(Drawn::default())
    }
}

/// The finite values' `[min, max]` (`[inf, -inf]` when there are none).
fn data_range(z: &[f64]) -> [f64; 2] {
    let finite = z.iter().copied().filter(|v| v.is_finite());
    [
        finite.clone().fold(f64::INFINITY, f64::min),
        finite.fold(f64::NEG_INFINITY, f64::max),
    ]
}

/// Labels at the right ends of their lines, in the line colour (or its darker text shade).
/// Each sits above its line's end; labels that would overlap are pushed down, top to bottom,
/// to one font size apart.
fn draw_direct_labels(
    canvas: &Canvas,
    mut labels: Vec<(String, Pt, Rgb)>,
    style: &Style,
) -> Result<()> {
    let size = style.font_size.label;
    labels.sort_by(|a, b| a.1.1.total_cmp(&b.1.1));
    let mut previous: Option<f64> = None;
    for (label, end, color) in &labels {
        let mut baseline = end.1 - canvas.px(4.0);
        if let Some(p) = previous {
            baseline = baseline.max(p + canvas.px(size));
        }
        previous = Some(baseline);
        let at = (end.0 - canvas.px(2.0), baseline);
        canvas.text(label, at, size, *color, HPos::Right, false)?;
    }
    Ok(())
}

fn draw_frame_and_axes(
    canvas: &Canvas,
    spec: &PanelSpec,
    place: &PanelPlace,
    view: &View,
    style: &Style,
) -> Result<()> {
    let (f, xm, ym) = (&view.frame, &view.x, &view.y);
    let fs = &style.font_size;
    let lay = &style.layout;
    let tk = &style.ticks;
    let frame_color = rgba(style.color(&style.roles.frame)?, 1.0);
    let tick_color = style.color(&style.roles.tick)?;
    let text_color = style.color(&style.roles.text)?;

    // The frame: one closed path starting mid-edge so that every corner is a join.
    let mid = (f.x0 + f.x1) / 2.0;
    let frame = [
        (mid, f.y0),
        (f.x1, f.y0),
        (f.x1, f.y1),
        (f.x0, f.y1),
        (f.x0, f.y0),
        (mid, f.y0),
    ];
    canvas.path(
        to_pixels(&frame),
        frame_color,
        style.px(style.line_width.frame),
    )?;

    // Outward ticks on the left and bottom spines.
    let tick_w = style.px(style.line_width.tick);
    let major = canvas.px(tk.major_length);
    let minor = canvas.px(tk.minor_length);
    let x_ticks = place.x_ticks.major.iter().map(|(v, _)| (*v, major));
    let x_ticks = x_ticks.chain(place.x_ticks.minor.iter().map(|v| (*v, minor)));
    for (v, len) in x_ticks.filter(|(v, _)| xm.contains(*v)) {
        let x = xm.map(v);
        canvas.path(
            to_pixels(&[(x, f.y1), (x, f.y1 + len)]),
            rgba(tick_color, 1.0),
            tick_w,
        )?;
    }
    let y_ticks = place.y_ticks.major.iter().map(|(v, _)| (*v, major));
    let y_ticks = y_ticks.chain(place.y_ticks.minor.iter().map(|v| (*v, minor)));
    for (v, len) in y_ticks.filter(|(v, _)| ym.contains(*v)) {
        let y = ym.map(v);
        canvas.path(
            to_pixels(&[(f.x0, y), (f.x0 - len, y)]),
            rgba(tick_color, 1.0),
            tick_w,
        )?;
    }

    // Tick labels: x centred below, y right-aligned and vertically centred.
    let tick_size = canvas.px(fs.tick);
    let x_labels = place.x_ticks.major.iter().filter(|_| place.x_tick_labels);
    for (v, label) in x_labels.filter(|(v, _)| xm.contains(*v)) {
        let baseline = f.y1 + canvas.px(tk.x_label_top) + CAP * tick_size;
        canvas.text(
            label,
            (xm.map(*v), baseline),
            fs.tick,
            tick_color,
            HPos::Center,
            false,
        )?;
    }
    let y_labels = place.y_ticks.major.iter().filter(|_| place.y_tick_labels);
    for (v, label) in y_labels.filter(|(v, _)| ym.contains(*v)) {
        let baseline = ym.map(*v) + CAP / 2.0 * tick_size;
        let x = f.x0 - canvas.px(tk.label_gap);
        canvas.text(
            label,
            (x, baseline),
            fs.tick,
            tick_color,
            HPos::Right,
            false,
        )?;
    }

    // Axis labels, title and letter.
    let centre = ((f.x0 + f.x1) / 2.0, (f.y0 + f.y1) / 2.0);
    if let Some(label) = &spec.x.label {
        let at = (centre.0, f.y1 + canvas.px(lay.x_label_baseline));
        canvas.text(label, at, fs.label, text_color, HPos::Center, false)?;
    }
    if let Some(label) = &spec.y.label {
        let at = (f.x0 - canvas.px(place.y_label_offset), centre.1);
        canvas.text(label, at, fs.label, text_color, HPos::Center, true)?;
    }
    surface::draw_title_and_letter(canvas, spec.title.as_deref(), place.letter, f, style)
}

fn draw_legend(
    canvas: &Canvas,
    corner: LegendSpec,
    entries: &[(usize, String, Sample)],
    f: &Rect,
    style: &Style,
) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let text_color = style.color(&style.roles.text)?;
    let lg = &style.legend;
    let size = style.font_size.legend;
    let text_w = entries
        .iter()
        .map(|(_, label, _)| text_width(label, size))
        .fold(0.0, f64::max);
    let block_w = canvas.px(lg.sample_length + lg.sample_gap + text_w);
    let row = canvas.px(lg.row_height);
    let block_h = row * (entries.len() - 1) as f64 + canvas.px((CAP + DESCENT) * size);
    let inset = canvas.px(lg.inset);
    let x0 = match corner {
        LegendSpec::TopLeft | LegendSpec::BottomLeft => f.x0 + inset,
        _ => f.x1 - inset - block_w,
    };
    let y0 = match corner {
        LegendSpec::BottomLeft | LegendSpec::BottomRight => f.y1 - inset - block_h,
        _ => f.y0 + inset,
    };
    let sample_len = canvas.px(lg.sample_length);
    for (k, (_, label, sample)) in entries.iter().enumerate() {
        let baseline = y0 + canvas.px(CAP * size) + row * k as f64;
        let mid = baseline - canvas.px(CAP * size / 2.0);
        match sample {
            Sample::Line { color, width, dash } => {
                let line = [(x0, mid), (x0 + sample_len, mid)];
                canvas.stroke(&line, f, *color, *width, dash.as_deref())?;
            }
            Sample::Marker {
                color,
                diameter,
                edge,
            } => canvas.marker((x0 + sample_len / 2.0, mid), *diameter, *color, *edge)?,
            Sample::Patch(color) => {
                let half = canvas.px(CAP * size / 2.0);
                let rect = Rect {
                    x0,
                    y0: mid - half,
                    x1: x0 + sample_len,
                    y1: mid + half,
                };
                canvas.fill_rect(&rect, *color)?;
            }
        }
        let at = (x0 + sample_len + canvas.px(lg.sample_gap), baseline);
        canvas.text(label, at, size, text_color, HPos::Left, false)?;
    }
    Ok(())
}
