//! Trainable networks: initialisations against their stated distributions, the dfdx forward pass
//! against a plain host implementation, and its gradients against finite differences; batch norm
//! in training and evaluation, its gradients and running averages.

use super::backend::{Loss, Net, Optimizer};
use super::*;

fn mlp(hidden: Vec<usize>, residual: bool, init: Init, seed: u64) -> NetSpec {
    NetSpec::Mlp(MlpSpec {
        inputs: 6,
        hidden,
        outputs: 3,
        activation: NetActivation::Relu,
        residual,
        batch_norm: false,
        init,
        init_scale: 1.0,
        seed,
    })
}

/// A residual MLP with batch norm whose γ, δ and running averages are moved off their initial
/// values, so that every term of the normalisation shows.
fn mlp_bn(hidden: Vec<usize>, residual: bool, seed: u64) -> Weights {
    let NetSpec::Mlp(mut s) = mlp(hidden, residual, Init::Pytorch, seed) else {
        unreachable!()
    };
    s.batch_norm = true;
    let mut w = init(&NetSpec::Mlp(s)).unwrap();
    for (l, n) in w.norms.iter_mut().enumerate() {
        if let Some(n) = n {
            for (j, (((g, d), m), v)) in n
                .gamma
                .iter_mut()
                .zip(&mut n.beta)
                .zip(&mut n.running_mean)
                .zip(&mut n.running_var)
                .enumerate()
            {
                let t = (l * 7 + j) as f32;
                *g = 0.8 + 0.1 * (t % 5.0);
                *d = 0.2 * (t % 3.0) - 0.2;
                *m = 0.1 * (t % 4.0) - 0.15;
                *v = 0.5 + 0.25 * (t % 3.0);
            }
        }
    }
    w
}

/// γ·(z − μ)/√(σ² + ε) + δ in f64.
fn bn(z: f64, mean: f64, var: f64, gamma: f32, beta: f32) -> f64 {
    gamma as f64 * (z - mean) / (var + 1e-5).sqrt() + beta as f64
}

fn cnn(padding: usize) -> NetSpec {
    NetSpec::Cnn1d(CnnSpec {
        input_len: 11,
        channels: vec![3, 2],
        kernel: PerLayer::Each(vec![3, 2]),
        stride: PerLayer::All(2),
        padding: PerLayer::All(padding),
        hidden: vec![4],
        outputs: 3,
        activation: NetActivation::Tanh,
        init: Init::Pytorch,
        init_scale: 1.0,
        seed: 5,
    })
}

/// The network's outputs computed on the host in f64, straight from the definitions.
/// Batch norm uses the running averages (evaluation).
fn host_forward(w: &Weights, x: &[f64]) -> Vec<f64> {
    let act = |a: NetActivation, z: f64| match a {
        NetActivation::Relu => z.max(0.0),
        NetActivation::Tanh => z.tanh(),
        NetActivation::Sigmoid => 1.0 / (1.0 + (-z).exp()),
        NetActivation::Linear => z,
    };
    // h is (position, channel) row-major, like the backend.
    let mut h = x.to_vec();
    for ((layer, (lw, lb)), norm) in w.arch.layers.iter().zip(&w.params).zip(&w.norms) {
        h = match *layer {
            Layer::Dense {
                inputs,
                outputs,
                activation,
                residual,
                ..
            } => {
                let mut out: Vec<f64> = (0..outputs)
                    .map(|j| {
                        let mut z = lb[j] as f64
                            + (0..inputs)
                                .map(|i| h[i] * lw[i * outputs + j] as f64)
                                .sum::<f64>();
                        if let Some(n) = norm {
                            z = bn(
                                z,
                                n.running_mean[j] as f64,
                                n.running_var[j] as f64,
                                n.gamma[j],
                                n.beta[j],
                            );
                        }
                        activation.map_or(z, |a| act(a, z))
                    })
                    .collect();
                if residual {
                    out.iter_mut().zip(&h).for_each(|(o, x)| *o += x);
                }
                out
            }
            Layer::Conv {
                in_channels,
                out_channels,
                kernel,
                stride,
                padding,
                in_len,
                out_len,
                activation,
            } => {
                let mut out = vec![0.0; out_len * out_channels];
                for t in 0..out_len {
                    for o in 0..out_channels {
                        let mut z = lb[o] as f64;
                        for k in 0..kernel {
                            let pos = (t * stride + k) as isize - padding as isize;
                            if pos < 0 || pos >= in_len as isize {
                                continue;
                            }
                            for c in 0..in_channels {
                                z += h[pos as usize * in_channels + c]
                                    * lw[(k * in_channels + c) * out_channels + o] as f64;
                            }
                        }
                        out[t * out_channels + o] = act(activation, z);
                    }
                }
                out
            }
        };
    }
    h
}

