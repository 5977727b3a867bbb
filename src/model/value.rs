//! The dynamic value every front end evaluates to: JSON-like data plus *unknown*, each value
//! carrying the span of the expression that produced it (`span`) and, when the literal was
//! written somewhere else (a parameter file, a variable, a default), that place (`origin`).
//!
//! Unknown propagates through every operator and function. An unknown may carry a *symbolic*
//! text (`sym`) when it is deterministic within one deployment — `resourceGroup().name`,
//! `uniqueString(resourceGroup().id)`, a parameter without a value — so that names built from it
//! still link resources together, while any check of the value itself stays undecided.

use crate::source::Span;
use std::collections::HashMap;
/// The shared pointer of values: atomic, so that a value built on one thread (a file parsed, a
/// deployment unit evaluated in parallel) can be handed to another and read by several.
pub type Shared<T> = std::sync::Arc<T>;

#[derive(Clone, Debug)]
pub struct V {
    pub kind: VKind,
    /// Where the expression that produced this value is written.
    pub span: Option<Span>,
    /// Where the literal came from, when that differs from `span`.
    pub origin: Option<Span>,
}

#[derive(Clone, Debug)]
pub enum VKind {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Shared<str>),
    Arr(Vec<V>),
    /// Keys keep their order and their own spans; lookups are case-insensitive as in ARM.
    Obj(Vec<(Key, V)>),
    /// Boxed: an unknown carries four fields, and inline they would make every value — known
    /// ones too — 40 bytes larger.
    Unknown(Box<Unknown>),
}

/// Objects up to this many keys are searched by a scan; larger ones through an index.
pub const SCAN_MAX: usize = 16;

/// The fixed hasher of [`V::same_hash`]: values are only compared within one run, and a
/// colliding hash costs a comparison, never a wrong answer.
const SAME_HASH: foldhash::fast::FixedState = foldhash::fast::FixedState::with_seed(0x5ab1e);

/// A property name as ARM and Bicep compare it: without regard to ASCII case.
#[derive(Clone, Copy, Debug)]
pub struct NoCase<'a>(pub &'a str);

impl PartialEq for NoCase<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(other.0)
    }
}
impl Eq for NoCase<'_> {}
impl std::hash::Hash for NoCase<'_> {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        for b in self.0.bytes() {
            h.write_u8(b.to_ascii_lowercase());
        }
        h.write_u8(0xff);
    }
}

/// Each name of an object's entries (without case) → the position of its last entry, which
/// is the one [`V::get`] finds.
pub fn last_by_name(
    entries: &[(Key, V)],
) -> HashMap<NoCase<'_>, usize, foldhash::fast::FixedState> {
    let mut m = HashMap::with_capacity_and_hasher(entries.len(), SAME_HASH);
    for (i, (k, _)) in entries.iter().enumerate() {
        m.insert(NoCase(&k.name), i);
    }
    m
}

/// An object built one entry at a time, where an entry whose name is already there replaces
/// that one in place (Bicep and Terraform object literals, comprehensions). Small objects are
/// searched by a scan; past [`SCAN_MAX`] entries a map of name hashes finds the entry, so that a
/// literal of 100,000 keys is built in linear time (it took minutes). A hash met twice is
/// checked against the name and falls back to the scan, so the answer is always the scan's.
pub struct ObjBuilder {
    entries: Vec<(Key, V)>,
    /// ARM and Bicep names compare without regard to ASCII case; Terraform's exactly.
    no_case: bool,
    /// Name hash → position, once the object is large.
    index: Option<HashMap<u64, usize, foldhash::fast::FixedState>>,
}

impl ObjBuilder {
    pub fn new(no_case: bool, capacity: usize) -> ObjBuilder {
        ObjBuilder {
            entries: Vec::with_capacity(capacity),
            no_case,
            index: None,
        }
    }

