//! STV211 inbound-traffic-manager: Inbound AzureTrafficManager to port 443 is not allowed for a multi-region External instance.

use super::{Ctx, Rule, Sink};
use crate::code::Code;
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: Code::Stv211,
    name: "inbound-traffic-manager",
    severity: Severity::Error,
    summary: "Inbound AzureTrafficManager to port 443 is not allowed for a multi-region External instance",
    page: include_str!("../../rules/STV211.md"),
    check: Some(check),
};

/// The flows are rows of `rules/flows.yaml`; the shared check evaluates them.
fn check(ctx: &Ctx, sink: &mut Sink) {
    super::flows::check(ctx, sink);
}
