//! The pre-commit hook, the GitHub Action and the README's snippets for them: parsed, checked
//! against each other, and run where they can be run here.

mod integrations;

use integrations::*;
use serde_yaml::Value as Yaml;
use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

fn yaml(path: &str) -> Yaml {
    let text = std::fs::read_to_string(repo().join(path)).unwrap();
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn s<'a>(v: &'a Yaml, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("`{key}` is not a string in {v:?}"))
}

/// A scratch repository with one template that has findings (`bad`) or none.
fn project(name: &str, bad: bool) -> std::path::PathBuf {
    let dir = scratch(name);
    let mut text = read_data("pip.json");
    if !bad {
        text = text.replace("\"Basic\"", "\"Standard\"").replace(
            "\"publicIPAllocationMethod\": \"Static\"",
            "\"publicIPAllocationMethod\": \"Static\", \"dnsSettings\": { \"domainNameLabel\": \"contoso-apim\" }",
        );
    }
    write(&dir, "infra/main.json", &text);
    dir
}

// ---------------------------------------------------------------------------------------------
// .pre-commit-hooks.yaml

#[test]
fn pre_commit_hook_definition() {
    let hooks = yaml(".pre-commit-hooks.yaml");
    let hooks = hooks.as_sequence().expect("a list of hooks");
    assert_eq!(hooks.len(), 2);
    // The prebuilt wheel first (no toolchain), then the build from source.
    assert_eq!(s(&hooks[0], "id"), "stv2lint");
    assert_eq!(s(&hooks[0], "language"), "python");
    assert_eq!(s(&hooks[1], "id"), "stv2lint-source");
    // A script that builds with Cargo.lock (`language: rust` cannot pass `--locked`), then
    // runs the same command; tests/integrations/source-hook.sh runs it through pre-commit.
    assert_eq!(s(&hooks[1], "language"), "script");
    let script = s(&hooks[1], "entry")
        .strip_suffix(&format!(
            " {}",
            s(&hooks[0], "entry").trim_start_matches("stv2lint ")
        ))
        .expect("the source hook runs the python hook's command");
    let text = std::fs::read_to_string(repo().join(script)).expect("the hook script exists");
    assert!(text.contains("cargo build --locked"), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(repo().join(script))
            .unwrap()
            .permissions()
            .mode();
        assert!(mode & 0o111 != 0, "{script} is not executable");
    }
    for h in hooks {
        assert_eq!(s(h, "files"), s(&hooks[0], "files"));
        assert_eq!(h["pass_filenames"].as_bool(), Some(false));
    }
    let h = &hooks[0];
    // pre-commit matches `files` with Python's `re.search`.
    let files = s(h, "files");
    let matched = re_search(
        files,
        &[
            "main.tf",
            "env/prod.tfvars",
            "a/b/main.bicep",
            "main.bicepparam",
            "azuredeploy.json",
            "x.tf.json",
            "README.md",
            "action.yml",
            "main.tf.bak",
            "notes.json5",
        ],
    );
    assert_eq!(
        matched,
        [true, true, true, true, true, true, false, false, false, false],
        "{files}"
    );
}

/// Which names `pattern` finds, searching as pre-commit's `re.search` does. Rust's `regex`
/// agrees with Python's `re` on the syntax a `files:` filter needs, and rejects the Python-only
/// constructs (look-around, backreferences), so a pattern that only Python understands fails here.
fn re_search(pattern: &str, names: &[&str]) -> Vec<bool> {
    let re = regex::Regex::new(pattern).unwrap_or_else(|e| panic!("`files: {pattern}`: {e}"));
    names.iter().map(|n| re.is_match(n)).collect()
}

/// What pre-commit runs: `entry` + `args`, in the repository root, with no file names.
#[test]
fn pre_commit_hook_runs_as_pre_commit_would() {
    let hooks = yaml(".pre-commit-hooks.yaml");
    let h = &hooks[0];
    let mut words: Vec<String> = s(h, "entry").split_whitespace().map(String::from).collect();
    if let Some(args) = h["args"].as_sequence() {
        words.extend(args.iter().map(|a| a.as_str().unwrap().to_string()));
    }
    assert_eq!(words[0], "stv2lint");
    for (bad, code) in [(true, 1), (false, 0)] {
        let dir = project(&format!("hook-{bad}"), bad);
        let out = Command::new(bin())
            .args(&words[1..])
            .current_dir(&dir)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(code), "{stdout}");
        assert_eq!(stdout.contains("STV301"), bad, "{stdout}");
    }
}

