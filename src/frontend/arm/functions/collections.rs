//! Array and object functions.

use super::*;
use crate::frontend::kernel::distinct::Seen;
use crate::model::value::{last_by_name, NoCase, ObjBuilder, SCAN_MAX};
use std::collections::HashMap;

pub(super) fn call(lname: &str, name: &str, args: &[V], span: Option<Span>) -> Option<V> {
    let v = match lname {
        // Collections.
        "createarray" | "array" => {
            if lname == "array" {
                match args {
                    [a] if a.as_array().is_some() || a.is_unknown() => a.clone(),
                    [a] => V::arr(vec![a.clone()], span),
                    _ => arity(name, span),
                }
            } else {
                V::arr(args.to_vec(), span)
            }
        }
        "createobject" => {
            let mut entries = Vec::new();
            for pair in args.chunks(2) {
                let [k, v] = pair else {
                    return Some(arity(name, span));
                };
                match k.as_str() {
                    Some(k) => entries.push((Key::new(k, span), v.clone())),
                    None => return Some(unknown_from(k, span)),
                }
            }
            V::obj(entries, span)
        }
        "length" => {
            let [a] = args else {
                return Some(arity(name, span));
            };
            match &a.kind {
                VKind::Str(s) => V::int(s.chars().count() as i64, span),
                VKind::Arr(x) => V::int(x.len() as i64, span),
                VKind::Obj(x) => V::int(x.len() as i64, span),
                _ => unknown_from(a, span),
            }
        }
        "empty" => {
            let [a] = args else {
                return Some(arity(name, span));
            };
            match &a.kind {
                VKind::Null => V::bool(true, span),
                VKind::Str(s) => V::bool(s.is_empty(), span),
                VKind::Arr(x) => V::bool(x.is_empty(), span),
                VKind::Obj(x) => V::bool(x.is_empty(), span),
                VKind::Unknown(_) => unknown_from(a, span),
                _ => V::bool(false, span),
            }
        }
        "contains" => {
            let [a, b] = args else {
                return Some(arity(name, span));
            };
            match (&a.kind, &b.kind) {
                (VKind::Unknown(_), _) | (_, VKind::Unknown(_)) => unknown_from2(a, b, span),
                (VKind::Str(s), VKind::Str(p)) => V::bool(s.contains(&**p), span),
                (VKind::Str(s), VKind::Int(i)) => V::bool(s.contains(&i.to_string()), span),
                (VKind::Arr(items), _) => {
                    let mut unknown = false;
                    for it in items {
                        match it.same(b) {
                            Some(true) => return Some(V::bool(true, span)),
                            None => unknown = true,
                            _ => {}
                        }
                    }
                    if unknown {
                        V::unknown("contains() over unknown elements", span)
                    } else {
                        V::bool(false, span)
                    }
                }
                (VKind::Obj(_), VKind::Str(k)) => V::bool(a.get(k).is_some(), span),
                _ => V::bool(false, span),
            }
        }
        "first" | "last" => {
            let [a] = args else {
                return Some(arity(name, span));
            };
            match &a.kind {
                VKind::Arr(items) => {
                    let it = if lname == "first" {
                        items.first()
                    } else {
                        items.last()
                    };
                    it.cloned().unwrap_or_else(|| V::null(span))
                }
                VKind::Str(s) => {
                    let c = if lname == "first" {
                        s.chars().next()
                    } else {
                        s.chars().last()
                    };
                    V::str(c.map(String::from).unwrap_or_default(), span)
                }
                _ => unknown_from(a, span),
            }
        }
        "take" | "skip" => {
            let [a, n] = args else {
                return Some(arity(name, span));
            };
            let Some(n) = n.as_i64() else {
                return Some(unknown_from(n, span));
            };
            let n = n.max(0) as usize;
            match &a.kind {
                VKind::Arr(items) => {
                    let v: Vec<V> = if lname == "take" {
                        items.iter().take(n).cloned().collect()
                    } else {
                        items.iter().skip(n).cloned().collect()
                    };
                    V::arr(v, span)
                }
                VKind::Str(s) => V::str(
                    if lname == "take" {
                        s.chars().take(n).collect::<String>()
                    } else {
                        s.chars().skip(n).collect::<String>()
                    },
                    span,
                ),
                _ => unknown_from(a, span),
            }
        }
        "union" => union(args, span),
        "intersection" => {
            let Some(first) = args.first() else {
                return Some(arity(name, span));
            };
            if let Some(u) = args.iter().find(|v| v.is_unknown()) {
                return Some(unknown_from(u, span));
            }
            match &first.kind {
                VKind::Arr(items) => {
                    // Each other array as a set once, not scanned for every element.
                    let others: Vec<Option<Seen>> = args[1..]
                        .iter()
                        .map(|o| o.as_array().map(|xs| Seen::of(xs, |x, it| x.same(it))))
                        .collect();
                    V::arr(
                        items
                            .iter()
                            .filter(|it| {
                                others
                                    .iter()
                                    .all(|o| o.as_ref().is_some_and(|s| s.contains(it)))
                            })
                            .cloned()
                            .collect(),
                        span,
                    )
                }
                VKind::Obj(entries) => {
                    let others: Vec<Lookup> = args[1..].iter().map(Lookup::new).collect();
                    V::obj(
                        entries
                            .iter()
                            .filter(|(k, v)| {
                                others.iter().all(|o| {
                                    o.get(&k.name).is_some_and(|x| x.same(v) == Some(true))
                                })
                            })
                            .cloned()
                            .collect(),
                        span,
                    )
                }
                _ => unknown_from(first, span),
            }
        }
        "flatten" => {
            let [a] = args else {
                return Some(arity(name, span));
            };
            match a.as_array() {
                Some(items) => {
                    let mut out = Vec::new();
                    for it in items {
                        match &it.kind {
                            VKind::Arr(inner) => out.extend(inner.iter().cloned()),
                            VKind::Unknown(_) => return Some(unknown_from(it, span)),
                            _ => out.push(it.clone()),
                        }
                    }
                    V::arr(out, span)
                }
                None => unknown_from(a, span),
            }
        }
        "objectkeys" => {
            let [a] = args else {
                return Some(arity(name, span));
            };
            match a.as_object() {
                Some(o) => V::arr(
                    o.iter()
                        .map(|(k, _)| V::str(k.name.clone(), k.span))
                        .collect(),
                    span,
                ),
                None => unknown_from(a, span),
            }
        }
        "items" => {
            let [a] = args else {
                return Some(arity(name, span));
            };
            match a.as_object() {
                Some(o) => {
                    let mut entries: Vec<&(Key, V)> = o.iter().collect();
                    entries.sort_by_key(|(k, _)| k.name.to_lowercase());
                    V::arr(
                        entries
                            .into_iter()
                            .map(|(k, v)| {
                                V::obj(
                                    vec![
                                        (Key::new("key", k.span), V::str(k.name.clone(), k.span)),
                                        (Key::new("value", v.span), v.clone()),
                                    ],
                                    v.span,
                                )
                            })
                            .collect(),
                        span,
                    )
                }
                None => unknown_from(a, span),
            }
        }
        "json" => {
            let [a] = args else {
                return Some(arity(name, span));
            };
            match a.as_str() {
                Some(s) => match serde_json::from_str::<serde_json::Value>(s) {
                    Ok(j) => V::from_json(&j).at(span),
                    Err(e) => V::unknown(format!("json() of invalid text: {e}"), span),
                },
                None => unknown_from(a, span),
            }
        }
        "shallowmerge" => {
            let [a] = args else {
                return Some(arity(name, span));
            };
            match a.as_array() {
                Some(items) => union(items, span),
                None => unknown_from(a, span),
            }
        }
        "tryget" => {
            let Some(mut cur) = args.first().cloned() else {
                return Some(arity(name, span));
            };
            for k in &args[1..] {
                if cur.is_unknown() {
                    return Some(cur);
                }
                let next = match (&cur.kind, &k.kind) {
                    (VKind::Obj(_), VKind::Str(key)) => cur.get(key).cloned(),
                    (VKind::Arr(items), VKind::Int(i)) => {
                        usize::try_from(*i).ok().and_then(|i| items.get(i).cloned())
                    }
                    (_, VKind::Unknown(_)) => return Some(unknown_from(k, span)),
                    _ => None,
                };
                match next {
                    Some(n) => cur = n,
                    None => return Some(V::null(span)),
                }
            }
            cur
        }
        _ => return None,
    };
    Some(v)
}

