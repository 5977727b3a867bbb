//! Native Bicep: `.bicep` and `.bicepparam`, without the Bicep CLI.
//!
//! [`parser`] turns each file into a syntax tree with spans; [`program`] follows modules,
//! imports and `using` to every file a run needs; [`eval`] evaluates each deployment (entry file
//! or module instance) with its parameters and emits ARM-shaped resources, which the shared
//! adapter ([`crate::model::arm_body`]) turns into model resources.
//!
//! Entry points: every `.bicepparam` file (with the file it is `using`), and every `.bicep` file
//! that no other file of the run uses as a module, imports from, or names in `using`.

pub mod ast;
pub mod eval;
pub mod lexer;
pub mod parser;
pub mod program;

use super::LoadOptions;
use crate::discover::{self, Discovered};
use crate::frontend::arm::{fitting, Stage};
use crate::model::arm_body::{self, ArmResource};
use crate::model::{Format, ResKey, Workspace, V};
use crate::source::{canonical, FileId, Lang};
use program::{Program, Target};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Load the Bicep entry points of the run into the workspace.
pub fn load(ws: &mut Workspace, found: &Discovered, opts: &LoadOptions) {
    let is_param_path = |p: &Path| {
        p.to_string_lossy()
            .to_ascii_lowercase()
            .ends_with(".bicepparam")
    };
    // `--parameters`: .bicepparam files are entries; JSON files apply to every .bicep entry.
    let mut param_files: Vec<FileId> = found.bicepparam.clone();
    let mut json_params: Vec<PathBuf> = Vec::new();
    let mut extra_param_paths: Vec<PathBuf> = opts
        .parameters
        .iter()
        .filter(|p| is_param_path(p))
        .cloned()
        .collect();
    extra_param_paths.extend(
        opts.parameter_map
            .iter()
            .filter(|(_, p)| is_param_path(p))
            .map(|(_, p)| p.clone()),
    );
    for p in &opts.parameters {
        if !is_param_path(p) {
            json_params.push(p.clone());
        }
    }
    if found.bicep.is_empty() && param_files.is_empty() && extra_param_paths.is_empty() {
        return;
    }
    for p in extra_param_paths {
        let Some(id) = ws.find_or_read(&p, Lang::BicepParam) else {
            continue;
        };
        if !param_files.contains(&id) {
            param_files.push(id);
        }
    }

    let mut roots = found.bicep.clone();
    roots.extend(param_files.iter().copied());
    let mut prog = Program::build(ws, &roots);
    ws.diagnostics.append(&mut prog.diagnostics);

    // Files used by others are not entry points of their own.
    let mut used: HashSet<FileId> = HashSet::new();
    for u in prog.units.values() {
        for t in u.modules.values() {
            if let Target::Local(f) = t {
                used.insert(*f);
            }
        }
        used.extend(u.imports.iter().copied());
        if let Some((Target::Local(f), _)) = &u.using {
            used.insert(*f);
        }
    }

    // Files that use each other with no file outside using them (a.bicep ↔ b.bicep) would
    // leave no entry point and pass unchecked: the first such file becomes one, and evaluating
    // it reports the cycle.
    let mut reached: HashSet<FileId> = HashSet::new();
    let mut entry_points: HashSet<FileId> = HashSet::new();
    let mut order: Vec<FileId> = found
        .bicep
        .iter()
        .copied()
        .filter(|b| !used.contains(b))
        .collect();
    order.extend(param_files.iter().copied());
    order.extend(found.bicep.iter().copied().filter(|b| used.contains(b)));
    for f in order {
        if reached.contains(&f) {
            continue;
        }
        entry_points.insert(f);
        let mut stack = vec![f];
        while let Some(x) = stack.pop() {
            if !reached.insert(x) {
                continue;
            }
            if let Some(u) = prog.unit(x) {
                stack.extend(local_edges(u, false));
            }
        }
    }

    // `--parameters` JSON files, read once.
    let explicit_sets: Vec<Stage> = json_params
        .iter()
        .filter_map(|f| {
            let values = crate::frontend::arm::parameter_values(ws, found, f)?;
            Some(Stage::of(ws, f, values))
        })
        .collect();
    // The stages of each .bicep entry (read before evaluation borrows the sources): each
    // parameter file is its own deployment; no parameter file, one with the defaults.
    let mut entries: Vec<(FileId, Stage)> = Vec::new();
    let pairing = discover::Pairing::new(ws, found).listing(!opts.pair_discovered_only);
    for &b in &found.bicep {
        if used.contains(&b) && !entry_points.contains(&b) {
            continue;
        }
        let path = ws.sources.get(b).path.clone();
        let mut stages: Vec<Stage> = Vec::new();
        for (_, p) in opts
            .parameter_map
            .iter()
            .filter(|(t, p)| !is_param_path(p) && canonical(t) == canonical(&path))
        {
            if let Some(values) = crate::frontend::arm::parameter_values(ws, found, p) {
                stages.push(Stage::of(ws, p, values));
            }
        }
        if stages.is_empty() {
            stages = fitting(ws, &explicit_sets, declared_params(&prog, b).as_ref());
        }
        if stages.is_empty() {
            let mut files = pairing.stage_files(&path);
            if files.is_empty() {
                files.extend(paired_json(ws, found, &path));
            }
            for f in files {
                if let Some(values) = crate::frontend::arm::parameter_values(ws, found, &f) {
                    stages.push(Stage::of(ws, &f, values));
                }
            }
        }
        if stages.is_empty() {
            stages.push(Stage {
                name: None,
                values: HashMap::new(),
            });
        }
        for st in stages {
            entries.push((b, st));
        }
    }

    // The deployments in order: parameter files, then .bicep entries with each stage.
    let display = |f: FileId| ws.sources.get(f).display.clone();
    let mut jobs: Vec<Job> = Vec::new();
    for &pf in &param_files {
        let Some(u) = prog.unit(pf).filter(|u| u.is_param) else {
            continue;
        };
        let group = match &u.using {
            Some((Target::Local(t), _)) => display(*t),
            _ => display(pf),
        };
        jobs.push(Job {
            unit: pf,
            param_file: true,
            given: HashMap::new(),
            name: display(pf),
            stage: Some(display(pf)),
            group,
        });
    }
    for (b, st) in entries {
        jobs.push(Job {
            unit: b,
            param_file: false,
            name: st.name.clone().unwrap_or_else(|| display(b)),
            stage: st.name,
            group: display(b),
            given: st.values,
        });
    }
    // The last deployment that needs each file: its syntax tree is dropped after that one.
    // (What each deployment needs is found on every worker, many deployments per item.)
    let chunks: Vec<&[Job]> = jobs.chunks(256).collect();
    let needs = crate::parallel::map(&chunks, |chunk| {
        chunk
            .iter()
            .map(|job| {
                let mut stack = vec![job.unit];
                let mut seen: HashSet<FileId> = HashSet::new();
                while let Some(x) = stack.pop() {
                    if !seen.insert(x) {
                        continue;
                    }
                    if let Some(u) = prog.unit(x) {
                        stack.extend(local_edges(u, true));
                    }
                }
                seen
            })
            .collect::<Vec<_>>()
    });
    let mut last_use: HashMap<FileId, usize> = HashMap::new();
    for (j, files) in needs.into_iter().flatten().enumerate() {
        for x in files {
            last_use.insert(x, j);
        }
    }
    let mut by_last: Vec<Vec<FileId>> = vec![Vec::new(); jobs.len()];
    for (f, j) in last_use {
        by_last[j].push(f);
    }

    // Deployments evaluate on every worker, each with its own evaluator, and join the workspace
    // in the order above, a slice at a time: what waits to be ingested stays small, and the
    // syntax trees no later deployment needs are dropped after each slice. What the run keeps
    // across deployments is merged in order ([`Joining`]). A slice joins the workspace (and the
    // trees freed before it are dropped) while the next one evaluates: the one thread that
    // joins does not keep the others waiting. The sources are lent to the evaluators meanwhile;
    // joining does not read them.
    let diag_at = ws.diagnostics.len();
    let sources = std::mem::take(&mut ws.sources);
    let mut joining = Joining::default();
    // The numbering each slice guesses: the run's after the slice before it, as the first
    // evaluations of that slice give it (taken from the run's again after a second evaluation,
    // which may have made other instances).
    let mut guess = eval::Numbering::default();
    // One worker evaluates each deployment knowing the numbering: no guess, no second try.
    let slice = match crate::parallel::threads() {
        0 | 1 => 1,
        n => 16 * n,
    };
    let mut waiting: Vec<(&Job, Evaluated)> = Vec::new();
    let mut unused: Vec<program::Unit> = Vec::new();
    let mut start = 0;
    loop {
        let end = (start + slice).min(jobs.len());
        let batch = &jobs[start..end];
        let (prog_ref, sources_ref, guessed) = (&prog, &sources, &guess);
        let ((), outcomes) = crate::parallel::join(
            || {
                for (job, done) in waiting.drain(..) {
                    joining.join(ws, prog_ref, sources_ref, job, done);
                }
                drop(std::mem::take(&mut unused));
            },
            || {
                crate::parallel::map(batch, |job| {
                    let mut out = evaluate(prog_ref, sources_ref, guessed, job);
                    let part = convert(&mut out);
                    (out, part)
                })
            },
        );
        // The slice before this one has joined: the trees only it needed go.
        if let Some(last) = start.checked_sub(slice) {
            for files in &by_last[last..start] {
                unused.extend(files.iter().filter_map(|f| prog.units.remove(f)));
            }
        }
        if std::mem::take(&mut joining.redone) {
            guess = joining.numbering.clone();
        }
        for (out, _) in &outcomes {
            guess.advance(out);
        }
        waiting = batch.iter().zip(outcomes).collect();
        if end == jobs.len() {
            break;
        }
        start = end;
    }
    for (job, done) in waiting {
        joining.join(ws, &prog, &sources, job, done);
    }
    ws.sources = sources;
    ws.diagnostics.splice(diag_at..diag_at, joining.diagnostics);
    let mut seen: HashSet<crate::source::Span> = ws.unloaded_apims.iter().map(|x| x.at).collect();
    for u in joining.unloaded {
        if seen.insert(u.at) {
            ws.unloaded_apims.push(u);
        }
    }
}

