//! STV502 service-endpoints-missing: the subnet lacks service endpoints for storage, sql and key vault.

use super::{Ctx, Rule, Sink};
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: "STV502",
    name: "service-endpoints-missing",
    severity: Severity::Warning,
    summary: "The subnet lacks service endpoints for Storage, Sql and Key Vault",
    page: include_str!("../../rules/STV502.md"),
    check: Some(check),
};

fn check(_ctx: &Ctx, _sink: &mut Sink) {}
