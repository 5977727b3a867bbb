//! Loader tests: small configurations written to a temporary directory, loaded, linked, and
//! the model inspected.

use crate::code::Code;
use crate::model::Workspace;
use std::path::{Path, PathBuf};

struct Tmp(PathBuf);

impl Drop for Tmp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tmp(files: &[(&str, &str)]) -> Tmp {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "stv2lint-tf-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    for (p, text) in files {
        let path = dir.join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    Tmp(dir)
}

fn load_with(root: &Path, opts: &crate::frontend::LoadOptions) -> Workspace {
    let mut ws = Workspace::default();
    let found = crate::discover::discover(&mut ws, &[root.to_path_buf()], &|_| false);
    super::load(&mut ws, &found, opts);
    ws.link();
    ws
}

fn load(root: &Path) -> Workspace {
    load_with(root, &Default::default())
}

fn line_of(ws: &Workspace, span: crate::source::Span) -> usize {
    ws.sources.get(span.file).line_col(span.start).0
}

fn parse_errors(ws: &Workspace) -> Vec<String> {
    ws.diagnostics
        .iter()
        .filter(|d| d.code == Code::Stv001)
        .map(|d| d.message.clone())
        .collect()
}

const NET: &str = r#"
variable "prefix" {
  default = "10.0.1.0/29"
}

locals {
  rules = {
    mgmt = { priority = 100, port = "3443", source = "ApiManagement" }
    lb   = { priority = 110, port = "6390", source = "AzureLoadBalancer" }
  }
}

resource "azurerm_resource_group" "rg" {
  name     = "rg-net"
  location = "westeurope"
}

resource "azurerm_virtual_network" "vnet" {
  name                = "vnet-apim"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["10.0.0.0/16"]
}

resource "azurerm_subnet" "apim" {
  count                = 2
  name                 = "snet-apim-${count.index}"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.vnet.name
  address_prefixes     = [count.index == 0 ? var.prefix : cidrsubnet("10.0.0.0/16", 8, 2)]
  service_endpoints    = ["Microsoft.Storage"]
}

resource "azurerm_network_security_group" "nsg" {
  name                = "nsg-apim"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name

  dynamic "security_rule" {
    for_each = local.rules
    content {
      name                       = security_rule.key
      priority                   = security_rule.value.priority
      direction                  = "Inbound"
      access                     = "Allow"
      protocol                   = "Tcp"
      source_port_range          = "*"
      destination_port_range     = security_rule.value.port
      source_address_prefix      = security_rule.value.source
      destination_address_prefix = "VirtualNetwork"
    }
  }
}

resource "azurerm_network_security_rule" "extra" {
  for_each                    = { deny = 4000 }
  name                        = "deny-${each.key}"
  priority                    = each.value
  direction                   = "Inbound"
  access                      = "Deny"
  protocol                    = "*"
  source_port_range           = "*"
  destination_port_range      = "*"
  source_address_prefix       = "*"
  destination_address_prefix  = "*"
  resource_group_name         = azurerm_resource_group.rg.name
  network_security_group_name = azurerm_network_security_group.nsg.name
}

resource "azurerm_subnet_network_security_group_association" "a" {
  subnet_id                 = azurerm_subnet.apim[0].id
  network_security_group_id = azurerm_network_security_group.nsg.id
}

output "subnet_id" {
  value = azurerm_subnet.apim[0].id
}
"#;

const APIM: &str = r#"
terraform {
  required_providers {
    azurerm = { source = "hashicorp/azurerm", version = "~> 3.100" }
  }
}

module "net" {
  source = "../net"
  prefix = var.subnet_prefix
}

module "naming" {
  source  = "Azure/naming/azurerm"
  version = "0.4.0"
}

variable "subnet_prefix" {
  default = "10.0.1.0/27"
}

variable "sku" {
  type    = string
  default = "Developer_1"
}

resource "azurerm_public_ip" "pip" {
  name                = module.naming.public_ip.name
  location            = "westeurope"
  resource_group_name = "rg-net"
  allocation_method   = "Static"
}

resource "azurerm_api_management" "apim" {
  name                 = "apim-x"
  location             = "westeurope"
  resource_group_name  = "rg-apim"
  publisher_name       = "a"
  publisher_email      = "a@b.c"
  sku_name             = var.sku
  virtual_network_type = "Internal"
  zones                = ["1", "2"]
  public_ip_address_id = azurerm_public_ip.pip.id

  virtual_network_configuration {
    subnet_id = module.net.subnet_id
  }
}
"#;

