//! STV011 stv1-api-version: the api version deploys a vnet-injected instance on stv1 or is retired.

use super::{Ctx, Rule, Sink};
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: "STV011",
    name: "stv1-api-version",
    severity: Severity::Error,
    summary: "The API version deploys a VNet-injected instance on stv1 or is retired",
    page: include_str!("../../rules/STV011.md"),
    check: Some(check),
};

fn check(_ctx: &Ctx, _sink: &mut Sink) {}
