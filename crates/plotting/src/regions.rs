//! Region maps in grid units: flat-coloured rectangles for runs of equal ids, and the boundary
//! lines between different ids.
//!
//! The grid is laid out as a heatmap's: `ids` holds `nx * ny` values row by row from the bottom
//! row, and cell (i, j) covers [i, i + 1] x [j, j + 1]. Ids are compared exactly (as numbers, with
//! -0 equal to 0); a non-finite id is "no region": it is not filled and draws no boundary.
//!
//! Boundaries are traced on the dual grid of cell centres, like marching squares with many
//! labels: where two neighbouring cells differ, the boundary passes through the middle of the
//! edge between their centres. In each square of four centres, two such midpoints are joined
//! directly; three or four (where regions meet) are joined to the square's centre. Boundaries
//! reaching the outermost centres are carried on to the grid's edge. The pieces are chained into
//! polylines that end where three or more regions meet, at the edge of the grid, or close on
//! themselves, and each is straightened with Douglas-Peucker, so a straight boundary that the
//! grid resolves as a staircase comes out as one straight line.

use std::collections::BTreeMap;

use crate::geom::simplify;

/// A point in grid units: x in [0, nx], y in [0, ny], y up.
pub type GridPt = (f64, f64);

/// A rectangle of cells with one id: columns `i0..i1`, rows `j0..j1`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CellRect {
    /// First column.
    pub i0: usize,
    /// One past the last column.
    pub i1: usize,
    /// First row (from the bottom).
    pub j0: usize,
    /// One past the last row.
    pub j1: usize,
    /// The region id.
    pub id: f64,
}

/// An id as an exactly comparable key (-0 and 0 are one id); None for non-finite ids.
fn key(id: f64) -> Option<u64> {
    id.is_finite().then(|| (id + 0.0).to_bits())
}

/// The distinct finite ids, increasing.
pub fn distinct_ids(ids: &[f64]) -> Vec<f64> {
    let mut out: Vec<f64> = ids.iter().copied().filter(|v| v.is_finite()).collect();
    out.sort_by(f64::total_cmp);
    out.dedup_by(|a, b| key(*a) == key(*b));
    out
}

/// Covers the finite cells with rectangles of one id: runs of equal ids along each row, and a
/// run continued upwards while the rows above repeat it exactly. Sorted by bottom row, then
/// first column.
pub fn cell_rects(ids: &[f64], nx: usize, ny: usize) -> Vec<CellRect> {
    let mut done: Vec<CellRect> = Vec::new();
    // Runs of the previous row that may still grow upwards, by (i0, i1, id).
    let mut open: BTreeMap<(usize, usize, u64), CellRect> = BTreeMap::new();
    for j in 0..ny {
        let row = &ids[j * nx..(j + 1) * nx];
        let mut next: BTreeMap<(usize, usize, u64), CellRect> = BTreeMap::new();
        let mut i = 0;
        while i < nx {
            let k = key(row[i]);
            let end = (i + 1..nx).find(|&e| key(row[e]) != k).unwrap_or(nx);
            if let Some(k) = k {
                let rect = match open.remove(&(i, end, k)) {
                    Some(r) => CellRect { j1: j + 1, ..r },
                    None => CellRect {
                        i0: i,
                        i1: end,
                        j0: j,
                        j1: j + 1,
                        id: row[i],
                    },
                };
                next.insert((i, end, k), rect);
            }
            i = end;
        }
        done.extend(open.into_values());
        open = next;
    }
    done.extend(open.into_values());
    done.sort_by_key(|r| (r.j0, r.i0));
    done
}

/// A node of the boundary graph: twice its grid coordinates (all are multiples of 1/2).
type Node = (i64, i64);

