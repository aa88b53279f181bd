#include "engine/snapshot_capture.h"

#include <fstream>
#include <iterator>
#include <string>

#include "engine/guest_instance.h"
#include "engine/guest_module.h"
#include "engine/host_functions.h"
#include "engine/large_stack.h"
#include "eryx/errors.hpp"
#include "snapshot/module_builder.h"
#include "vfs/vfs.h"

namespace eryx::engine {
namespace {

// stdin, stdout, stderr and the preopened root: the fd table of a fresh context. A snapshot only
// carries guest memory, so start-up must leave no other fd open.
constexpr size_t kFreshFdCount = 4;

std::vector<uint8_t> read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InitializationError("eryx: cannot read " + path.string());
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

std::vector<uint8_t> build_snapshot_wasm(const GuestFiles& files) {
  auto original = read_bytes(files.dir / "eryx-guest.wasm");
  wasmtime::Engine engine(make_engine_config(false));
  auto module =
      load_guest_module(engine, files.dir / "eryx-guest.wasm", files.dir / precompiled_name(false));
  wasmtime::Linker linker(engine);
  define_host_functions(linker);
  EpochTicker ticker(engine, std::chrono::milliseconds(1));

  snapshot::SnapshotInput input;
  std::vector<uint8_t> memory;
  run_with_stack(kMaxWasmStack, [&] {
    EpochTicker::Activity activity(ticker);
    wasi::WasiOptions options;
    options.vfs = vfs::make_default_layout(files.stdlib_zip_name, files.stdlib_zip);
    GuestInstance instance(engine, linker, module,
                           std::make_unique<wasi::WasiContext>(std::move(options)), {});
    instance.initialize();
    if (instance.state().wasi->open_fd_count() != kFreshFdCount) {
      throw InitializationError("eryx: interpreter start-up left files open; cannot snapshot it");
    }
    memory = instance.memory_copy();
    auto image = instance.capture(memory);  // for the globals
    for (const auto& [name, value] : image.globals) input.globals.push_back({name, value});
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
