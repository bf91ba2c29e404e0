//! `pipeline bench training`: training speed as figures of merit (steps per second of the
//! MNIST-1D benchmark MLP and CNN at one and two threads, of a residual MLP with batch norm at one
//! thread, and the GEMM rate of a wide-MLP training step against a plain large matrix product). `pipeline bench pipeline` (the
//! pipeline's own overhead: no-op builds, status, edit-rebuilds) is in [`pipeline`].
//!
//! Timings are wall-clock medians over repeated runs; nothing here feeds an output.

pub mod pipeline;

use std::fmt::Write as _;
use std::time::Instant;

use models::net::backend::{self, Loss, Net, Optimizer};
use models::net::{CnnSpec, Init, MlpSpec, NetActivation, NetSpec, PerLayer, Weights};

fn adam() -> Optimizer {
    Optimizer::Adam {
        betas: [0.9, 0.999],
        eps: 1e-8,
        weight_decay: 0.0,
        decoupled: false,
    }
}

fn mlp(inputs: usize, hidden: Vec<usize>) -> Weights {
    models::net::init(&NetSpec::Mlp(MlpSpec {
        inputs,
        hidden,
        outputs: 10,
        activation: NetActivation::Relu,
        residual: false,
        batch_norm: false,
        init: Init::Pytorch,
        init_scale: 1.0,
        seed: 0,
    }))
    .expect("valid benchmark network")
}

fn cnn() -> Weights {
    models::net::init(&NetSpec::Cnn1d(CnnSpec {
        input_len: 40,
        channels: vec![25, 25, 25],
        kernel: PerLayer::Each(vec![5, 3, 3]),
        stride: PerLayer::All(2),
        padding: PerLayer::All(1),
        hidden: vec![],
        outputs: 10,
        activation: NetActivation::Relu,
        init: Init::Pytorch,
        init_scale: 1.0,
        seed: 0,
    }))
    .expect("valid benchmark network")
}

/// Median seconds per step of `steps` Adam steps on batches of `batch` rows cycling through `x`.
fn time_steps(w: &Weights, x: &[f32], y: &[u8], batch: usize, steps: usize, repeats: usize) -> f64 {
    let d = w.arch.inputs;
    let n = y.len();
    let mut times = Vec::new();
    for _ in 0..repeats {
        let mut net = Net::new(w);
        let mut step = |s: usize| {
            let r = (s * batch) % n;
            net.step(
                &x[r * d..(r + batch) * d],
                &y[r..r + batch],
                Loss::CrossEntropy,
                &adam(),
                1e-3,
            )
            .expect("benchmark step");
        };
        // Warm-up: allocations, caches.
        (0..10).for_each(&mut step);
        let start = Instant::now();
        (0..steps).for_each(&mut step);
        times.push(start.elapsed().as_secs_f64() / steps as f64);
    }
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool")
        .install(f)
}

/// Runs the training benchmarks and returns the report.
pub fn training(quick: bool) -> String {
    let mut out = String::new();
    let data = data::mnist1d::generate(&Default::default()).expect("default MNIST-1D");
    let x: Vec<f32> = data.x_train.iter().map(|&v| v as f32).collect();
    let y = data.y_train.clone();
    let (steps, repeats) = if quick { (50, 1) } else { (1000, 5) };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let _ = writeln!(
        out,
        "training speed: MNIST-1D, batch 100, Adam, softmax cross-entropy; median of {repeats} runs of {steps} steps ({cores} cores available)"
    );
    let _ = writeln!(
        out,
        "{:<34} {:>10} {:>12}",
        "model / threads", "µs/step", "steps/s"
    );
    for (name, w, steps) in [
        ("MLP 40-100-100-10", mlp(40, vec![100, 100]), steps),
        ("CNN 25-25-25 (k 5,3,3, s 2, p 1)", cnn(), steps / 2),
    ] {
        for threads in [1, 2] {
            backend::set_gemm_threads(threads > 1);
            let t = in_pool(threads, || {
                time_steps(&w, &x, &y, 100, steps.max(10), repeats)
            });
            let _ = writeln!(
                out,
                "{:<34} {:>10.1} {:>12.0}",
                format!("{name} / {threads}"),
                t * 1e6,
                1.0 / t
            );
        }
        // Two independent trainings side by side, one thread each: how the pipeline uses cores.
        backend::set_gemm_threads(false);
        let start = Instant::now();
        in_pool(2, || {
            rayon::join(
                || time_steps(&w, &x, &y, 100, steps.max(10), 1),
                || time_steps(&w, &x, &y, 100, steps.max(10), 1),
            )
        });
        let per = start.elapsed().as_secs_f64() / (2 * (steps.max(10) + 10)) as f64;
        let _ = writeln!(
            out,
            "{:<34} {:>10.1} {:>12.0}",
            format!("{name} / 2 jobs x 1"),
            per * 1e6,
            1.0 / per
        );
    }

    // Batch norm's cost: the residual MLP of notebook 11.3 with batch norm in every hidden layer
    // (one thread; the plain MLP above is the reference).
    backend::set_gemm_threads(false);
    let bn = models::net::init(&NetSpec::Mlp(MlpSpec {
        inputs: 40,
        hidden: vec![100; 3],
        outputs: 10,
        activation: NetActivation::Relu,
        residual: true,
        batch_norm: true,
        init: Init::HeUniform,
        init_scale: 1.0,
        seed: 0,
    }))
    .expect("valid benchmark network");
    let t = in_pool(1, || time_steps(&bn, &x, &y, 100, steps.max(10), repeats));
    let _ = writeln!(
        out,
        "{:<34} {:>10.1} {:>12.0}",
        "MLP 40-100-(res 100)x2-10 BN / 1",
        t * 1e6,
        1.0 / t
    );

    // GEMM rate: a wide MLP's training step against one plain large product.
    backend::set_gemm_threads(false);
    let width = if quick { 256 } else { 1024 };
    let batch = if quick { 256 } else { 1000 };
    let wide = mlp(40, vec![width, width]);
    let wx: Vec<f32> = (0..batch)
        .flat_map(|i| x[(i % y.len()) * 40..(i % y.len() + 1) * 40].to_vec())
        .collect();
    let wy: Vec<u8> = (0..batch).map(|i| y[i % y.len()]).collect();
    let wide_steps = if quick { 3 } else { 20 };
    let t = time_steps(&wide, &wx, &wy, batch, wide_steps, repeats.min(3));
    // Forward 2·b·Σ(in·out); backward twice that (input and weight gradients).
    let macs: usize = wide
        .arch
        .layers
        .iter()
        .map(|l| {
            let [r, c] = l.weight_shape();
            r * c
        })
        .sum();
    let flops = 6.0 * batch as f64 * macs as f64;
    let step_rate = flops / t / 1e9;
    let n = if quick { 512 } else { 1024 };
    let gemm = backend::gemm_gflops(n, if quick { 2 } else { 10 });
    let _ = writeln!(
        out,
        "GEMM, 1 thread: wide MLP 40-{width}-{width}-10 training step (batch {batch}) {step_rate:.1} GFLOP/s; plain {n}x{n}x{n} product {gemm:.1} GFLOP/s; ratio {:.0}%",
        100.0 * step_rate / gemm
    );
    out
}
