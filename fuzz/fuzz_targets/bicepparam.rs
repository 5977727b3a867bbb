//! `.bicepparam` evaluation: the input is split at lines `--` into `main.bicep` and
//! `main.bicepparam` (paired by `using 'main.bicep'`) in a scratch directory, and the whole
//! run (discovery, pairing, evaluation, rules, suppressions) happens as for `stv2lint check`.
//! Never a panic, every span inside its file, and the result renders.
#![no_main]
mod common;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let files = common::split(&text, &["main.bicepparam", "main.bicep"]);
    let dir = common::tree("bicepparam", &files);
    let o = stv2lint::check(&[dir], &Default::default());
    common::check_spans(&o);
    common::render_all(&o);
});
