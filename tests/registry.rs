//! The registry (`src/rules/mod.rs` RULES) is the one source of what a rule is called, how heavy
//! its findings are by default and what it is about. These tests hold everything that repeats it
//! to it: the README's rule table, `stv2lint rules`, the rule pages and the flow table.

use std::path::Path;
use std::process::Command;
use stv2lint::code::Code;
use stv2lint::diagnostic::Severity;
use stv2lint::rules::{flows, RULES};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The rows of the table that follows `## Rules` in the README, as trimmed cells.
fn readme_rule_rows() -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let section = text
        .split("\n## Rules\n")
        .nth(1)
        .expect("README.md has a '## Rules' section");
    let section = section.split("\n## ").next().unwrap();
    section
        .lines()
        .filter(|l| l.starts_with("| STV"))
        .map(|l| {
            l.trim()
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_string())
                .collect()
        })
        .collect()
}

#[test]
fn readme_rule_table_matches_the_registry() {
    let rows = readme_rule_rows();
    let codes: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    let want: Vec<&str> = RULES.iter().map(|r| r.code.as_str()).collect();
    assert_eq!(codes, want, "README rule table: codes, in registry order");
    for (row, rule) in rows.iter().zip(RULES) {
        assert_eq!(
            row.len(),
            4,
            "{}: | Code | Name | Default | What |",
            rule.code
        );
        assert_eq!(row[1], rule.name, "{}: name", rule.code);
        // The Default cell may explain when a finding weighs differently, after the default.
        let default = row[2].split_whitespace().next().unwrap_or("");
        assert_eq!(
            default,
            rule.severity.as_str(),
            "{}: the Default column starts with the registered default",
            rule.code
        );
        assert_eq!(row[3], rule.summary, "{}: summary", rule.code);
    }
}

#[test]
fn rules_command_lists_the_registry() {
    let out = Command::new(env!("CARGO_BIN_EXE_stv2lint"))
        .arg("rules")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), RULES.len(), "{text}");
    for (line, rule) in lines.iter().zip(RULES) {
        let mut words = line.split_whitespace();
        let got = (
            words.next().unwrap_or(""),
            words.next().unwrap_or(""),
            words.next().unwrap_or(""),
            words.collect::<Vec<_>>().join(" "),
        );
        assert_eq!(
            got,
            (
                rule.code.as_str(),
                rule.name,
                rule.severity.as_str(),
                rule.summary
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            "stv2lint rules: {line}"
        );
    }
}

/// The sections every rule page has, in this order (each page is read the same way).
const SECTIONS: &[&str] = &["## What", "## Why", "## Example", "## Fix", "## Sources"];

#[test]
fn every_rule_has_a_page_with_the_common_sections() {
    for rule in RULES {
        let page = rule.page;
        let title = format!("# {} {}\n", rule.code, rule.name);
        assert!(
            page.starts_with(&title),
            "rules/{}.md must start with '{}'",
            rule.code,
            title.trim()
        );
        let headings: Vec<&str> = page.lines().filter(|l| l.starts_with("## ")).collect();
        assert_eq!(
            headings, SECTIONS,
            "rules/{}.md: its sections, in order",
            rule.code
        );
        for section in page.split("\n## ").skip(1) {
            let body = section.split_once('\n').map(|x| x.1).unwrap_or("");
            assert!(
                !body.trim().is_empty(),
                "rules/{}.md: section '## {}' is empty",
                rule.code,
                section.lines().next().unwrap_or("")
            );
        }
    }
}

#[test]
fn every_page_in_rules_belongs_to_a_registered_rule() {
    for e in std::fs::read_dir(repo().join("rules")).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        // rules/README.md maps the requirements to the rules; it is no rule's page.
        let Some(code) = name.strip_suffix(".md").filter(|_| name != "README.md") else {
            continue;
        };
        // The requirement map, not a rule page.
        if code == "README" {
            continue;
        }
        let rule = stv2lint::rules::find(code)
            .unwrap_or_else(|| panic!("rules/{name} has no rule in the registry"));
        assert_eq!(
            rule.code.as_str(),
            code,
            "rules/{name}: spelled as the code"
        );
        assert_eq!(
            rule.page,
            std::fs::read_to_string(e.path()).unwrap(),
            "rules/{name} is the page the binary embeds"
        );
    }
}

