//! ARM templates and parameter files: pairing, parameter values, evaluation into the model.

pub mod builtins;
pub mod expr;
pub mod functions;
pub mod template;

use super::LoadOptions;
use crate::diagnostic::{Diagnostic, Severity};
use crate::discover::{self, Discovered, JsonKind};
use crate::model::{VKind, Workspace, V};
use crate::source::{canonical, FileId, Lang, Span};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Load every ARM template of the run into the workspace: each template once per parameter
/// file it is deployed with (each its own deployment unit), or once with its defaults.
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
    let mut files: Vec<(PathBuf, FileId)> = found
        .arm_templates
        .iter()
        .map(|&t| (canonical(&ws.sources.get(t).path), t))
        .collect();
    // The `.json` names each linking template spells out, parsed once for both uses below.
    let mut names = link_names(ws, &found.arm_templates);
    let of_run = names.len();
    read_linked_files(ws, &mut names, &mut files);
    let linked = linked_targets(ws, &names[..of_run], &files);
    // `--parameters` files: read and parse once, not per template.
    let evaluated = found.arm_templates.iter().any(|t| !linked.contains_key(t));
    let mut explicit_sets: Vec<Stage> = Vec::new();
    for pf in explicit.iter().filter(|_| evaluated) {
        if let Some(values) = parameter_values(ws, found, pf) {
            explicit_sets.push(Stage::of(ws, pf, values));
        }
    }
    // Parameter-map entries, canonical once rather than per template.
    let mapped: Vec<(PathBuf, PathBuf)> = opts
        .parameter_map
        .iter()
        .map(|(tp, p)| (canonical(tp), p.clone()))
        .collect();
    let entries = Entries {
        mapped,
        explicit_sets,
        pairing: discover::Pairing::new(ws, found).listing(!opts.pair_discovered_only),
    };
    // Parameter files that are not unused although no deployment reads them: those beside a
    // linked template (`nested/nsg.parameters.json`), evaluated through its link with what
    // the link passes, and every discovered one when the user named the parameter files.
    if !explicit.is_empty() || !opts.parameter_map.is_empty() {
        ws.parameter_files_read
            .extend(found.arm_parameters.iter().copied());
    }
    for t in linked.keys() {
        let path = ws.sources.get(*t).path.clone();
        for pf in entries.pairing.stage_files(&path) {
            if let Some(id) = ws.sources.find(&pf) {
                ws.parameter_files_read.insert(id);
            }
        }
    }
    // A template that another template of the run links to is evaluated through that link,
    // with the parameters it passes, not on its own.
    let templates: Vec<_> = found
        .arm_templates
        .iter()
        .filter(|t| !linked.contains_key(t))
        .filter_map(|&t| entries.entry(ws, found, t))
        .collect();
    // The templates linked to are parsed once for the run; every other template is parsed
    // where it is evaluated and dropped after, so that the trees of a large repository are
    // not all alive at once.
    let mut targets: Vec<FileId> = linked.keys().copied().collect();
    targets.sort();
    let trees = crate::parallel::map(&targets, |&id| {
        super::json::parse(&ws.sources.get(id).text, id)
            .ok()
            .map(|p| p.value)
    });
    let json: HashMap<FileId, V> = targets
        .iter()
        .copied()
        .zip(trees)
        .filter_map(|(id, v)| Some((id, v?)))
        .collect();
    let mut reached = evaluate_all(ws, &files, &json, templates);
    // A linked template that no evaluated link reached (its link is built from values not
    // known here, or names it in a way that matches no file) would vanish without a word: it
    // is evaluated on its own instead, with its defaults and parameter files. One linked from
    // another such template waits for that one, which may reach it.
    let mut alone: HashSet<FileId> = HashSet::new();
    loop {
        let pending: Vec<FileId> = targets
            .iter()
            .copied()
            .filter(|t| !reached.contains(t) && !alone.contains(t))
            .collect();
        if pending.is_empty() {
            break;
        }
        let waiting: HashSet<FileId> = pending.iter().copied().collect();
        let ready: Vec<FileId> = pending
            .iter()
            .copied()
            .filter(|t| !linked[t].iter().any(|l| waiting.contains(l)))
            .collect();
        let ready = if ready.is_empty() { pending } else { ready };
        alone.extend(ready.iter().copied());
        let templates: Vec<_> = ready
            .into_iter()
            .filter_map(|t| entries.entry(ws, found, t))
            .collect();
        reached.extend(evaluate_all(ws, &files, &json, templates));
    }
}