    fn same_name(&self, a: &str, b: &str) -> bool {
        if self.no_case {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
    }

    fn hash(&self, name: &str) -> u64 {
        use std::hash::BuildHasher;
        if self.no_case {
            SAME_HASH.hash_one(NoCase(name))
        } else {
            SAME_HASH.hash_one(name)
        }
    }

    /// The position of the entry named `name`: the first, as a scan finds it.
    pub fn position(&self, name: &str) -> Option<usize> {
        let scan = || {
            self.entries
                .iter()
                .position(|(k, _)| self.same_name(&k.name, name))
        };
        match &self.index {
            None => scan(),
            Some(ix) => match ix.get(&self.hash(name)) {
                None => None,
                Some(&i) if self.same_name(&self.entries[i].0.name, name) => Some(i),
                Some(_) => scan(),
            },
        }
    }

    /// The entry at `i` (from [`ObjBuilder::position`]).
    pub fn entry_mut(&mut self, i: usize) -> &mut (Key, V) {
        &mut self.entries[i]
    }

    /// Add an entry whose name is not there yet.
    pub fn push(&mut self, k: Key, v: V) {
        let i = self.entries.len();
        let h = self.index.is_some().then(|| self.hash(&k.name));
        if let (Some(ix), Some(h)) = (&mut self.index, h) {
            ix.entry(h).or_insert(i);
        }
        self.entries.push((k, v));
        if self.index.is_none() && self.entries.len() > SCAN_MAX {
            let mut ix = HashMap::with_capacity_and_hasher(self.entries.len() * 2, SAME_HASH);
            for (j, (k, _)) in self.entries.iter().enumerate() {
                ix.entry(self.hash(&k.name)).or_insert(j);
            }
            self.index = Some(ix);
        }
    }

    /// Add an entry, replacing (key and value) the one with its name.
    pub fn put(&mut self, k: Key, v: V) {
        match self.position(&k.name) {
            Some(i) => self.entries[i] = (k, v),
            None => self.push(k, v),
        }
    }

    pub fn into_entries(self) -> Vec<(Key, V)> {
        self.entries
    }
}

#[derive(Clone, Debug)]
pub struct Key {
    pub name: Shared<str>,
    pub span: Option<Span>,
}

#[derive(Clone, Debug)]
pub struct Unknown {
    /// Why the value cannot be known, in words a user understands.
    pub reason: Shared<str>,
    /// Deterministic placeholder text when the value is stable within a deployment.
    pub sym: Option<Shared<str>>,
    /// When the code says what the value can be (a conditional whose predicate is unknown, a
    /// parameter's allowed values): every possible value with the choices that lead to it,
    /// at most [`MAX_ALTS`], none of them unknown. Everything that does not read this field
    /// sees an ordinary unknown, which is always safe.
    pub alts: Option<Shared<[(Cond, V)]>>,
    /// What is known of an unknown string built from text (`"${ip}/32"` ends with `/32`),
    /// so a check the known part already decides is not blocked by the unknown part.
    pub shape: Option<Shared<Shape>>,
}

/// The known leading and trailing text of an unknown string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shape {
    pub prefix: Shared<str>,
    pub suffix: Shared<str>,
}

impl Shape {
    /// Whether a string of this shape may be `text` (ASCII case-insensitively, as Azure
    /// compares prefixes and tags).
    pub fn may_be(&self, text: &str) -> bool {
        let (t, p, s) = (
            text.to_ascii_lowercase(),
            self.prefix.to_ascii_lowercase(),
            self.suffix.to_ascii_lowercase(),
        );
        t.len() >= p.len() + s.len() && t.starts_with(&p) && t.ends_with(&s)
    }
    /// Whether the known text contains `c` (then the whole string does).
    pub fn contains(&self, c: char) -> bool {
        self.prefix.contains(c) || self.suffix.contains(c)
    }
}

/// Builds a string from parts — literal text, symbolic unknowns (their placeholder text),
/// unknowns — the one way ARM `concat`/`format`, Bicep and Terraform interpolation do it: all
/// known → a string; known and symbolic → a symbolic unknown that still links; any unknown →
/// an unknown that keeps the literal text before the first and after the last unknown part.
#[derive(Default)]
pub struct TextBuilder {
    text: String,
    sym: Option<Shared<str>>,
    unknown: Option<Shared<str>>,
    /// Known text before the first non-literal part (`None` while there was none).
    pre: Option<String>,
    /// Known text after the last non-literal part.
    post: String,
}

impl TextBuilder {
    /// Bytes of text so far (what a budget charges before the string is built).
    pub fn len(&self) -> usize {
        self.text.len()
    }
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }
    pub fn push_str(&mut self, s: &str) {
        self.text.push_str(s);
        self.post.push_str(s);
    }
    fn var(&mut self, shape: Option<&Shape>) {
        if self.pre.is_none() {
            let lead = shape.map_or("", |s| &s.prefix);
            self.pre = Some(format!("{}{lead}", self.text));
        }
        self.post = shape.map_or(String::new(), |s| s.suffix.to_string());
    }
    /// A stable unknown, written as its placeholder text.
    pub fn push_sym(&mut self, reason: &Shared<str>, sym: &str) {
        self.push_sym_shaped(reason, sym, None);
    }
    fn push_sym_shaped(&mut self, reason: &Shared<str>, sym: &str, shape: Option<&Shape>) {
        self.var(shape);
        self.text.push_str(sym);
        self.sym.get_or_insert_with(|| reason.clone());
    }
    pub fn push_unknown(&mut self, u: &Unknown) {
        match &u.sym {
            Some(s) => self.push_sym_shaped(&u.reason, s, u.shape.as_deref()),
            None => {
                self.var(u.shape.as_deref());
                self.unknown.get_or_insert_with(|| u.reason.clone());
            }
        }
    }
    pub fn finish(self, span: Option<Span>) -> V {
        let prefix = self.pre.unwrap_or_default();
        let shape = (!prefix.is_empty() || !self.post.is_empty()).then(|| {
            Shared::new(Shape {
                prefix: prefix.into(),
                suffix: self.post.into(),
            })
        });
        let mut v = match (self.unknown, self.sym) {
            (Some(reason), _) => V::unknown(reason, span),
            (None, Some(reason)) => V::symbolic(reason, self.text, span),
            (None, None) => return V::str(self.text, span),
        };
        if let VKind::Unknown(u) = &mut v.kind {
            u.shape = shape;
        }
        v
    }
}

/// Two unknowns are the same unknown when their reason and symbol are (alternatives are a
/// refinement, not an identity).
impl PartialEq for Unknown {
    fn eq(&self, other: &Unknown) -> bool {
        self.reason == other.reason && self.sym == other.sym && self.shape == other.shape
    }
}

