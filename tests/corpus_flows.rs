//! The flow rules added for issue 11 against the real deployments of the shared corpus: the
//! quickstarts' Deny Internet @999 blocks TCP 80 outbound (D01, D02, D04), the landing zone's
//! monitor rule lacks 1886 (D06, D07), and no deployment that meets a requirement gets an error
//! for it. Ignored unless run with `--include-ignored` and `STV2LINT_CORPUS` pointing at the corpus.

use std::path::PathBuf;
use stv2lint::diagnostic::Severity;
use stv2lint::{CheckOptions, Outcome};

const QS: &str = "Azure__azure-quickstart-templates/quickstarts/microsoft.apimanagement";
const LZ: &str = "Azure__apim-landing-zone-accelerator/scenarios/apim-baseline/terraform";

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

/// `(code, severity, file, line, message)` of the active diagnostics.
fn found(o: &Outcome) -> Vec<(String, Severity, String, usize, String)> {
    o.active()
        .filter_map(|d| {
            let s = d.span?;
            let f = o.ws.sources.get(s.file);
            Some((
                d.code.to_string(),
                d.severity,
                f.display.replace('\\', "/"),
                f.line_col(s.start).0,
                d.message.clone(),
            ))
        })
        .collect()
}

fn show(f: &[(String, Severity, String, usize, String)]) -> String {
    f.iter()
        .map(|(c, s, file, l, m)| format!("  {c} {s} {file}:{l} {m}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The line of the first occurrence of `needle` in `file`.
fn line_of(file: &PathBuf, needle: &str) -> usize {
    let text = std::fs::read_to_string(file).unwrap();
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle} not in {}", file.display()))
        + 1
}

#[test]
#[ignore = "needs STV2LINT_CORPUS"]
fn quickstarts_deny_internet_blocks_outbound_http() {
    let qs = corpus().join(QS);
    // D01 (Bicep and its ARM twin), D02 (Bicep), D04 (ARM).
    for file in [
        "api-management-create-with-external-vnet-publicip/main.bicep",
        "api-management-create-with-external-vnet-publicip/azuredeploy.json",
        "api-management-create-with-internal-vnet-publicip/main.bicep",
        "api-management-create-with-internal-vnet/azuredeploy.json",
    ] {
        let path = qs.join(file);
        let o = stv2lint::check(std::slice::from_ref(&path), &CheckOptions::default());
        let f = found(&o);
        // The finding points at the field of the deny rule that matches the flow: its
        // destination `Internet` (the first such line after the rule's name).
        let name_line = line_of(&path, "Deny_All_Internet_Outbound");
        let text = std::fs::read_to_string(&path).unwrap();
        let field_line = text
            .lines()
            .enumerate()
            .skip(name_line)
            .find(|(_, l)| l.contains("destinationAddressPrefix") && l.contains("Internet"))
            .map(|(i, _)| i + 1)
            .unwrap_or_else(|| panic!("{file}: no destination Internet after the deny's name"));
        let hit = f.iter().any(|(c, s, p, l, m)| {
            c == "STV210"
                && *s == Severity::Error
                && p.ends_with(file)
                && *l == field_line
                && m.contains("Deny_All_Internet_Outbound")
        });
        assert!(
            hit,
            "{file}: no STV210 error at Deny_All_Internet_Outbound:\n{}",
            show(&f)
        );
        // The quickstarts allow Storage, SQL, Key Vault and Azure Monitor explicitly before the
        // deny: none of those flows is reported.
        for code in ["STV205", "STV206", "STV207", "STV209"] {
            assert!(
                !f.iter().any(|x| x.0 == code),
                "{file}: {code} although the flow is allowed:\n{}",
                show(&f)
            );
        }
    }
}

#[test]
#[ignore = "needs STV2LINT_CORPUS"]
fn landing_zone_monitor_rule_lacks_1886() {
    let dir = corpus().join(LZ);
    let single = stv2lint::check(std::slice::from_ref(&dir), &CheckOptions::default());
    let mut multi = CheckOptions::default();
    multi.load.vars = vec![("multiRegionEnabled".into(), "true".into())];
    let multi = stv2lint::check(std::slice::from_ref(&dir), &multi);
    let net = dir.join("modules/networking/networking.tf");
    // The finding underlines the rule's destination port (443), the field to extend.
    let text = std::fs::read_to_string(&net).unwrap();
    let name_line = line_of(&net, "\"apim-azure-monitor\"");
    let rule_line = text
        .lines()
        .enumerate()
        .skip(name_line)
        .find(|(_, l)| l.contains("destination_port_range"))
        .map(|(i, _)| i + 1)
        .expect("the monitor rule has a destination port");
    for (what, o) in [("D06", &single), ("D07", &multi)] {
        let f = found(o);
        let hit = f.iter().any(|(c, s, p, l, m)| {
            c == "STV208"
                && *s == Severity::Warning
                && p.ends_with("modules/networking/networking.tf")
                && *l == rule_line
                && m.contains("1886")
        });
        assert!(
            hit,
            "{what}: no STV208 for the monitor rule without 1886:\n{}",
            show(&f)
        );
        // No deny: AzureMonitor 1886 still passes through AllowInternetOutBound, so no error.
        assert!(
            !f.iter().any(|x| x.0 == "STV209"),
            "{what}: STV209 without a deny:\n{}",
            show(&f)
        );
    }
}

/// Across the whole corpus the new flow rules give errors only where a flow is really blocked:
/// the quickstarts' Deny_All_Internet_Outbound (TCP 80). Everything else is a warning or info.
#[test]
#[ignore = "needs STV2LINT_CORPUS"]
fn new_flow_rules_give_no_error_where_the_requirement_is_met() {
    let o = stv2lint::check(&[corpus()], &CheckOptions::default());
    let f = found(&o);
    let new = [
        "STV209", "STV210", "STV211", "STV215", "STV216", "STV217", "STV218", "STV219",
    ];
    let errors: Vec<_> = f
        .iter()
        .filter(|x| new.contains(&x.0.as_str()) && x.1 == Severity::Error)
        .collect();
    assert!(
        !errors.is_empty(),
        "the quickstarts' TCP 80 errors are missing"
    );
    for (c, _, p, _, m) in &errors {
        assert!(
            c == "STV210"
                && p.contains("azure-quickstart-templates")
                && m.contains("Deny_All_Internet_Outbound"),
            "unexpected error {c} {p}: {m}"
        );
    }
}
