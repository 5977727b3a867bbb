use clap::Parser;
use std::process::ExitCode;
use stv2lint::cli::{Cli, Command};

/// The work runs on a thread with this stack on every platform (Windows gives the main thread
/// only 1 MiB), so the evaluators' depth caps hold the same everywhere.
const STACK: usize = 64 << 20;

/// mimalloc: a third of a run's instructions were glibc malloc and free (issue 13); with it the
/// one-arena setting below does not apply.
#[cfg(all(feature = "mimalloc", not(target_env = "musl")))]
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// glibc gives every new thread its own malloc arena, and grows it a page at a time with one
/// `mprotect` each (16,000 calls for 500 templates, +20 % CPU): with one arena the worker thread
/// allocates from the main heap, which grows in padded steps. BENCHMARKS.md has the figures.
#[cfg(all(target_os = "linux", target_env = "gnu", not(feature = "mimalloc")))]
fn one_malloc_arena() {
    // SAFETY: mallopt only sets an allocator parameter; called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}
#[cfg(not(all(target_os = "linux", target_env = "gnu", not(feature = "mimalloc"))))]
fn one_malloc_arena() {}

fn main() -> ExitCode {
    one_malloc_arena();
    let cli = Cli::parse();
    let work = move || match cli.command {
        Command::Check(args) => stv2lint::driver::run_check(args),
        Command::Rules => stv2lint::driver::print_rules(),
        Command::Rule { code } => stv2lint::driver::print_rule(&code),
        Command::Explain(args) => stv2lint::driver::run_explain(args),
        Command::Lsp => stv2lint::lsp::run(),
    };
    let code = std::thread::Builder::new()
        .name("stv2lint".into())
        .stack_size(STACK)
        .spawn(work)
        .map(|t| t.join().unwrap_or(101))
        .unwrap_or_else(|e| {
            eprintln!("stv2lint: cannot start the worker thread: {e}");
            2
        });
    ExitCode::from(code)
}
