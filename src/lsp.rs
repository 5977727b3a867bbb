//! `stv2lint lsp`: a language server over stdio that publishes stv2lint's diagnostics while you
//! edit. Synchronous, no async runtime: one thread reads and frames the input
//! ([`transport`]), the main thread dispatches, and a lint runs on a worker thread so that
//! messages keep flowing while it works.
//!
//! Edits are coalesced: a deployment unit is linted once its documents have been quiet for the
//! debounce interval (200 ms), at most one lint runs at a time, and a lint whose unit changed
//! while it ran is not published — so a burst of 1,000 keystrokes costs one or two runs, not
//! 1,000. After the first lint of a unit, a change re-lints only the deployments it can affect
//! ([`memory`]); such a lint takes milliseconds, so it waits a tenth of the interval (20 ms).
//!
//! The unit linted for a file is the deployment it belongs to: the nearest directory above it
//! with a `.stv2lint.yaml`, else the workspace folder that holds it (from `initialize`); a file
//! outside every workspace folder is linted with its own directory. The unit is walked like
//! `stv2lint check DIR`, so Bicep modules in subfolders and Terraform modules called from a root
//! above them are checked with their callers; every open buffer is read instead of the disk
//! (`CheckOptions::overlay`), and the workspace folders are roots files may be read from. Every
//! file of a run whose unit is the run's gets that run's diagnostics.

pub mod add_rule;
mod memory;
pub mod transport;

use crate::diagnostic::{Diagnostic, Severity};
use crate::source::{FileId, SourceFile, Span};
use crate::{CheckOptions, Outcome};
use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::{
    CodeDescription, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
    Position, PublishDiagnosticsParams, Range, Uri,
};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::mpsc::{channel, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};
use transport::{Frame, Reader};

/// How the server behaves; [`ServeOptions::from_env`] for the real binary.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// Quiet time after the last change of a unit before it is linted in full; a tenth of it
    /// before an incremental lint.
    pub debounce: Duration,
    /// Lint at all (off in the fuzz target, which must not walk the disk).
    pub lint: bool,
    /// Log every lint run and discarded result on stderr (`STV2LINT_LSP_TRACE=1`).
    pub trace: bool,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            debounce: Duration::from_millis(200),
            lint: true,
            trace: false,
        }
    }
}

impl ServeOptions {
    /// Defaults, with `STV2LINT_LSP_TRACE` and `STV2LINT_LSP_DEBOUNCE_MS` (milliseconds) read
    /// from the environment — for tests and for diagnosing a slow editor session.
    pub fn from_env() -> Self {
        let mut o = ServeOptions {
            trace: std::env::var_os("STV2LINT_LSP_TRACE")
                .is_some_and(|v| !v.is_empty() && v != "0"),
            ..ServeOptions::default()
        };
        if let Some(ms) = std::env::var("STV2LINT_LSP_DEBOUNCE_MS")
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
        {
            o.debounce = Duration::from_millis(ms.min(60_000));
        }
        o
    }
}

/// Run the server on stdin/stdout; the exit code follows the protocol (0 after `shutdown`).
pub fn run() -> u8 {
    let input = std::io::BufReader::new(std::io::stdin());
    serve(input, std::io::stdout(), &ServeOptions::from_env())
}

enum Event {
    Frame(Frame),
    Linted(Box<Linted>),
}

