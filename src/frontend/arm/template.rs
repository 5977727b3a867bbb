//! Template evaluation: parameters (defaults and parameter files), variables (with `copy`),
//! resources (array or `languageVersion 2.0` object, nested children, `copy` loops,
//! `condition`), property `copy` loops, `reference()` of declared resources, and nested
//! `Microsoft.Resources/deployments` with inline templates (what Bicep modules compile to),
//! with their parameters in and outputs out.
//!
//! Evaluation is lazy and memoised: a resource body or an output is evaluated when a reference
//! or the model needs it, so declaration order does not matter. Cycles give unknowns.

use super::expr::{self, Expr};
use super::functions;
use crate::frontend::kernel::access;
use crate::frontend::kernel::budget::{self, Budget, Size};
use crate::frontend::kernel::lambda;
use crate::frontend::kernel::memo::{self, Lookup, Memo, Once};
use crate::model::arm_body::{self, ArmResource};
use crate::model::value::{choice_name, choose, lift_all};
use crate::model::{Format, Key, VKind, Workspace, V};
use crate::source::{canonical, FileId, Span};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// Loop expansion is capped so a huge `count` cannot exhaust memory.
const MAX_COPY: i64 = 800;
/// Functions that build their result from (copies of) their arguments' values: the copy is
/// charged to the budget before it is made (a variable that doubles an array at every step
/// stops at the limit instead of building the value that exceeds it).
const COPYING: &[&str] = &[
    "array",
    "concat",
    "createarray",
    "createobject",
    "flatten",
    "intersection",
    "items",
    "shallowmerge",
    "skip",
    "string",
    "take",
    "union",
];

/// Whether function `lname` (lower case) is one of [`COPYING`].
fn copies_arguments(lname: &str) -> bool {
    COPYING.contains(&lname)
}

/// Whether the call to `name` charged what it copies before copying it (see `Eval::call`).
fn charged_before(name: &str) -> bool {
    let lname = name.to_ascii_lowercase();
    lname == "parameters" || lname == "variables" || copies_arguments(&lname)
}

/// The identity of a linked template cycle's STV001, followed by the cycle's files.
pub(super) const CYCLE: &str = "arm|linked template cycle|";
/// Nested deployments deeper than this are not followed.
const MAX_NESTING: usize = 16;

/// One template scope: the root template, a nested deployment's inline template, or a linked
/// template found among the run's files.
struct Scope {
    template: V,
    /// Directory of the file the template is in (linked templates resolve against it).
    dir: PathBuf,
    /// Values given from outside: parameter file, or the nested deployment's `parameters`.
    given: HashMap<String, V>,
    /// Nested deployments with `expressionEvaluationOptions.scope: outer` (the default for
    /// hand-written templates) read the parent's parameters and variables.
    outer: Option<usize>,
    rg: Option<String>,
    /// Parameters and variables by lower-cased name.
    params: RefCell<Memo<String, V>>,
    vars: RefCell<Memo<String, V>>,
    outputs: Once<V>,
    /// How messages name this scope (`nested deployment 'vnet'`).
    label: String,
    depth: usize,
    /// The template files this scope is reached through, the root's first: a link to one of
    /// them is a cycle, never expanded.
    chain: Rc<[FileId]>,
}

impl Scope {
    /// The resource declaration at `path`: its index in the template's `resources`, then in
    /// each parent's `resources` array.
    fn resource(&self, path: &[u32]) -> Option<&V> {
        let mut list = self.template.get("resources")?;
        let mut v: Option<&V> = None;
        for (level, &i) in path.iter().enumerate() {
            if level > 0 {
                list = v?.get("resources")?;
            }
            v = match &list.kind {
                VKind::Arr(items) => items.get(i as usize),
                VKind::Obj(entries) => entries.get(i as usize).map(|(_, x)| x),
                _ => None,
            };
        }
        v
    }
}

struct Instance {
    scope: usize,
    rtype: String,
    api_version: V,
    name: V,
    /// Where the declaration is in its scope's template ([`Scope::resource`]): a path, shared
    /// by the copies of one declaration, rather than a deep copy of its JSON per instance.
    decl: Rc<[u32]>,
    copy: Vec<(String, V)>,
    symbol: Option<String>,
    existing: bool,
    /// Shared with every `reference()`; the model takes it last ([`Eval::emit`]).
    body: Once<Rc<V>>,
    /// The scope of a nested deployment's inline template.
    deployment: Option<usize>,
    /// Its `condition` (as written, and its value), when that is not known: the model checks
    /// with and without it.
    condition: Option<(String, V)>,
}

/// The run's templates, for `templateLink`s that point at a file of the run.
pub struct Linkable<'a> {
    /// Canonical path and file of every template.
    pub files: &'a [(PathBuf, FileId)],
    /// Parsed trees of the templates others link to, parsed once for the run.
    pub json: &'a HashMap<FileId, V>,
    /// The run's texts: a template linked to by a name only evaluation tells is parsed when
    /// it is met.
    pub sources: &'a crate::source::SourceMap,
}

impl Linkable<'_> {
    /// The parsed tree of template `id`.
    pub fn template(&self, id: FileId) -> Option<V> {
        if let Some(v) = self.json.get(&id) {
            return Some(v.clone());
        }
        crate::frontend::json::parse(&self.sources.get(id).text, id)
            .ok()
            .map(|p| p.value)
    }

    /// Resolve a link (URI or relative path, possibly with unknown parts) from `dir` to a file
    /// of the run: the longest path suffix of the link that names a file under `dir`, or a
    /// file anywhere whose path ends with at least two of the link's last segments.
    pub fn resolve(&self, link: &str, dir: &Path) -> Option<FileId> {
        let mut text = link.rsplit('}').next().unwrap_or(link);
        text = text.split(['?', '#']).next().unwrap_or(text);
        if let Some(i) = text.find("://") {
            text = text[i + 3..].split_once('/').map(|x| x.1).unwrap_or("");
        }
        let mut segs: Vec<&str> = text
            .split(['/', '\\'])
            .filter(|s| !s.is_empty() && *s != ".")
            .collect();
        // A SAS token appended after the file name and not known here
        // (`nested/apim.json` followed by `parameters('sasToken')`) is not part of the name.
        if let Some(last) = segs.last_mut() {
            if let Some(name) = json_file_name(last) {
                *last = name;
            }
        }
        if segs.is_empty() {
            return None;
        }
        for k in (1..=segs.len()).rev() {
            let suffix = segs[segs.len() - k..].join("/");
            let want = canonical(&dir.join(&suffix));
            if let Some((_, id)) = self.files.iter().find(|(p, _)| *p == want) {
                return Some(*id);
            }
            if k >= 2 {
                let tail = format!("/{}", suffix.to_ascii_lowercase());
                if let Some((_, id)) = self.files.iter().find(|(p, _)| {
                    p.to_string_lossy()
                        .replace('\\', "/")
                        .to_ascii_lowercase()
                        .ends_with(&tail)
                }) {
                    return Some(*id);
                }
            }
        }
        None
    }
}

/// One evaluated deployment: plain values, handed from the worker that evaluated it to the
/// workspace in the run's order.
pub struct Evaluated {
    /// The resources in model form, in a workspace of their own: converted on the worker that
    /// evaluated them (which also frees the evaluated values there), not on the one thread
    /// that joins the deployments.
    part: Workspace,
    /// The STV002 of a budget hit.
    pub budget: Option<crate::diagnostic::Diagnostic>,
    /// Invalid expressions found while evaluating: (span, message).
    pub errors: Vec<(Option<Span>, String)>,
    /// Linked templates outside the run that deploy API Management.
    pub unloaded: Vec<crate::model::UnloadedApim>,
    /// The STV002 of each `relativePath` link whose file is not there, the STV001 of each link
    /// that closes a cycle of templates.
    pub missing: Vec<crate::diagnostic::Diagnostic>,
    /// Templates of the run reached through a `templateLink`.
    pub reached: Vec<FileId>,
}

