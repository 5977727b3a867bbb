//! Renderers over one diagnostic list, and the `check` / `rules` / `rule` commands' glue.
//! Renderers know nothing of rules or front ends: they see diagnostics and sources.

pub mod compact;
pub mod explain;
pub mod github;
pub mod human;
pub mod json;
pub mod sarif;

use crate::cli::{CheckArgs, FailOn, OutputFormat};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Workspace;
use crate::source::Span;
use crate::{CheckOptions, Outcome};
use std::borrow::Cow;
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
        file: clean(&f.display).into_owned(),
        line,
        column,
        end_line,
        end_column,
    }
}

/// Text that came from files (names, values, paths), safe to print: control characters — C0
/// but tab and newline, DEL, C1 — and the bidirectional overrides that reorder what a reader
/// sees are written as `\u{1b}`, so no file can move the cursor, clear the screen or hide code
/// on the terminal or page that shows the report. Every renderer prints through this.
pub fn clean(s: &str) -> Cow<'_, str> {
    fn hostile(c: char) -> bool {
        (c.is_control() && c != '\t' && c != '\n')
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    }
    if !s.chars().any(hostile) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if hostile(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A diagnostic with every text that may come from a file [cleaned](clean); the identity (what
/// baselines and fingerprints hash) is kept as it is.
pub fn cleaned(d: &Diagnostic) -> Cow<'_, Diagnostic> {
    let dirty = |s: &str| matches!(clean(s), Cow::Owned(_));
    let any = dirty(&d.message)
        || d.resource.as_deref().is_some_and(dirty)
        || d.help.as_deref().is_some_and(dirty)
        || d.suppressed.as_deref().is_some_and(dirty)
        || d.related.iter().any(|r| dirty(&r.message));
    if !any {
        return Cow::Borrowed(d);
    }
    let c = |s: &String| clean(s).into_owned();
    let mut d = d.clone();
    d.message = c(&d.message);
    d.resource = d.resource.as_ref().map(c);
    d.help = d.help.as_ref().map(c);
    d.suppressed = d.suppressed.as_ref().map(c);
    for r in &mut d.related {
        r.message = c(&r.message);
    }
    Cow::Owned(d)
}

/// The active diagnostics, [cleaned](cleaned), in order: what renderers print.
pub fn shown(o: &Outcome) -> impl Iterator<Item = Cow<'_, Diagnostic>> {
    o.active().map(cleaned)
}

/// Counts of active (not suppressed) diagnostics.
pub struct Summary {
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// API Management instances found, and how many have a check left undecided.
    pub instances: usize,
    pub instances_undecided: usize,
}

pub fn summary(o: &Outcome) -> Summary {
    let count = |s| o.active().filter(|d| d.severity == s).count();
    Summary {
        files: o.files,
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
        infos: count(Severity::Info),
        instances: o.instances.found,
        instances_undecided: o.instances.undecided,
    }
}

/// `3 API Management instances: 2 fully checked, 1 partly (see STV002)`, or that none was
/// found: a run never passes in silence.
pub fn instances_line(s: &Summary) -> String {
    match (s.instances, s.instances_undecided) {
        (0, _) => "no API Management instance found".to_string(),
        (1, 0) => "1 API Management instance: fully checked".to_string(),
        (1, _) => "1 API Management instance: partly checked (see STV002)".to_string(),
        (n, 0) => format!("{n} API Management instances: all fully checked"),
        (n, u) => format!(
            "{n} API Management instances: {} fully checked, {u} partly (see STV002)",
            n - u
        ),
    }
}

/// Render in the chosen format.
pub fn render(format: OutputFormat, o: &Outcome, out: &mut dyn Write) -> std::io::Result<()> {
    render_with(format, o, &sarif::Options::default(), out)
}

