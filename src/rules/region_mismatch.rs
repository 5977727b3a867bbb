//! STV106 region-mismatch: The virtual network, public IP, NSG or route table is not in the
//! instance location's region (or subscription).
//!
//! R-VNET-3: the VNet of location L must be in region L and in the instance's subscription.
//! R-PIP-6: so must the public IP of L. R-NSG-6 (generic): an NSG can only be associated with a
//! subnet of a VNet in its own region; R-UDR-7 (generic): so can a route table. Each mismatch is an error and points at the `location` of
//! the resource that is off. Regions compare case-insensitively without spaces (`West Europe` =
//! `westeurope`). A region that is not a literal (a parameter without a value) is not compared:
//! two expressions cannot be told apart statically, and most templates use the resource group's
//! location for every resource.

use super::context::{short_id, Site};
use super::{Ctx, Rule, Sink};
use crate::analysis::tags::norm_region;
use crate::code::Code;
use crate::diagnostic::Severity;
use crate::model::Field;
use crate::source::Span;

pub const RULE: Rule = Rule {
    code: Code::Stv106,
    name: "region-mismatch",
    severity: Severity::Error,
    summary: "The virtual network, public IP, NSG or route table is not in the instance location's region or subscription",
    page: include_str!("../../rules/STV106.md"),
    check: Some(check),
};

fn known(f: &Option<Field<String>>) -> Option<(&str, Option<Span>, Option<Span>)> {
    let f = f.as_ref()?;
    f.get().map(|s| (s.as_str(), f.at, f.origin()))
}

fn check(ctx: &Ctx, sink: &mut Sink) {
    for site in &ctx.sites {
        let Some(region) = site.loc.location.get() else {
            continue;
        };
        let want = norm_region(region);
        let mut vnet_region = None;
        if let Some(subnet) = site.subnet.found() {
            if let Some(vnet) = ctx.ws.vnet_of(subnet) {
                if let Some((r, at, origin)) = known(&vnet.location) {
                    vnet_region = Some(norm_region(r));
                    if norm_region(r) != want {
                        let what = format!("virtual network '{}'", vnet.meta.name);
                        emit(
                            sink,
                            site,
                            &what,
                            &vnet.meta.label,
                            r,
                            region,
                            at.or(Some(vnet.meta.decl)),
                            origin,
                            "vnet",
                        );
                    }
                }
            }
        }
        if let Some(pip) = site.public_ip.found() {
            if let Some((r, at, origin)) = known(&pip.location) {
                if norm_region(r) != want {
                    let what = format!("public IP '{}'", pip.meta.name);
                    emit(
                        sink,
                        site,
                        &what,
                        &pip.meta.label,
                        r,
                        region,
                        at.or(Some(pip.meta.decl)),
                        origin,
                        "pip",
                    );
                }
            }
        }
        if let Some(nsg) = site.nsg.found() {
            if let Some((r, at, origin)) = known(&nsg.location) {
                // Against the VNet's region when it is known (the platform rule), else L.
                let (against, whose) = match &vnet_region {
                    Some(v) => (v.clone(), "its virtual network's region"),
                    None => (want.clone(), "the instance location"),
                };
                if norm_region(r) != against {
                    let d = sink
                        .diag(format!(
                            "network security group '{}' is in '{r}' but is associated with the subnet of {} in '{against}' ({whose}); an NSG must be in the region of the virtual network it is associated with",
                            nsg.meta.name,
                            site.label()
                        ))
                        .at(at.or(Some(nsg.meta.decl)))
                        .label(format!("NSG in '{r}', its subnet in '{against}'"))
                        .resource(&nsg.meta.label)
                        .related(origin, "the region comes from here")
                        .related(Some(site.loc.decl), format!("{} is placed here", site.label()))
                        .help(format!("Create the network security group in '{against}' (the region of the virtual network and of the instance location)."))
                        .identity(format!("{}|region|nsg", site.identity()));
                    sink.emit_for(site, d);
                }
            }
        }
        if let Some(rt) = site.route_table.found() {
            if let Some((r, at, origin)) = known(&rt.location) {
                // Like the NSG: against the VNet's region when it is known, else L.
                let (against, whose) = match &vnet_region {
                    Some(v) => (v.clone(), "its virtual network's region"),
                    None => (want.clone(), "the instance location"),
                };
                if norm_region(r) != against {
                    let d = sink
                        .diag(format!(
                            "route table '{}' is in '{r}' but is associated with the subnet of {} in '{against}' ({whose}); a route table must be in the region of the virtual network it is associated with",
                            rt.meta.name,
                            site.label()
                        ))
                        .at(at.or(Some(rt.meta.decl)))
                        .label(format!("route table in '{r}', its subnet in '{against}'"))
                        .resource(&rt.meta.label)
                        .related(origin, "the region comes from here")
                        .related(Some(site.loc.decl), format!("{} is placed here", site.label()))
                        .help(format!("Create the route table in '{against}' (the region of the virtual network and of the instance location)."))
                        .identity(format!("{}|region|rt", site.identity()));
                    sink.emit_for(site, d);
                }
            }
        }
        subscription(sink, site);
    }
}

#[allow(clippy::too_many_arguments)]
fn emit(
    sink: &mut Sink,
    site: &Site,
    what: &str,
    resource: &str,
    theirs: &str,
    region: &str,
    at: Option<Span>,
    origin: Option<Span>,
    key: &str,
) {
    let d = sink
        .diag(format!(
            "{what} is in '{theirs}' but {} is in '{region}'; they must be in the same region",
            site.label()
        ))
        .at(at)
        .label(format!("in '{theirs}', the instance in '{region}'"))
        .resource(resource)
        .related(origin, "the region comes from here")
        .related(
            site.loc.location.at.or(Some(site.loc.decl)),
            format!("{} is in '{region}'", site.label()),
        )
        .help(format!(
            "Deploy the {} in '{region}', or place this location in a virtual network of its own region (multi-region: one virtual network per location).",
            what.split(' ').take_while(|w| !w.starts_with('\'')).collect::<Vec<_>>().join(" ")
        ))
        .identity(format!("{}|region|{key}", site.identity()));
    sink.emit_for(site, d);
}

