//! The runtime figure (specs plus resolved numbers), its checks, and the placement of panels on
//! the grid.

use std::collections::BTreeMap;

use crate::spec::{
    AxisSpec, Dash, HeatmapSpec, LayoutSpec, Order, PanelSpec, Positions, Scale, SeriesSpec, Value,
};
use crate::{Error, Result, Style};

/// A figure ready to draw: the layout and the panels with their data.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    /// The `[layout]` table.
    pub layout: LayoutSpec,
    /// The panels, in spec order.
    pub panels: Vec<Panel>,
}

/// One panel: its spec and the numbers behind each of its references.
#[derive(Clone, Debug, PartialEq)]
pub struct Panel {
    /// The `[[panel]]` table.
    pub spec: PanelSpec,
    /// Reference (as in [`PanelSpec::references`]) -> values.
    pub data: BTreeMap<String, Vec<f64>>,
}

impl Panel {
    /// A panel with no data yet.
    pub fn new(spec: PanelSpec) -> Panel {
        Panel {
            spec,
            data: BTreeMap::new(),
        }
    }

    /// Adds (or replaces) the values of one reference.
    pub fn with(mut self, reference: &str, values: Vec<f64>) -> Panel {
        self.data.insert(reference.to_string(), values);
        self
    }

    /// The references of the spec that have no data.
    pub fn missing(&self) -> Vec<&str> {
        self.spec
            .references()
            .into_iter()
            .filter(|r| !self.data.contains_key(*r))
            .collect()
    }
}

impl Figure {
    /// Every problem of the figure, specs and data, in panel and series order (empty when it
    /// can be drawn). [`crate::render_svg`] fails with the first of them.
    pub fn problems(&self, style: &Style) -> Vec<Error> {
        let specs: Vec<&PanelSpec> = self.panels.iter().map(|p| &p.spec).collect();
        let mut problems = check_specs_of(&self.layout, &specs, style);
        for (i, panel) in self.panels.iter().enumerate() {
            for (j, series) in panel.spec.series.iter().enumerate() {
                if let Err(e) = check_data(series, &panel.data, &series_name(i, &panel.spec, j)) {
                    problems.push(e);
                }
            }
        }
        problems
    }
}

/// Checks a figure's plot specs without data: the layout, axis ranges and ticks, colours,
/// dash patterns and sizes. Returns every problem found (empty when all is well), so the
/// pipeline can report them all at `check` time.
pub fn check_specs(layout: &LayoutSpec, panels: &[PanelSpec], style: &Style) -> Vec<Error> {
    let specs: Vec<&PanelSpec> = panels.iter().collect();
    check_specs_of(layout, &specs, style)
}

fn check_specs_of(layout: &LayoutSpec, panels: &[&PanelSpec], style: &Style) -> Vec<Error> {
    let mut problems = Vec::new();
    if let Err(e) = place(layout, panels) {
        problems.push(e);
    }
    for (name, size) in [("width", layout.width), ("height", layout.height)] {
        if let Some(v) = size
            && !(v.is_finite() && v > 0.0)
        {
            problems.push(Error::Layout(format!(
                "{name} must be a positive number of pt, got {v}"
            )));
        }
    }
    for (i, panel) in panels.iter().enumerate() {
        for (axis, which) in [(&panel.x, "x"), (&panel.y, "y")] {
            if let Err(e) = check_axis(axis, &format!("{}, {which} axis", panel_name(i, panel))) {
                problems.push(e);
            }
        }
        for (j, series) in panel.series.iter().enumerate() {
            if let Err(e) = check_series(series, style, &series_name(i, panel, j)) {
                problems.push(e);
            }
        }
    }
    problems
}

/// `panel 2 "Test error"` (1-based).
pub(crate) fn panel_name(index: usize, panel: &PanelSpec) -> String {
    match &panel.title {
        Some(title) => format!("panel {} {title:?}", index + 1),
        None => format!("panel {}", index + 1),
    }
}

