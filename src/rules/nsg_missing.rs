//! STV201 nsg-missing: the api management subnet has no network security group.

use super::{Ctx, Rule, Sink};
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: "STV201",
    name: "nsg-missing",
    severity: Severity::Error,
    summary: "The API Management subnet has no network security group",
    page: include_str!("../../rules/STV201.md"),
    check: Some(check),
};

fn check(_ctx: &Ctx, _sink: &mut Sink) {}
