//! [`Store`]: the store directory and its operations (get, put, lock, gc, verify, clear).

use std::collections::BTreeSet;
use std::fmt;
use std::fs::{self, File};
use std::io::{self, BufReader};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::entry::{self, Corruption};
use crate::index::{Index, Record, Stamp};
use crate::lock::{self, KeyLock, TempFile};
use crate::{Error, FORMAT_VERSION, Key, MAX_META_LEN, Result, io_err};

const VERSION_FILE: &str = "VERSION";
const OBJECTS_DIR: &str = "objects";
const LOCKS_DIR: &str = "locks";
/// Part of every temp file name (`<name>.tmp-<pid>-<n>`), which is how `gc` finds leftovers.
const TEMP_MARK: &str = ".tmp";

/// A content-addressed store rooted at one directory. Cheap to clone (clones share the stat
/// index); every method takes `&self` and is safe to call from several threads and processes at
/// once.
#[derive(Clone, Debug)]
pub struct Store {
    root: PathBuf,
    index: Arc<Index>,
}

/// The outcome of [`Store::probe`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Probe {
    /// The entry is present and sound.
    Hit {
        /// blake3 of the payload.
        hash: Key,
        /// The entry, when this probe read and hashed it; `None` when the stat index vouched
        /// for it (its file is unchanged since it was last verified), so nothing was read.
        entry: Option<Entry>,
    },
    /// There is no entry under the key.
    Missing,
    /// There was an entry but it failed a check; it has been removed, so rebuild it.
    Corrupt {
        /// What was wrong, for the user.
        reason: String,
    },
}

/// The outcome of [`Store::get`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// The entry is present and every check passed.
    Hit(Entry),
    /// There is no entry under the key.
    Missing,
    /// There was an entry but it failed a check; it has been removed, so rebuild it.
    Corrupt {
        /// What was wrong, for the user (e.g. "payload hash mismatch: …").
        reason: String,
    },
}

/// A verified entry.
#[derive(Clone, PartialEq, Eq)]
pub struct Entry {
    /// The stored bytes.
    pub payload: Vec<u8>,
    /// blake3 of `payload` (checked on read).
    pub hash: Key,
    /// The meta blob given to [`Store::put`].
    pub meta: Vec<u8>,
}

impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Entry")
            .field("payload", &format_args!("<{} bytes>", self.payload.len()))
            .field("hash", &self.hash)
            .field("meta", &String::from_utf8_lossy(&self.meta))
            .finish()
    }
}

/// An entry's header, as read by [`Store::peek`] without reading the payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryMeta {
    /// Payload length in bytes.
    pub len: u64,
    /// blake3 of the payload, as recorded (not re-checked by `peek`).
    pub hash: Key,
    /// The meta blob given to [`Store::put`].
    pub meta: Vec<u8>,
}

/// What [`Store::gc`] removed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GcReport {
    /// Entries whose key was not kept.
    pub entries_removed: usize,
    /// Leftover temp files of interrupted writes.
    pub temps_removed: usize,
    /// Total size of the removed files.
    pub bytes_freed: u64,
}

/// What [`Store::verify_all`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VerifyReport {
    /// Entries checked.
    pub checked: usize,
    /// Entries that failed a check, with the reason; they have been removed.
    pub corrupt: Vec<(Key, String)>,
}

impl Store {
    /// Opens (creating if needed) a store rooted at `root` (e.g. `<workspace>/.cache`).
    ///
    /// A new store gets a `VERSION` file holding [`FORMAT_VERSION`]. A store whose `VERSION` is
    /// newer is [`Error::FutureVersion`], an unreadable one [`Error::BadVersion`]; in both cases
    /// nothing is modified.
    pub fn open(root: impl Into<PathBuf>) -> Result<Store> {
        let root = root.into();
        let index = Arc::new(Index::new(&root, root.join(LOCKS_DIR).join("index.lock")));
        let store = Store { root, index };
        store.init()?;
        Ok(store)
    }

    /// The store's root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Looks up an entry, checking its header, lengths and payload hash.
    ///
    /// A corrupt entry (truncated, bad header, hash mismatch, …) is removed by this call and
    /// reported as [`Lookup::Corrupt`], so the next `get` says [`Lookup::Missing`]. Never panics
    /// on any file contents; `Err` only for IO failures.
    ///
    /// A sound entry whose file is old enough is recorded in the stat index (see
    /// [`Store::probe`]), so later probes need not read it; [`Store::save_index`] keeps that.
    pub fn get(&self, key: &Key) -> Result<Lookup> {
        let path = self.object_path(key);
        let Some((checked, stamp)) = read_checked(&path, entry::read_entry)? else {
            self.index.remove(key);
            return Ok(Lookup::Missing);
        };
        match checked {
            Ok(entry) => {
                if let Some(stamp) = stamp.filter(Stamp::is_settled) {
                    let record = Record {
                        hash: entry.hash,
                        stamp,
                    };
                    self.index.insert(*key, record);
                }
                Ok(Lookup::Hit(entry))
            }
            Err(reason) => {
                // If another process replaced the entry since we read it, this removes a good
                // entry; that costs a rebuild, never a wrong result.
                self.index.remove(key);
                remove(&path)?;
                Ok(Lookup::Corrupt { reason })
            }
        }
    }

