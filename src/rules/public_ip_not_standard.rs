//! STV301 public-ip-not-standard: the public ip address is not standard sku.

use super::{Ctx, Rule, Sink};
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: "STV301",
    name: "public-ip-not-standard",
    severity: Severity::Error,
    summary: "The public IP address is not Standard SKU",
    page: include_str!("../../rules/STV301.md"),
    check: Some(check),
};

fn check(_ctx: &Ctx, _sink: &mut Sink) {}
