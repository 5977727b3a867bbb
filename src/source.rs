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

/// A comment as its front end's lexer saw it (byte offsets): suppressions read these, so that
/// what counts as a comment is decided once, by the lexer that also reads the code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Comment {
    /// The whole comment, markers included; a line comment ends before its line break.
    pub start: usize,
    pub end: usize,
    /// The text between the markers.
    pub inner: (usize, usize),
}

impl Comment {
    /// The text between the markers, from the text the comment was found in.
    pub fn inner_text<'a>(&self, text: &'a str) -> &'a str {
        text.get(self.inner.0..self.inner.1).unwrap_or("")
    }
    /// A line comment whose `marker` (`//` or `#`) starts at `start`; `end` is its line break
    /// or the end of the text (a `\r` before it is not part of the comment).
    pub fn line(text: &str, start: usize, marker: usize, end: usize) -> Comment {
        let end = if end > start && text.as_bytes().get(end - 1) == Some(&b'\r') {
            end - 1
        } else {
            end
        };
        Comment {
            start,
            end,
            inner: (start + marker, end.max(start + marker)),
        }
    }

    /// A block comment `/* … */` from `start` to `end`, just after its `*/` (or the end of the
    /// text when unterminated and the lexer goes on).
    pub fn block(start: usize, end: usize) -> Comment {
        Comment {
            start,
            end,
            inner: (start + 2, end.saturating_sub(2).max(start + 2)),
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
    /// For text that is not all ASCII: the characters before every [`CHARS_EVERY`]th byte, so
    /// that a column deep in a long line (a minified template is one line of megabytes) is
    /// counted from the checkpoint before it, not from the start of the line (which made
    /// every finding cost the length of the line: quadratic in findings). Empty for ASCII
    /// text, where columns are byte counts.
    chars_at: Vec<u32>,
}

/// Bytes between two character-count checkpoints of [`SourceFile`].
const CHARS_EVERY: usize = 4096;

/// The characters that start in `bytes` (a range of UTF-8 text that may cut characters:
/// continuation bytes are not counted).
fn chars_starting(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b as i8) >= -0x40).count()
}

impl SourceFile {
    pub fn new(path: PathBuf, display: String, text: String, lang: Lang) -> SourceFile {
        let mut line_starts = vec![0u32];
        if text.contains('\r') {
            // A lone carriage return ends a line too (old Mac line endings), as editors and
            // the Bicep and JSON readers take it; `\r\n` is one line end.
            let bytes = text.as_bytes();
            line_starts.extend(
                bytes
                    .iter()
                    .enumerate()
                    .filter(|&(i, &c)| {
                        c == b'\n' || (c == b'\r' && bytes.get(i + 1) != Some(&b'\n'))
                    })
                    .map(|(i, _)| i as u32 + 1),
            );
        } else {
            line_starts.extend(text.match_indices('\n').map(|(i, _)| i as u32 + 1));
        }
        let chars_at = if text.is_ascii() {
            Vec::new()
        } else {
            let mut at = Vec::with_capacity(text.len() / CHARS_EVERY + 1);
            let mut n = 0u32;
            for chunk in text.as_bytes().chunks(CHARS_EVERY) {
                at.push(n);
                n += chars_starting(chunk) as u32;
            }
            at
        };
        SourceFile {
            display,
            path,
            text,
            lang,
            line_starts,
            chars_at,
        }
    }

