//! `stv2lint lsp`: a language server over stdio that publishes stv2lint's diagnostics while you
//! edit. Synchronous (lsp-server's channels, no async runtime): linting is fast enough to run
//! between messages, and a burst of changes is coalesced into one run.
//!
//! The deployment unit of a file is its directory (walked like `stv2lint check DIR`, so a
//! template's parameter file, a Terraform module's other files and the Bicep modules below it
//! link up), with every open buffer read instead of the disk (`CheckOptions::overlay`). Each file
//! gets the diagnostics of its own directory's run; the configuration is the `.stv2lint.yaml`
//! found upward from that directory.

use crate::diagnostic::{Diagnostic, Severity};
use crate::source::{FileId, SourceFile, Span};
use crate::{CheckOptions, Outcome};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::{
    CodeDescription, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
    Position, PublishDiagnosticsParams, Range, Uri,
};
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Run the server on stdin/stdout; the exit code follows the protocol (0 after `shutdown`).
pub fn run() -> u8 {
    let (conn, io) = Connection::stdio();
    let code = match serve(&conn) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("stv2lint lsp: {e}");
            1
        }
    };
    drop(conn);
    let _ = io.join();
    code
}

/// Serve one client until `exit`. Returns the process exit code.
pub fn serve(conn: &Connection) -> Result<u8, String> {
    let capabilities = json!({
        "positionEncoding": "utf-16",
        "textDocumentSync": {
            "openClose": true,
            "change": 1,
            "save": { "includeText": false }
        }
    });
    let (id, _params) = conn.initialize_start().map_err(|e| e.to_string())?;
    conn.initialize_finish(
        id,
        json!({
            "capabilities": capabilities,
            "serverInfo": { "name": "stv2lint", "version": env!("CARGO_PKG_VERSION") }
        }),
    )
    .map_err(|e| e.to_string())?;

    let mut server = Server::default();
    while let Ok(msg) = conn.receiver.recv() {
        if let Some(code) = server.handle(conn, msg) {
            return Ok(code);
        }
        // Coalesce a burst of changes: take everything already queued before linting.
        while let Ok(msg) = conn.receiver.try_recv() {
            if let Some(code) = server.handle(conn, msg) {
                return Ok(code);
            }
        }
        server.lint_dirty(conn);
    }
    // The client went away without `exit`.
    Ok(1)
}

struct Doc {
    uri: Uri,
    text: String,
    version: i32,
}

#[derive(Default)]
struct Server {
    /// Open documents by canonical path.
    docs: HashMap<PathBuf, Doc>,
    /// Deployment units (directories) to lint before the next message.
    dirty: BTreeSet<PathBuf>,
    /// URIs given non-empty diagnostics, per unit: cleared when they have none any more.
    published: HashMap<PathBuf, HashSet<String>>,
    shutting_down: bool,
    /// Configuration errors already shown, so a broken file is not reported on every keystroke.
    shown_errors: HashSet<String>,
}

impl Server {
    /// Handle one message; `Some(code)` when the server must exit.
    fn handle(&mut self, conn: &Connection, msg: Message) -> Option<u8> {
        match msg {
            Message::Request(req) => {
                self.request(conn, req);
                None
            }
            Message::Notification(n) => self.notification(n),
            Message::Response(_) => None,
        }
    }

    fn request(&mut self, conn: &Connection, req: Request) {
        let resp = if req.method == "shutdown" {
            self.shutting_down = true;
            Response::new_ok(req.id, Value::Null)
        } else if self.shutting_down {
            Response::new_err(
                req.id,
                ErrorCode::InvalidRequest as i32,
                "the server is shutting down".into(),
            )
        } else {
            Response::new_err(
                req.id,
                ErrorCode::MethodNotFound as i32,
                format!("stv2lint does not handle {}", req.method),
            )
        };
        let _ = conn.sender.send(resp.into());
    }

