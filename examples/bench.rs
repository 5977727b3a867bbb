//! The benchmark table of BENCHMARKS.md: the release binary, end to end, on generated trees of
//! 100 / 1,000 / 10,000 deployment units per format, against the project's own parser on the
//! same files, and on the corpus.
//!
//! ```text
//! cargo build --release && cargo run --release --example bench -- table \
//!     [--threads N] [--runs R] [--units 100,1000,10000] [--formats arm,bicep,terraform]
//!     [--rules 40] [--bin PATH] [--corpus DIR] [--dir DIR] [--outputs DIR]
//!     [--checkov PATH | --no-checkov]
//! ```
//!
//! Each tree is generated into `--dir` (default `$TMPDIR/stv2lint-bench`, always the same path so
//! that outputs of two binaries can be compared) and removed afterwards. The binary (`--bin`,
//! default the `stv2lint` next to this example's directory) runs `check TREE --format json`
//! R times (default 3; a tree that takes less than a second more often, see `measure`), timed
//! to the microsecond with `wait4`: the table gives the median wall time, CPU time and peak
//! RSS. `--threads N` is passed as `RAYON_NUM_THREADS=N` and, when the binary
//! accepts it, as `--threads N`. `--outputs DIR` keeps each run's JSON output as
//! `DIR/<format>-<units>.json` (to diff two binaries). The parser column is the project's own
//! parser over the same files in this process (ARM: the spanned JSON loader; Bicep: lexer +
//! parser; Terraform: hcl-edit), the median of R runs. When checkov is on `PATH` (or given with
//! `--checkov`), the corpus table also runs it once per framework on the same files, in the same
//! run, so the two are measured under the same load.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

#[path = "common/gen.rs"]
mod gen;

struct Args {
    threads: Option<usize>,
    runs: usize,
    units: Vec<usize>,
    formats: Vec<String>,
    rules: usize,
    bin: PathBuf,
    corpus: Option<PathBuf>,
    dir: PathBuf,
    outputs: Option<PathBuf>,
    /// checkov, run on the corpus per framework in the same run (the anchor of DESIGN.md).
    checkov: Option<PathBuf>,
}

