//! Content-addressed artifact store: immutable byte blobs under 32-byte keys, kept on disk and safe
//! under concurrent processes and crashes.
//!
//! `pipeline` hashes each stage's manifest into a [`Key`] and stores the stage's output here;
//! this crate knows nothing about figures, specs or ML. It also provides [`digest_tree`], which
//! build scripts use to turn crate sources into implementation digests.
//!
//! On-disk layout under the store root (e.g. `<workspace>/.cache`):
//!
//! ```text
//! VERSION                               "1\n", the store format version
//! objects/ab/ab12…ef                    one file per entry: header + meta + payload (see `entry`)
//! objects/ab/ab12…ef.tmp-<pid>-<n>      a write in progress, or a leftover that `gc` removes
//! locks/ab12…ef.lock                    per-key lock files (`flock`), see [`Store::lock`]
//! index                                 the stat index of verified entries (see `index`)
//! locks/index.lock                      serialises merges into `index`
//! ```
//!
//! Guarantees:
//! - An entry is published by renaming a fully written, fsynced temp file, so a process killed at
//!   any point leaves either no entry or a complete one.
//! - Every read checks magic, version, lengths and hashes; anything wrong is reported as
//!   [`Lookup::Corrupt`] and the entry is evicted, never returned.
//! - [`Store::probe`] answers a lookup without reading the entry when its file is unchanged
//!   (same size, inode, mtime and ctime) since it was last read and hashed in full: the stat
//!   index, git's approach. Damage that leaves the file's stamp alone is caught when the payload
//!   is read ([`Store::get`]) and by [`Store::verify_all`], which always re-hash.
//! - IO failures (read-only directory, full disk, …) come back as [`Error::Io`] naming the path.

mod digest;
mod entry;
mod index;
mod key;
mod lock;
mod store;

#[cfg(test)]
mod tests;

use std::io;
use std::path::PathBuf;

pub use digest::digest_tree;
pub use index::{SETTLE, Stamp};
pub use key::Key;
pub use lock::KeyLock;
pub use store::{Entry, EntryMeta, GcReport, Lookup, Probe, Store, VerifyReport};

/// The store format this version of the crate reads and writes (in `VERSION` and every entry header).
pub const FORMAT_VERSION: u32 = 1;

/// The largest `meta` blob [`Store::put`] accepts (1 MiB); it is meant for small provenance JSON.
pub const MAX_META_LEN: usize = 1 << 20;

/// Result type of this crate.
pub type Result<T> = std::result::Result<T, Error>;

/// Everything that can go wrong in the store. Corrupt entries are not errors (see [`Lookup`]).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A filesystem operation failed (permissions, full disk, not a directory, …).
    #[error("cache: cannot {op} {}: {source}", .path.display())]
    Io {
        /// What was being done, e.g. "write" or "rename into place".
        op: &'static str,
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying OS error.
        source: io::Error,
    },
    /// The store was written by a newer version of this crate; nothing was touched.
    #[error(
        "cache at {} has format version {found}, newer than the supported {supported}; \
         use a newer pipeline, another cache directory, or delete it (nothing was deleted)",
        .path.display()
    )]
    FutureVersion {
        /// The `VERSION` file.
        path: PathBuf,
        /// The version found in it.
        found: u32,
        /// [`FORMAT_VERSION`].
        supported: u32,
    },
    /// The `VERSION` file exists but does not hold a format version this crate understands.
    #[error("cache version file {} holds {content:?}, not a format version; delete the cache directory", .path.display())]
    BadVersion {
        /// The `VERSION` file.
        path: PathBuf,
        /// Its (trimmed) content.
        content: String,
    },
    /// [`Store::put`] was given more than [`MAX_META_LEN`] bytes of meta.
    #[error("cache: meta blob of {len} bytes exceeds the limit of {max} bytes")]
    MetaTooLarge {
        /// The size given.
        len: usize,
        /// [`MAX_META_LEN`].
        max: usize,
    },
}

/// Returns a closure that wraps an `io::Error` into [`Error::Io`] for `op` on `path`.
fn io_err(op: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> Error {
    let path = path.into();
    move |source| Error::Io { op, path, source }
}
