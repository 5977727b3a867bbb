//! STV503 default-route-blackhole: a default route with next hop none drops all traffic.

use super::{Ctx, Rule, Sink};
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: "STV503",
    name: "default-route-blackhole",
    severity: Severity::Error,
    summary: "A default route with next hop None drops all traffic",
    page: include_str!("../../rules/STV503.md"),
    check: Some(check),
};

fn check(_ctx: &Ctx, _sink: &mut Sink) {}
