//! The base protocol of the language server: `Content-Length` framed JSON-RPC over a byte stream.
//!
//! Our own reader rather than lsp-server's, because a client's mistake must not end the session:
//! lsp-server's reader returns an error on a malformed payload (which ends its I/O thread) and
//! allocates whatever `Content-Length` says before reading a byte. Here every mistake becomes a
//! [`Frame::Invalid`] the server answers with a JSON-RPC error, and the reader finds the next
//! message; memory stays bounded by [`MAX_CONTENT_LENGTH`] whatever the header claims.

use lsp_server::Message;
use serde_json::{json, Value};
use std::io::{self, BufRead, Read, Write};

/// The largest message body accepted. Editors send whole documents in `didOpen`/`didChange`;
/// 64 MiB is far above any template worth linting and far below what hurts the machine.
pub const MAX_CONTENT_LENGTH: u64 = 64 << 20;

/// Longest header line kept in memory; a longer one is a framing error.
const MAX_HEADER_LINE: usize = 8 << 10;

/// JSON-RPC error codes the reader produces.
pub const PARSE_ERROR: i32 = -32700;
pub const INVALID_REQUEST: i32 = -32600;

/// One unit read from the stream.
#[derive(Debug)]
pub enum Frame {
    Message(Message),
    /// Not a message: answer with this error (`id` when the body named one) and go on.
    Invalid {
        code: i32,
        message: String,
        id: Option<Value>,
    },
    /// The stream ended: cleanly between messages (`None`) or in the middle of one (why).
    End(Option<String>),
}

/// Reads frames from `r`, resynchronising on the next `Content-Length` header after a framing
/// error (a bad header means the body's length is unknown, so the body cannot be skipped).
pub struct Reader<R> {
    r: R,
    resync: bool,
}

enum Line {
    Eof,
    TooLong,
    Text(Vec<u8>),
}

impl<R: BufRead> Reader<R> {
    pub fn new(r: R) -> Self {
        Reader { r, resync: false }
    }

    pub fn next_frame(&mut self) -> Frame {
        match self.frame() {
            Ok(f) => f,
            Err(e) => Frame::End(Some(format!("cannot read the input: {e}"))),
        }
    }

    fn frame(&mut self) -> io::Result<Frame> {
        let mut length: Option<Result<u64, String>> = None;
        let mut in_header = false;
        if std::mem::take(&mut self.resync) {
            if !self.skip_to_content_length()? {
                return Ok(Frame::End(None));
            }
            // Positioned just after `Content-Length:`; the rest of that line is the value.
            in_header = true;
            match self.line()? {
                Line::Text(v) => length = Some(parse_length(&v)),
                Line::TooLong => return Ok(self.bad("a header line longer than 8 KiB")),
                Line::Eof => return Ok(ended("inside a message header")),
            }
        }
        loop {
            let line = match self.line()? {
                Line::Eof if in_header => return Ok(ended("inside a message header")),
                Line::Eof => return Ok(Frame::End(None)),
                Line::TooLong => return Ok(self.bad("a header line longer than 8 KiB")),
                Line::Text(l) => l,
            };
            let line = trim_eol(&line);
            if line.is_empty() {
                if in_header {
                    break;
                }
                // Stray blank lines between messages are harmless.
                continue;
            }
            in_header = true;
            let Some(colon) = line.iter().position(|&b| b == b':') else {
                return Ok(self.bad(&format!(
                    "a header line without `:`: {:?}",
                    shorten(&String::from_utf8_lossy(line))
                )));
            };
            let name = &line[..colon];
            if name.trim_ascii().eq_ignore_ascii_case(b"content-length") {
                length = Some(parse_length(&line[colon + 1..]));
            }
            // Content-Type and unknown headers carry nothing we need.
        }
        let n = match length {
            None => return Ok(self.bad("a message without a Content-Length header")),
            Some(Err(e)) => return Ok(self.bad(&e)),
            Some(Ok(n)) if n > MAX_CONTENT_LENGTH => {
                return Ok(self.bad(&format!(
                    "Content-Length {n} is over the limit of {MAX_CONTENT_LENGTH} bytes; the message is skipped"
                )))
            }
            Some(Ok(n)) => n,
        };
        // Read what arrives rather than allocating the announced size up front.
        let mut body = Vec::new();
        (&mut self.r).take(n).read_to_end(&mut body)?;
        if (body.len() as u64) < n {
            return Ok(ended("inside a message body"));
        }
        Ok(decode(&body))
    }

