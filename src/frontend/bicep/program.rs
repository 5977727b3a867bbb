//! Every Bicep file a run needs, parsed once, with its symbols and the files it refers to
//! (modules, imports, `using`, `load*Content`). Bicep requires those paths to be literal
//! strings, so the whole file graph is known before evaluation starts.

use super::ast::*;
use super::parser;
use crate::code::Code;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Shared;
use crate::model::Workspace;
use crate::source::{FileId, Lang, Span};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// What a module path, `using` path or import path leads to.
#[derive(Clone, Debug)]
pub enum Target {
    Local(FileId),
    /// `br:`, `br/…:`, `ts:`, `ts/…:` — not loaded; outputs are unknown.
    Registry(String),
    /// A local ARM JSON template used as a module: not evaluated here.
    Json(String),
    /// The path does not exist or cannot be read (a diagnostic was given).
    Missing(String),
}

/// A top-level symbol.
#[derive(Clone, Debug)]
pub enum Sym {
    Param(usize),
    Var(usize),
    /// Index into [`Unit::resources`].
    Resource(usize),
    Module(usize),
    Func(usize),
    /// `import * as ns from '…'`.
    Namespace(Option<FileId>),
    /// `import { name as local } from '…'`: the file and the exported name.
    Imported(Option<FileId>, Shared<str>),
}

/// A resource declaration, top-level or nested.
#[derive(Debug)]
pub struct ResInfo {
    pub decl: Shared<ResourceDecl>,
    pub parent: Option<usize>,
    /// `vnet` or `vnet::apimSubnet`, how the code names it.
    pub path: String,
    pub children: Vec<usize>,
}

/// Text read by `loadTextContent` / `loadJsonContent` / `loadYamlContent`.
#[derive(Clone, Debug)]
pub enum Loaded {
    File(FileId),
    Missing(String),
}

pub struct Unit {
    pub id: FileId,
    pub path: PathBuf,
    pub is_param: bool,
    /// `None` when the file could not be parsed (the STV001 is already reported).
    pub file: Option<File>,
    pub top: HashMap<Shared<str>, Sym>,
    pub resources: Vec<ResInfo>,
    /// Module declaration index → target.
    pub modules: HashMap<usize, Target>,
    /// `using` target of a `.bicepparam`.
    pub using: Option<(Target, Span)>,
    /// `extends` base of a `.bicepparam`.
    pub extends: Option<Target>,
    /// Files imported from (for entry-point selection).
    pub imports: Vec<FileId>,
    /// `load*Content('path')` literal path → file.
    pub loads: HashMap<String, Loaded>,
    /// `targetScope` literal, when written.
    pub target_scope: Option<String>,
}

#[derive(Default)]
pub struct Program {
    pub units: HashMap<FileId, Unit>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Module path prefixes that name registries, not files.
pub fn is_registry(path: &str) -> bool {
    let p = path.to_ascii_lowercase();
    p.starts_with("br:") || p.starts_with("br/") || p.starts_with("ts:") || p.starts_with("ts/")
}

impl Program {
    pub fn unit(&self, id: FileId) -> Option<&Unit> {
        self.units.get(&id)
    }

    /// Parse `roots` and everything they refer to.
    pub fn build(ws: &mut Workspace, roots: &[FileId]) -> Program {
        // Files are looked up by path in the source map's own canonical index: every file read
        // (by discovery or here) is in it.
        let mut prog = Program::default();
        // The roots are parsed on every worker first; the units are then built from the trees
        // in the same order as ever, so diagnostics keep theirs. Files reached only through a
        // module, import or `using` edge are parsed where they are reached.
        let trees = crate::parallel::map(roots, |&id| parser::parse(&ws.sources.get(id).text, id));
        let mut parsed: HashMap<FileId, Result<File, parser::ParseError>> =
            roots.iter().copied().zip(trees).collect();
        let mut queue: Vec<FileId> = roots.to_vec();
        while let Some(id) = queue.pop() {
            if prog.units.contains_key(&id) {
                continue;
            }
            let tree = parsed.remove(&id);
            let unit = prog.load_unit(ws, id, tree, &mut queue);
            prog.units.insert(id, unit);
        }
        prog
    }

