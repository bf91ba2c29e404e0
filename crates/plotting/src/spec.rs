//! The plot section of a figure spec: `[layout]`, `[[panel]]` and `[[panel.series]]` tables.
//!
//! These are plain serde data mirroring the TOML (kebab-case keys, unknown keys rejected). Data
//! is named by string references such as `"curves.y"` (stage name + column); the pipeline
//! resolves them to numbers, see [`PanelSpec::references`] and [`crate::Figure`].
//!
//! ```toml
//! [layout]
//! rows = 1
//! cols = 2
//!
//! [[panel]]
//! title = "Fitted model"
//! x = { label = "Input, $x$", range = [0.0, 2.0] }
//! y = { label = "Output, $y$", range = [-1.0, 1.0] }
//! legend = "direct"
//!
//! [[panel.series]]
//! kind = "band"
//! x = "fit.x"
//! lo = "fit.lo"
//! hi = "fit.hi"
//!
//! [[panel.series]]
//! kind = "line"
//! x = "fit.x"
//! y = "fit.y"
//! label = "Model"
//!
//! [[panel.series]]
//! kind = "scatter"
//! x = "data.x"
//! y = "data.y"
//! ```

use std::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};

/// `[layout]`: the grid of panels and the size of each frame.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LayoutSpec {
    /// Rows of the grid. Default: as many as the panels need given `cols` (1 if neither is set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<usize>,
    /// Columns of the grid. Default: as many as the panels need given `rows` (all in one row if
    /// neither is set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cols: Option<usize>,
    /// Frame width in pt. Default: the style's `layout.panel-sizes` entry for this many columns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<f64>,
    /// Frame height in pt. Default: as for `width`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<f64>,
    /// Order in which panels without a `cell` fill the grid, and in which letters run.
    #[serde(default)]
    pub order: Order,
    /// Panels of one row share their y axis: only the leftmost panel of each row shows y tick
    /// labels (the others keep their ticks), and every panel of a row must have the same y
    /// range and scale.
    #[serde(default, skip_serializing_if = "is_false")]
    pub share_y: bool,
    /// Panels of one column share their x axis: only the lowest panel of each column shows x
    /// tick labels, and every panel of a column must have the same x range and scale.
    #[serde(default, skip_serializing_if = "is_false")]
    pub share_x: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Fill order of the grid (and of the panel letters).
#[derive(Deserialize, Serialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Order {
    /// a) b) c) along the first row, then the next row (the book's usual order).
    #[default]
    RowMajor,
    /// a) b) down the first column, then the next (when each column is one condition).
    ColumnMajor,
}

/// One `[[panel]]`: a framed plot with two axes and its series.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PanelSpec {
    /// Title centred above the frame (`$...$` is set as italic math).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The horizontal axis.
    pub x: AxisSpec,
    /// The vertical axis; in a 3D panel the second ground axis (depth).
    pub y: AxisSpec,
    /// The vertical axis of a 3D panel. Giving it makes the panel 3D: the x-y plane is the
    /// ground, `z` points up, and only `surface` and `scatter` (with `z`) series may be drawn.
    /// All three axes are linear; the frame is not drawn, the box and its labels are fitted
    /// inside it, and `legend` is ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub z: Option<AxisSpec>,
    /// Viewing direction of a 3D panel (ignored without `z`). Default: the style's
    /// `surface.azimuth` and `surface.elevation` (matplotlib's -60° and 30°).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub projection: Option<ProjectionSpec>,
    /// Whether the panel gets a letter `a)`, `b)` ... Default: yes when the figure has more than
    /// one panel. Letters run over the lettered panels in the layout's order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub letter: Option<bool>,
    /// `[row, col]`, counted from 0. Default: the next free cell in the layout's order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cell: Option<[usize; 2]>,
    /// Where labelled series are named.
    #[serde(default)]
    pub legend: LegendSpec,
    /// What is drawn, back to front within each layer (see [`SeriesSpec`]).
    #[serde(default)]
    pub series: Vec<SeriesSpec>,
}

/// `projection = { azimuth = -60.0, elevation = 30.0 }`: where a 3D panel is seen from.
#[derive(Deserialize, Serialize, Clone, Copy, Debug, PartialEq, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ProjectionSpec {
    /// Degrees about the vertical axis, as in matplotlib's `view_init` (-60: the x axis runs
    /// to the lower right, the y axis to the upper right). Default: the style's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azimuth: Option<f64>,
    /// Degrees above the ground plane, in (-90, 90). Default: the style's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elevation: Option<f64>,
}