fn args() -> Args {
    let mut a = Args {
        threads: None,
        runs: 3,
        units: vec![100, 1000, 10000],
        formats: vec!["arm".into(), "bicep".into(), "terraform".into()],
        rules: 40,
        bin: std::env::current_exe()
            .ok()
            .and_then(|e| Some(e.parent()?.parent()?.join("stv2lint")))
            .unwrap_or_else(|| "stv2lint".into()),
        corpus: Some(PathBuf::from("/work/shared/corpus")).filter(|p| p.is_dir()),
        dir: std::env::temp_dir().join("stv2lint-bench"),
        outputs: None,
        checkov: on_path("checkov"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        let list = |v: String| -> Vec<String> { v.split(',').map(|s| s.trim().into()).collect() };
        match flag.as_str() {
            "table" => {}
            "--threads" => a.threads = Some(value().parse().expect("--threads N")),
            "--runs" => a.runs = value().parse().expect("--runs R"),
            "--units" => {
                a.units = list(value())
                    .iter()
                    .map(|u| u.parse().expect("--units 100,1000"))
                    .collect()
            }
            "--formats" => a.formats = list(value()),
            "--rules" => a.rules = value().parse().expect("--rules N"),
            "--bin" => a.bin = value().into(),
            "--corpus" => a.corpus = Some(value().into()),
            "--no-corpus" => a.corpus = None,
            "--dir" => a.dir = value().into(),
            "--outputs" => a.outputs = Some(value().into()),
            "--checkov" => a.checkov = Some(value().into()),
            "--no-checkov" => a.checkov = None,
            other => {
                panic!("unknown argument '{other}' (see the doc comment of examples/bench.rs)")
            }
        }
    }
    a
}

/// Wall seconds, CPU seconds (user + system) and peak RSS (bytes) of one run of the binary.
struct Run {
    wall: f64,
    cpu: f64,
    rss: u64,
}

fn run(a: &Args, cwd: &Path, extra: &[String], out: Option<&Path>) -> Run {
    let mut cmd = measured(&a.bin);
    cmd.arg("check")
        .args(extra)
        .args(["--format", "json"])
        .current_dir(cwd)
        .stderr(Stdio::null());
    if let Some(n) = a.threads {
        cmd.env("RAYON_NUM_THREADS", n.to_string());
        if accepts_threads(&a.bin) {
            cmd.args(["--threads", &n.to_string()]);
        }
    }
    match out {
        Some(p) => cmd.stdout(std::fs::File::create(p).unwrap()),
        None => cmd.stdout(Stdio::null()),
    };
    let (status, run) = timed(&mut cmd);
    // Exit 1 = findings, 2 = incomplete: both are normal here; a crash is not.
    assert!(
        status.is_some_and(|c| c <= 2),
        "{} failed: {status:?}",
        a.bin.display()
    );
    run
}

/// A command that runs `program` (arguments, directory, environment and output added by the
/// caller) under this example's own `timed` mode, which [`timed`] reads the measurement from.
///
/// Why a process in between, as GNU time is: Linux gives a process that `exec`s the peak RSS
/// of the process it was forked from, so a program forked straight from this one (which holds
/// a 10,000-unit tree's texts) would report this one's peak, not its own. The `timed` process
/// is small when it forks the measured program.
fn measured(program: &Path) -> Command {
    let mut cmd = Command::new(std::env::current_exe().expect("this example's path"));
    cmd.arg("timed").arg(times_file()).arg(program);
    cmd
}

/// Where the `timed` process leaves its measurement (one per bench process).
fn times_file() -> PathBuf {
    std::env::temp_dir().join(format!("stv2lint-bench-{}.time", std::process::id()))
}

/// Run a [`measured`] command: the measured program's exit code (`None` when a signal ended
/// it) and its wall time, CPU time and peak RSS.
fn timed(cmd: &mut Command) -> (Option<i32>, Run) {
    let status = cmd.status().expect("start this example in its timed mode");
    assert!(status.success(), "the timed process failed: {status}");
    let path = times_file();
    let text = std::fs::read_to_string(&path).expect("the timed process's measurement");
    let _ = std::fs::remove_file(&path);
    let f: Vec<&str> = text.split_whitespace().collect();
    let num = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    let code = f.first().and_then(|c| c.parse().ok());
    let run = Run {
        wall: num(1),
        cpu: num(2),
        rss: num(3) as u64,
    };
    (code, run)
}

/// The `timed` mode: `bench timed OUT PROGRAM ARGS...` runs PROGRAM (stdio, directory and
/// environment inherited), reaps it with `wait4`, whose resource usage has user and system
/// time to the microsecond (GNU time prints hundredths, which made the 100-unit cells and so
/// the growth column unreadable) and peak RSS, and writes `code wall cpu rss_bytes` to OUT
/// (`code` is `-` when a signal ended it).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn timed_mode(mut args: impl Iterator<Item = String>) {
    let out = args.next().expect("timed OUT PROGRAM ARGS...");
    let program = args.next().expect("timed OUT PROGRAM ARGS...");
    let t = Instant::now();
    // Reaped by `wait4` below, which also gives its resource usage (`Child::wait` does not).
    #[allow(clippy::zombie_processes)]
    let child = Command::new(program)
        .args(args)
        .spawn()
        .expect("start the measured program");
    let mut status = 0;
    // SAFETY: an all-zero `rusage` is a valid value for wait4 to overwrite.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: the pid is our own unreaped child; both out-pointers are valid for the call.
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    let wall = t.elapsed().as_secs_f64();
    assert!(pid > 0, "wait4: {}", std::io::Error::last_os_error());
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status).to_string()
    } else {
        "-".to_string()
    };
    let cpu = secs(usage.ru_utime) + secs(usage.ru_stime);
    let rss = usage.ru_maxrss as u64 * 1024;
    std::fs::write(out, format!("{code} {wall} {cpu} {rss}\n")).expect("write the measurement");
}

/// Elsewhere (no `wait4` through `libc` there): wall time only, standing in for CPU time;
/// no peak RSS.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn timed_mode(mut args: impl Iterator<Item = String>) {
    let out = args.next().expect("timed OUT PROGRAM ARGS...");
    let program = args.next().expect("timed OUT PROGRAM ARGS...");
    let t = Instant::now();
    let status = Command::new(program)
        .args(args)
        .status()
        .expect("start the measured program");
    let wall = t.elapsed().as_secs_f64();
    let code = status.code().map_or("-".to_string(), |c| c.to_string());
    std::fs::write(out, format!("{code} {wall} {wall} 0\n")).expect("write the measurement");
}

