//! What the instance-level rules (STV012–STV018) share: every instance of the view, seen as the
//! variant this world chose when it is in scope (so alternatives of its tier or unit counts are
//! checked one by one), else as written.

use super::Ctx;
use crate::model::{Apim, ApimLocation};

/// Each instance of the view with its index into `ctx.apims`.
pub(super) fn instances<'a>(ctx: &'a Ctx) -> Vec<(usize, &'a Apim)> {
    // The variant of each instance's first site, in one pass (a search per instance was
    // quadratic in the instances of a view).
    let mut variant: Vec<Option<&Apim>> = vec![None; ctx.apims.len()];
    for s in &ctx.sites {
        if let Some(v @ None) = variant.get_mut(s.inst) {
            *v = Some(s.apim);
        }
    }
    (0..ctx.apims.len())
        .map(|i| (i, variant[i].unwrap_or(ctx.apims[i])))
        .collect()
}

/// The known tier, lower-cased and trimmed.
pub(super) fn tier(apim: &Apim) -> Option<String> {
    apim.sku.get().map(|s| s.trim().to_ascii_lowercase())
}

/// The known network type, lower-cased and trimmed.
pub(super) fn mode(apim: &Apim) -> Option<String> {
    apim.vnet_type.get().map(|s| s.trim().to_ascii_lowercase())
}

/// `API Management 'x'` or `API Management 'x' (additional location westus)`.
pub(super) fn label(apim: &Apim, loc: &ApimLocation) -> String {
    super::location_label(apim, loc)
}

/// Code-independent identity of an instance for fingerprints.
pub(super) fn identity(apim: &Apim) -> String {
    apim.meta.key.names.join("/")
}
