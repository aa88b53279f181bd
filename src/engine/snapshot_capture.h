// Builds the pre-initialised guest: starts the interpreter once, then writes a module whose data
// segments are the resulting memory image and whose globals start at the captured values
// (src/snapshot/). Instantiating that module gives a ready interpreter with no start-up code run,
// and Wasmtime maps its memory copy-on-write, so a fresh sandbox costs an instantiation.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/engine_variant.h"
#include "engine/image_modules.h"

namespace eryx::engine {

// Runs the guest's start-up (plain engine), imports the modules `image` holds (image_modules.h)
// and returns the snapshot module's bytes. Throws InitializationError when start-up or an import
// fails or leaves host state a snapshot cannot carry (files left open).
std::vector<uint8_t> build_snapshot_wasm(const GuestFiles& files,
                                         BuiltinImage image = BuiltinImage::kAsyncio);

// Imports the modules `image` holds into a started interpreter (a guest call: run it inside
// run_guest_call). Throws InitializationError when an import fails.
void import_image_modules(GuestInstance& instance, BuiltinImage image);

// File names of the pre-initialised guest. The asyncio image keeps the names it had when it was
// the only one; eryx-snapshot.id identifies it (factory and session images are tied to it).
inline const char* snapshot_precompiled_name(bool metered,
                                             BuiltinImage image = BuiltinImage::kAsyncio) {
  if (image == BuiltinImage::kPlain) {
    return metered ? "eryx-snapshot-plain-metered.cwasm" : "eryx-snapshot-plain.cwasm";
  }
  return metered ? "eryx-snapshot-metered.cwasm" : "eryx-snapshot.cwasm";
}
inline const char* snapshot_wasm_name(BuiltinImage image) {
  return image == BuiltinImage::kPlain ? "eryx-snapshot-plain.wasm" : "eryx-snapshot.wasm";
}
inline constexpr const char* kSnapshotIdName = "eryx-snapshot.id";

}  // namespace eryx::engine
