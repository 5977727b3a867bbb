//! Hostile and unusual input as a CI gate meets it: files outside the linted tree are not read,
//! control characters never reach the terminal, module cycles and undecodable files are not
//! silent, and no span makes a renderer panic. Inputs are generated under the system temp dir.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use stv2lint::cli::OutputFormat;
use stv2lint::code::Code;

const FORMATS: [(&str, OutputFormat); 5] = [
    ("human", OutputFormat::Human),
    ("compact", OutputFormat::Compact),
    ("json", OutputFormat::Json),
    ("sarif", OutputFormat::Sarif),
    ("github", OutputFormat::Github),
];

/// A fresh directory under the system temp dir (outside any git work tree, so the linted tree
/// is exactly the paths given).
fn tmp(name: &str) -> Tmp {
    let d = std::env::temp_dir().join(format!("stv2lint-robust-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    Tmp(d)
}

/// A generated directory that is removed when the test ends, pass or fail (runs must not pile
/// up copies of the binary and inputs under the temp dir).
struct Tmp(PathBuf);

impl std::ops::Deref for Tmp {
    type Target = PathBuf;
    fn deref(&self) -> &PathBuf {
        &self.0
    }
}

impl AsRef<Path> for Tmp {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Tmp {
    fn drop(&mut self) {
        // Tests make directories unreadable on purpose: give the permissions back first.
        #[cfg(unix)]
        for e in walkdir::WalkDir::new(&self.0).into_iter().flatten() {
            use std::os::unix::fs::PermissionsExt;
            if e.file_type().is_dir() {
                let _ = std::fs::set_permissions(e.path(), std::fs::Permissions::from_mode(0o755));
            }
        }
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn write(dir: &Path, rel: &str, text: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    p
}

/// Runs the binary with a time limit: a hang (a FIFO opened) fails the test instead of the suite.
fn run_in(cwd: &Path, args: &[&str]) -> (i32, String, String) {
    use std::io::Read;
    let mut child = Command::new(env!("CARGO_BIN_EXE_stv2lint"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run stv2lint");
    // Drain both pipes while waiting, so a large report cannot block the child.
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = r.read_to_end(&mut v);
            String::from_utf8_lossy(&v).into_owned()
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("stv2lint {args:?} did not finish in 60 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    (
        status.code().unwrap_or(-1),
        out.join().unwrap(),
        err.join().unwrap(),
    )
}

fn check(dir: &Path, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec!["check", "."];
    if !extra.contains(&"--format") {
        args.extend(["--format", "compact"]);
    }
    args.extend_from_slice(extra);
    run_in(dir, &args)
}

const ARM_HEAD: &str = r#"{"$schema":"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#","contentVersion":"1.0.0.0","#;

fn broken_apim() -> String {
    std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/broken-apim/azuredeploy.json"),
    )
    .unwrap()
}

// ---- renderers --------------------------------------------------------------------------

/// Every format over the outcome of `dir`, through the library (what the binary prints).
fn render_all(dir: &Path) -> Vec<(&'static str, String)> {
    let o = stv2lint::check(&[dir.to_path_buf()], &Default::default());
    FORMATS
        .iter()
        .map(|(name, f)| {
            let mut out = Vec::new();
            stv2lint::report::render(*f, &o, &mut out).unwrap();
            (*name, String::from_utf8(out).unwrap())
        })
        .collect()
}

#[test]
fn a_finding_past_column_65535_renders_in_every_format() {
    // A minified template: one line, the syntax error at column 70,000 and, in another file,
    // at the last byte of a 1 MB line.
    let dir = tmp("long-lines");
    let pad = |n: usize| format!(r#""x":"{}","#, "a".repeat(n));
    let head = format!("{ARM_HEAD}{}", pad(0));
    let fill = 70_000 - 1 - head.len() - r#""y":"","resources":["#.len();
    let t70k = format!(r#"{head}"y":"{}","resources":[}}"#, "b".repeat(fill));
    assert_eq!(t70k.find("[}").unwrap() + 2, 70_000);
    write(&dir, "a70k.json", &t70k);
    let mut t1m = format!("{ARM_HEAD}{}", pad(1_000_000));
    t1m.push_str(r#""resources":[}"#);
    write(&dir, "b1m.json", &t1m);
    let last_col = t1m.len();

    for (name, out) in render_all(&dir) {
        let (a, b) = match name {
            "json" => (
                "\"column\": 70000".to_string(),
                format!("\"column\": {last_col}"),
            ),
            "sarif" => (
                "\"startColumn\": 70000".to_string(),
                format!("\"startColumn\": {last_col}"),
            ),
            "github" => ("col=70000".to_string(), format!("col={last_col}")),
            _ => ("1:70000".to_string(), format!("1:{last_col}")),
        };
        assert!(
            out.contains(&a) && out.contains(&b),
            "{name}: {}",
            &out[..out.len().min(3000)]
        );
    }
    // The human format through the binary: no panic (exit 101), a window of the line, not
    // the megabyte.
    let (code, out, err) = run_in(&dir, &["check", ".", "--format", "human"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        out.contains("a70k.json:1:70000") && out.contains(&format!("b1m.json:1:{last_col}")),
        "{out}"
    );
    assert!(out.contains('…'), "the long line is shown clipped: {out}");
    let widest = out.lines().map(|l| l.chars().count()).max().unwrap();
    assert!(
        widest < 400,
        "a line of {widest} characters: the snippet is not clipped"
    );
}

#[test]
fn every_renderer_is_total_over_any_span() {
    use stv2lint::diagnostic::{Diagnostic, Severity};
    use stv2lint::source::{Lang, SourceFile, Span};
    let mut ws = stv2lint::model::Workspace::default();
    let text = "ab\u{e7}d\n\u{1F600}x\r\n\n{\n  \"k\": 1\n}\n".to_string();
    let len = text.len();
    let f = ws.sources.add(SourceFile::new(
        "t.json".into(),
        "t.json".into(),
        text,
        Lang::Json,
    ));
    let g = ws.sources.add(SourceFile::new(
        "empty.json".into(),
        "empty.json".into(),
        String::new(),
        Lang::Json,
    ));
    let raw = |file, start: u32, end: u32| Span { file, start, end };
    let spans = [
        raw(f, 0, 0),                      // empty
        raw(f, 3, 3),                      // inside the two-byte ç
        raw(f, 7, 8),                      // inside the four-byte emoji
        raw(f, 2, len as u32),             // across every line
        raw(f, len as u32, len as u32),    // at the end
        raw(f, len as u32 + 50, u32::MAX), // past the end
        raw(f, 9, 2),                      // reversed
        raw(g, 0, 0),                      // an empty file
        raw(g, 5, 9),                      // past the end of an empty file
    ];
    let mut diagnostics = Vec::new();
    for (i, s) in spans.iter().enumerate() {
        diagnostics.push(
            Diagnostic::new(Code::Stv202, Severity::Error, format!("case {i}"))
                .at(Some(*s))
                .resource("r")
                .related(Some(spans[(i + 3) % spans.len()]), "related")
                .related(Some(raw(g, 1, 0)), "other file"),
        );
    }
    diagnostics.push(Diagnostic::new(Code::Stv002, Severity::Info, "no span"));
    let o = stv2lint::Outcome {
        ws,
        diagnostics,
        files: 2,
        missing: Vec::new(),
        unreadable: Vec::new(),
        instances: Default::default(),
        streamed: false,
    };
    for (name, f) in FORMATS {
        let mut out = Vec::new();
        stv2lint::report::render(f, &o, &mut out).unwrap();
        let out = String::from_utf8(out).unwrap();
        for i in 0..spans.len() {
            assert!(
                out.contains(&format!("case {i}")),
                "{name} lost case {i}: {out}"
            );
        }
    }
    // The human format shows a snippet for each case (not the fallback one-liner).
    let mut out = Vec::new();
    stv2lint::report::render(OutputFormat::Human, &o, &mut out).unwrap();
    let out = String::from_utf8(out).unwrap();
    let headline = "× error[STV202] inbound-management-3443: case";
    assert_eq!(out.matches(headline).count(), spans.len(), "{out}");
    assert!(
        !out.lines().any(|l| l.starts_with("error[STV202]")),
        "a fallback line: {out}"
    );
}

#[test]
fn control_characters_from_files_are_escaped_in_every_format() {
    let dir = tmp("escapes");
    // An escape sequence in a name (a JSON `\u001b`, so the file is valid) …
    let named = broken_apim().replace("rt-apim", r"rt-\u001b[2J\u001b]0;pwned\u0007apim");
    write(&dir, "a/azuredeploy.json", &named);
    // … and raw in the text a snippet shows, at a syntax error.
    write(
        &dir,
        "b/bad.json",
        format!("{ARM_HEAD}\n\"resources\": [ \u{1b}[2J\u{9b}31m ]}}"),
    );
    for (name, out) in render_all(&dir) {
        assert!(
            !out.contains('\u{1b}') && !out.contains('\u{9b}') && !out.contains('\u{7}'),
            "{name} prints a raw control character"
        );
        assert!(out.contains("rt-"), "{name}: {out}");
        // The escaped form shows the reader what is there (JSON doubles the backslash).
        assert!(out.contains(r"u{1b}[2J"), "{name}: {out}");
    }
    let (_, out, _) = run_in(&dir, &["check", ".", "--format", "human"]);
    assert!(!out.contains('\u{1b}') && !out.contains('\u{9b}'), "{out}");
    assert!(
        out.contains(r"\u{9b}31m"),
        "the snippet shows the escape: {out}"
    );
}

// ---- containment ------------------------------------------------------------------------

#[test]
fn bicep_files_outside_the_linted_tree_are_not_read() {
    let base = tmp("fence-bicep");
    let secret = "TOPSECRET-4711";
    write(&base, "secret.txt", secret);
    write(
        &base,
        "outside/m.bicep",
        "output o string = 'from outside'\n",
    );
    let dir = base.join("repo");
    write(
        &dir,
        "main.bicep",
        "var a = loadTextContent('../secret.txt')\n\
         var b = loadTextContent('/proc/self/environ')\n\
         var c = loadJsonContent('cfg/ok.json')\n\
         module m '../outside/m.bicep' = {\n  name: 'm'\n}\n\
         resource nsg 'Microsoft.Network/networkSecurityGroups@2023-04-01' = {\n  name: '${a}${b}${c.n}'\n  location: 'westeurope'\n}\n",
    );
    write(&dir, "cfg/ok.json", r#"{"n": "inside-ok"}"#);
    write(&dir, "p.bicepparam", "using '../outside/m.bicep'\n");
    for (name, f) in ["human", "compact", "json", "sarif", "github"]
        .iter()
        .zip(FORMATS)
    {
        let _ = f;
        let (_, out, err) = run_in(&dir, &["check", ".", "--format", name]);
        assert!(
            !out.contains(secret) && !err.contains(secret),
            "{name} leaks: {out}"
        );
        assert!(
            !out.contains("PATH="),
            "{name} leaks the environment: {out}"
        );
    }
    let (code, out, _) = check(&dir, &[]);
    assert_eq!(code, 0, "{out}");
    let not_read: Vec<&str> = out.lines().filter(|l| l.contains("was not read")).collect();
    assert_eq!(not_read.len(), 4, "{out}");
    assert!(not_read.iter().all(|l| l.contains("[STV002]")), "{out}");
    assert!(
        out.contains("main.bicep:1:25") && out.contains("outside the linted tree"),
        "{out}"
    );
    assert!(
        out.contains("main.bicep:2:25") && out.contains("/proc"),
        "{out}"
    );
    assert!(
        out.contains("main.bicep:4:10") && out.contains("module"),
        "{out}"
    );

    // `--root` widens the tree on purpose: the module and the file are read.
    let (_, out, _) = check(&dir, &["--root", base.to_str().unwrap()]);
    let not_read: Vec<&str> = out.lines().filter(|l| l.contains("was not read")).collect();
    assert_eq!(not_read.len(), 1, "only /proc stays unread: {out}");
    assert!(not_read[0].contains("/proc"), "{out}");
}

/// The run resolves paths through a memo of canonical directories: a directory linked into
/// the tree is still one set of files (checked once, under the first path walked), with the
/// nested configuration of its real directory, and a directory linked from outside the tree
/// is still fenced, on one thread and on two.
#[cfg(unix)]
#[test]
fn symlinked_directories_dedup_scope_and_fence_by_their_real_paths() {
    let base = tmp("symlinked-dirs");
    let dir = base.join("repo");
    write(&dir, "infra/main.json", broken_apim());
    write(&dir, "infra/.stv2lint.yaml", "severity:\n  STV301: info\n");
    write(&base, "outside/main.json", broken_apim());
    // `alias` and `away` are walked before `infra`.
    std::os::unix::fs::symlink(dir.join("infra"), dir.join("alias")).unwrap();
    std::os::unix::fs::symlink("../outside", dir.join("away")).unwrap();
    for threads in ["1", "2"] {
        let (code, out, err) = check(&dir, &["--threads", threads]);
        assert_eq!(code, 1, "{out}{err}");
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines.iter().filter(|l| l.contains("[STV301]")).count(),
            1,
            "{out}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("alias/main.json:") && l.contains("info[STV301]")),
            "{out}"
        );
        assert!(!out.contains("infra/main.json"), "{out}");
        // The linked directory is not walked at all: said once, for the link.
        assert!(
            out.contains("directory 'away' was not read: it is outside the linted tree"),
            "{out}"
        );
    }
}

/// A dangling link that names no input (`README.md` pointing nowhere) hides nothing and does
/// not make the run incomplete; one named like an input does.
#[cfg(unix)]
#[test]
fn a_dangling_link_counts_only_when_it_names_an_input() {
    let base = tmp("dangling");
    let dir = base.join("repo");
    write(&dir, "main.json", broken_apim());
    std::os::unix::fs::symlink(base.join("nowhere.md"), dir.join("README.md")).unwrap();
    let (code, out, err) = check(&dir, &[]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.is_empty(), "{err}");
    std::os::unix::fs::symlink(base.join("nowhere.tf"), dir.join("network.tf")).unwrap();
    let (code, out, err) = check(&dir, &[]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("network.tf"), "{err}");
}

#[cfg(unix)]
#[test]
fn a_fifo_or_a_symlink_out_of_the_tree_is_not_read() {
    let base = tmp("fence-special");
    write(&base, "secret.json", r#"{"n": "TOPSECRET-0815"}"#);
    let dir = base.join("repo");
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("pipe.json");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    std::os::unix::fs::symlink(base.join("secret.json"), dir.join("link.json")).unwrap();
    write(
        &dir,
        "main.bicep",
        "var a = loadJsonContent('pipe.json')\nvar b = loadJsonContent('link.json')\noutput o string = '${a.n}${b.n}'\n",
    );
    let (code, out, err) = check(&dir, &["--format", "json"]);
    // The walked FIFO named like an input is not opened, and the run is incomplete for it.
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("pipe.json: it is a FIFO, not a regular file; it was not read"),
        "{err}"
    );
    let _ = fifo;
    assert!(!out.contains("TOPSECRET"), "{out}");
    assert!(out.contains("it is a FIFO, not a regular file"), "{out}");
    assert!(out.contains("outside the linted tree"), "{out}");
}

#[test]
fn terraform_modules_and_var_files_outside_the_tree_are_not_read() {
    let base = tmp("fence-terraform");
    write(&base, "secret.tfvars", "name = \"TOPSECRET-42\"\n");
    write(
        &base,
        "mods/m/main.tf",
        "output \"o\" {\n  value = \"x\"\n}\n",
    );
    let dir = base.join("repo");
    write(
        &dir,
        "main.tf",
        "variable \"name\" {\n  default = \"rg\"\n}\nmodule \"m\" {\n  source = \"../mods/m\"\n}\n\
         resource \"azurerm_resource_group\" \"r\" {\n  name     = var.name\n  location = \"westeurope\"\n}\n",
    );
    write(
        &dir,
        ".stv2lint.yaml",
        "terraform:\n  var-files: [../secret.tfvars]\n",
    );
    let (code, out, _) = check(&dir, &["--format", "json"]);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("TOPSECRET"), "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let msgs: Vec<String> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "STV002")
        .map(|d| d["message"].as_str().unwrap().to_string())
        .collect();
    assert!(
        msgs.iter()
            .any(|m| m.contains("module directory '../mods/m' was not read")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.contains("secret.tfvars' was not read")),
        "{msgs:?}"
    );
    // Named on the command line, the same var file is read.
    let secret = base.join("secret.tfvars");
    let (_, out, _) = check(&dir, &["--var-file", secret.to_str().unwrap()]);
    assert!(
        !out.lines()
            .any(|l| l.contains("secret.tfvars") && l.contains("not read")),
        "{out}"
    );
}

/// An absolute module source names a directory like a relative one: outside the linted tree it
/// is named and not read; inside it (`--root`) it is loaded and its instance checked.
#[test]
fn an_absolute_module_source_is_a_directory_behind_the_fence() {
    let base = tmp("absolute-module");
    write(
        &base,
        "mods/apim/main.tf",
        "resource \"azurerm_api_management\" \"a\" {\n  name = \"a\"\n  sku_name = \"Developer_1\"\n  virtual_network_type = \"Internal\"\n}\n",
    );
    let module = base.join("mods/apim");
    let dir = base.join("repo");
    write(
        &dir,
        "main.tf",
        format!("module \"m\" {{\n  source = \"{}\"\n}}\n", module.display()),
    );
    let (_, out, _) = check(&dir, &[]);
    assert!(
        out.contains(&format!(
            "module directory '{}' was not read: it is outside the linted tree",
            module.display()
        )),
        "{out}"
    );
    let (code, out, _) = check(&dir, &["--root", base.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("STV101") && out.contains("mods/apim/main.tf"),
        "{out}"
    );
}

// ---- honest exit codes -------------------------------------------------------------------

#[test]
fn a_bicep_module_cycle_without_an_entry_is_an_error_and_the_rest_is_checked() {
    let dir = tmp("bicep-cycle");
    write(&dir, "a.bicep", "module b 'b.bicep' = {\n  name: 'b'\n}\n");
    write(&dir, "b.bicep", "module a 'a.bicep' = {\n  name: 'a'\n}\n");
    write(&dir, "x/azuredeploy.json", broken_apim());
    let (code, out, _) = check(&dir, &[]);
    assert_eq!(code, 2, "{out}");
    let cycles: Vec<&str> = out.lines().filter(|l| l.contains("module cycle")).collect();
    assert_eq!(cycles.len(), 1, "{out}");
    assert!(
        cycles[0].contains("error[STV001]") && cycles[0].contains(".bicep:1:10"),
        "{out}"
    );
    assert!(
        out.contains("error[STV202]"),
        "the other files are still checked: {out}"
    );
}

#[test]
fn an_arm_linked_template_cycle_is_an_error_and_is_not_expanded() {
    // A template that links itself four times (each turn expanded would evaluate it 4^16
    // times: a gigabyte and the step limit before, without a word of the cycle) and two
    // templates that link each other.
    let dir = tmp("arm-cycle");
    let link = |name: &str, target: &str| {
        format!(
            "{{\"type\":\"Microsoft.Resources/deployments\",\"apiVersion\":\"2022-09-01\",\"name\":\"{name}\",\n\"properties\":{{\"mode\":\"Incremental\",\"templateLink\":{{\"relativePath\":\"{target}\"}}}}}}"
        )
    };
    let self_links: Vec<String> = (0..4)
        .map(|i| link(&format!("s{i}"), "self.json"))
        .collect();
    write(
        &dir,
        "s/self.json",
        format!("{ARM_HEAD}\n\"resources\":[{}]}}", self_links.join(",\n")),
    );
    write(
        &dir,
        "ab/a.json",
        format!("{ARM_HEAD}\n\"resources\":[{}]}}", link("toB", "b.json")),
    );
    write(
        &dir,
        "ab/b.json",
        format!("{ARM_HEAD}\n\"resources\":[{}]}}", link("toA", "a.json")),
    );
    write(&dir, "x/azuredeploy.json", broken_apim());
    let (code, out, _) = check(&dir, &[]);
    assert_eq!(code, 2, "{out}");
    let cycles: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("linked template cycle"))
        .collect();
    assert_eq!(cycles.len(), 2, "one finding per cycle: {out}");
    assert!(cycles.iter().all(|l| l.contains("error[STV001]")), "{out}");
    assert!(
        cycles
            .iter()
            .any(|l| l.contains("self.json:3:") && l.contains("cycle: self.json → self.json")),
        "{out}"
    );
    assert!(
        cycles.iter().any(|l| l.contains(".json:3:")
            && (l.contains("a.json → b.json → a.json") || l.contains("b.json → a.json → b.json"))),
        "{out}"
    );
    assert!(!out.contains("STV002"), "no budget was needed: {out}");
    assert!(
        out.contains("error[STV202]"),
        "the other files are still checked: {out}"
    );
}

#[test]
fn a_terraform_module_cycle_between_two_directories_is_an_error() {
    let dir = tmp("tf-cycle");
    write(
        &dir,
        "a/main.tf",
        "module \"b\" {\n  source = \"../b\"\n}\n",
    );
    write(
        &dir,
        "b/main.tf",
        "module \"a\" {\n  source = \"../a\"\n}\n",
    );
    write(&dir, "x/azuredeploy.json", broken_apim());
    let (code, out, _) = check(&dir, &[]);
    assert_eq!(code, 2, "{out}");
    let cycles: Vec<&str> = out.lines().filter(|l| l.contains("module cycle")).collect();
    assert_eq!(cycles.len(), 1, "{out}");
    assert!(
        cycles[0].contains("error[STV001]") && cycles[0].contains("main.tf:2:12"),
        "{out}"
    );
    assert!(out.contains("error[STV202]"), "{out}");
}

#[test]
fn a_terraform_chain_past_the_depth_limit_names_every_unchecked_instance() {
    let dir = tmp("tf-deep");
    write(
        &dir,
        "root/main.tf",
        "module \"m1\" {\n  source = \"../m1\"\n  count  = 2\n}\n",
    );
    for i in 1..40 {
        write(
            &dir,
            &format!("m{i}/main.tf"),
            format!(
                "module \"m{}\" {{\n  source = \"../m{}\"\n}}\n",
                i + 1,
                i + 1
            ),
        );
    }
    write(&dir, "m40/main.tf", "resource \"azurerm_resource_group\" \"r\" {\n  name = \"x\"\n  location = \"westeurope\"\n}\n");
    let (_, out, _) = check(&dir, &[]);
    let deep: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("nested more than"))
        .collect();
    // Both instances of the counted call reach the limit, and each is named.
    assert_eq!(deep.len(), 2, "{out}");
    assert!(
        deep.iter().all(|l| l.contains("info[STV002] module.m1[")),
        "{out}"
    );
    assert!(
        deep[0].contains("module.m1[0].module.m2.") && deep[1].contains("module.m1[1]."),
        "{out}"
    );
}

#[test]
fn utf16_and_bom_files_are_decoded_as_azure_and_terraform_read_them() {
    let dir = tmp("encodings");
    let example = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/broken-apim");
    for name in ["azuredeploy.json", "azuredeploy.parameters.json"] {
        let utf8 = std::fs::read_to_string(example.join(name)).unwrap();
        let mut le = vec![0xFF, 0xFE];
        let mut be = vec![0xFE, 0xFF];
        for u in utf8.encode_utf16() {
            le.extend(u.to_le_bytes());
            be.extend(u.to_be_bytes());
        }
        write(&dir, &format!("le/{name}"), &le);
        write(&dir, &format!("be/{name}"), &be);
        write(
            &dir,
            &format!("bom/{name}"),
            [&[0xEF, 0xBB, 0xBF][..], utf8.as_bytes()].concat(),
        );
    }
    write(
        &dir,
        "tf/main.tf",
        b"\xEF\xBB\xBFresource \"azurerm_resource_group\" \"r\" {\n  name     = \"x\"\n  location = \"westeurope\"\n}\n",
    );
    let (_, plain, _) = check(&example, &[]);
    let plain: Vec<&str> = plain.lines().collect();
    assert!(plain.len() > 5);
    for d in ["le", "be", "bom"] {
        // The same findings at the same places as the UTF-8 file.
        let (code, out, _) = check(&dir.join(d), &[]);
        assert_eq!(code, 1, "{d}: {out}");
        assert_eq!(out.lines().collect::<Vec<_>>(), plain, "{d}");
    }
    let (code, out, _) = check(&dir.join("tf"), &[]);
    assert_eq!(code, 0, "a .tf with a UTF-8 BOM is fine: {out}");
    // Terraform reads only UTF-8: a UTF-16 .tf is a parse error that says so.
    let mut tf16 = vec![0xFF, 0xFE];
    for u in "resource \"azurerm_resource_group\" \"r\" {}\n".encode_utf16() {
        tf16.extend(u.to_le_bytes());
    }
    write(&dir, "tf16/main.tf", &tf16);
    let (code, out, _) = check(&dir.join("tf16"), &[]);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("main.tf:1:1: error[STV001]") && out.contains("UTF-16"),
        "{out}"
    );
}

#[cfg(unix)]
#[test]
fn a_fifo_named_on_the_command_line_is_an_error_not_a_hang() {
    let dir = tmp("fifo-arg");
    let fifo = dir.join("main.bicep");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let (code, out, err) = run_in(&dir, &["check", "main.bicep"]);
    assert_eq!(code, 2, "{out}");
    assert!(err.contains("main.bicep: it is a FIFO"), "{err}");
}

#[cfg(unix)]
#[test]
fn an_unreadable_directory_makes_the_run_incomplete() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tmp("unreadable");
    write(&dir, "ok/azuredeploy.json", broken_apim());
    let locked = dir.join("locked");
    write(&dir, "locked/azuredeploy.json", broken_apim());
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let (code, out, err) = if std::fs::read_dir(&locked).is_err() {
        check(&dir, &[])
    } else {
        // Running as root, permission bits do not deny reading: run as `nobody` through
        // setpriv (a copy of the binary it can execute), or skip when that is not possible.
        let bin = dir.join("stv2lint-bin");
        std::fs::copy(env!("CARGO_BIN_EXE_stv2lint"), &bin).unwrap();
        for p in [&dir, &dir.join("ok"), &bin] {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        std::fs::set_permissions(
            dir.join("ok/azuredeploy.json"),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap();
        let out = Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&bin)
            .args(["check", ".", "--format", "compact"])
            .current_dir(&dir)
            .output();
        match out {
            Ok(o) if !String::from_utf8_lossy(&o.stderr).contains("setpriv:") => (
                o.status.code().unwrap_or(-1),
                String::from_utf8_lossy(&o.stdout).into_owned(),
                String::from_utf8_lossy(&o.stderr).into_owned(),
            ),
            _ => {
                std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
                eprintln!("skipped: running as root without setpriv, permission bits cannot deny");
                return;
            }
        }
    };
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("locked: Permission denied"), "{err}");
    assert!(out.contains("ok/azuredeploy.json"), "{out}");
}

#[test]
fn write_baseline_says_what_made_the_run_incomplete() {
    let dir = tmp("baseline-incomplete");
    write(&dir, "azuredeploy.json", broken_apim());
    let cut: String = broken_apim()
        .lines()
        .take(30)
        .collect::<Vec<_>>()
        .join("\n");
    write(&dir, "bad/azuredeploy.json", cut);
    let (code, _, err) = run_in(&dir, &["check", ".", "--write-baseline", "b.json"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("incomplete"), "{err}");
    assert!(
        err.contains("bad/azuredeploy.json:30:") && err.contains("STV001"),
        "{err}"
    );
}

#[test]
fn var_and_parameter_files_that_do_not_parse_are_errors_at_their_line() {
    let dir = tmp("bad-values");
    write(
        &dir,
        "tf/main.tf",
        "variable \"x\" {}\nresource \"azurerm_resource_group\" \"r\" {\n  name     = var.x\n  location = \"westeurope\"\n}\n",
    );
    write(&dir, "tf/terraform.tfvars", "# values\nx = hello world\n");
    write(&dir, "arm/azuredeploy.json", broken_apim());
    write(
        &dir,
        "arm/azuredeploy.parameters.json",
        "{\n  \"contentVersion\": \"1.0.0.0\",\n  \"parameters\": {\n    \"apimSubnetPrefix\": { \"value\": 10.20.1.0/29 }\n  }\n}\n",
    );
    let (code, out, _) = check(&dir, &[]);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("tf/terraform.tfvars:2:") && out.contains("error[STV001]"),
        "{out}"
    );
    assert!(out.contains("arm/azuredeploy.parameters.json:4:"), "{out}");
    // One unquoted word parses as a reference, which Terraform refuses in a variable file.
    let one = tmp("bad-values-one-word");
    write(
        &one,
        "main.tf",
        "variable \"x\" {}\nresource \"azurerm_resource_group\" \"r\" {\n  name     = var.x\n  location = \"westeurope\"\n}\n",
    );
    write(
        &one,
        "terraform.tfvars",
        "ok = \"quoted\"\nx  = Premium_1\ny  = [1, upper(\"a\")]\n",
    );
    let (code, out, _) = check(&one, &[]);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("terraform.tfvars:2:6: error[STV001]") && out.contains("\"Premium_1\""),
        "{out}"
    );
    assert!(
        out.contains("terraform.tfvars:3:") && out.contains("function calls"),
        "{out}"
    );
    assert!(!out.contains("terraform.tfvars:1:"), "{out}");
    // Named with --var-file, a bad file is reported the same way.
    let outside = tmp("bad-values-outside");
    let vf = write(&outside, "x.tfvars", "x = not quoted\n");
    let (code, out, _) = check(&dir.join("tf"), &["--var-file", vf.to_str().unwrap()]);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("x.tfvars:1:") && out.contains("STV001"),
        "{out}"
    );
}

#[cfg(unix)]
#[test]
fn a_fifo_as_configuration_or_baseline_is_an_error_not_a_hang() {
    let dir = tmp("fifo-options");
    write(&dir, "azuredeploy.json", broken_apim());
    assert!(Command::new("mkfifo")
        .arg(dir.join("c.yaml"))
        .status()
        .unwrap()
        .success());
    assert!(Command::new("mkfifo")
        .arg(dir.join("b.json"))
        .status()
        .unwrap()
        .success());
    let (code, _, err) = run_in(&dir, &["check", ".", "--config", "c.yaml"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("c.yaml") && err.contains("FIFO"), "{err}");
    let (code, _, err) = run_in(&dir, &["check", ".", "--baseline", "b.json"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("b.json") && err.contains("FIFO"), "{err}");
}

#[test]
fn a_configuration_with_a_bom_is_read() {
    let dir = tmp("config-bom");
    write(&dir, "azuredeploy.json", broken_apim());
    write(&dir, ".stv2lint.yaml", "\u{feff}fail-on: never\n");
    let (code, out, err) = check(&dir, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("STV202"), "{out}");
}

#[test]
fn a_binary_file_loaded_as_base64_is_not_a_parse_error() {
    let dir = tmp("base64");
    write(
        &dir,
        "certs/appgw.pfx",
        [0x30u8, 0x82, 0xFF, 0xFE, 0x00, 0xC3],
    );
    write(
        &dir,
        "main.bicep",
        "var cert = loadFileAsBase64('certs/appgw.pfx')\noutput c string = cert\n",
    );
    let (code, out, _) = check(&dir, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("STV001"), "{out}");
}

/// Random texts (multi-byte characters, CR, control characters, long lines) and random spans,
/// related places included, through every format: nothing panics and every case is printed.
#[test]
fn renderers_are_total_over_random_texts_and_spans() {
    use stv2lint::diagnostic::{Diagnostic, Severity};
    use stv2lint::source::{Lang, SourceFile, Span};
    let mut seed: u64 = 0x5eed_1234_abcd_ef01;
    let mut next = move |n: u64| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % n.max(1)
    };
    let pieces = [
        "a",
        "ç",
        "😀",
        "\n",
        "\r\n",
        "\u{1b}[2J",
        "\t",
        " ",
        "{",
        "\u{202e}",
        "\u{9b}",
    ];
    for round in 0..60 {
        let mut ws = stv2lint::model::Workspace::default();
        let mut files = Vec::new();
        for k in 0..2 {
            let mut text = String::new();
            for _ in 0..next(400) {
                let p = pieces[next(pieces.len() as u64) as usize];
                let times = if next(10) == 0 { 300 } else { 1 };
                text.push_str(&p.repeat(times));
            }
            let len = text.len() as u64;
            let name = format!("f{k}.txt");
            files.push((
                ws.sources.add(SourceFile::new(
                    name.clone().into(),
                    name,
                    text,
                    Lang::Other,
                )),
                len,
            ));
        }
        let mut diagnostics = Vec::new();
        for i in 0..8 {
            let span = |next: &mut dyn FnMut(u64) -> u64| {
                let (file, len) = files[next(2) as usize];
                let a = next(len + 20) as u32;
                let b = if next(4) == 0 {
                    a
                } else {
                    next(len + 20) as u32
                };
                Span {
                    file,
                    start: a,
                    end: b,
                }
            };
            let primary = span(&mut next);
            let rel = span(&mut next);
            diagnostics.push(
                Diagnostic::new(
                    Code::Stv202,
                    Severity::Warning,
                    format!("round {round} case {i}"),
                )
                .at(Some(primary))
                .resource("r\u{1b}")
                .related(Some(rel), "rel"),
            );
        }
        let o = stv2lint::Outcome {
            ws,
            diagnostics,
            files: 2,
            missing: Vec::new(),
            unreadable: Vec::new(),
            instances: Default::default(),
            streamed: false,
        };
        for (name, f) in FORMATS {
            let mut out = Vec::new();
            stv2lint::report::render(f, &o, &mut out).unwrap();
            let out = String::from_utf8(out).unwrap();
            assert!(!out.contains('\u{1b}'), "{name} round {round}");
            // miette rendered every snippet: no fallback one-liner.
            if name == "human" {
                assert!(
                    !out.contains("warning[STV202] round"),
                    "round {round}: {out}"
                );
            }
            for i in 0..8 {
                assert!(
                    out.contains(&format!("round {round} case {i}")),
                    "{name} round {round} case {i}"
                );
            }
        }
    }
}

/// A `.bicepparam` without `using` names no template: Bicep rejects it, so the run says so
/// (STV001, exit 2) instead of skipping it without a word; `using none` is a valid base file.
#[test]
fn a_parameter_file_without_using_is_a_load_error() {
    let dir = tmp("no-using");
    write(&dir.0, "prod.bicepparam", "param sku = 'Premium'\n");
    write(
        &dir.0,
        "base.bicepparam",
        "using none\nparam sku = 'Premium'\n",
    );
    let (code, out, _) = check(&dir.0, &[]);
    assert_eq!(code, 2, "{out}");
    let lines: Vec<&str> = out.lines().filter(|l| l.contains("STV001")).collect();
    assert_eq!(lines.len(), 1, "{out}");
    assert!(
        lines[0].starts_with("prod.bicepparam:1:1:") && lines[0].contains("no `using`"),
        "{out}"
    );
}

/// `check azuredeploy.json` names one template; the file it links to by `relativePath` is part
/// of that deployment and is read and checked through the link, as a Bicep entry's modules
/// are. Before, the run said "no API Management instance found" (exit 0) unless the linked
/// file's name said "apim".
#[test]
fn a_named_template_brings_the_local_files_it_links_to() {
    let dir = tmp("named-link");
    write(
        &dir.0,
        "azuredeploy.json",
        format!(
            r#"{ARM_HEAD}"resources":[{{"type":"Microsoft.Resources/deployments","apiVersion":"2022-09-01","name":"child",
  "properties":{{"mode":"Incremental","templateLink":{{"relativePath":"nested/gateway.json"}},
  "parameters":{{"tier":{{"value":"Basic"}}}}}}}}]}}"#
        ),
    );
    write(
        &dir.0,
        "nested/gateway.json",
        format!(
            r#"{ARM_HEAD}"parameters":{{"tier":{{"type":"string"}}}},"resources":[
{{"type":"Microsoft.ApiManagement/service","apiVersion":"2022-08-01","name":"gw","location":"westeurope",
  "sku":{{"name":"[parameters('tier')]","capacity":1}},
  "properties":{{"publisherEmail":"a@example.com","publisherName":"b","virtualNetworkType":"External"}}}}]}}"#
        ),
    );
    let (code, out, err) = run_in(
        &dir.0,
        &["check", "azuredeploy.json", "--format", "compact"],
    );
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("nested/gateway.json:") && l.contains("error[STV010]")),
        "{out}"
    );
}

