#include "engine/engine_variant.h"

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <mutex>
#include <string_view>
#include <system_error>

#include "engine/guest_call.h"
#include "engine/guest_module.h"
#include "engine/guest_packages.h"
#include "engine/host_functions.h"
#include "engine/large_stack.h"
#include "engine/snapshot_capture.h"
#include "eryx/errors.hpp"
#include "vfs/vfs.h"

namespace eryx::engine {
namespace {

// The epoch tick: the granularity of timeouts and cancellation.
constexpr std::chrono::microseconds kEpochPeriod{1000};
// Bound on starting the interpreter at runtime start-up (no snapshot module): ~0.5 s normally.
constexpr uint64_t kStartupTimeoutMs = 120'000;

// The snapshot module when one was built for this engine flavour, else the plain guest.
wasmtime::Module load_module(wasmtime::Engine& engine, const GuestFiles& files, bool metered,
                             bool& from_snapshot) {
  auto snapshot = files.dir / snapshot_precompiled_name(metered);
  std::error_code ec;
  if (std::filesystem::exists(snapshot, ec)) {
    auto module = wasmtime::Module::deserialize_file(engine, snapshot.string());
    if (module) {
      from_snapshot = true;
      return module.ok();
    }
    // Compiled for another engine version or configuration: the plain guest works, ~17x slower.
    if (files.require_snapshot) {
      throw InitializationError("eryx: cannot load the guest snapshot " + snapshot.string() + " (" +
                                module.err().message() +
                                "): install the guest files built with this eryx");
    }
  } else if (files.require_snapshot) {
    throw InitializationError("eryx: incomplete guest directory " + files.dir.string() + ": " +
                              snapshot.filename().string() + " is missing");
  }
  from_snapshot = false;
  return load_guest_module(engine, files.dir / "eryx-guest.wasm",
                           files.dir / precompiled_name(metered));
}

// Wasmtime reports a full pool as "maximum concurrent limit of N for <pool> reached"
// (PoolConcurrencyLimitError); the C API passes on only the message. pool_test.cpp checks the
// wording still matches.
bool pool_exhausted(const InitializationError& error) {
  return std::string_view(error.what()).find("maximum concurrent limit") != std::string_view::npos;
}

// The stdlib zip is named after the guest's Python version (python313.zip); the glue looks for it
// under /usr/local/lib.
std::filesystem::path find_stdlib_zip(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    throw InitializationError("eryx: the guest directory " + dir.string() +
                              " does not exist (build the guest with `make build`, or set "
                              "RuntimeOptions::guest_dir or ERYX_GUEST_DIR)");
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    auto name = entry.path().filename().string();
    if (name.starts_with("python3") && name.ends_with(".zip")) return entry.path();
  }
  throw InitializationError("eryx: incomplete guest directory " + dir.string() +
                            ": the stdlib python3*.zip is missing");
}

}  // namespace

void check_snapshot_files(const std::filesystem::path& dir) {
  for (const char* name :
       {snapshot_precompiled_name(false), snapshot_precompiled_name(true), kSnapshotIdName}) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(dir / name, ec)) {
      throw InitializationError("eryx: incomplete guest directory " + dir.string() + ": " + name +
                                " is missing (install every file of the guest, or set "
                                "RuntimeOptions::require_snapshot = false for the slower start "
                                "without a snapshot)");
    }
  }
}

GuestFiles load_guest_files(const std::filesystem::path& dir) {
  auto zip = find_stdlib_zip(dir);
  return {dir, zip.filename().string(), MappedFile::open(zip)};
}

EngineVariant::Lane::Lane(const GuestFiles& files, bool metered, uint32_t pool_slots)
    : engine(make_engine_config(metered, pool_slots)),
      module(load_module(engine, files, metered, from_snapshot)),
      linker(engine) {
  define_host_functions(linker);
}

const wasmtime::Module* EngineVariant::Lane::plain_module(const GuestFiles& files,
                                                          bool metered) const {
  std::call_once(plain_once_, [&] {
    if (!from_snapshot) return;
    auto path = files.dir / snapshot_precompiled_name(metered, BuiltinImage::kPlain);
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return;  // a guest made before the plain image
    // Deserialising does not change the engine; the Module keeps a reference to it.
    auto module =
        wasmtime::Module::deserialize_file(const_cast<wasmtime::Engine&>(engine), path.string());
    if (module) plain_ = module.ok();
  });
  return plain_ ? &*plain_ : nullptr;
}

