//! References: `var.`, `local.`, `module.` and their memoised values, validations, and
//! traversals.

use super::*;

impl<'w> Eval<'w> {
    pub(super) fn bare(&mut self, name: &str, sc: &Scope, span: Span) -> V {
        if let Some(v) = sc.get(name) {
            return (**v).clone().at(Some(span));
        }
        match name {
            "count" | "each" => self.err(format!("`{name}` is not set here"), span),
            "self" => V::unknown("`self` is only known at apply", Some(span)),
            _ => self.err(format!("`{name}` cannot be used on its own here"), span),
        }
    }

    pub(super) fn traversal(&mut self, root: &Expr, ops: &[Op], sc: &Scope, span: Span) -> V {
        let s = Some(span);
        let mut rest = ops;
        // A variable, local or resource: held by its memo for the evaluator's life.
        let mut memoized = true;
        let base: Arc<V> = 'base: {
            let ExprKind::Var(name) = &root.kind else {
                memoized = false;
                break 'base Arc::new(self.eval(root, sc));
            };
            if let Some(v) = sc.get(name) {
                memoized = false;
                break 'base v.clone();
            }
            let attr = |i: usize| match ops.get(i) {
                Some(Op::Attr(n, _)) => Some(n.clone()),
                _ => None,
            };
            match &**name {
                "var" => {
                    let Some(n) = attr(0) else {
                        break 'base Arc::new(self.err("`var` needs a variable name", span));
                    };
                    rest = &ops[1..];
                    break 'base self.var_rc(sc.inst, &n, span);
                }
                "local" => {
                    let Some(n) = attr(0) else {
                        break 'base Arc::new(self.err("`local` needs a name", span));
                    };
                    rest = &ops[1..];
                    break 'base self.local_rc(sc.inst, &n, span);
                }
                "module" => {
                    let Some(n) = attr(0) else {
                        break 'base Arc::new(self.err("`module` needs a name", span));
                    };
                    return self.module_ref(sc, &n, &ops[1..], span);
                }
                "data" => {
                    let (Some(t), Some(n)) = (attr(0), attr(1)) else {
                        break 'base Arc::new(self.err("`data` needs a type and a name", span));
                    };
                    let (v, used) = self.resource_rc(sc.inst, true, &t, &n, ops.get(2), sc, span);
                    rest = &ops[2 + used..];
                    break 'base v;
                }
                "path" => {
                    let Some(n) = attr(0) else {
                        break 'base Arc::new(self.err("`path` needs an attribute", span));
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
                    break 'base Arc::new(V::str(dir.to_string_lossy().as_ref(), s));
                }
                "terraform" => {
                    rest = &ops[1.min(ops.len())..];
                    break 'base Arc::new(match attr(0).as_deref() {
                        Some("workspace") => V::str("default", s),
                        _ => V::unknown("terraform.* is not known", s),
                    });
                }
                "count" | "each" | "self" => break 'base Arc::new(self.bare(name, sc, span)),
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
        let v = match memoized.then(|| self.indexed_step(&base, &opv)).flatten() {
            Some(child) => nav(child, &opv[1..], span, &mut self.errors),
            None => nav(&base, &opv, span, &mut self.errors),
        };
        let v = lift_nav(&base, &opv, v, span);
        v.at(s)
    }

