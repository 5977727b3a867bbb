//! AzAPI: `azapi_resource` bodies are ARM bodies, so they go through the same adapter as ARM
//! and Bicep (`model::arm_body`). `azapi_update_resource` patches a resource declared elsewhere.

use super::eval::ObjExt;
use crate::model::arm_body::{self, ArmResource};
use crate::model::*;
use crate::source::Span;

/// `Microsoft.Network/virtualNetworks/subnets@2023-09-01` → (type, version).
fn split_type(t: &str) -> (&str, Option<&str>) {
    match t.split_once('@') {
        Some((a, b)) => (a, Some(b)),
        None => (t, None),
    }
}

/// The resource type of an azapi body without its API version, and the version. The type is
/// read also when only the version is unknown (`"…/service@${var.api_version}"`, a common way
/// to pin versions in one place): the resource is still recognised, with an unknown version.
fn type_of(body: &V) -> Option<(&str, Option<V>)> {
    let tv = body.get_exact("type")?;
    let (rtype, version) = split_type(tv.as_name()?);
    if rtype.contains(['{', '}', '$']) {
        return None;
    }
    let version = version.map(|v| match tv.unknown_reason() {
        Some(why) => V::unknown(why, tv.span),
        None => V::str(v, tv.span),
    });
    Some((rtype, version))
}

/// Resource group named in an id (`/subscriptions/…/resourceGroups/rg[/…]`).
fn rg_of(id: &str) -> Option<String> {
    let segs: Vec<&str> = id.split('/').collect();
    segs.windows(2)
        .find(|w| w[0].eq_ignore_ascii_case("resourcegroups"))
        .map(|w| w[1].to_string())
}

/// The id an `azapi_resource` gets: the parent's id plus the type's last segment and the name.
pub fn id(body: &V, label: &str, exact: &mut bool) -> Option<String> {
    let (rtype, _) = type_of(body)?;
    let parent = match body.get_exact("parent_id") {
        Some(p) if p.as_str().is_some() => p.as_str().unwrap_or_default().to_string(),
        Some(p) if p.as_name().is_some() => {
            *exact = false;
            p.as_name().unwrap_or_default().to_string()
        }
        _ => {
            *exact = false;
            "/subscriptions/{subscription}/resourceGroups/{resourceGroup}".to_string()
        }
    };
    let name = match body.get_exact("name") {
        Some(n) if n.as_str().is_some() => n.as_str().unwrap_or_default().to_string(),
        Some(n) if n.as_name().is_some() => {
            *exact = false;
            super::eval::sym_clean(n.as_name().unwrap_or_default())
        }
        _ => {
            *exact = false;
            super::eval::sym_ref(&format!("{label}.name"))
        }
    };
    let segs: Vec<&str> = rtype.split('/').collect();
    if segs.len() <= 2 {
        Some(ResourceId::build(IdScope::Under(&parent), rtype, &[name]).to_string())
    } else {
        Some(format!(
            "{}/{}/{name}",
            parent.trim_end_matches('/'),
            segs.last().unwrap_or(&"")
        ))
    }
}

/// The ARM body of an azapi resource: `body` (object, or JSON text), with `location` and
/// `tags` from the top level.
fn arm_body_of(b: &V) -> V {
    let mut body = match b.get_exact("body") {
        Some(v) => match &v.kind {
            VKind::Obj(_) => v.clone(),
            VKind::Str(s) => match serde_json::from_str::<serde_json::Value>(s) {
                Ok(j) => V::from_json_at(&j, v.span),
                Err(_) => V::obj(vec![], v.span),
            },
            // Not known here (`jsondecode(file(…))`): every part of it is unknown, not absent.
            VKind::Unknown(_) => V::obj(
                ["properties", "sku", "zones"]
                    .into_iter()
                    .map(|k| (Key::new(k, v.span), v.clone()))
                    .collect(),
                v.span,
            ),
            _ => V::obj(vec![], v.span),
        },
        None => V::obj(vec![], b.span),
    };
    if body.get("location").is_none() {
        if let Some(l) = b.get_exact("location") {
            body.set("location", l.clone());
        }
    }
    body
}

/// Name path of a child resource from its parent's id: `vnet/subnet`.
fn full_name(rtype: &str, parent: Option<&str>, name: &str) -> String {
    let depth = rtype.split('/').count().saturating_sub(2);
    if depth == 0 {
        return name.to_string();
    }
    // The parent's names as written in its id.
    let names: Vec<String> = parent
        .and_then(ResourceId::parse)
        .map(|id| id.names().map(str::to_string).collect())
        .unwrap_or_default();
    let mut path: Vec<String> = names.into_iter().rev().take(depth).collect();
    path.reverse();
    while path.len() < depth {
        path.insert(0, "<unknown parent>".to_string());
    }
    path.push(name.to_string());
    path.join("/")
}

pub fn emit(ws: &mut Workspace, body: &V, label: &str, decl: Span) {
    let Some((rtype, api_version)) = type_of(body) else {
        return;
    };
    if !arm_body::is_relevant(rtype) {
        return;
    }
    let parent = body.get_exact("parent_id").and_then(|p| p.as_name());
    let name = body
        .get_exact("name")
        .and_then(|n| n.as_name())
        .map(str::to_string)
        .unwrap_or_else(|| super::eval::sym_ref(&format!("{label}.name")));
    let full = full_name(rtype, parent, &name);
    let rg = parent.and_then(rg_of);
    let arm = arm_body_of(body);
    let name_v = V::str(full, body.get_exact("name").and_then(|n| n.span));
    arm_body::ingest(
        ws,
        ArmResource {
            rtype,
            api_version: api_version.as_ref(),
            name: &name_v,
            body: &arm,
            decl,
            label: label.to_string(),
            format: Format::Terraform,
            rg,
            deployed: None,
        },
    );
}

