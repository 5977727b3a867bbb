//! Value alternatives, producer side: where the code says what an unknown can be (a conditional
//! whose predicate is unknown, a parameter's allowed values, a Terraform `validation` with
//! `contains([...], var.x)`), the model field carries every possible value with the choices that
//! lead to it. Small deployments in each format, asserting `Apim.sku` / `vnet_type` alternatives.

use std::path::PathBuf;
use stv2lint::code::Code;
use stv2lint::model::{Field, Workspace};
use stv2lint::{check, Outcome};

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str, files: &[(&str, &str)]) -> Dir {
        let dir =
            std::env::temp_dir().join(format!("stv2lint-alts-{}-{}", name, std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (path, text) in files {
            let p = dir.join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        Dir(dir)
    }
    fn check(&self) -> Outcome {
        check(std::slice::from_ref(&self.0), &Default::default())
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// (value, choices described) of every alternative, sorted.
fn alts<T: std::fmt::Debug>(f: &Field<T>) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = f
        .alts()
        .iter()
        .map(|a| (format!("{:?}", a.val), a.when.describe()))
        .collect();
    v.sort();
    v
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = list
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    v.sort();
    v
}

fn one_apim(ws: &Workspace) -> &stv2lint::model::Apim {
    assert_eq!(ws.apims.len(), 1, "one instance");
    &ws.apims[0]
}

fn no_stv001(o: &Outcome) {
    let bad: Vec<_> = o
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::Stv001)
        .collect();
    assert!(bad.is_empty(), "{bad:?}");
}

// ---- ARM ----------------------------------------------------------------------------------

fn arm(params: &str, variables: &str, sku: &str, vnet: &str) -> String {
    format!(
        r#"{{ "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {{ {params} }},
  "variables": {{ {variables} }},
  "resources": [ {{
    "type": "Microsoft.ApiManagement/service", "apiVersion": "2023-05-01-preview",
    "name": "apim", "location": "westeurope",
    "sku": {{ "name": "{sku}", "capacity": 1 }},
    "properties": {{ "publisherEmail": "a@b.c", "publisherName": "x", "virtualNetworkType": "{vnet}" }}
  }} ] }}"#
    )
}

#[test]
fn arm_if_with_unknown_predicate_gives_both_branches() {
    let t = arm(
        r#""env": { "type": "string" }"#,
        "",
        "[if(equals(parameters('env'), 'prod'), 'Premium', 'Developer')]",
        "External",
    );
    let d = Dir::new("arm-if", &[("t.json", &t)]);
    let o = d.check();
    no_stv001(&o);
    let a = one_apim(&o.ws);
    assert!(a.sku.val.is_err());
    let c = "equals(parameters('env'), 'prod')";
    assert_eq!(
        alts(&a.sku),
        pairs(&[
            ("\"Premium\"", &format!("{c} is true")),
            ("\"Developer\"", &format!("{c} is false")),
        ])
    );
    let reason = a.sku.val.as_ref().unwrap_err();
    assert!(
        reason.contains("'Premium'") && reason.contains("'Developer'"),
        "{reason}"
    );
}

#[test]
fn arm_allowed_values_and_a_shared_choice_stay_consistent() {
    let t = arm(
        r#""env": { "type": "string", "allowedValues": ["dev", "test", "prod"] }"#,
        r#""isProd": "[equals(parameters('env'), 'prod')]""#,
        "[if(variables('isProd'), 'Premium', 'Developer')]",
        "[if(variables('isProd'), 'Internal', 'None')]",
    );
    let d = Dir::new("arm-allowed", &[("t.json", &t)]);
    let o = d.check();
    no_stv001(&o);
    let a = one_apim(&o.ws);
    let p = "parameter 'env'";
    assert_eq!(
        alts(&a.sku),
        pairs(&[
            ("\"Developer\"", &format!("{p} is 'dev'")),
            ("\"Developer\"", &format!("{p} is 'test'")),
            ("\"Premium\"", &format!("{p} is 'prod'")),
        ])
    );
    assert_eq!(
        alts(&a.vnet_type),
        pairs(&[
            ("\"None\"", &format!("{p} is 'dev'")),
            ("\"None\"", &format!("{p} is 'test'")),
            ("\"Internal\"", &format!("{p} is 'prod'")),
        ])
    );
}

#[test]
fn arm_allowed_sku_parameter() {
    let t = arm(
        r#""apimSku": { "type": "string", "allowedValues": ["Developer", "Premium"] }"#,
        "",
        "[parameters('apimSku')]",
        "External",
    );
    let d = Dir::new("arm-sku", &[("t.json", &t)]);
    let o = d.check();
    no_stv001(&o);
    let a = one_apim(&o.ws);
    assert_eq!(
        alts(&a.sku),
        pairs(&[
            ("\"Developer\"", "parameter 'apimSku' is 'Developer'"),
            ("\"Premium\"", "parameter 'apimSku' is 'Premium'"),
        ])
    );
}

