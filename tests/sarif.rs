//! `--format sarif`: valid SARIF 2.1.0 (checked against the official schema), shaped the way
//! GitHub code scanning accepts it, with fingerprints that survive line shifts.

mod integrations;

use integrations::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A project with one template under `infra/`: a Basic public IP without a DNS label (STV301,
/// STV303), STV303 suppressed in source.
fn project(name: &str, pip_comment: &str) -> PathBuf {
    let dir = scratch(name);
    let text = read_data("pip.json").replace("//PIP_COMMENT", pip_comment);
    write(&dir, "infra/main.json", &text);
    dir
}

fn sarif(dir: &Path) -> Value {
    sarif_with(dir, &[])
}

fn sarif_with(dir: &Path, more: &[&str]) -> Value {
    let mut args = vec!["check", "infra", "--format", "sarif", "--select", "STV3"];
    args.extend_from_slice(more);
    let r = run(dir, &args);
    assert_eq!(r.code, 1, "{r:?}");
    r.json()
}

fn results(doc: &Value) -> &Vec<Value> {
    doc["runs"][0]["results"].as_array().expect("results")
}

fn result<'a>(doc: &'a Value, rule: &str) -> &'a Value {
    results(doc)
        .iter()
        .find(|r| r["ruleId"] == rule)
        .unwrap_or_else(|| panic!("no {rule} result"))
}

const SUPPRESS_303: &str =
    "// stv2lint-ignore: STV303 the DNS label is set by the platform pipeline";

