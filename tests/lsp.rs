//! `stv2lint lsp`, driven over stdio as an editor would: initialize → didOpen →
//! publishDiagnostics → didChange (unsaved) → publishDiagnostics → shutdown → exit; and as a
//! broken or hasty client would: malformed messages, absurd lengths, bursts of changes.

mod integrations;

use integrations::*;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    rx: Receiver<Value>,
    seen: Vec<Value>,
    /// The server's stderr, when captured.
    stderr: Option<std::thread::JoinHandle<String>>,
}

impl Client {
    fn start(cwd: &std::path::Path) -> Client {
        Client::start_with(cwd, &[], false)
    }

    /// With extra environment, and stderr captured (read it with [`Client::finish`]).
    fn start_with(cwd: &std::path::Path, env: &[(&str, &str)], capture: bool) -> Client {
        let mut child = Command::new(bin())
            .arg("lsp")
            .current_dir(cwd)
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(if capture {
                Stdio::piped()
            } else {
                Stdio::inherit()
            })
            .spawn()
            .expect("start the language server");
        let stderr = child.stderr.take().map(|mut e| {
            std::thread::spawn(move || {
                let mut s = String::new();
                let _ = e.read_to_string(&mut s);
                s
            })
        });
        let stdin = Some(child.stdin.take().unwrap());
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            loop {
                let mut len = None;
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(v) = line.strip_prefix("Content-Length: ") {
                        len = v.parse::<usize>().ok();
                    }
                }
                let mut body = vec![0; len.expect("Content-Length header")];
                if r.read_exact(&mut body).is_err() {
                    return;
                }
                let v: Value = serde_json::from_slice(&body).expect("JSON-RPC body");
                if tx.send(v).is_err() {
                    return;
                }
            }
        });
        Client {
            child,
            stdin,
            rx,
            seen: Vec::new(),
            stderr,
        }
    }

    fn send(&mut self, v: Value) {
        self.raw(frame(&v).as_bytes());
    }

    /// Bytes as they are, framed or not.
    fn raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin still open");
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }

    fn initialize(&mut self) {
        self.request(
            1,
            "initialize",
            json!({"processId": null, "rootUri": null, "capabilities": {}}),
        );
        self.notify("initialized", json!({}));
    }

    /// Close stdin, wait for the exit, and return the exit code and the captured stderr.
    fn finish(mut self) -> (Option<i32>, String) {
        drop(self.stdin.take());
        let status = self.child.wait().unwrap();
        let err = self
            .stderr
            .take()
            .map(|h| h.join().unwrap())
            .unwrap_or_default();
        (status.code(), err)
    }

    fn request(&mut self, id: i64, method: &str, params: Value) -> Value {
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.wait(|m| m["id"] == id && m.get("method").is_none())
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// The next message matching `pred` (others are kept for inspection).
    fn wait(&mut self, pred: impl Fn(&Value) -> bool) -> Value {
        loop {
            match self.rx.recv_timeout(Duration::from_secs(60)) {
                Ok(m) if pred(&m) => return m,
                Ok(m) => self.seen.push(m),
                Err(_) => panic!("no matching message; seen: {:#?}", self.seen),
            }
        }
    }

    fn diagnostics_for(&mut self, uri: &str) -> Vec<Value> {
        let m = self.wait(|m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
        });
        m["params"]["diagnostics"].as_array().unwrap().clone()
    }
}

fn frame(v: &Value) -> String {
    let body = v.to_string();
    format!("Content-Length: {}\r\n\r\n{}", body.len(), body)
}

fn codes(diags: &[Value]) -> Vec<String> {
    let mut c: Vec<String> = diags
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect();
    c.sort();
    c
}

