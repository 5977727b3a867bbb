//! Recursive-descent parser for `.bicep` and `.bicepparam`.
//!
//! Newlines: Bicep separates statements, object properties and array items with line breaks,
//! yet lets expressions continue over lines inside parentheses and around `?`, `:`, `??`,
//! `&&`, `||`. The parser keeps a stack of "newline-insensitive" regions: inside `( … )` and
//! `[ index ]` line breaks are skipped; inside `{ … }` and `[ … ]` literals they separate items.
//!
//! Nesting is capped ([`MAX_DEPTH`]) so a hostile file gives an error instead of a stack overflow.

use super::ast::*;
use super::lexer::{self, describe, Tok, Token};
use crate::model::Shared;
use crate::source::{FileId, Span};
use std::collections::HashMap;

/// Deeper nesting than this is reported as an error.
pub const MAX_DEPTH: usize = 100;

#[derive(Clone, Debug, PartialEq)]
pub struct ParseError {
    pub offset: usize,
    pub message: String,
}

pub fn parse(text: &str, file: FileId) -> Result<File, ParseError> {
    let tokens = lexer::lex(text).map_err(|e| ParseError {
        offset: e.offset,
        message: e.message,
    })?;
    let mut p = Parser {
        toks: tokens,
        pos: 0,
        text,
        file,
        modes: vec![false],
        depth: 0,
        exprs: Vec::new(),
        elems: Vec::new(),
        props: Vec::new(),
        idents: HashMap::default(),
    };
    p.file()
}

struct Parser<'a> {
    toks: Vec<Token>,
    pos: usize,
    text: &'a str,
    file: FileId,
    /// `true` = newlines are insignificant in the innermost region.
    modes: Vec<bool>,
    depth: usize,
    /// Arguments and interpolations of the lists being parsed, innermost last: each list is
    /// moved out into a boxed slice of its exact length ([`take`]), without the spare capacity
    /// of a growing vector (which an allocator may keep even after shrinking it).
    exprs: Vec<Expr>,
    /// The same for array items.
    elems: Vec<ArrayItem>,
    /// The same for object properties.
    props: Vec<ObjItem>,
    /// Identifiers met so far in the file (property names above all: `name`, `properties`,
    /// `location` repeat in every resource), shared rather than allocated per occurrence. A
    /// keyed hash (foldhash, seeded per process), as in the JSON parser: the names come from
    /// the linted file.
    idents: HashMap<&'a str, Shared<str>, foldhash::fast::RandomState>,
}

/// The items pushed onto `stack` from `mark` on, moved out into a boxed slice of their exact
/// number.
fn take<T>(stack: &mut Vec<T>, mark: usize) -> Box<[T]> {
    stack.drain(mark..).collect()
}

type R<T> = Result<T, ParseError>;

impl<'a> Parser<'a> {
    // ---- token access -------------------------------------------------------------------

