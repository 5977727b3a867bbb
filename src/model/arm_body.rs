//! ARM-shaped resources into the model. ARM templates, Bicep and AzAPI bodies all describe a
//! resource as `type` + `name` + a body with `properties`, `sku`, `zones`, `location`; this one
//! adapter turns that shape into model resources so the three front ends cannot drift apart.

use super::*;
use std::borrow::Cow;

/// One evaluated resource in ARM shape.
pub struct ArmResource<'a> {
    /// Full type without API version: `Microsoft.Network/virtualNetworks/subnets`.
    pub rtype: &'a str,
    pub api_version: Option<&'a V>,
    /// Full name path, `vnet/apim` for a child.
    pub name: &'a V,
    /// The whole resource object (`properties`, `sku`, `zones`, `location`, …).
    pub body: &'a V,
    pub decl: Span,
    pub label: String,
    pub format: Format,
    /// Resource group when the deployment names one; `None` = the deployment's own.
    pub rg: Option<String>,
    /// Whether it is deployed, when its condition is not known ([`super::presence`]).
    pub deployed: Option<super::Presence>,
}

/// Member access for reading a body: the member of an unknown object is that unknown (its
/// reason and span), never absent. Absent means Azure's default — no NSG, no rules, not
/// injected — so `properties: nsgProperties` with an unknown parameter must not read as an
/// NSG without rules. (Values with alternatives are read per alternative by [`apath`].)
trait Member {
    fn mget(&self, key: &str) -> Option<&V>;
    fn mpath(&self, path: &str) -> Option<&V>;
}

impl Member for V {
    fn mget(&self, key: &str) -> Option<&V> {
        if self.is_unknown() && !self.has_alts() {
            return Some(self);
        }
        self.get(key)
    }
    fn mpath(&self, path: &str) -> Option<&V> {
        let mut cur = self;
        for part in path.split('.') {
            cur = cur.mget(part)?;
        }
        Some(cur)
    }
}

/// The `properties` of a resource that has none: read through, never copied.
static NULL: V = V {
    kind: VKind::Null,
    span: None,
    origin: None,
};

const APIM: &str = "microsoft.apimanagement/service";
const VNET: &str = "microsoft.network/virtualnetworks";
const SUBNET: &str = "microsoft.network/virtualnetworks/subnets";
const NSG: &str = "microsoft.network/networksecuritygroups";
const NSG_RULE: &str = "microsoft.network/networksecuritygroups/securityrules";
const RT: &str = "microsoft.network/routetables";
const ROUTE: &str = "microsoft.network/routetables/routes";
const PIP: &str = "microsoft.network/publicipaddresses";
// Children of an instance that use a feature needing an optional flow (R-FEAT-1..3).
const LOGGER: &str = "microsoft.apimanagement/service/loggers";
const NAMED_VALUE: &str = "microsoft.apimanagement/service/namedvalues";
const CERTIFICATE: &str = "microsoft.apimanagement/service/certificates";
const IDP: &str = "microsoft.apimanagement/service/identityproviders";
const PE: &str = "microsoft.network/privateendpoints";
/// Types that take public IP addresses (R-PIP-9: an address serves one resource).
const PIP_USERS: &[&str] = &[
    "microsoft.network/loadbalancers",
    "microsoft.network/networkinterfaces",
    "microsoft.network/natgateways",
    "microsoft.network/applicationgateways",
    "microsoft.network/azurefirewalls",
    "microsoft.network/bastionhosts",
    "microsoft.network/virtualnetworkgateways",
];
const NIC: &str = "microsoft.network/networkinterfaces";
const LB: &str = "microsoft.network/loadbalancers";
const DNS_ZONE: &str = "microsoft.network/privatednszones";
const DNS_LINK: &str = "microsoft.network/privatednszones/virtualnetworklinks";
const AUTOSCALE: &str = "microsoft.insights/autoscalesettings";
const PEERING: &str = "microsoft.network/virtualnetworks/virtualnetworkpeerings";

/// Whether the adapter reads this type at all (front ends may skip evaluating the others).
pub fn is_relevant(rtype: &str) -> bool {
    let t = rtype
        .split('@')
        .next()
        .unwrap_or(rtype)
        .to_ascii_lowercase();
    matches!(
        t.as_str(),
        APIM | VNET
            | SUBNET
            | NSG
            | NSG_RULE
            | RT
            | ROUTE
            | PIP
            | LOGGER
            | NAMED_VALUE
            | CERTIFICATE
            | IDP
            | PE
            | DNS_ZONE
            | DNS_LINK
            | PEERING
            | AUTOSCALE
    ) || PIP_USERS.contains(&t.as_str())
}

fn name_text(v: &V) -> String {
    v.as_name()
        .map(str::to_string)
        .unwrap_or_else(|| "<unknown name>".to_string())
}

fn last_segment(name: &str) -> String {
    name.rsplit('/').next().unwrap_or(name).to_string()
}

fn meta(r: &ArmResource, full_name: &str, rtype: &str, label: String, decl: Span) -> Meta {
    Meta {
        key: ResKey::new(rtype, full_name, r.rg.as_deref()),
        label,
        name: last_segment(full_name),
        decl,
        format: r.format,
        suppress: suppressions(r.body),
        unit: UnitId::NONE,
    }
}