impl Unknown {
    pub fn new(reason: impl Into<Shared<str>>, sym: Option<Shared<str>>) -> Unknown {
        Unknown {
            reason: reason.into(),
            sym,
            alts: None,
            shape: None,
        }
    }
}

/// The most alternatives one value may have; beyond, it is an ordinary unknown.
pub const MAX_ALTS: usize = 16;

impl V {
    pub fn new(kind: VKind, span: Option<Span>) -> V {
        V {
            kind,
            span,
            origin: None,
        }
    }
    pub fn null(span: Option<Span>) -> V {
        V::new(VKind::Null, span)
    }
    pub fn bool(b: bool, span: Option<Span>) -> V {
        V::new(VKind::Bool(b), span)
    }
    pub fn int(i: i64, span: Option<Span>) -> V {
        V::new(VKind::Int(i), span)
    }
    pub fn str(s: impl Into<Shared<str>>, span: Option<Span>) -> V {
        V::new(VKind::Str(s.into()), span)
    }
    pub fn arr(items: Vec<V>, span: Option<Span>) -> V {
        V::new(VKind::Arr(items), span)
    }
    pub fn obj(entries: Vec<(Key, V)>, span: Option<Span>) -> V {
        V::new(VKind::Obj(entries), span)
    }
    pub fn unknown(reason: impl Into<Shared<str>>, span: Option<Span>) -> V {
        V::new(VKind::Unknown(Box::new(Unknown::new(reason, None))), span)
    }
    /// An unknown that is stable within a deployment, shown and compared as `sym`.
    pub fn symbolic(
        reason: impl Into<Shared<str>>,
        sym: impl Into<Shared<str>>,
        span: Option<Span>,
    ) -> V {
        V::new(
            VKind::Unknown(Box::new(Unknown::new(reason, Some(sym.into())))),
            span,
        )
    }

