//! The built book in a real browser: headless Chromium opens every chapter page of the real
//! book and checks that each figure image loads, that the page shows exactly the figures the
//! pipeline put in its chapter, and that no error shows.
//!
//! Chromium is driven through its command line, not the DevTools protocol. For each chapter
//! page, a copy with `browser_check.js` injected at the top of `<head>` is opened with
//! `--headless --dump-dom --virtual-time-budget`; the script waits for the window's load event
//! (which waits for every image, broken ones included) and each image's decoding, reads every
//! `<figure>` image's `complete` and `naturalWidth`, collects load and script errors and KaTeX
//! error marks, and writes all that as JSON into the DOM that `--dump-dom` prints. A page that
//! never reports is a failure, so a script that did not run cannot pass.
//!
//! The book is built from the repository's specs in a temporary copy of the workspace
//! (`PipelineTest::real`), never in the working tree. Where Chromium is missing, the tests say
//! so on stderr and pass, unless `CI=true`: there a missing browser is a failure. `.ci/run`
//! installs Debian's `chromium`.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pipeline::book::{chapter_file_name, figure_anchor};

use crate::harness::PipelineTest;
use pipeline::Workspace;

/// The in-page check (see its header).
const CHECK_SCRIPT: &str = include_str!("browser_check.js");
/// Where the script writes its JSON.
const RESULT_OPEN: &str = "<pre id=\"udl-browser-check\">";
/// The browser's names on PATH, Debian's first.
const BROWSER_NAMES: [&str; 2] = ["chromium", "chromium-browser"];
/// Virtual time a page gets after it starts. It stands still while files are loading and skips
/// idle time, so it bounds scripts that never finish, not slow loading.
const VIRTUAL_TIME_BUDGET_MS: u32 = 10_000;
/// Wall-clock limit of one browser run.
const TIMEOUT: Duration = Duration::from_secs(120);

/// One figure as the pipeline placed it on a chapter page.
#[derive(Clone, Debug)]
struct Fig {
    /// The figure id, `3.3`.
    id: String,
    /// Its HTML id, `fig-3-3`.
    anchor: String,
    /// Its SVG's file name under the book's `figures/`.
    svg: String,
}

/// The real book, built in a temporary copy of the workspace.
struct Book {
    /// The workspace copy (kept alive: the book lives in it).
    _test: PipelineTest,
    /// The built HTML.
    html: PathBuf,
    /// Chapter number -> its figures in book order, from the pipeline's list of figures.
    chapters: BTreeMap<u32, Vec<Fig>>,
}

impl Book {
    /// The HTML page of chapter `number`.
    fn page(&self, number: u32) -> PathBuf {
        self.html
            .join(Path::new(&chapter_file_name(number)).with_extension("html"))
    }
}

/// Builds the real book (every figure, then mdBook) from the repository's specs.
fn build_real_book() -> Book {
    let test = PipelineTest::real();
    let ws = Workspace::load(test.root(), Some(crate::harness::shared_cache()))
        .expect("the real workspace loads");
    assert!(ws.diagnostics.is_empty(), "{:?}", ws.diagnostics);
    let report = test.build_ws(&ws, 2);
    let failed: Vec<_> = report
        .figures
        .iter()
        .filter(|f| f.plot.is_none())
        .map(|f| (&f.id, &f.status))
        .collect();
    assert!(
        failed.is_empty(),
        "figures of the real book failed: {failed:?}"
    );
    assert!(report.book_built, "the book was not built");
    let mut chapters: BTreeMap<u32, Vec<Fig>> = BTreeMap::new();
    for fig in &ws.figures {
        let svg = ws.figure_svg_path(fig);
        chapters.entry(fig.chapter).or_default().push(Fig {
            id: fig.meta.id.clone(),
            anchor: figure_anchor(&fig.meta.id),
            svg: svg
                .file_name()
                .expect("an svg file name")
                .to_string_lossy()
                .into_owned(),
        });
    }

    // The generated table of contents must list exactly these chapter pages.
    let summary =
        std::fs::read_to_string(ws.book_dir().join("src/SUMMARY.md")).expect("SUMMARY.md");
    let listed: Vec<String> = summary
        .split("](")
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
        .filter(|target| target.starts_with("ch"))
        .map(str::to_owned)
        .collect();
    let expected: Vec<String> = chapters.keys().map(|n| chapter_file_name(*n)).collect();
    assert_eq!(listed, expected, "SUMMARY.md:\n{summary}");

    Book {
        html: ws.book_dir().join("build"),
        chapters,
        _test: test,
    }
}