    fn insensitive(&self) -> bool {
        *self.modes.last().unwrap_or(&false)
    }
    fn skip_soft(&mut self) {
        if self.insensitive() {
            self.skip_nl();
        }
    }
    fn skip_nl(&mut self) {
        while matches!(self.toks.get(self.pos).map(|t| &t.tok), Some(Tok::Newline)) {
            self.pos += 1;
        }
    }
    fn tok(&mut self) -> &Token {
        self.skip_soft();
        self.raw(0)
    }
    fn raw(&self, k: usize) -> &Token {
        let i = (self.pos + k).min(self.toks.len() - 1);
        &self.toks[i]
    }
    fn peek(&mut self) -> Tok {
        self.tok().tok.clone()
    }
    /// The next token that is not a newline, without consuming anything.
    fn peek_past_nl(&self) -> &Tok {
        let mut i = self.pos;
        while i < self.toks.len() - 1 && self.toks[i].tok == Tok::Newline {
            i += 1;
        }
        &self.toks[i].tok
    }
    fn nth_past_nl(&self, mut n: usize) -> (&Tok, usize) {
        let mut i = self.pos;
        loop {
            while i < self.toks.len() - 1 && self.toks[i].tok == Tok::Newline {
                i += 1;
            }
            if n == 0 || i >= self.toks.len() - 1 {
                return (&self.toks[i].tok, i);
            }
            n -= 1;
            i += 1;
        }
    }
    fn bump(&mut self) -> Token {
        self.skip_soft();
        let t = self.raw(0).clone();
        if self.pos < self.toks.len() - 1 {
            self.pos += 1;
        }
        t
    }
    fn text_of(&self, t: &Token) -> &'a str {
        self.text
            .get(t.start as usize..t.end as usize)
            .unwrap_or("")
    }
    /// The text of identifier `t`, shared with its earlier occurrences.
    fn ident(&mut self, t: &Token) -> Shared<str> {
        let text = self.text_of(t);
        self.idents
            .entry(text)
            .or_insert_with(|| Shared::from(text))
            .clone()
    }
    fn is_ident(&mut self, word: &str) -> bool {
        let t = self.tok().clone();
        t.tok == Tok::Ident && self.text_of(&t) == word
    }
    fn span(&self, start: u32, end: u32) -> Span {
        Span::new(self.file, start as usize, end as usize)
    }
    fn prev_end(&self) -> u32 {
        if self.pos == 0 {
            0
        } else {
            self.toks[self.pos - 1].end
        }
    }
    fn err_at(&self, offset: u32, m: impl Into<String>) -> ParseError {
        ParseError {
            offset: offset as usize,
            message: m.into(),
        }
    }
    fn unexpected(&mut self, wanted: &str) -> ParseError {
        let t = self.tok().clone();
        let found = describe(&t.tok, self.text_of(&t));
        self.err_at(t.start, format!("expected {wanted}, found {found}"))
    }
    fn expect(&mut self, tok: Tok, wanted: &str) -> R<Token> {
        if self.peek() == tok {
            Ok(self.bump())
        } else {
            Err(self.unexpected(wanted))
        }
    }
    fn eat(&mut self, tok: Tok) -> bool {
        if self.peek() == tok {
            self.bump();
            true
        } else {
            false
        }
    }
    fn name(&mut self, what: &str) -> R<Name> {
        let t = self.tok().clone();
        if t.tok != Tok::Ident {
            return Err(self.unexpected(what));
        }
        self.bump();
        Ok(Name {
            text: self.ident(&t),
            span: self.span(t.start, t.end),
        })
    }
    fn string_lit(&mut self, what: &str) -> R<(Shared<str>, Span)> {
        let t = self.tok().clone();
        match &t.tok {
            Tok::Str(s) => {
                self.bump();
                Ok((s.clone(), self.span(t.start, t.end)))
            }
            Tok::StrHead(_) => Err(self.err_at(
                t.start,
                format!("{what} must be a plain string without interpolation"),
            )),
            _ => Err(self.unexpected(what)),
        }
    }
    fn enter(&mut self) -> R<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let at = self.raw(0).start;
            return Err(self.err_at(
                at,
                format!("the code is nested more than {MAX_DEPTH} levels deep"),
            ));
        }
        Ok(())
    }
    fn leave(&mut self) {
        self.depth -= 1;
    }
    fn with_mode<T>(&mut self, insensitive: bool, f: impl FnOnce(&mut Self) -> R<T>) -> R<T> {
        self.modes.push(insensitive);
        let r = f(self);
        self.modes.pop();
        r
    }

    // ---- statements ---------------------------------------------------------------------

    fn file(&mut self) -> R<File> {
        let mut decls = Vec::new();
        loop {
            self.skip_nl();
            if self.raw(0).tok == Tok::Eof {
                break;
            }
            let d = self.decl()?;
            decls.push(d);
            match self.raw(0).tok {
                Tok::Newline | Tok::Eof => {}
                _ => return Err(self.unexpected("the end of the line after the declaration")),
            }
        }
        Ok(File {
            decls: decls.into(),
        })
    }

    fn decorators(&mut self) -> R<Box<[Expr]>> {
        let mut out = Vec::new();
        while self.peek() == Tok::At {
            self.bump();
            let e = self.postfix()?;
            out.push(e);
            self.skip_nl();
        }
        Ok(out.into())
    }

    fn decl(&mut self) -> R<Decl> {
        let decorators = self.decorators()?;
        let t = self.tok().clone();
        let start = t.start;
        if t.tok != Tok::Ident {
            return Err(self.unexpected("a declaration (param, var, resource, module, output, …)"));
        }
        let word = self.text_of(&t);
        let kind = match word {
            "targetScope" => {
                self.bump();
                self.expect(Tok::Assign, "'='")?;
                DeclKind::TargetScope(self.value()?)
            }
            "metadata" => {
                self.bump();
                let name = self.name("a metadata name")?;
                self.expect(Tok::Assign, "'='")?;
                DeclKind::Metadata(name, self.value()?)
            }
            "param" => {
                self.bump();
                let name = self.name("a parameter name")?;
                let ty = if self.peek() == Tok::Assign {
                    None
                } else {
                    Some(self.decl_type()?)
                };
                let default = if self.eat(Tok::Assign) {
                    Some(self.value()?)
                } else {
                    None
                };
                DeclKind::Param { name, ty, default }
            }
            "var" => {
                self.bump();
                let name = self.name("a variable name")?;
                if self.peek() != Tok::Assign {
                    self.decl_type()?;
                }
                self.expect(Tok::Assign, "'=' and the variable's value")?;
                DeclKind::Var {
                    name,
                    value: self.value()?,
                }
            }
            "resource" => {
                self.bump();
                DeclKind::Resource(Shared::new(self.resource(decorators.clone(), start)?))
            }
            "module" => {
                self.bump();
                let name = self.name("a module name")?;
                let (path, path_span) = self.string_lit("the module path as a string")?;
                self.expect(Tok::Assign, "'='")?;
                let body = self.body()?;
                DeclKind::Module {
                    name,
                    path,
                    path_span,
                    body,
                }
            }
            "output" => {
                self.bump();
                let name = self.name("an output name")?;
                self.decl_type()?;
                self.expect(Tok::Assign, "'=' and the output's value")?;
                DeclKind::Output {
                    name,
                    value: self.value()?,
                }
            }
            "type" => {
                self.bump();
                let name = self.name("a type name")?;
                self.expect(Tok::Assign, "'='")?;
                self.skip_nl();
                self.ty()?;
                DeclKind::Type { name }
            }
            "func" => {
                self.bump();
                let name = self.name("a function name")?;
                let lambda = self.func_sig()?;
                DeclKind::Func { name, lambda }
            }
            "import" => {
                self.bump();
                self.import()?
            }
            "extension" | "provider" => {
                self.bump();
                let t = self.bump();
                if !matches!(t.tok, Tok::Ident | Tok::Str(_)) {
                    return Err(self.err_at(t.start, "expected an extension name"));
                }
                if self.is_ident("with") {
                    self.bump();
                    self.value()?;
                }
                if self.is_ident("as") {
                    self.bump();
                    self.name("an alias")?;
                }
                DeclKind::Extension
            }
            "using" => {
                self.bump();
                if self.is_ident("none") {
                    self.bump();
                    DeclKind::Using(None)
                } else {
                    let p = self.string_lit("the path of the Bicep file as a string")?;
                    if self.is_ident("with") {
                        self.bump();
                        self.value()?;
                    }
                    DeclKind::Using(Some(p))
                }
            }
            "extends" => {
                self.bump();
                let (p, span) = self.string_lit("the path of the base parameter file as a string")?;
                DeclKind::Extends(p, span)
            }
            "assert" => {
                self.bump();
                let name = self.name("an assertion name")?;
                self.expect(Tok::Assign, "'='")?;
                DeclKind::Assert {
                    name,
                    value: self.value()?,
                }
            }
            _ => {
                return Err(self.err_at(
                    t.start,
                    format!(
                        "expected a declaration (param, var, resource, module, output, type, func, import, …), found '{word}'"
                    ),
                ))
            }
        };
        let end = self.prev_end();
        Ok(Decl {
            decorators,
            kind,
            span: self.span(start, end),
        })
    }

    /// The value after `=`: may start on the next line only inside brackets, as in Bicep.
    fn value(&mut self) -> R<Expr> {
        self.expr()
    }

    fn resource(&mut self, decorators: Box<[Expr]>, start: u32) -> R<ResourceDecl> {
        let name = self.name("a resource name")?;
        let (rtype, rtype_span) =
            self.string_lit("the resource type as a string ('Namespace/type@version')")?;
        let existing = if self.is_ident("existing") {
            self.bump();
            true
        } else {
            false
        };
        self.expect(Tok::Assign, "'='")?;
        let body = self.body()?;
        Ok(ResourceDecl {
            decorators,
            name,
            rtype,
            rtype_span,
            existing,
            body,
            span: self.span(start, self.prev_end()),
        })
    }

    /// A resource or module body: `{…}`, `if (c) {…}` or `[for …]`.
    fn body(&mut self) -> R<Expr> {
        if self.is_ident("if") {
            let start = self.bump().start;
            self.expect(Tok::LParen, "'(' after 'if'")?;
            let cond = self.with_mode(true, |p| p.expr())?;
            self.expect(Tok::RParen, "')'")?;
            self.skip_nl();
            let body = self.expr()?;
            let span = self.span(start, self.prev_end());
            return Ok(Expr {
                kind: ExprKind::If {
                    cond: Box::new(cond),
                    body: Box::new(body),
                },
                span,
            });
        }
        self.expr()
    }

    fn func_sig(&mut self) -> R<Shared<Lambda>> {
        self.expect(Tok::LParen, "'(' and the function's parameters")?;
        let params = self.with_mode(true, |p| {
            let mut params = Vec::new();
            while p.peek() != Tok::RParen {
                let n = p.name("a parameter name")?;
                p.ty()?;
                params.push(n);
                if !p.eat(Tok::Comma) {
                    break;
                }
            }
            p.expect(Tok::RParen, "')'")?;
            Ok(params)
        })?;
        self.ty()?;
        self.expect(Tok::Arrow, "'=>' and the function body")?;
        self.skip_nl();
        let body = self.expr()?;
        Ok(Shared::new(Lambda {
            params: params.into(),
            body,
        }))
    }

    fn import(&mut self) -> R<DeclKind> {
        match self.peek() {
            Tok::Str(_) => {
                // Legacy provider import: `import 'az@1.0.0' [with {…}] [as alias]`.
                self.bump();
                if self.is_ident("with") {
                    self.bump();
                    self.value()?;
                }
                if self.is_ident("as") {
                    self.bump();
                    self.name("an alias")?;
                }
                Ok(DeclKind::Import {
                    from: None,
                    kind: ImportKind::Other,
                })
            }
            Tok::Star => {
                self.bump();
                if !self.is_ident("as") {
                    return Err(self.unexpected("'as' after 'import *'"));
                }
                self.bump();
                let alias = self.name("a namespace name")?;
                let from = self.import_from()?;
                Ok(DeclKind::Import {
                    from: Some(from),
                    kind: ImportKind::Wildcard(alias),
                })
            }
            Tok::LBrace => {
                self.bump();
                let items = self.with_mode(true, |p| {
                    let mut items = Vec::new();
                    loop {
                        if p.peek() == Tok::RBrace {
                            break;
                        }
                        let n = p.name("an exported name")?;
                        let alias = if p.is_ident("as") {
                            p.bump();
                            p.name("an alias")?
                        } else {
                            n.clone()
                        };
                        items.push((n, alias));
                        if !p.eat(Tok::Comma) && p.peek() != Tok::RBrace {
                            return Err(p.unexpected("',' or '}'"));
                        }
                    }
                    p.expect(Tok::RBrace, "'}'")?;
                    Ok(items)
                })?;
                let from = self.import_from()?;
                Ok(DeclKind::Import {
                    from: Some(from),
                    kind: ImportKind::Named(items),
                })
            }
            _ => Err(self.unexpected("'{', '*' or a string after 'import'")),
        }
    }

    fn import_from(&mut self) -> R<(Shared<str>, Span)> {
        if !self.is_ident("from") {
            return Err(self.unexpected("'from'"));
        }
        self.bump();
        self.string_lit("the path to import from, as a string")
    }

    // ---- types --------------------------------------------------------------------------

    /// A declaration's type: `resource '…'` is allowed here besides ordinary types.
    fn decl_type(&mut self) -> R<TypeRef> {
        if self.is_ident("resource") && matches!(self.raw(1).tok, Tok::Str(_)) {
            let start = self.bump().start;
            self.bump();
            return Ok(TypeRef {
                span: self.span(start, self.prev_end()),
                nullable: false,
            });
        }
        self.ty()
    }

    fn ty(&mut self) -> R<TypeRef> {
        self.enter()?;
        let r = self.ty_inner();
        self.leave();
        r
    }

    fn ty_inner(&mut self) -> R<TypeRef> {
        let start = self.tok().start;
        self.eat(Tok::Pipe);
        let mut nullable = false;
        loop {
            nullable |= self.ty_postfix()?;
            if *self.peek_past_nl() == Tok::Pipe {
                self.skip_nl();
                self.bump();
                self.skip_nl();
                continue;
            }
            break;
        }
        Ok(TypeRef {
            span: self.span(start, self.prev_end()),
            nullable,
        })
    }

    /// One member of a union; returns whether it makes the type nullable.
    fn ty_postfix(&mut self) -> R<bool> {
        let mut nullable = self.ty_primary()?;
        loop {
            match self.raw(0).tok {
                Tok::LBracket => {
                    self.bump();
                    self.with_mode(true, |p| {
                        if p.peek() != Tok::RBracket {
                            let t = p.bump();
                            if !matches!(t.tok, Tok::Int(_) | Tok::Star) {
                                return Err(p.err_at(t.start, "expected ']' in an array type"));
                            }
                        }
                        p.expect(Tok::RBracket, "']'")?;
                        Ok(())
                    })?;
                    nullable = false;
                }
                Tok::Question => {
                    self.bump();
                    nullable = true;
                }
                Tok::Dot => {
                    self.bump();
                    self.name("a property name")?;
                }
                Tok::Bang => {
                    self.bump();
                }
                _ => break,
            }
        }
        Ok(nullable)
    }

    fn ty_primary(&mut self) -> R<bool> {
        let t = self.tok().clone();
        match &t.tok {
            Tok::Ident => {
                let word = self.text_of(&t);
                if word == "resource" && matches!(self.raw(1).tok, Tok::Str(_)) {
                    self.bump();
                    self.bump();
                    return Ok(false);
                }
                self.bump();
                if self.raw(0).tok == Tok::Lt {
                    // `resourceInput<'type@version'>` and other generic types.
                    self.bump();
                    self.with_mode(true, |p| {
                        loop {
                            match p.peek() {
                                Tok::Str(_) => {
                                    p.bump();
                                }
                                _ => {
                                    p.ty()?;
                                }
                            }
                            if !p.eat(Tok::Comma) {
                                break;
                            }
                        }
                        p.expect(Tok::Gt, "'>'")?;
                        Ok(())
                    })?;
                }
                Ok(word == "null")
            }
            Tok::Str(_) | Tok::Int(_) => {
                self.bump();
                Ok(false)
            }
            Tok::Minus => {
                self.bump();
                let t = self.bump();
                if !matches!(t.tok, Tok::Int(_)) {
                    return Err(self.err_at(t.start, "expected a number after '-'"));
                }
                Ok(false)
            }
            Tok::LParen => {
                self.bump();
                let r = self.with_mode(true, |p| {
                    let r = p.ty()?;
                    p.expect(Tok::RParen, "')'")?;
                    Ok(r.nullable)
                })?;
                Ok(r)
            }
            Tok::LBrace => {
                self.bump();
                self.with_mode(false, |p| {
                    p.items(Tok::RBrace, "'}'", |p| {
                        p.decorators()?;
                        let k = p.bump();
                        if !matches!(k.tok, Tok::Ident | Tok::Str(_) | Tok::Star) {
                            return Err(
                                p.err_at(k.start, "expected a property name in an object type")
                            );
                        }
                        p.eat(Tok::Question);
                        p.expect(Tok::Colon, "':'")?;
                        p.skip_nl();
                        p.ty()?;
                        Ok(())
                    })
                })?;
                Ok(false)
            }
            Tok::LBracket => {
                self.bump();
                self.with_mode(false, |p| {
                    p.items(Tok::RBracket, "']'", |p| {
                        p.decorators()?;
                        p.ty()?;
                        Ok(())
                    })
                })?;
                Ok(false)
            }
            _ => Err(self.unexpected("a type")),
        }
    }

    /// Skip item separators (newlines and commas).
    fn skip_seps(&mut self) {
        while matches!(self.raw(0).tok, Tok::Newline | Tok::Comma) {
            self.pos += 1;
        }
    }

    /// The items of `{…}` or `[…]` after the opener, up to and including `close`: new lines and
    /// commas separate them, `each` parses one item.
    fn items(
        &mut self,
        close: Tok,
        close_text: &str,
        mut each: impl FnMut(&mut Self) -> R<()>,
    ) -> R<()> {
        loop {
            self.skip_seps();
            if self.raw(0).tok == close {
                break;
            }
            each(self)?;
            self.after_item(close.clone(), close_text)?;
        }
        self.bump();
        Ok(())
    }

    /// After an item of an object or array: a separator or the closing bracket must follow.
    fn after_item(&mut self, close: Tok, close_text: &str) -> R<()> {
        match &self.raw(0).tok {
            Tok::Newline | Tok::Comma => Ok(()),
            t if *t == close => Ok(()),
            _ => Err(self.unexpected(&format!("a new line, ',' or {close_text}"))),
        }
    }

    // ---- expressions --------------------------------------------------------------------

    pub fn expr(&mut self) -> R<Expr> {
        self.enter()?;
        let r = self.ternary();
        self.leave();
        r
    }

    fn ternary(&mut self) -> R<Expr> {
        let cond = self.binary(1)?;
        if *self.peek_past_nl() == Tok::Question {
            self.skip_nl();
            self.bump();
            self.skip_nl();
            let a = self.expr()?;
            self.skip_nl();
            self.expect(Tok::Colon, "':' in the conditional expression")?;
            self.skip_nl();
            let b = self.expr()?;
            let span = cond.span.to(b.span);
            return Ok(Expr {
                kind: ExprKind::Ternary(Box::new([cond, a, b])),
                span,
            });
        }
        Ok(cond)
    }

    /// Binary operators by precedence climbing: only the right operand recurses, so nesting
    /// depth stays proportional to the source's own nesting.
    fn binary(&mut self, min_prec: u8) -> R<Expr> {
        let depth = self.depth;
        let r = self.binary_chain(min_prec);
        // Each operator of a chain nests the tree one level deeper.
        self.depth = depth;
        r
    }

    fn binary_chain(&mut self, min_prec: u8) -> R<Expr> {
        let mut left = self.unary()?;
        loop {
            // `??`, `||` and `&&` may begin a continuation line.
            let past = self.peek_past_nl().clone();
            let continues = matches!(past, Tok::Coalesce | Tok::OrOr | Tok::AndAnd);
            let tok = if continues { past } else { self.peek() };
            let (op, prec) = match tok {
                Tok::Coalesce => (BinOp::Coalesce, 1),
                Tok::OrOr => (BinOp::Or, 2),
                Tok::AndAnd => (BinOp::And, 3),
                Tok::EqEq => (BinOp::Eq, 4),
                Tok::NotEq => (BinOp::Ne, 4),
                Tok::EqI => (BinOp::EqI, 4),
                Tok::NotEqI => (BinOp::NeI, 4),
                Tok::Lt => (BinOp::Lt, 5),
                Tok::Le => (BinOp::Le, 5),
                Tok::Gt => (BinOp::Gt, 5),
                Tok::Ge => (BinOp::Ge, 5),
                Tok::Plus => (BinOp::Add, 6),
                Tok::Minus => (BinOp::Sub, 6),
                Tok::Star => (BinOp::Mul, 7),
                Tok::Slash => (BinOp::Div, 7),
                Tok::Percent => (BinOp::Mod, 7),
                _ => break,
            };
            if prec < min_prec {
                break;
            }
            self.enter()?;
            self.skip_nl_if(continues);
            self.bump();
            self.skip_nl();
            let right = self.binary(prec + 1)?;
            let span = left.span.to(right.span);
            left = Expr {
                kind: ExprKind::Binary(op, Box::new(left), Box::new(right)),
                span,
            };
        }
        Ok(left)
    }

    fn skip_nl_if(&mut self, yes: bool) {
        if yes {
            self.skip_nl();
        }
    }

    fn unary(&mut self) -> R<Expr> {
        let t = self.tok().clone();
        let op = match t.tok {
            Tok::Bang => UnOp::Not,
            Tok::Minus => UnOp::Neg,
            _ => return self.postfix(),
        };
        self.bump();
        self.enter()?;
        let inner = self.unary();
        self.leave();
        let inner = inner?;
        // `-5` is a literal.
        if let (UnOp::Neg, ExprKind::Int(n)) = (op, &inner.kind) {
            return Ok(Expr {
                kind: ExprKind::Int(n.wrapping_neg()),
                span: self.span(t.start, inner.span.end),
            });
        }
        let span = self.span(t.start, inner.span.end);
        Ok(Expr {
            kind: ExprKind::Unary(op, Box::new(inner)),
            span,
        })
    }

    fn postfix(&mut self) -> R<Expr> {
        let depth = self.depth;
        let r = self.postfix_chain();
        self.depth = depth;
        r
    }

    fn postfix_chain(&mut self) -> R<Expr> {
        let mut e = self.primary()?;
        loop {
            let t = self.tok().clone();
            if matches!(
                t.tok,
                Tok::Dot | Tok::QDot | Tok::DoubleColon | Tok::LBracket | Tok::Bang | Tok::LParen
            ) {
                // Each access nests the tree one level deeper.
                self.enter()?;
            }
            let start = e.span.start;
            match t.tok {
                Tok::Dot | Tok::QDot => {
                    self.bump();
                    let name = self.name("a property name after '.'")?;
                    if t.tok == Tok::Dot && self.raw(0).tok == Tok::LParen {
                        let args = self.args()?;
                        e = Expr {
                            kind: ExprKind::Call(Box::new(Call {
                                target: Some(Box::new(e)),
                                name,
                                args,
                            })),
                            span: self.span(start, self.prev_end()),
                        };
                    } else {
                        e = Expr {
                            kind: ExprKind::Member(Box::new(Member {
                                base: e,
                                name,
                                safe: t.tok == Tok::QDot,
                            })),
                            span: self.span(start, self.prev_end()),
                        };
                    }
                }
                Tok::DoubleColon => {
                    self.bump();
                    let name = self.name("a nested resource name after '::'")?;
                    e = Expr {
                        kind: ExprKind::Child(Box::new(Child { base: e, name })),
                        span: self.span(start, self.prev_end()),
                    };
                }
                Tok::LBracket => {
                    self.bump();
                    let (index, safe) = self.with_mode(true, |p| {
                        let safe = p.eat(Tok::Question);
                        let index = p.expr()?;
                        p.expect(Tok::RBracket, "']'")?;
                        Ok((index, safe))
                    })?;
                    e = Expr {
                        kind: ExprKind::Index {
                            base: Box::new(e),
                            index: Box::new(index),
                            safe,
                        },
                        span: self.span(start, self.prev_end()),
                    };
                }
                Tok::Bang => {
                    self.bump();
                    e = Expr {
                        kind: ExprKind::NonNull(Box::new(e)),
                        span: self.span(start, self.prev_end()),
                    };
                }
                Tok::LParen if matches!(e.kind, ExprKind::Ident(_)) => {
                    let ExprKind::Ident(name) = &e.kind else {
                        unreachable!()
                    };
                    let name = Name {
                        text: name.clone(),
                        span: e.span,
                    };
                    let args = self.args()?;
                    e = Expr {
                        kind: ExprKind::Call(Box::new(Call {
                            target: None,
                            name,
                            args,
                        })),
                        span: self.span(start, self.prev_end()),
                    };
                }
                _ => break,
            }
        }
        Ok(e)
    }

    fn args(&mut self) -> R<Box<[Expr]>> {
        self.expect(Tok::LParen, "'('")?;
        let mark = self.exprs.len();
        let r = self.with_mode(true, |p| {
            while p.peek() != Tok::RParen {
                let e = p.expr()?;
                p.exprs.push(e);
                if !p.eat(Tok::Comma) {
                    break;
                }
            }
            p.expect(Tok::RParen, "')' or ',' in the argument list")?;
            Ok(())
        });
        let args = take(&mut self.exprs, mark);
        r.map(|()| args)
    }

    fn primary(&mut self) -> R<Expr> {
        let t = self.tok().clone();
        let sp = self.span(t.start, t.end);
        match &t.tok {
            Tok::Int(n) => {
                self.bump();
                Ok(Expr {
                    kind: ExprKind::Int(*n),
                    span: sp,
                })
            }
            Tok::Str(s) => {
                self.bump();
                Ok(Expr {
                    kind: ExprKind::Str(s.clone()),
                    span: sp,
                })
            }
            Tok::StrHead(_) => self.template(),
            Tok::Ident => {
                let word = self.text_of(&t);
                // `x => body`
                if self.raw(1).tok == Tok::Arrow {
                    self.bump();
                    self.bump();
                    self.skip_nl();
                    let body = self.expr()?;
                    let span = self.span(t.start, body.span.end);
                    let params = Box::new([Name {
                        text: self.ident(&t),
                        span: sp,
                    }]);
                    return Ok(Expr {
                        kind: ExprKind::Lambda(Shared::new(Lambda { params, body })),
                        span,
                    });
                }
                self.bump();
                let kind = match word {
                    "true" => ExprKind::Bool(true),
                    "false" => ExprKind::Bool(false),
                    "null" => ExprKind::Null,
                    _ => ExprKind::Ident(self.ident(&t)),
                };
                Ok(Expr { kind, span: sp })
            }
            Tok::LParen => {
                if self.is_lambda() {
                    return self.lambda();
                }
                self.bump();
                let inner = self.with_mode(true, |p| {
                    let e = p.expr()?;
                    p.expect(Tok::RParen, "')'")?;
                    Ok(e)
                })?;
                Ok(Expr {
                    kind: ExprKind::Paren(Box::new(inner)),
                    span: self.span(t.start, self.prev_end()),
                })
            }
            Tok::LBracket => self.array(),
            Tok::LBrace => self.object(),
            _ => Err(self.unexpected("an expression")),
        }
    }

    /// At `(`: is this `(a, b) => …` or `() => …`?
    fn is_lambda(&self) -> bool {
        let mut n = 1;
        loop {
            let (t, _) = self.nth_past_nl(n);
            match t {
                Tok::RParen => return matches!(self.nth_past_nl(n + 1).0, Tok::Arrow),
                Tok::Ident => {
                    n += 1;
                    match self.nth_past_nl(n).0 {
                        Tok::Comma => n += 1,
                        Tok::RParen => continue,
                        _ => return false,
                    }
                }
                _ => return false,
            }
        }
    }

    fn lambda(&mut self) -> R<Expr> {
        let start = self.bump().start;
        let params = self.with_mode(true, |p| {
            let mut params = Vec::new();
            while p.peek() != Tok::RParen {
                params.push(p.name("a lambda parameter")?);
                if !p.eat(Tok::Comma) {
                    break;
                }
            }
            p.expect(Tok::RParen, "')'")?;
            Ok(params)
        })?;
        self.expect(Tok::Arrow, "'=>'")?;
        self.skip_nl();
        let body = self.expr()?;
        let span = self.span(start, body.span.end);
        let params = params.into();
        Ok(Expr {
            kind: ExprKind::Lambda(Shared::new(Lambda { params, body })),
            span,
        })
    }

    fn template(&mut self) -> R<Expr> {
        let first = self.bump();
        let Tok::StrHead(h) = &first.tok else {
            return Err(self.err_at(first.start, "expected a string"));
        };
        let mut lits = vec![h.clone()];
        let mark = self.exprs.len();
        let r = self.with_mode(true, |p| loop {
            let e = p.expr()?;
            p.exprs.push(e);
            let t = p.bump();
            match t.tok {
                Tok::StrMid(s) => lits.push(s),
                Tok::StrTail(s) => {
                    lits.push(s);
                    return Ok(());
                }
                _ => {
                    return Err(p.err_at(t.start, "expected '}' to close the string interpolation"))
                }
            }
        });
        let exprs = take(&mut self.exprs, mark);
        r?;
        Ok(Expr {
            kind: ExprKind::Template(Box::new(Template {
                lits: lits.into(),
                exprs,
            })),
            span: self.span(first.start, self.prev_end()),
        })
    }

    fn array(&mut self) -> R<Expr> {
        let start = self.bump().start;
        self.with_mode(false, |p| {
            p.skip_nl();
            if p.is_ident("for") {
                let f = p.for_expr()?;
                p.skip_nl();
                p.expect(Tok::RBracket, "']' to close the for expression")?;
                return Ok(Expr {
                    kind: ExprKind::For(Shared::new(f)),
                    span: p.span(start, p.prev_end()),
                });
            }
            let mark = p.elems.len();
            let r = p.items(Tok::RBracket, "']'", |p| {
                let item = if p.raw(0).tok == Tok::Ellipsis {
                    p.bump();
                    ArrayItem::Spread(Box::new(p.expr()?))
                } else {
                    ArrayItem::Item(p.expr()?)
                };
                p.elems.push(item);
                Ok(())
            });
            let items = take(&mut p.elems, mark);
            r?;
            Ok(Expr {
                kind: ExprKind::Array(items),
                span: p.span(start, p.prev_end()),
            })
        })
    }

    fn for_expr(&mut self) -> R<ForExpr> {
        self.bump(); // for
        let (item, index) = if self.peek() == Tok::LParen {
            self.bump();
            self.with_mode(true, |p| {
                let item = p.name("the loop item name")?;
                let index = if p.eat(Tok::Comma) {
                    Some(p.name("the loop index name")?)
                } else {
                    None
                };
                p.expect(Tok::RParen, "')'")?;
                Ok((Some(item), index))
            })?
        } else {
            (Some(self.name("the loop item name")?), None)
        };
        if !self.is_ident("in") {
            return Err(self.unexpected("'in'"));
        }
        self.bump();
        let iter = self.with_mode(true, |p| p.expr())?;
        self.expect(Tok::Colon, "':' after the loop's collection")?;
        self.skip_nl();
        let mut filter = None;
        if self.is_ident("if") && matches!(self.peek_after_if(), Tok::LParen) {
            self.bump();
            self.expect(Tok::LParen, "'('")?;
            filter = Some(self.with_mode(true, |p| p.expr())?);
            self.expect(Tok::RParen, "')'")?;
            self.skip_nl();
        }
        let body = self.expr()?;
        Ok(ForExpr {
            item,
            index,
            iter,
            filter,
            body,
        })
    }

    fn peek_after_if(&self) -> Tok {
        self.nth_past_nl(1).0.clone()
    }

    fn object(&mut self) -> R<Expr> {
        let start = self.bump().start;
        self.with_mode(false, |p| {
            let mark = p.props.len();
            let r = p.items(Tok::RBrace, "'}'", |p| {
                let decorators = p.decorators()?;
                let t = p.raw(0).clone();
                let item = if t.tok == Tok::Ellipsis {
                    p.bump();
                    ObjItem::Spread(p.expr()?)
                } else if t.tok == Tok::Ident
                    && p.text_of(&t) == "resource"
                    && p.raw(1).tok == Tok::Ident
                {
                    p.bump();
                    let r = p.resource(decorators, t.start)?;
                    ObjItem::Resource(Shared::new(r))
                } else {
                    let key = p.obj_key()?;
                    p.expect(Tok::Colon, "':' after the property name")?;
                    p.skip_nl();
                    let value = p.expr()?;
                    let span = key.span.to(value.span);
                    ObjItem::Prop { key, value, span }
                };
                p.props.push(item);
                Ok(())
            });
            let items = take(&mut p.props, mark);
            r?;
            Ok(Expr {
                kind: ExprKind::Object(items),
                span: p.span(start, p.prev_end()),
            })
        })
    }

    fn obj_key(&mut self) -> R<ObjKey> {
        let t = self.raw(0).clone();
        let span = self.span(t.start, t.end);
        match &t.tok {
            Tok::Ident => {
                self.bump();
                Ok(ObjKey {
                    name: KeyName::Lit(self.ident(&t)),
                    span,
                })
            }
            Tok::Str(s) => {
                self.bump();
                Ok(ObjKey {
                    name: KeyName::Lit(s.clone()),
                    span,
                })
            }
            Tok::StrHead(_) => {
                let e = self.template()?;
                Ok(ObjKey {
                    span: e.span,
                    name: KeyName::Expr(Box::new(e)),
                })
            }
            _ => Err(self.unexpected("a property name")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(src: &str) -> File {
        match parse(src, FileId(0)) {
            Ok(f) => f,
            Err(e) => panic!("{} at {}: {:?}", e.message, e.offset, &src[e.offset..]),
        }
    }

    fn line_of(src: &str, off: usize) -> usize {
        src[..off].matches('\n').count() + 1
    }

    #[test]
    fn declarations() {
        let f = ok(r#"
targetScope = 'resourceGroup'
metadata info = { a: 1 }
@description('x')
@allowed([
  'a'
  'b'
])
param p string = 'a'
param q string?
param r resourceInput<'Microsoft.ApiManagement/service@2024-05-01'>.properties.certificates?
param s udt.subnetType
var v int = 1 + 2 * 3
type t = {
  @description('d')
  a: string
  b?: 'x' | 'y'
  *: int
}
type u = 'a'
  | 'b'
func f(a string, b int) string => '${a}${b}'
import * as udt from './types.bicep'
import { a, b as c } from './x.bicep'
import 'az@1.0.0'
extension microsoftGraphV1
extension kubernetes with { namespace: 'x' } as k8s
output o string = p
output res resource 'Microsoft.Network/virtualNetworks@2023-01-01' = vnet
assert ok = length(p) > 0
"#);
        assert_eq!(f.decls.len(), 18);
        match &f.decls[3].kind {
            DeclKind::Param { ty, .. } => assert!(ty.as_ref().unwrap().nullable),
            k => panic!("{k:?}"),
        }
    }

    #[test]
    fn resources_loops_conditions() {
        ok(r#"
resource vnet 'Microsoft.Network/virtualNetworks@2023-09-01' = {
  name: 'vnet'
  properties: {
    subnets: [for (s, i) in subnets: {
      name: s.name
      properties: { addressPrefix: s.prefix, networkSecurityGroup: i == 0 ? { id: nsg.id } : null }
    }]
  }
  resource apim 'subnets' existing = {
    name: 'apim'
  }
}
resource sub 'Microsoft.Network/virtualNetworks/subnets@2023-09-01' = if (deploy) {
  parent: vnet
  name: 'x'
}
@batchSize(1)
module m './m.bicep' = [for x in items: if (x.enabled) {
  name: 'm-${x.name}'
  params: {
    id: vnet::apim.id
    y: x.?y ?? 'd'
    z: x[?'k']!
    ...other
  }
}]
var o = {
  'quoted-key': 1, other: 2
  '${dyn}': {}
}
var spreadArr = [...a, 'b']
"#);
    }

    #[test]
    fn multiline_expressions() {
        ok(r#"
var a = cond
  ? 'x'
  : 'y'
var b = foo(
  1,
  2
)
var c = x
  ?? y
  ?? z
var d = reduce(
  map(items, (id) => { '${id}': {} }),
  {},
  (cur, next) => union(cur, next)
)
var e = map(xs, x => string(x))
var f = sys.concat('a', 'b')
var g = kv.getSecret('s')
var h = '''
multi ${not} interpolated
'''
var i = !empty(x) && -1 < 2 || y =~ 'A' && z !~ 'b'
var j = resourceGroup().location
var k = [for i in range(0, 3): i % 2 == 0]
var l = [
  'a'
  'b'
]
"#);
    }

    #[test]
    fn bicepparam() {
        let f = ok("using '../main.bicep'\nimport * as udt from '../types.bicep'\n\nparam a = 'x'\nparam b = {\n  c: [1, 2]\n}\nvar z = 1\n");
        assert!(matches!(f.decls[0].kind, DeclKind::Using(Some(_))));
        ok("using none\nparam a = readEnvironmentVariable('X', 'y')\n");
        let f = ok("using 'main.bicep'\nextends 'base.bicepparam'\nparam b = 1\n");
        assert!(matches!(f.decls[1].kind, DeclKind::Extends(..)));
    }

    #[test]
    fn errors_point_to_the_line() {
        let src = "param a string\nvar b = {\n  c: 1\n  d 2\n}\n";
        let e = parse(src, FileId(0)).unwrap_err();
        assert_eq!(line_of(src, e.offset), 4, "{}", e.message);
        assert!(e.message.contains("':'"), "{}", e.message);

        let src = "var a = 'x'\nresource r 'T@1' = {\n  name: 'a'\n";
        let e = parse(src, FileId(0)).unwrap_err();
        assert!(e.message.contains("end of the file"), "{}", e.message);

        let src = "var a = 1\nbogus b = 2\n";
        let e = parse(src, FileId(0)).unwrap_err();
        assert_eq!(line_of(src, e.offset), 2);
        assert!(e.message.contains("bogus"));

        let src = "var a = f(1,\n  2\nvar b = 3\n";
        assert!(parse(src, FileId(0)).is_err());
        assert!(parse("var a = 1 var b = 2", FileId(0)).is_err());
    }

    fn deep(prefix: &str, unit: &str, suffix: &str) -> Result<File, ParseError> {
        let src = format!("{prefix}{}{suffix}", unit.repeat(5000));
        parse(&src, FileId(0))
    }

    #[test]
    fn deep_parens() {
        let e = deep("var a = ", "(", "1").unwrap_err();
        assert!(e.message.contains("nested"), "{}", e.message);
    }
    /// Every nesting construct stops at the depth cap with an error instead of overflowing the
    /// stack.
    #[test]
    fn deep_nesting_is_an_error() {
        let cases = [
            ("var a = ", "[", ""),
            ("var a = ", "!", ""),
            ("var a = 1", " ? 1 : 1", ""),
            ("var a = ", "{a: ", ""),
            ("var a = ", "f(", ""),
            ("var a = ", "'${", ""),
            ("var a = ", "x => ", "1"),
            ("type a = ", "{a: ", ""),
        ];
        for (prefix, unit, suffix) in cases {
            assert!(deep(prefix, unit, suffix).is_err(), "{prefix}{unit}…");
        }
    }
    #[test]
    fn long_chains_are_fine_or_errors() {
        let src = format!("var a = 1{}", ".b".repeat(100_000));
        assert!(parse(&src, FileId(0)).is_err());
        let src = format!("var a = 1{}", " + 1".repeat(100_000));
        assert!(parse(&src, FileId(0)).is_err());
        let src = format!("var a = x{}", " + 1".repeat(60));
        assert!(parse(&src, FileId(0)).is_ok());
    }
}
