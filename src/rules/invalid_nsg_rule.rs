//! STV214 invalid-nsg-rule: A security rule of the API Management subnet's NSG is invalid.
//!
//! R-NSG-5 (generic NSG validity): Azure rejects the whole NSG deployment when one rule has a
//! priority outside 100–4096, shares its priority with another rule of the same direction,
//! carries a service tag (or `*`) in a plural prefix list, names no address on one side, has a
//! port, address, direction, access or protocol that is not a value of its field, has a name
//! longer than 80 characters or a description longer than 140, or lacks a field Azure
//! requires. A side written in both its singular and plural field is refused by the azurerm
//! provider (an error) and of unverified fate in ARM (a warning). Each finding points at the
//! value to change.

use super::{when_deployed, Ctx, Rule, Sink};
use crate::analysis::address;
use crate::analysis::nsg::NsgForm;
use crate::analysis::ports::PortSet;
use crate::analysis::tags::Token;
use crate::code::Code;
use crate::diagnostic::Severity;
use crate::model::{deployed_together, Cond, Direction, Nsg, RuleFault};
use std::collections::HashMap;

pub const RULE: Rule = Rule {
    code: Code::Stv214,
    name: "invalid-nsg-rule",
    severity: Severity::Error,
    summary: "A security rule of the API Management subnet's NSG is invalid",
    page: include_str!("../../rules/STV214.md"),
    check: Some(check),
};

const MIN_PRIORITY: i64 = 100;
const MAX_PRIORITY: i64 = 4096;
const MAX_NAME: usize = 80;

fn check(ctx: &Ctx, sink: &mut Sink) {
    for (nsg, sites) in ctx.nsgs() {
        sink.about_sites(&sites);
        let form = ctx.nsg_forms.of(nsg);
        // The rules of each priority and direction, in order: a rule's namesakes before it are
        // found without scanning every rule before it (an NSG of 100,000 rules was quadratic).
        let mut same: HashMap<(i64, bool), Vec<usize>> = HashMap::new();
        for (i, rule) in nsg.rules.iter().enumerate() {
            if let (Some(&p), Some(d)) = (rule.priority.get(), rule.direction.get()) {
                same.entry((p, *d == Direction::Inbound))
                    .or_default()
                    .push(i);
            }
        }
        for (i, rule) in nsg.rules.iter().enumerate() {
            let earlier: &[usize] = match (rule.priority.get(), rule.direction.get()) {
                (Some(&p), Some(d)) => same
                    .get(&(p, *d == Direction::Inbound))
                    .map_or(&[], |v| &v[..v.partition_point(|&j| j < i)]),
                _ => &[],
            };
            for (problem, at, key, when) in problems(nsg, &form, earlier, i) {
                // Forms Azure may accept (a warning), and the ones the provider refuses first.
                let unsure =
                    key == "port-comma" || (key.starts_with("both-") && key.ends_with('?'));
                let who = if unsure {
                    "Azure may reject the NSG"
                } else if key.starts_with("both-") {
                    "the azurerm provider rejects the rule"
                } else {
                    "Azure rejects the NSG"
                };
                let mut d = sink
                    .diag(format!(
                        "security rule '{}' of NSG '{}' {problem}; {who}",
                        rule.name, nsg.meta.name,
                    ))
                    .at(at.or(Some(rule.decl)))
                    .label(
                        problem
                            .split(", which")
                            .next()
                            .unwrap_or_default()
                            .to_string(),
                    )
                    .resource(&nsg.meta.label)
                    .help(help(key))
                    .identity(format!(
                        "{}|{}|{}",
                        nsg.meta.key.names.join("/"),
                        rule.name.to_ascii_lowercase(),
                        key.trim_end_matches('?')
                    ));
                if unsure {
                    d.severity = Severity::Warning;
                }
                let what = match key {
                    "priority-duplicate" => "it and the rule it shares the priority with are",
                    _ => "it",
                };
                sink.emit(when_deployed(d, what, &when));
            }
        }
    }
}

