// Re-export the C API so that the staticlib carries every `wasm_*`/`wasmtime_*` symbol.
pub use wasmtime_c_api::*;

use wasmtime::{Enabled, PoolingAllocationConfig};

/// Sets `PoolingAllocationConfig::pagemap_scan`, which the C API of this version does not expose:
/// with it, a pooled memory slot is reset by restoring only the pages the last instance wrote
/// (found with Linux's PAGEMAP_SCAN ioctl) and keeping them mapped, instead of dropping every
/// page with madvise and faulting them back in. Without kernel support (before 6.7) Wasmtime
/// falls back to madvise.
///
/// # Safety
/// `config` must come from `wasmtime_pooling_allocation_config_new`. That struct is `#[repr(C)]`
/// with a `PoolingAllocationConfig` as its only field, so a pointer to it points to the field
/// (checked at compile time below).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eryx_pooling_allocation_config_pagemap_scan_set(
    config: *mut wasmtime_pooling_allocation_config_t,
    enable: bool,
) {
    let inner = unsafe { &mut *config.cast::<PoolingAllocationConfig>() };
    inner.pagemap_scan(if enable { Enabled::Auto } else { Enabled::No });
}

const _: () = assert!(
    std::mem::size_of::<wasmtime_pooling_allocation_config_t>()
        == std::mem::size_of::<PoolingAllocationConfig>()
);
