//! `kind = "mnist1d-trace"`: how an MNIST-1D example is made (UDL section 8.1, fig. 8.1).
//!
//! Replays the generator of a `[data]` section of kind `mnist1d` ([`data::mnist1d`]) for one
//! training example and returns every stage of its construction as columns: the class's
//! 12-point template; the template followed by 36-60 zeros (`padded`); that vector stretched back
//! to the working length D = 72 by linear interpolation (`dilated`); multiplied by a factor in
//! [0.8, 1.2) (`scaled`); rotated right by 0-47 samples (`shifted`); the background (everything
//! off the template) replaced by Gaussian-smoothed noise (`with-corr-noise`); white noise added
//! everywhere (`with-iid-noise`); a linear ramp subtracted (`sheared`); and the result resampled
//! to 40 points (`output`), which the data set then standardises with one global mean and
//! standard deviation (`sample`). Each stage comes with the coordinate it lives on: `t.template`
//! (12 points), `t.work` (D) and `t.final` (40), each evenly spaced over [−5/6, 5/6] as in the
//! official generator (whose plotting coordinate `t` is `t.final` divided by the global standard
//! deviation), and `t.padded`, the first 12 + padding points of `t.work`: before stretching, the
//! padded samples sit at the working grid's spacing, so the stretch shows. The ten templates and chosen training rows of the
//! generated set come along, so one analysis holds every number of figure 8.1.

use data::Table;
use data::mnist1d::{self, Mnist1d, Mnist1dSpec, NUM_CLASSES, Templates, resample_linear};
use serde::{Deserialize, Serialize};

/// Upper bound on `rows` and on `per-class`, so a typo cannot produce a huge table.
pub const MAX_ROWS: usize = 1000;

