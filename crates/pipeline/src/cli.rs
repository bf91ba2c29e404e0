//! Command-line interface: flags parsed with clap, one function per subcommand.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

use crate::engine::{self, BuildOptions};
use crate::exec::Action;
use crate::progress::Mode;
use crate::workspace::Workspace;

/// Rebuilds the computed figures of "Understanding Deep Learning" from TOML specs, with a content-addressed cache.
#[derive(Debug, Parser)]
#[command(name = "pipeline", version, about)]
pub struct Cli {
    /// What to do (default: build).
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Parallel stages (default: pipeline.toml's setting, or one per core).
    #[arg(long, short = 'j', global = true, default_value_t = 0)]
    pub jobs: usize,
    /// Print only errors and the summary.
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
    /// Cache directory (default: pipeline.toml's `paths.cache`, `.cache/`).
    #[arg(long, global = true)]
    pub cache: Option<PathBuf>,
    /// Workspace root (default: the nearest directory with pipeline.toml).
    #[arg(long = "workspace", short = 'C', global = true)]
    pub workspace: Option<PathBuf>,
    /// Write the execution log (JSON lines: stage, action, key) to this file.
    #[arg(long, global = true)]
    pub log: Option<PathBuf>,
    /// Print where the time went as one JSON line on stderr (`timings: {...}`; for `bench pipeline`).
    #[arg(long, global = true, hide = true)]
    pub timings: bool,
    /// Never take the whole-workspace fast path of a no-op `build` or `status` (for benchmarks
    /// and tests of the full path).
    #[arg(long, global = true, hide = true)]
    pub no_fast: bool,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Rebuild stale figures (all, or the named ones) and the book.
    Build {
        /// Figure ids (3.3) or spec names (shallow-build-up).
        figures: Vec<String>,
    },
    /// Show each figure as fresh or stale, and why.
    Status,
    /// Show a figure's stages, keys, the exact manifests hashed, and hit/miss.
    Explain {
        /// Figure id or spec name.
        figure: String,
    },
    /// Rebuild from an empty temporary cache and compare every output with the committed locks.
    Verify {
        /// Figure ids or spec names (default: all).
        figures: Vec<String>,
    },
    /// List the figures.
    List,
    /// Write a figure's plotted numbers as CSV and JSON.
    Export {
        /// Figure id or spec name.
        figure: String,
        /// Output directory.
        #[arg(long, default_value = ".")]
        out: PathBuf,
    },
    /// Remove cache entries that no current spec reaches.
    Gc,
    /// Remove the cache, the generated figures and the built book (locks stay).
    Clean,
    /// Measure speed and print figures of merit.
    Bench {
        /// What to measure.
        #[command(subcommand)]
        what: BenchCommand,
    },
    /// Cache maintenance.
    Cache {
        /// What to do with the cache.
        #[command(subcommand)]
        action: CacheCommand,
    },
}

/// `pipeline bench ...`.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Training steps per second (MNIST-1D MLP and CNN, 1 and 2 threads) and GEMM rates.
    Training {
        /// Fewer, shorter runs (a smoke test, not a measurement).
        #[arg(long)]
        quick: bool,
    },
    /// The pipeline's own overhead: no-op build and status, rebuild after a colour edit, key and
    /// lookup time per stage, plot time per figure; on a copy of the current book and on a
    /// synthetic workspace of small figures.
    Pipeline {
        /// Timed runs per measurement (the median is reported).
        #[arg(long, default_value_t = 11)]
        runs: usize,
        /// Figures in the synthetic workspace (0: measure only the book).
        #[arg(long, default_value_t = 1000)]
        figures: usize,
        /// Measure only the synthetic workspace.
        #[arg(long)]
        no_book: bool,
        /// Keep the temporary workspaces and print their paths (e.g. to profile them).
        #[arg(long)]
        keep: bool,
    },
}

/// `pipeline cache ...`.
#[derive(Debug, Subcommand)]
pub enum CacheCommand {
    /// Re-hash every entry; report and evict corrupt ones.
    Verify,
}