/// An axis: `{ label = "Input, $x$", range = [0.0, 1.0], scale = "log", ticks = [...] }`.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct AxisSpec {
    /// Axis label: "word, comma, italic symbol", e.g. `"Loss, $L[φ]$"`. None: no label
    /// (the book labels only the left column and bottom row of a grid of like panels).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// `[lo, hi]`: the axis limits, exactly (no padding); curves are clipped to them.
    pub range: [f64; 2],
    /// Linear or log (base 10).
    #[serde(default)]
    pub scale: Scale,
    /// Labelled major ticks. Default: linear axes get min, middle and max; log axes every
    /// power of ten in range, thinned to at most 8 by a round step of decades that labels the
    /// range's ends where it can (10⁰, 10⁵⁰, 10¹⁰⁰, 10¹⁵⁰).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticks: Option<Vec<f64>>,
    /// Unlabelled minor ticks between two majors. Default: the style's `ticks.minor-count` on
    /// linear axes; on log axes 2..9 × 10^k when majors are one decade apart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minor_ticks: Option<u32>,
    /// Decimal places of the tick labels on a linear axis (1 for continuous axes, 0 for counts),
    /// and of listed log-axis ticks that are not all powers of ten.
    #[serde(default = "one")]
    pub decimals: u32,
    /// Run the axis from `hi` to `lo`: a y axis then has `lo` at the top (matplotlib's
    /// `invert_yaxis`, e.g. MNIST-1D signals written top to bottom), an x axis `lo` at the right.
    /// Not in 3-D panels.
    #[serde(default, skip_serializing_if = "is_false")]
    pub invert: bool,
}

fn one() -> u32 {
    1
}

/// Axis scale.
#[derive(Deserialize, Serialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Scale {
    /// Linear.
    #[default]
    Linear,
    /// Base-10 logarithmic; ticks read 10⁰, 10¹, ...
    Log,
}

/// Where the labels of labelled series go.
#[derive(Deserialize, Serialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum LegendSpec {
    /// A frameless legend with short samples inside the top-right corner.
    #[default]
    TopRight,
    /// Inside the top-left corner.
    TopLeft,
    /// Inside the bottom-right corner.
    BottomRight,
    /// Inside the bottom-left corner.
    BottomLeft,
    /// Each labelled line is named at its right end, in its colour (the book's preference).
    Direct,
    /// Labels are not shown.
    None,
}

/// One `[[panel.series]]`, chosen by `kind`.
///
/// Drawing order, back to front: heatmaps and region maps; contours; shades, bars and
/// histograms; bands; reference lines (vline, hline); lines, segments and paths; scatters;
/// arrows; text. Within a layer, spec order. The frame and ticks are drawn over all of it.
/// A 3D panel (one with a `z` axis) draws its surfaces, then its scatters.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum SeriesSpec {
    /// A polyline through (x, y); NaN or non-positive values on a log axis break it.
    Line(LineSpec),
    /// Circles at (x, y).
    Scatter(ScatterSpec),
    /// A filled ±σ band between `lo` and `hi` over `x`.
    Band(BandSpec),
    /// Vertical lines spanning the frame at x = `at`.
    Vline(RuleSpec),
    /// Horizontal lines spanning the frame at y = `at`.
    Hline(RuleSpec),
    /// A full-height rectangle between x = `from` and x = `to` (a highlighted region).
    Shade(ShadeSpec),
    /// Straight segments from (x, y) to (x2, y2), e.g. residuals from data to the model.
    Segments(SegmentsSpec),
    /// Text at a data position.
    Text(TextSpec),
    /// A grid of values coloured with the style's colormap.
    Heatmap(HeatmapSpec),
    /// Contour lines of a grid of values (marching squares).
    Contour(ContourSpec),
    /// An optimisation path: a thin polyline with a dot at every iterate, the first one in a
    /// different colour.
    Path(PathSpec),
    /// A straight arrow with a filled head.
    Arrow(ArrowSpec),
    /// Vertical bars at given x positions (a probability mass function).
    Bars(BarsSpec),
    /// A histogram of values, binned here into rectangles.
    Histogram(HistogramSpec),
    /// A map of integer region ids (or activation patterns) in flat colours, with lines on the
    /// boundaries between different ids.
    Regions(RegionsSpec),
    /// A 3D surface over a grid, in a panel with a `z` axis.
    Surface(SurfaceSpec),
}

