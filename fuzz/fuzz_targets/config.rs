//! `.stv2lint.yaml` as a repository may hold it: parsing never panics, and a configuration that
//! parses applies to the options.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(cfg) = stv2lint::config::parse(&text, Path::new("/fuzz/repo/.stv2lint.yaml")) {
        let mut opts = stv2lint::CheckOptions::default();
        stv2lint::driver::apply_config(&cfg, &mut opts);
        for e in &opts.exclude {
            let _ = e.matches(Path::new("/fuzz/repo/infra/main.bicep"));
        }
    }
});