#[test]
fn modules_tfvars_count_for_each_dynamic_and_associations() {
    let t = tmp(&[
        ("net/main.tf", NET),
        ("apim/main.tf", APIM),
        ("apim/terraform.tfvars", "sku = \"Premium_2\"\n"),
    ]);
    let ws = load(&t.0);
    assert!(parse_errors(&ws).is_empty(), "{:?}", parse_errors(&ws));

    // One APIM from the root `apim`; `net` is called by it, so it is no root of its own.
    assert_eq!(ws.apims.len(), 1);
    let a = &ws.apims[0];
    assert_eq!(a.meta.label, "azurerm_api_management.apim");
    assert_eq!(a.sku.get().map(String::as_str), Some("Premium"));
    assert_eq!(a.locations[0].capacity.get(), Some(&2));
    // sku_name points at the attribute, its origin at terraform.tfvars.
    let origin = a.sku.origin().expect("origin of the tfvars value");
    assert!(ws
        .sources
        .get(origin.file)
        .path
        .ends_with("terraform.tfvars"));
    assert_eq!(line_of(&ws, a.sku.at.unwrap()), 40);

    // The subnet id from the module output resolves to the declared subnet.
    let sid = a.locations[0]
        .subnet
        .as_ref()
        .unwrap()
        .get()
        .unwrap()
        .clone();
    let s = ws.subnet(&sid).expect("subnet found by id");
    assert_eq!(s.meta.label, "module.net.azurerm_subnet.apim[0]");
    assert_eq!(s.prefixes.get().unwrap(), &vec!["10.0.1.0/27".to_string()]);
    assert_eq!(
        s.service_endpoints.get().unwrap(),
        &vec!["Microsoft.Storage".to_string()]
    );
    // The second subnet from cidrsubnet.
    let s1 = ws
        .subnets
        .iter()
        .find(|s| s.meta.label.ends_with("apim[1]"))
        .unwrap();
    assert_eq!(s1.prefixes.get().unwrap(), &vec!["10.0.2.0/24".to_string()]);

    // The association links the NSG; the separate rule is merged in.
    let nsg_id = s.nsg.as_ref().unwrap().get().unwrap().clone();
    let nsg = ws.nsg(&nsg_id).expect("nsg found");
    let mut names: Vec<&str> = nsg.rules.iter().map(|r| r.name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["deny-deny", "lb", "mgmt"]);
    let lb = nsg.rules.iter().find(|r| r.name == "lb").unwrap();
    assert_eq!(lb.priority.get(), Some(&110));
    assert_eq!(
        lb.destination_ports.get().unwrap(),
        &vec!["6390".to_string()]
    );

    // The registry module output is a stable unknown: the public IP links by it.
    let pip_id = a.locations[0]
        .public_ip
        .as_ref()
        .unwrap()
        .get()
        .unwrap()
        .clone();
    let pip = ws.public_ip(&pip_id).expect("pip found");
    // azurerm ~> 3.100: the sku default is Basic, and it is implicit.
    assert_eq!(pip.sku.get().map(String::as_str), Some("Basic"));
    assert!(pip.sku.is_implicit());
}

#[test]
fn unknown_variables_stay_symbolic_and_link() {
    let t = tmp(&[(
        "main.tf",
        r#"
variable "id" {}
locals { suffix = "demo-${var.id}" }
resource "azurerm_subnet" "s" {
  name                 = "snet-${local.suffix}"
  resource_group_name  = "rg-${local.suffix}"
  virtual_network_name = "vnet-${local.suffix}"
  address_prefixes     = ["10.0.0.0/24"]
}
resource "azurerm_network_security_group" "n" {
  name                = "nsg-${local.suffix}"
  location            = "x"
  resource_group_name = "rg-${local.suffix}"
}
resource "azurerm_subnet_network_security_group_association" "a" {
  subnet_id                 = azurerm_subnet.s.id
  network_security_group_id = azurerm_network_security_group.n.id
}
"#,
    )]);
    let ws = load(&t.0);
    assert_eq!(ws.subnets.len(), 1);
    let s = &ws.subnets[0];
    assert_eq!(s.meta.name, "snet-demo-${var.id}");
    let nsg = s.nsg.as_ref().unwrap().get().unwrap();
    assert!(ws.nsg(nsg).is_some());
}