/// Serve one client reading `input` and writing `output` until `exit` or the end of the input.
/// Returns the process exit code; every way out other than `shutdown` + `exit` says why on
/// stderr.
///
/// When the input has ended, the thread that read it has ended too before this returns (its
/// input dropped, nothing of it left behind a caller that serves again). After `exit` it may
/// still wait in a read of the client's input (stdin cannot be interrupted); it ends at the
/// next message or the end of the input, whose sender is gone.
pub fn serve(input: impl BufRead + Send + 'static, output: impl Write, opts: &ServeOptions) -> u8 {
    let (tx, rx) = channel();
    let reader_tx = tx.clone();
    let reader = std::thread::spawn(move || {
        let mut reader = Reader::new(input);
        loop {
            let f = reader.next_frame();
            let end = matches!(f, Frame::End(_));
            if reader_tx.send(Event::Frame(f)).is_err() || end {
                return;
            }
        }
    });
    let mut server = Server::new(output, opts.clone(), tx);
    loop {
        let ev = match server.next_deadline() {
            Some(at) => rx.recv_timeout(at.saturating_duration_since(Instant::now())),
            None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match ev {
            Ok(Event::Frame(Frame::Message(m))) => {
                if let Some(code) = server.handle(m) {
                    return code;
                }
            }
            Ok(Event::Frame(Frame::Invalid { code, message, id })) => {
                eprintln!("stv2lint lsp: {message}");
                server.write_error(id, code, &message);
            }
            Ok(Event::Frame(Frame::End(why))) => {
                let why = why.unwrap_or_else(|| "the client closed the input".into());
                eprintln!("stv2lint lsp: {why} without `exit`; stopping");
                // The reader returns right after sending the end.
                let _ = reader.join();
                return 1;
            }
            Ok(Event::Linted(l)) => server.linted(*l),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return 1,
        }
        if let Some(e) = server.write_failed.take() {
            eprintln!("stv2lint lsp: cannot write to the client: {e}; stopping");
            return 1;
        }
        server.start_due_lint();
    }
}

struct Doc {
    uri: Uri,
    text: String,
    version: i32,
}

/// One file's diagnostics: the URI the client knows it by, the version linted (open documents).
type FileDiagnostics = (Uri, Option<i32>, Vec<lsp_types::Diagnostic>);

/// What a lint worker hands back: the findings it computed and the memory of the unit, or a
/// configuration error.
struct Linted {
    unit: PathBuf,
    generation: u64,
    result: Result<memory::Update, String>,
    /// How long the lint took (for the trace).
    took: Duration,
}

/// What changed in a unit since its last lint.
#[derive(Default)]
struct Dirty {
    files: HashSet<PathBuf>,
    /// Something the memory cannot account for (a configuration file, a created or deleted
    /// file): lint the whole unit.
    all: bool,
}

struct Server<W> {
    out: W,
    opts: ServeOptions,
    events: Sender<Event>,
    initialized: bool,
    /// The client can watch files for us (`workspace/didChangeWatchedFiles`, registered after
    /// `initialized`): files created, deleted or changed outside the editor.
    watch: bool,
    shutting_down: bool,
    /// Open documents by canonical path.
    docs: HashMap<PathBuf, Doc>,
    /// Units (directories) waiting to be linted, with the time they may start.
    pending: BTreeMap<PathBuf, Instant>,
    /// Changes per unit so far: a result computed for an older count is stale.
    generation: HashMap<PathBuf, u64>,
    /// The lint running now (unit, generation).
    in_flight: Option<(PathBuf, u64)>,
    /// Files changed per unit since its last lint started.
    dirty: HashMap<PathBuf, Dirty>,
    /// What the last lint of each unit left to go on from (out while a lint of it runs).
    memory: HashMap<PathBuf, memory::Memory>,
    /// Files whose findings were computed by a lint that turned out stale, per unit: published
    /// with the next one (`None`: every file of the unit).
    unpublished: HashMap<PathBuf, Option<HashSet<PathBuf>>>,
    /// The version of each open document last published.
    shown_version: HashMap<String, Option<i32>>,
    /// URIs given non-empty diagnostics, per unit: cleared when they have none any more.
    published: HashMap<PathBuf, HashSet<String>>,
    /// Workspace folders (canonical), from `initialize`.
    folders: Vec<PathBuf>,
    /// The diagnostics last published, per URI: what hover and code actions answer from.
    shown: HashMap<String, Vec<lsp_types::Diagnostic>>,
    /// Configuration errors already shown, so a broken file is not reported on every keystroke.
    shown_errors: HashSet<String>,
    write_failed: Option<std::io::Error>,
}

impl<W: Write> Server<W> {
    fn new(out: W, opts: ServeOptions, events: Sender<Event>) -> Self {
        Server {
            out,
            opts,
            events,
            initialized: false,
            watch: false,
            shutting_down: false,
            docs: HashMap::new(),
            pending: BTreeMap::new(),
            generation: HashMap::new(),
            in_flight: None,
            dirty: HashMap::new(),
            memory: HashMap::new(),
            unpublished: HashMap::new(),
            shown_version: HashMap::new(),
            published: HashMap::new(),
            folders: Vec::new(),
            shown: HashMap::new(),
            shown_errors: HashSet::new(),
            write_failed: None,
        }
    }

    fn send(&mut self, m: Message) {
        if self.write_failed.is_none() {
            if let Err(e) = transport::write_message(&mut self.out, &m) {
                self.write_failed = Some(e);
            }
        }
    }

    fn write_error(&mut self, id: Option<Value>, code: i32, message: &str) {
        if self.write_failed.is_none() {
            if let Err(e) = transport::write_error(&mut self.out, id, code, message) {
                self.write_failed = Some(e);
            }
        }
    }

    /// Handle one message; `Some(code)` when the server must exit.
    fn handle(&mut self, msg: Message) -> Option<u8> {
        match msg {
            Message::Request(req) => {
                self.request(req);
                None
            }
            Message::Notification(n) => self.notification(n),
            Message::Response(_) => None,
        }
    }

    fn request(&mut self, req: Request) {
        let resp = if !self.initialized {
            if req.method == "initialize" {
                self.initialized = true;
                self.folders = workspace_folders(&req.params);
                self.watch = req.params["capabilities"]["workspace"]["didChangeWatchedFiles"]
                    ["dynamicRegistration"]
                    .as_bool()
                    .unwrap_or(false);
                Response::new_ok(req.id, initialize_result())
            } else {
                err(
                    req.id,
                    ErrorCode::ServerNotInitialized,
                    "the server is not initialized".into(),
                )
            }
        } else if req.method == "shutdown" {
            self.shutting_down = true;
            Response::new_ok(req.id, Value::Null)
        } else if self.shutting_down {
            err(
                req.id,
                ErrorCode::InvalidRequest,
                "the server is shutting down".into(),
            )
        } else if req.method == "initialize" {
            err(
                req.id,
                ErrorCode::InvalidRequest,
                "the server is already initialized".into(),
            )
        } else if req.method == "textDocument/hover" {
            let r = self.hover(&req.params);
            Response::new_ok(req.id, r)
        } else if req.method == "textDocument/codeAction" {
            let r = self.code_actions(&req.params);
            Response::new_ok(req.id, r)
        } else {
            err(
                req.id,
                ErrorCode::MethodNotFound,
                format!("stv2lint does not handle {}", req.method),
            )
        };
        self.send(resp.into());
    }

    fn notification(&mut self, n: Notification) -> Option<u8> {
        if n.method == "exit" {
            return Some(if self.shutting_down { 0 } else { 1 });
        }
        if !self.initialized {
            // The protocol drops notifications before `initialize`.
            return None;
        }
        let p = &n.params;
        match n.method.as_str() {
            "initialized" if self.watch => self.register_watchers(),
            "workspace/didChangeWatchedFiles" => {
                for c in p["changes"].as_array().map_or(&[][..], |c| c) {
                    if let Some(path) = c["uri"].as_str().and_then(uri_to_path) {
                        self.watched(&path, c["type"].as_i64().unwrap_or(2));
                    }
                }
            }
            "textDocument/didOpen" => {
                let doc = &p["textDocument"];
                if let (Some(uri), Some(text)) = (uri_of(&doc["uri"]), doc["text"].as_str()) {
                    self.open(uri, text.to_string(), version_of(&doc["version"]));
                }
            }
            "textDocument/didChange" => {
                let doc = &p["textDocument"];
                if let Some(uri) = uri_of(&doc["uri"]) {
                    let changes = p["contentChanges"].as_array().map_or(&[][..], |c| c);
                    self.change(uri, changes, version_of(&doc["version"]));
                }
            }
            "textDocument/didSave" => {
                if let Some(uri) = uri_of(&p["textDocument"]["uri"]) {
                    if let Some(path) = lintable_path(&uri) {
                        self.mark(&path);
                    }
                }
            }
            "textDocument/didClose" => {
                if let Some(uri) = uri_of(&p["textDocument"]["uri"]) {
                    if let Some(path) = lintable_path(&uri) {
                        self.docs.remove(&crate::source::canonical(&path));
                        // The file on disk applies again.
                        self.mark(&path);
                    }
                }
            }
            _ => {}
        }
        None
    }

    fn open(&mut self, uri: Uri, text: String, version: i32) {
        let Some(path) = lintable_path(&uri) else {
            return;
        };
        self.docs
            .insert(crate::source::canonical(&path), Doc { uri, text, version });
        self.mark(&path);
    }

    fn change(&mut self, uri: Uri, changes: &[Value], version: i32) {
        let Some(path) = lintable_path(&uri) else {
            return;
        };
        let key = crate::source::canonical(&path);
        let doc = self.docs.entry(key).or_insert_with(|| Doc {
            uri,
            text: String::new(),
            version,
        });
        doc.version = version;
        for c in changes {
            let Some(text) = c["text"].as_str() else {
                continue;
            };
            match serde_json::from_value::<Range>(c["range"].clone()) {
                Ok(range) => apply_edit(&mut doc.text, range, text),
                Err(_) => doc.text = text.to_string(),
            }
        }
        self.mark(&path);
    }

    /// A document of `path`'s unit changed: (re)start its quiet period, and make any result
    /// computed before now stale.
    fn mark(&mut self, path: &Path) {
        self.mark_as(path, false);
    }

    /// [`Server::mark`]; `all`: the change is one the unit's memory cannot account for.
    fn mark_as(&mut self, path: &Path, all: bool) {
        let Some(unit) = unit_of(path, &self.folders) else {
            return;
        };
        let dirty = self.dirty.entry(unit.clone()).or_default();
        dirty.files.insert(crate::source::canonical(path));
        dirty.all |= all;
        let g = self.generation.entry(unit.clone()).or_default();
        *g += 1;
        if self.opts.trace && self.in_flight.as_ref().is_some_and(|(u, _)| *u == unit) {
            eprintln!(
                "stv2lint lsp: trace: a change superseded the running lint of {}",
                unit.display()
            );
        }
        // A unit with a memory (or about to have one) is re-linted in part: cheap enough to
        // follow the typing closely.
        let warm = !dirty_all(&self.dirty, &unit)
            && (self.memory.contains_key(&unit)
                || self.in_flight.as_ref().is_some_and(|(u, _)| *u == unit));
        let quiet = if warm {
            self.opts.debounce / 10
        } else {
            self.opts.debounce
        };
        self.pending.insert(unit, Instant::now() + quiet);
    }

    /// A file changed outside the editor (`kind`: 1 created, 2 changed, 3 deleted). A created
    /// or deleted file can change which files form a deployment, a configuration file every
    /// unit's settings and bounds: those lint whole units again.
    fn watched(&mut self, path: &Path, kind: i64) {
        if path
            .file_name()
            .is_some_and(|n| n == crate::config::FILE_NAME)
        {
            let mut units: Vec<PathBuf> = self.memory.keys().cloned().collect();
            units.extend(self.published.keys().cloned());
            units.sort();
            units.dedup();
            for u in units {
                self.mark_as(&u.join(crate::config::FILE_NAME), true);
            }
            self.mark_as(path, true);
            return;
        }
        if crate::source::lang_of(path).is_none() {
            return;
        }
        let open = self.docs.contains_key(&crate::source::canonical(path));
        match kind {
            // The buffer, not the disk, is what an open document lints with.
            2 if open => {}
            2 => self.mark(path),
            _ => self.mark_as(path, true),
        }
    }

    /// Ask the client to tell us about lintable and configuration files changed on disk.
    fn register_watchers(&mut self) {
        let globs = [
            "**/*.{json,jsonc,bicep,bicepparam,tf,tfvars}",
            "**/.stv2lint.yaml",
        ];
        let watchers: Vec<Value> = globs.iter().map(|g| json!({ "globPattern": g })).collect();
        let req = Request::new(
            RequestId::from("stv2lint/watch".to_string()),
            "client/registerCapability".into(),
            json!({ "registrations": [{
                "id": "stv2lint-watch",
                "method": "workspace/didChangeWatchedFiles",
                "registerOptions": { "watchers": watchers },
            }] }),
        );
        self.send(req.into());
    }

    /// When the next pending lint may start (`None`: nothing to wait for but messages).
    fn next_deadline(&self) -> Option<Instant> {
        if self.in_flight.is_some() {
            return None;
        }
        self.pending.values().min().copied()
    }

    /// Start the lint of a unit whose quiet period is over, unless one is running.
    fn start_due_lint(&mut self) {
        if self.in_flight.is_some() {
            return;
        }
        let now = Instant::now();
        let Some(unit) = self
            .pending
            .iter()
            .filter(|(_, at)| **at <= now)
            .min_by_key(|(_, at)| **at)
            .map(|(u, _)| u.clone())
        else {
            return;
        };
        self.pending.remove(&unit);
        if !self.opts.lint {
            return;
        }
        let generation = self.generation.get(&unit).copied().unwrap_or(0);
        let dirty = self.dirty.remove(&unit).unwrap_or_default();
        let memory = self.memory.remove(&unit).filter(|_| !dirty.all);
        if self.opts.trace {
            eprintln!(
                "stv2lint lsp: trace: lint run of {} (generation {generation}, {})",
                unit.display(),
                if memory.is_some() {
                    "incremental"
                } else {
                    "full"
                }
            );
        }
        let overlay: Vec<(PathBuf, String)> = self
            .docs
            .iter()
            .map(|(p, d)| (p.clone(), d.text.clone()))
            .collect();
        let open: HashMap<PathBuf, (Uri, i32)> = self
            .docs
            .iter()
            .map(|(p, d)| (p.clone(), (d.uri.clone(), d.version)))
            .collect();
        let events = self.events.clone();
        let folders = self.folders.clone();
        let trace = self.opts.trace;
        self.in_flight = Some((unit.clone(), generation));
        let job_unit = unit.clone();
        let spawned = std::thread::Builder::new()
            .name("stv2lint-lint".into())
            .stack_size(LINT_STACK)
            .spawn(move || {
                let started = Instant::now();
                let result = lint_unit(
                    &job_unit,
                    &folders,
                    overlay,
                    &open,
                    memory,
                    &dirty.files,
                    trace,
                );
                let _ = events.send(Event::Linted(Box::new(Linted {
                    unit: job_unit,
                    generation,
                    result,
                    took: started.elapsed(),
                })));
            });
        if let Err(e) = spawned {
            eprintln!(
                "stv2lint lsp: cannot start a lint of {}: {e}",
                unit.display()
            );
            self.in_flight = None;
        }
    }

    /// A lint finished: keep its memory and publish what changed, unless its unit changed
    /// meanwhile (a newer lint is pending; what this one computed is published with it).
    fn linted(&mut self, l: Linted) {
        self.in_flight = None;
        let stale = self.generation.get(&l.unit).copied().unwrap_or(0) != l.generation;
        let update = match l.result {
            Ok(u) => u,
            Err(e) => {
                if !stale && self.shown_errors.insert(e.clone()) {
                    self.show_message(1, &format!("stv2lint: {e}"));
                }
                return;
            }
        };
        let computed: HashSet<PathBuf> = if update.full {
            update.memory.diagnostics.keys().cloned().collect()
        } else {
            update
                .files
                .iter()
                .filter_map(|(u, ..)| uri_to_path(u.as_str()))
                .map(|p| crate::source::canonical(&p))
                .collect()
        };
        let pending = self.unpublished.remove(&l.unit);
        let full = update.full || matches!(pending, Some(None));
        let mut todo = computed;
        if let Some(Some(more)) = pending {
            todo.extend(more);
        }
        // In the client's log too, after what it published: which lints ran, how, how long.
        let log = self.opts.trace.then(|| {
            let n = Notification::new(
                "window/logMessage".into(),
                json!({ "type": 4, "message": format!(
                    "stv2lint: {} lint of {}: {} files in {:.1} ms{}",
                    if update.full { "full" } else { "incremental" },
                    l.unit.display(),
                    update.files.len(),
                    l.took.as_secs_f64() * 1000.0,
                    if stale { " (stale)" } else { "" }
                ) }),
            );
            Message::from(n)
        });
        self.memory.insert(l.unit.clone(), update.memory);
        if stale {
            if self.opts.trace {
                eprintln!(
                    "stv2lint lsp: trace: did not publish the stale lint of {} (generation {})",
                    l.unit.display(),
                    l.generation
                );
            }
            self.unpublished.insert(l.unit, (!full).then_some(todo));
        } else {
            self.publish_unit(&l.unit, if full { None } else { Some(&todo) });
        }
        if let Some(m) = log {
            self.send(m);
        }
    }

    /// Publish the findings of the unit's files in `files` (`None`: every file, clearing the
    /// ones no longer in the run) that differ from what the client has.
    fn publish_unit(&mut self, unit: &Path, files: Option<&HashSet<PathBuf>>) {
        let Some(memory) = self.memory.get(unit) else {
            return;
        };
        let mut out: Vec<FileDiagnostics> = Vec::new();
        match files {
            Some(files) => out.extend(
                files
                    .iter()
                    .filter_map(|f| memory.diagnostics.get(f))
                    .cloned(),
            ),
            None => out.extend(memory.diagnostics.values().cloned()),
        }
        out.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
        let mut now = self.published.remove(unit).unwrap_or_default();
        if files.is_none() {
            // Files that had diagnostics and are no longer part of the run (excluded, deleted).
            let run: HashSet<&str> = out.iter().map(|(u, ..)| u.as_str()).collect();
            let gone: Vec<String> = now
                .iter()
                .filter(|u| !run.contains(u.as_str()))
                .cloned()
                .collect();
            for gone in gone {
                now.remove(&gone);
                self.shown.remove(&gone);
                self.shown_version.remove(&gone);
                if let Ok(uri) = Uri::from_str(&gone) {
                    self.publish(uri, None, Vec::new());
                }
            }
        }
        for (uri, version, diags) in out {
            let key = uri.as_str().to_string();
            let before = self.shown.get(&key).map_or(&[][..], |d| d.as_slice());
            // An open document hears back for every version, even when nothing changed.
            let new_version = version.is_some() && self.shown_version.get(&key) != Some(&version);
            if before == diags.as_slice() && !new_version {
                continue;
            }
            if diags.is_empty() {
                now.remove(&key);
                self.shown.remove(&key);
            } else {
                now.insert(key.clone());
                self.shown.insert(key.clone(), diags.clone());
            }
            self.shown_version.insert(key, version);
            self.publish(uri, version, diags);
        }
        self.published.insert(unit.to_path_buf(), now);
    }

    /// Hover on a published diagnostic: the rule's page. When findings nest (a subnet-wide one
    /// around a prefix-wide one), the narrowest range under the cursor wins, each rule once.
    fn hover(&self, params: &Value) -> Value {
        let (Some(uri), Ok(pos)) = (
            params["textDocument"]["uri"].as_str(),
            serde_json::from_value::<Position>(params["position"].clone()),
        ) else {
            return Value::Null;
        };
        let extent = |r: &Range| {
            (
                r.end.line - r.start.line,
                r.end.character.abs_diff(r.start.character),
            )
        };
        let under: Vec<&lsp_types::Diagnostic> = self
            .shown
            .get(uri)
            .into_iter()
            .flatten()
            .filter(|d| d.range.start <= pos && pos <= d.range.end)
            .collect();
        let Some(narrowest) = under.iter().map(|d| extent(&d.range)).min() else {
            return Value::Null;
        };
        let mut pages: Vec<&'static str> = Vec::new();
        let mut range = None;
        for d in under.iter().filter(|d| extent(&d.range) == narrowest) {
            let Some(NumberOrString::String(code)) = &d.code else {
                continue;
            };
            if let Some(rule) = crate::rules::find(code) {
                if !pages.contains(&rule.page) {
                    pages.push(rule.page);
                    range.get_or_insert(d.range);
                }
            }
        }
        match range {
            None => Value::Null,
            Some(range) => json!({
                "contents": { "kind": "markdown", "value": pages.join("\n\n---\n\n") },
                "range": range,
            }),
        }
    }

    /// Quick fixes for the published diagnostics in the requested range: a suppression comment
    /// on the line above, in the file's comment syntax, with a reason for the user to write.
    fn code_actions(&self, params: &Value) -> Value {
        let (Some(uri), Ok(want)) = (
            params["textDocument"]["uri"].as_str(),
            serde_json::from_value::<Range>(params["range"].clone()),
        ) else {
            return json!([]);
        };
        let Some(path) = uri_to_path(uri) else {
            return json!([]);
        };
        let Some(lang) = crate::source::lang_of(&path) else {
            return json!([]);
        };
        // A file not open in the editor is read as the run reads files: not a FIFO (whose
        // `open` would block the server) or a device (`/dev/zero` would fill the memory).
        let text = match self.docs.get(&crate::source::canonical(&path)) {
            Some(d) => d.text.clone(),
            None => crate::source::read_regular(&path)
                .ok()
                .and_then(|b| crate::source::decode(b, lang).ok())
                .unwrap_or_default(),
        };
        let mut actions = Vec::new();
        for d in self.shown.get(uri).into_iter().flatten() {
            if d.range.end < want.start || want.end < d.range.start {
                continue;
            }
            let Some(NumberOrString::String(code)) = &d.code else {
                continue;
            };
            if let Some(a) = add_rule_action(lang, &text, uri, d) {
                actions.push(a);
            }
            let Some(prefix) = comment_prefix(lang) else {
                continue;
            };
            let line = d.range.start.line;
            let indent: String = text
                .lines()
                .nth(line as usize)
                .unwrap_or("")
                .chars()
                .take_while(|c| *c == ' ' || *c == '\t')
                .collect();
            let at = Position::new(line, 0);
            let new_text =
                format!("{indent}{prefix} stv2lint-ignore: {code} {SUPPRESSION_REASON}\n");
            actions.push(json!({
                "title": format!("Suppress {code} here (write down why)"),
                "kind": "quickfix",
                "diagnostics": [d],
                "edit": { "changes": { uri: [
                    { "range": Range::new(at, at), "newText": new_text }
                ] } },
            }));
        }
        Value::Array(actions)
    }

    fn publish(&mut self, uri: Uri, version: Option<i32>, diagnostics: Vec<lsp_types::Diagnostic>) {
        let params = PublishDiagnosticsParams {
            uri,
            diagnostics,
            version,
        };
        let n = Notification::new("textDocument/publishDiagnostics".into(), params);
        self.send(n.into());
    }

    fn show_message(&mut self, kind: u8, message: &str) {
        let n = Notification::new(
            "window/showMessage".into(),
            json!({ "type": kind, "message": message }),
        );
        self.send(n.into());
    }
}

/// "Add security rule for <flow>": the allow rule a flow finding carries (`data.addRule`),
/// written in the file's syntax by [`add_rule`].
fn add_rule_action(
    lang: crate::source::Lang,
    text: &str,
    uri: &str,
    d: &lsp_types::Diagnostic,
) -> Option<Value> {
    let a = d.data.as_ref()?.get("addRule")?;
    let flow = crate::rules::flows::flows()
        .iter()
        .find(|f| a["flow"].as_str() == Some(f.key().as_str()))?;
    let priority = a["priority"].as_i64()?;
    let offsets = |v: &Value| -> Option<(usize, usize)> {
        let r: Range = serde_json::from_value(v.clone()).ok()?;
        Some((offset_of(text, r.start), offset_of(text, r.end)))
    };
    let before = if a["before"].is_null() {
        None
    } else {
        Some(offsets(&a["before"])?)
    };
    let separate = a["separate"].as_bool().unwrap_or(false);
    let ins = add_rule::insertion(
        lang,
        text,
        flow,
        priority,
        before,
        offsets(&a["nsg"])?,
        separate,
    )?;
    let at = offset_position(text, ins.at);
    Some(json!({
        "title": format!("Add security rule for {} ({}: {})", flow.describe(), flow.id, flow.title),
        "kind": "quickfix",
        "diagnostics": [d],
        "isPreferred": true,
        "edit": { "changes": { uri: [
            { "range": Range::new(at, at), "newText": ins.text }
        ] } },
    }))
}

/// The LSP position (UTF-16 columns) of a byte offset.
fn offset_position(text: &str, offset: usize) -> Position {
    let offset = offset.min(text.len());
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = text[..line_start].matches('\n').count() as u32;
    let col = text[line_start..offset].encode_utf16().count() as u32;
    Position::new(line, col)
}

/// The reason a fresh suppression carries: a placeholder that reads as one in review.
const SUPPRESSION_REASON: &str = "TODO: why this is safe here";

/// The line-comment syntax a suppression is written in (`None`: the format has no comments).
fn comment_prefix(lang: crate::source::Lang) -> Option<&'static str> {
    use crate::source::Lang;
    match lang {
        Lang::Json | Lang::Bicep | Lang::BicepParam => Some("//"),
        Lang::Terraform | Lang::TerraformVars => Some("#"),
        Lang::TerraformJson | Lang::Other => None,
    }
}

