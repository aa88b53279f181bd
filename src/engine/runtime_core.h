// What all sandboxes of one runtime share: the Wasm engine and its epoch ticker, the compiled guest,
// the linker with every host function, the stdlib image, and the pristine interpreter state that
// each fresh execution is restored from.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include <wasmtime.hh>

#include "engine/epoch_ticker.h"
#include "engine/memory_image.h"
#include "eryx/options.hpp"
#include "eryx/result.hpp"

namespace eryx::detail {

class RuntimeCore {
 public:
  // Loads the guest and starts one interpreter to capture its pristine state.
  // Throws InitializationError.
  explicit RuntimeCore(const RuntimeOptions& options);
  ~RuntimeCore();

  // Runs `code` (already validated) in a fresh interpreter restored from the pristine state.
  ExecuteResult execute_fresh(std::string_view code, const SandboxOptions& options,
                              const std::atomic<bool>* cancel) const;

  // Size of the pristine interpreter's linear memory.
  size_t baseline_memory_bytes() const { return pristine_.memory.size(); }

 private:
  std::unique_ptr<wasi::WasiContext> make_wasi() const;

  wasmtime::Engine engine_;
  wasmtime::Module module_;
  wasmtime::Linker linker_;
  std::shared_ptr<const std::string> stdlib_zip_;
  std::string stdlib_zip_name_;
  std::unique_ptr<engine::EpochTicker> ticker_;
  engine::MemoryImage pristine_;
};

}  // namespace eryx::detail
