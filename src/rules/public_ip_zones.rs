//! STV304 public-ip-zones: The public IP address of a zonal location is not zone-redundant.
//!
//! R-PIP-7: a location with explicit zones should use a zone-redundant public IP (zones 1, 2
//! and 3), or one in exactly the instance's zones. Warning, not error: the official quickstart
//! deploys zones with a non-zonal public IP, and whether Azure rejects a mismatch is not
//! documented (REQUIREMENTS.md §6.4).

use super::public_ip::finding;
use super::{Ctx, Rule, Sink};
use crate::code::Code;
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    code: Code::Stv304,
    name: "public-ip-zones",
    severity: Severity::Warning,
    summary: "The public IP address of a zonal location is not zone-redundant",
    page: include_str!("../../rules/STV304.md"),
    check: Some(check),
};

fn sorted(z: &[String]) -> Vec<String> {
    let mut v: Vec<String> = z.iter().map(|s| s.trim().to_string()).collect();
    v.sort();
    v.dedup();
    v
}

fn check(ctx: &Ctx, sink: &mut Sink) {
    for (pip, sites) in ctx.public_ips() {
        for site in sites {
            sink.about(site);
            let Some(zones) = site.loc.zones.as_ref().and_then(|z| z.get()) else {
                continue;
            };
            if zones.is_empty() {
                continue;
            }
            let pz = match &pip.zones {
                None => Vec::new(),
                Some(f) => match f.get() {
                    Some(z) => sorted(z),
                    None => continue,
                },
            };
            let want = sorted(zones);
            if pz == ["1", "2", "3"] || pz == want {
                continue;
            }
            let has = if pz.is_empty() {
                "no zones (not zone-redundant)".to_string()
            } else {
                format!("zones {}", pz.join(", "))
            };
            let d = sink
                .diag(format!(
                    "public IP address '{}' has {has}, but {} runs in zones {}; use a zone-redundant public IP (zones 1, 2, 3)",
                    pip.meta.name,
                    site.label(),
                    want.join(", ")
                ))
                .label(format!("{has}, not zone-redundant"))
                .help("Create the public IP with zones 1, 2 and 3 (zones cannot be changed on an existing public IP: use a new one).");
            let d = finding(d, pip, &[site], None, "zones");
            let d = match pip.zones.as_ref().and_then(|z| z.at) {
                Some(at) => d.at(Some(at)),
                None => d,
            };
            sink.emit(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::model::Field;
    use crate::rules::testkit::*;

    fn case(inst: &[&str], pz: Option<&[&str]>) -> usize {
        let mut p = pip("pip", 50);
        p.zones = pz.map(|z| Field::known(z.iter().map(|s| s.to_string()).collect(), sp(55)));
        let mut a = apim("a", "Premium", "External", 3, 100);
        a.locations[0].zones = zones(inst, 100);
        a.locations[0].public_ip = Some(Field::known(pip_id("pip"), sp(107)));
        let w = ws(
            vec![a],
            vec![subnet("vnet", "apim", &["10.0.0.0/27"], 10)],
            vec![p],
        );
        run(Code::Stv304, &w).len()
    }

    #[test]
    fn zonal_instance_needs_zone_redundant_ip() {
        assert_eq!(case(&["1", "2"], None), 1);
        assert_eq!(case(&["1", "2"], Some(&["1"])), 1);
        assert_eq!(case(&["1", "2"], Some(&["1", "2", "3"])), 0);
        assert_eq!(case(&["1"], Some(&["1"])), 0);
        assert_eq!(case(&[], None), 0);
    }
}
