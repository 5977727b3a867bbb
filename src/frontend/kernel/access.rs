//! Member and index access (`v.name`, `v[i]`, `v['k']`), their safe forms (`v.?name`,
//! `v[?i]`) and HCL's splats (`v[*].x`, `v.*.x`): one implementation for the ARM, Bicep and
//! Terraform evaluators, so all three read values the same way. What the languages really
//! differ in is a [`Dialect`]: how keys compare, what a missing key gives, how a stable
//! symbol is spelled when it is read further, and whether a bad access is an error (HCL's
//! `try()` counts them). The default methods are ARM's and Bicep's ([`Arm`]); [`Hcl`] is
//! Terraform's.
//!
//! A missing property of a known ARM object is unknown (it may be set at deployment time), a
//! stable symbolic unknown stays stable (`parameters('x').a` → symbol `….a`), and a value with
//! alternatives is read per alternative. Access copies only the value it returns; the `step_*`
//! forms walk by reference so a chain into a large configuration object copies nothing until
//! its end.

use crate::model::value::lift;
use crate::model::Shared;
use crate::model::{VKind, V};
use crate::source::Span;
use std::borrow::Cow;

/// How one language reads values. Every method has ARM's and Bicep's behaviour by default.
pub trait Dialect {
    /// Splat operators one traversal may hold (`0`: the language has none).
    const SPLATS: usize = 0;
    /// Quotes around a property name in a message.
    const QUOTE: char = '\'';

    /// The child `name` of object `v`.
    fn child<'a>(&self, v: &'a V, name: &str) -> Option<&'a V> {
        v.get(name)
    }
    /// The name an index value reads an object at.
    fn key<'k>(&self, i: &'k V) -> Option<Cow<'k, str>> {
        i.as_str().map(Cow::Borrowed)
    }
    /// Symbol `sym` read at `.name`.
    fn sym_member(&self, sym: &str, name: &str) -> Shared<str> {
        format!("{sym}.{name}").into()
    }
    /// Symbol `sym` read at `[i]`; `None` when the result is an unnamed unknown.
    fn sym_index(&self, _sym: &str, _i: &V) -> Option<Shared<str>> {
        None
    }
    /// `v.name` where `v` is an unknown without a symbol.
    fn unnamed_member(&self, v: &V, _site: Option<Span>) -> V {
        v.clone()
    }
    /// `v.name` where object `v` has no `name`.
    fn no_member(&mut self, _v: &V, name: &str, site: Option<Span>) -> V {
        V::unknown(format!("property '{name}' is not set"), site)
    }
    /// `v[i]` where object `v` has no key `name` (the text of `i`).
    fn no_key(&mut self, v: &V, _i: &V, name: &str, site: Option<Span>) -> V {
        self.no_member(v, name, site)
    }
    /// `v[i]` past the end of a list of `len` items.
    fn out_of_range(&mut self, i: &V, _len: usize, site: Option<Span>) -> V {
        V::unknown(format!("index {} is out of range", i.show()), site)
    }
    /// An access the value does not support; `what` says which.
    fn fail(&mut self, what: String, site: Option<Span>) -> V {
        V::unknown(what, site)
    }
    /// `v[i]` where `v` cannot be indexed (by `i`).
    fn cannot_index(&mut self, v: &V, i: &V, site: Option<Span>) -> V {
        self.fail(format!("cannot index {} with {}", v.show(), i.show()), site)
    }
}

/// ARM's and Bicep's reading: property names compare without regard to case, a missing
/// property is unknown, nothing is an error.
#[derive(Default)]
pub struct Arm;
impl Dialect for Arm {}

/// The unknown that stands for a value computed from `cause`: its reason when it is (or holds)
/// an unknown.
pub fn unknown_from(cause: &V, span: Option<Span>) -> V {
    let reason = cause
        .find_unknown()
        .map(|u| u.reason.clone())
        .unwrap_or_else(|| format!("unexpected value {}", cause.show()).into());
    V::unknown(reason, span)
}

/// `v.name` / `v.?name`, per alternative when `v` has alternatives.
pub fn member(v: &V, name: &str, safe: bool, site: Option<Span>) -> V {
    let m = member_in(&mut Arm, v, name, safe, site);
    lift(m, &[v], |x| member_in(&mut Arm, &x[0], name, safe, site))
}

