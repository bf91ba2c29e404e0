//! [`digest_tree`]: a deterministic hash of a directory of sources, for implementation digests.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

use crate::Key;

/// Hashes the directory tree at `dir` deterministically, for build scripts that turn a crate's
/// sources into an implementation digest.
///
/// The digest covers every regular file's path relative to `dir` (with `/` separators) and
/// content, and every symlink's path and target, in sorted path order. It ignores directories
/// named `target`, every hidden file or directory (name starting with `.`), empty directories,
/// mtimes, permissions and creation order. Errors name the path that failed.
pub fn digest_tree(dir: &Path) -> io::Result<Key> {
    let mut items = Vec::new();
    collect(dir, &mut Vec::new(), &mut items)?;
    items.sort();

    let mut hasher = blake3::Hasher::new();
    hasher.update(b"udl digest_tree v1\0");
    for (rel, kind, path) in items {
        let content = match kind {
            Kind::File => {
                let file = File::open(&path).map_err(|e| with_path(e, &path))?;
                *blake3::Hasher::new()
                    .update_reader(file)
                    .map_err(|e| with_path(e, &path))?
                    .finalize()
                    .as_bytes()
            }
            Kind::Symlink => {
                let target = fs::read_link(&path).map_err(|e| with_path(e, &path))?;
                *blake3::hash(target.as_os_str().as_encoded_bytes()).as_bytes()
            }
        };
        // Length-prefixed path and fixed-size content hash: no two trees share an encoding.
        hasher
            .update(&[kind as u8])
            .update(&(rel.len() as u64).to_le_bytes())
            .update(&rel)
            .update(&content);
    }
    Ok(Key(*hasher.finalize().as_bytes()))
}

/// What a hashed item is.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
enum Kind {
    File = b'F',
    Symlink = b'L',
}

/// Appends `(relative path bytes, kind, path)` for every item to hash under `dir`, whose
/// relative path is `rel`.
fn collect(
    dir: &Path,
    rel: &mut Vec<u8>,
    out: &mut Vec<(Vec<u8>, Kind, PathBuf)>,
) -> io::Result<()> {
    for item in fs::read_dir(dir).map_err(|e| with_path(e, dir))? {
        let item = item.map_err(|e| with_path(e, dir))?;
        let name = item.file_name();
        let name = name.as_encoded_bytes();
        let path = item.path();
        let file_type = item.file_type().map_err(|e| with_path(e, &path))?;
        if name.starts_with(b".") || (file_type.is_dir() && name == b"target") {
            continue;
        }
        let len = rel.len();
        if !rel.is_empty() {
            rel.push(b'/');
        }
        rel.extend_from_slice(name);
        if file_type.is_dir() {
            collect(&path, rel, out)?;
        } else if file_type.is_symlink() {
            out.push((rel.clone(), Kind::Symlink, path));
        } else if file_type.is_file() {
            out.push((rel.clone(), Kind::File, path));
        }
        rel.truncate(len);
    }
    Ok(())
}

/// Adds the path to an IO error's message, keeping its kind.
fn with_path(e: io::Error, path: &Path) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}
