//! Address tokens and service tags: how one written NSG address (`*`, `Internet`, `Sql.WestEurope`,
//! `10.0.1.0/24`, an application security group) relates to one side of a required flow.
//! The linter has no tag ranges, so a CIDR against a public service tag is *unknown*, never a match and never a miss.

use super::address::parse_net;
use super::intervals::{Cover, IntervalSet};
use ipnet::{IpNet, Ipv4Net};
use std::net::Ipv4Addr;

/// One side of a required flow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A service tag as the documentation names it (`ApiManagement`, `Storage`, `Internet`, …).
    Tag(String),
    /// The API Management subnet (its prefixes come with the evaluation).
    Subnet,
}

/// A written address token, classified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Token {
    /// `*`, `Any`, `0.0.0.0/0`.
    Any,
    /// A service tag, optionally regional (`Storage.WestEurope` → name `Storage`, region
    /// `westeurope`).
    Tag {
        name: String,
        region: Option<String>,
    },
    Cidr(Ipv4Net),
    /// IPv6 prefixes: API Management stv2 traffic is IPv4, so they never match.
    V6,
    /// An application security group (`asg:<id>`): never contains the platform-managed APIM NICs.
    Asg,
}

/// How a written token (or a rule side) relates to a requirement side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rel {
    /// Covers all of it.
    Full,
    /// Covers some of it.
    Partial,
    /// A regional variant of the required tag for the instance's own region that the
    /// documentation does not endorse as a substitute (`AzureKeyVault.WestEurope`): part of the
    /// tag, and probably what was meant.
    Regional,
    /// Covers all of it according to the documentation, with low confidence (the
    /// `VirtualNetwork` tag contains the host address behind `AzureLoadBalancer`): an allow
    /// counts, a deny only "may" block.
    Probable(String),
    /// Another region's variant of a tag the flow needs only some regions of
    /// (`Storage.EastUS` for a West Europe instance): disjoint from the flow, yet probably
    /// written for it. A deny does not touch the flow; an allow grants none of it.
    Elsewhere,
    /// Disjoint.
    None,
    /// Cannot be decided from the text (a CIDR against a service tag); the reason says why.
    Unknown(String),
    /// Needs the subnet prefixes, which are not known.
    NeedsPrefixes,
}

/// Tags that are not public Azure address space (so `Internet` does not contain them).
const NON_PUBLIC_TAGS: &[&str] = &[
    "virtualnetwork",
    "azureloadbalancer",
    "azureplatformdns",
    "azureplatformimds",
    "azureplatformlkm",
];

/// The Azure host address behind the `AzureLoadBalancer` tag.
pub const HOST_VIP: Ipv4Addr = Ipv4Addr::new(168, 63, 129, 16);

/// Lower-cased, spaces removed: `West Europe` / `westeurope` / `WestEurope` compare equal.
pub fn norm_region(r: &str) -> String {
    // One pass, one allocation: every flow of every instance asks for its region.
    let mut out = String::with_capacity(r.len());
    out.extend(
        r.chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_lowercase()),
    );
    out
}

pub fn classify(tok: &str) -> Token {
    let t = tok.trim();
    if let Some(_id) = t.strip_prefix("asg:") {
        return Token::Asg;
    }
    if t == "*" || t.eq_ignore_ascii_case("any") {
        return Token::Any;
    }
    match parse_net(t) {
        Some(IpNet::V4(net)) if net.prefix_len() == 0 => return Token::Any,
        Some(IpNet::V4(net)) => return Token::Cidr(net.trunc()),
        Some(IpNet::V6(_)) => return Token::V6,
        None => {}
    }
    match t.split_once('.') {
        Some((name, region)) => Token::Tag {
            name: name.to_string(),
            region: Some(norm_region(region)),
        },
        None => Token::Tag {
            name: t.to_string(),
            region: None,
        },
    }
}

/// True for a public Azure service tag (everything but `Internet` and the non-public tags).
pub fn is_public_service_tag(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    l != "internet" && !NON_PUBLIC_TAGS.contains(&l.as_str())
}

