//! STV102 subnet-delegated: the api management subnet is delegated to a service.

use super::{Ctx, Rule, Sink};
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: "STV102",
    name: "subnet-delegated",
    severity: Severity::Error,
    summary: "The API Management subnet is delegated to a service",
    page: include_str!("../../rules/STV102.md"),
    check: Some(check),
};

fn check(_ctx: &Ctx, _sink: &mut Sink) {}
