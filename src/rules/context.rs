//! What every rule starts from: each VNet-injected location of each classic-tier instance, with
//! its subnet, NSG, route table and public IP already resolved through the model.
//!
//! An instance whose fields have *alternatives* (DESIGN.md §3) is expanded into one variant per
//! consistent combination of the values it can take; a [`Plan`] holds the variants and the
//! *worlds* (one variant per instance) the rules run in, and [`Ctx`] is one world's view. Each
//! site carries the choices (`when`) that lead to it so the registry can say in which
//! alternatives a finding holds.

use crate::analysis::nsg::NsgForm;
use crate::analysis::tags::norm_region;
use crate::code::Code;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{
    Alt, Apim, ApimLocation, Cond, Field, Nsg, Presence, PublicIp, Route, RouteTable, SecurityRule,
    Subnet, UnitId, Workspace, NO_LINK,
};
use crate::source::Span;
use std::collections::hash_map::{Entry, HashMap};
use std::sync::{Arc, Mutex};

#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Same-subnet stv1 → stv2 migration checks become errors.
    pub migration: bool,
}

/// A reference followed through the model.
#[derive(Clone, Debug)]
pub enum Resolved<'a, T> {
    Found(&'a T),
    /// The reference is not set at all.
    Absent,
    /// The reference is set but cannot be followed: its value is unknown, or it names a resource
    /// that no file of the run declares.
    Unknown {
        reason: String,
        at: Option<Span>,
    },
}

impl<'a, T> Resolved<'a, T> {
    pub fn found(&self) -> Option<&'a T> {
        match self {
            Resolved::Found(t) => Some(t),
            _ => None,
        }
    }
}

/// One location of one VNet-injected instance in scope (Developer or Premium, External or Internal).
pub struct Site<'a> {
    pub apim: &'a Apim,
    pub loc: &'a ApimLocation,
    /// `External` or `Internal`.
    pub mode: &'a str,
    /// `Developer`, `Premium`, … as written (compare case-insensitively).
    pub sku: &'a str,
    pub subnet: Resolved<'a, Subnet>,
    pub nsg: Resolved<'a, Nsg>,
    pub route_table: Resolved<'a, RouteTable>,
    pub public_ip: Resolved<'a, PublicIp>,
    /// The choices that lead to this site (empty when every field it reads is known).
    pub when: &'a Cond,
    /// Which instance (index into the view's `apims`) and which of its variants this is.
    pub inst: usize,
    pub variant: usize,
}

impl Site<'_> {
    pub fn label(&self) -> String {
        super::location_label(self.apim, self.loc)
    }
    pub fn is_developer(&self) -> bool {
        self.sku.eq_ignore_ascii_case("developer")
    }
    pub fn is_internal(&self) -> bool {
        self.mode.eq_ignore_ascii_case("internal")
    }
    /// Stable identity of the location for fingerprints (`West Europe` = `westeurope`).
    pub fn identity(&self) -> String {
        format!(
            "{}#{}",
            self.apim.meta.key.names.join("/"),
            self.region().unwrap_or_default()
        )
    }
    pub fn region(&self) -> Option<String> {
        self.loc.location.get().map(|l| norm_region(l))
    }
}

/// The classic tiers that can be injected into a VNet; Basic, Standard and Consumption cannot
/// (STV010 reports them) and the v2 tiers use a different network model (out of scope).
pub const INJECTABLE: &[&str] = &["developer", "premium"];
pub const V2: &[&str] = &["basicv2", "standardv2", "premiumv2"];

pub struct Ctx<'a> {
    pub ws: &'a Workspace,
    /// The instances this view checks: one deployment's (see [`Plan::new`]).
    pub apims: Vec<&'a Apim>,
    pub opts: &'a Options,
    /// In-scope locations of this world; instances whose SKU or mode is unknown are left out
    /// (with an STV002 in the plan's `preflight`), v2 tiers and non-injected instances are
    /// left out silently.
    pub sites: Vec<Site<'a>>,
    /// The variant this world chose for each instance (index into `apims`).
    pub chosen: &'a [Option<usize>],
    /// The NSGs' rules normalised once for the plan's every world and rule.
    pub nsg_forms: &'a NsgForms,
}

/// Each NSG's rules normalised once ([`NsgForm`]) for all the flows of all the instances and
/// worlds of a plan, keyed by the NSG's address in the workspace the plan borrows (issue 13:
/// normalising them again for every flow was a third of all instructions).
#[derive(Default)]
pub struct NsgForms(Mutex<HashMap<usize, Arc<NsgForm>>>);

impl NsgForms {
    /// The form of `nsg`'s rules, built on first use.
    pub fn of(&self, nsg: &Nsg) -> Arc<NsgForm> {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(nsg as *const Nsg as usize)
            .or_insert_with(|| Arc::new(NsgForm::new(&nsg.rules)))
            .clone()
    }
}

/// The choice name of a tier the code does not give but the subnet implies (undelegated +
/// injected: Developer or Premium). A finding in only one of these is undecided, not a warning.
pub const INFERRED_TIER: &str = "the tier (inferred: undelegated subnet)";

/// At most this many variants per instance (DESIGN.md §3); beyond, STV002 as for an unknown.
pub const MAX_VARIANTS: usize = 16;
/// At most this many worlds per run; beyond, the instances' variants are zipped instead.
pub const MAX_WORLDS: usize = 64;

/// One possible shape of an instance: its fields with one alternative each chosen.
pub struct Variant {
    pub apim: Apim,
    pub when: Cond,
    /// What the chosen alternatives are, for messages: (`the tier`, `'Premium'`).
    pub facts: Vec<(String, String)>,
    /// Per location (empty: none chosen), the subnet's NSG and route table this variant picks
    /// where a choice the variant does not otherwise settle decides them.
    pub links: Vec<Links>,
    /// The instance's own fields made no choice here, so its links may be split
    /// ([`split_links`]); choices of links alone keep it so.
    free: bool,
}

/// One location's subnet links as a variant chose them: `None` is the subnet's own reference
/// (narrowed to the variant's choices), `Some(None)` no link at all (a null branch).
#[derive(Clone, Debug, Default)]
pub struct Links {
    pub nsg: Option<Option<Field<String>>>,
    pub route_table: Option<Option<Field<String>>>,
    /// The NSG as this variant deploys it, when some of its security rules are deployed only
    /// under conditions ([`split_parts`]): the rules of this case alone.
    pub nsg_rules: Option<Arc<Nsg>>,
    /// The route table as this variant deploys it, likewise.
    pub route_table_routes: Option<Arc<RouteTable>>,
}

/// Every instance's in-scope variants and the worlds the rules run in.
pub struct Plan<'a> {
    pub ws: &'a Workspace,
    /// The view's instances, and the deployment whose declarations they are checked with
    /// (`None`: each instance's own).
    pub apims: Vec<&'a Apim>,
    pub from: Option<UnitId>,
    /// Per instance (index into `apims`); empty: not in scope or not checkable.
    pub variants: Vec<Vec<Variant>>,
    /// Per world, the variant chosen for each instance (`None`: the instance has none).
    pub worlds: Vec<Vec<Option<usize>>>,
    /// STV002 about instances that could not be checked, one per instance.
    pub preflight: Vec<Diagnostic>,
    /// Per instance: an STV002 of the preflight is about it.
    pub undecided: Vec<bool>,
    /// Per instance: some of the tiers and modes its code can take deploy out of scope (a v2
    /// tier, no injection), so a finding in all of its variants still holds only in those
    /// alternatives: a warning that names them, not an error.
    pub out_of_scope: Vec<bool>,
    pub nsg_forms: NsgForms,
}

