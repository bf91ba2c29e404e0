//! `pipeline bench pipeline`: the pipeline's own overhead as a user feels it, on a copy of the
//! current book and on a synthetic workspace of many small figures.
//!
//! Every command is timed from process start to exit by spawning the release binary itself with
//! `-C DIR` (median of `--runs`, with min and max): the first build of the synthetic workspace,
//! a no-op `build` and `status` (which take the fast path, see `fast`), the same on the full
//! path (`--no-fast`), and a rebuild after editing one spec's plot colour (which takes the edit
//! path). The binary's hidden
//! `--timings` flag says whether a run took the fast path and splits each full no-op build into
//! workspace load, planning, keys, cache lookups, outputs and the book check. Finally every figure's plot stage is run again
//! in-process from its cached inputs (decoding them and rendering the SVG) to time it per figure.
//!
//! Nothing here touches the current workspace: the book is measured in a temporary copy of its
//! specs, locks, book and cache. Figures that would have to train a network because the cache
//! lacks them are left out of the copy (and named in the report), so the bench never trains.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use crate::engine::Timings;
use crate::exec::Executor;
use crate::plan::{Plan, StageKind};
use crate::progress::Progress;
use crate::spec::Section;
use crate::workspace::Workspace;

/// What `pipeline bench pipeline` measures.
#[derive(Clone, Debug)]
pub struct Options {
    /// Timed runs per measurement; the median is reported.
    pub runs: usize,
    /// Figures in the synthetic workspace (0 = skip it).
    pub figures: usize,
    /// Measure a copy of the current book.
    pub book: bool,
    /// Where to look for the current workspace (`-C`, or the current directory).
    pub start: PathBuf,
    /// The current workspace's cache, when `--cache` overrides pipeline.toml's.
    pub cache: Option<PathBuf>,
    /// Keep the temporary workspaces (their paths are printed), e.g. to profile them.
    pub keep: bool,
}

/// Runs the benchmark and returns the report (progress notes go to stderr).
pub fn run(opts: &Options) -> Result<String, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this binary: {e}"))?;
    let mut columns = Vec::new();
    let mut notes = Vec::new();
    let mut dirs = Vec::new();
    if opts.book {
        let dir = temp_dir("pipeline-bench-book")?;
        let (ws, mut n) = copy_book(opts, dir.path())?;
        notes.append(&mut n);
        columns.push(measure(&exe, &ws, opts, false)?);
        dirs.push(dir);
    }
    if opts.figures > 0 {
        let dir = temp_dir("pipeline-bench-synthetic")?;
        let ws = synthetic(opts, dir.path())?;
        columns.push(measure(&exe, &ws, opts, true)?);
        dirs.push(dir);
    }
    if opts.keep {
        for d in dirs {
            notes.push(format!("kept {}", d.keep().display()));
        }
    }
    Ok(report(&exe, opts, &columns, &notes))
}

/// A workspace under measurement: its root and the cache every command is pointed at.
struct Bench {
    label: String,
    root: PathBuf,
    cache: PathBuf,
    /// The spec whose plot colour the edit-rebuild measurement changes, relative to `root`.
    edit: Option<PathBuf>,
}

/// One column of the report.
#[derive(Default)]
struct Column {
    label: String,
    figures: usize,
    stages: usize,
    clean: Option<Stat>,
    noop: Stat,
    status: Stat,
    /// The same with `--no-fast`: the full path (parse, plan, keys, lookups, outputs, book).
    noop_full: Stat,
    status_full: Stat,
    /// How many of the no-op builds and status runs took the fast path.
    fast_builds: usize,
    fast_status: usize,
    edit: Option<Edit>,
    split: Split,
    plots: Vec<(String, f64)>,
}

/// Median, min and max of repeated timings, in milliseconds.
#[derive(Clone, Copy, Debug, Default)]
struct Stat {
    median: f64,
    min: f64,
    max: f64,
    runs: usize,
}

impl Stat {
    fn of(mut v: Vec<f64>) -> Stat {
        v.sort_by(f64::total_cmp);
        Stat {
            median: median_sorted(&v),
            min: v.first().copied().unwrap_or(0.0),
            max: v.last().copied().unwrap_or(0.0),
            runs: v.len(),
        }
    }
}

