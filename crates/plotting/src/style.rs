//! The house style (`figures/style.toml`): palette, fonts, widths, dashes, markers and spacing.
//!
//! Every length is in points (pt); [`Style::scale`] converts them to SVG pixels.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// A colour as three 8-bit channels; displays as `#RRGGBB`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// Parses `#RRGGBB` (either case); `None` for anything else.
    pub fn from_hex(s: &str) -> Option<Rgb> {
        let hex = s.strip_prefix('#')?;
        if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
        Some(Rgb(channel(0)?, channel(2)?, channel(4)?))
    }

    /// Linear interpolation between two colours, `t` in [0, 1], rounded per channel.
    pub fn lerp(self, other: Rgb, t: f64) -> Rgb {
        let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
        Rgb(
            mix(self.0, other.0),
            mix(self.1, other.1),
            mix(self.2, other.2),
        )
    }
}

impl fmt::Display for Rgb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:02X}{:02X}{:02X}", self.0, self.1, self.2)
    }
}

/// The house style, deserialised from `figures/style.toml`.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Style {
    /// SVG pixels per point; all coordinates and stroke widths are rounded at this scale.
    pub scale: f64,
    /// CSS font-family list for sans text.
    pub font_family: String,
    /// CSS font-family list for math between `$...$` (set in italic).
    pub math_font_family: String,
    /// Named colours: name -> `#RRGGBB`.
    pub palette: BTreeMap<String, String>,
    /// The colour each role takes by default (palette names or hex).
    pub roles: Roles,
    /// Text colour for direct labels of a series, keyed by the series' palette name.
    pub label_colors: BTreeMap<String, String>,
    /// Font sizes in pt.
    pub font_size: FontSizes,
    /// Stroke widths in pt.
    pub line_width: LineWidths,
    /// Dash patterns in multiples of the stroke width.
    pub dash: Dashes,
    /// Marker diameters in pt.
    pub marker: Markers,
    /// Tick lengths and tick-label placement.
    pub ticks: Ticks,
    /// Frame sizes, text placement around frames and margins.
    pub layout: LayoutStyle,
    /// The frameless legend.
    pub legend: LegendStyle,
    /// Heatmap colours.
    pub heatmap: HeatmapStyle,
    /// Contour lines on the two kinds of map.
    pub contour: ContourStyle,
    /// The colour bar of a heatmap.
    pub colorbar: ColorbarStyle,
    /// Arrow heads.
    pub arrow: ArrowStyle,
    /// Region maps.
    pub regions: RegionsStyle,
    /// 3D panels and surfaces.
    pub surface: SurfaceStyle,
}

/// Default colours by meaning.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Roles {
    /// Line series (the model).
    pub model: String,
    /// Scatter fill (data points).
    pub data: String,
    /// Scatter edge.
    pub data_edge: String,
    /// ±σ bands.
    pub band: String,
    /// Shaded regions.
    pub region: String,
    /// Reference lines and segments.
    pub reference: String,
    /// Labels, titles, letters, legend and note text.
    pub text: String,
    /// The frame.
    pub frame: String,
    /// Tick marks and tick labels.
    pub tick: String,
    /// Optimisation paths (the line and the dots).
    pub path: String,
    /// The first dot of an optimisation path.
    pub path_start: String,
    /// Arrows.
    pub arrow: String,
}

/// Font sizes in pt.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FontSizes {
    /// Tick labels.
    pub tick: f64,
    /// Axis labels, direct labels, notes.
    pub label: f64,
    /// Panel titles.
    pub title: f64,
    /// Panel letters.
    pub letter: f64,
    /// Legend entries.
    pub legend: f64,
    /// Small labels at line ends.
    pub small: f64,
}

/// Stroke widths in pt.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LineWidths {
    /// Main curves.
    pub main: f64,
    /// Curves in multi-series plots.
    pub multi: f64,
    /// Thin curves.
    pub thin: f64,
    /// The frame.
    pub frame: f64,
    /// Tick marks.
    pub tick: f64,
    /// Reference lines.
    pub reference: f64,
    /// The line joining optimisation iterates.
    pub path: f64,
}

/// Dash patterns: (on, off, ...) in multiples of the stroke width.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Dashes {
    /// `dash = "dashed"`.
    pub dashed: Vec<f64>,
    /// `dash = "dotted"`.
    pub dotted: Vec<f64>,
}

/// Marker sizes in pt (diameters, except the edge width).
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Markers {
    /// Data points.
    pub data: f64,
    /// Edge width of data points.
    pub data_edge: f64,
    /// Medium points.
    pub medium: f64,
    /// Dense samples.
    pub dense: f64,
    /// Small dots.
    pub small: f64,
    /// Optimisation iterates.
    pub iterate: f64,
}

