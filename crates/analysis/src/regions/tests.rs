//! Unit tests: the region counts of UDL figs. 3.8, 4.1 and 4.2, exact joints, ties on grid
//! points, flood fill, and the specs.

use super::*;
use models::deep::{Composition, DeepNet, Layer};
use models::{Activation, ShallowNet};

fn layer(bias: &[f64], weights: &[&[f64]]) -> Layer {
    Layer {
        bias: bias.to_vec(),
        weights: weights.iter().map(|r| r.to_vec()).collect(),
    }
}

/// A 1-input ReLU network with hidden rows `[bias, slope]` and output `[φ_0, φ_1, …]`.
fn shallow_1d(theta: &[[f64; 2]], phi: &[f64]) -> DeepNet {
    DeepNet::new(
        Activation::Relu,
        vec![Layer {
            bias: theta.iter().map(|t| t[0]).collect(),
            weights: theta.iter().map(|t| vec![t[1]]).collect(),
        }],
        layer(&phi[..1], &[&phi[1..]]),
    )
    .unwrap()
}

/// A 2-input, 3-hidden-unit ReLU network from rows `[θ_d0, θ_d1, θ_d2]` and `φ`.
fn shallow_2d(theta: [[f64; 3]; 3], phi: [f64; 4]) -> DeepNet {
    let net = ShallowNet::new(
        Activation::Relu,
        theta.iter().map(|r| r.to_vec()).collect(),
        vec![phi.to_vec()],
    )
    .unwrap();
    DeepNet::from(&net)
}

/// UDL fig. 3.8 with notebook 3_2's parameters (plotted on x1, x2 ∈ [0, 10)).
fn fig_3_8_notebook() -> DeepNet {
    shallow_2d(
        [[-4.0, 0.9, 0.0], [5.0, -0.9, -0.5], [-7.0, 0.5, 0.9]],
        [0.0, -2.0, 2.0, 1.5],
    )
}

/// UDL fig. 3.8 with the default sliders of the book's interactive figure (udlfigures
/// `Figure3_8b.js`, plotted on x1, x2 ∈ [−1, 1]).
fn fig_3_8_interactive() -> DeepNet {
    shallow_2d(
        [[0.2, 0.5, 0.5], [-0.3, -0.1, 0.9], [0.2, -0.7, 0.2]],
        [0.4, -1.0, 1.8, -0.5],
    )
}

fn linspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    GridSpec::new(start, stop, num).points()
}

fn assert_all_close(actual: &[f64], expected: &[f64], tol: f64) {
    assert_eq!(actual.len(), expected.len(), "{actual:?} vs {expected:?}");
    for (a, e) in actual.iter().zip(expected) {
        assert!(
            (a - e).abs() <= tol,
            "expected {expected:?}, got {actual:?}"
        );
    }
}

/// The ids of the regions on which `y` is constant (flat regions).
fn flat_regions(regions: &Regions2d, y: &[f64]) -> Vec<usize> {
    (0..regions.count)
        .filter(|&r| {
            let ys: Vec<f64> = (0..y.len())
                .filter(|&p| regions.ids[p] == r)
                .map(|p| y[p])
                .collect();
            ys.iter().all(|&v| (v - ys[0]).abs() < 1e-12)
        })
        .collect()
}

