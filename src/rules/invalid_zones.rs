//! STV402 invalid-zones: Zones must be distinct values from 1, 2 and 3.
//!
//! R-AZ-2. An empty list is accepted as "no zones": Azure takes it, and widely used modules
//! (the AVM API Management module) pass `zones: []` for non-Premium tiers.

use super::{Ctx, Rule, Sink};
use crate::code::Code;
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: Code::Stv402,
    name: "invalid-zones",
    severity: Severity::Error,
    summary: "Zones must be distinct values from 1, 2 and 3",
    page: include_str!("../../rules/STV402.md"),
    check: Some(check),
};

/// What is wrong with a zone list, if anything.
pub(super) fn problem(zones: &[String]) -> Option<String> {
    let bad: Vec<String> = zones
        .iter()
        .filter(|z| !matches!(z.trim(), "1" | "2" | "3"))
        .map(|z| format!("'{z}'"))
        .collect();
    if !bad.is_empty() {
        return Some(format!(
            "{} {} not an availability zone (1, 2 or 3)",
            bad.join(", "),
            if bad.len() == 1 { "is" } else { "are" }
        ));
    }
    let mut seen: Vec<&str> = Vec::new();
    for z in zones {
        let z = z.trim();
        if seen.contains(&z) {
            return Some(format!("zone {z} is listed more than once"));
        }
        seen.push(z);
    }
    None
}

fn check(ctx: &Ctx, sink: &mut Sink) {
    for site in &ctx.sites {
        sink.about(site);
        let Some(f) = &site.loc.zones else {
            continue;
        };
        let Some(zones) = sink.require(f, "the zones", &site.apim.meta.label, &site.identity())
        else {
            continue;
        };
        let Some(problem) = problem(zones) else {
            continue;
        };
        let d = sink
            .diag(format!("the zones of {}: {problem}", site.label()))
            .at(f.at.or(Some(site.loc.decl)))
            .label(problem.clone())
            .resource(&site.apim.meta.label)
            .help("List distinct zones from \"1\", \"2\" and \"3\" (for example [\"1\", \"2\", \"3\"]), or leave zones out.")
            .related(f.origin(), "the zones come from here")
            .identity(format!("{}|zones-values", site.identity()));
        sink.emit(d);
    }
}

#[cfg(test)]
mod tests {
    use super::problem;
    use crate::model::Field;
    use crate::rules::testkit::*;

    fn v(z: &[&str]) -> Vec<String> {
        z.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn values() {
        assert!(problem(&v(&["1", "2", "3"])).is_none());
        assert!(problem(&v(&[])).is_none());
        assert!(problem(&v(&["2"])).is_none());
        assert!(problem(&v(&["0"])).is_some());
        assert!(problem(&v(&["4", "1"])).unwrap().contains("'4'"));
        assert!(problem(&v(&["zone1"])).is_some());
        assert!(problem(&v(&[""])).is_some());
        assert!(problem(&v(&["1", "1"])).unwrap().contains("more than once"));
    }

    #[test]
    fn per_location() {
        let mut a = apim("a", "Premium", "External", 3, 100);
        a.locations[0].zones = zones(&["1", "2", "3"], 100);
        let mut extra = location(false, "northeurope", 2, 500);
        extra.zones = zones(&["1", "4"], 500);
        a.locations.push(extra);
        let w = ws(vec![a], vec![], vec![]);
        assert_eq!(at(&run(Code::Stv402, &w)), vec![(Code::Stv402, Some(505))]);
    }

    #[test]
    fn unknown_zones() {
        let mut a = apim("a", "Premium", "External", 3, 100);
        a.locations[0].zones = Some(Field::unknown("parameter 'zones' has no value", sp(105)));
        let w = ws(vec![a], vec![], vec![]);
        assert_eq!(at(&run(Code::Stv402, &w)), vec![(Code::Stv002, Some(105))]);
    }
}
