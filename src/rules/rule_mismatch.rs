//! STV208 rule-mismatch: a rule aimed at a required dependency has the wrong port, direction or protocol.

use super::{Ctx, Rule, Sink};
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: "STV208",
    name: "rule-mismatch",
    severity: Severity::Warning,
    summary: "A rule aimed at a required dependency has the wrong port, direction or protocol",
    page: include_str!("../../rules/STV208.md"),
    check: Some(check),
};

fn check(_ctx: &Ctx, _sink: &mut Sink) {}
