// Builds a "snapshot" Wasm module: the original guest module with its captured state baked in, so
// that instantiating it reproduces that state without running any initialisation code.
//
// What build_snapshot_module guarantees about its output:
//   * Every section of the original is copied byte for byte, in the original order, except:
//     - memory (5): the single defined memory's minimum becomes memory.size() / 64 KiB pages; its
//       maximum is kept. The image must fit between the original minimum and the maximum.
//     - global (6): each global named in `globals` (by its export name) gets the init expression
//       `i32.const value` / `i64.const value`; every other global is copied verbatim.
//     - data (11): replaced by active segments for memory 0 that hold exactly the non-zero bytes
//       of the image (zero runs of kMinZeroGap bytes or more split segments; shorter ones stay
//       inside, and the gap doubles until there are at most kMaxDataSegments). Linear memory
//       starts zeroed, so these segments alone recreate the image. If the original had no data
//       section, one is added after the last non-custom section.
//     - data count (12), if present: set to the new segment count. If absent it stays absent: a
//       valid module that uses memory.init or data.drop must have one, so none is needed.
//   * The start section, if any, is kept; the builder does not decide what the host calls.
//   * Custom sections (e.g. "name") are copied as they are. A "name" section's data-segment names
//     then describe segments that no longer exist; engines treat name sections as advisory.
//
// It throws SnapshotError (never reads out of bounds) for malformed modules and for inputs the
// snapshot cannot represent: an imported memory or other than exactly one memory, shared or 64-bit
// memory, an image that is not a whole number of pages or does not fit the memory's limits, a
// global name that is not exported as a global, names an imported, immutable or non-i32/i64
// global or is given twice, a value that does not fit an i32, and passive data segments.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "snapshot/error.h"

namespace eryx::snapshot {

// Zero runs at least this long end a data segment; shorter ones are cheaper to store than the
// ~6-byte header of a new segment and keep the segment count modest.
inline constexpr size_t kMinZeroGap = 4096;
// Engines cap the number of data segments (wasmparser allows 100 000), and each costs work at
// instantiation, so the gap is widened until the count is at most this.
inline constexpr size_t kMaxDataSegments = 2048;

// An exported mutable i32 or i64 global and the value it must hold.
struct GlobalValue {
  std::string export_name;
  uint64_t value = 0;  // for i32 globals, at most UINT32_MAX (stored as its two's complement)
};

struct SnapshotInput {
  std::span<const uint8_t> original_module;  // the .wasm bytes
  std::span<const uint8_t> memory;           // full linear memory image, a multiple of 64 KiB
  std::vector<GlobalValue> globals;          // e.g. {"__stack_pointer", 8388608}
};

std::vector<uint8_t> build_snapshot_module(const SnapshotInput& input);

}  // namespace eryx::snapshot
