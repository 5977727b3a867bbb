//! STV401 zones-require-premium: Availability zones need the Premium tier.
//!
//! R-AZ-1: explicit zones, on the primary or any additional location, need Premium. Among the
//! injectable tiers that leaves Developer; an empty list means "no zones" and passes.

use super::{Ctx, Rule, Sink};
use crate::code::Code;
use crate::diagnostic::Severity;
use crate::model::Format;

pub const RULE: Rule = Rule {
    code: Code::Stv401,
    name: "zones-require-premium",
    severity: Severity::Error,
    summary: "Availability zones need the Premium tier",
    page: include_str!("../../rules/STV401.md"),
    check: Some(check),
};

fn check(ctx: &Ctx, sink: &mut Sink) {
    for site in &ctx.sites {
        sink.about(site);
        if site.sku.trim().eq_ignore_ascii_case("premium") {
            continue;
        }
        let Some(f) = &site.loc.zones else {
            continue;
        };
        let Some(zones) = sink.require(f, "the zones", &site.apim.meta.label, &site.identity())
        else {
            continue;
        };
        if zones.is_empty() {
            continue;
        }
        let help = match site.apim.meta.format {
            Format::Terraform => "Remove zones, or use a Premium sku_name.",
            _ => "Remove zones, or use sku.name 'Premium'.",
        };
        let d = sink
            .diag(format!(
                "{} sets availability zones {} but uses the {} tier; zones need Premium",
                site.label(),
                zones.join(", "),
                site.sku
            ))
            .at(f.at.or(Some(site.loc.decl)))
            .label(format!("zones on {}, which needs Premium", site.sku))
            .resource(&site.apim.meta.label)
            .help(help)
            .related(
                site.apim.sku.at,
                format!("the tier {} is set here", site.sku),
            )
            .related(f.origin(), "the zones come from here")
            .identity(format!("{}|zones-tier", site.identity()));
        sink.emit(d);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testkit::*;

    #[test]
    fn developer_with_zones() {
        let mut a = apim("a", "Developer", "External", 1, 100);
        a.locations[0].zones = zones(&["1"], 100);
        let w = ws(vec![a], vec![], vec![]);
        let d = run(Code::Stv401, &w);
        assert_eq!(at(&d), vec![(Code::Stv401, Some(105))]);
        assert!(d[0].related.iter().any(|r| r.span.start == 102));
    }

    #[test]
    fn premium_or_no_zones_or_empty_list() {
        let mut a = apim("a", "Premium", "External", 2, 100);
        a.locations[0].zones = zones(&["1", "2"], 100);
        let mut b = apim("b", "Developer", "External", 1, 200);
        b.locations[0].zones = zones(&[], 200);
        let c = apim("c", "Developer", "Internal", 1, 300);
        let w = ws(vec![a, b, c], vec![], vec![]);
        assert!(run(Code::Stv401, &w).is_empty());
    }
}
