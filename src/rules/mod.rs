//! The rule registry. A rule is a plain function over the linked model (selene's shape): it
//! never sees syntax, so one rule serves ARM, Bicep and Terraform alike.

use crate::code::Code;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Apim, ApimLocation, Cond, Field, UnitId, Workspace};
use crate::source::Span;
use std::collections::HashMap;

mod context;
pub use context::{Ctx, Options, Plan, Resolved, Site};

pub mod explain;
pub mod flows;

// Helpers shared by several rules.
mod apim_side;
mod autoscale;
mod instance;
mod public_ip;
mod routing;
mod sizing;
#[cfg(test)]
pub(crate) mod testkit;

mod apex_private_dns_zone;
mod asg_rule;
mod autoscale_bounds;
mod autoscale_during_migration;
mod autoscale_subnet;
mod autoscale_tier;
mod autoscale_zones;
mod bgp_default_route;
mod capacity_bounds;
mod classic_vnet;
mod custom_dns_servers;
mod default_route_blackhole;
mod duplicate_locations;
mod external_forced_tunnel;
mod forced_tunnel_dependencies;
mod forced_tunnel_without_apim_route;
mod growth_headroom;
mod inbound_clients_443;
mod inbound_load_balancer_6390;
mod inbound_management_3443;
mod inbound_traffic_manager;
mod inbound_virtual_network_443;
mod internal_dns;
mod invalid_nsg_rule;
mod invalid_route;
mod invalid_zones;
mod migration_precreated_ips;
mod multi_region_premium;
mod nsg_missing;
mod odd_prefixes;
mod optional_flow_blocked;
mod outbound_azuremonitor;
mod outbound_entra_id;
mod outbound_event_hub;
mod outbound_internet_80;
mod outbound_internet_infrastructure;
mod outbound_keyvault_443;
mod outbound_sql_1433;
mod outbound_storage_443;
mod pinned_private_ip;
mod platform_version_stv1;
mod private_endpoint_with_injection;
mod public_ip_destination;
mod public_ip_global_tier;
mod public_ip_needs_injection;
mod public_ip_no_dns_label;
mod public_ip_not_ipv4_static;
mod public_ip_not_standard;
mod public_ip_routing_preference;
mod public_ip_shared;
mod public_ip_zones;
mod public_network_access_disabled;
mod region_mismatch;
mod rule_mismatch;
mod service_endpoint_overridden;
mod service_endpoints_missing;
mod shared_subnet;
mod side_by_side_headroom;
mod single_unit_without_zones;
mod stv1_api_version;
mod subnet_delegated;
mod subnet_missing;
mod subnet_too_small;
mod units_not_divisible_by_zones;
mod vnet_injection_sku;
mod zones_require_premium;
mod zones_without_public_ip;

pub struct Rule {
    pub code: Code,
    pub name: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    /// The rule's page (`rules/CODE.md`), embedded at build time.
    pub page: &'static str,
    /// `None` for the codes the engine itself emits (STV001–STV006).
    pub check: Option<fn(&Ctx, &mut Sink)>,
}

macro_rules! page {
    ($code:literal) => {
        include_str!(concat!("../../rules/", $code, ".md"))
    };
}

