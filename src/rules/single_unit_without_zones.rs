//! STV404 single-unit-without-zones: A single Premium unit in a region with availability zones has no zone redundancy.
//!
//! R-AZ-4: Premium without explicit zones in a region that has availability zones is spread
//! over zones automatically, but a single unit sits in one zone and goes down with it. A
//! warning (reliability, not deployment). Checked on multi-region instances only: deploying to
//! several regions says the owner wants resilience, while a single-region instance of one unit
//! is a deliberate cost choice and a warning there would be noise on nearly every deployment.
//! Regions not in the list below stay silent.

use super::{Ctx, Rule, Sink};
use crate::code::Code;
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: Code::Stv404,
    name: "single-unit-without-zones",
    severity: Severity::Warning,
    summary: "A single Premium unit in a region with availability zones has no zone redundancy",
    page: include_str!("../../rules/STV404.md"),
    check: Some(check),
};

/// Regions with availability zones (Microsoft Learn, "Azure regions with availability zone
/// support"), in normalised spelling. A region missing here only means silence.
const AZ_REGIONS: &[&str] = &[
    "australiaeast",
    "austriaeast",
    "belgiumcentral",
    "brazilsouth",
    "canadacentral",
    "centralindia",
    "centralus",
    "chilecentral",
    "eastasia",
    "eastus",
    "eastus2",
    "francecentral",
    "germanywestcentral",
    "indonesiacentral",
    "israelcentral",
    "italynorth",
    "japaneast",
    "japanwest",
    "koreacentral",
    "malaysiawest",
    "mexicocentral",
    "newzealandnorth",
    "northeurope",
    "norwayeast",
    "polandcentral",
    "qatarcentral",
    "southafricanorth",
    "southcentralus",
    "southeastasia",
    "spaincentral",
    "swedencentral",
    "switzerlandnorth",
    "uaenorth",
    "uksouth",
    "usgovvirginia",
    "westeurope",
    "westus2",
    "westus3",
];

fn check(ctx: &Ctx, sink: &mut Sink) {
    for site in &ctx.sites {
        sink.about(site);
        if !site.sku.eq_ignore_ascii_case("premium") || site.apim.locations.len() < 2 {
            continue;
        }
        if site
            .loc
            .zones
            .as_ref()
            .is_some_and(|z| z.get().map_or(true, |z| !z.is_empty()))
        {
            continue;
        }
        if site.loc.capacity.get() != Some(&1) {
            continue;
        }
        let Some(region) = site.region() else {
            continue;
        };
        if !AZ_REGIONS.contains(&region.as_str()) {
            continue;
        }
        let d = sink
            .diag(format!(
                "{} has a single unit in {region}, a region with availability zones; one unit sits in one zone, so a zone outage takes the instance down",
                site.label()
            ))
            .at(site.loc.capacity.at.or(Some(site.loc.decl)))
            .label("one unit: a zone outage takes the instance down")
            .resource(&site.apim.meta.label)
            .help("Use at least 2 units (3 to cover every zone), or set zones with a unit count that is a multiple of them.")
            .related(site.loc.capacity.origin(), "the unit count comes from here")
            .identity(format!("{}|single-unit-az", site.identity()));
        sink.emit(d);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testkit::*;

    #[test]
    fn one_unit_in_an_az_region_without_zones() {
        let mut a = apim("a", "Premium", "External", 1, 100);
        a.locations.push(location(false, "westcentralus", 1, 150));
        let mut b = apim("b", "Premium", "External", 1, 200);
        b.locations.push(location(false, "westcentralus", 1, 250));
        b.locations[0].zones = zones(&["1"], 200);
        let c = apim("c", "Premium", "External", 2, 300);
        let mut d = apim("d", "Premium", "External", 1, 400);
        d.locations[0].location = crate::model::Field::known("westcentralus".into(), sp(408));
        let e = apim("e", "Developer", "External", 1, 500);
        // A single region of one unit is a cost choice: silent.
        let f = apim("f", "Premium", "External", 1, 600);
        let got = run(
            Code::Stv404,
            &ws(
                vec![a, b, c, d, e, f],
                vec![subnet("vnet", "apim", &["10.0.0.0/24"], 10)],
                vec![],
            ),
        );
        assert_eq!(at(&got), vec![(Code::Stv404, Some(104))]);
    }
}