/// `metadata: { "stv2lint-ignore": { "STV202": "reason" } }` on a resource.
fn suppressions(body: &V) -> Vec<(String, String, Span)> {
    let mut out = Vec::new();
    if let Some(obj) = body
        .mpath("metadata.stv2lint-ignore")
        .and_then(|v| v.as_object())
    {
        for (k, v) in obj {
            let span = k.span.or(v.span);
            if let Some(span) = span {
                out.push((
                    k.name.to_string(),
                    v.as_str().unwrap_or("").to_string(),
                    span,
                ));
            }
        }
    }
    out
}

/// Present-and-not-null.
fn opt(v: Option<&V>) -> Option<&V> {
    v.filter(|v| !v.is_null())
}

/// The `id` of a `{ id: … }` reference object; unknown object → unknown id; null → absent.
fn ref_id(v: Option<&V>) -> Option<Field<String>> {
    let v = opt(v)?;
    if v.is_unknown() {
        return Some(Field::string(v));
    }
    let id = opt(v.mget("id"))?;
    Some(Field::name(id))
}

/// A subnet's NSG or route table: like [`ref_id`], but a choice between references, or between
/// a reference and null, keeps every branch (null as [`super::NO_LINK`]) so that each is checked.
fn link_ref(v: Option<&V>) -> Option<Field<String>> {
    let v = opt(v)?;
    if v.has_alts() {
        return Some(Field::link(v));
    }
    ref_id(Some(v))
}

