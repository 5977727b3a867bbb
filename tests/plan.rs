//! Terraform plan JSON (`terraform show -json`) against the HCL it was made from.
//!
//! Every `fixtures/plan/<CODE>/<name>[/<root dir>]/plan.json` is the plan of the Terraform
//! fixture `fixtures/terraform/<CODE>/<name>[.tf]` (its root module is `<root dir>` inside a
//! directory fixture). Three runs are compared:
//! - the HCL alone (what the fixture harness checks);
//! - the plan beside its `.tf` files (copied together into a temporary tree): the plan stands
//!   in for the HCL, and every finding lands on the same file, line, code, severity and message;
//! - the plan alone: the same codes, severities and messages, all in the plan file.
//!
//! Plans listed in [`RESOLVES`] are where the plan knows what the HCL cannot (a registry module,
//! a data-source subnet): there the HCL says STV002 and the plan decides.

use std::path::{Path, PathBuf};
use stv2lint::diagnostic::Severity;

/// (plan, codes the plan decides that its HCL leaves to STV002).
const RESOLVES: &[(&str, &[&str])] = &[
    (
        "STV202/fail-data-subnet-associated-nsg",
        &["STV103", "STV104"],
    ),
    ("STV101/pass-subnet-from-registry-module", &["STV101"]),
];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

struct Twin {
    /// `STV202/fail-no-management-rule`.
    name: String,
    plan: PathBuf,
    /// The Terraform fixture: a file or a directory.
    hcl: PathBuf,
    /// The root module's directory inside a directory fixture (empty for a file).
    root: PathBuf,
}

fn twins() -> Vec<Twin> {
    let base = fixtures().join("plan");
    let mut out = Vec::new();
    for e in walkdir::WalkDir::new(&base).sort_by_file_name() {
        let e = e.unwrap();
        if e.file_name() != "plan.json" {
            continue;
        }
        let rel = e.path().parent().unwrap().strip_prefix(&base).unwrap();
        let parts: Vec<_> = rel.iter().collect();
        assert!(parts.len() >= 2, "{}: not <CODE>/<name>/…", rel.display());
        let dir = fixtures().join("terraform").join(parts[0]).join(parts[1]);
        let file = dir.with_file_name(format!("{}.tf", parts[1].to_string_lossy()));
        let hcl = if dir.is_dir() { dir } else { file };
        assert!(
            hcl.exists(),
            "{}: no Terraform fixture {}",
            e.path().display(),
            hcl.display()
        );
        out.push(Twin {
            name: format!(
                "{}/{}",
                parts[0].to_string_lossy(),
                parts[1].to_string_lossy()
            ),
            plan: e.path().to_path_buf(),
            hcl,
            root: parts[2..].iter().collect(),
        });
    }
    assert!(
        out.len() >= 4,
        "expected the plan fixtures, found {}",
        out.len()
    );
    out
}

#[path = "support/plan.rs"]
mod support;
use support::{copy_fixture, said, Finding, Staged};

fn findings(paths: &[PathBuf], base: &Path) -> Vec<Finding> {
    support::findings(&paths[0], base, &Default::default())
}

fn hcl_findings(t: &Twin) -> Vec<Finding> {
    let base = if t.hcl.is_dir() {
        t.hcl.clone()
    } else {
        t.hcl.parent().unwrap().to_path_buf()
    };
    findings(std::slice::from_ref(&t.hcl), &base)
}

/// The twin's `.tf` files with the plan in its root directory, in a fresh temporary tree.
fn stage(t: &Twin) -> Staged {
    let staged = copy_fixture(&t.hcl, &t.name);
    std::fs::copy(&t.plan, staged.0.join(&t.root).join("plan.json")).unwrap();
    staged
}

fn resolves(t: &Twin) -> Option<&'static [&'static str]> {
    RESOLVES.iter().find(|(n, _)| *n == t.name).map(|(_, c)| *c)
}

