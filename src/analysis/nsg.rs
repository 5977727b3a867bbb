//! NSG flow evaluation: priorities, first match, default rules, set semantics.
//!
//! A required flow is a set — source × source ports (all) × destination × destination ports ×
//! protocol. The rules of its direction, custom and default, are walked in priority order while
//! the part of the set not yet allowed is kept: a deny that overlaps any of it blocks; an allow
//! that covers all of it satisfies; an allow that covers it except in one dimension (ports, part
//! of the subnet) is subtracted and the walk goes on; anything less certain is remembered and
//! skipped. Nothing here knows about diagnostics.

use super::address::parse_prefix;
use super::ports::{Cover, PortSet};
use super::tags::{
    cidrs_of, classify, side_tag_relation, subnet_relation, AddrSet, RegionPolicy, Rel, Target,
    Token,
};
use crate::model::{Access, Direction, Field, Nsg, SecurityRule};
use crate::source::Span;
use ipnet::{IpNet, Ipv4Net};

/// The transport protocol a requirement needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proto {
    Tcp,
    Udp,
}

impl Proto {
    pub fn name(self) -> &'static str {
        match self {
            Proto::Tcp => "Tcp",
            Proto::Udp => "Udp",
        }
    }
}

/// One required flow, made concrete for one instance location.
#[derive(Clone, Debug)]
pub struct Requirement {
    pub direction: Direction,
    pub source: Target,
    pub destination: Target,
    /// Destination ports; source ports are always all.
    pub ports: PortSet,
    pub protocol: Proto,
    /// Which regional tags stand for their global tag here.
    pub regions: RegionPolicy,
    /// The requirement is "some of these sources can reach it" (clients from the Internet), or
    /// outbound "it reaches some hosts there" (revocation servers on the Internet): a deny that
    /// covers only part of the far side carves out a part, it does not block the whole.
    pub population: bool,
}

/// The subnet's prefixes as the evaluation needs them.
#[derive(Clone, Debug)]
pub enum Prefixes {
    Known(Vec<Ipv4Net>),
    /// Why they are not known, and where.
    Unknown(String, Option<Span>),
}

impl Prefixes {
    /// From the model field: IPv6 prefixes are left out (stv2 traffic is IPv4).
    pub fn from_field(f: &Field<Vec<String>>) -> Prefixes {
        match &f.val {
            Err(reason) => Prefixes::Unknown(reason.clone(), f.origin().or(f.at)),
            Ok(list) => {
                let mut nets = Vec::new();
                for p in list {
                    match parse_prefix(p).map(|p| p.net) {
                        Ok(IpNet::V4(n)) => nets.push(n.trunc()),
                        Ok(IpNet::V6(_)) => {}
                        Err(_) => {
                            return Prefixes::Unknown(
                                format!("the subnet prefix '{}' is not an IPv4 CIDR", p.trim()),
                                f.at,
                            )
                        }
                    }
                }
                if nets.is_empty() {
                    Prefixes::Unknown("the subnet has no IPv4 address prefix".into(), f.at)
                } else {
                    Prefixes::Known(nets)
                }
            }
        }
    }
}

/// A default rule of every NSG (cannot be removed, only overridden).
#[derive(Debug)]
pub struct DefaultRule {
    pub name: &'static str,
    pub priority: i64,
    pub direction: Direction,
    pub access: Access,
    source: &'static str,
    destination: &'static str,
}

pub static DEFAULT_RULES: &[DefaultRule] = &[
    DefaultRule {
        name: "AllowVNetInBound",
        priority: 65000,
        direction: Direction::Inbound,
        access: Access::Allow,
        source: "VirtualNetwork",
        destination: "VirtualNetwork",
    },
    DefaultRule {
        name: "AllowAzureLoadBalancerInBound",
        priority: 65001,
        direction: Direction::Inbound,
        access: Access::Allow,
        source: "AzureLoadBalancer",
        destination: "0.0.0.0/0",
    },
    DefaultRule {
        name: "DenyAllInbound",
        priority: 65500,
        direction: Direction::Inbound,
        access: Access::Deny,
        source: "0.0.0.0/0",
        destination: "0.0.0.0/0",
    },
    DefaultRule {
        name: "AllowVnetOutBound",
        priority: 65000,
        direction: Direction::Outbound,
        access: Access::Allow,
        source: "VirtualNetwork",
        destination: "VirtualNetwork",
    },
    DefaultRule {
        name: "AllowInternetOutBound",
        priority: 65001,
        direction: Direction::Outbound,
        access: Access::Allow,
        source: "0.0.0.0/0",
        destination: "Internet",
    },
    DefaultRule {
        name: "DenyAllOutBound",
        priority: 65500,
        direction: Direction::Outbound,
        access: Access::Deny,
        source: "0.0.0.0/0",
        destination: "0.0.0.0/0",
    },
];

/// The rule that decided, or that a note is about.
#[derive(Clone, Copy, Debug)]
pub enum RuleRef<'r> {
    Custom(&'r SecurityRule),
    Default(&'static DefaultRule),
}

impl<'r> RuleRef<'r> {
    pub fn name(&self) -> &str {
        match self {
            RuleRef::Custom(r) => &r.name,
            RuleRef::Default(d) => d.name,
        }
    }
    pub fn custom(&self) -> Option<&'r SecurityRule> {
        match self {
            RuleRef::Custom(r) => Some(r),
            RuleRef::Default(_) => None,
        }
    }
    pub fn priority(&self) -> Option<i64> {
        match self {
            RuleRef::Custom(r) => r.priority.get().copied(),
            RuleRef::Default(d) => Some(d.priority),
        }
    }
}

/// A dimension of the flow set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dim {
    Source,
    SourcePorts,
    Destination,
    DestinationPorts,
    Protocol,
}