#[test]
fn v5_blocks_v3_inline_subnets_and_data_sources() {
    let t = tmp(&[
        (
            "a/main.tf",
            r#"
resource "azurerm_virtual_network" "v" {
  name                = "vnet1"
  location            = "x"
  resource_group_name = "rg1"
  address_space       = ["10.1.0.0/16"]
  subnet {
    name           = "inline"
    address_prefix = "10.1.1.0/28"
    security_group = azurerm_network_security_group.n.id
  }
}
resource "azurerm_network_security_group" "n" {
  name                = "nsg1"
  location            = "x"
  resource_group_name = "rg1"
}
resource "azurerm_subnet" "v5" {
  name                 = "v5"
  resource_group_name  = "rg1"
  virtual_network_name = "vnet1"
  address_prefixes     = ["10.1.2.0/24"]
  service_endpoint {
    service = "Microsoft.Sql"
  }
  service_endpoint {
    service = "Microsoft.KeyVault"
  }
  delegation {
    name = "d"
    service_delegation {
      name = "Microsoft.Web/serverFarms"
    }
  }
}
"#,
        ),
        (
            "b/main.tf",
            r#"
data "azurerm_subnet" "s" {
  name                 = "v5"
  virtual_network_name = "vnet1"
  resource_group_name  = "rg1"
}
resource "azurerm_api_management" "apim" {
  name                 = "apim"
  location             = "x"
  resource_group_name  = "rg1"
  sku_name             = "Developer_1"
  virtual_network_type = "External"
  virtual_network_configuration {
    subnet_id = data.azurerm_subnet.s.id
  }
}
output "prefixes" {
  value = data.azurerm_subnet.s.address_prefixes
}
"#,
        ),
    ]);
    let ws = load(&t.0);
    let inline = ws.subnets.iter().find(|s| s.meta.name == "inline").unwrap();
    assert_eq!(
        inline.prefixes.get().unwrap(),
        &vec!["10.1.1.0/28".to_string()]
    );
    assert!(ws
        .nsg(inline.nsg.as_ref().unwrap().get().unwrap())
        .is_some());
    let v5 = ws.subnets.iter().find(|s| s.meta.name == "v5").unwrap();
    assert_eq!(
        v5.service_endpoints.get().unwrap(),
        &vec![
            "Microsoft.Sql".to_string(),
            "Microsoft.KeyVault".to_string()
        ]
    );
    assert_eq!(
        v5.delegations.get().unwrap(),
        &vec!["Microsoft.Web/serverFarms".to_string()]
    );
    let a = &ws.apims[0];
    let sid = a.locations[0].subnet.as_ref().unwrap().get().unwrap();
    assert_eq!(ws.subnet(sid).unwrap().meta.name, "v5");
}

#[test]
fn azapi_bodies_go_through_the_arm_adapter() {
    let t = tmp(&[(
        "main.tf",
        r#"
resource "azapi_resource" "vnet" {
  type      = "Microsoft.Network/virtualNetworks@2023-09-01"
  name      = "vnet"
  parent_id = "/subscriptions/s/resourceGroups/rg"
  location  = "westeurope"
  body = {
    properties = {
      addressSpace = { addressPrefixes = ["10.0.0.0/16"] }
      subnets = [{ name = "apim", properties = { addressPrefix = "10.0.0.0/28" } }]
    }
  }
}
resource "azapi_resource" "nsg" {
  type      = "Microsoft.Network/networkSecurityGroups@2023-09-01"
  name      = "nsg"
  parent_id = "/subscriptions/s/resourceGroups/rg"
  location  = "westeurope"
  body      = jsonencode({ properties = { securityRules = [] } })
}
resource "azapi_update_resource" "assoc" {
  type        = "Microsoft.Network/virtualNetworks/subnets@2023-09-01"
  resource_id = "${azapi_resource.vnet.id}/subnets/apim"
  body = {
    properties = {
      addressPrefix        = "10.0.0.0/28"
      networkSecurityGroup = { id = azapi_resource.nsg.id }
    }
  }
}
resource "azapi_resource" "apim" {
  type      = "Microsoft.ApiManagement/service@2021-01-01-preview"
  name      = "apim"
  parent_id = "/subscriptions/s/resourceGroups/rg"
  location  = "westeurope"
  body = jsonencode({
    sku = { name = "Premium", capacity = 1 }
    properties = {
      virtualNetworkType          = "Internal"
      virtualNetworkConfiguration = { subnetResourceId = "${azapi_resource.vnet.id}/subnets/apim" }
    }
  })
}
"#,
    )]);
    let ws = load(&t.0);
    assert_eq!(ws.apims.len(), 1);
    let a = &ws.apims[0];
    assert_eq!(
        a.api_version.as_ref().unwrap().get().unwrap(),
        "2021-01-01-preview"
    );
    assert_eq!(a.sku.get().unwrap(), "Premium");
    let s = ws
        .subnet(a.locations[0].subnet.as_ref().unwrap().get().unwrap())
        .expect("subnet");
    let nsg = s.nsg.as_ref().expect("patched nsg").get().unwrap();
    assert!(ws.nsg(nsg).is_some());
    // The value inside jsonencode keeps its span: line of `sku = { name = "Premium" … }`.
    assert_eq!(line_of(&ws, a.sku.at.unwrap()), 37);
}

