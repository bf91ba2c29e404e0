//! Unit tests: the store's behaviour as a specification (round trips, every kind of damage,
//! gc, verify, locking, errors) and `digest_tree`'s determinism.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, SystemTime};

use tempfile::TempDir;

use crate::{
    Entry, EntryMeta, Error, FORMAT_VERSION, GcReport, Key, Lookup, MAX_META_LEN, Probe, SETTLE,
    Stamp, Store, digest_tree,
};

// ---- helpers -------------------------------------------------------------------------------

/// A fresh store in a temp dir (the `TempDir` must outlive the store).
fn new_store() -> (TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("cache")).unwrap();
    (dir, store)
}

fn key(name: &str) -> Key {
    Key::of(name.as_bytes())
}

/// Where the store keeps `key`'s entry (the documented layout).
fn entry_path(store: &Store, key: &Key) -> PathBuf {
    let hex = key.to_hex();
    store.root().join("objects").join(&hex[..2]).join(hex)
}

fn expect_hit(lookup: Lookup) -> Entry {
    match lookup {
        Lookup::Hit(entry) => entry,
        other => panic!("expected a hit, got {other:?}"),
    }
}

fn expect_corrupt(lookup: Lookup) -> String {
    match lookup {
        Lookup::Corrupt { reason } => reason,
        other => panic!("expected a corrupt entry, got {other:?}"),
    }
}

/// Temp files anywhere under the store root.
fn temp_files(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut dirs = vec![root.to_owned()];
    while let Some(dir) = dirs.pop() {
        for item in fs::read_dir(dir).unwrap() {
            let path = item.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.file_name().unwrap().to_string_lossy().contains(".tmp") {
                found.push(path);
            }
        }
    }
    found
}

/// Deterministic pseudo-random bytes.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len];
    blake3::Hasher::new()
        .update(&seed.to_le_bytes())
        .finalize_xof()
        .fill(&mut out);
    out
}

// ---- keys ----------------------------------------------------------------------------------

#[test]
fn key_is_blake3_shown_as_lowercase_hex() {
    let k = Key::of(b"abc");
    let hex = "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85";
    assert_eq!(k.to_hex(), hex);
    assert_eq!(k.to_string(), hex);
    assert_eq!(format!("{k:?}"), format!("Key({hex})"));
    assert_eq!(k.short(), "6437b3ac3846");
    assert_eq!(Key::from_hex(hex), Some(k));
}

#[test]
fn key_from_hex_accepts_only_its_own_output() {
    let hex = Key::of(b"abc").to_hex();
    assert_eq!(Key::from_hex(&hex.to_uppercase()), None);
    assert_eq!(Key::from_hex(&hex[..63]), None);
    assert_eq!(Key::from_hex(&format!("{hex}0")), None);
    assert_eq!(Key::from_hex(&hex.replace('b', "g")), None);
    assert_eq!(Key::from_hex(""), None);
    assert_eq!(Key::from_hex(&"é".repeat(32)), None);
}

#[test]
fn key_serializes_as_hex_string() {
    let k = Key::of(b"abc");
    let json = serde_json::to_string(&k).unwrap();
    assert_eq!(json, format!("\"{}\"", k.to_hex()));
    assert_eq!(serde_json::from_str::<Key>(&json).unwrap(), k);
    assert!(serde_json::from_str::<Key>("\"abc\"").is_err());
}

// ---- opening and versions ------------------------------------------------------------------

#[test]
fn open_creates_a_versioned_store_and_reopens_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("a/b/cache");
    let store = Store::open(&root).unwrap();
    assert_eq!(store.root(), root);
    assert_eq!(
        fs::read_to_string(root.join("VERSION")).unwrap(),
        format!("{FORMAT_VERSION}\n")
    );
    store.put(&key("x"), b"payload", b"").unwrap();

    let again = Store::open(&root).unwrap();
    assert_eq!(
        expect_hit(again.get(&key("x")).unwrap()).payload,
        b"payload"
    );
    assert!(temp_files(&root).is_empty());
}

#[test]
fn a_store_from_a_newer_format_is_refused_and_left_alone() {
    let (_dir, store) = new_store();
    store.put(&key("x"), b"payload", b"").unwrap();
    let version = store.root().join("VERSION");
    fs::write(&version, "2\n").unwrap();

    let err = Store::open(store.root()).unwrap_err();
    assert!(
        matches!(&err, Error::FutureVersion { found: 2, supported: 1, path } if *path == version),
        "{err:?}"
    );
    assert!(err.to_string().contains("newer"), "{err}");
    assert!(
        err.to_string().contains(&version.display().to_string()),
        "{err}"
    );
    assert_eq!(fs::read_to_string(&version).unwrap(), "2\n");
    assert!(entry_path(&store, &key("x")).exists());
}

