//! List, map, set and object functions.

use super::*;
use crate::frontend::kernel::distinct::Seen;
use crate::model::value::ObjBuilder;

pub(super) fn call(name: &str, args: &[V], span: Option<Span>) -> R {
    let v = match name {
        // Collections
        "concat" => {
            let mut out = Vec::new();
            for a in args {
                match &a.kind {
                    VKind::Arr(items) => out.extend(items.iter().cloned()),
                    _ => return Some(Err(format!("concat() of {}", a.show()))),
                }
            }
            Ok(V::arr(out, span))
        }
        "merge" => {
            let mut out = ObjBuilder::new(false, 0);
            for a in args {
                match &a.kind {
                    VKind::Null => {}
                    VKind::Obj(entries) => {
                        for (k, v) in entries {
                            match out.position(&k.name) {
                                Some(i) => out.entry_mut(i).1 = v.clone(),
                                None => out.push(k.clone(), v.clone()),
                            }
                        }
                    }
                    _ => return Some(Err(format!("merge() of {}", a.show()))),
                }
            }
            Ok(V::obj(out.into_entries(), span))
        }
        "lookup" => match (args.first(), args.get(1).and_then(key_text)) {
            (Some(m), Some(k)) if m.as_object().is_some() => match obj_get(m, &k) {
                Some(v) => Ok(v.clone()),
                None => match args.get(2) {
                    Some(d) => Ok(d.clone()),
                    None => Err(format!("lookup(): the map has no key \"{k}\"")),
                },
            },
            _ => Err("lookup() needs a map and a key".into()),
        },
        "element" => match (
            args.first().and_then(|a| a.as_array()),
            args.get(1).and_then(|i| i.as_i64()),
        ) {
            (Some([]), _) => Err("element() of an empty list".into()),
            (Some(items), Some(i)) if i >= 0 => Ok(items[(i as usize) % items.len()].clone()),
            _ => Err("element() needs a list and an index".into()),
        },
        "index" => match (args.first().and_then(|a| a.as_array()), args.get(1)) {
            (Some(items), Some(x)) => {
                let mut unknown = false;
                let mut found = None;
                for (i, it) in items.iter().enumerate() {
                    match tf_equal(it, x) {
                        Some(true) => {
                            found = Some(i);
                            break;
                        }
                        None => unknown = true,
                        _ => {}
                    }
                }
                match found {
                    Some(i) if !unknown => Ok(V::int(i as i64, span)),
                    _ if unknown => Ok(V::unknown("index() over unknown elements", span)),
                    _ => Err("index(): the value is not in the list".into()),
                }
            }
            _ => Err("index() needs a list and a value".into()),
        },
        "contains" => match (args.first(), args.get(1)) {
            (Some(c), Some(x)) => {
                let items: Vec<&V> = match &c.kind {
                    VKind::Arr(items) => items.iter().collect(),
                    VKind::Obj(entries) => entries.iter().map(|(_, v)| v).collect(),
                    _ => return Some(Err("contains() needs a list".into())),
                };
                let mut unknown = None;
                for it in items {
                    match tf_equal(it, x) {
                        Some(true) => return Some(Ok(V::bool(true, span))),
                        None => unknown = Some(it),
                        _ => {}
                    }
                }
                match unknown {
                    Some(u) => Ok(unknown_like(u, span)),
                    None => Ok(V::bool(false, span)),
                }
            }
            _ => Err("contains() needs a list and a value".into()),
        },
        "keys" => one(args).and_then(|a| match iter_pairs(a) {
            Some(p) if a.as_object().is_some() => {
                Ok(V::arr(p.into_iter().map(|(k, _)| k).collect(), span))
            }
            _ => Err("keys() needs a map".into()),
        }),
        "values" => one(args).and_then(|a| match iter_pairs(a) {
            Some(p) if a.as_object().is_some() => {
                Ok(V::arr(p.into_iter().map(|(_, v)| v).collect(), span))
            }
            _ => Err("values() needs a map".into()),
        }),
        "tolist" => one(args).and_then(|a| match &a.kind {
            VKind::Arr(_) | VKind::Null => Ok(a.clone().at(span)),
            _ => Err(format!("tolist() of {}", a.show())),
        }),
        "toset" => one(args).and_then(|a| match &a.kind {
            VKind::Arr(items) => Ok(V::arr(set_of(items), span)),
            VKind::Null => Ok(a.clone()),
            _ => Err(format!("toset() of {}", a.show())),
        }),
        "tomap" => one(args).and_then(|a| match &a.kind {
            VKind::Obj(_) | VKind::Null => Ok(a.clone().at(span)),
            _ => Err(format!("tomap() of {}", a.show())),
        }),
        "distinct" => one(args).and_then(|a| match &a.kind {
            VKind::Arr(items) => Ok(V::arr(distinct(items), span)),
            _ => Err("distinct() needs a list".into()),
        }),
        "compact" => one(args).and_then(|a| match &a.kind {
            VKind::Arr(items) => Ok(V::arr(
                items
                    .iter()
                    .filter(|x| !x.is_null() && x.as_str() != Some(""))
                    .cloned()
                    .collect(),
                span,
            )),
            _ => Err("compact() needs a list".into()),
        }),
        "flatten" => one(args).and_then(|a| match &a.kind {
            VKind::Arr(_) => {
                let mut out = Vec::new();
                flatten_into(a, &mut out, 0);
                Ok(V::arr(out, span))
            }
            _ => Err("flatten() needs a list".into()),
        }),
        "coalescelist" => Ok(args
            .iter()
            .find(|a| a.as_array().is_some_and(|x| !x.is_empty()))
            .cloned()
            .unwrap_or_else(|| V::arr(vec![], span))),
        "one" => one(args).and_then(|a| match &a.kind {
            VKind::Arr(items) if items.is_empty() => Ok(V::null(span)),
            VKind::Arr(items) if items.len() == 1 => Ok(items[0].clone()),
            VKind::Null => Ok(V::null(span)),
            _ => Err("one() needs a list of at most one element".into()),
        }),
        "reverse" => one(args).and_then(|a| match &a.kind {
            VKind::Arr(items) => Ok(V::arr(items.iter().rev().cloned().collect(), span)),
            _ => Err("reverse() needs a list".into()),
        }),
        "sort" => one(args).and_then(|a| match &a.kind {
            VKind::Arr(items) => {
                let mut texts = Vec::new();
                for it in items {
                    match key_text(it) {
                        Some(t) if !it.is_unknown() => texts.push((t, it.clone())),
                        _ => return Ok(unknown_like(it, span)),
                    }
                }
                texts.sort_by(|a, b| a.0.cmp(&b.0));
                Ok(V::arr(texts.into_iter().map(|(_, v)| v).collect(), span))
            }
            _ => Err("sort() needs a list".into()),
        }),
        "slice" => match (
            args.first().and_then(|a| a.as_array()),
            args.get(1).and_then(|v| v.as_i64()),
            args.get(2).and_then(|v| v.as_i64()),
        ) {
            (Some(items), Some(a), Some(b)) if a >= 0 && a <= b && (b as usize) <= items.len() => {
                Ok(V::arr(items[a as usize..b as usize].to_vec(), span))
            }
            _ => Err("slice(): bad arguments".into()),
        },
        "chunklist" => match (
            args.first().and_then(|a| a.as_array()),
            args.get(1).and_then(|v| v.as_i64()),
        ) {
            (Some(items), Some(n)) if n > 0 => Ok(V::arr(
                items
                    .chunks(n as usize)
                    .map(|c| V::arr(c.to_vec(), span))
                    .collect(),
                span,
            )),
            (Some(items), Some(0)) => Ok(V::arr(vec![V::arr(items.to_vec(), span)], span)),
            _ => Err("chunklist() needs a list and a size".into()),
        },
        "range" => range(args, span),
        "zipmap" => match (
            args.first().and_then(|a| a.as_array()),
            args.get(1).and_then(|a| a.as_array()),
        ) {
            (Some(ks), Some(vs)) if ks.len() == vs.len() => {
                let mut out: Vec<(Key, V)> = Vec::new();
                for (k, v) in ks.iter().zip(vs) {
                    let Some(t) = key_text(k) else {
                        return Some(Ok(unknown_like(k, span)));
                    };
                    out.push((Key::new(t, k.span), v.clone()));
                }
                Ok(V::obj(out, span))
            }
            _ => Err("zipmap() needs two lists of the same length".into()),
        },
        "setunion" => {
            let mut all = Vec::new();
            for a in args {
                match a.as_array() {
                    Some(x) => all.extend(x.iter().cloned()),
                    None => return Some(Err("setunion() needs sets".into())),
                }
            }
            Ok(V::arr(set_of(&all), span))
        }
        "setintersection" | "setsubtract" => {
            let Some(first) = args.first().and_then(|a| a.as_array()) else {
                return Some(Err(format!("{name}() needs sets")));
            };
            let mut out: Vec<V> = set_of(first);
            for a in &args[1..] {
                let Some(other) = a.as_array() else {
                    return Some(Err(format!("{name}() needs sets")));
                };
                let inter = name == "setintersection";
                let other = Seen::of(other, |y, x| tf_equal(x, y));
                out.retain(|x| other.contains(x) == inter);
            }
            Ok(V::arr(out, span))
        }
        "setproduct" => setproduct(args, span),
        "alltrue" | "anytrue" => one(args).and_then(|a| {
            let items = a.as_array().ok_or(format!("{name}() needs a list"))?;
            let all = name == "alltrue";
            let mut unknown = None;
            for it in items {
                match it.as_bool() {
                    Some(b) if b != all => return Ok(V::bool(!all, span)),
                    Some(_) => {}
                    None => unknown = Some(it),
                }
            }
            Ok(match unknown {
                Some(u) => unknown_like(u, span),
                None => V::bool(all, span),
            })
        }),
        _ => return None,
    };
    Some(v)
}