/// `kind = "mnist1d-trace"`: one example's construction, the templates and some training rows.
///
/// ```toml
/// [analysis.trace]
/// kind = "mnist1d-trace"
/// data = "mnist"          # a [data] section with kind = "mnist1d"
/// class = 3               # trace the first training example of class 3 ...
/// occurrence = 0
/// # row = 17              # ... or training row 17
/// rows = [0, 1, 2]        # columns train.0, train.1, train.2
/// per-class = 1           # columns class.0.0 ... class.9.0
/// ```
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Mnist1dTraceSpec {
    /// The `[data]` section (of kind `mnist1d`) whose generator is replayed.
    pub data: String,
    /// Trace this row of the training set (give `row` or `class`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row: Option<usize>,
    /// Trace a training example of this class, 0-9 (its true class, before any label noise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<usize>,
    /// With `class`: which of the class's training examples, counted from 0 in row order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occurrence: Option<usize>,
    /// Training rows to copy as columns `train.{r}` (standardised, as the data set holds them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<usize>,
    /// Training examples per class to copy as columns `class.{c}.{k}`: the first `per-class`
    /// examples of each class, in row order.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub per_class: usize,
    /// The generator parameters of `data`, filled in by the pipeline when it reads the figure
    /// (never written in a spec), so that they are part of the stage's key.
    #[serde(skip_deserializing, default, skip_serializing_if = "Option::is_none")]
    pub generator: Option<Mnist1dSpec>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Mnist1dTraceSpec {
    /// Impossible values, as `(field, message)`; checks against the data set's size once
    /// `generator` is known.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut issues = Vec::new();
        let mut push = |field: &str, msg: String| issues.push((field.to_owned(), msg));
        match (self.row, self.class) {
            (None, None) => push(
                "row",
                "give the example to trace: `row = R` (a training row) or `class = C`".into(),
            ),
            (Some(_), Some(_)) => push(
                "class",
                "give `row` or `class`, not both: each names the example to trace".into(),
            ),
            _ => {}
        }
        if let Some(c) = self.class
            && c >= NUM_CLASSES
        {
            push(
                "class",
                format!("expected a class from 0 to {}, found {c}", NUM_CLASSES - 1),
            );
        }
        if self.occurrence.is_some() && self.class.is_none() {
            push(
                "occurrence",
                "`occurrence` counts the examples of a `class`; give `class` too".into(),
            );
        }
        if self.rows.len() > MAX_ROWS {
            push(
                "rows",
                format!(
                    "expected at most {MAX_ROWS} rows, found {}",
                    self.rows.len()
                ),
            );
        }
        if self.per_class > MAX_ROWS {
            push(
                "per-class",
                format!("expected at most {MAX_ROWS}, found {}", self.per_class),
            );
        }
        if let Some(generator) = &self.generator {
            let n_train = generator.num_train();
            if let Some(r) = self.row
                && r >= n_train
            {
                push(
                    "row",
                    format!(
                        "the data set has {n_train} training rows (0 to {}), found {r}",
                        n_train.saturating_sub(1)
                    ),
                );
            }
            if let Some(r) = self.rows.iter().find(|&&r| r >= n_train) {
                push(
                    "rows",
                    format!(
                        "the data set has {n_train} training rows (0 to {}), found {r}",
                        n_train.saturating_sub(1)
                    ),
                );
            }
        }
        issues
    }

    /// Fills in `generator` from the data section `data` names; problems as `(field, message)`.
    /// A name that is not a section at all is left to the figure's reference check.
    pub fn resolve(&mut self, data: Option<&data::DataSpec>) -> Vec<(String, String)> {
        match data {
            Some(data::DataSpec::Mnist1d(g)) => {
                self.generator = Some(g.clone());
                self.validate()
                    .into_iter()
                    .filter(|(f, _)| f == "row" || f == "rows")
                    .collect()
            }
            Some(other) => {
                let kind = match other {
                    data::DataSpec::Function(_) => "function",
                    data::DataSpec::Points(_) => "points",
                    data::DataSpec::NoisySamples(_) => "noisy-samples",
                    data::DataSpec::Mnist1d(_) => unreachable!("matched above"),
                };
                vec![(
                    "data".into(),
                    format!(
                        "`{}` is a [data] section of kind `{kind}`; mnist1d-trace needs kind = \"mnist1d\"",
                        self.data
                    ),
                )]
            }
            None => Vec::new(),
        }
    }
}

/// The training rows of `set` whose true class is `class`, in row order.
fn rows_of_class(set: &Mnist1d, class: usize) -> impl Iterator<Item = usize> + '_ {
    (0..set.n_train).filter(move |&r| set.y_train_clean[r] as usize == class)
}

