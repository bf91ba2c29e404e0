//! The stage graph: each figure expands into one stage per computing section plus a plot stage.
//!
//! Stages are pure functions of their keys. A stage's key is blake3 over its [`Manifest`]: the
//! stage kind, the parsed and normalised parameters (never the TOML text, so comments and key
//! order do not matter), the content hashes of its inputs' outputs (so a re-run that produces
//! identical bytes changes no downstream key: early cut-off), the implementation digest of the
//! code that computes it, and the platform.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;

use crate::spec::{FigureSpec, Section, SectionKind};

/// Version of the manifest format; bump when the meaning of stage outputs changes without a code digest change.
pub const MANIFEST_FORMAT: u32 = 1;

/// What a stage computes.
#[derive(Clone, Debug, PartialEq)]
#[allow(clippy::large_enum_variant)] // a few hundred stages per build: size does not matter
pub enum StageKind {
    /// A `[data]`, `[model]`, `[train]` or `[analysis]` section.
    Section(Section),
    /// The figure's plot: resolves panel references and renders the SVG.
    Plot,
}

/// One node of the graph.
#[derive(Clone, Debug)]
pub struct Stage {
    /// Index of the figure in the workspace's figure list.
    pub figure: usize,
    /// The figure id, e.g. `3.3`.
    pub figure_id: String,
    /// Name inside the figure: `model.net`, `analysis.curves`, `plot`.
    pub name: String,
    /// What it computes.
    pub kind: StageKind,
    /// Canonical parameters (what the key hashes). For the plot stage, the figure's `layout`
    /// and `panels`; [`Plan::manifest`] adds the house style (kept once per plan, not per figure).
    pub params: serde_json::Value,
    /// The complete parameters (with the style, for plots) as canonical JSON, serialised once.
    params_json: Vec<u8>,
    /// Input stages as (section name, stage index), sorted by name.
    pub inputs: Vec<(String, usize)>,
    /// The crate whose implementation digest goes into the key.
    pub crate_name: &'static str,
    /// That crate's implementation digest.
    pub implementation: String,
    /// Depth in the graph (0 = no inputs); stages of one depth run in parallel.
    pub depth: usize,
}

impl Stage {
    /// `3.3/model.net`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.figure_id, self.name)
    }

    /// The manifest's `stage`: `data`, `model`, `train`, `analysis` or `plot`.
    pub fn table(&self) -> &'static str {
        match &self.kind {
            StageKind::Section(sec) => sec.kind().table(),
            StageKind::Plot => "plot",
        }
    }
}

/// Everything that determines a stage's output; hashed (as canonical JSON) into its key.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct Manifest {
    /// Manifest format version.
    pub format: u32,
    /// `data`, `model`, `train`, `analysis` or `plot`.
    pub stage: String,
    /// Resolved, normalised parameters.
    pub params: serde_json::Value,
    /// Input section name -> content hash (hex) of that input's output.
    pub inputs: BTreeMap<String, String>,
    /// Implementation digest of the crate computing the stage.
    pub implementation: String,
    /// Crate the implementation digest belongs to (for explanations).
    pub crate_name: String,
    /// Platform string (architecture and SIMD features).
    pub platform: String,
}

impl Manifest {
    /// Canonical serialisation: JSON with sorted object keys and shortest round-trip floats.
    pub fn canonical(&self) -> Vec<u8> {
        // serde_json's Map is a BTreeMap (no preserve_order feature), so keys come out sorted.
        let value = serde_json::to_value(self).expect("manifest serialises");
        serde_json::to_vec(&value).expect("manifest serialises")
    }

    /// The stage key.
    pub fn key(&self) -> cache::Key {
        cache::Key::of(&self.canonical())
    }
}

/// The whole graph for a set of figures.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// All stages; inputs always come before their dependants.
    pub stages: Vec<Stage>,
    /// Figure index -> its plot stage index.
    pub plots: BTreeMap<usize, usize>,
    /// Figure index -> the indices of its stages (contiguous, the plot last).
    pub figures: BTreeMap<usize, std::ops::Range<usize>>,
    /// The house style as JSON: part of every plot stage's parameters.
    style: serde_json::Value,
}

