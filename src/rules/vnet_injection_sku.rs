//! STV010 vnet-injection-sku: vnet injection is only possible with the developer and premium tiers.

use super::{Ctx, Rule, Sink};
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: "STV010",
    name: "vnet-injection-sku",
    severity: Severity::Error,
    summary: "VNet injection is only possible with the Developer and Premium tiers",
    page: include_str!("../../rules/STV010.md"),
    check: Some(check),
};

fn check(_ctx: &Ctx, _sink: &mut Sink) {}
