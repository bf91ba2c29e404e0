//! Assembles the book from the figures: provenance per figure, one page per chapter, then mdBook.
//!
//! The pages are regenerated only when the book's inputs change: the figures' keys and output
//! hashes (their lock files' bytes), their spec texts, the hand-written pages and the plotting
//! digest. A build that changes nothing leaves the book alone, so a no-op build stays a no-op.

use std::collections::BTreeMap;
use std::path::Path;

use crate::book::{BookFigure, Chapter, Provenance};
use crate::engine::{BuildReport, FigureStatus};
use crate::exec::{Action, EntryInfo};
use crate::fast::Snapshot;
use crate::lockfile::FigureLock;
use crate::spec::FigureSpec;
use crate::workspace::Workspace;

/// Chapter titles of *Understanding Deep Learning*.
pub const CHAPTERS: &[(u32, &str)] = &[
    (1, "Introduction"),
    (2, "Supervised learning"),
    (3, "Shallow neural networks"),
    (4, "Deep neural networks"),
    (5, "Loss functions"),
    (6, "Fitting models"),
    (7, "Gradients and initialization"),
    (8, "Measuring performance"),
    (9, "Regularization"),
    (10, "Convolutional networks"),
    (11, "Residual networks"),
    (12, "Transformers"),
    (13, "Graph neural networks"),
    (14, "Unsupervised learning"),
    (15, "Generative adversarial networks"),
    (16, "Normalizing flows"),
    (17, "Variational autoencoders"),
    (18, "Diffusion models"),
    (19, "Reinforcement learning"),
    (20, "Why does deep learning work?"),
    (21, "Deep learning and ethics"),
];

/// The built book's stamp file, in `build/`: the key the book was built for.
pub const BOOK_STAMP: &str = ".pipeline-book-key";

/// What [`update`] found: whether it rebuilt the book, and the book's inputs.
#[derive(Clone, Debug)]
pub struct BookCheck {
    /// The book was rebuilt (false when it was up to date).
    pub built: bool,
    /// The book's key (written into the built book's stamp file).
    pub key: String,
    /// [`hand_written_digest`] of the hand-written pages.
    pub hand_written: [u8; 32],
}

/// Regenerates the chapter pages and rebuilds the book if its inputs changed.
///
/// `checked` gives, for figures whose SVG and lock the build just checked or wrote, blake3 (hex)
/// of the lock file; the other figures' locks are read here. Locks are parsed, and cache entries
/// consulted for stage times, only when the pages are regenerated.
///
/// On the edit path (`base`), `ws` holds whole chapters and the snapshot stands for every other
/// figure (their specs and locks as it recorded them): only the loaded chapters' pages are
/// regenerated, the other pages and SUMMARY.md are left as the last build wrote them, and the
/// book's key is the one a full build would compute.
pub fn update(
    ws: &Workspace,
    store: &cache::Store,
    report: &BuildReport,
    checked: &BTreeMap<String, String>,
    base: Option<&Snapshot>,
) -> Result<BookCheck, String> {
    let book = ws.book_dir();
    // One book build at a time per workspace: two concurrent builds would write the same files.
    let lock_key = cache::Key::of(format!("book {}", book.display()).as_bytes());
    let _guard = store
        .lock(&lock_key)
        .map_err(|e| format!("cannot lock the book: {e}"))?;
    // The key: every shown figure's id, lock and spec, in book order.
    let mut hasher = blake3::Hasher::new();
    let mut add = |id: &str, lock_hash: &str, spec: &[u8; 32]| {
        hasher.update(id.as_bytes());
        hasher.update(lock_hash.as_bytes());
        hasher.update(spec);
    };
    // (figure, blake3 hex of its lock, blake3 of its spec) of the loaded figures shown.
    let mut shown: Vec<(&FigureSpec, String, [u8; 32])> = Vec::new();
    for fig in &ws.figures {
        let lock_hash = match checked.get(&fig.meta.id) {
            Some(hash) => hash.clone(),
            None => {
                let path = ws.lock_path(fig);
                let bytes = match std::fs::read(&path) {
                    Ok(bytes) => bytes,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
                };
                if !ws.figure_svg_path(fig).is_file() {
                    continue;
                }
                blake3::hash(&bytes).to_hex().to_string()
            }
        };
        shown.push((
            fig,
            lock_hash,
            *blake3::hash(fig.source.as_bytes()).as_bytes(),
        ));
    }
    match base {
        None => {
            for (fig, lock_hash, spec) in &shown {
                add(&fig.meta.id, lock_hash, spec);
            }
        }
        Some(base) => {
            // Book order is the snapshot's: the loaded figures kept their ids.
            let loaded: BTreeMap<&Path, usize> = ws
                .figures
                .iter()
                .enumerate()
                .map(|(i, f)| (f.path.as_path(), i))
                .collect();
            for r in &base.figures {
                match loaded.get(Path::new(&r.path)) {
                    Some(&i) => {
                        let id = &ws.figures[i].meta.id;
                        if let Some((_, lock_hash, spec)) =
                            shown.iter().find(|(f, _, _)| &f.meta.id == id)
                        {
                            add(id, lock_hash, spec);
                        }
                    }
                    None => add(&r.id, &r.lock_hash.to_hex(), &r.spec),
                }
            }
        }
    }
    let hand_written = hand_written_digest(&book)?;
    hasher.update(&hand_written);
    hasher.update(ws.digests.of("plotting").as_bytes());
    let book_key = hasher.finalize().to_hex().to_string();
    let (stamp, index) = built_book_files(&book);
    if std::fs::read_to_string(&stamp).is_ok_and(|s| s.trim() == book_key) && index.is_file() {
        return Ok(BookCheck {
            built: false,
            key: book_key,
            hand_written,
        });
    }

    let statuses: BTreeMap<&str, (&FigureStatus, Option<&crate::exec::Done>)> = report
        .figures
        .iter()
        .map(|f| (f.id.as_str(), (&f.status, f.plot.as_ref())))
        .collect();
    let mut chapters: BTreeMap<u32, Vec<BookFigure>> = BTreeMap::new();
    for (fig, _, _) in shown {
        let path = ws.lock_path(fig);
        let lock = FigureLock::read(&path)?
            .ok_or_else(|| format!("{} disappeared during the build", path.display()))?;
        let key = cache::Key::from_hex(&lock.key);
        let ms = key
            .and_then(|k| store.peek(&k).ok().flatten())
            .and_then(|m| serde_json::from_slice::<EntryInfo>(&m.meta).ok())
            .map_or(0.0, |i| i.ms);
        let cache_state = match statuses.get(fig.meta.id.as_str()) {
            Some((FigureStatus::Built, Some(d))) if d.action != Action::Hit => "built",
            Some((FigureStatus::Failed(_), _)) => {
                "failed in the last build (showing the previous output)"
            }
            _ => "hit",
        };
        chapters.entry(fig.chapter).or_default().push(BookFigure {
            id: fig.meta.id.clone(),
            title: fig.meta.title.clone(),
            caption: fig.meta.caption.clone(),
            after: fig.meta.after.clone(),
            svg_file: format!("{}.svg", fig.meta.id),
            spec_toml: fig.source.clone(),
            checks: lock
                .checks
                .iter()
                .map(|c| (c.claim.clone(), c.measured.clone()))
                .collect(),
            provenance: Provenance {
                key: lock.key.clone(),
                platform: lock.platform.clone(),
                stage_ms: ms,
                cache: cache_state.to_string(),
                spec_path: fig.path.display().to_string(),
            },
        });
    }
    let chapters: Vec<Chapter> = chapters
        .into_iter()
        .map(|(number, figures)| Chapter {
            number,
            title: CHAPTERS
                .iter()
                .find(|(n, _)| *n == number)
                .map_or_else(|| format!("Chapter {number}"), |(_, t)| t.to_string()),
            figures,
        })
        .collect();
    match base {
        None => crate::book::write_pages(&book, &chapters),
        Some(_) => crate::book::check_chapters(&chapters)
            .and_then(|checked| crate::book::write_chapter_pages(&book, checked)),
    }
    .map_err(|e| chain(&e))?;
    let memo = ws.cache_dir.join("pipeline").join("math.json");
    crate::book::build_with_memo(&book, Some(&memo)).map_err(|e| chain(&e))?;
    crate::output::write_if_changed(&stamp, book_key.as_bytes())?;
    Ok(BookCheck {
        built: true,
        key: book_key,
        hand_written,
    })
}

