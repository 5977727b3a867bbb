//! Azure resource identity: how a reference written any way (ARM `resourceId()`, a Bicep symbol,
//! a Terraform `.id`, an `existing` resource) finds the resource it means.

/// Resource type + name path (+ resource group when known), all lower-cased.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ResKey {
    /// Full type without API version, e.g. `microsoft.network/virtualnetworks/subnets`.
    pub rtype: String,
    /// One name per type segment after the namespace, e.g. `["vnet", "apim"]`.
    pub names: Vec<String>,
    /// Resource group, when it is a known literal.
    pub rg: Option<String>,
    /// Subscription, when known: a literal id, or a [`provider_scope`] that stands for one
    /// (a Terraform provider configuration whose subscription is not known).
    pub sub: Option<String>,
}

/// The subscription segment standing for the unknown subscription of a provider
/// configuration (`azurerm.dev`): resources under different configurations of one module are
/// not the same resource, whatever their names.
pub fn provider_scope(config: &str) -> String {
    format!("{{provider:{}}}", config.to_ascii_lowercase())
}

/// A subscription segment as a scope: a literal id or a provider scope; other placeholders
/// (`{subscription}`, `subscription().subscriptionId`, `${var.sub}`) are not known.
fn sub_scope(s: &str) -> Option<String> {
    let s = s.trim();
    let provider = s.starts_with("{provider:") && s.ends_with('}');
    (provider || !is_placeholder(s)).then(|| s.to_ascii_lowercase())
}

pub use super::resource_id::providers_path;
use super::resource_id::{segment_after, split_id, IdScope, ResourceId};

/// Text that stands for something not known at lint time (`{resourceGroup}`, `<sym>`, the
/// symbolic text of an expression such as `parameters('rg')` or `${var.rg}` …): such a resource
/// group matches anything. Anything a resource group name cannot contain (Azure allows letters,
/// digits, `_`, `-`, `.` and `()`) marks a placeholder, so an id that came through a module
/// output with an unknown group still links.
fn is_placeholder(s: &str) -> bool {
    s.is_empty()
        || s.contains(['(', '{', '<', '$', '[', '*'])
        || s.chars()
            .any(|c| !(c.is_alphanumeric() || "_-.()".contains(c)))
}

impl ResKey {
    /// From a type (`Microsoft.Network/virtualNetworks/subnets`) and a name (`vnet/apim`).
    pub fn new(rtype: &str, name: &str, rg: Option<&str>) -> ResKey {
        let rtype = rtype
            .split('@')
            .next()
            .unwrap_or(rtype)
            .to_ascii_lowercase();
        let names = name
            .split('/')
            .map(|s| s.trim().to_ascii_lowercase())
            .collect();
        ResKey {
            rtype,
            names,
            rg: rg
                .filter(|r| !is_placeholder(r))
                .map(|r| r.to_ascii_lowercase()),
            sub: None,
        }
    }

    /// Parse an ARM resource id:
    /// `/subscriptions/…/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s`.
    pub fn from_id(id: &str) -> Option<ResKey> {
        // What `ResKey::of(&ResourceId::parse(id)?)` gives, read straight from the segments:
        // ids are parsed wherever references are followed, and the copies were most of it.
        let (scope, segs) = split_id(id)?;
        let mut rtype = String::new();
        let mut names = Vec::new();
        for (i, s) in segs.enumerate() {
            if i == 0 {
                rtype.push_str(s);
            } else if i % 2 == 1 {
                rtype.push('/');
                rtype.push_str(s);
            } else {
                names.push(s.trim().to_ascii_lowercase());
            }
        }
        if let Some(at) = rtype.find('@') {
            rtype.truncate(at);
        }
        rtype.make_ascii_lowercase();
        let rg = segment_after(scope, "resourceGroups")
            .filter(|r| !is_placeholder(r))
            .map(|r| r.to_ascii_lowercase());
        let sub = segment_after(scope, "subscriptions").and_then(sub_scope);
        Some(ResKey {
            rtype,
            names,
            rg,
            sub,
        })
    }

    /// The key of a parsed id.
    pub fn of(id: &ResourceId) -> ResKey {
        let mut k = ResKey::new(&id.rtype(), &id.name(), id.resource_group());
        k.sub = id.subscription().and_then(sub_scope);
        k
    }

