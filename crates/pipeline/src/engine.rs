//! The commands' library side: build, status, explain, verify, gc and export over a [`Workspace`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::exec::{Action, Clocks, Done, EntryInfo, Event, ExecReport, Executor};
use crate::lockfile::FigureLock;
use crate::plan::{Plan, diff_json};
use crate::plot_stage::PlotArtifact;
use crate::progress::{Mode, Progress};
use crate::state::{FigureState, Outputs};
use crate::workspace::Workspace;

/// Options of a build.
#[derive(Clone, Debug)]
pub struct BuildOptions {
    /// Figures to build (ids or slugs); empty = all.
    pub figures: Vec<String>,
    /// Parallel stages; 0 = the setting in pipeline.toml, or one per core.
    pub jobs: usize,
    /// Progress display.
    pub progress: Mode,
    /// Write figure SVGs, locks, the stage index and the book (false for `verify` and `export`).
    pub write_outputs: bool,
    /// Build the book after the figures.
    pub book: bool,
    /// The edit path (`fast`): the workspace holds only the edited chapters, and this snapshot
    /// stands for every other figure (fresh, with the outputs and book inputs it recorded).
    pub base: Option<std::sync::Arc<crate::fast::Snapshot>>,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            figures: Vec::new(),
            jobs: 0,
            progress: Mode::Quiet,
            write_outputs: true,
            book: true,
            base: None,
        }
    }
}

/// How one figure fared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FigureStatus {
    /// At least one stage ran.
    Built,
    /// Every stage came from the cache.
    Fresh,
    /// A stage failed (message names figure and stage).
    Failed(String),
}

/// One figure's result.
#[derive(Clone, Debug)]
pub struct FigureResult {
    /// Index into the workspace's figures.
    pub index: usize,
    /// Figure id.
    pub id: String,
    /// Built, fresh or failed.
    pub status: FigureStatus,
    /// The plot stage's output, when it built.
    pub plot: Option<Done>,
}

/// What a build did.
#[derive(Debug, Default)]
pub struct BuildReport {
    /// The execution log.
    pub events: Vec<Event>,
    /// Per selected figure.
    pub figures: Vec<FigureResult>,
    /// On the edit path, the figures the snapshot stood for (fresh, not in `figures`).
    pub unchanged: usize,
    /// Whether the book was rebuilt (false when it was up to date or not requested).
    pub book_built: bool,
    /// Errors outside stages (writing outputs, the book).
    pub errors: Vec<String>,
    /// Problems that cost only speed (saving the cache's stat index or the build state).
    pub warnings: Vec<String>,
    /// Wall time.
    pub seconds: f64,
    /// Where the wall time went.
    pub timings: Timings,
}

/// Where a build's wall time went, in milliseconds (printed by `--timings`, read by
/// `pipeline bench pipeline`). The phases run one after the other; `keys`, `lookups` and `runs`
/// are summed over stages and threads within `execute`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Timings {
    /// Reading pipeline.toml, the style and every spec, parsing and checking them (set by the
    /// caller, which loads the workspace).
    pub load: f64,
    /// Expanding the figures into the stage graph.
    pub plan: f64,
    /// The executor: keys, cache lookups and any stage runs.
    pub execute: f64,
    /// Manifests and keys, summed over stages.
    pub keys: f64,
    /// Cache lookups, summed over stages.
    pub lookups: f64,
    /// Stage computations (and publishing their outputs), summed over stages.
    pub runs: f64,
    /// Writing (or checking) figure SVGs, locks and the stage index.
    pub outputs: f64,
    /// Checking the book's inputs, and rebuilding it when they changed.
    pub book: f64,
    /// Recording the fast path's snapshot (after the book).
    #[serde(default)]
    pub snapshot: f64,
    /// Stages in the plan.
    pub stages: usize,
    /// The command took the whole-workspace fast path (`fast`): nothing parsed or planned; the
    /// time is all in `load`.
    #[serde(default)]
    pub fast: bool,
    /// The command took the edit path (`fast`): only the edited specs' chapters were loaded,
    /// planned and built; the snapshot stood for the rest.
    #[serde(default)]
    pub edit: bool,
    /// Why the fast path was not taken (empty when it was, or when it was not tried).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub full_because: String,
}

