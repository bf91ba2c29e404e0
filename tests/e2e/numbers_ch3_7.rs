//! The numbers behind the figures of chapters 3, 4, 6 and 7 added with figures 3.14-7.6: counts
//! the book prints (4.2's 13 regions), parameters it states (4.9's joints), and the properties
//! each hand-chosen figure was built to show.

use std::collections::BTreeMap;

use crate::numbers::build_real;

type Art = BTreeMap<String, Vec<f64>>;

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

fn one(art: &Art, key: &str) -> f64 {
    let v = &art[key];
    assert_eq!(v.len(), 1, "{key}: {v:?}");
    v[0]
}

/// The Gabor model of UDL eq. 6.8.
fn gabor(phi0: f64, phi1: f64, x: f64) -> f64 {
    let z = phi0 + 0.06 * phi1 * x;
    z.sin() * (-z * z / 32.0).exp()
}

fn gabor_loss(art: &Art, data: &str, phi0: f64, phi1: f64) -> f64 {
    let (xs, ys) = (&art[&format!("{data}.x")], &art[&format!("{data}.y")]);
    xs.iter()
        .zip(ys)
        .map(|(&x, &y)| (gabor(phi0, phi1, x) - y).powi(2))
        .sum()
}

#[test]
fn figure_3_14_moves_the_third_joint() {
    let art = build_real("3.14");
    // theta_3 = (0.9, -1.5): the joint moves from 3.3's 0.77 to 0.6; the others stay.
    assert!(close(one(&art, "joints.joint.0"), 0.3, 1e-12));
    assert!(close(one(&art, "joints.joint.1"), 0.5, 1e-12));
    assert!(close(one(&art, "joints.joint.2"), 0.6, 1e-12));
    // The third pre-activation now falls: 0.9 at x = 0, -0.6 at x = 1.
    let pre = &art["trace.pre.2"];
    assert!(close(pre[0], 0.9, 1e-12) && close(pre[pre.len() - 1], -0.6, 1e-12));
}

#[test]
fn figure_4_2_composition_has_thirteen_regions() {
    // Counted from the activation patterns of all hidden units, not typed in the spec.
    let art = build_real("4.2");
    assert_eq!(art["regions1.count"], vec![7.0]);
    assert_eq!(art["regions.count"], vec![13.0]);
    // Network 2 has one joint in [-1, 1], at y = 0.2.
    assert_eq!(art["r2.boundaries"].len(), 1);
    assert!(close(art["r2.boundaries"][0], 0.2, 1e-12));
}

#[test]
fn figure_4_3_folds_three_regions_onto_one_range() {
    let art = build_real("4.3");
    // Each of network 1's regions maps onto the whole of [-1, 1], in alternating directions.
    for (fold, first, last) in [
        ("fold1", -1.0, 1.0),
        ("fold2", 1.0, -1.0),
        ("fold3", -1.0, 1.0),
    ] {
        let y = &art[&format!("{fold}.net.0.y.0")];
        assert!(close(y[0], first, 1e-12), "{fold}: {}", y[0]);
        assert!(
            close(y[y.len() - 1], last, 1e-12),
            "{fold}: {}",
            y[y.len() - 1]
        );
    }
    // Net 1's joints at 0 and 0.6; the composition has 9 regions (8 inner joints).
    assert_eq!(art["r1.boundaries"].len(), 2);
    assert_eq!(art["rc.boundaries"].len(), 8);
}

#[test]
fn figure_4_8_networks_have_three_regions_each() {
    let art = build_real("4.8");
    let r1 = &art["r1.boundaries"];
    let r2 = &art["r2.boundaries"];
    assert!(
        r1.len() == 2 && close(r1[0], -0.2, 1e-12) && close(r1[1], 0.4, 1e-12),
        "{r1:?}"
    );
    assert!(
        r2.len() == 2 && close(r2[0], -0.3, 1e-12) && close(r2[1], 0.5, 1e-12),
        "{r2:?}"
    );
    // The knots' values: y(-0.2) = 1, y(0.4) = -0.8, y(1) = 0.6; y'(-0.3) = -0.6, y'(0.5) = 0.7.
    let at = |xs: &str, ys: &str, x: f64| {
        let i = art[xs].iter().position(|v| close(*v, x, 1e-12)).unwrap();
        art[ys][i]
    };
    assert!(close(at("f1.x", "f1.y", -0.2), 1.0, 1e-12));
    assert!(close(at("f1.x", "f1.y", 0.4), -0.8, 1e-12));
    assert!(close(at("f1.x", "f1.y", 1.0), 0.6, 1e-12));
    assert!(close(at("f2.x", "f2.y", -0.3), -0.6, 1e-12));
    assert!(close(at("f2.x", "f2.y", 0.5), 0.7, 1e-12));
}

