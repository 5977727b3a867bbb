use clap::Parser;
use std::process::ExitCode;
use stv2lint::cli::{Cli, Command};

/// mimalloc: a third of a run's instructions were glibc malloc and free (issue 13); with it the
/// arena setting below does not apply.
#[cfg(all(feature = "mimalloc", not(target_env = "musl")))]
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (`mimalloc.h`, v2 and v3: the option after
/// `eager_commit_delay`, which the Rust bindings name 14); the test below holds it to v3's default.
#[cfg(all(feature = "mimalloc", not(target_env = "musl")))]
const PURGE_DELAY: i32 = 15;

#[cfg(all(feature = "mimalloc", not(target_env = "musl")))]
extern "C" {
    fn mi_option_set(option: i32, value: std::ffi::c_long);
    #[cfg(test)]
    fn mi_option_get(option: i32) -> std::ffi::c_long;
}

/// mimalloc v3 gives freed memory back to the system a second after it is freed: a streamed
/// Terraform run frees each slice's model as it goes, and with a second's delay the peak holds
/// what many slices freed (199 MB on the 10,000-root tree; 166 MB at 10 ms, mimalloc v2's
/// default, at the same CPU time: BENCHMARKS.md). `MIMALLOC_PURGE_DELAY` set by the user wins.
#[cfg(all(feature = "mimalloc", not(target_env = "musl")))]
fn purge_soon() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none()
        && std::env::var_os("MIMALLOC_RESET_DELAY").is_none()
    {
        // SAFETY: sets one of the allocator's options, which it reads when it purges.
        unsafe { mi_option_set(PURGE_DELAY, 10) }
    }
}
#[cfg(not(all(feature = "mimalloc", not(target_env = "musl"))))]
fn purge_soon() {}

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
    purge_soon();
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

#[cfg(all(test, feature = "mimalloc", not(target_env = "musl")))]
mod tests {
    /// The option set is the purge delay: mimalloc v3 defaults it to 1,000 ms (another index or
    /// another mimalloc would give another value).
    #[test]
    fn the_option_set_is_mimallocs_purge_delay() {
        assert_eq!(unsafe { super::mi_option_get(super::PURGE_DELAY) }, 1000);
    }
}
