//! STV103 subnet-too-small: the subnet is smaller than /29 or cannot hold the instances placed in it.
//!
//! R-VNET-5: every IPv4 prefix must be /29 or larger. R-VNET-6: the footprints of every in-scope
//! location placed in the subnet must fit its usable addresses. The finding points at the
//! subnet's address prefix (what a person widens), with the value's origin (a parameter file
//! line) and every instance as related locations. Also home of the subnet helpers STV102 and
//! STV104 share.

use super::{Ctx, Rule, Sink, Site};
use crate::analysis::address::{self, Prefix};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Subnet;

pub const RULE: Rule = Rule {
    code: "STV103",
    name: "subnet-too-small",
    severity: Severity::Error,
    summary: "The subnet is smaller than /29 or cannot hold the instances placed in it",
    page: include_str!("../../rules/STV103.md"),
    check: Some(check),
};

fn check(ctx: &Ctx, sink: &mut Sink) {
    for (subnet, sites) in subnets(ctx) {
        let Some(prefixes) = prefixes(sink, subnet) else {
            continue;
        };
        let small = address::too_small(&prefixes);
        if !small.is_empty() || !prefixes.iter().any(Prefix::is_v4) {
            let shown = if small.is_empty() {
                "no IPv4 prefix".to_string()
            } else {
                small
                    .iter()
                    .map(|p| p.net.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let d = sink
                .diag(format!(
                    "subnet '{}' has {shown}; API Management needs an IPv4 prefix of /29 or larger",
                    subnet_name(subnet)
                ))
                .help("Give the subnet an IPv4 address prefix of /29 or larger (a /27 or wider leaves room to scale).")
                .identity(format!("{}|min-size", subnet_identity(subnet)));
            sink.emit(with_context(d, subnet, &sites));
            continue;
        }
        let Some(usages) = usages(sink, &sites) else {
            continue;
        };
        let usable = address::usable(&prefixes);
        let need = usages.iter().fold(0u64, |a, u| a.saturating_add(u.need));
        if need <= usable {
            continue;
        }
        let who = if usages.len() == 1 {
            usages[0].describe()
        } else {
            format!(
                "the {} API Management locations placed in it need {need}: {}",
                usages.len(),
                usages
                    .iter()
                    .map(Usage::describe)
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        };
        let d = sink
            .diag(format!(
                "subnet '{}' ({}) has {usable} usable addresses, but {who}",
                subnet_name(subnet),
                show_prefixes(&prefixes)
            ))
            .help(widen_help(need, "or lower the unit count"))
            .identity(format!("{}|capacity", subnet_identity(subnet)));
        sink.emit(with_context(d, subnet, &sites));
    }
}

/// Each in-scope subnet once, with the locations placed in it, in declaration order.
pub(super) fn subnets<'c, 'a>(ctx: &'c Ctx<'a>) -> Vec<(&'a Subnet, Vec<&'c Site<'a>>)> {
    let mut out: Vec<(&'a Subnet, Vec<&'c Site<'a>>)> = Vec::new();
    for site in &ctx.sites {
        let Some(subnet) = site.subnet.found() else {
            continue;
        };
        match out.iter_mut().find(|(s, _)| std::ptr::eq(*s, subnet)) {
            Some((_, list)) => list.push(site),
            None => out.push((subnet, vec![site])),
        }
    }
    out
}

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
    complete.then_some(out)
}

/// Point at the prefix; relate the value's origin and every instance in the subnet.
pub(super) fn with_context(mut d: Diagnostic, subnet: &Subnet, sites: &[&Site]) -> Diagnostic {
    let at = subnet.prefixes.at.or(Some(subnet.meta.decl));
    d = d
        .at(at)
        .resource(&subnet.meta.label)
        .related(subnet.prefixes.origin, "the prefix value comes from here");
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
            .related(s.loc.capacity.origin, "the unit count comes from here");
    }
    d
}

/// `vnet/apim` for messages.
pub(super) fn subnet_name(subnet: &Subnet) -> String {
    if subnet.vnet.is_empty() {
        subnet.meta.name.clone()
    } else {
        format!("{}/{}", subnet.vnet, subnet.meta.name)
    }
}

pub(super) fn subnet_identity(subnet: &Subnet) -> String {
    format!(
        "{}|{}",
        subnet.meta.key.rtype,
        subnet.meta.key.names.join("/")
    )
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

#[cfg(test)]
pub(crate) mod testkit {
    //! Builders for rule unit tests: a linked workspace without any front end. Every field gets
    //! a distinct span so tests can tell where a diagnostic lands.

    use crate::diagnostic::Diagnostic;
    use crate::model::*;
    use crate::rules::{find, Ctx, Options, Sink};
    use crate::source::{FileId, Span};

    pub fn sp(n: usize) -> Option<Span> {
        Some(Span::new(FileId(0), n, n + 1))
    }
    pub fn line(d: &Diagnostic) -> Option<usize> {
        d.span.map(|s| s.start as usize)
    }

    fn meta(rtype: &str, name: &str, decl: usize) -> Meta {
        Meta {
            key: ResKey::new(rtype, name, None),
            label: format!("{rtype} '{name}'"),
            name: name.rsplit('/').next().unwrap_or(name).to_string(),
            decl: Span::new(FileId(0), decl, decl + 1),
            format: Format::Arm,
            suppress: Vec::new(),
        }
    }

    pub fn subnet_id(vnet: &str, name: &str) -> String {
        format!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/{vnet}/subnets/{name}")
    }
    pub fn pip_id(name: &str) -> String {
        format!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/{name}")
    }

    /// An instance: decl at `base`, api version at base+1, sku +2, mode +3, capacity +4,
    /// zones +5, subnet +6, public IP +7.
    pub fn apim(name: &str, sku: &str, mode: &str, units: i64, base: usize) -> Apim {
        Apim {
            meta: meta("Microsoft.ApiManagement/service", name, base),
            api_version: Some(Field::known("2024-05-01".into(), sp(base + 1))),
            sku: Field::known(sku.into(), sp(base + 2)),
            vnet_type: Field::known(mode.into(), sp(base + 3)),
            locations: vec![location(true, "westeurope", units, base)],
            locations_unknown: None,
            migration_ips: false,
        }
    }

    pub fn location(primary: bool, region: &str, units: i64, base: usize) -> ApimLocation {
        ApimLocation {
            primary,
            location: Field::known(region.into(), sp(base + 8)),
            capacity: Field::known(units, sp(base + 4)),
            zones: None,
            subnet: Some(Field::known(subnet_id("vnet", "apim"), sp(base + 6))),
            public_ip: None,
            decl: Span::new(FileId(0), base, base + 1),
        }
    }

    pub fn zones(z: &[&str], base: usize) -> Option<Field<Vec<String>>> {
        Some(Field::known(
            z.iter().map(|s| s.to_string()).collect(),
            sp(base + 5),
        ))
    }

    /// A subnet `vnet/name`: decl at `base`, prefixes +1, delegations +2.
    pub fn subnet(vnet: &str, name: &str, prefixes: &[&str], base: usize) -> Subnet {
        Subnet {
            meta: meta(
                "Microsoft.Network/virtualNetworks/subnets",
                &format!("{vnet}/{name}"),
                base,
            ),
            vnet: vnet.into(),
            prefixes: Field::known(
                prefixes.iter().map(|s| s.to_string()).collect(),
                sp(base + 1),
            ),
            nsg: None,
            route_table: None,
            service_endpoints: Field::implicit(vec![], sp(base)),
            delegations: Field::implicit(vec![], sp(base)),
        }
    }

    /// A Standard static IPv4 public IP with a DNS label: decl at `base`, sku +1, allocation +2,
    /// version +3, label +4.
    pub fn pip(name: &str, base: usize) -> PublicIp {
        PublicIp {
            meta: meta("Microsoft.Network/publicIPAddresses", name, base),
            sku: Field::known("Standard".into(), sp(base + 1)),
            tier: None,
            allocation: Some(Field::known("Static".into(), sp(base + 2))),
            version: None,
            dns_label: Some(Field::known(name.into(), sp(base + 4))),
            zones: None,
        }
    }

    pub fn ws(apims: Vec<Apim>, subnets: Vec<Subnet>, pips: Vec<PublicIp>) -> Workspace {
        let mut ws = Workspace::default();
        ws.apims = apims;
        ws.subnets = subnets;
        ws.public_ips = pips;
        ws.link();
        ws
    }

    pub fn run_with(code: &str, ws: &Workspace, opts: &Options) -> Vec<Diagnostic> {
        let rule = find(code).expect("registered rule");
        let ctx = Ctx::new(ws, opts);
        let mut sink = Sink::new(rule);
        (rule.check.expect("rule with a check"))(&ctx, &mut sink);
        sink.out
    }

    pub fn run(code: &str, ws: &Workspace) -> Vec<Diagnostic> {
        run_with(code, ws, &Options::default())
    }

    /// (code, span start) of every diagnostic.
    pub fn at(diags: &[Diagnostic]) -> Vec<(&'static str, Option<usize>)> {
        diags.iter().map(|d| (d.code, line(d))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::testkit::*;
    use crate::model::Field;

    #[test]
    fn two_premium_units_in_a_slash_29() {
        let w = ws(
            vec![apim("a", "Premium", "External", 2, 100)],
            vec![subnet("vnet", "apim", &["10.0.0.0/29"], 10)],
            vec![],
        );
        let d = run("STV103", &w);
        assert_eq!(at(&d), vec![("STV103", Some(11))]);
        assert!(
            d[0].message.contains("3 usable addresses"),
            "{}",
            d[0].message
        );
        assert!(d[0].message.contains("needs 4"), "{}", d[0].message);
        assert!(d[0].help.as_deref().unwrap().contains("/28"));
        // The instance is a related location (its capacity).
        assert!(d[0].related.iter().any(|r| r.span.start == 104));
    }

    #[test]
    fn one_premium_unit_fits_a_slash_29_and_developer_internal_too() {
        let w = ws(
            vec![apim("a", "Premium", "Internal", 1, 100)],
            vec![subnet("vnet", "apim", &["10.0.0.0/29"], 10)],
            vec![],
        );
        assert!(run("STV103", &w).is_empty());
        let w = ws(
            vec![apim("a", "Developer", "Internal", 1, 100)],
            vec![subnet("vnet", "apim", &["10.0.0.0/29"], 10)],
            vec![],
        );
        assert!(run("STV103", &w).is_empty());
    }

    #[test]
    fn sum_of_instances_sharing_the_subnet() {
        // /28 = 11 usable: 2×2 + (2×2+1) = 9 fits; adding a third External unit (2) = 11 fits;
        // a fourth instance of 1 Developer unit = 12 does not.
        let mut apims = vec![
            apim("a", "Premium", "External", 2, 100),
            apim("b", "Premium", "Internal", 2, 200),
            apim("c", "Premium", "External", 1, 300),
        ];
        let w = ws(
            apims.clone(),
            vec![subnet("vnet", "apim", &["10.0.0.0/28"], 10)],
            vec![],
        );
        assert!(run("STV103", &w).is_empty());
        apims.push(apim("d", "Developer", "External", 1, 400));
        let w = ws(
            apims,
            vec![subnet("vnet", "apim", &["10.0.0.0/28"], 10)],
            vec![],
        );
        let d = run("STV103", &w);
        assert_eq!(at(&d), vec![("STV103", Some(11))]);
        assert!(d[0].message.contains("need 12"), "{}", d[0].message);
        assert_eq!(d[0].related.len(), 4);
    }

    #[test]
    fn prefix_longer_than_29_is_reported_once() {
        let w = ws(
            vec![apim("a", "Premium", "External", 1, 100)],
            vec![subnet("vnet", "apim", &["10.0.0.0/30"], 10)],
            vec![],
        );
        let d = run("STV103", &w);
        assert_eq!(at(&d), vec![("STV103", Some(11))]);
        assert!(d[0].message.contains("10.0.0.0/30"), "{}", d[0].message);
    }

    #[test]
    fn unknown_prefix_or_capacity_is_unverifiable_not_an_error() {
        let mut s = subnet("vnet", "apim", &[], 10);
        s.prefixes = Field::unknown("parameter 'subnetPrefix' has no value", sp(11));
        let w = ws(
            vec![apim("a", "Premium", "External", 1, 100)],
            vec![s],
            vec![],
        );
        assert_eq!(at(&run("STV103", &w)), vec![("STV002", Some(11))]);

        let mut a = apim("a", "Premium", "External", 1, 100);
        a.locations[0].capacity = Field::unknown("parameter 'units' has no value", sp(104));
        let w = ws(
            vec![a],
            vec![subnet("vnet", "apim", &["10.0.0.0/29"], 10)],
            vec![],
        );
        assert_eq!(at(&run("STV103", &w)), vec![("STV002", Some(104))]);

        // Developer needs no capacity.
        let mut a = apim("a", "Developer", "External", 1, 100);
        a.locations[0].capacity = Field::unknown("no value", sp(104));
        let w = ws(
            vec![a],
            vec![subnet("vnet", "apim", &["10.0.0.0/29"], 10)],
            vec![],
        );
        assert!(run("STV103", &w).is_empty());
    }

    #[test]
    fn garbage_prefix_is_unverifiable() {
        let w = ws(
            vec![apim("a", "Premium", "External", 1, 100)],
            vec![subnet("vnet", "apim", &["10.0.0/24"], 10)],
            vec![],
        );
        let d = run("STV103", &w);
        assert_eq!(at(&d), vec![("STV002", Some(11))]);
    }

    #[test]
    fn origin_is_a_related_location() {
        let mut s = subnet("vnet", "apim", &["10.0.0.0/29"], 10);
        s.prefixes = s.prefixes.with_origin(sp(900));
        let w = ws(
            vec![apim("a", "Premium", "External", 3, 100)],
            vec![s],
            vec![],
        );
        let d = run("STV103", &w);
        assert_eq!(at(&d), vec![("STV103", Some(11))]);
        assert!(d[0].related.iter().any(|r| r.span.start == 900));
    }

    #[test]
    fn out_of_scope_instances_are_not_counted() {
        // Standard cannot be injected (STV010 says so); v2 is out of scope; None is not injected.
        let w = ws(
            vec![
                apim("a", "Standard", "External", 4, 100),
                apim("b", "StandardV2", "External", 4, 200),
                apim("c", "Premium", "None", 4, 300),
            ],
            vec![subnet("vnet", "apim", &["10.0.0.0/29"], 10)],
            vec![],
        );
        assert!(run("STV103", &w).is_empty());
    }
}
