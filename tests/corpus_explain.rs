//! `stv2lint explain` on three corpus deployments, one per format: a snapshot of each format.
//! Ignored unless run with `--include-ignored` and `STV2LINT_CORPUS` pointing at the corpus.
//! Paths in the output are relative to the corpus root (every test here runs from there).

use std::path::PathBuf;
use stv2lint::cli::ExplainFormat;
use stv2lint::rules::explain::{explain, FlowVerdict};

/// The corpus directory, absolute: the tests change the working directory (in parallel), so a
/// relative `STV2LINT_CORPUS` (CI's `../shared/corpus`) is taken from the package root.
fn corpus() -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(
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

fn snapshots(name: &str, dir: &str) {
    std::env::set_current_dir(corpus()).unwrap();
    let o = stv2lint::check(&[dir.into()], &Default::default());
    assert!(!o.incomplete(), "{dir} loads");
    let ex = explain(&o.ws, &Default::default());
    assert!(!ex.sites.is_empty(), "{dir}: no instance");
    // The core required flows of each location are decided, by a named rule; any other flow
    // that cannot be decided says why.
    const CORE: &[&str] = &["F01", "F03", "F04", "F07", "F08", "F09"];
    for s in &ex.sites {
        assert!(!s.flows.is_empty(), "{dir}: no flow");
        for f in &s.flows {
            if CORE.contains(&f.id.as_str()) {
                assert_ne!(f.verdict, FlowVerdict::Unknown, "{dir}: {f:?}");
            }
            assert!(f.rule.is_some() || f.reason.is_some(), "{dir}: {f:?}");
            if f.verdict == FlowVerdict::Unknown {
                assert!(
                    f.reason.is_some(),
                    "{dir}: an unknown verdict says why: {f:?}"
                );
            }
        }
    }
    for (format, ext) in [
        (ExplainFormat::Human, "human"),
        (ExplainFormat::Json, "json"),
        (ExplainFormat::Markdown, "markdown"),
    ] {
        let mut out = Vec::new();
        stv2lint::report::explain::render(format, &ex, &o.ws, &mut out).unwrap();
        let got = String::from_utf8(out).unwrap();
        insta::with_settings!({
            prepend_module_to_snapshot => false,
            omit_expression => true,
            description => format!("stv2lint explain $STV2LINT_CORPUS/{dir} --format {ext}"),
        }, {
            insta::assert_snapshot!(format!("explain-corpus-{name}.{ext}"), got);
        });
    }
}

#[test]
#[ignore = "needs STV2LINT_CORPUS"]
fn arm_external_vnet_quickstart() {
    snapshots(
        "arm",
        "Azure__azure-quickstart-templates/quickstarts/microsoft.apimanagement/api-management-create-with-external-vnet-publicip",
    );
}

#[test]
#[ignore = "needs STV2LINT_CORPUS"]
fn bicep_apim_bicep() {
    snapshots("bicep", "christopherhouse__Azure-API-Management-Bicep");
}

#[test]
#[ignore = "needs STV2LINT_CORPUS"]
fn terraform_landing_zone() {
    snapshots(
        "terraform",
        "Azure__apim-landing-zone-accelerator/scenarios/apim-baseline/terraform",
    );
}