/// The edit-rebuild measurement: wall time, the stage's own work and the book rebuild.
#[derive(Default)]
struct Edit {
    figure: String,
    /// How many of the rebuilds took the edit path (`fast`).
    edit_path: usize,
    wall: Stat,
    work: f64,
    book: f64,
}

/// Medians of each phase of the no-op builds.
#[derive(Default)]
struct Split {
    load: f64,
    plan: f64,
    keys: f64,
    lookups: f64,
    execute: f64,
    outputs: f64,
    book: f64,
    snapshot: f64,
    inside: f64,
}

fn median_sorted(v: &[f64]) -> f64 {
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => 0.5 * (v[n / 2 - 1] + v[n / 2]),
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    median_sorted(&v)
}

fn temp_dir(prefix: &str) -> Result<tempfile::TempDir, String> {
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .map_err(|e| format!("cannot create a temporary directory: {e}"))
}

/// One run of the binary: wall time (ms), its `--timings` line, and its stderr.
struct Run {
    ms: f64,
    timings: Option<serde_json::Value>,
    stderr: String,
}

fn spawn(exe: &Path, ws: &Bench, args: &[&str]) -> Result<Run, String> {
    let mut cmd = Command::new(exe);
    cmd.arg("-C")
        .arg(&ws.root)
        .arg("--cache")
        .arg(&ws.cache)
        .args(["-q", "--timings"])
        .args(args);
    let start = Instant::now();
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
    let ms = start.elapsed().as_secs_f64() * 1e3;
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if !out.status.success() {
        return Err(format!(
            "`pipeline {}` failed in {}:\n{stderr}",
            args.join(" "),
            ws.root.display()
        ));
    }
    let timings = stderr
        .lines()
        .find_map(|l| l.strip_prefix("timings: "))
        .and_then(|t| serde_json::from_str(t).ok());
    Ok(Run {
        ms,
        timings,
        stderr,
    })
}

fn build_timings(run: &Run) -> Result<Timings, String> {
    run.timings
        .clone()
        .and_then(|t| serde_json::from_value(t).ok())
        .ok_or_else(|| format!("no timings in the output:\n{}", run.stderr))
}

/// The summary line of a build (`36 figures: 0 built, 36 fresh, ...`).
fn summary(run: &Run) -> &str {
    run.stderr
        .lines()
        .rfind(|l| l.contains(" figure"))
        .unwrap_or("")
}

fn note(msg: &str) {
    eprintln!("bench: {msg}");
}

