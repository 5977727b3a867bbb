//! End-to-end tests of the Bicep front end: files in a temporary directory, checked as one run,
//! asserting on the model and the diagnostics.

use crate::code::Code;
use crate::diagnostic::Severity;
use crate::frontend::LoadOptions;
use crate::model::Workspace;
use crate::{check, CheckOptions, Outcome};
use std::path::{Path, PathBuf};

struct TempDir(PathBuf);

impl TempDir {
    fn new(files: &[(&str, &str)]) -> TempDir {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("stv2lint-bicep-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (name, text) in files {
            let p = dir.join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        TempDir(dir)
    }
    fn path(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run(dir: &TempDir) -> Outcome {
    check(std::slice::from_ref(&dir.0), &CheckOptions::default())
}

fn run_with(dir: &TempDir, load: LoadOptions) -> Outcome {
    let opts = CheckOptions {
        load,
        ..Default::default()
    };
    check(std::slice::from_ref(&dir.0), &opts)
}

/// (code, severity, file name, line, message) of every diagnostic.
/// The NSG names and the diagnostics of a run of `d` on `threads` workers.
#[allow(clippy::type_complexity)]
fn nsgs_on(
    d: &TempDir,
    threads: usize,
) -> (Vec<String>, Vec<(Code, Severity, String, usize, String)>) {
    let pool = crate::parallel::pool(threads).unwrap();
    let o = pool.install(|| run(d));
    let names = o.ws.nsgs.iter().map(|n| n.meta.name.clone()).collect();
    (names, diags(&o))
}

fn diags(o: &Outcome) -> Vec<(Code, Severity, String, usize, String)> {
    o.diagnostics
        .iter()
        .map(|d| {
            let (file, line) = match d.span {
                Some(s) => {
                    let f = o.ws.sources.get(s.file);
                    let name = Path::new(&f.display)
                        .file_name()
                        .map(|n| n.to_string_lossy().to_string())
                        .unwrap_or_default();
                    (name, f.line_col(s.start).0)
                }
                None => (String::new(), 0),
            };
            (d.code, d.severity, file, line, d.message.clone())
        })
        .collect()
}

fn subnet<'a>(ws: &'a Workspace, name: &str) -> &'a crate::model::Subnet {
    ws.subnets
        .iter()
        .find(|s| s.meta.name == name)
        .unwrap_or_else(|| panic!("no subnet {name}"))
}

const NSG: &str = r#"
resource nsg 'Microsoft.Network/networkSecurityGroups@2024-05-01' = {
  name: 'nsg-apim'
  location: 'westeurope'
  properties: {
    securityRules: []
  }
}
"#;

#[test]
fn syntax_error_is_one_stv001_on_its_line_and_other_files_still_load() {
    let dir = TempDir::new(&[
        (
            "broken.bicep",
            "param a string\n\nresource r 'Microsoft.Network/virtualNetworks@2024-05-01' = {\n  name: 'x'\n  location 'westeurope'\n}\n",
        ),
        (
            "good.bicep",
            "resource apim 'Microsoft.ApiManagement/service@2024-05-01' = {\n  name: 'a'\n  location: 'westeurope'\n  sku: { name: 'Basic', capacity: 1 }\n  properties: {\n    virtualNetworkType: 'External'\n  }\n}\n",
        ),
    ]);
    let o = run(&dir);
    let d = diags(&o);
    let errs: Vec<_> = d.iter().filter(|x| x.0 == Code::Stv001).collect();
    assert_eq!(errs.len(), 1, "{d:?}");
    assert_eq!(errs[0].2, "broken.bicep");
    assert_eq!(errs[0].3, 5, "{d:?}");
    assert!(errs[0].4.contains("expected ':'"), "{}", errs[0].4);
    assert!(o.incomplete());
    assert!(
        d.iter().any(|x| x.0 == Code::Stv010 && x.2 == "good.bicep"),
        "{d:?}"
    );
}

#[test]
fn unterminated_string_and_binary_garbage_do_not_panic() {
    let dir = TempDir::new(&[
        ("a.bicep", "var x = 'abc\nvar y = 1\n"),
        ("b.bicep", "\u{0}\u{1}\u{2}}}}{{{[[[(((''''"),
        ("c.bicepparam", "using\n"),
        ("d.bicep", "@@@\nparam"),
    ]);
    let o = run(&dir);
    let d = diags(&o);
    for f in ["a.bicep", "b.bicep", "c.bicepparam", "d.bicep"] {
        assert!(
            d.iter()
                .any(|x| x.0 == Code::Stv001 && x.2 == f && x.1 == Severity::Error),
            "{f}: {d:?}"
        );
    }
    let a = d.iter().find(|x| x.2 == "a.bicep").unwrap();
    assert_eq!(a.3, 1);
    assert!(a.4.contains("unterminated string"), "{}", a.4);
}

#[test]
fn missing_module_is_a_warning_and_its_outputs_are_unknown() {
    let dir = TempDir::new(&[(
        "main.bicep",
        r#"module net './nope/network.bicep' = {
  name: 'net'
}

resource apim 'Microsoft.ApiManagement/service@2024-05-01' = {
  name: 'a'
  location: 'westeurope'
  sku: { name: 'Developer', capacity: 1 }
  properties: {
    virtualNetworkType: 'Internal'
    virtualNetworkConfiguration: { subnetResourceId: net.outputs.subnetId }
  }
}
"#,
    )]);
    let o = run(&dir);
    let d = diags(&o);
    let m = d
        .iter()
        .find(|x| x.0 == Code::Stv002)
        .expect("a diagnostic for the missing module");
    assert_eq!((m.1, m.3), (Severity::Info, 1), "{d:?}");
    assert!(d.iter().all(|x| x.0 != Code::Stv001), "{d:?}");
    assert!(
        m.4.contains("'./nope/network.bicep' does not exist"),
        "{}",
        m.4
    );
    let f = o.ws.apims[0].locations[0].subnet.as_ref().unwrap();
    assert!(
        f.val.as_ref().unwrap_err().contains("does not exist"),
        "{f:?}"
    );
    assert!(!o.incomplete());
}