/// Tick marks and tick labels.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Ticks {
    /// Major tick length.
    pub major_length: f64,
    /// Minor tick length.
    pub minor_length: f64,
    /// Default number of minor ticks between two majors on a linear axis.
    pub minor_count: u32,
    /// Left spine to the right end of y tick labels.
    pub label_gap: f64,
    /// Bottom spine to the top of x tick labels.
    pub x_label_top: f64,
}

/// Frame sizes and the placement of text around frames.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LayoutStyle {
    /// Default frame `[width, height]` for 1, 2, 3, ... columns (the last entry covers more).
    pub panel_sizes: Vec<[f64; 2]>,
    /// Bottom spine to the x label's baseline.
    pub x_label_baseline: f64,
    /// Between y tick labels and the y label.
    pub y_label_gap: f64,
    /// Top spine up to the title baseline.
    pub title_baseline: f64,
    /// Top spine up to the panel letter baseline.
    pub letter_baseline: f64,
    /// From the letter's ")" to the left spine.
    pub letter_gap: f64,
    /// Least horizontal space between two frames, besides labels.
    pub gutter: f64,
    /// Least vertical space between two rows, besides labels.
    pub row_gap: f64,
    /// Left of the leftmost text.
    pub margin_left: f64,
    /// Right of the rightmost frame.
    pub margin_right: f64,
    /// Above the top row's text.
    pub margin_top: f64,
    /// Below the bottom row's text.
    pub margin_bottom: f64,
}

/// The frameless legend.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LegendStyle {
    /// Frame to legend block.
    pub inset: f64,
    /// Length of a line sample.
    pub sample_length: f64,
    /// Sample to text.
    pub sample_gap: f64,
    /// Baseline-to-baseline distance.
    pub row_height: f64,
}

/// Heatmap colours.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct HeatmapStyle {
    /// Evenly spaced colormap stops, low to high (palette names or hex).
    pub colormap: Vec<String>,
}

/// Contour line looks, by the kind of map they are drawn on.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ContourStyle {
    /// On loss surfaces.
    pub loss: ContourLook,
    /// On outputs of networks with two inputs.
    pub output: ContourLook,
}

/// The look of one kind of contour line.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ContourLook {
    /// Colour (palette name or hex).
    pub color: String,
    /// Stroke opacity in (0, 1].
    pub opacity: f64,
    /// Stroke width in pt.
    pub width: f64,
}

/// The colour bar right of a heatmap.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ColorbarStyle {
    /// From the heatmap's frame to the bar.
    pub gap: f64,
    /// Width of the bar.
    pub width: f64,
    /// Height of one colour band of the bar.
    pub step: f64,
}

/// Arrow heads.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ArrowStyle {
    /// From the base of the head to the tip.
    pub head_length: f64,
    /// Across the base of the head.
    pub head_width: f64,
}

/// Region maps.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RegionsStyle {
    /// Colour of the boundary lines.
    pub boundary: String,
    /// `[lo, hi]` in [0, 1]: the part of the colormap the region colours are spread over.
    pub colormap_span: [f64; 2],
}

/// 3D panels (matplotlib's 3D axes as the book uses them).
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SurfaceStyle {
    /// Default azimuth in degrees.
    pub azimuth: f64,
    /// Default elevation in degrees.
    pub elevation: f64,
    /// Relative lengths of the box's x, y and z edges.
    pub box_aspect: [f64; 3],
    /// Fill colours of the back panes normal to x, y and z.
    pub panes: [String; 3],
    /// Colour of the grid lines on the panes.
    pub grid: String,
    /// Width of the pane grid lines in pt.
    pub grid_width: f64,
    /// Default strength of the lighting, in [0, 1].
    pub shade: f64,
    /// `[azimuth, altitude]` in degrees of the light (matplotlib's is [225, 19.47]).
    pub light: [f64; 2],
    /// Room in pt between the frame and the projected box, for tick and axis labels.
    pub margin: f64,
    /// From an axis line to the centre of its tick labels, in pt.
    pub tick_label_offset: f64,
    /// From an axis line to the centre of its axis label, in pt.
    pub label_offset: f64,
}

impl Style {
    /// Parses and checks a style TOML (the text of `figures/style.toml`).
    pub fn from_toml_str(s: &str) -> Result<Style> {
        let style: Style = toml::from_str(s).map_err(|e| Error::Style(e.to_string()))?;
        style.check()?;
        Ok(style)
    }

