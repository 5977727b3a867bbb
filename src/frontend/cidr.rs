//! CIDR arithmetic shared by ARM/Bicep (`parseCidr`, `cidrSubnet`, `cidrHost`) and Terraform
//! (`cidrsubnet`, `cidrhost`, `cidrsubnets`). Only the arithmetic is shared: each language keeps
//! its own arguments and conventions (ARM takes the new prefix length and its `cidrHost` skips
//! the network address; Terraform takes added bits and counts hosts from the network address).

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// `10.0.0.0/24` or `fd00::/56`, host bits cleared (`10.0.0.7/24` is `10.0.0.0/24`).
pub fn parse(s: &str) -> Option<IpNet> {
    s.trim().parse::<IpNet>().ok().map(|n| n.trunc())
}

/// The network address as a number and the address width (32 or 128).
pub fn bits(net: &IpNet) -> (u128, u32) {
    match net.network() {
        IpAddr::V4(a) => (u32::from(a) as u128, 32),
        IpAddr::V6(a) => (u128::from(a), 128),
    }
}

/// How many addresses the network holds; an IPv6 `/0` (2^128) saturates at `u128::MAX`.
pub fn size(net: &IpNet) -> u128 {
    let (_, width) = bits(net);
    1u128
        .checked_shl(width - net.prefix_len() as u32)
        .unwrap_or(u128::MAX)
}

/// The address `offset` places after the network address, when it lies inside the network.
pub fn host(net: &IpNet, offset: u128) -> Option<IpAddr> {
    if offset >= size(net) {
        return None;
    }
    address(net, bits(net).0.checked_add(offset)?)
}

/// Subnet number `index` of prefix length `new_len` inside `net`; `None` when `new_len` is
/// shorter than the network's or longer than the address, or `index` does not fit.
pub fn subnet(net: &IpNet, new_len: u32, index: u128) -> Option<IpNet> {
    let (base, width) = bits(net);
    let len = net.prefix_len() as u32;
    if new_len < len || new_len > width {
        return None;
    }
    let count = 1u128.checked_shl(new_len - len).unwrap_or(u128::MAX);
    if new_len - len < 128 && index >= count {
        return None;
    }
    let offset = index.checked_shl(width - new_len).unwrap_or(0);
    with_prefix(net, base | offset, new_len)
}

/// The network of prefix length `len` starting at address number `addr`, in `like`'s family.
pub fn with_prefix(like: &IpNet, addr: u128, len: u32) -> Option<IpNet> {
    let len = u8::try_from(len).ok()?;
    match address(like, addr)? {
        IpAddr::V4(a) => Ipv4Net::new(a, len).ok().map(IpNet::V4),
        IpAddr::V6(a) => Ipv6Net::new(a, len).ok().map(IpNet::V6),
    }
}

/// Address number `addr` in `like`'s family; `None` when it does not fit.
pub fn address(like: &IpNet, addr: u128) -> Option<IpAddr> {
    match like {
        IpNet::V4(_) => Some(IpAddr::V4(Ipv4Addr::from(u32::try_from(addr).ok()?))),
        IpNet::V6(_) => Some(IpAddr::V6(Ipv6Addr::from(addr))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> IpNet {
        parse(s).unwrap()
    }

    #[test]
    fn arithmetic() {
        assert_eq!(n("10.0.0.7/24").to_string(), "10.0.0.0/24");
        assert_eq!(size(&n("10.0.0.0/24")), 256);
        assert_eq!(size(&n("::/0")), u128::MAX);
        assert_eq!(
            subnet(&n("10.0.0.0/16"), 24, 3).unwrap().to_string(),
            "10.0.3.0/24"
        );
        assert!(subnet(&n("10.0.0.0/16"), 24, 256).is_none());
        assert!(subnet(&n("10.0.0.0/16"), 8, 0).is_none());
        assert!(subnet(&n("10.0.0.0/16"), 33, 0).is_none());
        assert_eq!(
            subnet(&n("::/0"), 128, u128::MAX).unwrap().to_string(),
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"
        );
        assert_eq!(
            host(&n("10.0.1.0/24"), 255).unwrap().to_string(),
            "10.0.1.255"
        );
        assert!(host(&n("10.0.1.0/24"), 256).is_none());
        assert!(host(&n("255.255.255.0/24"), u128::MAX).is_none());
    }
}