    /// The characters that start before byte `offset`.
    fn chars_before(&self, offset: usize) -> usize {
        let k = offset / CHARS_EVERY;
        let base = self.chars_at.get(k).copied().unwrap_or(0) as usize;
        base + chars_starting(&self.text.as_bytes()[k * CHARS_EVERY..offset])
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
        let col = if self.chars_at.is_empty() {
            end - start + 1
        } else if end - start <= CHARS_EVERY {
            self.text[start..end].chars().count() + 1
        } else {
            self.chars_before(end) - self.chars_before(start) + 1
        };
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
    /// Forget the files added after the first `len` (a run loaded again from what discovery
    /// read: a file whose read failed must fail again, with its diagnostic).
    pub fn truncate(&mut self, len: usize) {
        if len < self.files.len() {
            self.files.truncate(len);
            self.by_path.retain(|_, id| (id.0 as usize) < len);
        }
    }

    pub fn add(&mut self, file: SourceFile) -> FileId {
        let canon = canonical(&file.path);
        self.add_canonical(file, canon)
    }
    /// [`SourceMap::add`] of a file whose canonical path is known already (discovery has it).
    pub fn add_canonical(&mut self, file: SourceFile, canon: PathBuf) -> FileId {
        let id = FileId(self.files.len() as u32);
        self.by_path.entry(canon).or_insert(id);
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

/// The language a file name implies, or `None` for files we never read.
pub fn lang_of(path: &Path) -> Option<Lang> {
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    if name.ends_with(".tf.json") {
        Some(Lang::TerraformJson)
    } else if name.ends_with(".tfvars.json") || name.ends_with(".tfvars") {
        Some(Lang::TerraformVars)
    } else if name.ends_with(".tf") {
        Some(Lang::Terraform)
    } else if name.ends_with(".bicepparam") {
        Some(Lang::BicepParam)
    } else if name.ends_with(".bicep") {
        Some(Lang::Bicep)
    } else if name.ends_with(".json") || name.ends_with(".jsonc") {
        Some(Lang::Json)
    } else {
        None
    }
}

/// The canonical path ([`realpath`]), or the path itself when it cannot be resolved.
pub fn canonical(path: &Path) -> PathBuf {
    realpath(path).unwrap_or_else(|| path.to_path_buf())
}

/// `std::fs::canonicalize`, through the memo of the run this thread works for ([`Canon`]);
/// `None` where `canonicalize` fails.
pub fn realpath(path: &Path) -> Option<PathBuf> {
    match RUN_CANON.with(|c| c.borrow().clone()) {
        Some(memo) => memo.realpath(path),
        None => std::fs::canonicalize(path).ok(),
    }
}

/// The canonical paths one run has resolved, by the path as it was asked for. `realpath`
/// costs a `readlink` per component, and a run asks for the same files and directories many
/// times (discovery, the fence, the source map, module sources, parameter-file pairing): with
/// the memo a path costs one `lstat` of its last component plus a look-up of its directory.
/// The result is exactly `realpath`'s (a symlink anywhere, `..` after a symlink, a path that
/// does not exist). A memo belongs to one run and dies with it: files change between the
/// language server's runs.
#[derive(Default)]
pub struct Canon {
    /// By the path's text: `Path`'s own equality ignores a trailing `/`, which `realpath` does not.
    /// Hashed with foldhash, seeded per process: the names come from the linted tree.
    known: std::sync::RwLock<
        std::collections::HashMap<Box<std::ffi::OsStr>, Known, foldhash::fast::RandomState>,
    >,
}

/// A memoised answer, kept small: most paths a run asks for are canonical already.
enum Known {
    Same,
    Other(Box<Path>),
    Fails,
}

thread_local! {
    /// The memo of the run the current thread works for ([`with_canon`]).
    static RUN_CANON: std::cell::RefCell<Option<std::sync::Arc<Canon>>> =
        const { std::cell::RefCell::new(None) };
}

/// The memo of the run the current thread works for, to hand to other threads.
pub fn current_canon() -> Option<std::sync::Arc<Canon>> {
    RUN_CANON.with(|c| c.borrow().clone())
}

/// `f` with `memo` as this thread's run memo ([`Canon`]); the previous one is back after,
/// even when `f` panics. [`crate::parallel::map`] hands the caller's memo to its workers.
pub fn with_canon<R>(memo: Option<std::sync::Arc<Canon>>, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<std::sync::Arc<Canon>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let prev = self.0.take();
            RUN_CANON.with(|c| *c.borrow_mut() = prev);
        }
    }
    let _restore = Restore(RUN_CANON.with(|c| c.replace(memo)));
    f()
}

impl Canon {
    /// `std::fs::canonicalize(path)`, memoised; `None` where it fails.
    pub fn realpath(&self, path: &Path) -> Option<PathBuf> {
        let known = self.known.read().unwrap_or_else(|p| p.into_inner());
        match known.get(path.as_os_str()) {
            Some(Known::Same) => return Some(path.to_path_buf()),
            Some(Known::Other(c)) => return Some(c.to_path_buf()),
            Some(Known::Fails) => return None,
            None => {}
        }
        drop(known);
        let c = self.resolve(path);
        let answer = match &c {
            Some(c) if c.as_os_str() == path.as_os_str() => Known::Same,
            Some(c) => Known::Other(c.clone().into_boxed_path()),
            None => Known::Fails,
        };
        self.known
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(path.as_os_str().into(), answer);
        c
    }

