//! What the public-IP rules (STV301–STV303) share: a finding about one property of a public IP
//! used by one or more in-scope locations. The grouping of locations by public IP is
//! [`Ctx::public_ips`](super::Ctx::public_ips).

use super::Site;
use crate::diagnostic::Diagnostic;
use crate::model::{Field, PublicIp};

/// Code-independent identity of a public IP for fingerprints.
pub(super) fn pip_identity(pip: &PublicIp) -> String {
    format!("{}|{}", pip.meta.key.rtype, pip.meta.key.names.join("/"))
}

/// Finish a finding about `aspect` of a public IP: point at the property when it is written
/// (else at the declaration, where it is to be added), relate where its value comes from and
/// every location that uses the public IP, and give it a stable identity.
pub(super) fn finding(
    d: Diagnostic,
    pip: &PublicIp,
    sites: &[&Site],
    property: Option<&Field<String>>,
    aspect: &str,
) -> Diagnostic {
    let mut d = d
        .at(property.and_then(|f| f.at).or(Some(pip.meta.decl)))
        .resource(&pip.meta.label)
        .related(
            property.and_then(|f| f.origin()),
            "the value comes from here",
        )
        .identity(format!("{}|{aspect}", pip_identity(pip)));
    for s in sites {
        d = d.related(
            s.loc
                .public_ip
                .as_ref()
                .and_then(|f| f.at)
                .or(Some(s.loc.decl)),
            format!("used by {}", s.label()),
        );
    }
    d
}