#[test]
fn bad_input_never_crashes() {
    let t = tmp(&[
        ("syntax/main.tf", "resource \"x\" \"y\" {\n  a = \n}\n"),
        ("cycle/a/main.tf", "module \"b\" {\n  source = \"../b\"\n}\n"),
        ("cycle/b/main.tf", "module \"a\" {\n  source = \"../a\"\n}\n"),
        ("self/main.tf", "module \"me\" {\n  source = \"./\"\n}\nlocals {\n  a = local.b\n  b = local.a\n}\noutput \"o\" { value = local.a }\n"),
        ("missing/main.tf", "module \"m\" {\n  source = \"./nope\"\n}\nresource \"azurerm_subnet\" \"s\" {\n  name = module.m.name\n  virtual_network_name = \"v\"\n  resource_group_name = var.nope\n  address_prefixes = [module.m.prefix]\n}\n"),
        ("json/main.tf.json", "{\"resource\": {\"azurerm_subnet\": {\"s\": {\"name\": \"${upper(\", \"address_prefixes\": [\"10.0.0.0/24\"]}}}}"),
        ("deep/main.tf", &format!("locals {{\n  x = {}1{}\n}}\n", "[".repeat(3000), "]".repeat(3000))),
    ]);
    std::fs::write(t.0.join("binary.tf"), [0u8, 159, 146, 150, 255, 0, 1]).unwrap();
    let ws = load(&t.0);
    let errs: Vec<(String, usize)> = ws
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::Stv001)
        .map(|d| {
            let s = d.span.unwrap();
            (ws.sources.get(s.file).display.clone(), line_of(&ws, s))
        })
        .collect();
    assert!(
        errs.iter()
            .any(|(f, l)| f.ends_with("syntax/main.tf") && *l == 2),
        "{errs:?}"
    );
    assert!(
        errs.iter().any(|(f, _)| f.ends_with("binary.tf")),
        "{errs:?}"
    );
    assert!(
        errs.iter().any(|(f, _)| f.ends_with("main.tf.json")),
        "{errs:?}"
    );
    assert!(
        errs.iter().any(|(f, _)| f.ends_with("deep/main.tf")),
        "{errs:?}"
    );
    // The subnet of `missing/` still loads, with what can be known.
    let s = ws.subnets.iter().find(|s| s.vnet == "v").unwrap();
    assert!(s.prefixes.val.is_err());
}

#[test]
fn var_files_and_cli_vars_override() {
    let t = tmp(&[
        (
            "main.tf",
            r#"
variable "sku" { default = "Developer_1" }
variable "zones" {
  type    = list(string)
  default = []
}
resource "azurerm_api_management" "apim" {
  name                = "apim"
  location            = "x"
  resource_group_name = "rg"
  sku_name            = var.sku
  zones               = var.zones
}
"#,
        ),
        ("prod.auto.tfvars", "sku = \"Premium_1\"\n"),
        ("shared/extra.tfvars", "sku = \"Premium_3\"\n"),
    ]);
    let ws = load(&t.0);
    assert_eq!(ws.apims[0].locations[0].capacity.get(), Some(&1));
    let opts = crate::frontend::LoadOptions {
        var_files: vec![t.0.join("shared/extra.tfvars")],
        vars: vec![("zones".into(), "[\"1\", \"2\", \"3\"]".into())],
        ..Default::default()
    };
    let ws = load_with(&t.0, &opts);
    let l = &ws.apims[0].locations[0];
    assert_eq!(l.capacity.get(), Some(&3));
    assert_eq!(l.zones.as_ref().unwrap().get().unwrap().len(), 3);
}