/// `panel 2 "Test error", series 1 (line "Train")` (1-based).
pub(crate) fn series_name(panel_index: usize, panel: &PanelSpec, series_index: usize) -> String {
    let series = &panel.series[series_index];
    let label = match series.label() {
        Some(label) => format!(" {label:?}"),
        None => String::new(),
    };
    format!(
        "{}, series {} ({}{label})",
        panel_name(panel_index, panel),
        series_index + 1,
        series.kind()
    )
}

fn check_axis(axis: &AxisSpec, name: &str) -> Result<()> {
    let bad = |message: String| {
        Err(Error::Axis {
            axis: name.to_string(),
            message,
        })
    };
    let [lo, hi] = axis.range;
    if !(lo.is_finite() && hi.is_finite() && lo < hi) {
        return bad(format!(
            "range must be [lo, hi] with lo < hi, got [{lo}, {hi}]"
        ));
    }
    if axis.scale == Scale::Log && lo <= 0.0 {
        return Err(Error::LogRange {
            axis: name.to_string(),
            lo,
            hi,
        });
    }
    if let Some(ticks) = &axis.ticks {
        let tolerance = (hi - lo) * 1e-9;
        if let Some(t) = ticks
            .iter()
            .find(|t| !(t.is_finite() && **t >= lo - tolerance && **t <= hi + tolerance))
        {
            return bad(format!("tick {t} lies outside the range [{lo}, {hi}]"));
        }
        if ticks.windows(2).any(|p| p[0] >= p[1]) {
            return bad("ticks must increase".to_string());
        }
    }
    if axis.decimals > 12 {
        return bad(format!("at most 12 decimals, got {}", axis.decimals));
    }
    Ok(())
}

fn check_series(series: &SeriesSpec, style: &Style, name: &str) -> Result<()> {
    let bad = |message: String| {
        Err(Error::Series {
            series: name.to_string(),
            message,
        })
    };
    let with_name = |e: Error| match e {
        Error::UnknownColor { .. } => Error::Series {
            series: name.to_string(),
            message: e.to_string(),
        },
        e => e,
    };
    if let Some(color) = series.color() {
        style.color(color).map_err(with_name)?;
    }
    let check_dash = |dash: &Dash| match dash {
        Dash::Pattern(p) => crate::style::check_dash(p).or_else(bad),
        _ => Ok(()),
    };
    let check_opacity = |o: f64| {
        if o > 0.0 && o <= 1.0 {
            Ok(())
        } else {
            bad(format!("opacity must be in (0, 1], got {o}"))
        }
    };
    match series {
        SeriesSpec::Line(s) => check_dash(&s.dash),
        SeriesSpec::Scatter(s) => {
            if let Some(edge) = s.edge.as_deref().filter(|e| *e != "none") {
                style.color(edge).map_err(with_name)?;
            }
            check_opacity(s.opacity)
        }
        SeriesSpec::Band(s) => check_opacity(s.opacity),
        SeriesSpec::Vline(s) | SeriesSpec::Hline(s) => {
            if let Positions::Nums(v) = &s.at
                && v.iter().any(|v| !v.is_finite())
            {
                return bad("positions must be finite".to_string());
            }
            s.dash.as_ref().map_or(Ok(()), check_dash)
        }
        SeriesSpec::Shade(s) => {
            for v in [&s.from, &s.to] {
                if let Value::Num(v) = v
                    && !v.is_finite()
                {
                    return bad(format!("shade bounds must be finite, got {v}"));
                }
            }
            Ok(())
        }
        SeriesSpec::Segments(s) => check_dash(&s.dash),
        SeriesSpec::Text(s) => {
            if s.at.iter().any(|v| !v.is_finite()) {
                return bad(format!("text position must be finite, got {:?}", s.at));
            }
            if s.value.is_some() && !s.text.contains("{}") {
                return bad("`value` is given but `text` has no `{}` to put it in".to_string());
            }
            if s.decimals > 12 {
                return bad(format!("at most 12 decimals, got {}", s.decimals));
            }
            Ok(())
        }
        SeriesSpec::Heatmap(s) => check_heatmap(s).or_else(bad),
    }
}

