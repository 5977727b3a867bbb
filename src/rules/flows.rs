//! The required NSG flows (`rules/flows.yaml`) and the shared check the flow rules run
//! (STV202–STV207): each flow is evaluated against the NSG of every in-scope location's subnet
//! with the semantics of [`crate::analysis::nsg`].

use super::{Ctx, Resolved, Sink, Site};
use crate::analysis::nsg::{
    self, free_priority, Dim, Evaluation, NoteKind, Prefixes, Proto, Requirement, RuleRef, Verdict,
};
use crate::analysis::ports::PortSet;
use crate::analysis::tags::{norm_region, RegionPolicy, Target};
use crate::code::Code;
use crate::diagnostic::{AddRule, Diagnostic, Severity};
use crate::model::{Direction, Nsg, SecurityRule, Subnet};
use crate::source::Span;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// One row of `rules/flows.yaml` (see the field list there).
#[derive(Clone, Debug, Deserialize)]
pub struct FlowSpec {
    pub id: String,
    pub rule: Code,
    pub title: String,
    pub direction: FlowDirection,
    pub source: String,
    pub destination: String,
    pub ports: Vec<String>,
    pub protocol: String,
    pub modes: Vec<String>,
    pub skus: Vec<String>,
    pub severity: Sev,
    #[serde(default)]
    pub severity_for: BTreeMap<String, Sev>,
    #[serde(default)]
    pub subset_severity: Option<Sev>,
    #[serde(default)]
    pub population: bool,
    #[serde(default)]
    pub regional: Regional,
    #[serde(default)]
    pub mismatch: bool,
    #[serde(default)]
    pub applies_when: Option<Cond>,
    #[serde(default)]
    pub severity_when: BTreeMap<Cond, Sev>,
    /// `ports` parsed, on first use: every flow of every instance asks for them.
    #[serde(skip)]
    port_set: std::sync::OnceLock<PortSet>,
}

/// A condition on the instance or location that makes a flow apply or weigh more.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Cond {
    /// The instance has additional locations.
    MultiRegion,
    /// The location has more than one unit.
    MultiUnit,
    /// The instance has an Event Hub logger (R-FEAT-1).
    EventhubLogger,
    /// The instance uses Key Vault references or Entra ID identity providers (R-FEAT-2, 3).
    EntraId,
}

