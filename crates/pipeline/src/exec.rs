//! The executor: runs a [`Plan`] against the cache, in parallel waves on rayon, and logs what it did.
//!
//! For each stage: compute the key from its inputs' output hashes, look the key up, and on a miss
//! take the per-key lock, look again (another build may have finished it meanwhile), run the stage
//! and publish its output atomically. Entries that fail their content check are reported, evicted
//! and rebuilt. Stages of one depth run in parallel; results are gathered in stage-id order, so the
//! log and every output are the same whatever the number of jobs.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
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
    /// The cache entry was corrupt; it was evicted and the stage recomputed.
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
    /// The output bytes.
    pub payload: Arc<Vec<u8>>,
    /// Hit, ran or rebuilt.
    pub action: Action,
    /// Compute time recorded when the entry was made.
    pub ms: f64,
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

/// Executes every stage of `plan` with `store` as the cache.
pub fn execute(
    plan: &Plan,
    store: &cache::Store,
    platform: &str,
    runner: &Runner<'_>,
    progress: &Progress,
) -> ExecReport {
    let mut report = ExecReport {
        results: vec![None; plan.stages.len()],
        ..Default::default()
    };
    progress.start(plan.stages.len() as u64);
    for wave in plan.waves() {
        let results: Vec<(usize, Result<Done, String>, Event)> = wave
            .par_iter()
            .map(|&i| {
                let stage = &plan.stages[i];
                let (result, event) = run_one(
                    plan,
                    i,
                    &report.results,
                    store,
                    platform,
                    runner,
                    &report.clocks,
                );
                progress.stage_done(
                    &stage.id(),
                    &event.action,
                    result.as_ref().map(|d| d.ms).unwrap_or(0.0),
                );
                (i, result, event)
            })
            .collect();
        for (i, result, event) in results {
            report.results[i] = Some(result);
            report.events.push(event);
        }
    }
    progress.finish();
    report
}

fn run_one(
    plan: &Plan,
    i: usize,
    results: &[Option<Result<Done, String>>],
    store: &cache::Store,
    platform: &str,
    runner: &Runner<'_>,
    clocks: &Clocks,
) -> (Result<Done, String>, Event) {
    let stage = &plan.stages[i];
    let id = stage.id();
    let mut inputs = BTreeMap::new();
    let mut hashes = BTreeMap::new();
    for (name, j) in &stage.inputs {
        match &results[*j] {
            Some(Ok(done)) => {
                inputs.insert(name.clone(), done.payload.clone());
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
    let manifest = plan.manifest(i, &hashes, platform);
    let key = manifest.key();
    Clocks::add(&clocks.keys, started);
    let event = |action: Action, detail: String| Event {
        stage: id.clone(),
        action,
        key: key.to_hex(),
        detail,
    };

    let mut corrupt = None;
    let started = Instant::now();
    let found = lookup(store, &key);
    Clocks::add(&clocks.lookups, started);
    match found {
        Ok(Found::Hit(done)) => return (Ok(done), event(Action::Hit, String::new())),
        Ok(Found::Corrupt(reason)) => corrupt = Some(reason),
        Ok(Found::Missing) => {}
        Err(e) => return (Err(e.clone()), event(Action::Failed, e)),
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
    let found = lookup(store, &key);
    Clocks::add(&clocks.lookups, started);
    match found {
        Ok(Found::Hit(done)) => return (Ok(done), event(Action::Hit, String::new())),
        Ok(Found::Corrupt(reason)) => corrupt = corrupt.or(Some(reason)),
        Ok(Found::Missing) => {}
        Err(e) => return (Err(e.clone()), event(Action::Failed, e)),
    }
    let start = Instant::now();
    let _run_clock = ClockGuard(&clocks.runs, start);
    let payload = match runner(stage, &inputs) {
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
        manifest,
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
    let done = Done {
        key,
        hash,
        payload: Arc::new(payload),
        action: Action::Ran,
        ms,
    };
    match corrupt {
        Some(reason) => {
            let mut done = done;
            done.action = Action::Rebuilt;
            (
                Ok(done),
                event(
                    Action::Rebuilt,
                    format!("cache entry for {id} was corrupt ({reason}); rebuilt"),
                ),
            )
        }
        None => (Ok(done), event(Action::Ran, String::new())),
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

fn lookup(store: &cache::Store, key: &cache::Key) -> Result<Found, String> {
    match store.get(key) {
        Ok(cache::Lookup::Hit(entry)) => {
            let ms = serde_json::from_slice::<EntryInfo>(&entry.meta)
                .map(|i| i.ms)
                .unwrap_or(0.0);
            Ok(Found::Hit(Done {
                key: *key,
                hash: entry.hash,
                payload: Arc::new(entry.payload),
                action: Action::Hit,
                ms,
            }))
        }
        Ok(cache::Lookup::Missing) => Ok(Found::Missing),
        Ok(cache::Lookup::Corrupt { reason }) => Ok(Found::Corrupt(reason)),
        Err(e) => Err(format!("cache error: {e}")),
    }
}
