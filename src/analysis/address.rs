//! Subnet address arithmetic: usable addresses, footprints, side-by-side headroom.
//!
//! Azure reserves five addresses in every subnet prefix (network, broadcast and three for its own
//! services), so a prefix of length `l` offers `2^(32−l) − 5` addresses. An API Management
//! location takes two addresses per scale unit (Developer: one in all), plus one for the internal
//! load balancer in Internal mode (rules/STV101.md, rules/STV104.md). Everything here is
//! pure and total: no panics on any input.

use ipnet::IpNet;

/// The smallest subnet API Management accepts (R-VNET-5).
pub const MIN_PREFIX_LEN: u8 = 29;

/// Addresses Azure keeps for itself in every subnet prefix.
pub const RESERVED_PER_PREFIX: u64 = 5;

/// A parsed subnet prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Prefix {
    pub net: IpNet,
}

impl Prefix {
    pub fn is_v4(&self) -> bool {
        matches!(self.net, IpNet::V4(_))
    }
    pub fn prefix_len(&self) -> u8 {
        self.net.prefix_len()
    }
}

/// Parse `10.0.0.0/24` (a bare address counts as a host prefix): the one CIDR parser of the
/// analysis (NSG address tokens and subnet prefixes go through it too). Whitespace is tolerated;
/// host bits are tolerated too (only the length matters for sizing).
pub fn parse_prefix(s: &str) -> Result<Prefix, String> {
    let t = s.trim();
    parse_net(t)
        .map(|net| Prefix { net })
        .ok_or_else(|| format!("'{t}' is not an address prefix in CIDR notation"))
}

/// [`parse_prefix`] without the error message, for callers that only ask whether a token is
/// an address (every service tag of every NSG rule is not: formatting why was most of the cost).
pub fn parse_net(s: &str) -> Option<IpNet> {
    let t = s.trim();
    // Addresses and prefixes are written with hex digits, `:`, `.` and `/` only: a service tag
    // is told apart without running both parsers.
    if !t
        .bytes()
        .all(|b| b.is_ascii_hexdigit() || matches!(b, b':' | b'.' | b'/'))
    {
        return None;
    }
    t.parse::<IpNet>()
        .ok()
        .or_else(|| t.parse::<std::net::IpAddr>().ok().map(IpNet::from))
}

/// Parse every prefix of a subnet; the first one that does not parse is the error.
pub fn parse_prefixes(list: &[String]) -> Result<Vec<Prefix>, String> {
    list.iter().map(|s| parse_prefix(s)).collect()
}

/// Usable IPv4 addresses of one prefix (0 for IPv6 prefixes and for prefixes longer than /29,
/// which cannot even hold the reserved addresses).
pub fn usable_in(p: &Prefix) -> u64 {
    match p.net {
        IpNet::V4(n) => {
            let len = u32::from(n.prefix_len()).min(32);
            (1u64 << (32 - len)).saturating_sub(RESERVED_PER_PREFIX)
        }
        IpNet::V6(_) => 0,
    }
}

/// Usable IPv4 addresses of a subnet: the sum over its prefixes.
pub fn usable(prefixes: &[Prefix]) -> u64 {
    prefixes.iter().map(usable_in).sum()
}

/// The IPv4 prefixes longer than /29 (R-VNET-5).
pub fn too_small(prefixes: &[Prefix]) -> Vec<Prefix> {
    prefixes
        .iter()
        .filter(|p| p.is_v4() && p.prefix_len() > MIN_PREFIX_LEN)
        .copied()
        .collect()
}

/// Addresses one API Management location takes in its subnet.
pub fn footprint(developer: bool, units: u64, internal: bool) -> u64 {
    let compute = if developer {
        1
    } else {
        units.saturating_mul(2)
    };
    compute.saturating_add(u64::from(internal))
}

/// Addresses needed to run every footprint and, beside them, a copy of the largest one: a
/// same-subnet stv1 → stv2 migration migrates one instance at a time (R-MIG-3).
pub fn side_by_side_need(footprints: &[u64]) -> u64 {
    let sum = footprints.iter().fold(0u64, |a, f| a.saturating_add(*f));
    sum.saturating_add(footprints.iter().copied().max().unwrap_or(0))
}

/// The most units of one instance that fit into `usable` addresses (Developer: 0 or 1).
pub fn max_units(usable: u64, developer: bool, internal: bool) -> u64 {
    let left = usable.saturating_sub(u64::from(internal));
    if developer {
        left.min(1)
    } else {
        left / 2
    }
}

