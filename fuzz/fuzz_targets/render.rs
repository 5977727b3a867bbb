//! Every renderer (human, compact, JSON, SARIF, GitHub, and the language server's diagnostics)
//! over arbitrary sources and arbitrary diagnostics: any span inside the file (also inside a
//! multi-byte character, at the end, empty), any message, help, resource and related
//! locations. Never a panic.
#![no_main]
mod common;
use libfuzzer_sys::arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    if let Ok(o) = common::outcome(&mut u) {
        common::render_all(&o);
    }
});
