//! STV403 units-not-divisible-by-zones: the unit count of a location is not a multiple of its zone count.

use super::{Ctx, Rule, Sink};
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: "STV403",
    name: "units-not-divisible-by-zones",
    severity: Severity::Error,
    summary: "The unit count of a location is not a multiple of its zone count",
    page: include_str!("../../rules/STV403.md"),
    check: Some(check),
};

fn check(_ctx: &Ctx, _sink: &mut Sink) {}
