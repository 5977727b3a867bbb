//! The quick fix for a missing required NSG flow: the allow rule, written in the file's own
//! syntax (ARM JSON, Bicep, Terraform inline `security_rule` or a separate
//! `azurerm_network_security_rule`). The facts come from the flow table, the place and the
//! priority from the finding; this module only writes text.

use crate::rules::flows::FlowSpec;
use crate::source::Lang;

/// An insertion: at byte `at`, insert `text`.
#[derive(Debug, PartialEq, Eq)]
pub struct Insert {
    pub at: usize,
    pub text: String,
}

/// The rule's name: `AllowApimF03` (the twin outbound row `AllowApimF16Out`).
fn rule_name(flow: &FlowSpec) -> String {
    let key = flow.key();
    let mut out = String::from("AllowApim");
    for part in key.split('-') {
        let mut c = part.chars();
        if let Some(f) = c.next() {
            out.push(f.to_ascii_uppercase());
            out.push_str(c.as_str());
        }
    }
    out
}

/// A side of the flow as an address prefix: the API Management subnet is inside `VirtualNetwork`.
fn side(s: &str) -> &str {
    if s.eq_ignore_ascii_case("subnet") {
        "VirtualNetwork"
    } else {
        s
    }
}

fn direction(flow: &FlowSpec) -> &'static str {
    match flow.direction() {
        crate::model::Direction::Inbound => "Inbound",
        crate::model::Direction::Outbound => "Outbound",
    }
}

/// `(key, value)` pairs of the rule's properties, the destination ports singular or plural.
fn fields(flow: &FlowSpec, priority: i64) -> Vec<(&'static str, Value)> {
    let ports = if flow.ports.len() == 1 {
        ("destinationPortRange", Value::Str(flow.ports[0].clone()))
    } else {
        ("destinationPortRanges", Value::List(flow.ports.clone()))
    };
    vec![
        ("priority", Value::Num(priority)),
        ("direction", Value::Str(direction(flow).into())),
        ("access", Value::Str("Allow".into())),
        ("protocol", Value::Str(flow.protocol.clone())),
        ("sourceAddressPrefix", Value::Str(side(&flow.source).into())),
        ("sourcePortRange", Value::Str("*".into())),
        (
            "destinationAddressPrefix",
            Value::Str(side(&flow.destination).into()),
        ),
        ports,
    ]
}

enum Value {
    Str(String),
    Num(i64),
    List(Vec<String>),
}