// ---------------------------------------------------------------------------------------------
// action.yml

/// `${{ … }}` expressions the action may use in `run` and `env`, and their values here.
fn expand(text: &str, vars: &HashMap<&str, String>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("${{") {
        out.push_str(&rest[..i]);
        let end = rest[i..].find("}}").expect("closed expression") + i;
        let expr = rest[i + 3..end].trim();
        let v = vars
            .get(expr)
            .unwrap_or_else(|| panic!("action.yml uses `{expr}`, which this test does not know"));
        out.push_str(v);
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

fn step<'a>(action: &'a Yaml, name: &str) -> &'a Yaml {
    action["runs"]["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|st| st["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("no step `{name}`"))
}

#[test]
fn action_definition_is_consistent() {
    let action = yaml("action.yml");
    assert_eq!(s(&action["runs"], "using"), "composite");
    let inputs = action["inputs"].as_mapping().unwrap();
    let text = std::fs::read_to_string(repo().join("action.yml")).unwrap();
    // Every input the action reads is declared, every declared input is read.
    for (k, _) in inputs {
        let k = k.as_str().unwrap();
        assert!(
            text.contains(&format!("inputs.{k} ")) || text.contains(&format!("inputs.{k}}}")),
            "input {k} is never used"
        );
    }
    let mut rest = text.as_str();
    while let Some(i) = rest.find("inputs.") {
        let name: String = rest[i + 7..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        assert!(
            inputs.contains_key(name.as_str()),
            "undeclared input {name}"
        );
        rest = &rest[i + 7..];
    }
    for st in action["runs"]["steps"].as_sequence().unwrap() {
        if st.get("run").is_some() {
            assert_eq!(s(st, "shell"), "bash", "composite run steps need a shell");
            // Inputs reach scripts through `env`, never spliced into the script text.
            assert!(!s(st, "run").contains("${{"), "{:?}", st["name"]);
        }
    }
    let upload = step(&action, "Upload SARIF");
    assert_eq!(s(upload, "uses"), "github/codeql-action/upload-sarif@v4");
    assert_eq!(s(&upload["with"], "sarif_file"), "${{ inputs.sarif-file }}");
    assert_eq!(
        s(&upload["with"], "category"),
        "${{ steps.lint.outputs.category }}"
    );
    let install = step(&action, "Build stv2lint from source");
    assert!(s(install, "run").starts_with("cargo install --locked"));
    assert_eq!(
        s(install, "if"),
        "${{ inputs.build-from-source == 'true' }}"
    );
    assert_eq!(
        s(&install["env"], "ACTION_PATH"),
        "${{ github.action_path }}"
    );
    let cache = step(&action, "Cache stv2lint");
    assert!(s(cache, "uses").starts_with("actions/cache@"));
    assert!(s(&cache["with"], "key").contains("steps.resolve.outputs.version"));
    assert!(s(&cache["with"], "key").contains("steps.resolve.outputs.target"));
}

/// The python package pre-commit installs pins the wheel of the same version, and both follow
/// Cargo.toml.
#[test]
fn python_packages_follow_cargo_version() {
    let version = env!("CARGO_PKG_VERSION");
    let shim = std::fs::read_to_string(repo().join("pyproject.toml")).unwrap();
    assert!(shim.contains(&format!("version = \"{version}\"")), "{shim}");
    assert!(shim.contains(&format!("\"stv2lint=={version}\"")), "{shim}");
    let wheel = std::fs::read_to_string(repo().join("python/pyproject.toml")).unwrap();
    assert!(wheel.contains("bindings = \"bin\""));
    assert!(wheel.contains("dynamic = [\"version\"]"));
    assert!(wheel.contains("manifest-path = \"../Cargo.toml\""));
}

fn resolve(version: &str, os: &str, arch: &str) -> (Option<i32>, String) {
    let action = yaml("action.yml");
    let dir = scratch(&format!("action-resolve-{os}-{arch}"));
    let output = dir.join("github-output");
    std::fs::write(&output, "").unwrap();
    let mut vars: HashMap<&str, String> = HashMap::new();
    vars.insert("inputs.version", version.into());
    vars.insert("github.action_ref", "main".into());
    vars.insert("github.action_repository", "stv2lint/stv2lint".into());
    let mut cmd = step_command(step(&action, "Resolve stv2lint"), &vars, &dir, &output);
    let out = cmd
        .env("RUNNER_OS", os)
        .env("RUNNER_ARCH", arch)
        .output()
        .unwrap();
    (out.status.code(), std::fs::read_to_string(&output).unwrap())
}

/// Every runner gets the asset the release workflow builds for it.
#[test]
fn action_resolves_the_release_asset_of_the_runner() {
    let release = std::fs::read_to_string(repo().join(".github/workflows/release.yml")).unwrap();
    for (os, arch, target, ext) in [
        ("Linux", "X64", "x86_64-unknown-linux-musl", "tar.gz"),
        ("Linux", "ARM64", "aarch64-unknown-linux-musl", "tar.gz"),
        ("macOS", "X64", "x86_64-apple-darwin", "tar.gz"),
        ("macOS", "ARM64", "aarch64-apple-darwin", "tar.gz"),
        ("Windows", "X64", "x86_64-pc-windows-msvc", "zip"),
    ] {
        let (code, out) = resolve("v0.1.0", os, arch);
        assert_eq!(code, Some(0), "{os} {arch}: {out}");
        assert!(out.contains("version=v0.1.0\n"), "{out}");
        assert!(out.contains(&format!("target={target}\n")), "{out}");
        assert!(
            out.contains(&format!("asset=stv2lint-{target}.{ext}\n")),
            "{out}"
        );
        assert!(
            release.contains(&format!("target: {target}")),
            "{target} is not built"
        );
    }
    let (code, _) = resolve("v0.1.0", "Linux", "S390X");
    assert_eq!(
        code,
        Some(1),
        "no binary for that runner: the step says so and fails"
    );
}

/// The Download step with `curl` replaced by a copy from a local "release": it installs the
/// binary when the checksum matches and fails when it does not.
#[test]
fn action_download_verifies_the_checksum() {
    let action = yaml("action.yml");
    for good in [true, false] {
        let dir = scratch(&format!("action-download-{good}"));
        let target = "x86_64-unknown-linux-musl";
        let asset = format!("stv2lint-{target}.tar.gz");
        let release = dir.join("release");
        let pkg = release.join(format!("stv2lint-{target}"));
        std::fs::create_dir_all(&pkg).unwrap();
        std::fs::copy(bin(), pkg.join("stv2lint")).unwrap();
        let sh = |script: &str| {
            let out = Command::new("bash")
                .arg("-ec")
                .arg(script)
                .current_dir(&release)
                .output()
                .unwrap();
            assert!(out.status.success(), "{out:?}");
        };
        sh(&format!(
            "tar -czf {asset} stv2lint-{target} && sha256sum {asset} > {asset}.sha256"
        ));
        if !good {
            // The asset changed after its checksum was published.
            sh(&format!(
                "echo tampered >> stv2lint-{target}/stv2lint && tar -czf {asset} stv2lint-{target}"
            ));
        }
        // `curl ... -o FILE URL`: copy the URL's last segment from the local release.
        let fake = dir.join("fakebin");
        std::fs::create_dir_all(&fake).unwrap();
        let curl = fake.join("curl");
        std::fs::write(
            &curl,
            format!(
                "#!/usr/bin/env bash\nwhile [ $# -gt 1 ]; do [ \"$1\" = -o ] && out=$2; shift; done\ncp \"{}/${{1##*/}}\" \"$out\"\n",
                release.display()
            ),
        )
        .unwrap();
        sh(&format!("chmod +x {}", curl.display()));
        let temp = dir.join("runner-temp");
        let output = dir.join("github-output");
        std::fs::write(&output, "").unwrap();
        let mut vars: HashMap<&str, String> = HashMap::new();
        vars.insert("steps.resolve.outputs.repo", "stv2lint/stv2lint".into());
        vars.insert("steps.resolve.outputs.version", "v0.1.0".into());
        vars.insert("steps.resolve.outputs.target", target.into());
        vars.insert("steps.resolve.outputs.asset", asset.clone());
        vars.insert("runner.temp", temp.to_string_lossy().into_owned());
        let path = format!("{}:{}", fake.display(), std::env::var("PATH").unwrap());
        let out = step_command(step(&action, "Download stv2lint"), &vars, &dir, &output)
            .env("PATH", path)
            .output()
            .unwrap();
        let installed = temp.join("stv2lint/bin/stv2lint");
        if good {
            assert_eq!(out.status.code(), Some(0), "{out:?}");
            let v = Command::new(&installed).arg("--version").output().unwrap();
            assert!(String::from_utf8_lossy(&v.stdout).contains(env!("CARGO_PKG_VERSION")));
        } else {
            assert_ne!(
                out.status.code(),
                Some(0),
                "a bad checksum must fail: {out:?}"
            );
            assert!(!installed.exists());
        }
    }
}

/// Run the action's Lint and Result steps with bash, as the runner would, with the binary
/// built for this test standing in for the installed one.
#[test]
fn action_lint_and_result_steps_run() {
    let action = yaml("action.yml");
    let inputs = action["inputs"].as_mapping().unwrap().clone();
    for (bad, fail, want_lint, want_result) in [
        (true, "true", "1", Some(1)),
        (true, "false", "1", Some(0)),
        (false, "true", "0", Some(0)),
    ] {
        let dir = project(&format!("action-{bad}-{fail}"), bad);
        let temp = dir.join("runner-temp");
        let bin_dir = temp.join("stv2lint/bin");
        std::fs::create_dir_all(&bin_dir).unwrap();
        std::fs::copy(bin(), bin_dir.join("stv2lint")).unwrap();
        let output = dir.join("github-output");
        std::fs::write(&output, "").unwrap();

        let mut vars: HashMap<&str, String> = HashMap::new();
        for (k, v) in &inputs {
            let k = k.as_str().unwrap();
            let default = v["default"].as_str().unwrap_or("").to_string();
            vars.insert(Box::leak(format!("inputs.{k}").into_boxed_str()), default);
        }
        vars.insert("inputs.paths", "infra".into());
        vars.insert("inputs.fail", fail.into());
        vars.insert("runner.temp", temp.to_string_lossy().into_owned());
        vars.insert("github.action_path", repo().to_string_lossy().into_owned());

        let lint = step(&action, "Lint");
        let out = run_step(lint, &vars, &dir, &output);
        assert_eq!(
            out.status.code(),
            Some(0),
            "the Lint step itself never fails"
        );
        let outputs = std::fs::read_to_string(&output).unwrap();
        assert!(
            outputs.contains(&format!("exit-code={want_lint}\n")),
            "{outputs}"
        );
        assert!(outputs.contains("sarif=true\n"), "{outputs}");
        // The default category follows the linted paths.
        assert!(outputs.contains("category=stv2lint/infra\n"), "{outputs}");
        let sarif: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("stv2lint.sarif")).unwrap())
                .unwrap();
        assert_eq!(sarif["version"], "2.1.0");
        assert_eq!(
            sarif["runs"][0]["automationDetails"]["id"],
            "stv2lint/infra/"
        );
        let annotations = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            annotations.contains("::error file=infra/main.json"),
            bad,
            "{annotations}"
        );

        vars.insert("steps.lint.outputs.exit-code", want_lint.to_string());
        let result = step(&action, "Result");
        let out = run_step(result, &vars, &dir, &output);
        assert_eq!(out.status.code(), want_result, "bad={bad} fail={fail}");
    }
}