/// Runs the command line; errors are printed to stderr and give a non-zero exit.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn print_diagnostics(ws: &Workspace) {
    for d in &ws.diagnostics {
        eprintln!("{d}");
    }
}

fn invalid_spec_files(ws: &Workspace) -> usize {
    ws.diagnostics
        .iter()
        .map(|d| &d.file)
        .collect::<std::collections::BTreeSet<_>>()
        .len()
}

/// Appends a line to the command's standard output buffer.
macro_rules! outln {
    ($buf:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = writeln!($buf, $($arg)*);
    }};
}

/// Executes a parsed command line; standard output is written at the end, and a closed pipe
/// (`pipeline list | head`) is not an error.
pub fn run(cli: Cli) -> Result<ExitCode> {
    let mut out = String::new();
    let code = run_into(cli, &mut out);
    let mut stdout = std::io::stdout().lock();
    match std::io::Write::write_all(&mut stdout, out.as_bytes())
        .and_then(|()| std::io::Write::flush(&mut stdout))
    {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(e) => return Err(e).context("cannot write to standard output"),
        Ok(()) => {}
    }
    code
}

fn run_into(cli: Cli, out: &mut String) -> Result<ExitCode> {
    if let Some(Command::Bench {
        what: BenchCommand::Training { quick },
    }) = &cli.command
    {
        out.push_str(&crate::bench::training(*quick));
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(Command::Bench {
        what:
            BenchCommand::Pipeline {
                runs,
                figures,
                no_book,
                keep,
            },
    }) = &cli.command
    {
        let opts = crate::bench::pipeline::Options {
            runs: *runs,
            figures: *figures,
            book: !no_book,
            start: match &cli.workspace {
                Some(p) => p.clone(),
                None => std::env::current_dir().context("cannot read the current directory")?,
            },
            cache: cli.cache.clone(),
            keep: *keep,
        };
        out.push_str(&crate::bench::pipeline::run(&opts).map_err(anyhow::Error::msg)?);
        return Ok(ExitCode::SUCCESS);
    }
    let start_dir = match &cli.workspace {
        Some(p) => p.clone(),
        None => std::env::current_dir().context("cannot read the current directory")?,
    };
    let loading = std::time::Instant::now();
    let root = Workspace::find_root(&start_dir)?;
    // A no-op `build` (of everything) or `status` is answered from the last build's snapshot
    // when nothing it recorded changed (see `fast`): no spec is parsed, nothing planned.
    let fast_book = match &cli.command {
        None => Some(true),
        Some(Command::Build { figures }) if figures.is_empty() => Some(true),
        Some(Command::Status) => Some(false),
        _ => None,
    };
    let mut full_because = String::new();
    let mut edited = None;
    if let Some(book) = fast_book.filter(|_| !cli.no_fast) {
        match crate::fast::check(
            &root,
            cli.cache.as_deref(),
            &crate::digest::Digests::current(),
            book,
        ) {
            crate::fast::Check::Fresh(fresh) => return fast_command(&cli, &fresh, loading, out),
            crate::fast::Check::Edited(e) => edited = Some(e),
            crate::fast::Check::Full(why) => full_because = why,
        }
    }
    // After an edit, only the edited specs' chapters are loaded and built (the edit path);
    // anything the edit path cannot take (an invalid spec, a changed id) goes the full path.
    let mut base = None;
    let ws = match edited {
        Some(edited) => {
            let ws = Workspace::load_only(&root, cli.cache.as_deref(), &edited.specs())?;
            match edited.mismatch(&ws) {
                None => {
                    base = Some(std::sync::Arc::new(edited.snapshot));
                    ws
                }
                Some(why) => {
                    full_because = why;
                    Workspace::load(&root, cli.cache.as_deref())?
                }
            }
        }
        None => Workspace::load(&root, cli.cache.as_deref())?,
    };
    let load_ms = engine::ms_since(loading);
    let mode = if cli.quiet { Mode::Quiet } else { Mode::Auto };
    let command = cli.command.unwrap_or(Command::Build {
        figures: Vec::new(),
    });
    let specs_ok = ws.diagnostics.is_empty();
    match command {
        Command::Build { figures } => {
            print_diagnostics(&ws);
            let opts = BuildOptions {
                figures,
                jobs: cli.jobs,
                progress: mode,
                base,
                ..Default::default()
            };
            let mut report = engine::build(&ws, &opts).map_err(anyhow::Error::msg)?;
            report.timings.load = load_ms;
            report.timings.edit = opts.base.is_some();
            report.timings.full_because = full_because;
            if cli.timings {
                eprintln!("timings: {}", serde_json::to_string(&report.timings)?);
            }
            if let Some(path) = &cli.log {
                write_log(path, &report)?;
            }
            for e in &report.events {
                match e.action {
                    Action::Failed => eprintln!("error: {}", e.detail),
                    Action::Skipped => eprintln!("skipped {}: {}", e.stage, e.detail),
                    _ if !e.detail.is_empty() => eprintln!("{}", e.detail),
                    _ => {}
                }
            }
            for w in &report.warnings {
                eprintln!("warning: {w}");
            }
            for e in &report.errors {
                eprintln!("error: {e}");
            }
            eprintln!("{}", report.summary(invalid_spec_files(&ws)));
            Ok(exit(report.ok() && specs_ok))
        }
        Command::Status => {
            print_diagnostics(&ws);
            let started = std::time::Instant::now();
            let (plan, states) =
                engine::inspect_with(&ws, &[], false).map_err(anyhow::Error::msg)?;
            if cli.timings {
                let t = serde_json::json!({
                    "load": load_ms,
                    "inspect": engine::ms_since(started),
                    "fast": false,
                    "full_because": full_because,
                });
                eprintln!("timings: {t}");
            }
            let mut stale_figures = 0;
            for (fi, f) in ws.figures.iter().enumerate() {
                let mine = &states[plan.figures[&fi].clone()];
                let mut lines = Vec::new();
                for st in mine {
                    if !st.fresh {
                        lines.push(format!("    {}: {}", st.stage, st.reasons.join("; ")));
                    }
                }
                let svg = ws.figure_svg_path(f);
                if lines.is_empty() && !svg.is_file() {
                    lines.push(format!("    output {} missing", engine::rel(&ws, &svg)));
                }
                if lines.is_empty() {
                    outln!(out, "fresh  {:<6} {}", f.meta.id, f.meta.title);
                } else {
                    stale_figures += 1;
                    outln!(out, "stale  {:<6} {}", f.meta.id, f.meta.title);
                    for l in lines {
                        outln!(out, "{l}");
                    }
                }
            }
            outln!(
                out,
                "{} figures: {} fresh, {} stale",
                ws.figures.len(),
                ws.figures.len() - stale_figures,
                stale_figures
            );
            Ok(exit(specs_ok))
        }
        Command::Explain { figure } => {
            print_diagnostics(&ws);
            let (plan, states) =
                engine::inspect(&ws, std::slice::from_ref(&figure)).map_err(anyhow::Error::msg)?;
            for (s, st) in plan.stages.iter().zip(&states) {
                let state = if st.fresh { "hit" } else { "miss" };
                let key = st
                    .key
                    .map(|k| k.to_hex())
                    .unwrap_or_else(|| "(unknown until inputs are built)".into());
                outln!(out, "stage {}  [{state}]", s.id());
                outln!(out, "  key: {key}");
                if !st.fresh {
                    outln!(out, "  why: {}", st.reasons.join("; "));
                }
                match &st.manifest {
                    Some(m) => outln!(
                        out,
                        "  manifest (hashed as this exact JSON):\n  {}",
                        String::from_utf8_lossy(&m.canonical())
                    ),
                    None => outln!(out, "  manifest: not known until the inputs are built"),
                }
            }
            Ok(exit(specs_ok))
        }
        Command::Verify { figures } => {
            print_diagnostics(&ws);
            let report =
                engine::verify(&ws, &figures, cli.jobs, mode).map_err(anyhow::Error::msg)?;
            for n in &report.notes {
                eprintln!("note: {n}");
            }
            for p in &report.problems {
                eprintln!("MISMATCH {p}");
            }
            eprintln!(
                "verify: {} figures rebuilt from an empty cache, {} problems in {:.2} s",
                report.checked,
                report.problems.len(),
                report.seconds
            );
            Ok(exit(report.problems.is_empty() && specs_ok))
        }
        Command::List => {
            print_diagnostics(&ws);
            for f in &ws.figures {
                outln!(
                    out,
                    "{:<6} {:<40} {}",
                    f.meta.id,
                    f.meta.title,
                    f.path.display()
                );
            }
            Ok(exit(specs_ok))
        }
        Command::Export {
            figure,
            out: out_dir,
        } => {
            print_diagnostics(&ws);
            for p in engine::export(&ws, &figure, &out_dir).map_err(anyhow::Error::msg)? {
                outln!(out, "{}", p.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Gc => {
            let (n, bytes) = engine::gc(&ws).map_err(anyhow::Error::msg)?;
            outln!(out, "gc: removed {n} entries ({bytes} bytes)");
            Ok(ExitCode::SUCCESS)
        }
        Command::Clean => {
            for dir in [
                ws.cache_dir.clone(),
                ws.book_dir().join("build"),
                ws.book_dir().join("src").join("figures"),
            ] {
                match std::fs::remove_dir_all(&dir) {
                    Ok(()) => outln!(out, "removed {}", engine::rel(&ws, &dir)),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => {
                        return Err(e).with_context(|| format!("cannot remove {}", dir.display()));
                    }
                }
            }
            crate::bookgen::remove_generated_pages(&ws).map_err(anyhow::Error::msg)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench { .. } => unreachable!("handled before the workspace is loaded"),
        Command::Cache {
            action: CacheCommand::Verify,
        } => {
            let store = cache::Store::open(&ws.cache_dir)?;
            let r = store.verify_all()?;
            for (key, reason) in &r.corrupt {
                eprintln!("corrupt entry {key}: {reason} (evicted)");
            }
            outln!(
                out,
                "cache verify: {} entries checked, {} corrupt",
                r.checked,
                r.corrupt.len()
            );
            Ok(exit(r.corrupt.is_empty()))
        }
    }
}

/// A no-op `build` or `status` answered by the fast path: the same output as the full path.
fn fast_command(
    cli: &Cli,
    fresh: &crate::fast::Fresh,
    started: std::time::Instant,
    out: &mut String,
) -> Result<ExitCode> {
    let figures = &fresh.snapshot.figures;
    if matches!(cli.command, Some(Command::Status)) {
        if cli.timings {
            let t = serde_json::json!({"load": engine::ms_since(started), "inspect": 0.0, "fast": true});
            eprintln!("timings: {t}");
        }
        for f in figures {
            outln!(out, "fresh  {:<6} {}", f.id, f.title);
        }
        outln!(
            out,
            "{} figures: {} fresh, 0 stale",
            figures.len(),
            figures.len()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let mut report = fresh.report(cli.log.is_some());
    report.timings = engine::Timings {
        load: engine::ms_since(started),
        stages: fresh.stages(),
        fast: true,
        ..Default::default()
    };
    report.seconds = started.elapsed().as_secs_f64();
    if cli.timings {
        eprintln!("timings: {}", serde_json::to_string(&report.timings)?);
    }
    if let Some(path) = &cli.log {
        write_log(path, &report)?;
    }
    eprintln!("{}", report.summary(0));
    Ok(ExitCode::SUCCESS)
}

/// Writes the execution log (JSON lines).
fn write_log(path: &std::path::Path, report: &engine::BuildReport) -> Result<()> {
    let mut text = String::new();
    for e in &report.events {
        text.push_str(&serde_json::to_string(e)?);
        text.push('\n');
    }
    std::fs::write(path, text).with_context(|| format!("cannot write the log {}", path.display()))
}

fn exit(ok: bool) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
