//! `terraform show -json` plans and state: resolved values, mapped through the same azurerm and
//! AzAPI mappers as the HCL front end.
//!
//! A plan knows every value that is known before apply — registry modules, data sources,
//! `count`/`for_each` over data, remote state — which is where the HCL evaluator must give up.
//! What it does not know is listed in `resource_changes[].change.after_unknown`; those values are
//! unknown ("known after apply"), except that a reference the `configuration` names
//! (`azurerm_subnet.apim.id`) is followed to the referenced resource's id, computed from its
//! names as the HCL front end does, so links hold.
//!
//! Findings point at the HCL source when it can be found: the root module is the directory of
//! the plan file (where `terraform show -json plan.out > plan.json` is run), child modules are
//! followed through local `source`s of `configuration.module_calls`, and each resource is found
//! by its `resource "TYPE" "NAME"` block. A plan beside its root module's `.tf` files stands in
//! for them (the HCL front end does not load that directory again). Without the source, a
//! finding points into the plan file, at the resource's object, named by its address.

pub mod generate;
mod refs;
mod respan;
mod schema;

use crate::diagnostic::parse_error;
use crate::discover::Discovered;
use crate::frontend::terraform::{azapi, azurerm, eval, modules, version};
use crate::model::{NotDeployed, ResKey, VKind, Workspace, V};
use crate::source::{FileId, Span};
use eval::ObjExt;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Deepest module nesting followed (Terraform itself has no limit; real trees stay far below).
const MAX_DEPTH: usize = 32;

/// Whether a parsed JSON document is a plan or state of `terraform show -json`.
pub fn is_plan(v: &V) -> bool {
    v.get_exact("format_version").is_some()
        && [
            "planned_values",
            "values",
            "resource_changes",
            "configuration",
        ]
        .iter()
        .any(|k| {
            v.get_exact(k)
                .is_some_and(|x| x.as_object().is_some() || x.as_array().is_some())
        })
}

/// Take out of the HCL run the Terraform files of every directory that holds a plan of the run,
/// and of the local modules its configuration calls: the plan stands in for them. They are
/// returned, so the plan can point at them.
pub fn take_planned_hcl(ws: &Workspace, found: &mut Discovered) -> Vec<FileId> {
    let mut dirs: HashSet<PathBuf> = HashSet::new();
    for &id in &found.plans {
        let Some(dir) = dir_of(&ws.sources.get(id).path) else {
            continue;
        };
        let doc = found.json.get(&id);
        // A plan or state that holds nothing (`{"planned_values": {"root_module": {}}}`)
        // stands in for no code: the files beside it are checked.
        if !doc.is_some_and(holds_something) {
            continue;
        }
        let config = doc.and_then(|d| d.path("configuration.root_module"));
        local_dirs(config, dir, &mut dirs, 0);
    }
    if dirs.is_empty() {
        return Vec::new();
    }
    let (taken, kept): (Vec<FileId>, Vec<FileId>) = found
        .terraform
        .iter()
        .partition(|&&id| dir_of(&ws.sources.get(id).path).is_some_and(|d| dirs.contains(&d)));
    found.terraform = kept;
    taken
}

/// Whether a plan or state declares or holds any resource or module call.
fn holds_something(doc: &V) -> bool {
    let nonempty = |m: Option<&V>, keys: &[&str]| {
        m.is_some_and(|m| {
            keys.iter().any(|k| {
                m.get_exact(k).is_some_and(|x| {
                    x.as_array().is_some_and(|a| !a.is_empty())
                        || x.as_object().is_some_and(|o| !o.is_empty())
                })
            })
        })
    };
    nonempty(
        doc.path("configuration.root_module"),
        &["resources", "module_calls"],
    ) || ["planned_values.root_module", "values.root_module"]
        .iter()
        .any(|p| nonempty(doc.path(p), &["resources", "child_modules"]))
}