pub fn ingest(ws: &mut Workspace, r: ArmResource) {
    let rtype = r
        .rtype
        .split('@')
        .next()
        .unwrap_or(r.rtype)
        .to_ascii_lowercase();
    let full_name = name_text(r.name);
    match rtype.as_str() {
        APIM => apim(ws, &r, &full_name),
        VNET => {
            let m = meta(&r, &full_name, VNET, r.label.clone(), r.decl);
            ws.vnets.push(Vnet {
                meta: m,
                location: opt(r.body.mget("location")).map(Field::string),
                dns_servers: opt(r.body.mpath("properties.dhcpOptions.dnsServers"))
                    .map(Field::strings),
            });
            if let Some(items) =
                opt(r.body.mpath("properties.virtualNetworkPeerings")).and_then(|v| v.as_array())
            {
                for p in items {
                    let pname = p.mget("name").map(name_text).unwrap_or_default();
                    let full = format!("{full_name}/{pname}");
                    let decl = p.span.unwrap_or(r.decl);
                    let label = format!("{} peering '{}'", r.label, pname);
                    ws.peerings.push(Peering {
                        meta: meta(&r, &full, PEERING, label, decl),
                        use_remote_gateways: opt(p.mpath("properties.useRemoteGateways"))
                            .map(Field::flag),
                    });
                }
            }
            let Some(subnets) = opt(r.body.mpath("properties.subnets")) else {
                return;
            };
            let Some(items) = subnets.as_array() else {
                return;
            };
            for s in items {
                let sname = s.mget("name").map(name_text).unwrap_or_default();
                let full = format!("{full_name}/{sname}");
                let props = s.mget("properties").unwrap_or(&NULL);
                let decl = s.span.unwrap_or(r.decl);
                let label = format!("{} subnet '{}'", r.label, sname);
                let m = meta(&r, &full, SUBNET, label, decl);
                let mut sn = subnet(m, &full_name, props, decl);
                sn.inline = true;
                ws.subnets.push(sn);
            }
        }
        SUBNET => {
            let props = r.body.mget("properties").unwrap_or(&NULL);
            let vnet = full_name.split('/').next().unwrap_or("").to_string();
            let m = meta(&r, &full_name, SUBNET, r.label.clone(), r.decl);
            ws.subnets.push(subnet(m, &vnet, props, r.decl));
        }
        NSG => {
            let m = meta(&r, &full_name, NSG, r.label.clone(), r.decl);
            let mut nsg = Nsg {
                meta: m,
                location: opt(r.body.mget("location")).map(Field::string),
                rules: Vec::new(),
                rules_unknown: None,
            };
            if let Some(rules) = opt(r.body.mpath("properties.securityRules")) {
                match &rules.kind {
                    VKind::Arr(items) => {
                        // Exact: a grown vector of 808-byte rules wastes a third of the model.
                        nsg.rules.reserve_exact(items.len());
                        for it in items {
                            if let Some(u) = it.unknown_reason() {
                                nsg.rules_unknown = Some((u.to_string(), it.span.or(rules.span)));
                                continue;
                            }
                            let name = it.mget("name").map(name_text).unwrap_or_default();
                            let props = it.mget("properties").unwrap_or(&NULL);
                            nsg.rules
                                .push(security_rule(&name, props, it.span.unwrap_or(r.decl)));
                        }
                    }
                    VKind::Unknown(u) => match alternative_items(rules) {
                        Some(items) => {
                            for (it, deployed) in items {
                                let name = it.mget("name").map(name_text).unwrap_or_default();
                                let props = it.mget("properties").unwrap_or(&NULL);
                                let mut rule =
                                    security_rule(&name, props, it.span.unwrap_or(r.decl));
                                rule.deployed = deployed.map(Box::new);
                                nsg.rules.push(rule);
                            }
                        }
                        None => nsg.rules_unknown = Some((String::from(&*u.reason), rules.span)),
                    },
                    _ => {}
                }
            }
            ws.nsgs.push(nsg);
        }
        NSG_RULE => {
            let (parent, name) = split_parent(&full_name);
            let props = r.body.mget("properties").unwrap_or(&NULL);
            let key = ResKey::new(NSG, &parent, r.rg.as_deref());
            let mut rule = security_rule(&name, props, r.decl);
            rule.deployed = r.deployed.clone().map(Box::new);
            ws.children.push(Child::Rule(key, rule));
        }
        RT => {
            let m = meta(&r, &full_name, RT, r.label.clone(), r.decl);
            let mut rt = RouteTable {
                meta: m,
                location: opt(r.body.mget("location")).map(Field::string),
                routes: Vec::new(),
                routes_unknown: None,
                disable_bgp: opt(r.body.mpath("properties.disableBgpRoutePropagation"))
                    .map(Field::flag),
            };
            if let Some(routes) = opt(r.body.mpath("properties.routes")) {
                match &routes.kind {
                    VKind::Arr(items) => {
                        rt.routes.reserve_exact(items.len());
                        for it in items {
                            if let Some(u) = it.unknown_reason() {
                                rt.routes_unknown = Some((u.to_string(), it.span.or(routes.span)));
                                continue;
                            }
                            let name = it.mget("name").map(name_text).unwrap_or_default();
                            let props = it.mget("properties").unwrap_or(&NULL);
                            rt.routes
                                .push(route(&name, props, it.span.unwrap_or(r.decl)));
                        }
                    }
                    VKind::Unknown(u) => match alternative_items(routes) {
                        Some(items) => {
                            for (it, deployed) in items {
                                let name = it.mget("name").map(name_text).unwrap_or_default();
                                let props = it.mget("properties").unwrap_or(&NULL);
                                let mut route = route(&name, props, it.span.unwrap_or(r.decl));
                                route.deployed = deployed.map(Box::new);
                                rt.routes.push(route);
                            }
                        }
                        None => rt.routes_unknown = Some((String::from(&*u.reason), routes.span)),
                    },
                    _ => {}
                }
            }
            ws.route_tables.push(rt);
        }
        ROUTE => {
            let (parent, name) = split_parent(&full_name);
            let props = r.body.mget("properties").unwrap_or(&NULL);
            let key = ResKey::new(RT, &parent, r.rg.as_deref());
            let mut route = route(&name, props, r.decl);
            route.deployed = r.deployed.clone().map(Box::new);
            ws.children.push(Child::Route(key, route));
        }
        PIP => {
            let m = meta(&r, &full_name, PIP, r.label.clone(), r.decl);
            let sku = match opt(r.body.mpath("sku.name")) {
                Some(v) => Field::string(v),
                // The ARM default for a public IP without `sku` is Basic.
                None => Field::implicit("Basic".to_string(), Some(r.decl)),
            };
            let props = r.body.mget("properties");
            let get = |p: &str| opt(props.and_then(|x| x.mpath(p))).map(Field::string);
            ws.public_ips.push(PublicIp {
                meta: m,
                location: opt(r.body.mget("location")).map(Field::string),
                sku,
                tier: opt(r.body.mpath("sku.tier")).map(Field::string),
                allocation: get("publicIPAllocationMethod"),
                version: get("publicIPAddressVersion"),
                // A computed label (uniqueString…) is still a label: symbolic counts as set.
                dns_label: opt(props.and_then(|x| x.mpath("dnsSettings.domainNameLabel")))
                    .map(Field::name),
                zones: opt(r.body.mget("zones")).map(Field::strings),
                ip_tags: opt(props.and_then(|x| x.mget("ipTags")))
                    .map(|v| list_of_pairs(v, "ipTagType", "tag")),
            });
        }
        LOGGER | NAMED_VALUE | CERTIFICATE | IDP => {
            if let Some(f) = feature(&rtype, r.body, &full_name) {
                let (parent, _) = split_parent(&full_name);
                let key = ResKey::new(APIM, &parent, r.rg.as_deref());
                ws.children.push(Child::Feature(key, f, r.decl));
            }
        }
        PE => {
            let m = meta(&r, &full_name, PE, r.label.clone(), r.decl);
            let props = r.body.mget("properties");
            let mut targets = Vec::new();
            for list in [
                "privateLinkServiceConnections",
                "manualPrivateLinkServiceConnections",
            ] {
                let Some(items) = opt(props.and_then(|p| p.mget(list))) else {
                    continue;
                };
                for it in items.as_array().map(|a| a.iter()).into_iter().flatten() {
                    if let Some(t) = opt(it.mpath("properties.privateLinkServiceId")) {
                        targets.push(Field::name(t));
                    }
                }
            }
            ws.private_endpoints
                .push(PrivateEndpoint { meta: m, targets });
            // It also takes an address of the subnet it sits in (R-VNET-8).
            if let Some(id) = opt(r.body.mpath("properties.subnet.id")) {
                let m = meta(&r, &full_name, PE, r.label.clone(), r.decl);
                ws.subnet_users.push(SubnetUser {
                    meta: m,
                    subnet: Field::name(id),
                    what: "private endpoint",
                    ips: 1,
                });
            }
        }
        t if PIP_USERS.contains(&t) => {
            // Network interfaces and load balancer front ends also take subnet addresses.
            match t {
                NIC => users(
                    ws,
                    &r,
                    &full_name,
                    NIC,
                    "network interface",
                    "properties.ipConfigurations",
                ),
                LB => users(
                    ws,
                    &r,
                    &full_name,
                    LB,
                    "load balancer front end",
                    "properties.frontendIPConfigurations",
                ),
                _ => {}
            }
            let mut ids = Vec::new();
            if let Some(props) = r.body.mget("properties") {
                pip_refs(props, &mut ids);
            }
            for pip in ids {
                ws.public_ip_users.push(PublicIpUser {
                    label: r.label.clone(),
                    decl: r.decl,
                    pip,
                });
            }
        }
        DNS_ZONE => {
            let m = meta(&r, &full_name, DNS_ZONE, r.label.clone(), r.decl);
            ws.dns_zones.push(DnsZone { meta: m });
        }
        DNS_LINK => {
            let (zone, _) = split_parent(&full_name);
            let m = meta(&r, &full_name, DNS_LINK, r.label.clone(), r.decl);
            let vnet = match opt(r.body.mpath("properties.virtualNetwork.id")) {
                Some(v) => Field::name(v),
                None => Field::unknown("the link names no virtual network", Some(r.decl)),
            };
            let zone = Field::known(zone, r.name.span.or(Some(r.decl)));
            ws.dns_links.push(DnsLink {
                meta: m,
                zone,
                vnet,
            });
        }
        PEERING => ws.peerings.push(Peering {
            meta: meta(&r, &full_name, PEERING, r.label.clone(), r.decl),
            use_remote_gateways: opt(r.body.mpath("properties.useRemoteGateways")).map(Field::flag),
        }),
        AUTOSCALE => ws.autoscales.push(autoscale(
            meta(&r, &full_name, AUTOSCALE, r.label.clone(), r.decl),
            r.body.mget("properties"),
            r.decl,
        )),
        _ => {}
    }
}

