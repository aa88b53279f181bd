// Builds the pre-initialised guest: starts the interpreter once, then writes a module whose data
// segments are the resulting memory image and whose globals start at the captured values
// (src/snapshot/). Instantiating that module gives a ready interpreter with no start-up code run,
// and Wasmtime maps its memory copy-on-write, so a fresh sandbox costs an instantiation.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/engine_variant.h"

namespace eryx::engine {

// Runs the guest's start-up (plain engine) and returns the snapshot module's bytes.
// Throws InitializationError when start-up fails or leaves host state a snapshot cannot carry
// (files left open).
std::vector<uint8_t> build_snapshot_wasm(const GuestFiles& files);

// File names of the pre-initialised guest.
inline const char* snapshot_precompiled_name(bool metered) {
  return metered ? "eryx-snapshot-metered.cwasm" : "eryx-snapshot.cwasm";
}
inline constexpr const char* kSnapshotIdName = "eryx-snapshot.id";

}  // namespace eryx::engine
