//! `.stv2lint.yaml`: the project's settings, found upward from the first path (or `--config`).
//!
//! Every key is checked while parsing, so a typo or a bad value is reported with the file, the
//! line and the key (serde_yaml attaches the position), and the run stops with exit code 2
//! instead of silently linting with settings the user did not mean. Paths in the file are
//! relative to the file's directory, not to wherever the command happens to run.

use crate::diagnostic::Severity;
use globset::{GlobBuilder, GlobMatcher};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::fmt;
use std::path::{Component, Path, PathBuf};

/// The file name looked for in the first path's directory and every directory above it.
pub const FILE_NAME: &str = ".stv2lint.yaml";

/// A loaded configuration, paths already resolved against the file's directory.
#[derive(Clone, Debug, Default)]
pub struct Config {
    pub path: PathBuf,
    /// `fail-on`: the lowest severity that fails the run; `Some(None)` for `never`.
    pub fail_on: Option<Option<Severity>>,
    pub select: Option<Vec<String>>,
    pub ignore: Option<Vec<String>>,
    /// Per code: a severity, or `None` for `off`.
    pub severity: Vec<(crate::code::Code, Option<Severity>)>,
    pub exclude: Vec<Exclude>,
    pub migration: Option<bool>,
    /// Template → parameter file.
    pub parameters: Vec<(PathBuf, PathBuf)>,
    pub var_files: Vec<PathBuf>,
    pub vars: Vec<(String, String)>,
}

/// `.stv2lint.yaml` in `start` (or its directory, for a file) or the nearest directory above.
pub fn find(start: &Path) -> Option<PathBuf> {
    let abs = crate::source::canonical(start);
    let mut dir = if abs.is_dir() {
        Some(abs.as_path())
    } else {
        abs.parent()
    };
    while let Some(d) = dir {
        let candidate = d.join(FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        dir = d.parent();
    }
    None
}

/// The configuration for a run: the explicit file, else the one found upward from the first
/// path, else none. An explicit file that does not exist is an error.
pub fn for_run(explicit: Option<&Path>, first_path: &Path) -> Result<Option<Config>, String> {
    match explicit {
        Some(p) => load(p).map(Some),
        None => match find(first_path) {
            Some(p) => load(&p).map(Some),
            None => Ok(None),
        },
    }
}

/// A `.stv2lint.yaml` below the run's own: its settings for the files under its directory.
#[derive(Clone, Debug)]
pub struct Scope {
    /// The configuration file's directory, canonical.
    pub dir: PathBuf,
    pub config: Config,
}

/// Every `.stv2lint.yaml` under `paths` other than `run_config` (the run's own, found upward or
/// named with `--config`), each as the [`Scope`] of the files under its directory. Walked as
/// discovery walks (.gitignore, skipped directories). This is what makes a nested file count the
/// same in every entry point: the CLI (so the pre-commit hook and the Action) and the language
/// server call it with the run's paths and put the result in `CheckOptions::scopes`.
pub fn scopes(paths: &[PathBuf], run_config: Option<&Path>) -> Result<Vec<Scope>, String> {
    scopes_in(&crate::discover::Walked::new(paths), run_config)
}

/// [`scopes`] of paths walked already: the command line walks once, for the nested
/// configurations and then for discovery ([`crate::check_walked`]).
pub fn scopes_in(
    walked: &crate::discover::Walked,
    run_config: Option<&Path>,
) -> Result<Vec<Scope>, String> {
    let own = run_config.map(crate::source::canonical);
    let mut out: Vec<Scope> = Vec::new();
    for entry in walked.files_in_dirs() {
        if entry.file_name() != FILE_NAME {
            continue;
        }
        let path = crate::source::canonical(entry.path());
        if own.as_ref() == Some(&path) || out.iter().any(|s| s.config.path == path) {
            continue;
        }
        let mut config = load(entry.path())?;
        config.path = path.clone();
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        out.push(Scope { dir, config });
    }
    Ok(out)
}

/// The nearest scope of a file (its deepest directory), if any.
pub fn scope_of<'a>(scopes: &'a [Scope], file: &Path) -> Option<&'a Scope> {
    if scopes.is_empty() {
        return None;
    }
    let file = crate::source::canonical(file);
    scopes
        .iter()
        .filter(|s| file.starts_with(&s.dir))
        .max_by_key(|s| s.dir.components().count())
}

/// Read and check one configuration file.
pub fn load(path: &Path) -> Result<Config, String> {
    let text = crate::source::read_text(path)
        .map_err(|e| format!("{}: cannot read the configuration: {e}", path.display()))?;
    parse(&text, path)
}