/// A deployment evaluated, and its resources converted.
type Evaluated = (eval::Outcome, Workspace);

/// What the run keeps across deployments, merged in their order: the instance numbering (a
/// deployment whose guess of it was wrong and that wrote a number into a name is evaluated
/// again, now knowing it), diagnostics reported once per run (the evaluation diagnostics come
/// before what ingesting gives), unloaded API Management instances.
#[derive(Default)]
struct Joining {
    numbering: eval::Numbering,
    reported: HashSet<eval::ReportKey>,
    diagnostics: Vec<crate::diagnostic::Diagnostic>,
    unloaded: Vec<crate::model::UnloadedApim>,
    /// A deployment was evaluated again since the last look.
    redone: bool,
}

impl Joining {
    /// The next deployment into the workspace.
    fn join(
        &mut self,
        ws: &mut Workspace,
        prog: &Program,
        sources: &crate::source::SourceMap,
        job: &Job,
        (mut out, mut part): Evaluated,
    ) {
        if !self.numbering.fits(&out) {
            out = evaluate(prog, sources, &self.numbering, job);
            part = convert(&mut out);
            self.redone = true;
        }
        self.numbering.advance(&out);
        for (d, once) in out.diagnostics {
            if once.map_or(true, |k| self.reported.insert(k)) {
                self.diagnostics.push(d);
            }
        }
        self.unloaded.extend(out.unloaded);
        ingest(ws, job, part);
    }
}

