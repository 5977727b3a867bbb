//! STV012 capacity-bounds: The unit count of a location is outside what its tier allows.
//!
//! R-SKU-4: Developer has exactly 1 unit, Basic 1–2, Standard 1–4, Premium 1–31 per region
//! (Consumption 0). Premium above 31 is a warning, not an error: the cap is a default limit that
//! support can raise (and it was 10, then 12, before). v2 tiers are out of scope.

use super::instance::{identity, instances, label, tier};
use super::{Ctx, Rule, Sink};
use crate::code::Code;
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: Code::Stv012,
    name: "capacity-bounds",
    severity: Severity::Error,
    summary: "The unit count of a location is outside what its tier allows",
    page: include_str!("../../rules/STV012.md"),
    check: Some(check),
};

/// The default Premium limit of units per region (raisable by a support request).
pub const PREMIUM_UNITS_PER_REGION: i64 = 31;

/// (lowest, highest) units per location for a classic tier.
fn bounds(tier: &str) -> Option<(i64, i64)> {
    Some(match tier {
        "developer" => (1, 1),
        "basic" => (1, 2),
        "standard" => (1, 4),
        "premium" => (1, PREMIUM_UNITS_PER_REGION),
        "consumption" => (0, 0),
        _ => return None,
    })
}

fn check(ctx: &Ctx, sink: &mut Sink) {
    for (i, apim) in instances(ctx) {
        sink.about_instance(ctx, i);
        let Some(t) = tier(apim) else { continue };
        let Some((lo, hi)) = bounds(&t) else { continue };
        for loc in &apim.locations {
            let Some(&units) = loc.capacity.get() else {
                continue;
            };
            if (lo..=hi).contains(&units) {
                continue;
            }
            let sku = apim.sku.get().map(|s| s.trim()).unwrap_or_default();
            let allowed = if lo == hi {
                format!("exactly {lo}")
            } else {
                format!("{lo} to {hi}")
            };
            let mut d = sink
                .diag(format!(
                    "{} has {units} unit{} but the {sku} tier allows {allowed} per location",
                    label(apim, loc),
                    if units == 1 { "" } else { "s" },
                ))
                .at(loc.capacity.at.or(Some(loc.decl)))
                .label(format!(
                    "{units} unit{}, the {sku} tier allows {allowed}",
                    if units == 1 { "" } else { "s" }
                ))
                .resource(&apim.meta.label)
                .help(format!(
                    "Set the unit count to {allowed}, or choose a tier that allows {units}."
                ))
                .related(loc.capacity.origin(), "the unit count comes from here")
                .related(apim.sku.at, format!("the tier {sku} is set here"))
                .identity(format!(
                    "{}#{}|capacity",
                    identity(apim),
                    loc.location.get().cloned().unwrap_or_default()
                ));
            if t == "premium" && units > hi {
                d.severity = Severity::Warning;
                d.message = format!(
                    "{} has {units} units, above the default limit of {hi} Premium units per region; the deployment fails unless support has raised the limit",
                    label(apim, loc)
                );
                d.help = Some(format!("Use at most {hi} units per region, or have the limit raised by a support request first.").into());
            }
            sink.emit(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::Severity;
    use crate::rules::testkit::*;

    #[test]
    fn units_outside_the_tier_bounds() {
        let w = ws(
            vec![
                apim("a", "Developer", "External", 2, 100),
                apim("b", "Standard", "None", 5, 200),
                apim("c", "Premium", "Internal", 0, 300),
                apim("d", "Premium", "Internal", 40, 400),
            ],
            vec![],
            vec![],
        );
        let d = run(Code::Stv012, &w);
        assert_eq!(
            at(&d),
            vec![
                (Code::Stv012, Some(104)),
                (Code::Stv012, Some(204)),
                (Code::Stv012, Some(304)),
                (Code::Stv012, Some(404))
            ]
        );
        assert_eq!(d[0].severity, Severity::Error);
        assert_eq!(d[3].severity, Severity::Warning);
    }

    #[test]
    fn units_inside_the_bounds_pass() {
        let w = ws(
            vec![
                apim("a", "Developer", "External", 1, 100),
                apim("b", "Basic", "None", 2, 200),
                apim("c", "Premium", "Internal", 31, 300),
                apim("d", "StandardV2", "None", 10, 400),
            ],
            vec![],
            vec![],
        );
        assert!(run(Code::Stv012, &w).is_empty());
    }
}
