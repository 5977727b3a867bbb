//! What the language server remembers of a deployment scope between edits, so that a change of
//! one file re-lints only the deployment units it can affect instead of the whole scope.
//!
//! After a full lint of the scope, every deployment unit of the run is described by its
//! *evidence*: the files it reads (every file a span of its resources or findings points into,
//! its entry and parameter files, and for Terraform every file of those module directories) and
//! the resource identities it declares and references (resource ids found anywhere in its
//! resources). Units are coupled when they share a file, or when one declares an identity the
//! other declares or references: that is how one deployment's findings can depend on another's
//! (a subnet of one deployment referenced from another, a security rule added to another
//! deployment's NSG, the same instance in two deployments).
//!
//! A change of file F re-lints F with the files of every unit coupled to F's units (the
//! closure), with the same options and open buffers as the full run. The result is trusted only
//! when the re-linted run forms exactly the units it replaces (same names, same files) and its
//! identities touch no unit outside the closure; otherwise — and for a new, deleted or
//! unreadable file, a configuration change, or a closure that is most of the scope — the whole
//! scope is linted again. The findings of the other files are the cached ones.

use super::{to_lsp, unit_of, FileDiagnostics};
use crate::model::ResKey;
use crate::source::{canonical, FileId, Lang};
use crate::{CheckOptions, Outcome};
use lsp_types::Uri;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

/// One deployment unit as the last run formed it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct UnitFacts {
    name: String,
    stage: Option<String>,
    files: BTreeSet<PathBuf>,
    declares: BTreeSet<String>,
    references: BTreeSet<String>,
}

/// The remembered state of one scope: its units, indexes over them, and every file's findings.
pub(crate) struct Memory {
    units: Vec<UnitFacts>,
    by_file: HashMap<PathBuf, Vec<usize>>,
    by_declared: HashMap<String, Vec<usize>>,
    by_referenced: HashMap<String, Vec<usize>>,
    /// Every lintable file the scope's walk found (canonical): a file outside it is new.
    known: HashSet<PathBuf>,
    /// The findings of every file of the scope, by canonical path.
    pub diagnostics: HashMap<PathBuf, FileDiagnostics>,
}

/// What a lint of a scope produced: the memory to keep and the files whose findings it
/// computed (all of them after a full lint).
pub(crate) struct Update {
    pub memory: Memory,
    pub files: Vec<FileDiagnostics>,
    /// The whole scope was linted (files of earlier runs missing from `files` have none now).
    pub full: bool,
}

/// The canonical path, URI and version of a file, as the client knows it.
pub(crate) struct Naming<'a> {
    pub open: &'a HashMap<PathBuf, (Uri, i32)>,
}

impl Naming<'_> {
    fn uri(&self, canon: &Path) -> (Uri, Option<i32>) {
        match self.open.get(canon) {
            Some((uri, version)) => (uri.clone(), Some(*version)),
            None => (super::path_to_uri(canon), None),
        }
    }
}

/// Lint `scope` after `changed` files changed: incrementally from `memory` when that gives the
/// full lint's result, else in full.
pub(crate) fn lint(
    scope: &Path,
    folders: &[PathBuf],
    opts: &CheckOptions,
    open: &HashMap<PathBuf, (Uri, i32)>,
    memory: Option<Memory>,
    changed: &HashSet<PathBuf>,
    trace: bool,
) -> Update {
    let naming = Naming { open };
    if let Some(m) = memory {
        match incremental(scope, folders, opts, &naming, m, changed) {
            Ok(u) => return u,
            Err(why) if trace => {
                eprintln!(
                    "stv2lint lsp: trace: full lint of {}: {why}",
                    scope.display()
                )
            }
            Err(_) => {}
        }
    }
    full(scope, folders, opts, &naming)
}