/// The table of `kind = "mnist1d-trace"` for the data set `generator` describes.
///
/// Columns (one value each where marked ¹):
/// - the traced example: `template` on `t.template`; `padded` on `t.padded`; `dilated`,
///   `scaled`, `shifted`, `mask` (1 on the template support, 0 on the background),
///   `corr-noise`, `with-corr-noise`, `iid-noise`, `with-iid-noise`, `sheared` on `t.work`;
///   `output` on `t.final`; `sample` = (output − `mean`)/`std` on `t` (in the original position
///   order, also with `shuffle-seq`);
/// - its draws and identity¹: `padding`, `scale`, `shift`, `shear`, `class`, `row`, `index` (its
///   place in the class-major generation); the data set's `mean`¹ and `std`¹;
/// - `template.{c}` for the ten classes, on `t.template`;
/// - `train.{r}` for each of `rows` (on `t`), with `label.{r}`¹ (its training label, after any
///   label noise); `class.{c}.{k}` for k < `per-class` (on `t`), with `class-row.{c}.{k}`¹.
pub fn mnist1d_trace(spec: &Mnist1dTraceSpec, generator: &Mnist1dSpec) -> crate::Result<Table> {
    let issues = Mnist1dTraceSpec {
        generator: Some(generator.clone()),
        ..spec.clone()
    }
    .validate();
    if !issues.is_empty() {
        return Err(crate::Error::InvalidSpec(issues));
    }
    let set = mnist1d::generate(generator)?;
    let row = match (spec.row, spec.class) {
        (Some(r), _) => r,
        (None, Some(c)) => {
            let k = spec.occurrence.unwrap_or(0);
            let found = rows_of_class(&set, c).count();
            rows_of_class(&set, c).nth(k).ok_or_else(|| {
                crate::Error::Unsupported(format!(
                    "class {c} has {found} training examples, so occurrence {k} does not exist"
                ))
            })?
        }
        (None, None) => unreachable!("validate demands row or class"),
    };
    let index = set.order[row];
    let trace = mnist1d::trace_example(generator, index)?;

    let mut table = Table::new();
    let Templates { x: templates, t } = &set.templates;
    let t_template = t.to_vec();
    let t_work = resample_linear(&t_template, generator.working_length());
    let t_final = resample_linear(&t_work, set.len);
    // Before stretching, the padded vector's samples sit at the working grid's spacing.
    let t_padded = t_work[..trace.padded.len()].to_vec();
    let class = index / generator.samples_per_class();

    table.insert("template", trace.template);
    table.insert("padded", trace.padded);
    table.insert("dilated", trace.dilated);
    table.insert("scaled", trace.scaled);
    table.insert("shifted", trace.shifted);
    table.insert(
        "mask",
        trace
            .mask
            .iter()
            .map(|&on| f64::from(u8::from(on)))
            .collect(),
    );
    table.insert("corr-noise", trace.corr_noise);
    table.insert("with-corr-noise", trace.with_corr_noise);
    table.insert("iid-noise", trace.iid_noise);
    table.insert("with-iid-noise", trace.with_iid_noise);
    table.insert("sheared", trace.sheared);
    table.insert(
        "sample",
        trace
            .output
            .iter()
            .map(|v| (v - set.mean) / set.std)
            .collect(),
    );
    table.insert("output", trace.output);
    table.insert("padding", vec![trace.padding as f64]);
    table.insert("scale", vec![trace.scale]);
    table.insert("shift", vec![trace.shift as f64]);
    table.insert("shear", vec![trace.shear]);
    table.insert("class", vec![class as f64]);
    table.insert("row", vec![row as f64]);
    table.insert("index", vec![index as f64]);
    table.insert("mean", vec![set.mean]);
    table.insert("std", vec![set.std]);

    table.insert("t.template", t_template);
    table.insert("t.padded", t_padded);
    table.insert("t.work", t_work);
    table.insert("t.final", t_final);
    table.insert("t", set.t.clone());

    for (c, template) in templates.iter().enumerate() {
        table.insert(format!("template.{c}"), template.to_vec());
    }
    for &r in &spec.rows {
        table.insert(format!("train.{r}"), set.train_row(r).to_vec());
        table.insert(format!("label.{r}"), vec![f64::from(set.y_train[r])]);
    }
    if spec.per_class > 0 {
        for c in 0..NUM_CLASSES {
            let rows: Vec<usize> = rows_of_class(&set, c).take(spec.per_class).collect();
            if rows.len() < spec.per_class {
                return Err(crate::Error::Unsupported(format!(
                    "per-class = {} but class {c} has only {} training examples",
                    spec.per_class,
                    rows.len()
                )));
            }
            for (k, r) in rows.into_iter().enumerate() {
                table.insert(format!("class.{c}.{k}"), set.train_row(r).to_vec());
                table.insert(format!("class-row.{c}.{k}"), vec![r as f64]);
            }
        }
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(row: Option<usize>, class: Option<usize>) -> Mnist1dTraceSpec {
        Mnist1dTraceSpec {
            data: "mnist".into(),
            row,
            class,
            occurrence: None,
            rows: Vec::new(),
            per_class: 0,
            generator: None,
        }
    }

    /// A smaller set than the default (faster), with every transformation switched on.
    fn small() -> Mnist1dSpec {
        Mnist1dSpec {
            num_samples: 500,
            ..Mnist1dSpec::default()
        }
    }

    #[test]
    fn the_traced_output_is_the_data_set_row_after_standardising() {
        let generator = small();
        let set = mnist1d::generate(&generator).unwrap();
        for row in [0, 1, 57, 399] {
            let table = mnist1d_trace(&spec(Some(row), None), &generator).unwrap();
            let output = table.get("output").unwrap();
            assert_eq!(output.len(), 40);
            // Standardised with the set's global mean and std, it is the row, bit for bit.
            let standardised: Vec<f64> = output.iter().map(|v| (v - set.mean) / set.std).collect();
            assert_eq!(standardised, set.train_row(row), "row {row}");
            assert_eq!(table.get("sample").unwrap(), set.train_row(row));
            assert_eq!(table.get("index").unwrap(), [set.order[row] as f64]);
            assert_eq!(
                table.get("class").unwrap(),
                [f64::from(set.y_train_clean[row])]
            );
        }
    }

    #[test]
    fn default_set_rows_match_too() {
        // The official 4000/1000 set (seed 42): training rows 0 and 3999.
        let generator = Mnist1dSpec::default();
        let set = mnist1d::generate(&generator).unwrap();
        for row in [0, 3999] {
            let table = mnist1d_trace(&spec(Some(row), None), &generator).unwrap();
            let output = table.get("output").unwrap();
            let standardised: Vec<f64> = output.iter().map(|v| (v - set.mean) / set.std).collect();
            assert_eq!(standardised, set.train_row(row), "row {row}");
        }
    }

    #[test]
    fn with_shuffle_seq_the_sample_is_the_row_before_the_permutation() {
        let generator = Mnist1dSpec {
            shuffle_seq: true,
            ..small()
        };
        let set = mnist1d::generate(&generator).unwrap();
        let perm = set.seq_permutation.clone().unwrap();
        let table = mnist1d_trace(&spec(Some(5), None), &generator).unwrap();
        let sample = table.get("sample").unwrap();
        let permuted: Vec<f64> = perm.iter().map(|&j| sample[j]).collect();
        assert_eq!(permuted, set.train_row(5));
    }

    #[test]
    fn class_and_occurrence_pick_the_kth_training_example_of_the_class() {
        let generator = small();
        let set = mnist1d::generate(&generator).unwrap();
        let threes: Vec<usize> = (0..set.n_train).filter(|&r| set.y_train[r] == 3).collect();
        let mut s = spec(None, Some(3));
        s.occurrence = Some(2);
        let table = mnist1d_trace(&s, &generator).unwrap();
        assert_eq!(table.get("row").unwrap(), [threes[2] as f64]);
        assert_eq!(table.get("class").unwrap(), [3.0]);
        // Class-major generation with 50 per class: class 3 is indices 150..200.
        let index = table.get("index").unwrap()[0];
        assert!((150.0..200.0).contains(&index), "{index}");
        // The template traced is class 3's.
        assert_eq!(
            table.get("template").unwrap(),
            table.get("template.3").unwrap()
        );
        // Past the class's last example: a clear error.
        s.occurrence = Some(threes.len());
        let err = mnist1d_trace(&s, &generator).unwrap_err().to_string();
        assert!(
            err.contains(&format!("class 3 has {} training examples", threes.len())),
            "{err}"
        );
    }

    #[test]
    fn stages_follow_from_each_other_and_live_on_their_coordinates() {
        let generator = small();
        let table = mnist1d_trace(&spec(Some(11), None), &generator).unwrap();
        let col = |n: &str| table.get(n).unwrap().to_vec();
        let (padding, shift) = (col("padding")[0] as usize, col("shift")[0] as usize);
        let (scale, shear) = (col("scale")[0], col("shear")[0]);
        assert!((36..=60).contains(&padding) && shift < 48);
        assert!((0.8..1.2).contains(&scale) && (-0.375..0.375).contains(&shear));
        // Lengths: 12, 12 + padding, 72 (working grid), 40.
        assert_eq!(col("template").len(), 12);
        assert_eq!(col("t.template").len(), 12);
        assert_eq!(col("padded").len(), 12 + padding);
        assert_eq!(col("t.padded").len(), 12 + padding);
        for name in [
            "dilated",
            "scaled",
            "shifted",
            "mask",
            "corr-noise",
            "with-corr-noise",
            "iid-noise",
            "with-iid-noise",
            "sheared",
            "t.work",
        ] {
            assert_eq!(col(name).len(), 72, "{name}");
        }
        for name in ["output", "sample", "t.final", "t"] {
            assert_eq!(col(name).len(), 40, "{name}");
        }
        // Padding: the template + 1e-8, then exact zeros.
        let (template, padded) = (col("template"), col("padded"));
        for i in 0..12 {
            assert_eq!(padded[i], template[i] + 1e-8);
        }
        assert!(padded[12..].iter().all(|&v| v == 0.0));
        // Scaling and the circular shift by hand.
        let (dilated, scaled, shifted) = (col("dilated"), col("scaled"), col("shifted"));
        for i in 0..72 {
            assert_eq!(scaled[i], dilated[i] * scale);
            assert_eq!(shifted[(i + shift) % 72], scaled[i]);
        }
        // The background takes the smoothed noise; white noise and the ramp are added.
        let (mask, corr, with_corr) = (col("mask"), col("corr-noise"), col("with-corr-noise"));
        let (iid, with_iid, sheared) = (col("iid-noise"), col("with-iid-noise"), col("sheared"));
        for i in 0..72 {
            let expected = if mask[i] == 1.0 { shifted[i] } else { corr[i] };
            assert_eq!(with_corr[i], expected);
            assert_eq!(with_iid[i], with_corr[i] + iid[i]);
            let ramp = -0.5 + i as f64 / 71.0;
            assert!((sheared[i] - (with_iid[i] - shear * ramp)).abs() < 1e-15);
        }
        // The template support: where the shifted signal is not exactly zero.
        for i in 0..72 {
            assert_eq!(mask[i] == 1.0, shifted[i] != 0.0);
        }
        // The ends of the resampling chain are the ends of the sheared signal.
        let output = col("output");
        assert_eq!(output[0], sheared[0]);
        assert_eq!(output[39], sheared[71]);
        // Every coordinate runs evenly from −5/6 to 5/6; the padded vector sits on the first
        // points of the working grid; the data set's t is divided by std.
        assert_eq!(col("t.padded"), col("t.work")[..12 + padding]);
        for name in ["t.template", "t.work", "t.final"] {
            let t = col(name);
            let step = 5.0 / 3.0 / (t.len() - 1) as f64;
            for (i, v) in t.iter().enumerate() {
                assert!(
                    (v - (-5.0 / 6.0 + i as f64 * step)).abs() < 1e-15,
                    "{name}[{i}]"
                );
            }
        }
        let std = col("std")[0];
        for (t, tf) in col("t").iter().zip(col("t.final")) {
            assert_eq!(*t, tf / std);
        }
    }

    #[test]
    fn templates_are_the_normalised_hand_drawn_ones() {
        let table = mnist1d_trace(&spec(Some(0), None), &small()).unwrap();
        for (c, raw) in mnist1d::RAW_TEMPLATES.iter().enumerate() {
            let got = table.get(&format!("template.{c}")).unwrap();
            // (raw − mean)/std, shifted to start at 0, divided by 6: population std 1/6, and
            // zero at both ends (every raw template starts and ends at 5).
            let mean = raw.iter().sum::<f64>() / 12.0;
            let std = (raw.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 12.0).sqrt();
            for (g, r) in got.iter().zip(raw) {
                let expected = ((r - mean) / std - (raw[0] - mean) / std) / 6.0;
                assert!((g - expected).abs() < 1e-14, "template {c}");
            }
            assert_eq!((got[0], got[11]), (0.0, 0.0));
        }
        // Class 6 is class 0 upside down (mnist1d.md, section 3.2).
        let (zero, six) = (
            table.get("template.0").unwrap(),
            table.get("template.6").unwrap(),
        );
        for (a, b) in zero.iter().zip(six) {
            assert!((a + b).abs() < 1e-15);
        }
        // One value of the published table: template 0, point 4 = 0.473879 (6 decimals).
        assert!((table.get("template.0").unwrap()[4] - 0.473879).abs() < 5e-7);
    }

    #[test]
    fn rows_and_per_class_copy_training_rows() {
        let generator = small();
        let set = mnist1d::generate(&generator).unwrap();
        let mut s = spec(Some(0), None);
        s.rows = vec![3, 0];
        s.per_class = 2;
        let table = mnist1d_trace(&s, &generator).unwrap();
        assert_eq!(table.get("train.3").unwrap(), set.train_row(3));
        assert_eq!(table.get("label.3").unwrap(), [f64::from(set.y_train[3])]);
        assert_eq!(table.get("train.0").unwrap(), set.train_row(0));
        for c in 0..10 {
            for k in 0..2 {
                let r = table.get(&format!("class-row.{c}.{k}")).unwrap()[0] as usize;
                assert_eq!(set.y_train_clean[r] as usize, c);
                assert_eq!(
                    table.get(&format!("class.{c}.{k}")).unwrap(),
                    set.train_row(r)
                );
            }
            let first = table.get(&format!("class-row.{c}.0")).unwrap()[0] as usize;
            let second = table.get(&format!("class-row.{c}.1")).unwrap()[0] as usize;
            assert!(first < second);
            assert!((0..first).all(|r| set.y_train_clean[r] as usize != c));
        }
        // Same inputs, same table.
        assert_eq!(mnist1d_trace(&s, &generator).unwrap(), table);
    }

    #[test]
    fn bad_specs_are_reported() {
        let fields = |s: &Mnist1dTraceSpec| -> Vec<String> {
            s.validate().into_iter().map(|(f, _)| f).collect()
        };
        assert_eq!(fields(&spec(None, None)), ["row"]);
        assert_eq!(fields(&spec(Some(1), Some(1))), ["class"]);
        assert_eq!(fields(&spec(None, Some(10))), ["class"]);
        let mut s = spec(Some(1), None);
        s.occurrence = Some(0);
        assert_eq!(fields(&s), ["occurrence"]);
        // Rows are checked against the generator once it is known: 500 examples, 400 train.
        let mut s = spec(Some(400), None);
        s.rows = vec![0, 400];
        assert!(fields(&s).is_empty());
        let issues = s.resolve(Some(&data::DataSpec::Mnist1d(small())));
        assert_eq!(
            issues.iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>(),
            ["row", "rows"]
        );
        assert!(issues[0].1.contains("400 training rows"), "{issues:?}");
        assert!(mnist1d_trace(&s, &small()).is_err());
        // A data section of another kind is named in the message.
        let points = data::DataSpec::Points(data::PointsSpec {
            x: vec![0.0],
            y: vec![0.0],
        });
        let issues = spec(Some(0), None).resolve(Some(&points));
        assert_eq!(issues[0].0, "data");
        assert!(issues[0].1.contains("kind `points`"), "{issues:?}");
        // Not a section at all: left to the reference check.
        assert!(spec(Some(0), None).resolve(None).is_empty());
    }

    #[test]
    fn the_spec_reads_from_toml_and_rejects_the_generator_key() {
        let s: Mnist1dTraceSpec =
            toml::from_str("data = \"mnist\"\nclass = 4\nper-class = 1\nrows = [2]").unwrap();
        assert_eq!(s.class, Some(4));
        assert_eq!(s.per_class, 1);
        assert!(s.generator.is_none());
        let err = toml::from_str::<Mnist1dTraceSpec>("data = \"m\"\nrow = 0\ngenerator = {}")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field"), "{err}");
    }
}
