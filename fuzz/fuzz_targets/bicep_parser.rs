//! The Bicep lexer and parser on arbitrary text: never panic, errors inside the input.
#![no_main]
use libfuzzer_sys::fuzz_target;
use stv2lint::frontend::bicep::parser;
use stv2lint::source::FileId;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Err(e) = parser::parse(&text, FileId(0)) {
        assert!(e.offset <= text.len());
    }
});