fn dirty_all(dirty: &HashMap<PathBuf, Dirty>, unit: &Path) -> bool {
    dirty.get(unit).is_some_and(|d| d.all)
}

/// Stack of the lint worker: deep but legitimate nesting must not overflow it.
const LINT_STACK: usize = 64 << 20;

fn err(id: RequestId, code: ErrorCode, message: String) -> Response {
    Response::new_err(id, code as i32, message)
}

fn version_of(v: &Value) -> i32 {
    v.as_i64()
        .map_or(0, |n| n.clamp(i32::MIN as i64, i32::MAX as i64) as i32)
}

fn initialize_result() -> Value {
    json!({
        "capabilities": {
            "positionEncoding": "utf-16",
            "hoverProvider": true,
            "codeActionProvider": { "codeActionKinds": ["quickfix"] },
            "textDocumentSync": {
                "openClose": true,
                "change": 1,
                "save": { "includeText": false }
            }
        },
        "serverInfo": { "name": "stv2lint", "version": env!("CARGO_PKG_VERSION") }
    })
}

/// The options of a lint of `unit`: its configuration, the open buffers in `overlay`, the
/// workspace folders as roots files may be read from.
pub fn unit_options(
    unit: &Path,
    folders: &[PathBuf],
    overlay: Vec<(PathBuf, String)>,
) -> Result<CheckOptions, String> {
    let mut opts = CheckOptions::default();
    if let Some(cfg) = crate::config::find(unit).map(|p| crate::config::load(&p)) {
        crate::driver::apply_config(&cfg?, &mut opts);
    }
    opts.overlay = overlay;
    opts.roots.extend(folders.iter().cloned());
    Ok(opts)
}