#[test]
fn an_unreadable_version_file_is_refused() {
    let (_dir, store) = new_store();
    fs::write(store.root().join("VERSION"), "banana").unwrap();
    let err = Store::open(store.root()).unwrap_err();
    assert!(
        matches!(&err, Error::BadVersion { content, .. } if content == "banana"),
        "{err:?}"
    );
}

#[test]
fn opening_a_store_on_a_file_is_an_io_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    fs::write(&file, "").unwrap();
    let err = Store::open(&file).unwrap_err();
    assert!(
        matches!(&err, Error::Io { path, .. } if path.starts_with(&file)),
        "{err:?}"
    );
    assert!(
        err.to_string().contains(&file.display().to_string()),
        "{err}"
    );
}

// ---- put and get ---------------------------------------------------------------------------

#[test]
fn put_then_get_round_trips_payload_hash_and_meta() {
    let (_dir, store) = new_store();
    let payload = noise(1, 100_000);
    let hash = store.put(&key("a"), &payload, br#"{"secs":1.5}"#).unwrap();
    assert_eq!(hash, Key::of(&payload));

    let entry = expect_hit(store.get(&key("a")).unwrap());
    assert_eq!(
        entry,
        Entry {
            payload,
            hash,
            meta: br#"{"secs":1.5}"#.to_vec()
        }
    );
}

#[test]
fn empty_payload_and_meta_round_trip() {
    let (_dir, store) = new_store();
    store.put(&key("empty"), b"", b"").unwrap();
    let entry = expect_hit(store.get(&key("empty")).unwrap());
    assert_eq!(
        entry,
        Entry {
            payload: vec![],
            hash: Key::of(b""),
            meta: vec![]
        }
    );
}

#[test]
fn put_replaces_an_existing_entry() {
    let (_dir, store) = new_store();
    store.put(&key("a"), b"old", b"1").unwrap();
    store.put(&key("a"), b"new", b"2").unwrap();
    let entry = expect_hit(store.get(&key("a")).unwrap());
    assert_eq!(
        (entry.payload, entry.meta),
        (b"new".to_vec(), b"2".to_vec())
    );
    assert_eq!(store.keys().unwrap(), vec![key("a")]);
}

#[test]
fn an_absent_key_is_missing() {
    let (_dir, store) = new_store();
    assert_eq!(store.get(&key("nothing")).unwrap(), Lookup::Missing);
    assert_eq!(store.peek(&key("nothing")).unwrap(), None);
}

#[test]
fn meta_over_the_limit_is_refused_and_writes_nothing() {
    let (_dir, store) = new_store();
    let err = store
        .put(&key("a"), b"x", &vec![b' '; MAX_META_LEN + 1])
        .unwrap_err();
    assert!(matches!(err, Error::MetaTooLarge { .. }), "{err:?}");
    assert_eq!(store.get(&key("a")).unwrap(), Lookup::Missing);
    store
        .put(&key("a"), b"x", &vec![b' '; MAX_META_LEN])
        .unwrap();
}

// ---- damage --------------------------------------------------------------------------------

#[test]
fn a_corrupt_payload_byte_is_reported_once_then_missing() {
    let (_dir, store) = new_store();
    store.put(&key("a"), b"some payload bytes", b"{}").unwrap();
    let path = entry_path(&store, &key("a"));
    let mut bytes = fs::read(&path).unwrap();
    *bytes.last_mut().unwrap() ^= 1;
    fs::write(&path, bytes).unwrap();

    let reason = expect_corrupt(store.get(&key("a")).unwrap());
    assert!(reason.contains("hash mismatch"), "{reason}");
    assert!(!path.exists(), "a corrupt entry is evicted");
    assert_eq!(store.get(&key("a")).unwrap(), Lookup::Missing);
}

#[test]
fn flipping_any_single_byte_makes_the_entry_corrupt() {
    let (_dir, store) = new_store();
    let path = entry_path(&store, &key("a"));
    store.put(&key("a"), b"payload", br#"{"m":1}"#).unwrap();
    let good = fs::read(&path).unwrap();
    for i in 0..good.len() {
        let mut bad = good.clone();
        bad[i] ^= 0x80;
        fs::write(&path, &bad).unwrap();
        expect_corrupt(store.get(&key("a")).unwrap());
        assert_eq!(store.get(&key("a")).unwrap(), Lookup::Missing, "byte {i}");
    }
}

#[test]
fn every_truncation_and_any_trailing_byte_makes_the_entry_corrupt() {
    let (_dir, store) = new_store();
    let path = entry_path(&store, &key("a"));
    store.put(&key("a"), b"payload", b"meta").unwrap();
    let good = fs::read(&path).unwrap();
    for n in 0..good.len() {
        fs::write(&path, &good[..n]).unwrap();
        let reason = expect_corrupt(store.get(&key("a")).unwrap());
        assert!(reason.contains("truncated"), "length {n}: {reason}");
    }
    fs::write(&path, [&good[..], b"x"].concat()).unwrap();
    let reason = expect_corrupt(store.get(&key("a")).unwrap());
    assert!(reason.contains("trailing"), "{reason}");
}

#[test]
fn header_garbage_is_corrupt_with_a_reason() {
    let (_dir, store) = new_store();
    let path = entry_path(&store, &key("a"));
    store.put(&key("a"), b"payload", b"meta").unwrap();
    let good = fs::read(&path).unwrap();
    let patched = |at: usize, bytes: &[u8]| {
        let mut bad = good.clone();
        bad[at..at + bytes.len()].copy_from_slice(bytes);
        bad
    };
    let cases: [(&str, Vec<u8>); 5] = [
        ("magic", patched(0, b"NOTCACHE")),
        ("version 2", patched(8, &2u32.to_le_bytes())),
        ("overflows", patched(12, &u64::MAX.to_le_bytes())),
        ("meta length", patched(52, &u32::MAX.to_le_bytes())),
        ("checksum", patched(56, b"META")),
    ];
    for (expected, bytes) in cases {
        fs::write(&path, bytes).unwrap();
        let reason = expect_corrupt(store.get(&key("a")).unwrap());
        assert!(
            reason.contains(expected),
            "expected {expected:?} in {reason:?}"
        );
    }
}

#[test]
fn arbitrary_file_contents_never_panic() {
    let (_dir, store) = new_store();
    let path = entry_path(&store, &key("a"));
    store.put(&key("a"), b"", b"").unwrap();
    let header = fs::read(&path).unwrap();
    for seed in 0..300 {
        let mut bytes = noise(seed, seed as usize);
        // Half the cases start with a valid header prefix to get past the magic check.
        if seed % 2 == 0 {
            let n = bytes.len().min(header.len() - 1);
            bytes[..n].copy_from_slice(&header[..n]);
        }
        fs::write(&path, &bytes).unwrap();
        if bytes == header {
            continue; // the one valid file this can produce
        }
        assert_eq!(store.peek(&key("a")).unwrap(), None, "seed {seed}");
        expect_corrupt(store.get(&key("a")).unwrap());
    }
}

#[test]
fn peek_reads_the_header_without_hashing_the_payload() {
    let (_dir, store) = new_store();
    let hash = store.put(&key("a"), b"payload", b"meta").unwrap();
    let expected = EntryMeta {
        len: 7,
        hash,
        meta: b"meta".to_vec(),
    };
    assert_eq!(store.peek(&key("a")).unwrap(), Some(expected.clone()));

    // Payload damage is invisible to peek (that is what makes it cheap) but not to get.
    let path = entry_path(&store, &key("a"));
    let mut bytes = fs::read(&path).unwrap();
    *bytes.last_mut().unwrap() ^= 1;
    fs::write(&path, &bytes).unwrap();
    assert_eq!(store.peek(&key("a")).unwrap(), Some(expected));

    // Header damage is visible; peek reports it as absent and leaves the file for get to evict.
    bytes[0] ^= 1;
    fs::write(&path, &bytes).unwrap();
    assert_eq!(store.peek(&key("a")).unwrap(), None);
    assert!(path.exists());
    expect_corrupt(store.get(&key("a")).unwrap());
}

#[test]
fn an_interrupted_write_leaves_no_entry_and_gc_sweeps_it() {
    let (_dir, store) = new_store();
    store.put(&key("a"), &noise(2, 1000), b"").unwrap();
    let path = entry_path(&store, &key("a"));
    let full = fs::read(&path).unwrap();
    fs::remove_file(&path).unwrap();
    // What a writer killed half-way leaves behind: a partial temp file nobody holds.
    let temp = path.with_file_name(format!("{}.tmp-4242-0", key("a")));
    fs::write(&temp, &full[..500]).unwrap();

    assert_eq!(store.get(&key("a")).unwrap(), Lookup::Missing);
    assert_eq!(store.keys().unwrap(), vec![]);
    let report = store.gc(&BTreeSet::new()).unwrap();
    assert_eq!(
        report,
        GcReport {
            entries_removed: 0,
            temps_removed: 1,
            bytes_freed: 500
        }
    );
    assert!(!temp.exists());
}

// ---- listing, gc, verify, clear ------------------------------------------------------------

#[test]
fn keys_lists_entries_sorted_and_nothing_else() {
    let (_dir, store) = new_store();
    let mut expected: Vec<Key> = (0..20).map(|i| key(&i.to_string())).collect();
    for k in &expected {
        store.put(k, k.to_hex().as_bytes(), b"").unwrap();
    }
    expected.sort();
    let shard = entry_path(&store, &expected[0])
        .parent()
        .unwrap()
        .to_owned();
    fs::write(shard.join(format!("{}.tmp-1-1", expected[0])), "partial").unwrap();
    fs::write(shard.join("README"), "stray").unwrap();
    // A well-formed name in the wrong shard is not an entry.
    let misplaced = Key([0xff; 32]);
    fs::write(shard.join(misplaced.to_hex()), "stray").unwrap();
    assert_eq!(store.keys().unwrap(), expected);
}

#[test]
fn gc_keeps_exactly_the_kept_keys() {
    let (_dir, store) = new_store();
    let all: Vec<Key> = (0..6).map(|i| key(&format!("k{i}"))).collect();
    for (i, k) in all.iter().enumerate() {
        store.put(k, &noise(i as u64, 100 * i), b"{}").unwrap();
    }
    let keep: BTreeSet<Key> = [all[1], all[4], key("never stored")].into();
    let dropped_bytes: u64 = all
        .iter()
        .filter(|k| !keep.contains(k))
        .map(|k| fs::metadata(entry_path(&store, k)).unwrap().len())
        .sum();

    let report = store.gc(&keep).unwrap();
    assert_eq!(
        report,
        GcReport {
            entries_removed: 4,
            temps_removed: 0,
            bytes_freed: dropped_bytes
        }
    );
    let mut kept = vec![all[1], all[4]];
    kept.sort();
    assert_eq!(store.keys().unwrap(), kept);
    for k in kept {
        expect_hit(store.get(&k).unwrap());
    }
    assert_eq!(
        store.gc(&keep).unwrap(),
        GcReport::default(),
        "gc is idempotent"
    );
}

#[test]
fn gc_spares_a_temp_file_whose_writer_still_holds_it() {
    let (_dir, store) = new_store();
    store.put(&key("a"), b"x", b"").unwrap();
    let shard = entry_path(&store, &key("a")).parent().unwrap().to_owned();
    let live = shard.join(format!("{}.tmp-1-7", key("b")));
    let stale = shard.join(format!("{}.tmp-1-8", key("c")));
    fs::write(&live, "being written").unwrap();
    fs::write(&stale, "left over").unwrap();
    let writer = File::open(&live).unwrap();
    writer.lock().unwrap();

    let report = store.gc(&[key("a")].into()).unwrap();
    assert_eq!(report.temps_removed, 1);
    assert!(live.exists() && !stale.exists());
    drop(writer);
    assert_eq!(store.gc(&[key("a")].into()).unwrap().temps_removed, 1);
    assert!(!live.exists());
}

#[cfg(unix)]
#[test]
fn gc_removes_lock_files_of_dropped_keys_unless_held() {
    let (_dir, store) = new_store();
    let lock_file = |k: &Key| store.root().join("locks").join(format!("{k}.lock"));
    for name in ["kept", "dropped", "held"] {
        drop(store.lock(&key(name)).unwrap());
    }
    let held = store.lock(&key("held")).unwrap();
    store.gc(&[key("kept")].into()).unwrap();
    assert!(lock_file(&key("kept")).exists());
    assert!(!lock_file(&key("dropped")).exists());
    assert!(lock_file(&key("held")).exists());
    drop(held);
    // A removed lock file is simply recreated.
    drop(store.lock(&key("dropped")).unwrap());
}

#[cfg(unix)]
#[test]
fn a_waiter_whose_lock_file_was_removed_starts_over() {
    let (_dir, store) = new_store();
    let k = key("a");
    let path = store.root().join("locks").join(format!("{k}.lock"));
    drop(store.lock(&k).unwrap());
    // Play gc: hold the lock file's lock, so the waiter below blocks on this very file.
    let gc_handle = File::open(&path).unwrap();
    gc_handle.lock().unwrap();
    let acquired = Arc::new(AtomicBool::new(false));
    let waiter = {
        let (store, acquired) = (store.clone(), acquired.clone());
        thread::spawn(move || {
            let _guard = store.lock(&k).unwrap();
            acquired.store(true, Ordering::SeqCst);
        })
    };
    thread::sleep(Duration::from_millis(100));
    // gc deletes the file under its lock; meanwhile a new holder locks the recreated file.
    fs::remove_file(&path).unwrap();
    let holder = store
        .try_lock(&k)
        .unwrap()
        .expect("the waiter must still be blocked on the old file");
    drop(gc_handle);
    thread::sleep(Duration::from_millis(100));
    assert!(
        !acquired.load(Ordering::SeqCst),
        "the waiter got a lock on a deleted file"
    );
    drop(holder);
    waiter.join().unwrap();
    assert!(acquired.load(Ordering::SeqCst));
}

#[test]
fn verify_all_finds_and_evicts_corrupt_entries() {
    let (_dir, store) = new_store();
    for name in ["a", "b", "c"] {
        store
            .put(&key(name), name.repeat(100).as_bytes(), b"")
            .unwrap();
    }
    let path = entry_path(&store, &key("b"));
    let mut bytes = fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] = b'z';
    fs::write(&path, bytes).unwrap();

    let report = store.verify_all().unwrap();
    assert_eq!(report.checked, 3);
    assert_eq!(report.corrupt.len(), 1);
    assert_eq!(report.corrupt[0].0, key("b"));
    assert!(report.corrupt[0].1.contains("hash mismatch"));
    assert_eq!(store.get(&key("b")).unwrap(), Lookup::Missing);
    expect_hit(store.get(&key("a")).unwrap());
    expect_hit(store.get(&key("c")).unwrap());
    assert!(store.verify_all().unwrap().corrupt.is_empty());
}

#[test]
fn clear_empties_the_store_which_stays_usable() {
    let (_dir, store) = new_store();
    store.put(&key("a"), b"x", b"").unwrap();
    drop(store.lock(&key("a")).unwrap());
    fs::write(store.root().join("stray"), "x").unwrap();

    store.clear().unwrap();
    assert_eq!(store.keys().unwrap(), vec![]);
    assert!(!store.root().join("stray").exists());
    assert!(store.root().join("VERSION").exists());
    store.put(&key("a"), b"y", b"").unwrap();
    assert_eq!(expect_hit(store.get(&key("a")).unwrap()).payload, b"y");
}

// ---- errors --------------------------------------------------------------------------------

#[test]
fn a_put_that_cannot_create_its_directory_names_the_path() {
    let (_dir, store) = new_store();
    let shard = entry_path(&store, &key("a")).parent().unwrap().to_owned();
    fs::write(&shard, "a file where the shard directory should be").unwrap();

    let err = store.put(&key("a"), b"x", b"").unwrap_err();
    assert!(
        matches!(&err, Error::Io { path, .. } if *path == shard),
        "{err:?}"
    );
    assert!(
        err.to_string().contains(&shard.display().to_string()),
        "{err}"
    );
}

#[test]
fn a_failed_put_leaves_no_entry_and_no_temp_file() {
    let (_dir, store) = new_store();
    // A non-empty directory at the entry's path makes the final rename fail.
    let path = entry_path(&store, &key("a"));
    fs::create_dir_all(path.join("blocker")).unwrap();

    let err = store.put(&key("a"), b"payload", b"").unwrap_err();
    assert!(
        matches!(&err, Error::Io { op: "rename into place", path: p, .. } if *p == path),
        "{err:?}"
    );
    assert!(temp_files(store.root()).is_empty());
    assert!(store.keys().unwrap().is_empty());
}

#[test]
fn an_unreadable_entry_is_an_error_not_a_miss() {
    let (_dir, store) = new_store();
    let path = entry_path(&store, &key("a"));
    fs::create_dir_all(&path).unwrap();
    let err = store.get(&key("a")).unwrap_err();
    assert!(
        matches!(&err, Error::Io { path: p, .. } if *p == path),
        "{err:?}"
    );
}

// ---- the stat index ------------------------------------------------------------------------

/// A probe that read and hashed the entry.
fn expect_read(probe: Probe) -> Entry {
    match probe {
        Probe::Hit {
            entry: Some(entry), ..
        } => entry,
        other => panic!("expected a hit that read the entry, got {other:?}"),
    }
}

/// A probe that the stat index answered without reading the entry.
fn expect_vouched(probe: Probe) -> Key {
    match probe {
        Probe::Hit { hash, entry: None } => hash,
        other => panic!("expected a hit from the stat index, got {other:?}"),
    }
}

#[test]
fn a_fresh_entry_is_read_on_every_probe_until_it_settles() {
    let (_dir, store) = new_store();
    let hash = store.put(&key("a"), b"payload", b"").unwrap();
    let stamp = Stamp::read(&entry_path(&store, &key("a")))
        .unwrap()
        .unwrap();
    assert!(!stamp.is_settled(), "just written");
    // A file changed within the timestamp granularity after a check could keep its stamp: so a
    // young entry is never vouched for.
    assert_eq!(expect_read(store.probe(&key("a")).unwrap()).hash, hash);
    assert_eq!(expect_read(store.probe(&key("a")).unwrap()).hash, hash);
    assert_eq!(store.probe(&key("b")).unwrap(), Probe::Missing);
}

#[test]
fn a_settled_entry_is_vouched_for_after_one_full_check_even_by_a_new_process() {
    let (_dir, store) = new_store();
    let hash = store.put(&key("a"), b"payload", b"").unwrap();
    std::thread::sleep(SETTLE + Duration::from_millis(100));
    assert!(
        Stamp::read(&entry_path(&store, &key("a")))
            .unwrap()
            .unwrap()
            .is_settled()
    );
    assert_eq!(expect_read(store.probe(&key("a")).unwrap()).hash, hash);
    assert_eq!(expect_vouched(store.probe(&key("a")).unwrap()), hash);
    store.save_index().unwrap();
    let again = Store::open(store.root()).unwrap();
    assert_eq!(expect_vouched(again.probe(&key("a")).unwrap()), hash);
    // `get` always reads and hashes.
    assert_eq!(
        expect_hit(again.get(&key("a")).unwrap()).payload,
        b"payload"
    );
}

#[test]
fn any_change_to_a_vouched_file_is_seen() {
    let (_dir, store) = new_store();
    for name in ["flip", "truncate", "delete", "touch", "replace"] {
        store.put(&key(name), &noise(1, 1000), b"").unwrap();
        assert!(store.vouch(&key(name)).unwrap());
        expect_vouched(store.probe(&key(name)).unwrap());
    }
    let path = |name: &str| entry_path(&store, &key(name));
    let mut bytes = fs::read(path("flip")).unwrap();
    bytes[500] ^= 1;
    fs::write(path("flip"), &bytes).unwrap();
    let len = fs::metadata(path("truncate")).unwrap().len();
    File::options()
        .write(true)
        .open(path("truncate"))
        .unwrap()
        .set_len(len - 1)
        .unwrap();
    fs::remove_file(path("delete")).unwrap();
    File::options()
        .write(true)
        .open(path("touch"))
        .unwrap()
        .set_modified(SystemTime::now())
        .unwrap();
    let same = fs::read(path("replace")).unwrap();
    fs::remove_file(path("replace")).unwrap();
    fs::write(path("replace"), same).unwrap();

    assert!(expect_corrupt_probe(store.probe(&key("flip")).unwrap()).contains("hash mismatch"));
    assert!(expect_corrupt_probe(store.probe(&key("truncate")).unwrap()).contains("truncated"));
    assert_eq!(store.probe(&key("delete")).unwrap(), Probe::Missing);
    // Unchanged content under a new stamp: read again, and sound.
    expect_read(store.probe(&key("touch")).unwrap());
    expect_read(store.probe(&key("replace")).unwrap());
}

fn expect_corrupt_probe(probe: Probe) -> String {
    match probe {
        Probe::Corrupt { reason } => reason,
        other => panic!("expected a corrupt entry, got {other:?}"),
    }
}

#[test]
fn damage_under_an_unchanged_stamp_is_caught_when_the_payload_is_read() {
    // The trade-off of the stat index, made visible: forge a record for a damaged file.
    let (_dir, store) = new_store();
    store.put(&key("a"), &noise(2, 1000), b"").unwrap();
    let path = entry_path(&store, &key("a"));
    let mut bytes = fs::read(&path).unwrap();
    bytes[600] ^= 1;
    fs::write(&path, &bytes).unwrap();
    assert!(store.vouch(&key("a")).unwrap());
    expect_vouched(store.probe(&key("a")).unwrap());
    let reason = expect_corrupt(store.get(&key("a")).unwrap());
    assert!(reason.contains("hash mismatch"), "{reason}");
    assert_eq!(store.probe(&key("a")).unwrap(), Probe::Missing);

    store.put(&key("b"), &noise(3, 1000), b"").unwrap();
    let path = entry_path(&store, &key("b"));
    let mut bytes = fs::read(&path).unwrap();
    bytes[700] ^= 1;
    fs::write(&path, &bytes).unwrap();
    assert!(store.vouch(&key("b")).unwrap());
    let report = store.verify_all().unwrap();
    assert_eq!(report.corrupt.len(), 1, "verify_all ignores the index");
}

#[test]
fn concurrent_savers_merge_their_records() {
    let (_dir, store) = new_store();
    let other = Store::open(store.root()).unwrap();
    store.put(&key("a"), b"a", b"").unwrap();
    store.put(&key("b"), b"b", b"").unwrap();
    assert!(store.vouch(&key("a")).unwrap());
    assert!(other.vouch(&key("b")).unwrap());
    store.save_index().unwrap();
    other.save_index().unwrap();
    let third = Store::open(store.root()).unwrap();
    expect_vouched(third.probe(&key("a")).unwrap());
    expect_vouched(third.probe(&key("b")).unwrap());
    assert!(temp_files(store.root()).is_empty());
}

#[test]
fn a_damaged_index_file_reads_as_empty() {
    let (_dir, store) = new_store();
    store.put(&key("a"), b"a", b"").unwrap();
    assert!(store.vouch(&key("a")).unwrap());
    store.save_index().unwrap();
    let index = store.root().join("index");
    let mut bytes = fs::read(&index).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    fs::write(&index, &bytes).unwrap();
    let again = Store::open(store.root()).unwrap();
    expect_read(again.probe(&key("a")).unwrap());
    fs::write(&index, b"garbage").unwrap();
    let again = Store::open(store.root()).unwrap();
    expect_read(again.probe(&key("a")).unwrap());
}

#[test]
fn gc_and_clear_forget_their_entries() {
    let (_dir, store) = new_store();
    for name in ["a", "b"] {
        store.put(&key(name), name.as_bytes(), b"").unwrap();
        assert!(store.vouch(&key(name)).unwrap());
    }
    store.save_index().unwrap();
    store.gc(&BTreeSet::from([key("a")])).unwrap();
    let index = fs::read(store.root().join("index")).unwrap();
    let records = crate::index::decode(&index).unwrap();
    assert_eq!(records.keys().collect::<Vec<_>>(), vec![&key("a")]);
    store.clear().unwrap();
    assert_eq!(store.probe(&key("a")).unwrap(), Probe::Missing);
    assert!(!store.root().join("index").exists());
}

#[test]
fn hash_of_uses_the_index_or_the_header() {
    let (_dir, store) = new_store();
    let hash = store.put(&key("a"), b"payload", b"").unwrap();
    assert_eq!(store.hash_of(&key("a")).unwrap(), Some(hash));
    assert!(store.vouch(&key("a")).unwrap());
    assert_eq!(store.hash_of(&key("a")).unwrap(), Some(hash));
    assert_eq!(store.hash_of(&key("b")).unwrap(), None);
}

// ---- concurrency ---------------------------------------------------------------------------

#[test]
fn lock_serialises_threads_on_the_same_key() {
    let (_dir, store) = new_store();
    let inside = Arc::new(AtomicBool::new(false));
    let counter = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let (store, inside, counter) = (store.clone(), inside.clone(), counter.clone());
            thread::spawn(move || {
                for _ in 0..25 {
                    let _guard = store.lock(&key("shared")).unwrap();
                    assert!(!inside.swap(true, Ordering::SeqCst), "two holders at once");
                    // A non-atomic read-modify-write: overlapping holders would lose updates.
                    let seen = counter.load(Ordering::SeqCst);
                    thread::sleep(Duration::from_micros(200));
                    counter.store(seen + 1, Ordering::SeqCst);
                    inside.store(false, Ordering::SeqCst);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(counter.load(Ordering::SeqCst), 50);
}

#[test]
fn try_lock_fails_while_held_and_keys_lock_independently() {
    let (_dir, store) = new_store();
    let guard = store.lock(&key("a")).unwrap();
    assert!(guard.path().ends_with(format!("locks/{}.lock", key("a"))));
    assert!(store.try_lock(&key("a")).unwrap().is_none());
    assert!(store.try_lock(&key("b")).unwrap().is_some());
    drop(guard);
    assert!(store.try_lock(&key("a")).unwrap().is_some());
}

#[test]
fn double_checked_locking_computes_each_key_once() {
    let (_dir, store) = new_store();
    let computed = Arc::new(AtomicUsize::new(0));
    let start = Arc::new(Barrier::new(4));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (store, computed, start) = (store.clone(), computed.clone(), start.clone());
            thread::spawn(move || {
                start.wait();
                let k = key("stage");
                if let Lookup::Hit(entry) = store.get(&k).unwrap() {
                    return entry.payload;
                }
                let _guard = store.lock(&k).unwrap();
                if let Lookup::Hit(entry) = store.get(&k).unwrap() {
                    return entry.payload;
                }
                computed.fetch_add(1, Ordering::SeqCst);
                thread::sleep(Duration::from_millis(20));
                store.put(&k, b"result", b"").unwrap();
                b"result".to_vec()
            })
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), b"result");
    }
    assert_eq!(computed.load(Ordering::SeqCst), 1);
}

#[test]
fn concurrent_puts_of_one_key_leave_one_valid_entry() {
    let (_dir, store) = new_store();
    let threads: Vec<_> = (0..4)
        .map(|i| {
            let store = store.clone();
            thread::spawn(move || {
                for j in 0..20 {
                    store
                        .put(&key("k"), &noise(i * 100 + j, 10_000), b"")
                        .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    expect_hit(store.get(&key("k")).unwrap());
    assert!(temp_files(store.root()).is_empty());
}

// ---- digest_tree ---------------------------------------------------------------------------

/// Writes `files` (relative path, content) under a fresh temp dir, in the given order.
fn tree(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (rel, content) in files {
        let path = dir.path().join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }
    dir
}

const SOURCES: &[(&str, &str)] = &[
    ("Cargo.toml", "[package]"),
    ("src/lib.rs", "mod a;"),
    ("src/a.rs", "fn a() {}"),
];

#[test]
fn digest_tree_is_independent_of_creation_order() {
    let mut reversed = SOURCES.to_vec();
    reversed.reverse();
    assert_eq!(
        digest_tree(tree(SOURCES).path()).unwrap(),
        digest_tree(tree(&reversed).path()).unwrap()
    );
}

#[test]
fn digest_tree_changes_with_content_names_and_boundaries() {
    let base = digest_tree(tree(SOURCES).path()).unwrap();
    let variants: [&[(&str, &str)]; 5] = [
        &[
            ("Cargo.toml", "[package]"),
            ("src/lib.rs", "mod a;"),
            ("src/a.rs", "fn a() { }"),
        ],
        &[
            ("Cargo.toml", "[package]"),
            ("src/lib.rs", "mod a;"),
            ("src/b.rs", "fn a() {}"),
        ],
        &[
            ("Cargo.toml", "[package]"),
            ("src/lib.rs", "mod a;"),
            ("a.rs", "fn a() {}"),
        ],
        &[
            ("Cargo.toml", "[package]"),
            ("src/lib.rs", "mod a;"),
            ("src/a.rs", "fn a() {}"),
            ("src/c.rs", ""),
        ],
        &[
            ("Cargo.toml", "[package]"),
            ("src/lib.rs", "mod a;fn a() {}"),
            ("src/a.rs", ""),
        ],
    ];
    for files in variants {
        assert_ne!(digest_tree(tree(files).path()).unwrap(), base, "{files:?}");
    }
}

#[test]
fn digest_tree_ignores_mtimes() {
    let dir = tree(SOURCES);
    let before = digest_tree(dir.path()).unwrap();
    let file = File::options()
        .write(true)
        .open(dir.path().join("src/a.rs"))
        .unwrap();
    file.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000))
        .unwrap();
    drop(file);
    assert_eq!(digest_tree(dir.path()).unwrap(), before);
}

#[test]
fn digest_tree_skips_target_and_hidden_entries() {
    let clean = digest_tree(tree(SOURCES).path()).unwrap();
    let mut noisy = SOURCES.to_vec();
    noisy.extend([
        ("target/debug/out", "binary"),
        ("src/target/x", "nested target dir"),
        (".git/HEAD", "ref"),
        ("src/.a.rs.swp", "editor"),
    ]);
    assert_eq!(digest_tree(tree(&noisy).path()).unwrap(), clean);
    // Only directories named `target` are skipped, not files.
    let with_target_file = [SOURCES, &[("src/target", "a file")]].concat();
    assert_ne!(digest_tree(tree(&with_target_file).path()).unwrap(), clean);
}

#[test]
fn digest_tree_of_a_missing_dir_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    let err = digest_tree(&missing).unwrap_err();
    assert!(
        err.to_string().contains(&missing.display().to_string()),
        "{err}"
    );
}

#[test]
fn vouched_answers_from_the_index_only_and_never_reads() {
    let (_dir, store) = new_store();
    store.put(&key("a"), b"payload", b"").unwrap();
    // A fresh entry is not in the index: `vouched` does not read it to find out.
    assert_eq!(store.vouched(&key("a")).unwrap(), None);
    assert_eq!(store.vouched(&key("nothing")).unwrap(), None);
    assert!(store.vouch(&key("a")).unwrap());
    assert_eq!(store.vouched(&key("a")).unwrap(), Some(Key::of(b"payload")));
    // A changed file (here its length, as a write in the same clock tick may keep the times)
    // has another stamp: no longer vouched for.
    let path = entry_path(&store, &key("a"));
    let mut bytes = fs::read(&path).unwrap();
    bytes.push(0);
    fs::write(&path, &bytes).unwrap();
    assert_eq!(store.vouched(&key("a")).unwrap(), None);
    // Nor is a deleted entry.
    store.put(&key("a"), b"payload", b"").unwrap();
    assert!(store.vouch(&key("a")).unwrap());
    assert!(store.vouched(&key("a")).unwrap().is_some());
    fs::remove_file(&path).unwrap();
    assert_eq!(store.vouched(&key("a")).unwrap(), None);
}
