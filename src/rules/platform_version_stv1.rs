//! STV015 platform-version-stv1: The template pins the retired stv1 platform.
//!
//! R-PLAT-1: `properties.platformVersion` is read-only; templates exported from an existing
//! instance carry it. `stv1` there means the instance was exported while on the retired stv1
//! platform (an error: it must be migrated to stv2); any other written value is ignored by Azure
//! (info).

use super::instance::{identity, instances};
use super::{Ctx, Rule, Sink};
use crate::code::Code;
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: Code::Stv015,
    name: "platform-version-stv1",
    severity: Severity::Error,
    summary: "The template pins the retired stv1 platform",
    page: include_str!("../../rules/STV015.md"),
    check: Some(check),
};

fn check(ctx: &Ctx, sink: &mut Sink) {
    for (i, apim) in instances(ctx) {
        sink.about_instance(ctx, i);
        let Some(f) = &apim.platform_version else {
            continue;
        };
        let Some(v) = f.get() else { continue };
        let d = sink
            .diag(String::new())
            .at(f.at.or(Some(apim.meta.decl)))
            .resource(&apim.meta.label)
            .related(f.origin(), "the value comes from here")
            .identity(format!("{}|platform-version", identity(apim)));
        let d = if v.trim().eq_ignore_ascii_case("stv1") {
            let mut d = d.help("Migrate the instance to stv2 (migrateToStv2, or re-deploy it into a subnet with the stv2 prerequisites) and remove platformVersion from the template.").label("stv1, retired on 31 August 2024");
            d.message = format!(
                "API Management '{}' says platformVersion 'stv1': the stv1 platform was retired on 31 August 2024",
                apim.meta.name
            );
            d
        } else {
            let mut d = d.help("Remove platformVersion; Azure picks the platform from the tier and the network settings.").label("read-only: Azure ignores it");
            d.severity = Severity::Info;
            d.message = format!(
                "API Management '{}' sets platformVersion '{}', a read-only property that Azure ignores",
                apim.meta.name,
                v.trim()
            );
            d
        };
        sink.emit(d);
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::Severity;
    use crate::model::Field;
    use crate::rules::testkit::*;

    #[test]
    fn stv1_is_an_error_other_values_info() {
        let mut a = apim("a", "Premium", "External", 1, 100);
        a.platform_version = Some(Field::known("stv1".into(), sp(120)));
        let mut b = apim("b", "Premium", "External", 1, 200);
        b.platform_version = Some(Field::known("stv2".into(), sp(220)));
        let c = apim("c", "Premium", "External", 1, 300);
        let d = run(Code::Stv015, &ws(vec![a, b, c], vec![], vec![]));
        assert_eq!(
            at(&d),
            vec![(Code::Stv015, Some(120)), (Code::Stv015, Some(220))]
        );
        assert_eq!(d[0].severity, Severity::Error);
        assert_eq!(d[1].severity, Severity::Info);
    }
}