fn full(scope: &Path, folders: &[PathBuf], opts: &CheckOptions, naming: &Naming) -> Update {
    // One walk and one memo of canonical paths for the run and for the files it knows (a
    // later change to any other file is new to the scope).
    let (outcome, mut known) = crate::in_run(|| {
        let walked = crate::discover::Walked::new(&[scope.to_path_buf()]);
        let known: HashSet<PathBuf> = walked
            .files()
            .filter(|e| crate::source::lang_of(e.path()).is_some())
            .map(|e| canonical(e.path()))
            .collect();
        (crate::check_walked(walked, opts), known)
    });
    let canon = canonical_paths(&outcome);
    let units = facts(&outcome, &canon);
    let files = scope_files(&outcome, &canon, scope, folders, naming, None);
    known.extend(canon.iter().cloned());
    let mut memory = Memory {
        units: Vec::new(),
        by_file: HashMap::new(),
        by_declared: HashMap::new(),
        by_referenced: HashMap::new(),
        known,
        diagnostics: HashMap::new(),
    };
    for u in units {
        memory.add(u);
    }
    for (path, fd) in &files {
        memory.diagnostics.insert(path.clone(), fd.clone());
    }
    Update {
        memory,
        files: files.into_iter().map(|(_, fd)| fd).collect(),
        full: true,
    }
}

/// The incremental lint, or why the scope must be linted in full.
fn incremental(
    scope: &Path,
    folders: &[PathBuf],
    opts: &CheckOptions,
    naming: &Naming,
    mut memory: Memory,
    changed: &HashSet<PathBuf>,
) -> Result<Update, String> {
    for f in changed {
        if !memory.known.contains(f) {
            return Err(format!("{} is new to the scope", f.display()));
        }
        if !f.is_file() && !naming.open.contains_key(f) {
            return Err(format!("{} is gone", f.display()));
        }
    }
    let closure = memory.closure(changed, &opts.load.parameter_map);
    // Coupled to most of the scope: one run of the whole is cheaper than the bookkeeping.
    if closure.len() * 2 > memory.units.len().max(1) {
        return Err("the change reaches most of the scope".into());
    }
    let mut files: BTreeSet<PathBuf> = changed.clone().into_iter().collect();
    for &u in &closure {
        files.extend(memory.units[u].files.iter().cloned());
    }
    let mut opts = opts.clone();
    // The fence of the scope's run, whichever files are named.
    opts.roots.push(scope.to_path_buf());
    // The units' parameter files are among the files named.
    opts.load.pair_discovered_only = true;
    let paths: Vec<PathBuf> = files.iter().cloned().collect();
    let outcome = crate::check(&paths, &opts);
    if !outcome.missing.is_empty() || !outcome.unreadable.is_empty() {
        return Err("a file of the change cannot be read".into());
    }
    let canon = canonical_paths(&outcome);
    let formed = facts(&outcome, &canon);
    // Only units it replaces, with the same files. A unit may vanish (its entry file does
    // not parse while it is typed): whatever that frees (a module no longer called) forms a
    // unit of its own, which is caught here. The vanished unit's facts stay, so that the
    // file's next edit re-forms it with the same files.
    let mut expected: Vec<usize> = closure.clone();
    let mut replaced: Vec<(usize, UnitFacts)> = Vec::new();
    for f in &formed {
        let Some(i) = expected.iter().position(|&u| {
            let e = &memory.units[u];
            e.name == f.name && e.stage == f.stage && e.files == f.files
        }) else {
            return Err(format!(
                "the deployment unit '{}' changed its files",
                f.name
            ));
        };
        replaced.push((expected.swap_remove(i), f.clone()));
    }
    // No identity of the re-linted units may reach a unit left out.
    let inside: HashSet<usize> = closure.iter().copied().collect();
    let outside =
        |list: Option<&Vec<usize>>| list.is_some_and(|l| l.iter().any(|u| !inside.contains(u)));
    for f in &formed {
        let reaches = f
            .declares
            .iter()
            .any(|k| outside(memory.by_declared.get(k)) || outside(memory.by_referenced.get(k)))
            || f.references
                .iter()
                .any(|k| outside(memory.by_declared.get(k)));
        if reaches {
            return Err(format!(
                "the deployment unit '{}' now shares a resource with another",
                f.name
            ));
        }
    }
    let updated = scope_files(&outcome, &canon, scope, folders, naming, Some(&files));
    let mut out = Vec::new();
    for path in &files {
        let fd = match updated.iter().find(|(p, _)| p == path) {
            Some((_, fd)) => fd.clone(),
            None if unit_of(path, folders).as_deref() == Some(scope) => {
                let (uri, version) = naming.uri(path);
                (uri, version, Vec::new())
            }
            None => continue,
        };
        memory.diagnostics.insert(path.clone(), fd.clone());
        out.push(fd);
    }
    // The replaced units' facts are the formed ones (equal files; identities may differ).
    for (u, f) in replaced {
        memory.replace(u, f);
    }
    Ok(Update {
        memory,
        files: out,
        full: false,
    })
}

