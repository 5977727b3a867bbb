//! Route selection (longest prefix, then user routes over system routes) for what stv2 needs: the subnet's default route and the
//! path traffic to a service tag takes. Tag routes are more specific than `0.0.0.0/0`; between
//! tag routes a regional tag beats its global tag, which beats `AzureCloud.<region>`, which beats
//! `AzureCloud`. BGP routes are invisible to code and not modelled.

use super::tags::norm_region;
use crate::model::{Route, RouteTable};
use crate::source::Span;

/// A route's next hop type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hop {
    Internet,
    VirtualAppliance,
    VirtualNetworkGateway,
    VnetLocal,
    /// Drop.
    None,
    Other,
}

impl Hop {
    pub fn parse(s: &str) -> Hop {
        match s.trim().to_ascii_lowercase().as_str() {
            "internet" => Hop::Internet,
            "virtualappliance" => Hop::VirtualAppliance,
            "virtualnetworkgateway" => Hop::VirtualNetworkGateway,
            "vnetlocal" => Hop::VnetLocal,
            "none" => Hop::None,
            _ => Hop::Other,
        }
    }
    /// Forced tunnelling: the default route leaves through an appliance or a gateway.
    pub fn tunnels(self) -> bool {
        matches!(self, Hop::VirtualAppliance | Hop::VirtualNetworkGateway)
    }
}

/// Why something is not known, and where.
pub type Unk = (String, Option<Span>);

pub fn is_default_prefix(p: &str) -> bool {
    matches!(p.trim(), "0.0.0.0/0")
}

fn hop_of(r: &Route) -> Result<Hop, Unk> {
    match &r.next_hop.val {
        Ok(h) => Ok(Hop::parse(h)),
        Err(e) => Err((
            format!("the next hop of route '{}' is unknown: {e}", r.name),
            r.next_hop.origin().or(r.next_hop.at),
        )),
    }
}

fn unknown_routes(rt: &RouteTable) -> Option<Unk> {
    rt.routes_unknown.as_ref().map(|(reason, at)| {
        (
            format!(
                "the routes of route table '{}' are not known: {reason}",
                rt.meta.name
            ),
            *at,
        )
    })
}

/// Whether a route whose prefix is unknown may still be `0.0.0.0/0` (its known text may
/// rule it out: `"${ip}/32"`).
fn may_be_default(r: &Route) -> bool {
    r.prefix_shape
        .as_ref()
        .map_or(true, |s| s.may_be("0.0.0.0/0"))
}

/// Whether a route whose prefix is unknown may still be service tag `tag` or one of its
/// regional forms (`tag.<region>`). Service tags never contain `/`; CIDRs always do.
fn may_be_tag(r: &Route, tag: &str) -> bool {
    let Some(s) = &r.prefix_shape else {
        return true;
    };
    if s.contains('/') {
        return false;
    }
    let (p, t) = (s.prefix.to_ascii_lowercase(), tag.to_ascii_lowercase());
    if p.len() <= t.len() {
        t.starts_with(&p)
    } else {
        p.starts_with(&format!("{t}."))
    }
}

/// The route every destination without a more specific route takes: routes to one next hop
/// whose longer prefixes together cover every address ([`covering_default`]), which shadow a
/// `0.0.0.0/0` route entirely, else the table's `0.0.0.0/0` route.
pub fn default_route(rt: &RouteTable) -> Result<Option<(&Route, Hop)>, Unk> {
    let mut doubt = unknown_routes(rt);
    let cover = covering_default(rt);
    for r in &rt.routes {
        match &r.prefix.val {
            Ok(p) if is_default_prefix(p) => {
                return match cover {
                    Some(c) => Ok(Some(c)),
                    None => hop_of(r).map(|h| Some((r, h))),
                }
            }
            Ok(_) => {}
            Err(_) if !may_be_default(r) => {}
            Err(e) => {
                doubt.get_or_insert((
                    format!("the address prefix of route '{}' is unknown: {e}", r.name),
                    r.prefix.origin().or(r.prefix.at),
                ));
            }
        }
    }
    match doubt {
        Some(u) => Err(u),
        None => Ok(cover),
    }
}

