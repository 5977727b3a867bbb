//! STV206 outbound-sql-1433: Outbound to Sql on 1433 is not allowed.

use super::{Ctx, Rule, Sink};
use crate::code::Code;
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: Code::Stv206,
    name: "outbound-sql-1433",
    severity: Severity::Error,
    summary: "Outbound to Sql on 1433 is not allowed",
    page: include_str!("../../rules/STV206.md"),
    check: Some(check),
};

/// The flow is a row of `rules/flows.yaml`; the shared check evaluates it.
fn check(ctx: &Ctx, sink: &mut Sink) {
    super::flows::check(ctx, sink);
}