#[test]
fn a_session_publishes_and_updates_diagnostics() {
    let dir = scratch("lsp-session");
    // The configuration of the directory applies in the editor too.
    write(&dir, ".stv2lint.yaml", "select: [STV3]\n");
    let text = read_data("pip.json");
    let path = write(&dir, "main.json", &text);
    let path = stv2lint::source::canonical(&path);
    let uri = stv2lint::lsp::path_to_uri(&path).as_str().to_string();

    let mut c = Client::start(&dir);
    let init = c.request(
        1,
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {}}),
    );
    assert_eq!(
        init["result"]["capabilities"]["textDocumentSync"]["change"],
        1
    );
    assert_eq!(init["result"]["serverInfo"]["name"], "stv2lint");
    c.notify("initialized", json!({}));

    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "json", "version": 1, "text": text}}),
    );
    let diags = c.diagnostics_for(&uri);
    assert_eq!(codes(&diags), ["STV301", "STV303"], "{diags:#?}");
    let d = diags.iter().find(|d| d["code"] == "STV301").unwrap();
    let line = line_of(&text, "\"sku\": { \"name\": \"Basic\" }") - 1;
    let col = text.lines().nth(line).unwrap().find("\"Basic\"").unwrap();
    assert_eq!(
        d["range"],
        json!({"start": {"line": line, "character": col}, "end": {"line": line, "character": col + 7}})
    );
    assert_eq!(d["severity"], 1);
    assert_eq!(d["source"], "stv2lint");
    assert!(d["codeDescription"]["href"]
        .as_str()
        .unwrap()
        .ends_with("/rules/STV301.md"));
    assert!(d["message"].as_str().unwrap().contains("Basic"));
    let related = d["relatedInformation"].as_array().unwrap();
    assert!(related[0]["message"]
        .as_str()
        .unwrap()
        .contains("contoso-apim"));
    assert_eq!(related[0]["location"]["uri"], uri.as_str());

    // An unsaved change: the buffer, not the disk, is linted.
    let fixed = text.replace("\"Basic\"", "\"Standard\"");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": fixed}]}),
    );
    let diags = c.diagnostics_for(&uri);
    assert_eq!(codes(&diags), ["STV303"], "{diags:#?}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);

    // A broken buffer: STV001 where the parser stopped, with the other findings gone.
    let broken = fixed.replacen("\"resources\": [", "\"resources\": [ ,,", 1);
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": broken}]}),
    );
    let diags = c.diagnostics_for(&uri);
    assert_eq!(codes(&diags), ["STV001"], "{diags:#?}");
    assert_eq!(
        diags[0]["range"]["start"]["line"],
        line_of(&broken, ",,") - 1
    );

    // Closing the buffer: the file on disk (Basic SKU) applies again.
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri}}),
    );
    let diags = c.diagnostics_for(&uri);
    assert_eq!(codes(&diags), ["STV301", "STV303"], "{diags:#?}");

    let resp = c.request(2, "shutdown", Value::Null);
    assert!(resp["result"].is_null(), "{resp}");
    assert!(resp.get("error").is_none(), "{resp}");
    c.notify("exit", Value::Null);
    assert_eq!(c.finish().0, Some(0));
}

#[test]
fn unknown_requests_get_an_error_and_other_files_are_ignored() {
    let dir = scratch("lsp-other");
    let mut c = Client::start(&dir);
    c.request(
        1,
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {}}),
    );
    c.notify("initialized", json!({}));
    // A Markdown file is not linted: no diagnostics arrive for it (the hover request's answer
    // arrives first, and nothing else came before it).
    let md = stv2lint::lsp::path_to_uri(&dir.join("README.md"))
        .as_str()
        .to_string();
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": md, "languageId": "markdown", "version": 1, "text": "# x"}}),
    );
    let resp = c.request(
        2,
        "textDocument/definition",
        json!({"textDocument": {"uri": md}, "position": {"line": 0, "character": 0}}),
    );
    assert_eq!(resp["error"]["code"], -32601, "{resp}");
    assert!(c.seen.is_empty(), "{:#?}", c.seen);
    c.request(3, "shutdown", Value::Null);
    c.notify("exit", Value::Null);
    assert_eq!(c.finish().0, Some(0));
}

/// A request the server does not handle (its answer shows the server is still reading).
fn hover(c: &mut Client, id: i64) -> Value {
    c.request(
        id,
        "textDocument/definition",
        json!({"textDocument": {"uri": "file:///x.bicep"}, "position": {"line": 0, "character": 0}}),
    )
}