/// `kind = "line"`.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LineSpec {
    /// Reference to the x values.
    pub x: String,
    /// Reference to the y values (same length).
    pub y: String,
    /// Palette name or `#RRGGBB`. Default: the style's `roles.model` (cyan).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// Stroke width.
    #[serde(default = "Width::main")]
    pub width: Width,
    /// Dash pattern.
    #[serde(default)]
    pub dash: Dash,
    /// Also draw a dot of this size at every point (optimisation iterates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub markers: Option<MarkerSize>,
    /// Name in the legend or direct label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// `kind = "scatter"`.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ScatterSpec {
    /// Reference to the x values.
    pub x: String,
    /// Reference to the y values (same length).
    pub y: String,
    /// Fill colour. Default: the style's `roles.data` (orange).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// Edge colour, or `"none"`. Default: `roles.data-edge` (brown) for `size = "data"`,
    /// no edge for the other sizes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edge: Option<String>,
    /// Edge width in pt. Default: the style's `marker.data-edge` (0.85 for parameter points on
    /// a loss map, 0.28 for a highlighted point with a white edge).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edge_width: Option<f64>,
    /// Reference to the heights of the points in a 3D panel (required there, refused
    /// elsewhere).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub z: Option<String>,
    /// Marker diameter.
    #[serde(default = "MarkerSize::data")]
    pub size: MarkerSize,
    /// Fill opacity in (0, 1] (0.5 for noisy replicates).
    #[serde(default = "opaque")]
    pub opacity: f64,
    /// Name in the legend.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

fn opaque() -> f64 {
    1.0
}

/// `kind = "band"`: the polygon of `hi` over `x` followed by `lo` reversed.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BandSpec {
    /// Reference to the x values.
    pub x: String,
    /// Reference to the lower edge (same length as x).
    pub lo: String,
    /// Reference to the upper edge (same length as x).
    pub hi: String,
    /// Fill colour. Default: `roles.band` (band grey, opaque).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// Fill opacity in (0, 1].
    #[serde(default = "opaque")]
    pub opacity: f64,
    /// Name in the legend.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// `kind = "vline"` / `kind = "hline"`: reference lines across the whole frame.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RuleSpec {
    /// Where: a number, a list of numbers, or a reference to many (e.g. the joints of a net).
    pub at: Positions,
    /// Colour. Default: `roles.reference` (light grey).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// Stroke width.
    #[serde(default = "Width::reference")]
    pub width: Width,
    /// Dash pattern. Default: dotted for vline (joints), dashed for hline (zero lines).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dash: Option<Dash>,
    /// Name in the legend.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// `kind = "shade"`: a full-height opaque rectangle behind the curves.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ShadeSpec {
    /// Left edge in data x (a number or a reference to one value).
    pub from: Value,
    /// Right edge in data x.
    pub to: Value,
    /// Fill colour. Default: `roles.region` (region grey).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// Name in the legend.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// `kind = "segments"`: one segment per point, from (x, y) to (x2, y2).
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SegmentsSpec {
    /// Reference to the start x values.
    pub x: String,
    /// Reference to the start y values.
    pub y: String,
    /// Reference to the end x values. Default: the start x (vertical segments).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x2: Option<String>,
    /// Reference to the end y values.
    pub y2: String,
    /// Colour. Default: `roles.reference`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// Stroke width.
    #[serde(default = "Width::reference")]
    pub width: Width,
    /// Dash pattern.
    #[serde(default)]
    pub dash: Dash,
    /// Name in the legend.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// `kind = "text"`: a note or label placed in data coordinates.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TextSpec {
    /// `[x, y]` of the anchor point (the baseline), in data coordinates.
    pub at: [f64; 2],
    /// The text; `$...$` is italic math; `{}` is replaced by `value`.
    pub text: String,
    /// Reference to one number that replaces `{}` in `text` ("Loss = {}").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Decimal places of `value`.
    #[serde(default = "two")]
    pub decimals: u32,
    /// Colour. Default: `roles.text` (black).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// Font size.
    #[serde(default = "FontSize::label")]
    pub size: FontSize,
    /// Which end of the text sits at `at`.
    #[serde(default)]
    pub anchor: Anchor,
}

fn two() -> u32 {
    2
}

/// `kind = "heatmap"`: `z` holds `nx * ny` values, row by row from the bottom (y = lo) row, each
/// row left to right; cell centres are evenly spaced over `extent`.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct HeatmapSpec {
    /// Reference to the values.
    pub z: String,
    /// Cells per row.
    pub nx: usize,
    /// Rows.
    pub ny: usize,
    /// `[x_lo, x_hi, y_lo, y_hi]` covered by the cells' outer edges. Default: the axis ranges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extent: Option<[f64; 4]>,
    /// `[z_lo, z_hi]` mapped to the ends of the colormap. Default: the data's min and max.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<[f64; 2]>,
    /// A colour bar right of the frame: `true`, or a table `{ label, ticks, decimals }`. The book
    /// has none; leave it off for figures that copy the book.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "bool_or_colorbar"
    )]
    pub colorbar: Option<ColorbarSpec>,
}