/// Every rule, in code order. Codes are a contract: never renumber.
pub static RULES: &[Rule] = &[
    Rule {
        code: Code::Stv001,
        name: "parse-error",
        severity: Severity::Error,
        summary: "A file that should be linted cannot be read or parsed",
        page: page!("STV001"),
        check: None,
    },
    Rule {
        code: Code::Stv002,
        name: "unverifiable",
        severity: Severity::Info,
        summary: "A check could not decide because a value is unknown",
        page: page!("STV002"),
        check: None,
    },
    Rule {
        code: Code::Stv003,
        name: "invalid-suppression",
        severity: Severity::Warning,
        summary: "A suppression comment names an unknown code or gives no reason",
        page: page!("STV003"),
        check: None,
    },
    Rule {
        code: Code::Stv004,
        name: "unused-suppression",
        severity: Severity::Warning,
        summary: "A suppression comment suppresses nothing",
        page: page!("STV004"),
        check: None,
    },
    Rule {
        code: Code::Stv005,
        name: "tolerated-syntax",
        severity: Severity::Warning,
        summary: "A file parses only because Azure tolerates syntax that strict parsers reject",
        page: page!("STV005"),
        check: None,
    },
    Rule {
        code: Code::Stv006,
        name: "not-deployed",
        severity: Severity::Info,
        summary: "An API Management instance is declared but these inputs do not deploy it",
        page: page!("STV006"),
        check: None,
    },
    vnet_injection_sku::RULE,
    stv1_api_version::RULE,
    capacity_bounds::RULE,
    multi_region_premium::RULE,
    private_endpoint_with_injection::RULE,
    platform_version_stv1::RULE,
    public_ip_needs_injection::RULE,
    duplicate_locations::RULE,
    public_network_access_disabled::RULE,
    subnet_missing::RULE,
    subnet_delegated::RULE,
    subnet_too_small::RULE,
    side_by_side_headroom::RULE,
    shared_subnet::RULE,
    region_mismatch::RULE,
    classic_vnet::RULE,
    growth_headroom::RULE,
    odd_prefixes::RULE,
    nsg_missing::RULE,
    inbound_management_3443::RULE,
    inbound_load_balancer_6390::RULE,
    inbound_clients_443::RULE,
    outbound_storage_443::RULE,
    outbound_sql_1433::RULE,
    outbound_keyvault_443::RULE,
    rule_mismatch::RULE,
    outbound_azuremonitor::RULE,
    outbound_internet_80::RULE,
    inbound_traffic_manager::RULE,
    outbound_entra_id::RULE,
    outbound_event_hub::RULE,
    optional_flow_blocked::RULE,
    outbound_internet_infrastructure::RULE,
    inbound_virtual_network_443::RULE,
    invalid_nsg_rule::RULE,
    pinned_private_ip::RULE,
    public_ip_destination::RULE,
    asg_rule::RULE,
    public_ip_not_standard::RULE,
    public_ip_not_ipv4_static::RULE,
    public_ip_no_dns_label::RULE,
    public_ip_zones::RULE,
    public_ip_shared::RULE,
    public_ip_global_tier::RULE,
    public_ip_routing_preference::RULE,
    zones_without_public_ip::RULE,
    zones_require_premium::RULE,
    invalid_zones::RULE,
    units_not_divisible_by_zones::RULE,
    single_unit_without_zones::RULE,
    autoscale_zones::RULE,
    autoscale_tier::RULE,
    autoscale_bounds::RULE,
    autoscale_subnet::RULE,
    forced_tunnel_without_apim_route::RULE,
    service_endpoints_missing::RULE,
    default_route_blackhole::RULE,
    external_forced_tunnel::RULE,
    forced_tunnel_dependencies::RULE,
    service_endpoint_overridden::RULE,
    invalid_route::RULE,
    bgp_default_route::RULE,
    autoscale_during_migration::RULE,
    migration_precreated_ips::RULE,
    internal_dns::RULE,
    apex_private_dns_zone::RULE,
    custom_dns_servers::RULE,
];

/// Advice that holds for every deployment of its kind (every Internal instance, every forced
/// tunnel) rather than a defect: these rules run only when `--select` names them (by code or
/// prefix), so a default run stays about what the code gets wrong.
pub static ADVISORY: &[Code] = &[Code::Stv505, Code::Stv701];

pub fn is_advisory(code: Code) -> bool {
    ADVISORY.contains(&code)
}

/// The registry entry of a code. `RULES` lists every [`Code`] once (tests/registry.rs).
pub fn rule(code: Code) -> &'static Rule {
    RULES
        .iter()
        .find(|r| r.code == code)
        .expect("every code is registered")
}

/// The rule a user names (`stv2lint rule stv201`, a configuration file, a client's code).
pub fn find(text: &str) -> Option<&'static Rule> {
    text.parse().ok().map(rule)
}

/// Where a rule's diagnostics go. It stamps the rule's code and default severity, turns
/// "cannot tell" into one STV002 that names the check and the unknown, and remembers which
/// sites each diagnostic is about (set with [`Sink::about`] before emitting), so that
/// [`run`] can say in which alternatives a finding holds and which instances stay undecided.
pub struct Sink {
    pub rule: &'static Rule,
    pub out: Vec<Diagnostic>,
    /// Aligned with `out`: the (instance, variant) pairs each diagnostic is about; empty when
    /// the rule did not say.
    about: Vec<Vec<(usize, usize)>>,
    current: Vec<(usize, usize)>,
    /// Per diagnostic: it is about an instance as a whole ([`Sink::about_instance`]), read from
    /// all the values its code can take, not from one in-scope variant.
    whole: Vec<bool>,
    current_whole: bool,
    /// The choices the current sites were made under (all of them at once), which narrow a
    /// field's alternatives in [`Sink::require`]; `None` when there are no sites.
    when: Option<Cond>,
}

