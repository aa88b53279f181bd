#include "snapshot/session_image.h"

#include "eryx/errors.hpp"
#include "snapshot/image_envelope.h"
#include "vfs/byte_codec.h"

namespace eryx::snapshot {
namespace {

constexpr ImageKind kSessionKind{.magic = "ERYXSESS", .version = 1, .name = "Session snapshot"};

[[noreturn]] void corrupt(std::string_view why) {
  throw Error("eryx: Session snapshot data is corrupt: " + std::string(why));
}

}  // namespace

std::string seal_session_image(uint64_t execution_count, uint64_t memory_size,
                               const StateGlobals& globals, const PageViews& pages,
                               std::string_view wasi_state, std::string_view fingerprint) {
  codec::Writer payload;
  payload.u64(execution_count);
  write_memory_state(payload, memory_size, globals, pages);
  payload.bytes(wasi_state);
  return seal_image(kSessionKind, fingerprint, payload.str());
}

SessionImage parse_session_image(std::string_view data, std::string_view fingerprint) {
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

}  // namespace eryx::snapshot
