//! The plot stage: resolves every panel and check reference `SECTION.COLUMN` to numbers,
//! evaluates the figure's `[[check]]`s, renders the SVG with `plotting`, and stores both as a
//! [`PlotArtifact`]. This file, `sweep.rs` and `check.rs` are part of the plot stage's
//! implementation digest only (see build.rs), so editing them re-runs plots, not training.

use std::collections::BTreeMap;

use crate::spec::FigureSpec;
use crate::stages::{Inputs, columns, encode};

/// The output of a plot stage: the SVG and the numbers it plots (for export and cross-platform checks).
///
/// Stored as a small container (`UDLPLOT1\n`, the SVG's length as 8 little-endian bytes, the SVG,
/// then the plotted numbers as canonical JSON) so that a cache hit needs no parsing to write the
/// SVG or hash the outputs.
#[derive(Clone, Debug, PartialEq)]
pub struct PlotArtifact {
    /// The SVG document.
    pub svg: String,
    /// The plotted numbers as canonical JSON: reference (`SECTION.COLUMN`) -> values.
    pub data: Vec<u8>,
}

const PLOT_MAGIC: &[u8] = b"UDLPLOT1\n";

impl PlotArtifact {
    /// Builds the artifact from an SVG and the plotted series.
    pub fn new(svg: String, series: &BTreeMap<String, Vec<f64>>) -> Result<PlotArtifact, String> {
        Ok(PlotArtifact {
            svg,
            data: encode(series)?,
        })
    }

    /// The container bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(PLOT_MAGIC.len() + 8 + self.svg.len() + self.data.len());
        out.extend_from_slice(PLOT_MAGIC);
        out.extend_from_slice(&(self.svg.len() as u64).to_le_bytes());
        out.extend_from_slice(self.svg.as_bytes());
        out.extend_from_slice(&self.data);
        out
    }

    /// Decodes a cached plot output.
    pub fn decode(bytes: &[u8]) -> Result<PlotArtifact, String> {
        let bad = || "plot output is not a plot artifact".to_string();
        let rest = bytes.strip_prefix(PLOT_MAGIC).ok_or_else(bad)?;
        let (len, rest) = rest.split_first_chunk::<8>().ok_or_else(bad)?;
        let len = usize::try_from(u64::from_le_bytes(*len)).map_err(|_| bad())?;
        if len > rest.len() {
            return Err(bad());
        }
        let (svg, data) = rest.split_at(len);
        let svg = String::from_utf8(svg.to_vec()).map_err(|_| bad())?;
        Ok(PlotArtifact {
            svg,
            data: data.to_vec(),
        })
    }

    /// The plotted numbers.
    pub fn series(&self) -> Result<BTreeMap<String, Vec<f64>>, String> {
        serde_json::from_slice(&self.data)
            .map_err(|e| format!("plotted numbers do not decode: {e}"))
    }

    /// Output name -> blake3 (hex) of its bytes, as recorded in locks: `svg` and `data`.
    pub fn output_hashes(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            (
                "data".to_string(),
                blake3::hash(&self.data).to_hex().to_string(),
            ),
            (
                "svg".to_string(),
                blake3::hash(self.svg.as_bytes()).to_hex().to_string(),
            ),
        ])
    }

    /// The plotted numbers as CSV: one column per reference, rows by index (short columns leave blanks).
    pub fn to_csv(&self) -> Result<String, String> {
        let series = self.series()?;
        let names: Vec<&String> = series.keys().collect();
        let rows = series.values().map(Vec::len).max().unwrap_or(0);
        let mut out = names
            .iter()
            .map(|n| csv_field(n))
            .collect::<Vec<_>>()
            .join(",");
        out.push('\n');
        for r in 0..rows {
            let cells: Vec<String> = series
                .values()
                .map(|v| v.get(r).map(|x| format!("{x:?}")).unwrap_or_default())
                .collect();
            out.push_str(&cells.join(","));
            out.push('\n');
        }
        Ok(out)
    }

    /// The plotted numbers as pretty JSON (reference -> values).
    pub fn to_json(&self) -> Result<Vec<u8>, String> {
        let mut v = serde_json::to_vec_pretty(&self.series()?).expect("series serialise");
        v.push(b'\n');
        Ok(v)
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The values of one data reference `SECTION.COLUMN` (a section's or an aggregate's column),
/// computing and remembering each table the first time it is named.
fn resolve<'f>(
    fig: &'f FigureSpec,
    inputs: &Inputs,
    tables: &mut BTreeMap<&'f str, BTreeMap<String, Vec<f64>>>,
    r: &str,
) -> Result<Vec<f64>, String> {
    let (section, column) =
        crate::sweep::split_reference(r).ok_or_else(|| format!("bad reference `{r}`"))?;
    if !tables.contains_key(section) {
        let (name, t) = match fig.aggregates.get_key_value(section) {
            Some((name, a)) => {
                let points = fig.swept.get(&a.section).map_or(&[][..], Vec::as_slice);
                let t = a
                    .compute(&fig.sweep, points, &mut |p| columns(fig, p, inputs))
                    .map_err(|e| format!("aggregate `{section}`: {e}"))?;
                (name.as_str(), t)
            }
            None => {
                let name = fig
                    .sections
                    .get_key_value(section)
                    .map(|(k, _)| k.as_str())
                    .ok_or_else(|| format!("reference `{r}`: no section `{section}`"))?;
                (name, columns(fig, section, inputs)?)
            }
        };
        tables.insert(name, t);
    }
    let table = &tables[section];
    let values = table.get(column).ok_or_else(|| {
        let names: Vec<&str> = table.keys().map(String::as_str).collect();
        let hint = crate::diag::nearest(column, names.iter().copied())
            .map(|b| format!("; did you mean `{section}.{b}`?"))
            .unwrap_or_default();
        format!(
            "reference `{r}`: section `{section}` has no column `{column}` (it has {}){hint}",
            names.join(", ")
        )
    })?;
    Ok(values.clone())
}

pub(crate) fn plot(
    fig: &FigureSpec,
    inputs: &Inputs,
    style: &plotting::Style,
) -> Result<Vec<u8>, String> {
    let mut tables: BTreeMap<&str, BTreeMap<String, Vec<f64>>> = BTreeMap::new();
    let mut series = BTreeMap::new();
    let mut panels = Vec::new();
    for spec in &fig.panels {
        let mut panel = plotting::Panel::new(spec.clone());
        for r in spec.references() {
            let values = resolve(fig, inputs, &mut tables, r)?;
            series.insert(r.to_string(), values.clone());
            panel = panel.with(r, values);
        }
        panels.push(panel);
    }
    // The series the checks read are stored with the plotted ones, so that `verify` and the
    // lock cover them too.
    for check in &fig.checks {
        for r in check.references() {
            if let std::collections::btree_map::Entry::Vacant(slot) = series.entry(r) {
                let values = resolve(fig, inputs, &mut tables, slot.key())?;
                slot.insert(values);
            }
        }
        check.evaluate(&series)?;
    }
    let figure = plotting::Figure {
        layout: fig.layout.clone(),
        panels,
    };
    let svg = plotting::render_svg(&figure, style).map_err(|e| e.to_string())?;
    Ok(PlotArtifact::new(svg, &series)?.encode())
}
