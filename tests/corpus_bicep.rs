//! The Bicep front end against the real deployments in the shared corpus. Skipped unless
//! `STV2LINT_CORPUS` points at the corpus (`.ci/run` sets it).

use std::path::{Path, PathBuf};
use stv2lint::frontend::bicep::parser;
use stv2lint::source::FileId;

fn corpus() -> Option<PathBuf> {
    let p = PathBuf::from(std::env::var_os("STV2LINT_CORPUS")?);
    p.is_dir().then_some(p)
}

fn bicep_files(root: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walkdir::WalkDir::new(root)
        .into_iter()
        .flatten()
        .filter(|e| {
            let n = e.file_name().to_string_lossy();
            e.file_type().is_file() && (n.ends_with(".bicep") || n.ends_with(".bicepparam"))
        })
        .map(|e| e.path().to_path_buf())
        .collect();
    out.sort();
    out
}

#[test]
#[ignore = "needs STV2LINT_CORPUS"]
fn corpus_every_bicep_file_parses() {
    let Some(root) = corpus() else {
        eprintln!("STV2LINT_CORPUS not set; skipped");
        return;
    };
    let files = bicep_files(&root);
    assert!(files.len() > 100, "expected the corpus's 163 Bicep files");
    let mut failures = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        if let Err(e) = parser::parse(&text, FileId(0)) {
            let line = text[..e.offset.min(text.len())].matches('\n').count() + 1;
            failures.push(format!("{}:{}: {}", f.display(), line, e.message));
        }
    }
    assert!(
        failures.is_empty(),
        "{} files failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