/// A module's directory and those of the local modules it calls.
fn local_dirs(m: Option<&V>, dir: PathBuf, out: &mut HashSet<PathBuf>, depth: usize) {
    if depth > MAX_DEPTH || !out.insert(dir.clone()) {
        return;
    }
    let calls = m
        .and_then(|m| m.get_exact("module_calls"))
        .and_then(|c| c.as_object())
        .unwrap_or(&[]);
    for (_, call) in calls {
        let Some(src) = call.get_exact("source").and_then(|s| s.as_str()) else {
            continue;
        };
        if let modules::Source::Local(d) = modules::resolve_source(&dir, src) {
            local_dirs(call.get_exact("module"), modules::norm(&d), out, depth + 1);
        }
    }
}

fn dir_of(path: &Path) -> Option<PathBuf> {
    let d = path.parent()?;
    Some(modules::norm(if d.as_os_str().is_empty() {
        Path::new(".")
    } else {
        d
    }))
}

/// Load every plan of the run, one deployment unit each. `hcl` are the run's Terraform files
/// of the plans' directories (see [`take_planned_hcl`]).
pub fn load(ws: &mut Workspace, found: &Discovered, hcl: &[FileId]) {
    if found.plans.is_empty() {
        return;
    }
    let mut loader = modules::Loader::new(ws, hcl);
    let declared = declared_keys(ws, found);
    for &id in &found.plans {
        if let Some(doc) = found.json.get(&id) {
            load_plan(ws, &mut loader, id, doc, &declared);
        }
    }
}

/// Keys of the network resources the run declares: by its other front ends, and by the managed
/// resources of every plan. A data source that reads one of them is that resource, checked
/// where it is declared, not a second copy (the plan of a later root reading the subnet an
/// earlier root creates).
fn declared_keys(ws: &Workspace, found: &Discovered) -> Vec<ResKey> {
    let mut keys: Vec<ResKey> = Vec::new();
    keys.extend(ws.subnets.iter().map(|x| x.meta.key.clone()));
    keys.extend(ws.vnets.iter().map(|x| x.meta.key.clone()));
    keys.extend(ws.nsgs.iter().map(|x| x.meta.key.clone()));
    keys.extend(ws.route_tables.iter().map(|x| x.meta.key.clone()));
    keys.extend(ws.public_ips.iter().map(|x| x.meta.key.clone()));
    for id in &found.plans {
        let Some(root) = found.json.get(id).and_then(|d| {
            d.path("planned_values.root_module")
                .or_else(|| d.path("values.root_module"))
        }) else {
            continue;
        };
        let mut insts = Vec::new();
        collect(root, "", &mut insts, 0);
        for mut inst in insts.into_iter().filter(|i| !i.data) {
            if !DATA_AS_RESOURCE.contains(&inst.rtype.as_str()) {
                continue;
            }
            eval::set_exact(&mut inst.values, "id", V::null(None));
            azurerm::computed(&inst.rtype, false, &mut inst.values, &inst.addr);
            if let Some(k) = inst
                .values
                .get_exact("id")
                .and_then(|v| v.as_name())
                .and_then(ResKey::from_id)
            {
                keys.push(k);
            }
        }
    }
    keys
}

/// Attributes the provider computes from separate resources when the configuration does not
/// set them (an NSG's `security_rule` from its `azurerm_network_security_rule`s): a plan lists
/// them as known only after apply, and the plan lists those separate resources themselves.
/// (attribute's resource type, attribute, type of the separate resources)
const FROM_SEPARATE: &[(&str, &str, &str)] = &[
    (
        "azurerm_network_security_group",
        "security_rule",
        "azurerm_network_security_rule",
    ),
    ("azurerm_route_table", "route", "azurerm_route"),
    ("azurerm_virtual_network", "subnet", "azurerm_subnet"),
];

/// How many of a stale plan's differences its warning names.
const STALE_SHOWN: usize = 3;

