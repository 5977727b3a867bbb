//! The ARM front end on small templates written to a temporary directory: what reaches the
//! model, and how bad input is reported.

use std::path::PathBuf;
use stv2lint::code::Code;
use stv2lint::{check, Outcome};

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str, files: &[(&str, &[u8])]) -> Dir {
        let dir =
            std::env::temp_dir().join(format!("stv2lint-arm-{}-{}", name, std::process::id()));
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

const SCHEMA: &str =
    "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";

fn template(body: &str) -> String {
    format!("{{ \"$schema\": \"{SCHEMA}\", \"contentVersion\": \"1.0.0.0\", {body} }}")
}

fn codes(o: &Outcome, code: Code) -> Vec<(String, usize, String)> {
    o.diagnostics
        .iter()
        .filter(|d| d.code == code)
        .map(|d| {
            let s = d.span.expect("located");
            let f = o.ws.sources.get(s.file);
            let name = f.path.file_name().unwrap().to_string_lossy().to_string();
            (name, f.line_col(s.start).0, d.message.clone())
        })
        .collect()
}

#[test]
fn comments_bom_multiline_strings_and_trailing_commas() {
    let t = format!(
        "\u{feff}// a comment\n{}",
        template(
            "/* block */ \"parameters\": {}, \"resources\": [\n { \"type\": \"Microsoft.Network/networkSecurityGroups\", \"apiVersion\": \"2023-04-01\", \"name\": \"nsg\",\n \"properties\": { \"securityRules\": [], \"x\": \"line1\nline2\" }, },\n ]"
        )
    );
    let d = Dir::new("lenient", &[("t.json", t.as_bytes())]);
    let o = d.check();
    assert_eq!(o.ws.nsgs.len(), 1);
    // The file parsed: the trailing commas are STV005 warnings, never STV001.
    assert_eq!(codes(&o, Code::Stv001), []);
    let warnings = codes(&o, Code::Stv005);
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(o
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::Stv005)
        .all(|d| d.severity == stv2lint::diagnostic::Severity::Warning));
    assert!(!o.incomplete());
}

#[test]
fn other_json_files_are_ignored_silently() {
    let d = Dir::new(
        "other",
        &[
            ("package.json", b"{\"name\": \"x\", \"version\": \"1.0.0\"}"),
            ("tsconfig.json", b"{ // comment\n \"compilerOptions\": {} }"),
            ("broken.json", b"{ not json at all"),
            (
                "node_modules/t.json",
                template("\"resources\": [").as_bytes(),
            ),
        ],
    );
    let o = d.check();
    assert!(o.diagnostics.is_empty(), "{:?}", o.diagnostics);
    assert!(!o.incomplete());
}

#[test]
fn bad_input_gives_one_stv001_each_and_other_files_still_load() {
    let good = template(
        "\"resources\": [ { \"type\": \"Microsoft.Network/networkSecurityGroups\", \"apiVersion\": \"2023-04-01\", \"name\": \"ok\" } ]",
    );
    let truncated = template("\"resources\": [ { \"type\": \"x\"");
    let truncated = &truncated[..truncated.len() - 2];
    let syntax = template("\"resources\": [ { \"type\" \"x\" } ]");
    let mut invalid_utf8 = template("\"resources\": [ { \"name\": \"").into_bytes();
    invalid_utf8.extend_from_slice(&[0xff, 0xfe]);
    invalid_utf8.extend_from_slice(b"\" } ] }");
    let d = Dir::new(
        "bad",
        &[
            ("good.json", good.as_bytes()),
            ("truncated.json", truncated.as_bytes()),
            ("syntax.json", syntax.as_bytes()),
            ("utf8.json", &invalid_utf8),
        ],
    );
    let o = d.check();
    let errs = codes(&o, Code::Stv001);
    assert_eq!(errs.len(), 3, "{errs:?}");
    assert!(errs
        .iter()
        .any(|(f, l, m)| f == "truncated.json" && *l == 1 && m.contains("truncated")));
    assert!(errs
        .iter()
        .any(|(f, _, m)| f == "syntax.json" && m.contains("':'")));
    assert!(errs
        .iter()
        .any(|(f, _, m)| f == "utf8.json" && m.contains("UTF-8")));
    assert_eq!(o.ws.nsgs.len(), 1, "the good file still loads");
    assert!(o.incomplete());
}

