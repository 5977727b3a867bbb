//! Plan values carry the spans of the plan file; when the resource's HCL block is found, each
//! value takes the span of the attribute, block or list element that wrote it, so a finding
//! lands where the HCL front end would put it. Values the HCL does not write (provider defaults,
//! computed attributes) point at the resource block, as the HCL front end's defaults do.

use super::refs::Seg;
use crate::frontend::terraform::ast::{Body, Expr, ExprKind, ObjKey};
use crate::model::{VKind, V};
use crate::source::Span;

/// The HCL expression that writes the value at `path` of a resource: an attribute, inside the
/// n-th static block of its kind (not in `dynamic` blocks, whose items are not written one by
/// one).
pub fn expr_at<'a>(body: &'a Body, path: &[Seg]) -> Option<&'a Expr> {
    let (Seg::Key(k), rest) = path.split_first()? else {
        return None;
    };
    if let Some(a) = body.attr(k) {
        return Some(&a.expr);
    }
    let (Seg::Index(i), rest) = rest.split_first()? else {
        return None;
    };
    if body
        .blocks("dynamic")
        .any(|d| d.labels.first().is_some_and(|l| **l == **k))
    {
        return None;
    }
    let block = body.blocks.iter().filter(|b| *b.kind == **k).nth(*i)?;
    expr_at(&block.body, rest)
}

/// The provider writes an optional string that was not set as `""`: it is unset, unless the
/// configuration (`exprs`, the resource's `expressions`) writes that attribute.
pub fn empty_strings_unset(v: &mut V, exprs: Option<&V>) {
    let written = |k: &str| exprs.and_then(|e| e.get(k));
    match &mut v.kind {
        // An expression the configuration writes gives the empty string itself.
        VKind::Str(s) if s.is_empty() && exprs.is_none() => v.kind = VKind::Null,
        VKind::Arr(items) => {
            for (i, x) in items.iter_mut().enumerate() {
                // A block's expressions are a list with one object per block.
                let e = exprs.and_then(|e| e.as_array()).and_then(|l| l.get(i));
                empty_strings_unset(x, e);
            }
        }
        VKind::Obj(o) => o
            .iter_mut()
            .for_each(|(k, x)| empty_strings_unset(x, written(&k.name))),
        _ => {}
    }
}

/// Give the values of a resource the spans of its HCL block.
pub fn with_hcl(v: &mut V, body: &Body, decl: Span) {
    v.span = Some(decl);
    obj(v, body, decl, 0);
}

const MAX_DEPTH: usize = 64;

fn obj(v: &mut V, body: &Body, fallback: Span, depth: usize) {
    let VKind::Obj(entries) = &mut v.kind else {
        everywhere(v, fallback, depth);
        return;
    };
    for (k, val) in entries.iter_mut() {
        if let Some(a) = body.attr(&k.name) {
            k.span = Some(a.span);
            expr(val, &a.expr, depth + 1);
            continue;
        }
        let blocks: Vec<(&Body, Span)> = body
            .blocks(&k.name)
            .map(|b| (&b.body, b.span))
            .chain(
                body.blocks("dynamic")
                    .filter(|d| d.labels.first().is_some_and(|l| **l == *k.name))
                    // A `dynamic` block's items are its `content`, found where the block is.
                    .flat_map(|d| {
                        d.body
                            .blocks("content")
                            .map(|c| (&c.body, d.span))
                            .collect::<Vec<_>>()
                    }),
            )
            .collect();
        if blocks.is_empty() {
            k.span = Some(fallback);
            everywhere(val, fallback, depth);
            continue;
        }
        k.span = Some(blocks[0].1);
        val.span = Some(blocks[0].1);
        let dynamic = body.blocks(&k.name).next().is_none();
        match &mut val.kind {
            VKind::Arr(items) => {
                for (i, item) in items.iter_mut().enumerate() {
                    let (b, s) = if dynamic {
                        blocks[0]
                    } else {
                        by_name(item, &blocks).unwrap_or(blocks[i.min(blocks.len() - 1)])
                    };
                    item.span = Some(s);
                    obj(item, b, s, depth + 1);
                }
            }
            VKind::Obj(_) => obj(val, blocks[0].0, blocks[0].1, depth + 1),
            _ => {}
        }
    }
}

/// The block whose literal `name` is the item's name (sets of blocks come sorted in a plan).
fn by_name<'a>(item: &V, blocks: &[(&'a Body, Span)]) -> Option<(&'a Body, Span)> {
    let name = item.get("name")?.as_str()?;
    blocks
        .iter()
        .find(|(b, _)| b.attr("name").and_then(|a| a.expr.as_str()) == Some(name))
        .copied()
}

fn expr(v: &mut V, e: &Expr, depth: usize) {
    v.span = Some(e.span);
    if depth > MAX_DEPTH {
        return;
    }
    match (&mut v.kind, &e.kind) {
        (VKind::Arr(items), ExprKind::Arr(es)) if items.len() == es.len() => {
            for (x, ex) in items.iter_mut().zip(es) {
                expr(x, ex, depth + 1);
            }
        }
        (VKind::Obj(o), ExprKind::Obj(es)) => {
            for (k, x) in o.iter_mut() {
                let hit = es.iter().find(|(ek, _)| match ek {
                    ObjKey::Name(n, _) => **n == *k.name,
                    ObjKey::Expr(x) => x.as_str() == Some(&*k.name),
                });
                match hit {
                    Some((_, ex)) => expr(x, ex, depth + 1),
                    None => everywhere(x, e.span, depth + 1),
                }
            }
        }
        _ => children(v, e.span, depth),
    }
}

fn everywhere(v: &mut V, at: Span, depth: usize) {
    v.span = Some(at);
    children(v, at, depth);
}

fn children(v: &mut V, at: Span, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    match &mut v.kind {
        VKind::Arr(items) => items.iter_mut().for_each(|x| everywhere(x, at, depth + 1)),
        VKind::Obj(o) => o.iter_mut().for_each(|(k, x)| {
            k.span = Some(at);
            everywhere(x, at, depth + 1)
        }),
        _ => {}
    }
}
