//! The on-disk format of one entry: a fixed binary header, the caller's meta blob, a header
//! checksum, then the payload, all in one file.
//!
//! ```text
//! offset   size  field
//! 0        8     magic b"UDLCACHE"
//! 8        4     format version, u32 LE (FORMAT_VERSION)
//! 12       8     payload length n, u64 LE
//! 20       32    blake3 of the payload
//! 52       4     meta length m, u32 LE (at most MAX_META_LEN)
//! 56       m     meta bytes, opaque to the store
//! 56+m     32    blake3 of bytes 0..56+m, so a damaged header or meta is caught without
//!                hashing the payload
//! 88+m     n     payload
//! ```
//!
//! The file must be exactly `88 + m + n` bytes long. Decoding never panics and never allocates
//! more than the file holds: any inconsistency is a corruption reason, not an error.

use std::io::{self, Read};

use crate::{Entry, EntryMeta, FORMAT_VERSION, Key, MAX_META_LEN};

const MAGIC: &[u8; 8] = b"UDLCACHE";
/// Magic, version, payload length, payload hash, meta length.
const FIXED_LEN: usize = 8 + 4 + 8 + 32 + 4;
const CHECK_LEN: usize = 32;

/// Why an entry is unusable, for [`crate::Lookup::Corrupt`].
pub(crate) type Corruption = String;

/// The bytes that precede the payload of an entry holding `payload` and `meta`.
pub(crate) fn encode_header(payload: &[u8], payload_hash: &Key, meta: &[u8]) -> Vec<u8> {
    debug_assert!(meta.len() <= MAX_META_LEN, "checked by Store::put");
    let mut header = Vec::with_capacity(FIXED_LEN + meta.len() + CHECK_LEN);
    header.extend_from_slice(MAGIC);
    header.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    header.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    header.extend_from_slice(&payload_hash.0);
    header.extend_from_slice(&(meta.len() as u32).to_le_bytes());
    header.extend_from_slice(meta);
    let check = blake3::hash(&header);
    header.extend_from_slice(check.as_bytes());
    header
}

/// Reads and checks the header of an entry file of `file_len` bytes, leaving `r` at the payload.
/// The payload itself is neither read nor hashed.
pub(crate) fn read_header(
    r: &mut impl Read,
    file_len: u64,
) -> io::Result<Result<EntryMeta, Corruption>> {
    let mut fixed = [0u8; FIXED_LEN];
    if !read_exact_or_eof(r, &mut fixed)? {
        return Ok(Err(format!(
            "truncated header: the file has only {file_len} bytes"
        )));
    }
    if &fixed[0..8] != MAGIC {
        return Ok(Err("bad magic: not a cache entry".to_owned()));
    }
    let version = u32::from_le_bytes(array(&fixed, 8));
    if version != FORMAT_VERSION {
        return Ok(Err(format!(
            "entry format version {version}, expected {FORMAT_VERSION}"
        )));
    }
    let len = u64::from_le_bytes(array(&fixed, 12));
    let hash = Key(array(&fixed, 20));
    let meta_len = u32::from_le_bytes(array(&fixed, 52)) as usize;
    if meta_len > MAX_META_LEN {
        return Ok(Err(format!(
            "meta length {meta_len} exceeds the limit {MAX_META_LEN}"
        )));
    }
    let header_len = (FIXED_LEN + meta_len + CHECK_LEN) as u64;
    let Some(expected) = header_len.checked_add(len) else {
        return Ok(Err(format!("payload length {len} overflows")));
    };
    if expected != file_len {
        let what = if file_len < expected {
            "truncated"
        } else {
            "trailing bytes"
        };
        return Ok(Err(format!(
            "{what}: the header describes {expected} bytes, the file has {file_len}"
        )));
    }

    let mut rest = vec![0u8; meta_len + CHECK_LEN];
    if !read_exact_or_eof(r, &mut rest)? {
        return Ok(Err("truncated while reading meta".to_owned()));
    }
    let (meta, check) = rest.split_at(meta_len);
    let mut hasher = blake3::Hasher::new();
    hasher.update(&fixed).update(meta);
    if hasher.finalize().as_bytes() != check {
        return Ok(Err("header checksum mismatch".to_owned()));
    }
    Ok(Ok(EntryMeta {
        len,
        hash,
        meta: meta.to_vec(),
    }))
}

/// Reads a whole entry file of `file_len` bytes and checks everything, including the payload hash.
pub(crate) fn read_entry(
    r: &mut impl Read,
    file_len: u64,
) -> io::Result<Result<Entry, Corruption>> {
    let meta = match read_header(r, file_len)? {
        Ok(meta) => meta,
        Err(reason) => return Ok(Err(reason)),
    };
    // `len` is bounded by the file size checked above, so this allocation is honest.
    let mut payload = Vec::with_capacity(usize::try_from(meta.len).unwrap_or(0));
    r.take(meta.len).read_to_end(&mut payload)?;
    if payload.len() as u64 != meta.len {
        return Ok(Err(format!(
            "truncated payload: {} of {} bytes",
            payload.len(),
            meta.len
        )));
    }
    let actual = Key::of(&payload);
    if actual != meta.hash {
        return Ok(Err(format!(
            "payload hash mismatch: header says {}, payload hashes to {}",
            meta.hash.short(),
            actual.short()
        )));
    }
    Ok(Ok(Entry {
        payload,
        hash: actual,
        meta: meta.meta,
    }))
}

/// `read_exact` that reports a short read as `Ok(false)` instead of an error.
fn read_exact_or_eof(r: &mut impl Read, buf: &mut [u8]) -> io::Result<bool> {
    match r.read_exact(buf) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(e),
    }
}

/// The `N` bytes of the fixed header starting at `at` (all call sites are in bounds by construction).
fn array<const N: usize>(fixed: &[u8; FIXED_LEN], at: usize) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(&fixed[at..at + N]);
    out
}