/// Root reads a file of mode 000, so this needs another user; `.ci/run` runs it when it is not
/// root, and says so when it is.
#[cfg(unix)]
#[test]
#[ignore = "needs a non-root user (root reads files of mode 000)"]
fn unreadable_file_is_reported() {
    use std::os::unix::fs::PermissionsExt;
    let d = Dir::new(
        "unreadable",
        &[("t.json", template("\"resources\": []").as_bytes())],
    );
    let p = d.0.join("t.json");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).unwrap();
    assert!(
        std::fs::read(&p).is_err(),
        "the file is readable despite mode 000: run this test as a non-root user"
    );
    let o = d.check();
    assert!(o.incomplete());
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
}

const NETWORK: &str = r#"
  "parameters": {
    "prefix": { "type": "string", "defaultValue": "10.0.0.0/24" },
    "count": { "type": "int", "defaultValue": 2 },
    "noDefault": { "type": "string" }
  },
  "variables": {
    "vnetName": "[concat('vnet-', 'a')]",
    "copy": [ { "name": "rules", "count": "[parameters('count')]",
      "input": { "name": "[concat('r', copyIndex('rules'))]",
        "properties": { "priority": "[add(100, copyIndex('rules'))]", "direction": "Inbound", "access": "Allow",
          "protocol": "Tcp", "sourceAddressPrefix": "ApiManagement", "sourcePortRange": "*",
          "destinationAddressPrefix": "VirtualNetwork", "destinationPortRange": "3443" } } } ]
  },
  "resources": [
    { "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-04-01", "name": "nsg",
      "properties": { "securityRules": "[variables('rules')]" } },
    { "type": "Microsoft.Network/routeTables", "apiVersion": "2023-04-01", "name": "rt",
      "condition": "[equals(parameters('count'), 3)]" },
    { "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-04-01", "name": "[variables('vnetName')]",
      "properties": { "subnets": [ { "name": "apim", "properties": {
        "addressPrefix": "[parameters('prefix')]",
        "networkSecurityGroup": { "id": "[resourceId('Microsoft.Network/networkSecurityGroups', 'nsg')]" } } } ] },
      "resources": [ { "type": "subnets", "apiVersion": "2023-04-01", "name": "[concat('s', copyIndex())]",
        "copy": { "name": "loop", "count": 3 },
        "properties": { "addressPrefix": "[cidrSubnet('10.1.0.0/16', 24, copyIndex())]" } } ] },
    { "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-04-01", "name": "[parameters('noDefault')]" }
  ]"#;

