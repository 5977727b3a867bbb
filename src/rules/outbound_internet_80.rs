//! STV210 outbound-internet-80: Outbound to the Internet on port 80 is not allowed.

use super::{Ctx, Rule, Sink};
use crate::code::Code;
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: Code::Stv210,
    name: "outbound-internet-80",
    severity: Severity::Error,
    summary: "Outbound to the Internet on port 80 is not allowed",
    page: include_str!("../../rules/STV210.md"),
    check: Some(check),
};

/// The flows are rows of `rules/flows.yaml`; the shared check evaluates them.
fn check(ctx: &Ctx, sink: &mut Sink) {
    super::flows::check(ctx, sink);
}
