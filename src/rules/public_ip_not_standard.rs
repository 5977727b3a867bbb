//! STV301 public-ip-not-standard: The public IP address is not Standard SKU.
//!
//! R-PIP-2: the public IP of a VNet-injected stv2 location must be Standard. Basic (written, or
//! relied on as the ARM default when `sku` is left out) is an error; `StandardV2` is a warning
//! (not documented for API Management). This rule also owns "the public IP cannot be followed":
//! one STV002 here rather than one per public-IP rule.

use super::public_ip::{finding, pip_identity};
use super::{Ctx, Resolved, Rule, Sink};
use crate::code::Code;
use crate::diagnostic::Severity;
use crate::model::Format;

pub const RULE: Rule = Rule {
    code: Code::Stv301,
    name: "public-ip-not-standard",
    severity: Severity::Error,
    summary: "The public IP address is not Standard SKU",
    page: include_str!("../../rules/STV301.md"),
    check: Some(check),
};

fn check(ctx: &Ctx, sink: &mut Sink) {
    for site in &ctx.sites {
        sink.about(site);
        if let Resolved::Unknown { reason, at } = &site.public_ip {
            sink.unverifiable(
                "the public IP address (and STV302, STV303)",
                reason,
                at.or(Some(site.loc.decl)),
                &site.apim.meta.label,
                &site.identity(),
            );
        }
    }
    for (pip, sites) in ctx.public_ips() {
        sink.about_sites(&sites);
        let id = pip_identity(pip);
        let Some(sku) = sink.require(&pip.sku, "the public IP SKU", &pip.meta.label, &id) else {
            continue;
        };
        let l = sku.trim().to_ascii_lowercase();
        if l == "standard" {
            continue;
        }
        let add = match pip.meta.format {
            Format::Terraform => "sku = \"Standard\"",
            Format::Bicep => "sku: { name: 'Standard' }",
            Format::Arm => "\"sku\": { \"name\": \"Standard\" }",
        };
        // An implicit SKU is not written: point at the declaration, where it is to be added.
        let property = (!pip.sku.is_implicit()).then_some(&pip.sku);
        let d = if pip.sku.is_implicit() {
            sink.diag(format!(
                "public IP address '{}' does not set a SKU, so it gets the default Basic; API Management needs a Standard public IP",
                pip.meta.name
            ))
            .label("no SKU: the default is Basic")
            .help(format!("Add `{add}` to the public IP address."))
        } else if l == "standardv2" {
            let mut d = sink.diag(format!(
                "public IP address '{}' uses the StandardV2 SKU, which API Management does not document for VNet injection; use Standard",
                pip.meta.name
            ))
            .label("StandardV2, not Standard");
            d.severity = Severity::Warning;
            d.help(format!("Use `{add}`."))
        } else {
            sink.diag(format!(
                "public IP address '{}' uses the {} SKU; API Management needs a Standard public IP",
                pip.meta.name, sku
            ))
            .label(format!("{sku}, not Standard"))
            .help(format!("Use `{add}`; a Basic public IP cannot be created any more and cannot serve API Management on stv2."))
        };
        sink.emit(finding(d, pip, &sites, property, "sku"));
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::Severity;
    use crate::model::{Field, PublicIp};
    use crate::rules::testkit::*;

    fn with_pip(p: PublicIp) -> crate::model::Workspace {
        instance_with_pip("Premium", "External", p)
    }

    #[test]
    fn standard_passes() {
        assert!(run(Code::Stv301, &with_pip(pip("pip", 50))).is_empty());
    }

    #[test]
    fn basic_written_or_implicit() {
        let mut p = pip("pip", 50);
        p.sku = Field::known("Basic".into(), sp(51));
        let d = run(Code::Stv301, &with_pip(p));
        assert_eq!(at(&d), vec![(Code::Stv301, Some(51))]);
        assert!(d[0].related.iter().any(|r| r.span.start == 107));

        let mut p = pip("pip", 50);
        p.sku = Field::implicit("Basic".into(), sp(50));
        let d = run(Code::Stv301, &with_pip(p));
        assert_eq!(at(&d), vec![(Code::Stv301, Some(50))]);
        assert!(d[0].help.as_deref().unwrap().contains("Standard"));
        assert!(d[0].message.contains("default Basic"));
    }

    #[test]
    fn standard_v2_is_a_warning() {
        let mut p = pip("pip", 50);
        p.sku = Field::known("StandardV2".into(), sp(51));
        let d = run(Code::Stv301, &with_pip(p));
        assert_eq!(d[0].severity, Severity::Warning);
    }

    #[test]
    fn unknown_sku_or_reference() {
        let mut p = pip("pip", 50);
        p.sku = Field::unknown("parameter 'pipSku' has no value", sp(51));
        assert_eq!(
            at(&run(Code::Stv301, &with_pip(p))),
            vec![(Code::Stv002, Some(51))]
        );
        // A reference to a public IP no file declares.
        let mut a = apim("a", "Premium", "External", 1, 100);
        a.locations[0].public_ip = Some(Field::known(pip_id("elsewhere"), sp(107)));
        let w = ws(
            vec![a],
            vec![subnet("vnet", "apim", &["10.0.0.0/27"], 10)],
            vec![],
        );
        assert_eq!(at(&run(Code::Stv301, &w)), vec![(Code::Stv002, Some(107))]);
        assert!(run(Code::Stv302, &w).is_empty());
        assert!(run(Code::Stv303, &w).is_empty());
    }

    #[test]
    fn no_public_ip_is_fine() {
        let w = ws(
            vec![apim("a", "Premium", "External", 1, 100)],
            vec![subnet("vnet", "apim", &["10.0.0.0/27"], 10)],
            vec![pip("pip", 50)],
        );
        assert!(run(Code::Stv301, &w).is_empty());
    }
}