fn check_heatmap(s: &HeatmapSpec) -> std::result::Result<(), String> {
    if s.nx == 0 || s.ny == 0 {
        return Err(format!(
            "nx and ny must be positive, got {} x {}",
            s.nx, s.ny
        ));
    }
    if let Some([x0, x1, y0, y1]) = s.extent
        && !(x0.is_finite()
            && x1.is_finite()
            && y0.is_finite()
            && y1.is_finite()
            && x0 < x1
            && y0 < y1)
    {
        return Err(format!(
            "extent must be [x_lo, x_hi, y_lo, y_hi] with lo < hi, got {:?}",
            s.extent
        ));
    }
    if let Some([lo, hi]) = s.range
        && !(lo.is_finite() && hi.is_finite() && lo < hi)
    {
        return Err(format!(
            "range must be [lo, hi] with lo < hi, got [{lo}, {hi}]"
        ));
    }
    Ok(())
}

/// Looks a reference up in a panel's data.
pub(crate) fn lookup<'d>(
    data: &'d BTreeMap<String, Vec<f64>>,
    reference: &str,
    series: &str,
) -> Result<&'d [f64]> {
    data.get(reference)
        .map(Vec::as_slice)
        .ok_or_else(|| Error::MissingData {
            series: series.to_string(),
            reference: reference.to_string(),
        })
}

/// Looks up columns that must be non-empty and of one length.
pub(crate) fn columns<'d>(
    data: &'d BTreeMap<String, Vec<f64>>,
    references: &[&str],
    series: &str,
) -> Result<Vec<&'d [f64]>> {
    let mut out = Vec::with_capacity(references.len());
    for r in references {
        let values = lookup(data, r, series)?;
        if values.is_empty() {
            return Err(Error::EmptySeries {
                series: series.to_string(),
                reference: r.to_string(),
            });
        }
        if let Some(first) = out.first().map(|v: &&[f64]| v.len())
            && values.len() != first
        {
            return Err(Error::LengthMismatch {
                series: series.to_string(),
                first: references[0].to_string(),
                first_len: first,
                second: r.to_string(),
                second_len: values.len(),
            });
        }
        out.push(values);
    }
    Ok(out)
}

/// Looks up a reference that must hold exactly one value.
pub(crate) fn scalar(
    data: &BTreeMap<String, Vec<f64>>,
    value: &Value,
    series: &str,
) -> Result<f64> {
    match value {
        Value::Num(v) => Ok(*v),
        Value::Ref(r) => match lookup(data, r, series)? {
            [v] => Ok(*v),
            values => Err(Error::Series {
                series: series.to_string(),
                message: format!("`{r}` must hold one value, it has {}", values.len()),
            }),
        },
    }
}

/// Checks that the data a series needs is present and consistent.
fn check_data(series: &SeriesSpec, data: &BTreeMap<String, Vec<f64>>, name: &str) -> Result<()> {
    match series {
        SeriesSpec::Line(s) => columns(data, &[&s.x, &s.y], name).map(drop),
        SeriesSpec::Scatter(s) => columns(data, &[&s.x, &s.y], name).map(drop),
        SeriesSpec::Band(s) => columns(data, &[&s.x, &s.lo, &s.hi], name).map(drop),
        SeriesSpec::Segments(s) => {
            let x2 = s.x2.as_deref().unwrap_or(&s.x);
            columns(data, &[&s.x, &s.y, x2, &s.y2], name).map(drop)
        }
        SeriesSpec::Vline(s) | SeriesSpec::Hline(s) => match &s.at {
            Positions::Ref(r) => lookup(data, r, name).map(drop),
            Positions::Nums(_) => Ok(()),
        },
        SeriesSpec::Shade(s) => {
            scalar(data, &s.from, name)?;
            scalar(data, &s.to, name).map(drop)
        }
        SeriesSpec::Text(s) => match &s.value {
            Some(r) => scalar(data, &Value::Ref(r.clone()), name).map(drop),
            None => Ok(()),
        },
        SeriesSpec::Heatmap(s) => {
            let z = columns(data, &[&s.z], name)?[0];
            if z.len() != s.nx * s.ny {
                return Err(Error::Series {
                    series: name.to_string(),
                    message: format!(
                        "`{}` has {} values but nx * ny = {} * {} = {}",
                        s.z,
                        z.len(),
                        s.nx,
                        s.ny,
                        s.nx * s.ny
                    ),
                });
            }
            Ok(())
        }
    }
}