/// The boundary lines between different ids, straightened to within `tolerance` cells (see
/// [`simplify`]). Closed lines repeat their first point at the end.
pub fn boundaries(ids: &[f64], nx: usize, ny: usize, tolerance: f64) -> Vec<Vec<GridPt>> {
    let keys: Vec<Option<u64>> = ids.iter().map(|v| key(*v)).collect();
    let at = |i: usize, j: usize| keys[j * nx + i];
    // Boundary between cells a and b: both finite and different.
    let differ = |a: Option<u64>, b: Option<u64>| matches!((a, b), (Some(a), Some(b)) if a != b);
    let (nx_i, ny_i) = (nx as i64, ny as i64);
    // Midpoint (doubled) of the edge between centres (i, j) and (i + 1, j) / (i, j + 1).
    let mid_h = |i: i64, j: i64| (2 * i + 2, 2 * j + 1);
    let mid_v = |i: i64, j: i64| (2 * i + 1, 2 * j + 2);
    let mut edges: Vec<(Node, Node)> = Vec::new();
    for j in 0..ny.saturating_sub(1) {
        for i in 0..nx.saturating_sub(1) {
            let (ii, jj) = (i as i64, j as i64);
            let mut mids = Vec::with_capacity(4);
            if differ(at(i, j), at(i + 1, j)) {
                mids.push(mid_h(ii, jj));
            }
            if differ(at(i + 1, j), at(i + 1, j + 1)) {
                mids.push(mid_v(ii + 1, jj));
            }
            if differ(at(i, j + 1), at(i + 1, j + 1)) {
                mids.push(mid_h(ii, jj + 1));
            }
            if differ(at(i, j), at(i, j + 1)) {
                mids.push(mid_v(ii, jj));
            }
            match mids.len() {
                0 => {}
                2 => edges.push((mids[0], mids[1])),
                _ => {
                    let centre = (2 * ii + 2, 2 * jj + 2);
                    edges.extend(mids.into_iter().map(|m| (m, centre)));
                }
            }
        }
    }
    // Carry boundaries that reach the outermost centres on to the grid's edge.
    for i in 0..nx.saturating_sub(1) {
        let ii = i as i64;
        if differ(at(i, 0), at(i + 1, 0)) {
            edges.push((mid_h(ii, 0), (2 * ii + 2, 0)));
        }
        if differ(at(i, ny - 1), at(i + 1, ny - 1)) {
            edges.push((mid_h(ii, ny_i - 1), (2 * ii + 2, 2 * ny_i)));
        }
    }
    for j in 0..ny.saturating_sub(1) {
        let jj = j as i64;
        if differ(at(0, j), at(0, j + 1)) {
            edges.push((mid_v(0, jj), (0, 2 * jj + 2)));
        }
        if differ(at(nx - 1, j), at(nx - 1, j + 1)) {
            edges.push((mid_v(nx_i - 1, jj), (2 * nx_i, 2 * jj + 2)));
        }
    }
    chain(&edges)
        .into_iter()
        .map(|line| {
            let points: Vec<GridPt> = line
                .into_iter()
                .map(|(x, y)| (x as f64 / 2.0, y as f64 / 2.0))
                .collect();
            simplify(&points, tolerance)
        })
        .collect()
}