impl Sink {
    pub fn new(rule: &'static Rule) -> Sink {
        Sink {
            rule,
            out: Vec::new(),
            about: Vec::new(),
            current: Vec::new(),
            whole: Vec::new(),
            current_whole: false,
            when: None,
        }
    }

    /// A diagnostic of this rule with its default severity.
    pub fn diag(&self, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(self.rule.code, self.rule.severity, message)
    }

    /// What follows is about this site (until the next call).
    pub fn about(&mut self, site: &Site) {
        self.current = vec![(site.inst, site.variant)];
        self.current_whole = false;
    }
    /// What follows is about all these sites (a shared subnet or public IP).
    pub fn about_sites(&mut self, sites: &[&Site]) {
        self.current = sites.iter().map(|s| (s.inst, s.variant)).collect();
        self.current_whole = false;
        self.when = sites
            .iter()
            .try_fold(Cond::default(), |acc, s| acc.and(s.when))
            .filter(|_| !sites.is_empty());
    }

    /// What follows is about instance `i` (index into `Workspace::apims`) as a whole, for rules
    /// that read the instance rather than its sites.
    pub fn about_instance(&mut self, ctx: &Ctx, i: usize) {
        self.current_whole = true;
        self.current = match ctx.chosen.get(i) {
            Some(Some(v)) => vec![(i, *v)],
            _ => Vec::new(),
        };
    }

    pub fn emit(&mut self, d: Diagnostic) {
        self.out.push(d);
        self.about.push(self.current.clone());
        self.whole.push(self.current_whole);
    }
    pub fn emit_for(&mut self, site: &Site, d: Diagnostic) {
        self.about(site);
        self.emit(d);
    }
    pub fn emit_for_sites(&mut self, sites: &[&Site], d: Diagnostic) {
        self.about_sites(sites);
        self.emit(d);
    }

    /// The check could not decide: one STV002 naming the check, the unknown and the resource.
    pub fn unverifiable(
        &mut self,
        what: &str,
        reason: &str,
        at: Option<Span>,
        resource: &str,
        identity: &str,
    ) {
        let d = Diagnostic::new(
            Code::Stv002,
            Severity::Info,
            format!(
                "{} {} could not be checked: {}",
                self.rule.code, what, reason
            ),
        )
        .at(at)
        .resource(resource)
        .label(format!("not known, so {} is undecided", self.rule.code))
        .help(format!(
            "Give the value a literal, a default or a parameter-file value so that {} ({}) can be verified.",
            self.rule.code, self.rule.name
        ))
        .identity(format!("{}|{}|{}", self.rule.code, identity, what))
        .for_rule(self.rule.code);
        self.emit(d);
    }

    /// Known value, or STV002 and `None`.
    pub fn require<'f, T>(
        &mut self,
        f: &'f Field<T>,
        what: &str,
        resource: &str,
        identity: &str,
    ) -> Option<&'f T>
    where
        T: PartialEq,
    {
        match &f.val {
            Ok(v) => Some(v),
            Err(_) if let Some(v) = self.narrowed(f) => Some(v),
            Err(reason) => {
                self.unverifiable(what, reason, f.at, resource, identity);
                None
            }
        }
    }

    /// The value of a field with alternatives under the current sites' choices: the one value
    /// every alternative they leave open agrees on (the subnet's `isV2 ? [delegation] : []`
    /// is `[]` where the instance is Developer or Premium); `None` when they differ.
    fn narrowed<'f, T: PartialEq>(&self, f: &'f Field<T>) -> Option<&'f T> {
        let when = self.when.as_ref()?;
        let mut fits = f.alts().iter().filter(|a| when.and(&a.when).is_some());
        let first = fits.next()?;
        fits.all(|a| a.val == first.val).then_some(&first.val)
    }
}

/// The outcome of the rules: diagnostics, and how many instances were found and left undecided.
#[derive(Clone, Debug, Default)]
pub struct Checked {
    pub diagnostics: Vec<Diagnostic>,
    /// API Management instances found (declared, or inside a module that is not loaded).
    pub instances: usize,
    /// Instances with at least one check undecided (an STV002 about them).
    pub instances_undecided: usize,
    /// Declarations of instances these inputs do not deploy (an STV006 each).
    pub instances_not_deployed: usize,
}