    /// On Linux `realpath` is its directory's canonical path joined with the last component,
    /// unless that component is a symlink (then resolved as a whole): the same walk glibc does,
    /// with the directory's part memoised. A last `..` is the parent of its directory's
    /// canonical path when that is a directory. Anything else (`/`, a trailing `/` or `/.`,
    /// which require a directory) is resolved as a whole.
    #[cfg(target_os = "linux")]
    fn resolve(&self, path: &Path) -> Option<PathBuf> {
        use std::os::unix::ffi::OsStrExt;
        use std::path::Component;
        let whole = || std::fs::canonicalize(path).ok();
        let text = path.as_os_str().as_bytes();
        let dir = || match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        match path.components().next_back() {
            Some(Component::Normal(name)) if text.ends_with(name.as_bytes()) => {
                let full = self.realpath(dir())?.join(name);
                match std::fs::symlink_metadata(&full) {
                    Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(&full).ok(),
                    Ok(_) => Some(full),
                    Err(_) => None,
                }
            }
            Some(Component::ParentDir) if text.ends_with(b"..") => {
                let d = self.realpath(dir())?;
                // Canonical, so no link: `lstat` is `stat`.
                if !std::fs::symlink_metadata(&d).is_ok_and(|m| m.is_dir()) {
                    return whole();
                }
                Some(d.parent().map_or_else(|| d.clone(), Path::to_path_buf))
            }
            _ => whole(),
        }
    }

    /// Elsewhere `canonicalize` may change more than links (the case of a name on Windows and
    /// macOS): each path is resolved as a whole, once.
    #[cfg(not(target_os = "linux"))]
    fn resolve(&self, path: &Path) -> Option<PathBuf> {
        std::fs::canonicalize(path).ok()
    }
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

/// File bytes as text, decoded the way the tools that deploy the file read it.
///
/// Azure (ARM, Bicep) accepts UTF-8 with or without a byte-order mark and UTF-16 with one —
/// what Windows PowerShell 5 writes with `Out-File`. Terraform accepts UTF-8 with or without a
/// mark and nothing else. The mark is dropped, so offsets count from the first character.
/// `Err((lossy text, byte offset of the first bad byte, why))` when the bytes are not text.
pub fn decode(bytes: Vec<u8>, lang: Lang) -> Result<String, (String, usize, String)> {
    let utf16 = match bytes.get(..2) {
        Some([0xFF, 0xFE]) => Some(u16::from_le_bytes as fn([u8; 2]) -> u16),
        Some([0xFE, 0xFF]) => Some(u16::from_be_bytes as fn([u8; 2]) -> u16),
        _ => None,
    };
    if let Some(unit) = utf16 {
        let terraform = matches!(
            lang,
            Lang::Terraform | Lang::TerraformJson | Lang::TerraformVars
        );
        if terraform {
            return Err((
                String::new(),
                0,
                "the file is UTF-16; Terraform reads only UTF-8 (save it as UTF-8)".to_string(),
            ));
        }
        let units = bytes[2..].chunks(2).map(|c| match c {
            [a, b] => unit([*a, *b]),
            _ => 0xFFFD,
        });
        let mut text = String::with_capacity(bytes.len() / 2);
        for c in char::decode_utf16(units) {
            match c {
                Ok(c) => text.push(c),
                Err(_) => {
                    let at = text.len();
                    return Err((
                        text,
                        at,
                        "the file is UTF-16 with an unpaired surrogate (is it a binary file?)"
                            .to_string(),
                    ));
                }
            }
        }
        // Up to three bytes of UTF-8 for two of UTF-16.
        if cut_to(&mut text, MAX_LEN) {
            let at = text.len();
            return Err((
                text,
                at,
                format!("the UTF-16 file is longer than {MAX_LEN} bytes as UTF-8"),
            ));
        }
        if bytes.len() % 2 == 1 {
            let at = text.len();
            return Err((
                text,
                at,
                "the UTF-16 file ends in half a character".to_string(),
            ));
        }
        return Ok(text);
    }
    let mut bytes = bytes;
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes.drain(..3);
    }
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        // The lossy text has the same bytes up to `valid`; each bad byte may become three
        // (U+FFFD), so it is cut to the length offsets can reach.
        let mut text = String::from_utf8_lossy(e.as_bytes()).into_owned();
        cut_to(&mut text, MAX_LEN.max(valid));
        (
            text,
            valid,
            "the file is not valid UTF-8 (is it a binary file?)".to_string(),
        )
    })
}

