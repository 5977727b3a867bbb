//! The Bicep front end against the real deployments in the shared corpus. Ignored unless run with
//! `--include-ignored` and `STV2LINT_CORPUS` pointing at the corpus (`.ci/run` does both).

use std::path::{Path, PathBuf};
use stv2lint::code::Code;
use stv2lint::diagnostic::{Diagnostic, Severity};
use stv2lint::frontend::bicep::parser;
use stv2lint::frontend::LoadOptions;
use stv2lint::source::{FileId, Lang};
use stv2lint::{CheckOptions, Outcome};

const QS: &str = "Azure__azure-quickstart-templates/quickstarts/microsoft.apimanagement";

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

fn bicep_files(root: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walkdir::WalkDir::new(root)
        .into_iter()
        .flatten()
        .filter(|e| {
            let n = e.file_name().to_string_lossy();
            e.file_type().is_file() && (n.ends_with(".bicep") || n.ends_with(".bicepparam"))
        })
        .map(|e| e.path().to_path_buf())
        .collect();
    out.sort();
    out
}

#[test]
#[ignore = "needs STV2LINT_CORPUS"]
fn corpus_every_bicep_file_parses() {
    let root = corpus();
    let files = bicep_files(&root);
    assert!(files.len() > 100, "expected the corpus's 163 Bicep files");
    let mut failures = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        if let Err(e) = parser::parse(&text, FileId(0)) {
            let line = text[..e.offset.min(text.len())].matches('\n').count() + 1;
            failures.push(format!("{}:{}: {}", f.display(), line, e.message));
        }
    }
    assert!(
        failures.is_empty(),
        "{} files failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn run(paths: &[PathBuf], parameters: Vec<PathBuf>) -> Outcome {
    let opts = CheckOptions {
        load: LoadOptions {
            parameters,
            ..Default::default()
        },
        ..Default::default()
    };
    stv2lint::check(paths, &opts)
}