/// A tfvars file Terraform reads only when named (`prod.tfvars`, `env/dev.tfvars`,
/// `environments/qa/terraform.tfvars`) is a stage
/// of the root beside it, as a template's parameter files are: checking the defaults alone
/// passed in silence what the environment deploys. A var file named on the command line (or
/// in the configuration) is the one input, as before; a file that sets none of the root's
/// variables, or only state-backend settings (`backend.tfvars`), is no stage.
#[test]
fn environment_tfvars_files_are_stages() {
    let t = tmp(&[
        (
            "main.tf",
            r#"
variable "sku" { default = "Developer_1" }
variable "resource_group_name" { default = "rg" }
resource "azurerm_api_management" "apim" {
  name                = "apim"
  location            = "x"
  resource_group_name = var.resource_group_name
  sku_name            = var.sku
}
"#,
        ),
        ("prod.tfvars", "sku = \"Premium_3\"\n"),
        ("env/test.tfvars", "sku = \"Premium_2\"\n"),
        ("env/other.tfvars", "unrelated = 1\n"),
        ("environments/qa/terraform.tfvars", "sku = \"Premium_1\"\n"),
        (
            "backend.tfvars",
            "resource_group_name = \"rg-state\"\nkey = \"apim.tfstate\"\n",
        ),
    ]);
    let ws = load(&t.0);
    let mut got: Vec<(Option<String>, Option<i64>)> = ws
        .apims
        .iter()
        .map(|a| {
            let unit = ws.unit(a.meta.unit).unwrap();
            (unit.stage.clone(), a.locations[0].capacity.get().copied())
        })
        .collect();
    got.sort_by_key(|g| g.1);
    assert_eq!(got.len(), 3, "{got:?}");
    let ends = |i: usize, tail: &str| got[i].0.as_deref().is_some_and(|s| s.ends_with(tail));
    assert!(
        ends(0, "qa/terraform.tfvars") && got[0].1 == Some(1),
        "{got:?}"
    );
    assert!(ends(1, "test.tfvars") && got[1].1 == Some(2), "{got:?}");
    assert!(ends(2, "prod.tfvars") && got[2].1 == Some(3), "{got:?}");
    let opts = crate::frontend::LoadOptions {
        var_files: vec![t.0.join("prod.tfvars")],
        ..Default::default()
    };
    let ws = load_with(&t.0, &opts);
    assert_eq!(ws.apims.len(), 1);
    assert_eq!(ws.unit(ws.apims[0].meta.unit).unwrap().stage, None);
    assert_eq!(ws.apims[0].locations[0].capacity.get(), Some(&3));
}

#[test]
fn optional_object_attributes_get_defaults() {
    let t = tmp(&[(
        "main.tf",
        r#"
variable "rules" {
  type = map(object({
    priority = number
    port     = optional(string, "443")
    ranges   = optional(list(string))
  }))
  default = { a = { priority = "100" } }
}
resource "azurerm_network_security_group" "n" {
  name                = "nsg"
  location            = "x"
  resource_group_name = "rg"
  dynamic "security_rule" {
    for_each = var.rules
    content {
      name                    = security_rule.key
      priority                = security_rule.value.priority
      direction               = "Outbound"
      access                  = "Allow"
      protocol                = "Tcp"
      source_port_range       = "*"
      destination_port_range  = security_rule.value.port
      destination_port_ranges = security_rule.value.ranges
      source_address_prefix   = "VirtualNetwork"
      destination_address_prefix = "Storage"
    }
  }
}
"#,
    )]);
    let ws = load(&t.0);
    let r = &ws.nsgs[0].rules[0];
    assert_eq!(r.priority.get(), Some(&100));
    assert_eq!(r.destination_ports.get().unwrap(), &vec!["443".to_string()]);
}

/// Print the model of `STV2LINT_DUMP` (a path): a development aid.
#[test]
#[ignore = "needs STV2LINT_DUMP"]
fn dump() {
    let p = std::env::var("STV2LINT_DUMP").expect("STV2LINT_DUMP names the paths to print");
    let opts = crate::frontend::LoadOptions {
        var_files: std::env::var("STV2LINT_DUMP_VAR_FILES")
            .map(|v| v.split(',').map(PathBuf::from).collect())
            .unwrap_or_default(),
        ..Default::default()
    };
    let mut ws = Workspace::default();
    let paths: Vec<PathBuf> = p.split(',').map(PathBuf::from).collect();
    let found = crate::discover::discover(&mut ws, &paths, &|_| false);
    super::load(&mut ws, &found, &opts);
    ws.link();
    for d in &ws.diagnostics {
        println!("diag {} {}", d.code, d.message);
    }
    for a in &ws.apims {
        println!(
            "APIM {} sku={:?} type={:?}",
            a.meta.label, a.sku.val, a.vnet_type.val
        );
        for l in &a.locations {
            println!(
                "  loc {:?} cap={:?} zones={:?} subnet={:?} pip={:?}",
                l.location.val,
                l.capacity.val,
                l.zones.as_ref().map(|z| &z.val),
                l.subnet.as_ref().map(|s| &s.val),
                l.public_ip.as_ref().map(|s| &s.val)
            );
        }
    }
    for s in &ws.subnets {
        println!(
            "SUBNET {} key={:?} prefixes={:?} nsg={:?} se={:?}",
            s.meta.label,
            s.meta.key,
            s.prefixes.val,
            s.nsg.as_ref().map(|x| &x.val),
            s.service_endpoints.val
        );
    }
    for n in &ws.nsgs {
        println!(
            "NSG {} key={:?} rules={} unknown={:?}",
            n.meta.label,
            n.meta.key,
            n.rules.len(),
            n.rules_unknown
        );
    }
    for p in &ws.public_ips {
        println!(
            "PIP {} key={:?} sku={:?}",
            p.meta.label, p.meta.key, p.sku.val
        );
    }
}

