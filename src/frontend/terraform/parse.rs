//! Native HCL (hcl-edit, with byte spans) and the JSON syntax into [`ast`](super::ast).
//!
//! hcl-edit rejects nesting deeper than 64 levels and operator chains deeper than 128 itself, so
//! the recursive conversion below cannot overflow the stack on hostile input.

use super::ast::*;
use crate::model::Shared;
use crate::model::{VKind, V};
use crate::source::{Comment, FileId, Span};
use hcl_edit::expr::{self as hx, Expression};
use hcl_edit::structure as hs;
use hcl_edit::template as ht;
use hcl_edit::Span as _;
use std::ops::Range;

#[derive(Debug, Clone)]
pub struct ParseError {
    pub offset: usize,
    pub message: String,
}

/// A `.tf` or `.tfvars` file.
pub fn hcl_body(text: &str, file: FileId) -> Result<Body, ParseError> {
    if let Some(t) = super::objscan::check(text) {
        return Err(ParseError {
            offset: t.offset,
            message: format!(
                "this object has {} entries, and the file's objects together are more than stv2lint parses (the HCL parser's time grows with the square of an object's size): the file is not checked",
                t.entries
            ),
        });
    }
    let body = with_big_numbers(text, hcl_edit::parser::parse_body)?;
    let c = Conv {
        file,
        fixed: None,
        len: text.len(),
    };
    let whole = Span::new(file, 0, text.len());
    Ok(c.body(&body, whole))
}

/// An expression given as text (`--var NAME=VALUE` with a non-string type, a JSON `type`).
pub fn hcl_expr(text: &str, at: Span) -> Option<Expr> {
    let e = with_big_numbers(text, hcl_edit::parser::parse_expr).ok()?;
    let c = Conv {
        file: at.file,
        fixed: Some(at),
        len: 0,
    };
    Some(c.expr(&e, at))
}

/// How many number literals beyond `f64` one text may hold: each costs a parse of the text.
const MAX_BIG_NUMBERS: usize = 16;

/// `parse` over `text`, where a number literal beyond the largest `f64` (Terraform's numbers
/// are arbitrary-precision, hcl-edit's are `f64` and reject it) stands as a same-length
/// literal of about 1e308: as far outside every range a rule checks as the real value.
fn with_big_numbers<T>(
    text: &str,
    parse: impl Fn(&str) -> Result<T, hcl_edit::parser::Error>,
) -> Result<T, ParseError> {
    let mut fixed: Option<String> = None;
    for _ in 0..=MAX_BIG_NUMBERS {
        let now = fixed.as_deref().unwrap_or(text);
        let e = match parse(now) {
            Ok(t) => return Ok(t),
            Err(e) => e,
        };
        let offset = line_col_offset(now, e.location().line(), e.location().column())
            .unwrap_or(e.location().offset());
        let Some(range) = big_number_at(now, offset) else {
            return Err(ParseError {
                offset,
                message: format!("invalid HCL: {}", e.message()),
            });
        };
        let mut next = now.to_string();
        next.replace_range(range.clone(), &finite_literal(range.len()));
        fixed = Some(next);
    }
    Err(ParseError {
        offset: 0,
        message: format!(
            "more than {MAX_BIG_NUMBERS} number literals beyond 1.8e308: the file is not checked"
        ),
    })
}

