//! The runtime figure (specs plus resolved numbers), its checks, and the placement of panels on
//! the grid.

use std::collections::BTreeMap;

use crate::spec::{
    AxisSpec, Dash, LayoutSpec, Levels, Order, PanelSpec, Positions, Scale, SeriesSpec, Value,
    Width,
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
    if let Ok(grid) = place(layout, panels) {
        problems.extend(check_shared(layout, panels, &grid));
    }
    for (i, panel) in panels.iter().enumerate() {
        let axes = [
            (Some(&panel.x), "x"),
            (Some(&panel.y), "y"),
            (panel.z.as_ref(), "z"),
        ];
        for (axis, which) in axes {
            let Some(axis) = axis else { continue };
            let name = format!("{}, {which} axis", panel_name(i, panel));
            if let Err(e) = check_axis(axis, &name) {
                problems.push(e);
            } else if panel.is_3d() && axis.scale == Scale::Log {
                problems.push(Error::Axis {
                    axis: name,
                    message: "a 3D panel has linear axes only".to_string(),
                });
            } else if panel.is_3d() && axis.invert {
                problems.push(Error::Axis {
                    axis: name,
                    message: "a 3D panel cannot invert its axes".to_string(),
                });
            }
        }
        if let Some(p) = &panel.projection {
            let elevation_ok = p.elevation.is_none_or(|e| e.is_finite() && e.abs() < 90.0);
            if !(p.azimuth.is_none_or(f64::is_finite) && elevation_ok) {
                problems.push(Error::Layout(format!(
                    "{}: projection needs a finite azimuth and an elevation in (-90, 90), got {p:?}",
                    panel_name(i, panel)
                )));
            }
        }
        for (j, series) in panel.series.iter().enumerate() {
            let name = series_name(i, panel, j);
            if let Err(e) = check_dimension(series, panel.is_3d(), &name) {
                problems.push(e);
            } else if let Err(e) = check_series(series, style, &name) {
                problems.push(e);
            }
        }
    }
    problems
}

/// With `share-y`, the panels of each row must have one y range, scale and direction; with
/// `share-x`, the panels of each column one x range, scale and direction.
fn check_shared(layout: &LayoutSpec, panels: &[&PanelSpec], grid: &Grid) -> Vec<Error> {
    let mut problems = Vec::new();
    for (share, which) in [(layout.share_y, "y"), (layout.share_x, "x")] {
        if !share {
            continue;
        }
        // Row (for y) or column (for x) -> the first panel seen in it.
        let mut first: BTreeMap<usize, usize> = BTreeMap::new();
        for (i, panel) in panels.iter().enumerate().filter(|(_, p)| !p.is_3d()) {
            let (r, c) = grid.cells[i];
            let line = if which == "y" { r } else { c };
            let axis = |p: &PanelSpec| {
                let a = if which == "y" { &p.y } else { &p.x };
                (a.range, a.scale, a.invert)
            };
            let describe = |(range, scale, invert): ([f64; 2], Scale, bool)| {
                let inverted = if invert { ", inverted" } else { "" };
                format!("{range:?} ({scale:?}{inverted})")
            };
            match first.get(&line) {
                None => {
                    first.insert(line, i);
                }
                Some(&k) if axis(panels[k]) != axis(panel) => {
                    problems.push(Error::Layout(format!(
                        "share-{which}: {} has {which} range {} but {} in the same {} has {}",
                        panel_name(i, panel),
                        describe(axis(panel)),
                        panel_name(k, panels[k]),
                        if which == "y" { "row" } else { "column" },
                        describe(axis(panels[k])),
                    )));
                }
                Some(_) => {}
            }
        }
    }
    problems
}