impl Dim {
    pub fn describe(self) -> &'static str {
        match self {
            Dim::Source => "source",
            Dim::SourcePorts => "source ports",
            Dim::Destination => "destination",
            Dim::DestinationPorts => "destination ports",
            Dim::Protocol => "protocol",
        }
    }
}

/// Something an allow or deny rule did to the flow without deciding it.
#[derive(Clone, Debug)]
pub enum NoteKind {
    /// The allow covers the flow only partly in these dimensions. `subtracted` when the covered
    /// part was taken off the remainder (exact), `false` when it could not be.
    Partial { dims: Vec<Dim>, subtracted: bool },
    /// The allow names the regional variant of the required tag for this region, which the
    /// documentation does not endorse as a substitute.
    Regional,
    /// Whether the allow covers the flow cannot be decided (a CIDR where a tag is required).
    Unknown(String),
    /// A deny covers part of the far side of a population requirement (a block list).
    CarvedOut,
}

#[derive(Clone, Debug)]
pub struct Note<'r> {
    pub rule: &'r SecurityRule,
    pub kind: NoteKind,
}

#[derive(Clone, Debug)]
pub enum Verdict<'r> {
    /// The flow is fully allowed; `by` is the allow that completed it.
    Allowed { by: RuleRef<'r> },
    /// A deny matches part or all of what is left of the flow. `certain` is false when one of
    /// its dimensions could not be decided ("may block"): `doubt` says which and why.
    Denied {
        by: RuleRef<'r>,
        certain: bool,
        doubt: Option<String>,
    },
    /// A value the evaluation needs is unknown.
    Unknown {
        reason: String,
        at: Option<Span>,
        rule: Option<&'r SecurityRule>,
    },
}

/// The verdict, what undecided rules did on the way, and what was left of the flow.
#[derive(Clone, Debug)]
pub struct Evaluation<'r> {
    pub verdict: Verdict<'r>,
    pub notes: Vec<Note<'r>>,
    /// Destination ports still needed when the walk stopped.
    pub remaining_ports: PortSet,
    /// Source ports still needed when the walk stopped (all, unless an allow restricted them).
    pub remaining_source_ports: PortSet,
}

impl Evaluation<'_> {
    pub fn allowed(&self) -> bool {
        matches!(self.verdict, Verdict::Allowed { .. })
    }
}

type Unk = (String, Option<Span>);

/// Where a normalised rule comes from: a custom rule (index into the NSG's rules) or a default.
#[derive(Clone, Copy, Debug)]
enum Origin {
    Custom(usize),
    Default(&'static DefaultRule),
}

/// A rule with its fields parsed; `Err` holds why a field is unknown and where.
#[derive(Debug)]
struct Norm {
    origin: Origin,
    priority: Result<i64, Unk>,
    direction: Result<Direction, Unk>,
    access: Result<Access, Unk>,
    /// `None` = matches no TCP/UDP flow (Icmp, Esp, Ah); `Some(set)` otherwise.
    protocol: Result<ProtoMatch, Unk>,
    source: Result<Vec<Token>, Unk>,
    destination: Result<Vec<Token>, Unk>,
    source_ports: Result<PortSet, Unk>,
    destination_ports: Result<PortSet, Unk>,
}

impl Norm {
    fn rule<'r>(&self, rules: &'r [SecurityRule]) -> RuleRef<'r> {
        match self.origin {
            Origin::Custom(i) => RuleRef::Custom(&rules[i]),
            Origin::Default(d) => RuleRef::Default(d),
        }
    }
}

/// An NSG's rules parsed once — addresses classified, port ranges as interval sets, the
/// priority order — so every flow of every instance behind the NSG is walked against the same
/// form instead of parsing each rule again (issue 13: that was a third of all instructions).
/// It owns its data; [`evaluate_form`] takes the rules it was built from for the references in
/// the verdict.
#[derive(Debug)]
pub struct NsgForm {
    /// The custom rules in declaration order.
    custom: Vec<Norm>,
    /// Indices into `custom` by (priority, declaration order); unknown priorities last.
    by_priority: Vec<usize>,
    /// The default rules, in table order.
    defaults: &'static [Norm],
}

impl NsgForm {
    pub fn new(rules: &[SecurityRule]) -> NsgForm {
        let custom: Vec<Norm> = rules
            .iter()
            .enumerate()
            .map(|(i, r)| Norm::custom(r, i))
            .collect();
        let mut by_priority: Vec<usize> = (0..custom.len()).collect();
        by_priority.sort_by_key(|&i| (custom[i].priority.as_ref().copied().unwrap_or(i64::MAX), i));
        // The same for every NSG: normalised once per process.
        static DEFAULTS: std::sync::LazyLock<Vec<Norm>> =
            std::sync::LazyLock::new(|| DEFAULT_RULES.iter().map(Norm::default).collect());
        let defaults = DEFAULTS.as_slice();
        NsgForm {
            custom,
            by_priority,
            defaults,
        }
    }

    /// The addresses of custom rule `i`, source or destination, classified as the evaluation
    /// reads them; `None` when the field is unknown. The rules that judge how a rule is written
    /// read them here rather than classifying every address again.
    pub fn addresses(&self, i: usize, source: bool) -> Option<&[Token]> {
        let n = self.custom.get(i)?;
        let side = if source { &n.source } else { &n.destination };
        side.as_deref().ok()
    }

