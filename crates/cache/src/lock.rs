//! File locks: the per-key [`KeyLock`], and locked temp files that let `gc` tell a write in
//! progress from a leftover of a killed process.
//!
//! All locks are `flock`-style locks taken with std's `File::lock`. They belong to an open file,
//! so the OS releases them when the file is closed, including when the holding process is killed:
//! a crashed build never leaves a key locked. Two `File`s opened separately conflict even within
//! one process, so the locks also serialise threads.
//!
//! Lock and temp files may be deleted by `gc` only while it holds their lock. A waiter that then
//! acquires the lock on the deleted file notices that its file is no longer the one at the path
//! and starts over, so mutual exclusion survives the deletion.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::{Result, io_err};

/// An exclusive lock on one key, held until this guard is dropped (see [`crate::Store::lock`]).
#[derive(Debug)]
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct KeyLock {
    _file: File,
    path: PathBuf,
}

impl KeyLock {
    /// Takes the lock at `path`, waiting if `block`, else returning `None` when it is held.
    pub(crate) fn acquire(path: PathBuf, block: bool) -> Result<Option<KeyLock>> {
        loop {
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(io_err("open lock file", &path))?;
            if block {
                file.lock().map_err(io_err("lock", &path))?;
            } else {
                match file.try_lock() {
                    Ok(()) => {}
                    Err(TryLockError::WouldBlock) => return Ok(None),
                    Err(TryLockError::Error(e)) => return Err(io_err("lock", &path)(e)),
                }
            }
            if still_at(&file, &path).map_err(io_err("check lock file", &path))? {
                return Ok(Some(KeyLock { _file: file, path }));
            }
        }
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// A temp file, exclusively locked while it is written, removed on drop unless persisted.
pub(crate) struct TempFile {
    file: File,
    path: PathBuf,
    persisted: bool,
}

impl TempFile {
    /// Creates `<dir>/<base>.tmp-<pid>-<n>`, a name no other writer uses.
    pub(crate) fn create(dir: &Path, base: &str) -> Result<TempFile> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        loop {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = dir.join(format!("{base}.tmp-{}-{n}", std::process::id()));
            let file = match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(file) => file,
                // A leftover of a dead process with the same pid.
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(io_err("create temp file", &path)(e)),
            };
            let temp = TempFile {
                file,
                path,
                persisted: false,
            };
            temp.file.lock().map_err(io_err("lock", &temp.path))?;
            // `gc` may have removed the file between its creation and our lock; pick a new name.
            if still_at(&temp.file, &temp.path).map_err(io_err("check temp file", &temp.path))? {
                return Ok(temp);
            }
        }
    }

    /// Writes all of `bytes`.
    pub(crate) fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
        self.file
            .write_all(bytes)
            .map_err(io_err("write", &self.path))
    }

    /// Flushes the content to disk, renames the file to `to` (replacing any file there) and
    /// fsyncs the directory so the rename is durable too.
    pub(crate) fn persist(mut self, to: &Path) -> Result<()> {
        self.file.sync_all().map_err(io_err("sync", &self.path))?;
        fs::rename(&self.path, to).map_err(io_err("rename into place", to))?;
        self.persisted = true;
        if let Some(dir) = to.parent() {
            sync_dir(dir)?;
        }
        Ok(())
    }
}

impl TempFile {
    /// Renames the file to `to` without fsyncing it or the directory: for files whose loss or
    /// tearing in a crash is harmless (the stat index, which checks itself).
    pub(crate) fn persist_unsynced(mut self, to: &Path) -> Result<()> {
        fs::rename(&self.path, to).map_err(io_err("rename into place", to))?;
        self.persisted = true;
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.persisted {
            // Best effort: a leftover is harmless and `gc` removes it later.
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Removes the file at `path` if nobody holds its lock, returning its size; `None` if it is
/// locked or already gone.
pub(crate) fn remove_if_unlocked(path: &Path) -> Result<Option<u64>> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err("open", path)(e)),
    };
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => return Ok(None),
        Err(TryLockError::Error(e)) => return Err(io_err("lock", path)(e)),
    }
    let len = file.metadata().map_err(io_err("stat", path))?.len();
    // Remove while still holding the lock (see the module docs).
    match fs::remove_file(path) {
        Ok(()) => Ok(Some(len)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_err("remove", path)(e)),
    }
}

/// Fsyncs a directory so that renames and creations in it survive a crash (a no-op off Unix).
pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_err("sync directory", dir))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Whether `path` still names the open `file` (it may have been deleted, and maybe recreated).
fn still_at(file: &File, path: &Path) -> io::Result<bool> {
    let on_disk = match fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let open = file.metadata()?;
        Ok(open.dev() == on_disk.dev() && open.ino() == on_disk.ino())
    }
    #[cfg(not(unix))]
    {
        // Without inode numbers we cannot tell a recreated file apart; `gc` therefore never
        // deletes lock files off Unix, and temp file names are never reused.
        let _ = (file, on_disk);
        Ok(true)
    }
}
