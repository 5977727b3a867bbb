//! Networking functions: `cidrsubnet`, `cidrhost`, `cidrnetmask`, `cidrsubnets`.

use super::*;

pub(super) fn call(name: &str, args: &[V], span: Option<Span>) -> R {
    let v = match name {
        // Networks
        "cidrsubnet" => cidrsubnet(args, span),
        "cidrhost" => cidrhost(args, span),
        "cidrnetmask" => match str_arg(args, 0).and_then(parse_net) {
            Some(IpNet::V4(n)) => Ok(V::str(n.netmask().to_string(), span)),
            _ => Err("cidrnetmask() needs an IPv4 prefix".into()),
        },
        "cidrsubnets" => cidrsubnets(args, span),
        _ => return None,
    };
    Some(v)
}

pub(super) fn cidrsubnet(args: &[V], span: Option<Span>) -> Result<V, String> {
    let (Some(net), Some(newbits), Some(netnum)) = (
        str_arg(args, 0).and_then(parse_net),
        args.get(1).and_then(|v| v.as_i64()),
        args.get(2).and_then(|v| v.as_i64()),
    ) else {
        return Err("cidrsubnet() needs a prefix, newbits and netnum".into());
    };
    let (_, max) = addr_bits(&net);
    let len = net.prefix_len() as i64;
    if newbits < 0 || netnum < 0 || len + newbits > max as i64 {
        return Err(format!(
            "cidrsubnet(): {newbits} new bits on a /{len} exceed the address length"
        ));
    }
    let n = cidr::subnet(&net, (len + newbits) as u32, netnum as u128)
        .ok_or_else(|| format!("cidrsubnet(): netnum {netnum} does not fit in {newbits} bits"))?;
    Ok(V::str(n.to_string(), span))
}

pub(super) fn cidrhost(args: &[V], span: Option<Span>) -> Result<V, String> {
    let (Some(net), Some(host)) = (
        str_arg(args, 0).and_then(parse_net),
        args.get(1).and_then(|v| v.as_i64()),
    ) else {
        return Err("cidrhost() needs a prefix and a host number".into());
    };
    // Terraform counts from the network address; a negative number counts back from the end.
    let off = if host >= 0 {
        Some(host as u128)
    } else {
        cidr::size(&net).checked_sub(host.unsigned_abs() as u128)
    };
    let ip = off
        .and_then(|off| cidr::host(&net, off))
        .ok_or("cidrhost(): host number out of range")?;
    Ok(V::str(ip.to_string(), span))
}

pub(super) fn cidrsubnets(args: &[V], span: Option<Span>) -> Result<V, String> {
    let net = str_arg(args, 0)
        .and_then(parse_net)
        .ok_or("cidrsubnets() needs a prefix")?;
    let (base, max) = addr_bits(&net);
    let len = net.prefix_len() as u32;
    let total: u128 = if max - len >= 128 {
        u128::MAX
    } else {
        1u128 << (max - len)
    };
    let mut cur: u128 = 0;
    let mut out = Vec::new();
    for a in &args[1..] {
        let nb = a.as_i64().ok_or("cidrsubnets(): newbits must be numbers")?;
        if nb < 1 || len as i64 + nb > max as i64 {
            return Err("cidrsubnets(): newbits out of range".into());
        }
        let new_len = len + nb as u32;
        let size: u128 = 1u128 << (max - new_len);
        // Align to the subnet size.
        if cur % size != 0 {
            cur = (cur / size)
                .checked_add(1)
                .and_then(|n| n.checked_mul(size))
                .ok_or("cidrsubnets(): not enough address space")?;
        }
        if cur >= total || total - cur < size {
            return Err("cidrsubnets(): not enough address space".into());
        }
        let n = with_prefix(&net, base + cur, new_len).ok_or("cidrsubnets(): invalid")?;
        out.push(V::str(n.to_string(), span));
        cur += size;
        if out.len() > MAX_LEN {
            return Err("cidrsubnets(): too many".into());
        }
    }
    Ok(V::arr(out, span))
}
