//! Member and index access (`v.name`, `v[i]`, `v['k']`) and their safe forms (`v.?name`,
//! `v[?i]`), one set for the ARM and Bicep evaluators so both read values the same way:
//! property names compare without regard to case, a missing property of a known object is
//! unknown (it may be set at deployment time), a stable symbolic unknown stays stable
//! (`parameters('x').a` → symbol `….a`), and a value with alternatives is read per alternative.
//!
//! Access copies only the value it returns; the `step_*` forms walk by reference so a chain
//! into a large configuration object copies nothing until its end.

use crate::model::value::lift;
use crate::model::{VKind, V};
use crate::source::Span;

/// The unknown that stands for a value computed from `cause`: its reason when it is (or holds)
/// an unknown.
pub fn unknown_from(cause: &V, span: Option<Span>) -> V {
    let reason = cause
        .find_unknown()
        .map(|u| u.reason.clone())
        .unwrap_or_else(|| format!("unexpected value {}", cause.show()).into());
    V::unknown(reason, span)
}

/// `v.name` / `v.?name`, per alternative when `v` has alternatives.
pub fn member(v: &V, name: &str, safe: bool, site: Option<Span>) -> V {
    let m = member_plain(v, name, safe, site);
    lift(m, &[v], |x| member_plain(&x[0], name, safe, site))
}

/// `v[i]` / `v[?i]`, per alternative when `v` or `i` has alternatives.
pub fn index(v: &V, i: &V, safe: bool, site: Option<Span>) -> V {
    let x = index_plain(v, i, safe, site);
    lift(x, &[v, i], |a| index_plain(&a[0], &a[1], safe, site))
}

/// One member step of a by-reference walk: the child, or the computed value the walk ends in.
pub fn step_member<'a>(v: &'a V, name: &str, safe: bool, site: Option<Span>) -> Result<&'a V, V> {
    match &v.kind {
        VKind::Obj(_) => v.get(name).ok_or_else(|| member(v, name, safe, site)),
        _ => Err(member(v, name, safe, site)),
    }
}

/// One index step of a by-reference walk.
pub fn step_index<'a>(v: &'a V, i: &V, safe: bool, site: Option<Span>) -> Result<&'a V, V> {
    match (&v.kind, &i.kind) {
        (VKind::Arr(items), _) => match i.as_i64().and_then(|x| usize::try_from(x).ok()) {
            Some(x) if x < items.len() && !i.is_unknown() => Ok(&items[x]),
            _ => Err(index(v, i, safe, site)),
        },
        (VKind::Obj(_), VKind::Str(k)) => step_member(v, k, safe, site),
        _ => Err(index(v, i, safe, site)),
    }
}

fn member_plain(v: &V, name: &str, safe: bool, site: Option<Span>) -> V {
    match &v.kind {
        VKind::Obj(_) => match v.get(name) {
            Some(x) => x.clone(),
            None if safe => V::null(site),
            None => V::unknown(format!("property '{name}' is not set"), site),
        },
        VKind::Null if safe => V::null(site),
        VKind::Unknown(u) => match &u.sym {
            Some(s) => V::symbolic(u.reason.clone(), format!("{s}.{name}"), site),
            None => v.clone(),
        },
        _ => V::unknown(format!("cannot read '{name}' of {}", v.show()), site),
    }
}

fn index_plain(v: &V, i: &V, safe: bool, site: Option<Span>) -> V {
    match (&v.kind, &i.kind) {
        (VKind::Null, _) if safe => V::null(site),
        (VKind::Unknown(_), _) => unknown_from(v, site),
        (_, VKind::Unknown(_)) => unknown_from(i, site),
        (VKind::Arr(items), _) => match i.as_i64().and_then(|x| usize::try_from(x).ok()) {
            Some(x) if x < items.len() => items[x].clone(),
            _ if safe => V::null(site),
            _ => V::unknown(format!("index {} is out of range", i.show()), site),
        },
        (VKind::Obj(_), VKind::Str(k)) => member_plain(v, k, safe, site),
        _ => V::unknown(format!("cannot index {} with {}", v.show(), i.show()), site),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Cond, Key};

    fn obj(entries: &[(&str, V)]) -> V {
        V::obj(
            entries
                .iter()
                .map(|(k, v)| (Key::new(*k, None), v.clone()))
                .collect(),
            None,
        )
    }

    #[test]
    fn known_values_case_insensitive_names_and_safe_forms() {
        let o = obj(&[
            ("Name", V::str("a", None)),
            ("list", V::arr(vec![V::int(7, None)], None)),
        ]);
        assert_eq!(member(&o, "name", false, None).as_str(), Some("a"));
        let missing = member(&o, "other", false, None);
        assert_eq!(
            missing.unknown_reason(),
            Some("property 'other' is not set")
        );
        assert!(member(&o, "other", true, None).is_null());
        assert!(member(&V::null(None), "x", true, None).is_null());
        assert!(member(&V::null(None), "x", false, None).is_unknown());
        let list = member(&o, "list", false, None);
        assert_eq!(
            index(&list, &V::int(0, None), false, None).as_i64(),
            Some(7)
        );
        assert!(index(&list, &V::int(3, None), false, None).is_unknown());
        assert!(index(&list, &V::int(3, None), true, None).is_null());
        assert_eq!(
            index(&o, &V::str("NAME", None), false, None).as_str(),
            Some("a")
        );
    }

    #[test]
    fn unknowns_stay_unknown_and_symbols_extend() {
        let sym = V::symbolic("no value", "parameters('p')", None);
        let m = member(&sym, "id", false, None);
        assert!(m.is_unknown());
        assert_eq!(m.as_name(), Some("parameters('p').id"));
        let plain = V::unknown("why", None);
        assert_eq!(
            member(&plain, "x", false, None).unknown_reason(),
            Some("why")
        );
        let arr = V::arr(vec![V::int(1, None)], None);
        assert_eq!(
            index(&arr, &plain, false, None).unknown_reason(),
            Some("why")
        );
        assert_eq!(
            index(&plain, &V::int(0, None), false, None).unknown_reason(),
            Some("why")
        );
    }

    /// Access into a value with alternatives gives the accessed value per alternative.
    #[test]
    fn alternatives_are_read_per_alternative() {
        let a = obj(&[("tier", V::str("Premium", None))]);
        let b = obj(&[("tier", V::str("Developer", None))]);
        let v = V::unknown("either", None)
            .with_alts(vec![(Cond::one("sku", "a"), a), (Cond::one("sku", "b"), b)]);
        let t = member(&v, "tier", false, None);
        let alts = t.alts().expect("alternatives kept");
        let mut got: Vec<&str> = alts.iter().filter_map(|(_, x)| x.as_str()).collect();
        got.sort();
        assert_eq!(got, ["Developer", "Premium"]);
    }

    #[test]
    fn by_reference_steps_copy_nothing_until_the_end() {
        let inner = V::str("x", None);
        let o = obj(&[("a", obj(&[("b", inner)]))]);
        let a = step_member(&o, "A", false, None).expect("a child");
        let b = step_member(a, "b", false, None).expect("b child");
        assert!(std::ptr::eq(b, a.get("b").unwrap()));
        assert!(step_member(b, "c", false, None).is_err());
        let l = V::arr(vec![V::int(1, None)], None);
        assert!(step_index(&l, &V::int(0, None), false, None).is_ok());
        assert!(step_index(&l, &V::int(5, None), true, None)
            .unwrap_err()
            .is_null());
    }
}
