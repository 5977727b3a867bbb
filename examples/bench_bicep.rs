//! Benchmark over a generated tree of Bicep deployments.
//!
//! `cargo run --release --example bench_bicep -- [DEPLOYMENTS] [RULES_PER_NSG] [--keep DIR]`
//!
//! Generates DEPLOYMENTS (default 1000) deployment folders in a temporary directory, each with a
//! `main.bicep` and a `main.bicepparam`, all sharing a `modules/` folder (network module with an
//! NSG whose rules come from a `for` expression over a parameter array, a VNet with an inline
//! subnet and a `parent:` child subnet, a route table; an APIM module taking the subnet id from
//! the network module's output). Then it times:
//! - parse only: lexer + parser over every file (MB/s);
//! - the whole check: discover, parse, evaluate modules and parameter files, link, rules.

use std::time::Instant;

const NETWORK: &str = r#"param name string
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

const APIM: &str = r#"param name string
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

fn main_bicep() -> String {
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

fn params(i: usize, rules: usize) -> String {
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

fn time<T>(label: &str, f: impl FnOnce() -> T) -> (T, f64) {
    let t = Instant::now();
    let v = f();
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    println!("{label:<52} {ms:>9.1} ms");
    (v, ms)
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .take_while(|a| a != "--keep")
        .filter_map(|a| a.parse().ok())
        .collect();
    let n = args.first().copied().unwrap_or(1000);
    let rules = args.get(1).copied().unwrap_or(40);
    // `--keep DIR`: generate into DIR and leave it there (for `stv2lint check DIR` by hand).
    let keep: Option<std::path::PathBuf> = std::env::args()
        .skip_while(|a| a != "--keep")
        .nth(1)
        .map(Into::into);
    let dir = keep.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("stv2lint-bench-bicep-{}", std::process::id()))
    });
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("modules")).unwrap();
    std::fs::write(dir.join("modules/network.bicep"), NETWORK).unwrap();
    std::fs::write(dir.join("modules/apim.bicep"), APIM).unwrap();
    let mut texts = vec![NETWORK.to_string(), APIM.to_string()];
    for i in 0..n {
        let d = dir.join(format!("d{i:05}"));
        std::fs::create_dir_all(&d).unwrap();
        let (m, p) = (main_bicep(), params(i, rules));
        std::fs::write(d.join("main.bicep"), &m).unwrap();
        std::fs::write(d.join("main.bicepparam"), &p).unwrap();
        texts.push(m);
        texts.push(p);
    }
    let bytes: usize = texts.iter().map(String::len).sum();
    println!(
        "generated {n} deployments ({} files, {:.1} MB), {rules} rules per NSG",
        texts.len(),
        bytes as f64 / 1e6
    );

    let (nodes, ms) = time("parse only (lexer + parser, every file)", || {
        let mut decls = 0;
        for t in &texts {
            let f = stv2lint::frontend::bicep::parser::parse(t, stv2lint::source::FileId(0))
                .expect("generated files parse");
            decls += f.decls.len();
        }
        decls
    });
    println!(
        "  {nodes} declarations, {:.1} MB/s",
        bytes as f64 / 1e6 / (ms / 1000.0)
    );

    // One large file: the same network module body repeated with fresh names.
    let mut big = String::new();
    for i in 0..2000 {
        big.push_str(
            &NETWORK
                .replace("param ", &format!("param p{i}_"))
                .replace("resource nsg ", &format!("resource nsg{i} "))
                .replace("resource rt ", &format!("resource rt{i} "))
                .replace("resource vnet ", &format!("resource vnet{i} "))
                .replace("resource apps ", &format!("resource apps{i} "))
                .replace("output apimSubnetId", &format!("output o{i}")),
        );
    }
    let (_, ms) = time(
        &format!("parse one {:.1} MB file", big.len() as f64 / 1e6),
        || {
            stv2lint::frontend::bicep::parser::parse(&big, stv2lint::source::FileId(0))
                .expect("the large file parses")
        },
    );
    println!("  {:.1} MB/s", big.len() as f64 / 1e6 / (ms / 1000.0));

    let (o, _) = time("check (discover, parse, evaluate, link, rules)", || {
        stv2lint::check(std::slice::from_ref(&dir), &Default::default())
    });
    println!(
        "  {} instances, {} subnets, {} NSGs, {} diagnostics",
        o.ws.apims.len(),
        o.ws.subnets.len(),
        o.ws.nsgs.len(),
        o.diagnostics.len()
    );
    assert_eq!(
        o.ws.apims.len(),
        n,
        "every deployment's instance is in the model"
    );
    if keep.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