pub(super) fn flatten_args(args: &[V]) -> Vec<V> {
    let mut out = Vec::new();
    for a in args {
        match &a.kind {
            VKind::Arr(items) => out.extend(items.iter().cloned()),
            _ => out.push(a.clone()),
        }
    }
    out
}

pub(super) fn union(args: &[V], span: Option<Span>) -> V {
    if let Some(u) = args.iter().find(|v| v.is_unknown()) {
        return unknown_from(u, span);
    }
    if args.iter().all(|a| a.as_array().is_some() || a.is_null()) {
        let mut seen = Seen::new(|o, it| o.same(it));
        let mut out: Vec<V> = Vec::new();
        for a in args {
            for it in a.as_array().unwrap_or(&[]) {
                if seen.insert(it) {
                    out.push(it.clone());
                }
            }
        }
        return V::arr(out, span);
    }
    let mut out = ObjBuilder::new(true, 0);
    for a in args {
        match &a.kind {
            VKind::Obj(entries) => {
                for (k, v) in entries {
                    match out.position(&k.name) {
                        Some(i) => {
                            let slot = &mut out.entry_mut(i).1;
                            // Nested objects merge deeply, as ARM's union does.
                            *slot = match &v.kind {
                                VKind::Obj(_) if slot.as_object().is_some() => {
                                    union(&[slot.clone(), v.clone()], v.span)
                                }
                                _ => v.clone(),
                            };
                        }
                        None => out.push(k.clone(), v.clone()),
                    }
                }
            }
            VKind::Null => {}
            _ => return unknown_from(a, span),
        }
    }
    V::obj(out.into_entries(), span)
}

/// An object's entries by name (without case), through an index when it is large: what
/// `intersection` looks every key of the first object up in.
enum Lookup<'a> {
    Scan(&'a V),
    Index(
        &'a [(Key, V)],
        HashMap<NoCase<'a>, usize, foldhash::fast::FixedState>,
    ),
}

impl<'a> Lookup<'a> {
    fn new(v: &'a V) -> Lookup<'a> {
        match v.as_object() {
            Some(o) if o.len() > SCAN_MAX => Lookup::Index(o, last_by_name(o)),
            _ => Lookup::Scan(v),
        }
    }
    fn get(&self, name: &str) -> Option<&'a V> {
        match self {
            Lookup::Scan(v) => v.get(name),
            Lookup::Index(o, ix) => ix.get(&NoCase(name)).map(|&i| &o[i].1),
        }
    }
}
