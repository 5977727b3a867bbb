//! Directories into modules. A directory's `.tf` and `.tf.json` files are one module; its
//! declarations (variables, locals, resources, data sources, module calls, outputs, provider
//! constraints) are collected here once and shared by every instance the evaluator makes.

use super::ast::*;
use super::parse::{self, JsonConv};
use crate::diagnostic::{parse_error, Diagnostic};
use crate::model::Shared;
use crate::model::Workspace;
use crate::source::{Fence, FileId, Lang, SourceFile, Span};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub struct VarDecl {
    pub name: Shared<str>,
    pub default: Option<Expr>,
    pub ty: Option<Expr>,
    /// The `condition` of each `validation` block (they may say what the value can be).
    pub validations: Vec<Expr>,
    pub span: Span,
}

pub struct ResDecl {
    pub data: bool,
    pub rtype: Shared<str>,
    pub name: Shared<str>,
    /// The body without meta-arguments.
    pub body: Body,
    pub count: Option<Expr>,
    pub for_each: Option<Expr>,
    /// The provider configuration it names (`azurerm.dev`); `None` for the default one.
    pub provider: Option<Shared<str>>,
    pub span: Span,
}

pub struct CallDecl {
    pub name: Shared<str>,
    /// The `source` string and its span; `None` when it is not a literal.
    pub source: Option<(String, Span)>,
    pub args: Vec<Attr>,
    pub count: Option<Expr>,
    pub for_each: Option<Expr>,
    /// `providers = { azurerm = azurerm.dev }`: the child's configuration → the caller's.
    pub providers: Vec<(Shared<str>, Shared<str>)>,
    pub span: Span,
}

#[derive(Default)]
pub struct Module {
    pub dir: PathBuf,
    pub files: Vec<FileId>,
    pub variables: Vec<VarDecl>,
    pub locals: HashMap<Shared<str>, Expr>,
    pub resources: Vec<ResDecl>,
    /// (data?, type, name) → index into `resources`.
    pub res_index: HashMap<(bool, Shared<str>, Shared<str>), usize>,
    /// Resource types declared (managed), to tell `azurerm_subnet.x` from an unknown name.
    pub res_types: std::collections::HashSet<Shared<str>>,
    pub calls: Vec<CallDecl>,
    pub call_index: HashMap<Shared<str>, usize>,
    pub outputs: HashMap<Shared<str>, Expr>,
    /// `required_providers` version constraints of `azurerm`, with where they are written.
    pub azurerm_constraints: Vec<(String, Span)>,
    /// `provider "azurerm"` blocks: the configuration (`azurerm`, `azurerm.dev`) and its
    /// `subscription_id` when that is a literal.
    pub azurerm_configs: Vec<(Shared<str>, Option<String>)>,
    /// A root module whose declarations were dropped once it was evaluated (its syntax
    /// trees are most of the loader's memory): only `dir` and `files` are left, and
    /// [`Module::reparsed`] builds it again for the rare reader that needs it later.
    pub stub: bool,
}

impl Module {
    pub fn var(&self, name: &str) -> Option<&VarDecl> {
        self.variables.iter().find(|v| &*v.name == name)
    }