/// `v[i]` / `v[?i]`, per alternative when `v` or `i` has alternatives.
pub fn index(v: &V, i: &V, safe: bool, site: Option<Span>) -> V {
    let x = index_in(&mut Arm, v, i, safe, site);
    lift(x, &[v, i], |a| index_in(&mut Arm, &a[0], &a[1], safe, site))
}

/// One member step of a by-reference walk: the child, or the computed value the walk ends in.
pub fn step_member<'a>(v: &'a V, name: &str, safe: bool, site: Option<Span>) -> Result<&'a V, V> {
    Arm.child(v, name)
        .ok_or_else(|| member(v, name, safe, site))
}

/// One index step of a by-reference walk.
pub fn step_index<'a>(v: &'a V, i: &V, safe: bool, site: Option<Span>) -> Result<&'a V, V> {
    item_at(&Arm, v, i).ok_or_else(|| index(v, i, safe, site))
}

/// The item `v[i]` when it is there, by reference: what a walk can step into without a copy.
pub fn item_at<'a, D: Dialect>(d: &D, v: &'a V, i: &V) -> Option<&'a V> {
    if i.is_unknown() {
        return None;
    }
    match &v.kind {
        VKind::Arr(items) => items.get(usize::try_from(i.as_i64()?).ok()?),
        VKind::Obj(_) => d.child(v, &d.key(i)?),
        _ => None,
    }
}

/// `v.name` / `v.?name` in dialect `d`, alternatives treated as unknown.
pub fn member_in<D: Dialect>(d: &mut D, v: &V, name: &str, safe: bool, site: Option<Span>) -> V {
    match &v.kind {
        VKind::Obj(_) => match d.child(v, name) {
            Some(x) => x.clone(),
            None if safe => V::null(site),
            None => d.no_member(v, name, site),
        },
        VKind::Null if safe => V::null(site),
        VKind::Unknown(u) => match &u.sym {
            Some(s) => V::symbolic(u.reason.clone(), d.sym_member(s, name), site),
            None => d.unnamed_member(v, site),
        },
        _ => {
            let q = D::QUOTE;
            d.fail(format!("cannot read {q}{name}{q} of {}", v.show()), site)
        }
    }
}

/// `v[i]` / `v[?i]` in dialect `d`, alternatives treated as unknown.
pub fn index_in<D: Dialect>(d: &mut D, v: &V, i: &V, safe: bool, site: Option<Span>) -> V {
    match (&v.kind, &i.kind) {
        (VKind::Null, _) if safe => V::null(site),
        (VKind::Unknown(u), _) => match u.sym.as_ref().and_then(|s| d.sym_index(s, i)) {
            Some(sym) => V::symbolic(u.reason.clone(), sym, site),
            None => unknown_from(v, site),
        },
        (_, VKind::Unknown(_)) => unknown_from(i, site),
        (VKind::Arr(items), _) => match i.as_i64().and_then(|x| usize::try_from(x).ok()) {
            Some(x) if x < items.len() => items[x].clone(),
            _ if safe => V::null(site),
            _ => d.out_of_range(i, items.len(), site),
        },
        (VKind::Obj(_), _) => match d.key(i) {
            Some(k) => match d.child(v, &k) {
                Some(x) => x.clone(),
                None if safe => V::null(site),
                None => d.no_key(v, i, &k, site),
            },
            None => d.cannot_index(v, i, site),
        },
        _ => d.cannot_index(v, i, site),
    }
}

/// One operator of a traversal.
pub enum Step {
    /// `.name`
    Attr(Shared<str>),
    /// `[i]`
    Index(V),
    /// `.*`: the following `.name` steps apply to each element.
    AttrSplat,
    /// `[*]`: every following step applies to each element.
    FullSplat,
}

