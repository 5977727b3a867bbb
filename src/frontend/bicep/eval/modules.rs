//! Modules: their iterations, deploying each instance once, and its outputs.

use super::*;

impl<'p> Eval<'p> {
    pub(super) fn mod_eval(&self, inst: usize, m: usize) -> Rc<ModEval> {
        memo::shared(
            &self.inst(inst).mods,
            &m,
            || self.compute_mod_eval(inst, m),
            || {
                Rc::new(ModEval {
                    looped: false,
                    iters: Vec::new(),
                    unknown: Some(V::unknown("the module depends on itself", None)),
                })
            },
        )
    }

    pub(super) fn compute_mod_eval(&self, inst: usize, m: usize) -> Rc<ModEval> {
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
        let (looped, list, unknown) = self.iterate(&Env::top(inst), body);
        Rc::new(ModEval {
            looped,
            iters: list
                .into_iter()
                .map(|(env, cond, _)| ModIter {
                    env,
                    cond,
                    result: Once::new(),
                })
                .collect(),
            unknown,
        })
    }

    /// `{ name, outputs }` of one module instance, deploying it (once) on first use.
    pub(super) fn mod_result(&self, inst: usize, m: usize, k: usize) -> Rc<V> {
        let ev = self.mod_eval(inst, m);
        let Some(it) = ev.iters.get(k) else {
            return Rc::new(V::unknown("no such module instance", None));
        };
        it.result.get_or(
            || Rc::new(self.deploy_module(inst, m, it)),
            || {
                Rc::new(V::unknown(
                    "the module's outputs depend on themselves",
                    None,
                ))
            },
        )
    }

    pub(super) fn deploy_module(&self, inst: usize, m: usize, it: &ModIter) -> V {
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
        let decl_span = unit
            .file
            .as_ref()
            .and_then(|f| f.decls.get(m))
            .map(|d| d.span);
        // A module not loaded that evidently deploys API Management is counted and named.
        let apim_input = prop("params").is_some_and(|ps| {
            object_prop(ps, "publisherEmail").is_some()
                || object_prop(ps, "publisherName").is_some()
        });
        let fid = match target {
            Some(Target::Local(f)) => f,
            Some(Target::Registry(p)) => {
                if crate::model::names_apim(&p) || apim_input {
                    self.deployed_calls.borrow_mut().extend(decl_span);
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
            Some(Target::Missing(p)) if crate::model::names_apim(&p) || apim_input => {
                self.deployed_calls.borrow_mut().extend(decl_span);
                self.unloaded.borrow_mut().push(crate::model::UnloadedApim {
                    module: p,
                    why: "local file not read".to_string(),
                    at: *path_span,
                    label: sym.text.to_string(),
                });
                return result(V::unknown(
                    format!("outputs of module '{path}', whose file was not loaded"),
                    site,
                ));
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
        // A module without a loop is charged here (a loop charged its iterations): ten
        // modules per level, six levels deep, are a million deployments.
        if !self.mod_eval(inst, m).looped && !budget::instances(1) {
            return result(budget::unknown(site));
        }
        let params = prop("params")
            .map(|e| self.expr(&it.env, e))
            .unwrap_or_else(|| V::obj(Vec::new(), site));
        let mut given = HashMap::new();
        if let VKind::Obj(entries) = params.kind {
            for (k, v) in entries {
                given.insert(k.name.to_ascii_lowercase(), v);
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
        let child = self.new_inst(None, fid, given, rg, above, chain);
        let d = self.depth.get();
        self.depth.set(d + 8);
        self.run(child);
        let outputs = V::clone(&self.outputs(child));
        self.depth.set(d);
        result(outputs)
    }

    pub(super) fn module_value(
        &self,
        inst: usize,
        m: usize,
        k: Option<usize>,
        site: Option<Span>,
    ) -> V {
        let ev = self.mod_eval(inst, m);
        match k {
            None if ev.looped => {
                if let Some(u) = &ev.unknown {
                    return functions::unknown_from(u, site);
                }
                V::arr(
                    (0..ev.iters.len())
                        .map(|k| V::clone(&self.mod_result(inst, m, k)).at(site))
                        .collect(),
                    site,
                )
            }
            None => V::clone(&self.mod_result(inst, m, 0)).at(site),
            Some(k) if k < ev.iters.len() => V::clone(&self.mod_result(inst, m, k)).at(site),
            Some(k) => V::unknown(format!("module index {k} is out of range"), site),
        }
    }

    pub(super) fn outputs(&self, inst: usize) -> Rc<V> {
        self.inst(inst).outputs.get_or(
            || Rc::new(self.compute_outputs(inst)),
            || {
                Rc::new(V::unknown(
                    "the deployment's outputs refer to themselves",
                    None,
                ))
            },
        )
    }

    pub(super) fn compute_outputs(&self, inst: usize) -> V {
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
        V::obj(entries, None)
    }
}
