//! Two runs' outputs compared byte for byte, for the tests that hold a run's output independent
//! of how it was run (thread count, streaming).

use stv2lint::cli::OutputFormat;

/// Every format `check` renders.
pub const FORMATS: [OutputFormat; 5] = [
    OutputFormat::Human,
    OutputFormat::Compact,
    OutputFormat::Json,
    OutputFormat::Sarif,
    OutputFormat::Github,
];

/// Panics with the first line where `b` differs from `a`, named by `what`, `left` and `right`.
pub fn assert_same_text(what: &str, (left, a): (&str, &[u8]), (right, b): (&str, &[u8])) {
    if a == b {
        return;
    }
    let a = String::from_utf8_lossy(a);
    let b = String::from_utf8_lossy(b);
    let line = a
        .lines()
        .zip(b.lines())
        .position(|(x, y)| x != y)
        .unwrap_or(a.lines().count().min(b.lines().count()));
    panic!(
        "{what} differs from line {}:\n{left}: {:?}\n{right}: {:?}",
        line + 1,
        a.lines().nth(line),
        b.lines().nth(line)
    );
}