pub(super) fn obj_get<'a>(m: &'a V, k: &str) -> Option<&'a V> {
    m.as_object()?
        .iter()
        .rev()
        .find(|(x, _)| &*x.name == k)
        .map(|(_, v)| v)
}

/// The elements unlike every one before them, in order.
fn distinct(items: &[V]) -> Vec<V> {
    let mut seen = Seen::new(tf_equal);
    items.iter().filter(|it| seen.insert(it)).cloned().collect()
}

/// Distinct elements, strings sorted as Terraform orders a set of strings.
pub(super) fn set_of(items: &[V]) -> Vec<V> {
    let mut out = distinct(items);
    if out.iter().all(|x| matches!(x.kind, VKind::Str(_))) {
        out.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    }
    out
}

pub(super) fn flatten_into(v: &V, out: &mut Vec<V>, depth: usize) {
    match &v.kind {
        VKind::Arr(items) if depth < 64 => {
            for it in items {
                flatten_into(it, out, depth + 1);
            }
        }
        _ => out.push(v.clone()),
    }
}

pub(super) fn range(args: &[V], span: Option<Span>) -> Result<V, String> {
    let nums: Vec<f64> = args
        .iter()
        .map(|a| num_of(a).map(to_f).ok_or("range() needs numbers"))
        .collect::<Result<_, _>>()?;
    let (start, limit, step) = match nums.as_slice() {
        [l] => (0.0, *l, 1.0),
        [s, l] => (*s, *l, if l >= s { 1.0 } else { -1.0 }),
        [s, l, st] => (*s, *l, *st),
        _ => return Err("range() needs one to three numbers".into()),
    };
    if step == 0.0 || !step.is_finite() {
        return Err("range(): step must not be zero".into());
    }
    let n = ((limit - start) / step).ceil();
    if n.is_finite() && n > 0.0 && n <= MAX_LEN as f64 && !budget::items(n as usize) {
        return Ok(budget::unknown(span));
    }
    let mut out = Vec::new();
    let mut x = start;
    while (step > 0.0 && x < limit) || (step < 0.0 && x > limit) {
        if out.len() >= MAX_LEN {
            return Err("range(): too many elements".into());
        }
        out.push(num_v(Num::F(x), span));
        x += step;
    }
    Ok(V::arr(out, span))
}

pub(super) fn setproduct(args: &[V], span: Option<Span>) -> Result<V, String> {
    let mut rows: Vec<Vec<V>> = vec![vec![]];
    for a in args {
        let items = a.as_array().ok_or("setproduct() needs lists")?;
        if rows.len().saturating_mul(items.len()) > MAX_LEN {
            return Err("setproduct(): too many elements".into());
        }
        let mut next = Vec::with_capacity(rows.len() * items.len());
        for r in &rows {
            for it in items {
                let mut x = r.clone();
                x.push(it.clone());
                next.push(x);
            }
        }
        rows = next;
    }
    if args.is_empty() {
        return Err("setproduct() needs lists".into());
    }
    Ok(V::arr(
        rows.into_iter().map(|r| V::arr(r, span)).collect(),
        span,
    ))
}
