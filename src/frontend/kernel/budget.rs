//! One evaluation budget per deployment unit (an ARM template with its nested deployments, a
//! Bicep entry with its modules, a Terraform root module with its calls), charged by every
//! operation that builds a value. Exceeding a limit never aborts: the value being built becomes
//! unknown, the budget remembers the first limit hit, and the front end reports one STV002 that
//! names the limit, the deployment and the API Management instances it may have left unchecked.
//!
//! Steps, loop items, retained value nodes and string bytes are cumulative per unit: once one is
//! exhausted every later charge fails, so the rest of that unit finishes fast with unknowns.
//! Budgets are per unit, never per run, so a large repository is never cut off as a whole.
//!
//! Function libraries have no evaluator at hand: they charge the *current* budget of the thread
//! ([`bytes`], [`items`]), which each evaluator installs ([`install`], [`activate`]).

use crate::code::Code;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{VKind, V};
use crate::source::Span;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// Expressions evaluated per unit.
pub const MAX_STEPS: u64 = 2_000_000;
/// Items produced by loops (`copy`, `for`, `count`, `for_each`, lambdas, `range`) per unit.
pub const MAX_LOOP_ITEMS: u64 = 2_000_000;
/// Resource and module instances per unit (copies and loop iterations each count). Azure
/// takes at most 800 resources in one template deployment; tens of thousands in one unit are
/// built to exhaust memory (nested module loops multiply), not to be deployed.
pub const MAX_INSTANCES: u64 = 50_000;
/// Nodes of one value (arrays, objects and their members).
pub const MAX_VALUE_NODES: u64 = 1_000_000;
/// Nesting of one value.
pub const MAX_VALUE_DEPTH: usize = 200;
/// Value nodes built per unit (each built container counted with its members).
pub const MAX_NODES: u64 = 4_000_000;
/// Bytes of text built per unit (every string function charges before it allocates).
pub const MAX_BYTES: u64 = 64 << 20;
/// Evaluation recursion (expressions within expressions, references of references) of the ARM
/// evaluator; Bicep and Terraform pass their own caps to [`Budget::deeper`].
pub const MAX_DEPTH: usize = 200;

/// Which limit a unit ran into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    Steps,
    LoopItems,
    Instances,
    ValueSize,
    Nodes,
    Bytes,
    Depth,
}

impl Limit {
    /// The limit in words, with its value.
    pub fn describe(self) -> String {
        match self {
            Limit::Steps => format!("the step limit ({MAX_STEPS} evaluation steps)"),
            Limit::LoopItems => format!("the loop limit ({MAX_LOOP_ITEMS} loop items)"),
            Limit::Instances => format!(
                "the instance limit ({MAX_INSTANCES} resource and module instances)"
            ),
            Limit::ValueSize => format!(
                "the value size limit ({MAX_VALUE_NODES} nodes or {MAX_VALUE_DEPTH} levels in one value)"
            ),
            Limit::Nodes => format!("the value limit ({MAX_NODES} value nodes built)"),
            Limit::Bytes => format!("the text limit ({} MiB of text built)", MAX_BYTES >> 20),
            Limit::Depth => "the nesting limit (expressions or references nested too deeply)".into(),
        }
    }
    /// Whether hitting it stops the rest of the unit (cumulative limits) or one value only.
    fn exhausts(self) -> bool {
        !matches!(self, Limit::ValueSize | Limit::Depth)
    }
}

/// The budget of one deployment unit.
#[derive(Debug, Default)]
pub struct Budget {
    steps: Cell<u64>,
    items: Cell<u64>,
    instances: Cell<u64>,
    nodes: Cell<u64>,
    bytes: Cell<u64>,
    /// The first limit hit.
    hit: Cell<Option<Limit>>,
    /// Set by a cumulative limit: every later charge fails.
    exhausted: Cell<bool>,
}

impl Budget {
    pub fn new() -> Rc<Budget> {
        Rc::new(Budget::default())
    }

    /// Notes a limit hit: the first one, unless a later one ends the unit (that one is what
    /// the report names, since it decides which values are unknown).
    fn fail(&self, limit: Limit) -> bool {
        if limit.exhausts() && !self.exhausted.get() {
            self.exhausted.set(true);
            self.hit.set(Some(limit));
        } else if self.hit.get().is_none() {
            self.hit.set(Some(limit));
        }
        false
    }