impl Value {
    fn show(&self, quote: char) -> String {
        match self {
            Value::Str(s) => format!("{quote}{s}{quote}"),
            Value::Num(n) => n.to_string(),
            Value::List(v) => format!(
                "[{}]",
                v.iter()
                    .map(|s| format!("{quote}{s}{quote}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// `destinationPortRange` → `destination_port_range`.
fn snake(key: &str) -> String {
    let mut out = String::new();
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The ARM JSON object; lines after the first are indented by `indent`.
pub fn arm(flow: &FlowSpec, priority: i64, indent: &str) -> String {
    let props: Vec<String> = fields(flow, priority)
        .iter()
        .map(|(k, v)| format!("{indent}    \"{k}\": {}", v.show('"')))
        .collect();
    format!(
        "{{\n{indent}  \"name\": \"{}\",\n{indent}  \"properties\": {{\n{}\n{indent}  }}\n{indent}}}",
        rule_name(flow),
        props.join(",\n")
    )
}

/// The Bicep object; lines after the first are indented by `indent`.
pub fn bicep(flow: &FlowSpec, priority: i64, indent: &str) -> String {
    let props: Vec<String> = fields(flow, priority)
        .iter()
        .map(|(k, v)| format!("{indent}    {k}: {}", v.show('\'').replace(", ", " ")))
        .collect();
    format!(
        "{{\n{indent}  name: '{}'\n{indent}  properties: {{\n{}\n{indent}  }}\n{indent}}}",
        rule_name(flow),
        props.join("\n")
    )
}

/// Terraform attribute lines (`name = …`), aligned, each prefixed by `indent`.
fn hcl_lines(flow: &FlowSpec, priority: i64, extra: &[(&str, String)], indent: &str) -> String {
    let mut kv: Vec<(String, String)> = vec![("name".into(), format!("\"{}\"", rule_name(flow)))];
    kv.extend(
        fields(flow, priority)
            .iter()
            .map(|(k, v)| (snake(k), v.show('"'))),
    );
    kv.extend(extra.iter().map(|(k, v)| (k.to_string(), v.clone())));
    let width = kv.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    kv.iter()
        .map(|(k, v)| format!("{indent}{k:width$} = {v}\n"))
        .collect()
}

/// The inline `security_rule { … }` block; lines after the first are indented by `indent`.
pub fn terraform_inline(flow: &FlowSpec, priority: i64, indent: &str) -> String {
    format!(
        "security_rule {{\n{}{indent}}}",
        hcl_lines(flow, priority, &[], &format!("{indent}  "))
    )
}

/// A separate `azurerm_network_security_rule` resource naming the NSG and its resource group
/// with the expressions given.
pub fn terraform_resource(flow: &FlowSpec, priority: i64, rg: &str, nsg: &str) -> String {
    let extra = [
        ("resource_group_name", rg.to_string()),
        ("network_security_group_name", nsg.to_string()),
    ];
    format!(
        "resource \"azurerm_network_security_rule\" \"{}\" {{\n{}}}",
        snake(&rule_name(flow)).trim_start_matches('_'),
        hcl_lines(flow, priority, &extra, "  ")
    )
}

/// The whitespace before byte `at` on its line, when only whitespace precedes it.
fn indent_at(text: &str, at: usize) -> Option<String> {
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[start..at];
    before
        .chars()
        .all(|c| c == ' ' || c == '\t')
        .then(|| before.to_string())
}

/// The whitespace that starts the line containing byte `at`.
fn line_indent(text: &str, at: usize) -> String {
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    text[start..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect()
}

/// The value of `key = <expr>` on one line of an HCL block.
fn hcl_attr(block: &str, key: &str) -> Option<String> {
    block.lines().find_map(|l| {
        let (k, v) = l.split_once('=')?;
        (k.trim() == key).then(|| v.trim().to_string())
    })
}

/// Where and what to insert. `before`: the deny rule the new rule must precede (its whole
/// declaration), when a custom rule blocks the flow; `nsg`: the NSG's declaration. `None` when
/// the text does not have the expected shape (a rule list built by an expression).
/// `separate`: the NSG's rules are separate resources (wherever they are written), so a
/// Terraform rule is added as one too.
pub fn insertion(
    lang: Lang,
    text: &str,
    flow: &FlowSpec,
    priority: i64,
    before: Option<(usize, usize)>,
    nsg: (usize, usize),
    separate: bool,
) -> Option<Insert> {
    let get = |(s, e): (usize, usize)| text.get(s..e);
    if let Some((s, e)) = before {
        let deny = get((s, e))?;
        let indent = indent_at(text, s)?;
        let ins = |t: String| Some(Insert { at: s, text: t });
        return match lang {
            Lang::Json if deny.starts_with('{') => {
                ins(format!("{},\n{indent}", arm(flow, priority, &indent)))
            }
            Lang::Bicep if deny.starts_with('{') => {
                ins(format!("{}\n{indent}", bicep(flow, priority, &indent)))
            }
            Lang::Terraform if deny.starts_with("security_rule") => ins(format!(
                "{}\n{indent}",
                terraform_inline(flow, priority, &indent)
            )),
            Lang::Terraform if deny.starts_with("resource") => {
                let rg = hcl_attr(deny, "resource_group_name")?;
                let nsg = hcl_attr(deny, "network_security_group_name")?;
                ins(format!(
                    "{}\n\n{indent}",
                    terraform_resource(flow, priority, &rg, &nsg)
                ))
            }
            _ => insertion(lang, text, flow, priority, None, nsg, separate),
        };
    }
    let (s, e) = nsg;
    let body = get(nsg)?;
    match lang {
        Lang::Json | Lang::Bicep => {
            let key = body.find("securityRules")?;
            let after = &body[key + "securityRules".len()..];
            let open = after.find('[')?;
            if !after[..open]
                .chars()
                .all(|c| c == '"' || c == ':' || c.is_whitespace())
            {
                return None;
            }
            let at = s + key + "securityRules".len() + open + 1;
            let indent = format!("{}  ", line_indent(text, s + key));
            let empty = text[at..].trim_start().starts_with(']');
            let obj = if lang == Lang::Json {
                arm(flow, priority, &indent)
            } else {
                bicep(flow, priority, &indent)
            };
            let tail = match (lang, empty) {
                (_, true) => format!("\n{}", line_indent(text, s + key)),
                (Lang::Json, false) => ",".into(),
                _ => String::new(),
            };
            Some(Insert {
                at,
                text: format!("\n{indent}{obj}{tail}"),
            })
        }
        Lang::Terraform => {
            if let Some(first) = find_block(body, "security_rule") {
                let at = s + first;
                let indent = indent_at(text, at)?;
                return Some(Insert {
                    at,
                    text: format!("{}\n{indent}", terraform_inline(flow, priority, &indent)),
                });
            }
            if separate {
                let header = body.lines().next()?;
                let label = header.split('"').nth(3)?;
                let r = format!("azurerm_network_security_group.{label}");
                return Some(Insert {
                    at: e,
                    text: format!(
                        "\n\n{}",
                        terraform_resource(
                            flow,
                            priority,
                            &format!("{r}.resource_group_name"),
                            &format!("{r}.name")
                        )
                    ),
                });
            }
            let close = body.rfind('}')?;
            let at = s + close;
            let indent = format!("{}  ", line_indent(text, at));
            let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
            Some(Insert {
                at: line_start,
                text: format!("\n{indent}{}\n", terraform_inline(flow, priority, &indent)),
            })
        }
        _ => None,
    }
}

/// The offset of the first `name {` block opener in an HCL body (not `name = …`, not a longer
/// word).
fn find_block(body: &str, name: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = body[from..].find(name) {
        let at = from + i;
        let prev_ok = at == 0
            || !body[..at]
                .chars()
                .last()
                .is_some_and(|c| c.is_alphanumeric() || c == '_');
        if prev_ok && body[at + name.len()..].trim_start().starts_with('{') {
            return Some(at);
        }
        from = at + name.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::flows::flows;

    fn f03() -> &'static FlowSpec {
        flows().iter().find(|f| f.id == "F03").unwrap()
    }

    #[test]
    fn arm_object_goes_before_the_deny_with_a_comma() {
        let text = "{\"securityRules\": [\n    {\"name\": \"DenyAll\"}\n  ]}";
        let s = text.find("{\"name\"").unwrap();
        let e = text.find('}').unwrap() + 1;
        let ins = insertion(
            Lang::Json,
            text,
            f03(),
            4000,
            Some((s, e)),
            (0, text.len()),
            false,
        )
        .unwrap();
        assert_eq!(ins.at, s);
        assert!(ins.text.ends_with("},\n    "), "{}", ins.text);
        assert!(ins.text.contains("\"destinationPortRange\": \"3443\""));
        assert!(ins
            .text
            .contains("\"sourceAddressPrefix\": \"ApiManagement\""));
        assert!(ins.text.contains("\"priority\": 4000"));
        let mut out = text.to_string();
        out.insert_str(ins.at, &ins.text);
        serde_json::from_str::<serde_json::Value>(&out).expect("still JSON");
    }

    #[test]
    fn arm_empty_rule_list_gets_the_object_alone() {
        let text = "{\"properties\": {\"securityRules\": []}}";
        let ins = insertion(Lang::Json, text, f03(), 100, None, (0, text.len()), false).unwrap();
        let mut out = text.to_string();
        out.insert_str(ins.at, &ins.text);
        let v: serde_json::Value = serde_json::from_str(&out).expect("still JSON");
        assert_eq!(
            v["properties"]["securityRules"][0]["properties"]["protocol"],
            "Tcp"
        );
    }

    #[test]
    fn bicep_object_has_no_commas_and_bicep_quotes() {
        let text = "resource nsg 'x' = {\n  properties: {\n    securityRules: [\n      {\n        name: 'a'\n      }\n    ]\n  }\n}";
        let ins = insertion(Lang::Bicep, text, f03(), 110, None, (0, text.len()), false).unwrap();
        assert!(
            ins.text.contains("destinationPortRange: '3443'"),
            "{}",
            ins.text
        );
        assert!(ins.text.contains("direction: 'Inbound'"));
        assert!(!ins.text.contains(','));
        assert!(!ins.text.contains('"'));
    }

    #[test]
    fn terraform_inline_block_before_the_first_rule() {
        let text = "resource \"azurerm_network_security_group\" \"n\" {\n  name = \"n\"\n  security_rule {\n    name = \"a\"\n  }\n}\n";
        let ins = insertion(
            Lang::Terraform,
            text,
            f03(),
            100,
            None,
            (0, text.len()),
            false,
        )
        .unwrap();
        assert_eq!(ins.at, text.find("security_rule").unwrap());
        assert!(ins.text.starts_with("security_rule {\n"));
        assert!(
            ins.text.contains("destination_port_range     = \"3443\""),
            "{}",
            ins.text
        );
        assert!(ins
            .text
            .contains("source_address_prefix      = \"ApiManagement\""));
    }

    #[test]
    fn terraform_separate_rules_get_a_new_resource() {
        let text = "resource \"azurerm_network_security_group\" \"apim\" {\n  name = \"n\"\n}\n\nresource \"azurerm_network_security_rule\" \"lb\" {\n  name = \"lb\"\n}\n";
        let end = text.find("}\n").unwrap() + 1;
        let ins = insertion(Lang::Terraform, text, f03(), 100, None, (0, end), true).unwrap();
        assert_eq!(ins.at, end);
        assert!(ins
            .text
            .contains("network_security_group_name = azurerm_network_security_group.apim.name"));
        assert!(ins
            .text
            .contains("resource \"azurerm_network_security_rule\" \"allow_apim_f03\""));
    }

    #[test]
    fn terraform_nsg_without_rules_gets_an_inline_block_before_its_end() {
        let text = "resource \"azurerm_network_security_group\" \"apim\" {\n  name = \"n\"\n}\n";
        let end = text.rfind('}').unwrap() + 1;
        let ins = insertion(Lang::Terraform, text, f03(), 100, None, (0, end), false).unwrap();
        let mut out = text.to_string();
        out.insert_str(ins.at, &ins.text);
        assert!(
            out.contains("  name = \"n\"\n\n  security_rule {\n    name "),
            "{out}"
        );
        assert!(out.ends_with("  }\n}\n"), "{out}");
    }

    #[test]
    fn multi_port_flows_use_the_plural_field() {
        let f = flows().iter().find(|f| f.ports.len() > 1).unwrap();
        assert!(arm(f, 100, "").contains("\"destinationPortRanges\": ["));
        assert!(terraform_inline(f, 100, "").contains("destination_port_ranges"));
    }
}