/// Apply `steps` to `base` in dialect `d`. Stable unknowns stay stable (`${module.x}.y`); a
/// value with alternatives met inside the structure is read on per alternative, with errors
/// counted only for the plain reading.
pub fn walk<D: Dialect + Default>(d: &mut D, base: &V, steps: &[Step], span: Span) -> V {
    let s = Some(span);
    // Each splat applies the rest of the chain one level down (and may nest the value one level
    // more): a chain of splats is bounded like any nesting, or it would overflow the stack.
    let splats = steps
        .iter()
        .filter(|o| matches!(o, Step::AttrSplat | Step::FullSplat))
        .count();
    if splats > D::SPLATS {
        return V::unknown(
            format!(
                "the reference has {splats} splat operators (more than {})",
                D::SPLATS
            ),
            s,
        );
    }
    let mut cur = Cow::Borrowed(base);
    let mut i = 0;
    while i < steps.len() {
        if i > 0 && cur.has_alts() {
            // A value with alternatives inside the structure: the rest per alternative.
            return walk_alts(d, &cur, &steps[i..], span);
        }
        // Into a child of the value walked so far: by reference, so that a chain into a
        // large value copies only what it ends in.
        if let Cow::Borrowed(b) = &cur {
            let b: &V = b;
            let child = match &steps[i] {
                Step::Attr(name) => d.child(b, name),
                Step::Index(k) => item_at(d, b, k),
                _ => None,
            };
            if let Some(c) = child {
                cur = Cow::Borrowed(c);
                i += 1;
                continue;
            }
        }
        let next = match &steps[i] {
            Step::AttrSplat | Step::FullSplat => {
                let full = matches!(steps[i], Step::FullSplat);
                // Which steps the splat applies to each element.
                let mut j = i + 1;
                while j < steps.len() && (full || matches!(steps[j], Step::Attr(_))) {
                    j += 1;
                }
                let inner = &steps[i + 1..j];
                let out = match &cur.kind {
                    VKind::Arr(items) => {
                        V::arr(items.iter().map(|x| walk(d, x, inner, span)).collect(), s)
                    }
                    VKind::Null => V::arr(vec![], s),
                    VKind::Unknown(_) => return unknown_from(&cur, s),
                    _ => V::arr(vec![walk(d, &cur, inner, span)], s),
                };
                cur = Cow::Owned(out);
                i = j;
                continue;
            }
            Step::Attr(name) => member_in(d, &cur, name, false, s),
            Step::Index(k) => index_in(d, &cur, k, false, s),
        };
        cur = Cow::Owned(next);
        i += 1;
    }
    cur.into_owned()
}

/// The rest of a traversal from a value with alternatives reached inside it.
#[inline(never)]
fn walk_alts<D: Dialect + Default>(d: &mut D, cur: &V, steps: &[Step], span: Span) -> V {
    let normal = walk(d, &cur.clone().plain(), steps, span);
    lift(normal, &[cur], |a| {
        walk(&mut D::default(), &a[0], steps, span)
    })
}

/// [`walk`]'s result `v` from `base`, per alternative when the base or an index has some.
#[inline(never)]
pub fn walk_lift<D: Dialect + Default>(base: &V, steps: &[Step], v: V, span: Span) -> V {
    if !base.has_alts()
        && !steps
            .iter()
            .any(|o| matches!(o, Step::Index(i) if i.has_alts()))
    {
        return v;
    }
    let mut args: Vec<&V> = vec![base];
    args.extend(steps.iter().filter_map(|o| match o {
        Step::Index(i) => Some(i),
        _ => None,
    }));
    lift(v, &args, |vs| {
        let mut k = 0;
        let steps: Vec<Step> = steps
            .iter()
            .map(|o| match o {
                Step::Attr(n) => Step::Attr(n.clone()),
                Step::Index(_) => {
                    k += 1;
                    Step::Index(vs[k].clone())
                }
                Step::AttrSplat => Step::AttrSplat,
                Step::FullSplat => Step::FullSplat,
            })
            .collect();
        walk(&mut D::default(), &vs[0], &steps, span)
    })
}

/// A hidden attribute of Terraform resource values: `res|label` or `data|label`, so that
/// reading an attribute the configuration does not set says why it is unknown.
pub const ABOUT: &str = "\u{1}about";

/// Terraform's reading (HCL): attribute names match exactly first, symbols are spelled as
/// HCL references (`${azurerm_subnet.x.id}`, `[0]`, `["k"]`), an attribute a resource does
/// not set is known after apply, and any other bad access is an error that `try()` counts.
#[derive(Default)]
pub struct Hcl {
    /// Errors met so far.
    pub errors: u64,
}

impl Hcl {
    fn error(&mut self, reason: String, site: Option<Span>) -> V {
        self.errors += 1;
        V::unknown(reason, site)
    }
}

impl Dialect for Hcl {
    const SPLATS: usize = 64;
    const QUOTE: char = '`';

