//! Writes what `terraform show -json` would print for a Terraform directory or `.tf` file, from
//! stv2lint's own HCL evaluation (no Terraform CLI, no provider).
//!
//! ```text
//! cargo run --example tfplan -- [--state] PATH [OUT]   one directory or file
//! cargo run --example tfplan -- --fixtures             regenerate fixtures/plan/from-terraform
//! ```
//!
//! With one root module, the plan goes to OUT (or standard output); with several, OUT is a
//! directory and each root's plan is `OUT/<root dir>.json`. `tests/plan_generated.rs` fails
//! when the committed fixtures differ from what `--fixtures` writes.

use std::path::{Path, PathBuf};
use stv2lint::frontend::plan::generate;

fn fail(e: impl std::fmt::Display) -> ! {
    eprintln!("tfplan: {e}");
    std::process::exit(1);
}

fn write(dest: &Path, text: &str) {
    if let Some(d) = dest.parent() {
        let _ = std::fs::create_dir_all(d);
    }
    if let Err(e) = std::fs::write(dest, text) {
        fail(format!("{}: {e}", dest.display()));
    }
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|a| a == "--fixtures") {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let dest = fixtures.join("plan").join("from-terraform");
        let plans =
            generate::fixture_plans(&fixtures.join("terraform")).unwrap_or_else(|e| fail(e));
        let _ = std::fs::remove_dir_all(&dest);
        for p in &plans {
            write(&dest.join(&p.out), &p.text);
        }
        eprintln!("tfplan: {} documents in {}", plans.len(), dest.display());
        return;
    }
    let state = args.first().is_some_and(|a| a == "--state");
    if state {
        args.remove(0);
    }
    let Some(path) = args.first().map(PathBuf::from) else {
        eprintln!("usage: tfplan [--state] PATH [OUT] | tfplan --fixtures");
        std::process::exit(2);
    };
    let out = args.get(1).map(PathBuf::from);
    let docs = generate::generate(&path, state).unwrap_or_else(|e| fail(e));
    let single = docs.len() == 1;
    for (root, doc) in docs {
        let text = generate::to_text(&doc);
        match &out {
            None => print!("{text}"),
            Some(o) if single => write(o, &text),
            Some(o) => write(&o.join(root).with_extension("json"), &text),
        }
    }
}