/// Routes to one next hop whose prefixes together cover every IPv4 address (`0.0.0.0/1` and
/// `128.0.0.0/1` to a firewall, a common way to override the default route): by longest prefix
/// match every destination without a more specific route takes them, as it would a
/// `0.0.0.0/0` route. The first of them stands for the set.
pub fn covering_default(rt: &RouteTable) -> Option<(&Route, Hop)> {
    let mut by_hop: Vec<(Hop, &Route, Vec<ipnet::Ipv4Net>)> = Vec::new();
    for r in &rt.routes {
        let (Ok(p), Ok(h)) = (&r.prefix.val, hop_of(r)) else {
            continue;
        };
        let Ok(net) = p.trim().parse::<ipnet::Ipv4Net>() else {
            continue;
        };
        // A `0.0.0.0/0` route is what a cover would stand in for, not part of one.
        if net.prefix_len() == 0 {
            continue;
        }
        match by_hop.iter_mut().find(|(x, _, _)| *x == h) {
            Some((_, _, nets)) => nets.push(net.trunc()),
            None => by_hop.push((h, r, vec![net.trunc()])),
        }
    }
    by_hop.into_iter().find_map(|(h, first, nets)| {
        ipnet::Ipv4Net::aggregate(&nets)
            .iter()
            .any(|n| n.prefix_len() == 0)
            .then_some((first, h))
    })
}

/// Which kind of route carries traffic to a service tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    /// `Tag.<own region>`.
    RegionalTag,
    Tag,
    /// `AzureCloud.<own region>`.
    RegionalAzureCloud,
    AzureCloud,
    /// The `0.0.0.0/0` route of the table.
    Default,
    /// No user route: the system default route to Internet.
    System,
}

#[derive(Clone, Copy, Debug)]
pub struct TagPath<'a> {
    pub route: Option<&'a Route>,
    pub hop: Hop,
    pub via: Via,
}

