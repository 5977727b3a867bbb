//! The inputs that used to cost quadratic time (issue 13), each at N, 2N and 4N, checked by the
//! release binary (`--bin PATH`, default the `stv2lint` beside this example's directory): the
//! CPU time per doubling should be about 2×, not 4×.
//!
//! `cargo run --release --example bench_corners -- [N] [--bin PATH] [--keep DIR]` (default N
//! 1000; `--keep` leaves the trees in `DIR/<input>-<N>` and each output beside them):
//! - `separate-rules`: one ARM template whose NSG has N separate `securityRules` child
//!   resources (folded into their parent by `Workspace::link`);
//! - `minified-findings`: the same NSG on one line (a minified template), with N/2 duplicate
//!   priorities, so that every finding's column lies deep in a line of megabytes
//!   (`SourceFile::line_col`);
//! - `same-names`: N Terraform roots declaring resources of the same names (dev/prod style);
//! - `many-instances`: one ARM template with N instances, each in its own subnet with its own
//!   NSG (`Ctx::group`, `subnet-missing`, `rule-mismatch` over many sites);
//! - `existing-references`: N Terraform roots, each declaring an instance and reading the next
//!   root's with a data source (`Workspace::reference_apim`, `Workspace::views`);
//! - `terraform-collections`: one root building a map of 10·N keys and merging, deduplicating,
//!   intersecting and comparing it (`kernel::distinct`, `ObjBuilder`);
//! - `bicep-collections`: one Bicep file doing the same with `union`, `toObject`, `groupBy`,
//!   `intersection` and `==`, plus an object literal of 10·N keys.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const SCHEMA: &str = r#""$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "contentVersion": "1.0.0.0""#;

fn apim(name: &str, subnet: &str) -> String {
    format!(
        r#"{{ "type": "Microsoft.ApiManagement/service", "apiVersion": "2023-05-01-preview", "name": "{name}", "location": "westeurope",
  "sku": {{ "name": "Developer", "capacity": 1 }},
  "properties": {{ "publisherEmail": "a@b.c", "publisherName": "x", "virtualNetworkType": "Internal",
    "virtualNetworkConfiguration": {{ "subnetResourceId": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', '{subnet}')]" }} }} }}"#
    )
}

fn separate_rules(dir: &Path, n: usize) {
    let mut res = vec![
        r#"{ "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-04-01", "name": "nsg", "properties": {} }"#.to_string(),
        r#"{ "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-04-01", "name": "vnet",
  "properties": { "addressSpace": { "addressPrefixes": ["10.0.0.0/16"] }, "subnets": [ { "name": "apim", "properties": {
    "addressPrefix": "10.0.0.0/27", "networkSecurityGroup": { "id": "[resourceId('Microsoft.Network/networkSecurityGroups', 'nsg')]" } } } ] } }"#.to_string(),
        apim("apim", "apim"),
    ];
    for i in 0..n {
        res.push(format!(
            r#"{{ "type": "Microsoft.Network/networkSecurityGroups/securityRules", "apiVersion": "2023-04-01", "name": "nsg/r{i}",
  "properties": {{ "priority": {p}, "direction": "Inbound", "access": "Allow", "protocol": "Tcp", "sourceAddressPrefix": "VirtualNetwork",
    "sourcePortRange": "*", "destinationAddressPrefix": "VirtualNetwork", "destinationPortRange": "{port}" }} }}"#,
            p = 100 + i % 4000,
            port = 1000 + i
        ));
    }
    let text = format!("{{ {SCHEMA}, \"resources\": [\n{}\n] }}", res.join(",\n"));
    std::fs::write(dir.join("main.json"), text).unwrap();
}

fn minified_findings(dir: &Path, n: usize) {
    separate_rules(dir, n);
    let p = dir.join("main.json");
    let text = std::fs::read_to_string(&p).unwrap();
    let text = text.replace('\n', " ");
    // Priorities modulo N/2: half the rules take a priority already taken, a finding each.
    let mut out = String::with_capacity(text.len());
    for (i, part) in text.split("\"priority\": ").enumerate() {
        if i > 0 {
            let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
            let p: usize = digits.parse().unwrap();
            write!(
                out,
                "\"priority\": {}",
                100 + (p - 100) % n.div_ceil(2).max(1)
            )
            .unwrap();
            out.push_str(&part[digits.len()..]);
        } else {
            out.push_str(part);
        }
    }
    std::fs::write(p, out).unwrap();
}

fn same_names(dir: &Path, n: usize) {
    let root = r#"
resource "azurerm_virtual_network" "vnet" {
  name                = "vnet-apim"
  location            = "westeurope"
  resource_group_name = "rg-apim"
  address_space       = ["10.0.0.0/16"]
}
resource "azurerm_subnet" "apim" {
  name                 = "snet-apim"
  resource_group_name  = "rg-apim"
  virtual_network_name = azurerm_virtual_network.vnet.name
  address_prefixes     = ["10.0.1.0/27"]
}
resource "azurerm_network_security_group" "apim" {
  name                = "nsg-apim"
  location            = "westeurope"
  resource_group_name = "rg-apim"
  security_rule {
    name                       = "management"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "3443"
    source_address_prefix      = "ApiManagement"
    destination_address_prefix = "VirtualNetwork"
  }
}
resource "azurerm_subnet_network_security_group_association" "apim" {
  subnet_id                 = azurerm_subnet.apim.id
  network_security_group_id = azurerm_network_security_group.apim.id
}
resource "azurerm_api_management" "apim" {
  name                 = "apim-contoso"
  location             = "westeurope"
  resource_group_name  = "rg-apim"
  publisher_name       = "Contoso"
  publisher_email      = "api@contoso.com"
  sku_name             = "Developer_1"
  virtual_network_type = "Internal"
  virtual_network_configuration {
    subnet_id = azurerm_subnet.apim.id
  }
}
"#;
    for i in 0..n {
        let d = dir.join(format!("env{i:05}"));
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("main.tf"), root).unwrap();
    }
}

