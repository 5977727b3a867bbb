//! `stv2lint explain`: for each API Management location, the chain the rules follow (instance →
//! subnet → NSG → route table → public IP), every required flow with the rule that decides it,
//! and the route the platform's traffic takes. Built from the same [`Plan`] and analysis the rules
//! use, as plain data: `report::explain` renders it without knowing any rule.

use super::context::{subnet_name, INJECTABLE, V2};
use super::flows::{flows, FlowDirection, FlowSpec};
use super::{Options, Plan, Resolved, Site};
use crate::analysis::address;
use crate::analysis::nsg::{self, Dim, NoteKind, Prefixes, RuleRef, Verdict};
use crate::analysis::route::{self, Via};
use crate::model::{Access, Apim, Field, Nsg, PublicIp, RouteTable, Subnet, Workspace};
use crate::source::Span;

/// Everything `explain` shows, one entry per instance location (per deployment and per
/// alternative where the run has several).
#[derive(Clone, Debug, Default)]
pub struct Explanation {
    pub sites: Vec<SiteView>,
}

/// A value as the code gives it: known, or unknown with the reason; `at` is where it is written.
#[derive(Clone, Debug)]
pub struct Fact<T> {
    pub value: Result<T, String>,
    pub at: Option<Span>,
}

impl<T: Clone> Fact<T> {
    fn of(f: &Field<T>) -> Fact<T> {
        Fact {
            value: f.val.clone(),
            at: f.origin().or(f.at),
        }
    }
}

/// A reference followed through the model.
#[derive(Clone, Debug)]
pub enum Link<T> {
    Found(T),
    /// Not set.
    None,
    Unknown {
        reason: String,
        at: Option<Span>,
    },
}

/// One location of one instance.
#[derive(Clone, Debug)]
pub struct SiteView {
    /// The Azure name of the instance and how the code names it.
    pub instance: String,
    pub resource: String,
    pub at: Span,
    /// The deployment this view belongs to, when the run has several.
    pub deployment: Option<String>,
    /// The alternative this view stands for (`the tier is 'Premium'`), when the instance has several.
    pub alternative: Option<String>,
    pub location: Fact<String>,
    pub primary: bool,
    pub tier: Fact<String>,
    pub units: Fact<i64>,
    /// `None`: no zones written.
    pub zones: Option<Fact<Vec<String>>>,
    pub mode: Fact<String>,
    /// Why the instance is not explained further (out of scope, or its tier or mode unknown).
    pub not_checked: Option<String>,
    /// Why the instance's additional locations cannot be known (they are then not shown).
    pub locations_unknown: Option<String>,
    pub subnet: Link<SubnetView>,
    pub nsg: Link<ResourceView>,
    pub route_table: Link<ResourceView>,
    pub public_ip: Link<PublicIpView>,
    pub flows: Vec<FlowRow>,
    pub routes: Vec<RouteRow>,
}

#[derive(Clone, Debug)]
pub struct SubnetView {
    /// `vnet/subnet`.
    pub name: String,
    pub resource: String,
    pub at: Span,
    pub prefixes: Fact<Vec<String>>,
    /// Usable addresses (2^(32−len) − 5 per prefix); `None` when the prefixes are not known.
    pub usable: Option<u64>,
    /// Addresses this location takes; `None` when its unit count is not known.
    pub footprint: Option<u64>,
    /// Addresses every location placed in the subnet takes, and what a side-by-side migration
    /// needs (the sum plus the largest footprint again).
    pub total_footprint: Option<u64>,
    /// Addresses other resources of the deployment take in the subnet (counted in
    /// `side_by_side`).
    pub other_ips: u64,
    pub side_by_side: Option<u64>,
    /// `usable − side_by_side`: negative when a side-by-side migration does not fit.
    pub headroom: Option<i64>,
    pub delegations: Fact<Vec<String>>,
    pub service_endpoints: Fact<Vec<String>>,
}

/// An NSG or a route table: what it is, where, and how many entries it has.
#[derive(Clone, Debug)]
pub struct ResourceView {
    pub name: String,
    pub resource: String,
    pub at: Span,
    /// Security rules or routes written; `None` when they are not known.
    pub entries: Option<usize>,
}