/// A dense network's outputs for a whole batch (`x` is `n × inputs`) in training mode: batch norm
/// with each unit's mean and biased variance over the batch, in f64.
fn host_train_forward(w: &Weights, x: &[f32], n: usize) -> Vec<Vec<f64>> {
    let d = w.arch.inputs;
    let mut h: Vec<Vec<f64>> = (0..n)
        .map(|e| x[e * d..(e + 1) * d].iter().map(|&v| v as f64).collect())
        .collect();
    for ((layer, (lw, lb)), norm) in w.arch.layers.iter().zip(&w.params).zip(&w.norms) {
        let Layer::Dense {
            inputs,
            outputs,
            activation,
            residual,
            ..
        } = *layer
        else {
            panic!("dense layers only")
        };
        let mut z: Vec<Vec<f64>> = h
            .iter()
            .map(|he| {
                (0..outputs)
                    .map(|j| {
                        lb[j] as f64
                            + (0..inputs)
                                .map(|i| he[i] * lw[i * outputs + j] as f64)
                                .sum::<f64>()
                    })
                    .collect()
            })
            .collect();
        if let Some(bnorm) = norm {
            for j in 0..outputs {
                let mean = z.iter().map(|r| r[j]).sum::<f64>() / n as f64;
                let var = z.iter().map(|r| (r[j] - mean).powi(2)).sum::<f64>() / n as f64;
                for r in &mut z {
                    r[j] = bn(r[j], mean, var, bnorm.gamma[j], bnorm.beta[j]);
                }
            }
        }
        for (ze, he) in z.iter_mut().zip(&h) {
            for (j, v) in ze.iter_mut().enumerate() {
                *v = match activation {
                    None | Some(NetActivation::Linear) => *v,
                    Some(NetActivation::Relu) => v.max(0.0),
                    Some(NetActivation::Tanh) => v.tanh(),
                    Some(NetActivation::Sigmoid) => 1.0 / (1.0 + (-*v).exp()),
                };
                if residual {
                    *v += he[j];
                }
            }
        }
        h = z;
    }
    h
}

/// Mean softmax cross-entropy of outputs `z` per example.
fn cross_entropy(z: &[Vec<f64>], labels: &[u8]) -> f64 {
    z.iter()
        .zip(labels)
        .map(|(z, &y)| {
            let m = z.iter().cloned().fold(f64::MIN, f64::max);
            m + z.iter().map(|v| (v - m).exp()).sum::<f64>().ln() - z[y as usize]
        })
        .sum::<f64>()
        / labels.len() as f64
}

fn inputs(n: usize, d: usize) -> Vec<f32> {
    (0..n * d)
        .map(|i| ((i * 37 % 17) as f32 - 8.0) / 5.0)
        .collect()
}

