//! STV204 inbound-clients-443: Inbound client traffic on 443 is not allowed to an External instance.

use super::{Ctx, Rule, Sink};
use crate::code::Code;
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: Code::Stv204,
    name: "inbound-clients-443",
    severity: Severity::Error,
    summary: "Inbound client traffic on 443 is not allowed to an External instance",
    page: include_str!("../../rules/STV204.md"),
    check: Some(check),
};

/// The flow is a row of `rules/flows.yaml`; the shared check evaluates it.
fn check(ctx: &Ctx, sink: &mut Sink) {
    super::flows::check(ctx, sink);
}