#[test]
fn fig_3_8_has_seven_regions() {
    let net = fig_3_8_notebook();
    // The notebook's grid: np.arange(0.0, 10.0, 0.1) on both axes.
    let nb_axis = GridSpec {
        start: 0.0,
        stop: 10.0,
        num: 100,
        endpoint: false,
    }
    .points();
    let regions = regions_2d(&net, &nb_axis, &nb_axis).unwrap();
    assert_eq!(regions.count, 7);
    assert_eq!(regions.sizes.iter().sum::<usize>(), 100 * 100);
    assert_eq!((regions.nx, regions.ny), (100, 100));

    // Cell-centred grids of many sizes: near a point where joints cross, a wedge thinner than a
    // cell falls apart into pieces on a coarse grid; they are one region all the same.
    for n in [50, 60, 64, 80, 95, 100, 110, 120, 128, 150] {
        let centres: Vec<f64> = (0..n).map(|i| (i as f64 + 0.5) * 10.0 / n as f64).collect();
        assert_eq!(
            regions_2d(&net, &centres, &centres).unwrap().count,
            7,
            "{n} x {n} grid"
        );
    }

    let axis = linspace(0.0, 10.0, 201);
    let regions = regions_2d(&net, &axis, &axis).unwrap();
    assert_eq!(regions.count, 7);
    // The same count from an evaluated grid, and one flat region (all units off, y = φ_0 = 0).
    let grid = net.eval_grid(&axis, &axis).unwrap();
    assert_eq!(grid_regions(&grid).unwrap(), regions);
    let y = grid.output(0).unwrap();
    let flat = flat_regions(&regions, y);
    assert_eq!(flat.len(), 1);
    let p = regions.ids.iter().position(|&id| id == flat[0]).unwrap();
    assert_eq!(grid.pattern(p), vec![false, false, false]);
    assert_eq!(y[p], 0.0);

    // The book's interactive figure has other parameters, on [−1, 1]², and also 7 regions, one
    // of them flat at y = φ_0 = 0.4.
    let axis = linspace(-1.0, 1.0, 201);
    let net = fig_3_8_interactive();
    let regions = regions_2d(&net, &axis, &axis).unwrap();
    assert_eq!(regions.count, 7);
    let grid = net.eval_grid(&axis, &axis).unwrap();
    assert_eq!(flat_regions(&regions, grid.output(0).unwrap()).len(), 1);
}

/// Notebook 4_1's networks. Net 2 has joints at y = −0.6, −0.2 and 0.5, all inside net 1's
/// output range [−1, 1.07], so each of net 1's three regions splits into four: 12 regions, not
/// the book figure's 9 (the notebook calls its example "similar to" fig. 4.1).
fn fig_4_1_notebook() -> Composition {
    Composition::new(vec![
        shallow_1d(
            &[[0.0, -1.0], [0.0, 1.0], [-0.67, 1.0]],
            &[1.0, -2.0, -3.0, 9.3],
        ),
        shallow_1d(
            &[[-0.6, -1.0], [0.2, 1.0], [-0.5, 1.0]],
            &[0.5, -1.0, -1.5, 2.0],
        ),
    ])
    .unwrap()
}

/// A 1-3-1 network through four knots (x_k, y_k), built as the book's interactive fig. 4.1
/// (udlfigures `Figure4_1.js`) does: unit k is sign(s_k)·ReLU(|s_k|·(x − x_{k−1})), where s_k is
/// the change of slope at knot k − 1.
fn from_knots(x: [f64; 4], y: [f64; 4]) -> DeepNet {
    let s1 = (y[1] - y[0]) / (x[1] - x[0]);
    let s2 = (y[2] - y[1]) / (x[2] - x[1]) - s1;
    let s3 = (y[3] - y[2]) / (x[3] - x[2]) - s1 - s2;
    let slopes = [s1, s2, s3];
    let theta: Vec<[f64; 2]> = slopes
        .iter()
        .enumerate()
        .map(|(k, s)| [-s.signum() * x[k] * s, s.abs()])
        .collect();
    let mut phi = vec![y[0]];
    phi.extend(slopes.iter().map(|s| s.signum()));
    shallow_1d(&theta, &phi)
}

/// The book's fig. 4.1, from the default knots of its interactive version: net 1 through
/// (−1, −1), (0, 1), (0.6, −1), (1, 1); net 2 through (−1, 0.6), (−0.2, −0.8), (0.3, 0.3),
/// (1, −0.2).
fn fig_4_1_book() -> Composition {
    Composition::new(vec![
        from_knots([-1.0, 0.0, 0.6, 1.0], [-1.0, 1.0, -1.0, 1.0]),
        from_knots([-1.0, -0.2, 0.3, 1.0], [0.6, -0.8, 0.3, -0.2]),
    ])
    .unwrap()
}