impl Memory {
    fn add(&mut self, u: UnitFacts) {
        let id = self.units.len();
        self.index(id, &u);
        self.units.push(u);
    }

    fn index(&mut self, id: usize, u: &UnitFacts) {
        for f in &u.files {
            self.by_file.entry(f.clone()).or_default().push(id);
        }
        for k in &u.declares {
            self.by_declared.entry(k.clone()).or_default().push(id);
        }
        for k in &u.references {
            self.by_referenced.entry(k.clone()).or_default().push(id);
        }
    }

    fn replace(&mut self, id: usize, u: UnitFacts) {
        let old = std::mem::replace(&mut self.units[id], u.clone());
        let drop = |map: &mut HashMap<String, Vec<usize>>, keys: &BTreeSet<String>| {
            for k in keys {
                if let Some(v) = map.get_mut(k) {
                    v.retain(|x| *x != id);
                    if v.is_empty() {
                        map.remove(k);
                    }
                }
            }
        };
        drop(&mut self.by_declared, &old.declares);
        drop(&mut self.by_referenced, &old.references);
        for k in &u.declares {
            self.by_declared.entry(k.clone()).or_default().push(id);
        }
        for k in &u.references {
            self.by_referenced.entry(k.clone()).or_default().push(id);
        }
        // Files are equal (checked before a replacement), so `by_file` stands.
    }

    /// The units coupled, directly or through others, to the units of the changed files.
    fn closure(&self, changed: &HashSet<PathBuf>, mapped: &[(PathBuf, PathBuf)]) -> Vec<usize> {
        let mut seen: HashSet<usize> = HashSet::new();
        let mut todo: Vec<usize> = Vec::new();
        for f in changed {
            match self.by_file.get(f) {
                Some(units) => todo.extend(units),
                // In no unit now, but it may become a template's parameter file.
                None => {
                    for t in self.may_pair(f, mapped) {
                        todo.extend(self.by_file.get(&t).into_iter().flatten());
                    }
                }
            }
        }
        let mut out = Vec::new();
        while let Some(u) = todo.pop() {
            if !seen.insert(u) {
                continue;
            }
            out.push(u);
            let facts = &self.units[u];
            for f in &facts.files {
                todo.extend(self.by_file.get(f).into_iter().flatten());
            }
            for k in &facts.declares {
                todo.extend(self.by_declared.get(k).into_iter().flatten());
                todo.extend(self.by_referenced.get(k).into_iter().flatten());
            }
            for k in &facts.references {
                todo.extend(self.by_declared.get(k).into_iter().flatten());
            }
        }
        out.sort_unstable();
        out
    }
}

impl Memory {
    /// The templates a file could be a parameter file of: by the naming conventions of
    /// [`crate::discover::Pairing`] (`X.json`/`X.bicep` for `X.….json` or `parameters-X.json`,
    /// beside it or one directory up from a parameter directory), or by the configuration's
    /// parameter map. Over-inclusive: every template whose name starts like the file's.
    fn may_pair(&self, file: &Path, mapped: &[(PathBuf, PathBuf)]) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = mapped
            .iter()
            .filter(|(_, p)| canonical(p) == file)
            .map(|(t, _)| canonical(t))
            .collect();
        let Some(name) = file
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
        else {
            return out;
        };
        let name = name.strip_prefix("parameters-").unwrap_or(&name);
        let stem = name.split('.').next().unwrap_or(name);
        let first = |p: &Path| {
            p.file_name()
                .map(|n| n.to_string_lossy().to_ascii_lowercase())
                .is_some_and(|n| n.split('.').next() == Some(stem))
        };
        let dirs = file
            .parent()
            .into_iter()
            .chain(file.parent().and_then(Path::parent));
        for dir in dirs {
            out.extend(
                self.known
                    .iter()
                    .filter(|k| k.parent() == Some(dir) && k.as_path() != file && first(k))
                    .cloned(),
            );
        }
        out
    }
}

fn canonical_paths(o: &Outcome) -> Vec<PathBuf> {
    o.ws.sources
        .iter()
        .map(|(_, f)| canonical(&f.path))
        .collect()
}

