//! The executor: runs a [`Plan`] against the cache, in parallel waves on rayon, and logs what it did.
//!
//! For each stage: compute the key from its inputs' output hashes, probe the cache, and on a miss
//! take the per-key lock, probe again (another build may have finished it meanwhile), load the
//! inputs' outputs, run the stage and publish its output atomically. Entries that fail their
//! content check are reported, evicted and rebuilt. Stages of one depth run in parallel; results
//! are gathered in stage-id order, so the log and every output are the same whatever the number
//! of jobs.
//!
//! A hit needs only the entry's content hash (downstream keys are made of hashes), which the
//! cache's stat index gives without reading the entry when its file is unchanged since it was
//! last verified (see `cache::Store::probe`). Payloads are read, and verified, only when they are
//! used: as the input of a stage that runs, or when the engine must rewrite a figure's outputs
//! ([`Executor::payload`]). If a payload turns out damaged then (a change the stat index could
//! not see), the stage that made it is rebuilt on the spot, its inputs loaded the same way, and
//! logged as rebuilt.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::plan::{Manifest, Plan, Stage};
use crate::progress::Progress;

/// What happened to a stage in one build.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Output taken from the cache.
    Hit,
    /// Computed (the cache had no entry).
    Ran,
    /// The cache entry was corrupt (found when it was looked up, or later when its payload was
    /// read); it was evicted and the stage recomputed.
    Rebuilt,
    /// The stage failed.
    Failed,
    /// Not run because an input failed.
    Skipped,
}

/// One line of the execution log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// `3.3/model.net`.
    pub stage: String,
    /// What happened.
    pub action: Action,
    /// The stage key (hex), when known.
    pub key: String,
    /// Reason for a rebuild or a failure.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

/// Metadata stored with each cache entry (never part of the output bytes).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EntryInfo {
    /// Stage id that produced the entry.
    pub stage: String,
    /// Wall time of the computation, in milliseconds.
    pub ms: f64,
    /// The manifest that was hashed into the key.
    pub manifest: Manifest,
}

/// A finished stage.
#[derive(Clone, Debug)]
pub struct Done {
    /// The stage key.
    pub key: cache::Key,
    /// Content hash of the output.
    pub hash: cache::Key,
    /// Hit, ran or rebuilt.
    pub action: Action,
    /// Compute time when the stage ran (or was rebuilt) in this build; 0 for a hit.
    pub ms: f64,
    /// The output bytes, once they are in memory (shared by clones).
    payload: Arc<OnceLock<Arc<Vec<u8>>>>,
}

impl Done {
    fn new(key: cache::Key, hash: cache::Key, action: Action, ms: f64) -> Done {
        Done {
            key,
            hash,
            action,
            ms,
            payload: Arc::default(),
        }
    }

    fn with_payload(self, payload: Vec<u8>) -> Done {
        let _ = self.payload.set(Arc::new(payload));
        self
    }

    /// The output bytes, if they are in memory: the stage ran, its entry was read in full, or
    /// [`Executor::payload`] loaded them. A hit vouched for by the stat index has none.
    pub fn payload(&self) -> Option<&Arc<Vec<u8>>> {
        self.payload.get()
    }
}

/// The result of executing a plan.
#[derive(Debug, Default)]
pub struct ExecReport {
    /// Per stage (same indices as the plan): the output, or the failure message.
    pub results: Vec<Option<Result<Done, String>>>,
    /// The execution log, in a deterministic order.
    pub events: Vec<Event>,
    /// Where the executor's time went, summed over stages (thread time, for `bench pipeline`).
    pub clocks: Clocks,
}

/// Time spent per activity, summed over all stages and threads, in nanoseconds.
#[derive(Debug, Default)]
pub struct Clocks {
    /// Building manifests and hashing them into keys.
    pub keys: AtomicU64,
    /// Cache lookups (including waiting for another build's lock).
    pub lookups: AtomicU64,
    /// Running stages and publishing their outputs.
    pub runs: AtomicU64,
}

impl Clocks {
    fn add(counter: &AtomicU64, since: Instant) {
        let ns = u64::try_from(since.elapsed().as_nanos()).unwrap_or(u64::MAX);
        counter.fetch_add(ns, Ordering::Relaxed);
    }

    /// Milliseconds in a counter.
    pub fn ms(counter: &AtomicU64) -> f64 {
        counter.load(Ordering::Relaxed) as f64 / 1e6
    }
}