/// Lint one unit after `changed` files changed (from `memory`, when there is one); the
/// findings of its files, each named by the URI the client knows it by (its own, for open
/// documents) and the version linted.
fn lint_unit(
    unit: &Path,
    folders: &[PathBuf],
    overlay: Vec<(PathBuf, String)>,
    open: &HashMap<PathBuf, (Uri, i32)>,
    memory: Option<memory::Memory>,
    changed: &HashSet<PathBuf>,
    trace: bool,
) -> Result<memory::Update, String> {
    let opts = unit_options(unit, folders, overlay)?;
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        memory::lint(unit, folders, &opts, open, memory, changed, trace)
    }))
    .map_err(|_| {
        // A bug must not take the editor's session down with it.
        eprintln!(
            "stv2lint lsp: internal error while linting {}",
            unit.display()
        );
        format!("internal error while linting {}", unit.display())
    })
}

/// The workspace folders of `initialize` (`workspaceFolders`, else `rootUri`, else `rootPath`).
fn workspace_folders(params: &Value) -> Vec<PathBuf> {
    let mut uris: Vec<&str> = params["workspaceFolders"]
        .as_array()
        .map_or(Vec::new(), |a| {
            a.iter().filter_map(|f| f["uri"].as_str()).collect()
        });
    if uris.is_empty() {
        uris.extend(params["rootUri"].as_str());
    }
    let mut out: Vec<PathBuf> = uris.into_iter().filter_map(uri_to_path).collect();
    if out.is_empty() {
        out.extend(params["rootPath"].as_str().map(PathBuf::from));
    }
    out.into_iter()
        .filter(|p| p.is_dir())
        .map(|p| crate::source::canonical(&p))
        .collect()
}