impl BuildReport {
    /// Stages that executed (ran or rebuilt), by id.
    pub fn executed(&self) -> Vec<&str> {
        self.events
            .iter()
            .filter(|e| matches!(e.action, Action::Ran | Action::Rebuilt))
            .map(|e| e.stage.as_str())
            .collect()
    }

    /// True when nothing failed.
    pub fn ok(&self) -> bool {
        self.errors.is_empty()
            && self
                .figures
                .iter()
                .all(|f| !matches!(f.status, FigureStatus::Failed(_)))
    }

    /// `12 figures: 3 built, 9 fresh, 0 failed in 0.41 s`.
    pub fn summary(&self, invalid_specs: usize) -> String {
        let count =
            |p: fn(&FigureStatus) -> bool| self.figures.iter().filter(|f| p(&f.status)).count();
        let built = count(|s| *s == FigureStatus::Built);
        let fresh = count(|s| *s == FigureStatus::Fresh) + self.unchanged;
        let failed = count(|s| matches!(s, FigureStatus::Failed(_)));
        let invalid = if invalid_specs > 0 {
            format!(
                ", {invalid_specs} invalid spec{}",
                if invalid_specs == 1 { "" } else { "s" }
            )
        } else {
            String::new()
        };
        let n = self.figures.len() + self.unchanged;
        format!(
            "{n} figure{}: {built} built, {fresh} fresh, {failed} failed{invalid} in {:.2} s",
            if n == 1 { "" } else { "s" },
            self.seconds
        )
    }
}

/// Indices of the selected figures.
fn selection(ws: &Workspace, names: &[String]) -> Result<Vec<usize>, String> {
    let selected = ws.select(names)?;
    Ok(selected
        .iter()
        .map(|f| {
            ws.figures
                .iter()
                .position(|g| g.meta.id == f.meta.id)
                .expect("selected from the list")
        })
        .collect())
}

fn jobs(ws: &Workspace, requested: usize) -> usize {
    let j = if requested > 0 {
        requested
    } else {
        ws.project.build.jobs
    };
    if j > 0 {
        j
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    }
}

/// Builds the selected figures (and the book) against the workspace cache.
pub fn build(ws: &Workspace, opts: &BuildOptions) -> Result<BuildReport, String> {
    let store = cache::Store::open(&ws.cache_dir).map_err(|e| e.to_string())?;
    build_with_store(ws, &store, opts)
}

