//! The generated benchmark trees, shared by the bench examples (each includes this file with
//! `#[path = "common/gen.rs"] mod gen;`): `bench` (the table of BENCHMARKS.md) and the
//! per-format `bench_arm`, `bench_bicep`, `bench_terraform`.
#![allow(dead_code)]

use std::path::Path;

/// What a generator wrote.
pub struct Tree {
    pub files: usize,
    pub bytes: usize,
}

fn write(dir: &Path, rel: &str, text: &str, tree: &mut Tree) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    tree.files += 1;
    tree.bytes += text.len();
}

/// Generate `units` deployment units of `format` (`arm`, `bicep`, `terraform`) into `dir`
/// (emptied first), `rules` security rules per NSG.
pub fn generate(format: &str, dir: &Path, units: usize, rules: usize) -> Tree {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
    match format {
        "arm" => arm::generate(dir, units, rules),
        "bicep" => bicep::generate(dir, units, rules),
        "terraform" => terraform::generate(dir, units, rules),
        other => panic!("unknown format '{other}' (arm, bicep, terraform)"),
    }
}

/// ARM: one template per unit, flat in one directory — a VNet, an NSG of `rules` rules
/// including a blocking deny, a forced-tunnelling route table and a Premium instance with zones,
/// so every template yields findings.
pub mod arm {
    use super::{write, Tree};
    use std::path::Path;

    pub fn generate(dir: &Path, n: usize, rules: usize) -> Tree {
        let mut tree = Tree { files: 0, bytes: 0 };
        for i in 0..n {
            write(
                dir,
                &format!("t{i:05}.json"),
                &template(i, rules),
                &mut tree,
            );
        }
        tree
    }

    pub fn template(i: usize, rules: usize) -> String {
        let mut rs = Vec::new();
        for r in 0..rules {
            let (access, src, port) = if r == rules / 2 {
                ("Deny", "Internet", "*")
            } else {
                ("Allow", "VirtualNetwork", "8080")
            };
            rs.push(format!(
            r#"{{ "name": "r{r}", "properties": {{ "priority": {p}, "direction": "Inbound", "access": "{access}", "protocol": "Tcp",
          "sourceAddressPrefix": "{src}", "sourcePortRange": "*", "destinationAddressPrefix": "VirtualNetwork", "destinationPortRange": "{port}" }} }}"#,
            p = 100 + r * 10
        ));
        }
        format!(
            r#"{{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {{ "prefix": {{ "type": "string", "defaultValue": "10.{a}.{b}.0/28" }} }},
  "variables": {{ "vnet": "[concat('vnet-', '{i}')]" }},
  "resources": [
    {{ "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-04-01", "name": "nsg-{i}",
      "properties": {{ "securityRules": [ {rules} ] }} }},
    {{ "type": "Microsoft.Network/routeTables", "apiVersion": "2023-04-01", "name": "rt-{i}",
      "properties": {{ "routes": [ {{ "name": "default", "properties": {{ "addressPrefix": "0.0.0.0/0", "nextHopType": "VirtualAppliance", "nextHopIpAddress": "10.0.0.4" }} }} ] }} }},
    {{ "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-04-01", "name": "[variables('vnet')]",
      "properties": {{ "addressSpace": {{ "addressPrefixes": ["10.0.0.0/8"] }}, "subnets": [ {{ "name": "apim", "properties": {{
        "addressPrefix": "[parameters('prefix')]",
        "networkSecurityGroup": {{ "id": "[resourceId('Microsoft.Network/networkSecurityGroups', 'nsg-{i}')]" }},
        "routeTable": {{ "id": "[resourceId('Microsoft.Network/routeTables', 'rt-{i}')]" }} }} }} ] }} }},
    {{ "type": "Microsoft.ApiManagement/service", "apiVersion": "2023-05-01-preview", "name": "apim-{i}", "location": "westeurope",
      "sku": {{ "name": "Premium", "capacity": 3 }}, "zones": ["1", "2"],
      "properties": {{ "publisherEmail": "a@b.c", "publisherName": "x", "virtualNetworkType": "Internal",
        "virtualNetworkConfiguration": {{ "subnetResourceId": "[resourceId('Microsoft.Network/virtualNetworks/subnets', variables('vnet'), 'apim')]" }} }} }}
  ]
}}"#,
            a = (i / 250) % 250,
            b = i % 250,
            rules = rs.join(",\n")
        )
    }
}

/// Bicep: one folder per unit (`main.bicep` + `main.bicepparam`) sharing a `modules/` folder: a
/// network module whose NSG rules come from a `for` expression over a parameter array, with a
/// VNet, an inline subnet, a `parent:` child subnet and a route table; an APIM module taking the
/// subnet id from the network module's output.
pub mod bicep {
    use super::{write, Tree};
    use std::path::Path;

