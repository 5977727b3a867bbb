//! Hostile programs in each language finish fast, within 4 GiB of address space, with one
//! STV002 that names the evaluation limit they hit (or, for nesting the parsers refuse, the
//! nesting error) — never a crash, a stack overflow or unbounded memory. Each case is small
//! generated input whose evaluation would blow up without the kernel budget
//! (`src/frontend/kernel/budget.rs`); the binary runs under `ulimit -v` on Unix.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// A fresh directory holding `files` (name, text).
fn tree(name: &str, files: &[(&str, String)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stv2lint-budget-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (f, text) in files {
        let p = dir.join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

/// Runs `check DIR --format compact` under a 4 GiB address-space limit (Unix) and returns the
/// exit code, the output and how long it took.
fn check(dir: &Path) -> (i32, String, Duration) {
    check_within(dir, 4 << 20)
}

/// As [`check`], under an address-space limit of `kib` KiB.
fn check_within(dir: &Path, kib: u64) -> (i32, String, Duration) {
    let bin = env!("CARGO_BIN_EXE_stv2lint");
    let start = Instant::now();
    let out = if cfg!(unix) {
        Command::new("sh")
            .arg("-c")
            .arg(format!(
                "ulimit -v {kib} && exec \"$0\" check \"$1\" --format compact"
            ))
            .arg(bin)
            .arg(dir)
            .env("NO_COLOR", "1")
            .output()
    } else {
        Command::new(bin)
            .args(["check", dir.to_str().unwrap(), "--format", "compact"])
            .output()
    }
    .expect("run stv2lint");
    let _ = std::fs::remove_dir_all(dir);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text, start.elapsed())
}

/// The run ended normally (findings or not), fast, with exactly one line carrying `code` and
/// every one of `words`.
fn assert_cut(name: &str, (code, out, took): (i32, String, Duration), diag: &str, words: &[&str]) {
    assert!(
        (0..=2).contains(&code),
        "{name}: exit {code} (crash?)\n{out}"
    );
    assert!(!out.contains("panicked"), "{name}: {out}");
    let lines: Vec<&str> = out
        .lines()
        .filter(|l| l.contains(diag) && words.iter().all(|w| l.contains(w)))
        .collect();
    assert_eq!(
        lines.len(),
        1,
        "{name}: expected one {diag} with {words:?}\n{out}"
    );
    assert!(took < Duration::from_secs(60), "{name}: took {took:?}");
}

const ARM_HEAD: &str = r#"{ "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "contentVersion": "1.0.0.0","#;

/// An API Management instance whose publisher name is `expr`.
fn arm_apim(expr: &str) -> String {
    format!(
        r#"{{ "type": "Microsoft.ApiManagement/service", "apiVersion": "2023-05-01-preview", "name": "apim", "location": "westeurope",
  "sku": {{ "name": "Developer", "capacity": 1 }},
  "properties": {{ "publisherEmail": "a@example.com", "publisherName": "{expr}" }} }}"#
    )
}