    /// Checks every colour, size and pattern; the first problem is the error.
    pub fn check(&self) -> Result<()> {
        let bad = |what: &str| Err(Error::Style(what.to_string()));
        if !(self.scale.is_finite() && self.scale > 0.0) {
            return bad("scale must be a positive number");
        }
        for (name, hex) in &self.palette {
            if Rgb::from_hex(hex).is_none() {
                return bad(&format!("palette.{name} = {hex:?} is not #RRGGBB"));
            }
        }
        let roles = &self.roles;
        for (role, colour) in [
            ("model", &roles.model),
            ("data", &roles.data),
            ("data-edge", &roles.data_edge),
            ("band", &roles.band),
            ("region", &roles.region),
            ("reference", &roles.reference),
            ("text", &roles.text),
            ("frame", &roles.frame),
            ("tick", &roles.tick),
            ("path", &roles.path),
            ("path-start", &roles.path_start),
            ("arrow", &roles.arrow),
            ("regions.boundary", &self.regions.boundary),
            ("contour.loss.color", &self.contour.loss.color),
            ("contour.output.color", &self.contour.output.color),
            ("surface.grid", &self.surface.grid),
            ("surface.panes", &self.surface.panes[0]),
            ("surface.panes", &self.surface.panes[1]),
            ("surface.panes", &self.surface.panes[2]),
        ] {
            self.color(colour).map_err(|e| {
                let key = if role.contains('.') {
                    role.to_string()
                } else {
                    format!("roles.{role}")
                };
                Error::Style(format!("{key}: {e}"))
            })?;
        }
        for (series, text) in &self.label_colors {
            self.color(series)
                .and_then(|_| self.color(text))
                .map_err(|e| Error::Style(format!("label-colors.{series}: {e}")))?;
        }
        let f = &self.font_size;
        let w = &self.line_width;
        let m = &self.marker;
        let t = &self.ticks;
        let positive = [
            ("font-size.tick", f.tick),
            ("font-size.label", f.label),
            ("font-size.title", f.title),
            ("font-size.letter", f.letter),
            ("font-size.legend", f.legend),
            ("font-size.small", f.small),
            ("line-width.main", w.main),
            ("line-width.multi", w.multi),
            ("line-width.thin", w.thin),
            ("line-width.frame", w.frame),
            ("line-width.tick", w.tick),
            ("line-width.reference", w.reference),
            ("marker.data", m.data),
            ("marker.medium", m.medium),
            ("marker.dense", m.dense),
            ("marker.small", m.small),
            ("ticks.major-length", t.major_length),
            ("ticks.minor-length", t.minor_length),
            ("legend.row-height", self.legend.row_height),
            ("line-width.path", w.path),
            ("marker.iterate", m.iterate),
            ("contour.loss.width", self.contour.loss.width),
            ("contour.output.width", self.contour.output.width),
            ("colorbar.width", self.colorbar.width),
            ("colorbar.step", self.colorbar.step),
            ("arrow.head-length", self.arrow.head_length),
            ("arrow.head-width", self.arrow.head_width),
            ("surface.box-aspect", self.surface.box_aspect[0]),
            ("surface.box-aspect", self.surface.box_aspect[1]),
            ("surface.box-aspect", self.surface.box_aspect[2]),
            ("surface.grid-width", self.surface.grid_width),
        ];
        for (key, value) in positive {
            if !(value.is_finite() && value > 0.0) {
                return bad(&format!("{key} must be a positive number, got {value}"));
            }
        }
        let non_negative = [
            ("marker.data-edge", m.data_edge),
            ("ticks.label-gap", t.label_gap),
            ("ticks.x-label-top", t.x_label_top),
            ("legend.inset", self.legend.inset),
            ("legend.sample-length", self.legend.sample_length),
            ("legend.sample-gap", self.legend.sample_gap),
            ("colorbar.gap", self.colorbar.gap),
            ("surface.margin", self.surface.margin),
            ("surface.tick-label-offset", self.surface.tick_label_offset),
            ("surface.label-offset", self.surface.label_offset),
        ];
        for (key, value) in non_negative {
            if !(value.is_finite() && value >= 0.0) {
                return bad(&format!("{key} must be zero or more, got {value}"));
            }
        }
        for (key, pattern) in [
            ("dash.dashed", &self.dash.dashed),
            ("dash.dotted", &self.dash.dotted),
        ] {
            check_dash(pattern).map_err(|e| Error::Style(format!("{key}: {e}")))?;
        }
        if self.layout.panel_sizes.is_empty()
            || self
                .layout
                .panel_sizes
                .iter()
                .flatten()
                .any(|v| !(v.is_finite() && *v > 0.0))
        {
            return bad(
                "layout.panel-sizes needs at least one [width, height] of positive numbers",
            );
        }
        for (key, value) in [
            ("contour.loss.opacity", self.contour.loss.opacity),
            ("contour.output.opacity", self.contour.output.opacity),
        ] {
            if !(value > 0.0 && value <= 1.0) {
                return bad(&format!("{key} must be in (0, 1], got {value}"));
            }
        }
        let unit = |v: f64| (0.0..=1.0).contains(&v);
        let [lo, hi] = self.regions.colormap_span;
        if !(unit(lo) && unit(hi) && lo <= hi) {
            return bad(&format!(
                "regions.colormap-span must be [lo, hi] with 0 <= lo <= hi <= 1, got [{lo}, {hi}]"
            ));
        }
        if !unit(self.surface.shade) {
            return bad(&format!(
                "surface.shade must be in [0, 1], got {}",
                self.surface.shade
            ));
        }
        let sf = &self.surface;
        if !(sf.azimuth.is_finite()
            && sf.elevation.is_finite()
            && sf.elevation.abs() < 90.0
            && sf.light.iter().all(|v| v.is_finite()))
        {
            return bad(
                "surface.azimuth, elevation (in (-90, 90)) and light must be finite degrees",
            );
        }
        if self.heatmap.colormap.len() < 2 {
            return bad("heatmap.colormap needs at least two stops");
        }
        for stop in &self.heatmap.colormap {
            self.color(stop)
                .map_err(|e| Error::Style(format!("heatmap.colormap: {e}")))?;
        }
        Ok(())
    }