    /// The ports of custom rule `i`, source or destination; `None` when the field is unknown
    /// or a token of it is not a port, a range or `*`.
    pub fn ports(&self, i: usize, source: bool) -> Option<&PortSet> {
        let n = self.custom.get(i)?;
        let side = if source {
            &n.source_ports
        } else {
            &n.destination_ports
        };
        side.as_ref().ok()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ProtoMatch {
    Any,
    Tcp,
    Udp,
    Other,
}

/// A field's value by reference: normalising only reads the lists (it copied each one).
fn field<T>(f: &Field<T>) -> Result<&T, Unk> {
    match &f.val {
        Ok(v) => Ok(v),
        Err(e) => Err((e.clone(), f.origin().or(f.at))),
    }
}

fn parse_protocol(s: &str) -> ProtoMatch {
    let s = s.trim();
    if s == "*" || s.eq_ignore_ascii_case("any") {
        ProtoMatch::Any
    } else if s.eq_ignore_ascii_case("tcp") {
        ProtoMatch::Tcp
    } else if s.eq_ignore_ascii_case("udp") {
        ProtoMatch::Udp
    } else {
        ProtoMatch::Other
    }
}

impl Norm {
    fn custom(r: &SecurityRule, index: usize) -> Norm {
        let tokens = |f: &Field<Vec<String>>| {
            field(f).map(|v| v.iter().map(|s| classify(s)).collect::<Vec<_>>())
        };
        let ports = |f: &Field<Vec<String>>| {
            field(f).and_then(|v| PortSet::parse(v).map_err(|e| (e, f.at)))
        };
        Norm {
            origin: Origin::Custom(index),
            priority: field(&r.priority).copied(),
            direction: field(&r.direction).copied(),
            access: field(&r.access).copied(),
            protocol: field(&r.protocol).map(|p| parse_protocol(p)),
            source: tokens(&r.source_addresses),
            destination: tokens(&r.destination_addresses),
            source_ports: ports(&r.source_ports),
            destination_ports: ports(&r.destination_ports),
        }
    }
    fn default(d: &'static DefaultRule) -> Norm {
        Norm {
            origin: Origin::Default(d),
            priority: Ok(d.priority),
            direction: Ok(d.direction),
            access: Ok(d.access),
            protocol: Ok(ProtoMatch::Any),
            source: Ok(vec![classify(d.source)]),
            destination: Ok(vec![classify(d.destination)]),
            source_ports: Ok(PortSet::all()),
            destination_ports: Ok(PortSet::all()),
        }
    }
}

/// What is still needed of the flow.
struct Remaining {
    source_ports: PortSet,
    ports: PortSet,
    /// For a subnet side with known prefixes: the part of the subnet still needed.
    source_addrs: Option<AddrSet>,
    destination_addrs: Option<AddrSet>,
}

/// The relation of one dimension, or the unknown field it depends on.
enum DimRel {
    Rel(Rel),
    Value(Unk),
}

/// Evaluate `req` against the NSG's custom rules plus the default rules of its direction.
pub fn evaluate<'r>(nsg: &'r Nsg, req: &Requirement, prefixes: &Prefixes) -> Evaluation<'r> {
    evaluate_rules(&nsg.rules, nsg.rules_unknown.as_ref(), req, prefixes)
}

/// [`evaluate`] over a rule list (the model's `rules` and `rules_unknown`).
pub fn evaluate_rules<'r>(
    rules: &'r [SecurityRule],
    rules_unknown: Option<&(String, Option<Span>)>,
    req: &Requirement,
    prefixes: &Prefixes,
) -> Evaluation<'r> {
    evaluate_form(&NsgForm::new(rules), rules, rules_unknown, req, prefixes)
}