/// The feature a child resource of an instance uses, if any: an Event Hub logger, a Key Vault
/// reference, an Entra ID identity provider. A value that cannot be known uses nothing.
fn feature(rtype: &str, body: &V, full_name: &str) -> Option<Feature> {
    let is = |p: &str, want: &[&str]| {
        opt(body.mpath(p))
            .and_then(|v| v.as_str())
            .is_some_and(|t| want.iter().any(|w| t.eq_ignore_ascii_case(w)))
    };
    match rtype {
        LOGGER if is("properties.loggerType", &["azureEventHub"]) => Some(Feature::EventHubLogger),
        NAMED_VALUE | CERTIFICATE if opt(body.mpath("properties.keyVault")).is_some() => {
            Some(Feature::KeyVaultRef)
        }
        // The provider's type is also the resource's name (`apim/aad`).
        IDP if is("properties.type", &["aad", "aadB2C"])
            || ["aad", "aadb2c"]
                .contains(&last_segment(full_name).to_ascii_lowercase().as_str()) =>
        {
            Some(Feature::EntraIdp)
        }
        _ => None,
    }
}

/// One address per IP configuration that names a subnet (`ipConfigurations[].properties.subnet.id`).
fn users(
    ws: &mut Workspace,
    r: &ArmResource,
    full_name: &str,
    rtype: &str,
    what: &'static str,
    list: &str,
) {
    let Some(items) = opt(r.body.mpath(list)).and_then(|v| v.as_array()) else {
        return;
    };
    for it in items {
        if let Some(id) = opt(it.mpath("properties.subnet.id")) {
            let m = meta(
                r,
                full_name,
                rtype,
                r.label.clone(),
                it.span.unwrap_or(r.decl),
            );
            ws.subnet_users.push(SubnetUser {
                meta: m,
                subnet: Field::name(id),
                what,
                ips: 1,
            });
        }
    }
}

/// An autoscale setting from its ARM `properties`; azurerm blocks are mapped to this shape.
pub fn autoscale(meta: Meta, props: Option<&V>, decl: Span) -> Autoscale {
    let get = |p: &str| opt(props.and_then(|x| x.mpath(p)));
    let mut a = Autoscale {
        meta,
        target: get("targetResourceUri")
            .map(Field::name)
            .unwrap_or_else(|| Field::unknown("the setting has no targetResourceUri", Some(decl))),
        enabled: get("enabled")
            .map(Field::flag)
            .unwrap_or_else(|| Field::implicit(true, Some(decl))),
        profiles: Vec::new(),
        profiles_unknown: None,
    };
    let Some(list) = get("profiles") else {
        return a;
    };
    let items = match &list.kind {
        VKind::Arr(items) => items.iter().collect::<Vec<_>>(),
        VKind::Obj(_) => vec![list],
        VKind::Unknown(u) => {
            a.profiles_unknown = Some((String::from(&*u.reason), list.span));
            return a;
        }
        _ => return a,
    };
    for p in items {
        let pdecl = p.span.unwrap_or(decl);
        if let Some(u) = p.unknown_reason() {
            a.profiles_unknown = Some((u.to_string(), p.span));
            continue;
        }
        let cap = |k: &str| match opt(p.mpath(&format!("capacity.{k}"))) {
            Some(v) => Field::int(v),
            None => Field::unknown(format!("the profile has no capacity.{k}"), Some(pdecl)),
        };
        let mut actions = Vec::new();
        if let Some(rules) = opt(p.mget("rules")).and_then(|v| v.as_array()) {
            for rule in rules {
                let Some(act) = opt(rule.mget("scaleAction")) else {
                    continue;
                };
                let adecl = act.span.or(rule.span).unwrap_or(pdecl);
                actions.push(ScaleAction {
                    decl: adecl,
                    kind: opt(act.mget("type"))
                        .map(Field::string)
                        .unwrap_or_else(|| Field::unknown("no type", Some(adecl))),
                    value: opt(act.mget("value"))
                        .map(Field::int)
                        .unwrap_or_else(|| Field::unknown("no value", Some(adecl))),
                });
            }
        }
        a.profiles.push(AutoscaleProfile {
            name: p.mget("name").map(name_text).unwrap_or_default(),
            decl: pdecl,
            minimum: cap("minimum"),
            maximum: cap("maximum"),
            default: cap("default"),
            actions,
        });
    }
    a
}