/// The deployment `path` belongs to: the nearest directory upward with a `.stv2lint.yaml`, up to
/// the innermost workspace folder holding the file, which is the unit when none is found. A file
/// outside every workspace folder (or with no workspace) is linted with its own directory, as
/// nothing says how far up its deployment reaches.
pub fn unit_of(path: &Path, folders: &[PathBuf]) -> Option<PathBuf> {
    let canon = crate::source::canonical(path);
    let dir = canon.parent()?;
    let Some(folder) = folders
        .iter()
        .filter(|f| dir.starts_with(f))
        .max_by_key(|f| f.components().count())
    else {
        return Some(dir.to_path_buf());
    };
    let mut d = Some(dir);
    while let Some(x) = d {
        if x.join(crate::config::FILE_NAME).is_file() || x == folder.as_path() {
            return Some(x.to_path_buf());
        }
        d = x.parent();
    }
    Some(dir.to_path_buf())
}

fn uri_of(v: &Value) -> Option<Uri> {
    Uri::from_str(v.as_str()?).ok()
}

/// The file behind a `file:` URI, when stv2lint lints that kind of file.
fn lintable_path(uri: &Uri) -> Option<PathBuf> {
    let path = uri_to_path(uri.as_str())?;
    crate::source::lang_of(&path).map(|_| path)
}

