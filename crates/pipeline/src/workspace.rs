//! The workspace: `pipeline.toml`, the figure specs under `figures/`, and every path the pipeline uses.
//!
//! Only this crate knows file paths; this module is where they are decided.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::diag::Diagnostic;
use crate::spec::{FigureSpec, parse_figure};

/// `pipeline.toml`: project settings. No figure knobs live here.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ProjectSpec {
    /// Where things live, relative to the workspace root.
    #[serde(default)]
    pub paths: PathsSpec,
    /// Build settings.
    #[serde(default)]
    pub build: BuildSpec,
}

/// `[paths]` of `pipeline.toml`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PathsSpec {
    /// Directory of figure specs (`chNN/<slug>.toml`).
    pub figures: PathBuf,
    /// The mdBook root (book.toml lives here).
    pub book: PathBuf,
    /// The artifact cache (kept out of `target/` so `cargo clean` keeps trained models).
    pub cache: PathBuf,
    /// The house style.
    pub style: PathBuf,
}

impl Default for PathsSpec {
    fn default() -> Self {
        PathsSpec {
            figures: "figures".into(),
            book: "book".into(),
            cache: ".cache".into(),
            style: "figures/style.toml".into(),
        }
    }
}

/// `[build]` of `pipeline.toml`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BuildSpec {
    /// Parallel stages; 0 means one per core.
    #[serde(default)]
    pub jobs: usize,
}

/// A loaded workspace: settings, style and every figure spec (valid ones) plus all diagnostics.
#[derive(Debug)]
pub struct Workspace {
    /// Absolute workspace root (the directory holding `pipeline.toml`).
    pub root: PathBuf,
    /// The parsed `pipeline.toml`.
    pub project: ProjectSpec,
    /// Cache directory actually in use (`--cache` overrides the setting).
    pub cache_dir: PathBuf,
    /// The house style, parsed.
    pub style: plotting::Style,
    /// Implementation digests that go into stage keys (the built code's, unless replaced).
    pub digests: crate::digest::Digests,
    /// Valid figures, in book order.
    pub figures: Vec<FigureSpec>,
    /// Every problem found in any spec (invalid figures are left out of `figures`).
    pub diagnostics: Vec<Diagnostic>,
    /// What the workspace was loaded from, for the fast path's snapshot (`fast`).
    pub loaded: Loaded,
}

/// What a [`Workspace`] was loaded from: enough to tell later, from `stat`s, that nothing changed.
#[derive(Clone, Debug, Default)]
pub struct Loaded {
    /// [`crate::fast::settings_digest`] of pipeline.toml and the style as read.
    pub settings: [u8; 32],
    /// Per valid figure (same order as `figures`): blake3 of its spec's bytes, and the spec's
    /// stamp taken before it was read, if it had settled.
    pub specs: Vec<([u8; 32], Option<cache::Stamp>)>,
}

/// Errors that stop the workspace from loading at all (as opposed to per-figure diagnostics).
#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    /// No `pipeline.toml` here or above.
    #[error("no pipeline.toml found in {0} or any parent directory")]
    NotFound(PathBuf),
    /// A file could not be read.
    #[error("cannot read {path}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// `pipeline.toml` or the style is invalid.
    #[error("{0}")]
    Invalid(Diagnostic),
}

impl Workspace {
    /// Finds the workspace root: `start` or its nearest ancestor that holds `pipeline.toml`.
    pub fn find_root(start: &Path) -> Result<PathBuf, WorkspaceError> {
        let start = std::path::absolute(start).unwrap_or_else(|_| start.to_path_buf());
        start
            .ancestors()
            .find(|d| d.join("pipeline.toml").is_file())
            .map(Path::to_path_buf)
            .ok_or(WorkspaceError::NotFound(start))
    }

    /// Loads settings, style and all figure specs under `root`.
    pub fn load(root: &Path, cache_override: Option<&Path>) -> Result<Workspace, WorkspaceError> {
        Workspace::load_specs(root, cache_override, None)
    }