/// [`evaluate_rules`] against the form built once from `rules` ([`NsgForm::new`]).
pub fn evaluate_form<'r>(
    form: &NsgForm,
    rules: &'r [SecurityRule],
    rules_unknown: Option<&(String, Option<Span>)>,
    req: &Requirement,
    prefixes: &Prefixes,
) -> Evaluation<'r> {
    debug_assert_eq!(form.custom.len(), rules.len(), "the form of other rules");
    let subnet_set = match prefixes {
        Prefixes::Known(n) => Some(AddrSet::from_nets(n)),
        Prefixes::Unknown(..) => None,
    };
    let mut rem = Remaining {
        source_ports: PortSet::source_ports(),
        ports: req.ports.clone(),
        source_addrs: matches!(req.source, Target::Subnet)
            .then(|| subnet_set.clone())
            .flatten(),
        destination_addrs: matches!(req.destination, Target::Subnet)
            .then(|| subnet_set.clone())
            .flatten(),
    };
    let mut notes = Vec::new();
    let done = |verdict: Verdict<'r>, notes: Vec<Note<'r>>, rem: &Remaining| Evaluation {
        verdict,
        notes,
        remaining_ports: rem.ports.clone(),
        remaining_source_ports: rem.source_ports.clone(),
    };
    if let Some((reason, at)) = rules_unknown {
        return done(
            Verdict::Unknown {
                reason: format!("the security rules are not known: {reason}"),
                at: *at,
                rule: None,
            },
            notes,
            &rem,
        );
    }

    // Custom rules that can concern this flow, in priority order; rules that are certainly
    // about something else are dropped even when other fields of theirs are unknown. The first
    // relevant rule (in declaration order) with an unknown priority makes the order unknown.
    let mut relevant = vec![false; form.custom.len()];
    for (i, n) in form.custom.iter().enumerate() {
        if certainly_irrelevant(n, req, &rem, prefixes) {
            continue;
        }
        if let Err((reason, at)) = &n.priority {
            let r = &rules[i];
            return done(
                Verdict::Unknown {
                    reason: format!(
                        "the priority of security rule '{}' is unknown: {reason}",
                        r.name
                    ),
                    at: *at,
                    rule: Some(r),
                },
                notes,
                &rem,
            );
        }
        relevant[i] = true;
    }
    let ordered =
        form.by_priority
            .iter()
            .filter(|&&i| relevant[i])
            .map(|&i| &form.custom[i])
            .chain(form.defaults.iter().filter(
                |n| matches!(n.origin, Origin::Default(d) if d.direction == req.direction),
            ));

    for n in ordered {
        let origin = n.rule(rules);
        let unknown = |what: &str, (reason, at): &Unk| Verdict::Unknown {
            reason: format!(
                "the {what} of security rule '{}' is unknown: {reason}",
                origin.name()
            ),
            at: *at,
            rule: origin.custom(),
        };
        match &n.direction {
            Ok(d) if *d != req.direction => continue,
            Ok(_) => {}
            Err(u) => return done(unknown("direction", u), notes, &rem),
        }
        let dims = relations(n, req, &rem, prefixes);
        // A dimension known to miss makes the rule irrelevant whatever the others are.
        if dims
            .iter()
            .any(|(_, r)| matches!(r, DimRel::Rel(Rel::None)))
        {
            continue;
        }
        if let Some((d, DimRel::Value(u))) =
            dims.iter().find(|(_, r)| matches!(r, DimRel::Value(_)))
        {
            return done(unknown(d.describe(), u), notes, &rem);
        }
        let access = match &n.access {
            Ok(a) => *a,
            Err(u) => return done(unknown("access", u), notes, &rem),
        };
        let rels: Vec<(Dim, Rel)> = dims
            .into_iter()
            .filter_map(|(d, r)| match r {
                DimRel::Rel(r) => Some((d, r)),
                DimRel::Value(_) => None,
            })
            .collect();
        // Another region's variant of the tag is disjoint from the flow: a deny on it does not
        // block; an allow on it is kept as a note below (it was probably meant for the flow).
        if access == Access::Deny && rels.iter().any(|(_, r)| matches!(r, Rel::Elsewhere)) {
            continue;
        }
        let partial: Vec<Dim> = rels
            .iter()
            .filter(|(_, r)| matches!(r, Rel::Partial | Rel::Regional | Rel::Elsewhere))
            .map(|(d, _)| *d)
            .collect();
        let doubt = rels.iter().find_map(|(_, r)| match r {
            Rel::Unknown(why) => Some(why.clone()),
            _ => None,
        });
        match access {
            Access::Deny => {
                let doubt = doubt.or_else(|| {
                    rels.iter().find_map(|(_, r)| match r {
                        Rel::Probable(why) => Some(why.clone()),
                        _ => None,
                    })
                });
                // The population is on the far side: the sources of an inbound flow, the
                // destinations (hosts on the Internet) of an outbound one.
                let far = match req.direction {
                    Direction::Inbound => Dim::Source,
                    Direction::Outbound => Dim::Destination,
                };
                if req.population
                    && doubt.is_none()
                    && partial == [far]
                    && matches!(origin, RuleRef::Custom(_))
                {
                    if let RuleRef::Custom(r) = origin {
                        notes.push(Note {
                            rule: r,
                            kind: NoteKind::CarvedOut,
                        });
                    }
                    continue;
                }
                let certain = doubt.is_none();
                return done(
                    Verdict::Denied {
                        by: origin,
                        certain,
                        doubt,
                    },
                    notes,
                    &rem,
                );
            }
            Access::Allow => {
                let RuleRef::Custom(rule) = origin else {
                    // Default allows are whole-dimension rules: Full or None, except the
                    // subnet side, which VirtualNetwork/0.0.0.0/0 always covers fully.
                    if doubt.is_none() && partial.is_empty() {
                        return done(Verdict::Allowed { by: origin }, notes, &rem);
                    }
                    continue;
                };
                if let Some(why) = doubt {
                    notes.push(Note {
                        rule,
                        kind: NoteKind::Unknown(why),
                    });
                    continue;
                }
                if partial.is_empty() {
                    return done(Verdict::Allowed { by: origin }, notes, &rem);
                }
                let regional = rels.iter().any(|(_, r)| matches!(r, Rel::Regional));
                if regional {
                    notes.push(Note {
                        rule,
                        kind: NoteKind::Regional,
                    });
                    continue;
                }
                let subtracted = partial.len() == 1 && subtract(n, partial[0], req, &mut rem);
                notes.push(Note {
                    rule,
                    kind: NoteKind::Partial {
                        dims: partial.clone(),
                        subtracted,
                    },
                });
                if subtracted && remaining_empty(&rem) {
                    return done(Verdict::Allowed { by: origin }, notes, &rem);
                }
            }
        }
    }
    // Unreachable in practice: DenyAll* ends every walk.
    done(
        Verdict::Unknown {
            reason: "no rule decided the flow".into(),
            at: None,
            rule: None,
        },
        notes,
        &rem,
    )
}

/// True when a known field of the rule shows it cannot touch the flow. The cheap dimensions
/// are looked at first; most rules of an NSG miss a flow on protocol or ports.
fn certainly_irrelevant(n: &Norm, req: &Requirement, rem: &Remaining, prefixes: &Prefixes) -> bool {
    if matches!(&n.direction, Ok(d) if *d != req.direction) {
        return true;
    }
    [
        Dim::Protocol,
        Dim::DestinationPorts,
        Dim::SourcePorts,
        Dim::Source,
        Dim::Destination,
    ]
    .into_iter()
    .any(|d| matches!(relation(n, d, req, rem, prefixes), DimRel::Rel(Rel::None)))
}

fn relations(
    n: &Norm,
    req: &Requirement,
    rem: &Remaining,
    prefixes: &Prefixes,
) -> [(Dim, DimRel); 5] {
    [
        Dim::Protocol,
        Dim::Source,
        Dim::SourcePorts,
        Dim::Destination,
        Dim::DestinationPorts,
    ]
    .map(|d| (d, relation(n, d, req, rem, prefixes)))
}

