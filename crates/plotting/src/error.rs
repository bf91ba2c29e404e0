//! The crate's error type: bad styles, bad specs and data that does not fit its spec.

/// `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// Everything that can go wrong while reading a style or rendering a figure.
///
/// Messages name the panel and series they are about (`panel 2 "Test error", series 1 (line
/// "Train")`), so the pipeline can prefix them with the figure and spec file.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The style TOML did not parse, or holds an impossible value.
    #[error("bad style: {0}")]
    Style(String),
    /// A colour is neither a palette name nor `#RRGGBB`.
    #[error("unknown colour `{name}`: use \"#RRGGBB\" or one of the palette names: {known}")]
    UnknownColor {
        /// The colour as written.
        name: String,
        /// The palette names, comma separated, sorted.
        known: String,
    },
    /// The `[layout]` table does not fit the panels (too small a grid, two panels in one cell).
    #[error("layout: {0}")]
    Layout(String),
    /// An axis range or tick list is impossible (empty, reversed, not finite, ticks outside).
    #[error("{axis}: {message}")]
    Axis {
        /// `panel N "title", x axis`.
        axis: String,
        /// What is wrong.
        message: String,
    },
    /// A log axis whose range includes zero or negative values.
    #[error("{axis}: a log scale needs a positive range, got [{lo}, {hi}]")]
    LogRange {
        /// `panel N "title", y axis`.
        axis: String,
        /// Lower end of the range.
        lo: f64,
        /// Upper end of the range.
        hi: f64,
    },
    /// A series refers to data the panel was not given.
    #[error("{series}: no data for `{reference}`")]
    MissingData {
        /// `panel N "title", series M (kind "label")`.
        series: String,
        /// The data reference, e.g. `curves.y`.
        reference: String,
    },
    /// A line, scatter, band, segments or heatmap series with no points.
    #[error("{series}: `{reference}` is empty")]
    EmptySeries {
        /// `panel N "title", series M (kind "label")`.
        series: String,
        /// The data reference that has no values.
        reference: String,
    },
    /// Columns of one series differ in length (x and y, lo and hi, ...).
    #[error("{series}: `{first}` has {first_len} values but `{second}` has {second_len}")]
    LengthMismatch {
        /// `panel N "title", series M (kind "label")`.
        series: String,
        /// The first reference.
        first: String,
        /// Its length.
        first_len: usize,
        /// The reference that does not match it.
        second: String,
        /// Its length.
        second_len: usize,
    },
    /// Any other impossible value in a series (a heatmap of the wrong size, a bad dash ...).
    #[error("{series}: {message}")]
    Series {
        /// `panel N "title", series M (kind "label")`.
        series: String,
        /// What is wrong.
        message: String,
    },
    /// plotters failed to draw (it writes into a `String`, so this should not happen).
    #[error("drawing failed: {0}")]
    Draw(String),
}
