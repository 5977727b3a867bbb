//! stv2lint: lints Azure infrastructure-as-code (ARM JSON, Bicep, Terraform) for the network
//! prerequisites of API Management's stv2 platform.
//!
//! Pipeline: [`discover`] → front ends ([`frontend`]) → [`model::Workspace`] → [`analysis`] →
//! [`rules`] → [`report`], driven from the command line by [`driver`].

pub mod analysis;
pub mod baseline;
pub mod cli;
pub mod code;
pub mod config;
pub mod diagnostic;
pub mod discover;
pub mod driver;
pub mod frontend;
pub mod lsp;
pub mod model;
pub mod parallel;
pub mod report;
pub mod rules;
pub mod source;
pub mod suppress;

use crate::code::Code;
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
    pub severity: Vec<(code::Code, Option<Severity>)>,
    /// Globs of files and directories to leave out (`exclude:` in `.stv2lint.yaml`, `--exclude`).
    pub exclude: Vec<config::Exclude>,
    /// Unsaved editor buffers: read instead of the file on disk (the language server).
    pub overlay: Vec<(PathBuf, String)>,
    /// More directories files may be read from, besides the linted tree (`--root`).
    pub roots: Vec<PathBuf>,
    /// Files the user named (`--parameters`, `--var-file`): read wherever they are.
    /// `load.parameters` count as named too.
    pub explicit: Vec<PathBuf>,
    /// Nested `.stv2lint.yaml` files ([`config::scopes`]): each one's `select`, `ignore`,
    /// `severity` and `exclude` decide for the files under it, its `parameters` and Terraform
    /// variables join the run's. `fail-on` and `migration` are the run's own.
    pub scopes: Vec<config::Scope>,
    /// A named `.tf` file brings the rest of its directory, its module ([`discover`]). The
    /// command line sets it; the fixture harness, whose directories hold many one-file
    /// fixtures, checks each file alone.
    pub whole_modules: bool,
    /// Whether a large Terraform run may be checked a slice of roots at a time ([`Stream`]).
    pub stream: Stream,
}

/// Whether a run checks its Terraform roots a slice at a time, dropping each slice's model once
/// checked, so that memory holds one slice's model and not the whole repository's. The output
/// is the same as a whole run's: a run whose slices reach into each other (a lookup one slice
/// could not answer names what another declares, roots patch each other, inline suppressions)
/// is loaded again and checked whole.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Stream {
    /// Check the run whole (the library's default: the language server and `explain` read the
    /// model afterwards).
    #[default]
    Never,
    /// Stream when the run has many Terraform files ([`STREAM_FROM`]); the command line's
    /// `check`.
    Auto,
    /// Stream whenever the run can be (tests that compare both ways).
    Always,
}

/// How many Terraform files make [`Stream::Auto`] stream: below this the model of the whole run
/// is small, and one pass over it is the simplest.
pub const STREAM_FROM: usize = 256;

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
    /// Whether the run was checked a slice of Terraform roots at a time ([`Stream`]): its
    /// `ws` then holds the sources and units, and only the templates' resources.
    pub streamed: bool,
}

/// The instance counts of the summary: a run never passes in silence (DESIGN.md §3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Instances {
    pub found: usize,
    pub undecided: usize,
    /// Declared, but not deployed with the run's inputs (an STV006 each).
    pub not_deployed: usize,
}

impl Outcome {
    /// True when the run could not check everything it was asked to (exit code 2).
    pub fn incomplete(&self) -> bool {
        !self.missing.is_empty()
            || !self.unreadable.is_empty()
            || self.diagnostics.iter().any(|d| {
                d.suppressed.is_none()
                    && (d.incomplete || (d.code == Code::Stv001 && d.severity == Severity::Error))
            })
    }
    /// Diagnostics that are not suppressed.
    pub fn active(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.suppressed.is_none())
    }
}

/// Whether a code is named by one of the user's codes or code prefixes (`STV2`, `stv501`).
fn matches_prefix(code: code::Code, prefixes: &[String]) -> bool {
    prefixes
        .iter()
        .any(|p| code.as_str().starts_with(&p.trim().to_ascii_uppercase()))
}

/// Load, link, check.
pub fn check(paths: &[PathBuf], opts: &CheckOptions) -> Outcome {
    in_run(|| check_walked(discover::Walked::new(paths), opts))
}

