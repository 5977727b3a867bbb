//! Every built-in ARM and Bicep both evaluate, written once as an ARM expression and once as
//! Bicep with the same arguments, must give the same value. The value travels the same road in
//! both: `string()` of it (with `/` replaced, so ids stay one name segment) becomes the name of
//! a network security group, read back from the model. A case that drifts (a function one front
//! end evaluates and the other leaves unknown, a lambda that binds differently) fails here.

use std::path::PathBuf;
use stv2lint::code::Code;
use stv2lint::{check, CheckOptions};

/// (ARM expression without brackets, the same in Bicep).
const CASES: &[(&str, &str)] = &[
    // Strings.
    ("concat('a', 'b', 'c')", "concat('a', 'b', 'c')"),
    ("format('{0}-{1}', 'a', 7)", "format('{0}-{1}', 'a', 7)"),
    ("toLower('AbC')", "toLower('AbC')"),
    ("toUpper('AbC')", "toUpper('AbC')"),
    ("trim('  a b  ')", "trim('  a b  ')"),
    ("replace('a-b-c', '-', '+')", "replace('a-b-c', '-', '+')"),
    ("split('a,b;c', createArray(',', ';'))", "split('a,b;c', [',', ';'])"),
    ("join(createArray('a', 'b'), '-')", "join(['a', 'b'], '-')"),
    ("substring('abcdef', 1, 3)", "substring('abcdef', 1, 3)"),
    ("startsWith('abc', 'AB')", "startsWith('abc', 'AB')"),
    ("endsWith('abc', 'bc')", "endsWith('abc', 'bc')"),
    ("indexOf('abcb', 'b')", "indexOf('abcb', 'b')"),
    ("lastIndexOf('abcb', 'b')", "lastIndexOf('abcb', 'b')"),
    ("padLeft('7', 3, '0')", "padLeft('7', 3, '0')"),
    ("string(createObject('a', 1, 'b', createArray(true, null)))", "string({ a: 1, b: [true, null] })"),
    ("uri('https://x.example/a/b', 'c')", "uri('https://x.example/a/b', 'c')"),
    // Collections.
    ("createArray(1, 'a')", "[1, 'a']"),
    ("array('x')", "array('x')"),
    ("length('abc')", "length('abc')"),
    ("length(createArray(1, 2, 3))", "length([1, 2, 3])"),
    ("empty('')", "empty('')"),
    ("contains('abc', 'b')", "contains('abc', 'b')"),
    ("contains(createObject('a', 1), 'A')", "contains({ a: 1 }, 'A')"),
    ("first(createArray(1, 2))", "first([1, 2])"),
    ("last('xyz')", "last('xyz')"),
    ("take(createArray(1, 2, 3), 2)", "take([1, 2, 3], 2)"),
    ("skip(createArray(1, 2, 3), 2)", "skip([1, 2, 3], 2)"),
    ("union(createObject('a', 1), createObject('b', 2))", "union({ a: 1 }, { b: 2 })"),
    ("union(createArray(1, 2), createArray(2, 3))", "union([1, 2], [2, 3])"),
    ("intersection(createArray(1, 2), createArray(2, 3))", "intersection([1, 2], [2, 3])"),
    ("flatten(createArray(createArray(1), createArray(2, 3)))", "flatten([[1], [2, 3]])"),
    ("objectKeys(createObject('a', 1, 'b', 2))", "objectKeys({ a: 1, b: 2 })"),
    ("items(createObject('a', 1))", "items({ a: 1 })"),
    ("json('{\"a\": [1, 2]}')", "json('{\"a\": [1, 2]}')"),
    ("shallowMerge(createArray(createObject('a', 1), createObject('a', 2, 'b', 3)))", "shallowMerge([{ a: 1 }, { a: 2, b: 3 }])"),
    ("tryGet(createObject('a', 1), 'a')", "tryGet({ a: 1 }, 'a')"),
    ("range(3, 4)", "range(3, 4)"),
    ("min(3, 1, 2)", "min(3, 1, 2)"),
    ("max(createArray(3, 1, 2))", "max([3, 1, 2])"),
    ("coalesce(null, 'x')", "coalesce(null, 'x')"),
    ("int('42')", "int('42')"),
    ("bool('true')", "bool('true')"),
    // Operators Bicep writes as symbols.
    ("add(2, 3)", "2 + 3"),
    ("sub(2, 3)", "2 - 3"),
    ("mul(2, 3)", "2 * 3"),
    ("div(7, 2)", "7 / 2"),
    ("mod(7, 2)", "7 % 2"),
    ("equals('a', 'a')", "'a' == 'a'"),
    ("not(equals(1, 2))", "1 != 2"),
    ("and(true, false)", "true && false"),
    ("or(true, false)", "true || false"),
    ("less(1, 2)", "1 < 2"),
    ("greaterOrEquals(1, 2)", "1 >= 2"),
    ("if(equals(1, 1), 'yes', 'no')", "1 == 1 ? 'yes' : 'no'"),
    // Networks and ids.
    ("parseCidr('10.1.0.0/22')", "parseCidr('10.1.0.0/22')"),
    ("cidrSubnet('10.0.0.0/16', 24, 2)", "cidrSubnet('10.0.0.0/16', 24, 2)"),
    ("cidrHost('10.0.0.0/24', 3)", "cidrHost('10.0.0.0/24', 3)"),
    ("subscriptionResourceId('00000000-0000-0000-0000-000000000000', 'Microsoft.Resources/resourceGroups', 'rg')", "subscriptionResourceId('00000000-0000-0000-0000-000000000000', 'Microsoft.Resources/resourceGroups', 'rg')"),
    ("tenantResourceId('Microsoft.Management/managementGroups', 'mg')", "tenantResourceId('Microsoft.Management/managementGroups', 'mg')"),
    // Lambdas.
    ("map(createArray(1, 2), lambda('x', mul(lambdaVariables('x'), 2)))", "map([1, 2], x => x * 2)"),
    ("map(createArray('a', 'b'), lambda('x', 'i', concat(lambdaVariables('x'), string(lambdaVariables('i')))))", "map(['a', 'b'], (x, i) => '${x}${i}')"),
    ("filter(createArray(1, 2, 3), lambda('x', greater(lambdaVariables('x'), 1)))", "filter([1, 2, 3], x => x > 1)"),
    ("reduce(createArray(1, 2, 3), 10, lambda('a', 'x', add(lambdaVariables('a'), lambdaVariables('x'))))", "reduce([1, 2, 3], 10, (a, x) => a + x)"),
    ("sort(createArray(3, 1, 2), lambda('a', 'b', less(lambdaVariables('a'), lambdaVariables('b'))))", "sort([3, 1, 2], (a, b) => a < b)"),
    ("toObject(createArray('a', 'b'), lambda('x', lambdaVariables('x')), lambda('x', toUpper(lambdaVariables('x'))))", "toObject(['a', 'b'], x => x, x => toUpper(x))"),
    ("groupBy(createArray('ab', 'ac', 'b'), lambda('x', first(lambdaVariables('x'))))", "groupBy(['ab', 'ac', 'b'], x => first(x))"),
    ("mapValues(createObject('a', 1, 'b', 2), lambda('v', mul(lambdaVariables('v'), 10)))", "mapValues({ a: 1, b: 2 }, v => v * 10)"),
];

