//! The ARM expression parser and the function library must never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use stv2lint::frontend::arm::{expr, functions};
use stv2lint::model::V;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = expr::parse(text);
        let _ = expr::parse(&format!("[{text}]"));
        // Feed fragments to functions by name as well.
        let mut parts = text.splitn(4, '|');
        if let (Some(name), Some(a), Some(b)) = (parts.next(), parts.next(), parts.next()) {
            let args = vec![
                V::str(a, None),
                V::str(b, None),
                V::int(a.len() as i64 - 3, None),
            ];
            for n in 1..=3 {
                let _ = functions::call(name, &args[..n], None);
            }
        }
    }
});
