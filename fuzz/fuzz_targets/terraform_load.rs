//! The Terraform loader and evaluator must never panic on any input, and every span they
//! produce must lie inside its file. The input is split at lines `--` into a root module
//! (`main.tf`), its `terraform.tfvars`, a local module (`mod/main.tf`, reachable as `./mod`)
//! and a JSON module file, so module calls, tfvars and both syntaxes are all exercised; a fifth
//! part is a second root (`prod/main.tf`), so the roots evaluate on the two workers of the
//! command line's pool (`--threads 2`), as they do in a real run.
#![no_main]
mod common;
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use stv2lint::model::Workspace;

const NAMES: &[&str] = &[
    "/fuzz/main.tf",
    "/fuzz/terraform.tfvars",
    "/fuzz/mod/main.tf",
    "/fuzz/extra.tf.json",
    "/fuzz/prod/main.tf",
];

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let files: Vec<(PathBuf, String)> = text
        .split("\n--\n")
        .zip(NAMES)
        .map(|(t, n)| (PathBuf::from(n), t.to_string()))
        .collect();
    let mut ws = Workspace::default();
    let diags = common::pool().install(|| {
        stv2lint::frontend::terraform::load_texts(&mut ws, &files, &Default::default());
        ws.link();
        let opts = stv2lint::rules::Options::default();
        stv2lint::rules::run(&ws, &opts, |_| true)
    });
    for d in ws.diagnostics.iter().chain(diags.iter()) {
        if let Some(s) = d.span {
            assert!(s.end as usize <= ws.sources.get(s.file).text.len());
        }
    }
    for s in &ws.subnets {
        assert!(s.meta.decl.end as usize <= ws.sources.get(s.meta.decl.file).text.len());
    }
});
