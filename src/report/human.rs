//! miette's graphical report, over a *view* of the source rather than the file itself.
//!
//! The view holds only the lines a diagnostic shows, each cut to a window around its labels and
//! [cleaned](super::clean) of control characters: a minified 1 MB template shows ~240
//! characters around the finding (miette cannot place a label past column 65,535 and would
//! panic), a file's escape sequences never reach the terminal, and any span — empty, past the
//! end, across lines, inside a character — maps to a place in the view.

use crate::diagnostic::{Diagnostic, Severity};
use crate::source::{SourceFile, Span};
use crate::Outcome;
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use std::collections::BTreeMap;
use std::fmt;
use std::io::{IsTerminal, Write};

/// Characters of a line shown around the labels on it, at most (a narrower terminal shows
/// fewer: see [`text_columns`]).
const WINDOW: usize = 240;
/// Characters shown before the first label of a long line.
const LEAD: usize = 80;

/// One shown line: its window of the real line, cleaned, and where each kept byte went.
struct ViewLine {
    text: String,
    /// (byte offset in the real line, byte offset in `text`), ascending; ends with the window end.
    map: Vec<(usize, usize)>,
}

/// The lines of one file a diagnostic shows, windowed and cleaned.
pub struct View {
    name: String,
    /// 0-based real line number of the view's first line.
    base: usize,
    text: String,
    /// Byte offset in `text` of each view line.
    starts: Vec<usize>,
    /// Where each shown span starts in the view, and its real 0-based line and column: miette
    /// names the primary label's place in the snippet header, and the real one is wanted there.
    origins: Vec<(usize, usize, usize)>,
}

impl View {
    /// A view of `f` showing `spans` (byte ranges) with one line of context around each.
    /// Returns the view and each span's place in it.
    fn new(f: &SourceFile, spans: &[Span], width: usize) -> (View, Vec<SourceSpan>) {
        let len = f.text.len();
        let fix = |o: u32| {
            let mut o = (o as usize).min(len);
            while !f.text.is_char_boundary(o) {
                o -= 1;
            }
            o
        };
        // Real line (0-based) → byte columns in it that a label starts or ends at.
        let mut points: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        let mut ends = Vec::new();
        for s in spans {
            let (a, b) = (fix(s.start), fix(s.end.max(s.start)));
            let mut pair = Vec::new();
            for o in [a, b] {
                let (l, _) = f.line_col(o as u32);
                let ls = f.line_start(l).unwrap_or(0);
                points.entry(l - 1).or_default().push(o - ls);
                pair.push((l - 1, o - ls));
            }
            ends.push((pair[0], pair[1]));
        }
        let mut wanted: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        let last_line = f.line_count().saturating_sub(1);
        for (&l, cols) in &points {
            wanted.entry(l).or_default().extend(cols.iter().copied());
            if l > 0 {
                wanted.entry(l - 1).or_default();
            }
            if l < last_line {
                wanted.entry(l + 1).or_default();
            }
        }
        let base = wanted.keys().next().copied().unwrap_or(0);
        let top = wanted.keys().next_back().copied().unwrap_or(0);
        let mut lines: Vec<Option<ViewLine>> = (base..=top).map(|_| None).collect();
        for (&l, cols) in &wanted {
            lines[l - base] = Some(window(f.line_text(l + 1), cols, width));
        }
        let mut text = String::new();
        let mut starts = Vec::with_capacity(lines.len());
        for (i, vl) in lines.iter().enumerate() {
            if i > 0 {
                text.push('\n');
            }
            starts.push(text.len());
            if let Some(vl) = vl {
                text.push_str(&vl.text);
            }
        }
        let place = |(l, col): (usize, usize)| -> usize {
            let Some(Some(vl)) = lines.get(l - base) else {
                return starts.get(l - base).copied().unwrap_or(0);
            };
            let i = vl.map.partition_point(|&(orig, _)| orig <= col);
            let new = if i == 0 { vl.map[0].1 } else { vl.map[i - 1].1 };
            starts[l - base] + new
        };
        let placed: Vec<SourceSpan> = ends
            .into_iter()
            .map(|(a, b)| {
                let (x, y) = (place(a), place(b));
                SourceSpan::new(x.into(), y.max(x) - x)
            })
            .collect();
        let origins = spans
            .iter()
            .zip(&placed)
            .map(|(s, at)| {
                let (l, c) = f.line_col(s.start);
                (at.offset(), l - 1, c - 1)
            })
            .collect();
        let view = View {
            name: super::clean_path(&f.display).into_owned(),
            base,
            text,
            starts,
            origins,
        };
        (view, placed)
    }