#[test]
fn lengths_follow_the_convolution_formula() {
    // The MNIST-1D benchmark CNN: 40 -> 19 -> 10 -> 5 with 25 channels, 5,210 parameters.
    let spec = NetSpec::Cnn1d(CnnSpec {
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
    });
    let arch = spec.arch().unwrap();
    let lens: Vec<usize> = arch
        .layers
        .iter()
        .filter_map(|l| match l {
            Layer::Conv { out_len, .. } => Some(*out_len),
            _ => None,
        })
        .collect();
    assert_eq!(lens, [19, 10, 5]);
    assert_eq!(arch.num_params(), 5210);
    // The benchmark MLP 40-100-100-10 has 15,210 parameters.
    let m = NetSpec::Mlp(MlpSpec {
        inputs: 40,
        hidden: vec![100, 100],
        outputs: 10,
        activation: NetActivation::Relu,
        residual: true,
        batch_norm: false,
        init: Init::Pytorch,
        init_scale: 1.0,
        seed: 0,
    });
    assert_eq!(m.arch().unwrap().num_params(), 15_210);
    // With batch norm, γ and δ of the 200 hidden units count; the running averages do not.
    let NetSpec::Mlp(mut s) = m else {
        unreachable!()
    };
    s.batch_norm = true;
    assert_eq!(NetSpec::Mlp(s).arch().unwrap().num_params(), 15_210 + 400);
}

#[test]
fn impossible_sizes_name_the_field() {
    let NetSpec::Mlp(mut s) = mlp(vec![4, 5], true, Init::Pytorch, 0) else {
        unreachable!()
    };
    let issues = NetSpec::Mlp(s.clone()).validate();
    assert_eq!(issues[0].0, "hidden[1]", "{issues:?}");
    s.residual = false;
    s.hidden = vec![0];
    assert_eq!(NetSpec::Mlp(s).validate()[0].0, "hidden[0]");
    let NetSpec::Cnn1d(mut c) = cnn(0) else {
        unreachable!()
    };
    c.kernel = PerLayer::Each(vec![3]);
    assert_eq!(NetSpec::Cnn1d(c.clone()).validate()[0].0, "kernel");
    c.kernel = PerLayer::All(30);
    assert!(NetSpec::Cnn1d(c).validate()[0].1.contains("longer than"));
}

#[test]
fn initialisations_have_their_stated_spread() {
    // One wide layer: 400 inputs x 500 outputs = 200,000 draws.
    let arch = Arch {
        inputs: 400,
        layers: vec![Layer::Dense {
            inputs: 400,
            outputs: 500,
            activation: None,
            residual: false,
            batch_norm: false,
        }],
    };
    let stats = |init: Init| {
        let w = init::draw(arch.clone(), init, 1.0, 7);
        let v: Vec<f64> = w.params[0].0.iter().map(|&x| x as f64).collect();
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / v.len() as f64;
        let max = v.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        (mean, var, max, w.params[0].1.clone())
    };
    let fi = 400.0f64;
    let fo = 500.0f64;
    for (init, var, bound) in [
        (Init::Pytorch, 1.0 / (3.0 * fi), Some(1.0 / fi.sqrt())),
        (Init::HeUniform, 2.0 / fi, Some((6.0 / fi).sqrt())),
        (Init::HeNormal, 2.0 / fi, None),
        (
            Init::XavierUniform,
            2.0 / (fi + fo),
            Some((6.0 / (fi + fo)).sqrt()),
        ),
        (Init::XavierNormal, 2.0 / (fi + fo), None),
        (Init::Normal { variance: 0.02 }, 0.02, None),
    ] {
        let (mean, v, max, bias) = stats(init);
        assert!(mean.abs() < 0.01 * var.sqrt(), "{init:?}: mean {mean}");
        assert!(
            (v / var - 1.0).abs() < 0.01,
            "{init:?}: variance {v} vs {var}"
        );
        if let Some(b) = bound {
            assert!(
                max <= b && max > 0.99 * b,
                "{init:?}: max {max} vs bound {b}"
            );
        }
        let zero_bias = bias.iter().all(|&b| b == 0.0);
        assert_eq!(zero_bias, init != Init::Pytorch, "{init:?} biases");
    }
}

