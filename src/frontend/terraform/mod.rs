//! Terraform: azurerm (v3, v4, v5) and AzAPI.

use super::LoadOptions;
use crate::discover::Discovered;
use crate::model::Workspace;

/// Load every Terraform root module found among `files` into the workspace.
pub fn load(_ws: &mut Workspace, _found: &Discovered, _opts: &LoadOptions) {}