/// `colorbar = true` or `colorbar = { label = "Loss", ticks = [0.0, 2.0], decimals = 1 }`: a
/// narrow strip of the colormap right of a heatmap's frame, with ticks on its right side.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ColorbarSpec {
    /// Label right of the ticks, reading upwards (`$...$` allowed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Labelled ticks, inside the heatmap's colour range. Default: its min, middle and max.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticks: Option<Vec<f64>>,
    /// Decimal places of the tick labels.
    #[serde(default = "one")]
    pub decimals: u32,
}

impl Default for ColorbarSpec {
    /// What `colorbar = true` means: no label, ticks at min, middle and max, one decimal.
    fn default() -> Self {
        ColorbarSpec {
            label: None,
            ticks: None,
            decimals: 1,
        }
    }
}

/// Reads `colorbar = true | false | { ... }`.
fn bool_or_colorbar<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ColorbarSpec>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<ColorbarSpec>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("true, false or a table { label, ticks, decimals }")
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok(v.then(ColorbarSpec::default))
        }
        fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            ColorbarSpec::deserialize(de::value::MapAccessDeserializer::new(map)).map(Some)
        }
    }
    d.deserialize_any(V)
}

/// `kind = "contour"`: lines where a grid of values crosses each level. The grid is laid out
/// as for a heatmap (`z` row by row from the bottom row, values at cell centres), so a contour
/// over a heatmap of the same grid lines up with it. Lines stop half a cell inside the grid.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ContourSpec {
    /// Reference to the `nx * ny` values.
    pub z: String,
    /// Values per row.
    pub nx: usize,
    /// Rows.
    pub ny: usize,
    /// `[x_lo, x_hi, y_lo, y_hi]` covered by the cells' outer edges. Default: the axis ranges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extent: Option<[f64; 4]>,
    /// A count of evenly spaced levels strictly inside `range`, a list of levels, or a reference
    /// to a column of levels.
    pub levels: Levels,
    /// `[z_lo, z_hi]` over which a count of levels is spread. Default: the data's min and max.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<[f64; 2]>,
    /// Which kind of map the lines sit on; picks the default colour, opacity and width from the
    /// style's `[contour]` table.
    #[serde(default)]
    pub map: ContourMap,
    /// Colour. Default: from `map`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// Stroke width. Default: from `map`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<Width>,
    /// Stroke opacity in (0, 1]. Default: from `map`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opacity: Option<f64>,
    /// Dash pattern.
    #[serde(default)]
    pub dash: Dash,
}

/// The kind of map contour lines are drawn on (book-style.md section 5).
#[derive(Deserialize, Serialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ContourMap {
    /// A loss surface: grey lines at half opacity (`contour.loss`).
    #[default]
    Loss,
    /// The output of a network with two inputs: opaque slate lines (`contour.output`).
    Output,
}

/// Contour levels or histogram bins: a count, explicit values, or a reference to a column.
#[derive(Clone, Debug, PartialEq)]
pub enum Levels {
    /// This many, evenly spaced.
    Count(usize),
    /// These values, increasing.
    Values(Vec<f64>),
    /// The values of a data column, increasing.
    Ref(String),
}