#[test]
fn the_seed_alone_decides_the_weights() {
    let a = init(&mlp(vec![5], false, Init::HeNormal, 1)).unwrap();
    let b = init(&mlp(vec![5], false, Init::HeNormal, 1)).unwrap();
    let c = init(&mlp(vec![5], false, Init::HeNormal, 2)).unwrap();
    assert_eq!(a.fingerprint(), b.fingerprint());
    assert_ne!(a.fingerprint(), c.fingerprint());
}

#[test]
fn weights_round_trip_through_safetensors() {
    let w = init(&cnn(1)).unwrap();
    let bytes = w.to_bundle().encode().unwrap();
    let back = Weights::from_bundle(&data::Bundle::decode(&bytes).unwrap()).unwrap();
    assert_eq!(back, w);
    assert_eq!(bytes, back.to_bundle().encode().unwrap());
}

#[test]
fn dfdx_forward_matches_the_host_definition() {
    for spec in [
        mlp(vec![5, 5, 5], true, Init::Pytorch, 3),
        mlp(vec![], false, Init::XavierNormal, 4),
        cnn(0),
        cnn(1),
    ] {
        let w = init(&spec).unwrap();
        let d = w.arch.inputs;
        let x = inputs(7, d);
        let out = Net::new(&w).outputs(&x, 7).unwrap();
        let k = w.arch.outputs();
        for e in 0..7 {
            let xe: Vec<f64> = x[e * d..(e + 1) * d].iter().map(|&v| v as f64).collect();
            let host = host_forward(&w, &xe);
            for j in 0..k {
                let got = out[e * k + j] as f64;
                assert!(
                    (got - host[j]).abs() < 1e-5 * (1.0 + host[j].abs()),
                    "{spec:?}: example {e} output {j}: {got} vs {}",
                    host[j]
                );
            }
        }
    }
}

fn host_loss(w: &Weights, x: &[f32], labels: &[u8]) -> f64 {
    let d = w.arch.inputs;
    let mut total = 0.0;
    for (e, &y) in labels.iter().enumerate() {
        let xe: Vec<f64> = x[e * d..(e + 1) * d].iter().map(|&v| v as f64).collect();
        let z = host_forward(w, &xe);
        let m = z.iter().cloned().fold(f64::MIN, f64::max);
        let lse = m + z.iter().map(|v| (v - m).exp()).sum::<f64>().ln();
        total += lse - z[y as usize];
    }
    total / labels.len() as f64
}

