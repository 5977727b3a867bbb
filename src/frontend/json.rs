//! JSON with spans, as Azure reads it: `//` and `/* */` comments, a UTF-8 BOM, raw line breaks
//! inside strings. A trailing comma is accepted with a warning. Parsing produces [`V`] values
//! whose spans point at each literal, and object keys keep their own spans.

use crate::model::{Key, VKind, V};
use crate::source::{Comment, FileId, Span};

#[derive(Debug, Clone, PartialEq)]
pub struct JsonError {
    pub offset: usize,
    pub message: String,
}

#[derive(Debug)]
pub struct Parsed {
    pub value: V,
    /// Byte offsets and messages of tolerated problems (trailing commas).
    pub warnings: Vec<JsonError>,
    /// Comments: suppressions read them.
    pub comments: Vec<Comment>,
}

/// Nesting deeper than this is rejected rather than overflowing the stack.
const MAX_DEPTH: usize = 256;

pub fn parse(text: &str, file: FileId) -> Result<Parsed, JsonError> {
    let mut p = Parser::new(text, file);
    let value = p.document()?;
    Ok(Parsed {
        value,
        warnings: p.warnings,
        comments: p.comments,
    })
}

/// The comments of a JSON file as the parser meets them; when the file does not parse, those
/// before the error (past it, what is a comment and what is a string cannot be known).
pub fn comments(text: &str) -> Vec<Comment> {
    let mut p = Parser::new(text, FileId(0));
    let _ = p.document();
    p.comments
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
    file: FileId,
    warnings: Vec<JsonError>,
    comments: Vec<Comment>,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str, file: FileId) -> Parser<'a> {
        Parser {
            s: text.as_bytes(),
            text,
            i: if text.starts_with('\u{feff}') { 3 } else { 0 },
            file,
            warnings: Vec::new(),
            comments: Vec::new(),
            depth: 0,
        }
    }

    /// One value, with whitespace and comments around it, and nothing else.
    fn document(&mut self) -> Result<V, JsonError> {
        self.ws()?;
        let value = self.value()?;
        self.ws()?;
        if self.i < self.s.len() {
            return Err(self.err("unexpected text after the end of the JSON value"));
        }
        Ok(value)
    }

    fn err(&self, m: &str) -> JsonError {
        JsonError {
            offset: self.i.min(self.s.len()),
            message: m.to_string(),
        }
    }
    fn span(&self, start: usize) -> Option<Span> {
        Some(Span::new(self.file, start, self.i))
    }
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn ws(&mut self) -> Result<(), JsonError> {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\n' | b'\r') => self.i += 1,
                Some(b'/') if self.s.get(self.i + 1) == Some(&b'/') => {
                    let start = self.i;
                    while let Some(c) = self.peek() {
                        if c == b'\n' {
                            break;
                        }
                        self.i += 1;
                    }
                    self.comments
                        .push(Comment::line(self.text, start, 2, self.i));
                }
                Some(b'/') if self.s.get(self.i + 1) == Some(&b'*') => {
                    let start = self.i;
                    self.i += 2;
                    loop {
                        match self.peek() {
                            None => {
                                self.i = start;
                                return Err(self.err("unterminated /* comment"));
                            }
                            Some(b'*') if self.s.get(self.i + 1) == Some(&b'/') => {
                                self.i += 2;
                                break;
                            }
                            _ => self.i += 1,
                        }
                    }
                    self.comments.push(Comment::block(start, self.i));
                }
                _ => return Ok(()),
            }
        }
    }

    fn value(&mut self) -> Result<V, JsonError> {
        let start = self.i;
        match self.peek() {
            None => Err(self.err("unexpected end of file: the JSON is truncated")),
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => {
                let s = self.string()?;
                Ok(V::str(s, self.span(start)))
            }
            Some(b't') => self.word("true", V::bool(true, None), start),
            Some(b'f') => self.word("false", V::bool(false, None), start),
            Some(b'n') => self.word("null", V::null(None), start),
            Some(c) if c == b'-' || c.is_ascii_digit() => self.number(),
            Some(_) => {
                let ch = self.text[self.i..].chars().next().unwrap_or('?');
                Err(self.err(&format!("unexpected character '{ch}'")))
            }
        }
    }

    fn word(&mut self, w: &str, v: V, start: usize) -> Result<V, JsonError> {
        if self.s[self.i..].starts_with(w.as_bytes()) {
            self.i += w.len();
            Ok(V {
                span: self.span(start),
                ..v
            })
        } else {
            Err(self.err("unexpected word; expected a value"))
        }
    }

    fn number(&mut self) -> Result<V, JsonError> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        while let Some(c) = self.peek() {
            if c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-') {
                self.i += 1;
            } else {
                break;
            }
        }
        let t = &self.text[start..self.i];
        if let Ok(i) = t.parse::<i64>() {
            return Ok(V::int(i, self.span(start)));
        }
        match t.parse::<f64>() {
            Ok(f) => Ok(V::new(VKind::Float(f), self.span(start))),
            Err(_) => {
                self.i = start;
                Err(self.err(&format!("invalid number '{t}'")))
            }
        }
    }

    fn string(&mut self) -> Result<String, JsonError> {
        let start = self.i;
        self.i += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                self.i = start;
                return Err(self.err("unterminated string"));
            };
            match c {
                b'"' => {
                    self.i += 1;
                    return Ok(out);
                }
                b'\\' => {
                    self.i += 1;
                    let Some(e) = self.peek() else {
                        self.i = start;
                        return Err(self.err("unterminated string"));
                    };
                    self.i += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let cp = self.hex4()?;
                            if (0xD800..0xDC00).contains(&cp)
                                && self.s[self.i..].starts_with(b"\\u")
                            {
                                self.i += 2;
                                let lo = self.hex4()?;
                                if (0xDC00..0xE000).contains(&lo) {
                                    let c = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                                    out.push(char::from_u32(c).unwrap_or('\u{fffd}'));
                                } else {
                                    // A lone high surrogate, then an escape of its own.
                                    out.push('\u{fffd}');
                                    out.push(char::from_u32(lo).unwrap_or('\u{fffd}'));
                                }
                            } else {
                                out.push(char::from_u32(cp).unwrap_or('\u{fffd}'));
                            }
                        }
                        _ => {
                            self.i -= 2;
                            return Err(self.err("invalid escape sequence in string"));
                        }
                    }
                }
                _ => {
                    // Raw line breaks are accepted: Azure takes multi-line strings.
                    let ch_len = utf8_len(c);
                    let end = (self.i + ch_len).min(self.s.len());
                    out.push_str(self.text.get(self.i..end).unwrap_or("\u{fffd}"));
                    self.i = end;
                }
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let h = self
            .text
            .get(self.i..self.i + 4)
            .ok_or_else(|| self.err("truncated \\u escape"))?;
        let v = u32::from_str_radix(h, 16).map_err(|_| self.err("invalid \\u escape"))?;
        self.i += 4;
        Ok(v)
    }

    fn enter(&mut self) -> Result<(), JsonError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err("nesting is too deep"));
        }
        Ok(())
    }

    fn object(&mut self) -> Result<V, JsonError> {
        let start = self.i;
        self.enter()?;
        self.i += 1;
        let mut entries: Vec<(Key, V)> = Vec::new();
        if !self.opened_empty(b'}')? {
            loop {
                self.ws()?;
                match self.peek() {
                    Some(b'"') => {}
                    None => return Err(self.err("unexpected end of file: the JSON is truncated")),
                    _ => return Err(self.err("expected a property name in double quotes")),
                }
                let kstart = self.i;
                let k = self.string()?;
                let kspan = self.span(kstart);
                self.ws()?;
                if self.peek() != Some(b':') {
                    return Err(self.err("expected ':' after the property name"));
                }
                self.i += 1;
                self.ws()?;
                let v = self.value()?;
                entries.push((Key::new(k, kspan), v));
                if self.closed_after_item(b'}', "expected ',' or '}' after a property")? {
                    break;
                }
            }
        }
        Ok(V::obj(entries, self.span(start)))
    }

    fn array(&mut self) -> Result<V, JsonError> {
        let start = self.i;
        self.enter()?;
        self.i += 1;
        let mut items = Vec::new();
        if !self.opened_empty(b']')? {
            loop {
                self.ws()?;
                items.push(self.value()?);
                if self.closed_after_item(b']', "expected ',' or ']' after an array element")? {
                    break;
                }
            }
        }
        Ok(V::arr(items, self.span(start)))
    }

    /// Right after `{` or `[`: consumes the closer of an empty container.
    fn opened_empty(&mut self, close: u8) -> Result<bool, JsonError> {
        self.ws()?;
        let empty = self.peek() == Some(close);
        if empty {
            self.leave();
        }
        Ok(empty)
    }

    /// After an element: `,` or the closer. A comma followed by the closer is accepted with a
    /// "trailing comma" warning. Returns whether the container closed.
    fn closed_after_item(&mut self, close: u8, expected: &str) -> Result<bool, JsonError> {
        self.ws()?;
        match self.peek() {
            Some(b',') => {
                let comma = self.i;
                self.i += 1;
                self.ws()?;
                if self.peek() != Some(close) {
                    return Ok(false);
                }
                self.warnings.push(JsonError {
                    offset: comma,
                    message: "trailing comma".into(),
                });
            }
            Some(c) if c == close => {}
            None => return Err(self.err("unexpected end of file: the JSON is truncated")),
            _ => return Err(self.err(expected)),
        }
        self.leave();
        Ok(true)
    }

    /// Consumes a closer and leaves one nesting level.
    fn leave(&mut self) {
        self.i += 1;
        self.depth -= 1;
    }
}