#[test]
fn parameters_variables_copy_loops_conditions_and_children() {
    let d = Dir::new(
        "eval",
        &[
            ("azuredeploy.json", template(NETWORK).as_bytes()),
            (
                "azuredeploy.parameters.json",
                br#"{ "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
  "contentVersion": "1.0.0.0",
  "parameters": { "prefix": { "value": "10.9.0.0/29" } } }"#,
            ),
        ],
    );
    let mut o = d.check();
    o.ws.link();
    let nsg = o.ws.nsgs.iter().find(|n| n.meta.name == "nsg").unwrap();
    assert_eq!(nsg.rules.len(), 2);
    assert_eq!(nsg.rules[1].name, "r1");
    assert_eq!(nsg.rules[1].priority.get(), Some(&101));
    assert!(o.ws.route_tables.is_empty(), "condition false");
    let apim = o.ws.subnets.iter().find(|s| s.meta.name == "apim").unwrap();
    assert_eq!(
        apim.prefixes.get().unwrap(),
        &vec!["10.9.0.0/29".to_string()]
    );
    // The value's origin is the parameter file line.
    let origin = apim.prefixes.origin().expect("origin");
    assert!(o
        .ws
        .sources
        .get(origin.file)
        .path
        .ends_with("azuredeploy.parameters.json"));
    assert!(o
        .ws
        .nsg(apim.nsg.as_ref().unwrap().get().unwrap())
        .is_some());
    let children: Vec<_> =
        o.ws.subnets
            .iter()
            .filter(|s| s.meta.name.starts_with('s'))
            .map(|s| {
                (
                    s.meta.key.names.join("/"),
                    s.prefixes.get().unwrap()[0].clone(),
                )
            })
            .collect();
    assert_eq!(
        children,
        vec![
            ("vnet-a/s0".to_string(), "10.1.0.0/24".to_string()),
            ("vnet-a/s1".to_string(), "10.1.1.0/24".to_string()),
            ("vnet-a/s2".to_string(), "10.1.2.0/24".to_string()),
        ]
    );
    // A parameter without a value is a stable placeholder, not an error.
    assert!(o
        .ws
        .nsgs
        .iter()
        .any(|n| n.meta.name == "parameters('noDefault')"));
    assert!(codes(&o, Code::Stv001).is_empty());
}

#[test]
fn explicit_parameters_override_pairing() {
    let d = Dir::new(
        "explicit",
        &[
            ("main.json", template(NETWORK).as_bytes()),
            (
                "other.json",
                br#"{ "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
  "contentVersion": "1.0.0.0", "parameters": { "prefix": { "value": "10.7.0.0/28" } } }"#,
            ),
        ],
    );
    let mut opts = stv2lint::CheckOptions::default();
    opts.load.parameters = vec![d.0.join("other.json")];
    let o = check(&[d.0.join("main.json")], &opts);
    let apim = o.ws.subnets.iter().find(|s| s.meta.name == "apim").unwrap();
    assert_eq!(
        apim.prefixes.get().unwrap(),
        &vec!["10.7.0.0/28".to_string()]
    );
}

/// `--parameters` applies to every template of the run (it is read and parsed once).
#[test]
fn explicit_parameters_apply_to_every_template() {
    let d = Dir::new(
        "explicit-two",
        &[
            ("a/main.json", template(NETWORK).as_bytes()),
            ("b/main.json", template(&NETWORK.replace("'a'", "'b'")).as_bytes()),
            (
                "p.json",
                br#"{ "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
  "contentVersion": "1.0.0.0", "parameters": { "prefix": { "value": "10.7.0.0/28" } } }"#,
            ),
        ],
    );
    let mut opts = stv2lint::CheckOptions::default();
    opts.load.parameters = vec![d.0.join("p.json")];
    let o = check(&[d.0.join("a"), d.0.join("b")], &opts);
    let apims: Vec<_> =
        o.ws.subnets
            .iter()
            .filter(|s| s.meta.name == "apim")
            .collect();
    assert_eq!(apims.len(), 2);
    for s in apims {
        assert_eq!(s.prefixes.get().unwrap(), &vec!["10.7.0.0/28".to_string()]);
    }
}

