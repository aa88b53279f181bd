// eryx_precompile [--metered] IN.wasm OUT.cwasm: compiles the guest for this build's engine
// configuration (--metered: the fuel-metering engine).
#include <cstdio>
#include <exception>
#include <string_view>

#include "engine/guest_module.h"

int main(int argc, char** argv) {
  bool metered = argc == 4 && std::string_view(argv[1]) == "--metered";
  if (argc != 3 && !metered) {
    std::fprintf(stderr, "usage: %s [--metered] IN.wasm OUT.cwasm\n", argv[0]);
    return 2;
  }
  try {
    wasmtime::Engine engine(eryx::engine::make_engine_config(metered));
    eryx::engine::precompile_guest_module(engine, argv[argc - 2], argv[argc - 1]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