/// Inline children of a declared resource get the ids Azure gives them, so that
/// `vnet.properties.subnets[0].id` (Bicep) and `reference('vnet').subnets[0].id` (ARM) resolve.
pub fn add_child_ids(body: &mut V, rtype: &str, id: &V) {
    let Some(base) = id.as_name() else { return };
    let t = rtype.to_ascii_lowercase();
    let (list, seg) = match t.as_str() {
        "microsoft.network/virtualnetworks" => ("subnets", "subnets"),
        "microsoft.network/networksecuritygroups" => ("securityRules", "securityRules"),
        "microsoft.network/routetables" => ("routes", "routes"),
        _ => return,
    };
    let VKind::Obj(entries) = &mut body.kind else {
        return;
    };
    let Some((_, props)) = entries
        .iter_mut()
        .find(|(k, _)| k.name.eq_ignore_ascii_case("properties"))
    else {
        return;
    };
    let VKind::Obj(pentries) = &mut props.kind else {
        return;
    };
    let Some((_, items)) = pentries
        .iter_mut()
        .find(|(k, _)| k.name.eq_ignore_ascii_case(list))
    else {
        return;
    };
    let VKind::Arr(items) = &mut items.kind else {
        return;
    };
    for it in items {
        let Some(n) = it
            .mget("name")
            .and_then(|n| n.as_name())
            .map(str::to_string)
        else {
            continue;
        };
        if it.mget("id").is_none() {
            let span = it.span;
            let text = format!("{base}/{seg}/{n}");
            let unknown = [id, it.mget("name").unwrap_or(id)]
                .into_iter()
                .find_map(|v| v.unknown_reason().map(str::to_string));
            let child = match unknown {
                Some(reason) => V::symbolic(reason, text, span),
                None => V::str(text, span),
            };
            it.set("id", child);
        }
    }
}

fn split_parent(full: &str) -> (String, String) {
    match full.rsplit_once('/') {
        Some((p, n)) => (p.to_string(), n.to_string()),
        None => (String::new(), full.to_string()),
    }
}

/// `v.mpath(path)`, also through values with alternatives (`sku: isProd ? {…} : {…}`): then
/// the path's value in each alternative (`missing` where an alternative lacks it, else null).
fn apath<'a>(v: &'a V, path: &str, missing: Option<&V>) -> Option<Cow<'a, V>> {
    let (mut cur, mut rest) = (v, path);
    loop {
        if rest.is_empty() {
            return Some(Cow::Borrowed(cur));
        }
        if let Some(alts) = cur.alts() {
            let list = alts
                .iter()
                .map(|(c, a)| {
                    let x = apath(a, rest, missing).map(Cow::into_owned);
                    let x = x.or_else(|| missing.map(|m| m.clone().at(a.span)));
                    (c.clone(), x.unwrap_or_else(|| V::null(a.span)))
                })
                .collect();
            let reason = cur.unknown_reason().unwrap_or("unknown");
            return Some(Cow::Owned(V::unknown(reason, cur.span).with_alts(list)));
        }
        let (head, tail) = rest.split_once('.').unwrap_or((rest, ""));
        cur = cur.mget(head)?;
        rest = tail;
    }
}

