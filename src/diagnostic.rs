//! Diagnostics: what rules and front ends produce and renderers print. Nothing here knows
//! about syntax or output formats.

pub use crate::code::Code;
use crate::source::{FileId, Span};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
    pub fn parse(s: &str) -> Option<Severity> {
        match s.to_ascii_lowercase().as_str() {
            "info" | "note" => Some(Severity::Info),
            "warning" | "warn" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Related {
    pub span: Span,
    pub message: String,
}

#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    /// Where a person must edit. `None` only for diagnostics about a whole run.
    pub span: Option<Span>,
    /// How the code names the resource (`azurerm_network_security_group.apim`).
    pub resource: Option<String>,
    /// What the human report writes under the primary span: the problem in a few words
    /// (`denies TCP 3443 from ApiManagement before any allow`), since the headline already
    /// carries the whole message. Not part of the JSON contract.
    pub label: Option<String>,
    /// Shared: the same advice follows many findings ([`crate::rules::finish`] shares it).
    pub help: Option<std::sync::Arc<str>>,
    pub related: Vec<Related>,
    /// What is wrong, independent of line numbers: resource identity + the specific problem.
    /// Baselines and SARIF `partialFingerprints` are built from it.
    pub identity: String,
    /// For an STV002 note: the rule whose check it could not decide, so that a suppression of
    /// that rule covers the note too.
    pub for_rule: Option<Code>,
    /// `Some(reason)` when an inline suppression covers this diagnostic.
    pub suppressed: Option<String>,
    /// The deployment units (their names) in which the finding holds; empty when it is not
    /// about a deployment (a parse error).
    pub deployments: Vec<String>,
    /// For a missing required NSG flow: the allow rule that would fix it, for the editor's
    /// quick fix. Not part of the JSON contract.
    /// Boxed: most findings have none, and a large run holds tens of thousands.
    pub add_rule: Option<Box<AddRule>>,
    /// The run could not check what it was asked to (an evaluation limit hit): exit code 2,
    /// whatever the severity, so a CI gate never reads a cut-off run as a pass.
    pub incomplete: bool,
}

/// The security rule a flow finding asks for: which flow (its key in `rules/flows.yaml`), at
/// which free priority, inserted before which deny (or into which NSG when the default rule
/// drops the flow).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddRule {
    pub flow: String,
    pub priority: i64,
    pub before: Option<Span>,
    pub nsg: Span,
    /// The NSG's rules are separate resources (Terraform `azurerm_network_security_rule`):
    /// a new one must be too, since the provider fights over a mix of both.
    pub separate: bool,
}

impl Diagnostic {
    /// Give back what its texts hold beyond their length: a large run keeps tens of thousands
    /// of findings until they are sorted, and formatted text is often allocated with room
    /// to spare.
    pub fn shrink(&mut self) {
        self.message.shrink_to_fit();
        self.identity.shrink_to_fit();
        for s in [&mut self.resource, &mut self.label].into_iter().flatten() {
            s.shrink_to_fit();
        }
        self.related.shrink_to_fit();
        for r in &mut self.related {
            r.message.shrink_to_fit();
        }
    }

    pub fn new(code: Code, severity: Severity, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity,
            message: message.into(),
            span: None,
            resource: None,
            label: None,
            help: None,
            related: Vec::new(),
            identity: String::new(),
            for_rule: None,
            suppressed: None,
            deployments: Vec::new(),
            add_rule: None,
            incomplete: false,
        }
    }
    /// Mark the diagnostic as one that makes the run incomplete (exit code 2).
    pub fn incomplete(mut self) -> Self {
        self.incomplete = true;
        self
    }
    pub fn at(mut self, span: Option<Span>) -> Self {
        self.span = span;
        self
    }
    pub fn resource(mut self, r: impl Into<String>) -> Self {
        self.resource = Some(r.into());
        self
    }
    /// The short problem shown under the primary span (see [`Diagnostic::label`]).
    pub fn label(mut self, l: impl Into<String>) -> Self {
        self.label = Some(l.into());
        self
    }
    pub fn add_rule(mut self, fix: Option<AddRule>) -> Self {
        self.add_rule = fix.map(Box::new);
        self
    }
    pub fn help(mut self, h: impl Into<String>) -> Self {
        self.help = Some(h.into().into());
        self
    }
    /// Add a related location; `None` spans and duplicates of the primary span are dropped.
    pub fn related(mut self, span: Option<Span>, message: impl Into<String>) -> Self {
        if let Some(span) = span {
            if Some(span) != self.span && !self.related.iter().any(|r| r.span == span) {
                self.related.push(Related {
                    span,
                    message: message.into(),
                });
            }
        }
        self
    }
    pub fn for_rule(mut self, code: Code) -> Self {
        self.for_rule = Some(code);
        self
    }
    /// What makes this finding the same finding after the file moves around.
    pub fn identity(mut self, id: impl Into<String>) -> Self {
        self.identity = id.into();
        self
    }
}

/// One STV002: a file the code refers to was not read, and why.
pub fn not_read(
    at: Option<Span>,
    what: &str,
    path: &str,
    why: &str,
    consequence: &str,
) -> Diagnostic {
    Diagnostic::new(
        Code::Stv002,
        Severity::Info,
        format!("{what} '{path}' was not read: {why}; {consequence}"),
    )
    .at(at)
    .help("stv2lint reads only regular files inside the linted tree (the paths given, or the git work tree containing them); name the file on the command line or widen the tree with --root.")
    .identity(format!("not read|{what}|{path}"))
}

/// One STV001 at a byte offset of a file.
pub fn parse_error(file: FileId, offset: usize, message: String) -> Diagnostic {
    Diagnostic::new(Code::Stv001, Severity::Error, message.clone())
        .at(Some(Span::new(file, offset, offset)))
        .help("Fix the syntax error; the other files of the run were still checked.")
        .identity(format!("parse|{message}"))
}
