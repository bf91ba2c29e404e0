//! Linear regions of piecewise-linear networks, counted on grids by activation pattern (UDL
//! sections 3.1.1 and 3.3 for shallow networks, figs. 3.3 and 3.8; section 4.1 for composed and
//! deep networks, figs. 4.1 and 4.2).
//!
//! The activation pattern at x says which hidden units are active (pre-activation > 0). With
//! ReLU-like activations a network is linear wherever its pattern is constant, and the set of
//! inputs with one pattern is convex (layer by layer, each unit's pre-activation is affine on it,
//! so it is an intersection of half-spaces). Regions are therefore counted as
//!
//! - on a 1-D grid, maximal runs of equal patterns ([`regions_1d`]); the boundaries between runs
//!   are refined by bisection on the network to the joint positions;
//! - on a 2-D grid, distinct patterns ([`regions_2d`]): 4-connected components are found by
//!   flood fill, and components that share a pattern are merged, because a pattern's region is
//!   convex and a split can only come from a grid too coarse near a crossing of joints.
//!
//! A composition counts the patterns of every network's hidden units together, so its regions
//! are the maximal sets on which the composite is linear given the joints of both networks.
//! Pattern regions are the book's linear regions; they can outnumber the distinct linear pieces
//! of the output when neighbouring patterns happen to give the same linear function (e.g. a
//! hidden unit whose outgoing weights are all zero).
//!
//! Grid points that lie exactly on a joint (a pre-activation zero within [`TIE_TOLERANCE`] of
//! the unit's largest magnitude on the grid, which absorbs rounding) belong to no side; such a
//! unit takes its state from the left neighbour (the one below in column 0; the nearest decided
//! point for the first point), so a joint through grid points, or through a grid end, adds no
//! spurious region. Regions narrower than the grid spacing can be missed (or, on a 2-D grid,
//! split where only diagonal neighbours connect them): use a grid fine enough for the figure.
//! [`exact_boundaries_1d`] finds the joints of a 1-input network without a grid.

use crate::{Error, Result};
use data::{GridSpec, Table};
use models::deep::{GridEval, Network, activation_is_piecewise_linear};
use serde::{Deserialize, Serialize};

/// A pre-activation within this fraction of its unit's largest magnitude on the grid is zero:
/// the point lies on that unit's joint.
pub const TIE_TOLERANCE: f64 = 1e-9;

/// Activation patterns at the points of an `nx × ny` grid (`ny = 1` for a 1-D grid), one bit per
/// hidden unit, with points on a joint resolved as described in the module docs.
///
/// Points are row-major from the bottom row: point `p = j·nx + i`, as in [`GridEval`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Patterns {
    nx: usize,
    ny: usize,
    units: usize,
    words: usize,
    bits: Vec<u64>,
}

impl Patterns {
    /// Patterns from one pre-activation column per hidden unit, each with `nx·ny` values. Fails
    /// with [`Error::Unsupported`] if a column has another length.
    pub fn new(pre: &[&[f64]], nx: usize, ny: usize) -> Result<Self> {
        let n = nx * ny;
        if let Some((u, col)) = pre.iter().enumerate().find(|(_, c)| c.len() != n) {
            return Err(Error::Unsupported(format!(
                "pre-activation column {u} has {} values, expected {nx} × {ny} = {n}",
                col.len()
            )));
        }
        let words = pre.len().div_ceil(64).max(1);
        let mut patterns = Patterns {
            nx,
            ny,
            units: pre.len(),
            words,
            bits: vec![0; n * words],
        };
        let mut resolved = vec![false; n];
        for (u, col) in pre.iter().enumerate() {
            let tol = TIE_TOLERANCE * col.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            let sign = |p: usize| -> Option<bool> {
                let v = col[p];
                if v > tol {
                    Some(true)
                } else if v < -tol {
                    Some(false)
                } else {
                    None
                }
            };
            for p in 0..n {
                let (i, j) = (p % nx, p / nx);
                resolved[p] = match sign(p) {
                    Some(active) => active,
                    None if i > 0 => resolved[p - 1],
                    None if j > 0 => resolved[p - nx],
                    // The first point: the nearest decided point along the bottom row, then up
                    // the first column, then anywhere; inactive if the unit is zero everywhere.
                    None => (0..nx)
                        .chain((1..ny).map(|j| j * nx))
                        .chain(0..n)
                        .find_map(sign)
                        .unwrap_or(false),
                };
            }
            for (p, &active) in resolved.iter().enumerate() {
                if active {
                    patterns.bits[p * words + u / 64] |= 1 << (u % 64);
                }
            }
        }
        Ok(patterns)
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.nx * self.ny
    }

