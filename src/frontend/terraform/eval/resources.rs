//! Resources and data sources: `count`/`for_each` expansion, bodies, `dynamic` blocks, and
//! references to them.

use super::*;

impl<'w> Eval<'w> {
    /// Like [`Eval::resource_ref`], but shares the stored value, and when the reference goes on
    /// with an index (`azurerm_subnet.x[0]`, `…["key"]`) takes just that instance. Returns the
    /// value and how many of the following operators it used (0 or 1).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn resource_rc(
        &mut self,
        inst: usize,
        data: bool,
        rtype: &str,
        name: &str,
        next: Option<&Op>,
        sc: &Scope,
        span: Span,
    ) -> (Arc<V>, usize) {
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
        (
            Arc::new(self.resource_ref(inst, data, rtype, name, span)),
            0,
        )
    }

    /// The value of `type.name` (or `data.type.name`) in an instance: the object, or the list
    /// or map of objects under `count`/`for_each`.
    pub(super) fn resource_ref(
        &mut self,
        inst: usize,
        data: bool,
        rtype: &str,
        name: &str,
        span: Span,
    ) -> V {
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
            // `count` unknown: the one instance we assume stands in for `[0]`.
            Shape::Count(_, _) if !set.items.is_empty() => V::arr(
                set.items
                    .iter()
                    .map(|it| (*it.value).clone())
                    .take(1)
                    .collect(),
                s,
            ),
            Shape::Unknown(r) => match set.items.first() {
                Some(it) if matches!(it.key.kind, VKind::Unknown(_)) && r.starts_with("count") => {
                    V::arr(vec![(*it.value).clone()], s)
                }
                _ => V::unknown(r.clone(), s),
            },
            Shape::Count(r, _) => V::unknown(r.clone(), s),
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

    /// A `count` stv2lint does not expand in full (over [`MAX_INSTANCES`]) or Terraform refuses
    /// (negative) is said: the instances checked are not what is deployed.
    fn count_capped(&mut self, n: i64, at: Span) {
        let what = if n < 0 {
            "Terraform refuses a negative count, so none is checked".to_string()
        } else {
            format!("stv2lint checks the first {MAX_INSTANCES}")
        };
        self.report(
            crate::diagnostic::Diagnostic::new(
                crate::code::Code::Stv002,
                crate::diagnostic::Severity::Warning,
                format!("count is {n}: {what}"),
            )
            .at(Some(at))
            .help("Give count a value from 0 to 4096, or split the resources over several blocks.")
            .identity(format!("terraform|count limit|{}:{}", at.start, n)),
        );
    }

    /// Expand `count`/`for_each` into (suffix, key, scope) per instance.
    pub(super) fn expand(
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
                        Shape::Count(
                            format!("count is unknown ({})", reason_of(&n).unwrap_or("unknown"))
                                .into(),
                            n,
                        ),
                        vec![("[?]".to_string(), key, sc)],
                    )
                }
                (_, Some(n)) => {
                    if !(0..=MAX_INSTANCES).contains(&n) {
                        self.count_capped(n, c.span);
                    }
                    let n = n.clamp(0, MAX_INSTANCES);
                    if !budget::instances(n as usize) {
                        return over_budget(c.span, base, "count");
                    }
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
                    if !budget::instances(pairs.len().min(MAX_INSTANCES as usize)) {
                        return over_budget(fe.span, base, "each");
                    }
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
            if let Some(sub) = d
                .rtype
                .starts_with("azurerm_")
                .then(|| d.provider.as_deref().unwrap_or("azurerm"))
                .and_then(|p| self.insts[inst].providers.get(p))
            {
                scope_id(&mut body, sub);
            }
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
                value: Arc::new(body),
            });
        }
        let set = Rc::new(ResSet { shape, items });
        self.insts[inst].res.finish(ri, set.clone());
        set
    }

    /// A data source that names a resource declared in the run takes that resource's values.
    pub(super) fn data_lookup(&mut self, rtype: &str, body: V) -> (V, bool) {
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
        match list.find(&want) {
            Some(v) => {
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
    pub(super) fn declared(&mut self, rtype: &str) -> Arc<Declared> {
        if let Some(run) = self.run {
            return self.run_declared(run, rtype);
        }
        if let Some(d) = self.declared.get(rtype) {
            return d.clone();
        }
        if self.declaring {
            return Arc::new(Declared::default());
        }
        self.declaring = true;
        let out = Declared::new(
            self.instances_of(rtype)
                .into_iter()
                .map(|(_, id, v)| (id, v)),
        );
        self.declaring = false;
        let out = Arc::new(out);
        if self.complete {
            self.declared.insert(rtype.to_string(), out.clone());
        }
        out
    }

    /// [`Eval::declared`] over every root of the run: each root is evaluated again on its own
    /// (lookups inside it find nothing, as in a single evaluator) and only the instances of
    /// `rtype` are kept, in the order one evaluator of all roots would have made them (by
    /// module depth, then root, then instance).
    fn run_declared(&mut self, run: &Run, rtype: &str) -> Arc<Declared> {
        // Held while computing: the sub-evaluators below hold no run, so never wait for it.
        let mut table = run
            .declared
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(d) = table.get(rtype) {
            return d.clone();
        }
        // (module depth, root, instance) of each entry: the order to sort them in.
        type At = (usize, usize, usize);
        let mut found: Vec<(At, String, Arc<V>)> = Vec::new();
        for (r, (module, inputs)) in run.roots.iter().enumerate() {
            let module = match module.stub {
                true => Arc::new(module.reparsed(self.sources())),
                false => module.clone(),
            };
            let mut sub = self.sub();
            sub.declaring = true;
            sub.quiet = true;
            sub.add_root(module, inputs.clone());
            sub.instantiate_all();
            for (i, id, v) in sub.instances_of(rtype) {
                found.push(((sub.insts[i].dirs.len(), r, i), id, v));
            }
            let missed = sub.missed;
            drop(sub);
            if missed {
                // Incomplete: not kept, and this root is evaluated again serially.
                self.missed = true;
                return Arc::new(Declared::default());
            }
        }
        found.sort_by_key(|(k, _, _)| *k);
        let out = Arc::new(Declared::new(found.into_iter().map(|(_, id, v)| (id, v))));
        table.insert(rtype.to_string(), out.clone());
        out
    }

    /// (instance, id, value) of every managed instance of `rtype` in the evaluator.
    fn instances_of(&mut self, rtype: &str) -> Vec<(usize, String, Arc<V>)> {
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
                        out.push((i, id.to_string(), it.value.clone()));
                    }
                }
            }
            i += 1;
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
        // Block types with a `dynamic` over alternatives: their lists are spliced below.
        let mut open: Vec<Shared<str>> = Vec::new();
        for b in &body.blocks {
            let (kind, items) = if &*b.kind == "dynamic" {
                let Some(label) = b.labels.first() else {
                    continue;
                };
                let items = self.dynamic(b, label, sc);
                if items.iter().any(V::has_alts) && !open.contains(label) {
                    open.push(label.clone());
                }
                (label.clone(), items)
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
        if !open.is_empty() {
            for (_, v) in entries.iter_mut().filter(|(k, _)| open.contains(&k.name)) {
                if let Some(whole) = v.as_array().and_then(splice_alternatives) {
                    *v = whole;
                }
            }
        }
        V::obj(entries, Some(span))
    }

    pub(super) fn dynamic(&mut self, b: &Block, label: &str, sc: &Scope) -> Vec<V> {
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
        // A collection that is one of several known ones (`var.strict ? a : b`): the blocks of
        // each, as the alternatives of one unknown that stands for all of them.
        if let Some(alts) = coll.alts().map(<[_]>::to_vec) {
            let mut list = Vec::with_capacity(alts.len());
            for (c, a) in alts {
                let Ok(pairs) = into_pairs(a) else {
                    return self.no_dynamic(&coll, label, b);
                };
                let blocks = self.dynamic_blocks(pairs, &iter_name, content, b, sc);
                list.push((c, V::arr(blocks, Some(b.span))));
            }
            let reason = format!(
                "the dynamic \"{label}\" blocks are unknown: {}",
                reason_of(&coll).unwrap_or("for_each is not known")
            );
            return vec![V::unknown(reason, Some(b.span)).with_alts(list)];
        }
        let pairs = match into_pairs(coll) {
            Ok(pairs) => pairs,
            Err(coll) => return self.no_dynamic(&coll, label, b),
        };
        self.dynamic_blocks(pairs, &iter_name, content, b, sc)
    }

    /// The blocks of a `dynamic` over a known collection.
    fn dynamic_blocks(
        &mut self,
        pairs: Vec<(V, V)>,
        iter_name: &Shared<str>,
        content: &Block,
        b: &Block,
        sc: &Scope,
    ) -> Vec<V> {
        let mut out = Vec::with_capacity(pairs.len());
        for (k, v) in pairs {
            // Each generated block is declared by its element of the collection (a map entry
            // in a tfvars file or a local): that is where a person edits it.
            let decl = v.origin.or(v.span).unwrap_or(b.span);
            let inner = sc.with(iter_name, each_obj(k, v));
            out.push(self.eval_body(&content.body, &inner, decl));
        }
        out
    }

    /// The blocks a `dynamic` whose `for_each` is not a collection gives: none for null, else
    /// one unknown.
    fn no_dynamic(&self, coll: &V, label: &str, b: &Block) -> Vec<V> {
        if coll.is_null() {
            return vec![];
        }
        let reason = format!(
            "the dynamic \"{label}\" blocks are unknown: {}",
            reason_of(coll).unwrap_or("for_each is not a collection")
        );
        vec![V::unknown(reason, Some(b.span))]
    }

    // -----------------------------------------------------------------------------------------
}

/// Past the unit's instance budget: one instance with an unknown key stands for all of them
/// (as for an unknown `count`), so the declaration is still checked with unknowns.
fn over_budget(span: Span, base: &Scope, var: &str) -> (Shape, Vec<(String, V, Scope)>) {
    let key = budget::unknown(Some(span));
    let bound = if var == "count" {
        index_obj(key.clone())
    } else {
        each_obj(key.clone(), key.clone())
    };
    (
        Shape::Unknown("past the instance limit".into()),
        vec![("[?]".to_string(), key, base.with(var, bound))],
    )
}

/// The resource's id in its provider configuration's subscription scope: the id stands for
/// the resource wherever it is referenced, so references and name joins keep the scope.
fn scope_id(body: &mut V, sub: &str) {
    let Some(id) = body.get_exact("id") else {
        return;
    };
    const ANY: &str = "/subscriptions/{subscription}/";
    let swap = |s: &str| s.replacen(ANY, &format!("/subscriptions/{sub}/"), 1);
    let scoped = match &id.kind {
        VKind::Str(s) if s.starts_with(ANY) => V::str(swap(s), id.span),
        VKind::Unknown(u) => match &u.sym {
            Some(sym) if sym.starts_with(ANY) => {
                let mut v = id.clone();
                if let VKind::Unknown(u) = &mut v.kind {
                    u.sym = Some(swap(sym).into());
                }
                v
            }
            _ => return,
        },
        _ => return,
    };
    set_exact(body, "id", scoped);
}
