#include "snapshot/memory_state_codec.h"

#include "eryx/errors.hpp"

namespace eryx::snapshot {
namespace {

constexpr uint64_t kWasmPageSize = 64 * 1024;
constexpr uint64_t kMaxMemory = uint64_t{4} << 30;  // wasm32
// The guest exports one mutable global; leave room, but not for a hostile count.
constexpr uint32_t kMaxGlobals = 64;
constexpr uint64_t kMaxGlobalName = 256;

}  // namespace

void write_memory_state(codec::Writer& out, uint64_t memory_size, const StateGlobals& globals,
                        const PageViews& pages) {
  out.u64(memory_size);
  out.u32(static_cast<uint32_t>(globals.size()));
  for (const auto& [name, value] : globals) {
    out.bytes(name);
    out.u64(value);
  }
  out.u32(static_cast<uint32_t>(pages.size()));
  for (const auto& [offset, bytes] : pages) {
    out.u32(offset);
    out.bytes(bytes);
  }
}

MemoryState read_memory_state(codec::Reader& in, std::string_view image_name) {
  auto corrupt = [&](std::string_view why) {
    return Error("eryx: " + std::string(image_name) + " data is corrupt: " + std::string(why));
  };
  MemoryState state;
  state.memory_size = in.u64();
  if (state.memory_size % kWasmPageSize != 0 || state.memory_size > kMaxMemory) {
    throw corrupt("invalid memory size");
  }
  uint32_t globals = in.u32();
  if (globals > kMaxGlobals) throw corrupt("too many globals");
  for (uint32_t i = 0; i < globals; ++i) {
    std::string name(in.bytes(kMaxGlobalName, "a global's name"));
    state.globals.emplace_back(std::move(name), in.u64());
  }
  for (uint32_t n = in.u32(), i = 0; i < n; ++i) {
    uint32_t offset = in.u32();
    auto bytes = in.bytes();
    if (offset > state.memory_size || bytes.size() > state.memory_size - offset) {
      throw corrupt("a page outside its memory");
    }
    state.pages.emplace_back(offset, bytes);
  }
  return state;
}

}  // namespace eryx::snapshot
