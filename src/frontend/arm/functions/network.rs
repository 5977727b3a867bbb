//! Networking functions: `parseCidr`, `cidrSubnet`, `cidrHost`.

use super::*;

pub(super) fn call(lname: &str, name: &str, args: &[V], span: Option<Span>) -> Option<V> {
    let v = match lname {
        // Networking.
        "parsecidr" => {
            let [a] = args else {
                return Some(arity(name, span));
            };
            match a.as_str().map(parse_cidr) {
                Some(Some(net)) => {
                    let (n, _) = cidr::bits(&net);
                    let last = n + cidr::size(&net) - 1;
                    let ip = |x: u128| V::str(Ipv4Addr::from(x as u32).to_string(), span);
                    let mk = |k: &str, v: V| (Key::new(k, span), v);
                    V::obj(
                        vec![
                            mk("network", ip(n)),
                            mk("netmask", V::str(net.netmask().to_string(), span)),
                            mk("broadcast", ip(last)),
                            mk("firstUsable", ip((n + 1).min(last))),
                            mk("lastUsable", ip(last.saturating_sub(1).max(n))),
                            mk("cidr", V::int(net.prefix_len() as i64, span)),
                        ],
                        span,
                    )
                }
                Some(None) => V::unknown(format!("parseCidr() of invalid CIDR {}", a.show()), span),
                None => unknown_from(a, span),
            }
        }
        "cidrsubnet" => {
            let [a, l, i] = args else {
                return Some(arity(name, span));
            };
            match (a.as_str().and_then(parse_cidr), l.as_i64(), i.as_i64()) {
                // ARM takes the new prefix length (Terraform takes added bits).
                (Some(net), Some(newlen), Some(idx)) => {
                    match (u32::try_from(newlen), u128::try_from(idx)) {
                        (Ok(newlen), Ok(idx)) => cidr::subnet(&net, newlen, idx),
                        _ => None,
                    }
                    .map(|s| V::str(s.to_string(), span))
                    .unwrap_or_else(|| V::unknown("cidrSubnet() arguments out of range", span))
                }
                _ => unknown_from(args.iter().find(|v| v.is_unknown()).unwrap_or(a), span),
            }
        }
        "cidrhost" => {
            let [a, i] = args else {
                return Some(arity(name, span));
            };
            match (a.as_str().and_then(parse_cidr), i.as_i64()) {
                (Some(net), Some(idx)) => {
                    // ARM's cidrHost skips the network address: index 0 is the first usable
                    // host (Terraform's cidrhost counts from the network address).
                    u128::try_from(idx)
                        .ok()
                        .and_then(|i| cidr::host(&net, i.checked_add(1)?))
                        .map(|h| V::str(h.to_string(), span))
                        .unwrap_or_else(|| V::unknown("cidrHost() index out of range", span))
                }
                _ => unknown_from2(a, i, span),
            }
        }
        _ => return None,
    };
    Some(v)
}

/// `10.0.0.0/24` → the network (host bits cleared). A bare address is a /32. IPv4 only: the
/// IPv6 results of ARM's CIDR functions are not modelled, so an IPv6 network stays unknown.
pub fn parse_cidr(s: &str) -> Option<IpNet> {
    let net = cidr::parse(s).or_else(|| {
        let ip: Ipv4Addr = s.trim().parse().ok()?;
        Some(IpNet::V4(Ipv4Net::from(ip)))
    })?;
    matches!(net, IpNet::V4(_)).then_some(net)
}