/// [`check`] of paths walked already (the command line walks once, for the nested
/// configurations and the run).
pub fn check_walked(walked: discover::Walked, opts: &CheckOptions) -> Outcome {
    in_run(|| run(walked, opts))
}

/// `f` with a memo of canonical paths ([`source::Canon`]): the caller's, when it made one for
/// its whole run (the command line), else one of this run's own.
pub fn in_run<R>(f: impl FnOnce() -> R) -> R {
    match source::current_canon() {
        Some(_) => f(),
        None => source::with_canon(Some(Default::default()), f),
    }
}

fn run(walked: discover::Walked, opts: &CheckOptions) -> Outcome {
    let paths = walked.paths();
    let mut ws = Workspace::default();
    for (p, text) in &opts.overlay {
        ws.overlay.insert(source::canonical(p), text.clone());
    }
    let mut explicit = opts.explicit.clone();
    explicit.extend(opts.load.parameters.iter().cloned());
    ws.fence = source::Fence::for_run(paths, &explicit, &opts.roots);
    // A nested file's excludes are anchored at its own directory, so they reach only its files.
    let exclude = |p: &std::path::Path| {
        opts.exclude
            .iter()
            .chain(opts.scopes.iter().flat_map(|s| &s.config.exclude))
            .any(|e| e.matches(p))
    };
    let mut load = opts.load.clone();
    for s in &opts.scopes {
        load.parameter_map
            .extend(s.config.parameters.iter().cloned());
        if !s.config.var_files.is_empty() || !s.config.vars.is_empty() {
            load.scoped_vars.push((
                s.dir.clone(),
                s.config.var_files.clone(),
                s.config.vars.clone(),
            ));
        }
    }
    let mut clock = Timings::start();
    let mut found = discover::discover_walked(&mut ws, walked, &exclude, opts.whole_modules);
    clock.lap("discover");

    // Advisory rules (the same advice for every deployment of a kind) run only when named.
    let selected_by = |select: &[String], ignore: &[String], code: code::Code| {
        let chosen = if rules::is_advisory(code) {
            matches_prefix(code, select)
        } else {
            select.is_empty() || matches_prefix(code, select)
        };
        chosen && !matches_prefix(code, ignore)
    };
    // A rule runs when the run or any nested configuration selects it; each finding is then
    // kept or dropped by the settings of its own file.
    let selected = |code: code::Code| {
        selected_by(&opts.select, &opts.ignore, code)
            || opts.scopes.iter().any(|s| {
                selected_by(
                    s.config.select.as_deref().unwrap_or(&opts.select),
                    s.config.ignore.as_deref().unwrap_or(&opts.ignore),
                    code,
                )
            })
    };
    let streamable = opts.overlay.is_empty()
        && found.plans.is_empty()
        && match opts.stream {
            Stream::Never => false,
            Stream::Auto => found.terraform.len() >= STREAM_FROM,
            Stream::Always => true,
        };
    let mut checked = None;
    if streamable {
        let discovered = ws.diagnostics.clone();
        let read = ws.sources.len();
        checked = streamed(&mut ws, &found, &load, opts, &selected, &mut clock);
        if checked.is_none() {
            // The slices reach into each other: load again, whole, from what discovery read.
            let mut fresh = Workspace::default();
            fresh.sources = std::mem::take(&mut ws.sources);
            fresh.sources.truncate(read);
            fresh.overlay = std::mem::take(&mut ws.overlay);
            fresh.fence = std::mem::take(&mut ws.fence);
            fresh.diagnostics = discovered;
            ws = fresh;
        }
    }
    let streamed = checked.is_some();
    let checked = match checked {
        Some(c) => c,
        None => {
            load_templates(&mut ws, &found, &load, &mut clock);
            // A plan stands in for the Terraform files of its directory (resolved values).
            let planned_hcl = frontend::plan::take_planned_hcl(&ws, &mut found);
            frontend::terraform::load(&mut ws, &found, &load);
            clock.lap("terraform");
            frontend::plan::load(&mut ws, &found, &planned_hcl);
            clock.lap("plan");
            ws.link();
            clock.lap("link");
            let part = rules::check_part(&ws, &opts.rules, selected);
            rules::finish(&ws.units, vec![part], std::mem::take(&mut ws.diagnostics))
        }
    };
    let instances = Instances {
        found: checked.instances,
        undecided: checked.instances_undecided,
        not_deployed: checked.instances_not_deployed,
    };
    let mut diagnostics = checked.diagnostics;
    // Suppressions before the filters below, so that their own STV003/STV004 obey `--ignore`
    // and severities like every code; a suppression of a rule that did not run is not unused.
    let ran = |code: code::Code| rules::rule(code).check.is_none() || selected(code);
    suppress::apply_with(&ws, &mut diagnostics, &ran);
    let mut scope_cache: std::collections::HashMap<source::FileId, Option<&config::Scope>> =
        Default::default();
    let mut scope = |d: &Diagnostic| {
        let f = d.span?.file;
        *scope_cache
            .entry(f)
            .or_insert_with(|| config::scope_of(&opts.scopes, &ws.sources.get(f).path))
    };
    // The engine's own codes are kept unless explicitly ignored.
    diagnostics.retain(|d| {
        let sc = scope(d).map(|s| &s.config);
        let select = sc.and_then(|c| c.select.as_deref()).unwrap_or(&opts.select);
        let ignore = sc.and_then(|c| c.ignore.as_deref()).unwrap_or(&opts.ignore);
        let is_rule = rules::rule(d.code).check.is_some();
        !matches_prefix(d.code, ignore) && (!is_rule || selected_by(select, ignore, d.code))
    });
    // A severity override changes the severity, or (`off`) drops the finding.
    diagnostics.retain_mut(|d| {
        let nested = scope(d)
            .map(|s| s.config.severity.as_slice())
            .unwrap_or(&[]);
        match nested
            .iter()
            .chain(&opts.severity)
            .find(|(c, _)| *c == d.code)
        {
            Some((_, Some(s))) => {
                d.severity = *s;
                true
            }
            Some((_, None)) => false,
            None => true,
        }
    });
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
        streamed,
    }
}

