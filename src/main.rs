//! The `glossary` binary: parse the command line, set up telemetry, start the runtime, run the command
//! (`glossary::commands`) and turn its outcome into an exit code. Nothing else lives here.

use std::process::ExitCode;

use glossary::{allocator, cli::Cli, commands, error::Error, telemetry};

/// mimalloc rather than glibc's malloc: about a fifth of a request's time went to glibc's allocator, and
/// its per-thread arenas kept memory after load (docs/performance.md). It replaces `malloc` for the
/// process's C code (SQLite) as well (libmimalloc-sys's `override`, Cargo.toml).
#[global_allocator]
static ALLOCATOR: allocator::Mimalloc = allocator::Mimalloc;

/// How long tasks still running when `run` returns (a request left behind at the shutdown deadline) may
/// keep the process before it exits anyway.
const RUNTIME_SHUTDOWN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);

fn main() -> ExitCode {
    allocator::return_memory_promptly();
    let cli = Cli::parse_with_serve_default();
    let _telemetry = telemetry::init(cli.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(commands::run(cli));
    runtime.shutdown_timeout(RUNTIME_SHUTDOWN_TIMEOUT);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Error::InvalidPack(problems)) => {
            for problem in &problems {
                eprintln!("{problem}");
            }
            eprintln!(
                "import failed: {} problem(s); nothing was written",
                problems.len()
            );
            ExitCode::from(2)
        }
        Err(error) => {
            eprintln!("error: {}", error.describe());
            ExitCode::FAILURE
        }
    }
}