/// Builds against a given store (used by `verify` with an empty temporary store).
pub fn build_with_store(
    ws: &Workspace,
    store: &cache::Store,
    opts: &BuildOptions,
) -> Result<BuildReport, String> {
    let start = Instant::now();
    let selected = selection(ws, &opts.figures)?;
    // The global pool (already running: the specs were parsed on it) when it has the requested
    // size, else a pool of our own.
    let jobs = jobs(ws, opts.jobs);
    let pool = if jobs == rayon::current_num_threads() {
        None
    } else {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(jobs)
            .build()
            .map_err(|e| e.to_string())?;
        Some(pool)
    };
    let plan = on_pool(pool.as_ref(), || {
        Plan::new(&ws.figures, &selected, &ws.style, &ws.digests)
    });
    let mut timings = Timings {
        plan: ms_since(start),
        stages: plan.stages.len(),
        ..Default::default()
    };
    let platform = crate::platform::current();
    let progress = Progress::new(opts.progress);
    let runner = |stage: &crate::plan::Stage,
                  inputs: &BTreeMap<String, std::sync::Arc<Vec<u8>>>| {
        crate::stages::run(
            &ws.figures[stage.figure],
            stage,
            inputs,
            &ws.style,
            &progress,
        )
    };
    let started = Instant::now();
    let ex = Executor::new(&plan, store, &platform, &runner, &progress);
    on_pool(pool.as_ref(), || ex.run());
    timings.execute = ms_since(started);

    let started = Instant::now();
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    // Figure index -> its outputs' record, for the fast path's snapshot.
    let mut checked_outputs: BTreeMap<usize, Outputs> = BTreeMap::new();
    // Figure index -> blake3 of its SVG, for SVGs checked in full (for the snapshot too).
    let mut svgs: BTreeMap<usize, cache::Key> = BTreeMap::new();
    if opts.write_outputs {
        let state = crate::state::State::load(ws);
        let mut touched = BTreeMap::new();
        for &fi in &selected {
            let fig = &ws.figures[fi];
            let old = state.figures.get(&fig.meta.id);
            let stages: BTreeMap<String, String> = plan.figures[&fi]
                .clone()
                .filter_map(|i| match ex.result(i) {
                    Some(Ok(d)) => Some((plan.stages[i].name.clone(), d.key.to_hex())),
                    _ => None,
                })
                .collect();
            let mut record = FigureState {
                stages: crate::state::stages_digest(&stages),
                outputs: None,
            };
            if old.is_none_or(|o| o.stages != record.stages)
                && let Err(e) = crate::state::write_last(ws, &fig.meta.id, &stages)
            {
                errors.push(format!("figure {}: {e}", fig.meta.id));
            }
            let p = plan.plots[&fi];
            if let Some(Ok(done)) = ex.result(p) {
                let outputs = old.and_then(|o| o.outputs.as_ref());
                match write_figure_outputs(ws, fi, done, || ex.payload(p), &platform, outputs) {
                    Ok((lock_hash, record_outputs, svg_hash)) => {
                        files.insert(fig.meta.id.clone(), lock_hash);
                        if let Some(h) = svg_hash {
                            svgs.insert(fi, h);
                        }
                        if let Some(o) = &record_outputs {
                            checked_outputs.insert(fi, o.clone());
                        }
                        record.outputs = record_outputs;
                    }
                    Err(e) => errors.push(format!("figure {}: {e}", fig.meta.id)),
                }
            }
            if old != Some(&record) {
                touched.insert(fig.meta.id.clone(), record);
            }
        }
        if !touched.is_empty()
            && let Err(e) = crate::state::State::save(ws, touched)
        {
            warnings.push(format!(
                "cannot save the build state (the next build re-reads outputs): {e}"
            ));
        }
    } else {
        // `verify` and `export` read the plotted numbers.
        for &fi in &selected {
            let p = plan.plots[&fi];
            if let Some(Ok(_)) = ex.result(p)
                && let Err(e) = ex.payload(p)
            {
                errors.push(format!("figure {}: {e}", ws.figures[fi].meta.id));
            }
        }
    }
    if let Err(e) = store.save_index() {
        warnings.push(format!(
            "cannot save the cache's stat index (the next build re-hashes entries): {e}"
        ));
    }
    let exec: ExecReport = ex.finish();
    timings.keys = Clocks::ms(&exec.clocks.keys);
    timings.lookups = Clocks::ms(&exec.clocks.lookups);
    timings.runs = Clocks::ms(&exec.clocks.runs);

    let mut report = BuildReport {
        events: exec.events,
        errors,
        warnings,
        ..Default::default()
    };
    if let Some(base) = &opts.base {
        report.unchanged = base.figures.len().saturating_sub(selected.len());
        report.events = with_base_events(ws, &plan, report.events, base);
    }
    for &fi in &selected {
        let fig = &ws.figures[fi];
        let mut status = FigureStatus::Fresh;
        for i in plan.figures[&fi].clone() {
            match &exec.results[i] {
                Some(Ok(d)) if d.action != Action::Hit && status == FigureStatus::Fresh => {
                    status = FigureStatus::Built
                }
                Some(Err(e)) if !matches!(status, FigureStatus::Failed(_)) => {
                    status = FigureStatus::Failed(e.clone())
                }
                _ => {}
            }
        }
        let plot = match &exec.results[plan.plots[&fi]] {
            Some(Ok(d)) => Some(d.clone()),
            _ => None,
        };
        report.figures.push(FigureResult {
            index: fi,
            id: fig.meta.id.clone(),
            status,
            plot,
        });
    }
    timings.outputs = ms_since(started);
    let started = Instant::now();
    if opts.write_outputs && opts.book {
        match crate::bookgen::update(ws, store, &report, &files, opts.base.as_deref()) {
            Ok(book) => {
                report.book_built = book.built;
                if book.built {
                    progress.message(&format!(
                        "built the book into {}",
                        rel(ws, &ws.book_dir().join("build"))
                    ));
                }
                if opts.figures.is_empty() {
                    let started = Instant::now();
                    let built = crate::fast::Built {
                        plan: &plan,
                        results: &exec.results,
                        report: &report,
                        outputs: &checked_outputs,
                        svgs: &svgs,
                        locks: &files,
                        book: &book,
                        base: opts.base.as_deref(),
                    };
                    crate::fast::record(ws, store, &built);
                    timings.snapshot = ms_since(started);
                }
            }
            Err(e) => report.errors.push(format!("book: {e}")),
        }
    }
    timings.book = ms_since(started) - timings.snapshot;
    report.timings = timings;
    report.seconds = start.elapsed().as_secs_f64();
    Ok(report)
}