/// Chains edges into polylines that end at nodes not of degree 2; what is left are cycles,
/// each closed. Deterministic: nodes are visited in order, edges in the order given.
fn chain(edges: &[(Node, Node)]) -> Vec<Vec<Node>> {
    let mut incident: BTreeMap<Node, Vec<usize>> = BTreeMap::new();
    for (k, (a, b)) in edges.iter().enumerate() {
        incident.entry(*a).or_default().push(k);
        incident.entry(*b).or_default().push(k);
    }
    let mut used = vec![false; edges.len()];
    let other = |k: usize, n: Node| {
        if edges[k].0 == n {
            edges[k].1
        } else {
            edges[k].0
        }
    };
    let walk = |start: Node, first: usize, used: &mut Vec<bool>| {
        let mut line = vec![start];
        let (mut node, mut edge) = (start, first);
        loop {
            used[edge] = true;
            node = other(edge, node);
            line.push(node);
            let around = &incident[&node];
            if around.len() != 2 || node == start {
                break;
            }
            match around.iter().find(|&&e| !used[e]) {
                Some(&e) => edge = e,
                None => break,
            }
        }
        line
    };
    let mut lines = Vec::new();
    for (node, around) in &incident {
        if around.len() == 2 {
            continue;
        }
        for &e in around {
            if !used[e] {
                lines.push(walk(*node, e, &mut used));
            }
        }
    }
    for k in 0..edges.len() {
        if !used[k] {
            lines.push(walk(edges[k].0, k, &mut used));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_columns_have_one_straight_boundary_across_the_grid() {
        // Bottom row [0, 1], top row [0, 1].
        let lines = boundaries(&[0.0, 1.0, 0.0, 1.0], 2, 2, 1.0);
        assert_eq!(lines, vec![vec![(1.0, 0.0), (1.0, 2.0)]]);
    }

    #[test]
    fn a_corner_cell_is_cut_off_by_one_line() {
        let lines = boundaries(&[0.0, 0.0, 0.0, 1.0], 2, 2, 0.0);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert_eq!(lines[0].len(), 4, "edge, diagonal, edge: {lines:?}");
    }

    #[test]
    fn three_regions_meet_at_one_point() {
        // Left column 0; right column 1 below, 2 above.
        let lines = boundaries(&[0.0, 1.0, 0.0, 2.0], 2, 2, 0.0);
        assert_eq!(lines.len(), 3, "{lines:?}");
        let meet = (1.0, 1.0);
        assert!(lines.iter().all(|l| l[0] == meet || l[l.len() - 1] == meet));
    }

    #[test]
    fn an_island_is_one_closed_line() {
        let mut ids = vec![0.0; 25];
        ids[12] = 1.0;
        let lines = boundaries(&ids, 5, 5, 0.0);
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].first(), lines[0].last());
    }

    #[test]
    fn a_staircase_is_straightened() {
        // id = 1 above the line y = 0.37 x + 3 on a 40 x 20 grid.
        let (nx, ny) = (40, 20);
        let ids: Vec<f64> = (0..nx * ny)
            .map(|k| {
                let (x, y) = ((k % nx) as f64 + 0.5, (k / nx) as f64 + 0.5);
                f64::from(u8::from(y > 0.37 * x + 3.0))
            })
            .collect();
        let lines = boundaries(&ids, nx, ny, 1.0);
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].len(), 2, "{:?}", lines[0]);
        let raw = boundaries(&ids, nx, ny, 0.0);
        assert!(raw[0].len() > 10);
    }

    #[test]
    fn nan_cells_draw_no_boundary_and_no_rect() {
        let ids = [0.0, f64::NAN, 0.0, 0.0];
        assert!(boundaries(&ids, 2, 2, 1.0).is_empty());
        let rects = cell_rects(&ids, 2, 2);
        let cells: usize = rects.iter().map(|r| (r.i1 - r.i0) * (r.j1 - r.j0)).sum();
        assert_eq!(cells, 3);
    }

    #[test]
    fn equal_runs_merge_across_rows() {
        // Two columns of ids over three rows: 2 rectangles.
        let ids = [0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0];
        let rects = cell_rects(&ids, 3, 3);
        assert_eq!(rects.len(), 2, "{rects:?}");
        assert_eq!((rects[0].i1, rects[0].j1), (2, 3));
        // A different middle row breaks the run.
        let ids = [0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0];
        assert_eq!(cell_rects(&ids, 3, 3).len(), 6);
    }

    #[test]
    fn distinct_ids_are_sorted_and_unique() {
        assert_eq!(
            distinct_ids(&[3.0, -0.0, 0.0, f64::NAN, 3.0, -1.0]),
            [-1.0, 0.0, 3.0]
        );
    }
}
