//! Source files, read once, with a line index so that byte offsets turn into line:column in
//! O(log n). Every span in the model is a (file id, byte range) into this map.

use std::path::{Path, PathBuf};

/// Index of a file in the [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// A byte range in one source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span {
            file,
            start: start as u32,
            end: end.max(start) as u32,
        }
    }
    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }
    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
    /// The smallest span covering both (same file assumed; otherwise `self`).
    pub fn to(self, other: Span) -> Span {
        if self.file != other.file {
            return self;
        }
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// The source language of a file, as discovery decided it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lang {
    Json,
    Bicep,
    BicepParam,
    Terraform,
    TerraformVars,
    TerraformJson,
    Other,
}

pub struct SourceFile {
    /// Path as the user would type it (relative to the working directory when under it).
    pub display: String,
    /// Path used for reading and resolving relative references.
    pub path: PathBuf,
    pub text: String,
    pub lang: Lang,
    /// Byte offset of the start of each line.
    line_starts: Vec<u32>,
}

impl SourceFile {
    pub fn new(path: PathBuf, display: String, text: String, lang: Lang) -> SourceFile {
        let mut line_starts = vec![0u32];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(i as u32 + 1);
            }
        }
        SourceFile {
            display,
            path,
            text,
            lang,
            line_starts,
        }
    }

    /// 1-based line and column (column counted in characters) of a byte offset.
    pub fn line_col(&self, offset: u32) -> (usize, usize) {
        let offset = offset.min(self.text.len() as u32);
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line] as usize;
        let mut end = offset as usize;
        while end > start && !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let col = self.text[start..end].chars().count() + 1;
        (line + 1, col)
    }

    /// Byte offset of the start of a 1-based line.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.line_starts
            .get(line.checked_sub(1)?)
            .map(|&o| o as usize)
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Text of a 1-based line without its line ending.
    pub fn line_text(&self, line: usize) -> &str {
        let Some(start) = self.line_start(line) else {
            return "";
        };
        let end = self
            .line_start(line + 1)
            .unwrap_or(self.text.len())
            .min(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }

    pub fn slice(&self, span: Span) -> &str {
        let s = (span.start as usize).min(self.text.len());
        let e = (span.end as usize).min(self.text.len()).max(s);
        self.text.get(s..e).unwrap_or("")
    }
}

/// Every file of a run. Files are never removed, so a `FileId` stays valid.
#[derive(Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
    /// Canonical path → file, so lookups by path cost one `canonicalize`, not one per file.
    by_path: std::collections::HashMap<PathBuf, FileId>,
}

impl SourceMap {
    pub fn add(&mut self, file: SourceFile) -> FileId {
        let id = FileId(self.files.len() as u32);
        self.by_path.entry(canonical(&file.path)).or_insert(id);
        self.files.push(file);
        id
    }
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }
    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }
    pub fn len(&self) -> usize {
        self.files.len()
    }
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
    /// The file with this path (compared after canonicalisation when possible).
    pub fn find(&self, path: &Path) -> Option<FileId> {
        self.by_path.get(&canonical(path)).copied()
    }
}

pub fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// `a/b/../c` → `a/c` without touching the file system (symlinks are not resolved).
pub fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if matches!(out.components().next_back(), Some(Component::Normal(_))) {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The path as a user would type it: relative to the working directory when under it.
pub fn display_path(path: &Path) -> String {
    let path = &normalize(path);
    if let Ok(cwd) = std::env::current_dir() {
        let abs = if path.is_absolute() {
            path.to_path_buf()
        } else {
            cwd.join(path)
        };
        if let Ok(rel) = abs.strip_prefix(&cwd) {
            let s = rel.to_string_lossy().to_string();
            if !s.is_empty() {
                return s;
            }
        }
    }
    path.to_string_lossy().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let f = SourceFile::new("a".into(), "a".into(), "ab\nçd\n\nx".into(), Lang::Other);
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(3), (2, 1));
        assert_eq!(f.line_col(5), (2, 2)); // after the two-byte ç
        assert_eq!(f.line_col(7), (3, 1));
        assert_eq!(f.line_col(8), (4, 1));
        assert_eq!(f.line_text(2), "çd");
        assert_eq!(f.line_count(), 4);
    }

    #[test]
    fn normalize_folds_parent_segments() {
        assert_eq!(
            normalize(Path::new("a/b/../../c/./d")),
            PathBuf::from("c/d")
        );
        assert_eq!(normalize(Path::new("../x/../y")), PathBuf::from("../y"));
        assert_eq!(normalize(Path::new("/a/../b")), PathBuf::from("/b"));
    }
}