/// `code file:line message` of the active diagnostics, for assertion messages.
fn listing(o: &Outcome) -> String {
    o.active()
        .map(|d| {
            let at = d
                .span
                .map(|s| {
                    let f = o.ws.sources.get(s.file);
                    format!("{}:{}", f.display, f.line_col(s.start).0)
                })
                .unwrap_or_default();
            format!("  {} {} {} {}", d.code, d.severity, at, d.message)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn has(o: &Outcome, code: Code, file_ends: &str) -> bool {
    o.active().any(|d| {
        d.code == code
            && d.span
                .is_some_and(|s| o.ws.sources.get(s.file).path.ends_with(file_ends))
    })
}

/// Findings about the network (anything but the engine's own STV001/STV002).
fn findings(o: &Outcome) -> Vec<&Diagnostic> {
    o.active()
        .filter(|d| d.code != Code::Stv001 && d.code != Code::Stv002)
        .collect()
}

#[test]
#[ignore = "needs STV2LINT_CORPUS"]
fn corpus_every_bicep_file_loads_without_parse_errors() {
    let root = corpus();
    let o = run(std::slice::from_ref(&root), vec![]);
    let bicep_errors: Vec<String> = o
        .active()
        .filter(|d| d.code == Code::Stv001)
        .filter_map(|d| d.span)
        .map(|s| o.ws.sources.get(s.file))
        .filter(|f| matches!(f.lang, Lang::Bicep | Lang::BicepParam))
        .map(|f| f.display.clone())
        .collect();
    assert!(
        bicep_errors.is_empty(),
        "STV001 in Bicep files:\n{}",
        listing(&o)
    );
    // Every Bicep file of the corpus was read.
    let read =
        o.ws.sources
            .iter()
            .filter(|(_, f)| matches!(f.lang, Lang::Bicep | Lang::BicepParam))
            .count();
    assert_eq!(read, bicep_files(&root).len());
}

#[test]
#[ignore = "needs STV2LINT_CORPUS"]
fn corpus_internal_vnet_app_gateway_quickstart_has_no_nsg() {
    let root = corpus();
    let d = root
        .join(QS)
        .join("api-management-create-with-internal-vnet-application-gateway");
    let o = run(&[d], vec![]);
    assert!(has(&o, Code::Stv201, "main.bicep"), "{}", listing(&o));
}

#[test]
#[ignore = "needs STV2LINT_CORPUS"]
fn corpus_external_vnet_quickstart_main_bicep_has_no_error() {
    let root = corpus();
    let f = root
        .join(QS)
        .join("api-management-create-with-external-vnet-publicip/main.bicep");
    let o = run(&[f], vec![]);
    // Its only error: Deny_All_Internet_Outbound @999 blocks outbound TCP 80 (F11, STV210).
    assert!(
        !o.active()
            .any(|d| d.severity == Severity::Error && d.code != Code::Stv210),
        "{}",
        listing(&o)
    );
    assert!(!o.ws.apims.is_empty());
}

#[test]
#[ignore = "needs STV2LINT_CORPUS"]
fn corpus_avm_v2max_premiumv2_has_no_network_findings() {
    let repo = corpus().join("Azure__bicep-registry-modules");
    let d = repo.join("avm/res/api-management/service/tests/e2e/v2max");
    // The test deploys `../../../main.bicep`, above the directory linted. In a clone the git
    // work tree is the linted tree; the corpus keeps no `.git`, so the repository folder is
    // given as the root, as `--root` would.
    let opts = CheckOptions {
        roots: vec![repo],
        ..Default::default()
    };
    let o = stv2lint::check(&[d], &opts);
    assert_eq!(
        o.ws.apims.len(),
        1,
        "the init/idem loop deploys one instance"
    );
    assert_eq!(
        o.ws.apims[0].sku.get().map(String::as_str),
        Some("PremiumV2")
    );
    let f = findings(&o);
    assert!(f.is_empty(), "{}", listing(&o));
    // The only infos allowed are about files the corpus did not copy (AVM child modules).
    assert!(
        !o.active()
            .any(|d| d.code == Code::Stv002 && !d.message.contains("does not exist")),
        "{}",
        listing(&o)
    );
}

#[test]
#[ignore = "needs STV2LINT_CORPUS"]
fn corpus_integration_starter_kit_links_two_deployments() {
    let root = corpus();
    let d =
        root.join("christopherhouse__Azure-Integration-Services-Starter-Kit/infrastructure/bicep");
    let o = run(&[d], vec![]);
    // The instance of 02-main finds the subnet 01-foundation creates, through `existing`.
    let apim = &o.ws.apims[0];
    let id = apim.locations[0]
        .subnet
        .as_ref()
        .and_then(|s| s.get())
        .unwrap();
    assert!(o.ws.subnet(id).is_some(), "{id}");
    assert!(
        has(&o, Code::Stv208, "apimNetworkSecurityGroup.bicep"),
        "{}",
        listing(&o)
    );
    assert!(
        has(&o, Code::Stv104, "virtualNetwork.bicep"),
        "{}",
        listing(&o)
    );
    // The /29 prefix is written in the parameter file: it is named as the value's origin.
    let hr = o.active().find(|d| d.code == Code::Stv104).unwrap();
    assert!(
        hr.related.iter().any(|r| o
            .ws
            .sources
            .get(r.span.file)
            .path
            .ends_with("01-foundation.local.bicepparam")),
        "{}",
        listing(&o)
    );
}

#[test]
#[ignore = "needs STV2LINT_CORPUS"]
fn corpus_egress_control_forced_tunnel_on_the_appgw_apim_subnet() {
    let root = corpus();
    let repo = root.join("Azure-Samples__Apim-Samples");
    // appgw-apim's `apimSku` has no default; the sample is run with a classic SKU.
    let params = std::env::temp_dir().join(format!("stv2lint-egress-{}.json", std::process::id()));
    std::fs::write(
        &params,
        r#"{ "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
  "contentVersion": "1.0.0.0", "parameters": { "apimSku": { "value": "Developer" } } }"#,
    )
    .unwrap();
    let o = run(std::slice::from_ref(&repo), vec![params.clone()]);
    let _ = std::fs::remove_file(&params);
    assert!(has(&o, Code::Stv501, "firewall.bicep"), "{}", listing(&o));
    // Without a SKU (issue 8's acceptance target): the re-declared APIM subnet is undelegated
    // and the instance is Internal, so the tier can only be Developer or Premium, and the
    // forced tunnel without the ApiManagement route is an error in both.
    let o = run(&[repo], vec![]);
    assert!(
        o.active().any(|d| d.code == Code::Stv501
            && d.severity == stv2lint::diagnostic::Severity::Error
            && o.ws
                .sources
                .get(d.span.unwrap().file)
                .path
                .ends_with("network/v1/firewall.bicep")),
        "{}",
        listing(&o)
    );
}
