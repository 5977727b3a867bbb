//! Terraform's built-in functions that infrastructure code really uses (DESIGN.md §3). Pure:
//! values in, value out. Unknown arguments give unknown results; a stable (symbolic) unknown
//! stays stable through the string functions that names are built with (`format`, `join`,
//! `lower`, `tostring` …) so that resources named with them still link.
//!
//! `Some(Err(msg))` is an evaluation error (what `try` and `can` catch); `None` means the
//! function is not supported here.

use super::eval::{fmt_float, iter_pairs, key_text, num_of, tf_equal, unknown_like, Num};
use crate::frontend::arm::builtins::{base64_decode, base64_encode};
use crate::frontend::cidr::{self, bits as addr_bits, parse as parse_net, with_prefix};
use crate::frontend::kernel::budget;
use crate::frontend::kernel::text::{self, Joined, Style};
use crate::model::{Key, Unknown, VKind, V};
use crate::source::Span;
use ipnet::IpNet;

type R = Option<Result<V, String>>;

/// Lists longer than this are not built (`range`, `setproduct`, `cidrsubnets`).
const MAX_LEN: usize = 100_000;

/// Terraform's built-in functions, as documented (see the file's header).
pub const NAMES: &str = include_str!("function_names.txt");

/// Whether Terraform has a built-in function by this name (`provider::…` functions are not).
pub fn is_builtin(name: &str) -> bool {
    let name = name.strip_prefix("core::").unwrap_or(name);
    crate::frontend::arm::builtins::names(NAMES).any(|n| n == name)
}

