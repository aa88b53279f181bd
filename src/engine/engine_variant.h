// One flavour of the engine (plain, or fuel-metered) with everything compiled for it: the guest
// module, a linker holding every host function, the epoch ticker, and the pristine interpreter
// state that fresh instances are restored from.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include <wasmtime.hh>

#include "engine/epoch_ticker.h"
#include "engine/guest_instance.h"
#include "engine/memory_image.h"

namespace eryx::engine {

// What the guest's filesystem is built from.
struct GuestFiles {
  std::filesystem::path dir;
  std::string stdlib_zip_name;
  std::shared_ptr<const std::string> stdlib_zip;
};

class EngineVariant {
 public:
  // Loads (or compiles) the module and starts one interpreter to capture the pristine state.
  // Throws InitializationError.
  EngineVariant(const GuestFiles& files, bool metered);
  EngineVariant(const EngineVariant&) = delete;
  EngineVariant& operator=(const EngineVariant&) = delete;

  // A new instance holding a fresh interpreter (restored from the pristine state).
  // Throws ResourceLimitError when the pristine state does not fit `limits`.
  std::unique_ptr<GuestInstance> fresh_instance(const InstanceLimits& limits) const;

  EpochTicker& ticker() const { return *ticker_; }
  bool metered() const { return metered_; }
  size_t baseline_memory_bytes() const { return pristine_.memory.size(); }

 private:
  bool metered_;
  wasmtime::Engine engine_;
  wasmtime::Module module_;
  wasmtime::Linker linker_;
  std::unique_ptr<EpochTicker> ticker_;
  MemoryImage pristine_;
};

}  // namespace eryx::engine
