//! Terraform with `--var` values: the first part of the input (up to a line `--`) is a list of
//! `NAME=VALUE` lines given as `--var`, the rest is split at lines `--` into a root module,
//! its variables, a `terraform.tfvars` and a local module. `--var` values are parsed as HCL
//! expressions or taken as strings, like Terraform does. Never a panic, every span inside
//! its file, and the result renders.
#![no_main]
mod common;
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use stv2lint::frontend::LoadOptions;
use stv2lint::model::Workspace;
use stv2lint::Outcome;

const NAMES: &[&str] = &[
    "/fuzz/main.tf",
    "/fuzz/variables.tf",
    "/fuzz/terraform.tfvars",
    "/fuzz/mod/main.tf",
];

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (vars, rest) = text.split_once("\n--\n").unwrap_or((&text, ""));
    let vars: Vec<(String, String)> = vars
        .lines()
        .take(16)
        .map(|l| match l.split_once('=') {
            Some((n, v)) => (n.to_string(), v.to_string()),
            None => (l.to_string(), String::new()),
        })
        .collect();
    let files: Vec<(PathBuf, String)> = common::split(rest, NAMES)
        .into_iter()
        .map(|(n, t)| (PathBuf::from(n), t))
        .collect();
    let mut ws = Workspace::default();
    let load = LoadOptions {
        vars,
        ..Default::default()
    };
    stv2lint::frontend::terraform::load_texts(&mut ws, &files, &load);
    ws.link();
    let mut diagnostics = std::mem::take(&mut ws.diagnostics);
    diagnostics.extend(stv2lint::rules::run(&ws, &Default::default(), |_| true));
    let o = Outcome {
        ws,
        diagnostics,
        files: files.len(),
        missing: Vec::new(),
        unreadable: Vec::new(),
        instances: Default::default(),
    };
    common::check_spans(&o);
    common::render_all(&o);
});
