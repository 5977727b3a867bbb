//! The ARM template function library (pure functions), shared with the Bicep front end.
//! Context functions (`parameters`, `variables`, `reference`, `copyIndex`, lambdas) are handled
//! by each evaluator; everything else is here.
//!
//! Unknown arguments give unknown results. Where a value is unknowable but stable within a
//! deployment (`resourceGroup().name`, `uniqueString(...)`), the result is a *symbolic* unknown
//! so that names built from it still link resources together.

use crate::frontend::cidr;
use crate::frontend::kernel::budget;
use crate::frontend::kernel::text::{self, Joined, Style};
use crate::model::{IdScope, ResourceId};
use crate::model::{Key, Unknown, VKind, V};
use crate::source::Span;
use ipnet::{IpNet, Ipv4Net};
use std::net::Ipv4Addr;

mod collections;
mod logic;
mod network;
mod scope;
mod strings;
use collections::*;
pub use network::*;
pub use strings::*;

/// Call a pure ARM function by name (case-insensitive). `None` when the library does not know
/// the function; the caller reports it. Unknown arguments propagate to unknown results.
pub fn call(name: &str, args: &[V], span: Option<Span>) -> Option<V> {
    let lname = name.to_ascii_lowercase();
    let l = lname.as_str();
    scope::call(l, name, args, span)
        .or_else(|| logic::call(l, name, args, span))
        .or_else(|| strings::call(l, name, args, span))
        .or_else(|| collections::call(l, name, args, span))
        .or_else(|| network::call(l, name, args, span))
        // The rest of the documented pure functions (dates, URIs, encodings).
        .or_else(|| super::builtins::call(l, args, span))
}

fn arity(name: &str, span: Option<Span>) -> V {
    V::unknown(
        format!("{name}() called with the wrong number of arguments"),
        span,
    )
}

/// An unknown result caused by `cause` (keeps its reason, drops its symbol).
pub use crate::frontend::kernel::access::unknown_from;

fn unknown_from2(a: &V, b: &V, span: Option<Span>) -> V {
    if a.is_unknown() || a.find_unknown().is_some() {
        unknown_from(a, span)
    } else {
        unknown_from(b, span)
    }
}

/// The first argument that is unknown and not stable (symbolic).
fn first_unstable(args: &[V]) -> Option<Unknown> {
    args.iter().find_map(|a| match &a.kind {
        VKind::Unknown(u) if u.sym.is_none() => Some(Unknown::new(u.reason.clone(), None)),
        _ => None,
    })
}

/// Text of a value inside a symbolic placeholder.
fn sym_text(v: &V) -> String {
    match &v.kind {
        VKind::Str(s) => format!("'{s}'"),
        VKind::Unknown(u) if let Some(s) = &u.sym => s.to_string(),
        _ => v.show(),
    }
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
    fn c(name: &str, args: &[V]) -> V {
        call(name, args, None).expect(name)
    }

    #[test]
    fn strings() {
        assert_eq!(c("concat", &[s("a"), i(1), s("b")]).as_str(), Some("a1b"));
        assert_eq!(
            c("format", &[s("{0}-{1}{{x}}"), s("a"), i(2)]).as_str(),
            Some("a-2{x}")
        );
        assert_eq!(c("toLower", &[s("AbC")]).as_str(), Some("abc"));
        assert_eq!(
            c("substring", &[s("hello"), i(1), i(3)]).as_str(),
            Some("ell")
        );
        assert_eq!(
            c("split", &[s("a/b/c"), s("/")]).as_array().unwrap().len(),
            3
        );
        assert_eq!(
            c("replace", &[s("a-b"), s("-"), s("")]).as_str(),
            Some("ab")
        );
        assert_eq!(c("padLeft", &[i(7), i(3), s("0")]).as_str(), Some("007"));
        assert_eq!(
            c("uri", &[s("https://x/a/b.json"), s("c.json")]).as_str(),
            Some("https://x/a/c.json")
        );
    }

    #[test]
    fn symbolic_names_stay_linkable() {
        let rg = c("resourceGroup", &[]);
        let name = c(
            "concat",
            &[
                s("vnet-"),
                c("uniqueString", &[rg.get("id").unwrap().clone()]),
            ],
        );
        assert!(name.is_unknown());
        assert_eq!(
            name.as_name(),
            Some("vnet-uniqueString(resourceGroup().id)")
        );
        let id = c(
            "resourceId",
            &[
                s("Microsoft.Network/virtualNetworks/subnets"),
                name,
                s("apim"),
            ],
        );
        let key = crate::model::ResKey::from_id(id.as_str().unwrap()).unwrap();
        assert_eq!(
            key.names,
            vec!["vnet-uniquestring(resourcegroup().id)", "apim"]
        );
        // A truly unknown argument makes the result unknown.
        let u = c("concat", &[s("a"), V::unknown("nope", None)]);
        assert!(u.is_unknown() && u.as_name().is_none());
    }

    #[test]
    fn resource_ids() {
        let id = c(
            "resourceId",
            &[
                s("Microsoft.Network/virtualNetworks/subnets"),
                s("v"),
                s("s"),
            ],
        );
        assert_eq!(
            id.as_str(),
            Some("/subscriptions/{subscription}/resourceGroups/{resourceGroup}/providers/Microsoft.Network/virtualNetworks/v/subnets/s")
        );
        let id = c(
            "resourceId",
            &[
                s("rg2"),
                s("Microsoft.Network/networkSecurityGroups"),
                s("n"),
            ],
        );
        assert!(id.as_str().unwrap().contains("/resourceGroups/rg2/"));
        let id = c(
            "resourceId",
            &[
                s("sub"),
                s("rg"),
                s("Microsoft.Network/virtualNetworks/subnets"),
                s("v/s"),
            ],
        );
        assert!(id
            .as_str()
            .unwrap()
            .ends_with("virtualNetworks/v/subnets/s"));
    }

    #[test]
    fn logic_and_unknowns() {
        let u = V::unknown("p has no value", None);
        assert_eq!(
            c("if", &[V::bool(true, None), i(1), i(2)]).as_i64(),
            Some(1)
        );
        assert!(c("if", &[u.clone(), i(1), i(2)]).is_unknown());
        assert_eq!(c("if", &[u.clone(), i(1), i(1)]).as_i64(), Some(1));
        assert_eq!(
            c("or", &[u.clone(), V::bool(true, None)]).as_bool(),
            Some(true)
        );
        assert!(c("and", &[u.clone(), V::bool(true, None)]).is_unknown());
        assert_eq!(c("equals", &[s("a"), s("a")]).as_bool(), Some(true));
        assert_eq!(c("greaterOrEquals", &[i(3), i(2)]).as_bool(), Some(true));
        assert!(call("noSuchFunction", &[], None).is_none());
    }

    #[test]
    fn collections() {
        let a = V::arr(vec![i(1), i(2)], None);
        assert_eq!(c("length", std::slice::from_ref(&a)).as_i64(), Some(2));
        assert_eq!(
            c("union", &[a.clone(), V::arr(vec![i(2), i(3)], None)])
                .as_array()
                .unwrap()
                .len(),
            3
        );
        assert_eq!(c("contains", &[a.clone(), i(2)]).as_bool(), Some(true));
        assert_eq!(c("range", &[i(0), i(3)]).as_array().unwrap().len(), 3);
        let o = c("createObject", &[s("a"), i(1)]);
        assert_eq!(o.get("A").unwrap().as_i64(), Some(1));
        let m = c("union", &[o.clone(), c("createObject", &[s("b"), i(2)])]);
        assert_eq!(m.as_object().unwrap().len(), 2);
        assert!(c("tryGet", &[o, s("zz")]).is_null());
    }

    #[test]
    fn cidr_functions() {
        assert_eq!(
            c("cidrSubnet", &[s("10.0.0.0/16"), i(24), i(3)]).as_str(),
            Some("10.0.3.0/24")
        );
        assert_eq!(
            c("cidrHost", &[s("10.0.1.0/24"), i(0)]).as_str(),
            Some("10.0.1.1")
        );
        let p = c("parseCidr", &[s("10.1.2.0/23")]);
        assert_eq!(p.get("cidr").unwrap().as_i64(), Some(23));
        assert_eq!(p.get("broadcast").unwrap().as_str(), Some("10.1.3.255"));
        assert!(c("cidrSubnet", &[s("10.0.0.0/16"), i(8), i(0)]).is_unknown());
    }
}

