//! Parse and evaluate arbitrary text as a Bicep deployment, in memory, into the model: never
//! panic, never hang (loops, recursion and module nesting are bounded).
#![no_main]
use libfuzzer_sys::fuzz_target;
use stv2lint::discover::Discovered;
use stv2lint::model::Workspace;
use stv2lint::source::{Lang, SourceFile};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let mut ws = Workspace::default();
    let id = ws.sources.add(SourceFile::new(
        "/nonexistent/fuzz/main.bicep".into(),
        "main.bicep".into(),
        text,
        Lang::Bicep,
    ));
    let found = Discovered {
        bicep: vec![id],
        ..Default::default()
    };
    stv2lint::frontend::bicep::load(&mut ws, &found, &Default::default());
    ws.link();
});
