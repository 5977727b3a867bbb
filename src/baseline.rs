//! Baselines: record today's findings (`--write-baseline FILE`) and report only new ones
//! (`--baseline FILE`), so a team can adopt stv2lint on an existing code base and still fail CI
//! on anything new.
//!
//! A finding is recognised by its code, its file (relative to the baseline file, so the run can
//! start anywhere) and its identity (`Diagnostic::identity`: the resource and what is wrong) —
//! never by line or column, so inserting lines or reformatting a file keeps it recognised.
//! Entries carry a count: the same finding twice in one file needs two entries' worth.

use crate::code::Code;
use crate::diagnostic::Diagnostic;
use crate::model::Workspace;
use crate::Outcome;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    version: u32,
    findings: Vec<Entry>,
}

#[derive(Serialize, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct Entry {
    code: String,
    file: String,
    identity: String,
    /// For people reading the file; not used for matching.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    message: String,
    #[serde(default = "one", skip_serializing_if = "is_one")]
    count: usize,
}

fn one() -> usize {
    1
}
fn is_one(n: &usize) -> bool {
    *n == 1
}

/// What identifies a finding across edits.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub code: String,
    pub file: String,
    pub identity: String,
}

/// The identity a diagnostic is tracked by: the resource it names and what is wrong with it
/// (`Diagnostic::identity`, or its message when a producer left that empty) — no line numbers.
pub fn identity_of(d: &Diagnostic) -> String {
    let what = if d.identity.is_empty() {
        &d.message
    } else {
        &d.identity
    };
    match &d.resource {
        Some(r) => format!("{r}|{what}"),
        None => what.clone(),
    }
}

/// A file's path relative to `base` with `/` separators, or its path as displayed when it lies
/// elsewhere.
pub fn relative_file(ws: &Workspace, file: crate::source::FileId, base: &Path) -> String {
    let f = ws.sources.get(file);
    let abs = crate::source::canonical(&f.path);
    match abs.strip_prefix(base) {
        Ok(rel) => rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
        Err(_) => f.display.replace('\\', "/"),
    }
}

/// The baseline keys of findings: each file's relative path (a `canonicalize`) is made once.
struct Keys<'a> {
    ws: &'a Workspace,
    base: &'a Path,
    files: HashMap<crate::source::FileId, String>,
}

impl<'a> Keys<'a> {
    fn new(ws: &'a Workspace, base: &'a Path) -> Keys<'a> {
        Keys {
            ws,
            base,
            files: HashMap::new(),
        }
    }

    fn of(&mut self, d: &Diagnostic) -> Key {
        let (ws, base) = (self.ws, self.base);
        let file = match d.span {
            Some(s) => self
                .files
                .entry(s.file)
                .or_insert_with(|| relative_file(ws, s.file, base))
                .clone(),
            None => String::new(),
        };
        Key {
            code: d.code.to_string(),
            file,
            identity: identity_of(d),
        }
    }
}

/// Parse errors are never baselined: an unparseable file was not checked at all.
fn recordable(d: &Diagnostic) -> bool {
    d.suppressed.is_none() && d.code != Code::Stv001
}

/// The directory a baseline file's paths are relative to.
fn base_dir(path: &Path) -> PathBuf {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    crate::source::canonical(&parent)
}

