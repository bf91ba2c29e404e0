//! The stat index: which entries were fully verified, and what their files looked like then.
//!
//! Re-hashing every entry on every lookup makes a no-op build read the whole cache (tens of MB).
//! Like git's index, the store instead remembers, for each entry it has read and hashed in full,
//! the file's [`Stamp`] (size, device, inode, mtime and ctime) and the payload hash. A later
//! lookup whose file still has that stamp is a hit without opening the file; any change to the
//! file (a write, truncation, replacement, `touch`) changes the ctime, so the entry is hashed in
//! full again. A stamp is only recorded once the file's ctime is [`SETTLE`] old, so a write
//! within the filesystem's timestamp granularity after the check cannot go unnoticed ("racy
//! git"). What the index cannot see is damage that leaves every stamp field alone (bit rot on
//! the medium): such an entry is caught when its payload is read, by `Store::get`, and by
//! `Store::verify_all`.
//!
//! File `<root>/index` (little-endian):
//!
//! ```text
//! 8       magic b"UDLINDX1"
//! 8       record count n
//! n*116   records sorted by key: key 32, payload hash 32, then the stamp: len 8, dev 8, ino 8,
//!         mtime seconds 8 (signed), mtime nanoseconds 4, ctime seconds 8 (signed), ctime
//!         nanoseconds 4, a reserved u32 (0)
//! 32      blake3 of everything before
//! ```
//!
//! The index is a cache of a cache: a missing, damaged or foreign index file reads as empty, and
//! every record only vouches for a file with exactly its stamp, so a stale record is harmless.
//! It is written without fsync (a torn write fails the checksum) by temp file and rename, under
//! a lock that makes concurrent builds merge their records rather than lose them.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{RwLock, RwLockWriteGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::lock::{KeyLock, TempFile};
use crate::{Key, Result};

/// How old a file's ctime must be before its stamp may vouch for its content: more than the
/// timestamp granularity of any filesystem the cache may live on (FAT's is 2 s).
pub const SETTLE: Duration = Duration::from_secs(2);

const MAGIC: &[u8; 8] = b"UDLINDX1";
const RECORD_LEN: usize = 32 + 32 + 8 * 3 + 8 + 4 + 8 + 4 + 4;

/// What `stat` says about a file: enough to notice any write, truncation or replacement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    /// Size in bytes.
    pub len: u64,
    /// Device number.
    pub dev: u64,
    /// Inode number.
    pub ino: u64,
    /// Modification time: seconds since the epoch and nanoseconds.
    pub mtime: (i64, u32),
    /// Status-change time (set by the kernel on every write, rename or chmod).
    pub ctime: (i64, u32),
}

impl Stamp {
    /// Appends the stamp's fixed-size binary form (44 bytes, little-endian: len, dev, ino,
    /// mtime seconds and nanoseconds, ctime seconds and nanoseconds), as the stat index and the
    /// pipeline's snapshot store it.
    pub fn write_le(&self, out: &mut Vec<u8>) {
        for n in [self.len, self.dev, self.ino] {
            out.extend_from_slice(&n.to_le_bytes());
        }
        for (secs, nanos) in [self.mtime, self.ctime] {
            out.extend_from_slice(&secs.to_le_bytes());
            out.extend_from_slice(&nanos.to_le_bytes());
        }
    }

    /// Reads a stamp written by [`Stamp::write_le`] off the front of `bytes`; `None` if too short.
    pub fn read_le(bytes: &mut &[u8]) -> Option<Stamp> {
        fn take<const N: usize>(bytes: &mut &[u8]) -> Option<[u8; N]> {
            let (head, tail) = bytes.split_first_chunk::<N>()?;
            *bytes = tail;
            Some(*head)
        }
        Some(Stamp {
            len: u64::from_le_bytes(take(bytes)?),
            dev: u64::from_le_bytes(take(bytes)?),
            ino: u64::from_le_bytes(take(bytes)?),
            mtime: (
                i64::from_le_bytes(take(bytes)?),
                u32::from_le_bytes(take(bytes)?),
            ),
            ctime: (
                i64::from_le_bytes(take(bytes)?),
                u32::from_le_bytes(take(bytes)?),
            ),
        })
    }

