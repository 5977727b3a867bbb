//! The attributes of the azurerm resources the model reads, as the provider plans them when the
//! configuration leaves them unset: a real plan lists every attribute of the schema, so the
//! generated plans do too ([`super::generate`]), and the loader is exercised on the provider's
//! shape rather than on the configuration's.
//!
//! Only facts of the schema that hold across azurerm v3, v4 and v5 are written: an optional
//! argument is `null`, a list or set argument `[]`, a nested block `[]` with its own attributes
//! filled the same way, and an attribute the provider computes is known only after apply.
//! Provider defaults that changed between majors are left `null`.

use serde_json::{Map, Value as J};

#[derive(Clone, Copy)]
enum A {
    /// Optional argument: `null` when unset.
    Opt,
    /// Optional list or set of primitives: `[]` when unset.
    List,
    /// Computed by the provider when unset: known only after apply.
    Computed,
    /// A nested block (list of objects) with its attributes: `[]` when unset.
    Block(&'static [(&'static str, A)]),
    /// An optional argument with the provider's default, the same in every major.
    Default(&'static str),
    DefaultBool(bool),
    DefaultInt(i64),
}

use A::*;

const TIMEOUTS: (&str, A) = ("timeouts", Opt);

const SERVICE_DELEGATION: &[(&str, A)] = &[("name", Opt), ("actions", List)];
const DELEGATION: &[(&str, A)] = &[
    ("name", Opt),
    ("service_delegation", Block(SERVICE_DELEGATION)),
];

const SUBNET: &[(&str, A)] = &[
    ("name", Opt),
    ("resource_group_name", Opt),
    ("virtual_network_name", Opt),
    ("address_prefixes", List),
    ("delegation", Block(DELEGATION)),
    // Not `service_endpoints`: azurerm v5 replaced it by `service_endpoint` blocks.
    ("service_endpoint_policy_ids", List),
    (
        "private_link_service_network_policies_enabled",
        DefaultBool(true),
    ),
    TIMEOUTS,
];

const SECURITY_RULE: &[(&str, A)] = &[
    ("name", Opt),
    ("description", Opt),
    ("priority", Opt),
    ("direction", Opt),
    ("access", Opt),
    ("protocol", Opt),
    ("source_port_range", Opt),
    ("source_port_ranges", List),
    ("destination_port_range", Opt),
    ("destination_port_ranges", List),
    ("source_address_prefix", Opt),
    ("source_address_prefixes", List),
    ("destination_address_prefix", Opt),
    ("destination_address_prefixes", List),
    ("source_application_security_group_ids", List),
    ("destination_application_security_group_ids", List),
];

const NSG: &[(&str, A)] = &[
    ("name", Opt),
    ("location", Opt),
    ("resource_group_name", Opt),
    // Optional and computed: unset, the provider plans it as the rules it will find.
    ("security_rule", Computed),
    ("tags", Opt),
    TIMEOUTS,
];

/// A separate rule: the inline rule's attributes ([`SECURITY_RULE`]) and these.
const NSG_RULE: &[(&str, A)] = &[
    ("resource_group_name", Opt),
    ("network_security_group_name", Opt),
    TIMEOUTS,
];

const ROUTE: &[(&str, A)] = &[
    ("name", Opt),
    ("address_prefix", Opt),
    ("next_hop_type", Opt),
    ("next_hop_in_ip_address", Opt),
];

const ROUTE_TABLE: &[(&str, A)] = &[
    ("name", Opt),
    ("location", Opt),
    ("resource_group_name", Opt),
    ("route", Computed),
    ("subnets", Computed),
    ("tags", Opt),
    TIMEOUTS,
];

/// A separate route: the inline route's attributes ([`ROUTE`]) and these.
const ROUTE_RES: &[(&str, A)] = &[
    ("resource_group_name", Opt),
    ("route_table_name", Opt),
    TIMEOUTS,
];