impl<'a> Plan<'a> {
    /// Every instance of the run, each with its own deployment's declarations.
    pub fn all(ws: &'a Workspace) -> Plan<'a> {
        Plan::new(ws, ws.apims.iter().collect(), None)
    }

    /// The plan of some instances seen from one deployment: their references resolve from
    /// that deployment first (`None`: each instance's own).
    pub fn new(ws: &'a Workspace, apims: Vec<&'a Apim>, from: Option<UnitId>) -> Plan<'a> {
        let mut plan = Plan {
            ws,
            undecided: vec![false; apims.len()],
            out_of_scope: vec![false; apims.len()],
            apims,
            from,
            variants: Vec::new(),
            worlds: vec![Vec::new()],
            preflight: Vec::new(),
            nsg_forms: NsgForms::default(),
        };
        for i in 0..plan.apims.len() {
            let apim = plan.apims[i];
            let unit = from.unwrap_or(apim.meta.unit);
            let vs = match expand(ws, apim, unit) {
                Ok((vs, out)) => {
                    plan.out_of_scope[i] = out && !vs.is_empty();
                    vs
                }
                Err((reason, f_at, f_origin)) => {
                    plan.not_checked(i, apim, &reason, f_at, f_origin);
                    Vec::new()
                }
            };
            plan.variants.push(vs);
        }
        plan.worlds = product(&plan.variants).unwrap_or_else(|| zipped(&plan.variants));
        plan
    }

    fn not_checked(
        &mut self,
        i: usize,
        apim: &Apim,
        reason: &str,
        at: Option<Span>,
        origin: Option<Span>,
    ) {
        self.undecided[i] = true;
        self.preflight.push(
            Diagnostic::new(
                Code::Stv002,
                Severity::Info,
                format!(
                    "the network checks of API Management '{}' could not run: {}",
                    apim.meta.name, reason
                ),
            )
            .at(at.or(Some(apim.meta.decl)))
            .resource(&apim.meta.label)
            .label("not known, so the network checks cannot run")
            .related(origin, "the value comes from here")
            .help("Give the SKU and virtualNetworkType literal values, defaults or parameter-file values.")
            .identity(format!("scope|{}", apim.meta.key.names.join("/"))),
        );
    }

    /// The rules' view of every world, built once for all the rules of the view (issue 13:
    /// rebuilding it for every rule resolved the same references again 65 times).
    pub fn ctxs<'p>(&'p self, opts: &'p Options) -> Vec<Ctx<'p>> {
        (0..self.worlds.len()).map(|w| self.ctx(opts, w)).collect()
    }

    /// The rules' view of world `w`.
    pub fn ctx<'p>(&'p self, opts: &'p Options, w: usize) -> Ctx<'p> {
        let ws = self.ws;
        let mut sites = Vec::new();
        for (inst, chosen) in self.worlds[w].iter().enumerate() {
            let Some(variant) = *chosen else { continue };
            let var = &self.variants[inst][variant];
            let apim = &var.apim;
            let (Ok(sku), Ok(mode)) = (&apim.sku.val, &apim.vnet_type.val) else {
                continue;
            };
            let unit = self.from.unwrap_or(apim.meta.unit);
            for (li, loc) in apim.locations.iter().enumerate() {
                let subnet = resolve(
                    &loc.subnet,
                    "subnet",
                    |id| ws.subnet_in(id, unit),
                    |id| ws.subnet_ambiguity(id, unit),
                );
                let picked = var.links.get(li);
                let (nsg, route_table) = match &subnet {
                    Resolved::Found(s) => (
                        match picked.and_then(|l| l.nsg_rules.as_deref()) {
                            Some(nsg) => Resolved::Found(nsg),
                            None => resolve(
                                &picked
                                    .and_then(|l| l.nsg.clone())
                                    .unwrap_or_else(|| narrow(&s.nsg, &var.when)),
                                "network security group",
                                |id| ws.nsg_in(id, s.meta.unit),
                                |id| ws.nsg_ambiguity(id, s.meta.unit),
                            ),
                        },
                        match picked.and_then(|l| l.route_table_routes.as_deref()) {
                            Some(rt) => Resolved::Found(rt),
                            None => resolve(
                                &picked
                                    .and_then(|l| l.route_table.clone())
                                    .unwrap_or_else(|| narrow(&s.route_table, &var.when)),
                                "route table",
                                |id| ws.route_table_in(id, s.meta.unit),
                                |id| ws.route_table_ambiguity(id, s.meta.unit),
                            ),
                        },
                    ),
                    Resolved::Absent => (Resolved::Absent, Resolved::Absent),
                    Resolved::Unknown { reason, at } => (
                        Resolved::Unknown {
                            reason: reason.clone(),
                            at: *at,
                        },
                        Resolved::Unknown {
                            reason: reason.clone(),
                            at: *at,
                        },
                    ),
                };
                let public_ip = resolve(
                    &loc.public_ip,
                    "public IP address",
                    |id| ws.public_ip_in(id, unit),
                    |_| None,
                );
                sites.push(Site {
                    apim,
                    loc,
                    mode: mode.trim(),
                    sku: sku.trim(),
                    subnet,
                    nsg,
                    route_table,
                    public_ip,
                    when: &var.when,
                    inst,
                    variant,
                });
            }
        }
        Ctx {
            ws,
            apims: self.apims.clone(),
            opts,
            sites,
            chosen: &self.worlds[w],
            nsg_forms: &self.nsg_forms,
        }
    }
}

/// A subnet's reference as this variant sees it: of its alternatives, those consistent with
/// the variant's choices; when they all name the same resource, that one is known.
fn narrow(f: &Option<Field<String>>, when: &Cond) -> Option<Field<String>> {
    let f = f.as_ref()?;
    if f.val.is_ok() || f.alts().is_empty() {
        return Some(plain(f));
    }
    let mut fits = f.alts().iter().filter(|a| when.and(&a.when).is_some());
    let Some(first) = fits.next() else {
        return Some(plain(f));
    };
    if fits.all(|a| a.val.eq_ignore_ascii_case(&first.val)) {
        return link(chosen(f, first));
    }
    Some(plain(f))
}

/// A chosen reference, or no reference for the null branch ([`NO_LINK`]).
fn link(f: Field<String>) -> Option<Field<String>> {
    (f.get().map(String::as_str) != Some(NO_LINK)).then_some(f)
}

/// Branches of a reference: each chosen, with the choices that lead to it.
type Branches = Vec<(Field<String>, Cond)>;

/// The branches of a subnet's reference that fit `when` when they name different resources (so
/// that [`narrow`] cannot settle it): each chosen, with the choices that lead to it.
fn unsettled(f: &Field<String>, when: &Cond) -> Option<Branches> {
    if f.val.is_ok() {
        return None;
    }
    let fits: Vec<(Field<String>, Cond)> = f
        .alts()
        .iter()
        .filter_map(|a| Some((chosen(f, a), when.and(&a.when)?)))
        .collect();
    let first = fits.first()?.0.get()?;
    if fits
        .iter()
        .all(|(c, _)| c.get().is_some_and(|v| v.eq_ignore_ascii_case(first)))
    {
        return None;
    }
    Some(fits)
}

