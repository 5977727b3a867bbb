//! azurerm resources (v3, v4 and v5 spellings alike) into the model, and the attributes the
//! provider computes (`id`) so that references resolve by Azure identity.

use super::eval::{set_exact, sym_ref, ObjExt};
use crate::model::arm_body;
use crate::model::*;
use crate::source::Span;
use std::borrow::Cow;

/// A name part of an id: the value's text, its stable symbol, or a symbol for the attribute.
fn part(body: &V, attr: &str, label: &str, exact: &mut bool) -> String {
    match body.get_exact(attr) {
        Some(v) if v.as_str().is_some() => v.as_str().unwrap_or_default().to_string(),
        Some(v) if v.as_name().is_some() => {
            *exact = false;
            super::eval::sym_clean(v.as_name().unwrap_or_default())
        }
        _ => {
            *exact = false;
            sym_ref(&format!("{label}.{attr}"))
        }
    }
}

/// The id of a resource of type `rtype` in the body's resource group, named by the attributes
/// `names` (parent first).
fn rg_id(body: &V, label: &str, exact: &mut bool, rtype: &str, names: &[&str]) -> String {
    let rg = part(body, "resource_group_name", label, exact);
    let names: Vec<String> = names.iter().map(|a| part(body, a, label, exact)).collect();
    ResourceId::build(IdScope::ResourceGroup("{subscription}", &rg), rtype, &names).to_string()
}

fn id_value(id: String, exact: bool, label: &str) -> V {
    if exact {
        V::str(id, None)
    } else {
        V::symbolic(
            format!("the id of {label} is only known after apply"),
            id,
            None,
        )
    }
}

/// The ARM id of an azurerm (or azapi) resource; other types get a stable unknown.
pub fn computed(rtype: &str, data: bool, body: &mut V, label: &str) {
    if !data {
        stable_name(body, label);
    }
    let mut exact = true;
    let id = match rtype {
        "azurerm_resource_group" => Some(format!(
            "/subscriptions/{{subscription}}/resourceGroups/{}",
            part(body, "name", label, &mut exact)
        )),
        "azurerm_virtual_network" => Some(rg_id(
            body,
            label,
            &mut exact,
            "Microsoft.Network/virtualNetworks",
            &["name"],
        )),
        "azurerm_subnet" => Some(rg_id(
            body,
            label,
            &mut exact,
            "Microsoft.Network/virtualNetworks/subnets",
            &["virtual_network_name", "name"],
        )),
        "azurerm_virtual_network_peering" => Some(rg_id(
            body,
            label,
            &mut exact,
            "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
            &["virtual_network_name", "name"],
        )),
        "azurerm_network_security_group" => Some(rg_id(
            body,
            label,
            &mut exact,
            "Microsoft.Network/networkSecurityGroups",
            &["name"],
        )),
        "azurerm_network_security_rule" => Some(rg_id(
            body,
            label,
            &mut exact,
            "Microsoft.Network/networkSecurityGroups/securityRules",
            &["network_security_group_name", "name"],
        )),
        "azurerm_route_table" => Some(rg_id(
            body,
            label,
            &mut exact,
            "Microsoft.Network/routeTables",
            &["name"],
        )),
        "azurerm_route" => Some(rg_id(
            body,
            label,
            &mut exact,
            "Microsoft.Network/routeTables/routes",
            &["route_table_name", "name"],
        )),
        "azurerm_public_ip" => Some(rg_id(
            body,
            label,
            &mut exact,
            "Microsoft.Network/publicIPAddresses",
            &["name"],
        )),
        "azurerm_api_management" => Some(rg_id(
            body,
            label,
            &mut exact,
            "Microsoft.ApiManagement/service",
            &["name"],
        )),
        "azapi_resource" => super::azapi::id(body, label, &mut exact),
        // An association's id is its subnet's id.
        "azurerm_subnet_network_security_group_association"
        | "azurerm_subnet_route_table_association" => {
            if let Some(s) = body.get_exact("subnet_id").cloned() {
                set_exact(body, "id", s.at(None));
            }
            return;
        }
        _ => None,
    };
    let id = match id {
        Some(id) => id_value(id, exact, label),
        None if data => return,
        None => V::symbolic(
            format!("{label}.id is only known after apply"),
            sym_ref(&format!("{label}.id")),
            None,
        ),
    };
    // Inline subnets of a virtual network get their ids too (`…subnet[*].id`).
    if rtype == "azurerm_virtual_network" {
        let vnet_id = id.as_name().unwrap_or_default().to_string();
        let vnet_exact = !id.is_unknown();
        if let Some(VKind::Arr(items)) = body.get_exact("subnet").map(|v| v.kind.clone()) {
            let items: Vec<V> = items
                .into_iter()
                .map(|mut s| {
                    if s.as_object().is_some() {
                        let mut ok = vnet_exact;
                        let name = part(&s, "name", &format!("{label}.subnet"), &mut ok);
                        let sid = id_value(format!("{vnet_id}/subnets/{name}"), ok, label);
                        set_exact(&mut s, "id", sid);
                    }
                    s
                })
                .collect();
            let span = body.get_exact("subnet").and_then(|v| v.span);
            set_exact(body, "subnet", V::arr(items, span));
        }
    }
    if body.get_exact("id").map_or(true, |v| v.is_null()) {
        set_exact(body, "id", id);
    }
}