/// Runs a stage given its inputs' outputs by section name.
pub type Runner<'a> =
    dyn Fn(&Stage, &BTreeMap<String, Arc<Vec<u8>>>) -> Result<Vec<u8>, String> + Sync + 'a;

/// Executes every stage of `plan` with `store` as the cache (without loading the payloads of
/// hits that nothing ran from).
pub fn execute(
    plan: &Plan,
    store: &cache::Store,
    platform: &str,
    runner: &Runner<'_>,
    progress: &Progress,
) -> ExecReport {
    let ex = Executor::new(plan, store, platform, runner, progress);
    ex.run();
    ex.finish()
}

/// One execution of a plan: [`Executor::run`] the waves, read payloads with
/// [`Executor::payload`], then [`Executor::finish`] for the report.
pub struct Executor<'a> {
    plan: &'a Plan,
    store: &'a cache::Store,
    platform: &'a str,
    runner: &'a Runner<'a>,
    progress: &'a Progress,
    /// Per stage, set once in its wave.
    results: Vec<OnceLock<Result<Done, String>>>,
    events: Vec<OnceLock<Event>>,
    /// Serialises loading (or rebuilding) one stage's payload.
    loading: Vec<Mutex<()>>,
    /// Stages rebuilt because their payload was damaged when read: detail and compute time.
    rebuilt: Mutex<BTreeMap<usize, (String, f64)>>,
    waves: Vec<Vec<usize>>,
    clocks: Clocks,
}

impl std::fmt::Debug for Executor<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Executor")
            .field("stages", &self.plan.stages.len())
            .finish()
    }
}