/// Every variant split by the branches of its subnet's NSG (`nsg`) or route table at location
/// `li` that the variant's own choices leave open: each branch is checked on its own.
///
/// Only a variant whose instance fields (tier, mode, unit count, zones, subnet, public IP) made
/// no choice is split ([`Variant::free`]); the choices of other links do not count. Choices are
/// told apart by name, so a branch on a value derived from the tier (`hasVNetSupport ?
/// nsgApim.id : nsgDefault.id` with `hasVNetSupport = !contains(['Basic', 'Standard'],
/// apimSku)`) would otherwise pair with tiers it can never go with, and report what cannot
/// happen; such a variant keeps its `STV002`.
fn split_links(
    ws: &Workspace,
    unit: UnitId,
    vars: Vec<Variant>,
    li: usize,
    nsg: bool,
) -> Vec<Variant> {
    // Each variant's subnet and open branches first: a split past [`MAX_VARIANTS`] is not made
    // (the link stays undecided, the rest of the instance is checked).
    let open: Vec<Option<(&Subnet, Branches)>> = vars
        .iter()
        .map(|v| {
            if !v.free {
                return None;
            }
            let s = v.apim.locations[li]
                .subnet
                .as_ref()
                .and_then(|f| f.get())
                .and_then(|id| ws.subnet_in(id, unit))?;
            let field = if nsg { &s.nsg } else { &s.route_table };
            Some((s, unsettled(field.as_ref()?, &v.when)?))
        })
        .collect();
    let total: usize = open
        .iter()
        .map(|o| o.as_ref().map_or(1, |(_, b)| b.len()))
        .sum();
    if total > MAX_VARIANTS || open.iter().all(Option::is_none) {
        return vars;
    }
    let what = if nsg {
        "the network security group"
    } else {
        "the route table"
    };
    let mut out = Vec::with_capacity(total);
    for (v, o) in vars.into_iter().zip(open) {
        let Some((s, branches)) = o else {
            out.push(v);
            continue;
        };
        for (choice, when) in branches {
            let picked = link(choice);
            let shown = picked
                .as_ref()
                .and_then(|f| f.get())
                .map_or("none".to_string(), |id| format!("'{}'", short_id(id)));
            let mut n = Variant {
                apim: v.apim.clone(),
                when,
                facts: v.facts.clone(),
                links: v.links.clone(),
                free: true,
            };
            n.facts
                .push((format!("{what} of subnet '{}'", subnet_name(s)), shown));
            n.links.resize(v.apim.locations.len(), Links::default());
            let slot = &mut n.links[li];
            if nsg {
                slot.nsg = Some(picked);
            } else {
                slot.route_table = Some(picked);
            }
            out.push(n);
        }
    }
    out
}

/// What a part can be, each with the choices that lead to it (`None` in a case: not deployed);
/// `None`: one part, deployed, whatever the choices.
type PartOptions<P> = Option<Vec<(Cond, Option<P>)>>;

/// A resource some of whose parts (security rules, routes) the code deploys only under
/// conditions it leaves open ([`crate::model::Presence`]): each case is checked with the parts
/// it deploys ([`split_parts`]).
trait Gated: Clone {
    type Part: Clone;
    /// `security rule`, `route`: how a part is named in messages.
    const PART: &'static str;
    fn parts_mut(&mut self) -> &mut Vec<Self::Part>;
    fn parts(&self) -> &[Self::Part];
    fn deployed(p: &Self::Part) -> Option<&Presence>;
    /// What a part can be ([`part_options`]).
    fn options(p: &Self::Part) -> PartOptions<Self::Part>;
    /// A part whose presence alone is open and that no case could tell apart from its absence
    /// (a security rule no flow can meet): it is no choice of the split. It stays in every
    /// case with its presence, and the checks of the part itself say when it is deployed
    /// ([`super::when_deployed`]). Twenty optional SSH rules are not a million cases.
    fn pinned(_p: &Self::Part) -> bool {
        false
    }
    /// The part as a case deploys it: its presence is no longer open.
    fn settle(p: &mut Self::Part);
    fn name(p: &Self::Part) -> &str;
    fn decl(p: &Self::Part) -> Span;
    /// The parts cannot be known (too many cases, or cases the variant cannot pair with).
    fn set_unknown(&mut self, why: String, at: Option<Span>);
    /// What the subnet `s` links to in variant `v` at location `li`, as [`Plan::ctx`] resolves it.
    fn linked<'a>(ws: &'a Workspace, s: &Subnet, v: &Variant, li: usize) -> Option<&'a Self>;
    /// Record this variant's case of it.
    fn keep(links: &mut Links, it: Arc<Self>);
}

impl Gated for Nsg {
    type Part = SecurityRule;
    const PART: &'static str = "security rule";
    fn parts_mut(&mut self) -> &mut Vec<SecurityRule> {
        &mut self.rules
    }
    fn parts(&self) -> &[SecurityRule] {
        &self.rules
    }
    fn deployed(p: &SecurityRule) -> Option<&Presence> {
        p.deployed.as_deref()
    }
    fn options(p: &SecurityRule) -> PartOptions<SecurityRule> {
        // Most rules are one rule: nothing is copied for them.
        if !open_fields(p) && p.deployed.is_none() {
            return None;
        }
        part_options(p, p.deployed.as_deref(), |l| {
            let l = fork(l, |r: &SecurityRule| &r.priority, |r, f| r.priority = f);
            let l = fork(l, |r: &SecurityRule| &r.direction, |r, f| r.direction = f);
            let l = fork(l, |r: &SecurityRule| &r.access, |r, f| r.access = f);
            let l = fork(l, |r: &SecurityRule| &r.protocol, |r, f| r.protocol = f);
            let l = fork(
                l,
                |r: &SecurityRule| &r.source_addresses,
                |r, f| r.source_addresses = f,
            );
            let l = fork(
                l,
                |r: &SecurityRule| &r.source_ports,
                |r, f| r.source_ports = f,
            );
            let l = fork(
                l,
                |r: &SecurityRule| &r.destination_addresses,
                |r, f| r.destination_addresses = f,
            );
            fork(
                l,
                |r: &SecurityRule| &r.destination_ports,
                |r, f| r.destination_ports = f,
            )
        })
    }
    fn pinned(p: &SecurityRule) -> bool {
        p.deployed.is_some() && !open_fields(p) && !super::flows::may_touch(p)
    }
    fn settle(p: &mut SecurityRule) {
        p.deployed = None;
    }
    fn name(p: &SecurityRule) -> &str {
        &p.name
    }
    fn decl(p: &SecurityRule) -> Span {
        p.decl
    }
    fn set_unknown(&mut self, why: String, at: Option<Span>) {
        self.rules_unknown = Some((why, at));
    }
    fn linked<'a>(ws: &'a Workspace, s: &Subnet, v: &Variant, li: usize) -> Option<&'a Nsg> {
        let link = match v.links.get(li).and_then(|l| l.nsg.clone()) {
            Some(picked) => picked,
            None => narrow(&s.nsg, &v.when),
        };
        ws.nsg_in(link?.get()?, s.meta.unit)
    }
    fn keep(links: &mut Links, it: Arc<Nsg>) {
        links.nsg_rules = Some(it);
    }
}

/// Whether a field of the rule takes one of several values the code names.
fn open_fields(p: &SecurityRule) -> bool {
    open(&p.priority)
        || open(&p.direction)
        || open(&p.access)
        || open(&p.protocol)
        || open(&p.source_addresses)
        || open(&p.source_ports)
        || open(&p.destination_addresses)
        || open(&p.destination_ports)
}

