//! The numbers behind figure 8.1 (how an MNIST-1D example is made): the plotted templates are the
//! normalised hand-drawn ones, and every plotted stage of the traced example follows from the
//! previous one as the generator's description says (mnist1d.md, section 4).

use std::collections::BTreeMap;

use crate::numbers::build_real;

type Art = BTreeMap<String, Vec<f64>>;

fn col<'a>(art: &'a Art, name: &str) -> &'a [f64] {
    art.get(&format!("trace.{name}"))
        .unwrap_or_else(|| panic!("figure 8.1 plots no trace.{name}"))
}

/// Population mean and standard deviation.
fn mean_std(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n;
    (mean, var.sqrt())
}

/// The raw templates as published (Greydanus 2020; mnist1d.md, section 3.1).
const RAW: [[f64; 12]; 10] = [
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

#[test]
fn figure_8_1_templates_are_the_normalised_hand_drawn_ones() {
    let art = build_real("8.1");
    for (c, raw) in RAW.iter().enumerate() {
        let template = col(&art, &format!("template.{c}"));
        assert_eq!(template.len(), 12, "template {c}");
        // Normalised: zero mean and unit (population) std, then shifted to start at 0 and divided
        // by 6. So 6 · template, centred, is the standardised raw template, the template's std
        // is 1/6, and it starts and ends at 0 (every raw template starts and ends at 5).
        let (raw_mean, raw_std) = mean_std(raw);
        let scaled: Vec<f64> = template.iter().map(|v| 6.0 * v).collect();
        let (mean, std) = mean_std(&scaled);
        assert!((std - 1.0).abs() < 1e-12, "template {c}: std {std}");
        for (s, r) in scaled.iter().zip(raw) {
            let standardised = (r - raw_mean) / raw_std;
            assert!((s - mean - standardised).abs() < 1e-12, "template {c}");
        }
        assert_eq!((template[0], template[11]), (0.0, 0.0), "template {c}");
    }
    // A few printed values (6 decimals): class 0's plateau, class 4's dip, class 9's last point.
    assert!((col(&art, "template.0")[4] - 0.473879).abs() < 5e-7);
    assert!((col(&art, "template.4")[4] - -0.423999).abs() < 5e-7);
    assert!((col(&art, "template.9")[10] - -0.200082).abs() < 5e-7);
    // Plotted against 12 evenly spaced positions from −5/6 to 5/6.
    let t = col(&art, "t.template");
    for (i, v) in t.iter().enumerate() {
        assert!((v - (-5.0 + i as f64 * 10.0 / 11.0) / 6.0).abs() < 1e-15);
    }
}

#[test]
fn figure_8_1_traces_one_example_stage_by_stage() {
    let art = build_real("8.1");
    let c = |name: &str| col(&art, name).to_vec();
    let (padded, dilated, scaled, shifted) = (c("padded"), c("dilated"), c("scaled"), c("shifted"));
    let (with_corr, with_iid, sheared) = (c("with-corr-noise"), c("with-iid-noise"), c("sheared"));
    let (output, t_final, sample) = (c("output"), c("t.final"), c("sample"));

    // Padding: the class-0 template (+ 1e-8) followed by 36-60 zeros.
    let padding = padded.len() - 12;
    assert!((36..=60).contains(&padding), "padding {padding}");
    for (p, t) in padded.iter().zip(col(&art, "template.0")) {
        assert!((p - t - 1e-8).abs() < 1e-15);
    }
    assert!(padded[12..].iter().all(|&v| v == 0.0));
    // Stretched back to the working length 72 = 12 + 60; the ends stay the ends.
    assert_eq!(dilated.len(), 72);
    assert_eq!((dilated[0], dilated[71]), (padded[0], 0.0));
    // Scaled by one factor in [0.8, 1.2).
    let k = (0..72).find(|&i| dilated[i] != 0.0).unwrap();
    let scale = scaled[k] / dilated[k];
    assert!((0.8..1.2).contains(&scale), "scale {scale}");
    for (s, d) in scaled.iter().zip(&dilated) {
        assert!((s - d * scale).abs() < 1e-15);
    }
    // Shifted circularly by one k in 0..48.
    let shift = (0..48)
        .filter(|&k| (0..72).all(|i| shifted[(i + k) % 72] == scaled[i]))
        .collect::<Vec<_>>();
    assert_eq!(shift.len(), 1, "exactly one circular shift: {shift:?}");
    // The template support keeps its values; the background changes (smoothed noise).
    for i in 0..72 {
        if shifted[i] != 0.0 {
            assert_eq!(with_corr[i], shifted[i]);
        }
    }
    assert!((0..72).any(|i| shifted[i] == 0.0 && with_corr[i] != 0.0));
    // White noise of std 0.02 everywhere: small, and nowhere zero.
    let white: Vec<f64> = with_iid
        .iter()
        .zip(&with_corr)
        .map(|(a, b)| a - b)
        .collect();
    assert!(white.iter().all(|w| *w != 0.0 && w.abs() < 0.02 * 6.0));
    // Shear: a linear ramp subtracted, c · linspace(−0.5, 0.5, 72) with c in [−0.375, 0.375).
    let ramp: Vec<f64> = with_iid.iter().zip(&sheared).map(|(a, b)| a - b).collect();
    let coeff = ramp[71] - ramp[0];
    assert!((-0.375..0.375).contains(&coeff), "shear {coeff}");
    for (i, r) in ramp.iter().enumerate() {
        assert!(
            (r - coeff * (i as f64 / 71.0 - 0.5)).abs() < 1e-12,
            "ramp[{i}]"
        );
    }
    // The final sample: 40 values, linear interpolation of the 72-point signal at 40 evenly
    // spaced positions over the same span.
    assert_eq!((output.len(), t_final.len(), sample.len()), (40, 40, 40));
    for (j, o) in output.iter().enumerate() {
        let p = j as f64 * 71.0 / 39.0;
        let (i, f) = (p.floor() as usize, p.fract());
        let expected = if i == 71 {
            sheared[71]
        } else {
            sheared[i] + f * (sheared[i + 1] - sheared[i])
        };
        assert!((o - expected).abs() < 1e-12, "output[{j}]");
    }
    for (j, t) in t_final.iter().enumerate() {
        assert!((t - (-5.0 / 6.0 + j as f64 * 5.0 / 3.0 / 39.0)).abs() < 1e-15);
    }
    // Standardised with one global mean and std, it is the first training example of class 0,
    // the one drawn in row e).
    assert_eq!(sample, col(&art, "class.0.0"));
    let ratio = (sample[1] - sample[0]) / (output[1] - output[0]);
    for j in 0..40 {
        let back = sample[0] + (output[j] - output[0]) * ratio;
        assert!((sample[j] - back).abs() < 1e-9, "affine in the output: {j}");
    }
    // The default set's global std is about 0.155 (mnist1d.md, section 5).
    assert!((1.0 / ratio - 0.15468).abs() < 1e-4, "std {}", 1.0 / ratio);
    // Row e): one training example of each class, 40 values each.
    for c in 0..10 {
        let row = col(&art, &format!("class.{c}.0"));
        assert_eq!(row.len(), 40, "class {c}");
        assert!(row.iter().all(|v| v.is_finite()));
    }
}
