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

// Linear memory layout (docs/instance-allocation.md). The whole 32-bit address space is reserved
// for each memory, so compiled code needs no bounds checks and a memory may grow to the wasm32
// maximum of 4 GiB, which is what max_memory_bytes = unlimited means. Both values are compiled into
// the .cwasm files; they are spelled out (they are Wasmtime's 64-bit defaults) so that no change
// of default can make the pooled and the on-demand engines disagree.
inline constexpr uint64_t kMemoryReservation = uint64_t{4} << 30;
inline constexpr uint64_t kMemoryGuard = uint64_t{32} << 20;

// Instances one engine keeps in pre-reserved, reused slots of the pooling allocator. Each slot is
// kMemoryReservation + kMemoryGuard of address space (PROT_NONE until used), so 128 slots take
// ~0.5 TiB of the 128 TiB a process has: two engines per runtime leave room for over a hundred
// runtimes in one process. Instances past the pool go to an on-demand engine (engine_variant.h).
inline constexpr uint32_t kDefaultPoolSlots = 128;
// More slots than this are never reserved (16 TiB of address space): Wasmtime aborts the process
// when it cannot reserve a pool.
inline constexpr uint32_t kMaxPoolSlots = 4096;

// The number of pool slots the address-space limit of this process (RLIMIT_AS) can hold, at most
// `wanted` and kMaxPoolSlots; 0 when not even one fits (then instances are allocated on demand).
uint32_t affordable_pool_slots(uint32_t wanted);

// `metered` turns on fuel metering (deterministic instruction budgets); it costs speed, so the
// runtime keeps a second, metered engine for executions that ask for a fuel limit.
// `pool_slots` > 0 selects Wasmtime's pooling allocator with that many slots (reduced by
// affordable_pool_slots); 0 allocates each instance on demand. The slot count changes nothing in
// the compiled code, so a .cwasm loads into engines with any pool size.
wasmtime::Config make_engine_config(bool metered = false, uint32_t pool_slots = kDefaultPoolSlots);

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
