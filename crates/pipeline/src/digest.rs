//! Implementation digests of the stage-computing crates, made at build time by `build.rs`.

use std::collections::BTreeMap;

include!(concat!(env!("OUT_DIR"), "/digests.rs"));

/// Crate name -> implementation digest (hex), as used in stage keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Digests(BTreeMap<String, String>);

impl Digests {
    /// The digests of the code this binary was built from.
    pub fn current() -> Digests {
        Digests(
            DIGESTS
                .iter()
                .map(|(n, d)| (n.to_string(), d.to_string()))
                .collect(),
        )
    }

    /// The digest of crate `name`; an unknown crate is a programming error.
    pub fn of(&self, name: &str) -> &str {
        self.0
            .get(name)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("no implementation digest for crate `{name}`"))
    }

    /// One string standing for all the digests (for the fast path's identity).
    pub fn fingerprint(&self) -> String {
        let mut s = String::new();
        for (name, digest) in &self.0 {
            s.push_str(name);
            s.push('=');
            s.push_str(digest);
            s.push('\n');
        }
        s
    }

    /// Replaces one crate's digest, as if its sources had changed (for tests and what-if `status`).
    pub fn with(mut self, name: &str, digest: &str) -> Digests {
        self.0.insert(name.to_string(), digest.to_string());
        self
    }
}
