//! The generated plans of `fixtures/plan/from-terraform` (see `examples/tfplan.rs`): one per
//! root module of every Terraform fixture, as `terraform show -json` writes them.
//!
//! - They are what the generator writes today (so the generator and the plans cannot drift).
//! - Each fixture's plans, put beside its `.tf` files, give the HCL's findings: same code,
//!   severity, file, line and message.
//! - The committed states (`values` instead of `planned_values`) give the same findings too.

use std::path::{Path, PathBuf};
use stv2lint::diagnostic::Severity;
use stv2lint::frontend::plan::generate::{self, FixturePlan};

/// A root variable without a value: Terraform asks for one and cannot plan without it, so the
/// generated plan leaves what it feeds known only after apply, where the HCL front end names
/// the variable (or knows its allowed values).
const UNSET_VARIABLE: &str = "an unset root variable: no real plan exists";
/// Registry and git modules are not downloaded here; a real plan carries their resources
/// (fixtures/plan/STV101/pass-subnet-from-registry-module is one).
const NOT_DOWNLOADED: &str = "a registry or git module: its resources are not in the plan";
/// A plan's values do not say where they were written: a finding about a rule of a `dynamic`
/// block points at that block, where the HCL front end points at the tfvars or local entry
/// that wrote the rule.
const DYNAMIC_ORIGIN: &str = "a dynamic block's values: the plan does not know their origin";

/// Fixtures whose plan cannot give the HCL's findings, with why.
const EXCEPTIONS: &[(&str, &str)] = &[
    ("STV002/fail-registry-module-apim.tf", NOT_DOWNLOADED),
    ("STV101/pass-subnet-from-registry-module.tf", NOT_DOWNLOADED),
    (
        "STV010/fail-allowed-values-include-basic.tf",
        UNSET_VARIABLE,
    ),
    ("STV103/pass-prefix-unknown.tf", UNSET_VARIABLE),
    ("STV201/fail-alternatives-both-branches.tf", UNSET_VARIABLE),
    (
        "STV201/fail-tier-inferred-from-undelegated-subnet.tf",
        UNSET_VARIABLE,
    ),
    (
        "STV501/fail-forced-tunnel-host-route-unknown-ip.tf",
        UNSET_VARIABLE,
    ),
    (
        "STV501/pass-forced-tunnel-host-route-unknown-ip.tf",
        UNSET_VARIABLE,
    ),
    ("STV202/fail-dynamic-rules-from-tfvars", DYNAMIC_ORIGIN),
    ("STV203/fail-dynamic-local-map.tf", DYNAMIC_ORIGIN),
];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn committed() -> PathBuf {
    fixtures().join("plan").join("from-terraform")
}

fn plans() -> Vec<FixturePlan> {
    generate::fixture_plans(&fixtures().join("terraform")).unwrap()
}

#[test]
fn committed_plans_are_what_the_generator_writes() {
    let plans = plans();
    assert!(plans.len() > 150, "only {} plans", plans.len());
    let mut stale = Vec::new();
    for p in &plans {
        let path = committed().join(&p.out);
        match std::fs::read_to_string(&path) {
            Ok(t) if t == p.text => {}
            Ok(_) => stale.push(format!("{} differs", p.out.display())),
            Err(_) => stale.push(format!("{} is missing", p.out.display())),
        }
    }
    let mut extra = Vec::new();
    for e in walkdir::WalkDir::new(committed()) {
        let e = e.unwrap();
        if e.file_type().is_file() {
            let rel = e.path().strip_prefix(committed()).unwrap();
            if !plans.iter().any(|p| p.out == rel) {
                extra.push(rel.display().to_string());
            }
        }
    }
    assert!(
        stale.is_empty() && extra.is_empty(),
        "regenerate with `cargo run --example tfplan -- --fixtures`: {stale:#?} {extra:#?}"
    );
}

/// (file relative to the fixture, line, code, severity, message), sorted.
type Finding = (String, usize, String, Severity, String);