/// What a deployment gives the model, in declaration order. Built and moved once per resource,
/// so the size of a reference does not matter.
#[allow(clippy::large_enum_variant)]
enum Emitted {
    /// An `existing` API Management instance.
    Reference(crate::model::ResKey),
    /// An API Management declaration these inputs do not deploy.
    NotDeployed(crate::model::NotDeployed),
    Resource {
        rtype: String,
        api_version: Option<V>,
        name: V,
        body: V,
        decl: Span,
        label: String,
        rg: Option<String>,
        deployed: Option<crate::model::Presence>,
    },
}

/// A deployment's resources in model form, with the `existing` instances it references.
/// The `….json` file name that `text` starts with, without what follows it (a SAS token, an
/// unknown part such as `parameters('sas')`), but not cut from a longer extension (`x.jsonc`
/// is no `x.json`: letters and digits alone to the end).
pub(super) fn json_file_name(text: &str) -> Option<&str> {
    let i = text.to_ascii_lowercase().rfind(".json")?;
    let rest = &text[i + 5..];
    let longer = !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric());
    (!longer).then(|| &text[..i + 5])
}

/// The API Management declarations of a template as written (no expression evaluated): its
/// resources (an array, or an object of symbolic names), their children, and the inline
/// templates of its nested deployments, to a bounded depth.
fn template_apims(t: &V, out: &mut Vec<Span>, depth: usize) {
    if depth > 16 {
        return;
    }
    let list: Vec<&V> = match t.get("resources").map(|r| &r.kind) {
        Some(VKind::Arr(items)) => items.iter().collect(),
        Some(VKind::Obj(entries)) => entries.iter().map(|(_, v)| v).collect(),
        _ => return,
    };
    for r in list {
        let rtype = r.get("type").and_then(|x| x.as_str()).unwrap_or("");
        let existing = r.get("existing").and_then(|e| e.as_bool()).unwrap_or(false);
        if rtype.eq_ignore_ascii_case("Microsoft.ApiManagement/service") && !existing {
            out.extend(r.span);
        } else if rtype.eq_ignore_ascii_case("Microsoft.Resources/deployments") {
            if let Some(inner) = r.get("properties").and_then(|p| p.get("template")) {
                template_apims(inner, out, depth + 1);
            }
        }
        template_apims(r, out, depth + 1);
    }
}

fn into_model(resources: Vec<Emitted>) -> Workspace {
    let mut part = Workspace::default();
    for e in resources {
        match e {
            Emitted::Reference(key) => part.reference_apim(key),
            Emitted::NotDeployed(n) => part.not_deployed.push(n),
            Emitted::Resource {
                rtype,
                api_version,
                name,
                body,
                decl,
                label,
                rg,
                deployed,
            } => arm_body::ingest(
                &mut part,
                ArmResource {
                    rtype: &rtype,
                    api_version: api_version.as_ref(),
                    name: &name,
                    body: &body,
                    decl,
                    label,
                    format: Format::Arm,
                    rg,
                    deployed,
                },
            ),
        }
    }
    part
}

impl Evaluated {
    /// The deployment's resources into the workspace, in the unit begun for it.
    pub fn ingest(&mut self, ws: &mut Workspace) {
        ws.append(std::mem::take(&mut self.part));
    }
}

pub struct Eval<'a> {
    file: FileId,
    links: &'a Linkable<'a>,
    scopes: RefCell<Vec<Rc<Scope>>>,
    instances: RefCell<Vec<Rc<Instance>>>,
    /// API Management declarations whose condition or copy count deploys none.
    not_deployed: RefCell<Vec<crate::model::NotDeployed>>,
    depth: Cell<usize>,
    /// Per scope: the resource name expressions of its template (canonical text → the text
    /// shown), so that a name the evaluator cannot compute gets one stable symbol wherever the
    /// same expression is written (`[variables('nsg')]` and `[concat(variables('nsg'), '/r')]`).
    names: RefCell<HashMap<usize, Rc<HashMap<String, String>>>>,
    /// The template is one deployment unit, nested deployments included.
    pub budget: Rc<Budget>,
    /// Invalid expressions found while evaluating: (span, message).
    pub errors: RefCell<Vec<(Option<Span>, String)>>,
    /// Linked templates outside the run that deploy API Management.
    pub unloaded: RefCell<Vec<crate::model::UnloadedApim>>,
    /// `relativePath` links whose file is not there (STV002), links that close a cycle (STV001).
    missing: RefCell<Vec<crate::diagnostic::Diagnostic>>,
    /// Templates of the run this evaluation reached through a `templateLink`.
    reached: RefCell<Vec<FileId>>,
}

/// Bindings of one evaluation: the scope, copy indexes, lambda variables.
#[derive(Clone)]
struct Env {
    scope: usize,
    copy: Vec<(String, V)>,
    lambdas: Vec<(String, V)>,
}

impl<'a> Eval<'a> {
    /// Evaluate `template` (parsed JSON of `file`, in directory `dir`) with parameter values
    /// `given`: every relevant resource, ready for [`Evaluated::ingest`]. Touches nothing but
    /// its arguments, so deployments are evaluated on any worker; `unit` names the deployment
    /// in the STV002 of a budget hit.
    pub fn evaluate(
        dir: PathBuf,
        file: FileId,
        template: V,
        given: HashMap<String, V>,
        links: &'a Linkable<'a>,
        unit: &str,
    ) -> Evaluated {
        let ev = Eval {
            file,
            links,
            scopes: RefCell::new(Vec::new()),
            instances: RefCell::new(Vec::new()),
            not_deployed: RefCell::new(Vec::new()),
            depth: Cell::new(0),
            names: RefCell::new(HashMap::new()),
            budget: Budget::new(),
            errors: RefCell::new(Vec::new()),
            unloaded: RefCell::new(Vec::new()),
            missing: RefCell::new(Vec::new()),
            reached: RefCell::new(Vec::new()),
        };
        let _unit = budget::install(&ev.budget);
        let root = ev.add_scope(Scope {
            template,
            dir,
            given,
            outer: None,
            rg: None,
            params: Default::default(),
            vars: Default::default(),
            outputs: Default::default(),
            label: String::new(),
            depth: 0,
            chain: Rc::from([file]),
        });
        ev.collect(root);
        Evaluated {
            part: into_model(ev.emit()),
            budget: ev.budget_diagnostic(unit),
            errors: ev.errors.take(),
            unloaded: ev.unloaded.take(),
            missing: ev.missing.take(),
            reached: ev.reached.take(),
        }
    }

    /// The STV002 of a template cut off by its budget, naming its API Management instances.
    pub fn budget_diagnostic(&self, unit: &str) -> Option<crate::diagnostic::Diagnostic> {
        self.budget.hit()?;
        let root = self.scope(0);
        let mut names = Vec::new();
        let known = apim_declarations(&root.template, &mut names, 0);
        self.budget
            .diagnostic("arm", unit, root.template.span, &names, known)
    }

    fn add_scope(&self, s: Scope) -> usize {
        let mut scopes = self.scopes.borrow_mut();
        scopes.push(Rc::new(s));
        scopes.len() - 1
    }

    fn scope(&self, i: usize) -> Rc<Scope> {
        self.scopes.borrow()[i].clone()
    }

    /// Discover the resources of a scope (and of its nested deployments), expanding loops and
    /// evaluating conditions, names and types.
    fn collect(&self, scope: usize) {
        let sc = self.scope(scope);
        let env = Env {
            scope,
            copy: Vec::new(),
            lambdas: Vec::new(),
        };
        let Some(resources) = sc.template.get("resources") else {
            return;
        };
        let mut names = HashMap::new();
        name_expressions(resources, &mut names);
        self.names.borrow_mut().insert(scope, Rc::new(names));
        match &resources.kind {
            VKind::Arr(items) => {
                for (i, r) in items.iter().enumerate() {
                    self.collect_resource(&env, r, &[i as u32], None, None);
                }
            }
            VKind::Obj(entries) => {
                for (i, (k, r)) in entries.iter().enumerate() {
                    let symbol = Some(k.name.to_string());
                    self.collect_resource(&env, r, &[i as u32], None, symbol);
                }
            }
            _ => {}
        }
    }

