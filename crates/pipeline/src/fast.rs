//! The whole-workspace fast path: a no-op `build` or `status` that parses no spec and plans nothing.
//!
//! A full build of the whole workspace that leaves everything sound records a [`Snapshot`] in
//! `.cache/pipeline/snapshot.bin`: an identity (the bytes of `pipeline.toml` and the style, the
//! cache directory, the implementation digests, the platform and the stamp of the running
//! binary), the book's key and a digest of its hand-written pages, and per figure the spec's
//! path, id, title and chapter, blake3 of its bytes and its [`Stamp`], what vouches for its SVG
//! and lock as the build had checked them against the plot output, blake3 of the lock, and
//! every stage's name, depth, key and output hash.
//!
//! [`check`] then answers "would a full build do nothing?" from `stat`s alone: the same identity;
//! the same spec files (listed as discovery lists them), each with its recorded stamp, or else
//! the same bytes (read and hashed); every stage's cache entry vouched for by the cache's stat
//! index with the recorded output hash (one `stat` each: a deleted, replaced, truncated or
//! rewritten entry is not); the SVG and the lock as recorded; for `build`, the
//! book's hand-written pages and key unchanged and the built book present. Any difference (or
//! anything unreadable) sends the command down the full path, which parses, plans, looks up
//! and repairs as before and, when it ends with everything sound, records a new snapshot. Stage
//! keys are a function of the specs' bytes, the style and the digests, so unchanged inputs mean
//! unchanged keys, and the recorded keys stand for the ones planning would compute.
//!
//! The edit path: when the only difference is the bytes of some specs (an edit) and everything
//! else checks out, `build` loads, plans and builds only the chapters that hold the edited
//! specs ([`Edited::specs`]); the snapshot stands for every other figure (its stages are logged
//! as hits, its lock and spec digests enter the book's key), only the loaded chapters' pages
//! are regenerated, and the build records the snapshot with the loaded figures' records
//! replaced. An edited spec with problems, or one whose figure changed id or chapter (book
//! order and id uniqueness span the book), goes the full path.
//!
//! As with the cache's stat index and the output records of `state.json`, a stamp is recorded
//! only once the file's last change is [`cache::SETTLE`] old (else the spec is hashed by every
//! check until a build records it; an SVG or lock the build just wrote is recorded by the
//! blake3 of its bytes, [`Vouch::Bytes`]), a spec is stamped before it is read (so a write after
//! the read changes the stamp), and the snapshot only ever saves work: missing, damaged or from
//! another version, it reads as "no snapshot". Off Unix there are no stamps and no fast path.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cache::{Key, Stamp};
use rayon::prelude::*;

use crate::bookgen::BookCheck;
use crate::engine::{BuildReport, FigureResult, FigureStatus};
use crate::exec::{Action, Done, Event};
use crate::plan::Plan;
use crate::state::Outputs;
use crate::workspace::{ProjectSpec, Workspace};

const MAGIC: &[u8; 8] = b"UDLSNAP2";

/// Where the snapshot of a cache directory lives.
pub fn path(cache_dir: &Path) -> PathBuf {
    cache_dir.join("pipeline").join("snapshot.bin")
}

/// What the last sound full build of the whole workspace saw (see the module docs).
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    /// [`identity`] of the settings, cache directory, digests, platform and binary.
    pub identity: [u8; 32],
    /// The book's key (`bookgen`), as written into the built book's stamp file.
    pub book_key: String,
    /// [`crate::bookgen::hand_written_digest`] of the book's hand-written pages.
    pub hand_written: [u8; 32],
    /// Every figure, in book order.
    pub figures: Vec<FigureRecord>,
}

/// One figure of a [`Snapshot`].
#[derive(Clone, Debug, PartialEq)]
pub struct FigureRecord {
    /// Spec path relative to the workspace root.
    pub path: String,
    /// Figure id.
    pub id: String,
    /// Figure title (for `status`).
    pub title: String,
    /// Book chapter (its page is regenerated from all of its figures).
    pub chapter: u32,
    /// blake3 of the spec's bytes.
    pub spec: [u8; 32],
    /// The spec's stamp, taken before it was read, if it had settled.
    pub spec_stamp: Option<Stamp>,
    /// What vouches for the SVG the build checked against the plot output.
    pub svg: Vouch,
    /// What vouches for the lock, likewise.
    pub lock: Vouch,
    /// blake3 of the lock's bytes (part of the book's key).
    pub lock_hash: Key,
    /// Every stage of the figure, the plot last.
    pub stages: Vec<StageRecord>,
}

