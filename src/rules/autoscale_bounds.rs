//! STV407 autoscale-bounds: autoscale capacity outside what the tier allows.

use super::autoscale::settings;
use super::{Ctx, Rule, Sink};
use crate::code::Code;
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: Code::Stv407,
    name: "autoscale-bounds",
    severity: Severity::Error,
    summary: "Autoscale capacity is below 1, inverted, or above the tier's unit limit",
    page: include_str!("../../rules/STV407.md"),
    check: Some(check),
};

/// Units per region: Developer 1, Premium 31 (REQUIREMENTS.md R-AS-2, §6 Q10).
fn cap(sku: &str) -> Option<i64> {
    match sku.to_ascii_lowercase().as_str() {
        "developer" => Some(1),
        "basic" => Some(2),
        "standard" => Some(4),
        "premium" => Some(31),
        _ => None,
    }
}

fn check(ctx: &Ctx, sink: &mut Sink) {
    for site in &ctx.sites {
        sink.about(site);
        let Some(limit) = cap(site.sku) else { continue };
        for a in settings(ctx, site) {
            for p in &a.profiles {
                let (min, max) = (p.minimum.get(), p.maximum.get());
                let mut bad = Vec::new();
                if let Some(&m) = min.filter(|m| **m < 1) {
                    bad.push((format!("minimum {m} is below 1"), p.minimum.at));
                }
                if let Some(&m) = max.filter(|m| **m > limit) {
                    bad.push((
                        format!(
                            "maximum {m} is above the {} limit of {limit} units",
                            site.sku
                        ),
                        p.maximum.at,
                    ));
                }
                if let (Some(lo), Some(hi)) = (min, max) {
                    if lo > hi {
                        bad.push((format!("minimum {lo} is above maximum {hi}"), p.minimum.at));
                    }
                }
                for (what, at) in bad {
                    let d = sink
                        .diag(format!(
                            "autoscale setting '{}' profile '{}' for {}: {what}",
                            a.meta.name,
                            p.name,
                            site.label()
                        ))
                        .at(at.or(Some(p.decl)))
                        .label(what.clone())
                        .resource(&a.meta.label)
                        .help(format!("Keep the capacity between 1 and {limit} units, minimum ≤ default ≤ maximum."))
                        .identity(format!("{}|{}|{what}", a.meta.key.names.join("/"), p.name));
                    sink.emit(d);
                }
            }
        }
    }
}
