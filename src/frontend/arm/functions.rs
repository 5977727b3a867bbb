//! The ARM template function library (pure functions), shared with the Bicep front end.
//! Context functions (`parameters`, `variables`, `reference`, `copyIndex`, lambdas) are handled
//! by each evaluator; everything else is here.
//!
//! Unknown arguments give unknown results. Where a value is unknowable but stable within a
//! deployment (`resourceGroup().name`, `uniqueString(...)`), the result is a *symbolic* unknown
//! so that names built from it still link resources together.

use crate::frontend::cidr;
use crate::frontend::kernel::budget;
use crate::frontend::kernel::text::{self, Joined, Style};
use crate::model::{IdScope, ResourceId};
use crate::model::{Key, Unknown, VKind, V};
use crate::source::Span;
use ipnet::{IpNet, Ipv4Net};
use std::net::Ipv4Addr;

/// Call a pure ARM function by name (case-insensitive). `None` when the library does not know
/// the function; the caller reports it. Unknown arguments propagate to unknown results.
pub fn call(name: &str, args: &[V], span: Option<Span>) -> Option<V> {
    let lname = name.to_ascii_lowercase();
    let v = match lname.as_str() {
        // Scope functions: stable placeholders.
        "resourcegroup" => scope_object(
            &[
                ("name", "resourceGroup().name"),
                ("id", "resourceGroup().id"),
                ("location", "resourceGroup().location"),
            ],
            span,
        ),
        "subscription" => scope_object(
            &[
                ("subscriptionId", "subscription().subscriptionId"),
                ("id", "subscription().id"),
                ("tenantId", "subscription().tenantId"),
                ("displayName", "subscription().displayName"),
            ],
            span,
        ),
        "tenant" => scope_object(&[("tenantId", "tenant().tenantId")], span),
        "deployment" => scope_object(&[("name", "deployment().name")], span),
        "managementgroup" => scope_object(
            &[
                ("name", "managementGroup().name"),
                ("id", "managementGroup().id"),
            ],
            span,
        ),
        "environment" => scope_object(
            &[
                ("name", "environment().name"),
                ("suffixes", "environment().suffixes"),
                ("resourceManager", "environment().resourceManager"),
                ("authentication", "environment().authentication"),
            ],
            span,
        ),
        "utcnow" | "newguid" => V::unknown(format!("{name}() is only known at deployment"), span),
        "uniquestring" | "guid" => {
            if let Some(u) = first_unstable(args) {
                return Some(V::new(VKind::Unknown(u), span));
            }
            let parts: Vec<String> = args.iter().map(sym_text).collect();
            V::symbolic(
                format!("{name}() is computed at deployment"),
                format!("{}({})", name, parts.join(",")),
                span,
            )
        }
        "listkeys"
        | "listsecrets"
        | "list"
        | "pickzones"
        | "providers"
        | "managementgroupresourceid" => {
            V::unknown(format!("{name}() is only known at deployment"), span)
        }

        // Resource ids.
        "resourceid" => resource_id(args, span, true),
        "subscriptionresourceid" => resource_id(args, span, false),
        "tenantresourceid" => tenant_resource_id(args, span),
        "extensionresourceid" => extension_resource_id(args, span),

        // Logic and comparison.
        "if" => {
            let [c, a, b] = args else {
                return Some(arity(name, span));
            };
            match c.truthy() {
                Some(true) => a.clone(),
                Some(false) => b.clone(),
                None => match a.same(b) {
                    Some(true) => a.clone(),
                    _ => unknown_from(c, span),
                },
            }
        }
        "equals" => {
            let [a, b] = args else {
                return Some(arity(name, span));
            };
            match loose_eq(a, b) {
                Some(x) => V::bool(x, span),
                None => unknown_from2(a, b, span),
            }
        }
        "not" => {
            let [a] = args else {
                return Some(arity(name, span));
            };
            match a.truthy() {
                Some(x) => V::bool(!x, span),
                None => unknown_from(a, span),
            }
        }
        "and" | "or" => {
            let want = lname == "or";
            let mut unknown = None;
            for a in args {
                match a.truthy() {
                    Some(x) if x == want => return Some(V::bool(want, span)),
                    Some(_) => {}
                    None => unknown = Some(a),
                }
            }
            match unknown {
                Some(u) => unknown_from(u, span),
                None => V::bool(!want, span),
            }
        }
        "less" | "lessorequals" | "greater" | "greaterorequals" => {
            let [a, b] = args else {
                return Some(arity(name, span));
            };
            let ord = match (&a.kind, &b.kind) {
                (VKind::Str(x), VKind::Str(y)) => Some(x.cmp(y)),
                _ => match (num(a), num(b)) {
                    (Some(x), Some(y)) => x.partial_cmp(&y),
                    _ => None,
                },
            };
            match ord {
                Some(o) => V::bool(
                    match lname.as_str() {
                        "less" => o.is_lt(),
                        "lessorequals" => o.is_le(),
                        "greater" => o.is_gt(),
                        _ => o.is_ge(),
                    },
                    span,
                ),
                None => unknown_from2(a, b, span),
            }
        }
        "true" => V::bool(true, span),
        "false" => V::bool(false, span),
        "null" => V::null(span),
        "coalesce" => {
            for a in args {
                if a.is_unknown() {
                    return Some(unknown_from(a, span));
                }
                if !a.is_null() {
                    return Some(a.clone());
                }
            }
            V::null(span)
        }

        // Numbers.
        "add" | "sub" | "mul" | "div" | "mod" => {
            let [a, b] = args else {
                return Some(arity(name, span));
            };
            match (a.as_i64(), b.as_i64()) {
                (Some(x), Some(y)) => {
                    let r = match lname.as_str() {
                        "add" => x.checked_add(y),
                        "sub" => x.checked_sub(y),
                        "mul" => x.checked_mul(y),
                        "div" => x.checked_div(y),
                        _ => x.checked_rem(y),
                    };
                    match r {
                        Some(r) => V::int(r, span),
                        None => V::unknown(
                            format!("{name}({x}, {y}) overflows or divides by zero"),
                            span,
                        ),
                    }
                }
                _ => unknown_from2(a, b, span),
            }
        }
        "int" => {
            let [a] = args else {
                return Some(arity(name, span));
            };
            match a.as_i64() {
                Some(i) => V::int(i, span),
                None => unknown_from(a, span),
            }
        }
        "float" => {
            let [a] = args else {
                return Some(arity(name, span));
            };
            match num(a) {
                Some(f) => V::new(VKind::Float(f), span),
                None => unknown_from(a, span),
            }
        }
        "bool" => {
            let [a] = args else {
                return Some(arity(name, span));
            };
            match (&a.kind, a.as_bool()) {
                (_, Some(b)) => V::bool(b, span),
                (VKind::Int(i), _) => V::bool(*i != 0, span),
                _ => unknown_from(a, span),
            }
        }
        "min" | "max" => {
            let items: Vec<V> = flatten_args(args);
            if let Some(u) = items.iter().find(|v| v.is_unknown()) {
                return Some(unknown_from(u, span));
            }
            let nums: Vec<i64> = items.iter().filter_map(|v| v.as_i64()).collect();
            let r = if lname == "min" {
                nums.iter().min()
            } else {
                nums.iter().max()
            };
            match r {
                Some(r) => V::int(*r, span),
                None => V::unknown(format!("{name}() of no numbers"), span),
            }
        }
        "range" => {
            let [a, b] = args else {
                return Some(arity(name, span));
            };
            match (a.as_i64(), b.as_i64()) {
                (Some(start), Some(count))
                    if (0..=100_000).contains(&count) && start.checked_add(count).is_some() =>
                {
                    if !budget::items(count as usize) {
                        return Some(budget::unknown(span));
                    }
                    V::arr((0..count).map(|i| V::int(start + i, span)).collect(), span)
                }
                (Some(_), Some(_)) => V::unknown("range() count out of bounds", span),
                _ => unknown_from2(a, b, span),
            }
        }

        // Strings.
        "concat" => concat(args, span),
        "format" => format_fn(args, span),
        "tolower" | "toupper" => {
            let [a] = args else {
                return Some(arity(name, span));
            };
            let up = lname == "toupper";
            match &a.kind {
                VKind::Str(s) => V::str(
                    if up {
                        s.to_uppercase()
                    } else {
                        s.to_lowercase()
                    },
                    span,
                ),
                VKind::Unknown(Unknown {
                    reason,
                    sym: Some(s),
                    ..
                }) => V::symbolic(
                    reason.clone(),
                    if up {
                        s.to_uppercase()
                    } else {
                        s.to_lowercase()
                    },
                    span,
                ),
                _ => unknown_from(a, span),
            }
        }
        "string" => {
            let [a] = args else {
                return Some(arity(name, span));
            };
            match &a.kind {
                VKind::Str(_) => a.clone().at(span),
                VKind::Unknown(_) => unknown_from(a, span),
                VKind::Int(i) => V::str(i.to_string(), span),
                VKind::Bool(b) => V::str(if *b { "True" } else { "False" }, span),
                _ => {
                    let text = a.to_json().to_string();
                    if !budget::bytes(text.len()) {
                        return Some(budget::unknown(span));
                    }
                    V::str(text, span)
                }
            }
        }
        "trim" => str1(args, span, name, |s| s.trim().to_string()),
        "uri" => {
            let [a, b] = args else {
                return Some(arity(name, span));
            };
            match (a.as_str(), b.as_str()) {
                (Some(x), Some(y)) => {
                    let base = match x.rfind('/') {
                        Some(i) => &x[..=i],
                        None => x,
                    };
                    V::str(format!("{}{}", base, y.trim_start_matches('/')), span)
                }
                // An unknown base (`deployment().properties.templateLink.uri`) keeps the
                // relative part visible, so a link can still be matched to a local file.
                (None, Some(y)) if a.as_name().is_some() => V::symbolic(
                    a.unknown_reason().unwrap_or("unknown base URI").to_string(),
                    format!(
                        "{{{}}}/{}",
                        a.as_name().unwrap_or(""),
                        y.trim_start_matches('/')
                    ),
                    span,
                ),
                _ => unknown_from2(a, b, span),
            }
        }
        "replace" => {
            let [a, b, c] = args else {
                return Some(arity(name, span));
            };
            match (a.as_str(), b.as_str(), c.as_str()) {
                (Some(s), Some(from), Some(to)) if !from.is_empty() => {
                    // Charged before allocating: one character replaced by a long text
                    // multiplies the size.
                    let grow = to.len().saturating_sub(from.len());
                    let n = if grow > 0 { s.matches(from).count() } else { 0 };
                    if !budget::bytes(s.len().saturating_add(n.saturating_mul(grow))) {
                        return Some(budget::unknown(span));
                    }
                    V::str(s.replace(from, to), span)
                }
                (Some(s), Some(_), Some(_)) => V::str(s, span),
                _ => unknown_from(args.iter().find(|v| v.is_unknown()).unwrap_or(a), span),
            }
        }
        "split" => {
            let [a, b] = args else {
                return Some(arity(name, span));
            };
            let seps: Vec<String> = match &b.kind {
                VKind::Str(s) => vec![s.to_string()],
                VKind::Arr(items) => items
                    .iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect(),
                _ => return Some(unknown_from(b, span)),
            };
            match a.as_str() {
                Some(s) => {
                    if !budget::bytes(s.len()) {
                        return Some(budget::unknown(span));
                    }
                    let mut parts = vec![s.to_string()];
                    for sep in seps.iter().filter(|s| !s.is_empty()) {
                        parts = parts
                            .iter()
                            .flat_map(|p| {
                                p.split(sep.as_str()).map(String::from).collect::<Vec<_>>()
                            })
                            .collect();
                    }
                    V::arr(parts.into_iter().map(|p| V::str(p, span)).collect(), span)
                }
                None => unknown_from(a, span),
            }
        }
        "join" => {
            let [a, b] = args else {
                return Some(arity(name, span));
            };
            match (a.as_array(), b.as_str()) {
                (Some(items), Some(sep)) => match text::join(items, sep, Style::Arm, false, span) {
                    Joined::Text(v) => v,
                    Joined::Other(i) => unknown_from(&items[i], span),
                },
                _ => unknown_from2(a, b, span),
            }
        }
        "substring" => {
            let (Some(a), Some(b)) = (args.first(), args.get(1)) else {
                return Some(arity(name, span));
            };
            match (a.as_str(), b.as_i64()) {
                (Some(s), Some(start)) => {
                    let chars: Vec<char> = s.chars().collect();
                    let start = (start.max(0) as usize).min(chars.len());
                    let len = match args.get(2) {
                        Some(l) => match l.as_i64() {
                            Some(l) => l.max(0) as usize,
                            None => return Some(unknown_from(l, span)),
                        },
                        None => chars.len() - start,
                    };
                    let end = (start + len).min(chars.len());
                    V::str(chars[start..end].iter().collect::<String>(), span)
                }
                _ => unknown_from2(a, b, span),
            }
        }
        "startswith" | "endswith" => {
            let [a, b] = args else {
                return Some(arity(name, span));
            };
            match (a.as_str(), b.as_str()) {
                (Some(s), Some(p)) => {
                    let (s, p) = (s.to_lowercase(), p.to_lowercase());
                    V::bool(
                        if lname == "startswith" {
                            s.starts_with(&p)
                        } else {
                            s.ends_with(&p)
                        },
                        span,
                    )
                }
                _ => unknown_from2(a, b, span),
            }
        }
        "indexof" | "lastindexof" => {
            let [a, b] = args else {
                return Some(arity(name, span));
            };
            let last = lname == "lastindexof";
            match (&a.kind, &b.kind) {
                (VKind::Str(s), VKind::Str(p)) => {
                    let (s, p) = (s.to_lowercase(), p.to_lowercase());
                    let r = if last { s.rfind(&p) } else { s.find(&p) };
                    V::int(r.map(|i| s[..i].chars().count() as i64).unwrap_or(-1), span)
                }
                (VKind::Arr(items), _) if !b.is_unknown() => {
                    let mut pos = items
                        .iter()
                        .enumerate()
                        .filter(|(_, v)| v.same(b) == Some(true));
                    let r = if last { pos.next_back() } else { pos.next() };
                    V::int(r.map(|(i, _)| i as i64).unwrap_or(-1), span)
                }
                _ => unknown_from2(a, b, span),
            }
        }
        "padleft" => {
            let (Some(a), Some(n)) = (args.first(), args.get(1)) else {
                return Some(arity(name, span));
            };
            let pad = args
                .get(2)
                .and_then(|p| p.as_str())
                .and_then(|p| p.chars().next())
                .unwrap_or(' ');
            let text = match &a.kind {
                VKind::Str(s) => s.to_string(),
                VKind::Int(i) => i.to_string(),
                _ => return Some(unknown_from(a, span)),
            };
            match n.as_i64() {
                Some(n) if (0..=10_000).contains(&n) => {
                    if !budget::bytes(text.len() + n as usize * pad.len_utf8()) {
                        return Some(budget::unknown(span));
                    }
                    let len = text.chars().count();
                    let fill: String = std::iter::repeat(pad)
                        .take((n as usize).saturating_sub(len))
                        .collect();
                    V::str(fill + &text, span)
                }
                _ => unknown_from(n, span),
            }
        }

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
                VKind::Arr(items) => V::arr(
                    items
                        .iter()
                        .filter(|it| {
                            args[1..].iter().all(|o| {
                                o.as_array()
                                    .is_some_and(|xs| xs.iter().any(|x| x.same(it) == Some(true)))
                            })
                        })
                        .cloned()
                        .collect(),
                    span,
                ),
                VKind::Obj(entries) => V::obj(
                    entries
                        .iter()
                        .filter(|(k, v)| {
                            args[1..]
                                .iter()
                                .all(|o| o.get(&k.name).is_some_and(|x| x.same(v) == Some(true)))
                        })
                        .cloned()
                        .collect(),
                    span,
                ),
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

        // Networking.
        "parsecidr" => {
            let [a] = args else {
                return Some(arity(name, span));
            };
            match a.as_str().map(parse_cidr) {
                Some(Some(net)) => {
                    let (n, _) = cidr::bits(&net);
                    let last = n + cidr::size(&net) - 1;
                    let ip = |x: u128| V::str(Ipv4Addr::from(x as u32).to_string(), span);
                    let mk = |k: &str, v: V| (Key::new(k, span), v);
                    V::obj(
                        vec![
                            mk("network", ip(n)),
                            mk("netmask", V::str(net.netmask().to_string(), span)),
                            mk("broadcast", ip(last)),
                            mk("firstUsable", ip((n + 1).min(last))),
                            mk("lastUsable", ip(last.saturating_sub(1).max(n))),
                            mk("cidr", V::int(net.prefix_len() as i64, span)),
                        ],
                        span,
                    )
                }
                Some(None) => V::unknown(format!("parseCidr() of invalid CIDR {}", a.show()), span),
                None => unknown_from(a, span),
            }
        }
        "cidrsubnet" => {
            let [a, l, i] = args else {
                return Some(arity(name, span));
            };
            match (a.as_str().and_then(parse_cidr), l.as_i64(), i.as_i64()) {
                // ARM takes the new prefix length (Terraform takes added bits).
                (Some(net), Some(newlen), Some(idx)) => {
                    match (u32::try_from(newlen), u128::try_from(idx)) {
                        (Ok(newlen), Ok(idx)) => cidr::subnet(&net, newlen, idx),
                        _ => None,
                    }
                    .map(|s| V::str(s.to_string(), span))
                    .unwrap_or_else(|| V::unknown("cidrSubnet() arguments out of range", span))
                }
                _ => unknown_from(args.iter().find(|v| v.is_unknown()).unwrap_or(a), span),
            }
        }
        "cidrhost" => {
            let [a, i] = args else {
                return Some(arity(name, span));
            };
            match (a.as_str().and_then(parse_cidr), i.as_i64()) {
                (Some(net), Some(idx)) => {
                    // ARM's cidrHost skips the network address: index 0 is the first usable
                    // host (Terraform's cidrhost counts from the network address).
                    u128::try_from(idx)
                        .ok()
                        .and_then(|i| cidr::host(&net, i.checked_add(1)?))
                        .map(|h| V::str(h.to_string(), span))
                        .unwrap_or_else(|| V::unknown("cidrHost() index out of range", span))
                }
                _ => unknown_from2(a, i, span),
            }
        }
        // The rest of the documented pure functions (dates, URIs, encodings).
        _ => return super::builtins::call(&lname, args, span),
    };
    Some(v)
}

