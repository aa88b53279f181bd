// Re-export the C API so that the staticlib carries every `wasm_*`/`wasmtime_*` symbol.
pub use wasmtime_c_api::*;