    /// Loads settings, style and only the specs at `specs` (relative to `root`): the workspace of
    /// the edit path (`fast`), which builds them while the fast path's snapshot stands for the
    /// rest. Figure ids are checked for uniqueness among these specs only.
    pub fn load_only(
        root: &Path,
        cache_override: Option<&Path>,
        specs: &[PathBuf],
    ) -> Result<Workspace, WorkspaceError> {
        Workspace::load_specs(root, cache_override, Some(specs))
    }

    fn load_specs(
        root: &Path,
        cache_override: Option<&Path>,
        only: Option<&[PathBuf]>,
    ) -> Result<Workspace, WorkspaceError> {
        let root = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
        let settings_path = root.join("pipeline.toml");
        let text = read(&settings_path)?;
        let project: ProjectSpec = toml::from_str(&text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            WorkspaceError::Invalid(Diagnostic::at(
                Path::new("pipeline.toml"),
                &text,
                span,
                crate::diag::with_suggestion(e.message().trim()),
            ))
        })?;
        let cache_dir = cache_dir(&root, &project, cache_override);
        let style_path = root.join(&project.paths.style);
        let style_text = read(&style_path)?;
        let style = plotting::Style::from_toml_str(&style_text).map_err(|e| {
            WorkspaceError::Invalid(Diagnostic {
                file: project.paths.style.clone(),
                line: 1,
                column: 1,
                message: format!("invalid style: {e}"),
            })
        })?;

        // Specs are independent: read and parse them in parallel, keeping discovery order.
        let files = match only {
            Some(specs) => specs.to_vec(),
            None => discover(&root, &project.paths.figures)?,
        };
        let parsed: Vec<Result<Parsed, WorkspaceError>> = files
            .par_iter()
            .map(|rel| {
                // Stamped before it is read: a write after the read changes the stamp.
                let path = root.join(rel);
                let stamp = cache::Stamp::read(&path)
                    .ok()
                    .flatten()
                    .filter(cache::Stamp::is_settled);
                let source = read(&path)?;
                let (spec, mut diags) = parse_figure(rel, &source);
                let Some(spec) = spec else {
                    return Ok((None, diags));
                };
                // Plot settings that only make sense against the style (colours, ranges, ticks).
                let problems = plotting::check_specs(&spec.layout, &spec.panels, &style);
                if problems.is_empty() {
                    return Ok((Some((spec, stamp)), diags));
                }
                for p in problems {
                    let message = p.to_string();
                    let offset = panel_offset(&source, &message);
                    diags.push(Diagnostic::at(rel, &source, offset..offset, message));
                }
                Ok((None, diags))
            })
            .collect();
        let mut figures = Vec::new();
        let mut diagnostics = Vec::new();
        for result in parsed {
            let (spec, diags) = result?;
            diagnostics.extend(diags);
            figures.extend(spec);
        }
        // Figure ids must be unique across the book.
        figures
            .sort_by(|(a, _), (b, _)| a.order_key().cmp(&b.order_key()).then(a.path.cmp(&b.path)));
        let mut seen: std::collections::BTreeMap<String, PathBuf> = Default::default();
        let mut unique = Vec::new();
        let mut loaded = Loaded {
            settings: crate::fast::settings_digest(text.as_bytes(), style_text.as_bytes()),
            specs: Vec::new(),
        };
        for (f, stamp) in figures {
            if let Some(first) = seen.get(&f.meta.id) {
                let span = id_offset(&f.source);
                diagnostics.push(Diagnostic::at(
                    &f.path,
                    &f.source,
                    span..span,
                    format!(
                        "figure id `{}` is already used by {}",
                        f.meta.id,
                        first.display()
                    ),
                ));
                continue;
            }
            seen.insert(f.meta.id.clone(), f.path.clone());
            loaded
                .specs
                .push((*blake3::hash(f.source.as_bytes()).as_bytes(), stamp));
            unique.push(f);
        }
        diagnostics.sort();
        Ok(Workspace {
            root,
            project,
            cache_dir,
            style,
            digests: crate::digest::Digests::current(),
            figures: unique,
            diagnostics,
            loaded,
        })
    }

    /// Directory of the book.
    pub fn book_dir(&self) -> PathBuf {
        self.root.join(&self.project.paths.book)
    }

    /// Where a figure's SVG is written (inside the book's sources).
    pub fn figure_svg_path(&self, fig: &FigureSpec) -> PathBuf {
        svg_path(&self.book_dir(), &fig.meta.id)
    }

    /// The lock record beside a figure's spec.
    pub fn lock_path(&self, fig: &FigureSpec) -> PathBuf {
        lock_path(&self.root, &fig.path)
    }

    /// Finds figures by id (`3.3`) or slug (`shallow-build-up`); an unknown name is an error listing the nearest.
    pub fn select(&self, names: &[String]) -> Result<Vec<&FigureSpec>, String> {
        if names.is_empty() {
            return Ok(self.figures.iter().collect());
        }
        let mut out = Vec::new();
        for n in names {
            match self
                .figures
                .iter()
                .find(|f| &f.meta.id == n || &f.slug == n)
            {
                Some(f) => {
                    if !out.iter().any(|o: &&FigureSpec| o.meta.id == f.meta.id) {
                        out.push(f)
                    }
                }
                None => {
                    let cands = self
                        .figures
                        .iter()
                        .flat_map(|f| [f.meta.id.as_str(), f.slug.as_str()]);
                    let hint = crate::diag::nearest(n, cands)
                        .map(|b| format!("; did you mean `{b}`?"))
                        .unwrap_or_default();
                    return Err(format!(
                        "no figure `{n}` (give an id like 3.3 or a spec file stem; `pipeline list` shows them){hint}"
                    ));
                }
            }
        }
        out.sort_by_key(|a| a.order_key());
        Ok(out)
    }
}