/// Measures one workspace.
fn measure(exe: &Path, ws: &Bench, opts: &Options, clean: bool) -> Result<Column, String> {
    let mut col = Column {
        label: ws.label.clone(),
        ..Default::default()
    };
    let runs = opts.runs.max(1);
    if clean {
        note(&format!("{}: first build (clean cache)", ws.label));
        let r = spawn(exe, ws, &["build"])?;
        col.clean = Some(Stat::of(vec![r.ms]));
    } else {
        note(&format!("{}: warm-up build", ws.label));
        spawn(exe, ws, &["build"])?;
    }
    // Files younger than `cache::SETTLE` are checked in full by every build (their stamps cannot
    // vouch for them yet): wait, then let one build record them, as days of use would.
    std::thread::sleep(cache::SETTLE + std::time::Duration::from_millis(100));
    let r = spawn(exe, ws, &["build"])?;
    if !summary(&r).contains(" 0 built") {
        return Err(format!(
            "{}: a second build still built figures: {}",
            ws.label,
            summary(&r)
        ));
    }

    note(&format!("{}: {runs} no-op builds", ws.label));
    let mut walls = Vec::new();
    for _ in 0..runs {
        let r = noop_build(exe, ws, &["build"])?;
        walls.push(r.ms);
        col.fast_builds += usize::from(build_timings(&r)?.fast);
    }
    col.noop = Stat::of(walls);

    note(&format!("{}: {runs} no-op builds, full path", ws.label));
    let mut walls = Vec::new();
    let mut phases: Vec<Timings> = Vec::new();
    for _ in 0..runs {
        let r = noop_build(exe, ws, &["--no-fast", "build"])?;
        walls.push(r.ms);
        phases.push(build_timings(&r)?);
    }
    col.noop_full = Stat::of(walls);
    col.stages = phases.first().map_or(0, |t| t.stages);
    let med = |f: fn(&Timings) -> f64| median(phases.iter().map(f).collect());
    col.split = Split {
        load: med(|t| t.load),
        plan: med(|t| t.plan),
        keys: med(|t| t.keys),
        lookups: med(|t| t.lookups),
        execute: med(|t| t.execute),
        outputs: med(|t| t.outputs),
        book: med(|t| t.book),
        snapshot: med(|t| t.snapshot),
        inside: med(|t| t.load + t.plan + t.execute + t.outputs + t.book + t.snapshot),
    };

    note(&format!("{}: {runs} no-op status", ws.label));
    let mut walls = Vec::new();
    for _ in 0..runs {
        let r = spawn(exe, ws, &["status"])?;
        walls.push(r.ms);
        col.fast_status += usize::from(r.timings.as_ref().is_some_and(|t| t["fast"] == true));
    }
    col.status = Stat::of(walls);
    let mut walls = Vec::new();
    for _ in 0..runs {
        walls.push(spawn(exe, ws, &["--no-fast", "status"])?.ms);
    }
    col.status_full = Stat::of(walls);

    if let Some(spec) = &ws.edit {
        note(&format!(
            "{}: {runs} rebuilds after a colour edit of {}",
            ws.label,
            spec.display()
        ));
        let path = ws.root.join(spec);
        let original = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let (at, len) = colour_value(&original)
            .ok_or_else(|| format!("{} has no `color = \"...\"`", path.display()))?;
        let mut walls = Vec::new();
        let mut work = Vec::new();
        let mut book = Vec::new();
        let mut edit_path = 0;
        for i in 0..runs {
            // A colour never used before, so the plot stage really runs every time.
            let colour = format!("#{:06X}", 0x10_2030 + 7 * i);
            let text = format!("{}{colour}{}", &original[..at], &original[at + len..]);
            std::fs::write(&path, text)
                .map_err(|e| format!("cannot edit {}: {e}", path.display()))?;
            let r = spawn(exe, ws, &["build"])?;
            if !summary(&r).contains(" 1 built") {
                return Err(format!(
                    "{}: the edit rebuilt more than one figure: {}",
                    ws.label,
                    summary(&r)
                ));
            }
            let t = build_timings(&r)?;
            edit_path += usize::from(t.edit);
            if !t.edit {
                note(&format!(
                    "{}: edit {} took the full path: {}",
                    ws.label,
                    i + 1,
                    t.full_because
                ));
            }
            walls.push(r.ms);
            work.push(t.runs);
            book.push(t.book);
        }
        std::fs::write(&path, &original)
            .map_err(|e| format!("cannot restore {}: {e}", path.display()))?;
        spawn(exe, ws, &["build"])?;
        let figure = Workspace::load(&ws.root, Some(&ws.cache))
            .ok()
            .and_then(|w| {
                w.figures
                    .iter()
                    .find(|f| f.path == *spec)
                    .map(|f| f.meta.id.clone())
            })
            .unwrap_or_else(|| spec.display().to_string());
        col.edit = Some(Edit {
            figure,
            edit_path,
            wall: Stat::of(walls),
            work: median(work),
            book: median(book),
        });
    }

    note(&format!(
        "{}: plot stage of every figure, in-process",
        ws.label
    ));
    col.plots = plot_times(ws)?;
    col.figures = col.plots.len();
    Ok(col)
}

/// Runs a build that must find nothing to do (`args` ends with `build`).
fn noop_build(exe: &Path, ws: &Bench, args: &[&str]) -> Result<Run, String> {
    let r = spawn(exe, ws, args)?;
    if summary(&r).contains(" 0 built") {
        Ok(r)
    } else {
        Err(format!(
            "{}: a no-op build built figures: {}",
            ws.label,
            summary(&r)
        ))
    }
}