/// What is wrong, where to edit it, its key, and the choices under which what it is about is
/// deployed ([`deployed_together`]).
type Problem = (String, Option<crate::source::Span>, &'static str, Vec<Cond>);

/// What is wrong with `rule` of `nsg`, each with where to edit it; `earlier`: the rules before
/// it of its priority and direction.
fn problems(nsg: &Nsg, form: &NsgForm, earlier: &[usize], i: usize) -> Vec<Problem> {
    let rule = &nsg.rules[i];
    let own = deployed_together(rule.deployed.as_deref(), None);
    let mut out = Vec::new();
    if let Some(&p) = rule.priority.get() {
        if !(MIN_PRIORITY..=MAX_PRIORITY).contains(&p) {
            out.push((
                format!("has priority {p}, outside {MIN_PRIORITY}–{MAX_PRIORITY}"),
                rule.priority.at,
                "priority-range",
                own.clone(),
            ));
        } else if let (Some(dir), Some((first, together))) = (
            rule.direction.get(),
            // Two rules that are never deployed together do not clash.
            earlier.iter().map(|&j| &nsg.rules[j]).find_map(|r| {
                let w = deployed_together(r.deployed.as_deref(), rule.deployed.as_deref());
                (!w.is_empty()).then_some((r, w))
            }),
        ) {
            out.push((
                format!(
                    "has priority {p}, already taken by {} rule '{}'",
                    match dir {
                        Direction::Inbound => "inbound",
                        Direction::Outbound => "outbound",
                    },
                    first.name
                ),
                rule.priority.at,
                "priority-duplicate",
                together,
            ));
        }
    }
    for (shown, at) in &rule.invalid {
        let key = match shown.split(' ').next() {
            Some("direction") => "direction",
            Some("access") => "access",
            _ => "protocol",
        };
        out.push((
            format!("has {shown}, which is not a value of that field"),
            *at,
            key,
            own.clone(),
        ));
    }
    for (side, f) in [
        ("source", &rule.source_addresses),
        ("destination", &rule.destination_addresses),
    ] {
        // Written as an IPv4 address or range (digits, dots, a slash) but none: `300.1.1.1`,
        // `10.0.0.0/33`. The form classified each address: one that is no network is a tag.
        let classes = form.addresses(i, side == "source").unwrap_or_default();
        let bad = f
            .get()
            .into_iter()
            .flatten()
            .enumerate()
            .find_map(|(k, written)| {
                let t = written.trim();
                let bad = t.contains('.')
                    && t.bytes()
                        .all(|b| b.is_ascii_digit() || b == b'.' || b == b'/')
                    && match classes.get(k) {
                        Some(class) => matches!(class, Token::Tag { .. }),
                        None => address::parse_net(t).is_none(),
                    };
                bad.then_some(written)
            });
        if let Some(t) = bad {
            out.push((
                format!("has {side} address '{t}', which is not an IP address or CIDR range"),
                f.at,
                if side == "source" {
                    "source-address"
                } else {
                    "destination-address"
                },
                own.clone(),
            ));
        }
    }
    for (entry, at) in &rule.plural_prefixes {
        if address::parse_prefix(entry).is_err() {
            out.push((
                format!("lists '{entry}' in a plural address prefix list, which takes IP addresses and CIDR ranges only"),
                *at,
                "plural-tag",
                own.clone(),
            ));
        }
    }
    for (side, f) in [
        ("source", &rule.source_addresses),
        ("destination", &rule.destination_addresses),
    ] {
        if f.get().is_some_and(|v| v.is_empty()) {
            out.push((
                format!("names no {side} address, prefix or application security group"),
                Some(rule.decl),
                if side == "source" {
                    "no-source"
                } else {
                    "no-destination"
                },
                own.clone(),
            ));
        }
    }
    for (side, f) in [
        ("source", &rule.source_ports),
        ("destination", &rule.destination_ports),
    ] {
        // The form parsed the whole list: a token is bad only when that failed.
        let parsed = form.ports(i, side == "source").is_some();
        let bad = (!parsed)
            .then(|| {
                f.get()
                    .into_iter()
                    .flatten()
                    .find_map(|t| PortSet::parse(std::slice::from_ref(t)).err())
            })
            .flatten();
        // `"443,3443"` in one entry: the portal's comma list belongs in the plural field, one
        // port or range per entry (REQUIREMENTS.md §3.6: a warning; read as the list meanwhile).
        let comma = f
            .get()
            .into_iter()
            .flatten()
            .find(|t| t.contains(',') && PortSet::parse(std::slice::from_ref(*t)).is_ok());
        if let (Some(t), None) = (comma, &bad) {
            out.push((
                format!(
                    "has {side} port '{}', a comma list in one port field",
                    t.trim()
                ),
                f.at,
                "port-comma",
                own.clone(),
            ));
        }
        if let Some(why) = bad {
            out.push((
                format!("has an invalid {side} port, which fails Azure's validation: {why}"),
                f.at,
                if side == "source" {
                    "source-port"
                } else {
                    "destination-port"
                },
                own.clone(),
            ));
        }
    }
    for f in &rule.faults {
        out.push(match f {
            RuleFault::LongDescription(n, at) => (
                format!("has a description of {n} characters (at most 140)"),
                *at,
                "description-length",
                own.clone(),
            ),
            RuleFault::Missing(field) => (
                format!("has no {field}, which Azure requires of every rule"),
                Some(rule.decl),
                match *field {
                    "priority" => "no-priority",
                    "direction" => "no-direction",
                    "access" => "no-access",
                    _ => "no-protocol",
                },
                own.clone(),
            ),
            RuleFault::Both { what, at, rejected } => (
                format!("writes its {what} in both the singular and the plural field"),
                *at,
                both_key(what, *rejected),
                own.clone(),
            ),
        });
    }
    if rule.name.chars().count() > MAX_NAME {
        out.push((
            format!(
                "has a name of {} characters (at most {MAX_NAME})",
                rule.name.chars().count()
            ),
            Some(rule.decl),
            "name-length",
            own,
        ));
    }
    out
}

/// The key of a side written in both fields; `?` marks a form Azure may accept.
fn both_key(what: &str, rejected: bool) -> &'static str {
    match (what, rejected) {
        ("source port", true) => "both-source-port",
        ("source port", false) => "both-source-port?",
        ("destination port", true) => "both-destination-port",
        ("destination port", false) => "both-destination-port?",
        ("source address", true) => "both-source-address",
        ("source address", false) => "both-source-address?",
        (_, true) => "both-destination-address",
        (_, false) => "both-destination-address?",
    }
}