pub fn call(name: &str, args: &[V], span: Option<Span>) -> R {
    // `core::lower` is the built-in `lower`; `provider::NAME::f` is the provider's, not ours.
    if name.starts_with("provider::") {
        return None;
    }
    let name = name.strip_prefix("core::").unwrap_or(name);
    // Functions that look into unknowns themselves.
    match name {
        "coalesce" => return Some(coalesce(args, span)),
        "tostring" => return Some(one(args).map(|a| tostring(a, span))),
        "lower" | "upper" => return Some(one(args).map(|a| case(a, name == "upper", span))),
        "format" => return Some(format_fn(args, span)),
        "join" => return Some(join(args, span)),
        "length" => {
            return Some(one(args).and_then(|a| match &a.kind {
                VKind::Str(s) => Ok(V::int(s.chars().count() as i64, span)),
                VKind::Arr(x) => Ok(V::int(x.len() as i64, span)),
                VKind::Obj(x) => Ok(V::int(x.len() as i64, span)),
                VKind::Unknown(_) => Ok(unknown_like(a, span)),
                _ => Err(format!("length() of {}", a.show())),
            }))
        }
        "uuid" | "timestamp" | "bcrypt" | "uuidv5" | "plantimestamp" => {
            return Some(Ok(V::unknown(
                format!("{name}() is only known at apply"),
                span,
            )))
        }
        "md5" | "sha1" | "sha256" | "sha512" | "base64sha256" | "base64sha512" | "filemd5"
        | "regex" | "regexall" | "formatdate" | "timeadd" | "timecmp" | "base64gzip"
        | "textencodebase64" | "textdecodebase64" | "urlencode" | "yamlencode" | "csvdecode"
        | "templatestring" | "ephemeralasnull" | "issensitive" => {
            return Some(Ok(V::unknown(format!("{name}() is not evaluated"), span)))
        }
        "sensitive" | "nonsensitive" => return Some(one(args).map(|a| a.clone().at(span))),
        _ => {}
    }
    // Everything else: an unknown argument gives an unknown result.
    if let Some(u) = args.iter().find(|a| a.is_unknown()) {
        return Some(Ok(unknown_like(u, span)));
    }
    let r = match name {
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

        // Strings
        "split" => match (str_arg(args, 0), str_arg(args, 1)) {
            (Some(sep), Some(s)) => Ok(V::arr(
                if sep.is_empty() {
                    s.chars().map(|c| V::str(c.to_string(), span)).collect()
                } else {
                    s.split(sep).map(|p| V::str(p, span)).collect()
                },
                span,
            )),
            _ => Err("split() needs a separator and a string".into()),
        },
        "replace" => match (str_arg(args, 0), str_arg(args, 1), str_arg(args, 2)) {
            (Some(_), Some(sub), Some(_))
                if sub.len() > 1 && sub.starts_with('/') && sub.ends_with('/') =>
            {
                Ok(V::unknown(
                    "replace() with a regular expression is not evaluated",
                    span,
                ))
            }
            (Some(s), Some(sub), Some(rep)) if !sub.is_empty() => {
                // Charged before allocating: a short match replaced by a long text multiplies.
                let grow = rep.len().saturating_sub(sub.len());
                let n = if grow > 0 { s.matches(sub).count() } else { 0 };
                if !budget::bytes(s.len().saturating_add(n.saturating_mul(grow))) {
                    return Some(Ok(budget::unknown(span)));
                }
                Ok(V::str(s.replace(sub, rep), span))
            }
            (Some(s), Some(_), Some(_)) => Ok(V::str(s, span)),
            _ => Err("replace() needs three strings".into()),
        },
        "substr" => match (
            str_arg(args, 0),
            args.get(1).and_then(|v| v.as_i64()),
            args.get(2).and_then(|v| v.as_i64()),
        ) {
            (Some(s), Some(off), Some(len)) => {
                let chars: Vec<char> = s.chars().collect();
                let n = chars.len() as i64;
                let start = if off < 0 {
                    (n + off).max(0)
                } else {
                    off.min(n)
                };
                let end = if len < 0 {
                    n
                } else {
                    (start.saturating_add(len)).min(n)
                };
                Ok(V::str(
                    chars[start as usize..end.max(start) as usize]
                        .iter()
                        .collect::<String>(),
                    span,
                ))
            }
            _ => Err("substr() needs a string, an offset and a length".into()),
        },
        "title" => str1(args, span, |s| {
            let mut out = String::new();
            let mut start = true;
            for c in s.chars() {
                if start && c.is_alphabetic() {
                    out.extend(c.to_uppercase());
                } else {
                    out.push(c);
                }
                start = !c.is_alphanumeric();
            }
            out
        }),
        "trimspace" => str1(args, span, |s| s.trim().to_string()),
        "chomp" => str1(args, span, |s| s.trim_end_matches(['\n', '\r']).to_string()),
        "strrev" => str1(args, span, |s| s.chars().rev().collect()),
        "trim" => match (str_arg(args, 0), str_arg(args, 1)) {
            (Some(s), Some(cut)) => Ok(V::str(s.trim_matches(|c| cut.contains(c)), span)),
            _ => Err("trim() needs two strings".into()),
        },
        "trimprefix" => match (str_arg(args, 0), str_arg(args, 1)) {
            (Some(s), Some(p)) => Ok(V::str(s.strip_prefix(p).unwrap_or(s), span)),
            _ => Err("trimprefix() needs two strings".into()),
        },
        "trimsuffix" => match (str_arg(args, 0), str_arg(args, 1)) {
            (Some(s), Some(p)) => Ok(V::str(s.strip_suffix(p).unwrap_or(s), span)),
            _ => Err("trimsuffix() needs two strings".into()),
        },
        "startswith" | "endswith" | "strcontains" => match (str_arg(args, 0), str_arg(args, 1)) {
            (Some(s), Some(p)) => Ok(V::bool(
                match name {
                    "startswith" => s.starts_with(p),
                    "endswith" => s.ends_with(p),
                    _ => s.contains(p),
                },
                span,
            )),
            _ => Err(format!("{name}() needs two strings")),
        },
        "indent" => match (args.first().and_then(|v| v.as_i64()), str_arg(args, 1)) {
            (Some(n), Some(s)) => {
                let n = n.clamp(0, 1024) as usize;
                if !budget::bytes(s.len().saturating_add(s.matches('\n').count() * n)) {
                    return Some(Ok(budget::unknown(span)));
                }
                let pad = " ".repeat(n);
                Ok(V::str(s.replace('\n', &format!("\n{pad}")), span))
            }
            _ => Err("indent() needs a number and a string".into()),
        },
        "formatlist" => formatlist(args, span),

        // Collections
        "concat" => {
            let mut out = Vec::new();
            for a in args {
                match &a.kind {
                    VKind::Arr(items) => out.extend(items.iter().cloned()),
                    _ => return Some(Err(format!("concat() of {}", a.show()))),
                }
            }
            Ok(V::arr(out, span))
        }
        "merge" => {
            let mut out: Vec<(Key, V)> = Vec::new();
            for a in args {
                match &a.kind {
                    VKind::Null => {}
                    VKind::Obj(entries) => {
                        for (k, v) in entries {
                            match out.iter_mut().find(|(x, _)| x.name == k.name) {
                                Some(slot) => slot.1 = v.clone(),
                                None => out.push((k.clone(), v.clone())),
                            }
                        }
                    }
                    _ => return Some(Err(format!("merge() of {}", a.show()))),
                }
            }
            Ok(V::obj(out, span))
        }
        "lookup" => match (args.first(), args.get(1).and_then(key_text)) {
            (Some(m), Some(k)) if m.as_object().is_some() => match obj_get(m, &k) {
                Some(v) => Ok(v.clone()),
                None => match args.get(2) {
                    Some(d) => Ok(d.clone()),
                    None => Err(format!("lookup(): the map has no key \"{k}\"")),
                },
            },
            _ => Err("lookup() needs a map and a key".into()),
        },
        "element" => match (
            args.first().and_then(|a| a.as_array()),
            args.get(1).and_then(|i| i.as_i64()),
        ) {
            (Some([]), _) => Err("element() of an empty list".into()),
            (Some(items), Some(i)) if i >= 0 => Ok(items[(i as usize) % items.len()].clone()),
            _ => Err("element() needs a list and an index".into()),
        },
        "index" => match (args.first().and_then(|a| a.as_array()), args.get(1)) {
            (Some(items), Some(x)) => {
                let mut unknown = false;
                let mut found = None;
                for (i, it) in items.iter().enumerate() {
                    match tf_equal(it, x) {
                        Some(true) => {
                            found = Some(i);
                            break;
                        }
                        None => unknown = true,
                        _ => {}
                    }
                }
                match found {
                    Some(i) if !unknown => Ok(V::int(i as i64, span)),
                    _ if unknown => Ok(V::unknown("index() over unknown elements", span)),
                    _ => Err("index(): the value is not in the list".into()),
                }
            }
            _ => Err("index() needs a list and a value".into()),
        },
        "contains" => match (args.first(), args.get(1)) {
            (Some(c), Some(x)) => {
                let items: Vec<&V> = match &c.kind {
                    VKind::Arr(items) => items.iter().collect(),
                    VKind::Obj(entries) => entries.iter().map(|(_, v)| v).collect(),
                    _ => return Some(Err("contains() needs a list".into())),
                };
                let mut unknown = None;
                for it in items {
                    match tf_equal(it, x) {
                        Some(true) => return Some(Ok(V::bool(true, span))),
                        None => unknown = Some(it),
                        _ => {}
                    }
                }
                match unknown {
                    Some(u) => Ok(unknown_like(u, span)),
                    None => Ok(V::bool(false, span)),
                }
            }
            _ => Err("contains() needs a list and a value".into()),
        },
        "keys" => one(args).and_then(|a| match iter_pairs(a) {
            Some(p) if a.as_object().is_some() => {
                Ok(V::arr(p.into_iter().map(|(k, _)| k).collect(), span))
            }
            _ => Err("keys() needs a map".into()),
        }),
        "values" => one(args).and_then(|a| match iter_pairs(a) {
            Some(p) if a.as_object().is_some() => {
                Ok(V::arr(p.into_iter().map(|(_, v)| v).collect(), span))
            }
            _ => Err("values() needs a map".into()),
        }),
        "tolist" => one(args).and_then(|a| match &a.kind {
            VKind::Arr(_) | VKind::Null => Ok(a.clone().at(span)),
            _ => Err(format!("tolist() of {}", a.show())),
        }),
        "toset" => one(args).and_then(|a| match &a.kind {
            VKind::Arr(items) => Ok(V::arr(set_of(items), span)),
            VKind::Null => Ok(a.clone()),
            _ => Err(format!("toset() of {}", a.show())),
        }),
        "tomap" => one(args).and_then(|a| match &a.kind {
            VKind::Obj(_) | VKind::Null => Ok(a.clone().at(span)),
            _ => Err(format!("tomap() of {}", a.show())),
        }),
        "distinct" => one(args).and_then(|a| match &a.kind {
            VKind::Arr(items) => {
                let mut out: Vec<V> = Vec::new();
                for it in items {
                    if !out.iter().any(|x| tf_equal(x, it) == Some(true)) {
                        out.push(it.clone());
                    }
                }
                Ok(V::arr(out, span))
            }
            _ => Err("distinct() needs a list".into()),
        }),
        "compact" => one(args).and_then(|a| match &a.kind {
            VKind::Arr(items) => Ok(V::arr(
                items
                    .iter()
                    .filter(|x| !x.is_null() && x.as_str() != Some(""))
                    .cloned()
                    .collect(),
                span,
            )),
            _ => Err("compact() needs a list".into()),
        }),
        "flatten" => one(args).and_then(|a| match &a.kind {
            VKind::Arr(_) => {
                let mut out = Vec::new();
                flatten_into(a, &mut out, 0);
                Ok(V::arr(out, span))
            }
            _ => Err("flatten() needs a list".into()),
        }),
        "coalescelist" => Ok(args
            .iter()
            .find(|a| a.as_array().is_some_and(|x| !x.is_empty()))
            .cloned()
            .unwrap_or_else(|| V::arr(vec![], span))),
        "one" => one(args).and_then(|a| match &a.kind {
            VKind::Arr(items) if items.is_empty() => Ok(V::null(span)),
            VKind::Arr(items) if items.len() == 1 => Ok(items[0].clone()),
            VKind::Null => Ok(V::null(span)),
            _ => Err("one() needs a list of at most one element".into()),
        }),
        "reverse" => one(args).and_then(|a| match &a.kind {
            VKind::Arr(items) => Ok(V::arr(items.iter().rev().cloned().collect(), span)),
            _ => Err("reverse() needs a list".into()),
        }),
        "sort" => one(args).and_then(|a| match &a.kind {
            VKind::Arr(items) => {
                let mut texts = Vec::new();
                for it in items {
                    match key_text(it) {
                        Some(t) if !it.is_unknown() => texts.push((t, it.clone())),
                        _ => return Ok(unknown_like(it, span)),
                    }
                }
                texts.sort_by(|a, b| a.0.cmp(&b.0));
                Ok(V::arr(texts.into_iter().map(|(_, v)| v).collect(), span))
            }
            _ => Err("sort() needs a list".into()),
        }),
        "slice" => match (
            args.first().and_then(|a| a.as_array()),
            args.get(1).and_then(|v| v.as_i64()),
            args.get(2).and_then(|v| v.as_i64()),
        ) {
            (Some(items), Some(a), Some(b)) if a >= 0 && a <= b && (b as usize) <= items.len() => {
                Ok(V::arr(items[a as usize..b as usize].to_vec(), span))
            }
            _ => Err("slice(): bad arguments".into()),
        },
        "chunklist" => match (
            args.first().and_then(|a| a.as_array()),
            args.get(1).and_then(|v| v.as_i64()),
        ) {
            (Some(items), Some(n)) if n > 0 => Ok(V::arr(
                items
                    .chunks(n as usize)
                    .map(|c| V::arr(c.to_vec(), span))
                    .collect(),
                span,
            )),
            (Some(items), Some(0)) => Ok(V::arr(vec![V::arr(items.to_vec(), span)], span)),
            _ => Err("chunklist() needs a list and a size".into()),
        },
        "range" => range(args, span),
        "zipmap" => match (
            args.first().and_then(|a| a.as_array()),
            args.get(1).and_then(|a| a.as_array()),
        ) {
            (Some(ks), Some(vs)) if ks.len() == vs.len() => {
                let mut out: Vec<(Key, V)> = Vec::new();
                for (k, v) in ks.iter().zip(vs) {
                    let Some(t) = key_text(k) else {
                        return Some(Ok(unknown_like(k, span)));
                    };
                    out.push((Key::new(t, k.span), v.clone()));
                }
                Ok(V::obj(out, span))
            }
            _ => Err("zipmap() needs two lists of the same length".into()),
        },
        "setunion" => {
            let mut all = Vec::new();
            for a in args {
                match a.as_array() {
                    Some(x) => all.extend(x.iter().cloned()),
                    None => return Some(Err("setunion() needs sets".into())),
                }
            }
            Ok(V::arr(set_of(&all), span))
        }
        "setintersection" | "setsubtract" => {
            let Some(first) = args.first().and_then(|a| a.as_array()) else {
                return Some(Err(format!("{name}() needs sets")));
            };
            let mut out: Vec<V> = set_of(first);
            for a in &args[1..] {
                let Some(other) = a.as_array() else {
                    return Some(Err(format!("{name}() needs sets")));
                };
                let inter = name == "setintersection";
                out.retain(|x| other.iter().any(|y| tf_equal(x, y) == Some(true)) == inter);
            }
            Ok(V::arr(out, span))
        }
        "setproduct" => setproduct(args, span),
        "alltrue" | "anytrue" => one(args).and_then(|a| {
            let items = a.as_array().ok_or(format!("{name}() needs a list"))?;
            let all = name == "alltrue";
            let mut unknown = None;
            for it in items {
                match it.as_bool() {
                    Some(b) if b != all => return Ok(V::bool(!all, span)),
                    Some(_) => {}
                    None => unknown = Some(it),
                }
            }
            Ok(match unknown {
                Some(u) => unknown_like(u, span),
                None => V::bool(all, span),
            })
        }),

        // Encoding
        "jsonencode" => one(args).and_then(|a| {
            if let Some(u) = a.find_unknown() {
                return Ok(V::unknown(u.reason.clone(), span));
            }
            serde_json::to_string(&a.to_json())
                .map(|s| V::str(s, span))
                .map_err(|e| e.to_string())
        }),
        "jsondecode" => match str_arg(args, 0) {
            Some(s) => serde_json::from_str::<serde_json::Value>(s)
                .map(|j| V::from_json_at(&j, span))
                .map_err(|e| format!("jsondecode(): {e}")),
            None => Err("jsondecode() needs a string".into()),
        },
        "yamldecode" => match str_arg(args, 0) {
            Some(s) => serde_yaml::from_str::<serde_json::Value>(s)
                .map(|j| V::from_json_at(&j, span))
                .map_err(|e| format!("yamldecode(): {e}")),
            None => Err("yamldecode() needs a string".into()),
        },
        "base64encode" => str1(args, span, |x| base64_encode(x.as_bytes())),
        "base64decode" => match str_arg(args, 0).map(base64_decode) {
            Some(Some(s)) => Ok(V::str(s, span)),
            _ => Err("base64decode(): invalid input".into()),
        },

        // Paths
        "basename" => str1(args, span, |s| {
            s.rsplit(['/', '\\']).next().unwrap_or("").to_string()
        }),
        "dirname" => str1(args, span, |s| match s.rfind(['/', '\\']) {
            Some(i) => s[..i].to_string(),
            None => ".".to_string(),
        }),
        "abspath" | "pathexpand" => {
            return Some(Ok(V::unknown(format!("{name}() is not evaluated"), span)))
        }

        // Networks
        "cidrsubnet" => cidrsubnet(args, span),
        "cidrhost" => cidrhost(args, span),
        "cidrnetmask" => match str_arg(args, 0).and_then(parse_net) {
            Some(IpNet::V4(n)) => Ok(V::str(n.netmask().to_string(), span)),
            _ => Err("cidrnetmask() needs an IPv4 prefix".into()),
        },
        "cidrsubnets" => cidrsubnets(args, span),

        "type" => return Some(Ok(V::unknown("type() is for the console only", span))),
        _ => return None,
    };
    Some(r)
}