#[derive(Clone, Debug)]
pub struct PublicIpView {
    pub name: String,
    pub resource: String,
    pub at: Span,
    pub sku: Fact<String>,
    pub allocation: Option<Fact<String>>,
    pub version: Option<Fact<String>>,
    pub dns_label: Option<Fact<String>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowVerdict {
    Allowed,
    Blocked,
    /// An allow covers only part of the flow; the rest is dropped.
    Partly,
    Unknown,
}

impl FlowVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            FlowVerdict::Allowed => "allowed",
            FlowVerdict::Blocked => "blocked",
            FlowVerdict::Partly => "partly",
            FlowVerdict::Unknown => "unknown",
        }
    }
}

/// The security rule that decides a flow: a custom rule, or a default rule by its Azure name.
#[derive(Clone, Debug)]
pub struct Decider {
    pub name: String,
    pub priority: Option<i64>,
    pub access: &'static str,
    pub default: bool,
    pub at: Option<Span>,
}

#[derive(Clone, Debug)]
pub struct FlowRow {
    pub id: String,
    pub title: String,
    pub direction: &'static str,
    pub ports: String,
    pub protocol: String,
    pub source: String,
    pub destination: String,
    pub verdict: FlowVerdict,
    pub rule: Option<Decider>,
    /// Why the verdict is not plain (unknown, partly, no NSG), and where the cause is written.
    pub reason: Option<String>,
    pub reason_at: Option<Span>,
}

/// The route traffic from the subnet to one destination takes.
#[derive(Clone, Debug)]
pub struct RouteRow {
    /// `0.0.0.0/0` or `ApiManagement`.
    pub destination: &'static str,
    pub verdict: RouteVerdict,
}

#[derive(Clone, Debug)]
pub enum RouteVerdict {
    /// A route of the subnet's route table; `via` says which kind of route matched.
    Route {
        name: String,
        prefix: String,
        next_hop: Fact<String>,
        next_hop_ip: Option<Fact<String>>,
        via: &'static str,
        at: Span,
    },
    /// No user route matches: the system route 0.0.0.0/0 → Internet.
    System,
    Unknown {
        reason: String,
        at: Option<Span>,
    },
}

/// The explanation of every instance of the run, per deployment view and per alternative.
pub fn explain(ws: &Workspace, opts: &Options) -> Explanation {
    let views = ws.views();
    let several_views = views.len() > 1;
    let mut out = Explanation::default();
    for (unit, apims) in views {
        let deployment = several_views
            .then(|| ws.unit(unit).map(|u| u.name.clone()))
            .flatten();
        let plan = Plan::new(ws, apims, Some(unit));
        // Each (instance, variant, location) once, however many worlds repeat it.
        let mut seen: Vec<(usize, usize, usize)> = Vec::new();
        let mut per_instance: Vec<Vec<SiteView>> = vec![Vec::new(); plan.apims.len()];
        for w in 0..plan.worlds.len() {
            let ctx = plan.ctx(opts, w);
            for site in &ctx.sites {
                let li = site
                    .apim
                    .locations
                    .iter()
                    .position(|l| std::ptr::eq(l, site.loc))
                    .unwrap_or(0);
                let key = (site.inst, site.variant, li);
                if seen.contains(&key) {
                    continue;
                }
                seen.push(key);
                let alternative = (plan.variants[site.inst].len() > 1)
                    .then(|| super::describe_variant(&plan, site.inst, site.variant));
                let mut v = site_view(ctx.ws, site, &ctx.sites);
                v.deployment = deployment.clone();
                v.alternative = alternative;
                per_instance[site.inst].push(v);
            }
        }
        for (i, apim) in plan.apims.iter().enumerate() {
            if plan.variants[i].is_empty() {
                for v in unchecked(apim) {
                    out.sites.push(SiteView {
                        deployment: deployment.clone(),
                        ..v
                    });
                }
            } else {
                out.sites.append(&mut per_instance[i]);
            }
        }
    }
    // Instances in modules that are not loaded: named, never silently left out.
    for m in &ws.unloaded_apims {
        let unknown = || Fact {
            value: Err(format!("inside module '{}', which is not loaded", m.module)),
            at: Some(m.at),
        };
        out.sites.push(SiteView {
            instance: m.module.clone(),
            resource: m.label.clone(),
            at: m.at,
            deployment: None,
            alternative: None,
            location: unknown(),
            primary: true,
            tier: unknown(),
            units: Fact {
                value: Err(unknown().value.unwrap_err()),
                at: Some(m.at),
            },
            zones: None,
            mode: unknown(),
            not_checked: Some(format!(
                "module '{}' ({}) deploys API Management and is not loaded",
                m.module, m.why
            )),
            locations_unknown: None,
            subnet: Link::None,
            nsg: Link::None,
            route_table: Link::None,
            public_ip: Link::None,
            flows: Vec::new(),
            routes: Vec::new(),
        });
    }
    out
}

