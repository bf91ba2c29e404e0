//! Figure specs: parses `figures/chNN/<slug>.toml` with source spans into typed, validated sections.
//!
//! Two layers, as in the design: the TOML is read into spanned values, each section is handed to
//! the crate that owns its serde types (`data`, `models`, `training`, `analysis`, `plotting`), and
//! every problem found anywhere in the file becomes a located [`Diagnostic`]. Parsing never stops
//! at the first problem of a file.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::de::IntoDeserializer;
use serde::{Deserialize, Serialize};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::diag::{Diagnostic, nearest, with_suggestion};

/// The `[figure]` table: what the figure is and where it goes in the book.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FigureMeta {
    /// The book's number ("3.3"), or "x.N" for figures the book lacks.
    pub id: String,
    /// Short title shown in the book.
    pub title: String,
    /// Caption (Markdown; `$...$` math renders offline).
    pub caption: String,
    /// Attribution, e.g. "Prince (2023) Fig. 3.3".
    #[serde(default)]
    pub after: Option<String>,
    /// Book chapter; derived from the id when it starts with a number.
    #[serde(default)]
    pub chapter: Option<u32>,
    /// Relative tolerance when `verify` compares this figure's numbers with a lock made on
    /// another platform (default 1e-9; trained figures may need more).
    #[serde(default)]
    pub tolerance: Option<f64>,
}

/// The four kinds of computing sections a figure can declare.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SectionKind {
    /// `[data.NAME]`, computed by the `data` crate.
    Data,
    /// `[model.NAME]`, computed by the `models` crate.
    Model,
    /// `[train.NAME]`, computed by the `training` crate.
    Train,
    /// `[analysis.NAME]`, computed by the `analysis` crate.
    Analysis,
}

impl SectionKind {
    /// All section kinds, in pipeline order.
    pub const ALL: [SectionKind; 4] = [
        SectionKind::Data,
        SectionKind::Model,
        SectionKind::Train,
        SectionKind::Analysis,
    ];

    /// The TOML table name (`data`, `model`, `train`, `analysis`).
    pub fn table(self) -> &'static str {
        match self {
            SectionKind::Data => "data",
            SectionKind::Model => "model",
            SectionKind::Train => "train",
            SectionKind::Analysis => "analysis",
        }
    }

    /// The workspace crate whose code computes this section.
    pub fn crate_name(self) -> &'static str {
        match self {
            SectionKind::Data => "data",
            SectionKind::Model => "models",
            SectionKind::Train => "training",
            SectionKind::Analysis => "analysis",
        }
    }

    fn kinds(self) -> &'static [&'static str] {
        match self {
            SectionKind::Data => data::DataSpec::KINDS,
            SectionKind::Model => models::ModelSpec::KINDS,
            SectionKind::Train => training::TrainSpec::KINDS,
            SectionKind::Analysis => analysis::AnalysisSpec::KINDS,
        }
    }
}

/// A parsed computing section.
#[derive(Clone, Debug, PartialEq)]
pub enum Section {
    /// A data set.
    Data(data::DataSpec),
    /// A model (hand-set or to be trained).
    Model(models::ModelSpec),
    /// A fit or training run.
    Train(training::TrainSpec),
    /// A measurement that produces a table of numbers.
    Analysis(analysis::AnalysisSpec),
}

impl Section {
    /// Which kind of section this is.
    pub fn kind(&self) -> SectionKind {
        match self {
            Section::Data(_) => SectionKind::Data,
            Section::Model(_) => SectionKind::Model,
            Section::Train(_) => SectionKind::Train,
            Section::Analysis(_) => SectionKind::Analysis,
        }
    }

    /// The resolved parameters as canonical JSON (what the stage key hashes).
    pub fn params(&self) -> serde_json::Value {
        let v = match self {
            Section::Data(s) => serde_json::to_value(s),
            Section::Model(s) => serde_json::to_value(s),
            Section::Train(s) => serde_json::to_value(s),
            Section::Analysis(s) => serde_json::to_value(s),
        };
        v.expect("spec types serialise to JSON")
    }

    /// Other sections this one reads, as (field, section name).
    pub fn references(&self) -> Vec<(&'static str, &str)> {
        match self {
            Section::Data(s) => s.references(),
            Section::Model(s) => s.references(),
            Section::Train(s) => s.references(),
            Section::Analysis(s) => s.references(),
        }
    }
}

/// One figure spec, parsed and validated.
#[derive(Clone, Debug)]
pub struct FigureSpec {
    /// Spec path relative to the workspace root.
    pub path: PathBuf,
    /// File stem, e.g. `shallow-build-up`.
    pub slug: String,
    /// The spec text (shown in the book).
    pub source: String,
    /// The `[figure]` table.
    pub meta: FigureMeta,
    /// Chapter number (from `meta.chapter` or the id).
    pub chapter: u32,
    /// Computing sections by name (names are unique across section kinds).
    pub sections: BTreeMap<String, Section>,
    /// The `[layout]` table.
    pub layout: plotting::LayoutSpec,
    /// The `[[panel]]` tables, in order.
    pub panels: Vec<plotting::PanelSpec>,
    /// The `[sweep]` table (empty without one).
    pub sweep: crate::sweep::Sweep,
    /// Swept sections: base name -> its grid points (in grid order), whose expanded names are
    /// the keys of `sections`.
    pub swept: BTreeMap<String, Vec<crate::sweep::GridPoint>>,
    /// The `[aggregate.NAME]` tables.
    pub aggregates: BTreeMap<String, crate::sweep::AggregateSpec>,
    /// The `[[check]]` tables, in order.
    pub checks: Vec<crate::check::CheckSpec>,
}