    /// Looks up an entry as cheaply as its integrity allows: when the stat index holds a record
    /// for `key` and the entry's file still has the recorded [`Stamp`] (size, inode, mtime,
    /// ctime), it is a hit with the recorded payload hash and nothing is read. Otherwise this is
    /// [`Store::get`]: the entry is read and hashed in full (and recorded if sound), a corrupt
    /// one removed.
    ///
    /// The trade-off: damage that changes no stamp field (bit rot under an unchanged file) is not
    /// seen here, only when the payload is read with [`Store::get`] or by
    /// [`Store::verify_all`]. Every write to the file, truncation, deletion or replacement is.
    pub fn probe(&self, key: &Key) -> Result<Probe> {
        let path = self.object_path(key);
        if let Some(record) = self.index.get(key) {
            match Stamp::read(&path) {
                Ok(Some(stamp)) if stamp == record.stamp => {
                    return Ok(Probe::Hit {
                        hash: record.hash,
                        entry: None,
                    });
                }
                Ok(_) => {}
                Err(e) => return Err(io_err("stat", &path)(e)),
            }
        }
        Ok(match self.get(key)? {
            Lookup::Hit(entry) => Probe::Hit {
                hash: entry.hash,
                entry: Some(entry),
            },
            Lookup::Missing => Probe::Missing,
            Lookup::Corrupt { reason } => Probe::Corrupt { reason },
        })
    }

    /// The payload hash of `key`'s entry without reading the payload (for `status`): from the
    /// stat index when the file is unchanged since it was verified, else from the entry's
    /// checked header (the payload itself unverified). `None` if there is no entry or its header
    /// is damaged; nothing is removed.
    pub fn hash_of(&self, key: &Key) -> Result<Option<Key>> {
        let path = self.object_path(key);
        if let Some(record) = self.index.get(key) {
            match Stamp::read(&path) {
                Ok(Some(stamp)) if stamp == record.stamp => return Ok(Some(record.hash)),
                Ok(_) => {}
                Err(e) => return Err(io_err("stat", &path)(e)),
            }
        }
        Ok(self.peek(key)?.map(|m| m.hash))
    }

    /// The payload hash of `key`'s entry if the stat index vouches for it (its file has exactly
    /// the stamp recorded when it was last hashed in full), else `None`: one `stat`, nothing
    /// read, nothing recorded or removed. For callers that fall back to [`Store::probe`] on
    /// `None` (the pipeline's whole-workspace fast path).
    pub fn vouched(&self, key: &Key) -> Result<Option<Key>> {
        let Some(record) = self.index.get(key) else {
            return Ok(None);
        };
        let path = self.object_path(key);
        match Stamp::read(&path) {
            Ok(Some(stamp)) if stamp == record.stamp => Ok(Some(record.hash)),
            Ok(_) => Ok(None),
            Err(e) => Err(io_err("stat", &path)(e)),
        }
    }

    /// Checks that an entry exists and its header is sound, without reading or hashing the payload
    /// (for `status`). A missing entry or a damaged header is `None`; nothing is removed.
    pub fn peek(&self, key: &Key) -> Result<Option<EntryMeta>> {
        let checked = read_checked(&self.object_path(key), entry::read_header)?;
        Ok(checked.and_then(|(c, _)| c.ok()))
    }

    /// Records `key`'s entry in the stat index as it is now, with the payload hash its header
    /// claims, without reading the payload and whatever the file's age. This defeats the
    /// index's protection and exists for tests that simulate damage the index cannot see (a
    /// payload changed under an unchanged stamp). Returns whether there was an entry to record.
    pub fn vouch(&self, key: &Key) -> Result<bool> {
        let path = self.object_path(key);
        let Some((Ok(meta), Some(stamp))) = read_checked(&path, entry::read_header)? else {
            return Ok(false);
        };
        let record = Record {
            hash: meta.hash,
            stamp,
        };
        self.index.insert(*key, record);
        Ok(true)
    }

    /// Writes the stat index records made since the last save (by `get`, `probe`, `gc`, ...) to
    /// `<root>/index`, merged with those of other processes. Nothing is written when nothing
    /// changed. Skipping it costs speed, never correctness: unsaved entries are hashed again.
    pub fn save_index(&self) -> Result<()> {
        self.index.save(&self.root)
    }

