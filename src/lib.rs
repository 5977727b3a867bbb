//! stv2lint: lints Azure infrastructure-as-code (ARM JSON, Bicep, Terraform) for the network
//! prerequisites of API Management's stv2 platform.
//!
//! Pipeline: [`discover`] → front ends ([`frontend`]) → [`model::Workspace`] → [`analysis`] →
//! [`rules`] → [`report`].

pub mod analysis;
pub mod baseline;
pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod discover;
pub mod frontend;
pub mod lsp;
pub mod model;
pub mod report;
pub mod rules;
pub mod source;
pub mod suppress;

use diagnostic::{Diagnostic, Severity};
use model::Workspace;
use std::path::PathBuf;

/// Everything a run needs besides the paths.
#[derive(Clone, Debug, Default)]
pub struct CheckOptions {
    pub load: frontend::LoadOptions,
    pub rules: rules::Options,
    /// Code prefixes to run (empty = all).
    pub select: Vec<String>,
    /// Code prefixes to drop.
    pub ignore: Vec<String>,
    /// Per-code severity overrides; `None` turns the code off.
    pub severity: Vec<(String, Option<Severity>)>,
    /// Globs of files and directories to leave out (`exclude:` in `.stv2lint.yaml`, `--exclude`).
    pub exclude: Vec<config::Exclude>,
    /// Unsaved editor buffers: read instead of the file on disk (the language server).
    pub overlay: Vec<(PathBuf, String)>,
    /// More directories files may be read from, besides the linted tree (`--root`).
    pub roots: Vec<PathBuf>,
    /// Files the user named (`--parameters`, `--var-file`): read wherever they are.
    /// `load.parameters` count as named too.
    pub explicit: Vec<PathBuf>,
}

/// The outcome of a run: the model (renderers need its sources) and the diagnostics, sorted.
pub struct Outcome {
    pub ws: Workspace,
    pub diagnostics: Vec<Diagnostic>,
    /// Number of files read.
    pub files: usize,
    /// Paths given that do not exist.
    pub missing: Vec<PathBuf>,
    /// Paths that could not be walked or are not files or directories, with why.
    pub unreadable: Vec<(PathBuf, String)>,
    /// API Management instances found, and how many of them have a check left undecided.
    pub instances: Instances,
}

/// The instance counts of the summary: a run never passes in silence (DESIGN.md §3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Instances {
    pub found: usize,
    pub undecided: usize,
}

impl Outcome {
    /// True when the run could not check everything it was asked to (exit code 2).
    pub fn incomplete(&self) -> bool {
        !self.missing.is_empty()
            || !self.unreadable.is_empty()
            || self.diagnostics.iter().any(|d| {
                d.code == "STV001" && d.severity == Severity::Error && d.suppressed.is_none()
            })
    }
    /// Diagnostics that are not suppressed.
    pub fn active(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.suppressed.is_none())
    }
}

fn matches_prefix(code: &str, prefixes: &[String]) -> bool {
    prefixes.iter().any(|p| {
        code.to_ascii_uppercase()
            .starts_with(&p.trim().to_ascii_uppercase())
    })
}

/// Load, link, check.
pub fn check(paths: &[PathBuf], opts: &CheckOptions) -> Outcome {
    let mut ws = Workspace::default();
    for (p, text) in &opts.overlay {
        ws.overlay.insert(source::canonical(p), text.clone());
    }
    let mut explicit = opts.explicit.clone();
    explicit.extend(opts.load.parameters.iter().cloned());
    ws.fence = source::Fence::for_run(paths, &explicit, &opts.roots);
    let exclude = |p: &std::path::Path| opts.exclude.iter().any(|e| e.matches(p));
    let mut clock = Timings::start();
    let mut found = discover::discover(&mut ws, paths, &exclude);
    clock.lap("discover");
    frontend::arm::load(&mut ws, &found, &opts.load);
    clock.lap("arm");
    frontend::bicep::load(&mut ws, &found, &opts.load);
    clock.lap("bicep");
    // A plan stands in for the Terraform files of its directory (resolved values).
    let planned_hcl = frontend::plan::take_planned_hcl(&ws, &mut found);
    frontend::terraform::load(&mut ws, &found, &opts.load);
    clock.lap("terraform");
    frontend::plan::load(&mut ws, &found, &planned_hcl);
    clock.lap("plan");
    ws.link();
    clock.lap("link");

    let selected = |code: &str| {
        let chosen = if rules::is_advisory(code) {
            matches_prefix(code, &opts.select)
        } else {
            opts.select.is_empty() || matches_prefix(code, &opts.select)
        };
        chosen && !matches_prefix(code, &opts.ignore)
    };
    let mut diagnostics = std::mem::take(&mut ws.diagnostics);
    let checked = rules::check(&ws, &opts.rules, selected);
    let instances = Instances {
        found: checked.instances,
        undecided: checked.instances_undecided,
    };
    diagnostics.extend(checked.diagnostics);
    // Suppressions before the filters below, so that their own STV003/STV004 obey `--ignore`
    // and severities like every code; a suppression of a rule that did not run is not unused.
    let ran = |code: &str| rules::find(code).map_or(true, |r| r.check.is_none()) || selected(code);
    suppress::apply_with(&ws, &mut diagnostics, &ran);
    // The engine's own codes are kept unless explicitly ignored.
    diagnostics.retain(|d| !matches_prefix(d.code, &opts.ignore));
    for d in &mut diagnostics {
        if let Some((_, sev)) = opts
            .severity
            .iter()
            .find(|(c, _)| c.eq_ignore_ascii_case(d.code))
        {
            match sev {
                Some(s) => d.severity = *s,
                None => d.code = "",
            }
        }
    }
    diagnostics.retain(|d| !d.code.is_empty());
    clock.lap("rules");
    dedup(&mut diagnostics);
    sort(&ws, &mut diagnostics);
    Outcome {
        files: ws.sources.len(),
        ws,
        diagnostics,
        missing: found.missing,
        unreadable: found.unreadable,
        instances,
    }
}

/// Phase times on stderr when `STV2LINT_TIMINGS` is set: where a slow run spends its time.
struct Timings(Option<std::time::Instant>);

impl Timings {
    fn start() -> Timings {
        Timings(std::env::var_os("STV2LINT_TIMINGS").map(|_| std::time::Instant::now()))
    }
    fn lap(&mut self, phase: &str) {
        if let Some(t) = self.0 {
            eprintln!(
                "stv2lint: {phase:<10} {:>8.1} ms",
                t.elapsed().as_secs_f64() * 1000.0
            );
            self.0 = Some(std::time::Instant::now());
        }
    }
}

/// The same finding reached twice (one subnet shared by two locations, a file loaded by two
/// deployment units) is reported once.
fn dedup(diags: &mut Vec<Diagnostic>) {
    let mut seen = std::collections::HashSet::new();
    diags.retain(|d| seen.insert((d.code, d.span, d.message.clone())));
}

/// Stable order: file, position, code.
fn sort(ws: &Workspace, diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        let key = |d: &Diagnostic| {
            d.span
                .map(|s| (ws.sources.get(s.file).display.clone(), s.start))
                .unwrap_or_default()
        };
        key(a).cmp(&key(b)).then(a.code.cmp(b.code))
    });
}
