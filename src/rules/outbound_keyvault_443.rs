//! STV207 outbound-keyvault-443: Outbound to AzureKeyVault on 443 is not allowed.

use super::{Ctx, Rule, Sink};
use crate::code::Code;
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: Code::Stv207,
    name: "outbound-keyvault-443",
    severity: Severity::Error,
    summary: "Outbound to AzureKeyVault on 443 is not allowed",
    page: include_str!("../../rules/STV207.md"),
    check: Some(check),
};

/// The flow is a row of `rules/flows.yaml`; the shared check evaluates it.
fn check(ctx: &Ctx, sink: &mut Sink) {
    super::flows::check(ctx, sink);
}