    fn load_unit(
        &mut self,
        ws: &mut Workspace,
        id: FileId,
        tree: Option<Result<File, parser::ParseError>>,
        queue: &mut Vec<FileId>,
    ) -> Unit {
        let src = ws.sources.get(id);
        let path = src.path.clone();
        let is_param = src.lang == Lang::BicepParam
            || path
                .to_string_lossy()
                .to_ascii_lowercase()
                .ends_with(".bicepparam");
        let parsed = tree.unwrap_or_else(|| parser::parse(&src.text, id));
        let mut unit = Unit {
            id,
            path: path.clone(),
            is_param,
            file: None,
            top: HashMap::new(),
            resources: Vec::new(),
            modules: HashMap::new(),
            using: None,
            extends: None,
            imports: Vec::new(),
            loads: HashMap::new(),
            target_scope: None,
        };
        let file = match parsed {
            Ok(f) => f,
            Err(e) => {
                ws.diagnostics
                    .push(crate::diagnostic::parse_error(id, e.offset, e.message));
                return unit;
            }
        };
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        for (i, d) in file.decls.iter().enumerate() {
            match &d.kind {
                DeclKind::Param { name, .. } => {
                    unit.top.insert(name.text.clone(), Sym::Param(i));
                }
                DeclKind::Var { name, .. } => {
                    unit.top.insert(name.text.clone(), Sym::Var(i));
                }
                DeclKind::Func { name, .. } => {
                    unit.top.insert(name.text.clone(), Sym::Func(i));
                }
                DeclKind::Resource(r) => {
                    let idx = add_resource(&mut unit.resources, r, None, String::new());
                    unit.top.insert(r.name.text.clone(), Sym::Resource(idx));
                }
                DeclKind::Module {
                    name,
                    path: mpath,
                    path_span,
                    ..
                } => {
                    unit.top.insert(name.text.clone(), Sym::Module(i));
                    let t = self.resolve(ws, &dir, mpath, *path_span, "module", queue);
                    unit.modules.insert(i, t);
                }
                DeclKind::Using(Some((p, span))) => {
                    let t = self.resolve(ws, &dir, p, *span, "using", queue);
                    unit.using = Some((t, *span));
                }
                DeclKind::Extends(p, span) => {
                    let t = self.resolve(ws, &dir, p, *span, "base parameter", queue);
                    unit.extends = Some(t);
                }
                DeclKind::Import {
                    from: Some((p, span)),
                    kind,
                } => {
                    let t = self.resolve(ws, &dir, p, *span, "import", queue);
                    let fid = match t {
                        Target::Local(f) => {
                            unit.imports.push(f);
                            Some(f)
                        }
                        _ => None,
                    };
                    match kind {
                        ImportKind::Wildcard(alias) => {
                            unit.top.insert(alias.text.clone(), Sym::Namespace(fid));
                        }
                        ImportKind::Named(items) => {
                            for (orig, local) in items {
                                unit.top.insert(
                                    local.text.clone(),
                                    Sym::Imported(fid, orig.text.clone()),
                                );
                            }
                        }
                        ImportKind::Other => {}
                    }
                }
                DeclKind::TargetScope(e) => {
                    if let ExprKind::Str(s) = &e.kind {
                        unit.target_scope = Some(s.to_string());
                    }
                }
                _ => {}
            }
        }
        // `load*Content('literal')` anywhere in the file.
        let mut wanted = Vec::new();
        walk_file(&file, &mut |e| {
            if let ExprKind::Call(c) = &e.kind {
                let Call { name, args, .. } = &**c;
                let n = name.text.to_ascii_lowercase();
                // `loadFileAsBase64` content (a certificate, any binary) is never evaluated, so
                // it is not read: binary bytes are no parse error of the run.
                if n.starts_with("load") && n.ends_with("content") {
                    if let Some(Expr {
                        kind: ExprKind::Str(p),
                        span,
                    }) = args.first()
                    {
                        wanted.push((p.to_string(), *span));
                    }
                }
            }
        });
        for (p, span) in wanted {
            if unit.loads.contains_key(&p) {
                continue;
            }
            let full = dir.join(&p);
            let loaded = match ws.sources.find(&full) {
                Some(f) => Loaded::File(f),
                None => match ws.fence.check_file(&full) {
                    Err(why) => {
                        self.diagnostics.push(crate::diagnostic::not_read(
                            Some(span),
                            "file",
                            &p,
                            &why,
                            "the value loaded from it is unknown",
                        ));
                        Loaded::Missing(p.clone())
                    }
                    Ok(()) if full.is_file() => {
                        let lang = if p.to_ascii_lowercase().ends_with(".json") {
                            Lang::Json
                        } else {
                            Lang::Other
                        };
                        match ws.read_source(&full, lang) {
                            Some(f) => Loaded::File(f),
                            None => Loaded::Missing(p.clone()),
                        }
                    }
                    // No diagnostic: the content (a policy, an OpenAPI file) rarely matters to
                    // the network checks; where it does, the unknown value names the file.
                    Ok(()) => Loaded::Missing(p.clone()),
                },
            };
            unit.loads.insert(p, loaded);
        }
        self.check_functions(&unit, &file);
        unit.file = Some(file);
        unit
    }

