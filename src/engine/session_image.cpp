#include "engine/session_image.h"

#include <stdexcept>

#include "engine/image_envelope.h"
#include "engine/memory_state_codec.h"
#include "eryx/errors.hpp"
#include "vfs/byte_codec.h"
#include "vfs/tree_codec.h"
#include "wasi/state_codec.h"

namespace eryx::engine {
namespace {

constexpr ImageKind kSessionKind{.magic = "ERYXSESS", .version = 1, .name = "Session snapshot"};

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

  PageViews pages;
  for (const auto& [offset, length] : ranges) {
    pages.emplace_back(
        offset, std::string_view(reinterpret_cast<const char*>(memory.data()) + offset, length));
  }
  codec::Writer payload;
  payload.u64(execution_count);
  write_memory_state(payload, memory.size(), globals, pages);
  payload.bytes(wasi.str());
  return seal_image(kSessionKind, fingerprint, payload.str());
}

SessionImage SessionImage::parse(std::string_view data, std::string_view fingerprint) {
  codec::Reader in(open_image(kSessionKind, data, fingerprint));
  SessionImage image;
  try {
    image.execution_count = in.u64();
    auto state = read_memory_state(in, kSessionKind.name);
    image.memory_size = state.memory_size;
    image.globals = std::move(state.globals);
    image.pages = std::move(state.pages);
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
