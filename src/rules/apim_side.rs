//! The side of a security rule that stands for API Management itself (inbound: the destination,
//! outbound: the source), and the API Management subnets' prefixes behind an NSG. Shared by the
//! rules that judge how a rule addresses the instance (STV220, STV221, STV222).

use super::context::Site;
use crate::analysis::address::parse_prefix;
use crate::analysis::tags::{classify, Token};
use crate::diagnostic::Diagnostic;
use crate::model::{Direction, Nsg, SecurityRule};
use ipnet::{IpNet, Ipv4Net};

/// The written addresses of the API Management side of `rule`, classified, when known.
pub(super) fn apim_side(rule: &SecurityRule) -> Option<Vec<(String, Token)>> {
    let f = match rule.direction.get()? {
        Direction::Inbound => &rule.destination_addresses,
        Direction::Outbound => &rule.source_addresses,
    };
    Some(f.get()?.iter().map(|t| (t.clone(), classify(t))).collect())
}

/// A finding about one rule of an NSG that API Management sits behind: on the NSG, identified by
/// NSG, rule and `what`, with every instance behind the NSG as a related place.
pub(super) fn about_rule(
    mut d: Diagnostic,
    nsg: &Nsg,
    rule: &SecurityRule,
    what: &str,
    sites: &[&Site],
) -> Diagnostic {
    d = d.resource(&nsg.meta.label).identity(format!(
        "{}|{}|{what}",
        nsg.meta.key.names.join("/"),
        rule.name.to_ascii_lowercase()
    ));
    for s in sites {
        d = d.related(
            Some(s.loc.decl),
            format!("{} is behind this NSG", s.label()),
        );
    }
    let when = crate::model::deployed_together(rule.deployed.as_deref(), None);
    super::when_deployed(d, "the rule", &when)
}

/// "destination" for inbound, "source" for outbound.
pub(super) fn side_name(rule: &SecurityRule) -> &'static str {
    match rule.direction.get() {
        Some(Direction::Outbound) => "source",
        _ => "destination",
    }
}

/// The IPv4 prefixes of the API Management subnets behind an NSG; `None` when one is unknown.
pub(super) fn subnet_nets(sites: &[&Site]) -> Option<Vec<Ipv4Net>> {
    let mut out = Vec::new();
    for s in sites {
        let subnet = s.subnet.found()?;
        for p in subnet.prefixes.get()? {
            if let Ok(IpNet::V4(n)) = parse_prefix(p).map(|p| p.net) {
                let n = n.trunc();
                if !out.contains(&n) {
                    out.push(n);
                }
            }
        }
    }
    Some(out)
}