/// The browser executable found on `path` (a PATH value).
fn find_browser(path: Option<&OsStr>) -> Option<PathBuf> {
    let path = path?;
    BROWSER_NAMES.iter().find_map(|name| {
        std::env::split_paths(path)
            .map(|dir| dir.join(name))
            .find(|p| is_executable(p))
    })
}

#[cfg(unix)]
fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    p.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(p: &Path) -> bool {
    p.is_file()
}

/// What a missing browser means given the value of `CI`: `Ok(note)` to print and pass, or,
/// under CI (`CI=true`), `Err(message)` to fail with.
fn missing_browser(ci: Option<&str>) -> Result<String, String> {
    let what = "chromium not found on PATH; install Debian's chromium package \
                (`apt-get install chromium`) to test the built book in a browser";
    if ci.is_some_and(|v| v.trim().eq_ignore_ascii_case("true")) {
        Err(format!(
            "FAILED: {what}. Under CI (CI=true) a missing browser is a failure, never a skip"
        ))
    } else {
        Ok(format!("SKIPPED: {what}"))
    }
}

/// The browser, or `None` after a loud note; under CI a missing browser panics.
fn browser_or_skip(test: &str) -> Option<PathBuf> {
    if let Some(browser) = find_browser(std::env::var_os("PATH").as_deref()) {
        return Some(browser);
    }
    match missing_browser(std::env::var("CI").ok().as_deref()) {
        Ok(note) => {
            // Straight to the process's stderr: the test harness captures `eprintln!` of a
            // passing test, and this note must be seen.
            let bar = "!".repeat(78);
            let _ = writeln!(std::io::stderr(), "\n{bar}\n{test}: {note}\n{bar}");
            None
        }
        Err(message) => panic!("{test}: {message}"),
    }
}

/// A `file://` URL of an absolute path.
fn file_url(path: &Path) -> String {
    let mut url = String::from("file://");
    for &b in path.as_os_str().as_encoded_bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            url.push(char::from(b));
        } else {
            let _ = write!(url, "%{b:02X}");
        }
    }
    url
}

/// The last lines of Chromium's stderr, without its D-Bus complaints (there is no bus here).
fn stderr_tail(stderr: &str) -> String {
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.contains("dbus/") && !l.trim().is_empty())
        .collect();
    lines[lines.len().saturating_sub(15)..].join("\n")
}

/// Opens `page` (with the check script injected) in headless Chromium and returns the
/// script's JSON report.
fn run_check(browser: &Path, page: &Path) -> Result<serde_json::Value, String> {
    let html = std::fs::read_to_string(page).map_err(|e| format!("cannot read the page: {e}"))?;
    let head = html.find("<head>").ok_or("the page has no <head>")? + "<head>".len();
    let probe = page.with_extension("browser-check.html");
    let mut injected = String::with_capacity(html.len() + CHECK_SCRIPT.len() + 32);
    injected.push_str(&html[..head]);
    injected.push_str("\n<script>\n");
    injected.push_str(CHECK_SCRIPT);
    injected.push_str("</script>\n");
    injected.push_str(&html[head..]);
    std::fs::write(&probe, injected)
        .map_err(|e| format!("cannot write {}: {e}", probe.display()))?;

    let scratch = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
    let dom_path = scratch.path().join("dom.html");
    let err_path = scratch.path().join("stderr.txt");
    let file = |p: &Path| std::fs::File::create(p).map_err(|e| format!("{}: {e}", p.display()));
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox", // needed as root, as in CI containers
            "--disable-gpu",
            "--disable-dev-shm-usage", // containers often have a tiny /dev/shm
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--mute-audio",
        ])
        .arg(format!(
            "--user-data-dir={}",
            scratch.path().join("profile").display()
        ))
        .arg(format!("--virtual-time-budget={VIRTUAL_TIME_BUDGET_MS}"))
        .arg("--dump-dom")
        .arg(file_url(&probe))
        .stdin(Stdio::null())
        .stdout(file(&dom_path)?)
        .stderr(file(&err_path)?)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", browser.display()))?;
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) if started.elapsed() > TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                break Err(format!(
                    "chromium did not finish in {} s",
                    TIMEOUT.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => break Err(format!("cannot wait for chromium: {e}")),
        }
    };
    let _ = std::fs::remove_file(&probe);
    let stderr = stderr_tail(&std::fs::read_to_string(&err_path).unwrap_or_default());
    let status = status.map_err(|e| format!("{e}; its stderr:\n{stderr}"))?;
    if !status.success() {
        return Err(format!("chromium failed ({status}); its stderr:\n{stderr}"));
    }
    let dom =
        std::fs::read_to_string(&dom_path).map_err(|e| format!("cannot read the DOM: {e}"))?;
    // The last one: the script appends its report to the end of <body>.
    let start = dom.rfind(RESULT_OPEN).ok_or_else(|| {
        format!(
            "the page never reported (no #udl-browser-check in the DOM Chromium dumped: the \
             load event did not fire within the budget, or the script did not run); \
             chromium's stderr:\n{stderr}"
        )
    })? + RESULT_OPEN.len();
    let json = &dom[start..];
    let json = &json[..json.find("</pre>").ok_or("unterminated report")?];
    serde_json::from_str(json).map_err(|e| {
        let start: String = json.chars().take(300).collect();
        format!("unreadable report ({e}): {start:?}")
    })
}

