//! STV305 public-ip-shared: One public IP address serves more than one API Management location or another resource too.
//!
//! R-PIP-9: the public IP becomes the VIP of one instance in one region, so each location needs
//! its own, and no other resource (a load balancer or application gateway frontend, a NIC, a NAT
//! gateway, a firewall, a Bastion host, a VPN gateway) may hold it. Users are matched by Azure
//! identity; two declarations of one instance (a template deployed in alternatives) count once.

use super::public_ip::finding;
use super::{Ctx, Rule, Sink};
use crate::code::Code;
use crate::diagnostic::Severity;
use crate::model::ResKey;

pub const RULE: Rule = Rule {
    code: Code::Stv305,
    name: "public-ip-shared",
    severity: Severity::Error,
    summary:
        "One public IP address serves more than one API Management location or another resource too",
    page: include_str!("../../rules/STV305.md"),
    check: Some(check),
};

fn check(ctx: &Ctx, sink: &mut Sink) {
    for (pip, sites) in ctx.public_ips() {
        let mut users: Vec<String> = sites.iter().map(|s| s.identity()).collect();
        users.sort();
        users.dedup();
        let key = &pip.meta.key;
        let others: Vec<_> = ctx
            .ws
            .public_ip_users
            .iter()
            .filter(|u| {
                u.pip
                    .get()
                    .and_then(|id| ResKey::from_id(id))
                    .is_some_and(|k| {
                        k.rtype == key.rtype && k.names == key.names && k.same_scope(key)
                    })
            })
            .collect();
        if users.len() < 2 && others.is_empty() {
            continue;
        }
        sink.about_sites(&sites);
        let mut names: Vec<String> = sites.iter().map(|s| s.label()).collect();
        names.dedup();
        let mut d = if others.is_empty() {
            sink.diag(format!(
                "public IP address '{}' is used by {} locations ({}); each API Management location needs its own public IP",
                pip.meta.name,
                users.len(),
                names.join(", ")
            ))
            .label(format!("shared by {} locations", users.len()))
        } else {
            let mut other: Vec<&str> = others.iter().map(|u| u.label.as_str()).collect();
            other.dedup();
            sink.diag(format!(
                "public IP address '{}' is used by {} and also by {}; the public IP of an API Management location must serve it alone",
                pip.meta.name,
                names.join(", "),
                other.join(", ")
            ))
            .label("shared with other resources")
        }
        .help("Create one public IP address per instance and location, used by nothing else.");
        for u in &others {
            d = d.related(
                u.pip.at.or(Some(u.decl)),
                format!("also used by {}", u.label),
            );
        }
        sink.emit(finding(d, pip, &sites, None, "shared"));
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Field, PublicIpUser};
    use crate::rules::testkit::*;
    use crate::source::{FileId, Span};

    #[test]
    fn two_locations_one_ip() {
        let mut a = apim("a", "Premium", "External", 1, 100);
        a.locations[0].public_ip = Some(Field::known(pip_id("pip"), sp(107)));
        let mut l = location(false, "northeurope", 1, 150);
        l.public_ip = Some(Field::known(pip_id("pip"), sp(157)));
        a.locations.push(l.clone());
        let s = || vec![subnet("vnet", "apim", &["10.0.0.0/24"], 10)];
        let w = ws(vec![a.clone()], s(), vec![pip("pip", 50)]);
        assert_eq!(at(&run(Code::Stv305, &w)), vec![(Code::Stv305, Some(50))]);
        a.locations[1].public_ip = Some(Field::known(pip_id("pip2"), sp(157)));
        let w = ws(vec![a], s(), vec![pip("pip", 50), pip("pip2", 60)]);
        assert!(run(Code::Stv305, &w).is_empty());
    }

    #[test]
    fn another_resource_holds_the_ip() {
        let p = pip("pip", 50);
        let mut w = instance_with_pip("Premium", "External", p);
        w.public_ip_users.push(PublicIpUser {
            label: "lb".into(),
            decl: Span::new(FileId(0), 400, 401),
            pip: Field::known(pip_id("pip"), sp(410)),
        });
        let d = run(Code::Stv305, &w);
        assert_eq!(at(&d), vec![(Code::Stv305, Some(50))]);
        assert!(d[0].related.iter().any(|r| r.span.start == 410));
        w.public_ip_users[0].pip = Field::known(pip_id("other"), sp(410));
        assert!(run(Code::Stv305, &w).is_empty());
    }
}