    fn collect_resource(
        &self,
        env: &Env,
        r: &V,
        path: &[u32],
        parent: Option<(&str, &V)>,
        symbol: Option<String>,
    ) {
        if r.as_object().is_none() {
            return;
        }
        let decl: Rc<[u32]> = path.into();
        let copies: Vec<Vec<(String, V)>> = match r.get("copy") {
            Some(copy) if copy.as_object().is_some() => {
                let name = copy
                    .get("name")
                    .and_then(|n| n.as_str())
                    .unwrap_or("")
                    .to_string();
                let count = copy
                    .get("count")
                    .map(|c| self.value(env, c))
                    .unwrap_or(V::int(1, None));
                self.copy_limit(&count, &name, copy.span);
                match count.as_i64() {
                    // Past the loop budget: one instance with an unknown index, so the resource
                    // is still checked (with unknowns) rather than dropped.
                    Some(n)
                        if !self.budget.items(n.clamp(0, MAX_COPY) as u64)
                            || !self.budget.instances(n.clamp(0, MAX_COPY) as u64) =>
                    {
                        let mut c = env.copy.clone();
                        c.push((name.clone(), self.budget.unknown(copy.span)));
                        vec![c]
                    }
                    Some(n) => (0..n.clamp(0, MAX_COPY))
                        .map(|i| {
                            let mut c = env.copy.clone();
                            c.push((name.clone(), V::int(i, copy.span)));
                            c
                        })
                        .collect(),
                    None => {
                        let mut c = env.copy.clone();
                        c.push((name.clone(), functions::unknown_from(&count, copy.span)));
                        vec![c]
                    }
                }
            }
            _ => vec![env.copy.clone()],
        };
        // Why no copy of it is deployed, until one is.
        let mut off = copies.is_empty().then_some("its copy count is 0");
        let mut deployed = false;
        for copy in copies {
            let env = Env {
                scope: env.scope,
                copy,
                lambdas: Vec::new(),
            };
            let mut condition = None;
            if let Some(cond) = r.get("condition") {
                let c = self.value(&env, cond);
                match c.truthy() {
                    Some(false) => {
                        off.get_or_insert("its condition is false");
                        continue;
                    }
                    Some(true) => {}
                    None => {
                        let text = cond.as_str().unwrap_or_default();
                        let text = text.trim().trim_start_matches('[').trim_end_matches(']');
                        condition = Some((crate::model::value::choice_name(text), c));
                    }
                }
            }
            deployed = true;
            let Some(t) = r.get("type").map(|t| self.value(&env, t)) else {
                continue;
            };
            let Some(t) = t.as_str().map(str::to_string) else {
                continue;
            };
            let mut name = r
                .get("name")
                .map(|n| self.value(&env, n))
                .unwrap_or_else(|| V::unknown("the resource has no name", r.span));
            let mut rtype = t.clone();
            if let Some((ptype, pname)) = parent {
                // A nested child: relative type and name extend the parent's.
                if !t.contains('/') || !t.contains('.') {
                    rtype = format!("{ptype}/{t}");
                    name = functions::join_strings(
                        &[pname.clone(), V::str("/", None), name.clone()],
                        name.span,
                    );
                }
            }
            let existing = r.get("existing").and_then(|e| e.as_bool()).unwrap_or(false);
            let api_version = r
                .get("apiVersion")
                .map(|a| self.value(&env, a))
                .unwrap_or(V::null(None));
            let deployment =
                if rtype.eq_ignore_ascii_case("Microsoft.Resources/deployments") && !existing {
                    self.nested(&env, r, &name)
                } else {
                    None
                };
            self.instances.borrow_mut().push(Rc::new(Instance {
                scope: env.scope,
                rtype: rtype.clone(),
                api_version,
                name: name.clone(),
                decl: decl.clone(),
                copy: env.copy.clone(),
                symbol: symbol.clone(),
                existing,
                body: Once::new(),
                deployment,
                condition,
            }));
            if let Some(children) = r.get("resources").and_then(|c| c.as_array()) {
                for (j, c) in children.iter().enumerate() {
                    let path = [path, &[j as u32]].concat();
                    self.collect_resource(&env, c, &path, Some((&rtype, &name)), None);
                }
            }
        }
        if let (Some(why), false) = (off, deployed) {
            self.not_deployed_apim(env, r, why, symbol);
        }
    }

    /// An API Management declaration that deploys nothing with these inputs: recorded, so that
    /// the run does not say "no instance found" of it.
    /// A nested deployment counts when its inline template declares an instance (each added
    /// to `inner`, so that another stage deploying it is seen) or its link names one.
    fn not_deployed_apim(&self, env: &Env, r: &V, why: &str, symbol: Option<String>) {
        let rtype = r.get("type").and_then(|t| t.as_str()).unwrap_or("");
        let existing = r.get("existing").and_then(|e| e.as_bool()).unwrap_or(false);
        let mut inner = Vec::new();
        let apim = if rtype.eq_ignore_ascii_case("Microsoft.Resources/deployments") {
            let props = r.get("properties");
            if let Some(t) = props.and_then(|p| p.get("template")) {
                template_apims(t, &mut inner, 0);
            }
            // A `relativePath` link is a file of the run, checked on its own when it is there;
            // a `uri` or template spec `id` is outside the run, and its name tells.
            let link = props
                .and_then(|p| p.get("templateLink"))
                .filter(|l| l.get("relativePath").is_none())
                .and_then(|l| l.get("uri").or(l.get("id")))
                .and_then(|x| x.as_str());
            !inner.is_empty() || link.is_some_and(crate::model::names_apim)
        } else {
            rtype.eq_ignore_ascii_case("Microsoft.ApiManagement/service")
        };
        let Some(at) = r.span.filter(|_| apim && !existing) else {
            return;
        };
        let scope = self.scope(env.scope);
        let copy = r
            .get("copy")
            .and_then(|c| c.get("name"))
            .and_then(|n| n.as_str());
        let label = match (symbol, copy) {
            (Some(s), _) => format!("{}resource '{s}'", scope.label),
            (None, Some(c)) => format!("{}{rtype} copy '{c}'", scope.label),
            (None, None) => {
                let name = r.get("name").map(|n| self.value(env, n));
                let name = name.as_ref().and_then(|n| n.as_name()).unwrap_or("?");
                format!("{}{rtype} '{name}'", scope.label)
            }
        };
        self.not_deployed
            .borrow_mut()
            .push(crate::model::NotDeployed {
                label,
                why: why.to_string(),
                at,
                inner,
            });
    }

    /// A linked template outside the run that evidently deploys API Management (its link names
    /// it, or it takes `publisherEmail`): recorded, never forgotten.
    fn unloaded_link(&self, r: &V, name: &V, target: &V, props: &V) {
        let link = target
            .as_name()
            .map(str::to_string)
            .unwrap_or_else(|| target.show());
        let apim_input = props
            .get("parameters")
            .is_some_and(|p| p.get("publisherEmail").is_some() || p.get("publisherName").is_some());
        // The link, not the deployment's name: `dep-apim-private-dns-zone` deploys a DNS zone.
        if !(crate::model::names_apim(&link) || apim_input) {
            return;
        }
        let Some(at) = r.span else { return };
        self.unloaded.borrow_mut().push(crate::model::UnloadedApim {
            module: link,
            why: "linked template outside the files checked".to_string(),
            at,
            label: format!(
                "Microsoft.Resources/deployments '{}'",
                name.as_name().unwrap_or("?")
            ),
        });
    }

    /// A `relativePath` link to a file that is not there (or cannot be read): its resources
    /// would vanish without a word, as a missing Bicep or Terraform module's would.
    fn missing_link(&self, rel: &V, target: &V, dir: &Path, at: Span) {
        let (Some(_), Some(path)) = (rel.as_str(), target.as_str()) else {
            return;
        };
        // A file the run did not load (excluded, or not a template) is not this case; a path
        // that names no regular file (`""` is the directory itself, `/dev/zero` a device) is.
        let full = dir.join(path);
        let why = crate::source::absent(&full).or_else(|| {
            let m = std::fs::metadata(&full).ok()?;
            (!m.is_file()).then(|| {
                format!(
                    "is a {}, not a file",
                    crate::source::kind_of(&m.file_type())
                )
            })
        });
        let Some(why) = why else {
            return;
        };
        self.missing.borrow_mut().push(
            crate::diagnostic::Diagnostic::new(
                crate::code::Code::Stv002,
                crate::diagnostic::Severity::Info,
                format!(
                    "linked template '{path}' {why}; its resources are not checked and its outputs are unknown"
                ),
            )
            .at(Some(at))
            .label(format!("file {why}"))
            .help("Fix the relativePath (it is relative to the linking template) or add the file to the run.")
            .identity(format!("arm|missing link|{path}")),
        );
    }