/// The instance's own facts, with nothing followed yet.
fn bare(apim: &Apim, li: usize) -> SiteView {
    let loc = &apim.locations[li];
    SiteView {
        instance: apim.meta.name.clone(),
        resource: apim.meta.label.clone(),
        at: apim.meta.decl,
        deployment: None,
        alternative: None,
        location: Fact::of(&loc.location),
        primary: loc.primary,
        tier: Fact::of(&apim.sku),
        units: Fact::of(&loc.capacity),
        zones: loc.zones.as_ref().map(Fact::of),
        mode: Fact::of(&apim.vnet_type),
        not_checked: None,
        locations_unknown: apim.locations_unknown.as_ref().map(|(why, _)| why.clone()),
        subnet: Link::None,
        nsg: Link::None,
        route_table: Link::None,
        public_ip: Link::None,
        flows: Vec::new(),
        routes: Vec::new(),
    }
}

/// An instance the rules do not follow further, with why (one entry per location).
fn unchecked(apim: &Apim) -> Vec<SiteView> {
    let lower = |f: &Field<String>| f.get().map(|s| s.trim().to_ascii_lowercase());
    let why = match (lower(&apim.sku), lower(&apim.vnet_type)) {
        (Some(s), _) if V2.contains(&s.as_str()) => {
            "a v2 tier: its network model is out of scope".to_string()
        }
        (_, Some(m)) if m == "none" => "not injected into a virtual network".to_string(),
        (Some(s), Some(_)) if !INJECTABLE.contains(&s.as_str()) => format!(
            "the tier '{}' cannot be injected into a virtual network (STV010)",
            apim.sku.get().map(|s| s.trim()).unwrap_or_default()
        ),
        _ => {
            let f = if apim.sku.val.is_err() {
                ("the tier", &apim.sku)
            } else {
                ("virtualNetworkType", &apim.vnet_type)
            };
            format!(
                "{} is unknown: {}",
                f.0,
                f.1.val.as_ref().err().cloned().unwrap_or_default()
            )
        }
    };
    let mut out: Vec<SiteView> = (0..apim.locations.len())
        .map(|li| SiteView {
            not_checked: Some(why.clone()),
            ..bare(apim, li)
        })
        .collect();
    if out.is_empty() {
        // No location at all (its locations are unknown): the instance still shows.
        out.push(SiteView {
            instance: apim.meta.name.clone(),
            resource: apim.meta.label.clone(),
            at: apim.meta.decl,
            deployment: None,
            alternative: None,
            location: Fact {
                value: Err("no location".into()),
                at: None,
            },
            primary: true,
            tier: Fact::of(&apim.sku),
            units: Fact {
                value: Err("no location".into()),
                at: None,
            },
            zones: None,
            mode: Fact::of(&apim.vnet_type),
            not_checked: Some(why),
            locations_unknown: apim.locations_unknown.as_ref().map(|(why, _)| why.clone()),
            subnet: Link::None,
            nsg: Link::None,
            route_table: Link::None,
            public_ip: Link::None,
            flows: Vec::new(),
            routes: Vec::new(),
        });
    }
    out
}

fn link<T, U>(r: &Resolved<T>, view: impl Fn(&T) -> U) -> Link<U> {
    match r {
        Resolved::Found(t) => Link::Found(view(t)),
        Resolved::Absent => Link::None,
        Resolved::Unknown { reason, at } => Link::Unknown {
            reason: reason.clone(),
            at: *at,
        },
    }
}

