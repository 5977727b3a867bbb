//! STV506 service-endpoint-overridden: a route sends a service's tag to an appliance while the subnet has that service's endpoint.

use super::routing::route_table;
use super::{Ctx, Rule, Sink};
use crate::analysis::route::Hop;
use crate::code::Code;
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: Code::Stv506,
    name: "service-endpoint-overridden",
    severity: Severity::Warning,
    summary: "A route sends a service's tag to an appliance or gateway although the subnet has that service's endpoint",
    page: include_str!("../../rules/STV506.md"),
    check: Some(check),
};

/// Route prefix tag → the service endpoints whose system routes it overrides.
const SERVICES: &[(&str, &[&str])] = &[
    (
        "storage",
        &["microsoft.storage", "microsoft.storage.global"],
    ),
    ("sql", &["microsoft.sql"]),
    ("azurekeyvault", &["microsoft.keyvault"]),
    ("eventhub", &["microsoft.eventhub"]),
];

/// A user route for the same prefixes beats the endpoint's system route (REQUIREMENTS.md §4,
/// R-UDR-6): traffic the endpoint was meant to keep on the backbone goes to the firewall. Only
/// tag routes are decided; a CIDR route may or may not cover a service's ranges.
fn check(ctx: &Ctx, sink: &mut Sink) {
    for site in &ctx.sites {
        sink.about(site);
        let Some((subnet, rt)) = route_table(site, sink) else {
            continue;
        };
        let Some(endpoints) = subnet.service_endpoints.get() else {
            continue;
        };
        let have: Vec<String> = endpoints
            .iter()
            .map(|s| s.trim().to_ascii_lowercase())
            .collect();
        for r in &rt.routes {
            let (Some(prefix), Some(hop)) = (r.prefix.get(), r.next_hop.get()) else {
                continue;
            };
            let hop = Hop::parse(hop);
            if !hop.tunnels() {
                continue;
            }
            let tag = prefix
                .trim()
                .split('.')
                .next()
                .unwrap_or("")
                .to_ascii_lowercase();
            let Some((_, eps)) = SERVICES.iter().find(|(t, _)| *t == tag) else {
                continue;
            };
            let Some(ep) = endpoints
                .iter()
                .zip(&have)
                .find(|(_, h)| eps.contains(&h.as_str()))
                .map(|(e, _)| e)
            else {
                continue;
            };
            let subnet_name = subnet.meta.key.names.join("/");
            let d = sink
                .diag(format!(
                    "route '{}' of route table '{}' sends {} to {hop:?}, overriding the {ep} service endpoint of subnet '{subnet_name}': that traffic goes through the {} instead of the endpoint",
                    r.name,
                    rt.meta.name,
                    prefix.trim(),
                    if hop == Hop::VirtualAppliance { "appliance" } else { "gateway" }
                ))
                .at(Some(r.decl))
                .label(format!("next hop {hop:?} overrides the {ep} service endpoint"))
                .resource(&rt.meta.label)
                .help(format!(
                    "Remove route '{}' (the service endpoint already keeps the traffic on the Azure backbone), or remove the endpoint and allow the service on the firewall.",
                    r.name
                ))
                .related(
                    subnet.service_endpoints.at.or(Some(subnet.meta.decl)),
                    format!("the service endpoints of subnet '{subnet_name}'"),
                )
                .related(Some(site.loc.decl), format!("used by {}", site.label()))
                .identity(format!(
                    "{}|{}|{}",
                    rt.meta.key.names.join("/"),
                    r.name,
                    subnet_name
                ));
            sink.emit(d);
        }
    }
}