/// Parse configuration text; `path` names the file in errors and anchors relative paths.
pub fn parse(text: &str, path: &Path) -> Result<Config, String> {
    let shown = crate::source::display_path(path);
    crate::frontend::kernel::yaml::check_nesting(text)
        .map_err(|(line, why)| format!("{shown}:{line}:1: {why}"))?;
    let raw: Option<Raw> = serde_yaml::from_str(text).map_err(|e| {
        let msg = e.to_string();
        // serde_yaml appends " at line L column C"; we put the position first, as compilers do.
        let msg = match msg.rfind(" at line ") {
            Some(i) => msg[..i].to_string(),
            None => msg,
        }
        .replace("unknown field", "unknown key");
        match e.location() {
            Some(l) => format!("{shown}:{}:{}: {msg}", l.line(), l.column()),
            None => format!("{shown}: {msg}"),
        }
    })?;
    let raw = raw.unwrap_or_default();
    let dir = crate::source::canonical(path)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let resolve = |p: &str| dir.join(p);
    let mut cfg = Config {
        path: path.to_path_buf(),
        fail_on: raw.fail_on.map(|f| f.0),
        select: raw.select.map(|c| c.0),
        ignore: raw.ignore.map(|c| c.0),
        migration: raw.migration,
        ..Config::default()
    };
    for (code, level) in raw.severity.unwrap_or_default().0 {
        cfg.severity.push((code.0, level.0));
    }
    for g in raw.exclude.unwrap_or_default() {
        cfg.exclude.push(Exclude {
            base: dir.clone(),
            ..g.0
        });
    }
    for (template, params) in raw.parameters.unwrap_or_default().0 {
        cfg.parameters.push((resolve(&template), resolve(&params)));
    }
    if let Some(tf) = raw.terraform {
        cfg.var_files = tf
            .var_files
            .unwrap_or_default()
            .iter()
            .map(|f| resolve(f))
            .collect();
        cfg.vars = tf
            .vars
            .unwrap_or_default()
            .0
            .into_iter()
            .map(|(k, v)| (k, v.0))
            .collect();
    }
    Ok(cfg)
}

// ---------------------------------------------------------------------------------------------
// The file's shape. Each leaf type checks its own value, so errors carry serde_yaml's position.

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Raw {
    fail_on: Option<FailOnValue>,
    select: Option<Prefixes>,
    ignore: Option<Prefixes>,
    severity: Option<Pairs<Code, Level>>,
    exclude: Option<Vec<GlobValue>>,
    migration: Option<bool>,
    parameters: Option<Pairs<String, String>>,
    terraform: Option<Terraform>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Terraform {
    var_files: Option<Vec<String>>,
    vars: Option<Pairs<String, VarValue>>,
}

struct FailOnValue(Option<Severity>);

impl<'de> Deserialize<'de> for FailOnValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        from_str(d, "error, warning, info or never", |s| {
            match s.to_ascii_lowercase().as_str() {
                "error" => Ok(Some(Severity::Error)),
                "warning" => Ok(Some(Severity::Warning)),
                "info" => Ok(Some(Severity::Info)),
                "never" => Ok(None),
                _ => Err(format!("`{s}` is not one of error, warning, info, never")),
            }
        })
        .map(FailOnValue)
    }
}

/// Deserialize a string through `check` inside a visitor, so that serde_yaml reports the error
/// at the value's own line and with its key path.
fn from_str<'de, D: Deserializer<'de>, T>(
    d: D,
    expecting: &'static str,
    check: impl Fn(&str) -> Result<T, String>,
) -> Result<T, D::Error> {
    struct V<F>(F, &'static str);
    impl<T, F: Fn(&str) -> Result<T, String>> Visitor<'_> for V<F> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str(self.1)
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<T, E> {
            (self.0)(s).map_err(E::custom)
        }
    }
    d.deserialize_str(V(check, expecting))
}

/// Code prefixes: a list, or one comma-separated string (as on the command line).
struct Prefixes(Vec<String>);

impl<'de> Deserialize<'de> for Prefixes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Vec<String>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of rule codes or code prefixes (STV2, STV501)")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
                s.split(',')
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(|c| check_prefix(c).map_err(E::custom))
                    .collect()
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(Prefix(c)) = seq.next_element()? {
                    out.push(c);
                }
                Ok(out)
            }
        }
        d.deserialize_any(V).map(Prefixes)
    }
}

struct Prefix(String);

impl<'de> Deserialize<'de> for Prefix {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        from_str(d, "a rule code or prefix", |s| check_prefix(s.trim())).map(Prefix)
    }
}

/// A prefix must select at least one rule; `STV9` selecting nothing is a typo, not a choice.
pub fn check_prefix(p: &str) -> Result<String, String> {
    let up = p.to_ascii_uppercase();
    if !up.is_empty()
        && crate::rules::RULES
            .iter()
            .any(|r| r.code.as_str().starts_with(&up))
    {
        Ok(up)
    } else {
        Err(format!("`{p}` is not a rule code or the prefix of one"))
    }
}

/// A full rule code (severity keys name one rule each).
struct Code(crate::code::Code);

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        from_str(d, "a rule code", |s| match crate::rules::find(s.trim()) {
            Some(r) => Ok(Code(r.code)),
            None => Err(format!(
                "`{s}` is not a rule code (`stv2lint rules` lists them)"
            )),
        })
    }
}

