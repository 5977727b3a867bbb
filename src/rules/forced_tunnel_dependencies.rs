//! STV505 forced-tunnel-dependencies: under forced tunnelling the appliance must pass the dependencies no route or endpoint exempts (advisory).

use super::routing::route_table;
use super::{Ctx, Rule, Sink};
use crate::analysis::route::{default_route, Hop};
use crate::code::Code;
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: Code::Stv505,
    name: "forced-tunnel-dependencies",
    severity: Severity::Info,
    summary: "Under forced tunnelling the appliance must pass Azure Monitor, CRL checks on port 80 and the other dependencies (advisory)",
    page: include_str!("../../rules/STV505.md"),
    check: Some(check),
};

/// What still crosses the appliance with `0.0.0.0/0` tunnelled, whatever the routes and service
/// endpoints exempt (REQUIREMENTS.md R-UDR-5). Advice, not a defect: advisory (opt-in).
fn check(ctx: &Ctx, sink: &mut Sink) {
    for site in &ctx.sites {
        sink.about(site);
        let Some((_, rt)) = route_table(site, sink) else {
            continue;
        };
        let Ok(Some((route, hop))) = default_route(rt) else {
            continue;
        };
        if !hop.tunnels() {
            continue;
        }
        let what = if hop == Hop::VirtualAppliance {
            "appliance"
        } else {
            "gateway"
        };
        let d = sink
            .diag(format!(
                "route '{}' of route table '{}' force-tunnels {}: the {what} must still let through Azure Monitor (TCP 1886 and 443), certificate revocation checks (Internet TCP 80), NTP (UDP 123), KMS (TCP 1688), SMTP relays and the portal's CAPTCHA and diagnostics",
                route.name,
                rt.meta.name,
                site.label()
            ))
            .at(Some(super::field_in(route.next_hop.at, route.decl)))
            .label(format!("forced tunnel: the {what} must let the dependencies through"))
            .resource(&rt.meta.label)
            .related(Some(route.decl), format!("route '{}'", route.name))
            .help("Allow these destinations on the appliance, or route their service tags (AzureMonitor) to Internet.")
            .identity(format!("{}|{}", rt.meta.key.names.join("/"), site.identity()));
        sink.emit(d);
    }
}
