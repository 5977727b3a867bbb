//! STV014 private-endpoint-with-injection: An inbound private endpoint targets a VNet-injected instance.
//!
//! R-PE-1: API Management rejects an inbound private endpoint on an instance injected into a
//! virtual network (External or Internal). The endpoint is matched to the instance by Azure
//! identity, so `apim.id`, `resourceId(…)` and `azurerm_api_management.x.id` all link.

use super::instance::{identity, instances, mode};
use super::{Ctx, Rule, Sink};
use crate::code::Code;
use crate::diagnostic::Severity;
use crate::model::{Format, ResKey};

pub const RULE: Rule = Rule {
    code: Code::Stv014,
    name: "private-endpoint-with-injection",
    severity: Severity::Error,
    summary: "An inbound private endpoint targets a VNet-injected instance",
    page: include_str!("../../rules/STV014.md"),
    check: Some(check),
};

fn check(ctx: &Ctx, sink: &mut Sink) {
    for (i, apim) in instances(ctx) {
        sink.about_instance(ctx, i);
        let Some(m) = mode(apim) else { continue };
        if m == "none" {
            continue;
        }
        let key = &apim.meta.key;
        for pe in &ctx.ws.private_endpoints {
            for target in &pe.targets {
                let Some(k) = target.get().and_then(|id| ResKey::from_id(id)) else {
                    continue;
                };
                if k.rtype != key.rtype || k.names != key.names || !k.same_scope(key) {
                    continue;
                }
                let help = match apim.meta.format {
                    Format::Terraform => "Remove the private endpoint, or set virtual_network_type to \"None\" and reach the instance only through the private endpoint.",
                    _ => "Remove the private endpoint, or set virtualNetworkType to 'None' and reach the instance only through the private endpoint.",
                };
                let d = sink
                    .diag(format!(
                        "private endpoint '{}' connects to API Management '{}', which is injected into a virtual network ({}); an injected instance cannot have an inbound private endpoint",
                        pe.meta.name,
                        apim.meta.name,
                        apim.vnet_type.get().map(|s| s.trim()).unwrap_or_default()
                    ))
                    .at(target.at.or(Some(pe.meta.decl)))
                    .label("private endpoint to an injected instance")
                    .resource(&pe.meta.label)
                    .help(help)
                    .related(apim.vnet_type.at, "the instance is injected here")
                    .related(target.origin(), "the target comes from here")
                    .identity(format!("{}|{}|private-endpoint", identity(apim), pe.meta.key.names.join("/")));
                sink.emit(d);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Field, PrivateEndpoint, ResKey};
    use crate::rules::testkit::*;
    use crate::source::{FileId, Span};

    fn pe(target: &str) -> PrivateEndpoint {
        let mut meta = apim("x", "Premium", "None", 1, 500).meta;
        meta.key = ResKey::new("Microsoft.Network/privateEndpoints", "pe", None);
        meta.name = "pe".into();
        meta.decl = Span::new(FileId(0), 500, 501);
        PrivateEndpoint {
            meta,
            targets: vec![Field::known(target.into(), sp(510))],
        }
    }

    const ID: &str =
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ApiManagement/service/a";

    #[test]
    fn endpoint_on_an_injected_instance() {
        let mut w = ws(
            vec![apim("a", "Premium", "Internal", 1, 100)],
            vec![],
            vec![],
        );
        w.private_endpoints.push(pe(ID));
        assert_eq!(at(&run(Code::Stv014, &w)), vec![(Code::Stv014, Some(510))]);
    }

    #[test]
    fn endpoint_on_a_non_injected_or_other_instance() {
        let mut w = ws(vec![apim("a", "Premium", "None", 1, 100)], vec![], vec![]);
        w.private_endpoints.push(pe(ID));
        assert!(run(Code::Stv014, &w).is_empty());
        let mut w = ws(
            vec![apim("b", "Premium", "External", 1, 100)],
            vec![],
            vec![],
        );
        w.private_endpoints.push(pe(ID));
        assert!(run(Code::Stv014, &w).is_empty());
    }
}
