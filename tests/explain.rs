//! `stv2lint explain` on the bundled examples: a snapshot of each format (insta, in
//! `tests/snapshots/`), the flow table against what `check` reports, and the command's exit codes.

use std::path::Path;
use std::process::Command;
use stv2lint::cli::ExplainFormat;
use stv2lint::rules::explain::{explain, FlowVerdict};
use stv2lint::rules::flows::flows;

const EXAMPLES: [&str; 3] = ["broken-apim", "broken-apim-bicep", "broken-apim-terraform"];

fn root() -> &'static Path {
    // Paths in the output are relative to the working directory: run from the crate root.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::env::set_current_dir(root).unwrap();
    root
}

fn rendered(dir: &str, format: ExplainFormat) -> String {
    root();
    let o = stv2lint::check(&[format!("examples/{dir}").into()], &Default::default());
    let ex = explain(&o.ws, &Default::default());
    let mut out = Vec::new();
    stv2lint::report::explain::render(format, &ex, &o.ws, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn snapshot(format: ExplainFormat, name: &str) {
    for dir in EXAMPLES {
        let got = rendered(dir, format);
        insta::with_settings!({
            prepend_module_to_snapshot => false,
            omit_expression => true,
            description => format!("stv2lint explain examples/{dir} --format {name}"),
        }, {
            insta::assert_snapshot!(format!("explain-{dir}.{name}"), got);
        });
    }
}

#[test]
fn human() {
    snapshot(ExplainFormat::Human, "human");
}

#[test]
fn json() {
    snapshot(ExplainFormat::Json, "json");
}

#[test]
fn markdown() {
    snapshot(ExplainFormat::Markdown, "markdown");
}

/// The human table fits 100 columns wherever the text can break (only a single token longer
/// than the line, a long path, may exceed it; the examples have none).
#[test]
fn human_lines_fit_100_columns() {
    for dir in EXAMPLES {
        let got = rendered(dir, ExplainFormat::Human);
        for l in got.lines() {
            assert!(l.chars().count() <= 100, "{dir}: {l}");
        }
    }
}

/// Every required flow of rules/flows.yaml appears with a deciding rule on the fully known
/// examples, and the verdicts agree with `check`: a blocked flow is exactly one its rule reports.
#[test]
fn every_required_flow_has_its_deciding_rule_and_agrees_with_check() {
    root();
    for dir in EXAMPLES {
        let o = stv2lint::check(&[format!("examples/{dir}").into()], &Default::default());
        let ex = explain(&o.ws, &Default::default());
        assert_eq!(ex.sites.len(), 1, "{dir}");
        let site = &ex.sites[0];
        // The examples are single-region External instances: flows of other modes (F22) or of
        // multi-region instances (F05) do not apply.
        for flow in flows().iter().filter(|f| {
            f.modes.iter().any(|m| m.eq_ignore_ascii_case("external")) && f.applies_when.is_none()
        }) {
            let row = site
                .flows
                .iter()
                .find(|r| r.id == flow.id)
                .unwrap_or_else(|| panic!("{dir}: {} missing", flow.id));
            assert_ne!(row.verdict, FlowVerdict::Unknown, "{dir}: {row:?}");
            let rule = row
                .rule
                .as_ref()
                .unwrap_or_else(|| panic!("{dir}: {} has no deciding rule", flow.id));
            assert!(rule.priority.is_some(), "{dir}: {row:?}");
            // A custom rule points at its declaration; a default rule has none.
            assert_eq!(rule.at.is_none(), rule.default, "{dir}: {row:?}");
            let reported = o.active().any(|d| d.code == flow.rule);
            assert_eq!(
                row.verdict != FlowVerdict::Allowed,
                reported,
                "{dir}: {} is {:?} but check {} {}",
                flow.id,
                row.verdict,
                if reported {
                    "reports"
                } else {
                    "does not report"
                },
                flow.rule
            );
        }
        // The example's deny on Internet blocks the management endpoint.
        let f03 = site.flows.iter().find(|r| r.id == "F03").unwrap();
        assert_eq!(f03.verdict, FlowVerdict::Blocked);
        assert_eq!(f03.rule.as_ref().unwrap().name, "DenyInternetInbound");
    }
}

fn bin(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_stv2lint"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn exit_code_is_0_with_findings_and_2_for_an_incomplete_run() {
    let (code, out, _) = bin(&["explain", "examples/broken-apim", "--format", "json"]);
    assert_eq!(code, 0, "findings do not fail explain");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["locations"][0]["instance"], "contoso-apim");
    let (code, _, err) = bin(&["explain", "examples/no-such-dir"]);
    assert_eq!(code, 2);
    assert!(err.contains("no such file or directory"), "{err}");
    let (code, _, _) = bin(&["explain", "examples/broken-apim", "--format", "sarif"]);
    assert_eq!(code, 2, "a bad option");
}