    /// A framing error: answer it, then look for the next header.
    fn bad(&mut self, why: &str) -> Frame {
        self.resync = true;
        Frame::Invalid {
            code: PARSE_ERROR,
            message: why.to_string(),
            id: None,
        }
    }

    /// One line (through `\n`), at most [`MAX_HEADER_LINE`] bytes kept. A longer line is
    /// consumed only up to the limit; the resync that follows reads on from there.
    fn line(&mut self) -> io::Result<Line> {
        let mut out = Vec::new();
        loop {
            let buf = match self.r.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buf.is_empty() {
                return Ok(if out.is_empty() {
                    Line::Eof
                } else {
                    Line::Text(out)
                });
            }
            let room = MAX_HEADER_LINE - out.len();
            let (take, done) = match buf.iter().take(room).position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (buf.len().min(room), false),
            };
            out.extend_from_slice(&buf[..take]);
            self.r.consume(take);
            if done {
                return Ok(Line::Text(out));
            }
            if out.len() >= MAX_HEADER_LINE {
                return Ok(Line::TooLong);
            }
        }
    }

    /// Skip input up to and including the next `Content-Length:` (any case), in constant
    /// memory. `false` at the end of the input.
    fn skip_to_content_length(&mut self) -> io::Result<bool> {
        const PAT: &[u8] = b"content-length:";
        let mut matched = 0;
        loop {
            let buf = match self.r.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buf.is_empty() {
                return Ok(false);
            }
            let mut used = 0;
            let mut found = false;
            for &b in buf {
                used += 1;
                let b = b.to_ascii_lowercase();
                // `c` occurs only at the start of the pattern, so a mismatch restarts there.
                matched = if b == PAT[matched] {
                    matched + 1
                } else {
                    usize::from(b == PAT[0])
                };
                if matched == PAT.len() {
                    found = true;
                    break;
                }
            }
            self.r.consume(used);
            if found {
                return Ok(true);
            }
        }
    }
}

fn ended(where_: &str) -> Frame {
    Frame::End(Some(format!("the input ended {where_}")))
}

fn trim_eol(l: &[u8]) -> &[u8] {
    let l = l.strip_suffix(b"\n").unwrap_or(l);
    l.strip_suffix(b"\r").unwrap_or(l)
}

fn parse_length(v: &[u8]) -> Result<u64, String> {
    let v = trim_eol(v).trim_ascii();
    std::str::from_utf8(v)
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .ok_or_else(|| {
            format!(
                "Content-Length is not a number: {:?}",
                shorten(&String::from_utf8_lossy(v))
            )
        })
}

fn shorten(s: &str) -> String {
    match s.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// A complete body: a message, or why it is not one (the framing is intact, so no resync).
fn decode(body: &[u8]) -> Frame {
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            return Frame::Invalid {
                code: PARSE_ERROR,
                message: format!("the message is not valid JSON: {e}"),
                id: None,
            }
        }
    };
    // JSON-RPC: answer an invalid request with its id when it has a usable one.
    let id = value
        .get("id")
        .filter(|i| i.is_string() || i.is_i64())
        .cloned();
    match serde_json::from_value::<Message>(value) {
        Ok(m) => Frame::Message(m),
        Err(e) => Frame::Invalid {
            code: INVALID_REQUEST,
            message: format!(
                "the message is not a JSON-RPC request, response or notification: {e}"
            ),
            id,
        },
    }
}

/// Write one message.
pub fn write_message(w: &mut dyn Write, m: &Message) -> io::Result<()> {
    let mut w = w;
    m.write(&mut w)
}