/// The first number literal (`1e400`, 400 digits) whose value is beyond `f64`, from the start
/// of the line of `offset` on: hcl-edit reports such a literal at or before it (at the start of
/// the attribute, of a unary minus). A literal in a string may be taken; it is then not the one
/// the parse failed on, which fails again and takes the next.
fn big_number_at(text: &str, offset: usize) -> Option<Range<usize>> {
    let b = text.as_bytes();
    let from = text
        .get(..offset.min(b.len()))
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1);
    let digits = |mut i: usize| {
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        i
    };
    let mut i = from;
    while i < b.len() {
        // A literal starts at a digit that does not continue a name or a number (`a1e400`).
        if !b[i].is_ascii_digit()
            || (i > 0 && (b[i - 1].is_ascii_alphanumeric() || matches!(b[i - 1], b'_' | b'.')))
        {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = digits(start);
        if b.get(end) == Some(&b'.') && b.get(end + 1).is_some_and(u8::is_ascii_digit) {
            end = digits(end + 1);
        }
        if matches!(b.get(end), Some(b'e' | b'E')) {
            let sign = usize::from(matches!(b.get(end + 1), Some(b'+' | b'-')));
            if b.get(end + 1 + sign).is_some_and(u8::is_ascii_digit) {
                end = digits(end + 1 + sign);
            }
        }
        if end - start >= 5 && text[start..end].parse::<f64>().is_ok_and(f64::is_infinite) {
            return Some(start..end);
        }
        i = end.max(start + 1);
    }
    None
}

/// A literal of `len` bytes (at least 5: no shorter one is beyond `f64`) worth about 1e308.
fn finite_literal(len: usize) -> String {
    match len {
        0..=5 => "1e308".to_string(),
        6 => "10e307".to_string(),
        _ => format!("1.{}e308", "0".repeat(len - 6)),
    }
}

/// Byte offset of a 1-based line and column (columns counted in characters).
fn line_col_offset(text: &str, line: usize, col: usize) -> Option<usize> {
    let mut start = 0usize;
    for _ in 1..line {
        start += text.get(start..)?.find('\n')? + 1;
    }
    let rest = text.get(start..)?;
    let off = rest
        .char_indices()
        .nth(col.saturating_sub(1))
        .map(|(i, _)| i)
        .unwrap_or(rest.len());
    Some(start + off)
}

struct Conv {
    file: FileId,
    /// Every node gets this span (expressions inside a JSON string, `--var` values).
    fixed: Option<Span>,
    len: usize,
}

impl Conv {
    fn sp(&self, r: Option<Range<usize>>, fallback: Span) -> Span {
        if let Some(f) = self.fixed {
            return f;
        }
        match r {
            Some(r) if r.end <= self.len => Span::new(self.file, r.start, r.end),
            _ => fallback,
        }
    }

    fn body(&self, b: &hs::Body, fallback: Span) -> Body {
        let mut out = Body::default();
        for s in b.iter() {
            match s {
                hs::Structure::Attribute(a) => {
                    let span = self.sp(a.span(), fallback);
                    out.attrs.push(Attr {
                        name: a.key.as_str().into(),
                        expr: self.expr(&a.value, span),
                        span,
                    });
                }
                hs::Structure::Block(bl) => {
                    let span = self.sp(bl.span(), fallback);
                    out.blocks.push(Block {
                        kind: bl.ident.as_str().into(),
                        labels: bl.labels.iter().map(|l| Shared::from(l.as_str())).collect(),
                        body: self.body(&bl.body, span),
                        span,
                    });
                }
            }
        }
        out
    }

