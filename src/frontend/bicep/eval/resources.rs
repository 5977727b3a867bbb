//! Resources: their iterations, identities (type, name path, scope, id) and bodies, and what a
//! reference to a resource reads.

use super::*;

impl<'p> Eval<'p> {
    pub(super) fn res_eval(&self, inst: usize, r: usize) -> Rc<ResEval> {
        memo::shared(
            &self.inst(inst).res,
            &r,
            || self.compute_res_eval(inst, r),
            || {
                Rc::new(ResEval {
                    looped: false,
                    iters: Vec::new(),
                    unknown: Some(V::unknown("the resource depends on itself", None)),
                })
            },
        )
    }

    pub(super) fn compute_res_eval(&self, inst: usize, r: usize) -> Rc<ResEval> {
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
                    ident: Once::new(),
                    body: Once::new(),
                });
            }
        }
        Rc::new(ev)
    }

    /// The iterations of a resource or module body: `(looped, [(env, condition, index)], why unknown)`.
    #[allow(clippy::type_complexity)]
    pub(super) fn iterate(
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
                // The condition of one iteration: the loop's filter, or a body `if` written
                // instead of one (`[for …: if (c) {…}]`).
                let cond_of = |e: &Env| {
                    let cond = match &f.filter {
                        Some(x) => bool_of(&self.expr(e, x)),
                        None => Some(true),
                    };
                    match &f.body.kind {
                        ExprKind::If { cond: c2, .. } => and3(cond, bool_of(&self.expr(e, c2))),
                        _ => cond,
                    }
                };
                let items = match &coll.kind {
                    VKind::Arr(items) => items.clone(),
                    // An unknown collection (`regions` without a value): one iteration with an
                    // unknown item and index stands for all of them, so what each declares is
                    // checked (or named unknown) as Terraform's unknown `for_each` and ARM's
                    // unknown copy count are, instead of the resource vanishing.
                    VKind::Unknown(_) => {
                        let item = functions::unknown_from(&coll, Some(f.iter.span));
                        let mut b = Vec::new();
                        if let Some(n) = &f.item {
                            b.push((n.text.clone(), item));
                        }
                        if let Some(n) = &f.index {
                            b.push((n.text.clone(), functions::unknown_from(&coll, Some(n.span))));
                        }
                        let e = env.bind(b);
                        let cond = cond_of(&e);
                        return (true, vec![(e, cond, None)], Some(coll));
                    }
                    _ => return (true, Vec::new(), Some(coll)),
                };
                let n = items.len().min(MAX_LOOP);
                if !budget::items(n) || !budget::instances(n) {
                    return (true, Vec::new(), Some(budget::unknown(Some(f.iter.span))));
                }
                let mut out = Vec::new();
                for (i, item) in items.into_iter().enumerate().take(MAX_LOOP) {
                    let e = self.bind_loop(env, f, item, i);
                    let cond = cond_of(&e);
                    out.push((e, cond, Some(i)));
                }
                (true, out, None)
            }
            _ => (false, vec![(env.clone(), Some(true), None)], None),
        }
    }

    /// Whether one iteration (`env`) of a resource body is deployed, when its `if` or loop
    /// filter is not known: the model checks with and without it. A parent's unknown condition
    /// does not count: where the parent is not deployed, neither is what it holds.
    pub(super) fn presence(&self, env: &Env, body: &Expr) -> Option<crate::model::Presence> {
        let of = |cond: &Expr| {
            crate::model::presence(&self.expr(env, cond), || self.text(cond), ("true", "false"))
        };
        match &body.kind {
            ExprKind::If { cond, .. } => of(cond),
            ExprKind::For(f) => {
                let filter = f.filter.as_ref().and_then(&of);
                let inner = match &f.body.kind {
                    ExprKind::If { cond, .. } => of(cond),
                    _ => None,
                };
                crate::model::both(filter, inner)
            }
            _ => None,
        }
    }

    pub(super) fn res_ident(&self, inst: usize, r: usize, k: usize) -> Rc<Ident> {
        let ev = self.res_eval(inst, r);
        let Some(it) = ev.iters.get(k) else {
            return Rc::new(unknown_ident());
        };
        it.ident.get_or(
            || Rc::new(self.compute_ident(inst, r, it)),
            || Rc::new(unknown_ident()),
        )
    }

    pub(super) fn compute_ident(&self, inst: usize, r: usize, it: &Iter) -> Ident {
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
    pub(super) fn own_name(&self, inst: usize, r: usize, it: &Iter, site: Option<Span>) -> V {
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
                let n = self.number(inst);
                if n > 0 {
                    idx.push_str(&format!("@{n}"));
                }
                let sym = format!("${{{}{idx}.name}}", info.path.replace('/', "_"));
                let mut s = V::symbolic(u.reason.clone(), sym, v.span);
                s.origin = v.origin;
                s
            }
            _ => v,
        }
    }

    /// A resource instance's evaluated body, shared by the model and every reference.
    pub(super) fn res_body(&self, inst: usize, r: usize, k: usize) -> Rc<V> {
        let ev = self.res_eval(inst, r);
        let Some(it) = ev.iters.get(k) else {
            return Rc::new(V::unknown("no such resource instance", None));
        };
        let unit = self.unit(inst);
        let decl = &unit.resources[r].decl;
        it.body.get_or(
            || Rc::new(self.compute_body(it, decl)),
            || {
                Rc::new(V::unknown(
                    format!("resource '{}' refers to its own properties", decl.name.text),
                    Some(decl.span),
                ))
            },
        )
    }

    pub(super) fn compute_body(&self, it: &Iter, decl: &ResourceDecl) -> V {
        match body_object(&decl.body) {
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
        }
    }

    /// Which resource (and which of its iterations) an expression names, if it names one.
    pub(super) fn res_target(&self, env: &Env, e: &Expr) -> Option<Target3> {
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
            ExprKind::Child(child) => {
                let Child { base, name } = &**child;
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

    pub(super) fn resource_index(
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
    pub(super) fn identity_member(
        &self,
        t: &Target3,
        member: &str,
        site: Option<Span>,
    ) -> Option<V> {
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
    pub(super) fn target_value(&self, t: &Target3, site: Option<Span>) -> V {
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

    pub(super) fn ref_value(&self, inst: usize, r: usize, k: usize, site: Option<Span>) -> V {
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
            let mut b = V::clone(&self.res_body(inst, r, k));
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
}

pub(super) fn unknown_ident() -> Ident {
    Ident {
        rtype: String::new(),
        api: None,
        api_span: Span::new(FileId(0), 0, 0),
        names: vec![V::unknown("the resource refers to itself", None)],
        rg: None,
        above_rg: false,
    }
}

/// `'vnet/subnet'` written as one name counts as two segments (also `'${nsg.name}/rule'`
/// when the NSG's name is symbolic).
pub(super) fn split_name(v: &V) -> Vec<V> {
    match &v.kind {
        VKind::Unknown(u) if let Some(s) = u.sym.as_ref().filter(|s| s.contains('/')) => s
            .split('/')
            .map(|p| {
                let mut x = V::symbolic(u.reason.clone(), p, v.span);
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

pub(super) fn looks_full_type(t: &str) -> bool {
    t.split('/').next().is_some_and(|ns| ns.contains('.'))
}

/// Names joined by `/`: a string, a symbolic name, or unknown.
pub(super) fn full_name(names: &[V]) -> V {
    let span = names.last().and_then(|n| n.span);
    let mut text = String::new();
    let mut reason: Option<Shared<str>> = None;
    for (i, n) in names.iter().enumerate() {
        if i > 0 {
            text.push('/');
        }
        match &n.kind {
            VKind::Str(s) => text.push_str(s),
            VKind::Unknown(u) if let Some(s) = &u.sym => {
                text.push_str(s);
                reason.get_or_insert(u.reason.clone());
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
pub(super) fn id_of(ident: &Ident, site: Option<Span>) -> V {
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
    let scope = if ident.above_rg && ident.rg.is_none() {
        IdScope::Subscription("{subscription}")
    } else {
        let rg = ident
            .rg
            .as_ref()
            .and_then(|r| r.as_str())
            .unwrap_or("{resourceGroup}");
        IdScope::ResourceGroup("{subscription}", rg)
    };
    V::str(
        ResourceId::build(scope, &ident.rtype, &names).to_string(),
        site,
    )
}

/// An identity from an id value (`parent: someParam` is rare, but ids always parse).
pub(super) fn ident_from_id(v: &V) -> Option<Rc<Ident>> {
    let id = ResourceId::parse(v.as_name()?)?;
    // The resource group as the linker keys it (lower-cased, none when a placeholder).
    let key = crate::model::ResKey::of(&id);
    Some(Rc::new(Ident {
        rtype: id.rtype(),
        api: None,
        api_span: v.span.unwrap_or(Span::new(FileId(0), 0, 0)),
        names: id.names().map(|n| V::str(n, v.span)).collect(),
        rg: key.rg.map(|r| V::str(r, v.span)),
        above_rg: false,
    }))
}

/// `(resource group name, above a resource group)` of a `scope:` value; `None` when the scope
/// is another resource (extension resources) and the deployment's group applies.
pub(super) fn scope_of(v: &V) -> Option<(Option<V>, bool)> {
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