/// A declared resource whose `name` cannot be known (a registry module's output, a function
/// the evaluator does not compute) still has one name: the symbol of its address (which
/// includes the instance key), so that children referring to `<address>.name` link to it.
fn stable_name(body: &mut V, label: &str) {
    let Some(n) = body.get_exact("name") else {
        return;
    };
    if let VKind::Unknown(u) = &n.kind {
        if u.sym.is_none() {
            let mut v = V::symbolic(u.reason.clone(), sym_ref(&format!("{label}.name")), n.span);
            v.origin = n.origin;
            set_exact(body, "name", v);
        }
    }
}

/// The resource types this module turns into model resources.
pub fn is_relevant(rtype: &str) -> bool {
    matches!(
        rtype,
        "azurerm_api_management"
            | "azurerm_virtual_network"
            | "azurerm_subnet"
            | "azurerm_network_security_group"
            | "azurerm_network_security_rule"
            | "azurerm_route_table"
            | "azurerm_route"
            | "azurerm_public_ip"
            | "azurerm_subnet_network_security_group_association"
            | "azurerm_subnet_route_table_association"
            | "azurerm_api_management_logger"
            | "azurerm_api_management_named_value"
            | "azurerm_api_management_certificate"
            | "azurerm_api_management_identity_provider_aad"
            | "azurerm_api_management_identity_provider_aadb2c"
            | "azurerm_private_endpoint"
            | "azurerm_virtual_network_dns_servers"
            | "azurerm_private_dns_zone"
            | "azurerm_private_dns_zone_virtual_network_link"
            | "azurerm_virtual_network_peering"
            | "azurerm_monitor_autoscale_setting"
    ) || PIP_USERS.contains(&rtype)
}

/// Types that take public IP addresses through `public_ip_address_id` (R-PIP-9).
const PIP_USERS: &[&str] = &[
    "azurerm_lb",
    "azurerm_network_interface",
    "azurerm_nat_gateway_public_ip_association",
    "azurerm_application_gateway",
    "azurerm_firewall",
    "azurerm_bastion_host",
    "azurerm_virtual_network_gateway",
];

/// Every `public_ip_address_id` in a body and its nested blocks, up to a small depth.
fn pip_refs(v: &V, out: &mut Vec<Field<String>>) {
    v.visit_entries(4, &mut |k, x| {
        if k != "public_ip_address_id" {
            return false;
        }
        if !x.is_null() {
            out.push(reference(x));
        }
        true
    });
}

/// One evaluated resource instance.
pub struct Res<'a> {
    pub rtype: &'a str,
    pub label: String,
    pub body: &'a V,
    pub decl: Span,
    /// azurerm major version the configuration installs (3, 4, 5 …).
    pub major: u32,
    /// Whether it is deployed, when its `count` is not known ([`crate::model::presence`]).
    pub deployed: Option<&'a crate::model::Presence>,
}

/// Present and not null.
fn get<'v>(v: &'v V, k: &str) -> Option<&'v V> {
    v.get_exact(k).filter(|x| !x.is_null())
}

/// Nested blocks (or an attribute list of objects); an unknown `dynamic` stays as an unknown item.
fn blocks<'v>(v: &'v V, k: &str) -> Vec<&'v V> {
    match get(v, k).map(|x| &x.kind) {
        Some(VKind::Arr(items)) => items.iter().collect(),
        Some(VKind::Obj(_)) | Some(VKind::Unknown(_)) => get(v, k).into_iter().collect(),
        _ => vec![],
    }
}

/// [`blocks`], where a list that is one of several known lists ([`alternative_items`]; the
/// evaluator makes one of a `dynamic` over alternatives) gives each distinct block once, with
/// the choices under which it is deployed.
fn blocks_when<'v>(v: &'v V, k: &str) -> Vec<(Cow<'v, V>, Option<Presence>)> {
    if let Some(items) = get(v, k).and_then(alternative_items) {
        return items
            .into_iter()
            .map(|(it, p)| (Cow::Owned(it), p))
            .collect();
    }
    blocks(v, k)
        .into_iter()
        .map(|b| (Cow::Borrowed(b), None))
        .collect()
}

fn text(v: Option<&V>) -> Option<String> {
    v.and_then(|x| x.as_name()).map(str::to_string)
}

fn req_str(v: &V, k: &str, what: &str, decl: Span) -> Field<String> {
    match get(v, k) {
        Some(x) => Field::string(x),
        None => Field::unknown(format!("{what} has no {k}"), Some(decl)),
    }
}