/// Private, shared and link-local space: never inside a public Azure service tag.
pub fn is_private(net: &Ipv4Net) -> bool {
    const PRIVATE: &[(Ipv4Addr, u8)] = &[
        (Ipv4Addr::new(10, 0, 0, 0), 8),
        (Ipv4Addr::new(172, 16, 0, 0), 12),
        (Ipv4Addr::new(192, 168, 0, 0), 16),
        (Ipv4Addr::new(100, 64, 0, 0), 10),
        (Ipv4Addr::new(127, 0, 0, 0), 8),
        (Ipv4Addr::new(169, 254, 0, 0), 16),
    ];
    PRIVATE.iter().any(|(a, len)| {
        Ipv4Net::new(*a, *len)
            .map(|p| p.contains(net))
            .unwrap_or(false)
    })
}

/// Where regional tags count as their global tag.
#[derive(Clone, Debug, Default)]
pub struct RegionPolicy {
    /// Regions (normalised) whose `Tag.<Region>` satisfies the global requirement.
    pub accepted: Vec<String>,
    /// The instance location's own region: its variant of a non-endorsed tag is [`Rel::Regional`].
    pub own: Option<String>,
    /// When not empty, the only regions of the tag the flow reaches: another region's variant
    /// (`Storage.EastUS` for a West Europe instance) is disjoint from what is needed, so it
    /// neither blocks nor allows the flow. Empty: every region of the tag is needed.
    pub needed: Vec<String>,
}

/// Relation of one token to a required service tag `tag`.
pub fn tag_relation(token: &Token, tag: &str, policy: &RegionPolicy) -> Rel {
    let is = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    let required_internet = is(tag, "Internet");
    match token {
        Token::Any => Rel::Full,
        Token::Asg | Token::V6 => Rel::None,
        Token::Cidr(net) => {
            if is(tag, "AzureLoadBalancer") {
                return if net.contains(&HOST_VIP) {
                    Rel::Full
                } else {
                    Rel::None
                };
            }
            if required_internet {
                // A range is a part of "all clients"; which part does not matter here.
                return Rel::Partial;
            }
            // A private range is a part of the network's address space (clients of an Internal
            // instance: an Application Gateway subnet).
            if is_private(net) && is(tag, "VirtualNetwork") {
                return Rel::Partial;
            }
            if is_private(net) {
                return Rel::None;
            }
            Rel::Unknown(format!(
                "'{net}' is an address range and {tag} is a service tag; stv2lint does not know the tag's ranges"
            ))
        }
        Token::Tag { name, region } => {
            if is(name, tag) {
                return match region {
                    None => Rel::Full,
                    Some(r) if policy.accepted.iter().any(|a| a == r) => Rel::Full,
                    Some(r) if policy.own.as_deref() == Some(r.as_str()) => Rel::Regional,
                    Some(r) if !policy.needed.is_empty() && !policy.needed.contains(r) => {
                        Rel::Elsewhere
                    }
                    Some(_) => Rel::Partial,
                };
            }
            if required_internet {
                return if is_public_service_tag(name) {
                    Rel::Partial
                } else {
                    Rel::None
                };
            }
            if is(name, "Internet") {
                return if region.is_none() && is_public_service_tag(tag) {
                    Rel::Full
                } else {
                    Rel::None
                };
            }
            if is(name, "AzureCloud") {
                if !is_public_service_tag(tag) {
                    return Rel::None;
                }
                return if region.is_none() {
                    Rel::Full
                } else {
                    Rel::Partial
                };
            }
            if is(name, "VirtualNetwork") && is(tag, "AzureLoadBalancer") {
                // The VirtualNetwork tag includes the host address 168.63.129.16.
                return Rel::Probable(
                    "the VirtualNetwork tag is documented to include the host address 168.63.129.16 behind AzureLoadBalancer".into(),
                );
            }
            Rel::None
        }
    }
}

/// A set of IPv4 addresses: the part of the subnet a flow still needs.
pub type AddrSet = IntervalSet<u32>;

impl AddrSet {
    pub fn from_nets(nets: &[Ipv4Net]) -> AddrSet {
        AddrSet::from_ranges(
            nets.iter()
                .map(|n| (u32::from(n.network()), u32::from(n.broadcast()))),
        )
    }
}