    /// A link from the last template of `chain` back to `id`, one of the templates it is
    /// reached through: an STV001 that names the files of the cycle, as a Bicep or Terraform
    /// module cycle does. The link is not followed (each turn would evaluate the templates
    /// again, and two such links double the work at every turn).
    /// A copy count Azure refuses (over 800, or negative) fails the template: said, since the
    /// copies checked (the first 800, or none) are not what any deployment makes.
    fn copy_limit(&self, count: &V, name: &str, at: Option<Span>) {
        let Some(n) = count.as_i64().filter(|n| !(0..=MAX_COPY).contains(n)) else {
            return;
        };
        self.missing.borrow_mut().push(
            crate::diagnostic::Diagnostic::new(
                crate::code::Code::Stv002,
                crate::diagnostic::Severity::Warning,
                format!(
                    "copy '{name}' has count {n}, outside the 0–{MAX_COPY} Azure accepts: Azure rejects the template, and stv2lint checks {} copies",
                    n.clamp(0, MAX_COPY)
                ),
            )
            .at(count.span.or(at))
            .help("Give the copy a count from 0 to 800; split a larger set over several resources or nested deployments.")
            .identity(format!("arm|copy limit|{name}")),
        );
    }

    fn link_cycle(&self, chain: &[FileId], id: FileId, at: Option<Span>) {
        let start = chain.iter().position(|f| *f == id).unwrap_or(0);
        let names: Vec<String> = chain[start..]
            .iter()
            .chain([&id])
            .map(|f| {
                let path = &self.links.sources.get(*f).path;
                path.file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_else(|| path.to_string_lossy().to_string())
            })
            .collect();
        let message = format!("linked template cycle: {}", names.join(" → "));
        // One finding per cycle: evaluated from each of its templates, it is the same cycle.
        let mut files: Vec<String> = chain[start..]
            .iter()
            .map(|f| self.links.sources.get(*f).display.clone())
            .collect();
        files.sort();
        self.missing.borrow_mut().push(
            crate::diagnostic::Diagnostic::new(
                crate::code::Code::Stv001,
                crate::diagnostic::Severity::Error,
                message.clone(),
            )
            .at(at)
            .help("A template cannot link to itself, directly or through other linked templates; break the cycle.")
            .identity(format!("{CYCLE}{}", files.join("|"))),
        );
    }

    /// A nested deployment with an inline template: a new scope, collected now.
    fn nested(&self, env: &Env, r: &V, name: &V) -> Option<usize> {
        let parent = self.scope(env.scope);
        if parent.depth >= MAX_NESTING {
            return None;
        }
        // Every nested deployment counts as an instance: ten per level, six levels deep, are
        // a million (past the limit, the unit's budget note names it).
        if !self.budget.instances(1) {
            return None;
        }
        let props = r.get("properties")?;
        let (template, dir, linked, chain) =
            match props.get("template").filter(|t| t.as_object().is_some()) {
                Some(t) => (t.clone(), parent.dir.clone(), false, parent.chain.clone()),
                None => {
                    let link = props.get("templateLink")?;
                    // `id`: a template spec, never a file of the run, but it may deploy
                    // API Management and must be named then.
                    let target = link
                        .get("relativePath")
                        .or_else(|| link.get("uri"))
                        .or_else(|| link.get("id"))
                        .map(|u| self.value(env, u))?;
                    let resolved = target
                        .as_name()
                        .and_then(|t| self.links.resolve(t, &parent.dir));
                    let Some(id) = resolved else {
                        self.unloaded_link(r, name, &target, props);
                        if let (Some(rel), Some(at)) = (link.get("relativePath"), target.span) {
                            self.missing_link(rel, &target, &parent.dir, at);
                        }
                        return None;
                    };
                    self.reached.borrow_mut().push(id);
                    if parent.chain.contains(&id) {
                        self.link_cycle(&parent.chain, id, target.span.or(link.span));
                        return None;
                    }
                    let t = self.links.template(id)?;
                    let dir = self
                        .links
                        .files
                        .iter()
                        .find(|(_, f)| *f == id)
                        .and_then(|(p, _)| p.parent().map(Path::to_path_buf))
                        .unwrap_or_default();
                    let chain: Rc<[FileId]> = parent.chain.iter().copied().chain([id]).collect();
                    (t, dir, true, chain)
                }
            };
        // Linked templates always evaluate in their own scope.
        let inner = linked
            || props
                .path("expressionEvaluationOptions.scope")
                .and_then(|s| s.as_str())
                .is_some_and(|s| s.eq_ignore_ascii_case("inner"));
        let mut given = HashMap::new();
        if inner {
            if let Some(ps) = props.get("parameters").and_then(|p| p.as_object()) {
                for (k, p) in ps {
                    let v = match (p.get("value"), p.get("reference")) {
                        (Some(v), _) => self.value(env, v),
                        (None, Some(_)) => V::unknown(
                            format!("parameter '{}' is a Key Vault reference", k.name),
                            p.span,
                        ),
                        _ => continue,
                    };
                    given.insert(k.name.to_ascii_lowercase(), v);
                }
            }
        }
        let rg = match r.get("resourceGroup").map(|g| self.value(env, g)) {
            Some(g) => g.as_str().map(str::to_string),
            None => parent.rg.clone(),
        };
        // Only the innermost deployment is named: enough to find it, short enough to read.
        let label = format!("deployment '{}' > ", name.as_name().unwrap_or("?"));
        let idx = self.add_scope(Scope {
            template,
            dir,
            given,
            outer: if inner {
                None
            } else {
                Some(parent.outer.unwrap_or(env.scope))
            },
            rg,
            params: Default::default(),
            vars: Default::default(),
            outputs: Default::default(),
            label,
            depth: parent.depth + 1,
            chain,
        });
        self.collect(idx);
        Some(idx)
    }

    /// Every instance's model input, in declaration order (bodies evaluated now).
    fn emit(&self) -> Vec<Emitted> {
        let instances: Vec<Rc<Instance>> = self.instances.borrow().clone();
        // Every body first, in declaration order (a body may refer to a later resource's):
        // then each is taken from its memo, so the model gets it without a deep copy.
        for inst in &instances {
            if !inst.existing && arm_body::is_relevant(&inst.rtype) {
                self.body(inst);
            }
        }
        let mut out: Vec<Emitted> = self
            .not_deployed
            .take()
            .into_iter()
            .map(Emitted::NotDeployed)
            .collect();
        for inst in instances {
            // An `existing` instance is a reference to another deployment's: the model checks
            // that instance from this deployment too.
            if inst.existing
                && inst
                    .rtype
                    .eq_ignore_ascii_case("Microsoft.ApiManagement/service")
            {
                if let Some(n) = inst.name.as_name() {
                    let rg = self.scope(inst.scope).rg.clone();
                    out.push(Emitted::Reference(crate::model::ResKey::new(
                        &inst.rtype,
                        n,
                        rg.as_deref(),
                    )));
                }
            }
            if inst.existing || !arm_body::is_relevant(&inst.rtype) {
                continue;
            }
            let body = inst.body.take().unwrap_or_else(|| self.body(&inst));
            let body = Rc::try_unwrap(body).unwrap_or_else(|shared| (*shared).clone());
            let scope = self.scope(inst.scope);
            let label = match &inst.symbol {
                Some(s) => format!("{}resource '{}'", scope.label, s),
                None => format!(
                    "{}{} '{}'",
                    scope.label,
                    inst.rtype,
                    inst.name.as_name().unwrap_or("?")
                ),
            };
            out.push(Emitted::Resource {
                rtype: inst.rtype.clone(),
                api_version: (!inst.api_version.is_null()).then(|| inst.api_version.clone()),
                name: inst.name.clone(),
                body,
                decl: self.decl_span(&inst).unwrap_or(Span::new(self.file, 0, 0)),
                deployed: inst.condition.as_ref().and_then(|(text, c)| {
                    crate::model::presence(c, || text.to_string(), ("true", "false"))
                }),
                label,
                rg: scope.rg.clone(),
            });
        }
        out
    }