/// How a template evaluated on its own finds its parameter files.
struct Entries {
    /// `--parameter-map` entries: canonical template path → parameter file.
    mapped: Vec<(PathBuf, PathBuf)>,
    /// The `--parameters` files.
    explicit_sets: Vec<Stage>,
    pairing: discover::Pairing,
}

/// A template evaluated on its own: its stages, its directory and how it is shown.
type Entry = (FileId, Vec<Stage>, PathBuf, String);

impl Entries {
    fn entry(&self, ws: &mut Workspace, found: &Discovered, t: FileId) -> Option<Entry> {
        let outline = found.templates.get(&t)?;
        let path = ws.sources.get(t).path.clone();
        let canon = canonical(&path);
        let mut stages: Vec<Stage> = Vec::new();
        for (_, pf) in self.mapped.iter().filter(|(tp, _)| *tp == canon) {
            if let Some(values) = parameter_values(ws, found, pf) {
                stages.push(Stage::of(ws, pf, values));
            }
        }
        if stages.is_empty() {
            stages = fitting(ws, &self.explicit_sets, outline.declared.as_ref());
        }
        if stages.is_empty() {
            for pf in self.pairing.stage_files(&path) {
                if let Some(values) = parameter_values(ws, found, &pf) {
                    stages.push(Stage::of(ws, &pf, values));
                }
            }
        }
        let display = ws.sources.get(t).display.clone();
        if stages.is_empty() {
            stages.push(Stage {
                name: None,
                values: HashMap::new(),
            });
        }
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Some((t, stages, dir, display))
    }
}

/// Evaluate `templates` into the workspace; the templates of the run their links reached.
fn evaluate_all(
    ws: &mut Workspace,
    files: &[(PathBuf, FileId)],
    json: &HashMap<FileId, V>,
    templates: Vec<Entry>,
) -> HashSet<FileId> {
    let mut reached = HashSet::new();
    // Deployments evaluate on every worker (each with its own budget) and join the workspace
    // in the order above, a slice of templates at a time: what waits to be ingested stays
    // small too.
    let slice = 16 * crate::parallel::threads().max(1);
    let mut rest = templates.into_iter().peekable();
    while rest.peek().is_some() {
        let batch: Vec<_> = rest.by_ref().take(slice).collect();
        let links = template::Linkable {
            files,
            json,
            sources: &ws.sources,
        };
        let evaluated = crate::parallel::map(&batch, |(t, stages, dir, display)| {
            let Some(tree) = links.template(*t) else {
                return Vec::new();
            };
            let mut tree = Some(tree);
            let last = stages.len() - 1;
            stages
                .iter()
                .enumerate()
                .map(|(i, st)| {
                    let unit_name = st.name.clone().unwrap_or_else(|| display.clone());
                    let budget_unit = format!("template '{unit_name}'");
                    let values = st.values.clone();
                    let template = if i == last {
                        tree.take().unwrap_or_else(|| V::null(None))
                    } else {
                        tree.clone().unwrap_or_else(|| V::null(None))
                    };
                    template::Eval::evaluate(
                        dir.clone(),
                        *t,
                        template,
                        values,
                        &links,
                        &budget_unit,
                    )
                })
                .collect()
        });
        for ((t, stages, _, display), evs) in batch.into_iter().zip(evaluated) {
            for (st, mut ev) in stages.into_iter().zip(evs) {
                let unit_name = st.name.clone().unwrap_or_else(|| display.clone());
                ws.begin_unit(unit_name, st.name, format!("arm|{display}"));
                reached.extend(ev.reached.iter().copied());
                ev.ingest(ws);
                ws.diagnostics.extend(ev.budget);
                for d in ev.missing {
                    // A cycle is met from each of its templates evaluated on its own: once.
                    let again = d.identity.starts_with(template::CYCLE)
                        && ws.diagnostics.iter().any(|x| x.identity == d.identity);
                    if !again {
                        ws.diagnostics.push(d);
                    }
                }
                for u in ev.unloaded {
                    if !ws.unloaded_apims.iter().any(|x| x.at == u.at) {
                        ws.unloaded_apims.push(u);
                    }
                }
                for (span, msg) in ev.errors {
                    let offset = span.map(|s| s.start as usize).unwrap_or(0);
                    ws.diagnostics.push(crate::diagnostic::parse_error(
                        span.map(|s| s.file).unwrap_or(t),
                        offset,
                        format!("invalid template expression: {msg}"),
                    ));
                }
            }
        }
    }
    reached
}

