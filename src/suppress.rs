//! Inline suppressions (`stv2lint-ignore: CODE reason`) and resource `metadata` suppressions.
//!
//! Forms:
//! - a comment `stv2lint-ignore: CODE[,CODE] reason` (`#`, `//` or `/* */` in HCL; `//` or
//!   `/* */` in Bicep and ARM JSON). On a line of its own it covers the resource or block that
//!   starts on the next line (the whole declaration, found in the model, not in the syntax), or
//!   that line when no declaration starts there; after code it covers its own line the same way.
//!   Consecutive comment lines stack: each covers the first line after them that is not a comment.
//! - a comment `stv2lint-ignore-file: CODE[,CODE] reason` covers the whole file.
//! - an ARM resource `"metadata": { "stv2lint-ignore": { "CODE": "reason" } }` covers the resource.
//!
//! The comments are those each front end's own lexer finds ([`crate::frontend::comments`]), so
//! a `#` or `//` inside a string or heredoc is never a suppression; in a file that does not
//! parse, only the comments before the error count.
//!
//! A suppression of a code also covers the STV002 notes of that code's checks at the same place
//! (a suppressed check need not report that it could not be decided either).
//!
//! Invalid suppressions (unknown code, no reason, malformed) give STV003 and suppress nothing (a
//! suppression is a decision a reviewer must be able to read); a code that suppresses nothing
//! gives STV004 — unless that code's rule did not run (`--select`/`--ignore`), because
//! then nothing could have been suppressed.

use crate::code::Code;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Workspace;
use crate::source::{Comment, FileId, SourceFile, Span};
use std::collections::{HashMap, HashSet};

const DIRECTIVE: &str = "stv2lint-ignore";

/// Mark diagnostics covered by a suppression (`Diagnostic::suppressed`), and add STV003/STV004
/// for invalid and unused suppressions. Every code counts as having run.
pub fn apply(ws: &Workspace, diags: &mut Vec<Diagnostic>) {
    apply_with(ws, diags, &|_| true);
}

/// Like [`apply`]; `ran(code)` tells whether that code's rule ran, so that a suppression of a
/// rule left out of the run is not reported as unused.
/// Whether any file of the run holds an inline suppression (a streamed run, whose model is gone
/// by the time suppressions apply, is then checked whole).
pub fn mentioned(ws: &Workspace) -> bool {
    (0..ws.sources.len()).any(|i| {
        ws.sources
            .get(crate::source::FileId(i as u32))
            .text
            .contains(DIRECTIVE)
    })
}

pub fn apply_with(ws: &Workspace, diags: &mut Vec<Diagnostic>, ran: &dyn Fn(Code) -> bool) {
    let mut sups = Vec::new();
    let mut problems = Vec::new();
    collect_comments(ws, &mut sups, &mut problems);
    collect_metadata(ws, &mut sups, &mut problems);
    if sups.is_empty() {
        diags.extend(problems);
        return;
    }

    for d in diags.iter_mut() {
        if d.suppressed.is_some() {
            continue;
        }
        let Some(span) = d.span else { continue };
        let line = ws.sources.get(span.file).line_col(span.start).0;
        for s in sups.iter_mut() {
            if s.file != span.file || !s.scope.covers(span.start, line) {
                continue;
            }
            for c in s.codes.iter_mut() {
                if c.code.is_some_and(|code| covers_code(code, d)) {
                    c.used = true;
                    if d.suppressed.is_none() {
                        d.suppressed = Some(s.reason.clone());
                    }
                }
            }
        }
    }

    for s in &sups {
        for c in &s.codes {
            let Some(code) = c.code else { continue };
            if c.used || !ran(code) {
                continue;
            }
            problems.push(
                Diagnostic::new(
                    Code::Stv004,
                    Severity::Warning,
                    format!("this suppression of {code} suppresses nothing"),
                )
                .at(Some(s.at))
                .help(format!(
                    "Remove {code} from the suppression (or the whole comment): no {code} finding is reported where it applies. A comment applies to the declaration that starts on the next line."
                ))
                .identity(format!("suppression|{code}|{}", s.reason)),
            );
        }
    }
    diags.extend(problems);
}

