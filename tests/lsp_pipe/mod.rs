//! An in-process language-server session: `stv2lint::lsp::serve` on a thread, fed and read
//! through channels, and a client that keeps the diagnostics last published for every URI (the
//! way an editor does). Shared by `tests/lsp_incremental.rs` and `examples/bench_lsp.rs`
//! (included there by path), together with a generator of ARM deployments.
#![allow(dead_code)]

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use stv2lint::lsp::{path_to_uri, serve, ServeOptions};

/// The server's input: bytes arriving on a channel; the end of the channel ends the input.
struct Input {
    rx: Receiver<Vec<u8>>,
    buf: Vec<u8>,
    pos: usize,
}

impl Read for Input {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = {
            let b = self.fill_buf()?;
            let n = b.len().min(out.len());
            out[..n].copy_from_slice(&b[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Input {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.pos == self.buf.len() {
            match self.rx.recv() {
                Ok(b) => {
                    self.buf = b;
                    self.pos = 0;
                }
                Err(_) => return Ok(&[]),
            }
        }
        Ok(&self.buf[self.pos..])
    }
    fn consume(&mut self, n: usize) {
        self.pos += n;
    }
}

/// The server's output: framed messages, parsed and handed to the client.
struct Output {
    tx: Sender<Value>,
    buf: Vec<u8>,
}

impl Write for Output {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(b);
        while let Some(h) = find(&self.buf, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&self.buf[..h]).to_string();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("Content-Length: "))
                .and_then(|n| n.trim().parse().ok())
                .expect("a Content-Length header");
            if self.buf.len() < h + 4 + len {
                break;
            }
            let body: Value =
                serde_json::from_slice(&self.buf[h + 4..h + 4 + len]).expect("a JSON body");
            self.buf.drain(..h + 4 + len);
            let _ = self.tx.send(body);
        }
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

pub struct Session {
    to_server: Option<Sender<Vec<u8>>>,
    from_server: Receiver<Value>,
    server: Option<JoinHandle<u8>>,
    /// The diagnostics last published per URI (empty lists removed).
    pub shown: BTreeMap<String, Value>,
    /// When each URI was last published.
    pub published_at: BTreeMap<String, Instant>,
    /// Publications received so far.
    pub publications: usize,
}

impl Session {
    /// A server with `folder` as its workspace folder, initialized, tracing its lints to the
    /// client's log (`window/logMessage`), with no debounce.
    pub fn start(folder: &Path) -> Session {
        Session::start_with(
            folder,
            ServeOptions {
                debounce: Duration::ZERO,
                lint: true,
                trace: true,
            },
        )
    }

    /// [`Session::start`] with these options (`trace` must be on: [`Session::linted`] reads
    /// the trace).
    pub fn start_with(folder: &Path, opts: ServeOptions) -> Session {
        let (to_server, rx) = channel::<Vec<u8>>();
        let (tx, from_server) = channel();
        let server = std::thread::Builder::new()
            .stack_size(64 << 20)
            .spawn(move || {
                let input = Input {
                    rx,
                    buf: Vec::new(),
                    pos: 0,
                };
                serve(
                    input,
                    Output {
                        tx,
                        buf: Vec::new(),
                    },
                    &opts,
                )
            })
            .expect("server thread");
        let mut s = Session {
            to_server: Some(to_server),
            from_server,
            server: Some(server),
            shown: BTreeMap::new(),
            published_at: BTreeMap::new(),
            publications: 0,
        };
        s.send(json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"rootUri": path_to_uri(folder).as_str(), "capabilities": {}}}));
        s.until(|m| m["id"] == 1);
        s.notify("initialized", json!({}));
        s
    }

    fn send(&mut self, v: Value) {
        let body = v.to_string();
        let framed = format!("Content-Length: {}\r\n\r\n{body}", body.len());
        if let Some(tx) = &self.to_server {
            tx.send(framed.into_bytes()).expect("the server reads");
        }
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    pub fn open(&mut self, path: &Path, text: &str, version: i32) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri(path), "languageId": "", "version": version, "text": text}}),
        );
    }

    pub fn change(&mut self, path: &Path, text: &str, version: i32) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri(path), "version": version},
                   "contentChanges": [{"text": text}]}),
        );
    }

    pub fn close(&mut self, path: &Path) {
        self.notify(
            "textDocument/didClose",
            json!({"textDocument": {"uri": uri(path)}}),
        );
    }

    /// Files created (1), changed (2) or deleted (3) on disk, as a watching client reports.
    pub fn watched(&mut self, path: &Path, kind: i32) {
        self.notify(
            "workspace/didChangeWatchedFiles",
            json!({"changes": [{"uri": uri(path), "type": kind}]}),
        );
    }

    /// Read messages (keeping the diagnostics) until one satisfies `pred`; panics after a
    /// minute of silence, so a lost message fails the test instead of hanging it.
    pub fn until(&mut self, pred: impl Fn(&Value) -> bool) -> Value {
        loop {
            let m = match self.from_server.recv_timeout(Duration::from_secs(60)) {
                Ok(m) => m,
                Err(RecvTimeoutError::Timeout) => panic!("no message from the server for 60 s"),
                Err(RecvTimeoutError::Disconnected) => panic!("the server stopped"),
            };
            if m["method"] == "textDocument/publishDiagnostics" {
                let uri = m["params"]["uri"].as_str().unwrap_or_default().to_string();
                let d = m["params"]["diagnostics"].clone();
                self.publications += 1;
                self.published_at.insert(uri.clone(), Instant::now());
                if d.as_array().is_some_and(|a| !a.is_empty()) {
                    self.shown.insert(uri, d);
                } else {
                    self.shown.remove(&uri);
                }
            }
            if pred(&m) {
                return m;
            }
        }
    }

    /// Wait for the end of the next lint (its log line, sent after what it published), and
    /// return the line: `stv2lint: full|incremental lint of …`.
    pub fn linted(&mut self) -> String {
        let m = self.until(|m| {
            m["method"] == "window/logMessage"
                && m["params"]["message"]
                    .as_str()
                    .is_some_and(|s| s.contains(" lint of "))
        });
        m["params"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// `shutdown` and `exit`; the server's exit code.
    pub fn finish(mut self) -> u8 {
        self.send(json!({"jsonrpc": "2.0", "id": "end", "method": "shutdown"}));
        self.until(|m| m["id"] == "end");
        self.notify("exit", Value::Null);
        self.to_server = None;
        self.server.take().map_or(1, |h| h.join().expect("server"))
    }
}

pub fn uri(path: &Path) -> String {
    path_to_uri(&std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()))
        .as_str()
        .to_string()
}

