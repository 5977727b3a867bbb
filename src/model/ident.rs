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
}

/// The part of an ARM id after `/providers/`: `ns/t1/n1/t2/n2` from the type `ns/t1/t2` and the
/// names `[n1, n2]`. One builder for every front end, so ids built anywhere spell the same.
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
        }
    }

    /// Parse an ARM resource id:
    /// `/subscriptions/…/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s`.
    pub fn from_id(id: &str) -> Option<ResKey> {
        let id = id.trim();
        let lower = id.to_ascii_lowercase();
        let p = lower.rfind("/providers/")?;
        let head = &id[..p];
        let tail = &id[p + "/providers/".len()..];
        let mut rg = None;
        let hs: Vec<&str> = head.split('/').collect();
        for w in hs.windows(2) {
            if w[0].eq_ignore_ascii_case("resourcegroups") {
                rg = Some(w[1]);
            }
        }
        let segs: Vec<&str> = tail.split('/').filter(|s| !s.is_empty()).collect();
        if segs.len() < 3 || segs.len() % 2 == 0 {
            return None;
        }
        let namespace = segs[0];
        let mut types = vec![namespace.to_string()];
        let mut names = Vec::new();
        for pair in segs[1..].chunks(2) {
            types.push(pair[0].to_string());
            names.push(pair[1].to_string());
        }
        Some(ResKey::new(&types.join("/"), &names.join("/"), rg))
    }

    /// Same resource group, or one of them unknown.
    pub fn same_scope(&self, other: &ResKey) -> bool {
        match (&self.rg, &other.rg) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        }
    }

    /// An ARM id for this key, with placeholders for what is not known.
    pub fn to_id(&self) -> String {
        format!(
            "/subscriptions/{{subscription}}/resourceGroups/{}/providers/{}",
            self.rg.as_deref().unwrap_or("{resourceGroup}"),
            providers_path(&self.rtype, &self.names)
        )
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