    pub fn generate(dir: &Path, n: usize, rules: usize) -> Tree {
        let mut tree = Tree { files: 0, bytes: 0 };
        write(dir, "modules/network.bicep", NETWORK, &mut tree);
        write(dir, "modules/apim.bicep", APIM, &mut tree);
        for i in 0..n {
            write(
                dir,
                &format!("d{i:05}/main.bicep"),
                &main_bicep(),
                &mut tree,
            );
            write(
                dir,
                &format!("d{i:05}/main.bicepparam"),
                &params(i, rules),
                &mut tree,
            );
        }
        tree
    }

    pub const NETWORK: &str = r#"param name string
param location string
param apimPrefix string
param rules array

resource nsg 'Microsoft.Network/networkSecurityGroups@2024-05-01' = {
  name: 'nsg-${name}'
  location: location
  properties: {
    securityRules: [for (r, i) in rules: {
      name: r.name
      properties: {
        priority: 100 + i * 10
        direction: r.direction
        access: r.access
        protocol: 'Tcp'
        sourceAddressPrefix: r.source
        sourcePortRange: '*'
        destinationAddressPrefix: 'VirtualNetwork'
        destinationPortRange: r.port
      }
    }]
  }
}

resource rt 'Microsoft.Network/routeTables@2024-05-01' = {
  name: 'rt-${name}'
  location: location
  properties: {
    routes: [
      {
        name: 'default'
        properties: { addressPrefix: '0.0.0.0/0', nextHopType: 'VirtualAppliance', nextHopIpAddress: '10.0.0.4' }
      }
    ]
  }
}

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: 'vnet-${name}'
  location: location
  properties: {
    addressSpace: { addressPrefixes: ['10.0.0.0/8'] }
    subnets: [
      {
        name: 'apim'
        properties: {
          addressPrefix: apimPrefix
          networkSecurityGroup: { id: nsg.id }
          routeTable: { id: rt.id }
        }
      }
    ]
  }
}

resource apps 'Microsoft.Network/virtualNetworks/subnets@2024-05-01' = {
  parent: vnet
  name: 'apps'
  properties: {
    addressPrefix: '10.200.0.0/24'
    delegations: [{ name: 'web', properties: { serviceName: 'Microsoft.Web/serverFarms' } }]
  }
}

output apimSubnetId string = vnet.properties.subnets[0].id
"#;

    pub const APIM: &str = r#"param name string
param location string
param subnetId string
param units int

resource apim 'Microsoft.ApiManagement/service@2024-05-01' = {
  name: 'apim-${name}'
  location: location
  sku: {
    name: 'Premium'
    capacity: units
  }
  zones: ['1', '2']
  properties: {
    publisherEmail: 'api@contoso.com'
    publisherName: 'Contoso'
    virtualNetworkType: 'Internal'
    virtualNetworkConfiguration: {
      subnetResourceId: subnetId
    }
  }
}
"#;

    pub fn main_bicep() -> String {
        r#"param name string
param location string = 'westeurope'
param apimPrefix string
param units int = 2
param rules array

module network '../modules/network.bicep' = {
  name: 'network-${name}'
  params: {
    name: name
    location: location
    apimPrefix: apimPrefix
    rules: rules
  }
}

module apim '../modules/apim.bicep' = {
  name: 'apim-${name}'
  params: {
    name: name
    location: location
    subnetId: network.outputs.apimSubnetId
    units: units
  }
}
"#
        .to_string()
    }

    pub fn params(i: usize, rules: usize) -> String {
        let mut rs = Vec::new();
        for r in 0..rules {
            let (direction, access, source, port) = if r == rules / 2 {
                ("Inbound", "Deny", "Internet", "*")
            } else if r == 0 {
                ("Inbound", "Allow", "ApiManagement", "3443")
            } else {
                ("Inbound", "Allow", "VirtualNetwork", "8080")
            };
            rs.push(format!(
            "  {{ name: 'r{r}', direction: '{direction}', access: '{access}', source: '{source}', port: '{port}' }}"
        ));
        }
        format!(
        "using 'main.bicep'\n\nparam name = 'd{i:05}'\nparam apimPrefix = '10.{a}.{b}.0/28'\nparam units = {u}\nparam rules = [\n{}\n]\n",
        rs.join("\n"),
        a = (i / 250) % 250,
        b = i % 250,
        u = 1 + i % 3
    )
    }
}

/// Terraform: one root module per unit with a `terraform.tfvars`, its NSG rules built with a
/// `for` expression over `range()` merged with a local map (one entry a blocking deny), calling
/// two shared local modules: `modules/network` (VNet, three `for_each` subnets with
/// `cidrsubnet`, an NSG whose rules come from a `dynamic "security_rule"` block, a
/// forced-tunnelling route table, associations) and `modules/apim` (a Premium instance in the
/// subnet the network module outputs).
pub mod terraform {
    use super::{write, Tree};
    use std::path::Path;

