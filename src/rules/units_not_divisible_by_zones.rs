//! STV403 units-not-divisible-by-zones: The unit count of a location is not a multiple of its zone count.
//!
//! R-AZ-3: units are spread evenly over the zones of a location, so the unit count of each
//! location must be a multiple of its number of zones. Points at the capacity (what a person
//! changes), with the zones as a related location. Invalid zone lists are STV402's finding and
//! non-Premium zones STV401's, so both are left alone here.

use super::invalid_zones::problem;
use super::{Ctx, Rule, Sink};
use crate::code::Code;
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: Code::Stv403,
    name: "units-not-divisible-by-zones",
    severity: Severity::Error,
    summary: "The unit count of a location is not a multiple of its zone count",
    page: include_str!("../../rules/STV403.md"),
    check: Some(check),
};

fn check(ctx: &Ctx, sink: &mut Sink) {
    for site in &ctx.sites {
        sink.about(site);
        if !site.sku.trim().eq_ignore_ascii_case("premium") {
            continue;
        }
        let Some(zf) = &site.loc.zones else {
            continue;
        };
        let Some(zones) = zf.get() else {
            continue;
        };
        if zones.is_empty() || problem(zones).is_some() {
            continue;
        }
        let Some(&units) = sink.require(
            &site.loc.capacity,
            "the unit count against the zones",
            &site.apim.meta.label,
            &site.identity(),
        ) else {
            continue;
        };
        let n = zones.len() as i64;
        if units > 0 && units % n == 0 {
            continue;
        }
        // The multiples around the count; a count below one unit suggests the zone count itself.
        // Checked: the count is user data and may be anything an i64 holds.
        let lower = units.max(0) - units.max(0) % n;
        let suggest = match lower.checked_add(n) {
            Some(upper) if lower > 0 => format!("{lower} or {upper}"),
            Some(upper) => upper.to_string(),
            None => lower.to_string(),
        };
        let d = sink
            .diag(format!(
                "{} has {units} unit{} over {n} availability zones ({}); the unit count must be a multiple of the zone count",
                site.label(),
                if units == 1 { "" } else { "s" },
                zones.join(", ")
            ))
            .at(site.loc.capacity.at.or(Some(site.loc.decl)))
            .label(format!("{units} unit{} over {n} zones: not a multiple", if units == 1 { "" } else { "s" }))
            .resource(&site.apim.meta.label)
            .help(format!(
                "Set the capacity to a multiple of {n} (for example {suggest}), or change the zones."
            ))
            .related(site.loc.capacity.origin(), "the unit count comes from here")
            .related(zf.at, "the zones are set here")
            .identity(format!("{}|units-zones", site.identity()));
        sink.emit(d);
    }
}

#[cfg(test)]
mod tests {
    use crate::model::Field;
    use crate::rules::testkit::*;

    fn case(units: i64, z: &[&str]) -> Vec<(Code, Option<usize>)> {
        let mut a = apim("a", "Premium", "External", units, 100);
        a.locations[0].zones = zones(z, 100);
        at(&run(Code::Stv403, &ws(vec![a], vec![], vec![])))
    }

    #[test]
    fn divisibility() {
        assert_eq!(case(3, &["1", "2"]), vec![(Code::Stv403, Some(104))]);
        assert_eq!(case(1, &["1", "2"]), vec![(Code::Stv403, Some(104))]);
        assert_eq!(case(2, &["1", "2", "3"]), vec![(Code::Stv403, Some(104))]);
        assert!(case(2, &["1", "2"]).is_empty());
        assert!(case(6, &["1", "2", "3"]).is_empty());
        assert!(case(1, &["2"]).is_empty());
        assert!(case(3, &[]).is_empty());
        // Invalid zones are STV402's finding.
        assert!(case(3, &["1", "1"]).is_empty());
    }

    /// Extreme unit counts (a typo, a bad parameter) must not overflow the suggestion.
    #[test]
    fn extreme_unit_counts_do_not_panic() {
        assert_eq!(case(i64::MAX, &["1", "2"]), vec![(Code::Stv403, Some(104))]);
        assert_eq!(
            case(i64::MIN, &["1", "2", "3"]),
            vec![(Code::Stv403, Some(104))]
        );
        assert_eq!(case(-4, &["1", "2"]), vec![(Code::Stv403, Some(104))]);
    }

    #[test]
    fn help_suggests_multiples_and_zones_are_related() {
        let mut a = apim("a", "Premium", "External", 3, 100);
        a.locations[0].zones = zones(&["1", "2"], 100);
        let d = run(Code::Stv403, &ws(vec![a], vec![], vec![]));
        assert!(d[0].help.as_deref().unwrap().contains("2 or 4"));
        assert!(d[0].related.iter().any(|r| r.span.start == 105));
    }

    #[test]
    fn per_additional_location_and_unknown_capacity() {
        let mut a = apim("a", "Premium", "External", 2, 100);
        a.locations[0].zones = zones(&["1", "2"], 100);
        let mut extra = location(false, "northeurope", 1, 500);
        extra.zones = zones(&["1", "2", "3"], 500);
        a.locations.push(extra);
        assert_eq!(
            at(&run(Code::Stv403, &ws(vec![a.clone()], vec![], vec![]))),
            vec![(Code::Stv403, Some(504))]
        );
        a.locations[1].capacity = Field::unknown("parameter 'units' has no value", sp(504));
        assert_eq!(
            at(&run(Code::Stv403, &ws(vec![a], vec![], vec![]))),
            vec![(Code::Stv002, Some(504))]
        );
    }
}