#[test]
fn arm_variables_that_double_a_string() {
    let mut vars = vec![r#""v0": "xx""#.to_string()];
    for i in 1..=40 {
        vars.push(format!(
            r#""v{i}": "[concat(variables('v{p}'), variables('v{p}'))]""#,
            p = i - 1
        ));
    }
    let t = format!(
        "{ARM_HEAD} \"variables\": {{ {} }}, \"resources\": [ {} ] }}",
        vars.join(",\n"),
        arm_apim("[variables('v40')]")
    );
    let dir = tree("arm-double", &[("azuredeploy.json", t)]);
    assert_cut(
        "arm doubling",
        check(&dir),
        "STV002",
        &["text limit", "'apim'"],
    );
}

#[test]
fn arm_variables_that_double_an_array_stop_before_they_are_built() {
    // 45 variables, each two copies of the next (2^45 leaves): the budget charges each copy
    // before it is made, so the run stops at the value limit within a small part of the
    // memory (it took 1.9 GB when copies were charged after they were built). The same
    // through concat() of arrays, union() of objects and string().
    for (name, double, use_) in [
        (
            "createArray",
            "createArray(variables('o{n}'), variables('o{n}'))",
            "[string(length(variables('o0')))]",
        ),
        (
            "concat",
            "concat(createArray(variables('o{n}')), createArray(variables('o{n}')))",
            "[string(length(variables('o0')))]",
        ),
        (
            "union",
            "union(createObject('a', variables('o{n}')), createObject('b', variables('o{n}')))",
            "[string(length(variables('o0')))]",
        ),
        (
            "string",
            "createArray(variables('o{n}'), variables('o{n}'))",
            "[string(length(string(variables('o0'))))]",
        ),
    ] {
        let mut vars: Vec<String> = (0..45)
            .map(|i| {
                let d = double.replace("{n}", &(i + 1).to_string());
                format!(r#""o{i}": "[{d}]""#)
            })
            .collect();
        vars.push(r#""o45": { "a": 1 }"#.to_string());
        let t = format!(
            "{ARM_HEAD} \"variables\": {{ {} }}, \"resources\": [ {} ] }}",
            vars.join(",\n"),
            arm_apim(use_)
        );
        let dir = tree(
            &format!("arm-double-array-{name}"),
            &[("azuredeploy.json", t)],
        );
        // 1 GiB of address space: the evaluation must stop well within it.
        assert_cut(
            name,
            check_within(&dir, 1 << 20),
            "STV002",
            &["value limit", "'apim'"],
        );
    }
}

#[test]
fn a_hostile_template_does_not_cut_off_the_rest_of_the_run() {
    // Budgets are per deployment: the doubling template next to a broken one leaves the broken
    // one fully checked.
    let mut vars = vec![r#""v0": "xx""#.to_string()];
    for i in 1..=40 {
        vars.push(format!(
            r#""v{i}": "[concat(variables('v{p}'), variables('v{p}'))]""#,
            p = i - 1
        ));
    }
    let hostile = format!(
        "{ARM_HEAD} \"variables\": {{ {} }}, \"resources\": [ {} ] }}",
        vars.join(",\n"),
        arm_apim("[variables('v40')]")
    );
    let broken = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/broken-apim/azuredeploy.json"),
    )
    .unwrap();
    let dir = tree(
        "arm-two",
        &[
            ("hostile/azuredeploy.json", hostile),
            ("broken/azuredeploy.json", broken),
        ],
    );
    let (code, out, took) = check(&dir);
    // The hostile template's instance is unchecked: the run is incomplete (exit 2), and the
    // other template's findings are all there.
    assert_eq!(code, 2, "{out}");
    for finding in [
        "error[STV202]",
        "error[STV204]",
        "error[STV501]",
        "warning[STV502]",
    ] {
        let hit = out
            .lines()
            .any(|l| l.contains("broken") && l.contains(finding));
        assert!(hit, "{finding} missing:\n{out}");
    }
    assert_eq!(out.matches("text limit").count(), 1, "{out}");
    assert!(took < Duration::from_secs(60), "took {took:?}");
}

#[test]
fn arm_nested_copy_three_levels_of_800() {
    let inner = r#"{ "copy": [ { "name": "c3", "count": 800, "input": "[copyIndex('c3')]" } ] }"#;
    let mid = format!(r#"{{ "copy": [ {{ "name": "c2", "count": 800, "input": {inner} }} ] }}"#);
    let t = format!(
        r#"{ARM_HEAD} "variables": {{ "copy": [ {{ "name": "big", "count": 800, "input": {mid} }} ] }},
  "resources": [ {} ] }}"#,
        arm_apim("[string(length(variables('big')))]")
    );
    let dir = tree("arm-copy", &[("azuredeploy.json", t)]);
    assert_cut("arm copy", check(&dir), "STV002", &["limit", "'apim'"]);
}

#[test]
fn arm_accessor_chain_of_60k_links() {
    let chain = ".a".repeat(60_000);
    let t = format!(
        r#"{ARM_HEAD} "variables": {{ "o": {{ "a": 1 }} }}, "resources": [ {} ] }}"#,
        arm_apim(&format!("[string(variables('o'){chain})]"))
    );
    let dir = tree("arm-chain", &[("azuredeploy.json", t)]);
    assert_cut("arm chain", check(&dir), "STV001", &["nested too deeply"]);
}

#[test]
fn bicep_replace_that_multiplies_text() {
    let mut src = String::from("var s0 = 'xxxxxxxxxxxxxxxx'\n");
    for i in 1..=12 {
        src.push_str(&format!("var s{i} = replace(s{p}, 'x', s{p})\n", p = i - 1));
    }
    src.push_str(
        "resource apim 'Microsoft.ApiManagement/service@2023-05-01-preview' = {\n  name: 'apim'\n  location: 'westeurope'\n  sku: { name: 'Developer', capacity: 1 }\n  properties: { publisherEmail: 'a@example.com', publisherName: s12 }\n}\n",
    );
    let dir = tree("bicep-replace", &[("main.bicep", src)]);
    assert_cut(
        "bicep replace",
        check(&dir),
        "STV002",
        &["text limit", "'apim'"],
    );
}

#[test]
fn bicep_accessor_chain_of_60k_links() {
    let src = format!("var o = {{ a: 1 }}\nvar b = o{}\n", ".a".repeat(60_000));
    let dir = tree("bicep-chain", &[("main.bicep", src)]);
    assert_cut("bicep chain", check(&dir), "STV001", &["nested more than"]);
}

const TF_APIM: &str = r#"
resource "azurerm_api_management" "apim" {
  name                = "apim"
  location            = "westeurope"
  resource_group_name = "rg"
  publisher_name      = local.last
  publisher_email     = "a@example.com"
  sku_name            = "Developer_1"
}
"#;

#[test]
fn terraform_locals_that_double_a_string() {
    let mut src = String::from("locals {\n  a0 = \"xx\"\n");
    for i in 1..=40 {
        src.push_str(&format!(
            "  a{i} = \"${{local.a{p}}}${{local.a{p}}}\"\n",
            p = i - 1
        ));
    }
    src.push_str("  last = local.a40\n}\n");
    src.push_str(TF_APIM);
    let dir = tree("tf-double", &[("main.tf", src)]);
    assert_cut(
        "terraform doubling",
        check(&dir),
        "STV002",
        &["text limit", "azurerm_api_management.apim"],
    );
}

#[test]
fn terraform_join_of_a_long_separator() {
    // 4000 items joined by a 4000² character separator: 64 GB of text.
    let src = format!(
        "locals {{\n  s1 = join(\"\", [for i in range(4000) : \"x\"])\n  s2 = join(local.s1, [for i in range(4000) : \"y\"])\n  last = join(local.s2, [for i in range(4000) : \"z\"])\n}}\n{TF_APIM}"
    );
    let dir = tree("tf-join", &[("main.tf", src)]);
    assert_cut(
        "terraform join",
        check(&dir),
        "STV002",
        &["text limit", "azurerm_api_management.apim"],
    );
}

#[test]
fn terraform_splat_and_attribute_chains_of_60k_links() {
    for (name, chain) in [("splat", "[*]"), ("attr", ".a")] {
        let src = format!(
            "locals {{\n  o = {{ a = [1] }}\n  last = local.o{}\n}}\n{TF_APIM}",
            chain.repeat(60_000)
        );
        let dir = tree(&format!("tf-{name}"), &[("main.tf", src)]);
        let (code, out, took) = check(&dir);
        // The file parses and is checked (exit 0 or 1, not a crash or a load error); the
        // chain's value is simply unknown.
        assert!((0..=1).contains(&code), "{name}: exit {code}\n{out}");
        assert!(!out.contains("overflow"), "{name}: {out}");
        assert!(took < Duration::from_secs(60), "{name}: took {took:?}");
    }
}

#[test]
fn loops_that_copy_a_large_value_thousands_of_times() {
    // 100,000 numbers copied into every item of a long loop: 50 GB if built.
    let arm = format!(
        r#"{ARM_HEAD} "variables": {{ "r": "[range(0, 100000)]", "copy": [ {{ "name": "big", "count": 800, "input": "[variables('r')]" }} ] }},
  "resources": [ {} ] }}"#,
        arm_apim("[string(length(variables('big')))]")
    );
    let bicep = "var r = range(0, 100000)\nvar big = [for i in range(0, 5000): r]\nresource apim 'Microsoft.ApiManagement/service@2023-05-01-preview' = {\n  name: 'apim'\n  location: 'westeurope'\n  sku: { name: 'Developer', capacity: 1 }\n  properties: { publisherEmail: 'a@example.com', publisherName: string(length(big)) }\n}\n".to_string();
    let tf = format!(
        "locals {{\n  r = range(100000)\n  big = [for i in range(5000) : local.r]\n  last = tostring(length(local.big))\n}}\n{TF_APIM}"
    );
    for (name, file, text, apim) in [
        ("arm", "azuredeploy.json", arm, "'apim'"),
        ("bicep", "main.bicep", bicep, "'apim'"),
        ("terraform", "main.tf", tf, "azurerm_api_management.apim"),
    ] {
        let dir = tree(&format!("{name}-copies"), &[(file, text)]);
        assert_cut(name, check(&dir), "STV002", &["value limit", apim]);
    }
}

