//! The series kinds for maps and distributions: contours, region maps, optimisation paths,
//! arrows, bars, histograms, and the colour bar of a heatmap.
//!
//! Grids (contour, regions) share the heatmap's layout: values row by row from the bottom row,
//! cell edges spread evenly over `extent`. Everything is computed in `f64` data or grid units and
//! only rounded to pixels when drawn, like the other kinds.

use plotters::style::text_anchor::HPos;

use super::{
    CAP, Canvas, DESCENT, Drawn, Sample, Series, dash_px, data_range, marker_pt, rgba, text_width,
    width_pt,
};
use crate::contour::{contour_lines, even_levels};
use crate::figure::{grid_values, lookup, scalar};
use crate::geom::{Pt, Rect, simplify, to_pixels};
use crate::regions::{boundaries, cell_rects, distinct_ids};
use crate::spec::{
    ArrowSpec, BarsSpec, ContourMap, ContourSpec, HistogramSpec, Levels, PathSpec, RegionsSpec,
    SeriesSpec,
};
use crate::style::sample_colormap;
use crate::ticks::format_decimal;
use crate::{Panel, Result, Rgb, Style};

/// Contour and boundary polylines are thinned to within this many pixels (an eighth of a pt at
/// 4 px/pt) before they are rounded to whole pixels: fewer points, no rounding jitter.
const SIMPLIFY_PX: f64 = 0.5;

