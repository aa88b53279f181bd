// Session snapshots (Session::from_snapshot) up to the point where an engine is needed: the
// envelope, the payload, and the WASI state restored into a fresh context (files under /tmp, the fd
// table), which is then used and snapshotted again. The input is the payload, sealed with a valid
// envelope (a checksum proves nothing about origin); an input starting with the magic is also
// tried as a whole file.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "eryx/errors.hpp"
#include "fuzz_support.h"
#include "snapshot/image_envelope.h"
#include "snapshot/session_image.h"
#include "vfs/tree_codec.h"

namespace {

constexpr std::string_view kFingerprint = "eryx-0.1/fuzz";
constexpr eryx::snapshot::ImageKind kSessionKind{
    .magic = "ERYXSESS", .version = 1, .name = "Session snapshot"};

void restore(std::string_view file) {
  eryx::snapshot::SessionImage image;
  try {
    image = eryx::snapshot::parse_session_image(file, kFingerprint);
  } catch (const eryx::Error&) {
    return;
  }
  for (const auto& [offset, bytes] : image.pages) {
    if (offset > image.memory_size || bytes.size() > image.memory_size - offset) {
      eryx::fuzz::fail("a parsed page lies outside its memory");
    }
  }
  // engine::SessionImage::restore_into, minus the memory copy.
  auto context = eryx::fuzz::fresh_context();
  eryx::codec::Reader in(image.wasi_state);
  try {
    eryx::wasi::decode_state(in, *context);
    if (!in.done()) return;
  } catch (const eryx::codec::DecodeError&) {
    return;
  } catch (const eryx::vfs::TreeTooLarge&) {
    return;
  }
  eryx::fuzz::touch_every_fd(*context);
  eryx::fuzz::check_state_round_trip(*context);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (input.starts_with(kSessionKind.magic)) restore(input);
  restore(eryx::snapshot::seal_image(kSessionKind, kFingerprint, input));
  return 0;
}
