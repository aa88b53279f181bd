// One flavour of the engine (plain, or fuel-metered) with everything compiled for it: the guest
// module, a linker holding every host function, the epoch ticker, and the way to a fresh
// interpreter. That is the pre-initialised snapshot module when the build made one (instantiating
// it is the whole cost of a fresh interpreter); otherwise the plain guest is started once and its
// pristine state is copied into every new instance.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include <wasmtime.hh>

#include "engine/epoch_ticker.h"
#include "engine/factory_image.h"
#include "engine/guest_instance.h"
#include "engine/memory_image.h"

namespace eryx::engine {

// What the guest's filesystem is built from.
struct GuestFiles {
  std::filesystem::path dir;
  std::string stdlib_zip_name;
  std::shared_ptr<const std::string> stdlib_zip;
};

// Reads the stdlib image of the guest in `dir`. Throws InitializationError.
GuestFiles load_guest_files(const std::filesystem::path& dir);

// A fresh WASI context: the default filesystem plus the factory's files, if any.
std::unique_ptr<wasi::WasiContext> make_guest_wasi(const GuestFiles& files,
                                                   const FactoryImage* factory = nullptr);

class EngineVariant {
 public:
  // Loads (or compiles) the module and starts one interpreter to capture the pristine state.
  // Throws InitializationError.
  EngineVariant(const GuestFiles& files, bool metered);
  EngineVariant(const EngineVariant&) = delete;
  EngineVariant& operator=(const EngineVariant&) = delete;

  // A new instance holding a fresh interpreter, or the interpreter of `factory` when given.
  // Throws ResourceLimitError when that state does not fit `limits`.
  std::unique_ptr<GuestInstance> fresh_instance(const InstanceLimits& limits,
                                                const FactoryImage* factory = nullptr) const;

  EpochTicker& ticker() const { return *ticker_; }
  bool metered() const { return metered_; }
  bool from_snapshot() const { return from_snapshot_; }
  // Linear-memory size of a fresh interpreter: a memory limit below it cannot be met.
  uint64_t baseline_memory_bytes() const { return baseline_bytes_; }

 private:
  GuestFiles files_;
  bool metered_;
  bool from_snapshot_ = false;
  uint64_t baseline_bytes_ = 0;
  wasmtime::Engine engine_;
  wasmtime::Module module_;
  wasmtime::Linker linker_;
  std::unique_ptr<EpochTicker> ticker_;
  MemoryImage pristine_;
};

}  // namespace eryx::engine