/// A list field whose origin is the first element's when the list itself was written here.
fn strings(v: &V) -> Field<Vec<String>> {
    let mut f = Field::strings(v);
    if f.origin().is_none() {
        if let Some(first) = v.as_array().and_then(|a| a.first()) {
            let o = first.origin.or(first.span);
            if o != f.at {
                f.set_origin(o);
            }
        }
    }
    f
}

fn meta(id: &V, arm_type: &str, label: &str, name: &str, decl: Span, rg: Option<&str>) -> Meta {
    let key = id
        .as_name()
        .and_then(ResKey::from_id)
        .unwrap_or_else(|| ResKey::new(arm_type, name, rg));
    Meta {
        key,
        label: label.to_string(),
        name: name.rsplit('/').next().unwrap_or(name).to_string(),
        decl,
        format: Format::Terraform,
        suppress: Vec::new(),
        unit: crate::model::UnitId::NONE,
    }
}

/// The subscription scope of a resource, read from its id: a child joined to its parent by
/// name joins only a parent of the same provider configuration.
fn sub_of(body: &V) -> Option<String> {
    ResKey::from_id(get(body, "id")?.as_name()?)?.sub
}

fn name_of(body: &V, label: &str) -> String {
    text(get(body, "name")).unwrap_or_else(|| sym_ref(&format!("{label}.name")))
}

/// A reference to another resource by id. A stable unknown that is not even shaped like an
/// ARM id (a module output, a variable) is unknown, with its reason.
fn reference(v: &V) -> Field<String> {
    match &v.kind {
        VKind::Unknown(u) if u.sym.as_deref().and_then(ResKey::from_id).is_none() => {
            Field::unknown(u.reason.to_string(), v.span).with_origin(v.origin)
        }
        _ => Field::name(v),
    }
}

/// A subnet's NSG or route table: a choice between references, or a reference and null, keeps
/// each branch so that each is checked.
fn link(v: &V) -> Field<String> {
    if v.has_alts() {
        Field::link(v)
    } else {
        reference(v)
    }
}

fn id_of(body: &V) -> V {
    body.get_exact("id").cloned().unwrap_or(V::null(None))
}

