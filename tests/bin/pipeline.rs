//! The `pipeline` command line, built inside the test package so its tests always run a binary
//! from the same build as the library (cargo builds a package's binaries for its integration tests).

fn main() -> std::process::ExitCode {
    pipeline::cli::main()
}