    /// The same value, now said to be produced at `site`; the old place becomes its origin.
    pub fn at(mut self, site: Option<Span>) -> V {
        if site.is_some() && site != self.span {
            if self.origin.is_none() {
                self.origin = self.span;
            }
            self.span = site;
        }
        self
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self.kind, VKind::Unknown(_))
    }
    pub fn is_null(&self) -> bool {
        matches!(self.kind, VKind::Null)
    }
    pub fn unknown_reason(&self) -> Option<&str> {
        match &self.kind {
            VKind::Unknown(u) => Some(&u.reason),
            _ => None,
        }
    }
    /// The first unknown found in this value (depth first), if any.
    pub fn find_unknown(&self) -> Option<&Unknown> {
        match &self.kind {
            VKind::Unknown(u) => Some(u),
            VKind::Arr(items) => items.iter().find_map(|v| v.find_unknown()),
            VKind::Obj(entries) => entries.iter().find_map(|(_, v)| v.find_unknown()),
            _ => None,
        }
    }
    /// The known text around an unknown string (see [`Shape`]).
    pub fn text_shape(&self) -> Option<&Shape> {
        match &self.kind {
            VKind::Unknown(u) => u.shape.as_deref(),
            _ => None,
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            VKind::Str(s) => Some(s),
            _ => None,
        }
    }
    /// A string or the symbolic text of a stable unknown: good enough for names and ids.
    pub fn as_name(&self) -> Option<&str> {
        match &self.kind {
            VKind::Str(s) => Some(s),
            VKind::Unknown(u) if let Some(s) = &u.sym => Some(s),
            _ => None,
        }
    }
    pub fn as_i64(&self) -> Option<i64> {
        match &self.kind {
            VKind::Int(i) => Some(*i),
            VKind::Float(f) if f.fract() == 0.0 => Some(*f as i64),
            VKind::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> Option<bool> {
        match &self.kind {
            VKind::Bool(b) => Some(*b),
            VKind::Str(s) if s.eq_ignore_ascii_case("true") => Some(true),
            VKind::Str(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }
    }
    pub fn as_array(&self) -> Option<&[V]> {
        match &self.kind {
            VKind::Arr(a) => Some(a),
            _ => None,
        }
    }
    pub fn as_object(&self) -> Option<&[(Key, V)]> {
        match &self.kind {
            VKind::Obj(o) => Some(o),
            _ => None,
        }
    }
    /// Case-insensitive property lookup (ARM property names are case-insensitive).
    pub fn get(&self, key: &str) -> Option<&V> {
        self.get_entry(key).map(|(_, v)| v)
    }
    pub fn get_entry(&self, key: &str) -> Option<&(Key, V)> {
        match &self.kind {
            VKind::Obj(o) => o
                .iter()
                .rev()
                .find(|(k, _)| k.name.eq_ignore_ascii_case(key)),
            _ => None,
        }
    }
    /// Every object entry of this value and of the arrays and objects nested in it, at most
    /// `max_depth` levels down; `visit` returns true when it took the entry, whose value is then
    /// not searched further. For finding references wherever a body nests them.
    pub fn visit_entries(&self, max_depth: usize, visit: &mut impl FnMut(&str, &V) -> bool) {
        fn walk(v: &V, depth: usize, max: usize, visit: &mut impl FnMut(&str, &V) -> bool) {
            if depth > max {
                return;
            }
            match &v.kind {
                VKind::Arr(items) => items.iter().for_each(|it| walk(it, depth + 1, max, visit)),
                VKind::Obj(entries) => {
                    for (k, x) in entries {
                        if !visit(&k.name, x) {
                            walk(x, depth + 1, max, visit);
                        }
                    }
                }
                _ => {}
            }
        }
        walk(self, 0, max_depth, visit)
    }
    /// Follow a dotted path of property names (`properties.subnet.id`).
    pub fn path(&self, path: &str) -> Option<&V> {
        let mut cur = self;
        for part in path.split('.') {
            cur = cur.get(part)?;
        }
        Some(cur)
    }
    /// Mutable lookup / insert for builders.
    pub fn set(&mut self, key: &str, value: V) {
        if let VKind::Obj(o) = &mut self.kind {
            if let Some(e) = o.iter_mut().find(|(k, _)| k.name.eq_ignore_ascii_case(key)) {
                e.1 = value;
            } else {
                o.push((
                    Key {
                        name: key.into(),
                        span: None,
                    },
                    value,
                ));
            }
        }
    }

    /// A short rendering for messages (`'10.0.0.0/29'`, `3`, `[...]`).
    pub fn show(&self) -> String {
        match &self.kind {
            VKind::Null => "null".into(),
            VKind::Bool(b) => b.to_string(),
            VKind::Int(i) => i.to_string(),
            VKind::Float(f) => f.to_string(),
            VKind::Str(s) => format!("'{s}'"),
            VKind::Arr(a) => {
                let parts: Vec<String> = a.iter().take(8).map(|v| v.show()).collect();
                if a.len() > 8 {
                    format!("[{}, …]", parts.join(", "))
                } else {
                    format!("[{}]", parts.join(", "))
                }
            }
            VKind::Obj(_) => "{…}".into(),
            VKind::Unknown(u) => match &u.sym {
                Some(s) => format!("<{s}>"),
                None => "<unknown>".into(),
            },
        }
    }

    /// Structural equality ignoring spans (unknowns are never equal to anything).
    pub fn same(&self, other: &V) -> Option<bool> {
        match (&self.kind, &other.kind) {
            (VKind::Unknown(a), VKind::Unknown(b)) => match (&a.sym, &b.sym) {
                (Some(x), Some(y)) if x == y => Some(true),
                _ => None,
            },
            (VKind::Unknown(_), _) | (_, VKind::Unknown(_)) => None,
            (VKind::Null, VKind::Null) => Some(true),
            (VKind::Bool(a), VKind::Bool(b)) => Some(a == b),
            (VKind::Int(a), VKind::Int(b)) => Some(a == b),
            (VKind::Int(a), VKind::Float(b)) | (VKind::Float(b), VKind::Int(a)) => {
                Some(*a as f64 == *b)
            }
            (VKind::Float(a), VKind::Float(b)) => Some(a == b),
            (VKind::Str(a), VKind::Str(b)) => Some(a == b),
            (VKind::Arr(a), VKind::Arr(b)) => {
                if a.len() != b.len() {
                    return Some(false);
                }
                let mut all = Some(true);
                for (x, y) in a.iter().zip(b) {
                    match x.same(y) {
                        Some(false) => return Some(false),
                        None => all = None,
                        _ => {}
                    }
                }
                all
            }
            (VKind::Obj(a), VKind::Obj(b)) => {
                if a.len() != b.len() {
                    return Some(false);
                }
                // A key looked up in a large object by an index, not a scan per key: two
                // objects of 100,000 keys compared in seconds, not hours.
                let index = (b.len() > SCAN_MAX).then(|| last_by_name(b));
                let mut all = Some(true);
                for (k, x) in a {
                    let y = match &index {
                        Some(ix) => ix.get(&NoCase(&k.name)).map(|&i| &b[i].1),
                        None => other.get(&k.name),
                    };
                    let Some(y) = y else {
                        return Some(false);
                    };
                    match x.same(y) {
                        Some(false) => return Some(false),
                        None => all = None,
                        _ => {}
                    }
                }
                all
            }
            _ => Some(false),
        }
    }

    /// A hash that agrees with [`V::same`]: two values it calls the same hash alike (an unknown
    /// by its symbol). `None` for a value that holds an unknown without a symbol or an object
    /// with two keys differing only in case (where `same` is not symmetric): compare those one
    /// by one.
    pub fn same_hash(&self) -> Option<u64> {
        use std::hash::{BuildHasher, Hasher};
        let mut h = SAME_HASH.build_hasher();
        self.hash_same(&mut h, 0)?;
        Some(h.finish())
    }

    fn hash_same(&self, h: &mut impl std::hash::Hasher, depth: usize) -> Option<()> {
        use std::hash::{BuildHasher, Hash, Hasher};
        if depth > crate::frontend::kernel::budget::MAX_VALUE_DEPTH {
            return None;
        }
        // Numbers compare by value across Int and Float (`1 == 1.0`); -0.0 is 0.0.
        let num = |h: &mut _, f: f64| {
            3u8.hash(h);
            (if f == 0.0 { 0.0f64 } else { f }).to_bits().hash(h);
        };
        match &self.kind {
            // Two unknowns are the same exactly when they have one symbol.
            VKind::Unknown(u) => (7u8, &**u.sym.as_ref()?).hash(h),
            VKind::Null => 0u8.hash(h),
            VKind::Bool(b) => (1u8, *b).hash(h),
            VKind::Int(i) => num(h, *i as f64),
            VKind::Float(f) => num(h, *f),
            VKind::Str(t) => (4u8, &**t).hash(h),
            VKind::Arr(items) => {
                (5u8, items.len()).hash(h);
                for it in items {
                    it.hash_same(h, depth + 1)?;
                }
            }
            VKind::Obj(entries) => {
                // Key order does not matter to `same`: the entries' hashes are summed.
                let mut names =
                    std::collections::HashSet::with_capacity_and_hasher(entries.len(), SAME_HASH);
                let mut sum = 0u64;
                for (k, v) in entries {
                    if !names.insert(NoCase(&k.name)) {
                        return None;
                    }
                    let mut e = SAME_HASH.build_hasher();
                    NoCase(&k.name).hash(&mut e);
                    v.hash_same(&mut e, depth + 1)?;
                    sum = sum.wrapping_add(e.finish());
                }
                (6u8, entries.len(), sum).hash(h);
            }
        }
        Some(())
    }

    /// Truthiness for conditions: `None` when unknown.
    pub fn truthy(&self) -> Option<bool> {
        match &self.kind {
            VKind::Unknown(_) => None,
            VKind::Bool(b) => Some(*b),
            VKind::Null => Some(false),
            VKind::Str(s) if s.eq_ignore_ascii_case("true") => Some(true),
            VKind::Str(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => Some(true),
        }
    }

    /// `"${AZURE_LOCATION}"` in an azd parameter file is filled in by `azd` from its
    /// environment: stable within a deployment (names built from it still link), unknown to us.
    pub fn azd_placeholders(self) -> V {
        match self.kind {
            VKind::Str(ref s) if s.contains("${") => {
                let mut out = V::symbolic(
                    format!("'{s}' is filled in from the azd environment at deployment"),
                    s.to_string(),
                    self.span,
                );
                out.origin = self.origin;
                out
            }
            VKind::Arr(items) => V {
                kind: VKind::Arr(items.into_iter().map(V::azd_placeholders).collect()),
                ..self
            },
            VKind::Obj(entries) => V {
                kind: VKind::Obj(
                    entries
                        .into_iter()
                        .map(|(k, x)| (k, x.azd_placeholders()))
                        .collect(),
                ),
                ..self
            },
            _ => self,
        }
    }

    /// Convert from serde_json (used for tfvars JSON and tests); spans are lost.
    pub fn from_json(j: &serde_json::Value) -> V {
        V::from_json_at(j, None)
    }

    /// Convert from serde_json with every value placed at `span` (the text the JSON was decoded
    /// from, e.g. a `jsondecode()` call), so diagnostics about a part still have a place.
    pub fn from_json_at(j: &serde_json::Value, span: Option<Span>) -> V {
        match j {
            serde_json::Value::Null => V::null(span),
            serde_json::Value::Bool(b) => V::bool(*b, span),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => V::int(i, span),
                None => V::new(VKind::Float(n.as_f64().unwrap_or(0.0)), span),
            },
            serde_json::Value::String(s) => V::str(s.as_str(), span),
            serde_json::Value::Array(a) => {
                V::arr(a.iter().map(|x| V::from_json_at(x, span)).collect(), span)
            }
            serde_json::Value::Object(o) => V::obj(
                o.iter()
                    .map(|(k, v)| {
                        (
                            Key {
                                name: k.as_str().into(),
                                span: None,
                            },
                            V::from_json_at(v, span),
                        )
                    })
                    .collect(),
                span,
            ),
        }
    }

    /// Convert to serde_json; unknowns become `null` (for `jsonencode` of known parts, output).
    pub fn to_json(&self) -> serde_json::Value {
        match &self.kind {
            VKind::Null | VKind::Unknown(_) => serde_json::Value::Null,
            VKind::Bool(b) => serde_json::Value::Bool(*b),
            VKind::Int(i) => serde_json::Value::from(*i),
            VKind::Float(f) => serde_json::Value::from(*f),
            VKind::Str(s) => serde_json::Value::String(String::from(&**s)),
            VKind::Arr(a) => serde_json::Value::Array(a.iter().map(|v| v.to_json()).collect()),
            VKind::Obj(o) => serde_json::Value::Object(
                o.iter()
                    .map(|(k, v)| (k.name.to_string(), v.to_json()))
                    .collect(),
            ),
        }
    }
}

/// Why a text is a placeholder rather than a value, if it is one: an empty (or blank) string,
/// an azd `${VAR}` placeholder (substituted from the environment at deployment), or an obvious
/// sample such as `<your-apim-name>`. Such text is never a tier, a mode or a name.
pub fn placeholder(text: &str) -> Option<String> {
    let t = text.trim();
    if t.is_empty() {
        return Some("the value is an empty string".to_string());
    }
    // Only an environment variable's name (`${AZURE_APIM_SKU}`): `${var.x}` is how a
    // Terraform reference is shown, not a placeholder.
    if let Some(var) = t.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
        if !var.is_empty() && var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Some(format!(
                "'{t}' is a placeholder for the environment variable {var}, set only at deployment (azd)"
            ));
        }
    }
    if t.len() > 2
        && t.starts_with('<')
        && t.ends_with('>')
        && !t[1..t.len() - 1].contains(['<', '>'])
    {
        return Some(format!("'{t}' is a sample placeholder, not a value"));
    }
    None
}