/// Run the selected rules over a linked workspace.
pub fn run(
    ws: &Workspace,
    opts: &Options,
    selected: impl Fn(Code) -> bool + Sync + Send,
) -> Vec<Diagnostic> {
    check(ws, opts, selected).diagnostics
}

/// Run the selected rules once per deployment unit, each with its own declarations, and in
/// every world of that view's plan, merging what they found (DESIGN.md §3): a finding in every
/// alternative where its instance is in scope keeps its severity (the lowest across
/// alternatives); in only some, it is a warning that names them. The same finding in several
/// deployments is reported once, naming them.
pub fn check(
    ws: &Workspace,
    opts: &Options,
    selected: impl Fn(Code) -> bool + Sync + Send,
) -> Checked {
    finish(&ws.units, vec![check_part(ws, opts, selected)], Vec::new())
}

/// What the rules found in one part of a run, before the findings of all parts are merged
/// ([`finish`]): a streamed run checks its parts one at a time and drops each one's model.
pub struct Partial {
    /// Each deployment view's findings, in view (unit) order.
    views: Vec<(UnitId, Vec<Diagnostic>)>,
    /// Instances declared, and those with a check left undecided in some view.
    apims: usize,
    undecided: usize,
    /// What [`crate::model::switched_off`] reads, and the instances of modules not loaded.
    deployed: Vec<Span>,
    not_deployed: Vec<crate::model::NotDeployed>,
    unloaded: Vec<crate::model::UnloadedApim>,
}

impl Partial {
    /// Take again from `ws` what the run's totals read of it (instances not deployed, module
    /// calls that deploy one, modules not loaded): a loader may record them on the run's own
    /// workspace after its part was checked (the Terraform module graph, in a streamed run).
    pub fn recount(&mut self, ws: &Workspace) {
        self.deployed = ws.deployed().into_iter().collect();
        self.not_deployed = ws.not_deployed.clone();
        self.unloaded = ws.unloaded_apims.clone();
    }

    /// One copy of each advice text among the findings of every part `seen` has seen: the
    /// same help follows the same problem in every deployment of a large repository.
    pub fn share_help(&mut self, seen: &mut std::collections::HashSet<std::sync::Arc<str>>) {
        for d in self.views.iter_mut().flat_map(|(_, l)| l.iter_mut()) {
            if let Some(h) = &mut d.help {
                match seen.get(&**h) {
                    Some(one) => *h = one.clone(),
                    None => {
                        seen.insert(h.clone());
                    }
                }
            }
        }
    }
}

/// Run the selected rules over one linked part of a run.
pub fn check_part(
    ws: &Workspace,
    opts: &Options,
    selected: impl Fn(Code) -> bool + Sync + Send,
) -> Partial {
    // Instances (by index into `ws.apims`) with a check left undecided in some view.
    let mut undecided = vec![false; ws.apims.len()];
    // Each view on a worker; its findings and undecided instances merged in view order below.
    let views = ws.views();
    // Each instance's index in `ws.apims` by address: a scan per instance was quadratic.
    let index: HashMap<usize, usize> = ws
        .apims
        .iter()
        .enumerate()
        .map(|(i, a)| (a as *const Apim as usize, i))
        .collect();
    let checked = crate::parallel::map(&views, |(unit, apims)| {
        let (mut found, open) = check_view(ws, opts, &selected, *unit, apims, &index);
        found.iter_mut().for_each(Diagnostic::shrink);
        (found, open)
    });
    let mut found = Vec::with_capacity(views.len());
    for ((unit, _), (diags, open)) in views.iter().zip(checked) {
        for k in open {
            undecided[k] = true;
        }
        found.push((*unit, diags));
    }
    Partial {
        views: found,
        apims: ws.apims.len(),
        undecided: undecided.iter().filter(|u| **u).count(),
        deployed: ws.deployed().into_iter().collect(),
        not_deployed: ws.not_deployed.clone(),
        unloaded: ws.unloaded_apims.clone(),
    }
}

