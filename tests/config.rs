//! `.stv2lint.yaml`: every key, where the file is found, command-line flags winning, and exit
//! code 2 naming the file, line and key for unknown keys and bad values.

mod integrations;

use integrations::*;
use std::path::{Path, PathBuf};

/// A project: `.stv2lint.yaml` with `config`, `infra/main.json` (STV301 + STV303, errors) and
/// `infra/headroom.json` (STV104, a warning).
fn project(name: &str, config: &str) -> PathBuf {
    let dir = scratch(name);
    write(&dir, ".stv2lint.yaml", config);
    write(&dir, "infra/main.json", &read_data("pip.json"));
    write(&dir, "infra/headroom.json", &read_data("headroom.json"));
    dir
}

fn codes_of(dir: &Path, args: &[&str]) -> (i32, Vec<String>) {
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let r = run(dir, &all);
    assert!(r.code == 0 || r.code == 1, "{r:?}");
    let mut codes = r.codes();
    codes.sort();
    codes.dedup();
    (r.code, codes)
}

#[test]
fn found_upward_from_the_first_path() {
    let dir = project("config-upward", "select: [STV303]\n");
    assert_eq!(codes_of(&dir, &["infra/main.json"]).1, ["STV303"]);
    // From elsewhere, with an absolute path: the file next to the code still applies.
    let main = dir.join("infra/main.json");
    assert_eq!(codes_of(&repo(), &[main.to_str().unwrap()]).1, ["STV303"]);
    // Without a file the run selects everything.
    std::fs::remove_file(dir.join(".stv2lint.yaml")).unwrap();
    let (_, all) = codes_of(&dir, &["infra/main.json"]);
    assert!(all.contains(&"STV301".to_string()) && all.contains(&"STV303".to_string()));
}

#[test]
fn explicit_config_file() {
    let dir = project("config-explicit", "select: [STV303]\n");
    write(&dir, "other.yaml", "select: STV301\n");
    assert_eq!(
        codes_of(&dir, &["infra/main.json", "--config", "other.yaml"]).1,
        ["STV301"]
    );
    let r = run(&dir, &["check", "infra", "--config", "missing.yaml"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("missing.yaml"), "{r:?}");
}

#[test]
fn fail_on_and_the_command_line_overriding_it() {
    let dir = project("config-fail-on", "fail-on: warning\nselect: [STV1]\n");
    assert_eq!(
        codes_of(&dir, &["infra/headroom.json"]),
        (1, vec!["STV104".into(), "STV108".into()])
    );
    assert_eq!(
        codes_of(&dir, &["infra/headroom.json", "--fail-on", "error"]).0,
        0
    );
    write(&dir, ".stv2lint.yaml", "fail-on: never\n");
    assert_eq!(codes_of(&dir, &["infra/main.json"]).0, 0);
    assert_eq!(
        codes_of(&dir, &["infra/main.json", "--fail-on", "error"]).0,
        1
    );
}

#[test]
fn select_and_ignore_with_flags_replacing_the_file() {
    let dir = project("config-select", "select: [STV3]\nignore: STV303\n");
    assert_eq!(codes_of(&dir, &["infra"]).1, ["STV301"]);
    assert_eq!(
        codes_of(&dir, &["infra", "--ignore", "STV301"]).1,
        ["STV303"]
    );
    assert_eq!(
        codes_of(&dir, &["infra", "--select", "STV1"]).1,
        ["STV104", "STV108"]
    );
}

#[test]
fn severity_per_code() {
    let dir = project(
        "config-severity",
        "severity:\n  STV301: warning\n  STV303: off\n  STV104: error\n",
    );
    let r = run(&dir, &["check", "infra", "--format", "json"]);
    assert_eq!(r.code, 1, "{r:?}");
    let v = r.json();
    let sev = |code: &str| {
        v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["code"] == code)
            .map(|d| d["severity"].as_str().unwrap().to_string())
    };
    assert_eq!(sev("STV301").as_deref(), Some("warning"));
    assert_eq!(sev("STV303"), None);
    assert_eq!(sev("STV104").as_deref(), Some("error"));
    // STV104 alone, now an error, fails the run.
    assert_eq!(codes_of(&dir, &["infra/headroom.json"]).0, 1);
}