impl Plan {
    /// Expands figures (given as indices into `figures`) into stages (figures in parallel on
    /// the current rayon pool; the result does not depend on it).
    pub fn new(
        figures: &[FigureSpec],
        selected: &[usize],
        style: &plotting::Style,
        digests: &crate::digest::Digests,
    ) -> Plan {
        let style = serde_json::to_value(style).expect("style serialises");
        let style_json = serde_json::to_vec(&style).expect("style serialises");
        let expanded: Vec<(usize, Vec<Stage>)> = selected
            .par_iter()
            .map(|&fi| (fi, figure_stages(&figures[fi], fi, &style_json, digests)))
            .collect();
        let mut plan = Plan {
            style,
            ..Plan::default()
        };
        for (fi, stages) in expanded {
            let offset = plan.stages.len();
            for mut stage in stages {
                for (_, j) in &mut stage.inputs {
                    *j += offset;
                }
                plan.stages.push(stage);
            }
            // The plot stage comes last.
            plan.plots.insert(fi, plan.stages.len() - 1);
            plan.figures.insert(fi, offset..plan.stages.len());
        }
        plan
    }

    /// Stage indices grouped by depth; within a depth, ordered by stage id.
    pub fn waves(&self) -> Vec<Vec<usize>> {
        let max = self.stages.iter().map(|s| s.depth).max().unwrap_or(0);
        let mut waves = vec![Vec::new(); max + 1];
        for (i, s) in self.stages.iter().enumerate() {
            waves[s.depth].push(i);
        }
        for w in &mut waves {
            w.sort_by_cached_key(|&i| self.stages[i].id());
        }
        waves.retain(|w| !w.is_empty());
        waves
    }

    /// The manifest of stage `i`, given the output hashes of its inputs.
    pub fn manifest(
        &self,
        i: usize,
        input_hashes: &BTreeMap<String, String>,
        platform: &str,
    ) -> Manifest {
        let s = &self.stages[i];
        let mut params = s.params.clone();
        if let (StageKind::Plot, serde_json::Value::Object(map)) = (&s.kind, &mut params) {
            map.insert("style".into(), self.style.clone());
        }
        Manifest {
            format: MANIFEST_FORMAT,
            stage: s.table().to_string(),
            params,
            inputs: input_hashes.clone(),
            implementation: s.implementation.clone(),
            crate_name: s.crate_name.to_string(),
            platform: platform.to_string(),
        }
    }

    /// The key of stage `i`: the same as `self.manifest(i, ...).key()`, but hashed straight
    /// from the pre-serialised parameters, without building the manifest.
    pub fn key(
        &self,
        i: usize,
        input_hashes: &BTreeMap<String, String>,
        platform: &str,
    ) -> cache::Key {
        // The canonical form of a manifest: its fields in sorted order (see `Manifest::canonical`).
        let s = &self.stages[i];
        let mut h = blake3::Hasher::new();
        let string = |h: &mut blake3::Hasher, text: &str| {
            serde_json::to_writer(&mut *h, text).expect("hashing cannot fail");
        };
        h.update(b"{\"crate_name\":");
        string(&mut h, s.crate_name);
        h.update(format!(",\"format\":{MANIFEST_FORMAT},\"implementation\":").as_bytes());
        string(&mut h, &s.implementation);
        h.update(b",\"inputs\":{");
        for (n, (name, hash)) in input_hashes.iter().enumerate() {
            if n > 0 {
                h.update(b",");
            }
            string(&mut h, name);
            h.update(b":");
            string(&mut h, hash);
        }
        h.update(b"},\"params\":");
        h.update(&s.params_json);
        h.update(b",\"platform\":");
        string(&mut h, platform);
        h.update(b",\"stage\":");
        string(&mut h, s.table());
        h.update(b"}");
        cache::Key(*h.finalize().as_bytes())
    }
}

