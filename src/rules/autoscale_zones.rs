//! STV405 autoscale-zones: autoscale bounds or steps that are not multiples of the instance's zones.

use super::autoscale::settings;
use super::{Ctx, Rule, Sink};
use crate::code::Code;
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: Code::Stv405,
    name: "autoscale-zones",
    severity: Severity::Error,
    summary: "Autoscale capacity or step is not a multiple of the instance's availability zones",
    page: include_str!("../../rules/STV405.md"),
    check: Some(check),
};

/// A zone-redundant instance keeps its units spread evenly: its unit count must stay a multiple
/// of the number of zones, so autoscale's minimum, maximum, default and fixed steps must be too
/// (REQUIREMENTS.md R-AS-3).
fn check(ctx: &Ctx, sink: &mut Sink) {
    for site in &ctx.sites {
        sink.about(site);
        let Some(zones) = site.loc.zones.as_ref().and_then(|z| z.get()) else {
            continue;
        };
        let n = zones.len() as i64;
        if n < 2 {
            continue;
        }
        for a in settings(ctx, site) {
            for p in &a.profiles {
                let mut bad: Vec<(String, Option<crate::source::Span>)> = Vec::new();
                for (what, f) in [
                    ("minimum", &p.minimum),
                    ("maximum", &p.maximum),
                    ("default", &p.default),
                ] {
                    if let Some(v) = f.get() {
                        if v % n != 0 {
                            bad.push((format!("capacity {what} {v}"), f.at));
                        }
                    }
                }
                for act in &p.actions {
                    let fixed = act.kind.get().is_some_and(|k| {
                        k.eq_ignore_ascii_case("ChangeCount")
                            || k.eq_ignore_ascii_case("ExactCount")
                    });
                    if let (true, Some(v)) = (fixed, act.value.get()) {
                        if v % n != 0 {
                            bad.push((format!("scale step {v}"), act.value.at.or(Some(act.decl))));
                        }
                    }
                }
                for (what, at) in bad {
                    let d = sink
                        .diag(format!(
                            "autoscale setting '{}' profile '{}': {what} is not a multiple of the {n} availability zones of {}",
                            a.meta.name,
                            p.name,
                            site.label()
                        ))
                        .at(at.or(Some(p.decl)))
                        .label(format!("not a multiple of {n} zones"))
                        .resource(&a.meta.label)
                        .help(format!("Use multiples of {n} for the capacity bounds and for ChangeCount/ExactCount steps."))
                        .related(site.loc.zones.as_ref().and_then(|z| z.at), "the instance's zones")
                        .identity(format!("{}|{}|{what}", a.meta.key.names.join("/"), p.name));
                    sink.emit(d);
                }
            }
        }
    }
}
