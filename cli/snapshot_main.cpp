// eryx_make_snapshot GUEST_DIR: builds the pre-initialised guest (eryx-snapshot.wasm) from the
// guest in GUEST_DIR, pre-compiles it for both engine flavours (eryx-snapshot.cwasm,
// eryx-snapshot-metered.cwasm) and writes its identity (eryx-snapshot.id). Run at build time.
#include <cstdio>
#include <exception>
#include <fstream>

#include "engine/guest_module.h"
#include "engine/snapshot_capture.h"
#include "util/sha256.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s GUEST_DIR\n", argv[0]);
    return 2;
  }
  try {
    std::filesystem::path dir = argv[1];
    auto files = eryx::engine::load_guest_files(dir);
    auto wasm = eryx::engine::build_snapshot_wasm(files);
    auto wasm_path = dir / "eryx-snapshot.wasm";
    {
      std::ofstream out(wasm_path, std::ios::binary | std::ios::trunc);
      out.write(reinterpret_cast<const char*>(wasm.data()),
                static_cast<std::streamsize>(wasm.size()));
      if (!out) throw std::runtime_error("writing " + wasm_path.string());
    }
    // Identifies the snapshot's interpreter state (SandboxFactory files are tied to it).
    {
      std::ofstream id(dir / "eryx-snapshot.id", std::ios::trunc);
      id << eryx::util::sha256_hex(
          std::string_view(reinterpret_cast<const char*>(wasm.data()), wasm.size()));
      if (!id) throw std::runtime_error("writing eryx-snapshot.id");
    }
    for (bool metered : {false, true}) {
      wasmtime::Engine engine(eryx::engine::make_engine_config(metered));
      eryx::engine::precompile_guest_module(engine, wasm_path,
                                            dir / eryx::engine::snapshot_precompiled_name(metered));
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
