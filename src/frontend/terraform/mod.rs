//! Terraform: azurerm (v3, v4, v5) and AzAPI into the model, with Terraform's own evaluation.
//!
//! - [`parse`]: `.tf`/`.tfvars` (hcl-edit, with spans) and `.tf.json`/`.tfvars.json` into [`ast`].
//! - [`modules`]: a directory is a module; local module calls are followed, also outside the
//!   paths given; registry and git modules are not downloaded (their outputs are unknown).
//! - [`eval`]: variables, locals, resources, data sources, `count`/`for_each`, `dynamic`
//!   blocks, `for` expressions, splats and [`functions`], with unknowns.
//! - [`azurerm`] and [`azapi`]: evaluated resources into model resources.
//!
//! Root modules are the directories of the run that no other directory of the run calls.

pub mod ast;
pub(crate) mod azapi;
pub(crate) mod azurerm;
pub mod eval;
pub mod functions;
pub mod modules;
pub mod parse;
pub(crate) mod version;

use super::LoadOptions;
use crate::discover::Discovered;
use crate::model::Shared;
use crate::model::{UnitId, Workspace};
use crate::source::{FileId, Lang};
use eval::{Eval, Input};
use modules::{resolve_source, Loader, Module, Source};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::rc::Rc;

/// Load every Terraform root module found among the discovered files into the workspace.
pub fn load(ws: &mut Workspace, found: &Discovered, opts: &LoadOptions) {
    load_files(ws, &found.terraform, opts);
}

/// Load in-memory files (path, text) as if they had been discovered: for fuzzing and tests.
/// Module calls to directories not among them are read from disk, as usual.
pub fn load_texts(ws: &mut Workspace, files: &[(PathBuf, String)], opts: &LoadOptions) {
    let mut ids = Vec::new();
    for (path, text) in files {
        let Some(lang) = crate::source::lang_of(path) else {
            continue;
        };
        if !matches!(
            lang,
            Lang::Terraform | Lang::TerraformJson | Lang::TerraformVars
        ) {
            continue;
        }
        ids.push(ws.sources.add(crate::source::SourceFile::new(
            path.clone(),
            path.to_string_lossy().to_string(),
            text.clone(),
            lang,
        )));
    }
    load_files(ws, &ids, opts);
}

/// Registry and git modules are not downloaded: one that evidently deploys API Management (its
/// source names it, or it takes APIM-only inputs) is recorded so the instance is not forgotten.
fn unloaded_apims(ws: &mut Workspace, m: &Module) {
    for c in &m.calls {
        let Some((src, _)) = &c.source else { continue };
        let Source::Remote(r) = resolve_source(&m.dir, src) else {
            continue;
        };
        if crate::model::names_apim(&r)
            || c.args
                .iter()
                .any(|a| crate::model::apim_only_input(&a.name))
        {
            let why = if r.contains("::") || r.starts_with("git@") || r.contains("github.com") {
                "git source"
            } else {
                "registry module"
            };
            ws.unloaded_apims.push(crate::model::UnloadedApim {
                module: r,
                why: why.to_string(),
                at: c.span,
                label: format!("module.{}", c.name),
            });
        }
    }
}