/// Write a JSON-RPC error response; `id` is `null` when the message had none we could read.
pub fn write_error(
    w: &mut dyn Write,
    id: Option<Value>,
    code: i32,
    message: &str,
) -> io::Result<()> {
    let body = json!({
        "jsonrpc": "2.0",
        "id": id.unwrap_or(Value::Null),
        "error": { "code": code, "message": message },
    })
    .to_string();
    write!(w, "Content-Length: {}\r\n\r\n{}", body.len(), body)?;
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &[u8]) -> Vec<Frame> {
        let mut r = Reader::new(input);
        let mut out = Vec::new();
        loop {
            let f = r.next_frame();
            let end = matches!(f, Frame::End(_));
            out.push(f);
            if end || out.len() > 100 {
                return out;
            }
        }
    }

    fn msg(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{}", body.len(), body)
    }

    const SHUTDOWN: &str = r#"{"jsonrpc":"2.0","id":7,"method":"shutdown"}"#;

    fn is_shutdown(f: &Frame) -> bool {
        matches!(f, Frame::Message(Message::Request(r)) if r.method == "shutdown")
    }

    fn is_error(f: &Frame, code: i32) -> bool {
        matches!(f, Frame::Invalid { code: c, .. } if *c == code)
    }

    #[test]
    fn invalid_json_is_a_parse_error_and_the_next_message_is_read() {
        let input = msg("{not json") + &msg(SHUTDOWN);
        let f = frames(input.as_bytes());
        assert!(is_error(&f[0], PARSE_ERROR), "{f:?}");
        assert!(is_shutdown(&f[1]), "{f:?}");
        assert!(matches!(f[2], Frame::End(None)), "{f:?}");
    }

    #[test]
    fn json_that_is_no_message_is_an_invalid_request_with_its_id() {
        let input = msg(r#"{"jsonrpc":"2.0","id":3,"method":42}"#) + &msg(SHUTDOWN);
        let f = frames(input.as_bytes());
        match &f[0] {
            Frame::Invalid { code, id, .. } => {
                assert_eq!(*code, INVALID_REQUEST);
                assert_eq!(id, &Some(json!(3)));
            }
            other => panic!("{other:?}"),
        }
        assert!(is_shutdown(&f[1]), "{f:?}");
    }

    #[test]
    fn an_absurd_length_is_refused_and_the_reader_resynchronises() {
        // The body that follows is short; the next header is found by scanning, even when it
        // follows the body without a line break.
        let input = format!(
            "Content-Length: 1000000000000\r\n\r\n{{\"x\":1}}{}",
            msg(SHUTDOWN)
        );
        let f = frames(input.as_bytes());
        match &f[0] {
            Frame::Invalid { code, message, .. } => {
                assert_eq!(*code, PARSE_ERROR);
                assert!(message.contains("1000000000000"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        assert!(is_shutdown(&f[1]), "{f:?}");
        assert!(matches!(f[2], Frame::End(None)), "{f:?}");
        // Just over the cap is refused too.
        let input = format!("Content-Length: {}\r\n\r\n", MAX_CONTENT_LENGTH + 1);
        assert!(is_error(&frames(input.as_bytes())[0], PARSE_ERROR));
    }

    #[test]
    fn bad_or_missing_headers_are_parse_errors() {
        for bad in [
            "Content-Length: twelve\r\n\r\n{}",
            "Content-Lenght: 2\r\n\r\n{}",
            "Content-Type: x\r\n\r\n{}",
            "garbage without colon\r\n\r\n{}",
            "Content-Length: -5\r\n\r\n",
        ] {
            let input = bad.to_string() + &msg(SHUTDOWN);
            let f = frames(input.as_bytes());
            assert!(is_error(&f[0], PARSE_ERROR), "{bad:?}: {f:?}");
            assert!(is_shutdown(&f[1]), "{bad:?}: {f:?}");
        }
    }

    #[test]
    fn a_header_line_without_end_is_bounded() {
        let mut input = vec![b'x'; 1 << 20];
        input.extend_from_slice(msg(SHUTDOWN).as_bytes());
        let f = frames(&input);
        assert!(is_error(&f[0], PARSE_ERROR), "{f:?}");
        assert!(is_shutdown(&f[1]), "{f:?}");
    }

    #[test]
    fn a_truncated_stream_ends_with_a_reason() {
        let f = frames(b"Content-Length: 50\r\n\r\n{\"a\":");
        assert!(
            matches!(&f[0], Frame::End(Some(m)) if m.contains("body")),
            "{f:?}"
        );
        let f = frames(b"Content-Length: 50\r\n");
        assert!(
            matches!(&f[0], Frame::End(Some(m)) if m.contains("header")),
            "{f:?}"
        );
        let f = frames(b"");
        assert!(matches!(&f[0], Frame::End(None)), "{f:?}");
    }

    #[test]
    fn lf_only_headers_and_any_case_are_accepted() {
        let input = format!("content-length: {}\n\n{}", SHUTDOWN.len(), SHUTDOWN);
        assert!(is_shutdown(&frames(input.as_bytes())[0]));
    }
}
