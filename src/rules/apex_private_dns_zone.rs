//! STV702 apex-private-dns-zone: a private DNS zone for the whole `azure-api.net` domain linked to the API Management VNet.

use super::{Ctx, Resolved, Rule, Sink};
use crate::code::Code;
use crate::diagnostic::Severity;
use crate::model::ResKey;

pub const RULE: Rule = Rule {
    code: Code::Stv702,
    name: "apex-private-dns-zone",
    severity: Severity::Warning,
    summary: "A private DNS zone named azure-api.net is linked to the API Management VNet",
    page: include_str!("../../rules/STV702.md"),
    check: Some(check),
};

fn is_apex(zone: &str) -> bool {
    zone.trim()
        .trim_end_matches('.')
        .eq_ignore_ascii_case("azure-api.net")
}

/// A zone for the whole `azure-api.net` answers every name under it from the zone, so every
/// other instance's public names stop resolving in the VNet (REQUIREMENTS.md R-DNS-2). Zones
/// for the instance's own names (`contoso.azure-api.net`) are the documented way and are fine.
fn check(ctx: &Ctx, sink: &mut Sink) {
    for site in &ctx.sites {
        sink.about(site);
        let Resolved::Found(subnet) = site.subnet else {
            continue;
        };
        let key = &subnet.meta.key;
        let Some(vnet) = key.names.first() else {
            continue;
        };
        for link in &ctx.ws.dns_links {
            if link.meta.unit != subnet.meta.unit || !link.zone.get().is_some_and(|z| is_apex(z)) {
                continue;
            }
            let identity = format!("{}|{}", link.meta.key.names.join("/"), site.identity());
            let Some(id) = sink.require(
                &link.vnet,
                "the linked virtual network",
                &link.meta.label,
                &identity,
            ) else {
                continue;
            };
            let Some(target) = ResKey::from_id(id) else {
                continue;
            };
            if target.rtype != "microsoft.network/virtualnetworks"
                || target.names.first() != Some(vnet)
                || !target.same_scope(key)
            {
                continue;
            }
            let zone = ctx
                .ws
                .dns_zones
                .iter()
                .find(|z| z.meta.unit == link.meta.unit && is_apex(&z.meta.name));
            let d = sink
                .diag(format!(
                    "private DNS zone 'azure-api.net' is linked to VNet '{vnet}' of {}: the zone answers for every *.azure-api.net name, so other API Management instances' public names stop resolving there; Microsoft does not support a zone for the apex domain",
                    site.label()
                ))
                .at(Some(link.meta.decl))
                .label("links a zone for the whole azure-api.net domain")
                .resource(&link.meta.label)
                .help("Use a zone per instance name (e.g. '<name>.azure-api.net' with an A record at the apex), or a custom domain for the gateway.")
                .related(zone.map(|z| z.meta.decl), "the azure-api.net zone")
                .related(Some(site.loc.decl), format!("used by {}", site.label()))
                .identity(identity);
            sink.emit(d);
        }
    }
}
