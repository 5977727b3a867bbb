//! The Bicep syntax tree. Every node carries the byte span it was parsed from, so evaluated
//! values can point back at the exact property a person has to edit.

use crate::model::Shared;
use crate::source::Span;

/// An identifier with its place.
#[derive(Clone, Debug)]
pub struct Name {
    pub text: Shared<str>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    Not,
    Neg,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    EqI,
    NeI,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Coalesce,
}

/// An expression. Kept small (see the `node_sizes` test): syntax trees of every file of a run
/// are alive at once, so large or rare variants keep their payload behind one `Box`, and lists
/// that never grow after parsing are boxed slices.
#[derive(Clone, Debug)]
pub enum ExprKind {
    Null,
    Bool(bool),
    Int(i64),
    Str(Shared<str>),
    /// `'a${x}b'`
    Template(Box<Template>),
    Ident(Shared<str>),
    Array(Box<[ArrayItem]>),
    Object(Box<[ObjItem]>),
    /// `[for (item, index) in iter: if (filter) body]`
    For(Shared<ForExpr>),
    /// `if (cond) body` — only as the body of a resource or module.
    If {
        cond: Box<Expr>,
        body: Box<Expr>,
    },
    Unary(UnOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `cond ? then : else`
    Ternary(Box<[Expr; 3]>),
    /// `base.name` / `base.?name`
    Member(Box<Member>),
    /// `base[index]` / `base[?index]`
    Index {
        base: Box<Expr>,
        index: Box<Expr>,
        safe: bool,
    },
    /// `parent::child`
    Child(Box<Child>),
    /// Postfix `!` (non-null assertion).
    NonNull(Box<Expr>),
    /// `name(args)`, `ns.name(args)` or `resource.method(args)`.
    Call(Box<Call>),
    Lambda(Shared<Lambda>),
    Paren(Box<Expr>),
}

/// `'a${x}b'`: `lits.len() == exprs.len() + 1`.
#[derive(Clone, Debug)]
pub struct Template {
    pub lits: Box<[Shared<str>]>,
    pub exprs: Box<[Expr]>,
}

/// `base.name` / `base.?name` (`safe`).
#[derive(Clone, Debug)]
pub struct Member {
    pub base: Expr,
    pub name: Name,
    pub safe: bool,
}

/// `base::name`
#[derive(Clone, Debug)]
pub struct Child {
    pub base: Expr,
    pub name: Name,
}

/// `name(args)` with `target` for `target.name(args)`.
#[derive(Clone, Debug)]
pub struct Call {
    pub target: Option<Box<Expr>>,
    pub name: Name,
    pub args: Box<[Expr]>,
}

#[derive(Clone, Debug)]
pub struct Lambda {
    pub params: Box<[Name]>,
    pub body: Expr,
}

#[derive(Clone, Debug)]
pub struct ForExpr {
    pub item: Option<Name>,
    pub index: Option<Name>,
    pub iter: Expr,
    pub filter: Option<Expr>,
    pub body: Expr,
}

#[derive(Clone, Debug)]
pub enum ArrayItem {
    Item(Expr),
    /// `...x`; boxed so that an item is no larger than an expression.
    Spread(Box<Expr>),
}

#[derive(Clone, Debug)]
pub enum KeyName {
    Lit(Shared<str>),
    /// An interpolated key `'${x}': …`.
    Expr(Box<Expr>),
}

#[derive(Clone, Debug)]
pub struct ObjKey {
    pub name: KeyName,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum ObjItem {
    Prop {
        key: ObjKey,
        value: Expr,
        span: Span,
    },
    Spread(Expr),
    /// A nested child resource.
    Resource(Shared<ResourceDecl>),
}

/// A type annotation. Types are checked by Bicep, not by us; we keep what evaluation needs.
#[derive(Clone, Debug)]
pub struct TypeRef {
    pub span: Span,
    /// `string?`, `T | null`: a parameter without a value is `null`, not missing.
    pub nullable: bool,
}

#[derive(Clone, Debug)]
pub struct ResourceDecl {
    pub decorators: Box<[Expr]>,
    pub name: Name,
    /// `'Microsoft.Network/virtualNetworks@2023-09-01'` (or a relative type when nested).
    pub rtype: Shared<str>,
    pub rtype_span: Span,
    pub existing: bool,
    /// An object, `if (c) {…}` or `[for …: …]`.
    pub body: Expr,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum ImportKind {
    /// `import * as ns from '…'`
    Wildcard(Name),
    /// `import { a, b as c } from '…'`: (original, local).
    Named(Vec<(Name, Name)>),
    /// `import 'az@1.0.0'` or an extension-style import: nothing to evaluate.
    Other,
}

#[derive(Clone, Debug)]
pub enum DeclKind {
    TargetScope(Expr),
    Metadata(Name, Expr),
    Param {
        name: Name,
        ty: Option<TypeRef>,
        default: Option<Expr>,
    },
    Var {
        name: Name,
        value: Expr,
    },
    Resource(Shared<ResourceDecl>),
    Module {
        name: Name,
        path: Shared<str>,
        path_span: Span,
        body: Expr,
    },
    Output {
        name: Name,
        value: Expr,
    },
    Type {
        name: Name,
    },
    Func {
        name: Name,
        lambda: Shared<Lambda>,
    },
    Import {
        from: Option<(Shared<str>, Span)>,
        kind: ImportKind,
    },
    Extension,
    /// `.bicepparam`: `using '…'` (None for `using none`).
    Using(Option<(Shared<str>, Span)>),
    /// `.bicepparam`: `extends '…'` — a base parameter file whose values this one overrides.
    Extends(Shared<str>, Span),
    Assert {
        name: Name,
        value: Expr,
    },
}

#[derive(Clone, Debug)]
pub struct Decl {
    pub decorators: Box<[Expr]>,
    pub kind: DeclKind,
    pub span: Span,
}

#[derive(Clone, Debug, Default)]
pub struct File {
    pub decls: Box<[Decl]>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::size_of;

    /// The trees of all files of a run are alive together (17 bytes of tree per byte of
    /// input before the nodes were slimmed, under 5 after), so a variant that makes every
    /// node larger is a memory regression: box its payload instead.
    #[test]
    fn node_sizes() {
        let sizes = [
            ("Name", size_of::<Name>(), 32),
            ("ExprKind", size_of::<ExprKind>(), 24),
            ("Expr", size_of::<Expr>(), 40),
            ("ArrayItem", size_of::<ArrayItem>(), 40),
            ("ObjKey", size_of::<ObjKey>(), 32),
            ("ObjItem", size_of::<ObjItem>(), 88),
            ("Decl", size_of::<Decl>(), 136),
        ];
        for (what, size, max) in sizes {
            assert!(
                size <= max,
                "size_of::<{what}>() is {size} bytes, more than {max}"
            );
        }
    }
}