/// One spec file, parsed: the figure if it is valid, and every problem found in it.
type Parsed = (Option<(FigureSpec, Option<cache::Stamp>)>, Vec<Diagnostic>);

/// The cache directory: `--cache` (made absolute) if given, else pipeline.toml's, under `root`.
pub fn cache_dir(root: &Path, project: &ProjectSpec, cache_override: Option<&Path>) -> PathBuf {
    match cache_override {
        Some(p) => std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf()),
        None => root.join(&project.paths.cache),
    }
}

/// Where the SVG of figure `id` is written, in the book at `book_dir`.
pub fn svg_path(book_dir: &Path, id: &str) -> PathBuf {
    book_dir
        .join("src")
        .join("figures")
        .join(format!("{id}.svg"))
}

/// The lock beside the spec at `spec` (relative to `root`).
pub fn lock_path(root: &Path, spec: &Path) -> PathBuf {
    root.join(spec.with_extension("lock"))
}

/// Where the `id = ...` line of the `[figure]` table starts.
fn id_offset(source: &str) -> usize {
    let figure = source.find("[figure]").unwrap_or(0);
    let mut offset = 0;
    for line in source.split_inclusive('\n') {
        if offset > figure && line.trim_start().starts_with("id") && line.contains('=') {
            return offset + (line.len() - line.trim_start().len());
        }
        offset += line.len();
    }
    figure
}

/// Where the panel a plotting message names ("panel 2 ...") starts in the spec text.
fn panel_offset(source: &str, message: &str) -> usize {
    let n: usize = message
        .split("panel ")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|d| d.parse().ok())
        .unwrap_or(1);
    source
        .match_indices("[[panel]]")
        .nth(n.saturating_sub(1))
        .or_else(|| source.match_indices("[[panel]]").next())
        .map_or(0, |(i, _)| i)
}

fn read(path: &Path) -> Result<String, WorkspaceError> {
    std::fs::read_to_string(path).map_err(|source| WorkspaceError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// All `*.toml` files under `figures/ch*/`, relative to the root, sorted.
pub(crate) fn discover(root: &Path, figures: &Path) -> Result<Vec<PathBuf>, WorkspaceError> {
    let dir = root.join(figures);
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(source) => return Err(WorkspaceError::Read { path: dir, source }),
    };
    let mut chapters: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            p.is_dir()
                && p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("ch"))
        })
        .collect();
    chapters.sort();
    for ch in chapters {
        let entries = std::fs::read_dir(&ch).map_err(|source| WorkspaceError::Read {
            path: ch.clone(),
            source,
        })?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort();
        for f in files {
            out.push(f.strip_prefix(root).unwrap_or(&f).to_path_buf());
        }
    }
    Ok(out)
}
