//! Traversal: attribute, index and splat operators over values, read the HCL way by the
//! access functions the three evaluators share ([`crate::frontend::kernel::access`]).

use super::*;
use crate::frontend::kernel::access::{walk, walk_lift, Hcl};

/// An evaluated traversal operator.
pub use crate::frontend::kernel::access::Step as OpV;

/// `base` then `opv` (which gave `v`), per alternative when the base or an index has some.
pub(super) fn lift_nav(base: &V, opv: &[OpV], v: V, span: Span) -> V {
    walk_lift::<Hcl>(base, opv, v, span)
}

/// Apply traversal operators to a value, adding the errors met (which `try()` counts) to
/// `errors`. Stable unknowns stay stable (`${module.x}.y`).
pub fn nav(base: &V, ops: &[OpV], span: Span, errors: &mut u64) -> V {
    let mut d = Hcl::default();
    let v = walk(&mut d, base, ops, span);
    *errors += d.errors;
    v
}