#[test]
fn arm_combination_of_two_choices_and_the_cap() {
    // Two independent choices combine (2 × 2); a third, with 5 values, exceeds 16.
    let t = arm(
        r#""a": { "type": "string", "allowedValues": ["x", "y"] },
           "b": { "type": "string", "allowedValues": ["1", "2"] },
           "c": { "type": "string", "allowedValues": ["p", "q", "r", "s", "t"] }"#,
        "",
        "[concat(parameters('a'), parameters('b'))]",
        "[concat(parameters('a'), parameters('b'), parameters('c'))]",
    );
    let d = Dir::new("arm-cap", &[("t.json", &t)]);
    let o = d.check();
    no_stv001(&o);
    let a = one_apim(&o.ws);
    assert_eq!(a.sku.alts().len(), 4);
    assert!(alts(&a.sku).contains(&(
        "\"y2\"".to_string(),
        "parameter 'a' is 'y' and parameter 'b' is '2'".to_string()
    )));
    assert!(
        a.vnet_type.alts().is_empty(),
        "20 combinations are too many"
    );
    let reason = a.vnet_type.val.as_ref().unwrap_err();
    assert!(reason.contains("more than 16"), "{reason}");
}

#[test]
fn arm_an_unknown_alternative_makes_a_plain_unknown() {
    let t = arm(
        r#""env": { "type": "string" }, "sku": { "type": "string" }"#,
        "",
        "[if(equals(parameters('env'), 'prod'), parameters('sku'), 'Developer')]",
        "External",
    );
    let d = Dir::new("arm-plain", &[("t.json", &t)]);
    let o = d.check();
    let a = one_apim(&o.ws);
    assert!(a.sku.val.is_err());
    assert!(a.sku.alts().is_empty());
}

// ---- Bicep --------------------------------------------------------------------------------

const BICEP_APIM: &str = "resource apim 'Microsoft.ApiManagement/service@2023-05-01-preview' = {
  name: 'apim'
  location: 'westeurope'
  sku: { name: sku, capacity: 1 }
  properties: {
    publisherEmail: 'a@b.c'
    publisherName: 'x'
    virtualNetworkType: vnetType
  }
}
";

#[test]
fn bicep_ternary_with_unknown_predicate() {
    let src = format!(
        "param env string\nvar sku = env == 'prod' ? 'Premium' : 'Developer'\nvar vnetType = 'External'\n{BICEP_APIM}"
    );
    let d = Dir::new("bicep-ternary", &[("main.bicep", &src)]);
    let o = d.check();
    no_stv001(&o);
    let a = one_apim(&o.ws);
    assert_eq!(
        alts(&a.sku),
        pairs(&[
            ("\"Premium\"", "env == 'prod' is true"),
            ("\"Developer\"", "env == 'prod' is false"),
        ])
    );
    // Each alternative points at the branch that gives it.
    let f = o.ws.sources.get(a.sku.alts()[0].at.unwrap().file);
    let lines: Vec<usize> = a
        .sku
        .alts()
        .iter()
        .map(|x| f.line_col(x.at.unwrap().start).0)
        .collect();
    assert_eq!(lines, vec![2, 2]);
}

#[test]
fn bicep_allowed_values_through_a_ternary_share_one_choice() {
    let src = format!(
        "@allowed([\n  'dev'\n  'prod'\n])\nparam env string\nvar isProd = env == 'prod'\nvar sku = isProd ? 'Premium' : 'Developer'\nvar vnetType = isProd ? 'Internal' : 'None'\n{BICEP_APIM}"
    );
    let d = Dir::new("bicep-allowed", &[("main.bicep", &src)]);
    let o = d.check();
    no_stv001(&o);
    let a = one_apim(&o.ws);
    assert_eq!(
        alts(&a.sku),
        pairs(&[
            ("\"Developer\"", "parameter 'env' is 'dev'"),
            ("\"Premium\"", "parameter 'env' is 'prod'"),
        ])
    );
    assert_eq!(
        alts(&a.vnet_type),
        pairs(&[
            ("\"None\"", "parameter 'env' is 'dev'"),
            ("\"Internal\"", "parameter 'env' is 'prod'"),
        ])
    );
}