fn apim(ws: &mut Workspace, r: &ArmResource, full_name: &str) {
    let m = meta(r, full_name, APIM, r.label.clone(), r.decl);
    let body = r.body;
    let props = body.mget("properties");
    let pget = |p: &str| opt(props.and_then(|x| x.mpath(p)));
    let sku = opt(apath(body, "sku.name", None).as_deref())
        .map(Field::string)
        .unwrap_or_else(|| Field::unknown("the instance has no sku.name", Some(r.decl)));
    let capacity = opt(apath(body, "sku.capacity", None).as_deref())
        .map(Field::int)
        .unwrap_or_else(|| Field::unknown("the instance has no sku.capacity", Some(r.decl)));
    let none = V::str("None", None);
    let vnet_type = opt(apath(body, "properties.virtualNetworkType", Some(&none)).as_deref())
        .map(Field::string)
        .unwrap_or_else(|| Field::implicit("None".to_string(), Some(r.decl)));
    let primary = ApimLocation {
        primary: true,
        location: opt(body.mget("location"))
            .map(Field::string)
            .unwrap_or_else(|| Field::unknown("no location", Some(r.decl))),
        capacity,
        zones: opt(apath(body, "zones", None).as_deref()).map(Field::strings),
        // Per alternative, like the mode: `enableVnet ? { subnetResourceId: … } : null` pairs
        // the subnet with the mode of the same branch.
        subnet: opt(apath(
            body,
            "properties.virtualNetworkConfiguration.subnetResourceId",
            None,
        )
        .as_deref())
        .map(Field::name),
        public_ip: opt(apath(body, "properties.publicIpAddressId", None).as_deref())
            .map(Field::name),
        decl: r.decl,
    };
    let mut locations = vec![primary];
    let mut locations_unknown = None;
    if let Some(extra) = pget("additionalLocations") {
        match &extra.kind {
            VKind::Arr(items) => {
                for it in items {
                    if let Some(u) = it.unknown_reason() {
                        locations_unknown = Some((u.to_string(), it.span.or(extra.span)));
                        continue;
                    }
                    let decl = it.span.unwrap_or(r.decl);
                    locations.push(ApimLocation {
                        primary: false,
                        location: opt(it.mget("location"))
                            .map(Field::string)
                            .unwrap_or_else(|| Field::unknown("no location", Some(decl))),
                        capacity: opt(it.mpath("sku.capacity"))
                            .map(Field::int)
                            .unwrap_or_else(|| Field::unknown("no sku.capacity", Some(decl))),
                        zones: opt(it.mget("zones")).map(Field::strings),
                        subnet: opt(it.mpath("virtualNetworkConfiguration.subnetResourceId"))
                            .map(Field::name),
                        public_ip: opt(it.mget("publicIpAddressId")).map(Field::name),
                        decl,
                    });
                }
            }
            VKind::Unknown(u) => locations_unknown = Some((String::from(&*u.reason), extra.span)),
            _ => {}
        }
    }
    let migration_ips = pget("customProperties")
        .and_then(|c| c.as_object())
        .is_some_and(|o| {
            o.iter().any(|(k, _)| {
                k.name
                    .eq_ignore_ascii_case(crate::model::MIGRATION_IPS_PROPERTY)
            })
        });
    let mut features = ApimFeatures::default();
    if let Some(VKind::Arr(hosts)) = pget("hostnameConfigurations").map(|h| &h.kind) {
        for h in hosts.iter().filter(|h| opt(h.mget("keyVaultId")).is_some()) {
            features.add(Feature::KeyVaultRef, h.span.unwrap_or(r.decl));
        }
    }
    ws.apims.push(Apim {
        meta: m,
        api_version: r.api_version.map(Field::string),
        sku,
        vnet_type,
        locations,
        locations_unknown,
        migration_ips,
        features,
        platform_version: pget("platformVersion").map(Field::string),
        public_network_access: pget("publicNetworkAccess").map(Field::string),
    });
}

fn subnet(meta: Meta, vnet: &str, props: &V, decl: Span) -> Subnet {
    let prefixes = match (
        opt(props.mget("addressPrefixes")),
        opt(props.mget("addressPrefix")),
    ) {
        (Some(list), _) => Field::strings(list),
        (None, Some(one)) => Field::strings(one),
        (None, None) => Field::unknown("the subnet has no address prefix", Some(decl)),
    };
    let service_endpoints = match opt(props.mget("serviceEndpoints")) {
        Some(v) => list_of(v, |e| e.mget("service")),
        None => Field::implicit(vec![], Some(decl)),
    };
    let endpoint_locations = opt(props.mget("serviceEndpoints"))
        .map(endpoint_locations)
        .unwrap_or_default();
    let delegations = match opt(props.mget("delegations")) {
        Some(v) => list_of(v, |e| {
            e.mpath("properties.serviceName").or(e.mget("serviceName"))
        }),
        None => Field::implicit(vec![], Some(decl)),
    };
    Subnet {
        meta,
        vnet: vnet.to_string(),
        prefixes,
        nsg: link_ref(props.mget("networkSecurityGroup")),
        route_table: link_ref(props.mget("routeTable")),
        service_endpoints,
        endpoint_locations,
        delegations,
        inline: false,
    }
}

/// A list of objects, projected to one string each (`serviceEndpoints[].service`).
/// The endpoints whose `locations` is a known list without `*` (an unknown list claims nothing).
fn endpoint_locations(v: &V) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for it in v.as_array().into_iter().flatten() {
        let (Some(s), Some(l)) = (it.mget("service"), opt(it.mget("locations"))) else {
            continue;
        };
        let (Ok(s), Ok(l)) = (Field::string(s).val, Field::strings(l).val) else {
            continue;
        };
        if !l.iter().any(|x| x.trim() == "*") {
            out.push((s, l));
        }
    }
    out
}

fn list_of(v: &V, pick: impl Fn(&V) -> Option<&V> + Copy) -> Field<Vec<String>> {
    // A list that is one of several (`isV2 ? [delegation] : []`): each, where it holds.
    if let Some(f) = alternatives(v, |x| list_of(x, pick)) {
        return f;
    }
    match &v.kind {
        VKind::Arr(items) => {
            let mut out = Vec::new();
            for it in items {
                if let Some(x) = pick(it).or(if it.is_unknown() { Some(it) } else { None }) {
                    match Field::string(x).val {
                        Ok(s) => out.push(s),
                        Err(e) => return Field::unknown(e, x.span.or(v.span)),
                    }
                }
            }
            Field::known(out, v.span)
        }
        VKind::Unknown(u) => Field::unknown(String::from(&*u.reason), v.span),
        _ => Field::known(vec![], v.span),
    }
}

/// Every `publicIPAddress: { id }` and `publicIpAddresses: [{ id }]` under a resource's
/// properties (frontends, IP configurations), at any depth up to a small bound.
fn pip_refs(v: &V, out: &mut Vec<Field<String>>) {
    v.visit_entries(6, &mut |k, x| {
        if k.eq_ignore_ascii_case("publicIPAddress") {
            out.extend(ref_id(Some(x)));
        } else if k.eq_ignore_ascii_case("publicIPAddresses") {
            for it in x.as_array().into_iter().flatten() {
                out.extend(ref_id(Some(it)));
            }
        } else {
            return false;
        }
        true
    });
}

