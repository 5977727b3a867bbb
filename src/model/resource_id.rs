//! One case-preserving Azure resource id, built by every front end (ARM and Bicep `resourceId`
//! and friends, a Bicep symbol's `.id`, a Terraform azurerm or AzAPI id) and parsed by the front
//! ends and the linker, so ids are spelled the same wherever they come from.
//!
//! An id is a scope (`/subscriptions/s/resourceGroups/rg`, `/subscriptions/s`, nothing for a
//! tenant resource, or a whole other id for an extension resource) followed by
//! `/providers/<namespace>` and one `/<type>/<name>` pair per level. Azure compares ids without
//! regard to case, and shows them as written: [`ResourceId`] keeps the text as written
//! ([`std::fmt::Display`]) and compares ignoring ASCII case ([`PartialEq`]).

use std::fmt;

/// Where a resource is deployed, for building its id.
#[derive(Clone, Copy, Debug)]
pub enum IdScope<'a> {
    /// `/providers/…`: a tenant resource.
    Tenant,
    /// `/subscriptions/<s>/providers/…`.
    Subscription(&'a str),
    /// `/subscriptions/<s>/resourceGroups/<rg>/providers/…`.
    ResourceGroup(&'a str, &'a str),
    /// `<id>/providers/…`: an extension resource on another resource (or any scope written out).
    Under(&'a str),
}

/// A resource id: its scope text and the provider path after the last `/providers/`.
#[derive(Clone, Debug)]
pub struct ResourceId {
    /// Everything before the last `/providers/`, without a trailing `/`.
    scope: String,
    /// `ns/t1/n1/t2/n2`, as written.
    path: String,
}

impl ResourceId {
    /// The id of a resource of type `rtype` (`ns/t1/t2`) named `names` (`[n1, n2]`) in `scope`.
    /// Names beyond the type's levels are dropped, levels without a name are left out, as ARM's
    /// `resourceId()` does with too few segments.
    pub fn build<S: AsRef<str>>(scope: IdScope, rtype: &str, names: &[S]) -> ResourceId {
        let scope = match scope {
            IdScope::Tenant => String::new(),
            IdScope::Subscription(s) => format!("/subscriptions/{s}"),
            IdScope::ResourceGroup(s, rg) => format!("/subscriptions/{s}/resourceGroups/{rg}"),
            IdScope::Under(base) => base.trim_end_matches('/').to_string(),
        };
        ResourceId {
            scope,
            path: providers_path(rtype, names),
        }
    }

    /// Parses `…/providers/ns/t1/n1[/t2/n2…]` (the last `/providers/` is the resource's own, so
    /// extension ids parse). `None` when there is no provider namespace with a type and a name.
    pub fn parse(id: &str) -> Option<ResourceId> {
        let (scope, segs) = split_id(id)?;
        let path = segs.collect::<Vec<_>>().join("/");
        Some(ResourceId {
            scope: scope.to_string(),
            path,
        })
    }

    /// The provider namespace (`Microsoft.Network`).
    pub fn namespace(&self) -> &str {
        self.path.split('/').next().unwrap_or("")
    }

    /// The type levels after the namespace (`virtualNetworks`, `subnets`).
    pub fn types(&self) -> impl Iterator<Item = &str> {
        self.path.split('/').skip(1).step_by(2)
    }

    /// The names, one per type level (`vnet`, `apim`).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.path.split('/').skip(2).step_by(2)
    }

    /// The full type, `ns/t1/t2`.
    pub fn rtype(&self) -> String {
        let mut t = self.namespace().to_string();
        for s in self.types() {
            t.push('/');
            t.push_str(s);
        }
        t
    }

    /// The name path, `n1/n2`.
    pub fn name(&self) -> String {
        self.names().collect::<Vec<_>>().join("/")
    }

    /// The scope text before `/providers/` (empty for a tenant resource).
    pub fn scope(&self) -> &str {
        &self.scope
    }

    /// The resource group the scope names, if any (the last one, for extension resources).
    pub fn resource_group(&self) -> Option<&str> {
        segment_after(&self.scope, "resourceGroups")
    }

    /// The subscription the scope names, if any.
    pub fn subscription(&self) -> Option<&str> {
        segment_after(&self.scope, "subscriptions")
    }

    /// The id of the parent resource (`…/virtualNetworks/vnet` for a subnet); `None` for a
    /// top-level resource.
    pub fn parent(&self) -> Option<ResourceId> {
        let levels = self.path.split('/').count() / 2;
        if levels < 2 {
            return None;
        }
        let cut = self.path.match_indices('/').nth(levels * 2 - 2)?.0;
        Some(ResourceId {
            scope: self.scope.clone(),
            path: self.path[..cut].to_string(),
        })
    }

    /// The id of a child resource: `<this id>/<rtype_segment>/<name>`.
    pub fn child(&self, rtype_segment: &str, name: &str) -> ResourceId {
        ResourceId {
            scope: self.scope.clone(),
            path: format!("{}/{rtype_segment}/{name}", self.path),
        }
    }
}

impl fmt::Display for ResourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/providers/{}", self.scope, self.path)
    }
}

/// Azure ids are case-insensitive.
impl PartialEq for ResourceId {
    fn eq(&self, other: &ResourceId) -> bool {
        self.scope.eq_ignore_ascii_case(&other.scope) && self.path.eq_ignore_ascii_case(&other.path)
    }
}

impl Eq for ResourceId {}

