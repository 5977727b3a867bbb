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
pub mod objscan;
pub mod parse;
pub(crate) mod version;

use super::LoadOptions;
use crate::diagnostic::Diagnostic;
use crate::discover::Discovered;
use crate::model::{ResKey, Shared, UnitId, Workspace, V};
use crate::source::{FileId, Lang, Span};
use eval::{Eval, Input};
use modules::{resolve_source, Loader, Module, Source};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

/// Load every Terraform root module found among the discovered files into the workspace.
pub fn load(ws: &mut Workspace, found: &Discovered, opts: &LoadOptions) {
    load_files::<Whole>(ws, &found.terraform, opts, None);
}

/// What a streamed run does with each slice of roots: a workspace holding only the slice's
/// resources, to which the run's workspace lends its sources and units.
pub trait EachPart {
    /// What [`EachPart::check`] makes of a part.
    type Checked: Send;
    /// First, with the part mutable: `(run, part)`.
    fn prepare(&mut self, run: &mut Workspace, part: &mut Workspace);
    /// Then the part read only, while the workers evaluate the next slice's roots: the two
    /// overlap, so that a worker idle in one finds work in the other.
    fn check(&self, part: &Workspace) -> Self::Checked;
    /// Last, the check taken in; false to stop (the run will be checked whole).
    fn done(&mut self, checked: Self::Checked, part: &Workspace) -> bool;
}

/// The run loaded whole: no part ever made.
enum Whole {}

impl EachPart for Whole {
    type Checked = ();
    fn prepare(&mut self, _: &mut Workspace, _: &mut Workspace) {
        match *self {}
    }
    fn check(&self, _: &Workspace) {
        match *self {}
    }
    fn done(&mut self, _: (), _: &Workspace) -> bool {
        match *self {}
    }
}

/// [`load`], each slice of roots into a workspace of its own that `each` checks and that is
/// then dropped, so that memory holds one slice's model rather than the run's. False when the
/// roots patch each other's resources (`azapi_update_resource`: the parts are not the run, and
/// it must be loaded whole) or `each` said stop.
pub fn load_streamed(
    ws: &mut Workspace,
    found: &Discovered,
    opts: &LoadOptions,
    each: &mut (impl EachPart + Sync),
) -> bool {
    load_files(ws, &found.terraform, opts, Some(each))
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
    load_files::<Whole>(ws, &ids, opts, None);
}

