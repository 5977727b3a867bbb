//! Every renderer (human, compact, JSON, SARIF, GitHub, and the language server's diagnostics)
//! over arbitrary sources and arbitrary diagnostics: any span inside the file (also inside a
//! multi-byte character, at the end, empty), any message, help, resource and related
//! locations. Never a panic. The editor's add-rule quick fix is written into the same text at
//! the diagnostic's offsets, as it is when the document changed after the lint that found it.
#![no_main]
mod common;
use libfuzzer_sys::arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use stv2lint::lsp::add_rule::insertion;
use stv2lint::rules::flows::flows;

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(o) = common::outcome(&mut u) else {
        return;
    };
    common::render_all(&o);
    for d in &o.diagnostics {
        let (Some(a), Ok(flow)) = (&d.add_rule, u.choose(flows())) else {
            continue;
        };
        let f = o.ws.sources.get(a.nsg.file);
        let offsets = |s: stv2lint::source::Span| (s.start as usize, s.end as usize);
        let before = a.before.filter(|b| b.file == a.nsg.file).map(offsets);
        if let Some(ins) = insertion(
            f.lang,
            &f.text,
            flow,
            a.priority,
            before,
            offsets(a.nsg),
            a.separate,
        ) {
            assert!(
                f.text.is_char_boundary(ins.at),
                "insertion inside a character"
            );
        }
    }
});
