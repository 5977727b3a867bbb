//! STV216 outbound-event-hub: Outbound to EventHub on 5671, 5672 and 443 is not allowed.

use super::{Ctx, Rule, Sink};
use crate::code::Code;
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: Code::Stv216,
    name: "outbound-event-hub",
    severity: Severity::Info,
    summary: "Outbound to EventHub on 5671, 5672 and 443 is not allowed",
    page: include_str!("../../rules/STV216.md"),
    check: Some(check),
};

/// The flows are rows of `rules/flows.yaml`; the shared check evaluates them.
fn check(ctx: &Ctx, sink: &mut Sink) {
    super::flows::check(ctx, sink);
}