/// `file:///a/b%20c.tf` → `/a/b c.tf`; `None` for other schemes.
pub fn uri_to_path(uri: &str) -> Option<PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    // An authority (`file://localhost/…`) is the local host.
    let path = match rest.find('/') {
        Some(i) => &rest[i..],
        None => return None,
    };
    let bytes = percent_decode(path)?;
    let s = String::from_utf8(bytes).ok()?;
    // `file:///C:/x` on Windows.
    let s = if cfg!(windows) && s.len() > 2 && s.as_bytes()[2] == b':' {
        s[1..].to_string()
    } else {
        s
    };
    Some(PathBuf::from(s))
}

pub fn path_to_uri(path: &Path) -> Uri {
    let s = crate::report::sarif::file_uri(path, false);
    Uri::from_str(&s).unwrap_or_else(|_| {
        // Every byte outside the unreserved set is escaped, so this cannot fail; keep a
        // harmless fallback rather than a panic.
        Uri::from_str("file:///").expect("a constant URI")
    })
}

fn percent_decode(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Some(out)
}

// ---------------------------------------------------------------------------------------------
// Positions: LSP counts UTF-16 code units within a line.

fn position(f: &SourceFile, offset: u32) -> Position {
    let (line, _) = f.line_col(offset);
    let start = f.line_start(line).unwrap_or(0);
    let mut end = (offset as usize).min(f.text.len()).max(start);
    while end > start && !f.text.is_char_boundary(end) {
        end -= 1;
    }
    let character = f
        .text
        .get(start..end)
        .map_or(0, |t| t.encode_utf16().count());
    Position::new((line - 1) as u32, character as u32)
}

