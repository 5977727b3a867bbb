//! Pretty JSON reports written a piece at a time: the large array of a report (findings,
//! results, explained locations) is made and printed item by item on every worker and written
//! in order, a few chunks at a time, inside the frame `serde_json::to_writer_pretty` gives the
//! whole document. The bytes are those of printing the document as one value (each renderer's
//! tests hold them equal), but the document is never all in memory: as one `serde_json::Value`
//! the results of a 10,000-deployment run took 2 GB.

use serde::Serialize;
use serde_json::Value;
use std::io::Write;

/// How many items one worker prints at a time.
pub const CHUNK: usize = 256;

/// A string no report holds: where the array goes in a printed frame.
const MARK: &str = "\u{0}stv2lint: the items\u{0}";

/// A frame's stand-in for its array ([`frame`]).
pub fn mark() -> Value {
    Value::String(MARK.into())
}

/// `doc` printed pretty around the [`mark`] it holds under `key`: the text before the array
/// and after it.
pub fn frame(doc: &Value, key: &str) -> std::io::Result<(Vec<u8>, Vec<u8>)> {
    let mut text = serde_json::to_vec_pretty(doc)?;
    // An unescaped `"` only bounds a string, so this text occurs only where the mark is.
    let at = format!(
        "{}: {}",
        serde_json::to_string(key)?,
        serde_json::to_string(MARK)?
    );
    let Some(i) = text.windows(at.len()).position(|w| w == at.as_bytes()) else {
        return Err(std::io::Error::other("a report's frame lost its array"));
    };
    let after = text.split_off(i + at.len());
    text.truncate(i + at.len() - serde_json::to_string(MARK)?.len());
    Ok((text, after))
}

/// Write `items` as the pretty JSON array at nesting `depth` (its items indented by two
/// spaces a level), each item as `item` prints it ([`pretty`]).
pub fn array<T: Sync>(
    out: &mut dyn Write,
    depth: usize,
    items: &[T],
    chunk: usize,
    item: impl Fn(&T) -> std::io::Result<Vec<u8>> + Sync + Send,
) -> std::io::Result<()> {
    let indent = vec![b' '; 2 * depth];
    let chunks: Vec<&[T]> = items.chunks(chunk.max(1)).collect();
    out.write_all(b"[")?;
    let mut first = true;
    crate::parallel::map_into(
        &chunks,
        |chunk| {
            let mut buf = Vec::new();
            for it in chunk.iter() {
                let one = item(it)?;
                buf.extend_from_slice(b",\n");
                buf.extend_from_slice(&indent);
                indent_into(&mut buf, &one, &indent);
            }
            Ok::<_, std::io::Error>(buf)
        },
        |buf| {
            let buf = buf?;
            // Items are separated by commas: the first one has none before it.
            let from = if std::mem::take(&mut first) { 1 } else { 0 };
            out.write_all(&buf[from.min(buf.len())..])
        },
    )?;
    if !items.is_empty() {
        out.write_all(b"\n")?;
        out.write_all(&indent[2.min(indent.len())..])?;
    }
    out.write_all(b"]")
}

/// A value as pretty JSON.
pub fn pretty(v: &impl Serialize) -> std::io::Result<Vec<u8>> {
    serde_json::to_vec_pretty(v).map_err(std::io::Error::from)
}

/// Pretty JSON nested deeper, appended to `out`: `indent` after every line break. JSON
/// strings never hold a raw line break, so this is exact.
pub fn indent_into(out: &mut Vec<u8>, json: &[u8], indent: &[u8]) {
    let mut lines = json.split(|&b| b == b'\n');
    if let Some(first) = lines.next() {
        out.extend_from_slice(first);
    }
    for line in lines {
        out.push(b'\n');
        out.extend_from_slice(indent);
        out.extend_from_slice(line);
    }
}