    /// The evaluated resource object (memoised; a cycle gives an unknown).
    fn body(&self, inst: &Instance) -> Rc<V> {
        inst.body.get_or(
            || Rc::new(self.compute_body(inst)),
            || Rc::new(memo::cycle("the resource", self.decl_span(inst))),
        )
    }

    /// Where the resource is declared in its template.
    fn decl_span(&self, inst: &Instance) -> Option<Span> {
        self.scope(inst.scope).resource(&inst.decl)?.span
    }

    fn compute_body(&self, inst: &Instance) -> V {
        let env = Env {
            scope: inst.scope,
            copy: inst.copy.clone(),
            lambdas: Vec::new(),
        };
        let scope = self.scope(inst.scope);
        let json = scope.resource(&inst.decl);
        let mut entries = Vec::new();
        if let Some(o) = json.and_then(|j| j.as_object()) {
            for (k, v) in o {
                let lk = k.name.to_ascii_lowercase();
                if matches!(
                    lk.as_str(),
                    "properties" | "sku" | "zones" | "location" | "metadata" | "kind" | "tags"
                ) && !(lk == "properties" && inst.deployment.is_some())
                {
                    entries.push((k.clone(), self.value(&env, v)));
                }
            }
        }
        V::obj(entries, json.and_then(|j| j.span))
    }

    /// One step deeper, charged to the budget; false when the depth or budget is exhausted.
    fn enter(&self) -> bool {
        let d = self.depth.get();
        if !self.budget.depth(d) || !self.budget.step() {
            return false;
        }
        self.depth.set(d + 1);
        true
    }
    fn leave(&self) {
        self.depth.set(self.depth.get().saturating_sub(1));
    }

    /// Evaluate a JSON value of the template: expression strings, objects (with property
    /// `copy` loops), arrays. Literal values keep their own spans.
    fn value(&self, env: &Env, v: &V) -> V {
        self.sized(env, v, false).0
    }

    /// [`Eval::value`] with the value's size: a literal container is checked against the value
    /// limits from its members' sizes, not walked again at every level of its nesting. What an
    /// expression gives is walked only when it is such a member (`member`).
    fn sized(&self, env: &Env, v: &V, member: bool) -> (V, Size) {
        if !self.enter() {
            return (self.budget.unknown(v.span), Size::SCALAR);
        }
        let out = match &v.kind {
            VKind::Str(s) => {
                let x = if expr::is_expression(s) {
                    match expr::parse(s) {
                        Ok(e) => self.expr(env, &e, v.span).at(v.span),
                        Err((_, msg)) => {
                            self.errors.borrow_mut().push((v.span, msg.clone()));
                            V::unknown(format!("invalid template expression: {msg}"), v.span)
                        }
                    }
                } else if let Some(lit) = expr::unescape_literal(s) {
                    V::str(lit, v.span)
                } else {
                    v.clone()
                };
                let size = if member { Size::of(&x) } else { Size::SCALAR };
                (x, size)
            }
            VKind::Arr(items) => {
                let mut size = Size::EMPTY;
                let items = items
                    .iter()
                    .map(|i| {
                        let (x, s) = self.sized(env, i, true);
                        size.add(s);
                        x
                    })
                    .collect();
                self.budget.check_sized(V::arr(items, v.span), size)
            }
            VKind::Obj(entries) => {
                let mut out: Vec<(Key, V)> = Vec::new();
                let mut size = Size::EMPTY;
                for (k, x) in entries {
                    if k.name.eq_ignore_ascii_case("copy") && x.as_array().is_some() {
                        for (name, arr) in self.property_copies(env, x) {
                            size.add(Size::of(&arr));
                            out.push((name, arr));
                        }
                        continue;
                    }
                    let (x, s) = self.sized(env, x, true);
                    size.add(s);
                    out.push((k.clone(), x));
                }
                self.budget.check_sized(V::obj(out, v.span), size)
            }
            _ => (v.clone(), Size::SCALAR),
        };
        self.leave();
        out
    }

    fn property_copies(&self, env: &Env, copy: &V) -> Vec<(Key, V)> {
        let mut out = Vec::new();
        for c in copy.as_array().unwrap_or(&[]) {
            let Some(name) = c.get("name").and_then(|n| n.as_str()) else {
                continue;
            };
            let key = Key::new(name, c.get("name").and_then(|n| n.span));
            let count = c
                .get("count")
                .map(|n| self.value(env, n))
                .unwrap_or(V::int(0, None));
            let Some(input) = c.get("input") else {
                continue;
            };
            self.copy_limit(&count, name, c.span);
            let arr = match count.as_i64() {
                Some(n) if !self.budget.items(n.clamp(0, MAX_COPY) as u64) => {
                    self.budget.unknown(c.span)
                }
                Some(n) => {
                    let items = (0..n.clamp(0, MAX_COPY))
                        .map(|i| {
                            let mut e = env.clone();
                            e.copy.push((name.to_string(), V::int(i, c.span)));
                            self.value(&e, input)
                        })
                        .collect();
                    V::arr(items, c.span)
                }
                None => functions::unknown_from(&count, c.span),
            };
            out.push((key, arr));
        }
        out
    }

    fn expr(&self, env: &Env, e: &Expr, site: Option<Span>) -> V {
        if !self.enter() {
            return self.budget.unknown(site);
        }
        let v = self.expr_inner(env, e, site);
        self.leave();
        match &v.kind {
            VKind::Unknown(u) if u.sym.is_none() && !matches!(e, Expr::Str(_)) => {
                match self.stable_name(env, e) {
                    Some(sym) => V::symbolic(u.reason.clone(), sym, v.span),
                    None => v,
                }
            }
            _ => v,
        }
    }

    /// The stable symbol of an unknown expression that is (part of) a resource name: the
    /// expression's text, made unique by the scope and, when it reads `copyIndex()`, by the
    /// copy indexes it is evaluated with.
    fn stable_name(&self, env: &Env, e: &Expr) -> Option<String> {
        let names = self.names.borrow().get(&env.scope)?.clone();
        if names.is_empty() {
            return None;
        }
        let canon = canonical_expr(e);
        let text = names.get(&canon)?;
        let mut sym = text.clone();
        if canon.contains("copyindex") {
            for (n, i) in &env.copy {
                sym.push_str(&format!("#{n}={}", i.show()));
            }
        }
        if env.scope != 0 {
            sym.push_str(&format!("@{}", env.scope));
        }
        Some(sym)
    }

    fn expr_inner(&self, env: &Env, e: &Expr, site: Option<Span>) -> V {
        match e {
            Expr::Str(s) => V::str(s.as_str(), site),
            Expr::Int(i) => V::int(*i, site),
            Expr::Bool(b) => V::bool(*b, site),
            Expr::Null => V::null(site),
            Expr::Member(base, name) => {
                let b = self.expr(env, base, site);
                access::member(&b, name, false, site)
            }
            Expr::Index(base, idx) => {
                let b = self.expr(env, base, site);
                let i = self.expr(env, idx, site);
                access::index(&b, &i, false, site)
            }
            Expr::Call(name, args) => {
                let v = self.call(env, name, args, site);
                // What a call copies is charged before it is built where the copy is made
                // (reads of parameters and variables, functions that build their result from
                // their arguments); any other result is charged now.
                if charged_before(name) {
                    v
                } else {
                    self.budget.value(v)
                }
            }
        }
    }

