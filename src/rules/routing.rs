//! What the route rules (STV501–STV503) share: following a location's route table, and the
//! STV002s when a table or its routes cannot be known (built identically by every route rule,
//! so the run reports each once).

use super::{Resolved, Sink, Site};
use crate::code::Code;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{RouteTable, Subnet};
use crate::source::Span;

/// The STV002 when the default route of a table cannot be known; shared by the route rules.
pub(super) fn routes_unknown(rt: &RouteTable, reason: &str, at: Option<Span>) -> Diagnostic {
    Diagnostic::new(
        Code::Stv002,
        Severity::Info,
        format!(
            "the routes of route table '{}' are not all known, so forced tunnelling and the default route of the API Management subnet could not be checked: {reason}",
            rt.meta.name
        ),
    )
    .at(at.or(Some(rt.meta.decl)))
    .resource(&rt.meta.label)
    .label("routes not all known")
    .help("Give the routes' address prefixes and next hop types literal, default or parameter-file values.")
    .identity(format!("routes-unknown|{}", rt.meta.key.names.join("/")))
}

/// The STV002 when a site's route table cannot be followed; the route rules all build the same
/// diagnostic so the run reports it once.
pub(super) fn route_table_unresolved(
    subnet: &Subnet,
    reason: &str,
    at: Option<Span>,
) -> Diagnostic {
    Diagnostic::new(
        Code::Stv002,
        Severity::Info,
        format!(
            "the route table of subnet '{}' could not be followed, so its routes for API Management could not be checked: {reason}",
            subnet.meta.key.names.join("/")
        ),
    )
    .at(at.or(Some(subnet.meta.decl)))
    .resource(&subnet.meta.label)
    .label("its route table cannot be followed")
    .help("Declare the route table in the files checked, or give its reference a literal, default or parameter-file value.")
    .identity(format!("rt-unresolved|{}", subnet.meta.key.names.join("/")))
}

/// The site's subnet and route table when both are known; the shared STV002 when the table
/// cannot be followed; nothing when there is none.
pub(super) fn route_table<'a>(
    site: &Site<'a>,
    sink: &mut Sink,
) -> Option<(&'a Subnet, &'a RouteTable)> {
    let Resolved::Found(subnet) = site.subnet else {
        return None;
    };
    match &site.route_table {
        Resolved::Found(rt) => Some((subnet, *rt)),
        Resolved::Absent => None,
        Resolved::Unknown { reason, at } => {
            sink.emit(route_table_unresolved(subnet, reason, *at));
            None
        }
    }
}