impl Cond {
    /// Whether it holds, and the declaration that makes it hold (for a related location).
    pub fn holds(self, site: &Site) -> Option<(Option<Span>, &'static str)> {
        let f = &site.apim.features;
        match self {
            Cond::MultiRegion => (site.apim.locations.len() > 1)
                .then_some((None, "the instance has additional locations")),
            Cond::MultiUnit => site
                .loc
                .capacity
                .get()
                .is_some_and(|c| *c > 1)
                .then_some((None, "the location has more than one unit")),
            Cond::EventhubLogger => f
                .eventhub_logger
                .map(|s| (Some(s), "the instance logs to Event Hubs")),
            Cond::EntraId => f
                .entra_idp
                .map(|s| {
                    (
                        Some(s),
                        "the instance has a Microsoft Entra ID identity provider",
                    )
                })
                .or(f.key_vault_ref.map(|s| {
                    (
                        Some(s),
                        "the instance reads secrets or certificates from Key Vault",
                    )
                })),
        }
    }
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum FlowDirection {
    Inbound,
    Outbound,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Sev {
    Info,
    Warning,
    Error,
}

impl From<Sev> for Severity {
    fn from(s: Sev) -> Severity {
        match s {
            Sev::Info => Severity::Info,
            Sev::Warning => Severity::Warning,
            Sev::Error => Severity::Error,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Regional {
    #[default]
    None,
    Local,
    Primary,
}

#[derive(Deserialize)]
struct FlowFile {
    uncertain_severity: Sev,
    flows: Vec<FlowSpec>,
}

const FLOWS_YAML: &str = include_str!("../../rules/flows.yaml");

/// Every flow of `rules/flows.yaml`, parsed once. The file is part of the build; a unit test
/// proves it parses, so an empty list here can only mean a broken build.
/// The table, parsed once. It is embedded at build time, so a table that does not parse is a
/// defect of the build (the tests below catch it), not of the user's input.
fn table() -> &'static FlowFile {
    static TABLE: OnceLock<FlowFile> = OnceLock::new();
    TABLE.get_or_init(|| {
        serde_yaml::from_str::<FlowFile>(FLOWS_YAML).expect("rules/flows.yaml parses")
    })
}

pub fn flows() -> &'static [FlowSpec] {
    &table().flows
}

/// The most a flow finding weighs when the check is not sure (a deny that only may match, an
/// allow for a regional tag only); from the table, like every other flow severity.
pub fn uncertain_severity() -> Severity {
    table().uncertain_severity.into()
}

impl FlowSpec {
    pub fn direction(&self) -> Direction {
        match self.direction {
            FlowDirection::Inbound => Direction::Inbound,
            FlowDirection::Outbound => Direction::Outbound,
        }
    }
    pub fn ports(&self) -> &PortSet {
        self.port_set
            .get_or_init(|| PortSet::parse(&self.ports).unwrap_or_else(|_| PortSet::empty()))
    }
    pub fn protocol(&self) -> Proto {
        if self.protocol.eq_ignore_ascii_case("udp") {
            Proto::Udp
        } else {
            Proto::Tcp
        }
    }
    /// The service tag at the far end of the flow (source of an inbound flow, destination of
    /// an outbound one).
    pub fn tag(&self) -> &str {
        match self.direction {
            FlowDirection::Inbound => &self.source,
            FlowDirection::Outbound => &self.destination,
        }
    }
    pub fn applies(&self, site: &Site) -> bool {
        self.modes.iter().any(|m| m.eq_ignore_ascii_case(site.mode))
            && self.skus.iter().any(|s| s.eq_ignore_ascii_case(site.sku))
            && self.applies_when.map_or(true, |c| c.holds(site).is_some())
    }
    pub fn severity(&self, site: &Site) -> Severity {
        let base = self
            .severity_for
            .iter()
            .find(|(sku, _)| sku.eq_ignore_ascii_case(site.sku))
            .map(|(_, s)| (*s).into())
            .unwrap_or(self.severity.into());
        self.raised(site)
            .map(|(s, _, _)| s.max(base))
            .unwrap_or(base)
    }
    /// The condition of `severity_when` that raises the severity here, if any.
    pub fn raised(&self, site: &Site) -> Option<(Severity, Option<Span>, &'static str)> {
        self.severity_when
            .iter()
            .filter_map(|(c, s)| c.holds(site).map(|(at, why)| (Severity::from(*s), at, why)))
            .max_by_key(|(s, _, _)| *s)
    }
    /// The flow's id, told apart by direction where one id has rows for both (F16, F17); the
    /// inbound row keeps the bare id.
    pub fn key(&self) -> String {
        let twin = flows()
            .iter()
            .any(|f| f.id == self.id && f.direction != self.direction);
        if twin && self.direction == FlowDirection::Outbound {
            format!("{}-out", self.id)
        } else {
            self.id.clone()
        }
    }
    fn target(s: &str) -> Target {
        if s.eq_ignore_ascii_case("subnet") {
            Target::Subnet
        } else {
            Target::Tag(s.to_string())
        }
    }
    /// The flow made concrete for one location.
    pub fn requirement(&self, site: &Site) -> Requirement {
        let own = site.region();
        let primary = site
            .apim
            .locations
            .iter()
            .find(|l| l.primary)
            .and_then(|l| l.location.get())
            .map(|r| norm_region(r));
        let accepted = match self.regional {
            Regional::None => vec![],
            Regional::Local => own.iter().cloned().collect(),
            Regional::Primary => primary.iter().cloned().collect(),
        };
        // The regions of the tag the location reaches: its own (Storage) and the primary's
        // (SQL lives there; a secondary also reaches the primary's Storage, R-NSG-3). Other
        // regions' variants are none of its business. Unknown regions: every region counts.
        let needed = match (self.regional, &own, &primary) {
            (Regional::None, _, _) => vec![],
            (Regional::Local, Some(o), Some(p)) => vec![o.clone(), p.clone()],
            (Regional::Primary, _, Some(p)) => vec![p.clone()],
            _ => vec![],
        };
        Requirement {
            direction: self.direction(),
            source: Self::target(&self.source),
            destination: Self::target(&self.destination),
            ports: self.ports().clone(),
            protocol: self.protocol(),
            // A regional variant is "probably meant" only for tags with no documented regional
            // substitute; for Storage and Sql the wrong region is simply not the tag required.
            regions: RegionPolicy {
                accepted,
                own: if self.regional == Regional::None {
                    own
                } else {
                    None
                },
                needed,
            },
            population: self.population,
        }
    }
    /// `inbound TCP 3443 from ApiManagement to the API Management subnet`.
    pub fn describe(&self) -> String {
        let side = |s: &str| {
            if s.eq_ignore_ascii_case("subnet") {
                "the API Management subnet".to_string()
            } else {
                s.to_string()
            }
        };
        format!(
            "{} {} {} from {} to {}",
            match self.direction {
                FlowDirection::Inbound => "inbound",
                FlowDirection::Outbound => "outbound",
            },
            self.protocol.to_ascii_uppercase(),
            self.ports().show(),
            side(&self.source),
            side(&self.destination)
        )
    }
    /// The flow in a few words, by its far side: `TCP 3443 from ApiManagement`,
    /// `TCP 443 to Storage` (the label under a finding's place).
    pub fn short(&self) -> String {
        let (word, far) = match self.direction {
            FlowDirection::Inbound => ("from", &self.source),
            FlowDirection::Outbound => ("to", &self.destination),
        };
        format!(
            "{} {} {word} {far}",
            self.protocol.to_ascii_uppercase(),
            self.ports().show()
        )
    }
    /// The allow rule to add, field by field.
    pub fn rule_to_add(&self, priority: Option<i64>) -> String {
        let side = |s: &str| {
            if s.eq_ignore_ascii_case("subnet") {
                "VirtualNetwork (or the subnet's prefix)".to_string()
            } else {
                s.to_string()
            }
        };
        format!(
            "{} rule: source {}, source port *, destination {}, destination port {}, protocol {}, access Allow{}",
            match self.direction {
                FlowDirection::Inbound => "an inbound",
                FlowDirection::Outbound => "an outbound",
            },
            side(&self.source),
            side(&self.destination),
            self.ports().show(),
            self.protocol,
            priority
                .map(|p| format!(", priority {p}"))
                .unwrap_or_default()
        )
    }
}

/// Whether a security rule can take part in any flow's verdict: match a packet of a flow of the
/// table (its direction and a destination port in common), or name the service tag of a flow
/// STV208 reads rules for (`mismatch: true`), whatever their ports. A rule that can do neither
/// changes no flow, so whether it is deployed needs no case of its own ([`super::context`]).
/// Unknown fields: it can.
pub fn may_touch(rule: &SecurityRule) -> bool {
    let (Some(dir), Some(ports), Some(src), Some(dst)) = (
        rule.direction.get(),
        rule.destination_ports.get(),
        rule.source_addresses.get(),
        rule.destination_addresses.get(),
    ) else {
        return true;
    };
    let Ok(ports) = PortSet::parse(ports) else {
        return true;
    };
    let tag = |a: &String| {
        let base = a.split('.').next().unwrap_or_default();
        flows()
            .iter()
            .any(|f| f.mismatch && f.tag().eq_ignore_ascii_case(base))
    };
    flows()
        .iter()
        .any(|f| f.direction() == *dir && !f.ports().intersect(&ports).is_empty())
        || src.iter().chain(dst).any(tag)
}

/// The STV002 when a site's NSG cannot be followed. STV201 and every flow rule build the same
/// diagnostic, so the run reports it once (diagnostics are de-duplicated by code, place, text).
pub fn nsg_unresolved(subnet: &Subnet, reason: &str, at: Option<Span>) -> Diagnostic {
    Diagnostic::new(
        Code::Stv002,
        Severity::Info,
        format!(
            "the network security group of subnet '{}' could not be followed, so its rules for API Management could not be checked: {reason}",
            subnet.meta.key.names.join("/")
        ),
    )
    .at(at.or(Some(subnet.meta.decl)))
    .resource(&subnet.meta.label)
    .label("its network security group cannot be followed")
    .help("Declare the network security group in the files checked, or give its reference a literal, default or parameter-file value.")
    .identity(format!("nsg-unresolved|{}", subnet.meta.key.names.join("/")))
}

/// Run every flow of `rules/flows.yaml` that belongs to the sink's rule.
pub fn check(ctx: &Ctx, sink: &mut Sink) {
    for flow in flows().iter().filter(|f| f.rule == sink.rule.code) {
        for site in &ctx.sites {
            sink.about(site);
            if !flow.applies(site) {
                continue;
            }
            // Without a resolved subnet the subnet rules report; without an NSG, STV201 does.
            let Resolved::Found(subnet) = site.subnet else {
                continue;
            };
            let nsg = match &site.nsg {
                Resolved::Found(n) => *n,
                Resolved::Absent => continue,
                Resolved::Unknown { reason, at } => {
                    sink.emit(nsg_unresolved(subnet, reason, *at));
                    continue;
                }
            };
            check_site(ctx, flow, site, subnet, nsg, sink);
        }
    }
}

fn check_site(
    ctx: &Ctx,
    flow: &FlowSpec,
    site: &Site,
    subnet: &Subnet,
    nsg: &Nsg,
    sink: &mut Sink,
) {
    let req = flow.requirement(site);
    let prefixes = Prefixes::from_field(&subnet.prefixes);
    let form = ctx.nsg_forms.of(nsg);
    let eval = nsg::evaluate_form(
        &form,
        &nsg.rules,
        nsg.rules_unknown.as_ref(),
        &req,
        &prefixes,
    );
    // Most flows are allowed: their messages and identities are never built.
    if let Verdict::Allowed { .. } = eval.verdict {
        return;
    }
    let subnet_name = subnet.meta.key.names.join("/");
    let identity = format!(
        "{}|{}|{}",
        nsg.meta.key.names.join("/"),
        flow.key(),
        site.identity()
    );
    let what = format!("{} ({}: {})", flow.describe(), flow.id, flow.title);
    let raised = flow.raised(site);
    let related = |d: Diagnostic| {
        let d = d
            .resource(&nsg.meta.label)
            .related(
                Some(subnet.meta.decl),
                format!("the API Management subnet '{subnet_name}'"),
            )
            .related(Some(site.loc.decl), format!("used by {}", site.label()));
        match raised {
            Some((_, at, why)) => d.related(at.or(Some(site.loc.decl)), format!("needed: {why}")),
            None => d,
        }
    };
    match &eval.verdict {
        Verdict::Allowed { .. } => {}
        Verdict::Unknown { reason, at, rule } => {
            if rule.is_none() && nsg.rules_unknown.is_some() {
                // Shared by every flow of this NSG.
                sink.emit(
                    Diagnostic::new(
                        Code::Stv002,
                        Severity::Info,
                        format!(
                            "the security rules of network security group '{}' are not known, so the flows API Management needs could not be checked: {}",
                            nsg.meta.name,
                            nsg.rules_unknown.as_ref().map(|u| u.0.as_str()).unwrap_or(reason)
                        ),
                    )
                    .at(at.or(Some(nsg.meta.decl)))
                    .resource(&nsg.meta.label)
                    .label("security rules not known")
                    .help("Write the security rules in the files checked (a registry module's or unknown variable's rules cannot be read).")
                    .identity(format!("nsg-rules-unknown|{}", nsg.meta.key.names.join("/"))),
                );
            } else if rule.is_some_and(|r| {
                r.faults
                    .iter()
                    .any(|f| matches!(f, crate::model::RuleFault::Missing(_)))
            }) {
                // A rule without a field Azure requires: STV214 says so, as an error.
            } else if let Some(r) = rule {
                // Shared by every flow the rule may touch: one STV002 per unknown rule field.
                sink.emit(
                    Diagnostic::new(
                        Code::Stv002,
                        Severity::Info,
                        format!(
                            "security rule '{}' of network security group '{}' may decide flows API Management needs, but {}",
                            r.name,
                            nsg.meta.name,
                            reason.replacen(&format!(" of security rule '{}'", r.name), "", 1)
                        ),
                    )
                    .at(at.or(Some(r.decl)))
                    .resource(&nsg.meta.label)
                    .related(Some(r.decl), format!("security rule '{}'", r.name))
                    .label("value not known: the flows it may decide are undecided")
                    .help("Give the value a literal, a default or a parameter-file value so that the NSG flows can be verified.")
                    .identity(format!("nsg-rule-unknown|{}|{}", nsg.meta.key.names.join("/"), r.name)),
                );
            } else {
                sink.unverifiable(&what, reason, *at, &nsg.meta.label, &identity);
            }
        }
        Verdict::Denied { by, certain, doubt } => {
            let severity = flow.severity(site);
            // An allow whose coverage cannot be decided (a CIDR for a tag): never an error.
            if let Some((rule, why)) = eval.notes.iter().find_map(|n| match &n.kind {
                NoteKind::Unknown(w) => Some((n.rule, w)),
                _ => None,
            }) {
                sink.unverifiable(
                    &what,
                    &format!(
                        "security rule '{}' may allow it, but {why}; use the service tag instead of addresses",
                        rule.name
                    ),
                    Some(rule.decl),
                    &nsg.meta.label,
                    &identity,
                );
                return;
            }
            // Clients allowed only from part of the Internet (a WAF, Front Door): a design choice.
            if flow.population && flow.direction == FlowDirection::Inbound {
                if let Some(rule) = eval.notes.iter().find_map(|n| match &n.kind {
                    NoteKind::Partial { dims, .. } if dims == &[Dim::Source] => Some(n.rule),
                    _ => None,
                }) {
                    let sources = rule
                        .source_addresses
                        .get()
                        .map(|v| v.join(", "))
                        .unwrap_or_default();
                    let clients = if flow.tag().eq_ignore_ascii_case("Internet") {
                        "on the Internet".to_string()
                    } else {
                        format!("in {}", flow.tag())
                    };
                    let d = sink
                        .diag(format!(
                            "network security group '{}' allows {} only from '{}' (security rule '{}'), not from every client {clients}",
                            nsg.meta.name,
                            flow.describe(),
                            sources,
                            rule.name
                        ))
                        .at(Some(super::field_in(rule.source_addresses.at, rule.decl)))
                        .related(Some(rule.decl), format!("security rule '{}'", rule.name))
                        .label(format!("allows {} only from these sources", flow.short()))
                        .help(format!("Nothing to do if a gateway such as Application Gateway or Front Door is meant to be the only client; otherwise allow source {}.", flow.tag()))
                        .identity(format!("{identity}|subset"));
                    let mut d = related(d);
                    d.severity = flow.subset_severity.map(Into::into).unwrap_or(severity);
                    sink.emit(d);
                    return;
                }
            }
            // The regional tag of this region was used where the documentation asks for the
            // global tag: probably meant, possibly not enough.
            if let Some(rule) = eval.notes.iter().find_map(|n| match &n.kind {
                NoteKind::Regional => Some(n.rule),
                _ => None,
            }) {
                let far = match req.direction {
                    Direction::Inbound => &rule.source_addresses,
                    Direction::Outbound => &rule.destination_addresses,
                };
                let tags = far.get().map(|v| v.join(", ")).unwrap_or_default();
                let d = sink
                    .diag(format!(
                        "security rule '{}' allows {} only for the regional tag '{}', which is not documented as enough; '{}' then {} the rest",
                        rule.name,
                        flow.describe(),
                        tags,
                        by.name(),
                        if *certain { "denies" } else { "may deny" }
                    ))
                    .at(Some(super::field_in(far.at, rule.decl)))
                    .related(Some(rule.decl), format!("security rule '{}'", rule.name))
                    .label(format!("regional tag, not the global {}", flow.tag()))
                    .help(format!("Use the global service tag {} in security rule '{}'.", flow.tag(), rule.name))
                    .identity(format!("{identity}|regional"));
                let mut d = related(d);
                d.severity = uncertain_severity().min(severity);
                sink.emit(d);
                return;
            }
            let partial_notes: Vec<String> = eval
                .notes
                .iter()
                .filter_map(|n| match &n.kind {
                    NoteKind::Partial { dims, .. } => Some(format!(
                        "security rule '{}' covers only part of the {}",
                        n.rule.name,
                        dims.iter()
                            .map(|d| format!("{} ({})", d.describe(), written(n.rule, *d)))
                            .collect::<Vec<_>>()
                            .join(" and ")
                    )),
                    _ => None,
                })
                .collect();
            let left = remainder(&eval, flow);
            match by {
                RuleRef::Default(d) => {
                    let prio = free_priority(&nsg.rules, req.direction, 4097);
                    let mut msg = format!(
                        "network security group '{}' does not allow {} ({}: {}): nothing allows {left}, so the default rule {} drops it",
                        nsg.meta.name,
                        flow.describe(),
                        flow.id,
                        flow.title,
                        d.name
                    );
                    if !partial_notes.is_empty() {
                        msg.push_str(&format!("; {}", partial_notes.join("; ")));
                    }
                    let mut help =
                        format!("Add to '{}' {}.", nsg.meta.name, flow.rule_to_add(prio));
                    if let Some(widen) = widen_hint(&eval) {
                        help.push_str(&format!(" Or {widen}."));
                    }
                    let mut diag = related(
                        sink.diag(msg)
                            .at(Some(nsg.meta.decl))
                            .label(format!(
                                "nothing allows {}: {} drops it",
                                flow.short(),
                                d.name
                            ))
                            .help(help)
                            .add_rule(prio.map(|priority| AddRule {
                                flow: flow.key(),
                                priority,
                                before: None,
                                nsg: nsg.meta.decl,
                                separate: separate_rules(nsg),
                            }))
                            .identity(identity.clone()),
                    );
                    for n in &eval.notes {
                        diag = diag.related(
                            Some(n.rule.decl),
                            format!("security rule '{}' allows only part of it", n.rule.name),
                        );
                    }
                    diag.severity = severity;
                    sink.emit(diag);
                }
                RuleRef::Custom(deny) => {
                    let deny_prio = deny.priority.get().copied().unwrap_or(4096);
                    let prio = free_priority(&nsg.rules, req.direction, deny_prio);
                    let (verb, sev) = if *certain {
                        ("denies", severity)
                    } else {
                        ("may deny", uncertain_severity().min(severity))
                    };
                    let mut msg = format!(
                        "security rule '{}' (priority {deny_prio}) {verb} {} ({}: {}) before any rule allows {left}",
                        deny.name,
                        flow.describe(),
                        flow.id,
                        flow.title,
                    );
                    if let Some(why) = doubt {
                        msg.push_str(&format!(" ({why})"));
                    }
                    if !partial_notes.is_empty() {
                        msg.push_str(&format!("; {}", partial_notes.join("; ")));
                    }
                    let help = match prio {
                        Some(p) => format!(
                            "Add {} (below {deny_prio}), or narrow security rule '{}' so that it does not match.",
                            flow.rule_to_add(Some(p)),
                            deny.name
                        ),
                        None => format!(
                            "Narrow security rule '{}' so that it does not match, or give it a higher priority number than {}.",
                            deny.name,
                            flow.rule_to_add(None)
                        ),
                    };
                    let mut diag = related(
                        sink.diag(msg)
                            .at(Some(deny_field(deny, req.direction)))
                            .label(format!("{verb} {} before any allow", flow.short()))
                            .help(help)
                            .add_rule(prio.map(|priority| AddRule {
                                flow: flow.key(),
                                priority,
                                before: Some(deny.decl),
                                nsg: nsg.meta.decl,
                                separate: separate_rules(nsg),
                            }))
                            .identity(format!("{identity}|deny|{}", deny.name)),
                    )
                    .related(Some(deny.decl), format!("security rule '{}'", deny.name))
                    .related(
                        Some(nsg.meta.decl),
                        format!("network security group '{}'", nsg.meta.name),
                    );
                    for n in &eval.notes {
                        diag = diag.related(
                            Some(n.rule.decl),
                            format!("security rule '{}' allows only part of it", n.rule.name),
                        );
                    }
                    diag.severity = sev;
                    sink.emit(diag);
                }
            }
        }
    }
}

/// Whether the NSG's rules are declared outside it (separate rule resources).
fn separate_rules(nsg: &Nsg) -> bool {
    nsg.rules
        .iter()
        .any(|r| super::field_in(Some(r.decl), nsg.meta.decl) == nsg.meta.decl)
}

/// Where a person edits a deny that blocks a flow: its narrowest written match — the far
/// side's address (`Internet`, `ApiManagement`) or the destination port — rather than the
/// whole rule; a deny of everything (`*` everywhere) is underlined at its destination port.
fn deny_field(deny: &crate::model::SecurityRule, direction: Direction) -> Span {
    let wild = |v: Option<&Vec<String>>| {
        v.map_or(true, |v| {
            v.iter()
                .any(|x| x == "*" || x.eq_ignore_ascii_case("any") || x == "0.0.0.0/0")
        })
    };
    let inside = |at: Option<Span>| super::field_in(at, deny.decl) != deny.decl;
    let far = match direction {
        Direction::Inbound => &deny.source_addresses,
        Direction::Outbound => &deny.destination_addresses,
    };
    let ports = &deny.destination_ports;
    [(far, wild(far.get())), (ports, wild(ports.get()))]
        .iter()
        .find(|(f, w)| !w && inside(f.at))
        .map_or(super::field_in(ports.at, deny.decl), |(f, _)| {
            super::field_in(f.at, deny.decl)
        })
}

/// "widen security rule 'x' (its source ports) to cover the whole flow", for the first allow
/// that covered part of the flow.
fn widen_hint(eval: &Evaluation) -> Option<String> {
    eval.notes.iter().find_map(|n| match &n.kind {
        NoteKind::Partial { dims, .. } => Some(format!(
            "widen security rule '{}' ({}) to cover the whole flow",
            n.rule.name,
            dims.iter()
                .map(|d| format!("its {}", d.describe()))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        _ => None,
    })
}

/// What a rule writes in one dimension, for messages.
fn written(rule: &crate::model::SecurityRule, dim: Dim) -> String {
    let f = match dim {
        Dim::Source => &rule.source_addresses,
        Dim::SourcePorts => &rule.source_ports,
        Dim::Destination => &rule.destination_addresses,
        Dim::DestinationPorts => &rule.destination_ports,
        Dim::Protocol => return rule.protocol.get().cloned().unwrap_or_default(),
    };
    f.get().map(|v| v.join(", ")).unwrap_or_default()
}

/// What is still not allowed, in words: "it", or "destination port 1886" / "source ports other than 443".
fn remainder(eval: &Evaluation, flow: &FlowSpec) -> String {
    let mut parts = Vec::new();
    if eval.remaining_ports != *flow.ports() && !eval.remaining_ports.is_empty() {
        parts.push(format!("destination port {}", eval.remaining_ports.show()));
    }
    if eval.remaining_source_ports != PortSet::source_ports()
        && !eval.remaining_source_ports.is_empty()
    {
        let allowed = PortSet::source_ports().subtract(&eval.remaining_source_ports);
        parts.push(format!("source ports other than {}", allowed.show()));
    }
    if parts.is_empty() {
        "it".into()
    } else {
        parts.join(" and ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flow_table_parses() {
        let f = flows();
        assert!(f.len() >= 6, "rules/flows.yaml did not parse");
        let ids: Vec<&str> = f.iter().map(|f| f.id.as_str()).collect();
        for id in ["F01", "F03", "F04", "F07", "F08", "F09"] {
            assert!(ids.contains(&id), "{id} missing");
        }
        for flow in f {
            assert!(
                PortSet::parse(&flow.ports).is_ok_and(|p| !p.is_empty()),
                "{}: bad ports",
                flow.id
            );
        }
        let sql = f.iter().find(|f| f.id == "F08").unwrap();
        assert_eq!(
            sql.describe(),
            "outbound TCP 1433 from the API Management subnet to Sql"
        );
        assert_eq!(sql.tag(), "Sql");
        assert_eq!(sql.regional, Regional::Primary);
    }

    /// Every flow of REQUIREMENTS.md §2.C has a row, except F02 and F18 (rules/README.md says
    /// why); F16 and F17 have one per direction, told apart in fingerprints.
    #[test]
    fn the_flow_table_covers_the_spec() {
        let f = flows();
        for n in 1..=22 {
            let id = format!("F{n:02}");
            let rows = f.iter().filter(|x| x.id == id).count();
            let want = match n {
                2 | 18 => 0,
                16 | 17 => 2,
                _ => 1,
            };
            assert_eq!(rows, want, "{id}");
        }
        let keys: Vec<String> = f
            .iter()
            .filter(|x| x.id == "F16")
            .map(|x| x.key())
            .collect();
        assert_eq!(keys, vec!["F16-out", "F16"]);
        let tm = f.iter().find(|x| x.id == "F05").unwrap();
        assert_eq!(tm.applies_when, Some(Cond::MultiRegion));
        let entra = f.iter().find(|x| x.id == "F12").unwrap();
        assert_eq!(entra.severity, Sev::Info);
        assert_eq!(entra.severity_when.get(&Cond::EntraId), Some(&Sev::Warning));
    }

    #[test]
    fn every_flow_names_a_rule_that_runs() {
        for flow in flows() {
            let checked = super::super::rule(flow.rule).check.is_some();
            assert!(checked, "{} names {}", flow.id, flow.rule);
        }
    }

    /// The fixture harness compares codes and lines only; severities are checked here.
    #[test]
    fn severities_of_the_fixtures() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/arm");
        let cases = [
            (
                "STV203/fail-deny-all-premium.json",
                Code::Stv203,
                Severity::Error,
            ),
            (
                "STV203/fail-deny-all-developer.json",
                Code::Stv203,
                Severity::Warning,
            ),
            (
                "STV203/fail-deny-virtual-network.json",
                Code::Stv203,
                Severity::Warning,
            ),
            (
                "STV204/fail-front-door-only.json",
                Code::Stv204,
                Severity::Info,
            ),
            (
                "STV204/fail-external-no-client-rule.json",
                Code::Stv204,
                Severity::Error,
            ),
            (
                "STV207/fail-regional-keyvault.json",
                Code::Stv207,
                Severity::Warning,
            ),
            (
                "STV206/fail-sql-wrong-port-with-deny.json",
                Code::Stv206,
                Severity::Error,
            ),
            (
                "STV206/fail-sql-wrong-port-with-deny.json",
                Code::Stv208,
                Severity::Warning,
            ),
            (
                "STV202/pass-cidr-instead-of-tag.json",
                Code::Stv002,
                Severity::Info,
            ),
            (
                "STV501/fail-regional-apim-route.json",
                Code::Stv501,
                Severity::Warning,
            ),
            (
                "STV501/fail-firewall-without-apim-route.json",
                Code::Stv501,
                Severity::Error,
            ),
            (
                "STV502/fail-forced-tunnel-no-endpoints.json",
                Code::Stv502,
                Severity::Warning,
            ),
            ("STV502/fail-migration.json", Code::Stv502, Severity::Error),
        ];
        for (file, code, sev) in cases {
            let out = crate::check(&[root.join(file)], &Default::default());
            let got: Vec<Severity> = out
                .active()
                .filter(|d| d.code == code)
                .map(|d| d.severity)
                .collect();
            assert_eq!(got, vec![sev], "{file}: {code}");
        }
    }
}
