//! The `pipeline` binary: a thin wrapper over the library's command line.

/// mimalloc keeps the megabyte-sized buffers a training step frees for the next step; glibc's
/// malloc returns them to the kernel and faults them in again, which made a CNN step twice as
/// slow. Results do not depend on the allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    pipeline::cli::main()
}