/// A program of that name on `PATH`.
fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    })
}

/// checkov on `dir` for one framework, once, under a ten-minute `timeout`: its wall and CPU
/// seconds, peak RSS, and how it ended (checkov exits 1 when a check fails).
fn checkov(exe: &Path, dir: &Path, framework: &str) -> (Run, String) {
    let mut cmd = measured(Path::new("timeout"));
    cmd.arg("600")
        .arg(exe)
        .args(["-d", "."])
        .args(["--framework", framework])
        .args(["--quiet", "--compact", "-o", "json"])
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let (status, run) = timed(&mut cmd);
    let ended = match status {
        Some(0) | Some(1) => "ok".to_string(),
        Some(124) => "timed out (600 s)".to_string(),
        Some(c) => format!("exit {c}"),
        None => "killed by a signal".to_string(),
    };
    (run, ended)
}

fn accepts_threads(bin: &Path) -> bool {
    Command::new(bin)
        .args(["check", "--help"])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("--threads"))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Median wall time, CPU time and peak RSS of `runs` runs; a cell whose first run takes less
/// than a second of CPU runs more often (up to 41 times, about two seconds in all), so that the
/// medians of small trees are as steady as those of large ones.
fn measure(a: &Args, cwd: &Path, extra: &[String], out: Option<&Path>) -> (f64, f64, u64) {
    let mut runs = vec![run(a, cwd, extra, out)];
    let want = if runs[0].cpu < 1.0 {
        ((2.0 / runs[0].cpu.max(0.001)).ceil() as usize).clamp(a.runs, 41) | 1
    } else {
        a.runs
    };
    while runs.len() < want.max(1) {
        runs.push(run(a, cwd, extra, None));
    }
    let wall = median(runs.iter().map(|r| r.wall).collect());
    let cpu = median(runs.iter().map(|r| r.cpu).collect());
    let rss = median(runs.iter().map(|r| r.rss as f64).collect()) as u64;
    (wall, cpu, rss)
}

/// Does `path` belong to `format` (the files its front end reads)?
fn of_format(format: &str, path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    match format {
        "arm" => name.ends_with(".json") && !name.ends_with(".tf.json"),
        "bicep" => name.ends_with(".bicep") || name.ends_with(".bicepparam"),
        _ => name.ends_with(".tf") || name.ends_with(".tfvars"),
    }
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.file_name().is_some_and(|n| n == ".git") {
            continue;
        }
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// CPU seconds of this process (wall seconds where that is not available): the machine the
/// figures come from is shared, and CPU time is what a busy neighbour disturbs least.
fn cpu_now() -> f64 {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let mut t = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: clock_gettime writes the timespec it is given.
        unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut t) };
        t.tv_sec as f64 + t.tv_nsec as f64 / 1e9
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        use std::sync::OnceLock;
        static START: OnceLock<Instant> = OnceLock::new();
        START.get_or_init(Instant::now).elapsed().as_secs_f64()
    }
}

/// CPU seconds the project's own parser takes over the texts (median of `runs`).
fn parse_only(format: &str, texts: &[String], runs: usize) -> f64 {
    let once = || {
        let t = cpu_now();
        for text in texts {
            let ok = match format {
                "arm" => stv2lint::frontend::json::parse(text, stv2lint::source::FileId(0)).is_ok(),
                "bicep" => {
                    stv2lint::frontend::bicep::parser::parse(text, stv2lint::source::FileId(0))
                        .is_ok()
                }
                _ => hcl_edit::parser::parse_body(text).is_ok(),
            };
            assert!(ok, "a generated file does not parse");
        }
        cpu_now() - t
    };
    median((0..runs.max(1)).map(|_| once()).collect())
}

fn mb(bytes: usize) -> f64 {
    bytes as f64 / 1e6
}