    fn call(&self, env: &Env, name: &str, args: &[Expr], site: Option<Span>) -> V {
        let lname = name.to_ascii_lowercase();
        match lname.as_str() {
            "parameters" => {
                let a = args.first().map(|a| self.expr(env, a, site));
                match a.as_ref().and_then(|a| a.as_str()) {
                    Some(p) => self.parameter(env.scope, p, site),
                    None => V::unknown("parameters() with a computed name", site),
                }
            }
            "variables" => {
                let a = args.first().map(|a| self.expr(env, a, site));
                match a.as_ref().and_then(|a| a.as_str()) {
                    Some(p) => self.variable(env.scope, p, site),
                    None => V::unknown("variables() with a computed name", site),
                }
            }
            "copyindex" => {
                let vals: Vec<V> = args.iter().map(|a| self.expr(env, a, site)).collect();
                let (loop_name, offset) = match vals.as_slice() {
                    [] => (None, 0),
                    [a] if a.as_str().is_some() => (a.as_str().map(str::to_string), 0),
                    [a] => (None, a.as_i64().unwrap_or(0)),
                    [a, b, ..] => (a.as_str().map(str::to_string), b.as_i64().unwrap_or(0)),
                };
                let found = match &loop_name {
                    Some(n) => env
                        .copy
                        .iter()
                        .rev()
                        .find(|(k, _)| k.eq_ignore_ascii_case(n)),
                    None => env.copy.first(),
                };
                match found {
                    Some((_, v)) => match v.as_i64() {
                        Some(i) => V::int(i + offset, site),
                        None => v.clone(),
                    },
                    None => V::unknown("copyIndex() outside a copy loop", site),
                }
            }
            "lambdavariables" => {
                let a = args.first().map(|a| self.expr(env, a, site));
                let n = a.as_ref().and_then(|a| a.as_str()).unwrap_or("");
                env.lambdas
                    .iter()
                    .rev()
                    .find(|(k, _)| k == n)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_else(|| {
                        V::unknown(format!("lambda variable '{n}' is not bound"), site)
                    })
            }
            "filter" | "map" | "sort" | "reduce" | "toobject" | "groupby" | "mapvalues" => {
                self.lambda_call(env, &lname, args, site)
            }
            "reference" => {
                let a: Vec<V> = args.iter().map(|a| self.expr(env, a, site)).collect();
                let full = a
                    .iter()
                    .skip(1)
                    .any(|x| x.as_str().is_some_and(|s| s.eq_ignore_ascii_case("full")));
                match a.first() {
                    Some(target) => self.reference(env, target, full, site),
                    None => V::unknown("reference() without a target", site),
                }
            }
            "resourceinfo" => match args.first().map(|a| self.expr(env, a, site)) {
                Some(target) => self.resource_info(env, &target, site),
                None => V::unknown("resourceInfo() without a target", site),
            },
            "resourcegroup" => {
                let sc = self.scope(env.scope);
                let v = functions::call(name, &[], site).unwrap_or(V::null(site));
                match &sc.rg {
                    Some(rg) => {
                        let mut v = v;
                        v.set("name", V::str(rg.as_str(), site));
                        v
                    }
                    None => v,
                }
            }
            "resourceid" => {
                let mut vals: Vec<V> = args.iter().map(|a| self.expr(env, a, site)).collect();
                // Inside a nested deployment into another resource group, ids default to it.
                let sc = self.scope(env.scope);
                if let Some(rg) = &sc.rg {
                    let has_scope = vals
                        .first()
                        .and_then(|v| v.as_str())
                        .is_some_and(|s| !(s.contains('.') && s.contains('/')));
                    if !has_scope {
                        vals.insert(0, V::str(rg.as_str(), site));
                    }
                }
                functions::call(name, &vals, site).unwrap_or(V::null(site))
            }
            "if" => {
                // Only the branch taken is evaluated (the other may be invalid).
                let Some(c) = args.first() else {
                    return V::unknown("if() without arguments", site);
                };
                let c = self.expr(env, c, site);
                match c.truthy() {
                    Some(true) => args
                        .get(1)
                        .map(|a| self.expr(env, a, site))
                        .unwrap_or(V::null(site)),
                    Some(false) => args
                        .get(2)
                        .map(|a| self.expr(env, a, site))
                        .unwrap_or(V::null(site)),
                    None => {
                        let vals: Vec<V> = args.iter().map(|a| self.expr(env, a, site)).collect();
                        let normal = functions::call("if", &vals, site).unwrap_or(V::null(site));
                        match (&vals[..], &args[0]) {
                            ([c, a, b], pred) => {
                                choose(normal, c, || choice_name(&pred.to_string()), a, b)
                            }
                            _ => normal,
                        }
                    }
                }
            }
            _ => {
                let vals: Vec<V> = args.iter().map(|a| self.expr(env, a, site)).collect();
                if copies_arguments(&lname) && !self.budget.copies(&vals.iter().collect::<Vec<_>>())
                {
                    return self.budget.unknown(site);
                }
                match functions::call(name, &vals, site) {
                    Some(v) => lift_all(v, &vals, |vs| {
                        functions::call(name, vs, site).unwrap_or(V::null(site))
                    }),
                    // A documented function stv2lint does not evaluate, a user-defined
                    // function (`namespace.name`), or a name ARM would reject: all unknown,
                    // each saying why wherever a check needs the value.
                    None if super::builtins::on_list(super::builtins::ARM_NAMES, name) => {
                        V::unknown(
                            format!("function '{name}' is not evaluated by stv2lint"),
                            site,
                        )
                    }
                    None if name.contains('.') => V::unknown(
                        format!("user-defined function '{name}' is not evaluated by stv2lint"),
                        site,
                    ),
                    None => V::unknown(format!("'{name}' is not an ARM template function"), site),
                }
            }
        }
    }

    /// `filter(arr, lambda('x', …))` and friends.
    fn lambda_call(&self, env: &Env, name: &str, args: &[Expr], site: Option<Span>) -> V {
        let Some(input) = args.first().map(|a| self.expr(env, a, site)) else {
            return V::unknown(format!("{name}() without arguments"), site);
        };
        let lambda = |e: &Expr| -> Option<(Vec<String>, Expr)> {
            let Expr::Call(n, la) = e else { return None };
            if !n.eq_ignore_ascii_case("lambda") || la.is_empty() {
                return None;
            }
            let names = la[..la.len() - 1]
                .iter()
                .filter_map(|x| match x {
                    Expr::Str(s) => Some(s.clone()),
                    _ => None,
                })
                .collect();
            Some((names, la[la.len() - 1].clone()))
        };
        let apply = |l: &(Vec<String>, Expr), vals: Vec<V>| -> V {
            let mut e = env.clone();
            for (n, v) in l.0.iter().zip(vals) {
                e.lambdas.push((n.clone(), v));
            }
            self.expr(&e, &l.1, site)
        };
        let (at, init) = match name {
            "reduce" => (2, args.get(1).map(|a| self.expr(env, a, site))),
            _ => (1, None),
        };
        let first = args.get(at).and_then(lambda);
        let second = args.get(2).filter(|_| name == "toobject").and_then(lambda);
        let f1 = first.as_ref().map(|l| move |vals| apply(l, vals));
        let f2 = second.as_ref().map(|l| move |vals| apply(l, vals));
        lambda::call(
            name,
            &input,
            init,
            f1.as_ref().map(|f| f as lambda::Lambda),
            f2.as_ref().map(|f| f as lambda::Lambda),
            site,
        )
    }

    /// The scope whose parameters and variables an expression in `scope` reads.
    fn data_scope(&self, scope: usize) -> usize {
        self.scope(scope).outer.unwrap_or(scope)
    }

