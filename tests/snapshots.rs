//! Golden outputs of the renderers on the bundled example (insta snapshots in `tests/snapshots/`).
//! A change in rendering shows up as a diff here; after checking it, refresh every snapshot of the
//! project with `INSTA_UPDATE=always cargo test`.

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
    insta::with_settings!({
        prepend_module_to_snapshot => false,
        omit_expression => true,
        description => format!("stv2lint check examples/broken-apim --format {name}"),
    }, {
        insta::assert_snapshot!(format!("broken-apim.{name}"), got);
    });
}

#[test]
fn human() {
    snapshot("human", OutputFormat::Human);
}

#[test]
fn compact() {
    snapshot("compact", OutputFormat::Compact);
}

#[test]
fn json() {
    snapshot("json", OutputFormat::Json);
}