/// A plan beside Terraform files that declare other resources than its `configuration` was
/// made from other code: its values are checked, not the files a person edits, so an edit
/// (a new NSG rule) would pass or fail unseen. Said once per plan, naming the differences.
fn stale_plan(
    ws: &mut Workspace,
    loader: &mut modules::Loader,
    config: Option<&V>,
    plan_dir: &Path,
    id: FileId,
) {
    let Some(resources) = config.map(|c| {
        c.get_exact("resources")
            .and_then(|r| r.as_array())
            .unwrap_or(&[])
    }) else {
        return;
    };
    let Some(m) = loader.module(ws, plan_dir) else {
        return;
    };
    let planned: HashSet<(bool, &str, &str)> = resources
        .iter()
        .filter_map(|r| {
            let data = r.get_exact("mode").and_then(|x| x.as_str()) == Some("data");
            Some((
                data,
                r.get_exact("type")?.as_str()?,
                r.get_exact("name")?.as_str()?,
            ))
        })
        .collect();
    let addr = |data: bool, t: &str, n: &str| format!("{}{t}.{n}", if data { "data." } else { "" });
    let mut only_code: Vec<(String, Span)> = m
        .resources
        .iter()
        .filter(|r| !planned.contains(&(r.data, &*r.rtype, &*r.name)))
        .map(|r| (addr(r.data, &r.rtype, &r.name), r.span))
        .collect();
    only_code.sort_by_key(|(_, s)| (s.file, s.start));
    let mut only_plan: Vec<String> = planned
        .iter()
        .filter(|(d, t, n)| !m.res_index.contains_key(&(*d, (*t).into(), (*n).into())))
        .map(|(d, t, n)| addr(*d, t, n))
        .collect();
    only_plan.sort();
    if only_code.is_empty() && only_plan.is_empty() {
        return;
    }
    let list = |v: &[String]| {
        let mut shown: Vec<String> = v
            .iter()
            .take(STALE_SHOWN)
            .map(|a| format!("'{a}'"))
            .collect();
        if v.len() > STALE_SHOWN {
            shown.push(format!("{} more", v.len() - STALE_SHOWN));
        }
        shown.join(", ")
    };
    let mut what = Vec::new();
    if !only_code.is_empty() {
        let names: Vec<String> = only_code.iter().map(|(a, _)| a.clone()).collect();
        what.push(format!(
            "the Terraform files declare {} that it does not",
            list(&names)
        ));
    }
    if !only_plan.is_empty() {
        what.push(format!(
            "it holds {} that the files no longer declare",
            list(&only_plan)
        ));
    }
    let name = ws.sources.get(id).display.clone();
    let at = only_code.first().map_or(Span::new(id, 0, 0), |(_, s)| *s);
    ws.diagnostics.push(
        crate::diagnostic::Diagnostic::new(
            crate::code::Code::Stv002,
            crate::diagnostic::Severity::Warning,
            format!(
                "plan '{name}' was made from other Terraform code than its directory holds: {}; the plan's values were checked, not the code as it is now",
                what.join(", and ")
            ),
        )
        .at(Some(at))
        .label(if only_code.is_empty() {
            "made from other code"
        } else {
            "not in the plan"
        })
        .help("Run `terraform plan` and `terraform show -json` again, or remove the stale plan so the Terraform files are checked.")
        .identity(format!("stale plan|{name}")),
    );
}

/// One resource instance of the plan.
struct Inst {
    /// Full address: `module.net.azurerm_subnet.apim[0]`.
    addr: String,
    /// Address of the module instance: `module.net` (empty for the root).
    module: String,
    data: bool,
    rtype: String,
    name: String,
    values: V,
    /// The `address` of the resource object in the plan file.
    at: Option<Span>,
}