    /// 0-based view line of a byte offset of the view text.
    fn line_of(&self, o: usize) -> usize {
        self.starts.partition_point(|&s| s <= o).saturating_sub(1)
    }
}

/// The part of `line` around byte columns `cols`, at most about `width` characters, cleaned.
/// Works near the columns only, so a diagnostic on a 1 MB line costs a window, not the line.
fn window(line: &str, cols: &[usize], width: usize) -> ViewLine {
    // Room for the two ellipses.
    let width = width.saturating_sub(2).max(8);
    let lead = (width / 3).min(LEAD);
    let floor = |mut b: usize| {
        b = b.min(line.len());
        while !line.is_char_boundary(b) {
            b -= 1;
        }
        b
    };
    let fits = line.len() <= width || (line.len() <= 4 * width && line.chars().count() <= width);
    let (from, to) = if fits {
        (0, line.len())
    } else {
        let first = floor(cols.iter().copied().min().unwrap_or(0));
        let last = floor(cols.iter().copied().max().unwrap_or(0));
        // LEAD characters before the first label, then up to WINDOW characters in all.
        let mut from = line[..first]
            .char_indices()
            .rev()
            .take(lead)
            .last()
            .map_or(first, |(b, _)| b);
        let mut to = line[from..]
            .char_indices()
            .nth(width)
            .map_or(line.len(), |(b, _)| from + b);
        if last > to {
            to = line[last..]
                .char_indices()
                .nth(lead / 4)
                .map_or(line.len(), |(b, _)| last + b)
                .min(
                    line[from..]
                        .char_indices()
                        .nth(width * 2)
                        .map_or(line.len(), |(b, _)| from + b),
                );
            // Give up lead on the left, down to the first label, to stay `width` wide.
            let back = line[..to]
                .char_indices()
                .rev()
                .nth(width.saturating_sub(1))
                .map_or(0, |(b, _)| b);
            from = from.max(back.min(first));
            // Never wider than `width`: a span or a later label past it ends at the edge.
            to = to.min(
                line[from..]
                    .char_indices()
                    .nth(width)
                    .map_or(line.len(), |(b, _)| from + b),
            );
        }
        (from, to)
    };
    let mut text = String::new();
    let mut map = Vec::with_capacity(to - from + 1);
    if from > 0 {
        text.push('…');
    }
    for (b, c) in line[from..to].char_indices() {
        map.push((from + b, text.len()));
        let mut buf = [0u8; 4];
        text.push_str(&super::clean(c.encode_utf8(&mut buf)));
    }
    map.push((to, text.len()));
    if to < line.len() {
        text.push('…');
    }
    ViewLine { text, map }
}

impl SourceCode for View {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let len = self.text.len();
        let start = span.offset().min(len);
        let end = span.offset().saturating_add(span.len()).min(len).max(start);
        let l0 = self.line_of(start);
        let l1 = self.line_of(end);
        let first = l0.saturating_sub(before);
        let last = (l1 + after).min(self.starts.len().saturating_sub(1));
        let from = self.starts.get(first).copied().unwrap_or(0);
        let to = self
            .starts
            .get(last + 1)
            .map(|o| o.saturating_sub(1))
            .unwrap_or(len)
            .max(from);
        // A span read alone (the header's place): its real line and column.
        let (line, column) = match self.origins.iter().find(|o| o.0 == span.offset()) {
            Some(&(_, l, c)) if before == 0 && after == 0 => (l, c),
            _ => (self.base + first, 0),
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            &self.text.as_bytes()[from..to],
            SourceSpan::new(from.into(), to - from),
            line,
            column,
            last - first + 1,
        )))
    }
}