fn range(f: &SourceFile, span: Span) -> Range {
    Range::new(position(f, span.start), position(f, span.end))
}

/// Byte offset of an LSP position in `text` (clamped to the text).
fn offset_of(text: &str, pos: Position) -> usize {
    let mut line_start = 0;
    for _ in 0..pos.line {
        match text[line_start..].find('\n') {
            Some(i) => line_start += i + 1,
            None => return text.len(),
        }
    }
    let mut units = 0;
    for (i, ch) in text[line_start..].char_indices() {
        if units >= pos.character as usize || ch == '\n' {
            return line_start + i;
        }
        units += ch.len_utf16();
    }
    text.len()
}

fn apply_edit(text: &mut String, range: Range, new: &str) {
    let a = offset_of(text, range.start);
    let b = offset_of(text, range.end).max(a);
    text.replace_range(a..b, new);
}

// ---------------------------------------------------------------------------------------------

/// The active diagnostics of one file of a run, as LSP diagnostics.
pub fn to_lsp(
    o: &Outcome,
    file: FileId,
    uri_of: &dyn Fn(FileId) -> Uri,
) -> Vec<lsp_types::Diagnostic> {
    o.active()
        .filter(|d| d.span.is_some_and(|s| s.file == file))
        .filter_map(|d| one(o, d, uri_of))
        .collect()
}