fn load_plan(
    ws: &mut Workspace,
    loader: &mut modules::Loader,
    id: FileId,
    doc: &V,
    declared: &[ResKey],
) {
    let root = doc
        .path("planned_values.root_module")
        .or_else(|| doc.path("values.root_module"))
        .filter(|r| r.as_object().is_some());
    let Some(root) = root else {
        ws.diagnostics.push(parse_error(
            id,
            doc.span.map_or(0, |s| s.start as usize),
            "a Terraform plan or state without `planned_values.root_module` or \
             `values.root_module`: nothing to check (write it with `terraform show -json`)"
                .to_string(),
        ));
        return;
    };
    let file = ws.sources.get(id);
    let display = file.display.clone();
    let plan_dir = dir_of(&file.path).unwrap_or_else(|| PathBuf::from("."));
    let unit = ws.begin_unit(display.clone(), None, format!("plan|{display}"));

    // Resources `terraform show -json` cannot have written (a `type` that is no string,
    // `values` that are no object) are not skipped in silence: the plan is malformed.
    let mut bad = Vec::new();
    malformed(root, &mut bad, 0);
    let shown = bad.len().min(MAX_MALFORMED);
    for (at, why) in bad.drain(..shown) {
        let offset = at.map_or(0, |s| s.start as usize);
        ws.diagnostics.push(parse_error(
            id,
            offset,
            format!("a malformed plan: {why}; it is not checked (write the plan with `terraform show -json`)"),
        ));
    }
    if !bad.is_empty() {
        ws.diagnostics.push(parse_error(
            id,
            0,
            format!("a malformed plan: {} more malformed resources", bad.len()),
        ));
    }
    let mut insts = Vec::new();
    collect(root, "", &mut insts, 0);
    // Data sources are read while planning; `prior_state` holds them when `planned_values`
    // does not.
    if let Some(prior) = doc.path("prior_state.values.root_module") {
        let mut prior_insts = Vec::new();
        collect(prior, "", &mut prior_insts, 0);
        let have: HashSet<String> = insts.iter().map(|i| i.addr.clone()).collect();
        insts.extend(
            prior_insts
                .into_iter()
                .filter(|i| i.data && !have.contains(&i.addr)),
        );
    }
    let mut after_unknown: HashMap<String, &V> = HashMap::new();
    for rc in doc
        .get_exact("resource_changes")
        .and_then(|r| r.as_array())
        .unwrap_or(&[])
    {
        if let (Some(a), Some(u)) = (
            rc.get_exact("address").and_then(|a| a.as_str()),
            rc.path("change.after_unknown"),
        ) {
            after_unknown.insert(a.to_string(), u);
        }
    }
    let config = doc.path("configuration.root_module");
    stale_plan(ws, loader, config, &plan_dir, id);
    let major = major_of(ws, doc, &plan_dir);
    let planned: HashSet<(Vec<String>, &str, &str)> = insts
        .iter()
        .filter(|i| !i.data)
        .map(|i| {
            (
                refs::config_path(&i.module),
                i.rtype.as_str(),
                i.name.as_str(),
            )
        })
        .collect();
    let modules_planned: HashSet<Vec<String>> =
        insts.iter().map(|i| refs::config_path(&i.module)).collect();
    let mut off = Vec::new();
    if let Some(c) = config {
        let mut at = |cfg: &[String], decl: Decl, fallback: Option<Span>| {
            let m = module_dir(ws, loader, config, cfg, &plan_dir)
                .and_then(|dir| loader.module(ws, &dir));
            let hcl = m.and_then(|m| match decl {
                Decl::Call(c) => m.call_index.get(c).map(|&i| m.calls[i].span),
                Decl::Resource(t, n) => {
                    let k = (false, t.into(), n.into());
                    m.res_index.get(&k).map(|&i| m.resources[i].span)
                }
            });
            hcl.or(fallback).unwrap_or(Span::new(id, 0, 0))
        };
        let mut deployed = Vec::new();
        not_planned(
            c,
            &mut Vec::new(),
            &planned,
            &modules_planned,
            &mut at,
            (&mut off, &mut deployed),
        );
        ws.deployed_calls.extend(deployed);
    }
    ws.not_deployed.extend(off);

    // Unknowns, source spans and computed ids of every instance, then references.
    let mut decls: Vec<Span> = Vec::new();
    // The HCL block of each instance, when its source is there.
    let mut hcl: Vec<Option<(std::sync::Arc<modules::Module>, usize)>> = Vec::new();
    let mut unknown_paths: Vec<Vec<Vec<refs::Seg>>> = Vec::new();
    // Data sources whose read is deferred to apply: the plan does not know the resource.
    let mut deferred: HashSet<String> = HashSet::new();
    let types: HashSet<String> = insts
        .iter()
        .filter(|i| !i.data)
        .map(|i| i.rtype.clone())
        .collect();
    for inst in &mut insts {
        let exprs = refs::config_resource(config, &inst.module, inst.data, &inst.rtype, &inst.name)
            .and_then(|c| c.get_exact("expressions"));
        let cfg_path = refs::config_path(&inst.module);
        let src = module_dir(ws, loader, config, &cfg_path, &plan_dir)
            .and_then(|dir| loader.module(ws, &dir))
            .and_then(|m| {
                let k = (
                    inst.data,
                    inst.rtype.as_str().into(),
                    inst.name.as_str().into(),
                );
                m.res_index.get(&k).map(|&i| (m.clone(), i))
            });
        let mut paths = Vec::new();
        if let Some(u) = after_unknown.get(&inst.addr) {
            let mut u = (*u).clone();
            for (t, attr, separate) in FROM_SEPARATE {
                if inst.rtype != *t || exprs.is_some_and(|e| e.get_exact(attr).is_some()) {
                    continue;
                }
                // `configuration` leaves `dynamic` blocks out: the HCL tells whether one writes
                // the attribute; without it, the plan's separate resources of that type do.
                let from_separate = match &src {
                    Some((m, i)) => !m.resources[*i]
                        .body
                        .blocks("dynamic")
                        .any(|d| d.labels.first().is_some_and(|l| **l == **attr)),
                    None => types.contains(*separate),
                };
                if from_separate {
                    remove_key(&mut u, attr);
                }
            }
            refs::mark_unknown(&mut inst.values, &u, &mut Vec::new(), &mut paths);
            if inst.data && inst.values.get_exact("id").is_some_and(|v| v.is_unknown()) {
                deferred.insert(inst.addr.clone());
            }
        }
        respan::empty_strings_unset(&mut inst.values, exprs);
        // The subnet data source does not read delegations: they are not known to be none.
        if inst.data
            && inst.rtype == "azurerm_subnet"
            && inst.values.get_exact("delegation").is_none()
        {
            eval::set_exact(
                &mut inst.values,
                "delegation",
                V::unknown(
                    "the azurerm_subnet data source does not read the subnet's delegations",
                    inst.at,
                ),
            );
        }
        let fallback = inst.at.unwrap_or(Span::new(id, 0, 0));
        if let Some((m, i)) = &src {
            let d = &m.resources[*i];
            respan::with_hcl(&mut inst.values, &d.body, d.span);
        }
        decls.push(src.as_ref().map_or(fallback, |(m, i)| m.resources[*i].span));
        hcl.push(src);
        // An id known only after apply is the one the HCL front end computes from the names.
        if inst.values.get_exact("id").is_some_and(|v| v.is_unknown()) {
            eval::set_exact(&mut inst.values, "id", V::null(None));
        }
        azurerm::computed(&inst.rtype, inst.data, &mut inst.values, &inst.addr);
        unknown_paths.push(paths);
    }
    let index: HashMap<String, usize> = insts
        .iter()
        .enumerate()
        .map(|(i, x)| (x.addr.clone(), i))
        .collect();
    let bodies: Vec<V> = insts.iter().map(|i| i.values.clone()).collect();
    let resolver = refs::Resolver {
        config,
        index: &index,
        bodies: &bodies,
    };
    for ((inst, paths), src) in insts.iter_mut().zip(&unknown_paths).zip(&hcl) {
        let exprs = refs::config_resource(config, &inst.module, inst.data, &inst.rtype, &inst.name)
            .and_then(|c| c.get_exact("expressions"));
        let key = refs::key_of(&inst.addr);
        let here = refs::Here {
            module: &inst.module,
            key: key.as_deref(),
        };
        for p in paths {
            let written = src
                .as_ref()
                .and_then(|(m, i)| respan::expr_at(&m.resources[*i].body, p));
            resolver.resolve_leaf(&mut inst.values, exprs, p, &here, written);
        }
    }

    ws.enter_unit(unit);
    let mut patches = Vec::new();
    for (inst, &decl) in insts.iter().zip(&decls) {
        let label = inst.addr.clone();
        let body = &inst.values;
        let emit = |ws: &mut Workspace, rtype: &str| {
            let res = azurerm::Res {
                rtype,
                label: label.clone(),
                body,
                decl,
                major,
                // A plan holds what is deployed, each instance decided.
                deployed: None,
            };
            azurerm::emit(ws, &res)
        };
        match (inst.data, inst.rtype.as_str()) {
            (true, "azurerm_api_management") => {
                let key = body
                    .get_exact("id")
                    .and_then(|v| v.as_name())
                    .and_then(crate::model::ResKey::from_id);
                if let Some(key) = key {
                    ws.reference_apim(key);
                }
            }
            // An existing network resource read by a data source is known to the plan: it
            // is checked as declared there, unless the run declares it (or its read waits).
            (true, t)
                if DATA_AS_RESOURCE.contains(&t)
                    && !deferred.contains(&inst.addr)
                    && !body
                        .get_exact("id")
                        .and_then(|v| v.as_name())
                        .and_then(ResKey::from_id)
                        .is_some_and(|k| {
                            // The same resource: a scope one side does not know matches.
                            declared.iter().any(|d| {
                                d.rtype == k.rtype && d.names == k.names && d.same_scope(&k)
                            })
                        }) =>
            {
                emit(ws, t)
            }
            (true, _) => {}
            (false, "azapi_resource") => azapi::emit(ws, body, &label, decl),
            (false, "azapi_update_resource") => {
                if let Some(p) = azapi::patch(body, &label, decl) {
                    patches.push(p);
                }
            }
            (false, t) if azurerm::is_relevant(t) => emit(ws, t),
            _ => {}
        }
    }
    for p in &patches {
        azapi::apply(ws, p, unit);
    }
}