/// One in-scope site, with `all` the sites of its world (for the shared subnet's footprint).
fn site_view(ws: &Workspace, site: &Site, all: &[Site]) -> SiteView {
    let li = site
        .apim
        .locations
        .iter()
        .position(|l| std::ptr::eq(l, site.loc))
        .unwrap_or(0);
    let mut v = bare(site.apim, li);
    v.subnet = link(&site.subnet, |s| subnet_view(ws, s, site, all));
    v.nsg = link(&site.nsg, |n: &Nsg| ResourceView {
        name: n.meta.name.clone(),
        resource: n.meta.label.clone(),
        at: n.meta.decl,
        entries: n.rules_unknown.is_none().then_some(n.rules.len()),
    });
    v.route_table = link(&site.route_table, |r: &RouteTable| ResourceView {
        name: r.meta.name.clone(),
        resource: r.meta.label.clone(),
        at: r.meta.decl,
        entries: r.routes_unknown.is_none().then_some(r.routes.len()),
    });
    v.public_ip = link(&site.public_ip, |p: &PublicIp| PublicIpView {
        name: p.meta.name.clone(),
        resource: p.meta.label.clone(),
        at: p.meta.decl,
        sku: Fact::of(&p.sku),
        allocation: p.allocation.as_ref().map(Fact::of),
        version: p.version.as_ref().map(Fact::of),
        dns_label: p.dns_label.as_ref().map(Fact::of),
    });
    v.flows = flows()
        .iter()
        .filter(|f| f.applies(site))
        .map(|f| flow_row(f, site))
        .collect();
    v.routes = routes(site);
    v
}

/// Units of a site for sizing: Developer is one unit whatever its capacity says.
fn units_of(site: &Site) -> Option<u64> {
    if site.is_developer() {
        return Some(1);
    }
    site.loc
        .capacity
        .get()
        .map(|&n| u64::try_from(n).unwrap_or(0))
}

fn footprint_of(site: &Site) -> Option<u64> {
    units_of(site).map(|u| address::footprint(site.is_developer(), u, site.is_internal()))
}

fn subnet_view(ws: &Workspace, s: &Subnet, site: &Site, all: &[Site]) -> SubnetView {
    let usable = s
        .prefixes
        .get()
        .and_then(|p| address::parse_prefixes(p).ok())
        .map(|p| address::usable(&p));
    let footprint = footprint_of(site);
    let sharing: Vec<Option<u64>> = all
        .iter()
        .filter(|o| o.subnet.found().is_some_and(|x| std::ptr::eq(x, s)))
        .map(footprint_of)
        .collect();
    let known: Option<Vec<u64>> = sharing.into_iter().collect();
    let total_footprint = known.as_ref().map(|k| k.iter().sum());
    // Other resources in the subnet keep their addresses (R-VNET-8), as STV103/104 count them.
    let other_ips: u64 = ws.users_of(s).iter().map(|u| u.ips).sum();
    let side_by_side = known
        .as_deref()
        .map(|k| address::side_by_side_need(k).saturating_add(other_ips));
    let headroom = match (usable, side_by_side) {
        (Some(u), Some(n)) => Some(u as i64 - n as i64),
        _ => None,
    };
    SubnetView {
        name: subnet_name(s),
        resource: s.meta.label.clone(),
        at: s.meta.decl,
        prefixes: Fact::of(&s.prefixes),
        usable,
        footprint,
        total_footprint,
        other_ips,
        side_by_side,
        headroom,
        delegations: Fact::of(&s.delegations),
        service_endpoints: Fact::of(&s.service_endpoints),
    }
}

fn decider(r: RuleRef) -> Decider {
    match r {
        RuleRef::Custom(c) => Decider {
            name: c.name.clone(),
            priority: c.priority.get().copied(),
            access: match c.access.get() {
                Some(Access::Allow) => "Allow",
                Some(Access::Deny) => "Deny",
                None => "unknown",
            },
            default: false,
            at: Some(c.decl),
        },
        RuleRef::Default(d) => Decider {
            name: d.name.to_string(),
            priority: Some(d.priority),
            access: match d.access {
                Access::Allow => "Allow",
                Access::Deny => "Deny",
            },
            default: true,
            at: None,
        },
    }
}

