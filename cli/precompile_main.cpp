// eryx_precompile IN.wasm OUT.cwasm: compiles the guest for this build's engine configuration.
#include <cstdio>
#include <exception>

#include "engine/guest_module.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s IN.wasm OUT.cwasm\n", argv[0]);
    return 2;
  }
  try {
    wasmtime::Engine engine(eryx::engine::make_engine_config());
    eryx::engine::precompile_guest_module(engine, argv[1], argv[2]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