/// Data sources whose values describe an existing network resource the model checks.
const DATA_AS_RESOURCE: &[&str] = &[
    "azurerm_subnet",
    "azurerm_virtual_network",
    "azurerm_network_security_group",
    "azurerm_route_table",
    "azurerm_public_ip",
];

fn remove_key(v: &mut V, key: &str) {
    if let VKind::Obj(o) = &mut v.kind {
        o.retain(|(k, _)| &*k.name != key);
    }
}

/// Every resource instance of a module of `planned_values`/`values`, with its child modules.
/// How many malformed resources of one plan are named one by one.
const MAX_MALFORMED: usize = 10;

/// The resources of module `m` (and its children) that [`collect`] skips because their shape
/// is not a plan's: where, and what is wrong.
fn malformed(m: &V, out: &mut Vec<(Option<Span>, String)>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    match m.get_exact("resources") {
        None => {}
        Some(r) if r.as_array().is_none() => {
            out.push((r.span, "`resources` is not a list".to_string()));
        }
        Some(r) => {
            for r in r.as_array().unwrap_or(&[]) {
                if r.as_object().is_none() {
                    out.push((r.span, "a resource is not an object".to_string()));
                    continue;
                }
                let addr = r.get_exact("address").and_then(|a| a.as_str());
                for k in ["address", "type", "name"] {
                    if !r.get_exact(k).is_some_and(|v| v.as_str().is_some()) {
                        out.push((
                            r.get_exact(k).and_then(|v| v.span).or(r.span),
                            format!(
                                "resource {} has no `{k}` string",
                                addr.map_or("(no address)".to_string(), |a| format!("'{a}'"))
                            ),
                        ));
                    }
                }
                if let Some(v) = r.get_exact("values").filter(|v| v.as_object().is_none()) {
                    out.push((
                        v.span,
                        format!(
                            "the `values` of resource {} are not an object",
                            addr.map_or("(no address)".to_string(), |a| format!("'{a}'"))
                        ),
                    ));
                }
            }
        }
    }
    for c in m
        .get_exact("child_modules")
        .and_then(|c| c.as_array())
        .unwrap_or(&[])
    {
        malformed(c, out, depth + 1);
    }
}