/// Byte offset and length of the first colour value (`color = "<here>"`) of a series.
fn colour_value(spec: &str) -> Option<(usize, usize)> {
    let mut offset = 0;
    for line in spec.split_inclusive('\n') {
        let t = line.trim_start();
        if let Some(rest) = t.strip_prefix("color")
            && let Some(rest) = rest.trim_start().strip_prefix('=')
            && let Some(value) = rest.trim_start().strip_prefix('"')
            && let Some(end) = value.find('"')
        {
            let start = offset + (line.len() - value.len());
            return Some((start, end));
        }
        offset += line.len();
    }
    None
}

/// Runs every figure's plot stage from its cached inputs: (figure id, median ms of 3 runs).
fn plot_times(ws: &Bench) -> Result<Vec<(String, f64)>, String> {
    let w = Workspace::load(&ws.root, Some(&ws.cache)).map_err(|e| e.to_string())?;
    let store = cache::Store::open(&ws.cache).map_err(|e| e.to_string())?;
    let all: Vec<usize> = (0..w.figures.len()).collect();
    let plan = Plan::new(&w.figures, &all, &w.style, &w.digests);
    let progress = Progress::silent();
    let platform = crate::platform::current();
    let runner = |s: &crate::plan::Stage, _: &BTreeMap<String, Arc<Vec<u8>>>| {
        Err(format!("{} is not in the cache", s.id()))
    };
    let ex = Executor::new(&plan, &store, &platform, &runner, &progress);
    ex.run();
    let mut out = Vec::new();
    for (&fi, &pi) in &plan.plots {
        let stage = &plan.stages[pi];
        let mut inputs = BTreeMap::new();
        for (name, j) in &stage.inputs {
            let payload = ex
                .payload(*j)
                .map_err(|e| format!("{}: input {name}: {e}", stage.id()))?;
            inputs.insert(name.clone(), payload);
        }
        let fig = &w.figures[fi];
        let mut times = Vec::new();
        for _ in 0..3 {
            let start = Instant::now();
            crate::stages::run(fig, stage, &inputs, &w.style, &progress)?;
            times.push(start.elapsed().as_secs_f64() * 1e3);
        }
        out.push((fig.meta.id.clone(), median(times)));
    }
    Ok(out)
}