trait WithOrigin {
    fn with_origin(self, from: &V) -> V;
}
impl WithOrigin for V {
    fn with_origin(mut self, from: &V) -> V {
        self.origin = from.origin.or(from.span);
        self
    }
}

fn one(args: &[V]) -> Result<&V, String> {
    match args {
        [a] => Ok(a),
        _ => Err(format!("expected one argument, found {}", args.len())),
    }
}

fn str_arg(args: &[V], i: usize) -> Option<&str> {
    args.get(i).and_then(|a| a.as_str())
}

fn str1(args: &[V], span: Option<Span>, f: impl Fn(&str) -> String) -> Result<V, String> {
    match args {
        [a] => match &a.kind {
            VKind::Str(s) => Ok(V::str(f(s), span)),
            VKind::Int(i) => Ok(V::str(f(&i.to_string()), span)),
            _ => Err(format!("expected a string, found {}", a.show())),
        },
        _ => Err("expected one string".into()),
    }
}

fn to_f(n: Num) -> f64 {
    match n {
        Num::I(i) => i as f64,
        Num::F(f) => f,
    }
}

fn num_v(n: Num, span: Option<Span>) -> V {
    match n {
        Num::I(i) => V::int(i, span),
        Num::F(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => V::int(f as i64, span),
        Num::F(f) => V::new(VKind::Float(f), span),
    }
}

fn num1(args: &[V], span: Option<Span>, f: impl Fn(Num) -> Num) -> Result<V, String> {
    match one(args).map(num_of)? {
        Some(n) => Ok(num_v(f(n), span)),
        None => Err("expected a number".into()),
    }
}

fn minmax(args: &[V], max: bool, span: Option<Span>) -> Result<V, String> {
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

fn coalesce(args: &[V], span: Option<Span>) -> Result<V, String> {
    for a in args {
        match &a.kind {
            VKind::Null => continue,
            VKind::Str(s) if s.is_empty() => continue,
            VKind::Unknown(_) => return Ok(unknown_like(a, span)),
            _ => return Ok(a.clone()),
        }
    }
    Err("coalesce(): no non-null, non-empty argument".into())
}

fn tostring(a: &V, span: Option<Span>) -> V {
    match &a.kind {
        VKind::Str(_) | VKind::Unknown(Unknown { sym: Some(_), .. }) => a.clone(),
        VKind::Int(i) => V::str(i.to_string(), span).with_origin(a),
        VKind::Float(f) => V::str(fmt_float(*f), span).with_origin(a),
        VKind::Bool(b) => V::str(b.to_string(), span).with_origin(a),
        VKind::Null => V::null(span),
        VKind::Unknown(_) => unknown_like(a, span),
        _ => V::unknown(format!("tostring() of {}", a.show()), span),
    }
}

fn case(a: &V, upper: bool, span: Option<Span>) -> V {
    let f = |s: &str| {
        if upper {
            s.to_uppercase()
        } else {
            s.to_lowercase()
        }
    };
    match &a.kind {
        VKind::Str(s) => V::str(f(s), span).with_origin(a),
        VKind::Unknown(Unknown {
            reason,
            sym: Some(s),
            ..
        }) => V::symbolic(reason.clone(), f(s), span),
        VKind::Unknown(_) => unknown_like(a, span),
        _ => V::unknown(format!("lower()/upper() of {}", a.show()), span),
    }
}

/// Concatenate pieces; stable unknowns make a stable result, other unknowns an unknown one.
fn join_parts(parts: &[&V], sep: &str, span: Option<Span>) -> Result<V, String> {
    match text::join(parts, sep, Style::Hcl, false, span) {
        Joined::Text(v) => Ok(v),
        // After an unknown part the result is unknown anyway.
        Joined::Other(i) => match parts[..i].iter().find(|p| p.is_unknown()) {
            Some(u) => Ok(unknown_like(u, span)),
            None => Err(format!(
                "{} cannot be joined into a string",
                parts[i].show()
            )),
        },
    }
}

fn join(args: &[V], span: Option<Span>) -> Result<V, String> {
    let Some(sep) = args.first() else {
        return Err("join() needs a separator".into());
    };
    if sep.is_unknown() {
        return Ok(unknown_like(sep, span));
    }
    let sep = sep
        .as_str()
        .ok_or("join(): the separator must be a string")?;
    let mut parts: Vec<&V> = Vec::new();
    for l in &args[1..] {
        match &l.kind {
            VKind::Arr(items) => parts.extend(items.iter()),
            VKind::Unknown(_) => return Ok(unknown_like(l, span)),
            _ => return Err("join() needs lists".into()),
        }
    }
    join_parts(&parts, sep, span)
}

/// `format`: `%s %d %v %q %t %f %x %%`, widths and `%[n]` argument indexes.
fn format_fn(args: &[V], span: Option<Span>) -> Result<V, String> {
    let Some(spec) = args.first() else {
        return Err("format() needs a format string".into());
    };
    if spec.is_unknown() {
        return Ok(unknown_like(spec, span));
    }
    let spec = spec
        .as_str()
        .ok_or("format(): the format must be a string")?;
    format_with(spec, &args[1..], span)
}

fn format_with(spec: &str, args: &[V], span: Option<Span>) -> Result<V, String> {
    let mut pieces: Vec<V> = Vec::new();
    let mut lit = String::new();
    let mut next = 0usize;
    let mut chars = spec.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            lit.push(c);
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            lit.push('%');
            continue;
        }
        // flags, width, precision, explicit index
        let mut flags = String::new();
        while let Some(&f) = chars.peek() {
            if "+- #0".contains(f) {
                flags.push(f);
                chars.next();
            } else {
                break;
            }
        }
        if chars.peek() == Some(&'[') {
            chars.next();
            let mut n = String::new();
            for d in chars.by_ref() {
                if d == ']' {
                    break;
                }
                n.push(d);
            }
            next = n
                .parse::<usize>()
                .map_err(|_| "format(): bad argument index")?
                .saturating_sub(1);
        }
        let mut width = String::new();
        while let Some(&d) = chars.peek() {
            if d.is_ascii_digit() {
                width.push(d);
                chars.next();
            } else {
                break;
            }
        }
        let mut prec: Option<usize> = None;
        if chars.peek() == Some(&'.') {
            chars.next();
            let mut p = String::new();
            while let Some(&d) = chars.peek() {
                if d.is_ascii_digit() {
                    p.push(d);
                    chars.next();
                } else {
                    break;
                }
            }
            prec = Some(p.parse::<usize>().unwrap_or(0).min(64));
        }
        let verb = chars.next().ok_or("format(): incomplete verb")?;
        let arg = args.get(next).ok_or("format(): not enough arguments")?;
        next += 1;
        if !lit.is_empty() {
            pieces.push(V::str(std::mem::take(&mut lit), None));
        }
        if arg.is_unknown() {
            match (&arg.kind, verb) {
                (VKind::Unknown(Unknown { sym: Some(_), .. }), 's' | 'v') => {
                    pieces.push(arg.clone())
                }
                // An unknown `%s` keeps the text around it (`format("%s/32", ip)`).
                (VKind::Unknown(_), 's' | 'v') if width.is_empty() => pieces.push(arg.clone()),
                _ => return Ok(unknown_like(arg, span)),
            }
            continue;
        }
        let text = match verb {
            's' | 'v' => match &arg.kind {
                VKind::Str(s) => s.to_string(),
                VKind::Int(i) => i.to_string(),
                VKind::Float(f) => fmt_float(*f),
                VKind::Bool(b) => b.to_string(),
                _ if verb == 'v' => serde_json::to_string(&arg.to_json()).unwrap_or_default(),
                _ => return Err(format!("format(): %s of {}", arg.show())),
            },
            'q' => serde_json::to_string(&arg.to_json()).unwrap_or_default(),
            't' => arg
                .as_bool()
                .ok_or("format(): %t needs a bool")?
                .to_string(),
            'd' => match num_of(arg) {
                Some(Num::I(i)) => i.to_string(),
                Some(Num::F(f)) if f.fract() == 0.0 => (f as i64).to_string(),
                _ => return Err("format(): %d needs an integer".into()),
            },
            'f' | 'e' | 'g' => {
                let f = num_of(arg).map(to_f).ok_or("format(): %f needs a number")?;
                format!("{:.*}", prec.unwrap_or(6), f)
            }
            'x' | 'X' | 'o' | 'b' => {
                let i = arg.as_i64().ok_or("format(): needs an integer")?;
                match verb {
                    'x' => format!("{i:x}"),
                    'X' => format!("{i:X}"),
                    'o' => format!("{i:o}"),
                    _ => format!("{i:b}"),
                }
            }
            _ => return Err(format!("format(): unsupported verb %{verb}")),
        };
        let w: usize = width.parse().unwrap_or(0).min(1024);
        let text = if text.chars().count() < w {
            let pad = w - text.chars().count();
            if flags.contains('-') {
                format!("{text}{}", " ".repeat(pad))
            } else if flags.contains('0') {
                format!("{}{text}", "0".repeat(pad))
            } else {
                format!("{}{text}", " ".repeat(pad))
            }
        } else {
            text
        };
        pieces.push(V::str(text, None));
    }
    if !lit.is_empty() {
        pieces.push(V::str(lit, None));
    }
    let refs: Vec<&V> = pieces.iter().collect();
    join_parts(&refs, "", span)
}