fn flow_row(flow: &FlowSpec, site: &Site) -> FlowRow {
    let mut row = FlowRow {
        id: flow.id.clone(),
        title: flow.title.clone(),
        direction: match flow.direction {
            FlowDirection::Inbound => "inbound",
            FlowDirection::Outbound => "outbound",
        },
        ports: flow.ports().show(),
        protocol: flow.protocol.clone(),
        source: side(&flow.source),
        destination: side(&flow.destination),
        verdict: FlowVerdict::Unknown,
        rule: None,
        reason: None,
        reason_at: None,
    };
    let unknown = |row: &mut FlowRow, reason: String, at: Option<Span>| {
        row.verdict = FlowVerdict::Unknown;
        row.reason = Some(reason);
        row.reason_at = at;
    };
    let subnet = match &site.subnet {
        Resolved::Found(s) => *s,
        Resolved::Absent => {
            unknown(&mut row, "the instance names no subnet".into(), None);
            return row;
        }
        Resolved::Unknown { reason, at } => {
            unknown(&mut row, reason.clone(), *at);
            return row;
        }
    };
    let nsg = match &site.nsg {
        Resolved::Found(n) => *n,
        Resolved::Absent => {
            // Nothing filters the subnet: the flow passes, and STV201 says the NSG is required.
            row.verdict = FlowVerdict::Allowed;
            row.reason =
                Some("the subnet has no network security group: nothing filters it".into());
            return row;
        }
        Resolved::Unknown { reason, at } => {
            unknown(&mut row, reason.clone(), *at);
            return row;
        }
    };
    let req = flow.requirement(site);
    let eval = nsg::evaluate(nsg, &req, &Prefixes::from_field(&subnet.prefixes));
    let note = |pick: &dyn Fn(&NoteKind) -> bool| eval.notes.iter().find(|n| pick(&n.kind));
    match &eval.verdict {
        Verdict::Allowed { by } => {
            row.verdict = FlowVerdict::Allowed;
            row.rule = Some(decider(*by));
            if let Some(n) = note(&|k| matches!(k, NoteKind::CarvedOut)) {
                row.reason = Some(format!(
                    "security rule '{}' blocks part of the sources",
                    n.rule.name
                ));
                row.reason_at = Some(n.rule.decl);
            }
        }
        Verdict::Unknown { reason, at, rule } => {
            row.rule = rule.map(|r| decider(RuleRef::Custom(r)));
            unknown(&mut row, reason.clone(), *at);
        }
        Verdict::Denied { by, certain, doubt } => {
            row.rule = Some(decider(*by));
            if let Some(n) = note(&|k| matches!(k, NoteKind::Unknown(_))) {
                let NoteKind::Unknown(why) = &n.kind else {
                    unreachable!()
                };
                unknown(
                    &mut row,
                    format!("security rule '{}' may allow it, but {why}", n.rule.name),
                    Some(n.rule.decl),
                );
            } else if !certain {
                unknown(
                    &mut row,
                    format!(
                        "security rule '{}' may deny it: {}",
                        by.name(),
                        doubt.as_deref().unwrap_or("a field cannot be decided")
                    ),
                    by.custom().map(|r| r.decl),
                );
            } else if let Some(n) = note(&|k| matches!(k, NoteKind::Regional)) {
                row.verdict = FlowVerdict::Partly;
                row.reason = Some(format!(
                    "security rule '{}' allows only a regional tag; the rest is denied",
                    n.rule.name
                ));
                row.reason_at = Some(n.rule.decl);
            } else if let Some(n) = note(&|k| matches!(k, NoteKind::Partial { .. })) {
                let NoteKind::Partial { dims, .. } = &n.kind else {
                    unreachable!()
                };
                row.verdict = FlowVerdict::Partly;
                // Name what is left when it is a set of ports.
                let rest =
                    if !eval.remaining_ports.is_empty() && eval.remaining_ports != *flow.ports() {
                        format!("destination port {}", eval.remaining_ports.show())
                    } else {
                        "the rest".to_string()
                    };
                row.reason = Some(format!(
                    "security rule '{}' allows only part of the {}; {rest} is denied",
                    n.rule.name,
                    dims.iter()
                        .map(|d| Dim::describe(*d))
                        .collect::<Vec<_>>()
                        .join(" and ")
                ));
                row.reason_at = Some(n.rule.decl);
            } else {
                row.verdict = FlowVerdict::Blocked;
            }
        }
    }
    row
}

fn side(s: &str) -> String {
    if s.eq_ignore_ascii_case("subnet") {
        "subnet".into()
    } else {
        s.to_string()
    }
}

