//! Number functions.

use super::*;

pub(super) fn call(name: &str, args: &[V], span: Option<Span>) -> R {
    let v = match name {
        // Numbers
        "abs" => num1(args, span, |n| match n {
            Num::I(i) => Num::I(i.saturating_abs()),
            Num::F(f) => Num::F(f.abs()),
        }),
        "ceil" => num1(args, span, |n| match n {
            Num::F(f) => Num::I(f.ceil() as i64),
            i => i,
        }),
        "floor" => num1(args, span, |n| match n {
            Num::F(f) => Num::I(f.floor() as i64),
            i => i,
        }),
        "signum" => num1(args, span, |n| match n {
            Num::I(i) => Num::I(i.signum()),
            Num::F(f) => Num::I(if f > 0.0 {
                1
            } else if f < 0.0 {
                -1
            } else {
                0
            }),
        }),
        "max" | "min" => minmax(args, name == "max", span),
        "pow" => match (args.first().and_then(num_of), args.get(1).and_then(num_of)) {
            (Some(a), Some(b)) => Ok(num_v(Num::F(to_f(a).powf(to_f(b))), span)),
            _ => Err("pow() needs two numbers".into()),
        },
        "parseint" => match (
            args.first().and_then(|a| a.as_str()),
            args.get(1).and_then(|b| b.as_i64()),
        ) {
            (Some(s), Some(base)) if (2..=62).contains(&base) && base <= 36 => {
                i64::from_str_radix(s, base as u32)
                    .map(|i| V::int(i, span))
                    .map_err(|e| format!("parseint(): {e}"))
            }
            _ => Err("parseint() needs a string and a base from 2 to 36".into()),
        },
        "tonumber" => one(args).and_then(|a| match (&a.kind, num_of(a)) {
            (VKind::Null, _) => Ok(V::null(span)),
            (_, Some(n)) => Ok(num_v(n, span).with_origin(a)),
            _ => Err(format!("tonumber() of {}", a.show())),
        }),
        "tobool" => one(args).and_then(|a| match (&a.kind, a.as_bool()) {
            (VKind::Null, _) => Ok(V::null(span)),
            (_, Some(b)) => Ok(V::bool(b, span).with_origin(a)),
            _ => Err(format!("tobool() of {}", a.show())),
        }),
        "sum" => one(args).and_then(|a| {
            let items = a.as_array().ok_or("sum() needs a list")?;
            if let Some(u) = items.iter().find(|x| x.is_unknown()) {
                return Ok(unknown_like(u, span));
            }
            let mut acc = Num::I(0);
            for x in items {
                let n = num_of(x).ok_or("sum() needs numbers")?;
                acc = match (acc, n) {
                    (Num::I(a), Num::I(b)) => a
                        .checked_add(b)
                        .map(Num::I)
                        .unwrap_or(Num::F(a as f64 + b as f64)),
                    (a, b) => Num::F(to_f(a) + to_f(b)),
                };
            }
            Ok(num_v(acc, span))
        }),
        _ => return None,
    };
    Some(v)
}

pub(super) fn to_f(n: Num) -> f64 {
    match n {
        Num::I(i) => i as f64,
        Num::F(f) => f,
    }
}

pub(super) fn num_v(n: Num, span: Option<Span>) -> V {
    match n {
        Num::I(i) => V::int(i, span),
        Num::F(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => V::int(f as i64, span),
        Num::F(f) => V::new(VKind::Float(f), span),
    }
}

pub(super) fn num1(args: &[V], span: Option<Span>, f: impl Fn(Num) -> Num) -> Result<V, String> {
    match one(args).map(num_of)? {
        Some(n) => Ok(num_v(f(n), span)),
        None => Err("expected a number".into()),
    }
}

pub(super) fn minmax(args: &[V], max: bool, span: Option<Span>) -> Result<V, String> {
    let mut best: Option<Num> = None;
    for a in args {
        let n = num_of(a).ok_or("expected numbers")?;
        best = Some(match best {
            None => n,
            Some(b) => {
                if (to_f(n) > to_f(b)) == max && to_f(n) != to_f(b) {
                    n
                } else {
                    b
                }
            }
        });
    }
    best.map(|n| num_v(n, span))
        .ok_or_else(|| "expected at least one number".into())
}