impl Gated for RouteTable {
    type Part = Route;
    const PART: &'static str = "route";
    fn parts_mut(&mut self) -> &mut Vec<Route> {
        &mut self.routes
    }
    fn parts(&self) -> &[Route] {
        &self.routes
    }
    fn deployed(p: &Route) -> Option<&Presence> {
        p.deployed.as_deref()
    }
    fn options(p: &Route) -> PartOptions<Route> {
        if !open(&p.prefix) && !open(&p.next_hop) && p.deployed.is_none() {
            return None;
        }
        part_options(p, p.deployed.as_deref(), |l| {
            let l = fork(l, |r: &Route| &r.prefix, |r, f| r.prefix = f);
            fork(l, |r: &Route| &r.next_hop, |r, f| r.next_hop = f)
        })
    }
    fn settle(p: &mut Route) {
        p.deployed = None;
    }
    fn name(p: &Route) -> &str {
        &p.name
    }
    fn decl(p: &Route) -> Span {
        p.decl
    }
    fn set_unknown(&mut self, why: String, at: Option<Span>) {
        self.routes_unknown = Some((why, at));
    }
    fn linked<'a>(ws: &'a Workspace, s: &Subnet, v: &Variant, li: usize) -> Option<&'a RouteTable> {
        let link = match v.links.get(li).and_then(|l| l.route_table.clone()) {
            Some(picked) => picked,
            None => narrow(&s.route_table, &v.when),
        };
        ws.route_table_in(link?.get()?, s.meta.unit)
    }
    fn keep(links: &mut Links, it: Arc<RouteTable>) {
        links.route_table_routes = Some(it);
    }
}

/// Every variant split by the parts (security rules of its subnet's NSG, routes of its route
/// table, at location `li`) the code leaves open: deployed only under conditions it does not
/// decide (a separate rule or route resource whose `count`, `condition` or `if` is unknown), or
/// with fields that take one of several values (`var.internal ? "VirtualNetwork" : "Internet"`,
/// a parameter's allowed values). Each case is checked with the parts it deploys as it deploys
/// them, so a deny that only some inputs add is a warning in those cases, not an error, an
/// allow that only some inputs add does not hide what the others lack, and a port that is one
/// of two values is checked with each.
///
/// As for links ([`split_links`]), only a variant whose instance fields made no choice is split
/// into cases; a variant whose own choices settle each part gets its parts without a split, and
/// one they leave open keeps its parts undecided (`STV002`).
fn split_parts<G: Gated>(
    ws: &Workspace,
    unit: UnitId,
    vars: Vec<Variant>,
    li: usize,
) -> Vec<Variant> {
    /// The choices of one case, and each part as the case deploys it (`None`: not deployed).
    type Case<P> = (Cond, Vec<Option<P>>);
    /// A variant's resource and its cases (`None`: nothing of it is open).
    type Open<'g, G> = Option<(&'g G, Vec<Case<<G as Gated>::Part>>)>;
    let mut cases: Vec<Open<G>> = Vec::with_capacity(vars.len());
    for v in &vars {
        let found = v.apim.locations[li]
            .subnet
            .as_ref()
            .and_then(|f| f.get())
            .and_then(|id| ws.subnet_in(id, unit))
            .and_then(|s| G::linked(ws, s, v, li));
        let Some(g) = found else {
            cases.push(None);
            continue;
        };
        let options: Vec<PartOptions<G::Part>> = g
            .parts()
            .iter()
            .map(|p| if G::pinned(p) { None } else { G::options(p) })
            .collect();
        if options.iter().all(Option::is_none) {
            cases.push(None);
            continue;
        }
        let mut list: Vec<Case<G::Part>> = vec![(
            v.when.clone(),
            g.parts().iter().map(|p| Some(p.clone())).collect(),
        )];
        for (i, opts) in options.iter().enumerate() {
            let Some(opts) = opts else { continue };
            let mut next = Vec::new();
            for (w, parts) in &list {
                for (c, part) in opts {
                    if let Some(w) = w.and(c) {
                        let mut k = parts.clone();
                        k[i] = part.clone().map(|mut q| {
                            G::settle(&mut q);
                            q
                        });
                        next.push((w, k));
                    }
                }
            }
            list = next;
            if list.len() > MAX_VARIANTS {
                break;
            }
        }
        cases.push(Some((g, list)));
    }
    let total: usize = cases
        .iter()
        .map(|c| c.as_ref().map_or(1, |(_, l)| l.len()))
        .sum();
    let mut out = Vec::with_capacity(total.min(MAX_VARIANTS));
    for (v, c) in vars.into_iter().zip(cases) {
        let Some((g, list)) = c else {
            out.push(v);
            continue;
        };
        let only = |parts: &[Option<G::Part>]| {
            let mut n = g.clone();
            *n.parts_mut() = parts.iter().flatten().cloned().collect();
            Arc::new(n)
        };
        let with = |mut v: Variant, n: Arc<G>| {
            v.links.resize(v.apim.locations.len(), Links::default());
            G::keep(&mut v.links[li], n);
            v
        };
        if let [(_, parts)] = list.as_slice() {
            let n = only(parts);
            out.push(with(v, n));
            continue;
        }
        if !v.free || total > MAX_VARIANTS || list.is_empty() {
            let open: Vec<String> = g
                .parts()
                .iter()
                .filter(|p| G::deployed(p).is_some() && !G::pinned(p))
                .map(|p| format!("'{}'", G::name(p)))
                .collect();
            // Fields with several values alone: each such field is its own STV002 already.
            if open.is_empty() {
                out.push(v);
                continue;
            }
            let mut n = g.clone();
            n.set_unknown(
                format!(
                    "whether {} {} is deployed is not known here",
                    G::PART,
                    open.join(", ")
                ),
                g.parts()
                    .iter()
                    .find(|p| G::deployed(p).is_some() && !G::pinned(p))
                    .map(G::decl),
            );
            out.push(with(v, Arc::new(n)));
            continue;
        }
        for (when, parts) in &list {
            let mut n = Variant {
                apim: v.apim.clone(),
                when: when.clone(),
                facts: v.facts.clone(),
                links: v.links.clone(),
                free: true,
            };
            for (i, (p, part)) in g.parts().iter().zip(parts).enumerate() {
                // A part that every case deploys alike is no fact of this one; the values a
                // deployed part takes are said by the choices that lead to them.
                let on = part.is_some();
                if G::deployed(p).is_some() && list.iter().any(|(_, k)| k[i].is_some() != on) {
                    n.facts.push((
                        format!("{} '{}'", G::PART, G::name(p)),
                        if on { "deployed" } else { "not deployed" }.to_string(),
                    ));
                }
            }
            let part = only(parts);
            out.push(with(n, part));
        }
    }
    out
}

/// Whether a field takes one of several values the code names.
fn open<T>(f: &Field<T>) -> bool {
    f.val.is_err() && !f.alts().is_empty()
}

/// Each alternative of a part's field `get` (set back with `set`) in every case of `list` its
/// choices agree with; `list` as it is when the field has none.
fn fork<P: Clone, T: Clone>(
    list: Vec<(Cond, P)>,
    get: impl Fn(&P) -> &Field<T>,
    set: impl Fn(&mut P, Field<T>),
) -> Vec<(Cond, P)> {
    let mut out = Vec::with_capacity(list.len());
    for (c, p) in list {
        let f = get(&p);
        if !open(f) {
            out.push((c, p));
            continue;
        }
        for a in f.alts() {
            if let Some(w) = c.and(&a.when) {
                let mut q = p.clone();
                set(&mut q, chosen(f, a));
                out.push((w, q));
            }
        }
    }
    out
}

/// A part's options: its field alternatives, each deployed or not as its [`Presence`] says;
/// `None` when it is one part, deployed, whatever the choices.
fn part_options<P: Clone>(
    p: &P,
    deployed: Option<&Presence>,
    forks: impl FnOnce(Vec<(Cond, P)>) -> Vec<(Cond, P)>,
) -> PartOptions<P> {
    let list = forks(vec![(Cond::default(), p.clone())]);
    if list.len() <= 1 && deployed.is_none() {
        return None;
    }
    let Some(presence) = deployed else {
        return Some(list.into_iter().map(|(c, p)| (c, Some(p))).collect());
    };
    let mut out = Vec::new();
    for (pc, on) in presence {
        for (c, q) in &list {
            if let Some(w) = pc.and(c) {
                out.push((w, on.then(|| q.clone())));
            }
        }
    }
    Some(out)
}

