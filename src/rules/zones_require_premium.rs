//! STV401 zones-require-premium: availability zones need the premium tier.

use super::{Ctx, Rule, Sink};
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: "STV401",
    name: "zones-require-premium",
    severity: Severity::Error,
    summary: "Availability zones need the Premium tier",
    page: include_str!("../../rules/STV401.md"),
    check: Some(check),
};

fn check(_ctx: &Ctx, _sink: &mut Sink) {}
