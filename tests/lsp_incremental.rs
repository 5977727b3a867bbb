//! The language server re-lints only the deployment units a change can affect (issue 13), and
//! what it shows is still exactly what a full lint gives: every file of the bundled examples and
//! of a generated tree of deployments (with a reference across deployments, a parameter file, a
//! Bicep and a Terraform deployment) is opened, edited, broken, restored and closed through an
//! in-process server, and after every step the diagnostics the client holds for every file are
//! compared with `stv2lint::check` over the whole scope with the same buffers.

mod integrations;
mod lsp_pipe;

use integrations::{repo, scratch, write};
use lsp_pipe::{arm_template, uri, Session};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use stv2lint::lsp::{path_to_uri, to_lsp, unit_of, unit_options};

fn lintable(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            lintable(&p, out);
        } else if stv2lint::source::lang_of(&p).is_some() {
            out.push(std::fs::canonicalize(&p).unwrap());
        }
    }
}

/// What a full lint of each of `units` shows, per URI (files without findings left out).
fn full_lint(
    units: &BTreeSet<PathBuf>,
    folders: &[PathBuf],
    buffers: &BTreeMap<PathBuf, String>,
) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    let overlay: Vec<(PathBuf, String)> = buffers
        .iter()
        .map(|(p, t)| (p.clone(), t.clone()))
        .collect();
    for unit in units {
        let opts = unit_options(unit, folders, overlay.clone()).expect("configuration");
        let o = stv2lint::check(std::slice::from_ref(unit), &opts);
        let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        for (id, f) in o.ws.sources.iter() {
            let path = canon(&f.path);
            if unit_of(&path, folders).as_ref() != Some(unit) {
                continue;
            }
            let d = to_lsp(&o, id, &|fid| {
                path_to_uri(&canon(&o.ws.sources.get(fid).path))
            });
            if !d.is_empty() {
                out.insert(uri(&path), serde_json::to_value(d).unwrap());
            }
        }
    }
    out
}

/// Per URI that differs: the findings (code and place) the client has and a full lint has.
fn difference(got: &BTreeMap<String, Value>, want: &BTreeMap<String, Value>) -> String {
    let brief = |v: Option<&Value>| -> Vec<String> {
        v.and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|d| {
                let r = &d["range"]["start"];
                format!(
                    "{} {}:{} {}",
                    d["code"],
                    r["line"],
                    r["character"],
                    d["message"]
                        .as_str()
                        .unwrap_or("")
                        .lines()
                        .next()
                        .unwrap_or("")
                )
            })
            .collect()
    };
    let mut out = String::new();
    for uri in got.keys().chain(want.keys()).collect::<BTreeSet<_>>() {
        if got.get(uri) != want.get(uri) {
            out.push_str(&format!(
                "{uri}\n  client: {:#?}\n  full lint: {:#?}\n",
                brief(got.get(uri)),
                brief(want.get(uri))
            ));
        }
    }
    out
}

/// A session over one workspace folder that checks the client's view after every step.
struct Check {
    s: Session,
    folders: Vec<PathBuf>,
    buffers: BTreeMap<PathBuf, String>,
    units: BTreeSet<PathBuf>,
    version: i32,
    /// The log line of every lint, in order.
    lints: Vec<String>,
}

impl Check {
    fn new(folder: &Path) -> Check {
        let folder = std::fs::canonicalize(folder).unwrap();
        Check {
            s: Session::start(&folder),
            folders: vec![folder],
            buffers: BTreeMap::new(),
            units: BTreeSet::new(),
            version: 0,
            lints: Vec::new(),
        }
    }

    /// Wait for the lint of the step, and compare.
    fn step(&mut self, what: &str) -> String {
        let line = self.s.linted();
        self.lints.push(line.clone());
        let want = full_lint(&self.units, &self.folders, &self.buffers);
        if self.s.shown != want {
            panic!(
                "the client's diagnostics after {what} ({line}) differ from a full lint:\n{}",
                difference(&self.s.shown, &want)
            );
        }
        line
    }

    fn touch(&mut self, path: &Path) {
        self.units.extend(unit_of(path, &self.folders));
    }

    fn open(&mut self, path: &Path) {
        let text = std::fs::read_to_string(path).unwrap();
        self.touch(path);
        self.version += 1;
        self.s.open(path, &text, self.version);
        self.buffers.insert(path.to_path_buf(), text);
        self.step(&format!("opening {}", path.display()));
    }

    fn change(&mut self, path: &Path, text: &str, what: &str) -> String {
        self.version += 1;
        self.s.change(path, text, self.version);
        self.buffers.insert(path.to_path_buf(), text.to_string());
        self.step(&format!("{what} in {}", path.display()))
    }

    fn close(&mut self, path: &Path) {
        self.s.close(path);
        self.buffers.remove(path);
        self.step(&format!("closing {}", path.display()));
    }

    /// A file written or removed on disk, as a watching client reports it.
    fn on_disk(&mut self, path: &Path, text: Option<&str>) -> String {
        let kind = match text {
            Some(t) => {
                let new = !path.exists();
                std::fs::write(path, t).unwrap();
                if new {
                    1
                } else {
                    2
                }
            }
            None => {
                std::fs::remove_file(path).unwrap();
                3
            }
        };
        let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        self.touch(&path);
        self.s.watched(&path, kind);
        self.step(&format!("a change on disk of {}", path.display()))
    }