/// A local module that is not there but evidently deploys API Management (`publisherEmail`)
/// is counted as an instance not checked, as a registry one is: before, the run said "no API
/// Management instance found". A symlink loop is named as such, not as a missing file.
#[test]
fn missing_apim_module_is_an_instance_not_checked() {
    let dir = TempDir::new(&[(
        "main.bicep",
        r#"module apim './apim.bicep' = {
  name: 'apim'
  params: { publisherEmail: 'ops@example.com' }
}
module net './loop.bicep' = {
  name: 'net'
}
"#,
    )]);
    #[cfg(unix)]
    std::os::unix::fs::symlink("loop.bicep", dir.0.join("loop.bicep")).unwrap();
    let o = run(&dir);
    assert_eq!(o.ws.unloaded_apims.len(), 1);
    let u = &o.ws.unloaded_apims[0];
    assert_eq!(
        (u.module.as_str(), u.label.as_str()),
        ("./apim.bicep", "apim")
    );
    assert_eq!((o.instances.found, o.instances.undecided), (1, 1));
    let d = diags(&o);
    assert!(
        d.iter()
            .any(|x| x.4.contains("'./apim.bicep' does not exist")),
        "{d:?}"
    );
    #[cfg(unix)]
    assert!(
        d.iter()
            .any(|x| x.4.contains("'./loop.bicep' cannot be read: ")),
        "{d:?}"
    );
}

#[test]
fn registry_modules_give_unknown_outputs_without_a_diagnostic() {
    let dir = TempDir::new(&[(
        "main.bicep",
        r#"module net 'br/public:avm/res/network/virtual-network:0.5.0' = {
  name: 'net'
  params: { name: 'vnet' }
}
output id string = net.outputs.subnetResourceIds[0]
"#,
    )]);
    let o = run(&dir);
    assert!(o.diagnostics.is_empty(), "{:?}", diags(&o));
}

#[test]
fn module_cycle_is_reported_once_without_looping() {
    let dir = TempDir::new(&[
        (
            "a.bicep",
            "module b './b.bicep' = {\n  name: 'b'\n}\noutput x string = b.outputs.y\n",
        ),
        (
            "b.bicep",
            "module a './a.bicep' = {\n  name: 'a'\n}\noutput y string = a.outputs.x\n",
        ),
        ("entry.bicep", "module a './a.bicep' = {\n  name: 'a'\n}\n"),
    ]);
    let o = run(&dir);
    let d = diags(&o);
    let cycles: Vec<_> = d.iter().filter(|x| x.4.contains("module cycle")).collect();
    assert!(!cycles.is_empty(), "{d:?}");
    assert!(cycles.iter().all(|c| c.1 == Severity::Error));
    assert!(
        cycles[0].4.contains("a.bicep → b.bicep → a.bicep"),
        "{}",
        cycles[0].4
    );
}

#[test]
fn unknown_function_is_reported_at_the_call() {
    let dir = TempDir::new(&[(
        "main.bicep",
        "var ok = toLower('A')\n\nvar x = frobnicate('a')\n",
    )]);
    let d = diags(&run(&dir));
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!((d[0].1, d[0].3), (Severity::Warning, 3));
    assert!(d[0].4.contains("unknown function 'frobnicate'"));
}

