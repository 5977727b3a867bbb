//! `stv2lint lsp`, driven over stdio as an editor would: initialize → didOpen →
//! publishDiagnostics → didChange (unsaved) → publishDiagnostics → shutdown → exit.

mod integrations;

use integrations::*;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

struct Client {
    child: Child,
    stdin: ChildStdin,
    rx: Receiver<Value>,
    seen: Vec<Value>,
}

impl Client {
    fn start(cwd: &std::path::Path) -> Client {
        let mut child = Command::new(bin())
            .arg("lsp")
            .current_dir(cwd)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the language server");
        let stdin = child.stdin.take().unwrap();
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
        }
    }

    fn send(&mut self, v: Value) {
        let body = v.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{}", body.len(), body).unwrap();
        self.stdin.flush().unwrap();
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
    let status = c.child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
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
        "textDocument/hover",
        json!({"textDocument": {"uri": md}, "position": {"line": 0, "character": 0}}),
    );
    assert_eq!(resp["error"]["code"], -32601, "{resp}");
    assert!(c.seen.is_empty(), "{:#?}", c.seen);
    c.request(3, "shutdown", Value::Null);
    c.notify("exit", Value::Null);
    assert_eq!(c.child.wait().unwrap().code(), Some(0));
}