/// One parameter file a template is deployed with: its name (as the user would type it) and
/// its values by lower-cased parameter name.
#[derive(Clone)]
pub struct Stage {
    pub name: Option<String>,
    pub values: HashMap<String, V>,
}

impl Stage {
    pub fn of(ws: &Workspace, path: &Path, values: HashMap<String, V>) -> Stage {
        let name = match ws.sources.find(path) {
            Some(id) => ws.sources.get(id).display.clone(),
            None => crate::source::display_path(path),
        };
        Stage {
            name: Some(name),
            values,
        }
    }
}

/// The given parameter files that fit a template: Azure rejects a parameter file that names a
/// parameter the template does not declare, so a file for another template is not a stage of
/// this one (a template without `parameters` takes none). A template no file fits is checked
/// with its own parameter files, as without `--parameters`; a file that fits no template is
/// said ([`unfitted_parameter_files`]). The files that fit are noted in `ws`.
pub fn fitting(
    ws: &mut Workspace,
    sets: &[Stage],
    declared: Option<&HashSet<String>>,
) -> Vec<Stage> {
    ws.parameter_sets_offered = true;
    if let Some(d) = declared {
        ws.parameter_names_declared.extend(d.iter().cloned());
    }
    let fit: Vec<Stage> = sets
        .iter()
        .filter(|s| {
            s.values
                .keys()
                .all(|k| declared.is_some_and(|d| d.contains(k)))
        })
        .cloned()
        .collect();
    ws.parameter_sets_fitted
        .extend(fit.iter().filter_map(|s| s.name.clone()));
    fit
}

/// Every `--parameters FILE` (JSON) that fits no template of the run, said: no deployment was
/// checked with its values. A warning when templates were there to fit, else a note.
pub fn unfitted_parameter_files(ws: &mut Workspace, found: &Discovered, opts: &LoadOptions) {
    use crate::diagnostic::{Diagnostic, Severity};
    for p in &opts.parameters {
        if p.to_string_lossy()
            .to_ascii_lowercase()
            .ends_with(".bicepparam")
        {
            continue;
        }
        // Not read when no template wanted it.
        let id = ws.sources.find(p);
        let name = match id {
            Some(id) => ws.sources.get(id).display.clone(),
            None => crate::source::display_path(p),
        };
        if ws.parameter_sets_fitted.contains(&name) {
            continue;
        }
        // Read, it must be a parameter file: its tree from discovery, or parsed once here.
        let parsed;
        let doc = match id {
            None => None,
            Some(id) => match found.json.get(&id) {
                Some(v) => Some(v),
                None => match super::json::parse(&ws.sources.get(id).text, id) {
                    Ok(v) => {
                        parsed = v.value;
                        Some(&parsed)
                    }
                    Err(_) => continue,
                },
            },
        };
        if doc.is_some_and(|v| discover::json_kind(v) != JsonKind::Parameters) {
            continue;
        }
        let at = id.zip(doc).map(|(id, v)| {
            let start = v.span.map_or(0, |s| s.start as usize);
            crate::source::Span::new(id, start, start + 1)
        });
        let (severity, why) = if ws.parameter_sets_offered {
            // The parameters no template declares, as the file spells them.
            let mut stray: Vec<String> = doc
                .and_then(|v| v.get("parameters")?.as_object())
                .unwrap_or(&[])
                .iter()
                .map(|(k, _)| k.name.clone())
                .filter(|k| {
                    !ws.parameter_names_declared
                        .contains(&k.to_ascii_lowercase())
                })
                .map(|k| format!("'{k}'"))
                .collect();
            stray.truncate(5);
            let what = if stray.is_empty() {
                "no one template of the run declares all of its parameters".to_string()
            } else {
                format!(
                    "it sets {}, which no template of the run declares",
                    stray.join(", ")
                )
            };
            (
                Severity::Warning,
                format!("{what} (Azure rejects a deployment with an undeclared parameter)"),
            )
        } else {
            (
                Severity::Info,
                "the run has no ARM or Bicep template evaluated on its own to deploy it with"
                    .to_string(),
            )
        };
        ws.diagnostics.push(
            Diagnostic::new(
                crate::code::Code::Stv002,
                severity,
                format!(
                    "parameter file '{name}' fits no template of the run: {why}; no deployment was checked with its values"
                ),
            )
            .at(at)
            .label("fits no template")
            .help("Name the template it deploys: `--parameters TEMPLATE=FILE`, or `parameters:` in .stv2lint.yaml; or remove the parameters no template declares.")
            .identity(format!("unfitted parameters|{name}")),
        );
    }
}