fn arity(name: &str, span: Option<Span>) -> V {
    V::unknown(
        format!("{name}() called with the wrong number of arguments"),
        span,
    )
}

/// An unknown result caused by `cause` (keeps its reason, drops its symbol).
pub use crate::frontend::kernel::access::unknown_from;

fn unknown_from2(a: &V, b: &V, span: Option<Span>) -> V {
    if a.is_unknown() || a.find_unknown().is_some() {
        unknown_from(a, span)
    } else {
        unknown_from(b, span)
    }
}

/// The first argument that is unknown and not stable (symbolic).
fn first_unstable(args: &[V]) -> Option<Unknown> {
    args.iter().find_map(|a| match &a.kind {
        VKind::Unknown(u) if u.sym.is_none() => Some(Unknown::new(u.reason.clone(), None)),
        _ => None,
    })
}

/// Text of a value inside a symbolic placeholder.
fn sym_text(v: &V) -> String {
    match &v.kind {
        VKind::Str(s) => format!("'{s}'"),
        VKind::Unknown(Unknown { sym: Some(s), .. }) => s.to_string(),
        _ => v.show(),
    }
}

fn scope_object(fields: &[(&str, &str)], span: Option<Span>) -> V {
    V::obj(
        fields
            .iter()
            .map(|(k, sym)| {
                (
                    Key::new(*k, span),
                    V::symbolic(format!("{sym} is only known at deployment"), *sym, span),
                )
            })
            .collect(),
        span,
    )
}

