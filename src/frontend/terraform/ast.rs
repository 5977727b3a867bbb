//! The small syntax tree the evaluator walks. Native HCL (through hcl-edit) and the JSON syntax
//! (`.tf.json`, `.tfvars.json`) both convert into it, so evaluation has one input shape and
//! every node carries a span into its own file.

use crate::model::Shared;
use crate::source::Span;

#[derive(Clone, Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum ExprKind {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Shared<str>),
    /// A string with interpolations or directives.
    Template(Vec<TPart>),
    Arr(Vec<Expr>),
    Obj(Vec<(ObjKey, Expr)>),
    /// A bare name: `var`, `local`, `azurerm_subnet`, a `for` variable.
    Var(Shared<str>),
    Trav(Box<Expr>, Vec<Op>),
    /// Name (provider functions as `provider::azurerm::x`), arguments, `...` expansion.
    Call(Shared<str>, Vec<Expr>, bool),
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
    Neg(Box<Expr>),
    Not(Box<Expr>),
    Bin(BinOp, Box<Expr>, Box<Expr>),
    For(Box<ForExpr>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Eq,
    Ne,
    Le,
    Ge,
    Lt,
    Gt,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    And,
    Or,
}

#[derive(Clone, Debug)]
pub enum ObjKey {
    Name(Shared<str>, Span),
    Expr(Expr),
}

#[derive(Clone, Debug)]
pub enum Op {
    Attr(Shared<str>, Span),
    Index(Expr),
    /// `.*`: applies the following attribute lookups to each element.
    AttrSplat,
    /// `[*]`: applies every following operator to each element.
    FullSplat,
}

#[derive(Clone, Debug)]
pub enum TPart {
    Lit(Shared<str>),
    Interp(Expr),
    If(Expr, Vec<TPart>, Vec<TPart>),
    For(Option<Shared<str>>, Shared<str>, Expr, Vec<TPart>),
}

#[derive(Clone, Debug)]
pub struct ForExpr {
    pub key_var: Option<Shared<str>>,
    pub val_var: Shared<str>,
    pub coll: Expr,
    /// Present for an object `for` (`{ for k, v in x : k => v }`).
    pub key: Option<Expr>,
    pub val: Expr,
    pub cond: Option<Expr>,
    /// `...`: group values with the same key into lists.
    pub group: bool,
}

#[derive(Clone, Debug, Default)]
pub struct Body {
    pub attrs: Vec<Attr>,
    pub blocks: Vec<Block>,
}

#[derive(Clone, Debug)]
pub struct Attr {
    pub name: Shared<str>,
    pub expr: Expr,
    /// The whole `name = expr`.
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Block {
    pub kind: Shared<str>,
    pub labels: Vec<Shared<str>>,
    pub body: Body,
    pub span: Span,
}

impl Body {
    pub fn attr(&self, name: &str) -> Option<&Attr> {
        self.attrs.iter().find(|a| &*a.name == name)
    }
    pub fn blocks<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks.iter().filter(move |b| &*b.kind == kind)
    }
}

impl Expr {
    pub fn new(kind: ExprKind, span: Span) -> Expr {
        Expr { kind, span }
    }
    /// The literal string of a plain string expression.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            ExprKind::Str(s) => Some(s),
            ExprKind::Template(parts) => match parts.as_slice() {
                [TPart::Lit(s)] => Some(s),
                _ => None,
            },
            _ => None,
        }
    }
    /// `a.b.c` written as a plain traversal: its names (used for `depends_on`, `type` …).
    pub fn path_names(&self) -> Option<Vec<Shared<str>>> {
        match &self.kind {
            ExprKind::Var(n) => Some(vec![n.clone()]),
            ExprKind::Trav(root, ops) => {
                let mut out = root.path_names()?;
                for op in ops {
                    match op {
                        Op::Attr(n, _) => out.push(n.clone()),
                        _ => return None,
                    }
                }
                Some(out)
            }
            _ => None,
        }
    }
}
