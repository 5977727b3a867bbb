//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.
//!
//! What code scanning needs and what other tools got wrong: every artifact URI is a relative
//! path under `%SRCROOT%` (the working directory) — never empty, never a `git:` URI; every
//! result has a full region; `partialFingerprints` come from the finding's identity (code, file,
//! resource, what is wrong) so an alert keeps its identity when lines move.
//!
//! What code scanning does with the rest decides the shape: it ignores `suppressions` (a
//! suppressed result becomes an open alert), so suppressed findings are left out unless
//! `--sarif-include-suppressed` asks for them; it cuts `fullDescription` at 1,024 characters, so
//! that is a shortened `## What` and the whole page stays in `help`; it links related locations
//! only when the message refers to them (`[text](id)`), so every related location is named in
//! the message; and `automationDetails.id` carries the category (`--sarif-category`) so
//! several uploads in one workflow do not replace each other.

use crate::code::Code;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Workspace;
use crate::rules::{Rule, RULES};
use crate::source::{FileId, Span};
use crate::Outcome;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The base every relative artifact URI is resolved against.
pub const SRCROOT: &str = "%SRCROOT%";
/// Versioned fingerprint name, as the SARIF spec recommends.
pub const FINGERPRINT: &str = "stv2lint/v1";

/// Longest `fullDescription` GitHub code scanning accepts.
pub const FULL_DESCRIPTION_MAX: usize = 1024;

/// What a SARIF report carries besides the findings.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Keep suppressed findings, with `suppressions` (code scanning shows them as open alerts).
    pub include_suppressed: bool,
    /// `automationDetails.id`'s category: a run of this category replaces the previous one.
    pub category: Option<String>,
}

/// The project's home page and the page of a rule there.
pub fn information_uri() -> &'static str {
    env!("CARGO_PKG_REPOSITORY")
}
pub fn rule_uri(code: Code) -> String {
    format!("{}/blob/main/rules/{code}.md", information_uri())
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// The text of a page's `## What` section: the rule's full description.
fn what_section(page: &str) -> Option<String> {
    let mut lines = page.lines().skip_while(|l| l.trim() != "## What").skip(1);
    let mut out = Vec::new();
    for l in lines.by_ref() {
        if l.starts_with("## ") {
            break;
        }
        out.push(l);
    }
    // Plain text: paragraphs unwrapped, so viewers can flow them.
    let text = out
        .join("\n")
        .split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n");
    (!text.is_empty()).then_some(text)
}

/// `text` cut to at most `max` characters at a word boundary, `…` marking the cut.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max - 1).collect();
    let cut = match cut.rfind(char::is_whitespace) {
        Some(i) if i > max / 2 => &cut[..i],
        _ => &cut,
    };
    format!("{}…", cut.trim_end())
}

fn rule_descriptor(r: &Rule) -> Value {
    let what = what_section(r.page).unwrap_or_else(|| r.summary.to_string());
    let full = shorten(&what, FULL_DESCRIPTION_MAX);
    json!({
        "id": r.code,
        "name": r.name,
        "shortDescription": { "text": r.summary },
        "fullDescription": { "text": full },
        "help": { "text": r.page, "markdown": r.page },
        "helpUri": rule_uri(r.code),
        "defaultConfiguration": { "level": level(r.severity) },
        "properties": { "tags": ["azure", "api-management", "network"] },
    })
}