fn many_instances(dir: &Path, n: usize) {
    let mut subnets = Vec::new();
    let mut res = Vec::new();
    for i in 0..n {
        subnets.push(format!(
            r#"{{ "name": "s{i}", "properties": {{ "addressPrefix": "10.{a}.{b}.0/27",
  "networkSecurityGroup": {{ "id": "[resourceId('Microsoft.Network/networkSecurityGroups', 'nsg{i}')]" }} }} }}"#,
            a = i / 250,
            b = i % 250
        ));
        // A rule for Storage on the wrong port: rule-mismatch reads every NSG.
        res.push(format!(
            r#"{{ "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-04-01", "name": "nsg{i}",
  "properties": {{ "securityRules": [ {{ "name": "storage", "properties": {{ "priority": 100, "direction": "Outbound", "access": "Allow",
    "protocol": "Tcp", "sourceAddressPrefix": "VirtualNetwork", "sourcePortRange": "*", "destinationAddressPrefix": "Storage", "destinationPortRange": "80" }} }} ] }} }}"#
        ));
        res.push(apim(&format!("apim{i}"), &format!("s{i}")));
    }
    let mut text = String::new();
    write!(
        text,
        r#"{{ {SCHEMA}, "resources": [
{{ "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-04-01", "name": "vnet",
  "properties": {{ "addressSpace": {{ "addressPrefixes": ["10.0.0.0/8"] }}, "subnets": [ {} ] }} }},
{}
] }}"#,
        subnets.join(",\n"),
        res.join(",\n")
    )
    .unwrap();
    std::fs::write(dir.join("main.json"), text).unwrap();
}

/// Writes an input of N units into a directory.
type Generator = fn(&Path, usize);

/// CPU seconds (user + system) and output lines of `bin check dir`, the output kept in `keep`.
fn existing_references(dir: &Path, n: usize) {
    for i in 0..n {
        let d = dir.join(format!("env{i:05}"));
        std::fs::create_dir_all(&d).unwrap();
        let root = format!(
            r#"
resource "azurerm_api_management" "apim" {{
  name                = "apim-{i}"
  location            = "westeurope"
  resource_group_name = "rg-apim"
  publisher_name      = "Contoso"
  publisher_email     = "api@contoso.com"
  sku_name            = "Developer_1"
}}
data "azurerm_api_management" "next" {{
  name                = "apim-{next}"
  resource_group_name = "rg-apim"
}}
"#,
            next = (i + 1) % n
        );
        std::fs::write(d.join("main.tf"), root).unwrap();
    }
}

