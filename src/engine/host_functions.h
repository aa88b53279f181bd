// Defines every import the guest may use on a Linker: wasi_snapshot_preview1 (forwarded to the
// project's WasiContext) and the project's own `eryx` module. Host functions never let a C++
// exception unwind through Wasm frames: faults become traps, guest errors become errno values.
#pragma once

#include <wasmtime.hh>

namespace eryx::engine {

void define_host_functions(wasmtime::Linker& linker);

}  // namespace eryx::engine