fn formatlist(args: &[V], span: Option<Span>) -> Result<V, String> {
    let spec = args
        .first()
        .and_then(|s| s.as_str())
        .ok_or("formatlist() needs a format string")?;
    let rest = &args[1..];
    let n = rest
        .iter()
        .filter_map(|a| a.as_array().map(|x| x.len()))
        .max()
        .unwrap_or(1);
    let mut out = Vec::new();
    for i in 0..n.min(MAX_LEN) {
        let row: Vec<V> = rest
            .iter()
            .map(|a| match a.as_array() {
                Some(items) => items.get(i).cloned().unwrap_or(V::null(span)),
                None => a.clone(),
            })
            .collect();
        out.push(format_with(spec, &row, span)?);
    }
    Ok(V::arr(out, span))
}

fn obj_get<'a>(m: &'a V, k: &str) -> Option<&'a V> {
    m.as_object()?
        .iter()
        .rev()
        .find(|(x, _)| &*x.name == k)
        .map(|(_, v)| v)
}

/// Distinct elements, strings sorted as Terraform orders a set of strings.
fn set_of(items: &[V]) -> Vec<V> {
    let mut out: Vec<V> = Vec::new();
    for it in items {
        if !out.iter().any(|x| tf_equal(x, it) == Some(true)) {
            out.push(it.clone());
        }
    }
    if out.iter().all(|x| matches!(x.kind, VKind::Str(_))) {
        out.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    }
    out
}

