//! Native Bicep: `.bicep` and `.bicepparam`.

pub mod ast;
pub mod lexer;
pub mod parser;

use super::LoadOptions;
use crate::discover::Discovered;
use crate::model::Workspace;

/// Load the Bicep entry points among `bicep` and `params` into the workspace.
pub fn load(_ws: &mut Workspace, _found: &Discovered, _opts: &LoadOptions) {}