fn main() {
    let mut raw = std::env::args().skip(1);
    if raw.next().as_deref() == Some("timed") {
        return timed_mode(raw);
    }
    let a = args();
    assert!(
        a.bin.is_file(),
        "no binary at {} (cargo build --release, or --bin PATH)",
        a.bin.display()
    );
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "binary {}, threads {}, {} runs per cell (medians), {} rules per NSG, load average before: {}",
        a.bin.display(),
        a.threads.map_or("default".to_string(), |n| n.to_string()),
        a.runs,
        a.rules,
        load.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
    );
    if let Some(o) = &a.outputs {
        std::fs::create_dir_all(o).unwrap();
    }
    println!();
    println!("| format | units | files | input MB | wall s | CPU s | peak RSS MB | MB/s (CPU) | RSS / input | parser MB/s (CPU) | end to end % of parser | CPU time vs 1/100 the units |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for format in &a.formats {
        let mut first: Option<(usize, f64)> = None;
        for &units in &a.units {
            let tree = gen::generate(format, &a.dir, units, a.rules);
            let out = a
                .outputs
                .as_ref()
                .map(|o| o.join(format!("{format}-{units}.json")));
            let (wall, cpu, rss) = measure(
                &a,
                Path::new("."),
                &[a.dir.display().to_string()],
                out.as_deref(),
            );
            let mut paths = Vec::new();
            files(&a.dir, &mut paths);
            let texts: Vec<String> = paths
                .iter()
                .filter(|p| of_format(format, p))
                .map(|p| std::fs::read_to_string(p).unwrap())
                .collect();
            let parse_bytes: usize = texts.iter().map(String::len).sum();
            let parse = parse_only(format, &texts, a.runs);
            let (e2e, parser) = (mb(tree.bytes) / cpu, mb(parse_bytes) / parse);
            // Growth against the size 100× smaller, when it was measured.
            let growth = match first {
                Some((u, c)) if units == u * 100 => format!("{:.0}×", cpu / c),
                _ => String::new(),
            };
            if first.is_none() {
                first = Some((units, cpu));
            }
            println!(
                "| {format} | {units} | {} | {:.1} | {wall:.3} | {cpu:.3} | {:.0} | {e2e:.1} | {:.1}× | {parser:.0} | {:.0} % | {growth} |",
                tree.files,
                mb(tree.bytes),
                rss as f64 / 1e6,
                rss as f64 / tree.bytes as f64,
                100.0 * e2e / parser,
            );
            let _ = std::fs::remove_dir_all(&a.dir);
        }
    }
    if let Some(corpus) = &a.corpus {
        println!();
        println!(
            "Corpus {} per format (the other formats' files excluded):",
            corpus.display()
        );
        println!();
        println!("| format | files | input MB | wall s | CPU s | peak RSS MB | checkov wall s | checkov CPU s | checkov peak RSS MB | checkov ended | stv2lint faster (CPU) |");
        println!("|---|---|---|---|---|---|---|---|---|---|---|");
        let mut all = Vec::new();
        files(corpus, &mut all);
        let exts = [
            (
                "arm",
                &["*.bicep", "*.bicepparam", "*.tf", "*.tfvars", "*.tf.json"][..],
            ),
            ("bicep", &["*.json", "*.tf", "*.tfvars"][..]),
            ("terraform", &["*.json", "*.bicep", "*.bicepparam"][..]),
        ];
        for (format, exclude) in exts {
            let mine: Vec<&PathBuf> = all.iter().filter(|p| of_format(format, p)).collect();
            let bytes: usize = mine
                .iter()
                .map(|p| std::fs::metadata(p).map_or(0, |m| m.len() as usize))
                .sum();
            let mut extra = vec![".".to_string()];
            for e in exclude {
                extra.push("--exclude".into());
                extra.push(e.to_string());
            }
            let out = a
                .outputs
                .as_ref()
                .map(|o| o.join(format!("corpus-{format}.json")));
            let (wall, cpu, rss) = measure(&a, corpus, &extra, out.as_deref());
            // checkov on the same files in the same run, when it is installed.
            let anchor = match &a.checkov {
                Some(exe) => {
                    let (c, ended) = checkov(exe, corpus, format);
                    format!(
                        "{:.1} | {:.1} | {:.0} | {ended} | {:.0}× |",
                        c.wall,
                        c.cpu,
                        c.rss as f64 / 1e6,
                        c.cpu / cpu.max(0.001)
                    )
                }
                None => "– | – | – | not installed | |".to_string(),
            };
            println!(
                "| {format} | {} | {:.1} | {wall:.3} | {cpu:.3} | {:.0} | {anchor}",
                mine.len(),
                mb(bytes),
                rss as f64 / 1e6
            );
        }
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "\nload average after: {}",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
}
