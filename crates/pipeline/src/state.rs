//! What the last build of each figure left behind, in the cache directory: the key of every
//! stage (`.cache/pipeline/last/<figure>.json`, so `status` can say what changed), and in one
//! small file, `.cache/pipeline/state.json`, what a no-op build checks instead of re-reading
//! every output.
//!
//! For each figure `state.json` holds two digests. `stages` covers the figure's stage names and
//! keys, so a build rewrites `last/<figure>.json` only when a key changed. `outputs.check`
//! covers the plot stage's key and payload hash, the platform, and the [`cache::Stamp`]s (size,
//! inode, mtime, ctime) of the figure's SVG and lock as they were right after the build checked
//! that both hold exactly that output. While neither file changes, a build with the same plot
//! output gets the same digest and knows both are up to date without reading the plot entry,
//! the SVG or the lock; any write to either file changes its ctime, so it is checked (and
//! rewritten) in full. As in the cache's stat index, stamps younger than [`cache::SETTLE`] are
//! not recorded. `outputs.lock` is the blake3 of the lock file, which feeds the book's key.
//!
//! Both files only ever save work: missing or unreadable, they read as empty. Builds merge
//! their records into `state.json` under a lock, so concurrent builds keep each other's.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::workspace::Workspace;

/// Every figure's record, by figure id.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// Format version of the file.
    pub version: u32,
    /// Figure id -> its record.
    pub figures: BTreeMap<String, FigureState>,
}

const VERSION: u32 = 1;

/// What the last build of one figure left (see the module docs).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FigureState {
    /// [`stages_digest`] of the figure's stage keys.
    pub stages: String,
    /// The figure's outputs as last checked, once their stamps had settled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outputs: Option<Outputs>,
}

/// The figure's SVG and lock as last checked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Outputs {
    /// [`outputs_check`] of the plot output and the files' stamps then.
    pub check: String,
    /// blake3 (hex) of the lock file's bytes.
    pub lock: String,
}

/// The digest of a figure's stage keys (stage name -> key hex).
pub fn stages_digest(stages: &BTreeMap<String, String>) -> String {
    let mut h = blake3::Hasher::new();
    for (name, key) in stages {
        h.update(name.as_bytes())
            .update(b"\0")
            .update(key.as_bytes())
            .update(b"\n");
    }
    h.finalize().to_hex().to_string()
}

/// The digest that stands for "the SVG and the lock with these stamps hold the output of the
/// plot stage with this key and payload hash, checked on this platform".
pub fn outputs_check(
    plot_key: &cache::Key,
    plot_hash: &cache::Key,
    platform: &str,
    svg: &cache::Stamp,
    lock: &cache::Stamp,
) -> String {
    let mut h = blake3::Hasher::new();
    h.update(b"outputs v1\0")
        .update(&plot_key.0)
        .update(&plot_hash.0)
        .update(platform.as_bytes())
        .update(b"\0");
    for s in [svg, lock] {
        for n in [s.len, s.dev, s.ino] {
            h.update(&n.to_le_bytes());
        }
        for (secs, nanos) in [s.mtime, s.ctime] {
            h.update(&secs.to_le_bytes()).update(&nanos.to_le_bytes());
        }
    }
    h.finalize().to_hex().to_string()
}

/// Where the state file of a workspace lives.
pub fn path(ws: &Workspace) -> PathBuf {
    ws.cache_dir.join("pipeline").join("state.json")
}

impl State {
    /// Reads the state; anything missing, unreadable or from another version is empty.
    pub fn load(ws: &Workspace) -> State {
        std::fs::read(path(ws))
            .ok()
            .and_then(|b| serde_json::from_slice::<State>(&b).ok())
            .filter(|s| s.version == VERSION)
            .unwrap_or_default()
    }

    /// Merges `figures` (replacing those figures' records) into the state file, under a lock.
    pub fn save(ws: &Workspace, figures: BTreeMap<String, FigureState>) -> Result<(), String> {
        let file = path(ws);
        let dir = file.parent().expect("the state file has a directory");
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let lock_path = dir.join("state.lock");
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| format!("cannot open {}: {e}", lock_path.display()))?;
        lock.lock()
            .map_err(|e| format!("cannot lock {}: {e}", lock_path.display()))?;
        let mut state = State::load(ws);
        state.version = VERSION;
        state.figures.extend(figures);
        let bytes = serde_json::to_vec(&state).expect("state serialises");
        write_unsynced(&file, &bytes)
    }
}

/// The last key of each stage of a figure, kept so `status` can say what changed.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct StageIndex {
    /// Stage name -> key (hex).
    pub stages: BTreeMap<String, String>,
}

fn last_path(ws: &Workspace, figure_id: &str) -> PathBuf {
    ws.cache_dir
        .join("pipeline")
        .join("last")
        .join(format!("{figure_id}.json"))
}

/// Records the last key of each stage of a figure.
pub fn write_last(
    ws: &Workspace,
    figure_id: &str,
    stages: &BTreeMap<String, String>,
) -> Result<(), String> {
    let index = StageIndex {
        stages: stages.clone(),
    };
    let bytes = serde_json::to_vec_pretty(&index).expect("index serialises");
    let file = last_path(ws, figure_id);
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    write_unsynced(&file, &bytes)
}

/// The last key of each stage of a figure (empty if unknown).
pub fn read_last(ws: &Workspace, figure_id: &str) -> StageIndex {
    std::fs::read(last_path(ws, figure_id))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// Replaces `file` by `bytes` via a temporary file and rename, without fsync: for files whose
/// loss in a crash only costs speed.
pub(crate) fn write_unsynced(file: &Path, bytes: &[u8]) -> Result<(), String> {
    let dir = file.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| format!("cannot write in {}: {e}", dir.display()))?;
    std::io::Write::write_all(&mut tmp, bytes)
        .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    tmp.persist(file)
        .map_err(|e| format!("cannot write {}: {}", file.display(), e.error))?;
    Ok(())
}