    pub fn generate(dir: &Path, n: usize, rules: usize) -> Tree {
        let mut tree = Tree { files: 0, bytes: 0 };
        write(dir, "modules/network/main.tf", NETWORK, &mut tree);
        write(dir, "modules/apim/main.tf", APIM, &mut tree);
        for i in 0..n {
            write(
                dir,
                &format!("env{i:05}/main.tf"),
                &root(i, rules),
                &mut tree,
            );
            write(
                dir,
                &format!("env{i:05}/terraform.tfvars"),
                "environment = \"prod\"\nsku         = \"Premium_3\"\n",
                &mut tree,
            );
        }
        tree
    }

    pub const NETWORK: &str = r#"
variable "name" {
  type = string
}
variable "resource_group_name" {
  type = string
}
variable "address_space" {
  type = string
}
variable "rules" {
  type = map(object({
    priority = number
    access   = optional(string, "Allow")
    source   = string
    port     = string
  }))
}

locals {
  subnets = {
    apim    = { newbits = 4, netnum = 1 }
    gateway = { newbits = 4, netnum = 2 }
    private = { newbits = 4, netnum = 3 }
  }
}

resource "azurerm_virtual_network" "this" {
  name                = "vnet-${var.name}"
  location            = "westeurope"
  resource_group_name = var.resource_group_name
  address_space       = [var.address_space]
}

resource "azurerm_subnet" "this" {
  for_each             = local.subnets
  name                 = "snet-${each.key}"
  resource_group_name  = var.resource_group_name
  virtual_network_name = azurerm_virtual_network.this.name
  address_prefixes     = [cidrsubnet(var.address_space, each.value.newbits, each.value.netnum)]
  service_endpoints    = each.key == "apim" ? ["Microsoft.Storage", "Microsoft.Sql", "Microsoft.KeyVault"] : []
}

resource "azurerm_network_security_group" "apim" {
  name                = "nsg-${var.name}"
  location            = "westeurope"
  resource_group_name = var.resource_group_name

  dynamic "security_rule" {
    for_each = var.rules
    content {
      name                       = security_rule.key
      priority                   = security_rule.value.priority
      direction                  = "Inbound"
      access                     = security_rule.value.access
      protocol                   = "Tcp"
      source_port_range          = "*"
      destination_port_range     = security_rule.value.port
      source_address_prefix      = security_rule.value.source
      destination_address_prefix = "VirtualNetwork"
    }
  }
}

resource "azurerm_subnet_network_security_group_association" "apim" {
  subnet_id                 = azurerm_subnet.this["apim"].id
  network_security_group_id = azurerm_network_security_group.apim.id
}

resource "azurerm_route_table" "apim" {
  name                = "rt-${var.name}"
  location            = "westeurope"
  resource_group_name = var.resource_group_name

  route {
    name                   = "default"
    address_prefix         = "0.0.0.0/0"
    next_hop_type          = "VirtualAppliance"
    next_hop_in_ip_address = cidrhost(var.address_space, 4)
  }
}

resource "azurerm_subnet_route_table_association" "apim" {
  subnet_id      = azurerm_subnet.this["apim"].id
  route_table_id = azurerm_route_table.apim.id
}

output "subnet_ids" {
  value = { for k, s in azurerm_subnet.this : k => s.id }
}
"#;

    pub const APIM: &str = r#"
variable "name" {
  type = string
}
variable "resource_group_name" {
  type = string
}
variable "subnet_id" {
  type = string
}
variable "sku" {
  type    = string
  default = "Developer_1"
}

resource "azurerm_api_management" "this" {
  name                 = "apim-${var.name}"
  location             = "westeurope"
  resource_group_name  = var.resource_group_name
  publisher_name       = "Contoso"
  publisher_email      = "api@contoso.com"
  sku_name             = var.sku
  zones                = ["1", "2"]
  virtual_network_type = "Internal"

  virtual_network_configuration {
    subnet_id = var.subnet_id
  }
}
"#;

    pub fn root(i: usize, rules: usize) -> String {
        format!(
            r#"
variable "environment" {{
  type = string
}}
variable "sku" {{
  type    = string
  default = "Developer_1"
}}

locals {{
  name = "${{var.environment}}-{i}"
  rules = merge(
    {{ for n in range({rules}) : "allow-${{n}}" => {{ priority = 200 + n * 10, source = "VirtualNetwork", port = tostring(8000 + n) }} }},
    {{
      management = {{ priority = 100, source = "ApiManagement", port = "3443" }}
      deny-lb    = {{ priority = 105, access = "Deny", source = "AzureLoadBalancer", port = "*" }}
    }}
  )
}}

resource "azurerm_resource_group" "rg" {{
  name     = "rg-${{local.name}}"
  location = "westeurope"
}}

module "network" {{
  source              = "../modules/network"
  name                = local.name
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = "10.{a}.{b}.0/24"
  rules               = local.rules
}}

module "apim" {{
  source              = "../modules/apim"
  name                = local.name
  resource_group_name = azurerm_resource_group.rg.name
  subnet_id           = module.network.subnet_ids["apim"]
  sku                 = var.sku
}}
"#,
            a = (i / 250) % 250,
            b = i % 250,
        )
    }
}