fn findings(path: &Path, base: &Path, code: &str) -> Vec<Finding> {
    let mut opts = stv2lint::CheckOptions::default();
    if stv2lint::rules::is_advisory(code) {
        opts.select = vec![code.to_string()];
    }
    let outcome = stv2lint::check(&[path.to_path_buf()], &opts);
    let base = std::fs::canonicalize(base).unwrap();
    let mut out: Vec<Finding> = outcome
        .active()
        .map(|d| {
            let (file, line) = match d.span {
                Some(span) => {
                    let f = outcome.ws.sources.get(span.file);
                    let path = std::fs::canonicalize(&f.path).unwrap_or(f.path.clone());
                    let rel = path.strip_prefix(&base).unwrap_or(&path);
                    (
                        rel.to_string_lossy().replace('\\', "/"),
                        f.line_col(span.start).0,
                    )
                }
                None => (String::new(), 0),
            };
            (
                file,
                line,
                d.code.to_string(),
                d.severity,
                d.message.clone(),
            )
        })
        .collect();
    out.sort();
    out
}

/// Without the file and line: what a finding says.
fn said(f: &[Finding]) -> Vec<(String, Severity, String)> {
    let mut v: Vec<_> = f.iter().map(|x| (x.2.clone(), x.3, x.4.clone())).collect();
    v.sort();
    v
}

/// A temporary copy of a fixture with its plans (or states) in their root directories.
struct Staged(PathBuf);

impl Drop for Staged {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn stage(fixture: &Path, docs: &[&FixturePlan], tag: &str) -> Staged {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir =
        std::env::temp_dir().join(format!("stv2lint-genplan-{}-{n}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    if fixture.is_dir() {
        for e in walkdir::WalkDir::new(fixture) {
            let e = e.unwrap();
            let to = dir.join(e.path().strip_prefix(fixture).unwrap());
            if e.file_type().is_dir() {
                std::fs::create_dir_all(&to).unwrap();
            } else {
                std::fs::copy(e.path(), &to).unwrap();
            }
        }
    } else {
        std::fs::copy(fixture, dir.join(fixture.file_name().unwrap())).unwrap();
    }
    for d in docs {
        std::fs::write(dir.join(&d.root).join("plan.json"), &d.text).unwrap();
    }
    Staged(dir)
}

fn compare(state: bool) -> usize {
    let all = plans();
    let mut dirs: Vec<&PathBuf> = all.iter().map(|p| &p.fixture).collect();
    dirs.dedup();
    let mut failures = Vec::new();
    let mut checked = 0;
    for fx in dirs {
        let rel = fx
            .strip_prefix(fixtures().join("terraform"))
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let docs: Vec<&FixturePlan> = all
            .iter()
            .filter(|p| &p.fixture == fx && p.out.starts_with("state") == state)
            .collect();
        if docs.is_empty() {
            continue;
        }
        let exception = EXCEPTIONS
            .iter()
            .find(|(n, _)| *n == rel)
            .map(|(_, why)| *why);
        let code = rel.split('/').next().unwrap();
        let base = if fx.is_dir() {
            fx.clone()
        } else {
            fx.parent().unwrap().to_path_buf()
        };
        let want = findings(fx, &base, code);
        let staged = stage(fx, &docs, &rel.replace('/', "-"));
        let got = findings(&staged.0, &staged.0, code);
        // A state has no `configuration`: the resources of child modules cannot be traced to
        // their source and are reported in the state file, by address.
        let same = if exception == Some(DYNAMIC_ORIGIN) {
            // The same findings, only elsewhere.
            said(&got) == said(&want)
        } else if exception.is_some() {
            // No claim; the listed exception is checked to still be one below.
            got != want
        } else if state {
            said(&got) == said(&want)
                && got
                    .iter()
                    .filter(|f| !f.0.ends_with("plan.json"))
                    .all(|f| want.contains(f))
        } else {
            got == want
        };
        if !same {
            let why = exception.map_or(String::new(), |w| format!(" (listed: {w})"));
            failures.push(format!("{rel}{why}:\n  HCL:  {want:#?}\n  plan: {got:#?}"));
        }
        checked += 1;
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} fixtures differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    checked
}

#[test]
fn every_fixtures_plan_gives_its_hcl_findings_at_the_same_lines() {
    assert!(compare(false) > 150);
}

#[test]
fn states_give_their_hcl_findings_at_the_same_lines() {
    assert_eq!(compare(true), generate::STATES.len());
}