const VNET: &[(&str, A)] = &[
    ("name", Opt),
    ("location", Opt),
    ("resource_group_name", Opt),
    ("address_space", List),
    ("bgp_community", Opt),
    ("ddos_protection_plan", Block(DDOS_PLAN)),
    ("edge_zone", Opt),
    ("flow_timeout_in_minutes", Opt),
    ("dns_servers", Computed),
    ("guid", Computed),
    ("subnet", Computed),
    ("tags", Opt),
    TIMEOUTS,
];

const DDOS_PLAN: &[(&str, A)] = &[("id", Opt), ("enable", Opt)];

const PUBLIC_IP: &[(&str, A)] = &[
    ("name", Opt),
    ("location", Opt),
    ("resource_group_name", Opt),
    ("allocation_method", Opt),
    ("domain_name_label", Opt),
    ("fqdn", Computed),
    ("ip_address", Computed),
    ("ip_tags", Opt),
    ("ip_version", Default("IPv4")),
    ("idle_timeout_in_minutes", DefaultInt(4)),
    ("public_ip_prefix_id", Opt),
    ("reverse_fqdn", Opt),
    ("sku", Opt),
    ("zones", List),
    ("tags", Opt),
    TIMEOUTS,
];

const VNET_CONFIG: &[(&str, A)] = &[("subnet_id", Opt)];

const IDENTITY: &[(&str, A)] = &[
    ("type", Opt),
    ("identity_ids", List),
    ("principal_id", Computed),
    ("tenant_id", Computed),
];

const CERTIFICATE: &[(&str, A)] = &[
    ("encoded_certificate", Opt),
    ("store_name", Opt),
    ("certificate_password", Opt),
    ("expiry", Computed),
    ("subject", Computed),
    ("thumbprint", Computed),
];

const ADDITIONAL_LOCATION: &[(&str, A)] = &[
    ("location", Opt),
    ("capacity", Opt),
    ("zones", List),
    ("public_ip_address_id", Opt),
    ("virtual_network_configuration", Block(VNET_CONFIG)),
    ("gateway_disabled", Opt),
    ("gateway_regional_url", Computed),
    ("private_ip_addresses", Computed),
    ("public_ip_addresses", Computed),
];

const APIM: &[(&str, A)] = &[
    ("name", Opt),
    ("location", Opt),
    ("resource_group_name", Opt),
    ("publisher_name", Opt),
    ("publisher_email", Opt),
    ("sku_name", Opt),
    ("zones", List),
    ("additional_location", Block(ADDITIONAL_LOCATION)),
    ("virtual_network_type", Default("None")),
    ("virtual_network_configuration", Block(VNET_CONFIG)),
    ("public_ip_address_id", Opt),
    ("public_network_access_enabled", DefaultBool(true)),
    ("client_certificate_enabled", DefaultBool(false)),
    ("gateway_disabled", DefaultBool(false)),
    ("min_api_version", Opt),
    ("identity", Block(IDENTITY)),
    ("certificate", Block(CERTIFICATE)),
    ("hostname_configuration", Computed),
    ("notification_sender_email", Computed),
    ("protocols", Computed),
    ("security", Computed),
    ("sign_in", Computed),
    ("sign_up", Computed),
    ("tenant_access", Computed),
    ("gateway_url", Computed),
    ("gateway_regional_url", Computed),
    ("management_api_url", Computed),
    ("developer_portal_url", Computed),
    ("portal_url", Computed),
    ("scm_url", Computed),
    ("private_ip_addresses", Computed),
    ("public_ip_addresses", Computed),
    ("tags", Opt),
    TIMEOUTS,
];

const ASSOC_NSG: &[(&str, A)] = &[
    ("subnet_id", Opt),
    ("network_security_group_id", Opt),
    TIMEOUTS,
];
const ASSOC_RT: &[(&str, A)] = &[("subnet_id", Opt), ("route_table_id", Opt), TIMEOUTS];