/// The run's findings from what its parts found, in order: the same finding in several
/// deployments is reported once, naming them, and the run's totals are summed.
/// `lead`: the findings that come before the rules' (the loaders'), moved into the same list
/// (a large run holds tens of thousands of findings: one list, sized once).
pub fn finish(units: &[crate::model::Unit], parts: Vec<Partial>, lead: Vec<Diagnostic>) -> Checked {
    // Each distinct finding once, with the units it holds in; keyed by a hash of what makes
    // two the same, so that tens of thousands of messages are not copied into the keys.
    let found: usize = parts
        .iter()
        .flat_map(|p| &p.views)
        .map(|(_, l)| l.len())
        .sum();
    let first = lead.len();
    let mut out: Vec<Diagnostic> = lead;
    out.reserve_exact(found + 64);
    let mut holds: Vec<Vec<UnitId>> = Vec::new();
    let hasher = foldhash::fast::RandomState::default();
    let mut seen: HashMap<u64, Vec<usize>, foldhash::fast::RandomState> = HashMap::default();
    let (mut apims, mut undecided) = (0, 0);
    let mut deployed: std::collections::HashSet<Span> = Default::default();
    let mut undeployed = Vec::new();
    let mut unloaded: Vec<crate::model::UnloadedApim> = Vec::new();
    let mut unloaded_at: std::collections::HashSet<Span> = Default::default();
    for (n, part) in parts.into_iter().enumerate() {
        apims += part.apims;
        undecided += part.undecided;
        deployed.extend(part.deployed);
        undeployed.extend(part.not_deployed);
        for u in part.unloaded {
            // A module called by the roots of several parts is one call, as in one workspace.
            if unloaded_at.insert(u.at) || n == 0 {
                unloaded.push(u);
            }
        }
        for (unit, found) in part.views {
            for mut d in found {
                if d.identity.is_empty() {
                    d.identity = format!("{}|{}", d.resource.as_deref().unwrap_or(""), d.message);
                }
                use std::hash::BuildHasher;
                let key = hasher.hash_one((d.code, d.span, d.message.as_str(), d.severity));
                let same = seen.entry(key).or_default();
                let known = same.iter().copied().find(|&i| {
                    let o = &out[first + i];
                    (o.code, o.span, o.severity) == (d.code, d.span, d.severity)
                        && o.message == d.message
                });
                match known {
                    Some(i) => holds[i].push(unit),
                    None => {
                        same.push(out.len() - first);
                        out.push(d);
                        holds.push(vec![unit]);
                    }
                }
            }
        }
    }
    let unit_of = |u: UnitId| {
        (u != UnitId::NONE)
            .then(|| units.get(u.0 as usize))
            .flatten()
    };
    // Stage counts (`Workspace::stages_of`) counted once for every template: counting them
    // again for each unit was quadratic in the units.
    let mut per_group: HashMap<&str, usize> = HashMap::new();
    for u in units {
        *per_group.entry(u.group.as_str()).or_default() += 1;
    }
    let several = |u: UnitId| unit_of(u).map_or(0, |x| per_group[x.group.as_str()]) > 1;
    drop(seen);
    for (d, list) in out[first..].iter_mut().zip(holds) {
        name_deployments(&unit_of, d, &list, several);
    }
    let mut diagnostics = out;
    // A module call switched off by the inputs is said so (STV006), not said to be unloaded.
    let switched_off = crate::model::switched_off(&deployed, &undeployed);
    let off: std::collections::HashSet<Span> = switched_off.iter().map(|n| n.at).collect();
    let unloaded: Vec<_> = unloaded.iter().filter(|m| !off.contains(&m.at)).collect();
    for m in &unloaded {
        diagnostics.push(
            Diagnostic::new(
                Code::Stv002,
                Severity::Info,
                format!(
                    "module '{}' ({}) deploys API Management and is not loaded, so that instance is not checked",
                    m.module, m.why
                ),
            )
            .at(Some(m.at))
            .resource(&m.label)
            .label("module not loaded: its API Management is not checked")
            .help("Lint the module's source too (a local copy or the module's repository), or declare the instance in the files checked.")
            .identity(format!("unloaded-apim|{}", m.module)),
        );
    }
    let unloaded = unloaded.len();
    let not_deployed = not_deployed(&switched_off);
    let instances_not_deployed = not_deployed.len();
    diagnostics.extend(not_deployed);
    Checked {
        diagnostics,
        instances: apims + unloaded,
        instances_undecided: undecided + unloaded,
        instances_not_deployed,
    }
}

/// An `STV006` for each declaration of an instance that no deployment of the run deploys
/// ([`Workspace::switched_off`]).
fn not_deployed(switched_off: &[&crate::model::NotDeployed]) -> Vec<Diagnostic> {
    switched_off
        .iter()
        .map(|n| {
            Diagnostic::new(
                Code::Stv006,
                Severity::Info,
                format!(
                    "{} is declared but not deployed with these inputs ({}), so none of its API Management checks ran",
                    n.label, n.why
                ),
            )
            .at(Some(n.at))
            .resource(&n.label)
            .label("not deployed with these inputs")
            .help("Lint it with the inputs of the deployment that creates it (a parameter file, --var-file, --var or --parameters), so that its network is checked.")
            .identity(format!("not-deployed|{}", n.label))
        })
        .collect()
}

