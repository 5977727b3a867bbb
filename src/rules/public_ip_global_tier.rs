//! STV306 public-ip-global-tier: The public IP address uses the Global tier.
//!
//! R-PIP-4: the address must be a regional one in the location it serves; the Global tier is
//! for cross-region load balancers. A warning: API Management's documents do not name the tier.

use super::public_ip::finding;
use super::{Ctx, Rule, Sink};
use crate::code::Code;
use crate::diagnostic::Severity;
use crate::model::Format;

pub const RULE: Rule = Rule {
    code: Code::Stv306,
    name: "public-ip-global-tier",
    severity: Severity::Warning,
    summary: "The public IP address uses the Global tier",
    page: include_str!("../../rules/STV306.md"),
    check: Some(check),
};

fn check(ctx: &Ctx, sink: &mut Sink) {
    for (pip, sites) in ctx.public_ips() {
        sink.about_sites(&sites);
        let Some(f) = &pip.tier else { continue };
        if !f
            .get()
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("global"))
        {
            continue;
        }
        let fix = match pip.meta.format {
            Format::Terraform => "sku_tier = \"Regional\"",
            _ => "sku.tier 'Regional'",
        };
        let d = sink
            .diag(format!(
                "public IP address '{}' uses the Global tier; API Management needs a regional public IP in the location it serves",
                pip.meta.name
            ))
            .label("Global tier, not regional")
            .help(format!("Use {fix} (the default)."));
        sink.emit(finding(d, pip, &sites, Some(f), "tier"));
    }
}

#[cfg(test)]
mod tests {
    use crate::model::Field;
    use crate::rules::testkit::*;

    #[test]
    fn global_warns_regional_passes() {
        let mut p = pip("pip", 50);
        p.tier = Some(Field::known("Global".into(), sp(56)));
        assert_eq!(
            at(&run(
                Code::Stv306,
                &instance_with_pip("Premium", "External", p)
            )),
            vec![(Code::Stv306, Some(56))]
        );
        let mut p = pip("pip", 50);
        p.tier = Some(Field::known("Regional".into(), sp(56)));
        assert!(run(Code::Stv306, &instance_with_pip("Premium", "External", p)).is_empty());
    }
}
