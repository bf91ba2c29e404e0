//! Plane geometry in SVG pixels: clipping to the frame and cutting polylines into dashes.
//!
//! plotters draws no dashes and clips nothing, so lines are clipped and dashed here, in `f64`,
//! and only rounded to plotters' integer pixels at the end.

/// A point in SVG pixels (y grows downwards).
pub type Pt = (f64, f64);

/// An axis-aligned rectangle in SVG pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    /// Left edge.
    pub x0: f64,
    /// Top edge.
    pub y0: f64,
    /// Right edge.
    pub x1: f64,
    /// Bottom edge.
    pub y1: f64,
}

impl Rect {
    /// Whether `p` lies inside or on the edge (with a small tolerance).
    pub fn contains(&self, p: Pt) -> bool {
        const EPS: f64 = 1e-6;
        p.0 >= self.x0 - EPS && p.0 <= self.x1 + EPS && p.1 >= self.y0 - EPS && p.1 <= self.y1 + EPS
    }
}

/// Clips the segment a-b to `r` (Liang–Barsky); None when it lies outside.
fn clip_segment(a: Pt, b: Pt, r: &Rect) -> Option<(Pt, Pt)> {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let mut t0: f64 = 0.0;
    let mut t1: f64 = 1.0;
    for (p, q) in [
        (-dx, a.0 - r.x0),
        (dx, r.x1 - a.0),
        (-dy, a.1 - r.y0),
        (dy, r.y1 - a.1),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let t = q / p;
            if p < 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
        }
    }
    (t0 <= t1).then_some({
        (
            (a.0 + t0 * dx, a.1 + t0 * dy),
            (a.0 + t1 * dx, a.1 + t1 * dy),
        )
    })
}

/// Clips a polyline to `r`: the visible pieces, each a polyline of two or more points.
/// Non-finite points break the line.
pub fn clip_polyline(points: &[Pt], r: &Rect) -> Vec<Vec<Pt>> {
    let mut pieces: Vec<Vec<Pt>> = Vec::new();
    let mut current: Vec<Pt> = Vec::new();
    let finite = |p: &Pt| p.0.is_finite() && p.1.is_finite();
    for pair in points.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let clipped = if finite(&a) && finite(&b) {
            clip_segment(a, b, r)
        } else {
            None
        };
        match clipped {
            Some((ca, cb)) => {
                if current.last() != Some(&ca) {
                    if current.len() >= 2 {
                        pieces.push(std::mem::take(&mut current));
                    }
                    current = vec![ca];
                }
                current.push(cb);
            }
            None => {
                if current.len() >= 2 {
                    pieces.push(std::mem::take(&mut current));
                }
                current.clear();
            }
        }
    }
    if current.len() >= 2 {
        pieces.push(current);
    }
    pieces
}

/// Clips a polygon to `r` (Sutherland–Hodgman); empty when nothing is visible.
pub fn clip_polygon(points: &[Pt], r: &Rect) -> Vec<Pt> {
    type Inside = fn(Pt, &Rect) -> bool;
    type Cross = fn(Pt, Pt, &Rect) -> Pt;
    let edges: [(Inside, Cross); 4] = [
        (|p, r| p.0 >= r.x0, |a, b, r| at_x(a, b, r.x0)),
        (|p, r| p.0 <= r.x1, |a, b, r| at_x(a, b, r.x1)),
        (|p, r| p.1 >= r.y0, |a, b, r| at_y(a, b, r.y0)),
        (|p, r| p.1 <= r.y1, |a, b, r| at_y(a, b, r.y1)),
    ];
    let mut poly: Vec<Pt> = points.to_vec();
    for (inside, cross) in edges {
        if poly.is_empty() {
            break;
        }
        let input = std::mem::take(&mut poly);
        let mut prev = input[input.len() - 1];
        for &p in &input {
            match (inside(p, r), inside(prev, r)) {
                (true, true) => poly.push(p),
                (true, false) => {
                    poly.push(cross(prev, p, r));
                    poly.push(p);
                }
                (false, true) => poly.push(cross(prev, p, r)),
                (false, false) => {}
            }
            prev = p;
        }
    }
    poly
}

/// The point of segment a-b at abscissa `x`.
fn at_x(a: Pt, b: Pt, x: f64) -> Pt {
    let t = (x - a.0) / (b.0 - a.0);
    (x, a.1 + (b.1 - a.1) * t)
}

/// The point of segment a-b at ordinate `y`.
fn at_y(a: Pt, b: Pt, y: f64) -> Pt {
    let t = (y - a.1) / (b.1 - a.1);
    (a.0 + (b.0 - a.0) * t, y)
}

/// Cuts a polyline into its "on" dashes. `pattern` holds (on, off) lengths in pixels; the
/// pattern runs on along the whole line, across its vertices.
pub fn dash_polyline(points: &[Pt], pattern: &[f64]) -> Vec<Vec<Pt>> {
    let total: f64 = pattern.iter().sum();
    if points.len() < 2 || pattern.is_empty() || total <= 0.0 {
        return vec![points.to_vec()];
    }
    let mut dashes = Vec::new();
    let mut index = 0; // position in the pattern; even = on, odd = off
    let mut left = pattern[0]; // length left in the current pattern entry
    let mut current: Vec<Pt> = vec![points[0]];
    for pair in points.windows(2) {
        let (mut a, b) = (pair[0], pair[1]);
        let mut len = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
        while len > left {
            let t = left / len;
            let cut = (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t);
            if index % 2 == 0 {
                current.push(cut);
                dashes.push(std::mem::take(&mut current));
            } else {
                current = vec![cut];
            }
            len -= left;
            a = cut;
            index = (index + 1) % pattern.len();
            left = pattern[index];
        }
        left -= len;
        if index % 2 == 0 {
            current.push(b);
        }
    }
    if index % 2 == 0 && current.len() >= 2 {
        dashes.push(current);
    }
    dashes
}