#[test]
fn bicep_interpolation_and_objects_per_alternative() {
    // An object chosen by a parameter, read by member access, and a string built from it.
    let src = format!(
        "@allowed(['small', 'big'])\nparam size string\nvar cfg = {{\n  small: {{ tier: 'Developer', net: 'External' }}\n  big: {{ tier: 'Premium', net: 'Internal' }}\n}}\nvar sku = cfg[size].tier\nvar vnetType = '${{cfg[size].net}}'\n{BICEP_APIM}"
    );
    let d = Dir::new("bicep-objects", &[("main.bicep", &src)]);
    let o = d.check();
    no_stv001(&o);
    let a = one_apim(&o.ws);
    assert_eq!(
        alts(&a.sku),
        pairs(&[
            ("\"Developer\"", "parameter 'size' is 'small'"),
            ("\"Premium\"", "parameter 'size' is 'big'"),
        ])
    );
    assert_eq!(
        alts(&a.vnet_type),
        pairs(&[
            ("\"External\"", "parameter 'size' is 'small'"),
            ("\"Internal\"", "parameter 'size' is 'big'"),
        ])
    );
}

#[test]
fn bicep_array_parameter_allowed_values_are_not_alternatives() {
    let src = format!(
        "@allowed(['Premium', 'Developer'])\nparam skus array\nvar sku = skus[0]\nvar vnetType = 'External'\n{BICEP_APIM}"
    );
    let d = Dir::new("bicep-array", &[("main.bicep", &src)]);
    let o = d.check();
    let a = one_apim(&o.ws);
    assert!(a.sku.val.is_err());
    assert!(a.sku.alts().is_empty());
}

// ---- Terraform ----------------------------------------------------------------------------

fn tf(vars: &str, sku: &str, vnet: &str) -> String {
    format!(
        r#"{vars}
resource "azurerm_api_management" "apim" {{
  name                 = "apim"
  location             = "westeurope"
  resource_group_name  = "rg"
  publisher_name       = "x"
  publisher_email      = "a@b.c"
  sku_name             = {sku}
  virtual_network_type = {vnet}
}}
"#
    )
}

#[test]
fn terraform_conditional_with_unknown_predicate() {
    let src = tf(
        "variable \"env\" {\n  type = string\n}\n",
        "var.env == \"prod\" ? \"Premium_2\" : \"Developer_1\"",
        "\"External\"",
    );
    let d = Dir::new("tf-cond", &[("main.tf", &src)]);
    let o = d.check();
    no_stv001(&o);
    let a = one_apim(&o.ws);
    let c = "var.env == \"prod\"";
    assert_eq!(
        alts(&a.sku),
        pairs(&[
            ("\"Premium\"", &format!("{c} is true")),
            ("\"Developer\"", &format!("{c} is false")),
        ])
    );
    assert_eq!(
        alts(&a.locations[0].capacity),
        pairs(&[
            ("2", &format!("{c} is true")),
            ("1", &format!("{c} is false"))
        ])
    );
}

#[test]
fn terraform_validation_contains_lists_the_values() {
    let src = tf(
        "variable \"sku\" {\n  type = string\n  validation {\n    condition     = contains([\"Developer_1\", \"Premium_1\"], var.sku)\n    error_message = \"x\"\n  }\n}\n",
        "var.sku",
        "\"Internal\"",
    );
    let d = Dir::new("tf-validation", &[("main.tf", &src)]);
    let o = d.check();
    no_stv001(&o);
    let a = one_apim(&o.ws);
    assert_eq!(
        alts(&a.sku),
        pairs(&[
            ("\"Developer\"", "var.sku is 'Developer_1'"),
            ("\"Premium\"", "var.sku is 'Premium_1'"),
        ])
    );
}

#[test]
fn terraform_other_validations_say_nothing_exact() {
    for cond in [
        "contains([\"Developer_1\", \"Premium_1\"], lower(var.sku))",
        "can(regex(\"^(Developer|Premium)_1$\", var.sku))",
        "contains(local.skus, var.sku)",
    ] {
        let src = tf(
            &format!("locals {{\n  skus = [\"Developer_1\"]\n}}\nvariable \"sku\" {{\n  type = string\n  validation {{\n    condition     = {cond}\n    error_message = \"x\"\n  }}\n}}\n"),
            "var.sku",
            "\"Internal\"",
        );
        let d = Dir::new("tf-other-validation", &[("main.tf", &src)]);
        let o = d.check();
        no_stv001(&o);
        let a = one_apim(&o.ws);
        assert!(a.sku.val.is_err(), "{cond}");
        assert!(a.sku.alts().is_empty(), "{cond}: {:?}", a.sku.alts());
    }
}