/// `kind = "path"`: optimisation iterates joined by a thin line (book-style.md section 2).
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PathSpec {
    /// Reference to the x values of the iterates, in order.
    pub x: String,
    /// Reference to the y values (same length).
    pub y: String,
    /// Colour of the line and the dots. Default: the style's `roles.path` (cyan).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// Colour of the first dot. Default: `roles.path-start` (teal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_color: Option<String>,
    /// Stroke width of the line.
    #[serde(default = "Width::path")]
    pub width: Width,
    /// Dash pattern of the line.
    #[serde(default)]
    pub dash: Dash,
    /// Diameter of the dots.
    #[serde(default = "MarkerSize::iterate")]
    pub markers: MarkerSize,
    /// Name in the legend or direct label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// `kind = "arrow"`: a line from `from` to `to` ending in a filled triangular head at `to`.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ArrowSpec {
    /// `[x, y]` of the tail, in data coordinates (numbers or one-value references).
    pub from: [Value; 2],
    /// `[x, y]` of the tip.
    pub to: [Value; 2],
    /// Colour. Default: `roles.arrow` (black; use `"white"` on a heatmap).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// Stroke width of the shaft.
    #[serde(default = "Width::thin")]
    pub width: Width,
    /// Dash pattern of the shaft (annotation leaders are dashed).
    #[serde(default)]
    pub dash: Dash,
    /// `[length, width]` of the head in pt. Default: the style's `arrow.head-length` and
    /// `arrow.head-width`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head: Option<[f64; 2]>,
    /// Name in the legend.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// `kind = "bars"`: one bar per x, from `bottom` up to its height.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BarsSpec {
    /// Reference to the bar centres.
    pub x: String,
    /// Reference to the bar heights (same length).
    pub height: String,
    /// Bar width in x units.
    #[serde(default = "bar_width")]
    pub width: f64,
    /// Where bars start, in y units (bars below it hang down). On a log axis a bottom of 0 or
    /// less means the frame's bottom edge.
    #[serde(default)]
    pub bottom: f64,
    /// Fill colour. Default: `roles.model` (cyan).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// Fill opacity in (0, 1].
    #[serde(default = "opaque")]
    pub opacity: f64,
    /// Name in the legend.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

fn bar_width() -> f64 {
    0.8
}

/// `kind = "histogram"`: counts of values per bin, drawn as adjacent rectangles. A value on an
/// inner edge goes to the bin right of it, one on the last edge to the last bin; values outside
/// the edges and non-finite values are not counted.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct HistogramSpec {
    /// Reference to the values.
    pub values: String,
    /// A count of equal bins over `range`, or the bin edges (a list or a reference), increasing.
    pub bins: Levels,
    /// `[lo, hi]` split into a count of bins. Default: the finite values' min and max.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<[f64; 2]>,
    /// Scale the heights so that the bars' total area is 1 (compare with a density).
    #[serde(default, skip_serializing_if = "is_false")]
    pub density: bool,
    /// Fill colour. Default: `roles.model` (cyan).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// Fill opacity in (0, 1].
    #[serde(default = "opaque")]
    pub opacity: f64,
    /// Name in the legend.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// `kind = "regions"`: a grid of region ids laid out as a heatmap (row by row from the bottom
/// row). Cells of one id share a flat colour; boundaries between different ids are traced
/// through the middles of the cell edges, simplified into straight lines and drawn on top.
/// Non-finite ids are left blank and draw no boundary.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RegionsSpec {
    /// Reference to the `nx * ny` ids (integers, or activation patterns coded as numbers).
    pub ids: String,
    /// Cells per row.
    pub nx: usize,
    /// Rows.
    pub ny: usize,
    /// `[x_lo, x_hi, y_lo, y_hi]` covered by the cells' outer edges. Default: the axis ranges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extent: Option<[f64; 4]>,
    /// Fill colours of the distinct ids in increasing order, repeated if there are more ids.
    /// Default: the ids spread evenly over the style's `regions.colormap-span` of the colormap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub colors: Option<Vec<String>>,
    /// Colour of the boundary lines, or `"none"`. Default: `regions.boundary` (cyan).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boundary: Option<String>,
    /// Width of the boundary lines. Default: `"main"` (1.98 pt, book-style.md section 6).
    #[serde(default = "Width::main")]
    pub boundary_width: Width,
    /// Tolerance in cells for straightening the traced boundaries (Douglas-Peucker); 0 keeps
    /// every step.
    #[serde(default = "one_f64")]
    pub simplify: f64,
}

fn one_f64() -> f64 {
    1.0
}

/// `kind = "surface"`: values on a grid of points drawn as a 3D surface of edgeless facets
/// coloured by the colormap, with mild lighting, in a panel with a `z` axis.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SurfaceSpec {
    /// Reference to the `nx * ny` heights, row by row from the y = lo row, each row from
    /// x = lo.
    pub z: String,
    /// Points per row (at least 2).
    pub nx: usize,
    /// Rows (at least 2).
    pub ny: usize,
    /// `[x_lo, x_hi, y_lo, y_hi]` of the first and last grid points. Default: the axis ranges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extent: Option<[f64; 4]>,
    /// `[z_lo, z_hi]` mapped to the ends of the colormap. Default: the data's min and max.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<[f64; 2]>,
    /// Strength of the lighting in [0, 1]: a facet facing away from the light is darkened by
    /// this fraction. Default: the style's `surface.shade`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shade: Option<f64>,
}

/// Horizontal anchor of a text.
#[derive(Deserialize, Serialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Anchor {
    /// The text starts at the point.
    #[default]
    Left,
    /// The text is centred on the point.
    Center,
    /// The text ends at the point.
    Right,
}