/// The routes traffic to `0.0.0.0/0` and to the ApiManagement tag take from the site's subnet.
fn routes(site: &Site) -> Vec<RouteRow> {
    let both = |v: RouteVerdict| {
        vec![
            RouteRow {
                destination: "0.0.0.0/0",
                verdict: v.clone(),
            },
            RouteRow {
                destination: "ApiManagement",
                verdict: v,
            },
        ]
    };
    match (&site.subnet, &site.route_table) {
        (Resolved::Absent, _) => both(RouteVerdict::Unknown {
            reason: "the instance names no subnet".into(),
            at: None,
        }),
        (Resolved::Unknown { reason, at }, _) | (_, Resolved::Unknown { reason, at }) => {
            both(RouteVerdict::Unknown {
                reason: reason.clone(),
                at: *at,
            })
        }
        (_, Resolved::Absent) => both(RouteVerdict::System),
        (_, Resolved::Found(rt)) => {
            let default = match route::default_route(rt) {
                Ok(Some((r, _))) => user_route(r, "0.0.0.0/0"),
                Ok(None) => RouteVerdict::System,
                Err((reason, at)) => RouteVerdict::Unknown { reason, at },
            };
            let region = site.region();
            let apim = match route::path_to_tag(rt, "ApiManagement", region.as_deref()) {
                Ok(p) => match p.route {
                    Some(r) => user_route(
                        r,
                        match p.via {
                            Via::RegionalTag => "regional ApiManagement tag",
                            Via::Tag => "ApiManagement tag",
                            Via::RegionalAzureCloud => "regional AzureCloud tag",
                            Via::AzureCloud => "AzureCloud tag",
                            Via::Default | Via::System => "0.0.0.0/0",
                        },
                    ),
                    None => RouteVerdict::System,
                },
                Err((reason, at)) => RouteVerdict::Unknown { reason, at },
            };
            vec![
                RouteRow {
                    destination: "0.0.0.0/0",
                    verdict: default,
                },
                RouteRow {
                    destination: "ApiManagement",
                    verdict: apim,
                },
            ]
        }
    }
}

