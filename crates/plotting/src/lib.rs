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

mod error;
mod figure;
pub mod geom;
mod render;
pub mod spec;
mod style;
mod svg;
pub mod ticks;

pub use error::{Error, Result};
pub use figure::{Figure, Panel, check_specs};
pub use render::render_svg;
pub use spec::{
    Anchor, AxisSpec, BandSpec, Dash, FontSize, HeatmapSpec, LayoutSpec, LegendSpec, LineSpec,
    MarkerSize, Order, PanelSpec, Positions, RuleSpec, Scale, ScatterSpec, SegmentsSpec,
    SeriesSpec, ShadeSpec, TextSpec, Value, Width,
};
pub use style::{
    Dashes, FontSizes, HeatmapStyle, LayoutStyle, LegendStyle, LineWidths, Markers, Rgb, Roles,
    Style, Ticks as TickStyle, sample_colormap,
};
