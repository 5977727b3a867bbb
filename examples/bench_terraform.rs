//! Benchmark over a generated Terraform tree.
//!
//! `cargo run --release --example bench_terraform -- [ROOTS] [RULES_PER_NSG] [--keep DIR]`
//!
//! Generates ROOTS root modules (default 500) in a temporary directory. Each root has a
//! `terraform.tfvars`, builds its NSG rules with a `for` expression over `range()`, and calls two
//! shared local modules: `modules/network` (virtual network, three subnets with `for_each` and
//! `cidrsubnet`, an NSG with a `dynamic "security_rule"` block of RULES_PER_NSG rules (default
//! 40) including a blocking deny, a route table, associations) and `modules/apim` (a Premium
//! instance in the subnet the network module outputs). Then times a full check and the
//! renderers. `--keep DIR` generates into DIR and leaves it there (for `stv2lint check DIR`).

use std::time::Instant;
use stv2lint::cli::OutputFormat;

#[path = "common/gen.rs"]
mod gen;

fn time<T>(label: &str, f: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let v = f();
    println!("{label:<44} {:>9.1} ms", t.elapsed().as_secs_f64() * 1000.0);
    v
}

fn main() {
    let keep: Option<std::path::PathBuf> = std::env::args()
        .skip_while(|a| a != "--keep")
        .nth(1)
        .map(Into::into);
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .take_while(|a| a != "--keep")
        .filter_map(|a| a.parse().ok())
        .collect();
    let n = args.first().copied().unwrap_or(500);
    let rules = args.get(1).copied().unwrap_or(40);
    let dir = keep.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("stv2lint-bench-tf-{}", std::process::id()))
    });
    let gen::Tree { files, bytes } = gen::generate("terraform", &dir, n, rules);
    println!(
        "generated {n} root modules ({files} files, {:.1} MB), {} module instances, {} rules per NSG",
        bytes as f64 / 1e6,
        2 * n,
        rules + 2
    );
    let o = time("check (discover, parse, evaluate, link, rules)", || {
        stv2lint::check(std::slice::from_ref(&dir), &Default::default())
    });
    println!(
        "instances: {}, subnets: {}, nsgs: {}, diagnostics: {}",
        o.ws.apims.len(),
        o.ws.subnets.len(),
        o.ws.nsgs.len(),
        o.diagnostics.len()
    );
    let mut codes: std::collections::BTreeMap<&str, usize> = Default::default();
    for d in &o.diagnostics {
        *codes.entry(d.code.as_str()).or_default() += 1;
    }
    println!("by code: {codes:?}");
    for (name, fmt) in [
        ("render human", OutputFormat::Human),
        ("render compact", OutputFormat::Compact),
        ("render json", OutputFormat::Json),
    ] {
        let mut sink = std::io::sink();
        time(name, || {
            stv2lint::report::render(fmt, &o, &mut sink).unwrap()
        });
    }
    if keep.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