/// Generates a "named size or number" enum: TOML `"main"` or `1.5` (pt).
macro_rules! named_or_pt {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal => $ctor:ident,)* }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
            /// An explicit size in pt.
            Pt(f64),
        }

        impl $name {
            $(
                #[doc = concat!("`\"", $text, "\"`")]
                pub fn $ctor() -> Self {
                    $name::$variant
                }
            )*

            const NAMES: &'static [&'static str] = &[$($text),*];
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self {
                    $($name::$variant => s.serialize_str($text),)*
                    $name::Pt(v) => s.serialize_f64(*v),
                }
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        write!(f, "a size in pt or one of {:?}", $name::NAMES)
                    }
                    fn visit_str<E: de::Error>(self, v: &str) -> Result<$name, E> {
                        match v {
                            $($text => Ok($name::$variant),)*
                            _ => Err(E::unknown_variant(v, $name::NAMES)),
                        }
                    }
                    fn visit_f64<E: de::Error>(self, v: f64) -> Result<$name, E> {
                        if v.is_finite() && v > 0.0 {
                            Ok($name::Pt(v))
                        } else {
                            Err(E::custom(format!("a size must be positive, got {v}")))
                        }
                    }
                    fn visit_i64<E: de::Error>(self, v: i64) -> Result<$name, E> {
                        self.visit_f64(v as f64)
                    }
                    fn visit_u64<E: de::Error>(self, v: u64) -> Result<$name, E> {
                        self.visit_f64(v as f64)
                    }
                }
                d.deserialize_any(V)
            }
        }
    };
}

named_or_pt! {
    /// A stroke width: a name from the style's `[line-width]` or a number of pt.
    Width {
        /// `line-width.main` (model, truth, loss curves).
        Main = "main" => main,
        /// `line-width.multi` (many series in one plot).
        Multi = "multi" => multi,
        /// `line-width.thin` (noisy curves, trajectories).
        Thin = "thin" => thin,
        /// `line-width.reference` (joints, zero lines).
        Reference = "reference" => reference,
        /// `line-width.frame`.
        Frame = "frame" => frame,
        /// `line-width.path` (the line joining optimisation iterates).
        Path = "path" => path,
    }
}

named_or_pt! {
    /// A marker diameter: a name from the style's `[marker]` or a number of pt.
    MarkerSize {
        /// `marker.data` (data points, edged by default).
        Data = "data" => data,
        /// `marker.medium`.
        Medium = "medium" => medium,
        /// `marker.dense`.
        Dense = "dense" => dense,
        /// `marker.small` (dots along a curve).
        Small = "small" => small,
        /// `marker.iterate` (optimisation iterates on a path).
        Iterate = "iterate" => iterate,
    }
}

named_or_pt! {
    /// A font size: a name from the style's `[font-size]` or a number of pt.
    FontSize {
        /// `font-size.tick`.
        Tick = "tick" => tick,
        /// `font-size.label`.
        Label = "label" => label,
        /// `font-size.title`.
        Title = "title" => title,
        /// `font-size.legend`.
        Legend = "legend" => legend,
        /// `font-size.small`.
        Small = "small" => small,
    }
}

/// A dash pattern: `"solid"`, `"dashed"`, `"dotted"` (the style's patterns, which scale with the
/// stroke width) or an explicit `[on, off, ...]` list in pt.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Dash {
    /// No dashes.
    #[default]
    Solid,
    /// The style's `dash.dashed`.
    Dashed,
    /// The style's `dash.dotted`.
    Dotted,
    /// Explicit (on, off) lengths in pt.
    Pattern(Vec<f64>),
}

impl Serialize for Dash {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Dash::Solid => s.serialize_str("solid"),
            Dash::Dashed => s.serialize_str("dashed"),
            Dash::Dotted => s.serialize_str("dotted"),
            Dash::Pattern(p) => p.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Dash {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Dash;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("\"solid\", \"dashed\", \"dotted\" or [on, off] lengths in pt")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Dash, E> {
                match v {
                    "solid" => Ok(Dash::Solid),
                    "dashed" => Ok(Dash::Dashed),
                    "dotted" => Ok(Dash::Dotted),
                    _ => Err(E::unknown_variant(v, &["solid", "dashed", "dotted"])),
                }
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Dash, A::Error> {
                let mut pattern = Vec::new();
                while let Some(v) = seq.next_element::<f64>()? {
                    pattern.push(v);
                }
                crate::style::check_dash(&pattern).map_err(de::Error::custom)?;
                Ok(Dash::Pattern(pattern))
            }
        }
        d.deserialize_any(V)
    }
}

