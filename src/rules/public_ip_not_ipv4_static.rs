//! STV302 public-ip-not-ipv4-static: the public ip address is not static ipv4.

use super::{Ctx, Rule, Sink};
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: "STV302",
    name: "public-ip-not-ipv4-static",
    severity: Severity::Error,
    summary: "The public IP address is not static IPv4",
    page: include_str!("../../rules/STV302.md"),
    check: Some(check),
};

fn check(_ctx: &Ctx, _sink: &mut Sink) {}