fn run_step(
    st: &Yaml,
    vars: &HashMap<&str, String>,
    cwd: &Path,
    output: &Path,
) -> std::process::Output {
    step_command(st, vars, cwd, output).output().expect("bash")
}

fn step_command(st: &Yaml, vars: &HashMap<&str, String>, cwd: &Path, output: &Path) -> Command {
    let mut cmd = Command::new("bash");
    cmd.arg("-e").arg("-c").arg(expand(s(st, "run"), vars));
    cmd.current_dir(cwd).env("GITHUB_OUTPUT", output);
    if let Some(env) = st["env"].as_mapping() {
        for (k, v) in env {
            cmd.env(k.as_str().unwrap(), expand(v.as_str().unwrap(), vars));
        }
    }
    cmd
}

// ---------------------------------------------------------------------------------------------
// README snippets

/// The fenced code blocks of the README's section on CI, pre-commit and editors.
fn snippets() -> Vec<(String, String)> {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let start = readme
        .find("## Use it in CI, pre-commit and your editor")
        .expect("the README section");
    let section = &readme[start..];
    let end = section[3..].find("\n## ").map_or(section.len(), |i| i + 3);
    let section = &section[..end];
    let mut out = Vec::new();
    let mut lines = section.lines();
    while let Some(l) = lines.next() {
        if let Some(lang) = l.strip_prefix("```") {
            let body: Vec<&str> = lines
                .by_ref()
                .take_while(|l| !l.starts_with("```"))
                .collect();
            out.push((lang.to_string(), body.join("\n") + "\n"));
        }
    }
    out
}

