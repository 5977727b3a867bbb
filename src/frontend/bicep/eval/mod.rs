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
use crate::frontend::kernel::access::{
    index as index_value, member as member_value, step_index, step_member,
};
use crate::frontend::kernel::budget::{self, Budget};
use crate::frontend::kernel::lambda;
use crate::frontend::kernel::memo::{self, Lookup, Memo, Once};
use crate::model::value::{choice_name, choose, lift, lift_all};
use crate::model::Shared;
use crate::model::{IdScope, Key, ResourceId, VKind, V};
use crate::source::{FileId, SourceMap, Span};
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

mod calls;
mod expr;
mod modules;
mod resources;
use expr::*;
use resources::*;

/// Evaluation nesting (variable chains, function calls, modules) beyond this gives unknown.
const MAX_EVAL_DEPTH: usize = 120;
/// Module nesting beyond this is reported and not followed.
const MAX_MODULE_DEPTH: usize = 24;
/// Items a single `for` may produce.
const MAX_LOOP: usize = 5_000;
// Steps, value sizes, loop items and text are charged to the entry deployment's kernel budget
// (`frontend::kernel::budget`), which stops exponential programs (`f(x) => f(x) + f(x)`,
// `var a2 = [a1, a1]`).

/// A resource ready for the model adapter (its body shared with the evaluator's memo while
/// that lives).
pub struct Emitted<B = V> {
    pub rtype: String,
    pub api_version: Option<V>,
    pub name: V,
    pub body: B,
    pub decl: Span,
    pub label: String,
    pub rg: Option<String>,
    /// An `existing` resource: a reference to another deployment's declaration.
    pub existing: bool,
    /// Whether it is deployed, when its `if` or loop filter is not known.
    pub deployed: Option<crate::model::Presence>,
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
    /// Parameters and variables, by declaration index.
    vals: RefCell<Memo<usize, V>>,
    res: RefCell<Memo<usize, Rc<ResEval>>>,
    mods: RefCell<Memo<usize, Rc<ModEval>>>,
    /// Shared, not copied, with every reader (values may be large).
    outputs: Once<Rc<V>>,
}

#[derive(Clone)]
struct Env {
    inst: usize,
    locals: Option<Rc<Frame>>,
    /// The resource whose body is being evaluated (nested resources are visible by name).
    res_ctx: Option<usize>,
}

impl Env {
    fn top(inst: usize) -> Env {
        Env {
            inst,
            locals: None,
            res_ctx: None,
        }
    }
    fn bind(&self, names: Vec<(Shared<str>, V)>) -> Env {
        Env {
            inst: self.inst,
            locals: Some(Rc::new(Frame {
                names,
                outer: self.locals.clone(),
            })),
            res_ctx: self.res_ctx,
        }
    }
    /// The innermost binding of `name`.
    fn local(&self, name: &str) -> Option<&V> {
        let mut frame = self.locals.as_deref();
        while let Some(f) = frame {
            if let Some((_, v)) = f.names.iter().rev().find(|(n, _)| &**n == name) {
                return Some(v);
            }
            frame = f.outer.as_deref();
        }
        None
    }
}

/// The names one loop iteration or lambda call binds, and the bindings around it: shared, so
/// that binding a name does not copy every outer loop's item again (in nested loops that was
/// a deep copy of the outer items per inner iteration).
struct Frame {
    names: Vec<(Shared<str>, V)>,
    outer: Option<Rc<Frame>>,
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
    ident: Once<Rc<Ident>>,
    body: Once<Rc<V>>,
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
    result: Once<Rc<V>>,
}

/// A diagnostic reported once per run: by place and message.
pub type ReportKey = (Option<Span>, String);

/// The run's numbering of instances, which names unknown resource names apart (`own_name`):
/// numbers go on across deployments, and an imported file's instance has one number for the
/// run. Deployments evaluate apart (on several workers), each from the numbering the run had
/// when its slice started; [`Numbering::fits`] tells whether that was the numbering the run
/// has when the deployment's turn comes, which it is unless an earlier deployment of the
/// slice made instances and this one wrote a number into a name.
#[derive(Clone, Default)]
pub struct Numbering {
    /// The number of the next new instance.
    next: usize,
    /// Imported files' instances made by earlier deployments: file → number.
    imports: HashMap<FileId, usize>,
}

