//! STV402 invalid-zones: zones must be distinct values from 1, 2 and 3.

use super::{Ctx, Rule, Sink};
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: "STV402",
    name: "invalid-zones",
    severity: Severity::Error,
    summary: "Zones must be distinct values from 1, 2 and 3",
    page: include_str!("../../rules/STV402.md"),
    check: Some(check),
};

fn check(_ctx: &Ctx, _sink: &mut Sink) {}
