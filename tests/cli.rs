//! The command line as a user meets it: exit codes, the `rules` and `rule` commands, and a bad
//! file next to a good one.

use std::path::PathBuf;
use std::process::Command;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_stv2lint"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .expect("run stv2lint");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn findings_exit_1_and_fail_on_moves_the_threshold() {
    let (code, out, _) = run(&["check", "examples/broken-apim", "--format", "compact"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("error[STV202]"), "{out}");
    let (code, _, _) = run(&["check", "examples/broken-apim", "--fail-on", "never"]);
    assert_eq!(code, 0);
    // Only the warning is selected: below the default threshold, above `warning`.
    let (code, out, _) = run(&[
        "check",
        "examples/broken-apim",
        "--select",
        "STV208",
        "--format",
        "compact",
    ]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out.lines().count(), 1, "{out}");
    let (code, _, _) = run(&[
        "check",
        "examples/broken-apim",
        "--select",
        "STV208",
        "--fail-on",
        "warning",
    ]);
    assert_eq!(code, 1);
}

#[test]
fn a_bad_file_exits_2_and_hides_nothing_else() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-bad-file");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let good = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/broken-apim/azuredeploy.json"),
    )
    .unwrap();
    std::fs::write(dir.join("good.json"), &good).unwrap();
    // The same template cut off in the middle of line 30.
    let cut: String = good.lines().take(30).collect::<Vec<_>>().join("\n");
    std::fs::write(dir.join("bad.json"), &cut).unwrap();
    let (code, out, _) = run(&["check", dir.to_str().unwrap(), "--format", "compact"]);
    assert_eq!(code, 2, "{out}");
    let bad: Vec<_> = out.lines().filter(|l| l.contains("STV001")).collect();
    assert_eq!(bad.len(), 1, "{out}");
    assert!(bad[0].contains("bad.json:30:"), "{}", bad[0]);
    assert!(out.contains("good.json") && out.contains("STV202"), "{out}");
}

#[test]
fn a_missing_path_exits_2() {
    let (code, _, err) = run(&["check", "no/such/dir"]);
    assert_eq!(code, 2);
    assert!(err.contains("no/such/dir"), "{err}");
}

/// `--var =x` (or a name with a space) sets no variable a module can read: a usage error,
/// not a run that quietly checks the defaults.
#[test]
fn a_var_without_a_variable_name_exits_2() {
    for bad in ["=x", " =x", "a b=x", "1a=x"] {
        let (code, _, err) = run(&["check", "fixtures/terraform", "--var", bad]);
        assert_eq!(code, 2, "--var {bad}: {err}");
        assert!(err.contains("NAME a variable name"), "--var {bad}: {err}");
    }
    let (code, _, err) = run(&[
        "check",
        "examples/broken-apim-terraform",
        "--var",
        "sku_name=Premium_1",
    ]);
    assert_ne!(code, 2, "{err}");
}

/// Terraform values given to a run of templates only are said to be unread, not dropped in
/// silence; with a Terraform root in the run they are read and nothing is said.
#[test]
fn terraform_values_with_no_terraform_root_are_said_unread() {
    let vars = "examples/broken-apim-terraform/terraform.tfvars";
    assert!(std::path::Path::new(vars).is_file(), "{vars} is missing");
    let args = [
        "check",
        "examples/broken-apim",
        "--var-file",
        vars,
        "--var",
        "sku_name=Premium_1",
        "--format",
        "compact",
    ];
    let (code, out, err) = run(&args);
    assert_eq!(code, 1, "{err}");
    assert!(
        out.contains("info[STV002] variable file")
            && out.contains("terraform.tfvars' was given with --var-file")
            && out.contains("variable 'sku_name' was given with --var"),
        "{out}"
    );
    let mut args = args.to_vec();
    args[1] = "examples/broken-apim-terraform";
    args[5] = "capacity=2";
    let (_, out, err) = run(&args);
    assert!(!out.contains("was given with --var"), "{out}{err}");
    // A name no root declares (a typo) is said: Terraform refuses it.
    args[5] = "capaciti=2";
    let (_, out, err) = run(&args);
    assert!(
        out.contains("warning[STV002] variable 'capaciti' was given with --var, but no Terraform root module of the run declares it"),
        "{out}{err}"
    );
}

