//! STV201 nsg-missing: The API Management subnet has no network security group.

use super::{Ctx, Resolved, Rule, Sink};
use crate::code::Code;
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: Code::Stv201,
    name: "nsg-missing",
    severity: Severity::Error,
    summary: "The API Management subnet has no network security group",
    page: include_str!("../../rules/STV201.md"),
    check: Some(check),
};

/// Every in-scope location's subnet needs an NSG: stv2 sits behind a secure-by-default Standard
/// load balancer, and without an NSG nothing inbound reaches it (rules/STV201.md).
fn check(ctx: &Ctx, sink: &mut Sink) {
    for site in &ctx.sites {
        sink.about(site);
        // An unresolved subnet is the subnet rules' business.
        let Resolved::Found(subnet) = site.subnet else {
            continue;
        };
        match &site.nsg {
            Resolved::Found(_) => {}
            Resolved::Unknown { reason, at } => {
                sink.emit(super::flows::nsg_unresolved(subnet, reason, *at));
            }
            Resolved::Absent => {
                let name = subnet.meta.key.names.join("/");
                let d = sink
                    .diag(format!(
                        "subnet '{name}' has no network security group; API Management on stv2 needs one with its inbound and outbound rules"
                    ))
                    .at(Some(subnet.meta.decl))
                    .label("no network security group")
                    .resource(&subnet.meta.label)
                    .help(format!(
                        "Create a network security group with the API Management rules (inbound ApiManagement to port 3443, AzureLoadBalancer to 6390{}) and associate it with subnet '{name}'.",
                        if site.is_internal() { "" } else { ", Internet to 443" }
                    ))
                    .related(Some(site.loc.decl), format!("used by {}", site.label()))
                    .identity(format!("nsg-missing|{name}"));
                sink.emit(d);
            }
        }
    }
}
