//! STV215 outbound-entra-id: Outbound to AzureActiveDirectory on 443 is not allowed.

use super::{Ctx, Rule, Sink};
use crate::code::Code;
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: Code::Stv215,
    name: "outbound-entra-id",
    severity: Severity::Info,
    summary: "Outbound to AzureActiveDirectory on 443 is not allowed",
    page: include_str!("../../rules/STV215.md"),
    check: Some(check),
};

/// The flows are rows of `rules/flows.yaml`; the shared check evaluates them.
fn check(ctx: &Ctx, sink: &mut Sink) {
    super::flows::check(ctx, sink);
}
