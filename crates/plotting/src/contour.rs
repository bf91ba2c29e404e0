//! Contour lines of a grid of values, in grid units, from the `contour` crate's marching squares.
//!
//! The grid is laid out as a heatmap's: `z` holds `nx * ny` values row by row from the bottom
//! row, and value (i, j) sits at the centre of its cell, (i + 0.5, j + 0.5) in grid units where
//! the grid covers [0, nx] x [0, ny]. The `contour` crate closes every ring by running it along
//! the outside of the grid (it pads the grid with values below every level); those parts are
//! not contour lines, so rings are cut open where they touch the border. Lines therefore stop at
//! the outermost cell centres, half a cell inside the grid, as matplotlib's do. The crate scans
//! the grid in a fixed order and stitches with lookups only, so the output is deterministic;
//! NaN values count as below every level and break the lines that would pass through them.

use contour::ContourBuilder;

/// A point in grid units: x in [0, nx], y in [0, ny], y up.
pub type GridPt = (f64, f64);

/// Polylines where the grid crosses `level` (a value `>= level` is inside). Closed lines repeat
/// their first point at the end. Empty when the grid is smaller than 2 x 2 or `level` is not
/// finite.
pub fn contour_lines(z: &[f64], nx: usize, ny: usize, level: f64) -> Vec<Vec<GridPt>> {
    if nx < 2 || ny < 2 || z.len() != nx * ny || !level.is_finite() {
        return Vec::new();
    }
    let Ok(lines) = ContourBuilder::new(nx, ny, true).lines(z, &[level]) else {
        return Vec::new();
    };
    let on_border = |p: &GridPt| {
        const EPS: f64 = 1e-9;
        p.0 <= EPS || p.1 <= EPS || p.0 >= nx as f64 - EPS || p.1 >= ny as f64 - EPS
    };
    let mut out = Vec::new();
    for line in lines {
        for ring in line.geometry().0.iter() {
            let points: Vec<GridPt> = ring.0.iter().map(|c| (c.x, c.y)).collect();
            let keep: Vec<bool> = points
                .iter()
                .map(|p| p.0.is_finite() && p.1.is_finite() && !on_border(p))
                .collect();
            out.extend(cut_ring(&points, &keep));
        }
    }
    out
}

/// Cuts a ring (closed when its first and last points are equal) into the runs of kept points
/// with two or more points; a ring kept whole stays closed.
fn cut_ring(points: &[GridPt], keep: &[bool]) -> Vec<Vec<GridPt>> {
    if points.len() < 2 {
        return Vec::new();
    }
    let closed = points.len() > 2 && points[0] == points[points.len() - 1];
    if keep.iter().all(|k| *k) {
        return vec![points.to_vec()];
    }
    let mut pieces = Vec::new();
    let mut current: Vec<GridPt> = Vec::new();
    let mut flush = |current: &mut Vec<GridPt>| {
        if current.len() >= 2 {
            pieces.push(std::mem::take(current));
        }
        current.clear();
    };
    if closed {
        // Walk the cycle once, starting just after a dropped point so no run is split in two.
        let n = points.len() - 1;
        let start = (0..n).find(|&i| !keep[i]).expect("some point is dropped");
        for k in 1..=n {
            let i = (start + k) % n;
            if keep[i] {
                current.push(points[i]);
            } else {
                flush(&mut current);
            }
        }
    } else {
        for (p, k) in points.iter().zip(keep) {
            if *k {
                current.push(*p);
            } else {
                flush(&mut current);
            }
        }
    }
    flush(&mut current);
    pieces
}

/// `count` levels evenly spaced strictly inside [lo, hi]: lo + (hi - lo) k / (count + 1).
pub fn even_levels(lo: f64, hi: f64, count: usize) -> Vec<f64> {
    (1..=count)
        .map(|k| lo + (hi - lo) * k as f64 / (count + 1) as f64)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `f` sampled at the cell centres of an n x n grid over [-1, 1]^2.
    fn grid(n: usize, f: impl Fn(f64, f64) -> f64) -> Vec<f64> {
        let c = |k: usize| -1.0 + 2.0 * (k as f64 + 0.5) / n as f64;
        (0..n * n).map(|k| f(c(k % n), c(k / n))).collect()
    }

    #[test]
    fn a_circle_is_one_closed_line_at_the_right_radius() {
        let n = 40;
        let z = grid(n, |x, y| x * x + y * y);
        let lines = contour_lines(&z, n, n, 0.25);
        assert_eq!(lines.len(), 1);
        let ring = &lines[0];
        assert_eq!(ring.first(), ring.last(), "closed");
        for &(gx, gy) in ring {
            let (x, y) = (-1.0 + 2.0 * gx / n as f64, -1.0 + 2.0 * gy / n as f64);
            let r = (x * x + y * y).sqrt();
            assert!((r - 0.5).abs() < 0.01, "radius {r}");
        }
    }

    #[test]
    fn a_plane_gives_one_open_line_that_stops_inside_the_border() {
        let n = 10;
        let z = grid(n, |x, _| x);
        let lines = contour_lines(&z, n, n, 0.1);
        assert_eq!(lines.len(), 1);
        let line = &lines[0];
        assert_ne!(line.first(), line.last());
        for &(gx, gy) in line {
            assert!((gx - 5.5).abs() < 1e-9, "x = 0.1 is grid x 5.5, got {gx}");
            assert!((0.5..=9.5).contains(&gy));
        }
    }

    #[test]
    fn two_bumps_give_two_lines_and_none_outside_the_range() {
        let n = 30;
        let bump = |x: f64, y: f64, cx: f64| (-((x - cx).powi(2) + y * y) * 20.0).exp();
        let z = grid(n, |x, y| bump(x, y, -0.5) + bump(x, y, 0.5));
        assert_eq!(contour_lines(&z, n, n, 0.5).len(), 2);
        assert_eq!(contour_lines(&z, n, n, 5.0).len(), 0);
        assert_eq!(contour_lines(&z, n, n, f64::NAN).len(), 0);
    }

    #[test]
    fn lines_are_the_same_every_time() {
        let n = 25;
        let z = grid(n, |x, y| (3.0 * x).sin() * (2.0 * y).cos());
        let a: Vec<_> = even_levels(-1.0, 1.0, 9)
            .into_iter()
            .map(|l| contour_lines(&z, n, n, l))
            .collect();
        let b: Vec<_> = even_levels(-1.0, 1.0, 9)
            .into_iter()
            .map(|l| contour_lines(&z, n, n, l))
            .collect();
        assert_eq!(a, b);
    }

    #[test]
    fn even_levels_leave_out_the_ends() {
        assert_eq!(even_levels(0.0, 4.0, 3), [1.0, 2.0, 3.0]);
    }

    #[test]
    fn a_ring_is_cut_where_it_touches_the_border() {
        let ring = [(1.0, 1.0), (2.0, 1.0), (2.0, 2.0), (1.0, 2.0), (1.0, 1.0)];
        let keep = [true, true, false, true, true];
        // The run wraps around the ring's start: (1,2) (1,1) (2,1).
        assert_eq!(
            cut_ring(&ring, &keep),
            vec![vec![(1.0, 2.0), (1.0, 1.0), (2.0, 1.0)]]
        );
    }
}