fn nsg_names(files: &[(&str, String)]) -> Vec<String> {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("stv2lint-parity-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (f, text) in files {
        std::fs::write(dir.join(f), text).unwrap();
    }
    let o = check(&[PathBuf::from(&dir)], &CheckOptions::default());
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        o.diagnostics.iter().all(|d| d.code != Code::Stv001),
        "{:?}",
        o.diagnostics.iter().map(|d| &d.message).collect::<Vec<_>>()
    );
    let mut names: Vec<String> = o.ws.nsgs.iter().map(|n| n.meta.name.clone()).collect();
    names.sort();
    names
}

#[test]
fn arm_and_bicep_built_ins_give_the_same_values() {
    let mut arm = Vec::new();
    let mut bicep = String::new();
    for (i, (a, b)) in CASES.iter().enumerate() {
        let a = a.replace('"', "\\\"");
        arm.push(format!(
            r#"{{ "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-04-01", "location": "westeurope",
  "name": "[concat('c{i:02}=', replace(string({a}), '/', '~'))]", "properties": {{ "securityRules": [] }} }}"#
        ));
        bicep.push_str(&format!(
            "resource n{i} 'Microsoft.Network/networkSecurityGroups@2023-04-01' = {{\n  name: 'c{i:02}=${{replace(string({b}), '/', '~')}}'\n  location: 'westeurope'\n  properties: {{ securityRules: [] }}\n}}\n"
        ));
    }
    let template = format!(
        r#"{{ "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "contentVersion": "1.0.0.0", "resources": [ {} ] }}"#,
        arm.join(",\n")
    );
    let from_arm = nsg_names(&[("azuredeploy.json", template)]);
    let from_bicep = nsg_names(&[("main.bicep", bicep)]);
    // Every case gives a known value in both (an unknown name would leave no NSG)…
    assert_eq!(from_arm.len(), CASES.len(), "ARM: {from_arm:#?}");
    assert_eq!(from_bicep.len(), CASES.len(), "Bicep: {from_bicep:#?}");
    // …and the same one.
    let differ: Vec<String> = from_arm
        .iter()
        .zip(&from_bicep)
        .filter(|(a, b)| a != b)
        .map(|(a, b)| format!("ARM {a}\n  Bicep {b}"))
        .collect();
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}