    fn charge(&self, cell: &Cell<u64>, n: u64, max: u64, limit: Limit) -> bool {
        if self.exhausted.get() {
            return false;
        }
        let used = cell.get().saturating_add(n);
        if used > max {
            return self.fail(limit);
        }
        cell.set(used);
        true
    }

    /// One evaluation step; false once the unit is out of budget.
    pub fn step(&self) -> bool {
        self.charge(&self.steps, 1, MAX_STEPS, Limit::Steps)
    }
    /// `n` loop items about to be produced.
    pub fn items(&self, n: u64) -> bool {
        self.charge(&self.items, n, MAX_LOOP_ITEMS, Limit::LoopItems)
    }
    /// `n` resource or module instances about to be declared.
    pub fn instances(&self, n: u64) -> bool {
        self.charge(&self.instances, n, MAX_INSTANCES, Limit::Instances)
    }
    /// `n` bytes of text about to be allocated.
    pub fn bytes(&self, n: u64) -> bool {
        self.charge(&self.bytes, n, MAX_BYTES, Limit::Bytes)
    }
    /// A recursion `depth` about to be entered; false (and the limit noted) past [`MAX_DEPTH`].
    pub fn depth(&self, depth: usize) -> bool {
        self.deeper(depth, MAX_DEPTH)
    }
    /// As [`Budget::depth`] with an evaluator's own cap (its frames decide how deep the stack
    /// allows).
    pub fn deeper(&self, depth: usize, max: usize) -> bool {
        depth < max || self.fail(Limit::Depth)
    }
    /// The value, or an unknown when it alone is too large or nested too deeply. For literal
    /// containers, whose members were charged where they were made: counting them again at
    /// every level would charge a deep literal once per level.
    pub fn check(&self, v: V) -> V {
        if !matches!(v.kind, VKind::Arr(_) | VKind::Obj(_)) || self.exhausted.get() {
            return v;
        }
        let mut left = MAX_VALUE_NODES;
        if fits(&v, 0, &mut left) {
            v
        } else {
            self.fail(Limit::ValueSize);
            self.unknown(v.span)
        }
    }

    /// [`Budget::check`] of a literal container whose size was added up from its members'
    /// ([`Size`]): the same verdict without walking them again at every level. The value and
    /// its size as checked (an unknown counts one node).
    pub fn check_sized(&self, v: V, size: Size) -> (V, Size) {
        if !matches!(v.kind, VKind::Arr(_) | VKind::Obj(_)) || self.exhausted.get() {
            return (v, size);
        }
        if size.fits() {
            (v, size)
        } else {
            self.fail(Limit::ValueSize);
            (self.unknown(v.span), Size::SCALAR)
        }
    }

    /// A value just copied or computed (a reference to a variable, a function's result): as
    /// [`Budget::check`], and its nodes are charged to the unit, since each copy is memory
    /// and time (a loop that copies a large value 5,000 times is cut off here). Counting stops
    /// at the limit, so the check costs at most the size of a value that fits.
    pub fn value(&self, v: V) -> V {
        if !matches!(v.kind, VKind::Arr(_) | VKind::Obj(_)) {
            return v;
        }
        if self.exhausted.get() {
            // Built before the unit ran out (later steps cannot build more): keep what is known.
            return v;
        }
        let mut left = MAX_VALUE_NODES;
        if !fits(&v, 0, &mut left) {
            self.fail(Limit::ValueSize);
            return self.unknown(v.span);
        }
        if !self.charge(&self.nodes, MAX_VALUE_NODES - left, MAX_NODES, Limit::Nodes) {
            return self.unknown(v.span);
        }
        v
    }
    /// Values about to be copied into a new one (a variable's value read again, the arguments
    /// a function builds its result from): their nodes are charged *before* the copy is made,
    /// so that a value that doubles at every step stops at the limit without first being
    /// built. False (the limit noted) when the unit cannot afford them, or when together they
    /// would make one value too large. Counting stops at the limit, as in [`Budget::value`].
    pub fn copies(&self, parts: &[&V]) -> bool {
        if self.exhausted.get() {
            return false;
        }
        let mut left = MAX_VALUE_NODES;
        for p in parts {
            if matches!(p.kind, VKind::Arr(_) | VKind::Obj(_)) && !fits(p, 1, &mut left) {
                return self.fail(Limit::ValueSize);
            }
        }
        self.charge(&self.nodes, MAX_VALUE_NODES - left, MAX_NODES, Limit::Nodes)
    }
    /// A copy of `v`, charged before it is made ([`Budget::copies`]); an unknown when the unit
    /// cannot afford it.
    pub fn copy(&self, v: &V) -> V {
        if matches!(v.kind, VKind::Arr(_) | VKind::Obj(_)) && !self.copies(&[v]) {
            return self.unknown(v.span);
        }
        v.clone()
    }
    /// The unknown that stands for a value the budget did not allow.
    pub fn unknown(&self, span: Option<Span>) -> V {
        let what = self.hit.get().unwrap_or(Limit::Steps).describe();
        V::unknown(
            format!("evaluation stopped at {what}; the value is unknown"),
            span,
        )
    }
    /// Whether a cumulative limit has been hit (later values of the unit are unknown).
    pub fn is_exhausted(&self) -> bool {
        self.exhausted.get()
    }
    /// The limit that ended the unit, or else the first one hit.
    pub fn hit(&self) -> Option<Limit> {
        self.hit.get()
    }

