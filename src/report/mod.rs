//! Renderers over one diagnostic list (the command-line driver that calls them is [`crate::driver`]).
//! Renderers know nothing of rules or front ends: they see diagnostics and sources.

pub mod compact;
pub mod explain;
pub mod github;
pub mod human;
pub mod json;
pub mod sarif;
mod stream;

use crate::cli::OutputFormat;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Workspace;
use crate::source::Span;
use crate::Outcome;
use std::borrow::Cow;
use std::io::Write;

/// A resolved position for renderers: file as displayed, 1-based line/column, end.
pub struct Pos {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

pub fn pos(ws: &Workspace, span: Span) -> Pos {
    let f = ws.sources.get(span.file);
    let (line, column) = f.line_col(span.start);
    let (end_line, end_column) = f.line_col(span.end);
    Pos {
        file: clean_path(&f.display).into_owned(),
        line,
        column,
        end_line,
        end_column,
    }
}

/// Text that came from files (names, values, paths), safe to print: control characters — C0
/// but tab and newline, DEL, C1 — and the bidirectional overrides that reorder what a reader
/// sees are written as `\u{1b}`, so no file can move the cursor, clear the screen or hide code
/// on the terminal or page that shows the report. Every renderer prints through this.
pub fn clean(s: &str) -> Cow<'_, str> {
    if s.len() > MAX_TEXT {
        // A value of megabytes (a 2 MB name, 100,000 zones) is shown by its start.
        let cut = (0..=MAX_TEXT)
            .rev()
            .find(|&i| s.is_char_boundary(i))
            .unwrap_or(0);
        let rest = s[cut..].chars().count();
        return Cow::Owned(format!(
            "{}… ({rest} more characters)",
            clean_within(&s[..cut])
        ));
    }
    clean_within(s)
}

/// The longest text a report prints whole (bytes); longer ones are cut with a count.
pub const MAX_TEXT: usize = 4096;

fn clean_within(s: &str) -> Cow<'_, str> {
    fn hostile(c: char) -> bool {
        (c.is_control() && c != '\t' && c != '\n')
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    }
    // Nearly every text is printable ASCII: a byte scan settles it without decoding.
    let plain = |b: &u8| (0x20..0x7f).contains(b) || *b == b'\t' || *b == b'\n';
    if s.bytes().all(|b| plain(&b)) || !s.chars().any(hostile) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if hostile(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A file's path, safe to print on one line: [`clean`], and a newline or tab in a file name
/// escaped too (a name with a newline could start a line the CI reads as a command).
pub fn clean_path(s: &str) -> Cow<'_, str> {
    match clean(s) {
        c if !c.contains(['\n', '\t']) => c,
        c => Cow::Owned(c.replace('\n', "\\n").replace('\t', "\\t")),
    }
}

/// A diagnostic with every text that may come from a file [cleaned](clean); the identity (what
/// baselines and fingerprints hash) is kept as it is.
pub fn cleaned(d: &Diagnostic) -> Cow<'_, Diagnostic> {
    let dirty = |s: &str| matches!(clean(s), Cow::Owned(_));
    let any = dirty(&d.message)
        || d.resource.as_deref().is_some_and(dirty)
        || d.label.as_deref().is_some_and(dirty)
        || d.help.as_deref().is_some_and(dirty)
        || d.suppressed.as_deref().is_some_and(dirty)
        || d.related.iter().any(|r| dirty(&r.message));
    if !any {
        return Cow::Borrowed(d);
    }
    let c = |s: &String| clean(s).into_owned();
    let mut d = d.clone();
    d.message = c(&d.message);
    d.resource = d.resource.as_ref().map(c);
    d.label = d.label.as_ref().map(c);
    d.help = d.help.as_deref().map(|h| clean(h).into());
    d.suppressed = d.suppressed.as_ref().map(c);
    for r in &mut d.related {
        r.message = c(&r.message);
    }
    Cow::Owned(d)
}

/// The active diagnostics, [cleaned](cleaned), in order: what renderers print.
pub fn shown(o: &Outcome) -> impl Iterator<Item = Cow<'_, Diagnostic>> {
    o.active().map(cleaned)
}

/// Counts of active (not suppressed) diagnostics.
pub struct Summary {
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// API Management instances found, and how many have a check left undecided.
    pub instances: usize,
    pub instances_undecided: usize,
    /// Declared instances these inputs do not deploy.
    pub instances_not_deployed: usize,
}

