//! STV501 forced-tunnel-without-apim-route: a default route to an appliance or gateway without an apimanagement route to internet.

use super::{Ctx, Rule, Sink};
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: "STV501",
    name: "forced-tunnel-without-apim-route",
    severity: Severity::Error,
    summary:
        "A default route to an appliance or gateway without an ApiManagement route to Internet",
    page: include_str!("../../rules/STV501.md"),
    check: Some(check),
};

fn check(_ctx: &Ctx, _sink: &mut Sink) {}