pub fn emit(ws: &mut Workspace, r: &Res) {
    let b = r.body;
    if b.is_unknown() {
        return;
    }
    match r.rtype {
        "azurerm_api_management" => apim(ws, r),
        "azurerm_api_management_logger"
        | "azurerm_api_management_named_value"
        | "azurerm_api_management_certificate"
        | "azurerm_api_management_identity_provider_aad"
        | "azurerm_api_management_identity_provider_aadb2c" => apim_feature(ws, r),
        "azurerm_subnet" => {
            let name = name_of(b, &r.label);
            let vnet = text(get(b, "virtual_network_name")).unwrap_or_default();
            let m = meta(
                &id_of(b),
                "Microsoft.Network/virtualNetworks/subnets",
                &r.label,
                &format!("{vnet}/{name}"),
                r.decl,
                None,
            );
            ws.subnets.push(subnet(m, &vnet, b, r.decl, "the subnet"));
        }
        "azurerm_virtual_network" => {
            let vnet = name_of(b, &r.label);
            ws.vnets.push(Vnet {
                meta: meta(
                    &id_of(b),
                    "Microsoft.Network/virtualNetworks",
                    &r.label,
                    &vnet,
                    r.decl,
                    None,
                ),
                location: get(b, "location").map(Field::string),
                dns_servers: get(b, "dns_servers").map(strings),
            });
            for s in blocks(b, "subnet") {
                if s.is_unknown() {
                    continue;
                }
                let decl = s.span.unwrap_or(r.decl);
                let sname = text(get(s, "name")).unwrap_or_default();
                let label = format!("{} subnet '{}'", r.label, sname);
                let m = meta(
                    &id_of(s),
                    "Microsoft.Network/virtualNetworks/subnets",
                    &label,
                    &format!("{vnet}/{sname}"),
                    decl,
                    None,
                );
                ws.subnets
                    .push(subnet(m, &vnet, s, decl, "the inline subnet"));
            }
        }
        "azurerm_network_security_group" => {
            let name = name_of(b, &r.label);
            let m = meta(
                &id_of(b),
                "Microsoft.Network/networkSecurityGroups",
                &r.label,
                &name,
                r.decl,
                None,
            );
            let mut nsg = Nsg {
                meta: m,
                location: get(b, "location").map(Field::string),
                rules: Vec::new(),
                rules_unknown: None,
            };
            let items = blocks_when(b, "security_rule");
            // Exact from the start: shrinking afterwards does not return the room under
            // mimalloc, which keeps a block in place while it is at least half used (a third
            // of the model was grown-vector room).
            nsg.rules.reserve_exact(items.len());
            for (it, deployed) in items {
                match it.unknown_reason() {
                    Some(u) => nsg.rules_unknown = Some((u.to_string(), it.span)),
                    None => {
                        let rn = text(get(&it, "name")).unwrap_or_default();
                        let mut rule = security_rule(&rn, &it, it.span.unwrap_or(r.decl));
                        rule.deployed = deployed.map(Box::new);
                        nsg.rules.push(rule);
                    }
                }
            }
            ws.nsgs.push(nsg);
        }
        "azurerm_network_security_rule" => {
            let Some(parent) = text(get(b, "network_security_group_name")) else {
                return;
            };
            let rg = text(get(b, "resource_group_name"));
            let mut key = ResKey::new(
                "Microsoft.Network/networkSecurityGroups",
                &parent,
                rg.as_deref(),
            );
            key.sub = sub_of(b);
            let rn = name_of(b, &r.label);
            let mut rule = security_rule(&rn, b, r.decl);
            rule.deployed = r.deployed.cloned().map(Box::new);
            ws.children.push(Child::Rule(key, rule));
        }
        "azurerm_route_table" => {
            let name = name_of(b, &r.label);
            let m = meta(
                &id_of(b),
                "Microsoft.Network/routeTables",
                &r.label,
                &name,
                r.decl,
                None,
            );
            // v4+ `bgp_route_propagation_enabled`, v3 `disable_bgp_route_propagation`.
            let disable_bgp = match get(b, "bgp_route_propagation_enabled") {
                Some(v) => Some(Field::flag(v).map(|on| !on)),
                None => get(b, "disable_bgp_route_propagation").map(Field::flag),
            };
            let mut rt = RouteTable {
                meta: m,
                location: get(b, "location").map(Field::string),
                routes: Vec::new(),
                routes_unknown: None,
                disable_bgp,
            };
            let items = blocks_when(b, "route");
            rt.routes.reserve_exact(items.len());
            for (it, deployed) in items {
                match it.unknown_reason() {
                    Some(u) => rt.routes_unknown = Some((u.to_string(), it.span)),
                    None => {
                        let rn = text(get(&it, "name")).unwrap_or_default();
                        let mut route = route(&rn, &it, it.span.unwrap_or(r.decl));
                        route.deployed = deployed.map(Box::new);
                        rt.routes.push(route);
                    }
                }
            }
            ws.route_tables.push(rt);
        }
        "azurerm_route" => {
            let Some(parent) = text(get(b, "route_table_name")) else {
                return;
            };
            let rg = text(get(b, "resource_group_name"));
            let mut key = ResKey::new("Microsoft.Network/routeTables", &parent, rg.as_deref());
            key.sub = sub_of(b);
            let rn = name_of(b, &r.label);
            let mut route = route(&rn, b, r.decl);
            route.deployed = r.deployed.cloned().map(Box::new);
            ws.children.push(Child::Route(key, route));
        }
        "azurerm_public_ip" => {
            let name = name_of(b, &r.label);
            let m = meta(
                &id_of(b),
                "Microsoft.Network/publicIPAddresses",
                &r.label,
                &name,
                r.decl,
                None,
            );
            let sku = match get(b, "sku") {
                Some(v) => Field::string(v),
                // The provider's default changed: Basic up to v3, Standard from v4.
                None => Field::implicit(
                    if r.major <= 3 { "Basic" } else { "Standard" }.to_string(),
                    Some(r.decl),
                ),
            };
            ws.public_ips.push(PublicIp {
                meta: m,
                location: get(b, "location").map(Field::string),
                sku,
                tier: get(b, "sku_tier").map(Field::string),
                allocation: get(b, "allocation_method").map(Field::string),
                version: get(b, "ip_version").map(Field::string),
                dns_label: get(b, "domain_name_label").map(Field::string),
                zones: get(b, "zones").map(strings),
                ip_tags: get(b, "ip_tags").map(ip_tags),
            });
        }
        t if PIP_USERS.contains(&t) => {
            // Network interfaces and load balancer front ends also take subnet addresses.
            match t {
                "azurerm_network_interface" => users(
                    ws,
                    r,
                    "ip_configuration",
                    ("Microsoft.Network/networkInterfaces", "network interface"),
                ),
                "azurerm_lb" => users(
                    ws,
                    r,
                    "frontend_ip_configuration",
                    ("Microsoft.Network/loadBalancers", "load balancer front end"),
                ),
                _ => {}
            }
            let mut ids = Vec::new();
            pip_refs(b, &mut ids);
            for pip in ids {
                ws.public_ip_users.push(PublicIpUser {
                    label: r.label.clone(),
                    decl: r.decl,
                    pip,
                });
            }
        }
        "azurerm_private_endpoint" => {
            let name = name_of(b, &r.label);
            let m = meta(
                &id_of(b),
                "Microsoft.Network/privateEndpoints",
                &r.label,
                &name,
                r.decl,
                None,
            );
            let targets = blocks(b, "private_service_connection")
                .into_iter()
                .filter_map(|c| get(c, "private_connection_resource_id"))
                .map(reference)
                .collect();
            ws.private_endpoints
                .push(PrivateEndpoint { meta: m, targets });
            // It also takes an address of the subnet it sits in (R-VNET-8).
            if let Some(id) = get(b, "subnet_id") {
                ws.subnet_users.push(SubnetUser {
                    meta: meta(
                        &id_of(b),
                        "Microsoft.Network/privateEndpoints",
                        &r.label,
                        &name,
                        r.decl,
                        None,
                    ),
                    subnet: reference(id),
                    what: "private endpoint",
                    ips: 1,
                });
            }
        }
        "azurerm_subnet_network_security_group_association" => {
            assoc(ws, r, "network_security_group_id", AssocKind::Nsg)
        }
        // The separate DNS-servers resource sets what the VNet's `dns_servers` would.
        "azurerm_virtual_network_dns_servers" => {
            let Some(id) = get(b, "virtual_network_id").and_then(|v| v.as_name()) else {
                return;
            };
            let Some(key) = ResKey::from_id(id) else {
                return;
            };
            let name = key.names.join("/");
            let m = meta(&V::str(id, None), VNET_TYPE, &r.label, &name, r.decl, None);
            ws.vnets.push(Vnet {
                meta: m,
                location: None,
                dns_servers: Some(
                    get(b, "dns_servers")
                        .map(strings)
                        .unwrap_or_else(|| Field::known(Vec::new(), Some(r.decl))),
                ),
            });
        }
        "azurerm_private_dns_zone" => {
            let name = name_of(b, &r.label);
            let m = meta(&V::null(None), DNS_ZONE_TYPE, &r.label, &name, r.decl, None);
            ws.dns_zones.push(DnsZone { meta: m });
        }
        "azurerm_virtual_network_peering" => {
            let name = name_of(b, &r.label);
            let vnet = text(get(b, "virtual_network_name")).unwrap_or_default();
            let m = meta(
                &id_of(b),
                "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
                &r.label,
                &format!("{vnet}/{name}"),
                r.decl,
                None,
            );
            ws.peerings.push(Peering {
                meta: m,
                use_remote_gateways: get(b, "use_remote_gateways").map(Field::flag),
            });
        }
        "azurerm_private_dns_zone_virtual_network_link" => {
            let zone = req_str(b, "private_dns_zone_name", "the link", r.decl);
            let name = name_of(b, &r.label);
            let full = format!("{}/{name}", zone.get().cloned().unwrap_or_default());
            let m = meta(&V::null(None), DNS_LINK_TYPE, &r.label, &full, r.decl, None);
            let vnet = match get(b, "virtual_network_id") {
                Some(v) => reference(v),
                None => Field::unknown("the link has no virtual_network_id", Some(r.decl)),
            };
            ws.dns_links.push(DnsLink {
                meta: m,
                zone,
                vnet,
            });
        }
        "azurerm_monitor_autoscale_setting" => autoscale(ws, r),
        "azurerm_subnet_route_table_association" => {
            assoc(ws, r, "route_table_id", AssocKind::RouteTable)
        }
        _ => {}
    }
}

