//! Figure specs: parses `figures/chNN/<slug>.toml` with source spans into typed, validated sections.
//!
//! Two layers, as in the design: the TOML is read into spanned values, each section is handed to
//! the crate that owns its serde types (`data`, `models`, `training`, `analysis`, `plotting`), and
//! every problem found anywhere in the file becomes a located [`Diagnostic`]. Parsing never stops
//! at the first problem of a file.

use std::collections::BTreeMap;
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
}

const TOP_LEVEL: &[&str] = &[
    "figure", "layout", "data", "model", "train", "analysis", "panel",
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

        // Computing sections.
        let mut sections = BTreeMap::new();
        let mut section_values: BTreeMap<String, (SectionKind, &Spanned<DeValue<'a>>)> =
            BTreeMap::new();
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
                if name_s.is_empty() || name_s.contains('.') {
                    self.error(name.span(), format!("section name `{name_s}` must be non-empty and contain no `.` (plots refer to columns as SECTION.COLUMN)"));
                    continue;
                }
                if let Some((other, _)) = section_values.get(&name_s) {
                    self.error(name.span(), format!("section name `{name_s}` is used twice ([{}.{name_s}] and [{}.{name_s}]); names must be unique within a figure", other.table(), kind.table()));
                    continue;
                }
                if let Some(section) = self.section(kind, &name_s, value) {
                    sections.insert(name_s.clone(), section);
                }
                section_values.insert(name_s, (kind, value));
            }
        }

        // References between sections.
        for (name, section) in &sections {
            for (field, target) in section.references() {
                let value = &section_values[name].1;
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
        for (name, section) in sections.iter_mut() {
            let Section::Analysis(analysis) = section else {
                continue;
            };
            for (field, message) in analysis.resolve(|n| data_specs.get(n)) {
                let value = &section_values[name.as_str()].1;
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
                            self.check_plot_reference(r, item, &section_values);
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

    fn check_plot_reference(
        &mut self,
        reference: &str,
        panel: &Spanned<DeValue<'a>>,
        sections: &BTreeMap<String, (SectionKind, &Spanned<DeValue<'a>>)>,
    ) {
        let span = find_string(panel, reference).unwrap_or(panel.span());
        let Some((stage, column)) = reference.split_once('.') else {
            self.error(
                span,
                format!("data reference `{reference}` must be `SECTION.COLUMN`, e.g. `curves.y`"),
            );
            return;
        };
        match sections.get(stage) {
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