fn collect(m: &V, module: &str, out: &mut Vec<Inst>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    for r in m
        .get_exact("resources")
        .and_then(|r| r.as_array())
        .unwrap_or(&[])
    {
        let s = |k: &str| r.get_exact(k).and_then(|v| v.as_str()).unwrap_or("");
        let (addr, rtype, name) = (s("address"), s("type"), s("name"));
        if addr.is_empty() || rtype.is_empty() {
            continue;
        }
        let Some(values) = r.get_exact("values").filter(|v| v.as_object().is_some()) else {
            continue;
        };
        out.push(Inst {
            addr: addr.to_string(),
            module: module.to_string(),
            data: s("mode") == "data",
            rtype: rtype.to_string(),
            name: name.to_string(),
            values: values.clone(),
            at: r.get_exact("address").and_then(|a| a.span).or(r.span),
        });
    }
    for c in m
        .get_exact("child_modules")
        .and_then(|c| c.as_array())
        .unwrap_or(&[])
    {
        let addr = c
            .get_exact("address")
            .and_then(|a| a.as_str())
            .unwrap_or(module);
        collect(c, addr, out, depth + 1);
    }
}

/// A declaration of a configuration module: a module call, or a resource (type, name).
#[derive(Clone, Copy)]
enum Decl<'a> {
    Call(&'a str),
    Resource(&'a str, &'a str),
}