fn num(v: &V) -> Option<f64> {
    match &v.kind {
        VKind::Int(i) => Some(*i as f64),
        VKind::Float(f) => Some(*f),
        _ => None,
    }
}

/// Equality as ARM's `equals` sees it (strings case-sensitive, numbers by value).
fn loose_eq(a: &V, b: &V) -> Option<bool> {
    a.same(b)
}

fn str1(args: &[V], span: Option<Span>, name: &str, f: impl Fn(&str) -> String) -> V {
    let [a] = args else { return arity(name, span) };
    match a.as_str() {
        Some(s) if !budget::bytes(s.len()) => budget::unknown(span),
        Some(s) => V::str(f(s), span),
        None => unknown_from(a, span),
    }
}

fn flatten_args(args: &[V]) -> Vec<V> {
    let mut out = Vec::new();
    for a in args {
        match &a.kind {
            VKind::Arr(items) => out.extend(items.iter().cloned()),
            _ => out.push(a.clone()),
        }
    }
    out
}

/// Join string pieces; symbolic unknowns join into a symbolic result, other unknowns win.
pub fn join_strings(parts: &[V], span: Option<Span>) -> V {
    // Plain concatenation: the same name built in two ways (a name, an id ending in it) must
    // spell the same, or references would not link; an unknown part keeps the known text
    // around it (`concat(parameters('ip'), '/32')` is no service tag).
    match text::join(parts, "", Style::Arm, true, span) {
        Joined::Text(v) => v,
        Joined::Other(i) => unknown_from(&parts[i], span),
    }
}

