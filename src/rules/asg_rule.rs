//! STV222 asg-rule: A security rule selects API Management through an application security group.
//!
//! R-NSG-8: the instances' network interfaces are platform-managed and cannot join an application
//! security group, so a rule whose API Management side (inbound: destination, outbound: source)
//! names only ASGs never matches the instance: an allow grants it nothing, a deny blocks nothing.
//! A warning at the rule (the evaluation of the required flows already ignores such rules).

use super::apim_side::{about_rule, apim_side, side_name};
use super::{Ctx, Rule, Sink};
use crate::analysis::tags::Token;
use crate::code::Code;
use crate::diagnostic::Severity;
use crate::model::Access;

pub const RULE: Rule = Rule {
    code: Code::Stv222,
    name: "asg-rule",
    severity: Severity::Warning,
    summary: "A security rule selects API Management through an application security group",
    page: include_str!("../../rules/STV222.md"),
    check: Some(check),
};

fn check(ctx: &Ctx, sink: &mut Sink) {
    for (nsg, sites) in ctx.nsgs() {
        sink.about_sites(&sites);
        let form = ctx.nsg_forms.of(nsg);
        for (i, rule) in nsg.rules.iter().enumerate() {
            let Some(side) = apim_side(rule, &form, i) else {
                continue;
            };
            if side.is_empty() || !side.iter().all(|(_, t)| **t == Token::Asg) {
                continue;
            }
            let effect = match rule.access.get() {
                Some(Access::Deny) => "it blocks nothing for the instance",
                _ => "it allows nothing for the instance",
            };
            let side_name = side_name(rule);
            let d = sink
                .diag(format!(
                    "security rule '{}' of NSG '{}' selects its {side_name} by application security group; API Management network interfaces are platform-managed and never belong to one, so {effect}",
                    rule.name, nsg.meta.name
                ))
                .at(Some(rule.decl))
                .label(format!("{side_name} is an application security group, which API Management never joins"))
                .help(format!(
                    "Address API Management by its subnet range (or VirtualNetwork) in the {side_name} instead of an application security group."
                ));
            sink.emit(about_rule(d, nsg, rule, "asg", &sites));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Access, Direction, Field, SecurityRule};
    use crate::rules::testkit::*;

    pub fn rule(dir: Direction, src: &str, dst: &str, at: usize) -> SecurityRule {
        SecurityRule {
            name: format!("r{at}"),
            decl: sp(at).unwrap(),
            priority: Field::known(at as i64, None),
            direction: Field::known(dir, None),
            access: Field::known(Access::Allow, None),
            protocol: Field::known("Tcp".into(), None),
            source_addresses: Field::known(vec![src.into()], None),
            source_ports: Field::known(vec!["*".into()], None),
            destination_addresses: Field::known(vec![dst.into()], None),
            destination_ports: Field::known(vec!["443".into()], None),
            plural_prefixes: Vec::new(),
            invalid: Vec::new(),
            faults: Vec::new(),
            deployed: None,
        }
    }

    #[test]
    fn only_asgs_on_the_apim_side_warn() {
        let w = with_nsg_rules(vec![
            rule(Direction::Inbound, "Internet", "asg:/x/asgs/apim", 400),
            rule(
                Direction::Inbound,
                "asg:/x/asgs/clients",
                "VirtualNetwork",
                410,
            ),
            rule(Direction::Outbound, "asg:/x/asgs/apim", "Storage", 420),
            rule(
                Direction::Outbound,
                "VirtualNetwork",
                "asg:/x/asgs/backends",
                430,
            ),
        ]);
        assert_eq!(
            at(&run(Code::Stv222, &w)),
            vec![(Code::Stv222, Some(400)), (Code::Stv222, Some(420))]
        );
    }
}
