//! Helpers for the unit tests of the crates that build on `models` (`training`, `analysis`).

use crate::{Model, ModelSpec, ReluBasisSpec};

/// The "simplified network" of UDL section 8.2 (figure 8.4) as a `relu-basis` model: `regions`
/// hidden units with slope one and joints at 0, 1/regions, ..., (regions − 1)/regions on [0, 1],
/// bias and output weights zero.
///
/// # Panics
/// If `regions` is not a valid number of regions (0, or above [`crate::MAX_REGIONS`]).
pub fn unit_relu_basis(regions: usize) -> Model {
    Model::build(&ModelSpec::ReluBasis(ReluBasisSpec {
        regions,
        start: 0.0,
        stop: 1.0,
    }))
    .expect("a valid number of regions")
}
