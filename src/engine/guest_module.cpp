#include "engine/guest_module.h"

#include <fstream>
#include <iterator>
#include <vector>

#include "eryx/errors.hpp"

namespace eryx::engine {
namespace {

wasmtime::Module compile(wasmtime::Engine& engine, const std::filesystem::path& wasm) {
  auto bytes = read_file_bytes(wasm);
  auto module = wasmtime::Module::compile(engine, bytes);
  if (!module) {
    throw InitializationError("eryx: compiling " + wasm.string() + ": " + module.err().message());
  }
  return module.ok();
}

}  // namespace

std::vector<uint8_t> read_file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InitializationError("eryx: cannot read " + path.string());
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

wasmtime::Config make_engine_config(bool metered) {
  wasmtime::Config config;
  config.consume_fuel(metered);
  config.epoch_interruption(true);
  config.max_wasm_stack(kMaxWasmStack);
  config.cranelift_opt_level(wasmtime::OptLevel::Speed);
  config.parallel_compilation(true);
  return config;
}

wasmtime::Module load_guest_module(wasmtime::Engine& engine, const std::filesystem::path& wasm,
                                   const std::filesystem::path& cwasm) {
  std::error_code ec;
  if (std::filesystem::exists(cwasm, ec)) {
    auto module = wasmtime::Module::deserialize_file(engine, cwasm.string());
    if (module) return module.ok();
    // A .cwasm for another engine version or configuration: fall back to compiling.
  }
  if (!std::filesystem::exists(wasm, ec)) {
    throw InitializationError("eryx: guest module not found at " + wasm.string() +
                              " (build it with `make build`, or set ERYX_GUEST_DIR)");
  }
  return compile(engine, wasm);
}

void precompile_guest_module(wasmtime::Engine& engine, const std::filesystem::path& wasm,
                             const std::filesystem::path& cwasm) {
  auto module = compile(engine, wasm);
  auto bytes = module.serialize();
  if (!bytes) throw Error("eryx: serializing the module: " + bytes.err().message());
  auto tmp = cwasm;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.ok().data()),
              static_cast<std::streamsize>(bytes.ok().size()));
    if (!out) throw Error("eryx: writing " + tmp.string());
  }
  std::filesystem::rename(tmp, cwasm);
}

}  // namespace eryx::engine