impl FigureSpec {
    /// Sort key that puts figures in book order: chapter, then the numeric parts of the id.
    /// Figures the book lacks (`x.N`) come after the book's own figures of their chapter.
    pub fn order_key(&self) -> (u32, bool, Vec<u64>, String) {
        let extra = !self.meta.id.starts_with(|c: char| c.is_ascii_digit());
        let nums = self
            .meta
            .id
            .split('.')
            .skip(1)
            .map(|p| {
                p.trim_end_matches(|c: char| c.is_ascii_alphabetic())
                    .parse()
                    .unwrap_or(u64::MAX)
            })
            .collect();
        (self.chapter, extra, nums, self.meta.id.clone())
    }

    /// The sections the plot stage reads: the sections its panels name, and every grid point of
    /// the sections its aggregates reduce. Sorted, without repeats.
    pub fn plot_sources(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for r in self.plot_references() {
            let Some((s, _)) = crate::sweep::split_reference(&r) else {
                continue;
            };
            match self.aggregates.get(s) {
                Some(a) => out.extend(
                    self.swept
                        .get(&a.section)
                        .into_iter()
                        .flatten()
                        .map(|p| p.name.clone()),
                ),
                None if self.sections.contains_key(s) => out.push(s.to_string()),
                None => {}
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// Every series reference the plot stage resolves: the panels' and then the checks'.
    pub fn plot_references(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .panels
            .iter()
            .flat_map(|p| p.references())
            .map(str::to_string)
            .collect();
        out.extend(self.checks.iter().flat_map(|c| c.references()));
        out
    }

    /// The plot stage's parameters: `layout` and `panels`, plus `sweep` and `aggregates` when
    /// the figure has them and `checks` when it has any (so other figures keep their keys).
    pub fn plot_params(&self) -> serde_json::Value {
        let mut params = serde_json::json!({
            "layout": self.layout,
            "panels": self.panels,
        });
        if !self.aggregates.is_empty() {
            params["aggregates"] = serde_json::to_value(&self.aggregates).expect("serialises");
            params["sweep"] = serde_json::to_value(&self.sweep).expect("serialises");
        }
        if !self.checks.is_empty() {
            params["checks"] = serde_json::to_value(&self.checks).expect("serialises");
        }
        params
    }
}

const TOP_LEVEL: &[&str] = &[
    "figure",
    "layout",
    "sweep",
    "data",
    "model",
    "train",
    "analysis",
    "aggregate",
    "panel",
    "check",
];

/// Parses and validates one spec; returns the spec if it is valid, and every problem found.
pub fn parse_figure(path: &Path, source: &str) -> (Option<FigureSpec>, Vec<Diagnostic>) {
    let mut p = Parser {
        path,
        source,
        diags: Vec::new(),
    };
    let spec = p.figure();
    let mut diags = p.diags;
    diags.sort();
    diags.dedup();
    (if diags.is_empty() { spec } else { None }, diags)
}

struct Parser<'a> {
    path: &'a Path,
    source: &'a str,
    diags: Vec<Diagnostic>,
}

impl<'a> Parser<'a> {
    fn error(&mut self, span: Range<usize>, message: impl Into<String>) {
        self.diags
            .push(Diagnostic::at(self.path, self.source, span, message));
    }

    fn toml_error(&mut self, e: &toml::de::Error, fallback: Range<usize>, context: &str) {
        let span = e.span().unwrap_or(fallback);
        let msg = with_suggestion(e.message().trim());
        self.error(span, format!("{context}{msg}"));
    }

    /// Deserialises `value`; on failure reports the error, prefixed with `context()` (made only
    /// then: the success path allocates no message).
    fn de<T: for<'de> Deserialize<'de>>(
        &mut self,
        value: &Spanned<DeValue<'a>>,
        context: impl FnOnce() -> String,
    ) -> Option<T> {
        let span = value.span();
        match T::deserialize(value.clone().into_deserializer()) {
            Ok(v) => Some(v),
            Err(e) => {
                self.toml_error(&e, span, &context());
                None
            }
        }
    }

    fn figure(&mut self) -> Option<FigureSpec> {
        let (doc, errors) = DeTable::parse_recoverable(self.source);
        if !errors.is_empty() {
            for e in &errors {
                self.toml_error(e, 0..0, "invalid TOML: ");
            }
            return None;
        }
        let doc = doc.into_inner();
        for (key, _) in doc.iter() {
            if !TOP_LEVEL.contains(&key.get_ref().as_ref()) {
                let mut msg = format!(
                    "unknown table `{}`, expected one of {}",
                    key.get_ref(),
                    TOP_LEVEL
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                if let Some(best) = nearest(key.get_ref(), TOP_LEVEL.iter().copied()) {
                    msg.push_str(&format!("; did you mean `{best}`?"));
                }
                self.error(key.span(), msg);
            }
        }

        let meta: Option<FigureMeta> = match doc.get("figure") {
            Some(v) => self.de(v, || "in [figure]: ".into()),
            None => {
                self.error(
                    0..0,
                    "missing table `[figure]` (expected id, title and caption)",
                );
                None
            }
        };
        if let Some(t) = meta
            .as_ref()
            .and_then(|m| m.tolerance)
            .filter(|t| !(t.is_finite() && *t >= 0.0))
        {
            let span = doc
                .get("figure")
                .and_then(|f| find_field(f, "tolerance"))
                .unwrap_or(0..0);
            self.error(
                span,
                format!("in [figure]: `tolerance` must be a finite number >= 0, found {t}"),
            );
        }
        let chapter = meta.as_ref().and_then(|m| {
            let from_id = m.id.split('.').next().and_then(|c| c.parse::<u32>().ok());
            let c = m.chapter.or(from_id);
            if c.is_none() {
                let span = doc.get("figure").map_or(0..0, |v| v.span());
                self.error(span, format!("figure `{}` needs `chapter = N`: its id does not start with a chapter number", m.id));
            }
            c
        });

        // The sweep, if any.
        let (sweep, elems, axis_spans) = match doc.get("sweep") {
            Some(v) => self.sweep(v),
            None => Default::default(),
        };

        // Computing sections, as written.
        let mut raw: Vec<(SectionKind, String, &Spanned<DeValue<'a>>)> = Vec::new();
        let mut raw_index: BTreeMap<String, usize> = BTreeMap::new();
        for kind in SectionKind::ALL {
            let Some(tables) = doc.get(kind.table()) else {
                continue;
            };
            let DeValue::Table(tables_t) = tables.get_ref() else {
                self.error(
                    tables.span(),
                    format!(
                        "`{}` must be a table of named sections, like [{}.NAME]",
                        kind.table(),
                        kind.table()
                    ),
                );
                continue;
            };
            for (name, value) in tables_t.iter() {
                let name_s = name.get_ref().to_string();
                if name_s.is_empty() || name_s.contains(['.', '[', ']']) {
                    self.error(name.span(), format!("section name `{name_s}` must be non-empty and contain no `.`, `[` or `]` (plots refer to columns as SECTION.COLUMN)"));
                    continue;
                }
                if let Some(&other) = raw_index.get(&name_s) {
                    let other = raw[other].0;
                    self.error(name.span(), format!("section name `{name_s}` is used twice ([{}.{name_s}] and [{}.{name_s}]); names must be unique within a figure", other.table(), kind.table()));
                    continue;
                }
                raw_index.insert(name_s.clone(), raw.len());
                raw.push((kind, name_s, value));
            }
        }

        // Which sweep groups each section uses directly ("$axis" values).
        let mut groups: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); raw.len()];
        let mut axis_used = vec![false; sweep.axes.len()];
        let mut bad = vec![false; raw.len()];
        for (i, (kind, name, value)) in raw.iter().enumerate() {
            let mut found = Vec::new();
            crate::sweep::placeholders(value, &mut found);
            for (axis, span) in found {
                match sweep.axis(axis) {
                    Some(a) => {
                        axis_used[a] = true;
                        groups[i].insert(sweep.axes[a].group);
                    }
                    None => {
                        let mut msg = format!(
                            "in [{}.{name}]: \"${axis}\" names no axis of [sweep]",
                            kind.table()
                        );
                        if sweep.axes.is_empty() {
                            msg.push_str(" (this figure has no [sweep] table)");
                        } else if let Some(best) =
                            nearest(axis, sweep.axes.iter().map(|a| a.name.as_str()))
                        {
                            msg.push_str(&format!("; did you mean \"${best}\"?"));
                        }
                        self.error(span, msg);
                        bad[i] = true;
                    }
                }
            }
        }
        // A section with a bad placeholder is reported once, under its own name, and its
        // dependants read it as an unswept section.
        for (g, b) in groups.iter_mut().zip(&bad) {
            if *b {
                g.clear();
            }
        }
        for (a, used) in axis_used.iter().enumerate() {
            if !used {
                self.error(
                    axis_spans[a].clone(),
                    format!(
                        "in [sweep]: axis `{}` is used by no section (write \"${}\" where its value goes)",
                        sweep.axes[a].name, sweep.axes[a].name
                    ),
                );
            }
        }
        // A section also varies with every group a section it reads varies with. References are
        // read from a parse at the first grid point (its diagnostics are dropped: the expansion
        // below reports them with the point's name).
        let first = |axis: &str| sweep.axis(axis).map(|a| elems[a][0].clone());
        let mut refs: Vec<Vec<usize>> = vec![Vec::new(); raw.len()];
        let mut probes: Vec<Option<Section>> = Vec::with_capacity(raw.len());
        for (i, (kind, name, value)) in raw.iter().enumerate() {
            let probe = if bad[i] {
                None
            } else if groups[i].is_empty() {
                self.section(*kind, name, value)
            } else {
                let mut v = (*value).clone();
                crate::sweep::substitute(&mut v, &first, &BTreeMap::new());
                let n = self.diags.len();
                let s = self.section(*kind, name, &v);
                self.diags.truncate(n);
                s
            };
            if let Some(p) = &probe {
                refs[i] = p
                    .references()
                    .iter()
                    .filter_map(|(_, t)| raw_index.get(*t).copied())
                    .collect();
            }
            probes.push(probe);
        }
        loop {
            let mut changed = false;
            for (i, targets) in refs.iter().enumerate() {
                for &j in targets {
                    let add: Vec<usize> = groups[j].difference(&groups[i]).copied().collect();
                    if !add.is_empty() {
                        groups[i].extend(add);
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }

        // Expansion: one section per grid point of the groups a section uses.
        let mut sections = BTreeMap::new();
        let mut section_values: BTreeMap<String, (SectionKind, Cow<'_, Spanned<DeValue<'a>>>)> =
            BTreeMap::new();
        let mut swept: BTreeMap<String, Vec<crate::sweep::GridPoint>> = BTreeMap::new();
        for (i, (kind, name, value)) in raw.iter().enumerate() {
            if groups[i].is_empty() || bad[i] {
                if let Some(section) = probes[i].take() {
                    sections.insert(name.clone(), section);
                }
                section_values.insert(name.clone(), (*kind, Cow::Borrowed(*value)));
                continue;
            }
            let gs: Vec<usize> = groups[i].iter().copied().collect();
            let mut points = Vec::new();
            let mut failed = false;
            for point in sweep.points(&gs) {
                let values = sweep.values(&point);
                let point_name = crate::sweep::point_name(name, &values);
                let value_of = |axis: &str| {
                    let a = sweep.axis(axis)?;
                    let g = sweep.axes[a].group;
                    let &(_, k) = point.iter().find(|(pg, _)| *pg == g)?;
                    Some(elems[a][k].clone())
                };
                let renames: BTreeMap<String, String> = refs[i]
                    .iter()
                    .filter(|&&j| !groups[j].is_empty())
                    .map(|&j| {
                        let at: Vec<(usize, usize)> = point
                            .iter()
                            .filter(|(g, _)| groups[j].contains(g))
                            .copied()
                            .collect();
                        let target = &raw[j].1;
                        (
                            target.clone(),
                            crate::sweep::point_name(target, &sweep.values(&at)),
                        )
                    })
                    .collect();
                let mut v = (*value).clone();
                crate::sweep::substitute(&mut v, &value_of, &renames);
                // Only the first failing point of a section is reported.
                let n = self.diags.len();
                let parsed = self.section(*kind, &point_name, &v);
                if failed {
                    self.diags.truncate(n);
                }
                match parsed {
                    Some(s) => {
                        sections.insert(point_name.clone(), s);
                    }
                    None => failed = true,
                }
                section_values.insert(point_name.clone(), (*kind, Cow::Owned(v)));
                points.push(crate::sweep::GridPoint {
                    name: point_name,
                    values,
                });
            }
            swept.insert(name.clone(), points);
        }

        // References between sections.
        for (name, section) in &sections {
            for (field, target) in section.references() {
                let value: &Spanned<DeValue<'a>> = &section_values[name].1;
                // A column reference ("SECTION.COLUMN" inside an analysis) is shown as written.
                let reference = (field == "columns")
                    .then(|| find_prefixed(value, &format!("{target}.")))
                    .flatten();
                let span = match &reference {
                    Some((span, _)) => span.clone(),
                    None => find_field(value, field).unwrap_or(value.span()),
                };
                let what = match &reference {
                    Some((_, r)) => format!("column reference `{r}`"),
                    None => format!("`{field} = \"{target}\"`"),
                };
                let wanted: &[SectionKind] = match field {
                    "model" => &[SectionKind::Model, SectionKind::Train],
                    "data" => &[SectionKind::Data],
                    "trajectory" => &[SectionKind::Train],
                    "columns" => &[SectionKind::Data, SectionKind::Analysis, SectionKind::Train],
                    _ => &SectionKind::ALL,
                };
                match section_values.get(target) {
                    None => {
                        let mut msg = format!("{what} refers to no section of this figure");
                        let names: Vec<&str> = section_values
                            .iter()
                            .filter(|(_, (k, _))| wanted.contains(k))
                            .map(|(n, _)| n.as_str())
                            .collect();
                        match nearest(target, names.iter().copied()) {
                            Some(best) => msg.push_str(&format!("; did you mean `{best}`?")),
                            None if names.is_empty() => msg.push_str(&format!(
                                "; expected the name of a [{}.NAME] section",
                                wanted[0].table()
                            )),
                            None => msg.push_str(&format!(
                                "; expected one of {}",
                                names
                                    .iter()
                                    .map(|n| format!("`{n}`"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )),
                        }
                        self.error(span, msg);
                    }
                    Some((k, _)) if !wanted.contains(k) => {
                        self.error(
                            span,
                            format!(
                                "{what} refers to a [{}] section; expected a {} section",
                                k.table(),
                                wanted
                                    .iter()
                                    .map(|w| format!("[{}]", w.table()))
                                    .collect::<Vec<_>>()
                                    .join(" or ")
                            ),
                        );
                    }
                    Some(_) => {}
                }
            }
        }
        // Parameters an analysis takes from the spec of another section (mnist1d-trace: the
        // generator of its data set), copied in so that its stage key covers them.
        let data_specs: BTreeMap<String, data::DataSpec> = sections
            .iter()
            .filter_map(|(n, s)| match s {
                Section::Data(d) => Some((n.clone(), d.clone())),
                _ => None,
            })
            .collect();
        // Every grid point of a data or model section under its name before the sweep.
        let mut data_points: BTreeMap<String, Vec<data::DataSpec>> = BTreeMap::new();
        let mut model_points: BTreeMap<String, Vec<models::ModelSpec>> = BTreeMap::new();
        for (kind, name, _) in &raw {
            let names: Vec<&String> = match swept.get(name) {
                Some(points) => points.iter().map(|p| &p.name).collect(),
                None => vec![name],
            };
            for n in names {
                match sections.get(n) {
                    Some(Section::Data(d)) if *kind == SectionKind::Data => {
                        data_points.entry(name.clone()).or_default().push(d.clone())
                    }
                    Some(Section::Model(m)) if *kind == SectionKind::Model => model_points
                        .entry(name.clone())
                        .or_default()
                        .push(m.clone()),
                    _ => {}
                }
            }
        }
        let data_of = |n: &str| {
            data_points
                .get(n)
                .map(|v| v.iter().collect())
                .unwrap_or_default()
        };
        let models_of = |n: &str| {
            model_points
                .get(n)
                .map(|v| v.iter().collect())
                .unwrap_or_default()
        };
        let points = analysis::SectionPoints {
            data: &data_of,
            models: &models_of,
        };
        for (name, section) in sections.iter_mut() {
            let Section::Analysis(analysis) = section else {
                continue;
            };
            for (field, message) in analysis.resolve(|n| data_specs.get(n), &points) {
                let value: &Spanned<DeValue<'a>> = &section_values[name.as_str()].1;
                let span = find_path(value, &field).unwrap_or(value.span());
                self.error(span, format!("in [analysis.{name}]: `{field}`: {message}"));
            }
        }
        if let Some(cycle) = find_cycle(&sections) {
            let span = section_values[&cycle[0]].1.span();
            self.error(
                span,
                format!(
                    "sections refer to each other in a loop: {}",
                    cycle.join(" -> ")
                ),
            );
        }

        // Aggregates of swept sections.
        let mut aggregates = BTreeMap::new();
        if let Some(v) = doc.get("aggregate") {
            match v.get_ref() {
                DeValue::Table(t) => {
                    for (name, value) in t.iter() {
                        let name_s = name.get_ref().to_string();
                        if name_s.is_empty() || name_s.contains(['.', '[', ']']) {
                            self.error(name.span(), format!("aggregate name `{name_s}` must be non-empty and contain no `.`, `[` or `]`"));
                            continue;
                        }
                        if raw_index.contains_key(&name_s) {
                            self.error(name.span(), format!("aggregate name `{name_s}` is also the name of a section; names must be unique within a figure"));
                            continue;
                        }
                        let Some(spec) = self.de::<crate::sweep::AggregateSpec>(value, || {
                            format!("in [aggregate.{name_s}]: ")
                        }) else {
                            continue;
                        };
                        let problems = match raw_index.get(&spec.section) {
                            None => {
                                let mut msg = format!(
                                    "section `{}` is not a section of this figure",
                                    spec.section
                                );
                                if let Some(best) =
                                    nearest(&spec.section, swept.keys().map(String::as_str))
                                {
                                    msg.push_str(&format!("; did you mean `{best}`?"));
                                }
                                vec![("section".to_string(), msg)]
                            }
                            Some(&j) if !produces_table(raw[j].0, raw[j].2) => vec![(
                                "section".to_string(),
                                format!(
                                    "the [{}.{}] section produces no table to aggregate",
                                    raw[j].0.table(),
                                    spec.section
                                ),
                            )],
                            Some(_) => {
                                let axes: Option<Vec<String>> = swept
                                    .get(&spec.section)
                                    .map(|p| p[0].values.iter().map(|(a, _)| a.clone()).collect());
                                spec.validate(&sweep, axes.as_deref())
                            }
                        };
                        for (field, message) in &problems {
                            let span = find_path(value, field).unwrap_or(value.span());
                            self.error(
                                span,
                                format!("in [aggregate.{name_s}]: `{field}`: {message}"),
                            );
                        }
                        if problems.is_empty() {
                            aggregates.insert(name_s, spec);
                        }
                    }
                }
                _ => self.error(
                    v.span(),
                    "`aggregate` must be a table of named tables, like [aggregate.NAME]",
                ),
            }
        }

        // Layout and panels.
        let layout = match doc.get("layout") {
            Some(v) => self.de(v, || "in [layout]: ".into()),
            None => Some(plotting::LayoutSpec::default()),
        };
        let mut panels = Vec::new();
        match doc.get("panel") {
            None => self.error(
                0..0,
                "no `[[panel]]` tables: a figure needs at least one panel to draw",
            ),
            Some(v) => match v.get_ref() {
                DeValue::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        let Some(panel) = self
                            .de::<plotting::PanelSpec>(item, || format!("in panel {}: ", i + 1))
                        else {
                            continue;
                        };
                        for r in panel.references() {
                            self.check_plot_reference(
                                r,
                                item,
                                &section_values,
                                &swept,
                                &aggregates,
                            );
                        }
                        panels.push(panel);
                    }
                }
                _ => self.error(
                    v.span(),
                    "`panel` must be an array of tables, written [[panel]]",
                ),
            },
        }

        // Checks: claims about the plotted numbers, evaluated by the plot stage.
        let mut checks = Vec::new();
        match doc.get("check").map(|v| (v, v.get_ref())) {
            None => {}
            Some((_, DeValue::Array(items))) => {
                for (i, item) in items.iter().enumerate() {
                    let Some(check) = self
                        .de::<crate::check::CheckSpec>(item, || format!("in check {}: ", i + 1))
                    else {
                        continue;
                    };
                    let problems = check.validate();
                    for (field, message) in &problems {
                        let span = find_path(item, field).unwrap_or(item.span());
                        self.error(span, format!("in check {}: `{field}`: {message}", i + 1));
                    }
                    for r in check.references() {
                        self.check_plot_reference(&r, item, &section_values, &swept, &aggregates);
                    }
                    if problems.is_empty() {
                        checks.push(check);
                    }
                }
            }
            Some((v, _)) => self.error(
                v.span(),
                "`check` must be an array of tables, written [[check]]",
            ),
        }

        let slug = self
            .path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        Some(FigureSpec {
            path: self.path.to_path_buf(),
            slug,
            source: self.source.to_string(),
            meta: meta?,
            chapter: chapter?,
            sections,
            layout: layout?,
            panels,
            sweep,
            swept,
            aggregates,
            checks,
        })
    }

    fn section(
        &mut self,
        kind: SectionKind,
        name: &str,
        value: &Spanned<DeValue<'a>>,
    ) -> Option<Section> {
        // Messages are made only when there is something to report.
        let context = || format!("in [{}.{name}]: ", kind.table());
        let DeValue::Table(table) = value.get_ref() else {
            self.error(
                value.span(),
                format!("{}expected a table with a `kind` key", context()),
            );
            return None;
        };
        let kinds = kind.kinds();
        let expected = || {
            kinds
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let Some(kind_value) = table.get("kind") else {
            self.error(
                value.span(),
                format!(
                    "{}missing key `kind`; expected one of {}",
                    context(),
                    expected()
                ),
            );
            return None;
        };
        let Some(kind_name) = kind_value.get_ref().as_str() else {
            self.error(
                kind_value.span(),
                format!(
                    "{}`kind` must be a string, one of {}",
                    context(),
                    expected()
                ),
            );
            return None;
        };
        let mut rest: DeTable<'a> = table.clone();
        rest.remove("kind");
        let de = Spanned::new(value.span(), DeValue::Table(rest)).into_deserializer();
        let parsed = match kind {
            SectionKind::Data => {
                data::DataSpec::from_kind(kind_name, de).map(|o| o.map(Section::Data))
            }
            SectionKind::Model => {
                models::ModelSpec::from_kind(kind_name, de).map(|o| o.map(Section::Model))
            }
            SectionKind::Train => {
                training::TrainSpec::from_kind(kind_name, de).map(|o| o.map(Section::Train))
            }
            SectionKind::Analysis => {
                analysis::AnalysisSpec::from_kind(kind_name, de).map(|o| o.map(Section::Analysis))
            }
        };
        let section = match parsed {
            Ok(Some(s)) => s,
            Ok(None) => {
                let mut msg = format!(
                    "{}unknown kind `{kind_name}`, expected one of {}",
                    context(),
                    expected()
                );
                if let Some(best) = nearest(kind_name, kinds.iter().copied()) {
                    msg.push_str(&format!("; did you mean `{best}`?"));
                }
                self.error(kind_value.span(), msg);
                return None;
            }
            Err(e) => {
                self.toml_error(&e, value.span(), &context());
                return None;
            }
        };
        let problems = match &section {
            Section::Data(s) => s.validate(),
            Section::Model(s) => s.validate(),
            Section::Train(s) => s.validate(),
            Section::Analysis(s) => s.validate(),
        };
        for (field, message) in &problems {
            let span = find_path(value, field).unwrap_or(value.span());
            self.error(span, format!("{}`{field}`: {message}", context()));
        }
        problems.is_empty().then_some(section)
    }

    /// Parses `[sweep]`: the sweep, each axis's values as TOML (substituted into sections, so a
    /// value of the wrong type is reported where it is written) and each axis's span.
    #[allow(clippy::type_complexity)]
    fn sweep(
        &mut self,
        value: &Spanned<DeValue<'a>>,
    ) -> (
        crate::sweep::Sweep,
        Vec<Vec<Spanned<DeValue<'a>>>>,
        Vec<Range<usize>>,
    ) {
        let mut sweep = crate::sweep::Sweep::default();
        let mut elems = Vec::new();
        let mut spans = Vec::new();
        let DeValue::Table(t) = value.get_ref() else {
            self.error(
                value.span(),
                "`sweep` must be a table of axes, like [sweep] width = [2, 4, 8]",
            );
            return (sweep, elems, spans);
        };
        // Declaration order (TOML tables are not ordered).
        let mut entries: Vec<_> = t.iter().collect();
        entries.sort_by_key(|(k, _)| k.span().start);
        for (key, v) in entries {
            let name = key.get_ref().to_string();
            let members: Vec<(String, Range<usize>, &Spanned<DeValue<'a>>)> = match v.get_ref() {
                DeValue::Array(_) => vec![(name.clone(), key.span(), v)],
                DeValue::Table(zip) => {
                    let mut m: Vec<_> = zip
                        .iter()
                        .map(|(k, v)| (k.get_ref().to_string(), k.span(), v))
                        .collect();
                    m.sort_by_key(|(_, s, _)| s.start);
                    if m.is_empty() {
                        self.error(v.span(), format!("in [sweep]: group `{name}` has no axes; write `{name} = {{ a = [...], b = [...] }}` for axes that vary together"));
                        continue;
                    }
                    m
                }
                _ => {
                    self.error(v.span(), format!("in [sweep]: `{name}` must be a list of values (`{name} = [1, 2, 3]`) or a table of lists that vary together (`{name} = {{ lr = [0.1, 0.5], steps = [500, 100] }}`)"));
                    continue;
                }
            };
            let group = sweep.groups.len();
            let mut axes = Vec::new();
            let mut len = None::<(usize, String)>;
            for (axis, span, list) in members {
                if crate::sweep::placeholder(&format!("${axis}")) != Some(axis.as_str()) {
                    self.error(span, format!("in [sweep]: axis name `{axis}` must start with a letter and hold only letters, digits, `_` and `-`"));
                    continue;
                }
                if sweep.axis(&axis).is_some() {
                    self.error(span, format!("in [sweep]: axis `{axis}` is declared twice"));
                    continue;
                }
                let DeValue::Array(items) = list.get_ref() else {
                    self.error(
                        list.span(),
                        format!("in [sweep]: axis `{axis}` must be a list of values"),
                    );
                    continue;
                };
                if items.is_empty() {
                    self.error(
                        list.span(),
                        format!("in [sweep]: axis `{axis}` is empty; give it at least one value"),
                    );
                    continue;
                }
                let mut values = Vec::new();
                let mut ok = true;
                for item in items.iter() {
                    let scalar = matches!(
                        item.get_ref(),
                        DeValue::Integer(_)
                            | DeValue::Float(_)
                            | DeValue::String(_)
                            | DeValue::Boolean(_)
                    );
                    let parsed = scalar
                        .then(|| {
                            serde_json::Value::deserialize(item.clone().into_deserializer()).ok()
                        })
                        .flatten()
                        .filter(|j| !j.is_number() || j.as_f64().is_some_and(f64::is_finite));
                    match parsed {
                        Some(j) => {
                            if values.iter().any(|w| crate::sweep::same(w, &j)) {
                                self.error(
                                    item.span(),
                                    format!(
                                        "in [sweep]: axis `{axis}` lists {} twice",
                                        crate::sweep::label(&j)
                                    ),
                                );
                                ok = false;
                            }
                            values.push(j);
                        }
                        None => {
                            self.error(item.span(), format!("in [sweep]: a value of axis `{axis}` must be a finite number, a string or a boolean"));
                            ok = false;
                        }
                    }
                }
                if !ok {
                    continue;
                }
                match &len {
                    Some((n, first)) if *n != values.len() => {
                        self.error(list.span(), format!("in [sweep]: axis `{axis}` has {} values but `{first}` has {n}; the axes of group `{name}` vary together and need as many values each", values.len()));
                        continue;
                    }
                    Some(_) => {}
                    None => len = Some((values.len(), axis.clone())),
                }
                axes.push(sweep.axes.len());
                sweep.axes.push(crate::sweep::Axis {
                    name: axis,
                    values,
                    group,
                });
                elems.push(items.to_vec());
                spans.push(span);
            }
            if let (false, Some((len, _))) = (axes.is_empty(), len) {
                sweep.groups.push(crate::sweep::Group { name, axes, len });
            }
        }
        (sweep, elems, spans)
    }

    fn check_plot_reference(
        &mut self,
        reference: &str,
        panel: &Spanned<DeValue<'a>>,
        sections: &BTreeMap<String, (SectionKind, Cow<'_, Spanned<DeValue<'a>>>)>,
        swept: &BTreeMap<String, Vec<crate::sweep::GridPoint>>,
        aggregates: &BTreeMap<String, crate::sweep::AggregateSpec>,
    ) {
        let span = find_string(panel, reference).unwrap_or(panel.span());
        let Some((stage, column)) = crate::sweep::split_reference(reference) else {
            self.error(
                span,
                format!("data reference `{reference}` must be `SECTION.COLUMN`, e.g. `curves.y`"),
            );
            return;
        };
        if aggregates.contains_key(stage) {
            if column.is_empty() {
                self.error(
                    span,
                    format!("data reference `{reference}` has no column after `{stage}.`"),
                );
            }
            return;
        }
        if let Some(points) = swept.get(stage) {
            self.error(
                span,
                format!(
                    "data reference `{reference}`: section `{stage}` is swept (one stage per grid point, e.g. `{}`); plot it through an [aggregate.NAME] table, or name one grid point",
                    points[0].name
                ),
            );
            return;
        }
        match sections.get(stage).map(|(k, v)| (*k, &**v)) {
            Some((SectionKind::Data | SectionKind::Analysis, _)) if !column.is_empty() => {}
            // `optimize` and `classifier` runs (both have an `optimizer`) and `output-sgd` runs
            // (`snapshots`) produce tables.
            Some((SectionKind::Train, v))
                if !column.is_empty()
                    && (find_field(v, "optimizer").is_some() || find_field(v, "snapshots").is_some()) => {}
            Some((k, _)) if !column.is_empty() => self.error(
                span,
                format!("data reference `{reference}` names the [{}.{stage}] section, which produces no table; plot from a [data] or [analysis] section", k.table()),
            ),
            Some(_) => self.error(span, format!("data reference `{reference}` has no column after `{stage}.`")),
            None => {
                let names: Vec<&str> = sections.iter().filter(|(_, (k, _))| matches!(k, SectionKind::Data | SectionKind::Analysis)).map(|(n, _)| n.as_str()).collect();
                let mut msg = format!("data reference `{reference}`: no section `{stage}` in this figure");
                if let Some(best) = nearest(stage, names.iter().copied()) {
                    msg.push_str(&format!("; did you mean `{best}.{column}`?"));
                } else if !names.is_empty() {
                    msg.push_str(&format!("; expected one of {}", names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")));
                }
                self.error(span, msg);
            }
        }
    }
}

/// Whether a section offers columns to plots and aggregates: data, analyses and the runs of
/// `optimize` and `classifier` (the [train] kinds with an `optimizer`).
fn produces_table(kind: SectionKind, value: &Spanned<DeValue<'_>>) -> bool {
    match kind {
        SectionKind::Data | SectionKind::Analysis => true,
        SectionKind::Train => find_field(value, "optimizer").is_some(),
        SectionKind::Model => false,
    }
}

/// The span of `field`'s value inside a table value.
fn find_field(value: &Spanned<DeValue<'_>>, field: &str) -> Option<Range<usize>> {
    match value.get_ref() {
        DeValue::Table(t) => t.get(field).map(|v| v.span()),
        _ => None,
    }
}

/// The span of a dotted/indexed path like `theta[1]` or `x.num` inside a value.
fn find_path(value: &Spanned<DeValue<'_>>, path: &str) -> Option<Range<usize>> {
    let mut cur = value;
    for part in path.split('.') {
        let (name, indices) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !name.is_empty() {
            match cur.get_ref() {
                DeValue::Table(t) => cur = t.get(name)?,
                _ => return Some(cur.span()),
            }
        }
        for idx in indices.split('[').skip(1) {
            let i: usize = idx.trim_end_matches(']').parse().ok()?;
            match cur.get_ref() {
                DeValue::Array(a) => match a.get(i) {
                    Some(v) => cur = v,
                    None => return Some(cur.span()),
                },
                _ => return Some(cur.span()),
            }
        }
    }
    Some(cur.span())
}

/// The span of the first string value equal to `s` inside a value (depth first, in order).
fn find_string(value: &Spanned<DeValue<'_>>, s: &str) -> Option<Range<usize>> {
    match value.get_ref() {
        DeValue::String(v) if v.as_ref() == s => Some(value.span()),
        DeValue::Table(t) => t.iter().find_map(|(_, v)| find_string(v, s)),
        DeValue::Array(a) => a.iter().find_map(|v| find_string(v, s)),
        _ => None,
    }
}

/// The span and text of the first string value starting with `prefix` inside a value.
fn find_prefixed(value: &Spanned<DeValue<'_>>, prefix: &str) -> Option<(Range<usize>, String)> {
    match value.get_ref() {
        DeValue::String(v) if v.starts_with(prefix) => Some((value.span(), v.to_string())),
        DeValue::Table(t) => t.iter().find_map(|(_, v)| find_prefixed(v, prefix)),
        DeValue::Array(a) => a.iter().find_map(|v| find_prefixed(v, prefix)),
        _ => None,
    }
}

/// A reference loop among sections, if any (as a list of names, first repeated at the end).
fn find_cycle(sections: &BTreeMap<String, Section>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        sections: &BTreeMap<String, Section>,
        stack: &mut Vec<String>,
        done: &mut std::collections::BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(pos) = stack.iter().position(|s| s == n) {
            let mut cycle = stack[pos..].to_vec();
            cycle.push(n.to_string());
            return Some(cycle);
        }
        if done.contains(n) {
            return None;
        }
        stack.push(n.to_string());
        if let Some(s) = sections.get(n) {
            for (_, target) in s.references() {
                if let Some(c) = visit(target, sections, stack, done) {
                    return Some(c);
                }
            }
        }
        stack.pop();
        done.insert(n.to_string());
        None
    }
    let mut done = std::collections::BTreeSet::new();
    sections
        .keys()
        .find_map(|n| visit(n, sections, &mut Vec::new(), &mut done))
}
