//! STV601 autoscale-during-migration: autoscale is on for an instance being migrated in place.

use super::autoscale::settings;
use super::{Ctx, Rule, Sink};
use crate::code::Code;
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: Code::Stv601,
    name: "autoscale-during-migration",
    severity: Severity::Error,
    summary: "Autoscale is enabled on an instance during a same-subnet stv1 → stv2 migration",
    page: include_str!("../../rules/STV601.md"),
    check: Some(check),
};

/// A same-subnet migration needs autoscale off for its duration (REQUIREMENTS.md R-MIG-5);
/// only checked in migration mode (`--migration` or the pre-created-IP property). An absent
/// `enabled` counts as on.
fn check(ctx: &Ctx, sink: &mut Sink) {
    for site in &ctx.sites {
        sink.about(site);
        if !(ctx.opts.migration || site.apim.migration_ips) {
            continue;
        }
        for a in settings(ctx, site) {
            let at = if a.enabled.is_implicit() {
                a.meta.decl
            } else {
                a.enabled.at.unwrap_or(a.meta.decl)
            };
            let d = sink
                .diag(format!(
                    "autoscale setting '{}' is enabled for {} during its migration to stv2 in the same subnet",
                    a.meta.name,
                    site.label()
                ))
                .at(Some(at))
                .label("autoscale on during the migration")
                .resource(&a.meta.label)
                .help("Set enabled to false on the autoscale setting until the migration is done.")
                .identity(a.meta.key.names.join("/"));
            sink.emit(d);
        }
    }
}
