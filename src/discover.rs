//! Files → inputs per front end. Each file is read once into the
//! [`SourceMap`](crate::source::SourceMap) (through [`Workspace::read_source`], which front ends
//! use too); JSON files are outlined here ([`json::outline`]: checked whole, built only near the
//! root) to tell templates and parameter files from every other JSON file. Parameter files and
//! plans are then parsed whole and handed on; a template is parsed again where it is evaluated
//! and dropped after, so the syntax trees of a large repository are never all alive at once.

use crate::code::Code;
use crate::diagnostic::{not_read, Diagnostic, Severity};
use crate::frontend::json;
use crate::model::{VKind, Workspace, V};
use crate::source::{display_path, FileId, Lang, SourceFile, Span};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Directories never worth walking into.
const SKIP_DIRS: &[&str] = &[".git", ".terraform", "node_modules", "target", ".venv"];

#[derive(Default)]
pub struct Discovered {
    pub arm_templates: Vec<FileId>,
    pub arm_parameters: Vec<FileId>,
    pub bicep: Vec<FileId>,
    pub bicepparam: Vec<FileId>,
    /// `.tf`, `.tf.json`, `.tfvars`, `.tfvars.json`.
    pub terraform: Vec<FileId>,
    /// `terraform show -json` plans and state.
    pub plans: Vec<FileId>,
    /// Parsed JSON of parameter files and plans, by file.
    pub json: HashMap<FileId, V>,
    /// What is kept of every template (compiled copies of Bicep files included), by file.
    pub templates: HashMap<FileId, Outline>,
    /// Paths given on the command line that do not exist.
    pub missing: Vec<PathBuf>,
    /// Paths that could not be walked or are not files or directories (a FIFO, a device, an
    /// unreadable directory), with why: the run is incomplete.
    pub unreadable: Vec<(PathBuf, String)>,
}

/// What discovery keeps of a template, read from its outline: the rest of the run needs no more
/// of it before it is evaluated.
#[derive(Debug, Clone, Default)]
pub struct Outline {
    /// The lower-cased names of its parameters, when it has a `parameters` object.
    pub declared: Option<std::collections::HashSet<String>>,
    /// `metadata._generator.name` is `bicep`.
    pub compiled: bool,
}

impl Outline {
    fn of(v: &V) -> Outline {
        Outline {
            declared: v.get("parameters").and_then(|p| p.as_object()).map(|ps| {
                ps.iter()
                    .map(|(k, _)| k.name.to_ascii_lowercase())
                    .collect()
            }),
            compiled: v
                .path("metadata._generator.name")
                .and_then(|n| n.as_str())
                .is_some_and(|n| n.eq_ignore_ascii_case("bicep")),
        }
    }
}

/// How deep [`json::outline`] builds a JSON file in discovery: deep enough for [`json_kind`]
/// (`parameters.<name>.value`) and [`Outline`] (`metadata._generator.name`).
const OUTLINE_DEPTH: usize = 4;

/// The walk of a run's paths, made once: the nested configurations are found in it before
/// the run ([`crate::config::scopes_in`]) and discovery takes the run's files from it. The walk
/// does not depend on any configuration (`exclude` patterns filter what it found).
pub struct Walked {
    paths: Vec<PathBuf>,
    /// Per path: its metadata and, for a file or directory, what [`walk_entries`] found.
    roots: Vec<(std::io::Result<std::fs::Metadata>, Vec<WalkEntry>)>,
    /// Directories the walk did not enter, or whose ignore files it did not read, with why.
    outside: Vec<(PathBuf, String, Skip)>,
}

/// Why the walk left something out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Skip {
    /// A linked directory outside the linted tree: not entered.
    Fence,
    /// A directory with an ignore file the walk must not read: not entered.
    IgnoreFile,
    /// The ignore file of a walked path or of its parents: not read, the walk went on
    /// without ignore files (for the path) or without the parents' (for a parent).
    RootIgnoreFile,
}

/// Where the walk collects what it leaves out (its filter runs on every worker).
type Outside = std::sync::Arc<std::sync::Mutex<Vec<(PathBuf, String, Skip)>>>;

/// The largest ignore file (`.gitignore`, `.ignore`, `.git/info/exclude`) the walk reads: the
/// ignore crate compiles every line into a glob matcher, hundreds of bytes of memory per byte
/// of pattern, so a hostile file of a few megabytes would take gigabytes. Real ones are a few
/// kilobytes.
const MAX_IGNORE_FILE: u64 = 256 * 1024;

/// The ignore files the walk reads in a directory.
const IGNORE_FILES: [&str; 3] = [".gitignore", ".ignore", ".git/info/exclude"];

/// An ignore file of `dir` the walk must not read, and why: larger than [`MAX_IGNORE_FILE`],
/// or not a regular file (a FIFO would block the walk, `/dev/zero` would never end).
fn unreadable_ignore_file(dir: &Path) -> Option<(PathBuf, String)> {
    IGNORE_FILES.iter().find_map(|name| {
        let path = dir.join(name);
        // `metadata` follows a link without opening anything.
        let meta = std::fs::metadata(&path).ok()?;
        let why = if !meta.is_file() {
            format!(
                "its ignore file '{}' is a {}, not a regular file",
                display_path(&path),
                crate::source::kind_of(&meta.file_type())
            )
        } else if meta.len() > MAX_IGNORE_FILE {
            format!(
                "its ignore file '{}' is {} KiB, more than the {} KiB stv2lint reads",
                display_path(&path),
                meta.len().div_ceil(1024),
                MAX_IGNORE_FILE / 1024
            )
        } else {
            return None;
        };
        Some((path, why))
    })
}