/// One address per block that names a subnet (`ip_configuration { subnet_id }`).
fn users(ws: &mut Workspace, r: &Res, block: &str, (rtype, what): (&str, &'static str)) {
    let name = name_of(r.body, &r.label);
    for it in blocks(r.body, block) {
        if let Some(id) = get(it, "subnet_id") {
            ws.subnet_users.push(SubnetUser {
                meta: meta(
                    &id_of(r.body),
                    rtype,
                    &r.label,
                    &name,
                    it.span.unwrap_or(r.decl),
                    None,
                ),
                subnet: reference(id),
                what,
                ips: 1,
            });
        }
    }
}

const VNET_TYPE: &str = "Microsoft.Network/virtualNetworks";
const DNS_ZONE_TYPE: &str = "Microsoft.Network/privateDnsZones";
const DNS_LINK_TYPE: &str = "Microsoft.Network/privateDnsZones/virtualNetworkLinks";

/// `azurerm_monitor_autoscale_setting`: its blocks renamed to the ARM shape, then the shared
/// adapter (`enabled` defaults to true in azurerm, as the model assumes for an absent value).
fn autoscale(ws: &mut Workspace, r: &Res) {
    let b = r.body;
    let name = name_of(b, &r.label);
    let m = meta(
        &V::null(None),
        "Microsoft.Insights/autoscalesettings",
        &r.label,
        &name,
        r.decl,
        None,
    );
    let profiles: Vec<V> = blocks(b, "profile")
        .into_iter()
        .map(|p| {
            if p.is_unknown() {
                return p.clone();
            }
            let rules: Vec<V> = blocks(p, "rule")
                .into_iter()
                .filter_map(|rule| {
                    let act = blocks(rule, "scale_action").into_iter().next()?;
                    Some(V::obj(
                        vec![(Key::new("scaleAction", None), act.clone())],
                        rule.span,
                    ))
                })
                .collect();
            let mut fields = vec![(Key::new("rules", None), V::arr(rules, p.span))];
            if let Some(n) = get(p, "name") {
                fields.push((Key::new("name", None), n.clone()));
            }
            if let Some(c) = blocks(p, "capacity").into_iter().next() {
                fields.push((Key::new("capacity", None), c.clone()));
            }
            V::obj(fields, p.span)
        })
        .collect();
    let mut props = vec![(Key::new("profiles", None), V::arr(profiles, None))];
    if let Some(t) = get(b, "target_resource_id") {
        props.push((Key::new("targetResourceUri", None), t.clone()));
    }
    if let Some(e) = get(b, "enabled") {
        props.push((Key::new("enabled", None), e.clone()));
    }
    let props = V::obj(props, b.span);
    let mut a = crate::model::arm_body::autoscale(m, Some(&props), r.decl);
    if let Ok(t) = &a.target.val {
        if ResKey::from_id(t).is_none() {
            a.target = reference(get(b, "target_resource_id").unwrap_or(&V::null(None)));
        }
    }
    ws.autoscales.push(a);
}

fn assoc(ws: &mut Workspace, r: &Res, target: &str, kind: AssocKind) {
    let b = r.body;
    let subnet = match get(b, "subnet_id") {
        Some(v) => reference(v),
        None => return,
    };
    let target = match (get(b, target), r.deployed) {
        // Not deployed in some cases: then the subnet has no such link there.
        (Some(v), Some(p)) => link(&crate::model::gated(v, p)),
        (Some(v), None) => link(v),
        (None, _) => Field::unknown(format!("{} has no {target}", r.label), Some(r.decl)),
    };
    ws.associations.push(Association {
        unit: crate::model::UnitId::NONE,
        subnet,
        target,
        kind,
        decl: r.decl,
    });
}

fn subnet(meta: Meta, vnet: &str, b: &V, decl: Span, what: &str) -> Subnet {
    let prefixes = match (get(b, "address_prefixes"), get(b, "address_prefix")) {
        (Some(list), _) => strings(list),
        (None, Some(one)) => strings(one),
        (None, None) => Field::unknown(format!("{what} has no address_prefixes"), Some(decl)),
    };
    // v3/v4: `service_endpoints = [...]`; v5: `service_endpoint { service = … }` blocks.
    let service_endpoints = match (get(b, "service_endpoints"), get(b, "service_endpoint")) {
        (Some(list), _) => strings(list),
        (None, Some(_)) => project(b, "service_endpoint", |e| get(e, "service"), decl),
        (None, None) => Field::implicit(vec![], Some(decl)),
    };
    let delegations = match get(b, "delegation") {
        Some(_) => project(
            b,
            "delegation",
            |d| {
                blocks(d, "service_delegation")
                    .into_iter()
                    .next()
                    .and_then(|s| {
                        if s.is_unknown() {
                            Some(s)
                        } else {
                            get(s, "name")
                        }
                    })
            },
            decl,
        ),
        None => Field::implicit(vec![], Some(decl)),
    };
    let refer = |keys: &[&str]| keys.iter().find_map(|k| get(b, k)).map(link);
    Subnet {
        meta,
        vnet: vnet.to_string(),
        prefixes,
        nsg: refer(&[
            "security_group",
            "network_security_group_id",
            "network_security_group_id_wo",
        ]),
        route_table: refer(&["route_table_id", "route_table_id_wo"]),
        service_endpoints,
        // azurerm has no endpoint locations: an endpoint covers the default regions.
        endpoint_locations: Vec::new(),
        delegations,
        // An inline `subnet {}` and an `azurerm_subnet` of one name cannot both be applied
        // (the provider refuses to create what exists): merged as two declarations.
        inline: false,
    }
}

/// One string per block (`service_endpoint[].service`, `delegation[].service_delegation.name`).
fn project(b: &V, k: &str, pick: impl Fn(&V) -> Option<&V>, decl: Span) -> Field<Vec<String>> {
    let list = get(b, k);
    let at = list.and_then(|l| l.span).or(Some(decl));
    let mut out = Vec::new();
    for it in blocks(b, k) {
        let x = if it.is_unknown() { Some(it) } else { pick(it) };
        if let Some(x) = x {
            match Field::string(x).val {
                Ok(s) => out.push(s),
                Err(e) => return Field::unknown(e, x.span.or(at)),
            }
        }
    }
    Field::known(out, at)
}

/// Terraform attribute names → the ARM property names `arm_body` reads.
fn arm_props(b: &V, map: &[(&str, &str)]) -> V {
    let mut out = Vec::new();
    for (tf, arm) in map {
        if let Some(v) = get(b, tf) {
            out.push((Key::new(*arm, v.span), v.clone()));
        }
    }
    V::obj(out, b.span)
}

fn asg_ids(v: &V) -> V {
    match &v.kind {
        VKind::Arr(items) => V::arr(
            items
                .iter()
                .map(|id| V::obj(vec![(Key::new("id", id.span), id.clone())], id.span))
                .collect(),
            v.span,
        ),
        _ => v.clone(),
    }
}

pub fn security_rule(name: &str, b: &V, decl: Span) -> SecurityRule {
    let mut props = arm_props(
        b,
        &[
            ("priority", "priority"),
            ("description", "description"),
            ("direction", "direction"),
            ("access", "access"),
            ("protocol", "protocol"),
            ("source_port_range", "sourcePortRange"),
            ("source_port_ranges", "sourcePortRanges"),
            ("destination_port_range", "destinationPortRange"),
            ("destination_port_ranges", "destinationPortRanges"),
            ("source_address_prefix", "sourceAddressPrefix"),
            ("source_address_prefixes", "sourceAddressPrefixes"),
            ("destination_address_prefix", "destinationAddressPrefix"),
            ("destination_address_prefixes", "destinationAddressPrefixes"),
        ],
    );
    for (tf, arm) in [
        (
            "source_application_security_group_ids",
            "sourceApplicationSecurityGroups",
        ),
        (
            "destination_application_security_group_ids",
            "destinationApplicationSecurityGroups",
        ),
    ] {
        if let Some(v) = get(b, tf) {
            props.set(arm, asg_ids(v));
        }
    }
    let mut rule = arm_body::security_rule(name, &props, decl);
    // The provider refuses a side in both fields, inline or separate (its rule validation).
    for f in &mut rule.faults {
        if let RuleFault::Both { rejected, .. } = f {
            *rejected = true;
        }
    }
    rule
}

fn route(name: &str, b: &V, decl: Span) -> Route {
    let props = arm_props(
        b,
        &[
            ("address_prefix", "addressPrefix"),
            ("next_hop_type", "nextHopType"),
            ("next_hop_in_ip_address", "nextHopIpAddress"),
        ],
    );
    arm_body::route(name, &props, decl)
}

/// `Premium_2` → (`Premium`, 2), both pointing at the `sku_name` expression; per alternative
/// when the code says what `sku_name` can be.
fn split_sku(v: &V) -> (Field<String>, Field<i64>) {
    if let Some(list) = v.alts() {
        let parts: Vec<_> = list.iter().map(|(_, a)| split_sku(a)).collect();
        if parts.iter().all(|(s, _)| s.val.is_ok()) {
            let f = Field::string(v);
            let caps_known = parts.iter().all(|(_, c)| c.val.is_ok());
            let (mut sku, mut cap) = (f.clone().map(|_| String::new()), f.map(|_| 0));
            sku.alts_mut().clear();
            cap.alts_mut().clear();
            for ((when, a), (s, c)) in list.iter().zip(parts) {
                let at = a.span.or(v.span);
                if let Ok(s) = s.val {
                    sku.alts_mut().push(Alt {
                        val: s,
                        when: when.clone(),
                        at,
                    });
                }
                if let (Ok(c), true) = (c.val, caps_known) {
                    cap.alts_mut().push(Alt {
                        val: c,
                        when: when.clone(),
                        at,
                    });
                }
            }
            return (sku, cap);
        }
    }
    match v.as_str() {
        Some(s) => {
            let (name, cap) = match s.rsplit_once('_') {
                Some((n, c)) => (n, c.trim().parse::<i64>().ok()),
                None => (s, None),
            };
            let sku = Field::known(name.to_string(), v.span).with_origin(v.origin);
            let capacity = match cap {
                Some(c) => Field::known(c, v.span).with_origin(v.origin),
                None => Field::unknown(format!("sku_name '{s}' has no capacity after '_'"), v.span)
                    .with_origin(v.origin),
            };
            (sku, capacity)
        }
        // `"Premium_${var.units}"`, `"${var.tier}_${var.units}"` with the tier known: the tier
        // is known even if the unit count is not.
        None if v.as_name().and_then(known_tier).is_some() => {
            let name = v.as_name().and_then(known_tier).unwrap_or_default();
            let reason = v.unknown_reason().unwrap_or("the unit count is unknown");
            (
                Field::known(name.to_string(), v.span).with_origin(v.origin),
                Field::unknown(reason.to_string(), v.span).with_origin(v.origin),
            )
        }
        None => {
            let f = Field::string(v);
            let reason = match &f.val {
                Err(e) => e.clone(),
                Ok(_) => "sku_name is not a string".to_string(),
            };
            (
                Field::unknown(reason.clone(), f.at).with_origin(f.origin()),
                Field::unknown(reason, f.at).with_origin(f.origin()),
            )
        }
    }
}

/// The tier of a `sku_name` known only in part (`Premium_${var.units}`): the known text before
/// the first unknown part, up to its last `_`, when that is all a tier's letters and digits and
/// only the unit count follows. (Splitting the whole text at its last `_` took the one in
/// `${var.sku_capacity}`.)
fn known_tier(text: &str) -> Option<&str> {
    let cut = text.find(['$', '{', '<'])?;
    let (name, units) = text[..cut].rsplit_once('_')?;
    (!name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric())
        && units.chars().all(|c| c.is_ascii_digit()))
    .then_some(name)
}

