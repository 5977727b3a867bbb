//! Calls: user-defined functions, Bicep built-ins (lambdas, scope and file functions), and the
//! ARM library for the rest.

use super::*;

impl<'p> Eval<'p> {
    pub(super) fn call(
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
    pub(super) fn call_in(
        &self,
        inst: usize,
        env: &Env,
        name: &Name,
        args: &[Expr],
        site: Option<Span>,
    ) -> V {
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

    pub(super) fn apply(&self, env: &Env, l: &Lambda, vals: Vec<V>, site: Option<Span>) -> V {
        let binds: Vec<(Shared<str>, V)> =
            l.params.iter().map(|p| p.text.clone()).zip(vals).collect();
        let _ = site;
        self.expr(&env.bind(binds), &l.body)
    }

    pub(super) fn builtin(&self, env: &Env, name: &Name, args: &[Expr], site: Option<Span>) -> V {
        let lname = name.text.to_ascii_lowercase();
        match lname.as_str() {
            "map" | "filter" | "reduce" | "sort" | "toobject" | "groupby" | "mapvalues" => {
                return self.lambda_fn(env, &lname, args, site)
            }
            // `nameof(x.y.z)` is the last name of the expression as written.
            "nameof" => {
                return match args.first().map(|a| &a.kind) {
                    Some(ExprKind::Ident(n)) => V::str(n.clone(), site),
                    Some(ExprKind::Member(m)) => V::str(m.name.text.clone(), site),
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
    pub(super) fn resource_group(&self, env: &Env, vals: &[V], site: Option<Span>) -> V {
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

    pub(super) fn load(
        &self,
        env: &Env,
        lname: &str,
        args: &[Expr],
        vals: &[V],
        site: Option<Span>,
    ) -> V {
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

    pub(super) fn loaded_value(
        &self,
        fid: FileId,
        lname: &str,
        path: Option<&V>,
        site: Option<Span>,
    ) -> V {
        let text = &self.sources.get(fid).text;
        // Bicep refuses to build a file that loads more (its documented limits, in characters).
        let limit = match lname {
            "loadtextcontent" => 131_072,
            _ => 1_048_576,
        };
        if text.len() > limit {
            let n = text.chars().count();
            if n > limit {
                return V::unknown(
                    format!("the loaded file has {n} characters, more than the {limit} {lname}() accepts: Bicep refuses to build it"),
                    site,
                );
            }
        }
        match lname {
            "loadtextcontent" => V::str(text.as_str(), site),
            "loadjsoncontent" => match crate::frontend::json::parse(text, fid) {
                Ok(p) => json_path(p.value, path, site),
                Err(e) => V::unknown(format!("the loaded JSON is invalid: {}", e.message), site),
            },
            // The same YAML reading as Terraform's `yamldecode`; values point at the call.
            "loadyamlcontent" => match crate::frontend::kernel::yaml::check_nesting(text) {
                Err((line, why)) => V::unknown(
                    format!("the loaded YAML is refused: line {line}: {why}"),
                    site,
                ),
                Ok(()) => match serde_yaml::from_str::<serde_json::Value>(text) {
                    Ok(j) => json_path(V::from_json_at(&j, site), path, site),
                    Err(e) => V::unknown(format!("the loaded YAML is invalid: {e}"), site),
                },
            },
            _ => V::unknown(format!("{lname}() content is not evaluated"), site),
        }
    }

    pub(super) fn lambda_fn(&self, env: &Env, name: &str, args: &[Expr], site: Option<Span>) -> V {
        let lambda_at = |i: usize| -> Option<&Shared<Lambda>> {
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

/// The part of a loaded document a `load*Content` path names (`$.a.b`).
fn json_path(mut v: V, path: Option<&V>, site: Option<Span>) -> V {
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
