//! Golden outputs of the renderers on the bundled example (insta snapshots in `tests/snapshots/`).
//! A change in rendering shows up as a diff here; after checking it, refresh every snapshot of the
//! project with `INSTA_UPDATE=always cargo test`.

use std::path::Path;
use stv2lint::cli::OutputFormat;

fn snapshot(name: &str, format: OutputFormat) {
    // Paths in the output are relative to the working directory: run from the crate root.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::env::set_current_dir(root).unwrap();
    let o = stv2lint::check(&["examples/broken-apim".into()], &Default::default());
    let mut out = Vec::new();
    stv2lint::report::render(format, &o, &mut out).unwrap();
    let got = String::from_utf8(out).unwrap();
    insta::with_settings!({
        prepend_module_to_snapshot => false,
        omit_expression => true,
        description => format!("stv2lint check examples/broken-apim --format {name}"),
    }, {
        insta::assert_snapshot!(format!("broken-apim.{name}"), got);
    });
}

/// The human report of `path` at `width` columns (fixed here: the test must not depend on the
/// terminal it runs in), every line within the width.
fn human(path: &str, width: usize) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::env::set_current_dir(root).unwrap();
    let mut opts = stv2lint::CheckOptions::default();
    // An advisory rule's fixture selects its own code, as tests/fixtures.rs does.
    if let Some(code) = path
        .split('/')
        .find(|c| c.parse().is_ok_and(stv2lint::rules::is_advisory))
    {
        opts.select = vec![code.to_string()];
    }
    let o = stv2lint::check(&[path.into()], &opts);
    assert!(o.files > 0, "{path}: nothing read");
    let mut out = Vec::new();
    stv2lint::report::human::render_width(&o, &mut out, width).unwrap();
    let got = String::from_utf8(out).unwrap();
    // A file path is not broken (it is copied whole): only a line naming one may be wider.
    for line in got.lines().filter(|l| !l.contains(path)) {
        assert!(
            line.chars().count() <= width,
            "{path}: wider than {width} columns: {line:?}"
        );
    }
    got
}

/// Snapshot of the human report at a narrow and a wide terminal.
fn human_at(path: &str, width: usize) {
    let got = human(path, width);
    let name = path
        .trim_start_matches("examples/")
        .replace('/', "__")
        .trim_end_matches(['.'])
        .to_string();
    insta::with_settings!({
        prepend_module_to_snapshot => false,
        omit_expression => true,
        description => format!("COLUMNS={width} stv2lint check {path} --format human"),
    }, {
        insta::assert_snapshot!(format!("{name}.human-{width}"), got);
    });
}

/// The three bundled examples, and fixtures that show the other shapes of a finding: the
/// default rule dropping a flow (the NSG underlined), a value from a parameter file (a place
/// in another file), a route, an invalid rule, an STV002.
const HUMAN: &[&str] = &[
    "examples/broken-apim",
    "examples/broken-apim-bicep",
    "examples/broken-apim-terraform",
    "fixtures/terraform/STV202/fail-no-management-rule.tf",
    "fixtures/arm/STV103/fail-prefix-from-parameter-file",
    "fixtures/bicep/STV501/fail-firewall-without-apim-route.bicep",
    "fixtures/arm/STV214/fail-duplicate-priority-and-tag-in-plural.json",
    "fixtures/terraform/STV202/fail-separate-rules-unknown-nsg-name.tf",
];

#[test]
fn human_80() {
    for path in HUMAN {
        human_at(path, 80);
    }
}

#[test]
fn human_120() {
    for path in HUMAN {
        human_at(path, 120);
    }
}

/// A typical finding fits in about a dozen lines: the headline, the place with the problem
/// under it, a line per other place, the help. Findings are separated by a blank line.
#[test]
fn a_typical_finding_is_about_a_dozen_lines() {
    for (width, median_max, max) in [(80, 14, 18), (120, 12, 14)] {
        for path in &HUMAN[..3] {
            let got = human(path, width);
            let findings: Vec<&str> = got.split("\n\n").filter(|f| f.contains('[')).collect();
            assert!(findings.len() >= 10, "{path}: {} findings", findings.len());
            let mut lines: Vec<usize> = findings.iter().map(|f| f.trim().lines().count()).collect();
            lines.sort();
            let median = lines[lines.len() / 2];
            assert!(
                median <= median_max && lines[lines.len() - 1] <= max,
                "{path} at {width} columns: lines per finding {lines:?}"
            );
            // The management-endpoint finding: the problem under the deny's address, no path
            // repeated inside it.
            let mgmt = findings
                .iter()
                .find(|f| f.contains("error[STV202] inbound-management-3443:"))
                .unwrap();
            let words = mgmt
                .replace(['│', '·', '╰', '─', '┤'], " ")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            assert!(
                words.contains("denies TCP 3443 from ApiManagement before any allow"),
                "{mgmt}"
            );
            let file = mgmt.split("╭─[").nth(1).unwrap().split(':').next().unwrap();
            assert_eq!(mgmt.matches(file).count(), 1, "{mgmt}");
        }
    }
}

#[test]
fn compact() {
    snapshot("compact", OutputFormat::Compact);
}

#[test]
fn json() {
    snapshot("json", OutputFormat::Json);
}

/// The binary takes the width from `COLUMNS` (a pipe has no terminal to ask).
#[test]
fn human_width_follows_columns() {
    let widest = |columns: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_stv2lint"))
            .args(["check", "examples/broken-apim", "--format", "human"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("COLUMNS", columns)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.contains("error[STV202] inbound-management-3443:"),
            "{text}"
        );
        text.lines().map(|l| l.chars().count()).max().unwrap()
    };
    assert!(widest("80") <= 80);
    let wide = widest("200");
    assert!(wide > 120 && wide <= 200, "{wide}");
}
