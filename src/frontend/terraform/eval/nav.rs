//! Traversal: attribute, index and splat operators over values, per alternative.

use super::*;

/// `base` then `opv` (which gave `v`), per alternative when the base or an index has some.
/// Apart from the evaluator so that its deep recursion keeps small frames.
#[inline(never)]
pub(super) fn lift_nav(base: &V, opv: &[OpV], v: V, span: Span) -> V {
    if !base.has_alts()
        && !opv
            .iter()
            .any(|o| matches!(o, OpV::Index(i) if i.has_alts()))
    {
        return v;
    }
    let mut args: Vec<&V> = vec![base];
    args.extend(opv.iter().filter_map(|o| match o {
        OpV::Index(i) => Some(i),
        _ => None,
    }));
    lift(v, &args, |vs| {
        let mut k = 0;
        let ops: Vec<OpV> = opv
            .iter()
            .map(|o| match o {
                OpV::Attr(n) => OpV::Attr(n.clone()),
                OpV::Index(_) => {
                    k += 1;
                    OpV::Index(vs[k].clone())
                }
                OpV::AttrSplat => OpV::AttrSplat,
                OpV::FullSplat => OpV::FullSplat,
            })
            .collect();
        nav(&vs[0], &ops, span, &mut 0)
    })
}

/// The rest of a traversal (`ops`) from a value with alternatives reached inside it.
#[inline(never)]
pub(super) fn nav_alts(cur: &V, ops: &[OpV], span: Span, errors: &mut u64) -> V {
    let normal = nav(&cur.clone().plain(), ops, span, errors);
    lift(normal, &[cur], |a| nav(&a[0], ops, span, &mut 0))
}

/// An evaluated traversal operator.
pub enum OpV {
    Attr(Shared<str>),
    Index(V),
    AttrSplat,
    FullSplat,
}

/// Apply traversal operators to a value. Stable unknowns stay stable (`${module.x}.y`).
pub fn nav(base: &V, ops: &[OpV], span: Span, errors: &mut u64) -> V {
    let s = Some(span);
    // Each splat applies the rest of the chain one level down (and may nest the value one level
    // more): a chain of splats is bounded like any nesting, or it would overflow the stack.
    let splats = ops
        .iter()
        .filter(|o| matches!(o, OpV::AttrSplat | OpV::FullSplat))
        .count();
    if splats > MAX_SPLATS {
        return V::unknown(
            format!("the reference has {splats} splat operators (more than {MAX_SPLATS})"),
            s,
        );
    }
    let mut cur = std::borrow::Cow::Borrowed(base);
    let mut i = 0;
    while i < ops.len() {
        if i > 0 && cur.has_alts() {
            // A value with alternatives inside the structure: the rest per alternative.
            return nav_alts(&cur, &ops[i..], span, errors);
        }
        match &ops[i] {
            OpV::AttrSplat | OpV::FullSplat => {
                let full = matches!(ops[i], OpV::FullSplat);
                // Which operators the splat applies to each element.
                let mut j = i + 1;
                while j < ops.len() && (full || matches!(ops[j], OpV::Attr(_))) {
                    if matches!(ops[j], OpV::AttrSplat | OpV::FullSplat) && !full {
                        break;
                    }
                    j += 1;
                }
                let inner = &ops[i + 1..j];
                let out = match &cur.kind {
                    VKind::Arr(items) => V::arr(
                        items.iter().map(|x| nav(x, inner, span, errors)).collect(),
                        s,
                    ),
                    VKind::Null => V::arr(vec![], s),
                    VKind::Unknown(_) => return unknown_like(&cur, s),
                    _ => V::arr(vec![nav(&cur, inner, span, errors)], s),
                };
                cur = std::borrow::Cow::Owned(out);
                i = j;
                continue;
            }
            OpV::Attr(name) => {
                let next = match &cur.kind {
                    VKind::Obj(_) => match cur.get_exact(name) {
                        Some(v) => v.clone(),
                        None => match cur.get_exact(ABOUT).and_then(|a| a.as_str()) {
                            Some(about) => {
                                let (kind, label) = about.split_once('|').unwrap_or(("res", about));
                                V::unknown(
                                    if kind == "data" {
                                        format!("{label}.{name} is read from Azure (no file of the run declares that resource)")
                                    } else {
                                        format!("{label}.{name} is known only after apply")
                                    },
                                    s,
                                )
                            }
                            None => {
                                *errors += 1;
                                V::unknown(format!("the object has no attribute `{name}`"), s)
                            }
                        },
                    },
                    VKind::Unknown(Unknown { reason, sym, .. }) => match sym {
                        Some(sy) => {
                            V::symbolic(reason.clone(), extend_sym(sy, &format!(".{name}")), s)
                        }
                        None => V::unknown(reason.clone(), s),
                    },
                    VKind::Null => {
                        *errors += 1;
                        V::unknown(format!("cannot read `{name}` of null"), s)
                    }
                    _ => {
                        *errors += 1;
                        V::unknown(format!("cannot read `{name}` of {}", cur.show()), s)
                    }
                };
                cur = std::borrow::Cow::Owned(next);
            }
            OpV::Index(k) => {
                let next = match (&cur.kind, &k.kind) {
                    (_, VKind::Unknown(_)) if !cur.is_unknown() => unknown_like(k, s),
                    (VKind::Unknown(Unknown { reason, sym, .. }), _) => match (sym, key_text(k)) {
                        (Some(sy), Some(kt)) => {
                            let sfx = match k.kind {
                                VKind::Int(_) => format!("[{kt}]"),
                                _ => format!("[\"{kt}\"]"),
                            };
                            V::symbolic(reason.clone(), extend_sym(sy, &sfx), s)
                        }
                        _ => V::unknown(reason.clone(), s),
                    },
                    (VKind::Arr(items), _) => match k.as_i64() {
                        Some(i) if i >= 0 && (i as usize) < items.len() => {
                            items[i as usize].clone()
                        }
                        _ => {
                            *errors += 1;
                            V::unknown(
                                format!(
                                    "index {} is out of range of a list of {}",
                                    k.show(),
                                    items.len()
                                ),
                                s,
                            )
                        }
                    },
                    (VKind::Obj(_), _) => {
                        match key_text(k).and_then(|t| cur.get_exact(&t).cloned()) {
                            Some(v) => v,
                            None => {
                                *errors += 1;
                                V::unknown(format!("the map has no key {}", k.show()), s)
                            }
                        }
                    }
                    _ => {
                        *errors += 1;
                        V::unknown(format!("cannot index {}", cur.show()), s)
                    }
                };
                cur = std::borrow::Cow::Owned(next);
            }
        }
        i += 1;
    }
    cur.into_owned()
}