fn snippet(lang: &str, containing: &str) -> String {
    snippets()
        .into_iter()
        .find(|(l, b)| l == lang && b.contains(containing))
        .unwrap_or_else(|| panic!("no {lang} snippet with `{containing}`"))
        .1
}

fn version_tag() -> String {
    format!("v{}", env!("CARGO_PKG_VERSION"))
}

#[test]
fn readme_pre_commit_snippet() {
    let cfg: Yaml = serde_yaml::from_str(&snippet("yaml", "repos:")).unwrap();
    let repo_entry = &cfg["repos"][0];
    assert_eq!(s(repo_entry, "repo"), env!("CARGO_PKG_REPOSITORY"));
    assert_eq!(s(repo_entry, "rev"), version_tag());
    let ids: Vec<String> = yaml(".pre-commit-hooks.yaml")
        .as_sequence()
        .unwrap()
        .iter()
        .map(|h| s(h, "id").to_string())
        .collect();
    for h in repo_entry["hooks"].as_sequence().unwrap() {
        assert!(ids.contains(&s(h, "id").to_string()));
    }
}

#[test]
fn readme_workflow_with_the_action() {
    let wf: Yaml = serde_yaml::from_str(&snippet("yaml", "stv2lint/stv2lint@")).unwrap();
    assert_eq!(s(&wf["permissions"], "security-events"), "write");
    let steps = wf["jobs"]["stv2lint"]["steps"].as_sequence().unwrap();
    assert!(s(&steps[0], "uses").starts_with("actions/checkout@"));
    let uses = s(&steps[1], "uses");
    let owner_repo = env!("CARGO_PKG_REPOSITORY").trim_start_matches("https://github.com/");
    assert_eq!(uses, format!("{owner_repo}@{}", version_tag()));
    let inputs = yaml("action.yml")["inputs"].as_mapping().unwrap().clone();
    for (k, _) in steps[1]["with"].as_mapping().unwrap() {
        assert!(inputs.contains_key(k), "the action has no input {k:?}");
    }
    // The args given in the snippet are valid options.
    let dir = project("readme-action-args", true);
    let args = s(&steps[1]["with"], "args");
    let mut argv = vec!["check", "infra"];
    argv.extend(args.split_whitespace());
    let r = run(&dir, &argv);
    assert_eq!(r.code, 1, "{r:?}");
}