#[test]
fn deep_variable_chains_and_self_reference_stay_bounded() {
    let mut src = String::new();
    for i in 0..2000 {
        src.push_str(&format!("var v{i} = v{}\n", i + 1));
    }
    src.push_str("var v2000 = v0\nvar s = s\n");
    src.push_str("resource x 'Microsoft.Network/virtualNetworks@2024-05-01' = {\n  name: v0\n  location: s\n}\n");
    let dir = TempDir::new(&[("main.bicep", &src)]);
    let o = run(&dir);
    assert!(!o.incomplete());
}

#[test]
fn loops_parent_children_and_accessors() {
    let dir = TempDir::new(&[(
        "main.bicep",
        r#"var names = ['a', 'b', 'c']

resource nsgs 'Microsoft.Network/networkSecurityGroups@2024-05-01' = [for (n, i) in names: {
  name: 'nsg-${n}'
  location: 'westeurope'
  properties: {
    securityRules: [for p in range(0, i + 1): {
      name: 'r${p}'
      properties: { priority: 100 + p, direction: 'Inbound', access: 'Allow', protocol: 'Tcp', sourceAddressPrefix: '*', sourcePortRange: '*', destinationAddressPrefix: '*', destinationPortRange: '${443 + p}' }
    }]
  }
}]

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: 'vnet'
  location: 'westeurope'
  properties: {
    subnets: [for (n, i) in names: if (n != 'c') {
      name: 'inline-${n}'
      properties: {
        addressPrefix: '10.0.${i}.0/24'
        networkSecurityGroup: { id: nsgs[i].id }
      }
    }]
  }

  resource nested 'subnets' = {
    name: 'nested'
    properties: { addressPrefix: '10.1.0.0/24', networkSecurityGroup: { id: nsgs[2].id } }
  }
}

resource child 'Microsoft.Network/virtualNetworks/subnets@2024-05-01' = {
  parent: vnet
  name: 'child'
  properties: {
    addressPrefix: vnet::nested.properties.addressPrefix
    routeTable: { id: rt.id }
  }
}

resource rt 'Microsoft.Network/routeTables@2024-05-01' = {
  name: 'rt'
  location: 'westeurope'
  properties: {
    routes: [
      { name: 'r1', properties: { addressPrefix: '0.0.0.0/0', nextHopType: 'VirtualAppliance', nextHopIpAddress: '10.9.0.4' } }
    ]
  }
}

resource rule 'Microsoft.Network/networkSecurityGroups/securityRules@2024-05-01' = {
  parent: nsgs[0]
  name: 'extra'
  properties: { priority: 4000, direction: 'Outbound', access: 'Deny', protocol: '*', sourceAddressPrefix: '*', sourcePortRange: '*', destinationAddressPrefix: '*', destinationPortRange: '*' }
}
"#,
    )]);
    let o = run(&dir);
    let ws = &o.ws;
    assert_eq!(ws.nsgs.len(), 3);
    let rules: Vec<usize> = ws.nsgs.iter().map(|n| n.rules.len()).collect();
    assert_eq!(rules, vec![2, 2, 3], "the child rule joins nsg-a");
    let a = subnet(ws, "inline-a");
    assert_eq!(a.prefixes.get().unwrap(), &vec!["10.0.0.0/24".to_string()]);
    assert!(a
        .nsg
        .as_ref()
        .unwrap()
        .get()
        .unwrap()
        .ends_with("/networkSecurityGroups/nsg-a"));
    assert!(subnet(ws, "inline-b")
        .nsg
        .as_ref()
        .unwrap()
        .get()
        .unwrap()
        .ends_with("/nsg-b"));
    assert!(
        ws.subnets.iter().all(|s| s.meta.name != "inline-c"),
        "filtered out"
    );
    let nested = subnet(ws, "nested");
    assert_eq!(nested.meta.key.names, vec!["vnet", "nested"]);
    assert_eq!(nested.meta.label, "vnet::nested");
    let child = subnet(ws, "child");
    assert_eq!(child.meta.key.names, vec!["vnet", "child"]);
    assert_eq!(
        child.prefixes.get().unwrap(),
        &vec!["10.1.0.0/24".to_string()]
    );
    assert!(child
        .route_table
        .as_ref()
        .unwrap()
        .get()
        .unwrap()
        .ends_with("/routeTables/rt"));
    assert_eq!(ws.route_tables[0].routes.len(), 1);
    let labels: Vec<&str> = ws.nsgs.iter().map(|n| n.meta.label.as_str()).collect();
    assert_eq!(labels, vec!["nsgs[0]", "nsgs[1]", "nsgs[2]"]);
}

