//! STV507 invalid-route: a route of the API Management subnet's table that Azure rejects.

use super::routing::route_table;
use super::{Ctx, Rule, Sink};
use crate::analysis::route::Hop;
use crate::code::Code;
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: Code::Stv507,
    name: "invalid-route",
    severity: Severity::Error,
    summary: "A route has an invalid next hop, a misplaced next-hop IP, or its table has more than 25 service-tag routes",
    page: include_str!("../../rules/STV507.md"),
    check: Some(check),
};

/// Azure's limit on routes whose address prefix is a service tag, per route table.
const MAX_TAG_ROUTES: usize = 25;

/// The route-table rules Azure enforces (REQUIREMENTS.md R-UDR-7): a next-hop IP address is
/// required with `VirtualAppliance` and allowed with no other type; the next hop type is one of
/// the five user-settable values; at most 25 service-tag routes per table. The table is the
/// API Management subnet's: a rejected table fails the deployment that attaches it.
fn check(ctx: &Ctx, sink: &mut Sink) {
    for site in &ctx.sites {
        sink.about(site);
        let Some((_, rt)) = route_table(site, sink) else {
            continue;
        };
        let table = rt.meta.key.names.join("/");
        let mut tags = Vec::new();
        for r in &rt.routes {
            if let Some(p) = r.prefix.get() {
                // Service tags never contain '/', CIDRs always do.
                if !p.contains('/')
                    && !p.trim().is_empty()
                    && p.parse::<std::net::IpAddr>().is_err()
                {
                    tags.push(r);
                }
            }
            let Some(hop_text) = r.next_hop.get() else {
                continue;
            };
            let hop = Hop::parse(hop_text);
            let ip = r
                .next_hop_ip
                .as_ref()
                .filter(|f| f.get().map_or(true, |s| !s.trim().is_empty()));
            let problem = match (hop, ip) {
                (Hop::Other, _) => Some(format!(
                    "next hop type '{hop_text}' is not one of VirtualNetworkGateway, VnetLocal, Internet, VirtualAppliance, None"
                )),
                (Hop::VirtualAppliance, None) => {
                    Some("next hop type VirtualAppliance needs a next-hop IP address".to_string())
                }
                (h, Some(_)) if h != Hop::VirtualAppliance => Some(format!(
                    "a next-hop IP address is only allowed with next hop type VirtualAppliance, not {hop_text}"
                )),
                _ => None,
            };
            if let Some(problem) = problem {
                let d = sink
                    .diag(format!(
                        "route '{}' of route table '{}': {problem}; Azure rejects the route table",
                        r.name, rt.meta.name
                    ))
                    .at(Some(super::field_in(r.next_hop.at, r.decl)))
                    .label(match ip {
                        Some(_) if hop != Hop::Other => format!("next-hop IP address with {hop_text}"),
                        _ => problem.clone(),
                    })
                    .resource(&rt.meta.label)
                    .related(Some(r.decl), format!("route '{}'", r.name))
                    .help("Use next hop type VirtualAppliance with the appliance's private IP address, or another next hop type without an IP address.")
                    .identity(format!("{table}|{}", r.name));
                sink.emit(d);
            }
        }
        if tags.len() > MAX_TAG_ROUTES {
            let d = sink
                .diag(format!(
                    "route table '{}' has {} routes whose address prefix is a service tag; Azure allows at most {MAX_TAG_ROUTES}",
                    rt.meta.name,
                    tags.len()
                ))
                .at(Some(tags[MAX_TAG_ROUTES].decl))
                .label(format!("service-tag route {} of at most {MAX_TAG_ROUTES}", MAX_TAG_ROUTES + 1))
                .resource(&rt.meta.label)
                .help("Merge regional tag routes into their global tag, or split the routes over the subnets' tables.")
                .identity(format!("{table}|tag-routes"));
            sink.emit(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Field, Route};
    use crate::rules::testkit::*;
    use crate::source::{FileId, Span};

    fn tag_route(i: usize) -> Route {
        Route {
            name: format!("tag{i}"),
            decl: Span::new(FileId(0), 300 + i, 301 + i),
            prefix: Field::known(format!("Storage.Region{i}"), sp(300 + i)),
            prefix_shape: None,
            next_hop: Field::known("Internet".into(), sp(300 + i)),
            next_hop_ip: None,
            deployed: None,
        }
    }

    fn with_tag_routes(n: usize) -> crate::model::Workspace {
        let mut rt = forced_tunnel("rt", 200);
        rt.routes.extend((0..n).map(tag_route));
        let mut s = subnet("vnet", "apim", &["10.0.0.0/27"], 10);
        s.route_table = Some(Field::known(rt_id("rt"), sp(12)));
        let mut w = ws(
            vec![apim("a", "Premium", "Internal", 1, 100)],
            vec![s],
            vec![],
        );
        w.route_tables.push(rt);
        w.link();
        w
    }

    #[test]
    fn at_most_25_service_tag_routes_per_table() {
        assert!(run(Code::Stv507, &with_tag_routes(25)).is_empty());
        let d = run(Code::Stv507, &with_tag_routes(26));
        // At the 26th tag route; the CIDR default route does not count.
        assert_eq!(at(&d), vec![(Code::Stv507, Some(325))]);
        assert!(d[0].message.contains("26 routes"));
    }
}