    fn notification(&mut self, n: Notification) -> Option<u8> {
        let p = &n.params;
        match n.method.as_str() {
            "exit" => return Some(if self.shutting_down { 0 } else { 1 }),
            "textDocument/didOpen" => {
                let doc = &p["textDocument"];
                if let (Some(uri), Some(text)) = (uri_of(&doc["uri"]), doc["text"].as_str()) {
                    let version = doc["version"].as_i64().unwrap_or(0) as i32;
                    self.open(uri, text.to_string(), version);
                }
            }
            "textDocument/didChange" => {
                let doc = &p["textDocument"];
                if let Some(uri) = uri_of(&doc["uri"]) {
                    let version = doc["version"].as_i64().unwrap_or(0) as i32;
                    let changes = p["contentChanges"].as_array().cloned().unwrap_or_default();
                    self.change(uri, &changes, version);
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

    fn mark(&mut self, path: &Path) {
        if let Some(dir) = crate::source::canonical(path).parent() {
            self.dirty.insert(dir.to_path_buf());
        }
    }

    fn lint_dirty(&mut self, conn: &Connection) {
        for unit in std::mem::take(&mut self.dirty) {
            self.lint_unit(conn, &unit);
        }
    }

    fn lint_unit(&mut self, conn: &Connection, unit: &Path) {
        let mut opts = CheckOptions::default();
        match crate::config::find(unit).map(|p| crate::config::load(&p)) {
            Some(Ok(cfg)) => cfg.apply(&mut opts),
            Some(Err(e)) => {
                if self.shown_errors.insert(e.clone()) {
                    show_message(conn, 1, &format!("stv2lint: {e}"));
                }
                return;
            }
            None => {}
        }
        opts.overlay = self
            .docs
            .iter()
            .map(|(p, d)| (p.clone(), d.text.clone()))
            .collect();
        let paths = [unit.to_path_buf()];
        let outcome = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            crate::check(&paths, &opts)
        })) {
            Ok(o) => o,
            Err(_) => {
                // A bug must not take the editor's session down with it.
                eprintln!(
                    "stv2lint lsp: internal error while linting {}",
                    unit.display()
                );
                return;
            }
        };

        let mut now: HashMap<String, (Uri, Option<i32>, Vec<lsp_types::Diagnostic>)> =
            HashMap::new();
        for (id, f) in outcome.ws.sources.iter() {
            let canon = crate::source::canonical(&f.path);
            if canon.parent() != Some(unit) {
                continue;
            }
            let (uri, version) = self.uri_for(&canon);
            let diags = to_lsp(&outcome, id, &|fid| {
                self.uri_for(&crate::source::canonical(&outcome.ws.sources.get(fid).path))
                    .0
            });
            now.insert(uri.as_str().to_string(), (uri, version, diags));
        }
        let before = self.published.remove(unit).unwrap_or_default();
        // Files that had diagnostics and are no longer part of the run (excluded, deleted).
        for gone in before.iter().filter(|u| !now.contains_key(*u)) {
            if let Ok(uri) = Uri::from_str(gone) {
                publish(conn, uri, None, Vec::new());
            }
        }
        let mut published = HashSet::new();
        for (key, (uri, version, diags)) in now {
            if diags.is_empty() && !before.contains(&key) {
                continue;
            }
            if !diags.is_empty() {
                published.insert(key);
            }
            publish(conn, uri, version, diags);
        }
        self.published.insert(unit.to_path_buf(), published);
    }

    /// The URI the client knows a file by (its own, for open documents), and the version.
    fn uri_for(&self, canon: &Path) -> (Uri, Option<i32>) {
        match self.docs.get(canon) {
            Some(d) => (d.uri.clone(), Some(d.version)),
            None => (path_to_uri(canon), None),
        }
    }
}

fn publish(
    conn: &Connection,
    uri: Uri,
    version: Option<i32>,
    diagnostics: Vec<lsp_types::Diagnostic>,
) {
    let params = PublishDiagnosticsParams {
        uri,
        diagnostics,
        version,
    };
    let n = Notification::new("textDocument/publishDiagnostics".into(), params);
    let _ = conn.sender.send(n.into());
}

fn show_message(conn: &Connection, kind: u8, message: &str) {
    let n = Notification::new(
        "window/showMessage".into(),
        json!({ "type": kind, "message": message }),
    );
    let _ = conn.sender.send(n.into());
}

fn uri_of(v: &Value) -> Option<Uri> {
    Uri::from_str(v.as_str()?).ok()
}

/// The file behind a `file:` URI, when stv2lint lints that kind of file.
fn lintable_path(uri: &Uri) -> Option<PathBuf> {
    let path = uri_to_path(uri.as_str())?;
    crate::discover::lang_of(&path).map(|_| path)
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
        data: None,
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
