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

/// The comments of a file as its own front end lexes them, so that suppressions agree with the
/// parser on what is a comment (text in a string never is). Files no front end reads as text
/// with comments (Terraform JSON) have none.
pub fn comments(f: &crate::source::SourceFile) -> Vec<crate::source::Comment> {
    use crate::source::Lang;
    match f.lang {
        Lang::Json => json::comments(&f.text),
        Lang::Bicep | Lang::BicepParam => bicep::lexer::comments(&f.text),
        Lang::Terraform | Lang::TerraformVars => terraform::parse::comments(&f.text),
        Lang::TerraformJson | Lang::Other => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use crate::source::{Lang, SourceFile};

    #[test]
    fn any_text_in_any_language_lexes_for_comments_without_panicking() {
        let samples = [
            "é = \"ü${'ß'}\" # ç\nλ '''😀''' // ж\n<<EOT\nµ ${x} %{y}\nEOT\n/* ö",
            "'é${\"'''\"}ü' \"\\é\" $${ %%{ <<-Ωx\n\u{0}",
            "{ \"é\": /* ü */ [1, \"ß\\\"\"] // ç\r\n}",
        ];
        for text in samples {
            for cut in 0..=text.len() {
                let Some(t) = text.get(..cut) else { continue };
                for lang in [Lang::Json, Lang::Bicep, Lang::Terraform] {
                    let f = SourceFile::new("t".into(), "t".into(), t.to_string(), lang);
                    for c in super::comments(&f) {
                        assert!(t.get(c.start..c.end).is_some());
                        assert!(t.get(c.inner.0..c.inner.1).is_some());
                    }
                }
            }
        }
    }
}