/// Registry and git modules are not downloaded: one that evidently deploys API Management (its
/// source names it, or it takes APIM-only inputs) is recorded so the instance is not forgotten.
fn unloaded_apims(ws: &mut Workspace, m: &Module) {
    for c in &m.calls {
        let Some((src, _)) = &c.source else { continue };
        if modules::is_local(src) {
            continue;
        }
        let r = src.clone();
        if deploys_apim(c) {
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

/// Whether a resource block is an API Management instance: `azurerm_api_management`, or an
/// `azapi_resource` whose `type` starts with the literal `Microsoft.ApiManagement/service@`
/// (read from the text, so that one whose `count` is 0 is recognised too).
pub(crate) fn declares_apim(d: &modules::ResDecl) -> bool {
    if d.data {
        return false;
    }
    if &*d.rtype == "azurerm_api_management" {
        return true;
    }
    let lead = match d.body.attr("type").map(|a| &a.expr.kind) {
        Some(ast::ExprKind::Str(t)) => t.clone(),
        Some(ast::ExprKind::Template(parts)) => match parts.first() {
            Some(ast::TPart::Lit(t)) => t.clone(),
            _ => return false,
        },
        _ => return false,
    };
    &*d.rtype == "azapi_resource"
        && lead
            .to_ascii_lowercase()
            .starts_with("microsoft.apimanagement/service@")
}

/// Whether a module call evidently deploys API Management: its source names it, or it takes
/// inputs only an instance takes.
pub(crate) fn deploys_apim(c: &modules::CallDecl) -> bool {
    c.source
        .as_ref()
        .is_some_and(|(src, _)| crate::model::names_apim(src))
        || c.args
            .iter()
            .any(|a| crate::model::apim_only_input(&a.name))
}

fn load_files<E: EachPart + Sync>(
    ws: &mut Workspace,
    files: &[FileId],
    opts: &LoadOptions,
    mut each: Option<&mut E>,
) -> bool {
    if files.is_empty() {
        unread_inputs(ws, opts);
        return true;
    }
    let mut loader = Loader::new(ws, files);
    loader.skeletons = each.is_some();
    loader.preparse(ws);

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

    let mut modules: Vec<Arc<Module>> = Vec::new();
    for d in &dirs {
        if loader.run_dirs[d].0.is_empty() {
            continue;
        }
        if let Some(m) = loader.module(ws, d) {
            modules.push(m);
        }
    }
    // Where each module's local calls point: canonical paths, resolved once, on the workers.
    let targets: Vec<Vec<PathBuf>> = crate::parallel::map(&modules, |m| {
        m.calls
            .iter()
            .filter_map(|c| match resolve_source(&m.dir, &c.source.as_ref()?.0) {
                Source::Local(dir) => Some(dir),
                Source::Remote(_) => None,
            })
            .collect()
    });
    let mut called: HashSet<&PathBuf> = HashSet::new();
    for (m, to) in modules.iter().zip(&targets) {
        called.extend(to.iter().filter(|&d| *d != m.dir));
    }
    for m in &modules {
        unloaded_apims(ws, m);
        if called.contains(&m.dir) {
            loader.unstub(&ws.sources, &m.dir);
        }
    }
    let mut roots: Vec<Arc<Module>> = modules
        .iter()
        .filter(|m| !called.contains(&m.dir))
        .cloned()
        .collect();
    // Directories of the run that call each other with no root above them (a ↔ b) would pass
    // unchecked: the first one not reached from a root becomes a root, and evaluating it
    // reports the cycle.
    let by_dir: HashMap<&PathBuf, usize> = modules
        .iter()
        .enumerate()
        .map(|(i, m)| (&m.dir, i))
        .collect();
    let mut reached: HashSet<PathBuf> = HashSet::new();
    let reach = |from: usize, reached: &mut HashSet<PathBuf>| {
        let mut stack = vec![from];
        while let Some(i) = stack.pop() {
            if !reached.insert(modules[i].dir.clone()) {
                continue;
            }
            stack.extend(targets[i].iter().filter_map(|d| by_dir.get(d).copied()));
        }
    };
    for r in &roots {
        reach(by_dir[&r.dir], &mut reached);
    }
    for (i, m) in modules.iter().enumerate() {
        if !reached.contains(&m.dir) {
            reach(i, &mut reached);
            roots.push(m.clone());
        }
    }
    // From here the loader and the roots hold the modules: an evaluated root's can be dropped.
    drop(modules);

    let var_files: Vec<Arc<ast::Body>> = opts
        .var_files
        .iter()
        .filter_map(|p| {
            let id = ws.find_or_read(p, Lang::TerraformVars)?;
            loader.tfvars(ws, id)
        })
        .collect();

    // Per nested configuration: its var files (read once) and its vars, then the run's.
    type Scoped = (PathBuf, Vec<Arc<ast::Body>>, Vec<(String, String)>);
    let scoped: Vec<Scoped> = opts
        .scoped_vars
        .iter()
        .map(|(dir, files, vars)| {
            let bodies: Vec<Arc<ast::Body>> = files
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

    // Directories of the run with tfvars files and no Terraform files, by parent: where a
    // root's environment folders are found without a pass over every directory per root.
    let mut vars_only: HashMap<PathBuf, Vec<PathBuf>> = HashMap::new();
    for (dir, (tf, vars)) in &loader.run_dirs {
        if let (true, false, Some(parent)) = (tf.is_empty(), vars.is_empty(), dir.parent()) {
            vars_only
                .entry(parent.to_path_buf())
                .or_default()
                .push(dir.clone());
        }
    }
    // Inputs of every root first (tfvars are read once, in root order).
    let mut planned = Vec::with_capacity(roots.len());
    let mut stages: Vec<Option<String>> = Vec::with_capacity(roots.len());
    // `--var` names no root declares: a typo would otherwise check the defaults in silence.
    let mut undeclared: Vec<&str> = opts.vars.iter().map(|(n, _)| n.as_str()).collect();
    for m in roots {
        undeclared.retain(|n| m.var(n).is_none());
        let dir = (!scoped.is_empty()).then(|| crate::source::canonical(&m.dir));
        let nearest = scoped
            .iter()
            .filter(|(d, _, _)| dir.as_ref().is_some_and(|dir| dir.starts_with(d)))
            .max_by_key(|(d, _, _)| d.components().count());
        let (files, vars) = match nearest {
            Some((_, f, v)) => (f.as_slice(), v.as_slice()),
            None => (var_files.as_slice(), opts.vars.as_slice()),
        };
        // With no var file named, each environment's tfvars file beside the root is a stage
        // of it, as a template's parameter files are: checking only the defaults would pass
        // in silence what `terraform plan -var-file=prod.tfvars` deploys.
        let env_files = if files.is_empty() {
            stage_var_files(ws, &mut loader, &m, &vars_only)
        } else {
            Vec::new()
        };
        if env_files.is_empty() {
            let inputs = root_inputs(ws, &mut loader, &m, files, vars);
            planned.push((m.clone(), inputs));
            stages.push(None);
        }
        for (id, body) in env_files {
            let inputs = root_inputs(ws, &mut loader, &m, &[body], vars);
            planned.push((m.clone(), inputs));
            stages.push(Some(ws.sources.get(id).display.clone()));
        }
    }
    for name in undeclared {
        ws.diagnostics.push(
            Diagnostic::new(
                crate::code::Code::Stv002,
                crate::diagnostic::Severity::Warning,
                format!("variable '{name}' was given with --var, but no Terraform root module of the run declares it (Terraform refuses a value for an undeclared variable), so no deployment was checked with it"),
            )
            .help("Check the variable's name against the `variable` blocks of the root module, or drop the --var.")
            .identity(format!("undeclared var|{name}")),
        );
    }
    let mut run = eval::Run::new(planned);
    // The last root spec of each directory (a root with stage var files has one per stage).
    let last_use: HashMap<PathBuf, usize> = run
        .roots
        .iter()
        .enumerate()
        .map(|(r, (m, _))| (m.dir.clone(), r))
        .collect();

    // Each root module with the module instances it calls is one deployment unit.
    let units: Vec<UnitId> = run
        .roots
        .iter()
        .zip(stages)
        .map(|((m, _), stage)| {
            let dir = crate::source::display_path(&m.dir);
            let name = if dir.is_empty() { ".".to_string() } else { dir };
            let group = format!("terraform|{name}");
            ws.begin_unit(name, stage, group)
        })
        .collect();

    // Roots evaluate on every worker and join the workspace in root order, a slice at a time:
    // memory holds a slice's results, not every root's state. A root that needs a module
    // directory not read yet is evaluated again here, serially, where it is read. A streamed
    // run checks each slice while the next one evaluates.
    let mut patches = Vec::new();
    let mut budget_diags = Vec::new();
    let order: Vec<usize> = (0..run.roots.len()).collect();
    let slices: Vec<&[usize]> = order
        .chunks(16 * crate::parallel::threads().max(1))
        .collect();
    let mut next: Option<Vec<Option<Evaluated>>> = None;
    // The last part checked, dropped by a worker while the next part is checked.
    let mut spent: Option<Workspace> = None;
    for (n, batch) in slices.iter().enumerate() {
        let mut part = each.is_some().then(|| ws.split_off());
        let w: &mut Workspace = match part.as_mut() {
            Some(p) => p,
            None => &mut *ws,
        };
        let evaluated = match next.take() {
            Some(done) => done,
            None => evaluate_slice(batch, &w.sources, &w.fence, &loader, &run),
        };
        for (&r, out) in batch.iter().zip(evaluated) {
            let out = match out {
                Some(out) => out,
                None => {
                    let spec = whole(&run.roots[r], &w.sources);
                    let mut ev = Eval::new(w, &mut loader, azurerm::computed);
                    ev.run = Some(&run);
                    evaluate(&mut ev, &spec)
                }
            };
            ingest(w, out, units[r], &mut patches, &mut budget_diags);
        }
        // An evaluated root's syntax trees are dropped (the model grows as they go): only a
        // data-source lookup of a later root reads it again, from its text.
        for &r in batch.iter() {
            let stub = Arc::new(run.roots[r].0.stub_of());
            let m = std::mem::replace(&mut run.roots[r].0, stub);
            if last_use[&m.dir] == r && !called.contains(&m.dir) {
                loader.forget(&m.dir);
            }
        }
        if let (Some(mut part), Some(each)) = (part, each.as_mut()) {
            each.prepare(ws, &mut part);
            let checker: &E = each;
            let dropped = spent.take();
            let (checked, evaluated) = crate::parallel::join(
                || checker.check(&part),
                || {
                    drop(dropped);
                    let batch = slices.get(n + 1)?;
                    Some(evaluate_slice(
                        batch,
                        &part.sources,
                        &part.fence,
                        &loader,
                        &run,
                    ))
                },
            );
            next = evaluated;
            let go_on = each.done(checked, &part);
            ws.rejoin(&mut part);
            spent = Some(part);
            if !go_on {
                return false;
            }
        }
    }
    if each.is_some() {
        ws.diagnostics.extend(budget_diags);
        return patches.is_empty();
    }
    for (unit, p) in &patches {
        ws.enter_unit(*unit);
        azapi::apply(ws, p, *unit);
    }
    ws.diagnostics.extend(budget_diags);
    true
}

/// `--var-file` and `--var` given to a run with no Terraform configuration to read them (a tree
/// of templates, or a plan whose values are resolved already): said, not dropped in silence,
/// since the user expected some deployment to be checked with those values.
fn unread_inputs(ws: &mut Workspace, opts: &LoadOptions) {
    use crate::diagnostic::Severity;
    let why = "the run has no Terraform configuration to read it (a plan's values are resolved already), so no deployment was checked with its values";
    for p in &opts.var_files {
        // Not read here: a file no root reads is neither parsed nor reported missing.
        let at = ws.sources.find(p).map(|id| Span::new(id, 0, 0));
        let name = crate::source::display_path(p);
        ws.diagnostics.push(
            Diagnostic::new(
                crate::code::Code::Stv002,
                Severity::Info,
                format!("variable file '{name}' was given with --var-file, but {why}"),
            )
            .at(at)
            .label("not read by any Terraform root module")
            .identity(format!("unread var file|{name}")),
        );
    }
    for (name, _) in &opts.vars {
        ws.diagnostics.push(
            Diagnostic::new(
                crate::code::Code::Stv002,
                Severity::Info,
                format!("variable '{name}' was given with --var, but {why}"),
            )
            .identity(format!("unread var|{name}")),
        );
    }
}

/// One root's tree evaluated: what the workspace receives, made on any worker.
struct Evaluated {
    /// The evaluation's diagnostics (module cycles, directories not read), in order.
    diagnostics: Vec<Diagnostic>,
    resources: Resources,
    /// `azapi_update_resource`s, applied after every root.
    patches: Vec<azapi::Patch>,
    /// API Management module calls whose local directory could not be loaded.
    unloaded: Vec<crate::model::UnloadedApim>,
    /// API Management resources whose `count` or `for_each` deploys none.
    not_deployed: Vec<crate::model::NotDeployed>,
    deployed_calls: Vec<Span>,
    /// Per API Management data source of the tree: the instances it references.
    apim_refs: Vec<Vec<ResKey>>,
    budget: Option<Diagnostic>,
}

/// A root's resources as model resources, or — when its azurerm version waits for its lock
/// file, which only the main thread reads — as values to convert there.
enum Resources {
    Emitted(Box<Workspace>),
    Later {
        dir: PathBuf,
        constraints: Vec<String>,
        values: Vec<Emit>,
    },
}

struct Emit {
    rtype: Shared<str>,
    label: String,
    body: Arc<V>,
    decl: Span,
    /// Whether it is deployed, when its `count` is not known.
    deployed: Option<crate::model::Presence>,
}

impl Emit {
    /// The resource into the model (an `azapi_resource` or an azurerm resource).
    fn emit(&self, ws: &mut Workspace, major: u32) {
        match &*self.rtype {
            "azapi_resource" => azapi::emit(ws, &self.body, &self.label, self.decl),
            rtype => azurerm::emit(
                ws,
                &azurerm::Res {
                    rtype,
                    label: self.label.clone(),
                    body: &self.body,
                    decl: self.decl,
                    major,
                    deployed: self.deployed.as_ref(),
                },
            ),
        }
    }
}

/// The roots of `batch`, each evaluated on a worker by its own evaluator (memo tables, values,
/// budget) that is dropped once its result is made; None for a root that needs a module
/// directory not read yet.
fn evaluate_slice(
    batch: &[usize],
    sources: &crate::source::SourceMap,
    fence: &crate::source::Fence,
    loader: &Loader,
    run: &eval::Run,
) -> Vec<Option<Evaluated>> {
    crate::parallel::map(batch, |&r| {
        let mut ev = Eval::shared(sources, fence, loader, azurerm::computed);
        ev.run = Some(run);
        let out = evaluate(&mut ev, &whole(&run.roots[r], sources));
        (!ev.missed).then_some(out)
    })
}

/// A root as it is evaluated: built again from its text when only its skeleton was kept.
fn whole<'r>(
    spec: &'r eval::RootSpec,
    sources: &crate::source::SourceMap,
) -> std::borrow::Cow<'r, eval::RootSpec> {
    match spec.0.stub {
        true => std::borrow::Cow::Owned((Arc::new(spec.0.reparsed(sources)), spec.1.clone())),
        false => std::borrow::Cow::Borrowed(spec),
    }
}

/// Evaluate a root of the evaluator's run: its module instances, then its resources.
fn evaluate(ev: &mut Eval, (m, inputs): &eval::RootSpec) -> Evaluated {
    let root = ev.add_root(m.clone(), inputs.clone());
    ev.instantiate_all();
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
    // On the main thread the lock file is read here, before the resources (which may read
    // module directories), as always; a worker knows the version unless there is one.
    let locked = match ev.workspace() {
        Some(ws) => Some(version::locked_azurerm(ws, &dir)),
        None if !version::lock_file(&dir).is_file() => Some(None),
        None => None,
    };
    let major = locked.map(|l| version::major(&constraints, l));

    let mut part = Workspace::default();
    let mut values = Vec::new();
    let mut patches = Vec::new();
    let mut apim_data = Vec::new();
    let mut not_deployed = Vec::new();
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
            if set.items.is_empty() && declares_apim(d) {
                not_deployed.push(crate::model::NotDeployed {
                    label: label.clone(),
                    why: if d.count.is_some() {
                        "count is 0"
                    } else {
                        "for_each is empty"
                    }
                    .to_string(),
                    at: d.span,
                    inner: Vec::new(),
                });
            }
            for it in &set.items {
                let label = format!("{label}{}", it.suffix);
                if rtype == "azapi_update_resource" {
                    patches.extend(azapi::patch(&it.value, &label, d.span));
                    continue;
                }
                let deployed = match &set.shape {
                    eval::Shape::Count(_, n) => crate::model::presence(
                        n,
                        || format!("the count of {label}"),
                        ("1 or more", "0"),
                    ),
                    _ => None,
                };
                let e = Emit {
                    rtype: d.rtype.clone(),
                    label,
                    body: it.value.clone(),
                    decl: d.span,
                    deployed,
                };
                match major {
                    Some(major) => e.emit(&mut part, major),
                    None => values.push(e),
                }
            }
        }
    }
    // A data source of an instance is a reference to another deployment's: the model checks
    // that instance from this deployment too. Read after the root's resources, so looking it
    // up does not change how the resources themselves evaluated.
    let apim_refs = apim_data
        .into_iter()
        .map(|(i, ri)| {
            let set = ev.resource_set(i, ri);
            set.items
                .iter()
                .filter_map(|it| {
                    it.value
                        .get("id")
                        .and_then(|v| v.as_name())
                        .and_then(ResKey::from_id)
                })
                .collect()
        })
        .collect();
    let budget = budget_report(ev, root);
    let resources = match major {
        Some(_) => Resources::Emitted(Box::new(part)),
        None => Resources::Later {
            dir,
            constraints,
            values,
        },
    };
    Evaluated {
        diagnostics: std::mem::take(&mut ev.diagnostics),
        unloaded: std::mem::take(&mut ev.unloaded),
        not_deployed: {
            not_deployed.append(&mut ev.not_deployed);
            not_deployed
        },
        deployed_calls: std::mem::take(&mut ev.deployed_calls),
        resources,
        patches,
        apim_refs,
        budget,
    }
}

/// Add one root's evaluated tree to the workspace, in its unit.
fn ingest(
    ws: &mut Workspace,
    e: Evaluated,
    unit: UnitId,
    patches: &mut Vec<(UnitId, azapi::Patch)>,
    budget_diags: &mut Vec<Diagnostic>,
) {
    ws.diagnostics.extend(e.diagnostics);
    for u in e.unloaded {
        // A module called from a module instantiated several times is one call.
        if !ws.unloaded_apims.iter().any(|x| x.at == u.at) {
            ws.unloaded_apims.push(u);
        }
    }
    ws.not_deployed.extend(e.not_deployed);
    ws.deployed_calls.extend(e.deployed_calls);
    match e.resources {
        Resources::Emitted(part) => {
            ws.enter_unit(unit);
            ws.append(*part);
        }
        Resources::Later {
            dir,
            constraints,
            values,
        } => {
            let locked = version::locked_azurerm(ws, &dir);
            let major = version::major(&constraints, locked);
            ws.enter_unit(unit);
            for v in &values {
                v.emit(ws, major);
            }
        }
    }
    for keys in e.apim_refs {
        ws.enter_unit(unit);
        for key in keys {
            ws.reference_apim(key);
        }
    }
    patches.extend(e.patches.into_iter().map(|p| (unit, p)));
    budget_diags.extend(e.budget);
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

/// Directories beside a root module where projects keep a tfvars file per environment.
const TFVARS_DIRS: &[&str] = &["env", "envs", "environments", "vars", "tfvars"];

/// The tfvars files Terraform reads only when named (`prod.tfvars`, `env/dev.tfvars`,
/// `environments/prod/terraform.tfvars`) that belong to root `m`: in its directory or an
/// environment folder beside it (`vars_only`: tfvars-only directories by parent), setting one
/// of its variables. Sorted by path.
fn stage_var_files(
    ws: &mut Workspace,
    loader: &mut Loader,
    m: &Module,
    vars_only: &HashMap<PathBuf, Vec<PathBuf>>,
) -> Vec<(FileId, Arc<ast::Body>)> {
    // Beside the root, Terraform reads the auto-loaded names by itself: those are no stage.
    let mut ids: Vec<FileId> = loader
        .run_dirs
        .get(&m.dir)
        .map(|(_, vars)| {
            vars.iter()
                .copied()
                .filter(|&id| auto_rank(ws, id).is_none())
                .collect()
        })
        .unwrap_or_default();
    // An environment folder (`env/prod.tfvars`) or one folder per environment in it
    // (`environments/prod/terraform.tfvars`, named with -var-file): every tfvars file there.
    // A folder with Terraform files of its own is a module, not an environment.
    for e in TFVARS_DIRS.iter().map(|d| m.dir.join(d)) {
        let below = vars_only.get(&e).map_or(&[][..], Vec::as_slice);
        for dir in std::iter::once(&e).chain(below) {
            if let Some((tf, vars)) = loader.run_dirs.get(dir) {
                if tf.is_empty() {
                    ids.extend(vars.iter().copied());
                }
            }
        }
    }
    ids.sort_by(|a, b| ws.sources.get(*a).path.cmp(&ws.sources.get(*b).path));
    ids.into_iter()
        .filter_map(|id| {
            let body = loader.tfvars(ws, id)?;
            // `-backend-config=backend.tfvars` settings configure the state, not the root,
            // even where a variable shares a name (`resource_group_name`).
            let backend = body.attrs.iter().all(|a| BACKEND_KEYS.contains(&&*a.name));
            (!backend && body.attrs.iter().any(|a| m.var(&a.name).is_some())).then_some((id, body))
        })
        .collect()
}

/// Settings of the `azurerm` state backend, as a `-backend-config` file writes them (the
/// backend's configuration variables: storage account, authentication method and type).
const BACKEND_KEYS: &[&str] = &[
    "resource_group_name",
    "storage_account_name",
    "container_name",
    "key",
    "environment",
    "metadata_host",
    "snapshot",
    "subscription_id",
    "tenant_id",
    "use_azuread_auth",
    "access_key",
    "sas_token",
    "use_cli",
    "use_oidc",
    "client_id",
    "client_id_file_path",
    "ado_pipeline_service_connection_id",
    "oidc_azure_service_connection_id",
    "oidc_request_url",
    "oidc_request_token",
    "oidc_token",
    "oidc_token_file_path",
    "use_aks_workload_identity",
    "use_msi",
    "msi_endpoint",
    "client_certificate",
    "client_certificate_path",
    "client_certificate_password",
    "client_secret",
    "client_secret_file_path",
];

/// Where Terraform reads a tfvars file without being told (`terraform.tfvars`, then
/// `terraform.tfvars.json`, then `*.auto.tfvars[.json]`): its rank, `None` for a file it
/// reads only when named.
fn auto_rank(ws: &Workspace, id: FileId) -> Option<u8> {
    let lname = ws
        .sources
        .get(id)
        .path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if lname == "terraform.tfvars" {
        Some(0)
    } else if lname == "terraform.tfvars.json" {
        Some(1)
    } else if lname.ends_with(".auto.tfvars") || lname.ends_with(".auto.tfvars.json") {
        Some(2)
    } else {
        None
    }
}

/// A root module's variable values: `terraform.tfvars`, `*.auto.tfvars` (by name), then
/// `--var-file`s, then `--var`s; later ones win, as in Terraform.
pub(crate) fn root_inputs(
    ws: &mut Workspace,
    loader: &mut Loader,
    m: &Module,
    var_files: &[Arc<ast::Body>],
    cli: &[(String, String)],
) -> HashMap<Shared<str>, Input> {
    let mut inputs: HashMap<Shared<str>, Input> = HashMap::new();
    let mut auto: Vec<(u8, String, FileId)> = Vec::new();
    // A module's directory is canonical already (a key of `run_dirs`, or resolved).
    if let Some((_, vars)) = loader.run_dirs.get(&m.dir) {
        for &id in vars {
            let Some(rank) = auto_rank(ws, id) else {
                continue;
            };
            let name = ws
                .sources
                .get(id)
                .path
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            auto.push((rank, name, id));
        }
    }
    auto.sort();
    let mut bodies: Vec<Arc<ast::Body>> = Vec::new();
    for (_, _, id) in auto {
        if let Some(b) = loader.tfvars(ws, id) {
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