/// The `.json` names (see [`json_names`]) in each of `templates` that spells `templateLink`
/// (only those link), parsed on the workers.
fn link_names(ws: &Workspace, templates: &[FileId]) -> Vec<(FileId, Vec<String>)> {
    let linking: Vec<FileId> = templates
        .iter()
        .copied()
        .filter(|&t| ws.sources.get(t).text.contains("templateLink"))
        .collect();
    let names = crate::parallel::map(&linking, |&t| {
        let mut names = Vec::new();
        if let Ok(p) = super::json::parse(&ws.sources.get(t).text, t) {
            json_names(&p.value, &mut names);
        }
        names
    });
    linking.into_iter().zip(names).collect()
}

/// Templates of the run that link to a local file the run was not given (`check
/// azuredeploy.json`, whose `nested/apim.json` was not named): the file is read, as a Bicep
/// entry's modules are, so that what it deploys is checked through the link instead of being
/// absent without a word. Files those files link to are read too (their names are added to
/// `names`), up to [`MAX_LINKED_READS`]. A file outside the linted tree is not read, and the
/// run says so.
fn read_linked_files(
    ws: &mut Workspace,
    names: &mut Vec<(FileId, Vec<String>)>,
    files: &mut Vec<(PathBuf, FileId)>,
) {
    const MAX_LINKED_READS: usize = 1_000;
    let mut known: HashSet<PathBuf> = files.iter().map(|(p, _)| p.clone()).collect();
    let mut read = 0;
    let mut next = 0;
    while next < names.len() {
        let (t, list) = &names[next];
        next += 1;
        let dir = ws.sources.get(*t).path.parent().map(Path::to_path_buf);
        let dir = dir.unwrap_or_default();
        let mut new = Vec::new();
        for n in list {
            if n.contains("://") || n.contains(['[', ']', '{', '}']) {
                continue;
            }
            let path = dir.join(n);
            if !path.is_file() || !known.insert(canonical(&path)) {
                continue;
            }
            if read >= MAX_LINKED_READS {
                return;
            }
            read += 1;
            if let Some(id) = ws.find_or_read(&path, Lang::Json) {
                files.push((canonical(&path), id));
                new.push(id);
            }
        }
        names.extend(link_names(ws, &new));
    }
}

/// Templates that another template links to (`templateLink`), found by the `.json` names the
/// linking templates spell out ([`link_names`]), each with the templates that name it.
fn linked_targets(
    ws: &Workspace,
    names: &[(FileId, Vec<String>)],
    files: &[(PathBuf, FileId)],
) -> HashMap<FileId, Vec<FileId>> {
    let none = HashMap::new();
    let links = template::Linkable {
        files,
        json: &none,
        sources: &ws.sources,
    };
    let mut out: HashMap<FileId, Vec<FileId>> = HashMap::new();
    for (t, names) in names {
        let t = *t;
        let dir = ws
            .sources
            .get(t)
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        for n in names {
            if let Some(id) = links.resolve(n, &dir) {
                if id != t {
                    out.entry(id).or_default().push(t);
                }
            }
        }
    }
    out
}

/// Every `….json` path mentioned in string values, including quoted literals inside
/// expressions (`concat('wrappers/x.json', …)`).
fn json_names(v: &V, out: &mut Vec<String>) {
    match &v.kind {
        VKind::Str(s) => {
            for part in s.split(['\'', '"', ' ', ',', '(', ')']) {
                // `{0}/nested/x.json{1}`: a SAS token may follow the name.
                if let Some(name) = template::json_file_name(part) {
                    out.push(name.to_string());
                }
            }
        }
        VKind::Arr(items) => items.iter().for_each(|i| json_names(i, out)),
        VKind::Obj(entries) => entries.iter().for_each(|(_, x)| json_names(x, out)),
        _ => {}
    }
}

/// `X.json` ↔ `X.parameters.json` in the same directory (name compared case-insensitively
/// among the discovered parameter files; no directory listing per template).
pub fn paired_parameters(ws: &Workspace, found: &Discovered, template: &Path) -> Option<PathBuf> {
    let stem = template.file_stem()?.to_string_lossy().to_ascii_lowercase();
    let want = format!("{stem}.parameters.json");
    let exact = template.with_file_name(format!(
        "{}.parameters.json",
        template.file_stem()?.to_string_lossy()
    ));
    if exact.is_file() {
        return Some(exact);
    }
    let dir = canonical(template.parent()?);
    found.arm_parameters.iter().find_map(|&p| {
        let pp = &ws.sources.get(p).path;
        // The name first: canonicalising every parameter file's directory for every template
        // would be one system call per pair.
        let name = pp.file_name()?.to_string_lossy().to_ascii_lowercase();
        let same_dir = name == want && pp.parent().is_some_and(|d| canonical(d) == dir);
        same_dir.then(|| pp.clone())
    })
}

