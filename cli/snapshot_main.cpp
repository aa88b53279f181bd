// eryx_make_snapshot GUEST_DIR: builds the pre-initialised guest images from the guest in GUEST_DIR
// (src/engine/image_modules.h): the asyncio image (eryx-snapshot.wasm, its identity
// eryx-snapshot.id) and the plain one (eryx-snapshot-plain.wasm), each pre-compiled for both
// engine flavours (eryx-snapshot[-plain][-metered].cwasm). Run at build time.
#include <cstdio>
#include <exception>
#include <fstream>

#include "engine/guest_module.h"
#include "engine/snapshot_capture.h"
#include "util/sha256.h"

namespace {

void write_file(const std::filesystem::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("writing " + path.string());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s GUEST_DIR\n", argv[0]);
    return 2;
  }
  try {
    using eryx::engine::BuiltinImage;
    std::filesystem::path dir = argv[1];
    auto files = eryx::engine::load_guest_files(dir);
    for (auto image : {BuiltinImage::kAsyncio, BuiltinImage::kPlain}) {
      auto wasm = eryx::engine::build_snapshot_wasm(files, image);
      std::string_view bytes(reinterpret_cast<const char*>(wasm.data()), wasm.size());
      auto wasm_path = dir / eryx::engine::snapshot_wasm_name(image);
      write_file(wasm_path, bytes);
      // Identifies the interpreter state SandboxFactory files and Session snapshots are tied to.
      if (image == BuiltinImage::kAsyncio) {
        write_file(dir / eryx::engine::kSnapshotIdName, eryx::util::sha256_hex(bytes));
      }
      for (bool metered : {false, true}) {
        wasmtime::Engine engine(eryx::engine::make_engine_config(metered));
        eryx::engine::precompile_guest_module(
            engine, wasm_path, dir / eryx::engine::snapshot_precompiled_name(metered, image));
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
