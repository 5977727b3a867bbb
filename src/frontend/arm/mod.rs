//! ARM templates and parameter files.

use super::LoadOptions;
use crate::discover::Discovered;
use crate::model::Workspace;

/// Load every ARM template of the run (with its parameter file) into the workspace.
pub fn load(_ws: &mut Workspace, _found: &Discovered, _opts: &LoadOptions) {}

pub mod functions;
