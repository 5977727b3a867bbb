//! Renderers over one diagnostic list, and the `check` / `rules` / `rule` commands' glue.
//! Renderers know nothing of rules or front ends: they see diagnostics and sources.

pub mod compact;
pub mod human;
pub mod json;

use crate::cli::{CheckArgs, FailOn, OutputFormat};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Workspace;
use crate::source::Span;
use crate::{CheckOptions, Outcome};
use std::io::Write;

/// A resolved position for renderers: file as displayed, 1-based line/column, end.
pub struct Pos {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

pub fn pos(ws: &Workspace, span: Span) -> Pos {
    let f = ws.sources.get(span.file);
    let (line, column) = f.line_col(span.start);
    let (end_line, end_column) = f.line_col(span.end);
    Pos {
        file: f.display.clone(),
        line,
        column,
        end_line,
        end_column,
    }
}

/// Counts of active (not suppressed) diagnostics.
pub struct Summary {
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

pub fn summary(o: &Outcome) -> Summary {
    let count = |s| o.active().filter(|d| d.severity == s).count();
    Summary {
        files: o.files,
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
        infos: count(Severity::Info),
    }
}

/// Render in the chosen format.
pub fn render(format: OutputFormat, o: &Outcome, out: &mut dyn Write) -> std::io::Result<()> {
    match format {
        OutputFormat::Human => human::render(o, out),
        OutputFormat::Compact => compact::render(o, out),
        OutputFormat::Json => json::render(o, out),
        OutputFormat::Sarif | OutputFormat::Github => {
            // Not implemented yet: fall back to compact so nothing is lost.
            compact::render(o, out)
        }
    }
}

/// Exit code per DESIGN.md §6: 2 incomplete run, 1 findings at or above `fail_on`, else 0.
pub fn exit_code(o: &Outcome, fail_on: FailOn) -> u8 {
    if o.incomplete() {
        return 2;
    }
    let threshold = match fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    };
    match threshold {
        Some(t) if o.active().any(|d| d.severity >= t) => 1,
        _ => 0,
    }
}

/// Command-line arguments → run options.
pub fn options_from_args(args: &CheckArgs) -> Result<CheckOptions, String> {
    let mut opts = CheckOptions::default();
    opts.load.parameters = args.parameters.clone();
    opts.load.var_files = args.var_files.clone();
    for v in &args.vars {
        let (k, val) = v
            .split_once('=')
            .ok_or_else(|| format!("--var expects NAME=VALUE, got '{v}'"))?;
        opts.load.vars.push((k.trim().to_string(), val.to_string()));
    }
    opts.select = args.select.clone();
    opts.ignore = args.ignore.clone();
    opts.rules.migration = args.migration;
    Ok(opts)
}

pub fn run_check(args: CheckArgs) -> u8 {
    let opts = match options_from_args(&args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("stv2lint: {e}");
            return 2;
        }
    };
    let paths = if args.paths.is_empty() {
        vec![std::path::PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let outcome = crate::check(&paths, &opts);
    for m in &outcome.missing {
        eprintln!("stv2lint: {}: no such file or directory", m.display());
    }
    let stdout = std::io::stdout();
    let mut lock = std::io::BufWriter::new(stdout.lock());
    let format = args.format.unwrap_or(OutputFormat::Human);
    if let Err(e) = render(format, &outcome, &mut lock).and_then(|_| lock.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("stv2lint: cannot write the report: {e}");
            return 2;
        }
    }
    exit_code(&outcome, args.fail_on.unwrap_or(FailOn::Error))
}

pub fn print_rules() -> u8 {
    let mut out = String::new();
    for r in crate::rules::RULES {
        out.push_str(&format!(
            "{}  {:<34} {:<8} {}\n",
            r.code,
            r.name,
            r.severity.as_str(),
            r.summary
        ));
    }
    print!("{out}");
    0
}

pub fn print_rule(code: &str) -> u8 {
    match crate::rules::find(code) {
        Some(r) => {
            print!("{}", r.page);
            0
        }
        None => {
            eprintln!("stv2lint: unknown rule '{code}'; `stv2lint rules` lists them");
            2
        }
    }
}

/// Sorted copy of the active diagnostics, for renderers that print only those.
pub fn active(o: &Outcome) -> Vec<&Diagnostic> {
    o.active().collect()
}
