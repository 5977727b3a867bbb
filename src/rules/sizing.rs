//! Subnet sizing shared by STV103 (subnet-too-small) and STV104 (side-by-side-headroom): the
//! subnet's parsed prefixes, each location's footprint, and where the finding points.

use super::context::{subnet_identity, Site};
use super::Sink;
use crate::analysis::address::{self, Prefix};
use crate::diagnostic::Diagnostic;
use crate::model::Subnet;

/// The subnet's parsed prefixes, or one STV002 naming the unknown or unparsable value.
pub(super) fn prefixes(sink: &mut Sink, subnet: &Subnet) -> Option<Vec<Prefix>> {
    let id = subnet_identity(subnet);
    let list = sink.require(&subnet.prefixes, "the subnet size", &subnet.meta.label, &id)?;
    match address::parse_prefixes(list) {
        Ok(p) => Some(p),
        Err(reason) => {
            sink.unverifiable(
                "the subnet size",
                &reason,
                subnet.prefixes.at,
                &subnet.meta.label,
                &id,
            );
            None
        }
    }
}

/// What one location takes from its subnet.
pub(super) struct Usage<'c, 'a> {
    pub site: &'c Site<'a>,
    pub units: u64,
    pub need: u64,
}

impl Usage<'_, '_> {
    pub fn describe(&self) -> String {
        let s = self.site;
        let compute = if s.is_developer() {
            "1 for the Developer unit".to_string()
        } else if self.units == 1 {
            format!("2 for its one {} unit", s.sku)
        } else {
            format!("2 for each of {} {} units", self.units, s.sku)
        };
        let ilb = if s.is_internal() {
            " + 1 for the internal load balancer"
        } else {
            ""
        };
        format!("{} needs {} ({compute}{ilb})", s.label(), self.need)
    }
}

/// Footprints of the locations; an unknown unit count gives one STV002 per location and `None`.
/// Developer is one unit whatever its capacity says, so its capacity need not be known.
pub(super) fn usages<'c, 'a>(
    sink: &mut Sink,
    sites: &[&'c Site<'a>],
) -> Option<Vec<Usage<'c, 'a>>> {
    let mut out = Vec::new();
    let mut complete = true;
    for site in sites {
        let units = if site.is_developer() {
            1
        } else {
            sink.about(site);
            match sink.require(
                &site.loc.capacity,
                "the subnet size",
                &site.apim.meta.label,
                &site.identity(),
            ) {
                Some(&n) => u64::try_from(n).unwrap_or(0),
                None => {
                    complete = false;
                    continue;
                }
            }
        };
        out.push(Usage {
            site,
            units,
            need: address::footprint(site.is_developer(), units, site.is_internal()),
        });
    }
    sink.about_sites(sites);
    complete.then_some(out)
}

/// Point at the prefix; relate the value's origin and every instance in the subnet.
pub(super) fn with_context(mut d: Diagnostic, subnet: &Subnet, sites: &[&Site]) -> Diagnostic {
    let at = subnet.prefixes.at.or(Some(subnet.meta.decl));
    d = d
        .at(at)
        .resource(&subnet.meta.label)
        .related(subnet.prefixes.origin(), "the prefix value comes from here");
    for s in sites {
        d = d
            .related(
                s.loc.capacity.at.or(Some(s.loc.decl)),
                format!(
                    "{} ({}, {}) is placed in this subnet",
                    s.label(),
                    s.sku,
                    s.mode
                ),
            )
            .related(s.loc.capacity.origin(), "the unit count comes from here");
    }
    d
}

/// Addresses other resources of the subnet's deployment take in it (R-VNET-8: counted in every
/// size check, R-VNET-6/7), and how a message says so (`""` when none).
pub(super) fn others(ctx: &super::Ctx, subnet: &Subnet) -> (u64, String) {
    let n: u64 = ctx.ws.users_of(subnet).iter().map(|u| u.ips).sum();
    let text = match n {
        0 => String::new(),
        n => format!(
            ", and {n} other address{} in it are taken (STV105)",
            if n == 1 { "" } else { "es" }
        ),
    };
    (n, text)
}

pub(super) fn show_prefixes(prefixes: &[Prefix]) -> String {
    prefixes
        .iter()
        .map(|p| p.net.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// "Give the subnet a /27 prefix or wider (27 usable addresses), {alternative}."
pub(super) fn widen_help(need: u64, alternative: &str) -> String {
    match address::smallest_prefix_for(need) {
        Some(len) => format!(
            "Give the subnet a /{len} prefix or wider ({} usable addresses), {alternative}.",
            (1u64 << (32 - u32::from(len))) - address::RESERVED_PER_PREFIX
        ),
        None => format!("Give the subnet a wider prefix, {alternative}."),
    }
}
