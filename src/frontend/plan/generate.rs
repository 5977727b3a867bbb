//! What `terraform show -json` would print for a Terraform directory, made from the HCL front
//! end's own evaluation: the plan fixtures of `fixtures/plan/from-terraform` (through
//! `examples/tfplan.rs`), so the plan loader is exercised on every Terraform fixture without the
//! Terraform CLI or the azurerm provider.
//!
//! It follows Terraform's documented JSON output format (`planned_values`, `resource_changes`
//! with `after_unknown`, `prior_state` for data sources read while planning, `configuration`
//! with `expressions.references`) and writes what a real plan knows and nothing more:
//! - every resource being created has an `id` known only after apply, and so has every value
//!   built from such an id (an association's `subnet_id`, an AzAPI `body` naming a subnet): those
//!   are `after_unknown`, never a made-up id; `configuration` keeps the references that say
//!   what they are;
//! - a value the HCL front end cannot know (an unset variable) is `after_unknown` too;
//! - a data source is read while planning (`prior_state`), unless a value of its own is unknown:
//!   then its read is deferred to apply (`"actions": ["read"]`, in `planned_values`);
//! - attributes of the azurerm schema the configuration leaves unset are present as the provider
//!   plans them ([`schema`]): `null`, `[]`, a provider default, or known only after apply.
//!
//! A registry or git module is not downloaded here: its call is in `configuration` with its
//! source, and its resources are missing (Terraform would have them).
//!
//! A state (`terraform show -json` of the state after apply, `values` instead of
//! `planned_values`) has every value known: ids are those the HCL front end computes, under a
//! fixed subscription id (so are the ids data sources read while planning).
//!
//! A deferred read is the one thing a real plan would not show for these fixtures: Terraform
//! reads a data source with known arguments while planning, from Azure, which is not reachable
//! here; `read_because_config_unknown` stands for "not known before apply".

use super::schema;
use crate::frontend::terraform::ast::{Body, Expr, ExprKind, ObjKey, Op, TPart};
use crate::frontend::terraform::eval::{Eval, Shape, ABOUT};
use crate::frontend::terraform::modules::{self, Loader, Module, Source};
use crate::frontend::terraform::{azurerm, root_inputs};
use crate::model::Shared;
use crate::model::{VKind, Workspace, V};
use crate::source::{FileId, Lang, SourceFile};
use serde_json::{json, Map, Value as J};
use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The Terraform version the generated documents claim: the one their shape was compared with.
pub const TERRAFORM_VERSION: &str = "1.11.4";
/// The subscription of a generated state's ids.
pub const STATE_SUBSCRIPTION: &str = "00000000-0000-0000-0000-000000000000";
const PROVIDER: &str = "registry.terraform.io/hashicorp/azurerm";
const AZAPI: &str = "registry.terraform.io/azure/azapi";