/// What tells, later, that a file still holds what a build checked.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Vouch {
    /// Its stamp, once settled (one `stat` to check).
    Stamp(Stamp),
    /// blake3 of its bytes, while too young for its stamp to vouch (read and hashed to check).
    Bytes(Key),
}

impl Vouch {
    /// Whether the file at `path` still holds what was checked.
    fn holds(&self, path: &Path) -> bool {
        match self {
            Vouch::Stamp(s) => Stamp::read(path).ok().flatten() == Some(*s),
            Vouch::Bytes(h) => {
                std::fs::read(path).is_ok_and(|b| blake3::hash(&b).as_bytes() == &h.0)
            }
        }
    }
}

/// One stage of a [`FigureRecord`].
#[derive(Clone, Debug, PartialEq)]
pub struct StageRecord {
    /// `model.net`, `plot`.
    pub name: String,
    /// Depth in the graph (orders the execution log).
    pub depth: u32,
    /// The stage key.
    pub key: Key,
    /// The content hash of its output.
    pub hash: Key,
}

/// blake3 of the bytes of `pipeline.toml` and of the style file, as a workspace was loaded.
pub fn settings_digest(pipeline_toml: &[u8], style: &[u8]) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(b"settings v1\0")
        .update(&(pipeline_toml.len() as u64).to_le_bytes())
        .update(pipeline_toml)
        .update(style);
    *h.finalize().as_bytes()
}

/// Everything outside the specs that stage keys, outputs or the book depend on: the settings
/// (`settings_digest`), the cache directory, the implementation digests, the platform and the
/// running binary (its stamp: any rebuild or replacement changes it). `None` when the binary's
/// stamp is unknown or has not settled: no fast path then.
pub fn identity(
    settings: &[u8; 32],
    cache_dir: &Path,
    digests: &crate::digest::Digests,
    platform: &str,
) -> Option<[u8; 32]> {
    let exe = std::env::current_exe().ok()?;
    let exe = Stamp::read(&exe).ok()??;
    if !exe.is_settled() {
        return None;
    }
    let mut h = blake3::Hasher::new();
    h.update(b"identity v1\0")
        .update(settings)
        .update(cache_dir.as_os_str().as_encoded_bytes())
        .update(b"\0")
        .update(digests.fingerprint().as_bytes())
        .update(platform.as_bytes())
        .update(b"\0");
    update_stamp(&mut h, &exe);
    Some(*h.finalize().as_bytes())
}

fn update_stamp(h: &mut blake3::Hasher, s: &Stamp) {
    for n in [s.len, s.dev, s.ino] {
        h.update(&n.to_le_bytes());
    }
    for (secs, nanos) in [s.mtime, s.ctime] {
        h.update(&secs.to_le_bytes()).update(&nanos.to_le_bytes());
    }
}

/// The outcome of a successful [`check`]: nothing to do.
#[derive(Debug)]
pub struct Fresh {
    /// The snapshot that matched.
    pub snapshot: Snapshot,
    /// Specs whose stamps changed but whose bytes did not (their stamps were refreshed).
    pub refreshed: usize,
}

impl Fresh {
    /// Stages in the workspace.
    pub fn stages(&self) -> usize {
        self.snapshot.figures.iter().map(|f| f.stages.len()).sum()
    }

    /// The report a full no-op build would give: every figure fresh, no errors; with the
    /// execution log (every stage a hit, in wave order) if `events`.
    pub fn report(&self, events: bool) -> BuildReport {
        let mut report = BuildReport::default();
        for (index, f) in self.snapshot.figures.iter().enumerate() {
            report.figures.push(FigureResult {
                index,
                id: f.id.clone(),
                status: FigureStatus::Fresh,
                plot: None,
            });
        }
        if events {
            let mut log: Vec<(u32, String, &Key)> = self
                .snapshot
                .figures
                .iter()
                .flat_map(|f| {
                    f.stages
                        .iter()
                        .map(|s| (s.depth, format!("{}/{}", f.id, s.name), &s.key))
                })
                .collect();
            log.sort();
            report.events = log
                .into_iter()
                .map(|(_, stage, key)| Event {
                    stage,
                    action: Action::Hit,
                    key: key.to_hex(),
                    detail: String::new(),
                })
                .collect();
        }
        report
    }
}