#[test]
fn existing_resources_link_by_identity_and_scope() {
    let dir = TempDir::new(&[
        (
            "net.bicep",
            "resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {\n  name: 'hub'\n  location: 'westeurope'\n  properties: {\n    subnets: [ { name: 'apim', properties: { addressPrefix: '10.0.0.0/27' } } ]\n  }\n}\n",
        ),
        (
            "apim.bicep",
            r#"resource sub 'Microsoft.Network/virtualNetworks/subnets@2024-05-01' existing = {
  name: 'hub/apim'
}
resource other 'Microsoft.Network/virtualNetworks/subnets@2024-05-01' existing = {
  name: 'hub/apim'
  scope: resourceGroup('net-rg')
}
output a string = sub.id
output b string = other.id
output c string = sub.properties.addressPrefix
resource apim 'Microsoft.ApiManagement/service@2024-05-01' = {
  name: 'x'
  location: 'westeurope'
  sku: { name: 'Developer', capacity: 1 }
  properties: {
    virtualNetworkType: 'Internal'
    virtualNetworkConfiguration: { subnetResourceId: sub.id }
  }
}
"#,
        ),
    ]);
    let o = run(&dir);
    let loc = &o.ws.apims[0].locations[0];
    let id = loc.subnet.as_ref().unwrap().get().unwrap();
    assert_eq!(
        id,
        "/subscriptions/{subscription}/resourceGroups/{resourceGroup}/providers/Microsoft.Network/virtualNetworks/hub/subnets/apim"
    );
    assert!(
        o.ws.subnet(id).is_some(),
        "links to the subnet of net.bicep"
    );
    // Existing resources are not declared again.
    assert_eq!(o.ws.subnets.len(), 1);
}

#[test]
fn module_params_outputs_scope_and_loops() {
    let dir = TempDir::new(&[
        (
            "main.bicep",
            r#"targetScope = 'subscription'
var regions = [
  { name: 'weu', prefix: '10.1.0.0/27' }
  { name: 'neu', prefix: '10.2.0.0/27' }
]
module nets 'mod/net.bicep' = [for (r, i) in regions: {
  name: 'net-${r.name}'
  scope: resourceGroup('rg-${r.name}')
  params: { region: r.name, prefix: r.prefix }
}]
output ids array = [for i in range(0, 2): nets[i].outputs.subnetId]
module last 'mod/net.bicep' = {
  name: 'x'
  scope: resourceGroup('rg-x')
  params: {
    region: 'x'
    prefix: nets[1].outputs.prefixOut
  }
}
"#,
        ),
        (
            "mod/net.bicep",
            r#"param region string
param prefix string
resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: 'vnet-${region}'
  location: region
  properties: { subnets: [ { name: 'apim', properties: { addressPrefix: prefix } } ] }
}
output subnetId string = vnet.properties.subnets[0].id
output prefixOut string = vnet.properties.subnets[0].properties.addressPrefix
"#,
        ),
    ]);
    let o = run(&dir);
    let ws = &o.ws;
    assert_eq!(ws.subnets.len(), 3, "module instances: 2 loop + 1");
    let rgs: Vec<Option<&str>> = ws
        .subnets
        .iter()
        .map(|s| s.meta.key.rg.as_deref())
        .collect();
    assert_eq!(rgs, vec![Some("rg-weu"), Some("rg-neu"), Some("rg-x")]);
    let x = ws
        .subnets
        .iter()
        .find(|s| s.meta.key.names[0] == "vnet-x")
        .unwrap();
    assert_eq!(x.prefixes.get().unwrap(), &vec!["10.2.0.0/27".to_string()]);
    // The value's origin is the literal in main.bicep, its place the module's property.
    let at = x.prefixes.at.unwrap();
    assert!(o.ws.sources.get(at.file).path.ends_with("mod/net.bicep"));
    let origin = x.prefixes.origin().unwrap();
    assert!(o.ws.sources.get(origin.file).path.ends_with("main.bicep"));
    assert!(o.diagnostics.is_empty(), "{:?}", diags(&o));
}