    /// The one STV002 of a unit that hit a limit: what was hit, in which deployment, and the
    /// API Management instances declared in it (`complete`: whether `apims` holds every one;
    /// when not, the message says others may be unchecked too).
    pub fn diagnostic(
        &self,
        lang: &str,
        unit: &str,
        span: Option<Span>,
        apims: &[String],
        complete: bool,
    ) -> Option<Diagnostic> {
        let limit = self.hit.get()?;
        // Past the instance limit, modules and copies were left undeclared: any may hold one.
        let complete = complete && limit != Limit::Instances;
        let rest = if limit.exhausts() {
            "the values computed after that point are unknown"
        } else {
            "the values that exceed it are unknown"
        };
        let instances = match (apims, complete) {
            ([], true) => "it declares no API Management instance".to_string(),
            ([], false) => "API Management instances in it may be unchecked".to_string(),
            (names, _) => format!(
                "API Management instances that may be unchecked or checked with unknown values: {}{}",
                names.join(", "),
                if complete { "" } else { " (and any others its unevaluated parts declare)" }
            ),
        };
        let d = Diagnostic::new(
            Code::Stv002,
            Severity::Warning,
            format!(
                "evaluation of {unit} stopped at {}; {rest}; {instances}",
                limit.describe()
            ),
        )
        .at(span)
        .identity(format!("{lang}|budget|{unit}"));
        // A unit that declares no instance leaves none unchecked: said, not a failed run.
        Some(if apims.is_empty() && complete {
            d.help("Simplify the code (values that double, very large loops or text, deep nesting); the rest of the run is checked.")
        } else {
            d.help("Simplify the code (values that double, very large loops or text, deep nesting); the rest of the run is checked, and the run exits with code 2 (incomplete).")
                .incomplete()
        })
    }
}

/// The nodes of a value and how deeply they nest, as [`Budget::check`] counts them (the value
/// itself at depth 0), counted only up to just past the limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Size {
    nodes: u64,
    depth: usize,
}

impl Size {
    /// A scalar, or an unknown.
    pub const SCALAR: Size = Size { nodes: 1, depth: 0 };
    /// An empty container: [`Size::add`] its members.
    pub const EMPTY: Size = Size::SCALAR;

    /// The size of `v`, walked.
    pub fn of(v: &V) -> Size {
        fn walk(v: &V, depth: usize, s: &mut Size) {
            s.nodes += 1;
            s.depth = s.depth.max(depth);
            if !s.fits() {
                return;
            }
            match &v.kind {
                VKind::Arr(items) => {
                    for x in items {
                        walk(x, depth + 1, s);
                        if !s.fits() {
                            return;
                        }
                    }
                }
                VKind::Obj(entries) => {
                    for (_, x) in entries {
                        walk(x, depth + 1, s);
                        if !s.fits() {
                            return;
                        }
                    }
                }
                _ => {}
            }
        }
        let mut s = Size { nodes: 0, depth: 0 };
        walk(v, 0, &mut s);
        s
    }

