//! The shared evaluation kernel (`src/frontend/kernel/`) seen from each front end: the same
//! program written in ARM, Bicep and Terraform is decided the same way.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A fresh directory holding `files` (name, text).
fn tree(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stv2lint-kernel-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (f, text) in files {
        let p = dir.join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

/// The compact output of `check DIR` (the directory is removed).
fn check(dir: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_stv2lint"))
        .args(["check", dir.to_str().unwrap(), "--format", "compact"])
        .env("NO_COLOR", "1")
        .output()
        .expect("run stv2lint");
    let _ = std::fs::remove_dir_all(dir);
    assert!(
        (0..=1).contains(&out.status.code().unwrap_or(-1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// An ARM template with `vars` whose API Management subnet is `subnet`.
fn arm(params: &str, vars: &str, subnet: &str) -> String {
    format!(
        r#"{{ "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "contentVersion": "1.0.0.0",
  "parameters": {{ {params} }},
  "variables": {{ {vars} }},
  "resources": [
  {{ "type": "Microsoft.ApiManagement/service", "apiVersion": "2023-05-01-preview", "name": "apim", "location": "westeurope",
  "sku": {{ "name": "Developer", "capacity": 1 }},
  "properties": {{ "publisherEmail": "a@example.com", "publisherName": "x", "virtualNetworkType": "External",
     "virtualNetworkConfiguration": {{ "subnetResourceId": "{subnet}" }} }} }} ] }}"#
    )
}

/// A Bicep file with `decls` whose API Management subnet is `subnet`.
fn bicep(decls: &str, subnet: &str) -> String {
    format!(
        "{decls}\nresource apim 'Microsoft.ApiManagement/service@2023-05-01-preview' = {{\n  name: 'apim'\n  location: 'westeurope'\n  sku: {{ name: 'Developer', capacity: 1 }}\n  properties: {{\n    publisherEmail: 'a@example.com'\n    publisherName: 'x'\n    virtualNetworkType: 'External'\n    virtualNetworkConfiguration: {{ subnetResourceId: {subnet} }}\n  }}\n}}\n"
    )
}

/// A Terraform module with `decls` whose API Management subnet is `subnet`.
fn terraform(decls: &str, subnet: &str) -> String {
    format!(
        "{decls}\nresource \"azurerm_api_management\" \"apim\" {{\n  name = \"apim\"\n  location = \"westeurope\"\n  resource_group_name = \"rg\"\n  publisher_name = \"x\"\n  publisher_email = \"a@example.com\"\n  sku_name = \"Developer_1\"\n  virtual_network_type = \"External\"\n  virtual_network_configuration {{\n    subnet_id = {subnet}\n  }}\n}}\n"
    )
}

/// The one STV002 line that says the subnet could not be checked, with the reason given.
fn subnet_unknown_because(out: &str, reason: &str) {
    let lines: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("STV002") && l.contains("the subnet reference is unknown"))
        .collect();
    assert_eq!(lines.len(), 1, "{out}");
    assert!(lines[0].ends_with(reason), "{out}");
}

/// A declaration that depends on itself ends at the first re-entry with an unknown naming it,
/// in every language, and the rest of the deployment is still checked.
#[test]
fn cycles_are_unknowns_that_name_the_declaration() {
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "main.json",
            arm(
                "",
                r#""a": "[variables('b')]", "b": "[concat(variables('a'), '/x')]""#,
                "[variables('a')]",
            ),
            "variable 'a' refers to itself",
        ),
        (
            "main.json",
            arm(
                r#""p": { "type": "string", "defaultValue": "[parameters('p')]" }"#,
                "",
                "[parameters('p')]",
            ),
            "parameter 'p' refers to itself",
        ),
        (
            "main.bicep",
            bicep("var a = b\nvar b = '${a}/x'", "a"),
            "variable 'a' refers to itself",
        ),
        (
            "main.bicep",
            bicep("param p string = p", "p"),
            "parameter 'p' refers to itself",
        ),
        (
            "main.tf",
            terraform(
                "locals {\n  a = local.b\n  b = \"${local.a}/x\"\n}",
                "local.a",
            ),
            "local `a` refers to itself",
        ),
        (
            "main.tf",
            terraform("variable \"v\" {\n  default = var.v\n}", "var.v"),
            "variable `v` refers to itself",
        ),
    ];
    for (i, (file, text, reason)) in cases.iter().enumerate() {
        let dir = tree(&format!("cycle{i}"), &[(file, text)]);
        subnet_unknown_because(&check(&dir), reason);
    }
}

/// An id built by each front end's own means (ARM `resourceId()`, a Bicep `.id`, an azurerm
/// `.id`) in another letter case than the declaration still finds the declared subnet: ids are
/// built by one type and compared without regard to case. The subnet is found when STV201 (no
/// NSG) is reported for it, and not "could not be checked".
#[test]
fn ids_built_in_any_front_end_and_case_link_to_the_declaration() {
    let arm_vnet = r#"{ "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-09-01", "name": "Vnet-Hub", "location": "westeurope",
      "properties": { "addressSpace": { "addressPrefixes": ["10.0.0.0/16"] },
        "subnets": [ { "name": "ApimSubnet", "properties": { "addressPrefix": "10.0.1.0/24" } } ] } },"#;
    let arm_text = arm(
        "",
        "",
        "[resourceId('microsoft.network/virtualNetworks/subnets', 'VNET-HUB', 'apimsubnet')]",
    )
    .replace(r#""resources": ["#, &format!("\"resources\": [{arm_vnet}"));
    let bicep_vnet = "resource vnet 'Microsoft.Network/virtualNetworks@2023-09-01' = {\n  name: 'Vnet-Hub'\n  location: 'westeurope'\n  properties: {\n    addressSpace: { addressPrefixes: ['10.0.0.0/16'] }\n    subnets: [ { name: 'ApimSubnet', properties: { addressPrefix: '10.0.1.0/24' } } ]\n  }\n}";
    let tf_vnet = "resource \"azurerm_virtual_network\" \"v\" {\n  name = \"Vnet-Hub\"\n  location = \"westeurope\"\n  resource_group_name = \"rg\"\n  address_space = [\"10.0.0.0/16\"]\n}\nresource \"azurerm_subnet\" \"s\" {\n  name = \"ApimSubnet\"\n  resource_group_name = \"rg\"\n  virtual_network_name = azurerm_virtual_network.v.name\n  address_prefixes = [\"10.0.1.0/24\"]\n}";
    let cases: Vec<(&str, String)> = vec![
        ("main.json", arm_text),
        (
            "main.bicep",
            bicep(bicep_vnet, "'${toUpper(vnet.id)}/subnets/APIMSUBNET'"),
        ),
        (
            "main.tf",
            terraform(
                tf_vnet,
                "\"${azurerm_virtual_network.v.id}/subnets/apimsubnet\"",
            ),
        ),
    ];
    for (i, (file, text)) in cases.iter().enumerate() {
        let dir = tree(&format!("id{i}"), &[(file, text)]);
        let out = check(&dir);
        assert!(
            out.lines().any(|l| l.contains("error[STV201]")),
            "{file}: the subnet was not found\n{out}"
        );
        assert!(!out.contains("could not be checked"), "{file}\n{out}");
    }
}