#[test]
fn expressions_lambdas_spread_and_imports() {
    let dir = TempDir::new(&[
        (
            "rules.bicep",
            r#"@export()
var baseRules = [
  { name: 'mgmt', priority: 100, port: '3443', source: 'ApiManagement' }
]
@export()
func ruleName(n string) string => 'Allow-${toUpper(n)}'
"#,
        ),
        (
            "main.bicep",
            r#"import { baseRules, ruleName } from 'rules.bicep'
import * as r from 'rules.bicep'

param extra array = [
  { name: 'lb', priority: 110, port: '6390', source: 'AzureLoadBalancer' }
  { name: 'old', priority: 300, port: '1', source: 'x' }
]
var all = sort(filter([...baseRules, ...extra, ...r.baseRules], x => x.priority < 200), (a, b) => a.priority > b.priority)
var byName = toObject(all, x => x.name)
var total = reduce(map(all, x => x.priority), 0, (acc, p) => acc + p)
var common = { protocol: 'Tcp', access: 'Allow' }
var maybe = {}

resource nsg 'Microsoft.Network/networkSecurityGroups@2024-05-01' = {
  name: 'nsg-${total}'
  location: 'westeurope'
  properties: {
    securityRules: [for x in all: {
      name: r.ruleName(x.name)
      properties: {
        ...common
        priority: x.priority
        direction: byName[x.name].?direction ?? 'Inbound'
        sourceAddressPrefix: x.source
        sourcePortRange: maybe.?port ?? '*'
        destinationAddressPrefix: contains(x.name, 'lb') ? 'VirtualNetwork' : '*'
        destinationPortRange: x.port
      }
    }]
  }
}
"#,
        ),
    ]);
    let o = run(&dir);
    assert!(o.diagnostics.is_empty(), "{:?}", diags(&o));
    let nsg = &o.ws.nsgs[0];
    assert_eq!(nsg.meta.name, "nsg-310", "110 + 100 + 100 (imported twice)");
    let names: Vec<&str> = nsg.rules.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, vec!["Allow-LB", "Allow-MGMT", "Allow-MGMT"]);
    let lb = &nsg.rules[0];
    assert_eq!(lb.protocol.get().unwrap(), "Tcp");
    assert_eq!(lb.priority.get(), Some(&110));
    assert_eq!(
        lb.destination_addresses.get().unwrap(),
        &vec!["VirtualNetwork".to_string()]
    );
    assert_eq!(lb.source_ports.get().unwrap(), &vec!["*".to_string()]);
}

#[test]
fn bicepparam_values_and_their_origin() {
    let dir = TempDir::new(&[
        (
            "main.bicep",
            "param prefix string\nparam cfg object\nresource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {\n  name: cfg.name\n  location: 'westeurope'\n  properties: { subnets: [ { name: 'apim', properties: { addressPrefix: prefix } } ] }\n}\n",
        ),
        (
            "dev.bicepparam",
            "using 'main.bicep'\n\nvar base = 'vnet'\nparam prefix = '10.0.0.0/29'\nparam cfg = {\n  name: '${base}-dev'\n}\n",
        ),
    ]);
    let o = run(&dir);
    assert!(o.diagnostics.is_empty(), "{:?}", diags(&o));
    assert_eq!(
        o.ws.subnets.len(),
        1,
        "main.bicep is evaluated once, with the parameter file"
    );
    let s = &o.ws.subnets[0];
    assert_eq!(s.meta.key.names, vec!["vnet-dev", "apim"]);
    let origin = s.prefixes.origin().unwrap();
    let f = o.ws.sources.get(origin.file);
    assert!(f.path.ends_with("dev.bicepparam"));
    assert_eq!(f.line_col(origin.start).0, 4);
}

#[test]
fn arm_parameter_files_pair_with_bicep() {
    let main = "param prefix string = '10.0.0.0/24'\nparam env string\nresource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {\n  name: 'vnet-${env}'\n  location: 'westeurope'\n  properties: { subnets: [ { name: 'apim', properties: { addressPrefix: prefix } } ] }\n}\n";
    let params = |v: &str| {
        format!(
            "{{\"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#\", \"contentVersion\": \"1.0.0.0\", \"parameters\": {{ \"prefix\": {{ \"value\": \"{v}\" }}, \"env\": {{ \"value\": \"${{AZURE_ENV_NAME}}\" }} }} }}"
        )
    };
    // X.parameters.json pairs with X.bicep.
    let p1 = params("10.0.0.0/29");
    let dir = TempDir::new(&[("main.bicep", main), ("main.parameters.json", &p1)]);
    let o = run(&dir);
    let s = &o.ws.subnets[0];
    assert_eq!(s.prefixes.get().unwrap(), &vec!["10.0.0.0/29".to_string()]);
    assert_eq!(
        s.meta.key.names[0], "vnet-${azure_env_name}",
        "azd placeholder stays symbolic"
    );
    // Quickstart layout: azuredeploy.parameters.json beside main.bicep, no azuredeploy.json.
    let p2 = params("10.0.0.0/28");
    let dir = TempDir::new(&[("main.bicep", main), ("azuredeploy.parameters.json", &p2)]);
    let o = run(&dir);
    assert_eq!(
        o.ws.subnets[0].prefixes.get().unwrap(),
        &vec!["10.0.0.0/28".to_string()]
    );
    // With an azuredeploy.json the parameter file is that template's, not main.bicep's.
    let template = "{\"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#\", \"contentVersion\": \"1.0.0.0\", \"parameters\": { \"prefix\": { \"type\": \"string\" }, \"env\": { \"type\": \"string\" } }, \"resources\": []}";
    let dir = TempDir::new(&[
        ("main.bicep", main),
        ("azuredeploy.parameters.json", &p2),
        ("azuredeploy.json", template),
    ]);
    let o = run(&dir);
    let bicep_subnet =
        o.ws.subnets
            .iter()
            .find(|s| s.meta.format == crate::model::Format::Bicep)
            .unwrap();
    assert_eq!(
        bicep_subnet.prefixes.get().unwrap(),
        &vec!["10.0.0.0/24".to_string()]
    );
    // --parameters overrides the pairing.
    let p3 = params("10.0.0.0/27");
    let dir = TempDir::new(&[
        ("main.bicep", main),
        ("main.parameters.json", &p1),
        ("other/p.json", &p3),
    ]);
    let o = run_with(
        &dir,
        LoadOptions {
            parameters: vec![dir.path("other/p.json")],
            ..Default::default()
        },
    );
    assert_eq!(
        o.ws.subnets[0].prefixes.get().unwrap(),
        &vec!["10.0.0.0/27".to_string()]
    );
}

