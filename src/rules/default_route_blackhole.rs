//! STV503 default-route-blackhole: a default route, or a dependency's service-tag route, with next hop None drops traffic.

use super::flows::flows;
use super::routing::{route_table, routes_unknown};
use super::{Ctx, Rule, Sink, Site};
use crate::analysis::route::{default_route, path_to_tag, Hop, Via};
use crate::code::Code;
use crate::diagnostic::Severity;
use crate::model::{Direction, Route, RouteTable, Subnet};

pub const RULE: Rule = Rule {
    code: Code::Stv503,
    name: "default-route-blackhole",
    severity: Severity::Error,
    summary:
        "A default route, or a dependency's service-tag route, with next hop None drops traffic",
    page: include_str!("../../rules/STV503.md"),
    check: Some(check),
};

/// `0.0.0.0/0` → `None` drops everything that leaves the subnet: Storage, SQL, Key Vault and
/// the control plane's replies. A service-tag route to `None` (`Storage`, `Sql`, `AzureCloud`…)
/// drops the required flows to the services it covers, and beats the same-prefix system route of
/// a service endpoint (UDR > system, REQUIREMENTS.md §4). The control plane's tag is STV501's
/// (rules/STV503.md).
fn check(ctx: &Ctx, sink: &mut Sink) {
    for site in &ctx.sites {
        sink.about(site);
        let Some((subnet, rt)) = route_table(site, sink) else {
            continue;
        };
        let subnet_name = subnet.meta.key.names.join("/");
        let route = match default_route(rt) {
            Ok(Some((r, Hop::None))) => r,
            Ok(_) => {
                tag_blackholes(site, subnet, rt, sink);
                continue;
            }
            Err((reason, at)) => {
                sink.emit(routes_unknown(rt, &reason, at));
                continue;
            }
        };
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

/// Tags that are no service of their own: traffic to them is not one dependency a tag route
/// can capture (`Internet` is the default route's, the others stay in the network).
const NOT_A_SERVICE: &[&str] = &["internet", "virtualnetwork", "subnet", "azureloadbalancer"];

/// The required outbound flows (rules/flows.yaml, at error severity here) to a service tag whose
/// route is a tag route with next hop `None`: one error per such route, naming the flows.
fn tag_blackholes(site: &Site, subnet: &Subnet, rt: &RouteTable, sink: &mut Sink) {
    let region = site.region();
    let mut dropped: Vec<(&Route, Vec<String>)> = Vec::new();
    for f in flows() {
        if f.direction() != Direction::Outbound
            || !f.applies(site)
            || f.severity(site) != Severity::Error
            || NOT_A_SERVICE.contains(&f.tag().to_ascii_lowercase().as_str())
        {
            continue;
        }
        // An unknown route is STV501's and STV502's to report; this check only speaks when sure.
        let Ok(p) = path_to_tag(rt, f.tag(), region.as_deref()) else {
            continue;
        };
        let (Some(r), Hop::None) = (p.route, p.hop) else {
            continue;
        };
        if matches!(p.via, Via::Default | Via::System) {
            continue;
        }
        let what = format!("{} ({} {})", f.tag(), f.id, f.title);
        match dropped.iter_mut().find(|(x, _)| std::ptr::eq(*x, r)) {
            Some((_, v)) => v.push(what),
            None => dropped.push((r, vec![what])),
        }
    }
    let subnet_name = subnet.meta.key.names.join("/");
    for (r, what) in dropped {
        let prefix = r.prefix.get().cloned().unwrap_or_default();
        let d = sink
            .diag(format!(
                "route '{}' of route table '{}' sends {} to next hop None: API Management's traffic to {} is dropped",
                r.name,
                rt.meta.name,
                prefix.trim(),
                what.join(", ")
            ))
            .at(Some(super::field_in(r.next_hop.at, r.decl)))
            .label(format!("next hop None for {} drops a dependency", prefix.trim()))
            .resource(&rt.meta.label)
            .related(Some(r.decl), format!("route '{}'", r.name))
            .help(format!(
                "Remove route '{}' or send it to Internet (or to a firewall that allows the service); a service endpoint does not help, the user route wins over its system route.",
                r.name
            ))
            .related(Some(subnet.meta.decl), format!("the API Management subnet '{subnet_name}'"))
            .related(Some(site.loc.decl), format!("used by {}", site.label()))
            .identity(format!("{}|{}|blackhole", rt.meta.key.names.join("/"), r.name));
        sink.emit(d);
    }
}
