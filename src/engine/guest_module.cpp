#include "engine/guest_module.h"

#include <sys/resource.h>

#include <algorithm>
#include <fstream>
#include <vector>

#include "engine/pagemap_scan.h"
#include "eryx/errors.hpp"

// third_party/wasmtime/src/lib.rs: PoolingAllocationConfig::pagemap_scan, missing from the C API.
extern "C" void eryx_pooling_allocation_config_pagemap_scan_set(
    wasmtime_pooling_allocation_config_t* config, bool enable);

namespace eryx::engine {
namespace {

constexpr size_t kTableKeepResident = 64 * 1024;
// With PAGEMAP_SCAN, up to this much of the pages an instance wrote is restored in place (copied
// back from the image, or zeroed) and stays mapped for the next instance; the rest is dropped
// with madvise. A fresh `pass` writes ~50-60 pages (about 0.2 MiB); a slot keeps at most this
// much private memory between instances.
constexpr size_t kMemoryKeepResident = 4 * 1024 * 1024;

wasmtime::Module compile(wasmtime::Engine& engine, const std::filesystem::path& wasm) {
  auto bytes = read_file_bytes(wasm);
  auto module = wasmtime::Module::compile(engine, bytes);
  if (!module) {
    throw InitializationError("eryx: compiling " + wasm.string() + ": " + module.err().message());
  }
  return module.ok();
}

}  // namespace

// One read of the whole file: a byte-by-byte istreambuf_iterator copy of the 8 MB guest took
// milliseconds.
std::vector<uint8_t> read_file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw InitializationError("eryx: cannot read " + path.string());
  std::vector<uint8_t> bytes(static_cast<size_t>(in.tellg()));
  in.seekg(0);
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!in) throw InitializationError("eryx: cannot read " + path.string());
  return bytes;
}

uint32_t affordable_pool_slots(uint32_t wanted) {
  wanted = std::min(wanted, kMaxPoolSlots);
  rlimit limit{};
  if (wanted == 0 || ::getrlimit(RLIMIT_AS, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) {
    return wanted;
  }
  // Wasmtime reserves the whole pool when the engine is created and aborts the process if that
  // fails, so the pool must fit the limit with room to spare: it gets at most half of it.
  uint64_t slots =
      (static_cast<uint64_t>(limit.rlim_cur) / 2) / (kMemoryReservation + kMemoryGuard);
  return static_cast<uint32_t>(std::min<uint64_t>(wanted, slots));
}

wasmtime::Config make_engine_config(bool metered, uint32_t pool_slots) {
  wasmtime::Config config;
  config.consume_fuel(metered);
  config.epoch_interruption(true);
  config.max_wasm_stack(kMaxWasmStack);
  config.cranelift_opt_level(wasmtime::OptLevel::Speed);
#ifdef ERYX_TSAN_BUILD
  // Under ThreadSanitizer: Cranelift's worker threads synchronise in uninstrumented Rust, which
  // TSan would report as races (docs/reliability.md, "Sanitizers"). Compiling is not what those
  // runs check.
  config.parallel_compilation(false);
#else
  config.parallel_compilation(true);
#endif
  config.memory_reservation(kMemoryReservation);
  config.memory_guard_size(kMemoryGuard);
  // Instances map the module's memory image copy-on-write instead of copying its data segments
  // (the snapshot's 12 MiB of interpreter state).
  config.memory_init_cow(true);

  pool_slots = affordable_pool_slots(pool_slots);
  if (pool_slots > 0) {
    // A guest instance is one core instance with one memory and one table, so each pool has one
    // entry per slot. A freed slot keeps its mapping of the module's image and is reset in place
    // (below), without the mmap/munmap of an on-demand instance: the next instance sees the image
    // again, or zeros.
    wasmtime::PoolAllocationConfig pool;
    pool.total_core_instances(pool_slots);
    pool.total_memories(pool_slots);
    pool.total_tables(pool_slots);
    // GC heaps would share the memory slots; the guest allocates none.
    pool.total_gc_heaps(pool_slots);
    // Any memory may grow to the wasm32 maximum, whatever max_memory_bytes a sandbox has: the
    // store limiter enforces the sandbox's own limit.
    pool.max_memory_size(kMemoryReservation);
    // Every slot serves the same module, so a free slot stays "warm" (its image mapped) for the
    // next instance; there is no other module to give it to.
    pool.max_unused_warm_slots(pool_slots);
    // Where the kernel has PAGEMAP_SCAN, a reset restores only the pages the instance wrote and
    // keeps them (and the image pages it read) mapped: the next instance starts without page
    // faults. Without it no memory is kept resident: Wasmtime would memset the lowest addresses,
    // and with the guest's stack placed first those are the bottom of an 8 MiB stack that
    // executions rarely touch (docs/instance-allocation.md).
    bool scan = kernel_supports_pagemap_scan();
    eryx_pooling_allocation_config_pagemap_scan_set(pool.capi(), scan);
    pool.linear_memory_keep_resident(scan ? kMemoryKeepResident : 0);
    // The function table (5114 entries, 40 KiB for the CPython guest) is reset with a memset, which
    // measured ~5% faster per fresh sandbox than decommitting it and faulting it back in.
    pool.table_keep_resident(kTableKeepResident);
    config.pooling_allocation_strategy(pool);
  }
  return config;
}

wasmtime::Module load_guest_module(wasmtime::Engine& engine, const std::filesystem::path& wasm,
                                   const std::filesystem::path& cwasm) {
  std::error_code ec;
  if (std::filesystem::exists(cwasm, ec)) {
    auto module = wasmtime::Module::deserialize_file(engine, cwasm.string());
    if (module) return module.ok();
    // A .cwasm for another engine version or configuration: fall back to compiling.
  }
  if (!std::filesystem::exists(wasm, ec)) {
    throw InitializationError("eryx: guest module not found at " + wasm.string() +
                              " (build it with `make build`, or set ERYX_GUEST_DIR)");
  }
  return compile(engine, wasm);
}

void precompile_guest_module(wasmtime::Engine& engine, const std::filesystem::path& wasm,
                             const std::filesystem::path& cwasm) {
  auto module = compile(engine, wasm);
  auto bytes = module.serialize();
  if (!bytes) throw Error("eryx: serializing the module: " + bytes.err().message());
  auto tmp = cwasm;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.ok().data()),
              static_cast<std::streamsize>(bytes.ok().size()));
    if (!out) throw Error("eryx: writing " + tmp.string());
  }
  std::filesystem::rename(tmp, cwasm);
}

}  // namespace eryx::engine
