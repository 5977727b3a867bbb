//! STV208 rule-mismatch: A rule aimed at a required dependency has the wrong port, direction or protocol.

use super::flows::{flows, FlowSpec};
use super::{Ctx, Resolved, Rule, Sink};
use crate::analysis::nsg::NsgForm;
use crate::analysis::ports::PortSet;
use crate::analysis::tags::Token;
use crate::code::Code;
use crate::diagnostic::Severity;
use crate::model::{Access, Direction, Nsg, SecurityRule};
use std::cell::OnceCell;
use std::collections::HashSet;

pub const RULE: Rule = Rule {
    code: Code::Stv208,
    name: "rule-mismatch",
    severity: Severity::Warning,
    summary: "A rule aimed at a required dependency has the wrong port, direction or protocol",
    page: include_str!("../../rules/STV208.md"),
    check: Some(check),
};

/// Explicit allow rules that name a dependency's service tag (`rules/flows.yaml` rows with
/// `mismatch: true`) but get its port, protocol or direction wrong, while no other rule of the
/// NSG gets it right: the traffic then only passes through a default rule, if at all.
fn check(ctx: &Ctx, sink: &mut Sink) {
    let mut seen: HashSet<*const Nsg> = HashSet::new();
    for site in &ctx.sites {
        sink.about(site);
        let Resolved::Found(nsg) = site.nsg else {
            continue;
        };
        if !seen.insert(nsg) {
            continue;
        }
        let form = ctx.nsg_forms.of(nsg);
        let rules = Rules::new(nsg, &form);
        for (rule, v) in nsg.rules.iter().zip(&rules.views) {
            if let Some(m) = v.as_ref().and_then(|v| mismatch(&rules, v)) {
                emit(sink, nsg, rule, &m);
            }
        }
    }
}

/// The NSG's rules as this check reads them, parsed once, and per flow (index into
/// [`flows`]) the ports they allow, computed on first use: every rule of the NSG asks, so
/// computing them per rule was quadratic in the rules.
struct Rules<'f> {
    views: Vec<Option<View<'f>>>,
    covered: Vec<OnceCell<PortSet>>,
}

impl<'f> Rules<'f> {
    fn new(nsg: &Nsg, form: &'f NsgForm) -> Rules<'f> {
        Rules {
            views: (nsg.rules.iter().enumerate())
                .map(|(i, r)| view(r, form, i))
                .collect(),
            covered: flows().iter().map(|_| OnceCell::new()).collect(),
        }
    }

    /// The flow's ports that rules naming its tag in the right direction and protocol allow.
    fn covered(&self, fi: usize) -> &PortSet {
        self.covered[fi].get_or_init(|| {
            let flow = &flows()[fi];
            self.views
                .iter()
                .flatten()
                .filter(|v| {
                    v.direction == flow.direction()
                        && names_tag(far(v, v.direction), flow.tag())
                        && protocol_ok(&v.protocol, flow)
                })
                .fold(PortSet::empty(), |acc, v| {
                    let got = v.ports.intersect(flow.ports());
                    // union = all − ((all − a) ∩ (all − b))
                    let all = PortSet::all();
                    all.subtract(&all.subtract(&acc).intersect(&all.subtract(&got)))
                })
        })
    }

    /// A rule of the NSG allows the flow's tag in the right direction, port and protocol.
    fn has_correct_rule(&self, fi: usize) -> bool {
        !self.covered(fi).is_empty()
    }
}

/// What is wrong with a rule aimed at a flow.
#[derive(Debug, PartialEq, Eq)]
enum Wrong {
    Port(PortSet),
    Protocol(String),
    Direction(Direction),
    /// Right tag, direction and protocol, but these ports of the flow are allowed by no rule.
    PortsLeft(PortSet),
    /// The tag is on the subnet's side of the rule (an inbound rule whose destination is
    /// ApiManagement): the rule does nothing for the flow.
    Field,
}

struct Mismatch {
    flow: &'static FlowSpec,
    wrong: Wrong,
}

/// A rule's fields as far as this check needs them; `None` when any is unknown (no finding:
/// this is a heuristic, the flow rules report what cannot be decided).
struct View<'f> {
    direction: Direction,
    source: &'f [Token],
    destination: &'f [Token],
    ports: &'f PortSet,
    protocol: String,
}