#[test]
fn fig_4_1_book_networks_written_as_joints() {
    // The same two functions as `fig_4_1_book`, written with unit-slope hidden units at the
    // joints, as a figure spec would: y = −1 + 2·ReLU(x + 1) − (16/3)·ReLU(x) + (25/3)·ReLU(x − 0.6)
    // and y' = 0.6 − 1.75·ReLU(y + 1) + 3.95·ReLU(y + 0.2) − (102/35)·ReLU(y − 0.3).
    let doc = r#"
        [[networks]]
        hidden = [{ bias = [1.0, 0.0, -0.6], weights = [[1.0], [1.0], [1.0]] }]
        output = { bias = [-1.0], weights = [[2.0, -5.333333333333333, 8.333333333333334]] }

        [[networks]]
        hidden = [{ bias = [1.0, 0.2, -0.3], weights = [[1.0], [1.0], [1.0]] }]
        output = { bias = [0.6], weights = [[-1.75, 3.95, -2.914285714285714]] }
    "#;
    let spec: models::deep::ComposedSpec = toml::from_str(doc).unwrap();
    let comp = Composition::build(&spec).unwrap();
    let xs = linspace(-1.0, 1.0, 2001);
    let book = fig_4_1_book();
    for &x in &xs {
        let (a, b) = (
            comp.forward(&[x]).unwrap()[0],
            book.forward(&[x]).unwrap()[0],
        );
        assert!((a - b).abs() < 1e-12, "{x}: {a} vs {b}");
    }
    let regions = regions_1d(&comp, &xs).unwrap();
    assert_eq!(regions.count, 9);
    assert_all_close(
        &regions.boundaries,
        &exact_boundaries_1d(&book, -1.0, 1.0).unwrap(),
        1e-12,
    );
}

/// The slope of `net` in the middle of each region between consecutive `boundaries`.
fn region_slopes(net: &dyn Network, start: f64, stop: f64, boundaries: &[f64]) -> Vec<f64> {
    let mut edges = vec![start];
    edges.extend_from_slice(boundaries);
    edges.push(stop);
    edges
        .windows(2)
        .map(|w| {
            let (m, h) = ((w[0] + w[1]) / 2.0, (w[1] - w[0]) / 4.0);
            (net.forward(&[m + h]).unwrap()[0] - net.forward(&[m - h]).unwrap()[0]) / (2.0 * h)
        })
        .collect()
}

#[test]
fn fig_4_1_composition_regions() {
    let xs = linspace(-1.0, 1.0, 2001);

    let book = fig_4_1_book();
    let regions = regions_1d(&book, &xs).unwrap();
    assert_eq!(regions.count, 9);
    // Net 1 alone: 3 regions (its first joint sits on the grid's first point, x = −1).
    let net1 = Composition::from(book.networks()[0].clone());
    assert_eq!(regions_1d(&net1, &xs).unwrap().count, 3);
    let exact = exact_boundaries_1d(&book, -1.0, 1.0).unwrap();
    assert_eq!(exact.len(), 8);
    assert_all_close(&regions.boundaries, &exact, 1e-12);
    // Net 1's joints at 0 and 0.6; net 2's at y = −0.2 and 0.3 in each of net 1's three
    // regions (y = 2x + 1, 1 − 10x/3, 5x − 4).
    assert_all_close(
        &exact,
        &[-0.6, -0.35, 0.0, 0.21, 0.36, 0.6, 0.76, 0.86],
        1e-12,
    );

    let notebook = fig_4_1_notebook();
    let regions = regions_1d(&notebook, &xs).unwrap();
    assert_eq!(regions.count, 12);
    let exact = exact_boundaries_1d(&notebook, -1.0, 1.0).unwrap();
    // y = 1 + 2x, 1 − 3x, 6.3x − 5.231 on net 1's regions; net 2's joints at y = −0.6, −0.2, 0.5.
    let hand = [
        -0.8,
        -0.6,
        -0.25,
        0.0,
        1.0 / 6.0,
        0.4,
        1.6 / 3.0,
        0.67,
        4.631 / 6.3,
        5.031 / 6.3,
        5.731 / 6.3,
    ];
    assert_all_close(&exact, &hand, 1e-12);
    assert_all_close(&regions.boundaries, &exact, 1e-12);
    // Every region is a genuine linear piece: neighbouring slopes differ.
    let slopes = region_slopes(&notebook, -1.0, 1.0, &exact);
    assert_eq!(slopes.len(), 12);
    for w in slopes.windows(2) {
        assert!((w[0] - w[1]).abs() > 0.1, "{slopes:?}");
    }
    // Ids run 0..12 from left to right.
    assert_eq!(regions.ids[0], 0);
    assert_eq!(regions.ids[2000], 11);
    assert!(
        regions
            .ids
            .windows(2)
            .all(|w| w[1] == w[0] || w[1] == w[0] + 1)
    );
}

