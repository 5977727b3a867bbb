//! STV202 inbound-management-3443: Inbound ApiManagement to port 3443 is not allowed.

use super::{Ctx, Rule, Sink};
use crate::code::Code;
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: Code::Stv202,
    name: "inbound-management-3443",
    severity: Severity::Error,
    summary: "Inbound ApiManagement to port 3443 is not allowed",
    page: include_str!("../../rules/STV202.md"),
    check: Some(check),
};

/// The flow is a row of `rules/flows.yaml`; the shared check evaluates it.
fn check(ctx: &Ctx, sink: &mut Sink) {
    super::flows::check(ctx, sink);
}