/// One deployment unit's view: what the selected rules found, and the instances (by index into
/// `ws.apims`) with a check left undecided.
fn check_view(
    ws: &Workspace,
    opts: &Options,
    selected: &dyn Fn(Code) -> bool,
    unit: UnitId,
    apims: &[&Apim],
    index: &HashMap<usize, usize>,
) -> (Vec<Diagnostic>, Vec<usize>) {
    let index_of = |a: &Apim| index.get(&(a as *const Apim as usize)).copied();
    let plan = Plan::new(ws, apims.to_vec(), Some(unit));
    let mut open: Vec<usize> = Vec::new();
    for (i, u) in plan.undecided.iter().enumerate() {
        if *u {
            open.extend(index_of(plan.apims[i]));
        }
    }
    let mut found = plan.preflight.clone();
    let ctxs = plan.ctxs(opts);
    for rule in RULES {
        let Some(check) = rule.check else { continue };
        if !selected(rule.code) {
            continue;
        }
        for (d, about) in run_rule(&plan, &ctxs, rule, check) {
            if d.code == Code::Stv002 {
                for (i, _) in &about {
                    open.extend(plan.apims.get(*i).and_then(|a| index_of(a)));
                }
            }
            found.push(d);
        }
    }
    (found, open)
}

/// Name the deployments a finding holds in; a template deployed in several stages says which
/// stages in the message too.
fn name_deployments<'u>(
    unit_of: &impl Fn(UnitId) -> Option<&'u crate::model::Unit>,
    d: &mut Diagnostic,
    units: &[UnitId],
    mut several: impl FnMut(UnitId) -> bool,
) {
    let mut stages = Vec::new();
    for &u in units {
        let Some(unit) = unit_of(u) else { continue };
        d.deployments.push(unit.name.clone());
        if several(u) {
            // The file name is enough in a message; `deployments` carries the path. A
            // `terraform.tfvars` in a folder per environment is named by its folder too.
            let short = unit.stage.as_deref().map(|p| {
                let p = std::path::Path::new(p);
                let name = p
                    .file_name()
                    .map_or(p.to_string_lossy(), |n| n.to_string_lossy());
                match p.parent().and_then(|d| d.file_name()) {
                    Some(env) if name.to_ascii_lowercase().starts_with("terraform.tfvars") => {
                        format!("{}/{name}", env.to_string_lossy())
                    }
                    _ => name.into_owned(),
                }
            });
            stages.push(short.unwrap_or_else(|| "default parameters".into()));
        }
    }
    d.deployments.sort();
    d.deployments.dedup();
    stages.sort();
    stages.dedup();
    if !stages.is_empty() {
        let word = if stages.len() == 1 { "stage" } else { "stages" };
        d.message = format!("{} ({word} {})", d.message, stages.join(", "));
    }
}

/// One rule in every world of the plan (`ctxs`: [`Plan::ctxs`]), merged.
pub(crate) fn run_rule(
    plan: &Plan,
    ctxs: &[Ctx],
    rule: &'static Rule,
    check: fn(&Ctx, &mut Sink),
) -> Vec<(Diagnostic, Vec<(usize, usize)>)> {
    let mut found: Vec<Emission> = Vec::new();
    for (w, ctx) in ctxs.iter().enumerate() {
        let mut sink = Sink::new(rule);
        check(ctx, &mut sink);
        for ((d, about), whole) in sink.out.into_iter().zip(sink.about).zip(sink.whole) {
            found.push(Emission {
                d,
                about,
                whole,
                world: w,
            });
        }
    }
    merge(plan, found)
}

struct Emission {
    d: Diagnostic,
    /// The sites the rule said it is about; empty: every instance of its world.
    about: Vec<(usize, usize)>,
    /// About an instance as a whole: its out-of-scope alternatives are no other case of it.
    whole: bool,
    world: usize,
}