impl Series<'_, '_, '_> {
    /// Maps grid units of a grid covering `extent` (default: the axis ranges) to pixels.
    fn grid_mapper(
        &self,
        extent: Option<[f64; 4]>,
        nx: usize,
        ny: usize,
    ) -> impl Fn((f64, f64)) -> Pt + '_ {
        let (xr, yr) = (self.view.x_range, self.view.y_range);
        let [x0, x1, y0, y1] = extent.unwrap_or([xr[0], xr[1], yr[0], yr[1]]);
        move |(gx, gy)| {
            self.view.map(
                x0 + (x1 - x0) * gx / nx as f64,
                y0 + (y1 - y0) * gy / ny as f64,
            )
        }
    }

    /// Contour lines at each level, in the look of the map they sit on.
    pub(super) fn contour(&self, c: &ContourSpec) -> Result<Drawn> {
        let z = grid_values(self.data, &c.z, c.nx, c.ny, &self.name)?;
        let look = match c.map {
            ContourMap::Loss => &self.style.contour.loss,
            ContourMap::Output => &self.style.contour.output,
        };
        let color = self
            .style
            .color(c.color.as_deref().unwrap_or(&look.color))?;
        let width = self
            .style
            .px(c.width.map_or(look.width, |w| width_pt(w, self.style)));
        let color = rgba(color, c.opacity.unwrap_or(look.opacity));
        let dash = dash_px(&c.dash, width, self.style);
        let levels = match &c.levels {
            Levels::Count(n) => {
                let [lo, hi] = c.range.unwrap_or_else(|| data_range(z));
                if lo < hi {
                    even_levels(lo, hi, *n)
                } else {
                    Vec::new()
                }
            }
            Levels::Values(v) => v.clone(),
            Levels::Ref(r) => lookup(self.data, r, &self.name)?.to_vec(),
        };
        let to_px = self.grid_mapper(c.extent, c.nx, c.ny);
        for level in levels {
            for line in contour_lines(z, c.nx, c.ny, level) {
                let points: Vec<Pt> = line.into_iter().map(&to_px).collect();
                let points = simplify(&points, SIMPLIFY_PX);
                self.canvas
                    .stroke(&points, &self.view.frame, color, width, dash.as_deref())?;
            }
        }
        Ok(Drawn::default())
    }

    /// Flat colours per region id, then the boundaries between different ids.
    pub(super) fn regions(&self, r: &RegionsSpec) -> Result<Drawn> {
        let ids = grid_values(self.data, &r.ids, r.nx, r.ny, &self.name)?;
        let distinct = distinct_ids(ids);
        let colors: Vec<Rgb> = match &r.colors {
            Some(names) => (0..distinct.len())
                .map(|k| self.style.color(&names[k % names.len()]))
                .collect::<Result<_>>()?,
            None => {
                let stops = self.style.colormap()?;
                let [lo, hi] = self.style.regions.colormap_span;
                let n = distinct.len();
                (0..n)
                    .map(|k| {
                        let t = if n > 1 {
                            lo + (hi - lo) * k as f64 / (n - 1) as f64
                        } else {
                            (lo + hi) / 2.0
                        };
                        sample_colormap(&stops, t)
                    })
                    .collect()
            }
        };
        let color_of = |id: f64| {
            distinct
                .binary_search_by(|d| d.total_cmp(&(id + 0.0)))
                .ok()
                .map(|k| colors[k])
        };
        let to_px = self.grid_mapper(r.extent, r.nx, r.ny);
        let f = &self.view.frame;
        for cell in cell_rects(ids, r.nx, r.ny) {
            let Some(color) = color_of(cell.id) else {
                continue;
            };
            let a = to_px((cell.i0 as f64, cell.j0 as f64));
            let b = to_px((cell.i1 as f64, cell.j1 as f64));
            if let Some(rect) = clip_rect(a, b, f) {
                self.canvas.fill_rect(&rect, rgba(color, 1.0))?;
            }
        }
        let boundary = r
            .boundary
            .as_deref()
            .unwrap_or(&self.style.regions.boundary);
        if boundary != "none" {
            let color = rgba(self.style.color(boundary)?, 1.0);
            let width = self.style.px(width_pt(r.boundary_width, self.style));
            for line in boundaries(ids, r.nx, r.ny, r.simplify) {
                let points: Vec<Pt> = line.into_iter().map(&to_px).collect();
                let points = simplify(&points, SIMPLIFY_PX);
                self.canvas.stroke(&points, f, color, width, None)?;
            }
        }
        Ok(Drawn::default())
    }

    /// A thin line through the iterates, a dot on each, the first dot in the start colour
    /// (drawn last, so it stays visible when the path comes back to it).
    pub(super) fn path(&self, p: &PathSpec) -> Result<Drawn> {
        let cols = self.columns(&[&p.x, &p.y])?;
        let role = &self.style.roles.path;
        let (color, width, dash) = self.stroke_style(p.color.as_deref(), role, p.width, &p.dash)?;
        let start = self.style.color(
            p.start_color
                .as_deref()
                .unwrap_or(&self.style.roles.path_start),
        )?;
        let points: Vec<Pt> = cols[0]
            .iter()
            .zip(cols[1])
            .map(|(&x, &y)| self.view.map(x, y))
            .collect();
        let frame = &self.view.frame;
        let last = self
            .canvas
            .stroke(&points, frame, rgba(color, 1.0), width, dash.as_deref())?;
        let diameter = marker_pt(p.markers, self.style);
        let visible = |q: &Pt| q.0.is_finite() && q.1.is_finite() && frame.contains(*q);
        for q in points.iter().skip(1).filter(|q| visible(q)) {
            self.canvas.marker(*q, diameter, rgba(color, 1.0), None)?;
        }
        if let Some(first) = points.first().filter(|q| visible(q)) {
            self.canvas
                .marker(*first, diameter, rgba(start, 1.0), None)?;
        }
        let label_color = self.style.label_color(p.color.as_deref().unwrap_or(role))?;
        Ok(Drawn {
            sample: Some(Sample::Line {
                color: rgba(color, 1.0),
                width,
                dash,
            }),
            end: last.map(|q| (q, label_color)),
        })
    }

    /// A shaft from `from` to the base of a filled triangular head whose tip is at `to`.
    pub(super) fn arrow(&self, a: &ArrowSpec) -> Result<Drawn> {
        let value = |v| scalar(self.data, v, &self.name);
        let from = self.view.map(value(&a.from[0])?, value(&a.from[1])?);
        let to = self.view.map(value(&a.to[0])?, value(&a.to[1])?);
        let role = &self.style.roles.arrow;
        let (color, width, dash) = self.stroke_style(a.color.as_deref(), role, a.width, &a.dash)?;
        let color = rgba(color, 1.0);
        let [head_length, head_width] = a
            .head
            .unwrap_or([self.style.arrow.head_length, self.style.arrow.head_width]);
        let (head_length, head_width) = (self.canvas.px(head_length), self.canvas.px(head_width));
        let (dx, dy) = (to.0 - from.0, to.1 - from.1);
        let length = dx.hypot(dy);
        let finite = [from.0, from.1, to.0, to.1].iter().all(|v| v.is_finite());
        if finite && length > 0.0 {
            let (ux, uy) = (dx / length, dy / length);
            let head = head_length.min(length);
            let base = (to.0 - ux * head, to.1 - uy * head);
            // The shaft runs a little into the head so that no gap shows at the base.
            let into = (head * 0.25).min(length - head);
            let shaft_end = (base.0 + ux * into.max(0.0), base.1 + uy * into.max(0.0));
            if length > head {
                let frame = &self.view.frame;
                self.canvas
                    .stroke(&[from, shaft_end], frame, color, width, dash.as_deref())?;
            }
            let (nx, ny) = (-uy * head_width / 2.0, ux * head_width / 2.0);
            let triangle = [to, (base.0 + nx, base.1 + ny), (base.0 - nx, base.1 - ny)];
            self.canvas.polygon(&triangle, &self.view.frame, color)?;
        }
        Ok(Drawn {
            sample: Some(Sample::Line { color, width, dash }),
            end: None,
        })
    }

    /// One rectangle per bar, from `bottom` to `bottom + height`, `width` wide.
    pub(super) fn bars(&self, b: &BarsSpec) -> Result<Drawn> {
        let cols = self.columns(&[&b.x, &b.height])?;
        let color = self
            .style
            .color(b.color.as_deref().unwrap_or(&self.style.roles.model))?;
        let color = rgba(color, b.opacity);
        let f = &self.view.frame;
        let bottom = self.view.y.map(b.bottom);
        let bottom = if bottom.is_finite() { bottom } else { f.y1 };
        for (&x, &h) in cols[0].iter().zip(cols[1]) {
            let x0 = self.view.x.map(x - b.width / 2.0);
            let x1 = self.view.x.map(x + b.width / 2.0);
            let top = self.view.y.map(b.bottom + h);
            if let Some(rect) = clip_rect((x0, bottom), (x1, top), f) {
                self.canvas.fill_rect(&rect, color)?;
            }
        }
        Ok(Drawn {
            sample: Some(Sample::Patch(color)),
            end: None,
        })
    }

    /// Counts per bin (or densities), one rectangle per non-empty bin.
    pub(super) fn histogram(&self, h: &HistogramSpec) -> Result<Drawn> {
        let values = self.columns(&[&h.values])?[0];
        let edges = match &h.bins {
            Levels::Count(n) => {
                let [lo, hi] = h.range.unwrap_or_else(|| data_range(values));
                let [lo, hi] = widen(lo, hi);
                (0..=*n)
                    .map(|k| lo + (hi - lo) * k as f64 / *n as f64)
                    .collect()
            }
            Levels::Values(v) => v.clone(),
            Levels::Ref(r) => lookup(self.data, r, &self.name)?.to_vec(),
        };
        let heights = histogram_heights(values, &edges, h.density);
        let color = self
            .style
            .color(h.color.as_deref().unwrap_or(&self.style.roles.model))?;
        let color = rgba(color, h.opacity);
        let f = &self.view.frame;
        let bottom = self.view.y.map(0.0);
        let bottom = if bottom.is_finite() { bottom } else { f.y1 };
        for (k, &height) in heights.iter().enumerate() {
            if height <= 0.0 {
                continue;
            }
            let x0 = self.view.x.map(edges[k]);
            let x1 = self.view.x.map(edges[k + 1]);
            let top = self.view.y.map(height);
            if let Some(rect) = clip_rect((x0, bottom), (x1, top), f) {
                self.canvas.fill_rect(&rect, color)?;
            }
        }
        Ok(Drawn {
            sample: Some(Sample::Patch(color)),
            end: None,
        })
    }
}