/// The edit path's log: the loaded figures' events and a hit for every stage of the figures the
/// snapshot stood for, in the full path's order (wave by wave, by stage id within a wave).
fn with_base_events(
    ws: &Workspace,
    plan: &Plan,
    events: Vec<Event>,
    base: &crate::fast::Snapshot,
) -> Vec<Event> {
    let depth: BTreeMap<String, usize> = plan.stages.iter().map(|s| (s.id(), s.depth)).collect();
    let loaded: BTreeSet<&str> = ws.figures.iter().map(|f| f.meta.id.as_str()).collect();
    let mut log: Vec<(usize, Event)> = events
        .into_iter()
        .map(|e| (depth.get(&e.stage).copied().unwrap_or(0), e))
        .collect();
    for f in base
        .figures
        .iter()
        .filter(|f| !loaded.contains(f.id.as_str()))
    {
        for s in &f.stages {
            log.push((
                s.depth as usize,
                Event {
                    stage: format!("{}/{}", f.id, s.name),
                    action: Action::Hit,
                    key: s.key.to_hex(),
                    detail: String::new(),
                },
            ));
        }
    }
    log.sort_by(|(da, a), (db, b)| da.cmp(db).then_with(|| a.stage.cmp(&b.stage)));
    log.into_iter().map(|(_, e)| e).collect()
}

/// Runs `f` on `pool`, or on the global rayon pool.
fn on_pool<T: Send>(pool: Option<&rayon::ThreadPool>, f: impl FnOnce() -> T + Send) -> T {
    match pool {
        Some(pool) => pool.install(f),
        None => f(),
    }
}

/// Milliseconds since `start`.
pub fn ms_since(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1e3
}

/// Makes sure a figure's SVG (in the book sources) and lock (beside the spec) hold the output of
/// its plot stage `done`, writing each only if it differs. Returns blake3 (hex) of the lock's
/// bytes, the record of the checked files for the state file (`None` while they are too young
/// to vouch for), and blake3 of the SVG's bytes when it was checked in full.
///
/// When `last` (the previous build's record) shows both files unchanged since they were checked
/// against this very plot output, nothing is read; otherwise the plot payload is loaded
/// (`payload`, which verifies it and rebuilds it if damaged) and both files are checked in full.
fn write_figure_outputs(
    ws: &Workspace,
    fi: usize,
    done: &Done,
    payload: impl FnOnce() -> Result<std::sync::Arc<Vec<u8>>, String>,
    platform: &str,
    last: Option<&Outputs>,
) -> Result<(String, Option<Outputs>, Option<cache::Key>), String> {
    let fig = &ws.figures[fi];
    let svg_path = ws.figure_svg_path(fig);
    let lock_path = ws.lock_path(fig);
    let stamp =
        |p: &Path| cache::Stamp::read(p).map_err(|e| format!("cannot stat {}: {e}", p.display()));
    let check = |svg: &cache::Stamp, lock: &cache::Stamp| {
        crate::state::outputs_check(&done.key, &done.hash, platform, svg, lock)
    };
    if let Some(last) = last
        && let (Some(svg), Some(lock)) = (stamp(&svg_path)?, stamp(&lock_path)?)
        && check(&svg, &lock) == last.check
    {
        return Ok((last.lock.clone(), Some(last.clone()), None));
    }

    let payload = payload()?;
    let art = PlotArtifact::decode(&payload)?;
    crate::output::write_if_changed(&svg_path, art.svg.as_bytes())?;
    let outputs = art.output_hashes();
    let key = done.key.to_hex();
    let old_text = match std::fs::read_to_string(&lock_path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(format!("cannot read {}: {e}", lock_path.display())),
    };
    // An up-to-date lock (same key, platform and output hashes) needs no re-parse of the numbers.
    let old = old_text
        .as_deref()
        .and_then(|t| FigureLock::parse(t, &lock_path).ok());
    let text = match (&old_text, old) {
        (Some(text), Some(old))
            if old.key == key
                && old.platform == platform
                && old.outputs == outputs
                && old.figure == fig.meta.id =>
        {
            text.clone()
        }
        _ => {
            let series = art.series()?;
            let numbers = series
                .iter()
                .map(|(k, v)| (k.clone(), crate::lockfile::NumberCheck::of(v)))
                .collect();
            let checks = fig
                .checks
                .iter()
                .map(|c| {
                    Ok(crate::lockfile::CheckRecord {
                        claim: c.claim.clone(),
                        measured: c.evaluate(&series)?,
                    })
                })
                .collect::<Result<_, String>>()?;
            let lock = FigureLock {
                figure: fig.meta.id.clone(),
                platform: platform.to_string(),
                key,
                outputs,
                numbers,
                checks,
            };
            lock.write_if_changed(&lock_path)?;
            lock.to_text()
        }
    };
    let lock_hash = blake3::hash(text.as_bytes()).to_hex().to_string();
    let settled = |s: Option<cache::Stamp>| s.filter(cache::Stamp::is_settled);
    let record = match (settled(stamp(&svg_path)?), settled(stamp(&lock_path)?)) {
        (Some(svg), Some(lock)) => Some(Outputs {
            check: check(&svg, &lock),
            lock: lock_hash.clone(),
        }),
        _ => None,
    };
    let svg_hash = cache::Key(*blake3::hash(art.svg.as_bytes()).as_bytes());
    Ok((lock_hash, record, Some(svg_hash)))
}

