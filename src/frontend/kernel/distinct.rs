//! Sets of values for the collection functions (`distinct`, `toset`, `setunion`,
//! `setintersection`, ARM and Bicep `union` and `intersection`): a value is looked up among
//! those with the same [`V::same_hash`], so that a set of n values costs n lookups rather than
//! n² comparisons — 100,000 elements, which a few lines of hostile code build, took minutes.
//! Values without a hash (holding an unknown without a symbol, or an object with keys
//! differing only in case) are compared one by one as before, so the answers are exactly those
//! of the language's equality.

use crate::model::V;
use std::collections::HashMap;

/// The equality a language's set functions use (`V::same`, Terraform's `tf_equal`), called
/// as `eq(stored, probe)`.
pub type Eq = fn(&V, &V) -> Option<bool>;

pub struct Seen<'a> {
    eq: Eq,
    by_hash: HashMap<u64, Vec<&'a V>, foldhash::fast::FixedState>,
    /// Values without a hash.
    opaque: Vec<&'a V>,
    /// Every value, in the order added: what a value without a hash is compared with.
    all: Vec<&'a V>,
}

impl<'a> Seen<'a> {
    pub fn new(eq: Eq) -> Seen<'a> {
        Seen {
            eq,
            by_hash: HashMap::default(),
            opaque: Vec::new(),
            all: Vec::new(),
        }
    }

    /// A set of `items` (kept as they are, duplicates too).
    pub fn of(items: &'a [V], eq: Eq) -> Seen<'a> {
        let mut s = Seen::new(eq);
        for it in items {
            s.add(it, it.same_hash());
        }
        s
    }

    /// Whether a value added is the same as `v`.
    pub fn contains(&self, v: &V) -> bool {
        self.find(v, v.same_hash())
    }

    /// Add `v` unless a value added is the same; whether it was added.
    pub fn insert(&mut self, v: &'a V) -> bool {
        let h = v.same_hash();
        if self.find(v, h) {
            return false;
        }
        self.add(v, h);
        true
    }

    fn find(&self, v: &V, h: Option<u64>) -> bool {
        if never_same(v) {
            return false;
        }
        let same = |x: &&V| (self.eq)(x, v) == Some(true);
        match h {
            // A value with a hash can only be the same as one with that hash, or as one
            // without a hash (an object with keys differing only in case).
            Some(h) => {
                self.by_hash.get(&h).is_some_and(|xs| xs.iter().any(same))
                    || self.opaque.iter().any(same)
            }
            None => self.all.iter().any(same),
        }
    }

    fn add(&mut self, v: &'a V, h: Option<u64>) {
        if never_same(v) {
            return;
        }
        match h {
            Some(h) => self.by_hash.entry(h).or_default().push(v),
            None => self.opaque.push(v),
        }
        self.all.push(v);
    }
}

/// An unknown without a symbol is the same as nothing (not even another such unknown), in
/// either order: it needs no comparison, and a list of thousands of them stays linear.
fn never_same(v: &V) -> bool {
    matches!(&v.kind, crate::model::VKind::Unknown(u) if u.sym.is_none())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontend::kernel::access::tests::obj;

    /// The set agrees with comparing every pair: numbers across Int and Float, objects in any
    /// key order and case, unknowns by symbol only (those without one never), inside lists and
    /// objects too, and the asymmetric case of duplicate keys.
    #[test]
    fn agrees_with_pairwise_comparison() {
        let unknown = V::unknown("x", None);
        let sym = |s: &str| V::symbolic("why", s.to_string(), None);
        let values = vec![
            V::int(1, None),
            V::new(crate::model::VKind::Float(1.0), None),
            V::new(crate::model::VKind::Float(-0.0), None),
            V::int(0, None),
            V::str("1", None),
            V::str("a", None),
            V::bool(true, None),
            V::null(None),
            V::arr(vec![V::int(1, None), V::str("a", None)], None),
            V::arr(
                vec![
                    V::new(crate::model::VKind::Float(1.0), None),
                    V::str("a", None),
                ],
                None,
            ),
            obj(&[("a", V::int(1, None)), ("B", V::int(2, None))]),
            obj(&[("b", V::int(2, None)), ("A", V::int(1, None))]),
            obj(&[("a", V::int(1, None)), ("A", V::int(3, None))]),
            obj(&[("a", V::int(3, None)), ("x", V::int(4, None))]),
            unknown.clone(),
            unknown,
            sym("s"),
            sym("s"),
            sym("t"),
            V::arr(vec![sym("s")], None),
            V::arr(vec![sym("s")], None),
            V::arr(vec![V::unknown("y", None)], None),
            obj(&[("a", sym("s")), ("b", V::int(1, None))]),
            obj(&[("B", V::int(1, None)), ("A", sym("s"))]),
        ];
        // Both equalities the set functions use: ARM/Bicep `same`, Terraform's `tf_equal`
        // (which never calls a value holding an unknown the same as another).
        let eqs: [Eq; 2] = [|a, b| a.same(b), crate::frontend::terraform::eval::tf_equal];
        for eq in eqs {
            let mut seen = Seen::new(eq);
            let mut by_pairs: Vec<&V> = Vec::new();
            for v in &values {
                let expected = !by_pairs.iter().any(|x| eq(x, v) == Some(true));
                if expected {
                    by_pairs.push(v);
                }
                assert_eq!(seen.insert(v), expected, "{}", v.show());
            }
            for n in [4, values.len()] {
                let set = Seen::of(&values[..n], eq);
                for v in &values {
                    let expected = values[..n].iter().any(|x| eq(x, v) == Some(true));
                    assert_eq!(set.contains(v), expected, "{}", v.show());
                }
            }
        }
    }
}