fn flatten_into(v: &V, out: &mut Vec<V>, depth: usize) {
    match &v.kind {
        VKind::Arr(items) if depth < 64 => {
            for it in items {
                flatten_into(it, out, depth + 1);
            }
        }
        _ => out.push(v.clone()),
    }
}

fn range(args: &[V], span: Option<Span>) -> Result<V, String> {
    let nums: Vec<f64> = args
        .iter()
        .map(|a| num_of(a).map(to_f).ok_or("range() needs numbers"))
        .collect::<Result<_, _>>()?;
    let (start, limit, step) = match nums.as_slice() {
        [l] => (0.0, *l, 1.0),
        [s, l] => (*s, *l, if l >= s { 1.0 } else { -1.0 }),
        [s, l, st] => (*s, *l, *st),
        _ => return Err("range() needs one to three numbers".into()),
    };
    if step == 0.0 || !step.is_finite() {
        return Err("range(): step must not be zero".into());
    }
    let n = ((limit - start) / step).ceil();
    if n.is_finite() && n > 0.0 && n <= MAX_LEN as f64 && !budget::items(n as usize) {
        return Ok(budget::unknown(span));
    }
    let mut out = Vec::new();
    let mut x = start;
    while (step > 0.0 && x < limit) || (step < 0.0 && x > limit) {
        if out.len() >= MAX_LEN {
            return Err("range(): too many elements".into());
        }
        out.push(num_v(Num::F(x), span));
        x += step;
    }
    Ok(V::arr(out, span))
}