fn run(bin: &Path, dir: &Path, keep: Option<&Path>) -> (f64, usize) {
    let times = dir.with_extension("time");
    let out = Command::new("/usr/bin/time")
        .arg("-f")
        .arg("%U %S")
        .arg("-o")
        .arg(&times)
        .arg(bin)
        .arg("check")
        .arg(dir)
        .args(["--format", "compact"])
        .stderr(Stdio::null())
        .output()
        .expect("run /usr/bin/time (GNU time)");
    if let Some(k) = keep {
        std::fs::write(k, &out.stdout).unwrap();
    }
    let text = std::fs::read_to_string(&times).unwrap_or_default();
    let _ = std::fs::remove_file(&times);
    let cpu = text
        .lines()
        .last()
        .unwrap_or("")
        .split_whitespace()
        .filter_map(|f| f.parse::<f64>().ok())
        .sum();
    (cpu, String::from_utf8_lossy(&out.stdout).lines().count())
}

/// The NSG whose name uses every collection, so that all of them are evaluated.
const TF_NSG: &str = r#"
resource "azurerm_network_security_group" "n" {
  name                = "nsg-${length(local.m)}-${length(local.d)}-${length(local.s)}-${local.e}"
  location            = "westeurope"
  resource_group_name = "rg"
}
"#;

fn terraform_collections(dir: &Path, n: usize) {
    let k = 10 * n;
    let text = format!(
        r#"locals {{
  big = {{ for i in range({k}) : "k${{i}}" => i }}
  m   = merge(local.big, {{ for i in range({k}) : "k${{i}}" => i + 1 }})
  l   = [for i in range({k}) : "v${{i % {half}}}"]
  d   = distinct(local.l)
  s   = setintersection(toset(local.l), toset(local.d))
  e   = local.big == local.m
}}
{TF_NSG}"#,
        half = k / 2
    );
    std::fs::write(dir.join("main.tf"), text).unwrap();
}

fn bicep_collections(dir: &Path, n: usize) {
    let k = 10 * n;
    let mut text = format!(
        r#"var a = range(0, {k})
var u = union(a, a)
var o = toObject(a, i => 'k${{i}}', i => i)
var g = groupBy(a, i => 'g${{i % 100}}')
var x = intersection(o, union(o, o))
"#
    );
    text.push_str("var lit = {\n");
    for i in 0..k {
        let _ = writeln!(text, "  k{i}: {i}");
    }
    text.push_str(
        "}\nresource nsg 'Microsoft.Network/networkSecurityGroups@2023-04-01' = {\n  name: 'nsg-${length(u)}-${length(g)}-${length(x)}-${length(lit)}-${o == x}'\n  location: 'westeurope'\n}\n",
    );
    std::fs::write(dir.join("main.bicep"), text).unwrap();
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args.iter().find_map(|a| a.parse().ok()).unwrap_or(1000);
    let bin: PathBuf = args
        .iter()
        .skip_while(|a| *a != "--bin")
        .nth(1)
        .map(PathBuf::from)
        .or_else(|| {
            Some(
                std::env::current_exe()
                    .ok()?
                    .parent()?
                    .parent()?
                    .join("stv2lint"),
            )
        })
        .expect("--bin PATH");
    let keep: Option<PathBuf> = args
        .iter()
        .skip_while(|a| *a != "--keep")
        .nth(1)
        .map(PathBuf::from);
    let tmp = std::env::temp_dir().join(format!("stv2lint-corners-{}", std::process::id()));
    let cases: [(&str, Generator); 7] = [
        ("separate-rules", separate_rules),
        ("minified-findings", minified_findings),
        ("same-names", same_names),
        ("many-instances", many_instances),
        ("existing-references", existing_references),
        ("terraform-collections", terraform_collections),
        ("bicep-collections", bicep_collections),
    ];
    println!("binary {}", bin.display());
    println!();
    println!("| input | N | CPU s | output lines | × the time of N/2 |");
    println!("|---|---|---|---|---|");
    for (name, generate) in cases {
        let mut last: Option<f64> = None;
        for k in [n, 2 * n, 4 * n] {
            let dir = match &keep {
                Some(d) => d.join(format!("{name}-{k}")),
                None => tmp.clone(),
            };
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            generate(&dir, k);
            let out = keep.as_ref().map(|d| d.join(format!("{name}-{k}.out")));
            let (cpu, lines) = run(&bin, &dir, out.as_deref());
            println!(
                "| {name} | {k} | {cpu:.2} | {lines} | {} |",
                last.filter(|l| *l > 0.0)
                    .map(|l| format!("{:.1}×", cpu / l))
                    .unwrap_or_default()
            );
            last = Some(cpu);
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
}