/// The subscription of an ARM id when it is a literal GUID (not a placeholder or expression).
fn subscription_of(id: &str) -> Option<String> {
    let mut it = id.split('/');
    while let Some(seg) = it.next() {
        if seg.eq_ignore_ascii_case("subscriptions") {
            let s = it.next()?.trim().to_ascii_lowercase();
            let guid = s.len() == 36
                && s.chars().enumerate().all(|(i, c)| {
                    if [8, 13, 18, 23].contains(&i) {
                        c == '-'
                    } else {
                        c.is_ascii_hexdigit()
                    }
                });
            return guid.then_some(s);
        }
    }
    None
}

/// The subnet and the public IP of one location must be in one subscription (the instance's):
/// decidable statically when both ids carry literal subscription GUIDs.
fn subscription(sink: &mut Sink, site: &Site) {
    let (Some(sf), Some(pf)) = (&site.loc.subnet, &site.loc.public_ip) else {
        return;
    };
    let (Some(s), Some(p)) = (
        sf.get().and_then(|i| subscription_of(i)),
        pf.get().and_then(|i| subscription_of(i)),
    ) else {
        return;
    };
    if s == p {
        return;
    }
    let d = sink
        .diag(format!(
            "{} uses subnet '{}' in subscription {s} and public IP '{}' in subscription {p}; the virtual network, the public IP and the instance must be in one subscription",
            site.label(),
            sf.get().map(|i| short_id(i)).unwrap_or_default(),
            pf.get().map(|i| short_id(i)).unwrap_or_default(),
        ))
        .at(pf.at.or(Some(site.loc.decl)))
        .label(format!("public IP in subscription {p}, subnet in {s}"))
        .resource(&site.apim.meta.label)
        .related(sf.at, "the subnet is referenced here")
        .help("Use a public IP (and a virtual network) in the subscription of the API Management instance.")
        .identity(format!("{}|subscription", site.identity()));
    sink.emit_for(site, d);
}

#[cfg(test)]
mod tests {
    use super::subscription_of;
    use crate::model::{Field, Vnet};
    use crate::rules::testkit::*;
    use crate::source::{FileId, Span};

    fn vnet(region: &str) -> Vnet {
        Vnet {
            meta: crate::model::Meta {
                key: crate::model::ResKey::new("Microsoft.Network/virtualNetworks", "vnet", None),
                label: "vnet".into(),
                name: "vnet".into(),
                decl: Span::new(FileId(0), 50, 51),
                format: crate::model::Format::Arm,
                suppress: Vec::new(),
                unit: crate::model::UnitId::NONE,
            },
            location: Some(Field::known(region.into(), sp(51))),
            dns_servers: None,
        }
    }

    fn world(vnet_region: &str, pip_region: &str, nsg_region: &str) -> crate::model::Workspace {
        let mut a = apim("a", "Premium", "External", 1, 100);
        a.locations[0].public_ip = Some(Field::known(pip_id("pip"), sp(107)));
        let mut s = subnet("vnet", "apim", &["10.0.0.0/27"], 10);
        s.nsg = Some(Field::known(nsg_id("nsg"), sp(13)));
        let mut p = pip("pip", 200);
        p.location = Some(Field::known(pip_region.into(), sp(205)));
        let mut n = nsg("nsg", 300);
        n.location = Some(Field::known(nsg_region.into(), sp(301)));
        let mut w = ws(vec![a], vec![s], vec![p]);
        w.vnets.push(vnet(vnet_region));
        w.nsgs.push(n);
        w.link();
        w
    }

    #[test]
    fn same_region_spelled_differently_is_silent() {
        assert!(run(
            Code::Stv106,
            &world("West Europe", "westeurope", "WestEurope")
        )
        .is_empty());
    }

    #[test]
    fn each_resource_off_region_is_an_error_at_its_location() {
        let d = run(
            Code::Stv106,
            &world("northeurope", "northeurope", "westeurope"),
        );
        // VNet and PIP differ from the instance; the NSG differs from the VNet.
        assert_eq!(
            at(&d),
            vec![
                (Code::Stv106, Some(51)),
                (Code::Stv106, Some(205)),
                (Code::Stv106, Some(301))
            ]
        );
        assert!(d[2].message.contains("virtual network's region"));
    }

    #[test]
    fn literal_subscriptions_are_compared() {
        let g1 = "11111111-1111-1111-1111-111111111111";
        let g2 = "22222222-2222-2222-2222-222222222222";
        assert_eq!(
            subscription_of(&format!(
                "/subscriptions/{g1}/resourceGroups/rg/providers/x/y/z"
            )),
            Some(g1.to_string())
        );
        assert_eq!(
            subscription_of("/subscriptions/{subscription}/resourceGroups/rg"),
            None
        );
        let mut w = world("westeurope", "westeurope", "westeurope");
        let a = &mut w.apims[0].locations[0];
        a.subnet = Some(Field::known(
            format!("/subscriptions/{g1}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/apim"),
            sp(106),
        ));
        a.public_ip = Some(Field::known(
            format!("/subscriptions/{g2}/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/pip"),
            sp(107),
        ));
        let d = run(Code::Stv106, &w);
        assert_eq!(at(&d), vec![(Code::Stv106, Some(107))]);
    }
}
