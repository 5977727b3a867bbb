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
use crate::diagnostic::Diagnostic;
use crate::frontend::kernel::budget::{self, Budget};
use crate::frontend::kernel::memo::{self, Lookup, Memo};
use crate::frontend::kernel::text::{self as kernel_text, Style};
use crate::model::value::{choice_name, choose, lift, lift_all};
use crate::model::Shared;
use crate::model::{Key, TextBuilder, VKind, Workspace, V};
use crate::source::{Fence, SourceMap, Span};
use std::collections::HashMap;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

mod convert;
mod expr;
mod modules;
mod nav;
mod refs;
mod resources;
mod values;
pub use convert::*;
pub use nav::*;
pub use values::*;

/// Nesting of expression evaluation (expressions inside references inside expressions…).
const MAX_DEPTH: usize = 150;
/// Module calls inside module calls.
const MAX_MODULE_DEPTH: usize = 24;
/// Instances per resource or module beyond which `count` is not expanded.
const MAX_INSTANCES: i64 = 4096;
// Steps, value sizes, loop items and text are charged to the root's kernel budget
// (`frontend::kernel::budget`): hostile input (nested `for` over `range`, values doubling
// through locals) cannot exhaust time or memory.

/// How a resource or module call was expanded.
#[derive(Clone, Debug)]
pub enum Shape {
    Single,
    List,
    Map,
    /// `count`/`for_each` is unknown: one instance stands for all of them.
    Unknown(Shared<str>),
    /// `count` is unknown (its value, which may say when it is 0): one instance stands for all.
    Count(Shared<str>, V),
}

