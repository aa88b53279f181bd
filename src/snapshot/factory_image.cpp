#include "snapshot/factory_image.h"

#include <memory>

#include "eryx/errors.hpp"
#include "snapshot/image_envelope.h"
#include "snapshot/memory_state_codec.h"
#include "vfs/byte_codec.h"

namespace eryx::snapshot {
namespace {

// Version 1's layout is the envelope of image_envelope.h, which it predates.
constexpr ImageKind kFactoryKind{.magic = "ERYXFACT", .version = 1, .name = "SandboxFactory"};

}  // namespace

size_t FactoryImage::size_bytes() const {
  size_t total = 0;
  for (const auto& [offset, bytes] : pages) total += bytes.size();
  for (const auto& [path, bytes] : files) total += bytes->size();
  return total;
}

std::string FactoryImage::serialize(std::string_view fingerprint) const {
  PageViews views(pages.begin(), pages.end());
  codec::Writer payload;
  write_memory_state(payload, memory_size, globals, views);
  payload.u32(static_cast<uint32_t>(files.size()));
  for (const auto& [path, bytes] : files) {
    payload.bytes(path);
    payload.bytes(*bytes);
  }
  return seal_image(kFactoryKind, fingerprint, payload.str());
}

FactoryImage FactoryImage::deserialize(std::string_view data, std::string_view fingerprint) {
  codec::Reader payload(open_image(kFactoryKind, data, fingerprint));
  FactoryImage image;
  try {
    auto state = read_memory_state(payload, kFactoryKind.name);
    image.memory_size = state.memory_size;
    image.globals = std::move(state.globals);
    image.pages.assign(state.pages.begin(), state.pages.end());
    for (uint32_t n = payload.u32(), i = 0; i < n; ++i) {
      std::string path(payload.bytes());
      image.files.emplace_back(std::move(path),
                               std::make_shared<const std::string>(payload.bytes()));
    }
    if (!payload.done()) throw Error("eryx: SandboxFactory payload has trailing bytes");
  } catch (const codec::DecodeError&) {
    throw Error("eryx: SandboxFactory data is truncated or corrupt");
  }
  return image;
}

}  // namespace eryx::snapshot