/// rules/flows.yaml decides every flow severity; the registered default of a flow rule (what
/// `stv2lint rules`, SARIF and the README show) is the table's `severity` of its flows.
#[test]
fn flow_severities_come_from_the_flow_table() {
    let all = flows::flows();
    assert!(!all.is_empty());
    for flow in all {
        let rule = stv2lint::rules::rule(flow.rule);
        assert_eq!(
            Severity::from(flow.severity),
            rule.severity,
            "{} ({}): rules/flows.yaml says {:?}, the registry {}",
            flow.id,
            flow.rule,
            flow.severity,
            rule.severity
        );
        assert!(
            !flow.population || flow.subset_severity.is_some(),
            "{}: a population flow needs subset_severity",
            flow.id
        );
    }
    assert!(flows::uncertain_severity() < Severity::Error);
}

/// Advisory rules (advice for every deployment of a kind) stay silent in a default run and run
/// when `--select` names them.
#[test]
fn advisory_rules_run_only_when_selected() {
    let fixture = repo().join("fixtures/bicep/STV701/fail-internal-without-zone.bicep");
    let count = |select: Vec<String>| {
        let opts = stv2lint::CheckOptions {
            select,
            ..Default::default()
        };
        stv2lint::check(std::slice::from_ref(&fixture), &opts)
            .active()
            .filter(|d| d.code == Code::Stv701)
            .count()
    };
    assert_eq!(count(vec![]), 0);
    assert_eq!(count(vec!["STV701".into()]), 1);
    assert_eq!(count(vec!["STV7".into()]), 1);
    assert!(stv2lint::rules::is_advisory(Code::Stv505));
    assert!(!stv2lint::rules::is_advisory(Code::Stv504));
}

/// Rule pages stand on their own: none points at a requirements file the repository does not
/// ship, and every page's Sources cites at least one public page (https).
#[test]
fn rule_pages_cite_public_sources_only() {
    for rule in stv2lint::rules::RULES {
        let page = rule.page;
        for outside in ["REQUIREMENTS", "../shared", "corpus-truth"] {
            assert!(
                !page.contains(outside),
                "{}: mentions {outside}, which is not in the repository",
                rule.code
            );
        }
        let sources = page
            .split("\n## ")
            .find(|s| s.starts_with("Sources"))
            .unwrap_or_else(|| panic!("{}: no Sources section", rule.code));
        assert!(
            sources.contains("](https://"),
            "{}: Sources has no https link",
            rule.code
        );
    }
    // And nothing else in rules/ (the flow table) points outside the repository.
    for entry in std::fs::read_dir(repo().join("rules")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("REQUIREMENTS"), "{}", path.display());
    }
}

/// Codes are one typed id (`stv2lint::code::Code`): the registry holds every id once,
/// and each id's text parses back to it, in any case, as users write it in `--select`,
/// `.stv2lint.yaml` and suppression comments.
#[test]
fn every_code_is_registered_once_and_parses_back() {
    let mut registered: Vec<Code> = RULES.iter().map(|r| r.code).collect();
    registered.sort();
    assert_eq!(registered, Code::ALL, "RULES lists every code once");
    for &code in Code::ALL {
        assert_eq!(stv2lint::rules::rule(code).code, code);
        for text in [
            code.as_str().to_string(),
            code.as_str().to_ascii_lowercase(),
        ] {
            assert_eq!(text.parse::<Code>(), Ok(code), "{text}");
            assert_eq!(stv2lint::rules::find(&text).map(|r| r.code), Some(code));
        }
        assert_eq!(code.to_string(), code.as_str());
        assert_eq!(
            serde_json::to_value(code).unwrap(),
            serde_json::json!(code.as_str())
        );
    }
    for unknown in ["", "STV", "STV2", "STV999", "STV0010", "XYZ201"] {
        assert!(unknown.parse::<Code>().is_err(), "{unknown:?}");
    }
}