/// `[lo, hi]` made usable as a range: a single value gets ±0.5 around it, no values [0, 1].
fn widen(lo: f64, hi: f64) -> [f64; 2] {
    if lo < hi {
        [lo, hi]
    } else if lo.is_finite() {
        [lo - 0.5, lo + 0.5]
    } else {
        [0.0, 1.0]
    }
}

/// Bin heights over increasing `edges`: counts, or with `density` counts / (total × bin width)
/// so that the bars' area is 1. A value on an inner edge counts in the bin right of it, a value
/// on the last edge in the last bin; values outside and non-finite values are not counted.
pub(crate) fn histogram_heights(values: &[f64], edges: &[f64], density: bool) -> Vec<f64> {
    let bins = edges.len().saturating_sub(1);
    let mut counts = vec![0usize; bins];
    if bins == 0 {
        return Vec::new();
    }
    for &v in values {
        if !(v.is_finite() && v >= edges[0] && v <= edges[bins]) {
            continue;
        }
        let k = edges
            .partition_point(|e| *e <= v)
            .saturating_sub(1)
            .min(bins - 1);
        counts[k] += 1;
    }
    let total: usize = counts.iter().sum();
    counts
        .iter()
        .enumerate()
        .map(|(k, &c)| {
            if density && total > 0 {
                c as f64 / (total as f64 * (edges[k + 1] - edges[k]))
            } else {
                c as f64
            }
        })
        .collect()
}

