//! What every rule starts from: each VNet-injected location of each classic-tier instance, with
//! its subnet, NSG, route table and public IP already resolved through the model.

use crate::analysis::tags::norm_region;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{
    Apim, ApimLocation, Field, Nsg, PublicIp, RouteTable, Subnet, UnitId, Workspace,
};
use crate::source::Span;

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
    /// The instances this view checks: one deployment's (see [`Ctx::of`]).
    pub apims: Vec<&'a Apim>,
    pub opts: &'a Options,
    /// In-scope locations; instances whose SKU or mode is unknown are left out (with an STV002
    /// in `preflight`), v2 tiers and non-injected instances are left out silently.
    pub sites: Vec<Site<'a>>,
    pub preflight: Vec<Diagnostic>,
}

impl<'a> Ctx<'a> {
    pub fn new(ws: &'a Workspace, opts: &'a Options) -> Ctx<'a> {
        Ctx::of(ws, opts, ws.apims.iter().collect(), None)
    }

    /// The view of some instances from one deployment: their references resolve from that
    /// deployment first (`None`: each instance's own).
    pub fn of(
        ws: &'a Workspace,
        opts: &'a Options,
        apims: Vec<&'a Apim>,
        from: Option<UnitId>,
    ) -> Ctx<'a> {
        let mut sites = Vec::new();
        let mut preflight = Vec::new();
        for &apim in &apims {
            let (sku, mode) = match (&apim.sku.val, &apim.vnet_type.val) {
                // Trimmed, as STV010 compares them: stray spaces must not drop an instance.
                (Ok(s), Ok(m)) => (s.trim(), m.trim()),
                (Err(reason), _) | (_, Err(reason)) => {
                    let f = if apim.sku.val.is_err() {
                        &apim.sku
                    } else {
                        &apim.vnet_type
                    };
                    // A v2 or non-injected instance needs no checks even if the other is unknown.
                    let known_out = apim
                        .sku
                        .get()
                        .is_some_and(|s| V2.contains(&s.to_ascii_lowercase().as_str()))
                        || apim
                            .vnet_type
                            .get()
                            .is_some_and(|m| m.eq_ignore_ascii_case("none"));
                    if !known_out {
                        preflight.push(
                            Diagnostic::new(
                                "STV002",
                                Severity::Info,
                                format!(
                                    "the network checks of API Management '{}' could not run: {}",
                                    apim.meta.name, reason
                                ),
                            )
                            .at(f.at.or(Some(apim.meta.decl)))
                            .resource(&apim.meta.label)
                            .related(f.origin, "the value comes from here")
                            .help("Give the SKU and virtualNetworkType literal values, defaults or parameter-file values.")
                            .identity(format!("scope|{}", apim.meta.key.names.join("/"))),
                        );
                    }
                    continue;
                }
            };
            let lsku = sku.to_ascii_lowercase();
            if !INJECTABLE.contains(&lsku.as_str()) || mode.eq_ignore_ascii_case("none") {
                continue;
            }
            for loc in &apim.locations {
                let unit = from.unwrap_or(apim.meta.unit);
                let subnet = resolve(&loc.subnet, "subnet", |id| ws.subnet_in(id, unit));
                let (nsg, route_table) = match &subnet {
                    Resolved::Found(s) => (
                        resolve(&s.nsg, "network security group", |id| {
                            ws.nsg_in(id, s.meta.unit)
                        }),
                        resolve(&s.route_table, "route table", |id| {
                            ws.route_table_in(id, s.meta.unit)
                        }),
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
                let public_ip = resolve(&loc.public_ip, "public IP address", |id| {
                    ws.public_ip_in(id, unit)
                });
                sites.push(Site {
                    apim,
                    loc,
                    mode,
                    sku,
                    subnet,
                    nsg,
                    route_table,
                    public_ip,
                });
            }
        }
        Ctx {
            ws,
            apims,
            opts,
            sites,
            preflight,
        }
    }

    /// Each resolved subnet once, with the in-scope locations placed in it, in declaration order.
    pub fn subnets<'c>(&'c self) -> Vec<(&'a Subnet, Vec<&'c Site<'a>>)> {
        group(&self.sites, |s| s.subnet.found())
    }

    /// Each resolved public IP once, with the in-scope locations that use it.
    pub fn public_ips<'c>(&'c self) -> Vec<(&'a PublicIp, Vec<&'c Site<'a>>)> {
        group(&self.sites, |s| s.public_ip.found())
    }
}

/// Sites grouped by the resource they resolve to (compared by identity, not by value).
fn group<'c, 'a, T>(
    sites: &'c [Site<'a>],
    of: impl Fn(&Site<'a>) -> Option<&'a T>,
) -> Vec<(&'a T, Vec<&'c Site<'a>>)> {
    let mut out: Vec<(&'a T, Vec<&'c Site<'a>>)> = Vec::new();
    for site in sites {
        let Some(r) = of(site) else {
            continue;
        };
        match out.iter_mut().find(|(x, _)| std::ptr::eq(*x, r)) {
            Some((_, list)) => list.push(site),
            None => out.push((r, vec![site])),
        }
    }
    out
}

fn resolve<'a, T>(
    field: &Option<Field<String>>,
    what: &str,
    lookup: impl Fn(&str) -> Option<&'a T>,
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
                reason: format!(
                    "the {what} '{}' is not declared in the files checked",
                    short_id(id)
                ),
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