/// The state of one stage as seen without running anything.
#[derive(Clone, Debug)]
pub struct StageState {
    /// `3.3/model.net`.
    pub stage: String,
    /// The key, when all inputs are known.
    pub key: Option<cache::Key>,
    /// The manifest that is (or would be) hashed: for stale stages, and for every stage when
    /// [`inspect`] is asked for all manifests.
    pub manifest: Option<crate::plan::Manifest>,
    /// Cached and valid-looking.
    pub fresh: bool,
    /// Why it is stale (empty when fresh).
    pub reasons: Vec<String>,
}

/// Walks the plan without reading cache payloads (the stat index, else entry headers): which
/// stages are fresh, and why the others are stale; with every stage's manifest (for `explain`).
pub fn inspect(ws: &Workspace, names: &[String]) -> Result<(Plan, Vec<StageState>), String> {
    inspect_with(ws, names, true)
}

/// [`inspect`], with the manifests of fresh stages only if `all_manifests` (`status` needs only
/// the stale ones, to explain them).
pub fn inspect_with(
    ws: &Workspace,
    names: &[String],
    all_manifests: bool,
) -> Result<(Plan, Vec<StageState>), String> {
    let store = cache::Store::open(&ws.cache_dir).map_err(|e| e.to_string())?;
    let selected = selection(ws, names)?;
    let plan = Plan::new(&ws.figures, &selected, &ws.style, &ws.digests);
    let platform = crate::platform::current();
    let mut hashes: Vec<Option<cache::Key>> = vec![None; plan.stages.len()];
    let mut states = Vec::with_capacity(plan.stages.len());
    let mut last: BTreeMap<String, crate::state::StageIndex> = BTreeMap::new();
    for (i, s) in plan.stages.iter().enumerate() {
        let mut input_hashes = BTreeMap::new();
        let mut missing_inputs = Vec::new();
        for (name, j) in &s.inputs {
            match hashes[*j] {
                Some(h) => {
                    input_hashes.insert(name.clone(), h.to_hex());
                }
                None => missing_inputs.push(plan.stages[*j].name.clone()),
            }
        }
        if !missing_inputs.is_empty() {
            states.push(StageState {
                stage: s.id(),
                key: None,
                manifest: None,
                fresh: false,
                reasons: missing_inputs
                    .iter()
                    .map(|n| format!("input {n} is stale"))
                    .collect(),
            });
            continue;
        }
        let key = plan.key(i, &input_hashes, &platform);
        let hash = store.hash_of(&key).map_err(|e| e.to_string())?;
        let mut reasons = Vec::new();
        let manifest =
            (all_manifests || hash.is_none()).then(|| plan.manifest(i, &input_hashes, &platform));
        if hash.is_some() {
            hashes[i] = hash;
        } else if let Some(manifest) = &manifest {
            let last = last
                .entry(s.figure_id.clone())
                .or_insert_with(|| crate::state::read_last(ws, &s.figure_id));
            let previous = last
                .stages
                .get(&s.name)
                .and_then(|k| cache::Key::from_hex(k))
                .and_then(|k| store.peek(&k).ok().flatten())
                .and_then(|m| serde_json::from_slice::<EntryInfo>(&m.meta).ok());
            match previous {
                Some(prev) => reasons.extend(explain_change(&prev.manifest, manifest)),
                None => reasons.push("cache entry missing".into()),
            }
            if reasons.is_empty() {
                reasons.push("cache entry missing".into());
            }
        }
        states.push(StageState {
            stage: s.id(),
            key: Some(key),
            manifest,
            fresh: hash.is_some(),
            reasons,
        });
    }
    Ok((plan, states))
}