/// What [`check`] found.
#[derive(Debug)]
pub enum Check {
    /// Nothing changed: a full build would do nothing.
    Fresh(Fresh),
    /// Only the bytes of some specs changed, and everything else is as recorded (`build` only):
    /// the edit path loads and builds the chapters of those specs, the snapshot standing for
    /// the rest.
    Edited(Edited),
    /// Take the full path, for this reason (printed by `--timings`).
    Full(String),
}

/// The outcome of a [`check`] that found only edited specs.
#[derive(Debug)]
pub struct Edited {
    /// The snapshot, with the refreshed stamps of specs whose bytes did not change.
    pub snapshot: Snapshot,
    /// Indices into `snapshot.figures` of the specs whose bytes changed.
    pub changed: Vec<usize>,
}

impl Edited {
    /// The specs the edit path loads, relative to the root, in book order: every spec of a
    /// chapter that holds an edited one (the chapter's page is regenerated from all of them).
    pub fn specs(&self) -> Vec<PathBuf> {
        let chapters: std::collections::BTreeSet<u32> = self
            .changed
            .iter()
            .map(|&i| self.snapshot.figures[i].chapter)
            .collect();
        self.snapshot
            .figures
            .iter()
            .filter(|f| chapters.contains(&f.chapter))
            .map(|f| PathBuf::from(&f.path))
            .collect()
    }

    /// Why the loaded workspace cannot be built on the edit path, if it cannot: a spec with
    /// problems (the full path reports them in context), or an edited figure whose id or
    /// chapter changed (book order, uniqueness and pages span the whole book then).
    pub fn mismatch(&self, ws: &Workspace) -> Option<String> {
        if !ws.diagnostics.is_empty() {
            return Some("an edited spec has problems".into());
        }
        if ws.figures.len() != self.specs().len() {
            return Some("an edited spec is not a valid figure".into());
        }
        for fig in &ws.figures {
            let path = fig.path.to_str()?;
            let same = self
                .snapshot
                .figures
                .iter()
                .find(|r| r.path == path)
                .is_some_and(|r| r.id == fig.meta.id && r.chapter == fig.chapter);
            if !same {
                return Some(format!("{path}: the figure's id or chapter changed"));
            }
        }
        None
    }
}

/// Whether the workspace at `root` (with `--cache` `cache_override`) is exactly as the snapshot
/// of its cache recorded, so that a full build would do nothing (with `book`, the book's inputs
/// are checked too; `status` does not need them), or (with `book`) differs only in the bytes of
/// some specs. Nothing is written except refreshed spec stamps.
pub fn check(
    root: &Path,
    cache_override: Option<&Path>,
    digests: &crate::digest::Digests,
    book: bool,
) -> Check {
    match check_inner(root, cache_override, digests, book) {
        Ok(check) => check,
        Err(why) => Check::Full(why),
    }
}

