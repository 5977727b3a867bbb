//! STV013 multi-region-premium: Additional locations need the Premium tier.
//!
//! R-SKU-5: only Premium deploys to more than one region. Points at each additional location;
//! v2 tiers are out of scope.

use super::instance::{identity, instances, tier};
use super::{Ctx, Rule, Sink};
use crate::code::Code;
use crate::diagnostic::Severity;
use crate::model::Format;

pub const RULE: Rule = Rule {
    code: Code::Stv013,
    name: "multi-region-premium",
    severity: Severity::Error,
    summary: "Additional locations need the Premium tier",
    page: include_str!("../../rules/STV013.md"),
    check: Some(check),
};

fn check(ctx: &Ctx, sink: &mut Sink) {
    for (i, apim) in instances(ctx) {
        sink.about_instance(ctx, i);
        let Some(t) = tier(apim) else { continue };
        if !matches!(
            t.as_str(),
            "developer" | "basic" | "standard" | "consumption"
        ) {
            continue;
        }
        let sku = apim.sku.get().map(|s| s.trim()).unwrap_or_default();
        for loc in apim.locations.iter().filter(|l| !l.primary) {
            let region = loc.location.get().cloned().unwrap_or_default();
            let help = match apim.meta.format {
                Format::Terraform => {
                    "Use a Premium sku_name, or remove the additional_location block."
                }
                _ => "Use sku.name 'Premium', or remove the entry from additionalLocations.",
            };
            let d = sink
                .diag(format!(
                    "API Management '{}' adds the location {region} but uses the {sku} tier; only Premium can deploy to additional regions",
                    apim.meta.name
                ))
                .at(loc.location.at.or(Some(loc.decl)))
                .label(format!("additional location on {sku}, which only Premium allows"))
                .resource(&apim.meta.label)
                .help(help)
                .related(apim.sku.at, format!("the tier {sku} is set here"))
                .identity(format!("{}#{region}|multi-region-tier", identity(apim)));
            sink.emit(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testkit::*;

    #[test]
    fn additional_location_on_developer_only() {
        let mut a = apim("a", "Developer", "External", 1, 100);
        a.locations.push(location(false, "northeurope", 1, 150));
        let mut b = apim("b", "Premium", "External", 1, 200);
        b.locations.push(location(false, "northeurope", 1, 250));
        let d = run(Code::Stv013, &ws(vec![a, b], vec![], vec![]));
        assert_eq!(at(&d), vec![(Code::Stv013, Some(158))]);
    }
}
