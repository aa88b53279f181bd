// Loading the guest module: from a pre-compiled .cwasm (memory-mapped) when one matches this
// engine, otherwise by compiling the .wasm with Cranelift.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include <wasmtime.hh>

namespace eryx::engine {

// The engine configuration every eryx module is compiled for.
// Native stack the guest may use; executions run where that much stack is free (large_stack.h).
// Wasmtime caps it at its async stack size (2 MiB by default).
inline constexpr size_t kMaxWasmStack = 2 * 1024 * 1024;

// `metered` turns on fuel metering (deterministic instruction budgets); it costs speed, so the
// runtime keeps a second, metered engine for executions that ask for a fuel limit.
wasmtime::Config make_engine_config(bool metered = false);

// The file name of the pre-compiled guest for each engine flavour.
inline const char* precompiled_name(bool metered) {
  return metered ? "eryx-guest-metered.cwasm" : "eryx-guest.cwasm";
}

// Loads `cwasm` when it exists and was compiled for this engine, else compiles `wasm`.
// Throws InitializationError.
wasmtime::Module load_guest_module(wasmtime::Engine& engine, const std::filesystem::path& wasm,
                                   const std::filesystem::path& cwasm);

// The bytes of a file. Throws InitializationError.
std::vector<uint8_t> read_file_bytes(const std::filesystem::path& path);

// Compiles `wasm` and writes the serialized module to `cwasm` (used at build time).
void precompile_guest_module(wasmtime::Engine& engine, const std::filesystem::path& wasm,
                             const std::filesystem::path& cwasm);

}  // namespace eryx::engine
