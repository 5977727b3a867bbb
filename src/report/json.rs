//! `--format json`: the contract of DESIGN.md §6 (add fields, never rename).

use crate::Outcome;
use serde_json::{json, Value};
use std::io::Write;

pub fn to_value(o: &Outcome) -> Value {
    let diags: Vec<Value> = super::shown(o)
        .map(|d| {
            let mut v = json!({
                "code": d.code,
                "name": crate::rules::rule(d.code).name,
                "severity": d.severity.as_str(),
                "message": d.message,
            });
            if let Some(span) = d.span {
                let p = super::pos(&o.ws, span);
                v["file"] = json!(p.file);
                v["line"] = json!(p.line);
                v["column"] = json!(p.column);
                v["end_line"] = json!(p.end_line);
                v["end_column"] = json!(p.end_column);
            }
            if let Some(r) = &d.resource {
                v["resource"] = json!(r);
            }
            // The deployments (Terraform root, Bicep entry, parameter file of a stage) the
            // finding was reached in; absent for findings about files rather than deployments.
            if !d.deployments.is_empty() {
                v["deployments"] = json!(d.deployments);
            }
            if let Some(h) = &d.help {
                v["help"] = json!(h);
            }
            let related: Vec<Value> = d
                .related
                .iter()
                .map(|r| {
                    let p = super::pos(&o.ws, r.span);
                    json!({"file": p.file, "line": p.line, "column": p.column, "message": r.message})
                })
                .collect();
            v["related"] = json!(related);
            v
        })
        .collect();
    let s = super::summary(o);
    json!({
        "version": 1,
        "diagnostics": diags,
        "summary": {
            "files": s.files, "errors": s.errors, "warnings": s.warnings, "infos": s.infos,
            "instances": s.instances, "instances_undecided": s.instances_undecided,
        },
    })
}

pub fn render(o: &Outcome, out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &to_value(o))?;
    writeln!(out)
}
