//! The fixture harness: every fixture under `fixtures/<format>/<CODE>/<name>` (a file, or a
//! directory checked as one run) carries its expectations as `expect: CODE[, CODE]` comments on
//! the lines where diagnostics must land. The harness compares the full set of
//! (file, line, code) — STV002 included — and reports every mismatch at once.
//!
//! Names starting with `fail-` must expect their rule's code; `pass-` must not. The meta-tests
//! below require, for every rule with a check, at least one of each per supported format.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use stv2lint::rules::RULES;

/// Formats whose front ends are in; each must have fixtures for every rule.
const FORMATS: &[&str] = &["arm", "bicep", "terraform"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// All fixtures: (format, code dir, path).
fn fixtures() -> Vec<(String, String, PathBuf)> {
    let mut out = Vec::new();
    let Ok(formats) = std::fs::read_dir(root()) else {
        return out;
    };
    for f in formats.flatten() {
        if !f.path().is_dir() {
            continue;
        }
        for code in std::fs::read_dir(f.path()).into_iter().flatten().flatten() {
            if !code.path().is_dir() {
                continue;
            }
            for fx in std::fs::read_dir(code.path())
                .into_iter()
                .flatten()
                .flatten()
            {
                out.push((
                    f.file_name().to_string_lossy().to_string(),
                    code.file_name().to_string_lossy().to_string(),
                    fx.path(),
                ));
            }
        }
    }
    out.sort();
    out
}

type Expect = BTreeSet<(String, usize, String)>;

/// `expect:` markers of every file of a fixture, with paths relative to the fixture root.
fn expectations(fixture: &Path) -> Expect {
    let mut set = Expect::new();
    let files: Vec<PathBuf> = if fixture.is_dir() {
        walkdir::WalkDir::new(fixture)
            .into_iter()
            .flatten()
            .filter(|e| e.file_type().is_file())
            .map(|e| e.path().to_path_buf())
            .collect()
    } else {
        vec![fixture.to_path_buf()]
    };
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        for (i, line) in text.lines().enumerate() {
            if let Some(pos) = line.find("expect:") {
                let before = &line[..pos];
                if !(before.trim_end().ends_with("//")
                    || before.trim_end().ends_with('#')
                    || before.trim_end().ends_with("/*"))
                {
                    continue;
                }
                let rest = line[pos + "expect:".len()..].trim_end_matches("*/");
                for code in rest.split([',', ' ']).filter(|c| !c.trim().is_empty()) {
                    let code = code.trim();
                    if code.starts_with("STV") {
                        set.insert((rel(&file), i + 1, code.to_string()));
                    }
                }
            }
        }
    }
    set
}

fn rel(p: &Path) -> String {
    let canon = std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let base = std::fs::canonicalize(root()).unwrap();
    canon
        .strip_prefix(&base)
        .unwrap_or(&canon)
        .to_string_lossy()
        .replace('\\', "/")
}

fn actual(fixture: &Path) -> (Expect, Vec<String>) {
    let outcome = stv2lint::check(&[fixture.to_path_buf()], &Default::default());
    let mut set = Expect::new();
    let mut lines = Vec::new();
    for d in outcome.active() {
        let Some(span) = d.span else {
            lines.push(format!("  (no location) {} {}", d.code, d.message));
            continue;
        };
        let f = outcome.ws.sources.get(span.file);
        let (line, _) = f.line_col(span.start);
        let file = rel(&f.path);
        lines.push(format!("  {}:{} {} {}", file, line, d.code, d.message));
        set.insert((file, line, d.code.to_string()));
    }
    (set, lines)
}

#[test]
fn every_fixture_meets_its_expectations() {
    let mut failures = Vec::new();
    let all = fixtures();
    assert!(
        !all.is_empty(),
        "no fixtures found under {}",
        root().display()
    );
    for (_, _, path) in &all {
        let want = expectations(path);
        let (got, lines) = actual(path);
        if want != got {
            let missing: Vec<_> = want.difference(&got).collect();
            let extra: Vec<_> = got.difference(&want).collect();
            failures.push(format!(
                "{}\n  missing: {:?}\n  unexpected: {:?}\n  all diagnostics:\n{}",
                path.display(),
                missing,
                extra,
                lines.join("\n")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixtures failed:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n\n")
    );
}

#[test]
fn fixture_names_match_their_expectations() {
    for (_, code, path) in fixtures() {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let codes: BTreeSet<String> = expectations(&path).into_iter().map(|e| e.2).collect();
        if name.starts_with("fail-") {
            assert!(
                codes.contains(&code),
                "{} is a fail- fixture but expects no {code}",
                path.display()
            );
        } else if name.starts_with("pass-") {
            assert!(
                !codes.contains(&code),
                "{} is a pass- fixture but expects {code}",
                path.display()
            );
        }
    }
}

#[test]
fn every_rule_has_failing_and_passing_fixtures_in_every_format() {
    let all = fixtures();
    let mut missing = Vec::new();
    for rule in RULES.iter().filter(|r| r.check.is_some()) {
        for format in FORMATS {
            let mine: Vec<_> = all
                .iter()
                .filter(|(f, c, _)| f == format && c == rule.code)
                .collect();
            let has = |prefix: &str| {
                mine.iter()
                    .any(|(_, _, p)| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
            };
            if !has("fail-") {
                missing.push(format!("{format}/{}: no fail- fixture", rule.code));
            }
            if !has("pass-") {
                missing.push(format!("{format}/{}: no pass- fixture", rule.code));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "missing fixtures:\n{}",
        missing.join("\n")
    );
}

#[test]
fn every_rule_has_a_page() {
    for rule in RULES {
        let page = rule.page;
        assert!(
            page.starts_with(&format!("# {} {}", rule.code, rule.name)),
            "rules/{}.md must start with '# {} {}'",
            rule.code,
            rule.code,
            rule.name
        );
        for section in ["## What", "## Why", "## Example", "## Fix", "## Sources"] {
            assert!(
                page.contains(section),
                "rules/{}.md lacks a '{section}' section",
                rule.code
            );
        }
    }
}