fn concat(args: &[V], span: Option<Span>) -> V {
    if args.iter().any(|a| a.as_array().is_some()) {
        let mut out = Vec::new();
        for a in args {
            match &a.kind {
                VKind::Arr(items) => out.extend(items.iter().cloned()),
                VKind::Null => {}
                _ => return unknown_from(a, span),
            }
        }
        return V::arr(out, span);
    }
    join_strings(args, span)
}

fn format_fn(args: &[V], span: Option<Span>) -> V {
    let Some(fmt) = args.first() else {
        return arity("format", span);
    };
    let Some(f) = fmt.as_str() else {
        return unknown_from(fmt, span);
    };
    let mut parts = Vec::new();
    let mut lit = String::new();
    let mut chars = f.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                lit.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                lit.push('}');
            }
            '{' => {
                let mut spec = String::new();
                for c in chars.by_ref() {
                    if c == '}' {
                        break;
                    }
                    spec.push(c);
                }
                let idx: usize = match spec.split([':', ',']).next().unwrap_or("").trim().parse() {
                    Ok(i) => i,
                    Err(_) => {
                        return V::unknown(
                            format!("format() with bad placeholder {{{spec}}}"),
                            span,
                        )
                    }
                };
                parts.push(V::str(std::mem::take(&mut lit), span));
                match idx.checked_add(1).and_then(|i| args.get(i)) {
                    Some(a) => parts.push(a.clone()),
                    None => return V::unknown("format() placeholder without argument", span),
                }
            }
            _ => lit.push(c),
        }
    }
    parts.push(V::str(lit, span));
    join_strings(&parts, span)
}