/// Where a declaration of a configuration module (by path) is written: in the HCL when it is
/// there, else at the plan's span of it.
type FindDecl<'a> = dyn FnMut(&[String], Decl, Option<Span>) -> Span + 'a;

/// A managed API Management resource of a configuration module: `azurerm_api_management`, or
/// an `azapi_resource` whose constant `type` is `Microsoft.ApiManagement/service@…`. Its type
/// and name.
fn config_apim(r: &V) -> Option<(&str, &str)> {
    if r.get_exact("mode").and_then(|x| x.as_str()) != Some("managed") {
        return None;
    }
    let rtype = r.get_exact("type").and_then(|x| x.as_str())?;
    let apim = rtype == "azurerm_api_management"
        || (rtype == "azapi_resource"
            && r.path("expressions.type.constant_value")
                .and_then(|t| t.as_str())
                .is_some_and(|t| {
                    t.to_ascii_lowercase()
                        .starts_with("microsoft.apimanagement/service@")
                }));
    Some((rtype, r.get_exact("name").and_then(|x| x.as_str())?)).filter(|_| apim)
}

/// The API Management resources of the configuration module `m` (at `path`) the plan has no
/// instance of, and its module calls that create none but deploy an instance: not deployed with
/// the plan's inputs (`count = 0`, an empty `for_each`). `at` finds each one's declaration.
/// Calls of modules not in the configuration's reach (registry modules) that the plan does
/// create go to `deployed`, so that another stage's plan switching them off is not believed.
fn not_planned(
    m: &V,
    path: &mut Vec<String>,
    planned: &HashSet<(Vec<String>, &str, &str)>,
    modules_planned: &HashSet<Vec<String>>,
    at: &mut FindDecl,
    (out, deployed): (&mut Vec<NotDeployed>, &mut Vec<Span>),
) {
    let prefix: String = path.iter().map(|p| format!("module.{p}.")).collect();
    for r in m
        .get_exact("resources")
        .and_then(|r| r.as_array())
        .unwrap_or(&[])
    {
        let Some((rtype, name)) = config_apim(r) else {
            continue;
        };
        if !planned.contains(&(path.clone(), rtype, name)) {
            out.push(NotDeployed {
                label: format!("{prefix}{rtype}.{name}"),
                why: why_none(r),
                at: at(path, Decl::Resource(rtype, name), r.span),
                inner: Vec::new(),
            });
        }
    }
    let Some(VKind::Obj(calls)) = m.get_exact("module_calls").map(|c| &c.kind) else {
        return;
    };
    for (k, call) in calls {
        let sub = call.get_exact("module");
        path.push(k.name.to_string());
        // A call without `count`/`for_each`, or with a constant count of one or more, makes
        // instances whether or not they plan resources.
        let looped = call.get_exact("count_expression").is_some()
            || call.get_exact("for_each_expression").is_some();
        let constant = call
            .path("count_expression.constant_value")
            .and_then(|n| n.as_i64())
            .is_some_and(|n| n > 0);
        let created = !looped || constant || modules_planned.iter().any(|p| p.starts_with(path));
        let source = call.get_exact("source").and_then(|x| x.as_str());
        if created {
            if source.is_some_and(|s| !modules::is_local(s)) {
                let parent = &path[..path.len() - 1];
                deployed.push(at(parent, Decl::Call(&k.name), call.span));
            }
            if let Some(sub) = sub {
                not_planned(sub, path, planned, modules_planned, at, (out, deployed));
            }
        } else {
            let mut found = Vec::new();
            let apim = match sub.filter(|m| m.as_object().is_some_and(|o| !o.is_empty())) {
                Some(m) => declares_apim(m, path, &mut found),
                // A module not downloaded has no configuration here: its source tells.
                None => call
                    .get_exact("source")
                    .and_then(|x| x.as_str())
                    .is_some_and(crate::model::names_apim),
            };
            if apim {
                let inner = found
                    .iter()
                    .map(|(p, rtype, name, span)| at(p, Decl::Resource(rtype, name), *span))
                    .collect();
                let parent = &path[..path.len() - 1];
                out.push(NotDeployed {
                    label: format!("{prefix}module.{}", k.name),
                    why: why_none(call),
                    at: at(parent, Decl::Call(&k.name), call.span),
                    inner,
                });
            }
        }
        path.pop();
    }
}