/// Terraform roots drop their syntax trees once evaluated; a data source of a later root that
/// names a resource of an earlier one still finds it (the earlier root is read again from its
/// text). With one worker, roots are evaluated 16 at a time, so the network root here is long
/// gone when the API Management root, the last one, looks its subnet up.
#[test]
fn a_data_source_finds_a_resource_of_a_root_evaluated_long_before() {
    let dir = tmp("late-data-source");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/terraform/STV202/fail-components-network-and-apim");
    for (from, to) in [("network", "a-network"), ("apim", "z-apim")] {
        let text = std::fs::read_to_string(fixture.join(from).join("main.tf")).unwrap();
        write(&dir, &format!("{to}/main.tf"), text);
    }
    for i in 0..40 {
        write(
            &dir,
            &format!("m-filler-{i:02}/main.tf"),
            format!("resource \"azurerm_resource_group\" \"rg\" {{\n  name     = \"rg-{i}\"\n  location = \"westeurope\"\n}}\n"),
        );
    }
    for threads in ["1", "2"] {
        let (code, out, err) = check(&dir, &["--threads", threads]);
        assert_eq!(code, 1, "{out}{err}");
        assert!(
            out.lines()
                .any(|l| l.starts_with("a-network/main.tf:") && l.contains("error[STV202]")),
            "--threads {threads}: {out}"
        );
        assert!(!out.contains("STV002"), "--threads {threads}: {out}");
    }
}