/// The findings of the run's files that belong to `scope` (only those among `only`, if given),
/// by canonical path.
fn scope_files(
    o: &Outcome,
    canon: &[PathBuf],
    scope: &Path,
    folders: &[PathBuf],
    naming: &Naming,
    only: Option<&BTreeSet<PathBuf>>,
) -> Vec<(PathBuf, FileDiagnostics)> {
    let mut out = Vec::new();
    for (id, _) in o.ws.sources.iter() {
        let path = &canon[id.0 as usize];
        if only.is_some_and(|o| !o.contains(path)) {
            continue;
        }
        // A file of a nested deployment (its own `.stv2lint.yaml`) gets its unit's run.
        if unit_of(path, folders).as_deref() != Some(scope) {
            continue;
        }
        let (uri, version) = naming.uri(path);
        let diags = to_lsp(o, id, &|fid| naming.uri(&canon[fid.0 as usize]).0);
        out.push((path.clone(), (uri, version, diags)));
    }
    out
}

/// A resource identity, compared as the model's index compares them (type and names).
fn identity(k: &ResKey) -> String {
    format!("{}|{}", k.rtype, k.names.join("/")).to_ascii_lowercase()
}

/// Files and resource ids mentioned anywhere in a model value: its `Debug` form names every
/// span (`FileId(n)`) and every string, so no field of any resource is missed, including
/// fields added later.
fn mentions(text: &str, files: &mut BTreeSet<usize>, ids: &mut BTreeSet<String>) {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'"' {
            let mut j = i + 1;
            let mut s = Vec::new();
            while j < b.len() && b[j] != b'"' {
                if b[j] == b'\\' && j + 1 < b.len() {
                    j += 1;
                }
                s.push(b[j]);
                j += 1;
            }
            let s = String::from_utf8_lossy(&s);
            if s.to_ascii_lowercase().contains("/providers/") {
                if let Some(k) = ResKey::from_id(&s) {
                    ids.insert(identity(&k));
                }
            }
            i = j + 1;
        } else if text[i..].starts_with("FileId(") {
            let digits: String = text[i + 7..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            if let Ok(n) = digits.parse() {
                files.insert(n);
            }
            i += 7 + digits.len();
        } else {
            i += 1;
        }
    }
}