    /// One warning per call of a function that neither the file, its imports, nor the
    /// function library knows (a typo, or a function stv2lint does not evaluate yet).
    fn check_functions(&mut self, unit: &Unit, file: &File) {
        let mut unknown = Vec::new();
        for d in &file.decls {
            walk_decl(d, &mut |e| {
                let ExprKind::Call(c) = &e.kind else {
                    return;
                };
                let Call { target, name, .. } = &**c;
                match target.as_deref().map(|t| &t.kind) {
                    None => {
                        if unit.top.contains_key(&name.text) {
                            return;
                        }
                    }
                    Some(ExprKind::Ident(ns)) if matches!(&**ns, "sys" | "az") => {
                        if unit.top.contains_key(ns) {
                            return;
                        }
                    }
                    _ => return,
                }
                if !super::eval::is_known_function(&name.text) {
                    unknown.push(name.clone());
                }
            });
        }
        for n in unknown {
            self.diagnostics.push(
                // The file parsed; only the values are unknown (STV002). A warning: a typo, or a
                // function stv2lint does not evaluate yet.
                Diagnostic::new(
                    Code::Stv002,
                    Severity::Warning,
                    format!(
                        "unknown function '{}'; values computed with it are treated as unknown",
                        n.text
                    ),
                )
                .at(Some(n.span))
                .label("unknown function")
                .help("Check the spelling; Bicep's built-in functions and the file's own `func` declarations are evaluated.")
                .identity(format!("bicep|unknown function|{}", n.text)),
            );
        }
    }

