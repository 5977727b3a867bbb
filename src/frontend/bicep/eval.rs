//! Bicep evaluation: one [`Inst`] per deployment (an entry file, or a module instance with the
//! parameters its parent passed), evaluated lazily — a declaration is evaluated when something
//! needs it, once. Values are [`V`]: known with the span of the expression that produced them,
//! or unknown with the reason. Resources are emitted in ARM shape for the model adapter.
//!
//! Identity: a resource's `id` is built from its type and name path (+ resource group when the
//! deployment's scope names one), exactly as ARM's `resourceId()` renders it, so an `existing`
//! subnet in one deployment links to the subnet another deployment declares.

use super::ast::*;
use super::program::{body_object, Loaded, Program, Sym, Target, Unit};
use crate::diagnostic::{Diagnostic, Severity};
use crate::frontend::arm::functions;
use crate::frontend::kernel::budget::{self, Budget};
use crate::frontend::kernel::lambda;
use crate::model::value::{choice_name, choose, lift, lift_all};
use crate::model::Shared;
use crate::model::{Key, Unknown, VKind, V};
use crate::source::{FileId, SourceMap, Span};
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// Evaluation nesting (variable chains, function calls, modules) beyond this gives unknown.
const MAX_EVAL_DEPTH: usize = 120;
/// Module nesting beyond this is reported and not followed.
const MAX_MODULE_DEPTH: usize = 24;
/// Items a single `for` may produce.
const MAX_LOOP: usize = 5_000;
// Steps, value sizes, loop items and text are charged to the entry deployment's kernel budget
// (`frontend::kernel::budget`), which stops exponential programs (`f(x) => f(x) + f(x)`,
// `var a2 = [a1, a1]`).

/// A resource ready for the model adapter.
pub struct Emitted {
    pub rtype: String,
    pub api_version: Option<V>,
    pub name: V,
    pub body: V,
    pub decl: Span,
    pub label: String,
    pub rg: Option<String>,
    /// An `existing` resource: a reference to another deployment's declaration.
    pub existing: bool,
}

/// One deployment.
struct Inst {
    unit: FileId,
    /// Parameter values given by the caller (parameter file, module `params`), by lower-cased name.
    given: HashMap<String, V>,
    /// Resource group name of the deployment when its scope names one.
    rg: Option<V>,
    /// `true` for subscription/management-group/tenant deployments.
    above_rg: bool,
    /// Files of the module chain that led here, this one last.
    chain: Vec<FileId>,
    vals: RefCell<HashMap<String, V>>,
    busy: RefCell<HashSet<String>>,
    res: RefCell<HashMap<usize, Rc<ResEval>>>,
    mods: RefCell<HashMap<usize, Rc<ModEval>>>,
    outputs: RefCell<Option<V>>,
}

#[derive(Clone)]
struct Env {
    inst: usize,
    locals: Rc<Vec<(Shared<str>, V)>>,
    /// The resource whose body is being evaluated (nested resources are visible by name).
    res_ctx: Option<usize>,
}

impl Env {
    fn top(inst: usize) -> Env {
        Env {
            inst,
            locals: Rc::new(Vec::new()),
            res_ctx: None,
        }
    }
    fn bind(&self, names: &[(Shared<str>, V)]) -> Env {
        let mut l = (*self.locals).clone();
        l.extend(names.iter().cloned());
        Env {
            inst: self.inst,
            locals: Rc::new(l),
            res_ctx: self.res_ctx,
        }
    }
    fn local(&self, name: &str) -> Option<&V> {
        self.locals
            .iter()
            .rev()
            .find(|(n, _)| &**n == name)
            .map(|(_, v)| v)
    }
}

/// The evaluated iterations of one resource declaration.
struct ResEval {
    looped: bool,
    iters: Vec<Iter>,
    /// Why the iterations are not all known (an unknown loop collection).
    unknown: Option<V>,
}

struct Iter {
    env: Env,
    /// `None` = the condition is unknown.
    cond: Option<bool>,
    /// For nested resources: the parent's iteration.
    parent_iter: Option<usize>,
    /// Position in the loop, for labels.
    index: Option<usize>,
    ident: RefCell<Option<Rc<Ident>>>,
    body: RefCell<Option<V>>,
}

/// Type, API version, name path and scope of one resource instance.
struct Ident {
    rtype: String,
    api: Option<Shared<str>>,
    api_span: Span,
    names: Vec<V>,
    rg: Option<V>,
    above_rg: bool,
}

struct ModEval {
    looped: bool,
    iters: Vec<ModIter>,
    unknown: Option<V>,
}

struct ModIter {
    env: Env,
    cond: Option<bool>,
    result: RefCell<Option<V>>,
}

pub struct Eval<'p> {
    prog: &'p Program,
    sources: &'p SourceMap,
    insts: RefCell<Vec<Rc<Inst>>>,
    pub emitted: RefCell<Vec<Emitted>>,
    pub diagnostics: RefCell<Vec<Diagnostic>>,
    /// Registry modules that deploy API Management (recorded once per module instance).
    pub unloaded: RefCell<Vec<crate::model::UnloadedApim>>,
    depth: Cell<usize>,
    /// The budget of the current entry deployment (with its modules).
    budget: RefCell<Rc<Budget>>,
    import_insts: RefCell<HashMap<FileId, usize>>,
    reported: RefCell<HashSet<(Option<Span>, String)>>,
}

fn resource_group_type() -> &'static str {
    "Microsoft.Resources/resourceGroups"
}