/// `[{ ipTagType: 'RoutingPreference', tag: 'Internet' }]` → `RoutingPreference=Internet`.
fn list_of_pairs(v: &V, k: &str, t: &str) -> Field<Vec<String>> {
    let Some(items) = v.as_array() else {
        return Field::strings(v);
    };
    let mut out = Vec::new();
    for it in items {
        let pair = (it.mget(k).map(Field::string), it.mget(t).map(Field::string));
        match pair {
            (Some(a), Some(b)) => match (a.val, b.val) {
                (Ok(a), Ok(b)) => out.push(format!("{a}={b}")),
                (Err(e), _) | (_, Err(e)) => return Field::unknown(e, it.span.or(v.span)),
            },
            _ => return Field::unknown("an ipTags entry is not known", it.span.or(v.span)),
        }
    }
    Field::known(out, v.span)
}

/// The properties a security rule is read through.
#[derive(Clone, Copy)]
enum Rk {
    Direction,
    Access,
    Protocol,
    Priority,
    SourcePrefix,
    SourcePrefixes,
    SourceAsgs,
    SourcePort,
    SourcePorts,
    DestinationPrefix,
    DestinationPrefixes,
    DestinationAsgs,
    DestinationPort,
    DestinationPorts,
    Description,
}

/// The name of each [`Rk`], in its order.
const RULE_KEYS: [&str; 15] = [
    "direction",
    "access",
    "protocol",
    "priority",
    "sourceAddressPrefix",
    "sourceAddressPrefixes",
    "sourceApplicationSecurityGroups",
    "sourcePortRange",
    "sourcePortRanges",
    "destinationAddressPrefix",
    "destinationAddressPrefixes",
    "destinationApplicationSecurityGroups",
    "destinationPortRange",
    "destinationPortRanges",
    "description",
];

impl Rk {
    fn name(self) -> &'static str {
        RULE_KEYS[self as usize]
    }
}

/// A rule's properties found in one pass over its entries, each as [`Member::mget`] reads it
/// (the last of a name written twice; every name of an unknown object): a rule is read through
/// some forty lookups, and a large repository has hundreds of thousands of rules.
struct RuleProps<'a> {
    props: &'a V,
    found: [Option<&'a V>; RULE_KEYS.len()],
}

impl<'a> RuleProps<'a> {
    fn new(props: &'a V) -> RuleProps<'a> {
        let mut found = [None; RULE_KEYS.len()];
        if props.is_unknown() && !props.has_alts() {
            found = [Some(props); RULE_KEYS.len()];
        } else if let VKind::Obj(entries) = &props.kind {
            for (k, v) in entries.iter() {
                // Names are nearly always spelled as Azure spells them: compared exactly first.
                let i = RULE_KEYS.iter().position(|n| **n == *k.name).or_else(|| {
                    RULE_KEYS
                        .iter()
                        .position(|n| n.eq_ignore_ascii_case(&k.name))
                });
                if let Some(i) = i {
                    found[i] = Some(v);
                }
            }
        }
        RuleProps { props, found }
    }

    /// The property, absent when null.
    fn get(&self, k: Rk) -> Option<&'a V> {
        opt(self.found[k as usize])
    }
}

/// Union of a singular field, a plural field and (for addresses) application security groups.
fn union(props: &RuleProps, one: Rk, many: Rk, asgs: Option<Rk>, decl: Span) -> Field<Vec<String>> {
    // One field written, with values it may take (`var.internal ? "VirtualNetwork" : "Internet"`,
    // a parameter's allowed values): kept, so that each is checked.
    let asg = asgs.and_then(|a| props.get(a));
    match (props.get(one), props.get(many), asg) {
        (Some(v), None, None) | (None, Some(v), None) if v.has_alts() => return Field::strings(v),
        _ => {}
    }
    // Most lists hold one entry: a grown vector would keep room for four.
    let mut out = Vec::with_capacity(1);
    let mut at = None;
    if let Some(v) = props.get(one) {
        at = v.span;
        match Field::string(v).val {
            Ok(s) => out.push(s),
            Err(e) => return Field::unknown(e, v.span).with_origin(v.origin),
        }
    }
    if let Some(v) = props.get(many) {
        at = at.or(v.span);
        match Field::strings(v).val {
            Ok(list) => out.extend(list),
            Err(e) => return Field::unknown(e, v.span),
        }
    }
    if let Some(v) = asg {
        at = at.or(v.span);
        match list_of(v, |e| e.mget("id")).val {
            Ok(list) => out.extend(list.into_iter().map(|id| format!("asg:{id}"))),
            Err(e) => return Field::unknown(e, v.span),
        }
    }
    out.shrink_to_fit();
    Field::known(out, at.or(Some(decl)))
}