fn utf8_len(first: u8) -> usize {
    match first {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<Parsed, JsonError> {
        parse(s, FileId(0))
    }

    #[test]
    fn accepts_comments_bom_and_multiline_strings() {
        let r =
            p("\u{feff}{ // c\n \"a\": /* x */ \"l1\nl2\", \"b\": [1, 2.5, true, null] }").unwrap();
        assert_eq!(r.value.get("a").unwrap().as_str(), Some("l1\nl2"));
        assert_eq!(r.value.path("b").unwrap().as_array().unwrap().len(), 4);
        assert_eq!(r.comments.len(), 2);
        assert!(r.warnings.is_empty());
    }

    fn inner(text: &str) -> Vec<&str> {
        comments(text)
            .iter()
            .map(|c| &text[c.inner.0..c.inner.1])
            .collect()
    }

    #[test]
    fn comments_skip_strings() {
        let t = r#"{ "a": "// not a comment", "b": "x\"/*y" // one
        /* two */ }"#;
        assert_eq!(inner(t), vec![" one", " two "]);
        let c = comments(t)[0];
        assert_eq!(&t[c.start..c.end], "// one");
        let crlf = "{} // crlf\r\n";
        let c = comments(crlf)[0];
        assert_eq!(&crlf[c.start..c.end], "// crlf");
    }

    #[test]
    fn a_broken_file_keeps_the_comments_before_its_error() {
        assert_eq!(inner("// a\n{ \"x\": /* b */ ] // c\n}"), vec![" a", " b "]);
    }

    #[test]
    fn trailing_comma_is_a_warning() {
        let r = p("{\"a\": [1,2,],}").unwrap();
        assert_eq!(r.warnings.len(), 2);
        assert_eq!(r.warnings[0].offset, 10);
    }

    #[test]
    fn empty_containers_and_lone_commas() {
        let r = p("{ \"a\": [ ], \"b\": {}, \"c\": [[1],[2,],{}] }").unwrap();
        assert_eq!(r.warnings.len(), 1);
        assert_eq!(r.value.path("c").unwrap().as_array().unwrap().len(), 3);
        for bad in [
            "{,}",
            "[,]",
            "[1,,]",
            "{\"a\":1,,}",
            "[1 2]",
            "{\"a\":1 \"b\":2}",
        ] {
            assert!(p(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn surrogate_pairs_and_lone_surrogates() {
        let s = |t: &str| p(t).unwrap().value.as_str().unwrap().to_string();
        assert_eq!(s(r#""\ud83d\ude00""#), "\u{1f600}");
        // A high surrogate followed by another escape (found by fuzzing: it overflowed).
        assert_eq!(s(r#""\ud800\u0041""#), "\u{fffd}A");
        assert_eq!(s(r#""\udbff\ud800x""#), "\u{fffd}\u{fffd}x");
    }

    #[test]
    fn errors_carry_offsets() {
        assert_eq!(p("{\"a\": ").unwrap_err().offset, 6);
        assert!(p("{\"a\": 1").unwrap_err().message.contains("truncated"));
        assert!(p("{\"a\" 1}").unwrap_err().message.contains("':'"));
        assert!(p("[1] x").is_err());
        assert!(p(&"[".repeat(100_000)).is_err());
    }

    #[test]
    fn spans_point_at_literals() {
        let r = p("{\"k\": \"v\"}").unwrap();
        let (k, v) = &r.value.as_object().unwrap()[0];
        assert_eq!(k.span.unwrap().start, 1);
        assert_eq!(v.span.unwrap().start, 6);
        assert_eq!(v.span.unwrap().end, 9);
    }
}
