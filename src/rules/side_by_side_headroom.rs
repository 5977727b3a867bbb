//! STV104 side-by-side-headroom: the subnet lacks room for side-by-side compute during a same-subnet migration.

use super::{Ctx, Rule, Sink};
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: "STV104",
    name: "side-by-side-headroom",
    severity: Severity::Warning,
    summary: "The subnet lacks room for side-by-side compute during a same-subnet migration",
    page: include_str!("../../rules/STV104.md"),
    check: Some(check),
};

fn check(_ctx: &Ctx, _sink: &mut Sink) {}