    /// Resolve a literal path of a module, `using` or import relative to `dir`.
    fn resolve(
        &mut self,
        ws: &mut Workspace,
        dir: &Path,
        p: &str,
        span: Span,
        what: &str,
        queue: &mut Vec<FileId>,
    ) -> Target {
        if is_registry(p) {
            return Target::Registry(p.to_string());
        }
        let full = dir.join(p);
        let lower = p.to_ascii_lowercase();
        if lower.ends_with(".json") {
            return Target::Json(p.to_string());
        }
        if let Some(id) = ws.sources.find(&full) {
            queue.push(id);
            return Target::Local(id);
        }
        if let Err(why) = ws.fence.check_file(&full) {
            let tail = match what {
                "using" => "its parameters are not checked",
                "import" => "what it exports is unknown",
                "base parameter" => "its values are not used",
                _ => "its resources are not checked and its outputs are unknown",
            };
            self.diagnostics
                .push(crate::diagnostic::not_read(Some(span), what, p, &why, tail));
            return Target::Missing(p.to_string());
        }
        if !full.is_file() {
            // A missing `using` target leaves nothing to check: a load error. A missing module,
            // import or base file only makes some values unknown, like a registry module: the
            // run says so (STV002) and checks the rest.
            let (code, sev, tail) = if what == "using" {
                (
                    Code::Stv001,
                    Severity::Error,
                    "its parameters cannot be checked",
                )
            } else if what == "import" {
                (Code::Stv002, Severity::Info, "what it exports is unknown")
            } else if what == "base parameter" {
                (Code::Stv002, Severity::Info, "its values are not used")
            } else {
                (
                    Code::Stv002,
                    Severity::Info,
                    "its resources are not checked and its outputs are unknown",
                )
            };
            self.diagnostics.push(
                Diagnostic::new(
                    code,
                    sev,
                    format!("{what} file '{p}' does not exist; {tail}"),
                )
                .at(Some(span))
                .help(
                    "Fix the path (it is relative to this Bicep file) or add the file to the run.",
                )
                .identity(format!("bicep|missing {what}|{p}")),
            );
            return Target::Missing(p.to_string());
        }
        let lang = if lower.ends_with(".bicepparam") {
            Lang::BicepParam
        } else {
            Lang::Bicep
        };
        let Some(id) = ws.read_source(&full, lang) else {
            return Target::Missing(p.to_string());
        };
        queue.push(id);
        Target::Local(id)
    }
}

fn add_resource(
    list: &mut Vec<ResInfo>,
    r: &Shared<ResourceDecl>,
    parent: Option<usize>,
    prefix: String,
) -> usize {
    let idx = list.len();
    let path = if prefix.is_empty() {
        r.name.text.to_string()
    } else {
        format!("{prefix}::{}", r.name.text)
    };
    list.push(ResInfo {
        decl: r.clone(),
        parent,
        path: path.clone(),
        children: Vec::new(),
    });
    if let Some(obj) = body_object(&r.body) {
        if let ExprKind::Object(items) = &obj.kind {
            for it in items {
                if let ObjItem::Resource(child) = it {
                    let c = add_resource(list, child, Some(idx), path.clone());
                    list[idx].children.push(c);
                }
            }
        }
    }
    idx
}

/// The object of a resource or module body, through `if (…)` and `[for …: …]`.
pub fn body_object(e: &Expr) -> Option<&Expr> {
    match &e.kind {
        ExprKind::Object(_) => Some(e),
        ExprKind::If { body, .. } => body_object(body),
        ExprKind::For(f) => body_object(&f.body),
        ExprKind::Paren(x) => body_object(x),
        _ => None,
    }
}

/// Visit every expression of a file (decorators included), depth first.
pub fn walk_file(f: &File, visit: &mut dyn FnMut(&Expr)) {
    for d in &f.decls {
        for e in &d.decorators {
            walk(e, visit);
        }
        walk_decl(d, visit);
    }
}

/// Visit every expression of a declaration, decorators excluded.
pub fn walk_decl(d: &Decl, visit: &mut dyn FnMut(&Expr)) {
    match &d.kind {
        DeclKind::TargetScope(e)
        | DeclKind::Metadata(_, e)
        | DeclKind::Var { value: e, .. }
        | DeclKind::Output { value: e, .. }
        | DeclKind::Assert { value: e, .. } => walk(e, visit),
        DeclKind::Param {
            default: Some(e), ..
        } => walk(e, visit),
        DeclKind::Resource(r) => walk(&r.body, visit),
        DeclKind::Module { body, .. } => walk(body, visit),
        DeclKind::Func { lambda, .. } => walk(&lambda.body, visit),
        _ => {}
    }
}

fn walk(e: &Expr, visit: &mut dyn FnMut(&Expr)) {
    visit(e);
    match &e.kind {
        ExprKind::Template(t) => t.exprs.iter().for_each(|x| walk(x, visit)),
        ExprKind::Array(items) => {
            for it in items {
                match it {
                    ArrayItem::Item(x) => walk(x, visit),
                    ArrayItem::Spread(x) => walk(x, visit),
                }
            }
        }
        ExprKind::Object(items) => {
            for it in items {
                match it {
                    ObjItem::Prop { key, value, .. } => {
                        if let KeyName::Expr(k) = &key.name {
                            walk(k, visit);
                        }
                        walk(value, visit);
                    }
                    ObjItem::Spread(x) => walk(x, visit),
                    ObjItem::Resource(r) => walk(&r.body, visit),
                }
            }
        }
        ExprKind::For(f) => {
            walk(&f.iter, visit);
            if let Some(x) = &f.filter {
                walk(x, visit);
            }
            walk(&f.body, visit);
        }
        ExprKind::If { cond, body } => {
            walk(cond, visit);
            walk(body, visit);
        }
        ExprKind::Unary(_, x) | ExprKind::NonNull(x) | ExprKind::Paren(x) => walk(x, visit),
        ExprKind::Binary(_, a, b) => {
            walk(a, visit);
            walk(b, visit);
        }
        ExprKind::Ternary(t) => t.iter().for_each(|x| walk(x, visit)),
        ExprKind::Member(m) => walk(&m.base, visit),
        ExprKind::Child(c) => walk(&c.base, visit),
        ExprKind::Index { base, index, .. } => {
            walk(base, visit);
            walk(index, visit);
        }
        ExprKind::Call(c) => {
            if let Some(t) = &c.target {
                walk(t, visit);
            }
            c.args.iter().for_each(|x| walk(x, visit));
        }
        ExprKind::Lambda(l) => walk(&l.body, visit),
        _ => {}
    }
}