/// The next error response with a `null` id (the answer to a message that could not be read).
fn parse_error(c: &mut Client) -> Value {
    c.wait(|m| m.get("error").is_some() && m["id"].is_null())
}

#[test]
fn malformed_messages_get_a_parse_error_and_the_server_goes_on() {
    let dir = scratch("lsp-malformed");
    let mut c = Client::start_with(&dir, &[], true);
    c.initialize();

    // Invalid JSON with correct framing.
    c.raw(b"Content-Length: 9\r\n\r\n{not json");
    let e = parse_error(&mut c);
    assert_eq!(e["error"]["code"], -32700, "{e}");
    assert_eq!(hover(&mut c, 2)["error"]["code"], -32601);

    // A misspelt header: no length, so the server skips to the next message.
    c.raw(b"Content-Lenght: 2\r\n\r\n{}");
    let e = parse_error(&mut c);
    assert_eq!(e["error"]["code"], -32700, "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Content-Length"),
        "{e}"
    );
    assert_eq!(hover(&mut c, 3)["error"]["code"], -32601);

    // A length that is not a number, and a line that is no header at all.
    c.raw(b"Content-Length: lots\r\n\r\n{}");
    assert_eq!(parse_error(&mut c)["error"]["code"], -32700);
    assert_eq!(hover(&mut c, 4)["error"]["code"], -32601);
    c.raw(b"hello there\r\n\r\n");
    assert_eq!(parse_error(&mut c)["error"]["code"], -32700);
    assert_eq!(hover(&mut c, 7)["error"]["code"], -32601);

    // Valid JSON that is no JSON-RPC message: an invalid request, answered with its id.
    c.send(json!({"jsonrpc": "2.0", "id": 5, "method": ["not", "a", "name"]}));
    let e = c.wait(|m| m["id"] == 5);
    assert_eq!(e["error"]["code"], -32600, "{e}");

    c.request(6, "shutdown", Value::Null);
    c.notify("exit", Value::Null);
    let (code, err) = c.finish();
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("not valid JSON"), "{err}");
}

#[test]
fn an_absurd_content_length_is_refused_and_the_server_goes_on() {
    let dir = scratch("lsp-huge");
    let mut c = Client::start_with(&dir, &[], true);
    c.initialize();
    // 10^12 bytes announced, a few sent: refused at once (no allocation, no wait for the
    // body), and the next message is found.
    c.raw(b"Content-Length: 1000000000000\r\n\r\n{\"jsonrpc\":\"2.0\"}");
    let e = parse_error(&mut c);
    assert_eq!(e["error"]["code"], -32700, "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("1000000000000"),
        "{e}"
    );
    assert_eq!(hover(&mut c, 2)["error"]["code"], -32601);
    // Then the client disappears without `exit`: a clean exit with a reason, not a signal.
    let (code, err) = c.finish();
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("over the limit"), "{err}");
    assert!(err.contains("without `exit`"), "{err}");
}

#[test]
fn a_truncated_message_ends_the_server_with_a_reason() {
    let dir = scratch("lsp-truncated");
    let mut c = Client::start_with(&dir, &[], true);
    c.initialize();
    c.raw(b"Content-Length: 500\r\n\r\n{\"jsonrpc\":");
    let (code, err) = c.finish();
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("inside a message body"), "{err}");
}