/// A security rule from its `properties` object (inline or separate resource).
pub fn security_rule(name: &str, props: &V, decl: Span) -> SecurityRule {
    let props = RuleProps::new(props);
    let req = |k: Rk| {
        props
            .get(k)
            .map(Field::string)
            .unwrap_or_else(|| Field::unknown(format!("the rule has no {}", k.name()), Some(decl)))
    };
    let mut invalid = Vec::new();
    let direction = valid(
        req(Rk::Direction),
        "direction",
        &["Inbound", "Outbound"],
        &mut invalid,
    )
    .map(|s| {
        if s.eq_ignore_ascii_case("outbound") {
            Direction::Outbound
        } else {
            Direction::Inbound
        }
    });
    let access = valid(req(Rk::Access), "access", &["Allow", "Deny"], &mut invalid).map(|s| {
        if s.eq_ignore_ascii_case("deny") {
            Access::Deny
        } else {
            Access::Allow
        }
    });
    let protocol = valid(req(Rk::Protocol), "protocol", PROTOCOLS, &mut invalid);
    SecurityRule {
        name: name.to_string(),
        decl,
        priority: props
            .get(Rk::Priority)
            .map(Field::int)
            .unwrap_or_else(|| Field::unknown("the rule has no priority", Some(decl))),
        direction,
        access,
        protocol,
        source_addresses: union(
            &props,
            Rk::SourcePrefix,
            Rk::SourcePrefixes,
            Some(Rk::SourceAsgs),
            decl,
        ),
        source_ports: union(&props, Rk::SourcePort, Rk::SourcePorts, None, decl),
        destination_addresses: union(
            &props,
            Rk::DestinationPrefix,
            Rk::DestinationPrefixes,
            Some(Rk::DestinationAsgs),
            decl,
        ),
        destination_ports: union(
            &props,
            Rk::DestinationPort,
            Rk::DestinationPorts,
            None,
            decl,
        ),
        plural_prefixes: [Rk::SourcePrefixes, Rk::DestinationPrefixes]
            .iter()
            .filter_map(|&k| props.get(k))
            .flat_map(|v| {
                v.as_array()
                    .unwrap_or(&[])
                    .iter()
                    .map(move |it| (it, v.span))
            })
            .filter_map(|(it, at)| Some((it.as_str()?.to_string(), it.span.or(at))))
            .collect(),
        invalid,
        faults: rule_faults(&props),
        deployed: None,
    }
}

/// Azure's limit on a security rule's `description`.
const MAX_DESCRIPTION: usize = 140;

/// What is wrong in the fields of a rule the evaluation does not read, or reads as a union:
/// a long description; a side written, non-empty, in both its singular and plural field (an
/// empty `sourcePortRanges: []` next to `sourcePortRange: '*'` is what exported templates write).
fn rule_faults(rule: &RuleProps) -> Vec<RuleFault> {
    let mut out = Vec::new();
    let props = rule.props;
    // Absent only when the properties are known: an unknown object may hold anything.
    if props.as_object().is_some() && !props.is_unknown() && !props.has_alts() {
        for k in [Rk::Priority, Rk::Direction, Rk::Access, Rk::Protocol] {
            if rule.get(k).is_none() {
                out.push(RuleFault::Missing(k.name()));
            }
        }
    }
    if let Some(d) = rule.get(Rk::Description) {
        let n = d.as_str().map_or(0, |t| t.chars().count());
        if n > MAX_DESCRIPTION {
            out.push(RuleFault::LongDescription(n, d.span));
        }
    }
    for (what, one, many) in [
        ("source port", Rk::SourcePort, Rk::SourcePorts),
        (
            "destination port",
            Rk::DestinationPort,
            Rk::DestinationPorts,
        ),
        ("source address", Rk::SourcePrefix, Rk::SourcePrefixes),
        (
            "destination address",
            Rk::DestinationPrefix,
            Rk::DestinationPrefixes,
        ),
    ] {
        let single = rule
            .get(one)
            .and_then(|v| v.as_str())
            .is_some_and(|t| !t.trim().is_empty());
        let list = rule
            .get(many)
            .filter(|v| v.as_array().is_some_and(|a| !a.is_empty()));
        if let (true, Some(list)) = (single, list) {
            out.push(RuleFault::Both {
                what,
                at: list.span,
                rejected: false,
            });
        }
    }
    out
}

/// The protocols a security rule takes.
const PROTOCOLS: &[&str] = &["Tcp", "Udp", "Icmp", "Esp", "Ah", "*"];

/// A known value of an enumerated rule field that is none of `allowed` (any case) is no value
/// the rule can be read with: Azure rejects the rule. It is recorded in `invalid` (STV214) and
/// the field becomes unknown, so that `access: 'Permit'` is never read as an allow.
fn valid(
    f: Field<String>,
    what: &str,
    allowed: &[&str],
    invalid: &mut Vec<(String, Option<Span>)>,
) -> Field<String> {
    match f.get() {
        Some(v) if !allowed.iter().any(|a| a.eq_ignore_ascii_case(v.trim())) => {
            let shown = format!("{what} '{v}'");
            let reason = format!("{shown} is not one of {}", allowed.join(", "));
            invalid.push((shown, f.at));
            Field::unknown(reason, f.at).with_origin(f.origin())
        }
        _ => f,
    }
}

/// A route from its `properties` object.
pub fn route(name: &str, props: &V, decl: Span) -> Route {
    Route {
        name: name.to_string(),
        decl,
        prefix: opt(props.mget("addressPrefix"))
            .map(Field::string)
            .unwrap_or_else(|| Field::unknown("the route has no addressPrefix", Some(decl))),
        prefix_shape: opt(props.mget("addressPrefix"))
            .and_then(|v| v.text_shape())
            .cloned(),
        next_hop: opt(props.mget("nextHopType"))
            .map(Field::string)
            .unwrap_or_else(|| Field::unknown("the route has no nextHopType", Some(decl))),
        next_hop_ip: opt(props.mget("nextHopIpAddress")).map(Field::string),
        deployed: None,
    }
}
