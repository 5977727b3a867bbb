//! STV010 vnet-injection-sku: VNet injection is only possible with the Developer and Premium tiers.
//!
//! R-SKU-1/R-SKU-3: Basic, Standard and Consumption cannot be injected; the v2 tiers use a
//! different network model and are out of scope. Iterates every instance (not `ctx.sites`,
//! which holds only the injectable tiers). Unknown tier or mode: the context's preflight STV002
//! already says so, so nothing more here.

use super::context::{INJECTABLE, V2};
use super::{Ctx, Rule, Sink};
use crate::diagnostic::Severity;
use crate::model::Format;

pub const RULE: Rule = Rule {
    code: "STV010",
    name: "vnet-injection-sku",
    severity: Severity::Error,
    summary: "VNet injection is only possible with the Developer and Premium tiers",
    page: include_str!("../../rules/STV010.md"),
    check: Some(check),
};

fn check(ctx: &Ctx, sink: &mut Sink) {
    for &apim in &ctx.apims {
        let (Some(sku), Some(mode)) = (apim.sku.get(), apim.vnet_type.get()) else {
            continue;
        };
        let lsku = sku.trim().to_ascii_lowercase();
        let lmode = mode.trim().to_ascii_lowercase();
        if !(lmode == "external" || lmode == "internal")
            || INJECTABLE.contains(&lsku.as_str())
            || V2.contains(&lsku.as_str())
        {
            continue;
        }
        let help = match apim.meta.format {
            Format::Terraform => "Use sku_name Developer_1 or Premium_N, or set virtual_network_type to \"None\" and reach the instance through a private endpoint.",
            _ => "Use sku.name 'Developer' or 'Premium', or set virtualNetworkType to 'None' and reach the instance through a private endpoint.",
        };
        let d = sink
            .diag(format!(
                "API Management '{}' uses the {} tier, which cannot be injected into a virtual network (virtualNetworkType is {}); only Developer and Premium can",
                apim.meta.name, sku, mode
            ))
            .at(apim.vnet_type.at.or(Some(apim.meta.decl)))
            .resource(&apim.meta.label)
            .help(help)
            .related(apim.sku.at, format!("the tier {sku} is set here"))
            .related(apim.vnet_type.origin, "the network type comes from here")
            .related(apim.sku.origin, "the tier comes from here")
            .identity(format!("{}|sku-injection", apim.meta.key.names.join("/")));
        sink.emit(d);
    }
}

#[cfg(test)]
mod tests {
    use crate::model::Field;
    use crate::rules::testkit::*;

    #[test]
    fn basic_standard_consumption_injected_are_errors_at_the_network_type() {
        let w = ws(
            vec![
                apim("a", "Basic", "External", 1, 100),
                apim("b", "Standard", "Internal", 1, 200),
                apim("c", "Consumption", "External", 0, 300),
            ],
            vec![],
            vec![],
        );
        let d = run("STV010", &w);
        assert_eq!(
            at(&d),
            vec![
                ("STV010", Some(103)),
                ("STV010", Some(203)),
                ("STV010", Some(303))
            ]
        );
        assert!(d[0].related.iter().any(|r| r.span.start == 102));
    }

    #[test]
    fn developer_premium_v2_and_not_injected_pass() {
        let w = ws(
            vec![
                apim("a", "Developer", "External", 1, 100),
                apim("b", "premium", "internal", 1, 200),
                apim("c", "StandardV2", "External", 1, 300),
                apim("d", "Standard", "None", 1, 400),
            ],
            vec![],
            vec![],
        );
        assert!(run("STV010", &w).is_empty());
    }

    #[test]
    fn unknown_values_are_left_to_the_preflight() {
        let mut a = apim("a", "Basic", "External", 1, 100);
        a.vnet_type = Field::unknown("parameter has no value", sp(103));
        let w = ws(vec![a], vec![], vec![]);
        assert!(run("STV010", &w).is_empty());
    }
}