/// An API Management resource found in a configuration module: (module path, type, name, the
/// plan's span).
type Found = (Vec<String>, String, String, Option<Span>);

/// Why a configured resource or module call has no instance in the plan.
fn why_none(decl: &V) -> String {
    if decl.get_exact("count_expression").is_some() {
        "count is 0"
    } else if decl.get_exact("for_each_expression").is_some() {
        "for_each is empty"
    } else {
        "the plan has no instance of it"
    }
    .to_string()
}

/// The API Management resources ([`config_apim`]) of a configuration module (at `path`) and of
/// the modules it calls, to a bounded depth: (module path, type, name, the plan's span).
fn declares_apim(m: &V, path: &mut Vec<String>, found: &mut Vec<Found>) -> bool {
    let before = found.len();
    for r in m
        .get_exact("resources")
        .and_then(|r| r.as_array())
        .unwrap_or(&[])
    {
        if let Some((rtype, name)) = config_apim(r) {
            found.push((path.clone(), rtype.to_string(), name.to_string(), r.span));
        }
    }
    if path.len() < 32 {
        if let Some(VKind::Obj(calls)) = m.get_exact("module_calls").map(|c| &c.kind) {
            for (k, c) in calls {
                if let Some(sub) = c.get_exact("module") {
                    path.push(k.name.to_string());
                    declares_apim(sub, path, found);
                    path.pop();
                }
            }
        }
    }
    found.len() > before
}

/// The directory of a module of the configuration (`module.a.module.b`), when its source is
/// local: the root module is the plan's directory. `None` for registry and git modules, and for
/// a directory outside the linted tree.
fn module_dir(
    ws: &Workspace,
    loader: &modules::Loader,
    config: Option<&V>,
    cfg_path: &[String],
    plan_dir: &Path,
) -> Option<PathBuf> {
    let mut dir = plan_dir.to_path_buf();
    let mut m = config;
    for name in cfg_path {
        let call = m?.get_exact("module_calls")?.get_exact(name)?;
        let src = call.get_exact("source")?.as_str()?;
        match modules::resolve_source(&dir, src) {
            modules::Source::Local(d) => dir = d,
            _ => return None,
        }
        m = call.get_exact("module");
    }
    let dir = modules::norm(&dir);
    loader.refused(&ws.fence, &dir).is_none().then_some(dir)
}

/// The azurerm major version: the lock file beside the plan, else the configuration's
/// constraint, else the newest.
fn major_of(ws: &mut Workspace, doc: &V, dir: &Path) -> u32 {
    let mut constraints = Vec::new();
    for (k, p) in doc
        .path("configuration.provider_config")
        .and_then(|p| p.as_object())
        .unwrap_or(&[])
    {
        let name = p
            .get_exact("name")
            .and_then(|n| n.as_str())
            .unwrap_or(&k.name);
        if name == "azurerm" {
            if let Some(c) = p.get_exact("version_constraint").and_then(|c| c.as_str()) {
                constraints.push(c.to_string());
            }
        }
    }
    let locked = version::locked_azurerm(ws, dir);
    version::major(&constraints, locked)
}

#[cfg(test)]
mod tests;
