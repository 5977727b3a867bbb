//! STV602 migration-precreated-ips: the instance carries the stv2 migration's pre-created IP property.

use super::{Ctx, Rule, Sink};
use crate::code::Code;
use crate::diagnostic::Severity;
use crate::model::MIGRATION_IPS_PROPERTY;

pub const RULE: Rule = Rule {
    code: Code::Stv602,
    name: "migration-precreated-ips",
    severity: Severity::Info,
    summary: "The instance's customProperties hold the migration's pre-created IP addresses",
    page: include_str!("../../rules/STV602.md"),
    check: Some(check),
};

/// Azure writes the addresses the migration pre-creates into this property; code that carries
/// it is a migration in progress (REQUIREMENTS.md R-MIG-9): allow-list those addresses.
fn check(ctx: &Ctx, sink: &mut Sink) {
    for site in &ctx.sites {
        sink.about(site);
        if !site.loc.primary || !site.apim.migration_ips {
            continue;
        }
        let d = sink
            .diag(format!(
                "{} carries customProperties '{MIGRATION_IPS_PROPERTY}': a same-subnet migration to stv2 is in progress; add those addresses to firewalls and allow-lists for its duration (with the new-IP mode they become the instance's addresses)",
                site.label()
            ))
            .at(Some(site.apim.meta.decl))
            .label("same-subnet migration in progress: allow its pre-created addresses")
            .resource(&site.apim.meta.label)
            .help("Allow-list the pre-created addresses; do not author this property yourself, Azure sets it.")
            .identity(site.apim.meta.key.names.join("/"));
        sink.emit(d);
    }
}
