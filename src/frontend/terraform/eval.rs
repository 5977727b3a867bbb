//! Terraform's evaluation, with unknowns. hcl-rs's evaluator stops at the first unknown; this one
//! carries unknowns through every operator and function, as `terraform plan` does.
//!
//! Everything is lazy and memoised per module instance: a variable, local, resource, module call
//! or output is evaluated the first time something refers to it. A reference that comes back to
//! itself (a cycle) is unknown. Module instances are created the first time their call is
//! looked at, so `count` and `for_each` of a module may depend on other modules' outputs.

use super::ast::*;
use super::functions;
use super::modules::{resolve_source, Loader, Module, Source};
use crate::frontend::kernel::budget::{self, Budget};
use crate::model::value::{choice_name, choose, lift, lift_all};
use crate::model::Shared;
use crate::model::{Key, TextBuilder, Unknown, VKind, Workspace, V};
use crate::source::Span;
use std::collections::HashMap;
use std::path::PathBuf;
use std::rc::Rc;

/// Nesting of expression evaluation (expressions inside references inside expressions…).
const MAX_DEPTH: usize = 150;
/// Splat operators in one reference (`a[*][*]…`).
const MAX_SPLATS: usize = 64;
/// Module calls inside module calls.
const MAX_MODULE_DEPTH: usize = 24;
/// Instances per resource or module beyond which `count` is not expanded.
const MAX_INSTANCES: i64 = 4096;
// Steps, value sizes, loop items and text are charged to the root's kernel budget
// (`frontend::kernel::budget`): hostile input (nested `for` over `range`, values doubling
// through locals) cannot exhaust time or memory.

enum Memo {
    Pending,
    Done(Rc<V>),
}

/// How a resource or module call was expanded.
#[derive(Clone, Debug)]
pub enum Shape {
    Single,
    List,
    Map,
    /// `count`/`for_each` is unknown: one instance stands for all of them.
    Unknown(Shared<str>),
}

pub struct Item {
    /// `""`, `[0]`, `["key"]`, `[?]`.
    pub suffix: String,
    pub key: V,
    pub value: Rc<V>,
}

pub struct ResSet {
    pub shape: Shape,
    pub items: Vec<Item>,
}

enum Target {
    Inst(usize),
    /// A module that is not loaded: every output is a stable unknown.
    Opaque(V),
}

struct CallItem {
    suffix: String,
    key: V,
    target: Target,
}

struct CallSet {
    shape: Shape,
    items: Vec<CallItem>,
}

enum SetMemo<T> {
    Pending,
    Done(Rc<T>),
}

/// Memo look-up for a declaration's instance set: the finished set, or — while it is being
/// computed — an empty set of unknown shape (`why`), so a self-reference ends instead of looping.
/// `None` marks the entry pending: the caller computes it and stores `Done`.
fn memo_begin<T>(
    memo: &mut HashMap<usize, SetMemo<T>>,
    key: usize,
    why: &str,
    empty: impl FnOnce(Shape) -> T,
) -> Option<Rc<T>> {
    match memo.get(&key) {
        Some(SetMemo::Done(s)) => Some(s.clone()),
        Some(SetMemo::Pending) => Some(Rc::new(empty(Shape::Unknown(why.into())))),
        None => {
            memo.insert(key, SetMemo::Pending);
            None
        }
    }
}

/// Where a module instance was called from, with the call's `each`/`count`.
pub struct Site {
    pub parent: usize,
    pub call: usize,
    pub scope: Scope,
}

/// Where a root module's variable value comes from.
pub enum Input {
    /// A tfvars entry.
    Expr(Expr),
    /// `--var NAME=VALUE`: a string, or HCL when the variable's type is not `string`.
    Cli(String),
}

pub struct Inst {
    pub module: Rc<Module>,
    /// `module.a.module.b["x"]`; empty for a root module.
    pub addr: String,
    pub site: Option<Site>,
    /// The root instance of this tree.
    pub root: usize,
    /// Root modules: values from tfvars files and the command line (later ones win).
    pub inputs: HashMap<Shared<str>, Input>,
    /// Directories from the root down to this instance (cycle detection).
    pub dirs: Vec<PathBuf>,
    /// The evaluation budget of this root's tree (kept on the root instance).
    pub budget: Rc<Budget>,
    vars: HashMap<Shared<str>, Memo>,
    locals: HashMap<Shared<str>, Memo>,
    outputs: HashMap<Shared<str>, Memo>,
    res: HashMap<usize, SetMemo<ResSet>>,
    calls: HashMap<usize, SetMemo<CallSet>>,
}

/// Variables bound by `for`, `count`, `each` and `dynamic` iterators.
#[derive(Clone)]
pub struct Scope {
    pub inst: usize,
    frame: Option<Rc<Frame>>,
}

struct Frame {
    name: Shared<str>,
    val: V,
    next: Option<Rc<Frame>>,
}

impl Scope {
    pub fn new(inst: usize) -> Scope {
        Scope { inst, frame: None }
    }
    pub fn with(&self, name: &str, val: V) -> Scope {
        Scope {
            inst: self.inst,
            frame: Some(Rc::new(Frame {
                name: name.into(),
                val,
                next: self.frame.clone(),
            })),
        }
    }
    fn get(&self, name: &str) -> Option<&V> {
        let mut f = self.frame.as_deref();
        while let Some(fr) = f {
            if &*fr.name == name {
                return Some(&fr.val);
            }
            f = fr.next.as_deref();
        }
        None
    }
}

/// (id, value) of every declared instance of one resource type.
type Declared = Vec<(String, Rc<V>)>;

/// Computes the attributes the provider adds (`id`, …) to an evaluated resource.
pub type Computed = fn(rtype: &str, data: bool, body: &mut V, label: &str);

pub struct Eval<'w> {
    pub ws: &'w mut Workspace,
    pub loader: Loader,
    pub insts: Vec<Inst>,
    depth: usize,
    /// Incremented for every evaluation error; `try` and `can` compare it.
    pub errors: u64,
    computed: Computed,
    /// Data-source lookups: resource type → (id, value) of every declared instance.
    declared: HashMap<String, Rc<Declared>>,
    declaring: bool,
    /// Every module instance exists (after [`Eval::instantiate_all`]); before that, lookups
    /// over all instances are not cached.
    complete: bool,
}

/// A key of `count` or `for_each` as it appears in an address.
fn suffix_of(key: &V) -> String {
    match &key.kind {
        VKind::Int(i) => format!("[{i}]"),
        VKind::Str(s) => format!("[\"{s}\"]"),
        _ => "[?]".to_string(),
    }
}

/// Symbols go into resource ids, which are split at `/`.
pub fn sym_clean(s: &str) -> String {
    s.replace('/', "_")
}

pub fn sym_ref(path: &str) -> String {
    format!("${{{}}}", sym_clean(path))
}

/// `${a.b}` + `.c` → `${a.b.c}`.
fn extend_sym(sym: &str, suffix: &str) -> Shared<str> {
    if let Some(inner) = sym.strip_prefix("${").and_then(|s| s.strip_suffix('}')) {
        if !inner.contains("${") {
            return format!("${{{}{}}}", inner, sym_clean(suffix)).into();
        }
    }
    format!("{sym}{}", sym_clean(suffix)).into()
}

