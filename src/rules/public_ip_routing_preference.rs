//! STV307 public-ip-routing-preference: The public IP address uses Internet routing preference.
//!
//! R-PIP-8: API Management's prerequisites recommend the default routing (over the Microsoft
//! network); an `ipTags` entry `RoutingPreference = Internet` is a warning.

use super::public_ip::finding;
use super::{Ctx, Rule, Sink};
use crate::code::Code;
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: Code::Stv307,
    name: "public-ip-routing-preference",
    severity: Severity::Warning,
    summary: "The public IP address uses Internet routing preference",
    page: include_str!("../../rules/STV307.md"),
    check: Some(check),
};

fn check(ctx: &Ctx, sink: &mut Sink) {
    for (pip, sites) in ctx.public_ips() {
        sink.about_sites(&sites);
        let Some(f) = &pip.ip_tags else { continue };
        let Some(tags) = f.get() else { continue };
        let internet = tags.iter().any(|t| {
            t.split_once('=').is_some_and(|(k, v)| {
                k.trim().eq_ignore_ascii_case("routingpreference")
                    && v.trim().eq_ignore_ascii_case("internet")
            })
        });
        if !internet {
            continue;
        }
        let d = sink
            .diag(format!(
                "public IP address '{}' sets routing preference Internet; API Management recommends the default routing over the Microsoft network",
                pip.meta.name
            ))
            .label("routing preference Internet")
            .help("Remove the RoutingPreference ip tag (a new public IP is needed: the tag cannot be changed on an existing one).");
        let property = crate::model::Field::known(String::new(), f.at);
        sink.emit(finding(
            d,
            pip,
            &sites,
            Some(&property),
            "routing-preference",
        ));
    }
}

#[cfg(test)]
mod tests {
    use crate::model::Field;
    use crate::rules::testkit::*;

    #[test]
    fn internet_routing_warns() {
        let mut p = pip("pip", 50);
        p.ip_tags = Some(Field::known(
            vec!["RoutingPreference=Internet".into()],
            sp(57),
        ));
        assert_eq!(
            at(&run(
                Code::Stv307,
                &instance_with_pip("Premium", "External", p)
            )),
            vec![(Code::Stv307, Some(57))]
        );
        let mut p = pip("pip", 50);
        p.ip_tags = Some(Field::known(vec!["FirstPartyUsage=/Sql".into()], sp(57)));
        assert!(run(Code::Stv307, &instance_with_pip("Premium", "External", p)).is_empty());
    }
}
