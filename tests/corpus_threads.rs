//! The output never depends on the thread count: the fixtures tree (and, with `STV2LINT_CORPUS`,
//! the corpus) in one run on 1 worker and on 4, every `check` format and the JSON of `explain`,
//! byte for byte. Files are read, deployments evaluated and rules checked in parallel, so file
//! ids, resource order and diagnostic order must all come out as on one thread.

use std::path::{Path, PathBuf};
use stv2lint::cli::{CheckArgs, ExplainFormat, InputArgs};

#[path = "support/same.rs"]
mod support;

use support::FORMATS;

/// Every output of one run over `paths` on a pool of `threads` workers (as the command line
/// runs it), and how many diagnostics the run gave.
fn outputs(paths: &[PathBuf], threads: usize) -> (Vec<(String, Vec<u8>)>, usize) {
    let args = CheckArgs {
        input: InputArgs {
            paths: paths.to_vec(),
            threads,
            ..InputArgs::default()
        },
        ..CheckArgs::default()
    };
    let pool = stv2lint::parallel::pool(threads).expect("a thread pool");
    pool.install(|| {
        assert_eq!(stv2lint::parallel::threads(), threads);
        let (walked, _, opts) = stv2lint::driver::prepare(&args).expect("options");
        let o = stv2lint::check_walked(walked, &opts);
        let mut out = Vec::new();
        for f in FORMATS {
            let mut bytes = Vec::new();
            stv2lint::report::render(f, &o, &mut bytes).expect("render");
            out.push((format!("{f:?}"), bytes));
        }
        let ex = stv2lint::rules::explain::explain(&o.ws, &opts.rules);
        let mut bytes = Vec::new();
        stv2lint::report::explain::render(ExplainFormat::Json, &ex, &o.ws, &mut bytes)
            .expect("explain");
        out.push(("explain".into(), bytes));
        (out, o.diagnostics.len())
    })
}

fn same_on_1_and_4_threads(paths: &[PathBuf]) {
    let (one, n) = outputs(paths, 1);
    let (four, m) = outputs(paths, 4);
    // The runs must have found something, or the comparison says nothing.
    assert!(n > 50, "only {n} diagnostics under {paths:?}");
    assert_eq!(n, m);
    for ((name, a), (_, b)) in one.iter().zip(&four) {
        support::assert_same_text(
            &format!("{name} output on 4 threads"),
            ("1 thread", a),
            ("4 threads", b),
        );
    }
}

/// The NSG rule fixtures (STV20x) of every format in one run: many small deployments of every
/// front end, findings in every file. (The whole tree in one run is too slow for a debug test.)
#[test]
fn fixtures_give_the_same_output_on_1_and_4_threads() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut paths = Vec::new();
    for format in ["arm", "bicep", "terraform", "plan"] {
        for e in std::fs::read_dir(root.join(format)).expect("fixtures") {
            let p = e.expect("fixture").path();
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            if name.starts_with("STV20") {
                paths.push(p);
            }
        }
    }
    paths.sort();
    assert!(paths.len() > 20, "{paths:?}");
    same_on_1_and_4_threads(&paths);
}

#[test]
#[ignore = "needs STV2LINT_CORPUS"]
fn corpus_gives_the_same_output_on_1_and_4_threads() {
    let c = PathBuf::from(
        std::env::var_os("STV2LINT_CORPUS")
            .expect("STV2LINT_CORPUS must point at the corpus for this test"),
    );
    same_on_1_and_4_threads(&[c]);
}

/// Terraform roots whose module lives outside the paths given (read when a root reaches it,
/// which a worker may not do: the root is evaluated again in its turn on the run's thread),
/// some with a provider lock file (read by the run's thread), on 1 and 4 workers.
#[test]
fn terraform_modules_outside_the_run_give_the_same_output_on_1_and_4_threads() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/terraform/STV202/fail-no-management-rule.tf");
    let body = std::fs::read_to_string(&fixture).expect("fixture");
    let dir = std::env::temp_dir().join(format!("stv2lint-tf-threads-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let module = dir.join("modules/apim");
    std::fs::create_dir_all(&module).unwrap();
    std::fs::write(module.join("main.tf"), &body).unwrap();
    let lock =
        "provider \"registry.terraform.io/hashicorp/azurerm\" {\n  version = \"3.117.0\"\n}\n";
    let mut paths = Vec::new();
    for i in 0..48 {
        let root = dir.join(format!("envs/e{i:02}"));
        std::fs::create_dir_all(&root).unwrap();
        // Every other root also declares its own resources, so roots differ in size.
        let own = if i % 2 == 0 { body.as_str() } else { "" };
        std::fs::write(
            root.join("main.tf"),
            format!("module \"apim\" {{\n  source = \"../../modules/apim\"\n}}\n{own}"),
        )
        .unwrap();
        if i % 3 == 0 {
            std::fs::write(root.join(".terraform.lock.hcl"), lock).unwrap();
        }
        paths.push(root);
    }
    same_on_1_and_4_threads(&paths);
    let _ = std::fs::remove_dir_all(&dir);
}
