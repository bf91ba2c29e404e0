//! MNIST-1D: the small 1-D classification benchmark used throughout UDL (section 8.1, fig. 8.1).
//!
//! Ten classes ("digits" 0–9). Each example is a real-valued signal of 40 samples made from
//! its class's hand-drawn 12-point [template](templates()) by a random chain of
//! transformations: append 36–60 zeros, stretch back to 72 points (linear interpolation), scale
//! the amplitude by a factor in [0.8, 1.2), shift circularly right by 0–47 samples, replace
//! the background (everything off the template) by Gaussian-smoothed noise (σ = 2 samples),
//! add white noise everywhere, subtract a random linear ramp ("shear"), and resample to 40
//! points. Examples are generated class-major (500 per class by default), shuffled with one
//! random permutation, optionally spatially shuffled (one fixed permutation of the 40
//! positions for every example), standardised with one global mean and population std over
//! all values, and split: the first 80 % are the training set (4000 × 40), the rest the test
//! set (1000 × 40). The split is not stratified.
//!
//! Sources: S. Greydanus, *Scaling down deep learning*, arXiv 2011.14439 (2020), and
//! S. Greydanus & D. Kobak, *Scaling down deep learning with MNIST-1D*, ICML 2024; the
//! generator is a port of the `mnist1d` package 0.0.2 (`data.py`, `transform.py`).
//!
//! **Bit compatibility.** All randomness comes from a port of NumPy's legacy `RandomState`
//! ([`RandomState`]) seeded like `np.random.seed(seed)`, drawn in the official order (per
//! example: padding, scale, shift, 72 background normals, 72 white-noise normals, shear; then
//! the example permutation; then the position permutation if `shuffle-seq`), and the
//! interpolation, smoothing and summations follow NumPy/SciPy's floating-point order. With the
//! default spec [`generate`] reproduces `mnist1d.data.make_dataset()` to ~1e-15 with identical
//! labels (checked against a fixture in `tests/mnist1d.rs`); that output is in turn the frozen
//! `mnist1d_data.pkl` of the repository to within 1e-15.
//!
//! **Label noise** (not part of the official generator; UDL section 8.4, figure 8.10b):
//! exactly the loop of the udlbook notebook 8.3. A Python `random.Random` ([`PyRandom`]) is
//! seeded with `label-noise-seed` (default: `seed`, because the notebook's
//! `make_dataset` call re-seeds Python's `random` with the data seed); then for each training
//! label in order one `random()` is drawn, and if it is `< label-noise` a second `random()`
//! `u` replaces the label by `floor(10·u)`. The new class is uniform over all ten, so it equals
//! the old one with probability 1/10 (15 % noise changes about 13.5 % of the labels). Test
//! labels and all signals are untouched; the label-noise stream is separate from the signal
//! stream, so the signals do not depend on `label-noise`.

mod rng;
mod signal;
mod templates;
mod transform;

pub use rng::{PyRandom, RandomState};
pub use signal::{
    gaussian_filter1d, gaussian_kernel, interp, linspace, mean_std, pairwise_sum, resample_linear,
};
pub use templates::{NUM_CLASSES, RAW_TEMPLATES, TEMPLATE_LEN, Templates, templates};
pub use transform::{CORR_NOISE_SIGMA, GAUSSIAN_TRUNCATE, TEMPLATE_EPS, Trace, transform};

use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// Upper bound on [`Mnist1dSpec::num_samples`], so a typo cannot exhaust memory.
pub const MAX_SAMPLES: usize = 1_000_000;

/// Upper bound on the padding and on [`Mnist1dSpec::final_seq_length`].
pub const MAX_LENGTH: usize = 100_000;

/// Parameters of the MNIST-1D generator; the defaults are the official ones
/// (`get_dataset_args()`), which give the standard 4000/1000 data set.
///
/// ```toml
/// num-samples = 8000
/// train-split = 0.5
/// label-noise = 0.15
/// ```
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Mnist1dSpec {
    /// Total number of examples; each class gets `num_samples / 10` (floored).
    pub num_samples: usize,
    /// Fraction of the (shuffled) examples that form the training set: the first
    /// `floor(n · train_split)` rows.
    pub train_split: f64,
    /// Length of each template; must be 12 (the built-in templates).
    pub template_len: usize,
    /// Inclusive range `[min, max]` of the number of zeros appended to a template; the working
    /// length is `template_len + max`.
    pub padding: [usize; 2],
    /// Amplitude factor spread: the factor is uniform in `[1 − c/2, 1 + c/2)`.
    pub scale_coeff: f64,
    /// Circular shifts are uniform in `0..max_translation` (at least 1, at most the working
    /// length).
    pub max_translation: usize,
    /// Standard deviation of the background noise before Gaussian smoothing.
    pub corr_noise_scale: f64,
    /// Standard deviation of the white noise added everywhere.
    pub iid_noise_scale: f64,
    /// Ramp coefficient spread: uniform in `[−s/2, s/2)`.
    pub shear_scale: f64,
    /// Apply one random permutation of the output positions to every example.
    pub shuffle_seq: bool,
    /// Number of samples per example.
    pub final_seq_length: usize,
    /// Seed of the NumPy legacy generator (`np.random.seed`).
    pub seed: u32,
    /// Probability that a training label is redrawn uniformly from the ten classes.
    pub label_noise: f64,
    /// Seed of the Python `random` stream of the label noise; `seed` when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label_noise_seed: Option<u32>,
}