/// Plan (or state) documents of the Terraform code at `path` (a `.tf` file or a directory):
/// one per root module, with the root's directory relative to `path`'s directory (a file's
/// own directory is `""`).
pub fn generate(path: &Path, state: bool) -> Result<Vec<(PathBuf, J)>, String> {
    let files = tf_files(path)?;
    if files.is_empty() {
        return Err(format!("{}: no Terraform files", path.display()));
    }
    let base = if path.is_dir() {
        modules::norm(path)
    } else {
        modules::norm(path.parent().unwrap_or(Path::new(".")))
    };
    let mut ws = Workspace::default();
    let mut ids: Vec<FileId> = Vec::new();
    for f in files {
        // As a run reads: a FIFO or device named `*.tf` is refused, not read without end.
        let lang = crate::source::lang_of(&f).unwrap_or(Lang::Terraform);
        let bytes = crate::source::read_regular(&f).map_err(|e| format!("{}: {e}", f.display()))?;
        let text = crate::source::decode(bytes, lang)
            .map_err(|(_, _, why)| format!("{}: {why}", f.display()))?;
        let display = f.to_string_lossy().to_string();
        ids.push(ws.sources.add(SourceFile::new(f, display, text, lang)));
    }
    let mut loader = Loader::new(&ws, &ids);
    let mut dirs: Vec<PathBuf> = loader.run_dirs.keys().cloned().collect();
    dirs.sort();
    let mut mods: Vec<Arc<Module>> = Vec::new();
    for d in &dirs {
        if loader.run_dirs[d].0.is_empty() {
            continue;
        }
        if let Some(m) = loader.module(&mut ws, d) {
            mods.push(m);
        }
    }
    let called: HashSet<PathBuf> = mods
        .iter()
        .flat_map(|m| m.calls.iter().map(move |c| (m, c)))
        .filter_map(
            |(m, c)| match modules::resolve_source(&m.dir, &c.source.as_ref()?.0) {
                Source::Local(d) if d != m.dir => Some(d),
                _ => None,
            },
        )
        .collect();
    let roots: Vec<Arc<Module>> = mods
        .into_iter()
        .filter(|m| !called.contains(&m.dir))
        .collect();

    let inputs: Vec<_> = roots
        .iter()
        .map(|m| root_inputs(&mut ws, &mut loader, m, &[], &[]))
        .collect();
    let mut ev = Eval::new(&mut ws, &mut loader, azurerm::computed);
    let mut root_ids = Vec::new();
    for (m, inputs) in roots.iter().zip(inputs) {
        root_ids.push(ev.add_root(m.clone(), inputs));
    }
    ev.instantiate_all();

    let mut out = Vec::new();
    for &r in &root_ids {
        let dir = ev.insts[r].module.dir.clone();
        let rel = dir
            .strip_prefix(&base)
            .unwrap_or(Path::new(""))
            .to_path_buf();
        let doc = document(&mut ev, r, state);
        out.push((rel, doc));
    }
    Ok(out)
}

/// The text of a generated document: indented, keys sorted as Terraform (Go) writes them.
pub fn to_text(doc: &J) -> String {
    let mut s = serde_json::to_string_pretty(&sorted(doc)).unwrap_or_default();
    s.push('\n');
    s
}

fn sorted(v: &J) -> J {
    match v {
        J::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let mut out = Map::new();
            for k in keys {
                out.insert(k.clone(), sorted(&m[k]));
            }
            J::Object(out)
        }
        J::Array(a) => J::Array(a.iter().map(sorted).collect()),
        _ => v.clone(),
    }
}