/// The longest IPv4 prefix length whose single prefix offers at least `need` usable addresses
/// (never longer than /29); `None` when even a /0 would not do.
pub fn smallest_prefix_for(need: u64) -> Option<u8> {
    (0..=MIN_PREFIX_LEN)
        .rev()
        .find(|&len| (1u64 << (32 - u32::from(len))) - RESERVED_PER_PREFIX >= need)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Prefix {
        parse_prefix(s).unwrap()
    }

    #[test]
    fn usable_subtracts_five_per_prefix() {
        assert_eq!(usable_in(&p("10.0.0.0/29")), 3);
        assert_eq!(usable_in(&p("10.0.0.0/28")), 11);
        assert_eq!(usable_in(&p("10.0.0.0/27")), 27);
        assert_eq!(usable_in(&p("10.0.0.0/24")), 251);
        assert_eq!(usable(&[p("10.0.0.0/28"), p("10.0.1.0/29")]), 14);
    }

    #[test]
    fn tiny_and_ipv6_prefixes_offer_nothing() {
        assert_eq!(usable_in(&p("10.0.0.0/30")), 0);
        assert_eq!(usable_in(&p("10.0.0.1/32")), 0);
        assert_eq!(usable_in(&p("10.0.0.1")), 0);
        assert_eq!(usable_in(&p("fd00::/64")), 0);
        assert_eq!(usable_in(&p("0.0.0.0/0")), (1u64 << 32) - 5);
    }

    #[test]
    fn parse_rejects_garbage_without_panicking() {
        for bad in [
            "",
            "10.0.0.0/33",
            "10.0.0/24",
            "abc",
            "10.0.0.0/-1",
            "/24",
            "10.0.0.0/",
        ] {
            assert!(parse_prefix(bad).is_err(), "{bad}");
        }
        assert_eq!(p(" 10.0.0.5/24 ").prefix_len(), 24);
        assert!(parse_prefixes(&["10.0.0.0/24".into(), "x".into()]).is_err());
    }

    #[test]
    fn minimum_size_is_slash_29_for_ipv4_only() {
        let list = [p("10.0.0.0/29"), p("10.0.1.0/30"), p("fd00::/124")];
        assert_eq!(too_small(&list), vec![p("10.0.1.0/30")]);
    }

    #[test]
    fn footprint_per_tier_and_mode() {
        assert_eq!(footprint(false, 1, false), 2);
        assert_eq!(footprint(false, 1, true), 3);
        assert_eq!(footprint(false, 3, false), 6);
        assert_eq!(footprint(true, 1, false), 1);
        assert_eq!(footprint(true, 1, true), 2);
        // Developer is one unit whatever the capacity says.
        assert_eq!(footprint(true, 7, false), 1);
        assert_eq!(footprint(false, u64::MAX, true), u64::MAX);
    }

    /// Worked check: Internal Premium, /29 → 1 unit … /25 → 61.
    #[test]
    fn worked_check_internal_premium() {
        for (prefix, units) in [
            ("10.0.0.0/29", 1),
            ("10.0.0.0/28", 5),
            ("10.0.0.0/27", 13),
            ("10.0.0.0/26", 29),
            ("10.0.0.0/25", 61),
        ] {
            let u = usable(&[p(prefix)]);
            assert_eq!(max_units(u, false, true), units, "{prefix}");
            assert!(footprint(false, units, true) <= u, "{prefix} fits {units}");
            assert!(
                footprint(false, units + 1, true) > u,
                "{prefix} not {}",
                units + 1
            );
        }
    }

    #[test]
    fn two_premium_units_do_not_fit_a_slash_29() {
        let u = usable(&[p("10.0.0.0/29")]);
        assert!(footprint(false, 2, false) > u);
        assert!(footprint(false, 1, false) <= u);
    }

    #[test]
    fn side_by_side_adds_the_largest_again() {
        assert_eq!(side_by_side_need(&[]), 0);
        assert_eq!(side_by_side_need(&[3]), 6);
        assert_eq!(side_by_side_need(&[3, 5, 2]), 15);
        assert_eq!(side_by_side_need(&[u64::MAX, 1]), u64::MAX);
        // One Internal Premium unit in a /29 fits but cannot be migrated side by side.
        let u = usable(&[p("10.0.0.0/29")]);
        assert!(side_by_side_need(&[footprint(false, 1, true)]) > u);
        assert!(side_by_side_need(&[footprint(false, 1, true)]) <= usable(&[p("10.0.0.0/28")]));
    }

    #[test]
    fn smallest_prefix_for_a_need() {
        assert_eq!(smallest_prefix_for(0), Some(29));
        assert_eq!(smallest_prefix_for(3), Some(29));
        assert_eq!(smallest_prefix_for(4), Some(28));
        assert_eq!(smallest_prefix_for(12), Some(27));
        assert_eq!(smallest_prefix_for(63), Some(25));
        assert_eq!(smallest_prefix_for(u64::MAX), None);
    }

    #[test]
    fn max_units_for_developer() {
        assert_eq!(max_units(3, true, true), 1);
        assert_eq!(max_units(1, true, true), 0);
        assert_eq!(max_units(0, false, false), 0);
    }
}