#[cfg(test)]
mod overflow_tests {
    use super::*;

    fn s(x: &str) -> V {
        V::str(x, None)
    }
    fn i(x: i64) -> V {
        V::int(x, None)
    }

    /// Huge numbers from a template must give an unknown or a value, never an overflow panic.
    #[test]
    fn huge_numbers_do_not_overflow() {
        let r = call("range", &[i(i64::MAX), i(2)], None).unwrap();
        assert!(r.is_unknown(), "{}", r.show());
        let r = call("cidrHost", &[s("10.0.0.0/24"), i(i64::MAX)], None).unwrap();
        assert!(r.is_unknown(), "{}", r.show());
        let r = call("format", &[s("{18446744073709551615}"), s("a")], None).unwrap();
        assert!(r.is_unknown(), "{}", r.show());
    }

    /// The edges of ARM's CIDR functions (the arithmetic is shared with Terraform's).
    #[test]
    fn cidr_edges() {
        let c = |n: &str, a: &[V]| call(n, a, None).unwrap();
        assert_eq!(
            c("cidrHost", &[s("10.0.0.0/24"), i(254)]).as_str(),
            Some("10.0.0.255")
        );
        assert!(c("cidrHost", &[s("10.0.0.0/24"), i(255)]).is_unknown());
        assert!(c("cidrHost", &[s("10.0.0.1"), i(0)]).is_unknown());
        assert!(c("cidrHost", &[s("10.0.0.0/24"), i(-1)]).is_unknown());
        assert_eq!(
            c("cidrSubnet", &[s("10.0.0.0/16"), i(32), i(65535)]).as_str(),
            Some("10.0.255.255/32")
        );
        assert!(c("cidrSubnet", &[s("10.0.0.0/16"), i(33), i(0)]).is_unknown());
        assert!(c("cidrSubnet", &[s("10.0.0.0/16"), i(-1), i(0)]).is_unknown());
        assert!(c("cidrSubnet", &[s("fd00::/48"), i(64), i(0)]).is_unknown());
        let p = c("parseCidr", &[s("10.0.0.5/31")]);
        let f = |k: &str| p.get(k).unwrap().as_str().unwrap().to_string();
        assert_eq!(f("network"), "10.0.0.4");
        assert_eq!(f("netmask"), "255.255.255.254");
        assert_eq!(f("broadcast"), "10.0.0.5");
        assert_eq!(f("firstUsable"), "10.0.0.5");
        assert_eq!(f("lastUsable"), "10.0.0.4");
        let p = c("parseCidr", &[s("0.0.0.0/0")]);
        assert_eq!(
            p.get("broadcast").unwrap().as_str(),
            Some("255.255.255.255")
        );
        assert_eq!(p.get("netmask").unwrap().as_str(), Some("0.0.0.0"));
    }
}
