//! STV017 duplicate-locations: A location appears more than once in an instance.
//!
//! R-MR-2: additional locations must differ from each other and from the primary location
//! (`West Europe` and `westeurope` are the same region).

use super::instance::{identity, instances};
use super::{Ctx, Rule, Sink};
use crate::analysis::tags::norm_region;
use crate::code::Code;
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: Code::Stv017,
    name: "duplicate-locations",
    severity: Severity::Error,
    summary: "A location appears more than once in an instance",
    page: include_str!("../../rules/STV017.md"),
    check: Some(check),
};

fn check(ctx: &Ctx, sink: &mut Sink) {
    for (i, apim) in instances(ctx) {
        sink.about_instance(ctx, i);
        let mut seen: Vec<(String, &crate::model::ApimLocation)> = Vec::new();
        for loc in &apim.locations {
            let Some(region) = loc.location.get() else {
                continue;
            };
            let r = norm_region(region);
            if let Some((_, first)) = seen.iter().find(|(x, _)| *x == r) {
                let what = if first.primary {
                    "the primary location"
                } else {
                    "another additional location"
                };
                let d = sink
                    .diag(format!(
                        "API Management '{}' lists {} as an additional location, but it is already {what}; every location must be a different region",
                        apim.meta.name,
                        region.trim()
                    ))
                    .at(loc.location.at.or(Some(loc.decl)))
                    .label(format!("{} is already {what}", region.trim()))
                    .resource(&apim.meta.label)
                    .help("Remove the duplicate entry, or add capacity to the existing location instead.")
                    .related(first.location.at, "the same region is set here")
                    .related(loc.location.origin(), "the value comes from here")
                    .identity(format!("{}#{r}|duplicate-location", identity(apim)));
                sink.emit(d);
                continue;
            }
            seen.push((r, loc));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testkit::*;

    #[test]
    fn repeated_regions() {
        let mut a = apim("a", "Premium", "External", 1, 100);
        a.locations.push(location(false, "West Europe", 1, 150));
        a.locations.push(location(false, "northeurope", 1, 170));
        a.locations.push(location(false, "northeurope", 1, 190));
        let d = run(Code::Stv017, &ws(vec![a], vec![], vec![]));
        assert_eq!(
            at(&d),
            vec![(Code::Stv017, Some(158)), (Code::Stv017, Some(198))]
        );
    }

    #[test]
    fn distinct_regions_pass() {
        let mut a = apim("a", "Premium", "External", 1, 100);
        a.locations.push(location(false, "northeurope", 1, 150));
        assert!(run(Code::Stv017, &ws(vec![a], vec![], vec![])).is_empty());
    }
}
