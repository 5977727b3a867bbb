//! STV101 subnet-missing: a vnet-injected location has no subnet.

use super::{Ctx, Rule, Sink};
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: "STV101",
    name: "subnet-missing",
    severity: Severity::Error,
    summary: "A VNet-injected location has no subnet",
    page: include_str!("../../rules/STV101.md"),
    check: Some(check),
};

fn check(_ctx: &Ctx, _sink: &mut Sink) {}