    /// Whether there are no points.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of hidden units.
    pub fn units(&self) -> usize {
        self.units
    }

    /// Whether unit `u` is active at point `p` (after resolving ties).
    pub fn active(&self, p: usize, u: usize) -> bool {
        self.bits[p * self.words + u / 64] >> (u % 64) & 1 == 1
    }

    /// The pattern at point `p`: one flag per unit, true where active.
    pub fn pattern(&self, p: usize) -> Vec<bool> {
        (0..self.units).map(|u| self.active(p, u)).collect()
    }

    fn key(&self, p: usize) -> &[u64] {
        &self.bits[p * self.words..(p + 1) * self.words]
    }
}

/// Maximal runs of equal patterns along the points in order (a 1-D grid): the number of runs
/// and each point's run id (0, 1, … from the first point).
pub fn label_runs(patterns: &Patterns) -> (usize, Vec<usize>) {
    let mut ids = Vec::with_capacity(patterns.len());
    let mut id = 0;
    for p in 0..patterns.len() {
        if p > 0 && patterns.key(p) != patterns.key(p - 1) {
            id += 1;
        }
        ids.push(id);
    }
    (if ids.is_empty() { 0 } else { id + 1 }, ids)
}

/// 4-connected components of equal pattern on the `nx × ny` grid (flood fill): the number of
/// components, each point's component id (numbered in order of their first point, row-major from
/// the bottom row), and each component's number of points.
pub fn label_components(patterns: &Patterns) -> (usize, Vec<usize>, Vec<usize>) {
    let (nx, n) = (patterns.nx, patterns.len());
    let mut ids = vec![usize::MAX; n];
    let mut sizes = Vec::new();
    let mut stack = Vec::new();
    for seed in 0..n {
        if ids[seed] != usize::MAX {
            continue;
        }
        let id = sizes.len();
        let key = patterns.key(seed);
        let mut size = 0;
        ids[seed] = id;
        stack.push(seed);
        while let Some(p) = stack.pop() {
            size += 1;
            let (i, j) = (p % nx, p / nx);
            let neighbours = [
                (i > 0).then(|| p - 1),
                (i + 1 < nx).then(|| p + 1),
                (j > 0).then(|| p - nx),
                (p + nx < n).then(|| p + nx),
            ];
            for q in neighbours.into_iter().flatten() {
                if ids[q] == usize::MAX && patterns.key(q) == key {
                    ids[q] = id;
                    stack.push(q);
                }
            }
        }
        sizes.push(size);
    }
    (sizes.len(), ids, sizes)
}

/// Linear regions of a 1-input network along a 1-D grid.
#[derive(Clone, Debug, PartialEq)]
pub struct Regions1d {
    /// Number of regions (maximal runs of one activation pattern).
    pub count: usize,
    /// Region id of every grid point, 0, 1, … from left to right.
    pub ids: Vec<usize>,
    /// The `count − 1` joints between consecutive regions, ascending: where the pattern changes,
    /// located by bisection between the grid points on either side.
    pub boundaries: Vec<f64>,
}

/// Linear regions of a 2-input network on a 2-D grid.
#[derive(Clone, Debug, PartialEq)]
pub struct Regions2d {
    /// Number of regions: distinct activation patterns (each is one convex region).
    pub count: usize,
    /// Number of x1 values (columns).
    pub nx: usize,
    /// Number of x2 values (rows).
    pub ny: usize,
    /// Region id of every point, row-major from the bottom row (as [`GridEval`]); regions are
    /// numbered in order of their first point.
    pub ids: Vec<usize>,
    /// Number of grid points in each region.
    pub sizes: Vec<usize>,
}

