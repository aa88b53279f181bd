// A copy of a guest's whole state between calls: its linear memory, its mutable exported globals
// and the host-side WASI state (fd table, VFS). Between calls the Wasm stack is empty, so this is
// everything an instance is.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "wasi/context.h"

namespace eryx::engine {

struct MemoryImage {
  std::vector<uint8_t> memory;
  // The page ranges [offset, offset + length) where `memory` differs from a freshly instantiated
  // module's memory. Restoring into a fresh instance copies only these, which skips the untouched
  // stack and heap pages (most of the image) and keeps them unfaulted.
  std::vector<std::pair<uint32_t, uint32_t>> dirty_ranges;
  std::vector<std::pair<std::string, uint64_t>> globals;  // exported mutable i32/i64 globals
  std::unique_ptr<wasi::WasiContext> wasi;
};

}  // namespace eryx::engine
