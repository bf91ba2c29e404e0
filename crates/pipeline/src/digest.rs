//! Implementation digests of the stage-computing crates, made at build time by `build.rs`.

include!(concat!(env!("OUT_DIR"), "/digests.rs"));

/// The digest of crate `name` (and the crates it uses); panics only on a programming error (unknown crate).
pub fn of(name: &str) -> &'static str {
    DIGESTS.iter().find(|(n, _)| *n == name).map(|(_, d)| *d).unwrap_or_else(|| panic!("no implementation digest for crate `{name}`"))
}