#[test]
fn rules_and_rule_pages() {
    let (code, out, _) = run(&["rules"]);
    assert_eq!(code, 0);
    for r in stv2lint::rules::RULES {
        assert!(
            out.contains(r.code.as_str()) && out.contains(r.name),
            "{} missing",
            r.code
        );
    }
    let (code, out, _) = run(&["rule", "stv202"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("# STV202 inbound-management-3443"), "{out}");
    let (code, _, err) = run(&["rule", "STV999"]);
    assert_eq!(code, 2);
    assert!(err.contains("STV999"));
}

#[test]
fn json_output_follows_the_contract() {
    let (_, out, _) = run(&["check", "examples/broken-apim", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["version"], 1);
    let d = &v["diagnostics"][0];
    for key in [
        "code",
        "name",
        "severity",
        "message",
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "resource",
        "help",
        "related",
    ] {
        assert!(!d[key].is_null(), "missing {key} in {d}");
    }
    assert_eq!(d["file"], "examples/broken-apim/azuredeploy.json");
    let s = &v["summary"];
    let n = v["diagnostics"].as_array().unwrap().len() as u64;
    assert_eq!(
        s["errors"].as_u64().unwrap()
            + s["warnings"].as_u64().unwrap()
            + s["infos"].as_u64().unwrap(),
        n
    );
    assert_eq!(s["files"], 2);
}

/// A template and parameter files whose names pair with nothing: only `--parameters` brings
/// them in. `attachNsg: false` leaves the APIM subnet without an NSG (STV201).
fn stages_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let template = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/arm/STV201/fail-parameters-main/main.json"),
    )
    .unwrap();
    std::fs::write(dir.join("apim.json"), template).unwrap();
    for (file, attach) in [
        ("keep.json", true),
        ("off.json", false),
        ("off2.json", false),
    ] {
        std::fs::write(
            dir.join(file),
            format!(
                r#"{{ "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
  "contentVersion": "1.0.0.0", "parameters": {{ "attachNsg": {{ "value": {attach} }} }} }}"#
            ),
        )
        .unwrap();
    }
    dir
}

fn stv201s(out: &str) -> Vec<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_str(out).expect(out);
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "STV201")
        .cloned()
        .collect()
}

