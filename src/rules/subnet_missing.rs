//! STV101 subnet-missing: A VNet-injected location has no subnet.
//!
//! R-VNET-1: with `virtualNetworkType` External or Internal, the primary location and every
//! additional location each need their own subnet. This rule also owns "the subnet cannot be
//! followed" (an unknown id, or a subnet no file of the run declares): one STV002 here, so the
//! subnet, NSG and route rules need not repeat it.

use super::{Ctx, Resolved, Rule, Sink};
use crate::code::Code;
use crate::diagnostic::Severity;
use crate::model::Format;
use std::collections::HashSet;

pub const RULE: Rule = Rule {
    code: Code::Stv101,
    name: "subnet-missing",
    severity: Severity::Error,
    summary: "A VNet-injected location has no subnet",
    page: include_str!("../../rules/STV101.md"),
    check: Some(check),
};

fn check(ctx: &Ctx, sink: &mut Sink) {
    let mut seen_apims: HashSet<*const crate::model::Apim> = HashSet::new();
    for site in &ctx.sites {
        sink.about(site);
        let apim = site.apim;
        if seen_apims.insert(apim) {
            if let Some((reason, at)) = &apim.locations_unknown {
                sink.unverifiable(
                    "the subnets of the additional locations",
                    reason,
                    at.or(Some(apim.meta.decl)),
                    &apim.meta.label,
                    &apim.meta.key.names.join("/"),
                );
            }
        }
        match &site.subnet {
            Resolved::Found(_) => {}
            Resolved::Unknown { reason, at } => sink.unverifiable(
                "the subnet",
                reason,
                at.or(Some(site.loc.decl)),
                &apim.meta.label,
                &site.identity(),
            ),
            Resolved::Absent => {
                let region = site.loc.location.get().cloned().unwrap_or_default();
                let help = match (apim.meta.format, site.loc.primary) {
                    (Format::Terraform, true) => {
                        "Add a `virtual_network_configuration { subnet_id = … }` block naming a subnet in the instance's region."
                    }
                    (Format::Terraform, false) => {
                        "Add a `virtual_network_configuration { subnet_id = … }` block to this additional_location, naming a subnet in its region."
                    }
                    (_, true) => {
                        "Set properties.virtualNetworkConfiguration.subnetResourceId to a subnet in the instance's region."
                    }
                    (_, false) => {
                        "Set virtualNetworkConfiguration.subnetResourceId on this additional location, naming a subnet in its region."
                    }
                };
                let d = sink
                    .diag(format!(
                        "{} is injected into a virtual network ({}) but has no subnet{}",
                        site.label(),
                        site.mode,
                        if region.is_empty() {
                            String::new()
                        } else {
                            format!(" in {region}")
                        }
                    ))
                    .at(Some(site.loc.decl))
                    .label("injected without a subnet")
                    .resource(&apim.meta.label)
                    .help(help)
                    .related(
                        apim.vnet_type.at,
                        format!("virtualNetworkType is {} here", site.mode),
                    )
                    .identity(format!("{}|no-subnet", site.identity()));
                sink.emit(d);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::model::Field;
    use crate::rules::testkit::*;

    #[test]
    fn primary_and_additional_locations_each_need_a_subnet() {
        let mut a = apim("a", "Premium", "Internal", 1, 100);
        a.locations[0].subnet = None;
        let mut extra = location(false, "northeurope", 1, 500);
        extra.subnet = None;
        a.locations.push(extra);
        let w = ws(vec![a], vec![], vec![]);
        let d = run(Code::Stv101, &w);
        assert_eq!(
            at(&d),
            vec![(Code::Stv101, Some(100)), (Code::Stv101, Some(500))]
        );
        assert!(
            d[1].message.contains("additional location northeurope"),
            "{}",
            d[1].message
        );
        assert!(d[0].related.iter().any(|r| r.span.start == 103));
    }

    /// STV010 compares the tier and mode trimmed; the scope must too, or an instance whose
    /// values carry stray spaces is checked by no rule at all.
    #[test]
    fn tier_and_mode_with_stray_spaces_are_in_scope() {
        let mut a = apim("a", " Premium ", "External ", 1, 100);
        a.locations[0].subnet = None;
        let w = ws(vec![a], vec![], vec![]);
        assert_eq!(at(&run(Code::Stv101, &w)), vec![(Code::Stv101, Some(100))]);
        assert!(run(Code::Stv010, &w).is_empty());
    }

    #[test]
    fn declared_subnet_passes_and_undeclared_is_unverifiable() {
        let w = ws(
            vec![apim("a", "Premium", "External", 1, 100)],
            vec![subnet("vnet", "apim", &["10.0.0.0/27"], 10)],
            vec![],
        );
        assert!(run(Code::Stv101, &w).is_empty());
        let w = ws(
            vec![apim("a", "Premium", "External", 1, 100)],
            vec![],
            vec![],
        );
        let d = run(Code::Stv101, &w);
        assert_eq!(at(&d), vec![(Code::Stv002, Some(106))]);
        assert!(d[0].message.contains("not declared"), "{}", d[0].message);
    }

    #[test]
    fn unknown_locations_are_unverifiable() {
        let mut a = apim("a", "Premium", "External", 1, 100);
        a.locations_unknown = Some(("parameter 'locations' has no value".into(), sp(150)));
        let w = ws(
            vec![a],
            vec![subnet("vnet", "apim", &["10.0.0.0/27"], 10)],
            vec![],
        );
        assert_eq!(at(&run(Code::Stv101, &w)), vec![(Code::Stv002, Some(150))]);
    }

    #[test]
    fn not_injected_or_unknown_mode_is_not_checked_here() {
        let mut a = apim("a", "Premium", "None", 1, 100);
        a.locations[0].subnet = None;
        let mut b = apim("b", "Premium", "External", 1, 200);
        b.vnet_type = Field::unknown("parameter 'mode' has no value", sp(203));
        b.locations[0].subnet = None;
        let w = ws(vec![a, b], vec![], vec![]);
        assert!(run(Code::Stv101, &w).is_empty());
    }
}
