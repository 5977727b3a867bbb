//! The lambda library ARM and Bicep share: `map`, `filter`, `reduce`, `sort`, `toObject`,
//! `groupBy` and `mapValues`. Each evaluator turns its own lambda syntax into a closure; what
//! the functions do with it (order, duplicates, unknowns, the budget) is written once here.
//!
//! Every item is charged to the unit's budget before the lambda runs, so a huge input gives an
//! unknown and an STV002 instead of a silent truncation.

use super::budget;
use crate::model::value::ObjBuilder;
use crate::model::{Key, Unknown, VKind, V};
use crate::source::Span;
use std::collections::HashMap;

/// A lambda ready to apply to its arguments (item, then index or accumulator as the function
/// passes them; extra arguments beyond the lambda's parameters are ignored by the evaluator).
pub type Lambda<'a> = &'a dyn Fn(Vec<V>) -> V;

/// The names this module evaluates (lower case).
pub const NAMES: &[&str] = &[
    "map",
    "filter",
    "reduce",
    "sort",
    "toobject",
    "groupby",
    "mapvalues",
];

/// Calls lambda function `name` (lower case) on `input`. `first` is the function's lambda
/// (`reduce`: the accumulating one), `second` the value lambda of `toObject`, `init` the initial
/// value of `reduce`.
pub fn call(
    name: &str,
    input: &V,
    init: Option<V>,
    first: Option<Lambda>,
    second: Option<Lambda>,
    site: Option<Span>,
) -> V {
    let Some(f) = first else {
        return V::unknown(format!("{name}() without a lambda"), site);
    };
    if name == "mapvalues" {
        let VKind::Obj(entries) = &input.kind else {
            return unknown_from(input, site);
        };
        if !budget::items(entries.len()) {
            return budget::unknown(site);
        }
        let out = entries
            .iter()
            .map(|(k, v)| (k.clone(), f(vec![v.clone()])))
            .collect();
        return V::obj(out, site);
    }
    let VKind::Arr(items) = &input.kind else {
        return unknown_from(input, site);
    };
    if !budget::items(items.len()) {
        return budget::unknown(site);
    }
    let items = items.clone();
    match name {
        "map" => V::arr(
            items
                .into_iter()
                .enumerate()
                .map(|(i, it)| f(vec![it, V::int(i as i64, site)]))
                .collect(),
            site,
        ),
        "filter" => {
            let mut out = Vec::new();
            for (i, it) in items.into_iter().enumerate() {
                let keep = f(vec![it.clone(), V::int(i as i64, site)]);
                match keep.truthy() {
                    Some(true) => out.push(it),
                    Some(false) => {}
                    None => return unknown_from(&keep, site),
                }
            }
            V::arr(out, site)
        }
        "reduce" => {
            let Some(mut acc) = init else {
                return V::unknown("reduce() needs an initial value", site);
            };
            for (i, it) in items.into_iter().enumerate() {
                acc = f(vec![acc, it, V::int(i as i64, site)]);
            }
            acc.at(site)
        }
        "sort" => {
            // Insertion sort with the user's "a before b" predicate (stable); each comparison
            // is charged, so a long list cannot take quadratic time unnoticed.
            let mut out: Vec<V> = Vec::with_capacity(items.len());
            for it in items {
                if !budget::items(out.len()) {
                    return budget::unknown(site);
                }
                let mut pos = out.len();
                for (j, x) in out.iter().enumerate() {
                    let before = f(vec![it.clone(), x.clone()]);
                    match before.truthy() {
                        Some(true) => {
                            pos = j;
                            break;
                        }
                        Some(false) => {}
                        None => return unknown_from(&before, site),
                    }
                }
                out.insert(pos, it);
            }
            V::arr(out, site)
        }
        "toobject" => {
            let mut all: Vec<(Key, V)> = Vec::new();
            for it in items {
                let k = f(vec![it.clone()]);
                let Some(k) = k.as_name().map(str::to_string) else {
                    return unknown_from(&k, site);
                };
                let v = match second {
                    Some(vl) => vl(vec![it]),
                    None => it,
                };
                all.push((Key::new(k, site), v));
            }
            // A later item with the same key wins and takes its place, as in ARM: each key's
            // last entry is kept (found by a map, not by rescanning the object per item).
            let mut last: HashMap<&str, usize, foldhash::fast::RandomState> = HashMap::default();
            for (i, (k, _)) in all.iter().enumerate() {
                last.insert(&k.name, i);
            }
            let keep: Vec<bool> = (0..all.len()).map(|i| last[&*all[i].0.name] == i).collect();
            let out = all
                .into_iter()
                .zip(keep)
                .filter(|(_, k)| *k)
                .map(|(e, _)| e);
            V::obj(out.collect(), site)
        }
        "groupby" => {
            let mut out = ObjBuilder::new(false, 0);
            for it in items {
                let k = f(vec![it.clone()]);
                let Some(k) = k.as_name().map(str::to_string) else {
                    return unknown_from(&k, site);
                };
                match out.position(&k) {
                    Some(i) => {
                        if let VKind::Arr(a) = &mut out.entry_mut(i).1.kind {
                            a.push(it);
                        }
                    }
                    None => out.push(Key::new(k, site), V::arr(vec![it], site)),
                }
            }
            V::obj(out.into_entries(), site)
        }
        _ => V::unknown(format!("{name}() is not evaluated by stv2lint"), site),
    }
}

/// An unknown caused by `cause` (its first unknown's reason), as the function libraries say it.
fn unknown_from(cause: &V, site: Option<Span>) -> V {
    let reason = cause
        .find_unknown()
        .map(|u| u.reason.clone())
        .unwrap_or_else(|| format!("unexpected value {}", cause.show()).into());
    V::new(VKind::Unknown(Box::new(Unknown::new(reason, None))), site)
}
