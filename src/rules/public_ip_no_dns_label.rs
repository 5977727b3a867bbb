//! STV303 public-ip-no-dns-label: The public IP address has no DNS name label.
//!
//! R-PIP-5: API Management points its host names at `<label>.<region>.cloudapp.azure.com`, so
//! the public IP it uses needs a DNS name label (an empty label fails to deploy as well).

use super::public_ip::finding;
use super::{Ctx, Rule, Sink};
use crate::code::Code;
use crate::diagnostic::Severity;
use crate::model::Format;

pub const RULE: Rule = Rule {
    code: Code::Stv303,
    name: "public-ip-no-dns-label",
    severity: Severity::Error,
    summary: "The public IP address has no DNS name label",
    page: include_str!("../../rules/STV303.md"),
    check: Some(check),
};

fn check(ctx: &Ctx, sink: &mut Sink) {
    for (pip, sites) in ctx.public_ips() {
        sink.about_sites(&sites);
        let property = match &pip.dns_label {
            None => None,
            // A label computed from an unknown (`uniqueString(…)`, a parameter) is still a label:
            // only a known empty one is missing.
            Some(f) => match f.get() {
                Some(label) if label.trim().is_empty() => Some(f),
                _ => continue,
            },
        };
        let help = match pip.meta.format {
            Format::Terraform => "Set domain_name_label (for example to the API Management instance's name).",
            _ => "Set properties.dnsSettings.domainNameLabel (for example to the API Management instance's name).",
        };
        let d = sink
            .diag(format!(
                "public IP address '{}' has no DNS name label; API Management maps its host names to the label's cloudapp.azure.com name",
                pip.meta.name
            ))
            .label("no DNS name label")
            .help(help);
        sink.emit(finding(d, pip, &sites, property, "dns-label"));
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Field, PublicIp};
    use crate::rules::testkit::*;

    fn with_pip(p: PublicIp) -> crate::model::Workspace {
        instance_with_pip("Developer", "Internal", p)
    }

    #[test]
    fn label_present_missing_empty_unknown() {
        assert!(run(Code::Stv303, &with_pip(pip("pip", 50))).is_empty());
        let mut p = pip("pip", 50);
        p.dns_label = None;
        assert_eq!(
            at(&run(Code::Stv303, &with_pip(p))),
            vec![(Code::Stv303, Some(50))]
        );
        let mut p = pip("pip", 50);
        p.dns_label = Some(Field::known(" ".into(), sp(54)));
        assert_eq!(
            at(&run(Code::Stv303, &with_pip(p))),
            vec![(Code::Stv303, Some(54))]
        );
        let mut p = pip("pip", 50);
        p.dns_label = Some(Field::unknown(
            "uniqueString() is only known at deployment",
            sp(54),
        ));
        assert!(run(Code::Stv303, &with_pip(p)).is_empty());
    }

    #[test]
    fn a_pip_of_an_out_of_scope_instance_is_not_checked() {
        let mut a = apim("a", "StandardV2", "External", 1, 100);
        a.locations[0].public_ip = Some(Field::known(pip_id("pip"), sp(107)));
        let mut p = pip("pip", 50);
        p.dns_label = None;
        let w = ws(vec![a], vec![], vec![p]);
        assert!(run(Code::Stv303, &w).is_empty());
    }
}
