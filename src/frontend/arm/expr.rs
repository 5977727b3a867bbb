//! The ARM template expression language: `[concat(parameters('a'), '-x')]`, with property and
//! index accessors. Parsing only; evaluation lives in `template.rs`.

#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Str(String),
    Int(i64),
    Bool(bool),
    Null,
    /// `name(args)`; user-defined functions keep their `namespace.name`.
    Call(String, Vec<Expr>),
    /// `e.prop`
    Member(Box<Expr>, String),
    /// `e[i]`
    Index(Box<Expr>, Box<Expr>),
}

/// The expression written back in ARM syntax (`equals(parameters('env'), 'prod')`): how a
/// condition is named when its value is a choice.
impl std::fmt::Display for Expr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Expr::Str(s) => write!(f, "'{}'", s.replace('\'', "''")),
            Expr::Int(i) => write!(f, "{i}"),
            Expr::Bool(b) => write!(f, "{b}"),
            Expr::Null => f.write_str("null()"),
            Expr::Call(n, args) => {
                write!(f, "{n}(")?;
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{a}")?;
                }
                f.write_str(")")
            }
            Expr::Member(b, n) => write!(f, "{b}.{n}"),
            Expr::Index(b, i) => write!(f, "{b}[{i}]"),
        }
    }
}

/// A string is an expression when it is wrapped in `[` `]` and does not start with `[[`.
pub fn is_expression(s: &str) -> bool {
    let t = s.trim();
    t.starts_with('[') && t.ends_with(']') && !t.starts_with("[[") && t.len() >= 2
}

/// A literal string that only looks like an expression: `[[x]` means `[x]`.
pub fn unescape_literal(s: &str) -> Option<String> {
    let t = s.trim_start();
    if t.starts_with("[[") {
        Some(s.replacen("[[", "[", 1))
    } else {
        None
    }
}

/// Nesting deeper than this is an error rather than a stack overflow.
const MAX_DEPTH: usize = 128;

/// Parse the text of an expression string, brackets included. Errors carry a character offset
/// into `src` and a message.
pub fn parse(src: &str) -> Result<Expr, (usize, String)> {
    let t = src.trim();
    let lead = src.len() - src.trim_start().len();
    if !is_expression(t) {
        return Err((0, "not an expression".into()));
    }
    let inner = &t[1..t.len() - 1];
    let mut p = P {
        s: inner.as_bytes(),
        text: inner,
        i: 0,
        depth: 0,
        base: lead + 1,
    };
    p.ws();
    let e = p.expr()?;
    p.ws();
    if p.i < p.s.len() {
        return Err(p.err("unexpected text after the expression"));
    }
    Ok(e)
}

struct P<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
    depth: usize,
    base: usize,
}

