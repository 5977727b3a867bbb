//! Golden outputs of the renderers on the bundled example. A change in rendering shows up as a
//! diff here; after checking it, refresh with `STV2LINT_UPDATE_SNAPSHOTS=1 cargo test --test snapshots`.

use std::path::Path;
use stv2lint::cli::OutputFormat;

fn snapshot(name: &str, format: OutputFormat) {
    // Paths in the output are relative to the working directory: run from the crate root.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::env::set_current_dir(root).unwrap();
    let o = stv2lint::check(&["examples/broken-apim".into()], &Default::default());
    let mut out = Vec::new();
    stv2lint::report::render(format, &o, &mut out).unwrap();
    let got = String::from_utf8(out).unwrap();
    let file = root.join("tests/snapshots").join(name);
    if std::env::var_os("STV2LINT_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&file, &got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&file).unwrap_or_default();
    if want != got {
        let first = want
            .lines()
            .zip(got.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(want.lines().count().min(got.lines().count()));
        panic!(
            "{name} differs from the snapshot at line {}:\n--- want\n{}\n--- got\n{}\n(refresh with STV2LINT_UPDATE_SNAPSHOTS=1 after checking)",
            first + 1,
            want.lines().skip(first).take(5).collect::<Vec<_>>().join("\n"),
            got.lines().skip(first).take(5).collect::<Vec<_>>().join("\n"),
        );
    }
}

#[test]
fn human() {
    snapshot("broken-apim.human.txt", OutputFormat::Human);
}

#[test]
fn compact() {
    snapshot("broken-apim.compact.txt", OutputFormat::Compact);
}

#[test]
fn json() {
    snapshot("broken-apim.json", OutputFormat::Json);
}
