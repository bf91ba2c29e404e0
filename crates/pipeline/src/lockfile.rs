//! Per-figure lock records (`figures/chNN/<slug>.lock`): final key, output hashes, platform.
//!
//! One small file per figure keeps merges painless. `build` writes it (only when it changes);
//! `verify` rebuilds from an empty cache and compares against it.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

const HEADER: &str =
    "# Written by `pipeline build`; checked by `pipeline verify`. Do not edit by hand.\n";

/// The lock record of one figure.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FigureLock {
    /// Figure id.
    pub figure: String,
    /// Platform the outputs were made on.
    pub platform: String,
    /// Key of the figure's final (plot) stage.
    pub key: String,
    /// Output name -> blake3 of its bytes.
    pub outputs: BTreeMap<String, String>,
}

impl FigureLock {
    /// Reads a lock; `Ok(None)` if there is none.
    pub fn read(path: &Path) -> Result<Option<FigureLock>, String> {
        match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str(&text)
                .map(Some)
                .map_err(|e| format!("{}: invalid lock: {}", path.display(), e.message())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("cannot read {}: {e}", path.display())),
        }
    }

    /// The file's text.
    pub fn to_text(&self) -> String {
        format!(
            "{HEADER}{}",
            toml::to_string(self).expect("lock serialises")
        )
    }

    /// Writes the lock if its content differs from what is on disk; returns whether it wrote.
    pub fn write_if_changed(&self, path: &Path) -> Result<bool, String> {
        crate::output::write_if_changed(path, self.to_text().as_bytes())
    }
}
