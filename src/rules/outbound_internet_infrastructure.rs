//! STV218 outbound-internet-infrastructure: Outbound NTP, portal diagnostics or HTTPS to the Internet is not allowed.

use super::{Ctx, Rule, Sink};
use crate::code::Code;
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: Code::Stv218,
    name: "outbound-internet-infrastructure",
    severity: Severity::Warning,
    summary: "Outbound NTP, portal diagnostics or HTTPS to the Internet is not allowed",
    page: include_str!("../../rules/STV218.md"),
    check: Some(check),
};

/// The flows are rows of `rules/flows.yaml`; the shared check evaluates them.
fn check(ctx: &Ctx, sink: &mut Sink) {
    super::flows::check(ctx, sink);
}
