//! STV018 public-network-access-disabled: Public network access is disabled, which fails when the instance is created.
//!
//! Spec §5.1 (`publicNetworkAccess`): API Management refuses `Disabled` while the instance is
//! being created; it can only be switched off on an existing instance. A linter cannot tell a
//! first deployment from an update, so this is a warning: the template cannot deploy a new
//! instance. v2 tiers are out of scope.

use super::instance::{identity, instances, tier};
use super::{Ctx, Rule, Sink};
use crate::code::Code;
use crate::diagnostic::Severity;
use crate::model::Format;

pub const RULE: Rule = Rule {
    code: Code::Stv018,
    name: "public-network-access-disabled",
    severity: Severity::Warning,
    summary: "Public network access is disabled, which fails when the instance is created",
    page: include_str!("../../rules/STV018.md"),
    check: Some(check),
};

fn check(ctx: &Ctx, sink: &mut Sink) {
    for (i, apim) in instances(ctx) {
        sink.about_instance(ctx, i);
        if tier(apim).is_some_and(|t| t.ends_with("v2")) {
            continue;
        }
        let Some(f) = &apim.public_network_access else {
            continue;
        };
        if !f
            .get()
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("disabled"))
        {
            continue;
        }
        let (what, help) = match apim.meta.format {
            Format::Terraform => ("public_network_access_enabled = false", "Create the instance with public_network_access_enabled = true (or leave it out), and set it to false in a later apply."),
            _ => ("publicNetworkAccess 'Disabled'", "Create the instance with publicNetworkAccess 'Enabled' (or leave it out), and disable it in a later deployment."),
        };
        let d = sink
            .diag(format!(
                "API Management '{}' sets {what}; API Management rejects this when the instance is created, so the template cannot deploy a new instance",
                apim.meta.name
            ))
            .at(f.at.or(Some(apim.meta.decl)))
            .label("disabled at creation: the deployment fails")
            .resource(&apim.meta.label)
            .help(help)
            .related(f.origin(), "the value comes from here")
            .identity(format!("{}|public-network-access", identity(apim)));
        sink.emit(d);
    }
}

#[cfg(test)]
mod tests {
    use crate::model::Field;
    use crate::rules::testkit::*;

    #[test]
    fn disabled_warns_enabled_passes() {
        let mut a = apim("a", "Premium", "Internal", 1, 100);
        a.public_network_access = Some(Field::known("Disabled".into(), sp(130)));
        let mut b = apim("b", "Premium", "Internal", 1, 200);
        b.public_network_access = Some(Field::known("Enabled".into(), sp(230)));
        let mut c = apim("c", "StandardV2", "None", 1, 300);
        c.public_network_access = Some(Field::known("Disabled".into(), sp(330)));
        let d = run(Code::Stv018, &ws(vec![a, b, c], vec![], vec![]));
        assert_eq!(at(&d), vec![(Code::Stv018, Some(130))]);
    }
}