/// Terraform files of a fixture: the file itself, or every `.tf`, `.tf.json` and `.tfvars` of
/// the directory tree (hidden directories such as `.terraform` left out).
fn tf_files(path: &Path) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    if path.is_file() {
        out.push(path.to_path_buf());
        return Ok(out);
    }
    let mut stack = vec![path.to_path_buf()];
    while let Some(d) = stack.pop() {
        let rd = std::fs::read_dir(&d).map_err(|e| format!("{}: {e}", d.display()))?;
        for e in rd.flatten() {
            let p = e.path();
            let hidden = e.file_name().to_string_lossy().starts_with('.');
            if p.is_dir() {
                if !hidden {
                    stack.push(p);
                }
            } else if matches!(
                crate::source::lang_of(&p),
                Some(Lang::Terraform | Lang::TerraformJson | Lang::TerraformVars)
            ) {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// One resource instance as the plan lists it.
struct Planned {
    /// A data source whose values are not known before apply.
    unread: bool,
    module: String,
    addr: String,
    data: bool,
    rtype: String,
    name: String,
    key: Option<J>,
    value: V,
}

impl Planned {
    /// What a resource of `planned_values` and a `resource_changes` entry both start with
    /// (`module_address` only in the latter).
    fn header(&self, provider: &str, change: bool) -> Map<String, J> {
        let mut m = Map::new();
        m.insert("address".into(), J::from(self.addr.clone()));
        if change && !self.module.is_empty() {
            m.insert("module_address".into(), J::from(self.module.clone()));
        }
        let mode = if self.data { "data" } else { "managed" };
        m.insert("mode".into(), J::from(mode));
        m.insert("type".into(), J::from(self.rtype.clone()));
        m.insert("name".into(), J::from(self.name.clone()));
        if let Some(k) = &self.key {
            m.insert("index".into(), k.clone());
        }
        m.insert("provider_name".into(), J::from(provider));
        m
    }
}

fn document(ev: &mut Eval, root: usize, state: bool) -> J {
    let mut insts: Vec<Planned> = Vec::new();
    let mut module_addrs: Vec<String> = Vec::new();
    for i in 0..ev.insts.len() {
        if ev.insts[i].root != root {
            continue;
        }
        let module = ev.insts[i].module.clone();
        let maddr = ev.insts[i].addr.clone();
        module_addrs.push(maddr.clone());
        for (ri, d) in module.resources.iter().enumerate() {
            let set = ev.resource_set(i, ri);
            let label = ev.res_label(i, d.data, &d.rtype, &d.name);
            for it in &set.items {
                // An unknown `count`/`for_each`: Terraform could not plan the instances.
                if matches!(set.shape, Shape::Unknown(_)) {
                    continue;
                }
                let key = match set.shape {
                    Shape::List => it.key.as_i64().map(J::from),
                    Shape::Map => it.key.as_str().map(J::from),
                    _ => None,
                };
                // A data source that names no resource of the run has only its arguments:
                // what it reads from Azure is not known here, so its read waits for apply.
                let read = d.data
                    && it.value.as_object().is_some_and(|o| {
                        o.iter().any(|(k, _)| {
                            !k.name.starts_with(ABOUT)
                                && &*k.name != "id"
                                && d.body.attr(&k.name).is_none()
                                && d.body.blocks(&k.name).next().is_none()
                        })
                    });
                insts.push(Planned {
                    unread: d.data && !read,
                    module: maddr.clone(),
                    addr: format!("{label}{}", it.suffix),
                    data: d.data,
                    rtype: d.rtype.to_string(),
                    name: d.name.to_string(),
                    key,
                    value: (*it.value).clone(),
                });
            }
        }
    }
    let created: Vec<String> = if state {
        Vec::new()
    } else {
        insts
            .iter()
            .filter(|p| !p.data)
            .filter_map(|p| p.value.get("id").and_then(|v| v.as_name()))
            .filter(|id| id.len() > 1)
            .map(str::to_string)
            .collect()
    };

    let mut planned: Vec<(String, J)> = Vec::new();
    let mut prior: Vec<(String, J)> = Vec::new();
    let mut changes: Vec<J> = Vec::new();
    for p in &insts {
        let (mut after, mut unknown) = split(&p.value, &created, state);
        let provider = provider_of(&p.rtype);
        if !p.data || p.unread && !state {
            schema::complete(&p.rtype, p.unread, &mut after, &mut unknown);
        }
        if p.unread && !state {
            if let J::Object(u) = &mut unknown {
                u.insert("id".into(), J::Bool(true));
            }
            if let J::Object(a) = &mut after {
                a.remove("id");
            }
        }
        if !p.data && !state {
            if let J::Object(a) = &mut after {
                a.remove("id");
            }
            if let J::Object(u) = &mut unknown {
                u.insert("id".into(), J::Bool(true));
            }
        }
        // What is read from Azure (a state, a data source read while planning) names a real
        // subscription.
        if state || p.data && !p.unread {
            after = with_subscription(after);
        }
        let deferred = p.data && !state && has_true(&unknown);
        let mut res = p.header(&provider, false);
        res.insert("schema_version".into(), J::from(0));
        res.insert("values".into(), after.clone());
        res.insert("sensitive_values".into(), json!({}));
        if p.data && !state && !deferred {
            prior.push((p.module.clone(), J::Object(res)));
            continue;
        }
        planned.push((p.module.clone(), J::Object(res)));
        if state {
            continue;
        }
        let mut rc = p.header(&provider, true);
        if deferred {
            rc.insert(
                "action_reason".into(),
                J::from("read_because_config_unknown"),
            );
        }
        rc.insert(
            "change".into(),
            json!({
                "actions": [if deferred { "read" } else { "create" }],
                "before": null,
                "after": after,
                "after_unknown": unknown,
                "before_sensitive": false,
                "after_sensitive": {},
            }),
        );
        changes.push(J::Object(rc));
    }

    let root_mod = &ev.insts[root].module.clone();
    let config = config_module(ev, root_mod, 0);
    let mut doc = Map::new();
    doc.insert("format_version".into(), J::from("1.2"));
    doc.insert("terraform_version".into(), J::from(TERRAFORM_VERSION));
    let tree = module_tree(&planned, &module_addrs);
    if state {
        doc.insert("values".into(), json!({ "root_module": tree }));
        return J::Object(doc);
    }
    doc.insert("variables".into(), variables(ev, root));
    doc.insert("planned_values".into(), json!({ "root_module": tree }));
    doc.insert("resource_changes".into(), J::Array(changes));
    if !prior.is_empty() {
        doc.insert(
            "prior_state".into(),
            json!({
                "format_version": "1.0",
                "terraform_version": TERRAFORM_VERSION,
                "values": { "root_module": module_tree(&prior, &module_addrs) },
            }),
        );
    }
    let mut providers = Map::new();
    let constraints: Vec<String> = ev
        .insts
        .iter()
        .filter(|i| i.root == root)
        .flat_map(|i| i.module.azurerm_constraints.iter().map(|(c, _)| c.clone()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut azurerm = json!({ "name": "azurerm", "full_name": PROVIDER });
    if !constraints.is_empty() {
        azurerm["version_constraint"] = J::from(constraints.join(","));
    }
    providers.insert("azurerm".into(), azurerm);
    doc.insert(
        "configuration".into(),
        json!({ "provider_config": providers, "root_module": config }),
    );
    doc.insert("applyable".into(), J::Bool(true));
    doc.insert("complete".into(), J::Bool(true));
    doc.insert("errored".into(), J::Bool(false));
    J::Object(doc)
}

/// The provider of a resource type, by its prefix (`azurerm_subnet` → `hashicorp/azurerm`).
fn provider_of(rtype: &str) -> String {
    match rtype.split('_').next().unwrap_or_default() {
        "azapi" => AZAPI.to_string(),
        p => format!("registry.terraform.io/hashicorp/{p}"),
    }
}

/// `planned_values.root_module`: resources by module instance, child modules nested by address.
fn module_tree(res: &[(String, J)], modules: &[String]) -> J {
    fn node(addr: &str, res: &[(String, J)], modules: &[String]) -> Option<J> {
        let mine: Vec<J> = res
            .iter()
            .filter(|(m, _)| m == addr)
            .map(|(_, r)| r.clone())
            .collect();
        let children: Vec<J> = modules
            .iter()
            .filter(|m| is_child(addr, m))
            .filter_map(|m| node(m, res, modules))
            .collect();
        if mine.is_empty() && children.is_empty() && !addr.is_empty() {
            return None;
        }
        let mut n = Map::new();
        if !addr.is_empty() {
            n.insert("address".into(), J::from(addr));
        }
        if !mine.is_empty() {
            n.insert("resources".into(), J::Array(mine));
        }
        if !children.is_empty() {
            n.insert("child_modules".into(), J::Array(children));
        }
        Some(J::Object(n))
    }
    node("", res, modules).unwrap_or_else(|| json!({}))
}

/// Whether module instance `m` is a direct child of `parent` (`module.a` of `""`,
/// `module.a.module.b` of `module.a`).
fn is_child(parent: &str, m: &str) -> bool {
    let rest = if parent.is_empty() {
        Some(m)
    } else {
        m.strip_prefix(parent).and_then(|r| r.strip_prefix('.'))
    };
    rest.is_some_and(|r| r.starts_with("module.") && !r[7..].contains(".module."))
}

/// `variables`: the root module's known variable values.
fn variables(ev: &mut Eval, root: usize) -> J {
    let module = ev.insts[root].module.clone();
    let mut out = Map::new();
    for v in &module.variables {
        let val = ev.var(root, &v.name, v.span);
        let (j, u) = split(&val, &[], false);
        if u != J::Bool(true) && !has_true(&u) {
            out.insert(v.name.to_string(), json!({ "value": j }));
        }
    }
    J::Object(out)
}

/// A value as the plan's `after` and `after_unknown`: unknown values (and, in a plan, strings
/// holding an id known only after apply) are left out of `after` and `true` in
/// `after_unknown`. Lists keep a `false` per known element, objects only their unknown or
/// nested entries, as Terraform writes them.
fn split(v: &V, created: &[String], state: bool) -> (J, J) {
    let unknown = (J::Null, J::Bool(true));
    match &v.kind {
        VKind::Unknown(_) if state => (J::Null, J::Bool(false)),
        VKind::Unknown(_) => unknown,
        VKind::Null => (J::Null, J::Bool(false)),
        VKind::Bool(b) => (J::Bool(*b), J::Bool(false)),
        VKind::Int(i) => (J::from(*i), J::Bool(false)),
        VKind::Float(f) => (J::from(*f), J::Bool(false)),
        VKind::Str(s) => {
            if created.iter().any(|c| s.contains(c.as_str())) {
                unknown
            } else {
                (J::from(s.to_string()), J::Bool(false))
            }
        }
        VKind::Arr(items) => {
            let (a, u): (Vec<J>, Vec<J>) = items.iter().map(|x| split(x, created, state)).unzip();
            (J::Array(a), J::Array(u))
        }
        VKind::Obj(entries) => {
            let mut a = Map::new();
            let mut u = Map::new();
            for (k, x) in entries {
                if k.name.starts_with(ABOUT) {
                    continue;
                }
                let (xa, xu) = split(x, created, state);
                match &xu {
                    J::Bool(true) => {
                        a.remove(&*k.name);
                        u.insert(k.name.to_string(), xu);
                        continue;
                    }
                    J::Array(_) | J::Object(_) => {
                        u.insert(k.name.to_string(), xu);
                    }
                    _ => {
                        u.remove(&*k.name);
                    }
                }
                a.insert(k.name.to_string(), xa);
            }
            (J::Object(a), J::Object(u))
        }
    }
}

fn has_true(u: &J) -> bool {
    match u {
        J::Bool(b) => *b,
        J::Array(a) => a.iter().any(has_true),
        J::Object(o) => o.values().any(has_true),
        _ => false,
    }
}

/// A state's ids name a real subscription.
fn with_subscription(v: J) -> J {
    match v {
        J::String(s) => J::String(s.replace("{subscription}", STATE_SUBSCRIPTION)),
        J::Array(a) => J::Array(a.into_iter().map(with_subscription).collect()),
        J::Object(o) => J::Object(
            o.into_iter()
                .map(|(k, x)| (k, with_subscription(x)))
                .collect(),
        ),
        x => x,
    }
}

// -------------------------------------------------------------------------------------------
// configuration

/// Meta-arguments and blocks that are not the resource's own expressions.
const META: &[&str] = &[
    "count",
    "for_each",
    "depends_on",
    "provider",
    "lifecycle",
    "provisioner",
    "connection",
    "dynamic",
];
const CALL_META: &[&str] = &[
    "source",
    "version",
    "count",
    "for_each",
    "depends_on",
    "providers",
];

fn config_module(ev: &mut Eval, m: &Module, depth: usize) -> J {
    let mut out = Map::new();
    let mut resources = Vec::new();
    for d in &m.resources {
        let mut r = Map::new();
        let local = if d.data {
            format!("data.{}.{}", d.rtype, d.name)
        } else {
            format!("{}.{}", d.rtype, d.name)
        };
        r.insert("address".into(), J::from(local));
        r.insert(
            "mode".into(),
            J::from(if d.data { "data" } else { "managed" }),
        );
        r.insert("type".into(), J::from(d.rtype.to_string()));
        r.insert("name".into(), J::from(d.name.to_string()));
        let pkey = d.rtype.split('_').next().unwrap_or("azurerm").to_string();
        r.insert("provider_config_key".into(), J::from(pkey));
        r.insert("expressions".into(), expressions(&d.body, META));
        r.insert("schema_version".into(), J::from(0));
        if let Some(c) = &d.count {
            r.insert("count_expression".into(), expression(c));
        }
        if let Some(f) = &d.for_each {
            r.insert("for_each_expression".into(), expression(f));
        }
        resources.push(J::Object(r));
    }
    if !resources.is_empty() {
        out.insert("resources".into(), J::Array(resources));
    }
    let mut calls = Map::new();
    for c in &m.calls {
        let mut call = Map::new();
        let Some((src, _)) = &c.source else { continue };
        call.insert("source".into(), J::from(src.clone()));
        let mut exprs = Map::new();
        for a in &c.args {
            if !CALL_META.contains(&&*a.name) {
                exprs.insert(a.name.to_string(), expression(&a.expr));
            }
        }
        call.insert("expressions".into(), J::Object(exprs));
        if let Some(e) = &c.count {
            call.insert("count_expression".into(), expression(e));
        }
        if let Some(e) = &c.for_each {
            call.insert("for_each_expression".into(), expression(e));
        }
        let version = c
            .args
            .iter()
            .find(|a| &*a.name == "version")
            .and_then(|a| a.expr.as_str().map(str::to_string));
        if let Some(v) = version {
            call.insert("version_constraint".into(), J::from(v));
        }
        let child = match modules::resolve_source(&m.dir, src) {
            Source::Local(dir) if depth < super::MAX_DEPTH => ev.load_module(&dir),
            _ => None,
        };
        let body = match child {
            Some(cm) => config_module(ev, &cm, depth + 1),
            None => json!({}),
        };
        call.insert("module".into(), body);
        calls.insert(c.name.to_string(), J::Object(call));
    }
    if !calls.is_empty() {
        out.insert("module_calls".into(), J::Object(calls));
    }
    let mut outputs = Map::new();
    for (name, e) in &m.outputs {
        outputs.insert(name.to_string(), json!({ "expression": expression(e) }));
    }
    if !outputs.is_empty() {
        out.insert("outputs".into(), J::Object(outputs));
    }
    let mut vars = Map::new();
    for v in &m.variables {
        let mut d = Map::new();
        if let Some(def) = v.default.as_ref().and_then(literal) {
            d.insert("default".into(), def);
        }
        vars.insert(v.name.to_string(), J::Object(d));
    }
    if !vars.is_empty() {
        out.insert("variables".into(), J::Object(vars));
    }
    J::Object(out)
}

/// A body's expressions: attributes by name, nested blocks as lists of their bodies.
/// `dynamic` blocks are left out, as Terraform leaves them out.
fn expressions(body: &Body, skip: &[&str]) -> J {
    let mut out = Map::new();
    for a in &body.attrs {
        if !skip.contains(&&*a.name) {
            out.insert(a.name.to_string(), expression(&a.expr));
        }
    }
    for b in &body.blocks {
        if skip.contains(&&*b.kind) {
            continue;
        }
        let list = out
            .entry(b.kind.to_string())
            .or_insert_with(|| J::Array(Vec::new()));
        if let J::Array(l) = list {
            l.push(expressions(&b.body, &[]));
        }
    }
    J::Object(out)
}

/// One expression: its constant value when it is a literal, else the references it makes.
fn expression(e: &Expr) -> J {
    let mut refs = Vec::new();
    references(e, &mut Vec::new(), &mut refs);
    if !refs.is_empty() {
        return json!({ "references": refs });
    }
    match literal(e) {
        Some(v) => json!({ "constant_value": v }),
        None => json!({}),
    }
}

fn literal(e: &Expr) -> Option<J> {
    Some(match &e.kind {
        ExprKind::Null => J::Null,
        ExprKind::Bool(b) => J::Bool(*b),
        ExprKind::Int(i) => J::from(*i),
        ExprKind::Float(f) => J::from(*f),
        ExprKind::Str(_) | ExprKind::Template(_) => J::from(e.as_str()?),
        ExprKind::Neg(x) => match &x.kind {
            ExprKind::Int(i) => J::from(-*i),
            ExprKind::Float(f) => J::from(-*f),
            _ => return None,
        },
        ExprKind::Arr(items) => J::Array(items.iter().map(literal).collect::<Option<_>>()?),
        ExprKind::Obj(entries) => {
            let mut m = Map::new();
            for (k, v) in entries {
                let key = match k {
                    ObjKey::Name(n, _) => n.to_string(),
                    ObjKey::Expr(k) => k.as_str()?.to_string(),
                };
                m.insert(key, literal(v)?);
            }
            J::Object(m)
        }
        _ => return None,
    })
}

/// The references of an expression as Terraform lists them: each traversal with its shorter
/// forms (`azurerm_subnet.a[0].id`, `azurerm_subnet.a[0]`, `azurerm_subnet.a`), in order of
/// appearance, once each. Names bound by `for` expressions are not references.
fn references(e: &Expr, bound: &mut Vec<Shared<str>>, out: &mut Vec<String>) {
    let add = |list: Vec<String>, out: &mut Vec<String>| {
        for r in list {
            if !out.contains(&r) {
                out.push(r);
            }
        }
    };
    match &e.kind {
        ExprKind::Var(n) if !bound.contains(n) => add(traversal(n, &[]), out),
        ExprKind::Trav(root, ops) => {
            match &root.kind {
                ExprKind::Var(n) if !bound.contains(n) => add(traversal(n, ops), out),
                ExprKind::Var(_) => {}
                _ => references(root, bound, out),
            }
            for op in ops {
                if let Op::Index(i) = op {
                    references(i, bound, out);
                }
            }
        }
        ExprKind::Template(parts) => template_refs(parts, bound, out),
        ExprKind::Arr(items) => items.iter().for_each(|x| references(x, bound, out)),
        ExprKind::Obj(entries) => {
            for (k, v) in entries {
                if let ObjKey::Expr(k) = k {
                    references(k, bound, out);
                }
                references(v, bound, out);
            }
        }
        ExprKind::Call(_, args, _) => args.iter().for_each(|x| references(x, bound, out)),
        ExprKind::Cond(a, b, c) => {
            for x in [a, b, c] {
                references(x, bound, out);
            }
        }
        ExprKind::Neg(x) | ExprKind::Not(x) => references(x, bound, out),
        ExprKind::Bin(_, a, b) => {
            references(a, bound, out);
            references(b, bound, out);
        }
        ExprKind::For(f) => {
            references(&f.coll, bound, out);
            let n = bound.len();
            bound.extend(f.key_var.iter().cloned());
            bound.push(f.val_var.clone());
            for x in [f.key.as_ref(), Some(&f.val), f.cond.as_ref()]
                .into_iter()
                .flatten()
            {
                references(x, bound, out);
            }
            bound.truncate(n);
        }
        _ => {}
    }
}

fn template_refs(parts: &[TPart], bound: &mut Vec<Shared<str>>, out: &mut Vec<String>) {
    for p in parts {
        match p {
            TPart::Lit(_) => {}
            TPart::Interp(e) => references(e, bound, out),
            TPart::If(c, a, b) => {
                references(c, bound, out);
                template_refs(a, bound, out);
                template_refs(b, bound, out);
            }
            TPart::For(k, v, coll, body) => {
                references(coll, bound, out);
                let n = bound.len();
                bound.extend(k.iter().cloned());
                bound.push(v.clone());
                template_refs(body, bound, out);
                bound.truncate(n);
            }
        }
    }
}

/// The reference strings of one traversal `root.ops…`, longest first.
fn traversal(root: &str, ops: &[Op]) -> Vec<String> {
    let attr = |i: usize| match ops.get(i) {
        Some(Op::Attr(n, _)) => Some(n.to_string()),
        _ => None,
    };
    let key = |i: usize| match ops.get(i) {
        Some(Op::Index(e)) => match &e.kind {
            ExprKind::Int(n) => Some(format!("[{n}]")),
            _ => e.as_str().map(|s| format!("[{}]", J::from(s))),
        },
        _ => None,
    };
    match root {
        "var" | "local" | "count" | "each" | "path" | "terraform" => match attr(0) {
            Some(a) => vec![format!("{root}.{a}")],
            None => Vec::new(),
        },
        "self" => Vec::new(),
        "module" => {
            let Some(call) = attr(0) else {
                return Vec::new();
            };
            let base = format!("module.{call}");
            match (key(1), attr(1), attr(2)) {
                (Some(k), _, Some(o)) => {
                    vec![format!("{base}{k}.{o}"), format!("{base}{k}"), base.clone()]
                }
                (Some(k), _, None) => vec![format!("{base}{k}"), base.clone()],
                (None, Some(o), _) => vec![format!("{base}.{o}"), base.clone()],
                _ => vec![base],
            }
        }
        _ => {
            let (prefix, first) = if root == "data" {
                let Some(t) = attr(0) else {
                    return Vec::new();
                };
                (format!("data.{t}"), 1)
            } else {
                (root.to_string(), 0)
            };
            let Some(name) = attr(first) else {
                return Vec::new();
            };
            let base = format!("{prefix}.{name}");
            match (key(first + 1), attr(first + 1), attr(first + 2)) {
                (Some(k), _, Some(a)) => {
                    vec![format!("{base}{k}.{a}"), format!("{base}{k}"), base.clone()]
                }
                (Some(k), _, None) => vec![format!("{base}{k}"), base.clone()],
                (None, Some(a), _) => vec![format!("{base}.{a}"), base.clone()],
                _ => vec![base],
            }
        }
    }
}

// -------------------------------------------------------------------------------------------
// the committed fixtures

/// Fixtures whose state (`terraform show -json` after apply) is committed beside the plans.
pub const STATES: &[&str] = &[
    "STV102/fail-delegated-in-sibling-module",
    "STV103/fail-cidrsubnet.tf",
    "STV202/fail-no-management-rule.tf",
    "STV501/fail-later-root-forces-the-tunnel",
];

/// One generated document of a Terraform fixture.
pub struct FixturePlan {
    /// Where it is committed, relative to `fixtures/plan/from-terraform`: the fixture's path
    /// without `.tf`, then the root module's directory inside a fixture of several roots
    /// (`STV201/fail-two-roots-dev-prod/dev.json`); states under `state/`.
    pub out: PathBuf,
    /// The Terraform fixture (a `.tf` file or a directory).
    pub fixture: PathBuf,
    /// The root module's directory inside the fixture (`""` for the fixture itself).
    pub root: PathBuf,
    pub text: String,
}

/// Every plan of every Terraform fixture under `terraform` (`fixtures/terraform`:
/// `<CODE>/{fail,pass}-*`), and the states of [`STATES`].
pub fn fixture_plans(terraform: &Path) -> Result<Vec<FixturePlan>, String> {
    let mut fixtures = Vec::new();
    let codes =
        std::fs::read_dir(terraform).map_err(|e| format!("{}: {e}", terraform.display()))?;
    for code in codes.flatten().filter(|c| c.path().is_dir()) {
        for fx in std::fs::read_dir(code.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let name = fx.file_name().to_string_lossy().to_string();
            if name.starts_with("fail-") || name.starts_with("pass-") {
                fixtures.push(fx.path());
            }
        }
    }
    fixtures.sort();
    let mut out = Vec::new();
    for fx in fixtures {
        let rel = fx.strip_prefix(terraform).unwrap_or(&fx).to_path_buf();
        let stem = match rel.to_string_lossy().strip_suffix(".tf") {
            Some(s) => PathBuf::from(s),
            None => rel.clone(),
        };
        let relname = rel.to_string_lossy().replace('\\', "/");
        for state in [false, true] {
            if state && !STATES.contains(&relname.as_str()) {
                continue;
            }
            let docs = generate(&fx, state)?;
            let single = docs.len() == 1 && docs[0].0.as_os_str().is_empty();
            for (root, doc) in docs {
                let mut path = if single {
                    stem.clone()
                } else {
                    stem.join(&root)
                };
                if state {
                    path = Path::new("state").join(path);
                }
                let mut name = path.into_os_string();
                name.push(".json");
                out.push(FixturePlan {
                    out: PathBuf::from(name),
                    fixture: fx.clone(),
                    root,
                    text: to_text(&doc),
                });
            }
        }
    }
    Ok(out)
}
