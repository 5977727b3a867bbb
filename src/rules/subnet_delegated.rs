//! STV102 subnet-delegated: The API Management subnet is delegated to a service.
//!
//! R-VNET-4: classic-tier injection needs an undelegated subnet (delegation is the v2 tiers'
//! model); a delegated subnet also rules out the same-subnet migration. Points at the delegation.

use super::context::{subnet_identity, subnet_name};
use super::{Ctx, Rule, Sink};
use crate::code::Code;
use crate::diagnostic::Severity;
use crate::model::Format;

pub const RULE: Rule = Rule {
    code: Code::Stv102,
    name: "subnet-delegated",
    severity: Severity::Error,
    summary: "The API Management subnet is delegated to a service",
    page: include_str!("../../rules/STV102.md"),
    check: Some(check),
};

fn check(ctx: &Ctx, sink: &mut Sink) {
    for (subnet, sites) in ctx.subnets() {
        sink.about_sites(&sites);
        let id = subnet_identity(subnet);
        let Some(delegations) = sink.require(
            &subnet.delegations,
            "the subnet delegation",
            &subnet.meta.label,
            &id,
        ) else {
            continue;
        };
        if delegations.is_empty() {
            continue;
        }
        let what = match subnet.meta.format {
            Format::Terraform => "the delegation block",
            _ => "the delegations",
        };
        let mut d = sink
            .diag(format!(
                "subnet '{}' is delegated to {}; API Management (classic tiers) needs a subnet without delegation",
                subnet_name(subnet),
                delegations
                    .iter()
                    .map(|s| format!("'{s}'"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .at(subnet.delegations.at.or(Some(subnet.meta.decl)))
            .label("delegated: API Management needs a subnet without delegation")
            .resource(&subnet.meta.label)
            .help(format!(
                "Remove {what} from the subnet, or give API Management its own subnet without delegation."
            ))
            .related(subnet.delegations.origin(), "the value comes from here")
            .identity(format!("{id}|delegated"));
        for s in &sites {
            d = d.related(
                s.loc
                    .subnet
                    .as_ref()
                    .and_then(|f| f.at)
                    .or(Some(s.loc.decl)),
                format!("{} is placed in this subnet", s.label()),
            );
        }
        sink.emit(d);
    }
}

#[cfg(test)]
mod tests {
    use crate::model::Field;
    use crate::rules::testkit::*;

    #[test]
    fn delegated_subnet_is_an_error_at_the_delegation() {
        let mut s = subnet("vnet", "apim", &["10.0.0.0/27"], 10);
        s.delegations = Field::known(vec!["Microsoft.Web/serverFarms".into()], sp(12));
        let w = ws(
            vec![apim("a", "Premium", "External", 1, 100)],
            vec![s],
            vec![],
        );
        let d = run(Code::Stv102, &w);
        assert_eq!(at(&d), vec![(Code::Stv102, Some(12))]);
        assert!(d[0].message.contains("Microsoft.Web/serverFarms"));
        assert!(d[0].related.iter().any(|r| r.span.start == 106));
    }

    #[test]
    fn undelegated_or_unknown() {
        let w = ws(
            vec![apim("a", "Premium", "External", 1, 100)],
            vec![subnet("vnet", "apim", &["10.0.0.0/27"], 10)],
            vec![],
        );
        assert!(run(Code::Stv102, &w).is_empty());
        let mut s = subnet("vnet", "apim", &["10.0.0.0/27"], 10);
        s.delegations = Field::unknown("variable 'delegations' is unknown", sp(12));
        let w = ws(
            vec![apim("a", "Premium", "External", 1, 100)],
            vec![s],
            vec![],
        );
        assert_eq!(at(&run(Code::Stv102, &w)), vec![(Code::Stv002, Some(12))]);
    }

    #[test]
    fn a_subnet_shared_by_two_instances_is_reported_once() {
        let mut s = subnet("vnet", "apim", &["10.0.0.0/27"], 10);
        s.delegations = Field::known(vec!["Microsoft.Web/serverFarms".into()], sp(12));
        let w = ws(
            vec![
                apim("a", "Premium", "External", 1, 100),
                apim("b", "Developer", "Internal", 1, 200),
            ],
            vec![s],
            vec![],
        );
        assert_eq!(run(Code::Stv102, &w).len(), 1);
    }
}