/// UDL fig. 4.2, constructed (the book prints no parameters). Network 1 is fig. 3.8's network
/// as in the book's interactive figure, on [−1, 1]²: 7 regions, one flat (y = 0.4). Its six
/// other regions each take all values in (−0.068, 0.389), so network 2, a 1-2-1 network whose two
/// units both have their joint at y = 0.2, y' = −0.6 + 1.5·ReLU(y − 0.2) + 1.2·ReLU(0.2 − y),
/// splits each of them in two and leaves the flat region whole.
fn fig_4_2_constructed() -> Composition {
    Composition::new(vec![
        fig_3_8_interactive(),
        shallow_1d(&[[-0.2, 1.0], [0.2, -1.0]], &[-0.6, 1.5, 1.2]),
    ])
    .unwrap()
}

#[test]
fn fig_4_2_composition_has_thirteen_regions() {
    let comp = fig_4_2_constructed();
    let axis = linspace(-1.0, 1.0, 401);
    // Network 2 has two linear regions for y ∈ [−1, 1].
    let net2 = comp.networks()[1].clone();
    assert_all_close(
        &exact_boundaries_1d(&net2, -1.0, 1.0).unwrap(),
        &[0.2],
        1e-15,
    );
    // Network 1: seven regions, one flat.
    let net1 = &comp.networks()[0];
    let first = regions_2d(net1, &axis, &axis).unwrap();
    assert_eq!(first.count, 7);
    let grid1 = net1.eval_grid(&axis, &axis).unwrap();
    let flat = flat_regions(&first, grid1.output(0).unwrap());
    assert_eq!(flat.len(), 1);

    let regions = regions_2d(&comp, &axis, &axis).unwrap();
    assert_eq!(regions.count, 13);
    // Every composite region lies inside one region of network 1: the flat one holds one, each
    // of the six others two.
    let mut parts = vec![std::collections::BTreeSet::new(); first.count];
    for (p, &r) in regions.ids.iter().enumerate() {
        parts[first.ids[p]].insert(r);
    }
    for (r, set) in parts.iter().enumerate() {
        let expected = if r == flat[0] { 1 } else { 2 };
        assert_eq!(set.len(), expected, "region {r} of network 1");
    }
    // The same count from the composition's evaluated grid, whose pattern has all 5 units.
    let grid = comp.eval_grid(&axis, &axis).unwrap();
    assert_eq!(grid.units.len(), 5);
    assert_eq!(grid_regions(&grid).unwrap(), regions);
}

#[test]
fn deep_network_grid_boundaries_match_exact_joints() {
    // UDL fig. 4.5 (notebook 4_2).
    let net = DeepNet::new(
        Activation::Relu,
        vec![
            layer(&[0.3, -1.0, -0.5], &[&[-1.0], &[2.0], &[0.65]]),
            layer(
                &[0.3, -0.2, 0.3],
                &[&[2.0, -1.0, 7.0], &[2.0, 1.2, -8.0], &[-2.3, -0.8, 2.0]],
            ),
        ],
        layer(&[0.0], &[&[0.5, -1.5, 2.2]]),
    )
    .unwrap();
    let xs = linspace(0.0, 1.0, 1001);
    let regions = regions_1d(&net, &xs).unwrap();
    let exact = exact_boundaries_1d(&net, 0.0, 1.0).unwrap();
    assert_eq!(regions.count, exact.len() + 1);
    assert_all_close(&regions.boundaries, &exact, 1e-12);
    // Layer 1's joints at 0.3, 0.5 and 0.5/0.65 are among them.
    for joint in [0.3, 0.5, 0.5 / 0.65] {
        assert!(exact.iter().any(|b| (b - joint).abs() < 1e-12), "{exact:?}");
    }
    // Every layer-2 pre-activation is zero at each of its own joints.
    for b in &exact {
        let pre = net.hidden_pre_activations(&[*b]).unwrap();
        assert!(pre.iter().any(|z| z.abs() < 1e-9), "{b}: {pre:?}");
    }
}

#[test]
fn joints_on_grid_points_and_grid_ends_add_no_regions() {
    // Joints at x = −1 (the first grid point) and x = 0 (a grid point), both exactly zero there.
    let net = shallow_1d(&[[1.0, 1.0], [0.0, 1.0]], &[0.0, 1.0, -1.0]);
    let xs = [-1.0, -0.5, 0.0, 0.5, 1.0];
    let regions = regions_1d(&net, &xs).unwrap();
    assert_eq!(regions.count, 2);
    assert_eq!(regions.ids, vec![0, 0, 0, 1, 1]);
    assert_eq!(regions.boundaries.len(), 1);
    assert!(regions.boundaries[0].abs() < 1e-15);
    assert_eq!(exact_boundaries_1d(&net, -1.0, 1.0).unwrap(), vec![0.0]);

    // Three lines through the origin, on grid lines and a grid diagonal: six sectors.
    let net = shallow_2d(
        [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 1.0]],
        [0.0, 1.0, 1.0, 1.0],
    );
    let axis = linspace(-1.0, 1.0, 21);
    let regions = regions_2d(&net, &axis, &axis).unwrap();
    assert_eq!(regions.count, 6);
    // Without tie handling the origin and the lines' rounding noise would add regions.
    assert!(
        regions.sizes.iter().all(|&s| s >= 45),
        "{:?}",
        regions.sizes
    );
}