/// Nested loops of modules (or nested deployments) of a thousand each multiply to a billion
/// resources: the instance limit stops each language well within 1 GiB of address space. Before
/// it, Terraform reached 5.3 GB and 17 s, Bicep 500 MB and 10 s, ARM 760 MB, all stopped only
/// by the step limit.
#[test]
fn nested_loops_of_modules_stop_at_the_instance_limit() {
    let bicep = tree(
        "bicep-module-loops",
        &[
            (
                "main.bicep",
                "module m 'm.bicep' = [for i in range(0, 1000): {\n  name: 'm${i}'\n  params: { i: i }\n}]\n".into(),
            ),
            (
                "m.bicep",
                "param i int\nmodule inner 'n.bicep' = [for j in range(0, 1000): {\n  name: 'n${i}-${j}'\n  params: { j: j }\n}]\n".into(),
            ),
            (
                "n.bicep",
                "param j int\nresource nsg 'Microsoft.Network/networkSecurityGroups@2023-09-01' = [for k in range(0, 1000): {\n  name: 'nsg-${j}-${k}'\n  location: 'westeurope'\n}]\n".into(),
            ),
        ],
    );
    let terraform = tree(
        "terraform-module-loops",
        &[
            (
                "main.tf",
                "module \"m\" {\n  source = \"./m\"\n  count  = 1000\n  i      = count.index\n}\n".into(),
            ),
            (
                "m/main.tf",
                "variable \"i\" {}\nmodule \"n\" {\n  source = \"../n\"\n  count  = 1000\n  j      = count.index\n}\n".into(),
            ),
            (
                "n/main.tf",
                "variable \"j\" {}\nresource \"azurerm_network_security_group\" \"nsg\" {\n  count               = 1000\n  name                = \"nsg-${var.j}-${count.index}\"\n  location            = \"westeurope\"\n  resource_group_name = \"rg\"\n}\n".into(),
            ),
        ],
    );
    let nsg = r#"{ "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-09-01", "name": "[concat('nsg', copyIndex())]", "location": "westeurope", "copy": { "name": "c", "count": 800 } }"#;
    let deploy = |name: &str, inner: &str| {
        format!(
            r#"{{ "type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "[concat('{name}', copyIndex())]", "copy": {{ "name": "{name}", "count": 800 }}, "properties": {{ "mode": "Incremental", "expressionEvaluationOptions": {{ "scope": "inner" }}, "template": {ARM_HEAD} "resources": [ {inner} ] }} }} }}"#
        )
    };
    let arm = tree(
        "arm-deployment-loops",
        &[(
            "azuredeploy.json",
            format!(
                r#"{ARM_HEAD} "resources": [ {} ] }}"#,
                deploy("t", &deploy("d", nsg))
            ),
        )],
    );
    for (name, dir) in [("bicep", bicep), ("terraform", terraform), ("arm", arm)] {
        assert_cut(
            name,
            check_within(&dir, 1 << 20),
            "STV002",
            &["instance limit"],
        );
    }
}