/// Human reasons why `new` differs from `old`.
pub fn explain_change(old: &crate::plan::Manifest, new: &crate::plan::Manifest) -> Vec<String> {
    let mut out = Vec::new();
    diff_json("", &old.params, &new.params, &mut out);
    if old.implementation != new.implementation {
        out.push(format!("crate {} changed", new.crate_name));
    }
    for (name, h) in &new.inputs {
        if old.inputs.get(name) != Some(h) {
            out.push(format!("input {name} changed"));
        }
    }
    if old.platform != new.platform {
        out.push(format!("platform {} -> {}", old.platform, new.platform));
    }
    if old.format != new.format {
        out.push(format!("manifest format {} -> {}", old.format, new.format));
    }
    out
}

/// Relative tolerance of cross-platform number comparisons when a figure sets none.
pub const DEFAULT_TOLERANCE: f64 = 1e-9;

/// Output of `verify`: one line per problem, empty when everything matches.
#[derive(Debug, Default)]
pub struct VerifyReport {
    /// Figures compared.
    pub checked: usize,
    /// Problems, each naming figure and stage/output.
    pub problems: Vec<String>,
    /// Notes (e.g. cross-platform comparisons).
    pub notes: Vec<String>,
    /// Wall time.
    pub seconds: f64,
}