#[test]
fn long_reference_chains_and_deep_modules_do_not_overflow_the_stack() {
    // 1000 locals, each referring to the next, and 40 modules each calling the next: evaluation
    // stops at its depth limits (unknown), in a thread with a small stack: 2 MiB holds the
    // depth limit even with unoptimised frames; the binary works on a 64 MiB thread.
    let mut locals = String::from("locals {\n");
    for i in 0..1000 {
        locals.push_str(&format!("  l{i} = [local.l{}]\n", i + 1));
    }
    locals.push_str("  l1000 = \"10.0.0.0/24\"\n}\n");
    locals.push_str("resource \"azurerm_subnet\" \"s\" {\n  name = \"s\"\n  virtual_network_name = \"v\"\n  resource_group_name = \"r\"\n  address_prefixes = local.l0\n}\n");
    let mut files: Vec<(String, String)> = vec![("chain/main.tf".into(), locals)];
    for i in 0..40 {
        files.push((
            format!("deep/m{i}/main.tf"),
            format!(
                "variable \"x\" {{\n  default = 1\n}}\nmodule \"next\" {{\n  source = \"../m{}\"\n  x = var.x + 1\n}}\noutput \"o\" {{\n  value = module.next.o\n}}\n",
                i + 1
            ),
        ));
    }
    files.push((
        "deep/m40/main.tf".into(),
        "variable \"x\" {}\noutput \"o\" { value = var.x }\n".into(),
    ));
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let t = tmp(&refs);
    let root = t.0.clone();
    let h = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let ws = load(&root);
            ws.subnets.len()
        })
        .unwrap();
    assert_eq!(h.join().expect("no stack overflow"), 1);
}

#[test]
fn module_for_each_splats_and_json_tfvars() {
    let t = tmp(&[
        (
            "root/main.tf",
            r#"
variable "regions" {
  type = map(string)
}
module "net" {
  for_each = var.regions
  source   = "../net"
  name     = each.key
  prefix   = each.value
}
locals {
  ids     = [for k, m in module.net : m.subnet_id]
  west_id = module.net["west"].subnet_id
  all     = values(module.net)[*].subnet_id
}
resource "azurerm_api_management" "apim" {
  name                 = "apim"
  location             = "westeurope"
  resource_group_name  = "rg"
  sku_name             = "Premium_1"
  virtual_network_type = "External"
  virtual_network_configuration {
    subnet_id = local.west_id
  }
  additional_location {
    location = "northeurope"
    virtual_network_configuration {
      subnet_id = local.all[0]
    }
  }
}
output "count" {
  value = length(local.ids)
}
"#,
        ),
        (
            "root/terraform.tfvars.json",
            r#"{ "regions": { "west": "10.0.1.0/28", "north": "10.1.1.0/28" } }"#,
        ),
        (
            "net/main.tf",
            r#"
variable "name" {}
variable "prefix" {}
resource "azurerm_subnet" "s" {
  count                = 1
  name                 = "snet-${var.name}"
  resource_group_name  = "rg"
  virtual_network_name = "vnet-${var.name}"
  address_prefixes     = [var.prefix]
}
output "subnet_id" {
  value = one(azurerm_subnet.s[*].id)
}
"#,
        ),
    ]);
    let ws = load(&t.0);
    assert!(parse_errors(&ws).is_empty(), "{:?}", parse_errors(&ws));
    assert_eq!(ws.subnets.len(), 2);
    let labels: Vec<&str> = ws.subnets.iter().map(|s| s.meta.label.as_str()).collect();
    assert!(
        labels.contains(&"module.net[\"west\"].azurerm_subnet.s[0]"),
        "{labels:?}"
    );
    let a = &ws.apims[0];
    let primary = ws
        .subnet(a.locations[0].subnet.as_ref().unwrap().get().unwrap())
        .unwrap();
    assert_eq!(primary.meta.name, "snet-west");
    // `values()` orders by key: north comes first.
    let second = ws
        .subnet(a.locations[1].subnet.as_ref().unwrap().get().unwrap())
        .unwrap();
    assert_eq!(second.meta.name, "snet-north");
    // The prefix came from terraform.tfvars.json.
    let origin = primary.prefixes.origin().expect("origin");
    assert!(ws
        .sources
        .get(origin.file)
        .path
        .ends_with("terraform.tfvars.json"));
}