pub struct Item {
    /// `""`, `[0]`, `["key"]`, `[?]`.
    pub suffix: String,
    pub key: V,
    pub value: Arc<V>,
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

/// Memo look-up for a declaration's instance set: the finished set, or — while it is being
/// computed (a cycle) — an empty set of unknown shape (`why`), so a self-reference ends instead
/// of looping. `None` marks the entry pending: the caller computes it and stores it.
fn memo_begin<T>(
    memo: &mut Memo<usize, Rc<T>>,
    key: usize,
    why: &str,
    empty: impl FnOnce(Shape) -> T,
) -> Option<Rc<T>> {
    match memo.lookup(&key) {
        Lookup::Done(s) => Some(s.clone()),
        Lookup::Cycle => Some(Rc::new(empty(Shape::Unknown(why.into())))),
        Lookup::Absent => {
            memo.start(key);
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
#[derive(Clone)]
pub enum Input {
    /// A tfvars entry.
    Expr(Expr),
    /// `--var NAME=VALUE`: a string, or HCL when the variable's type is not `string`.
    Cli(String),
}

pub struct Inst {
    pub module: Arc<Module>,
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
    /// The subscription scope of each azurerm provider configuration the instance can name
    /// (see [`root_providers`]); a configuration not listed has none.
    pub providers: HashMap<Shared<str>, String>,
    vars: Memo<Shared<str>, Arc<V>>,
    locals: Memo<Shared<str>, Arc<V>>,
    outputs: Memo<Shared<str>, Arc<V>>,
    res: Memo<usize, Rc<ResSet>>,
    calls: Memo<usize, Rc<CallSet>>,
}

/// Variables bound by `for`, `count`, `each` and `dynamic` iterators.
#[derive(Clone)]
pub struct Scope {
    pub inst: usize,
    frame: Option<Rc<Frame>>,
}

struct Frame {
    name: Shared<str>,
    /// Shared, so a traversal from the variable (`each.value.x`) reads it without a copy.
    val: Arc<V>,
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
                val: Arc::new(val),
                next: self.frame.clone(),
            })),
        }
    }
    fn get(&self, name: &str) -> Option<&Arc<V>> {
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

/// (id, value) of every declared instance of one resource type, in order, with the ids
/// parsed once: every data source of a run looks one up, and a scan that parsed every id for
/// every lookup made thousands of roots reading each other's instances quadratic.
#[derive(Default)]
pub(super) struct Declared {
    items: Vec<(crate::model::ResKey, Arc<V>)>,
    /// Indexes into `items` (ascending) by type and name path.
    by_names: HashMap<(String, Vec<String>), Vec<usize>>,
}

impl Declared {
    fn new(list: impl IntoIterator<Item = (String, Arc<V>)>) -> Declared {
        let mut d = Declared::default();
        for (id, v) in list {
            // An id that is not a resource id is never found.
            let Some(k) = crate::model::ResKey::from_id(&id) else {
                continue;
            };
            d.by_names
                .entry((k.rtype.clone(), k.names.clone()))
                .or_default()
                .push(d.items.len());
            d.items.push((k, v));
        }
        d
    }

    /// The first instance that may be `want` (same type, names and scope).
    fn find(&self, want: &crate::model::ResKey) -> Option<&Arc<V>> {
        self.by_names
            .get(&(want.rtype.clone(), want.names.clone()))?
            .iter()
            .map(|&i| &self.items[i])
            .find(|(k, _)| k.same_scope(want))
            .map(|(_, v)| v)
    }
}

/// Computes the attributes the provider adds (`id`, …) to an evaluated resource.
pub type Computed = fn(rtype: &str, data: bool, body: &mut V, label: &str);

/// A root module with the values of its variables.
pub type RootSpec = (Arc<Module>, HashMap<Shared<str>, Input>);

/// The roots of a run, each evaluated by its own [`Eval`] (on any worker) that is dropped once
/// its resources are emitted: what must still span every root (data-source lookups) is here.
pub struct Run {
    /// Every root module with its inputs, in run order.
    pub roots: Vec<RootSpec>,
    /// Data-source lookups over every root, by resource type: computed once, by the first
    /// evaluator that needs one (the others wait for it).
    declared: Mutex<HashMap<String, Arc<Declared>>>,
}

impl Run {
    pub fn new(roots: Vec<RootSpec>) -> Run {
        Run {
            roots,
            declared: Default::default(),
        }
    }
}

/// What an evaluator reads files through and reports to.
enum Env<'w> {
    /// On the main thread: a module directory not read yet is read (its sources and syntax
    /// errors join the workspace), and diagnostics go straight to the workspace.
    Serial {
        ws: &'w mut Workspace,
        loader: &'w mut Loader,
    },
    /// On a worker: only modules already read are used, and diagnostics are kept in
    /// [`Eval::diagnostics`]. Needing another module is a miss ([`Eval::missed`]): the root is
    /// then evaluated again serially, so files are read in the same order on any thread count.
    Shared {
        sources: &'w SourceMap,
        fence: &'w Fence,
        loader: &'w Loader,
    },
}

pub struct Eval<'w> {
    env: Env<'w>,
    pub insts: Vec<Inst>,
    depth: usize,
    /// Incremented for every evaluation error; `try` and `can` compare it.
    pub errors: u64,
    computed: Computed,
    /// Data-source lookups: resource type → (id, value) of every declared instance.
    declared: HashMap<String, Arc<Declared>>,
    declaring: bool,
    /// Every module instance exists (after [`Eval::instantiate_all`]); before that, lookups
    /// over all instances are not cached.
    complete: bool,
    /// Set when this evaluator holds one root of a [`Run`]: data-source lookups span the run.
    pub run: Option<&'w Run>,
    /// Evaluation repeated for a lookup only: its diagnostics are reported by the root's own.
    quiet: bool,
    /// A worker's diagnostics, in the order a serial evaluation reports them.
    pub diagnostics: Vec<Diagnostic>,
    /// Local module calls that evidently deploy API Management but whose directory could not
    /// be loaded: the instance is counted and named, never forgotten.
    pub unloaded: Vec<crate::model::UnloadedApim>,
    /// Module calls that deploy API Management and whose `count` or `for_each` creates none.
    pub not_deployed: Vec<crate::model::NotDeployed>,
    /// Calls of modules not loaded that evidently deploy API Management and create instances.
    pub deployed_calls: Vec<Span>,
    /// A worker's evaluation needed a module directory that was not read: its result is
    /// incomplete and must be discarded.
    pub missed: bool,
    /// Entry positions by name of the large maps this evaluator reads by key
    /// ([`Eval::indexed_step`]), each with the memoized value it indexes: held here, that
    /// value cannot be freed and its address reused while the index stands.
    obj_index: HashMap<usize, (Arc<V>, EntryIndex)>,
}

