//! STV406 autoscale-tier: autoscale on a tier that cannot scale, or on a multi-region instance.

use super::autoscale::settings;
use super::{Ctx, Rule, Sink};
use crate::code::Code;
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: Code::Stv406,
    name: "autoscale-tier",
    severity: Severity::Error,
    summary: "Autoscale targets a Developer instance, or scales only the primary location of a multi-region one",
    page: include_str!("../../rules/STV406.md"),
    check: Some(check),
};

/// Developer is fixed at one unit: a setting that scales it fails (REQUIREMENTS.md R-AS-1).
/// With additional locations autoscale changes only the primary location's units (info).
fn check(ctx: &Ctx, sink: &mut Sink) {
    for site in &ctx.sites {
        sink.about(site);
        for a in settings(ctx, site) {
            let name = &a.meta.name;
            let at = a.target.at.or(Some(a.meta.decl));
            if site.is_developer() {
                let d = sink
                    .diag(format!(
                        "autoscale setting '{name}' targets {}, a Developer instance: Developer has one unit and cannot scale",
                        site.label()
                    ))
                    .at(at)
                    .resource(&a.meta.label)
                    .help("Remove the autoscale setting, or use the Premium tier.")
                    .label("scales a Developer instance, which has one unit")
                    .identity(format!("{}|developer", a.meta.key.names.join("/")));
                sink.emit(d);
                continue;
            }
            if site.apim.locations.len() > 1 {
                let mut d = sink
                    .diag(format!(
                        "autoscale setting '{name}' scales only the primary location of {}; its additional locations keep their fixed unit counts",
                        site.label()
                    ))
                    .at(at)
                    .resource(&a.meta.label)
                    .help("Size the additional locations for peak load, or scale them by automation.")
                    .label("scales the primary location only")
                    .identity(format!("{}|regions", a.meta.key.names.join("/")));
                d.severity = Severity::Info;
                sink.emit(d);
            }
        }
    }
}
