//! What the last build of each figure left behind, kept in one file in the cache directory
//! (`.cache/pipeline/state.json`): the key of every stage (so `status` can say what changed),
//! and what its written outputs looked like (so a no-op build need not re-read them).
//!
//! An output record says: when the figure's plot stage had this key and payload hash on this
//! platform, its SVG and lock were checked to hold exactly that output, and then had these
//! [`cache::Stamp`]s (size, inode, mtime, ctime). While both files keep their stamps, a build
//! with the same plot key and hash knows they are up to date without reading the plot entry,
//! the SVG or the lock. Any write to either file changes its ctime, so it is checked (and
//! rewritten) in full. As in the cache's stat index, stamps younger than [`cache::SETTLE`] are
//! not recorded. The lock's blake3 is kept too: it feeds the book's key.
//!
//! Like the cache's index, this file only ever saves work: missing or unreadable, it reads as
//! empty. Builds merge their records into it under a lock, so concurrent builds of different
//! figures keep each other's.

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

/// What the last build of one figure left.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FigureState {
    /// Stage name (`model.net`, `plot`) -> key (hex) in the last build that reached it.
    pub stages: BTreeMap<String, String>,
    /// The figure's outputs as last checked, if their stamps had settled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outputs: Option<Outputs>,
}

/// The figure's SVG and lock as last checked (see the module docs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Outputs {
    /// Key (hex) of the plot stage the files were checked against.
    pub plot_key: String,
    /// blake3 (hex) of that stage's payload.
    pub plot_hash: String,
    /// The platform string the lock was checked against.
    pub platform: String,
    /// The SVG's stamp then.
    pub svg: cache::Stamp,
    /// The lock's stamp then.
    pub lock: cache::Stamp,
    /// blake3 (hex) of the lock file's bytes.
    pub lock_hash: String,
}

/// Where the state file of a workspace lives.
pub fn path(ws: &Workspace) -> PathBuf {
    ws.cache_dir.join("pipeline").join("state.json")
}

impl State {
    /// Reads the state; anything missing, unreadable or from another version is empty.
    pub fn load(ws: &Workspace) -> State {
        read(&path(ws))
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
        let mut state = read(&file);
        if figures
            .iter()
            .all(|(id, f)| state.figures.get(id) == Some(f))
        {
            return Ok(());
        }
        state.version = VERSION;
        state.figures.extend(figures);
        let bytes = serde_json::to_vec(&state).expect("state serialises");
        // No fsync: a torn or lost file only costs a slower next build (it reads as empty).
        let mut tmp = tempfile::NamedTempFile::new_in(dir)
            .map_err(|e| format!("cannot write in {}: {e}", dir.display()))?;
        std::io::Write::write_all(&mut tmp, &bytes)
            .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
        tmp.persist(&file)
            .map_err(|e| format!("cannot write {}: {}", file.display(), e.error))?;
        Ok(())
    }
}

fn read(path: &Path) -> State {
    std::fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice::<State>(&b).ok())
        .filter(|s| s.version == VERSION)
        .unwrap_or_default()
}
