//! String functions; text is joined by the kernel (`kernel::text`).

use super::*;

pub(super) fn call(lname: &str, name: &str, args: &[V], span: Option<Span>) -> Option<V> {
    let v = match lname {
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
                VKind::Unknown(u) if let Some(s) = &u.sym => V::symbolic(
                    u.reason.clone(),
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
                VKind::Str(s) => vec![String::from(&**s)],
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
                VKind::Str(s) => String::from(&**s),
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
        _ => return None,
    };
    Some(v)
}

pub(super) fn str1(args: &[V], span: Option<Span>, name: &str, f: impl Fn(&str) -> String) -> V {
    let [a] = args else { return arity(name, span) };
    match a.as_str() {
        Some(s) if !budget::bytes(s.len()) => budget::unknown(span),
        Some(s) => V::str(f(s), span),
        None => unknown_from(a, span),
    }
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

pub(super) fn concat(args: &[V], span: Option<Span>) -> V {
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

pub(super) fn format_fn(args: &[V], span: Option<Span>) -> V {
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
