//! STV305 public-ip-shared: One public IP address serves more than one API Management location.
//!
//! R-PIP-9: the public IP becomes the VIP of one instance in one region, so each location needs
//! its own. Checked for API Management locations (of one or several instances); other users of
//! the address (load balancers, gateways, NICs) are not modelled yet.

use super::public_ip::finding;
use super::{Ctx, Rule, Sink};
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: "STV305",
    name: "public-ip-shared",
    severity: Severity::Error,
    summary: "One public IP address serves more than one API Management location",
    page: include_str!("../../rules/STV305.md"),
    check: Some(check),
};

fn check(ctx: &Ctx, sink: &mut Sink) {
    for (pip, sites) in ctx.public_ips() {
        // Two declarations of one instance (a module deployed in alternatives) are one user.
        let mut users: Vec<String> = sites.iter().map(|s| s.identity()).collect();
        users.sort();
        users.dedup();
        if users.len() < 2 {
            continue;
        }
        sink.about_sites(&sites);
        let mut names: Vec<String> = sites.iter().map(|s| s.label()).collect();
        names.dedup();
        let d = sink
            .diag(format!(
                "public IP address '{}' is used by {} locations ({}); each API Management location needs its own public IP",
                pip.meta.name,
                users.len(),
                names.join(", ")
            ))
            .help("Create one public IP address per instance and location.");
        sink.emit(finding(d, pip, &sites, None, "shared"));
    }
}

#[cfg(test)]
mod tests {
    use crate::model::Field;
    use crate::rules::testkit::*;

    #[test]
    fn two_locations_one_ip() {
        let mut a = apim("a", "Premium", "External", 1, 100);
        a.locations[0].public_ip = Some(Field::known(pip_id("pip"), sp(107)));
        let mut l = location(false, "northeurope", 1, 150);
        l.public_ip = Some(Field::known(pip_id("pip"), sp(157)));
        a.locations.push(l.clone());
        let w = ws(
            vec![a.clone()],
            vec![subnet("vnet", "apim", &["10.0.0.0/24"], 10)],
            vec![pip("pip", 50)],
        );
        assert_eq!(at(&run("STV305", &w)), vec![("STV305", Some(50))]);
        a.locations[1].public_ip = Some(Field::known(pip_id("pip2"), sp(157)));
        let w = ws(
            vec![a],
            vec![subnet("vnet", "apim", &["10.0.0.0/24"], 10)],
            vec![pip("pip", 50), pip("pip2", 60)],
        );
        assert!(run("STV305", &w).is_empty());
    }
}