    fn expr(&self, e: &Expression, fallback: Span) -> Expr {
        let span = self.sp(e.span(), fallback);
        let kind = match e {
            Expression::Null(_) => ExprKind::Null,
            Expression::Bool(b) => ExprKind::Bool(*b.value()),
            Expression::Number(n) => {
                let n = n.value();
                match n.as_i64() {
                    Some(i) if n.is_i64() || n.is_u64() => ExprKind::Int(i),
                    _ => ExprKind::Float(n.as_f64().unwrap_or(0.0)),
                }
            }
            Expression::String(s) => ExprKind::Str(s.value().as_str().into()),
            Expression::Array(a) => ExprKind::Arr(a.iter().map(|x| self.expr(x, span)).collect()),
            Expression::Object(o) => ExprKind::Obj(
                o.iter()
                    .map(|(k, v)| {
                        let key = match k {
                            hx::ObjectKey::Ident(id) => {
                                ObjKey::Name(id.as_str().into(), self.sp(id.span(), span))
                            }
                            hx::ObjectKey::Expression(x) => match x {
                                // `{ "a" = 1 }` and `{ a = 1 }` mean the same key.
                                Expression::String(s) => {
                                    ObjKey::Name(s.value().as_str().into(), self.sp(x.span(), span))
                                }
                                _ => ObjKey::Expr(self.expr(x, span)),
                            },
                        };
                        (key, self.expr(v.expr(), span))
                    })
                    .collect(),
            ),
            Expression::StringTemplate(t) => ExprKind::Template(self.elements(t.iter(), span)),
            Expression::HeredocTemplate(h) => {
                ExprKind::Template(self.elements(h.template.iter(), span))
            }
            Expression::Parenthesis(p) => return self.expr(p.inner(), span),
            Expression::Variable(v) => ExprKind::Var(v.as_str().into()),
            Expression::Conditional(c) => ExprKind::Cond(
                Box::new(self.expr(&c.cond_expr, span)),
                Box::new(self.expr(&c.true_expr, span)),
                Box::new(self.expr(&c.false_expr, span)),
            ),
            Expression::FuncCall(f) => {
                let mut name = String::new();
                for ns in &f.name.namespace {
                    name.push_str(ns.as_str());
                    name.push_str("::");
                }
                name.push_str(f.name.name.as_str());
                ExprKind::Call(
                    name.into(),
                    f.args.iter().map(|a| self.expr(a, span)).collect(),
                    f.args.expand_final(),
                )
            }
            Expression::Traversal(t) => {
                let root = self.expr(&t.expr, span);
                let ops = t
                    .operators
                    .iter()
                    .map(|op| match op.value() {
                        hx::TraversalOperator::AttrSplat(_) => Op::AttrSplat,
                        hx::TraversalOperator::FullSplat(_) => Op::FullSplat,
                        hx::TraversalOperator::GetAttr(id) => {
                            Op::Attr(id.as_str().into(), self.sp(id.span(), span))
                        }
                        hx::TraversalOperator::Index(x) => Op::Index(self.expr(x, span)),
                        hx::TraversalOperator::LegacyIndex(i) => Op::Index(Expr::new(
                            ExprKind::Int(i64::try_from(*i.value()).unwrap_or(i64::MAX)),
                            self.sp(i.span(), span),
                        )),
                    })
                    .collect();
                ExprKind::Trav(Box::new(root), ops)
            }
            Expression::UnaryOp(u) => {
                let inner = Box::new(self.expr(&u.expr, span));
                match u.operator.value() {
                    hx::UnaryOperator::Neg => ExprKind::Neg(inner),
                    hx::UnaryOperator::Not => ExprKind::Not(inner),
                }
            }
            Expression::BinaryOp(b) => {
                use hx::BinaryOperator as B;
                let op = match b.operator.value() {
                    B::Eq => BinOp::Eq,
                    B::NotEq => BinOp::Ne,
                    B::LessEq => BinOp::Le,
                    B::GreaterEq => BinOp::Ge,
                    B::Less => BinOp::Lt,
                    B::Greater => BinOp::Gt,
                    B::Plus => BinOp::Add,
                    B::Minus => BinOp::Sub,
                    B::Mul => BinOp::Mul,
                    B::Div => BinOp::Div,
                    B::Mod => BinOp::Mod,
                    B::And => BinOp::And,
                    B::Or => BinOp::Or,
                };
                ExprKind::Bin(
                    op,
                    Box::new(self.expr(&b.lhs_expr, span)),
                    Box::new(self.expr(&b.rhs_expr, span)),
                )
            }
            Expression::ForExpr(f) => ExprKind::For(Box::new(ForExpr {
                key_var: f.intro.key_var.as_ref().map(|k| Shared::from(k.as_str())),
                val_var: f.intro.value_var.as_str().into(),
                coll: self.expr(&f.intro.collection_expr, span),
                key: f.key_expr.as_ref().map(|k| self.expr(k, span)),
                val: self.expr(&f.value_expr, span),
                cond: f.cond.as_ref().map(|c| self.expr(&c.expr, span)),
                group: f.grouping,
            })),
        };
        Expr { kind, span }
    }