#[test]
fn figure_4_9_joints_at_one_two_and_four_sixths() {
    let art = build_real("4.9");
    for (i, j) in [1.0, 2.0, 4.0].iter().enumerate() {
        assert!(close(
            one(&art, &format!("joints.joint.{i}")),
            j / 6.0,
            1e-15
        ));
    }
    // Slopes 1, 1 and -1 in the active regions.
    let x = &art["trace.x"];
    let slope = |d: usize, a: usize, b: usize| {
        let h = &art[&format!("trace.act.{d}")];
        (h[b] - h[a]) / (x[b] - x[a])
    };
    let n = x.len() - 1;
    assert!(close(slope(0, n - 1, n), 1.0, 1e-9));
    assert!(close(slope(1, n - 1, n), 1.0, 1e-9));
    assert!(close(slope(2, 0, 1), -1.0, 1e-9));
}

#[test]
fn figure_6_1_descends_from_position_0_to_4() {
    let art = build_real("6.1");
    // The losses of positions 0-4, as in figure 2.4.
    let want = [5.02, 2.84, 1.66, 1.01, 0.65];
    let loss = &art["run4.loss"];
    assert_eq!(loss.len(), 5);
    for (l, w) in loss.iter().zip(want) {
        assert!(close(*l, w, 0.005), "{loss:?}");
    }
    // The lines of panel d are those of the positions.
    let (p0, p1) = (&art["run4.phi0"], &art["run4.phi1"]);
    let xs = &art["fits.x"];
    let y4 = &art["fits.y.4"];
    assert!(close(y4[10], p0[4] + p1[4] * xs[10], 1e-12));
}

#[test]
fn figure_6_2_draws_the_three_gabor_models() {
    let art = build_real("6.2");
    for (name, p0, p1) in [
        ("model_a", -5.0, 25.0),
        ("model_b", 20.0, 40.0),
        ("model_c", 3.0, 15.0),
    ] {
        let (xs, ys) = (&art[&format!("{name}.x")], &art[&format!("{name}.y")]);
        for i in [0, 150, 300, 450, 600] {
            assert!(
                close(ys[i], gabor(p0, p1, xs[i]), 1e-15),
                "{name} at {}",
                xs[i]
            );
        }
    }
}

#[test]
fn figure_6_3_shows_the_data_of_figures_6_4_to_6_8() {
    let art = build_real("6.3");
    let other = build_real("6.4");
    assert_eq!(art["gabor.x"].len(), 30);
    // The least-squares fit of figure 6.4 (loss 0.65) is a fit to exactly these points.
    let loss = gabor_loss(
        &art,
        "gabor",
        other["minimum.phi0"][20],
        other["minimum.phi1"][20],
    );
    assert!(
        close(loss, one(&other, "minimum.final-loss"), 1e-12),
        "{loss}"
    );
}

#[test]
fn figure_6_6_one_batch_step_goes_downhill_the_other_uphill() {
    let art = build_real("6.6");
    // The batches are items of the data set: 9, 16, 29 and 10, 11, 18.
    let (xs, ys) = (&art["gabor.x"], &art["gabor.y"]);
    for (batch, items) in [("batch1", [9, 16, 29]), ("batch2", [10, 11, 18])] {
        for (k, i) in items.iter().enumerate() {
            assert_eq!(art[&format!("{batch}.x")][k], xs[*i], "{batch} item {i}");
            assert_eq!(art[&format!("{batch}.y")][k], ys[*i], "{batch} item {i}");
        }
    }
    let start = (one(&art, "start.x"), one(&art, "start.y"));
    let full0 = gabor_loss(&art, "gabor", start.0, start.1);
    assert!(close(full0, 4.41, 0.005), "{full0}");
    let end = |k: u32| {
        (
            one(&art, &format!("step{k}.final-phi0")),
            one(&art, &format!("step{k}.final-phi1")),
        )
    };
    // Each step lowers its own batch's loss ...
    for k in [1, 2] {
        let batch = format!("batch{k}");
        let (a, b) = end(k);
        assert!(gabor_loss(&art, &batch, a, b) < gabor_loss(&art, &batch, start.0, start.1));
    }
    // ... batch 1's also the full loss (to 3.63), batch 2's raises it (to 5.68).
    let (a, b) = end(1);
    assert!(close(gabor_loss(&art, "gabor", a, b), 3.63, 0.005));
    let (a, b) = end(2);
    assert!(close(gabor_loss(&art, "gabor", a, b), 5.68, 0.005));
}

