#include "engine/engine_variant.h"

#include <cstdint>

#include "engine/guest_module.h"
#include "engine/host_functions.h"
#include "engine/large_stack.h"
#include "vfs/vfs.h"

namespace eryx::engine {
namespace {

// The epoch tick: the granularity of timeouts and cancellation.
constexpr std::chrono::microseconds kEpochPeriod{1000};

std::unique_ptr<wasi::WasiContext> make_wasi(const GuestFiles& files) {
  wasi::WasiOptions options;
  options.vfs = vfs::make_default_layout(files.stdlib_zip_name, files.stdlib_zip);
  return std::make_unique<wasi::WasiContext>(std::move(options));
}

}  // namespace

EngineVariant::EngineVariant(const GuestFiles& files, bool metered)
    : metered_(metered),
      engine_(make_engine_config(metered)),
      module_(load_guest_module(engine_, files.dir / "eryx-guest.wasm",
                                files.dir / precompiled_name(metered))),
      linker_(engine_) {
  define_host_functions(linker_);
  ticker_ = std::make_unique<EpochTicker>(engine_, kEpochPeriod);

  // Start one interpreter and keep its state: every fresh instance begins from this image.
  run_with_stack(kMaxWasmStack, [&] {
    EpochTicker::Activity activity(*ticker_);
    GuestInstance instance(engine_, linker_, module_, make_wasi(files), {});
    if (metered_) instance.set_fuel(UINT64_MAX);
    auto baseline = instance.memory_copy();
    instance.initialize();
    instance.state().wasi->stdout_capture().reset();
    instance.state().wasi->stderr_capture().reset();
    pristine_ = instance.capture(baseline);
  });
}

std::unique_ptr<GuestInstance> EngineVariant::fresh_instance(const InstanceLimits& limits) const {
  auto& engine = const_cast<wasmtime::Engine&>(engine_);
  auto instance = std::make_unique<GuestInstance>(engine, linker_, module_, nullptr, limits);
  instance->restore(pristine_);
  return instance;
}

}  // namespace eryx::engine
