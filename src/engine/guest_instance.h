// One instance of the guest in its own Store, with limits, deadline and host state attached.
// This is the only place that calls into the guest.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <wasmtime.hh>

#include "engine/memory_image.h"
#include "engine/store_state.h"
#include "host/eryx_abi.h"

namespace eryx::engine {

// How a call into the guest's execute export ended (traps are thrown as eryx errors instead).
enum class ExecStatus { kOk = 0, kException = 1, kInternalError = 2 };

struct InstanceLimits {
  std::optional<uint64_t> max_memory_bytes;
};

class GuestInstance {
 public:
  // Instantiates `module` in a new store. Does not run any guest code. `wasi` may be null when
  // restore() provides the WASI state before the first call.
  GuestInstance(wasmtime::Engine& engine, const wasmtime::Linker& linker,
                const wasmtime::Module& module, std::unique_ptr<wasi::WasiContext> wasi,
                const InstanceLimits& limits);
  ~GuestInstance();
  GuestInstance(const GuestInstance&) = delete;
  GuestInstance& operator=(const GuestInstance&) = delete;

  // Runs the reactor's _initialize and the interpreter's start-up (eryx_init).
  // Throws InitializationError.
  void initialize();

  // Runs `code` in the interpreter, compiled under `filename` (empty: the guest's "<exec>").
  // Throws TimeoutError, CancelledError, ResourceLimitError or Error when the guest traps (or
  // does not take the filename); returns the status otherwise.
  ExecStatus execute(std::string_view code, std::string_view filename = {});

  // Calls an export of type () -> i32 and returns its result or trap as is (for tests and tools).
  wasmtime::TrapResult<int32_t> call_export_i32(std::string_view name);

  // Asks the guest to report the __main__ variable `name` as JSON; the answer is in
  // state().result. Throws like execute().
  void capture_result(std::string_view name);
  // Drops the user globals of __main__. Throws like execute().
  void clear_state();
  // Makes the callbacks of `catalog_json` (see callbacks/registry_data.h) globals of __main__,
  // unless this catalogue (identified by `catalog_id`) is installed already. Throws like execute().
  void install_callbacks(const void* catalog_id, std::string_view catalog_json);
  // Runs `code` (host-written, e.g. the statement that puts secret placeholders into os.environ)
  // unless the code identified by `id` ran in this instance already. Throws Error when it raises.
  void install_environment(const void* id, std::string_view code);
  // Reseeds the guest's `random` module from fresh entropy. Throws like execute().
  void reseed();
  // eryx_reset_preopens: the guest lists its preopened directories again (mounts were added).
  void reset_preopens();
  // Makes every object of the interpreter's heap immortal and frozen for the GC, before its memory
  // is captured as a snapshot (guest/glue/eryx_heap.c says why). Throws like execute().
  void freeze_heap();
  // Pickles / restores the user globals. Throw Error with the guest's reason when they cannot.
  std::string snapshot_state();
  void restore_state(std::string_view blob);

  // Fuel (metered engines only): sets the budget for the next calls / reads what is left.
  void set_fuel(uint64_t fuel);
  uint64_t fuel_remaining();

  // True once a call trapped: the interpreter may be mid-execution and must not be reused.
  bool torn() const { return torn_; }

  // Asks the guest where the words of HostWords are (the eryx_host_info export); nullopt for a
  // guest without that export. A guest call: run it inside run_guest_call.
  std::optional<HostWords> query_host_words();
  // Lets interrupts reach the guest's code through `words` (null: they become hard stops).
  void set_host_words(const HostWords* words) { state_->host_words = words; }
  // Heap growths the memory limit has refused so far (0 when unknown).
  uint32_t memory_denials();

  // Copies the linear memory as it is now (e.g. before initialisation, as a diff baseline).
  std::vector<uint8_t> memory_copy();
  // Captures the whole state; `baseline` is the memory of a freshly instantiated module, so that
  // restore() into a fresh instance looks only at what differs from it (an empty baseline: all).
  MemoryImage capture(const std::vector<uint8_t>& baseline);
  // The exported globals that carry state between calls, with their current values.
  std::vector<std::pair<std::string, uint64_t>> state_globals();
  // Replaces the state of this freshly instantiated instance with `image` (memory, globals, a clone
  // of its WASI state). Only pages whose bytes differ are written.
  // Throws ResourceLimitError when the image does not fit the memory limit.
  void restore(const MemoryImage& image);

  // Grows the memory to `memory_size`, writes the pages that differ and sets the globals (the state
  // of a FactoryImage). The WASI state is the caller's. Throws ResourceLimitError when the memory
  // limit is below `memory_size`.
  void apply_pages(uint64_t memory_size, const std::vector<std::pair<uint32_t, std::string>>& pages,
                   const std::vector<std::pair<std::string, uint64_t>>& globals);

  // The same with the pages as views (e.g. into a session snapshot, which outlives the call).
  void apply_pages(uint64_t memory_size,
                   const std::vector<std::pair<uint32_t, std::string_view>>& pages,
                   const std::vector<std::pair<std::string, uint64_t>>& globals);

  // The page ranges [offset, offset + length) where this memory differs from that of `fresh`, a
  // freshly created instance of the same module: what a saved image must carry. Memory past
  // `fresh`'s size is compared with zeros, as memory grows zero-filled. Reads both memories in
  // place (no copy).
  std::vector<std::pair<uint32_t, uint32_t>> ranges_differing_from(GuestInstance& fresh);
  // The linear memory as it is now; valid until the next call into the guest or growth.
  std::span<const uint8_t> memory_view();

  // Installs a WASI context (e.g. one with a factory's files) in place of the current one.
  void replace_wasi(std::unique_ptr<wasi::WasiContext> wasi);

  StoreState& state() { return *state_; }
  uint64_t memory_size();

 private:
  // ThreadSanitizer builds only: see guest_instance.cpp.
  void tsan_acquire_slot();
  // Points the WASI context's wait checks (stop, wake for an interrupt) at this store's state.
  void attach_wasi_checks();
  // Calls an export () -> i32 that returns 0 on success.
  void call_status_export(const char* name);
  void grow_to(uint64_t bytes);
  void write_differing(uint64_t offset, std::string_view bytes);
  void set_globals(const std::vector<std::pair<std::string, uint64_t>>& globals);
  wasmtime::Func export_func(std::string_view name);
  // Copies `text` into guest memory and calls export (ptr, len) -> i32 with it.
  int32_t call_with_text(std::string_view export_name, std::string_view text,
                         std::string_view during);
  // Converts a trap or error from a guest call into the matching eryx exception.
  [[noreturn]] void throw_trap(const wasmtime::TrapError& error, std::string_view during);

  std::unique_ptr<StoreState> state_;
  wasmtime::Store store_;
  std::optional<wasmtime::Instance> instance_;
  std::optional<wasmtime::Memory> memory_;
  bool torn_ = false;
  const void* installed_catalog_ = nullptr;      // cleared with the globals
  const void* installed_environment_ = nullptr;  // os.environ outlives the globals
};

}  // namespace eryx::engine