impl Numbering {
    /// The numbers the instances a deployment made (each an imported file's or not) have in
    /// this numbering.
    fn numbers(&self, made: &[Option<FileId>]) -> Vec<usize> {
        let mut next = self.next;
        let mut new: HashMap<FileId, usize> = HashMap::new();
        made.iter()
            .map(|m| {
                if let Some(n) = m.and_then(|f| self.imports.get(&f).or(new.get(&f))) {
                    return *n;
                }
                if let Some(f) = m {
                    new.insert(*f, next);
                }
                next += 1;
                next - 1
            })
            .collect()
    }

    /// `out` is what evaluating with this numbering gives: it wrote no number into a name, or
    /// the same numbers.
    pub fn fits(&self, out: &Outcome) -> bool {
        !out.numbered || self.numbers(&out.made) == out.numbers
    }

    /// The numbering after the deployment that gave `out`.
    pub fn advance(&mut self, out: &Outcome) {
        let numbers = self.numbers(&out.made);
        for (m, n) in out.made.iter().zip(numbers) {
            if let Some(f) = m {
                self.imports.entry(*f).or_insert(n);
            }
            self.next = self.next.max(n + 1);
        }
    }
}

/// What evaluating one deployment gives; nothing in it refers to the evaluator, so it can be
/// handed to another thread.
pub struct Outcome {
    pub emitted: Vec<Emitted>,
    /// API Management declarations these inputs do not deploy.
    pub not_deployed: Vec<crate::model::NotDeployed>,
    /// Registry modules that deploy API Management and were deployed (their declarations).
    pub deployed_calls: Vec<Span>,
    /// In order; with the key of those reported once per run (the run drops repeats).
    pub diagnostics: Vec<(Diagnostic, Option<ReportKey>)>,
    /// Registry modules that deploy API Management (recorded once per module instance).
    pub unloaded: Vec<crate::model::UnloadedApim>,
    /// The instances made, in order: an imported file's, or not.
    made: Vec<Option<FileId>>,
    /// Their numbers in the numbering the deployment was evaluated with.
    numbers: Vec<usize>,
    /// A number was written into a name.
    numbered: bool,
}

/// The evaluator of one deployment (an entry with its modules and imports).
pub struct Eval<'p> {
    prog: &'p Program,
    sources: &'p SourceMap,
    numbering: &'p Numbering,
    /// The instances of the deployment, by index.
    insts: RefCell<Vec<Rc<Inst>>>,
    /// Per instance: the imported file it holds, if any.
    made: RefCell<Vec<Option<FileId>>>,
    /// Per instance: its number in the run (see [`Numbering`]).
    numbers: RefCell<Vec<usize>>,
    /// Instances numbered anew (not imported files' the run already has).
    fresh: Cell<usize>,
    numbered: Cell<bool>,
    emitted: RefCell<Vec<Emitted<Rc<V>>>>,
    not_deployed: RefCell<Vec<crate::model::NotDeployed>>,
    deployed_calls: RefCell<Vec<Span>>,
    diagnostics: RefCell<Vec<(Diagnostic, Option<ReportKey>)>>,
    /// Registry modules that deploy API Management (recorded once per module instance).
    unloaded: RefCell<Vec<crate::model::UnloadedApim>>,
    depth: Cell<usize>,
    /// The budget of the current entry deployment (with its modules).
    budget: RefCell<Rc<Budget>>,
    /// Imported files' instances: file → index. Each deployment evaluates what it uses of an
    /// imported file itself, charged to its own budget (the number stays the run's).
    import_insts: RefCell<HashMap<FileId, usize>>,
    reported: RefCell<HashSet<ReportKey>>,
}

fn resource_group_type() -> &'static str {
    "Microsoft.Resources/resourceGroups"
}

