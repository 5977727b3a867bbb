//! A guard before the HCL parser: hcl-edit stores an object constructor's entries in a vector
//! map and searches it for every key it inserts, so an object of n entries costs n² steps —
//! a 1.7 MB literal of 100,000 keys took 72 s. A file whose object constructors together cost
//! more than [`MAX_WORK`] is not parsed: it gets one STV001 naming its largest object, and the
//! run stays bounded. Blocks (`locals { … }` with any number of attributes) are not affected.
//!
//! The scan is lexical: it follows strings, template interpolations, heredocs and comments
//! closely enough to find the braces of objects and count their entries (an `=` or `:` at the
//! object's own level — a conditional's `:` counts too, which only makes the guard stricter).

/// Σ entries² over a file's object constructors: about 1.5 s of the parser's time at worst.
pub const MAX_WORK: u64 = 200_000_000;

/// What the scan found when a file exceeds [`MAX_WORK`]: where its largest object opens and
/// how many entries it counted there.
pub struct TooLarge {
    pub offset: usize,
    pub entries: u64,
}

enum Ctx {
    /// `{`: an object constructor (counting entries, from its offset) or a block body.
    Brace {
        object: bool,
        entries: u64,
        at: usize,
    },
    Paren,
    Bracket,
    /// `"…"`.
    Quoted,
    /// A heredoc's body, ending at a line holding only the marker.
    Heredoc(String),
    /// `${…}` or `%{…}` inside a string or heredoc.
    Interp,
}

/// `None` when the file's objects are within [`MAX_WORK`].
pub fn check(text: &str) -> Option<TooLarge> {
    let s = text.as_bytes();
    let mut stack: Vec<Ctx> = Vec::new();
    let mut work: u64 = 0;
    let mut largest: Option<TooLarge> = None;
    // The last significant byte of code (not whitespace or comment): decides whether a `{`
    // opens a block (after a name or a label) or an object (after `=`, `(`, `,` …).
    let mut prev: u8 = b'\n';
    let mut newline = NextNewline::default();
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        match stack.last_mut() {
            Some(Ctx::Quoted) => {
                match c {
                    b'\\' => i += 1,
                    b'"' => {
                        stack.pop();
                        prev = b'"';
                    }
                    _ => i = template_text(s, i, &mut stack, &mut prev),
                }
                i += 1;
                continue;
            }
            Some(Ctx::Heredoc(marker)) => {
                let line_start = i == 0 || s[i - 1] == b'\n';
                if line_start {
                    let end = s[i..]
                        .iter()
                        .position(|&b| b == b'\n')
                        .map_or(s.len(), |n| i + n);
                    if text[i..end].trim() == marker.as_str() {
                        stack.pop();
                        prev = b'"';
                        i = end;
                        continue;
                    }
                }
                i = template_text(s, i, &mut stack, &mut prev) + 1;
                continue;
            }
            _ => {}
        }
        match c {
            b' ' | b'\t' | b'\r' | b'\n' => {}
            b'#' => i = skip_line(s, i),
            b'/' if s.get(i + 1) == Some(&b'/') => i = skip_line(s, i),
            b'/' if s.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..].find("*/").map_or(s.len(), |n| i + 2 + n + 1);
            }
            b'"' => stack.push(Ctx::Quoted),
            b'<' if s.get(i + 1) == Some(&b'<') => {
                if let Some((marker, body)) = heredoc_marker(text, i, &mut newline) {
                    stack.push(Ctx::Heredoc(marker));
                    i = body;
                    continue;
                }
                prev = c;
            }
            b'{' => {
                let block = prev.is_ascii_alphanumeric() || matches!(prev, b'_' | b'-' | b'"');
                stack.push(Ctx::Brace {
                    object: !block,
                    entries: 0,
                    at: i,
                });
                prev = b'{';
            }
            b'}' => {
                match stack.pop() {
                    Some(Ctx::Interp) => {
                        i += 1;
                        continue;
                    }
                    Some(Ctx::Brace {
                        object: true,
                        entries,
                        at,
                    }) => {
                        work = work.saturating_add(entries.saturating_mul(entries));
                        if !matches!(&largest, Some(l) if l.entries >= entries) {
                            largest = Some(TooLarge {
                                offset: at,
                                entries,
                            });
                        }
                    }
                    _ => {}
                }
                prev = b'}';
            }
            b'(' => {
                stack.push(Ctx::Paren);
                prev = c;
            }
            b'[' => {
                stack.push(Ctx::Bracket);
                prev = c;
            }
            b')' | b']' => {
                if matches!(stack.last(), Some(Ctx::Paren | Ctx::Bracket)) {
                    stack.pop();
                }
                prev = c;
            }
            b'=' | b':' => {
                // `==`, `!=`, `<=`, `>=` and `=>` are operators, not an entry's separator.
                let next = s.get(i + 1).copied();
                let operator = next == Some(b'=')
                    || next == Some(b'>')
                    || matches!(prev, b'=' | b'!' | b'<' | b'>');
                if !operator {
                    if let Some(Ctx::Brace {
                        object: true,
                        entries,
                        ..
                    }) = stack.last_mut()
                    {
                        *entries += 1;
                    }
                }
                prev = c;
            }
            _ => prev = c,
        }
        i += 1;
    }
    (work > MAX_WORK).then_some(largest).flatten()
}

