//! STV207 outbound-keyvault-443: outbound to azurekeyvault on 443 is not allowed.

use super::{Ctx, Rule, Sink};
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: "STV207",
    name: "outbound-keyvault-443",
    severity: Severity::Error,
    summary: "Outbound to AzureKeyVault on 443 is not allowed",
    page: include_str!("../../rules/STV207.md"),
    check: Some(check),
};

fn check(_ctx: &Ctx, _sink: &mut Sink) {}
