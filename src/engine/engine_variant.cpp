#include "engine/engine_variant.h"

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iterator>

#include "engine/guest_module.h"
#include "engine/host_functions.h"
#include "engine/large_stack.h"
#include "engine/snapshot_capture.h"
#include "eryx/errors.hpp"
#include "vfs/vfs.h"

namespace eryx::engine {
namespace {

// The epoch tick: the granularity of timeouts and cancellation.
constexpr std::chrono::microseconds kEpochPeriod{1000};

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
    // Compiled for another engine version or configuration: use the plain guest instead.
  }
  from_snapshot = false;
  return load_guest_module(engine, files.dir / "eryx-guest.wasm",
                           files.dir / precompiled_name(metered));
}

std::shared_ptr<const std::string> read_shared(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InitializationError("eryx: cannot read " + path.string());
  return std::make_shared<const std::string>(std::istreambuf_iterator<char>(in),
                                             std::istreambuf_iterator<char>());
}

// The stdlib zip is named after the guest's Python version (python313.zip); the glue looks for it
// under /usr/local/lib.
std::filesystem::path find_stdlib_zip(const std::filesystem::path& dir) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    auto name = entry.path().filename().string();
    if (name.starts_with("python3") && name.ends_with(".zip")) return entry.path();
  }
  throw InitializationError("eryx: no python3*.zip stdlib in " + dir.string() +
                            " (build the guest with `make build`, or set ERYX_GUEST_DIR)");
}

}  // namespace

GuestFiles load_guest_files(const std::filesystem::path& dir) {
  auto zip = find_stdlib_zip(dir);
  return {dir, zip.filename().string(), read_shared(zip)};
}

EngineVariant::EngineVariant(const GuestFiles& files, bool metered)
    : files_(files),
      metered_(metered),
      engine_(make_engine_config(metered)),
      module_(load_module(engine_, files, metered, from_snapshot_)),
      linker_(engine_) {
  define_host_functions(linker_);
  ticker_ = std::make_unique<EpochTicker>(engine_, kEpochPeriod);

  if (from_snapshot_) {
    // A probe instance checks the snapshot links against this host and gives the baseline size.
    GuestInstance probe(engine_, linker_, module_, make_guest_wasi(files_), {});
    baseline_bytes_ = probe.memory_size();
    return;
  }
  // No snapshot: start one interpreter and keep its state for every fresh instance.
  run_with_stack(kMaxWasmStack, [&] {
    EpochTicker::Activity activity(*ticker_);
    GuestInstance instance(engine_, linker_, module_, make_guest_wasi(files_), {});
    if (metered_) instance.set_fuel(UINT64_MAX);
    auto baseline = instance.memory_copy();
    instance.initialize();
    instance.state().wasi->stdout_capture().reset();
    instance.state().wasi->stderr_capture().reset();
    pristine_ = instance.capture(baseline);
  });
  baseline_bytes_ = pristine_.memory.size();
}

std::unique_ptr<wasi::WasiContext> make_guest_wasi(const GuestFiles& files,
                                                   const FactoryImage* factory) {
  wasi::WasiOptions options;
  options.vfs = vfs::make_default_layout(files.stdlib_zip_name, files.stdlib_zip);
  for (const auto& [path, bytes] : factory ? factory->files : decltype(factory->files){}) {
    auto parent = std::string_view(path).substr(0, path.rfind('/'));
    if (options.vfs->make_dir(parent, vfs::Access::kReadOnly) != vfs::Status::kOk ||
        options.vfs->add_image_file(path, bytes) != vfs::Status::kOk) {
      throw Error("eryx: cannot place factory file " + path + " in the sandbox filesystem");
    }
  }
  return std::make_unique<wasi::WasiContext>(std::move(options));
}

std::unique_ptr<GuestInstance> EngineVariant::fresh_instance(const InstanceLimits& limits,
                                                             const FactoryImage* factory) const {
  uint64_t needed = std::max<uint64_t>(baseline_bytes_, factory ? factory->memory_size : 0);
  if (limits.max_memory_bytes && *limits.max_memory_bytes < needed) {
    throw ResourceLimitError("eryx: max_memory_bytes is below the interpreter's baseline of " +
                             std::to_string(needed) + " bytes");
  }
  auto& engine = const_cast<wasmtime::Engine&>(engine_);
  std::unique_ptr<GuestInstance> instance;
  if (from_snapshot_) {
    instance = std::make_unique<GuestInstance>(engine, linker_, module_,
                                               make_guest_wasi(files_, factory), limits);
  } else {
    instance = std::make_unique<GuestInstance>(engine, linker_, module_, nullptr, limits);
    instance->restore(pristine_);
    if (factory) instance->replace_wasi(make_guest_wasi(files_, factory));
  }
  if (factory) instance->apply_pages(factory->memory_size, factory->pages, factory->globals);
  return instance;
}

}  // namespace eryx::engine