impl<'p> Eval<'p> {
    pub fn new(prog: &'p Program, sources: &'p SourceMap) -> Eval<'p> {
        Eval {
            prog,
            sources,
            insts: RefCell::new(Vec::new()),
            emitted: RefCell::new(Vec::new()),
            diagnostics: RefCell::new(Vec::new()),
            unloaded: RefCell::new(Vec::new()),
            depth: Cell::new(0),
            budget: RefCell::new(Budget::new()),
            import_insts: RefCell::new(HashMap::new()),
            reported: RefCell::new(HashSet::new()),
        }
    }

    /// The one STV002 of an entry deployment cut off by its budget, naming the API Management
    /// instances of the files it instantiated (modules cut off before they ran may hide more).
    fn report_budget(&self, b: &Budget, unit: FileId, first: usize) {
        let mut names: Vec<String> = Vec::new();
        let units: Vec<FileId> = self.insts.borrow()[first..]
            .iter()
            .map(|i| i.unit)
            .collect();
        for u in units.iter().filter_map(|u| self.prog.unit(*u)) {
            for r in &u.resources {
                let t = r.decl.rtype.split('@').next().unwrap_or("");
                if t.eq_ignore_ascii_case("Microsoft.ApiManagement/service") && !r.decl.existing {
                    let name = format!("'{}' in {}", r.path, u.path.display());
                    if !names.contains(&name) {
                        names.push(name);
                    }
                }
            }
        }
        let Some(u) = self.prog.unit(unit) else {
            return;
        };
        let label = format!("deployment '{}'", u.path.display());
        let span = Some(Span::new(unit, 0, 0));
        let complete = !b.is_exhausted();
        if let Some(d) = b.diagnostic("bicep", &label, span, &names, complete) {
            self.diagnostics.borrow_mut().push(d);
        }
    }

    fn unit(&self, inst: usize) -> &'p Unit {
        let id = self.inst(inst).unit;
        self.prog
            .unit(id)
            .expect("instances are only made for loaded units")
    }
    fn inst(&self, i: usize) -> Rc<Inst> {
        self.insts.borrow()[i].clone()
    }
    fn new_inst(
        &self,
        unit: FileId,
        given: HashMap<String, V>,
        rg: Option<V>,
        above_rg: Option<bool>,
        chain: Vec<FileId>,
    ) -> usize {
        let above = above_rg.unwrap_or_else(|| {
            self.prog
                .unit(unit)
                .and_then(|u| u.target_scope.as_deref())
                .is_some_and(|s| !s.eq_ignore_ascii_case("resourceGroup"))
        });
        let mut insts = self.insts.borrow_mut();
        insts.push(Rc::new(Inst {
            unit,
            given,
            rg,
            above_rg: above,
            chain,
            vals: RefCell::new(HashMap::new()),
            busy: RefCell::new(HashSet::new()),
            res: RefCell::new(HashMap::new()),
            mods: RefCell::new(HashMap::new()),
            outputs: RefCell::new(None),
        }));
        insts.len() - 1
    }

    fn report(&self, sev: Severity, span: Option<Span>, message: String, help: &str) {
        if !self.reported.borrow_mut().insert((span, message.clone())) {
            return;
        }
        self.diagnostics.borrow_mut().push(
            Diagnostic::new("STV001", sev, message.clone())
                .at(span)
                .help(help)
                .identity(format!("bicep|{message}")),
        );
    }

    /// What was parsed but not evaluated (a registry template, a budget, a depth limit): values
    /// are unknown, not the file unparseable, so STV002 — a warning, as a whole part is skipped.
    fn unverifiable(&self, span: Option<Span>, message: String, help: &str) {
        if !self.reported.borrow_mut().insert((span, message.clone())) {
            return;
        }
        self.diagnostics.borrow_mut().push(
            Diagnostic::new("STV002", Severity::Warning, message.clone())
                .at(span)
                .help(help)
                .identity(format!("bicep|{message}")),
        );
    }

    // ---- entry points -------------------------------------------------------------------

    /// Evaluate a `.bicep` file as a deployment with the given parameter values.
    pub fn run_entry(&self, unit: FileId, given: HashMap<String, V>) {
        let first = self.insts.borrow().len();
        self.run_entry_with(unit, given, Budget::new(), first);
    }

    /// [`Eval::run_entry`] charging `b` (a parameter file's values and its deployment are one
    /// unit); `first` is the first instance of the unit, for the report.
    fn run_entry_with(&self, unit: FileId, given: HashMap<String, V>, b: Rc<Budget>, first: usize) {
        if self.prog.unit(unit).and_then(|u| u.file.as_ref()).is_none() {
            return;
        }
        *self.budget.borrow_mut() = b.clone();
        let _unit = budget::install(&b);
        let i = self.new_inst(unit, given, None, None, vec![unit]);
        self.run(i);
        self.report_budget(&b, unit, first);
    }

    /// Evaluate a `.bicepparam` file, then the file it is `using`, with its values.
    pub fn run_param_file(&self, unit: FileId, extra: &HashMap<String, V>) {
        let Some(u) = self.prog.unit(unit) else {
            return;
        };
        if u.file.is_none() {
            return;
        }
        let b = Budget::new();
        *self.budget.borrow_mut() = b.clone();
        let first = self.insts.borrow().len();
        let mut given = extra.clone();
        {
            let _unit = budget::install(&b);
            given.extend(self.param_file_values(unit, 0));
        }
        match &u.using {
            Some((Target::Local(t), _)) => self.run_entry_with(*t, given, b, first),
            Some((Target::Registry(p), span)) => self.unverifiable(
                Some(*span),
                format!("the parameter file uses registry template '{p}', which is not loaded"),
                "Lint the template's own source together with this parameter file.",
            ),
            _ => {}
        }
    }

    /// The `param x = …` values of a parameter file, over those of the file it `extends`.
    fn param_file_values(&self, unit: FileId, depth: usize) -> HashMap<String, V> {
        let Some(u) = self.prog.unit(unit) else {
            return HashMap::new();
        };
        let Some(file) = &u.file else {
            return HashMap::new();
        };
        let mut values = match &u.extends {
            Some(Target::Local(base)) if depth < 8 && *base != unit => {
                self.param_file_values(*base, depth + 1)
            }
            _ => HashMap::new(),
        };
        let pi = self.new_inst(unit, HashMap::new(), None, None, vec![unit]);
        for d in &file.decls {
            if let DeclKind::Param { name, .. } = &d.kind {
                let v = self.ident(&Env::top(pi), &name.text, name.span);
                values.insert(name.text.to_ascii_lowercase(), v);
            }
        }
        values
    }

    /// An `existing` API Management instance is a reference to another deployment's: emitted
    /// (without a body) so the model checks that instance from this deployment too.
    fn emit_existing(&self, inst: usize, r: usize) {
        let unit = self.unit(inst);
        let info = &unit.resources[r];
        if !info
            .decl
            .rtype
            .to_ascii_lowercase()
            .starts_with("microsoft.apimanagement/service@")
        {
            return;
        }
        let ev = self.res_eval(inst, r);
        for (k, it) in ev.iters.iter().enumerate() {
            if it.cond == Some(false) {
                continue;
            }
            let ident = self.res_ident(inst, r, k);
            let rg = ident
                .rg
                .as_ref()
                .and_then(|v| v.as_str().map(str::to_string));
            self.emitted.borrow_mut().push(Emitted {
                rtype: ident.rtype.clone(),
                api_version: None,
                name: full_name(&ident.names),
                body: V::null(None),
                decl: info.decl.span,
                label: info.path.clone(),
                rg,
                existing: true,
            });
        }
    }

    /// Evaluate every resource and module of a deployment, emitting resources.
    fn run(&self, inst: usize) {
        let unit = self.unit(inst);
        let Some(file) = &unit.file else { return };
        for r in 0..unit.resources.len() {
            let ev = self.res_eval(inst, r);
            let info = &unit.resources[r];
            if info.decl.existing {
                self.emit_existing(inst, r);
                continue;
            }
            for (k, it) in ev.iters.iter().enumerate() {
                if it.cond == Some(false) {
                    continue;
                }
                let ident = self.res_ident(inst, r, k);
                if !crate::model::arm_body::is_relevant(&ident.rtype) {
                    continue;
                }
                let body = self.res_body(inst, r, k);
                let label = match it.index {
                    Some(i) if ev.looped => format!("{}[{i}]", info.path),
                    _ => info.path.clone(),
                };
                let rg = ident
                    .rg
                    .as_ref()
                    .and_then(|v| v.as_str().map(str::to_string));
                self.emitted.borrow_mut().push(Emitted {
                    rtype: ident.rtype.clone(),
                    api_version: ident
                        .api
                        .as_ref()
                        .map(|a| V::str(a.clone(), Some(ident.api_span))),
                    name: full_name(&ident.names),
                    body,
                    decl: info.decl.span,
                    label,
                    rg,
                    existing: false,
                });
            }
        }
        for (i, d) in file.decls.iter().enumerate() {
            if let DeclKind::Module { .. } = d.kind {
                let ev = self.mod_eval(inst, i);
                for k in 0..ev.iters.len() {
                    if ev.iters[k].cond != Some(false) {
                        self.mod_result(inst, i, k);
                    }
                }
            }
        }
    }

    // ---- expressions --------------------------------------------------------------------

    fn expr(&self, env: &Env, e: &Expr) -> V {
        let d = self.depth.get();
        let b = self.budget.borrow().clone();
        if !b.deeper(d, MAX_EVAL_DEPTH) {
            return V::unknown(
                "the expression is nested too deeply to evaluate",
                Some(e.span),
            );
        }
        if !b.step() {
            return b.unknown(Some(e.span));
        }
        self.depth.set(d + 1);
        let v = self.expr_inner(env, e);
        self.depth.set(d);
        // Literals and loops are checked for size; references and calls, where values are
        // copied or computed, are also charged to the deployment's budget.
        match e.kind {
            ExprKind::Array(_)
            | ExprKind::Object(_)
            | ExprKind::For(_)
            | ExprKind::Template { .. }
            | ExprKind::Binary(..) => b.check(v),
            ExprKind::Call { .. } | ExprKind::Ident(_) => b.value(v),
            _ => v,
        }
    }

    fn expr_inner(&self, env: &Env, e: &Expr) -> V {
        let site = Some(e.span);
        match &e.kind {
            ExprKind::Null => V::null(site),
            ExprKind::Bool(b) => V::bool(*b, site),
            ExprKind::Int(i) => V::int(*i, site),
            ExprKind::Str(s) => V::str(s.clone(), site),
            ExprKind::Template { lits, exprs } => {
                let mut parts = Vec::with_capacity(lits.len() + exprs.len());
                for (i, lit) in lits.iter().enumerate() {
                    if !lit.is_empty() {
                        parts.push(V::str(lit.clone(), site));
                    }
                    if let Some(x) = exprs.get(i) {
                        let v = self.expr(env, x);
                        parts.push(match &v.kind {
                            VKind::Arr(_) | VKind::Obj(_) => {
                                if v.find_unknown().is_some() {
                                    functions::unknown_from(&v, site)
                                } else {
                                    V::str(v.to_json().to_string(), site)
                                }
                            }
                            _ => v,
                        });
                    }
                }
                // `'a${x}b'`: ARM's concat semantics. A symbolic part contributes its placeholder
                // text as is, so a name and an id ending in it spell the name the same way.
                let joined = functions::join_strings(&parts, site);
                lift_all(joined, &parts, |p| functions::join_strings(p, site))
            }
            ExprKind::Ident(name) => self.ident(env, name, e.span),
            ExprKind::Array(items) => {
                let mut out = Vec::new();
                for it in items {
                    match it {
                        ArrayItem::Item(x) => out.push(self.expr(env, x)),
                        ArrayItem::Spread(x) => {
                            let v = self.expr(env, x);
                            match &v.kind {
                                VKind::Arr(a) => out.extend(a.iter().cloned()),
                                VKind::Null => {}
                                _ => return functions::unknown_from(&v, site),
                            }
                        }
                    }
                }
                V::arr(out, site)
            }
            ExprKind::Object(items) => self.object(env, items, site, &[]),
            ExprKind::For(f) => self.for_expr(env, f, site),
            ExprKind::If { cond, body } => {
                let c = self.expr(env, cond);
                match c.truthy() {
                    Some(false) => V::null(site),
                    _ => self.expr(env, body),
                }
            }
            ExprKind::Unary(op, x) => {
                let v = self.expr(env, x);
                let un = |v: &V| match op {
                    UnOp::Not => match v.truthy() {
                        Some(b) if matches!(v.kind, VKind::Bool(_)) => V::bool(!b, site),
                        _ => functions::unknown_from(v, site),
                    },
                    UnOp::Neg => match v.kind {
                        VKind::Int(i) => V::int(i.wrapping_neg(), site),
                        _ => functions::unknown_from(v, site),
                    },
                };
                lift(un(&v), &[&v], |x| un(&x[0]))
            }
            ExprKind::Binary(op, a, b) => self.binary(env, *op, a, b, site),
            ExprKind::Ternary(c, a, b) => {
                let cv = self.expr(env, c);
                match cv.truthy() {
                    Some(true) if matches!(cv.kind, VKind::Bool(_)) => self.expr(env, a),
                    Some(false) if matches!(cv.kind, VKind::Bool(_)) => self.expr(env, b),
                    Some(_) => V::unknown(
                        format!("the condition is not a boolean: {}", cv.show()),
                        site,
                    ),
                    None => {
                        let (x, y) = (self.expr(env, a), self.expr(env, b));
                        let normal = match x.same(&y) {
                            Some(true) => x.clone().at(site),
                            _ => functions::unknown_from(&cv, site),
                        };
                        choose(normal, &cv, || self.text(c), &x, &y)
                    }
                }
            }
            ExprKind::Member { base, name, safe } => {
                self.member_expr(env, e, base, name, *safe, site)
            }
            ExprKind::Index { base, index, safe } => {
                if let Some(v) = self.resource_index(env, base, index, site) {
                    return v;
                }
                if let Some(v) = self.path_access(env, e) {
                    return v;
                }
                let b = self.expr(env, base);
                let i = self.expr(env, index);
                index_value(&b, &i, *safe, site).at(site)
            }
            ExprKind::Child { base, name } => match self.res_target(env, e) {
                Some(t) => self.target_value(&t, site),
                None => {
                    let _ = base;
                    V::unknown(format!("'{}' is not a nested resource", name.text), site)
                }
            },
            ExprKind::NonNull(x) | ExprKind::Paren(x) => self.expr(env, x).at(site),
            ExprKind::Call { target, name, args } => {
                self.call(env, target.as_deref(), name, args, site)
            }
            ExprKind::Lambda(_) => V::unknown("a lambda is not a value", site),
        }
    }

    fn object(&self, env: &Env, items: &[ObjItem], site: Option<Span>, skip: &[&str]) -> V {
        let mut out: Vec<(Key, V)> = Vec::with_capacity(items.len());
        let mut put = |k: Key, v: V| {
            if let Some(e) = out
                .iter_mut()
                .find(|(x, _)| x.name.eq_ignore_ascii_case(&k.name))
            {
                *e = (k, v);
            } else {
                out.push((k, v));
            }
        };
        for it in items {
            match it {
                ObjItem::Prop { key, value, .. } => {
                    let name: Shared<str> = match &key.name {
                        KeyName::Lit(s) => s.clone(),
                        KeyName::Expr(x) => {
                            let k = self.expr(env, x);
                            match k.as_name() {
                                Some(s) => s.into(),
                                None => continue,
                            }
                        }
                    };
                    if skip.iter().any(|s| s.eq_ignore_ascii_case(&name)) {
                        continue;
                    }
                    let v = self.expr(env, value);
                    put(Key::new(name, Some(key.span)), v);
                }
                ObjItem::Spread(x) => {
                    let v = self.expr(env, x);
                    if let VKind::Obj(entries) = &v.kind {
                        for (k, x) in entries {
                            put(k.clone(), x.clone());
                        }
                    }
                    // An unknown spread cannot say which keys it sets: the written ones stay.
                }
                ObjItem::Resource(_) => {}
            }
        }
        V::obj(out, site)
    }

    fn for_expr(&self, env: &Env, f: &ForExpr, site: Option<Span>) -> V {
        let coll = self.expr(env, &f.iter);
        let items = match &coll.kind {
            VKind::Arr(items) => items.clone(),
            _ => return functions::unknown_from(&coll, site),
        };
        if !budget::items(items.len().min(MAX_LOOP)) {
            return budget::unknown(site);
        }
        let mut out = Vec::new();
        for (i, item) in items.into_iter().enumerate().take(MAX_LOOP) {
            let e = self.bind_loop(env, f, item, i);
            if let Some(filter) = &f.filter {
                let c = self.expr(&e, filter);
                match c.truthy() {
                    Some(true) => {}
                    Some(false) => continue,
                    None => return functions::unknown_from(&c, site),
                }
            }
            out.push(self.expr(&e, &f.body));
        }
        V::arr(out, site)
    }

    fn bind_loop(&self, env: &Env, f: &ForExpr, item: V, i: usize) -> Env {
        let mut b = Vec::new();
        if let Some(n) = &f.item {
            b.push((n.text.clone(), item));
        }
        if let Some(n) = &f.index {
            b.push((n.text.clone(), V::int(i as i64, Some(n.span))));
        }
        env.bind(&b)
    }

    fn binary(&self, env: &Env, op: BinOp, a: &Expr, b: &Expr, site: Option<Span>) -> V {
        let x = self.expr(env, a);
        // Short-circuit what the left side decides (the right side may be invalid then).
        let decided = match op {
            BinOp::And | BinOp::Or => bool_of(&x) == Some(op == BinOp::Or),
            BinOp::Coalesce => !x.is_null(),
            _ => false,
        };
        if decided {
            return match op {
                BinOp::Coalesce => x.at(site),
                _ => V::bool(op == BinOp::Or, site),
            };
        }
        let y = self.expr(env, b);
        let normal = binop(op, &x, &y, site);
        lift(normal, &[&x, &y], |v| binop(op, &v[0], &v[1], site))
    }

    // ---- names --------------------------------------------------------------------------

    fn ident(&self, env: &Env, name: &str, span: Span) -> V {
        let site = Some(span);
        if let Some(v) = env.local(name) {
            return v.clone().at(site);
        }
        let unit = self.unit(env.inst);
        if let Some(r) = self.nested_named(unit, env.res_ctx, name) {
            return self.target_value(&(env.inst, r, Sel::All), site);
        }
        match unit.top.get(name) {
            Some(Sym::Param(i)) => self.param(env.inst, *i, site),
            Some(Sym::Var(i)) => self.var(env.inst, *i, site),
            Some(Sym::Resource(r)) => self.target_value(&(env.inst, *r, Sel::All), site),
            Some(Sym::Module(m)) => self.module_value(env.inst, *m, None, site),
            Some(Sym::Imported(Some(f), orig)) => match self.import_inst(*f) {
                Some(ii) => self.exported(ii, orig, site),
                None => V::unknown(
                    format!("'{name}' is imported from a file that could not be loaded"),
                    site,
                ),
            },
            Some(Sym::Imported(None, _)) | Some(Sym::Namespace(None)) => V::unknown(
                format!("'{name}' is imported from a registry or a missing file"),
                site,
            ),
            Some(Sym::Namespace(Some(_))) => V::unknown(format!("'{name}' is a namespace"), site),
            Some(Sym::Func(_)) => V::unknown(format!("function '{name}' used as a value"), site),
            None => V::unknown(format!("'{name}' is not declared"), site),
        }
    }

    /// A nested resource visible by simple name from inside `ctx`'s body.
    fn nested_named(&self, unit: &Unit, ctx: Option<usize>, name: &str) -> Option<usize> {
        let mut cur = ctx;
        let mut guard = 0;
        while let Some(r) = cur {
            guard += 1;
            if guard > 64 {
                return None;
            }
            let info = unit.resources.get(r)?;
            if let Some(c) = info
                .children
                .iter()
                .find(|c| &*unit.resources[**c].decl.name.text == name)
            {
                return Some(*c);
            }
            cur = info.parent;
        }
        None
    }

    fn param(&self, inst: usize, i: usize, site: Option<Span>) -> V {
        self.memo_value(inst, self.ensure_param(inst, i), site)
    }

    fn var(&self, inst: usize, i: usize, site: Option<Span>) -> V {
        self.memo_value(inst, self.ensure_var(inst, i), site)
    }

    /// The memoised value under `key` (or the reason it has none), placed at `site`.
    fn memo_value(&self, inst: usize, key: Result<String, V>, site: Option<Span>) -> V {
        match key {
            Ok(k) => match self.inst(inst).vals.borrow().get(&k) {
                Some(v) => v.clone().at(site),
                None => V::unknown("the value is not available", site),
            },
            Err(u) => u.at(site),
        }
    }

    /// Evaluate parameter declaration `i` once; its memo key, or why it has no value.
    fn ensure_param(&self, inst: usize, i: usize) -> Result<String, V> {
        let unit = self.unit(inst);
        let Some(DeclKind::Param { name, ty, default }) = unit
            .file
            .as_ref()
            .and_then(|f| f.decls.get(i))
            .map(|d| &d.kind)
        else {
            return Err(V::unknown("not a parameter", None));
        };
        let key = format!("p:{}", name.text);
        let st = self.inst(inst);
        if st.vals.borrow().contains_key(&key) {
            return Ok(key);
        }
        if !st.busy.borrow_mut().insert(key.clone()) {
            return Err(V::unknown(
                format!("parameter '{}' refers to itself", name.text),
                None,
            ));
        }
        let v = if let Some(v) = st.given.get(&name.text.to_ascii_lowercase()) {
            // A module input the caller does not know is still one of the allowed values.
            match v.is_unknown() && !v.has_alts() {
                true => v.clone().one_of(
                    &format!("parameter '{}'", name.text),
                    &self.allowed(inst, i, ty.as_ref()),
                ),
                false => v.clone(),
            }
        } else if let Some(d) = default {
            self.expr(&Env::top(inst), d)
        } else if ty.as_ref().is_some_and(|t| t.nullable) {
            V::null(Some(name.span))
        } else {
            V::symbolic(
                format!(
                    "parameter '{}' has no default and no parameter file value",
                    name.text
                ),
                format!("parameters('{}')", name.text),
                Some(name.span),
            )
            .one_of(
                &format!("parameter '{}'", name.text),
                &self.allowed(inst, i, ty.as_ref()),
            )
        };
        st.busy.borrow_mut().remove(&key);
        st.vals.borrow_mut().insert(key.clone(), v);
        Ok(key)
    }

    /// The values of a scalar parameter's `@allowed([...])` (on an array parameter they
    /// constrain the elements, not the value).
    fn allowed(&self, inst: usize, i: usize, ty: Option<&TypeRef>) -> Vec<V> {
        let Some(decl) = self.unit(inst).file.as_ref().and_then(|f| f.decls.get(i)) else {
            return Vec::new();
        };
        let ty_text = ty.map_or("", |t| self.sources.get(t.span.file).slice(t.span).trim());
        if ty_text.starts_with("array") || ty_text.starts_with("object") || ty_text.ends_with(']') {
            return Vec::new();
        }
        // A union of string literals, `'Developer' | 'Premium'`, lists the values as @allowed does.
        if ty_text.contains('|') {
            let t = ty.map(|t| t.span);
            let lits: Option<Vec<V>> = ty_text
                .split('|')
                .map(|p| {
                    let p = p.trim();
                    let inner = p.strip_prefix('\'')?.strip_suffix('\'')?;
                    (!inner.contains(['\'', '\\', '$'])).then(|| V::str(inner, t))
                })
                .collect();
            return lits.unwrap_or_default();
        }
        for d in &decl.decorators {
            let ExprKind::Call { name, args, .. } = &d.kind else {
                continue;
            };
            if &*name.text != "allowed" {
                continue;
            }
            let Some(ExprKind::Array(items)) = args.first().map(|a| &a.kind) else {
                return Vec::new();
            };
            let env = Env::top(inst);
            return items
                .iter()
                .map(|it| match it {
                    ArrayItem::Item(x) => self.expr(&env, x),
                    ArrayItem::Spread(x) => V::unknown("a spread in @allowed", Some(x.span)),
                })
                .collect();
        }
        Vec::new()
    }

    /// The source text of an expression on one line, shortened: how a condition is named when
    /// its value is a choice (`env == 'prod'`).
    fn text(&self, e: &Expr) -> String {
        choice_name(self.sources.get(e.span.file).slice(e.span))
    }

    /// Evaluate variable declaration `i` once; its memo key, or why it has no value.
    fn ensure_var(&self, inst: usize, i: usize) -> Result<String, V> {
        let unit = self.unit(inst);
        let Some(DeclKind::Var { name, value }) = unit
            .file
            .as_ref()
            .and_then(|f| f.decls.get(i))
            .map(|d| &d.kind)
        else {
            return Err(V::unknown("not a variable", None));
        };
        let key = format!("v:{}", name.text);
        let st = self.inst(inst);
        if st.vals.borrow().contains_key(&key) {
            return Ok(key);
        }
        if !st.busy.borrow_mut().insert(key.clone()) {
            return Err(V::unknown(
                format!("variable '{}' refers to itself", name.text),
                None,
            ));
        }
        let v = self.expr(&Env::top(inst), value);
        st.busy.borrow_mut().remove(&key);
        st.vals.borrow_mut().insert(key.clone(), v);
        Ok(key)
    }

    /// `a.b[0].c` rooted at a loop variable, parameter or variable, walked by reference: the
    /// root value (often a large configuration object) is not copied for every access.
    fn path_access(&self, env: &Env, e: &Expr) -> Option<V> {
        let mut chain: Vec<&Expr> = Vec::new();
        let mut cur = e;
        let root = loop {
            match &cur.kind {
                ExprKind::Member { base, .. } | ExprKind::Index { base, .. } => {
                    chain.push(cur);
                    cur = base;
                }
                ExprKind::Ident(n) => break n,
                _ => return None,
            }
        };
        chain.reverse();
        // Index values first: evaluating them may fill the memo borrowed below.
        let mut idx: Vec<Option<V>> = Vec::with_capacity(chain.len());
        for c in &chain {
            idx.push(match &c.kind {
                ExprKind::Index { index, .. } => Some(self.expr(env, index)),
                _ => None,
            });
        }
        let walk = |root: &V| -> V {
            let mut at: &V = root;
            let mut owned: Option<V> = None;
            for (c, i) in chain.iter().zip(&idx) {
                let site = Some(c.span);
                let next = match (&c.kind, owned.take()) {
                    (ExprKind::Member { name, safe, .. }, None) => {
                        step_member(at, &name.text, *safe, site)
                    }
                    (ExprKind::Index { safe, .. }, None) => {
                        step_index(at, i.as_ref().unwrap_or(&V::null(None)), *safe, site)
                    }
                    (ExprKind::Member { name, safe, .. }, Some(v)) => {
                        Err(member_value(&v, &name.text, *safe, site).at(site))
                    }
                    (ExprKind::Index { safe, .. }, Some(v)) => {
                        Err(
                            index_value(&v, i.as_ref().unwrap_or(&V::null(None)), *safe, site)
                                .at(site),
                        )
                    }
                    _ => Err(V::unknown("unexpected access", site)),
                };
                match next {
                    Ok(r) => at = r,
                    Err(v) => owned = Some(v),
                }
            }
            match owned {
                Some(v) => v.at(Some(e.span)),
                None => at.clone().at(Some(e.span)),
            }
        };
        if let Some(v) = env.local(root) {
            return Some(walk(v));
        }
        let unit = self.unit(env.inst);
        if self.nested_named(unit, env.res_ctx, root).is_some() {
            return None;
        }
        let key = match unit.top.get(&**root) {
            Some(Sym::Param(i)) => self.ensure_param(env.inst, *i),
            Some(Sym::Var(i)) => self.ensure_var(env.inst, *i),
            _ => return None,
        };
        let key = key.ok()?;
        let st = self.inst(env.inst);
        let vals = st.vals.borrow();
        let root_v = vals.get(&key)?;
        Some(walk(root_v))
    }

    /// The instance that holds an imported file's exported variables and functions.
    fn import_inst(&self, f: FileId) -> Option<usize> {
        self.prog.unit(f)?.file.as_ref()?;
        if let Some(i) = self.import_insts.borrow().get(&f) {
            return Some(*i);
        }
        let i = self.new_inst(f, HashMap::new(), None, None, vec![f]);
        self.import_insts.borrow_mut().insert(f, i);
        Some(i)
    }

    /// An exported variable (or anything named) of an imported file.
    fn exported(&self, inst: usize, name: &str, site: Option<Span>) -> V {
        let unit = self.unit(inst);
        match unit.top.get(name) {
            Some(Sym::Var(i)) => self.var(inst, *i, site),
            Some(Sym::Imported(..)) | Some(Sym::Param(_)) => self.ident(
                &Env::top(inst),
                name,
                site.unwrap_or(Span::new(unit.id, 0, 0)),
            ),
            Some(_) => V::unknown(format!("'{name}' is not a value"), site),
            None => V::unknown(
                format!("'{name}' is not exported by the imported file"),
                site,
            ),
        }
    }

    fn member_expr(
        &self,
        env: &Env,
        whole: &Expr,
        base: &Expr,
        name: &Name,
        safe: bool,
        site: Option<Span>,
    ) -> V {
        // `res.id` / `res.name` need only the resource's identity, not its body.
        if let Some(t) = self.res_target(env, base) {
            if let Some(v) = self.identity_member(&t, &name.text, site) {
                return v;
            }
        }
        // `ns.exportedVar` of `import * as ns`.
        if let ExprKind::Ident(b) = &base.kind {
            if env.local(b).is_none() {
                if let Some(Sym::Namespace(f)) = self.unit(env.inst).top.get(&**b) {
                    return match f.and_then(|f| self.import_inst(f)) {
                        Some(ii) => self.exported(ii, &name.text, site),
                        None => V::unknown(
                            format!("'{b}' is imported from a registry or a missing file"),
                            site,
                        ),
                    };
                }
            }
        }
        if let Some(v) = self.path_access(env, whole) {
            return v;
        }
        let b = self.expr(env, base);
        member_value(&b, &name.text, safe, site).at(site)
    }

    // ---- resources ----------------------------------------------------------------------

    fn res_eval(&self, inst: usize, r: usize) -> Rc<ResEval> {
        let st = self.inst(inst);
        if let Some(e) = st.res.borrow().get(&r) {
            return e.clone();
        }
        let key = format!("r:{r}");
        if !st.busy.borrow_mut().insert(key.clone()) {
            return Rc::new(ResEval {
                looped: false,
                iters: Vec::new(),
                unknown: Some(V::unknown("the resource depends on itself", None)),
            });
        }
        let unit = self.unit(inst);
        let info = &unit.resources[r];
        let parents: Vec<(Env, Option<bool>, Option<usize>)> = match info.parent {
            None => vec![(Env::top(inst), Some(true), None)],
            Some(p) => {
                let pe = self.res_eval(inst, p);
                pe.iters
                    .iter()
                    .enumerate()
                    .map(|(k, it)| {
                        let mut e = it.env.clone();
                        e.res_ctx = Some(p);
                        (e, it.cond, Some(k))
                    })
                    .collect()
            }
        };
        let mut ev = ResEval {
            looped: false,
            iters: Vec::new(),
            unknown: None,
        };
        for (penv, pcond, pk) in parents {
            let (looped, list, unknown) = self.iterate(&penv, &info.decl.body);
            ev.looped |= looped;
            if unknown.is_some() {
                ev.unknown = unknown;
            }
            for (mut env, cond, index) in list {
                env.res_ctx = Some(r);
                ev.iters.push(Iter {
                    env,
                    cond: and3(pcond, cond),
                    parent_iter: pk,
                    index,
                    ident: RefCell::new(None),
                    body: RefCell::new(None),
                });
            }
        }
        let ev = Rc::new(ev);
        st.busy.borrow_mut().remove(&key);
        st.res.borrow_mut().insert(r, ev.clone());
        ev
    }

    /// The iterations of a resource or module body: `(looped, [(env, condition, index)], why unknown)`.
    #[allow(clippy::type_complexity)]
    fn iterate(
        &self,
        env: &Env,
        body: &Expr,
    ) -> (bool, Vec<(Env, Option<bool>, Option<usize>)>, Option<V>) {
        match &body.kind {
            ExprKind::If { cond, .. } => {
                let c = self.expr(env, cond);
                (false, vec![(env.clone(), bool_of(&c), None)], None)
            }
            ExprKind::For(f) => {
                let coll = self.expr(env, &f.iter);
                let items = match &coll.kind {
                    VKind::Arr(items) => items.clone(),
                    _ => return (true, Vec::new(), Some(coll)),
                };
                if !budget::items(items.len().min(MAX_LOOP)) {
                    return (true, Vec::new(), Some(budget::unknown(Some(f.iter.span))));
                }
                let mut out = Vec::new();
                for (i, item) in items.into_iter().enumerate().take(MAX_LOOP) {
                    let e = self.bind_loop(env, f, item, i);
                    let cond = match &f.filter {
                        Some(x) => bool_of(&self.expr(&e, x)),
                        None => Some(true),
                    };
                    // `[for …: if (c) {…}]` written as a body `if` instead of a filter.
                    let cond = match &f.body.kind {
                        ExprKind::If { cond: c2, .. } => and3(cond, bool_of(&self.expr(&e, c2))),
                        _ => cond,
                    };
                    out.push((e, cond, Some(i)));
                }
                (true, out, None)
            }
            _ => (false, vec![(env.clone(), Some(true), None)], None),
        }
    }

    fn res_ident(&self, inst: usize, r: usize, k: usize) -> Rc<Ident> {
        let ev = self.res_eval(inst, r);
        let Some(it) = ev.iters.get(k) else {
            return Rc::new(unknown_ident());
        };
        if let Some(id) = it.ident.borrow().as_ref() {
            return id.clone();
        }
        let st = self.inst(inst);
        let key = format!("i:{r}:{k}");
        if !st.busy.borrow_mut().insert(key.clone()) {
            return Rc::new(unknown_ident());
        }
        let id = Rc::new(self.compute_ident(inst, r, it));
        st.busy.borrow_mut().remove(&key);
        *it.ident.borrow_mut() = Some(id.clone());
        id
    }

    fn compute_ident(&self, inst: usize, r: usize, it: &Iter) -> Ident {
        let unit = self.unit(inst);
        let info = &unit.resources[r];
        let decl = &info.decl;
        let st = self.inst(inst);
        let (tpart, api) = match decl.rtype.split_once('@') {
            Some((t, a)) => (t.to_string(), Some(Shared::<str>::from(a))),
            None => (decl.rtype.to_string(), None),
        };
        let obj = body_object(&decl.body);
        let prop = |k: &str| obj.and_then(|o| object_prop(o, k));
        let name_v = self.own_name(inst, r, it, Some(decl.span));
        let own_names = split_name(&name_v);
        let mut ident = Ident {
            rtype: tpart.clone(),
            api,
            api_span: decl.rtype_span,
            names: own_names.clone(),
            rg: st.rg.clone(),
            above_rg: st.above_rg,
        };
        let parent_ident = if let Some(p) = info.parent {
            let pk = it.parent_iter.unwrap_or(0);
            Some(self.res_ident(inst, p, pk))
        } else if let Some(pe) = prop("parent") {
            match self.res_target(&it.env, pe) {
                Some((pi, pr, sel)) => {
                    let k = match sel {
                        Sel::One(k) => k,
                        _ => 0,
                    };
                    Some(self.res_ident(pi, pr, k))
                }
                None => {
                    let v = self.expr(&it.env, pe);
                    ident_from_id(v.get("id").unwrap_or(&v))
                }
            }
        } else {
            None
        };
        if let Some(p) = parent_ident {
            let relative = !tpart.contains('/') || info.parent.is_none();
            ident.rtype = if info.parent.is_some() && !looks_full_type(&tpart) {
                format!("{}/{}", p.rtype, tpart)
            } else {
                tpart.clone()
            };
            let _ = relative;
            if ident.api.is_none() {
                ident.api = p.api.clone();
                ident.api_span = p.api_span;
            }
            let mut names = p.names.clone();
            names.extend(own_names);
            ident.names = names;
            ident.rg = p.rg.clone();
            ident.above_rg = p.above_rg;
        }
        if let Some(se) = prop("scope") {
            let sv = self.expr(&it.env, se);
            if let Some((rg, above)) = scope_of(&sv) {
                ident.rg = rg;
                ident.above_rg = above;
            }
        }
        ident
    }

    /// The `name` a declaration writes for one iteration. A name the evaluator cannot know and
    /// that is not stable by itself (a function it does not compute, a runtime value) is made
    /// stable from the declaration — symbol, iteration and deployment instance — so that a child
    /// (`parent: nsg`, `'${nsg.name}/rule'`) and every `nsg.id` spell it the same way, while two
    /// declarations never share it.
    fn own_name(&self, inst: usize, r: usize, it: &Iter, site: Option<Span>) -> V {
        let unit = self.unit(inst);
        let info = &unit.resources[r];
        let obj = body_object(&info.decl.body);
        let Some(e) = obj.and_then(|o| object_prop(o, "name")) else {
            return V::unknown("the resource has no name", site);
        };
        let v = self.expr(&it.env, e);
        match &v.kind {
            VKind::Unknown(u) if u.sym.is_none() => {
                let mut idx = String::new();
                if let Some(p) = it.parent_iter {
                    idx.push_str(&format!("<{p}>"));
                }
                if let Some(i) = it.index {
                    idx.push_str(&format!("[{i}]"));
                }
                if inst > 0 {
                    idx.push_str(&format!("@{inst}"));
                }
                let sym = format!("${{{}{idx}.name}}", info.path.replace('/', "_"));
                let mut s = V::symbolic(u.reason.clone(), sym, v.span);
                s.origin = v.origin;
                s
            }
            _ => v,
        }
    }

    fn res_body(&self, inst: usize, r: usize, k: usize) -> V {
        let ev = self.res_eval(inst, r);
        let Some(it) = ev.iters.get(k) else {
            return V::unknown("no such resource instance", None);
        };
        if let Some(b) = it.body.borrow().as_ref() {
            return b.clone();
        }
        let st = self.inst(inst);
        let key = format!("b:{r}:{k}");
        let unit = self.unit(inst);
        let decl = &unit.resources[r].decl;
        if !st.busy.borrow_mut().insert(key.clone()) {
            return V::unknown(
                format!("resource '{}' refers to its own properties", decl.name.text),
                Some(decl.span),
            );
        }
        let body = match body_object(&decl.body) {
            Some(Expr {
                kind: ExprKind::Object(items),
                span,
            }) => self.object(
                &it.env,
                items,
                Some(*span),
                &["parent", "scope", "dependsOn"],
            ),
            _ => V::unknown("the resource body is not an object", Some(decl.span)),
        };
        st.busy.borrow_mut().remove(&key);
        *it.body.borrow_mut() = Some(body.clone());
        body
    }

    /// Which resource (and which of its iterations) an expression names, if it names one.
    fn res_target(&self, env: &Env, e: &Expr) -> Option<Target3> {
        match &e.kind {
            ExprKind::Ident(n) => {
                if env.local(n).is_some() {
                    return None;
                }
                let unit = self.unit(env.inst);
                if let Some(r) = self.nested_named(unit, env.res_ctx, n) {
                    return Some((env.inst, r, Sel::All));
                }
                match unit.top.get(&**n) {
                    Some(Sym::Resource(r)) => Some((env.inst, *r, Sel::All)),
                    _ => None,
                }
            }
            ExprKind::Paren(x) | ExprKind::NonNull(x) => self.res_target(env, x),
            ExprKind::Index { base, index, .. } => {
                let (i, r, sel) = self.res_target(env, base)?;
                if !matches!(sel, Sel::All) || !self.res_eval(i, r).looped {
                    return None;
                }
                let k = self.expr(env, index).as_i64()?;
                Some((i, r, Sel::One(usize::try_from(k).ok()?)))
            }
            ExprKind::Child { base, name } => {
                let (i, p, sel) = self.res_target(env, base)?;
                let unit = self.unit(i);
                let c = *unit.resources[p]
                    .children
                    .iter()
                    .find(|c| *unit.resources[**c].decl.name.text == *name.text)?;
                let pk = match sel {
                    Sel::One(k) => k,
                    _ => 0,
                };
                // The child's iteration that belongs to the parent's iteration `pk`.
                let ce = self.res_eval(i, c);
                let k = ce
                    .iters
                    .iter()
                    .position(|it| it.parent_iter.unwrap_or(0) == pk)?;
                if ce.looped {
                    Some((i, c, Sel::All))
                } else {
                    Some((i, c, Sel::One(k)))
                }
            }
            _ => None,
        }
    }

    fn resource_index(
        &self,
        env: &Env,
        base: &Expr,
        index: &Expr,
        site: Option<Span>,
    ) -> Option<V> {
        let (i, r, Sel::All) = self.res_target(env, base)? else {
            return None;
        };
        if !self.res_eval(i, r).looped {
            return None;
        }
        let k = self.expr(env, index);
        match k.as_i64().and_then(|k| usize::try_from(k).ok()) {
            Some(k) => Some(self.target_value(&(i, r, Sel::One(k)), site)),
            None => Some(functions::unknown_from(&k, site)),
        }
    }

    /// `id`, `name`, `type`, `apiVersion` of a resource reference, from its identity alone.
    fn identity_member(&self, t: &Target3, member: &str, site: Option<Span>) -> Option<V> {
        let (inst, r, sel) = *t;
        let ev = self.res_eval(inst, r);
        let k = match sel {
            Sel::One(k) => k,
            Sel::All if !ev.looped => 0,
            Sel::All => return None,
        };
        if k >= ev.iters.len() {
            return Some(match &ev.unknown {
                Some(u) => functions::unknown_from(u, site),
                None => V::unknown(format!("index {k} is out of range"), site),
            });
        }
        let ident = self.res_ident(inst, r, k);
        match member {
            "id" => Some(id_of(&ident, site)),
            // `.name` is the name as written (the last segment for a child).
            "name" => Some(self.own_name(inst, r, &ev.iters[k], site).at(site)),
            "type" => Some(V::str(ident.rtype.clone(), site)),
            "apiVersion" => Some(match &ident.api {
                Some(a) => V::str(a.clone(), site),
                None => V::unknown("the resource has no API version", site),
            }),
            _ => None,
        }
    }

    /// The value of a resource reference: the declared body with `id`, `type`, `apiVersion`
    /// (an array for a loop without an index).
    fn target_value(&self, t: &Target3, site: Option<Span>) -> V {
        let (inst, r, sel) = *t;
        let ev = self.res_eval(inst, r);
        match sel {
            Sel::All if ev.looped => {
                if let Some(u) = &ev.unknown {
                    return functions::unknown_from(u, site);
                }
                let items = (0..ev.iters.len())
                    .map(|k| self.ref_value(inst, r, k, site))
                    .collect();
                V::arr(items, site)
            }
            Sel::All => self.ref_value(inst, r, 0, site),
            Sel::One(k) => self.ref_value(inst, r, k, site),
        }
    }

    fn ref_value(&self, inst: usize, r: usize, k: usize, site: Option<Span>) -> V {
        let ev = self.res_eval(inst, r);
        if k >= ev.iters.len() {
            return match &ev.unknown {
                Some(u) => functions::unknown_from(u, site),
                None => V::unknown(format!("index {k} is out of range"), site),
            };
        }
        let unit = self.unit(inst);
        let decl = &unit.resources[r].decl;
        let ident = self.res_ident(inst, r, k);
        let id = id_of(&ident, site);
        let mut v = if decl.existing {
            let why = format!(
                "the properties of existing resource '{}' are only known at deployment",
                decl.name.text
            );
            let mut o = V::obj(Vec::new(), site);
            for p in ["properties", "location", "sku", "zones", "tags", "kind"] {
                o.set(p, V::unknown(why.clone(), site));
            }
            let name = self
                .identity_member(&(inst, r, Sel::One(k)), "name", site)
                .unwrap_or_else(|| V::unknown("no name", site));
            o.set("name", name);
            o
        } else {
            let mut b = self.res_body(inst, r, k);
            crate::model::arm_body::add_child_ids(&mut b, &ident.rtype, &id);
            b
        };
        v.set("id", id);
        v.set("type", V::str(ident.rtype.clone(), site));
        if let Some(a) = &ident.api {
            v.set("apiVersion", V::str(a.clone(), site));
        }
        v.span = site;
        v
    }

    // ---- modules ------------------------------------------------------------------------

    fn mod_eval(&self, inst: usize, m: usize) -> Rc<ModEval> {
        let st = self.inst(inst);
        if let Some(e) = st.mods.borrow().get(&m) {
            return e.clone();
        }
        let unit = self.unit(inst);
        let Some(DeclKind::Module { body, .. }) = unit
            .file
            .as_ref()
            .and_then(|f| f.decls.get(m))
            .map(|d| &d.kind)
        else {
            return Rc::new(ModEval {
                looped: false,
                iters: Vec::new(),
                unknown: None,
            });
        };
        let key = format!("m:{m}");
        if !st.busy.borrow_mut().insert(key.clone()) {
            return Rc::new(ModEval {
                looped: false,
                iters: Vec::new(),
                unknown: Some(V::unknown("the module depends on itself", None)),
            });
        }
        let (looped, list, unknown) = self.iterate(&Env::top(inst), body);
        let ev = Rc::new(ModEval {
            looped,
            iters: list
                .into_iter()
                .map(|(env, cond, _)| ModIter {
                    env,
                    cond,
                    result: RefCell::new(None),
                })
                .collect(),
            unknown,
        });
        st.busy.borrow_mut().remove(&key);
        st.mods.borrow_mut().insert(m, ev.clone());
        ev
    }

    /// `{ name, outputs }` of one module instance, deploying it (once) on first use.
    fn mod_result(&self, inst: usize, m: usize, k: usize) -> V {
        let ev = self.mod_eval(inst, m);
        let Some(it) = ev.iters.get(k) else {
            return V::unknown("no such module instance", None);
        };
        if let Some(v) = it.result.borrow().as_ref() {
            return v.clone();
        }
        let st = self.inst(inst);
        let key = format!("mr:{m}:{k}");
        if !st.busy.borrow_mut().insert(key.clone()) {
            return V::unknown("the module's outputs depend on themselves", None);
        }
        let v = self.deploy_module(inst, m, it);
        st.busy.borrow_mut().remove(&key);
        *it.result.borrow_mut() = Some(v.clone());
        v
    }

    fn deploy_module(&self, inst: usize, m: usize, it: &ModIter) -> V {
        let unit = self.unit(inst);
        let Some(DeclKind::Module {
            name: sym,
            path,
            path_span,
            body,
        }) = unit
            .file
            .as_ref()
            .and_then(|f| f.decls.get(m))
            .map(|d| &d.kind)
        else {
            return V::unknown("not a module", None);
        };
        let site = Some(sym.span);
        let obj = body_object(body);
        let prop = |k: &str| obj.and_then(|o| object_prop(o, k));
        let name = prop("name")
            .map(|e| self.expr(&it.env, e))
            .unwrap_or_else(|| V::str(sym.text.clone(), site));
        let result = |outputs: V| {
            V::obj(
                vec![
                    (Key::new("name", site), name.clone()),
                    (Key::new("outputs", site), outputs),
                ],
                site,
            )
        };
        if it.cond == Some(false) {
            return result(V::unknown(
                format!(
                    "module '{}' is not deployed (its condition is false)",
                    sym.text
                ),
                site,
            ));
        }
        let target = unit.modules.get(&m).cloned();
        let fid = match target {
            Some(Target::Local(f)) => f,
            Some(Target::Registry(p)) => {
                let apim_input = prop("params").is_some_and(|ps| {
                    object_prop(ps, "publisherEmail").is_some()
                        || object_prop(ps, "publisherName").is_some()
                });
                if crate::model::names_apim(&p) || apim_input {
                    self.unloaded.borrow_mut().push(crate::model::UnloadedApim {
                        module: p.clone(),
                        why: if p.starts_with("ts") {
                            "template spec"
                        } else {
                            "registry module"
                        }
                        .to_string(),
                        at: *path_span,
                        label: sym.text.to_string(),
                    });
                }
                return result(V::unknown(
                    format!("outputs of registry module '{p}' (not loaded)"),
                    site,
                ));
            }
            Some(Target::Json(p)) => {
                return result(V::unknown(
                    format!("outputs of ARM template module '{p}' (not evaluated from Bicep)"),
                    site,
                ))
            }
            Some(Target::Missing(_)) | None => {
                return result(V::unknown(
                    format!("outputs of module '{path}', whose file does not exist"),
                    site,
                ));
            }
        };
        let st = self.inst(inst);
        if st.chain.contains(&fid) {
            let names: Vec<String> = st
                .chain
                .iter()
                .chain(std::iter::once(&fid))
                .filter_map(|f| self.prog.unit(*f))
                .map(|u| {
                    u.path
                        .file_name()
                        .map(|n| n.to_string_lossy().to_string())
                        .unwrap_or_default()
                })
                .collect();
            self.report(
                Severity::Error,
                Some(*path_span),
                format!("module cycle: {}", names.join(" → ")),
                "A Bicep file cannot use itself as a module, directly or through other modules; break the cycle.",
            );
            return result(V::unknown("the module is part of a cycle", site));
        }
        if st.chain.len() >= MAX_MODULE_DEPTH || self.depth.get() + 8 >= MAX_EVAL_DEPTH {
            self.unverifiable(
                Some(*path_span),
                format!(
                    "modules are nested {} levels deep, more than stv2lint follows; this one is not evaluated",
                    st.chain.len()
                ),
                "Flatten the module hierarchy.",
            );
            return result(V::unknown("modules nested too deeply", site));
        }
        if self.prog.unit(fid).and_then(|u| u.file.as_ref()).is_none() {
            return result(V::unknown(
                format!("outputs of module '{path}', which could not be parsed"),
                site,
            ));
        }
        let params = prop("params")
            .map(|e| self.expr(&it.env, e))
            .unwrap_or_else(|| V::obj(Vec::new(), site));
        let mut given = HashMap::new();
        if let VKind::Obj(entries) = &params.kind {
            for (k, v) in entries {
                given.insert(k.name.to_ascii_lowercase(), v.clone());
            }
        }
        let (rg, above) = match prop("scope").map(|e| self.expr(&it.env, e)) {
            Some(sv) => match scope_of(&sv) {
                Some((rg, above)) => (rg, Some(above)),
                None => (st.rg.clone(), Some(st.above_rg)),
            },
            None => (st.rg.clone(), None),
        };
        // A module without a scope deploys to the parent's scope unless its own targetScope
        // says otherwise.
        let above = match above {
            Some(a) => Some(a),
            None => self
                .prog
                .unit(fid)
                .and_then(|u| u.target_scope.as_deref())
                .map(|s| !s.eq_ignore_ascii_case("resourceGroup"))
                .or(Some(st.above_rg)),
        };
        let mut chain = st.chain.clone();
        chain.push(fid);
        let child = self.new_inst(fid, given, rg, above, chain);
        let d = self.depth.get();
        self.depth.set(d + 8);
        self.run(child);
        let outputs = self.outputs(child);
        self.depth.set(d);
        result(outputs)
    }

    fn module_value(&self, inst: usize, m: usize, k: Option<usize>, site: Option<Span>) -> V {
        let ev = self.mod_eval(inst, m);
        match k {
            None if ev.looped => {
                if let Some(u) = &ev.unknown {
                    return functions::unknown_from(u, site);
                }
                V::arr(
                    (0..ev.iters.len())
                        .map(|k| self.mod_result(inst, m, k).at(site))
                        .collect(),
                    site,
                )
            }
            None => self.mod_result(inst, m, 0).at(site),
            Some(k) if k < ev.iters.len() => self.mod_result(inst, m, k).at(site),
            Some(k) => V::unknown(format!("module index {k} is out of range"), site),
        }
    }

    fn outputs(&self, inst: usize) -> V {
        let st = self.inst(inst);
        if let Some(o) = st.outputs.borrow().as_ref() {
            return o.clone();
        }
        let unit = self.unit(inst);
        let mut entries = Vec::new();
        if let Some(f) = &unit.file {
            for d in &f.decls {
                if let DeclKind::Output { name, value } = &d.kind {
                    let v = self.expr(&Env::top(inst), value);
                    entries.push((Key::new(name.text.clone(), Some(name.span)), v));
                }
            }
        }
        let v = V::obj(entries, None);
        *st.outputs.borrow_mut() = Some(v.clone());
        v
    }

    // ---- calls --------------------------------------------------------------------------

    fn call(
        &self,
        env: &Env,
        target: Option<&Expr>,
        name: &Name,
        args: &[Expr],
        site: Option<Span>,
    ) -> V {
        let fname = &*name.text;
        let unit = self.unit(env.inst);
        if let Some(t) = target {
            match &t.kind {
                ExprKind::Ident(ns) if env.local(ns).is_none() => match unit.top.get(&**ns) {
                    Some(Sym::Namespace(f)) => {
                        return match f.and_then(|f| self.import_inst(f)) {
                            Some(ii) => self.call_in(ii, env, name, args, site),
                            None => V::unknown(
                                format!("{ns}.{fname}() comes from a registry or a missing file"),
                                site,
                            ),
                        };
                    }
                    None if matches!(&**ns, "sys" | "az") => {
                        return self.builtin(env, name, args, site);
                    }
                    _ => {}
                },
                _ => {}
            }
            // A resource method: `kv.getSecret('x')`, `sa.listKeys()`.
            return V::unknown(format!("{fname}() is only known at deployment"), site);
        }
        self.call_in(env.inst, env, name, args, site)
    }

    /// Call `name` as seen from instance `inst` (user functions first, then built-ins);
    /// arguments are evaluated in `env`.
    fn call_in(&self, inst: usize, env: &Env, name: &Name, args: &[Expr], site: Option<Span>) -> V {
        let unit = self.unit(inst);
        match unit.top.get(&*name.text) {
            Some(Sym::Func(i)) => {
                if let Some(DeclKind::Func { lambda, .. }) = unit
                    .file
                    .as_ref()
                    .and_then(|f| f.decls.get(*i))
                    .map(|d| &d.kind)
                {
                    let vals: Vec<V> = args.iter().map(|a| self.expr(env, a)).collect();
                    return self.apply(&Env::top(inst), lambda, vals, site);
                }
            }
            Some(Sym::Imported(Some(f), orig)) => {
                if let Some(ii) = self.import_inst(*f) {
                    let n = Name {
                        text: orig.clone(),
                        span: name.span,
                    };
                    let iu = self.unit(ii);
                    if matches!(iu.top.get(&**orig), Some(Sym::Func(_))) {
                        return self.call_in(ii, env, &n, args, site);
                    }
                }
            }
            _ => {}
        }
        self.builtin(env, name, args, site)
    }

    fn apply(&self, env: &Env, l: &Lambda, vals: Vec<V>, site: Option<Span>) -> V {
        let binds: Vec<(Shared<str>, V)> =
            l.params.iter().map(|p| p.text.clone()).zip(vals).collect();
        let _ = site;
        self.expr(&env.bind(&binds), &l.body)
    }

    fn builtin(&self, env: &Env, name: &Name, args: &[Expr], site: Option<Span>) -> V {
        let lname = name.text.to_ascii_lowercase();
        match lname.as_str() {
            "map" | "filter" | "reduce" | "sort" | "toobject" | "groupby" | "mapvalues" => {
                return self.lambda_fn(env, &lname, args, site)
            }
            // `nameof(x.y.z)` is the last name of the expression as written.
            "nameof" => {
                return match args.first().map(|a| &a.kind) {
                    Some(ExprKind::Ident(n)) => V::str(n.clone(), site),
                    Some(ExprKind::Member { name: n, .. }) => V::str(n.text.clone(), site),
                    _ => V::unknown("nameof() needs a symbol or a property", site),
                }
            }
            _ => {}
        }
        let vals: Vec<V> = args.iter().map(|a| self.expr(env, a)).collect();
        match lname.as_str() {
            "any" => {
                return vals
                    .into_iter()
                    .next()
                    .map(|v| v.at(site))
                    .unwrap_or_else(|| V::unknown("any() needs an argument", site))
            }
            "resourcegroup" => return self.resource_group(env, &vals, site),
            "deployment" => {
                // Bicep reads `deployment().location` in subscription-scope files.
                let mut d = functions::call("deployment", &[], site)
                    .unwrap_or_else(|| V::obj(Vec::new(), site));
                if d.get("location").is_none() {
                    d.set(
                        "location",
                        V::symbolic(
                            "deployment().location is only known at deployment",
                            "deployment().location",
                            site,
                        ),
                    );
                }
                return d;
            }
            "loadtextcontent" | "loadjsoncontent" | "loadyamlcontent" | "loadfileasbase64" => {
                return self.load(env, &lname, args, &vals, site)
            }
            "readenvironmentvariable" => {
                return match vals.get(1) {
                    Some(d) => d.clone().at(site),
                    None => V::unknown(
                        format!(
                            "environment variable {} is read when the parameters are built",
                            vals.first().map(|v| v.show()).unwrap_or_default()
                        ),
                        site,
                    ),
                }
            }
            "getsecret" | "externalinput" | "reference" | "deployer" => {
                return V::unknown(format!("{}() is only known at deployment", name.text), site)
            }
            n if n.starts_with("list") => {
                return V::unknown(format!("{}() is only known at deployment", name.text), site)
            }
            _ => {}
        }
        match functions::call(&name.text, &vals, site) {
            Some(v) => lift_all(v, &vals, |vs| {
                functions::call(&name.text, vs, site).unwrap_or_else(|| V::null(site))
            }),
            // A Bicep function stv2lint does not evaluate: its value is unknown, and says why
            // wherever a check needs it. A name on no list is reported by `program`.
            None if is_known_function(&name.text) => V::unknown(
                format!("function '{}' is not evaluated by stv2lint", name.text),
                site,
            ),
            None => V::unknown(format!("'{}' is not a Bicep function", name.text), site),
        }
    }

    /// `resourceGroup()` is the deployment's group; `resourceGroup('x')` names another.
    fn resource_group(&self, env: &Env, vals: &[V], site: Option<Span>) -> V {
        let mut rg =
            functions::call("resourceGroup", &[], site).unwrap_or(V::obj(Vec::new(), site));
        let name = match vals {
            [] => self.inst(env.inst).rg.clone(),
            [n] | [_, n] => Some(n.clone()),
            _ => None,
        };
        if let Some(n) = name {
            if let Some(text) = n.as_name() {
                rg.set(
                    "id",
                    V::str(
                        format!("/subscriptions/{{subscription}}/resourceGroups/{text}"),
                        site,
                    ),
                );
            }
            rg.set("name", n);
        }
        rg.set("type", V::str(resource_group_type(), site));
        rg
    }

    fn load(&self, env: &Env, lname: &str, args: &[Expr], vals: &[V], site: Option<Span>) -> V {
        let unit = self.unit(env.inst);
        let Some(ExprKind::Str(p)) = args.first().map(|a| &a.kind) else {
            return V::unknown(format!("{lname}() needs a literal path"), site);
        };
        match unit.loads.get(&**p) {
            _ if lname == "loadfileasbase64" => {
                V::unknown(format!("{lname}() content is not evaluated"), site)
            }
            Some(Loaded::File(fid)) => self.loaded_value(*fid, lname, vals.get(1), site),
            _ => V::unknown(format!("file '{p}' could not be read"), site),
        }
    }

    fn loaded_value(&self, fid: FileId, lname: &str, path: Option<&V>, site: Option<Span>) -> V {
        let text = &self.sources.get(fid).text;
        match lname {
            "loadtextcontent" => V::str(text.as_str(), site),
            "loadjsoncontent" => match crate::frontend::json::parse(text, fid) {
                Ok(p) => {
                    let mut v = p.value;
                    if let Some(jp) = path.and_then(|p| p.as_str()) {
                        for part in jp
                            .trim_start_matches('$')
                            .split('.')
                            .filter(|s| !s.is_empty())
                        {
                            v = member_value(&v, part, false, site);
                        }
                    }
                    v
                }
                Err(e) => V::unknown(format!("the loaded JSON is invalid: {}", e.message), site),
            },
            _ => V::unknown(format!("{lname}() content is not evaluated"), site),
        }
    }

    fn lambda_fn(&self, env: &Env, name: &str, args: &[Expr], site: Option<Span>) -> V {
        let lambda_at = |i: usize| -> Option<&Rc<Lambda>> {
            match args.get(i).map(|a| &a.kind) {
                Some(ExprKind::Lambda(l)) => Some(l),
                _ => None,
            }
        };
        let Some(input) = args.first().map(|a| self.expr(env, a)) else {
            return V::unknown(format!("{name}() without arguments"), site);
        };
        let (at, init) = match name {
            "reduce" => (2, args.get(1).map(|a| self.expr(env, a))),
            _ => (1, None),
        };
        let first = lambda_at(at);
        let second = lambda_at(2).filter(|_| name == "toobject");
        let f1 = first.map(|l| move |vals| self.apply(env, l, vals, site));
        let f2 = second.map(|l| move |vals| self.apply(env, l, vals, site));
        lambda::call(
            name,
            &input,
            init,
            f1.as_ref().map(|f| f as lambda::Lambda),
            f2.as_ref().map(|f| f as lambda::Lambda),
            site,
        )
    }
}