/// Douglas-Peucker: drops the points of a polyline that lie within `tolerance` of the chord of
/// their stretch (exactly collinear points always go). A closed polyline (first point = last)
/// is split at its point farthest from the start, so that both halves keep a corner.
pub fn simplify(points: &[Pt], tolerance: f64) -> Vec<Pt> {
    let tolerance = tolerance.max(1e-9);
    if points.len() < 3 {
        return points.to_vec();
    }
    if points[0] == points[points.len() - 1] {
        let first = points[0];
        let far = (1..points.len() - 1)
            .max_by(|&a, &b| dist2(points[a], first).total_cmp(&dist2(points[b], first)))
            .unwrap_or(1);
        let mut out = douglas_peucker(&points[..=far], tolerance);
        out.pop();
        out.extend(douglas_peucker(&points[far..], tolerance));
        return out;
    }
    douglas_peucker(points, tolerance)
}

fn dist2(a: Pt, b: Pt) -> f64 {
    (a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)
}

/// Distance from `p` to the line through a and b (to a when they coincide).
fn line_distance(p: Pt, a: Pt, b: Pt) -> f64 {
    let len2 = dist2(a, b);
    if len2 == 0.0 {
        return dist2(p, a).sqrt();
    }
    ((b.0 - a.0) * (a.1 - p.1) - (a.0 - p.0) * (b.1 - a.1)).abs() / len2.sqrt()
}

fn douglas_peucker(points: &[Pt], tolerance: f64) -> Vec<Pt> {
    let (a, b) = (points[0], points[points.len() - 1]);
    let mut worst = (0, 0.0);
    for (k, p) in points.iter().enumerate().take(points.len() - 1).skip(1) {
        let d = line_distance(*p, a, b);
        if d > worst.1 {
            worst = (k, d);
        }
    }
    if worst.1 <= tolerance {
        return vec![a, b];
    }
    let mut out = douglas_peucker(&points[..=worst.0], tolerance);
    out.pop();
    out.extend(douglas_peucker(&points[worst.0..], tolerance));
    out
}

/// Rounds to plotters' integer pixels and drops repeated points.
pub fn to_pixels(points: &[Pt]) -> Vec<(i32, i32)> {
    let mut out: Vec<(i32, i32)> = Vec::with_capacity(points.len());
    for &(x, y) in points {
        let p = (x.round() as i32, y.round() as i32);
        if out.last() != Some(&p) {
            out.push(p);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: Rect = Rect {
        x0: 0.0,
        y0: 0.0,
        x1: 10.0,
        y1: 10.0,
    };

    #[test]
    fn polyline_leaving_and_reentering_splits_in_two() {
        let pieces = clip_polyline(&[(1.0, 5.0), (15.0, 5.0), (15.0, 8.0), (5.0, 8.0)], &R);
        assert_eq!(
            pieces,
            vec![vec![(1.0, 5.0), (10.0, 5.0)], vec![(10.0, 8.0), (5.0, 8.0)]]
        );
    }

    #[test]
    fn nan_breaks_a_polyline() {
        let pieces = clip_polyline(
            &[
                (1.0, 1.0),
                (2.0, 2.0),
                (f64::NAN, 3.0),
                (4.0, 4.0),
                (5.0, 5.0),
            ],
            &R,
        );
        assert_eq!(pieces.len(), 2);
    }

    #[test]
    fn polygon_is_cut_at_the_frame() {
        let poly = clip_polygon(&[(-5.0, 2.0), (5.0, 2.0), (5.0, 4.0), (-5.0, 4.0)], &R);
        assert!(poly.iter().all(|p| p.0 >= 0.0));
        assert!(poly.contains(&(0.0, 2.0)) && poly.contains(&(0.0, 4.0)));
    }

    #[test]
    fn simplify_keeps_corners_and_drops_wobbles() {
        let line = [(0.0, 0.0), (1.0, 0.1), (2.0, -0.1), (3.0, 0.0), (3.0, 3.0)];
        assert_eq!(simplify(&line, 0.2), [(0.0, 0.0), (3.0, 0.0), (3.0, 3.0)]);
        let square = [
            (0.0, 0.0),
            (1.0, 0.0),
            (2.0, 0.0),
            (2.0, 2.0),
            (0.0, 2.0),
            (0.0, 0.0),
        ];
        assert_eq!(simplify(&square, 0.1).len(), 5, "four corners, closed");
    }

    #[test]
    fn dashes_follow_the_pattern_across_vertices() {
        let dashes = dash_polyline(&[(0.0, 0.0), (5.0, 0.0), (5.0, 5.0)], &[2.0, 2.0]);
        // on 0-2, off 2-4, on 4-5 then 5,0-5,1, off, on 5,3-5,5
        assert_eq!(
            dashes,
            vec![
                vec![(0.0, 0.0), (2.0, 0.0)],
                vec![(4.0, 0.0), (5.0, 0.0), (5.0, 1.0)],
                vec![(5.0, 3.0), (5.0, 5.0)],
            ]
        );
    }
}
