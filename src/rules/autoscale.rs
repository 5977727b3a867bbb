//! What the autoscale rules (STV405–STV407, STV601) share: the settings that scale an instance.

use super::{Ctx, Site};
use crate::model::Autoscale;

/// The autoscale settings that target the site's instance, read once per instance (at its
/// primary location: autoscale scales the primary location only). Settings written as
/// `enabled: false` do not scale and are left out.
pub(super) fn settings<'a>(ctx: &Ctx<'a>, site: &Site<'a>) -> Vec<&'a Autoscale> {
    if !site.loc.primary {
        return Vec::new();
    }
    ctx.ws
        .autoscales_of(site.apim)
        .filter(|a| a.enabled.get() != Some(&false))
        .collect()
}