/// Evaluate one deployment on its own, numbering its instances from `numbering`.
fn evaluate(
    prog: &Program,
    sources: &crate::source::SourceMap,
    numbering: &eval::Numbering,
    job: &Job,
) -> eval::Outcome {
    let ev = eval::Eval::new(prog, sources, numbering);
    if job.param_file {
        ev.run_param_file(job.unit, &job.given);
    } else {
        ev.run_entry(job.unit, job.given.clone());
    }
    ev.finish()
}

/// One deployment of the run.
struct Job {
    unit: FileId,
    /// `unit` is a `.bicepparam` file (evaluated with the file it is `using`).
    param_file: bool,
    given: HashMap<String, V>,
    name: String,
    stage: Option<String>,
    group: String,
}

/// A deployment's resources in model form, in a workspace of their own, with the `existing`
/// instances it references: built on the worker that evaluated it, so that converting (and
/// freeing the evaluated values) is not left to the one thread that joins the deployments.
fn convert(out: &mut eval::Outcome) -> Workspace {
    let emitted = std::mem::take(&mut out.emitted);
    let mut part = Workspace::default();
    part.not_deployed = std::mem::take(&mut out.not_deployed);
    part.deployed_calls = std::mem::take(&mut out.deployed_calls);
    // The same declaration deploying the same resource twice in one deployment (an AVM
    // test's `init`/`idem` loop) is one resource. Different declarations of one resource are
    // merged by the model instead; other deployments' stay apart.
    let mut seen = HashSet::new();
    for e in emitted {
        if e.existing {
            if let Some(n) = e.name.as_name() {
                part.reference_apim(ResKey::new(&e.rtype, n, e.rg.as_deref()));
            }
            continue;
        }
        if let Some(n) = e.name.as_name() {
            let key = (
                e.rtype.to_ascii_lowercase(),
                n.to_ascii_lowercase(),
                e.rg.as_deref().map(str::to_ascii_lowercase),
                e.decl,
            );
            if !seen.insert(key) {
                continue;
            }
        }
        arm_body::ingest(
            &mut part,
            ArmResource {
                rtype: &e.rtype,
                api_version: e.api_version.as_ref(),
                name: &e.name,
                body: &e.body,
                decl: e.decl,
                label: e.label,
                format: Format::Bicep,
                rg: e.rg,
                deployed: e.deployed,
            },
        );
    }
    part
}