/// Where a run may read files from: the linted tree. A template, module or configuration that
/// names a path elsewhere (`../../etc`, `/proc/self/environ`, a FIFO that would block) must not
/// make the linter read it and print its content.
#[derive(Clone, Debug, Default)]
pub struct Fence {
    /// Canonical directories files may be read from. Empty: any regular file (the library
    /// default; [`crate::check`] always sets roots).
    pub roots: Vec<PathBuf>,
    /// Canonical files the user named (command-line paths, `--parameters`, `--var-file`):
    /// readable wherever they are.
    pub allowed: std::collections::HashSet<PathBuf>,
}

impl Fence {
    /// The fence of a run over `paths`: for each, the root of the git work tree containing it
    /// (a `.git` found upward), else the directory itself (a file's parent); plus `extra` roots
    /// (`--root`). Files among `paths` and `explicit` are allowed wherever they are.
    pub fn for_run(paths: &[PathBuf], explicit: &[PathBuf], extra: &[PathBuf]) -> Fence {
        let mut f = Fence::default();
        let add_root = |f: &mut Fence, dir: PathBuf| {
            if !f.roots.iter().any(|r| dir.starts_with(r)) {
                f.roots.retain(|r| !r.starts_with(&dir));
                f.roots.push(dir);
            }
        };
        for p in paths {
            let Some(c) = realpath(p) else {
                continue;
            };
            let is_dir = c.is_dir();
            if !is_dir {
                f.allowed.insert(c.clone());
            }
            let dir = if is_dir {
                c
            } else {
                c.parent().map(Path::to_path_buf).unwrap_or(c)
            };
            let root = git_root(&dir).unwrap_or(dir);
            add_root(&mut f, root);
        }
        for p in extra {
            if let Some(c) = realpath(p) {
                add_root(&mut f, c);
            }
        }
        for p in explicit {
            if let Some(c) = realpath(p) {
                f.allowed.insert(c);
            }
        }
        f
    }

    /// `Err(why)` when the file at `path` must not be read. A path that does not exist passes
    /// (reading it fails the ordinary way).
    pub fn check_file(&self, path: &Path) -> Result<(), String> {
        self.check(path, false)
    }

    /// [`Fence::check_file`] for a directory whose files would be read (a Terraform module).
    pub fn check_dir(&self, path: &Path) -> Result<(), String> {
        self.check(path, true)
    }

    fn check(&self, path: &Path, dir: bool) -> Result<(), String> {
        let Some(c) = realpath(path) else {
            return Ok(());
        };
        for special in ["/proc", "/sys", "/dev"] {
            if c.starts_with(special) {
                return Err(format!("{special} is not a file to read"));
            }
        }
        // `metadata` does not open the file, so a FIFO cannot block here.
        let kind = match std::fs::metadata(&c) {
            Ok(m) => kind_of(&m.file_type()),
            Err(_) => return Ok(()),
        };
        let want = if dir { "directory" } else { "regular file" };
        if kind != want {
            return Err(format!("it is a {kind}, not a {want}"));
        }
        if self.roots.is_empty() || self.allowed.contains(&c) {
            return Ok(());
        }
        if self.roots.iter().any(|r| c.starts_with(r)) {
            return Ok(());
        }
        let roots: Vec<String> = self
            .roots
            .iter()
            .map(|r| r.to_string_lossy().to_string())
            .collect();
        Err(format!(
            "it is outside the linted tree ({}; widen it with --root)",
            roots.join(", ")
        ))
    }
}

/// The longest text a file may have: offsets into it ([`Span`], the line index) are `u32`.
pub const MAX_LEN: usize = u32::MAX as usize;

/// Why `path` names nothing to read, in words for a diagnostic: it does not exist, or cannot be
/// reached (a symbolic-link loop, no permission); `None` when something is there.
pub fn absent(path: &Path) -> Option<String> {
    match std::fs::metadata(path) {
        Ok(_) => None,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some("does not exist".to_string()),
        Err(e) => Some(format!("cannot be read: {e}")),
    }
}