fn user_route(r: &crate::model::Route, via: &'static str) -> RouteVerdict {
    RouteVerdict::Route {
        name: r.name.clone(),
        prefix: r.prefix.get().cloned().unwrap_or_default(),
        next_hop: Fact::of(&r.next_hop),
        next_hop_ip: r.next_hop_ip.as_ref().map(Fact::of),
        via,
        at: r.decl,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Direction, SecurityRule, Workspace};
    use crate::rules::testkit::*;
    use crate::source::FileId;

    #[allow(clippy::too_many_arguments)]
    fn rule(
        name: &str,
        prio: i64,
        dir: Direction,
        access: Access,
        src: &str,
        dst: &str,
        ports: &str,
        at: usize,
    ) -> SecurityRule {
        let list = |s: &str| Field::known(vec![s.to_string()], sp(at));
        SecurityRule {
            name: name.into(),
            decl: Span::new(FileId(0), at, at + 1),
            priority: Field::known(prio, sp(at)),
            direction: Field::known(dir, sp(at)),
            access: Field::known(access, sp(at)),
            protocol: Field::known("Tcp".into(), sp(at)),
            source_addresses: list(src),
            source_ports: list("*"),
            destination_addresses: list(dst),
            destination_ports: list(ports),
            plural_prefixes: Vec::new(),
            invalid: Vec::new(),
            faults: Vec::new(),
            deployed: None,
        }
    }

    /// An External Premium instance in `vnet/apim` (a /27) with NSG `nsg` holding `rules`.
    fn world(rules: Vec<SecurityRule>) -> Workspace {
        let mut s = subnet("vnet", "apim", &["10.0.0.0/27"], 10);
        s.nsg = Some(Field::known(nsg_id("nsg"), sp(13)));
        let mut n = nsg("nsg", 30);
        n.rules = rules;
        let mut w = Workspace::default();
        w.apims = vec![apim("a", "Premium", "External", 2, 100)];
        w.subnets = vec![s];
        w.nsgs = vec![n];
        w.link();
        w
    }

    fn row<'e>(ex: &'e Explanation, id: &str) -> &'e FlowRow {
        ex.sites[0].flows.iter().find(|f| f.id == id).expect(id)
    }

    #[test]
    fn every_flow_of_the_table_gets_its_deciding_rule() {
        let w = world(vec![rule(
            "AllowMgmt",
            100,
            Direction::Inbound,
            Access::Allow,
            "ApiManagement",
            "VirtualNetwork",
            "3443",
            40,
        )]);
        let ex = explain(&w, &Options::default());
        assert_eq!(ex.sites.len(), 1);
        let ids: Vec<&str> = ex.sites[0].flows.iter().map(|f| f.id.as_str()).collect();
        // Every flow but those of other modes (F22: Internal) or of multi-region instances (F05).
        let want: Vec<&str> = flows()
            .iter()
            .filter(|f| {
                f.modes.iter().any(|m| m.eq_ignore_ascii_case("external"))
                    && f.applies_when.is_none()
            })
            .map(|f| f.id.as_str())
            .collect();
        assert_eq!(
            ids, want,
            "an External Premium instance needs every such flow"
        );
        let f03 = row(&ex, "F03");
        assert_eq!(f03.verdict, FlowVerdict::Allowed);
        let r = f03.rule.as_ref().unwrap();
        assert_eq!(
            (r.name.as_str(), r.priority, r.access, r.default),
            ("AllowMgmt", Some(100), "Allow", false)
        );
        assert_eq!(r.at.map(|s| s.start), Some(40));
        // Clients from the Internet: nothing allows them, so the default deny decides.
        let f01 = row(&ex, "F01");
        assert_eq!(f01.verdict, FlowVerdict::Blocked);
        let d = f01.rule.as_ref().unwrap();
        assert_eq!(
            (d.name.as_str(), d.priority, d.access, d.default),
            ("DenyAllInbound", Some(65500), "Deny", true)
        );
        // Outbound Storage passes through the default Internet allow.
        assert_eq!(
            row(&ex, "F07").rule.as_ref().unwrap().name,
            "AllowInternetOutBound"
        );
    }

    #[test]
    fn an_allow_on_part_of_the_ports_is_partly() {
        let w = world(vec![
            rule(
                "Monitor",
                100,
                Direction::Outbound,
                Access::Allow,
                "VirtualNetwork",
                "AzureMonitor",
                "443",
                40,
            ),
            rule(
                "DenyOut",
                200,
                Direction::Outbound,
                Access::Deny,
                "*",
                "*",
                "*",
                41,
            ),
        ]);
        let ex = explain(&w, &Options::default());
        let f10 = row(&ex, "F10");
        assert_eq!(f10.verdict, FlowVerdict::Partly, "{f10:?}");
        assert_eq!(f10.rule.as_ref().unwrap().name, "DenyOut");
        assert!(
            f10.reason.as_deref().unwrap().contains("'Monitor'"),
            "{f10:?}"
        );
        assert!(
            f10.reason
                .as_deref()
                .unwrap()
                .contains("destination port 1886 is denied"),
            "{f10:?}"
        );
        assert_eq!(row(&ex, "F07").verdict, FlowVerdict::Blocked);
    }

    #[test]
    fn an_unknown_field_makes_the_flow_unknown_with_its_reason() {
        let mut r = rule(
            "Mgmt",
            100,
            Direction::Inbound,
            Access::Allow,
            "ApiManagement",
            "VirtualNetwork",
            "3443",
            40,
        );
        r.priority = Field::unknown("parameter 'prio' has no value", sp(44));
        let ex = explain(&world(vec![r]), &Options::default());
        let f03 = row(&ex, "F03");
        assert_eq!(f03.verdict, FlowVerdict::Unknown);
        assert!(
            f03.reason
                .as_deref()
                .unwrap()
                .contains("parameter 'prio' has no value"),
            "{f03:?}"
        );
        assert_eq!(f03.reason_at.map(|s| s.start), Some(44));
    }

    #[test]
    fn without_an_nsg_nothing_filters_and_without_a_subnet_nothing_is_known() {
        let w = ws(
            vec![apim("a", "Premium", "Internal", 1, 100)],
            vec![subnet("vnet", "apim", &["10.0.0.0/27"], 10)],
            vec![],
        );
        let ex = explain(&w, &Options::default());
        let s = &ex.sites[0];
        assert!(matches!(s.nsg, Link::None));
        assert!(s
            .flows
            .iter()
            .all(|f| f.verdict == FlowVerdict::Allowed && f.rule.is_none()));
        assert!(
            !s.flows.iter().any(|f| f.id == "F01"),
            "F01 is for External only"
        );
        // Sizing: a /27 has 27 usable; 1 Premium unit Internal takes 3, side by side 6.
        let Link::Found(sv) = &s.subnet else {
            panic!("subnet")
        };
        assert_eq!(
            (sv.usable, sv.footprint, sv.side_by_side, sv.headroom),
            (Some(27), Some(3), Some(6), Some(21))
        );
        assert!(s
            .routes
            .iter()
            .all(|r| matches!(r.verdict, RouteVerdict::System)));

        let mut a = apim("a", "Premium", "Internal", 1, 100);
        a.locations[0].subnet = Some(Field::unknown("parameter 'subnetId' has no value", sp(106)));
        let ex = explain(&ws(vec![a], vec![], vec![]), &Options::default());
        let s = &ex.sites[0];
        assert!(matches!(&s.subnet, Link::Unknown { reason, .. } if reason.contains("subnetId")));
        assert!(s.flows.iter().all(|f| f.verdict == FlowVerdict::Unknown
            && f.reason.as_deref().unwrap().contains("subnetId")));
        assert!(s.routes.iter().all(|r| matches!(&r.verdict, RouteVerdict::Unknown { reason, .. } if reason.contains("subnetId"))));
    }

    #[test]
    fn routes_name_the_user_route_or_the_system_route() {
        let mut s = subnet("vnet", "apim", &["10.0.0.0/27"], 10);
        s.route_table = Some(Field::known(rt_id("rt"), sp(14)));
        let mut rt = forced_tunnel("rt", 40);
        let mut w = Workspace::default();
        w.apims = vec![apim("a", "Premium", "Internal", 1, 100)];
        w.subnets = vec![s.clone()];
        w.route_tables = vec![rt.clone()];
        w.link();
        let ex = explain(&w, &Options::default());
        let names: Vec<(&str, String)> = ex.sites[0]
            .routes
            .iter()
            .map(|r| {
                (
                    r.destination,
                    match &r.verdict {
                        RouteVerdict::Route { name, via, .. } => format!("{name} via {via}"),
                        RouteVerdict::System => "system".into(),
                        RouteVerdict::Unknown { reason, .. } => reason.clone(),
                    },
                )
            })
            .collect();
        assert_eq!(
            names,
            vec![
                ("0.0.0.0/0", "default via 0.0.0.0/0".to_string()),
                ("ApiManagement", "default via 0.0.0.0/0".to_string())
            ]
        );

        // An ApiManagement route to Internet takes that traffic instead.
        let mut apim_route = rt.routes[0].clone();
        apim_route.name = "apim".into();
        apim_route.prefix = Field::known("ApiManagement".into(), sp(42));
        apim_route.next_hop = Field::known("Internet".into(), sp(42));
        apim_route.next_hop_ip = None;
        rt.routes.push(apim_route);
        let mut w = Workspace::default();
        w.apims = vec![apim("a", "Premium", "Internal", 1, 100)];
        w.subnets = vec![s];
        w.route_tables = vec![rt];
        w.link();
        let ex = explain(&w, &Options::default());
        let RouteVerdict::Route {
            name,
            next_hop,
            via,
            ..
        } = &ex.sites[0].routes[1].verdict
        else {
            panic!()
        };
        assert_eq!(
            (name.as_str(), next_hop.value.as_deref(), *via),
            ("apim", Ok("Internet"), "ApiManagement tag")
        );
    }

    #[test]
    fn an_instance_out_of_scope_says_why() {
        let w = ws(vec![apim("a", "Basic", "External", 1, 100)], vec![], vec![]);
        let ex = explain(&w, &Options::default());
        assert_eq!(ex.sites.len(), 1);
        assert!(ex.sites[0]
            .not_checked
            .as_deref()
            .unwrap()
            .contains("cannot be injected"));
        assert!(ex.sites[0].flows.is_empty());
    }

    #[test]
    fn an_instance_in_a_module_that_is_not_loaded_is_listed() {
        let mut w = ws(vec![], vec![], vec![]);
        w.unloaded_apims.push(crate::model::UnloadedApim {
            module: "acme/apim/azure".into(),
            why: "registry module".into(),
            at: Span::new(FileId(0), 7, 8),
            label: "module.apim".into(),
        });
        let ex = explain(&w, &Options::default());
        assert_eq!(ex.sites.len(), 1);
        let s = &ex.sites[0];
        assert!(s
            .not_checked
            .as_deref()
            .unwrap()
            .contains("acme/apim/azure"));
        assert!(s.tier.value.is_err());
    }

    #[test]
    fn each_alternative_is_its_own_view() {
        let mut a = apim("a", "", "External", 1, 100);
        a.sku = Field::unknown("variable 'env' has no value", sp(102));
        *a.sku.alts_mut() = ["Premium", "Developer"]
            .iter()
            .map(|t| crate::model::Alt {
                val: t.to_string(),
                when: crate::model::Cond::one("var.tier", format!("'{t}'")),
                at: sp(300),
            })
            .collect();
        let w = ws(
            vec![a],
            vec![subnet("vnet", "apim", &["10.0.0.0/27"], 10)],
            vec![],
        );
        let ex = explain(&w, &Options::default());
        let alts: Vec<Option<&str>> = ex.sites.iter().map(|s| s.alternative.as_deref()).collect();
        assert_eq!(
            alts,
            vec![
                Some("var.tier is 'Premium'"),
                Some("var.tier is 'Developer'")
            ]
        );
    }
}