/// The route traffic from the subnet to service tag `tag` takes, for an instance in `region`.
pub fn path_to_tag<'a>(
    rt: &'a RouteTable,
    tag: &str,
    region: Option<&str>,
) -> Result<TagPath<'a>, Unk> {
    if let Some(u) = unknown_routes(rt) {
        return Err(u);
    }
    let region = region.map(norm_region);
    let cover = covering_default(rt).map(|(r, _)| r);
    let mut best: Option<(u8, &Route, Via)> = None;
    for r in &rt.routes {
        let p = match &r.prefix.val {
            Ok(p) => p.trim(),
            // Known text that rules out every candidate: the route cannot matter here.
            Err(_) if !may_be_default(r) && !may_be_tag(r, tag) && !may_be_tag(r, "AzureCloud") => {
                continue
            }
            Err(e) => {
                return Err((
                    format!("the address prefix of route '{}' is unknown: {e}", r.name),
                    r.prefix.origin().or(r.prefix.at),
                ))
            }
        };
        let (name, reg) = match p.split_once('.') {
            Some((n, r)) => (n, Some(norm_region(r))),
            None => (p, None),
        };
        let own = reg.is_some() && reg == region;
        let cand = if name.eq_ignore_ascii_case(tag) && own {
            Some((5, Via::RegionalTag))
        } else if name.eq_ignore_ascii_case(tag) && reg.is_none() {
            Some((4, Via::Tag))
        } else if name.eq_ignore_ascii_case("AzureCloud") && own {
            Some((3, Via::RegionalAzureCloud))
        } else if name.eq_ignore_ascii_case("AzureCloud") && reg.is_none() {
            Some((2, Via::AzureCloud))
        } else if cover.map_or(is_default_prefix(p), |c| std::ptr::eq(c, r)) {
            Some((1, Via::Default))
        } else {
            None
        };
        if let Some((rank, via)) = cand {
            if best.as_ref().map_or(true, |(b, _, _)| *b < rank) {
                best = Some((rank, r, via));
            }
        }
    }
    match best {
        Some((_, r, via)) => Ok(TagPath {
            route: Some(r),
            hop: hop_of(r)?,
            via,
        }),
        None => Ok(TagPath {
            route: None,
            hop: Hop::Internet,
            via: Via::System,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Field, Format, Meta, ResKey};
    use crate::source::{FileId, Span};

    fn sp(n: usize) -> Span {
        Span::new(FileId(0), n, n + 1)
    }
    fn route(name: &str, prefix: &str, hop: &str) -> Route {
        Route {
            name: name.into(),
            decl: sp(1),
            prefix: Field::known(prefix.into(), None),
            prefix_shape: None,
            next_hop: Field::known(hop.into(), None),
            next_hop_ip: None,
            deployed: None,
        }
    }
    fn table(routes: Vec<Route>) -> RouteTable {
        RouteTable {
            meta: Meta {
                key: ResKey::new("Microsoft.Network/routeTables", "rt", None),
                label: "rt".into(),
                name: "rt".into(),
                decl: sp(0),
                format: Format::Arm,
                suppress: vec![],
                unit: crate::model::UnitId::NONE,
            },
            location: None,
            routes,
            routes_unknown: None,
            disable_bgp: None,
        }
    }

    #[test]
    fn halves_of_the_address_space_to_one_hop_are_the_default_route() {
        let rt = table(vec![
            route("low", "0.0.0.0/1", "VirtualAppliance"),
            route("lan", "10.0.0.0/8", "VnetLocal"),
            route("high", "128.0.0.0/1", "VirtualAppliance"),
        ]);
        let (r, h) = default_route(&rt).unwrap().unwrap();
        assert_eq!((r.name.as_str(), h), ("low", Hop::VirtualAppliance));
        let p = path_to_tag(&rt, "ApiManagement", None).unwrap();
        assert_eq!((p.via, p.hop), (Via::Default, Hop::VirtualAppliance));
        // Halves to different hops, or half the space alone, are no default route.
        let split = table(vec![
            route("low", "0.0.0.0/1", "VirtualAppliance"),
            route("high", "128.0.0.0/1", "Internet"),
        ]);
        assert!(default_route(&split).unwrap().is_none());
        let half = table(vec![route("low", "0.0.0.0/1", "VirtualAppliance")]);
        assert!(default_route(&half).unwrap().is_none());
        // Halves shadow a 0.0.0.0/0 route to another hop.
        let mut shadowed = rt.clone();
        shadowed
            .routes
            .insert(0, route("zero", "0.0.0.0/0", "Internet"));
        let (r, h) = default_route(&shadowed).unwrap().unwrap();
        assert_eq!((r.name.as_str(), h), ("low", Hop::VirtualAppliance));
        let p = path_to_tag(&shadowed, "ApiManagement", None).unwrap();
        assert_eq!((p.via, p.hop), (Via::Default, Hop::VirtualAppliance));
        // An ApiManagement route still wins over the halves.
        let mut with_tag = rt.clone();
        with_tag
            .routes
            .push(route("apim", "ApiManagement", "Internet"));
        let p = path_to_tag(&with_tag, "ApiManagement", None).unwrap();
        assert_eq!((p.via, p.hop), (Via::Tag, Hop::Internet));
    }

    #[test]
    fn finds_the_default_route() {
        let rt = table(vec![
            route("a", "10.0.0.0/8", "VnetLocal"),
            route("b", "0.0.0.0/0", "virtualappliance"),
        ]);
        let (r, h) = default_route(&rt).unwrap().unwrap();
        assert_eq!(r.name, "b");
        assert!(h.tunnels());
        assert!(default_route(&table(vec![])).unwrap().is_none());
        let mut unk = route("c", "x", "None");
        unk.prefix = Field::unknown("param", Some(sp(5)));
        assert!(default_route(&table(vec![unk.clone()])).is_err());
        // A known default route wins over an unknown other route.
        let rt = table(vec![unk, route("d", "0.0.0.0/0", "None")]);
        assert_eq!(default_route(&rt).unwrap().unwrap().1, Hop::None);
    }

    #[test]
    fn tag_routes_beat_the_default_route() {
        let rt = table(vec![
            route("fw", "0.0.0.0/0", "VirtualAppliance"),
            route("apim", "ApiManagement", "Internet"),
        ]);
        let p = path_to_tag(&rt, "ApiManagement", Some("westeurope")).unwrap();
        assert_eq!((p.via, p.hop), (Via::Tag, Hop::Internet));
        let rt = table(vec![
            route("fw", "0.0.0.0/0", "VirtualAppliance"),
            route("apim", "ApiManagement.WestEurope", "Internet"),
        ]);
        let p = path_to_tag(&rt, "apimanagement", Some("West Europe")).unwrap();
        assert_eq!(p.via, Via::RegionalTag);
        let p = path_to_tag(&rt, "ApiManagement", Some("northeurope")).unwrap();
        assert_eq!((p.via, p.hop), (Via::Default, Hop::VirtualAppliance));
        let rt = table(vec![
            route("apim", "ApiManagement", "VirtualAppliance"),
            route("apim-we", "ApiManagement.WestEurope", "Internet"),
        ]);
        let p = path_to_tag(&rt, "ApiManagement", Some("westeurope")).unwrap();
        assert_eq!(p.route.unwrap().name, "apim-we");
        let empty = table(vec![]);
        let p = path_to_tag(&empty, "Storage", None).unwrap();
        assert_eq!((p.via, p.hop), (Via::System, Hop::Internet));
        let rt = table(vec![
            route("cloud", "AzureCloud", "Internet"),
            route("fw", "0.0.0.0/0", "VirtualNetworkGateway"),
        ]);
        assert_eq!(path_to_tag(&rt, "Sql", None).unwrap().via, Via::AzureCloud);
    }

    fn shaped(name: &str, prefix: &str, suffix: &str) -> Route {
        let mut r = route(name, "", "VirtualAppliance");
        r.prefix = Field::unknown("parameter 'ip' has no value", Some(sp(7)));
        r.prefix_shape = Some(crate::model::Shape {
            prefix: prefix.into(),
            suffix: suffix.into(),
        });
        r
    }

    #[test]
    fn an_unknown_prefix_whose_known_text_rules_it_out_does_not_block() {
        // `"${ip}/32"`: neither 0.0.0.0/0 nor a service tag.
        let host = shaped("host", "", "/32");
        let rt = table(vec![
            host.clone(),
            route("fw", "0.0.0.0/0", "VirtualAppliance"),
        ]);
        assert_eq!(default_route(&rt).unwrap().unwrap().0.name, "fw");
        let p = path_to_tag(&rt, "ApiManagement", None).unwrap();
        assert_eq!(p.via, Via::Default);
        let rt = table(vec![
            host,
            route("fw", "0.0.0.0/0", "VirtualAppliance"),
            route("apim", "ApiManagement", "Internet"),
        ]);
        assert_eq!(
            path_to_tag(&rt, "ApiManagement", None).unwrap().via,
            Via::Tag
        );
        // `"${ip}/0"` may be 0.0.0.0/0; `"ApiManagement.${region}"` may be the tag: undecided.
        let rt = table(vec![shaped("any", "", "/0")]);
        assert!(default_route(&rt).is_err());
        let rt = table(vec![shaped("regional", "ApiManagement.", "")]);
        assert!(default_route(&rt).unwrap().is_none());
        assert!(path_to_tag(&rt, "ApiManagement", None).is_err());
        assert!(path_to_tag(&rt, "Storage", None).is_ok());
        // A prefix like `"Azure${x}"` may be AzureCloud, which carries every tag's traffic.
        let rt = table(vec![shaped("cloud", "Azure", "")]);
        assert!(path_to_tag(&rt, "Storage", None).is_err());
    }
}
