use super::*;
use crate::code::Code;
use crate::frontend::json;

fn doc(text: &str) -> V {
    json::parse(text, FileId(0)).unwrap().value
}

#[test]
fn plans_and_state_are_told_from_other_json() {
    assert!(is_plan(&doc(
        r#"{"format_version":"1.2","planned_values":{"root_module":{}}}"#
    )));
    assert!(is_plan(&doc(
        r#"{"format_version":"1.0","values":{"root_module":{}}}"#
    )));
    assert!(is_plan(&doc(
        r#"{"format_version":"1.2","resource_changes":[]}"#
    )));
    // A version alone, or plan keys alone, is some other JSON.
    assert!(!is_plan(&doc(r#"{"format_version":"1.2","name":"x"}"#)));
    assert!(!is_plan(&doc(r#"{"planned_values":{"root_module":{}}}"#)));
    assert!(!is_plan(&doc(r#"{"format_version":"1.2","values":"x"}"#)));
}

/// Run `check` over one plan text written to a fresh directory.
fn run(name: &str, text: &str) -> crate::Outcome {
    let dir =
        std::env::temp_dir().join(format!("stv2lint-plan-unit-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("tfplan.json"), text).unwrap();
    let out = crate::check(std::slice::from_ref(&dir), &Default::default());
    std::fs::remove_dir_all(&dir).unwrap();
    out
}

#[test]
fn a_plan_without_values_is_reported_not_passed() {
    let out = run("empty", r#"{"format_version":"1.2","resource_changes":[]}"#);
    let d: Vec<_> = out.active().filter(|d| d.code == Code::Stv001).collect();
    assert_eq!(d.len(), 1, "{:?}", out.diagnostics);
    assert!(d[0].message.contains("planned_values.root_module"));
}

#[test]
fn values_known_only_after_apply_are_unknown_with_their_reason() {
    let text = r#"{
  "format_version": "1.2",
  "planned_values": {"root_module": {"resources": [{
    "address": "azurerm_api_management.apim", "mode": "managed",
    "type": "azurerm_api_management", "name": "apim",
    "values": {"name": "contoso-apim", "location": "westeurope", "resource_group_name": "rg",
               "sku_name": null, "virtual_network_type": "External",
               "virtual_network_configuration": [{"subnet_id": null}]}}]}},
  "resource_changes": [{"address": "azurerm_api_management.apim", "mode": "managed",
    "type": "azurerm_api_management", "name": "apim",
    "change": {"actions": ["create"], "after_unknown":
      {"id": true, "sku_name": true, "virtual_network_configuration": [{"subnet_id": true}]}}}]
}"#;
    let out = run("unknown", text);
    assert_eq!(out.instances.found, 1);
    assert_eq!(out.instances.undecided, 1);
    let msgs: Vec<&str> = out
        .active()
        .filter(|d| d.code == Code::Stv002)
        .map(|d| d.message.as_str())
        .collect();
    assert!(!msgs.is_empty());
    assert!(
        msgs.iter().any(|m| m.contains("known only after apply")),
        "{msgs:?}"
    );
    assert!(out
        .active()
        .all(|d| d.severity != crate::diagnostic::Severity::Error));
}

#[test]
fn a_broken_plan_is_a_parse_error() {
    let out = run(
        "broken",
        r#"{"format_version":"1.2","planned_values":{"root_module":{"#,
    );
    assert!(
        out.active().any(|d| d.code == Code::Stv001),
        "{:?}",
        out.diagnostics
    );
}