/// Checks chapter `number`'s page against the figures the pipeline put in it; returns the
/// problems found, each naming the page and, where it is about a figure, the figure id.
fn check_page(browser: &Path, page: &Path, number: u32, expected: &[Fig]) -> Vec<String> {
    let name = page
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let report = match run_check(browser, page) {
        Ok(report) => report,
        Err(e) => return vec![format!("{name}: {e}")],
    };
    let mut problems = Vec::new();
    let mut problem = |p: String| problems.push(format!("{name}: {p}"));
    if let Some(fatal) = report["fatal"].as_str() {
        problem(fatal.to_owned());
        return problems;
    }

    let heading = report["heading"].as_str().unwrap_or_default();
    if !heading.starts_with(&format!("Chapter {number}:")) {
        problem(format!(
            "the page's heading is {heading:?}, not chapter {number}'s (title {:?})",
            report["title"].as_str().unwrap_or_default()
        ));
    }

    let empty = Vec::new();
    let shown = report["figures"].as_array().unwrap_or(&empty);
    let id_of = |anchor: &str| {
        expected
            .iter()
            .find(|f| f.anchor == anchor)
            .map_or_else(|| format!("#{anchor}"), |f| f.id.clone())
    };
    if shown.len() != expected.len() {
        problem(format!(
            "{} figure images on the page, but the pipeline put {} figures in chapter {number}",
            shown.len(),
            expected.len()
        ));
    }
    let anchors: Vec<&str> = shown
        .iter()
        .map(|f| f["id"].as_str().unwrap_or_default())
        .collect();
    for fig in expected {
        if !anchors.contains(&fig.anchor.as_str()) {
            problem(format!(
                "figure {} (#{}) is not on the page",
                fig.id, fig.anchor
            ));
        }
    }
    for f in shown {
        let anchor = f["id"].as_str().unwrap_or_default();
        if !expected.iter().any(|e| e.anchor == anchor) {
            problem(format!(
                "figure #{anchor} is on the page, but the pipeline did not put it in chapter {number}"
            ));
        }
        let loaded = f["complete"].as_bool() == Some(true) && f["width"].as_f64() > Some(0.0);
        if !loaded {
            problem(format!(
                "figure {} (#{anchor}): image {} did not load",
                id_of(anchor),
                f["src"].as_str().unwrap_or_default()
            ));
        }
    }
    let in_order: Vec<&str> = expected.iter().map(|f| f.anchor.as_str()).collect();
    if shown.len() == expected.len() && anchors != in_order {
        problem(format!(
            "figures out of book order: {anchors:?}, expected {in_order:?}"
        ));
    }
    for e in report["errorElements"].as_array().unwrap_or(&empty) {
        problem(format!(
            "the page shows an error: {}",
            e.as_str().unwrap_or_default()
        ));
    }
    for p in report["problems"].as_array().unwrap_or(&empty) {
        problem(p.as_str().unwrap_or_default().to_owned());
    }
    problems
}

#[test]
fn every_chapter_page_of_the_real_book_loads_in_chromium() {
    // Every real figure builds and the book is made, browser or not.
    let book = build_real_book();
    let Some(browser) = browser_or_skip("every_chapter_page_of_the_real_book_loads_in_chromium")
    else {
        return;
    };
    assert!(!book.chapters.is_empty(), "the real book has no chapters");
    let mut problems = Vec::new();
    for (&number, figures) in &book.chapters {
        let page = book.page(number);
        assert!(page.is_file(), "{} was not built", page.display());
        problems.extend(check_page(&browser, &page, number, figures));
    }
    assert!(
        problems.is_empty(),
        "the built book fails in Chromium:\n{}",
        problems.join("\n")
    );
    the_browser_check_catches_missing_and_broken_figures_and_errors(&browser, &book);
}

