//! Type conversion of variables to their declared types.

use super::*;

pub fn convert(v: &V, ty: &Expr, depth: usize) -> V {
    convert_owned(v.clone(), ty, depth)
}

/// [`convert`] of a value the caller gives up: what needs no conversion is moved, not copied.
pub fn convert_owned(v: V, ty: &Expr, depth: usize) -> V {
    if depth > 32 || v.is_unknown() || v.is_null() {
        return v;
    }
    match &ty.kind {
        ExprKind::Var(t) => match &**t {
            "string" => match &v.kind {
                VKind::Int(i) => V::str(i.to_string(), v.span).with_origin_of(&v),
                VKind::Float(f) => V::str(fmt_float(*f), v.span).with_origin_of(&v),
                VKind::Bool(b) => V::str(b.to_string(), v.span).with_origin_of(&v),
                _ => v,
            },
            "number" => match (&v.kind, num_of(&v)) {
                (VKind::Str(_), Some(Num::I(i))) => V::int(i, v.span).with_origin_of(&v),
                (VKind::Str(_), Some(Num::F(f))) => {
                    V::new(VKind::Float(f), v.span).with_origin_of(&v)
                }
                _ => v,
            },
            "bool" => match (&v.kind, v.as_bool()) {
                (VKind::Str(_), Some(b)) => V::bool(b, v.span).with_origin_of(&v),
                _ => v,
            },
            _ => v,
        },
        ExprKind::Call(f, args, _) => {
            let V { kind, span, origin } = v;
            let kind = match (&**f, args.as_slice(), kind) {
                ("list" | "set", [t], VKind::Arr(items)) => VKind::Arr(
                    items
                        .into_iter()
                        .map(|x| convert_owned(x, t, depth + 1))
                        .collect(),
                ),
                ("map", [t], VKind::Obj(entries)) => VKind::Obj(
                    entries
                        .into_iter()
                        .map(|(k, x)| (k, convert_owned(x, t, depth + 1)))
                        .collect(),
                ),
                ("tuple", [t], VKind::Arr(items)) => match &t.kind {
                    ExprKind::Arr(types) => VKind::Arr(
                        items
                            .into_iter()
                            .enumerate()
                            .map(|(i, x)| match types.get(i) {
                                Some(t) => convert_owned(x, t, depth + 1),
                                None => x,
                            })
                            .collect(),
                    ),
                    _ => VKind::Arr(items),
                },
                ("object", [t], VKind::Obj(entries)) => match &t.kind {
                    ExprKind::Obj(attrs) => VKind::Obj(object(entries, attrs, span, depth)),
                    _ => VKind::Obj(entries),
                },
                (_, _, kind) => kind,
            };
            V { kind, span, origin }
        }
        _ => v,
    }
}

/// The attributes of an object type, in the type's order: each present one converted, each
/// missing or null one its `optional()` default (or null).
fn object(
    mut entries: Vec<(Key, V)>,
    attrs: &[(ObjKey, Expr)],
    span: Option<Span>,
    depth: usize,
) -> Vec<(Key, V)> {
    let mut out = Vec::with_capacity(attrs.len());
    for (n, (ak, at)) in attrs.iter().enumerate() {
        let ObjKey::Name(an, _) = ak else { continue };
        let present = entries.iter().position(|(k, _)| k.name == *an);
        let (inner_ty, default) = match &at.kind {
            ExprKind::Call(o, oargs, _) if &**o == "optional" => (oargs.first(), oargs.get(1)),
            _ => (Some(at), None),
        };
        match present {
            Some(p) if !entries[p].1.is_null() => {
                // Moved out unless the type names the attribute again (then it is read twice);
                // nothing else looks this name up.
                let again = attrs[n + 1..]
                    .iter()
                    .any(|(k, _)| matches!(k, ObjKey::Name(m, _) if m == an));
                let (k, x) = if again {
                    entries[p].clone()
                } else {
                    let k = entries[p].0.clone();
                    let x = std::mem::replace(&mut entries[p].1, V::null(None));
                    (k, x)
                };
                out.push((
                    k,
                    match inner_ty {
                        Some(t) => convert_owned(x, t, depth + 1),
                        None => x,
                    },
                ));
            }
            _ => {
                let dv = match default {
                    Some(d) => {
                        let lit = literal_value(d);
                        match inner_ty {
                            Some(t) => convert_owned(lit, t, depth + 1),
                            None => lit,
                        }
                    }
                    None => V::null(present.map(|p| entries[p].1.span).unwrap_or(span)),
                };
                out.push((Key::new(an.clone(), None), dv));
            }
        }
    }
    out
}

/// A constant expression (an `optional()` default): literals only.
pub(super) fn literal_value(e: &Expr) -> V {
    let s = Some(e.span);
    match &e.kind {
        ExprKind::Null => V::null(s),
        ExprKind::Bool(b) => V::bool(*b, s),
        ExprKind::Int(i) => V::int(*i, s),
        ExprKind::Float(f) => V::new(VKind::Float(*f), s),
        ExprKind::Str(t) => V::str(t.clone(), s),
        ExprKind::Template(_) => match e.as_str() {
            Some(t) => V::str(t, s),
            None => V::unknown("a non-literal optional() default", s),
        },
        ExprKind::Arr(items) => V::arr(items.iter().map(literal_value).collect(), s),
        ExprKind::Obj(entries) => V::obj(
            entries
                .iter()
                .filter_map(|(k, x)| match k {
                    ObjKey::Name(n, ks) => Some((Key::new(n.clone(), Some(*ks)), literal_value(x))),
                    ObjKey::Expr(_) => None,
                })
                .collect(),
            s,
        ),
        _ => V::unknown("a non-literal optional() default", s),
    }
}

/// Values from the command line have no place in any file.
pub(super) fn strip_spans(mut v: V) -> V {
    v.span = None;
    v.origin = None;
    match &mut v.kind {
        VKind::Arr(items) => {
            for it in items.iter_mut() {
                *it = strip_spans(std::mem::replace(it, V::null(None)));
            }
        }
        VKind::Obj(entries) => {
            for (k, it) in entries.iter_mut() {
                k.span = None;
                *it = strip_spans(std::mem::replace(it, V::null(None)));
            }
        }
        _ => {}
    }
    v
}
