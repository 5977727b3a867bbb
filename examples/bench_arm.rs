//! Benchmark over a generated repository of ARM templates.
//!
//! `cargo run --release --example bench_arm -- [TEMPLATES] [RULES_PER_NSG] [--keep DIR]`
//!
//! Generates TEMPLATES templates (default 2000) in a temporary directory — each with a VNet, an
//! NSG of RULES_PER_NSG rules (default 40) including a blocking deny, a route table and an
//! instance — then times a full check and each renderer. A second part renders N diagnostics in
//! a single file for several N to show that rendering stays linear.

use std::io::Write;
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
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let n = args.first().copied().unwrap_or(2000);
    let rules = args.get(1).copied().unwrap_or(40);
    // `--keep DIR`: generate into DIR and leave it there (for `stv2lint check DIR` by hand).
    let keep: Option<std::path::PathBuf> = std::env::args()
        .skip_while(|a| a != "--keep")
        .nth(1)
        .map(Into::into);
    let dir = keep.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("stv2lint-bench-arm-{}", std::process::id()))
    });
    let bytes = gen::generate("arm", &dir, n, rules).bytes;
    println!(
        "generated {n} templates, {rules} rules per NSG, {:.1} MB",
        bytes as f64 / 1e6
    );
    let o = time("check (discover, parse, evaluate, link, rules)", || {
        stv2lint::check(std::slice::from_ref(&dir), &Default::default())
    });
    println!("diagnostics: {}", o.diagnostics.len());
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

    // Rendering N diagnostics in ONE file: must grow linearly with N.
    println!("\nhuman rendering of N diagnostics in one file (N instances on a retired API version, each with an unresolved subnet):");
    for count in [1000, 2000, 4000, 8000] {
        let d =
            std::env::temp_dir().join(format!("stv2lint-bench-one-{}-{count}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        let mut f = std::fs::File::create(d.join("one.json")).unwrap();
        // `count` instances in one template, each giving diagnostics in this one file.
        let mut res = Vec::new();
        for i in 0..count {
            res.push(format!(
                r#"{{ "type": "Microsoft.ApiManagement/service", "apiVersion": "2019-12-01", "name": "a{i}", "location": "westeurope",
  "sku": {{ "name": "Developer", "capacity": 1 }},
  "properties": {{ "virtualNetworkType": "Internal", "virtualNetworkConfiguration": {{ "subnetResourceId": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/v/subnets/s{i}" }} }} }}"#
            ));
        }
        write!(
            f,
            r#"{{ "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "contentVersion": "1.0.0.0", "resources": [ {} ] }}"#,
            res.join(",\n")
        )
        .unwrap();
        drop(f);
        let o = stv2lint::check(std::slice::from_ref(&d), &Default::default());
        let mut sink = std::io::sink();
        let t = Instant::now();
        stv2lint::report::render(OutputFormat::Human, &o, &mut sink).unwrap();
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        println!(
            "  {:>6} diagnostics: {:>9.1} ms ({:.1} µs each)",
            o.diagnostics.len(),
            ms,
            ms * 1000.0 / o.diagnostics.len().max(1) as f64
        );
        let _ = std::fs::remove_dir_all(&d);
    }
}
