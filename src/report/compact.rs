//! `file:line:col: severity[CODE] message`, one per line, for editors' problem matchers.

use crate::Outcome;
use std::io::Write;

pub fn render(o: &Outcome, out: &mut dyn Write) -> std::io::Result<()> {
    for d in super::shown(o) {
        match d.span {
            Some(span) => {
                let p = super::pos(&o.ws, span);
                writeln!(
                    out,
                    "{}:{}:{}: {}[{}] {}",
                    p.file,
                    p.line,
                    p.column,
                    d.severity,
                    d.code,
                    one_line(&d.message)
                )?;
            }
            None => writeln!(
                out,
                "-:1:1: {}[{}] {}",
                d.severity,
                d.code,
                one_line(&d.message)
            )?,
        }
    }
    Ok(())
}

/// One finding per line: a newline from a file's value must not start a fake finding.
fn one_line(s: &str) -> String {
    s.replace('\n', "\\n")
}
