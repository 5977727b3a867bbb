//! JSON with spans, as Azure reads it: `//` and `/* */` comments, a UTF-8 BOM, raw line breaks
//! inside strings. A trailing comma is accepted with a warning. Parsing produces [`V`] values
//! whose spans point at each literal, and object keys keep their own spans.

use crate::model::{Key, Shared, VKind, V};
use crate::source::{Comment, FileId, Span};
use std::collections::HashMap;

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
    parse_to(text, file, usize::MAX)
}

/// [`parse`] that builds only the values nested less than `depth` containers deep: deeper ones
/// are checked exactly as [`parse`] checks them (same errors, warnings and comments) but read
/// as `null`. Enough to tell what a document is without building (and freeing) all of it.
pub fn outline(text: &str, file: FileId, depth: usize) -> Result<Parsed, JsonError> {
    parse_to(text, file, depth)
}

fn parse_to(text: &str, file: FileId, depth: usize) -> Result<Parsed, JsonError> {
    let mut p = Parser::new(text, file);
    p.build_depth = depth;
    // An outline skips what it does not build with [`Parser::skip`]; at anything that skip
    // does not take as well-formed, the document is read again the careful way, which gives
    // the exact error (or finds that it was fine).
    p.skipping = depth < usize::MAX;
    let value = match p.document() {
        Err(_) if p.fell_back => return parse_careful(text, file, depth),
        r => r?,
    };
    Ok(Parsed {
        value,
        warnings: p.warnings,
        comments: p.comments,
    })
}

/// [`parse_to`] without [`Parser::skip`].
fn parse_careful(text: &str, file: FileId, depth: usize) -> Result<Parsed, JsonError> {
    let mut p = Parser::new(text, file);
    p.build_depth = depth;
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
    /// Values nested this deep or deeper are checked but not built ([`outline`]).
    build_depth: usize,
    /// Elements of the arrays being parsed, innermost last: each array is moved out into a
    /// vector of its exact length, without the spare capacity of a growing one.
    items: Vec<V>,
    /// The same for the entries of objects.
    entries: Vec<(Key, V)>,
    /// Short strings met so far (property names above all: `name`, `type`, `properties`
    /// repeat in every resource), shared rather than allocated once per occurrence. A keyed
    /// hash (foldhash with a per-process random seed), not a fixed one: the strings come from
    /// the linted file, and a hostile file must not be able to make every lookup collide.
    interned: HashMap<&'a str, Shared<str>, foldhash::fast::RandomState>,
    /// Values that are not built are passed over by [`Parser::skip`] (an outline).
    skipping: bool,
    /// [`Parser::skip`] met something it leaves to the careful reading.
    fell_back: bool,
    /// The closers of the containers [`Parser::skip`] is inside, innermost last.
    closers: Vec<u8>,
}

