//! STV701 internal-dns: an Internal instance's host names need DNS records for its private address (advisory).

use super::{Ctx, Rule, Sink};
use crate::code::Code;
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: Code::Stv701,
    name: "internal-dns",
    severity: Severity::Info,
    summary: "An Internal instance needs DNS records for its host names pointing at its private address (advisory)",
    page: include_str!("../../rules/STV701.md"),
    check: Some(check),
};

/// In Internal mode Azure publishes no usable DNS for the private address: the gateway,
/// portal, developer portal, management and SCM names must be resolved by the customer's DNS
/// (REQUIREMENTS.md R-DNS-1). Silent when the deployment declares a private zone for
/// azure-api.net names. Advice, not a defect: advisory (opt-in).
fn check(ctx: &Ctx, sink: &mut Sink) {
    for site in &ctx.sites {
        sink.about(site);
        if !site.loc.primary || !site.is_internal() {
            continue;
        }
        let name = site.apim.meta.name.to_ascii_lowercase();
        let host = format!("{name}.azure-api.net");
        // Any zone for azure-api.net names says the deployment manages this DNS (a zone for
        // the whole domain is STV702's finding).
        let has_zone = ctx.ws.dns_zones.iter().any(|z| {
            let zone = z.meta.name.trim_end_matches('.').to_ascii_lowercase();
            z.meta.unit == site.apim.meta.unit
                && (zone == "azure-api.net" || zone.ends_with(".azure-api.net"))
        });
        if has_zone {
            continue;
        }
        let d = sink
            .diag(format!(
                "{} is Internal: DNS in the VNet must resolve {host} and its portal, developer, management and scm names to the instance's private address; no private DNS zone for azure-api.net names is declared here",
                site.label()
            ))
            .at(Some(site.apim.meta.decl))
            .label("Internal, and no private DNS zone for its azure-api.net names")
            .resource(&site.apim.meta.label)
            .help(format!("Declare a private DNS zone '{host}' (and one per other host name) with an A record at its apex for the private IP, linked to the VNet, or configure your own DNS servers."))
            .identity(site.apim.meta.key.names.join("/"));
        sink.emit(d);
    }
}
