//! Memoisation with cycle detection, shared by the three evaluators.
//!
//! Parameters, variables, locals, outputs, resource bodies and module results are evaluated
//! lazily, when first referenced, and at most once. A reference met while its own value is
//! being computed is a cycle (`var a = b`, `var b = a`): the table says so ([`Lookup::Cycle`])
//! and the evaluator answers with an unknown named by [`cycle`], instead of recursing until the
//! stack or the budget runs out. Every front end detects a cycle the same way, at the first
//! re-entry, and says it the same way.
//!
//! Two shapes: [`Memo`], a keyed table for evaluators that own their state (`&mut self`, or a
//! `RefCell` around it), and [`Once`], one slot computed through a shared reference.

use crate::model::V;
use crate::source::Span;
use std::borrow::Borrow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::Hash;

/// The state of one memoised entry.
#[derive(Debug)]
enum Slot<T> {
    Pending,
    Done(T),
}

/// What a table knows of a key.
#[derive(Debug, PartialEq)]
pub enum Lookup<T> {
    /// Computed before.
    Done(T),
    /// Being computed: asking again is a cycle.
    Cycle,
    /// Never asked: the caller calls [`Memo::start`], computes, then [`Memo::finish`].
    Absent,
}

/// A keyed memo table (`key → pending | done(value)`). Hashed with foldhash (random seed per
/// process, so a file's names cannot be made to collide): every reference an evaluator meets
/// looks one up, and SipHash was a few per cent of an evaluation.
#[derive(Debug)]
pub struct Memo<K, T> {
    map: HashMap<K, Slot<T>, foldhash::fast::RandomState>,
}

impl<K, T> Default for Memo<K, T> {
    fn default() -> Self {
        Memo {
            map: HashMap::default(),
        }
    }
}

impl<K: Hash + Eq, T> Memo<K, T> {
    pub fn new() -> Self {
        Self::default()
    }

    /// The state of `key`, without allocating.
    pub fn lookup<Q>(&self, key: &Q) -> Lookup<&T>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        match self.map.get(key) {
            Some(Slot::Done(v)) => Lookup::Done(v),
            Some(Slot::Pending) => Lookup::Cycle,
            None => Lookup::Absent,
        }
    }

    /// The finished value of `key`, if any.
    pub fn get<Q>(&self, key: &Q) -> Option<&T>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        match self.map.get(key) {
            Some(Slot::Done(v)) => Some(v),
            _ => None,
        }
    }

    /// Marks `key` as being computed.
    pub fn start(&mut self, key: K) {
        self.map.insert(key, Slot::Pending);
    }

    /// Stores the computed value of `key`.
    pub fn finish(&mut self, key: K, value: T) {
        self.map.insert(key, Slot::Done(value));
    }

    /// [`Memo::finish`] for a key that was started, found by reference (no second key built).
    pub fn finish_ref<Q>(&mut self, key: &Q, value: T)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if let Some(slot) = self.map.get_mut(key) {
            *slot = Slot::Done(value);
        }
    }
}

/// Computes `key` through a table behind a `RefCell` at most once: the stored value, the value
/// of `cycle()` when `key` is being computed, else `compute()` stored under `key`. No borrow of
/// the table is held while `compute` runs, so it may consult the table again.
pub fn shared<K, T, Q>(
    memo: &RefCell<Memo<K, T>>,
    key: &Q,
    compute: impl FnOnce() -> T,
    cycle: impl FnOnce() -> T,
) -> T
where
    K: Hash + Eq + Borrow<Q>,
    Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    T: Clone,
{
    match memo.borrow().lookup(key) {
        Lookup::Done(v) => return v.clone(),
        Lookup::Cycle => return cycle(),
        Lookup::Absent => {}
    }
    memo.borrow_mut().start(key.to_owned());
    let v = compute();
    memo.borrow_mut().finish_ref(key, v.clone());
    v
}

/// One value computed at most once through a shared reference (a resource body, a module
/// result, a deployment's outputs).
#[derive(Debug)]
pub struct Once<T>(RefCell<Option<Slot<T>>>);

impl<T> Default for Once<T> {
    fn default() -> Self {
        Once(RefCell::new(None))
    }
}

impl<T: Clone> Once<T> {
    pub fn new() -> Self {
        Self::default()
    }

