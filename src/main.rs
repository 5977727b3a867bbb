use clap::Parser;
use std::process::ExitCode;
use stv2lint::cli::{Cli, Command};

/// The work runs on a thread with this stack on every platform (Windows gives the main thread
/// only 1 MiB), so the evaluators' depth caps hold the same everywhere.
const STACK: usize = 64 << 20;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let work = move || match cli.command {
        Command::Check(args) => stv2lint::report::run_check(args),
        Command::Rules => stv2lint::report::print_rules(),
        Command::Rule { code } => stv2lint::report::print_rule(&code),
        Command::Explain(args) => stv2lint::report::explain::run(args),
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