    /// Looks a colour up: a palette name (`"cyan"`) or `"#RRGGBB"`. An unknown name is an error
    /// that lists the palette.
    pub fn color(&self, name_or_hex: &str) -> Result<Rgb> {
        if name_or_hex.starts_with('#') {
            if let Some(rgb) = Rgb::from_hex(name_or_hex) {
                return Ok(rgb);
            }
        } else if let Some(hex) = self.palette.get(name_or_hex)
            && let Some(rgb) = Rgb::from_hex(hex)
        {
            return Ok(rgb);
        }
        Err(Error::UnknownColor {
            name: name_or_hex.to_string(),
            known: self.palette.keys().cloned().collect::<Vec<_>>().join(", "),
        })
    }

    /// The colour for text that labels a series drawn in `series_color` (see `[label-colors]`).
    pub fn label_color(&self, series_color: &str) -> Result<Rgb> {
        match self.label_colors.get(series_color) {
            Some(text) => self.color(text),
            None => self.color(series_color),
        }
    }

    /// The heatmap colormap's stops as colours, low to high; sample them with
    /// [`sample_colormap`].
    pub fn colormap(&self) -> Result<Vec<Rgb>> {
        self.heatmap
            .colormap
            .iter()
            .map(|c| self.color(c))
            .collect()
    }

    /// Default frame size `[width, height]` in pt for a grid with `cols` columns.
    pub fn panel_size(&self, cols: usize) -> [f64; 2] {
        let sizes = &self.layout.panel_sizes;
        sizes[cols.clamp(1, sizes.len()) - 1]
    }

    /// Converts a length in pt to whole SVG pixels (at least 1 when `pt` > 0).
    pub(crate) fn px(&self, pt: f64) -> u32 {
        let px = (pt * self.scale).round();
        if pt > 0.0 && px < 1.0 { 1 } else { px as u32 }
    }
}

/// Samples a colormap of evenly spaced stops at `t` in [0, 1] (clamped; NaN gives the low
/// end), interpolating linearly between neighbouring stops.
pub fn sample_colormap(stops: &[Rgb], t: f64) -> Rgb {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let last = stops.len() - 1;
    let pos = t * last as f64;
    let i = (pos.floor() as usize).min(last.saturating_sub(1));
    stops[i].lerp(stops[(i + 1).min(last)], pos - i as f64)
}

/// A dash pattern must have an even, non-zero number of positive entries.
pub(crate) fn check_dash(pattern: &[f64]) -> std::result::Result<(), String> {
    if pattern.is_empty() || !pattern.len().is_multiple_of(2) {
        return Err(format!(
            "a dash pattern needs (on, off) pairs, got {} numbers",
            pattern.len()
        ));
    }
    if pattern.iter().any(|v| !(v.is_finite() && *v > 0.0)) {
        return Err("dash lengths must be positive".to_string());
    }
    Ok(())
}