/// `error`, `warning`, `info` or `off` (`false` too, for YAML 1.1 habits).
struct Level(Option<Severity>);

impl<'de> Deserialize<'de> for Level {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Option<Severity>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("error, warning, info or off")
            }
            fn visit_bool<E: de::Error>(self, b: bool) -> Result<Self::Value, E> {
                if b {
                    Err(E::custom(
                        "expected error, warning, info or off, found `true`",
                    ))
                } else {
                    Ok(None)
                }
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
                match s.to_ascii_lowercase().as_str() {
                    "error" => Ok(Some(Severity::Error)),
                    "warning" => Ok(Some(Severity::Warning)),
                    "info" => Ok(Some(Severity::Info)),
                    "off" => Ok(None),
                    _ => Err(E::custom(format!(
                        "`{s}` is not one of error, warning, info, off"
                    ))),
                }
            }
        }
        d.deserialize_any(V).map(Level)
    }
}

/// A glob checked while parsing; its base directory is filled in afterwards.
struct GlobValue(Exclude);

impl<'de> Deserialize<'de> for GlobValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        from_str(d, "a glob", |s| Exclude::new(PathBuf::new(), s)).map(GlobValue)
    }
}

/// A Terraform variable value: strings as written, anything else as JSON (which is valid HCL,
/// as `-var 'x=["a","b"]'` would be written).
struct VarValue(String);

impl<'de> Deserialize<'de> for VarValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_yaml::Value::deserialize(d)?;
        let s = match &v {
            serde_yaml::Value::String(s) => s.clone(),
            other => serde_json::to_string(other).map_err(|e| {
                de::Error::custom(format!("terraform.vars: cannot use this value: {e}"))
            })?,
        };
        Ok(VarValue(s))
    }
}

/// A mapping kept as ordered pairs, so settings apply in the file's order.
struct Pairs<K, V2>(Vec<(K, V2)>);

impl<K, V2> Default for Pairs<K, V2> {
    fn default() -> Self {
        Pairs(Vec::new())
    }
}

impl<'de, K: Deserialize<'de>, V2: Deserialize<'de>> Deserialize<'de> for Pairs<K, V2> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct MapVisitor<K, V2>(std::marker::PhantomData<(K, V2)>);
        impl<'de, K: Deserialize<'de>, V2: Deserialize<'de>> Visitor<'de> for MapVisitor<K, V2> {
            type Value = Vec<(K, V2)>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(kv) = map.next_entry()? {
                    out.push(kv);
                }
                Ok(out)
            }
        }
        d.deserialize_map(MapVisitor(std::marker::PhantomData))
            .map(Pairs)
    }
}

// ---------------------------------------------------------------------------------------------

/// One `exclude` glob, relative to a base directory (the configuration file's, or the working
/// directory for `--exclude`).
///
/// As in ruff: a pattern without `/` matches any path component (`legacy` leaves out every
/// directory named `legacy`, `*.generated.json` every such file); a pattern with `/` matches the
/// path relative to the base, or a directory on it (`infra/old` leaves out what is under it).
#[derive(Clone, Debug)]
pub struct Exclude {
    base: PathBuf,
    pattern: String,
    anchored: bool,
    matcher: GlobMatcher,
}

impl Exclude {
    pub fn new(base: PathBuf, pattern: &str) -> Result<Exclude, String> {
        let mut p = pattern.trim();
        if p.is_empty() {
            return Err("an empty pattern would match nothing".to_string());
        }
        while let Some(rest) = p.strip_prefix("./") {
            p = rest;
        }
        let anchored = p.starts_with('/') || p.trim_end_matches('/').contains('/');
        let p = p.trim_start_matches('/').trim_end_matches('/');
        let glob = GlobBuilder::new(p)
            .literal_separator(true)
            .build()
            .map_err(|e| format!("`{pattern}` is not a valid glob: {}", e.kind()))?;
        Ok(Exclude {
            base: if base.as_os_str().is_empty() {
                base
            } else {
                crate::source::canonical(&base)
            },
            pattern: pattern.to_string(),
            anchored,
            matcher: glob.compile_matcher(),
        })
    }

    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// Whether `path` (a file found by discovery) is left out.
    pub fn matches(&self, path: &Path) -> bool {
        let abs = crate::source::canonical(path);
        let Ok(rel) = abs.strip_prefix(&self.base) else {
            return false;
        };
        let parts: Vec<&std::ffi::OsStr> = rel
            .components()
            .filter_map(|c| match c {
                Component::Normal(s) => Some(s),
                _ => None,
            })
            .collect();
        if self.anchored {
            let mut prefix = PathBuf::new();
            parts.iter().any(|part| {
                prefix.push(part);
                self.matcher.is_match(&prefix)
            })
        } else {
            parts
                .iter()
                .any(|part| self.matcher.is_match(Path::new(part)))
        }
    }
}