/// Functions this evaluator implements itself (beyond the ARM library): lambda functions,
/// file loading, scope functions with arguments, and deployment-time-only values.
pub const BICEP_FUNCTIONS: &[&str] = &[
    "nameof",
    "map",
    "filter",
    "reduce",
    "sort",
    "toobject",
    "groupby",
    "mapvalues",
    "any",
    "resourcegroup",
    "deployment",
    "loadtextcontent",
    "loadjsoncontent",
    "loadyamlcontent",
    "loadfileasbase64",
    "readenvironmentvariable",
    "getsecret",
    "externalinput",
    "reference",
    "deployer",
];

/// Bicep's functions (namespaces `sys` and `az`), as documented (see the file's header).
pub const BICEP_NAMES: &str = include_str!("function_names.txt");

/// Whether Bicep itself knows a function by this name (it is on the documented list), whether
/// or not stv2lint evaluates it: one it does not evaluate only gives unknown values.
pub fn is_known_function(name: &str) -> bool {
    crate::frontend::arm::builtins::on_list(BICEP_NAMES, name)
}

/// Whether stv2lint evaluates a built-in call by this name (itself or by the ARM library).
pub fn is_evaluated_function(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    BICEP_FUNCTIONS.contains(&l.as_str())
        || l.starts_with("list")
        || functions::call(name, &[], None).is_some()
}