fn check_inner(
    root: &Path,
    cache_override: Option<&Path>,
    digests: &crate::digest::Digests,
    book: bool,
) -> Result<Check, String> {
    let root = std::path::absolute(root).map_err(|e| e.to_string())?;
    let settings_bytes =
        std::fs::read(root.join("pipeline.toml")).map_err(|e| format!("pipeline.toml: {e}"))?;
    let project: ProjectSpec = std::str::from_utf8(&settings_bytes)
        .ok()
        .and_then(|t| toml::from_str(t).ok())
        .ok_or("pipeline.toml does not parse")?;
    let cache_dir = crate::workspace::cache_dir(&root, &project, cache_override);
    let style =
        std::fs::read(root.join(&project.paths.style)).map_err(|e| format!("style: {e}"))?;
    let settings = settings_digest(&settings_bytes, &style);
    let file = path(&cache_dir);
    let mut snapshot = Snapshot::read(&file).ok_or("no snapshot")?;
    let platform = crate::platform::current();
    if identity(&settings, &cache_dir, digests, &platform) != Some(snapshot.identity) {
        return Err("settings, cache directory, binary or platform changed".into());
    }
    let mut found = crate::workspace::discover(&root, &project.paths.figures)
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|p| p.to_str().map(str::to_string))
        .collect::<Option<Vec<String>>>()
        .ok_or("a spec path is not UTF-8")?;
    found.sort_unstable();
    let mut recorded: Vec<&str> = snapshot.figures.iter().map(|f| f.path.as_str()).collect();
    recorded.sort_unstable();
    if found != recorded {
        return Err("specs added or removed".into());
    }
    // The specs first: an edit is the usual difference, and the cheapest to see.
    let specs: Vec<SpecState> = snapshot
        .figures
        .par_iter()
        .map(|f| check_spec(&root, f))
        .collect();
    let mut changed = Vec::new();
    let mut refreshed = Vec::new();
    for (i, state) in specs.into_iter().enumerate() {
        match state {
            SpecState::Same => {}
            SpecState::Restamped(stamp) => refreshed.push((i, stamp)),
            SpecState::Changed => changed.push(i),
            SpecState::Unreadable(why) => return Err(why),
        }
    }
    if let Some(&i) = changed.first()
        && !book
    {
        return Err(format!("{} changed", snapshot.figures[i].path));
    }
    let store = cache::Store::open(&cache_dir).map_err(|e| e.to_string())?;
    let book_dir = root.join(&project.paths.book);
    snapshot
        .figures
        .par_iter()
        .enumerate()
        .filter(|(i, _)| changed.binary_search(i).is_err())
        .try_for_each(|(_, f)| check_built(&root, &book_dir, &store, f))?;
    if book {
        if crate::bookgen::hand_written_digest(&book_dir).ok() != Some(snapshot.hand_written) {
            return Err("hand-written book pages changed".into());
        }
        let (stamp, index) = crate::bookgen::built_book_files(&book_dir);
        if !std::fs::read_to_string(stamp).is_ok_and(|s| s.trim() == snapshot.book_key)
            || !index.is_file()
        {
            return Err("the built book is missing or out of date".into());
        }
    }
    if !changed.is_empty() {
        // The edit path regenerates only the edited chapters' pages: the others must be there.
        let src = book_dir.join("src");
        let mut pages: Vec<PathBuf> = snapshot
            .figures
            .iter()
            .map(|f| src.join(crate::book::chapter_file_name(f.chapter)))
            .collect();
        pages.dedup();
        pages.push(src.join("SUMMARY.md"));
        if let Some(missing) = pages.iter().find(|p| !p.is_file()) {
            return Err(format!("{} is missing", missing.display()));
        }
    }
    let n = refreshed.len();
    let restamped = refreshed.iter().any(|(_, s)| s.is_some());
    for (i, stamp) in refreshed {
        snapshot.figures[i].spec_stamp = stamp;
    }
    if !changed.is_empty() {
        return Ok(Check::Edited(Edited { snapshot, changed }));
    }
    if restamped {
        // Only saves work next time; a failure costs nothing now.
        let _ = snapshot.write(&file);
    }
    Ok(Check::Fresh(Fresh {
        snapshot,
        refreshed: n,
    }))
}

/// How a spec compares with its record.
enum SpecState {
    /// The recorded stamp.
    Same,
    /// Another stamp, the same bytes (the new stamp, if settled).
    Restamped(Option<Stamp>),
    /// Other bytes.
    Changed,
    /// Gone or unreadable.
    Unreadable(String),
}

fn check_spec(root: &Path, f: &FigureRecord) -> SpecState {
    let spec_path = root.join(&f.path);
    let Some(now) = Stamp::read(&spec_path).ok().flatten() else {
        return SpecState::Unreadable(format!("{} is gone", f.path));
    };
    if f.spec_stamp == Some(now) {
        return SpecState::Same;
    }
    match std::fs::read(&spec_path) {
        Ok(bytes) if *blake3::hash(&bytes).as_bytes() == f.spec => {
            SpecState::Restamped(Some(now).filter(Stamp::is_settled))
        }
        Ok(_) => SpecState::Changed,
        Err(e) => SpecState::Unreadable(format!("{}: {e}", f.path)),
    }
}

