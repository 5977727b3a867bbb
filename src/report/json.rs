//! `--format json`: the contract of DESIGN.md §6 (add fields, never rename).
//!
//! The report is serialised straight from borrowed structs rather than built as a
//! `serde_json::Value` first: on a run with tens of thousands of findings the intermediate tree
//! cost more than the writing. Fields are declared in alphabetical order, the order the
//! `Value` form (a sorted map) always printed them in, so the output is unchanged.

use crate::diagnostic::Diagnostic;
use crate::Outcome;
use serde::Serialize;
use std::io::Write;

/// The whole report, which [`render`] writes in pieces in the same form (its test prints it).
#[cfg(test)]
#[derive(Serialize)]
struct Report<'a> {
    diagnostics: Vec<Diag<'a>>,
    summary: Summary,
    version: u32,
}

#[derive(Serialize)]
struct Diag<'a> {
    code: crate::code::Code,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<usize>,
    /// The deployments (Terraform root, Bicep entry, parameter file of a stage) the finding
    /// was reached in; absent for findings about files rather than deployments.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    deployments: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    message: &'a str,
    name: &'static str,
    related: Vec<Related<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource: Option<&'a str>,
    severity: &'static str,
}

#[derive(Serialize)]
struct Related<'a> {
    column: usize,
    file: String,
    line: usize,
    message: &'a str,
}

#[derive(Serialize)]
struct Summary {
    errors: usize,
    files: usize,
    infos: usize,
    instances: usize,
    instances_undecided: usize,
    warnings: usize,
}

fn diag<'a>(o: &Outcome, d: &'a Diagnostic) -> Diag<'a> {
    let p = d.span.map(|span| super::pos(&o.ws, span));
    Diag {
        code: d.code,
        column: p.as_ref().map(|p| p.column),
        deployments: &d.deployments,
        end_column: p.as_ref().map(|p| p.end_column),
        end_line: p.as_ref().map(|p| p.end_line),
        help: d.help.as_deref(),
        line: p.as_ref().map(|p| p.line),
        file: p.map(|p| p.file),
        message: &d.message,
        name: crate::rules::rule(d.code).name,
        related: d
            .related
            .iter()
            .map(|r| {
                let p = super::pos(&o.ws, r.span);
                Related {
                    column: p.column,
                    file: p.file,
                    line: p.line,
                    message: &r.message,
                }
            })
            .collect(),
        resource: d.resource.as_deref(),
        severity: d.severity.as_str(),
    }
}

fn summary(o: &Outcome) -> Summary {
    let s = super::summary(o);
    Summary {
        errors: s.errors,
        files: s.files,
        infos: s.infos,
        instances: s.instances,
        instances_undecided: s.instances_undecided,
        warnings: s.warnings,
    }
}

/// How many findings one worker serialises at a time.
const CHUNK: usize = 512;

pub fn render(o: &Outcome, out: &mut dyn Write) -> std::io::Result<()> {
    write(o, out, CHUNK)
}

fn write(o: &Outcome, out: &mut dyn Write, chunk: usize) -> std::io::Result<()> {
    // Each finding is cleaned (control characters; see `super::shown`) and serialised on its
    // own, on every worker, then written in order (a few chunks at a time, so the report is
    // never all in memory) inside the frame `serde_json::to_writer_pretty` gives the whole
    // `Report` (a test holds the two equal): an item of the `diagnostics` array is indented by
    // four spaces.
    let active: Vec<&Diagnostic> = o.active().collect();
    let chunks: Vec<&[&Diagnostic]> = active.chunks(chunk).collect();
    out.write_all(b"{\n  \"diagnostics\": [")?;
    let mut first = true;
    crate::parallel::map_into(
        &chunks,
        |chunk| {
            let mut buf = Vec::new();
            for d in chunk.iter() {
                buf.extend_from_slice(b",\n    ");
                let d = super::cleaned(d);
                let one = serde_json::to_vec_pretty(&diag(o, &d)).map_err(std::io::Error::from)?;
                indent_into(&mut buf, &one, b"    ");
            }
            Ok::<_, std::io::Error>(buf)
        },
        |buf| {
            let buf = buf?;
            // Items are separated by commas: the first one has none before it.
            let from = if std::mem::take(&mut first) { 1 } else { 0 };
            out.write_all(&buf[from.min(buf.len())..])
        },
    )?;
    if !active.is_empty() {
        out.write_all(b"\n  ")?;
    }
    out.write_all(b"],\n  \"summary\": ")?;
    let s = serde_json::to_vec_pretty(&summary(o)).map_err(std::io::Error::from)?;
    let mut buf = Vec::with_capacity(s.len() + s.len() / 8);
    indent_into(&mut buf, &s, b"  ");
    out.write_all(&buf)?;
    writeln!(out, ",\n  \"version\": 1\n}}")
}

/// Pretty JSON nested one level deeper, appended to `out`: `indent` after every line break.
/// JSON strings never hold a raw line break, so this is exact.
pub(super) fn indent_into(out: &mut Vec<u8>, json: &[u8], indent: &[u8]) {
    let mut lines = json.split(|&b| b == b'\n');
    if let Some(first) = lines.next() {
        out.extend_from_slice(first);
    }
    for line in lines {
        out.push(b'\n');
        out.extend_from_slice(indent);
        out.extend_from_slice(line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The report as one `serde_json` value would print it.
    fn whole(o: &Outcome) -> String {
        let shown: Vec<std::borrow::Cow<'_, Diagnostic>> = super::super::shown(o).collect();
        let report = Report {
            diagnostics: shown.iter().map(|d| diag(o, d)).collect(),
            summary: summary(o),
            version: 1,
        };
        serde_json::to_string_pretty(&report).unwrap() + "\n"
    }

    fn rendered(o: &Outcome) -> String {
        let mut out = Vec::new();
        write(o, &mut out, 2).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_report_in_chunks_is_the_report_in_one_piece() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/broken-apim");
        let opts = crate::CheckOptions::default();
        let o = crate::check(std::slice::from_ref(&dir), &opts);
        assert!(o.active().count() > 4, "several chunks of findings");
        assert!(o.active().any(|d| !d.related.is_empty()), "nested lists");
        let pool = crate::parallel::pool(3).unwrap();
        assert_eq!(pool.install(|| rendered(&o)), whole(&o));
        // No finding: an empty array, as serde_json prints it.
        let empty = crate::check(&[], &opts);
        assert_eq!(empty.active().count(), 0);
        assert_eq!(rendered(&empty), whole(&empty));
        assert!(rendered(&empty).contains("\"diagnostics\": [],"));
    }
}
