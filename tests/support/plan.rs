//! What the plan tests share (`tests/plan.rs`, `tests/plan_generated.rs`): findings as
//! comparable rows, and a fixture copied into a temporary tree where plans can be put.

use std::path::{Path, PathBuf};
use stv2lint::diagnostic::Severity;

/// (file relative to the base, line, code, severity, message).
pub type Finding = (String, usize, String, Severity, String);

/// The active findings of a run over `path`, sorted, files relative to `base` (a finding
/// without a place has file `""` and line 0).
pub fn findings(path: &Path, base: &Path, opts: &stv2lint::CheckOptions) -> Vec<Finding> {
    let outcome = stv2lint::check(&[path.to_path_buf()], opts);
    let base = std::fs::canonicalize(base).unwrap();
    let mut out: Vec<Finding> = outcome
        .active()
        .map(|d| {
            let (file, line) = match d.span {
                Some(span) => {
                    let f = outcome.ws.sources.get(span.file);
                    let path = std::fs::canonicalize(&f.path).unwrap_or(f.path.clone());
                    let rel = path.strip_prefix(&base).unwrap_or(&path);
                    (
                        rel.to_string_lossy().replace('\\', "/"),
                        f.line_col(span.start).0,
                    )
                }
                None => (String::new(), 0),
            };
            (
                file,
                line,
                d.code.to_string(),
                d.severity,
                d.message.clone(),
            )
        })
        .collect();
    out.sort();
    out
}

/// Without the file and line: what a finding says.
pub fn said(f: &[Finding]) -> Vec<(String, Severity, String)> {
    let mut v: Vec<_> = f.iter().map(|x| (x.2.clone(), x.3, x.4.clone())).collect();
    v.sort();
    v
}

/// A temporary directory, removed when dropped.
pub struct Staged(pub PathBuf);

impl Drop for Staged {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A copy of a fixture (a file, or a directory's tree) in a fresh temporary directory; `tag`
/// names it (tests run in parallel and may copy the same fixture).
pub fn copy_fixture(fixture: &Path, tag: &str) -> Staged {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!(
        "stv2lint-plan-{}-{n}-{}",
        std::process::id(),
        tag.replace('/', "-")
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    if fixture.is_dir() {
        for e in walkdir::WalkDir::new(fixture) {
            let e = e.unwrap();
            let to = dir.join(e.path().strip_prefix(fixture).unwrap());
            if e.file_type().is_dir() {
                std::fs::create_dir_all(&to).unwrap();
            } else {
                std::fs::copy(e.path(), &to).unwrap();
            }
        }
    } else {
        std::fs::copy(fixture, dir.join(fixture.file_name().unwrap())).unwrap();
    }
    Staged(dir)
}