/// Where each panel sits and which letter it carries.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Grid {
    /// Rows of the grid.
    pub rows: usize,
    /// Columns of the grid.
    pub cols: usize,
    /// `(row, col)` of each panel, in panel order.
    pub cells: Vec<(usize, usize)>,
    /// The letter of each panel, in panel order.
    pub letters: Vec<Option<char>>,
}

/// Places the panels on the grid and assigns letters.
pub(crate) fn place(layout: &LayoutSpec, panels: &[&PanelSpec]) -> Result<Grid> {
    let n = panels.len();
    if n == 0 {
        return Err(Error::Layout("the figure has no panels".to_string()));
    }
    let (rows, cols) = match (layout.rows, layout.cols) {
        (Some(r), Some(c)) => (r, c),
        (Some(r), None) => (r, n.div_ceil(r.max(1))),
        (None, Some(c)) => (n.div_ceil(c.max(1)), c),
        (None, None) => (1, n),
    };
    if rows == 0 || cols == 0 {
        return Err(Error::Layout(format!(
            "a {rows} x {cols} grid holds no panels"
        )));
    }
    if n > rows * cols {
        return Err(Error::Layout(format!(
            "{n} panels do not fit a {rows} x {cols} grid"
        )));
    }
    let order_key = |(r, c): (usize, usize)| match layout.order {
        Order::RowMajor => (r, c),
        Order::ColumnMajor => (c, r),
    };
    let mut taken: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    let mut cells = vec![None; n];
    for (i, panel) in panels.iter().enumerate() {
        if let Some([r, c]) = panel.cell {
            if r >= rows || c >= cols {
                return Err(Error::Layout(format!(
                    "{} asks for cell [{r}, {c}] outside the {rows} x {cols} grid",
                    panel_name(i, panel)
                )));
            }
            if let Some(other) = taken.insert((r, c), i) {
                return Err(Error::Layout(format!(
                    "{} and {} both ask for cell [{r}, {c}]",
                    panel_name(other, panels[other]),
                    panel_name(i, panel)
                )));
            }
            cells[i] = Some((r, c));
        }
    }
    let mut free = (0..rows * cols)
        .map(|k| match layout.order {
            Order::RowMajor => (k / cols, k % cols),
            Order::ColumnMajor => (k % rows, k / rows),
        })
        .filter(|cell| !taken.contains_key(cell));
    let cells: Vec<(usize, usize)> = cells
        .into_iter()
        .map(|cell| cell.or_else(|| free.next()).expect("n <= rows * cols"))
        .collect();
    let mut lettered: Vec<usize> = (0..n)
        .filter(|&i| panels[i].letter.unwrap_or(n > 1))
        .collect();
    lettered.sort_by_key(|&i| order_key(cells[i]));
    let mut letters = vec![None; n];
    for (k, i) in lettered.into_iter().enumerate() {
        letters[i] = Some(letter(k));
    }
    Ok(Grid {
        rows,
        cols,
        cells,
        letters,
    })
}

/// a, b, ..., z, then A, B, ... (the book never goes past a handful).
fn letter(k: usize) -> char {
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    char::from(LETTERS[k % LETTERS.len()])
}
