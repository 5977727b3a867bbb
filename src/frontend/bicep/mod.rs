//! Native Bicep: `.bicep` and `.bicepparam`.

use super::LoadOptions;
use crate::model::Workspace;
use crate::source::FileId;

/// Load the Bicep entry points among `bicep` and `params` into the workspace.
pub fn load(_ws: &mut Workspace, _bicep: &[FileId], _params: &[FileId], _opts: &LoadOptions) {}