#[test]
fn one_sgd_step_follows_the_finite_difference_gradient() {
    for spec in [mlp(vec![5, 5], true, Init::Pytorch, 9), cnn(1)] {
        let w0 = init(&spec).unwrap();
        let x = inputs(6, w0.arch.inputs);
        let labels = [0u8, 1, 2, 2, 1, 0];
        let mut net = Net::new(&w0);
        let plain = Optimizer::Sgd {
            momentum: 0.0,
            nesterov: false,
            weight_decay: 0.0,
        };
        let loss = net
            .step(&x, &labels, Loss::CrossEntropy, &plain, 1.0)
            .unwrap();
        assert!(((loss as f64) - host_loss(&w0, &x, &labels)).abs() < 1e-5);
        let w1 = net.weights();
        // With lr = 1 the step is minus the gradient; compare with central differences.
        let mut checked = 0;
        for (l, ((a, b), (a1, b1))) in w0.params.iter().zip(&w1.params).enumerate() {
            for (which, p0, p1) in [("w", a, a1), ("b", b, b1)] {
                for i in (0..p0.len()).step_by(3) {
                    let h = 1e-3f32;
                    let mut plus = w0.clone();
                    let mut minus = w0.clone();
                    if which == "w" {
                        plus.params[l].0[i] += h;
                        minus.params[l].0[i] -= h;
                    } else {
                        plus.params[l].1[i] += h;
                        minus.params[l].1[i] -= h;
                    }
                    let fd = (host_loss(&plus, &x, &labels) - host_loss(&minus, &x, &labels))
                        / (2.0 * h as f64);
                    let step = (p0[i] - p1[i]) as f64;
                    assert!(
                        (step - fd).abs() < 2e-3 * (1.0 + fd.abs()),
                        "layer {l} {which}[{i}]: step {step} vs finite difference {fd}"
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 10);
    }
}

#[test]
fn adam_takes_steps_of_size_lr_at_first() {
    // Adam's first step moves every parameter with a non-zero gradient by almost exactly lr.
    let w0 = init(&mlp(vec![4], false, Init::Pytorch, 11)).unwrap();
    let x = inputs(5, 6);
    let mut net = Net::new(&w0);
    let adam = Optimizer::Adam {
        betas: [0.9, 0.999],
        eps: 1e-8,
        weight_decay: 0.0,
        decoupled: false,
    };
    net.step(&x, &[0, 1, 2, 0, 1], Loss::CrossEntropy, &adam, 0.01)
        .unwrap();
    let w1 = net.weights();
    let moved: Vec<f32> = w0.params[1]
        .0
        .iter()
        .zip(&w1.params[1].0)
        .map(|(a, b)| (a - b).abs())
        .filter(|d| *d > 0.0)
        .collect();
    assert!(!moved.is_empty());
    for d in moved {
        assert!((d - 0.01).abs() < 1e-4, "step {d}");
    }
}

#[test]
fn training_reduces_the_loss_and_is_repeatable() {
    let run = || {
        let mut net = Net::new(&init(&cnn(1)).unwrap());
        let x = inputs(12, 11);
        let labels: Vec<u8> = (0..12).map(|i| (i % 3) as u8).collect();
        let opt = Optimizer::Sgd {
            momentum: 0.9,
            nesterov: true,
            weight_decay: 1e-4,
        };
        let first = net
            .step(&x, &labels, Loss::CrossEntropy, &opt, 0.05)
            .unwrap();
        let mut last = first;
        for _ in 0..200 {
            last = net
                .step(&x, &labels, Loss::CrossEntropy, &opt, 0.05)
                .unwrap();
        }
        (first, last, net.weights().fingerprint())
    };
    let (first, last, fp) = run();
    assert!(last < 0.5 * first, "loss {first} -> {last}");
    assert_eq!(fp, run().2, "same steps, same bits");
}

#[test]
fn bad_batches_are_errors_not_panics() {
    let mut net = Net::new(&init(&mlp(vec![4], false, Init::Pytorch, 1)).unwrap());
    let opt = Optimizer::Sgd {
        momentum: 0.0,
        nesterov: false,
        weight_decay: 0.0,
    };
    assert!(
        net.step(&[0.0; 5], &[0], Loss::CrossEntropy, &opt, 0.1)
            .is_err()
    );
    assert!(
        net.step(&[0.0; 6], &[7], Loss::CrossEntropy, &opt, 0.1)
            .is_err()
    );
    assert!(net.outputs(&[0.0; 7], 1).is_err());
}

fn plain_sgd() -> Optimizer {
    Optimizer::Sgd {
        momentum: 0.0,
        nesterov: false,
        weight_decay: 0.0,
    }
}

#[test]
fn batch_norm_forward_matches_the_host_definition() {
    for residual in [true, false] {
        let w = mlp_bn(vec![5, 5, 5], residual, 3);
        let n = 7;
        let x = inputs(n, 6);
        let net = Net::new(&w);
        // Training: the batch's statistics.
        let got = net.training_outputs(&x, n);
        let host = host_train_forward(&w, &x, n);
        for (e, row) in host.iter().enumerate() {
            for (j, &h) in row.iter().enumerate() {
                let g = got[e * 3 + j] as f64;
                assert!(
                    (g - h).abs() < 1e-5 * (1.0 + h.abs()),
                    "training: example {e} output {j}: {g} vs {h}"
                );
            }
        }
        // Evaluation: the running averages.
        let got = Net::new(&w).outputs(&x, n).unwrap();
        for e in 0..n {
            let xe: Vec<f64> = x[e * 6..(e + 1) * 6].iter().map(|&v| v as f64).collect();
            for (j, h) in host_forward(&w, &xe).into_iter().enumerate() {
                let g = got[e * 3 + j] as f64;
                assert!(
                    (g - h).abs() < 1e-5 * (1.0 + h.abs()),
                    "evaluation: example {e} output {j}: {g} vs {h}"
                );
            }
        }
    }
}

#[test]
fn batch_norm_gradients_follow_finite_differences() {
    let w0 = mlp_bn(vec![5, 5, 5], true, 9);
    let x = inputs(6, 6);
    let labels = [0u8, 1, 2, 2, 1, 0];
    let loss_at = |w: &Weights| cross_entropy(&host_train_forward(w, &x, 6), &labels);
    let mut net = Net::new(&w0);
    let loss = net
        .step(&x, &labels, Loss::CrossEntropy, &plain_sgd(), 1.0)
        .unwrap();
    assert!(((loss as f64) - loss_at(&w0)).abs() < 1e-5, "{loss}");
    let w1 = net.weights();
    // With lr = 1 the step is minus the gradient; compare every parameter (weights, biases, γ,
    // δ) with central differences of the host's training loss.
    let h = 1e-3f32;
    let mut checked = 0;
    for l in 0..w0.params.len() {
        for which in 0..4 {
            fn get(w: &mut Weights, l: usize, which: usize) -> Option<&mut Vec<f32>> {
                match which {
                    0 => Some(&mut w.params[l].0),
                    1 => Some(&mut w.params[l].1),
                    2 => w.norms[l].as_mut().map(|n| &mut n.gamma),
                    _ => w.norms[l].as_mut().map(|n| &mut n.beta),
                }
            }
            let Some(p0) = get(&mut w0.clone(), l, which).cloned() else {
                continue;
            };
            let p1 = get(&mut w1.clone(), l, which).unwrap().clone();
            for i in (0..p0.len()).step_by(2) {
                let (mut plus, mut minus) = (w0.clone(), w0.clone());
                get(&mut plus, l, which).unwrap()[i] += h;
                get(&mut minus, l, which).unwrap()[i] -= h;
                let fd = (loss_at(&plus) - loss_at(&minus)) / (2.0 * h as f64);
                let step = (p0[i] - p1[i]) as f64;
                assert!(
                    (step - fd).abs() < 2e-3 * (1.0 + fd.abs()),
                    "layer {l} array {which} [{i}]: step {step} vs finite difference {fd}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 40, "{checked}");
    // Training leaves the running averages to the update rule, not the optimiser: they moved
    // by the rule (checked by hand below), and γ, δ did move.
    assert_ne!(w0.norms, w1.norms);
}

#[test]
fn running_averages_follow_pytorchs_rule() {
    // One input, a hidden layer of two units z = (x, 2x + 1) with batch norm, lr = 0 so the
    // weights stay put. Batch x = (1, 2, 3): z1 = (1, 2, 3), mean 2, unbiased variance 1;
    // z2 = (3, 5, 7), mean 5, variance 4. Then x = (0, 4): z1 = (0, 4), mean 2, variance 8;
    // z2 = (1, 9), mean 5, variance 32. From (0, 1), with momentum 0.1:
    // mean (0.2, 0.5) -> (0.38, 0.95); variance (1.0, 1.3) -> (1.7, 4.37).
    let arch = Arch {
        inputs: 1,
        layers: vec![
            Layer::Dense {
                inputs: 1,
                outputs: 2,
                activation: Some(NetActivation::Relu),
                residual: false,
                batch_norm: true,
            },
            Layer::Dense {
                inputs: 2,
                outputs: 2,
                activation: None,
                residual: false,
                batch_norm: false,
            },
        ],
    };
    let w = Weights::new(
        arch,
        vec![
            (vec![1.0, 2.0], vec![0.0, 1.0]),
            (vec![1.0, 0.0, 0.0, 1.0], vec![0.0, 0.0]),
        ],
    );
    let mut net = Net::new(&w);
    let sgd = plain_sgd();
    net.step(&[1.0, 2.0, 3.0], &[0, 1, 0], Loss::CrossEntropy, &sgd, 0.0)
        .unwrap();
    let n = net.weights().norms[0].clone().unwrap();
    assert_eq!(n.running_mean, [0.2, 0.5]);
    assert_eq!(n.running_var, [1.0, 1.3]);
    net.step(&[0.0, 4.0], &[1, 0], Loss::CrossEntropy, &sgd, 0.0)
        .unwrap();
    let n = net.weights().norms[0].clone().unwrap();
    for (got, want) in n
        .running_mean
        .iter()
        .chain(&n.running_var)
        .zip([0.38, 0.95, 1.7, 4.37])
    {
        assert!((got - want).abs() < 1e-6, "{got} vs {want}");
    }
    assert_eq!((n.gamma, n.beta), (vec![1.0; 2], vec![0.0; 2]));
    // A training batch of one has no variance: an error, as in PyTorch.
    assert!(
        net.step(&[1.0], &[0], Loss::CrossEntropy, &sgd, 0.1)
            .is_err()
    );
}

#[test]
fn evaluation_uses_the_running_averages() {
    let mut net = Net::new(&mlp_bn(vec![5, 5], true, 4));
    let x = inputs(12, 6);
    let labels: Vec<u8> = (0..12).map(|i| (i % 3) as u8).collect();
    let opt = Optimizer::Sgd {
        momentum: 0.9,
        nesterov: false,
        weight_decay: 1e-3,
    };
    for s in 0..10 {
        let r = (s % 3) * 4;
        net.step(
            &x[r * 6..(r + 4) * 6],
            &labels[r..r + 4],
            Loss::CrossEntropy,
            &opt,
            0.1,
        )
        .unwrap();
    }
    let w = net.weights();
    let many = net.outputs(&x, 12).unwrap();
    let training = net.training_outputs(&x, 12);
    for e in 0..12 {
        let one = net.outputs(&x[e * 6..(e + 1) * 6], 1).unwrap();
        let xe: Vec<f64> = x[e * 6..(e + 1) * 6].iter().map(|&v| v as f64).collect();
        let host = host_forward(&w, &xe);
        for j in 0..3 {
            let m = many[e * 3 + j];
            assert!(
                (one[j] - m).abs() <= 1e-6 * (1.0 + m.abs()),
                "example {e} output {j}: alone {} vs in the batch {m}",
                one[j]
            );
            assert!((m as f64 - host[j]).abs() < 1e-5 * (1.0 + host[j].abs()));
        }
    }
    // The batch's own statistics give other outputs.
    assert!(
        many.iter()
            .zip(&training)
            .any(|(a, b)| (a - b).abs() > 1e-3)
    );
    // Weights, γ, δ and running averages round-trip through safetensors.
    let bytes = w.to_bundle().encode().unwrap();
    let back = Weights::from_bundle(&data::Bundle::decode(&bytes).unwrap()).unwrap();
    assert_eq!(back, w);
    let b = data::Bundle::decode(&bytes).unwrap();
    assert_eq!(
        b.f32("layer1.bn.running_var").unwrap().1,
        &w.norms[1].as_ref().unwrap().running_var[..]
    );
    // The same training again gives the same bits.
    let mut again = Net::new(&mlp_bn(vec![5, 5], true, 4));
    for s in 0..10 {
        let r = (s % 3) * 4;
        again
            .step(
                &x[r * 6..(r + 4) * 6],
                &labels[r..r + 4],
                Loss::CrossEntropy,
                &opt,
                0.1,
            )
            .unwrap();
    }
    assert_eq!(again.weights().fingerprint(), w.fingerprint());
}