#[test]
fn repeated_parameters_are_stages_each_checked_and_named() {
    let dir = stages_dir("cli-stages-repeated");
    let p = |f: &str| dir.join(f).to_string_lossy().into_owned();
    let (code, out, err) = run(&[
        "check",
        &p("apim.json"),
        "--parameters",
        &p("keep.json"),
        "--parameters",
        &p("off.json"),
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{out}{err}");
    let found = stv201s(&out);
    assert_eq!(found.len(), 1, "{out}");
    let deployments = found[0]["deployments"].as_array().unwrap();
    assert_eq!(deployments.len(), 1, "{out}");
    assert!(
        deployments[0].as_str().unwrap().ends_with("off.json"),
        "{out}"
    );
    assert!(
        found[0]["message"]
            .as_str()
            .unwrap()
            .ends_with("(stage off.json)"),
        "{out}"
    );
    // The same finding in two stages is reported once, naming both.
    let (_, out, _) = run(&[
        "check",
        &p("apim.json"),
        "--parameters",
        &p("off.json"),
        "--parameters",
        &p("off2.json"),
        "--parameters",
        &p("keep.json"),
        "--format",
        "json",
    ]);
    let found = stv201s(&out);
    assert_eq!(found.len(), 1, "{out}");
    assert_eq!(
        found[0]["deployments"].as_array().unwrap().len(),
        2,
        "{out}"
    );
    assert!(
        found[0]["message"]
            .as_str()
            .unwrap()
            .ends_with("(stages off.json, off2.json)"),
        "{out}"
    );
    // Only the stage that keeps the NSG: nothing to report.
    let (code, out, _) = run(&["check", &p("apim.json"), "--parameters", &p("keep.json")]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn template_equals_file_gives_one_template_its_parameters() {
    let dir = stages_dir("cli-stages-template-file");
    let p = |f: &str| dir.join(f).to_string_lossy().into_owned();
    let pair = format!("{}={}", p("apim.json"), p("off.json"));
    let (code, out, err) = run(&[
        "check",
        &p("apim.json"),
        "--parameters",
        &pair,
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{out}{err}");
    let found = stv201s(&out);
    assert_eq!(found.len(), 1, "{out}");
    // One stage only: no suffix in the message, the file in `deployments`.
    assert!(
        !found[0]["message"].as_str().unwrap().contains("(stage"),
        "{out}"
    );
    assert!(
        found[0]["deployments"][0]
            .as_str()
            .unwrap()
            .ends_with("off.json"),
        "{out}"
    );
    let pair = format!("{}={}", p("apim.json"), p("keep.json"));
    let (code, out, _) = run(&["check", &p("apim.json"), "--parameters", &pair]);
    assert_eq!(code, 0, "{out}");
    // A pair for another template leaves this one with its defaults (which attach the NSG).
    let pair = format!("{}={}", p("other.json"), p("off.json"));
    let (code, out, _) = run(&["check", &p("apim.json"), "--parameters", &pair]);
    assert_eq!(code, 0, "{out}");
}

/// A `--parameters` file deploys the templates that declare each of its parameters (Azure
/// rejects the others); one that fits no template is said, naming what none declares.
#[test]
fn a_parameter_file_that_fits_no_template_is_said() {
    let dir = stages_dir("cli-stages-unfitted");
    std::fs::write(
        dir.join("stray.json"),
        r#"{ "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
  "contentVersion": "1.0.0.0", "parameters": { "attachNsg": { "value": false }, "skuName": { "value": "Premium" } } }"#,
    )
    .unwrap();
    let p = |f: &str| dir.join(f).to_string_lossy().into_owned();
    let (code, out, err) = run(&[
        "check",
        &p("apim.json"),
        "--parameters",
        &p("off.json"),
        "--parameters",
        &p("stray.json"),
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{out}{err}");
    // Only off.json deploys the template: one STV201, from it alone.
    let found = stv201s(&out);
    assert_eq!(found.len(), 1, "{out}");
    assert_eq!(
        found[0]["deployments"].as_array().unwrap().len(),
        1,
        "{out}"
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let said: Vec<&serde_json::Value> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "STV002")
        .collect();
    assert_eq!(said.len(), 1, "{out}");
    assert_eq!(said[0]["severity"], "warning", "{out}");
    let msg = said[0]["message"].as_str().unwrap();
    assert!(msg.contains("stray.json' fits no template"), "{msg}");
    assert!(
        msg.contains("'skuName'") && !msg.contains("'attachNsg'"),
        "{msg}"
    );
    // With no template in the run, the file is named in a note.
    let tf = dir.join("tf");
    std::fs::create_dir_all(&tf).unwrap();
    std::fs::write(
        tf.join("main.tf"),
        "resource \"azurerm_resource_group\" \"r\" {\n  name     = \"rg\"\n  location = \"westeurope\"\n}\n",
    )
    .unwrap();
    let (_, out, _) = run(&[
        "check",
        &tf.to_string_lossy(),
        "--parameters",
        &p("stray.json"),
        "--format",
        "json",
    ]);
    assert!(
        out.contains("no ARM or Bicep template evaluated on its own to deploy it with"),
        "{out}"
    );
}

/// A run never passes in silence: the summary counts the instances found and those left
/// undecided, in JSON and at the end of the human output; compact output has no summary.
#[test]
fn the_summary_counts_api_management_instances() {
    let counts = |paths: &[&str]| {
        let mut args = vec!["check", "--format", "json"];
        args.extend_from_slice(paths);
        let (_, out, _) = run(&args);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        (
            v["summary"]["instances"].as_u64().unwrap(),
            v["summary"]["instances_undecided"].as_u64().unwrap(),
        )
    };
    let decided = "fixtures/arm/STV201/fail-subnet-without-nsg.json";
    let placeholder = "fixtures/arm/STV002/fail-empty-sku.json";
    // A named .tf file is checked with its directory (its module): these one-file fixtures
    // share theirs with others, so each is checked from a directory of its own.
    let alone = |fixture: &str| -> String {
        let from = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(fixture);
        let name = from.file_name().unwrap().to_owned();
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join("cli-alone")
            .join(from.file_stem().unwrap());
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(&from, dir.join(&name)).unwrap();
        dir.join(name).to_string_lossy().into_owned()
    };
    let registry = &alone("fixtures/terraform/STV002/fail-registry-module-apim.tf");
    let none = &alone("fixtures/terraform/STV002/pass-registry-network-module.tf");
    assert_eq!(counts(&[decided]), (1, 0));
    assert_eq!(counts(&[placeholder]), (1, 1));
    assert_eq!(counts(&[registry]), (2, 2));
    assert_eq!(counts(&[decided, placeholder, registry]), (4, 3));
    assert_eq!(counts(&[none]), (0, 0));

    let human = |paths: &[&str]| {
        let mut args = vec!["check"];
        args.extend_from_slice(paths);
        run(&args).1
    };
    let out = human(&[decided, placeholder, registry]);
    assert!(
        out.trim_end()
            .ends_with("4 API Management instances: 1 fully checked, 3 partly (see STV002)"),
        "{out}"
    );
    assert!(human(&[decided])
        .trim_end()
        .ends_with("1 API Management instance: fully checked"));
    assert!(human(&[none])
        .trim_end()
        .ends_with("no API Management instance found"));
    let (_, compact, _) = run(&["check", "--format", "compact", none]);
    assert_eq!(compact, "");
}

/// A Terraform module is its directory: naming some of its `.tf` files (as a pre-commit hook
/// names the files changed) checks the whole module, as `check DIR` does — neither a false
/// STV201 for an association in a file not named, nor a tier missed in a tfvars file.
#[test]
fn a_named_tf_file_brings_its_whole_module() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-tf-file-args");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let files = [
        (
            "main.tf",
            r#"resource "azurerm_api_management" "apim" {
  name                 = "apim"
  location             = "westeurope"
  resource_group_name  = "rg"
  publisher_name       = "x"
  publisher_email      = "y"
  sku_name             = var.sku_name
  virtual_network_type = "Internal"
  virtual_network_configuration { subnet_id = azurerm_subnet.s.id }
}
"#,
        ),
        (
            "network.tf",
            r#"resource "azurerm_virtual_network" "v" {
  name                = "vnet"
  location            = "westeurope"
  resource_group_name = "rg"
  address_space       = ["10.0.0.0/16"]
}
resource "azurerm_subnet" "s" {
  name                 = "apim"
  resource_group_name  = "rg"
  virtual_network_name = azurerm_virtual_network.v.name
  address_prefixes     = ["10.0.1.0/27"]
}
"#,
        ),
        (
            "nsg.tf",
            r#"resource "azurerm_network_security_group" "n" {
  name                = "nsg"
  location            = "westeurope"
  resource_group_name = "rg"
}
resource "azurerm_subnet_network_security_group_association" "a" {
  subnet_id                 = azurerm_subnet.s.id
  network_security_group_id = azurerm_network_security_group.n.id
}
"#,
        ),
        ("variables.tf", "variable \"sku_name\" {}\n"),
        ("terraform.tfvars", "sku_name = \"Basic_1\"\n"),
    ];
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let codes = |args: &[&str]| -> (i32, Vec<String>) {
        let (code, out, err) = run(args);
        assert!(err.is_empty(), "{err}");
        let mut codes: Vec<String> = out
            .lines()
            .filter_map(|l| Some(l.split('[').nth(1)?.split(']').next()?.to_string()))
            .collect();
        codes.sort();
        (code, codes)
    };
    let d = dir.to_string_lossy().to_string();
    let whole = codes(&["check", &d, "--format", "compact"]);
    assert!(whole.1.contains(&"STV010".to_string()), "{whole:?}");
    assert!(!whole.1.contains(&"STV201".to_string()), "{whole:?}");
    let main = dir.join("main.tf").to_string_lossy().to_string();
    let network = dir.join("network.tf").to_string_lossy().to_string();
    assert_eq!(codes(&["check", &main, "--format", "compact"]), whole);
    assert_eq!(
        codes(&["check", &main, &network, "--format", "compact"]),
        whole
    );
}