/// A deployment's resources into the workspace, as a unit of its own.
fn ingest(ws: &mut Workspace, job: &Job, part: Workspace) {
    ws.begin_unit(
        job.name.clone(),
        job.stage.clone(),
        format!("bicep|{}", job.group),
    );
    ws.append(part);
}

/// The lower-cased parameter names a `.bicep` file declares.
fn declared_params(prog: &Program, file: FileId) -> Option<HashSet<String>> {
    let f = prog.unit(file)?.file.as_ref()?;
    Some(
        f.decls
            .iter()
            .filter_map(|d| match &d.kind {
                ast::DeclKind::Param { name, .. } => Some(name.text.to_ascii_lowercase()),
                _ => None,
            })
            .collect(),
    )
}

/// The ARM parameter file of a `.bicep` file: `X.parameters.json`, or — in a quickstart-style
/// folder — `azuredeploy.parameters.json` beside `main.bicep` when no `azuredeploy.json`
/// claims it.
pub fn paired_json(ws: &Workspace, found: &Discovered, bicep: &Path) -> Option<PathBuf> {
    if let Some(p) = crate::frontend::arm::paired_parameters(ws, found, bicep) {
        return Some(p);
    }
    let stem = bicep.file_stem()?.to_string_lossy().to_ascii_lowercase();
    if stem != "main" {
        return None;
    }
    let dir = bicep.parent()?;
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let mut params = None;
    let mut template = false;
    for e in std::fs::read_dir(dir).ok()?.flatten() {
        let n = e.file_name().to_string_lossy().to_ascii_lowercase();
        if n == "azuredeploy.parameters.json" {
            params = Some(bicep.parent()?.join(e.file_name()));
        } else if n == "azuredeploy.json" {
            template = true;
        }
    }
    if template {
        None
    } else {
        params
    }
}

#[cfg(test)]
mod tests;

/// The local files a unit reads: its modules, imports and `using` target, and with
/// `extends` its base parameter file too.
fn local_edges(u: &program::Unit, extends: bool) -> Vec<FileId> {
    let mut out: Vec<FileId> = u
        .modules
        .values()
        .filter_map(|t| match t {
            Target::Local(y) => Some(*y),
            _ => None,
        })
        .collect();
    out.extend(u.imports.iter().copied());
    if let Some((Target::Local(y), _)) = &u.using {
        out.push(*y);
    }
    if let (true, Some(Target::Local(y))) = (extends, &u.extends) {
        out.push(*y);
    }
    out
}