/// The built book's stamp file (holding the key it was built for) and its index page.
pub fn built_book_files(book: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let build = book.join("build");
    (build.join(BOOK_STAMP), build.join("index.html"))
}

/// blake3 of book.toml and the hand-written pages (everything in src/ that the pipeline does
/// not generate), with their names.
pub fn hand_written_digest(book: &Path) -> Result<[u8; 32], String> {
    let mut h = blake3::Hasher::new();
    hash_hand_written(book, &mut h)?;
    Ok(*h.finalize().as_bytes())
}

fn hash_hand_written(book: &Path, hasher: &mut blake3::Hasher) -> Result<(), String> {
    hasher.update(
        &std::fs::read(book.join("book.toml"))
            .map_err(|e| format!("cannot read {}: {e}", book.join("book.toml").display()))?,
    );
    let src = book.join("src");
    let mut files: Vec<_> = std::fs::read_dir(&src)
        .map_err(|e| format!("cannot read {}: {e}", src.display()))?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_file() && !is_generated(p))
        .collect();
    files.sort();
    for f in files {
        hasher.update(f.file_name().unwrap_or_default().as_encoded_bytes());
        hasher.update(&std::fs::read(&f).map_err(|e| format!("cannot read {}: {e}", f.display()))?);
    }
    Ok(())
}

fn is_generated(p: &Path) -> bool {
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    name == "SUMMARY.md"
        || (name.starts_with("ch")
            && name.ends_with(".md")
            && name[2..name.len() - 3].chars().all(|c| c.is_ascii_digit()))
}

/// Deletes the generated chapter pages and SUMMARY.md (for `clean`).
pub fn remove_generated_pages(ws: &Workspace) -> Result<(), String> {
    let src = ws.book_dir().join("src");
    let Ok(entries) = std::fs::read_dir(&src) else {
        return Ok(());
    };
    for e in entries.filter_map(|e| e.ok()) {
        let p = e.path();
        if p.is_file() && is_generated(&p) {
            std::fs::remove_file(&p).map_err(|e| format!("cannot remove {}: {e}", p.display()))?;
        }
    }
    Ok(())
}

/// An error with its causes: `outer: inner: innermost`.
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let t = c.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        cur = c.source();
    }
    s
}
