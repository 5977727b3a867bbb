//! STV010 vnet-injection-sku: VNet injection is only possible with the Developer and Premium tiers.
//!
//! R-SKU-1/R-SKU-3: Basic, Standard and Consumption cannot be injected; the v2 tiers use a
//! different network model and are out of scope. Iterates every instance (not `ctx.sites`,
//! which holds only the injectable tiers). Alternatives: wrong in all of them is an error, in
//! some a warning naming them. A plain unknown tier or mode: the context's preflight STV002
//! already says so, so nothing more here.

use super::context::{case, join_cases, INJECTABLE, V2};
use super::{Ctx, Rule, Sink};
use crate::code::Code;
use crate::diagnostic::Severity;
use crate::model::{Cond, Field, Format};

pub const RULE: Rule = Rule {
    code: Code::Stv010,
    name: "vnet-injection-sku",
    severity: Severity::Error,
    summary: "VNet injection is only possible with the Developer and Premium tiers",
    page: include_str!("../../rules/STV010.md"),
    check: Some(check),
};

/// The values a field can take with the choices leading to each: the known value, or its
/// alternatives (none for a plain unknown).
fn values(f: &Field<String>) -> Vec<(&str, Cond)> {
    match f.get() {
        Some(v) => vec![(v.trim(), Cond::default())],
        None => f
            .alts()
            .iter()
            .map(|a| (a.val.trim(), a.when.clone()))
            .collect(),
    }
}

fn check(ctx: &Ctx, sink: &mut Sink) {
    for (i, &apim) in ctx.apims.iter().enumerate() {
        sink.about_instance(ctx, i);
        // Every consistent (tier, mode) the code allows; the wrong ones among them.
        let mut cases = 0;
        let mut wrong: Vec<(&str, &str, Cond)> = Vec::new();
        for (sku, sc) in values(&apim.sku) {
            for (mode, mc) in values(&apim.vnet_type) {
                let Some(when) = sc.and(&mc) else { continue };
                cases += 1;
                let lsku = sku.to_ascii_lowercase();
                let lmode = mode.to_ascii_lowercase();
                if (lmode == "external" || lmode == "internal")
                    && !INJECTABLE.contains(&lsku.as_str())
                    && !V2.contains(&lsku.as_str())
                {
                    wrong.push((sku, mode, when));
                }
            }
        }
        let Some((sku, mode, _)) = wrong.first().cloned() else {
            continue;
        };
        // Wrong in only some alternatives: a warning that names them.
        let partial = wrong.len() < cases;
        let when = if partial {
            let cases: Vec<(String, String)> = wrong
                .iter()
                .map(|(s, m, c)| {
                    if apim.sku.val.is_err() {
                        case("the tier", &format!("'{s}'"), c)
                    } else {
                        case("virtualNetworkType", &format!("'{m}'"), c)
                    }
                })
                .collect();
            format!(" (when {})", join_cases(&cases))
        } else {
            String::new()
        };
        let help = match apim.meta.format {
            Format::Terraform => "Use sku_name Developer_1 or Premium_N, or set virtual_network_type to \"None\" and reach the instance through a private endpoint.",
            _ => "Use sku.name 'Developer' or 'Premium', or set virtualNetworkType to 'None' and reach the instance through a private endpoint.",
        };
        let mut d = sink
            .diag(format!(
                "API Management '{}' uses the {} tier, which cannot be injected into a virtual network (virtualNetworkType is {}); only Developer and Premium can{when}",
                apim.meta.name, sku, mode
            ))
            .at(apim.vnet_type.at.or(Some(apim.meta.decl)))
            .label(format!("{sku} cannot be injected into a virtual network"))
            .resource(&apim.meta.label)
            .help(help)
            .related(apim.sku.at, format!("the tier {sku} is set here"))
            .related(apim.vnet_type.origin(), "the network type comes from here")
            .related(apim.sku.origin(), "the tier comes from here")
            .identity(format!("{}|sku-injection", apim.meta.key.names.join("/")));
        if partial {
            d.severity = d.severity.min(Severity::Warning);
        }
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
        let d = run(Code::Stv010, &w);
        assert_eq!(
            at(&d),
            vec![
                (Code::Stv010, Some(103)),
                (Code::Stv010, Some(203)),
                (Code::Stv010, Some(303))
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
        assert!(run(Code::Stv010, &w).is_empty());
    }

    #[test]
    fn unknown_values_are_left_to_the_preflight() {
        let mut a = apim("a", "Basic", "External", 1, 100);
        a.vnet_type = Field::unknown("parameter has no value", sp(103));
        let w = ws(vec![a], vec![], vec![]);
        assert!(run(Code::Stv010, &w).is_empty());
    }

    #[test]
    fn alternatives_with_a_tier_that_cannot_be_injected_are_a_warning() {
        use crate::diagnostic::Severity;
        use crate::model::{Alt, Cond};
        let mut a = apim("a", "", "External", 1, 100);
        a.sku = Field::unknown("variable 'env' has no value", sp(102));
        *a.sku.alts_mut() = vec![
            Alt {
                val: "Premium".into(),
                when: Cond::one("var.env == \"prod\"", "true"),
                at: None,
            },
            Alt {
                val: "Basic".into(),
                when: Cond::one("var.env == \"prod\"", "false"),
                at: None,
            },
        ];
        let w = ws(vec![a.clone()], vec![], vec![]);
        let d = run(Code::Stv010, &w);
        assert_eq!(at(&d), vec![(Code::Stv010, Some(103))]);
        assert_eq!(d[0].severity, Severity::Warning);
        assert!(
            d[0].message
                .ends_with("(when the tier is 'Basic' (var.env == \"prod\" is false))"),
            "{}",
            d[0].message
        );
        a.sku.alts_mut()[0].val = "Standard".into();
        let d = run(Code::Stv010, &ws(vec![a], vec![], vec![]));
        assert_eq!(d[0].severity, Severity::Error);
    }

    #[test]
    fn allowed_values_are_named_once_by_their_parameter() {
        use crate::model::{Alt, Cond};
        let mut a = apim("a", "", "Internal", 1, 100);
        a.sku = Field::unknown("parameter 'apimSku' has no value", sp(102));
        *a.sku.alts_mut() = ["Basic", "Premium", "Standard"]
            .iter()
            .map(|t| Alt {
                val: t.to_string(),
                when: Cond::one("parameter 'apimSku'", format!("'{t}'")),
                at: None,
            })
            .collect();
        let d = run(Code::Stv010, &ws(vec![a], vec![], vec![]));
        assert!(
            d[0].message
                .ends_with("(when parameter 'apimSku' is 'Basic' or 'Standard')"),
            "{}",
            d[0].message
        );
    }
}