/// The part of an ARM id after `/providers/`: `ns/t1/n1/t2/n2` from the type `ns/t1/t2` and the
/// names `[n1, n2]`.
pub fn providers_path<S: AsRef<str>>(rtype: &str, names: &[S]) -> String {
    let mut segs = rtype.split('/');
    let mut s = segs.next().unwrap_or("").to_string();
    for (t, n) in segs.zip(names) {
        s.push('/');
        s.push_str(t);
        s.push('/');
        s.push_str(n.as_ref());
    }
    s
}

/// An id taken apart without copying, as [`ResourceId::parse`] reads it: the scope before the
/// last `/providers/` (without a trailing `/`) and the non-empty segments after it
/// (`ns, t1, n1, …`, an odd number of at least three); `None` when it is not an id.
pub(super) fn split_id(id: &str) -> Option<(&str, impl Iterator<Item = &str> + Clone)> {
    let id = id.trim();
    let p = rfind_ignore_case(id, "/providers/")?;
    let tail = &id[p + "/providers/".len()..];
    let segs = tail.split('/').filter(|s| !s.is_empty());
    let n = segs.clone().count();
    if n < 3 || n % 2 == 0 {
        return None;
    }
    Some((id[..p].trim_end_matches('/'), segs))
}

/// Byte offset of the last occurrence of `needle` (ASCII) in `hay`, ignoring ASCII case.
fn rfind_ignore_case(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    (0..=h.len().checked_sub(n.len())?)
        .rev()
        .find(|&i| h[i..i + n.len()].eq_ignore_ascii_case(n))
}

/// The segment following the last `/<word>/` in `scope`, ignoring case.
pub(super) fn segment_after<'a>(scope: &'a str, word: &str) -> Option<&'a str> {
    let mut next: Option<&str> = None;
    for s in scope.rsplit('/') {
        if next.is_some() && s.eq_ignore_ascii_case(word) {
            return next;
        }
        next = Some(s);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUBNET: &str = "/subscriptions/s1/resourceGroups/RG-Net/providers/Microsoft.Network/virtualNetworks/Vnet-Hub/subnets/ApimSubnet";

    #[test]
    fn build_and_parse_round_trip_keeping_case() {
        let id = ResourceId::build(
            IdScope::ResourceGroup("s1", "RG-Net"),
            "Microsoft.Network/virtualNetworks/subnets",
            &["Vnet-Hub", "ApimSubnet"],
        );
        assert_eq!(id.to_string(), SUBNET);
        let back = ResourceId::parse(SUBNET).unwrap();
        assert_eq!(back.to_string(), SUBNET);
        assert_eq!(back.namespace(), "Microsoft.Network");
        assert_eq!(back.rtype(), "Microsoft.Network/virtualNetworks/subnets");
        assert_eq!(back.name(), "Vnet-Hub/ApimSubnet");
        assert_eq!(back.names().collect::<Vec<_>>(), ["Vnet-Hub", "ApimSubnet"]);
        assert_eq!(back.resource_group(), Some("RG-Net"));
        assert_eq!(back.subscription(), Some("s1"));
        assert_eq!(back, id);
    }

    #[test]
    fn compares_ignoring_case_and_shows_as_written() {
        let a = ResourceId::parse(SUBNET).unwrap();
        let b = ResourceId::parse(&SUBNET.to_ascii_lowercase()).unwrap();
        assert_eq!(a, b);
        assert_ne!(a.to_string(), b.to_string());
        let c = ResourceId::parse(&SUBNET.replace("ApimSubnet", "Other")).unwrap();
        assert_ne!(a, c);
    }

    #[test]
    fn parent_and_child() {
        let s = ResourceId::parse(SUBNET).unwrap();
        let vnet = s.parent().unwrap();
        assert_eq!(
            vnet.to_string(),
            "/subscriptions/s1/resourceGroups/RG-Net/providers/Microsoft.Network/virtualNetworks/Vnet-Hub"
        );
        assert!(vnet.parent().is_none());
        assert_eq!(vnet.child("subnets", "ApimSubnet"), s);
    }

    #[test]
    fn scopes() {
        let t = ResourceId::build(
            IdScope::Tenant,
            "Microsoft.Management/managementGroups",
            &["mg"],
        );
        assert_eq!(
            t.to_string(),
            "/providers/Microsoft.Management/managementGroups/mg"
        );
        assert_eq!(t.subscription(), None);
        let sub = ResourceId::build(
            IdScope::Subscription("s"),
            "Microsoft.Resources/resourceGroups",
            &["rg"],
        );
        assert_eq!(
            sub.to_string(),
            "/subscriptions/s/providers/Microsoft.Resources/resourceGroups/rg"
        );
        let ext = ResourceId::build(
            IdScope::Under(SUBNET),
            "Microsoft.Authorization/locks",
            &["Lock"],
        );
        let parsed = ResourceId::parse(&ext.to_string()).unwrap();
        assert_eq!(parsed.scope(), SUBNET);
        assert_eq!(parsed.rtype(), "Microsoft.Authorization/locks");
        assert_eq!(parsed.resource_group(), Some("RG-Net"));
    }

    #[test]
    fn malformed_ids_do_not_parse() {
        for bad in [
            "",
            "/providers/",
            "/providers/Microsoft.Network/virtualNetworks",
            "/subscriptions/s/resourceGroups/rg",
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets",
        ] {
            assert!(ResourceId::parse(bad).is_none(), "{bad}");
        }
        // Multi-byte text before the marker does not split a character.
        assert!(ResourceId::parse("é/PROVIDERS/ns/t/n").is_some());
    }
}