#[test]
fn nested_deployments_language_v2_and_reference() {
    let t = format!(
        "{{ \"$schema\": \"{SCHEMA}\", \"languageVersion\": \"2.0\", \"contentVersion\": \"1.0.0.0\", {} }}",
        r#""resources": {
    "vnet": { "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-04-01", "name": "v",
      "properties": { "subnets": [ { "name": "apim", "properties": { "addressPrefix": "10.0.0.0/27" } } ] } },
    "net": { "type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "net",
      "properties": { "expressionEvaluationOptions": { "scope": "inner" }, "mode": "Incremental",
        "parameters": { "subnetId": { "value": "[reference('vnet').subnets[0].id]" }, "name": { "value": "nsg-inner" } },
        "template": { "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
          "contentVersion": "1.0.0.0",
          "parameters": { "subnetId": { "type": "string" }, "name": { "type": "string" } },
          "resources": [ { "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-04-01", "name": "[parameters('name')]" } ],
          "outputs": { "nsgId": { "type": "string", "value": "[resourceId('Microsoft.Network/networkSecurityGroups', parameters('name'))]" } } } } },
    "outer": { "type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "outer",
      "properties": { "mode": "Incremental", "template": { "resources": [
        { "type": "Microsoft.Network/routeTables", "apiVersion": "2023-04-01", "name": "[parameters('rtName')]" } ] } } },
    "apim": { "type": "Microsoft.ApiManagement/service", "apiVersion": "2023-05-01-preview", "name": "apim",
      "location": "westeurope", "sku": { "name": "Developer", "capacity": 1 },
      "properties": { "virtualNetworkType": "Internal",
        "virtualNetworkConfiguration": { "subnetResourceId": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'v', 'apim')]" },
        "publicIpAddressId": "[reference('net').outputs.nsgId.value]" } }
  },
  "parameters": { "rtName": { "type": "string", "defaultValue": "rt-outer" } }"#
    );
    let d = Dir::new("nested", &[("main.json", t.as_bytes())]);
    let o = d.check();
    assert!(
        o.ws.nsgs.iter().any(|n| n.meta.name == "nsg-inner"),
        "inner scope gets its parameters"
    );
    assert!(
        o.ws.route_tables.iter().any(|r| r.meta.name == "rt-outer"),
        "outer scope reads the parent's parameters"
    );
    let apim = &o.ws.apims[0];
    let out = apim.locations[0].public_ip.as_ref().unwrap().get().unwrap();
    assert!(out.ends_with("networkSecurityGroups/nsg-inner"), "{out}");
    assert!(
        codes(&o, Code::Stv001).is_empty(),
        "{:?}",
        codes(&o, Code::Stv001)
    );
}

#[test]
fn linked_templates_in_the_run_are_followed() {
    let main = template(
        r#""variables": { "base": "https://raw.githubusercontent.com/org/repo/main/infra/" },
  "resources": [ { "type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "child",
    "properties": { "mode": "Incremental",
      "templateLink": { "uri": "[uri(variables('base'), 'nested/nsg.json')]" },
      "parameters": { "name": { "value": "linked-nsg" } } } },
    { "type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "remote",
    "properties": { "mode": "Incremental", "templateLink": { "uri": "https://example.com/elsewhere.json" } } } ]"#,
    );
    let nested = template(
        r#""parameters": { "name": { "type": "string" } },
  "resources": [ { "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-04-01", "name": "[parameters('name')]" } ]"#,
    );
    let d = Dir::new(
        "linked",
        &[
            ("main.json", main.as_bytes()),
            ("nested/nsg.json", nested.as_bytes()),
        ],
    );
    let o = d.check();
    let names: Vec<_> = o.ws.nsgs.iter().map(|n| n.meta.name.clone()).collect();
    assert_eq!(
        names,
        vec!["linked-nsg"],
        "evaluated once, through its link"
    );
    assert!(o.diagnostics.iter().all(|d| d.code != Code::Stv001));
}

#[test]
fn invalid_expressions_are_reported_at_their_line() {
    let t = template(
        "\"resources\": [\n { \"type\": \"Microsoft.Network/networkSecurityGroups\", \"apiVersion\": \"2023-04-01\",\n \"name\": \"[concat('a',]\" } ]",
    );
    let d = Dir::new("badexpr", &[("t.json", t.as_bytes())]);
    let o = d.check();
    let errs = codes(&o, Code::Stv001);
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].1, 3);
    assert!(errs[0].2.contains("invalid template expression"));
}