    /// The first step of a traversal into a large memoized map (`local.rules[each.key]`), by
    /// an index of its entries built once: read in a loop over its own keys, a scan per read
    /// made the loop quadratic (60,000 keys: 13 s). `None` when the step is not such a read
    /// or finds nothing, and the walk goes the ordinary way (which the index agrees with: the
    /// last exact match; a child with alternatives is left to the walk, which reads it per
    /// alternative).
    fn indexed_step<'b>(&mut self, base: &'b Arc<V>, opv: &[OpV]) -> Option<&'b V> {
        const MIN: usize = 64;
        let VKind::Obj(entries) = &base.kind else {
            return None;
        };
        // Only a value some memo holds too: a resource read that builds a fresh object each
        // time (a missing key of a `for_each` resource) would otherwise be kept, with an
        // index, once per read.
        if entries.len() < MIN || Arc::strong_count(base) < 2 {
            return None;
        }
        let key = match opv.first()? {
            OpV::Attr(n) => std::borrow::Cow::Borrowed(&**n),
            OpV::Index(k) if !k.is_unknown() => hcl_key(k)?,
            _ => return None,
        };
        let (_, ix) = self
            .obj_index
            .entry(Arc::as_ptr(base) as usize)
            .or_insert_with(|| {
                let ix = entries
                    .iter()
                    .enumerate()
                    .map(|(i, (k, _))| (k.name.clone(), i))
                    .collect();
                (base.clone(), ix)
            });
        let child = &entries[*ix.get(&*key)?].1;
        (opv.len() == 1 || !child.has_alts()).then_some(child)
    }

    pub(super) fn eval_ops(&mut self, ops: &[Op], sc: &Scope) -> Vec<OpV> {
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

    pub(super) fn var_rc(&mut self, inst: usize, name: &str, span: Span) -> Arc<V> {
        match self.insts[inst].vars.lookup(name) {
            Lookup::Done(v) => return v.clone(),
            Lookup::Cycle => {
                return Arc::new(self.err(memo::cycle_reason(&format!("variable `{name}`")), span))
            }
            Lookup::Absent => {}
        }
        let module = self.insts[inst].module.clone();
        let Some(decl) = module.var(name) else {
            return Arc::new(undeclared(&format!("variable `{name}`"), span));
        };
        self.insts[inst].vars.start(name.into());
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
            Some(t) => convert_owned(v, t, 0),
            None => v,
        };
        let v = self.validated(inst, name, &decl.validations, v);
        let v = Arc::new(v);
        self.insts[inst].vars.finish_ref(name, v.clone());
        v
    }

    /// A variable without a value (`v`) whose validation lists what it can be; for a root
    /// variable without such a list, what the modules it is passed to unchanged list
    /// ([`Eval::options_by_modules`]).
    #[inline(never)]
    pub(super) fn validated(&mut self, inst: usize, name: &str, conds: &[Expr], v: V) -> V {
        if !v.is_unknown() || v.has_alts() {
            return v;
        }
        let mut options = if conds.is_empty() {
            Vec::new()
        } else {
            self.validation_options(inst, name, conds)
        };
        if options.is_empty() && self.insts[inst].site.is_none() {
            options = self.options_by_modules(inst, name);
        }
        if options.is_empty() {
            return v;
        }
        let choice = match &self.insts[inst].site {
            None => format!("var.{name}"),
            Some(_) => format!("{}.var.{name}", self.insts[inst].addr),
        };
        v.one_of(&choice, &options)
    }

    /// The list of a `validation` condition written exactly `contains([...], var.<name>)` with
    /// literal elements; empty when there is none (a transformed variable, `can(regex(…))`,
    /// a computed list say nothing exact about the value).
    pub(super) fn validation_options(&mut self, inst: usize, name: &str, conds: &[Expr]) -> Vec<V> {
        for items in conds.iter().filter_map(|c| contains_list(c, name)) {
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

    /// The values root variable `name` can take because the root passes it unchanged
    /// (`sku = var.sku`) to local modules, called once each (no `count` or `for_each`), whose
    /// variable validates it against a literal list (`contains([...], var.sku)`): Terraform
    /// refuses the plan otherwise. What all such lists share; empty when there is none.
    pub(super) fn options_by_modules(&mut self, inst: usize, name: &str) -> Vec<V> {
        let module = self.insts[inst].module.clone();
        let mut found: Option<Vec<V>> = None;
        for c in &module.calls {
            if c.count.is_some() || c.for_each.is_some() {
                continue;
            }
            let Some((src, _)) = &c.source else { continue };
            let names: Vec<Shared<str>> = c
                .args
                .iter()
                .filter(|a| is_var_ref(&a.expr, name))
                .map(|a| a.name.clone())
                .collect();
            if names.is_empty() {
                continue;
            }
            let child = match resolve_source(&module.dir, src) {
                Source::Local(dir) if self.refused(&dir).is_none() => self.load_module(&dir),
                _ => None,
            };
            let Some(child) = child else { continue };
            for n in names {
                let Some(list) = child
                    .var(&n)
                    .and_then(|d| literal_options(&n, &d.validations))
                else {
                    continue;
                };
                crate::model::value::narrow_options(&mut found, list);
            }
        }
        found.unwrap_or_default()
    }

    /// The value given to a variable by the module call or the root's inputs, if any.
    pub(super) fn var_value(&mut self, inst: usize, module: &Module, name: &str) -> Option<V> {
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
                    crate::frontend::terraform::parse::hcl_expr(&text, decl.span)
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

    pub(super) fn local_rc(&mut self, inst: usize, name: &str, span: Span) -> Arc<V> {
        match self.insts[inst].locals.lookup(name) {
            Lookup::Done(v) => return v.clone(),
            Lookup::Cycle => {
                return Arc::new(self.err(memo::cycle_reason(&format!("local `{name}`")), span))
            }
            Lookup::Absent => {}
        }
        let module = self.insts[inst].module.clone();
        let Some(expr) = module.locals.get(name) else {
            return Arc::new(undeclared(&format!("local `{name}`"), span));
        };
        self.insts[inst].locals.start(name.into());
        let v = Arc::new(self.eval(expr, &Scope::new(inst)));
        self.insts[inst].locals.finish_ref(name, v.clone());
        v
    }

    pub fn output(&mut self, inst: usize, name: &str, span: Span) -> V {
        match self.insts[inst].outputs.lookup(name) {
            Lookup::Done(v) => return (**v).clone().at(Some(span)),
            Lookup::Cycle => {
                return self.err(memo::cycle_reason(&format!("output `{name}`")), span)
            }
            Lookup::Absent => {}
        }
        let module = self.insts[inst].module.clone();
        let Some(expr) = module.outputs.get(name) else {
            let addr = self.insts[inst].addr.clone();
            return self.err(format!("{addr} has no output `{name}`"), span);
        };
        self.insts[inst].outputs.start(name.into());
        let v = Arc::new(self.eval(expr, &Scope::new(inst)));
        self.insts[inst].outputs.finish_ref(name, v.clone());
        (*v).clone().at(Some(span))
    }

    /// Every output of an instance, as one object.
    pub(super) fn all_outputs(&mut self, inst: usize, span: Span) -> V {
        let module = self.insts[inst].module.clone();
        let mut names: Vec<&Shared<str>> = module.outputs.keys().collect();
        names.sort();
        let entries = names
            .into_iter()
            .map(|n| (Key::new(n.clone(), None), self.output(inst, n, span)))
            .collect();
        V::obj(entries, Some(span))
    }

    pub(super) fn module_ref(&mut self, sc: &Scope, name: &str, ops: &[Op], span: Span) -> V {
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
            Shape::Unknown(r) | Shape::Count(r, _) => V::unknown(r.clone(), s),
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
}

/// Whether `e` is exactly `var.<name>`.
fn is_var_ref(e: &Expr, name: &str) -> bool {
    matches!(&e.kind, ExprKind::Trav(root, ops)
        if matches!(&root.kind, ExprKind::Var(r) if &**r == "var")
            && matches!(ops.as_slice(), [Op::Attr(n, _)] if &**n == name))
}

/// The items of a validation condition written exactly `contains([...], var.<name>)`.
fn contains_list<'e>(c: &'e Expr, name: &str) -> Option<&'e [Expr]> {
    let ExprKind::Call(f, args, false) = &c.kind else {
        return None;
    };
    match (&**f, args.as_slice()) {
        ("contains", [list, var]) if is_var_ref(var, name) => match &list.kind {
            ExprKind::Arr(items) => Some(items),
            _ => None,
        },
        _ => None,
    }
}

/// The literal list of a validation written `contains([...], var.<name>)` (items written as
/// literals: the list is read outside the module's scope).
fn literal_options(name: &str, conds: &[Expr]) -> Option<Vec<V>> {
    conds.iter().find_map(|c| {
        contains_list(c, name)?
            .iter()
            .map(|x| match &x.kind {
                ExprKind::Str(t) => Some(V::str(&**t, Some(x.span))),
                ExprKind::Int(i) => Some(V::int(*i, Some(x.span))),
                ExprKind::Bool(b) => Some(V::bool(*b, Some(x.span))),
                _ => None,
            })
            .collect::<Option<Vec<V>>>()
            .filter(|l| !l.is_empty())
    })
}