/// A suppression of `code` covers `code` itself and the STV002 notes of `code`'s checks.
fn covers_code(code: Code, d: &Diagnostic) -> bool {
    d.code == code || (d.code == Code::Stv002 && d.for_rule == Some(code))
}

/// One suppression: where it is written, what it covers, which codes, why.
struct Suppression {
    file: FileId,
    /// The comment or metadata entry, for STV004.
    at: Span,
    scope: Scope,
    codes: Vec<SupCode>,
    reason: String,
}

struct SupCode {
    /// The rule's code; `None` when the suppression is invalid (an unknown code, no reason),
    /// which is reported as STV003 and suppresses nothing.
    code: Option<Code>,
    used: bool,
}

enum Scope {
    File,
    /// Byte ranges of declarations, and a line whose own diagnostics are covered.
    Decls {
        ranges: Vec<(u32, u32)>,
        line: usize,
    },
}

impl Scope {
    fn covers(&self, offset: u32, line: usize) -> bool {
        match self {
            Scope::File => true,
            Scope::Decls { ranges, line: l } => {
                *l == line
                    || ranges
                        .iter()
                        .any(|&(s, e)| s <= offset && offset < e.max(s + 1))
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Declarations from the model.

/// Every declaration span of the workspace, per file, keyed by the 1-based line it starts on.
fn declarations(ws: &Workspace) -> HashMap<FileId, HashMap<usize, Vec<(u32, u32)>>> {
    let mut out: HashMap<FileId, HashMap<usize, Vec<(u32, u32)>>> = HashMap::new();
    let mut add = |span: Span| {
        let line = ws.sources.get(span.file).line_col(span.start).0;
        out.entry(span.file)
            .or_default()
            .entry(line)
            .or_default()
            .push((span.start, span.end));
    };
    for m in ws.checked_metas() {
        add(m.decl);
    }
    // The parts a person can annotate on their own line.
    let parts = ws
        .apims
        .iter()
        .flat_map(|a| a.locations.iter().map(|l| l.decl));
    let parts = parts.chain(ws.nsgs.iter().flat_map(|n| n.rules.iter().map(|r| r.decl)));
    let parts = parts.chain(
        ws.route_tables
            .iter()
            .flat_map(|t| t.routes.iter().map(|r| r.decl)),
    );
    parts.for_each(&mut add);
    out
}

// ---------------------------------------------------------------------------------------------
// Collection.

fn collect_metadata(ws: &Workspace, sups: &mut Vec<Suppression>, problems: &mut Vec<Diagnostic>) {
    for m in ws.checked_metas() {
        for (code, reason, at) in &m.suppress {
            let mut known = crate::rules::find(code.trim()).map(|r| r.code);
            match known {
                None => problems.push(unknown_code(code, *at)),
                Some(c) if reason.trim().is_empty() => {
                    problems.push(no_reason(c, *at));
                    known = None;
                }
                _ => {}
            }
            sups.push(Suppression {
                file: m.decl.file,
                at: *at,
                scope: Scope::Decls {
                    ranges: vec![(m.decl.start, m.decl.end)],
                    line: 0,
                },
                codes: vec![SupCode {
                    code: known,
                    used: false,
                }],
                reason: reason.trim().to_string(),
            });
        }
    }
}

fn collect_comments(ws: &Workspace, sups: &mut Vec<Suppression>, problems: &mut Vec<Diagnostic>) {
    let mut decls = None;
    for (id, f) in ws.sources.iter() {
        if !f.text.contains(DIRECTIVE) {
            continue;
        }
        let comments = crate::frontend::comments(f);
        let comment_lines = comment_only_lines(f, &comments);
        for c in &comments {
            let inner = c.inner_text(&f.text);
            let Some(dir) = parse_directive(inner) else {
                continue;
            };
            let at = Span::new(id, c.start, c.end);
            let dir = match dir {
                Ok(d) => d,
                Err(msg) => {
                    problems.push(malformed(&msg, at));
                    continue;
                }
            };
            let mut codes = Vec::new();
            for code in &dir.codes {
                let mut known = crate::rules::find(code).map(|r| r.code);
                match known {
                    None => problems.push(unknown_code(code, at)),
                    Some(k) if dir.reason.is_empty() => {
                        problems.push(no_reason(k, at));
                        known = None;
                    }
                    _ => {}
                }
                codes.push(SupCode {
                    code: known,
                    used: false,
                });
            }
            let scope = if dir.file {
                Scope::File
            } else {
                let (start_line, _) = f.line_col(c.start as u32);
                let (end_line, _) = f.line_col(c.end as u32);
                let standalone = comment_lines.contains(&start_line);
                let target = if standalone {
                    let mut t = end_line + 1;
                    while comment_lines.contains(&t) && t <= f.line_count() {
                        t += 1;
                    }
                    t
                } else {
                    start_line
                };
                let all = decls.get_or_insert_with(|| declarations(ws));
                let ranges = all
                    .get(&id)
                    .and_then(|by_line| by_line.get(&target))
                    .cloned()
                    .unwrap_or_default();
                Scope::Decls {
                    ranges,
                    line: target,
                }
            };
            sups.push(Suppression {
                file: id,
                at,
                scope,
                codes,
                reason: dir.reason.clone(),
            });
        }
    }
}

fn unknown_code(code: &str, at: Span) -> Diagnostic {
    Diagnostic::new(
        Code::Stv003,
        Severity::Warning,
        format!("this suppression names `{code}`, which is not a stv2lint rule code"),
    )
    .at(Some(at))
    .help("Use a code that `stv2lint rules` lists, e.g. `stv2lint-ignore: STV202 the platform team owns this NSG`.")
    .identity(format!("suppression|unknown|{code}"))
}

fn no_reason(code: Code, at: Span) -> Diagnostic {
    Diagnostic::new(
        Code::Stv003,
        Severity::Warning,
        format!("this suppression of {code} gives no reason"),
    )
    .at(Some(at))
    .help(format!(
        "Say why after the codes, e.g. `stv2lint-ignore: {code} the hub firewall allows this traffic`: the next reader needs to know."
    ))
    .identity(format!("suppression|no-reason|{code}"))
}

fn malformed(msg: &str, at: Span) -> Diagnostic {
    Diagnostic::new(
        Code::Stv003,
        Severity::Warning,
        format!("this suppression cannot be read: {msg}"),
    )
    .at(Some(at))
    .help(
        "Write it as `stv2lint-ignore: CODE[,CODE] reason` or `stv2lint-ignore-file: CODE reason`.",
    )
    .identity(format!("suppression|malformed|{msg}"))
}

/// Lines that hold nothing but comments (and whitespace).
fn comment_only_lines(f: &SourceFile, comments: &[Comment]) -> HashSet<usize> {
    let mut out = HashSet::new();
    let text = f.text.as_bytes();
    for c in comments {
        let (l0, _) = f.line_col(c.start as u32);
        let (l1, _) = f.line_col(c.end as u32);
        let line_start = f.line_start(l0).unwrap_or(0);
        let before_blank = text
            .get(line_start..c.start)
            .is_some_and(|b| b.iter().all(|x| x.is_ascii_whitespace()));
        let line_end = f.line_start(l1 + 1).unwrap_or(text.len());
        let after = text.get(c.end..line_end).unwrap_or(&[]);
        // What follows on the last line may be another comment (`/* a */ // b`).
        let after_blank = after.iter().all(|x| x.is_ascii_whitespace())
            || comments.iter().any(|o| {
                o.start >= c.end
                    && o.start < line_end
                    && text[c.end..o.start].iter().all(|x| x.is_ascii_whitespace())
            });
        if before_blank {
            out.insert(l0);
            if after_blank {
                for l in l0..=l1 {
                    out.insert(l);
                }
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Directives.

#[derive(Debug, PartialEq)]
struct Directive {
    file: bool,
    codes: Vec<String>,
    reason: String,
}

/// `None` when the comment is not a suppression; `Err` when it tries to be one and fails.
fn parse_directive(inner: &str) -> Option<Result<Directive, String>> {
    let t = inner.trim_start();
    let rest = t.strip_prefix(DIRECTIVE)?;
    let (file, rest) = if let Some(r) = rest.strip_prefix("-file:") {
        (true, r)
    } else if let Some(r) = rest.strip_prefix(':') {
        (false, r)
    } else {
        return Some(Err(format!(
            "expected `{DIRECTIVE}:` or `{DIRECTIVE}-file:` followed by codes"
        )));
    };
    let mut codes = Vec::new();
    let mut s = rest.trim_start();
    loop {
        let end = s
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(s.len());
        if end == 0 {
            break;
        }
        codes.push(s[..end].to_string());
        s = &s[end..];
        let after = s.trim_start();
        match after.strip_prefix(',') {
            Some(next) => s = next.trim_start(),
            None => {
                s = after;
                break;
            }
        }
    }
    if codes.is_empty() {
        return Some(Err("it names no rule code".to_string()));
    }
    let reason = s
        .trim_start_matches(|c: char| c.is_whitespace() || matches!(c, '-' | ':' | '—' | '–'))
        .trim()
        .to_string();
    Some(Ok(Directive {
        file,
        codes,
        reason,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Meta;

    #[test]
    fn directives() {
        assert_eq!(
            parse_directive(" stv2lint-ignore: STV202, stv203 -- the hub firewall owns it"),
            Some(Ok(Directive {
                file: false,
                codes: vec!["STV202".into(), "stv203".into()],
                reason: "the hub firewall owns it".into()
            }))
        );
        assert_eq!(
            parse_directive("stv2lint-ignore-file: STV502"),
            Some(Ok(Directive {
                file: true,
                codes: vec!["STV502".into()],
                reason: String::new()
            }))
        );
        assert!(matches!(
            parse_directive(" stv2lint-ignore STV202 x"),
            Some(Err(_))
        ));
        assert!(matches!(
            parse_directive(" stv2lint-ignore: "),
            Some(Err(_))
        ));
        assert_eq!(parse_directive(" see stv2lint-ignore: docs"), None);
    }

    // --- apply() over a hand-built model, so these tests do not depend on a front end. ---

    use crate::model::{Format, Nsg, ResKey};
    use crate::source::{Lang, SourceFile};

    fn workspace(text: &str, lang: Lang) -> Workspace {
        let mut ws = Workspace::default();
        ws.sources.add(SourceFile::new(
            "t".into(),
            "t".into(),
            text.to_string(),
            lang,
        ));
        ws
    }

    /// An NSG declared from the first `{` after `from` to its matching line `end`.
    fn add_nsg(ws: &mut Workspace, start: &str, end: &str, suppress: Vec<(String, String, Span)>) {
        let text = &ws.sources.get(FileId(0)).text;
        let s = text.find(start).unwrap();
        let e = text[s..].find(end).unwrap() + s + end.len();
        ws.nsgs.push(Nsg {
            meta: Meta {
                key: ResKey::new("Microsoft.Network/networkSecurityGroups", "nsg", None),
                label: "nsg".into(),
                name: "nsg".into(),
                decl: Span::new(FileId(0), s, e),
                format: Format::Arm,
                suppress,
                unit: crate::model::UnitId::NONE,
            },
            location: None,
            rules: Vec::new(),
            rules_unknown: None,
        });
    }

    fn diag_at(ws: &Workspace, code: Code, needle: &str) -> Diagnostic {
        let at = ws.sources.get(FileId(0)).text.find(needle).unwrap();
        let sev = if code == Code::Stv002 {
            Severity::Info
        } else {
            Severity::Error
        };
        Diagnostic::new(code, sev, "m")
            .at(Some(Span::new(FileId(0), at, at + needle.len())))
            .identity(format!("{code}|nsg"))
    }

    fn codes(diags: &[Diagnostic]) -> Vec<(Code, Option<String>)> {
        diags
            .iter()
            .map(|d| (d.code, d.suppressed.clone()))
            .collect()
    }

    const ARM: &str = r#"{
  "resources": [
    // stv2lint-ignore: STV202, STV203 the hub firewall owns inbound rules
    {
      "type": "Microsoft.Network/networkSecurityGroups",
      "name": "nsg",
      "properties": { "securityRules": [] }
    },
    {
      "type": "Microsoft.Network/publicIPAddresses",
      "sku": { "name": "Basic" } // stv2lint-ignore: STV301 legacy, replaced in Q3
    }
  ]
}"#;

    #[test]
    fn a_comment_covers_the_declaration_on_the_next_line() {
        let mut ws = workspace(ARM, Lang::Json);
        add_nsg(
            &mut ws,
            "{\n      \"type\": \"Microsoft.Network/networkSecurityGroups",
            "\n    }",
            vec![],
        );
        let mut diags = vec![
            diag_at(&ws, Code::Stv202, "\"securityRules\""),
            diag_at(&ws, Code::Stv201, "\"securityRules\""),
        ];
        apply(&ws, &mut diags);
        let got = codes(&diags);
        let reason = Some("the hub firewall owns inbound rules".to_string());
        assert_eq!(got[0], (Code::Stv202, reason));
        // Another code is not covered.
        assert_eq!(got[1], (Code::Stv201, None));
        // STV203 suppressed nothing, nor did the trailing STV301 comment.
        assert_eq!(got[2], (Code::Stv004, None));
        assert_eq!(got[3], (Code::Stv004, None));
        assert_eq!(got.len(), 4);
        assert!(diags[2].message.contains("STV203"));
        assert!(diags[3].message.contains("STV301"));
        let (line, _) = ws
            .sources
            .get(FileId(0))
            .line_col(diags[2].span.unwrap().start);
        assert_eq!(
            line,
            3,
            "{:?}",
            diags
                .iter()
                .map(|d| (d.code, &d.message, d.span))
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_trailing_comment_covers_its_own_line_only() {
        let mut ws = workspace(ARM, Lang::Json);
        add_nsg(
            &mut ws,
            "{\n      \"type\": \"Microsoft.Network/networkSecurityGroups",
            "\n    }",
            vec![],
        );
        let mut diags = vec![
            diag_at(&ws, Code::Stv301, "\"Basic\""),
            diag_at(&ws, Code::Stv301, "\"Microsoft.Network/publicIPAddresses\""),
            diag_at(&ws, Code::Stv202, "\"securityRules\""),
            diag_at(&ws, Code::Stv203, "\"securityRules\""),
        ];
        apply(&ws, &mut diags);
        let got = codes(&diags);
        assert_eq!(got[0].1.as_deref(), Some("legacy, replaced in Q3"));
        assert_eq!(got[1].1, None);
        assert_eq!(got.len(), 4, "no STV004: every code was used: {got:?}");
    }

    #[test]
    fn a_rule_that_did_not_run_leaves_its_suppression_alone() {
        let mut ws = workspace(ARM, Lang::Json);
        add_nsg(
            &mut ws,
            "{\n      \"type\": \"Microsoft.Network/networkSecurityGroups",
            "\n    }",
            vec![],
        );
        let mut diags = vec![diag_at(&ws, Code::Stv202, "\"securityRules\"")];
        apply_with(&ws, &mut diags, &|c| c != Code::Stv203 && c != Code::Stv301);
        assert_eq!(codes(&diags).len(), 1);
    }

    #[test]
    fn unknown_codes_and_missing_reasons_are_stv003() {
        let text = "# stv2lint-ignore: STV999 because\n# stv2lint-ignore: STV202\nresource \"x\" \"y\" {\n  a = 1\n}\n# stv2lint-ignore STV202 oops\n";
        let mut ws = workspace(text, Lang::Terraform);
        add_nsg(&mut ws, "resource", "\n}", vec![]);
        let mut diags = vec![diag_at(&ws, Code::Stv202, "a = 1")];
        apply(&ws, &mut diags);
        let got = codes(&diags);
        // The one without a reason suppresses nothing.
        assert_eq!(got[0], (Code::Stv202, None));
        let stv003: Vec<&Diagnostic> = diags.iter().filter(|d| d.code == Code::Stv003).collect();
        assert_eq!(stv003.len(), 3, "{:?}", codes(&diags));
        assert!(stv003.iter().any(|d| d.message.contains("STV999")));
        assert!(stv003.iter().any(|d| d.message.contains("no reason")));
        assert!(stv003.iter().any(|d| d.message.contains("cannot be read")));
        assert!(!diags.iter().any(|d| d.code == Code::Stv004));
    }

    #[test]
    fn file_wide_suppressions_and_unverifiable_notes() {
        let text = "// stv2lint-ignore-file: STV202 managed by the platform team\nresource nsg 'x' = {\n  name: 'a'\n}\n";
        let mut ws = workspace(text, Lang::Bicep);
        add_nsg(&mut ws, "resource", "\n}", vec![]);
        let mut diags = vec![
            diag_at(&ws, Code::Stv202, "name: 'a'"),
            diag_at(&ws, Code::Stv002, "resource"),
            diag_at(&ws, Code::Stv203, "resource"),
        ];
        apply(&ws, &mut diags);
        let got = codes(&diags);
        assert_eq!(got[0].1.as_deref(), Some("managed by the platform team"));
        // An STV002 note about another check is not covered.
        assert_eq!(diags[1].identity, "STV002|nsg");
        assert_eq!(got[1].1, None);
        assert_eq!(got[2].1, None);
        assert_eq!(got.len(), 3);
    }

    #[test]
    fn an_stv002_note_of_a_suppressed_check_is_covered() {
        let text = "// stv2lint-ignore-file: STV202 managed elsewhere\nresource nsg 'x' = {}\n";
        let mut ws = workspace(text, Lang::Bicep);
        add_nsg(&mut ws, "resource", "{}", vec![]);
        let mut d = diag_at(&ws, Code::Stv002, "resource");
        d.for_rule = Some(Code::Stv202);
        let mut diags = vec![d];
        apply(&ws, &mut diags);
        assert_eq!(diags[0].suppressed.as_deref(), Some("managed elsewhere"));
        assert_eq!(diags.len(), 1);
    }

    #[test]
    fn metadata_suppressions_cover_their_resource() {
        let text = "{\n  \"type\": \"nsg\",\n  \"metadata\": { \"stv2lint-ignore\": { \"STV202\": \"reviewed\", \"STV12\": \"\" } },\n  \"properties\": {}\n}";
        let mut ws = workspace(text, Lang::Json);
        let key = |k: &str| {
            let at = text.find(k).unwrap();
            Span::new(FileId(0), at, at + k.len())
        };
        add_nsg(
            &mut ws,
            "{",
            "\n}",
            vec![
                ("STV202".into(), "reviewed".into(), key("\"STV202\"")),
                ("STV12".into(), String::new(), key("\"STV12\"")),
            ],
        );
        let mut diags = vec![diag_at(&ws, Code::Stv202, "\"properties\"")];
        apply(&ws, &mut diags);
        assert_eq!(diags[0].suppressed.as_deref(), Some("reviewed"));
        assert_eq!(diags.len(), 2);
        assert_eq!(diags[1].code, Code::Stv003);
    }
}
