//! The `pipeline` binary: a thin wrapper over the library's command line.

fn main() -> std::process::ExitCode {
    pipeline::cli::main()
}