/// The templates of a run: ARM, then Bicep, then the parameter files no template used.
fn load_templates(
    ws: &mut Workspace,
    found: &discover::Discovered,
    load: &frontend::LoadOptions,
    clock: &mut Timings,
) {
    frontend::arm::load(ws, found, load);
    clock.lap("arm");
    frontend::bicep::load(ws, found, load);
    frontend::arm::unused_parameter_files(ws, found);
    frontend::arm::unfitted_parameter_files(ws, found, load);
    clock.lap("bicep");
}

/// A run checked a slice of Terraform roots at a time ([`Stream`]): the templates are the
/// first part, each slice of roots a part of its own, linked, checked and dropped in turn.
/// `None` as soon as the parts reach into each other (the run must then be checked whole).
fn streamed(
    ws: &mut Workspace,
    found: &discover::Discovered,
    load: &frontend::LoadOptions,
    opts: &CheckOptions,
    selected: &(dyn Fn(code::Code) -> bool + Sync + Send),
    clock: &mut Timings,
) -> Option<rules::Checked> {
    // Suppressions apply to the findings with the model at hand: none may be dropped yet.
    if suppress::mentioned(ws) {
        return None;
    }
    load_templates(ws, found, load, clock);
    // The templates first, linked and checked before any root, so that a root that reaches
    // into them is seen with its slice.
    ws.record_probes();
    ws.link();
    let parts = vec![rules::check_part(ws, &opts.rules, selected)];
    let mut meeting = model::Meeting::default();
    if meeting.add(0, ws.footprint()) {
        return None;
    }
    clock.lap("templates");
    let mut each = Parts {
        rules: &opts.rules,
        selected,
        parts,
        meeting,
        help: Default::default(),
    };
    let apart = frontend::terraform::load_streamed(ws, found, load, &mut each);
    let mut parts = each.parts;
    clock.lap("terraform");
    parts[0].recount(ws);
    // A module outside the tree, read on the way, may hold one too.
    let apart = apart && !suppress::mentioned(ws);
    apart.then(|| rules::finish(&ws.units, parts, std::mem::take(&mut ws.diagnostics)))
}

/// The parts of a streamed run: each linked, checked, and looked at for a reach into another.
struct Parts<'a> {
    rules: &'a rules::Options,
    selected: &'a (dyn Fn(code::Code) -> bool + Sync + Send),
    parts: Vec<rules::Partial>,
    meeting: model::Meeting,
    /// Help texts met so far, one copy of each across the parts.
    help: std::collections::HashSet<std::sync::Arc<str>>,
}