#[test]
fn exclude_globs_are_relative_to_the_file() {
    let dir = project(
        "config-exclude",
        "exclude:\n  - legacy\n  - infra/old/*.json\n  - '**/*.generated.json'\n",
    );
    write(&dir, "legacy/a.json", &pip_named("a"));
    write(&dir, "infra/legacy/b.json", &pip_named("b"));
    write(&dir, "infra/old/c.json", &pip_named("c"));
    write(&dir, "infra/old/deeper/d.json", &pip_named("d"));
    write(&dir, "infra/x.generated.json", &pip_named("x"));
    // Run from a subdirectory: the globs still anchor at the configuration file.
    let r = run(
        &dir.join("infra"),
        &["check", ".", "--format", "json", "--select", "STV3"],
    );
    let files: std::collections::BTreeSet<String> = r.json()["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["file"].as_str().unwrap().to_string())
        .collect();
    let want: std::collections::BTreeSet<String> = ["main.json", "old/deeper/d.json"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(files, want, "{r:?}");
    // `--exclude` adds globs relative to the working directory.
    let r = run(
        &dir,
        &[
            "check",
            "infra",
            "--format",
            "json",
            "--select",
            "STV3",
            "--exclude",
            "infra/old",
        ],
    );
    assert!(
        r.json()["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["file"] == "infra/main.json"),
        "{r:?}"
    );
}

#[test]
fn migration() {
    let dir = project("config-migration", "migration: true\n");
    let r = run(&dir, &["check", "infra/headroom.json", "--format", "json"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(r.json()["diagnostics"][0]["code"], "STV104");
    assert_eq!(r.json()["diagnostics"][0]["severity"], "error");
}

#[test]
fn parameters_map_a_template_to_its_parameter_file() {
    let dir = scratch("config-parameters");
    write(
        &dir,
        "arm/template.json",
        &read_data("params/template.json"),
    );
    write(&dir, "arm/env/prod.json", &read_data("params/prod.json"));
    // Without the mapping the prefix is unknown (STV002); with it, the /30 is too small.
    assert_eq!(
        codes_of(&dir, &["arm/template.json", "--select", "STV103"]).1,
        ["STV002"]
    );
    write(
        &dir,
        ".stv2lint.yaml",
        "parameters:\n  arm/template.json: arm/env/prod.json\n",
    );
    let (code, codes) = codes_of(&dir, &["arm/template.json", "--select", "STV103"]);
    assert_eq!((code, codes), (1, vec!["STV103".to_string()]));
}

#[test]
fn terraform_inputs_resolve_against_the_file() {
    let dir = scratch("config-terraform");
    let path = write(
        &dir,
        ".stv2lint.yaml",
        "terraform:\n  var-files: [env/prod.tfvars]\n  vars:\n    location: westeurope\n    zones: [\"1\", \"2\"]\n    capacity: 2\n",
    );
    let cfg = stv2lint::config::load(&path).unwrap();
    let mut opts = stv2lint::CheckOptions::default();
    stv2lint::driver::apply_config(&cfg, &mut opts);
    let base = stv2lint::source::canonical(&dir);
    assert_eq!(opts.load.var_files, vec![base.join("env/prod.tfvars")]);
    assert_eq!(
        opts.load.vars,
        vec![
            ("location".to_string(), "westeurope".to_string()),
            ("zones".to_string(), "[\"1\",\"2\"]".to_string()),
            ("capacity".to_string(), "2".to_string()),
        ]
    );
}

/// Each bad file exits 2 and names `.stv2lint.yaml:LINE` and the key.
#[test]
fn unknown_keys_and_bad_values_exit_2_naming_file_line_and_key() {
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "select: [STV3]\nfail_on: error\n",
            ".stv2lint.yaml:2:",
            &["unknown key `fail_on`"],
        ),
        (
            "fail-on: sometimes\n",
            ".stv2lint.yaml:1:",
            &["fail-on", "sometimes"],
        ),
        (
            "select: [STV2, STV9]\n",
            ".stv2lint.yaml:1:",
            &["select", "STV9"],
        ),
        ("ignore: XYZ\n", ".stv2lint.yaml:1:", &["ignore", "XYZ"]),
        (
            "severity:\n  STV202: loud\n",
            ".stv2lint.yaml:2:",
            &["severity.STV202", "loud"],
        ),
        (
            "severity:\n  STV202: error\n  STV999: off\n",
            ".stv2lint.yaml:3:",
            &["severity", "STV999"],
        ),
        (
            "exclude:\n  - ok/**\n  - 'bad/[x'\n",
            ".stv2lint.yaml:3:",
            &["exclude", "bad/[x"],
        ),
        ("migration: maybe\n", ".stv2lint.yaml:1:", &["migration"]),
        (
            "parameters: [a.json]\n",
            ".stv2lint.yaml:1:",
            &["parameters"],
        ),
        (
            "terraform:\n  var_files: [x]\n",
            ".stv2lint.yaml:2:",
            &["terraform", "var_files"],
        ),
        ("select: [\n", ".stv2lint.yaml:", &[]),
    ];
    for (i, (text, position, words)) in cases.iter().enumerate() {
        let dir = project(&format!("config-bad-{i}"), text);
        let r = run(&dir, &["check", "infra"]);
        assert_eq!(r.code, 2, "{text}\n{r:?}");
        assert!(r.stdout.is_empty(), "{r:?}");
        assert!(r.stderr.contains(position), "{text}\n{r:?}");
        for w in *words {
            assert!(r.stderr.contains(w), "{text}: `{w}` not named\n{r:?}");
        }
    }
}

#[test]
fn bad_command_line_prefixes_exit_2() {
    let dir = project("config-bad-flags", "");
    let r = run(&dir, &["check", "infra", "--select", "STV9"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.contains("--select") && r.stderr.contains("STV9"),
        "{r:?}"
    );
    let r = run(&dir, &["check", "infra", "--exclude", "[oops"]);
    assert_eq!(r.code, 2, "{r:?}");
}

#[test]
fn an_empty_file_is_no_settings() {
    let dir = project("config-empty", "# nothing yet\n");
    let (_, codes) = codes_of(&dir, &["infra/main.json"]);
    assert!(codes.contains(&"STV301".to_string()));
}

/// `terraform.var-files` and `terraform.vars` through the Terraform front end.
#[test]
fn terraform_inputs_reach_the_terraform_front_end() {
    let dir = scratch("config-terraform-e2e");
    let tf = read_data("pip.tf")
        .replace(
            "  sku                 = \"Basic\"",
            "  sku                 = var.pip_sku",
        )
        .replace(
            "#PIP_COMMENT",
            "variable \"pip_sku\" {\n  default = \"Standard\"\n}",
        );
    write(&dir, "main.tf", &tf);
    write(&dir, "env/prod.tfvars", "pip_sku = \"Basic\"\n");
    let probe = codes_of(
        &dir,
        &["main.tf", "--select", "STV301", "--var", "pip_sku=Basic"],
    );
    assert_eq!(probe.1, ["STV301"], "--var reaches the Terraform front end");
    assert_eq!(
        codes_of(&dir, &["main.tf", "--select", "STV301"]).1,
        Vec::<String>::new()
    );
    write(
        &dir,
        ".stv2lint.yaml",
        "terraform:\n  var-files: [env/prod.tfvars]\n",
    );
    assert_eq!(
        codes_of(&dir, &["main.tf", "--select", "STV301"]).1,
        ["STV301"]
    );
    write(
        &dir,
        ".stv2lint.yaml",
        "terraform:\n  vars:\n    pip_sku: Basic\n",
    );
    assert_eq!(
        codes_of(&dir, &["main.tf", "--select", "STV301"]).1,
        ["STV301"]
    );
    // The command line comes after the file, so its value wins.
    assert_eq!(
        codes_of(
            &dir,
            &["main.tf", "--select", "STV301", "--var", "pip_sku=Standard"]
        )
        .1,
        Vec::<String>::new()
    );
}

/// (file, code) of every finding of a `--format json` run in `dir`.
fn findings(dir: &Path, args: &[&str]) -> Vec<(String, String)> {
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let r = run(dir, &all);
    assert!(r.code == 0 || r.code == 1, "{r:?}");
    let mut out: Vec<(String, String)> = r.json()["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["file"].as_str().unwrap_or("").to_string(),
                d["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

fn files_of(f: &[(String, String)]) -> Vec<String> {
    let mut files: Vec<String> = f.iter().map(|(f, _)| f.clone()).collect();
    files.dedup();
    files
}

/// Generated or vendored IaC that git ignores is not linted: `.gitignore` and `.ignore` are read
/// as ripgrep reads them (also outside a git work tree), and a file named on the command line
/// is linted even when ignored.
#[test]
fn gitignore_and_ignore_files_are_respected() {
    let dir = scratch("config-gitignore");
    let pip = read_data("pip.json");
    write(&dir, "infra/main.json", &pip);
    write(&dir, "generated/main.json", &pip);
    write(&dir, "infra/vendor/main.json", &pip);
    write(&dir, "infra/out.generated.json", &pip);
    write(&dir, ".gitignore", "/generated/\n*.generated.json\n");
    write(&dir, "infra/.ignore", "vendor/\n");
    let f = findings(&dir, &["."]);
    assert_eq!(files_of(&f), ["infra/main.json"], "{f:?}");
    // Named explicitly, an ignored file is linted.
    let f = findings(&dir, &["generated/main.json"]);
    assert_eq!(files_of(&f), ["generated/main.json"], "{f:?}");
    // Without the ignore files every copy is linted (so the first assertion can fail).
    std::fs::remove_file(dir.join(".gitignore")).unwrap();
    std::fs::remove_file(dir.join("infra/.ignore")).unwrap();
    let f = findings(&dir, &["."]);
    assert_eq!(
        files_of(&f),
        [
            "generated/main.json",
            "infra/main.json",
            "infra/out.generated.json",
            "infra/vendor/main.json"
        ],
        "{f:?}"
    );
}

/// A nested `.stv2lint.yaml` decides for the files under it, whether the run starts at the
/// repository root (the pre-commit hook, the Action) or in the nested directory (upward
/// discovery), and the root's own file still decides for the rest.
#[test]
fn nested_config_applies_to_the_files_under_it() {
    let dir = scratch("config-nested");
    let pip = read_data("pip.json");
    write(&dir, ".stv2lint.yaml", "severity:\n  STV301: warning\n");
    write(&dir, "infra/main.json", &pip);
    write(&dir, "infra/legacy/main.json", &pip);
    write(&dir, "other/main.json", &pip);
    write(&dir, "other/legacy/main.json", &pip);
    write(
        &dir,
        "infra/.stv2lint.yaml",
        "ignore: [STV303]\nexclude: [legacy]\nseverity:\n  STV301: info\n",
    );
    let severities = |args: &[&str]| -> Vec<(String, String, String)> {
        let mut all = vec!["check"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--format", "json", "--fail-on", "never"]);
        let r = run(&dir, &all);
        assert_eq!(r.code, 0, "{r:?}");
        let mut v: Vec<(String, String, String)> = r.json()["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| ["STV301", "STV303"].contains(&d["code"].as_str().unwrap()))
            .map(|d| {
                (
                    d["file"].as_str().unwrap().to_string(),
                    d["code"].as_str().unwrap().to_string(),
                    d["severity"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let t = |f: &str, c: &str, s: &str| (f.to_string(), c.to_string(), s.to_string());
    let from_root = severities(&["."]);
    assert_eq!(
        from_root,
        [
            // infra/: STV303 ignored, legacy/ excluded, STV301 an info.
            t("infra/main.json", "STV301", "info"),
            // other/: the root file's settings.
            t("other/legacy/main.json", "STV301", "warning"),
            t("other/legacy/main.json", "STV303", "error"),
            t("other/main.json", "STV301", "warning"),
            t("other/main.json", "STV303", "error"),
        ],
        "{from_root:?}"
    );
    // Started in infra/, the nested file is the run's own: the same for its files.
    assert_eq!(
        severities(&["infra"]),
        [t("infra/main.json", "STV301", "info")]
    );
    // The library function the language server calls finds the same scope.
    let scopes = stv2lint::config::scopes(
        std::slice::from_ref(&dir),
        Some(&dir.join(stv2lint::config::FILE_NAME)),
    )
    .unwrap();
    assert_eq!(scopes.len(), 1);
    assert!(scopes[0].dir.ends_with("infra"));
    // A broken nested file stops the run with exit 2 and names it.
    write(&dir, "other/.stv2lint.yaml", "selekt: [STV3]\n");
    let r = run(&dir, &["check", "."]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("other/.stv2lint.yaml"), "{r:?}");
}
