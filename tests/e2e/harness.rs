//! Test harness: copies a fixture workspace into a temporary directory and runs the pipeline on it.
//!
//! A fixture under `tests/fixtures/<name>/` holds `pipeline.toml` and `figures/`; the harness
//! adds the project's real house style (`figures/style.toml`) and book skeleton (`book/`), so the
//! tests exercise what users get.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use pipeline::progress::Mode;
use pipeline::{BuildOptions, BuildReport, Workspace};

/// One cache for every test that builds the repository's real figures, so a figure (the
/// training ones take minutes) is computed once per test run even when several tests need it;
/// concurrent builds of one key wait on its lock instead of computing it twice.
pub fn shared_cache() -> &'static Path {
    static CACHE: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    CACHE
        .get_or_init(|| {
            tempfile::Builder::new()
                .prefix("pipeline-real-cache")
                .tempdir()
                .expect("temp dir")
        })
        .path()
}

/// The repository's real figure `figure`, built into the [`shared_cache`] without touching the
/// repository: its plotted numbers by reference.
pub fn build_real(figure: &str) -> BTreeMap<String, Vec<f64>> {
    let ws = Workspace::load(&repo_root(), Some(shared_cache())).expect("workspace loads");
    assert!(ws.diagnostics.is_empty(), "{:?}", ws.diagnostics);
    let opts = BuildOptions {
        figures: vec![figure.into()],
        write_outputs: false,
        book: false,
        ..Default::default()
    };
    let report = pipeline::build(&ws, &opts).unwrap();
    let done = report.figures[0]
        .plot
        .clone()
        .unwrap_or_else(|| panic!("{figure} failed: {:?}", report.figures[0].status));
    pipeline::plot_stage::PlotArtifact::decode(
        done.payload()
            .expect("builds without outputs load the plot"),
    )
    .unwrap()
    .series()
    .unwrap()
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// A fixture workspace in a temporary directory.
pub struct PipelineTest {
    dir: tempfile::TempDir,
}

impl PipelineTest {
    /// Copies `tests/fixtures/<fixture>` plus the real style and book skeleton into a fresh temp dir.
    pub fn new(fixture: &str) -> PipelineTest {
        let dir = tempfile::Builder::new()
            .prefix("pipeline-test")
            .tempdir()
            .expect("temp dir");
        let repo = repo_root();
        copy_dir(&repo.join("tests/fixtures").join(fixture), dir.path());
        std::fs::copy(
            repo.join("figures/style.toml"),
            dir.path().join("figures/style.toml"),
        )
        .expect("copy style");
        std::fs::create_dir_all(dir.path().join("book/src")).expect("book dir");
        for f in [
            "book/book.toml",
            "book/figures.css",
            "book/src/introduction.md",
            "book/src/writing-a-figure.md",
        ] {
            std::fs::copy(repo.join(f), dir.path().join(f))
                .unwrap_or_else(|e| panic!("copy {f}: {e}"));
        }
        PipelineTest { dir }
    }

    /// A copy of the repository's real workspace: `pipeline.toml`, the figures directory (specs,
    /// locks, style) and the book's hand-written sources, without its cache, generated pages,
    /// figure SVGs or built HTML, so a build here never touches the working tree.
    pub fn real() -> PipelineTest {
        let dir = tempfile::Builder::new()
            .prefix("pipeline-real")
            .tempdir()
            .expect("temp dir");
        let repo = repo_root();
        let paths = Workspace::load(&repo, None)
            .expect("the repository's workspace loads")
            .project
            .paths;
        std::fs::copy(repo.join("pipeline.toml"), dir.path().join("pipeline.toml"))
            .expect("copy pipeline.toml");
        copy_dir(&repo.join(&paths.figures), &dir.path().join(&paths.figures));
        if !dir.path().join(&paths.style).is_file() {
            let style = dir.path().join(&paths.style);
            std::fs::create_dir_all(style.parent().expect("style has a parent")).expect("mkdir");
            std::fs::copy(repo.join(&paths.style), style).expect("copy style");
        }
        let book = repo.join(&paths.book);
        let generated = |p: &Path| {
            let rel = p.strip_prefix(&book).expect("inside the book");
            let name = rel.to_string_lossy();
            let chapter_page = name
                .strip_prefix("src/ch")
                .and_then(|n| n.strip_suffix(".md"));
            name == "build"
                || name == "src/figures"
                || name == "src/SUMMARY.md"
                || chapter_page
                    .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        };
        copy_dir_except(&book, &dir.path().join(&paths.book), &generated);
        PipelineTest { dir }
    }

    /// Adds the repository's real figure specs (figures/chNN/*.toml) to the workspace, except
    /// those that train networks (`kind = "classifier"`): the tests that use this build the
    /// figures dozens of times, and training figures have tests of their own.
    pub fn with_real_figures(self) -> PipelineTest {
        self.with_real_chapters(&[])
    }

    /// Like [`PipelineTest::with_real_figures`], for the named chapter directories only
    /// (`["ch03", "ch04"]`; empty: all of them).
    pub fn with_real_chapters(self, chapters: &[&str]) -> PipelineTest {
        let repo = repo_root().join("figures");
        for ch in std::fs::read_dir(&repo)
            .expect("figures/")
            .flatten()
            .filter(|e| e.path().is_dir())
            .filter(|e| chapters.is_empty() || chapters.iter().any(|c| e.file_name() == *c))
        {
            let dest = self.root().join("figures").join(ch.file_name());
            std::fs::create_dir_all(&dest).expect("mkdir");
            for f in std::fs::read_dir(ch.path()).expect("chapter dir").flatten() {
                let trains = std::fs::read_to_string(f.path())
                    .is_ok_and(|text| text.contains("kind = \"classifier\""));
                if f.path().extension().is_some_and(|x| x == "toml") && !trains {
                    std::fs::copy(f.path(), dest.join(f.file_name())).expect("copy spec");
                }
            }
        }
        self
    }

    /// The workspace root.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Loads the workspace (settings, style, specs).
    pub fn workspace(&self) -> Workspace {
        Workspace::load(self.root(), None).expect("workspace loads")
    }

    /// Builds every figure with `jobs` parallel stages.
    pub fn build_jobs(&self, jobs: usize) -> BuildReport {
        self.build_ws(&self.workspace(), jobs)
    }

    /// Builds every figure (2 jobs).
    pub fn build(&self) -> BuildReport {
        self.build_jobs(2)
    }

    /// Builds a given (possibly modified) workspace.
    pub fn build_ws(&self, ws: &Workspace, jobs: usize) -> BuildReport {
        let opts = BuildOptions {
            jobs,
            progress: Mode::Quiet,
            ..Default::default()
        };
        let report = pipeline::build(ws, &opts).expect("build runs");
        assert!(
            report.errors.is_empty(),
            "build errors: {:?}",
            report.errors
        );
        report
    }

    /// Replaces the only occurrence of `from` with `to` in a workspace file.
    pub fn edit(&self, file: &str, from: &str, to: &str) {
        let path = self.root().join(file);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {file}: {e}"));
        assert_eq!(
            text.matches(from).count(),
            1,
            "`{from}` must occur exactly once in {file}"
        );
        std::fs::write(&path, text.replacen(from, to, 1)).expect("write");
    }

    /// Reads a workspace file.
    pub fn read(&self, file: &str) -> String {
        std::fs::read_to_string(self.root().join(file))
            .unwrap_or_else(|e| panic!("read {file}: {e}"))
    }

    /// Every generated figure and lock, by path relative to the root.
    pub fn outputs(&self) -> BTreeMap<String, Vec<u8>> {
        let mut out = BTreeMap::new();
        for dir in ["book/src/figures", "figures/ch03"] {
            let Ok(entries) = std::fs::read_dir(self.root().join(dir)) else {
                continue;
            };
            for e in entries.flatten() {
                let p = e.path();
                if p.extension().is_some_and(|x| x == "svg" || x == "lock") {
                    let rel = p
                        .strip_prefix(self.root())
                        .expect("inside root")
                        .display()
                        .to_string();
                    out.insert(rel, std::fs::read(&p).expect("read output"));
                }
            }
        }
        out
    }

    /// The cache entry file of a stage key.
    pub fn entry_path(&self, key_hex: &str) -> PathBuf {
        self.root()
            .join(".cache/objects")
            .join(&key_hex[..2])
            .join(key_hex)
    }

    /// Runs the `pipeline` command line in this workspace.
    pub fn cli(&self, args: &[&str]) -> Output {
        Command::new(pipeline_bin())
            .arg("-C")
            .arg(self.root())
            .args(args)
            .output()
            .expect("run pipeline binary")
    }
}

/// The `pipeline` command line built with these tests (see `bin/pipeline.rs`).
pub fn pipeline_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_pipeline-under-test"))
}

/// Stage ids of the events with a given action.
pub fn stages_with(report: &BuildReport, action: pipeline::exec::Action) -> Vec<String> {
    report
        .events
        .iter()
        .filter(|e| e.action == action)
        .map(|e| e.stage.clone())
        .collect()
}

/// Copies a directory tree.
pub fn copy_dir(from: &Path, to: &Path) {
    copy_dir_except(from, to, &|_| false);
}

/// Copies a directory tree, leaving out the files and directories for which `skip` is true.
pub fn copy_dir_except(from: &Path, to: &Path, skip: &dyn Fn(&Path) -> bool) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from)
        .unwrap_or_else(|e| panic!("read {}: {e}", from.display()))
        .flatten()
    {
        let p = e.path();
        if skip(&p) {
            continue;
        }
        let dest = to.join(e.file_name());
        if p.is_dir() {
            copy_dir_except(&p, &dest, skip);
        } else {
            std::fs::copy(&p, &dest).expect("copy");
        }
    }
}