/// Relation of a rule side (its tokens, unioned) to the remaining part of the APIM subnet.
/// `remaining` is `None` when the subnet prefixes are unknown.
pub fn subnet_relation(tokens: &[Token], remaining: Option<&AddrSet>) -> Rel {
    let mut cidrs = Vec::new();
    for t in tokens {
        match t {
            Token::Any => return Rel::Full,
            Token::Tag { name, region: None } if name.eq_ignore_ascii_case("VirtualNetwork") => {
                return Rel::Full
            }
            Token::Cidr(n) => cidrs.push(*n),
            _ => {}
        }
    }
    if cidrs.is_empty() {
        return Rel::None;
    }
    match remaining {
        None => Rel::NeedsPrefixes,
        Some(rem) => match rem.covered_by(&AddrSet::from_nets(&cidrs)) {
            Cover::Full => Rel::Full,
            Cover::Partial => Rel::Partial,
            Cover::None => Rel::None,
        },
    }
}

/// Relation of a rule side (its tokens, unioned) to a required tag: the strongest relation of
/// any token wins (Full > Probable > Partial > Regional > Unknown > Elsewhere > None).
pub fn side_tag_relation(tokens: &[Token], tag: &str, policy: &RegionPolicy) -> Rel {
    let mut best = Rel::None;
    let rank = |r: &Rel| match r {
        Rel::Full => 6,
        Rel::Probable(_) => 5,
        Rel::Partial => 4,
        Rel::Regional => 3,
        Rel::Unknown(_) => 2,
        Rel::NeedsPrefixes | Rel::Elsewhere => 1,
        Rel::None => 0,
    };
    for t in tokens {
        let r = tag_relation(t, tag, policy);
        if rank(&r) > rank(&best) {
            best = r;
        }
    }
    best
}

