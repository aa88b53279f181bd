#include "engine/session_image.h"

#include <stdexcept>

#include "eryx/errors.hpp"
#include "vfs/byte_codec.h"
#include "vfs/tree_codec.h"
#include "wasi/state_codec.h"

namespace eryx::engine {
namespace {

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

  snapshot::PageViews pages;
  for (const auto& [offset, length] : ranges) {
    pages.emplace_back(
        offset, std::string_view(reinterpret_cast<const char*>(memory.data()) + offset, length));
  }
  return snapshot::seal_session_image(execution_count, memory.size(), instance.state_globals(),
                                      pages, wasi.str(), fingerprint);
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
