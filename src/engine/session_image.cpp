#include "engine/session_image.h"

#include <stdexcept>

#include "engine/image_envelope.h"
#include "eryx/errors.hpp"
#include "vfs/byte_codec.h"
#include "vfs/tree_codec.h"
#include "wasi/state_codec.h"

namespace eryx::engine {
namespace {

constexpr ImageKind kSessionKind{.magic = "ERYXSESS", .version = 1, .name = "Session snapshot"};
constexpr uint64_t kWasmPageSize = 64 * 1024;
constexpr uint64_t kMaxMemory = uint64_t{4} << 30;  // wasm32
// The guest exports one mutable global; leave room, but not for a hostile count.
constexpr uint32_t kMaxGlobals = 64;
constexpr uint64_t kMaxGlobalName = 256;

[[noreturn]] void corrupt(std::string_view why) {
  throw Error("eryx: Session snapshot data is corrupt: " + std::string(why));
}

}  // namespace

std::string SessionImage::capture(GuestInstance& instance, GuestInstance& fresh,
                                  uint64_t execution_count, std::string_view fingerprint) {
  codec::Writer wasi;
  try {
    wasi::encode_state(*instance.state().wasi, wasi);
  } catch (const std::runtime_error& e) {
    throw Error(e.what());
  }
  auto ranges = instance.ranges_differing_from(fresh);
  auto memory = instance.memory_view();
  auto globals = instance.state_globals();

  codec::Writer payload;
  payload.u64(execution_count);
  payload.u64(memory.size());
  payload.u32(static_cast<uint32_t>(globals.size()));
  for (const auto& [name, value] : globals) {
    payload.bytes(name);
    payload.u64(value);
  }
  payload.u32(static_cast<uint32_t>(ranges.size()));
  for (const auto& [offset, length] : ranges) {
    payload.u32(offset);
    payload.bytes({reinterpret_cast<const char*>(memory.data()) + offset, length});
  }
  payload.bytes(wasi.str());
  return seal_image(kSessionKind, fingerprint, payload.str());
}

SessionImage SessionImage::parse(std::string_view data, std::string_view fingerprint) {
  codec::Reader in(open_image(kSessionKind, data, fingerprint));
  SessionImage image;
  try {
    image.execution_count = in.u64();
    image.memory_size = in.u64();
    if (image.memory_size % kWasmPageSize != 0 || image.memory_size > kMaxMemory) {
      corrupt("invalid memory size");
    }
    uint32_t globals = in.u32();
    if (globals > kMaxGlobals) corrupt("too many globals");
    for (uint32_t i = 0; i < globals; ++i) {
      std::string name(in.bytes(kMaxGlobalName, "a global's name"));
      image.globals.emplace_back(std::move(name), in.u64());
    }
    for (uint32_t n = in.u32(), i = 0; i < n; ++i) {
      uint32_t offset = in.u32();
      auto bytes = in.bytes();
      if (offset > image.memory_size || bytes.size() > image.memory_size - offset) {
        corrupt("a page outside its memory");
      }
      image.pages.emplace_back(offset, bytes);
    }
    image.wasi_state = in.bytes();
    if (!in.done()) corrupt("trailing bytes");
  } catch (const codec::DecodeError& e) {
    corrupt(e.what());
  }
  return image;
}

void SessionImage::restore_into(GuestInstance& fresh) const {
  // Memory never shrinks: a smaller image did not come from this runtime's interpreter.
  if (memory_size < fresh.memory_size()) corrupt("memory smaller than a fresh interpreter's");
  fresh.apply_pages(memory_size, pages, globals);
  try {
    codec::Reader in(wasi_state);
    wasi::decode_state(in, *fresh.state().wasi);
    if (!in.done()) corrupt("trailing bytes after the WASI state");
  } catch (const codec::DecodeError& e) {
    corrupt(e.what());
  } catch (const vfs::TreeTooLarge& e) {
    throw ResourceLimitError("eryx: cannot restore the Session snapshot: " + std::string(e.what()));
  }
}

}  // namespace eryx::engine
