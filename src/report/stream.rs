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

/// Where [`array`] prints one item, at the array's nesting.
pub struct Item<'a> {
    buf: &'a mut Vec<u8>,
    depth: usize,
}

impl Item<'_> {
    /// The item, as the value `v` (printed once per item).
    pub fn print(&mut self, v: &impl Serialize) -> std::io::Result<()> {
        pretty_into(self.buf, self.depth, v)
    }
}

/// Write `items` as the pretty JSON array at nesting `depth` (its items indented by two
/// spaces a level), each item printed by `item`.
pub fn array<T: Sync>(
    out: &mut dyn Write,
    depth: usize,
    items: &[T],
    chunk: usize,
    item: impl Fn(&T, &mut Item) -> std::io::Result<()> + Sync + Send,
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
                buf.extend_from_slice(b",\n");
                buf.extend_from_slice(&indent);
                item(
                    it,
                    &mut Item {
                        buf: &mut buf,
                        depth,
                    },
                )?;
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

/// `v` as pretty JSON `depth` levels deep, appended to `out`: the bytes printing the whole
/// document gives from that point (every line after the first indented two spaces a level),
/// written in place rather than printed and then indented.
pub fn pretty_into(out: &mut Vec<u8>, depth: usize, v: &impl Serialize) -> std::io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(
        out,
        Nested {
            level: depth,
            has_value: false,
        },
    );
    v.serialize(&mut ser).map_err(std::io::Error::from)
}

/// serde_json's pretty formatter (two spaces a level), starting `level` levels deep.
struct Nested {
    level: usize,
    has_value: bool,
}

impl Nested {
    fn line<W: ?Sized + Write>(&self, w: &mut W, first: bool) -> std::io::Result<()> {
        w.write_all(if first { b"\n" } else { b",\n" })?;
        self.indent(w)
    }
    fn indent<W: ?Sized + Write>(&self, w: &mut W) -> std::io::Result<()> {
        for _ in 0..self.level {
            w.write_all(b"  ")?;
        }
        Ok(())
    }
    fn open<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(bracket)
    }
    fn close<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.level -= 1;
        if self.has_value {
            w.write_all(b"\n")?;
            self.indent(w)?;
        }
        w.write_all(bracket)
    }
}

impl serde_json::ser::Formatter for Nested {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"[")
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"]")
    }
    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.line(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, _: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"{")
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"}")
    }
    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.line(w, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, _: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `pretty_into` gives what printing the value pretty and indenting every line after the
    /// first by two spaces a level gives (JSON strings hold no raw line break).
    #[test]
    fn pretty_into_is_the_pretty_print_indented() {
        let values = [
            serde_json::json!({"a": [1, {"b": [], "c": {}}, "x\ny"], "d": {"e": [[], [null]]}, "f": "\u{1}"}),
            serde_json::json!([]),
            serde_json::json!({}),
            serde_json::json!("plain"),
            serde_json::json!([{"k": [{"deep": [1, 2, {"z": true}]}]}]),
        ];
        for depth in [0, 1, 2, 4] {
            for v in &values {
                let printed = serde_json::to_vec_pretty(v).unwrap();
                let indent = vec![b' '; 2 * depth];
                let mut want = Vec::new();
                for (i, line) in printed.split(|&b| b == b'\n').enumerate() {
                    if i > 0 {
                        want.push(b'\n');
                        want.extend_from_slice(&indent);
                    }
                    want.extend_from_slice(line);
                }
                let mut got = Vec::new();
                pretty_into(&mut got, depth, v).unwrap();
                assert_eq!(
                    String::from_utf8(got).unwrap(),
                    String::from_utf8(want).unwrap(),
                    "depth {depth}"
                );
            }
        }
    }
}