/// The longest file stv2lint reads: the largest real inputs (compiled templates, plans of
/// large estates) are tens of megabytes, and a file is held whole with its model (about ten
/// times its size). A hostile multi-gigabyte file (a sparse one costs no disk) is refused, not
/// read into memory.
pub const MAX_FILE: usize = 256 << 20;

/// The bytes of a regular file. Anything else (a FIFO, whose `open` would block until a writer
/// comes; a device; a directory) is an error without being opened, and so is a file longer
/// than [`MAX_FILE`] (it is not read into memory; one growing while it is read stops there).
pub fn read_regular(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let m = std::fs::metadata(path)?;
    let t = m.file_type();
    if !t.is_file() {
        return Err(std::io::Error::other(format!(
            "it is a {}, not a regular file",
            kind_of(&t)
        )));
    }
    let too_long = |n: u64| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "it is {n} bytes long, more than the {} MiB stv2lint reads",
                MAX_FILE >> 20
            ),
        )
    };
    if m.len() > MAX_FILE as u64 {
        return Err(too_long(m.len()));
    }
    let mut bytes = Vec::new();
    // An allocation the machine refuses is an error of this file, not an abort of the run.
    bytes
        .try_reserve_exact(m.len() as usize)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::OutOfMemory, e.to_string()))?;
    std::fs::File::open(path)?
        .take(MAX_FILE as u64 + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() > MAX_FILE {
        return Err(too_long(bytes.len() as u64));
    }
    Ok(bytes)
}

/// `text` cut to at most `max` bytes, at a character boundary; whether it was cut.
fn cut_to(text: &mut String, max: usize) -> bool {
    if text.len() <= max {
        return false;
    }
    let mut at = max;
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    text.truncate(at);
    true
}

/// A regular file's text (UTF-8, BOM dropped), for configuration and baselines.
pub fn read_text(path: &Path) -> std::io::Result<String> {
    decode(read_regular(path)?, Lang::Other)
        .map_err(|(_, _, why)| std::io::Error::new(std::io::ErrorKind::InvalidData, why))
}

/// What a file system entry is, in words.
pub fn kind_of(t: &std::fs::FileType) -> &'static str {
    if t.is_file() {
        return "regular file";
    }
    if t.is_dir() {
        return "directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "FIFO";
        }
        if t.is_socket() {
            return "socket";
        }
        if t.is_block_device() || t.is_char_device() {
            return "device";
        }
    }
    "special file"
}