/// The facts of every deployment unit of a run.
fn facts(o: &Outcome, canon: &[PathBuf]) -> Vec<UnitFacts> {
    let ws = &o.ws;
    let n = ws.units.len();
    let mut files: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); n];
    let mut ids: Vec<BTreeSet<String>> = vec![BTreeSet::new(); n];
    let mut declares: Vec<BTreeSet<String>> = vec![BTreeSet::new(); n];
    // Unit-less resources (read across deployments by the rules), by the file declaring them.
    let mut loose: Vec<(usize, BTreeSet<usize>, BTreeSet<String>)> = Vec::new();
    let mut add = |meta: &crate::model::Meta, debug: String| {
        let mut f = BTreeSet::new();
        let mut r = BTreeSet::new();
        mentions(&debug, &mut f, &mut r);
        f.insert(meta.decl.file.0 as usize);
        let u = meta.unit.0 as usize;
        if meta.unit == crate::model::UnitId::NONE || u >= n {
            r.insert(identity(&meta.key));
            loose.push((meta.decl.file.0 as usize, f, r));
            return;
        }
        files[u].extend(f);
        ids[u].extend(r);
        declares[u].insert(identity(&meta.key));
    };
    macro_rules! each {
        ($($list:ident),*) => { $( for x in &ws.$list { add(&x.meta, format!("{x:?}")); } )* };
    }
    each!(
        apims,
        subnets,
        vnets,
        subnet_users,
        nsgs,
        route_tables,
        public_ips,
        private_endpoints,
        dns_zones,
        dns_links,
        peerings,
        autoscales
    );
    // A subnet's virtual network is looked up by its first name.
    for s in &ws.subnets {
        let u = s.meta.unit.0 as usize;
        if u < n {
            if let Some(v) = s.meta.key.names.first() {
                ids[u]
                    .insert(format!("microsoft.network/virtualnetworks|{v}").to_ascii_lowercase());
            }
        }
    }
    for (u, k) in &ws.apim_refs {
        if let Some(set) = ids.get_mut(u.0 as usize) {
            set.insert(identity(k));
        }
    }
    for p in &ws.public_ip_users {
        let mut f = BTreeSet::new();
        let mut r = BTreeSet::new();
        mentions(&format!("{p:?}"), &mut f, &mut r);
        loose.push((p.decl.file.0 as usize, f, r));
    }
    // Findings count for the deployments they name.
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, u) in ws.units.iter().enumerate().skip(1) {
        by_name.entry(u.name.as_str()).or_default().push(i);
    }
    for d in &o.diagnostics {
        let spans = d.span.into_iter().chain(d.related.iter().map(|r| r.span));
        let fs: Vec<usize> = spans.map(|s| s.file.0 as usize).collect();
        for name in &d.deployments {
            for &u in by_name.get(name.as_str()).into_iter().flatten() {
                files[u].extend(fs.iter().copied());
            }
        }
    }
    // Entry and parameter files, by the names the units carry.
    let by_display: HashMap<&str, usize> = ws
        .sources
        .iter()
        .map(|(id, f)| (f.display.as_str(), id.0 as usize))
        .collect();
    // A Terraform module is a directory: every file of it, by directory; a Terraform unit is
    // named by its root directory.
    let mut tf_dirs: HashMap<PathBuf, Vec<usize>> = HashMap::new();
    let mut tf_by_display: HashMap<String, Vec<usize>> = HashMap::new();
    for (id, f) in ws.sources.iter() {
        if is_terraform(f.lang) {
            if let Some(d) = canon[id.0 as usize].parent() {
                tf_dirs
                    .entry(d.to_path_buf())
                    .or_default()
                    .push(id.0 as usize);
            }
            let dir = Path::new(&f.display)
                .parent()
                .map(|d| d.to_string_lossy().into_owned())
                .filter(|d| !d.is_empty())
                .unwrap_or_else(|| ".".into());
            tf_by_display.entry(dir).or_default().push(id.0 as usize);
        }
    }
    for (i, u) in ws.units.iter().enumerate().skip(1) {
        let group = u.group.split_once('|').map(|(_, g)| g.to_string());
        for name in std::iter::once(&u.name).chain(&u.stage).chain(&group) {
            if let Some(&f) = by_display.get(name.as_str()) {
                files[i].insert(f);
            }
            if u.group.starts_with("terraform|") {
                files[i].extend(tf_by_display.get(name).into_iter().flatten().copied());
            }
        }
    }
    let mut by_file: HashMap<usize, Vec<usize>> = HashMap::new();
    for (u, fs) in files.iter_mut().enumerate() {
        let dirs: BTreeSet<PathBuf> = fs
            .iter()
            .filter(|&&f| is_terraform(ws.sources.get(FileId(f as u32)).lang))
            .filter_map(|&f| canon[f].parent().map(Path::to_path_buf))
            .collect();
        for d in dirs {
            fs.extend(tf_dirs.get(&d).into_iter().flatten().copied());
        }
        for &f in fs.iter() {
            by_file.entry(f).or_default().push(u);
        }
    }
    for (decl, f, r) in loose {
        for &u in by_file.get(&decl).into_iter().flatten() {
            files[u].extend(f.iter().copied());
            ids[u].extend(r.iter().cloned());
        }
    }
    ws.units
        .iter()
        .enumerate()
        .skip(1)
        .map(|(i, u)| UnitFacts {
            name: u.name.clone(),
            stage: u.stage.clone(),
            files: files[i].iter().map(|&f| canon[f].clone()).collect(),
            references: std::mem::take(&mut ids[i])
                .into_iter()
                .filter(|k| !declares[i].contains(k))
                .collect(),
            declares: std::mem::take(&mut declares[i]),
        })
        .collect()
}

fn is_terraform(lang: Lang) -> bool {
    matches!(
        lang,
        Lang::Terraform | Lang::TerraformJson | Lang::TerraformVars
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_reads_spans_and_resource_ids_from_a_debug_form() {
        let text = r#"Subnet { meta: Meta { decl: Span { file: FileId(3), start: 1, end: 2 } }, nsg: Some(Field { val: Ok("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/nsg-\"a\""), at: Some(Span { file: FileId(12), start: 0, end: 1 }) }), name: "plain" }"#;
        let mut files = BTreeSet::new();
        let mut ids = BTreeSet::new();
        mentions(text, &mut files, &mut ids);
        assert_eq!(files.into_iter().collect::<Vec<_>>(), [3, 12]);
        assert_eq!(
            ids.into_iter().collect::<Vec<_>>(),
            ["microsoft.network/networksecuritygroups|nsg-\"a\""]
        );
    }
}
