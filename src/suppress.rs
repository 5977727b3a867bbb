//! Inline suppressions (`stv2lint-ignore: CODE reason`) and resource `metadata` suppressions.

use crate::diagnostic::Diagnostic;
use crate::model::Workspace;

/// Mark diagnostics covered by a suppression (`Diagnostic::suppressed`), and add STV003/STV004
/// for invalid and unused suppressions.
pub fn apply(_ws: &Workspace, _diags: &mut Vec<Diagnostic>) {}
