//! `--format github`: one GitHub Actions workflow command per finding, so findings show as
//! annotations on the pull request's diff without any upload step.
//!
//! `::error file=infra/nsg.tf,line=4,endLine=30,title=STV202 inbound-management-3443::message`
//!
//! Columns are given only for single-line spans: GitHub rejects `col`/`endColumn` when `line`
//! and `endLine` differ (the toolkit's `AnnotationProperties` say so).

use crate::diagnostic::Severity;
use crate::Outcome;
use std::io::Write;

/// Escape a command's data (the message): `%`, CR and LF.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a property value: the data escapes plus `:` and `,`, which delimit properties.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(o: &Outcome, out: &mut dyn Write) -> std::io::Result<()> {
    for d in super::shown(o) {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut props = Vec::new();
        if let Some(span) = d.span {
            let p = super::pos(&o.ws, span);
            props.push(format!(
                "file={}",
                escape_property(&p.file.replace('\\', "/"))
            ));
            props.push(format!("line={}", p.line));
            if p.end_line == p.line {
                props.push(format!("col={}", p.column));
                props.push(format!("endLine={}", p.end_line));
                props.push(format!("endColumn={}", p.end_column.max(p.column)));
            } else {
                props.push(format!("endLine={}", p.end_line));
            }
        }
        let name = crate::rules::rule(d.code).name;
        props.push(format!(
            "title={}",
            escape_property(format!("{} {}", d.code, name).trim())
        ));
        let mut message = d.message.clone();
        if let Some(h) = &d.help {
            message.push('\n');
            message.push_str(h);
        }
        writeln!(
            out,
            "::{command} {}::{}",
            props.join(","),
            escape_data(&message)
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_follow_the_workflow_command_rules() {
        assert_eq!(escape_data("50% of a\r\nb"), "50%25 of a%0D%0Ab");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
        // Data keeps `:` and `,` as they are.
        assert_eq!(escape_data("a:b,c"), "a:b,c");
    }
}