#[test]
fn bicepparam_given_on_the_command_line() {
    let dir = TempDir::new(&[
        (
            "infra/main.bicep",
            "param prefix string\nresource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {\n  name: 'v'\n  location: 'westeurope'\n  properties: { subnets: [ { name: 'apim', properties: { addressPrefix: prefix } } ] }\n}\n",
        ),
        ("params/prod.bicepparam", "using '../infra/main.bicep'\nparam prefix = '10.9.0.0/26'\n"),
    ]);
    let o = crate::check(
        &[dir.path("infra")],
        &CheckOptions {
            load: LoadOptions {
                parameters: vec![dir.path("params/prod.bicepparam")],
                ..Default::default()
            },
            ..Default::default()
        },
    );
    assert_eq!(o.ws.subnets.len(), 1, "{:?}", diags(&o));
    assert_eq!(
        o.ws.subnets[0].prefixes.get().unwrap(),
        &vec!["10.9.0.0/26".to_string()]
    );
}

#[test]
fn unknown_conditions_and_values_stay_unknown() {
    let dir = TempDir::new(&[(
        "main.bicep",
        &format!(
            "{NSG}\nparam internal bool\nparam sku string\nresource apim 'Microsoft.ApiManagement/service@2024-05-01' = {{\n  name: 'a'\n  location: 'westeurope'\n  sku: {{ name: sku, capacity: 1 }}\n  properties: {{\n    virtualNetworkType: internal ? 'Internal' : 'External'\n  }}\n}}\n"
        ),
    )]);
    let o = run(&dir);
    let a = &o.ws.apims[0];
    assert!(a.vnet_type.val.is_err());
    assert!(a.sku.val.as_ref().unwrap_err().contains("parameter 'sku'"));
    assert!(
        o.diagnostics.iter().all(|d| d.severity == Severity::Info),
        "{:?}",
        diags(&o)
    );
}

#[test]
fn load_json_content_feeds_values_with_spans_into_the_json_file() {
    let dir = TempDir::new(&[
        (
            "main.bicep",
            r#"var cfg = loadJsonContent('cfg/network.json')
var prefix = loadJsonContent('cfg/network.json', '$.subnets.apim')
var banner = loadTextContent('missing.txt')
resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: cfg.name
  location: 'westeurope'
  properties: { subnets: [ { name: 'apim', properties: { addressPrefix: prefix } } ] }
  tags: { banner: banner }
}
"#,
        ),
        (
            "cfg/network.json",
            "{\n  // comments are fine\n  \"name\": \"vnet-json\",\n  \"subnets\": { \"apim\": \"10.0.0.0/29\" }\n}\n",
        ),
    ]);
    let o = run(&dir);
    assert!(o.diagnostics.is_empty(), "{:?}", diags(&o));
    let s = &o.ws.subnets[0];
    assert_eq!(s.meta.key.names, vec!["vnet-json", "apim"]);
    assert_eq!(s.prefixes.get().unwrap(), &vec!["10.0.0.0/29".to_string()]);
    let origin = s.prefixes.origin().unwrap();
    let f = o.ws.sources.get(origin.file);
    assert!(f.path.ends_with("cfg/network.json"));
    assert_eq!(f.line_col(origin.start).0, 4);
}

#[test]
fn exponential_programs_are_cut_off() {
    let mut src = String::from("var a0 = ['x']\nvar s0 = 'abcdefgh'\n");
    for i in 1..60 {
        src.push_str(&format!(
            "var a{i} = [a{p}, a{p}]\nvar s{i} = '${{s{p}}}${{s{p}}}'\n",
            p = i - 1
        ));
    }
    src.push_str("func f(n int) int => f(n) + f(n)\nvar boom = f(1)\n");
    src.push_str("var big = [for i in range(0, 5000): [for j in range(0, 5000): i * j]]\n");
    src.push_str("resource v 'Microsoft.Network/virtualNetworks@2024-05-01' = {\n  name: 'v'\n  location: 'westeurope'\n  tags: { a: string(length(a59)), s: s59, b: string(boom), c: string(length(big)) }\n}\n");
    let dir = TempDir::new(&[("main.bicep", &src)]);
    let t = std::time::Instant::now();
    let o = run(&dir);
    assert!(t.elapsed().as_secs() < 60, "took {:?}", t.elapsed());
    assert_eq!(o.ws.sources.len(), 1);
}

