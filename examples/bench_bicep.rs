//! Benchmark over a generated tree of Bicep deployments.
//!
//! `cargo run --release --example bench_bicep -- [DEPLOYMENTS] [RULES_PER_NSG] [--keep DIR]`
//!
//! Generates DEPLOYMENTS (default 1000) deployment folders in a temporary directory, each with a
//! `main.bicep` and a `main.bicepparam`, all sharing a `modules/` folder (network module with an
//! NSG whose rules come from a `for` expression over a parameter array, a VNet with an inline
//! subnet and a `parent:` child subnet, a route table; an APIM module taking the subnet id from
//! the network module's output). Then it times:
//! - parse only: lexer + parser over every file (MB/s);
//! - the whole check: discover, parse, evaluate modules and parameter files, link, rules.

use std::time::Instant;

#[path = "common/gen.rs"]
mod gen;
use gen::bicep::NETWORK;

fn time<T>(label: &str, f: impl FnOnce() -> T) -> (T, f64) {
    let t = Instant::now();
    let v = f();
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    println!("{label:<52} {ms:>9.1} ms");
    (v, ms)
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .take_while(|a| a != "--keep")
        .filter_map(|a| a.parse().ok())
        .collect();
    let n = args.first().copied().unwrap_or(1000);
    let rules = args.get(1).copied().unwrap_or(40);
    // `--keep DIR`: generate into DIR and leave it there (for `stv2lint check DIR` by hand).
    let keep: Option<std::path::PathBuf> = std::env::args()
        .skip_while(|a| a != "--keep")
        .nth(1)
        .map(Into::into);
    let dir = keep.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("stv2lint-bench-bicep-{}", std::process::id()))
    });
    gen::generate("bicep", &dir, n, rules);
    // The texts again, for the parse-only timing.
    let mut texts = vec![NETWORK.to_string(), gen::bicep::APIM.to_string()];
    for i in 0..n {
        texts.push(gen::bicep::main_bicep());
        texts.push(gen::bicep::params(i, rules));
    }
    let bytes: usize = texts.iter().map(String::len).sum();
    println!(
        "generated {n} deployments ({} files, {:.1} MB), {rules} rules per NSG",
        texts.len(),
        bytes as f64 / 1e6
    );

    let (nodes, ms) = time("parse only (lexer + parser, every file)", || {
        let mut decls = 0;
        for t in &texts {
            let f = stv2lint::frontend::bicep::parser::parse(t, stv2lint::source::FileId(0))
                .expect("generated files parse");
            decls += f.decls.len();
        }
        decls
    });
    println!(
        "  {nodes} declarations, {:.1} MB/s",
        bytes as f64 / 1e6 / (ms / 1000.0)
    );

    // One large file: the same network module body repeated with fresh names.
    let mut big = String::new();
    for i in 0..2000 {
        big.push_str(
            &NETWORK
                .replace("param ", &format!("param p{i}_"))
                .replace("resource nsg ", &format!("resource nsg{i} "))
                .replace("resource rt ", &format!("resource rt{i} "))
                .replace("resource vnet ", &format!("resource vnet{i} "))
                .replace("resource apps ", &format!("resource apps{i} "))
                .replace("output apimSubnetId", &format!("output o{i}")),
        );
    }
    let (_, ms) = time(
        &format!("parse one {:.1} MB file", big.len() as f64 / 1e6),
        || {
            stv2lint::frontend::bicep::parser::parse(&big, stv2lint::source::FileId(0))
                .expect("the large file parses")
        },
    );
    println!("  {:.1} MB/s", big.len() as f64 / 1e6 / (ms / 1000.0));

    let (o, _) = time("check (discover, parse, evaluate, link, rules)", || {
        stv2lint::check(std::slice::from_ref(&dir), &Default::default())
    });
    println!(
        "  {} instances, {} subnets, {} NSGs, {} diagnostics",
        o.ws.apims.len(),
        o.ws.subnets.len(),
        o.ws.nsgs.len(),
        o.diagnostics.len()
    );
    assert_eq!(
        o.ws.apims.len(),
        n,
        "every deployment's instance is in the model"
    );
    if keep.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