/// Every consistent combination of one variant per instance (instances that share a subnet or
/// a choice see each other's matching variant); `None` when that exceeds [`MAX_WORLDS`] or
/// leaves some variant out (choices of different deployments that happen to share a name).
fn product(variants: &[Vec<Variant>]) -> Option<Vec<Vec<Option<usize>>>> {
    let mut worlds: Vec<(Vec<Option<usize>>, Cond)> = vec![(Vec::new(), Cond::default())];
    for vs in variants {
        let mut next = Vec::new();
        // Each world grows in place when it has one continuation (copying it for every
        // instance was quadratic in the instances of a view).
        for (mut w, c) in worlds {
            if vs.is_empty() {
                w.push(None);
                next.push((w, c));
                continue;
            }
            let mut fits: Vec<(usize, Cond)> = vs
                .iter()
                .enumerate()
                .filter_map(|(v, var)| Some((v, c.and(&var.when)?)))
                .collect();
            let last = fits.pop();
            for (v, both) in fits {
                let mut ext = w.clone();
                ext.push(Some(v));
                next.push((ext, both));
            }
            if let Some((v, both)) = last {
                w.push(Some(v));
                next.push((w, both));
            }
        }
        if next.len() > MAX_WORLDS {
            return None;
        }
        worlds = next;
    }
    let every_variant = variants
        .iter()
        .enumerate()
        .all(|(i, vs)| (0..vs.len()).all(|v| worlds.iter().any(|(w, _)| w[i] == Some(v))));
    every_variant.then(|| worlds.into_iter().map(|(w, _)| w).collect())
}

/// Fallback for many independent instances: world `j` takes variant `j` of each instance (the
/// last one again when it has fewer), so every variant is checked without multiplying.
fn zipped(variants: &[Vec<Variant>]) -> Vec<Vec<Option<usize>>> {
    let n = variants.iter().map(Vec::len).max().unwrap_or(0).max(1);
    (0..n)
        .map(|j| {
            variants
                .iter()
                .map(|vs| (!vs.is_empty()).then(|| j.min(vs.len() - 1)))
                .collect()
        })
        .collect()
}

/// One alternative for messages as (subject, value): the choice itself when it is the value
/// (`parameter 'apimSku'`, `'Basic'`), else the field with the value and the choices that lead
/// to it (`the tier`, `'Basic' (var.sku_name is 'Basic_1')`).
pub fn case(what: &str, value: &str, when: &Cond) -> (String, String) {
    let bare = |s: &str| s.trim().trim_matches('\'').to_ascii_lowercase();
    match when.0.as_slice() {
        [] => (what.to_string(), value.to_string()),
        [(c, o)] if bare(o) == bare(value) => (c.to_string(), o.to_string()),
        _ => (what.to_string(), format!("{value} ({})", when.describe())),
    }
}

/// `parameter 'apimSku' is 'Basic' or 'Standard'`, or each case in turn when their subjects
/// differ.
pub fn join_cases(cases: &[(String, String)]) -> String {
    let Some((first, _)) = cases.first() else {
        return String::new();
    };
    if cases.iter().all(|(k, _)| k == first) {
        let vals: Vec<&str> = cases.iter().map(|(_, v)| v.as_str()).collect();
        let list = match vals.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
            _ => vals.join(""),
        };
        return format!("{first} is {list}");
    }
    cases
        .iter()
        .map(|(k, v)| format!("{k} is {v}"))
        .collect::<Vec<_>>()
        .join(", or when ")
}

/// Whether a (trimmed) tier and mode put an instance in scope.
fn in_scope(sku: &str, mode: &str) -> bool {
    INJECTABLE.contains(&sku.to_ascii_lowercase().as_str()) && !mode.eq_ignore_ascii_case("none")
}

/// The values a field can take, each with its choices; `None` for a plain unknown.
fn options<T: Clone>(f: &Field<T>) -> Option<Vec<(Field<T>, Cond)>> {
    match (&f.val, f.alts().is_empty()) {
        (Ok(_), _) => Some(vec![(plain(f), Cond::default())]),
        (Err(_), true) => None,
        (Err(_), false) => Some(
            f.alts()
                .iter()
                .map(|a| (chosen(f, a), a.when.clone()))
                .collect(),
        ),
    }
}

/// A field without its alternatives (a variant holds only what it chose).
fn plain<T: Clone>(f: &Field<T>) -> Field<T> {
    let mut p = Field::unknown("", f.at);
    p.val = f.val.clone();
    p.set_implicit(f.is_implicit());
    p.set_origin(f.origin());
    p
}

/// The field with alternative `a` chosen: edited where the field is, written where the branch is.
fn chosen<T: Clone>(f: &Field<T>, a: &Alt<T>) -> Field<T> {
    let mut c = Field::known(a.val.clone(), f.at);
    c.set_origin(a.at.or(f.origin()));
    c
}

/// A field that only some checks read: its alternatives when it has some, else itself.
fn options_or_self<T: Clone>(f: &Field<T>) -> Vec<(Field<T>, Cond)> {
    options(f).unwrap_or_else(|| vec![(plain(f), Cond::default())])
}

type NotChecked = (String, Option<Span>, Option<Span>);