/// Checks what a figure's build left: its SVG and lock by stamp, and every stage's cache entry
/// vouched for by the stat index with the recorded output hash.
fn check_built(
    root: &Path,
    book_dir: &Path,
    store: &cache::Store,
    f: &FigureRecord,
) -> Result<(), String> {
    let svg = crate::workspace::svg_path(book_dir, &f.id);
    let lock = crate::workspace::lock_path(root, Path::new(&f.path));
    if !f.svg.holds(&svg) || !f.lock.holds(&lock) {
        return Err(format!("figure {}: its SVG or lock changed", f.id));
    }
    for s in &f.stages {
        if store.vouched(&s.key).ok().flatten() != Some(s.hash) {
            return Err(format!(
                "{}/{}: cache entry not vouched for by the stat index",
                f.id, s.name
            ));
        }
    }
    Ok(())
}

/// What a build of the whole workspace (or, on the edit path, of the edited chapters) left,
/// for [`record`].
pub struct Built<'a> {
    /// The plan that ran.
    pub plan: &'a Plan,
    /// Its stages' results.
    pub results: &'a [Option<Result<Done, String>>],
    /// The build's report.
    pub report: &'a BuildReport,
    /// Figure index -> the record of its checked outputs (settled ones).
    pub outputs: &'a BTreeMap<usize, Outputs>,
    /// Figure index -> blake3 of its SVG, for SVGs the build checked in full.
    pub svgs: &'a BTreeMap<usize, Key>,
    /// Figure id -> blake3 (hex) of its lock, for figures whose outputs were checked.
    pub locks: &'a BTreeMap<String, String>,
    /// The book's check.
    pub book: &'a BookCheck,
    /// On the edit path, the snapshot that stands for the figures not loaded.
    pub base: Option<&'a Snapshot>,
}

/// After a build of the whole workspace: records the snapshot if everything is sound (no
/// invalid spec, no failure or error, every figure's outputs checked and settled, the binary's
/// stamp settled), else removes any old one. On the edit path the loaded figures' records
/// replace theirs in the base snapshot. Writes only when the snapshot changed; a failure to
/// write costs only speed.
pub fn record(ws: &Workspace, store: &cache::Store, built: &Built) {
    let file = path(&ws.cache_dir);
    match snapshot_of(ws, store, built) {
        Some(s) => {
            let bytes = encode(&s);
            if std::fs::read(&file).ok().as_deref() != Some(&bytes[..]) {
                let _ = std::fs::create_dir_all(file.parent().unwrap_or(Path::new(".")));
                let _ = crate::state::write_unsynced(&file, &bytes);
            }
        }
        None => forget(&ws.cache_dir),
    }
}

fn snapshot_of(ws: &Workspace, store: &cache::Store, built: &Built) -> Option<Snapshot> {
    let plan = built.plan;
    if store.root() != ws.cache_dir
        || !ws.diagnostics.is_empty()
        || !built.report.ok()
        || ws.loaded.specs.len() != ws.figures.len()
        || plan.plots.len() != ws.figures.len()
    {
        return None;
    }
    let platform = crate::platform::current();
    let identity = identity(&ws.loaded.settings, &ws.cache_dir, &ws.digests, &platform)?;
    let mut figures = Vec::with_capacity(ws.figures.len());
    for (fi, fig) in ws.figures.iter().enumerate() {
        let (spec, spec_stamp) = ws.loaded.specs[fi];
        let done = |i: usize| match built.results.get(i) {
            Some(Some(Ok(d))) => Some(d),
            _ => None,
        };
        let plot = done(*plan.plots.get(&fi)?)?;
        let lock_hash = Key::from_hex(built.locks.get(&fig.meta.id)?)?;
        // The stamps the build checked the SVG and lock under, if its record holds them now;
        // else the bytes it checked them against (files too young for their stamps to vouch).
        let svg_stamp = Stamp::read(&ws.figure_svg_path(fig)).ok()??;
        let lock_stamp = Stamp::read(&ws.lock_path(fig)).ok()??;
        let check =
            crate::state::outputs_check(&plot.key, &plot.hash, &platform, &svg_stamp, &lock_stamp);
        let (svg, lock) = match built.outputs.get(&fi) {
            Some(o) if o.check == check => (Vouch::Stamp(svg_stamp), Vouch::Stamp(lock_stamp)),
            _ => (Vouch::Bytes(*built.svgs.get(&fi)?), Vouch::Bytes(lock_hash)),
        };
        let mut stages = Vec::new();
        for i in plan.figures.get(&fi)?.clone() {
            let d = done(i)?;
            let stage = &plan.stages[i];
            stages.push(StageRecord {
                name: stage.name.clone(),
                depth: u32::try_from(stage.depth).ok()?,
                key: d.key,
                hash: d.hash,
            });
        }
        figures.push(FigureRecord {
            path: fig.path.to_str()?.to_string(),
            id: fig.meta.id.clone(),
            title: fig.meta.title.clone(),
            chapter: fig.chapter,
            spec,
            spec_stamp,
            svg,
            lock,
            lock_hash,
            stages,
        });
    }
    if let Some(base) = built.base {
        let mut mine: BTreeMap<String, FigureRecord> =
            figures.into_iter().map(|f| (f.path.clone(), f)).collect();
        figures = base
            .figures
            .iter()
            .map(|r| mine.remove(&r.path).unwrap_or_else(|| r.clone()))
            .collect();
        if !mine.is_empty() {
            return None;
        }
    }
    Some(Snapshot {
        identity,
        book_key: built.book.key.clone(),
        hand_written: built.book.hand_written,
        figures,
    })
}