/// The stages of one figure (figure index `fi`): its sections in dependency order, then its
/// plot. Input indices are positions in the returned list.
fn figure_stages(
    fig: &FigureSpec,
    fi: usize,
    style_json: &[u8],
    digests: &crate::digest::Digests,
) -> Vec<Stage> {
    let mut stages: Vec<Stage> = Vec::new();
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    // Sections in dependency order (the spec parser rejected loops).
    let mut pending: Vec<(&String, &Section)> = fig.sections.iter().collect();
    // Grid points in grid order (width 2 before width 10), for `explain` and `status`.
    if !fig.swept.is_empty() {
        pending.sort_by_cached_key(|(name, _)| {
            let base = name.split('[').next().unwrap_or(name);
            let at = fig
                .swept
                .get(base)
                .and_then(|p| p.iter().position(|q| q.name == **name));
            (base.to_string(), at)
        });
    }
    while !pending.is_empty() {
        let before = pending.len();
        pending.retain(|(name, section)| {
            let refs = section.references();
            if !refs.iter().all(|(_, r)| index.contains_key(r)) {
                return true;
            }
            let mut inputs: Vec<(String, usize)> = refs
                .iter()
                .map(|(_, r)| (r.to_string(), index[r]))
                .collect();
            inputs.sort();
            inputs.dedup();
            let depth = inputs
                .iter()
                .map(|(_, i)| stages[*i].depth + 1)
                .max()
                .unwrap_or(0);
            let kind: SectionKind = section.kind();
            index.insert(name.as_str(), stages.len());
            let params = section.params();
            stages.push(Stage {
                figure: fi,
                figure_id: fig.meta.id.clone(),
                name: format!("{}.{}", kind.table(), name),
                kind: StageKind::Section((*section).clone()),
                params_json: serde_json::to_vec(&params).expect("params serialise"),
                params,
                inputs,
                crate_name: kind.crate_name(),
                implementation: digests.of(kind.crate_name()).to_string(),
                depth,
            });
            false
        });
        assert!(
            pending.len() < before,
            "spec parser guarantees an acyclic section graph"
        );
    }
    let inputs: Vec<(String, usize)> = fig
        .plot_sources()
        .into_iter()
        .filter_map(|s| index.get(s.as_str()).map(|&i| (s, i)))
        .collect();
    let depth = inputs
        .iter()
        .map(|(_, i)| stages[*i].depth + 1)
        .max()
        .unwrap_or(0);
    let params = fig.plot_params();
    // Canonical JSON of the object with `style` added: keys in sorted order.
    let mut params_json = Vec::new();
    if let Some(aggregates) = params.get("aggregates") {
        params_json.extend_from_slice(b"{\"aggregates\":");
        serde_json::to_writer(&mut params_json, aggregates).expect("aggregates serialise");
        params_json.push(b',');
    } else {
        params_json.push(b'{');
    }
    if let Some(checks) = params.get("checks") {
        params_json.extend_from_slice(b"\"checks\":");
        serde_json::to_writer(&mut params_json, checks).expect("checks serialise");
        params_json.push(b',');
    }
    params_json.extend_from_slice(b"\"layout\":");
    serde_json::to_writer(&mut params_json, &params["layout"]).expect("layout serialises");
    params_json.extend_from_slice(b",\"panels\":");
    serde_json::to_writer(&mut params_json, &params["panels"]).expect("panels serialise");
    params_json.extend_from_slice(b",\"style\":");
    params_json.extend_from_slice(style_json);
    if let Some(sweep) = params.get("sweep") {
        params_json.extend_from_slice(b",\"sweep\":");
        serde_json::to_writer(&mut params_json, sweep).expect("sweep serialises");
    }
    params_json.push(b'}');
    stages.push(Stage {
        figure: fi,
        figure_id: fig.meta.id.clone(),
        name: "plot".into(),
        kind: StageKind::Plot,
        params,
        params_json,
        inputs,
        crate_name: "plotting",
        implementation: digests.of("plotting").to_string(),
        depth,
    });
    stages
}

/// Differences between two JSON values as `path old -> new` lines (for `status` and `explain`).
pub fn diff_json(
    path: &str,
    old: &serde_json::Value,
    new: &serde_json::Value,
    out: &mut Vec<String>,
) {
    use serde_json::Value;
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for k in keys {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                match (a.get(k), b.get(k)) {
                    (Some(x), Some(y)) => diff_json(&p, x, y, out),
                    (None, Some(y)) => out.push(format!("{p} added ({})", short(y))),
                    (Some(x), None) => out.push(format!("{p} removed (was {})", short(x))),
                    (None, None) => {}
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                diff_json(&format!("{path}[{i}]"), x, y, out);
            }
        }
        (a, b) if a != b => out.push(format!("{path} {} -> {}", short(a), short(b))),
        _ => {}
    }
}

fn short(v: &serde_json::Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(57).collect::<String>())
    } else {
        s
    }
}