/// The in-scope variants of one instance, and whether some alternative of its tier and mode is
/// out of scope; or why it cannot be checked. An empty list means the instance is out of scope
/// (v2 tier, not injected) in every alternative.
fn expand(ws: &Workspace, apim: &Apim, unit: UnitId) -> Result<(Vec<Variant>, bool), NotChecked> {
    let shown = |f: &Field<String>| f.get().map(|s| format!("'{}'", s.trim()));
    let known_out = apim
        .sku
        .get()
        .is_some_and(|s| V2.contains(&s.trim().to_ascii_lowercase().as_str()))
        || apim
            .vnet_type
            .get()
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("none"));
    let modes = options(&apim.vnet_type);
    let mut skus = options(&apim.sku);
    if skus.is_none() && modes.is_some() && !known_out {
        match infer_tier(ws, apim, unit) {
            Inferred::Classic => {
                skus = Some(
                    ["Developer", "Premium"]
                        .iter()
                        .map(|t| {
                            let mut f = plain(&apim.sku);
                            f.val = Ok(t.to_string());
                            (f, Cond::one(INFERRED_TIER, format!("'{t}'")))
                        })
                        .collect(),
                )
            }
            Inferred::V2 => return Ok((Vec::new(), true)),
            Inferred::Unknown => {}
        }
    }
    let (skus, modes) = match (skus, modes) {
        (Some(s), Some(m)) => (s, m),
        _ if known_out => return Ok((Vec::new(), true)),
        _ => {
            let f = if apim.sku.val.is_err() {
                &apim.sku
            } else {
                &apim.vnet_type
            };
            let reason = f.val.as_ref().err().cloned().unwrap_or_default();
            return Err((reason, f.at, f.origin()));
        }
    };
    // Tier × mode first: out-of-scope combinations drop before the locations multiply.
    let mut out: Vec<Variant> = Vec::new();
    let mut dropped = false;
    for (sku, sc) in &skus {
        for (mode, mc) in &modes {
            let (Some(s), Some(m)) = (sku.get(), mode.get()) else {
                continue;
            };
            let Some(when) = sc.and(mc) else { continue };
            if !in_scope(s.trim(), m.trim()) {
                // An alternative that deploys, out of scope: not injected, or a v2 tier (unless
                // the subnet is undelegated, where no v2 tier can be placed). A classic tier
                // that cannot be injected is no such alternative: it fails (STV010).
                let v2 = V2.contains(&s.trim().to_ascii_lowercase().as_str());
                dropped |= m.trim().eq_ignore_ascii_case("none")
                    || (v2 && !matches!(infer_tier(ws, apim, unit), Inferred::Classic));
                continue;
            }
            let mut a = apim.clone();
            a.sku = sku.clone();
            a.vnet_type = mode.clone();
            let mut facts = Vec::new();
            if !apim.sku.alts().is_empty() || !sc.is_empty() {
                facts.push(("the tier".to_string(), shown(sku).unwrap_or_default()));
            }
            if !apim.vnet_type.alts().is_empty() {
                facts.push((
                    "virtualNetworkType".to_string(),
                    shown(mode).unwrap_or_default(),
                ));
            }
            out.push(Variant {
                apim: a,
                when,
                facts,
                links: Vec::new(),
                free: false,
            });
        }
    }
    // Then each location's fields that have alternatives.
    for (li, loc) in apim.locations.iter().enumerate() {
        let here = |what: &str| {
            if loc.primary {
                what.to_string()
            } else {
                format!("{what} of {}", shown(&loc.location).unwrap_or_default())
            }
        };
        if !loc.capacity.alts().is_empty() {
            out = multiply(out, &options_or_self(&loc.capacity), |v, f| {
                v.facts.push((
                    here("the unit count"),
                    f.get().map(|n| n.to_string()).unwrap_or_default(),
                ));
                v.apim.locations[li].capacity = f.clone();
            });
        }
        if let Some(z) = loc.zones.as_ref().filter(|z| !z.alts().is_empty()) {
            out = multiply(out, &options_or_self(z), |v, f| {
                v.facts.push((
                    here("the zones"),
                    f.get().map(|z| format!("{z:?}")).unwrap_or_default(),
                ));
                v.apim.locations[li].zones = Some(f.clone());
            });
        }
        if let Some(sn) = loc.subnet.as_ref().filter(|f| !f.alts().is_empty()) {
            out = multiply(out, &options_or_self(sn), |v, f| {
                v.facts.push((
                    here("the subnet"),
                    f.get()
                        .map(|id| format!("'{}'", short_id(id)))
                        .unwrap_or_default(),
                ));
                v.apim.locations[li].subnet = Some(f.clone());
            });
        }
        if let Some(p) = loc.public_ip.as_ref().filter(|f| !f.alts().is_empty()) {
            out = multiply(out, &options_or_self(p), |v, f| {
                v.facts.push((
                    here("the public IP address"),
                    f.get()
                        .map(|id| format!("'{}'", short_id(id)))
                        .unwrap_or_default(),
                ));
                v.apim.locations[li].public_ip = Some(f.clone());
            });
        }
        if out.len() > MAX_VARIANTS {
            break;
        }
    }
    // Then the NSG and route table of each location's subnet, in variants whose own fields
    // made no choice.
    for v in &mut out {
        v.free = v.when.0.is_empty();
    }
    for li in 0..apim.locations.len() {
        for nsg in [true, false] {
            out = split_links(ws, unit, out, li, nsg);
        }
        out = split_parts::<Nsg>(ws, unit, out, li);
        out = split_parts::<RouteTable>(ws, unit, out, li);
    }
    if out.len() > MAX_VARIANTS {
        return Err((
            format!("the values its fields can take combine into more than {MAX_VARIANTS} cases"),
            apim.sku.at,
            None,
        ));
    }
    Ok((out, dropped))
}

/// Every variant combined with every option of one field whose choices agree.
fn multiply<T>(
    vars: Vec<Variant>,
    opts: &[(Field<T>, Cond)],
    set: impl Fn(&mut Variant, &Field<T>),
) -> Vec<Variant> {
    let mut out = Vec::new();
    for v in vars {
        for (f, c) in opts {
            let Some(when) = v.when.and(c) else { continue };
            let mut n = Variant {
                apim: v.apim.clone(),
                when,
                facts: v.facts.clone(),
                links: v.links.clone(),
                free: v.free,
            };
            set(&mut n, f);
            out.push(n);
        }
    }
    out
}

enum Inferred {
    /// Injected into an undelegated subnet: Developer or Premium.
    Classic,
    /// A subnet delegated to App Service: a v2 tier, out of scope.
    V2,
    Unknown,
}

/// What the primary location's subnet says about an unknown tier (DESIGN.md §3).
fn infer_tier(ws: &Workspace, apim: &Apim, unit: UnitId) -> Inferred {
    let modes_injected = match (&apim.vnet_type.val, apim.vnet_type.alts().is_empty()) {
        (Ok(m), _) => !m.trim().eq_ignore_ascii_case("none"),
        (Err(_), false) => apim
            .vnet_type
            .alts()
            .iter()
            .all(|a| !a.val.trim().eq_ignore_ascii_case("none")),
        (Err(_), true) => false,
    };
    if !modes_injected {
        return Inferred::Unknown;
    }
    let Some(loc) = apim.locations.iter().find(|l| l.primary) else {
        return Inferred::Unknown;
    };
    let Some(subnet) = loc
        .subnet
        .as_ref()
        .and_then(|f| f.get())
        .and_then(|id| ws.subnet_in(id, unit))
    else {
        return Inferred::Unknown;
    };
    match subnet.delegations.get() {
        Some(d) if d.is_empty() => Inferred::Classic,
        Some(d)
            if d.iter().any(|s| {
                s.eq_ignore_ascii_case("Microsoft.Web/serverFarms")
                    || s.eq_ignore_ascii_case("Microsoft.Web/hostingEnvironments")
            }) =>
        {
            Inferred::V2
        }
        _ => Inferred::Unknown,
    }
}

impl<'a> Ctx<'a> {
    /// Each resolved subnet once, with the in-scope locations placed in it, in declaration order.
    pub fn subnets<'c>(&'c self) -> Vec<(&'a Subnet, Vec<&'c Site<'a>>)> {
        group(&self.sites, |s| s.subnet.found())
    }

    /// Each resolved network security group once, with the in-scope locations behind it.
    pub fn nsgs<'c>(&'c self) -> Vec<(&'a Nsg, Vec<&'c Site<'a>>)> {
        group(&self.sites, |s| s.nsg.found())
    }

    /// Each resolved public IP once, with the in-scope locations that use it.
    pub fn public_ips<'c>(&'c self) -> Vec<(&'a PublicIp, Vec<&'c Site<'a>>)> {
        group(&self.sites, |s| s.public_ip.found())
    }
}

/// Sites grouped by the resource they resolve to (compared by identity, not by value), in the
/// order each resource is first met; looked up by address so that many instances stay linear.
fn group<'c, 'a, T>(
    sites: &'c [Site<'a>],
    of: impl Fn(&Site<'a>) -> Option<&'a T>,
) -> Vec<(&'a T, Vec<&'c Site<'a>>)> {
    let mut out: Vec<(&'a T, Vec<&'c Site<'a>>)> = Vec::new();
    let mut at: HashMap<*const T, usize> = HashMap::new();
    for site in sites {
        let Some(r) = of(site) else {
            continue;
        };
        match at.entry(r as *const T) {
            Entry::Occupied(e) => out[*e.get()].1.push(site),
            Entry::Vacant(e) => {
                e.insert(out.len());
                out.push((r, vec![site]));
            }
        }
    }
    out
}

fn resolve<'a, T>(
    field: &Option<Field<String>>,
    what: &str,
    lookup: impl Fn(&str) -> Option<&'a T>,
    ambiguity: impl Fn(&str) -> Option<String>,
) -> Resolved<'a, T> {
    let Some(f) = field else {
        return Resolved::Absent;
    };
    match &f.val {
        Err(reason) => Resolved::Unknown {
            reason: format!("the {what} reference is unknown: {reason}"),
            at: f.at,
        },
        Ok(id) => match lookup(id) {
            Some(t) => Resolved::Found(t),
            None => Resolved::Unknown {
                reason: match ambiguity(id) {
                    Some(why) => format!("the {what} {why}"),
                    None => format!(
                        "the {what} '{}' is not declared in the files checked",
                        short_id(id)
                    ),
                },
                at: f.at,
            },
        },
    }
}

