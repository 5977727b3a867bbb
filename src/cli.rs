//! Command-line definitions (clap). Parsing only; `main.rs` maps the outcome to an exit code.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};

#[derive(Parser, Debug)]
#[command(
    name = "stv2lint",
    version,
    about = "Lint Azure IaC (ARM, Bicep, Terraform) for the network prerequisites of API Management stv2"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// Parsed once per process, so the size of `Check`'s arguments does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Lint files and directories (default: .)
    Check(CheckArgs),
    /// List every rule: code, name, default severity, summary
    Rules,
    /// Print a rule's page
    Rule {
        /// Rule code, e.g. STV202
        code: String,
    },
    /// Per instance and location: the resolved chain and every required flow with its deciding rule
    Explain(ExplainArgs),
    /// Run the language server over stdio (for editors)
    Lsp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormat {
    Human,
    Json,
    Markdown,
}

/// What a run reads, the same for `check` and `explain`.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct InputArgs {
    /// Files and directories to read
    pub paths: Vec<PathBuf>,
    /// ARM/Bicep parameter file (JSON or .bicepparam), or TEMPLATE=FILE for one template;
    /// repeat it for every stage (each file is checked as its own deployment)
    #[arg(long = "parameters", value_name = "[TEMPLATE=]FILE")]
    pub parameters: Vec<PathBuf>,
    /// Terraform variable file
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
    /// Terraform variable NAME=VALUE
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// Configuration file (default: .stv2lint.yaml found upward from the first path)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Leave out files and directories matching this glob (relative to the working directory)
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Also read files under DIR (modules, loaded files, var files the code names); by default
    /// only the linted tree is read: the paths given, or the git work tree containing them
    #[arg(long = "root", value_name = "DIR")]
    pub roots: Vec<PathBuf>,
    /// Worker threads (default 0: RAYON_NUM_THREADS, else one per core; at most 64); the
    /// output is the same for any number
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub threads: usize,
}

/// `explain` reads its inputs like `check`.
#[derive(clap::Args, Debug, Default)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format
    #[arg(long, value_enum)]
    pub format: Option<ExplainFormat>,
}

impl ExplainArgs {
    /// The same inputs as `check` arguments, so both commands read files alike.
    pub fn as_check(&self) -> CheckArgs {
        CheckArgs {
            input: self.input.clone(),
            ..CheckArgs::default()
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Human,
    Compact,
    Json,
    Sarif,
    Github,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

#[derive(clap::Args, Debug, Default)]
pub struct CheckArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
    /// Lowest severity that makes the exit code 1
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// Code prefixes to run, comma separated (e.g. STV2,STV501)
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,
    /// Code prefixes to skip, comma separated
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Same-subnet stv1 → stv2 migration: headroom and service-endpoint checks become errors
    #[arg(long)]
    pub migration: bool,
    /// Report only findings that are not recorded in this baseline file
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record the current findings in this baseline file (and exit 0 unless the run is incomplete)
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// SARIF: also report suppressed findings, marked with `suppressions` (GitHub code scanning
    /// ignores the mark and opens alerts for them)
    #[arg(long)]
    pub sarif_include_suppressed: bool,
    /// SARIF: the run's category (`automationDetails.id`), e.g. `stv2lint/infra`; runs of one
    /// category replace each other in code scanning, so give each upload in a workflow its own
    #[arg(long, value_name = "CATEGORY")]
    pub sarif_category: Option<String>,
}

/// `--parameters TEMPLATE=FILE`: the template (`.json`, `.jsonc`, `.bicep`) and its parameter
/// file. `None` for a plain FILE (also one whose name merely contains `=`).
pub fn template_parameters(arg: &Path) -> Option<(PathBuf, PathBuf)> {
    if arg.exists() {
        return None;
    }
    let s = arg.to_str()?;
    let (t, f) = s.split_once('=')?;
    let lt = t.to_ascii_lowercase();
    let template = [".json", ".jsonc", ".bicep"]
        .iter()
        .any(|e| lt.ends_with(e));
    (template && !f.is_empty()).then(|| (PathBuf::from(t), PathBuf::from(f)))
}
