//! Scope functions (`resourceGroup()`, `subscription()`, …) as stable placeholders, and the
//! resource id functions, built with the one [`ResourceId`] type.

use super::*;

pub(super) fn call(lname: &str, name: &str, args: &[V], span: Option<Span>) -> Option<V> {
    let v = match lname {
        // Scope functions: stable placeholders.
        "resourcegroup" => scope_object(
            &[
                ("name", "resourceGroup().name"),
                ("id", "resourceGroup().id"),
                ("location", "resourceGroup().location"),
            ],
            span,
        ),
        "subscription" => scope_object(
            &[
                ("subscriptionId", "subscription().subscriptionId"),
                ("id", "subscription().id"),
                ("tenantId", "subscription().tenantId"),
                ("displayName", "subscription().displayName"),
            ],
            span,
        ),
        "tenant" => scope_object(&[("tenantId", "tenant().tenantId")], span),
        "deployment" => {
            // `properties.templateLink.uri` is the base of the quickstart `_artifactsLocation`
            // links: a stable placeholder keeps the relative part of a link matchable to a
            // file of the run.
            let mut d = scope_object(&[("name", "deployment().name")], span);
            let link = scope_object(&[("uri", "deployment().properties.templateLink.uri")], span);
            d.set(
                "properties",
                V::obj(vec![(Key::new("templateLink", span), link)], span),
            );
            d
        }
        "managementgroup" => scope_object(
            &[
                ("name", "managementGroup().name"),
                ("id", "managementGroup().id"),
            ],
            span,
        ),
        "environment" => scope_object(
            &[
                ("name", "environment().name"),
                ("suffixes", "environment().suffixes"),
                ("resourceManager", "environment().resourceManager"),
                ("authentication", "environment().authentication"),
            ],
            span,
        ),
        "utcnow" | "newguid" => V::unknown(format!("{name}() is only known at deployment"), span),
        "uniquestring" | "guid" => {
            if let Some(u) = first_unstable(args) {
                return Some(V::new(VKind::Unknown(Box::new(u)), span));
            }
            let parts: Vec<String> = args.iter().map(sym_text).collect();
            V::symbolic(
                format!("{name}() is computed at deployment"),
                format!("{}({})", name, parts.join(",")),
                span,
            )
        }
        "listkeys"
        | "listsecrets"
        | "list"
        | "pickzones"
        | "providers"
        | "managementgroupresourceid" => {
            V::unknown(format!("{name}() is only known at deployment"), span)
        }

        // Resource ids.
        "resourceid" => resource_id(args, span, true),
        "subscriptionresourceid" => resource_id(args, span, false),
        "tenantresourceid" => tenant_resource_id(args, span),
        "extensionresourceid" => extension_resource_id(args, span),
        _ => return None,
    };
    Some(v)
}

pub(super) fn scope_object(fields: &[(&str, &str)], span: Option<Span>) -> V {
    V::obj(
        fields
            .iter()
            .map(|(k, sym)| {
                (
                    Key::new(*k, span),
                    V::symbolic(format!("{sym} is only known at deployment"), *sym, span),
                )
            })
            .collect(),
        span,
    )
}

/// Text usable inside an id: strings, and the symbol of stable unknowns.
pub(super) fn id_part(v: &V) -> Result<String, V> {
    match &v.kind {
        VKind::Str(s) => Ok(String::from(&**s)),
        VKind::Unknown(u) if let Some(s) = &u.sym => Ok(s.to_string()),
        _ => Err(v.clone()),
    }
}

/// Every argument of an id function as text, or the first that is not.
fn id_parts(args: &[V]) -> Result<Vec<String>, V> {
    args.iter().map(id_part).collect()
}

pub(super) fn is_type(s: &str) -> bool {
    s.contains('.') && s.contains('/') && !s.starts_with('/')
}

/// `resourceId([sub], [rg], type, name…)` → `/subscriptions/…/resourceGroups/…/providers/…`.
pub(super) fn resource_id(args: &[V], span: Option<Span>, with_rg: bool) -> V {
    let parts = match id_parts(args) {
        Ok(p) => p,
        Err(v) => return unknown_from(&v, span),
    };
    let Some(ti) = parts.iter().position(|p| is_type(p)) else {
        return V::unknown("resourceId() without a resource type", span);
    };
    let rtype = parts[ti].clone();
    // Names may be given as one "a/b" argument or one argument per segment.
    let names: Vec<String> = parts[ti + 1..]
        .iter()
        .flat_map(|n| n.split('/').map(String::from).collect::<Vec<_>>())
        .collect();
    let (sub, rg) = match ti {
        0 => (None, None),
        1 if with_rg => (None, Some(parts[0].clone())),
        1 => (Some(parts[0].clone()), None),
        _ => (Some(parts[0].clone()), Some(parts[1].clone())),
    };
    let sub = sub.as_deref().unwrap_or("{subscription}");
    let scope = match with_rg {
        true => IdScope::ResourceGroup(sub, rg.as_deref().unwrap_or("{resourceGroup}")),
        false => IdScope::Subscription(sub),
    };
    V::str(ResourceId::build(scope, &rtype, &names).to_string(), span)
}

pub(super) fn tenant_resource_id(args: &[V], span: Option<Span>) -> V {
    let parts = match id_parts(args) {
        Ok(p) => p,
        Err(v) => return unknown_from(&v, span),
    };
    let Some((t, names)) = parts.split_first() else {
        return arity("tenantResourceId", span);
    };
    V::str(
        ResourceId::build(IdScope::Tenant, t, names).to_string(),
        span,
    )
}

pub(super) fn extension_resource_id(args: &[V], span: Option<Span>) -> V {
    let parts = match id_parts(args) {
        Ok(p) => p,
        Err(v) => return unknown_from(&v, span),
    };
    let Some((base, rest)) = parts.split_first() else {
        return arity("extensionResourceId", span);
    };
    let Some((t, names)) = rest.split_first() else {
        return arity("extensionResourceId", span);
    };
    V::str(
        ResourceId::build(IdScope::Under(base), t, names).to_string(),
        span,
    )
}
