//! STV108 growth-headroom: The subnet cannot hold the instances at their tier's unit cap.
//!
//! R-VNET-7: the subnet of an injected instance is hard to change later, and the documentation
//! asks to size it for growth and scaling. The growth target of a location is the tier's
//! per-region unit cap (Developer 1, Premium 31), never less than its configured units; when the
//! footprints at that target do not fit the subnet, warn (the current size may well fit — that is
//! STV103's business). Points at the prefix.

use super::context::{subnet_identity, subnet_name};
use super::sizing::{prefixes, show_prefixes, usages, widen_help, with_context};
use super::{Ctx, Rule, Sink};
use crate::analysis::address;
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: "STV108",
    name: "growth-headroom",
    severity: Severity::Warning,
    summary: "The subnet cannot hold the instances at their tier's unit cap",
    page: include_str!("../../rules/STV108.md"),
    check: Some(check),
};

/// Premium scale units per region (service limits, 2025); the subnet is sized for this.
pub const PREMIUM_UNITS_PER_REGION: u64 = 31;

fn check(ctx: &Ctx, sink: &mut Sink) {
    for (subnet, sites) in ctx.subnets() {
        sink.about_sites(&sites);
        let Some(list) = prefixes(sink, subnet) else {
            continue;
        };
        let usable = address::usable(&list);
        let Some(now) = usages(sink, &sites) else {
            continue;
        };
        let need_now: u64 = now.iter().map(|u| u.need).sum();
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
                    u.units.max(PREMIUM_UNITS_PER_REGION)
                };
                let need = address::footprint(s.is_developer(), units, s.is_internal());
                (
                    format!("{} needs {need} at {units} {} units", s.label(), s.sku),
                    need,
                )
            })
            .collect();
        let need: u64 = at_cap.iter().map(|(_, n)| n).sum();
        if need <= usable {
            continue;
        }
        let d = sink
            .diag(format!(
                "subnet '{}' ({}, {usable} usable addresses) cannot grow to the tier's unit cap: {} ({need} in all)",
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
            .identity(format!("{}|growth", subnet_identity(subnet)));
        sink.emit(with_context(d, subnet, &sites));
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testkit::*;

    fn run_for(
        sku: &str,
        mode: &str,
        units: i64,
        prefix: &str,
    ) -> Vec<(&'static str, Option<usize>)> {
        let w = ws(
            vec![apim("a", sku, mode, units, 100)],
            vec![subnet("vnet", "apim", &[prefix], 10)],
            vec![],
        );
        at(&run("STV108", &w))
    }

    #[test]
    fn premium_is_sized_for_31_units() {
        // External at 31 units: 62 addresses; a /26 offers 59, a /25 123.
        assert_eq!(
            run_for("Premium", "External", 1, "10.0.0.0/26"),
            vec![("STV108", Some(11))]
        );
        assert!(run_for("Premium", "External", 1, "10.0.0.0/25").is_empty());
        // Internal: 63 addresses.
        assert_eq!(
            run_for("Premium", "Internal", 2, "10.0.0.0/26"),
            vec![("STV108", Some(11))]
        );
    }

    #[test]
    fn developer_fits_any_valid_subnet_and_too_small_is_left_to_stv103() {
        assert!(run_for("Developer", "Internal", 1, "10.0.0.0/29").is_empty());
        // 30 Premium units do not fit a /27 at all: STV103's finding, not this one.
        assert!(run_for("Premium", "External", 30, "10.0.0.0/27").is_empty());
    }
}
