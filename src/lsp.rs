//! `stv2lint lsp` (to be written).
pub fn run() -> u8 {
    2
}
