//! The fixture harness: every fixture under `fixtures/<format>/<CODE>/<name>` (a file, or a
//! directory checked as one run) carries its expectations as `expect: CODE [severity][, …]`
//! comments on the lines where diagnostics must land; the severity word (`error`, `warning`,
//! `info`) is written only when it differs from the rule's default. The harness compares the full
//! set of (file, line, code, severity) — STV002 included — and reports every mismatch at once.
//!
//! Every fixture's compact output is also an insta snapshot under `tests/snapshots/fixtures/`, so
//! a change of message or column shows in review. After checking a change, refresh them all with
//! `INSTA_UPDATE=always cargo test --test fixtures --test snapshots` (this also deletes snapshots
//! of fixtures that no longer exist). A missing or different snapshot fails the test.
//!
//! Names starting with `fail-` must expect their rule's code; `pass-` must not. The meta-tests
//! below require, for every rule with a check, at least one of each per supported format.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use stv2lint::diagnostic::Severity;
use stv2lint::rules::RULES;

/// Formats whose front ends are in; each must have fixtures for every rule.
const FORMATS: &[&str] = &["arm", "bicep", "terraform"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// All fixtures: (format, code dir, path).
fn fixtures() -> Vec<(String, String, PathBuf)> {
    let mut out = Vec::new();
    let formats = std::fs::read_dir(root())
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", root().display()));
    for f in formats.flatten() {
        // Plan JSON cannot carry `expect:` comments: tests/plan.rs checks each plan against
        // the Terraform fixture it was made from.
        if !f.path().is_dir() || f.file_name() == "plan" {
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

/// One expected or actual diagnostic: (file relative to the fixture root, line, code, severity).
type Key = (String, usize, String, Severity);
type Expect = BTreeSet<Key>;

fn show(k: &Key) -> String {
    format!("{}:{} {} {}", k.0, k.1, k.2, k.3)
}

/// The files of a fixture (itself, or every file under it).
fn files_of(fixture: &Path) -> Vec<PathBuf> {
    if fixture.is_dir() {
        let mut v: Vec<PathBuf> = walkdir::WalkDir::new(fixture)
            .into_iter()
            .flatten()
            .filter(|e| e.file_type().is_file())
            .map(|e| e.path().to_path_buf())
            .collect();
        v.sort();
        v
    } else {
        vec![fixture.to_path_buf()]
    }
}

/// The text after `expect:` on a line, when the marker sits in a comment.
fn marker(line: &str) -> Option<&str> {
    let pos = line.find("expect:")?;
    let before = line[..pos].trim_end();
    if !(before.ends_with("//") || before.ends_with('#') || before.ends_with("/*")) {
        return None;
    }
    Some(line[pos + "expect:".len()..].trim().trim_end_matches("*/"))
}

/// Parse one marker: `CODE [severity]` items separated by commas. The severity defaults to the
/// rule's own; an unknown code, severity word or extra word is an error.
fn parse_marker(text: &str) -> Result<Vec<(String, Severity)>, String> {
    let mut out = Vec::new();
    for item in text.split(',') {
        let words: Vec<&str> = item.split_whitespace().collect();
        let (code, sev) = match words.as_slice() {
            [code] => (*code, None),
            [code, sev] => (*code, Some(*sev)),
            [] => return Err("empty item".into()),
            _ => return Err(format!("'{}' is not `CODE [severity]`", item.trim())),
        };
        let rule = stv2lint::rules::find(code).ok_or_else(|| format!("unknown code '{code}'"))?;
        if rule.code.as_str() != code {
            return Err(format!("write the code as {}, not '{code}'", rule.code));
        }
        let severity = match sev {
            None => rule.severity,
            // Only the words the renderers print, so a marker reads like the output.
            Some(w) => [Severity::Error, Severity::Warning, Severity::Info]
                .into_iter()
                .find(|s| s.as_str() == w)
                .ok_or_else(|| format!("unknown severity '{w}' (write error, warning or info)"))?,
        };
        out.push((code.to_string(), severity));
    }
    Ok(out)
}

/// `expect:` markers of every file of a fixture, with paths relative to the fixture root, and
/// the markers that do not parse (`file:line: why`).
fn read_markers(fixture: &Path) -> (Expect, Vec<String>) {
    let mut set = Expect::new();
    let mut bad = Vec::new();
    for file in files_of(fixture) {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        for (i, line) in text.lines().enumerate() {
            let Some(m) = marker(line) else { continue };
            match parse_marker(m) {
                Ok(items) => {
                    for (code, sev) in items {
                        set.insert((rel(&file), i + 1, code, sev));
                    }
                }
                Err(why) => bad.push(format!("{}:{}: {why}", rel(&file), i + 1)),
            }
        }
    }
    (set, bad)
}

fn expectations(fixture: &Path) -> Expect {
    read_markers(fixture).0
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

/// Advisory rules run only when selected: their fixtures select their own code.
fn run(fixture: &Path) -> stv2lint::Outcome {
    let mut opts = stv2lint::CheckOptions::default();
    let code = fixture
        .parent()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    if code.parse().is_ok_and(stv2lint::rules::is_advisory) {
        opts.select = vec![code];
    }
    stv2lint::check(&[fixture.to_path_buf()], &opts)
}

fn actual(outcome: &stv2lint::Outcome) -> (Expect, Vec<String>) {
    let mut set = Expect::new();
    let mut lines = Vec::new();
    for d in outcome.active() {
        let Some(span) = d.span else {
            lines.push(format!(
                "  (no location) {} {} {}",
                d.code, d.severity, d.message
            ));
            continue;
        };
        let f = outcome.ws.sources.get(span.file);
        let (line, _) = f.line_col(span.start);
        let key = (rel(&f.path), line, d.code.to_string(), d.severity);
        lines.push(format!("  {} {}", show(&key), d.message));
        set.insert(key);
    }
    (set, lines)
}

/// The compact output of a run, with every file named relative to the fixture root so the
/// snapshot does not depend on where the repository lives.
fn compact(outcome: &stv2lint::Outcome) -> String {
    let mut out = Vec::new();
    stv2lint::report::render(stv2lint::cli::OutputFormat::Compact, outcome, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    // Longest display name first, so `a/b.json` is not taken for a prefix of `a/b.json5`.
    let mut names: Vec<(String, String)> = outcome
        .ws
        .sources
        .iter()
        .map(|(_, f)| (format!("{}:", f.display), format!("{}:", rel(&f.path))))
        .collect();
    names.sort_by_key(|(d, _)| std::cmp::Reverse(d.len()));
    text.lines()
        .map(
            |l| match names.iter().find(|(d, _)| l.starts_with(d.as_str())) {
                Some((d, r)) => format!("{r}{}", &l[d.len()..]),
                None => l.to_string(),
            },
        )
        .collect::<Vec<_>>()
        .join("\n")
}

fn snapshot_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/fixtures")
}

/// The snapshot name of a fixture: its path under the fixture root (insta turns `/` into `__`).
fn snapshot_name(fixture: &Path) -> String {
    rel(fixture)
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
        let (got, lines) = actual(&run(path));
        if want != got {
            let missing: Vec<_> = want.difference(&got).map(show).collect();
            let extra: Vec<_> = got.difference(&want).map(show).collect();
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
fn every_marker_names_a_known_code_and_severity() {
    let bad: Vec<String> = fixtures()
        .iter()
        .flat_map(|(_, _, p)| read_markers(p).1)
        .collect();
    assert!(bad.is_empty(), "bad expect: markers:\n{}", bad.join("\n"));
}

#[test]
fn marker_parser_rejects_what_it_cannot_check() {
    assert_eq!(
        parse_marker(" STV203 warning, STV204").unwrap(),
        vec![
            ("STV203".to_string(), Severity::Warning),
            ("STV204".to_string(), Severity::Error)
        ]
    );
    assert_eq!(
        parse_marker("STV002").unwrap(),
        vec![("STV002".to_string(), Severity::Info)]
    );
    for bad in [
        "STV999",
        "STV203 warn",
        "STV203 fatal",
        "STV203 warning extra",
        "stv203",
        "STV203,",
    ] {
        assert!(parse_marker(bad).is_err(), "{bad} was accepted");
    }
}

/// One insta snapshot per fixture; all fixtures are checked before the test fails, and snapshots
/// of fixtures that no longer exist fail it too.
#[test]
fn every_fixture_output_matches_its_snapshot() {
    let all = fixtures();
    let mut failed = Vec::new();
    let mut wanted = BTreeSet::new();
    for (_, _, path) in &all {
        let name = snapshot_name(path);
        wanted.insert(format!("{}.snap", name.replace('/', "__")));
        let text = compact(&run(path));
        let ok = std::panic::catch_unwind(|| {
            insta::with_settings!({
                snapshot_path => snapshot_dir(),
                prepend_module_to_snapshot => false,
                omit_expression => true,
                description => format!("stv2lint check --format compact fixtures/{name}"),
            }, {
                insta::assert_snapshot!(name.as_str(), text);
            });
        });
        if ok.is_err() {
            failed.push(name);
        }
    }
    let update = std::env::var("INSTA_UPDATE").is_ok_and(|v| v == "always");
    let mut stale = Vec::new();
    for e in std::fs::read_dir(snapshot_dir())
        .into_iter()
        .flatten()
        .flatten()
    {
        let file = e.file_name().to_string_lossy().to_string();
        // insta leaves `.snap.new` files for review outside CI; an update run supersedes them.
        if file.ends_with(".snap.new") && update {
            std::fs::remove_file(e.path()).unwrap();
        }
        if file.ends_with(".snap") && !wanted.contains(&file) {
            if update {
                std::fs::remove_file(e.path()).unwrap();
            } else {
                stale.push(file);
            }
        }
    }
    assert!(
        failed.is_empty() && stale.is_empty(),
        "{} fixture snapshot(s) differ or are missing: {failed:?}\n\
         stale snapshots (no such fixture): {stale:?}\n\
         Check the diffs above; then `INSTA_UPDATE=always cargo test --test fixtures --test snapshots`\n\
         refreshes them.",
        failed.len()
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
                .filter(|(f, c, _)| f == format && c == rule.code.as_str())
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

/// The house style of messages, as every rule writes them today: a message continues after
/// `severity[CODE] `, so it starts lowercase unless its first word is a name or acronym
/// (`API Management`, `STV101`), and it is no sentence: no trailing period. No line breaks.
fn message_style(message: &str) -> Result<(), &'static str> {
    let first = message.split_whitespace().next().unwrap_or("");
    let mut chars = first.chars();
    if chars.next().is_some_and(|c| c.is_uppercase())
        && !chars.any(|c| c.is_uppercase() || c.is_ascii_digit())
    {
        return Err("starts with a capitalised word");
    }
    if message.ends_with('.') {
        return Err("ends with a period");
    }
    if message.is_empty() || message.trim() != message || message.contains('\n') {
        return Err("is empty, padded or spans lines");
    }
    Ok(())
}

#[test]
fn every_fixture_message_follows_the_house_style() {
    let mut bad = Vec::new();
    for (_, _, path) in fixtures() {
        for d in run(&path).diagnostics {
            if let Err(why) = message_style(&d.message) {
                bad.push(format!("{} {}: {why}: {}", rel(&path), d.code, d.message));
            }
        }
    }
    assert!(bad.is_empty(), "messages:\n{}", bad.join("\n"));
    for ok in [
        "subnet 'a' is too small",
        "API Management 'x' …",
        "STV101 the subnet …",
    ] {
        assert_eq!(message_style(ok), Ok(()), "{ok}");
    }
    for wrong in [
        "The subnet is too small",
        "subnet is too small.",
        "two\nlines",
    ] {
        assert!(message_style(wrong).is_err(), "{wrong}");
    }
}

/// Every diagnostic with a place says under it what is wrong there (`denies TCP 3443 from
/// ApiManagement before any allow`), rather than naming the resource the headline already
/// names: the human report's primary label. A short phrase, not a second message.
#[test]
fn every_placed_diagnostic_names_its_problem_under_the_place() {
    let mut bad = Vec::new();
    let mut seen = 0;
    for (_, _, path) in fixtures() {
        for d in run(&path).diagnostics {
            if d.span.is_none() {
                continue;
            }
            seen += 1;
            match d.label.as_deref() {
                None => bad.push(format!(
                    "{} {}: no label: {}",
                    rel(&path),
                    d.code,
                    d.message
                )),
                Some(l) if l.trim().is_empty() || l.contains('\n') || l.chars().count() > 80 => {
                    bad.push(format!("{} {}: label {l:?}", rel(&path), d.code))
                }
                Some(l) if Some(l) == d.resource.as_deref() || l == d.message => {
                    bad.push(format!("{} {}: label repeats {l:?}", rel(&path), d.code))
                }
                _ => {}
            }
        }
    }
    assert!(seen > 500, "only {seen} placed diagnostics in the fixtures");
    bad.sort();
    bad.dedup();
    assert!(bad.is_empty(), "{} labels:\n{}", bad.len(), bad.join("\n"));
}
