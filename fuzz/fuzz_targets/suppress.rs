//! Suppression comments: a file of any content in any language is loaded by its front end,
//! the rules run, arbitrary extra findings are added, and the suppressions are applied —
//! never a panic, every span inside its file, and the result renders.
#![no_main]
mod common;
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use stv2lint::code::Code;
use stv2lint::discover::Discovered;
use stv2lint::model::Workspace;
use stv2lint::source::{FileId, Lang, SourceFile, Span};
use stv2lint::Outcome;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest).into_owned();
    let mut ws = Workspace::default();
    match sel % 3 {
        0 => {
            let id = ws.sources.add(SourceFile::new(
                "/nonexistent/fuzz/main.bicep".into(),
                "main.bicep".into(),
                text.clone(),
                Lang::Bicep,
            ));
            let found = Discovered {
                bicep: vec![id],
                ..Default::default()
            };
            stv2lint::frontend::bicep::load(&mut ws, &found, &Default::default());
        }
        1 => {
            let files = vec![(PathBuf::from("/nonexistent/fuzz/main.tf"), text.clone())];
            stv2lint::frontend::terraform::load_texts(&mut ws, &files, &Default::default());
        }
        _ => {
            // ARM: JSON with comments, as the ARM front end reads it.
            let id = FileId(ws.sources.len() as u32);
            let Ok(parsed) = stv2lint::frontend::json::parse(&text, id) else {
                return;
            };
            ws.sources.add(SourceFile::new(
                "/nonexistent/fuzz/azuredeploy.json".into(),
                "azuredeploy.json".into(),
                text.clone(),
                Lang::Json,
            ));
            let mut found = Discovered {
                arm_templates: vec![id],
                ..Default::default()
            };
            found.json.insert(id, parsed.value);
            stv2lint::frontend::arm::load(&mut ws, &found, &Default::default());
        }
    }
    ws.link();
    let mut diagnostics = std::mem::take(&mut ws.diagnostics);
    diagnostics.extend(stv2lint::rules::run(&ws, &Default::default(), |_| true));
    // A finding on every line start, so that each suppression comment has something to cover.
    if ws.sources.len() > 0 {
        let f = FileId(0);
        let t = &ws.sources.get(f).text;
        for (i, _) in t.match_indices('\n').take(64) {
            let mut d = diagnostics.first().cloned().unwrap_or_else(|| {
                stv2lint::diagnostic::Diagnostic::new(
                    Code::Stv201,
                    stv2lint::diagnostic::Severity::Error,
                    "m",
                )
            });
            d.code = [Code::Stv201, Code::Stv301, Code::Stv303, Code::Stv002][i % 4];
            d.span = Some(Span {
                file: f,
                start: i as u32 + 1,
                end: i as u32 + 1,
            });
            diagnostics.push(d);
        }
    }
    stv2lint::suppress::apply(&ws, &mut diagnostics);
    let o = Outcome {
        ws,
        diagnostics,
        files: 1,
        missing: Vec::new(),
        unreadable: Vec::new(),
        instances: Default::default(),
    };
    common::check_spans(&o);
    common::render_all(&o);
});