#[test]
fn readme_workflow_without_the_action() {
    let steps: Yaml = serde_yaml::from_str(&snippet("yaml", "cargo install")).unwrap();
    let steps = steps.as_sequence().unwrap();
    let install = s(&steps[0], "run");
    assert!(install.contains(&format!("--git {}", env!("CARGO_PKG_REPOSITORY"))));
    assert!(install.contains(&format!("--tag {}", version_tag())));
    assert!(install.ends_with(&format!(" {}", env!("CARGO_PKG_NAME"))));
    let action = yaml("action.yml");
    let upload_version = s(step(&action, "Upload SARIF"), "uses").to_string();
    let dir = project("readme-no-action", true);
    let mut ran = 0;
    for st in steps {
        if let Some(u) = st["uses"].as_str() {
            assert_eq!(u, upload_version);
            let file = s(&st["with"], "sarif_file");
            let sarif: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(dir.join(file)).unwrap()).unwrap();
            assert_eq!(
                sarif["runs"][0]["results"][0]["ruleId"]
                    .as_str()
                    .map(|r| &r[..3]),
                Some("STV")
            );
        }
        let Some(script) = st["run"].as_str() else {
            continue;
        };
        let Some(rest) = script.strip_prefix("stv2lint ") else {
            continue;
        };
        let out = Command::new("bash")
            .arg("-c")
            .arg(format!("'{}' {rest}", bin()))
            .current_dir(&dir)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{script}: findings, not an error"
        );
        ran += 1;
    }
    assert_eq!(ran, 2);
}

