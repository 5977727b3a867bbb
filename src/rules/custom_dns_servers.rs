//! STV703 custom-dns-servers: the API Management VNet uses custom DNS servers.

use super::{Ctx, Resolved, Rule, Sink};
use crate::code::Code;
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: Code::Stv703,
    name: "custom-dns-servers",
    severity: Severity::Info,
    summary: "The API Management VNet uses custom DNS servers",
    page: include_str!("../../rules/STV703.md"),
    check: Some(check),
};

/// With custom DNS servers the instance resolves its Azure dependencies through them: they must
/// be set before the instance is deployed (or the network configuration applied again after a
/// change) and forward Azure names (REQUIREMENTS.md R-DNS-3). Nothing here is wrong, hence info.
fn check(ctx: &Ctx, sink: &mut Sink) {
    for site in &ctx.sites {
        sink.about(site);
        let Resolved::Found(subnet) = site.subnet else {
            continue;
        };
        let Some(vnet) = ctx.ws.vnet_of(subnet) else {
            continue;
        };
        let Some(servers) = vnet.dns_servers.as_ref() else {
            continue;
        };
        let Some(list) = servers.get() else {
            continue;
        };
        if list.is_empty() {
            continue;
        }
        let d = sink
            .diag(format!(
                "VNet '{}' of {} uses custom DNS servers ({}): they must resolve Azure's public names (Storage, SQL, Key Vault, Azure Monitor), be in place before the instance is deployed, and after a change the instance needs 'Apply network configuration'",
                vnet.meta.name,
                site.label(),
                list.join(", ")
            ))
            .at(servers.at.or(Some(vnet.meta.decl)))
            .label("custom DNS servers: they must resolve Azure's public names")
            .resource(&vnet.meta.label)
            .help("Make the servers forward to Azure DNS (168.63.129.16), allow outbound DNS (UDP/TCP 53) from the subnet to them, and apply the network configuration of the instance after DNS changes.")
            .related(Some(site.loc.decl), format!("used by {}", site.label()))
            .identity(format!("{}|{}", vnet.meta.key.names.join("/"), site.identity()));
        sink.emit(d);
    }
}
