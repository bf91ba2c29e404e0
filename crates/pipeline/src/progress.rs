//! Progress reporting: an indicatif bar on a terminal, plain lines otherwise, nothing with `--quiet`.

use std::io::IsTerminal;
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressStyle};

use crate::exec::Action;

/// How progress is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Bars when stderr is a terminal, plain lines otherwise.
    Auto,
    /// Nothing but errors and the summary.
    Quiet,
}

/// Reports stage completions while a plan executes (shared across worker threads).
pub struct Progress {
    bar: Option<ProgressBar>,
    plain: bool,
    done: Mutex<u64>,
    total: Mutex<u64>,
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Progress")
            .field("plain", &self.plain)
            .finish()
    }
}

impl Progress {
    /// A reporter for `mode`.
    pub fn new(mode: Mode) -> Progress {
        let terminal = std::io::stderr().is_terminal();
        let (bar, plain) = match mode {
            Mode::Quiet => (None, false),
            Mode::Auto if terminal => {
                let bar = ProgressBar::new(0);
                bar.set_style(
                    ProgressStyle::with_template(
                        "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} stages  {msg}",
                    )
                    .expect("valid template"),
                );
                (Some(bar), false)
            }
            Mode::Auto => (None, true),
        };
        Progress {
            bar,
            plain,
            done: Mutex::new(0),
            total: Mutex::new(0),
        }
    }

    /// A reporter that prints nothing (library use and tests).
    pub fn silent() -> Progress {
        Progress::new(Mode::Quiet)
    }

    /// A plan of `n` stages starts.
    pub fn start(&self, n: u64) {
        *self.total.lock().unwrap_or_else(|e| e.into_inner()) = n;
        *self.done.lock().unwrap_or_else(|e| e.into_inner()) = 0;
        if let Some(b) = &self.bar {
            b.set_length(n);
            b.set_position(0);
        }
    }

    /// A stage finished.
    pub fn stage_done(&self, id: &str, action: &Action, ms: f64) {
        let mut done = self.done.lock().unwrap_or_else(|e| e.into_inner());
        *done += 1;
        let total = *self.total.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(b) = &self.bar {
            b.set_position(*done);
            b.set_message(format!("{id} {}", verb(action)));
        } else if self.plain && *action != Action::Hit {
            eprintln!(
                "[{}/{}] {} {} ({:.1} ms)",
                *done,
                total,
                verb(action),
                id,
                ms
            );
        }
    }

    /// A free-form status line (e.g. "building the book").
    pub fn message(&self, msg: &str) {
        if let Some(b) = &self.bar {
            b.set_message(msg.to_string());
        } else if self.plain {
            eprintln!("{msg}");
        }
    }

    /// The plan finished.
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

fn verb(a: &Action) -> &'static str {
    match a {
        Action::Hit => "fresh",
        Action::Ran => "built",
        Action::Rebuilt => "rebuilt (corrupt entry)",
        Action::Failed => "FAILED",
        Action::Skipped => "skipped",
    }
}
