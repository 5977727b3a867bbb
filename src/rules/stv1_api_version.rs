//! STV011 stv1-api-version: The API version deploys a VNet-injected instance on stv1 or is retired.
//!
//! R-API-1: for a VNet-injected instance, an API version older than 2021-01-01-preview creates
//! it on stv1 (dedicated subnet, no public IP), and every version older than 2021-08-01 has been
//! retired (calls with it fail). azurerm has no API version in the model (`None`): it always
//! uses a current one. Points at the API version.

use super::context::V2;
use super::{Ctx, Rule, Sink};
use crate::code::Code;
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: Code::Stv011,
    name: "stv1-api-version",
    severity: Severity::Error,
    summary: "The API version deploys a VNet-injected instance on stv1 or is retired",
    page: include_str!("../../rules/STV011.md"),
    check: Some(check),
};

/// `YYYY-MM-DD` and whether it is a GA version (a `-preview` sorts before its GA twin).
type Version = ((u32, u32, u32), bool);

/// The first version that puts a VNet-injected Developer/Premium instance on stv2.
const FIRST_STV2: Version = ((2021, 1, 1), false);
/// The oldest version that is not retired (September 2023 retirement).
const FIRST_SUPPORTED: Version = ((2021, 8, 1), true);

/// Parse `2021-01-01-preview` / `2021-08-01`; `None` for anything else.
fn parse(v: &str) -> Option<Version> {
    let v = v.trim();
    let date = v.get(..10)?;
    let rest = v.get(10..)?;
    let mut parts = date.split('-');
    let mut num = |len: usize| {
        parts
            .next()
            .filter(|p| p.len() == len && p.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|p| p.parse::<u32>().ok())
    };
    let (y, m, d) = (num(4)?, num(2)?, num(2)?);
    let ga = match rest {
        "" => true,
        r if r.starts_with('-') && r.len() > 1 => false,
        _ => return None,
    };
    Some(((y, m, d), ga))
}

fn check(ctx: &Ctx, sink: &mut Sink) {
    for (i, &apim) in ctx.apims.iter().enumerate() {
        sink.about_instance(ctx, i);
        let Some(field) = &apim.api_version else {
            continue;
        };
        // Only a VNet-injected instance of a classic tier; unknown mode is the preflight's STV002.
        let injected = apim.vnet_type.get().is_some_and(|m| {
            let m = m.trim();
            m.eq_ignore_ascii_case("external") || m.eq_ignore_ascii_case("internal")
        });
        let v2 = apim
            .sku
            .get()
            .is_some_and(|s| V2.contains(&s.trim().to_ascii_lowercase().as_str()));
        if !injected || v2 {
            continue;
        }
        let id = apim.meta.key.names.join("/");
        let Some(text) = sink.require(field, "the API version", &apim.meta.label, &id) else {
            continue;
        };
        let Some(version) = parse(text) else {
            sink.unverifiable(
                "the API version",
                &format!("'{text}' is not an API version of the form YYYY-MM-DD[-preview]"),
                field.at,
                &apim.meta.label,
                &id,
            );
            continue;
        };
        let message = if version < FIRST_STV2 {
            format!(
                "API version {text} deploys the VNet-injected API Management '{}' on the retired stv1 platform, and the version itself is retired",
                apim.meta.name
            )
        } else if version < FIRST_SUPPORTED {
            format!(
                "API version {text} of Microsoft.ApiManagement/service is retired; deployments of API Management '{}' with it fail",
                apim.meta.name
            )
        } else {
            continue;
        };
        let d = sink
            .diag(message)
            .at(field.at.or(Some(apim.meta.decl)))
            .label(format!("API version {text} is retired"))
            .resource(&apim.meta.label)
            .help("Use API version 2021-08-01 or newer for Microsoft.ApiManagement/service (for example 2024-05-01).")
            .related(field.origin(), "the API version comes from here")
            .identity(format!("{id}|api-version"));
        sink.emit(d);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Field;
    use crate::rules::testkit::*;

    #[test]
    fn ordering() {
        let p = |s| parse(s).unwrap();
        assert!(p("2020-12-01") < FIRST_STV2);
        assert!(p("2021-01-01-preview") == FIRST_STV2);
        assert!(p("2021-01-01") > FIRST_STV2);
        assert!(p("2021-04-01-preview") < FIRST_SUPPORTED);
        assert!(p("2021-08-01-preview") < FIRST_SUPPORTED);
        assert!(p("2021-08-01") == FIRST_SUPPORTED);
        assert!(p("2022-04-01-preview") > FIRST_SUPPORTED);
        for bad in [
            "",
            "2021",
            "2021-8-01",
            "21-08-01xx",
            "2021-08-01preview",
            "2021-08-01-",
            "é021-08-01",
        ] {
            assert!(parse(bad).is_none(), "{bad}");
        }
    }

    fn with_version(v: &str, mode: &str) -> Vec<(Code, Option<usize>)> {
        let mut a = apim("a", "Premium", mode, 1, 100);
        a.api_version = Some(Field::known(v.into(), sp(101)));
        let w = ws(vec![a], vec![], vec![]);
        at(&run(Code::Stv011, &w))
    }

    #[test]
    fn old_versions_with_injection() {
        assert_eq!(
            with_version("2020-12-01", "Internal"),
            vec![(Code::Stv011, Some(101))]
        );
        assert_eq!(
            with_version("2021-04-01-preview", "External"),
            vec![(Code::Stv011, Some(101))]
        );
        assert!(with_version("2021-08-01", "External").is_empty());
        assert!(with_version("2024-06-01-preview", "External").is_empty());
        assert!(with_version("2019-12-01", "None").is_empty());
        assert_eq!(
            with_version("latest", "External"),
            vec![(Code::Stv002, Some(101))]
        );
    }

    #[test]
    fn azurerm_has_no_version() {
        let mut a = apim("a", "Premium", "External", 1, 100);
        a.api_version = None;
        assert!(run(Code::Stv011, &ws(vec![a], vec![], vec![])).is_empty());
    }
}
