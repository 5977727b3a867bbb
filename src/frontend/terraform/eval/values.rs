//! Operations on values: HCL operators, arithmetic, equality and iteration.

use super::*;

/// `-x` / `!x` per alternative of `v`.
#[inline(never)]
pub(super) fn lift_unary(neg: bool, v: &V, span: Option<Span>) -> V {
    lift(unknown_like(v, span), &[v], |a| {
        if !neg {
            return match a[0].as_bool() {
                Some(b) => V::bool(!b, span),
                None => V::unknown("cannot apply !", span),
            };
        }
        match num_of(&a[0]) {
            Some(Num::I(i)) => i
                .checked_neg()
                .map_or(V::new(VKind::Float(-(i as f64)), span), |n| V::int(n, span)),
            Some(Num::F(f)) => V::new(VKind::Float(-f), span),
            None => V::unknown("cannot negate", span),
        }
    })
}

/// A template of literals and interpolations whose values are `vals` (in order); `Err` is a
/// type error to report at the interpolation.
pub(super) fn render(parts: &[TPart], vals: &[V], span: Span) -> Result<V, (String, Span)> {
    let mut text = TextBuilder::default();
    let mut vals = vals.iter();
    for p in parts {
        match p {
            TPart::Lit(s) => text.push_str(s),
            TPart::Interp(x) => {
                let Some(v) = vals.next() else {
                    return Ok(V::unknown("a template part is missing", Some(span)));
                };
                if kernel_text::push(&mut text, v, Style::Hcl) {
                    continue;
                }
                match &v.kind {
                    VKind::Null => {
                        return Err(("a null value cannot be used in a string".into(), x.span))
                    }
                    _ => return Err((format!("{} cannot be used in a string", v.show()), x.span)),
                }
            }
            _ => return Ok(V::unknown("a template directive", Some(span))),
        }
    }
    Ok(text.finish(Some(span)))
}

/// A binary operator on two evaluated sides; `Err` is a type error to report.
pub(super) fn binop(op: BinOp, av: &V, bv: &V, span: Span) -> Result<V, String> {
    let s = Some(span);
    Ok(match op {
        BinOp::And | BinOp::Or => {
            let want = op == BinOp::Or;
            match (av.as_bool(), bv.as_bool()) {
                (Some(x), _) if x == want => V::bool(want, s),
                (_, Some(x)) if x == want => V::bool(want, s),
                (Some(x), Some(y)) => V::bool(if want { x || y } else { x && y }, s),
                _ if av.is_unknown() => unknown_like(av, s),
                _ if bv.is_unknown() => unknown_like(bv, s),
                _ => return Err("a logical operator needs bools".into()),
            }
        }
        BinOp::Eq | BinOp::Ne => match tf_equal(av, bv) {
            Some(eq) => V::bool(if op == BinOp::Eq { eq } else { !eq }, s),
            None => V::unknown(
                format!(
                    "a comparison has an unknown side ({})",
                    reason_of(av).or(reason_of(bv)).unwrap_or("unknown")
                ),
                s,
            ),
        },
        _ => {
            if av.is_unknown() {
                return Ok(unknown_like(av, s));
            }
            if bv.is_unknown() {
                return Ok(unknown_like(bv, s));
            }
            let (Some(x), Some(y)) = (num_of(av), num_of(bv)) else {
                return Err(format!("arithmetic on {} and {}", av.show(), bv.show()));
            };
            match arith(op, x, y) {
                Some(Num::I(i)) => V::int(i, s),
                Some(Num::F(f)) if matches!(op, BinOp::Lt | BinOp::Gt | BinOp::Le | BinOp::Ge) => {
                    V::bool(f != 0.0, s)
                }
                Some(Num::F(f)) => V::new(VKind::Float(f), s),
                None => return Err("division by zero".into()),
            }
        }
    })
}

/// Pairs of a collection in Terraform's order: lists by index, maps by sorted key.
pub fn iter_pairs(v: &V) -> Option<Vec<(V, V)>> {
    into_pairs(v.clone()).ok()
}

/// [`iter_pairs`] of a collection the caller owns: its elements are moved into the pairs, not
/// copied (a `for` or `dynamic` over a large map copied every element); not a collection, the
/// value back.
pub fn into_pairs(v: V) -> Result<Vec<(V, V)>, V> {
    let V { kind, span, origin } = v;
    match kind {
        VKind::Arr(items) => Ok(items
            .into_iter()
            .enumerate()
            .map(|(i, x)| (V::int(i as i64, None), x))
            .collect()),
        VKind::Obj(entries) => {
            let mut e: Vec<(Key, V)> = entries
                .into_iter()
                .filter(|(k, _)| !k.name.starts_with('\u{1}'))
                .collect();
            e.sort_by(|a, b| a.0.name.cmp(&b.0.name));
            Ok(e.into_iter()
                .map(|(k, x)| (V::str(k.name, k.span), x))
                .collect())
        }
        kind => Err(V { kind, span, origin }),
    }
}