impl Snapshot {
    /// Reads a snapshot file; anything missing, damaged or of another format is `None`.
    pub fn read(file: &Path) -> Option<Snapshot> {
        decode(&std::fs::read(file).ok()?)
    }

    /// Replaces the snapshot file (temp file and rename, no fsync: losing it costs only speed).
    pub fn write(&self, file: &Path) -> Result<(), String> {
        let dir = file.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        crate::state::write_unsynced(file, &encode(self))
    }
}

/// Removes the snapshot of `cache_dir`, if any (a failure only costs a fallback later).
pub fn forget(cache_dir: &Path) {
    let _ = std::fs::remove_file(path(cache_dir));
}

// File format (little-endian): magic, identity 32, book key (string), hand-written digest 32,
// figure count u64, the figures, then blake3 of everything before. A figure is its path, id and
// title (strings), chapter u32, spec digest 32, spec stamp (0, or 1 and the stamp), SVG and lock
// vouchers (0 and a stamp, or 1 and a digest 32), lock digest 32, stage count u64 and per stage its name, depth u32, key 32 and hash 32.
// Strings are a u64 length and UTF-8 bytes; a stamp is len, dev, ino u64, mtime and ctime as
// (i64 seconds, u32 nanos).

fn encode(s: &Snapshot) -> Vec<u8> {
    let mut w = Vec::with_capacity(256 + s.figures.len() * 512);
    w.extend_from_slice(MAGIC);
    w.extend_from_slice(&s.identity);
    put_str(&mut w, &s.book_key);
    w.extend_from_slice(&s.hand_written);
    w.extend_from_slice(&(s.figures.len() as u64).to_le_bytes());
    for f in &s.figures {
        put_str(&mut w, &f.path);
        put_str(&mut w, &f.id);
        put_str(&mut w, &f.title);
        w.extend_from_slice(&f.chapter.to_le_bytes());
        w.extend_from_slice(&f.spec);
        match &f.spec_stamp {
            Some(st) => {
                w.push(1);
                put_stamp(&mut w, st);
            }
            None => w.push(0),
        }
        put_vouch(&mut w, &f.svg);
        put_vouch(&mut w, &f.lock);
        w.extend_from_slice(&f.lock_hash.0);
        w.extend_from_slice(&(f.stages.len() as u64).to_le_bytes());
        for st in &f.stages {
            put_str(&mut w, &st.name);
            w.extend_from_slice(&st.depth.to_le_bytes());
            w.extend_from_slice(&st.key.0);
            w.extend_from_slice(&st.hash.0);
        }
    }
    let check = blake3::hash(&w);
    w.extend_from_slice(check.as_bytes());
    w
}

fn put_str(w: &mut Vec<u8>, s: &str) {
    w.extend_from_slice(&(s.len() as u64).to_le_bytes());
    w.extend_from_slice(s.as_bytes());
}

fn put_stamp(w: &mut Vec<u8>, s: &Stamp) {
    s.write_le(w);
}

fn put_vouch(w: &mut Vec<u8>, v: &Vouch) {
    match v {
        Vouch::Stamp(s) => {
            w.push(0);
            put_stamp(w, s);
        }
        Vouch::Bytes(h) => {
            w.push(1);
            w.extend_from_slice(&h.0);
        }
    }
}