/// A single number, given inline or by reference to a one-value column.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A number in the spec.
    Num(f64),
    /// A reference to data holding exactly one value.
    Ref(String),
}

/// Positions of reference lines: one number, a list, or a reference to many values.
#[derive(Clone, Debug, PartialEq)]
pub enum Positions {
    /// Numbers in the spec.
    Nums(Vec<f64>),
    /// A reference to data (any number of values, also none).
    Ref(String),
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Num(v) => s.serialize_f64(*v),
            Value::Ref(r) => s.serialize_str(r),
        }
    }
}

impl Serialize for Positions {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Positions::Nums(v) if v.len() == 1 => s.serialize_f64(v[0]),
            Positions::Nums(v) => v.serialize(s),
            Positions::Ref(r) => s.serialize_str(r),
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match d.deserialize_any(NumbersOrRef { many: false })? {
            Positions::Nums(v) => Ok(Value::Num(v[0])),
            Positions::Ref(r) => Ok(Value::Ref(r)),
        }
    }
}

impl<'de> Deserialize<'de> for Positions {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NumbersOrRef { many: true })
    }
}

/// Visitor for [`Value`] (`many = false`) and [`Positions`].
struct NumbersOrRef {
    many: bool,
}

impl<'de> Visitor<'de> for NumbersOrRef {
    type Value = Positions;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.many {
            f.write_str("a number, a list of numbers, or a data reference such as \"net.joints\"")
        } else {
            f.write_str("a number or a data reference such as \"net.joint\"")
        }
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Positions, E> {
        if v.is_finite() {
            Ok(Positions::Nums(vec![v]))
        } else {
            Err(E::custom(format!("expected a finite number, got {v}")))
        }
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Positions, E> {
        self.visit_f64(v as f64)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Positions, E> {
        self.visit_f64(v as f64)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Positions, E> {
        Ok(Positions::Ref(v.to_string()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Positions, A::Error> {
        if !self.many {
            return Err(de::Error::invalid_type(de::Unexpected::Seq, &self));
        }
        let mut values = Vec::new();
        while let Some(v) = seq.next_element::<f64>()? {
            if !v.is_finite() {
                return Err(de::Error::custom(format!(
                    "expected finite numbers, got {v}"
                )));
            }
            values.push(v);
        }
        Ok(Positions::Nums(values))
    }
}

impl Serialize for Levels {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Levels::Count(n) => s.serialize_u64(*n as u64),
            Levels::Values(v) => v.serialize(s),
            Levels::Ref(r) => s.serialize_str(r),
        }
    }
}

impl<'de> Deserialize<'de> for Levels {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Levels;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a positive count, a list of increasing numbers, or a data reference such \
                     as \"hist.edges\"",
                )
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Levels, E> {
                if v > 0 {
                    Ok(Levels::Count(v as usize))
                } else {
                    Err(E::custom(format!("a count must be positive, got {v}")))
                }
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Levels, E> {
                self.visit_i64(i64::try_from(v).unwrap_or(i64::MAX))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Levels, E> {
                Ok(Levels::Ref(v.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Levels, A::Error> {
                let mut values = Vec::new();
                while let Some(v) = seq.next_element::<f64>()? {
                    values.push(v);
                }
                Ok(Levels::Values(values))
            }
        }
        d.deserialize_any(V)
    }
}

impl SeriesSpec {
    /// The `kind` as written in TOML.
    pub fn kind(&self) -> &'static str {
        match self {
            SeriesSpec::Line(_) => "line",
            SeriesSpec::Scatter(_) => "scatter",
            SeriesSpec::Band(_) => "band",
            SeriesSpec::Vline(_) => "vline",
            SeriesSpec::Hline(_) => "hline",
            SeriesSpec::Shade(_) => "shade",
            SeriesSpec::Segments(_) => "segments",
            SeriesSpec::Text(_) => "text",
            SeriesSpec::Heatmap(_) => "heatmap",
            SeriesSpec::Contour(_) => "contour",
            SeriesSpec::Path(_) => "path",
            SeriesSpec::Arrow(_) => "arrow",
            SeriesSpec::Bars(_) => "bars",
            SeriesSpec::Histogram(_) => "histogram",
            SeriesSpec::Regions(_) => "regions",
            SeriesSpec::Surface(_) => "surface",
        }
    }

    /// The label shown in a legend, if any.
    pub fn label(&self) -> Option<&str> {
        match self {
            SeriesSpec::Line(s) => s.label.as_deref(),
            SeriesSpec::Scatter(s) => s.label.as_deref(),
            SeriesSpec::Band(s) => s.label.as_deref(),
            SeriesSpec::Vline(s) | SeriesSpec::Hline(s) => s.label.as_deref(),
            SeriesSpec::Shade(s) => s.label.as_deref(),
            SeriesSpec::Segments(s) => s.label.as_deref(),
            SeriesSpec::Path(s) => s.label.as_deref(),
            SeriesSpec::Arrow(s) => s.label.as_deref(),
            SeriesSpec::Bars(s) => s.label.as_deref(),
            SeriesSpec::Histogram(s) => s.label.as_deref(),
            SeriesSpec::Text(_)
            | SeriesSpec::Heatmap(_)
            | SeriesSpec::Contour(_)
            | SeriesSpec::Regions(_)
            | SeriesSpec::Surface(_) => None,
        }
    }

    /// The colour as written in the spec (None: the kind's default role).
    pub fn color(&self) -> Option<&str> {
        match self {
            SeriesSpec::Line(s) => s.color.as_deref(),
            SeriesSpec::Scatter(s) => s.color.as_deref(),
            SeriesSpec::Band(s) => s.color.as_deref(),
            SeriesSpec::Vline(s) | SeriesSpec::Hline(s) => s.color.as_deref(),
            SeriesSpec::Shade(s) => s.color.as_deref(),
            SeriesSpec::Segments(s) => s.color.as_deref(),
            SeriesSpec::Text(s) => s.color.as_deref(),
            SeriesSpec::Contour(s) => s.color.as_deref(),
            SeriesSpec::Path(s) => s.color.as_deref(),
            SeriesSpec::Arrow(s) => s.color.as_deref(),
            SeriesSpec::Bars(s) => s.color.as_deref(),
            SeriesSpec::Histogram(s) => s.color.as_deref(),
            SeriesSpec::Regions(s) => s.boundary.as_deref().filter(|b| *b != "none"),
            SeriesSpec::Heatmap(_) | SeriesSpec::Surface(_) => None,
        }
    }

    /// The data references of this series, in field order.
    pub fn references(&self) -> Vec<&str> {
        match self {
            SeriesSpec::Line(s) => vec![&s.x, &s.y],
            SeriesSpec::Scatter(s) => {
                let mut refs = vec![s.x.as_str(), s.y.as_str()];
                refs.extend(s.z.as_deref());
                refs
            }
            SeriesSpec::Band(s) => vec![&s.x, &s.lo, &s.hi],
            SeriesSpec::Vline(s) | SeriesSpec::Hline(s) => match &s.at {
                Positions::Ref(r) => vec![r],
                Positions::Nums(_) => vec![],
            },
            SeriesSpec::Shade(s) => [&s.from, &s.to]
                .into_iter()
                .filter_map(|v| match v {
                    Value::Ref(r) => Some(r.as_str()),
                    Value::Num(_) => None,
                })
                .collect(),
            SeriesSpec::Segments(s) => {
                let mut refs = vec![s.x.as_str(), s.y.as_str()];
                refs.extend(s.x2.as_deref());
                refs.push(&s.y2);
                refs
            }
            SeriesSpec::Text(s) => s.value.as_deref().into_iter().collect(),
            SeriesSpec::Heatmap(s) => vec![&s.z],
            SeriesSpec::Contour(s) => {
                let mut refs = vec![s.z.as_str()];
                if let Levels::Ref(r) = &s.levels {
                    refs.push(r);
                }
                refs
            }
            SeriesSpec::Path(s) => vec![&s.x, &s.y],
            SeriesSpec::Arrow(s) => s
                .from
                .iter()
                .chain(&s.to)
                .filter_map(|v| match v {
                    Value::Ref(r) => Some(r.as_str()),
                    Value::Num(_) => None,
                })
                .collect(),
            SeriesSpec::Bars(s) => vec![&s.x, &s.height],
            SeriesSpec::Histogram(s) => {
                let mut refs = vec![s.values.as_str()];
                if let Levels::Ref(r) = &s.bins {
                    refs.push(r);
                }
                refs
            }
            SeriesSpec::Regions(s) => vec![&s.ids],
            SeriesSpec::Surface(s) => vec![&s.z],
        }
    }
}

impl PanelSpec {
    /// Whether the panel is 3D (it has a `z` axis).
    pub fn is_3d(&self) -> bool {
        self.z.is_some()
    }

    /// Every data reference of the panel's series, in series order then field order, each
    /// once (first occurrence kept).
    pub fn references(&self) -> Vec<&str> {
        let mut refs: Vec<&str> = Vec::new();
        for series in &self.series {
            for r in series.references() {
                if !refs.contains(&r) {
                    refs.push(r);
                }
            }
        }
        refs
    }
}
