//! miette's graphical report. miette's default `SourceCode` for strings rescans the file from
//! the start for every diagnostic; [`Indexed`] answers from the precomputed line index instead,
//! so rendering thousands of diagnostics stays linear.

use crate::diagnostic::{Diagnostic, Severity};
use crate::source::SourceFile;
use crate::Outcome;
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use std::fmt;
use std::io::{IsTerminal, Write};

/// A source file seen through its line index.
pub struct Indexed<'a>(pub &'a SourceFile);

impl SourceCode for Indexed<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let f = self.0;
        let len = f.text.len();
        let start = span.offset().min(len);
        let end = (span.offset() + span.len()).min(len).max(start);
        let (l0, _) = f.line_col(start as u32);
        let (l1, _) = f.line_col(end as u32);
        let first = l0.saturating_sub(before).max(1);
        let last = (l1 + after).min(f.line_count());
        let from = f.line_start(first).unwrap_or(0);
        let to = f
            .line_start(last + 1)
            .map(|o| o.saturating_sub(1))
            .unwrap_or(len)
            .max(from);
        let data = &f.text.as_bytes()[from..to];
        Ok(Box::new(MietteSpanContents::new_named(
            f.display.clone(),
            data,
            SourceSpan::new(from.into(), to - from),
            first - 1,
            0,
            last - first + 1,
        )))
    }
}

/// One diagnostic as miette sees it.
struct Report<'a> {
    d: &'a Diagnostic,
    src: Option<Indexed<'a>>,
    labels: Vec<LabeledSpan>,
    related: Vec<Report<'a>>,
    text: String,
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}
impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}
impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        if self.d.code.is_empty() {
            None
        } else {
            Some(Box::new(self.d.code))
        }
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.d
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.src.as_ref().map(|s| s as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }
    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        if self.related.is_empty() {
            None
        } else {
            Some(Box::new(
                self.related.iter().map(|r| r as &dyn miette::Diagnostic),
            ))
        }
    }
}

static NOTE: Diagnostic = Diagnostic {
    code: "",
    severity: Severity::Info,
    message: String::new(),
    span: None,
    resource: None,
    help: None,
    related: Vec::new(),
    identity: String::new(),
    suppressed: None,
};

/// A label for a span; a declaration spanning many lines is shown by its first line only, so a
/// related NSG does not print the whole NSG.
fn label_span(o: &Outcome, span: crate::source::Span) -> SourceSpan {
    let f = o.ws.sources.get(span.file);
    let (l0, _) = f.line_col(span.start);
    let (l1, _) = f.line_col(span.end);
    let mut end = span.end as usize;
    if l1 > l0 + 2 {
        // A first line that is only a brace says nothing: show the next one too.
        let first = f.text[span.start as usize..]
            .lines()
            .next()
            .unwrap_or("")
            .trim();
        let lines = if first.len() <= 2 { 2 } else { 1 };
        let line_end = f
            .line_start(l0 + lines)
            .map(|e| e.saturating_sub(1))
            .unwrap_or(f.text.len());
        end = line_end.max(span.start as usize);
        // Trim the line ending and trailing blanks.
        while end > span.start as usize
            && f.text
                .as_bytes()
                .get(end - 1)
                .is_some_and(|b| b.is_ascii_whitespace())
        {
            end -= 1;
        }
    }
    SourceSpan::new((span.start as usize).into(), end - span.start as usize)
}

fn build<'a>(o: &'a Outcome, d: &'a Diagnostic) -> Report<'a> {
    let mut labels = Vec::new();
    let mut related = Vec::new();
    let src = d.span.map(|s| Indexed(o.ws.sources.get(s.file)));
    if let Some(span) = d.span {
        let label = d.resource.clone();
        labels.push(LabeledSpan::new_primary_with_span(
            label,
            label_span(o, span),
        ));
    }
    for r in &d.related {
        let ss = label_span(o, r.span);
        if d.span.is_some_and(|s| s.file == r.span.file) {
            labels.push(LabeledSpan::new_with_span(Some(r.message.clone()), ss));
        } else {
            related.push(Report {
                d: &NOTE,
                src: Some(Indexed(o.ws.sources.get(r.span.file))),
                labels: vec![LabeledSpan::new_with_span(Some(r.message.clone()), ss)],
                related: Vec::new(),
                text: r.message.clone(),
            });
        }
    }
    let text = match d.span {
        Some(span) => {
            let p = super::pos(&o.ws, span);
            format!("{} ({}:{}:{})", d.message, p.file, p.line, p.column)
        }
        None => d.message.clone(),
    };
    Report {
        d,
        src,
        labels,
        related,
        text,
    }
}

pub fn render(o: &Outcome, out: &mut dyn Write) -> std::io::Result<()> {
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_context_lines(1)
        .with_width(110);
    let mut buf = String::new();
    for d in o.active() {
        buf.clear();
        let report = build(o, d);
        if handler.render_report(&mut buf, &report).is_err() {
            buf = format!("{}[{}] {}\n", d.severity, d.code, report.text);
        }
        out.write_all(buf.as_bytes())?;
        writeln!(out)?;
    }
    let s = super::summary(o);
    writeln!(
        out,
        "{} file{} checked: {} error{}, {} warning{}, {} info{}",
        s.files,
        plural(s.files),
        s.errors,
        plural(s.errors),
        s.warnings,
        plural(s.warnings),
        s.infos,
        plural(s.infos)
    )?;
    writeln!(out, "{}", super::instances_line(&s))
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
