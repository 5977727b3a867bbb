//! The command-line driver: turns the parsed command line (and the configuration it finds)
//! into a run, runs it, hands the outcome to a renderer and decides the exit code. The
//! renderers in [`crate::report`] only render.

use crate::cli::{CheckArgs, ExplainArgs, ExplainFormat, FailOn, OutputFormat};
use crate::code::Code;
use crate::config::Config;
use crate::diagnostic::Severity;
use crate::report::{self, clean, clean_path, explain, pos};
use crate::{CheckOptions, Outcome};
use std::io::Write;

/// `--fail-on` as the configuration holds it: the lowest severity that fails, `None` for never.
fn threshold(fail_on: FailOn) -> Option<Severity> {
    match fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    }
}

/// Exit code per DESIGN.md §6: 2 incomplete run, 1 findings at or above `threshold`, else 0.
pub fn exit_code(o: &Outcome, threshold: Option<Severity>) -> u8 {
    if o.incomplete() {
        return 2;
    }
    match threshold {
        Some(t) if o.active().any(|d| d.severity >= t) => 1,
        _ => 0,
    }
}

/// Put the file's settings into run options. Command-line flags are applied afterwards by
/// the caller, so they win.
pub fn apply_config(c: &Config, opts: &mut CheckOptions) {
    if let Some(s) = &c.select {
        opts.select = s.clone();
    }
    if let Some(s) = &c.ignore {
        opts.ignore = s.clone();
    }
    opts.severity.extend(c.severity.iter().cloned());
    opts.exclude.extend(c.exclude.iter().cloned());
    if let Some(m) = c.migration {
        opts.rules.migration = m;
    }
    opts.load.parameter_map.extend(c.parameters.iter().cloned());
    opts.load.var_files.extend(c.var_files.iter().cloned());
    opts.load.vars.extend(c.vars.iter().cloned());
}

