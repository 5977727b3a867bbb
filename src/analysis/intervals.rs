//! Sets of integers as sorted, disjoint, non-adjacent inclusive ranges: the one algebra behind
//! port sets (`u16`) and IPv4 address sets (`u32`). The NSG walk needs exact union, intersection
//! and difference so that an allow covering part of a flow can be taken off and the walk go on.
//! Arithmetic is done in `u64`, so the ends of the domain (port 65535, 255.255.255.255) never
//! overflow.

/// How much of one set another covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cover {
    Full,
    Partial,
    None,
}

/// An integer type an [`IntervalSet`] can hold.
pub trait Point: Copy + Ord + Into<u64> {
    const MAX: Self;
    /// From a value known to lie within `0..=MAX`.
    fn from_u64(v: u64) -> Self;
}

impl Point for u16 {
    const MAX: u16 = u16::MAX;
    fn from_u64(v: u64) -> u16 {
        u16::try_from(v).unwrap_or(u16::MAX)
    }
}

impl Point for u32 {
    const MAX: u32 = u32::MAX;
    fn from_u64(v: u64) -> u32 {
        u32::try_from(v).unwrap_or(u32::MAX)
    }
}

fn wide<T: Point>(t: T) -> u64 {
    t.into()
}

/// A set of integers: sorted, disjoint, non-adjacent inclusive ranges.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct IntervalSet<T>(Vec<(T, T)>);

impl<T: Point> IntervalSet<T> {
    pub fn all() -> Self {
        IntervalSet(vec![(T::from_u64(0), T::MAX)])
    }
    pub fn empty() -> Self {
        IntervalSet(Vec::new())
    }
    pub fn single(p: T) -> Self {
        IntervalSet(vec![(p, p)])
    }
    /// The range from `a` to `b` (either order).
    pub fn range(a: T, b: T) -> Self {
        IntervalSet(vec![(a.min(b), a.max(b))])
    }
    /// Normalise any ranges (reversed ends are swapped; overlapping and adjacent ones merged).
    pub fn from_ranges(ranges: impl IntoIterator<Item = (T, T)>) -> Self {
        let mut v: Vec<(T, T)> = ranges
            .into_iter()
            .map(|(a, b)| (a.min(b), a.max(b)))
            .collect();
        v.sort_unstable();
        let mut out: Vec<(T, T)> = Vec::with_capacity(v.len());
        for (a, b) in v {
            match out.last_mut() {
                Some(last) if wide(a) <= wide(last.1) + 1 => last.1 = last.1.max(b),
                _ => out.push((a, b)),
            }
        }
        IntervalSet(out)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn is_all(&self) -> bool {
        *self == Self::all()
    }
    pub fn contains(&self, p: T) -> bool {
        self.0.iter().any(|&(a, b)| a <= p && p <= b)
    }
    pub fn ranges(&self) -> &[(T, T)] {
        &self.0
    }

    pub fn intersect(&self, other: &Self) -> Self {
        let mut out = Vec::new();
        for &(a, b) in &self.0 {
            for &(c, d) in &other.0 {
                let (lo, hi) = (a.max(c), b.min(d));
                if lo <= hi {
                    out.push((lo, hi));
                }
            }
        }
        Self::from_ranges(out)
    }

    pub fn subtract(&self, other: &Self) -> Self {
        let mut out = Vec::new();
        for &(a, b) in &self.0 {
            let mut pieces = vec![(wide(a), wide(b))];
            for &(c, d) in &other.0 {
                let (c, d) = (wide(c), wide(d));
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
            // Every piece lies within (a, b), so it converts back exactly.
            out.extend(
                pieces
                    .into_iter()
                    .map(|(x, y)| (T::from_u64(x), T::from_u64(y))),
            );
        }
        Self::from_ranges(out)
    }

    /// How much of `self` (the requirement) `rule` covers.
    pub fn covered_by(&self, rule: &Self) -> Cover {
        let common = self.intersect(rule);
        if common.is_empty() {
            Cover::None
        } else if common == *self {
            Cover::Full
        } else {
            Cover::Partial
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_overlapping_adjacent_and_reversed() {
        let s = IntervalSet::<u16>::from_ranges([(10, 20), (21, 30), (12, 5), (40, 40)]);
        assert_eq!(s.ranges(), &[(5, 30), (40, 40)]);
        let s = IntervalSet::<u32>::from_ranges([(u32::MAX, u32::MAX), (0, u32::MAX - 1)]);
        assert!(s.is_all());
    }

    #[test]
    fn subtract_at_the_ends_of_the_domain() {
        for (all, lo, hi) in [
            (IntervalSet::<u32>::all(), 0u32, u32::MAX),
            (
                IntervalSet::<u32>::from_ranges([(0, u32::MAX)]),
                0,
                u32::MAX,
            ),
        ] {
            assert_eq!(
                all.subtract(&IntervalSet::single(lo)).ranges(),
                &[(1, u32::MAX)]
            );
            assert_eq!(
                all.subtract(&IntervalSet::single(hi)).ranges(),
                &[(0, u32::MAX - 1)]
            );
            assert!(all.subtract(&all).is_empty());
        }
        let all = IntervalSet::<u16>::all();
        assert_eq!(
            all.subtract(&IntervalSet::from_ranges([(0, 9), (65530, 65535)]))
                .ranges(),
            &[(10, 65529)]
        );
    }

    #[test]
    fn intersection_and_cover() {
        let a = IntervalSet::<u32>::from_ranges([(0, 9), (20, 29)]);
        let b = IntervalSet::<u32>::from_ranges([(5, 24)]);
        assert_eq!(a.intersect(&b).ranges(), &[(5, 9), (20, 24)]);
        assert_eq!(a.covered_by(&b), Cover::Partial);
        assert_eq!(a.covered_by(&IntervalSet::all()), Cover::Full);
        assert_eq!(a.covered_by(&IntervalSet::single(15)), Cover::None);
        assert!(a.contains(25) && !a.contains(15));
    }
}
