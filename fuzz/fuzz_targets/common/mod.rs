//! Helpers shared by the fuzz targets (included with `mod common;`, not a target itself).
#![allow(dead_code)]

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use std::path::{Path, PathBuf};
use stv2lint::code::Code;
use stv2lint::diagnostic::{AddRule, Diagnostic, Related, Severity};
use stv2lint::model::Workspace;
use stv2lint::source::{FileId, Lang, SourceFile, Span};
use stv2lint::Outcome;

/// Split the input at lines `--` into at most `names.len()` files, paired with their names.
pub fn split<'a>(text: &str, names: &[&'a str]) -> Vec<(&'a str, String)> {
    text.split("\n--\n")
        .zip(names)
        .map(|(t, n)| (*n, t.to_string()))
        .collect()
}

/// Write `files` into a fresh scratch directory of this process (emptied on every call) and
/// return it: the real discovery, pairing and module reading then run on them.
pub fn tree(target: &str, files: &[(&str, String)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stv2lint-fuzz-{target}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (name, text) in files {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
    }
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Every span of the run lies inside its file, on character boundaries.
pub fn check_spans(o: &Outcome) {
    let ok = |s: Span| {
        let t = &o.ws.sources.get(s.file).text;
        s.start <= s.end
            && (s.end as usize) <= t.len()
            && t.is_char_boundary(s.start as usize)
            && t.is_char_boundary(s.end as usize)
    };
    for d in &o.diagnostics {
        if let Some(s) = d.span {
            assert!(ok(s), "{} span {s:?} outside its file", d.code);
        }
        for r in &d.related {
            assert!(
                ok(r.span),
                "{} related span {:?} outside its file",
                d.code,
                r.span
            );
        }
    }
}

/// Render the outcome in every format, and as the language server would publish it.
pub fn render_all(o: &Outcome) {
    use stv2lint::cli::OutputFormat::*;
    for f in [Human, Compact, Json, Sarif, Github] {
        let mut out = Vec::new();
        stv2lint::report::render(f, o, &mut out).expect("rendering into memory");
    }
    for (id, _) in o.ws.sources.iter() {
        let _ = stv2lint::lsp::to_lsp(o, id, &|f| {
            stv2lint::lsp::path_to_uri(&o.ws.sources.get(f).path)
        });
    }
}

fn severity(u: &mut Unstructured) -> Result<Severity> {
    Ok(*u.choose(&[Severity::Error, Severity::Warning, Severity::Info])?)
}

fn span(u: &mut Unstructured, ws: &Workspace) -> Result<Span> {
    let n = ws.sources.len() as u32;
    let file = FileId(u.int_in_range(0..=n - 1)?);
    let len = ws.sources.get(file).text.len() as u32;
    let a = u.int_in_range(0..=len)?;
    let b = u.int_in_range(0..=len)?;
    Ok(Span {
        file,
        start: a.min(b),
        end: a.max(b),
    })
}

/// A workspace of one to three files (arbitrary text, any language) and arbitrary diagnostics
/// over them: any byte range (not only character boundaries), any message, help and resource.
pub fn outcome(u: &mut Unstructured) -> Result<Outcome> {
    let mut ws = Workspace::default();
    let files = u.int_in_range(1..=3)?;
    for i in 0..files {
        let text: String = u.arbitrary()?;
        let (name, lang) = *u.choose(&[
            ("main.bicep", Lang::Bicep),
            ("azuredeploy.json", Lang::Json),
            ("main.tf", Lang::Terraform),
            ("x y/ü.tfvars", Lang::TerraformVars),
        ])?;
        let path = PathBuf::from(format!("/fuzz/{i}/{name}"));
        let display = path.display().to_string();
        ws.sources.add(SourceFile::new(path, display, text, lang));
    }
    let mut diagnostics = Vec::new();
    let count = u.int_in_range(0..=6)?;
    for _ in 0..count {
        let related = (0..u.int_in_range(0..=2)?)
            .map(|_| {
                Ok(Related {
                    span: span(u, &ws)?,
                    message: u.arbitrary()?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        diagnostics.push(Diagnostic {
            code: *u.choose(Code::ALL)?,
            severity: severity(u)?,
            message: u.arbitrary()?,
            span: if u.ratio(1, 8)? {
                None
            } else {
                Some(span(u, &ws)?)
            },
            resource: u.arbitrary()?,
            help: u.arbitrary()?,
            related,
            identity: u.arbitrary()?,
            suppressed: if u.ratio(1, 4)? {
                Some(u.arbitrary()?)
            } else {
                None
            },
            label: u.arbitrary()?,
            for_rule: None,
            deployments: u.arbitrary()?,
            add_rule: if u.ratio(1, 3)? {
                Some(AddRule {
                    flow: u.arbitrary()?,
                    priority: u.arbitrary()?,
                    before: if u.arbitrary()? {
                        Some(span(u, &ws)?)
                    } else {
                        None
                    },
                    nsg: span(u, &ws)?,
                    separate: u.arbitrary()?,
                })
            } else {
                None
            },
        });
    }
    Ok(Outcome {
        ws,
        diagnostics,
        files: files as usize,
        missing: Vec::new(),
        unreadable: Vec::new(),
        instances: Default::default(),
    })
}

/// The command line's pool with two workers (`--threads 2`), made once per process.
pub fn pool() -> &'static rayon::ThreadPool {
    static POOL: std::sync::OnceLock<rayon::ThreadPool> = std::sync::OnceLock::new();
    POOL.get_or_init(|| stv2lint::parallel::pool(2).expect("two workers"))
}

/// `stv2lint explain` of the outcome in every format.
pub fn render_explain(o: &Outcome) {
    use stv2lint::cli::ExplainFormat::*;
    let ex = stv2lint::rules::explain::explain(&o.ws, &Default::default());
    for f in [Human, Json, Markdown] {
        let mut out = Vec::new();
        stv2lint::report::explain::render(f, &ex, &o.ws, &mut out).expect("rendering into memory");
    }
}

pub fn fuzz_path() -> &'static Path {
    Path::new("/fuzz")
}
