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
use crate::model::{Key, VKind, V};
use crate::source::Span;
use ipnet::IpNet;

mod collections;
mod encoding;
mod network;
mod numbers;
mod strings;
use numbers::*;
use strings::*;

type R = Option<Result<V, String>>;

/// Lists longer than this are not built (`range`, `setproduct`, `cidrsubnets`).
const MAX_LEN: usize = 100_000;

/// Terraform's built-in functions, as documented (see the file's header).
pub const NAMES: &str = include_str!("../function_names.txt");

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
    numbers::call(name, args, span)
        .or_else(|| strings::call(name, args, span))
        .or_else(|| collections::call(name, args, span))
        .or_else(|| encoding::call(name, args, span))
        .or_else(|| network::call(name, args, span))
        .or_else(|| match name {
            "type" => Some(Ok(V::unknown("type() is for the console only", span))),
            _ => None,
        })
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

// ---------------------------------------------------------------------------------------------
// CIDR functions (IPv4 and IPv6), as Terraform computes them; the arithmetic is in
// `frontend::cidr`, shared with ARM.

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
        // A /pattern/ is an RE2 regular expression; `$1` in the replacement is its group.
        assert_eq!(
            run("replace", &[s("UK South"), s("/\\s/"), s("")]).as_str(),
            Some("UKSouth")
        );
        assert_eq!(
            run("replace", &[s("snet-apim-01"), s("/-([0-9]+)$/"), s("_$1")]).as_str(),
            Some("snet-apim_01")
        );
        assert!(run("replace", &[s("x"), s("/(/"), s("")]).is_unknown());
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