#[test]
fn terraform_shared_choice_through_locals_and_interpolation() {
    let src = tf(
        "variable \"env\" {\n  type = string\n  validation {\n    condition     = contains([\"dev\", \"prod\"], var.env)\n    error_message = \"x\"\n  }\n}\nlocals {\n  is_prod = var.env == \"prod\"\n  tier    = local.is_prod ? \"Premium\" : \"Developer\"\n  net     = { dev = \"External\", prod = \"Internal\" }\n}\n",
        "\"${local.tier}_1\"",
        "local.net[var.env]",
    );
    let d = Dir::new("tf-shared", &[("main.tf", &src)]);
    let o = d.check();
    no_stv001(&o);
    let a = one_apim(&o.ws);
    assert_eq!(
        alts(&a.sku),
        pairs(&[
            ("\"Developer\"", "var.env is 'dev'"),
            ("\"Premium\"", "var.env is 'prod'"),
        ])
    );
    assert_eq!(
        alts(&a.vnet_type),
        pairs(&[
            ("\"External\"", "var.env is 'dev'"),
            ("\"Internal\"", "var.env is 'prod'"),
        ])
    );
}

#[test]
fn bicep_whole_objects_as_alternatives_reach_sku_capacity_zones_and_vnet_type() {
    let src = "param env string
resource apim 'Microsoft.ApiManagement/service@2023-05-01-preview' = {
  name: 'apim'
  location: 'westeurope'
  sku: env == 'prod' ? { name: 'Premium', capacity: 2 } : { name: 'Developer', capacity: 1 }
  zones: env == 'prod' ? ['1', '2'] : []
  properties: env == 'prod' ? {
    publisherEmail: 'a@b.c'
    publisherName: 'x'
    virtualNetworkType: 'Internal'
  } : {
    publisherEmail: 'a@b.c'
    publisherName: 'x'
  }
}
";
    let d = Dir::new("bicep-objects-alts", &[("main.bicep", src)]);
    let o = d.check();
    no_stv001(&o);
    let a = one_apim(&o.ws);
    let (t, f) = ("env == 'prod' is true", "env == 'prod' is false");
    assert_eq!(
        alts(&a.sku),
        pairs(&[("\"Premium\"", t), ("\"Developer\"", f)])
    );
    assert_eq!(alts(&a.locations[0].capacity), pairs(&[("2", t), ("1", f)]));
    let zones = a.locations[0].zones.as_ref().expect("zones");
    assert_eq!(alts(zones), pairs(&[("[\"1\", \"2\"]", t), ("[]", f)]));
    // The branch without virtualNetworkType is the default, None.
    assert_eq!(
        alts(&a.vnet_type),
        pairs(&[("\"Internal\"", t), ("\"None\"", f)])
    );
}

#[test]
fn terraform_alternatives_nested_in_a_structure_are_read_through() {
    let src = tf(
        "variable \"env\" {\n  type = string\n}\nlocals {\n  cfg = {\n    sku = var.env == \"prod\" ? { name = \"Premium_1\", net = \"Internal\" } : { name = \"Developer_1\", net = \"External\" }\n  }\n}\n",
        "local.cfg.sku.name",
        "local.cfg.sku.net",
    );
    let d = Dir::new("tf-nested", &[("main.tf", &src)]);
    let o = d.check();
    no_stv001(&o);
    let a = one_apim(&o.ws);
    let (t, f) = (
        "var.env == \"prod\" is true",
        "var.env == \"prod\" is false",
    );
    assert_eq!(
        alts(&a.sku),
        pairs(&[("\"Premium\"", t), ("\"Developer\"", f)])
    );
    assert_eq!(
        alts(&a.vnet_type),
        pairs(&[("\"Internal\"", t), ("\"External\"", f)])
    );
}

#[test]
fn bicep_literal_union_type_and_module_inputs_the_caller_does_not_know() {
    // `param sku 'Developer' | 'Premium'` lists the values as @allowed does; a module's
    // @allowed parameter fed an unknown by its caller is still one of its values. Where the
    // caller passes a parameter of its own unchanged (`vnetType: net`, `sku: tier`), the choice
    // is that parameter's: it is the one a person deploying `main.bicep` sets.
    let module = format!(
        "@allowed(['External', 'Internal'])\nparam vnetType string\nparam sku 'Developer' | 'Premium'\n{BICEP_APIM}"
    );
    let main = "param net string\nparam tier string\nmodule m 'apim.bicep' = {\n  name: 'm'\n  params: {\n    vnetType: net\n    sku: tier\n  }\n}\n";
    let d = Dir::new(
        "bicep-union",
        &[("apim.bicep", module.as_str()), ("main.bicep", main)],
    );
    let o = d.check();
    no_stv001(&o);
    let a = one_apim(&o.ws);
    assert_eq!(
        alts(&a.sku),
        pairs(&[
            ("\"Developer\"", "parameter 'tier' is 'Developer'"),
            ("\"Premium\"", "parameter 'tier' is 'Premium'"),
        ])
    );
    assert_eq!(
        alts(&a.vnet_type),
        pairs(&[
            ("\"External\"", "parameter 'net' is 'External'"),
            ("\"Internal\"", "parameter 'net' is 'Internal'"),
        ])
    );
}