/// A linked directory that leads out of the linted tree (to `/`, to `..`, to a sibling) is
/// not walked: the run neither hangs on the machine's files nor names or reads them, and says
/// which link it did not follow.
#[cfg(unix)]
#[test]
fn a_linked_directory_out_of_the_tree_is_not_walked() {
    let base = tmp("walk-links-out");
    write(
        &base,
        "outside/secret.tf",
        "variable \"TOPSECRET_NAME\" {\n  default = \"x\"\n}\n",
    );
    let dir = base.join("repo");
    write(&dir, "azuredeploy.json", broken_apim());
    std::os::unix::fs::symlink("/", dir.join("root")).unwrap();
    std::os::unix::fs::symlink("..", dir.join("up")).unwrap();
    std::os::unix::fs::symlink(base.join("outside"), dir.join("shared")).unwrap();
    let (code, out, err) = check(&dir, &[]);
    assert_eq!(code, 1, "{out}{err}");
    for link in ["root", "up", "shared"] {
        assert!(
            out.contains(&format!("directory '{link}' was not read")),
            "{link}: {out}"
        );
    }
    assert!(
        !out.contains("TOPSECRET") && !out.contains("secret.tf"),
        "{out}"
    );
    // `--root` widens the tree: the sibling is walked, and its file read.
    let outside = base.join("outside");
    let (_, out, err) = check(&dir, &["--root", &outside.to_string_lossy()]);
    assert!(
        !out.contains("directory 'shared' was not read"),
        "{out}{err}"
    );
}

