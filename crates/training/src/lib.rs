//! Training: spec types for the `[train.*]` sections and the procedures that fit models to data.
//!
//! `training` takes a `models::Model` and a `data::Dataset` and returns a fitted `Model`; it never
//! builds data or models itself (the pipeline hands it the artifacts its spec refers to), does no
//! file I/O and is deterministic. For now it holds the closed-form least-squares fit of an output
//! layer; iterative optimisers come with later chapters.

pub mod classifier;
pub mod descent;
pub mod implicit;
pub mod interpolate;
mod least_squares;
pub mod line_search;
pub mod loss2d;
pub mod momentum_step;
pub mod objective;
pub mod optim;
pub mod output_sgd;
pub mod rng;
pub mod search1d;
mod spec;

#[cfg(test)]
mod optim_tests;
#[cfg(test)]
mod tests;

pub use least_squares::{
    design_matrix, least_squares, ridge_least_squares, ridge_least_squares_toward_model,
    solve_least_squares,
};
pub use spec::{LeastSquaresSpec, TrainSpec};

/// Errors of the `training` crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The model cannot be evaluated on the data (wrong input size, bad parameters).
    #[error(transparent)]
    Model(#[from] models::Error),
    /// The procedure does not apply to this kind of model.
    #[error("{procedure} needs {needs}, found {found}")]
    UnsupportedModel {
        /// The training procedure.
        procedure: &'static str,
        /// What it needs.
        needs: &'static str,
        /// What it got.
        found: String,
    },
    /// The data set cannot be fitted (mismatched lengths, no points, non-finite values).
    #[error("invalid data set: {0}")]
    InvalidData(String),
    /// The least-squares problem has no unique solution.
    #[error(
        "least squares is underdetermined: the output layer has {parameters} parameters but the \
         {points} data points determine only {rank} of them; use fewer hidden units or regions, \
         or data points spread over every region"
    )]
    RankDeficient {
        /// Numerical rank of the design matrix.
        rank: usize,
        /// Number of unknowns.
        parameters: usize,
        /// Number of equations (data points).
        points: usize,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
