//! STV104 side-by-side-headroom: The subnet lacks room for side-by-side compute during a same-subnet migration.
//!
//! R-MIG-3: migrating stv1 → stv2 in the same subnet, Azure builds the new compute beside the old
//! one, one instance at a time, so the subnet needs Σ footprints + the largest footprint again.
//! A warning by default (the instance works, the migration fails); an error with `--migration`
//! or when the instance carries the pre-created migration IP key (a migration is under way).

use super::context::{subnet_identity, subnet_name};
use super::sizing::{prefixes, show_prefixes, usages, widen_help, with_context, Usage};
use super::{Ctx, Rule, Sink};
use crate::analysis::address;
use crate::code::Code;
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: Code::Stv104,
    name: "side-by-side-headroom",
    severity: Severity::Warning,
    summary: "The subnet lacks room for side-by-side compute during a same-subnet migration",
    page: include_str!("../../rules/STV104.md"),
    check: Some(check),
};

fn check(ctx: &Ctx, sink: &mut Sink) {
    for (subnet, sites) in ctx.subnets() {
        sink.about_sites(&sites);
        let Some(prefixes) = prefixes(sink, subnet) else {
            continue;
        };
        // A subnet below /29 is STV103's finding already.
        if !address::too_small(&prefixes).is_empty() || !prefixes.iter().any(|p| p.is_v4()) {
            continue;
        }
        let Some(usages) = usages(sink, &sites) else {
            continue;
        };
        let usable = address::usable(&prefixes);
        let footprints: Vec<u64> = usages.iter().map(|u| u.need).collect();
        // Other resources in the subnet keep their addresses during the migration too.
        let (others, taken) = super::sizing::others(ctx, subnet);
        let sum = footprints.iter().fold(others, |a, f| a.saturating_add(*f));
        // Not even the instances themselves fit: STV103 reports that.
        if sum > usable {
            continue;
        }
        let need = address::side_by_side_need(&footprints).saturating_add(others);
        if need <= usable {
            continue;
        }
        let largest = usages
            .iter()
            .max_by_key(|u| u.need)
            .map(Usage::describe)
            .unwrap_or_default();
        let migrating = ctx.opts.migration || sites.iter().any(|s| s.apim.migration_ips);
        let mut d = sink
            .diag(format!(
                "subnet '{}' ({}) has {usable} usable addresses; a same-subnet stv1 to stv2 migration needs {need}: the {sum} in use plus room for a second copy of the largest instance: {largest}{taken}",
                subnet_name(subnet),
                show_prefixes(&prefixes),
            ))
            .label(format!("{usable} usable addresses, the migration needs {need}"))
            .help(widen_help(
                need,
                "or migrate to a new subnet instead of keeping the same one",
            ))
            .identity(format!("{}|side-by-side", subnet_identity(subnet)));
        if migrating {
            d.severity = Severity::Error;
        }
        sink.emit(with_context(d, subnet, &sites));
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::Severity;
    use crate::rules::testkit::*;
    use crate::rules::Options;

    #[test]
    fn one_internal_premium_unit_in_a_slash_29_has_no_headroom() {
        let w = ws(
            vec![apim("a", "Premium", "Internal", 1, 100)],
            vec![subnet("vnet", "apim", &["10.0.0.0/29"], 10)],
            vec![],
        );
        let d = run(Code::Stv104, &w);
        assert_eq!(at(&d), vec![(Code::Stv104, Some(11))]);
        assert_eq!(d[0].severity, Severity::Warning);
        assert!(d[0].message.contains("needs 6"), "{}", d[0].message);
        let d = run_with(Code::Stv104, &w, &Options { migration: true });
        assert_eq!(d[0].severity, Severity::Error);
    }

    #[test]
    fn migration_key_makes_it_an_error() {
        let mut a = apim("a", "Premium", "Internal", 1, 100);
        a.migration_ips = true;
        let w = ws(
            vec![a],
            vec![subnet("vnet", "apim", &["10.0.0.0/29"], 10)],
            vec![],
        );
        assert_eq!(run(Code::Stv104, &w)[0].severity, Severity::Error);
    }

    #[test]
    fn sum_plus_largest() {
        // /28 = 11: footprints 4 + 3 = 7, + 4 = 11 fits exactly.
        let w = ws(
            vec![
                apim("a", "Premium", "External", 2, 100),
                apim("b", "Premium", "Internal", 1, 200),
            ],
            vec![subnet("vnet", "apim", &["10.0.0.0/28"], 10)],
            vec![],
        );
        assert!(run(Code::Stv104, &w).is_empty());
        // One more unit for b: 4 + 5 + 5 = 14 > 11, while 9 alone still fits.
        let w = ws(
            vec![
                apim("a", "Premium", "External", 2, 100),
                apim("b", "Premium", "Internal", 2, 200),
            ],
            vec![subnet("vnet", "apim", &["10.0.0.0/28"], 10)],
            vec![],
        );
        let d = run(Code::Stv104, &w);
        assert_eq!(at(&d), vec![(Code::Stv104, Some(11))]);
        assert!(d[0].help.as_deref().unwrap().contains("/27"));
    }

    #[test]
    fn silent_when_stv103_already_reports() {
        let w = ws(
            vec![apim("a", "Premium", "External", 2, 100)],
            vec![subnet("vnet", "apim", &["10.0.0.0/29"], 10)],
            vec![],
        );
        assert!(run(Code::Stv104, &w).is_empty());
        let w = ws(
            vec![apim("a", "Premium", "External", 1, 100)],
            vec![subnet("vnet", "apim", &["10.0.0.0/30"], 10)],
            vec![],
        );
        assert!(run(Code::Stv104, &w).is_empty());
    }
}
