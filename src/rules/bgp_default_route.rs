//! STV508 bgp-default-route: the subnet accepts gateway routes (its VNet's gateway or a peered hub's), so a BGP default route can force-tunnel it.

use super::routing::route_table;
use super::{Ctx, Resolved, Rule, Sink};
use crate::analysis::route::default_route;
use crate::code::Code;
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: Code::Stv508,
    name: "bgp-default-route",
    severity: Severity::Info,
    summary: "The subnet takes BGP routes from a gateway in its VNet or a peered hub's; an advertised default route would force-tunnel it",
    page: include_str!("../../rules/STV508.md"),
    check: Some(check),
};

/// A VPN or ExpressRoute gateway can advertise `0.0.0.0/0` over BGP; the code cannot show it,
/// but it shows the two things it needs (REQUIREMENTS.md R-UDR-8): a `GatewaySubnet` in the
/// API Management subnet's VNet (or a peering of it with `useRemoteGateways`), and route propagation left on with no user default route
/// (a user `0.0.0.0/0` beats a BGP one of the same prefix).
fn check(ctx: &Ctx, sink: &mut Sink) {
    for site in &ctx.sites {
        sink.about(site);
        let Resolved::Found(subnet) = site.subnet else {
            continue;
        };
        let key = &subnet.meta.key;
        // The gateway in the subnet's own VNet, else a hub's that a peering uses.
        let (gateway, source) = match ctx.ws.gateway_subnet_of(subnet) {
            Some(g) => (
                g.meta.decl,
                format!("the gateway in VNet '{}'", subnet.vnet),
            ),
            None => match ctx.ws.remote_gateway_peering_of(subnet) {
                Some(p) => (
                    p.meta.decl,
                    format!(
                        "a remote gateway through peering '{}' of VNet '{}' (useRemoteGateways)",
                        p.meta.name, subnet.vnet
                    ),
                ),
                None => continue,
            },
        };
        let rt = route_table(site, sink).map(|(_, rt)| rt);
        if let Some(rt) = rt {
            match default_route(rt) {
                Ok(None) => {}
                // A user default route (STV501/STV503 judge it) or routes not known.
                _ => continue,
            }
            if let Some(f) = &rt.disable_bgp {
                if f.get() != Some(&false) {
                    continue;
                }
            }
        }
        let subnet_name = key.names.join("/");
        let (at, resource, fix) = match rt {
            Some(rt) => (
                rt.disable_bgp.as_ref().and_then(|f| f.at).unwrap_or(rt.meta.decl),
                rt.meta.label.clone(),
                format!("Set disableBgpRoutePropagation to true on route table '{}' (Terraform: bgp_route_propagation_enabled = false), or add routes for ApiManagement → Internet that hold if a default route is advertised.", rt.meta.name),
            ),
            None => (
                subnet.meta.decl,
                subnet.meta.label.clone(),
                "Attach a route table with BGP route propagation disabled, or one with an ApiManagement → Internet route.".to_string(),
            ),
        };
        let d = sink
            .diag(format!(
                "subnet '{subnet_name}' takes routes from {source} (BGP route propagation is on): a default route advertised by ExpressRoute or VPN would force-tunnel {} without the ApiManagement → Internet route it then needs",
                site.label()
            ))
            .at(Some(at))
            .label("takes a default route by BGP without the ApiManagement route")
            .resource(&resource)
            .help(fix)
            .related(
                Some(gateway),
                if source.starts_with("the gateway in") {
                    "the gateway subnet"
                } else {
                    "the peering that uses the remote gateway"
                },
            )
            .related(Some(site.loc.decl), format!("used by {}", site.label()))
            .identity(format!("{subnet_name}|{}", site.identity()));
        sink.emit(d);
    }
}