impl<'p> Eval<'p> {
    /// An evaluator for one deployment, numbering its instances from `numbering`.
    pub fn new(prog: &'p Program, sources: &'p SourceMap, numbering: &'p Numbering) -> Eval<'p> {
        Eval {
            prog,
            sources,
            numbering,
            insts: RefCell::new(Vec::new()),
            made: RefCell::new(Vec::new()),
            numbers: RefCell::new(Vec::new()),
            fresh: Cell::new(0),
            numbered: Cell::new(false),
            emitted: RefCell::new(Vec::new()),
            not_deployed: RefCell::new(Vec::new()),
            deployed_calls: RefCell::new(Vec::new()),
            diagnostics: RefCell::new(Vec::new()),
            unloaded: RefCell::new(Vec::new()),
            depth: Cell::new(0),
            budget: RefCell::new(Budget::new()),
            import_insts: RefCell::new(HashMap::new()),
            reported: RefCell::new(HashSet::new()),
        }
    }

    /// What the deployment gave; its instances are freed.
    pub fn finish(self) -> Outcome {
        let emitted = self.emitted.into_inner();
        // The bodies are shared with the instances' memos until those go.
        drop(self.insts);
        Outcome {
            not_deployed: self.not_deployed.into_inner(),
            deployed_calls: self.deployed_calls.into_inner(),
            emitted: emitted
                .into_iter()
                .map(|e| Emitted {
                    body: Rc::unwrap_or_clone(e.body),
                    rtype: e.rtype,
                    api_version: e.api_version,
                    name: e.name,
                    decl: e.decl,
                    label: e.label,
                    rg: e.rg,
                    existing: e.existing,
                    deployed: e.deployed,
                })
                .collect(),
            diagnostics: self.diagnostics.into_inner(),
            unloaded: self.unloaded.into_inner(),
            made: self.made.into_inner(),
            numbers: self.numbers.into_inner(),
            numbered: self.numbered.get(),
        }
    }

    /// The number of instances made so far in the deployment.
    fn made(&self) -> usize {
        self.insts.borrow().len()
    }

    /// Instance `inst`'s number in the run (written into names, so noted).
    fn number(&self, inst: usize) -> usize {
        self.numbered.set(true);
        self.numbers.borrow()[inst]
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
            self.diagnostics.borrow_mut().push((d, None));
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
    /// A new instance, `import` when it holds an imported file.
    fn new_inst(
        &self,
        import: Option<FileId>,
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
            vals: RefCell::new(Memo::new()),
            res: RefCell::new(Memo::new()),
            mods: RefCell::new(Memo::new()),
            outputs: Once::new(),
        }));
        // As `Numbering::numbers` gives it (a deployment makes one instance per imported file).
        let number = match import.and_then(|f| self.numbering.imports.get(&f)) {
            Some(n) => *n,
            None => {
                self.fresh.set(self.fresh.get() + 1);
                self.numbering.next + self.fresh.get() - 1
            }
        };
        self.made.borrow_mut().push(import);
        self.numbers.borrow_mut().push(number);
        insts.len() - 1
    }

    fn report(&self, sev: Severity, span: Option<Span>, message: String, help: &str) {
        if !self.reported.borrow_mut().insert((span, message.clone())) {
            return;
        }
        self.diagnostics.borrow_mut().push((
            Diagnostic::new(crate::code::Code::Stv001, sev, message.clone())
                .at(span)
                .help(help)
                .identity(format!("bicep|{message}")),
            Some((span, message)),
        ));
    }

    /// What was parsed but not evaluated (a registry template, a budget, a depth limit): values
    /// are unknown, not the file unparseable, so STV002 — a warning, as a whole part is skipped.
    fn unverifiable(&self, span: Option<Span>, message: String, help: &str) {
        if !self.reported.borrow_mut().insert((span, message.clone())) {
            return;
        }
        self.diagnostics.borrow_mut().push((
            Diagnostic::new(
                crate::code::Code::Stv002,
                Severity::Warning,
                message.clone(),
            )
            .at(span)
            .label("not evaluated: what comes from here is unknown")
            .help(help)
            .identity(format!("bicep|{message}")),
            Some((span, message)),
        ));
    }

    // ---- entry points -------------------------------------------------------------------

    /// Evaluate a `.bicep` file as a deployment with the given parameter values.
    pub fn run_entry(&self, unit: FileId, given: HashMap<String, V>) {
        let first = self.made();
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
        let i = self.new_inst(None, unit, given, None, None, vec![unit]);
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
        let first = self.made();
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
        let pi = self.new_inst(None, unit, HashMap::new(), None, None, vec![unit]);
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
        if !is_apim(&info.decl) {
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
                body: Rc::new(V::null(None)),
                decl: info.decl.span,
                label: info.path.clone(),
                rg,
                existing: true,
                deployed: None,
            });
        }
    }

    /// An API Management declaration whose condition is false or whose loop runs over nothing:
    /// recorded, so that the run does not say "no instance found" of it.
    fn not_deployed_apim(&self, inst: usize, r: usize, ev: &ResEval) {
        let info = &self.unit(inst).resources[r];
        if !is_apim(&info.decl) {
            return;
        }
        let why = off_why(ev.iters.is_empty());
        self.not_deployed
            .borrow_mut()
            .push(crate::model::NotDeployed {
                label: format!("resource '{}'", info.path),
                why: why.to_string(),
                at: info.decl.span,
                inner: Vec::new(),
            });
    }

    /// Whether a module deploys API Management: its file (or a module it calls) declares an
    /// instance (each added to `inner`), or a module not loaded evidently does (its path
    /// names it).
    fn module_apims(
        &self,
        target: Option<&Target>,
        seen: &mut HashSet<FileId>,
        inner: &mut Vec<Span>,
    ) -> bool {
        let f = match target {
            Some(Target::Local(f)) => *f,
            Some(Target::Registry(p) | Target::Missing(p)) => return crate::model::names_apim(p),
            // An ARM template used as a module is checked on its own, deployed or not.
            Some(Target::Json(_)) => return false,
            None => return false,
        };
        if !seen.insert(f) {
            return false;
        }
        let Some(unit) = self.prog.unit(f) else {
            return false;
        };
        let before = inner.len();
        inner.extend(
            unit.resources
                .iter()
                .filter(|r| !r.decl.existing && is_apim(&r.decl))
                .map(|r| r.decl.span),
        );
        let mut any = inner.len() > before;
        for (&i, t) in &unit.modules {
            let nested = self.module_apims(Some(t), seen, inner);
            // A registry module has no declarations here: a stage that deploys it records the
            // call (`deployed_calls`), so the call stands for them.
            if nested && matches!(t, Target::Registry(_) | Target::Missing(_)) {
                inner.extend(
                    unit.file
                        .as_ref()
                        .and_then(|f| f.decls.get(i))
                        .map(|d| d.span),
                );
            }
            any |= nested;
        }
        any
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
            if ev.unknown.is_none() && ev.iters.iter().all(|it| it.cond == Some(false)) {
                self.not_deployed_apim(inst, r, &ev);
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
                let deployed = match it.cond {
                    None => self.presence(&it.env, &info.decl.body),
                    Some(_) => None,
                };
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
                    deployed,
                });
            }
        }
        for (i, d) in file.decls.iter().enumerate() {
            if let DeclKind::Module { name, .. } = &d.kind {
                let ev = self.mod_eval(inst, i);
                let mut inner = Vec::new();
                if ev.unknown.is_none()
                    && ev.iters.iter().all(|it| it.cond == Some(false))
                    && self.module_apims(unit.modules.get(&i), &mut HashSet::new(), &mut inner)
                {
                    self.not_deployed
                        .borrow_mut()
                        .push(crate::model::NotDeployed {
                            label: format!("module '{}'", name.text),
                            why: off_why(ev.iters.is_empty()).to_string(),
                            at: d.span,
                            inner,
                        });
                }
                for k in 0..ev.iters.len() {
                    if ev.iters[k].cond != Some(false) {
                        self.mod_result(inst, i, k);
                    }
                }
            }
        }
    }
}