/// Write the baseline of a run; returns the number of findings recorded.
pub fn write(path: &Path, o: &Outcome) -> Result<usize, String> {
    let base = base_dir(path);
    let mut counts: HashMap<Key, (usize, String)> = HashMap::new();
    let mut keys = Keys::new(&o.ws, &base);
    for d in o.diagnostics.iter().filter(|d| recordable(d)) {
        let e = counts.entry(keys.of(d)).or_insert((0, d.message.clone()));
        e.0 += 1;
    }
    let total = counts.values().map(|(n, _)| n).sum();
    let mut findings: Vec<(Key, (usize, String))> = counts.into_iter().collect();
    findings.sort_by(|a, b| a.0.cmp(&b.0));
    let file = BaselineFile {
        version: VERSION,
        findings: findings
            .into_iter()
            .map(|(k, (count, message))| Entry {
                code: k.code,
                file: k.file,
                identity: k.identity,
                message,
                count,
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&file).map_err(|e| e.to_string())?;
    text.push('\n');
    std::fs::write(path, text)
        .map_err(|e| format!("{}: cannot write the baseline: {e}", path.display()))?;
    Ok(total)
}

/// A loaded baseline.
pub struct Baseline {
    base: PathBuf,
    counts: HashMap<Key, usize>,
}

/// What applying a baseline did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// Findings hidden because the baseline records them.
    pub hidden: usize,
    /// Baseline entries that no longer occur (fixed findings): the file can be rewritten.
    pub stale: usize,
}

pub fn load(path: &Path) -> Result<Baseline, String> {
    let text = crate::source::read_text(path)
        .map_err(|e| format!("{}: cannot read the baseline: {e}", path.display()))?;
    parse(&text, path)
}

/// A baseline from its text; `path` names it in errors and anchors its relative file names.
pub fn parse(text: &str, path: &Path) -> Result<Baseline, String> {
    let file: BaselineFile = serde_json::from_str(text).map_err(|e| {
        format!(
            "{}:{}:{}: not a stv2lint baseline: {e}",
            path.display(),
            e.line(),
            e.column()
        )
    })?;
    if file.version != VERSION {
        return Err(format!(
            "{}: baseline version {} is not supported (expected {VERSION})",
            path.display(),
            file.version
        ));
    }
    let mut counts = HashMap::new();
    for e in file.findings {
        *counts
            .entry(Key {
                code: e.code,
                file: e.file,
                identity: e.identity,
            })
            .or_insert(0) += e.count;
    }
    Ok(Baseline {
        base: base_dir(path),
        counts,
    })
}

impl Baseline {
    /// Drop the findings the baseline records from the outcome; new findings stay.
    pub fn apply(&self, o: &mut Outcome) -> Applied {
        let mut left = self.counts.clone();
        let mut hidden = 0;
        let mut keys = Keys::new(&o.ws, &self.base);
        o.diagnostics.retain(|d| {
            if !recordable(d) {
                return true;
            }
            match left.get_mut(&keys.of(d)) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    hidden += 1;
                    false
                }
                _ => true,
            }
        });
        Applied {
            hidden,
            stale: left.values().sum(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;
    use crate::source::{FileId, Lang, SourceFile, Span};

    fn outcome(dir: &Path, n: usize) -> Outcome {
        let mut ws = Workspace::default();
        let path = dir.join("a.json");
        std::fs::write(&path, "0123456789").unwrap();
        ws.sources.add(SourceFile::new(
            path,
            "a.json".into(),
            "0123456789".into(),
            Lang::Json,
        ));
        let diagnostics = (0..n)
            .map(|i| {
                Diagnostic::new(Code::Stv202, Severity::Error, "m")
                    .at(Some(Span::new(FileId(0), i, i + 1)))
                    .identity("nsg|3443")
            })
            .collect();
        Outcome {
            ws,
            diagnostics,
            files: 1,
            missing: Vec::new(),
            unreadable: Vec::new(),
            instances: Default::default(),
            streamed: false,
        }
    }

    #[test]
    fn counts_hide_only_as_many_as_were_recorded() {
        let dir = std::env::temp_dir().join(format!("stv2lint-baseline-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("b.json");
        assert_eq!(write(&file, &outcome(&dir, 1)).unwrap(), 1);
        let b = load(&file).unwrap();
        let mut o = outcome(&dir, 3);
        let applied = b.apply(&mut o);
        assert_eq!(
            applied,
            Applied {
                hidden: 1,
                stale: 0
            }
        );
        assert_eq!(o.diagnostics.len(), 2);
        let mut o = outcome(&dir, 0);
        assert_eq!(
            b.apply(&mut o),
            Applied {
                hidden: 0,
                stale: 1
            }
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