#[test]
fn a_plan_beside_its_hcl_gives_the_hcl_findings_at_the_same_lines() {
    let mut checked = 0;
    for t in twins().iter().filter(|t| resolves(t).is_none()) {
        let want = hcl_findings(t);
        assert!(
            !want.is_empty(),
            "{}: the HCL fixture finds nothing",
            t.name
        );
        let staged = stage(t);
        let got = findings(std::slice::from_ref(&staged.0), &staged.0);
        assert_eq!(got, want, "{}: plan beside its HCL", t.name);
        // The findings came from the plan: its directory's HCL was not loaded again.
        let ws = stv2lint::check(std::slice::from_ref(&staged.0), &Default::default()).ws;
        let groups: Vec<&str> = ws.units.iter().map(|u| u.group.as_str()).collect();
        assert!(
            groups.iter().any(|g| g.starts_with("plan|"))
                && !groups.iter().any(|g| g.starts_with("terraform|")),
            "{}: deployment units {groups:?}",
            t.name
        );
        checked += 1;
    }
    assert!(checked >= 2);
}

#[test]
fn a_plan_alone_gives_the_same_findings_in_the_plan_file() {
    for t in twins().iter().filter(|t| resolves(t).is_none()) {
        let want = hcl_findings(t);
        let base = t.plan.parent().unwrap();
        let got = findings(std::slice::from_ref(&t.plan), base);
        assert_eq!(said(&got), said(&want), "{}: plan alone", t.name);
        for f in &got {
            assert_eq!(f.0, "plan.json", "{}: {f:?} is not in the plan", t.name);
        }
    }
}

#[test]
fn a_plan_decides_what_its_hcl_leaves_unverifiable() {
    let all = twins();
    for (name, codes) in RESOLVES {
        let t = all
            .iter()
            .find(|t| t.name == *name)
            .expect("listed plan exists");
        let hcl = hcl_findings(t);
        let staged = stage(t);
        let beside = findings(std::slice::from_ref(&staged.0), &staged.0);
        let alone = findings(std::slice::from_ref(&t.plan), t.plan.parent().unwrap());
        for code in *codes {
            // The HCL cannot tell (an STV002 names the check) …
            assert!(
                hcl.iter()
                    .any(|f| f.2 == "STV002" && f.4.starts_with(&format!("{code} "))),
                "{name}: the HCL decides {code} already: {hcl:#?}"
            );
            for (run, got) in [("beside its HCL", &beside), ("alone", &alone)] {
                // … the plan can: no STV002 for that check is left.
                assert!(
                    !got.iter()
                        .any(|f| f.2 == "STV002" && f.4.starts_with(&format!("{code} "))),
                    "{name} ({run}): {code} still undecided: {got:#?}"
                );
            }
        }
        // What the HCL decided, the plan decides the same way.
        for f in hcl.iter().filter(|f| f.2 != "STV002") {
            assert!(
                beside.contains(f),
                "{name}: {f:?} is lost beside the HCL: {beside:#?}"
            );
            assert!(
                alone.iter().any(|g| (&g.2, g.3, &g.4) == (&f.2, f.3, &f.4)),
                "{name}: {f:?} is lost in the plan alone: {alone:#?}"
            );
        }
    }
}