impl<'a> Executor<'a> {
    /// An executor of `plan` against `store`.
    pub fn new(
        plan: &'a Plan,
        store: &'a cache::Store,
        platform: &'a str,
        runner: &'a Runner<'a>,
        progress: &'a Progress,
    ) -> Executor<'a> {
        let n = plan.stages.len();
        Executor {
            plan,
            store,
            platform,
            runner,
            progress,
            results: (0..n).map(|_| OnceLock::new()).collect(),
            events: (0..n).map(|_| OnceLock::new()).collect(),
            loading: (0..n).map(|_| Mutex::new(())).collect(),
            rebuilt: Mutex::new(BTreeMap::new()),
            waves: plan.waves(),
            clocks: Clocks::default(),
        }
    }

    /// Runs every stage, wave by wave (each wave in parallel on the current rayon pool).
    pub fn run(&self) {
        self.progress.start(self.plan.stages.len() as u64);
        for wave in &self.waves {
            wave.par_iter().for_each(|&i| {
                let (result, event) = self.run_one(i);
                if self.progress.shows_stages() {
                    self.progress.stage_done(
                        &event.stage,
                        &event.action,
                        result.as_ref().map(|d| d.ms).unwrap_or(0.0),
                    );
                }
                let _ = self.results[i].set(result);
                let _ = self.events[i].set(event);
            });
        }
        self.progress.finish();
    }

    /// The result of stage `i` (`None` before its wave ran).
    pub fn result(&self, i: usize) -> Option<&Result<Done, String>> {
        self.results[i].get()
    }

    /// The output bytes of stage `i`, which must have built: from memory, else read from the
    /// cache and verified in full. If the entry turns out damaged or gone, the stage is rebuilt
    /// (its inputs loaded the same way) and logged as rebuilt; its output must hash as before.
    pub fn payload(&self, i: usize) -> Result<Arc<Vec<u8>>, String> {
        let done = match self.results[i].get() {
            Some(Ok(done)) => done,
            Some(Err(e)) => return Err(e.clone()),
            None => return Err(format!("{} has not run", self.plan.stages[i].id())),
        };
        if let Some(p) = done.payload.get() {
            return Ok(p.clone());
        }
        let _loading = self.loading[i].lock().unwrap_or_else(|e| e.into_inner());
        if let Some(p) = done.payload.get() {
            return Ok(p.clone());
        }
        let started = Instant::now();
        let found = self.store.get(&done.key);
        Clocks::add(&self.clocks.lookups, started);
        let reason = match found {
            Ok(cache::Lookup::Hit(entry)) if entry.hash == done.hash => {
                let p = Arc::new(entry.payload);
                let _ = done.payload.set(p.clone());
                return Ok(p);
            }
            Ok(cache::Lookup::Hit(entry)) => format!(
                "it changed during the build: payload hash {}, expected {}",
                entry.hash.short(),
                done.hash.short()
            ),
            Ok(cache::Lookup::Missing) => "it disappeared during the build".to_string(),
            Ok(cache::Lookup::Corrupt { reason }) => reason,
            Err(e) => return Err(format!("cache error: {e}")),
        };
        self.rebuild(i, done, &reason)
    }

    /// Recomputes stage `i`, whose entry was found damaged (`reason`) when its payload was read.
    /// Its inputs are loaded first, then its key is locked: no key lock is held while waiting.
    fn rebuild(&self, i: usize, done: &Done, reason: &str) -> Result<Arc<Vec<u8>>, String> {
        let stage = &self.plan.stages[i];
        let id = stage.id();
        let mut inputs = BTreeMap::new();
        let mut hashes = BTreeMap::new();
        for (name, j) in &stage.inputs {
            inputs.insert(name.clone(), self.payload(*j)?);
            if let Some(Ok(d)) = self.results[*j].get() {
                hashes.insert(name.clone(), d.hash.to_hex());
            }
        }
        let manifest = self.plan.manifest(i, &hashes, self.platform);
        let _guard = self
            .store
            .lock(&done.key)
            .map_err(|e| format!("{id}: cannot lock cache entry: {e}"))?;
        // Another build may have rebuilt it while we waited.
        if let Ok(cache::Lookup::Hit(entry)) = self.store.get(&done.key)
            && entry.hash == done.hash
        {
            let p = Arc::new(entry.payload);
            let _ = done.payload.set(p.clone());
            return Ok(p);
        }
        let start = Instant::now();
        let payload = (self.runner)(stage, &inputs)
            .map_err(|e| format!("figure {}, stage {}: {e}", stage.figure_id, stage.name))?;
        let ms = start.elapsed().as_secs_f64() * 1e3;
        let meta = serde_json::to_vec(&EntryInfo {
            stage: id.clone(),
            ms,
            manifest,
        })
        .expect("entry info serialises");
        let hash = self.store.put(&done.key, &payload, &meta).map_err(|e| {
            format!(
                "figure {}, stage {}: cannot write the cache entry: {e}",
                stage.figure_id, stage.name
            )
        })?;
        Clocks::add(&self.clocks.runs, start);
        if hash != done.hash {
            return Err(format!(
                "figure {}, stage {}: its cache entry was damaged ({reason}) and rebuilding it gave \
                 different bytes (hash {} instead of {}): the stage is not deterministic, or the \
                 entry was replaced during the build; run the build again",
                stage.figure_id,
                stage.name,
                hash.short(),
                done.hash.short()
            ));
        }
        self.rebuilt
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(
                i,
                (
                    format!("cache entry for {id} was corrupt ({reason}); rebuilt"),
                    ms,
                ),
            );
        let p = Arc::new(payload);
        let _ = done.payload.set(p.clone());
        Ok(p)
    }

    /// The results and the log (stages rebuilt on read are logged as rebuilt), in wave order.
    pub fn finish(self) -> ExecReport {
        let rebuilt = self.rebuilt.into_inner().unwrap_or_else(|e| e.into_inner());
        let mut results: Vec<Option<Result<Done, String>>> =
            self.results.into_iter().map(OnceLock::into_inner).collect();
        let mut events: Vec<Option<Event>> =
            self.events.into_iter().map(OnceLock::into_inner).collect();
        for (&i, (detail, ms)) in &rebuilt {
            if let Some(Some(Ok(done))) = results.get_mut(i) {
                done.action = Action::Rebuilt;
                done.ms = *ms;
            }
            if let Some(Some(event)) = events.get_mut(i) {
                event.action = Action::Rebuilt;
                event.detail.clone_from(detail);
            }
        }
        let log = self
            .waves
            .iter()
            .flatten()
            .copied()
            .filter_map(|i| events[i].take())
            .collect();
        ExecReport {
            results,
            events: log,
            clocks: self.clocks,
        }
    }

    fn run_one(&self, i: usize) -> (Result<Done, String>, Event) {
        let (plan, store) = (self.plan, self.store);
        let stage = &plan.stages[i];
        let id = stage.id();
        let mut hashes = BTreeMap::new();
        for (name, j) in &stage.inputs {
            match self.results[*j].get() {
                Some(Ok(done)) => {
                    hashes.insert(name.clone(), done.hash.to_hex());
                }
                _ => {
                    let msg = format!("input {} did not build", plan.stages[*j].id());
                    let event = Event {
                        stage: id,
                        action: Action::Skipped,
                        key: String::new(),
                        detail: msg.clone(),
                    };
                    return (Err(msg), event);
                }
            }
        }
        let started = Instant::now();
        let key = plan.key(i, &hashes, self.platform);
        Clocks::add(&self.clocks.keys, started);
        let event = |action: Action, detail: String| Event {
            stage: id.clone(),
            action,
            key: key.to_hex(),
            detail,
        };

        let mut corrupt = None;
        let started = Instant::now();
        let found = probe(store, &key);
        Clocks::add(&self.clocks.lookups, started);
        match found {
            Ok(Found::Hit(done)) => return (Ok(done), event(Action::Hit, String::new())),
            Ok(Found::Corrupt(reason)) => corrupt = Some(reason),
            Ok(Found::Missing) => {}
            Err(e) => return (Err(e.clone()), event(Action::Failed, e)),
        }
        // The inputs are loaded before taking the key's lock (loading may rebuild a damaged input
        // under that input's lock): a build never waits for anything while holding a key lock.
        let mut inputs = BTreeMap::new();
        for (name, j) in &stage.inputs {
            match self.payload(*j) {
                Ok(p) => {
                    inputs.insert(name.clone(), p);
                }
                Err(e) => {
                    let msg = format!("input {} did not load: {e}", plan.stages[*j].id());
                    return (Err(msg.clone()), event(Action::Failed, msg));
                }
            }
        }
        let started = Instant::now();
        let _guard = match store.lock(&key) {
            Ok(g) => g,
            Err(e) => {
                let msg = format!("{id}: cannot lock cache entry: {e}");
                return (Err(msg.clone()), event(Action::Failed, msg));
            }
        };
        // Another build may have produced the entry while we waited for the lock.
        let found = probe(store, &key);
        Clocks::add(&self.clocks.lookups, started);
        match found {
            Ok(Found::Hit(done)) => return (Ok(done), event(Action::Hit, String::new())),
            Ok(Found::Corrupt(reason)) => corrupt = corrupt.or(Some(reason)),
            Ok(Found::Missing) => {}
            Err(e) => return (Err(e.clone()), event(Action::Failed, e)),
        }
        let start = Instant::now();
        let _run_clock = ClockGuard(&self.clocks.runs, start);
        let payload = match (self.runner)(stage, &inputs) {
            Ok(p) => p,
            Err(e) => {
                let msg = format!("figure {}, stage {}: {e}", stage.figure_id, stage.name);
                return (Err(msg.clone()), event(Action::Failed, msg));
            }
        };
        let ms = start.elapsed().as_secs_f64() * 1e3;
        let info = EntryInfo {
            stage: id.clone(),
            ms,
            manifest: plan.manifest(i, &hashes, self.platform),
        };
        let meta = serde_json::to_vec(&info).expect("entry info serialises");
        let hash = match store.put(&key, &payload, &meta) {
            Ok(h) => h,
            Err(e) => {
                let msg = format!(
                    "figure {}, stage {}: cannot write the cache entry: {e}",
                    stage.figure_id, stage.name
                );
                return (Err(msg.clone()), event(Action::Failed, msg));
            }
        };
        let action = if corrupt.is_some() {
            Action::Rebuilt
        } else {
            Action::Ran
        };
        let done = Done::new(key, hash, action.clone(), ms).with_payload(payload);
        match corrupt {
            Some(reason) => (
                Ok(done),
                event(
                    action,
                    format!("cache entry for {id} was corrupt ({reason}); rebuilt"),
                ),
            ),
            None => (Ok(done), event(action, String::new())),
        }
    }
}

/// Adds the time from its start to its drop to a counter (so every early return is counted).
struct ClockGuard<'a>(&'a AtomicU64, Instant);

impl Drop for ClockGuard<'_> {
    fn drop(&mut self) {
        Clocks::add(self.0, self.1);
    }
}

enum Found {
    Hit(Done),
    Missing,
    Corrupt(String),
}

fn probe(store: &cache::Store, key: &cache::Key) -> Result<Found, String> {
    match store.probe(key) {
        Ok(cache::Probe::Hit { hash, entry }) => {
            let done = Done::new(*key, hash, Action::Hit, 0.0);
            Ok(Found::Hit(match entry {
                Some(entry) => done.with_payload(entry.payload),
                None => done,
            }))
        }
        Ok(cache::Probe::Missing) => Ok(Found::Missing),
        Ok(cache::Probe::Corrupt { reason }) => Ok(Found::Corrupt(reason)),
        Err(e) => Err(format!("cache error: {e}")),
    }
}