/// The choices that lead to one alternative value: each choice point (a condition whose value is
/// unknown, a parameter with allowed values) and the way it went, e.g.
/// `("var.env == \"prod\"", "false")` or `("parameter 'apimSku'", "'Developer'")`.
/// Alternatives of different fields combine only when their choices agree.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Cond(pub Vec<(Shared<str>, Shared<str>)>);

impl Cond {
    pub fn one(choice: impl Into<Shared<str>>, option: impl Into<Shared<str>>) -> Cond {
        Cond(vec![(choice.into(), option.into())])
    }
    /// Both sets of choices at once, or `None` when they contradict each other.
    pub fn and(&self, other: &Cond) -> Option<Cond> {
        let mut out = self.0.clone();
        for (c, o) in &other.0 {
            match out.iter().find(|(x, _)| x == c) {
                Some((_, y)) if y != o => return None,
                Some(_) => {}
                None => out.push((c.clone(), o.clone())),
            }
        }
        Some(Cond(out))
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// `var.env == "prod" is false and parameter 'apimSku' is 'Developer'`.
    pub fn describe(&self) -> String {
        self.0
            .iter()
            .map(|(c, o)| format!("{c} is {o}"))
            .collect::<Vec<_>>()
            .join(" and ")
    }
}

impl Key {
    pub fn new(name: impl Into<Shared<str>>, span: Option<Span>) -> Key {
        Key {
            name: name.into(),
            span,
        }
    }
}

// ---- Alternatives -------------------------------------------------------------------------

/// Why a set of alternatives could not be kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AltsLost {
    /// One alternative is itself unknown: the value is a plain unknown.
    Unknown,
    /// More than [`MAX_ALTS`] alternatives.
    TooMany,
}