EngineVariant::EngineVariant(const GuestFiles& files, bool metered, uint32_t pool_slots)
    : files_(files),
      metered_(metered),
      pool_slots_(affordable_pool_slots(pool_slots)),
      primary_(std::make_unique<Lane>(files, metered, pool_slots_)) {
  from_snapshot_ = primary_->from_snapshot;
  ticker_ = std::make_unique<EpochTicker>(primary_->engine, kEpochPeriod);

  if (from_snapshot_) {
    // A probe instance checks the snapshot links against this host and fits the pool, and gives
    // the baseline size. It needs no filesystem (no guest code runs), so it does not wait for the
    // stdlib image; its slot stays mapped for the first sandbox.
    auto probe = instantiate(*primary_, {}, nullptr);
    baseline_bytes_ = probe->memory_size();
    // The guest's host-visible words (interrupts, memory denials) are at the same addresses in
    // every instance of the snapshot: ask once.
    if (metered_) probe->set_fuel(UINT64_MAX);
    run_guest_call(*probe, *ticker_, {.deadline = deadline_after(kStartupTimeoutMs)},
                   [&] { host_words_ = probe->query_host_words(); });
    return;
  }
  // No snapshot: start one interpreter and keep its state for every fresh instance.
  auto instance = instantiate(*primary_, {}, make_guest_wasi(files_));
  if (metered_) instance->set_fuel(UINT64_MAX);
  run_guest_call(*instance, *ticker_, {.deadline = deadline_after(kStartupTimeoutMs)}, [&] {
    auto baseline = instance->memory_copy();
    instance->initialize();
    // The same modules as the snapshot's asyncio image: without a snapshot nothing differs.
    import_image_modules(*instance, BuiltinImage::kAsyncio);
    host_words_ = instance->query_host_words();
    instance->freeze_heap();
    instance->state().wasi->stdout_capture().reset();
    instance->state().wasi->stderr_capture().reset();
    pristine_ = instance->capture(baseline);
  });
  baseline_bytes_ = pristine_.memory.size();
}

EngineVariant::~EngineVariant() = default;

std::unique_ptr<wasi::WasiContext> make_guest_wasi(const GuestFiles& files,
                                                   const snapshot::FactoryImage* factory,
                                                   const packages::PackageSet* packages) {
  wasi::WasiOptions options;
  options.vfs =
      vfs::make_default_layout(files.stdlib_zip_name, files.stdlib_zip(), files.stdlib_zip_file);
  for (const auto& [path, bytes] : factory ? factory->files : decltype(factory->files){}) {
    auto parent = std::string_view(path).substr(0, path.rfind('/'));
    // Package files live in read-only directories; files a factory's imports wrote to /tmp keep
    // their directories writable (only the files themselves are shared, read-only).
    bool in_tmp = parent == "/tmp" || parent.starts_with("/tmp/");
    if (options.vfs->make_dir(parent, in_tmp ? vfs::Access::kWritable : vfs::Access::kReadOnly) !=
            vfs::Status::kOk ||
        options.vfs->add_image_file(path, bytes) != vfs::Status::kOk) {
      throw Error("eryx: cannot place factory file " + path + " in the sandbox filesystem");
    }
  }
  if (packages) place_packages(*options.vfs, *packages);
  return std::make_unique<wasi::WasiContext>(std::move(options));
}

std::unique_ptr<GuestInstance> EngineVariant::instantiate(const Lane& lane,
                                                          const InstanceLimits& limits,
                                                          std::unique_ptr<wasi::WasiContext> wasi,
                                                          BuiltinImage image) const {
  // Instantiation does not change the engine; GuestInstance takes it by reference for the Store.
  auto& engine = const_cast<wasmtime::Engine&>(lane.engine);
  const wasmtime::Module* module = &lane.module;
  if (image == BuiltinImage::kPlain) {
    if (const auto* plain = lane.plain_module(files_, metered_)) module = plain;
  }
  return std::make_unique<GuestInstance>(engine, lane.linker, *module, std::move(wasi), limits);
}

const EngineVariant::Lane& EngineVariant::overflow_lane() const {
  std::lock_guard lock(overflow_mutex_);
  if (!overflow_) {
    auto lane = std::make_unique<Lane>(files_, metered_, /*pool_slots=*/0);
    if (lane->from_snapshot != from_snapshot_) {
      throw InitializationError("eryx: the guest files in " + files_.dir.string() +
                                " changed while the runtime was running");
    }
    ticker_->add_engine(lane->engine);
    overflow_ = std::move(lane);
  }
  return *overflow_;
}

std::unique_ptr<GuestInstance> EngineVariant::fresh_instance(const InstanceLimits& limits,
                                                             const snapshot::FactoryImage* factory,
                                                             const packages::PackageSet* packages,
                                                             BuiltinImage image) const {
  uint64_t needed = std::max<uint64_t>(baseline_bytes_, factory ? factory->memory_size : 0);
  if (limits.max_memory_bytes && *limits.max_memory_bytes < needed) {
    throw ResourceLimitError("eryx: max_memory_bytes is below the interpreter's baseline of " +
                             std::to_string(needed) + " bytes");
  }
  // With a snapshot the instance starts with its own filesystem; without, restore() brings the
  // pristine one.
  auto make_wasi = [&]() -> std::unique_ptr<wasi::WasiContext> {
    return from_snapshot_ ? make_guest_wasi(files_, factory, packages) : nullptr;
  };
  // A factory's pages are relative to the asyncio image.
  if (factory) image = BuiltinImage::kAsyncio;
  std::unique_ptr<GuestInstance> instance;
  try {
    instance = instantiate(*primary_, limits, make_wasi(), image);
  } catch (const InitializationError& e) {
    if (pool_slots_ == 0 || !pool_exhausted(e)) throw;
    instance = instantiate(overflow_lane(), limits, make_wasi(), image);
    overflow_instances_.fetch_add(1, std::memory_order_relaxed);
  }
  if (!from_snapshot_) {
    instance->restore(pristine_);
    if (factory || packages) instance->replace_wasi(make_guest_wasi(files_, factory, packages));
  }
  if (factory) instance->apply_pages(factory->memory_size, factory->pages, factory->globals);
  instance->set_host_words(host_words_ ? &*host_words_ : nullptr);
  return instance;
}

}  // namespace eryx::engine