fn setproduct(args: &[V], span: Option<Span>) -> Result<V, String> {
    let mut rows: Vec<Vec<V>> = vec![vec![]];
    for a in args {
        let items = a.as_array().ok_or("setproduct() needs lists")?;
        if rows.len().saturating_mul(items.len()) > MAX_LEN {
            return Err("setproduct(): too many elements".into());
        }
        let mut next = Vec::with_capacity(rows.len() * items.len());
        for r in &rows {
            for it in items {
                let mut x = r.clone();
                x.push(it.clone());
                next.push(x);
            }
        }
        rows = next;
    }
    if args.is_empty() {
        return Err("setproduct() needs lists".into());
    }
    Ok(V::arr(
        rows.into_iter().map(|r| V::arr(r, span)).collect(),
        span,
    ))
}

// ---------------------------------------------------------------------------------------------
// CIDR functions (IPv4 and IPv6), as Terraform computes them; the arithmetic is in
// `frontend::cidr`, shared with ARM.

fn cidrsubnet(args: &[V], span: Option<Span>) -> Result<V, String> {
    let (Some(net), Some(newbits), Some(netnum)) = (
        str_arg(args, 0).and_then(parse_net),
        args.get(1).and_then(|v| v.as_i64()),
        args.get(2).and_then(|v| v.as_i64()),
    ) else {
        return Err("cidrsubnet() needs a prefix, newbits and netnum".into());
    };
    let (_, max) = addr_bits(&net);
    let len = net.prefix_len() as i64;
    if newbits < 0 || netnum < 0 || len + newbits > max as i64 {
        return Err(format!(
            "cidrsubnet(): {newbits} new bits on a /{len} exceed the address length"
        ));
    }
    let n = cidr::subnet(&net, (len + newbits) as u32, netnum as u128)
        .ok_or_else(|| format!("cidrsubnet(): netnum {netnum} does not fit in {newbits} bits"))?;
    Ok(V::str(n.to_string(), span))
}

