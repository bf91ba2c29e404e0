//! Progress reporting: an indicatif bar on a terminal, plain lines otherwise, nothing with `--quiet`.

use std::io::IsTerminal;
use std::sync::Mutex;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

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
    multi: Option<MultiProgress>,
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
        let multi = (mode == Mode::Auto && terminal).then(MultiProgress::new);
        let (bar, plain) = match (&multi, mode) {
            (_, Mode::Quiet) => (None, false),
            (Some(multi), Mode::Auto) => {
                let bar = multi.add(ProgressBar::new(0));
                bar.set_style(
                    ProgressStyle::with_template(
                        "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} stages  {msg}",
                    )
                    .expect("valid template"),
                );
                (Some(bar), false)
            }
            (None, Mode::Auto) => (None, true),
        };
        Progress {
            multi,
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

    /// Whether [`Progress::stage_done`] shows anything (callers may skip formatting ids).
    pub fn shows_stages(&self) -> bool {
        self.bar.is_some() || self.plain
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

    /// A long-running task inside a stage (a training run) starts: a bar of its own on a
    /// terminal showing `label`, step/total, the current loss and the ETA. On a plain stream (a
    /// log, CI) a step line at a tenth of the way at most, and only once [`PLAIN_EVERY`] has
    /// passed since the task's last line, so short tasks (a sweep of small trainings) print
    /// nothing but the line of their finished stage, and long ones at most ten lines.
    pub fn task(&self, label: &str, total: u64) -> Task {
        let bar = self.multi.as_ref().map(|m| {
            let bar = m.add(ProgressBar::new(total));
            bar.set_style(
                ProgressStyle::with_template(
                    "  {prefix} {bar:20} {pos}/{len} steps  loss {msg}  ETA {eta}",
                )
                .expect("valid template"),
            );
            bar.set_prefix(label.to_string());
            bar
        });
        Task {
            bar,
            plain: self.plain,
            label: label.to_string(),
            total,
            next_line: total / 10,
            last_line: std::time::Instant::now(),
        }
    }

    /// The plan finished.
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

/// Progress of one long-running task; see [`Progress::task`]. The bar disappears when dropped.
#[derive(Debug)]
pub struct Task {
    bar: Option<ProgressBar>,
    plain: bool,
    label: String,
    total: u64,
    next_line: u64,
    /// When the task started or last printed a plain line (only paces the log).
    last_line: std::time::Instant,
}

/// The least time between two step lines of one task on a plain stream.
pub const PLAIN_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

impl Task {
    /// `step` of the total is done; the latest loss is `loss`.
    pub fn update(&mut self, step: u64, loss: f64) {
        if let Some(b) = &self.bar {
            b.set_position(step);
            if step.is_multiple_of(16) || step == self.total {
                b.set_message(format!("{loss:.4}"));
            }
        } else if self.plain && plain_line_due(step, self.next_line, self.last_line.elapsed()) {
            eprintln!(
                "  {}: step {step}/{} loss {loss:.4}",
                self.label, self.total
            );
            self.next_line = step + (self.total / 10).max(1);
            self.last_line = std::time::Instant::now();
        }
    }
}

impl Drop for Task {
    fn drop(&mut self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

/// Whether a task on a plain stream prints a step line: past the next tenth of the way, and
/// [`PLAIN_EVERY`] since its last line.
fn plain_line_due(step: u64, next_line: u64, since_last: std::time::Duration) -> bool {
    step >= next_line.max(1) && since_last >= PLAIN_EVERY
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn plain_step_lines_need_a_tenth_of_the_way_and_ten_seconds() {
        let long = PLAIN_EVERY + Duration::from_millis(1);
        assert!(plain_line_due(100, 100, long));
        assert!(!plain_line_due(99, 100, long), "before the next tenth");
        assert!(
            !plain_line_due(100, 100, Duration::from_secs(1)),
            "a short task prints no step lines"
        );
        assert!(!plain_line_due(0, 0, long), "step 0 is not progress");
    }
}
