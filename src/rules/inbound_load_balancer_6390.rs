//! STV203 inbound-load-balancer-6390: Inbound AzureLoadBalancer to port 6390 is not allowed.

use super::{Ctx, Rule, Sink};
use crate::code::Code;
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: Code::Stv203,
    name: "inbound-load-balancer-6390",
    severity: Severity::Error,
    summary: "Inbound AzureLoadBalancer to port 6390 is not allowed",
    page: include_str!("../../rules/STV203.md"),
    check: Some(check),
};

/// The flow is a row of `rules/flows.yaml`; the shared check evaluates it.
fn check(ctx: &Ctx, sink: &mut Sink) {
    super::flows::check(ctx, sink);
}