#[test]
fn a_burst_of_changes_is_linted_once_for_the_final_text() {
    let dir = scratch("lsp-burst");
    write(&dir, ".stv2lint.yaml", "select: [STV3]\n");
    let text = read_data("pip.json");
    let path = write(&dir, "main.json", &text);
    let uri = stv2lint::lsp::path_to_uri(&stv2lint::source::canonical(&path))
        .as_str()
        .to_string();
    // A long quiet period, so that a slow machine reading the burst cannot look like a pause.
    let mut c = Client::start_with(
        &dir,
        &[
            ("STV2LINT_LSP_TRACE", "1"),
            ("STV2LINT_LSP_DEBOUNCE_MS", "1000"),
        ],
        true,
    );
    c.initialize();

    // didOpen and 200 changes in one write, as a fast typist with a busy editor produces them.
    // Every intermediate text has the Basic SKU (STV301); only the last one fixes it.
    let mut burst = frame(&json!({"jsonrpc": "2.0", "method": "textDocument/didOpen",
        "params": {"textDocument": {"uri": uri, "languageId": "json", "version": 1, "text": text}}}));
    let last = 201;
    for version in 2..=last {
        let t = if version == last {
            text.replace("\"Basic\"", "\"Standard\"")
        } else {
            text.replace("contoso-apim", &format!("contoso-apim-{version}"))
        };
        burst += &frame(
            &json!({"jsonrpc": "2.0", "method": "textDocument/didChange",
            "params": {"textDocument": {"uri": uri, "version": version},
                       "contentChanges": [{"text": t}]}}),
        );
    }
    c.raw(burst.as_bytes());

    let m = c.wait(|m| m["method"] == "textDocument/publishDiagnostics");
    assert_eq!(m["params"]["uri"], uri.as_str(), "{m}");
    assert_eq!(m["params"]["version"], last, "{m}");
    let diags = m["params"]["diagnostics"].as_array().unwrap();
    assert_eq!(codes(diags), ["STV303"], "{diags:#?}");

    c.request(2, "shutdown", Value::Null);
    c.notify("exit", Value::Null);
    let seen = c.seen.clone();
    let (code, err) = c.finish();
    assert_eq!(code, Some(0), "{err}");
    // Nothing was published for an intermediate text.
    assert!(
        !seen
            .iter()
            .any(|m| m["method"] == "textDocument/publishDiagnostics"),
        "{seen:#?}"
    );
    let runs = err
        .lines()
        .filter(|l| l.contains("trace: lint run of "))
        .count();
    assert!((1..=3).contains(&runs), "{runs} lint runs:\n{err}");
}

#[test]
fn a_change_during_a_lint_discards_its_result() {
    let dir = scratch("lsp-stale");
    write(&dir, ".stv2lint.yaml", "select: [STV3]\n");
    let text = read_data("pip.json");
    let path = write(&dir, "main.json", &text);
    let uri = stv2lint::lsp::path_to_uri(&stv2lint::source::canonical(&path))
        .as_str()
        .to_string();
    let mut c = Client::start_with(
        &dir,
        &[
            ("STV2LINT_LSP_TRACE", "1"),
            ("STV2LINT_LSP_DEBOUNCE_MS", "0"),
        ],
        true,
    );
    c.initialize();
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "json", "version": 1, "text": text}}),
    );
    // With no quiet period each change may start a lint while the previous one runs; whatever
    // the interleaving, the last diagnostics published are those of the last version.
    let fixed = text.replace("\"Basic\"", "\"Standard\"");
    for version in 2..=30 {
        let t = if version % 2 == 0 { &fixed } else { &text };
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": t}]}),
        );
    }
    let m = c
        .wait(|m| m["method"] == "textDocument/publishDiagnostics" && m["params"]["version"] == 30);
    assert_eq!(
        codes(m["params"]["diagnostics"].as_array().unwrap()),
        ["STV303"]
    );
    c.request(2, "shutdown", Value::Null);
    c.notify("exit", Value::Null);
    let seen = c.seen.clone();
    let (code, err) = c.finish();
    assert_eq!(code, Some(0), "{err}");
    // Versions only go forward: a stale run never overwrote a newer one.
    let versions: Vec<i64> = seen
        .iter()
        .filter(|m| m["method"] == "textDocument/publishDiagnostics")
        .map(|m| m["params"]["version"].as_i64().unwrap())
        .collect();
    assert!(versions.windows(2).all(|w| w[0] < w[1]), "{versions:?}");
    let runs = err
        .lines()
        .filter(|l| l.contains("trace: lint run of "))
        .count();
    assert!(runs < 30, "{runs} lint runs:\n{err}");
}