/// Strings up to this length are shared between their occurrences in a document.
const INTERN_MAX: usize = 48;

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
            build_depth: usize::MAX,
            items: Vec::new(),
            entries: Vec::new(),
            interned: HashMap::default(),
            skipping: false,
            fell_back: false,
            closers: Vec::new(),
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
                    // A line comment ends at a line feed or a lone carriage return (old Mac
                    // line endings), as ARM's JSON reader ends it.
                    while let Some(c) = self.peek() {
                        if c == b'\n' || c == b'\r' {
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
        if self.skipping && !self.building() {
            return match self.skip() {
                Some(()) => Ok(V::null(None)),
                None => {
                    self.fell_back = true;
                    Err(self.err("read again without skipping"))
                }
            };
        }
        match self.peek() {
            None => Err(self.err("unexpected end of file: the JSON is truncated")),
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => match self.string(self.building())? {
                Some(s) => Ok(V::new(VKind::Str(s), self.span(start))),
                None => Ok(V::null(None)),
            },
            Some(b't') => self.word("true", V::bool(true, None), start),
            Some(b'f') => self.word("false", V::bool(false, None), start),
            Some(b'n') => self.word("null", V::null(None), start),
            Some(c) if c == b'-' || c.is_ascii_digit() => {
                let n = self.number()?;
                Ok(if self.building() { n } else { V::null(None) })
            }
            Some(_) => {
                let ch = self.text[self.i..].chars().next().unwrap_or('?');
                Err(self.err(&format!("unexpected character '{ch}'")))
            }
        }
    }

    /// Passes over the value at `self.i` as [`Parser::value`] reads one it does not build: the
    /// same trailing-comma warnings and comments, but no recursion, no values and a vectorised
    /// search for the end of each string. `None` at anything it does not take as well-formed
    /// (an error, a `\u` escape it cannot check as `hex4` does): the caller reads the whole
    /// document again without skipping, so that a broken file gets the careful reader's error.
    fn skip(&mut self) -> Option<()> {
        self.closers.clear();
        'value: loop {
            // At a value.
            match self.peek()? {
                c @ (b'{' | b'[') => {
                    if self.depth + self.closers.len() + 1 > MAX_DEPTH {
                        return None;
                    }
                    self.i += 1;
                    self.skip_ws()?;
                    let close = if c == b'{' { b'}' } else { b']' };
                    if self.peek() == Some(close) {
                        self.i += 1;
                    } else {
                        self.closers.push(close);
                        if close == b'}' {
                            self.skip_key()?;
                        }
                        continue 'value;
                    }
                }
                b'"' => self.skip_string()?,
                b't' => self.skip_word(b"true")?,
                b'f' => self.skip_word(b"false")?,
                b'n' => self.skip_word(b"null")?,
                c if c == b'-' || c.is_ascii_digit() => self.skip_number()?,
                _ => return None,
            }
            // After a value: a comma and the next element, or closers.
            loop {
                let Some(&close) = self.closers.last() else {
                    return Some(());
                };
                self.skip_ws()?;
                match self.peek()? {
                    b',' => {
                        let comma = self.i;
                        self.i += 1;
                        self.skip_ws()?;
                        if self.peek() == Some(close) {
                            self.warnings.push(JsonError {
                                offset: comma,
                                message: "trailing comma".into(),
                            });
                            self.i += 1;
                            self.closers.pop();
                            continue;
                        }
                        if close == b'}' {
                            self.skip_key()?;
                        }
                        continue 'value;
                    }
                    c if c == close => {
                        self.i += 1;
                        self.closers.pop();
                    }
                    _ => return None,
                }
            }
        }
    }

    /// White space as [`Parser::ws`] reads it, comments left to it.
    fn skip_ws(&mut self) -> Option<()> {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.i += 1;
        }
        if self.peek() == Some(b'/') {
            self.ws().ok()?;
        }
        Some(())
    }

    /// A property name, white space and its colon, up to the value.
    fn skip_key(&mut self) -> Option<()> {
        if self.peek() != Some(b'"') {
            return None;
        }
        self.skip_string()?;
        self.skip_ws()?;
        if self.peek() != Some(b':') {
            return None;
        }
        self.i += 1;
        self.skip_ws()
    }

    fn skip_string(&mut self) -> Option<()> {
        let mut at = self.i + 1;
        loop {
            at += memchr::memchr2(b'"', b'\\', &self.s[at..])?;
            if self.s[at] == b'"' {
                self.i = at + 1;
                return Some(());
            }
            match *self.s.get(at + 1)? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => at += 2,
                b'u' => {
                    let h = self.text.get(at + 2..at + 6)?;
                    u32::from_str_radix(h, 16).ok()?;
                    at += 6;
                }
                _ => return None,
            }
        }
    }

    fn skip_word(&mut self, w: &[u8]) -> Option<()> {
        self.s[self.i..].starts_with(w).then(|| self.i += w.len())
    }

    fn skip_number(&mut self) -> Option<()> {
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
        (t.parse::<i64>().is_ok() || t.parse::<f64>().is_ok()).then_some(())
    }

    fn word(&mut self, w: &str, v: V, start: usize) -> Result<V, JsonError> {
        if self.s[self.i..].starts_with(w.as_bytes()) {
            self.i += w.len();
            if !self.building() {
                return Ok(V::null(None));
            }
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

    /// Whether the value at the current nesting is built ([`outline`]).
    fn building(&self) -> bool {
        self.depth < self.build_depth
    }

    /// A string literal at `"`, its value when `keep`. The text between the quotes is taken
    /// as it is when it has no escape (the common case: no copy through a buffer), and short
    /// strings are interned.
    fn string(&mut self, keep: bool) -> Result<Option<Shared<str>>, JsonError> {
        let start = self.i;
        let body = start + 1;
        let stop = self.s[body..]
            .iter()
            .position(|&c| c == b'"' || c == b'\\')
            .map(|n| body + n);
        match stop {
            None => {
                self.i = start;
                Err(self.err("unterminated string"))
            }
            Some(q) if self.s[q] == b'"' => {
                self.i = q + 1;
                // Quotes are ASCII, so both ends are character boundaries.
                Ok(keep.then(|| self.share(&self.text[body..q])))
            }
            Some(q) => {
                let mut out = String::new();
                if keep {
                    out.reserve(q - body + 16);
                    out.push_str(&self.text[body..q]);
                }
                self.i = q;
                let out = self.escaped(start, out)?;
                Ok(keep.then(|| Shared::from(out)))
            }
        }
    }

    /// `text` as a shared string: the one met before when it is short.
    fn share(&mut self, text: &'a str) -> Shared<str> {
        if text.len() > INTERN_MAX {
            return Shared::from(text);
        }
        self.interned
            .entry(text)
            .or_insert_with(|| Shared::from(text))
            .clone()
    }

    /// The rest of a string literal that opened at `start`, from its first escape on.
    fn escaped(&mut self, start: usize, mut out: String) -> Result<String, JsonError> {
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
                    // Up to the next quote or escape, as it is. Raw line breaks are accepted:
                    // Azure takes multi-line strings.
                    let run = self.s[self.i..]
                        .iter()
                        .position(|&c| c == b'"' || c == b'\\')
                        .map_or(self.s.len(), |n| self.i + n);
                    out.push_str(&self.text[self.i..run]);
                    self.i = run;
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
        let keep = self.building();
        self.enter()?;
        self.i += 1;
        let base = self.entries.len();
        if !self.opened_empty(b'}')? {
            loop {
                self.ws()?;
                match self.peek() {
                    Some(b'"') => {}
                    None => return Err(self.err("unexpected end of file: the JSON is truncated")),
                    _ => return Err(self.err("expected a property name in double quotes")),
                }
                let kstart = self.i;
                let k = self.string(keep)?;
                let kspan = self.span(kstart);
                self.ws()?;
                if self.peek() != Some(b':') {
                    return Err(self.err("expected ':' after the property name"));
                }
                self.i += 1;
                self.ws()?;
                let v = self.value()?;
                if let Some(name) = k {
                    self.entries.push((Key { name, span: kspan }, v));
                }
                if self.closed_after_item(b'}', "expected ',' or '}' after a property")? {
                    break;
                }
            }
        }
        if !keep {
            return Ok(V::null(None));
        }
        self.duplicates(base);
        let entries: Vec<(Key, V)> = self.entries.drain(base..).collect();
        Ok(V::obj(entries, self.span(start)))
    }

    /// A warning per property written twice in the object whose entries start at `base`
    /// (`"resources": [...]` and, later, `"resources": []`): one of them is silently lost.
    fn duplicates(&mut self, base: usize) {
        let entries = &self.entries[base..];
        // Most objects are small: compared pairwise, with nothing allocated on this hot path.
        let mut seen_large: std::collections::HashSet<&str> = std::collections::HashSet::new();
        for (i, (k, _)) in entries.iter().enumerate() {
            let first = if entries.len() <= 16 {
                !entries[..i].iter().any(|(e, _)| e.name == k.name)
            } else {
                seen_large.insert(&k.name)
            };
            if !first {
                self.warnings.push(JsonError {
                    offset: k.span.map_or(0, |s| s.start as usize),
                    message: format!("duplicate property '{}'", k.name),
                });
            }
        }
    }

    fn array(&mut self) -> Result<V, JsonError> {
        let start = self.i;
        let keep = self.building();
        self.enter()?;
        self.i += 1;
        let base = self.items.len();
        if !self.opened_empty(b']')? {
            loop {
                self.ws()?;
                let v = self.value()?;
                if keep {
                    self.items.push(v);
                }
                if self.closed_after_item(b']', "expected ',' or ']' after an array element")? {
                    break;
                }
            }
        }
        if !keep {
            return Ok(V::null(None));
        }
        let items: Vec<V> = self.items.drain(base..).collect();
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
        comments(text).iter().map(|c| c.inner_text(text)).collect()
    }

    #[test]
    fn a_property_written_twice_is_a_warning_and_the_last_is_read() {
        let r = parse(r#"{ "a": [1], "b": 2, "a": [] }"#, FileId(0)).unwrap();
        assert_eq!(r.warnings.len(), 1);
        assert_eq!(r.warnings[0].message, "duplicate property 'a'");
        assert_eq!(r.warnings[0].offset, 20);
        assert_eq!(r.value.path("a").unwrap().as_array().unwrap().len(), 0);
        // A large object is checked through a set, once per property.
        let big: Vec<String> = (0..1000)
            .map(|i| format!("\"k{}\": {i}", i % 999))
            .collect();
        let r = parse(&format!("{{ {} }}", big.join(", ")), FileId(0)).unwrap();
        assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
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
        // A lone carriage return ends the comment: the rest of the document is read.
        let cr = "// head\r{ \"a\": 1 }\r";
        assert_eq!(inner(cr), vec![" head"]);
        assert!(parse(cr, FileId(0)).is_ok_and(|r| r.value.path("a").is_some()));
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

    #[test]
    fn an_outline_checks_like_a_parse_and_builds_only_the_top() {
        let text =
            "{ \"a\": { \"b\": [1, {\"c\": \"x\\n\"},], \"d\": \"e\" }, // k\n \"f\": \"g\" }";
        let full = p(text).unwrap();
        let top = outline(text, FileId(0), 3).unwrap();
        assert_eq!(top.warnings, full.warnings);
        assert_eq!(top.comments.len(), full.comments.len());
        // Values two containers deep are built, their elements are not.
        assert_eq!(top.value.path("a.d").unwrap().as_str(), Some("e"));
        assert_eq!(top.value.path("f").unwrap().as_str(), Some("g"));
        let b = top.value.path("a.b").unwrap().as_array().unwrap();
        assert!(b.iter().all(|x| matches!(x.kind, VKind::Null)));
        assert_eq!(b.len(), 2);
        let shallow = outline(text, FileId(0), 2).unwrap();
        assert!(matches!(
            shallow.value.path("a.d").unwrap().kind,
            VKind::Null
        ));
        for bad in [
            "{\"a\": {\"b\": [1 2]}}",
            "{\"a\": {\"b\": \"\\q\"}}",
            "{\"a\": {\"b\": [\"x",
        ] {
            let e = p(bad).unwrap_err();
            assert_eq!(outline(bad, FileId(0), 1).unwrap_err(), e, "{bad}");
        }
    }

    /// An outline that skips reads every text as the careful outline does: the same values,
    /// warnings, comments and errors, on random documents of well-formed and broken pieces.
    #[test]
    fn a_skipping_outline_reads_as_the_careful_one() {
        const PIECES: &[&str] = &[
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            " ",
            "\n",
            "\"a\"",
            "\"b\"",
            "\"\\u00e9x\"",
            "\"\\ud800\\u0041\"",
            "\"\\ud800\\uzz\"",
            "\"\\q\"",
            "\"\\u+0ff\"",
            "\"\\\"\"",
            "\"é\"",
            "1",
            "-1.5e3",
            "1e999",
            "01",
            "--1",
            "true",
            "nul",
            "false",
            "// c\n",
            "/* x */",
            "/* open",
            "/",
            "\"open",
            "\\",
        ];
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let show = |r: Result<Parsed, JsonError>| {
            r.map(|p| format!("{:?} {:?} {:?}", p.value, p.warnings, p.comments))
        };
        let mut both = [0usize; 2];
        for round in 0..20_000 {
            // Mostly well-formed: a template-like skeleton with random pieces inside.
            let inner: String = (0..next(24)).map(|_| PIECES[next(PIECES.len())]).collect();
            let text = match round % 3 {
                0 => format!("{{\"a\": {{\"b\": [{{\"c\": {inner}}}]}}}}"),
                1 => format!("{{\"a\": [[{inner}]], \"d\": {{\"e\": [1, {{\"f\": null,}}],}}}}"),
                _ => inner,
            };
            for depth in 1..5 {
                let skipped = show(parse_to(&text, FileId(0), depth));
                both[usize::from(skipped.is_ok())] += 1;
                assert_eq!(
                    skipped,
                    show(parse_careful(&text, FileId(0), depth)),
                    "{text}"
                );
            }
        }
        // Both kinds of text were met.
        assert!(both[0] > 1000 && both[1] > 1000, "{both:?}");
    }

    #[test]
    fn strings_with_and_without_escapes() {
        let text = r#"["plain", "a\"b\\c", "caf\u00e9 é", "plain"]"#;
        let r = p(text).unwrap();
        let a = r.value.as_array().unwrap();
        let s: Vec<&str> = a.iter().map(|v| v.as_str().unwrap()).collect();
        assert_eq!(s, vec!["plain", "a\"b\\c", "café é", "plain"]);
        // Short strings are shared between their occurrences.
        match (&a[0].kind, &a[3].kind) {
            (VKind::Str(x), VKind::Str(y)) => assert!(Shared::ptr_eq(x, y)),
            _ => unreachable!(),
        }
        assert_eq!(a[2].span.unwrap().end as usize, text.rfind(", ").unwrap());
    }
}