impl<'w> Eval<'w> {
    pub fn new(ws: &'w mut Workspace, loader: Loader, computed: Computed) -> Eval<'w> {
        Eval {
            ws,
            loader,
            insts: Vec::new(),
            depth: 0,
            errors: 0,
            computed,
            declared: HashMap::new(),
            declaring: false,
            complete: false,
        }
    }

    /// An unknown caused by an error in the code (or in our support for it).
    pub fn err(&mut self, reason: impl Into<Shared<str>>, span: Span) -> V {
        self.errors += 1;
        V::unknown(reason, Some(span))
    }

    pub fn add_root(&mut self, module: Rc<Module>, inputs: HashMap<Shared<str>, Input>) -> usize {
        let id = self.insts.len();
        let dir = module.dir.clone();
        self.insts.push(Inst {
            module,
            addr: String::new(),
            site: None,
            root: id,
            inputs,
            dirs: vec![dir],
            budget: Budget::new(),
            vars: HashMap::new(),
            locals: HashMap::new(),
            outputs: HashMap::new(),
            res: HashMap::new(),
            calls: HashMap::new(),
        });
        id
    }

    // -----------------------------------------------------------------------------------------
    // Expressions

    pub fn eval(&mut self, e: &Expr, sc: &Scope) -> V {
        let Some(b) = self.insts.get(sc.inst).map(|i| i.budget.clone()) else {
            return V::unknown("internal: no module instance", Some(e.span));
        };
        if !b.deeper(self.depth, MAX_DEPTH) {
            return self.err("the expression is nested too deeply to evaluate", e.span);
        }
        // Function libraries charge the budget of the root being evaluated.
        budget::activate(&b);
        if !b.step() {
            return b.unknown(Some(e.span));
        }
        self.depth += 1;
        let v = self.eval_inner(e, sc);
        self.depth -= 1;
        // Collections are where values grow (`for`, function calls, literals that repeat a
        // large value): keep each below a size that a linter can afford.
        // References and calls, where values are copied or computed, are also charged to the
        // root's budget.
        match e.kind {
            ExprKind::Arr(_) | ExprKind::Obj(_) | ExprKind::For(_) => b.check(v),
            ExprKind::Call(..) | ExprKind::Var(_) | ExprKind::Trav(..) => b.value(v),
            _ => v,
        }
    }

    fn eval_inner(&mut self, e: &Expr, sc: &Scope) -> V {
        let span = Some(e.span);
        match &e.kind {
            ExprKind::Null => V::null(span),
            ExprKind::Bool(b) => V::bool(*b, span),
            ExprKind::Int(i) => V::int(*i, span),
            ExprKind::Float(f) => V::new(VKind::Float(*f), span),
            ExprKind::Str(s) => V::str(s.clone(), span),
            ExprKind::Template(parts) => {
                if let [TPart::Interp(x)] = parts.as_slice() {
                    // A lone interpolation yields its value unconverted.
                    return self.eval(x, sc).at(span);
                }
                self.template(parts, sc, e.span)
            }
            ExprKind::Arr(items) => V::arr(items.iter().map(|x| self.eval(x, sc)).collect(), span),
            ExprKind::Obj(entries) => {
                let mut out: Vec<(Key, V)> = Vec::with_capacity(entries.len());
                for (k, x) in entries {
                    let key = match k {
                        ObjKey::Name(n, ks) => Key::new(n.clone(), Some(*ks)),
                        ObjKey::Expr(ke) => {
                            let kv = self.eval(ke, sc);
                            match key_text(&kv) {
                                Some(t) => Key::new(t, Some(ke.span)),
                                None => {
                                    return V::unknown(
                                        format!(
                                            "an object key is unknown: {}",
                                            reason_of(&kv).unwrap_or("not a string")
                                        ),
                                        span,
                                    )
                                }
                            }
                        }
                    };
                    let val = self.eval(x, sc);
                    if let Some(slot) = out.iter_mut().find(|(k, _)| k.name == key.name) {
                        slot.1 = val;
                    } else {
                        out.push((key, val));
                    }
                }
                V::obj(out, span)
            }
            ExprKind::Var(name) => self.bare(name, sc, e.span),
            ExprKind::Trav(root, ops) => self.traversal(root, ops, sc, e.span),
            ExprKind::Call(name, args, expand) => self.call(name, args, *expand, sc, e.span),
            ExprKind::Cond(c, t, f) => {
                let cv = self.eval(c, sc);
                match cv.truthy() {
                    _ if cv.is_unknown() => self.cond_unknown(&cv, c, t, f, sc, span),
                    Some(true) if matches!(cv.kind, VKind::Bool(_) | VKind::Str(_)) => {
                        self.eval(t, sc)
                    }
                    Some(false) if matches!(cv.kind, VKind::Bool(_) | VKind::Str(_)) => {
                        self.eval(f, sc)
                    }
                    _ => self.err(
                        format!("a condition must be a bool, found {}", cv.show()),
                        e.span,
                    ),
                }
            }
            ExprKind::Neg(x) => {
                let v = self.eval(x, sc);
                if v.has_alts() {
                    return lift_unary(true, &v, span);
                }
                match &v.kind {
                    VKind::Unknown(_) => unknown_like(&v, span),
                    _ => match num_of(&v) {
                        Some(Num::I(i)) => match i.checked_neg() {
                            Some(n) => V::int(n, span),
                            None => V::new(VKind::Float(-(i as f64)), span),
                        },
                        Some(Num::F(f)) => V::new(VKind::Float(-f), span),
                        None => self.err(format!("cannot negate {}", v.show()), e.span),
                    },
                }
            }
            ExprKind::Not(x) => {
                let v = self.eval(x, sc);
                if v.has_alts() {
                    return lift_unary(false, &v, span);
                }
                match (&v.kind, v.as_bool()) {
                    (VKind::Unknown(_), _) => unknown_like(&v, span),
                    (_, Some(b)) => V::bool(!b, span),
                    _ => self.err(format!("cannot apply ! to {}", v.show()), e.span),
                }
            }
            ExprKind::Bin(op, a, b) => self.binary(*op, a, b, sc, e.span),
            ExprKind::For(f) => self.for_expr(f, sc, e.span),
        }
    }

    /// A template one of whose parts (`part`) has alternatives: evaluated again part by part
    /// when it has only literals and interpolations, else a plain unknown.
    #[inline(never)]
    fn template_alts(&mut self, parts: &[TPart], sc: &Scope, span: Span, part: &V) -> V {
        let plain = unknown_like(part, Some(span));
        if !parts
            .iter()
            .all(|p| matches!(p, TPart::Lit(_) | TPart::Interp(_)))
        {
            return plain;
        }
        let vals: Vec<V> = parts
            .iter()
            .filter_map(|p| match p {
                TPart::Interp(x) => Some(self.eval(x, sc)),
                _ => None,
            })
            .collect();
        lift_all(plain, &vals, |vs| {
            render(parts, vs, span).unwrap_or_else(|(m, _)| V::unknown(m, Some(span)))
        })
    }

    /// `c ? t : f` with `c` (valued `cv`) unknown: both branches, as alternatives.
    #[inline(never)]
    fn cond_unknown(
        &mut self,
        cv: &V,
        c: &Expr,
        t: &Expr,
        f: &Expr,
        sc: &Scope,
        span: Option<Span>,
    ) -> V {
        let tv = self.eval(t, sc);
        let fv = self.eval(f, sc);
        let normal = if tv.same(&fv) == Some(true) {
            tv.clone()
        } else {
            V::unknown(
                format!(
                    "it depends on a condition that is unknown ({})",
                    reason_of(cv).unwrap_or("unknown")
                ),
                span,
            )
        };
        let text = || choice_name(self.ws.sources.get(c.span.file).slice(c.span));
        choose(normal, cv, text, &tv, &fv)
    }

    fn template(&mut self, parts: &[TPart], sc: &Scope, span: Span) -> V {
        let mut b = TextBuilder::default();
        if let Err(v) = self.template_into(parts, sc, span, &mut b) {
            // A part with alternatives (rare): the string per alternative.
            if v.has_alts() {
                return self.template_alts(parts, sc, span, &v);
            }
            return v;
        }
        if !budget::bytes(b.len()) {
            return budget::unknown(Some(span));
        }
        b.finish(Some(span))
    }

    /// Interpolations: a symbolic part links by its placeholder text; an unknown one keeps the
    /// literal text around it (`"${var.ip}/32"` is no service tag).
    fn template_into(
        &mut self,
        parts: &[TPart],
        sc: &Scope,
        span: Span,
        text: &mut TextBuilder,
    ) -> Result<(), V> {
        for p in parts {
            match p {
                TPart::Lit(s) => text.push_str(s),
                TPart::Interp(x) => {
                    let v = self.eval(x, sc);
                    // Text grows piece by piece (in loops too): stop before it outgrows the
                    // unit's budget.
                    if !budget::room(text.len().saturating_add(v.as_name().map_or(0, str::len))) {
                        return Err(budget::unknown(Some(span)));
                    }
                    match &v.kind {
                        VKind::Str(s) => text.push_str(s),
                        VKind::Int(i) => text.push_str(&i.to_string()),
                        VKind::Float(f) => text.push_str(&fmt_float(*f)),
                        VKind::Bool(b) => text.push_str(if *b { "true" } else { "false" }),
                        VKind::Unknown(_) if v.has_alts() => return Err(v),
                        VKind::Unknown(u) => text.push_unknown(u),
                        VKind::Null => {
                            return Err(self.err("a null value cannot be used in a string", x.span))
                        }
                        _ => {
                            return Err(self
                                .err(format!("{} cannot be used in a string", v.show()), x.span))
                        }
                    }
                }
                TPart::If(c, t, f) => {
                    let cv = self.eval(c, sc);
                    match cv.truthy() {
                        None => return Err(unknown_like(&cv, Some(span))),
                        Some(true) => self.template_into(t, sc, span, text)?,
                        Some(false) => self.template_into(f, sc, span, text)?,
                    }
                }
                TPart::For(kv, vv, coll, body) => {
                    let c = self.eval(coll, sc);
                    let Some(pairs) = iter_pairs(&c) else {
                        return Err(unknown_like(&c, Some(span)));
                    };
                    for (k, v) in pairs {
                        let mut inner = sc.with(vv, v);
                        if let Some(kn) = kv {
                            inner = inner.with(kn, k);
                        }
                        self.template_into(body, &inner, span, text)?;
                    }
                }
            }
        }
        Ok(())
    }

    fn binary(&mut self, op: BinOp, a: &Expr, b: &Expr, sc: &Scope, span: Span) -> V {
        let s = Some(span);
        let av = self.eval(a, sc);
        // Short-circuit what is decided by one side.
        if op == BinOp::And && av.as_bool() == Some(false) {
            return V::bool(false, s);
        }
        if op == BinOp::Or && av.as_bool() == Some(true) {
            return V::bool(true, s);
        }
        let bv = self.eval(b, sc);
        let normal = match binop(op, &av, &bv, span) {
            Ok(v) => v,
            Err(msg) => return self.err(msg, span),
        };
        lift(normal, &[&av, &bv], |v| {
            binop(op, &v[0], &v[1], span).unwrap_or_else(|m| V::unknown(m, s))
        })
    }

    fn for_expr(&mut self, f: &ForExpr, sc: &Scope, span: Span) -> V {
        let s = Some(span);
        let coll = self.eval(&f.coll, sc);
        if coll.is_null() {
            return self.err("a for expression over null", span);
        }
        let Some(pairs) = iter_pairs(&coll) else {
            return match &coll.kind {
                VKind::Unknown(_) => unknown_like(&coll, s),
                _ => self.err(format!("cannot iterate over {}", coll.show()), span),
            };
        };
        if !budget::items(pairs.len()) {
            return budget::unknown(s);
        }
        let mut arr = Vec::new();
        let mut obj: Vec<(Key, V)> = Vec::new();
        for (k, v) in pairs {
            let mut inner = sc.with(&f.val_var, v);
            if let Some(kn) = &f.key_var {
                inner = inner.with(kn, k);
            }
            if let Some(c) = &f.cond {
                let cv = self.eval(c, &inner);
                match cv.truthy() {
                    None => return unknown_like(&cv, s),
                    Some(false) => continue,
                    Some(true) => {}
                }
            }
            let val = self.eval(&f.val, &inner);
            match &f.key {
                None => arr.push(val),
                Some(ke) => {
                    let kv = self.eval(ke, &inner);
                    let Some(kt) = key_text(&kv) else {
                        return V::unknown(
                            format!(
                                "a key of a for expression is unknown ({})",
                                reason_of(&kv).unwrap_or("not a string")
                            ),
                            s,
                        );
                    };
                    match obj.iter_mut().find(|(k, _)| *k.name == *kt) {
                        Some(slot) if f.group => {
                            if let VKind::Arr(items) = &mut slot.1.kind {
                                items.push(val);
                            }
                        }
                        Some(slot) => slot.1 = val,
                        None => {
                            let val = if f.group { V::arr(vec![val], s) } else { val };
                            obj.push((Key::new(kt, kv.span), val));
                        }
                    }
                }
            }
        }
        if f.key.is_some() {
            V::obj(obj, s)
        } else {
            V::arr(arr, s)
        }
    }

    fn call(&mut self, name: &str, args: &[Expr], expand: bool, sc: &Scope, span: Span) -> V {
        let s = Some(span);
        match name {
            "try" => {
                for (i, a) in args.iter().enumerate() {
                    let before = self.errors;
                    let v = self.eval(a, sc);
                    if self.errors == before || i + 1 == args.len() {
                        if self.errors != before {
                            return v;
                        }
                        return v.at(s);
                    }
                    self.errors = before;
                }
                return self.err("try() needs at least one argument", span);
            }
            "can" => {
                let Some(a) = args.first() else {
                    return self.err("can() needs an argument", span);
                };
                let before = self.errors;
                let v = self.eval(a, sc);
                if self.errors != before {
                    self.errors = before;
                    return V::bool(false, s);
                }
                if v.is_unknown() {
                    return unknown_like(&v, s);
                }
                return V::bool(true, s);
            }
            _ => {}
        }
        let mut vals: Vec<V> = args.iter().map(|a| self.eval(a, sc)).collect();
        if expand {
            if let Some(last) = vals.pop() {
                match &last.kind {
                    VKind::Arr(items) => vals.extend(items.iter().cloned()),
                    VKind::Unknown(_) => return unknown_like(&last, s),
                    _ => return self.err("only a list can be expanded with ...", span),
                }
            }
        }
        match name {
            "file" | "templatefile" | "filebase64" | "filemd5" | "filesha256" | "fileset" => {
                return V::unknown(format!("{name}() reads files, which is not done"), s)
            }
            "fileexists" => return V::unknown("fileexists() is not evaluated", s),
            _ => {}
        }
        match functions::call(name, &vals, s) {
            Some(Ok(v)) if v.as_str().is_some_and(|t| !budget::bytes(t.len())) => {
                budget::unknown(s)
            }
            Some(Ok(v)) => lift_all(v, &vals, |vs| match functions::call(name, vs, s) {
                Some(Ok(v)) => v,
                _ => V::unknown(format!("{name}() failed on one alternative"), s),
            }),
            Some(Err(msg)) => self.err(msg, span),
            None if name.starts_with("provider::") => V::unknown(
                format!("provider function {name}() is computed by its provider"),
                s,
            ),
            None if functions::is_builtin(name) => {
                V::unknown(format!("function {name}() is not evaluated by stv2lint"), s)
            }
            None => V::unknown(format!("{name}() is not a Terraform function"), s),
        }
    }

    // -----------------------------------------------------------------------------------------
    // References

    fn bare(&mut self, name: &str, sc: &Scope, span: Span) -> V {
        if let Some(v) = sc.get(name) {
            return v.clone().at(Some(span));
        }
        match name {
            "count" | "each" => self.err(format!("`{name}` is not set here"), span),
            "self" => V::unknown("`self` is only known at apply", Some(span)),
            _ => self.err(format!("`{name}` cannot be used on its own here"), span),
        }
    }

    fn traversal(&mut self, root: &Expr, ops: &[Op], sc: &Scope, span: Span) -> V {
        let s = Some(span);
        let mut rest = ops;
        let base: Rc<V> = 'base: {
            let ExprKind::Var(name) = &root.kind else {
                break 'base Rc::new(self.eval(root, sc));
            };
            if let Some(v) = sc.get(name) {
                break 'base Rc::new(v.clone());
            }
            let attr = |i: usize| match ops.get(i) {
                Some(Op::Attr(n, _)) => Some(n.clone()),
                _ => None,
            };
            match &**name {
                "var" => {
                    let Some(n) = attr(0) else {
                        break 'base Rc::new(self.err("`var` needs a variable name", span));
                    };
                    rest = &ops[1..];
                    break 'base self.var_rc(sc.inst, &n, span);
                }
                "local" => {
                    let Some(n) = attr(0) else {
                        break 'base Rc::new(self.err("`local` needs a name", span));
                    };
                    rest = &ops[1..];
                    break 'base self.local_rc(sc.inst, &n, span);
                }
                "module" => {
                    let Some(n) = attr(0) else {
                        break 'base Rc::new(self.err("`module` needs a name", span));
                    };
                    return self.module_ref(sc, &n, &ops[1..], span);
                }
                "data" => {
                    let (Some(t), Some(n)) = (attr(0), attr(1)) else {
                        break 'base Rc::new(self.err("`data` needs a type and a name", span));
                    };
                    let (v, used) = self.resource_rc(sc.inst, true, &t, &n, ops.get(2), sc, span);
                    rest = &ops[2 + used..];
                    break 'base v;
                }
                "path" => {
                    let Some(n) = attr(0) else {
                        break 'base Rc::new(self.err("`path` needs an attribute", span));
                    };
                    rest = &ops[1..];
                    let dir = match &*n {
                        "module" => self.insts[sc.inst].module.dir.clone(),
                        "root" => {
                            let r = self.insts[sc.inst].root;
                            self.insts[r].module.dir.clone()
                        }
                        _ => std::env::current_dir().unwrap_or_default(),
                    };
                    break 'base Rc::new(V::str(dir.to_string_lossy().as_ref(), s));
                }
                "terraform" => {
                    rest = &ops[1.min(ops.len())..];
                    break 'base Rc::new(match attr(0).as_deref() {
                        Some("workspace") => V::str("default", s),
                        _ => V::unknown("terraform.* is not known", s),
                    });
                }
                "count" | "each" | "self" => break 'base Rc::new(self.bare(name, sc, span)),
                _ => {
                    let module = self.insts[sc.inst].module.clone();
                    if let Some(n) = attr(0) {
                        if module
                            .res_index
                            .contains_key(&(false, name.clone(), n.clone()))
                        {
                            let (v, used) =
                                self.resource_rc(sc.inst, false, name, &n, ops.get(1), sc, span);
                            rest = &ops[1 + used..];
                            break 'base v;
                        }
                    }
                    let what = match attr(0) {
                        Some(n) => format!("{name}.{n}"),
                        None => name.to_string(),
                    };
                    return undeclared(&format!("`{what}`"), span);
                }
            }
        };
        let opv = self.eval_ops(rest, sc);
        let v = nav(&base, &opv, span, &mut self.errors);
        let v = lift_nav(&base, &opv, v, span);
        v.at(s)
    }

    fn eval_ops(&mut self, ops: &[Op], sc: &Scope) -> Vec<OpV> {
        ops.iter()
            .map(|op| match op {
                Op::Attr(n, _) => OpV::Attr(n.clone()),
                Op::Index(x) => OpV::Index(self.eval(x, sc)),
                Op::AttrSplat => OpV::AttrSplat,
                Op::FullSplat => OpV::FullSplat,
            })
            .collect()
    }

    pub fn var(&mut self, inst: usize, name: &str, span: Span) -> V {
        (*self.var_rc(inst, name, span)).clone().at(Some(span))
    }

    fn var_rc(&mut self, inst: usize, name: &str, span: Span) -> Rc<V> {
        match self.insts[inst].vars.get(name) {
            Some(Memo::Done(v)) => return v.clone(),
            Some(Memo::Pending) => {
                return Rc::new(self.err(format!("variable `{name}` refers to itself"), span))
            }
            None => {}
        }
        let module = self.insts[inst].module.clone();
        let Some(decl) = module.var(name) else {
            return Rc::new(undeclared(&format!("variable `{name}`"), span));
        };
        self.insts[inst].vars.insert(name.into(), Memo::Pending);
        let v = self.var_value(inst, &module, name);
        let v = match (&decl.ty, v) {
            (_, None) => match &decl.default {
                // A root variable that defaults to null is almost always given in a tfvars
                // file the run does not see (or the directory is a library module checked on
                // its own): unknown, not null, so that no check concludes from the null.
                Some(d) if self.insts[inst].site.is_none() && matches!(d.kind, ExprKind::Null) => {
                    V::symbolic(
                        format!(
                            "variable `{name}` defaults to null and no tfvars file or --var sets it"
                        ),
                        sym_ref(&format!("var.{name}")),
                        Some(d.span),
                    )
                }
                Some(d) => {
                    let sc = Scope::new(inst);
                    self.eval(d, &sc)
                }
                None => {
                    let addr = &self.insts[inst].addr;
                    if self.insts[inst].site.is_none() {
                        V::symbolic(
                            format!(
                                "variable `{name}` has no value (no default, no tfvars entry, no --var)"
                            ),
                            sym_ref(&format!("var.{name}")),
                            Some(decl.span),
                        )
                    } else {
                        V::symbolic(
                            format!("variable `{name}` of {addr} is not set by its module call"),
                            sym_ref(&format!("{addr}.var.{name}")),
                            Some(decl.span),
                        )
                    }
                }
            },
            (_, Some(v)) => v,
        };
        let v = match &decl.ty {
            Some(t) => convert(&v, t, 0),
            None => v,
        };
        let v = self.validated(inst, name, &decl.validations, v);
        let v = Rc::new(v);
        self.insts[inst]
            .vars
            .insert(name.into(), Memo::Done(v.clone()));
        v
    }

    /// A variable without a value (`v`) whose validation lists what it can be.
    #[inline(never)]
    fn validated(&mut self, inst: usize, name: &str, conds: &[Expr], v: V) -> V {
        if !v.is_unknown() || v.has_alts() || conds.is_empty() {
            return v;
        }
        let options = self.validation_options(inst, name, conds);
        let choice = match &self.insts[inst].site {
            None => format!("var.{name}"),
            Some(_) => format!("{}.var.{name}", self.insts[inst].addr),
        };
        v.one_of(&choice, &options)
    }

    /// The list of a `validation` condition written exactly `contains([...], var.<name>)` with
    /// literal elements; empty when there is none (a transformed variable, `can(regex(…))`,
    /// a computed list say nothing exact about the value).
    fn validation_options(&mut self, inst: usize, name: &str, conds: &[Expr]) -> Vec<V> {
        for c in conds {
            let ExprKind::Call(f, args, false) = &c.kind else {
                continue;
            };
            let [list, var] = args.as_slice() else {
                continue;
            };
            let (ExprKind::Arr(items), ExprKind::Trav(root, ops)) = (&list.kind, &var.kind) else {
                continue;
            };
            let is_var = matches!(&root.kind, ExprKind::Var(r) if &**r == "var")
                && matches!(ops.as_slice(), [Op::Attr(n, _)] if &**n == name);
            if &**f != "contains" || !is_var {
                continue;
            }
            let sc = Scope::new(inst);
            let vals: Vec<V> = items.iter().map(|x| self.eval(x, &sc)).collect();
            if vals.iter().all(|v| {
                matches!(
                    v.kind,
                    VKind::Str(_) | VKind::Int(_) | VKind::Float(_) | VKind::Bool(_)
                )
            }) {
                return vals;
            }
        }
        Vec::new()
    }

    /// The value given to a variable by the module call or the root's inputs, if any.
    fn var_value(&mut self, inst: usize, module: &Module, name: &str) -> Option<V> {
        if let Some(site) = &self.insts[inst].site {
            let parent = site.parent;
            let call = site.call;
            let sc = site.scope.clone();
            let pm = self.insts[parent].module.clone();
            let arg = pm.calls.get(call)?.args.iter().find(|a| &*a.name == name)?;
            let v = self.eval(&arg.expr, &sc);
            // Passing null means "use the default" for a variable with one.
            if v.is_null() {
                return None;
            }
            return Some(v);
        }
        let input = match self.insts[inst].inputs.get(name)? {
            Input::Expr(e) => Input::Expr(e.clone()),
            Input::Cli(v) => Input::Cli(v.clone()),
        };
        Some(match input {
            Input::Expr(e) => self.eval(&e, &Scope::new(inst)),
            Input::Cli(text) => {
                let decl = module.var(name)?;
                let is_string = match decl.ty.as_ref().map(|t| &t.kind) {
                    None => true,
                    Some(ExprKind::Var(t)) => &**t == "string",
                    _ => false,
                };
                let parsed = if is_string {
                    None
                } else {
                    super::parse::hcl_expr(&text, decl.span)
                };
                match parsed {
                    Some(e) => strip_spans(self.eval(&e, &Scope::new(inst))),
                    None => V::str(text, None),
                }
            }
        })
    }

    pub fn local(&mut self, inst: usize, name: &str, span: Span) -> V {
        (*self.local_rc(inst, name, span)).clone().at(Some(span))
    }

    fn local_rc(&mut self, inst: usize, name: &str, span: Span) -> Rc<V> {
        match self.insts[inst].locals.get(name) {
            Some(Memo::Done(v)) => return v.clone(),
            Some(Memo::Pending) => {
                return Rc::new(self.err(format!("local `{name}` refers to itself"), span))
            }
            None => {}
        }
        let module = self.insts[inst].module.clone();
        let Some(expr) = module.locals.get(name) else {
            return Rc::new(undeclared(&format!("local `{name}`"), span));
        };
        self.insts[inst].locals.insert(name.into(), Memo::Pending);
        let v = Rc::new(self.eval(expr, &Scope::new(inst)));
        self.insts[inst]
            .locals
            .insert(name.into(), Memo::Done(v.clone()));
        v
    }

    pub fn output(&mut self, inst: usize, name: &str, span: Span) -> V {
        match self.insts[inst].outputs.get(name) {
            Some(Memo::Done(v)) => return (**v).clone().at(Some(span)),
            Some(Memo::Pending) => {
                return self.err(format!("output `{name}` refers to itself"), span)
            }
            None => {}
        }
        let module = self.insts[inst].module.clone();
        let Some(expr) = module.outputs.get(name) else {
            let addr = self.insts[inst].addr.clone();
            return self.err(format!("{addr} has no output `{name}`"), span);
        };
        self.insts[inst].outputs.insert(name.into(), Memo::Pending);
        let v = Rc::new(self.eval(expr, &Scope::new(inst)));
        self.insts[inst]
            .outputs
            .insert(name.into(), Memo::Done(v.clone()));
        (*v).clone().at(Some(span))
    }

    /// Every output of an instance, as one object.
    fn all_outputs(&mut self, inst: usize, span: Span) -> V {
        let module = self.insts[inst].module.clone();
        let mut names: Vec<&Shared<str>> = module.outputs.keys().collect();
        names.sort();
        let entries = names
            .into_iter()
            .map(|n| (Key::new(n.clone(), None), self.output(inst, n, span)))
            .collect();
        V::obj(entries, Some(span))
    }

    fn module_ref(&mut self, sc: &Scope, name: &str, ops: &[Op], span: Span) -> V {
        let s = Some(span);
        let module = self.insts[sc.inst].module.clone();
        let Some(&ci) = module.call_index.get(name) else {
            return undeclared(&format!("module `{name}`"), span);
        };
        let set = self.call_set(sc.inst, ci);
        // Follow `module.x.out` and `module.x[k].out` to just that output (outputs of one module
        // may depend on inputs that depend on other outputs of the same module).
        let (item, rest): (Option<&CallItem>, &[Op]) = match (&set.shape, ops.first()) {
            (Shape::Single, Some(Op::Attr(..))) => (set.items.first(), ops),
            (Shape::List | Shape::Map, Some(Op::Index(k)))
                if matches!(ops.get(1), Some(Op::Attr(..))) =>
            {
                let kv = self.eval(k, sc);
                let want = key_text(&kv);
                let found = set.items.iter().find(|it| match (&it.key.kind, &kv.kind) {
                    (VKind::Int(a), _) => kv.as_i64() == Some(*a),
                    (VKind::Str(a), _) => want.as_deref() == Some(&**a),
                    _ => false,
                });
                match found {
                    Some(it) => (Some(it), &ops[1..]),
                    None if kv.is_unknown() => return unknown_like(&kv, s),
                    None => {
                        return self.err(
                            format!("module `{name}` has no instance {}", kv.show()),
                            span,
                        )
                    }
                }
            }
            _ => (None, ops),
        };
        if let Some(it) = item {
            match &it.target {
                Target::Opaque(v) => {
                    let base = v.clone();
                    let opv = self.eval_ops(rest, sc);
                    return nav(&base, &opv, span, &mut self.errors).at(s);
                }
                Target::Inst(child) => {
                    let child = *child;
                    let Some(Op::Attr(out, _)) = rest.first() else {
                        return V::unknown("a module reference without an output name", s);
                    };
                    let base = self.output(child, out, span);
                    let opv = self.eval_ops(&rest[1..], sc);
                    return nav(&base, &opv, span, &mut self.errors).at(s);
                }
            }
        }
        // The whole module value (all outputs, per instance).
        let whole = match &set.shape {
            Shape::Unknown(r) => V::unknown(r.clone(), s),
            shape => {
                let shape = shape.clone();
                let mut vals = Vec::new();
                for i in 0..set.items.len() {
                    let it = &set.items[i];
                    let key = it.key.clone();
                    let v = match &it.target {
                        Target::Opaque(v) => v.clone(),
                        Target::Inst(c) => {
                            let c = *c;
                            self.all_outputs(c, span)
                        }
                    };
                    vals.push((key, v));
                }
                match shape {
                    Shape::Single => vals.pop().map(|(_, v)| v).unwrap_or_else(|| V::null(s)),
                    Shape::List => V::arr(vals.into_iter().map(|(_, v)| v).collect(), s),
                    _ => V::obj(
                        vals.into_iter()
                            .map(|(k, v)| (Key::new(key_text(&k).unwrap_or_default(), None), v))
                            .collect(),
                        s,
                    ),
                }
            }
        };
        let opv = self.eval_ops(ops, sc);
        nav(&whole, &opv, span, &mut self.errors).at(s)
    }

    /// Like [`Eval::resource_ref`], but shares the stored value, and when the reference goes on
    /// with an index (`azurerm_subnet.x[0]`, `…["key"]`) takes just that instance. Returns the
    /// value and how many of the following operators it used (0 or 1).
    #[allow(clippy::too_many_arguments)]
    fn resource_rc(
        &mut self,
        inst: usize,
        data: bool,
        rtype: &str,
        name: &str,
        next: Option<&Op>,
        sc: &Scope,
        span: Span,
    ) -> (Rc<V>, usize) {
        let module = self.insts[inst].module.clone();
        if let Some(&ri) = module.res_index.get(&(data, rtype.into(), name.into())) {
            let set = self.resource_set(inst, ri);
            match (&set.shape, next) {
                (Shape::Single, _) => {
                    if let Some(it) = set.items.first() {
                        return (it.value.clone(), 0);
                    }
                }
                (Shape::List | Shape::Map, Some(Op::Index(k))) => {
                    let kv = self.eval(k, sc);
                    let want = key_text(&kv);
                    let found = set.items.iter().find(|it| match &it.key.kind {
                        VKind::Int(a) => !kv.is_unknown() && kv.as_i64() == Some(*a),
                        VKind::Str(a) => !kv.is_unknown() && want.as_deref() == Some(&**a),
                        _ => false,
                    });
                    if let Some(it) = found {
                        return (it.value.clone(), 1);
                    }
                }
                _ => {}
            }
        }
        (Rc::new(self.resource_ref(inst, data, rtype, name, span)), 0)
    }

    /// The value of `type.name` (or `data.type.name`) in an instance: the object, or the list
    /// or map of objects under `count`/`for_each`.
    fn resource_ref(&mut self, inst: usize, data: bool, rtype: &str, name: &str, span: Span) -> V {
        let s = Some(span);
        let module = self.insts[inst].module.clone();
        let Some(&ri) = module.res_index.get(&(data, rtype.into(), name.into())) else {
            let what = if data {
                format!("data.{rtype}.{name}")
            } else {
                format!("{rtype}.{name}")
            };
            return undeclared(&format!("`{what}`"), span);
        };
        let set = self.resource_set(inst, ri);
        match &set.shape {
            Shape::Single => set
                .items
                .first()
                .map(|it| (*it.value).clone())
                .unwrap_or_else(|| V::null(s)),
            Shape::List => V::arr(set.items.iter().map(|it| (*it.value).clone()).collect(), s),
            Shape::Map => V::obj(
                set.items
                    .iter()
                    .map(|it| {
                        (
                            Key::new(key_text(&it.key).unwrap_or_default(), None),
                            (*it.value).clone(),
                        )
                    })
                    .collect(),
                s,
            ),
            Shape::Unknown(r) => match set.items.first() {
                // `count` unknown: the one instance we assume stands in for `[0]`.
                Some(it) if matches!(it.key.kind, VKind::Unknown(_)) && r.starts_with("count") => {
                    V::arr(vec![(*it.value).clone()], s)
                }
                _ => V::unknown(r.clone(), s),
            },
        }
    }

    /// The address of a resource in an instance: `module.a.azurerm_subnet.x`.
    pub fn res_label(&self, inst: usize, data: bool, rtype: &str, name: &str) -> String {
        let addr = &self.insts[inst].addr;
        let local = if data {
            format!("data.{rtype}.{name}")
        } else {
            format!("{rtype}.{name}")
        };
        if addr.is_empty() {
            local
        } else {
            format!("{addr}.{local}")
        }
    }

    /// Expand `count`/`for_each` into (suffix, key, scope) per instance.
    fn expand(
        &mut self,
        count: Option<&Expr>,
        for_each: Option<&Expr>,
        base: &Scope,
    ) -> (Shape, Vec<(String, V, Scope)>) {
        if let Some(c) = count {
            let n = self.eval(c, base);
            return match (&n.kind, n.as_i64()) {
                (VKind::Unknown(_), _) => {
                    let key = V::unknown(
                        format!("count.index is unknown: {}", reason_of(&n).unwrap_or("")),
                        Some(c.span),
                    );
                    let sc = base.with("count", index_obj(key.clone()));
                    (
                        Shape::Unknown(
                            format!("count is unknown ({})", reason_of(&n).unwrap_or("unknown"))
                                .into(),
                        ),
                        vec![("[?]".to_string(), key, sc)],
                    )
                }
                (_, Some(n)) => {
                    let n = n.clamp(0, MAX_INSTANCES);
                    let items = (0..n)
                        .map(|i| {
                            let key = V::int(i, Some(c.span));
                            let sc = base.with("count", index_obj(key.clone()));
                            (format!("[{i}]"), key, sc)
                        })
                        .collect();
                    (Shape::List, items)
                }
                _ => {
                    let v = self.err(
                        format!("count must be a number, found {}", n.show()),
                        c.span,
                    );
                    (
                        Shape::Unknown("count is invalid".into()),
                        vec![(
                            "[?]".to_string(),
                            v.clone(),
                            base.with("count", index_obj(v)),
                        )],
                    )
                }
            };
        }
        if let Some(fe) = for_each {
            let coll = self.eval(fe, base);
            let pairs: Option<Vec<(V, V)>> = match &coll.kind {
                VKind::Obj(_) => iter_pairs(&coll),
                // A set of strings: each.key = each.value.
                VKind::Arr(items) => Some(
                    items
                        .iter()
                        .map(|it| {
                            let k = match key_text(it) {
                                Some(t) => V::str(t, it.span),
                                None => it.clone(),
                            };
                            (k, it.clone())
                        })
                        .collect(),
                ),
                VKind::Null => Some(vec![]),
                _ => None,
            };
            return match pairs {
                Some(pairs) if pairs.iter().all(|(k, _)| key_text(k).is_some()) => {
                    let items = pairs
                        .into_iter()
                        .take(MAX_INSTANCES as usize)
                        .map(|(k, v)| {
                            let sc = base.with("each", each_obj(k.clone(), v));
                            (suffix_of(&k), k, sc)
                        })
                        .collect();
                    (Shape::Map, items)
                }
                _ => {
                    let reason: Shared<str> = format!(
                        "for_each is unknown ({})",
                        reason_of(&coll)
                            .or_else(|| coll.find_unknown().map(|u| &*u.reason))
                            .unwrap_or("not a map or set of strings")
                    )
                    .into();
                    let key = V::unknown(reason.clone(), Some(fe.span));
                    let val = V::unknown(reason.clone(), Some(fe.span));
                    let sc = base.with("each", each_obj(key.clone(), val));
                    (Shape::Unknown(reason), vec![("[?]".to_string(), key, sc)])
                }
            };
        }
        (
            Shape::Single,
            vec![(String::new(), V::null(None), base.clone())],
        )
    }

    /// All instances of a resource (or data source) declaration, evaluated.
    pub fn resource_set(&mut self, inst: usize, ri: usize) -> Rc<ResSet> {
        let memo = &mut self.insts[inst].res;
        if let Some(s) = memo_begin(memo, ri, "the resource refers to itself", |shape| ResSet {
            shape,
            items: vec![],
        }) {
            return s;
        }
        let module = self.insts[inst].module.clone();
        let d = &module.resources[ri];
        let base = Scope::new(inst);
        let (shape, keys) = self.expand(d.count.as_ref(), d.for_each.as_ref(), &base);
        let label = self.res_label(inst, d.data, &d.rtype, &d.name);
        let mut items = Vec::with_capacity(keys.len());
        for (suffix, key, sc) in keys {
            let mut body = budget::check(self.eval_body(&d.body, &sc, d.span));
            let full = format!("{label}{suffix}");
            (self.computed)(&d.rtype, d.data, &mut body, &full);
            let mut kind = "res";
            if d.data {
                let (b, found) = self.data_lookup(&d.rtype, body);
                body = b;
                if !found {
                    kind = "data";
                }
            }
            set_exact(&mut body, ABOUT, V::str(format!("{kind}|{full}"), None));
            items.push(Item {
                suffix,
                key,
                value: Rc::new(body),
            });
        }
        let set = Rc::new(ResSet { shape, items });
        self.insts[inst].res.insert(ri, SetMemo::Done(set.clone()));
        set
    }

    /// A data source that names a resource declared in the run takes that resource's values.
    fn data_lookup(&mut self, rtype: &str, body: V) -> (V, bool) {
        let managed = match rtype {
            "azurerm_subnet"
            | "azurerm_virtual_network"
            | "azurerm_network_security_group"
            | "azurerm_route_table"
            | "azurerm_public_ip"
            | "azurerm_api_management" => rtype,
            _ => return (body, false),
        };
        let Some(id) = body
            .get_exact("id")
            .and_then(|v| v.as_name())
            .map(str::to_string)
        else {
            return (body, false);
        };
        let Some(want) = crate::model::ResKey::from_id(&id) else {
            return (body, false);
        };
        let list = self.declared(managed);
        let found = list.iter().find(|(other, _)| {
            crate::model::ResKey::from_id(other).is_some_and(|k| {
                k.rtype == want.rtype && k.names == want.names && k.same_scope(&want)
            })
        });
        match found {
            Some((_, v)) => {
                let mut out = (**v).clone();
                // The data source's own arguments keep their spans.
                if let VKind::Obj(entries) = &body.kind {
                    for (k, x) in entries {
                        set_exact(&mut out, &k.name, x.clone());
                    }
                }
                (out, true)
            }
            None => (body, false),
        }
    }

    /// Every declared (managed) instance of a resource type in the run, by id.
    fn declared(&mut self, rtype: &str) -> Rc<Declared> {
        if let Some(d) = self.declared.get(rtype) {
            return d.clone();
        }
        if self.declaring {
            return Rc::new(Vec::new());
        }
        self.declaring = true;
        let mut out = Vec::new();
        let mut i = 0;
        while i < self.insts.len() {
            let module = self.insts[i].module.clone();
            for (ri, d) in module.resources.iter().enumerate() {
                if d.data || &*d.rtype != rtype {
                    continue;
                }
                let set = self.resource_set(i, ri);
                for it in &set.items {
                    if let Some(id) = it.value.get_exact("id").and_then(|v| v.as_name()) {
                        out.push((id.to_string(), it.value.clone()));
                    }
                }
            }
            i += 1;
        }
        self.declaring = false;
        let out = Rc::new(out);
        if self.complete {
            self.declared.insert(rtype.to_string(), out.clone());
        }
        out
    }

    /// A resource or block body as an object: arguments, then nested blocks as lists of
    /// objects (`dynamic` blocks expanded in place).
    pub fn eval_body(&mut self, body: &Body, sc: &Scope, span: Span) -> V {
        let mut entries: Vec<(Key, V)> = Vec::with_capacity(body.attrs.len() + body.blocks.len());
        for a in &body.attrs {
            let v = self.eval(&a.expr, sc);
            entries.push((Key::new(a.name.clone(), Some(a.span)), v));
        }
        for b in &body.blocks {
            let (kind, items) = if &*b.kind == "dynamic" {
                let Some(label) = b.labels.first() else {
                    continue;
                };
                (label.clone(), self.dynamic(b, label, sc))
            } else {
                let v = self.eval_body(&b.body, sc, b.span);
                (b.kind.clone(), vec![v])
            };
            match entries.iter_mut().find(|(k, _)| k.name == kind) {
                Some((
                    _,
                    V {
                        kind: VKind::Arr(list),
                        ..
                    },
                )) => list.extend(items),
                Some(_) => {}
                None => entries.push((Key::new(kind, Some(b.span)), V::arr(items, Some(b.span)))),
            }
        }
        V::obj(entries, Some(span))
    }

    fn dynamic(&mut self, b: &Block, label: &str, sc: &Scope) -> Vec<V> {
        let iter_name: Shared<str> = b
            .body
            .attr("iterator")
            .and_then(|a| match &a.expr.kind {
                ExprKind::Var(n) => Some(n.clone()),
                _ => a.expr.as_str().map(Shared::from),
            })
            .unwrap_or_else(|| label.into());
        let Some(content) = b.body.blocks("content").next() else {
            return vec![];
        };
        let Some(fe) = b.body.attr("for_each") else {
            return vec![];
        };
        let coll = self.eval(&fe.expr, sc);
        let Some(pairs) = iter_pairs(&coll) else {
            if coll.is_null() {
                return vec![];
            }
            let reason = format!(
                "the dynamic \"{label}\" blocks are unknown: {}",
                reason_of(&coll).unwrap_or("for_each is not a collection")
            );
            return vec![V::unknown(reason, Some(b.span))];
        };
        let mut out = Vec::with_capacity(pairs.len());
        for (k, v) in pairs {
            // Each generated block is declared by its element of the collection (a map entry
            // in a tfvars file or a local): that is where a person edits it.
            let decl = v.origin.or(v.span).unwrap_or(b.span);
            let inner = sc.with(&iter_name, each_obj(k, v));
            out.push(self.eval_body(&content.body, &inner, decl));
        }
        out
    }

    // -----------------------------------------------------------------------------------------
    // Module instances

    fn call_set(&mut self, inst: usize, ci: usize) -> Rc<CallSet> {
        let memo = &mut self.insts[inst].calls;
        if let Some(s) = memo_begin(memo, ci, "the module call refers to itself", |shape| {
            CallSet {
                shape,
                items: vec![],
            }
        }) {
            return s;
        }
        let module = self.insts[inst].module.clone();
        let cd = &module.calls[ci];
        let base = Scope::new(inst);
        let (shape, keys) = self.expand(cd.count.as_ref(), cd.for_each.as_ref(), &base);
        let parent_addr = self.insts[inst].addr.clone();
        let prefix = if parent_addr.is_empty() {
            format!("module.{}", cd.name)
        } else {
            format!("{parent_addr}.module.{}", cd.name)
        };
        // What the call points at.
        let mut too_deep = false;
        let target: Result<Rc<Module>, String> = match &cd.source {
            None => Err(format!(
                "module `{}` has no literal source, so it is not loaded",
                cd.name
            )),
            Some((src, src_span)) => match resolve_source(&module.dir, src) {
                Source::Remote(r) => Err(format!(
                    "output of module `{}` (source \"{r}\", not loaded: registry and git modules are not downloaded)",
                    cd.name
                )),
                Source::Local(dir) => {
                    if self.insts[inst].dirs.contains(&dir) {
                        self.ws.diagnostics.push(module_cycle(&self.insts[inst].dirs, &dir, &cd.name, *src_span));
                        Err(format!("module `{}` calls itself (a module cycle)", cd.name))
                    } else if self.insts[inst].dirs.len() >= MAX_MODULE_DEPTH {
                        too_deep = true;
                        Err(format!("module `{}` is nested too deeply", cd.name))
                    } else if let Some(why) = self.loader.refused(self.ws, &dir) {
                        self.ws.diagnostics.push(crate::discover::not_read(
                            Some(*src_span),
                            "module directory",
                            src,
                            &why,
                            "its resources are not checked and its outputs are unknown",
                        ));
                        Err(format!("output of module `{}` (directory \"{src}\" not read: {why})", cd.name))
                    } else {
                        match self.loader.module(self.ws, &dir) {
                            Some(m) => Ok(m),
                            None => Err(format!(
                                "module `{}`: directory \"{src}\" has no Terraform files",
                                cd.name
                            )),
                        }
                    }
                }
            },
        };
        let mut items = Vec::with_capacity(keys.len());
        for (suffix, key, sc) in keys {
            let addr = format!("{prefix}{suffix}");
            if too_deep {
                // Every instance left unchecked is named: a chain past the limit must not
                // pass silently.
                self.ws.diagnostics.push(
                    crate::diagnostic::Diagnostic::new(
                        "STV002",
                        crate::diagnostic::Severity::Info,
                        format!(
                            "{addr} is not checked: modules are nested more than {MAX_MODULE_DEPTH} levels deep"
                        ),
                    )
                    .at(Some(cd.span))
                    .help("Flatten the module hierarchy; stv2lint follows a bounded chain of module calls.")
                    .identity(format!("terraform|too deep|{addr}")),
                );
            }
            let target = match &target {
                Err(reason) => {
                    Target::Opaque(V::symbolic(reason.clone(), sym_ref(&addr), Some(cd.span)))
                }
                Ok(m) => {
                    let id = self.insts.len();
                    let mut dirs = self.insts[inst].dirs.clone();
                    dirs.push(m.dir.clone());
                    let root = self.insts[inst].root;
                    self.insts.push(Inst {
                        module: m.clone(),
                        addr,
                        site: Some(Site {
                            parent: inst,
                            call: ci,
                            scope: sc,
                        }),
                        root,
                        inputs: HashMap::new(),
                        dirs,
                        budget: self.insts[root].budget.clone(),
                        vars: HashMap::new(),
                        locals: HashMap::new(),
                        outputs: HashMap::new(),
                        res: HashMap::new(),
                        calls: HashMap::new(),
                    });
                    Target::Inst(id)
                }
            };
            items.push(CallItem {
                suffix,
                key,
                target,
            });
        }
        let set = Rc::new(CallSet { shape, items });
        self.insts[inst]
            .calls
            .insert(ci, SetMemo::Done(set.clone()));
        set
    }

    /// Create every module instance reachable from the roots.
    pub fn instantiate_all(&mut self) {
        let mut i = 0;
        while i < self.insts.len() {
            let n = self.insts[i].module.calls.len();
            for ci in 0..n {
                self.call_set(i, ci);
            }
            i += 1;
        }
        self.complete = true;
    }

    /// Items of a call set, for tests and diagnostics: (suffix, instance).
    pub fn call_instances(&mut self, inst: usize, ci: usize) -> Vec<(String, Option<usize>)> {
        let set = self.call_set(inst, ci);
        set.items
            .iter()
            .map(|it| {
                (
                    it.suffix.clone(),
                    match it.target {
                        Target::Inst(i) => Some(i),
                        Target::Opaque(_) => None,
                    },
                )
            })
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Values

/// A reference to something the module does not declare. Terraform would reject it, but the
/// usual cause here is a file left out of the run, so it is unknown rather than an error.
fn undeclared(what: &str, span: Span) -> V {
    V::unknown(
        format!("{what} is not declared in this module (is a file missing?)"),
        Some(span),
    )
}

/// A hidden attribute of resource values: `res|label` or `data|label`, so that reading an
/// attribute the configuration does not set says why it is unknown.
pub const ABOUT: &str = "\u{1}about";

pub trait ObjExt {
    fn get_exact(&self, key: &str) -> Option<&V>;
}

impl ObjExt for V {
    /// Terraform attribute names are case-sensitive; fall back to case-insensitive.
    fn get_exact(&self, key: &str) -> Option<&V> {
        match &self.kind {
            VKind::Obj(o) => o
                .iter()
                .rev()
                .find(|(k, _)| &*k.name == key)
                .map(|(_, v)| v)
                .or_else(|| self.get(key)),
            _ => None,
        }
    }
}

pub fn set_exact(obj: &mut V, key: &str, val: V) {
    if let VKind::Obj(o) = &mut obj.kind {
        match o.iter_mut().find(|(k, _)| &*k.name == key) {
            Some(slot) => slot.1 = val,
            None => o.push((Key::new(key, None), val)),
        }
    }
}

fn index_obj(i: V) -> V {
    V::obj(vec![(Key::new("index", None), i)], None)
}

fn each_obj(k: V, v: V) -> V {
    V::obj(
        vec![(Key::new("key", None), k), (Key::new("value", None), v)],
        None,
    )
}

/// The text of a value used as a map key (strings, numbers, bools, stable unknowns).
pub fn key_text(v: &V) -> Option<String> {
    match &v.kind {
        VKind::Str(s) => Some(s.to_string()),
        VKind::Int(i) => Some(i.to_string()),
        VKind::Float(f) => Some(fmt_float(*f)),
        VKind::Bool(b) => Some(b.to_string()),
        VKind::Unknown(Unknown { sym: Some(s), .. }) => Some(s.to_string()),
        _ => None,
    }
}

pub fn fmt_float(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}

pub fn reason_of(v: &V) -> Option<&str> {
    match &v.kind {
        VKind::Unknown(u) => Some(&u.reason),
        _ => None,
    }
}

/// An unknown with the same reason (and no symbol: the value is derived).
pub fn unknown_like(v: &V, span: Option<Span>) -> V {
    V::unknown(
        reason_of(v)
            .map(Shared::from)
            .or_else(|| v.find_unknown().map(|u| u.reason.clone()))
            .unwrap_or_else(|| "unknown".into()),
        span,
    )
}

/// `base` then `opv` (which gave `v`), per alternative when the base or an index has some.
/// Apart from the evaluator so that its deep recursion keeps small frames.
#[inline(never)]
fn lift_nav(base: &V, opv: &[OpV], v: V, span: Span) -> V {
    if !base.has_alts()
        && !opv
            .iter()
            .any(|o| matches!(o, OpV::Index(i) if i.has_alts()))
    {
        return v;
    }
    let mut args: Vec<&V> = vec![base];
    args.extend(opv.iter().filter_map(|o| match o {
        OpV::Index(i) => Some(i),
        _ => None,
    }));
    lift(v, &args, |vs| {
        let mut k = 0;
        let ops: Vec<OpV> = opv
            .iter()
            .map(|o| match o {
                OpV::Attr(n) => OpV::Attr(n.clone()),
                OpV::Index(_) => {
                    k += 1;
                    OpV::Index(vs[k].clone())
                }
                OpV::AttrSplat => OpV::AttrSplat,
                OpV::FullSplat => OpV::FullSplat,
            })
            .collect();
        nav(&vs[0], &ops, span, &mut 0)
    })
}

/// The rest of a traversal (`ops`) from a value with alternatives reached inside it.
#[inline(never)]
fn nav_alts(cur: &V, ops: &[OpV], span: Span, errors: &mut u64) -> V {
    let normal = nav(&cur.clone().plain(), ops, span, errors);
    lift(normal, &[cur], |a| nav(&a[0], ops, span, &mut 0))
}

/// `-x` / `!x` per alternative of `v`.
#[inline(never)]
fn lift_unary(neg: bool, v: &V, span: Option<Span>) -> V {
    lift(unknown_like(v, span), &[v], |a| {
        if !neg {
            return match a[0].as_bool() {
                Some(b) => V::bool(!b, span),
                None => V::unknown("cannot apply !", span),
            };
        }
        match num_of(&a[0]) {
            Some(Num::I(i)) => i
                .checked_neg()
                .map_or(V::new(VKind::Float(-(i as f64)), span), |n| V::int(n, span)),
            Some(Num::F(f)) => V::new(VKind::Float(-f), span),
            None => V::unknown("cannot negate", span),
        }
    })
}

/// A template of literals and interpolations whose values are `vals` (in order); `Err` is a
/// type error to report at the interpolation.
fn render(parts: &[TPart], vals: &[V], span: Span) -> Result<V, (String, Span)> {
    let mut text = TextBuilder::default();
    let mut vals = vals.iter();
    for p in parts {
        match p {
            TPart::Lit(s) => text.push_str(s),
            TPart::Interp(x) => {
                let Some(v) = vals.next() else {
                    return Ok(V::unknown("a template part is missing", Some(span)));
                };
                match &v.kind {
                    VKind::Str(s) => text.push_str(s),
                    VKind::Int(i) => text.push_str(&i.to_string()),
                    VKind::Float(f) => text.push_str(&fmt_float(*f)),
                    VKind::Bool(b) => text.push_str(if *b { "true" } else { "false" }),
                    VKind::Unknown(u) => text.push_unknown(u),
                    VKind::Null => {
                        return Err(("a null value cannot be used in a string".into(), x.span))
                    }
                    _ => return Err((format!("{} cannot be used in a string", v.show()), x.span)),
                }
            }
            _ => return Ok(V::unknown("a template directive", Some(span))),
        }
    }
    Ok(text.finish(Some(span)))
}

/// A binary operator on two evaluated sides; `Err` is a type error to report.
fn binop(op: BinOp, av: &V, bv: &V, span: Span) -> Result<V, String> {
    let s = Some(span);
    Ok(match op {
        BinOp::And | BinOp::Or => {
            let want = op == BinOp::Or;
            match (av.as_bool(), bv.as_bool()) {
                (Some(x), _) if x == want => V::bool(want, s),
                (_, Some(x)) if x == want => V::bool(want, s),
                (Some(x), Some(y)) => V::bool(if want { x || y } else { x && y }, s),
                _ if av.is_unknown() => unknown_like(av, s),
                _ if bv.is_unknown() => unknown_like(bv, s),
                _ => return Err("a logical operator needs bools".into()),
            }
        }
        BinOp::Eq | BinOp::Ne => match tf_equal(av, bv) {
            Some(eq) => V::bool(if op == BinOp::Eq { eq } else { !eq }, s),
            None => V::unknown(
                format!(
                    "a comparison has an unknown side ({})",
                    reason_of(av).or(reason_of(bv)).unwrap_or("unknown")
                ),
                s,
            ),
        },
        _ => {
            if av.is_unknown() {
                return Ok(unknown_like(av, s));
            }
            if bv.is_unknown() {
                return Ok(unknown_like(bv, s));
            }
            let (Some(x), Some(y)) = (num_of(av), num_of(bv)) else {
                return Err(format!("arithmetic on {} and {}", av.show(), bv.show()));
            };
            match arith(op, x, y) {
                Some(Num::I(i)) => V::int(i, s),
                Some(Num::F(f)) if matches!(op, BinOp::Lt | BinOp::Gt | BinOp::Le | BinOp::Ge) => {
                    V::bool(f != 0.0, s)
                }
                Some(Num::F(f)) => V::new(VKind::Float(f), s),
                None => return Err("division by zero".into()),
            }
        }
    })
}

/// Pairs of a collection in Terraform's order: lists by index, maps by sorted key.
pub fn iter_pairs(v: &V) -> Option<Vec<(V, V)>> {
    match &v.kind {
        VKind::Arr(items) => Some(
            items
                .iter()
                .enumerate()
                .map(|(i, x)| (V::int(i as i64, None), x.clone()))
                .collect(),
        ),
        VKind::Obj(entries) => {
            let mut e: Vec<&(Key, V)> = entries
                .iter()
                .filter(|(k, _)| !k.name.starts_with('\u{1}'))
                .collect();
            e.sort_by(|a, b| a.0.name.cmp(&b.0.name));
            Some(
                e.into_iter()
                    .map(|(k, x)| (V::str(k.name.clone(), k.span), x.clone()))
                    .collect(),
            )
        }
        _ => None,
    }
}

/// `==` as Terraform sees it: values of different types are different; unknown is unknown.
pub fn tf_equal(a: &V, b: &V) -> Option<bool> {
    match (&a.kind, &b.kind) {
        (VKind::Unknown(_), _) | (_, VKind::Unknown(_)) => a.same(b),
        _ => {
            if a.find_unknown().is_some() || b.find_unknown().is_some() {
                return match a.same(b) {
                    Some(false) => Some(false),
                    _ => None,
                };
            }
            a.same(b)
        }
    }
}

#[derive(Clone, Copy)]
pub enum Num {
    I(i64),
    F(f64),
}

pub fn num_of(v: &V) -> Option<Num> {
    match &v.kind {
        VKind::Int(i) => Some(Num::I(*i)),
        VKind::Float(f) => Some(Num::F(*f)),
        VKind::Str(s) => {
            let t = s.trim();
            t.parse::<i64>()
                .map(Num::I)
                .ok()
                .or_else(|| t.parse::<f64>().ok().filter(|f| f.is_finite()).map(Num::F))
        }
        _ => None,
    }
}

fn as_f(n: Num) -> f64 {
    match n {
        Num::I(i) => i as f64,
        Num::F(f) => f,
    }
}

/// Arithmetic and comparison (comparisons give 1/0 as `F`). `None` on division by zero.
fn arith(op: BinOp, x: Num, y: Num) -> Option<Num> {
    let cmp = |b: bool| Some(Num::F(if b { 1.0 } else { 0.0 }));
    if let (Num::I(a), Num::I(b)) = (x, y) {
        let r = match op {
            BinOp::Add => a.checked_add(b),
            BinOp::Sub => a.checked_sub(b),
            BinOp::Mul => a.checked_mul(b),
            BinOp::Div => {
                if b == 0 {
                    return None;
                }
                if a % b == 0 {
                    a.checked_div(b)
                } else {
                    return Some(Num::F(a as f64 / b as f64));
                }
            }
            BinOp::Mod => {
                if b == 0 {
                    return None;
                }
                a.checked_rem(b)
            }
            BinOp::Lt => return cmp(a < b),
            BinOp::Gt => return cmp(a > b),
            BinOp::Le => return cmp(a <= b),
            BinOp::Ge => return cmp(a >= b),
            _ => None,
        };
        if let Some(r) = r {
            return Some(Num::I(r));
        }
    }
    let (a, b) = (as_f(x), as_f(y));
    match op {
        BinOp::Add => Some(Num::F(a + b)),
        BinOp::Sub => Some(Num::F(a - b)),
        BinOp::Mul => Some(Num::F(a * b)),
        BinOp::Div if b == 0.0 => None,
        BinOp::Div => Some(Num::F(a / b)),
        BinOp::Mod if b == 0.0 => None,
        BinOp::Mod => Some(Num::F(a % b)),
        BinOp::Lt => cmp(a < b),
        BinOp::Gt => cmp(a > b),
        BinOp::Le => cmp(a <= b),
        BinOp::Ge => cmp(a >= b),
        _ => None,
    }
}

/// An evaluated traversal operator.
pub enum OpV {
    Attr(Shared<str>),
    Index(V),
    AttrSplat,
    FullSplat,
}

/// Apply traversal operators to a value. Stable unknowns stay stable (`${module.x}.y`).
pub fn nav(base: &V, ops: &[OpV], span: Span, errors: &mut u64) -> V {
    let s = Some(span);
    // Each splat applies the rest of the chain one level down (and may nest the value one level
    // more): a chain of splats is bounded like any nesting, or it would overflow the stack.
    let splats = ops
        .iter()
        .filter(|o| matches!(o, OpV::AttrSplat | OpV::FullSplat))
        .count();
    if splats > MAX_SPLATS {
        return V::unknown(
            format!("the reference has {splats} splat operators (more than {MAX_SPLATS})"),
            s,
        );
    }
    let mut cur = std::borrow::Cow::Borrowed(base);
    let mut i = 0;
    while i < ops.len() {
        if i > 0 && cur.has_alts() {
            // A value with alternatives inside the structure: the rest per alternative.
            return nav_alts(&cur, &ops[i..], span, errors);
        }
        match &ops[i] {
            OpV::AttrSplat | OpV::FullSplat => {
                let full = matches!(ops[i], OpV::FullSplat);
                // Which operators the splat applies to each element.
                let mut j = i + 1;
                while j < ops.len() && (full || matches!(ops[j], OpV::Attr(_))) {
                    if matches!(ops[j], OpV::AttrSplat | OpV::FullSplat) && !full {
                        break;
                    }
                    j += 1;
                }
                let inner = &ops[i + 1..j];
                let out = match &cur.kind {
                    VKind::Arr(items) => V::arr(
                        items.iter().map(|x| nav(x, inner, span, errors)).collect(),
                        s,
                    ),
                    VKind::Null => V::arr(vec![], s),
                    VKind::Unknown(_) => return unknown_like(&cur, s),
                    _ => V::arr(vec![nav(&cur, inner, span, errors)], s),
                };
                cur = std::borrow::Cow::Owned(out);
                i = j;
                continue;
            }
            OpV::Attr(name) => {
                let next = match &cur.kind {
                    VKind::Obj(_) => match cur.get_exact(name) {
                        Some(v) => v.clone(),
                        None => match cur.get_exact(ABOUT).and_then(|a| a.as_str()) {
                            Some(about) => {
                                let (kind, label) = about.split_once('|').unwrap_or(("res", about));
                                V::unknown(
                                    if kind == "data" {
                                        format!("{label}.{name} is read from Azure (no file of the run declares that resource)")
                                    } else {
                                        format!("{label}.{name} is known only after apply")
                                    },
                                    s,
                                )
                            }
                            None => {
                                *errors += 1;
                                V::unknown(format!("the object has no attribute `{name}`"), s)
                            }
                        },
                    },
                    VKind::Unknown(Unknown { reason, sym, .. }) => match sym {
                        Some(sy) => {
                            V::symbolic(reason.clone(), extend_sym(sy, &format!(".{name}")), s)
                        }
                        None => V::unknown(reason.clone(), s),
                    },
                    VKind::Null => {
                        *errors += 1;
                        V::unknown(format!("cannot read `{name}` of null"), s)
                    }
                    _ => {
                        *errors += 1;
                        V::unknown(format!("cannot read `{name}` of {}", cur.show()), s)
                    }
                };
                cur = std::borrow::Cow::Owned(next);
            }
            OpV::Index(k) => {
                let next = match (&cur.kind, &k.kind) {
                    (_, VKind::Unknown(_)) if !cur.is_unknown() => unknown_like(k, s),
                    (VKind::Unknown(Unknown { reason, sym, .. }), _) => match (sym, key_text(k)) {
                        (Some(sy), Some(kt)) => {
                            let sfx = match k.kind {
                                VKind::Int(_) => format!("[{kt}]"),
                                _ => format!("[\"{kt}\"]"),
                            };
                            V::symbolic(reason.clone(), extend_sym(sy, &sfx), s)
                        }
                        _ => V::unknown(reason.clone(), s),
                    },
                    (VKind::Arr(items), _) => match k.as_i64() {
                        Some(i) if i >= 0 && (i as usize) < items.len() => {
                            items[i as usize].clone()
                        }
                        _ => {
                            *errors += 1;
                            V::unknown(
                                format!(
                                    "index {} is out of range of a list of {}",
                                    k.show(),
                                    items.len()
                                ),
                                s,
                            )
                        }
                    },
                    (VKind::Obj(_), _) => {
                        match key_text(k).and_then(|t| cur.get_exact(&t).cloned()) {
                            Some(v) => v,
                            None => {
                                *errors += 1;
                                V::unknown(format!("the map has no key {}", k.show()), s)
                            }
                        }
                    }
                    _ => {
                        *errors += 1;
                        V::unknown(format!("cannot index {}", cur.show()), s)
                    }
                };
                cur = std::borrow::Cow::Owned(next);
            }
        }
        i += 1;
    }
    cur.into_owned()
}

// ---------------------------------------------------------------------------------------------
// Type conversion (variables)

/// Convert a value to a variable's declared type: primitives are converted, object types get
/// their `optional(…)` attributes filled with defaults or null, as Terraform does.
/// One STV001 at the `source` of a module call that leads back to a directory already on the
/// chain: Terraform rejects the configuration, so the run is incomplete.
fn module_cycle(
    chain: &[PathBuf],
    dir: &std::path::Path,
    name: &str,
    at: Span,
) -> crate::diagnostic::Diagnostic {
    let short = |d: &std::path::Path| {
        d.file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| d.to_string_lossy().to_string())
    };
    let start = chain.iter().position(|d| d == dir).unwrap_or(0);
    let mut names: Vec<String> = chain[start..].iter().map(|d| short(d)).collect();
    names.push(short(dir));
    crate::diagnostic::Diagnostic::new(
        "STV001",
        crate::diagnostic::Severity::Error,
        format!("module cycle: module `{name}` leads back to {}", names.join(" → ")),
    )
    .at(Some(at))
    .help("A Terraform module cannot call itself, directly or through other modules; break the cycle.")
    .identity(format!("terraform|module cycle|{}", names.join("|")))
}

