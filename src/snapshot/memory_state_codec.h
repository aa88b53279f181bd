// The memory section shared by SandboxFactory files (factory_image.h) and Session snapshots
// (session_image.h), little-endian (vfs/byte_codec.h):
//   u64 memory_size
//   u32 n, n x (bytes name | u64 value)      mutable globals (__stack_pointer)
//   u32 n, n x (u32 offset | bytes data)     runs of 4 KiB pages that differ from a fresh instance
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vfs/byte_codec.h"

namespace eryx::snapshot {

using StateGlobals = std::vector<std::pair<std::string, uint64_t>>;
using PageViews = std::vector<std::pair<uint32_t, std::string_view>>;

struct MemoryState {
  uint64_t memory_size = 0;
  StateGlobals globals;
  PageViews pages;  // views into the decoded data
};

void write_memory_state(codec::Writer& out, uint64_t memory_size, const StateGlobals& globals,
                        const PageViews& pages);

// Reads the section and checks it: a memory size of whole wasm pages within wasm32, a bounded
// number of globals, every page inside the memory. Throws eryx::Error("eryx: <image_name> data is
// corrupt: ...") for inconsistent data; codec::DecodeError (truncated data) passes through.
MemoryState read_memory_state(codec::Reader& in, std::string_view image_name);

}  // namespace eryx::snapshot
