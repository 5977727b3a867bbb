//! Shared helpers of the integration tests for SARIF, GitHub annotations, configuration,
//! suppressions, baselines, hooks and the language server: run the real binary in a scratch
//! directory and look at what it prints.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_stv2lint")
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `tests/data/integrations/<name>`.
pub fn data(name: &str) -> PathBuf {
    repo().join("tests/data/integrations").join(name)
}

pub fn read_data(name: &str) -> String {
    std::fs::read_to_string(data(name)).expect("test data file")
}

/// `pip.json` with its resources renamed after `tag`: two copies in one run are two
/// deployments, not one resource declared twice (which the model merges).
pub fn pip_named(tag: &str) -> String {
    read_data("pip.json")
        .replace("nsg-apim", &format!("nsg-{tag}"))
        .replace("vnet-apim", &format!("vnet-{tag}"))
        .replace("pip-apim", &format!("pip-{tag}"))
        .replace("contoso-apim", &format!("apim-{tag}"))
}

/// A fresh, empty directory for one test (under Cargo's scratch directory for tests).
pub fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("integrations")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

pub fn write(dir: &Path, rel: &str, text: &str) -> PathBuf {
    let p = dir.join(rel);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("dir");
    }
    std::fs::write(&p, text).expect("write");
    p
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
    /// Codes of the diagnostics of a `--format json` run, in order.
    pub fn codes(&self) -> Vec<String> {
        self.json()["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .map(|d| d["code"].as_str().unwrap_or("").to_string())
            .collect()
    }
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Run `stv2lint ARGS` in `cwd`.
pub fn run(cwd: &Path, args: &[&str]) -> Run {
    let out: Output = Command::new(bin())
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .expect("run stv2lint");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// 1-based line of the first line containing `needle`.
pub fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("`{needle}` not found"))
        + 1
}