/// Counts the linear regions of a 1-input network along the grid `xs` (strictly increasing),
/// and finds the joints between them. Fails for networks with other than one input, an
/// activation that is not piecewise linear, or a grid that is empty, not finite or not
/// increasing.
pub fn regions_1d(net: &dyn Network, xs: &[f64]) -> Result<Regions1d> {
    check_network(net, 1)?;
    if xs.is_empty() || xs.iter().any(|x| !x.is_finite()) || xs.windows(2).any(|w| w[1] <= w[0]) {
        return Err(Error::Unsupported(
            "region counting needs a non-empty grid of finite, strictly increasing x".to_owned(),
        ));
    }
    let pre = pre_columns(net, xs.iter().map(std::slice::from_ref))?;
    let patterns = Patterns::new(&as_slices(&pre), xs.len(), 1)?;
    let (count, ids) = label_runs(&patterns);
    let mut boundaries = Vec::with_capacity(count.saturating_sub(1));
    for p in 1..xs.len() {
        if ids[p] != ids[p - 1] {
            boundaries.push(bisect(net, xs[p - 1], xs[p], &patterns.pattern(p))?);
        }
    }
    Ok(Regions1d {
        count,
        ids,
        boundaries,
    })
}

/// Counts the linear regions of a 2-input network on the grid `x1s × x2s` by flood fill. Fails
/// for networks with other than two inputs, an activation that is not piecewise linear, or an
/// empty grid.
pub fn regions_2d(net: &dyn Network, x1s: &[f64], x2s: &[f64]) -> Result<Regions2d> {
    check_network(net, 2)?;
    let (nx, ny) = (x1s.len(), x2s.len());
    if nx == 0 || ny == 0 || nx.saturating_mul(ny) > models::deep::MAX_GRID_EVAL_POINTS {
        return Err(Error::Unsupported(format!(
            "region counting needs between 1 and {} grid points, found {nx} × {ny}",
            models::deep::MAX_GRID_EVAL_POINTS
        )));
    }
    let points: Vec<[f64; 2]> = x2s
        .iter()
        .flat_map(|&x2| x1s.iter().map(move |&x1| [x1, x2]))
        .collect();
    let pre = pre_columns(net, points.iter().map(|p| p.as_slice()))?;
    Ok(components(&Patterns::new(&as_slices(&pre), nx, ny)?))
}

/// Counts the regions of a network already evaluated on a grid ([`Network::eval_grid`]), from
/// its pre-activation columns. The grid does not record the activation, so unlike
/// [`regions_2d`] this cannot check that it is piecewise linear.
pub fn grid_regions(grid: &GridEval) -> Result<Regions2d> {
    let pre: Vec<&[f64]> = (0..grid.units.len()).map(|u| grid.pre(u)).collect();
    Ok(components(&Patterns::new(&pre, grid.nx, grid.ny)?))
}

/// The joints of a 1-input network on `[start, stop]` without a grid: the points where its
/// activation pattern changes, ascending.
///
/// Layer by layer, each unit's pre-activation is affine between the joints found so far, so its
/// zero crossings are found exactly by linear interpolation; a unit that only touches zero
/// makes no joint. Crossings closer than 1e-12·(stop − start) merge.
pub fn exact_boundaries_1d(net: &dyn Network, start: f64, stop: f64) -> Result<Vec<f64>> {
    check_network(net, 1)?;
    if !(start.is_finite() && stop.is_finite() && start < stop) {
        return Err(Error::Unsupported(format!(
            "expected finite start < stop, found [{start}, {stop}]"
        )));
    }
    let layers = net.unit_layers();
    let depth = layers.last().map_or(0, |&k| k + 1);
    let eps = 1e-12 * (stop - start);
    let mut cuts = vec![start, stop];
    for layer in 0..depth {
        let values = cuts
            .iter()
            .map(|&x| net.hidden_pre_activations(&[x]))
            .collect::<models::Result<Vec<_>>>()?;
        let mut roots = Vec::new();
        for w in 0..cuts.len() - 1 {
            let (a, b) = (cuts[w], cuts[w + 1]);
            for u in (0..layers.len()).filter(|&u| layers[u] == layer) {
                let (va, vb) = (values[w][u], values[w + 1][u]);
                let tol = 1e-12 * va.abs().max(vb.abs());
                if (va > tol && vb < -tol) || (va < -tol && vb > tol) {
                    let root = a + (b - a) * va / (va - vb);
                    if root > start + eps && root < stop - eps {
                        roots.push(root);
                    }
                }
            }
        }
        cuts.extend(roots);
        cuts.sort_by(f64::total_cmp);
        let mut merged: Vec<f64> = Vec::with_capacity(cuts.len());
        for x in cuts {
            match merged.last() {
                Some(&last) if x - last <= eps && x != stop => {}
                _ => merged.push(x),
            }
        }
        cuts = merged;
    }
    let patterns = cuts
        .windows(2)
        .map(|w| raw_pattern(net, w[0] + (w[1] - w[0]) / 2.0))
        .collect::<Result<Vec<_>>>()?;
    Ok((1..patterns.len())
        .filter(|&i| patterns[i] != patterns[i - 1])
        .map(|i| cuts[i])
        .collect())
}