impl V {
    /// The alternatives of an unknown whose possible values the code spells out.
    pub fn alts(&self) -> Option<&[(Cond, V)]> {
        match &self.kind {
            VKind::Unknown(u) if let Some(a) = &u.alts => Some(a),
            _ => None,
        }
    }
    pub fn has_alts(&self) -> bool {
        matches!(&self.kind, VKind::Unknown(u) if u.alts.is_some())
    }
    /// The same unknown without its alternatives.
    pub fn plain(mut self) -> V {
        if let VKind::Unknown(u) = &mut self.kind {
            u.alts = None;
        }
        self
    }
    /// This unknown, refined by the values it can take (`list`: choices and value). A known
    /// value stays as it is. Alternatives that are themselves alternatives are flattened
    /// (their choices combined); if one is unknown the result is a plain unknown; beyond
    /// [`MAX_ALTS`] the reason says so.
    pub fn with_alts(mut self, list: Vec<(Cond, V)>) -> V {
        let VKind::Unknown(u) = &mut self.kind else {
            return self;
        };
        match normalize_alts(list) {
            Ok(a) if a.is_empty() => u.alts = None,
            Ok(a) => u.alts = Some(a.into()),
            Err(AltsLost::Unknown) => u.alts = None,
            Err(AltsLost::TooMany) => {
                u.alts = None;
                u.reason = too_many(&u.reason);
            }
        }
        self
    }
    /// An unknown that is one of `options`, chosen by `choice` (`parameter 'apimSku'`); each
    /// option is shown in the choice (`'Premium'`). Beyond [`MAX_ALTS`] options, plain.
    pub fn one_of(self, choice: &str, options: &[V]) -> V {
        if options.is_empty() || options.iter().any(|o| o.find_unknown().is_some()) {
            return self;
        }
        let choice: Shared<str> = choice.into();
        let list = options
            .iter()
            .map(|o| (Cond::one(choice.clone(), o.show()), o.clone()))
            .collect();
        self.with_alts(list)
    }
}

/// A condition's source text as the name of a choice: on one line, at most 80 characters.
pub fn choice_name(text: &str) -> String {
    let mut out = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if out.chars().count() > 80 {
        out = out.chars().take(79).collect::<String>() + "…";
    }
    out
}

fn too_many(reason: &str) -> Shared<str> {
    format!("{reason} (it can take more than {MAX_ALTS} values)").into()
}

/// Flatten nested alternatives, drop contradictory and duplicate ones, and bound the set.
pub fn normalize_alts(list: Vec<(Cond, V)>) -> Result<Vec<(Cond, V)>, AltsLost> {
    let mut out: Vec<(Cond, V)> = Vec::with_capacity(list.len());
    let push = |c: Cond, v: V, out: &mut Vec<(Cond, V)>| -> Result<(), AltsLost> {
        if out
            .iter()
            .any(|(c2, v2)| *c2 == c && v2.same(&v) == Some(true))
        {
            return Ok(());
        }
        if out.len() == MAX_ALTS {
            return Err(AltsLost::TooMany);
        }
        out.push((c, v));
        Ok(())
    };
    for (c, v) in list {
        match v.alts() {
            Some(inner) => {
                for (c2, v2) in inner.iter() {
                    if let Some(c3) = c.and(c2) {
                        push(c3, v2.clone(), &mut out)?;
                    }
                }
            }
            None if v.find_unknown().is_some() => return Err(AltsLost::Unknown),
            None => push(c, v, &mut out)?,
        }
    }
    Ok(out)
}