#[test]
fn conditionals_and_try_with_unknowns() {
    let t = tmp(&[(
        "main.tf",
        r#"
variable "enabled" {
  type = bool
}
variable "settings" {
  type    = any
  default = {}
}
locals {
  # Both branches agree, so the unknown condition does not matter.
  sku  = var.enabled ? "Premium_1" : "Premium_1"
  mode = try(var.settings.mode, "Internal")
}
resource "azurerm_api_management" "apim" {
  count                = var.enabled ? 1 : 0
  name                 = "apim"
  location             = "westeurope"
  resource_group_name  = "rg"
  sku_name             = local.sku
  virtual_network_type = local.mode
}
"#,
    )]);
    let ws = load(&t.0);
    // count is unknown: the instance is assumed to exist.
    assert_eq!(ws.apims.len(), 1);
    let a = &ws.apims[0];
    assert_eq!(a.meta.label, "azurerm_api_management.apim[?]");
    assert_eq!(a.sku.get().unwrap(), "Premium");
    assert_eq!(a.vnet_type.get().unwrap(), "Internal");
}

#[test]
fn exploding_values_and_loops_are_cut_off() {
    // Values that double through 40 locals, and a for expression of 10^10 steps.
    let mut text = String::from("locals {\n  a0 = [\"x\", \"y\"]\n");
    for i in 1..=40 {
        text.push_str(&format!("  a{i} = [local.a{}, local.a{}]\n", i - 1, i - 1));
    }
    text.push_str("  loops = [for a in range(100000) : [for b in range(100000) : b]]\n}\n");
    text.push_str("output \"big\" {\n  value = length(local.a40)\n}\noutput \"loops\" {\n  value = length(local.loops)\n}\n");
    text.push_str("resource \"azurerm_subnet\" \"s\" {\n  name = \"s\"\n  virtual_network_name = \"v\"\n  resource_group_name = \"r\"\n  address_prefixes = [length(local.a40), length(local.loops)]\n}\n");
    let t = tmp(&[("main.tf", &text)]);
    let start = std::time::Instant::now();
    let ws = load(&t.0);
    assert_eq!(ws.subnets.len(), 1);
    // Either unknown or right (both lengths are what Terraform computes), never a wrong value.
    if let Ok(p) = &ws.subnets[0].prefixes.val {
        let p: Vec<String> = p.iter().map(|x| x.to_string()).collect();
        assert_eq!(p, ["2", "100000"]);
    }
    // The cut is reported once, naming the limit.
    let cut: Vec<_> = ws
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::Stv002 && d.message.contains("limit"))
        .collect();
    assert_eq!(cut.len(), 1, "{:?}", ws.diagnostics);
    assert!(start.elapsed().as_secs() < 60, "took {:?}", start.elapsed());
}

#[test]
fn sku_name_with_unknown_units_keeps_its_tier() {
    let t = tmp(&[(
        "main.tf",
        r#"
variable "units" {
  type = number
}
resource "azurerm_api_management" "apim" {
  name                = "apim"
  location            = "westeurope"
  resource_group_name = "rg"
  sku_name            = "Premium_${var.units}"
}
"#,
    )]);
    let ws = load(&t.0);
    let a = &ws.apims[0];
    assert_eq!(a.sku.get().unwrap(), "Premium");
    assert!(a.locations[0].capacity.val.is_err());
}

/// The usual module shape: the tier from a variable with a value, the unit count from one
/// without (an `_` inside the unknown part's name is not the separator).
#[test]
fn sku_name_from_a_known_tier_and_unknown_units_keeps_its_tier() {
    let t = tmp(&[(
        "main.tf",
        r#"
variable "sku" {
  type    = string
  default = "Basic"
}
variable "sku_capacity" {
  type = number
}
resource "azurerm_api_management" "apim" {
  name                = "apim"
  location            = "westeurope"
  resource_group_name = "rg"
  sku_name            = "${var.sku}_${var.sku_capacity}"
}
"#,
    )]);
    let ws = load(&t.0);
    let a = &ws.apims[0];
    assert_eq!(a.sku.get().unwrap(), "Basic");
    assert!(a.locations[0].capacity.val.is_err());
}

