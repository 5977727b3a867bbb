//! Type conversion of variables to their declared types.

use super::*;

pub fn convert(v: &V, ty: &Expr, depth: usize) -> V {
    if depth > 32 || v.is_unknown() || v.is_null() {
        return v.clone();
    }
    match &ty.kind {
        ExprKind::Var(t) => match &**t {
            "string" => match &v.kind {
                VKind::Int(i) => V::str(i.to_string(), v.span).with_origin_of(v),
                VKind::Float(f) => V::str(fmt_float(*f), v.span).with_origin_of(v),
                VKind::Bool(b) => V::str(b.to_string(), v.span).with_origin_of(v),
                _ => v.clone(),
            },
            "number" => match (&v.kind, num_of(v)) {
                (VKind::Str(_), Some(Num::I(i))) => V::int(i, v.span).with_origin_of(v),
                (VKind::Str(_), Some(Num::F(f))) => {
                    V::new(VKind::Float(f), v.span).with_origin_of(v)
                }
                _ => v.clone(),
            },
            "bool" => match (&v.kind, v.as_bool()) {
                (VKind::Str(_), Some(b)) => V::bool(b, v.span).with_origin_of(v),
                _ => v.clone(),
            },
            _ => v.clone(),
        },
        ExprKind::Call(f, args, _) => match (&**f, args.as_slice()) {
            ("list" | "set", [t]) => match &v.kind {
                VKind::Arr(items) => V {
                    kind: VKind::Arr(items.iter().map(|x| convert(x, t, depth + 1)).collect()),
                    span: v.span,
                    origin: v.origin,
                },
                _ => v.clone(),
            },
            ("map", [t]) => match &v.kind {
                VKind::Obj(entries) => V {
                    kind: VKind::Obj(
                        entries
                            .iter()
                            .map(|(k, x)| (k.clone(), convert(x, t, depth + 1)))
                            .collect(),
                    ),
                    span: v.span,
                    origin: v.origin,
                },
                _ => v.clone(),
            },
            ("tuple", [t]) => match (&v.kind, &t.kind) {
                (VKind::Arr(items), ExprKind::Arr(types)) => V {
                    kind: VKind::Arr(
                        items
                            .iter()
                            .enumerate()
                            .map(|(i, x)| match types.get(i) {
                                Some(t) => convert(x, t, depth + 1),
                                None => x.clone(),
                            })
                            .collect(),
                    ),
                    span: v.span,
                    origin: v.origin,
                },
                _ => v.clone(),
            },
            ("object", [t]) => match (&v.kind, &t.kind) {
                (VKind::Obj(entries), ExprKind::Obj(attrs)) => {
                    let mut out = Vec::new();
                    for (ak, at) in attrs {
                        let ObjKey::Name(an, _) = ak else { continue };
                        let present = entries.iter().find(|(k, _)| k.name == *an);
                        let (inner_ty, default) = match &at.kind {
                            ExprKind::Call(o, oargs, _) if &**o == "optional" => {
                                (oargs.first(), oargs.get(1))
                            }
                            _ => (Some(at), None),
                        };
                        match present {
                            Some((k, x)) if !x.is_null() => out.push((
                                k.clone(),
                                match inner_ty {
                                    Some(t) => convert(x, t, depth + 1),
                                    None => x.clone(),
                                },
                            )),
                            _ => {
                                let dv = match default {
                                    Some(d) => {
                                        let lit = literal_value(d);
                                        match inner_ty {
                                            Some(t) => convert(&lit, t, depth + 1),
                                            None => lit,
                                        }
                                    }
                                    None => V::null(present.map(|(_, x)| x.span).unwrap_or(v.span)),
                                };
                                out.push((Key::new(an.clone(), None), dv));
                            }
                        }
                    }
                    V {
                        kind: VKind::Obj(out),
                        span: v.span,
                        origin: v.origin,
                    }
                }
                _ => v.clone(),
            },
            _ => v.clone(),
        },
        _ => v.clone(),
    }
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