/// The addresses an ASG-free subnet token list covers, for subtraction.
pub fn cidrs_of(tokens: &[Token]) -> AddrSet {
    let nets: Vec<Ipv4Net> = tokens
        .iter()
        .filter_map(|t| match t {
            Token::Cidr(n) => Some(*n),
            _ => None,
        })
        .collect();
    AddrSet::from_nets(&nets)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(tok: &str, tag: &str) -> Rel {
        tag_relation(&classify(tok), tag, &RegionPolicy::default())
    }
    fn policy(accepted: &[&str], own: &str) -> RegionPolicy {
        RegionPolicy {
            accepted: accepted.iter().map(|s| s.to_string()).collect(),
            own: Some(own.to_string()),
            needed: vec![],
        }
    }

    #[test]
    fn classifies_tokens() {
        assert_eq!(classify("*"), Token::Any);
        assert_eq!(classify("Any"), Token::Any);
        assert_eq!(classify(" 0.0.0.0/0 "), Token::Any);
        assert_eq!(
            classify("10.0.0.5"),
            Token::Cidr("10.0.0.5/32".parse().unwrap())
        );
        assert_eq!(
            classify("10.0.0.5/24"),
            Token::Cidr("10.0.0.0/24".parse().unwrap())
        );
        assert_eq!(classify("asg:/subscriptions/x/asg"), Token::Asg);
        assert_eq!(classify("2001:db8::/32"), Token::V6);
        assert_eq!(
            classify("Storage.West Europe"),
            Token::Tag {
                name: "Storage".into(),
                region: Some("westeurope".into())
            }
        );
    }

    #[test]
    fn any_and_internet_contain_public_tags() {
        assert_eq!(rel("*", "ApiManagement"), Rel::Full);
        assert_eq!(rel("Internet", "ApiManagement"), Rel::Full);
        assert_eq!(rel("internet", "Storage"), Rel::Full);
        assert_eq!(rel("Internet", "AzureLoadBalancer"), Rel::None);
        assert_eq!(rel("AzureCloud", "Sql"), Rel::Full);
        assert_eq!(rel("AzureCloud.WestEurope", "Sql"), Rel::Partial);
        assert_eq!(rel("AzureCloud", "Internet"), Rel::Partial);
        assert_eq!(rel("AzureCloud", "AzureLoadBalancer"), Rel::None);
    }

    #[test]
    fn tags_compare_case_insensitively() {
        assert_eq!(rel("SQL", "Sql"), Rel::Full);
        assert_eq!(rel("azurekeyvault", "AzureKeyVault"), Rel::Full);
        assert_eq!(rel("Storage", "Sql"), Rel::None);
        assert_eq!(rel("VirtualNetwork", "Storage"), Rel::None);
    }

    #[test]
    fn regional_tags_follow_the_policy() {
        let p = policy(&["westeurope"], "westeurope");
        let t = |s: &str, tag: &str| tag_relation(&classify(s), tag, &p);
        assert_eq!(t("Storage.WestEurope", "Storage"), Rel::Full);
        assert_eq!(t("storage.westeurope", "Storage"), Rel::Full);
        assert_eq!(t("Storage.EastUS", "Storage"), Rel::Partial);
        // Where the flow needs only some regions of the tag, another region is disjoint.
        let scoped = RegionPolicy {
            needed: vec!["westeurope".into(), "northeurope".into()],
            ..p.clone()
        };
        let t = |s: &str| tag_relation(&classify(s), "Storage", &scoped);
        assert_eq!(t("Storage.EastUS"), Rel::Elsewhere);
        assert_eq!(t("Storage.NorthEurope"), Rel::Partial);
        assert_eq!(t("Storage.WestEurope"), Rel::Full);
        assert_eq!(t("Storage"), Rel::Full);
        let none = policy(&[], "westeurope");
        assert_eq!(
            tag_relation(
                &classify("AzureKeyVault.WestEurope"),
                "AzureKeyVault",
                &none
            ),
            Rel::Regional
        );
    }

    #[test]
    fn cidrs_against_tags() {
        assert!(matches!(
            rel("20.1.2.0/24", "ApiManagement"),
            Rel::Unknown(_)
        ));
        assert_eq!(rel("10.1.0.0/16", "ApiManagement"), Rel::None);
        assert_eq!(rel("168.63.129.16", "AzureLoadBalancer"), Rel::Full);
        assert_eq!(rel("168.63.0.0/16", "AzureLoadBalancer"), Rel::Full);
        assert_eq!(rel("10.0.0.0/8", "AzureLoadBalancer"), Rel::None);
        assert_eq!(rel("10.0.1.0/24", "Internet"), Rel::Partial);
        assert_eq!(rel("AzureFrontDoor.Backend", "Internet"), Rel::Partial);
        assert_eq!(rel("VirtualNetwork", "Internet"), Rel::None);
        assert_eq!(rel("asg:x", "Internet"), Rel::None);
    }

    #[test]
    fn subnet_containment_is_exact() {
        let subnet: Ipv4Net = "10.0.1.0/24".parse().unwrap();
        let rem = AddrSet::from_nets(&[subnet]);
        let toks = |v: &[&str]| v.iter().map(|s| classify(s)).collect::<Vec<_>>();
        assert_eq!(
            subnet_relation(&toks(&["VirtualNetwork"]), Some(&rem)),
            Rel::Full
        );
        assert_eq!(subnet_relation(&toks(&["*"]), None), Rel::Full);
        assert_eq!(
            subnet_relation(&toks(&["10.0.0.0/16"]), Some(&rem)),
            Rel::Full
        );
        assert_eq!(
            subnet_relation(&toks(&["10.0.1.0/25"]), Some(&rem)),
            Rel::Partial
        );
        assert_eq!(
            subnet_relation(&toks(&["10.0.1.0/25", "10.0.1.128/25"]), Some(&rem)),
            Rel::Full
        );
        assert_eq!(
            subnet_relation(&toks(&["10.0.2.0/24"]), Some(&rem)),
            Rel::None
        );
        assert_eq!(subnet_relation(&toks(&["Internet"]), Some(&rem)), Rel::None);
        assert_eq!(subnet_relation(&toks(&["asg:x"]), Some(&rem)), Rel::None);
        assert_eq!(
            subnet_relation(&toks(&["10.0.2.0/24"]), None),
            Rel::NeedsPrefixes
        );
        let rest = rem.subtract(&cidrs_of(&toks(&["10.0.1.0/25"])));
        assert_eq!(
            rest,
            AddrSet::from_nets(&["10.0.1.128/25".parse().unwrap()])
        );
    }

    #[test]
    fn private_space() {
        assert!(is_private(&"10.2.0.0/16".parse().unwrap()));
        assert!(is_private(&"192.168.1.0/24".parse().unwrap()));
        assert!(!is_private(&"20.0.0.0/8".parse().unwrap()));
        assert!(!is_private(&"0.0.0.0/1".parse().unwrap()));
    }
}
