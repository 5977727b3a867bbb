//! STV219 inbound-virtual-network-443: Inbound 443 from the virtual network to an Internal instance is not allowed.

use super::{Ctx, Rule, Sink};
use crate::code::Code;
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: Code::Stv219,
    name: "inbound-virtual-network-443",
    severity: Severity::Warning,
    summary: "Inbound 443 from the virtual network to an Internal instance is not allowed",
    page: include_str!("../../rules/STV219.md"),
    check: Some(check),
};

/// The flows are rows of `rules/flows.yaml`; the shared check evaluates them.
fn check(ctx: &Ctx, sink: &mut Sink) {
    super::flows::check(ctx, sink);
}