    /// Add one file's declarations; `over` for an override file (`override.tf`,
    /// `*_override.tf`), whose blocks merge into the declarations of the other files as
    /// Terraform merges them, added after all of those.
    fn add_file(&mut self, body: Body, over: bool) {
        for b in body.blocks {
            // Locals and outputs of an override replace by name, as in any file.
            if over && matches!(&*b.kind, "resource" | "data" | "module" | "variable") {
                self.merge_override(b);
                continue;
            }
            match (&*b.kind, b.labels.as_slice()) {
                ("variable", [name]) if self.var(name).is_none() => {
                    self.variables.push(VarDecl {
                        name: name.clone(),
                        default: b.body.attr("default").map(|a| a.expr.clone()),
                        ty: b.body.attr("type").map(|a| a.expr.clone()),
                        validations: b
                            .body
                            .blocks
                            .iter()
                            .filter(|v| &*v.kind == "validation")
                            .filter_map(|v| v.body.attr("condition").map(|a| a.expr.clone()))
                            .collect(),
                        span: b.span,
                    });
                }
                ("locals", []) => {
                    for a in b.body.attrs {
                        self.locals.insert(a.name, a.expr);
                    }
                }
                ("output", [name]) => {
                    if let Some(v) = b.body.attr("value") {
                        self.outputs.insert(name.clone(), v.expr.clone());
                    }
                }
                ("resource" | "data", [rtype, name]) => {
                    let data = &*b.kind == "data";
                    let key = (data, rtype.clone(), name.clone());
                    if self.res_index.contains_key(&key) {
                        continue;
                    }
                    let mut body = b.body;
                    let count = take_attr(&mut body, "count");
                    let for_each = take_attr(&mut body, "for_each");
                    let provider = provider_name(&body);
                    resource_body(rtype, &mut body);
                    self.res_index.insert(key, self.resources.len());
                    if !data {
                        self.res_types.insert(rtype.clone());
                    }
                    self.resources.push(ResDecl {
                        data,
                        rtype: rtype.clone(),
                        name: name.clone(),
                        body,
                        count,
                        for_each,
                        provider,
                        span: b.span,
                    });
                }
                ("provider", [name]) if &**name == "azurerm" => {
                    let config: Shared<str> =
                        match b.body.attr("alias").and_then(|a| a.expr.as_str()) {
                            Some(alias) => format!("azurerm.{alias}").into(),
                            None => "azurerm".into(),
                        };
                    let sub = b
                        .body
                        .attr("subscription_id")
                        .and_then(|a| a.expr.as_str())
                        .map(str::to_string);
                    if !self.azurerm_configs.iter().any(|(c, _)| *c == config) {
                        self.azurerm_configs.push((config, sub));
                    }
                }
                ("module", [name]) => {
                    if self.call_index.contains_key(name) {
                        continue;
                    }
                    let mut body = b.body;
                    let count = take_attr(&mut body, "count");
                    let for_each = take_attr(&mut body, "for_each");
                    let source = take_attr(&mut body, "source")
                        .and_then(|e| e.as_str().map(|s| (s.to_string(), e.span)));
                    let providers = providers_map(&body);
                    body.attrs
                        .retain(|a| !matches!(&*a.name, "depends_on" | "providers" | "version"));
                    self.call_index.insert(name.clone(), self.calls.len());
                    self.calls.push(CallDecl {
                        name: name.clone(),
                        source,
                        args: body.attrs,
                        count,
                        for_each,
                        providers,
                        span: b.span,
                    });
                }
                ("terraform", []) => {
                    for rp in b.body.blocks("required_providers") {
                        for a in &rp.body.attrs {
                            if &*a.name != "azurerm" {
                                continue;
                            }
                            let version = match &a.expr.kind {
                                ExprKind::Obj(entries) => {
                                    entries.iter().find_map(|(k, v)| match k {
                                        ObjKey::Name(n, _) if &**n == "version" => {
                                            v.as_str().map(|s| (s.to_string(), v.span))
                                        }
                                        _ => None,
                                    })
                                }
                                _ => a.expr.as_str().map(|s| (s.to_string(), a.expr.span)),
                            };
                            if let Some(v) = version {
                                self.azurerm_constraints.push(v);
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

impl Module {
    /// The module of directory `dir` from its files (`body` parses one, in order): override
    /// files are merged after all the others, as Terraform merges them.
    /// What is kept of an evaluated root module ([`Module::stub`]).
    pub fn stub_of(&self) -> Module {
        Module {
            dir: self.dir.clone(),
            files: self.files.clone(),
            stub: true,
            ..Module::default()
        }
    }

    /// What a run needs of a module before it evaluates it (its variables and module calls:
    /// the module graph and the roots' inputs), marked a stub so that an evaluation builds it
    /// again ([`Module::reparsed`]): a streamed run holds the syntax trees of one slice of
    /// roots, not of every root at once.
    pub fn skeleton(self) -> Module {
        Module {
            dir: self.dir,
            files: self.files,
            variables: self.variables,
            calls: self.calls,
            call_index: self.call_index,
            stub: true,
            ..Module::default()
        }
    }

    /// A [`Module::stub`] built again from its files' text: the same module, without its
    /// syntax errors, which were reported when it was first read.
    pub fn reparsed(&self, sources: &crate::source::SourceMap) -> Module {
        Module::of_files(sources, &self.dir, self.files.clone(), |id| {
            parse_text(sources.get(id), id).0
        })
    }

    fn of_files(
        sources: &crate::source::SourceMap,
        dir: &Path,
        files: Vec<FileId>,
        mut body: impl FnMut(FileId) -> Option<Body>,
    ) -> Module {
        let mut m = Module {
            dir: dir.to_path_buf(),
            files: files.clone(),
            ..Module::default()
        };
        let mut overrides = Vec::new();
        for id in files {
            match body(id) {
                Some(b) if is_override(sources.get(id)) => overrides.push(b),
                Some(b) => m.add_file(b, false),
                None => {}
            }
        }
        for b in overrides {
            m.add_file(b, true);
        }
        m
    }

    /// Merge one block of an override file into the declaration it names: an argument
    /// replaces the argument of that name, and nested blocks of a type (also `dynamic` ones)
    /// replace every nested block of that type. A block that names nothing is ignored
    /// (Terraform rejects it).
    fn merge_override(&mut self, b: Block) {
        match (&*b.kind, b.labels.as_slice()) {
            ("resource" | "data", [rtype, name]) => {
                let key = (&*b.kind == "data", rtype.clone(), name.clone());
                let Some(&i) = self.res_index.get(&key) else {
                    return;
                };
                let mut body = b.body;
                let r = &mut self.resources[i];
                override_loops(&mut body, &mut r.count, &mut r.for_each);
                resource_body(rtype, &mut body);
                merge_body(&mut r.body, body);
            }
            ("module", [name]) => {
                let Some(&i) = self.call_index.get(name) else {
                    return;
                };
                let mut body = b.body;
                let c = &mut self.calls[i];
                override_loops(&mut body, &mut c.count, &mut c.for_each);
                if let Some(x) = take_attr(&mut body, "source") {
                    c.source = x.as_str().map(|s| (s.to_string(), x.span));
                }
                body.attrs
                    .retain(|a| !matches!(&*a.name, "depends_on" | "providers" | "version"));
                replace_attrs(&mut c.args, body.attrs);
            }
            ("variable", [name]) => {
                let Some(v) = self.variables.iter_mut().find(|v| &v.name == name) else {
                    return;
                };
                if let Some(d) = b.body.attr("default") {
                    v.default = Some(d.expr.clone());
                }
                if let Some(t) = b.body.attr("type") {
                    v.ty = Some(t.expr.clone());
                }
            }
            _ => {}
        }
    }
}

/// The provider configuration a resource names: `provider = azurerm.dev` → `azurerm.dev`.
fn provider_name(body: &Body) -> Option<Shared<str>> {
    let names = body.attr("provider")?.expr.path_names()?;
    Some(names.join(".").into())
}

/// A module call's `providers = { azurerm = azurerm.dev, azurerm.hub = azurerm }`.
fn providers_map(body: &Body) -> Vec<(Shared<str>, Shared<str>)> {
    let Some(ExprKind::Obj(entries)) = body.attr("providers").map(|a| &a.expr.kind) else {
        return Vec::new();
    };
    entries
        .iter()
        .filter_map(|(k, v)| {
            let child = match k {
                ObjKey::Name(n, _) => n.to_string(),
                ObjKey::Expr(e) => e.path_names()?.join("."),
            };
            Some((child.into(), v.path_names()?.join(".").into()))
        })
        .collect()
}

/// A resource body without what the model never reads: meta-arguments and lifecycle blocks.
fn resource_body(rtype: &str, body: &mut Body) {
    body.attrs
        .retain(|a| !matches!(&*a.name, "depends_on" | "provider" | "lifecycle"));
    // azapi v1 writes `body = jsonencode({...})`: read the object itself, so its values keep
    // their spans.
    if rtype.starts_with("azapi_") {
        for a in body.attrs.iter_mut().filter(|a| &*a.name == "body") {
            if let ExprKind::Call(f, args, false) = &a.expr.kind {
                if &**f == "jsonencode" && args.len() == 1 {
                    a.expr = args[0].clone();
                }
            }
        }
    }
    body.blocks.retain(|x| {
        !matches!(
            &*x.kind,
            "lifecycle" | "provisioner" | "connection" | "timeouts"
        )
    });
}

/// Terraform's merge of an override block's body into the original's.
fn merge_body(into: &mut Body, over: Body) {
    replace_attrs(&mut into.attrs, over.attrs);
    // The type a nested block makes: `dynamic "security_rule"` makes `security_rule`.
    fn made(b: &Block) -> &str {
        match (&*b.kind, b.labels.first()) {
            ("dynamic", Some(l)) => l,
            (k, _) => k,
        }
    }
    let replaced: std::collections::HashSet<String> =
        over.blocks.iter().map(|b| made(b).to_string()).collect();
    into.blocks.retain(|b| !replaced.contains(made(b)));
    into.blocks.extend(over.blocks);
}

/// An override's `count` and `for_each` replace the original's.
fn override_loops(over: &mut Body, count: &mut Option<Expr>, for_each: &mut Option<Expr>) {
    if let Some(c) = take_attr(over, "count") {
        *count = Some(c);
    }
    if let Some(f) = take_attr(over, "for_each") {
        *for_each = Some(f);
    }
}

/// Each argument of an override replaces the argument of that name, or is added.
fn replace_attrs(into: &mut Vec<Attr>, over: Vec<Attr>) {
    for a in over {
        match into.iter_mut().find(|x| x.name == a.name) {
            Some(x) => *x = a,
            None => into.push(a),
        }
    }
}

/// `override.tf`, `x_override.tf` and their `.tf.json` forms: merged after the other files.
fn is_override(f: &SourceFile) -> bool {
    let name = f
        .path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let stem = name
        .strip_suffix(".tf.json")
        .or_else(|| name.strip_suffix(".tf"))
        .unwrap_or("");
    stem == "override" || stem.ends_with("_override")
}

fn take_attr(body: &mut Body, name: &str) -> Option<Expr> {
    let i = body.attrs.iter().position(|a| &*a.name == name)?;
    Some(body.attrs.remove(i).expr)
}

/// Parse one Terraform file of the source map; syntax errors become STV001.
pub fn parse_file(ws: &mut Workspace, id: FileId) -> Option<Body> {
    let (body, diags) = parse_text(ws.sources.get(id), id);
    ws.diagnostics.extend(diags);
    body
}

/// A file's tree and its syntax errors (STV001), touching nothing else: files parse on any
/// worker, and the caller reports the errors in its own order.
pub fn parse_text(f: &SourceFile, id: FileId) -> (Option<Body>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let whole = Span::new(id, 0, f.text.len());
    let json = f.lang == Lang::TerraformJson
        || f.path
            .to_string_lossy()
            .to_ascii_lowercase()
            .ends_with(".json");
    let body = if json {
        match crate::frontend::json::parse(&f.text, id) {
            Ok(p) => {
                let mut c = JsonConv::new();
                let body = if f.lang == Lang::TerraformVars {
                    tfvars_json(&mut c, &p.value, whole)
                } else {
                    c.document(&p.value, whole)
                };
                for e in c.errors {
                    diags.push(parse_error(id, e.offset, e.message));
                }
                Some(body)
            }
            Err(e) => {
                diags.push(parse_error(
                    id,
                    e.offset,
                    format!("invalid JSON: {}", e.message),
                ));
                None
            }
        }
    } else {
        match parse::hcl_body(&f.text, id) {
            Ok(b) => Some(b),
            Err(e) => {
                diags.push(parse_error(id, e.offset, e.message));
                None
            }
        }
    };
    (body, diags)
}

/// A `.tfvars.json` file: one object of variable values (taken literally). Any other document
/// is an error, as Terraform reports it: dropped in silence, the defaults would be checked.
fn tfvars_json(c: &mut JsonConv, v: &crate::model::V, whole: Span) -> Body {
    let mut body = Body::default();
    let Some(entries) = v.as_object() else {
        c.errors.push(parse::ParseError {
            offset: v.span.map_or(0, |s| s.start as usize),
            message: "a .tfvars.json file must be one JSON object of variable values".to_string(),
        });
        return body;
    };
    for (k, x) in entries {
        let expr = parse::literal(x, whole);
        body.attrs.push(Attr {
            name: k.name.clone(),
            span: k.span.map(|s| s.to(expr.span)).unwrap_or(expr.span),
            expr,
        });
    }
    body
}

/// Finds and caches modules by directory.
#[derive(Default)]
pub struct Loader {
    /// Terraform files of the run by canonical directory: (`.tf`/`.tf.json`, `.tfvars*`).
    pub run_dirs: HashMap<PathBuf, (Vec<FileId>, Vec<FileId>)>,
    cache: HashMap<PathBuf, Option<Arc<Module>>>,
    /// Parsed tfvars files.
    vars_cache: HashMap<FileId, Option<Arc<Body>>>,
    /// Modules and tfvars files of the run made ahead on the workers ([`Loader::preparse`]),
    /// each taken once when it is read: its syntax errors are reported then, in the serial
    /// order.
    built: HashMap<PathBuf, (Arc<Module>, Vec<Diagnostic>)>,
    parsed: HashMap<FileId, (Option<Body>, Vec<Diagnostic>)>,
    /// Keep only [`Module::skeleton`]s of the modules parsed ahead (a streamed run).
    pub skeletons: bool,
}

impl Loader {
    pub fn new(ws: &Workspace, files: &[FileId]) -> Loader {
        let mut l = Loader::default();
        // Canonical directories on the workers: each is a few system calls.
        let dirs = crate::parallel::map(files, |&id| {
            let dir = ws.sources.get(id).path.parent()?;
            Some(norm(if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            }))
        });
        for (&id, dir) in files.iter().zip(dirs) {
            let f = ws.sources.get(id);
            let Some(dir) = dir else { continue };
            let e = l.run_dirs.entry(dir).or_default();
            if f.lang == Lang::TerraformVars {
                e.1.push(id);
            } else {
                e.0.push(id);
            }
        }
        l
    }

    /// Parse every Terraform file of the run and build the run's modules on the workers, ahead
    /// of [`Loader::module`] and [`Loader::tfvars`], which take them.
    pub fn preparse(&mut self, ws: &Workspace) {
        let mut dirs: Vec<&PathBuf> = self.run_dirs.keys().collect();
        dirs.sort();
        let built = crate::parallel::map(&dirs, |&dir| {
            let (tf, _) = &self.run_dirs[dir];
            let mut diags = Vec::new();
            let m = Module::of_files(&ws.sources, dir, tf.clone(), |id| {
                let (body, d) = parse_text(ws.sources.get(id), id);
                diags.extend(d);
                body
            });
            let m = if self.skeletons { m.skeleton() } else { m };
            (!tf.is_empty()).then(|| (Arc::new(m), diags))
        });
        let vars: Vec<FileId> = dirs
            .iter()
            .flat_map(|d| self.run_dirs[*d].1.iter().copied())
            .collect();
        let parsed = crate::parallel::map(&vars, |&id| parse_text(ws.sources.get(id), id));
        let dirs: Vec<PathBuf> = dirs.into_iter().cloned().collect();
        self.built.extend(
            dirs.into_iter()
                .zip(built)
                .filter_map(|(d, b)| Some((d, b?))),
        );
        self.parsed.extend(vars.into_iter().zip(parsed));
    }

    /// [`parse_file`], taking the file's tree when it was parsed ahead.
    fn parse(&mut self, ws: &mut Workspace, id: FileId) -> Option<Body> {
        match self.parsed.remove(&id) {
            Some((body, diags)) => {
                ws.diagnostics.extend(diags);
                body
            }
            None => parse_file(ws, id),
        }
    }

    /// The module in `dir` (canonical), reading files from disk when the directory is not part
    /// of the run. `None` when the directory has no Terraform files.
    pub fn module(&mut self, ws: &mut Workspace, dir: &Path) -> Option<Arc<Module>> {
        // A skeleton reached through a call only a module outside the run makes (the module
        // graph, made of the run's modules, did not know it would be called): built whole.
        self.unstub(&ws.sources, dir);
        if let Some(m) = self.cache.get(dir) {
            return m.clone();
        }
        if let Some((m, diags)) = self.built.remove(dir) {
            ws.diagnostics.extend(diags);
            self.cache.insert(dir.to_path_buf(), Some(m.clone()));
            return Some(m);
        }
        let files: Vec<FileId> = match self.run_dirs.get(dir) {
            Some((tf, _)) if !tf.is_empty() => tf.clone(),
            // A directory outside the linted tree is not listed (callers report why).
            _ if self.refused(&ws.fence, dir).is_some() => Vec::new(),
            _ => read_dir_files(ws, dir),
        };
        let m = if files.is_empty() {
            None
        } else {
            let mut bodies = Vec::with_capacity(files.len());
            for &id in &files {
                bodies.push(self.parse(ws, id));
            }
            let mut bodies = bodies.into_iter();
            let m = Module::of_files(&ws.sources, dir, files, |_| bodies.next().flatten());
            Some(Arc::new(m))
        };
        self.cache.insert(dir.to_path_buf(), m.clone());
        m
    }

    /// The whole module of `dir` where only its skeleton was kept ([`Loader::skeletons`]): a
    /// module other modules call is read by every evaluation that calls it.
    pub fn unstub(&mut self, sources: &crate::source::SourceMap, dir: &Path) {
        if let Some(Some(m)) = self.cache.get(dir) {
            if m.stub {
                let full = Arc::new(m.reparsed(sources));
                self.cache.insert(dir.to_path_buf(), Some(full));
            }
        }
    }

    /// Drop the module read for `dir` (an evaluated root that no module calls): a later
    /// [`Loader::module`] of it reads its files again.
    pub fn forget(&mut self, dir: &Path) {
        self.cache.remove(dir);
        self.built.remove(dir);
    }

    /// Why the module directory `dir` must not be read (outside the linted tree, not a
    /// directory), or `None`. Directories of the run are always readable.
    pub fn refused(&self, fence: &Fence, dir: &Path) -> Option<String> {
        if self.run_dirs.get(dir).is_some_and(|(tf, _)| !tf.is_empty()) {
            return None;
        }
        fence.check_dir(dir).err()
    }

    /// The module in `dir` when it has been read (`None` when it has not): for a worker,
    /// which must not read files.
    /// A module kept as a skeleton ([`Loader::skeletons`]) is not ready: the worker leaves
    /// the root to the run's thread, where [`Loader::module`] builds it whole.
    pub fn cached(&self, dir: &Path) -> Option<Option<Arc<Module>>> {
        match self.cache.get(dir) {
            Some(Some(m)) if m.stub => None,
            other => other.cloned(),
        }
    }

    pub fn tfvars(&mut self, ws: &mut Workspace, id: FileId) -> Option<Arc<Body>> {
        if let Some(b) = self.vars_cache.get(&id) {
            return b.clone();
        }
        let b = self.parse(ws, id).map(|b| {
            constant_values_only(ws, &b);
            Arc::new(b)
        });
        self.vars_cache.insert(id, b.clone());
        b
    }
}

/// A `.tfvars` file holds constant values only: Terraform stops with "Variables not allowed" or
/// "Function calls not allowed" otherwise. The usual cause is an unquoted string
/// (`sku = Premium_1`), which would otherwise read as a reference and pass silently. Each such
/// value is an STV001 (the file's other values still count).
fn constant_values_only(ws: &mut Workspace, body: &Body) {
    for a in &body.attrs {
        let Some((span, what)) = not_constant(&a.expr) else {
            continue;
        };
        let text = ws
            .sources
            .get(span.file)
            .text
            .get(span.start as usize..span.end as usize);
        // Raw text: every renderer escapes control characters (a front end knows no renderer).
        let shown = text.unwrap_or_default();
        let hint = match &a.expr.kind {
            ExprKind::Var(_) | ExprKind::Trav(..) if !shown.is_empty() && shown.len() <= 64 => {
                format!(" (a string must be quoted: \"{shown}\")")
            }
            _ => String::new(),
        };
        ws.diagnostics.push(parse_error(
            span.file,
            span.start as usize,
            format!(
                "{what} are not allowed in a variable file: `{}` must be a constant value{hint}",
                a.name
            ),
        ));
    }
}

/// The first part of a tfvars value that is not a constant, and what kind it is.
fn not_constant(e: &Expr) -> Option<(Span, &'static str)> {
    match &e.kind {
        ExprKind::Var(_) | ExprKind::Trav(..) => Some((e.span, "variables")),
        ExprKind::Call(..) => Some((e.span, "function calls")),
        ExprKind::For(_) => Some((e.span, "for expressions")),
        ExprKind::Template(parts) => parts.iter().find_map(|p| match p {
            TPart::Lit(_) => None,
            TPart::Interp(x) => not_constant(x),
            TPart::If(..) | TPart::For(..) => Some((e.span, "template directives")),
        }),
        ExprKind::Arr(xs) => xs.iter().find_map(not_constant),
        ExprKind::Obj(kvs) => kvs.iter().find_map(|(_, v)| not_constant(v)),
        ExprKind::Cond(a, b, c) => [a, b, c].into_iter().find_map(|x| not_constant(x)),
        ExprKind::Neg(x) | ExprKind::Not(x) => not_constant(x),
        ExprKind::Bin(_, a, b) => not_constant(a).or_else(|| not_constant(b)),
        ExprKind::Null
        | ExprKind::Bool(_)
        | ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::Str(_) => None,
    }
}

/// `.tf` and `.tf.json` files of a directory outside the run, sorted by name.
fn read_dir_files(ws: &mut Workspace, dir: &Path) -> Vec<FileId> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = rd
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .filter(|p| {
            let n = p.to_string_lossy().to_ascii_lowercase();
            n.ends_with(".tf") || n.ends_with(".tf.json")
        })
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for p in paths {
        if let Some(id) = ws.sources.find(&p) {
            out.push(id);
            continue;
        }
        let lang = if p.to_string_lossy().to_ascii_lowercase().ends_with(".json") {
            Lang::TerraformJson
        } else {
            Lang::Terraform
        };
        if let Some(id) = ws.read_source(&p, lang) {
            out.push(id);
        }
    }
    out
}

/// The canonical path; for a path that does not exist (in-memory files), the lexically
/// normalised one, so that `./mod` and `a/../mod` meet.
pub fn norm(path: &Path) -> PathBuf {
    crate::source::realpath(path).unwrap_or_else(|| crate::source::normalize(path))
}

/// Where a module call's `source` points: a local directory, or something not loaded.
pub enum Source {
    Local(PathBuf),
    Remote(String),
}

pub fn resolve_source(from_dir: &Path, source: &str) -> Source {
    if is_local(source) {
        Source::Local(norm(&from_dir.join(source)))
    } else {
        Source::Remote(source.to_string())
    }
}

/// A `source` that names a directory on this machine (resolved by [`resolve_source`]):
/// relative, or absolute (Terraform copies an absolute one into its module cache like a
/// package, but its files are the directory's; the fence decides whether it is read).
pub fn is_local(source: &str) -> bool {
    source.starts_with("./")
        || source.starts_with("../")
        || source == "."
        || source == ".."
        || source.starts_with('/')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Leading `..` of a path that does not exist stay: `../../m` is not `m`.
    #[test]
    fn norm_keeps_leading_parent_dirs() {
        let p = Path::new("../../stv2lint-no-such-dir/m");
        assert_eq!(norm(p), PathBuf::from("../../stv2lint-no-such-dir/m"));
        let p = Path::new("stv2lint-no-such-dir/a/../m");
        assert_eq!(norm(p), PathBuf::from("stv2lint-no-such-dir/m"));
    }
}