impl Default for Mnist1dSpec {
    fn default() -> Self {
        Mnist1dSpec {
            num_samples: 5000,
            train_split: 0.8,
            template_len: TEMPLATE_LEN,
            padding: [36, 60],
            scale_coeff: 0.4,
            max_translation: 48,
            corr_noise_scale: 0.25,
            iid_noise_scale: 2e-2,
            shear_scale: 0.75,
            shuffle_seq: false,
            final_seq_length: 40,
            seed: 42,
            label_noise: 0.0,
            label_noise_seed: None,
        }
    }
}

impl Mnist1dSpec {
    /// Examples per class, `num_samples / 10`.
    pub fn samples_per_class(&self) -> usize {
        self.num_samples / NUM_CLASSES
    }

    /// Number of examples actually generated, `10 · samples_per_class()`.
    pub fn total_samples(&self) -> usize {
        self.samples_per_class() * NUM_CLASSES
    }

    /// Number of training examples, `floor(total_samples() · train_split)`.
    pub fn num_train(&self) -> usize {
        (self.total_samples() as f64 * self.train_split) as usize
    }

    /// Length of the intermediate working grid, `template_len + padding[1]`.
    pub fn working_length(&self) -> usize {
        self.template_len + self.padding[1]
    }

    /// Impossible values, as `(field, message)` pairs; empty when the spec is usable.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut issues = Vec::new();
        let mut push = |field: &str, msg: String| issues.push((field.to_owned(), msg));
        if self.num_samples < NUM_CLASSES || self.num_samples > MAX_SAMPLES {
            push(
                "num-samples",
                format!(
                    "expected {NUM_CLASSES} to {MAX_SAMPLES} examples, found {}",
                    self.num_samples
                ),
            );
        }
        if !(0.0..=1.0).contains(&self.train_split) {
            push(
                "train-split",
                format!("expected a fraction in [0, 1], found {}", self.train_split),
            );
        }
        if self.template_len != TEMPLATE_LEN {
            push(
                "template-len",
                format!(
                    "the built-in templates have {TEMPLATE_LEN} points, found {}",
                    self.template_len
                ),
            );
        }
        let [pad_min, pad_max] = self.padding;
        if pad_min > pad_max || pad_max > MAX_LENGTH {
            push(
                "padding",
                format!("expected 0 <= min <= max <= {MAX_LENGTH}, found [{pad_min}, {pad_max}]"),
            );
        }
        let work_len = self.template_len + pad_max;
        if self.max_translation == 0 || self.max_translation > work_len {
            push(
                "max-translation",
                format!(
                    "expected 1 to {work_len} (the working length), found {}",
                    self.max_translation
                ),
            );
        }
        for (field, value) in [
            ("scale-coeff", self.scale_coeff),
            ("corr-noise-scale", self.corr_noise_scale),
            ("iid-noise-scale", self.iid_noise_scale),
            ("shear-scale", self.shear_scale),
        ] {
            if !value.is_finite() {
                push(field, format!("expected a finite number, found {value}"));
            }
        }
        if self.final_seq_length < 2 || self.final_seq_length > MAX_LENGTH {
            push(
                "final-seq-length",
                format!(
                    "expected 2 to {MAX_LENGTH} samples, found {}",
                    self.final_seq_length
                ),
            );
        }
        if !(0.0..=1.0).contains(&self.label_noise) {
            push(
                "label-noise",
                format!(
                    "expected a probability in [0, 1], found {}",
                    self.label_noise
                ),
            );
        }
        issues
    }

    fn check(&self) -> Result<()> {
        let issues = self.validate();
        if issues.is_empty() {
            Ok(())
        } else {
            Err(Error::InvalidSpec(issues))
        }
    }
}