/// Modules (nested deployments) without loops multiply too: ten calls per level, five levels
/// deep, are 100,000 deployments. Each counts against the instance limit, so the run stops
/// there, bounded, and exits 2 (an instance may be left unchecked).
#[test]
fn modules_without_loops_fanning_out_stop_at_the_instance_limit() {
    const LEVELS: usize = 5;
    let calls = |f: &dyn Fn(usize) -> String| (0..10).map(f).collect::<Vec<_>>().join("\n");
    let mut bicep = Vec::new();
    let mut terraform = Vec::new();
    let mut arm = Vec::new();
    for l in 0..LEVELS {
        bicep.push((
            format!("l{l}.bicep"),
            calls(&|i| format!("module m{i} 'l{}.bicep' = {{\n  name: 'm{i}'\n}}", l + 1)),
        ));
        terraform.push((
            if l == 0 {
                "main.tf".to_string()
            } else {
                format!("l{l}/main.tf")
            },
            calls(&|i| {
                let src = if l == 0 {
                    "./l1".to_string()
                } else {
                    format!("../l{}", l + 1)
                };
                format!("module \"m{i}\" {{\n  source = \"{src}\"\n}}")
            }),
        ));
        arm.push((
            format!("l{l}.json"),
            format!(
                r#"{ARM_HEAD} "resources": [ {} ] }}"#,
                (0..10)
                    .map(|i| format!(r#"{{ "type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "m{i}", "properties": {{ "mode": "Incremental", "templateLink": {{ "relativePath": "l{}.json" }} }} }}"#, l + 1))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    bicep.push((
        format!("l{LEVELS}.bicep"),
        "resource nsg 'Microsoft.Network/networkSecurityGroups@2023-09-01' = {\n  name: 'nsg'\n  location: 'westeurope'\n}\n".into(),
    ));
    terraform.push((
        format!("l{LEVELS}/main.tf"),
        "resource \"azurerm_network_security_group\" \"nsg\" {\n  name                = \"nsg\"\n  location            = \"westeurope\"\n  resource_group_name = \"rg\"\n}\n".into(),
    ));
    arm.push((
        format!("l{LEVELS}.json"),
        format!(
            r#"{ARM_HEAD} "resources": [ {{ "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-09-01", "name": "nsg", "location": "westeurope" }} ] }}"#
        ),
    ));
    for (name, files) in [("bicep", bicep), ("terraform", terraform), ("arm", arm)] {
        let files: Vec<(&str, String)> =
            files.iter().map(|(p, t)| (p.as_str(), t.clone())).collect();
        let dir = tree(&format!("{name}-fan-out"), &files);
        let (code, out, took) = check_within(&dir, 1 << 21);
        assert_eq!(code, 2, "{name}: {out}");
        assert_cut(name, (code, out, took), "STV002", &["instance limit"]);
    }
}

/// A `count` past what stv2lint expands, or one Terraform refuses, is said where it is
/// written; the capped instances are not reported as if they were what is deployed.
#[test]
fn a_count_past_the_cap_or_negative_is_said() {
    let dir = tree(
        "terraform-count-cap",
        &[(
            "main.tf",
            "resource \"azurerm_network_security_group\" \"many\" {\n  count               = 1000000000\n  name                = \"nsg-${count.index}\"\n  location            = \"westeurope\"\n  resource_group_name = \"rg\"\n}\n\nresource \"azurerm_network_security_group\" \"none\" {\n  count               = -1\n  name                = \"x\"\n  location            = \"westeurope\"\n  resource_group_name = \"rg\"\n}\n".into(),
        )],
    );
    let (code, out, took) = check(&dir);
    assert!(code == 0 || code == 1, "{out}");
    assert!(
        out.contains(
            "main.tf:2:25: warning[STV002] count is 1000000000: stv2lint checks the first 4096"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "main.tf:9:25: warning[STV002] count is -1: Terraform refuses a negative count"
        ),
        "{out}"
    );
    assert!(took < Duration::from_secs(60));
}
