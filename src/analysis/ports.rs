//! Port tokens and ranges (`*`, `N`, `A-B`) as exact sets, so that an allow covering part of a
//! required port set can be subtracted and the walk go on.

pub use super::intervals::Cover;
use super::intervals::IntervalSet;

/// A set of TCP/UDP ports.
pub type PortSet = IntervalSet<u16>;

impl PortSet {
    /// Parse the union of the tokens of one rule side (singular and plural fields already
    /// merged by the model). An empty list means the field is not set, which Azure rejects; it is
    /// read as "no ports" so that the rule matches nothing.
    pub fn parse<S: AsRef<str>>(tokens: &[S]) -> Result<PortSet, String> {
        // Nearly every rule side is one port, one range or `*`: no list to sort and merge.
        if let [one] = tokens {
            let t = one.as_ref().trim();
            if !t.is_empty() && !t.contains(',') {
                let (a, b) = parse_token(t)?;
                return Ok(PortSet::range(a, b));
            }
        }
        let mut ranges = Vec::new();
        for tok in tokens {
            // The portal writes comma lists; ARM stores them in the plural field, but be lenient.
            for part in tok.as_ref().split(',') {
                let part = part.trim();
                if part.is_empty() {
                    continue;
                }
                ranges.push(parse_token(part)?);
            }
        }
        Ok(PortSet::from_ranges(ranges))
    }

    /// The source ports a connection can come from: 1–65535 (port 0 is never a TCP or UDP
    /// source), so a rule with source ports `1-65535` allows every real flow.
    pub fn source_ports() -> PortSet {
        PortSet::from_ranges([(1, u16::MAX)])
    }

    /// `443`, `1886, 443`, `6381-6383`, `*` for messages.
    pub fn show(&self) -> String {
        if self.is_all() {
            return "*".into();
        }
        if self.is_empty() {
            return "none".into();
        }
        self.ranges()
            .iter()
            .map(|&(a, b)| {
                if a == b {
                    a.to_string()
                } else {
                    format!("{a}-{b}")
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn parse_token(t: &str) -> Result<(u16, u16), String> {
    if t == "*" || t.eq_ignore_ascii_case("any") {
        return Ok((0, u16::MAX));
    }
    let num = |s: &str| {
        s.trim()
            .parse::<u16>()
            .map_err(|_| format!("'{t}' is not a port, a port range or '*'"))
    };
    match t.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (num(a)?, num(b)?);
            if a > b {
                return Err(format!("the port range '{t}' is reversed"));
            }
            Ok((a, b))
        }
        None => {
            let p = num(t)?;
            Ok((p, p))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_tokens_with_whitespace_and_lists() {
        let s = PortSet::parse(&[" 443 ", "1886", "6381 - 6383"]).unwrap();
        assert_eq!(s.ranges(), &[(443, 443), (1886, 1886), (6381, 6383)]);
        assert!(PortSet::parse(&["*"]).unwrap().is_all());
        assert!(PortSet::parse(&["0-65535"]).unwrap().is_all());
        // One token alone (no list to merge) reads the same.
        let one = PortSet::parse(&[" 6381 - 6383 "]).unwrap();
        assert_eq!(one.ranges(), &[(6381, 6383)]);
        assert_eq!(PortSet::parse(&["443"]).unwrap(), PortSet::single(443));
        assert!(PortSet::parse(&[" any "]).unwrap().is_all());
        assert!(PortSet::parse(&[""]).unwrap().is_empty());
        let s = PortSet::parse(&["80, 10000-10005"]).unwrap();
        assert_eq!(s.ranges(), &[(80, 80), (10000, 10005)]);
    }

    #[test]
    fn rejects_garbage() {
        assert!(PortSet::parse(&["https"]).is_err());
        assert!(PortSet::parse(&["70000"]).is_err());
        assert!(PortSet::parse(&["500-400"]).is_err());
    }

    #[test]
    fn merges_overlapping_and_adjacent() {
        let s = PortSet::from_ranges([(10, 20), (21, 30), (5, 12), (40, 40)]);
        assert_eq!(s.ranges(), &[(5, 30), (40, 40)]);
    }

    #[test]
    fn coverage_and_subtraction() {
        let req = PortSet::from_ranges([(443, 443), (1886, 1886)]);
        assert_eq!(req.covered_by(&PortSet::single(443)), Cover::Partial);
        assert_eq!(req.covered_by(&PortSet::all()), Cover::Full);
        assert_eq!(req.covered_by(&PortSet::single(1443)), Cover::None);
        let rest = req.subtract(&PortSet::single(443));
        assert_eq!(rest, PortSet::single(1886));
        assert!(rest.subtract(&PortSet::all()).is_empty());
        let all_but = PortSet::all().subtract(&PortSet::single(443));
        assert_eq!(all_but.ranges(), &[(0, 442), (444, 65535)]);
        assert_eq!(
            PortSet::all().subtract(&PortSet::single(0)).ranges(),
            &[(1, 65535)]
        );
        assert_eq!(
            PortSet::all().subtract(&PortSet::single(65535)).ranges(),
            &[(0, 65534)]
        );
    }

    #[test]
    fn shows_sets() {
        assert_eq!(PortSet::all().show(), "*");
        assert_eq!(
            PortSet::from_ranges([(443, 443), (1, 3)]).show(),
            "1-3, 443"
        );
    }
}
