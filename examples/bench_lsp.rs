//! Benchmark of the language server in a large workspace: how long the first lint of a
//! directory of N ARM deployments takes, and then how long after a `didChange` of one template
//! its diagnostics arrive (the server re-lints only the deployments the change can affect).
//!
//! `cargo run --release --example bench_lsp -- [N …] [--edits K] [--debounce MS]`
//!
//! For each N (default 100 1000 10000) it writes N templates (`tests/lsp_pipe`'s generator: a
//! VNet, an NSG — every fourth with a deny that blocks the management port — and an injected
//! instance each) into a temporary directory, runs the server in process over pipes with that
//! directory as the workspace folder, opens one template, then changes it K times (default 21),
//! toggling its deny, and prints the first lint and the median / min / max time from sending
//! the `didChange` to receiving its `publishDiagnostics`. The debounce (the quiet period
//! before a lint) defaults to the server's own (200 ms; a tenth of it before an incremental
//! lint); `--debounce 0` measures the lint alone. The generated directory is removed.

#[path = "../tests/lsp_pipe/mod.rs"]
mod lsp_pipe;

use lsp_pipe::{arm_template, arm_tree, uri, Session};
use std::time::{Duration, Instant};
use stv2lint::lsp::ServeOptions;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let mut sizes = Vec::new();
    let mut edits = 21;
    let mut opts = ServeOptions {
        trace: true,
        ..ServeOptions::default()
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--edits" => edits = args.next().and_then(|v| v.parse().ok()).expect("--edits K"),
            "--debounce" => {
                let v: u64 = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--debounce MS");
                opts.debounce = Duration::from_millis(v);
            }
            n => sizes.push(n.parse::<usize>().expect("a number of templates")),
        }
    }
    if sizes.is_empty() {
        sizes = vec![100, 1000, 10000];
    }
    println!(
        "debounce {} ms (incremental {} ms), {edits} edits",
        ms(opts.debounce),
        ms(opts.debounce / 10)
    );
    println!(
        "| templates | `check` of the directory | first lint | incremental lint (server's own time), median | didChange → publishDiagnostics: median | min | max |"
    );
    println!("|---|---|---|---|---|---|---|");
    for n in sizes {
        let dir =
            std::env::temp_dir().join(format!("stv2lint-bench-lsp-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let files = arm_tree(&dir, n);
        let i = n / 2;
        let file = std::fs::canonicalize(&files[i]).expect("template");
        let file_uri = uri(&file);
        // The same directory through the library, as `stv2lint check DIR` runs it.
        let t = Instant::now();
        let o = stv2lint::check(
            std::slice::from_ref(&dir),
            &stv2lint::CheckOptions::default(),
        );
        let check = t.elapsed();
        assert_eq!(o.files, n);
        drop(o);
        let mut s = Session::start_with(&std::fs::canonicalize(&dir).unwrap(), opts.clone());
        let is_ours = |m: &serde_json::Value| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == file_uri.as_str()
        };

        let t = Instant::now();
        s.open(&file, &std::fs::read_to_string(&file).unwrap(), 1);
        s.until(is_ours);
        let first = t.elapsed();
        s.linted();

        let mut times = Vec::new();
        let mut lints = Vec::new();
        for k in 0..edits {
            let deny = (i % 4 == 0) == (k % 2 == 1);
            let text = arm_template(i, deny, None);
            let t = Instant::now();
            s.change(&file, &text, 2 + k);
            s.until(is_ours);
            times.push(t.elapsed());
            let line = s.linted();
            if !line.contains("incremental") {
                eprintln!("edit {k}: {line}");
            }
            // `… N files in X ms`
            if let Some(x) = line
                .rsplit_once(" in ")
                .and_then(|(_, t)| t.trim_end_matches(" ms").parse::<f64>().ok())
            {
                lints.push(x);
            }
        }
        times.sort();
        lints.sort_by(f64::total_cmp);
        println!(
            "| {n} | {:.0} ms | {:.0} ms | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms |",
            ms(check),
            ms(first),
            lints.get(lints.len() / 2).copied().unwrap_or(f64::NAN),
            ms(times[times.len() / 2]),
            ms(times[0]),
            ms(times[times.len() - 1])
        );
        assert_eq!(s.finish(), 0);
        std::fs::remove_dir_all(&dir).expect("remove the generated directory");
    }
}