/// The position of each entry of a map by its name (the last, as a read finds it).
type EntryIndex = HashMap<Shared<str>, usize>;

/// A key of `count` or `for_each` as it appears in an address.
fn suffix_of(key: &V) -> String {
    match &key.kind {
        VKind::Int(i) => format!("[{i}]"),
        VKind::Str(s) => format!("[\"{s}\"]"),
        _ => "[?]".to_string(),
    }
}

pub use crate::frontend::kernel::access::sym_clean;
use crate::frontend::kernel::access::{get_exact, hcl_key};

pub fn sym_ref(path: &str) -> String {
    format!("${{{}}}", sym_clean(path))
}

impl<'w> Eval<'w> {
    /// An evaluator on the main thread, reading module directories as it reaches them.
    pub fn new(ws: &'w mut Workspace, loader: &'w mut Loader, computed: Computed) -> Eval<'w> {
        Eval::with(Env::Serial { ws, loader }, computed)
    }

    /// An evaluator for a worker: reads only `loader`'s modules (see [`Eval::missed`]).
    pub fn shared(
        sources: &'w SourceMap,
        fence: &'w Fence,
        loader: &'w Loader,
        computed: Computed,
    ) -> Eval<'w> {
        Eval::with(
            Env::Shared {
                sources,
                fence,
                loader,
            },
            computed,
        )
    }

    fn with(env: Env<'w>, computed: Computed) -> Eval<'w> {
        Eval {
            env,
            insts: Vec::new(),
            depth: 0,
            errors: 0,
            computed,
            declared: HashMap::new(),
            declaring: false,
            complete: false,
            run: None,
            quiet: false,
            diagnostics: Vec::new(),
            unloaded: Vec::new(),
            not_deployed: Vec::new(),
            deployed_calls: Vec::new(),
            missed: false,
            obj_index: HashMap::new(),
        }
    }

    /// A fresh evaluator over the same files, for a lookup evaluated on its own.
    fn sub(&mut self) -> Eval<'_> {
        let env = match &mut self.env {
            Env::Serial { ws, loader } => Env::Serial { ws, loader },
            Env::Shared {
                sources,
                fence,
                loader,
            } => Env::Shared {
                sources,
                fence,
                loader,
            },
        };
        Eval::with(env, self.computed)
    }

    /// The workspace, for an evaluator on the main thread.
    pub fn workspace(&mut self) -> Option<&mut Workspace> {
        match &mut self.env {
            Env::Serial { ws, .. } => Some(&mut **ws),
            Env::Shared { .. } => None,
        }
    }

    fn sources(&self) -> &SourceMap {
        match &self.env {
            Env::Serial { ws, .. } => &ws.sources,
            Env::Shared { sources, .. } => sources,
        }
    }

    /// Report a diagnostic (not while evaluating for a lookup only).
    fn report(&mut self, d: Diagnostic) {
        if self.quiet {
            return;
        }
        match &mut self.env {
            Env::Serial { ws, .. } => ws.diagnostics.push(d),
            Env::Shared { .. } => self.diagnostics.push(d),
        }
    }

    /// Why the module directory `dir` must not be read, or `None`.
    fn refused(&self, dir: &std::path::Path) -> Option<String> {
        match &self.env {
            Env::Serial { ws, loader } => loader.refused(&ws.fence, dir),
            Env::Shared { fence, loader, .. } => loader.refused(fence, dir),
        }
    }

    /// The module in `dir`: read now on the main thread; on a worker, a directory not read yet
    /// is a miss.
    pub fn load_module(&mut self, dir: &std::path::Path) -> Option<Arc<Module>> {
        match &mut self.env {
            Env::Serial { ws, loader } => loader.module(ws, dir),
            Env::Shared { loader, .. } => match loader.cached(dir) {
                Some(m) => m,
                None => {
                    self.missed = true;
                    None
                }
            },
        }
    }

    /// The text of the file `file()` names, as Bicep's `load*Content` reads one: through the
    /// workspace on the main thread (only inside the linted tree, a regular file), charged to
    /// the budget; on a worker, a file not read yet is a miss. A relative path is relative to
    /// the root module's directory, where Terraform runs. Unreadable: an unknown that says why.
    pub fn read_file(&mut self, inst: usize, path: &str, span: Option<Span>) -> V {
        let root = self.insts[inst].root;
        let full = self.insts[root].module.dir.join(path);
        let mut refused = None;
        let fid = match &mut self.env {
            Env::Serial { ws, .. } => match ws.sources.find(&full) {
                Some(f) => Some(f),
                None => match ws.fenced(&full) {
                    Err(why) => {
                        refused = Some(crate::diagnostic::not_read(
                            span,
                            "file",
                            &crate::source::display_path(&full),
                            &why,
                            "the value read from it is unknown",
                        ));
                        None
                    }
                    Ok(()) if full.is_file() => ws.read_source(&full, crate::source::Lang::Other),
                    Ok(()) => None,
                },
            },
            Env::Shared { sources, .. } => match sources.find(&full) {
                Some(f) => Some(f),
                None => {
                    self.missed = true;
                    None
                }
            },
        };
        if let Some(d) = refused {
            self.report(d);
        }
        let Some(fid) = fid else {
            let shown = crate::source::display_path(&full);
            return V::unknown(format!("file '{shown}' could not be read"), span);
        };
        let text = &self.sources().get(fid).text;
        if !budget::bytes(text.len()) {
            return budget::unknown(span);
        }
        V::str(text.as_str(), span)
    }

    /// An unknown caused by an error in the code (or in our support for it).
    pub fn err(&mut self, reason: impl Into<Shared<str>>, span: Span) -> V {
        self.errors += 1;
        V::unknown(reason, Some(span))
    }

    pub fn add_root(&mut self, module: Arc<Module>, inputs: HashMap<Shared<str>, Input>) -> usize {
        let id = self.insts.len();
        let dir = module.dir.clone();
        let providers = root_providers(&module);
        self.insts.push(Inst {
            module,
            addr: String::new(),
            site: None,
            root: id,
            inputs,
            dirs: vec![dir],
            budget: Budget::new(),
            providers,
            vars: Memo::new(),
            locals: Memo::new(),
            outputs: Memo::new(),
            res: Memo::new(),
            calls: Memo::new(),
        });
        id
    }
}

