//! Baselines: recorded findings stay hidden across line shifts and reformatting; a new finding
//! still fails the run.

mod integrations;

use integrations::*;
use std::path::Path;

fn codes(r: &Run) -> Vec<String> {
    let mut c = r.codes();
    c.sort();
    c
}

fn check(dir: &Path, extra: &[&str]) -> Run {
    let mut args = vec![
        "check",
        "infra",
        "--format",
        "json",
        "--select",
        "STV1,STV3",
    ];
    args.extend_from_slice(extra);
    run(dir, &args)
}

#[test]
fn a_baseline_survives_line_shifts_and_still_fails_on_new_findings() {
    let dir = scratch("baseline-shift");
    let main = write(&dir, "infra/main.json", &read_data("pip.json"));
    assert_eq!(codes(&check(&dir, &[])), ["STV301", "STV303"]);

    let w = run(
        &dir,
        &[
            "check",
            "infra",
            "--select",
            "STV1,STV3",
            "--write-baseline",
            "stv2lint-baseline.json",
        ],
    );
    assert_eq!(w.code, 0, "{w:?}");
    assert!(w.stdout.is_empty(), "{w:?}");
    assert!(w.stderr.contains("recorded 2 findings"), "{w:?}");
    let written = std::fs::read_to_string(dir.join("stv2lint-baseline.json")).unwrap();
    // Paths relative to the baseline file, no line numbers anywhere.
    assert!(
        written.contains("\"file\": \"infra/main.json\""),
        "{written}"
    );
    assert!(!written.contains("\"line\""), "{written}");

    let r = check(&dir, &["--baseline", "stv2lint-baseline.json"]);
    assert_eq!((r.code, codes(&r)), (0, vec![]), "{r:?}");

    // Shift every line and reformat the public IP: still the same findings.
    let text = std::fs::read_to_string(&main).unwrap();
    let shifted = text
        .replacen(
            "{\n",
            "{\n\n\n\n// a comment that moves everything down\n",
            1,
        )
        .replace(
            "\"sku\": { \"name\": \"Basic\" },",
            "\"sku\": {\n        \"name\": \"Basic\"\n      },",
        );
    std::fs::write(&main, &shifted).unwrap();
    let r = check(&dir, &["--baseline", "stv2lint-baseline.json"]);
    assert_eq!((r.code, codes(&r)), (0, vec![]), "{r:?}");

    // A new finding (a second template with a subnet too small for its instance) is reported
    // and fails the run; the baselined ones stay hidden.
    write(
        &dir,
        "infra/headroom.json",
        &read_data("headroom.json").replace("10.0.1.0/29", "10.0.1.0/30"),
    );
    let r = check(&dir, &["--baseline", "stv2lint-baseline.json"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(codes(&r), ["STV103"], "{r:?}");

    // Running from another directory with the baseline's path: paths still line up.
    let r = run(
        &dir.join("infra"),
        &[
            "check",
            ".",
            "--format",
            "json",
            "--select",
            "STV3",
            "--baseline",
            "../stv2lint-baseline.json",
        ],
    );
    assert_eq!((r.code, codes(&r)), (0, vec![]), "{r:?}");
}

#[test]
fn the_same_problem_in_another_resource_is_new() {
    let dir = scratch("baseline-count");
    write(&dir, "infra/main.json", &read_data("pip.json"));
    let w = run(
        &dir,
        &[
            "check",
            "infra",
            "--select",
            "STV3",
            "--write-baseline",
            "b.json",
        ],
    );
    assert_eq!(w.code, 0, "{w:?}");
    write(&dir, "infra/other.json", &pip_named("other"));
    let r = check(&dir, &["--baseline", "b.json"]);
    assert_eq!(codes(&r), ["STV301", "STV303"], "{r:?}");
    assert!(r.stdout.contains("infra/other.json"));
    assert!(!r.stdout.contains("infra/main.json"));
}

#[test]
fn fixed_findings_leave_stale_entries_and_a_hint() {
    let dir = scratch("baseline-stale");
    let main = write(&dir, "infra/main.json", &read_data("pip.json"));
    run(
        &dir,
        &[
            "check",
            "infra",
            "--select",
            "STV3",
            "--write-baseline",
            "b.json",
        ],
    );
    let text = std::fs::read_to_string(&main).unwrap();
    std::fs::write(&main, text.replace("\"Basic\"", "\"Standard\"")).unwrap();
    let r = run(
        &dir,
        &["check", "infra", "--select", "STV3", "--baseline", "b.json"],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stderr.contains("1 of its entries no longer occur"),
        "{r:?}"
    );
}

#[test]
fn bad_baselines_exit_2() {
    let dir = scratch("baseline-bad");
    write(&dir, "infra/main.json", &read_data("pip.json"));
    let r = run(&dir, &["check", "infra", "--baseline", "missing.json"]);
    assert_eq!(r.code, 2, "{r:?}");
    write(&dir, "b.json", "{\"version\": 1, \"finds\": []}");
    let r = run(&dir, &["check", "infra", "--baseline", "b.json"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("b.json"), "{r:?}");
    write(&dir, "b.json", "{\"version\": 7, \"findings\": []}");
    let r = run(&dir, &["check", "infra", "--baseline", "b.json"]);
    assert_eq!(r.code, 2, "{r:?}");
}

#[test]
fn baselined_findings_are_left_out_of_sarif() {
    let dir = scratch("baseline-sarif");
    write(&dir, "infra/main.json", &read_data("pip.json"));
    run(
        &dir,
        &[
            "check",
            "infra",
            "--select",
            "STV301",
            "--write-baseline",
            "b.json",
        ],
    );
    let r = run(
        &dir,
        &[
            "check",
            "infra",
            "--select",
            "STV3",
            "--format",
            "sarif",
            "--baseline",
            "b.json",
        ],
    );
    let results = r.json()["runs"][0]["results"].as_array().unwrap().clone();
    let ids: Vec<&str> = results
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["STV303"], "{r:?}");
}