/// (instance, resource index, which iterations).
type Target3 = (usize, usize, Sel);

#[derive(Clone, Copy, Debug)]
enum Sel {
    All,
    One(usize),
}

fn unknown_ident() -> Ident {
    Ident {
        rtype: String::new(),
        api: None,
        api_span: Span::new(FileId(0), 0, 0),
        names: vec![V::unknown("the resource refers to itself", None)],
        rg: None,
        above_rg: false,
    }
}

fn and3(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

/// A binary operator on two values (the left side did not decide alone).
fn binop(op: BinOp, x: &V, y: &V, site: Option<Span>) -> V {
    match op {
        BinOp::And | BinOp::Or => {
            let want = op == BinOp::Or;
            match (bool_of(x), bool_of(y)) {
                (Some(v), _) if v == want => V::bool(want, site),
                (_, Some(v)) if v == want => V::bool(want, site),
                (Some(_), Some(_)) => V::bool(!want, site),
                (None, _) => functions::unknown_from(x, site),
                (_, None) => functions::unknown_from(y, site),
            }
        }
        BinOp::Coalesce => match &x.kind {
            VKind::Null => y.clone().at(site),
            _ => x.clone().at(site),
        },
        BinOp::Eq | BinOp::Ne => match x.same(y) {
            Some(s) => V::bool(s == (op == BinOp::Eq), site),
            None => unknown2(x, y, site),
        },
        BinOp::EqI | BinOp::NeI => {
            let s = match (&x.kind, &y.kind) {
                (VKind::Str(p), VKind::Str(q)) => Some(p.eq_ignore_ascii_case(q)),
                _ => x.same(y),
            };
            match s {
                Some(s) => V::bool(s == (op == BinOp::EqI), site),
                None => unknown2(x, y, site),
            }
        }
        _ => {
            let fname = match op {
                BinOp::Lt => "less",
                BinOp::Le => "lessOrEquals",
                BinOp::Gt => "greater",
                BinOp::Ge => "greaterOrEquals",
                BinOp::Add => "add",
                BinOp::Sub => "sub",
                BinOp::Mul => "mul",
                BinOp::Div => "div",
                _ => "mod",
            };
            functions::call(fname, &[x.clone(), y.clone()], site)
                .unwrap_or_else(|| unknown2(x, y, site))
        }
    }
}

fn bool_of(v: &V) -> Option<bool> {
    match &v.kind {
        VKind::Bool(b) => Some(*b),
        _ => None,
    }
}

fn unknown2(a: &V, b: &V, site: Option<Span>) -> V {
    if a.find_unknown().is_some() {
        functions::unknown_from(a, site)
    } else {
        functions::unknown_from(b, site)
    }
}

/// The value of `name: …` in a body object, without evaluating the rest.
pub fn object_prop<'a>(obj: &'a Expr, key: &str) -> Option<&'a Expr> {
    let ExprKind::Object(items) = &obj.kind else {
        return None;
    };
    items.iter().rev().find_map(|it| match it {
        ObjItem::Prop {
            key: ObjKey {
                name: KeyName::Lit(k),
                ..
            },
            value,
            ..
        } if k.eq_ignore_ascii_case(key) => Some(value),
        _ => None,
    })
}