/// Table of a 1-D region count: `x` (the grid), `region` (each point's region id), `count` (one
/// value), `boundaries` (the joints between regions) and one single-value column `boundary.{i}`
/// per joint, e.g. to shade one region between two of them.
pub fn regions_1d_table(xs: &[f64], regions: &Regions1d) -> Table {
    let mut table = Table::new();
    table.insert("x", xs.to_vec());
    table.insert("region", regions.ids.iter().map(|&id| id as f64).collect());
    table.insert("count", vec![regions.count as f64]);
    for (i, b) in regions.boundaries.iter().enumerate() {
        table.insert(format!("boundary.{i}"), vec![*b]);
    }
    table.insert("boundaries", regions.boundaries.clone());
    table
}

/// Table of a 2-D region count: per point (row-major from the bottom row) `x1`, `x2` and
/// `region` (its region id, a region map); per region `size` (its number of points); and the
/// single values `count`, `nx` and `ny`.
pub fn regions_2d_table(x1s: &[f64], x2s: &[f64], regions: &Regions2d) -> Table {
    let mut table = Table::new();
    let (x1, x2) = grid_columns(x1s, x2s);
    table.insert("x1", x1);
    table.insert("x2", x2);
    table.insert("region", regions.ids.iter().map(|&id| id as f64).collect());
    table.insert("size", regions.sizes.iter().map(|&s| s as f64).collect());
    table.insert("count", vec![regions.count as f64]);
    table.insert("nx", vec![regions.nx as f64]);
    table.insert("ny", vec![regions.ny as f64]);
    table
}

/// `kind = "regions"`: counts the linear regions of a 1-input network along `x`, or of a 2-input
/// network on the grid `x1 × x2` (see [`regions`]).
///
/// ```toml
/// [analysis.regions]
/// kind = "regions"
/// model = "composite"                      # a [model.*] or [train.*] section
/// x = { start = -1.0, stop = 1.0, num = 2001 }
///
/// [analysis.regions2d]
/// kind = "regions"
/// model = "net"
/// x1 = { start = 0.0, stop = 10.0, num = 201 }
/// x2 = { start = 0.0, stop = 10.0, num = 201 }
/// ```
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RegionsSpec {
    /// Name of the network: a `[model.*]` section, or a `[train.*]` section's fitted model.
    pub model: String,
    /// The grid of a 1-input network; give either `x`, or `x1` and `x2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<GridSpec>,
    /// The x1 axis (columns) of a 2-input network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x1: Option<GridSpec>,
    /// The x2 axis (rows) of a 2-input network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x2: Option<GridSpec>,
}

impl RegionsSpec {
    /// Impossible values serde cannot see, as `(field path, message)` pairs.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut issues = Vec::new();
        match (&self.x, &self.x1, &self.x2) {
            (Some(x), None, None) => issues.extend(data::nest_issues("x", x.validate())),
            (None, Some(x1), Some(x2)) => {
                issues.extend(data::nest_issues("x1", x1.validate()));
                issues.extend(data::nest_issues("x2", x2.validate()));
                issues.extend(grid_size_issue(x1, x2));
            }
            (Some(_), _, _) => issues.push((
                "x".to_owned(),
                "give either `x` (one input) or `x1` and `x2` (two inputs), not both".to_owned(),
            )),
            (None, None, None) => issues.push((
                "x".to_owned(),
                "expected a grid: `x` for a 1-input network, or `x1` and `x2` for two inputs"
                    .to_owned(),
            )),
            (None, Some(_), None) => {
                issues.push(("x2".to_owned(), "expected `x2` as well as `x1`".to_owned()))
            }
            (None, None, Some(_)) => {
                issues.push(("x1".to_owned(), "expected `x1` as well as `x2`".to_owned()))
            }
        }
        issues
    }

    /// Names of other sections this spec refers to: `("model", …)`.
    pub fn references(&self) -> Vec<(&'static str, &str)> {
        vec![("model", self.model.as_str())]
    }
}