/// Rule `i` of the NSG, its addresses and ports as the NSG's form parsed them.
fn view<'f>(rule: &SecurityRule, form: &'f NsgForm, i: usize) -> Option<View<'f>> {
    if *rule.access.get()? != Access::Allow {
        return None;
    }
    Some(View {
        direction: *rule.direction.get()?,
        source: form.addresses(i, true)?,
        destination: form.addresses(i, false)?,
        ports: form.ports(i, false)?,
        protocol: rule.protocol.get()?.trim().to_string(),
    })
}

fn names_tag(tokens: &[Token], tag: &str) -> bool {
    tokens
        .iter()
        .any(|t| matches!(t, Token::Tag { name, .. } if name.eq_ignore_ascii_case(tag)))
}

fn protocol_ok(protocol: &str, flow: &FlowSpec) -> bool {
    protocol == "*"
        || protocol.eq_ignore_ascii_case("any")
        || protocol.eq_ignore_ascii_case(&flow.protocol)
}

/// The far side of a rule for a flow: the destination of an outbound rule, the source of an
/// inbound one.
fn far<'f>(v: &View<'f>, direction: Direction) -> &'f [Token] {
    match direction {
        Direction::Inbound => v.source,
        Direction::Outbound => v.destination,
    }
}

/// The subnet's side of a rule for a flow.
fn near<'f>(v: &View<'f>, direction: Direction) -> &'f [Token] {
    match direction {
        Direction::Inbound => v.destination,
        Direction::Outbound => v.source,
    }
}

/// A required flow (severity error) whose service tag sits on the subnet's side of a rule in the
/// flow's direction and port: written the wrong way round.
fn wrong_field(rules: &Rules, v: &View) -> Option<Mismatch> {
    for (fi, flow) in flows()
        .iter()
        .enumerate()
        .filter(|(_, f)| f.severity == super::flows::Sev::Error && f.direction() == v.direction)
    {
        let tag = flow.tag();
        if ["Internet", "VirtualNetwork", "subnet"]
            .iter()
            .any(|t| t.eq_ignore_ascii_case(tag))
        {
            continue;
        }
        if names_tag(near(v, v.direction), tag)
            && !names_tag(far(v, v.direction), tag)
            && !v.ports.intersect(flow.ports()).is_empty()
            && protocol_ok(&v.protocol, flow)
            && !rules.has_correct_rule(fi)
        {
            return Some(Mismatch {
                flow,
                wrong: Wrong::Field,
            });
        }
    }
    None
}

fn mismatch(rules: &Rules, v: &View) -> Option<Mismatch> {
    for (fi, flow) in flows().iter().enumerate().filter(|(_, f)| f.mismatch) {
        let tag = flow.tag();
        let wrong = if v.direction == flow.direction() {
            if !names_tag(far(v, v.direction), tag) {
                continue;
            }
            if v.ports.intersect(flow.ports()).is_empty() {
                Wrong::Port(v.ports.clone())
            } else if !protocol_ok(&v.protocol, flow) {
                Wrong::Protocol(v.protocol.clone())
            } else {
                let left = flow.ports().subtract(rules.covered(fi));
                if left.is_empty() {
                    continue;
                }
                // Reported here; another rule for the tag may cover part, but not all.
                return Some(Mismatch {
                    flow,
                    wrong: Wrong::PortsLeft(left),
                });
            }
        } else if flow.direction() == Direction::Outbound
            && (names_tag(v.source, tag) || names_tag(v.destination, tag))
        {
            // A dependency API Management calls out to, written as an inbound rule.
            Wrong::Direction(v.direction)
        } else {
            continue;
        };
        if rules.has_correct_rule(fi) {
            return None;
        }
        return Some(Mismatch { flow, wrong });
    }
    wrong_field(rules, v)
}