/// `'vnet/subnet'` written as one name counts as two segments (also `'${nsg.name}/rule'`
/// when the NSG's name is symbolic).
fn split_name(v: &V) -> Vec<V> {
    match &v.kind {
        VKind::Unknown(Unknown {
            sym: Some(s),
            reason,
            ..
        }) if s.contains('/') => s
            .split('/')
            .map(|p| {
                let mut x = V::symbolic(reason.clone(), p, v.span);
                x.origin = v.origin;
                x
            })
            .collect(),
        VKind::Str(s) if s.contains('/') => s
            .split('/')
            .map(|p| {
                let mut x = V::str(p, v.span);
                x.origin = v.origin;
                x
            })
            .collect(),
        _ => vec![v.clone()],
    }
}

fn looks_full_type(t: &str) -> bool {
    t.split('/').next().is_some_and(|ns| ns.contains('.'))
}

/// Names joined by `/`: a string, a symbolic name, or unknown.
fn full_name(names: &[V]) -> V {
    let span = names.last().and_then(|n| n.span);
    let mut text = String::new();
    let mut reason: Option<Shared<str>> = None;
    for (i, n) in names.iter().enumerate() {
        if i > 0 {
            text.push('/');
        }
        match &n.kind {
            VKind::Str(s) => text.push_str(s),
            VKind::Unknown(Unknown {
                sym: Some(s),
                reason: r,
                ..
            }) => {
                text.push_str(s);
                reason.get_or_insert(r.clone());
            }
            _ => return functions::unknown_from(n, span),
        }
    }
    let mut v = match reason {
        Some(r) => V::symbolic(r, text, span),
        None => V::str(text, span),
    };
    v.origin = names.last().and_then(|n| n.origin);
    v
}

