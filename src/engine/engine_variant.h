// One flavour of the engine (plain, or fuel-metered) with everything compiled for it: the guest
// module, a linker holding every host function, the epoch ticker, and the way to a fresh
// interpreter. That is the pre-initialised snapshot module when the build made one (instantiating
// it is the whole cost of a fresh interpreter); otherwise the plain guest is started once and its
// pristine state is copied into every new instance.
//
// Instances come from Wasmtime's pooling allocator: a fixed number of pre-reserved slots whose
// memory keeps the module's image mapped between instances and is reset in place when an instance
// ends (docs/instance-allocation.md). When every slot is taken (e.g. more live Sessions
// than slots) further instances are created on a second, on-demand engine, started on first need,
// with the same module and host functions: nothing fails, those instances are only slower to
// create and destroy.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include <wasmtime.hh>

#include "engine/epoch_ticker.h"
#include "engine/guest_instance.h"
#include "engine/guest_module.h"
#include "engine/image_modules.h"
#include "engine/mapped_file.h"
#include "engine/memory_image.h"
#include "packages/package_set.h"
#include "snapshot/factory_image.h"

namespace eryx::engine {

// What the guest's filesystem is built from.
struct GuestFiles {
  std::filesystem::path dir;
  std::string stdlib_zip_name;
  // The stdlib image (7 MB), mapped read-only and shared by every sandbox's filesystem.
  std::shared_ptr<const MappedFile> stdlib_zip_file;
  // A snapshot module that is missing or cannot be loaded is an error rather than the slow path
  // (RuntimeOptions::require_snapshot).
  bool require_snapshot = false;

  std::string_view stdlib_zip() const { return stdlib_zip_file->bytes(); }
};

// Finds the stdlib image of the guest in `dir` and maps it. Throws InitializationError when there
// is none or it cannot be mapped.
GuestFiles load_guest_files(const std::filesystem::path& dir);

// Throws InitializationError naming the first of the snapshot files (snapshot_capture.h) missing
// from `dir`.
void check_snapshot_files(const std::filesystem::path& dir);

// A fresh WASI context: the default filesystem plus the factory's files and the sandbox's packages
// (engine/guest_packages.h), if any.
std::unique_ptr<wasi::WasiContext> make_guest_wasi(const GuestFiles& files,
                                                   const snapshot::FactoryImage* factory = nullptr,
                                                   const packages::PackageSet* packages = nullptr);

class EngineVariant {
 public:
  // Loads (or compiles) the module and checks it instantiates (without a snapshot: starts one
  // interpreter to capture the pristine state). `pool_slots` sizes the instance pool (0: every
  // instance on demand). Throws InitializationError.
  EngineVariant(const GuestFiles& files, bool metered, uint32_t pool_slots = kDefaultPoolSlots);
  ~EngineVariant();
  EngineVariant(const EngineVariant&) = delete;
  EngineVariant& operator=(const EngineVariant&) = delete;

  // A new instance holding a fresh interpreter, or the interpreter of `factory` when given, with
  // the files of `packages` in its filesystem (not yet on sys.path: see activate_packages).
  // `image` kPlain asks for the plain built-in image (image_modules.h); it is honoured without a
  // factory when the guest has that image, else the instance holds the asyncio image. The plain
  // image is loaded on its first use (loading a module costs ~1 ms of CPU, which a runtime that
  // only runs Sessions, e.g. the CLI's, never needs).
  // Throws ResourceLimitError when that state does not fit `limits`.
  std::unique_ptr<GuestInstance> fresh_instance(const InstanceLimits& limits,
                                                const snapshot::FactoryImage* factory = nullptr,
                                                const packages::PackageSet* packages = nullptr,
                                                BuiltinImage image = BuiltinImage::kAsyncio) const;

  EpochTicker& ticker() const { return *ticker_; }
  bool metered() const { return metered_; }
  bool from_snapshot() const { return from_snapshot_; }
  // Linear-memory size of a fresh interpreter (the larger image's, so that a memory limit does not
  // depend on which image an execution gets): a memory limit below it cannot be met.
  uint64_t baseline_memory_bytes() const { return baseline_bytes_; }
  // Slots of the instance pool (after the address-space limit; 0 when instances are on demand).
  uint32_t pool_slots() const { return pool_slots_; }
  // Instances created on the on-demand engine because the pool was full (for tests and tuning).
  uint64_t overflow_instances() const { return overflow_instances_.load(); }

 private:
  // An engine with the module loaded for it and a linker holding the host functions.
  struct Lane {
    Lane(const GuestFiles& files, bool metered, uint32_t pool_slots);
    wasmtime::Engine engine;
    bool from_snapshot = false;
    wasmtime::Module module;
    wasmtime::Linker linker;
    // The plain image, loaded on first use; null when the guest directory has none or it does not
    // load (the asyncio image serves instead: nothing but speed depends on it).
    const wasmtime::Module* plain_module(const GuestFiles& files, bool metered) const;

   private:
    mutable std::once_flag plain_once_;
    mutable std::optional<wasmtime::Module> plain_;
  };

  std::unique_ptr<GuestInstance> instantiate(const Lane& lane, const InstanceLimits& limits,
                                             std::unique_ptr<wasi::WasiContext> wasi,
                                             BuiltinImage image = BuiltinImage::kAsyncio) const;
  const Lane& overflow_lane() const;

  GuestFiles files_;
  bool metered_;
  uint32_t pool_slots_;
  bool from_snapshot_ = false;
  uint64_t baseline_bytes_ = 0;
  std::unique_ptr<Lane> primary_;  // pooled, unless pool_slots_ is 0
  std::unique_ptr<EpochTicker> ticker_;
  mutable std::mutex overflow_mutex_;
  mutable std::unique_ptr<Lane> overflow_;  // created once, under overflow_mutex_
  mutable std::atomic<uint64_t> overflow_instances_{0};
  MemoryImage pristine_;
  std::optional<HostWords> host_words_;  // nullopt: a guest without eryx_host_info
};

}  // namespace eryx::engine
