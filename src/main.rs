use clap::Parser;
use std::process::ExitCode;
use stv2lint::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Check(args) => stv2lint::report::run_check(args),
        Command::Rules => stv2lint::report::print_rules(),
        Command::Rule { code } => stv2lint::report::print_rule(&code),
        Command::Lsp => stv2lint::lsp::run(),
    };
    ExitCode::from(code)
}