pub fn convert(v: &V, ty: &Expr, depth: usize) -> V {
    if depth > 32 || v.is_unknown() || v.is_null() {
        return v.clone();
    }
    match &ty.kind {
        ExprKind::Var(t) => match &**t {
            "string" => match &v.kind {
                VKind::Int(i) => V::str(i.to_string(), v.span).with_origin_of(v),
                VKind::Float(f) => V::str(fmt_float(*f), v.span).with_origin_of(v),
                VKind::Bool(b) => V::str(b.to_string(), v.span).with_origin_of(v),
                _ => v.clone(),
            },
            "number" => match (&v.kind, num_of(v)) {
                (VKind::Str(_), Some(Num::I(i))) => V::int(i, v.span).with_origin_of(v),
                (VKind::Str(_), Some(Num::F(f))) => {
                    V::new(VKind::Float(f), v.span).with_origin_of(v)
                }
                _ => v.clone(),
            },
            "bool" => match (&v.kind, v.as_bool()) {
                (VKind::Str(_), Some(b)) => V::bool(b, v.span).with_origin_of(v),
                _ => v.clone(),
            },
            _ => v.clone(),
        },
        ExprKind::Call(f, args, _) => match (&**f, args.as_slice()) {
            ("list" | "set", [t]) => match &v.kind {
                VKind::Arr(items) => V {
                    kind: VKind::Arr(items.iter().map(|x| convert(x, t, depth + 1)).collect()),
                    span: v.span,
                    origin: v.origin,
                },
                _ => v.clone(),
            },
            ("map", [t]) => match &v.kind {
                VKind::Obj(entries) => V {
                    kind: VKind::Obj(
                        entries
                            .iter()
                            .map(|(k, x)| (k.clone(), convert(x, t, depth + 1)))
                            .collect(),
                    ),
                    span: v.span,
                    origin: v.origin,
                },
                _ => v.clone(),
            },
            ("tuple", [t]) => match (&v.kind, &t.kind) {
                (VKind::Arr(items), ExprKind::Arr(types)) => V {
                    kind: VKind::Arr(
                        items
                            .iter()
                            .enumerate()
                            .map(|(i, x)| match types.get(i) {
                                Some(t) => convert(x, t, depth + 1),
                                None => x.clone(),
                            })
                            .collect(),
                    ),
                    span: v.span,
                    origin: v.origin,
                },
                _ => v.clone(),
            },
            ("object", [t]) => match (&v.kind, &t.kind) {
                (VKind::Obj(entries), ExprKind::Obj(attrs)) => {
                    let mut out = Vec::new();
                    for (ak, at) in attrs {
                        let ObjKey::Name(an, _) = ak else { continue };
                        let present = entries.iter().find(|(k, _)| k.name == *an);
                        let (inner_ty, default) = match &at.kind {
                            ExprKind::Call(o, oargs, _) if &**o == "optional" => {
                                (oargs.first(), oargs.get(1))
                            }
                            _ => (Some(at), None),
                        };
                        match present {
                            Some((k, x)) if !x.is_null() => out.push((
                                k.clone(),
                                match inner_ty {
                                    Some(t) => convert(x, t, depth + 1),
                                    None => x.clone(),
                                },
                            )),
                            _ => {
                                let dv = match default {
                                    Some(d) => {
                                        let lit = literal_value(d);
                                        match inner_ty {
                                            Some(t) => convert(&lit, t, depth + 1),
                                            None => lit,
                                        }
                                    }
                                    None => V::null(present.map(|(_, x)| x.span).unwrap_or(v.span)),
                                };
                                out.push((Key::new(an.clone(), None), dv));
                            }
                        }
                    }
                    V {
                        kind: VKind::Obj(out),
                        span: v.span,
                        origin: v.origin,
                    }
                }
                _ => v.clone(),
            },
            _ => v.clone(),
        },
        _ => v.clone(),
    }
}

