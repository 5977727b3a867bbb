//! STV203 inbound-load-balancer-6390: inbound azureloadbalancer to port 6390 is not allowed.

use super::{Ctx, Rule, Sink};
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: "STV203",
    name: "inbound-load-balancer-6390",
    severity: Severity::Error,
    summary: "Inbound AzureLoadBalancer to port 6390 is not allowed",
    page: include_str!("../../rules/STV203.md"),
    check: Some(check),
};

fn check(_ctx: &Ctx, _sink: &mut Sink) {}