    /// The stamp of a file's metadata; `None` where the platform lacks inodes and ctimes (off
    /// Unix), so nothing is ever vouched for there.
    pub fn of(meta: &fs::Metadata) -> Option<Stamp> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Some(Stamp {
                len: meta.len(),
                dev: meta.dev(),
                ino: meta.ino(),
                mtime: (meta.mtime(), u32::try_from(meta.mtime_nsec()).unwrap_or(0)),
                ctime: (meta.ctime(), u32::try_from(meta.ctime_nsec()).unwrap_or(0)),
            })
        }
        #[cfg(not(unix))]
        {
            let _ = meta;
            None
        }
    }

    /// The stamp of the file at `path`; `Ok(None)` if there is no file (or no stamps here).
    pub fn read(path: &Path) -> io::Result<Option<Stamp>> {
        match fs::metadata(path) {
            Ok(meta) => Ok(Stamp::of(&meta)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Whether the file's last change is at least [`SETTLE`] old, so that any later change gets
    /// a different ctime and the stamp may stand for the content read now.
    pub fn is_settled(&self) -> bool {
        let Ok(now) = SystemTime::now().duration_since(UNIX_EPOCH) else {
            return false;
        };
        let changed = i128::from(self.ctime.0) * 1_000_000_000 + i128::from(self.ctime.1);
        let now = i128::try_from(now.as_nanos()).unwrap_or(i128::MAX);
        now - changed >= i128::try_from(SETTLE.as_nanos()).unwrap_or(i128::MAX)
    }
}

/// One verified entry: its payload hash and the stamp its file had when it was hashed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Record {
    pub(crate) hash: Key,
    pub(crate) stamp: Stamp,
}

/// The in-memory index of one store, shared by its clones.
#[derive(Debug)]
pub(crate) struct Index {
    path: PathBuf,
    lock: PathBuf,
    state: RwLock<State>,
}

#[derive(Debug, Default)]
struct State {
    /// The records read from disk (loaded at the first lookup).
    base: Option<HashMap<Key, Record>>,
    /// Records made by this process since the last save.
    added: HashMap<Key, Record>,
    /// Keys whose records must go (entry gone or corrupt).
    removed: HashSet<Key>,
}

impl Index {
    /// The index of the store rooted at `root` (nothing is read yet).
    pub(crate) fn new(root: &Path, lock: PathBuf) -> Index {
        Index {
            path: root.join("index"),
            lock,
            state: RwLock::new(State::default()),
        }
    }

    fn state(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The record of `key`, if any.
    pub(crate) fn get(&self, key: &Key) -> Option<Record> {
        // Lookups from several threads share the lock once the file is loaded.
        {
            let st = self.state.read().unwrap_or_else(|e| e.into_inner());
            if let Some(base) = &st.base {
                if let Some(r) = st.added.get(key) {
                    return Some(*r);
                }
                if st.removed.contains(key) {
                    return None;
                }
                return base.get(key).copied();
            }
        }
        let mut st = self.state();
        if let Some(r) = st.added.get(key) {
            return Some(*r);
        }
        if st.removed.contains(key) {
            return None;
        }
        st.base
            .get_or_insert_with(|| read(&self.path))
            .get(key)
            .copied()
    }

    /// Records that `key`'s entry, with file stamp `record.stamp`, was verified.
    pub(crate) fn insert(&self, key: Key, record: Record) {
        let mut st = self.state();
        st.removed.remove(&key);
        st.added.insert(key, record);
    }

    /// Forgets `key` (its entry was removed or found corrupt), if it is recorded.
    pub(crate) fn remove(&self, key: &Key) {
        let mut st = self.state();
        let added = st.added.remove(key).is_some();
        let based = st
            .base
            .get_or_insert_with(|| read(&self.path))
            .contains_key(key);
        if added || based {
            st.removed.insert(*key);
        }
    }

    /// Forgets everything, on disk too (the store was cleared).
    pub(crate) fn reset(&self) {
        *self.state() = State {
            base: Some(HashMap::new()),
            ..Default::default()
        };
    }

    /// Merges this process's changes into the index file, if there are any.
    pub(crate) fn save(&self, root: &Path) -> Result<()> {
        let mut st = self.state();
        if st.added.is_empty() && st.removed.is_empty() {
            return Ok(());
        }
        // Another process may have saved since we loaded: merge into what is on disk now.
        let _guard = KeyLock::acquire(self.lock.clone(), true)?;
        let mut records = read(&self.path);
        for key in &st.removed {
            records.remove(key);
        }
        records.extend(st.added.drain());
        st.removed.clear();
        let mut temp = TempFile::create(root, "index")?;
        temp.write_all(&encode(&records))?;
        temp.persist_unsynced(&self.path)?;
        st.base = Some(records);
        Ok(())
    }
}

/// Reads an index file; anything missing, damaged or unknown is an empty index.
fn read(path: &Path) -> HashMap<Key, Record> {
    fs::read(path)
        .ok()
        .and_then(|bytes| decode(&bytes))
        .unwrap_or_default()
}

pub(crate) fn encode(records: &HashMap<Key, Record>) -> Vec<u8> {
    let mut keys: Vec<&Key> = records.keys().collect();
    keys.sort();
    let mut out = Vec::with_capacity(16 + RECORD_LEN * keys.len() + 32);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(keys.len() as u64).to_le_bytes());
    for key in keys {
        let r = &records[key];
        let s = &r.stamp;
        out.extend_from_slice(&key.0);
        out.extend_from_slice(&r.hash.0);
        s.write_le(&mut out);
        out.extend_from_slice(&0u32.to_le_bytes());
    }
    let check = blake3::hash(&out);
    out.extend_from_slice(check.as_bytes());
    out
}

pub(crate) fn decode(bytes: &[u8]) -> Option<HashMap<Key, Record>> {
    let (body, check) = bytes.split_at_checked(bytes.len().checked_sub(32)?)?;
    if blake3::hash(body).as_bytes() != check {
        return None;
    }
    let rest = body.strip_prefix(MAGIC)?;
    let (count, mut rest) = rest.split_first_chunk::<8>()?;
    let count = usize::try_from(u64::from_le_bytes(*count)).ok()?;
    if rest.len() != count.checked_mul(RECORD_LEN)? {
        return None;
    }
    let mut records = HashMap::with_capacity(count);
    for _ in 0..count {
        let (record, tail) = rest.split_at(RECORD_LEN);
        rest = tail;
        let mut r = Reader(record);
        let key = Key(r.take()?);
        let hash = Key(r.take()?);
        let stamp = Stamp::read_le(&mut r.0)?;
        records.insert(key, Record { hash, stamp });
    }
    Some(records)
}

/// Takes fixed-size arrays off the front of a byte slice.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, tail) = self.0.split_first_chunk::<N>()?;
        self.0 = tail;
        Some(*head)
    }
}