    fn child<'a>(&self, v: &'a V, name: &str) -> Option<&'a V> {
        get_exact(v, name)
    }
    fn key<'k>(&self, i: &'k V) -> Option<Cow<'k, str>> {
        hcl_key(i)
    }
    fn sym_member(&self, sym: &str, name: &str) -> Shared<str> {
        extend_sym(sym, &format!(".{name}"))
    }
    fn sym_index(&self, sym: &str, i: &V) -> Option<Shared<str>> {
        let k = hcl_key(i)?;
        let sfx = match i.kind {
            VKind::Int(_) => format!("[{k}]"),
            _ => format!("[\"{k}\"]"),
        };
        Some(extend_sym(sym, &sfx))
    }
    fn unnamed_member(&self, v: &V, site: Option<Span>) -> V {
        unknown_from(v, site)
    }
    fn no_member(&mut self, v: &V, name: &str, site: Option<Span>) -> V {
        match get_exact(v, ABOUT).and_then(|a| a.as_str()) {
            Some(about) => {
                let (kind, label) = about.split_once('|').unwrap_or(("res", about));
                V::unknown(
                    if kind == "data" {
                        format!("{label}.{name} is read from Azure (no file of the run declares that resource)")
                    } else {
                        format!("{label}.{name} is known only after apply")
                    },
                    site,
                )
            }
            None => self.error(format!("the object has no attribute `{name}`"), site),
        }
    }
    fn no_key(&mut self, _v: &V, i: &V, _name: &str, site: Option<Span>) -> V {
        self.error(format!("the map has no key {}", i.show()), site)
    }
    fn out_of_range(&mut self, i: &V, len: usize, site: Option<Span>) -> V {
        self.error(
            format!("index {} is out of range of a list of {len}", i.show()),
            site,
        )
    }
    fn fail(&mut self, what: String, site: Option<Span>) -> V {
        self.error(what, site)
    }
    fn cannot_index(&mut self, v: &V, i: &V, site: Option<Span>) -> V {
        match v.kind {
            VKind::Obj(_) => self.no_key(v, i, "", site),
            _ => self.error(format!("cannot index {}", v.show()), site),
        }
    }
}

/// Object entry `key`: Terraform attribute names are case-sensitive; the last exact match,
/// else (for names that came from case-insensitive sources) the last match without case.
pub fn get_exact<'a>(v: &'a V, key: &str) -> Option<&'a V> {
    match &v.kind {
        VKind::Obj(o) => o
            .iter()
            .rev()
            .find(|(k, _)| &*k.name == key)
            .map(|(_, v)| v)
            .or_else(|| v.get(key)),
        _ => None,
    }
}

/// The text of a value used as a map key in HCL (strings, numbers, bools, stable unknowns).
pub fn hcl_key(v: &V) -> Option<Cow<'_, str>> {
    match &v.kind {
        VKind::Str(s) => Some(Cow::Borrowed(s)),
        VKind::Int(i) => Some(Cow::Owned(i.to_string())),
        VKind::Float(f) => Some(Cow::Owned(super::text::fmt_float(*f))),
        VKind::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
        VKind::Unknown(u) if let Some(s) = &u.sym => Some(Cow::Borrowed(s)),
        _ => None,
    }
}

/// Symbols go into resource ids, which are split at `/`.
pub fn sym_clean(s: &str) -> String {
    s.replace('/', "_")
}

