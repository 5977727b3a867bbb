//! Terraform: azurerm (v3, v4, v5) and AzAPI.

use super::LoadOptions;
use crate::model::Workspace;
use crate::source::FileId;

/// Load every Terraform root module found among `files` into the workspace.
pub fn load(_ws: &mut Workspace, _files: &[FileId], _opts: &LoadOptions) {}