/// A file the user names (`--var-file`, `--parameters`) that is a FIFO or a device is one the
/// run was asked to read and could not: STV001 and exit 2, never a note beside a pass.
#[cfg(unix)]
/// An ignore file is compiled whole into glob matchers: one of megabytes would take gigabytes,
/// a FIFO would block the walk and a link to `/dev/zero` would never end. A directory holding
/// one is not walked (and the run says so, incomplete); the walked path's own is not read.
#[test]
fn an_ignore_file_too_big_or_not_regular_is_not_read() {
    let dir = tmp("ignore-file-hostile");
    write(&dir, "big/sub/azuredeploy.json", broken_apim());
    write(&dir, "big/.gitignore", "*.tmp\n".repeat(60_000));
    write(&dir, "dev/azuredeploy.json", broken_apim());
    std::os::unix::fs::symlink("/dev/zero", dir.join("dev/.ignore")).unwrap();
    write(&dir, "fine/azuredeploy.json", broken_apim());
    write(&dir, "fine/.gitignore", "*.tmp\n");
    let (code, out, err) = check(&dir, &[]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.contains("directory 'big' was not walked: its ignore file 'big/.gitignore' is 352 KiB, more than the 256 KiB stv2lint reads"), "{out}");
    assert!(
        out.contains(
            "directory 'dev' was not walked: its ignore file 'dev/.ignore' is a device, not a regular file"
        ),
        "{out}"
    );
    assert!(
        out.contains("fine/azuredeploy.json") && !out.contains("big/sub/azuredeploy.json:"),
        "{out}"
    );

    // The walked path's own ignore file: the walk goes on without ignore files.
    let root = tmp("ignore-file-root");
    write(&root, "a/azuredeploy.json", broken_apim());
    write(&root, "skipped/azuredeploy.json", broken_apim());
    write(
        &root,
        ".gitignore",
        format!("skipped/\n{}", "#".repeat(300 * 1024)),
    );
    let (_, out, err) = check(&root, &[]);
    assert!(
        out.contains(
            "'.' was walked without ignore files: its ignore file '.gitignore' is 301 KiB"
        ),
        "{out}{err}"
    );
    assert!(out.contains("skipped/azuredeploy.json:"), "{out}");
}