/// [`render`] with the SARIF options of the command line.
pub fn render_with(
    format: OutputFormat,
    o: &Outcome,
    sarif_opts: &sarif::Options,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        OutputFormat::Human => human::render(o, out),
        OutputFormat::Compact => compact::render(o, out),
        OutputFormat::Json => json::render(o, out),
        OutputFormat::Sarif => sarif::render_with(o, sarif_opts, out),
        OutputFormat::Github => github::render(o, out),
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

/// Command-line arguments (and the configuration file, which they override) → run options.
pub fn options_from_args(
    args: &CheckArgs,
    config: Option<&crate::config::Config>,
) -> Result<CheckOptions, String> {
    let mut opts = CheckOptions::default();
    if let Some(c) = config {
        c.apply(&mut opts);
    }
    for p in &args.input.parameters {
        match crate::cli::template_parameters(p) {
            Some(pair) => {
                // What the user named is read wherever it is; what files name stays inside the tree.
                opts.explicit.push(pair.1.clone());
                opts.load.parameter_map.push(pair);
            }
            None => {
                opts.explicit.push(p.clone());
                opts.load.parameters.push(p.clone());
            }
        }
    }
    opts.explicit.extend(args.input.var_files.iter().cloned());
    for r in &args.input.roots {
        if !r.is_dir() {
            return Err(format!("--root {}: not a directory", r.display()));
        }
        opts.roots.push(r.clone());
    }
    // Later var files and vars win in Terraform, so the command line's come after the file's.
    opts.load
        .var_files
        .extend(args.input.var_files.iter().cloned());
    for v in &args.input.vars {
        let (k, val) = v
            .split_once('=')
            .ok_or_else(|| format!("--var expects NAME=VALUE, got '{v}'"))?;
        opts.load.vars.push((k.trim().to_string(), val.to_string()));
    }
    let prefixes = |flag: &str, list: &[String]| -> Result<Vec<String>, String> {
        list.iter()
            .map(|p| p.trim())
            .filter(|p| !p.is_empty())
            .map(|p| crate::config::check_prefix(p).map_err(|e| format!("--{flag}: {e}")))
            .collect()
    };
    if !args.select.is_empty() {
        opts.select = prefixes("select", &args.select)?;
    }
    if !args.ignore.is_empty() {
        opts.ignore = prefixes("ignore", &args.ignore)?;
    }
    if args.migration {
        opts.rules.migration = true;
    }
    let cwd = std::env::current_dir().unwrap_or_default();
    for g in &args.input.exclude {
        opts.exclude.push(
            crate::config::Exclude::new(cwd.clone(), g).map_err(|e| format!("--exclude: {e}"))?,
        );
    }
    Ok(opts)
}

/// The paths, configuration and options of a run.
pub type Prepared = (
    Vec<std::path::PathBuf>,
    Option<crate::config::Config>,
    CheckOptions,
);

/// What `check` and `explain` both do before a run: the paths (default `.`), the configuration
/// found for them, the options from flags and configuration, and the nested configurations.
pub fn prepare(args: &CheckArgs) -> Result<Prepared, String> {
    let paths = if args.input.paths.is_empty() {
        vec![std::path::PathBuf::from(".")]
    } else {
        args.input.paths.clone()
    };
    let config = crate::config::for_run(args.input.config.as_deref(), &paths[0])
        .map_err(|e| e.to_string())?;
    let mut opts = options_from_args(args, config.as_ref())?;
    // Nested `.stv2lint.yaml` files decide for the files under them.
    opts.scopes = crate::config::scopes(&paths, config.as_ref().map(|c| c.path.as_path()))
        .map_err(|e| e.to_string())?;
    Ok((paths, config, opts))
}

/// Paths given that do not exist or cannot be read, on stderr (they make the run incomplete).
pub fn report_unread(outcome: &crate::Outcome) {
    for m in &outcome.missing {
        eprintln!(
            "stv2lint: {}: no such file or directory",
            clean(&m.display().to_string())
        );
    }
    for (p, why) in &outcome.unreadable {
        eprintln!(
            "stv2lint: {}: {}",
            clean(&p.display().to_string()),
            clean(why)
        );
    }
}

pub fn run_check(args: CheckArgs) -> u8 {
    let (paths, config, opts) = match prepare(&args) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("stv2lint: {}", clean(&e));
            return 2;
        }
    };
    // Read the baseline before the run: a bad baseline is a bad option, not a finding.
    let baseline = match args.baseline.as_deref().map(crate::baseline::load) {
        Some(Ok(b)) => Some(b),
        Some(Err(e)) => {
            eprintln!("stv2lint: {}", clean(&e.to_string()));
            return 2;
        }
        None => None,
    };
    let mut outcome = crate::check(&paths, &opts);
    report_unread(&outcome);
    if let Some(path) = &args.write_baseline {
        return match crate::baseline::write(path, &outcome) {
            Ok(n) => {
                eprintln!(
                    "stv2lint: recorded {n} finding{} in {}",
                    if n == 1 { "" } else { "s" },
                    path.display()
                );
                if outcome.incomplete() {
                    // Say why, or a CI job sees only exit 2.
                    eprintln!(
                        "stv2lint: the run is incomplete, so the baseline may lack findings:"
                    );
                    let mut errors = Vec::new();
                    for d in shown(&outcome)
                        .filter(|d| d.code == "STV001" && d.severity == Severity::Error)
                    {
                        errors.push(d.into_owned());
                    }
                    let only = Outcome {
                        ws: std::mem::take(&mut outcome.ws),
                        diagnostics: errors,
                        files: 0,
                        missing: Vec::new(),
                        unreadable: Vec::new(),
                        instances: Default::default(),
                    };
                    let _ = compact::render(&only, &mut std::io::stderr().lock());
                    2
                } else {
                    0
                }
            }
            Err(e) => {
                eprintln!("stv2lint: {}", clean(&e.to_string()));
                2
            }
        };
    }
    let format = args.format.unwrap_or(OutputFormat::Human);
    if let Some(b) = &baseline {
        let applied = b.apply(&mut outcome);
        if format == OutputFormat::Human && (applied.hidden > 0 || applied.stale > 0) {
            eprintln!(
                "stv2lint: the baseline hides {} finding{}; {} of its entries no longer occur{}",
                applied.hidden,
                if applied.hidden == 1 { "" } else { "s" },
                applied.stale,
                if applied.stale > 0 {
                    " (rewrite it with --write-baseline)"
                } else {
                    ""
                }
            );
        }
    }
    let stdout = std::io::stdout();
    let mut lock = std::io::BufWriter::new(stdout.lock());
    let sarif_opts = sarif::Options {
        include_suppressed: args.sarif_include_suppressed,
        category: args.sarif_category.clone(),
    };
    if let Err(e) = render_with(format, &outcome, &sarif_opts, &mut lock).and_then(|_| lock.flush())
    {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("stv2lint: cannot write the report: {e}");
            return 2;
        }
    }
    let fail_on = args
        .fail_on
        .or(config.as_ref().and_then(|c| c.fail_on))
        .unwrap_or(FailOn::Error);
    let code = exit_code(&outcome, fail_on);
    // The process ends after this (only `main` calls it): freeing the whole model piece by
    // piece would be 4–6 % of the run for nothing.
    std::mem::forget(outcome);
    code
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_escapes_what_moves_the_cursor_or_reorders_text() {
        assert!(matches!(clean("plain ç\ttab\nline"), Cow::Borrowed(_)));
        assert_eq!(clean("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(clean("\r\u{7}\u{7f}\u{9b}"), "\\u{d}\\u{7}\\u{7f}\\u{9b}");
        assert_eq!(clean("x\u{202e}y"), "x\\u{202e}y");
        // Cleaning twice changes nothing more.
        let once = clean("\u{1b}").into_owned();
        assert_eq!(clean(&once), once);
    }
}
