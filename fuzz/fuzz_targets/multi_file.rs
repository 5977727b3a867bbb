//! Multi-file deployments: the input is split at lines `--` into a Bicep entry point with two
//! modules and a parameter file, and an ARM template with its parameter file and a linked
//! template, written to a scratch directory and checked as `stv2lint check DIR` would — module
//! references, linked templates and parameter pairing between arbitrary files. Never a panic,
//! every span inside its file, and the result renders.
//!
//! The run happens on a pool of two workers, as `stv2lint check --threads 2` runs it: files
//! read and Bicep files prepared on workers, `parallel::join`, the run memo of canonical paths
//! handed to them, and the streamed JSON, SARIF and explain writers.
#![no_main]
mod common;
use libfuzzer_sys::fuzz_target;

const NAMES: &[&str] = &[
    "main.bicep",
    "modules/network.bicep",
    "modules/apim.bicep",
    "azuredeploy.json",
    "azuredeploy.parameters.json",
    "linked/network.json",
    "main.bicepparam",
];

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let files = common::split(&text, NAMES);
    let dir = common::tree("multi_file", &files);
    common::pool().install(|| {
        let o = stv2lint::check(&[dir], &Default::default());
        common::check_spans(&o);
        common::render_all(&o);
        common::render_explain(&o);
    });
});