fn one(
    o: &Outcome,
    d: &Diagnostic,
    uri_of: &dyn Fn(FileId) -> Uri,
) -> Option<lsp_types::Diagnostic> {
    let span = d.span?;
    let f = o.ws.sources.get(span.file);
    let severity = match d.severity {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
    };
    let mut message = d.message.clone();
    if let Some(h) = &d.help {
        message.push('\n');
        message.push_str(h);
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .related
        .iter()
        .map(|r| DiagnosticRelatedInformation {
            location: Location::new(
                uri_of(r.span.file),
                range(o.ws.sources.get(r.span.file), r.span),
            ),
            message: r.message.clone(),
        })
        .collect();
    let href = Uri::from_str(&crate::report::sarif::rule_uri(d.code)).ok();
    Some(lsp_types::Diagnostic {
        range: range(f, span),
        severity: Some(severity),
        code: Some(NumberOrString::String(d.code.to_string())),
        code_description: href.map(|href| CodeDescription { href }),
        source: Some("stv2lint".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: d.add_rule.as_ref().and_then(|a| {
            let here = |sp: Span| (sp.file == span.file).then(|| range(f, sp));
            let nsg = here(a.nsg)?;
            Some(json!({ "addRule": {
                "flow": a.flow,
                "priority": a.priority,
                "before": a.before.and_then(here),
                "nsg": nsg,
                "separate": a.separate,
            } }))
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_and_paths_round_trip() {
        let p = Path::new("/w/my infra/main#1.tf");
        let uri = path_to_uri(p);
        assert_eq!(uri.as_str(), "file:///w/my%20infra/main%231.tf");
        assert_eq!(uri_to_path(uri.as_str()).as_deref(), Some(p));
        assert_eq!(
            uri_to_path("file://localhost/w/a.tf").as_deref(),
            Some(Path::new("/w/a.tf"))
        );
        assert_eq!(uri_to_path("untitled:Untitled-1"), None);
        assert_eq!(uri_to_path("file:///w/%zz"), None);
    }

    #[test]
    fn positions_count_utf16_units() {
        let f = SourceFile::new(
            "a".into(),
            "a".into(),
            "ab\n😀x = 1\n".into(),
            crate::source::Lang::Other,
        );
        // The emoji is 4 bytes and 2 UTF-16 units.
        assert_eq!(position(&f, 7), Position::new(1, 2));
        assert_eq!(offset_of(&f.text, Position::new(1, 2)), 7);
        assert_eq!(offset_of(&f.text, Position::new(9, 0)), f.text.len());
    }

    /// A server that answers the protocol at once and lints nothing.
    fn protocol_only() -> ServeOptions {
        ServeOptions {
            debounce: Duration::ZERO,
            lint: false,
            trace: false,
        }
    }

    fn frame(v: Value) -> String {
        let b = v.to_string();
        format!("Content-Length: {}\r\n\r\n{b}", b.len())
    }

    /// The JSON bodies the server wrote.
    fn bodies(out: &[u8]) -> Vec<Value> {
        let text = String::from_utf8_lossy(out);
        text.split("Content-Length: ")
            .filter_map(|m| m.split_once("\r\n\r\n"))
            .map(|(_, b)| serde_json::from_str(b).unwrap())
            .collect()
    }

    #[test]
    fn the_loop_answers_around_garbage_and_ends_with_the_input() {
        let input = [
            "\x00\x01 junk\r\n\r\n".to_string(),
            frame(json!({"jsonrpc": "2.0", "id": 1, "method": "hover"})),
            frame(json!({"jsonrpc": "2.0", "id": 2, "method": "initialize", "params": {}})),
            "Content-Length: 99999999999999999999999\r\n\r\n".to_string(),
            frame(json!({"jsonrpc": "2.0", "method": "textDocument/didChange",
                "params": {"textDocument": {"uri": "file:///nowhere/x.tf", "version": 1e40},
                "contentChanges": [{"range": {"start": {"line": 9, "character": 99},
                                              "end": {"line": 0, "character": 0}}, "text": "é"}]}})),
            frame(json!({"jsonrpc": "2.0", "id": "s", "method": "shutdown"})),
        ]
        .concat();
        let mut out = Vec::new();
        let opts = protocol_only();
        // No `exit`: the input ends, and so does the server, with code 1.
        let code = serve(std::io::Cursor::new(input.into_bytes()), &mut out, &opts);
        assert_eq!(code, 1);
        let got = bodies(&out);
        let summary: Vec<(Value, Value)> = got
            .iter()
            .map(|m| (m["id"].clone(), m["error"]["code"].clone()))
            .collect();
        assert_eq!(
            summary,
            [
                (Value::Null, json!(-32700)),
                (json!(1), json!(-32002)),
                (json!(2), Value::Null),
                (Value::Null, json!(-32700)),
                (json!("s"), Value::Null),
            ],
            "{got:#?}"
        );
    }

    /// Found by fuzzing (`lsp` target, LeakSanitizer): `serve` returned at the end of its input
    /// while the thread reading that input was still running, so a caller serving again (the
    /// fuzzer, a test) found the last session's thread and input still alive. Now the input is
    /// dropped — its reader has ended — before `serve` returns.
    #[test]
    fn the_reader_has_ended_when_the_input_ends() {
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::sync::Arc;
        /// An input that takes a while to drop, and says when it has.
        struct Input(std::io::Cursor<Vec<u8>>, Arc<AtomicBool>);
        impl std::io::Read for Input {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                self.0.read(buf)
            }
        }
        impl BufRead for Input {
            fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
                self.0.fill_buf()
            }
            fn consume(&mut self, n: usize) {
                self.0.consume(n)
            }
        }
        impl Drop for Input {
            fn drop(&mut self) {
                std::thread::sleep(Duration::from_millis(200));
                self.1.store(true, Ordering::SeqCst);
            }
        }
        let opts = protocol_only();
        // The input ends inside a header, and then cleanly after a message.
        let inputs = [
            "Content-Length: 1".to_string(),
            frame(json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}})),
        ];
        for input in inputs {
            let dropped = Arc::new(AtomicBool::new(false));
            let input = Input(std::io::Cursor::new(input.into_bytes()), dropped.clone());
            let mut out = Vec::new();
            assert_eq!(serve(input, &mut out, &opts), 1);
            assert!(
                dropped.load(Ordering::SeqCst),
                "serve returned before its reader ended"
            );
        }
    }

    /// Found by review during the fuzzing campaign: a code action for a file not open in the
    /// editor read it with `read_to_string`, so a FIFO named by the client blocked the server
    /// for good (and a link to `/dev/zero` would have filled the memory). It is read as the
    /// run reads files: not at all, and the answer is no action.
    #[cfg(unix)]
    #[test]
    fn a_code_action_on_a_fifo_answers_at_once() {
        let dir = std::env::temp_dir().join(format!("stv2lint-lsp-fifo-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("main.tf");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo");
        let range =
            json!({"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}});
        let input = [
            frame(json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}})),
            frame(
                json!({"jsonrpc": "2.0", "id": 2, "method": "textDocument/codeAction",
                "params": {"textDocument": {"uri": path_to_uri(&fifo).as_str()},
                           "range": range, "context": {"diagnostics": []}}}),
            ),
        ]
        .concat();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut out = Vec::new();
            let opts = protocol_only();
            let code = serve(std::io::Cursor::new(input.into_bytes()), &mut out, &opts);
            let _ = tx.send((code, out));
        });
        let answer = rx.recv_timeout(Duration::from_secs(20));
        if answer.is_err() {
            // Let the blocked server go before failing.
            let _ = std::fs::OpenOptions::new().write(true).open(&fifo);
        }
        std::fs::remove_dir_all(&dir).unwrap();
        let (code, out) = answer.expect("the server blocked on the FIFO");
        assert_eq!(code, 1);
        let got = bodies(&out);
        assert_eq!(got.len(), 2, "{got:#?}");
        assert_eq!(got[1]["id"], json!(2));
        assert_eq!(got[1]["result"], json!([]), "{got:#?}");
    }

    #[test]
    fn incremental_edits_apply() {
        let mut t = "line one\nline two\n".to_string();
        apply_edit(
            &mut t,
            Range::new(Position::new(1, 5), Position::new(1, 8)),
            "2",
        );
        assert_eq!(t, "line one\nline 2\n");
    }
}
