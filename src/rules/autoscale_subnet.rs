//! STV408 autoscale-subnet: the subnet cannot hold the instance at its autoscale maximum.

use super::autoscale::settings;
use super::context::subnet_name;
use super::sizing::widen_help;
use super::{Ctx, Rule, Sink};
use crate::analysis::address;
use crate::code::Code;
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: Code::Stv408,
    name: "autoscale-subnet",
    severity: Severity::Warning,
    summary: "The subnet cannot hold the instance at its autoscale maximum",
    page: include_str!("../../rules/STV408.md"),
    check: Some(check),
};

/// STV103's sizing with each autoscaled location at its largest `maximum` (REQUIREMENTS.md
/// R-AS-4): scale-out fails when the subnet runs out of addresses. Only decided when today's
/// units fit (else STV103 reports it) and every value is known (STV103 reports unknowns).
fn check(ctx: &Ctx, sink: &mut Sink) {
    for (subnet, sites) in ctx.subnets() {
        sink.about_sites(&sites);
        let Some(Ok(prefixes)) = subnet.prefixes.get().map(|l| address::parse_prefixes(l)) else {
            continue;
        };
        let usable = address::usable(&prefixes);
        let (mut now, mut peak) = (0u64, 0u64);
        let mut scaled = Vec::new();
        let mut known = true;
        for site in &sites {
            let units = if site.is_developer() {
                1
            } else {
                match site.loc.capacity.get() {
                    Some(&n) => u64::try_from(n).unwrap_or(0),
                    None => {
                        known = false;
                        break;
                    }
                }
            };
            let mut top = units;
            for a in settings(ctx, site) {
                for p in &a.profiles {
                    if let Some(&m) = p.maximum.get() {
                        let m = u64::try_from(m).unwrap_or(0);
                        if m > top {
                            top = m;
                            scaled.push((a, p, *site, m));
                        }
                    }
                }
            }
            now += address::footprint(site.is_developer(), units, site.is_internal());
            peak += address::footprint(site.is_developer(), top, site.is_internal());
        }
        if !known || now > usable || peak <= usable {
            continue;
        }
        let Some((a, p, site, m)) = scaled.last() else {
            continue;
        };
        let d = sink
            .diag(format!(
                "subnet '{}' has {usable} usable addresses, but scaling {} to {m} units (autoscale setting '{}') needs {peak}: scale-out would fail",
                subnet_name(subnet),
                site.label(),
                a.meta.name
            ))
            .at(p.maximum.at.or(Some(p.decl)))
            .label(format!("{m} units need {peak} addresses, the subnet has {usable}"))
            .resource(&a.meta.label)
            .help(widen_help(peak, "or lower the autoscale maximum"))
            .related(
                subnet.prefixes.at.or(Some(subnet.meta.decl)),
                format!("the address prefix of subnet '{}'", subnet_name(subnet)),
            )
            .identity(format!("{}|{}", a.meta.key.names.join("/"), p.name));
        sink.emit(d);
    }
}