/// 3D panels take surfaces and scatters with `z`; 2D panels take everything else.
fn check_dimension(series: &SeriesSpec, is_3d: bool, name: &str) -> Result<()> {
    let message = match (series, is_3d) {
        (SeriesSpec::Surface(_), false) => {
            "a surface needs a 3D panel: give the panel a `z` axis".to_string()
        }
        (SeriesSpec::Scatter(s), false) if s.z.is_some() => {
            "`z` is only for scatters in a 3D panel (one with a `z` axis)".to_string()
        }
        (SeriesSpec::Scatter(s), true) if s.z.is_none() => {
            "a scatter in a 3D panel needs `z`, the heights of its points".to_string()
        }
        (SeriesSpec::Surface(_) | SeriesSpec::Scatter(_), true) | (_, false) => return Ok(()),
        (other, true) => format!(
            "a 3D panel draws only `surface` and `scatter` series, not `{}`",
            other.kind()
        ),
    };
    Err(Error::Series {
        series: name.to_string(),
        message,
    })
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
            if let Some(w) = s.edge_width
                && !(w.is_finite() && w >= 0.0)
            {
                return bad(format!("edge-width must be zero or more pt, got {w}"));
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
        SeriesSpec::Heatmap(s) => {
            check_grid(s.nx, s.ny, s.extent, 1).or_else(bad)?;
            check_range(s.range).or_else(bad)?;
            if let Some(cb) = &s.colorbar {
                if let Some(ticks) = &cb.ticks
                    && (ticks.iter().any(|t| !t.is_finite())
                        || ticks.windows(2).any(|p| p[0] >= p[1]))
                {
                    return bad("colorbar ticks must be finite and increase".to_string());
                }
                if cb.decimals > 12 {
                    return bad(format!("at most 12 decimals, got {}", cb.decimals));
                }
            }
            Ok(())
        }
        SeriesSpec::Contour(s) => {
            check_grid(s.nx, s.ny, s.extent, 2).or_else(bad)?;
            check_range(s.range).or_else(bad)?;
            check_levels(&s.levels).or_else(bad)?;
            check_width(s.width).or_else(bad)?;
            check_dash(&s.dash)?;
            s.opacity.map_or(Ok(()), check_opacity)
        }
        SeriesSpec::Path(s) => {
            if let Some(c) = &s.start_color {
                style.color(c).map_err(with_name)?;
            }
            check_dash(&s.dash)
        }
        SeriesSpec::Arrow(s) => {
            for v in s.from.iter().chain(&s.to) {
                if let Value::Num(v) = v
                    && !v.is_finite()
                {
                    return bad(format!("arrow ends must be finite, got {v}"));
                }
            }
            if let Some(head) = s.head
                && !head.iter().all(|v| v.is_finite() && *v > 0.0)
            {
                return bad(format!(
                    "head must be [length, width] in pt, both positive, got {head:?}"
                ));
            }
            check_dash(&s.dash)
        }
        SeriesSpec::Bars(s) => {
            if !(s.width.is_finite() && s.width > 0.0) {
                return bad(format!("bar width must be positive, got {}", s.width));
            }
            if !s.bottom.is_finite() {
                return bad(format!("bottom must be finite, got {}", s.bottom));
            }
            check_opacity(s.opacity)
        }
        SeriesSpec::Histogram(s) => {
            check_levels(&s.bins).or_else(bad)?;
            if let Levels::Values(edges) = &s.bins
                && edges.len() < 2
            {
                return bad("bins needs at least two edges".to_string());
            }
            check_range(s.range).or_else(bad)?;
            check_opacity(s.opacity)
        }
        SeriesSpec::Regions(s) => {
            check_grid(s.nx, s.ny, s.extent, 1).or_else(bad)?;
            for c in s.colors.iter().flatten() {
                style.color(c).map_err(with_name)?;
            }
            if s.colors.as_ref().is_some_and(Vec::is_empty) {
                return bad("colors needs at least one colour".to_string());
            }
            check_width(Some(s.boundary_width)).or_else(bad)?;
            if !(s.simplify.is_finite() && s.simplify >= 0.0) {
                return bad(format!(
                    "simplify must be zero or more cells, got {}",
                    s.simplify
                ));
            }
            Ok(())
        }
        SeriesSpec::Surface(s) => {
            check_grid(s.nx, s.ny, s.extent, 2).or_else(bad)?;
            check_range(s.range).or_else(bad)?;
            if let Some(shade) = s.shade
                && !(0.0..=1.0).contains(&shade)
            {
                return bad(format!("shade must be in [0, 1], got {shade}"));
            }
            Ok(())
        }
    }
}

/// A grid of `nx` x `ny` (each at least `min`) over an optional extent.
fn check_grid(
    nx: usize,
    ny: usize,
    extent: Option<[f64; 4]>,
    min: usize,
) -> std::result::Result<(), String> {
    if nx < min || ny < min {
        return Err(format!("nx and ny must be at least {min}, got {nx} x {ny}"));
    }
    if let Some([x0, x1, y0, y1]) = extent
        && !(x0.is_finite()
            && x1.is_finite()
            && y0.is_finite()
            && y1.is_finite()
            && x0 < x1
            && y0 < y1)
    {
        return Err(format!(
            "extent must be [x_lo, x_hi, y_lo, y_hi] with lo < hi, got {extent:?}"
        ));
    }
    Ok(())
}

