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
    instances_not_deployed: usize,
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
        instances_not_deployed: s.instances_not_deployed,
        instances_undecided: s.instances_undecided,
        warnings: s.warnings,
    }
}

pub fn render(o: &Outcome, out: &mut dyn Write) -> std::io::Result<()> {
    write(o, out, super::stream::CHUNK)
}

/// Streamed ([`super::stream`]); each finding is cleaned (control characters; see
/// `super::shown`) on the worker that prints it.
fn write(o: &Outcome, out: &mut dyn Write, chunk: usize) -> std::io::Result<()> {
    let active: Vec<&Diagnostic> = o.active().collect();
    out.write_all(b"{\n  \"diagnostics\": ")?;
    super::stream::array(out, 2, &active, chunk, |d, item| {
        item.print(&diag(o, &super::cleaned(d)))
    })?;
    out.write_all(b",\n  \"summary\": ")?;
    let mut buf = Vec::new();
    super::stream::pretty_into(&mut buf, 1, &summary(o))?;
    out.write_all(&buf)?;
    writeln!(out, ",\n  \"version\": 1\n}}")
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