    fn elements<'a>(&self, els: impl Iterator<Item = &'a ht::Element>, span: Span) -> Vec<TPart> {
        let mut out = Vec::new();
        for el in els {
            match el {
                ht::Element::Literal(s) => out.push(TPart::Lit(s.value().as_str().into())),
                ht::Element::Interpolation(i) => out.push(TPart::Interp(self.expr(&i.expr, span))),
                ht::Element::Directive(d) => match &**d {
                    ht::Directive::If(d) => out.push(TPart::If(
                        self.expr(&d.if_expr.cond_expr, span),
                        self.elements(d.if_expr.template.iter(), span),
                        d.else_expr
                            .as_ref()
                            .map(|e| self.elements(e.template.iter(), span))
                            .unwrap_or_default(),
                    )),
                    ht::Directive::For(d) => out.push(TPart::For(
                        d.for_expr
                            .key_var
                            .as_ref()
                            .map(|k| Shared::from(k.as_str())),
                        d.for_expr.value_var.as_str().into(),
                        self.expr(&d.for_expr.collection_expr, span),
                        self.elements(d.for_expr.template.iter(), span),
                    )),
                },
            }
        }
        out
    }
}

// ---------------------------------------------------------------------------------------------
// JSON syntax

/// Collects template errors found inside JSON strings.
pub struct JsonConv {
    pub errors: Vec<ParseError>,
}

fn span_of(v: &V, fallback: Span) -> Span {
    v.span.unwrap_or(fallback)
}

impl JsonConv {
    pub fn new() -> JsonConv {
        JsonConv { errors: Vec::new() }
    }