/// The name part of a resource id (`vnet/subnets/apim` → `vnet/apim`) for messages.
pub fn short_id(id: &str) -> String {
    match crate::model::ResKey::from_id(id) {
        Some(k) => k.names.join("/"),
        None => id.to_string(),
    }
}

/// `vnet/apim` for messages.
pub fn subnet_name(subnet: &Subnet) -> String {
    if subnet.vnet.is_empty() {
        subnet.meta.name.clone()
    } else {
        format!("{}/{}", subnet.vnet, subnet.meta.name)
    }
}

/// Code-independent identity of a subnet for fingerprints.
pub fn subnet_identity(subnet: &Subnet) -> String {
    format!(
        "{}|{}",
        subnet.meta.key.rtype,
        subnet.meta.key.names.join("/")
    )
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::Severity;
    use crate::model::{Alt, Cond, Field};
    use crate::rules::testkit::*;
    use crate::rules::{check, Options};

    #[test]
    fn each_nsg_is_normalised_once_per_plan() {
        let (a, b) = (nsg("a", 100), nsg("b", 200));
        let forms = super::NsgForms::default();
        let first = forms.of(&a);
        assert!(std::sync::Arc::ptr_eq(&first, &forms.of(&a)));
        assert!(!std::sync::Arc::ptr_eq(&first, &forms.of(&b)));
    }

    /// `var.env == "prod" ? "Premium" : "Developer"` with `env` unknown.
    fn either_tier(f: &mut Field<String>) {
        f.val = Err("variable 'env' has no value".into());
        *f.alts_mut() = vec![
            Alt {
                val: "Premium".into(),
                when: Cond::one("var.env == \"prod\"", "true"),
                at: sp(300),
            },
            Alt {
                val: "Developer".into(),
                when: Cond::one("var.env == \"prod\"", "false"),
                at: sp(301),
            },
        ];
    }

    fn all(ws: &crate::model::Workspace) -> Vec<crate::diagnostic::Diagnostic> {
        check(ws, &Options::default(), |_| true).diagnostics
    }

    #[test]
    fn a_violation_in_every_alternative_keeps_its_severity() {
        let mut a = apim("a", "", "External", 1, 100);
        either_tier(&mut a.sku);
        let ws = ws(
            vec![a],
            vec![subnet("vnet", "apim", &["10.0.0.0/27"], 10)],
            vec![],
        );
        let d = run(Code::Stv201, &ws);
        assert_eq!(at(&d), vec![(Code::Stv201, Some(10))]);
        assert_eq!(d[0].severity, Severity::Error);
        assert!(!d[0].message.contains("(when"), "{}", d[0].message);
        // No STV002 about the instance: both alternatives were checked.
        assert!(!all(&ws).iter().any(|d| d.code == Code::Stv002));
    }

    #[test]
    fn a_violation_in_some_alternatives_is_a_warning_that_names_them() {
        let mut a = apim("a", "", "External", 1, 100);
        either_tier(&mut a.sku);
        a.locations[0].zones = zones(&["1", "2"], 100);
        let ws = ws(
            vec![a],
            vec![subnet("vnet", "apim", &["10.0.0.0/27"], 10)],
            vec![],
        );
        let d = run(Code::Stv401, &ws);
        assert_eq!(at(&d), vec![(Code::Stv401, Some(105))]);
        assert_eq!(d[0].severity, Severity::Warning);
        assert!(
            d[0].message
                .ends_with("(when the tier is 'Developer' (var.env == \"prod\" is false))"),
            "{}",
            d[0].message
        );
    }

    #[test]
    fn an_out_of_scope_alternative_does_not_weaken_a_finding() {
        let mut a = apim("a", "", "External", 1, 100);
        either_tier(&mut a.sku);
        a.sku.alts_mut()[1].val = "StandardV2".into();
        let ws = ws(
            vec![a],
            vec![subnet("vnet", "apim", &["10.0.0.0/27"], 10)],
            vec![],
        );
        let d = run(Code::Stv201, &ws);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].severity, Severity::Error);
    }

    #[test]
    fn unknown_tier_on_an_undelegated_subnet_is_a_classic_tier() {
        let mut a = apim("a", "", "Internal", 1, 100);
        a.sku = Field::unknown("parameter 'apimSku' has no value", sp(102));
        a.locations[0].zones = zones(&["1", "2"], 100);
        let ws = ws(
            vec![a],
            vec![subnet("vnet", "apim", &["10.0.0.0/27"], 10)],
            vec![],
        );
        let d = all(&ws);
        // Missing NSG in both Developer and Premium: certain.
        let nsg: Vec<_> = d.iter().filter(|d| d.code == Code::Stv201).collect();
        assert_eq!(nsg.len(), 1);
        assert_eq!(nsg[0].severity, Severity::Error);
        // Zones are wrong only for Developer, and the code never says which: undecided.
        assert!(!d.iter().any(|d| d.code == Code::Stv401));
        let undecided = d
            .iter()
            .find(|d| {
                d.code == Code::Stv002 && d.message.starts_with("STV401 could not be decided")
            })
            .expect("STV401 undecided");
        // Nothing claims the inferred tier is written anywhere; the fix is to give it.
        assert!(!undecided
            .related
            .iter()
            .any(|r| r.message.starts_with("the tier")));
        assert!(undecided
            .help
            .as_deref()
            .unwrap()
            .starts_with("Give the tier a value"));
        assert_eq!(
            check(&ws, &Options::default(), |_| true).instances_undecided,
            1
        );
    }

    #[test]
    fn unknown_tier_on_an_app_service_delegated_subnet_is_v2_and_silent() {
        let mut a = apim("a", "", "External", 1, 100);
        a.sku = Field::unknown("parameter 'apimSku' has no value", sp(102));
        let mut s = subnet("vnet", "apim", &["10.0.0.0/27"], 10);
        s.delegations = Field::known(vec!["Microsoft.Web/serverFarms".into()], sp(12));
        let ws = ws(vec![a], vec![s], vec![]);
        assert_eq!(at(&all(&ws)), vec![]);
    }

    #[test]
    fn unknown_tier_without_evidence_is_unverifiable() {
        let mut a = apim("a", "", "External", 1, 100);
        a.sku = Field::unknown("parameter 'apimSku' has no value", sp(102));
        let mut s = subnet("vnet", "apim", &["10.0.0.0/27"], 10);
        s.delegations = Field::unknown("variable 'delegations' has no value", sp(12));
        let ws = ws(vec![a], vec![s], vec![]);
        let c = check(&ws, &Options::default(), |_| true);
        assert_eq!(at(&c.diagnostics), vec![(Code::Stv002, Some(102))]);
        assert_eq!((c.instances, c.instances_undecided), (1, 1));
    }

    #[test]
    fn too_many_combinations_is_unverifiable() {
        let mut a = apim("a", "", "External", 1, 100);
        a.sku = Field::unknown("unknown", sp(102));
        *a.sku.alts_mut() = (0..17)
            .map(|i| Alt {
                val: "Premium".into(),
                when: Cond::one("parameter 'x'", format!("{i}")),
                at: None,
            })
            .collect();
        let ws = ws(
            vec![a],
            vec![subnet("vnet", "apim", &["10.0.0.0/27"], 10)],
            vec![],
        );
        let d = all(&ws);
        assert_eq!(at(&d), vec![(Code::Stv002, Some(102))]);
        assert!(d[0].message.contains("more than 16"), "{}", d[0].message);
    }

    #[test]
    fn alternatives_of_several_fields_combine_only_when_consistent() {
        // The tier and the unit count follow the same choice: Premium with 3 units, Developer
        // with 1. Zones 1,2 are indivisible only for Premium 3 → the finding names that case.
        let mut a = apim("a", "", "External", 1, 100);
        either_tier(&mut a.sku);
        a.locations[0].capacity = Field::unknown("variable 'units'", sp(104));
        *a.locations[0].capacity.alts_mut() = vec![
            Alt {
                val: 3,
                when: Cond::one("var.env == \"prod\"", "true"),
                at: None,
            },
            Alt {
                val: 1,
                when: Cond::one("var.env == \"prod\"", "false"),
                at: None,
            },
        ];
        a.locations[0].zones = zones(&["1", "2"], 100);
        let ws = ws(
            vec![a],
            vec![subnet("vnet", "apim", &["10.0.0.0/27"], 10)],
            vec![],
        );
        let plan = crate::rules::Plan::all(&ws);
        assert_eq!(plan.variants[0].len(), 2, "inconsistent pairs are dropped");
        let d = run(Code::Stv403, &ws);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].severity, Severity::Warning);
        assert!(
            d[0].message.contains("the tier is 'Premium'"),
            "{}",
            d[0].message
        );
    }

    #[test]
    fn instances_are_counted() {
        let ws0 = ws(vec![], vec![], vec![]);
        let c = check(&ws0, &Options::default(), |_| true);
        assert_eq!((c.instances, c.instances_undecided), (0, 0));
        let mut b = apim("b", "Premium", "External", 1, 200);
        b.locations[0].subnet = Some(Field::unknown("parameter 'subnetId' has no value", sp(206)));
        let ws2 = ws(
            vec![apim("a", "Premium", "External", 1, 100), b],
            vec![subnet("vnet", "apim", &["10.0.0.0/27"], 10)],
            vec![],
        );
        let c = check(&ws2, &Options::default(), |_| true);
        assert_eq!((c.instances, c.instances_undecided), (2, 1));
        // A check of the instance itself (its API version) left undecided counts too.
        let mut a = apim("a", "Premium", "External", 1, 100);
        a.api_version = Some(Field::unknown(
            "parameter 'apiVersion' has no value",
            sp(101),
        ));
        let ws3 = ws(
            vec![a],
            vec![subnet("vnet", "apim", &["10.0.0.0/27"], 10)],
            vec![],
        );
        let c = check(&ws3, &Options::default(), |_| true);
        assert_eq!((c.instances, c.instances_undecided), (1, 1));
    }

    /// Each check needs only its own facts: an unknown name, region, unit count, public IP and
    /// subnet prefix stop none of the NSG and route checks.
    #[test]
    fn unknowns_the_network_checks_do_not_read_do_not_stop_them() {
        let mut a = apim("a", "Premium", "External", 1, 100);
        a.meta.name = "<unknown>".into();
        let l = &mut a.locations[0];
        l.location = Field::unknown("parameter 'location' has no value", sp(108));
        l.capacity = Field::unknown("parameter 'units' has no value", sp(104));
        l.public_ip = Some(Field::unknown("parameter 'pipId' has no value", sp(107)));
        let mut s = subnet("vnet", "apim", &[], 10);
        s.prefixes = Field::unknown("parameter 'prefix' has no value", sp(11));
        s.nsg = Some(Field::known(nsg_id("nsg"), sp(13)));
        s.route_table = Some(Field::known(rt_id("rt"), sp(14)));
        let mut w = crate::model::Workspace::default();
        w.apims = vec![a];
        w.subnets = vec![s];
        w.nsgs = vec![nsg("nsg", 30)];
        w.route_tables = vec![forced_tunnel("rt", 40)];
        w.link();
        let d = all(&w);
        let errors: Vec<_> = d
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| d.code)
            .collect();
        // The default rules deny ApiManagement:3443 inbound; the tunnel has no ApiManagement route.
        for code in [Code::Stv202, Code::Stv501] {
            assert!(errors.contains(&code), "{code} missing: {d:#?}");
        }
    }

    /// A subnet whose NSG follows the same choice as the tier: each variant sees its own NSG.
    #[test]
    fn subnet_references_follow_the_variant_s_choices() {
        let mut a = apim("a", "", "External", 1, 100);
        either_tier(&mut a.sku);
        let mut s = subnet("vnet", "apim", &["10.0.0.0/27"], 10);
        let mut nsg_ref: Field<String> = Field::unknown("variable 'env' has no value", sp(13));
        *nsg_ref.alts_mut() = vec![
            Alt {
                val: nsg_id("prod"),
                when: Cond::one("var.env == \"prod\"", "true"),
                at: sp(301),
            },
            Alt {
                val: nsg_id("dev"),
                when: Cond::one("var.env == \"prod\"", "false"),
                at: sp(302),
            },
        ];
        s.nsg = Some(nsg_ref);
        let mut w = crate::model::Workspace::default();
        w.apims = vec![a];
        w.subnets = vec![s];
        // Only the dev NSG is declared: Developer's NSG resolves, Premium's does not.
        w.nsgs = vec![nsg("dev", 30)];
        w.link();
        let plan = crate::rules::Plan::all(&w);
        let opts = Options::default();
        let seen: Vec<(String, bool)> = (0..plan.worlds.len())
            .map(|i| {
                let ctx = plan.ctx(&opts, i);
                (
                    ctx.sites[0].sku.to_string(),
                    ctx.sites[0].nsg.found().is_some(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            vec![
                ("Premium".to_string(), false),
                ("Developer".to_string(), true)
            ]
        );
    }

    /// Many instances with independent alternatives are zipped, not multiplied: each is still
    /// checked in every alternative, and none is dropped.
    #[test]
    fn many_instances_with_alternatives_are_all_checked() {
        let apims: Vec<_> = (0..8)
            .map(|i| {
                let mut a = apim(&format!("a{i}"), "", "External", 1, 100 * (i + 1));
                a.sku = Field::unknown("unknown", sp(100 * (i + 1) + 2));
                *a.sku.alts_mut() = ["Developer", "Premium"]
                    .iter()
                    .map(|t| Alt {
                        val: t.to_string(),
                        when: Cond::one(format!("parameter 'sku{i}'"), format!("'{t}'")),
                        at: None,
                    })
                    .collect();
                a
            })
            .collect();
        let w = ws(
            apims,
            vec![subnet("vnet", "apim", &["10.0.0.0/22"], 10)],
            vec![],
        );
        let plan = crate::rules::Plan::all(&w);
        assert_eq!(
            plan.worlds.len(),
            2,
            "2^8 combinations are zipped into 2 worlds"
        );
        let c = check(&w, &Options::default(), |_| true);
        assert_eq!((c.instances, c.instances_undecided), (8, 0));
        // The shared subnet's NSG is missing in every alternative of every instance.
        let nsg: Vec<_> = c
            .diagnostics
            .iter()
            .filter(|d| d.code == Code::Stv201)
            .collect();
        assert_eq!(nsg.len(), 1);
        assert_eq!(nsg[0].severity, Severity::Error);
    }
}