#[test]
fn figure_6_8_momentum_and_nesterov_share_the_momentum_term() {
    let art = build_real("6.8");
    let p = |role: &str, c: &str| one(&art, &format!("geometry.{role}.{c}"));
    // Point 1 is where the dashed run ends.
    assert_eq!(p("now", "phi0"), *art["run.phi0"].last().unwrap());
    assert_eq!(p("now", "phi1"), *art["run.phi1"].last().unwrap());
    for c in ["phi0", "phi1"] {
        // 3 - 2 = 4 - 1: the same momentum term, alpha beta m, in both updates ...
        let a = p("momentum", c) - p("gradient", c);
        let b = p("look-ahead", c) - p("now", c);
        assert!(close(a, b, 1e-12), "{c}: {a} vs {b}");
        // ... which continues the last step of the run: m = (phi_2 - phi_3) / alpha.
        let run = &art[&format!("run.{c}")];
        assert!(close(b, -0.6 * (run[2] - run[3]), 1e-12), "{c}");
    }
    // The Nesterov step ends elsewhere than the momentum step.
    assert!((p("nesterov", "phi0") - p("momentum", "phi0")).abs() > 0.1);
}

#[test]
fn figure_6_10_brackets_shrink_as_described() {
    let art = build_real("6.10");
    let pts = |k: usize| art[&format!("search.points.{k}")].clone();
    let val = |k: usize| art[&format!("search.values.{k}")].clone();
    assert_eq!(pts(0), vec![0.0, 0.33, 0.66, 1.0]);
    // Stage 1: L[b] < L[c], so (c, d] goes; stage 2: L[b] > L[c], so [a, b) goes.
    assert!(val(0)[1] < val(0)[2]);
    assert_eq!(pts(1)[0], 0.0);
    assert!(close(pts(1)[3], 0.66, 1e-15));
    assert!(val(1)[1] > val(1)[2]);
    assert!(close(pts(2)[0], 0.22, 1e-15) && close(pts(2)[3], 0.66, 1e-15));
    assert!(val(2)[1] < val(2)[2]);
    // The shaded bracket is [a, d] of each stage.
    assert_eq!(one(&art, "search.a.2"), pts(2)[0]);
    assert_eq!(one(&art, "search.d.2"), pts(2)[3]);
}

#[test]
fn figure_6_11_points_sit_on_the_stated_stationary_points() {
    let art = build_real("6.11");
    // Grid step 0.005 on [-1.5, 1.5]; compare each point with its neighbours on the curve.
    let kind = |curve: &str, x: f64| {
        let (xs, ys) = (&art[&format!("{curve}.x")], &art[&format!("{curve}.y")]);
        let i = xs.iter().position(|v| close(*v, x, 1e-9)).unwrap();
        let (l, m, r) = (ys[i - 1], ys[i], ys[i + 1]);
        if m < l && m < r {
            "min"
        } else if m > l && m > r {
            "max"
        } else {
            "neither"
        }
    };
    assert_eq!(kind("loss_a", -1.0), "neither");
    assert_eq!(kind("loss_a", 0.3), "min");
    assert_eq!(kind("loss_b", -1.0), "min");
    assert_eq!(kind("loss_b", 0.0), "max");
    assert_eq!(kind("loss_b", 1.0), "min");
    assert_eq!(kind("loss_c", -0.5), "neither");
    assert_eq!(kind("loss_c", 0.5), "min");
    // Point 3 is lower than point 5; point 7 is the lowest point of curve c.
    assert!(art["points_b.y"][0] < art["points_b.y"][2]);
    let c_min = art["loss_c.y"]
        .iter()
        .copied()
        .fold(f64::INFINITY, f64::min);
    assert_eq!(art["points_c.y"][1], c_min);
}

#[test]
fn figure_7_6_derivative_is_a_step() {
    let art = build_real("7.6");
    let (xs, dy) = (&art["slope.x"], &art["slope.dy"]);
    for (x, d) in xs.iter().zip(dy) {
        let want = if *x > 0.0 { 1.0 } else { 0.0 };
        assert_eq!(*d, want, "at {x}");
    }
}