/// An STV002 for each parameter file of the run that no deployment was evaluated with (its
/// name pairs with no template, as `parameters/prod.json` beside `azuredeploy.json` does): its
/// values would otherwise be ignored without a word while the defaults pass.
pub fn unused_parameter_files(ws: &mut Workspace, found: &Discovered) {
    for &p in &found.arm_parameters {
        if ws.parameter_files_read.contains(&p) {
            continue;
        }
        // The opening of the file's object (after any leading comment).
        let start = found
            .json
            .get(&p)
            .and_then(|v| v.span)
            .map_or(0, |s| s.start as usize);
        let name = ws.sources.get(p).display.clone();
        ws.diagnostics.push(
            crate::diagnostic::Diagnostic::new(
                crate::code::Code::Stv002,
                crate::diagnostic::Severity::Info,
                format!(
                    "parameter file '{name}' pairs with no template of the run, so no deployment was checked with its values"
                ),
            )
            .at(Some(crate::source::Span::new(p, start, start + 1)))
            .label("not used by any template")
            .help("Name its template: `--parameters TEMPLATE=FILE`, or `parameters:` in .stv2lint.yaml (template → parameter file). Names that pair by themselves: X.parameters.json, X.parameters.<env>.json, X.<env>.parameters.json beside X.json or X.bicep, or in a parameters/, params/, env/ or environments/ folder.")
            .identity(format!("unused parameters|{name}")),
        );
    }
}

/// Parameter values of an ARM parameter file, by lower-cased name. The file is read through the
/// discovery cache when it was discovered, else read now.
pub fn parameter_values(
    ws: &mut Workspace,
    found: &Discovered,
    path: &Path,
) -> Option<HashMap<String, V>> {
    let id = ws.find_or_read(path, Lang::Json)?;
    ws.parameter_files_read.insert(id);
    // A template is no parameter file (its tree is not kept: `json_kind` said so already).
    if found.templates.contains_key(&id) {
        return None;
    }
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
                    ws.diagnostics.push(crate::diagnostic::parse_error(
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
    let (values, refused) = values_of(root);
    for (message, at) in refused {
        ws.diagnostics.push(
            Diagnostic::new(crate::code::Code::Stv001, Severity::Error, message.clone())
                .at(Some(at.unwrap_or(Span::new(id, 0, 0))))
                .help("Write each parameter as { \"value\": … } or a Key Vault { \"reference\": … }; ARM refuses the file otherwise.")
                .identity(format!("parameter entry|{message}")),
        );
    }
    Some(values)
}

/// What a parameter file holds that ARM refuses, and where.
pub type Refused = (String, Option<Span>);

/// `{ "parameters": { "x": { "value": … } } }` → name → value (Key Vault references unknown),
/// and what ARM refuses in the file (`parameters` not an object, an entry with neither `value`
/// nor `reference`), each where it is written: dropping such an entry in silence would check
/// the template's default instead.
pub fn values_of(root: &V) -> (HashMap<String, V>, Vec<Refused>) {
    let mut out = HashMap::new();
    let mut refused = Vec::new();
    match root.get("parameters") {
        Some(ps) if let Some(ps) = ps.as_object() => {
            for (k, p) in ps {
                let v = match (p.get("value"), p.get("reference")) {
                    // azd fills `${VAR}` in from its environment: a placeholder, not a value.
                    (Some(v), _) => v.clone().azd_placeholders(),
                    (None, Some(_)) => V::unknown(
                        format!("parameter '{}' is a Key Vault reference", k.name),
                        p.span,
                    ),
                    _ => {
                        refused.push((
                            format!("parameter '{}' of the parameter file has neither \"value\" nor \"reference\"; ARM refuses the file", k.name),
                            p.span.or(k.span),
                        ));
                        continue;
                    }
                };
                out.insert(k.name.to_ascii_lowercase(), v);
            }
        }
        Some(ps) if !ps.is_null() => refused.push((
            "\"parameters\" of the parameter file is not an object of parameters; ARM refuses the file".to_string(),
            ps.span,
        )),
        _ => {}
    }
    (out, refused)
}