/// Command-line arguments (and the configuration file, which they override) → run options.
pub fn options_from_args(
    args: &CheckArgs,
    config: Option<&crate::config::Config>,
) -> Result<CheckOptions, String> {
    let mut opts = CheckOptions {
        whole_modules: true,
        ..CheckOptions::default()
    };
    if let Some(c) = config {
        apply_config(c, &mut opts);
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
        // A Terraform identifier: `--var =x` or `--var 'a b=x'` sets nothing a module reads.
        let k = k.trim();
        let ident = k.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && k.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !ident {
            return Err(format!(
                "--var expects NAME=VALUE with NAME a variable name, got '{v}'"
            ));
        }
        opts.load.vars.push((k.to_string(), val.to_string()));
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

/// The walk of a run's paths, the configuration and the options of a run.
pub type Prepared = (
    crate::discover::Walked,
    Option<crate::config::Config>,
    CheckOptions,
);

/// What `check` and `explain` both do before a run: the paths (default `.`) walked, the
/// configuration found for them, the options from flags and configuration, and the nested
/// configurations found in the walk (which the run then reuses: the tree is walked once).
pub fn prepare(args: &CheckArgs) -> Result<Prepared, String> {
    let mut clock = crate::Timings::start();
    let paths = if args.input.paths.is_empty() {
        vec![std::path::PathBuf::from(".")]
    } else {
        args.input.paths.clone()
    };
    let config = crate::config::for_run(args.input.config.as_deref(), &paths[0])
        .map_err(|e| e.to_string())?;
    let mut opts = options_from_args(args, config.as_ref())?;
    clock.lap("config");
    let walked = crate::discover::Walked::within(&paths, &opts.roots);
    clock.lap("walk");
    // Nested `.stv2lint.yaml` files decide for the files under them.
    opts.scopes = crate::config::scopes_in(&walked, config.as_ref().map(|c| c.path.as_path()))
        .map_err(|e| e.to_string())?;
    clock.lap("scopes");
    Ok((walked, config, opts))
}

/// Paths given that do not exist or cannot be read, on stderr (they make the run incomplete).
pub fn report_unread(outcome: &crate::Outcome) {
    for m in &outcome.missing {
        eprintln!(
            "stv2lint: {}: no such file or directory",
            clean_path(&m.display().to_string())
        );
    }
    for (p, why) in &outcome.unreadable {
        eprintln!(
            "stv2lint: {}: {}",
            clean_path(&p.display().to_string()),
            clean(why)
        );
    }
}

/// `stv2lint check`. One memo of canonical paths serves the whole command (configuration,
/// walk, run and report).
pub fn run_check(args: CheckArgs) -> u8 {
    crate::in_run(|| check_command(args))
}

fn check_command(args: CheckArgs) -> u8 {
    let (walked, config, mut opts) = match prepare(&args) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("stv2lint: {}", clean(&e));
            return 2;
        }
    };
    // Only the report reads the outcome: a large Terraform run may drop each slice's model.
    opts.stream = crate::Stream::Auto;
    let clock = crate::Timings::start();
    // Read the baseline before the run: a bad baseline is a bad option, not a finding.
    let baseline = match args.baseline.as_deref().map(crate::baseline::load) {
        Some(Ok(b)) => Some(b),
        Some(Err(e)) => {
            eprintln!("stv2lint: {}", clean(&e.to_string()));
            return 2;
        }
        None => None,
    };
    { clock }.lap("baseline");
    let mut outcome = crate::check_walked(walked, &opts);
    let mut clock = crate::Timings::start();
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
                    for d in report::shown(&outcome).filter(|d| {
                        d.incomplete || (d.code == Code::Stv001 && d.severity == Severity::Error)
                    }) {
                        errors.push(d.into_owned());
                    }
                    let only = Outcome {
                        ws: std::mem::take(&mut outcome.ws),
                        diagnostics: errors,
                        files: 0,
                        missing: Vec::new(),
                        unreadable: Vec::new(),
                        instances: Default::default(),
                        streamed: false,
                    };
                    let _ = report::compact::render(&only, &mut std::io::stderr().lock());
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
    let sarif_opts = report::sarif::Options {
        include_suppressed: args.sarif_include_suppressed,
        category: args.sarif_category.clone(),
    };
    if let Err(e) =
        report::render_with(format, &outcome, &sarif_opts, &mut lock).and_then(|_| lock.flush())
    {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("stv2lint: cannot write the report: {e}");
            return 2;
        }
    }
    clock.lap("report");
    let fail_on = args
        .fail_on
        .map(threshold)
        .or(config.as_ref().and_then(|c| c.fail_on))
        .unwrap_or(Some(Severity::Error));
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

/// `stv2lint explain`: load like `check`, explain, render. Exit 2 when the run is incomplete
/// or an option is bad, else 0.
pub fn run_explain(args: ExplainArgs) -> u8 {
    crate::in_run(|| explain_command(args))
}

fn explain_command(args: ExplainArgs) -> u8 {
    let (walked, _, opts) = match prepare(&args.as_check()) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("stv2lint: {}", clean(&e));
            return 2;
        }
    };
    let outcome = crate::check_walked(walked, &opts);
    report_unread(&outcome);
    // What could not be read is not explained: say so where the user looks for errors.
    for d in outcome
        .active()
        .filter(|d| d.code == Code::Stv001 && d.severity == crate::diagnostic::Severity::Error)
    {
        let at = d
            .span
            .map(|s| pos(&outcome.ws, s))
            .map(|p| format!("{}:{}", p.file, p.line))
            .unwrap_or_default();
        eprintln!("stv2lint: {at}: {}", clean(&d.message));
    }
    let ex = crate::rules::explain::explain(&outcome.ws, &opts.rules);
    let stdout = std::io::stdout();
    let mut lock = std::io::BufWriter::new(stdout.lock());
    let format = args.format.unwrap_or(ExplainFormat::Human);
    if let Err(e) = explain::render(format, &ex, &outcome.ws, &mut lock).and_then(|_| lock.flush())
    {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("stv2lint: cannot write the report: {e}");
            return 2;
        }
    }
    if outcome.incomplete() {
        2
    } else {
        0
    }
}
