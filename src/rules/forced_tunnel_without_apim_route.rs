//! STV501 forced-tunnel-without-apim-route: the control plane's replies are not routed to Internet.

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
        "The control plane's replies (ApiManagement, AzureCloud or a forced tunnel) are not routed to Internet",
    page: include_str!("../../rules/STV501.md"),
    check: Some(check),
};

/// The control plane calls the instance on 3443 from the `ApiManagement` ranges; the replies
/// must take the route they came in on (Internet). Whatever user route carries those ranges —
/// a tag route (`ApiManagement`, `AzureCloud`, regional forms) or a default route to an
/// appliance or gateway — is judged by longest-prefix/tag selection (rules/STV501.md). A default
/// route to `None` is STV503's.
fn check(ctx: &Ctx, sink: &mut Sink) {
    for site in &ctx.sites {
        sink.about(site);
        let Some((subnet, rt)) = route_table(site, sink) else {
            continue;
        };
        let default = match default_route(rt) {
            Ok(d) => d.filter(|(_, h)| h.tunnels()),
            Err((reason, at)) => {
                sink.emit(routes_unknown(rt, &reason, at));
                continue;
            }
        };
        let path = match path_to_tag(rt, "ApiManagement", site.region().as_deref()) {
            Ok(p) => p,
            // Without a forced tunnel an unknown route only may be a tag route; say so only
            // when the default route already sends the control plane's replies away.
            Err(_) if default.is_none() => continue,
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
            (Via::System, _) => {}
            (Via::Default, _) => {
                let Some((default, hop)) = default else {
                    continue;
                };
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
            (Via::Tag | Via::AzureCloud, _) if path.hop == Hop::Internet => {}
            (Via::RegionalTag | Via::RegionalAzureCloud, Some(r)) if path.hop == Hop::Internet => {
                // The control plane's addresses outside the regional tag take the route the
                // global ranges take (the instance's region left out of the selection).
                let Ok(rest) = path_to_tag(rt, "ApiManagement", None) else {
                    continue;
                };
                let Some(other) = rest.route.filter(|_| {
                    rest.hop.tunnels() || (rest.hop != Hop::Internet && rest.via != Via::Default)
                }) else {
                    continue;
                };
                let prefix = r.prefix.get().cloned().unwrap_or_default();
                let what = if rest.via == Via::Default {
                    format!("its default route '{}'", other.name)
                } else {
                    format!(
                        "route '{}' for {}",
                        other.name,
                        other.prefix.get().cloned().unwrap_or_default()
                    )
                };
                let mut d = with_related(
                    sink.diag(format!(
                        "route table '{}' sends only the regional tag '{prefix}' to Internet (route '{}'), while {what} goes to {}; the documented return path for the management endpoint is the global ApiManagement tag",
                        rt.meta.name,
                        r.name,
                        hop_name(rest.hop)
                    ))
                    .at(Some(super::field_in(r.prefix.at, r.decl)))
                    .label("regional tag, not the global ApiManagement")
                    .related(Some(r.decl), format!("route '{}'", r.name))
                    .help(format!(
                        "Change route '{}' to address prefix ApiManagement (the global tag), next hop type Internet.",
                        r.name
                    ))
                    .related(Some(other.decl), if rest.via == Via::Default { format!("default route '{}'", other.name) } else { format!("route '{}'", other.name) })
                    .identity(format!("{identity}|regional")),
                );
                d.severity = crate::diagnostic::Severity::Warning;
                sink.emit(d);
            }
            (Via::Tag | Via::RegionalTag | Via::AzureCloud | Via::RegionalAzureCloud, Some(r)) => {
                let prefix = r.prefix.get().cloned().unwrap_or_default();
                let consequence = match default {
                    Some((default, hop)) => format!(
                        ", and the default route '{}' goes to {}: replies to the API Management control plane (port 3443) would be dropped",
                        default.name,
                        hop_name(hop)
                    ),
                    None if path.hop == Hop::None => ": replies to the API Management control plane (port 3443) would be dropped".to_string(),
                    None => format!(
                        ": replies to the API Management control plane (port 3443) would leave through {} instead of the path they came in on and be dropped",
                        hop_name(path.hop)
                    ),
                };
                let mut d = sink
                    .diag(format!(
                        "route '{}' of route table '{}' sends {prefix} to {} instead of Internet{consequence}",
                        r.name,
                        rt.meta.name,
                        hop_name(path.hop),
                    ))
                    .at(Some(super::field_in(r.next_hop.at, r.decl)))
                    .label(format!("next hop {} for {prefix}, not Internet", hop_name(path.hop)))
                    .related(Some(r.decl), format!("route '{}'", r.name))
                    .help(format!("Set the next hop type of route '{}' to Internet.", r.name));
                if let Some((default, _)) = default {
                    d = d.related(
                        Some(default.decl),
                        format!("default route '{}'", default.name),
                    );
                }
                let d = with_related(d.identity(format!("{identity}|hop")));
                sink.emit(d);
            }
            _ => {}
        }
    }
}