    /// Atomically publishes `payload` under `key`, with the caller's `meta` blob (small JSON for
    /// provenance; may be empty, at most [`MAX_META_LEN`] bytes). Returns blake3 of the payload.
    ///
    /// The entry is written to a locked temp file in its final directory, fsynced, renamed into
    /// place (replacing any previous entry) and the directory fsynced. A process killed at any
    /// point leaves either no entry or a complete one; on error the temp file is removed.
    pub fn put(&self, key: &Key, payload: &[u8], meta: &[u8]) -> Result<Key> {
        if meta.len() > MAX_META_LEN {
            return Err(Error::MetaTooLarge {
                len: meta.len(),
                max: MAX_META_LEN,
            });
        }
        let path = self.object_path(key);
        let shard = path.parent().expect("object paths have a shard directory");
        if !shard.is_dir() {
            fs::create_dir_all(shard).map_err(io_err("create directory", shard))?;
            lock::sync_dir(&self.root.join(OBJECTS_DIR))?;
        }
        let hash = Key::of(payload);
        let mut temp = TempFile::create(shard, &key.to_hex())?;
        temp.write_all(&entry::encode_header(payload, &hash, meta))?;
        temp.write_all(payload)?;
        temp.persist(&path)?;
        Ok(hash)
    }

    /// Takes the exclusive lock of `key`, waiting for other holders; released when the guard
    /// drops. The lock file is `<root>/locks/<hex>.lock`.
    ///
    /// Use it as double-checked locking: `get` → miss → `lock` → `get` again → compute → `put` →
    /// drop. Locks are `flock`s owned by the open file: a lock held by a killed process is
    /// released by the OS, so a crash never blocks later builds. Locking the same key twice from
    /// one thread deadlocks.
    pub fn lock(&self, key: &Key) -> Result<KeyLock> {
        let lock = KeyLock::acquire(self.lock_path(key), true)?;
        Ok(lock.expect("a blocking acquire always returns a lock"))
    }

    /// Like [`Store::lock`] but returns `None` at once if another holder has the lock (e.g. to
    /// report "waiting for another build" before calling `lock`).
    pub fn try_lock(&self, key: &Key) -> Result<Option<KeyLock>> {
        KeyLock::acquire(self.lock_path(key), false)
    }

    /// Every key currently stored, sorted. Entries are not checked.
    pub fn keys(&self) -> Result<Vec<Key>> {
        let mut keys = Vec::new();
        for shard in self.shards()? {
            for item in list(&shard)? {
                let key = item.file_name().to_str().and_then(Key::from_hex);
                if let Some(key) = key
                    && item.path() == self.object_path(&key)
                    && item.file_type().is_ok_and(|t| t.is_file())
                {
                    keys.push(key);
                }
            }
        }
        keys.sort();
        Ok(keys)
    }

    /// Removes every entry whose key is not in `keep`, every temp file left by an interrupted
    /// write (one whose writer still runs holds its lock and is kept) and the lock files of
    /// removed keys that nobody holds.
    pub fn gc(&self, keep: &BTreeSet<Key>) -> Result<GcReport> {
        let mut report = GcReport::default();
        for key in self.keys()? {
            if keep.contains(&key) {
                continue;
            }
            self.index.remove(&key);
            if let Some(len) = remove(&self.object_path(&key))? {
                report.entries_removed += 1;
                report.bytes_freed += len;
            }
        }
        self.save_index()?;

        let mut dirs = self.shards()?;
        dirs.push(self.root.clone());
        for dir in dirs {
            for item in list(&dir)? {
                let is_temp = item.file_name().to_string_lossy().contains(TEMP_MARK);
                if is_temp
                    && item.file_type().is_ok_and(|t| t.is_file())
                    && let Some(len) = lock::remove_if_unlocked(&item.path())?
                {
                    report.temps_removed += 1;
                    report.bytes_freed += len;
                }
            }
        }

        // Only where `KeyLock::acquire` can detect a deleted lock file (see `lock`).
        if cfg!(unix) {
            for item in list(&self.root.join(LOCKS_DIR))? {
                let name = item.file_name();
                let key = name
                    .to_str()
                    .and_then(|n| n.strip_suffix(".lock"))
                    .and_then(Key::from_hex);
                if let Some(key) = key
                    && !keep.contains(&key)
                {
                    lock::remove_if_unlocked(&item.path())?;
                }
            }
        }
        Ok(report)
    }