/// The ARM id of a resource: `/subscriptions/…/resourceGroups/…/providers/ns/t1/n1/t2/n2`.
fn id_of(ident: &Ident, site: Option<Span>) -> V {
    let types = ident.rtype.split('/').count().saturating_sub(1);
    if types == 0 || ident.names.len() < types {
        // A name path shorter than the type (a child without its parent): cannot build it.
        if ident.names.len() != types {
            return V::unknown(
                format!(
                    "cannot build the id of a '{}' from {} name segment(s)",
                    ident.rtype,
                    ident.names.len()
                ),
                site,
            );
        }
    }
    let mut names = Vec::with_capacity(types);
    for n in ident.names.iter().take(types) {
        let Some(text) = n.as_name() else {
            return functions::unknown_from(n, site);
        };
        names.push(text);
    }
    let path = crate::model::ident::providers_path(&ident.rtype, &names);
    let id = if ident.above_rg && ident.rg.is_none() {
        format!("/subscriptions/{{subscription}}/providers/{path}")
    } else {
        let rg = ident
            .rg
            .as_ref()
            .and_then(|r| r.as_str())
            .unwrap_or("{resourceGroup}");
        format!("/subscriptions/{{subscription}}/resourceGroups/{rg}/providers/{path}")
    };
    V::str(id, site)
}

