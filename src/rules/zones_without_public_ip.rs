//! STV308 zones-without-public-ip: A zonal VNet-injected location has no public IP address.
//!
//! R-PIP-11: the reliability guide says a public IP must be given when availability zones are
//! configured on a VNet-injected instance, while the newest network pages call it optional
//! (REQUIREMENTS.md §6.3): a warning.

use super::{Ctx, Rule, Sink};
use crate::code::Code;
use crate::diagnostic::Severity;
use crate::model::Format;

pub const RULE: Rule = Rule {
    code: Code::Stv308,
    name: "zones-without-public-ip",
    severity: Severity::Warning,
    summary: "A zonal VNet-injected location has no public IP address",
    page: include_str!("../../rules/STV308.md"),
    check: Some(check),
};

fn check(ctx: &Ctx, sink: &mut Sink) {
    for site in &ctx.sites {
        sink.about(site);
        // Zones on Developer are STV401's finding.
        if site.loc.public_ip.is_some() || !site.sku.eq_ignore_ascii_case("premium") {
            continue;
        }
        let Some(zf) = &site.loc.zones else { continue };
        let Some(zones) = zf.get() else { continue };
        // Invalid zone lists are STV402's finding.
        if zones.is_empty() || super::invalid_zones::problem(zones).is_some() {
            continue;
        }
        let fix = match site.apim.meta.format {
            Format::Terraform => "public_ip_address_id",
            _ => "publicIpAddressId",
        };
        let d = sink
            .diag(format!(
                "{} runs in availability zones {} inside a virtual network but sets no public IP address; zone redundancy on a VNet-injected instance is documented with a Standard public IP of your own",
                site.label(),
                zones.join(", ")
            ))
            .at(zf.at.or(Some(site.loc.decl)))
            .label("zones in a virtual network without a public IP of your own")
            .resource(&site.apim.meta.label)
            .help(format!("Set {fix} to a Standard, static, zone-redundant public IP in the same region (a new one whenever the zones change)."))
            .identity(format!("{}|zones-without-pip", site.identity()));
        sink.emit(d);
    }
}

#[cfg(test)]
mod tests {
    use crate::model::Field;
    use crate::rules::testkit::*;

    #[test]
    fn zones_without_ip_warn() {
        let mut a = apim("a", "Premium", "Internal", 2, 100);
        a.locations[0].zones = zones(&["1", "2"], 100);
        let mut b = a.clone();
        b.meta.key.names = vec!["b".into()];
        b.locations[0].public_ip = Some(Field::known(pip_id("pip"), sp(107)));
        let s = subnet("vnet", "apim", &["10.0.0.0/24"], 10);
        assert_eq!(
            at(&run(Code::Stv308, &ws(vec![a], vec![s.clone()], vec![]))),
            vec![(Code::Stv308, Some(105))]
        );
        assert!(run(Code::Stv308, &ws(vec![b], vec![s], vec![pip("pip", 50)])).is_empty());
    }
}