/// `(code, 1-based line)` of each finding of `stv2lint check DIR` per canonical file.
fn cli_findings(
    dir: &std::path::Path,
) -> std::collections::BTreeMap<std::path::PathBuf, Vec<(String, u64)>> {
    let r = run(dir, &["check", ".", "--format", "json"]);
    let v: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stdout));
    let mut out = std::collections::BTreeMap::<_, Vec<_>>::new();
    for d in v["diagnostics"].as_array().unwrap() {
        let Some(file) = d["file"].as_str() else {
            continue;
        };
        let path = stv2lint::source::canonical(&dir.join(file));
        out.entry(path).or_default().push((
            d["code"].as_str().unwrap().to_string(),
            d["line"].as_u64().unwrap(),
        ));
    }
    for v in out.values_mut() {
        v.sort();
    }
    out
}

fn lintable_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            lintable_files(&p, out);
        } else if stv2lint::source::lang_of(&p).is_some() {
            out.push(stv2lint::source::canonical(&p));
        }
    }
}

#[test]
fn opening_any_file_of_a_deployment_shows_what_check_finds_for_it() {
    // The bundled examples, a Bicep deployment whose finding lands in `modules/`, and a
    // Terraform root (`apim/`) calling `../network`, where its finding lands.
    let deployments = [
        "examples/broken-apim",
        "examples/broken-apim-bicep",
        "examples/broken-apim-terraform",
        "fixtures/bicep/STV103/fail-prefix-through-module-output",
        "fixtures/terraform/STV102/fail-delegated-in-sibling-module",
    ];
    for rel in deployments {
        let dir = stv2lint::source::canonical(&repo().join(rel));
        let want = cli_findings(&dir);
        assert!(!want.is_empty(), "{rel}: the CLI finds nothing");
        let mut files = Vec::new();
        lintable_files(&dir, &mut files);
        files.sort();
        for (i, file) in files.iter().enumerate() {
            // A fresh session per file: what opening just that file shows.
            let mut c = Client::start(&dir);
            let root = stv2lint::lsp::path_to_uri(&dir).as_str().to_string();
            c.request(
                1,
                "initialize",
                json!({"processId": null, "rootUri": root, "capabilities": {}}),
            );
            c.notify("initialized", json!({}));
            let uri = stv2lint::lsp::path_to_uri(file).as_str().to_string();
            let text = std::fs::read_to_string(file).unwrap();
            c.notify(
                "textDocument/didOpen",
                json!({"textDocument": {"uri": uri, "languageId": "x", "version": 1, "text": text}}),
            );
            let diags = c.diagnostics_for(&uri);
            let mut got: Vec<(String, u64)> = diags
                .iter()
                .map(|d| {
                    (
                        d["code"].as_str().unwrap().to_string(),
                        d["range"]["start"]["line"].as_u64().unwrap() + 1,
                    )
                })
                .collect();
            got.sort();
            let expected = want.get(file).cloned().unwrap_or_default();
            assert_eq!(got, expected, "{rel}: file {i} {}", file.display());
            c.request(2, "shutdown", Value::Null);
            c.notify("exit", Value::Null);
            assert_eq!(c.finish().0, Some(0));
        }
    }
}