/// Percent-encode a path for a URI, keeping `/` and the unreserved characters.
fn encode_path(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    for b in p.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `file://` URI of an absolute path (a directory gets a trailing `/`).
pub fn file_uri(p: &Path, dir: bool) -> String {
    let mut s = p.to_string_lossy().replace('\\', "/");
    if !s.starts_with('/') {
        s.insert(0, '/');
    }
    if dir && !s.ends_with('/') {
        s.push('/');
    }
    format!("file://{}", encode_path(&s))
}

/// What findings say of each file they name, made once per file (both canonicalise its path)
/// before the findings are rendered on every worker: its artifact location, relative to the
/// source root, and its path for fingerprints.
struct Files {
    root: PathBuf,
    locations: HashMap<FileId, Value>,
    relative: HashMap<FileId, String>,
}

impl Files {
    fn of(o: &Outcome, root: PathBuf) -> Files {
        let mut ids: Vec<FileId> = o
            .diagnostics
            .iter()
            .flat_map(|d| d.span.iter().chain(d.related.iter().map(|r| &r.span)))
            .map(|s| s.file)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let made = crate::parallel::map(&ids, |&id| {
            let location = location(&o.ws, id, &root);
            (
                id,
                location,
                crate::baseline::relative_file(&o.ws, id, &root),
            )
        });
        let mut files = Files {
            root,
            locations: HashMap::with_capacity(made.len()),
            relative: HashMap::with_capacity(made.len()),
        };
        for (id, location, relative) in made {
            files.locations.insert(id, location);
            files.relative.insert(id, relative);
        }
        files
    }

    fn location(&self, span: Span) -> Value {
        self.locations[&span.file].clone()
    }
}

/// A file's artifact location: relative to the source root, else an absolute file URI.
fn location(ws: &Workspace, file: FileId, root: &Path) -> Value {
    let abs = crate::source::canonical(&ws.sources.get(file).path);
    match abs.strip_prefix(root) {
        Ok(rel) if !rel.as_os_str().is_empty() => {
            let rel: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            json!({ "uri": encode_path(&rel.join("/")), "uriBaseId": SRCROOT })
        }
        // Outside the source root: an absolute file URI (still never empty).
        _ => json!({ "uri": file_uri(&abs, false) }),
    }
}

/// A full region; an empty span (a position) is widened to the character there, when the line
/// has one, so viewers have something to highlight.
fn region(ws: &Workspace, span: Span) -> Value {
    let p = super::pos(ws, span);
    let mut end_column = p.end_column;
    if span.is_empty() {
        let f = ws.sources.get(span.file);
        if f.line_text(p.line).chars().count() >= p.column {
            end_column = p.column + 1;
        }
    }
    json!({
        "startLine": p.line,
        "startColumn": p.column,
        "endLine": p.end_line,
        "endColumn": end_column.max(1),
    })
}

/// FNV-1a, 64 bits: a stable hash (std's hashers may change between Rust releases).
fn fnv64(data: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in data {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Stable fingerprint of a finding: code, file, resource and what is wrong — no line numbers.
pub fn fingerprint(code: Code, file: &str, identity: &str) -> String {
    let data = format!("{code}\u{0}{file}\u{0}{identity}");
    // Two differently seeded 64-bit hashes: 128 bits keeps accidental collisions out of reach.
    let a = fnv64(data.as_bytes());
    let b = fnv64(format!("stv2lint\u{0}{data}").as_bytes());
    format!("{a:016x}{b:016x}")
}

/// Plain text for a SARIF message: `[` and `]` escaped, so none reads as an embedded link.
fn escape_message(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// One result; `print` is its fingerprint ([`prepare`]).
fn result(o: &Outcome, d: &Diagnostic, files: &Files, print: &str) -> Value {
    let rule_index = RULES.iter().position(|r| r.code == d.code);
    let mut text = escape_message(&d.message);
    if let Some(h) = &d.help {
        text.push('\n');
        text.push_str(&escape_message(h));
    }
    // Code scanning shows a related location only as a link from the message: name each one.
    if !d.related.is_empty() {
        let links: Vec<String> = d
            .related
            .iter()
            .enumerate()
            .map(|(i, rel)| format!("[{}]({})", escape_message(&rel.message), i + 1))
            .collect();
        text.push_str("\nRelated: ");
        text.push_str(&links.join("; "));
    }
    let mut r = json!({
        "ruleId": d.code,
        "level": level(d.severity),
        "message": { "text": text },
    });
    if let Some(i) = rule_index {
        r["ruleIndex"] = json!(i);
    }
    if let Some(span) = d.span {
        r["locations"] = json!([{
            "physicalLocation": {
                "artifactLocation": files.location(span),
                "region": region(&o.ws, span),
            }
        }]);
    }
    let related: Vec<Value> = d
        .related
        .iter()
        .enumerate()
        .map(|(i, rel)| {
            json!({
                "id": i + 1,
                "physicalLocation": {
                    "artifactLocation": files.location(rel.span),
                    "region": region(&o.ws, rel.span),
                },
                "message": { "text": rel.message },
            })
        })
        .collect();
    if !related.is_empty() {
        r["relatedLocations"] = json!(related);
    }
    r["partialFingerprints"] = json!({ FINGERPRINT: print });
    if let Some(reason) = &d.suppressed {
        r["suppressions"] = json!([{
            "kind": "inSource",
            "status": "accepted",
            "justification": reason,
        }]);
    }
    if let Some(res) = &d.resource {
        r["properties"] = json!({ "resource": res });
    }
    r
}

pub fn to_value(o: &Outcome) -> Value {
    to_value_with(o, &Options::default())
}

pub fn to_value_with(o: &Outcome, opts: &Options) -> Value {
    let (files, prints) = prepare(o);
    let results: Vec<Value> = shown(o, opts, &prints)
        .map(|(d, print)| result(o, &super::cleaned(d), &files, print))
        .collect();
    frame(o, opts, &files.root, Value::Array(results))
}

/// The files findings name, and every finding's fingerprint, in order: counted over every
/// finding, so suppressing one does not renumber another.
fn prepare(o: &Outcome) -> (Files, Vec<String>) {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let files = Files::of(o, crate::source::canonical(&cwd));
    let bases = crate::parallel::map(&o.diagnostics, |d| {
        let d = super::cleaned(d);
        let file = d
            .span
            .map(|s| files.relative[&s.file].as_str())
            .unwrap_or("");
        fingerprint(d.code, file, &crate::baseline::identity_of(&d))
    });
    let mut occurrences: HashMap<&str, usize> = HashMap::new();
    let prints = bases
        .iter()
        .map(|base| {
            let n = occurrences.entry(base.as_str()).or_insert(0);
            *n += 1;
            format!("{base}:{n}")
        })
        .collect();
    (files, prints)
}

/// The findings a report shows, with their fingerprints.
fn shown<'o>(
    o: &'o Outcome,
    opts: &'o Options,
    prints: &'o [String],
) -> impl Iterator<Item = (&'o Diagnostic, &'o String)> {
    o.diagnostics
        .iter()
        .zip(prints)
        .filter(|(d, _)| opts.include_suppressed || d.suppressed.is_none())
}

/// The report around its `results`.
fn frame(o: &Outcome, opts: &Options, root: &Path, results: Value) -> Value {
    let mut notifications: Vec<Value> = o
        .missing
        .iter()
        .map(|m| {
            json!({
                "level": "error",
                "message": { "text": super::clean(&format!("{}: no such file or directory", m.display())) },
            })
        })
        .collect();
    notifications.extend(o.unreadable.iter().map(|(p, why)| {
        json!({
            "level": "error",
            "message": { "text": super::clean(&format!("{}: {why}", p.display())) },
        })
    }));
    let mut doc = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "stv2lint",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": information_uri(),
                    "rules": RULES.iter().map(rule_descriptor).collect::<Vec<_>>(),
                }
            },
            "invocations": [{
                "executionSuccessful": !o.incomplete(),
                "toolExecutionNotifications": notifications,
            }],
            "originalUriBaseIds": {
                SRCROOT: { "uri": file_uri(root, true) }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    if let Some(c) = opts.category.as_deref().filter(|c| !c.is_empty()) {
        // GitHub reads the category as everything up to the last `/` of the id.
        let id = if c.ends_with('/') {
            c.to_string()
        } else {
            format!("{c}/")
        };
        doc["runs"][0]["automationDetails"] = json!({ "id": id });
    }
    doc
}

pub fn render(o: &Outcome, out: &mut dyn Write) -> std::io::Result<()> {
    render_with(o, &Options::default(), out)
}

/// Written as [`to_value_with`] prints, streamed ([`super::stream`]).
pub fn render_with(o: &Outcome, opts: &Options, out: &mut dyn Write) -> std::io::Result<()> {
    write(o, opts, out, super::stream::CHUNK)
}

fn write(o: &Outcome, opts: &Options, out: &mut dyn Write, chunk: usize) -> std::io::Result<()> {
    let (files, prints) = prepare(o);
    let doc = frame(o, opts, &files.root, super::stream::mark());
    let (before, after) = super::stream::frame(&doc, "results")?;
    let shown: Vec<(&Diagnostic, &String)> = shown(o, opts, &prints).collect();
    out.write_all(&before)?;
    // `runs[0].results`: the items are four levels deep.
    super::stream::array(out, 4, &shown, chunk, |(d, print), item| {
        item.print(&result(o, &super::cleaned(d), &files, print))
    })?;
    out.write_all(&after)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The streamed report is the report printed as one value, on any number of workers and
    /// chunks: with and without suppressed findings, a category, repeated fingerprints, and
    /// no finding at all.
    #[test]
    fn the_report_in_chunks_is_the_report_in_one_piece() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/broken-apim");
        let mut o = crate::check(std::slice::from_ref(&dir), &crate::CheckOptions::default());
        assert!(o.diagnostics.len() > 4, "several chunks of findings");
        let mut again = o.diagnostics[0].clone();
        o.diagnostics.push(again.clone());
        again.suppressed = Some("accepted".into());
        o.diagnostics.push(again);
        let empty = crate::check(&[], &crate::CheckOptions::default());
        let pool = crate::parallel::pool(3).unwrap();
        let category = Options {
            include_suppressed: true,
            category: Some("infra".into()),
        };
        for opts in [Options::default(), category] {
            for o in [&o, &empty] {
                let whole = serde_json::to_string_pretty(&to_value_with(o, &opts)).unwrap() + "\n";
                for chunk in [1, 2, 256] {
                    let mut out = Vec::new();
                    pool.install(|| write(o, &opts, &mut out, chunk)).unwrap();
                    assert_eq!(String::from_utf8(out).unwrap(), whole, "chunks of {chunk}");
                }
            }
        }
    }

    #[test]
    fn paths_are_percent_encoded() {
        assert_eq!(
            encode_path("infra/my file#1.json"),
            "infra/my%20file%231.json"
        );
        assert_eq!(
            file_uri(Path::new("/w/a b"), true),
            "file:///w/a%20b/".to_string()
        );
    }

    #[test]
    fn fingerprints_ignore_nothing_but_are_stable() {
        let a = fingerprint(Code::Stv202, "a.json", "nsg|inbound 3443");
        assert_eq!(a, fingerprint(Code::Stv202, "a.json", "nsg|inbound 3443"));
        assert_ne!(a, fingerprint(Code::Stv203, "a.json", "nsg|inbound 3443"));
        assert_ne!(a, fingerprint(Code::Stv202, "b.json", "nsg|inbound 3443"));
        assert_eq!(a.len(), 32);
    }

    #[test]
    fn long_text_is_shortened_at_a_word() {
        let long = "word ".repeat(400);
        let s = shorten(&long, FULL_DESCRIPTION_MAX);
        assert!(s.chars().count() <= FULL_DESCRIPTION_MAX);
        assert!(s.ends_with("word…"), "{s}");
        assert_eq!(shorten("short", 10), "short");
        assert_eq!(escape_message("a [b] c\\"), "a \\[b\\] c\\\\");
    }

    #[test]
    fn what_section_is_the_full_description() {
        let page = "# STV9 x\n\n## What\n\nA thing.\nMore.\n\n## Why\n\nBecause.\n";
        assert_eq!(what_section(page).as_deref(), Some("A thing. More."));
        assert_eq!(what_section("# STV9 x\n"), None);
    }
}
