use clap::Parser;
use std::process::ExitCode;
use stv2lint::cli::{Cli, Command};

/// mimalloc: a third of a run's instructions were glibc malloc and free (issue 13); with it the
/// arena setting below does not apply.
#[cfg(all(feature = "mimalloc", not(target_env = "musl")))]
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// glibc gives every new thread its own malloc arena, and grows it a page at a time with one
/// `mprotect` each (16,000 calls for 500 templates, +20 % CPU): with one arena per worker at
/// most (one on one thread) the workers allocate from the main heap where they can, which grows
/// in padded steps. BENCHMARKS.md has the figures.
#[cfg(all(target_os = "linux", target_env = "gnu", not(feature = "mimalloc")))]
fn malloc_arenas(workers: usize) {
    let n = i32::try_from(workers.max(1)).unwrap_or(i32::MAX);
    // SAFETY: mallopt only sets an allocator parameter; called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, n);
    }
}
#[cfg(not(all(target_os = "linux", target_env = "gnu", not(feature = "mimalloc"))))]
fn malloc_arenas(_: usize) {}

/// The most workers a run starts: each has a 64 MiB stack and its own allocator heap, and past
/// the cores they only cost memory and start-up (10,000 asked for took minutes). The output is
/// the same for any number.
const MAX_WORKERS: usize = 64;

/// The workers `--threads N` asks for: N, or `RAYON_NUM_THREADS`, or one per core; at most
/// [`MAX_WORKERS`].
fn workers(threads: usize) -> usize {
    let n = if threads > 0 {
        threads
    } else {
        std::env::var("RAYON_NUM_THREADS")
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .filter(|n| *n > 0)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
    };
    n.min(MAX_WORKERS)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The language server lints one directory per change on a single worker; the listings
    // need none.
    let threads = match &cli.command {
        Command::Check(args) => workers(args.input.threads),
        Command::Explain(args) => workers(args.input.threads),
        Command::Lsp | Command::Rules | Command::Rule { .. } => 1,
    };
    malloc_arenas(threads);
    let work = move || match cli.command {
        Command::Check(args) => stv2lint::driver::run_check(args),
        Command::Rules => stv2lint::driver::print_rules(),
        Command::Rule { code } => stv2lint::driver::print_rule(&code),
        Command::Explain(args) => stv2lint::driver::run_explain(args),
        Command::Lsp => stv2lint::lsp::run(),
    };
    // The work runs on the pool's workers, each with a 64 MiB stack on every platform (Windows
    // gives the main thread only 1 MiB), so the evaluators' depth caps hold the same everywhere.
    let code = match stv2lint::parallel::pool(threads) {
        // A panic has been printed by the hook; 101 as Rust's own exit code for one.
        Ok(pool) => std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| pool.install(work)))
            .unwrap_or(101),
        Err(e) => {
            eprintln!("stv2lint: cannot start the worker threads: {e}");
            2
        }
    };
    ExitCode::from(code)
}
