//! The spanned JSON loader must never panic, and spans must stay inside the input.
#![no_main]
use libfuzzer_sys::fuzz_target;
use stv2lint::frontend::json;
use stv2lint::source::FileId;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(p) = json::parse(text, FileId(0)) {
            if let Some(s) = p.value.span {
                assert!(s.end as usize <= text.len());
            }
        }
    }
});