impl frontend::terraform::EachPart for Parts<'_> {
    type Checked = rules::Partial;
    fn prepare(&mut self, run: &mut Workspace, part: &mut Workspace) {
        part.link();
        run.diagnostics.append(&mut part.diagnostics);
    }
    fn check(&self, part: &Workspace) -> rules::Partial {
        rules::check_part(part, self.rules, self.selected)
    }
    fn done(&mut self, mut checked: rules::Partial, part: &Workspace) -> bool {
        checked.share_help(&mut self.help);
        self.parts.push(checked);
        // After the check: its lookups are part of the footprint.
        !self.meeting.add(self.parts.len() - 1, part.footprint())
    }
}

/// Phase times on stderr when `STV2LINT_TIMINGS` is set: where a slow run spends its time.
pub struct Timings(Option<std::time::Instant>);

impl Timings {
    pub fn start() -> Timings {
        Timings(std::env::var_os("STV2LINT_TIMINGS").map(|_| std::time::Instant::now()))
    }
    pub fn lap(&mut self, phase: &str) {
        if let Some(t) = self.0 {
            eprintln!(
                "stv2lint: {phase:<10} {:>8.1} ms{}",
                t.elapsed().as_secs_f64() * 1000.0,
                memory()
            );
            self.0 = Some(std::time::Instant::now());
        }
    }
}

/// The resident and peak memory after a phase, where the system tells (Linux).
fn memory() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = |key: &str| {
        status.lines().find_map(|l| {
            l.strip_prefix(key)?
                .trim()
                .strip_suffix("kB")?
                .trim()
                .parse::<u64>()
                .ok()
        })
    };
    match (kb("VmRSS:"), kb("VmHWM:")) {
        (Some(rss), Some(peak)) => {
            format!("  rss {:>5} MB  peak {:>5} MB", rss / 1024, peak / 1024)
        }
        _ => String::new(),
    }
}

/// The same finding reached twice (one subnet shared by two locations, a file loaded by two
/// deployment units) is reported once.
fn dedup(diags: &mut Vec<Diagnostic>) {
    // Keyed by borrowed messages: a large run has tens of thousands of findings.
    let keep: Vec<bool> = {
        let mut seen = std::collections::HashSet::with_capacity_and_hasher(
            diags.len(),
            foldhash::fast::RandomState::default(),
        );
        diags
            .iter()
            .map(|d| seen.insert((d.code, d.span, d.message.as_str())))
            .collect()
    };
    let mut keep = keep.into_iter();
    diags.retain(|_| keep.next().unwrap_or(true));
}

/// Stable order: file, position, code.
fn sort(ws: &Workspace, diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        // Borrowed, not cloned: a large run sorts tens of thousands of findings.
        let key = |d: &Diagnostic| {
            d.span
                .map(|s| (ws.sources.get(s.file).display.as_str(), s.start))
                .unwrap_or(("", 0))
        };
        key(a).cmp(&key(b)).then(a.code.cmp(&b.code))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{FileId, Span};

    #[test]
    fn dedup_keeps_the_first_of_each_finding_in_order() {
        let at = |s| Some(Span::new(FileId(0), s, s + 1));
        let d = |code, span, msg: &str| {
            let mut d = Diagnostic::new(code, Severity::Error, msg);
            d.span = span;
            d
        };
        let mut diags = vec![
            d(code::Code::Stv203, at(1), "a"),
            d(code::Code::Stv203, at(1), "b"),
            d(code::Code::Stv203, at(1), "a"),
            d(code::Code::Stv217, at(1), "a"),
            d(code::Code::Stv203, at(2), "a"),
            d(code::Code::Stv203, None, "a"),
            d(code::Code::Stv203, None, "a"),
        ];
        dedup(&mut diags);
        let got: Vec<_> = diags
            .iter()
            .map(|d| (d.code, d.span.map(|s| s.start), d.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (code::Code::Stv203, Some(1), "a"),
                (code::Code::Stv203, Some(1), "b"),
                (code::Code::Stv217, Some(1), "a"),
                (code::Code::Stv203, Some(2), "a"),
                (code::Code::Stv203, None, "a"),
            ]
        );
    }
}
