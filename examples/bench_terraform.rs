//! Benchmark over a generated Terraform tree.
//!
//! `cargo run --release --example bench_terraform -- [ROOTS] [RULES_PER_NSG] [--keep DIR]`
//!
//! Generates ROOTS root modules (default 500) in a temporary directory. Each root has a
//! `terraform.tfvars`, builds its NSG rules with a `for` expression over `range()`, and calls two
//! shared local modules: `modules/network` (virtual network, three subnets with `for_each` and
//! `cidrsubnet`, an NSG with a `dynamic "security_rule"` block of RULES_PER_NSG rules (default
//! 40) including a blocking deny, a route table, associations) and `modules/apim` (a Premium
//! instance in the subnet the network module outputs). Then times a full check and the
//! renderers. `--keep DIR` generates into DIR and leaves it there (for `stv2lint check DIR`).

use std::time::Instant;
use stv2lint::cli::OutputFormat;

const NETWORK: &str = r#"
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

const APIM: &str = r#"
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

fn root(i: usize, rules: usize) -> String {
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

fn time<T>(label: &str, f: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let v = f();
    println!("{label:<44} {:>9.1} ms", t.elapsed().as_secs_f64() * 1000.0);
    v
}

fn main() {
    let keep: Option<std::path::PathBuf> = std::env::args()
        .skip_while(|a| a != "--keep")
        .nth(1)
        .map(Into::into);
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .take_while(|a| a != "--keep")
        .filter_map(|a| a.parse().ok())
        .collect();
    let n = args.first().copied().unwrap_or(500);
    let rules = args.get(1).copied().unwrap_or(40);
    let dir = keep.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("stv2lint-bench-tf-{}", std::process::id()))
    });
    let _ = std::fs::remove_dir_all(&dir);
    let write = |p: &str, text: &str| {
        let path = dir.join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
        text.len()
    };
    let mut bytes = write("modules/network/main.tf", NETWORK) + write("modules/apim/main.tf", APIM);
    let mut files = 2;
    for i in 0..n {
        bytes += write(&format!("env{i:05}/main.tf"), &root(i, rules));
        bytes += write(
            &format!("env{i:05}/terraform.tfvars"),
            "environment = \"prod\"\nsku         = \"Premium_3\"\n",
        );
        files += 2;
    }
    println!(
        "generated {n} root modules ({files} files, {:.1} MB), {} module instances, {} rules per NSG",
        bytes as f64 / 1e6,
        2 * n,
        rules + 2
    );
    let o = time("check (discover, parse, evaluate, link, rules)", || {
        stv2lint::check(std::slice::from_ref(&dir), &Default::default())
    });
    println!(
        "instances: {}, subnets: {}, nsgs: {}, diagnostics: {}",
        o.ws.apims.len(),
        o.ws.subnets.len(),
        o.ws.nsgs.len(),
        o.diagnostics.len()
    );
    let mut codes: std::collections::BTreeMap<&str, usize> = Default::default();
    for d in &o.diagnostics {
        *codes.entry(d.code.as_str()).or_default() += 1;
    }
    println!("by code: {codes:?}");
    for (name, fmt) in [
        ("render human", OutputFormat::Human),
        ("render compact", OutputFormat::Compact),
        ("render json", OutputFormat::Json),
    ] {
        let mut sink = std::io::sink();
        time(name, || {
            stv2lint::report::render(fmt, &o, &mut sink).unwrap()
        });
    }
    if keep.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