/// An optional `[lo, hi]` with lo < hi.
fn check_range(range: Option<[f64; 2]>) -> std::result::Result<(), String> {
    if let Some([lo, hi]) = range
        && !(lo.is_finite() && hi.is_finite() && lo < hi)
    {
        return Err(format!(
            "range must be [lo, hi] with lo < hi, got [{lo}, {hi}]"
        ));
    }
    Ok(())
}

/// Explicit levels or edges must be finite and increase.
fn check_levels(levels: &Levels) -> std::result::Result<(), String> {
    match levels {
        Levels::Count(0) => Err("a count must be positive".to_string()),
        Levels::Values(v) if v.is_empty() => Err("the list of values is empty".to_string()),
        Levels::Values(v) => check_increasing(v),
        _ => Ok(()),
    }
}

fn check_increasing(v: &[f64]) -> std::result::Result<(), String> {
    if v.iter().any(|x| !x.is_finite()) || v.windows(2).any(|p| p[0] >= p[1]) {
        Err(format!("values must be finite and increase, got {v:?}"))
    } else {
        Ok(())
    }
}

/// Explicit widths are checked when parsed; this is for widths built in code.
fn check_width(width: Option<Width>) -> std::result::Result<(), String> {
    match width {
        Some(Width::Pt(v)) if !(v.is_finite() && v > 0.0) => {
            Err(format!("a width must be positive, got {v}"))
        }
        _ => Ok(()),
    }
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
        SeriesSpec::Scatter(s) => {
            let mut refs = vec![s.x.as_str(), s.y.as_str()];
            refs.extend(s.z.as_deref());
            columns(data, &refs, name).map(drop)
        }
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
        SeriesSpec::Heatmap(s) => grid_values(data, &s.z, s.nx, s.ny, name).map(drop),
        SeriesSpec::Contour(s) => {
            grid_values(data, &s.z, s.nx, s.ny, name)?;
            if let Levels::Ref(r) = &s.levels {
                let levels = columns(data, &[r], name)?[0];
                check_increasing(levels).map_err(|m| Error::Series {
                    series: name.to_string(),
                    message: format!("`{r}`: {m}"),
                })?;
            }
            Ok(())
        }
        SeriesSpec::Path(s) => columns(data, &[&s.x, &s.y], name).map(drop),
        SeriesSpec::Arrow(s) => {
            for v in s.from.iter().chain(&s.to) {
                scalar(data, v, name)?;
            }
            Ok(())
        }
        SeriesSpec::Bars(s) => columns(data, &[&s.x, &s.height], name).map(drop),
        SeriesSpec::Histogram(s) => {
            columns(data, &[&s.values], name)?;
            if let Levels::Ref(r) = &s.bins {
                let edges = columns(data, &[r], name)?[0];
                let ok = check_increasing(edges).and_then(|()| {
                    if edges.len() >= 2 {
                        Ok(())
                    } else {
                        Err("bins needs at least two edges".to_string())
                    }
                });
                ok.map_err(|m| Error::Series {
                    series: name.to_string(),
                    message: format!("`{r}`: {m}"),
                })?;
            }
            Ok(())
        }
        SeriesSpec::Regions(s) => grid_values(data, &s.ids, s.nx, s.ny, name).map(drop),
        SeriesSpec::Surface(s) => grid_values(data, &s.z, s.nx, s.ny, name).map(drop),
    }
}

/// Looks up a grid's values and checks that there are `nx * ny` of them.
pub(crate) fn grid_values<'d>(
    data: &'d BTreeMap<String, Vec<f64>>,
    reference: &str,
    nx: usize,
    ny: usize,
    series: &str,
) -> Result<&'d [f64]> {
    let z = columns(data, &[reference], series)?[0];
    if z.len() != nx * ny {
        return Err(Error::Series {
            series: series.to_string(),
            message: format!(
                "`{reference}` has {} values but nx * ny = {nx} * {ny} = {}",
                z.len(),
                nx * ny
            ),
        });
    }
    Ok(z)
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
