//! The ten 12-point MNIST-1D digit templates and their normalisation (`get_templates`).

use super::signal::{linspace, mean_std, pairwise_sum};
use serde::{Deserialize, Serialize};

/// Number of classes ("digits" 0–9).
pub const NUM_CLASSES: usize = 10;

/// Number of points of each template.
pub const TEMPLATE_LEN: usize = 12;

/// The hand-drawn templates before normalisation, one row per class (all start and end at 5).
pub const RAW_TEMPLATES: [[f64; TEMPLATE_LEN]; NUM_CLASSES] = [
    [5.0, 6.0, 6.5, 6.75, 7.0, 7.0, 7.0, 7.0, 6.75, 6.5, 6.0, 5.0],
    [5.0, 3.0, 3.0, 3.4, 3.8, 4.2, 4.6, 5.0, 5.4, 5.8, 5.0, 5.0],
    [5.0, 6.0, 6.5, 6.5, 6.0, 5.25, 4.75, 4.0, 3.5, 3.5, 4.0, 5.0],
    [5.0, 6.0, 6.5, 6.5, 6.0, 5.0, 5.0, 6.0, 6.5, 6.5, 6.0, 5.0],
    [5.0, 4.4, 3.8, 3.2, 2.6, 2.6, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0],
    [5.0, 3.0, 3.0, 3.0, 3.0, 5.0, 6.0, 6.5, 6.5, 6.0, 4.5, 5.0],
    [5.0, 4.0, 3.5, 3.25, 3.0, 3.0, 3.0, 3.0, 3.25, 3.5, 4.0, 5.0],
    [5.0, 7.0, 7.0, 6.6, 6.2, 5.8, 5.4, 5.0, 4.6, 4.2, 5.0, 5.0],
    [5.0, 4.0, 3.5, 3.5, 4.0, 5.0, 5.0, 4.0, 3.5, 3.5, 4.0, 5.0],
    [5.0, 4.0, 3.5, 3.5, 4.0, 5.0, 5.0, 5.0, 5.0, 4.7, 4.3, 5.0],
];

/// The normalised templates with their plotting coordinate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Templates {
    /// One normalised template per class: zero mean and unit population std, shifted to start
    /// (and end) at exactly 0, divided by 6.
    pub x: [[f64; TEMPLATE_LEN]; NUM_CLASSES],
    /// The vertical plotting coordinate: 12 evenly spaced values from −5/6 to 5/6.
    pub t: [f64; TEMPLATE_LEN],
}

/// The normalised templates, computed as `get_templates()` does: per row subtract the mean,
/// divide by the population std, subtract the first value, divide by 6.
pub fn templates() -> Templates {
    let n = TEMPLATE_LEN as f64;
    let x = RAW_TEMPLATES.map(|raw| {
        let mean = pairwise_sum(&raw) / n;
        let centred = raw.map(|v| v - mean);
        // `x.std(1)` of the already centred rows: NumPy subtracts their (tiny) mean again.
        let (_, std) = mean_std(&centred);
        let scaled = centred.map(|v| v / std);
        scaled.map(|v| (v - scaled[0]) / 6.0)
    });
    let t_vec: Vec<f64> = linspace(-5.0, 5.0, TEMPLATE_LEN)
        .into_iter()
        .map(|v| v / 6.0)
        .collect();
    let mut t = [0.0; TEMPLATE_LEN];
    t.copy_from_slice(&t_vec);
    Templates { x, t }
}
