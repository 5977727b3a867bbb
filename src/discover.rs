//! Files → inputs per front end. Each file is read once into the [`SourceMap`]; JSON files are
//! parsed once here to tell templates and parameter files from every other JSON file, and the
//! parse is handed on so the ARM front end does not parse again.

use crate::diagnostic::{Diagnostic, Severity};
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
    /// Parsed JSON of templates and parameter files, by file.
    pub json: HashMap<FileId, V>,
    /// Paths given on the command line that do not exist.
    pub missing: Vec<PathBuf>,
    /// Paths that could not be walked or are not files or directories (a FIFO, a device, an
    /// unreadable directory), with why: the run is incomplete.
    pub unreadable: Vec<(PathBuf, String)>,
}

/// Walk `paths`, read every candidate file once, classify it.
pub fn discover(
    ws: &mut Workspace,
    paths: &[PathBuf],
    exclude: &dyn Fn(&Path) -> bool,
) -> Discovered {
    let mut d = Discovered::default();
    let mut seen = std::collections::HashSet::new();
    let mut files: Vec<(PathBuf, Lang)> = Vec::new();
    for root in paths {
        // `metadata` never opens the path: a FIFO named here must not block the run.
        let meta = match std::fs::metadata(root) {
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
        for entry in walk(root) {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    // A symlink loop repeats what is already walked; a line of a .gitignore
                    // that is not a valid glob is skipped, as git skips it.
                    if is_loop(&e) || !is_io(&e) {
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
                continue;
            }
            let path = entry.path();
            if exclude(path) {
                continue;
            }
            let Some(lang) = lang_of(path) else { continue };
            let canon = crate::source::canonical(path);
            if !seen.insert(canon) {
                continue;
            }
            files.push((path.to_path_buf(), lang));
        }
    }
    // Read, decode and parse on every worker; add in walk order, so file ids are the same
    // on any number of threads.
    let shared: &Workspace = ws;
    let read = crate::parallel::map(&files, |(path, lang)| prepare(shared, path, *lang));
    for ((path, lang), r) in files.iter().zip(read) {
        add_file(ws, &mut d, path, *lang, r);
    }
    drop_compiled_copies(ws, &mut d);
    d
}

/// The files and directories under `root`, sorted by name, as every entry point walks them:
/// symlinks followed, [`SKIP_DIRS`] left out, and what `.gitignore`, `.ignore` and
/// `.git/info/exclude` leave out (as ripgrep reads them: every directory's own file and its
/// parents'; also outside a git work tree, so a checkout without `.git` lints the same files).
/// A path named on the command line is always walked, even when a `.gitignore` lists it. The
/// user's global git excludes are not read: the same tree gives the same findings on every machine.
pub fn walk(root: &Path) -> ignore::Walk {
    ignore::WalkBuilder::new(root)
        .follow_links(true)
        .hidden(false)
        .git_global(false)
        .require_git(false)
        .sort_by_file_name(|a, b| a.cmp(b))
        .filter_entry(|e| {
            e.depth() == 0
                || !(e.file_type().is_some_and(|t| t.is_dir())
                    && SKIP_DIRS.contains(&e.file_name().to_string_lossy().as_ref()))
        })
        .build()
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

/// Read a file into the source map. A file outside the run's [fence](crate::source::Fence) is
/// not read: one STV002 says so and why. Unreadable files and undecodable bytes give one
/// STV001; the file is still added (with the text that could be read) so the diagnostic has a
/// place. `None` when there is no text to work with.
pub fn read_source(ws: &mut Workspace, path: &Path, lang: Lang) -> Option<FileId> {
    if let Err(why) = fenced(ws, path) {
        ws.diagnostics.push(not_read(
            None,
            "file",
            &display_path(path),
            &why,
            "its content is unknown",
        ));
        return None;
    }
    let bytes = read_bytes(ws, path);
    add_source(ws, path, lang, bytes)
}

/// `Err(why)` when the run must not read `path` (an editor's unsaved buffer always may be).
fn fenced(ws: &Workspace, path: &Path) -> Result<(), String> {
    if !ws.overlay.is_empty() && ws.overlay.contains_key(&crate::source::canonical(path)) {
        return Ok(());
    }
    ws.fence.check_file(path)
}

/// One STV002: a file the code refers to was not read, and why.
pub fn not_read(
    at: Option<Span>,
    what: &str,
    path: &str,
    why: &str,
    consequence: &str,
) -> Diagnostic {
    Diagnostic::new(
        "STV002",
        Severity::Info,
        format!("{what} '{path}' was not read: {why}; {consequence}"),
    )
    .at(at)
    .help("stv2lint reads only regular files inside the linted tree (the paths given, or the git work tree containing them); name the file on the command line or widen the tree with --root.")
    .identity(format!("not read|{what}|{path}"))
}

/// [`read_source`] for bytes already read (or the error reading them gave).
fn add_source(
    ws: &mut Workspace,
    path: &Path,
    lang: Lang,
    bytes: std::io::Result<Vec<u8>>,
) -> Option<FileId> {
    let display = display_path(path);
    match bytes {
        Err(e) => {
            let id = ws.sources.add(SourceFile::new(
                path.to_path_buf(),
                display,
                String::new(),
                lang,
            ));
            ws.diagnostics
                .push(parse_error(id, 0, format!("cannot read the file: {e}")));
            None
        }
        Ok(bytes) => add_decoded(ws, path, lang, crate::source::decode(bytes, lang)),
    }
}

/// [`add_source`] for text already decoded (or the error decoding gave).
fn add_decoded(ws: &mut Workspace, path: &Path, lang: Lang, decoded: Decoded) -> Option<FileId> {
    let display = display_path(path);
    match decoded {
        Ok(text) => Some(
            ws.sources
                .add(SourceFile::new(path.to_path_buf(), display, text, lang)),
        ),
        Err((text, at, why)) => {
            let id = ws
                .sources
                .add(SourceFile::new(path.to_path_buf(), display, text, lang));
            ws.diagnostics.push(parse_error(id, at, why));
            None
        }
    }
}

/// What [`crate::source::decode`] gives: the text, or the text read and where and why it
/// could not be decoded.
type Decoded = Result<String, (String, usize, String)>;

/// The file of the run at `path`, read now when no front end or discovery has read it yet.
/// `None` when it cannot be read (that STV001 or STV002 is already reported).
pub fn find_or_read(ws: &mut Workspace, path: &Path, lang: Lang) -> Option<FileId> {
    if let Some(id) = ws.sources.find(path) {
        return Some(id);
    }
    read_source(ws, path, lang)
}

/// One STV001 at a byte offset of a file.
pub fn parse_error(file: FileId, offset: usize, message: String) -> Diagnostic {
    Diagnostic::new("STV001", Severity::Error, message.clone())
        .at(Some(Span::new(file, offset, offset)))
        .help("Fix the syntax error; the other files of the run were still checked.")
        .identity(format!("parse|{message}"))
}

/// A discovered file as a worker prepares it, before it has an id: everything that needs no
/// access to the run's other files.
enum Prepared {
    /// Outside the fence: why.
    Fenced(String),
    Unreadable(std::io::Error),
    /// A file for the Bicep or Terraform front end, decoded.
    Text(Decoded),
    /// A JSON file parsed (with spans in [`UNFILED`]) and classified as a template, parameter
    /// file or plan.
    Json(String, json::Parsed, JsonKind),
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
    if let Err(why) = fenced(ws, path) {
        return Prepared::Fenced(why);
    }
    let bytes = match read_bytes(ws, path) {
        Ok(b) => b,
        Err(e) => return Prepared::Unreadable(e),
    };
    if lang != Lang::Json {
        return Prepared::Text(crate::source::decode(bytes, lang));
    }
    let looks_arm = |t: &str| {
        t.contains("deploymentTemplate.json")
            || t.contains("deploymentParameters.json")
            || (t.contains("\"resources\"") && t.contains("\"contentVersion\""))
            || (t.contains("\"format_version\"") && t.contains("\"planned_values\""))
    };
    let text = match crate::source::decode(bytes, Lang::Json) {
        Ok(t) => t,
        Err((text, at, why)) if looks_arm(&text) => return Prepared::BadJson(text, at, why),
        Err(_) => return Prepared::Other,
    };
    match json::parse(&text, UNFILED) {
        Ok(parsed) => match json_kind(&parsed.value) {
            JsonKind::Other => Prepared::Other,
            kind => Prepared::Json(text, parsed, kind),
        },
        Err(e) if looks_arm(&text) => {
            Prepared::BadJson(text, e.offset, format!("invalid JSON: {}", e.message))
        }
        Err(_) => Prepared::Other,
    }
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
fn add_file(ws: &mut Workspace, d: &mut Discovered, path: &Path, lang: Lang, file: Prepared) {
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
            add_source(ws, path, lang, Err(e));
            return;
        }
        Prepared::Other => return,
        Prepared::BadJson(text, at, why) => {
            add_decoded(ws, path, lang, Err((text, at, why)));
            return;
        }
        Prepared::Json(text, mut parsed, kind) => {
            let id = ws.sources.add(SourceFile::new(
                path.to_path_buf(),
                display_path(path),
                text,
                Lang::Json,
            ));
            for w in parsed.warnings {
                ws.diagnostics.push(
                    Diagnostic::new(
                        "STV005",
                        Severity::Warning,
                        format!("{}: Azure accepts it, strict JSON tools do not", w.message),
                    )
                    .at(Some(Span::new(id, w.offset, w.offset + 1)))
                    .help("Remove the trailing comma.")
                    .identity("parse|trailing comma"),
                );
            }
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
        Prepared::Text(decoded) => match add_decoded(ws, path, lang, decoded) {
            Some(id) => id,
            None => return,
        },
    };
    match lang {
        Lang::Bicep => d.bicep.push(id),
        Lang::BicepParam => d.bicepparam.push(id),
        Lang::Terraform | Lang::TerraformJson | Lang::TerraformVars => d.terraform.push(id),
        _ => {}
    }
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

/// The file's bytes: the editor's unsaved buffer when there is one, else the disk.
pub fn read_bytes(ws: &Workspace, path: &Path) -> std::io::Result<Vec<u8>> {
    if !ws.overlay.is_empty() {
        if let Some(t) = ws.overlay.get(&crate::source::canonical(path)) {
            return Ok(t.clone().into_bytes());
        }
    }
    crate::source::read_regular(path)
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
    out
}

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
        }
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
        {
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
    let json = &d.json;
    d.arm_templates.retain(|t| {
        let generated = json
            .get(t)
            .and_then(|v| v.path("metadata._generator.name"))
            .and_then(|n| n.as_str())
            .is_some_and(|n| n.eq_ignore_ascii_case("bicep"));
        if !generated {
            return true;
        }
        let source = crate::source::canonical(&ws.sources.get(*t).path.with_extension("bicep"));
        !sources.contains(&source)
    });
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
    }
}