/// How the rule relates to what is left of the flow in one dimension.
fn relation(n: &Norm, dim: Dim, req: &Requirement, rem: &Remaining, prefixes: &Prefixes) -> DimRel {
    let addr = |tokens: &Result<Vec<Token>, Unk>,
                target: &Target,
                rem_set: Option<&AddrSet>|
     -> DimRel {
        let toks = match tokens {
            Ok(t) => t,
            Err(u) => return DimRel::Value(u.clone()),
        };
        match target {
            Target::Tag(tag) => DimRel::Rel(side_tag_relation(toks, tag, &req.regions)),
            Target::Subnet => match subnet_relation(toks, rem_set) {
                Rel::NeedsPrefixes => match prefixes {
                    Prefixes::Unknown(reason, at) => DimRel::Value((
                        format!("the rule names address ranges and the subnet's prefixes are unknown: {reason}"),
                        *at,
                    )),
                    Prefixes::Known(_) => DimRel::Rel(Rel::None),
                },
                r => DimRel::Rel(r),
            },
        }
    };
    let ports = |p: &Result<PortSet, Unk>, need: &PortSet| -> DimRel {
        match p {
            Err(u) => DimRel::Value(u.clone()),
            Ok(set) => DimRel::Rel(match need.covered_by(set) {
                Cover::Full => Rel::Full,
                Cover::Partial => Rel::Partial,
                Cover::None => Rel::None,
            }),
        }
    };
    match dim {
        Dim::Protocol => match &n.protocol {
            Err(u) => DimRel::Value(u.clone()),
            Ok(p) => DimRel::Rel(match (p, req.protocol) {
                (ProtoMatch::Any, _)
                | (ProtoMatch::Tcp, Proto::Tcp)
                | (ProtoMatch::Udp, Proto::Udp) => Rel::Full,
                _ => Rel::None,
            }),
        },
        Dim::Source => addr(&n.source, &req.source, rem.source_addrs.as_ref()),
        Dim::SourcePorts => ports(&n.source_ports, &rem.source_ports),
        Dim::Destination => addr(
            &n.destination,
            &req.destination,
            rem.destination_addrs.as_ref(),
        ),
        Dim::DestinationPorts => ports(&n.destination_ports, &rem.ports),
    }
}

/// Take what the allow covers in `dim` off the remainder; false when that cannot be done exactly.
fn subtract(n: &Norm, dim: Dim, req: &Requirement, rem: &mut Remaining) -> bool {
    match dim {
        Dim::SourcePorts => match &n.source_ports {
            Ok(p) => {
                rem.source_ports = rem.source_ports.subtract(p);
                true
            }
            Err(_) => false,
        },
        Dim::DestinationPorts => match &n.destination_ports {
            Ok(p) => {
                rem.ports = rem.ports.subtract(p);
                true
            }
            Err(_) => false,
        },
        Dim::Source | Dim::Destination => {
            let (tokens, target, set) = if dim == Dim::Source {
                (&n.source, &req.source, &mut rem.source_addrs)
            } else {
                (&n.destination, &req.destination, &mut rem.destination_addrs)
            };
            match (tokens, target, set.as_mut()) {
                (Ok(t), Target::Subnet, Some(s)) => {
                    *s = s.subtract(&cidrs_of(t));
                    true
                }
                _ => false,
            }
        }
        Dim::Protocol => false,
    }
}

fn remaining_empty(rem: &Remaining) -> bool {
    rem.ports.is_empty()
        || rem.source_ports.is_empty()
        || rem.source_addrs.as_ref().is_some_and(|s| s.is_empty())
        || rem.destination_addrs.as_ref().is_some_and(|s| s.is_empty())
}

