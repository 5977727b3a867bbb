//! STV220 pinned-private-ip: A security rule addresses API Management by part of its subnet.
//!
//! R-VNET-10: the private addresses of the instance's units and of its internal load balancer are
//! assigned dynamically from the subnet and change on scaling, updates and zone changes. A rule
//! whose API Management side (inbound: destination, outbound: source) names only an address or
//! range strictly inside an API Management subnet covers some instances some of the time: a
//! warning at the rule, asking to use the whole subnet.

use super::apim_side::{about_rule, apim_side, side_name, subnet_nets};
use super::{Ctx, Rule, Sink};
use crate::analysis::tags::Token;
use crate::code::Code;
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: Code::Stv220,
    name: "pinned-private-ip",
    severity: Severity::Warning,
    summary: "A security rule addresses API Management by part of its subnet",
    page: include_str!("../../rules/STV220.md"),
    check: Some(check),
};

fn check(ctx: &Ctx, sink: &mut Sink) {
    for (nsg, sites) in ctx.nsgs() {
        sink.about_sites(&sites);
        let Some(nets) = subnet_nets(&sites) else {
            continue;
        };
        let form = ctx.nsg_forms.of(nsg);
        for (i, rule) in nsg.rules.iter().enumerate() {
            let Some(side) = apim_side(rule, &form, i) else {
                continue;
            };
            // Only when every address of the side is such a slice: a rule that also names the
            // whole subnet (or a tag) still covers the instance.
            let slices: Vec<(&str, &ipnet::Ipv4Net, ipnet::Ipv4Net)> = side
                .iter()
                .filter_map(|&(t, tok)| match tok {
                    Token::Cidr(c) => nets
                        .iter()
                        .find(|n| n.contains(c) && c.prefix_len() > n.prefix_len())
                        .map(|n| (t, n, c.trunc())),
                    _ => None,
                })
                .collect();
            if slices.is_empty() || slices.len() != side.len() {
                continue;
            }
            // Slices that together make up every subnet they are cut from name the whole
            // subnets (`10.0.1.0/28` + `10.0.1.16/28` of a /27).
            let joined = ipnet::Ipv4Net::aggregate(&slices.iter().map(|s| s.2).collect::<Vec<_>>());
            if slices
                .iter()
                .all(|(_, n, _)| joined.iter().any(|j| j.contains(*n)))
            {
                continue;
            }
            let side_name = side_name(rule);
            let field = match side_name {
                "source" => &rule.source_addresses,
                _ => &rule.destination_addresses,
            };
            let d = sink
                .diag(format!(
                    "security rule '{}' of NSG '{}' names {} as its {side_name}, a part of API Management subnet {}; the instance's private addresses are assigned dynamically and change",
                    rule.name,
                    nsg.meta.name,
                    slices.iter().map(|(t, _, _)| format!("'{t}'")).collect::<Vec<_>>().join(", "),
                    slices[0].1
                ))
                .at(field.at.or(Some(rule.decl)))
                .label("a slice of the subnet: the instance's addresses change")
                .help(format!(
                    "Use the whole API Management subnet ({}) or VirtualNetwork as the {side_name}.",
                    slices[0].1
                ));
            sink.emit(about_rule(d, nsg, rule, "pinned", &sites));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Direction, Field, SecurityRule};
    use crate::rules::testkit::*;

    fn rule(dir: Direction, src: &str, dst: &str, at: usize) -> SecurityRule {
        SecurityRule {
            name: format!("r{at}"),
            decl: sp(at).unwrap(),
            priority: Field::known(at as i64, None),
            direction: Field::known(dir, None),
            access: Field::known(crate::model::Access::Allow, None),
            protocol: Field::known("Tcp".into(), None),
            source_addresses: Field::known(vec![src.into()], sp(at + 1)),
            source_ports: Field::known(vec!["*".into()], None),
            destination_addresses: Field::known(vec![dst.into()], sp(at + 2)),
            destination_ports: Field::known(vec!["443".into()], None),
            plural_prefixes: Vec::new(),
            invalid: Vec::new(),
            faults: Vec::new(),
            deployed: None,
        }
    }

    #[test]
    fn a_host_inside_the_subnet_warns_the_whole_subnet_does_not() {
        let w = with_nsg_rules(vec![
            rule(Direction::Inbound, "Internet", "10.0.0.4/32", 400),
            rule(Direction::Inbound, "Internet", "10.0.0.0/27", 410),
            rule(Direction::Outbound, "10.0.0.5", "Storage", 420),
            rule(Direction::Inbound, "10.0.0.4", "VirtualNetwork", 430),
            rule(Direction::Inbound, "Internet", "10.1.0.4", 440),
        ]);
        // Two halves of the subnet together are the whole subnet.
        let mut halves = rule(Direction::Inbound, "Internet", "10.0.0.0/28", 450);
        halves.destination_addresses =
            Field::known(vec!["10.0.0.0/28".into(), "10.0.0.16/28".into()], sp(452));
        let w2 = with_nsg_rules(vec![halves.clone()]);
        assert!(at(&run(Code::Stv220, &w2)).is_empty());
        halves.destination_addresses =
            Field::known(vec!["10.0.0.0/28".into(), "10.0.0.20/30".into()], sp(452));
        let w3 = with_nsg_rules(vec![halves]);
        assert_eq!(at(&run(Code::Stv220, &w3)).len(), 1);
        assert_eq!(
            at(&run(Code::Stv220, &w)),
            vec![(Code::Stv220, Some(402)), (Code::Stv220, Some(421))]
        );
    }
}