/// One diagnostic per finding: the emissions of all worlds with the same code, place and
/// identity are one finding, certain when every in-scope variant of every instance it is
/// about reported it. Returns each with the sites it is explicitly about.
fn merge(plan: &Plan, found: Vec<Emission>) -> Vec<(Diagnostic, Vec<(usize, usize)>)> {
    if plan.worlds.len() == 1 && !plan.out_of_scope.contains(&true) {
        return found.into_iter().map(|e| (e.d, e.about)).collect();
    }
    let mut groups: Vec<(Diagnostic, Vec<Emission>)> = Vec::new();
    let mut index: std::collections::HashMap<(Code, Option<Span>, String), usize> =
        std::collections::HashMap::new();
    for e in found {
        let key = (e.d.code, e.d.span, e.d.identity.clone());
        match index.get(&key) {
            Some(&g) => groups[g].1.push(e),
            None => {
                index.insert(key, groups.len());
                groups.push((e.d.clone(), vec![e]));
            }
        }
    }
    // The (instance, variant) pairs each emission stands for.
    let pairs = |e: &Emission| -> Vec<(usize, usize)> {
        if e.about.is_empty() {
            plan.worlds[e.world]
                .iter()
                .enumerate()
                .filter_map(|(i, v)| v.map(|v| (i, v)))
                .collect()
        } else {
            e.about.clone()
        }
    };
    // Where the rule found something of each code: an instance every variant of which has a
    // finding of the code is broken whichever way its choices go, even when each variant's
    // finding is about another resource (one NSG per branch, each without the rule): those keep
    // their severity. An STV002 of the rule (a branch it could not decide) is not a finding,
    // and a branch counts at the most severe finding it has.
    let mut anywhere: HashMap<(Code, usize, usize), Severity> = HashMap::new();
    for (d, es) in groups.iter().filter(|(d, _)| d.code != Code::Stv002) {
        for e in es {
            for (i, v) in pairs(e) {
                let s = anywhere.entry((d.code, i, v)).or_insert(e.d.severity);
                *s = (*s).max(e.d.severity);
            }
        }
    }
    let everywhere = |code: Code, i: usize, at_least: Severity| {
        !plan.out_of_scope[i]
            && (0..plan.variants[i].len())
                .all(|v| anywhere.get(&(code, i, v)).is_some_and(|s| *s >= at_least))
    };
    let mut out = Vec::new();
    for (mut d, emissions) in groups {
        let mut covered: Vec<(usize, usize)> = emissions.iter().flat_map(pairs).collect();
        covered.sort_unstable();
        covered.dedup();
        let partial: Vec<usize> = {
            let mut insts: Vec<usize> = covered.iter().map(|(i, _)| *i).collect();
            insts.dedup();
            insts
                .into_iter()
                .filter(|i| {
                    (plan.out_of_scope[*i] && !emissions.iter().all(|e| e.whole))
                        || covered.iter().filter(|(x, _)| x == i).count() < plan.variants[*i].len()
                })
                .collect()
        };
        let lowest = emissions
            .iter()
            .map(|e| e.d.severity)
            .min()
            .unwrap_or(d.severity);
        d.severity = lowest;
        if !partial.is_empty() {
            // The alternatives it holds in: per emission, the chosen values of the partial instances.
            let mut whens: Vec<String> = Vec::new();
            let mut inferred = false;
            for e in &emissions {
                let parts: Vec<String> = pairs(e)
                    .into_iter()
                    .filter(|(i, _)| partial.contains(i))
                    .map(|(i, v)| {
                        let var = &plan.variants[i][v];
                        inferred |= var
                            .when
                            .0
                            .iter()
                            .any(|(c, _)| &**c == context::INFERRED_TIER);
                        describe_variant(plan, i, v)
                    })
                    .collect();
                let w = parts.join(" and ");
                if !w.is_empty() && !whens.contains(&w) {
                    whens.push(w);
                }
            }
            let when = whens.join(", or when ");
            if inferred && d.code != Code::Stv002 {
                d.message = format!(
                    "{} could not be decided: it holds only when {when}, and the tier is not known: {}",
                    d.code, d.message
                );
                // The tier was inferred, not written: no "the tier is set here", and the fix
                // is to say which tier it is.
                d.related.retain(|r| !r.message.starts_with("the tier"));
                d.help = Some(format!(
                    "Give the tier a value (a literal, a default or a parameter-file value) so that {} can be decided.",
                    d.code
                ).into());
                d.code = Code::Stv002;
                d.severity = Severity::Info;
            } else {
                d.message = format!("{} (when {when})", d.message);
                if !partial.iter().all(|&i| everywhere(d.code, i, d.severity)) {
                    d.severity = d.severity.min(Severity::Warning);
                }
            }
        }
        let about: Vec<(usize, usize)> = emissions
            .iter()
            .flat_map(|e| e.about.iter().copied())
            .collect();
        out.push((d, about));
    }
    out
}