/// An identity from an id value (`parent: someParam` is rare, but ids always parse).
fn ident_from_id(v: &V) -> Option<Rc<Ident>> {
    let id = v.as_name()?;
    let key = crate::model::ResKey::from_id(id)?;
    // Keep the original casing of names from the id text.
    let lower = id.to_ascii_lowercase();
    let p = lower.rfind("/providers/")? + "/providers/".len();
    let segs: Vec<&str> = id[p..].split('/').filter(|s| !s.is_empty()).collect();
    let mut types = vec![segs.first()?.to_string()];
    let mut names = Vec::new();
    for pair in segs.get(1..)?.chunks(2) {
        if let [t, n] = pair {
            types.push(t.to_string());
            names.push(V::str(*n, v.span));
        }
    }
    Some(Rc::new(Ident {
        rtype: types.join("/"),
        api: None,
        api_span: v.span.unwrap_or(Span::new(FileId(0), 0, 0)),
        names,
        rg: key.rg.map(|r| V::str(r, v.span)),
        above_rg: false,
    }))
}

/// `(resource group name, above a resource group)` of a `scope:` value; `None` when the scope
/// is another resource (extension resources) and the deployment's group applies.
fn scope_of(v: &V) -> Option<(Option<V>, bool)> {
    let t = v.get("type").and_then(|t| t.as_str()).unwrap_or("");
    if t.eq_ignore_ascii_case(resource_group_type()) {
        let name = v.get("name").cloned();
        let known = name.filter(|n| n.as_str().is_some());
        return Some((known, false));
    }
    // `subscription()`, `managementGroup()`, `tenant()`: above any resource group.
    if v.get("subscriptionId").is_some() || (v.get("tenantId").is_some() && v.get("id").is_none()) {
        return Some((None, true));
    }
    None
}

