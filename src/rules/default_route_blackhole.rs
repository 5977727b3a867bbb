//! STV503 default-route-blackhole: A default route with next hop None drops all traffic.

use super::routing::{route_table, routes_unknown};
use super::{Ctx, Rule, Sink};
use crate::analysis::route::{default_route, Hop};
use crate::code::Code;
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: Code::Stv503,
    name: "default-route-blackhole",
    severity: Severity::Error,
    summary: "A default route with next hop None drops all traffic",
    page: include_str!("../../rules/STV503.md"),
    check: Some(check),
};

/// `0.0.0.0/0` → `None` drops everything that leaves the subnet: Storage, SQL, Key Vault and
/// the control plane's replies (rules/STV502.md).
fn check(ctx: &Ctx, sink: &mut Sink) {
    for site in &ctx.sites {
        sink.about(site);
        let Some((subnet, rt)) = route_table(site, sink) else {
            continue;
        };
        let route = match default_route(rt) {
            Ok(Some((r, Hop::None))) => r,
            Ok(_) => continue,
            Err((reason, at)) => {
                sink.emit(routes_unknown(rt, &reason, at));
                continue;
            }
        };
        let subnet_name = subnet.meta.key.names.join("/");
        let d = sink
            .diag(format!(
                "route '{}' of route table '{}' sends 0.0.0.0/0 to next hop None: every dependency of API Management (Storage, SQL, Key Vault, the control plane) is dropped",
                route.name, rt.meta.name
            ))
            .at(Some(super::field_in(route.next_hop.at, route.decl)))
            .label("next hop None for 0.0.0.0/0 drops every dependency")
            .resource(&rt.meta.label)
            .related(Some(route.decl), format!("route '{}'", route.name))
            .help(format!(
                "Send 0.0.0.0/0 to Internet or to a firewall (VirtualAppliance with its address) that allows the API Management dependencies, and add a route ApiManagement → Internet; or remove route '{}'.",
                route.name
            ))
            .related(Some(subnet.meta.decl), format!("the API Management subnet '{subnet_name}'"))
            .related(Some(site.loc.decl), format!("used by {}", site.label()))
            .identity(format!("{}|{}|blackhole", rt.meta.key.names.join("/"), route.name));
        sink.emit(d);
    }
}
