//! Bicep tokens with byte offsets. Strings are unescaped here; an interpolated string
//! `'a${x}b${y}c'` becomes `StrHead("a")`, the tokens of `x`, `StrMid("b")`, the tokens of `y`,
//! `StrTail("c")`, so the parser sees interpolation as ordinary nesting. Newlines are tokens:
//! Bicep separates statements, object properties and array items with them.

use crate::model::Shared;
use crate::source::Comment;

#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    Ident,
    Int(i64),
    /// A string without interpolation (also `'''` multi-line strings).
    Str(Shared<str>),
    StrHead(Shared<str>),
    StrMid(Shared<str>),
    StrTail(Shared<str>),
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    LParen,
    RParen,
    Comma,
    Colon,
    DoubleColon,
    Dot,
    /// `.?`
    QDot,
    Question,
    /// `??`
    Coalesce,
    Bang,
    NotEq,
    EqEq,
    /// `=~`
    EqI,
    /// `!~`
    NotEqI,
    Lt,
    Le,
    Gt,
    Ge,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    AndAnd,
    OrOr,
    Assign,
    Arrow,
    At,
    Pipe,
    Ellipsis,
    Newline,
    Eof,
}

#[derive(Clone, Debug)]
pub struct Token {
    pub tok: Tok,
    pub start: u32,
    pub end: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LexError {
    pub offset: usize,
    pub message: String,
}

/// Describe a token for error messages.
pub fn describe(t: &Tok, text: &str) -> String {
    match t {
        Tok::Ident => format!("'{text}'"),
        Tok::Int(_) => format!("the number {text}"),
        Tok::Str(_) | Tok::StrHead(_) | Tok::StrMid(_) | Tok::StrTail(_) => "a string".into(),
        Tok::Newline => "the end of the line".into(),
        Tok::Eof => "the end of the file".into(),
        _ => format!("'{text}'"),
    }
}

pub fn lex(text: &str) -> Result<Vec<Token>, LexError> {
    let mut lx = Lexer::new(text);
    lx.run()?;
    Ok(lx.out)
}

/// The `//` and `/* */` comments of a Bicep file as the lexer meets them; when the file does
/// not lex, those before the error (past it, strings and comments cannot be told apart).
pub fn comments(text: &str) -> Vec<Comment> {
    let mut lx = Lexer::new(text);
    let _ = lx.run();
    lx.comments
}

struct Lexer<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
    out: Vec<Token>,
    /// One entry per open `${`: the number of `{` opened inside it and not yet closed.
    templates: Vec<u32>,
    comments: Vec<Comment>,
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}
fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl<'a> Lexer<'a> {
    fn new(text: &'a str) -> Lexer<'a> {
        Lexer {
            s: text.as_bytes(),
            text,
            i: if text.starts_with('\u{feff}') { 3 } else { 0 },
            out: Vec::with_capacity(text.len() / 4),
            templates: Vec::new(),
            comments: Vec::new(),
        }
    }
    fn err(&self, at: usize, m: impl Into<String>) -> LexError {
        LexError {
            offset: at.min(self.s.len()),
            message: m.into(),
        }
    }
    fn push(&mut self, tok: Tok, start: usize) {
        self.out.push(Token {
            tok,
            start: start as u32,
            end: self.i as u32,
        });
    }
    fn line_is_blank_before(&self, at: usize) -> bool {
        self.s[..at]
            .iter()
            .rev()
            .take_while(|&&b| b != b'\n' && b != b'\r')
            .all(|&b| b == b' ' || b == b'\t')
    }
    fn at(&self, k: usize) -> u8 {
        self.s.get(self.i + k).copied().unwrap_or(0)
    }

    fn run(&mut self) -> Result<(), LexError> {
        while self.i < self.s.len() {
            let start = self.i;
            let b = self.s[self.i];
            match b {
                b' ' | b'\t' => self.i += 1,
                b'\r' if self.at(1) == b'\n' => self.i += 1,
                // A lone carriage return ends a line too (old Mac line endings), as in Bicep.
                b'\n' | b'\r' => {
                    self.i += 1;
                    // Consecutive newlines collapse into one token.
                    if !matches!(
                        self.out.last(),
                        Some(Token {
                            tok: Tok::Newline,
                            ..
                        })
                    ) {
                        self.push(Tok::Newline, start);
                    }
                }
                b'/' if self.at(1) == b'/' => {
                    while self.i < self.s.len() && !matches!(self.s[self.i], b'\n' | b'\r') {
                        self.i += 1;
                    }
                    self.comments
                        .push(Comment::line(self.text, start, 2, self.i));
                }
                // `#disable-next-line …` and other directives: the rest of the line.
                b'#' if self.line_is_blank_before(start) => {
                    while self.i < self.s.len() && !matches!(self.s[self.i], b'\n' | b'\r') {
                        self.i += 1;
                    }
                }
                b'/' if self.at(1) == b'*' => {
                    let Some(end) = self.text[self.i + 2..].find("*/") else {
                        return Err(self.err(start, "unterminated block comment (missing '*/')"));
                    };
                    self.i += 2 + end + 2;
                    self.comments.push(Comment::block(start, self.i));
                }
                b'\'' => {
                    if self.at(1) == b'\'' && self.at(2) == b'\'' {
                        self.multiline(start)?;
                    } else {
                        self.i += 1;
                        self.string(start, true)?;
                    }
                }
                b'0'..=b'9' => {
                    while self.i < self.s.len() && self.s[self.i].is_ascii_digit() {
                        self.i += 1;
                    }
                    let lit = &self.text[start..self.i];
                    let Ok(n) = lit.parse::<i64>() else {
                        return Err(self.err(start, format!("the number {lit} is too large")));
                    };
                    self.push(Tok::Int(n), start);
                }
                b if is_ident_start(b) => {
                    while self.i < self.s.len() && is_ident_char(self.s[self.i]) {
                        self.i += 1;
                    }
                    self.push(Tok::Ident, start);
                }
                b'{' => {
                    if let Some(d) = self.templates.last_mut() {
                        *d += 1;
                    }
                    self.i += 1;
                    self.push(Tok::LBrace, start);
                }
                b'}' => {
                    self.i += 1;
                    match self.templates.last_mut() {
                        Some(0) => {
                            // The end of an interpolation: the string goes on.
                            self.templates.pop();
                            self.string(start, false)?;
                        }
                        Some(d) => {
                            *d -= 1;
                            self.push(Tok::RBrace, start);
                        }
                        None => self.push(Tok::RBrace, start),
                    }
                }
                _ => self.punct(start)?,
            }
        }
        if !self.templates.is_empty() {
            return Err(self.err(
                self.s.len(),
                "unterminated string interpolation (missing '}')",
            ));
        }
        let end = self.s.len();
        self.i = end;
        self.push(Tok::Eof, end);
        Ok(())
    }

    fn punct(&mut self, start: usize) -> Result<(), LexError> {
        let (a, b, c) = (self.at(0), self.at(1), self.at(2));
        let (tok, len) = match (a, b) {
            (b'.', b'.') if c == b'.' => (Tok::Ellipsis, 3),
            (b':', b':') => (Tok::DoubleColon, 2),
            (b'.', b'?') => (Tok::QDot, 2),
            (b'?', b'?') => (Tok::Coalesce, 2),
            (b'!', b'=') => (Tok::NotEq, 2),
            (b'!', b'~') => (Tok::NotEqI, 2),
            (b'=', b'=') => (Tok::EqEq, 2),
            (b'=', b'~') => (Tok::EqI, 2),
            (b'=', b'>') => (Tok::Arrow, 2),
            (b'<', b'=') => (Tok::Le, 2),
            (b'>', b'=') => (Tok::Ge, 2),
            (b'&', b'&') => (Tok::AndAnd, 2),
            (b'|', b'|') => (Tok::OrOr, 2),
            (b'(', _) => (Tok::LParen, 1),
            (b')', _) => (Tok::RParen, 1),
            (b'[', _) => (Tok::LBracket, 1),
            (b']', _) => (Tok::RBracket, 1),
            (b',', _) => (Tok::Comma, 1),
            (b':', _) => (Tok::Colon, 1),
            (b'.', _) => (Tok::Dot, 1),
            (b'?', _) => (Tok::Question, 1),
            (b'!', _) => (Tok::Bang, 1),
            (b'<', _) => (Tok::Lt, 1),
            (b'>', _) => (Tok::Gt, 1),
            (b'+', _) => (Tok::Plus, 1),
            (b'-', _) => (Tok::Minus, 1),
            (b'*', _) => (Tok::Star, 1),
            (b'/', _) => (Tok::Slash, 1),
            (b'%', _) => (Tok::Percent, 1),
            (b'=', _) => (Tok::Assign, 1),
            (b'@', _) => (Tok::At, 1),
            (b'|', _) => (Tok::Pipe, 1),
            _ => {
                let ch = self.text[start..].chars().next().unwrap_or('?');
                return Err(self.err(start, format!("unexpected character '{ch}'")));
            }
        };
        self.i += len;
        self.push(tok, start);
        Ok(())
    }

    /// Scan string content after an opening `'` (`first`) or after the `}` closing an
    /// interpolation, up to the closing `'` or the next `${`.
    fn string(&mut self, start: usize, first: bool) -> Result<(), LexError> {
        let mut buf = String::new();
        loop {
            let Some(&b) = self.s.get(self.i) else {
                return Err(self.err(start, "unterminated string (missing the closing ')"));
            };
            match b {
                b'\'' => {
                    self.i += 1;
                    let tok = if first {
                        Tok::Str(buf.into())
                    } else {
                        Tok::StrTail(buf.into())
                    };
                    self.push(tok, start);
                    return Ok(());
                }
                b'\n' => {
                    return Err(self.err(
                        start,
                        "unterminated string (a '...' string cannot span lines; use ''' for multi-line text)",
                    ))
                }
                b'$' if self.at(1) == b'{' => {
                    self.i += 2;
                    let tok = if first {
                        Tok::StrHead(buf.into())
                    } else {
                        Tok::StrMid(buf.into())
                    };
                    self.push(tok, start);
                    if self.templates.len() >= 64 {
                        return Err(self.err(start, "string interpolation nested too deeply"));
                    }
                    self.templates.push(0);
                    return Ok(());
                }
                b'\\' => {
                    let esc = self.i;
                    self.i += 1;
                    let c = self.at(0);
                    self.i += 1;
                    match c {
                        b'\\' => buf.push('\\'),
                        b'\'' => buf.push('\''),
                        b'n' => buf.push('\n'),
                        b'r' => buf.push('\r'),
                        b't' => buf.push('\t'),
                        b'$' => buf.push('$'),
                        b'u' if self.at(0) == b'{' => {
                            let rest = &self.text[self.i + 1..];
                            let Some(close) = rest.find('}') else {
                                return Err(self.err(esc, "invalid \\u{…} escape"));
                            };
                            let hex = &rest[..close];
                            let ch = u32::from_str_radix(hex, 16).ok().and_then(char::from_u32);
                            let Some(ch) = ch else {
                                return Err(self.err(esc, format!("invalid \\u{{{hex}}} escape")));
                            };
                            buf.push(ch);
                            self.i += 1 + close + 1;
                        }
                        _ => {
                            return Err(self.err(
                                esc,
                                "invalid escape sequence (Bicep accepts \\\\ \\' \\n \\r \\t \\$ \\u{…})",
                            ))
                        }
                    }
                }
                _ => {
                    // Copy one whole UTF-8 character.
                    let ch_len = utf8_len(b);
                    let end = (self.i + ch_len).min(self.s.len());
                    buf.push_str(self.text.get(self.i..end).unwrap_or(""));
                    self.i = end;
                }
            }
        }
    }

    /// `'''…'''`: raw text, no escapes, no interpolation; a newline right after the opening
    /// quotes is not part of the value.
    fn multiline(&mut self, start: usize) -> Result<(), LexError> {
        let body = self.i + 3;
        let Some(end) = self.text[body..].find("'''") else {
            return Err(self.err(start, "unterminated multi-line string (missing ''')"));
        };
        let mut content = &self.text[body..body + end];
        if let Some(c) = content.strip_prefix("\r\n") {
            content = c;
        } else if let Some(c) = content.strip_prefix('\n') {
            content = c;
        }
        // A run of more than three quotes closes with the last three.
        let mut close = body + end;
        let mut extra = 0;
        while self.s.get(close + 3) == Some(&b'\'') {
            close += 1;
            extra += 1;
        }
        let mut value = content.to_string();
        value.push_str(&"'".repeat(extra));
        self.i = close + 3;
        self.push(Tok::Str(value.into()), start);
        Ok(())
    }
}

fn utf8_len(b: u8) -> usize {
    match b {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        lex(s).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn a_lone_carriage_return_ends_a_line() {
        let cr = toks("// head\rparam a string\r#disable-next-line x\rvar b = 1\r");
        assert_eq!(
            cr,
            toks("// head\nparam a string\n#disable-next-line x\nvar b = 1\n")
        );
        assert_eq!(
            cr,
            toks("// head\r\nparam a string\r\n#disable-next-line x\r\nvar b = 1\r\n")
        );
    }

    #[test]
    fn interpolation_nests() {
        let t = toks("'a${x}b${ {k: 'v'}.k }c'");
        assert_eq!(t[0], Tok::StrHead("a".into()));
        assert_eq!(t[1], Tok::Ident);
        assert_eq!(t[2], Tok::StrMid("b".into()));
        assert_eq!(t[3], Tok::LBrace);
        assert!(t.contains(&Tok::StrTail("c".into())));
    }

    #[test]
    fn escapes_and_multiline() {
        assert_eq!(
            toks(r"'it\'s \${x} \u{41}'")[0],
            Tok::Str("it's ${x} A".into())
        );
        assert_eq!(
            toks("'''\nline 'one'\n'''")[0],
            Tok::Str("line 'one'\n".into())
        );
    }

    #[test]
    fn errors_have_offsets() {
        let e = lex("var x = 'abc\nvar y = 1").unwrap_err();
        assert_eq!(e.offset, 8);
        assert!(lex("x = 99999999999999999999").is_err());
        assert!(lex("/* open").is_err());
        assert!(lex("'${a'").is_err());
        assert!(lex("x #").is_err());
        assert!(lex("  #disable-next-line BCP081\nx").is_ok());
    }

    fn inner(text: &str) -> Vec<&str> {
        comments(text).iter().map(|c| c.inner_text(text)).collect()
    }

    #[test]
    fn comments_skip_strings_and_verbatim() {
        let t = "var a = 'x // no ${'y'} /* no */' // yes\nvar b = '''\n// no\n'''\n/* two */";
        assert_eq!(inner(t), vec![" yes", " two "]);
        let c = comments(t)[0];
        assert_eq!(&t[c.start..c.end], "// yes");
        // `#` starts a directive, not a comment.
        assert!(comments("#disable-next-line BCP081\nx").is_empty());
    }

    #[test]
    fn a_broken_file_keeps_the_comments_before_its_error() {
        assert_eq!(inner("// a\nvar x = 'open\n// b\n"), vec![" a"]);
    }

    #[test]
    fn operators() {
        let t = toks("a.?b ?? c!.d :: e ... => =~ !~");
        assert!(t.contains(&Tok::QDot));
        assert!(t.contains(&Tok::Coalesce));
        assert!(t.contains(&Tok::Bang));
        assert!(t.contains(&Tok::DoubleColon));
        assert!(t.contains(&Tok::Ellipsis));
        assert!(t.contains(&Tok::Arrow));
        assert!(t.contains(&Tok::EqI));
        assert!(t.contains(&Tok::NotEqI));
    }
}
