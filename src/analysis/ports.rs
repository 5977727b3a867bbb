//! Port tokens and ranges (`*`, `N`, `A-B`) as exact sets, so that an allow covering part of a
//! required port set can be subtracted and the walk go on (REQUIREMENTS.md §3.6).

/// A set of TCP/UDP ports: sorted, disjoint, non-adjacent inclusive ranges.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct PortSet(Vec<(u16, u16)>);

/// How much of one set another covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cover {
    Full,
    Partial,
    None,
}

impl PortSet {
    pub fn all() -> PortSet {
        PortSet(vec![(0, u16::MAX)])
    }
    pub fn empty() -> PortSet {
        PortSet(Vec::new())
    }
    pub fn single(p: u16) -> PortSet {
        PortSet(vec![(p, p)])
    }
    pub fn from_ranges(ranges: impl IntoIterator<Item = (u16, u16)>) -> PortSet {
        let mut v: Vec<(u16, u16)> = ranges
            .into_iter()
            .map(|(a, b)| (a.min(b), a.max(b)))
            .collect();
        v.sort_unstable();
        let mut out: Vec<(u16, u16)> = Vec::with_capacity(v.len());
        for (a, b) in v {
            match out.last_mut() {
                Some(last) if u32::from(a) <= u32::from(last.1) + 1 => last.1 = last.1.max(b),
                _ => out.push((a, b)),
            }
        }
        PortSet(out)
    }

    /// Parse the union of the tokens of one rule side (singular and plural fields already
    /// merged by the model). An empty list means the field is not set, which Azure rejects; it is
    /// read as "no ports" so that the rule matches nothing.
    pub fn parse<S: AsRef<str>>(tokens: &[S]) -> Result<PortSet, String> {
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

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn is_all(&self) -> bool {
        self.0 == [(0, u16::MAX)]
    }
    pub fn contains(&self, p: u16) -> bool {
        self.0.iter().any(|&(a, b)| a <= p && p <= b)
    }
    pub fn ranges(&self) -> &[(u16, u16)] {
        &self.0
    }

    pub fn intersect(&self, other: &PortSet) -> PortSet {
        let mut out = Vec::new();
        for &(a, b) in &self.0 {
            for &(c, d) in &other.0 {
                let lo = a.max(c);
                let hi = b.min(d);
                if lo <= hi {
                    out.push((lo, hi));
                }
            }
        }
        PortSet::from_ranges(out)
    }

    pub fn subtract(&self, other: &PortSet) -> PortSet {
        let mut out = Vec::new();
        for &(a, b) in &self.0 {
            let mut pieces = vec![(u32::from(a), u32::from(b))];
            for &(c, d) in &other.0 {
                let (c, d) = (u32::from(c), u32::from(d));
                let mut next = Vec::new();
                for (x, y) in pieces {
                    if d < x || c > y {
                        next.push((x, y));
                        continue;
                    }
                    if c > x {
                        next.push((x, c - 1));
                    }
                    if d < y {
                        next.push((d + 1, y));
                    }
                }
                pieces = next;
            }
            // Pieces stay within the original u16 range.
            out.extend(
                pieces
                    .into_iter()
                    .map(|(x, y)| (x.min(65535) as u16, y.min(65535) as u16)),
            );
        }
        PortSet::from_ranges(out)
    }

    /// How much of `self` (the requirement) `rule` covers.
    pub fn covered_by(&self, rule: &PortSet) -> Cover {
        let common = self.intersect(rule);
        if common.is_empty() {
            Cover::None
        } else if common == *self {
            Cover::Full
        } else {
            Cover::Partial
        }
    }

    /// `443`, `1886, 443`, `6381-6383`, `*` for messages.
    pub fn show(&self) -> String {
        if self.is_all() {
            return "*".into();
        }
        if self.is_empty() {
            return "none".into();
        }
        self.0
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
