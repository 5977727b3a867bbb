//! STV016 public-ip-needs-injection: A public IP address is set on an instance that is not VNet-injected Developer or Premium.
//!
//! R-SKU-2: `publicIpAddressId` (primary or any location) is accepted only for Developer and
//! Premium injected into a virtual network (External or Internal). v2 tiers are out of scope.

use super::instance::{identity, instances, label, mode, tier};
use super::{Ctx, Rule, Sink};
use crate::code::Code;
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: Code::Stv016,
    name: "public-ip-needs-injection",
    severity: Severity::Error,
    summary: "A public IP address is set on an instance that is not a VNet-injected Developer or Premium instance",
    page: include_str!("../../rules/STV016.md"),
    check: Some(check),
};

fn check(ctx: &Ctx, sink: &mut Sink) {
    for (i, apim) in instances(ctx) {
        sink.about_instance(ctx, i);
        let (t, m) = (tier(apim), mode(apim));
        let wrong_tier = t
            .as_deref()
            .is_some_and(|t| matches!(t, "basic" | "standard" | "consumption"));
        let not_injected = m.as_deref() == Some("none");
        if !wrong_tier && !not_injected {
            continue;
        }
        let why = if not_injected {
            "the instance is not injected into a virtual network (virtualNetworkType is None)"
                .to_string()
        } else {
            format!(
                "the {} tier cannot use one",
                apim.sku.get().map(|s| s.trim()).unwrap_or_default()
            )
        };
        let (set_at, set_what) = if not_injected {
            (apim.vnet_type.at, "the network type is set here")
        } else {
            (apim.sku.at, "the tier is set here")
        };
        for loc in &apim.locations {
            let Some(f) = &loc.public_ip else { continue };
            let d = sink
                .diag(format!(
                    "{} sets a public IP address, but {why}; only VNet-injected Developer and Premium instances take one",
                    label(apim, loc)
                ))
                .at(f.at.or(Some(loc.decl)))
                .label("public IP on an instance that cannot take one")
                .resource(&apim.meta.label)
                .help("Remove the public IP address, or inject a Developer or Premium instance into a virtual network.")
                .related(set_at, set_what)
                .identity(format!(
                    "{}#{}|public-ip-scope",
                    identity(apim),
                    loc.location.get().cloned().unwrap_or_default()
                ));
            sink.emit(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::model::Field;
    use crate::rules::testkit::*;

    fn with_ip(sku: &str, mode: &str, base: usize) -> crate::model::Apim {
        let mut a = apim(&format!("a{base}"), sku, mode, 1, base);
        a.locations[0].public_ip = Some(Field::known(pip_id("pip"), sp(base + 7)));
        a
    }

    #[test]
    fn public_ip_outside_injected_developer_premium() {
        let w = ws(
            vec![
                with_ip("Premium", "None", 100),
                with_ip("Standard", "External", 200),
                with_ip("Premium", "External", 300),
                with_ip("Developer", "Internal", 400),
            ],
            vec![],
            vec![],
        );
        assert_eq!(
            at(&run(Code::Stv016, &w)),
            vec![(Code::Stv016, Some(107)), (Code::Stv016, Some(207))]
        );
    }
}