    /// The stored value, `cycle()` while it is being computed, else `compute()` (stored).
    pub fn get_or(&self, compute: impl FnOnce() -> T, cycle: impl FnOnce() -> T) -> T {
        match &*self.0.borrow() {
            Some(Slot::Done(v)) => return v.clone(),
            Some(Slot::Pending) => return cycle(),
            None => {}
        }
        *self.0.borrow_mut() = Some(Slot::Pending);
        let v = compute();
        *self.0.borrow_mut() = Some(Slot::Done(v.clone()));
        v
    }

    /// The stored value, if computed.
    pub fn get(&self) -> Option<T> {
        match &*self.0.borrow() {
            Some(Slot::Done(v)) => Some(v.clone()),
            _ => None,
        }
    }

    /// The stored value moved out, if computed; the slot is empty again (a later
    /// [`Once::get_or`] computes anew). For the last reader, which then needs no copy.
    pub fn take(&self) -> Option<T> {
        let mut slot = self.0.borrow_mut();
        match slot.take() {
            Some(Slot::Done(v)) => Some(v),
            other => {
                *slot = other;
                None
            }
        }
    }
}

/// The unknown a cycle gives: `what` names the declaration in the front end's own quoting
/// (`variable 'a'`, ``local `a` ``).
pub fn cycle(what: &str, site: Option<Span>) -> V {
    V::unknown(cycle_reason(what), site)
}

/// Why a value in a cycle is unknown.
pub fn cycle_reason(what: &str) -> String {
    format!("{what} refers to itself")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    #[test]
    fn table_reports_pending_entries_as_a_cycle() {
        let mut m: Memo<Rc<str>, i32> = Memo::new();
        assert_eq!(m.lookup("a"), Lookup::Absent);
        m.start("a".into());
        assert_eq!(m.lookup("a"), Lookup::Cycle);
        assert_eq!(m.get("a"), None);
        m.finish_ref("a", 3);
        assert_eq!(m.lookup("a"), Lookup::Done(&3));
        assert_eq!(m.get("a"), Some(&3));
    }

    /// A self-referencing computation ends with the cycle value, and the outer computation's
    /// result is what is stored.
    #[test]
    fn shared_table_breaks_self_reference() {
        let memo: RefCell<Memo<String, String>> = RefCell::new(Memo::new());
        fn eval(memo: &RefCell<Memo<String, String>>, k: &str, calls: &mut u32) -> String {
            *calls += 1;
            let mut inner = 0;
            let r = shared(
                memo,
                k,
                || format!("[{}]", eval(memo, k, &mut inner)),
                || "cycle".to_string(),
            );
            *calls += inner;
            r
        }
        let mut calls = 0;
        assert_eq!(eval(&memo, "a", &mut calls), "[cycle]");
        assert_eq!(calls, 2);
        let mut again = 0;
        assert_eq!(eval(&memo, "a", &mut again), "[cycle]");
        assert_eq!(again, 1, "the second ask is served from the table");
    }

    #[test]
    fn once_computes_once_and_breaks_cycles() {
        let slot: Once<i32> = Once::new();
        let mut n = 0;
        let v = slot.get_or(
            || {
                n += 1;
                slot.get_or(|| 100, || -1) + 10
            },
            || -2,
        );
        assert_eq!(v, 9);
        assert_eq!(slot.get_or(|| 0, || 0), 9);
        assert_eq!(slot.get(), Some(9));
        assert_eq!(n, 1);
    }

    #[test]
    fn take_moves_the_value_out_and_leaves_the_slot_empty() {
        let slot: Once<String> = Once::new();
        assert_eq!(slot.take(), None, "nothing computed yet");
        assert_eq!(slot.get_or(|| "a".to_string(), String::new), "a");
        assert_eq!(slot.take().as_deref(), Some("a"));
        assert_eq!(slot.get(), None);
        assert_eq!(
            slot.get_or(|| "b".to_string(), String::new),
            "b",
            "computed anew"
        );
        // While the value is being computed, take leaves the cycle guard in place.
        let pending: Once<i32> = Once::new();
        let v = pending.get_or(
            || {
                assert_eq!(pending.take(), None);
                pending.get_or(|| 1, || -1)
            },
            || 0,
        );
        assert_eq!(v, -1, "still a cycle after take");
    }

    #[test]
    fn cycle_is_an_unknown_that_names_the_declaration() {
        let v = cycle("variable 'a'", None);
        assert!(v.is_unknown());
        assert_eq!(v.unknown_reason(), Some("variable 'a' refers to itself"));
    }
}
