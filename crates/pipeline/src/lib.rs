//! The pipeline: discovers figure specs, plans stages, runs them against the content-addressed
//! cache, writes figures and locks, and builds the book.
//!
//! It is the only crate that knows file paths, `pipeline.toml`, the book layout and the cache
//! location. The domain crates (`data`, `models`, `training`, `analysis`) compute, `plotting`
//! draws, `cache` stores bytes; this crate wires them together.

pub mod bench;
pub mod book;
pub mod bookgen;
pub mod check;
pub mod cli;
pub mod diag;
pub mod digest;
pub mod engine;
pub mod exec;
pub mod fast;
pub mod lockfile;
pub mod output;
pub mod plan;
pub mod platform;
pub mod plot_stage;
pub mod progress;
pub mod spec;
pub mod stages;
pub mod state;
pub mod sweep;
pub mod workspace;

pub use engine::{BuildOptions, BuildReport, FigureStatus, build, verify};
pub use workspace::Workspace;