/// A file larger than Bicep's load functions accept (131,072 characters for loadTextContent)
/// does not build: its value is unknown, and says why, instead of a fact read from it.
#[test]
fn a_bicep_load_past_its_documented_limit_is_unknown() {
    let dir = tmp("bicep-load-limit");
    write(&dir, "big.txt", "a".repeat(131_073));
    write(&dir, "small.txt", "a".repeat(131_072));
    let bicep = |file: &str| {
        format!(
            "var x = loadTextContent('{file}')\n\
             resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {{\n  name: 'vnet'\n  location: 'westeurope'\n  properties: {{\n    addressSpace: {{ addressPrefixes: ['10.0.0.0/16'] }}\n    subnets: [\n      {{\n        name: 'apim'\n        properties: {{\n          addressPrefix: length(x) > 5 ? '10.0.1.0/30' : '10.0.1.0/24'\n        }}\n      }}\n    ]\n  }}\n}}\n\
             resource apim 'Microsoft.ApiManagement/service@2024-05-01' = {{\n  name: 'apim'\n  location: 'westeurope'\n  sku: {{ name: 'Developer', capacity: 1 }}\n  properties: {{\n    publisherEmail: 'a@b.c'\n    publisherName: 'x'\n    virtualNetworkType: 'Internal'\n    virtualNetworkConfiguration: {{ subnetResourceId: vnet.properties.subnets[0].id }}\n  }}\n}}\n"
        )
    };
    write(&dir, "big/main.bicep", bicep("../big.txt"));
    write(&dir, "small/main.bicep", bicep("../small.txt"));
    let (_, out, err) = check(&dir, &[]);
    // Past the limit the size is undecided (a note), not a finding drawn from the text.
    assert!(
        out.lines()
            .any(|l| l.starts_with("big/main.bicep") && l.contains("info[STV002] STV103")),
        "{out}{err}"
    );
    assert!(
        !out.lines()
            .any(|l| l.starts_with("big/main.bicep") && l.contains("error[STV103]")),
        "{out}"
    );
    // At the limit the text is read: the /30 is too small (STV103), a fact, not a note.
    assert!(
        out.lines()
            .any(|l| l.starts_with("small/main.bicep") && l.contains("error[STV103]")),
        "{out}"
    );
}

