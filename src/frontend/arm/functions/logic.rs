//! Logic, comparison and number functions.

use super::*;

pub(super) fn call(lname: &str, name: &str, args: &[V], span: Option<Span>) -> Option<V> {
    let v = match lname {
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
                    match lname {
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
                    let r = match lname {
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
        _ => return None,
    };
    Some(v)
}

pub(super) fn num(v: &V) -> Option<f64> {
    match &v.kind {
        VKind::Int(i) => Some(*i as f64),
        VKind::Float(f) => Some(*f),
        _ => None,
    }
}

/// Equality as ARM's `equals` sees it (strings case-sensitive, numbers by value).
pub(super) fn loose_eq(a: &V, b: &V) -> Option<bool> {
    a.same(b)
}