/// One diagnostic as miette sees it: the headline and the snippet with the primary label.
/// The far related places and the help are written after it (see [`Trailer`]).
struct Report<'a> {
    d: &'a Diagnostic,
    src: Option<View>,
    labels: Vec<LabeledSpan>,
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
    /// No separate code line: the headline carries the code (see [`headline`]).
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        None
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
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
}

/// The span a label shows: a declaration spanning many lines is shown by its first line, or by
/// the next one when the first holds only a brace (`{` of an ARM resource), so a related NSG
/// does not print the whole NSG.
fn label_span(o: &Outcome, span: Span) -> Span {
    let f = o.ws.sources.get(span.file);
    let len = f.text.len();
    let mut start = (span.start as usize).min(len);
    let mut end = (span.end as usize).clamp(start, len);
    let (l0, _) = f.line_col(start as u32);
    let (l1, _) = f.line_col(end as u32);
    if l1 > l0 + 2 {
        let col = start - f.line_start(l0).unwrap_or(0);
        let first = f.line_text(l0).get(col..).unwrap_or("").trim();
        let line = if first.len() <= 2 {
            let next = f.line_text(l0 + 1);
            let indent = next.len() - next.trim_start().len();
            start = f.line_start(l0 + 1).map_or(start, |s| s + indent).min(end);
            l0 + 1
        } else {
            l0
        };
        end = f
            .line_start(line + 1)
            .map(|e| e.saturating_sub(1))
            .unwrap_or(len)
            .max(start);
        // Trim the line ending and trailing blanks.
        while end > start
            && f.text
                .as_bytes()
                .get(end - 1)
                .is_some_and(|b| b.is_ascii_whitespace())
        {
            end -= 1;
        }
    }
    Span::new(span.file, start, end)
}

/// Characters of source a snippet line may show in a report `width` columns wide: the rest is
/// the gutter (line number, bar, label arrows).
fn text_columns(width: usize) -> usize {
    width.saturating_sub(12).clamp(20, WINDOW)
}

/// What follows the snippet: one line per related place that the snippet does not show, then
/// the help. Written here rather than by miette, which would give each place a snippet of its
/// own (five lines or more each).
struct Trailer {
    places: Vec<String>,
    help: Option<String>,
}

fn build<'a>(o: &'a Outcome, d: &'a Diagnostic, width: usize) -> (Report<'a>, Trailer) {
    let cols = text_columns(width);
    let line = |s: Span| o.ws.sources.get(s.file).line_col(s.start).0;
    // The primary label names the problem; the resource is the fallback for a diagnostic
    // that has no label.
    let mut here: Vec<(Option<String>, Span, bool)> = Vec::new();
    let mut places = Vec::new();
    if let Some(span) = d.span {
        let label = d.label.clone().or_else(|| d.resource.clone());
        here.push((label, label_span(o, span), true));
    }
    for r in &d.related {
        let s = label_span(o, r.span);
        let encloses =
            |p: Span| p.file == r.span.file && r.span.start <= p.start && p.end <= r.span.end;
        match d.span {
            // The rule or resource the primary place lies in: the headline names it.
            Some(p) if encloses(p) => {}
            // On the primary's line or next to it: a label in the same snippet.
            Some(p) if p.file == s.file && line(p).abs_diff(line(s)) <= 1 => {
                here.push((Some(r.message.clone()), s, false));
            }
            _ => {
                let f = o.ws.sources.get(s.file);
                let (l, _) = f.line_col(s.start);
                let at = if d.span.is_some_and(|p| p.file == s.file) {
                    format!("line {l}")
                } else {
                    format!("{}:{l}", super::clean_path(&f.display))
                };
                places.push(format!("{at}: {}", r.message));
            }
        }
    }
    let (src, labels) = match d.span {
        Some(p) => {
            let spans: Vec<Span> = here.iter().map(|h| h.1).collect();
            let (view, placed) = View::new(o.ws.sources.get(p.file), &spans, cols);
            let labels = here
                .into_iter()
                .zip(placed)
                .map(|((label, _, primary), at)| {
                    let (label, at) = match label {
                        Some(l) => {
                            let (l, at) = fit_label(&view, at, &l, width);
                            (Some(l), at)
                        }
                        None => (None, at),
                    };
                    if primary {
                        LabeledSpan::new_primary_with_span(label, at)
                    } else {
                        LabeledSpan::new_with_span(label, at)
                    }
                })
                .collect();
            (Some(view), labels)
        }
        None => (None, Vec::new()),
    };
    // The place is in the snippet's header; the message does not repeat it.
    let report = Report {
        d,
        src,
        labels,
        text: headline(d),
    };
    let trailer = Trailer {
        places,
        help: d.help.as_deref().map(str::to_string),
    };
    (report, trailer)
}