pub fn summary(o: &Outcome) -> Summary {
    let count = |s| o.active().filter(|d| d.severity == s).count();
    Summary {
        files: o.files,
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
        infos: count(Severity::Info),
        instances: o.instances.found,
        instances_undecided: o.instances.undecided,
        instances_not_deployed: o.instances.not_deployed,
    }
}

/// `3 API Management instances: 2 fully checked, 1 partly (see STV002)`, or that none was
/// found: a run never passes in silence.
pub fn instances_line(s: &Summary) -> String {
    let line = checked_line(s);
    match (s.instances, s.instances_not_deployed) {
        (_, 0) => line,
        (0, 1) => "no API Management instance deployed with these inputs: 1 declared is switched off (see STV006)".to_string(),
        (0, n) => format!("no API Management instance deployed with these inputs: {n} declared are switched off (see STV006)"),
        (_, n) => format!("{line}; {n} more declared but not deployed with these inputs (see STV006)"),
    }
}

fn checked_line(s: &Summary) -> String {
    match (s.instances, s.instances_undecided) {
        (0, _) => "no API Management instance found".to_string(),
        (1, 0) => "1 API Management instance: fully checked".to_string(),
        (1, _) => "1 API Management instance: partly checked (see STV002)".to_string(),
        (n, 0) => format!("{n} API Management instances: all fully checked"),
        (n, u) => format!(
            "{n} API Management instances: {} fully checked, {u} partly (see STV002)",
            n - u
        ),
    }
}

/// Render in the chosen format.
pub fn render(format: OutputFormat, o: &Outcome, out: &mut dyn Write) -> std::io::Result<()> {
    render_with(format, o, &sarif::Options::default(), out)
}

/// [`render`] with the SARIF options of the command line.
pub fn render_with(
    format: OutputFormat,
    o: &Outcome,
    sarif_opts: &sarif::Options,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        OutputFormat::Human => human::render(o, out),
        OutputFormat::Compact => compact::render(o, out),
        OutputFormat::Json => json::render(o, out),
        OutputFormat::Sarif => sarif::render_with(o, sarif_opts, out),
        OutputFormat::Github => github::render(o, out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_escapes_what_moves_the_cursor_or_reorders_text() {
        assert!(matches!(clean("plain ç\ttab\nline"), Cow::Borrowed(_)));
        assert!(matches!(clean(" ascii ~ only "), Cow::Borrowed(_)));
        assert_eq!(clean("\u{7f} after ~"), "\\u{7f} after ~");
        assert_eq!(clean("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(clean("\r\u{7}\u{7f}\u{9b}"), "\\u{d}\\u{7}\\u{7f}\\u{9b}");
        assert_eq!(clean("x\u{202e}y"), "x\\u{202e}y");
        // Cleaning twice changes nothing more.
        let once = clean("\u{1b}").into_owned();
        assert_eq!(clean(&once), once);
    }

    #[test]
    fn a_huge_text_is_shown_by_its_start() {
        let long = "é".repeat(MAX_TEXT);
        let c = clean(&long);
        assert!(c.len() < MAX_TEXT + 64, "{}", c.len());
        assert!(
            c.ends_with(&format!("… ({} more characters)", MAX_TEXT / 2)),
            "{}",
            &c[c.len() - 40..]
        );
        assert!(matches!(clean(&"x".repeat(MAX_TEXT)), Cow::Borrowed(_)));
    }

    #[test]
    fn a_path_stays_on_its_line() {
        assert!(matches!(clean_path("infra/main.tf"), Cow::Borrowed(_)));
        assert_eq!(
            clean_path("a\n::error::b\tc\u{1b}.tf"),
            "a\\n::error::b\\tc\\u{1b}.tf"
        );
    }

    #[test]
    fn the_instances_line_names_instances_switched_off_by_the_inputs() {
        let s = |instances, instances_undecided, instances_not_deployed| Summary {
            files: 1,
            errors: 0,
            warnings: 0,
            infos: 0,
            instances,
            instances_undecided,
            instances_not_deployed,
        };
        assert_eq!(
            instances_line(&s(0, 0, 0)),
            "no API Management instance found"
        );
        assert!(instances_line(&s(0, 0, 1))
            .starts_with("no API Management instance deployed with these inputs: 1 declared"));
        assert_eq!(
            instances_line(&s(2, 1, 3)),
            "2 API Management instances: 1 fully checked, 1 partly (see STV002); 3 more declared but not deployed with these inputs (see STV006)"
        );
    }
}
