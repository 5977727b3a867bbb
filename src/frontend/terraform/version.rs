//! Which azurerm major version a configuration installs: the highest one its `required_providers`
//! constraints allow (Terraform installs the newest matching release), or the one in
//! `.terraform.lock.hcl` when the root has a lock file.

use crate::model::Workspace;
use crate::source::Lang;
use std::path::Path;

/// The newest azurerm major release (5.x at the time of writing).
pub const LATEST: u32 = 5;

type Ver = [u64; 3];

fn parse_ver(s: &str) -> Option<(Ver, usize)> {
    let s = s.trim().trim_start_matches('v');
    let core = s.split(['-', '+']).next().unwrap_or(s);
    let mut out = [0u64; 3];
    let mut n = 0;
    for (i, p) in core.split('.').enumerate() {
        if i >= 3 {
            break;
        }
        out[i] = p.trim().parse().ok()?;
        n = i + 1;
    }
    (n > 0).then_some((out, n))
}

fn next_patch(v: Ver) -> Ver {
    [v[0], v[1], v[2].saturating_add(1)]
}

/// Whether some version of major `m` satisfies every constraint.
fn allows(constraints: &[String], m: u64) -> bool {
    let mut lo: Ver = [m, 0, 0];
    let mut hi: Ver = [m + 1, 0, 0];
    for c in constraints {
        for item in c.split(',') {
            let item = item.trim();
            if item.is_empty() {
                continue;
            }
            let (op, rest) = ["~>", ">=", "<=", "!=", ">", "<", "="]
                .iter()
                .find_map(|op| item.strip_prefix(op).map(|r| (*op, r)))
                .unwrap_or(("=", item));
            let Some((v, parts)) = parse_ver(rest) else {
                continue;
            };
            match op {
                ">=" => lo = lo.max(v),
                ">" => lo = lo.max(next_patch(v)),
                "<=" => hi = hi.min(next_patch(v)),
                "<" => hi = hi.min(v),
                "=" => {
                    lo = lo.max(v);
                    hi = hi.min(next_patch(v));
                }
                "~>" => {
                    lo = lo.max(v);
                    let upper = if parts >= 3 {
                        [v[0], v[1] + 1, 0]
                    } else {
                        [v[0] + 1, 0, 0]
                    };
                    hi = hi.min(upper);
                }
                _ => {}
            }
        }
    }
    lo < hi
}

/// The major version installed: the locked one, else the newest the constraints allow.
pub fn major(constraints: &[String], locked: Option<u32>) -> u32 {
    if let Some(l) = locked {
        return l;
    }
    (1..=LATEST)
        .rev()
        .find(|m| allows(constraints, *m as u64))
        .unwrap_or(LATEST)
}

/// A root module's dependency lock file (read by [`locked_azurerm`] when it is a file).
pub fn lock_file(dir: &Path) -> std::path::PathBuf {
    dir.join(".terraform.lock.hcl")
}

/// The azurerm version pinned by `.terraform.lock.hcl` in a root module's directory.
pub fn locked_azurerm(ws: &mut Workspace, dir: &Path) -> Option<u32> {
    let path = lock_file(dir);
    if !path.is_file() {
        return None;
    }
    let id = ws.find_or_read(&path, Lang::Terraform)?;
    let body = super::modules::parse_file(ws, id)?;
    let found = body
        .blocks("provider")
        .find(|b| b.labels.first().is_some_and(|l| l.ends_with("/azurerm")))
        .and_then(|b| b.body.attr("version"))
        .and_then(|a| a.expr.as_str().and_then(parse_ver))
        .and_then(|(v, _)| u32::try_from(v[0]).ok());
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(c: &[&str]) -> u32 {
        major(&c.iter().map(|s| s.to_string()).collect::<Vec<_>>(), None)
    }

    #[test]
    fn constraints_pick_the_newest_allowed_major() {
        assert_eq!(m(&[]), LATEST);
        assert_eq!(m(&[">= 3.1"]), LATEST);
        assert_eq!(m(&["~> 3.0"]), 3);
        assert_eq!(m(&["~> 3.117.0"]), 3);
        assert_eq!(m(&["~>2.18"]), 2);
        assert_eq!(m(&[">= 3.1, < 4.0"]), 3);
        assert_eq!(m(&["~> 4.0", ">= 3.0"]), 4);
        assert_eq!(m(&["3.117.0"]), 3);
        assert_eq!(m(&["= 4.1.0"]), 4);
    }
}