    fn parameter(&self, scope: usize, name: &str, site: Option<Span>) -> V {
        let si = self.data_scope(scope);
        let sc = self.scope(si);
        let key = name.to_ascii_lowercase();
        match sc.params.borrow().lookup(key.as_str()) {
            Lookup::Done(v) => return self.budget.copy(v).at(site),
            Lookup::Cycle => return memo::cycle(&format!("parameter '{name}'"), site),
            Lookup::Absent => {}
        }
        sc.params.borrow_mut().start(key.clone());
        let v = if let Some(v) = sc.given.get(&key) {
            // A nested deployment's input the caller does not know is still one of the
            // allowed values.
            let def = sc.template.get("parameters").and_then(|p| p.get(name));
            match (v.is_unknown() && !v.has_alts(), def) {
                (true, Some(d)) => v
                    .clone()
                    .one_of(&format!("parameter '{name}'"), allowed_values(d)),
                _ => v.clone(),
            }
        } else {
            let def = sc.template.get("parameters").and_then(|p| p.get(name));
            match def.and_then(|d| d.get("defaultValue")) {
                Some(d) => {
                    let env = Env {
                        scope: si,
                        copy: Vec::new(),
                        lambdas: Vec::new(),
                    };
                    self.value(&env, d)
                }
                // `"nullable": true` (languageVersion 2.0, Bicep's `param x string?`): no
                // value means null, as for Bicep.
                None if def
                    .and_then(|d| d.get("nullable"))
                    .and_then(|n| n.as_bool())
                    == Some(true) =>
                {
                    V::null(def.and_then(|d| d.span))
                }
                None if def.is_some() => V::symbolic(
                    format!("parameter '{name}' has no default and no parameter file value"),
                    format!("parameters('{name}')"),
                    def.and_then(|d| d.span),
                )
                .one_of(&format!("parameter '{name}'"), &{
                    let own = def.map_or(&[][..], |d| allowed_values(d));
                    if own.is_empty() {
                        allowed_by_nested(&sc.template, name)
                    } else {
                        own.to_vec()
                    }
                }),
                None => V::unknown(format!("parameter '{name}' is not declared"), site),
            }
        };
        // The copy handed out is charged before it is made; the memo keeps the value.
        let out = self.budget.copy(&v);
        sc.params.borrow_mut().finish(key, v);
        out.at(site)
    }

    fn variable(&self, scope: usize, name: &str, site: Option<Span>) -> V {
        let si = self.data_scope(scope);
        let sc = self.scope(si);
        let key = name.to_ascii_lowercase();
        match sc.vars.borrow().lookup(key.as_str()) {
            Lookup::Done(v) => return self.budget.copy(v).at(site),
            Lookup::Cycle => return memo::cycle(&format!("variable '{name}'"), site),
            Lookup::Absent => {}
        }
        sc.vars.borrow_mut().start(key.clone());
        let env = Env {
            scope: si,
            copy: Vec::new(),
            lambdas: Vec::new(),
        };
        let vars = sc.template.get("variables");
        let v = match vars.and_then(|vs| vs.get(name)) {
            Some(def) => self.value(&env, def),
            None => {
                // Variable `copy` loops define arrays by name.
                let looped = vars
                    .and_then(|vs| vs.get("copy"))
                    .and_then(|c| c.as_array())
                    .and_then(|cs| {
                        cs.iter().find(|c| {
                            c.get("name")
                                .and_then(|n| n.as_str())
                                .is_some_and(|n| n.eq_ignore_ascii_case(name))
                        })
                    })
                    .cloned();
                match looped {
                    Some(c) => {
                        let wrapped = V::arr(vec![c], None);
                        self.property_copies(&env, &wrapped)
                            .pop()
                            .map(|(_, v)| v)
                            .unwrap_or(V::null(site))
                    }
                    None => V::unknown(format!("variable '{name}' is not declared"), site),
                }
            }
        };
        // The copy handed out is charged before it is made; the memo keeps the value.
        let out = self.budget.copy(&v);
        sc.vars.borrow_mut().finish(key, v);
        out.at(site)
    }

    fn outputs(&self, scope: usize) -> V {
        self.scope(scope).outputs.get_or(
            || self.compute_outputs(scope),
            || V::unknown("the deployment's outputs refer to themselves", None),
        )
    }

    fn compute_outputs(&self, scope: usize) -> V {
        let sc = self.scope(scope);
        let env = Env {
            scope,
            copy: Vec::new(),
            lambdas: Vec::new(),
        };
        let mut entries = Vec::new();
        if let Some(outs) = sc.template.get("outputs").and_then(|o| o.as_object()) {
            for (k, o) in outs {
                let cond = o.get("condition").map(|c| self.value(&env, c));
                let value = if cond.as_ref().and_then(|c| c.truthy()) == Some(false) {
                    V::null(o.span)
                } else if let Some(c) = o.get("copy") {
                    // An output copy loop is a property copy named after the output.
                    let mut c2 = c.clone();
                    c2.set("name", V::str(k.name.clone(), None));
                    self.property_copies(&env, &V::arr(vec![c2], None))
                        .pop()
                        .map(|(_, v)| v)
                        .unwrap_or(V::null(o.span))
                } else {
                    o.get("value")
                        .map(|v| self.value(&env, v))
                        .unwrap_or(V::null(o.span))
                };
                entries.push((
                    k.clone(),
                    V::obj(vec![(Key::new("value", value.span), value)], o.span),
                ));
            }
        }
        V::obj(entries, None)
    }

    /// The id of a declared resource, spelled as `resourceId()` spells it in its scope.
    fn instance_id(&self, inst: &Instance, site: Option<Span>) -> V {
        let Some(names) = name_segments(&inst.name) else {
            return functions::unknown_from(&inst.name, site);
        };
        let mut vals = Vec::with_capacity(names.len() + 2);
        if let Some(rg) = &self.scope(inst.scope).rg {
            vals.push(V::str(rg.as_str(), site));
        }
        vals.push(V::str(inst.rtype.as_str(), site));
        vals.extend(names);
        functions::call("resourceId", &vals, site).unwrap_or_else(|| V::null(site))
    }

    /// `reference(symbol | id | name)` of a resource declared in the run's templates.
    fn reference(&self, env: &Env, target: &V, full: bool, site: Option<Span>) -> V {
        let Some(t) = target.as_name().map(str::to_string) else {
            return functions::unknown_from(target, site);
        };
        let Some(inst) = self.find_instance(env, &t) else {
            return V::unknown(
                format!("reference('{t}') names a resource not declared in the template"),
                site,
            );
        };
        self.reference_of(inst, &t, full, site)
    }

    /// `resourceInfo('symbol')` (languageVersion 2.0): the identity of a declared resource.
    fn resource_info(&self, env: &Env, target: &V, site: Option<Span>) -> V {
        let Some(t) = target.as_name().map(str::to_string) else {
            return functions::unknown_from(target, site);
        };
        let Some(inst) = self.find_instance(env, &t) else {
            return V::unknown(
                format!("resourceInfo('{t}') names a resource not declared in the template"),
                site,
            );
        };
        let mut o = V::obj(Vec::new(), site);
        o.set("id", self.instance_id(&inst, site));
        o.set("name", inst.name.clone().at(site));
        o.set("type", V::str(inst.rtype.as_str(), site));
        if !inst.api_version.is_null() {
            o.set("apiVersion", inst.api_version.clone());
        }
        o
    }

    /// A declared resource by symbol (languageVersion 2.0), id, or plain name.
    fn find_instance(&self, env: &Env, t: &str) -> Option<Rc<Instance>> {
        let instances: Vec<Rc<Instance>> = self.instances.borrow().clone();
        let key = crate::model::ResKey::from_id(t);
        let found = instances
            .iter()
            .find(|i| {
                i.scope == env.scope
                    && i.symbol
                        .as_deref()
                        .is_some_and(|s| s.eq_ignore_ascii_case(t))
            })
            .or_else(|| {
                let key = key.as_ref()?;
                instances.iter().find(|i| {
                    i.name.as_name().is_some_and(|n| {
                        let k = crate::model::ResKey::new(&i.rtype, n, None);
                        k.rtype == key.rtype && k.names == key.names
                    })
                })
            })
            .or_else(|| {
                if t.contains('/') {
                    return None;
                }
                instances.iter().find(|i| {
                    i.scope == env.scope
                        && i.name.as_name().is_some_and(|n| n.eq_ignore_ascii_case(t))
                })
            })
            .cloned();
        found
    }