fn union(args: &[V], span: Option<Span>) -> V {
    if let Some(u) = args.iter().find(|v| v.is_unknown()) {
        return unknown_from(u, span);
    }
    if args.iter().all(|a| a.as_array().is_some() || a.is_null()) {
        let mut out: Vec<V> = Vec::new();
        for a in args {
            for it in a.as_array().unwrap_or(&[]) {
                if !out.iter().any(|o| o.same(it) == Some(true)) {
                    out.push(it.clone());
                }
            }
        }
        return V::arr(out, span);
    }
    let mut acc = V::obj(vec![], span);
    for a in args {
        match &a.kind {
            VKind::Obj(entries) => {
                for (k, v) in entries {
                    // Nested objects merge deeply, as ARM's union does.
                    let merged = match (acc.get(&k.name), &v.kind) {
                        (Some(old), VKind::Obj(_)) if old.as_object().is_some() => {
                            union(&[old.clone(), v.clone()], v.span)
                        }
                        _ => v.clone(),
                    };
                    if let VKind::Obj(o) = &mut acc.kind {
                        if let Some(e) = o
                            .iter_mut()
                            .find(|(x, _)| x.name.eq_ignore_ascii_case(&k.name))
                        {
                            e.1 = merged;
                        } else {
                            o.push((k.clone(), merged));
                        }
                    }
                }
            }
            VKind::Null => {}
            _ => return unknown_from(a, span),
        }
    }
    acc
}