type WalkEntry = Result<ignore::DirEntry, ignore::Error>;

impl Walked {
    /// Walk every path (in parallel when called on the pool's workers).
    pub fn new(paths: &[PathBuf]) -> Walked {
        Walked::within(paths, &[])
    }

    /// [`Walked::new`], with the `--root` directories a linked directory may lead into.
    pub fn within(paths: &[PathBuf], roots: &[PathBuf]) -> Walked {
        let outside = Outside::default();
        let roots = paths
            .iter()
            .map(|root| {
                // `metadata` never opens the path: a FIFO named here must not block the run.
                let meta = std::fs::metadata(root);
                let entries = match &meta {
                    Ok(m) if m.is_dir() || m.is_file() => {
                        walk_entries(root, m.is_dir(), roots, &outside)
                    }
                    _ => Vec::new(),
                };
                (meta, entries)
            })
            .collect();
        let mut outside = std::mem::take(&mut *outside.lock().unwrap_or_else(|p| p.into_inner()));
        outside.sort();
        outside.dedup();
        Walked {
            paths: paths.to_vec(),
            roots,
            outside,
        }
    }

    /// The paths walked, as given.
    pub fn paths(&self) -> &[PathBuf] {
        &self.paths
    }

    /// The files found under the paths that are directories, in walk order (a path given
    /// twice, twice); errors of the walk left out.
    pub fn files_in_dirs(&self) -> impl Iterator<Item = &ignore::DirEntry> {
        Self::files_of(
            self.roots
                .iter()
                .filter(|(meta, _)| meta.as_ref().is_ok_and(|m| m.is_dir())),
        )
    }

    /// Every file found, the paths given that are files included.
    pub fn files(&self) -> impl Iterator<Item = &ignore::DirEntry> {
        Self::files_of(self.roots.iter())
    }

    fn files_of<'w>(
        roots: impl Iterator<Item = &'w (std::io::Result<std::fs::Metadata>, Vec<WalkEntry>)>,
    ) -> impl Iterator<Item = &'w ignore::DirEntry> {
        roots
            .flat_map(|(_, entries)| entries.iter().filter_map(|e| e.as_ref().ok()))
            .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
    }
}

/// Walk `paths`, read every candidate file once, classify it.
pub fn discover(
    ws: &mut Workspace,
    paths: &[PathBuf],
    exclude: &dyn Fn(&Path) -> bool,
) -> Discovered {
    discover_walked(ws, Walked::new(paths), exclude, false)
}

/// [`discover`] of paths walked already (`whole_modules`: a named `.tf` file brings its
/// directory, [`module_siblings`]); the listing is dropped once the candidate files are
/// taken from it, before they are read.
pub fn discover_walked(
    ws: &mut Workspace,
    walked: Walked,
    exclude: &dyn Fn(&Path) -> bool,
    whole_modules: bool,
) -> Discovered {
    let mut d = Discovered::default();
    for (dir, why, skip) in &walked.outside {
        if exclude(dir) && *skip != Skip::RootIgnoreFile {
            continue;
        }
        ws.diagnostics.push(match skip {
            Skip::Fence => not_read(
                None,
                "directory",
                &display_path(dir),
                why,
                "its files are not checked",
            ),
            Skip::IgnoreFile => Diagnostic::new(
                Code::Stv002,
                Severity::Warning,
                format!(
                    "directory '{}' was not walked: {why}; its files are not checked",
                    display_path(dir)
                ),
            )
            .help("Shorten the ignore file (or make it a regular file), or lint the directory's files by naming them.")
            .identity(format!("not walked|{}", display_path(dir)))
            .incomplete(),
            Skip::RootIgnoreFile => {
                let shown = match display_path(dir) {
                    s if s.is_empty() => ".".to_string(),
                    s => s,
                };
                Diagnostic::new(
                    Code::Stv002,
                    Severity::Warning,
                    format!("'{shown}' was walked without ignore files: {why}; files it would leave out are checked"),
                )
                .help("Shorten the ignore file (or make it a regular file).")
                .identity(format!("ignore files not read|{shown}"))
            }
        });
    }
    let mut seen = std::collections::HashSet::new();
    let mut candidates: Vec<(PathBuf, Lang)> = Vec::new();
    for (root, (meta, entries)) in walked.paths.iter().zip(walked.roots) {
        let meta = match &meta {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                d.missing.push(root.clone());
                continue;
            }
            Err(e) => {
                d.unreadable.push((root.clone(), e.to_string()));
                continue;
            }
        };
        let kind = crate::source::kind_of(&meta.file_type());
        if !meta.is_dir() && !meta.is_file() {
            d.unreadable.push((
                root.clone(),
                format!("it is a {kind}, not a file or directory; it was not read"),
            ));
            continue;
        }
        for entry in entries {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    // A symlink loop repeats what is already walked; a line of a .gitignore
                    // that is not a valid glob is skipped, as git skips it.
                    if is_loop(&e) || !is_io(&e) {
                        continue;
                    }
                    // A dangling link to something that is no input (`README.md` pointing
                    // nowhere) hides nothing; one named like an input is reported.
                    if is_not_found(&e)
                        && error_path(&e).is_some_and(|p| crate::source::lang_of(p).is_none())
                    {
                        continue;
                    }
                    // An unreadable directory leaves its files unchecked: the run is
                    // incomplete, and says which directory.
                    let at = error_path(&e).unwrap_or(root).to_path_buf();
                    if !exclude(&at) {
                        d.unreadable.push((at, error_text(&e)));
                    }
                    continue;
                }
            };
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                // A FIFO, socket or device named like an input is not opened (a FIFO would
                // block the run), and the run says it did not read it: it is incomplete.
                if let Some(t) = entry.file_type().filter(|t| !t.is_dir()) {
                    let path = entry.path();
                    if crate::source::lang_of(path).is_some() && !exclude(path) {
                        d.unreadable.push((
                            path.to_path_buf(),
                            format!(
                                "it is a {}, not a regular file; it was not read",
                                crate::source::kind_of(&t)
                            ),
                        ));
                    }
                }
                continue;
            }
            let path = entry.path();
            if exclude(path) {
                continue;
            }
            let Some(lang) = crate::source::lang_of(path) else {
                continue;
            };
            candidates.push((path.to_path_buf(), lang));
        }
        if whole_modules && meta.is_file() {
            candidates.extend(module_siblings(root, exclude));
        }
    }
    // Canonical paths (a system call per component) on every worker; the first path of a file
    // reached twice (a symlink, two overlapping paths) is kept, in walk order.
    let canons = crate::parallel::map(&candidates, |(path, _)| crate::source::canonical(path));
    let mut files: Vec<(PathBuf, Lang, PathBuf)> = Vec::with_capacity(candidates.len());
    for ((path, lang), canon) in candidates.into_iter().zip(canons) {
        if seen.insert(canon.clone()) {
            files.push((path, lang, canon));
        }
    }
    // Read, decode and parse on every worker; add in walk order, so file ids are the same
    // on any number of threads.
    let shared: &Workspace = ws;
    let read = crate::parallel::map(&files, |(path, lang, _)| prepare(shared, path, *lang));
    for ((path, lang, canon), r) in files.into_iter().zip(read) {
        add_file(ws, &mut d, &path, lang, canon, r);
    }
    drop_compiled_copies(ws, &mut d);
    d
}