#[test]
fn readme_configuration_is_valid_and_shows_every_key() {
    let text = snippet("yaml", "fail-on:");
    let dir = scratch("readme-config");
    let path = write(&dir, ".stv2lint.yaml", &text);
    let cfg = stv2lint::config::load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert!(cfg.fail_on.is_some() && cfg.select.is_some() && cfg.ignore.is_some());
    assert!(!cfg.severity.is_empty() && !cfg.exclude.is_empty() && cfg.migration.is_some());
    assert!(!cfg.parameters.is_empty() && !cfg.var_files.is_empty() && !cfg.vars.is_empty());
    // And the run accepts it.
    write(&dir, "infra/main.json", &read_data("pip.json"));
    let r = run(&dir, &["check", "infra"]);
    assert_ne!(r.code, 2, "{r:?}");
}

#[test]
fn readme_baseline_commands() {
    let dir = project("readme-baseline", true);
    let script = snippet("sh", "--write-baseline");
    let commands: Vec<&str> = script
        .lines()
        .filter(|l| l.starts_with("stv2lint "))
        .collect();
    assert_eq!(commands.len(), 2);
    let mut codes = Vec::new();
    for c in commands {
        let args: Vec<&str> = c.split_whitespace().skip(1).collect();
        codes.push(run(&dir, &args).code);
    }
    // Recording succeeds; the next run hides what was recorded.
    assert_eq!(codes, [0, 0]);
}

#[test]
fn readme_suppression_examples_are_well_formed() {
    let json = snippet("json", "stv2lint-ignore");
    let v: serde_json::Value = serde_json::from_str(&format!("{{{json}}}")).unwrap();
    assert!(v["metadata"]["stv2lint-ignore"]["STV303"].is_string());
    for lang in ["hcl", "bicep"] {
        let text = snippet(lang, "stv2lint-ignore");
        let first = text.lines().next().unwrap();
        assert!(
            first.starts_with("# stv2lint-ignore: STV")
                || first.starts_with("// stv2lint-ignore: STV"),
            "{first}"
        );
    }
}

#[test]
fn readme_editor_set_up() {
    let lua = snippet("lua", "vim.lsp");
    assert!(lua.contains("cmd = { 'stv2lint', 'lsp' }"));
    let pkg: serde_json::Value =
        serde_json::from_str(&snippet("json", "vscode-languageclient")).unwrap();
    assert_eq!(pkg["main"], "./extension.js");
    let js = snippet("js", "LanguageClient");
    assert!(js.contains("{ command: 'stv2lint', args: ['lsp'] }"));
    for ext in ["tf", "tfvars", "bicep", "bicepparam", "json"] {
        assert!(js.contains(ext), "{ext}");
    }
    // Syntax check with Node.js where it is installed.
    if let Ok(out) = Command::new("node").arg("--version").output() {
        if out.status.success() {
            let dir = scratch("readme-vscode");
            let file = write(&dir, "extension.js", &js);
            let out = Command::new("node")
                .arg("--check")
                .arg(&file)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}