/// `${a.b}` + `.c` → `${a.b.c}`.
pub fn extend_sym(sym: &str, suffix: &str) -> Shared<str> {
    if let Some(inner) = sym.strip_prefix("${").and_then(|s| s.strip_suffix('}')) {
        if !inner.contains("${") {
            return format!("${{{}{}}}", inner, sym_clean(suffix)).into();
        }
    }
    format!("{sym}{}", sym_clean(suffix)).into()
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::model::{Cond, Key};

    /// An object of known entries, for the kernel's tests.
    pub(in crate::frontend::kernel) fn obj(entries: &[(&str, V)]) -> V {
        V::obj(
            entries
                .iter()
                .map(|(k, v)| (Key::new(*k, None), v.clone()))
                .collect(),
            None,
        )
    }

    #[test]
    fn known_values_case_insensitive_names_and_safe_forms() {
        let o = obj(&[
            ("Name", V::str("a", None)),
            ("list", V::arr(vec![V::int(7, None)], None)),
        ]);
        assert_eq!(member(&o, "name", false, None).as_str(), Some("a"));
        let missing = member(&o, "other", false, None);
        assert_eq!(
            missing.unknown_reason(),
            Some("property 'other' is not set")
        );
        assert!(member(&o, "other", true, None).is_null());
        assert!(member(&V::null(None), "x", true, None).is_null());
        assert!(member(&V::null(None), "x", false, None).is_unknown());
        let list = member(&o, "list", false, None);
        assert_eq!(
            index(&list, &V::int(0, None), false, None).as_i64(),
            Some(7)
        );
        assert!(index(&list, &V::int(3, None), false, None).is_unknown());
        assert!(index(&list, &V::int(3, None), true, None).is_null());
        assert_eq!(
            index(&o, &V::str("NAME", None), false, None).as_str(),
            Some("a")
        );
    }

    #[test]
    fn unknowns_stay_unknown_and_symbols_extend() {
        let sym = V::symbolic("no value", "parameters('p')", None);
        let m = member(&sym, "id", false, None);
        assert!(m.is_unknown());
        assert_eq!(m.as_name(), Some("parameters('p').id"));
        let plain = V::unknown("why", None);
        assert_eq!(
            member(&plain, "x", false, None).unknown_reason(),
            Some("why")
        );
        let arr = V::arr(vec![V::int(1, None)], None);
        assert_eq!(
            index(&arr, &plain, false, None).unknown_reason(),
            Some("why")
        );
        assert_eq!(
            index(&plain, &V::int(0, None), false, None).unknown_reason(),
            Some("why")
        );
    }

    /// Access into a value with alternatives gives the accessed value per alternative.
    #[test]
    fn alternatives_are_read_per_alternative() {
        let a = obj(&[("tier", V::str("Premium", None))]);
        let b = obj(&[("tier", V::str("Developer", None))]);
        let v = V::unknown("either", None)
            .with_alts(vec![(Cond::one("sku", "a"), a), (Cond::one("sku", "b"), b)]);
        let t = member(&v, "tier", false, None);
        let alts = t.alts().expect("alternatives kept");
        let mut got: Vec<&str> = alts.iter().filter_map(|(_, x)| x.as_str()).collect();
        got.sort();
        assert_eq!(got, ["Developer", "Premium"]);
    }

    #[test]
    fn by_reference_steps_copy_nothing_until_the_end() {
        let inner = V::str("x", None);
        let o = obj(&[("a", obj(&[("b", inner)]))]);
        let a = step_member(&o, "A", false, None).expect("a child");
        let b = step_member(a, "b", false, None).expect("b child");
        assert!(std::ptr::eq(b, a.get("b").unwrap()));
        assert!(step_member(b, "c", false, None).is_err());
        let l = V::arr(vec![V::int(1, None)], None);
        assert!(step_index(&l, &V::int(0, None), false, None).is_ok());
        assert!(step_index(&l, &V::int(5, None), true, None)
            .unwrap_err()
            .is_null());
    }

    fn at(v: &V, steps: Vec<Step>) -> (V, u64) {
        let mut d = Hcl::default();
        let out = walk(&mut d, v, &steps, Span::new(crate::source::FileId(0), 0, 1));
        (out, d.errors)
    }
    fn attr(n: &str) -> Step {
        Step::Attr(n.into())
    }

    /// HCL attribute names match exactly, the last exact entry first; ARM's match without case.
    #[test]
    fn hcl_keys_match_case_exactly() {
        let o = obj(&[
            ("Name", V::str("upper", None)),
            ("name", V::str("lower", None)),
        ]);
        let o2 = obj(&[
            ("name", V::str("lower", None)),
            ("Name", V::str("upper", None)),
        ]);
        assert_eq!(at(&o2, vec![attr("name")]).0.as_str(), Some("lower"));
        assert_eq!(at(&o, vec![attr("Name")]).0.as_str(), Some("upper"));
        assert_eq!(member(&o2, "name", false, None).as_str(), Some("upper"));
        let (v, errors) = at(&o, vec![Step::Index(V::str("Name", None))]);
        assert_eq!((v.as_str(), errors), (Some("upper"), 0));
    }

    /// A missing attribute is an error `try()` counts, except on a resource, where it is known
    /// only after apply; ARM's missing property is unknown and no error.
    #[test]
    fn hcl_missing_attributes_are_errors_or_known_after_apply() {
        let o = obj(&[("a", V::int(1, None))]);
        let (v, errors) = at(&o, vec![attr("b")]);
        assert_eq!(v.unknown_reason(), Some("the object has no attribute `b`"));
        assert_eq!(errors, 1);
        let (v, errors) = at(&o, vec![Step::Index(V::str("b", None))]);
        assert_eq!(v.unknown_reason(), Some("the map has no key 'b'"));
        assert_eq!(errors, 1);
        let (v, errors) = at(&V::null(None), vec![attr("b")]);
        assert_eq!(v.unknown_reason(), Some("cannot read `b` of null"));
        assert_eq!(errors, 1);
        let l = V::arr(vec![V::int(1, None)], None);
        let (v, errors) = at(&l, vec![Step::Index(V::int(4, None))]);
        assert_eq!(
            v.unknown_reason(),
            Some("index 4 is out of range of a list of 1")
        );
        assert_eq!(errors, 1);
        let res = obj(&[(ABOUT, V::str("res|azurerm_subnet.x", None))]);
        let (v, errors) = at(&res, vec![attr("id")]);
        assert_eq!(
            v.unknown_reason(),
            Some("azurerm_subnet.x.id is known only after apply")
        );
        assert_eq!(errors, 0);
        let data = obj(&[(ABOUT, V::str("data|data.azurerm_subnet.x", None))]);
        let (v, _) = at(&data, vec![attr("id")]);
        assert!(v.unknown_reason().unwrap().contains("is read from Azure"));
        assert_eq!(
            member(&o, "b", false, None).unknown_reason(),
            Some("property 'b' is not set")
        );
    }

    /// A splat reads each element; an unknown element stays unknown in its place, and a
    /// symbol in it is extended the HCL way.
    #[test]
    fn hcl_splat_over_a_list_with_an_unknown_element() {
        let l = V::arr(
            vec![
                obj(&[("id", V::str("a", None))]),
                V::unknown("later", None),
                V::symbolic("later", "${azurerm_subnet.x}", None),
            ],
            None,
        );
        for splat in [Step::FullSplat, Step::AttrSplat] {
            let (v, errors) = at(&l, vec![splat, attr("id")]);
            let VKind::Arr(items) = &v.kind else {
                panic!("a list: {}", v.show())
            };
            assert_eq!(items.len(), 3);
            assert_eq!(items[0].as_str(), Some("a"));
            assert_eq!(items[1].unknown_reason(), Some("later"));
            assert_eq!(items[2].as_name(), Some("${azurerm_subnet.x.id}"));
            assert_eq!(errors, 0);
        }
        let (v, _) = at(&V::null(None), vec![Step::FullSplat, attr("id")]);
        assert!(matches!(&v.kind, VKind::Arr(x) if x.is_empty()));
        let (v, _) = at(&V::unknown("later", None), vec![Step::FullSplat]);
        assert_eq!(v.unknown_reason(), Some("later"));
        let many: Vec<Step> = (0..=Hcl::SPLATS).map(|_| Step::FullSplat).collect();
        assert!(at(&l, many).0.is_unknown());
    }

    /// Symbols are spelled as HCL references, with `/` kept out of them (they go into ids).
    #[test]
    fn hcl_symbols_are_spelled_as_references() {
        let sym = V::symbolic("after apply", "${azurerm_subnet.x}", None);
        let (v, _) = at(
            &sym,
            vec![
                attr("ip_configuration"),
                Step::Index(V::int(0, None)),
                Step::Index(V::str("a/b", None)),
            ],
        );
        assert_eq!(
            v.as_name(),
            Some("${azurerm_subnet.x.ip_configuration[0][\"a_b\"]}")
        );
        assert_eq!(v.unknown_reason(), Some("after apply"));
        let (v, errors) = at(&sym, vec![Step::Index(V::unknown("k", None))]);
        assert_eq!(
            (v.as_name(), v.unknown_reason(), errors),
            (None, Some("after apply"), 0)
        );
        let arm = V::symbolic("no value", "parameters('p')", None);
        assert_eq!(
            index(&arm, &V::int(0, None), false, None).as_name(),
            None,
            "ARM does not name an indexed symbol"
        );
    }
}
