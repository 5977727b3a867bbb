//! STV502 service-endpoints-missing: The subnet lacks service endpoints for Storage, Sql and Key Vault (Event Hubs with an Event Hub logger).

use super::flows::Cond;
use super::routing::{route_table, routes_unknown};
use super::{Ctx, Resolved, Rule, Sink};
use crate::analysis::route::{default_route, path_to_tag, Hop, Via};
use crate::analysis::tags::norm_region;
use crate::code::Code;
use crate::diagnostic::Severity;
use crate::model::Route;

pub const RULE: Rule = Rule {
    code: Code::Stv502,
    name: "service-endpoints-missing",
    // Warning under forced tunnelling (R-UDR-4: the appliance may allow the services); an
    // error only for a same-subnet migration (R-MIG-2).
    severity: Severity::Warning,
    summary: "The subnet lacks service endpoints for Storage, Sql and Key Vault (Event Hubs with an Event Hub logger)",
    page: include_str!("../../rules/STV502.md"),
    check: Some(check),
};

/// The service endpoints API Management's core dependencies need, with the service tag whose
/// route to Internet is an alternative under forced tunnelling.
const NEEDED: &[(&str, &[&str], &str)] = &[
    (
        "Microsoft.Storage",
        &["microsoft.storage", "microsoft.storage.global"],
        "Storage",
    ),
    ("Microsoft.Sql", &["microsoft.sql"], "Sql"),
    (
        "Microsoft.KeyVault",
        &["microsoft.keyvault"],
        "AzureKeyVault",
    ),
    // Listed for forced tunnelling (R-UDR-4) when the instance logs to Event Hubs; not for a
    // same-subnet migration (R-MIG-2).
    ("Microsoft.EventHub", &["microsoft.eventhub"], "EventHub"),
];

/// Service endpoints are needed when something keeps the dependencies off the direct path:
/// forced tunnelling (R-UDR-4: otherwise Storage, SQL and Key Vault traffic goes through the
/// firewall) or a same-subnet stv1 → stv2 migration (R-MIG-2). Without either the subnet
/// reaches them directly and this rule stays silent.
fn check(ctx: &Ctx, sink: &mut Sink) {
    for site in &ctx.sites {
        sink.about(site);
        let Resolved::Found(subnet) = site.subnet else {
            continue;
        };
        let migration = ctx.opts.migration || site.apim.migration_ips;
        // The forced-tunnel default route, when there is one.
        let mut tunnel: Option<(&Route, Hop)> = None;
        let rt = route_table(site, sink).map(|(_, rt)| rt);
        if let Some(rt) = rt {
            match default_route(rt) {
                Ok(Some((r, h))) if h.tunnels() => tunnel = Some((r, h)),
                Ok(_) => {}
                Err((reason, at)) => {
                    sink.emit(routes_unknown(rt, &reason, at));
                    if !migration {
                        continue;
                    }
                }
            }
        }
        if tunnel.is_none() && !migration {
            continue;
        }
        let identity = format!("{}|{}", subnet.meta.key.names.join("/"), site.identity());
        let Some(have) = sink.require(
            &subnet.service_endpoints,
            "service endpoints",
            &subnet.meta.label,
            &identity,
        ) else {
            continue;
        };
        let have: Vec<String> = have.iter().map(|s| s.trim().to_ascii_lowercase()).collect();
        let region = site.region();
        // An endpoint whose `locations` leave out the instance's region adds no route for its
        // services there (the endpoint's routes cover only the listed regions).
        let serves = |a: &str| {
            have.iter().any(|h| h == a)
                && subnet
                    .endpoint_locations
                    .iter()
                    .filter(|(s, _)| s.trim().eq_ignore_ascii_case(a))
                    .all(|(_, locs)| {
                        region.as_deref().map_or(true, |r| {
                            locs.iter().any(|l| norm_region(l) == norm_region(r))
                        })
                    })
        };
        let mut missing = Vec::new();
        let mut limited = Vec::new();
        for (name, accepted, tag) in NEEDED {
            if accepted.iter().any(|a| serves(a)) {
                continue;
            }
            // Event Hubs carries only what an Event Hub logger sends (F14, R-FEAT-1): needed
            // under forced tunnelling when the instance has one.
            if *name == "Microsoft.EventHub"
                && (tunnel.is_none() || Cond::EventhubLogger.holds(site).is_none())
            {
                continue;
            }
            if accepted.iter().any(|a| have.iter().any(|h| h == a)) {
                limited.push(*name);
            }
            if !migration {
                // SQL lives in the primary region: a secondary location's subnet does not need it.
                if *name == "Microsoft.Sql" && !site.loc.primary {
                    continue;
                }
                // Routing the service's tag straight to Internet also keeps it off the tunnel.
                if let Some(rt) = rt {
                    if let Ok(p) = path_to_tag(rt, tag, site.region().as_deref()) {
                        if p.hop == Hop::Internet && !matches!(p.via, Via::Default | Via::System) {
                            continue;
                        }
                        // A tag route to None drops it whatever the endpoints (STV503).
                        if p.hop == Hop::None && !matches!(p.via, Via::Default | Via::System) {
                            continue;
                        }
                    }
                }
            }
            missing.push(*name);
        }
        if missing.is_empty() {
            continue;
        }
        let subnet_name = subnet.meta.key.names.join("/");
        let mut why = match tunnel {
            Some((r, h)) => format!(
                "route '{}' forces all outbound traffic to {h:?}, so Storage, SQL{} traffic would go through it",
                r.name,
                if missing.contains(&"Microsoft.EventHub") {
                    ", Key Vault and Event Hubs"
                } else {
                    " and Key Vault"
                }
            ),
            None => "a same-subnet migration to stv2 needs them".to_string(),
        };
        if !limited.is_empty() {
            why.push_str(&format!(
                " ({} limited by `locations` to regions without '{}')",
                limited.join(", "),
                region.as_deref().unwrap_or_default()
            ));
        }
        let at = if subnet.service_endpoints.is_implicit() {
            Some(subnet.meta.decl)
        } else {
            subnet.service_endpoints.at.or(Some(subnet.meta.decl))
        };
        let d = sink
            .diag(format!(
                "subnet '{subnet_name}' has no service endpoint for {}: {why}",
                missing.join(", ")
            ))
            .at(at)
            .label({
                let l = format!("no service endpoint for {}", missing.join(", "));
                if l.len() <= 80 {
                    l
                } else {
                    let short: Vec<&str> = missing
                        .iter()
                        .map(|m| m.trim_start_matches("Microsoft."))
                        .collect();
                    format!("no service endpoint for {}", short.join(", "))
                }
            })
            .resource(&subnet.meta.label)
            .help(format!(
                "Add service endpoints {} to subnet '{subnet_name}'.",
                missing.join(", ")
            ))
            .related(
                tunnel.map(|(r, _)| r.decl),
                "the forced-tunnel default route",
            )
            .related(Some(site.loc.decl), format!("used by {}", site.label()))
            .identity(format!("{identity}|{}", missing.join(",")));
        let mut d = d;
        if migration {
            d.severity = Severity::Error;
        }
        sink.emit(d);
    }
}