/// A generated MNIST-1D data set. Signals are row-major `rows × len` matrices.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Mnist1d {
    /// Samples per example (`final_seq_length`, 40 by default).
    pub len: usize,
    /// Number of training examples.
    pub n_train: usize,
    /// Number of test examples.
    pub n_test: usize,
    /// Training signals, `n_train × len`, standardised.
    pub x_train: Vec<f64>,
    /// Training labels 0–9 (after label noise, if any).
    pub y_train: Vec<u8>,
    /// Training labels before label noise (equal to `y_train` without noise).
    pub y_train_clean: Vec<u8>,
    /// Test signals, `n_test × len`, standardised.
    pub x_test: Vec<f64>,
    /// Test labels 0–9.
    pub y_test: Vec<u8>,
    /// Plotting coordinate of the `len` samples: evenly spaced from −5/6 to 5/6, divided by
    /// `std` (as the official `t`).
    pub t: Vec<f64>,
    /// Mean of all raw signal values (train and test), subtracted in the standardisation.
    pub mean: f64,
    /// Population std of all raw signal values, divided out in the standardisation.
    pub std: f64,
    /// Generation index of each row, training rows first, then test rows: row `r` is example
    /// `order[r]` of the class-major generation (class `order[r] / samples_per_class`); pass it
    /// to [`trace_example`] to see how that row was made.
    pub order: Vec<usize>,
    /// The permutation of positions applied with `shuffle-seq`: output column `j` holds
    /// original position `seq_permutation[j]`.
    pub seq_permutation: Option<Vec<usize>>,
    /// The normalised templates.
    pub templates: Templates,
}

impl Mnist1d {
    /// Training example `i` (`len` values).
    pub fn train_row(&self, i: usize) -> &[f64] {
        &self.x_train[i * self.len..(i + 1) * self.len]
    }

    /// Test example `i` (`len` values).
    pub fn test_row(&self, i: usize) -> &[f64] {
        &self.x_test[i * self.len..(i + 1) * self.len]
    }
}

/// Generates the data set, like `mnist1d.data.make_dataset(args)` followed (when
/// `label_noise > 0`) by the label-noise loop of the udlbook notebook 8.3.
///
/// Fails with [`Error::InvalidSpec`] when [`Mnist1dSpec::validate`] finds problems.
pub fn generate(spec: &Mnist1dSpec) -> Result<Mnist1d> {
    spec.check()?;
    let templates = templates();
    let len = spec.final_seq_length;
    let per_class = spec.samples_per_class();
    let n = spec.total_samples();

    let mut rng = RandomState::new(spec.seed);
    let mut raw = Vec::with_capacity(n * len);
    for template in &templates.x {
        for _ in 0..per_class {
            raw.extend(transform(template, spec, &mut rng).output);
        }
    }

    let order = rng.permutation(n);
    let mut xs = Vec::with_capacity(n * len);
    for &src in &order {
        xs.extend_from_slice(&raw[src * len..(src + 1) * len]);
    }
    let labels: Vec<u8> = order.iter().map(|&src| (src / per_class) as u8).collect();

    let seq_permutation = spec.shuffle_seq.then(|| {
        let perm = rng.permutation(len);
        let mut row = vec![0.0; len];
        for chunk in xs.chunks_mut(len) {
            row.copy_from_slice(chunk);
            for (dst, &src) in chunk.iter_mut().zip(&perm) {
                *dst = row[src];
            }
        }
        perm
    });

    let (mean, std) = mean_std(&xs);
    for v in &mut xs {
        *v = (*v - mean) / std;
    }
    let t_work = resample_linear(&templates.t, spec.working_length());
    let t = resample_linear(&t_work, len)
        .into_iter()
        .map(|v| v / std)
        .collect();

    let n_train = spec.num_train();
    let x_test = xs.split_off(n_train * len);
    let y_train_clean = labels[..n_train].to_vec();
    let mut y_train = y_train_clean.clone();
    if spec.label_noise > 0.0 {
        let mut py = PyRandom::new(spec.label_noise_seed.unwrap_or(spec.seed).into());
        for y in &mut y_train {
            if py.random() < spec.label_noise {
                *y = (py.random() * NUM_CLASSES as f64) as u8;
            }
        }
    }

    Ok(Mnist1d {
        len,
        n_train,
        n_test: n - n_train,
        x_train: xs,
        y_train,
        y_train_clean,
        x_test,
        y_test: labels[n_train..].to_vec(),
        t,
        mean,
        std,
        order,
        seq_permutation,
        templates,
    })
}

/// The stages of example `index` of the class-major generation (class
/// `index / samples_per_class()`), replaying the generator's stream up to it; `output` is the
/// signal before the global standardisation. For the row `r` of a generated set use
/// `index = data.order[r]`.
///
/// Fails with [`Error::InvalidSpec`] for an invalid spec or an index past the last example.
pub fn trace_example(spec: &Mnist1dSpec, index: usize) -> Result<Trace> {
    spec.check()?;
    let n = spec.total_samples();
    if index >= n {
        return Err(Error::InvalidSpec(vec![(
            "index".to_owned(),
            format!("expected an example index below {n}, found {index}"),
        )]));
    }
    let templates = templates();
    let per_class = spec.samples_per_class();
    let mut rng = RandomState::new(spec.seed);
    for skipped in 0..index {
        transform(&templates.x[skipped / per_class], spec, &mut rng);
    }
    Ok(transform(&templates.x[index / per_class], spec, &mut rng))
}