#[test]
fn long_module_chains_stay_bounded() {
    let mut files = Vec::new();
    for i in 0..40 {
        files.push((
            format!("m{i}.bicep"),
            format!(
                "module next './m{}.bicep' = {{\n  name: 'n'\n}}\noutput o string = '${{next.outputs.o}}-{i}'\n",
                i + 1
            ),
        ));
    }
    files.push((
        "m40.bicep".to_string(),
        "output o string = 'end'\n".to_string(),
    ));
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let dir = TempDir::new(&refs);
    let o = run(&dir);
    let d = diags(&o);
    assert!(
        d.iter().any(|x| x.4.contains("more than stv2lint follows")),
        "{d:?}"
    );
}

#[test]
fn bicepparam_extends_a_base_parameter_file() {
    let dir = TempDir::new(&[
        (
            "main.bicep",
            "param prefix string\nparam name string\nresource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {\n  name: name\n  location: 'westeurope'\n  properties: { subnets: [ { name: 'apim', properties: { addressPrefix: prefix } } ] }\n}\n",
        ),
        ("base.bicepparam", "using none\nparam prefix = '10.0.0.0/24'\nparam name = 'base'\n"),
        (
            "dev.bicepparam",
            "using 'main.bicep'\nextends 'base.bicepparam'\nparam name = 'dev'\n",
        ),
    ]);
    let o = run(&dir);
    assert!(o.diagnostics.is_empty(), "{:?}", diags(&o));
    assert_eq!(o.ws.subnets.len(), 1);
    let s = &o.ws.subnets[0];
    assert_eq!(s.meta.key.names, vec!["dev", "apim"]);
    assert_eq!(s.prefixes.get().unwrap(), &vec!["10.0.0.0/24".to_string()]);
}

/// A name only known at deployment becomes a symbol of the declaration: a child by `parent:`
/// or by `'${nsg.name}/rule'` links to it; loop iterations and module instances stay distinct.
#[test]
fn unknown_names_link_children_and_stay_distinct() {
    let nsg = r#"
param stamp string = utcNow()
resource nsg 'Microsoft.Network/networkSecurityGroups@2024-05-01' = [for i in range(0, 2): {
  name: 'nsg-${stamp}-${i}'
  location: 'westeurope'
}]
resource r 'Microsoft.Network/networkSecurityGroups/securityRules@2024-05-01' = {
  parent: nsg[1]
  name: 'a'
  properties: { priority: 100, direction: 'Inbound', access: 'Allow', protocol: 'Tcp' }
}
resource s 'Microsoft.Network/networkSecurityGroups/securityRules@2024-05-01' = {
  name: '${nsg[1].name}/b'
  properties: { priority: 110, direction: 'Inbound', access: 'Allow', protocol: 'Tcp' }
}
"#;
    let d = TempDir::new(&[
        ("nsg.bicep", nsg),
        (
            "main.bicep",
            "module one 'nsg.bicep' = {\n  name: 'one'\n}\nmodule two 'nsg.bicep' = {\n  name: 'two'\n}\n",
        ),
    ]);
    let o = run(&d);
    let mut rules: Vec<(String, usize)> =
        o.ws.nsgs
            .iter()
            .map(|n| (n.meta.key.names.join("/"), n.rules.len()))
            .collect();
    rules.sort();
    // Two instances of the module, two iterations each: four NSGs; in each instance the second
    // iteration has both rules.
    assert_eq!(rules.len(), 4, "{rules:?}");
    assert_eq!(rules.iter().filter(|r| r.1 == 2).count(), 2, "{rules:?}");
    assert_eq!(rules.iter().filter(|r| r.1 == 0).count(), 2, "{rules:?}");
}

