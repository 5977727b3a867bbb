//! STV501 forced-tunnel-without-apim-route: a default route to an appliance or gateway without an apimanagement route to internet.

use super::routing::{route_table, routes_unknown};
use super::{Ctx, Rule, Sink};
use crate::analysis::route::{default_route, path_to_tag, Hop, Via};
use crate::code::Code;
use crate::diagnostic::Diagnostic;
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: Code::Stv501,
    name: "forced-tunnel-without-apim-route",
    severity: Severity::Error,
    summary:
        "A default route to an appliance or gateway without an ApiManagement route to Internet",
    page: include_str!("../../rules/STV501.md"),
    check: Some(check),
};

/// With `0.0.0.0/0` sent to an appliance or gateway, the control plane's replies on 3443 would
/// leave through the firewall and be dropped (asymmetric); the table needs `ApiManagement` →
/// `Internet` (rules/STV501.md).
fn check(ctx: &Ctx, sink: &mut Sink) {
    for site in &ctx.sites {
        sink.about(site);
        let Some((subnet, rt)) = route_table(site, sink) else {
            continue;
        };
        let (default, hop) = match default_route(rt) {
            Ok(Some((r, h))) if h.tunnels() => (r, h),
            Ok(_) => continue,
            Err((reason, at)) => {
                sink.emit(routes_unknown(rt, &reason, at));
                continue;
            }
        };
        let path = match path_to_tag(rt, "ApiManagement", site.region().as_deref()) {
            Ok(p) => p,
            Err((reason, at)) => {
                sink.unverifiable(
                    "the ApiManagement route",
                    &reason,
                    at,
                    &rt.meta.label,
                    &site.identity(),
                );
                continue;
            }
        };
        let subnet_name = subnet.meta.key.names.join("/");
        let identity = format!("{}|{}", rt.meta.key.names.join("/"), site.identity());
        let hop_name = |h: Hop| format!("{h:?}");
        let with_related = |d: Diagnostic| {
            d.resource(&rt.meta.label)
                .related(
                    Some(subnet.meta.decl),
                    format!("the API Management subnet '{subnet_name}'"),
                )
                .related(Some(site.loc.decl), format!("used by {}", site.label()))
        };
        match (path.via, path.route) {
            (Via::Tag | Via::AzureCloud, _) if path.hop == Hop::Internet => {}
            (Via::RegionalTag | Via::RegionalAzureCloud, Some(r)) if path.hop == Hop::Internet => {
                let prefix = r.prefix.get().cloned().unwrap_or_default();
                let mut d = with_related(
                    sink.diag(format!(
                        "route table '{}' sends only the regional tag '{prefix}' to Internet (route '{}'), while its default route '{}' goes to {}; the documented return path for the management endpoint is the global ApiManagement tag",
                        rt.meta.name,
                        r.name,
                        default.name,
                        hop_name(hop)
                    ))
                    .at(Some(super::field_in(r.prefix.at, r.decl)))
                    .label("regional tag, not the global ApiManagement")
                    .related(Some(r.decl), format!("route '{}'", r.name))
                    .help(format!(
                        "Change route '{}' to address prefix ApiManagement (the global tag), next hop type Internet.",
                        r.name
                    ))
                    .related(Some(default.decl), format!("default route '{}'", default.name))
                    .identity(format!("{identity}|regional")),
                );
                d.severity = crate::diagnostic::Severity::Warning;
                sink.emit(d);
            }
            (Via::Tag | Via::RegionalTag | Via::AzureCloud | Via::RegionalAzureCloud, Some(r)) => {
                let prefix = r.prefix.get().cloned().unwrap_or_default();
                let d = with_related(
                    sink.diag(format!(
                        "route '{}' of route table '{}' sends {prefix} to {} instead of Internet, and the default route '{}' goes to {}: replies to the API Management control plane (port 3443) would be dropped",
                        r.name,
                        rt.meta.name,
                        hop_name(path.hop),
                        default.name,
                        hop_name(hop)
                    ))
                    .at(Some(super::field_in(r.next_hop.at, r.decl)))
                    .label(format!("next hop {} for {prefix}, not Internet", hop_name(path.hop)))
                    .related(Some(r.decl), format!("route '{}'", r.name))
                    .help(format!("Set the next hop type of route '{}' to Internet.", r.name))
                    .related(Some(default.decl), format!("default route '{}'", default.name))
                    .identity(format!("{identity}|hop")),
                );
                sink.emit(d);
            }
            _ => {
                let d = with_related(
                    sink.diag(format!(
                        "route table '{}' sends 0.0.0.0/0 to {} (route '{}') but has no route for the ApiManagement service tag to Internet: replies to the API Management control plane (port 3443) would go through the {} and be dropped",
                        rt.meta.name,
                        hop_name(hop),
                        default.name,
                        if hop == Hop::VirtualAppliance { "appliance" } else { "gateway" }
                    ))
                    .at(Some(default.decl))
                    .label(format!("0.0.0.0/0 to {}, no ApiManagement route to Internet", hop_name(hop)))
                    .help(format!(
                        "Add a route to route table '{}': address prefix ApiManagement, next hop type Internet.",
                        rt.meta.name
                    ))
                    .related(Some(rt.meta.decl), format!("route table '{}'", rt.meta.name))
                    .identity(identity.clone()),
                );
                sink.emit(d);
            }
        }
    }
}
