//! STV209 outbound-azuremonitor: Outbound to AzureMonitor on 1886 and 443 is not allowed.

use super::{Ctx, Rule, Sink};
use crate::code::Code;
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: Code::Stv209,
    name: "outbound-azuremonitor",
    severity: Severity::Error,
    summary: "Outbound to AzureMonitor on 1886 and 443 is not allowed",
    page: include_str!("../../rules/STV209.md"),
    check: Some(check),
};

/// The flows are rows of `rules/flows.yaml`; the shared check evaluates them.
fn check(ctx: &Ctx, sink: &mut Sink) {
    super::flows::check(ctx, sink);
}
