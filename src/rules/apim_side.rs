//! The side of a security rule that stands for API Management itself (inbound: the destination,
//! outbound: the source), and the API Management subnets' prefixes behind an NSG. Shared by the
//! rules that judge how a rule addresses the instance (STV220, STV221, STV222).

use super::context::Site;
use crate::analysis::address::parse_prefix;
use crate::analysis::nsg::NsgForm;
use crate::analysis::tags::Token;
use crate::diagnostic::Diagnostic;
use crate::model::{Direction, Nsg, SecurityRule};
use ipnet::{IpNet, Ipv4Net};

/// The written addresses of the API Management side of `rule` (rule `i` of the NSG `form` was
/// built from), with their classes as the form read them, when known.
pub(super) fn apim_side<'a>(
    rule: &'a SecurityRule,
    form: &'a NsgForm,
    i: usize,
) -> Option<Vec<(&'a str, &'a Token)>> {
    let source = *rule.direction.get()? == Direction::Outbound;
    let f = if source {
        &rule.source_addresses
    } else {
        &rule.destination_addresses
    };
    let written = f.get()?.iter().map(String::as_str);
    Some(written.zip(form.addresses(i, source)?).collect())
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
