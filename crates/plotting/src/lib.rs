//! Renders figures of plain numbers to byte-stable SVG in the house style of Prince (2023).
//!
//! `plotting` sits at the end of the pipeline: `data`, `models`, `training` and `analysis`
//! produce numbers, `pipeline` resolves each panel's data references ([`PanelSpec::references`])
//! to those numbers, builds a [`Figure`] and calls [`render_svg`] with the [`Style`] read from
//! `figures/style.toml`. This crate owns the plot section of a figure spec ([`spec`]), never
//! sees a model, and does no file I/O.
//!
//! Rendering uses plotters' SVG backend (no fonts needed; text is left to the viewer) at
//! `style.scale` px per pt, with clipping, dashes and a few SVG attributes done by hand
//! ([`geom`] and a final text pass), so that the output is identical for identical input.
//!
//! Besides curves, points and bands, a panel can hold heatmaps with contour lines (the
//! `contour` crate's marching squares) and an optional colour bar, region maps, optimisation
//! paths and arrows, bars and histograms (drawn as our own rectangles, never plotters'
//! nondeterministic `Histogram`); a panel with a `z` axis is a 3D box holding surfaces
//! (painter's algorithm over facets sorted by depth, ties in grid order) and points.

mod contour;
mod error;
mod figure;
pub mod geom;
mod projection;
mod regions;
mod render;
pub mod spec;
mod style;
mod svg;
pub mod ticks;

pub use error::{Error, Result};
pub use figure::{Figure, Panel, check_specs};
pub use render::render_svg;
pub use spec::{
    Anchor, ArrowSpec, AxisSpec, BandSpec, BarsSpec, ColorbarSpec, ContourMap, ContourSpec, Dash,
    FontSize, HeatmapSpec, HistogramSpec, LayoutSpec, LegendSpec, Levels, LineSpec, MarkerSize,
    Order, PanelSpec, PathSpec, Positions, ProjectionSpec, RegionsSpec, RuleSpec, Scale,
    ScatterSpec, SegmentsSpec, SeriesSpec, ShadeSpec, SurfaceSpec, TextSpec, Value, Width,
};
pub use style::{
    ArrowStyle, ColorbarStyle, ContourLook, ContourStyle, Dashes, FontSizes, HeatmapStyle,
    LayoutStyle, LegendStyle, LineWidths, Markers, RegionsStyle, Rgb, Roles, Style, SurfaceStyle,
    Ticks as TickStyle, sample_colormap,
};