fn emit(sink: &mut Sink, nsg: &Nsg, rule: &SecurityRule, m: &Mismatch) {
    let flow = m.flow;
    let tag = flow.tag();
    let need = flow.ports().show();
    let (message, help) = match &m.wrong {
        Wrong::Port(p) => (
            format!(
                "security rule '{}' allows {} port {} for {tag}, but API Management needs {tag} on port {need} ({})",
                rule.name,
                dir_word(flow.direction()),
                p.show(),
                flow.title
            ),
            format!("Change the destination port of security rule '{}' to {need}.", rule.name),
        ),
        Wrong::Protocol(p) => (
            format!(
                "security rule '{}' allows protocol {p} for {tag}, but API Management reaches {tag} over {} on port {need}",
                rule.name,
                flow.protocol.to_ascii_uppercase()
            ),
            format!("Set the protocol of security rule '{}' to {} (or *).", rule.name, flow.protocol),
        ),
        Wrong::PortsLeft(left) => (
            format!(
                "security rule '{}' allows {tag} on port {} only, but API Management needs {tag} on port {need} ({}); no rule for {tag} allows port {}",
                rule.name,
                rule.destination_ports.get().map(|p| p.join(", ")).unwrap_or_default(),
                flow.title,
                left.show()
            ),
            format!("Add port {} to security rule '{}'.", left.show(), rule.name),
        ),
        Wrong::Field => {
            let (right, wrong) = match flow.direction() {
                Direction::Inbound => ("source", "destination"),
                Direction::Outbound => ("destination", "source"),
            };
            (
                format!(
                    "security rule '{}' names {tag} as its {wrong}, but for {} ({}: {}) {tag} is the {right}: the rule does nothing for that flow",
                    rule.name,
                    flow.describe(),
                    flow.id,
                    flow.title
                ),
                format!(
                    "Make security rule '{}' {}.",
                    rule.name,
                    flow.rule_to_add(None)
                ),
            )
        }
        Wrong::Direction(d) => (
            format!(
                "security rule '{}' is an {} rule for {tag}, but API Management reaches {tag} {} ({})",
                rule.name,
                dir_word(*d),
                dir_word(flow.direction()),
                flow.describe()
            ),
            format!(
                "Make security rule '{}' {}.",
                rule.name,
                flow.rule_to_add(None)
            ),
        ),
    };
    // Underline the field to change; the whole rule stays a related place.
    let field = match &m.wrong {
        Wrong::Port(_) | Wrong::PortsLeft(_) => rule.destination_ports.at,
        Wrong::Protocol(_) => rule.protocol.at,
        Wrong::Direction(_) => rule.direction.at,
        Wrong::Field => match flow.direction() {
            Direction::Inbound => rule.destination_addresses.at,
            Direction::Outbound => rule.source_addresses.at,
        },
    };
    let label = match &m.wrong {
        Wrong::Port(p) => format!("port {}, but {tag} needs {need}", p.show()),
        Wrong::Protocol(p) => format!("protocol {p}, but {tag} needs {}", flow.protocol),
        Wrong::PortsLeft(left) => format!("port {} for {tag} is missing", left.show()),
        Wrong::Direction(d) => format!(
            "{}, but {tag} is reached {}",
            dir_word(*d),
            dir_word(flow.direction())
        ),
        Wrong::Field => format!("{tag} on the wrong side: the rule does nothing"),
    };
    let d = sink
        .diag(message)
        .at(Some(super::field_in(field, rule.decl)))
        .label(label)
        .related(Some(rule.decl), format!("security rule '{}'", rule.name))
        .resource(&nsg.meta.label)
        .help(match m.wrong {
            Wrong::Field => format!("{help} Until then the flow passes or fails on the other rules."),
            _ => format!(
                "{help} Until then the traffic relies on a default rule and breaks as soon as a deny is added."
            ),
        })
        .related(Some(nsg.meta.decl), format!("network security group '{}'", nsg.meta.name))
        .identity(format!(
            "{}|{}|{}",
            nsg.meta.key.names.join("/"),
            rule.name,
            flow.id
        ));
    sink.emit(d);
}

fn dir_word(d: Direction) -> &'static str {
    match d {
        Direction::Inbound => "inbound",
        Direction::Outbound => "outbound",
    }
}