    /// A member of the container this size counts.
    pub fn add(&mut self, member: Size) {
        self.nodes = self.nodes.saturating_add(member.nodes);
        self.depth = self.depth.max(member.depth.saturating_add(1));
    }

    /// Within [`MAX_VALUE_NODES`] and [`MAX_VALUE_DEPTH`].
    fn fits(self) -> bool {
        self.nodes <= MAX_VALUE_NODES && self.depth <= MAX_VALUE_DEPTH
    }
}

fn fits(v: &V, depth: usize, left: &mut u64) -> bool {
    if depth > MAX_VALUE_DEPTH || *left == 0 {
        return false;
    }
    *left -= 1;
    match &v.kind {
        VKind::Arr(items) => items.iter().all(|x| fits(x, depth + 1, left)),
        VKind::Obj(entries) => entries.iter().all(|(_, x)| fits(x, depth + 1, left)),
        _ => true,
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Rc<Budget>>> = const { RefCell::new(None) };
}

/// Makes `b` the thread's current budget until the guard is dropped (the previous one is
/// restored, so units may nest).
pub fn install(b: &Rc<Budget>) -> Guard {
    let prev = CURRENT.with(|c| c.replace(Some(b.clone())));
    Guard { prev }
}

/// Makes `b` current (without a guard) when it is not already: for evaluators that move
/// between units while evaluating (a Terraform lookup across roots).
pub fn activate(b: &Rc<Budget>) {
    CURRENT.with(|c| {
        let mut c = c.borrow_mut();
        if !c.as_ref().is_some_and(|x| Rc::ptr_eq(x, b)) {
            *c = Some(b.clone());
        }
    })
}

pub struct Guard {
    prev: Option<Rc<Budget>>,
}

impl Drop for Guard {
    fn drop(&mut self) {
        let prev = self.prev.take();
        CURRENT.with(|c| *c.borrow_mut() = prev);
    }
}

/// Charges the current budget; outside any unit (a unit test of one function) each charge
/// is only held to the unit limit on its own.
fn with_current(n: u64, max: u64, f: impl FnOnce(&Budget) -> bool) -> bool {
    CURRENT.with(|c| match c.borrow().as_ref() {
        Some(b) => f(b),
        None => n <= max,
    })
}

/// Charges `n` bytes of text to the current unit before they are allocated; false when the
/// unit cannot afford them (the caller returns [`unknown`] instead).
pub fn bytes(n: usize) -> bool {
    with_current(n as u64, MAX_BYTES, |b| b.bytes(n as u64))
}

/// Charges `n` loop or list items to the current unit before they are produced.
pub fn items(n: usize) -> bool {
    with_current(n as u64, MAX_LOOP_ITEMS, |b| b.items(n as u64))
}

/// Charges `n` resource or module instances to the current unit before they are declared.
pub fn instances(n: usize) -> bool {
    with_current(n as u64, MAX_INSTANCES, |b| b.instances(n as u64))
}

/// Charges the nodes of a built value to the current unit (see [`Budget::value`]).
pub fn value(v: V) -> V {
    CURRENT.with(|c| match c.borrow().as_ref() {
        Some(b) => b.value(v),
        None => v,
    })
}

/// Charges values about to be copied to the current unit (see [`Budget::copies`]).
pub fn copies(parts: &[&V]) -> bool {
    CURRENT.with(|c| match c.borrow().as_ref() {
        Some(b) => b.copies(parts),
        None => true,
    })
}

/// Checks the size of a built value against the current unit's limits (see [`Budget::check`]).
pub fn check(v: V) -> V {
    CURRENT.with(|c| match c.borrow().as_ref() {
        Some(b) => b.check(v),
        None => v,
    })
}

/// The unknown standing for a value the current unit's budget did not allow.
pub fn unknown(span: Option<Span>) -> V {
    CURRENT.with(|c| match c.borrow().as_ref() {
        Some(b) => b.unknown(span),
        None => Budget::default().unknown(span),
    })
}

/// Whether text may grow to `n` bytes without exceeding what the current unit has left (for
/// text built piece by piece, checked as it grows; the whole is charged with [`bytes`] at the
/// end). Notes the limit when it may not.
pub fn room(n: usize) -> bool {
    CURRENT.with(|c| match c.borrow().as_ref() {
        Some(b) => {
            let ok = !b.exhausted.get() && b.bytes.get().saturating_add(n as u64) <= MAX_BYTES;
            ok || b.fail(Limit::Bytes)
        }
        None => n as u64 <= MAX_BYTES,
    })
}

/// Text of `n` bytes about to be built: `Some(())` when the unit affords it.
pub fn afford(n: usize) -> Option<()> {
    bytes(n).then_some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A value `depth` arrays deep around one scalar.
    fn nested(depth: usize) -> V {
        (0..depth).fold(V::int(1, None), |v, _| V::arr(vec![v], None))
    }

    /// A flat array of `n` nodes in all.
    fn flat(n: u64) -> V {
        V::arr((1..n).map(|i| V::int(i as i64, None)).collect(), None)
    }

    /// A checked container's size added up from its members' gives `check`'s verdict, at and
    /// just past both limits.
    #[test]
    fn a_size_added_up_from_members_gives_the_walks_verdict() {
        let values = [
            V::int(1, None),
            V::arr(Vec::new(), None),
            nested(MAX_VALUE_DEPTH - 1),
            nested(MAX_VALUE_DEPTH),
            nested(MAX_VALUE_DEPTH + 1),
            flat(MAX_VALUE_NODES - 1),
            flat(MAX_VALUE_NODES),
            flat(MAX_VALUE_NODES + 1),
            V::obj(
                vec![
                    (crate::model::Key::new("a", None), flat(MAX_VALUE_NODES / 2)),
                    (crate::model::Key::new("b", None), flat(MAX_VALUE_NODES / 2)),
                ],
                None,
            ),
        ];
        for v in values {
            let mut left = MAX_VALUE_NODES;
            let walked = fits(&v, 0, &mut left);
            assert_eq!(Size::of(&v).fits(), walked);
            let members: Vec<&V> = match &v.kind {
                VKind::Arr(items) => items.iter().collect(),
                VKind::Obj(entries) => entries.iter().map(|(_, x)| x).collect(),
                _ => continue,
            };
            let mut size = Size::EMPTY;
            for m in members {
                size.add(Size::of(m));
            }
            assert_eq!(size.fits(), walked);
            let (b1, b2) = (Budget::new(), Budget::new());
            let by_walk = b1.check(v.clone());
            let (by_size, _) = b2.check_sized(v, size);
            assert_eq!(by_walk.is_unknown(), by_size.is_unknown());
            assert_eq!(b1.hit.get().is_some(), b2.hit.get().is_some());
        }
    }

    #[test]
    fn a_cumulative_limit_ends_the_unit_and_is_what_the_report_names() {
        let b = Budget::new();
        let _g = install(&b);
        assert!(bytes(1000));
        // One value too large: that value only.
        let big = V::arr(
            (0..MAX_VALUE_NODES)
                .map(|i| V::int(i as i64, None))
                .collect(),
            None,
        );
        assert!(b.value(big).is_unknown());
        assert_eq!(b.hit(), Some(Limit::ValueSize));
        assert!(!b.is_exhausted() && b.step());
        // Text past the limit: the unit ends, every later charge fails, the report names text.
        assert!(!bytes(MAX_BYTES as usize));
        assert!(b.is_exhausted() && !b.step() && !items(1) && !bytes(1));
        assert_eq!(b.hit(), Some(Limit::Bytes));
        let d = b
            .diagnostic("arm", "template 't.json'", None, &["'apim'".into()], true)
            .unwrap();
        assert_eq!(d.code, Code::Stv002);
        assert!(d.message.contains("text limit") && d.message.contains("'apim'"));
    }

    #[test]
    fn units_are_independent_and_nest() {
        let a = Budget::new();
        let _ga = install(&a);
        assert!(!bytes(MAX_BYTES as usize + 1));
        {
            let b = Budget::new();
            let _gb = install(&b);
            assert!(bytes(1000), "a new unit starts with its whole budget");
        }
        assert!(
            !bytes(1),
            "the outer unit is current again, still exhausted"
        );
        assert!(Budget::new()
            .diagnostic("x", "y", None, &[], true)
            .is_none());
    }
}