/// `the tier is 'Premium' (var.env == "prod" is true)`: the values that set this variant apart
/// from the instance's others, and the choices that lead to them.
fn describe_variant(plan: &Plan, i: usize, v: usize) -> String {
    let vars = &plan.variants[i];
    let var = &vars[v];
    // An instance with out-of-scope alternatives: even what all its variants share sets them
    // apart from those.
    let own: Vec<String> = var
        .facts
        .iter()
        .filter(|f| plan.out_of_scope[i] || !vars.iter().all(|o| o.facts.contains(f)))
        .map(|(what, val)| format!("{what} is {val}"))
        .collect();
    // `parameter 'apimSku' is 'Premium'` says both the field and the value.
    if let [(what, val)] = var.facts.as_slice() {
        if own.len() == 1 && var.when.0.len() == 1 {
            let (k, v) = context::case(what, val, &var.when);
            return format!("{k} is {v}");
        }
    }
    let choices = var.when.describe();
    match (own.is_empty(), choices.is_empty()) {
        (true, _) => choices,
        (false, true) => own.join(" and "),
        (false, false)
            if var
                .when
                .0
                .iter()
                .all(|(c, _)| &**c == context::INFERRED_TIER) =>
        {
            own.join(" and ")
        }
        (false, false) => format!("{} ({choices})", own.join(" and ")),
    }
}

/// Convenience for rules: the label of an APIM location for messages.
pub fn location_label(apim: &Apim, loc: &ApimLocation) -> String {
    let region = loc.location.get().cloned().unwrap_or_default();
    if loc.primary {
        format!("API Management '{}'", apim.meta.name)
    } else {
        format!(
            "API Management '{}' (additional location {})",
            apim.meta.name, region
        )
    }
}

/// A finding about a part whose presence is still open in this case (a security rule no flow
/// can meet is not split on, see `context::split_parts`): it holds only where the part is
/// deployed, under the choices `when` ([`crate::model::deployed_together`]), so it is at most a
/// warning and says so. Unchanged when the part is always deployed.
pub fn when_deployed(mut d: Diagnostic, what: &str, when: &[crate::model::Cond]) -> Diagnostic {
    if when.iter().any(|c| c.is_empty()) {
        return d;
    }
    let choices: Vec<String> = when.iter().map(|c| c.describe()).collect();
    d.message = format!(
        "{} (when {what} is deployed ({}))",
        d.message,
        choices.join(", or ")
    );
    d.severity = d.severity.min(Severity::Warning);
    d
}

/// Where a finding about one part of a declaration is underlined: the field a person edits
/// (`at`) when it is written inside `decl` — not a `dynamic` block's template, a variable or a
/// parameter file elsewhere — and the whole declaration otherwise.
pub fn field_in(at: Option<Span>, decl: Span) -> Span {
    at.filter(|a| a.file == decl.file && a.start >= decl.start && a.end <= decl.end)
        .unwrap_or(decl)
}

#[cfg(test)]
mod field_in_tests {
    use super::field_in;
    use crate::source::{FileId, Span};

    #[test]
    fn a_field_inside_the_declaration_is_underlined_else_the_declaration() {
        let decl = Span::new(FileId(0), 100, 400);
        let inside = Span::new(FileId(0), 150, 170);
        assert_eq!(field_in(Some(inside), decl), inside);
        // Written elsewhere: a template in the same file, or another file (a tfvars value).
        assert_eq!(field_in(Some(Span::new(FileId(0), 20, 40)), decl), decl);
        assert_eq!(field_in(Some(Span::new(FileId(1), 150, 170)), decl), decl);
        // Straddling the end, or not written at all.
        assert_eq!(field_in(Some(Span::new(FileId(0), 390, 410)), decl), decl);
        assert_eq!(field_in(None, decl), decl);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An undecided check's STV002 names its rule, so that a suppression of the rule covers it.
    #[test]
    fn an_unverifiable_note_names_its_rule() {
        let mut sink = Sink::new(rule(Code::Stv201));
        sink.unverifiable("the NSG", "its id is a parameter", None, "nsg", "x");
        let d = &sink.out[0];
        assert_eq!((d.code, d.for_rule), (Code::Stv002, Some(Code::Stv201)));
        assert!(
            d.message.starts_with("STV201 the NSG could not be checked"),
            "{}",
            d.message
        );
    }
}