#[test]
fn flood_fill_counts_separate_patches_twice() {
    // One unit active in columns 0 and 4 of a 5 × 3 grid: two patterns, three regions.
    let pre: Vec<f64> = (0..15)
        .map(|p| if p % 5 == 0 || p % 5 == 4 { 1.0 } else { -1.0 })
        .collect();
    let patterns = Patterns::new(&[&pre], 5, 3).unwrap();
    let (count, ids, sizes) = label_components(&patterns);
    assert_eq!(count, 3);
    assert_eq!(sizes, vec![3, 9, 3]);
    assert_eq!(&ids[..5], &[0, 1, 1, 1, 2]);
    assert!(patterns.active(0, 0) && !patterns.active(1, 0));
    assert_eq!(patterns.pattern(4), vec![true]);
    // Along a line, A B A is three runs.
    let pre = [1.0, -1.0, -1.0, 2.0];
    let (runs, ids) = label_runs(&Patterns::new(&[&pre], 4, 1).unwrap());
    assert_eq!((runs, ids), (3, vec![0, 1, 1, 2]));
    // A grid without hidden units is one region; mismatched columns are refused.
    let patterns = Patterns::new(&[], 3, 2).unwrap();
    assert_eq!(label_components(&patterns).0, 1);
    assert!(Patterns::new(&[&[1.0, 2.0]], 3, 1).is_err());
    // More than 64 units span several words.
    let cols: Vec<Vec<f64>> = (0..70)
        .map(|u| vec![if u == 69 { 1.0 } else { -1.0 }, -1.0])
        .collect();
    let slices: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
    let patterns = Patterns::new(&slices, 2, 1).unwrap();
    assert_eq!(label_runs(&patterns).0, 2);
    assert!(patterns.active(0, 69) && !patterns.active(1, 69));
}

#[test]
fn unsupported_networks_and_grids() {
    let tanh = DeepNet::new(
        Activation::Tanh,
        vec![layer(&[0.0], &[&[1.0]])],
        layer(&[0.0], &[&[1.0]]),
    )
    .unwrap();
    let err = regions_1d(&tanh, &[0.0, 1.0]).unwrap_err().to_string();
    assert!(err.contains("this network uses tanh"), "{err}");
    let net = fig_3_8_notebook();
    let err = regions_1d(&net, &[0.0, 1.0]).unwrap_err().to_string();
    assert!(
        err.contains("needs a network with 1 input, this one has 2"),
        "{err}"
    );
    let line = shallow_1d(&[[0.0, 1.0]], &[0.0, 1.0]);
    assert!(regions_2d(&line, &[0.0], &[0.0]).is_err());
    assert!(regions_1d(&line, &[1.0, 0.0]).is_err());
    assert!(regions_1d(&line, &[]).is_err());
    assert!(regions_2d(&net, &[], &[0.0]).is_err());
    assert!(exact_boundaries_1d(&line, 1.0, 1.0).is_err());
    let leaky = DeepNet::new(
        Activation::LeakyRelu { alpha: 0.1 },
        vec![layer(&[0.0], &[&[1.0]])],
        layer(&[0.0], &[&[1.0]]),
    )
    .unwrap();
    assert_eq!(regions_1d(&leaky, &[-1.0, 1.0]).unwrap().count, 2);
}

