//! STV109 odd-prefixes: The API Management subnet has several address prefixes or an IPv6 prefix.
//!
//! R-VNET-9: the API Management documentation only describes a subnet with one IPv4 prefix
//! (sizing, examples, the NSG rules on the subnet range). Several prefixes or a dual-stack subnet
//! are untested ground: a warning, not an error. Points at the prefixes.

use super::context::{subnet_identity, subnet_name};
use super::sizing::show_prefixes;
use super::{Ctx, Rule, Sink};
use crate::analysis::address::{self, Prefix};
use crate::code::Code;
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: Code::Stv109,
    name: "odd-prefixes",
    severity: Severity::Warning,
    summary: "The API Management subnet has several address prefixes or an IPv6 prefix",
    page: include_str!("../../rules/STV109.md"),
    check: Some(check),
};

fn check(ctx: &Ctx, sink: &mut Sink) {
    for (subnet, sites) in ctx.subnets() {
        sink.about_sites(&sites);
        // Unknown or unparsable prefixes: STV103 already says the subnet cannot be checked.
        let Some(Ok(list)) = subnet.prefixes.get().map(|l| address::parse_prefixes(l)) else {
            continue;
        };
        let v6: Vec<Prefix> = list.iter().filter(|p| !p.is_v4()).copied().collect();
        let what = if !v6.is_empty() {
            format!("an IPv6 prefix ({})", show_prefixes(&v6))
        } else if list.len() > 1 {
            format!("{} address prefixes ({})", list.len(), show_prefixes(&list))
        } else {
            continue;
        };
        let mut d = sink
            .diag(format!(
                "subnet '{}' has {what}; API Management documents injection only into a subnet with one IPv4 prefix",
                subnet_name(subnet)
            ))
            .at(subnet.prefixes.at.or(Some(subnet.meta.decl)))
            .label(what.clone())
            .resource(&subnet.meta.label)
            .related(subnet.prefixes.origin(), "the prefix value comes from here")
            .help("Give the API Management subnet a single IPv4 prefix (/29 or wider; size it for growth) and put other address ranges in other subnets.")
            .identity(format!("{}|odd-prefixes", subnet_identity(subnet)));
        for s in &sites {
            d = d.related(
                Some(s.loc.decl),
                format!("{} is placed in this subnet", s.label()),
            );
        }
        sink.emit(d);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testkit::*;

    fn one(prefixes: &[&str]) -> Vec<(Code, Option<usize>)> {
        let w = ws(
            vec![apim("a", "Premium", "External", 1, 100)],
            vec![subnet("vnet", "apim", prefixes, 10)],
            vec![],
        );
        at(&run(Code::Stv109, &w))
    }

    #[test]
    fn several_or_ipv6_prefixes_warn_at_the_prefixes() {
        assert_eq!(
            one(&["10.0.0.0/27", "10.0.1.0/27"]),
            vec![(Code::Stv109, Some(11))]
        );
        assert_eq!(
            one(&["10.0.0.0/27", "fd00::/64"]),
            vec![(Code::Stv109, Some(11))]
        );
        assert!(one(&["10.0.0.0/27"]).is_empty());
    }
}