#[test]
fn hover_links_and_a_suppression_quick_fix() {
    let dir = scratch("lsp-hover");
    let text =
        std::fs::read_to_string(repo().join("examples/broken-apim-terraform/main.tf")).unwrap();
    let path = write(&dir, "main.tf", &text);
    let vars = repo().join("examples/broken-apim-terraform/terraform.tfvars");
    write(
        &dir,
        "terraform.tfvars",
        &std::fs::read_to_string(vars).unwrap(),
    );
    let dir = stv2lint::source::canonical(&dir);
    let uri = stv2lint::lsp::path_to_uri(&stv2lint::source::canonical(&path))
        .as_str()
        .to_string();
    let mut c = Client::start(&dir);
    let root = stv2lint::lsp::path_to_uri(&dir).as_str().to_string();
    let init = c.request(
        1,
        "initialize",
        json!({"processId": null, "rootUri": root, "capabilities": {}}),
    );
    assert_eq!(init["result"]["capabilities"]["hoverProvider"], true);
    c.notify("initialized", json!({}));
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "terraform", "version": 1, "text": text}}),
    );
    let diags = c.diagnostics_for(&uri);
    assert!(codes(&diags).contains(&"STV103".to_string()), "{diags:#?}");

    // Every diagnostic links its rule's page.
    for d in &diags {
        let code = d["code"].as_str().unwrap();
        assert_eq!(
            d["codeDescription"]["href"],
            format!("https://github.com/stv2lint/stv2lint/blob/main/rules/{code}.md"),
            "{d:#}"
        );
    }
    // STV103 names the API Management instance that needs the addresses, as a related place.
    let d = diags.iter().find(|d| d["code"] == "STV103").unwrap();
    let related = d["relatedInformation"].as_array().expect("related places");
    assert!(
        related.iter().any(|r| r["location"]["uri"] == uri.as_str()
            && r["message"].as_str().unwrap().contains("contoso-apim")),
        "{related:#?}"
    );

    // Hover on the diagnostic's range: the rule's page; elsewhere: nothing.
    let resp = c.request(
        2,
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": d["range"]["start"]}),
    );
    let page = std::fs::read_to_string(repo().join("rules/STV103.md")).unwrap();
    assert_eq!(resp["result"]["contents"]["kind"], "markdown", "{resp}");
    assert_eq!(resp["result"]["contents"]["value"], page.as_str());
    assert_eq!(resp["result"]["range"], d["range"]);
    let resp = c.request(
        3,
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}),
    );
    assert!(resp["result"].is_null(), "{resp}");

    // The quick fix inserts a `#` suppression with a reason to write, above the finding's line.
    let resp = c.request(
        4,
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": d["range"],
               "context": {"diagnostics": [d]}}),
    );
    let actions = resp["result"].as_array().expect("actions");
    let fix = actions
        .iter()
        .find(|a| a["diagnostics"][0]["code"] == "STV103")
        .unwrap_or_else(|| panic!("{resp:#}"));
    assert_eq!(fix["kind"], "quickfix");
    let edits = fix["edit"]["changes"][uri.as_str()].as_array().unwrap();
    assert_eq!(edits.len(), 1);
    let line = d["range"]["start"]["line"].as_u64().unwrap() as usize;
    assert_eq!(
        edits[0]["range"],
        json!({"start": {"line": line, "character": 0}, "end": {"line": line, "character": 0}})
    );
    let new_text = edits[0]["newText"].as_str().unwrap();
    let indent: String = text
        .lines()
        .nth(line)
        .unwrap()
        .chars()
        .take_while(|c| *c == ' ')
        .collect();
    assert!(
        new_text.starts_with(&format!("{indent}# stv2lint-ignore: STV103 "))
            && new_text.ends_with('\n'),
        "{new_text:?}"
    );

    // Applied, the suppression is accepted (no STV003) and the finding is gone.
    let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
    lines.insert(line, new_text);
    let edited = lines.concat();
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": edited}]}),
    );
    let after = c.diagnostics_for(&uri);
    let before_codes = codes(&diags);
    let mut expected = before_codes.clone();
    expected.remove(expected.iter().position(|c| c == "STV103").unwrap());
    assert_eq!(codes(&after), expected, "{after:#?}");

    c.request(5, "shutdown", Value::Null);
    c.notify("exit", Value::Null);
    assert_eq!(c.finish().0, Some(0));
}