/// `ip_tags = { RoutingPreference = "Internet" }` → `RoutingPreference=Internet`.
fn ip_tags(v: &V) -> Field<Vec<String>> {
    let Some(entries) = v.as_object() else {
        return Field::unknown("ip_tags is not known", v.span);
    };
    let mut out = Vec::new();
    for (k, x) in entries {
        match Field::string(x).val {
            Ok(t) => out.push(format!("{}={t}", k.name)),
            Err(e) => return Field::unknown(e, x.span.or(v.span)),
        }
    }
    Field::known(out, v.span)
}

fn subnet_ref(loc: &V) -> Option<Field<String>> {
    let vnc = blocks(loc, "virtual_network_configuration");
    let first = vnc.first()?;
    if let Some(u) = first.unknown_reason() {
        return Some(Field::unknown(u.to_string(), first.span));
    }
    get(first, "subnet_id").map(reference)
}

/// A child resource of an instance that uses a feature needing an optional flow (R-FEAT-1..3).
fn apim_feature(ws: &mut Workspace, r: &Res) {
    let b = r.body;
    let f = match r.rtype {
        "azurerm_api_management_logger" if get(b, "eventhub").is_some() => Feature::EventHubLogger,
        "azurerm_api_management_named_value" if get(b, "value_from_key_vault").is_some() => {
            Feature::KeyVaultRef
        }
        "azurerm_api_management_certificate" if get(b, "key_vault_secret_id").is_some() => {
            Feature::KeyVaultRef
        }
        "azurerm_api_management_identity_provider_aad"
        | "azurerm_api_management_identity_provider_aadb2c" => Feature::EntraIdp,
        _ => return,
    };
    let key = match (
        text(get(b, "api_management_id")).and_then(|id| ResKey::from_id(&id)),
        text(get(b, "api_management_name")),
    ) {
        (Some(k), _) => k,
        (None, Some(name)) => ResKey::new(
            "Microsoft.ApiManagement/service",
            &name,
            text(get(b, "resource_group_name")).as_deref(),
        ),
        (None, None) => return,
    };
    ws.children.push(Child::Feature(key, f, r.decl));
}