/// Rebuilds the selected figures from an empty temporary cache and compares outputs with the locks.
pub fn verify(
    ws: &Workspace,
    names: &[String],
    jobs: usize,
    progress: Mode,
) -> Result<VerifyReport, String> {
    let start = Instant::now();
    let tmp = tempfile::Builder::new()
        .prefix("pipeline-verify")
        .tempdir()
        .map_err(|e| format!("cannot create a temporary cache: {e}"))?;
    let store = cache::Store::open(tmp.path()).map_err(|e| e.to_string())?;
    let opts = BuildOptions {
        figures: names.to_vec(),
        jobs,
        progress,
        write_outputs: false,
        book: false,
        base: None,
    };
    let build = build_with_store(ws, &store, &opts)?;
    let platform = crate::platform::current();
    let mut report = VerifyReport::default();
    for f in &build.figures {
        let fig = &ws.figures[f.index];
        report.checked += 1;
        let lock_path = ws.lock_path(fig);
        let lock = match FigureLock::read(&lock_path)? {
            Some(l) => l,
            None => {
                report.problems.push(format!(
                    "figure {}: no lock at {} (run `pipeline build` and commit the lock)",
                    f.id,
                    rel(ws, &lock_path)
                ));
                continue;
            }
        };
        let Some(done) = &f.plot else {
            let why = match &f.status {
                FigureStatus::Failed(e) => e.clone(),
                _ => "no output".into(),
            };
            report
                .problems
                .push(format!("figure {}: rebuild failed: {why}", f.id));
            continue;
        };
        let Some(payload) = done.payload() else {
            report.problems.push(format!(
                "figure {}: the plot output could not be read: {}",
                f.id,
                build.errors.join("; ")
            ));
            continue;
        };
        let art = PlotArtifact::decode(payload)?;
        if lock.platform != platform {
            // Bitwise equality is promised per platform only: compare the numbers instead.
            let tolerance = fig.meta.tolerance.unwrap_or(DEFAULT_TOLERANCE);
            let series = art.series()?;
            let mut differences = Vec::new();
            for (name, locked) in &lock.numbers {
                match series.get(name) {
                    Some(v) => differences.extend(
                        locked
                            .compare(&crate::lockfile::NumberCheck::of(v), tolerance)
                            .map(|d| format!("`{name}`: {d}")),
                    ),
                    None => {
                        differences.push(format!("`{name}` is in the lock but was not plotted"))
                    }
                }
            }
            for name in series.keys().filter(|n| !lock.numbers.contains_key(*n)) {
                differences.push(format!("`{name}` was plotted but is not in the lock"));
            }
            if lock.numbers.is_empty() {
                differences.push("the lock has no numbers to compare".into());
            }
            report.notes.push(format!(
                "figure {}: locked on {}, rebuilt on {}: cross-platform comparison of the plotted numbers (tolerance {tolerance:e}), not a bitwise check: {}",
                f.id,
                lock.platform,
                platform,
                if differences.is_empty() { "all within tolerance".to_string() } else { format!("{} differ", differences.len()) }
            ));
            for d in differences {
                report
                    .problems
                    .push(format!("figure {}, stage plot [cross-platform]: {d}", f.id));
            }
            continue;
        }
        let now = art.output_hashes();
        for (name, hash) in &lock.outputs {
            match now.get(name) {
                Some(h) if h == hash => {}
                Some(h) => report.problems.push(format!(
                    "figure {}, stage plot: output `{name}` differs from the lock ({} locked, {} rebuilt)",
                    f.id,
                    &hash[..12.min(hash.len())],
                    &h[..12]
                )),
                None => report.problems.push(format!("figure {}, stage plot: output `{name}` is in the lock but was not produced", f.id)),
            }
        }
        for name in now.keys() {
            if !lock.outputs.contains_key(name) {
                report.problems.push(format!(
                    "figure {}, stage plot: output `{name}` is missing from the lock",
                    f.id
                ));
            }
        }
    }
    report.seconds = start.elapsed().as_secs_f64();
    Ok(report)
}

/// Removes cache entries that no current spec reaches; returns (removed, bytes).
pub fn gc(ws: &Workspace) -> Result<(usize, u64), String> {
    let store = cache::Store::open(&ws.cache_dir).map_err(|e| e.to_string())?;
    let (_, states) = inspect_with(ws, &[], false)?;
    let mut keep: BTreeSet<cache::Key> = states.iter().filter_map(|s| s.key).collect();
    // Also keep the last-built keys of every current stage: they are what a rebuild would reach.
    for f in &ws.figures {
        for k in crate::state::read_last(ws, &f.meta.id).stages.values() {
            keep.extend(cache::Key::from_hex(k));
        }
    }
    let r = store.gc(&keep).map_err(|e| e.to_string())?;
    Ok((r.entries_removed, r.bytes_freed))
}

/// Builds (from cache when fresh) one figure and writes its plotted numbers as CSV and JSON into `out`.
pub fn export(ws: &Workspace, figure: &str, out: &Path) -> Result<Vec<PathBuf>, String> {
    let opts = BuildOptions {
        figures: vec![figure.to_string()],
        write_outputs: false,
        book: false,
        ..Default::default()
    };
    let report = build(ws, &opts)?;
    let f = &report.figures[0];
    let done = match (&f.plot, &f.status) {
        (Some(d), _) => d,
        (None, FigureStatus::Failed(e)) => return Err(e.clone()),
        (None, _) => return Err(format!("figure {} produced no output", f.id)),
    };
    let payload = done.payload().ok_or_else(|| report.errors.join("; "))?;
    let art = PlotArtifact::decode(payload)?;
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let csv = out.join(format!("{}.csv", f.id));
    let json = out.join(format!("{}.json", f.id));
    crate::output::write_if_changed(&csv, art.to_csv()?.as_bytes())?;
    crate::output::write_if_changed(&json, &art.to_json()?)?;
    Ok(vec![csv, json])
}

/// A path relative to the workspace root, for messages.
pub fn rel(ws: &Workspace, p: &Path) -> String {
    p.strip_prefix(&ws.root).unwrap_or(p).display().to_string()
}
