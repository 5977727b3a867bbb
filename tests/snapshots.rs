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

/// The human report at a narrow and a wide terminal (the width is fixed here: the test must not
/// depend on the terminal it runs in).
fn human_at(width: usize) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::env::set_current_dir(root).unwrap();
    let o = stv2lint::check(&["examples/broken-apim".into()], &Default::default());
    let mut out = Vec::new();
    stv2lint::report::human::render_width(&o, &mut out, width).unwrap();
    let got = String::from_utf8(out).unwrap();
    for line in got.lines() {
        assert!(
            line.chars().count() <= width,
            "wider than {width} columns: {line:?}"
        );
    }
    insta::with_settings!({
        prepend_module_to_snapshot => false,
        omit_expression => true,
        description => format!("COLUMNS={width} stv2lint check examples/broken-apim --format human"),
    }, {
        insta::assert_snapshot!(format!("broken-apim.human-{width}"), got);
    });
}

#[test]
fn human_80() {
    human_at(80);
}

#[test]
fn human_120() {
    human_at(120);
}

#[test]
fn compact() {
    snapshot("compact", OutputFormat::Compact);
}

#[test]
fn json() {
    snapshot("json", OutputFormat::Json);
}

/// The binary takes the width from `COLUMNS` (a pipe has no terminal to ask).
#[test]
fn human_width_follows_columns() {
    let widest = |columns: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_stv2lint"))
            .args(["check", "examples/broken-apim", "--format", "human"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("COLUMNS", columns)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.contains("error[STV202] inbound-management-3443:"),
            "{text}"
        );
        text.lines().map(|l| l.chars().count()).max().unwrap()
    };
    assert!(widest("80") <= 80);
    let wide = widest("200");
    assert!(wide > 120 && wide <= 200, "{wide}");
}