/// Copies the current workspace's specs, locks, style, book and cache into `dir`.
fn copy_book(opts: &Options, dir: &Path) -> Result<(Bench, Vec<String>), String> {
    let root = Workspace::find_root(&opts.start).map_err(|e| e.to_string())?;
    let ws = Workspace::load(&root, opts.cache.as_deref()).map_err(|e| e.to_string())?;
    let paths = &ws.project.paths;
    note(&format!(
        "copying the book at {} into {}",
        root.display(),
        dir.display()
    ));
    std::fs::copy(root.join("pipeline.toml"), dir.join("pipeline.toml"))
        .map_err(|e| format!("cannot copy pipeline.toml: {e}"))?;
    copy_tree(&root.join(&paths.figures), &dir.join(&paths.figures))?;
    let style = dir.join(&paths.style);
    if !style.is_file() {
        if let Some(parent) = style.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        std::fs::copy(root.join(&paths.style), &style).map_err(|e| e.to_string())?;
    }
    copy_tree(&ws.book_dir(), &dir.join(&paths.book))?;
    let cache = dir.join("cache");
    let mut notes = Vec::new();
    if ws.cache_dir.is_dir() {
        copy_tree(&ws.cache_dir, &cache)?;
    } else {
        notes.push(format!(
            "book: there is no cache at {}: the cache is cold",
            ws.cache_dir.display()
        ));
    }

    // Leave out figures that would train a network: a cold cache would take minutes.
    let copy = Workspace::load(dir, Some(&cache)).map_err(|e| e.to_string())?;
    let (plan, states) = crate::engine::inspect_with(&copy, &[], false)?;
    let mut stale = BTreeMap::<String, bool>::new();
    for (stage, state) in plan.stages.iter().zip(&states) {
        if !state.fresh {
            let trains = matches!(
                &stage.kind,
                StageKind::Section(Section::Train(training::TrainSpec::Classifier(_)))
            );
            *stale.entry(stage.figure_id.clone()).or_default() |= trains;
        }
    }
    let left_out: Vec<&String> = stale.iter().filter(|(_, t)| **t).map(|(f, _)| f).collect();
    for fig in &copy.figures {
        if left_out.contains(&&fig.meta.id) {
            for p in [
                dir.join(&fig.path),
                dir.join(fig.path.with_extension("lock")),
            ] {
                let _ = std::fs::remove_file(p);
            }
        }
    }
    if stale.is_empty() {
        notes.push(format!(
            "book: the cache is warm (all {} figures fresh)",
            copy.figures.len()
        ));
    } else {
        notes.push(format!(
            "book: the cache is partly cold: {} of {} figures stale; the warm-up build computed {}{}",
            stale.len(),
            copy.figures.len(),
            stale.len() - left_out.len(),
            if left_out.is_empty() {
                String::new()
            } else {
                format!(
                    "; left out (they would train networks): {}",
                    left_out
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        ));
    }
    // The edit: the first figure in book order with a series colour (and nothing to train).
    let edit = copy
        .figures
        .iter()
        .filter(|f| !left_out.contains(&&f.meta.id))
        .find(|f| colour_value(&f.source).is_some())
        .map(|f| f.path.clone());
    Ok((
        Bench {
            label: "book".into(),
            root: dir.to_path_buf(),
            cache,
            edit,
        },
        notes,
    ))
}

/// Copies a directory tree (regular files only; lock files and temp files of the cache are skipped).
fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| format!("cannot create {}: {e}", to.display()))?;
    let entries =
        std::fs::read_dir(from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    for e in entries.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if name.contains(".tmp")
            || name.ends_with(".lock") && p.parent().is_some_and(|d| d.ends_with("locks"))
        {
            continue;
        }
        let kind = e.file_type().map_err(|e| e.to_string())?;
        if kind.is_dir() {
            copy_tree(&p, &to.join(&name))?;
        } else if kind.is_file() {
            std::fs::copy(&p, to.join(&name))
                .map_err(|e| format!("cannot copy {}: {e}", p.display()))?;
        }
    }
    Ok(())
}

/// Writes a workspace of `opts.figures` small figures (data, model, analysis, plot; distinct
/// parameters, so distinct keys), with the current workspace's style and hand-written book pages.
fn synthetic(opts: &Options, dir: &Path) -> Result<Bench, String> {
    let root = Workspace::find_root(&opts.start).map_err(|e| e.to_string())?;
    let ws = Workspace::load(&root, opts.cache.as_deref()).map_err(|e| e.to_string())?;
    note(&format!(
        "writing a synthetic workspace of {} figures into {}",
        opts.figures,
        dir.display()
    ));
    let write = |rel: &str, text: &str| -> Result<(), String> {
        let p = dir.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        std::fs::write(&p, text).map_err(|e| format!("cannot write {}: {e}", p.display()))
    };
    write(
        "pipeline.toml",
        "# Synthetic workspace of `pipeline bench pipeline`.\n[paths]\nfigures = \"figures\"\nbook = \"book\"\ncache = \".cache\"\nstyle = \"figures/style.toml\"\n",
    )?;
    let style = std::fs::read_to_string(root.join(&ws.project.paths.style))
        .map_err(|e| format!("cannot read the style: {e}"))?;
    write("figures/style.toml", &style)?;
    // The hand-written book pages: everything the pipeline does not generate.
    let book = ws.book_dir();
    for rel in ["book.toml", "figures.css"] {
        if let Ok(text) = std::fs::read_to_string(book.join(rel)) {
            write(&format!("book/{rel}"), &text)?;
        }
    }
    for page in ["introduction.md", "writing-a-figure.md"] {
        if let Ok(text) = std::fs::read_to_string(book.join("src").join(page)) {
            write(&format!("book/src/{page}"), &text)?;
        }
    }
    let chapters = 20;
    let mut first = None;
    for i in 0..opts.figures {
        let chapter = 1 + i % chapters;
        let number = 101 + i / chapters;
        let rel = format!("figures/ch{chapter:02}/synthetic-{i:05}.toml");
        let a = 0.3 + 0.5 * (i as f64 / opts.figures as f64);
        let spec = format!(
            r#"# Synthetic benchmark figure {i}: a sinusoid and a two-unit shallow network.

[figure]
id = "{chapter}.{number}"
title = "Synthetic figure {i}"
caption = "A sinusoid of amplitude {a} and a shallow network $y = \\phi_0 + \\sum_d \\phi_d h_d$."

[data.target]
kind = "function"
function = {{ form = "fourier", offset = 0.0, terms = [[{a}, 1.0, 0.0]] }}
x = {{ start = 0.0, stop = 1.0, num = 101 }}

[model.net]
kind = "shallow"
theta = [[{a}, -1.0], [-1.0, 2.0]]
phi = [[-0.3, 2.0, -1.0]]

[analysis.curve]
kind = "evaluate"
model = "net"
x = {{ start = 0.0, stop = 1.0, num = 101 }}

[[panel]]
x = {{ label = "Input, $x$", range = [0.0, 1.0] }}
y = {{ label = "Output, $y$", range = [-1.0, 1.0] }}
[[panel.series]]
kind = "line"
x = "target.x"
y = "target.y"
color = "black"
dash = "dashed"
[[panel.series]]
kind = "line"
x = "curve.x"
y = "curve.y"
color = "cyan"
"#
        );
        write(&rel, &spec)?;
        first.get_or_insert(PathBuf::from(rel));
    }
    Ok(Bench {
        label: format!("synthetic ({} figures)", opts.figures),
        root: dir.to_path_buf(),
        cache: dir.join(".cache"),
        edit: first,
    })
}