#[test]
fn an_edit_of_the_caller_updates_and_clears_its_modules_diagnostics() {
    // The finding lands in `modules/network.bicep`, but its value comes from `main.bicep`.
    let src = repo().join("fixtures/bicep/STV103/fail-prefix-through-module-output");
    let dir = scratch("lsp-modules");
    let main_text = std::fs::read_to_string(src.join("main.bicep")).unwrap();
    let main = write(&dir, "main.bicep", &main_text);
    let module = write(
        &dir,
        "modules/network.bicep",
        &std::fs::read_to_string(src.join("modules/network.bicep")).unwrap(),
    );
    let dir = stv2lint::source::canonical(&dir);
    let uri = |p: &std::path::Path| {
        stv2lint::lsp::path_to_uri(&stv2lint::source::canonical(p))
            .as_str()
            .to_string()
    };
    let (main_uri, module_uri) = (uri(&main), uri(&module));
    let mut c = Client::start(&dir);
    let root = stv2lint::lsp::path_to_uri(&dir).as_str().to_string();
    c.request(
        1,
        "initialize",
        json!({"processId": null, "workspaceFolders": [{"uri": root, "name": "w"}],
               "capabilities": {}}),
    );
    c.notify("initialized", json!({}));
    // Only the caller is open; the module, not open, gets its diagnostics too.
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": main_uri, "languageId": "bicep", "version": 1, "text": main_text}}),
    );
    let diags = c.diagnostics_for(&module_uri);
    assert_eq!(codes(&diags), ["STV103"], "{diags:#?}");
    // A /27 in the caller: the module's finding is cleared with an empty publish.
    let fixed = main_text.replace("'10.0.1.0/29'", "'10.0.1.0/27'");
    assert_ne!(fixed, main_text);
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": main_uri, "version": 2}, "contentChanges": [{"text": fixed}]}),
    );
    let diags = c.diagnostics_for(&module_uri);
    assert!(diags.is_empty(), "{diags:#?}");
    c.request(2, "shutdown", Value::Null);
    c.notify("exit", Value::Null);
    assert_eq!(c.finish().0, Some(0));
}

/// Copy a directory tree (small fixtures only).
fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_tree(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

#[test]
fn the_workspace_folder_is_a_root_for_a_nested_deployment_outside_git() {
    // Outside any git work tree, a deployment with its own `.stv2lint.yaml` (`apim/`) calls
    // `../network`: the CLI needs `--root`, the editor has the workspace folder.
    let dir = std::env::temp_dir().join(format!("stv2lint-lsp-fence-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_tree(
        &repo().join("fixtures/terraform/STV102/fail-delegated-in-sibling-module"),
        &dir,
    );
    assert!(
        !dir.ancestors().any(|a| a.join(".git").exists()),
        "inside git"
    );
    write(&dir, "apim/.stv2lint.yaml", "select: [STV]\n");
    let dir = stv2lint::source::canonical(&dir);
    let main = dir.join("apim/main.tf");
    let text = std::fs::read_to_string(&main).unwrap();
    // Without the root the module is refused (the fence works here).
    let cli = run(&dir, &["check", "apim", "--format", "compact"]);
    assert!(
        cli.stdout.contains("outside the linted tree"),
        "{}",
        cli.stdout
    );

    let mut c = Client::start(&dir);
    let root = stv2lint::lsp::path_to_uri(&dir).as_str().to_string();
    c.request(
        1,
        "initialize",
        json!({"processId": null, "rootUri": root, "capabilities": {}}),
    );
    c.notify("initialized", json!({}));
    let uri = stv2lint::lsp::path_to_uri(&main).as_str().to_string();
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "terraform", "version": 1, "text": text}}),
    );
    let diags = c.diagnostics_for(&uri);
    assert!(diags.is_empty(), "{diags:#?}");
    c.request(2, "shutdown", Value::Null);
    c.notify("exit", Value::Null);
    assert_eq!(c.finish().0, Some(0));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `text` with one LSP insertion applied (ASCII text: columns are bytes).
fn apply_insert(text: &str, edit: &Value) -> String {
    let line = edit["range"]["start"]["line"].as_u64().unwrap() as usize;
    let col = edit["range"]["start"]["character"].as_u64().unwrap() as usize;
    assert_eq!(edit["range"]["start"], edit["range"]["end"], "an insertion");
    let at: usize = text
        .split_inclusive('\n')
        .take(line)
        .map(str::len)
        .sum::<usize>()
        + col;
    let mut out = text.to_string();
    out.insert_str(at, edit["newText"].as_str().unwrap());
    out
}