    fn reference_of(&self, inst: Rc<Instance>, t: &str, full: bool, site: Option<Span>) -> V {
        if let Some(d) = inst.deployment {
            let outputs = self.outputs(d);
            let props = V::obj(vec![(Key::new("outputs", None), outputs)], site);
            return if full {
                V::obj(vec![(Key::new("properties", None), props)], site)
            } else {
                props
            };
        }
        let scope = self.scope(inst.scope);
        if let Some(d) = scope.resource(&inst.decl) {
            if d.path("properties.templateLink").is_some() {
                return V::unknown(
                    format!("the outputs of linked template deployment '{t}' are not loaded"),
                    site,
                );
            }
        }
        // What Azure returns is the deployed resource: inline children carry their ids
        // (`reference('vnet').subnets[0].id`), the full object its own id and name.
        let mut body = (*self.body(&inst)).clone();
        let id = self.instance_id(&inst, site);
        arm_body::add_child_ids(&mut body, &inst.rtype, &id);
        if full {
            body.set("id", id);
            body.set("name", inst.name.clone().at(site));
            body.set("type", V::str(inst.rtype.as_str(), site));
            if !inst.api_version.is_null() {
                body.set("apiVersion", inst.api_version.clone());
            }
            body
        } else {
            body.get("properties")
                .cloned()
                .unwrap_or_else(|| V::obj(vec![], site))
        }
    }
}

/// The `allowedValues` of a parameter declaration, when they are plain values of a scalar
/// parameter (for an array parameter they constrain its elements, not the value).
/// The values parameter `name` of `template` can take because the template passes it
/// unchanged (`"[parameters('sku')]"`) to inner-scope nested deployments (what Bicep modules
/// compile to) deployed once and unconditionally, whose parameter lists `allowedValues`: ARM
/// validates them when it deploys the nested template. What all such lists share.
fn allowed_by_nested(template: &V, name: &str) -> Vec<V> {
    let resources: Vec<&V> = match template.get("resources") {
        Some(r) if let Some(a) = r.as_array() => a.iter().collect(),
        Some(r) if let Some(o) = r.as_object() => o.iter().map(|(_, v)| v).collect(),
        _ => return Vec::new(),
    };
    let passed = format!("[parameters('{}')]", name.to_ascii_lowercase());
    let mut found: Option<Vec<V>> = None;
    for r in resources {
        let is_deployment = r
            .get("type")
            .and_then(|t| t.as_str())
            .is_some_and(|t| t.eq_ignore_ascii_case("Microsoft.Resources/deployments"));
        if !is_deployment || r.get("condition").is_some() || r.get("copy").is_some() {
            continue;
        }
        let Some(props) = r.get("properties") else {
            continue;
        };
        let inner = props
            .path("expressionEvaluationOptions.scope")
            .and_then(|s| s.as_str())
            .is_some_and(|s| s.eq_ignore_ascii_case("inner"));
        let (true, Some(t), Some(ps)) = (
            inner,
            props.get("template"),
            props.get("parameters").and_then(|p| p.as_object()),
        ) else {
            continue;
        };
        for (k, p) in ps {
            let unchanged = p
                .get("value")
                .and_then(|v| v.as_str())
                .is_some_and(|v| v.trim().to_ascii_lowercase() == passed);
            if !unchanged {
                continue;
            }
            let Some(def) = t.get("parameters").and_then(|d| d.get(&k.name)) else {
                continue;
            };
            let list = allowed_values(def);
            if list.is_empty() {
                continue;
            }
            crate::model::value::narrow_options(&mut found, list.to_vec());
        }
    }
    found.unwrap_or_default()
}

fn allowed_values(def: &V) -> &[V] {
    let scalar = def
        .get("type")
        .and_then(|t| t.as_str())
        .is_some_and(|t| !t.eq_ignore_ascii_case("array") && !t.eq_ignore_ascii_case("object"));
    let list = def.get("allowedValues").and_then(|a| a.as_array());
    match list {
        Some(l)
            if scalar
                && l.iter()
                    .all(|v| !v.as_str().is_some_and(expr::is_expression)) =>
        {
            l
        }
        _ => &[],
    }
}

/// The name expressions of a template's resources (nested children included), by canonical
/// text; the value is the text shown for the name (`/` would split a name, so it is replaced).
fn name_expressions(resources: &V, out: &mut HashMap<String, String>) {
    let items: Vec<&V> = match &resources.kind {
        VKind::Arr(items) => items.iter().collect(),
        VKind::Obj(entries) => entries.iter().map(|(_, v)| v).collect(),
        _ => return,
    };
    for r in items {
        if let Some(n) = r.get("name").and_then(|n| n.as_str()) {
            if expr::is_expression(n) {
                if let Ok(e) = expr::parse(n) {
                    let t = n.trim();
                    out.entry(canonical_expr(&e))
                        .or_insert_with(|| t[1..t.len() - 1].trim().replace('/', "∕"));
                    joined_parts(&e, out);
                }
            }
        }
        if let Some(c) = r.get("resources") {
            name_expressions(c, out);
        }
    }
}

/// The parts a name joins (`concat('nsg/', rules[copyIndex()].name)`): each gets its own
/// symbol, so that an unknown part leaves the known ones readable — the parent segment of a
/// child in a copy loop still names its parent.
fn joined_parts(e: &Expr, out: &mut HashMap<String, String>) {
    let Expr::Call(f, args) = e else { return };
    if !(f.eq_ignore_ascii_case("concat") || f.eq_ignore_ascii_case("format")) {
        return;
    }
    for a in args {
        if matches!(a, Expr::Str(_) | Expr::Int(_) | Expr::Bool(_) | Expr::Null) {
            continue;
        }
        out.entry(canonical_expr(a))
            .or_insert_with(|| a.to_string().replace('/', "∕"));
        joined_parts(a, out);
    }
}

/// One spelling per expression: function names and literals compared case-insensitively.
fn canonical_expr(e: &Expr) -> String {
    format!("{e:?}").to_ascii_lowercase()
}

/// A name path as `resourceId()` arguments: `vnet/apim` → `vnet`, `apim` (symbolic parts stay
/// symbolic).
fn name_segments(name: &V) -> Option<Vec<V>> {
    let text = name.as_name()?;
    Some(
        text.split('/')
            .map(|p| match &name.kind {
                VKind::Unknown(u) => V::symbolic(u.reason.clone(), p, name.span),
                _ => V::str(p, name.span),
            })
            .collect(),
    )
}

/// The API Management instances a template declares (inline nested templates included), named
/// as written; false when a resource type is an expression, so an instance may hide behind it.
fn apim_declarations(template: &V, out: &mut Vec<String>, depth: usize) -> bool {
    let mut known = depth < 16;
    let resources: Vec<&V> = match template.get("resources").map(|r| &r.kind) {
        Some(VKind::Arr(items)) => items.iter().collect(),
        Some(VKind::Obj(entries)) => entries.iter().map(|(_, r)| r).collect(),
        _ => Vec::new(),
    };
    let mut stack = resources;
    while let Some(r) = stack.pop() {
        match r.get("type").and_then(|t| t.as_str()) {
            Some(t) if t.starts_with('[') => known = false,
            Some(t) if t.eq_ignore_ascii_case("Microsoft.ApiManagement/service") => {
                let name = r.get("name").and_then(|n| n.as_str()).unwrap_or("?");
                out.push(format!("'{name}'"));
            }
            _ => {}
        }
        if let Some(children) = r.get("resources").and_then(|c| c.as_array()) {
            stack.extend(children.iter());
        }
        if let Some(t) = r.path("properties.template") {
            known &= depth < 16 && apim_declarations(t, out, depth + 1);
        }
        if r.path("properties.templateLink").is_some() {
            known = false;
        }
    }
    known
}

#[cfg(test)]
mod tests {
    use super::json_file_name;

    /// A link's file name keeps `.json` and drops what follows it (a SAS token), but a longer
    /// extension is another file.
    #[test]
    fn json_file_names_are_cut_after_the_extension_only() {
        assert_eq!(json_file_name("apim.json"), Some("apim.json"));
        assert_eq!(json_file_name("apim.JSON${sas}"), Some("apim.JSON"));
        assert_eq!(json_file_name("apim.json?sv=1"), Some("apim.json"));
        assert_eq!(
            json_file_name("apim.jsonparameters('sasToken')"),
            Some("apim.json")
        );
        assert_eq!(json_file_name("apim.jsonc"), None);
        assert_eq!(json_file_name("apim.bicep"), None);
    }
}