impl Trailer {
    /// `  note: line 77: …` and `  help: …`, wrapped at `width` under their first word.
    fn write(&self, out: &mut String, width: usize) {
        let mut item = |head: &str, text: &str| {
            let indent = head.len() + 4;
            let room = width.saturating_sub(indent).max(20);
            let lines: Vec<String> = text.lines().map(|p| wrap_words(p, room, false)).collect();
            for (i, l) in lines.join("\n").lines().enumerate() {
                if i == 0 {
                    out.push_str(&format!("  {head}: {l}\n"));
                } else {
                    out.push_str(&format!("{:indent$}{l}\n", ""));
                }
            }
        };
        for p in &self.places {
            item("note", p);
        }
        if let Some(h) = &self.help {
            item("help", h);
        }
    }
}

/// `label` fitted under its place so that, drawn after the arrow, it ends within `width`
/// columns. miette hangs a label from the middle of its underline and does not wrap it: a label
/// too long for that is hung further left (the underline shortened, from its start) when that
/// is enough, else wrapped into lines, which miette draws as one label.
fn fit_label(view: &View, at: SourceSpan, label: &str, width: usize) -> (String, SourceSpan) {
    let o = at.offset().min(view.text.len());
    let line_start = view.starts[view.line_of(o)];
    let line_end = view.text[o..].find('\n').map_or(view.text.len(), |i| o + i);
    let end = (o + at.len()).min(line_end);
    let col = |b: usize| {
        view.text
            .get(line_start..b)
            .map_or(0, |t| t.chars().count())
    };
    let (first, last) = (col(o), col(end));
    let digits = (view.base + view.starts.len()).to_string().len();
    // Gutter (blank, number, blank, bar, blank) and the arrow `╰── ` before a one-line label.
    let len = label.chars().count();
    let max_mid = width.checked_sub(digits + 4 + 4 + len);
    if max_mid.is_some_and(|m| (first + last).div_ceil(2) <= m) {
        return (label.to_string(), at);
    }
    if let Some(max_mid) = max_mid.filter(|m| first <= *m) {
        // The longest underline from the start whose middle is still at `max_mid` or left.
        let cols = (2 * max_mid).saturating_sub(first).max(first + 1) - first;
        let cut = view.text[o..end]
            .char_indices()
            .nth(cols)
            .map_or(end, |(i, _)| o + i);
        return (label.to_string(), SourceSpan::new(o.into(), cut - o));
    }
    // Wrapped under the middle: miette's multi-line label marks take a few more columns.
    let mid = (first + last).div_ceil(2);
    let room = width.saturating_sub(digits + 4 + mid + 5).max(16);
    (wrap(label, room), at)
}

/// Greedy word wrap at `room` characters; a word longer than that is cut.
fn wrap(text: &str, room: usize) -> String {
    wrap_words(text, room, true)
}

/// Greedy word wrap at `room` characters; a longer word is cut when `cut`, else left whole
/// on a line of its own (a file path stays one piece to copy).
fn wrap_words(text: &str, room: usize, cut: bool) -> String {
    let mut out = String::new();
    let mut line = 0;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let mut w: Vec<char> = word.chars().collect();
        if line > 0 && line + 1 + w.len() > room {
            out.push('\n');
            line = 0;
        }
        while cut && w.len() > room {
            let rest = w.split_off(room);
            if line > 0 {
                out.push('\n');
            }
            out.extend(w.iter());
            out.push('\n');
            w = rest;
            line = 0;
        }
        if line > 0 {
            out.push(' ');
            line += 1;
        }
        out.extend(w.iter());
        line += w.len();
    }
    out
}

/// `error[STV202] inbound-management-3443: message` — severity word, code and rule name, as
/// compilers print them, so the line says what kind of problem it is before what it is.
fn headline(d: &Diagnostic) -> String {
    let name = crate::rules::rule(d.code).name;
    format!("{}[{}] {name}: {}", d.severity, d.code, d.message)
}