/// Unknown resource names are told apart by their instance's number in the run, which goes on
/// across deployments and gives an imported file's instance one number: on several workers
/// (where later deployments of a slice first guess the numbering) the names come out as on one.
#[test]
fn placeholder_names_are_numbered_as_on_one_worker() {
    let mut files = vec![
        ("shared.bicep", "@export()\nvar loc = 'westeurope'\n".to_string()),
        (
            "mod.bicep",
            "param location string\nresource nsg 'Microsoft.Network/networkSecurityGroups@2024-05-01' = {\n  name: newGuid()\n  location: location\n}\n"
                .to_string(),
        ),
    ];
    let names = ["a.bicep", "b.bicep", "c.bicep"];
    for n in names {
        files.push((
            n,
            format!("import {{ loc }} from 'shared.bicep'\nmodule m 'mod.bicep' = {{\n  name: 'm-{n}'\n  params: {{ location: loc }}\n}}\n"),
        ));
    }
    let files: Vec<(&str, &str)> = files.iter().map(|(n, t)| (*n, t.as_str())).collect();
    let d = TempDir::new(&files);
    let nsgs = |threads: usize| nsgs_on(&d, threads);
    let (one, d1) = nsgs(1);
    // a: a.bicep 0, shared.bicep 1, mod.bicep 2; b: b.bicep 3, (shared.bicep 1), mod.bicep 4; …
    assert_eq!(
        one,
        ["${nsg@2.name}", "${nsg@4.name}", "${nsg@6.name}"],
        "{one:?}"
    );
    assert_eq!(nsgs(4), (one, d1));
}

/// Files are prepared on every worker (their paths looked up, their symbols made) and finished
/// in order: an import's symbols name its file unless a later declaration takes the name, and
/// the diagnostics about paths and functions come out as on one worker.
#[test]
fn imports_and_path_diagnostics_are_the_same_on_every_worker() {
    let nsg = |name: &str| {
        format!("resource nsg 'Microsoft.Network/networkSecurityGroups@2024-05-01' = {{\n  name: {name}\n  location: 'westeurope'\n}}\n")
    };
    let mut files = vec![
        ("one.bicep".to_string(), "@export()\nvar v = 'one'\n".to_string()),
        ("two.bicep".to_string(), "@export()\nvar w = 'two'\n".to_string()),
        (
            "main.bicep".to_string(),
            format!(
                "import * as a from 'one.bicep'\nimport {{ v as x }} from 'one.bicep'\nimport {{ w as x }} from 'two.bicep'\nimport * as s from 'two.bicep'\nvar s = 'local'\n{}",
                nsg("'nsg-${x}-${a.v}-${s}'")
            ),
        ),
    ];
    for i in 0..6 {
        files.push((
            format!("d{i}.bicep"),
            format!(
                "module m 'missing{i}.bicep' = {{\n  name: 'm'\n}}\nvar t = loadTextContent('none{i}.txt')\nvar u = nope{i}()\n{}",
                nsg(&format!("'nsg-d{i}-${{t}}-${{u}}'"))
            ),
        ));
    }
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let d = TempDir::new(&files);
    let run_on = |threads: usize| nsgs_on(&d, threads);
    let (names, found) = run_on(1);
    assert!(
        names.contains(&"nsg-two-one-local".to_string()),
        "{names:?}"
    );
    for i in 0..6 {
        let mine = |m: &str| {
            found
                .iter()
                .any(|f| f.2 == format!("d{i}.bicep") && f.4.contains(m))
        };
        assert!(mine(&format!("missing{i}.bicep")), "{found:?}");
        assert!(mine(&format!("nope{i}")), "{found:?}");
    }
    assert_eq!(run_on(4), (names, found));
}

/// With more deployments than a slice, each slice evaluates while the one before joins the
/// workspace, guessing the numbering from that slice's own outcomes: names, diagnostics and
/// units come out as on one worker.
#[test]
fn numbering_across_slices_is_as_on_one_worker() {
    let mut files = vec![
        ("shared.bicep".to_string(), "@export()\nvar loc = 'westeurope'\n".to_string()),
        (
            "mod.bicep".to_string(),
            "param location string\nresource nsg 'Microsoft.Network/networkSecurityGroups@2024-05-01' = {\n  name: newGuid()\n  location: location\n}\n"
                .to_string(),
        ),
    ];
    for i in 0..150 {
        // Every third deployment imports; every fifth makes a second module instance.
        let import = if i % 3 == 0 {
            "import { loc } from 'shared.bicep'\n"
        } else {
            "var loc = 'northeurope'\n"
        };
        let second = if i % 5 == 0 {
            "module n 'mod.bicep' = {\n  name: 'n'\n  params: { location: loc }\n}\n"
        } else {
            ""
        };
        files.push((
            format!("d{i:03}.bicep"),
            format!("{import}module m 'mod.bicep' = {{\n  name: 'm'\n  params: {{ location: loc }}\n}}\n{second}var u = nope()\n"),
        ));
    }
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let d = TempDir::new(&files);
    let run_on = |threads: usize| {
        let pool = crate::parallel::pool(threads).unwrap();
        let o = pool.install(|| run(&d));
        let names: Vec<(String, u32)> =
            o.ws.nsgs
                .iter()
                .map(|n| (n.meta.name.clone(), n.meta.unit.0))
                .collect();
        (names, diags(&o))
    };
    let one = run_on(1);
    assert_eq!(one.0.len(), 180, "{:?}", one.0);
    assert_eq!(run_on(2), one);
    assert_eq!(run_on(3), one);
}
