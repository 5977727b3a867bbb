//! STV504 external-forced-tunnel: an External instance whose subnet forces all traffic through an appliance or gateway.

use super::routing::{route_table, routes_unknown};
use super::{Ctx, Rule, Sink};
use crate::analysis::route::default_route;
use crate::code::Code;
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: Code::Stv504,
    name: "external-forced-tunnel",
    severity: Severity::Warning,
    summary: "An External instance's subnet sends its default route to an appliance or gateway",
    page: include_str!("../../rules/STV504.md"),
    check: Some(check),
};

/// In External mode clients reach the gateway's public address from the Internet; with
/// `0.0.0.0/0` to a firewall the replies leave through it and are dropped unless each client
/// range gets its own route to Internet (REQUIREMENTS.md R-UDR-3). Which ranges the clients
/// use is not in the code, so this is a warning.
fn check(ctx: &Ctx, sink: &mut Sink) {
    for site in &ctx.sites {
        sink.about(site);
        if site.is_internal() {
            continue;
        }
        let Some((subnet, rt)) = route_table(site, sink) else {
            continue;
        };
        let (route, hop) = match default_route(rt) {
            Ok(Some((r, h))) if h.tunnels() => (r, h),
            Ok(_) => continue,
            Err((reason, at)) => {
                sink.emit(routes_unknown(rt, &reason, at));
                continue;
            }
        };
        let d = sink
            .diag(format!(
                "{} is External, but route '{}' of route table '{}' sends 0.0.0.0/0 to {hop:?}: replies to clients on the Internet would leave through it and be dropped (asymmetric routing) unless every client range has its own route to Internet",
                site.label(),
                route.name,
                rt.meta.name
            ))
            .at(Some(super::field_in(route.next_hop.at, route.decl)))
            .label(format!("next hop {hop:?} takes the replies to Internet clients"))
            .resource(&rt.meta.label)
            .related(Some(route.decl), format!("route '{}'", route.name))
            .help("Add a route with next hop type Internet for each client address range, or use Internal mode behind an Application Gateway or Front Door.")
            .related(
                Some(subnet.meta.decl),
                format!("the API Management subnet '{}'", subnet.meta.key.names.join("/")),
            )
            .related(Some(site.loc.decl), format!("used by {}", site.label()))
            .identity(format!("{}|{}", rt.meta.key.names.join("/"), site.identity()));
        sink.emit(d);
    }
}
