//! `--format sarif`: valid SARIF 2.1.0 (checked against the official schema), shaped the way
//! GitHub code scanning accepts it, with fingerprints that survive line shifts.

mod integrations;

use integrations::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A project with one template under `infra/`: a Basic public IP without a DNS label (STV301,
/// STV303), STV303 suppressed in source.
fn project(name: &str, pip_comment: &str) -> PathBuf {
    let dir = scratch(name);
    let text = read_data("pip.json").replace("//PIP_COMMENT", pip_comment);
    write(&dir, "infra/main.json", &text);
    dir
}

fn sarif(dir: &Path) -> Value {
    let r = run(
        dir,
        &["check", "infra", "--format", "sarif", "--select", "STV3"],
    );
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

    // Suppressed in source: still reported, with the justification.
    let stv303 = result(&doc, "STV303");
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
// Schema validation, with Python's `jsonschema` (installed by .ci/run): the Rust validators pull
// in a large dependency tree for one test.

fn schema_path() -> Option<PathBuf> {
    let p = std::env::var_os("STV2LINT_SARIF_SCHEMA")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("../shared/schemas/sarif-schema-2.1.0.json"));
    p.is_file().then_some(p)
}

const VALIDATE: &str = r#"
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1], encoding="utf-8"))
doc = json.load(open(sys.argv[2], encoding="utf-8"))
cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
errors = list(cls(schema).iter_errors(doc))
for e in errors:
    print("/".join(str(p) for p in e.absolute_path), ":", e.message[:300])
sys.exit(1 if errors else 0)
"#;

/// Make sure Python's `jsonschema` is importable, installing it from PyPI if needed, so that a
/// plain `cargo test` on a fresh machine runs this test too (`.ci/run` installs it as well).
fn ensure_jsonschema() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let have = Command::new("python3")
            .args(["-c", "import jsonschema"])
            .status()
            .is_ok_and(|s| s.success());
        if !have {
            let _ = Command::new("python3")
                .args(["-m", "pip", "install", "--quiet", "jsonschema"])
                .status();
        }
    });
}

/// `Ok(())` when valid, `Err(errors)` when not.
fn validate(schema: &Path, doc: &Value, scratch_dir: &Path) -> Result<(), String> {
    ensure_jsonschema();
    let file = scratch_dir.join("out.sarif");
    std::fs::write(&file, serde_json::to_string_pretty(doc).unwrap()).unwrap();
    let out = Command::new("python3")
        .arg("-c")
        .arg(VALIDATE)
        .arg(schema)
        .arg(&file)
        .output()
        .expect("python3 is needed to validate SARIF (with `pip install jsonschema`)");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("ModuleNotFoundError"),
        "the Python package jsonschema is missing: `python3 -m pip install jsonschema` (.ci/run does)"
    );
    match out.status.code() {
        Some(0) => Ok(()),
        Some(1) => Err(stdout),
        _ => panic!("the validator failed: {stderr}"),
    }
}

#[test]
fn sarif_is_valid_against_the_2_1_0_schema() {
    let Some(schema) = schema_path() else {
        eprintln!("SARIF schema not found (../shared/schemas or STV2LINT_SARIF_SCHEMA); skipped");
        return;
    };
    let dir = project("sarif-schema", SUPPRESS_303);
    let doc = sarif(&dir);
    validate(&schema, &doc, &dir).unwrap_or_else(|e| panic!("invalid SARIF:\n{e}"));

    // A run with nothing to report, and one with a missing path (a notification), too.
    let clean = scratch("sarif-schema-clean");
    let r = run(&clean, &["check", ".", "nope", "--format", "sarif"]);
    assert_eq!(r.code, 2, "{r:?}");
    validate(&schema, &r.json(), &clean).unwrap_or_else(|e| panic!("invalid SARIF:\n{e}"));

    // The validator does reject what is invalid (so this test can fail).
    let mut broken = doc.clone();
    broken["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(validate(&schema, &broken, &dir).is_err());
}
