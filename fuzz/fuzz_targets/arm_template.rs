//! Whole templates through discovery, the ARM evaluator and the rules: never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("stv2lint-fuzz-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let file = dir.join("t.json");
    if std::fs::write(&file, data).is_ok() {
        let _ = stv2lint::check(&[file], &Default::default());
    }
});