/// One way the arguments of an operation can go: the choices, and each argument's value.
pub type Combination = (Cond, Vec<V>);

/// Every consistent combination of the values of `args` (an argument with alternatives takes
/// each of them in turn, any other argument is itself), with the choices of the combination.
/// `None` when no argument has alternatives — the common case, which allocates nothing.
pub fn combinations(args: &[&V]) -> Option<Result<Vec<Combination>, AltsLost>> {
    if !args.iter().any(|a| a.has_alts()) {
        return None;
    }
    let mut acc: Vec<Combination> = vec![(Cond::default(), Vec::with_capacity(args.len()))];
    for a in args {
        match a.alts() {
            None => acc.iter_mut().for_each(|(_, vs)| vs.push((*a).clone())),
            Some(alts) => {
                let mut next = Vec::with_capacity(acc.len() * alts.len());
                for (c, vs) in &acc {
                    for (c2, v2) in alts.iter() {
                        if let Some(c3) = c.and(c2) {
                            if next.len() == MAX_ALTS {
                                return Some(Err(AltsLost::TooMany));
                            }
                            let mut vs = vs.clone();
                            vs.push(v2.clone());
                            next.push((c3, vs));
                        }
                    }
                }
                acc = next;
            }
        }
    }
    Some(Ok(acc))
}

/// `normal` is what an operation gave on `args` treating alternatives as unknown. When it is
/// unknown and some argument has alternatives, evaluate the operation (`f`) once per
/// consistent combination and attach the results as the alternatives of the unknown. This is
/// the one place every evaluator lifts its operators and calls over alternatives.
pub fn lift(normal: V, args: &[&V], mut f: impl FnMut(&[V]) -> V) -> V {
    if !normal.is_unknown() {
        return normal;
    }
    match combinations(args) {
        None => normal,
        Some(Ok(cs)) => {
            let list = cs.into_iter().map(|(c, vs)| (c, f(&vs))).collect();
            normal.plain().with_alts(list)
        }
        Some(Err(AltsLost::TooMany)) => {
            let mut n = normal.plain();
            if let VKind::Unknown(u) = &mut n.kind {
                u.reason = too_many(&u.reason);
            }
            n
        }
        Some(Err(AltsLost::Unknown)) => normal.plain(),
    }
}

/// Narrow `found` (the values a parameter may take so far; `None`: nothing said yet) to those
/// also in `list`: each module that validates the parameter constrains it further.
pub fn narrow_options(found: &mut Option<Vec<V>>, list: Vec<V>) {
    *found = Some(match found.take() {
        None => list,
        Some(prev) => prev
            .into_iter()
            .filter(|a| list.iter().any(|b| a.same(b) == Some(true)))
            .collect(),
    });
}

/// [`lift`] over a slice of arguments (a call's evaluated arguments).
pub fn lift_all(normal: V, args: &[V], f: impl FnMut(&[V]) -> V) -> V {
    if !normal.is_unknown() || !args.iter().any(V::has_alts) {
        return normal;
    }
    let refs: Vec<&V> = args.iter().collect();
    lift(normal, &refs, f)
}

/// `pred ? a : b` where `pred` is unknown and `normal` is what the evaluator gave for it:
/// when `pred` has alternatives each picks its branch; otherwise the predicate itself becomes
/// a choice named by its source text (`pred_text`), with options `true` and `false`.
pub fn choose(normal: V, pred: &V, pred_text: impl FnOnce() -> String, a: &V, b: &V) -> V {
    if !normal.is_unknown() {
        return normal;
    }
    let normal = normal.plain();
    let list = match pred.alts() {
        Some(pa) => {
            let mut list = Vec::with_capacity(pa.len());
            for (c, p) in pa.iter() {
                match p.truthy() {
                    Some(true) => list.push((c.clone(), a.clone())),
                    Some(false) => list.push((c.clone(), b.clone())),
                    None => return normal,
                }
            }
            list
        }
        None => {
            let text: Shared<str> = pred_text().into();
            vec![
                (Cond::one(text.clone(), "true"), a.clone()),
                (Cond::one(text, "false"), b.clone()),
            ]
        }
    };
    normal.with_alts(list)
}

#[cfg(test)]
mod alt_tests {
    use super::*;

    fn s(x: &str) -> V {
        V::str(x, None)
    }
    fn param(name: &str, options: &[&str]) -> V {
        let opts: Vec<V> = options.iter().map(|o| s(o)).collect();
        V::unknown(format!("{name} has no value"), None)
            .one_of(&format!("parameter '{name}'"), &opts)
    }
    fn shown(v: &V) -> Vec<(String, String)> {
        v.alts()
            .unwrap_or(&[])
            .iter()
            .map(|(c, x)| (c.describe(), x.show()))
            .collect()
    }