/// `10.0.0.0/24` → the network (host bits cleared). A bare address is a /32. IPv4 only: the
/// IPv6 results of ARM's CIDR functions are not modelled, so an IPv6 network stays unknown.
pub fn parse_cidr(s: &str) -> Option<IpNet> {
    let net = super::super::cidr::parse(s).or_else(|| {
        let ip: Ipv4Addr = s.trim().parse().ok()?;
        Some(IpNet::V4(Ipv4Net::from(ip)))
    })?;
    matches!(net, IpNet::V4(_)).then_some(net)
}

/// Text usable inside an id: strings, and the symbol of stable unknowns.
fn id_part(v: &V) -> Result<String, V> {
    match &v.kind {
        VKind::Str(s) => Ok(s.to_string()),
        VKind::Unknown(Unknown { sym: Some(s), .. }) => Ok(s.to_string()),
        _ => Err(v.clone()),
    }
}

fn is_type(s: &str) -> bool {
    s.contains('.') && s.contains('/') && !s.starts_with('/')
}

/// `resourceId([sub], [rg], type, name…)` → `/subscriptions/…/resourceGroups/…/providers/…`.
fn resource_id(args: &[V], span: Option<Span>, with_rg: bool) -> V {
    let mut parts = Vec::new();
    for a in args {
        match id_part(a) {
            Ok(s) => parts.push(s),
            Err(v) => return unknown_from(&v, span),
        }
    }
    let Some(ti) = parts.iter().position(|p| is_type(p)) else {
        return V::unknown("resourceId() without a resource type", span);
    };
    let rtype = parts[ti].clone();
    // Names may be given as one "a/b" argument or one argument per segment.
    let names: Vec<String> = parts[ti + 1..]
        .iter()
        .flat_map(|n| n.split('/').map(String::from).collect::<Vec<_>>())
        .collect();
    let (sub, rg) = match ti {
        0 => (None, None),
        1 if with_rg => (None, Some(parts[0].clone())),
        1 => (Some(parts[0].clone()), None),
        _ => (Some(parts[0].clone()), Some(parts[1].clone())),
    };
    let sub = sub.as_deref().unwrap_or("{subscription}");
    let scope = match with_rg {
        true => IdScope::ResourceGroup(sub, rg.as_deref().unwrap_or("{resourceGroup}")),
        false => IdScope::Subscription(sub),
    };
    V::str(ResourceId::build(scope, &rtype, &names).to_string(), span)
}

fn tenant_resource_id(args: &[V], span: Option<Span>) -> V {
    let mut parts = Vec::new();
    for a in args {
        match id_part(a) {
            Ok(s) => parts.push(s),
            Err(v) => return unknown_from(&v, span),
        }
    }
    let Some((t, names)) = parts.split_first() else {
        return arity("tenantResourceId", span);
    };
    V::str(
        ResourceId::build(IdScope::Tenant, t, names).to_string(),
        span,
    )
}

