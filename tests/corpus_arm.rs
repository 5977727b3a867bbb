//! Acceptance on the shared corpus, ARM side. Ignored unless run with `--include-ignored` and
//! `STV2LINT_CORPUS` pointing at the corpus (`.ci/run` does both).

use std::path::PathBuf;
use stv2lint::code::Code;
use stv2lint::diagnostic::Severity;
use stv2lint::{check, Outcome};

/// The corpus named by `STV2LINT_CORPUS`. The tests that need it are `#[ignore]`d, so a plain
/// `cargo test` skips them visibly; run with `--include-ignored` (as `.ci/run` does), where a
/// missing corpus fails instead of passing without checking anything.
fn corpus() -> PathBuf {
    let p = PathBuf::from(
        std::env::var_os("STV2LINT_CORPUS")
            .expect("STV2LINT_CORPUS must point at the corpus for this test"),
    );
    assert!(
        p.is_dir(),
        "STV2LINT_CORPUS={} is not a directory",
        p.display()
    );
    p
}

const QS: &str = "Azure__azure-quickstart-templates/quickstarts/microsoft.apimanagement";

fn codes(o: &Outcome) -> Vec<String> {
    o.active()
        .map(|d| {
            let at = d
                .span
                .map(|s| {
                    let f = o.ws.sources.get(s.file);
                    format!("{}:{}", f.display, f.line_col(s.start).0)
                })
                .unwrap_or_default();
            format!("{} {} {}", d.code, at, d.message)
        })
        .collect()
}

#[test]
#[ignore = "needs STV2LINT_CORPUS"]
fn every_arm_template_and_parameter_file_loads() {
    let c = corpus();
    let o = check(&[c], &Default::default());
    let json_errors: Vec<_> = codes(&o)
        .into_iter()
        .filter(|l| l.starts_with("STV001") && l.contains(".json"))
        .collect();
    assert!(json_errors.is_empty(), "{json_errors:#?}");
    // And they were really read: the corpus has ARM APIM instances.
    assert!(o
        .ws
        .apims
        .iter()
        .any(|a| a.meta.format == stv2lint::model::Format::Arm));
}

#[test]
#[ignore = "needs STV2LINT_CORPUS"]
fn external_vnet_quickstart_with_parameters_has_no_error() {
    let c = corpus();
    let t = c
        .join(QS)
        .join("api-management-create-with-external-vnet-publicip/azuredeploy.json");
    let o = check(&[t], &Default::default());
    assert_eq!(o.ws.apims.len(), 1, "the instance was loaded");
    // Its only error: Deny_All_Internet_Outbound @999 blocks outbound TCP 80 (F11, STV210).
    let errors: Vec<_> = o
        .active()
        .filter(|d| d.severity == Severity::Error && d.code != Code::Stv210)
        .collect();
    assert!(errors.is_empty(), "{:#?}", codes(&o));
    assert!(
        o.active().any(|d| d.code == Code::Stv210),
        "{:#?}",
        codes(&o)
    );
}

#[test]
#[ignore = "needs STV2LINT_CORPUS"]
fn internal_vnet_quickstart_2019_is_stv1() {
    let c = corpus();
    let o = check(
        &[c.join(QS).join("api-management-create-with-internal-vnet")],
        &Default::default(),
    );
    let found = codes(&o);
    assert!(
        found
            .iter()
            .any(|l| l.starts_with("STV011") && l.contains("azuredeploy.json:387")),
        "{found:#?}"
    );
}

#[test]
#[ignore = "needs STV2LINT_CORPUS"]
fn standard_v2_control_has_no_findings() {
    let c = corpus();
    let o = check(&[c.join("Azure__AI-Landing-Zones")], &Default::default());
    // The APIM wrapper is reached through the portal template's templateLink, as StandardV2.
    let apim =
        o.ws.apims
            .first()
            .expect("the linked APIM wrapper is evaluated");
    assert_eq!(apim.sku.get().map(String::as_str), Some("StandardV2"));
    assert!(o.active().next().is_none(), "{:#?}", codes(&o));
}
