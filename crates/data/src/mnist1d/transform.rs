//! The per-example transformation chain of MNIST-1D (`transform.py`), keeping every stage.

use super::Mnist1dSpec;
use super::rng::RandomState;
use super::signal::{gaussian_filter1d, linspace, resample_linear};
use serde::{Deserialize, Serialize};

/// Offset added to every template value so that no template sample is exactly 0 and the
/// template support can be told apart from the zero padding by an exact `!= 0` test.
pub const TEMPLATE_EPS: f64 = 1e-8;

/// Standard deviation (in samples of the working grid) of the Gaussian that smooths the
/// background noise.
pub const CORR_NOISE_SIGMA: f64 = 2.0;

/// SciPy's default truncation of the Gaussian kernel, in standard deviations.
pub const GAUSSIAN_TRUNCATE: f64 = 4.0;

/// Every stage of one example's transformation, with the random draws that shaped it.
///
/// Vectors named after a stage hold the signal *after* that stage. Working-grid vectors have
/// `template_len + padding[1]` points (72 by default); `output` has `final_seq_length` points and
/// is not yet standardised (the data set divides by one global mean and std afterwards).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    /// The normalised template (before the eps offset).
    pub template: Vec<f64>,
    /// Number of zeros appended (draw 1).
    pub padding: usize,
    /// Template + eps followed by `padding` zeros.
    pub padded: Vec<f64>,
    /// `padded` linearly resampled to the working length (the template is stretched).
    pub dilated: Vec<f64>,
    /// Amplitude factor, uniform in `[1 − scale_coeff/2, 1 + scale_coeff/2)` (draw 2).
    pub scale: f64,
    /// `dilated · scale`.
    pub scaled: Vec<f64>,
    /// Circular shift to the right, uniform in `0..max_translation` (draw 3).
    pub shift: usize,
    /// `scaled` rotated right by `shift`.
    pub shifted: Vec<f64>,
    /// Template support: `shifted[i] != 0.0`.
    pub mask: Vec<bool>,
    /// Smoothed background noise: `corr_noise_scale · N(0, 1)` per point (draw 4), Gaussian
    /// filtered with σ = 2 samples.
    pub corr_noise: Vec<f64>,
    /// `shifted` on the mask, `corr_noise` elsewhere.
    pub with_corr_noise: Vec<f64>,
    /// White noise, `iid_noise_scale · N(0, 1)` per point (draw 5).
    pub iid_noise: Vec<f64>,
    /// `with_corr_noise + iid_noise`.
    pub with_iid_noise: Vec<f64>,
    /// Ramp coefficient `c`, uniform in `[−shear_scale/2, shear_scale/2)` (draw 6).
    pub shear: f64,
    /// `with_iid_noise − c · linspace(−0.5, 0.5)`.
    pub sheared: Vec<f64>,
    /// `sheared` resampled to `final_seq_length` points.
    pub output: Vec<f64>,
}

/// Transforms one template the way `transform(x, t, args)` does, drawing from `rng` in the
/// official order: `U` (padding), `U` (scale), integer (shift), `D` normals (background noise),
/// `D` normals (white noise), `U` (shear), with `D = template_len + padding[1]`.
///
/// Draws happen even when a knob is off (e.g. `scale_coeff = 0`), as in Python, so switching
/// stages on one by one keeps the stream aligned (the repository's transformation figure).
/// `spec` must be valid ([`Mnist1dSpec::validate`]); `template` may have any length ≥ 2.
pub fn transform(template: &[f64], spec: &Mnist1dSpec, rng: &mut RandomState) -> Trace {
    let [pad_min, pad_max] = spec.padding;
    let work_len = spec.template_len + pad_max;

    // 1–2. eps offset, then pad with a random number of zeros on the right.
    let padding = pad_min + (rng.random_sample() * (pad_max - pad_min + 1) as f64) as usize;
    let mut padded: Vec<f64> = template.iter().map(|v| v + TEMPLATE_EPS).collect();
    padded.resize(padded.len() + padding, 0.0);

    // 3. Dilate to the working length.
    let dilated = resample_linear(&padded, work_len);

    // 4. Scale.
    let scale = 1.0 + spec.scale_coeff * (rng.random_sample() - 0.5);
    let scaled: Vec<f64> = dilated.iter().map(|v| v * scale).collect();

    // 5. Circular shift right by k (`concatenate([x[-k:], x[:-k]])`; k = 0 is the identity).
    let shift = rng.choice(spec.max_translation);
    let mut shifted = vec![0.0; work_len];
    for (i, &v) in scaled.iter().enumerate() {
        shifted[(i + shift) % work_len] = v;
    }

    // 6–7. Smoothed noise replaces the background (everything off the template support).
    let mask: Vec<bool> = shifted.iter().map(|&v| v != 0.0).collect();
    let raw_corr: Vec<f64> = (0..work_len)
        .map(|_| spec.corr_noise_scale * rng.standard_normal())
        .collect();
    let corr_noise = gaussian_filter1d(&raw_corr, CORR_NOISE_SIGMA, GAUSSIAN_TRUNCATE);
    let with_corr_noise: Vec<f64> = mask
        .iter()
        .zip(shifted.iter().zip(&corr_noise))
        .map(|(&on, (&s, &c))| if on { s } else { c })
        .collect();

    // 8. White noise everywhere.
    let iid_noise: Vec<f64> = (0..work_len)
        .map(|_| spec.iid_noise_scale * rng.standard_normal())
        .collect();
    let with_iid_noise: Vec<f64> = with_corr_noise
        .iter()
        .zip(&iid_noise)
        .map(|(a, b)| a + b)
        .collect();

    // 9. Shear: subtract a linear ramp.
    let shear = spec.shear_scale * (rng.random_sample() - 0.5);
    let ramp = linspace(-0.5, 0.5, work_len);
    let sheared: Vec<f64> = with_iid_noise
        .iter()
        .zip(&ramp)
        .map(|(v, r)| v - shear * r)
        .collect();

    // 10. Subsample to the output length.
    let output = resample_linear(&sheared, spec.final_seq_length);

    Trace {
        template: template.to_vec(),
        padding,
        padded,
        dilated,
        scale,
        scaled,
        shift,
        shifted,
        mask,
        corr_noise,
        with_corr_noise,
        iid_noise,
        with_iid_noise,
        shear,
        sheared,
        output,
    }
}