fn load_files(ws: &mut Workspace, files: &[FileId], opts: &LoadOptions) {
    if files.is_empty() {
        return;
    }
    let mut loader = Loader::new(ws, files);

    // Every tfvars file of the run is parsed, so its syntax errors are reported even when no
    // module of the run reads it (tfvars for a remote module).
    let mut dirs: Vec<PathBuf> = loader.run_dirs.keys().cloned().collect();
    dirs.sort();
    for d in &dirs {
        let vars = loader.run_dirs[d].1.clone();
        for id in vars {
            loader.tfvars(ws, id);
        }
    }

    let mut modules: Vec<Rc<Module>> = Vec::new();
    for d in &dirs {
        if loader.run_dirs[d].0.is_empty() {
            continue;
        }
        if let Some(m) = loader.module(ws, d) {
            modules.push(m);
        }
    }
    let mut called: HashSet<PathBuf> = HashSet::new();
    for m in &modules {
        for c in &m.calls {
            if let Some((src, _)) = &c.source {
                if let Source::Local(dir) = resolve_source(&m.dir, src) {
                    if dir != m.dir {
                        called.insert(dir);
                    }
                }
            }
        }
    }
    for m in &modules {
        unloaded_apims(ws, m);
    }
    let mut roots: Vec<Rc<Module>> = modules
        .iter()
        .filter(|m| !called.contains(&m.dir))
        .cloned()
        .collect();
    // Directories of the run that call each other with no root above them (a ↔ b) would pass
    // unchecked: the first one not reached from a root becomes a root, and evaluating it
    // reports the cycle.
    let by_dir: HashMap<&PathBuf, &Rc<Module>> = modules.iter().map(|m| (&m.dir, m)).collect();
    let mut reached: HashSet<PathBuf> = HashSet::new();
    let reach = |from: &Rc<Module>, reached: &mut HashSet<PathBuf>| {
        let mut stack = vec![from.clone()];
        while let Some(m) = stack.pop() {
            if !reached.insert(m.dir.clone()) {
                continue;
            }
            for c in &m.calls {
                if let Some((src, _)) = &c.source {
                    if let Source::Local(dir) = resolve_source(&m.dir, src) {
                        if let Some(n) = by_dir.get(&dir) {
                            stack.push((*n).clone());
                        }
                    }
                }
            }
        }
    };
    for r in &roots {
        reach(r, &mut reached);
    }
    for m in &modules {
        if !reached.contains(&m.dir) {
            reach(m, &mut reached);
            roots.push(m.clone());
        }
    }

    let var_files: Vec<Rc<ast::Body>> = opts
        .var_files
        .iter()
        .filter_map(|p| {
            let id = ws.find_or_read(p, Lang::TerraformVars)?;
            loader.tfvars(ws, id)
        })
        .collect();

    // Per nested configuration: its var files (read once) and its vars, then the run's.
    type Scoped = (PathBuf, Vec<Rc<ast::Body>>, Vec<(String, String)>);
    let scoped: Vec<Scoped> = opts
        .scoped_vars
        .iter()
        .map(|(dir, files, vars)| {
            let bodies: Vec<Rc<ast::Body>> = files
                .iter()
                .filter_map(|p| {
                    let id = ws.find_or_read(p, Lang::TerraformVars)?;
                    loader.tfvars(ws, id)
                })
                .chain(var_files.iter().cloned())
                .collect();
            let vars = vars.iter().chain(&opts.vars).cloned().collect();
            (dir.clone(), bodies, vars)
        })
        .collect();

    // Inputs of every root first (tfvars are read once, in root order).
    let mut ev = Eval::new(ws, loader, azurerm::computed);
    let mut planned = Vec::with_capacity(roots.len());
    for m in roots {
        let dir = crate::source::canonical(&m.dir);
        let nearest = scoped
            .iter()
            .filter(|(d, _, _)| dir.starts_with(d))
            .max_by_key(|(d, _, _)| d.components().count());
        let (files, vars) = match nearest {
            Some((_, f, v)) => (f.as_slice(), v.as_slice()),
            None => (var_files.as_slice(), opts.vars.as_slice()),
        };
        let inputs = root_inputs(&mut ev, &m, files, vars);
        planned.push((m, inputs));
    }
    let mut loader = std::mem::take(&mut ev.loader);
    drop(ev);
    let run = Rc::new(eval::Run::new(planned));

    // Each root module with the module instances it calls is one deployment unit.
    let units: Vec<UnitId> = run
        .roots
        .iter()
        .map(|(m, _)| {
            let dir = crate::source::display_path(&m.dir);
            let name = if dir.is_empty() { ".".to_string() } else { dir };
            let group = format!("terraform|{name}");
            ws.begin_unit(name, None, group)
        })
        .collect();

    // Roots are evaluated one at a time: a root's evaluator (memo tables, values) is dropped
    // once its resources are in the workspace, so memory holds one root's state, not all.
    let mut patches = Vec::new();
    let mut budget_diags = Vec::new();
    for (r, (m, inputs)) in run.roots.iter().enumerate() {
        let mut ev = Eval::new(ws, loader, azurerm::computed);
        ev.run = Some(run.clone());
        let root = ev.add_root(m.clone(), inputs.clone());
        ev.instantiate_all();
        emit_root(&mut ev, root, units[r], &mut patches);
        budget_diags.extend(budget_report(&mut ev, root));
        loader = std::mem::take(&mut ev.loader);
    }
    for (unit, p) in &patches {
        ws.enter_unit(*unit);
        azapi::apply(ws, p, *unit);
    }
    ws.diagnostics.extend(budget_diags);
}

