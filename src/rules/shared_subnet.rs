//! STV105 shared-subnet: The API Management subnet also holds other resources.
//!
//! R-VNET-8: stv2 (unlike stv1) allows other resource types in the subnet, so this is only
//! information — but the addresses they take come out of the instance's budget, and STV103
//! counts them (R-VNET-6). The resources seen are those of the same deployment that reference
//! the subnet: network interfaces (one address per IP configuration), private endpoints and
//! internal load balancer front ends. Points at the subnet.

use super::context::{subnet_identity, subnet_name};
use super::{Ctx, Rule, Sink};
use crate::code::Code;
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: Code::Stv105,
    name: "shared-subnet",
    severity: Severity::Info,
    summary: "The API Management subnet also holds other resources",
    page: include_str!("../../rules/STV105.md"),
    check: Some(check),
};

fn check(ctx: &Ctx, sink: &mut Sink) {
    for (subnet, sites) in ctx.subnets() {
        sink.about_sites(&sites);
        let users = ctx.ws.users_of(subnet);
        if users.is_empty() {
            continue;
        }
        let ips: u64 = users.iter().map(|u| u.ips).sum();
        let mut d = sink
            .diag(format!(
                "subnet '{}' also holds {} ({ips} address{}); stv2 allows this, and the subnet size check counts them",
                subnet_name(subnet),
                users
                    .iter()
                    .map(|u| format!("{} '{}'", u.what, u.meta.name))
                    .collect::<Vec<_>>()
                    .join(", "),
                if ips == 1 { "" } else { "es" }
            ))
            .at(Some(subnet.meta.decl))
            .label(format!("shared: {ips} address{} taken by other resources", if ips == 1 { "" } else { "es" }))
            .resource(&subnet.meta.label)
            .help("Keep room for both when sizing the subnet, or move the other resources to a subnet of their own.")
            .identity(format!("{}|shared", subnet_identity(subnet)));
        for u in &users {
            d = d.related(
                u.subnet.at.or(Some(u.meta.decl)),
                format!("{} '{}' is placed in this subnet", u.what, u.meta.name),
            );
        }
        sink.emit(d);
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Field, Meta, ResKey, SubnetUser, UnitId};
    use crate::rules::testkit::*;
    use crate::source::{FileId, Span};

    pub fn nic(name: &str, at: usize) -> SubnetUser {
        SubnetUser {
            meta: Meta {
                key: ResKey::new("Microsoft.Network/networkInterfaces", name, None),
                label: name.into(),
                name: name.into(),
                decl: Span::new(FileId(0), at, at + 1),
                format: crate::model::Format::Arm,
                suppress: Vec::new(),
                unit: UnitId::NONE,
            },
            subnet: Field::known(subnet_id("vnet", "apim"), sp(at + 1)),
            what: "network interface",
            ips: 1,
        }
    }

    #[test]
    fn other_resources_in_the_subnet_are_named_and_counted_by_stv103() {
        // A /29 holds one External Premium unit (2 of 3 addresses) and one NIC; two NICs do not fit.
        let mut w = ws(
            vec![apim("a", "Premium", "External", 1, 100)],
            vec![subnet("vnet", "apim", &["10.0.0.0/29"], 10)],
            vec![],
        );
        w.subnet_users.push(nic("vm1", 500));
        w.link();
        let d = run(Code::Stv105, &w);
        assert_eq!(at(&d), vec![(Code::Stv105, Some(10))]);
        assert!(d[0].message.contains("network interface 'vm1'"));
        assert!(run(Code::Stv103, &w).is_empty());
        w.subnet_users.push(nic("vm2", 510));
        w.link();
        let d = run(Code::Stv103, &w);
        assert_eq!(at(&d), vec![(Code::Stv103, Some(11))]);
        assert!(d[0].message.contains("2 other"), "{}", d[0].message);
    }

    #[test]
    fn a_subnet_without_other_resources_is_silent() {
        let w = ws(
            vec![apim("a", "Premium", "External", 1, 100)],
            vec![subnet("vnet", "apim", &["10.0.0.0/27"], 10)],
            vec![],
        );
        assert!(run(Code::Stv105, &w).is_empty());
    }
}