    /// Open, tweak what the rules look at, break, restore and close every file of the folder.
    fn edit_every_file(&mut self) {
        let mut files = Vec::new();
        lintable(&self.folders[0].clone(), &mut files);
        assert!(!files.is_empty(), "no files under {:?}", self.folders);
        for f in files {
            self.open(&f);
            let original = self.buffers[&f].clone();
            for (from, to) in TWEAKS {
                if original.contains(from) {
                    let text = original.replacen(from, to, 1);
                    self.change(&f, &text, &format!("replacing {from} with {to}"));
                }
            }
            let mut half = original.len() / 2;
            while !original.is_char_boundary(half) {
                half -= 1;
            }
            self.change(&f, &original[..half], "cutting the file in half");
            self.change(&f, &original, "restoring the file");
            self.close(&f);
        }
    }

    fn incremental(&self) -> usize {
        self.lints
            .iter()
            .filter(|l| l.contains("incremental lint"))
            .count()
    }
}

/// Edits that change what the rules decide: ports, tiers, access, network types, prefixes.
const TWEAKS: &[(&str, &str)] = &[
    ("3443", "3442"),
    ("Premium", "Developer"),
    ("Deny", "Allow"),
    ("Internal", "External"),
    ("/29", "/27"),
    ("vnet-1'", "vnet-3'"),
];

#[test]
fn edits_of_the_bundled_examples_show_what_a_full_lint_shows() {
    for example in ["broken-apim", "broken-apim-bicep", "broken-apim-terraform"] {
        let mut c = Check::new(&repo().join("examples").join(example));
        c.edit_every_file();
        assert_eq!(c.s.finish(), 0);
    }
}

#[test]
fn edits_in_a_tree_of_deployments_show_what_a_full_lint_shows_and_stay_incremental() {
    let dir = scratch("lsp_incremental_tree");
    for i in 0..8 {
        write(
            &dir,
            &format!("arm/t{i:05}.json"),
            &arm_template(i, i % 4 == 0, None),
        );
    }
    // Uses the subnet of deployment 1 without declaring it.
    write(&dir, "arm/t00008.json", &arm_template(8, false, Some(1)));
    write(
        &dir,
        "arm/t00002.parameters.json",
        r#"{ "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
  "contentVersion": "1.0.0.0", "parameters": { "prefix": { "value": "10.0.2.0/29" } } }
"#,
    );
    for (example, to) in [
        ("broken-apim-bicep", "bicep"),
        ("broken-apim-terraform", "terraform"),
    ] {
        let mut files = Vec::new();
        lintable(&repo().join("examples").join(example), &mut files);
        for f in files {
            let name = f.file_name().unwrap().to_string_lossy().into_owned();
            write(
                &dir,
                &format!("{to}/{name}"),
                &std::fs::read_to_string(&f).unwrap(),
            );
        }
    }
    let mut c = Check::new(&dir);
    c.edit_every_file();

    // An edit of one independent template re-lints only its deployment.
    let t6 = std::fs::canonicalize(dir.join("arm/t00006.json")).unwrap();
    c.open(&t6);
    let text = arm_template(6, true, None);
    let line = c.change(&t6, &text, "adding the blocking deny");
    assert!(line.contains("incremental lint"), "{line}");
    assert!(c.s.shown.contains_key(&uri(&t6)));
    c.close(&t6);

    // The deployment that uses another's subnet follows that network's changes, and a new
    // reference moves it to another network.
    let t1 = std::fs::canonicalize(dir.join("arm/t00001.json")).unwrap();
    let t3 = std::fs::canonicalize(dir.join("arm/t00003.json")).unwrap();
    let t8 = std::fs::canonicalize(dir.join("arm/t00008.json")).unwrap();
    c.open(&t1);
    let line = c.change(
        &t1,
        &arm_template(1, true, None),
        "a deny the other deployment inherits",
    );
    // Re-linted with the deployment that uses its subnet, and only with it.
    assert!(
        line.contains("incremental lint") && line.contains(": 2 files"),
        "{line}"
    );
    c.open(&t8);
    c.change(
        &t8,
        &arm_template(8, false, Some(3)),
        "a reference to another network",
    );
    c.open(&t3);
    c.change(
        &t3,
        &arm_template(3, true, None),
        "a deny in the newly referenced network",
    );
    for f in [&t1, &t3, &t8] {
        c.close(f);
    }

    // Files created and deleted on disk, and a configuration file.
    let params = dir.join("arm/t00005.parameters.json");
    c.on_disk(
        &params,
        Some(
            r#"{ "contentVersion": "1.0.0.0", "parameters": { "prefix": { "value": "10.0.5.0/30" } } }"#,
        ),
    );
    c.on_disk(&params, None);
    let config = dir.join(".stv2lint.yaml");
    c.on_disk(&config, Some("ignore: [STV202]\n"));
    c.on_disk(&config, None);

    let incremental = c.incremental();
    assert!(
        incremental * 2 > c.lints.len(),
        "only {incremental} of {} lints were incremental: {:#?}",
        c.lints.len(),
        c.lints
    );
    assert_eq!(c.s.finish(), 0);
    let _ = std::fs::remove_dir_all(&dir);
}
