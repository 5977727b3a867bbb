//! STV221 public-ip-destination: An inbound security rule names a public IP address as its
//! destination.
//!
//! R-NSG-7: an NSG evaluates inbound traffic after the public address has been translated to the
//! private one, so a rule whose destination is the instance's public IP (or any public address
//! outside the API Management subnet) never matches: an allow grants nothing. A warning at the
//! destination; the fix is the subnet range or `VirtualNetwork`.

use super::apim_side::{about_rule, subnet_nets};
use super::{Ctx, Rule, Sink};
use crate::analysis::tags::{is_private, Token};
use crate::code::Code;
use crate::diagnostic::Severity;
use crate::model::Direction;

pub const RULE: Rule = Rule {
    code: Code::Stv221,
    name: "public-ip-destination",
    severity: Severity::Warning,
    summary: "An inbound security rule names a public IP address as its destination",
    page: include_str!("../../rules/STV221.md"),
    check: Some(check),
};

fn check(ctx: &Ctx, sink: &mut Sink) {
    for (nsg, sites) in ctx.nsgs() {
        sink.about_sites(&sites);
        // A VNet may use public address space: a destination inside an API Management subnet is
        // then fine. Unknown prefixes: compare against nothing (public stays public).
        let nets = subnet_nets(&sites).unwrap_or_default();
        let form = ctx.nsg_forms.of(nsg);
        for (i, rule) in nsg.rules.iter().enumerate() {
            if rule.direction.get() != Some(&Direction::Inbound) {
                continue;
            }
            let (Some(list), Some(classes)) =
                (rule.destination_addresses.get(), form.addresses(i, false))
            else {
                continue;
            };
            let public: Vec<&String> = list
                .iter()
                .zip(classes)
                .filter(|(_, class)| match class {
                    Token::Cidr(c) => {
                        !is_private(c) && !nets.iter().any(|n| n.contains(c) || c.contains(n))
                    }
                    _ => false,
                })
                .map(|(t, _)| t)
                .collect();
            if public.is_empty() {
                continue;
            }
            let d = sink
                .diag(format!(
                    "inbound security rule '{}' of NSG '{}' has the public address {} as its destination; NSGs see inbound traffic after translation to the private address, so this never matches API Management",
                    rule.name,
                    nsg.meta.name,
                    public.iter().map(|t| format!("'{t}'")).collect::<Vec<_>>().join(", "),
                ))
                .at(rule.destination_addresses.at.or(Some(rule.decl)))
                .label("a public address never matches after translation")
                .help("Use the API Management subnet range or VirtualNetwork as the destination; restrict the sources instead.");
            sink.emit(about_rule(d, nsg, rule, "public-destination", &sites));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Access, Direction, Field, SecurityRule};
    use crate::rules::testkit::*;

    fn rule(dir: Direction, dst: &str, at: usize) -> SecurityRule {
        SecurityRule {
            name: format!("r{at}"),
            decl: sp(at).unwrap(),
            priority: Field::known(at as i64, None),
            direction: Field::known(dir, None),
            access: Field::known(Access::Allow, None),
            protocol: Field::known("Tcp".into(), None),
            source_addresses: Field::known(vec!["Internet".into()], None),
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
    fn a_public_destination_on_inbound_warns() {
        let w = with_nsg_rules(vec![
            rule(Direction::Inbound, "20.50.1.2", 400),
            rule(Direction::Inbound, "10.0.0.0/27", 410),
            rule(Direction::Inbound, "VirtualNetwork", 420),
            rule(Direction::Outbound, "20.50.1.2", 430),
        ]);
        assert_eq!(at(&run(Code::Stv221, &w)), vec![(Code::Stv221, Some(402))]);
    }
}
