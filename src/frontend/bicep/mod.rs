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
use crate::model::arm_body::{self, ArmResource};
use crate::model::{Format, Workspace, V};
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
        let Some(id) = discover::find_or_read(ws, &p, Lang::BicepParam) else {
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

    // Parameter values of each .bicep entry (read before evaluation borrows the sources).
    let mut entries: Vec<(FileId, HashMap<String, V>)> = Vec::new();
    for &b in &found.bicep {
        if used.contains(&b) {
            continue;
        }
        let path = ws.sources.get(b).path.clone();
        let files: Vec<PathBuf> = if !json_params.is_empty() {
            json_params.clone()
        } else if let Some((_, p)) = opts
            .parameter_map
            .iter()
            .find(|(t, p)| !is_param_path(p) && canonical(t) == canonical(&path))
        {
            vec![p.clone()]
        } else {
            paired_json(ws, found, &path).into_iter().collect()
        };
        let mut given = HashMap::new();
        for f in &files {
            if let Some(values) = crate::frontend::arm::parameter_values(ws, found, f) {
                for (k, v) in values {
                    given.insert(k, v);
                }
            }
        }
        entries.push((b, given));
    }

    let emitted = {
        let ev = eval::Eval::new(&prog, &ws.sources);
        for &pf in &param_files {
            if prog.unit(pf).is_some_and(|u| u.is_param) {
                ev.run_param_file(pf, &HashMap::new());
            }
        }
        for (b, given) in entries {
            ev.run_entry(b, given);
        }
        ws.diagnostics.extend(ev.diagnostics.take());
        for u in ev.unloaded.take() {
            if !ws.unloaded_apims.iter().any(|x| x.at == u.at) {
                ws.unloaded_apims.push(u);
            }
        }
        ev.emitted.take()
    };
    // The same declaration deploying the same resource twice (an AVM test's `init`/`idem`
    // loop, two parameter files of one template naming the same resources) is one resource.
    // Different declarations of one resource are merged by the model instead.
    let mut seen = HashSet::new();
    for e in emitted {
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
            ws,
            ArmResource {
                rtype: &e.rtype,
                api_version: e.api_version.as_ref(),
                name: &e.name,
                body: &e.body,
                decl: e.decl,
                label: e.label,
                format: Format::Bicep,
                rg: e.rg,
            },
        );
    }
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