#[test]
fn regions_spec_runs_1d_and_2d() {
    let doc = r#"
        model = "composite"
        x = { start = -1.0, stop = 1.0, num = 2001 }
    "#;
    let spec: RegionsSpec = toml::from_str(doc).unwrap();
    assert!(spec.validate().is_empty());
    assert_eq!(spec.references(), vec![("model", "composite")]);
    let table = regions(&fig_4_1_book(), &spec).unwrap();
    assert_eq!(table.get("count"), Some(&[9.0][..]));
    assert_eq!(table.get("x").unwrap().len(), 2001);
    assert_eq!(table.get("region").unwrap()[2000], 8.0);
    assert_eq!(table.get("boundaries").unwrap().len(), 8);
    assert!((table.get("boundary.2").unwrap()[0]).abs() < 1e-12);
    assert_eq!(table.columns.len(), 4 + 8);

    let doc = r#"
        model = "net"
        x1 = { start = 0.0, stop = 10.0, num = 101 }
        x2 = { start = 0.0, stop = 10.0, num = 51 }
    "#;
    let spec: RegionsSpec = toml::from_str(doc).unwrap();
    let table = regions(&fig_3_8_notebook(), &spec).unwrap();
    assert_eq!(table.get("count"), Some(&[7.0][..]));
    assert_eq!(table.get("nx"), Some(&[101.0][..]));
    assert_eq!(table.get("ny"), Some(&[51.0][..]));
    assert_eq!(table.get("region").unwrap().len(), 101 * 51);
    assert_eq!(table.get("x1").unwrap()[101], 0.0);
    assert_eq!(table.get("x2").unwrap()[101], 0.2);
    assert_eq!(table.get("size").unwrap().len(), 7);
    // The spec serialises without the grid it does not use.
    let json = serde_json::to_value(&spec).unwrap();
    assert!(json.get("x").is_none());

    // A 2-D spec on a 1-input network.
    assert!(regions(&fig_4_1_book(), &spec).is_err());
    let paths = |doc: &str| -> Vec<String> {
        toml::from_str::<RegionsSpec>(doc)
            .unwrap()
            .validate()
            .into_iter()
            .map(|(p, _)| p)
            .collect()
    };
    assert_eq!(paths("model = \"n\""), ["x"]);
    assert_eq!(
        paths("model = \"n\"\nx1 = { start = 0, stop = 1, num = 3 }"),
        ["x2"]
    );
    assert_eq!(
        paths(
            "model = \"n\"\nx = { start = 0, stop = 1, num = 3 }\nx1 = { start = 0, stop = 1, num = 3 }"
        ),
        ["x"]
    );
    assert_eq!(
        paths(
            "model = \"n\"\nx1 = { start = 0, stop = 1, num = 1 }\nx2 = { start = 0, stop = 1, num = 3 }"
        ),
        ["x1.num"]
    );
    assert_eq!(
        paths(
            "model = \"n\"\nx1 = { start = 0, stop = 1, num = 3000 }\nx2 = { start = 0, stop = 1, num = 3000 }"
        ),
        ["x2.num"]
    );
    let err = toml::from_str::<RegionsSpec>("model = \"n\"\ny = { start = 0, stop = 1, num = 3 }")
        .unwrap_err();
    assert!(err.to_string().contains("unknown field `y`"), "{err}");
}

#[test]
fn evaluate_grid_table() {
    let doc = r#"
        model = "net"
        x1 = { start = 0.0, stop = 10.0, num = 3 }
        x2 = { start = 0.0, stop = 10.0, num = 2 }
    "#;
    let spec: EvaluateGridSpec = toml::from_str(doc).unwrap();
    assert!(spec.validate().is_empty());
    assert_eq!(spec.references(), vec![("model", "net")]);
    let table = evaluate_grid(&fig_3_8_notebook(), &spec).unwrap();
    assert_eq!(table.get("x1").unwrap(), &[0.0, 5.0, 10.0, 0.0, 5.0, 10.0]);
    assert_eq!(table.get("x2").unwrap(), &[0.0, 0.0, 0.0, 10.0, 10.0, 10.0]);
    // (5, 10): y = −2·0.5 + 1.5·4.5 = 5.75.
    assert!((table.get("y").unwrap()[4] - 5.75).abs() < 1e-12);
    assert_eq!(table.get("nx"), Some(&[3.0][..]));
    assert!(table.get("act.0.2").is_some());
    // x1 (3) + x2 (2) + pre, act (3 + 3) + weighted (3) + y.0, y + nx, ny
    assert_eq!(table.columns.len(), 2 + 6 + 3 + 2 + 2);
    let composite = evaluate_grid(&fig_4_2_constructed(), &spec).unwrap();
    assert!(composite.get("net.0.y.0").is_some());
    assert!(composite.get("net.1.pre.0.1").is_some());
    let err = evaluate_grid(&fig_4_1_book(), &spec).unwrap_err();
    assert!(
        matches!(err, Error::Model(models::Error::InputDim { .. })),
        "{err}"
    );
}