/// A parameter file entry ARM refuses (no `value` or `reference`, a bare value, `parameters`
/// not an object) and a `.tfvars.json` that is not one object are errors where they are
/// written: dropped in silence, the template's or module's defaults were checked instead.
#[test]
fn malformed_parameter_and_variable_files_are_errors_not_defaults() {
    let dir = tmp("malformed-values");
    write(&dir, "arm/azuredeploy.json", broken_apim());
    let head = r#"{"$schema":"https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#","contentVersion":"1.0.0.0","parameters":"#;
    for (name, params) in [
        ("typo", r#"{"location":{"valu":"westeurope"}}"#),
        ("bare", r#"{"location":"westeurope"}"#),
        ("list", r#"[{"location":{"value":"westeurope"}}]"#),
    ] {
        let file = write(
            &dir,
            &format!("arm/{name}.parameters.json"),
            format!("{head}{params}}}"),
        );
        let (code, out, err) = run_in(
            &dir,
            &[
                "check",
                "--format",
                "compact",
                "--parameters",
                file.to_str().unwrap(),
                "arm/azuredeploy.json",
            ],
        );
        assert_eq!(code, 2, "{name}: {out}{err}");
        let want = if name == "list" {
            "error[STV001] \"parameters\" of the parameter file is not an object"
        } else {
            "error[STV001] parameter 'location' of the parameter file has neither \"value\" nor \"reference\""
        };
        assert!(
            out.contains(&format!("{name}.parameters.json:1:")) && out.contains(want),
            "{name}: {out}"
        );
    }
    write(
        &dir,
        "tf/main.tf",
        "variable \"sku\" {\n  default = \"Developer_1\"\n}\n",
    );
    write(&dir, "tf/terraform.tfvars.json", r#"[{"sku":"Basic_1"}]"#);
    let (code, out, _) = run_in(&dir.join("tf"), &["check", "--format", "compact", "."]);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains(
            "terraform.tfvars.json:1:1: error[STV001] a .tfvars.json file must be one JSON object"
        ),
        "{out}"
    );
}

/// Bicep may name an ARM JSON template as a module or in `using`; stv2lint does not evaluate it
/// from Bicep, and says so (a `.bicepparam` whose values are all dropped leaves the run
/// incomplete). A missing JSON target is a load error like a missing Bicep one, and a `using`
/// that names a parameter file (itself) is one too. Before, all of these passed in silence.
#[test]
fn bicep_naming_an_arm_template_or_a_parameter_file_is_said() {
    let dir = tmp("bicep-json-targets");
    write(&dir, "json/azuredeploy.json", broken_apim());
    write(&dir, "module/azuredeploy.json", broken_apim());
    write(
        &dir,
        "json/main.bicepparam",
        "using 'azuredeploy.json'\nparam location = 'westeurope'\n",
    );
    let (code, out, err) = run_in(
        &dir,
        &["check", "--format", "compact", "json/main.bicepparam"],
    );
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.contains("json/main.bicepparam:1:7: warning[STV002] using file 'azuredeploy.json' is an ARM JSON template"), "{out}");
    write(&dir, "missing/main.bicepparam", "using 'nope.json'\n");
    write(&dir, "self/main.bicepparam", "using 'main.bicepparam'\n");
    write(
        &dir,
        "module/main.bicep",
        "module m 'azuredeploy.json' = {\n  name: 'm'\n}\n",
    );
    let (code, out, _) = run_in(
        &dir,
        &[
            "check",
            "--format",
            "compact",
            "missing",
            "self",
            "module/main.bicep",
        ],
    );
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains(
            "missing/main.bicepparam:1:7: error[STV001] using file 'nope.json' does not exist"
        ),
        "{out}"
    );
    assert!(out.contains("self/main.bicepparam:1:7: error[STV001] using names 'main.bicepparam', a parameter file"), "{out}");
    assert!(out.contains("module/main.bicep:1:10: info[STV002] module file 'azuredeploy.json' is an ARM JSON template"), "{out}");
}

#[test]
fn a_named_input_that_is_no_regular_file_makes_the_run_incomplete() {
    let dir = tmp("named-fifo");
    write(&dir, "azuredeploy.json", broken_apim());
    // A Terraform root too, to read the var file.
    write(
        &dir,
        "main.tf",
        "resource \"azurerm_resource_group\" \"r\" {\n  name     = \"rg\"\n  location = \"westeurope\"\n}\n",
    );
    let fifo = dir.join("values.json");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    for flag in ["--parameters", "--var-file"] {
        let (code, out, err) = check(&dir, &[flag, "/dev/zero"]);
        assert_eq!(code, 2, "{flag} /dev/zero: {out}{err}");
        assert!(out.contains("error[STV001] cannot read the file"), "{out}");
    }
    let (code, out, err) = check(&dir, &["--parameters", &fifo.to_string_lossy()]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.contains("it is a FIFO, not a regular file"), "{out}");
}