fn report(exe: &Path, opts: &Options, cols: &[Column], notes: &[String]) -> String {
    let mut out = String::new();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let _ = writeln!(
        out,
        "pipeline speed: {} spawned with -C DIR, wall time from process start to exit;\n\
         median of {} runs [min-max] ({cores} cores; on a shared machine timings are noisy, so compare medians)",
        exe.display(),
        opts.runs.max(1)
    );
    for n in notes {
        let _ = writeln!(out, "note: {n}");
    }
    let w = 42;
    let cw = 30;
    let _ = write!(out, "\n{:<w$}", "");
    for c in cols {
        let _ = write!(out, "{:>cw$}", c.label);
    }
    let _ = writeln!(out);
    let row = |out: &mut String, name: &str, cells: Vec<String>| {
        let _ = write!(out, "{name:<w$}");
        for c in cells {
            let _ = write!(out, "{c:>cw$}");
        }
        let _ = writeln!(out);
    };
    let stat = |s: &Stat| {
        if s.runs > 1 {
            format!("{} [{}-{}]", ms(s.median), ms_bare(s.min), ms_bare(s.max))
        } else {
            ms(s.median)
        }
    };
    row(
        &mut out,
        "figures / stages",
        cols.iter()
            .map(|c| format!("{} / {}", c.figures, c.stages))
            .collect(),
    );
    row(
        &mut out,
        "first build (empty cache)",
        cols.iter()
            .map(|c| c.clean.as_ref().map_or("-".into(), stat))
            .collect(),
    );
    row(
        &mut out,
        "no-op build",
        cols.iter().map(|c| stat(&c.noop)).collect(),
    );
    row(
        &mut out,
        "no-op status",
        cols.iter().map(|c| stat(&c.status)).collect(),
    );
    row(
        &mut out,
        "  runs that took the fast path (build, status)",
        cols.iter()
            .map(|c| {
                format!(
                    "{}/{}, {}/{}",
                    c.fast_builds, c.noop.runs, c.fast_status, c.status.runs
                )
            })
            .collect(),
    );
    row(
        &mut out,
        "no-op build, full path (--no-fast)",
        cols.iter().map(|c| stat(&c.noop_full)).collect(),
    );
    row(
        &mut out,
        "no-op status, full path (--no-fast)",
        cols.iter().map(|c| stat(&c.status_full)).collect(),
    );
    row(
        &mut out,
        "rebuild after a colour edit",
        cols.iter()
            .map(|c| c.edit.as_ref().map_or("-".into(), |e| stat(&e.wall)))
            .collect(),
    );
    row(
        &mut out,
        "  edited figure",
        cols.iter()
            .map(|c| c.edit.as_ref().map_or("-".into(), |e| e.figure.clone()))
            .collect(),
    );
    row(
        &mut out,
        "  runs that took the edit path",
        cols.iter()
            .map(|c| {
                c.edit
                    .as_ref()
                    .map_or("-".into(), |e| format!("{}/{}", e.edit_path, e.wall.runs))
            })
            .collect(),
    );
    row(
        &mut out,
        "  the plot stage's own work",
        cols.iter()
            .map(|c| c.edit.as_ref().map_or("-".into(), |e| ms(e.work)))
            .collect(),
    );
    row(
        &mut out,
        "  book rebuild (pages + mdBook)",
        cols.iter()
            .map(|c| c.edit.as_ref().map_or("-".into(), |e| ms(e.book)))
            .collect(),
    );
    row(
        &mut out,
        "  overhead beyond the stage and the book",
        cols.iter()
            .map(|c| {
                c.edit
                    .as_ref()
                    .map_or("-".into(), |e| ms(e.wall.median - e.work - e.book))
            })
            .collect(),
    );
    let _ = writeln!(
        out,
        "no-op build on the full path (--no-fast), split (medians):"
    );
    let split: [(&str, Cell); 8] = [
        ("  process start and exit, other", |c| {
            c.noop_full.median - c.split.inside
        }),
        ("  workspace load + spec parsing", |c| c.split.load),
        ("  planning", |c| c.split.plan),
        ("  executor (keys + lookups, wall)", |c| c.split.execute),
        ("  writing outputs/locks", |c| c.split.outputs),
        ("  book check", |c| c.split.book),
        ("  fast-path snapshot (compare, write)", |c| {
            c.split.snapshot
        }),
        ("  sum of the phases", |c| c.split.inside),
    ];
    for (name, f) in split {
        row(&mut out, name, cols.iter().map(|c| ms(f(c))).collect());
    }
    row(
        &mut out,
        "  key per stage (thread time)",
        cols.iter()
            .map(|c| us(c.split.keys / c.stages.max(1) as f64))
            .collect(),
    );
    row(
        &mut out,
        "  cache lookup per stage (thread time)",
        cols.iter()
            .map(|c| us(c.split.lookups / c.stages.max(1) as f64))
            .collect(),
    );
    let _ = writeln!(
        out,
        "plot stage per figure (decode cached inputs, render the SVG; 1 thread, median of 3 each):"
    );
    row(
        &mut out,
        "  median over figures",
        cols.iter()
            .map(|c| ms(median(c.plots.iter().map(|p| p.1).collect())))
            .collect(),
    );
    row(
        &mut out,
        "  max (figure)",
        cols.iter()
            .map(|c| {
                c.plots
                    .iter()
                    .max_by(|a, b| a.1.total_cmp(&b.1))
                    .map_or("-".into(), |(id, t)| format!("{} ({id})", ms(*t)))
            })
            .collect(),
    );
    out
}

/// How a report row gets its number from a column.
type Cell = fn(&Column) -> f64;

fn ms(v: f64) -> String {
    format!("{} ms", ms_bare(v))
}

fn ms_bare(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

fn us(v_ms: f64) -> String {
    format!("{:.1} µs", v_ms * 1e3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first_colour_value() {
        let spec =
            "[figure]\nid = \"1.1\"\n[[panel.series]]\ncolor = \"cyan\"\ncolor = \"black\"\n";
        let (at, len) = colour_value(spec).unwrap();
        assert_eq!(&spec[at..at + len], "cyan");
        assert_eq!(colour_value("x = 1\n"), None);
    }

    #[test]
    fn stats_are_medians_of_sorted_runs() {
        let s = Stat::of(vec![3.0, 1.0, 2.0, 10.0]);
        assert_eq!((s.median, s.min, s.max, s.runs), (2.5, 1.0, 10.0, 4));
        assert_eq!(median(vec![5.0, 1.0, 3.0]), 3.0);
        assert_eq!(median(vec![]), 0.0);
    }
}