/// A name known only at apply time becomes the symbol of the resource's address (with its
/// instance key): rules referring to `<address>.name` link to their NSG, and two NSGs (or two
/// instances of one) never share a symbol.
#[test]
fn unknown_names_link_children_by_address_and_stay_distinct() {
    let t = tmp(&[(
        "main.tf",
        r#"
resource "azurerm_network_security_group" "a" {
  count               = 2
  name                = "nsg-${timestamp()}"
  location            = "westeurope"
  resource_group_name = "rg"
}
resource "azurerm_network_security_group" "b" {
  name                = "nsg-${timestamp()}"
  location            = "westeurope"
  resource_group_name = "rg"
}
resource "azurerm_network_security_rule" "r" {
  name                        = "AllowApimManagement"
  priority                    = 100
  direction                   = "Inbound"
  access                      = "Allow"
  protocol                    = "Tcp"
  source_port_range           = "*"
  destination_port_range      = "3443"
  source_address_prefix       = "ApiManagement"
  destination_address_prefix  = "VirtualNetwork"
  resource_group_name         = "rg"
  network_security_group_name = azurerm_network_security_group.a[1].name
}
"#,
    )]);
    let ws = load(&t.0);
    assert_eq!(ws.nsgs.len(), 3, "three NSGs, not merged into one");
    let rules: Vec<(String, usize)> = ws
        .nsgs
        .iter()
        .map(|n| (n.meta.name.clone(), n.rules.len()))
        .collect();
    assert!(
        rules.contains(&("${azurerm_network_security_group.a[1].name}".into(), 1)),
        "{rules:?}"
    );
    assert_eq!(rules.iter().map(|r| r.1).sum::<usize>(), 1, "{rules:?}");
}

/// A local module that gives no module — missing, empty, a file, a symlink loop — is said so
/// (STV002), and one that evidently deploys API Management is also counted as an instance not
/// checked: before, such calls vanished and a run could pass in silence.
#[test]
fn local_modules_that_cannot_be_loaded_are_reported() {
    let t = tmp(&[
        (
            "root/main.tf",
            r#"
module "apim" {
  source          = "./missing"
  publisher_email = "ops@example.com"
}
module "net" {
  source = "../empty"
}
module "file" {
  source = "./notes.txt"
}
module "loop" {
  source = "./loop"
}
"#,
        ),
        ("root/notes.txt", "not a module"),
        ("empty/README.md", "no Terraform here"),
    ]);
    #[cfg(unix)]
    std::os::unix::fs::symlink("loop", t.0.join("root/loop")).unwrap();
    let ws = load(&t.0.join("root"));
    let stv002: Vec<&str> = ws
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::Stv002)
        .map(|d| d.message.as_str())
        .collect();
    let said = |what: &str| stv002.iter().any(|m| m.contains(what));
    assert!(said("'../empty' has no Terraform files"), "{stv002:?}");
    assert!(said("'./notes.txt' was not read"), "{stv002:?}");
    #[cfg(unix)]
    assert!(said("'./loop' cannot be read"), "{stv002:?}");
    assert!(said("'./missing' does not exist"), "{stv002:?}");
    // The API Management call is also an instance not checked.

    assert_eq!(ws.unloaded_apims.len(), 1);
    let u = &ws.unloaded_apims[0];
    assert_eq!(
        (u.module.as_str(), u.why.as_str(), u.label.as_str()),
        ("./missing", "its directory does not exist", "module.apim")
    );
}

/// Reads of a large map by key go through an index (`Eval::indexed_step`); they must give
/// what the scan gives: the exact key, a key differing only in case (found by the scan after
/// the index misses), a missing key (an error `try` sees), and an entry with alternatives
/// read further (per alternative).
#[test]
fn reads_of_a_large_map_by_key_agree_with_the_scan() {
    let t = tmp(&[(
        "main.tf",
        r#"
variable "tier" {
  type = string
}
locals {
  big = merge(
    { for i in range(100) : "k${i}" => { name = "n${i}" } },
    { Mixed = { name = "case" }, alt = var.tier == "a" ? { name = "x" } : { name = "y" } },
  )
  names = [for i in range(100) : local.big["k${i}"].name]
}
resource "azurerm_network_security_group" "a" {
  name                = "${local.names[99]}-${local.big.k7.name}-${local.big["mixed"].name}-${try(local.big.nope.name, "none")}"
  location            = "westeurope"
  resource_group_name = "rg"
}
resource "azurerm_network_security_group" "b" {
  name                = local.big.alt.name
  location            = "westeurope"
  resource_group_name = "rg"
}
"#,
    )]);
    let ws = load(&t.0);
    let name = |label: &str| {
        ws.nsgs
            .iter()
            .find(|n| n.meta.label.ends_with(label))
            .map(|n| n.meta.name.clone())
    };
    assert_eq!(name(".a").as_deref(), Some("n99-n7-case-none"));
    // The conditional's branches stay alternatives: the name is not one plain value.
    let b = ws
        .nsgs
        .iter()
        .find(|n| n.meta.label.ends_with(".b"))
        .unwrap();
    assert_ne!(b.meta.name, "x");
    assert_ne!(b.meta.name, "y");
}
