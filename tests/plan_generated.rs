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
/// A local module directory that does not exist: `terraform init` stops, so no plan exists.
const MODULE_MISSING: &str = "a local module that is not there: no real plan exists";
/// A plan's values do not say where they were written: a finding about a rule of a `dynamic`
/// block points at that block, where the HCL front end points at the tfvars or local entry
/// that wrote the rule.
const DYNAMIC_ORIGIN: &str = "a dynamic block's values: the plan does not know their origin";
/// `file()` of a file that is not there stops `terraform plan`: no real plan exists.
const FILE_MISSING: &str = "a file() that is not there: no real plan exists";
/// The generator writes every resource under the default provider configuration (a real
/// plan names an alias in `provider_config_key`), and the plan front end does not read it.
const PROVIDER_ALIAS: &str = "a provider alias: the generated plan does not record it";
/// Environment tfvars files are stages of the root, each its own `terraform plan -var-file`:
/// one plan holds one of them, where the HCL front end checks them all.
const STAGES: &str = "one plan per environment tfvars file: the generated one uses none";
/// Fixtures whose plan cannot give the HCL's findings, with why.
const EXCEPTIONS: &[(&str, &str)] = &[
    ("STV002/fail-registry-module-apim.tf", NOT_DOWNLOADED),
    ("STV002/fail-local-module-missing.tf", MODULE_MISSING),
    ("STV101/pass-subnet-from-registry-module.tf", NOT_DOWNLOADED),
    (
        "STV010/fail-allowed-values-include-basic.tf",
        UNSET_VARIABLE,
    ),
    ("STV103/pass-prefix-unknown.tf", UNSET_VARIABLE),
    ("STV202/fail-azapi-type-version-variable.tf", UNSET_VARIABLE),
    ("STV201/fail-alternatives-both-branches.tf", UNSET_VARIABLE),
    ("STV201/fail-association-by-count.tf", UNSET_VARIABLE),
    ("STV204/fail-client-source-by-condition.tf", UNSET_VARIABLE),
    ("STV202/fail-allow-rule-by-count.tf", UNSET_VARIABLE),
    ("STV205/fail-deny-rule-by-count.tf", UNSET_VARIABLE),
    (
        "STV205/fail-deny-in-one-dynamic-alternative.tf",
        UNSET_VARIABLE,
    ),
    ("STV205/fail-sku-narrowed-by-module", UNSET_VARIABLE),
    (
        "STV205/fail-deny-among-many-optional-rules.tf",
        UNSET_VARIABLE,
    ),
    ("STV214/fail-optional-rules-priorities.tf", UNSET_VARIABLE),
    ("STV010/fail-known-tier-unknown-units.tf", UNSET_VARIABLE),
    ("STV501/fail-route-by-count.tf", UNSET_VARIABLE),
    (
        "STV202/fail-association-nsg-by-condition.tf",
        UNSET_VARIABLE,
    ),
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
    ("STV103/fail-environment-tfvars", STAGES),
    ("STV006/pass-one-stage-switches-on", STAGES),
    ("STV006/pass-registry-module-on-in-one-stage", STAGES),
    (
        "STV006/pass-wrapped-registry-module-on-in-one-stage",
        STAGES,
    ),
    (
        "STV205/pass-rule-of-another-provider-alias.tf",
        PROVIDER_ALIAS,
    ),
    ("STV205/pass-rule-in-module-under-alias", PROVIDER_ALIAS),
    ("STV002/fail-azapi-body-from-missing-file.tf", FILE_MISSING),
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

#[path = "support/plan.rs"]
mod support;
use support::{copy_fixture, findings, said, Finding};

fn run(path: &Path, base: &Path, code: &str) -> Vec<Finding> {
    let mut opts = stv2lint::CheckOptions::default();
    if code.parse().is_ok_and(stv2lint::rules::is_advisory) {
        opts.select = vec![code.to_string()];
    }
    findings(path, base, &opts)
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
        let want = run(fx, &base, code);
        let staged = copy_fixture(fx, &rel);
        for d in &docs {
            std::fs::write(staged.0.join(&d.root).join("plan.json"), &d.text).unwrap();
        }
        let got = run(&staged.0, &staged.0, code);
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

/// The generator against a real `terraform show -json` (Terraform 1.11.4; see
/// `tests/data/terraform-plan/README.md`): the same keys at every level of the document, the
/// same `configuration` expressions and references, and the same configured values known only
/// after apply.
#[test]
fn the_generator_writes_what_terraform_writes() {
    use serde_json::Value as J;
    use std::collections::BTreeSet;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/terraform-plan");
    let real: J =
        serde_json::from_str(&std::fs::read_to_string(dir.join("terraform-show.json")).unwrap())
            .unwrap();
    let docs = generate::generate(&dir, false).unwrap();
    assert_eq!(docs.len(), 1);
    let ours = &docs[0].1;
    let keys = |v: &J| -> BTreeSet<String> {
        v.as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    // What a real plan has that the generator does not write (run metadata), and what only a
    // plan of other resources shows.
    let not_written = ["output_changes", "relevant_attributes", "timestamp"];
    let real_top: BTreeSet<String> = keys(&real)
        .into_iter()
        .filter(|k| !not_written.contains(&k.as_str()))
        .collect();
    assert_eq!(keys(ours), real_top, "top-level keys");

    let by_addr = |list: &J| -> Vec<(String, J)> {
        let mut v: Vec<(String, J)> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["address"].as_str().unwrap().to_string(), r.clone()))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    };
    // planned_values: the same instances and module tree, each with the same keys.
    let flat = |root: &J| -> Vec<(String, J)> {
        let mut out = Vec::new();
        let mut stack = vec![root.clone()];
        while let Some(m) = stack.pop() {
            if let Some(r) = m.get("resources") {
                out.extend(by_addr(r));
            }
            for c in m
                .get("child_modules")
                .and_then(J::as_array)
                .into_iter()
                .flatten()
            {
                assert_eq!(
                    keys(c),
                    keys(&real["planned_values"]["root_module"]["child_modules"][0])
                );
                stack.push(c.clone());
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    };
    let (r, o) = (
        flat(&real["planned_values"]["root_module"]),
        flat(&ours["planned_values"]["root_module"]),
    );
    let addrs = |v: &[(String, J)]| v.iter().map(|x| x.0.clone()).collect::<Vec<_>>();
    assert_eq!(addrs(&o), addrs(&r), "planned_values");
    for ((a, x), (_, y)) in r.iter().zip(&o) {
        assert_eq!(keys(y), keys(x), "planned_values {a}");
        for k in ["mode", "type", "name", "index", "provider_name"] {
            assert_eq!(y.get(k), x.get(k), "planned_values {a}: {k}");
        }
    }

    // resource_changes: the same keys, and the configured values known only after apply.
    let (r, o) = (
        by_addr(&real["resource_changes"]),
        by_addr(&ours["resource_changes"]),
    );
    assert_eq!(addrs(&o), addrs(&r), "resource_changes");
    let config_res = |doc: &J, addr: &str| -> J {
        // `module.m.aws_subnet.m` → module_calls.m.module, `aws_subnet.m`.
        let mut m = doc["configuration"]["root_module"].clone();
        let mut rest = addr;
        while let Some(x) = rest.strip_prefix("module.") {
            let (call, tail) = x.split_once('.').unwrap();
            m = m["module_calls"][call]["module"].clone();
            rest = tail;
        }
        let local = rest.split('[').next().unwrap();
        m["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["address"] == local)
            .cloned()
            .unwrap()
    };
    for ((a, x), (_, y)) in r.iter().zip(&o) {
        assert_eq!(keys(y), keys(x), "resource_changes {a}");
        assert_eq!(keys(&y["change"]), keys(&x["change"]), "change of {a}");
        assert_eq!(
            y["change"]["actions"], x["change"]["actions"],
            "actions of {a}"
        );
        let written = keys(&config_res(&real, a)["expressions"]);
        let unknown = |c: &J| -> BTreeSet<String> {
            c["change"]["after_unknown"]
                .as_object()
                .unwrap()
                .iter()
                .filter(|(k, v)| **v == J::Bool(true) && written.contains(*k))
                .map(|(k, _)| k.clone())
                .collect()
        };
        assert_eq!(unknown(y), unknown(x), "configured values unknown in {a}");
    }

    // configuration: module calls, variables, outputs, and every resource's expressions as
    // Terraform writes them, except nested blocks: the AWS provider declares `ingress` as an
    // attribute, which Terraform writes as one constant value.
    let (rc, oc) = (
        &real["configuration"]["root_module"],
        &ours["configuration"]["root_module"],
    );
    assert_eq!(oc["variables"], rc["variables"]);
    assert_eq!(oc["outputs"], rc["outputs"]);
    let rm = &rc["module_calls"]["m"];
    let om = &oc["module_calls"]["m"];
    for k in ["source", "expressions"] {
        assert_eq!(om[k], rm[k], "module call: {k}");
    }
    for k in ["outputs", "variables"] {
        assert_eq!(om["module"][k], rm["module"][k], "called module: {k}");
    }
    let mut checked = 0;
    for (a, x) in r.iter().map(|(a, _)| (a, config_res(&real, a))) {
        let y = config_res(ours, a);
        let mut want = x["expressions"].clone();
        want.as_object_mut().unwrap().remove("ingress");
        let mut got = y["expressions"].clone();
        got.as_object_mut().unwrap().remove("ingress");
        assert_eq!(got, want, "expressions of {a}");
        for k in [
            "count_expression",
            "for_each_expression",
            "provider_config_key",
        ] {
            assert_eq!(y.get(k), x.get(k), "{k} of {a}");
        }
        checked += 1;
    }
    assert!(checked >= 5);
}

/// An NSG's `security_rule` known only after apply is its separate rules only when nothing else
/// writes it: Terraform's `configuration` leaves `dynamic` blocks out, so the HCL (beside the
/// plan) or the plan's separate rules (alone) tell.
#[test]
fn computed_rules_are_the_separate_rules_only_when_no_dynamic_block_writes_them() {
    let unknown_rules = |f: &[Finding]| {
        f.iter()
            .any(|x| x.2 == "STV002" && x.4.contains("security rules"))
    };
    // Separate rules, the plan alone: the rules are known.
    let alone = committed().join("STV202/pass-for-each-rules.json");
    let got = run(&alone, alone.parent().unwrap(), "STV202");
    assert!(!unknown_rules(&got), "{got:#?}");

    // A dynamic block over a variable without a value: unknown rules, beside the HCL and alone.
    let fixture = fixtures().join("terraform/STV202/fail-dynamic-rules-from-tfvars");
    let staged = copy_fixture(&fixture, "dynamic-unset");
    std::fs::remove_file(staged.0.join("terraform.tfvars")).unwrap();
    // … and without its default.
    let main = staged.0.join("main.tf");
    let text = std::fs::read_to_string(&main).unwrap();
    let start = text.find("  default = {").expect("the variable's default");
    let end = start + text[start..].find("\n  }\n").expect("its end") + 5;
    std::fs::write(&main, format!("{}{}", &text[..start], &text[end..])).unwrap();
    let hcl = run(&staged.0, &staged.0, "STV202");
    assert!(unknown_rules(&hcl), "{hcl:#?}");
    let docs = generate::generate(&staged.0, false).unwrap();
    assert_eq!(docs.len(), 1);
    let text = generate::to_text(&docs[0].1);
    std::fs::write(staged.0.join("plan.json"), &text).unwrap();
    let beside = run(&staged.0, &staged.0, "STV202");
    // The same findings at the same places (the reason names the variable only in the HCL).
    let place = |f: &[Finding]| {
        f.iter()
            .map(|x| (x.0.clone(), x.1, x.2.clone(), x.3))
            .collect::<Vec<_>>()
    };
    assert_eq!(place(&beside), place(&hcl));
    assert!(unknown_rules(&beside), "{beside:#?}");
    let only = copy_fixture(&staged.0.join("plan.json"), "dynamic-unset-alone");
    let alone = run(&only.0, &only.0, "STV202");
    assert!(unknown_rules(&alone), "{alone:#?}");
    assert!(!alone.iter().any(|x| x.3 == Severity::Error), "{alone:#?}");
}