/// A constant expression (an `optional()` default): literals only.
fn literal_value(e: &Expr) -> V {
    let s = Some(e.span);
    match &e.kind {
        ExprKind::Null => V::null(s),
        ExprKind::Bool(b) => V::bool(*b, s),
        ExprKind::Int(i) => V::int(*i, s),
        ExprKind::Float(f) => V::new(VKind::Float(*f), s),
        ExprKind::Str(t) => V::str(t.clone(), s),
        ExprKind::Template(_) => match e.as_str() {
            Some(t) => V::str(t, s),
            None => V::unknown("a non-literal optional() default", s),
        },
        ExprKind::Arr(items) => V::arr(items.iter().map(literal_value).collect(), s),
        ExprKind::Obj(entries) => V::obj(
            entries
                .iter()
                .filter_map(|(k, x)| match k {
                    ObjKey::Name(n, ks) => Some((Key::new(n.clone(), Some(*ks)), literal_value(x))),
                    ObjKey::Expr(_) => None,
                })
                .collect(),
            s,
        ),
        _ => V::unknown("a non-literal optional() default", s),
    }
}

/// Values from the command line have no place in any file.
fn strip_spans(mut v: V) -> V {
    v.span = None;
    v.origin = None;
    match &mut v.kind {
        VKind::Arr(items) => {
            for it in items.iter_mut() {
                *it = strip_spans(std::mem::replace(it, V::null(None)));
            }
        }
        VKind::Obj(entries) => {
            for (k, it) in entries.iter_mut() {
                k.span = None;
                *it = strip_spans(std::mem::replace(it, V::null(None)));
            }
        }
        _ => {}
    }
    v
}

trait WithOrigin {
    fn with_origin_of(self, v: &V) -> V;
}
impl WithOrigin for V {
    fn with_origin_of(mut self, v: &V) -> V {
        self.origin = v.origin;
        self
    }
}