/// The subscription scope of a root's azurerm provider configurations: a literal
/// `subscription_id`, or — when the root has more than one configuration — a
/// [`crate::model::ident::provider_scope`] naming the configuration, so that resources of
/// different configurations (possibly other subscriptions) are never taken for one another.
/// With one configuration and no literal subscription, nothing: names join as before.
pub fn root_providers(module: &Module) -> HashMap<Shared<str>, String> {
    let configs = &module.azurerm_configs;
    let several = configs.iter().any(|(c, _)| &**c != "azurerm");
    let mut out = HashMap::new();
    for (config, sub) in configs {
        match sub {
            Some(s) => out.insert(config.clone(), s.clone()),
            None if several => {
                out.insert(config.clone(), crate::model::ident::provider_scope(config))
            }
            None => None,
        };
    }
    if several && !out.contains_key("azurerm") {
        out.insert(
            "azurerm".into(),
            crate::model::ident::provider_scope("azurerm"),
        );
    }
    out
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

pub use crate::frontend::kernel::access::ABOUT;

pub trait ObjExt {
    fn get_exact(&self, key: &str) -> Option<&V>;
}

impl ObjExt for V {
    /// Terraform attribute names are case-sensitive; fall back to case-insensitive.
    fn get_exact(&self, key: &str) -> Option<&V> {
        get_exact(self, key)
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
    hcl_key(v).map(std::borrow::Cow::into_owned)
}

pub use crate::frontend::kernel::text::fmt_float;

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

trait WithOrigin {
    fn with_origin_of(self, v: &V) -> V;
}
impl WithOrigin for V {
    fn with_origin_of(mut self, v: &V) -> V {
        self.origin = v.origin;
        self
    }
}