/// Columns the report may use: `COLUMNS` when set, else the terminal's width, else 80.
pub fn width() -> usize {
    width_from(
        std::env::var("COLUMNS").ok().as_deref(),
        terminal_size::terminal_size_of(std::io::stdout()).map(|(w, _)| w.0 as usize),
    )
}

fn width_from(columns: Option<&str>, terminal: Option<usize>) -> usize {
    columns
        .and_then(|c| c.trim().parse::<usize>().ok())
        .or(terminal)
        .filter(|w| *w > 0)
        // Below some width miette has no room for the gutter and the text.
        .map_or(80, |w| w.clamp(40, 1000))
}

pub fn render(o: &Outcome, out: &mut dyn Write) -> std::io::Result<()> {
    render_width(o, out, width())
}

/// The report wrapped at `width` columns.
pub fn render_width(o: &Outcome, out: &mut dyn Write, width: usize) -> std::io::Result<()> {
    render_chunked(o, out, width, 256)
}

/// The report, `chunk` findings rendered at a time on each worker.
fn render_chunked(
    o: &Outcome,
    out: &mut dyn Write,
    width: usize,
    chunk: usize,
) -> std::io::Result<()> {
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        // Only the labelled lines: the header names the place, and a typical finding stays
        // about a dozen lines.
        .with_context_lines(0)
        .with_width(width)
        // A name (`nsg-apim`, `vnet-apim/apim`) stays whole on one line.
        .with_word_splitter(textwrap::WordSplitter::NoHyphenation);
    // Findings are rendered a chunk at a time on every worker and written in order, a few
    // chunks at a time.
    // Cleaned (see `super::shown`) on the workers too.
    let active: Vec<&crate::diagnostic::Diagnostic> = o.active().collect();
    let chunks: Vec<&[&crate::diagnostic::Diagnostic]> = active.chunks(chunk).collect();
    crate::parallel::map_into(
        &chunks,
        |chunk| {
            let mut text = String::new();
            for d in chunk.iter() {
                let d = super::cleaned(d);
                let (report, trailer) = build(o, &d, width);
                // miette must not take the report down: a panic inside it (a limit it has that the
                // view missed) costs this diagnostic its snippet, never the run its output.
                let rendered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    let mut b = String::new();
                    handler.render_report(&mut b, &report).map(|_| b)
                }));
                let mut buf = match rendered {
                    Ok(Ok(b)) => b,
                    _ => format!("{}\n", report.text),
                };
                trailer.write(&mut buf, width);
                text.push_str(&buf);
                text.push('\n');
            }
            text
        },
        |text| out.write_all(text.as_bytes()),
    )?;
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

#[cfg(test)]
mod tests {
    use super::width_from;

    /// Rendered on several workers, the report is what one thread writes.
    #[test]
    fn the_report_is_the_same_on_any_number_of_workers() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/broken-apim");
        let o = crate::check(&[dir], &crate::CheckOptions::default());
        assert!(o.active().count() > 2);
        let text = |chunk| {
            let mut out = Vec::new();
            super::render_chunked(&o, &mut out, 100, chunk).unwrap();
            String::from_utf8(out).unwrap()
        };
        let one = text(256);
        assert!(one.contains("STV"), "{one}");
        assert_eq!(crate::parallel::pool(3).unwrap().install(|| text(1)), one);
    }

    #[test]
    fn the_width_comes_from_columns_then_the_terminal_then_80() {
        assert_eq!(width_from(Some("132"), Some(100)), 132);
        assert_eq!(width_from(None, Some(100)), 100);
        assert_eq!(width_from(Some("wide"), Some(100)), 100);
        assert_eq!(width_from(None, None), 80);
        assert_eq!(width_from(Some("0"), None), 80);
        assert_eq!(width_from(Some("5"), None), 40);
    }

    #[test]
    fn labels_wrap_at_words() {
        assert_eq!(
            super::wrap("the unit count comes from here", 12),
            "the unit\ncount comes\nfrom here"
        );
        assert_eq!(super::wrap("abcdefghij xy", 4), "abcd\nefgh\nij\nxy");
    }
}