/// The rectangle with opposite corners a and b, cut to the frame; None when nothing of it is
/// visible or a corner is not finite.
fn clip_rect(a: Pt, b: Pt, f: &Rect) -> Option<Rect> {
    if ![a.0, a.1, b.0, b.1].iter().all(|v| v.is_finite()) {
        return None;
    }
    let rect = Rect {
        x0: a.0.min(b.0).max(f.x0),
        y0: a.1.min(b.1).max(f.y0),
        x1: a.0.max(b.0).min(f.x1),
        y1: a.1.max(b.1).min(f.y1),
    };
    (rect.x0 < rect.x1 && rect.y0 < rect.y1).then_some(rect)
}

/// The colour bar of a heatmap: its colour range, labelled ticks and label.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Colorbar {
    /// The values at the bottom and top of the bar (the heatmap's colour range).
    range: [f64; 2],
    /// Labelled ticks inside the range.
    ticks: Vec<(f64, String)>,
    /// Text right of the tick labels, reading upwards.
    label: Option<String>,
}

impl Colorbar {
    /// The bar of the panel's first heatmap with `colorbar`, if any. The panel's data must have
    /// been checked.
    pub(super) fn of(panel: &Panel) -> Option<Colorbar> {
        panel.spec.series.iter().find_map(|s| match s {
            SeriesSpec::Heatmap(hm) => {
                let cb = hm.colorbar.as_ref()?;
                let z = panel.data.get(&hm.z)?;
                let [lo, hi] = hm.range.unwrap_or_else(|| data_range(z));
                let range = widen(lo, hi);
                let ticks = cb
                    .ticks
                    .clone()
                    .unwrap_or_else(|| vec![range[0], (range[0] + range[1]) / 2.0, range[1]]);
                let tolerance = (range[1] - range[0]) * 1e-9;
                let ticks = ticks
                    .into_iter()
                    .filter(|t| *t >= range[0] - tolerance && *t <= range[1] + tolerance)
                    .map(|t| (t, format_decimal(t, cb.decimals)))
                    .collect();
                Some(Colorbar {
                    range,
                    ticks,
                    label: cb.label.clone(),
                })
            }
            _ => None,
        })
    }

    /// Room right of the frame in pt: gap, bar, ticks, tick labels and label.
    pub(super) fn room(&self, style: &Style) -> f64 {
        let fs = &style.font_size;
        let labels = self
            .ticks
            .iter()
            .map(|(_, l)| text_width(l, fs.tick))
            .fold(0.0, f64::max);
        let mut room = style.colorbar.gap + style.colorbar.width + style.ticks.label_gap + labels;
        if self.label.is_some() {
            room += style.layout.y_label_gap + (CAP + DESCENT) * fs.label;
        }
        room
    }

