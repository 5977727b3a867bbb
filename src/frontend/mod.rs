//! Front ends: each parses its own language with spans, evaluates it with unknowns, and pushes
//! resources into the [`Workspace`](crate::model::Workspace). Front ends know nothing of rules.

pub mod arm;
pub mod bicep;
pub mod cidr;
pub mod json;
pub mod kernel;
pub mod plan;
pub mod terraform;

use std::path::PathBuf;

/// Inputs the user gives besides the files themselves.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// `--parameters FILE`: ARM parameter JSON or `.bicepparam`, overriding the pairing.
    pub parameters: Vec<PathBuf>,
    /// Configuration `parameters:` — template path → parameter file.
    pub parameter_map: Vec<(PathBuf, PathBuf)>,
    /// `--var-file FILE` (Terraform).
    pub var_files: Vec<PathBuf>,
    /// `--var NAME=VALUE` (Terraform).
    pub vars: Vec<(String, String)>,
    /// Terraform variable files and values of a nested `.stv2lint.yaml`, by its directory: for
    /// the root modules under it, before the run's own (so the command line still wins).
    pub scoped_vars: Vec<ScopedVars>,
    /// Pair templates only with the discovered parameter files, without listing the
    /// template's directory: the language server names every file of a deployment itself, and
    /// listing a directory of thousands of templates on every keystroke costs more than the lint.
    pub pair_discovered_only: bool,
}

/// A nested configuration's directory, Terraform var files and vars.
pub type ScopedVars = (PathBuf, Vec<PathBuf>, Vec<(String, String)>);
