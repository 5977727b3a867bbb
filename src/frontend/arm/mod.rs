//! ARM templates and parameter files: pairing, parameter values, evaluation into the model.

pub mod expr;
pub mod functions;
pub mod template;

use super::LoadOptions;
use crate::discover::{self, Discovered, JsonKind};
use crate::model::{Workspace, V};
use crate::source::{canonical, Lang};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Load every ARM template of the run (with its parameter file) into the workspace.
pub fn load(ws: &mut Workspace, found: &Discovered, opts: &LoadOptions) {
    let explicit: Vec<PathBuf> = opts
        .parameters
        .iter()
        .filter(|p| {
            !p.to_string_lossy()
                .to_ascii_lowercase()
                .ends_with(".bicepparam")
        })
        .cloned()
        .collect();
    for &t in &found.arm_templates {
        let Some(template) = found.json.get(&t) else {
            continue;
        };
        let path = ws.sources.get(t).path.clone();
        let param_files: Vec<PathBuf> = if !explicit.is_empty() {
            explicit.clone()
        } else if let Some((_, p)) = opts
            .parameter_map
            .iter()
            .find(|(tp, _)| canonical(tp) == canonical(&path))
        {
            vec![p.clone()]
        } else {
            paired_parameters(&path).into_iter().collect()
        };
        let mut given = HashMap::new();
        for pf in &param_files {
            if let Some(values) = parameter_values(ws, found, pf) {
                given.extend(values);
            }
        }
        let ev = template::Eval::run(ws, t, template, given);
        for (span, msg) in ev.errors.borrow().iter() {
            let offset = span.map(|s| s.start as usize).unwrap_or(0);
            ws.diagnostics.push(discover::parse_error(
                span.map(|s| s.file).unwrap_or(t),
                offset,
                format!("invalid template expression: {msg}"),
            ));
        }
    }
}

/// `X.json` ↔ `X.parameters.json` in the same directory (case-insensitive).
pub fn paired_parameters(template: &Path) -> Option<PathBuf> {
    let stem = template.file_stem()?.to_string_lossy().to_ascii_lowercase();
    let dir = template.parent()?;
    let want = format!("{stem}.parameters.json");
    std::fs::read_dir(if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    })
    .ok()?
    .flatten()
    .find(|e| e.file_name().to_string_lossy().to_ascii_lowercase() == want)
    .map(|e| dir.join(e.file_name()))
}

/// Parameter values of an ARM parameter file, by lower-cased name. The file is read through the
/// discovery cache when it was discovered, else read now.
pub fn parameter_values(
    ws: &mut Workspace,
    found: &Discovered,
    path: &Path,
) -> Option<HashMap<String, V>> {
    let id = match ws.sources.find(path) {
        Some(id) => id,
        None => {
            let (id, ok) = discover::read_source(ws, path, Lang::Json);
            if !ok {
                return None;
            }
            id
        }
    };
    let parsed;
    let root: &V = match found.json.get(&id) {
        Some(v) => v,
        None => {
            let text = ws.sources.get(id).text.clone();
            match super::json::parse(&text, id) {
                Ok(p) => {
                    parsed = p.value;
                    &parsed
                }
                Err(e) => {
                    ws.diagnostics.push(discover::parse_error(
                        id,
                        e.offset,
                        format!("invalid JSON: {}", e.message),
                    ));
                    return None;
                }
            }
        }
    };
    if discover::json_kind(root) == JsonKind::Template {
        return None;
    }
    Some(values_of(root))
}

/// `{ "parameters": { "x": { "value": … } } }` → name → value (Key Vault references unknown).
pub fn values_of(root: &V) -> HashMap<String, V> {
    let mut out = HashMap::new();
    if let Some(ps) = root.get("parameters").and_then(|p| p.as_object()) {
        for (k, p) in ps {
            let v = match (p.get("value"), p.get("reference")) {
                (Some(v), _) => v.clone(),
                (None, Some(_)) => V::unknown(
                    format!("parameter '{}' is a Key Vault reference", k.name),
                    p.span,
                ),
                _ => continue,
            };
            out.insert(k.name.to_ascii_lowercase(), v);
        }
    }
    out
}
