//! STV108 growth-headroom: The subnet has no room for the instances to double their units.
//!
//! R-VNET-7: the subnet of an injected instance is hard to change later, and the documentation
//! asks to size it for growth and scaling. The growth target of a location is twice its
//! configured units, bounded by the tier's per-region cap (Developer 1, Premium 31): room to
//! double. (The spec's "tier cap" target would warn on nearly every Premium subnet below /25,
//! which reviewers would not accept.) When the footprints at that target do not fit the subnet,
//! warn; a subnet too small today is STV103's business. Points at the prefix.

use super::context::Site;
use super::context::{subnet_identity, subnet_name};
use super::sizing::{show_prefixes, widen_help, with_context, Usage};
use super::{Ctx, Rule, Sink};
use crate::analysis::address;
use crate::code::Code;
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: Code::Stv108,
    name: "growth-headroom",
    severity: Severity::Warning,
    summary: "The subnet has no room for the instances to double their units",
    page: include_str!("../../rules/STV108.md"),
    check: Some(check),
};

/// Premium scale units per region (service limits, 2025); the subnet is sized for this.
pub const PREMIUM_UNITS_PER_REGION: u64 = 31;

/// Each location's footprint today, or `None` when a unit count is unknown.
fn known_usages<'c, 'a>(sites: &[&'c Site<'a>]) -> Option<Vec<Usage<'c, 'a>>> {
    sites
        .iter()
        .map(|site| {
            let units = if site.is_developer() {
                1
            } else {
                u64::try_from(*site.loc.capacity.get()?).unwrap_or(0)
            };
            Some(Usage {
                site,
                units,
                need: address::footprint(site.is_developer(), units, site.is_internal()),
            })
        })
        .collect()
}

/// Twice the configured units, at most the per-region cap (never fewer than configured).
pub fn growth_target(units: u64) -> u64 {
    units
        .saturating_mul(2)
        .min(PREMIUM_UNITS_PER_REGION)
        .max(units)
}

fn check(ctx: &Ctx, sink: &mut Sink) {
    for (subnet, sites) in ctx.subnets() {
        sink.about_sites(&sites);
        // An unknown prefix or unit count: STV103 already says the size cannot be checked.
        let Some(Ok(list)) = subnet.prefixes.get().map(|l| address::parse_prefixes(l)) else {
            continue;
        };
        let usable = address::usable(&list);
        let Some(now) = known_usages(&sites) else {
            continue;
        };
        // Other resources in the subnet keep their addresses as the instances grow.
        let (others, taken) = super::sizing::others(ctx, subnet);
        let need_now: u64 = now
            .iter()
            .map(|u| u.need)
            .sum::<u64>()
            .saturating_add(others);
        if need_now > usable {
            // Too small already: STV103 reports it.
            continue;
        }
        let at_cap: Vec<(String, u64)> = now
            .iter()
            .map(|u| {
                let s = u.site;
                let units = if s.is_developer() {
                    1
                } else {
                    growth_target(u.units)
                };
                let need = address::footprint(s.is_developer(), units, s.is_internal());
                (
                    format!("{} needs {need} at {units} {} units", s.label(), s.sku),
                    need,
                )
            })
            .collect();
        let need: u64 = at_cap
            .iter()
            .map(|(_, n)| n)
            .sum::<u64>()
            .saturating_add(others);
        if need <= usable {
            continue;
        }
        let d = sink
            .diag(format!(
                "subnet '{}' ({}, {usable} usable addresses) has no room to double its units: {}{taken} ({need} in all)",
                subnet_name(subnet),
                show_prefixes(&list),
                at_cap
                    .iter()
                    .map(|(s, _)| s.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
            ))
            .help(widen_help(
                need,
                "or accept that scaling out beyond what fits needs a new subnet (and a redeployment of the instance)",
            ))
            .label(format!("{} leaves {usable} usable addresses, doubling needs {need}", show_prefixes(&list)))
            .identity(format!("{}|growth", subnet_identity(subnet)));
        sink.emit(with_context(d, subnet, &sites));
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testkit::*;

    fn run_for(sku: &str, mode: &str, units: i64, prefix: &str) -> Vec<(Code, Option<usize>)> {
        let w = ws(
            vec![apim("a", sku, mode, units, 100)],
            vec![subnet("vnet", "apim", &[prefix], 10)],
            vec![],
        );
        at(&run(Code::Stv108, &w))
    }

    #[test]
    fn premium_is_sized_to_double_up_to_31_units() {
        // One External unit fits a /29 (3 usable), two do not.
        assert_eq!(
            run_for("Premium", "External", 1, "10.0.0.0/29"),
            vec![(Code::Stv108, Some(11))]
        );
        assert!(run_for("Premium", "External", 1, "10.0.0.0/28").is_empty());
        // 8 Internal units (17) fit a /27 (27 usable); 16 (33) do not.
        assert_eq!(
            run_for("Premium", "Internal", 8, "10.0.0.0/27"),
            vec![(Code::Stv108, Some(11))]
        );
        // 20 units: the target is the 31-unit cap (63 addresses), which a /25 holds.
        assert!(run_for("Premium", "Internal", 20, "10.0.0.0/25").is_empty());
        assert_eq!(super::growth_target(20), 31);
        assert_eq!(super::growth_target(40), 40);
    }

    #[test]
    fn developer_fits_any_valid_subnet_and_too_small_is_left_to_stv103() {
        assert!(run_for("Developer", "Internal", 1, "10.0.0.0/29").is_empty());
        // 30 Premium units do not fit a /27 at all: STV103's finding, not this one.
        assert!(run_for("Premium", "External", 30, "10.0.0.0/27").is_empty());
    }
}
