//! STV303 public-ip-no-dns-label: the public ip address has no dns name label.

use super::{Ctx, Rule, Sink};
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: "STV303",
    name: "public-ip-no-dns-label",
    severity: Severity::Error,
    summary: "The public IP address has no DNS name label",
    page: include_str!("../../rules/STV303.md"),
    check: Some(check),
};

fn check(_ctx: &Ctx, _sink: &mut Sink) {}
