//! Values known only after apply, and the references of `configuration` that still say what
//! they are (`azurerm_subnet.apim.id`, a module output that is such a reference).

use crate::frontend::terraform::ast::{Expr, ExprKind, Op, TPart};
use crate::frontend::terraform::eval::ObjExt;
use crate::model::{Key, TextBuilder, VKind, V};
use std::collections::HashMap;

/// How deep module outputs are followed (an output of an output of …).
const MAX_HOPS: usize = 8;

/// One step of a path into a resource's values.
#[derive(Clone, Debug)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// Turn every leaf `true` of `after_unknown` into an unknown value, recording its path.
pub fn mark_unknown(v: &mut V, au: &V, path: &mut Vec<Seg>, out: &mut Vec<Vec<Seg>>) {
    if path.len() > 64 {
        return;
    }
    match &au.kind {
        VKind::Bool(true) => {
            let what = match path.last() {
                Some(Seg::Key(k)) => format!("`{k}` is known only after apply"),
                _ => "the value is known only after apply".to_string(),
            };
            *v = V::unknown(what, v.span);
            out.push(path.clone());
        }
        VKind::Obj(entries) => {
            if !matches!(v.kind, VKind::Obj(_)) {
                if !v.is_null() {
                    return;
                }
                v.kind = VKind::Obj(Vec::new());
            }
            for (k, sub) in entries {
                if !matches!(sub.kind, VKind::Bool(true) | VKind::Obj(_) | VKind::Arr(_)) {
                    continue;
                }
                let VKind::Obj(o) = &mut v.kind else { return };
                let slot = match o.iter().position(|(x, _)| *x.name == *k.name) {
                    Some(i) => i,
                    None => {
                        o.push((Key::new(k.name.clone(), None), V::null(v.span)));
                        o.len() - 1
                    }
                };
                path.push(Seg::Key(k.name.to_string()));
                if let VKind::Obj(o) = &mut v.kind {
                    mark_unknown(&mut o[slot].1, sub, path, out);
                }
                path.pop();
            }
        }
        VKind::Arr(items) => {
            if v.is_null() {
                v.kind = VKind::Arr(vec![V::null(v.span); items.len()]);
            }
            let VKind::Arr(vs) = &mut v.kind else { return };
            for (i, (x, sub)) in vs.iter_mut().zip(items).enumerate() {
                path.push(Seg::Index(i));
                mark_unknown(x, sub, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// Module names of a module instance address: `module.a[0].module.b["x"]` → `[a, b]`.
pub fn config_path(module: &str) -> Vec<String> {
    split_address(module)
        .into_iter()
        .collect::<Vec<_>>()
        .chunks(2)
        .filter(|c| c.len() == 2 && c[0] == "module")
        .map(|c| strip_key(&c[1]).to_string())
        .collect()
}

/// `a.b["x.y"].c` → `["a", "b[\"x.y\"]", "c"]`: dots inside brackets and quotes do not split.
fn split_address(a: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let (mut depth, mut quoted, mut escaped) = (0usize, false, false);
    for ch in a.chars() {
        if quoted {
            cur.push(ch);
            match ch {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => quoted = false,
                _ => {}
            }
            continue;
        }
        match ch {
            '"' => {
                quoted = true;
                cur.push(ch);
            }
            '[' => {
                depth += 1;
                cur.push(ch);
            }
            ']' => {
                depth = depth.saturating_sub(1);
                cur.push(ch);
            }
            '.' if depth == 0 => out.push(std::mem::take(&mut cur)),
            _ => cur.push(ch),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The instance key at the end of an address: `[0]`, `["a.b"]` (`None` without one).
pub fn key_of(addr: &str) -> Option<String> {
    let last = split_address(addr).pop()?;
    let open = last.find('[')?;
    Some(last[open..].to_string())
}

/// `name[key]` → `name`.
fn strip_key(s: &str) -> &str {
    s.split('[').next().unwrap_or(s)
}

/// The module of the configuration at `path`.
fn config_module<'a>(root: Option<&'a V>, path: &[String]) -> Option<&'a V> {
    let mut m = root?;
    for name in path {
        m = m
            .get_exact("module_calls")?
            .get_exact(name)?
            .get_exact("module")?;
    }
    Some(m)
}

/// The configuration block of a resource (its `expressions`).
pub fn config_resource<'a>(
    root: Option<&'a V>,
    module: &str,
    data: bool,
    rtype: &str,
    name: &str,
) -> Option<&'a V> {
    let m = config_module(root, &config_path(module))?;
    let want = if data {
        format!("data.{rtype}.{name}")
    } else {
        format!("{rtype}.{name}")
    };
    m.get_exact("resources")?
        .as_array()?
        .iter()
        .find(|r| r.get_exact("address").and_then(|a| a.as_str()) == Some(want.as_str()))
}

/// Where a reference is read: the module instance and the key of the resource instance.
pub struct Here<'a> {
    pub module: &'a str,
    /// `[0]`, `["a"]`: what `count.index` or `each.key` is.
    pub key: Option<&'a str>,
}

/// What a traversal reads beyond the reference Terraform names (`resource.name.attr`): the
/// rest of `tolist(azurerm_virtual_network.v.subnet)[0].id` or `azurerm_x.y.list[0].id`,
/// applied to the referenced value. `None` when the traversal is not one of those shapes.
fn beyond(written: Option<&Expr>, found: &V) -> Option<V> {
    let ExprKind::Trav(root, ops) = &written?.kind else {
        return Some(found.clone());
    };
    let rest: &[Op] = match &root.kind {
        // `tolist(x.y.attr)[…]…`: a conversion of the referenced value.
        ExprKind::Call(f, args, false)
            if matches!(&**f, "tolist" | "toset" | "tomap") && args.len() == 1 =>
        {
            let ExprKind::Trav(inner, inner_ops) = &args[0].kind else {
                return None;
            };
            if !matches!(inner.kind, ExprKind::Var(_)) || !plain_ref(inner, inner_ops) {
                return None;
            }
            ops
        }
        ExprKind::Var(n) => {
            // `type.name[key].attr` or `data.type.name[key].attr`, then the rest.
            let skip = usize::from(&**n == "data");
            let mut i = skip + 1;
            if matches!(ops.get(i), Some(Op::Index(_))) {
                i += 1;
            }
            if !matches!(ops.get(i), Some(Op::Attr(..))) {
                return Some(found.clone());
            }
            &ops[i + 1..]
        }
        _ => return None,
    };
    let mut cur = found.clone();
    for op in rest {
        cur = match op {
            Op::Attr(a, _) => cur.get_exact(a)?.clone(),
            Op::Index(e) => match (&e.kind, &cur.kind) {
                (ExprKind::Int(n), VKind::Arr(items)) => {
                    items.get(usize::try_from(*n).ok()?)?.clone()
                }
                (_, VKind::Obj(_)) => cur.get_exact(e.as_str()?)?.clone(),
                _ => return None,
            },
            _ => return None,
        };
    }
    Some(cur)
}

/// `type.name.attr` (or `data.type.name.attr`) with nothing after the attribute.
fn plain_ref(root: &Expr, ops: &[Op]) -> bool {
    let ExprKind::Var(n) = &root.kind else {
        return false;
    };
    let want = if &**n == "data" { 3 } else { 2 };
    ops.len() == want && ops.iter().all(|o| matches!(o, Op::Attr(..)))
}

/// A template of literal text around one interpolation, with the interpolation's value: a
/// string, or an unknown that keeps the known text (as the HCL front end builds it).
fn around(parts: &[TPart], value: &V) -> Option<V> {
    let mut b = TextBuilder::default();
    let mut interps = 0;
    for p in parts {
        match p {
            TPart::Lit(s) => b.push_str(s),
            TPart::Interp(_) => {
                interps += 1;
                match &value.kind {
                    VKind::Str(s) => b.push_str(s),
                    VKind::Unknown(u) => match &u.sym {
                        Some(sym) => b.push_sym(&u.reason, sym),
                        None => b.push_unknown(u),
                    },
                    _ => return None,
                }
            }
            _ => return None,
        }
    }
    (interps == 1).then(|| b.finish(value.span))
}

/// Follows references to the plan's resources.
pub struct Resolver<'a> {
    pub config: Option<&'a V>,
    /// Address → index into `bodies`.
    pub index: &'a HashMap<String, usize>,
    /// Every instance's values with its computed id.
    pub bodies: &'a [V],
}

impl Resolver<'_> {
    /// Replace the unknown at `path` by what its configuration expression references, when
    /// that is known (or a stable id).
    ///
    /// `written` is the HCL expression of the value, when the source is there: a template
    /// around the one reference (`"${azurerm_virtual_network.x.id}/subnets/a"`) is rebuilt
    /// around its value, and any other expression than a plain reference is left unknown.
    pub fn resolve_leaf(
        &self,
        v: &mut V,
        exprs: Option<&V>,
        path: &[Seg],
        here: &Here,
        written: Option<&Expr>,
    ) {
        let Some((e, exact)) = exprs.and_then(|e| expr_at(e, path)) else {
            return;
        };
        // Inside one expression (an object attribute such as AzAPI's `body`), the unknown is
        // what that expression references only when it references one value.
        if !exact && distinct_values(e) != 1 {
            return;
        }
        let leaf = match path.last() {
            Some(Seg::Key(k)) => k.as_str(),
            _ => "",
        };
        let found = self.first_ref(e, here, leaf, 0);
        // A template keeps its literal text around a value known only after apply
        // (`"${azurerm_public_ip.x.ip_address}/32"` is a host route).
        if let (Some(ExprKind::Template(parts)), true) = (written.map(|w| &w.kind), exact) {
            let value = found.or_else(|| {
                let refs = e.get_exact("references")?.as_array()?;
                refs.iter()
                    .filter_map(|r| r.as_str())
                    .find_map(|r| self.reference(r, here.module, 0, true))
            });
            if let (Some(v), Some(slot)) =
                (value.and_then(|v| around(parts, &v)), value_at(v, path))
            {
                let span = slot.span;
                *slot = v.at(span);
            }
            return;
        }
        let Some(found) = found else {
            return;
        };
        let found = match written.map(|w| &w.kind) {
            None => found,
            Some(ExprKind::Trav(..)) => match beyond(written, &found) {
                Some(v) => v,
                None => return,
            },
            Some(_) if exact => return,
            Some(_) => found,
        };
        if let Some(slot) = value_at(v, path) {
            let span = slot.span;
            *slot = found.at(span);
        }
    }

    /// The value of the first reference of an expression that resolves.
    fn first_ref(&self, expr: &V, here: &Here, leaf: &str, hops: usize) -> Option<V> {
        let refs: Vec<&str> = expr
            .get_exact("references")?
            .as_array()?
            .iter()
            .filter_map(|r| r.as_str())
            .collect();
        if let Some(v) = refs
            .iter()
            .find_map(|r| self.reference(r, here.module, hops, false))
        {
            return Some(v);
        }
        // `azurerm_subnet.a[count.index].id`: Terraform names the resource and `count.index`
        // (or `each.key`); the instance of the same key is meant, and an `…_id` wants its id.
        let own_key = refs
            .iter()
            .any(|r| matches!(*r, "count.index" | "each.key" | "each.value"));
        let key = here
            .key
            .filter(|_| own_key && (leaf == "id" || leaf.ends_with("_id")))?;
        refs.iter().find_map(|r| {
            let parts = split_address(r);
            let n = if parts.first().map(String::as_str) == Some("data") {
                3
            } else {
                2
            };
            if parts.len() != n || r.starts_with("module.") || r.contains('[') {
                return None;
            }
            self.reference(&format!("{r}{key}.id"), here.module, hops, false)
        })
    }

    /// The value a reference names; `any`: also one known only after apply.
    fn reference(&self, r: &str, module: &str, hops: usize, any: bool) -> Option<V> {
        if hops > MAX_HOPS {
            return None;
        }
        let parts = split_address(r);
        let prefix = |s: &str| {
            if module.is_empty() {
                s.to_string()
            } else {
                format!("{module}.{s}")
            }
        };
        // `module.NAME.OUTPUT`: the output's own expression, in the called module.
        if parts.first().map(String::as_str) == Some("module") {
            let call = parts.get(1)?;
            let output = parts.get(2)?;
            if output.contains('[') {
                return None;
            }
            let mut path = config_path(module);
            path.push(strip_key(call).to_string());
            let expr = config_module(self.config, &path)?
                .get_exact("outputs")?
                .get_exact(output)?
                .get_exact("expression")?;
            let child = self.instance(&prefix(&format!("module.{call}")), true)?;
            let here = Here {
                module: &child,
                key: None,
            };
            return self.first_ref(expr, &here, "", hops + 1);
        }
        let (data, rest) = match parts.first().map(String::as_str) {
            Some("data") => (true, &parts[1..]),
            _ => (false, &parts[..]),
        };
        let [rtype, name, attr, ..] = rest else {
            return None;
        };
        if attr.contains('[') {
            return None;
        }
        let local = if data {
            format!("data.{rtype}.{name}")
        } else {
            format!("{rtype}.{name}")
        };
        let addr = self.instance(&prefix(&local), false)?;
        let v = self.bodies[*self.index.get(&addr)?].get_exact(attr)?;
        match &v.kind {
            VKind::Unknown(u) if u.sym.is_none() && !any => None,
            _ => Some(v.clone()),
        }
    }

    /// The one instance an address without a key names: itself, or the only keyed instance.
    fn instance(&self, addr: &str, module: bool) -> Option<String> {
        if !module && self.index.contains_key(addr) {
            return Some(addr.to_string());
        }
        let keyed = format!("{addr}[");
        let mut hits = self.index.keys().filter_map(|k| {
            if module {
                // The module instance is a prefix of its resources' addresses.
                if k.starts_with(&format!("{addr}.")) {
                    return Some(addr.to_string());
                }
                let rest = k.strip_prefix(&keyed)?;
                let end = rest.find("].")?;
                return Some(format!("{keyed}{}]", &rest[..end]));
            }
            k.starts_with(&keyed).then(|| k.clone())
        });
        let first = hits.next()?;
        hits.all(|h| h == first).then_some(first)
    }
}

/// The expression of a value path: blocks are arrays of objects, one per block. A path that
/// goes on inside one expression gives that expression, not exact.
fn expr_at<'a>(e: &'a V, path: &[Seg]) -> Option<(&'a V, bool)> {
    let mut cur = e;
    for s in path {
        if cur.get_exact("references").is_some() {
            return Some((cur, false));
        }
        cur = match (s, &cur.kind) {
            (Seg::Key(k), VKind::Obj(_)) => cur.get_exact(k)?,
            (Seg::Index(i), VKind::Arr(items)) => items.get(*i)?,
            _ => return None,
        };
    }
    Some((cur, true))
}