#[test]
fn driver_rules_and_results() {
    let dir = project("sarif-shape", SUPPRESS_303);
    let doc = sarif(&dir);
    assert_eq!(doc["version"], "2.1.0");
    let driver = &doc["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "stv2lint");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert!(driver["informationUri"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(rules.len(), stv2lint::rules::RULES.len());
    for r in rules {
        for key in ["id", "name"] {
            assert!(r[key].as_str().is_some_and(|s| !s.is_empty()), "{r}");
        }
        for key in ["shortDescription", "fullDescription"] {
            assert!(
                r[key]["text"].as_str().is_some_and(|s| !s.is_empty()),
                "{r}"
            );
        }
        let page = stv2lint::rules::find(r["id"].as_str().unwrap())
            .unwrap()
            .page;
        assert_eq!(r["help"]["markdown"], page);
        assert!(["error", "warning", "note"]
            .contains(&r["defaultConfiguration"]["level"].as_str().unwrap()));
    }

    let stv301 = result(&doc, "STV301");
    let idx = stv301["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(rules[idx]["id"], "STV301");
    assert_eq!(stv301["level"], "error");
    assert!(stv301["message"]["text"]
        .as_str()
        .unwrap()
        .contains("Basic"));
    let loc = &stv301["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "infra/main.json");
    assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    let text = std::fs::read_to_string(dir.join("infra/main.json")).unwrap();
    let line = line_of(&text, "\"sku\": { \"name\": \"Basic\" }");
    let region = &loc["region"];
    assert_eq!(region["startLine"], line);
    assert_eq!(region["endLine"], line);
    let col = text
        .lines()
        .nth(line - 1)
        .unwrap()
        .find("\"Basic\"")
        .unwrap()
        + 1;
    assert_eq!(region["startColumn"], col);
    assert_eq!(region["endColumn"], col + "\"Basic\"".len());
    // The APIM instance that uses the public IP is a related location.
    let related = stv301["relatedLocations"].as_array().unwrap();
    assert!(related.iter().any(|r| r["message"]["text"]
        .as_str()
        .unwrap()
        .contains("contoso-apim")));
    assert_eq!(
        related[0]["physicalLocation"]["artifactLocation"]["uri"],
        "infra/main.json"
    );
    assert!(stv301["partialFingerprints"]["stv2lint/v1"].is_string());
    assert!(stv301.get("suppressions").is_none());

    // Suppressed in source: left out, because code scanning ignores `suppressions` and would
    // open an alert for it.
    assert!(results(&doc).iter().all(|r| r["ruleId"] != "STV303"));
    assert!(results(&doc)
        .iter()
        .all(|r| r.get("suppressions").is_none()));
    assert!(doc["runs"][0].get("automationDetails").is_none());
    // Asked for, it is reported with the justification.
    let all = sarif_with(&dir, &["--sarif-include-suppressed"]);
    let stv303 = result(&all, "STV303");
    assert_eq!(stv303["suppressions"][0]["kind"], "inSource");
    assert_eq!(
        stv303["suppressions"][0]["justification"],
        "the DNS label is set by the platform pipeline"
    );
    let base = &doc["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"];
    assert!(base.as_str().unwrap().starts_with("file:///"));
    assert!(base.as_str().unwrap().ends_with('/'));
}

/// What code scanning has rejected in other tools' SARIF: `git:` URIs, empty URIs, results
/// without a location, absolute paths where a relative one is expected.
#[test]
fn locations_are_what_code_scanning_accepts() {
    let dir = project("sarif-github", SUPPRESS_303);
    let doc = sarif(&dir);
    assert!(!results(&doc).is_empty());
    for r in results(&doc) {
        let locs = r["locations"]
            .as_array()
            .expect("every result has a location");
        assert_eq!(locs.len(), 1);
        let related = r["relatedLocations"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for l in locs.iter().chain(related.iter()) {
            let art = &l["physicalLocation"]["artifactLocation"];
            let uri = art["uri"].as_str().unwrap();
            assert!(!uri.is_empty());
            assert!(!uri.contains(':'), "relative URI expected, got {uri}");
            assert!(!uri.starts_with('/'));
            assert_eq!(art["uriBaseId"], "%SRCROOT%");
            let region = &l["physicalLocation"]["region"];
            for k in ["startLine", "startColumn", "endLine", "endColumn"] {
                assert!(
                    region[k].as_u64().is_some_and(|n| n >= 1),
                    "{k} in {region}"
                );
            }
        }
    }
}

#[test]
fn fingerprints_survive_line_shifts_and_reformatting() {
    let dir = project("sarif-shift", "");
    let before = sarif(&dir);
    let path = dir.join("infra/main.json");
    let text = std::fs::read_to_string(&path).unwrap();
    // Six new lines at the top, and the public IP's SKU re-indented.
    let shifted = text.replacen("{\n", "{\n\n\n\n\n\n\n", 1).replace(
        "\"sku\": { \"name\": \"Basic\" },",
        "\"sku\": {\n        \"name\":   \"Basic\"\n      },",
    );
    std::fs::write(&path, shifted).unwrap();
    let after = sarif(&dir);
    for rule in ["STV301", "STV303"] {
        let (a, b) = (result(&before, rule), result(&after, rule));
        assert_ne!(
            a["locations"][0]["physicalLocation"]["region"]["startLine"],
            b["locations"][0]["physicalLocation"]["region"]["startLine"]
        );
        assert_eq!(a["partialFingerprints"], b["partialFingerprints"], "{rule}");
    }
    assert_ne!(
        result(&before, "STV301")["partialFingerprints"],
        result(&before, "STV303")["partialFingerprints"]
    );
}

// ---------------------------------------------------------------------------------------------
// Schema validation against the OASIS schema vendored under tests/data/schemas (draft-04), with the
// Rust `jsonschema` crate: no network, no Python, nothing outside the repository.

fn schema() -> jsonschema::Validator {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/schemas/sarif-schema-2.1.0.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("the vendored SARIF schema {}: {e}", path.display()));
    let schema: Value = serde_json::from_str(&text).expect("the SARIF schema is JSON");
    jsonschema::draft4::meta::validate(&schema)
        .expect("the SARIF schema is a valid draft-04 schema");
    jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

/// `Ok(())` when valid, `Err(errors)` (one per line: JSON pointer, message) when not.
fn validate(schema: &jsonschema::Validator, doc: &Value) -> Result<(), String> {
    let errors: Vec<String> = schema
        .iter_errors(doc)
        .map(|e| format!("{}: {}", e.instance_path, e))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("\n"))
    }
}

#[test]
fn sarif_is_valid_against_the_2_1_0_schema() {
    let schema = schema();
    let dir = project("sarif-schema", SUPPRESS_303);
    let doc = sarif(&dir);
    validate(&schema, &doc).unwrap_or_else(|e| panic!("invalid SARIF:\n{e}"));
    // With suppressions and a category, too.
    let all = sarif_with(
        &dir,
        &[
            "--sarif-include-suppressed",
            "--sarif-category",
            "stv2lint/infra",
        ],
    );
    assert!(results(&all)
        .iter()
        .any(|r| r.get("suppressions").is_some()));
    validate(&schema, &all).unwrap_or_else(|e| panic!("invalid SARIF:\n{e}"));

    // A run with nothing to report, and one with a missing path (a notification), too.
    let clean = scratch("sarif-schema-clean");
    let r = run(&clean, &["check", ".", "nope", "--format", "sarif"]);
    assert_eq!(r.code, 2, "{r:?}");
    validate(&schema, &r.json()).unwrap_or_else(|e| panic!("invalid SARIF:\n{e}"));

    // The validator does reject what is invalid (so this test can fail): a level outside the
    // enumeration, and a property SARIF does not define.
    let mut broken = doc.clone();
    broken["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(validate(&schema, &broken).is_err());
    let mut broken = doc.clone();
    broken["runs"][0]["results"][0]["severity"] = Value::from("high");
    assert!(validate(&schema, &broken).is_err());
}

/// GitHub code scanning cuts `fullDescription` at 1,024 characters; the full page is `help`.
#[test]
fn full_descriptions_fit_code_scanning() {
    let dir = project("sarif-descriptions", "");
    let doc = sarif(&dir);
    let rules = doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let mut shortened = 0;
    for r in rules {
        let full = r["fullDescription"]["text"].as_str().unwrap();
        assert!(full.chars().count() <= 1024, "{}: {}", r["id"], full.len());
        let page = r["help"]["text"].as_str().unwrap();
        if full.ends_with('…') {
            shortened += 1;
            // What is kept is the start of the page's `## What`, cut at a word.
            let kept = full.trim_end_matches('…');
            let kept = kept.split_whitespace().collect::<Vec<_>>().join(" ");
            let flat = page.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(flat.contains(&kept), "{}", r["id"]);
        } else {
            let flat = page.split_whitespace().collect::<Vec<_>>().join(" ");
            let first = full.split("\n\n").next().unwrap();
            assert!(flat.contains(first), "{}", r["id"]);
        }
    }
    // Some pages are longer than the limit (this test would not test the cut otherwise).
    assert!(shortened > 0);
}

/// `automationDetails.id` carries `--sarif-category`, ending in `/` as GitHub reads it.
#[test]
fn category_goes_into_automation_details() {
    let dir = project("sarif-category", "");
    let doc = sarif_with(&dir, &["--sarif-category", "stv2lint/infra"]);
    assert_eq!(doc["runs"][0]["automationDetails"]["id"], "stv2lint/infra/");
    let doc = sarif_with(&dir, &["--sarif-category", "iac/"]);
    assert_eq!(doc["runs"][0]["automationDetails"]["id"], "iac/");
}

/// Every related location is linked from the message (`[text](id)`), so code scanning shows it;
/// brackets of the finding's own text are escaped so they do not read as links.
#[test]
fn related_locations_are_linked_from_the_message() {
    let dir = project("sarif-related", "");
    let doc = sarif(&dir);
    let mut linked = 0;
    for r in results(&doc) {
        let text = r["message"]["text"].as_str().unwrap();
        let related = r["relatedLocations"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let mut ids = std::collections::HashSet::new();
        for rel in &related {
            let id = rel["id"].as_u64().expect("a related location has an id");
            assert!(ids.insert(id), "ids are unique: {r}");
            let link = format!("]({id})");
            assert!(
                text.contains(&link),
                "related location {id} is not linked: {text}"
            );
            linked += 1;
        }
        // No link points at a related location that does not exist.
        for (i, _) in text.match_indices("](") {
            if i > 0 && text.as_bytes()[i - 1] == b'\\' {
                continue;
            }
            let rest = &text[i + 2..];
            let n: u64 = rest[..rest.find(')').unwrap()].parse().unwrap();
            assert!(ids.contains(&n), "{text}");
        }
    }
    assert!(
        linked > 0,
        "the project has findings with related locations"
    );
}