/// Whether a resource declaration is an API Management instance (`Microsoft.ApiManagement/
/// service@…`; its child types are not).
fn is_apim(d: &ResourceDecl) -> bool {
    d.rtype
        .to_ascii_lowercase()
        .starts_with("microsoft.apimanagement/service@")
}

/// Why a declaration deploys nothing: its loop is empty, or every condition is false.
fn off_why(no_items: bool) -> &'static str {
    if no_items {
        "its loop runs over no items"
    } else {
        "its condition is false"
    }
}

/// Functions this evaluator implements itself (beyond the ARM library and the kernel's lambda
/// functions, `kernel::lambda::NAMES`): file loading, scope functions with arguments, and
/// deployment-time-only values.
pub const BICEP_FUNCTIONS: &[&str] = &[
    "nameof",
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
pub const BICEP_NAMES: &str = include_str!("../function_names.txt");

/// Whether Bicep itself knows a function by this name (it is on the documented list), whether
/// or not stv2lint evaluates it: one it does not evaluate only gives unknown values.
pub fn is_known_function(name: &str) -> bool {
    crate::frontend::arm::builtins::on_list(BICEP_NAMES, name)
}

/// Whether stv2lint evaluates a built-in call by this name (itself or by the ARM library).
pub fn is_evaluated_function(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    BICEP_FUNCTIONS.contains(&l.as_str())
        || lambda::NAMES.contains(&l.as_str())
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