    #[test]
    fn a_shared_choice_combines_only_consistently() {
        let env = param("env", &["dev", "prod"]);
        let concat = |v: &[V]| {
            s(&format!(
                "{}{}",
                v[0].as_str().unwrap(),
                v[1].as_str().unwrap()
            ))
        };
        let both = lift(V::unknown("x", None), &[&env, &env], concat);
        assert_eq!(
            shown(&both),
            vec![
                (
                    "parameter 'env' is 'dev'".to_string(),
                    "'devdev'".to_string()
                ),
                (
                    "parameter 'env' is 'prod'".to_string(),
                    "'prodprod'".to_string()
                ),
            ]
        );
        let other = param("size", &["s", "l"]);
        let cross = lift(V::unknown("x", None), &[&env, &other], concat);
        assert_eq!(shown(&cross).len(), 4);
    }

    #[test]
    fn known_results_unknown_alternatives_and_the_cap() {
        let env = param("env", &["dev", "prod"]);
        // A known result stays known.
        assert_eq!(lift(s("k"), &[&env], |_| s("x")).as_str(), Some("k"));
        // One unknown alternative: a plain unknown that keeps its reason.
        let u = lift(V::unknown("why", None), &[&env], |v| {
            if v[0].as_str() == Some("dev") {
                V::unknown("inner", None)
            } else {
                s("p")
            }
        });
        assert!(u.is_unknown() && !u.has_alts());
        assert_eq!(u.unknown_reason(), Some("why"));
        // 17 options are too many.
        let names: Vec<String> = (0..17).map(|i| format!("v{i}")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let many = param("p", &refs);
        assert!(!many.has_alts());
        assert!(many.unknown_reason().unwrap().contains("more than 16"));
        // 16 are fine, and identical values under identical choices count once.
        let ok = param("p", &refs[..16]);
        assert_eq!(ok.alts().unwrap().len(), 16);
        let dup = V::unknown("d", None).with_alts(vec![
            (Cond::one("c", "true"), s("a")),
            (Cond::one("c", "true"), s("a")),
        ]);
        assert_eq!(dup.alts().unwrap().len(), 1);
    }

    #[test]
    fn choose_names_an_unknown_predicate_or_follows_its_alternatives() {
        let (a, b) = (s("Premium"), s("Developer"));
        let plain = choose(
            V::unknown("c", None),
            &V::unknown("c", None),
            || "x == 1".into(),
            &a,
            &b,
        );
        assert_eq!(
            shown(&plain),
            vec![
                ("x == 1 is true".to_string(), "'Premium'".to_string()),
                ("x == 1 is false".to_string(), "'Developer'".to_string()),
            ]
        );
        let env = param("env", &["dev", "prod"]);
        let pred = lift(V::unknown("c", None), &[&env], |v| {
            V::bool(v[0].as_str() == Some("prod"), None)
        });
        let picked = choose(V::unknown("c", None), &pred, || unreachable!(), &a, &b);
        assert_eq!(
            shown(&picked),
            vec![
                (
                    "parameter 'env' is 'dev'".to_string(),
                    "'Developer'".to_string()
                ),
                (
                    "parameter 'env' is 'prod'".to_string(),
                    "'Premium'".to_string()
                ),
            ]
        );
        // A branch that is itself a choice nests, keeping both choices.
        let nested = choose(
            V::unknown("c", None),
            &V::unknown("c", None),
            || "y".into(),
            &env,
            &b,
        );
        assert_eq!(shown(&nested).len(), 3);
        assert!(shown(&nested)[0]
            .0
            .contains("y is true and parameter 'env' is"));
    }

    fn unk(reason: &str) -> Unknown {
        match V::unknown(reason, None).kind {
            VKind::Unknown(u) => *u,
            _ => unreachable!(),
        }
    }

    #[test]
    fn text_builder_keeps_known_text_around_unknown_parts() {
        let mut b = TextBuilder::default();
        b.push_str("10.");
        b.push_unknown(&unk("ip"));
        b.push_str("/32");
        let v = b.finish(None);
        assert_eq!(v.unknown_reason(), Some("ip"));
        let s = v.text_shape().unwrap();
        assert_eq!((&*s.prefix, &*s.suffix), ("10.", "/32"));
        assert!(!s.may_be("0.0.0.0/0"));
        assert!(s.may_be("10.1.2.3/32"));
        // A shaped unknown inside another keeps its outer known text.
        let mut b = TextBuilder::default();
        b.push_str("x-");
        b.push_unknown(match &v.kind {
            VKind::Unknown(u) => u,
            _ => unreachable!(),
        });
        let w = b.finish(None);
        let s = w.text_shape().unwrap();
        assert_eq!((&*s.prefix, &*s.suffix), ("x-10.", "/32"));
        // Known and symbolic parts: a symbolic name, no shape; all unknown: no shape.
        let mut b = TextBuilder::default();
        b.push_sym(&"p".into(), "parameters('n')");
        b.push_str("/rule");
        let n = b.finish(None);
        assert_eq!(n.as_name(), Some("parameters('n')/rule"));
        assert_eq!(&*n.text_shape().unwrap().suffix, "/rule");
        let mut b = TextBuilder::default();
        b.push_unknown(&unk("a"));
        assert!(b.finish(None).text_shape().is_none());
        let mut b = TextBuilder::default();
        b.push_str("ab");
        assert_eq!(b.finish(None).as_str(), Some("ab"));
    }
}