fn extension_resource_id(args: &[V], span: Option<Span>) -> V {
    let mut parts = Vec::new();
    for a in args {
        match id_part(a) {
            Ok(s) => parts.push(s),
            Err(v) => return unknown_from(&v, span),
        }
    }
    let Some((base, rest)) = parts.split_first() else {
        return arity("extensionResourceId", span);
    };
    let Some((t, names)) = rest.split_first() else {
        return arity("extensionResourceId", span);
    };
    V::str(
        ResourceId::build(IdScope::Under(base), t, names).to_string(),
        span,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> V {
        V::str(x, None)
    }
    fn i(x: i64) -> V {
        V::int(x, None)
    }
    fn c(name: &str, args: &[V]) -> V {
        call(name, args, None).expect(name)
    }

    #[test]
    fn strings() {
        assert_eq!(c("concat", &[s("a"), i(1), s("b")]).as_str(), Some("a1b"));
        assert_eq!(
            c("format", &[s("{0}-{1}{{x}}"), s("a"), i(2)]).as_str(),
            Some("a-2{x}")
        );
        assert_eq!(c("toLower", &[s("AbC")]).as_str(), Some("abc"));
        assert_eq!(
            c("substring", &[s("hello"), i(1), i(3)]).as_str(),
            Some("ell")
        );
        assert_eq!(
            c("split", &[s("a/b/c"), s("/")]).as_array().unwrap().len(),
            3
        );
        assert_eq!(
            c("replace", &[s("a-b"), s("-"), s("")]).as_str(),
            Some("ab")
        );
        assert_eq!(c("padLeft", &[i(7), i(3), s("0")]).as_str(), Some("007"));
        assert_eq!(
            c("uri", &[s("https://x/a/b.json"), s("c.json")]).as_str(),
            Some("https://x/a/c.json")
        );
    }

    #[test]
    fn symbolic_names_stay_linkable() {
        let rg = c("resourceGroup", &[]);
        let name = c(
            "concat",
            &[
                s("vnet-"),
                c("uniqueString", &[rg.get("id").unwrap().clone()]),
            ],
        );
        assert!(name.is_unknown());
        assert_eq!(
            name.as_name(),
            Some("vnet-uniqueString(resourceGroup().id)")
        );
        let id = c(
            "resourceId",
            &[
                s("Microsoft.Network/virtualNetworks/subnets"),
                name,
                s("apim"),
            ],
        );
        let key = crate::model::ResKey::from_id(id.as_str().unwrap()).unwrap();
        assert_eq!(
            key.names,
            vec!["vnet-uniquestring(resourcegroup().id)", "apim"]
        );
        // A truly unknown argument makes the result unknown.
        let u = c("concat", &[s("a"), V::unknown("nope", None)]);
        assert!(u.is_unknown() && u.as_name().is_none());
    }

    #[test]
    fn resource_ids() {
        let id = c(
            "resourceId",
            &[
                s("Microsoft.Network/virtualNetworks/subnets"),
                s("v"),
                s("s"),
            ],
        );
        assert_eq!(
            id.as_str(),
            Some("/subscriptions/{subscription}/resourceGroups/{resourceGroup}/providers/Microsoft.Network/virtualNetworks/v/subnets/s")
        );
        let id = c(
            "resourceId",
            &[
                s("rg2"),
                s("Microsoft.Network/networkSecurityGroups"),
                s("n"),
            ],
        );
        assert!(id.as_str().unwrap().contains("/resourceGroups/rg2/"));
        let id = c(
            "resourceId",
            &[
                s("sub"),
                s("rg"),
                s("Microsoft.Network/virtualNetworks/subnets"),
                s("v/s"),
            ],
        );
        assert!(id
            .as_str()
            .unwrap()
            .ends_with("virtualNetworks/v/subnets/s"));
    }

    #[test]
    fn logic_and_unknowns() {
        let u = V::unknown("p has no value", None);
        assert_eq!(
            c("if", &[V::bool(true, None), i(1), i(2)]).as_i64(),
            Some(1)
        );
        assert!(c("if", &[u.clone(), i(1), i(2)]).is_unknown());
        assert_eq!(c("if", &[u.clone(), i(1), i(1)]).as_i64(), Some(1));
        assert_eq!(
            c("or", &[u.clone(), V::bool(true, None)]).as_bool(),
            Some(true)
        );
        assert!(c("and", &[u.clone(), V::bool(true, None)]).is_unknown());
        assert_eq!(c("equals", &[s("a"), s("a")]).as_bool(), Some(true));
        assert_eq!(c("greaterOrEquals", &[i(3), i(2)]).as_bool(), Some(true));
        assert!(call("noSuchFunction", &[], None).is_none());
    }

    #[test]
    fn collections() {
        let a = V::arr(vec![i(1), i(2)], None);
        assert_eq!(c("length", std::slice::from_ref(&a)).as_i64(), Some(2));
        assert_eq!(
            c("union", &[a.clone(), V::arr(vec![i(2), i(3)], None)])
                .as_array()
                .unwrap()
                .len(),
            3
        );
        assert_eq!(c("contains", &[a.clone(), i(2)]).as_bool(), Some(true));
        assert_eq!(c("range", &[i(0), i(3)]).as_array().unwrap().len(), 3);
        let o = c("createObject", &[s("a"), i(1)]);
        assert_eq!(o.get("A").unwrap().as_i64(), Some(1));
        let m = c("union", &[o.clone(), c("createObject", &[s("b"), i(2)])]);
        assert_eq!(m.as_object().unwrap().len(), 2);
        assert!(c("tryGet", &[o, s("zz")]).is_null());
    }

    #[test]
    fn cidr_functions() {
        assert_eq!(
            c("cidrSubnet", &[s("10.0.0.0/16"), i(24), i(3)]).as_str(),
            Some("10.0.3.0/24")
        );
        assert_eq!(
            c("cidrHost", &[s("10.0.1.0/24"), i(0)]).as_str(),
            Some("10.0.1.1")
        );
        let p = c("parseCidr", &[s("10.1.2.0/23")]);
        assert_eq!(p.get("cidr").unwrap().as_i64(), Some(23));
        assert_eq!(p.get("broadcast").unwrap().as_str(), Some("10.1.3.255"));
        assert!(c("cidrSubnet", &[s("10.0.0.0/16"), i(8), i(0)]).is_unknown());
    }
}

#[cfg(test)]
mod overflow_tests {
    use super::*;

    fn s(x: &str) -> V {
        V::str(x, None)
    }
    fn i(x: i64) -> V {
        V::int(x, None)
    }

    /// Huge numbers from a template must give an unknown or a value, never an overflow panic.
    #[test]
    fn huge_numbers_do_not_overflow() {
        let r = call("range", &[i(i64::MAX), i(2)], None).unwrap();
        assert!(r.is_unknown(), "{}", r.show());
        let r = call("cidrHost", &[s("10.0.0.0/24"), i(i64::MAX)], None).unwrap();
        assert!(r.is_unknown(), "{}", r.show());
        let r = call("format", &[s("{18446744073709551615}"), s("a")], None).unwrap();
        assert!(r.is_unknown(), "{}", r.show());
    }

    /// The edges of ARM's CIDR functions (the arithmetic is shared with Terraform's).
    #[test]
    fn cidr_edges() {
        let c = |n: &str, a: &[V]| call(n, a, None).unwrap();
        assert_eq!(
            c("cidrHost", &[s("10.0.0.0/24"), i(254)]).as_str(),
            Some("10.0.0.255")
        );
        assert!(c("cidrHost", &[s("10.0.0.0/24"), i(255)]).is_unknown());
        assert!(c("cidrHost", &[s("10.0.0.1"), i(0)]).is_unknown());
        assert!(c("cidrHost", &[s("10.0.0.0/24"), i(-1)]).is_unknown());
        assert_eq!(
            c("cidrSubnet", &[s("10.0.0.0/16"), i(32), i(65535)]).as_str(),
            Some("10.0.255.255/32")
        );
        assert!(c("cidrSubnet", &[s("10.0.0.0/16"), i(33), i(0)]).is_unknown());
        assert!(c("cidrSubnet", &[s("10.0.0.0/16"), i(-1), i(0)]).is_unknown());
        assert!(c("cidrSubnet", &[s("fd00::/48"), i(64), i(0)]).is_unknown());
        let p = c("parseCidr", &[s("10.0.0.5/31")]);
        let f = |k: &str| p.get(k).unwrap().as_str().unwrap().to_string();
        assert_eq!(f("network"), "10.0.0.4");
        assert_eq!(f("netmask"), "255.255.255.254");
        assert_eq!(f("broadcast"), "10.0.0.5");
        assert_eq!(f("firstUsable"), "10.0.0.5");
        assert_eq!(f("lastUsable"), "10.0.0.4");
        let p = c("parseCidr", &[s("0.0.0.0/0")]);
        assert_eq!(
            p.get("broadcast").unwrap().as_str(),
            Some("255.255.255.255")
        );
        assert_eq!(p.get("netmask").unwrap().as_str(), Some("0.0.0.0"));
    }
}