/// A Terraform module is its directory: a `.tf` or `.tf.json` file named on the command line
/// (a pre-commit hook names the files changed) brings the other files of its directory —
/// Terraform files, override files and tfvars files — as `check DIR` would, so that the
/// verdict is the module's, not a fragment's. Sorted by name; the named file is deduplicated
/// later with the other paths.
fn module_siblings(file: &Path, exclude: &dyn Fn(&Path) -> bool) -> Vec<(PathBuf, Lang)> {
    if !matches!(
        crate::source::lang_of(file),
        Some(Lang::Terraform | Lang::TerraformJson)
    ) {
        return Vec::new();
    }
    let dir = match file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<(PathBuf, Lang)> = rd
        .flatten()
        .map(|e| e.path())
        // `metadata` follows a link without opening anything; the fence decides the rest.
        .filter(|p| std::fs::metadata(p).is_ok_and(|m| m.is_file()) && !exclude(p))
        .filter_map(|p| match crate::source::lang_of(&p) {
            Some(l @ (Lang::Terraform | Lang::TerraformJson | Lang::TerraformVars)) => Some((p, l)),
            _ => None,
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// [`walk`], on the pool's workers when there are several and `root` is a directory
/// (directories are listed and their ignore files read in parallel; a file named on the
/// command line, as a pre-commit hook names hundreds, is not worth starting threads for), in
/// the same order as one thread walks: by path, component by component, which is the order of
/// a walk that sorts each directory by name.
fn walk_entries(
    root: &Path,
    dir: bool,
    roots: &[PathBuf],
    outside: &Outside,
) -> Vec<Result<ignore::DirEntry, ignore::Error>> {
    let threads = crate::parallel::threads();
    if !dir || threads < 2 || rayon::current_thread_index().is_none() {
        return builder(root, roots, outside)
            .sort_by_file_name(|a, b| a.cmp(b))
            .build()
            .collect();
    }
    let found = std::sync::Mutex::new(Vec::new());
    builder(root, roots, outside)
        .threads(threads)
        .build_parallel()
        .run(|| {
            let found = &found;
            Box::new(move |e| {
                found.lock().unwrap_or_else(|p| p.into_inner()).push(e);
                ignore::WalkState::Continue
            })
        });
    let mut found = found.into_inner().unwrap_or_else(|p| p.into_inner());
    // An entry before the error of reading it; errors without a path first, by their text.
    found.sort_by(|a, b| {
        let key = |r: &Result<ignore::DirEntry, ignore::Error>| match r {
            Ok(e) => (Some(e.path().to_path_buf()), 0, String::new()),
            Err(e) => (error_path(e).map(Path::to_path_buf), 1, e.to_string()),
        };
        key(a).cmp(&key(b))
    });
    found
}

/// The files and directories under `root`, sorted by name, as every entry point walks them:
/// symlinks followed, [`SKIP_DIRS`] left out, and what `.gitignore`, `.ignore` and
/// `.git/info/exclude` leave out (as ripgrep reads them: every directory's own file and its
/// parents'; also outside a git work tree, so a checkout without `.git` lints the same files).
/// A path named on the command line is always walked, even when a `.gitignore` lists it. The
/// user's global git excludes are not read: the same tree gives the same findings on every machine.
/// A linked directory whose real path is outside the tree of `root` (its git work tree, else
/// itself) is not entered: a link to `/`, `/proc` or `..` would walk the machine.
pub fn walk(root: &Path) -> ignore::Walk {
    builder(root, &[], &Outside::default())
        .sort_by_file_name(|a, b| a.cmp(b))
        .build()
}

/// What [`walk`] and [`walk_entries`] leave out, and how they follow links; the linked
/// directories left out go to `outside`.
fn builder(root: &Path, roots: &[PathBuf], outside: &Outside) -> ignore::WalkBuilder {
    let fence = crate::source::Fence::for_run(&[root.to_path_buf()], &[], roots);
    let mut b = ignore::WalkBuilder::new(root);
    guard_root_ignore_files(&mut b, root, outside);
    let outside = outside.clone();
    b.follow_links(true)
        .hidden(false)
        .git_global(false)
        .require_git(false)
        .filter_entry(move |e| {
            if e.depth() == 0 || !e.file_type().is_some_and(|t| t.is_dir()) {
                return true;
            }
            if SKIP_DIRS.contains(&e.file_name().to_string_lossy().as_ref()) {
                return false;
            }
            let skip = |why: String, skip: Skip| {
                outside.lock().unwrap_or_else(|p| p.into_inner()).push((
                    e.path().to_path_buf(),
                    why,
                    skip,
                ));
                false
            };
            if e.path_is_symlink() {
                if let Err(why) = fence.check_dir(e.path()) {
                    return skip(why, Skip::Fence);
                }
            }
            // The walk reads a directory's ignore files as it enters it.
            if let Some((_, why)) = unreadable_ignore_file(e.path()) {
                return skip(why, Skip::IgnoreFile);
            }
            true
        });
    b
}

/// The ignore files the walk reads before its filter sees anything: the walked path's own
/// and its parents'. One it must not read ([`unreadable_ignore_file`]) turns off the ignore
/// files of the path's walk (its own) or of its parents (a parent's), and is reported.
fn guard_root_ignore_files(b: &mut ignore::WalkBuilder, root: &Path, outside: &Outside) {
    if !std::fs::metadata(root).is_ok_and(|m| m.is_dir()) {
        return;
    }
    let report = |dir: &Path, why: String| {
        outside.lock().unwrap_or_else(|p| p.into_inner()).push((
            dir.to_path_buf(),
            why,
            Skip::RootIgnoreFile,
        ));
    };
    if let Some((_, why)) = unreadable_ignore_file(root) {
        report(root, why);
        b.ignore(false)
            .git_ignore(false)
            .git_exclude(false)
            .parents(false);
        return;
    }
    let absolute = crate::source::realpath(root).unwrap_or_else(|| root.to_path_buf());
    if let Some((_, why)) = absolute
        .ancestors()
        .skip(1)
        .find_map(unreadable_ignore_file)
    {
        report(
            root,
            format!("a parent directory's ignore file is unreadable ({why})"),
        );
        b.parents(false);
    }
}

fn is_not_found(e: &ignore::Error) -> bool {
    match e {
        ignore::Error::Io(e) => e.kind() == std::io::ErrorKind::NotFound,
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => is_not_found(err),
        _ => false,
    }
}

fn is_loop(e: &ignore::Error) -> bool {
    match e {
        ignore::Error::Loop { .. } => true,
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => is_loop(err),
        _ => false,
    }
}

fn is_io(e: &ignore::Error) -> bool {
    match e {
        ignore::Error::Io(_) => true,
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => is_io(err),
        _ => false,
    }
}

fn error_path(e: &ignore::Error) -> Option<&Path> {
    match e {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::Loop { child, .. } => Some(child),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        _ => None,
    }
}

/// The error without the path (which is reported beside it).
fn error_text(e: &ignore::Error) -> String {
    match e {
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => error_text(err),
        ignore::Error::Io(io) => io.to_string(),
        other => other.to_string(),
    }
}

/// A discovered file as a worker prepares it, before it has an id: everything that needs no
/// access to the run's other files.
enum Prepared {
    /// Outside the fence: why.
    Fenced(String),
    Unreadable(std::io::Error),
    /// A file for the Bicep or Terraform front end, decoded (its lines indexed here, in
    /// parallel), or the text read and where and why it could not be decoded.
    Text(Result<SourceFile, (String, usize, String)>),
    /// A JSON file parsed (with spans in [`UNFILED`]) and classified as a parameter file or
    /// plan.
    Json(SourceFile, json::Parsed, JsonKind),
    /// A template: its file, the parser's warnings and its outline.
    Template(SourceFile, Vec<json::JsonError>, Outline),
    /// A JSON file that looks like a template but does not decode or parse: the text, and
    /// where and why.
    BadJson(String, usize, String),
    /// A JSON file that is none of ours.
    Other,
}

/// The file of spans parsed before the file has its id; [`refile`] sets it.
const UNFILED: FileId = FileId(u32::MAX);

/// Read, decode and (JSON) parse one file: the part of discovery that runs in parallel.
fn prepare(ws: &Workspace, path: &Path, lang: Lang) -> Prepared {
    if let Err(why) = ws.fenced(path) {
        return Prepared::Fenced(why);
    }
    let bytes = match ws.read_bytes(path) {
        Ok(b) => b,
        Err(e) => return Prepared::Unreadable(e),
    };
    if lang != Lang::Json {
        return Prepared::Text(
            crate::source::decode(bytes, lang)
                .map(|text| SourceFile::new(path.to_path_buf(), display_path(path), text, lang)),
        );
    }
    let looks_arm = |t: &[u8]| {
        let t = String::from_utf8_lossy(t);
        t.contains("deploymentTemplate.json")
            || t.contains("deploymentParameters.json")
            || (t.contains("\"resources\"") && t.contains("\"contentVersion\""))
            || (t.contains("\"format_version\"") && t.contains("\"planned_values\""))
    };
    let text = match crate::source::decode(bytes, Lang::Json) {
        Ok(t) => t,
        Err((text, at, why)) if looks_arm(text.as_bytes()) => {
            return Prepared::BadJson(text, at, why)
        }
        Err(_) => return Prepared::Other,
    };
    if !may_be_deployment(&text, looks_arm) {
        return Prepared::Other;
    }
    match json::outline(&text, UNFILED, OUTLINE_DEPTH) {
        Ok(outline) => match json_kind(&outline.value) {
            JsonKind::Other => Prepared::Other,
            JsonKind::Template => {
                let facts = Outline::of(&outline.value);
                Prepared::Template(json_file(path, text), outline.warnings, facts)
            }
            kind => match json::parse(&text, UNFILED) {
                Ok(parsed) => Prepared::Json(json_file(path, text), parsed, kind),
                // The outline checked the whole text as the parse does.
                Err(e) => Prepared::BadJson(text, e.offset, format!("invalid JSON: {}", e.message)),
            },
        },
        Err(e) if looks_arm(text.as_bytes()) => {
            Prepared::BadJson(text, e.offset, format!("invalid JSON: {}", e.message))
        }
        Err(_) => Prepared::Other,
    }
}

/// A JSON file of the run, made on the worker that read it (its line table too).
fn json_file(path: &Path, text: String) -> SourceFile {
    SourceFile::new(path.to_path_buf(), display_path(path), text, Lang::Json)
}

/// Every span of a value parsed as [`UNFILED`] put in `file`.
fn refile(v: &mut V, file: FileId) {
    for s in [&mut v.span, &mut v.origin].into_iter().flatten() {
        s.file = file;
    }
    match &mut v.kind {
        VKind::Arr(items) => items.iter_mut().for_each(|x| refile(x, file)),
        VKind::Obj(entries) => {
            for (k, x) in entries {
                if let Some(s) = &mut k.span {
                    s.file = file;
                }
                refile(x, file);
            }
        }
        _ => {}
    }
}

/// Add a prepared file to the run, in discovery order.
fn add_file(
    ws: &mut Workspace,
    d: &mut Discovered,
    path: &Path,
    lang: Lang,
    canon: PathBuf,
    file: Prepared,
) {
    let consequence = if lang == Lang::Json {
        "it is not checked"
    } else {
        "its content is unknown"
    };
    let id = match file {
        Prepared::Fenced(why) => {
            let path = display_path(path);
            ws.diagnostics
                .push(not_read(None, "file", &path, &why, consequence));
            return;
        }
        Prepared::Unreadable(e) => {
            // An unreadable .json file may be a template: report it.
            ws.add_source(path, lang, Err(e));
            return;
        }
        Prepared::Other => return,
        Prepared::BadJson(text, at, why) => {
            ws.add_decoded(path, lang, Err((text, at, why)));
            return;
        }
        Prepared::Template(file, warnings, outline) => {
            let id = add_json(ws, file, canon, warnings);
            d.templates.insert(id, outline);
            d.arm_templates.push(id);
            return;
        }
        Prepared::Json(file, mut parsed, kind) => {
            let id = add_json(ws, file, canon, parsed.warnings);
            refile(&mut parsed.value, id);
            d.json.insert(id, parsed.value);
            match kind {
                JsonKind::Template => d.arm_templates.push(id),
                JsonKind::Parameters => d.arm_parameters.push(id),
                JsonKind::Plan => d.plans.push(id),
                JsonKind::Other => {}
            }
            return;
        }
        Prepared::Text(Ok(file)) => ws.sources.add_canonical(file, canon),
        Prepared::Text(Err(bad)) => {
            ws.add_decoded(path, lang, Err(bad));
            return;
        }
    };
    match lang {
        Lang::Bicep => d.bicep.push(id),
        Lang::BicepParam => d.bicepparam.push(id),
        Lang::Terraform | Lang::TerraformJson | Lang::TerraformVars => d.terraform.push(id),
        _ => {}
    }
}

/// A parsed JSON file into the run, with an STV005 per trailing comma.
fn add_json(
    ws: &mut Workspace,
    file: SourceFile,
    canon: PathBuf,
    warnings: Vec<json::JsonError>,
) -> FileId {
    let id = ws.sources.add_canonical(file, canon);
    for w in warnings {
        let d = if w.message.starts_with("duplicate property") {
            Diagnostic::new(
                Code::Stv005,
                Severity::Warning,
                format!(
                    "{}: stv2lint reads the last one; another reader may take the first or reject the file",
                    w.message
                ),
            )
            .label("written twice in this object")
            .help("Keep one of the two properties: the other is lost without a word.")
            .identity(format!("parse|{}", w.message))
        } else {
            Diagnostic::new(
                Code::Stv005,
                Severity::Warning,
                format!("{}: Azure accepts it, strict JSON tools do not", w.message),
            )
            .label("trailing comma")
            .help("Remove the trailing comma.")
            .identity("parse|trailing comma")
        };
        ws.diagnostics
            .push(d.at(Some(Span::new(id, w.offset, w.offset + 1))));
    }
    id
}

/// What an ARM JSON document is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonKind {
    Template,
    Parameters,
    /// A Terraform plan or state (`terraform show -json`).
    Plan,
    Other,
}

pub fn json_kind(v: &V) -> JsonKind {
    let schema = v
        .get("$schema")
        .and_then(|s| s.as_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    if schema.contains("deploymenttemplate") {
        return JsonKind::Template;
    }
    if schema.contains("deploymentparameters") {
        return JsonKind::Parameters;
    }
    if crate::frontend::plan::is_plan(v) {
        return JsonKind::Plan;
    }
    // By shape: a template has `resources` (array or object) and a content version or
    // parameters; a parameter file has `parameters` whose entries are `{ value | reference }`.
    let has_resources = v
        .get("resources")
        .is_some_and(|r| r.as_array().is_some() || r.as_object().is_some());
    if has_resources && (v.get("contentVersion").is_some() || v.get("parameters").is_some()) {
        return JsonKind::Template;
    }
    if !has_resources && v.get("contentVersion").is_some() {
        if let Some(p) = v.get("parameters").and_then(|p| p.as_object()) {
            if p.iter()
                .all(|(_, e)| e.get("value").is_some() || e.get("reference").is_some())
            {
                return JsonKind::Parameters;
            }
        }
    }
    JsonKind::Other
}

/// Whether a `.json` text can be a template, parameter file or plan (or a broken one worth an
/// STV001), decided before the full parse so that the other JSON files of a repository (package
/// manifests, lock files, data) are never parsed: the first bytes show whether the document is
/// an object at all, and a case-insensitive scan for the keys and schema names [`json_kind`]
/// needs rules out the rest. A `\u` escape could spell any of them, so it falls back to parsing.
fn may_be_deployment(text: &str, looks_arm: impl Fn(&[u8]) -> bool) -> bool {
    let b = text.as_bytes();
    let contains = |needle: &[u8]| {
        b.windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
    };
    let markers: [&[u8]; 6] = [
        b"deploymenttemplate",
        b"deploymentparameters",
        b"resources",
        b"contentversion",
        b"format_version",
        b"\\u",
    ];
    if !markers.iter().any(|m| contains(m)) {
        return false;
    }
    // Only an object has the keys; anything else is no deployment (unless it is a broken one).
    let start = first_value_byte(&b[..b.len().min(4096)]);
    start.map_or(true, |c| c == b'{') || looks_arm(b)
}

/// The first byte of the JSON value in `prefix`, past a BOM, white space and comments; `None`
/// when the prefix ends first.
fn first_value_byte(prefix: &[u8]) -> Option<u8> {
    let mut i = if prefix.starts_with("\u{feff}".as_bytes()) {
        3
    } else {
        0
    };
    loop {
        match prefix.get(i..)? {
            [c, ..] if c.is_ascii_whitespace() => i += 1,
            [b'/', b'/', rest @ ..] => i += 2 + rest.iter().position(|&c| c == b'\n')?,
            [b'/', b'*', rest @ ..] => i += 4 + rest.windows(2).position(|w| w == b"*/")?,
            [c, ..] => return Some(*c),
            [] => return None,
        }
    }
}

/// Directories beside a template where projects keep its parameter files per environment.
const PARAMETER_DIRS: &[&str] = &["parameters", "params", "env", "environments"];

/// The parameter files of the run by directory, to pair templates with their stages without a
/// pass over every parameter file (or a directory listing) per template: a flat directory of
/// thousands of templates must stay linear.
pub struct Pairing {
    /// Canonical directory → lower-cased file name → path, of the discovered parameter files.
    by_dir: HashMap<PathBuf, Names>,
    /// Directory listings made so far (`.json` files), by canonical directory.
    listed: std::cell::RefCell<HashMap<PathBuf, Names>>,
    /// List a template's directory for parameter files not discovered.
    list: bool,
}

/// File names (lower case) of one directory, ordered so that the names starting with a
/// template's stem are one range.
type Names = std::collections::BTreeMap<String, PathBuf>;

fn canon_dir(dir: &Path) -> PathBuf {
    crate::source::canonical(if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    })
}

/// The names of `names` that may pair with `stem`: `stem.…` and `parameters-stem.json`.
fn pairable(names: &Names, stem: &str) -> Vec<(String, PathBuf)> {
    let prefix = format!("{stem}.");
    let mut out: Vec<(String, PathBuf)> = names
        .range(prefix.clone()..)
        .take_while(|(n, _)| n.starts_with(&prefix))
        .map(|(n, p)| (n.clone(), p.clone()))
        .collect();
    let dashed = format!("parameters-{stem}.json");
    if let Some(p) = names.get(&dashed) {
        out.push((dashed, p.clone()));
    }
    if stem == EXPORTED {
        out.extend(
            names
                .range("parameters.".to_string()..)
                .take_while(|(n, _)| n.starts_with("parameters."))
                .map(|(n, p)| (n.clone(), p.clone())),
        );
    }
    out
}

/// The stem of the template the portal's "Export template" downloads, beside `parameters.json`.
const EXPORTED: &str = "template";

impl Pairing {
    pub fn new(ws: &Workspace, found: &Discovered) -> Pairing {
        let mut by_dir: HashMap<PathBuf, Names> = HashMap::new();
        let mut dirs: HashMap<PathBuf, PathBuf> = HashMap::new();
        for &p in &found.arm_parameters {
            let pp = &ws.sources.get(p).path;
            let (Some(name), Some(dir)) = (pp.file_name(), pp.parent()) else {
                continue;
            };
            let cdir = dirs
                .entry(dir.to_path_buf())
                .or_insert_with(|| canon_dir(dir))
                .clone();
            by_dir
                .entry(cdir)
                .or_default()
                .insert(name.to_string_lossy().to_ascii_lowercase(), pp.clone());
        }
        Pairing {
            by_dir,
            listed: Default::default(),
            list: true,
        }
    }

    /// Whether a template's own directory is listed for parameter files not discovered.
    pub fn listing(mut self, list: bool) -> Pairing {
        self.list = list;
        self
    }

    /// The parameter files of a template (ARM `.json` or `.bicep`) by the common naming
    /// conventions, each one stage the template is deployed with. With stem `X`, in the
    /// template's directory or a `parameters`/`params`/`env`/`environments` directory beside
    /// it: `X.parameters.json` (also azd's `main.parameters.json`), `X.parameters.<env>.json`,
    /// `X.<env>.parameters.json` and `parameters-X.json`. A file that pairs more exactly with
    /// another template of the directory (`X.dev.json` for `X.dev.parameters.json`) is that
    /// template's. The discovered parameter files count, and those of the template's own
    /// directory even when only the template was given (as `X.parameters.json` always did).
    /// Sorted by path.
    pub fn stage_files(&self, template: &Path) -> Vec<PathBuf> {
        let Some(stem) = template
            .file_stem()
            .map(|s| s.to_string_lossy().to_ascii_lowercase())
        else {
            return Vec::new();
        };
        let Some(dir) = template.parent() else {
            return Vec::new();
        };
        let cdir = canon_dir(dir);
        let mut found: Vec<(String, PathBuf)> = self
            .by_dir
            .get(&cdir)
            .map(|n| pairable(n, &stem))
            .unwrap_or_default();
        if self.list {
            let mut listed = self.listed.borrow_mut();
            let names = listed.entry(cdir.clone()).or_insert_with(|| {
                let mut l = Names::new();
                for e in std::fs::read_dir(&cdir).into_iter().flatten().flatten() {
                    let n = e.file_name().to_string_lossy().to_ascii_lowercase();
                    if n.ends_with(".json") {
                        l.insert(n, dir.join(e.file_name()));
                    }
                }
                l
            });
            for (n, p) in pairable(names, &stem) {
                if !found.iter().any(|(m, _)| *m == n) && p.is_file() {
                    found.push((n, p));
                }
            }
        }
        for sub in PARAMETER_DIRS {
            if let Some(names) = self.by_dir.get(&cdir.join(sub)) {
                found.extend(pairable(names, &stem));
            }
        }
        let mut out = Vec::new();
        for (name, path) in found {
            let Some(env) = stage_name(&stem, &name) else {
                continue;
            };
            // `X.dev.parameters.json` belongs to `X.dev.json` / `X.dev.bicep` when there is one.
            if let Some(env) = env {
                let more = format!("{stem}.{env}");
                if ["json", "bicep"]
                    .iter()
                    .any(|ext| cdir.join(format!("{more}.{ext}")).is_file())
                {
                    continue;
                }
            }
            out.push(path);
        }
        out.sort();
        out.dedup();
        out
    }
}

/// Whether a parameter file name (lower case) pairs with the template stem by a convention:
/// `Some(None)` for the plain pairing, `Some(Some(env))` for a stage-named one.
fn stage_name(stem: &str, name: &str) -> Option<Option<String>> {
    let base = name.strip_suffix(".json")?;
    if base == format!("{stem}.parameters") || base == format!("parameters-{stem}") {
        return Some(None);
    }
    let env_ok = |e: &str| !e.is_empty() && !e.contains('.');
    // The portal's export: `template.json` with `parameters.json` (and `parameters.<env>.json`).
    if stem == EXPORTED {
        if base == "parameters" {
            return Some(None);
        }
        if let Some(env) = base.strip_prefix("parameters.") {
            return env_ok(env).then(|| Some(env.to_string()));
        }
    }
    if let Some(env) = base.strip_prefix(&format!("{stem}.parameters.")) {
        return env_ok(env).then(|| Some(env.to_string()));
    }
    if let Some(env) = base
        .strip_prefix(&format!("{stem}."))
        .and_then(|r| r.strip_suffix(".parameters"))
    {
        return env_ok(env).then(|| Some(env.to_string()));
    }
    None
}

/// An ARM template Bicep compiled (`metadata._generator.name == "bicep"`) is the same
/// deployment as its `.bicep` source beside it (same directory, same stem): the source is
/// linted, the compiled copy is not, so one defect is not reported twice.
fn drop_compiled_copies(ws: &Workspace, d: &mut Discovered) {
    if d.bicep.is_empty() {
        return;
    }
    let sources: std::collections::HashSet<PathBuf> = d
        .bicep
        .iter()
        .map(|&b| crate::source::canonical(&ws.sources.get(b).path))
        .collect();
    let outlines = &d.templates;
    d.arm_templates.retain(|t| {
        let generated = outlines.get(t).is_some_and(|o| o.compiled);
        if !generated {
            return true;
        }
        let source = crate::source::canonical(&ws.sources.get(*t).path.with_extension("bicep"));
        !sources.contains(&source)
    });
}

#[cfg(test)]
mod classify_tests {
    use super::*;

    fn looks(t: &[u8]) -> bool {
        let t = String::from_utf8_lossy(t);
        t.contains("\"resources\"") && t.contains("\"contentVersion\"")
    }

    #[test]
    fn only_json_that_may_be_a_deployment_is_parsed() {
        let template = r#"{ "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "resources": [] }"#;
        assert!(may_be_deployment(template, looks));
        // By shape, any case: JSON keys of templates are case-insensitive.
        assert!(may_be_deployment(
            r#"{ "Resources": [], "ContentVersion": "1" }"#,
            looks
        ));
        assert!(may_be_deployment(
            r#"{ "format_version": "1.2", "planned_values": {} }"#,
            looks
        ));
        // A key spelled with an escape is left to the parser.
        assert!(may_be_deployment(r#"{ "\u0072esources": [] }"#, looks));
        // None of the keys: a package manifest, a lock file.
        assert!(!may_be_deployment(
            r#"{ "name": "app", "version": "1.0.0", "dependencies": {} }"#,
            looks
        ));
        // Not an object, seen from the first bytes past a BOM and comments.
        assert!(!may_be_deployment(
            "\u{feff} // list\n /* of */ [ \"resources\" ]",
            looks
        ));
        // ... unless it looks like a broken template, which is reported.
        assert!(may_be_deployment(
            r#"[ { "resources": [], "contentVersion": "1" "#,
            looks
        ));
        // An object after a comment the prefix does not close: parsed.
        assert!(may_be_deployment("/* resources", looks));
    }

    #[test]
    fn the_first_value_byte_skips_a_bom_white_space_and_comments() {
        assert_eq!(first_value_byte(b" \n\t{"), Some(b'{'));
        assert_eq!(first_value_byte("\u{feff}[1]".as_bytes()), Some(b'['));
        assert_eq!(first_value_byte(b"// a\n/* b */ \"s\""), Some(b'"'));
        assert_eq!(first_value_byte(b"/* never closed"), None);
        assert_eq!(first_value_byte(b"   "), None);
    }
}

#[cfg(test)]
mod stage_tests {
    use super::*;

    #[test]
    fn stages_pair_by_directory_and_the_most_exact_template() {
        let dir = std::env::temp_dir().join(format!("stv2lint-pairing-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("parameters")).unwrap();
        std::fs::create_dir_all(dir.join("other")).unwrap();
        let template = r#"{ "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "contentVersion": "1.0.0.0", "resources": [] }"#;
        let params = r#"{ "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#", "contentVersion": "1.0.0.0", "parameters": {} }"#;
        for (f, t) in [
            ("main.json", template),
            ("main.dev.json", template),
            ("main.parameters.json", params),
            ("main.dev.parameters.json", params),
            ("main.test.parameters.json", params),
            ("parameters-main.json", params),
            ("parameters/main.parameters.prod.json", params),
            ("other/main.parameters.json", params),
        ] {
            std::fs::write(dir.join(f), t).unwrap();
        }
        let mut ws = Workspace::default();
        let found = discover(&mut ws, std::slice::from_ref(&dir), &|_| false);
        let pairing = Pairing::new(&ws, &found);
        let names = |t: &str| -> Vec<String> {
            pairing
                .stage_files(&dir.join(t))
                .iter()
                .map(|p| {
                    p.strip_prefix(&dir)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/")
                })
                .collect()
        };
        assert_eq!(
            names("main.json"),
            vec![
                "main.parameters.json",
                "main.test.parameters.json",
                "parameters/main.parameters.prod.json",
                "parameters-main.json",
            ]
        );
        assert_eq!(names("main.dev.json"), vec!["main.dev.parameters.json"]);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn parameter_file_conventions() {
        assert_eq!(stage_name("main", "main.parameters.json"), Some(None));
        assert_eq!(stage_name("main", "parameters-main.json"), Some(None));
        assert_eq!(
            stage_name("main", "main.parameters.dev.json"),
            Some(Some("dev".into()))
        );
        assert_eq!(
            stage_name("main", "main.prod.parameters.json"),
            Some(Some("prod".into()))
        );
        assert_eq!(stage_name("main", "other.parameters.json"), None);
        assert_eq!(stage_name("main", "main.json"), None);
        assert_eq!(stage_name("main", "main.a.b.parameters.json"), None);
        // The portal's export: `template.json` beside `parameters.json`.
        assert_eq!(stage_name("template", "parameters.json"), Some(None));
        assert_eq!(
            stage_name("template", "parameters.prod.json"),
            Some(Some("prod".into()))
        );
        assert_eq!(stage_name("main", "parameters.json"), None);
    }
}

#[cfg(test)]
mod walk_tests {
    use super::*;

    /// Several workers walk in the order one thread does, and leave out the same paths.
    #[test]
    fn a_parallel_walk_is_the_sequential_walk() {
        let dir = std::env::temp_dir().join(format!("stv2lint-walk-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for d in [
            "a/b/c",
            "a/B",
            "a-b",
            "a.b",
            "z/node_modules/x",
            "z/ignored/y",
            "Z",
        ] {
            std::fs::create_dir_all(dir.join(d)).unwrap();
        }
        std::fs::write(dir.join(".gitignore"), "ignored/\n*.skip\n").unwrap();
        for f in [
            "main.bicep",
            "a/b/c/x.tf",
            "a/b/y.json",
            "a/B/y.json",
            "a-b/k.bicep",
            "a.b/k.bicep",
            "a/b/c/drop.skip",
            "z/node_modules/x/m.tf",
            "z/ignored/y/m.tf",
            "Z/m.tf",
            "z/m.tf",
        ] {
            std::fs::write(dir.join(f), "").unwrap();
        }
        let paths = |v: Vec<Result<ignore::DirEntry, ignore::Error>>| -> Vec<PathBuf> {
            v.into_iter().map(|e| e.unwrap().into_path()).collect()
        };
        let one = paths(walk(&dir).collect());
        let pool = crate::parallel::pool(4).unwrap();
        let four = paths(pool.install(|| walk_entries(&dir, true, &[], &Outside::default())));
        assert_eq!(one, four);
        assert!(one.iter().any(|p| p.ends_with("a/b/c/x.tf")));
        assert!(!one.iter().any(|p| p.ends_with("drop.skip")));
        assert!(!one
            .iter()
            .any(|p| p.to_string_lossy().contains("node_modules")));
        assert!(!one.iter().any(|p| p.to_string_lossy().contains("ignored")));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