/// Spoils the built book (called after the clean check, on the same build: the real book takes
/// minutes to build) and checks that every problem is reported.
fn the_browser_check_catches_missing_and_broken_figures_and_errors(browser: &Path, book: &Book) {
    // The chapter with the most figures (the first of those), so that two can be spoiled.
    let (&number, figures) = book
        .chapters
        .iter()
        .rev()
        .max_by_key(|(_, figs)| figs.len())
        .expect("the real book has chapters");
    let page = book.page(number);
    let svg = |fig: &Fig| book.html.join("figures").join(&fig.svg);

    // One figure's SVG is gone; another's is truncated XML; an error mark is on the page.
    let missing = &figures[0];
    std::fs::remove_file(svg(missing)).expect("remove an svg");
    let broken = figures.get(1);
    if let Some(broken) = broken {
        std::fs::write(
            svg(broken),
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><g>",
        )
        .expect("corrupt an svg");
    }
    let html = std::fs::read_to_string(&page).expect("read the page");
    let html = html.replacen(
        "</main>",
        "<span class=\"katex-error\" title=\"ParseError\">\\frac{</span></main>",
        1,
    );
    std::fs::write(&page, html).expect("write the page");
    // And the pipeline is made to expect one figure more than the page shows.
    let mut expected = figures.clone();
    expected.push(Fig {
        id: "0.0".into(),
        anchor: "fig-0-0".into(),
        svg: "0.0.svg".into(),
    });

    let problems = check_page(browser, &page, number, &expected);
    let all = problems.join("\n");
    eprintln!("the check reports, as it should:\n{all}");
    let name = page.file_name().unwrap().to_string_lossy().into_owned();
    let mut spoiled = vec![missing];
    spoiled.extend(broken);
    for fig in &spoiled {
        let want = format!(
            "{name}: figure {} (#{}): image figures/{} did not load",
            fig.id, fig.anchor, fig.svg
        );
        assert!(problems.contains(&want), "{want:?} not reported in:\n{all}");
    }
    for fig in figures
        .iter()
        .filter(|f| !spoiled.iter().any(|s| s.id == f.id))
    {
        assert!(
            !all.contains(&format!("figure {} (", fig.id)),
            "intact figure {} reported:\n{all}",
            fig.id
        );
    }
    assert!(
        all.contains("the page shows an error: <span class=\"katex-error\""),
        "{all}"
    );
    assert!(
        all.contains(&format!(
            "{} figure images on the page, but the pipeline put {} figures",
            figures.len(),
            figures.len() + 1
        )),
        "{all}"
    );
    assert!(
        all.contains("figure 0.0 (#fig-0-0) is not on the page"),
        "{all}"
    );
}

#[test]
fn a_missing_browser_is_loud_and_fails_under_ci() {
    let note = missing_browser(None).expect("a skip outside CI");
    assert!(note.starts_with("SKIPPED: chromium not found"), "{note}");
    assert!(note.contains("install Debian's chromium package"), "{note}");
    assert!(missing_browser(Some("false")).is_ok());
    assert!(missing_browser(Some("")).is_ok());
    for ci in ["true", "TRUE", "true\n"] {
        let message = missing_browser(Some(ci)).expect_err("a failure under CI");
        assert!(
            message.starts_with("FAILED: chromium not found"),
            "{message}"
        );
        assert!(
            message.contains("install Debian's chromium package"),
            "{message}"
        );
        assert!(message.contains("CI=true"), "{message}");
    }
}

#[test]
fn the_browser_is_found_on_path_only_if_executable() {
    let empty = tempfile::tempdir().unwrap();
    let bin = tempfile::tempdir().unwrap();
    let path = |dirs: &[&Path]| std::env::join_paths(dirs).unwrap();
    assert_eq!(find_browser(None), None);
    assert_eq!(find_browser(Some(&path(&[empty.path()]))), None);

    let fake = bin.path().join("chromium");
    std::fs::write(&fake, "#!/bin/sh\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            find_browser(Some(&path(&[bin.path()]))),
            None,
            "not executable"
        );
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    assert_eq!(
        find_browser(Some(&path(&[empty.path(), bin.path()]))),
        Some(fake)
    );
}

#[test]
fn file_urls_escape_what_urls_cannot_hold() {
    assert_eq!(
        file_url(Path::new("/tmp/a b/ch03.html")),
        "file:///tmp/a%20b/ch03.html"
    );
    assert_eq!(file_url(Path::new("/x/100%#?")), "file:///x/100%25%23%3F");
}