    /// Same resource group and subscription, or one of them unknown.
    pub fn same_scope(&self, other: &ResKey) -> bool {
        let same = |a: &Option<String>, b: &Option<String>| match (a, b) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        };
        same(&self.rg, &other.rg) && same(&self.sub, &other.sub)
    }

    /// An ARM id for this key, with placeholders for what is not known.
    pub fn to_id(&self) -> String {
        let rg = self.rg.as_deref().unwrap_or("{resourceGroup}");
        let sub = self.sub.as_deref().unwrap_or("{subscription}");
        ResourceId::build(IdScope::ResourceGroup(sub, rg), &self.rtype, &self.names).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ids_and_names_alike() {
        let a = ResKey::from_id(
            "/subscriptions/x/resourceGroups/RG/providers/Microsoft.Network/virtualNetworks/Vnet/subnets/apim",
        )
        .unwrap();
        let b = ResKey::new(
            "Microsoft.Network/virtualNetworks/subnets",
            "vnet/APIM",
            None,
        );
        assert_eq!(a.rtype, b.rtype);
        assert_eq!(a.names, b.names);
        assert!(a.same_scope(&b));
        assert_eq!(a.rg.as_deref(), Some("rg"));
        let c = ResKey::from_id(&a.to_id()).unwrap();
        assert_eq!(c, a);
    }

    /// The direct reading gives what parsing the id and taking its key gives.
    #[test]
    fn from_id_is_the_key_of_the_parsed_id() {
        for id in [
            "/subscriptions/x/resourceGroups/RG/providers/Microsoft.Network/virtualNetworks/Vnet/subnets/apim",
            "  /subscriptions/x/resourceGroups/RG//providers//Microsoft.Network/virtualNetworks/ V /subnets/a ",
            "/subscriptions/x/resourceGroups/{rg}/providers/Microsoft.Network/networkSecurityGroups/n",
            "/subscriptions/x/resourceGroups/a/resourceGroups/B/providers/M.N/t@2020-01-01/n",
            "/subscriptions/x/resourcegroups/rg/providers/Microsoft.Network/virtualNetworks/v/providers/Microsoft.Authorization/locks/l",
            "/subscriptions/x/resourceGroups/providers/M.N/t/n",
            "/subscriptions/x/resourceGroups/rg/PROVIDERS/M.N/t/n/u/v",
            "/providers/M.N/t/n",
            "providers/M.N/t/n",
            "/subscriptions/x/resourceGroups/rg/providers/M.N/t",
            "/subscriptions/x/resourceGroups/rg/providers/M.N/t/n/u",
            "",
            "/providers/",
            "a/resourceGroups/rg/x/providers/M@N/t/n",
        ] {
            assert_eq!(
                ResKey::from_id(id),
                ResourceId::parse(id).map(|r| ResKey::of(&r)),
                "{id:?}"
            );
        }
    }

    #[test]
    fn placeholder_resource_group_matches_any() {
        let a = ResKey::from_id(
            "/subscriptions/{subscription}/resourceGroups/{resourceGroup}/providers/Microsoft.Network/networkSecurityGroups/n",
        )
        .unwrap();
        assert_eq!(a.rg, None);
        // Symbolic texts of unknown groups, however they are spelled, match any group.
        for rg in [
            "parameters('rg')",
            "${var.rg}",
            "rg-#copy=0",
            "x@1",
            "a b",
            "p:q",
        ] {
            let k = ResKey::new("Microsoft.Network/networkSecurityGroups", "n", Some(rg));
            assert_eq!(k.rg, None, "{rg}");
            assert!(k.same_scope(&ResKey::new(
                "Microsoft.Network/networkSecurityGroups",
                "n",
                Some("rg-net")
            )));
        }
        let known = ResKey::new(
            "Microsoft.Network/networkSecurityGroups",
            "n",
            Some("RG_1.a"),
        );
        assert_eq!(known.rg.as_deref(), Some("rg_1.a"));
        assert!(ResKey::from_id("not an id").is_none());
        assert!(ResKey::from_id("/providers/Microsoft.Network/virtualNetworks").is_none());
    }
}