/// Open a flow fixture, take the "Add security rule" quick fix of its `code` finding, apply it,
/// and re-lint: the finding is gone and nothing new appears (no STV001: the file still parses).
fn add_rule_fixes(fixture: &str, code: &str, language: &str, needle: &str) {
    let src = repo().join("fixtures").join(fixture);
    let text = std::fs::read_to_string(&src).unwrap();
    let dir = scratch(&format!(
        "lsp-add-rule-{}",
        fixture.replace(['/', '.'], "-")
    ));
    let name = src.file_name().unwrap().to_str().unwrap();
    let path = write(&dir, name, &text);
    let dir = stv2lint::source::canonical(&dir);
    let uri = stv2lint::lsp::path_to_uri(&stv2lint::source::canonical(&path))
        .as_str()
        .to_string();
    let mut c = Client::start(&dir);
    let root = stv2lint::lsp::path_to_uri(&dir).as_str().to_string();
    c.request(
        1,
        "initialize",
        json!({"processId": null, "rootUri": root, "capabilities": {}}),
    );
    c.notify("initialized", json!({}));
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": language, "version": 1, "text": text}}),
    );
    let diags = c.diagnostics_for(&uri);
    let d = diags
        .iter()
        .find(|d| d["code"] == code)
        .unwrap_or_else(|| panic!("{fixture}: no {code} in {diags:#?}"));
    let resp = c.request(
        2,
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": d["range"],
               "context": {"diagnostics": [d]}}),
    );
    let actions = resp["result"].as_array().expect("actions");
    let fix = actions
        .iter()
        .find(|a| {
            a["title"]
                .as_str()
                .unwrap()
                .starts_with("Add security rule for")
                && a["diagnostics"][0]["code"] == code
        })
        .unwrap_or_else(|| panic!("{fixture}: {resp:#}"));
    assert_eq!(fix["kind"], "quickfix");
    let edits = fix["edit"]["changes"][uri.as_str()].as_array().unwrap();
    assert_eq!(edits.len(), 1);
    let new_text = edits[0]["newText"].as_str().unwrap();
    assert!(new_text.contains(needle), "{fixture}: {new_text}");
    let edited = apply_insert(&text, &edits[0]);
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": edited}]}),
    );
    let after = c.diagnostics_for(&uri);
    let after_codes = codes(&after);
    assert!(
        !after_codes.iter().any(|c| c == code || c == "STV001"),
        "{fixture}: after the fix\n{edited}\n{after:#?}"
    );
    // Nothing else changed: the other findings stay as they were.
    let mut expected: Vec<String> = codes(&diags).into_iter().filter(|c| c != code).collect();
    expected.sort();
    assert_eq!(after_codes, expected, "{fixture}\n{edited}");
    c.request(3, "shutdown", Value::Null);
    c.notify("exit", Value::Null);
    assert_eq!(c.finish().0, Some(0));
}

#[test]
fn the_add_rule_quick_fix_in_arm_before_a_blocking_deny() {
    add_rule_fixes(
        "arm/STV202/fail-deny-all-lower-number.json",
        "STV202",
        "json",
        "\"destinationPortRange\": \"3443\"",
    );
}

#[test]
fn the_add_rule_quick_fix_in_arm_when_only_the_defaults_drop_it() {
    add_rule_fixes(
        "arm/STV202/fail-defaults-only.json",
        "STV202",
        "json",
        "\"sourceAddressPrefix\": \"ApiManagement\"",
    );
}

#[test]
fn the_add_rule_quick_fix_in_bicep() {
    add_rule_fixes(
        "bicep/STV202/fail-defaults-only.bicep",
        "STV202",
        "bicep",
        "destinationPortRange: '3443'",
    );
}

#[test]
fn the_add_rule_quick_fix_in_terraform_inline() {
    add_rule_fixes(
        "terraform/STV203/fail-deny-all-before-load-balancer.tf",
        "STV203",
        "terraform",
        "security_rule {",
    );
}

#[test]
fn the_add_rule_quick_fix_in_terraform_as_a_separate_rule() {
    add_rule_fixes(
        "terraform/STV202/fail-separate-rules-unknown-nsg-name.tf",
        "STV202",
        "terraform",
        "resource \"azurerm_network_security_rule\"",
    );
}