fn help(key: &str) -> &'static str {
    if key.starts_with("both-") {
        return "Write the side in one field: the singular for one port, range, address or tag, the plural list for several (sourcePortRange or sourcePortRanges; Terraform source_port_range or source_port_ranges).";
    }
    match key {
        "description-length" => "Shorten the rule's description to 140 characters or fewer.",
        "no-priority" | "no-direction" | "no-access" | "no-protocol" => {
            "Give the rule a priority (100–4096), a direction (Inbound or Outbound), an access (Allow or Deny) and a protocol (Tcp, Udp, Icmp, Esp, Ah or *)."
        }
        "priority-range" => "Give the rule a priority from 100 to 4096 (lower is evaluated first).",
        "priority-duplicate" => {
            "Give each rule of one direction its own priority; renumber one of the two."
        }
        "plural-tag" => {
            "Put a service tag (or *) in the singular field (sourceAddressPrefix / destinationAddressPrefix, Terraform source_address_prefix / destination_address_prefix), one tag per rule; keep only addresses in the plural list."
        }
        "port-comma" => {
            "Put each port or range in its own entry of the plural field (sourcePortRanges / destinationPortRanges, Terraform *_port_ranges)."
        }
        "source-port" | "destination-port" => {
            "Write a port from 0 to 65535, a range 'low-high' with low ≤ high, or '*'; list several in the plural field (sourcePortRanges / destinationPortRanges, Terraform *_port_ranges)."
        }
        "source-address" | "destination-address" => {
            "Write an IPv4 address (four numbers from 0 to 255) or a CIDR range with a prefix length from 0 to 32, a service tag, or *."
        }
        "direction" | "access" | "protocol" => {
            "Write direction Inbound or Outbound, access Allow or Deny, and protocol Tcp, Udp, Icmp, Esp, Ah or * (Terraform: the same words, \"*\" for any protocol)."
        }
        "no-source" | "no-destination" => {
            "Set the address prefix (a CIDR, a service tag or *), a prefix list, or application security groups on both sides of the rule."
        }
        _ => "Shorten the rule name to 80 characters or fewer.",
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::Severity;
    use crate::model::{Access, Direction, Field, RuleFault, SecurityRule};
    use crate::rules::testkit::*;

    fn rule(name: &str, prio: i64, dir: Direction, at: usize) -> SecurityRule {
        SecurityRule {
            name: name.into(),
            decl: sp(at).unwrap(),
            priority: Field::known(prio, sp(at + 1)),
            direction: Field::known(dir, None),
            access: Field::known(Access::Allow, None),
            protocol: Field::known("Tcp".into(), None),
            source_addresses: Field::known(vec!["ApiManagement".into()], None),
            source_ports: Field::known(vec!["*".into()], None),
            destination_addresses: Field::known(vec!["VirtualNetwork".into()], None),
            destination_ports: Field::known(vec!["3443".into()], None),
            plural_prefixes: Vec::new(),
            invalid: Vec::new(),
            faults: Vec::new(),
            deployed: None,
        }
    }

    #[test]
    fn priority_out_of_range_and_duplicates_per_direction() {
        let w = with_nsg_rules(vec![
            rule("low", 99, Direction::Inbound, 400),
            rule("a", 200, Direction::Inbound, 410),
            rule("b", 200, Direction::Outbound, 420),
            rule("c", 200, Direction::Inbound, 430),
            rule("high", 4097, Direction::Outbound, 440),
            rule("edge", 4096, Direction::Outbound, 450),
        ]);
        let d = run(Code::Stv214, &w);
        assert_eq!(
            at(&d),
            vec![
                (Code::Stv214, Some(401)),
                (Code::Stv214, Some(431)),
                (Code::Stv214, Some(441))
            ]
        );
        assert!(d[1].message.contains("inbound rule 'a'"));
    }

    #[test]
    fn tags_in_plural_lists_and_empty_sides() {
        let mut r = rule("plural", 300, Direction::Inbound, 400);
        r.plural_prefixes = vec![("10.0.0.0/24".into(), sp(460)), ("Storage".into(), sp(461))];
        let mut e = rule("nodst", 310, Direction::Inbound, 470);
        e.destination_addresses = Field::known(vec![], sp(470));
        let d = run(Code::Stv214, &with_nsg_rules(vec![r, e]));
        assert_eq!(
            at(&d),
            vec![(Code::Stv214, Some(461)), (Code::Stv214, Some(470))]
        );
        assert!(d[0].message.contains("'Storage'"));
        assert!(d[1].message.contains("no destination"));
    }

    #[test]
    fn a_long_description_is_an_error_and_both_fields_depend_on_the_tool() {
        let mut r = rule("long", 300, Direction::Inbound, 400);
        r.faults = vec![
            RuleFault::LongDescription(141, sp(480)),
            RuleFault::Both {
                what: "source port",
                at: sp(481),
                rejected: false,
            },
            RuleFault::Both {
                what: "destination address",
                at: sp(482),
                rejected: true,
            },
        ];
        let d = run(Code::Stv214, &with_nsg_rules(vec![r]));
        assert_eq!(
            at(&d),
            vec![
                (Code::Stv214, Some(480)),
                (Code::Stv214, Some(481)),
                (Code::Stv214, Some(482))
            ]
        );
        let sev: Vec<_> = d.iter().map(|d| d.severity).collect();
        assert_eq!(sev, [Severity::Error, Severity::Warning, Severity::Error]);
        assert!(d[0].message.contains("141 characters"), "{}", d[0].message);
        assert!(
            d[1].message.contains("Azure may reject"),
            "{}",
            d[1].message
        );
        assert!(
            d[2].message.contains("provider rejects"),
            "{}",
            d[2].message
        );
        assert!(
            d[1].identity.ends_with("|both-source-port"),
            "{}",
            d[1].identity
        );
    }

    #[test]
    fn a_valid_rule_set_is_silent() {
        let w = with_nsg_rules(vec![
            rule("a", 100, Direction::Inbound, 400),
            rule("b", 100, Direction::Outbound, 410),
            rule("c", 4096, Direction::Inbound, 420),
        ]);
        assert!(run(Code::Stv214, &w).is_empty());
    }
}
