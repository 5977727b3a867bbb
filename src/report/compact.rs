//! `file:line:col: severity[CODE] message`, one per line, for editors' problem matchers.

use crate::Outcome;
use std::io::Write;

pub fn render(o: &Outcome, out: &mut dyn Write) -> std::io::Result<()> {
    for d in o.active() {
        match d.span {
            Some(span) => {
                let p = super::pos(&o.ws, span);
                writeln!(
                    out,
                    "{}:{}:{}: {}[{}] {}",
                    p.file, p.line, p.column, d.severity, d.code, d.message
                )?;
            }
            None => writeln!(out, "-:1:1: {}[{}] {}", d.severity, d.code, d.message)?,
        }
    }
    Ok(())
}