/// One step of a by-reference walk: the child, or the computed value the walk ends in.
fn step_member<'a>(v: &'a V, name: &str, safe: bool, site: Option<Span>) -> Result<&'a V, V> {
    match &v.kind {
        VKind::Obj(_) => v.get(name).ok_or_else(|| member_value(v, name, safe, site)),
        _ => Err(member_value(v, name, safe, site)),
    }
}

fn step_index<'a>(v: &'a V, i: &V, safe: bool, site: Option<Span>) -> Result<&'a V, V> {
    match (&v.kind, &i.kind) {
        (VKind::Arr(items), _) => match i.as_i64().and_then(|x| usize::try_from(x).ok()) {
            Some(x) if x < items.len() && !i.is_unknown() => Ok(&items[x]),
            _ => Err(index_value(v, i, safe, site)),
        },
        (VKind::Obj(_), VKind::Str(k)) => step_member(v, k, safe, site),
        _ => Err(index_value(v, i, safe, site)),
    }
}

/// `v.name` / `v.?name` (per alternative when `v` has alternatives).
fn member_value(v: &V, name: &str, safe: bool, site: Option<Span>) -> V {
    let m = member_plain(v, name, safe, site);
    lift(m, &[v], |x| member_plain(&x[0], name, safe, site))
}

fn member_plain(v: &V, name: &str, safe: bool, site: Option<Span>) -> V {
    match &v.kind {
        VKind::Obj(_) => match v.get(name) {
            Some(x) => x.clone(),
            None if safe => V::null(site),
            None => V::unknown(format!("property '{name}' is not set"), site),
        },
        VKind::Null if safe => V::null(site),
        VKind::Unknown(u) => match &u.sym {
            Some(s) => V::symbolic(u.reason.clone(), format!("{s}.{name}"), site),
            None => v.clone(),
        },
        _ => V::unknown(format!("cannot read '{name}' of {}", v.show()), site),
    }
}

/// `v[i]` / `v[?i]` (per alternative when `v` or `i` has alternatives).
fn index_value(v: &V, i: &V, safe: bool, site: Option<Span>) -> V {
    let x = index_plain(v, i, safe, site);
    lift(x, &[v, i], |a| index_plain(&a[0], &a[1], safe, site))
}

fn index_plain(v: &V, i: &V, safe: bool, site: Option<Span>) -> V {
    match (&v.kind, &i.kind) {
        (VKind::Null, _) if safe => V::null(site),
        (VKind::Unknown(_), _) => functions::unknown_from(v, site),
        (_, VKind::Unknown(_)) => functions::unknown_from(i, site),
        (VKind::Arr(items), _) => match i.as_i64().and_then(|x| usize::try_from(x).ok()) {
            Some(x) if x < items.len() => items[x].clone(),
            _ if safe => V::null(site),
            _ => V::unknown(format!("index {} is out of range", i.show()), site),
        },
        (VKind::Obj(_), VKind::Str(k)) => member_plain(v, k, safe, site),
        _ => V::unknown(format!("cannot index {} with {}", v.show(), i.show()), site),
    }
}