/// Runs a [`RegionsSpec`] on `net`: [`regions_1d_table`] for `x`, [`regions_2d_table`] for `x1`
/// and `x2`.
pub fn regions(net: &dyn Network, spec: &RegionsSpec) -> Result<Table> {
    let issues = spec.validate();
    if !issues.is_empty() {
        return Err(Error::InvalidSpec(issues));
    }
    match (&spec.x, &spec.x1, &spec.x2) {
        (Some(x), _, _) => {
            let xs = x.points();
            Ok(regions_1d_table(&xs, &regions_1d(net, &xs)?))
        }
        (None, Some(x1), Some(x2)) => {
            let (x1s, x2s) = (x1.points(), x2.points());
            Ok(regions_2d_table(&x1s, &x2s, &regions_2d(net, &x1s, &x2s)?))
        }
        _ => unreachable!("validate accepts only x, or x1 and x2"),
    }
}

/// `kind = "evaluate-grid"`: every intermediate series of a 2-input network on the grid
/// `x1 × x2`, for heatmaps such as UDL figs. 3.8 and 4.2 (see [`evaluate_grid`]).
///
/// ```toml
/// [analysis.surface]
/// kind = "evaluate-grid"
/// model = "net"                              # a [model.*] or [train.*] section
/// x1 = { start = 0.0, stop = 10.0, num = 201 }
/// x2 = { start = 0.0, stop = 10.0, num = 201 }
/// ```
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct EvaluateGridSpec {
    /// Name of the network: a `[model.*]` section, or a `[train.*]` section's fitted model.
    pub model: String,
    /// The x1 axis (columns).
    pub x1: GridSpec,
    /// The x2 axis (rows).
    pub x2: GridSpec,
}

impl EvaluateGridSpec {
    /// Impossible values serde cannot see, as `(field path, message)` pairs.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut issues = data::nest_issues("x1", self.x1.validate());
        issues.extend(data::nest_issues("x2", self.x2.validate()));
        issues.extend(grid_size_issue(&self.x1, &self.x2));
        issues
    }

    /// Names of other sections this spec refers to: `("model", …)`.
    pub fn references(&self) -> Vec<(&'static str, &str)> {
        vec![("model", self.model.as_str())]
    }
}

/// Runs an [`EvaluateGridSpec`]: the columns of [`GridEval`] (`x1`, `x2`, `pre.*`, `act.*`,
/// `weighted.*`, `y.{o}`, `y`, one value per point, row-major from the bottom row) plus the
/// single values `nx` and `ny`.
pub fn evaluate_grid(net: &dyn Network, spec: &EvaluateGridSpec) -> Result<Table> {
    let issues = spec.validate();
    if !issues.is_empty() {
        return Err(Error::InvalidSpec(issues));
    }
    let grid = net.eval_grid(&spec.x1.points(), &spec.x2.points())?;
    let mut table = Table::from(grid.trace.series);
    table.insert("nx", vec![grid.nx as f64]);
    table.insert("ny", vec![grid.ny as f64]);
    Ok(table)
}

fn grid_size_issue(x1: &GridSpec, x2: &GridSpec) -> Option<(String, String)> {
    let max = models::deep::MAX_GRID_EVAL_POINTS;
    (x1.num.saturating_mul(x2.num) > max).then(|| {
        (
            "x2.num".to_owned(),
            format!(
                "expected at most {max} grid points in all, found {} × {}",
                x1.num, x2.num
            ),
        )
    })
}

