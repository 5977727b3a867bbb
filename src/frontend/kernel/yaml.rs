//! YAML that a run reads (`yamldecode`, `loadYamlContent`, `.stv2lint.yaml`): its nesting is
//! measured before it is parsed. The YAML parser stops at its own depth limit only after work
//! that grows with the square of the input (100 KB of `[` took over 20 s).

/// The deepest nesting of flow collections (`[`, `{`) accepted: the parser's own limit.
pub const MAX_DEPTH: usize = 128;

/// `Err` (1-based line, why) when flow collections nest deeper than [`MAX_DEPTH`]. One pass,
/// skipping quoted scalars and comments; a bracket inside a plain scalar counts too, which can
/// only reject text nested this deep anyway.
pub fn check_nesting(text: &str) -> Result<(), (usize, String)> {
    let (mut depth, mut line) = (0usize, 1usize);
    let mut quote: Option<u8> = None;
    let mut prev = b'\n';
    let mut bytes = text.bytes();
    while let Some(b) = bytes.next() {
        if b == b'\n' {
            line += 1;
        }
        match quote {
            Some(b'"') if b == b'\\' => {
                if bytes.next() == Some(b'\n') {
                    line += 1;
                }
            }
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None => match b {
                b'"' | b'\'' => quote = Some(b),
                b'#' if prev.is_ascii_whitespace() => {
                    // A comment runs to the end of its line.
                    for c in bytes.by_ref() {
                        if c == b'\n' {
                            line += 1;
                            break;
                        }
                    }
                }
                b'[' | b'{' => {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return Err((
                            line,
                            format!("the YAML nests collections more than {MAX_DEPTH} deep"),
                        ));
                    }
                }
                b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            },
        }
        prev = b;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_flow_nesting_is_refused_at_once() {
        assert!(check_nesting("a: [1, {b: [2]}]\n# [[[[[[\nc: '[[[['\n").is_ok());
        let ok = format!("x: {}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(check_nesting(&ok).is_ok());
        let deep = format!("a: 1\nx: {}", "[".repeat(100_000));
        let t = std::time::Instant::now();
        let e = check_nesting(&deep).unwrap_err();
        assert_eq!(e.0, 2);
        assert!(e.1.contains("more than 128 deep"), "{}", e.1);
        // Linear: far below what the parser took (seconds); a loose bound for slow machines.
        assert!(t.elapsed().as_secs() < 5);
    }
}