#[test]
fn deep_and_huge_inputs_do_not_crash() {
    let deep = format!(
        "{{\"resources\": {}1{} , \"contentVersion\": \"1\"}}",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let big_copy = template(
        r#""resources": [ { "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-04-01", "name": "[concat('n', copyIndex())]", "copy": { "name": "l", "count": 100000000 } } ]"#,
    );
    let d = Dir::new(
        "deep",
        &[
            ("deep.json", deep.as_bytes()),
            ("copy.json", big_copy.as_bytes()),
        ],
    );
    let o = d.check();
    assert!(o.ws.nsgs.len() <= 800);
    assert!(codes(&o, Code::Stv001)
        .iter()
        .any(|(f, _, _)| f == "deep.json"));
}

/// A name the evaluator cannot compute gets one symbol from its expression, so a child whose
/// `parent/child` name is built from the same expression links to it; copies that read
/// `copyIndex()` and nested deployments stay distinct.
#[test]
fn unknown_names_link_children_by_expression_and_stay_distinct() {
    let rule = |name: &str| {
        format!(
            r#"{{ "type": "Microsoft.Network/networkSecurityGroups/securityRules", "apiVersion": "2023-09-01",
                 "name": "{name}", "properties": {{ "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp" }} }}"#
        )
    };
    let body = format!(
        r#""parameters": {{ "stamp": {{ "type": "string", "defaultValue": "[utcNow()]" }} }},
        "variables": {{ "nsg": "[concat('nsg-', parameters('stamp'))]" }},
        "resources": [
          {r1},
          {{ "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-09-01",
             "name": "[variables('nsg')]", "location": "westeurope", "properties": {{}} }},
          {{ "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-09-01",
             "name": "[concat(variables('nsg'), '-', copyIndex())]", "location": "westeurope",
             "copy": {{ "name": "more", "count": 2 }}, "properties": {{}} }},
          {r2}
        ]"#,
        r1 = rule("[concat(variables('nsg'), '/a')]"),
        r2 = rule("[format('{0}/{1}', variables('nsg'), 'b')]"),
    );
    let d = Dir::new(
        "unknown-names",
        &[("azuredeploy.json", template(&body).as_bytes())],
    );
    let o = d.check();
    let mut nsgs: Vec<(String, usize)> =
        o.ws.nsgs
            .iter()
            .map(|n| (n.meta.name.clone(), n.rules.len()))
            .collect();
    nsgs.sort();
    assert_eq!(nsgs.len(), 3, "{nsgs:?}");
    assert!(
        nsgs.contains(&("variables('nsg')".to_string(), 2)),
        "{nsgs:?}"
    );
    assert_eq!(nsgs.iter().map(|n| n.1).sum::<usize>(), 2, "{nsgs:?}");
}

/// A copy count Azure refuses (over 800, or negative) is said where it is written: Azure
/// rejects the template, and the copies stv2lint checks are not what any deployment makes.
#[test]
fn a_copy_count_azure_refuses_is_said() {
    let t = template(
        r#""resources": [
  { "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-09-01",
    "name": "[concat('nsg', copyIndex())]", "location": "westeurope",
    "copy": { "name": "many",
      "count": 1000 } },
  { "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-09-01",
    "name": "[concat('neg', copyIndex())]", "location": "westeurope",
    "copy": { "name": "negative", "count": -1 } },
  { "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-09-01",
    "name": "[concat('ok', copyIndex())]", "location": "westeurope",
    "copy": { "name": "fine", "count": 800 } }
]"#,
    );
    let d = Dir::new("copy-limit", &[("t.json", t.as_bytes())]);
    let said: Vec<(usize, String)> = codes(&d.check(), Code::Stv002)
        .into_iter()
        .map(|(_, line, m)| (line, m))
        .collect();
    assert_eq!(said.len(), 2, "{said:?}");
    assert_eq!(said[0].0, 5, "{said:?}");
    assert!(
        said[0]
            .1
            .contains("copy 'many' has count 1000, outside the 0–800"),
        "{said:?}"
    );
    assert!(
        said[1].1.contains("copy 'negative' has count -1"),
        "{said:?}"
    );
}