/// An `azapi_update_resource`, applied once every resource of the run is in the model.
pub struct Patch {
    rtype: String,
    full: String,
    rg: Option<String>,
    body: V,
    label: String,
    decl: Span,
}

pub fn patch(body: &V, label: &str, decl: Span) -> Option<Patch> {
    let (rtype, _) = type_of(body)?;
    if !arm_body::is_relevant(rtype) {
        return None;
    }
    let (full, rg) = match body.get_exact("resource_id").and_then(|v| v.as_name()) {
        Some(id) => {
            let key = ResKey::from_id(id)?;
            (key.names.join("/"), rg_of(id))
        }
        None => {
            let parent = body.get_exact("parent_id").and_then(|p| p.as_name());
            let name = body.get_exact("name")?.as_name()?;
            (full_name(rtype, parent, name), parent.and_then(rg_of))
        }
    };
    Some(Patch {
        rtype: rtype.to_string(),
        full,
        rg,
        body: arm_body_of(body),
        label: label.to_string(),
        decl,
    })
}

fn same(a: &ResKey, b: &ResKey) -> bool {
    a.rtype == b.rtype && a.names == b.names && a.same_scope(b)
}

/// Merge a patch into its target: the properties the update body sets replace the target's.
/// The target is the declaration of the patch's own deployment `unit`; a resource that
/// deployment does not declare is updated wherever the run declares it.
pub fn apply(ws: &mut Workspace, p: &Patch, unit: UnitId) {
    let mut tmp = Workspace::default();
    let name_v = V::str(p.full.as_str(), None);
    arm_body::ingest(
        &mut tmp,
        ArmResource {
            rtype: &p.rtype,
            api_version: None,
            name: &name_v,
            body: &p.body,
            decl: p.decl,
            label: p.label.clone(),
            format: Format::Terraform,
            rg: p.rg.clone(),
            deployed: None,
        },
    );
    let has = |path: &str| p.body.path(path).is_some_and(|v| !v.is_null());
    for s in tmp.subnets {
        let id = s.meta.key.to_id();
        if let Some(nsg) = s.nsg.clone() {
            ws.associations.push(Association {
                unit: crate::model::UnitId::NONE,
                subnet: Field::known(id.clone(), Some(p.decl)),
                target: nsg,
                kind: AssocKind::Nsg,
                decl: p.decl,
            });
        }
        if let Some(rt) = s.route_table.clone() {
            ws.associations.push(Association {
                unit: crate::model::UnitId::NONE,
                subnet: Field::known(id.clone(), Some(p.decl)),
                target: rt,
                kind: AssocKind::RouteTable,
                decl: p.decl,
            });
        }
        let own = ws
            .subnets
            .iter()
            .any(|t| same(&t.meta.key, &s.meta.key) && t.meta.unit == unit);
        for t in ws
            .subnets
            .iter_mut()
            .filter(|t| same(&t.meta.key, &s.meta.key) && (!own || t.meta.unit == unit))
        {
            if has("properties.serviceEndpoints") {
                t.service_endpoints = s.service_endpoints.clone();
            }
            if has("properties.delegations") {
                t.delegations = s.delegations.clone();
            }
            if has("properties.addressPrefix") || has("properties.addressPrefixes") {
                t.prefixes = s.prefixes.clone();
            }
        }
    }
    for n in tmp.nsgs {
        for r in n.rules {
            ws.children.push(Child::Rule(n.meta.key.clone(), r));
        }
    }
    ws.children.extend(tmp.children);
    for rt in tmp.route_tables {
        for r in rt.routes {
            ws.children.push(Child::Route(rt.meta.key.clone(), r));
        }
    }
    for a in tmp.apims {
        let own = ws
            .apims
            .iter()
            .any(|t| same(&t.meta.key, &a.meta.key) && t.meta.unit == unit);
        for t in ws
            .apims
            .iter_mut()
            .filter(|t| same(&t.meta.key, &a.meta.key) && (!own || t.meta.unit == unit))
        {
            if has("sku.name") {
                t.sku = a.sku.clone();
            }
            if has("properties.virtualNetworkType") {
                t.vnet_type = a.vnet_type.clone();
            }
            if let (Some(tp), Some(ap)) = (t.locations.first_mut(), a.locations.first()) {
                if has("sku.capacity") {
                    tp.capacity = ap.capacity.clone();
                }
                if has("zones") {
                    tp.zones = ap.zones.clone();
                }
                if has("properties.virtualNetworkConfiguration") {
                    tp.subnet = ap.subnet.clone();
                }
                if has("properties.publicIpAddressId") {
                    tp.public_ip = ap.public_ip.clone();
                }
            }
            if has("properties.additionalLocations") {
                t.locations.truncate(1);
                t.locations.extend(a.locations.iter().skip(1).cloned());
                t.locations_unknown = a.locations_unknown.clone();
            }
            if a.migration_ips {
                t.migration_ips = true;
            }
        }
    }
    for pip in tmp.public_ips {
        let own = ws
            .public_ips
            .iter()
            .any(|t| same(&t.meta.key, &pip.meta.key) && t.meta.unit == unit);
        for t in ws
            .public_ips
            .iter_mut()
            .filter(|t| same(&t.meta.key, &pip.meta.key) && (!own || t.meta.unit == unit))
        {
            if has("sku.name") {
                t.sku = pip.sku.clone();
            }
            if has("properties.publicIPAllocationMethod") {
                t.allocation = pip.allocation.clone();
            }
            if has("properties.dnsSettings.domainNameLabel") {
                t.dns_label = pip.dns_label.clone();
            }
            if has("zones") {
                t.zones = pip.zones.clone();
            }
        }
    }
}
