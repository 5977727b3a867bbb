//! STV302 public-ip-not-ipv4-static: The public IP address is not static IPv4.
//!
//! R-PIP-3: API Management takes a static IPv4 public IP. IPv6 or Dynamic is an error; a missing
//! allocation method is a warning unless the SKU is Standard (which is always static), because
//! the ARM default is Dynamic.

use super::public_ip::{finding, pip_identity};
use super::{Ctx, Rule, Sink};
use crate::code::Code;
use crate::diagnostic::Severity;
use crate::model::Format;

pub const RULE: Rule = Rule {
    code: Code::Stv302,
    name: "public-ip-not-ipv4-static",
    severity: Severity::Error,
    summary: "The public IP address is not static IPv4",
    page: include_str!("../../rules/STV302.md"),
    check: Some(check),
};

fn check(ctx: &Ctx, sink: &mut Sink) {
    for (pip, sites) in ctx.public_ips() {
        sink.about_sites(&sites);
        let id = pip_identity(pip);
        let tf = pip.meta.format == Format::Terraform;
        if let Some(f) = &pip.version {
            if let Some(v) = sink.require(f, "the public IP version", &pip.meta.label, &id) {
                if !v.trim().eq_ignore_ascii_case("ipv4") {
                    let d = sink
                        .diag(format!(
                            "public IP address '{}' is {v}; API Management needs an IPv4 public IP",
                            pip.meta.name
                        ))
                        .label(format!("{v}, not IPv4"))
                        .help(if tf {
                            "Set ip_version = \"IPv4\" (or remove it: IPv4 is the default)."
                        } else {
                            "Set publicIPAddressVersion to 'IPv4' (or remove it: IPv4 is the default)."
                        });
                    sink.emit(finding(d, pip, &sites, Some(f), "version"));
                }
            }
        }
        let static_help = if tf {
            "Set allocation_method = \"Static\"."
        } else {
            "Set publicIPAllocationMethod to 'Static'."
        };
        let d = match &pip.allocation {
            Some(f) => {
                let Some(a) =
                    sink.require(f, "the public IP allocation method", &pip.meta.label, &id)
                else {
                    continue;
                };
                if a.trim().eq_ignore_ascii_case("static") {
                    continue;
                }
                let d = sink.diag(format!(
                    "public IP address '{}' uses {a} allocation; API Management needs a static public IP",
                    pip.meta.name
                ))
                .label(format!("{a} allocation, not Static"));
                finding(d, pip, &sites, Some(f), "allocation")
            }
            None => {
                // Standard (and StandardV2) public IPs are static only; otherwise the default is Dynamic.
                let standard = pip
                    .sku
                    .get()
                    .is_some_and(|s| s.trim().to_ascii_lowercase().starts_with("standard"));
                if standard || pip.sku.val.is_err() {
                    continue;
                }
                let mut d = sink.diag(format!(
                    "public IP address '{}' does not set an allocation method, and the default for a {} public IP is Dynamic; API Management needs a static public IP",
                    pip.meta.name,
                    pip.sku.get().map(String::as_str).unwrap_or("Basic")
                ))
                .label("no allocation method: the default is Dynamic");
                d.severity = Severity::Warning;
                finding(d, pip, &sites, None, "allocation")
            }
        };
        sink.emit(d.help(static_help));
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
    fn static_ipv4_passes_and_standard_needs_no_allocation() {
        assert!(run(Code::Stv302, &with_pip(pip("pip", 50))).is_empty());
        let mut p = pip("pip", 50);
        p.allocation = None;
        p.version = Some(Field::known("IPv4".into(), sp(53)));
        assert!(run(Code::Stv302, &with_pip(p)).is_empty());
    }

    #[test]
    fn ipv6_and_dynamic() {
        let mut p = pip("pip", 50);
        p.version = Some(Field::known("IPv6".into(), sp(53)));
        p.allocation = Some(Field::known("Dynamic".into(), sp(52)));
        let d = run(Code::Stv302, &with_pip(p));
        assert_eq!(
            at(&d),
            vec![(Code::Stv302, Some(53)), (Code::Stv302, Some(52))]
        );
    }

    #[test]
    fn missing_allocation_on_basic_is_a_warning() {
        let mut p = pip("pip", 50);
        p.sku = Field::implicit("Basic".into(), sp(50));
        p.allocation = None;
        let d = run(Code::Stv302, &with_pip(p));
        assert_eq!(at(&d), vec![(Code::Stv302, Some(50))]);
        assert_eq!(d[0].severity, Severity::Warning);
    }

    #[test]
    fn unknown_allocation() {
        let mut p = pip("pip", 50);
        p.allocation = Some(Field::unknown("variable 'alloc' is unknown", sp(52)));
        assert_eq!(
            at(&run(Code::Stv302, &with_pip(p))),
            vec![(Code::Stv002, Some(52))]
        );
    }
}