/// The registry module's network is known to the plan: its NSG misses the management rule,
/// a definite error that points into the plan (the module's source is not on disk).
#[test]
fn a_registry_modules_resources_are_checked_from_the_plan() {
    let t = twins()
        .into_iter()
        .find(|t| t.name == "STV101/pass-subnet-from-registry-module")
        .unwrap();
    let staged = stage(&t);
    let got = findings(std::slice::from_ref(&staged.0), &staged.0);
    let err: Vec<_> = got.iter().filter(|f| f.2 == "STV202").collect();
    assert_eq!(err.len(), 1, "{got:#?}");
    assert_eq!(err[0].0, "plan.json");
    assert_eq!(err[0].3, Severity::Error);
    let text = std::fs::read_to_string(staged.0.join("plan.json")).unwrap();
    let line = text.lines().nth(err[0].1 - 1).unwrap();
    assert!(
        line.contains(r#"module.network.azurerm_network_security_group.nsg[\"apim\"]"#),
        "the finding names the resource's address: {line}"
    );
}

/// A plan beside Terraform files that declare other resources was made from other code: its
/// values are checked, and the run says so, naming what differs, at the resource to re-plan.
#[test]
fn a_plan_made_from_other_code_is_said_to_be_stale() {
    let t = twins()
        .into_iter()
        .find(|t| t.name == "STV202/fail-no-management-rule")
        .expect("the fixture STV202/fail-no-management-rule");
    let staged = stage(&t);
    let stale = |dir: &Path| {
        let out = stv2lint::check(&[dir.to_path_buf()], &Default::default());
        out.diagnostics
            .into_iter()
            .filter(|d| d.message.contains("was made from other Terraform code"))
            .map(|d| {
                let line = d
                    .span
                    .map(|s| out.ws.sources.get(s.file).line_col(s.start).0);
                (d.severity, d.message, line)
            })
            .collect::<Vec<_>>()
    };
    assert!(stale(&staged.0).is_empty(), "the fresh plan is not stale");
    let tf = staged.0.join(&t.root).join("fail-no-management-rule.tf");
    let mut text = std::fs::read_to_string(&tf).unwrap();
    let line = text.lines().count() + 2;
    text.push_str(
        "\nresource \"azurerm_network_security_rule\" \"allow_mgmt\" {\n  name = \"AllowManagement\"\n}\n",
    );
    std::fs::write(&tf, text).unwrap();
    let said = stale(&staged.0);
    assert_eq!(said.len(), 1, "{said:?}");
    let (severity, message, at) = &said[0];
    assert_eq!(*severity, Severity::Warning);
    assert!(
        message.contains("declare 'azurerm_network_security_rule.allow_mgmt' that it does not"),
        "{message}"
    );
    assert_eq!(*at, Some(line), "{message}");
}

/// A plan or state that holds nothing stands in for no code: the `.tf` files beside it are
/// checked as if it were not there (it hid every finding).
#[test]
fn an_empty_plan_beside_the_hcl_hides_nothing() {
    let t = twins()
        .into_iter()
        .find(|t| t.name == "STV202/fail-no-management-rule")
        .expect("the fixture STV202/fail-no-management-rule");
    let want = hcl_findings(&t);
    assert!(!want.is_empty());
    for (name, text) in [
        (
            "plan.json",
            r#"{"format_version": "1.2", "planned_values": {"root_module": {}}}"#,
        ),
        (
            "state.json",
            r#"{"format_version": "1.0", "values": {"root_module": {"resources": []}}}"#,
        ),
    ] {
        let staged = copy_fixture(&t.hcl, &format!("{}-empty-{name}", t.name));
        std::fs::write(staged.0.join(&t.root).join(name), text).unwrap();
        let got = findings(std::slice::from_ref(&staged.0), &staged.0);
        assert_eq!(got, want, "{name}");
    }
}

/// Resources `terraform show -json` cannot have written are an STV001 each (exit 2), never
/// skipped into "not deployed".
#[test]
fn a_malformed_plan_resource_is_an_error() {
    let dir = std::env::temp_dir().join(format!("stv2lint-plan-malformed-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("plan.json"),
        r#"{"format_version": "1.2", "planned_values": {"root_module": {"resources": [
  {"address": "azurerm_api_management.apim", "mode": "managed", "type": 0, "name": "apim", "values": {}},
  {"address": "azurerm_subnet.apim", "mode": "managed", "type": "azurerm_subnet", "name": "apim", "values": "x"},
  "not a resource"
]}}}"#,
    )
    .unwrap();
    let out = stv2lint::check(std::slice::from_ref(&dir), &Default::default());
    let errors: Vec<&str> = out
        .diagnostics
        .iter()
        .filter(|d| d.code == stv2lint::code::Code::Stv001)
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(
        errors[0].contains("'azurerm_api_management.apim' has no `type` string"),
        "{errors:?}"
    );
    assert!(
        errors[1].contains("`values` of resource 'azurerm_subnet.apim' are not an object"),
        "{errors:?}"
    );
    assert!(
        errors[2].contains("a resource is not an object"),
        "{errors:?}"
    );
    assert!(out.incomplete());
    let _ = std::fs::remove_dir_all(&dir);
}
