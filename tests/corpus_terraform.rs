//! Acceptance on the real Terraform deployments of the corpus (the directory named by
//! `STV2LINT_CORPUS`; the corpus is not part of the repository). Ignored by default; `.ci/run` sets the variable and runs these with
//! `--include-ignored`, where a missing corpus fails.

use std::path::PathBuf;
use stv2lint::code::Code;
use stv2lint::diagnostic::Severity;
use stv2lint::CheckOptions;

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

/// (code, severity, file, line, message) of every active diagnostic.
type Found = Vec<(String, Severity, String, usize, String)>;

fn run(paths: &[PathBuf], opts: &CheckOptions) -> Found {
    let out = stv2lint::check(paths, opts);
    out.active()
        .map(|d| {
            let (file, line) = match d.span {
                Some(s) => {
                    let f = out.ws.sources.get(s.file);
                    (f.path.to_string_lossy().to_string(), f.line_col(s.start).0)
                }
                None => (String::new(), 0),
            };
            (
                d.code.to_string(),
                d.severity,
                file,
                line,
                d.message.clone(),
            )
        })
        .collect()
}

fn show(found: &Found) -> String {
    found
        .iter()
        .map(|(c, s, f, l, m)| format!("  {f}:{l} {} {c} {m}", s.as_str()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Errors and warnings of the network rules (everything but the engine's own codes).
fn findings(found: &Found) -> Vec<&(String, Severity, String, usize, String)> {
    found
        .iter()
        .filter(|(c, s, ..)| {
            c.as_str() > "STV009" && matches!(s, Severity::Error | Severity::Warning)
        })
        .collect()
}

/// The Terraform deployments (corpus/SOURCES.md D06, D07, D10–D17).
const TF_DIRS: &[&str] = &[
    "Azure__apim-landing-zone-accelerator/scenarios/apim-baseline/terraform",
    "Azure__terraform-azurerm-avm-res-apimanagement-service",
    "aztfmod__terraform-azurerm-caf",
    "Azure__terraform-azurerm-sec-api-management",
    "epam__ecc-azure-rulepack",
    "JoshuaGlassKainos__api-mgmt-v1-to-v2",
    "CloudNationHQ__terraform-azure-apim",
];

#[test]
#[ignore = "needs STV2LINT_CORPUS"]
fn corpus_every_terraform_file_loads_without_parse_errors() {
    let c = corpus();
    let mut files = 0;
    for e in walkdir::WalkDir::new(&c).into_iter().flatten() {
        let n = e.file_name().to_string_lossy().to_ascii_lowercase();
        if n.ends_with(".tf") || n.ends_with(".tfvars") || n.ends_with(".tf.json") {
            files += 1;
        }
    }
    assert!(
        files > 90,
        "only {files} Terraform files found under {}",
        c.display()
    );
    let paths: Vec<PathBuf> = TF_DIRS.iter().map(|d| c.join(d)).collect();
    let found = run(&paths, &CheckOptions::default());
    let parse: Vec<_> = found.iter().filter(|f| f.0 == "STV001").collect();
    assert!(parse.is_empty(), "parse errors:\n{}", show(&found));
}

#[test]
#[ignore = "needs STV2LINT_CORPUS"]
fn corpus_landing_zone_flags_the_sql_rule_on_1443() {
    let c = corpus();
    let dir = c.join("Azure__apim-landing-zone-accelerator/scenarios/apim-baseline/terraform");
    let found = run(&[dir], &CheckOptions::default());
    let errors: Vec<_> = found.iter().filter(|f| f.1 == Severity::Error).collect();
    assert!(errors.is_empty(), "errors:\n{}", show(&found));
    let sql = found.iter().find(|(code, _, file, line, _)| {
        code == "STV208" && file.ends_with("modules/networking/networking.tf") && *line == 116
    });
    assert!(
        sql.is_some(),
        "no STV208 on the 1443 rule's destination port (networking.tf:116):\n{}",
        show(&found)
    );
}

#[test]
#[ignore = "needs STV2LINT_CORPUS"]
fn corpus_landing_zone_multi_region_loads() {
    let c = corpus();
    let dir = c.join("Azure__apim-landing-zone-accelerator/scenarios/apim-baseline/terraform");
    let mut opts = CheckOptions::default();
    opts.load.vars = vec![("multiRegionEnabled".into(), "true".into())];
    let out = stv2lint::check(&[dir], &opts);
    // Two regions: the primary and the additional location, each with its own subnet.
    assert_eq!(out.ws.apims.len(), 1, "one instance");
    let a = &out.ws.apims[0];
    assert_eq!(a.locations.len(), 2);
    for l in &a.locations {
        let id = l.subnet.as_ref().and_then(|s| s.get()).expect("subnet id");
        assert!(out.ws.subnet(id).is_some(), "subnet {id} is declared");
    }
    assert!(
        !out.active().any(|d| d.code == Code::Stv001),
        "parse errors in the multi-region run"
    );
}

#[test]
#[ignore = "needs STV2LINT_CORPUS"]
fn corpus_avm_module_not_injected_has_no_network_findings() {
    let c = corpus();
    let found = run(
        &[c.join("Azure__terraform-azurerm-avm-res-apimanagement-service")],
        &CheckOptions::default(),
    );
    assert!(findings(&found).is_empty(), "findings:\n{}", show(&found));
}

#[test]
#[ignore = "needs STV2LINT_CORPUS"]
fn corpus_sec_api_management_subnet_without_nsg() {
    let c = corpus();
    let found = run(
        &[c.join("Azure__terraform-azurerm-sec-api-management")],
        &CheckOptions::default(),
    );
    assert!(
        found.iter().any(|f| f.0 == "STV201"),
        "no STV201:\n{}",
        show(&found)
    );
}

#[test]
#[ignore = "needs STV2LINT_CORPUS"]
fn corpus_tfvars_for_a_remote_module_give_no_false_errors() {
    let c = corpus();
    for d in [
        "aztfmod__terraform-azurerm-caf/examples/apim/115-api_management_private_virtual_network",
        "aztfmod__terraform-azurerm-caf/examples/apim/118-api_management_platform_stv2",
    ] {
        let out = stv2lint::check(&[c.join(d)], &CheckOptions::default());
        assert!(out.files >= 1);
        let bad: Vec<_> = out
            .active()
            .filter(|d| matches!(d.severity, Severity::Error | Severity::Warning))
            .map(|d| d.message.clone())
            .collect();
        assert!(bad.is_empty(), "{d}: {bad:?}");
    }
}