/// Fails unless `net` has `inputs` inputs and piecewise-linear activations.
fn check_network(net: &dyn Network, inputs: usize) -> Result<()> {
    if net.input_dim() != inputs {
        return Err(Error::Unsupported(format!(
            "this region count needs a network with {inputs} input{}, this one has {}",
            if inputs == 1 { "" } else { "s" },
            net.input_dim()
        )));
    }
    if let Some(a) = net
        .activations()
        .into_iter()
        .find(|&a| !activation_is_piecewise_linear(a))
    {
        return Err(Error::Unsupported(format!(
            "linear regions need a piecewise-linear activation (relu, leaky-relu, prelu, heaviside), this network uses {}",
            a.name()
        )));
    }
    Ok(())
}

/// One pre-activation column per hidden unit over the points.
fn pre_columns<'a>(
    net: &dyn Network,
    points: impl Iterator<Item = &'a [f64]>,
) -> Result<Vec<Vec<f64>>> {
    let mut columns = vec![Vec::new(); net.unit_names().len()];
    for x in points {
        for (col, v) in columns.iter_mut().zip(net.hidden_pre_activations(x)?) {
            col.push(v);
        }
    }
    Ok(columns)
}

fn as_slices(columns: &[Vec<f64>]) -> Vec<&[f64]> {
    columns.iter().map(Vec::as_slice).collect()
}

/// Regions of a 2-D grid. The inputs that share one ReLU activation pattern form a convex set
/// (an intersection of half-planes, layer by layer), so a pattern is never two regions: grid
/// components of one pattern are pieces of one region that a coarse grid cut apart near a point
/// where joints cross (a wedge thinner than a cell). They are merged, so the count does not
/// depend on the grid once it is fine enough to see every region.
fn components(patterns: &Patterns) -> Regions2d {
    let (_, pieces, piece_sizes) = label_components(patterns);
    // Piece -> region, numbering regions in order of their first point.
    let mut first_point = vec![usize::MAX; piece_sizes.len()];
    for (p, &piece) in pieces.iter().enumerate() {
        if first_point[piece] == usize::MAX {
            first_point[piece] = p;
        }
    }
    let mut by_pattern: std::collections::BTreeMap<&[u64], usize> =
        std::collections::BTreeMap::new();
    let mut region_of_piece = vec![0; piece_sizes.len()];
    let mut sizes: Vec<usize> = Vec::new();
    for (piece, &p) in first_point.iter().enumerate() {
        let next = by_pattern.len();
        let region = *by_pattern.entry(patterns.key(p)).or_insert(next);
        if region == sizes.len() {
            sizes.push(0);
        }
        sizes[region] += piece_sizes[piece];
        region_of_piece[piece] = region;
    }
    let ids: Vec<usize> = pieces.iter().map(|&piece| region_of_piece[piece]).collect();
    let count = sizes.len();
    Regions2d {
        count,
        nx: patterns.nx,
        ny: patterns.ny,
        ids,
        sizes,
    }
}

/// The pattern at `x` without tie handling: active where the pre-activation is > 0.
fn raw_pattern(net: &dyn Network, x: f64) -> Result<Vec<bool>> {
    Ok(net
        .hidden_pre_activations(&[x])?
        .into_iter()
        .map(|z| z > 0.0)
        .collect())
}

/// The point in `[lo, hi]` where the pattern becomes `right` (the pattern at `hi`), to within a
/// few ulps: halves the interval while the midpoint's pattern differs from `right`.
fn bisect(net: &dyn Network, mut lo: f64, mut hi: f64, right: &[bool]) -> Result<f64> {
    for _ in 0..200 {
        let mid = lo + (hi - lo) / 2.0;
        if mid <= lo || mid >= hi {
            break;
        }
        if raw_pattern(net, mid)? == right {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok(lo + (hi - lo) / 2.0)
}

/// Per-point `x1` and `x2` columns of the grid `x1s × x2s`, row-major from the bottom row.
fn grid_columns(x1s: &[f64], x2s: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let x1 = x2s.iter().flat_map(|_| x1s.iter().copied()).collect();
    let x2 = x2s
        .iter()
        .flat_map(|&x2| std::iter::repeat_n(x2, x1s.len()))
        .collect();
    (x1, x2)
}

#[cfg(test)]
mod tests;
