//! STV103 subnet-too-small: the subnet is smaller than /29 or cannot hold the instances placed in it.

use super::{Ctx, Rule, Sink};
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: "STV103",
    name: "subnet-too-small",
    severity: Severity::Error,
    summary: "The subnet is smaller than /29 or cannot hold the instances placed in it",
    page: include_str!("../../rules/STV103.md"),
    check: Some(check),
};

fn check(_ctx: &Ctx, _sink: &mut Sink) {}
