//! STV217 optional-flow-blocked: An optional flow (probe port 6391, connectors, external cache, sync between units) is not allowed.

use super::{Ctx, Rule, Sink};
use crate::code::Code;
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: Code::Stv217,
    name: "optional-flow-blocked",
    severity: Severity::Info,
    summary: "An optional flow (probe port 6391, connectors, external cache, sync between units) is not allowed",
    page: include_str!("../../rules/STV217.md"),
    check: Some(check),
};

/// The flows are rows of `rules/flows.yaml`; the shared check evaluates them.
fn check(ctx: &Ctx, sink: &mut Sink) {
    super::flows::check(ctx, sink);
}