/// The lowest free priority (a multiple of 10 from 100, else any) strictly below `below`, in
/// the given direction: where a new allow can go.
pub fn free_priority(rules: &[SecurityRule], direction: Direction, below: i64) -> Option<i64> {
    let used: Vec<i64> = rules
        .iter()
        .filter(|r| r.direction.get().map_or(true, |d| *d == direction))
        .filter_map(|r| r.priority.get().copied())
        .collect();
    let top = below.min(4097);
    (100..top)
        .step_by(10)
        .chain(100..top)
        .find(|p| !used.contains(p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{FileId, Span};

    fn sp(n: usize) -> Span {
        Span::new(FileId(0), n, n + 1)
    }

    /// A rule from literal text: "Inbound Allow 100 Tcp src sport dst dport".
    fn rule(name: &str, spec: &str) -> SecurityRule {
        let p: Vec<&str> = spec.split_whitespace().collect();
        let list = |s: &str| -> Vec<String> { s.split('|').map(|x| x.to_string()).collect() };
        SecurityRule {
            name: name.into(),
            decl: sp(1),
            priority: Field::known(p[2].parse().unwrap(), Some(sp(2))),
            direction: Field::known(
                if p[0] == "Inbound" {
                    Direction::Inbound
                } else {
                    Direction::Outbound
                },
                None,
            ),
            access: Field::known(
                if p[1] == "Allow" {
                    Access::Allow
                } else {
                    Access::Deny
                },
                None,
            ),
            protocol: Field::known(p[3].into(), None),
            source_addresses: Field::known(list(p[4]), None),
            source_ports: Field::known(list(p[5]), None),
            destination_addresses: Field::known(list(p[6]), None),
            destination_ports: Field::known(list(p[7]), None),
            plural_prefixes: Vec::new(),
            invalid: Vec::new(),
            faults: Vec::new(),
            deployed: None,
        }
    }

    fn req_in(source: &str, port: u16) -> Requirement {
        Requirement {
            direction: Direction::Inbound,
            source: Target::Tag(source.into()),
            destination: Target::Subnet,
            ports: PortSet::single(port),
            protocol: Proto::Tcp,
            regions: RegionPolicy::default(),
            population: false,
        }
    }
    fn req_out(dest: &str, ports: &[u16], region: &str, accept_regional: bool) -> Requirement {
        Requirement {
            direction: Direction::Outbound,
            source: Target::Subnet,
            destination: Target::Tag(dest.into()),
            ports: PortSet::from_ranges(ports.iter().map(|p| (*p, *p))),
            protocol: Proto::Tcp,
            regions: RegionPolicy {
                accepted: if accept_regional {
                    vec![region.into()]
                } else {
                    vec![]
                },
                own: Some(region.into()),
                needed: vec![],
            },
            population: false,
        }
    }
    fn subnet() -> Prefixes {
        Prefixes::Known(vec!["10.0.1.0/24".parse().unwrap()])
    }
    fn eval<'r>(rules: &'r [SecurityRule], req: &Requirement) -> Evaluation<'r> {
        evaluate_rules(rules, None, req, &subnet())
    }
    fn decided_by(e: &Evaluation) -> String {
        match &e.verdict {
            Verdict::Allowed { by } => format!("allow {}", by.name()),
            Verdict::Denied { by, certain, .. } => {
                format!(
                    "{} {}",
                    if *certain { "deny" } else { "maydeny" },
                    by.name()
                )
            }
            Verdict::Unknown { reason, .. } => format!("unknown {reason}"),
        }
    }

    #[test]
    fn one_form_serves_every_flow_like_a_fresh_one() {
        // Out of priority order, a partial allow that is subtracted, a deny in between, and
        // both directions: one form evaluated for many flows in a row must carry nothing over
        // from one evaluation to the next.
        let rules = vec![
            rule(
                "lb",
                "Inbound Allow 400 Tcp AzureLoadBalancer * VirtualNetwork 6390",
            ),
            rule(
                "mgmt-a",
                "Inbound Allow 200 Tcp ApiManagement * VirtualNetwork 3443",
            ),
            rule(
                "deny-web",
                "Inbound Deny 300 Tcp Internet * VirtualNetwork 443",
            ),
            rule(
                "storage-80",
                "Outbound Allow 100 Tcp VirtualNetwork * Storage 80",
            ),
            rule(
                "storage-443",
                "Outbound Allow 110 Tcp VirtualNetwork * Storage 443",
            ),
            rule("deny-out", "Outbound Deny 4000 * * * * *"),
        ];
        let reqs = [
            req_in("ApiManagement", 3443),
            req_in("Internet", 443),
            req_in("AzureLoadBalancer", 6390),
            req_out("Storage", &[80, 443], "westeurope", true),
            req_out("Sql", &[1433], "westeurope", true),
            req_in("ApiManagement", 3443),
        ];
        let form = NsgForm::new(&rules);
        let shared: Vec<String> = reqs
            .iter()
            .map(|r| decided_by(&evaluate_form(&form, &rules, None, r, &subnet())))
            .collect();
        let fresh: Vec<String> = reqs.iter().map(|r| decided_by(&eval(&rules, r))).collect();
        assert_eq!(shared, fresh);
        assert_eq!(
            shared,
            [
                "allow mgmt-a",
                "deny deny-web",
                "allow lb",
                "allow storage-443",
                "deny deny-out",
                "allow mgmt-a"
            ]
        );
    }

    #[test]
    fn only_defaults_block_management_and_pass_the_rest() {
        let rules = vec![];
        assert_eq!(
            decided_by(&eval(&rules, &req_in("ApiManagement", 3443))),
            "deny DenyAllInbound"
        );
        assert_eq!(
            decided_by(&eval(&rules, &req_in("AzureLoadBalancer", 6390))),
            "allow AllowVNetInBound"
        );
        for (tag, port) in [("Storage", 443), ("Sql", 1433), ("AzureKeyVault", 443)] {
            assert_eq!(
                decided_by(&eval(&rules, &req_out(tag, &[port], "westeurope", true))),
                "allow AllowInternetOutBound"
            );
        }
    }

    #[test]
    fn priority_not_position_decides() {
        // Listed allow-first, but the deny has the lower number.
        let rules = vec![
            rule(
                "allow-mgmt",
                "Inbound Allow 300 Tcp ApiManagement * VirtualNetwork 3443",
            ),
            rule("deny-all", "Inbound Deny 200 * * * * *"),
        ];
        assert_eq!(
            decided_by(&eval(&rules, &req_in("ApiManagement", 3443))),
            "deny deny-all"
        );
        let rules = vec![
            rule("deny-all", "Inbound Deny 4096 * * * * *"),
            rule(
                "allow-mgmt",
                "Inbound Allow 100 TCP ApiManagement * VirtualNetwork 3443",
            ),
        ];
        assert_eq!(
            decided_by(&eval(&rules, &req_in("ApiManagement", 3443))),
            "allow allow-mgmt"
        );
    }

    #[test]
    fn deny_on_internet_blocks_management() {
        let rules = vec![
            rule("deny-internet", "Inbound Deny 100 * Internet * * *"),
            rule(
                "allow-mgmt",
                "Inbound Allow 200 Tcp ApiManagement * VirtualNetwork 3443",
            ),
        ];
        assert_eq!(
            decided_by(&eval(&rules, &req_in("ApiManagement", 3443))),
            "deny deny-internet"
        );
    }

    #[test]
    fn internet_allow_satisfies_storage_and_deny_shadows_defaults() {
        let rules = vec![
            rule(
                "allow-internet",
                "Outbound Allow 100 Tcp VirtualNetwork * Internet 443",
            ),
            rule("deny-out", "Outbound Deny 4000 * * * * *"),
        ];
        let r = req_out("Storage", &[443], "westeurope", true);
        assert_eq!(decided_by(&eval(&rules, &r)), "allow allow-internet");
        let r = req_out("Sql", &[1433], "westeurope", true);
        assert_eq!(decided_by(&eval(&rules, &r)), "deny deny-out");
    }

    #[test]
    fn partial_ports_are_subtracted() {
        let rules = vec![
            rule(
                "mon-443",
                "Outbound Allow 100 Tcp VirtualNetwork * AzureMonitor 443",
            ),
            rule(
                "mon-1886",
                "Outbound Allow 110 Tcp VirtualNetwork * AzureMonitor 1886",
            ),
            rule("deny-out", "Outbound Deny 4000 * * * * *"),
        ];
        let r = req_out("AzureMonitor", &[1886, 443], "westeurope", false);
        let e = eval(&rules, &r);
        assert_eq!(decided_by(&e), "allow mon-1886");
        let without = rules[..1]
            .iter()
            .chain(&rules[2..])
            .cloned()
            .collect::<Vec<_>>();
        let e = eval(&without, &r);
        assert_eq!(decided_by(&e), "deny deny-out");
        assert_eq!(e.remaining_ports, PortSet::single(1886));
    }

    #[test]
    fn restricted_source_ports_do_not_satisfy() {
        let rules = vec![rule(
            "mgmt-sport",
            "Inbound Allow 100 Tcp ApiManagement 443 VirtualNetwork 3443",
        )];
        let e = eval(&rules, &req_in("ApiManagement", 3443));
        assert_eq!(decided_by(&e), "deny DenyAllInbound");
        assert!(matches!(
            e.notes[0].kind,
            NoteKind::Partial { ref dims, subtracted: true } if dims == &[Dim::SourcePorts]
        ));
    }

    #[test]
    fn partial_subnet_is_subtracted_exactly() {
        let rules = vec![
            rule(
                "half-a",
                "Inbound Allow 100 Tcp ApiManagement * 10.0.1.0/25 3443",
            ),
            rule(
                "half-b",
                "Inbound Allow 110 Tcp ApiManagement * 10.0.1.128/25 3443",
            ),
        ];
        assert_eq!(
            decided_by(&eval(&rules, &req_in("ApiManagement", 3443))),
            "allow half-b"
        );
        let e = eval(&rules[..1], &req_in("ApiManagement", 3443));
        assert_eq!(decided_by(&e), "deny DenyAllInbound");
        // A destination range that misses the subnet does nothing.
        let rules = vec![rule(
            "other",
            "Inbound Allow 100 Tcp ApiManagement * 10.0.2.0/24 3443",
        )];
        let e = eval(&rules, &req_in("ApiManagement", 3443));
        assert!(e.notes.is_empty());
    }

    #[test]
    fn cidr_for_a_tag_is_unknown_not_a_match() {
        let rules = vec![rule(
            "mgmt-ips",
            "Inbound Allow 100 Tcp 52.1.2.0/24 * * 3443",
        )];
        let e = eval(&rules, &req_in("ApiManagement", 3443));
        assert_eq!(decided_by(&e), "deny DenyAllInbound");
        assert!(matches!(e.notes[0].kind, NoteKind::Unknown(_)));
        // A deny on a public range may block.
        let rules = vec![rule("deny-range", "Inbound Deny 100 * 52.0.0.0/8 * * *")];
        assert_eq!(
            decided_by(&eval(&rules, &req_in("ApiManagement", 3443))),
            "maydeny deny-range"
        );
        // A deny on private space cannot touch a public tag.
        let rules = vec![
            rule("deny-10", "Inbound Deny 100 * 10.0.0.0/8 * * *"),
            rule(
                "allow-mgmt",
                "Inbound Allow 200 Tcp ApiManagement * VirtualNetwork 3443",
            ),
        ];
        assert_eq!(
            decided_by(&eval(&rules, &req_in("ApiManagement", 3443))),
            "allow allow-mgmt"
        );
    }

    #[test]
    fn regional_tags() {
        let rules = vec![
            rule(
                "sql-we",
                "Outbound Allow 100 Tcp VirtualNetwork * Sql.WestEurope 1433",
            ),
            rule("deny-out", "Outbound Deny 4000 * * * * *"),
        ];
        let ok = req_out("Sql", &[1433], "westeurope", true);
        assert_eq!(decided_by(&eval(&rules, &ok)), "allow sql-we");
        let other_region = req_out("Sql", &[1433], "northeurope", true);
        let e = eval(&rules, &other_region);
        assert_eq!(decided_by(&e), "deny deny-out");
        assert!(matches!(
            e.notes[0].kind,
            NoteKind::Partial {
                subtracted: false,
                ..
            }
        ));
        let rules = vec![
            rule(
                "kv-we",
                "Outbound Allow 100 Tcp VirtualNetwork * AzureKeyVault.WestEurope 443",
            ),
            rule("deny-out", "Outbound Deny 4000 * * * * *"),
        ];
        let e = eval(
            &rules,
            &req_out("AzureKeyVault", &[443], "westeurope", false),
        );
        assert_eq!(decided_by(&e), "deny deny-out");
        assert!(matches!(e.notes[0].kind, NoteKind::Regional));
    }

    /// A flow that needs only some regions of a tag is not blocked by a deny on another
    /// region's variant, and not granted by an allow on it (which stays a note).
    #[test]
    fn other_regions_of_a_scoped_tag() {
        let mut req = req_out("Storage", &[443], "westeurope", true);
        req.regions.needed = vec!["westeurope".into()];
        let rules = vec![rule(
            "deny-us",
            "Outbound Deny 100 * VirtualNetwork * Storage.EastUS *",
        )];
        assert_eq!(
            decided_by(&eval(&rules, &req)),
            "allow AllowInternetOutBound"
        );
        let rules = vec![
            rule(
                "allow-us",
                "Outbound Allow 100 Tcp VirtualNetwork * Storage.EastUS 443",
            ),
            rule("deny-out", "Outbound Deny 4000 * * * * *"),
        ];
        let e = eval(&rules, &req);
        assert_eq!(decided_by(&e), "deny deny-out");
        assert!(matches!(
            e.notes[0].kind,
            NoteKind::Partial {
                subtracted: false,
                ..
            }
        ));
        // Without a scope every region is needed: the deny blocks part of the tag.
        req.regions.needed.clear();
        let rules = vec![rule(
            "deny-us",
            "Outbound Deny 100 * VirtualNetwork * Storage.EastUS *",
        )];
        assert_eq!(decided_by(&eval(&rules, &req)), "deny deny-us");
    }

    #[test]
    fn protocol_and_asg() {
        let rules = vec![
            rule("udp", "Outbound Allow 100 Udp VirtualNetwork * Sql 1433"),
            rule("asg", "Outbound Allow 110 Tcp asg:/x * Sql 1433"),
            rule("deny-out", "Outbound Deny 4000 * * * * *"),
        ];
        assert_eq!(
            decided_by(&eval(&rules, &req_out("SQL", &[1433], "westeurope", true))),
            "deny deny-out"
        );
        // An ASG deny never blocks APIM.
        let rules = vec![rule("asg-deny", "Inbound Deny 100 * * * asg:/x *")];
        assert_eq!(
            decided_by(&eval(&rules, &req_in("AzureLoadBalancer", 6390))),
            "allow AllowVNetInBound"
        );
    }

    #[test]
    fn unknown_values() {
        let mut r = rule("x", "Inbound Allow 100 Tcp ApiManagement * * 3443");
        r.priority = Field::unknown("parameter p has no value", Some(sp(9)));
        let rules = vec![r];
        let e = eval(&rules, &req_in("ApiManagement", 3443));
        assert!(matches!(e.verdict, Verdict::Unknown { at: Some(s), .. } if s == sp(9)));
        // An unknown priority on an unrelated rule does not matter.
        let mut r = rule("y", "Outbound Allow 100 Tcp * * Sql 1433");
        r.priority = Field::unknown("p", None);
        let rules = vec![r];
        assert_eq!(
            decided_by(&eval(&rules, &req_in("AzureLoadBalancer", 6390))),
            "allow AllowVNetInBound"
        );
        // Unknown ports on a relevant rule.
        let mut r = rule("z", "Inbound Allow 100 Tcp ApiManagement * * 3443");
        r.destination_ports = Field::unknown("variable", None);
        let rules = vec![r];
        assert!(decided_by(&eval(&rules, &req_in("ApiManagement", 3443))).starts_with("unknown"));
        // Subnet prefixes unknown and a CIDR destination.
        let rules = vec![rule(
            "c",
            "Inbound Allow 100 Tcp ApiManagement * 10.0.1.0/24 3443",
        )];
        let e = evaluate_rules(
            &rules,
            None,
            &req_in("ApiManagement", 3443),
            &Prefixes::Unknown("param".into(), None),
        );
        assert!(matches!(e.verdict, Verdict::Unknown { .. }));
        // Unknown rule list.
        let e = evaluate_rules(
            &[],
            Some(&("registry module".to_string(), None)),
            &req_in("ApiManagement", 3443),
            &subnet(),
        );
        assert!(matches!(e.verdict, Verdict::Unknown { .. }));
    }

    #[test]
    fn population_requirements() {
        let mut req = req_in("Internet", 443);
        req.population = true;
        let rules = vec![rule(
            "fd",
            "Inbound Allow 100 Tcp AzureFrontDoor.Backend * VirtualNetwork 443",
        )];
        let e = eval(&rules, &req);
        assert_eq!(decided_by(&e), "deny DenyAllInbound");
        assert!(matches!(
            e.notes[0].kind,
            NoteKind::Partial {
                subtracted: false,
                ..
            }
        ));
        let rules = vec![
            rule("block", "Inbound Deny 100 * 203.0.113.0/24 * * *"),
            rule(
                "clients",
                "Inbound Allow 200 Tcp Internet * VirtualNetwork 443",
            ),
        ];
        let e = eval(&rules, &req);
        assert_eq!(decided_by(&e), "allow clients");
        assert!(matches!(e.notes[0].kind, NoteKind::CarvedOut));
        let rules = vec![rule("any", "Inbound Allow 100 Tcp * * * 443")];
        assert_eq!(decided_by(&eval(&rules, &req)), "allow any");
    }

    #[test]
    fn virtual_network_and_the_load_balancer() {
        let deny_vnet = rule(
            "DenyVNetInbound",
            "Inbound Deny 4096 * VirtualNetwork * VirtualNetwork *",
        );
        let rules = vec![deny_vnet.clone()];
        assert_eq!(
            decided_by(&eval(&rules, &req_in("AzureLoadBalancer", 6390))),
            "maydeny DenyVNetInbound"
        );
        let rules = vec![
            deny_vnet,
            rule(
                "lb",
                "Inbound Allow 300 Tcp AzureLoadBalancer * VirtualNetwork 6390",
            ),
        ];
        assert_eq!(
            decided_by(&eval(&rules, &req_in("AzureLoadBalancer", 6390))),
            "allow lb"
        );
    }

    #[test]
    fn free_priorities() {
        let rules = vec![
            rule("a", "Inbound Allow 100 Tcp * * * 1"),
            rule("b", "Inbound Allow 110 Tcp * * * 1"),
            rule("c", "Outbound Allow 120 Tcp * * * 1"),
        ];
        assert_eq!(free_priority(&rules, Direction::Inbound, 4097), Some(120));
        assert_eq!(free_priority(&rules, Direction::Inbound, 110), Some(101));
        assert_eq!(free_priority(&rules, Direction::Inbound, 100), None);
    }
}