    /// A whole `.tf.json` document, as the blocks the native syntax would give.
    pub fn document(&mut self, v: &V, whole: Span) -> Body {
        let mut out = Body::default();
        let Some(top) = v.as_object() else {
            self.errors.push(ParseError {
                offset: whole.start as usize,
                message: "a .tf.json file must hold one JSON object".into(),
            });
            return out;
        };
        for (k, val) in top {
            let span = span_of(val, whole);
            match &*k.name {
                "resource" | "data" => {
                    for (rtype, names) in entries(val) {
                        for (name, bodies) in entries(names) {
                            for b in each_obj(bodies) {
                                out.blocks.push(Block {
                                    kind: k.name.clone(),
                                    labels: vec![rtype.clone(), name.clone()],
                                    body: self.block_body(b, span),
                                    span: span_of(b, span),
                                });
                            }
                        }
                    }
                }
                "variable" => {
                    for (name, b) in entries(val) {
                        let bspan = span_of(b, span);
                        let mut body = Body::default();
                        for (ak, av) in entries(b) {
                            let expr = match &*ak {
                                // A JSON variable default is a literal, never a template.
                                "default" => literal(av, bspan),
                                "type" => av
                                    .as_str()
                                    .and_then(|t| hcl_expr(t, span_of(av, bspan)))
                                    .unwrap_or_else(|| literal(av, bspan)),
                                _ => continue,
                            };
                            body.attrs.push(Attr {
                                name: ak,
                                expr,
                                span: span_of(av, bspan),
                            });
                        }
                        out.blocks.push(Block {
                            kind: "variable".into(),
                            labels: vec![name],
                            body,
                            span: bspan,
                        });
                    }
                }
                "locals" => {
                    for b in each_obj(val) {
                        let mut body = Body::default();
                        for (name, e) in entries(b) {
                            body.attrs.push(Attr {
                                name,
                                expr: self.expr(e, span),
                                span: span_of(e, span),
                            });
                        }
                        out.blocks.push(Block {
                            kind: "locals".into(),
                            labels: vec![],
                            body,
                            span: span_of(b, span),
                        });
                    }
                }
                "output" | "module" => {
                    for (name, bodies) in entries(val) {
                        for b in each_obj(bodies) {
                            out.blocks.push(Block {
                                kind: k.name.clone(),
                                labels: vec![name.clone()],
                                body: self.block_body(b, span),
                                span: span_of(b, span),
                            });
                        }
                    }
                }
                "terraform" => {
                    for b in each_obj(val) {
                        let mut body = Body::default();
                        if let Some(rp) = b.get("required_providers") {
                            for rp in each_obj(rp) {
                                let mut inner = Body::default();
                                for (name, e) in entries(rp) {
                                    inner.attrs.push(Attr {
                                        name,
                                        expr: literal(e, span),
                                        span: span_of(e, span),
                                    });
                                }
                                body.blocks.push(Block {
                                    kind: "required_providers".into(),
                                    labels: vec![],
                                    body: inner,
                                    span: span_of(rp, span),
                                });
                            }
                        }
                        out.blocks.push(Block {
                            kind: "terraform".into(),
                            labels: vec![],
                            body,
                            span: span_of(b, span),
                        });
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// A resource, module or output body: every key is an argument, except `dynamic`.
    fn block_body(&mut self, v: &V, fallback: Span) -> Body {
        let mut body = Body::default();
        let span = span_of(v, fallback);
        for (k, val) in v.as_object().unwrap_or(&[]) {
            let name = k.name.clone();
            match &*name {
                "//" | "lifecycle" | "provisioner" | "connection" | "depends_on" => {}
                "dynamic" => {
                    for (label, d) in entries(val) {
                        for d in each_obj(d) {
                            let dspan = span_of(d, span);
                            let mut dbody = Body::default();
                            for (dk, dv) in entries(d) {
                                if &*dk == "content" {
                                    dbody.blocks.push(Block {
                                        kind: "content".into(),
                                        labels: vec![],
                                        body: self.block_body(dv, dspan),
                                        span: span_of(dv, dspan),
                                    });
                                } else {
                                    dbody.attrs.push(Attr {
                                        name: dk,
                                        expr: self.expr(dv, dspan),
                                        span: span_of(dv, dspan),
                                    });
                                }
                            }
                            body.blocks.push(Block {
                                kind: "dynamic".into(),
                                labels: vec![label.clone()],
                                body: dbody,
                                span: dspan,
                            });
                        }
                    }
                }
                _ => body.attrs.push(Attr {
                    name,
                    expr: self.expr(val, span),
                    span: k.span.map(|s| s.to(span_of(val, span))).unwrap_or(span),
                }),
            }
        }
        body
    }

    /// A JSON value as an expression: strings are templates.
    pub fn expr(&mut self, v: &V, fallback: Span) -> Expr {
        let span = span_of(v, fallback);
        let kind = match &v.kind {
            VKind::Str(s) if s.contains("${") || s.contains("%{") => {
                match hcl_edit::parser::parse_template(s) {
                    Ok(t) => {
                        let c = Conv {
                            file: span.file,
                            fixed: Some(span),
                            len: 0,
                        };
                        ExprKind::Template(c.elements(t.iter(), span))
                    }
                    Err(e) => {
                        self.errors.push(ParseError {
                            offset: span.start as usize,
                            message: format!("invalid template in JSON string: {}", e.message()),
                        });
                        ExprKind::Str(s.clone())
                    }
                }
            }
            VKind::Arr(items) => ExprKind::Arr(items.iter().map(|x| self.expr(x, span)).collect()),
            VKind::Obj(entries) => ExprKind::Obj(
                entries
                    .iter()
                    .filter(|(k, _)| &*k.name != "//")
                    .map(|(k, x)| {
                        (
                            ObjKey::Name(k.name.clone(), k.span.unwrap_or(span)),
                            self.expr(x, span),
                        )
                    })
                    .collect(),
            ),
            _ => return literal(v, span),
        };
        Expr { kind, span }
    }
}

impl Default for JsonConv {
    fn default() -> Self {
        JsonConv::new()
    }
}

/// A JSON value taken literally (no templates).
pub fn literal(v: &V, fallback: Span) -> Expr {
    let span = span_of(v, fallback);
    let kind = match &v.kind {
        VKind::Null | VKind::Unknown(_) => ExprKind::Null,
        VKind::Bool(b) => ExprKind::Bool(*b),
        VKind::Int(i) => ExprKind::Int(*i),
        VKind::Float(f) => ExprKind::Float(*f),
        VKind::Str(s) => ExprKind::Str(s.clone()),
        VKind::Arr(items) => ExprKind::Arr(items.iter().map(|x| literal(x, span)).collect()),
        VKind::Obj(entries) => ExprKind::Obj(
            entries
                .iter()
                .map(|(k, x)| {
                    (
                        ObjKey::Name(k.name.clone(), k.span.unwrap_or(span)),
                        literal(x, span),
                    )
                })
                .collect(),
        ),
    };
    Expr { kind, span }
}

/// Object entries (an array of objects is read as their concatenation).
fn entries(v: &V) -> Vec<(Shared<str>, &V)> {
    let mut out = Vec::new();
    for o in each_obj(v) {
        for (k, x) in o.as_object().unwrap_or(&[]) {
            if &*k.name != "//" {
                out.push((k.name.clone(), x));
            }
        }
    }
    out
}

/// An object, or each object of an array.
fn each_obj(v: &V) -> Vec<&V> {
    match &v.kind {
        VKind::Obj(_) => vec![v],
        VKind::Arr(items) => items.iter().filter(|x| x.as_object().is_some()).collect(),
        _ => vec![],
    }
}

// ---------------------------------------------------------------------------------------------
// Comments. hcl-edit keeps where its comments are to itself (and gives nothing for a file it
// cannot parse), so this lexes HCL's comment-bearing syntax here: `#`, `//` and `/* */` outside
// quoted strings, `${ }` / `%{ }` templates inside them, and heredocs.

/// Where the comment lexer is.
enum Mode {
    /// Expressions; inside a template, `depth` counts the `{` opened and not yet closed.
    Code { depth: usize },
    /// A quoted string (it ends at its line, so an unterminated one does not swallow the file).
    Str,
    /// A heredoc, ended by a line holding only its tag.
    Heredoc { tag: String },
}

/// Templates nested deeper than this inside strings are read as plain text.
const MAX_NESTING: usize = 64;

/// The comments of a `.tf` or `.tfvars` file, markers included, at their byte offsets. Text in
/// a string or heredoc is never a comment; an expression inside a template may hold one.
pub fn comments(text: &str) -> Vec<Comment> {
    let b = text.as_bytes();
    let n = b.len();
    let starts = |i: usize, p: &str| b.get(i..).is_some_and(|r| r.starts_with(p.as_bytes()));
    let line_end = |i: usize| {
        text.get(i..)
            .and_then(|r| r.find('\n'))
            .map_or(n, |e| i + e)
    };
    let mut out = Vec::new();
    let mut stack = vec![Mode::Code { depth: 0 }];
    let mut i = 0;
    while i < n {
        let c = b[i];
        let nested = stack.len() < MAX_NESTING;
        match stack.last() {
            None | Some(Mode::Code { .. }) => {
                if c == b'#' || starts(i, "//") {
                    let end = line_end(i);
                    out.push(Comment::line(text, i, if c == b'#' { 1 } else { 2 }, end));
                    i = end;
                } else if starts(i, "/*") {
                    let end = text[i + 2..].find("*/").map(|e| i + 2 + e + 2);
                    out.push(match end {
                        Some(end) => Comment::block(i, end),
                        None => Comment {
                            start: i,
                            end: n,
                            inner: (i + 2, n),
                        },
                    });
                    i = end.unwrap_or(n);
                } else if c == b'"' {
                    if nested {
                        stack.push(Mode::Str);
                    }
                    i += 1;
                } else if let Some((tag, body)) = heredoc_start(text, i) {
                    if nested {
                        stack.push(Mode::Heredoc { tag });
                    }
                    i = body;
                } else {
                    if stack.len() > 1 && (c == b'{' || c == b'}') {
                        if let Some(Mode::Code { depth }) = stack.last_mut() {
                            match (c, *depth) {
                                (b'{', _) => *depth += 1,
                                (_, 0) => {
                                    stack.pop();
                                }
                                _ => *depth -= 1,
                            }
                        }
                    }
                    i += 1;
                }
            }
            Some(Mode::Str) => {
                if c == b'\\' {
                    i += 2;
                } else if c == b'"' || c == b'\n' {
                    stack.pop();
                    i += 1;
                } else if starts(i, "$${") || starts(i, "%%{") {
                    i += 3;
                } else if starts(i, "${") || starts(i, "%{") {
                    if nested {
                        stack.push(Mode::Code { depth: 0 });
                    }
                    i += 2;
                } else {
                    i += 1;
                }
            }
            Some(Mode::Heredoc { tag }) => {
                let at_line_start = i == 0 || b[i - 1] == b'\n';
                if at_line_start && text[i..line_end(i)].trim() == tag.as_str() {
                    stack.pop();
                    i = line_end(i);
                } else if starts(i, "$${") || starts(i, "%%{") {
                    i += 3;
                } else if starts(i, "${") || starts(i, "%{") {
                    if nested {
                        stack.push(Mode::Code { depth: 0 });
                    }
                    i += 2;
                } else {
                    i += 1;
                }
            }
        }
        if stack.is_empty() {
            stack.push(Mode::Code { depth: 0 });
        }
    }
    out
}

/// `<<TAG` or `<<-TAG` then a line break at `i`: the tag and the offset where the body starts.
fn heredoc_start(text: &str, i: usize) -> Option<(String, usize)> {
    let b = text.as_bytes();
    if !b.get(i..)?.starts_with(b"<<") {
        return None;
    }
    let start = if b.get(i + 2) == Some(&b'-') {
        i + 3
    } else {
        i + 2
    };
    let mut j = start;
    while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
        j += 1;
    }
    let k = if b.get(j) == Some(&b'\r') { j + 1 } else { j };
    (j > start && b.get(k) == Some(&b'\n')).then(|| (text[start..j].to_string(), k + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f() -> FileId {
        FileId(0)
    }

    #[test]
    fn spans_point_at_attributes_blocks_and_expressions() {
        let text = "resource \"azurerm_subnet\" \"apim\" {\n  name = \"x\"\n  address_prefixes = [var.p]\n  delegation {\n    name = \"d\"\n  }\n}\n";
        let b = hcl_body(text, f()).unwrap();
        let r = &b.blocks[0];
        assert_eq!(&*r.kind, "resource");
        assert_eq!(r.labels.len(), 2);
        assert_eq!(r.span.start, 0);
        let a = r.body.attr("address_prefixes").unwrap();
        assert_eq!(
            &text[a.expr.span.start as usize..a.expr.span.end as usize],
            "[var.p]"
        );
        let d = r.body.blocks("delegation").next().unwrap();
        assert!(text[d.span.start as usize..].starts_with("delegation"));
    }

    /// Terraform's numbers have no `f64` ceiling: `1e400` and a 400-digit literal parse, as
    /// a finite number about as large, with spans unchanged; `a1e400` stays a name.
    #[test]
    fn numbers_beyond_f64_parse_as_the_largest() {
        let digits = "9".repeat(400);
        let text = format!("a = 1e400\nb = -{digits}\nc = [2.5E+999, a1e400]\nd = 1e-400\n");
        let b = hcl_body(&text, f()).unwrap();
        let num = |name: &str| match &b.attr(name).unwrap().expr.kind {
            ExprKind::Float(x) => *x,
            ExprKind::Int(x) => *x as f64,
            ExprKind::Neg(e) => match e.kind {
                ExprKind::Float(x) => -x,
                ref k => panic!("{k:?}"),
            },
            k => panic!("{k:?}"),
        };
        assert!(num("a") >= 1e308 && num("a").is_finite());
        assert!(num("b") <= -1e308);
        assert_eq!(num("d"), 0.0);
        let c = b.attr("c").unwrap();
        let ExprKind::Arr(items) = &c.expr.kind else {
            panic!()
        };
        assert!(matches!(items[0].kind, ExprKind::Float(x) if x >= 1e308));
        assert!(matches!(&items[1].kind, ExprKind::Var(n) if &**n == "a1e400"));
        let span = b.attr("b").unwrap().expr.span;
        assert_eq!(span.end as usize - span.start as usize, digits.len() + 1);
        // Past the bound: an error, not a loop.
        let many = |n: usize| {
            (0..n)
                .map(|i| format!("x{i} = 1e999\n"))
                .collect::<String>()
        };
        assert!(hcl_body(&many(MAX_BIG_NUMBERS + 1), f()).is_err());
        assert!(hcl_body(&many(MAX_BIG_NUMBERS), f()).is_ok());
    }

    #[test]
    fn syntax_error_has_its_line() {
        let text = "a = 1\nb = = 2\n";
        let e = hcl_body(text, f()).unwrap_err();
        assert!(e.offset >= 6 && e.offset <= 12, "offset {}", e.offset);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = format!("a = {}1{}\n", "[".repeat(5000), "]".repeat(5000));
        assert!(hcl_body(&text, f()).is_err());
        let text = format!("a = {}true\n", "!".repeat(5000));
        let _ = hcl_body(&text, f());
    }

    fn inner(text: &str) -> Vec<&str> {
        comments(text).iter().map(|c| c.inner_text(text)).collect()
    }

    #[test]
    fn comments_skip_strings_templates_and_heredocs() {
        let t = "a = \"# no ${lookup(x, \"}#\")} // no\" # yes\nb = <<-EOT\n  # no\n  // no ${x} %{ if y }/* no */%{ endif }\n  EOT\n// also\n/* block */";
        assert_eq!(inner(t), vec![" yes", " also", " block "]);
        let c = comments(t)[1];
        assert_eq!(&t[c.start..c.end], "// also");
        // A comment inside a template expression is one.
        assert_eq!(inner("a = \"${x # yes\n}\""), vec![" yes"]);
        // `$${` is literal text, not a template.
        assert!(comments("a = \"$${x} # no\"\n").is_empty());
    }

    #[test]
    fn unterminated_strings_do_not_swallow_the_file() {
        assert_eq!(inner("a = \"open\n# comment\r\n"), vec![" comment"]);
        assert_eq!(inner("a = 1 /* open"), vec![" open"]);
    }

    #[test]
    fn any_text_lexes_for_comments_without_panicking() {
        let text = "é = \"ü${'ß'}\" # ç\nλ '''😀''' // ж\n<<EOT\nµ ${x} %{y}\nEOT\n/* ö \"\\é\" $${ %%{ <<-Ωx\n\u{0}";
        for cut in 0..=text.len() {
            let Some(t) = text.get(..cut) else { continue };
            for c in comments(t) {
                assert!(t.get(c.inner.0..c.inner.1).is_some());
            }
        }
    }
}