/// The root of the git work tree containing `dir` (canonical): the nearest directory upward
/// with a `.git` entry (a directory, or a file in worktrees and submodules). Git is not run.
pub fn git_root(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|d| std::fs::symlink_metadata(d.join(".git")).is_ok())
        .map(Path::to_path_buf)
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
    fn a_lone_carriage_return_ends_a_line_and_crlf_is_one_end() {
        let f = SourceFile::new("a".into(), "a".into(), "ab\rcd\r\nef\n".into(), Lang::Other);
        assert_eq!(f.line_col(3), (2, 1));
        assert_eq!(f.line_col(7), (3, 1));
        assert_eq!(f.line_text(1), "ab");
        assert_eq!(f.line_text(2), "cd");
        assert_eq!(f.line_count(), 4);
    }

    #[test]
    fn columns_deep_in_a_long_line_count_characters() {
        // A minified template: one line far longer than a checkpoint, with characters of one
        // to four bytes (some cut by checkpoints); every column is its character count.
        let mut text = String::from("{\n");
        for i in 0..6000 {
            text.push_str(["a", "ç", "€", "𝄞"][i % 4]);
        }
        let f = SourceFile::new("a".into(), "a".into(), text.clone(), Lang::Other);
        for (off, _) in text.char_indices().step_by(97).chain([(text.len(), ' ')]) {
            let want = text[2..off.max(2)].chars().count() + 1;
            assert_eq!(
                f.line_col(off as u32),
                (
                    if off < 2 { 1 } else { 2 },
                    if off < 2 { off + 1 } else { want }
                )
            );
        }
        let ascii = SourceFile::new(
            "a".into(),
            "a".into(),
            "x\n".repeat(3) + &"y".repeat(9000),
            Lang::Other,
        );
        assert_eq!(ascii.line_col(6 + 8000), (4, 8001));
    }

    /// A file longer than stv2lint reads is refused before it is read, with its length (a
    /// sparse file: no disk and no memory used); the run gives one STV001 at line 1 of it and
    /// is incomplete. Before, a 3 GiB file was allocated whole and the run aborted.
    #[test]
    fn a_file_longer_than_stv2lint_reads_is_not_read() {
        let dir = std::env::temp_dir().join(format!("stv2lint-huge-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let huge = dir.join("main.bicep");
        std::fs::File::create(&huge)
            .unwrap()
            .set_len(3 << 30)
            .unwrap();
        // (Not `unwrap_err`, which would print the bytes read.)
        let Err(e) = read_regular(&huge) else {
            panic!("a file of 3 GiB was read");
        };
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidData);
        assert!(
            e.to_string()
                .contains("3221225472 bytes long, more than the 256 MiB"),
            "{e}"
        );
        let o = crate::check(std::slice::from_ref(&dir), &Default::default());
        let found: Vec<_> = o
            .diagnostics
            .iter()
            .map(|d| {
                let s = d.span.expect("a place in the file");
                let f = o.ws.sources.get(s.file);
                (d.code, canonical(&f.path), f.line_col(s.start).0)
            })
            .collect();
        assert_eq!(
            found,
            [(crate::code::Code::Stv001, canonical(&huge), 1)],
            "{:?}",
            o.diagnostics
        );
        assert!(o.diagnostics[0].message.contains("bytes long"));
        assert!(o.incomplete());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn text_is_cut_at_a_character_boundary() {
        let mut t = "aé€".to_string();
        assert!(!cut_to(&mut t, 6));
        assert!(cut_to(&mut t, 5));
        assert_eq!(t, "aé");
        assert!(cut_to(&mut t, 2));
        assert_eq!(t, "a");
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

    #[test]
    fn decode_reads_what_azure_and_terraform_read() {
        let utf16 = |be: bool, s: &str| {
            let mut v = if be {
                vec![0xFE, 0xFF]
            } else {
                vec![0xFF, 0xFE]
            };
            for u in s.encode_utf16() {
                v.extend(if be { u.to_be_bytes() } else { u.to_le_bytes() });
            }
            v
        };
        assert_eq!(
            decode(utf16(false, "{\"ç\": 1}"), Lang::Json).unwrap(),
            "{\"ç\": 1}"
        );
        assert_eq!(
            decode(utf16(true, "param x int"), Lang::Bicep).unwrap(),
            "param x int"
        );
        assert_eq!(
            decode(b"\xEF\xBB\xBFa = 1".to_vec(), Lang::Terraform).unwrap(),
            "a = 1"
        );
        let (_, at, why) = decode(utf16(false, "a = 1"), Lang::TerraformVars).unwrap_err();
        assert!(at == 0 && why.contains("UTF-16"), "{why}");
        // An unpaired surrogate and half a unit are errors at the text decoded so far.
        let (text, at, _) =
            decode(vec![0xFF, 0xFE, b'a', 0, 0x00, 0xD8, b'b', 0], Lang::Json).unwrap_err();
        assert_eq!((text.as_str(), at), ("a", 1));
        assert!(decode(vec![0xFF, 0xFE, b'a', 0, b'b'], Lang::Json).is_err());
        let (_, at, _) = decode(b"ab\xFFcd".to_vec(), Lang::Bicep).unwrap_err();
        assert_eq!(at, 2);
    }

    /// The memo answers exactly as `realpath`: links to directories and files, `..` after a
    /// link, paths that do not exist or pass through a file, trailing `/` and `/.`, relative
    /// paths; asked first or after the paths around it are known.
    #[cfg(unix)]
    #[test]
    fn the_memo_resolves_as_realpath_does() {
        use std::os::unix::fs::symlink;
        let base = std::env::temp_dir().join(format!("stv2lint-canon-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(base.join("real/sub/deep")).unwrap();
        std::fs::write(base.join("real/sub/f.tf"), "").unwrap();
        symlink(base.join("real/sub"), base.join("link")).unwrap();
        symlink("deep/..", base.join("real/sub/up")).unwrap();
        symlink("sub/f.tf", base.join("real/file-link")).unwrap();
        symlink("nowhere", base.join("dangling")).unwrap();
        symlink("loop", base.join("loop")).unwrap();
        let rel = [
            "real",
            "real/sub/f.tf",
            "link",
            "link/f.tf",
            "link/..",
            "link/../sub/f.tf",
            "link/deep/../..",
            "real/sub/up/f.tf",
            "real/sub/up/..",
            "real/file-link",
            "real/file-link/x",
            "real/file-link/..",
            "real/sub/f.tf/..",
            "real/sub/f.tf/",
            "real/sub/f.tf/.",
            "real/sub/",
            "real/sub/.",
            "real/./sub//f.tf",
            "dangling",
            "dangling/x",
            "loop",
            "loop/x",
            "nope",
            "nope/..",
        ];
        let mut paths: Vec<PathBuf> = rel.iter().map(|r| base.join(r)).collect();
        paths.extend(
            [
                "/",
                "/..",
                ".",
                "..",
                "",
                "stv2lint-no-such-file",
                "./src/../src/lib.rs",
            ]
            .iter()
            .map(PathBuf::from),
        );
        let expect = |p: &Path| std::fs::canonicalize(p).ok();
        for p in &paths {
            assert_eq!(Canon::default().realpath(p), expect(p), "{}", p.display());
        }
        let memo = Canon::default();
        for p in paths.iter().chain(paths.iter().rev()) {
            assert_eq!(memo.realpath(p), expect(p), "{}", p.display());
        }
        // A run's memo reaches the fence: a linked directory inside the tree that points out
        // of it is outside.
        symlink(base.join("real"), base.join("link/deep/out")).unwrap();
        let memo = std::sync::Arc::new(Canon::default());
        with_canon(Some(memo), || {
            let f = Fence::for_run(&[base.join("link")], &[], &[]);
            assert!(f.check_file(&base.join("link/f.tf")).is_ok());
            assert!(f.check_file(&base.join("real/sub/f.tf")).is_ok());
            assert!(f.check_file(&base.join("link/deep/out/sub/f.tf")).is_ok());
            let e = f.check_dir(&base.join("link/deep/out")).unwrap_err();
            assert!(e.contains("outside the linted tree"), "{e}");
            assert!(current_canon().is_some());
        });
        assert!(current_canon().is_none());
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn the_fence_keeps_reads_inside_its_roots() {
        let base = std::env::temp_dir().join(format!("stv2lint-fence-{}", std::process::id()));
        let inside = base.join("repo");
        std::fs::create_dir_all(inside.join("sub")).unwrap();
        std::fs::write(inside.join("sub/a.json"), "{}").unwrap();
        std::fs::write(base.join("secret.txt"), "x").unwrap();
        let f = Fence::for_run(std::slice::from_ref(&inside), &[], &[]);
        assert!(f.check_file(&inside.join("sub/a.json")).is_ok());
        assert!(f.check_file(&inside.join("sub/../sub/a.json")).is_ok());
        assert!(f.check_dir(&inside.join("sub")).is_ok());
        let e = f.check_file(&inside.join("../secret.txt")).unwrap_err();
        assert!(e.contains("outside the linted tree"), "{e}");
        assert!(f
            .check_file(&inside.join("sub"))
            .unwrap_err()
            .contains("directory"));
        assert!(f.check_file(Path::new("/proc/self/environ")).is_err());
        // Not existing: the ordinary read error says so.
        assert!(f.check_file(&inside.join("nope.json")).is_ok());
        // Named explicitly, or under an extra root, the file is readable.
        let named = Fence::for_run(
            std::slice::from_ref(&inside),
            &[base.join("secret.txt")],
            &[],
        );
        assert!(named.check_file(&base.join("secret.txt")).is_ok());
        let wide = Fence::for_run(
            std::slice::from_ref(&inside),
            &[],
            std::slice::from_ref(&base),
        );
        assert!(wide.check_file(&base.join("secret.txt")).is_ok());
        // A git work tree above the path is the tree.
        std::fs::create_dir_all(base.join(".git")).unwrap();
        let git = Fence::for_run(&[inside.join("sub")], &[], &[]);
        assert!(git.check_file(&base.join("secret.txt")).is_ok());
        std::fs::remove_dir_all(&base).unwrap();
    }
}
