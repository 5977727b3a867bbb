//! Every Bicep file a run needs, parsed once, with its symbols and the files it refers to
//! (modules, imports, `using`, `load*Content`). Bicep requires those paths to be literal
//! strings, so the whole file graph is known before evaluation starts.

use super::ast::*;
use super::parser;
use crate::code::Code;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Shared;
use crate::model::Workspace;
use crate::source::{FileId, Lang, SourceMap, Span};
use std::collections::{HashMap, HashSet};
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
    /// Hashed with foldhash (random per process): every identifier an evaluation meets is
    /// looked up here.
    pub top: HashMap<Shared<str>, Sym, foldhash::fast::RandomState>,
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
        // What each root gives on its own (tree, symbols, its paths looked up, its unknown
        // functions) is prepared on every worker first; the units are then finished from it in
        // the same order as ever, so diagnostics and file ids keep theirs. Files reached only
        // through a module, import or `using` edge are prepared where they are reached.
        let sources = &ws.sources;
        let ready = crate::parallel::map(roots, |&id| prepare(sources, id));
        let mut prepared: HashMap<FileId, Prepared> = roots.iter().copied().zip(ready).collect();
        let mut queue: Vec<FileId> = roots.to_vec();
        while let Some(id) = queue.pop() {
            if prog.units.contains_key(&id) {
                continue;
            }
            let ready = prepared
                .remove(&id)
                .unwrap_or_else(|| prepare(&ws.sources, id));
            let unit = prog.finish_unit(ws, ready, &mut queue);
            prog.units.insert(id, unit);
        }
        prog
    }

    /// The unit of a prepared file: its paths resolved (reading the files the run has not read
    /// yet, in this order), its diagnostics after those of the units before it.
    fn finish_unit(
        &mut self,
        ws: &mut Workspace,
        ready: Prepared,
        queue: &mut Vec<FileId>,
    ) -> Unit {
        let Prepared {
            mut unit,
            parse_error,
            refs,
            imported,
            loads,
            unknown,
        } = ready;
        if let Some(e) = parse_error {
            ws.diagnostics
                .push(crate::diagnostic::parse_error(unit.id, e.offset, e.message));
            return unit;
        }
        let dir = unit
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        for r in refs {
            let t = self.resolve(ws, &dir, &r.path, r.span, r.what, r.known, queue);
            match r.what {
                "module" => {
                    unit.modules.insert(r.decl, t);
                }
                "using" => unit.using = Some((t, r.span)),
                "base parameter" => unit.extends = Some(t),
                _ => {
                    let Target::Local(f) = t else {
                        continue;
                    };
                    unit.imports.push(f);
                    // The symbols this import still defines name the file.
                    for (name, decl) in &imported {
                        if *decl != r.decl {
                            continue;
                        }
                        match unit.top.get_mut(name) {
                            Some(Sym::Namespace(fid)) | Some(Sym::Imported(fid, _)) => {
                                *fid = Some(f)
                            }
                            _ => {}
                        }
                    }
                }
            }
        }
        for (p, span, known) in loads {
            let full = dir.join(&p);
            let loaded = match known.or_else(|| ws.sources.find(&full)) {
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
        self.diagnostics.extend(unknown);
        unit
    }

    /// Resolve a literal path of a module, `using` or import relative to `dir`; `known` is
    /// the file the source map had at that path when the unit was prepared.
    #[allow(clippy::too_many_arguments)]
    fn resolve(
        &mut self,
        ws: &mut Workspace,
        dir: &Path,
        p: &str,
        span: Span,
        what: &str,
        known: Option<FileId>,
        queue: &mut Vec<FileId>,
    ) -> Target {
        if is_registry(p) {
            return Target::Registry(p.to_string());
        }
        let full = dir.join(p);
        let lower = p.to_ascii_lowercase();
        let json = lower.ends_with(".json");
        if what == "using" && lower.ends_with(".bicepparam") {
            self.diagnostics.push(
                Diagnostic::new(
                    Code::Stv001,
                    Severity::Error,
                    format!("using names '{p}', a parameter file: it must name the Bicep file or ARM template the parameters are for; its parameters cannot be checked"),
                )
                .at(Some(span))
                .identity(format!("bicep|using a parameter file|{p}")),
            );
            return Target::Missing(p.to_string());
        }
        if let Some(id) = known.or_else(|| ws.sources.find(&full)) {
            if json {
                return self.json_target(p, span, what);
            }
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
        if let Some(problem) = not_a_file(&full) {
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
                    format!("{what} file '{p}' {problem}; {tail}"),
                )
                .at(Some(span))
                .label(format!("file {problem}"))
                .help(
                    "Fix the path (it is relative to this Bicep file) or add the file to the run.",
                )
                .identity(format!("bicep|missing {what}|{p}")),
            );
            return Target::Missing(p.to_string());
        }
        if json {
            return self.json_target(p, span, what);
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

    /// An ARM JSON template named by a module or `using`: Bicep deploys it, stv2lint does not
    /// evaluate it from Bicep (it is checked as a template of its own, with its own parameter
    /// files, when it is among the files checked). The values given here are not applied, and
    /// the run says so: a `.bicepparam` file's values dropped in silence would check defaults.
    fn json_target(&mut self, p: &str, span: Span, what: &str) -> Target {
        let said = match what {
            "using" => Some((
                Severity::Warning,
                "its values are not applied to the template (stv2lint checks an ARM template with its own parameter files), so they are not checked",
            )),
            "module" => Some((
                Severity::Info,
                "the parameters given here are not applied and its outputs are unknown (the template is checked on its own when it is among the files checked)",
            )),
            _ => None,
        };
        if let Some((sev, tail)) = said {
            let d = Diagnostic::new(
                Code::Stv002,
                sev,
                format!("{what} file '{p}' is an ARM JSON template, which stv2lint does not evaluate from Bicep: {tail}"),
            )
            .at(Some(span))
            .identity(format!("bicep|json {what}|{p}"));
            // A parameter file none of whose values is checked leaves the run incomplete.
            let d = if what == "using" { d.incomplete() } else { d };
            self.diagnostics.push(d);
        }
        Target::Json(p.to_string())
    }
}

/// A path a unit names (module, `using`, `extends`, import), as prepared.
struct PathRef {
    /// The declaration's index.
    decl: usize,
    /// "module", "using", "base parameter" or "import" (as the diagnostics name them).
    what: &'static str,
    path: String,
    span: Span,
    /// The file the source map has at that path.
    known: Option<FileId>,
}

/// What one file gives without the rest of the run (any worker can make it): its syntax tree,
/// symbols and resources, the paths it names with the files the source map already has there,
/// and its unknown functions. Only reading the files it names that the run has not read, and
/// the diagnostics about those, wait for the unit's turn ([`Program::finish_unit`]).
struct Prepared {
    unit: Unit,
    parse_error: Option<parser::ParseError>,
    /// In declaration order.
    refs: Vec<PathRef>,
    /// Symbols an import defines (name, declaration), to be pointed at the file it resolves to.
    imported: Vec<(Shared<str>, usize)>,
    /// `load*Content('literal')` paths, each once, in order, with their span and known file.
    loads: Vec<(String, Span, Option<FileId>)>,
    /// The warnings of [`check_functions`].
    unknown: Vec<Diagnostic>,
}

/// Prepare file `id` (see [`Prepared`]).
fn prepare(sources: &SourceMap, id: FileId) -> Prepared {
    let src = sources.get(id);
    let path = src.path.clone();
    let is_param = src.lang == Lang::BicepParam
        || path
            .to_string_lossy()
            .to_ascii_lowercase()
            .ends_with(".bicepparam");
    let mut unit = Unit {
        id,
        path,
        is_param,
        file: None,
        top: HashMap::default(),
        resources: Vec::new(),
        modules: HashMap::new(),
        using: None,
        extends: None,
        imports: Vec::new(),
        loads: HashMap::new(),
        target_scope: None,
    };
    let file = match parser::parse(&src.text, id) {
        Ok(f) => f,
        Err(e) => {
            return Prepared {
                unit,
                parse_error: Some(e),
                refs: Vec::new(),
                imported: Vec::new(),
                loads: Vec::new(),
                unknown: Vec::new(),
            }
        }
    };
    let dir = unit
        .path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    // The file the source map has at a path (registry and JSON paths are never looked up).
    let known = |p: &str| {
        if is_registry(p) || p.to_ascii_lowercase().ends_with(".json") {
            None
        } else {
            sources.find(&dir.join(p))
        }
    };
    let mut refs: Vec<PathRef> = Vec::new();
    let mut refer = |decl: usize, what: &'static str, p: &str, span: Span| {
        refs.push(PathRef {
            decl,
            what,
            path: p.to_string(),
            span,
            known: known(p),
        });
    };
    let mut imported: Vec<(Shared<str>, usize)> = Vec::new();
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
                refer(i, "module", mpath, *path_span);
            }
            DeclKind::Using(Some((p, span))) => refer(i, "using", p, *span),
            DeclKind::Extends(p, span) => refer(i, "base parameter", p, *span),
            DeclKind::Import {
                from: Some((p, span)),
                kind,
            } => {
                refer(i, "import", p, *span);
                // The file is set when the path is resolved.
                match kind {
                    ImportKind::Wildcard(alias) => {
                        unit.top.insert(alias.text.clone(), Sym::Namespace(None));
                        imported.push((alias.text.clone(), i));
                    }
                    ImportKind::Named(items) => {
                        for (orig, local) in items {
                            unit.top
                                .insert(local.text.clone(), Sym::Imported(None, orig.text.clone()));
                            imported.push((local.text.clone(), i));
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
    // Only the last declaration of a name defines it: a later import of the name points it at
    // its own file, a later declaration of another kind is no import at all.
    let mut last: HashMap<&str, usize> = HashMap::new();
    for (n, i) in &imported {
        last.insert(n, *i);
    }
    let imported = imported
        .iter()
        .filter(|(n, i)| last.get(&**n) == Some(i))
        .cloned()
        .collect();
    // `load*Content('literal')` anywhere in the file.
    let mut loads: Vec<(String, Span, Option<FileId>)> = Vec::new();
    let mut seen: HashSet<Shared<str>> = HashSet::new();
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
                    if seen.insert(p.clone()) {
                        loads.push((p.to_string(), *span, sources.find(&dir.join(&**p))));
                    }
                }
            }
        }
    });
    let mut unknown = check_functions(&unit, &file);
    // Bicep rejects a parameter file without `using` (BCP261): it names no template, so none of
    // its values is checked. An error, not a file skipped without a word.
    if unit.is_param
        && !file
            .decls
            .iter()
            .any(|d| matches!(d.kind, DeclKind::Using(_)))
    {
        let at = Span::new(id, 0, src.text.len().min(1));
        unknown.push(
            Diagnostic::new(
                Code::Stv001,
                Severity::Error,
                "parameter file has no `using` declaration: it names no template, so nothing is checked with its values",
            )
            .at(Some(at))
            .label("no `using`")
            .help("Start the file with `using './main.bicep'` (or `using none` for a shared base file).")
            .identity("bicep|no using"),
        );
    }
    unit.file = Some(file);
    Prepared {
        unit,
        parse_error: None,
        refs,
        imported,
        loads,
        unknown,
    }
}

/// One warning per call of a function that neither the file, its imports, nor the
/// function library knows (a typo, or a function stv2lint does not evaluate yet).
fn check_functions(unit: &Unit, file: &File) -> Vec<Diagnostic> {
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
    unknown
        .into_iter()
        .map(|n| {
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
            .identity(format!("bicep|unknown function|{}", n.text))
        })
        .collect()
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

/// Why `path` is not a file to read: it does not exist, cannot be reached (a symlink loop, no
/// permission) or is something else; `None` for a file.
fn not_a_file(path: &std::path::Path) -> Option<String> {
    crate::source::absent(path).or_else(|| (!path.is_file()).then(|| "is not a file".to_string()))
}