fn decode(bytes: &[u8]) -> Option<Snapshot> {
    let (body, check) = bytes.split_at_checked(bytes.len().checked_sub(32)?)?;
    if blake3::hash(body).as_bytes() != check {
        return None;
    }
    let mut r = Reader(body.strip_prefix(MAGIC)?);
    let identity = r.take()?;
    let book_key = r.string()?;
    let hand_written = r.take()?;
    let n = r.count()?;
    let mut figures = Vec::with_capacity(n.min(1 << 16));
    for _ in 0..n {
        let path = r.string()?;
        let id = r.string()?;
        let title = r.string()?;
        let chapter = u32::from_le_bytes(r.take()?);
        let spec = r.take()?;
        let spec_stamp = match r.take::<1>()?[0] {
            0 => None,
            1 => Some(r.stamp()?),
            _ => return None,
        };
        let svg = r.vouch()?;
        let lock = r.vouch()?;
        let lock_hash = Key(r.take()?);
        let m = r.count()?;
        let mut stages = Vec::with_capacity(m.min(1 << 16));
        for _ in 0..m {
            stages.push(StageRecord {
                name: r.string()?,
                depth: u32::from_le_bytes(r.take()?),
                key: Key(r.take()?),
                hash: Key(r.take()?),
            });
        }
        figures.push(FigureRecord {
            path,
            id,
            title,
            chapter,
            spec,
            spec_stamp,
            svg,
            lock,
            lock_hash,
            stages,
        });
    }
    r.0.is_empty().then_some(Snapshot {
        identity,
        book_key,
        hand_written,
        figures,
    })
}

/// Takes fixed-size pieces off the front of a byte slice.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, tail) = self.0.split_first_chunk::<N>()?;
        self.0 = tail;
        Some(*head)
    }

    fn count(&mut self) -> Option<usize> {
        usize::try_from(u64::from_le_bytes(self.take()?)).ok()
    }

    fn string(&mut self) -> Option<String> {
        let n = self.count()?;
        let (head, tail) = self.0.split_at_checked(n)?;
        self.0 = tail;
        String::from_utf8(head.to_vec()).ok()
    }

    fn stamp(&mut self) -> Option<Stamp> {
        Stamp::read_le(&mut self.0)
    }

    fn vouch(&mut self) -> Option<Vouch> {
        match self.take::<1>()?[0] {
            0 => Some(Vouch::Stamp(self.stamp()?)),
            1 => Some(Vouch::Bytes(Key(self.take()?))),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(n: u64) -> Stamp {
        Stamp {
            len: n,
            dev: 2,
            ino: 3 + n,
            mtime: (1_700_000_000, 5),
            ctime: (1_700_000_001, 6),
        }
    }

    fn sample() -> Snapshot {
        Snapshot {
            identity: [7; 32],
            book_key: "abc".into(),
            hand_written: [9; 32],
            figures: vec![FigureRecord {
                path: "figures/ch03/a.toml".into(),
                id: "3.3".into(),
                title: "Ünïcode title".into(),
                chapter: 3,
                spec: [1; 32],
                spec_stamp: None,
                svg: Vouch::Stamp(stamp(10)),
                lock: Vouch::Bytes(Key([8; 32])),
                lock_hash: Key([6; 32]),
                stages: vec![StageRecord {
                    name: "plot".into(),
                    depth: 2,
                    key: Key([4; 32]),
                    hash: Key([5; 32]),
                }],
            }],
        }
    }

    #[test]
    fn snapshots_round_trip_and_damage_reads_as_none() {
        let mut s = sample();
        assert_eq!(decode(&encode(&s)), Some(s.clone()));
        s.figures[0].spec_stamp = Some(stamp(12));
        let bytes = encode(&s);
        assert_eq!(decode(&bytes), Some(s));
        for at in [0, 9, bytes.len() / 2, bytes.len() - 1] {
            let mut bad = bytes.clone();
            bad[at] ^= 1;
            assert_eq!(decode(&bad), None, "flipped byte {at}");
        }
        assert_eq!(decode(&bytes[..bytes.len() - 1]), None);
        assert_eq!(decode(b""), None);
    }

    #[test]
    fn the_settings_digest_separates_the_two_files() {
        assert_ne!(settings_digest(b"ab", b"c"), settings_digest(b"a", b"bc"));
    }
}