/// How many values (`resource.attr`, `module.call.output`) an expression references: Terraform
/// lists each reference with its prefixes (`a.b.id`, `a.b`), which are not values of their own.
fn distinct_values(e: &V) -> usize {
    let refs: Vec<&str> = e
        .get_exact("references")
        .and_then(|r| r.as_array())
        .unwrap_or(&[])
        .iter()
        .filter_map(|r| r.as_str())
        .collect();
    refs.iter()
        .filter(|r| {
            !refs.iter().any(|o| {
                o.len() > r.len() && o.starts_with(&format!("{r}."))
                    || o.starts_with(&format!("{r}["))
            })
        })
        .count()
}

fn value_at<'a>(v: &'a mut V, path: &[Seg]) -> Option<&'a mut V> {
    let mut cur = v;
    for s in path {
        cur = match (s, &mut cur.kind) {
            (Seg::Key(k), VKind::Obj(o)) => &mut o.iter_mut().find(|(x, _)| *x.name == **k)?.1,
            (Seg::Index(i), VKind::Arr(items)) => items.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_split_outside_brackets_and_quotes() {
        assert_eq!(
            split_address(r#"module.a["x.y"].azurerm_subnet.s[0].id"#),
            vec!["module", r#"a["x.y"]"#, "azurerm_subnet", "s[0]", "id"]
        );
        assert_eq!(config_path(r#"module.a[0].module.b["k"]"#), vec!["a", "b"]);
        assert!(config_path("").is_empty());
    }

    #[test]
    fn an_instance_key_is_the_last_segments() {
        assert_eq!(key_of("azurerm_subnet.a[0]").as_deref(), Some("[0]"));
        assert_eq!(
            key_of(r#"module.m["x"].azurerm_subnet.a["b.c"]"#).as_deref(),
            Some(r#"["b.c"]"#)
        );
        assert_eq!(key_of(r#"module.m["x"].azurerm_subnet.a"#), None);
    }

    #[test]
    fn a_template_keeps_its_text_around_the_referenced_value() {
        let parts = |lit: &str| {
            let e = Expr::new(
                ExprKind::Null,
                crate::source::Span::new(crate::source::FileId(0), 0, 0),
            );
            vec![TPart::Interp(e), TPart::Lit(lit.into())]
        };
        let v = around(&parts("/subnets/apim"), &V::str("/vnet", None)).unwrap();
        assert_eq!(v.as_str(), Some("/vnet/subnets/apim"));
        // Known only after apply, the known text stays: a host route.
        let v = around(
            &parts("/32"),
            &V::unknown("`ip_address` is known only after apply", None),
        )
        .unwrap();
        assert!(v.is_unknown());
        let shape = v.text_shape().expect("the known text is kept");
        assert!(shape.may_be("10.1.2.3/32"));
        assert!(!shape.may_be("10.0.0.0/8"));
        // Two interpolations are not one reference's value.
        let mut two = parts("/");
        two.extend(parts("x"));
        assert!(around(&two, &V::str("a", None)).is_none());
    }
}