fn apim(ws: &mut Workspace, r: &Res) {
    let b = r.body;
    let name = name_of(b, &r.label);
    let m = meta(
        &id_of(b),
        "Microsoft.ApiManagement/service",
        &r.label,
        &name,
        r.decl,
        None,
    );
    let (sku, capacity) = match get(b, "sku_name") {
        Some(v) => split_sku(v),
        None => (
            Field::unknown(format!("{} has no sku_name", r.label), Some(r.decl)),
            Field::unknown(format!("{} has no sku_name", r.label), Some(r.decl)),
        ),
    };
    let vnet_type = match get(b, "virtual_network_type") {
        Some(v) => Field::string(v),
        None => Field::implicit("None".to_string(), Some(r.decl)),
    };
    let primary_cap = capacity.get().copied();
    let mut locations = vec![ApimLocation {
        primary: true,
        location: req_str(b, "location", &r.label, r.decl),
        capacity,
        zones: get(b, "zones").map(strings),
        subnet: subnet_ref(b),
        public_ip: get(b, "public_ip_address_id").map(reference),
        decl: r.decl,
    }];
    let mut locations_unknown = None;
    for al in blocks(b, "additional_location") {
        if let Some(u) = al.unknown_reason() {
            locations_unknown = Some((u.to_string(), al.span));
            continue;
        }
        let decl = al.span.unwrap_or(r.decl);
        let capacity = match get(al, "capacity") {
            Some(v) => Field::int(v),
            // The provider uses the primary location's capacity when none is given.
            None => match primary_cap {
                Some(c) => Field::implicit(c, Some(decl)),
                None => Field::unknown("the primary capacity is unknown", Some(decl)),
            },
        };
        locations.push(ApimLocation {
            primary: false,
            location: req_str(al, "location", "the additional location", decl),
            capacity,
            zones: get(al, "zones").map(strings),
            subnet: subnet_ref(al),
            public_ip: get(al, "public_ip_address_id").map(reference),
            decl,
        });
    }
    ws.apims.push(Apim {
        meta: m,
        api_version: None,
        sku,
        vnet_type,
        locations,
        locations_unknown,
        migration_ips: false,
        features: hostname_key_vault(b, r.decl),
        platform_version: None,
        public_network_access: get(b, "public_network_access_enabled").map(|v| {
            Field::string(v).map(|s| {
                if s.trim().eq_ignore_ascii_case("false") {
                    "Disabled".to_string()
                } else {
                    "Enabled".to_string()
                }
            })
        }),
    });
}

/// Custom domains whose certificate comes from Key Vault (`hostname_configuration { proxy {
/// key_vault_id } }`, `key_vault_certificate_id` in azurerm 5).
fn hostname_key_vault(b: &V, decl: Span) -> ApimFeatures {
    let mut f = ApimFeatures::default();
    for hc in blocks(b, "hostname_configuration") {
        for kind in ["proxy", "management", "portal", "developer_portal", "scm"] {
            for h in blocks(hc, kind) {
                if get(h, "key_vault_id").is_some() || get(h, "key_vault_certificate_id").is_some()
                {
                    f.add(Feature::KeyVaultRef, h.span.unwrap_or(decl));
                }
            }
        }
    }
    f
}