    /// Draws the bar right of `frame` (pixels), as tall as the frame.
    pub(super) fn draw(&self, canvas: &Canvas, frame: &Rect, style: &Style) -> Result<()> {
        let stops = style.colormap()?;
        let cs = &style.colorbar;
        let x0 = frame.x1 + canvas.px(cs.gap);
        let x1 = x0 + canvas.px(cs.width);
        let (y0, y1) = (frame.y0, frame.y1);
        let bands = ((y1 - y0) / canvas.px(cs.step)).ceil().max(1.0) as usize;
        let band = (y1 - y0) / bands as f64;
        let color = |k: usize| sample_colormap(&stops, (k as f64 + 0.5) / bands as f64);
        let mut k = 0;
        while k < bands {
            let c = color(k);
            let end = (k + 1..bands).find(|&e| color(e) != c).unwrap_or(bands);
            let rect = Rect {
                x0,
                y0: y1 - band * end as f64,
                x1,
                y1: y1 - band * k as f64,
            };
            canvas.fill_rect(&rect, rgba(c, 1.0))?;
            k = end;
        }
        let frame_color = rgba(style.color(&style.roles.frame)?, 1.0);
        let outline = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)];
        canvas.path(
            to_pixels(&outline),
            frame_color,
            style.px(style.line_width.frame),
        )?;
        let tick_color = style.color(&style.roles.tick)?;
        let tick_size = canvas.px(style.font_size.tick);
        let [lo, hi] = self.range;
        let mut widest: f64 = 0.0;
        for (v, label) in &self.ticks {
            let y = y1 - (v - lo) / (hi - lo) * (y1 - y0);
            let tick = [(x1, y), (x1 + canvas.px(style.ticks.major_length), y)];
            canvas.path(
                to_pixels(&tick),
                rgba(tick_color, 1.0),
                style.px(style.line_width.tick),
            )?;
            let at = (
                x1 + canvas.px(style.ticks.label_gap),
                y + CAP / 2.0 * tick_size,
            );
            canvas.text(
                label,
                at,
                style.font_size.tick,
                tick_color,
                HPos::Left,
                false,
            )?;
            widest = widest.max(text_width(label, style.font_size.tick));
        }
        if let Some(label) = &self.label {
            let size = style.font_size.label;
            let x = x1
                + canvas.px(style.ticks.label_gap + widest + style.layout.y_label_gap + CAP * size);
            let text_color = style.color(&style.roles.text)?;
            canvas.text(
                label,
                (x, (y0 + y1) / 2.0),
                size,
                text_color,
                HPos::Center,
                true,
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_counts_follow_numpys_edge_rules() {
        let edges = [0.0, 1.0, 2.0, 3.0];
        let values = [0.0, 0.5, 1.0, 2.9, 3.0, 3.5, -0.1, f64::NAN];
        assert_eq!(histogram_heights(&values, &edges, false), [2.0, 1.0, 2.0]);
    }

    #[test]
    fn density_has_unit_area() {
        let edges = [0.0, 0.5, 2.0];
        let h = histogram_heights(&[0.1, 0.2, 1.0, 1.5], &edges, true);
        let area: f64 = h
            .iter()
            .zip(edges.windows(2))
            .map(|(h, e)| h * (e[1] - e[0]))
            .sum();
        assert!((area - 1.0).abs() < 1e-12);
    }

    #[test]
    fn rects_are_cut_to_the_frame() {
        let f = Rect {
            x0: 0.0,
            y0: 0.0,
            x1: 10.0,
            y1: 10.0,
        };
        let r = clip_rect((-5.0, 12.0), (4.0, 3.0), &f).unwrap();
        assert_eq!((r.x0, r.y0, r.x1, r.y1), (0.0, 3.0, 4.0, 10.0));
        assert!(clip_rect((11.0, 1.0), (12.0, 2.0), &f).is_none());
        assert!(clip_rect((f64::NAN, 1.0), (2.0, 2.0), &f).is_none());
    }
}
