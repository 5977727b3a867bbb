//! `--format json`: the contract of DESIGN.md §6 (add fields, never rename).
//!
//! The report is serialised straight from borrowed structs rather than built as a
//! `serde_json::Value` first: on a run with tens of thousands of findings the intermediate tree
//! cost more than the writing. Fields are declared in alphabetical order, the order the
//! `Value` form (a sorted map) always printed them in, so the output is unchanged.

use crate::diagnostic::Diagnostic;
use crate::Outcome;
use serde::Serialize;
use std::borrow::Cow;
use std::io::Write;

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

fn report<'a>(o: &Outcome, shown: &'a [Cow<'a, Diagnostic>]) -> Report<'a> {
    let diagnostics = shown
        .iter()
        .map(|d| {
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
        })
        .collect();
    let s = super::summary(o);
    Report {
        diagnostics,
        summary: Summary {
            errors: s.errors,
            files: s.files,
            infos: s.infos,
            instances: s.instances,
            instances_undecided: s.instances_undecided,
            warnings: s.warnings,
        },
        version: 1,
    }
}

pub fn render(o: &Outcome, out: &mut dyn Write) -> std::io::Result<()> {
    // The findings as shown (control characters cleaned), borrowed by the report.
    let shown: Vec<Cow<'_, Diagnostic>> = super::shown(o).collect();
    serde_json::to_writer_pretty(&mut *out, &report(o, &shown))?;
    writeln!(out)
}
