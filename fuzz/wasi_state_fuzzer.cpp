// The WASI state codec (wasi/state_codec.h: the tree plus the fd table) read into a fresh context,
// which is then used through its syscalls and encoded and read again to the same bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_support.h"
#include "vfs/tree_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  eryx::codec::Reader in(std::string_view(reinterpret_cast<const char*>(data), size));
  auto context = eryx::fuzz::fresh_context();
  try {
    eryx::wasi::decode_state(in, *context);
  } catch (const eryx::codec::DecodeError&) {
    return 0;
  } catch (const eryx::vfs::TreeTooLarge&) {
    return 0;
  }
  if (!in.done()) return 0;
  eryx::fuzz::touch_every_fd(*context);
  eryx::fuzz::check_state_round_trip(*context);
  return 0;
}
