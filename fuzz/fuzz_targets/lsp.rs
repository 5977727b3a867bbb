//! The language server's message loop over arbitrary bytes, without a real stdio: the framing
//! reader and the dispatcher (initialize, open, change with ranges, close, shutdown, exit) must
//! answer or skip whatever arrives and end when the input does — never panic or hang. Linting
//! is off (a URI may name any directory of the machine); the lint itself has its own targets.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::time::Duration;
use stv2lint::lsp::{serve, ServeOptions};

fn frame(body: &str) -> Vec<u8> {
    format!("Content-Length: {}\r\n\r\n{}", body.len(), body).into_bytes()
}

fuzz_target!(|data: &[u8]| {
    // Start initialized half the time, so the fuzzer reaches the document handlers at once.
    let mut input = Vec::new();
    if data.first().is_some_and(|b| b & 1 == 1) {
        input.extend(frame(
            r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#,
        ));
    }
    input.extend_from_slice(data.get(1..).unwrap_or_default());
    let opts = ServeOptions {
        debounce: Duration::ZERO,
        lint: false,
        trace: false,
    };
    serve(std::io::Cursor::new(input), std::io::sink(), &opts);
});