/// An ARM deployment `i`: a virtual network `vnet-{i}` with subnet `apim`, an NSG `nsg-{i}`
/// whose deny of the management port (when `deny`) blocks API Management, and an injected
/// Premium instance `apim-{i}` — unless `subnet_of` names another deployment, whose subnet the
/// instance then uses without declaring a network (a reference across deployments).
pub fn arm_template(i: usize, deny: bool, subnet_of: Option<usize>) -> String {
    let rule = |name: &str, p: u32, access: &str, src: &str, port: &str| {
        format!(
            r#"{{ "name": "{name}", "properties": {{ "priority": {p}, "direction": "Inbound", "access": "{access}", "protocol": "Tcp",
          "sourceAddressPrefix": "{src}", "sourcePortRange": "*", "destinationAddressPrefix": "VirtualNetwork", "destinationPortRange": "{port}" }} }}"#
        )
    };
    let mut rules = vec![rule("web", 100, "Allow", "Internet", "443")];
    if deny {
        rules.push(rule("deny-mgmt", 110, "Deny", "*", "3443"));
    }
    let network = format!(
        r#"{{ "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-04-01", "name": "nsg-{i}",
      "properties": {{ "securityRules": [ {rules} ] }} }},
    {{ "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-04-01", "name": "vnet-{i}",
      "properties": {{ "addressSpace": {{ "addressPrefixes": ["10.0.0.0/16"] }}, "subnets": [ {{ "name": "apim", "properties": {{
        "addressPrefix": "[parameters('prefix')]",
        "networkSecurityGroup": {{ "id": "[resourceId('Microsoft.Network/networkSecurityGroups', 'nsg-{i}')]" }} }} }} ] }} }},"#,
        rules = rules.join(",\n")
    );
    let (network, vnet) = match subnet_of {
        Some(j) => (String::new(), j),
        None => (network, i),
    };
    format!(
        r#"{{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {{ "prefix": {{ "type": "string", "defaultValue": "10.0.{b}.0/24" }} }},
  "resources": [
    {network}
    {{ "type": "Microsoft.ApiManagement/service", "apiVersion": "2023-05-01-preview", "name": "apim-{i}", "location": "westeurope",
      "sku": {{ "name": "Premium", "capacity": 1 }},
      "properties": {{ "publisherEmail": "a@b.c", "publisherName": "x", "virtualNetworkType": "Internal",
        "virtualNetworkConfiguration": {{ "subnetResourceId": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet-{vnet}', 'apim')]" }} }} }}
  ]
}}
"#,
        b = i % 250,
    )
}

/// Write `n` ARM deployments into `dir` (`t00000.json`, …), every fourth one with the blocking
/// deny; the file names.
pub fn arm_tree(dir: &Path, n: usize) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).expect("bench dir");
    (0..n)
        .map(|i| {
            let p = dir.join(format!("t{i:05}.json"));
            std::fs::write(&p, arm_template(i, i % 4 == 0, None)).expect("write");
            p
        })
        .collect()
}