    /// Re-reads and re-hashes every entry, whatever the stat index says; corrupt ones are
    /// removed and reported, sound ones recorded in the index.
    pub fn verify_all(&self) -> Result<VerifyReport> {
        let mut report = VerifyReport::default();
        for key in self.keys()? {
            report.checked += 1;
            if let Lookup::Corrupt { reason } = self.get(&key)? {
                report.corrupt.push((key, reason));
            }
        }
        // Best effort: the index only saves work (a read-only cache can still be verified).
        let _ = self.save_index();
        Ok(report)
    }

    /// Removes everything under the root, then re-creates an empty store there. Do not run it
    /// while other processes use the store.
    pub fn clear(&self) -> Result<()> {
        for item in list(&self.root)? {
            let path = item.path();
            let removed = if item.file_type().is_ok_and(|t| t.is_dir()) {
                fs::remove_dir_all(&path)
            } else {
                fs::remove_file(&path)
            };
            removed.map_err(io_err("remove", path))?;
        }
        self.index.reset();
        self.init()
    }

    /// Creates the root, checks or writes `VERSION`, and creates the subdirectories.
    fn init(&self) -> Result<()> {
        fs::create_dir_all(&self.root).map_err(io_err("create directory", &self.root))?;
        let version_path = self.root.join(VERSION_FILE);
        let exists = match fs::read(&version_path) {
            Ok(bytes) => {
                check_version(&version_path, &String::from_utf8_lossy(&bytes))?;
                true
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => false,
            Err(e) => return Err(io_err("read", version_path)(e)),
        };
        for dir in [OBJECTS_DIR, LOCKS_DIR] {
            let dir = self.root.join(dir);
            fs::create_dir_all(&dir).map_err(io_err("create directory", dir))?;
        }
        if !exists {
            let mut temp = TempFile::create(&self.root, VERSION_FILE)?;
            temp.write_all(format!("{FORMAT_VERSION}\n").as_bytes())?;
            temp.persist(&version_path)?;
        }
        Ok(())
    }

    /// `<root>/objects/<first 2 hex>/<hex>`.
    fn object_path(&self, key: &Key) -> PathBuf {
        let hex = key.to_hex();
        let mut path = PathBuf::with_capacity(self.root.as_os_str().len() + 80);
        path.push(&self.root);
        path.push(OBJECTS_DIR);
        path.push(&hex[..2]);
        path.push(hex);
        path
    }

    /// `<root>/locks/<hex>.lock`.
    fn lock_path(&self, key: &Key) -> PathBuf {
        self.root.join(LOCKS_DIR).join(format!("{key}.lock"))
    }

    /// The shard directories under `objects/`.
    fn shards(&self) -> Result<Vec<PathBuf>> {
        let items = list(&self.root.join(OBJECTS_DIR))?;
        Ok(items
            .into_iter()
            .filter(|i| i.file_type().is_ok_and(|t| t.is_dir()))
            .map(|i| i.path())
            .collect())
    }
}

/// Parses a `VERSION` file's content.
fn check_version(path: &Path, content: &str) -> Result<()> {
    let content = content.trim();
    match content.parse::<u32>() {
        Ok(FORMAT_VERSION) => Ok(()),
        Ok(found) if found > FORMAT_VERSION => Err(Error::FutureVersion {
            path: path.to_owned(),
            found,
            supported: FORMAT_VERSION,
        }),
        _ => Err(Error::BadVersion {
            path: path.to_owned(),
            content: content.to_owned(),
        }),
    }
}

/// Opens the entry file at `path` and decodes it with `decode`; `None` if there is no file.
/// Also returns the stamp of the file that was read (taken before reading it). The file is
/// closed before returning, so the caller may remove it.
#[allow(clippy::type_complexity)]
fn read_checked<T>(
    path: &Path,
    decode: impl FnOnce(&mut BufReader<File>, u64) -> io::Result<std::result::Result<T, Corruption>>,
) -> Result<Option<(std::result::Result<T, Corruption>, Option<Stamp>)>> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err("open", path)(e)),
    };
    let meta = file.metadata().map_err(io_err("stat", path))?;
    let decoded = decode(&mut BufReader::new(file), meta.len()).map_err(io_err("read", path))?;
    Ok(Some((decoded, Stamp::of(&meta))))
}

/// Removes a file, returning its size; `None` if it was already gone.
fn remove(path: &Path) -> Result<Option<u64>> {
    let len = match fs::symlink_metadata(path) {
        Ok(meta) => meta.len(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err("stat", path)(e)),
    };
    match fs::remove_file(path) {
        Ok(()) => Ok(Some(len)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_err("remove", path)(e)),
    }
}

/// The items of directory `dir`, in no particular order (none if it does not exist).
fn list(dir: &Path) -> Result<Vec<fs::DirEntry>> {
    let items = match fs::read_dir(dir) {
        Ok(items) => items,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_err("list", dir)(e)),
    };
    items
        .collect::<io::Result<Vec<_>>>()
        .map_err(io_err("list", dir))
}