/// Emit the resources of one root's tree (every instance of `ev`) into its unit.
fn emit_root(ev: &mut Eval, root: usize, unit: UnitId, patches: &mut Vec<(UnitId, azapi::Patch)>) {
    // The azurerm major version the root installs decides provider defaults.
    let mut constraints: Vec<String> = Vec::new();
    for inst in ev.insts.iter().filter(|i| i.root == root) {
        constraints.extend(
            inst.module
                .azurerm_constraints
                .iter()
                .map(|(c, _)| c.clone()),
        );
    }
    let dir = ev.insts[root].module.dir.clone();
    let locked = version::locked_azurerm(ev.ws, &dir);
    let major = version::major(&constraints, locked);

    ev.ws.enter_unit(unit);
    let mut apim_data = Vec::new();
    for i in 0..ev.insts.len() {
        if ev.insts[i].root != root {
            continue;
        }
        let module = ev.insts[i].module.clone();
        for (ri, d) in module.resources.iter().enumerate() {
            if d.data {
                if &*d.rtype == "azurerm_api_management" {
                    apim_data.push((i, ri));
                }
                continue;
            }
            let rtype = &*d.rtype;
            let wanted = azurerm::is_relevant(rtype)
                || rtype == "azapi_resource"
                || rtype == "azapi_update_resource";
            if !wanted {
                continue;
            }
            let set = ev.resource_set(i, ri);
            let label = ev.res_label(i, false, rtype, &d.name);
            for it in &set.items {
                let label = format!("{label}{}", it.suffix);
                match rtype {
                    "azapi_resource" => azapi::emit(ev.ws, &it.value, &label, d.span),
                    "azapi_update_resource" => {
                        if let Some(p) = azapi::patch(&it.value, &label, d.span) {
                            patches.push((unit, p));
                        }
                    }
                    _ => azurerm::emit(
                        ev.ws,
                        &azurerm::Res {
                            rtype,
                            label,
                            body: &it.value,
                            decl: d.span,
                            major,
                        },
                    ),
                }
            }
        }
    }
    // A data source of an instance is a reference to another deployment's: the model checks
    // that instance from this deployment too. Read after the root's resources are emitted, so
    // looking it up does not change how the resources themselves evaluated.
    for (i, ri) in apim_data {
        let set = ev.resource_set(i, ri);
        ev.ws.enter_unit(unit);
        for it in &set.items {
            let key = it
                .value
                .get("id")
                .and_then(|v| v.as_name())
                .and_then(crate::model::ResKey::from_id);
            if let Some(key) = key {
                ev.ws.reference_apim(key);
            }
        }
    }
}

/// The one STV002 of a root module whose evaluation hit its budget, naming the API Management
/// instances of its tree (or saying some may hide in `azapi_resource`s).
fn budget_report(ev: &mut Eval, root: usize) -> Option<crate::diagnostic::Diagnostic> {
    let budget = ev.insts[root].budget.clone();
    budget.hit()?;
    let mut names = Vec::new();
    let mut known = true;
    for i in 0..ev.insts.len() {
        if ev.insts[i].root != root {
            continue;
        }
        let module = ev.insts[i].module.clone();
        for d in module.resources.iter().filter(|d| !d.data) {
            match &*d.rtype {
                "azurerm_api_management" => {
                    names.push(ev.res_label(i, false, &d.rtype, &d.name));
                }
                "azapi_resource" => known = false,
                _ => {}
            }
        }
    }
    let dir = ev.insts[root].module.dir.display().to_string();
    let span = ev.insts[root]
        .module
        .files
        .first()
        .map(|&f| crate::source::Span::new(f, 0, 0));
    let unit = format!("root module '{dir}'");
    budget.diagnostic("terraform", &unit, span, &names, known)
}

/// A root module's variable values: `terraform.tfvars`, `*.auto.tfvars` (by name), then
/// `--var-file`s, then `--var`s; later ones win, as in Terraform.
pub(crate) fn root_inputs(
    ev: &mut Eval,
    m: &Module,
    var_files: &[Rc<ast::Body>],
    cli: &[(String, String)],
) -> HashMap<Shared<str>, Input> {
    let mut inputs: HashMap<Shared<str>, Input> = HashMap::new();
    let mut auto: Vec<(u8, String, FileId)> = Vec::new();
    if let Some((_, vars)) = ev.loader.run_dirs.get(&modules::norm(&m.dir)) {
        for &id in vars {
            let f = ev.ws.sources.get(id);
            let name = f
                .path
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let lname = name.to_ascii_lowercase();
            let rank = if lname == "terraform.tfvars" {
                0
            } else if lname == "terraform.tfvars.json" {
                1
            } else if lname.ends_with(".auto.tfvars") || lname.ends_with(".auto.tfvars.json") {
                2
            } else {
                continue;
            };
            auto.push((rank, name, id));
        }
    }
    auto.sort();
    let mut bodies: Vec<Rc<ast::Body>> = Vec::new();
    for (_, _, id) in auto {
        if let Some(b) = ev.loader.tfvars(ev.ws, id) {
            bodies.push(b);
        }
    }
    bodies.extend(var_files.iter().cloned());
    for b in bodies {
        for a in &b.attrs {
            if m.var(&a.name).is_some() {
                inputs.insert(a.name.clone(), Input::Expr(a.expr.clone()));
            }
        }
    }
    for (k, v) in cli {
        if let Some(decl) = m.var(k) {
            inputs.insert(decl.name.clone(), Input::Cli(v.clone()));
        }
    }
    inputs
}

#[cfg(test)]
mod tests;