/// A byte of a string's or heredoc's text at `i`: `${`/`%{` opens an interpolation (code
/// again until its `}`), `$${`/`%%{` is literal text. Where the scan goes on from, less one.
fn template_text(s: &[u8], i: usize, stack: &mut Vec<Ctx>, prev: &mut u8) -> usize {
    let c = s[i];
    match c {
        b'$' | b'%' if s.get(i + 1) == Some(&c) && s.get(i + 2) == Some(&b'{') => i + 2,
        b'$' | b'%' if s.get(i + 1) == Some(&b'{') => {
            stack.push(Ctx::Interp);
            *prev = b'(';
            i + 1
        }
        _ => i,
    }
}

fn skip_line(s: &[u8], i: usize) -> usize {
    s[i..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(s.len(), |n| i + n)
}

/// The first newline at or after a position, remembered: the scan only moves forward, so a
/// file of `<<A` without a newline after them is searched once, not once per `<<`.
#[derive(Default)]
struct NextNewline {
    /// Searched from `from`: the first newline there (`None`: none to the end).
    from: usize,
    at: Option<Option<usize>>,
}

impl NextNewline {
    fn from(&mut self, s: &[u8], i: usize) -> Option<usize> {
        match self.at {
            Some(Some(n)) if self.from <= i && n >= i => Some(n),
            Some(None) if self.from <= i => None,
            _ => {
                let n = s[i..].iter().position(|&b| b == b'\n').map(|n| i + n);
                self.from = i;
                self.at = Some(n);
                n
            }
        }
    }
}

/// `<<MARKER` or `<<-MARKER` at `i`: the marker and where the body starts (after the line).
fn heredoc_marker(text: &str, i: usize, newline: &mut NextNewline) -> Option<(String, usize)> {
    let rest = &text[i + 2..];
    let rest = rest.strip_prefix('-').unwrap_or(rest);
    let len = rest
        .bytes()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_')
        .count();
    if len == 0 {
        return None;
    }
    let after = text.len() - rest.len() + len;
    let body = newline.from(text.as_bytes(), after)? + 1;
    Some((rest[..len].to_string(), body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(n: usize) -> String {
        let entries: Vec<String> = (0..n).map(|i| format!("    k{i} = {i}")).collect();
        format!("locals {{\n  big = {{\n{}\n  }}\n}}\n", entries.join("\n"))
    }

    #[test]
    fn counts_the_entries_of_object_constructors_only() {
        // A block of any size is not an object.
        let block: Vec<String> = (0..20_000).map(|i| format!("  k{i} = {i}")).collect();
        assert!(check(&format!("locals {{\n{}\n}}\n", block.join("\n"))).is_none());
        assert!(check(&object(10_000)).is_none());
        let big = check(&object(20_000)).expect("an object of 20,000 entries");
        assert_eq!(big.entries, 20_000);
        assert_eq!(big.offset, object(20_000).find("{\n    k0").unwrap());
    }

    #[test]
    fn follows_strings_interpolations_heredocs_and_comments() {
        let n = 20_000;
        let entries: Vec<String> = (0..n).map(|i| format!("k{i} = {i}")).collect();
        let hidden = format!("{{ {} }}", entries.join(", "));
        // Inside an interpolation of a string, and of a heredoc: still counted.
        let in_string = format!("locals {{\n  x = \"a ${{length({hidden})}} b\"\n}}\n");
        assert_eq!(check(&in_string).map(|t| t.entries), Some(n as u64));
        let in_heredoc =
            format!("locals {{\n  x = <<-EOT\n    a ${{length({hidden})}}\n  EOT\n}}\n");
        assert_eq!(check(&in_heredoc).map(|t| t.entries), Some(n as u64));
        // Quoted text, escaped interpolations and comments are not code.
        let quoted = format!("locals {{\n  x = \"{}\"\n}}\n", hidden.replace('"', "\\\""));
        assert!(check(&quoted).is_none());
        let escaped = format!("locals {{\n  x = \"$${{{hidden}}}\"\n}}\n");
        assert!(check(&escaped).is_none());
        let commented = format!("# {hidden}\n/* {hidden} */\nlocals {{}}\n");
        assert!(check(&commented).is_none());
        let heredoc_text = format!("locals {{\n  x = <<EOT\n{hidden}\nEOT\n}}\n");
        assert!(check(&heredoc_text).is_none());
    }

    #[test]
    fn operators_are_not_entries() {
        let entries: Vec<String> = (0..15_000)
            .map(|i| format!("k{i} = a == b ? 1 : 2"))
            .collect();
        // `==` is not counted; the conditional's `:` is (stricter, never looser).
        let t = check(&format!(
            "locals {{\n  x = {{ {} }}\n}}\n",
            entries.join(", ")
        ));
        assert_eq!(t.map(|t| t.entries), Some(30_000));
    }

    /// Any text, however broken (unclosed strings, heredocs and comments, stray closers,
    /// multi-byte characters after a backslash or a `<<`), is scanned without a panic.
    #[test]
    fn never_panics_on_broken_text() {
        let pieces = [
            "{",
            "}",
            "(",
            ")",
            "[",
            "]",
            "\"",
            "\\",
            "${",
            "%{",
            "$${",
            "<<",
            "<<-",
            "EOT",
            "\n",
            "#",
            "//",
            "/*",
            "*/",
            "=",
            "==",
            "=>",
            ":",
            "?",
            ",",
            "a",
            "é",
            "€",
            "\u{1F600}",
            " ",
            "-",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            let mut text = String::new();
            for _ in 0..(seed % 40) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                text.push_str(pieces[(seed % pieces.len() as u64) as usize]);
            }
            let _ = check(&text);
        }
    }

    /// `<<NAME` with no newline after it, many times over, is scanned in linear time (each
    /// search for the newline used to run to the end of the file: 4 MB took 2 minutes).
    #[test]
    fn heredoc_openers_without_a_newline_search_once() {
        let text = "<<A ".repeat(50_000);
        let mut newline = NextNewline::default();
        assert!(heredoc_marker(&text, 0, &mut newline).is_none());
        // The second search reuses the first: it does not look at the text again.
        let remembered = (newline.from, newline.at);
        assert!(heredoc_marker(&text, 4, &mut newline).is_none());
        assert_eq!((newline.from, newline.at), remembered);
        assert!(check(&text).is_none());
    }
}
