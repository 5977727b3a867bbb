//! Expressions and names: literals, operators, loops, parameters and variables (memoised in
//! the kernel), member and index access through the kernel.

use super::*;
use crate::model::value::ObjBuilder;

impl<'p> Eval<'p> {
    pub(super) fn expr(&self, env: &Env, e: &Expr) -> V {
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
            | ExprKind::Template(_)
            | ExprKind::Binary(..) => b.check(v),
            ExprKind::Call(_) | ExprKind::Ident(_) => b.value(v),
            _ => v,
        }
    }

    pub(super) fn expr_inner(&self, env: &Env, e: &Expr) -> V {
        let site = Some(e.span);
        match &e.kind {
            ExprKind::Null => V::null(site),
            ExprKind::Bool(b) => V::bool(*b, site),
            ExprKind::Int(i) => V::int(*i, site),
            ExprKind::Str(s) => V::str(s.clone(), site),
            ExprKind::Template(t) => {
                let Template { lits, exprs } = &**t;
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
            ExprKind::Ternary(t) => {
                let [c, a, b] = &**t;
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
            ExprKind::Member(m) => self.member_expr(env, e, &m.base, &m.name, m.safe, site),
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
            ExprKind::Child(c) => match self.res_target(env, e) {
                Some(t) => self.target_value(&t, site),
                None => V::unknown(format!("'{}' is not a nested resource", c.name.text), site),
            },
            ExprKind::NonNull(x) | ExprKind::Paren(x) => self.expr(env, x).at(site),
            ExprKind::Call(c) => self.call(env, c.target.as_deref(), &c.name, &c.args, site),
            ExprKind::Lambda(_) => V::unknown("a lambda is not a value", site),
        }
    }

    pub(super) fn object(
        &self,
        env: &Env,
        items: &[ObjItem],
        site: Option<Span>,
        skip: &[&str],
    ) -> V {
        let mut out = ObjBuilder::new(true, items.len());
        let mut put = |k: Key, v: V| out.put(k, v);
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
        V::obj(out.into_entries(), site)
    }

    pub(super) fn for_expr(&self, env: &Env, f: &ForExpr, site: Option<Span>) -> V {
        let coll = self.expr(env, &f.iter);
        let items = match coll.kind {
            VKind::Arr(items) => items,
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

    pub(super) fn bind_loop(&self, env: &Env, f: &ForExpr, item: V, i: usize) -> Env {
        let mut b = Vec::new();
        if let Some(n) = &f.item {
            b.push((n.text.clone(), item));
        }
        if let Some(n) = &f.index {
            b.push((n.text.clone(), V::int(i as i64, Some(n.span))));
        }
        env.bind(b)
    }

    pub(super) fn binary(&self, env: &Env, op: BinOp, a: &Expr, b: &Expr, site: Option<Span>) -> V {
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

    pub(super) fn ident(&self, env: &Env, name: &str, span: Span) -> V {
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
    pub(super) fn nested_named(
        &self,
        unit: &Unit,
        ctx: Option<usize>,
        name: &str,
    ) -> Option<usize> {
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

    pub(super) fn param(&self, inst: usize, i: usize, site: Option<Span>) -> V {
        self.memo_value(inst, self.ensure_param(inst, i), site)
    }

    pub(super) fn var(&self, inst: usize, i: usize, site: Option<Span>) -> V {
        self.memo_value(inst, self.ensure_var(inst, i), site)
    }

    /// The memoised value under `key` (or the reason it has none), placed at `site`.
    pub(super) fn memo_value(&self, inst: usize, key: Result<usize, V>, site: Option<Span>) -> V {
        match key {
            Ok(k) => match self.inst(inst).vals.borrow().get(&k) {
                Some(v) => v.clone().at(site),
                None => V::unknown("the value is not available", site),
            },
            Err(u) => u.at(site),
        }
    }

    /// Evaluate parameter declaration `i` once; its memo key, or why it has no value.
    pub(super) fn ensure_param(&self, inst: usize, i: usize) -> Result<usize, V> {
        let unit = self.unit(inst);
        let Some(DeclKind::Param { name, ty, default }) = unit
            .file
            .as_ref()
            .and_then(|f| f.decls.get(i))
            .map(|d| &d.kind)
        else {
            return Err(V::unknown("not a parameter", None));
        };
        let st = self.inst(inst);
        match st.vals.borrow().lookup(&i) {
            Lookup::Done(_) => return Ok(i),
            Lookup::Cycle => return Err(memo::cycle(&format!("parameter '{}'", name.text), None)),
            Lookup::Absent => {}
        }
        st.vals.borrow_mut().start(i);
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
            let mut options = self.allowed(inst, i, ty.as_ref());
            if options.is_empty() {
                options = self.allowed_by_modules(inst, &name.text, ty.as_ref());
            }
            V::symbolic(
                format!(
                    "parameter '{}' has no default and no parameter file value",
                    name.text
                ),
                format!("parameters('{}')", name.text),
                Some(name.span),
            )
            .one_of(&format!("parameter '{}'", name.text), &options)
        };
        st.vals.borrow_mut().finish(i, v);
        Ok(i)
    }

    /// The values a scalar parameter `pname` without a value can take because the file passes it
    /// on unchanged (`apimSku: apimSku`) to a module whose parameter lists its values: ARM
    /// validates a module's `@allowed` when it deploys it, so every unconditional module call
    /// narrows the parameter (to what all such lists share). Only literal lists are read; none
    /// is empty.
    fn allowed_by_modules(&self, inst: usize, pname: &str, ty: Option<&TypeRef>) -> Vec<V> {
        let ty_text = ty.map_or("", |t| self.sources.get(t.span.file).slice(t.span).trim());
        if !matches!(ty_text, "string" | "int") {
            return Vec::new();
        }
        let unit = self.unit(inst);
        let Some(file) = unit.file.as_ref() else {
            return Vec::new();
        };
        let mut found: Option<Vec<V>> = None;
        for (m, d) in file.decls.iter().enumerate() {
            // Unconditional and not looped: the body is the object itself.
            let DeclKind::Module { body, .. } = &d.kind else {
                continue;
            };
            let (ExprKind::Object(_), Some(Target::Local(fid))) =
                (&body.kind, unit.modules.get(&m))
            else {
                continue;
            };
            let Some(ExprKind::Object(params)) = object_prop(body, "params").map(|p| &p.kind)
            else {
                continue;
            };
            for it in params.iter() {
                let ObjItem::Prop {
                    key:
                        ObjKey {
                            name: KeyName::Lit(k),
                            ..
                        },
                    value,
                    ..
                } = it
                else {
                    continue;
                };
                if !matches!(&value.kind, ExprKind::Ident(n) if &**n == pname) {
                    continue;
                }
                let Some(list) = self
                    .prog
                    .unit(*fid)
                    .and_then(|u| literal_allowed(self.sources, u, k))
                else {
                    continue;
                };
                crate::model::value::narrow_options(&mut found, list);
            }
        }
        found.unwrap_or_default()
    }

    /// The values of a scalar parameter's `@allowed([...])` (on an array parameter they
    /// constrain the elements, not the value).
    pub(super) fn allowed(&self, inst: usize, i: usize, ty: Option<&TypeRef>) -> Vec<V> {
        let Some(decl) = self.unit(inst).file.as_ref().and_then(|f| f.decls.get(i)) else {
            return Vec::new();
        };
        let ty_text = ty.map_or("", |t| self.sources.get(t.span.file).slice(t.span).trim());
        if ty_text.starts_with("array") || ty_text.starts_with("object") || ty_text.ends_with(']') {
            return Vec::new();
        }
        // A union of string literals, `'Developer' | 'Premium'`, lists the values as @allowed does.
        if ty_text.contains('|') {
            return union_literals(ty_text, ty.map(|t| t.span)).unwrap_or_default();
        }
        for d in &decl.decorators {
            let ExprKind::Call(call) = &d.kind else {
                continue;
            };
            let Call { name, args, .. } = &**call;
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
    pub(super) fn text(&self, e: &Expr) -> String {
        choice_name(self.sources.get(e.span.file).slice(e.span))
    }

    /// Evaluate variable declaration `i` once; its memo key, or why it has no value.
    pub(super) fn ensure_var(&self, inst: usize, i: usize) -> Result<usize, V> {
        let unit = self.unit(inst);
        let Some(DeclKind::Var { name, value }) = unit
            .file
            .as_ref()
            .and_then(|f| f.decls.get(i))
            .map(|d| &d.kind)
        else {
            return Err(V::unknown("not a variable", None));
        };
        let st = self.inst(inst);
        match st.vals.borrow().lookup(&i) {
            Lookup::Done(_) => return Ok(i),
            Lookup::Cycle => return Err(memo::cycle(&format!("variable '{}'", name.text), None)),
            Lookup::Absent => {}
        }
        st.vals.borrow_mut().start(i);
        let v = self.expr(&Env::top(inst), value);
        st.vals.borrow_mut().finish(i, v);
        Ok(i)
    }

    /// `a.b[0].c` rooted at a loop variable, parameter or variable, walked by reference: the
    /// root value (often a large configuration object) is not copied for every access.
    pub(super) fn path_access(&self, env: &Env, e: &Expr) -> Option<V> {
        let mut chain: Vec<&Expr> = Vec::new();
        let mut cur = e;
        let root = loop {
            match &cur.kind {
                ExprKind::Member(m) => {
                    chain.push(cur);
                    cur = &m.base;
                }
                ExprKind::Index { base, .. } => {
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
                    (ExprKind::Member(m), None) => step_member(at, &m.name.text, m.safe, site),
                    (ExprKind::Index { safe, .. }, None) => {
                        step_index(at, i.as_ref().unwrap_or(&V::null(None)), *safe, site)
                    }
                    (ExprKind::Member(m), Some(v)) => {
                        Err(member_value(&v, &m.name.text, m.safe, site).at(site))
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
    pub(super) fn import_inst(&self, f: FileId) -> Option<usize> {
        self.prog.unit(f)?.file.as_ref()?;
        if let Some(i) = self.import_insts.borrow().get(&f) {
            return Some(*i);
        }
        let i = self.new_inst(Some(f), f, HashMap::new(), None, None, vec![f]);
        self.import_insts.borrow_mut().insert(f, i);
        Some(i)
    }

    /// An exported variable (or anything named) of an imported file.
    pub(super) fn exported(&self, inst: usize, name: &str, site: Option<Span>) -> V {
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

    pub(super) fn member_expr(
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
}

pub(super) fn and3(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

/// A binary operator on two values (the left side did not decide alone).
pub(super) fn binop(op: BinOp, x: &V, y: &V, site: Option<Span>) -> V {
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

pub(super) fn bool_of(v: &V) -> Option<bool> {
    match &v.kind {
        VKind::Bool(b) => Some(*b),
        _ => None,
    }
}

pub(super) fn unknown2(a: &V, b: &V, site: Option<Span>) -> V {
    if a.find_unknown().is_some() {
        functions::unknown_from(a, site)
    } else {
        functions::unknown_from(b, site)
    }
}

/// The values of a union of string literals (`'Developer' | 'Premium'`); `None` when a member
/// is anything else.
fn union_literals(ty_text: &str, span: Option<Span>) -> Option<Vec<V>> {
    ty_text
        .split('|')
        .map(|p| {
            let p = p.trim();
            let inner = p.strip_prefix('\'')?.strip_suffix('\'')?;
            (!inner.contains(['\'', '\\', '$'])).then(|| V::str(inner, span))
        })
        .collect()
}

/// The literal values parameter `name` of a unit lists: its `@allowed` strings or numbers, or
/// a union type of string literals (`None`: it has no such list, or one item is not a literal).
fn literal_allowed(
    sources: &crate::source::SourceMap,
    unit: &crate::frontend::bicep::program::Unit,
    name: &str,
) -> Option<Vec<V>> {
    let decl = unit.file.as_ref()?.decls.iter().find(
        |d| matches!(&d.kind, DeclKind::Param { name: n, .. } if n.text.eq_ignore_ascii_case(name)),
    )?;
    if let DeclKind::Param { ty: Some(t), .. } = &decl.kind {
        let text = sources.get(t.span.file).slice(t.span).trim();
        if text.contains('|') {
            return union_literals(text, Some(t.span)).filter(|l| !l.is_empty());
        }
    }
    let args = decl.decorators.iter().find_map(|d| match &d.kind {
        ExprKind::Call(call) if &*call.name.text == "allowed" => call.args.first(),
        _ => None,
    })?;
    let ExprKind::Array(items) = &args.kind else {
        return None;
    };
    items
        .iter()
        .map(|it| match it {
            ArrayItem::Item(x) => match &x.kind {
                ExprKind::Str(t) => Some(V::str(&**t, Some(x.span))),
                ExprKind::Int(n) => Some(V::int(*n, Some(x.span))),
                _ => None,
            },
            ArrayItem::Spread(_) => None,
        })
        .collect::<Option<Vec<V>>>()
        .filter(|l| !l.is_empty())
}
