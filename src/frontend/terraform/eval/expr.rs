//! Expressions: templates, operators, conditionals, `for` expressions and function calls.

use super::*;
use crate::model::value::ObjBuilder;

impl<'w> Eval<'w> {
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

    pub(super) fn eval_inner(&mut self, e: &Expr, sc: &Scope) -> V {
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
                let mut out = ObjBuilder::new(false, entries.len());
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
                    match out.position(&key.name) {
                        Some(i) => out.entry_mut(i).1 = val,
                        None => out.push(key, val),
                    }
                }
                V::obj(out.into_entries(), span)
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
    pub(super) fn template_alts(&mut self, parts: &[TPart], sc: &Scope, span: Span, part: &V) -> V {
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
    pub(super) fn cond_unknown(
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
        let text = || choice_name(self.sources().get(c.span.file).slice(c.span));
        choose(normal, cv, text, &tv, &fv)
    }

    pub(super) fn template(&mut self, parts: &[TPart], sc: &Scope, span: Span) -> V {
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
    pub(super) fn template_into(
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
                    if v.has_alts() {
                        return Err(v);
                    }
                    if kernel_text::push(text, &v, Style::Hcl) {
                        continue;
                    }
                    match &v.kind {
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
                    let pairs = match into_pairs(self.eval(coll, sc)) {
                        Ok(pairs) => pairs,
                        Err(c) => return Err(unknown_like(&c, Some(span))),
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

    pub(super) fn binary(&mut self, op: BinOp, a: &Expr, b: &Expr, sc: &Scope, span: Span) -> V {
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

    pub(super) fn for_expr(&mut self, f: &ForExpr, sc: &Scope, span: Span) -> V {
        let s = Some(span);
        let coll = self.eval(&f.coll, sc);
        if coll.is_null() {
            return self.err("a for expression over null", span);
        }
        let pairs = match into_pairs(coll) {
            Ok(pairs) => pairs,
            Err(coll) => {
                return match &coll.kind {
                    VKind::Unknown(_) => unknown_like(&coll, s),
                    _ => self.err(format!("cannot iterate over {}", coll.show()), span),
                }
            }
        };
        if !budget::items(pairs.len()) {
            return budget::unknown(s);
        }
        let mut arr = Vec::new();
        let mut obj = ObjBuilder::new(false, 0);
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
                    match obj.position(&kt).map(|i| obj.entry_mut(i)) {
                        Some(slot) if f.group => {
                            if let VKind::Arr(items) = &mut slot.1.kind {
                                items.push(val);
                            }
                        }
                        Some(slot) => slot.1 = val,
                        None => {
                            let val = if f.group { V::arr(vec![val], s) } else { val };
                            obj.push(Key::new(kt, kv.span), val);
                        }
                    }
                }
            }
        }
        if f.key.is_some() {
            V::obj(obj.into_entries(), s)
        } else {
            V::arr(arr, s)
        }
    }

    pub(super) fn call(
        &mut self,
        name: &str,
        args: &[Expr],
        expand: bool,
        sc: &Scope,
        span: Span,
    ) -> V {
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
            "file" => {
                return match vals.first() {
                    Some(p) if let Some(path) = p.as_str() => self.read_file(sc.inst, path, s),
                    Some(p) if p.is_unknown() => unknown_like(p, s),
                    _ => self.err("file() needs a path", span),
                }
            }
            "templatefile" | "filebase64" | "filemd5" | "filesha256" | "fileset" => {
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
}