/// The attributes of a resource type, in parts.
fn of(rtype: &str) -> Option<&'static [&'static [(&'static str, A)]]> {
    Some(match rtype {
        "azurerm_subnet" => &[SUBNET],
        "azurerm_network_security_group" => &[NSG],
        "azurerm_network_security_rule" => &[SECURITY_RULE, NSG_RULE],
        "azurerm_route_table" => &[ROUTE_TABLE],
        "azurerm_route" => &[ROUTE, ROUTE_RES],
        "azurerm_virtual_network" => &[VNET],
        "azurerm_public_ip" => &[PUBLIC_IP],
        "azurerm_api_management" => &[APIM],
        "azurerm_subnet_network_security_group_association" => &[ASSOC_NSG],
        "azurerm_subnet_route_table_association" => &[ASSOC_RT],
        _ => return None,
    })
}

/// Nested blocks the configuration writes whose schema is known, by block name.
fn block_of(rtype: &str, name: &str) -> Option<&'static [(&'static str, A)]> {
    match (rtype, name) {
        ("azurerm_network_security_group", "security_rule") => Some(SECURITY_RULE),
        ("azurerm_route_table", "route") => Some(ROUTE),
        ("azurerm_virtual_network", "subnet") => Some(SUBNET_INLINE),
        _ => of(rtype)?
            .iter()
            .copied()
            .flatten()
            .find_map(|(k, a)| match a {
                Block(b) if *k == name => Some(*b),
                _ => None,
            }),
    }
}

/// The prefix attributes of an inline subnet differ between majors (`address_prefix` in v3,
/// `address_prefixes` in v4): the ones written are kept as they are.
const SUBNET_INLINE: &[(&str, A)] = &[("name", Opt), ("security_group", Opt), ("id", Computed)];

/// Fill a managed resource's `after`/`after_unknown` with the schema's unset attributes. A data
/// source whose read waits for apply (`read_later`) knows none of what it reads.
pub fn complete(rtype: &str, read_later: bool, after: &mut J, unknown: &mut J) {
    let Some(parts) = of(rtype) else { return };
    if read_later {
        let (J::Object(a), J::Object(u)) = (after, unknown) else {
            return;
        };
        for (k, _) in parts.iter().copied().flatten() {
            if !a.contains_key(*k) && *k != TIMEOUTS.0 {
                u.insert(k.to_string(), J::Bool(true));
            }
        }
        return;
    }
    for attrs in parts {
        fill(rtype, attrs, after, unknown);
    }
    // Blocks the configuration wrote get their unset attributes too.
    let J::Object(a) = after else { return };
    for (name, v) in a.iter_mut() {
        let Some(inner) = block_of(rtype, name) else {
            continue;
        };
        let J::Array(items) = v else { continue };
        for (i, item) in items.iter_mut().enumerate() {
            let mut u = unknown
                .get(name)
                .and_then(|l| l.get(i))
                .cloned()
                .unwrap_or(J::Object(Map::new()));
            if !u.is_object() {
                continue;
            }
            fill(rtype, inner, item, &mut u);
            for (k, sub) in inner {
                if let (Block(b), Some(J::Array(list))) = (sub, item.get_mut(*k)) {
                    for x in list {
                        let mut xu = J::Object(Map::new());
                        fill(rtype, b, x, &mut xu);
                    }
                }
            }
            if let Some(J::Array(ul)) = unknown.get_mut(name.as_str()) {
                if let Some(slot) = ul.get_mut(i) {
                    *slot = u;
                }
            }
        }
    }
}

fn fill(_rtype: &str, attrs: &[(&str, A)], after: &mut J, unknown: &mut J) {
    let (J::Object(a), J::Object(u)) = (after, unknown) else {
        return;
    };
    for (k, kind) in attrs {
        if a.contains_key(*k) || u.get(*k) == Some(&J::Bool(true)) {
            continue;
        }
        match kind {
            Opt => {
                a.insert(k.to_string(), J::Null);
            }
            List | Block(_) => {
                a.insert(k.to_string(), J::Array(Vec::new()));
                u.insert(k.to_string(), J::Array(Vec::new()));
            }
            Default(d) => {
                a.insert(k.to_string(), J::from(*d));
            }
            DefaultBool(d) => {
                a.insert(k.to_string(), J::from(*d));
            }
            DefaultInt(d) => {
                a.insert(k.to_string(), J::from(*d));
            }
            Computed => {
                u.insert(k.to_string(), J::Bool(true));
            }
        }
    }
}