impl P<'_> {
    fn err(&self, m: &str) -> (usize, String) {
        (self.base + self.i, m.to_string())
    }
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn expr(&mut self) -> Result<Expr, (usize, String)> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err("expression nested too deeply"));
        }
        let mut e = self.primary()?;
        // Each accessor nests the tree one level more (and evaluating and dropping it recurse
        // as deep): a chain counts towards the same cap as parentheses.
        let outer = self.depth;
        loop {
            self.ws();
            if matches!(self.peek(), Some(b'.' | b'[')) {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return Err(self.err("expression nested too deeply"));
                }
            }
            match self.peek() {
                Some(b'.') => {
                    self.i += 1;
                    self.ws();
                    let name = self.ident();
                    if name.is_empty() {
                        return Err(self.err("expected a property name after '.'"));
                    }
                    e = Expr::Member(Box::new(e), name);
                }
                Some(b'[') => {
                    self.i += 1;
                    self.ws();
                    let idx = self.expr()?;
                    self.ws();
                    if self.peek() != Some(b']') {
                        return Err(self.err("expected ']'"));
                    }
                    self.i += 1;
                    e = Expr::Index(Box::new(e), Box::new(idx));
                }
                _ => break,
            }
        }
        self.depth = outer - 1;
        Ok(e)
    }

    fn ident(&mut self) -> String {
        let start = self.i;
        while let Some(c) = self.peek() {
            if c.is_ascii_alphanumeric() || c == b'_' || c == b'$' {
                self.i += 1;
            } else {
                break;
            }
        }
        self.text[start..self.i].to_string()
    }

    fn primary(&mut self) -> Result<Expr, (usize, String)> {
        self.ws();
        match self.peek() {
            None => Err(self.err("unexpected end of expression")),
            Some(b'\'') => {
                self.i += 1;
                let mut out = String::new();
                loop {
                    match self.peek() {
                        None => return Err(self.err("unterminated string")),
                        Some(b'\'') if self.s.get(self.i + 1) == Some(&b'\'') => {
                            out.push('\'');
                            self.i += 2;
                        }
                        Some(b'\'') => {
                            self.i += 1;
                            return Ok(Expr::Str(out));
                        }
                        Some(_) => {
                            let ch = self.text[self.i..].chars().next().unwrap_or('\u{fffd}');
                            out.push(ch);
                            self.i += ch.len_utf8().max(1);
                        }
                    }
                }
            }
            Some(c) if c.is_ascii_digit() || c == b'-' => {
                let start = self.i;
                self.i += 1;
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.i += 1;
                }
                self.text[start..self.i]
                    .parse()
                    .map(Expr::Int)
                    .map_err(|_| self.err("invalid number"))
            }
            Some(c) if c.is_ascii_alphabetic() || c == b'_' => {
                let mut name = self.ident();
                // Namespaced user functions: `ns.fn(`.
                while self.peek() == Some(b'.') {
                    let save = self.i;
                    self.i += 1;
                    let part = self.ident();
                    self.ws();
                    if !part.is_empty() && self.peek() == Some(b'(') {
                        name = format!("{name}.{part}");
                    } else {
                        self.i = save;
                        break;
                    }
                }
                self.ws();
                if self.peek() == Some(b'(') {
                    self.i += 1;
                    let mut args = Vec::new();
                    self.ws();
                    if self.peek() == Some(b')') {
                        self.i += 1;
                        return Ok(Expr::Call(name, args));
                    }
                    loop {
                        args.push(self.expr()?);
                        self.ws();
                        match self.peek() {
                            Some(b',') => self.i += 1,
                            Some(b')') => {
                                self.i += 1;
                                return Ok(Expr::Call(name, args));
                            }
                            _ => return Err(self.err("expected ',' or ')' in the argument list")),
                        }
                    }
                }
                match name.to_ascii_lowercase().as_str() {
                    "true" => Ok(Expr::Bool(true)),
                    "false" => Ok(Expr::Bool(false)),
                    "null" => Ok(Expr::Null),
                    _ => Err(self.err(&format!("'{name}' is not a function call"))),
                }
            }
            Some(_) => {
                let ch = self.text[self.i..].chars().next().unwrap_or('?');
                Err(self.err(&format!("unexpected character '{ch}'")))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_calls_members_and_indexes() {
        let e = parse("[reference('vnet').subnets[0].id]").unwrap();
        let Expr::Member(inner, id) = e else { panic!() };
        assert_eq!(id, "id");
        let Expr::Index(_, idx) = *inner else {
            panic!()
        };
        assert_eq!(*idx, Expr::Int(0));
        let e = parse("[concat('it''s', parameters('a'), -1, true)]").unwrap();
        let Expr::Call(name, args) = e else { panic!() };
        assert_eq!(name, "concat");
        assert_eq!(args[0], Expr::Str("it's".into()));
        assert_eq!(args[2], Expr::Int(-1));
        assert_eq!(args[3], Expr::Bool(true));
        assert!(matches!(parse("[ns.fn(1)]").unwrap(), Expr::Call(n, _) if n == "ns.fn"));
    }

    #[test]
    fn recognises_expressions_and_escapes() {
        assert!(is_expression("[variables('a')]"));
        assert!(!is_expression("[[not one]"));
        assert_eq!(unescape_literal("[[x]").as_deref(), Some("[x]"));
        assert!(!is_expression("plain"));
    }

    #[test]
    fn errors_do_not_panic() {
        for bad in [
            "[concat(]",
            "[']",
            "[a.]",
            "[f(1,]",
            "[x]",
            "[(]",
            "[1 2]",
            "[]",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        let deep = format!("[{}1{}]", "f(".repeat(500), ")".repeat(500));
        assert!(parse(&deep).is_err());
    }
}
