#include "engine/snapshot_capture.h"

#include <string>

#include "engine/guest_call.h"
#include "engine/guest_instance.h"
#include "engine/guest_module.h"
#include "engine/host_functions.h"
#include "eryx/errors.hpp"
#include "snapshot/module_builder.h"

namespace eryx::engine {
void import_image_modules(GuestInstance& instance, BuiltinImage image) {
  if (instance.execute(image_import_code(image)) != ExecStatus::kOk) {
    throw InitializationError(
        "eryx: importing the snapshot image's modules failed: " +
        instance.state().wasi->stderr_capture().take() +
        (instance.state().exception ? instance.state().exception->traceback : std::string()));
  }
}

std::vector<uint8_t> build_snapshot_wasm(const GuestFiles& files, BuiltinImage image) {
  auto original = read_file_bytes(files.dir / "eryx-guest.wasm");
  wasmtime::Engine engine(make_engine_config(false));
  auto module =
      load_guest_module(engine, files.dir / "eryx-guest.wasm", files.dir / precompiled_name(false));
  wasmtime::Linker linker(engine);
  define_host_functions(linker);
  EpochTicker ticker(engine, std::chrono::milliseconds(1));

  snapshot::SnapshotInput input;
  std::vector<uint8_t> memory;
  GuestInstance instance(engine, linker, module, make_guest_wasi(files), {});
  // Build time: start-up takes ~0.5 s; the bound only keeps a broken guest from hanging the build.
  run_guest_call(instance, ticker, {.deadline = deadline_after(120'000)}, [&] {
    instance.initialize();
    import_image_modules(instance, image);
    instance.freeze_heap();
    // A snapshot carries guest memory only, so start-up must leave no file open.
    if (!instance.state().wasi->only_initial_fds_open()) {
      throw InitializationError("eryx: interpreter start-up left files open; cannot snapshot it");
    }
    memory = instance.memory_copy();
    for (auto& [name, value] : instance.state_globals()) input.globals.push_back({name, value});
  });
  input.original_module = original;
  input.memory = memory;
  try {
    return snapshot::build_snapshot_module(input);
  } catch (const std::exception& e) {
    throw InitializationError(std::string("eryx: building the snapshot module: ") + e.what());
  }
}

}  // namespace eryx::engine
