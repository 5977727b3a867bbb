//! STV103 subnet-too-small: The subnet is smaller than /29 or cannot hold the instances placed in it.
//!
//! R-VNET-5: every IPv4 prefix must be /29 or larger. R-VNET-6: the footprints of every in-scope
//! location placed in the subnet must fit its usable addresses. The finding points at the
//! subnet's address prefix (what a person widens), with the value's origin (a parameter file
//! line) and every instance as related locations.

use super::context::{subnet_identity, subnet_name};
use super::sizing::{prefixes, show_prefixes, usages, widen_help, with_context, Usage};
use super::{Ctx, Rule, Sink};
use crate::analysis::address::{self, Prefix};
use crate::code::Code;
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: Code::Stv103,
    name: "subnet-too-small",
    severity: Severity::Error,
    summary: "The subnet is smaller than /29 or cannot hold the instances placed in it",
    page: include_str!("../../rules/STV103.md"),
    check: Some(check),
};

fn check(ctx: &Ctx, sink: &mut Sink) {
    for (subnet, sites) in ctx.subnets() {
        sink.about_sites(&sites);
        let Some(prefixes) = prefixes(sink, subnet) else {
            continue;
        };
        let small = address::too_small(&prefixes);
        if !small.is_empty() || !prefixes.iter().any(Prefix::is_v4) {
            let shown = if small.is_empty() {
                "no IPv4 prefix".to_string()
            } else {
                small
                    .iter()
                    .map(|p| p.net.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let d = sink
                .diag(format!(
                    "subnet '{}' has {shown}; API Management needs an IPv4 prefix of /29 or larger",
                    subnet_name(subnet)
                ))
                .help("Give the subnet an IPv4 address prefix of /29 or larger (a /27 or wider leaves room to scale).")
                .label(format!("{shown}: needs /29 or larger"))
                .identity(format!("{}|min-size", subnet_identity(subnet)));
            sink.emit(with_context(d, subnet, &sites));
            continue;
        }
        let Some(usages) = usages(sink, &sites) else {
            continue;
        };
        let usable = address::usable(&prefixes);
        // Other resources of the deployment in the subnet take addresses too (R-VNET-8).
        let (others, taken) = super::sizing::others(ctx, subnet);
        let need = usages.iter().fold(others, |a, u| a.saturating_add(u.need));
        if need <= usable {
            continue;
        }
        let who = if usages.len() == 1 {
            usages[0].describe()
        } else {
            format!(
                "the {} API Management locations placed in it need {need}: {}",
                usages.len(),
                usages
                    .iter()
                    .map(Usage::describe)
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        };
        let who = format!("{who}{taken}");
        let d = sink
            .diag(format!(
                "subnet '{}' ({}) has {usable} usable addresses, but {who}",
                subnet_name(subnet),
                show_prefixes(&prefixes)
            ))
            .help(widen_help(need, "or lower the unit count"))
            .label(format!(
                "{} leaves {usable} usable addresses, needs {need}",
                show_prefixes(&prefixes)
            ))
            .identity(format!("{}|capacity", subnet_identity(subnet)));
        sink.emit(with_context(d, subnet, &sites));
    }
}

#[cfg(test)]
mod tests {
    use crate::model::Field;
    use crate::rules::testkit::*;

    #[test]
    fn two_premium_units_in_a_slash_29() {
        let w = ws(
            vec![apim("a", "Premium", "External", 2, 100)],
            vec![subnet("vnet", "apim", &["10.0.0.0/29"], 10)],
            vec![],
        );
        let d = run(Code::Stv103, &w);
        assert_eq!(at(&d), vec![(Code::Stv103, Some(11))]);
        assert!(
            d[0].message.contains("3 usable addresses"),
            "{}",
            d[0].message
        );
        assert!(d[0].message.contains("needs 4"), "{}", d[0].message);
        assert!(d[0].help.as_deref().unwrap().contains("/28"));
        // The instance is a related location (its capacity).
        assert!(d[0].related.iter().any(|r| r.span.start == 104));
    }

    #[test]
    fn one_premium_unit_fits_a_slash_29_and_developer_internal_too() {
        let w = ws(
            vec![apim("a", "Premium", "Internal", 1, 100)],
            vec![subnet("vnet", "apim", &["10.0.0.0/29"], 10)],
            vec![],
        );
        assert!(run(Code::Stv103, &w).is_empty());
        let w = ws(
            vec![apim("a", "Developer", "Internal", 1, 100)],
            vec![subnet("vnet", "apim", &["10.0.0.0/29"], 10)],
            vec![],
        );
        assert!(run(Code::Stv103, &w).is_empty());
    }

    #[test]
    fn sum_of_instances_sharing_the_subnet() {
        // /28 = 11 usable: 2×2 + (2×2+1) = 9 fits; adding a third External unit (2) = 11 fits;
        // a fourth instance of 1 Developer unit = 12 does not.
        let mut apims = vec![
            apim("a", "Premium", "External", 2, 100),
            apim("b", "Premium", "Internal", 2, 200),
            apim("c", "Premium", "External", 1, 300),
        ];
        let w = ws(
            apims.clone(),
            vec![subnet("vnet", "apim", &["10.0.0.0/28"], 10)],
            vec![],
        );
        assert!(run(Code::Stv103, &w).is_empty());
        apims.push(apim("d", "Developer", "External", 1, 400));
        let w = ws(
            apims,
            vec![subnet("vnet", "apim", &["10.0.0.0/28"], 10)],
            vec![],
        );
        let d = run(Code::Stv103, &w);
        assert_eq!(at(&d), vec![(Code::Stv103, Some(11))]);
        assert!(d[0].message.contains("need 12"), "{}", d[0].message);
        assert_eq!(d[0].related.len(), 4);
    }

    #[test]
    fn prefix_longer_than_29_is_reported_once() {
        let w = ws(
            vec![apim("a", "Premium", "External", 1, 100)],
            vec![subnet("vnet", "apim", &["10.0.0.0/30"], 10)],
            vec![],
        );
        let d = run(Code::Stv103, &w);
        assert_eq!(at(&d), vec![(Code::Stv103, Some(11))]);
        assert!(d[0].message.contains("10.0.0.0/30"), "{}", d[0].message);
    }

    #[test]
    fn unknown_prefix_or_capacity_is_unverifiable_not_an_error() {
        let mut s = subnet("vnet", "apim", &[], 10);
        s.prefixes = Field::unknown("parameter 'subnetPrefix' has no value", sp(11));
        let w = ws(
            vec![apim("a", "Premium", "External", 1, 100)],
            vec![s],
            vec![],
        );
        assert_eq!(at(&run(Code::Stv103, &w)), vec![(Code::Stv002, Some(11))]);

        let mut a = apim("a", "Premium", "External", 1, 100);
        a.locations[0].capacity = Field::unknown("parameter 'units' has no value", sp(104));
        let w = ws(
            vec![a],
            vec![subnet("vnet", "apim", &["10.0.0.0/29"], 10)],
            vec![],
        );
        assert_eq!(at(&run(Code::Stv103, &w)), vec![(Code::Stv002, Some(104))]);

        // Developer needs no capacity.
        let mut a = apim("a", "Developer", "External", 1, 100);
        a.locations[0].capacity = Field::unknown("no value", sp(104));
        let w = ws(
            vec![a],
            vec![subnet("vnet", "apim", &["10.0.0.0/29"], 10)],
            vec![],
        );
        assert!(run(Code::Stv103, &w).is_empty());
    }

    #[test]
    fn garbage_prefix_is_unverifiable() {
        let w = ws(
            vec![apim("a", "Premium", "External", 1, 100)],
            vec![subnet("vnet", "apim", &["10.0.0/24"], 10)],
            vec![],
        );
        let d = run(Code::Stv103, &w);
        assert_eq!(at(&d), vec![(Code::Stv002, Some(11))]);
    }

    #[test]
    fn origin_is_a_related_location() {
        let mut s = subnet("vnet", "apim", &["10.0.0.0/29"], 10);
        s.prefixes = s.prefixes.with_origin(sp(900));
        let w = ws(
            vec![apim("a", "Premium", "External", 3, 100)],
            vec![s],
            vec![],
        );
        let d = run(Code::Stv103, &w);
        assert_eq!(at(&d), vec![(Code::Stv103, Some(11))]);
        assert!(d[0].related.iter().any(|r| r.span.start == 900));
    }

    #[test]
    fn out_of_scope_instances_are_not_counted() {
        // Standard cannot be injected (STV010 says so); v2 is out of scope; None is not injected.
        let w = ws(
            vec![
                apim("a", "Standard", "External", 4, 100),
                apim("b", "StandardV2", "External", 4, 200),
                apim("c", "Premium", "None", 4, 300),
            ],
            vec![subnet("vnet", "apim", &["10.0.0.0/29"], 10)],
            vec![],
        );
        assert!(run(Code::Stv103, &w).is_empty());
    }
}
