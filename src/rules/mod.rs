//! The rule registry. A rule is a plain function over the linked model (selene's shape): it
//! never sees syntax, so one rule serves ARM, Bicep and Terraform alike.

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Apim, ApimLocation, Field, UnitId, Workspace};
use crate::source::Span;
use std::collections::HashMap;

mod context;
pub use context::{Ctx, Options, Resolved, Site};

pub mod flows;

// Helpers shared by several rules.
mod public_ip;
mod routing;
mod sizing;
#[cfg(test)]
pub(crate) mod testkit;

mod default_route_blackhole;
mod forced_tunnel_without_apim_route;
mod inbound_clients_443;
mod inbound_load_balancer_6390;
mod inbound_management_3443;
mod invalid_zones;
mod nsg_missing;
mod outbound_keyvault_443;
mod outbound_sql_1433;
mod outbound_storage_443;
mod public_ip_no_dns_label;
mod public_ip_not_ipv4_static;
mod public_ip_not_standard;
mod rule_mismatch;
mod service_endpoints_missing;
mod side_by_side_headroom;
mod stv1_api_version;
mod subnet_delegated;
mod subnet_missing;
mod subnet_too_small;
mod units_not_divisible_by_zones;
mod vnet_injection_sku;
mod zones_require_premium;

pub struct Rule {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    /// The rule's page (`rules/CODE.md`), embedded at build time.
    pub page: &'static str,
    /// `None` for the codes the engine itself emits (STV001–STV005).
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
        code: "STV001",
        name: "parse-error",
        severity: Severity::Error,
        summary: "A file that should be linted cannot be read or parsed",
        page: page!("STV001"),
        check: None,
    },
    Rule {
        code: "STV002",
        name: "unverifiable",
        severity: Severity::Info,
        summary: "A check could not decide because a value is unknown",
        page: page!("STV002"),
        check: None,
    },
    Rule {
        code: "STV003",
        name: "invalid-suppression",
        severity: Severity::Warning,
        summary: "A suppression comment names an unknown code or gives no reason",
        page: page!("STV003"),
        check: None,
    },
    Rule {
        code: "STV004",
        name: "unused-suppression",
        severity: Severity::Warning,
        summary: "A suppression comment suppresses nothing",
        page: page!("STV004"),
        check: None,
    },
    Rule {
        code: "STV005",
        name: "tolerated-syntax",
        severity: Severity::Warning,
        summary: "A file parses only because Azure tolerates syntax that strict parsers reject",
        page: page!("STV005"),
        check: None,
    },
    vnet_injection_sku::RULE,
    stv1_api_version::RULE,
    subnet_missing::RULE,
    subnet_delegated::RULE,
    subnet_too_small::RULE,
    side_by_side_headroom::RULE,
    nsg_missing::RULE,
    inbound_management_3443::RULE,
    inbound_load_balancer_6390::RULE,
    inbound_clients_443::RULE,
    outbound_storage_443::RULE,
    outbound_sql_1433::RULE,
    outbound_keyvault_443::RULE,
    rule_mismatch::RULE,
    public_ip_not_standard::RULE,
    public_ip_not_ipv4_static::RULE,
    public_ip_no_dns_label::RULE,
    zones_require_premium::RULE,
    invalid_zones::RULE,
    units_not_divisible_by_zones::RULE,
    forced_tunnel_without_apim_route::RULE,
    service_endpoints_missing::RULE,
    default_route_blackhole::RULE,
];

pub fn find(code: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.code.eq_ignore_ascii_case(code))
}

/// Where a rule's diagnostics go. It stamps the rule's code and default severity, and turns
/// "cannot tell" into one STV002 that names the check and the unknown.
pub struct Sink {
    pub rule: &'static Rule,
    pub out: Vec<Diagnostic>,
}

impl Sink {
    pub fn new(rule: &'static Rule) -> Sink {
        Sink {
            rule,
            out: Vec::new(),
        }
    }

    /// A diagnostic of this rule with its default severity.
    pub fn diag(&self, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(self.rule.code, self.rule.severity, message)
    }

    pub fn emit(&mut self, d: Diagnostic) {
        self.out.push(d);
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
            "STV002",
            Severity::Info,
            format!(
                "{} {} could not be checked: {}",
                self.rule.code, what, reason
            ),
        )
        .at(at)
        .resource(resource)
        .help(format!(
            "Give the value a literal, a default or a parameter-file value so that {} ({}) can be verified.",
            self.rule.code, self.rule.name
        ))
        .identity(format!("{}|{}|{}", self.rule.code, identity, what));
        self.out.push(d);
    }

    /// Known value, or STV002 and `None`.
    pub fn require<'f, T>(
        &mut self,
        f: &'f Field<T>,
        what: &str,
        resource: &str,
        identity: &str,
    ) -> Option<&'f T> {
        match &f.val {
            Ok(v) => Some(v),
            Err(reason) => {
                self.unverifiable(what, reason, f.at, resource, identity);
                None
            }
        }
    }
}

/// Run the selected rules over a linked workspace: once per deployment unit, each with its own
/// declarations; the same finding in several deployments is reported once, naming them.
pub fn run(ws: &Workspace, opts: &Options, selected: impl Fn(&str) -> bool) -> Vec<Diagnostic> {
    let mut out: Vec<(Diagnostic, Vec<UnitId>)> = Vec::new();
    let mut seen: HashMap<(&'static str, Option<Span>, String, Severity), usize> = HashMap::new();
    for (unit, apims) in ws.views() {
        let ctx = Ctx::of(ws, opts, apims, Some(unit));
        let mut found = ctx.preflight.clone();
        for rule in RULES {
            let Some(check) = rule.check else { continue };
            if !selected(rule.code) {
                continue;
            }
            let mut sink = Sink::new(rule);
            check(&ctx, &mut sink);
            found.append(&mut sink.out);
        }
        for mut d in found {
            if d.identity.is_empty() {
                d.identity = format!("{}|{}", d.resource.as_deref().unwrap_or(""), d.message);
            }
            let key = (d.code, d.span, d.message.clone(), d.severity);
            match seen.get(&key) {
                Some(&i) => out[i].1.push(unit),
                None => {
                    seen.insert(key, out.len());
                    out.push((d, vec![unit]));
                }
            }
        }
    }
    // Stage counts once per unit, not once per finding.
    let mut stages: HashMap<UnitId, usize> = HashMap::new();
    out.into_iter()
        .map(|(d, units)| {
            let several = |u: UnitId| *stages.entry(u).or_insert_with(|| ws.stages_of(u)) > 1;
            name_deployments(ws, d, &units, several)
        })
        .collect()
}

/// Name the deployments a finding holds in; a template deployed in several stages says which
/// stages in the message too.
fn name_deployments(
    ws: &Workspace,
    mut d: Diagnostic,
    units: &[UnitId],
    mut several: impl FnMut(UnitId) -> bool,
) -> Diagnostic {
    let mut stages = Vec::new();
    for &u in units {
        let Some(unit) = ws.unit(u) else { continue };
        d.deployments.push(unit.name.clone());
        if several(u) {
            // The file name is enough in a message; `deployments` carries the path.
            let short = unit.stage.as_deref().map(|p| {
                std::path::Path::new(p)
                    .file_name()
                    .map_or(p.to_string(), |n| n.to_string_lossy().into_owned())
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
    d
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
