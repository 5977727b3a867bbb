//! Joining text whose parts may be unknown, one way for ARM `concat`/`format`/`join`, Bicep
//! interpolation and Terraform templates, `format` and `join`: parts go into the model's
//! [`TextBuilder`] (known text, symbolic unknowns that still link, unknowns that keep the known
//! text around them), and the bytes are charged to the unit's budget before they are built.
//!
//! Only the spelling of scalars differs between the languages ([`Style`]); what a language does
//! with a part that is no scalar (skip a null, report a type error) stays with its front end.

use super::budget;
use crate::model::{TextBuilder, VKind, V};
use crate::source::Span;
use std::borrow::Borrow;

/// How a scalar is written into text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// ARM and Bicep: `True`/`False`, floats as Rust writes them.
    Arm,
    /// HCL: `true`/`false`, whole floats without a fraction.
    Hcl,
}

/// A number as HCL writes it into a string (`1.0` → `1`).
pub fn fmt_float(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}

/// Appends a scalar or an unknown; false (nothing appended) for null, arrays and objects.
pub fn push(b: &mut TextBuilder, v: &V, style: Style) -> bool {
    match (&v.kind, style) {
        (VKind::Str(s), _) => b.push_str(s),
        (VKind::Int(i), _) => b.push_str(&i.to_string()),
        (VKind::Float(f), Style::Arm) => b.push_str(&f.to_string()),
        (VKind::Float(f), Style::Hcl) => b.push_str(&fmt_float(*f)),
        (VKind::Bool(x), Style::Arm) => b.push_str(if *x { "True" } else { "False" }),
        (VKind::Bool(x), Style::Hcl) => b.push_str(if *x { "true" } else { "false" }),
        (VKind::Unknown(u), _) => b.push_unknown(u),
        _ => return false,
    }
    true
}

/// Bytes `parts` joined by `sep` will take (a part of unknown length counted as 24).
pub fn estimate<'a>(parts: impl IntoIterator<Item = &'a V>, sep: &str) -> usize {
    let mut n = 0usize;
    let mut len = 0usize;
    for p in parts {
        n += 1;
        len = len.saturating_add(match &p.kind {
            VKind::Str(s) => s.len(),
            VKind::Unknown(u) if let Some(s) = &u.sym => s.len(),
            _ => 24,
        });
    }
    len.saturating_add(sep.len().saturating_mul(n.saturating_sub(1)))
}

/// What [`join`] made of the parts.
pub enum Joined {
    /// The text (a string, a symbolic or a shaped unknown), or the budget's unknown.
    Text(V),
    /// The index of the first part that is no scalar, for the front end to judge.
    Other(usize),
}

/// `parts` joined by `sep`, charged to the unit's byte budget before it is built. Nulls are
/// skipped when `skip_null` (ARM `concat`), else they are [`Joined::Other`] like any part
/// that is no scalar.
pub fn join<T: Borrow<V>>(
    parts: &[T],
    sep: &str,
    style: Style,
    skip_null: bool,
    span: Option<Span>,
) -> Joined {
    if !budget::bytes(estimate(parts.iter().map(Borrow::borrow), sep)) {
        return Joined::Text(budget::unknown(span));
    }
    let mut b = TextBuilder::default();
    let mut first = true;
    for (i, p) in parts.iter().enumerate() {
        let p = p.borrow();
        if skip_null && p.is_null() {
            continue;
        }
        if !first {
            b.push_str(sep);
        }
        first = false;
        if !push(&mut b, p, style) {
            return Joined::Other(i);
        }
    }
    Joined::Text(b.finish(span))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(j: Joined) -> V {
        match j {
            Joined::Text(v) => v,
            Joined::Other(i) => panic!("part {i} is not text"),
        }
    }

    #[test]
    fn scalars_in_each_style() {
        let parts = [V::str("a", None), V::int(1, None), V::bool(true, None)];
        let arm = text(join(&parts, "-", Style::Arm, false, None));
        assert_eq!(arm.as_str(), Some("a-1-True"));
        let hcl = text(join(&parts, "-", Style::Hcl, false, None));
        assert_eq!(hcl.as_str(), Some("a-1-true"));
        assert_eq!(fmt_float(2.0), "2");
        assert_eq!(fmt_float(2.5), "2.5");
    }

    #[test]
    fn nulls_skipped_or_handed_back() {
        let parts = [V::str("a", None), V::null(None), V::str("b", None)];
        assert_eq!(
            text(join(&parts, "", Style::Arm, true, None)).as_str(),
            Some("ab")
        );
        assert!(matches!(
            join(&parts, "", Style::Hcl, false, None),
            Joined::Other(1)
        ));
    }

    /// A symbolic part keeps the text linkable; an unknown part keeps the known text around it.
    #[test]
    fn unknown_parts_keep_symbols_and_shape() {
        let sym = V::symbolic("later", "${var.name}", None);
        let unk = V::unknown("no value", None);
        let s = V::str("snet-", None);
        let t = V::str("/32", None);
        let linked = text(join(&[&s, &sym], "", Style::Hcl, false, None));
        assert_eq!(linked.as_name(), Some("snet-${var.name}"));
        let shaped = text(join(&[&s, &unk, &t], "", Style::Arm, false, None));
        let shape = shaped.text_shape().expect("shape");
        assert_eq!((&*shape.prefix, &*shape.suffix), ("snet-", "/32"));
        assert_eq!(shaped.unknown_reason(), Some("no value"));
    }

    #[test]
    fn estimate_counts_separators_and_unknowns() {
        let a = V::str("abc", None);
        let u = V::unknown("x", None);
        assert_eq!(estimate([&a, &u, &a], ", "), 3 + 24 + 3 + 4);
        assert_eq!(estimate([], ","), 0);
    }
}
