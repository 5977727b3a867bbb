//! STV107 classic-vnet: The subnet reference is not a Resource Manager virtual network subnet.
//!
//! R-VNET-2: stv2 injects only into Azure Resource Manager virtual networks. The ARM schema's
//! pattern still admits `Microsoft.ClassicNetwork/virtualNetworks/.../subnets/...`, so a classic
//! id passes validation and fails at deployment. Points at the subnet reference.

use super::{Ctx, Rule, Sink};
use crate::code::Code;
use crate::diagnostic::Severity;
use crate::model::ResKey;

pub const RULE: Rule = Rule {
    code: Code::Stv107,
    name: "classic-vnet",
    severity: Severity::Error,
    summary: "The subnet reference is not a Resource Manager virtual network subnet",
    page: include_str!("../../rules/STV107.md"),
    check: Some(check),
};

const SUBNET_TYPE: &str = "microsoft.network/virtualnetworks/subnets";

fn check(ctx: &Ctx, sink: &mut Sink) {
    for site in &ctx.sites {
        // A missing or unknown reference is STV101's and the resolvers' business.
        let Some(f) = &site.loc.subnet else { continue };
        let Some(id) = f.get() else { continue };
        let Some(what) = wrong_type(id) else { continue };
        let d = sink
            .diag(format!(
                "{} is placed in {what} ('{id}'); API Management on stv2 needs a subnet of an Azure Resource Manager virtual network (Microsoft.Network/virtualNetworks/subnets)",
                site.label()
            ))
            .at(f.at.or(Some(site.loc.decl)))
            .label(format!("{what}, not a Resource Manager subnet"))
            .resource(&site.apim.meta.label)
            .related(f.origin(), "the subnet id comes from here")
            .help("Create (or migrate to) a Resource Manager virtual network and reference its subnet: /subscriptions/…/resourceGroups/…/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>.")
            .identity(format!("{}|classic-vnet", site.identity()));
        sink.emit_for(site, d);
    }
}

/// What the id names when it is not a Resource Manager subnet; `None` for a proper subnet id
/// and for text that is not a resource id at all (a symbolic reference, a placeholder).
fn wrong_type(id: &str) -> Option<String> {
    let lower = id.to_ascii_lowercase();
    if lower.contains("/providers/microsoft.classicnetwork/") {
        return Some("a classic (Azure Service Manager) virtual network".into());
    }
    let key = ResKey::from_id(id)?;
    (key.rtype != SUBNET_TYPE).then(|| format!("a resource of type '{}', not a subnet", key.rtype))
}

#[cfg(test)]
mod tests {
    use super::wrong_type;
    use crate::model::Field;
    use crate::rules::testkit::*;

    #[test]
    fn classic_and_other_types_are_named() {
        assert!(wrong_type(
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ClassicNetwork/virtualNetworks/v/subnets/a"
        )
        .unwrap()
        .contains("classic"));
        assert!(wrong_type(
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v"
        )
        .unwrap()
        .contains("virtualnetworks"));
        assert_eq!(wrong_type(&subnet_id("v", "a")), None);
        assert_eq!(wrong_type("${var.subnet_id}"), None);
    }

    #[test]
    fn a_classic_subnet_is_an_error_at_the_reference() {
        let mut a = apim("a", "Premium", "External", 1, 100);
        a.locations[0].subnet = Some(Field::known(
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ClassicNetwork/virtualNetworks/v/subnets/a".into(),
            sp(106),
        ));
        let w = ws(vec![a], vec![], vec![]);
        assert_eq!(at(&run(Code::Stv107, &w)), vec![(Code::Stv107, Some(106))]);
        let w = ws(
            vec![apim("a", "Premium", "External", 1, 100)],
            vec![subnet("vnet", "apim", &["10.0.0.0/27"], 10)],
            vec![],
        );
        assert!(run(Code::Stv107, &w).is_empty());
    }
}
