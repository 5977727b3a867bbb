//! A baseline file (`--baseline`) of any content applied to arbitrary findings: reading never
//! panics, and applying only hides findings.
#![no_main]
mod common;
use libfuzzer_sys::arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(text) = u.arbitrary::<String>() else {
        return;
    };
    let Ok(mut o) = common::outcome(&mut u) else {
        return;
    };
    let Ok(b) = stv2lint::baseline::parse(&text, std::path::Path::new("/fuzz/baseline.json"))
    else {
        return;
    };
    let before = o.diagnostics.len();
    let applied = b.apply(&mut o);
    assert_eq!(o.diagnostics.len() + applied.hidden, before);
    common::render_all(&o);
});