fn cidrhost(args: &[V], span: Option<Span>) -> Result<V, String> {
    let (Some(net), Some(host)) = (
        str_arg(args, 0).and_then(parse_net),
        args.get(1).and_then(|v| v.as_i64()),
    ) else {
        return Err("cidrhost() needs a prefix and a host number".into());
    };
    // Terraform counts from the network address; a negative number counts back from the end.
    let off = if host >= 0 {
        Some(host as u128)
    } else {
        cidr::size(&net).checked_sub(host.unsigned_abs() as u128)
    };
    let ip = off
        .and_then(|off| cidr::host(&net, off))
        .ok_or("cidrhost(): host number out of range")?;
    Ok(V::str(ip.to_string(), span))
}

fn cidrsubnets(args: &[V], span: Option<Span>) -> Result<V, String> {
    let net = str_arg(args, 0)
        .and_then(parse_net)
        .ok_or("cidrsubnets() needs a prefix")?;
    let (base, max) = addr_bits(&net);
    let len = net.prefix_len() as u32;
    let total: u128 = if max - len >= 128 {
        u128::MAX
    } else {
        1u128 << (max - len)
    };
    let mut cur: u128 = 0;
    let mut out = Vec::new();
    for a in &args[1..] {
        let nb = a.as_i64().ok_or("cidrsubnets(): newbits must be numbers")?;
        if nb < 1 || len as i64 + nb > max as i64 {
            return Err("cidrsubnets(): newbits out of range".into());
        }
        let new_len = len + nb as u32;
        let size: u128 = 1u128 << (max - new_len);
        // Align to the subnet size.
        if cur % size != 0 {
            cur = (cur / size)
                .checked_add(1)
                .and_then(|n| n.checked_mul(size))
                .ok_or("cidrsubnets(): not enough address space")?;
        }
        if cur >= total || total - cur < size {
            return Err("cidrsubnets(): not enough address space".into());
        }
        let n = with_prefix(&net, base + cur, new_len).ok_or("cidrsubnets(): invalid")?;
        out.push(V::str(n.to_string(), span));
        cur += size;
        if out.len() > MAX_LEN {
            return Err("cidrsubnets(): too many".into());
        }
    }
    Ok(V::arr(out, span))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> V {
        V::str(x, None)
    }
    fn i(x: i64) -> V {
        V::int(x, None)
    }
    fn run(name: &str, args: &[V]) -> V {
        call(name, args, None).unwrap().unwrap()
    }

    #[test]
    fn cidr_functions_match_terraform() {
        assert_eq!(
            run("cidrsubnet", &[s("10.0.0.0/20"), i(2), i(1)]).as_str(),
            Some("10.0.4.0/22")
        );
        assert_eq!(
            run("cidrsubnet", &[s("172.16.0.0/12"), i(4), i(2)]).as_str(),
            Some("172.18.0.0/16")
        );
        assert_eq!(
            run("cidrsubnet", &[s("10.1.2.0/24"), i(4), i(15)]).as_str(),
            Some("10.1.2.240/28")
        );
        assert_eq!(
            run(
                "cidrsubnet",
                &[s("fd00:fd12:3456:7890::/56"), i(16), i(162)]
            )
            .as_str(),
            Some("fd00:fd12:3456:7800:a200::/72")
        );
        assert!(call("cidrsubnet", &[s("10.0.0.0/30"), i(4), i(1)], None)
            .unwrap()
            .is_err());
        assert_eq!(
            run("cidrhost", &[s("10.12.112.0/20"), i(16)]).as_str(),
            Some("10.12.112.16")
        );
        assert_eq!(
            run("cidrhost", &[s("10.12.112.0/20"), i(268)]).as_str(),
            Some("10.12.113.12")
        );
        assert_eq!(
            run("cidrhost", &[s("10.0.0.0/24"), i(-1)]).as_str(),
            Some("10.0.0.255")
        );
        assert_eq!(
            run("cidrnetmask", &[s("172.16.0.0/12")]).as_str(),
            Some("255.240.0.0")
        );
        assert!(call(
            "cidrsubnets",
            &[s("::/0"), i(2), i(2), i(2), i(3), i(1)],
            None
        )
        .unwrap()
        .is_err());
        assert!(
            call("format", &[s("%.999999999f"), i(1)], None)
                .unwrap()
                .unwrap()
                .as_str()
                .unwrap()
                .len()
                < 100
        );
        let l = run("cidrsubnets", &[s("10.1.0.0/16"), i(4), i(4), i(8), i(4)]);
        let got: Vec<&str> = l
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        assert_eq!(
            got,
            [
                "10.1.0.0/20",
                "10.1.16.0/20",
                "10.1.32.0/24",
                "10.1.48.0/20"
            ]
        );
    }

    #[test]
    fn strings_and_collections() {
        assert_eq!(
            run("format", &[s("snet-%s-%03d"), s("apim"), i(7)]).as_str(),
            Some("snet-apim-007")
        );
        assert_eq!(
            run("join", &[s(","), V::arr(vec![s("a"), s("b")], None)]).as_str(),
            Some("a,b")
        );
        assert_eq!(
            run("substr", &[s("hello world"), i(1), i(4)]).as_str(),
            Some("ello")
        );
        assert_eq!(
            run("substr", &[s("hello"), i(-3), i(-1)]).as_str(),
            Some("llo")
        );
        assert_eq!(
            run("replace", &[s("a-b-c"), s("-"), s("")]).as_str(),
            Some("abc")
        );
        assert_eq!(
            run("title", &[s("hello world")]).as_str(),
            Some("Hello World")
        );
        let m = run(
            "merge",
            &[
                V::obj(vec![(Key::new("a", None), i(1))], None),
                V::obj(vec![(Key::new("a", None), i(2))], None),
            ],
        );
        assert_eq!(m.get("a").and_then(|v| v.as_i64()), Some(2));
        let f = run(
            "flatten",
            &[V::arr(
                vec![V::arr(vec![i(1), V::arr(vec![i(2)], None)], None), i(3)],
                None,
            )],
        );
        assert_eq!(f.as_array().unwrap().len(), 3);
        let t = run("toset", &[V::arr(vec![s("b"), s("a"), s("b")], None)]);
        assert_eq!(
            t.as_array()
                .unwrap()
                .iter()
                .filter_map(|v| v.as_str())
                .collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(
            run("element", &[V::arr(vec![s("a"), s("b")], None), i(3)]).as_str(),
            Some("b")
        );
        assert_eq!(
            run("coalesce", &[V::null(None), s(""), s("x")]).as_str(),
            Some("x")
        );
        assert_eq!(
            run(
                "jsonencode",
                &[V::obj(
                    vec![(Key::new("b", None), i(1)), (Key::new("a", None), s("x"))],
                    None
                )]
            )
            .as_str(),
            Some("{\"a\":\"x\",\"b\":1}")
        );
        assert_eq!(
            run("base64decode", &[run("base64encode", &[s("héllo!")])]).as_str(),
            Some("héllo!")
        );
        assert_eq!(
            run("lookup", &[V::obj(vec![], None), s("k"), s("d")]).as_str(),
            Some("d")
        );
        assert_eq!(
            run(
                "setproduct",
                &[
                    V::arr(vec![s("a"), s("b")], None),
                    V::arr(vec![i(1), i(2)], None)
                ]
            )
            .as_array()
            .unwrap()
            .len(),
            4
        );
    }

    #[test]
    fn unknowns_propagate_and_symbols_stay_stable() {
        let sym = V::symbolic("no value", "${var.id}", None);
        let r = run("format", &[s("snet-%s"), sym.clone()]);
        assert_eq!(r.as_name(), Some("snet-${var.id}"));
        assert!(r.is_unknown());
        let r = run("lower", std::slice::from_ref(&sym));
        assert_eq!(r.as_name(), Some("${var.id}"));
        let r = run("cidrsubnet", &[V::unknown("x", None), i(2), i(1)]);
        assert!(r.is_unknown() && r.as_name().is_none());
        let r = run("length", &[V::arr(vec![V::unknown("x", None)], None)]);
        assert_eq!(r.as_i64(), Some(1));
        assert!(call("nosuchfunction", &[], None).is_none());
    }
}
