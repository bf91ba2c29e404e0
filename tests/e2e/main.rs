//! End-to-end tests: one test binary, one module per concern (matklad's "one integration test crate").

mod browser;
mod ch05;
mod checks;
mod cli;
mod crash;
mod fast;
mod harness;
mod highdim;
mod incremental;
mod integrity;
mod numbers;
mod numbers_ch3_7;
mod numbers_ch8;
mod reg9;
mod robustness;
mod specs;
mod sweep;
mod toy8;
mod training;
