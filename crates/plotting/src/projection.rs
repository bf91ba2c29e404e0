//! The orthographic projection of a 3D panel, with matplotlib's conventions.
//!
//! Data coordinates are first mapped into a box centred on the origin whose edges have the
//! relative lengths of the style's `surface.box-aspect` (the longest edge is 1). The box is
//! seen from the direction `(cos e cos a, cos e sin a, sin e)` for azimuth `a` and elevation
//! `e`, matplotlib's `view_init(elev, azim)`; screen right is `(-sin a, cos a, 0)` and screen up
//! completes the right-handed frame, so z always points up on the screen. After [`Projection::fit`]
//! the projection maps to SVG pixels (y down).

use crate::geom::Pt;

/// A vector or point in box coordinates.
pub type Vec3 = [f64; 3];

fn dot(a: Vec3, b: Vec3) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// Cross product a x b.
pub fn cross(a: Vec3, b: Vec3) -> Vec3 {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

/// Unit vector along `a` (zero stays zero).
pub fn normalize(a: Vec3) -> Vec3 {
    let n = dot(a, a).sqrt();
    if n > 0.0 {
        [a[0] / n, a[1] / n, a[2] / n]
    } else {
        a
    }
}

/// The view of one 3D panel.
#[derive(Clone, Debug, PartialEq)]
pub struct Projection {
    /// `[lo, hi]` of x, y and z in data units.
    ranges: [[f64; 2]; 3],
    /// Edge lengths of the box (the longest is 1).
    edges: Vec3,
    /// Screen right, screen up and towards the viewer, in box coordinates.
    right: Vec3,
    up: Vec3,
    toward: Vec3,
    /// Pixels per box unit, and the pixel position of the box's centre.
    scale: f64,
    centre: Pt,
}

impl Projection {
    /// A view of the data box `ranges` (each lo < hi) with edge proportions `aspect`, from
    /// `azimuth` and `elevation` in degrees. Call [`Projection::fit`] before mapping to pixels.
    pub fn new(ranges: [[f64; 2]; 3], aspect: [f64; 3], azimuth: f64, elevation: f64) -> Self {
        let longest = aspect.iter().copied().fold(0.0, f64::max);
        let edges = aspect.map(|a| a / longest);
        let (sa, ca) = azimuth.to_radians().sin_cos();
        let (se, ce) = elevation.to_radians().sin_cos();
        Projection {
            ranges,
            edges,
            right: [-sa, ca, 0.0],
            up: [-se * ca, -se * sa, ce],
            toward: [ce * ca, ce * sa, se],
            scale: 1.0,
            centre: (0.0, 0.0),
        }
    }

    /// Data coordinates to box coordinates.
    pub fn to_box(&self, p: Vec3) -> Vec3 {
        let mut b = [0.0; 3];
        for k in 0..3 {
            let [lo, hi] = self.ranges[k];
            b[k] = ((p[k] - lo) / (hi - lo) - 0.5) * self.edges[k];
        }
        b
    }

    /// Box coordinates to the screen plane in box units (x right, y up), before fitting.
    pub fn plane(&self, b: Vec3) -> Pt {
        (dot(b, self.right), dot(b, self.up))
    }

    /// Distance towards the viewer of a data point: larger is nearer.
    pub fn depth(&self, p: Vec3) -> f64 {
        dot(self.to_box(p), self.toward)
    }

    /// A data point in SVG pixels.
    pub fn screen(&self, p: Vec3) -> Pt {
        let (x, y) = self.plane(self.to_box(p));
        (
            self.centre.0 + self.scale * x,
            self.centre.1 - self.scale * y,
        )
    }

    /// The screen direction (unit, pixels, y down) of a direction given in box coordinates.
    pub fn screen_direction(&self, d: Vec3) -> Pt {
        let (x, y) = self.plane(d);
        let n = x.hypot(y);
        if n > 0.0 { (x / n, -y / n) } else { (0.0, 0.0) }
    }

    /// Sets pixels per box unit and where the box's centre lands.
    pub fn fit(&mut self, scale: f64, centre: Pt) {
        self.scale = scale;
        self.centre = centre;
    }

    /// The data value of axis `k` on the side of the box away from the viewer (where its pane
    /// is drawn).
    pub fn far(&self, k: usize) -> f64 {
        let [lo, hi] = self.ranges[k];
        if self.toward[k] > 0.0 { lo } else { hi }
    }

    /// The data value of axis `k` on the side nearer the viewer.
    pub fn near(&self, k: usize) -> f64 {
        let [lo, hi] = self.ranges[k];
        if self.toward[k] > 0.0 { hi } else { lo }
    }

    /// `[lo, hi]` of axis `k` in data units.
    pub fn range(&self, k: usize) -> [f64; 2] {
        self.ranges[k]
    }

    /// The direction of the light in box coordinates from its azimuth and altitude in degrees,
    /// as matplotlib's `LightSource` computes it.
    pub fn light(azimuth: f64, altitude: f64) -> Vec3 {
        let az = (90.0 - azimuth).to_radians();
        let alt = altitude.to_radians();
        [az.cos() * alt.cos(), az.sin() * alt.cos(), alt.sin()]
    }

    /// The eight corners of the data box.
    pub fn corners(&self) -> Vec<Vec3> {
        let [x, y, z] = self.ranges;
        let mut out = Vec::with_capacity(8);
        for &cz in &z {
            for &cy in &y {
                for &cx in &x {
                    out.push([cx, cy, cz]);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit_box(azimuth: f64, elevation: f64) -> Projection {
        Projection::new([[0.0, 1.0]; 3], [1.0, 1.0, 1.0], azimuth, elevation)
    }

    #[test]
    fn default_view_puts_x_to_the_lower_right_and_y_to_the_upper_right() {
        let p = unit_box(-60.0, 30.0);
        let (dx, dy) = p.screen_direction([1.0, 0.0, 0.0]);
        assert!(dx > 0.0 && dy > 0.0, "x: {dx}, {dy} (pixels, y down)");
        let (dx, dy) = p.screen_direction([0.0, 1.0, 0.0]);
        assert!(dx > 0.0 && dy < 0.0, "y: {dx}, {dy}");
        let (dx, dy) = p.screen_direction([0.0, 0.0, 1.0]);
        assert!(dx.abs() < 1e-12 && dy < 0.0, "z is straight up: {dx}, {dy}");
    }

    #[test]
    fn far_panes_are_behind_the_box_centre() {
        let p = unit_box(-60.0, 30.0);
        // Seen from +x, -y, +z: the panes are at x = 0, y = 1 and z = 0.
        assert_eq!([p.far(0), p.far(1), p.far(2)], [0.0, 1.0, 0.0]);
        assert_eq!([p.near(0), p.near(1), p.near(2)], [1.0, 0.0, 1.0]);
        assert!(p.depth([0.0, 1.0, 0.0]) < p.depth([1.0, 0.0, 1.0]));
    }

    #[test]
    fn the_screen_frame_is_orthonormal() {
        let p = unit_box(37.0, 21.0);
        for (a, b) in [(p.right, p.up), (p.up, p.toward), (p.toward, p.right)] {
            assert!(dot(a, b).abs() < 1e-12);
        }
        let c = cross(p.right, p.up);
        for (a, b) in c.iter().zip(p.toward) {
            assert!((a - b).abs() < 1e-12);
        }
    }

    #[test]
    fn matplotlibs_light_comes_from_the_front_left_and_above() {
        let l = Projection::light(225.0, 19.47);
        assert!(l[0] < 0.0 && l[1] < 0.0 && l[2] > 0.0);
        assert!((dot(l, l) - 1.0).abs() < 1e-12);
    }
}
