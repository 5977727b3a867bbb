//! Module instances: expanding module calls, creating each instance once, module cycles.

use super::*;

impl<'w> Eval<'w> {
    /// Whether a module deploys API Management: it declares an instance (each added to
    /// `inner`), or a call in it does (a local module, or one not loaded that evidently does).
    /// Each directory is looked at once (`seen`), so a module calling itself ends.
    fn module_apims(
        &mut self,
        m: &Arc<Module>,
        seen: &mut std::collections::HashSet<std::path::PathBuf>,
        inner: &mut Vec<Span>,
    ) -> bool {
        if !seen.insert(m.dir.clone()) || seen.len() > MAX_MODULE_DEPTH * 8 {
            return false;
        }
        let before = inner.len();
        inner.extend(
            m.resources
                .iter()
                .filter(|r| crate::frontend::terraform::declares_apim(r))
                .map(|r| r.span),
        );
        let mut any = inner.len() > before;
        for c in &m.calls {
            let local = match &c.source {
                Some((src, _)) => match resolve_source(&m.dir, src) {
                    Source::Local(dir) if self.refused(&dir).is_none() => self.load_module(&dir),
                    _ => None,
                },
                None => None,
            };
            any |= match local {
                Some(sub) => self.module_apims(&sub, seen, inner),
                // A stage that deploys it records the call (`deployed_calls`).
                None if crate::frontend::terraform::deploys_apim(c) => {
                    inner.push(c.span);
                    true
                }
                None => false,
            };
        }
        any
    }

    pub(super) fn call_set(&mut self, inst: usize, ci: usize) -> Rc<CallSet> {
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
        let target: Result<Arc<Module>, String> = match &cd.source {
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
                        self.report(module_cycle(&self.insts[inst].dirs, &dir, &cd.name, *src_span));
                        Err(format!("module `{}` calls itself (a module cycle)", cd.name))
                    } else if self.insts[inst].dirs.len() >= MAX_MODULE_DEPTH {
                        too_deep = true;
                        Err(format!("module `{}` is nested too deeply", cd.name))
                    } else if let Some(why) = self.refused(&dir) {
                        self.report(crate::diagnostic::not_read(
                            Some(*src_span),
                            "module directory",
                            src,
                            &why,
                            "its resources are not checked and its outputs are unknown",
                        ));
                        Err(format!("output of module `{}` (directory \"{src}\" not read: {why})", cd.name))
                    } else {
                        match self.load_module(&dir) {
                            Some(m) => Ok(m),
                            None => {
                                let why = missing_module_dir(&dir);
                                // An instance the call evidently deploys is also counted
                                // and named, as for a registry module.
                                if !self.missed && !self.quiet {
                                    self.report(not_loaded(src, &why, *src_span));
                                    if crate::frontend::terraform::deploys_apim(cd) {
                                        self.unloaded.push(crate::model::UnloadedApim {
                                            module: src.clone(),
                                            why: format!("its directory {why}"),
                                            at: cd.span,
                                            label: format!("module.{}", cd.name),
                                        });
                                    }
                                }
                                Err(format!(
                                    "output of module `{}` (directory \"{src}\" {why})",
                                    cd.name
                                ))
                            }
                        }
                    }
                }
            },
        };
        if !keys.is_empty() && target.is_err() && crate::frontend::terraform::deploys_apim(cd) {
            self.deployed_calls.push(cd.span);
        }
        if keys.is_empty() && !self.quiet && !self.missed {
            let mut inner = Vec::new();
            let apim = match &target {
                Ok(m) => self.module_apims(m, &mut Default::default(), &mut inner),
                Err(_) => crate::frontend::terraform::deploys_apim(cd),
            };
            if apim {
                self.not_deployed.push(crate::model::NotDeployed {
                    label: prefix.clone(),
                    why: if cd.count.is_some() {
                        "count is 0"
                    } else {
                        "for_each is empty"
                    }
                    .to_string(),
                    at: cd.span,
                    inner,
                });
            }
        }
        // A call without `count` or `for_each` is charged here (an expanded one was charged
        // by its expansion): ten calls per level, six levels deep, are a million instances.
        let single = matches!(shape, Shape::Single);
        let target = match target {
            Ok(_) if single && !self.insts[inst].budget.instances(1) => Err(format!(
                "module `{}` is past the instance limit, so it is not evaluated",
                cd.name
            )),
            t => t,
        };
        let mut items = Vec::with_capacity(keys.len());
        for (suffix, key, sc) in keys {
            let addr = format!("{prefix}{suffix}");
            if too_deep {
                // Every instance left unchecked is named: a chain past the limit must not
                // pass silently.
                self.report(
                    crate::diagnostic::Diagnostic::new(
                        crate::code::Code::Stv002,
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
                    // A child inherits the caller's default configuration; `providers = {}`
                    // passes others under the child's names.
                    let parent = &self.insts[inst].providers;
                    let mut providers: HashMap<Shared<str>, String> = HashMap::new();
                    if let Some(s) = parent.get("azurerm") {
                        providers.insert("azurerm".into(), s.clone());
                    }
                    for (child, from) in &cd.providers {
                        match parent.get(from) {
                            Some(s) => providers.insert(child.clone(), s.clone()),
                            None => providers.remove(child),
                        };
                    }
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
                        providers,
                        vars: Memo::new(),
                        locals: Memo::new(),
                        outputs: Memo::new(),
                        res: Memo::new(),
                        calls: Memo::new(),
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
        self.insts[inst].calls.finish(ci, set.clone());
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

/// Convert a value to a variable's declared type: primitives are converted, object types get
/// their `optional(…)` attributes filled with defaults or null, as Terraform does.
/// One STV001 at the `source` of a module call that leads back to a directory already on the
/// chain: Terraform rejects the configuration, so the run is incomplete.
pub(super) fn module_cycle(
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
        crate::code::Code::Stv001,
        crate::diagnostic::Severity::Error,
        format!("module cycle: module `{name}` leads back to {}", names.join(" → ")),
    )
    .at(Some(at))
    .help("A Terraform module cannot call itself, directly or through other modules; break the cycle.")
    .identity(format!("terraform|module cycle|{}", names.join("|")))
}

/// Why a local module directory gave no module: it does not exist, cannot be read (a symlink
/// loop, no permission) or holds no Terraform files. (A file is refused earlier, by the fence.)
fn missing_module_dir(dir: &std::path::Path) -> String {
    crate::source::absent(dir).unwrap_or_else(|| "has no Terraform files (.tf, .tf.json)".into())
}

/// The STV002 of a local module call whose directory gave no module: its resources would
/// otherwise vanish without a word.
fn not_loaded(src: &str, why: &str, at: Span) -> Diagnostic {
    Diagnostic::new(
        crate::code::Code::Stv002,
        crate::diagnostic::Severity::Info,
        format!(
            "module directory '{src}' {why}; its resources are not checked and its outputs are unknown"
        ),
    )
    .at(Some(at))
    .label(format!("directory {why}: not checked"))
    .help("Fix the module's source path (it is relative to the calling module's directory).")
    .identity(format!("terraform|module dir|{src}|{why}"))
}