/// `==` as Terraform sees it: values of different types are different; unknown is unknown.
pub fn tf_equal(a: &V, b: &V) -> Option<bool> {
    match (&a.kind, &b.kind) {
        (VKind::Unknown(_), _) | (_, VKind::Unknown(_)) => a.same(b),
        _ => {
            if a.find_unknown().is_some() || b.find_unknown().is_some() {
                return match a.same(b) {
                    Some(false) => Some(false),
                    _ => None,
                };
            }
            a.same(b)
        }
    }
}

#[derive(Clone, Copy)]
pub enum Num {
    I(i64),
    F(f64),
}

pub fn num_of(v: &V) -> Option<Num> {
    match &v.kind {
        VKind::Int(i) => Some(Num::I(*i)),
        VKind::Float(f) => Some(Num::F(*f)),
        VKind::Str(s) => {
            let t = s.trim();
            t.parse::<i64>()
                .map(Num::I)
                .ok()
                .or_else(|| t.parse::<f64>().ok().filter(|f| f.is_finite()).map(Num::F))
        }
        _ => None,
    }
}

pub(super) fn as_f(n: Num) -> f64 {
    match n {
        Num::I(i) => i as f64,
        Num::F(f) => f,
    }
}

/// Arithmetic and comparison (comparisons give 1/0 as `F`). `None` on division by zero.
pub(super) fn arith(op: BinOp, x: Num, y: Num) -> Option<Num> {
    let cmp = |b: bool| Some(Num::F(if b { 1.0 } else { 0.0 }));
    if let (Num::I(a), Num::I(b)) = (x, y) {
        let r = match op {
            BinOp::Add => a.checked_add(b),
            BinOp::Sub => a.checked_sub(b),
            BinOp::Mul => a.checked_mul(b),
            BinOp::Div => {
                if b == 0 {
                    return None;
                }
                if a % b == 0 {
                    a.checked_div(b)
                } else {
                    return Some(Num::F(a as f64 / b as f64));
                }
            }
            BinOp::Mod => {
                if b == 0 {
                    return None;
                }
                a.checked_rem(b)
            }
            BinOp::Lt => return cmp(a < b),
            BinOp::Gt => return cmp(a > b),
            BinOp::Le => return cmp(a <= b),
            BinOp::Ge => return cmp(a >= b),
            _ => None,
        };
        if let Some(r) = r {
            return Some(Num::I(r));
        }
    }
    let (a, b) = (as_f(x), as_f(y));
    match op {
        BinOp::Add => Some(Num::F(a + b)),
        BinOp::Sub => Some(Num::F(a - b)),
        BinOp::Mul => Some(Num::F(a * b)),
        BinOp::Div if b == 0.0 => None,
        BinOp::Div => Some(Num::F(a / b)),
        BinOp::Mod if b == 0.0 => None,
        BinOp::Mod => Some(Num::F(a % b)),
        BinOp::Lt => cmp(a < b),
        BinOp::Gt => cmp(a > b),
        BinOp::Le => cmp(a <= b),
        BinOp::Ge => cmp(a >= b),
        _ => None,
    }
}

/// A list of blocks some of whose items stand for several known lists (a `dynamic` over
/// alternatives), as the one unknown whose alternatives are the whole lists, each with the
/// static blocks in place: the model reads it as any list that is one of several. `None` when
/// no item has alternatives of lists, or the whole lists cannot be kept as alternatives.
pub(super) fn splice_alternatives(items: &[V]) -> Option<V> {
    let open: Vec<&V> = items
        .iter()
        .filter(|it| {
            it.alts()
                .is_some_and(|a| a.iter().all(|(_, x)| x.as_array().is_some()))
        })
        .collect();
    let Some(Ok(combos)) = crate::model::value::combinations(&open) else {
        return None;
    };
    let list = combos
        .into_iter()
        .map(|(c, chosen)| {
            let mut chosen = chosen.into_iter();
            let mut whole = Vec::new();
            for it in items {
                if open.iter().any(|o| std::ptr::eq(*o, it)) {
                    if let Some(pick) = chosen.next().as_ref().and_then(V::as_array) {
                        whole.extend(pick.iter().cloned());
                    }
                } else {
                    whole.push(it.clone());
                }
            }
            (c, V::arr(whole, None))
        })
        .collect();
    let first = open.first()?;
    let v = V::unknown(first.unknown_reason().unwrap_or("unknown"), first.span).with_alts(list);
    v.has_alts().then_some(v)
}
