#include "snapshot/image_envelope.h"

#include "eryx/errors.hpp"
#include "util/sha256.h"
#include "vfs/byte_codec.h"

namespace eryx::snapshot {
namespace {

constexpr size_t kDigestSize = 32;

}  // namespace

std::string seal_image(const ImageKind& kind, std::string_view fingerprint,
                       std::string_view payload) {
  codec::Writer out;
  out.raw(kind.magic.data(), kind.magic.size());
  out.u32(kind.version);
  out.bytes(fingerprint);
  out.bytes(payload);
  out.str() += util::sha256(out.str());
  return std::move(out.str());
}

std::string_view open_image(const ImageKind& kind, std::string_view data,
                            std::string_view fingerprint) {
  const std::string name(kind.name);
  if (data.size() < kind.magic.size() + kDigestSize ||
      data.substr(0, kind.magic.size()) != kind.magic) {
    throw Error("eryx: not a " + name + " (bad magic)");
  }
  auto body = data.substr(0, data.size() - kDigestSize);
  if (util::sha256(body) != data.substr(body.size())) {
    throw Error("eryx: " + name + " data is corrupt (checksum mismatch)");
  }
  try {
    codec::Reader in(body);
    in.take(kind.magic.size());
    if (uint32_t version = in.u32(); version != kind.version) {
      throw Error("eryx: unsupported " + name + " format version " + std::to_string(version) +
                  " (this eryx reads version " + std::to_string(kind.version) + ")");
    }
    if (in.bytes() != fingerprint) {
      throw Error("eryx: this " + name + " was made by another eryx runtime or guest");
    }
    auto payload = in.bytes();
    if (!in.done()) throw Error("eryx: " + name + " data has trailing bytes");
    return payload;
  } catch (const codec::DecodeError&) {
    throw Error("eryx: " + name + " data is truncated or corrupt");
  }
}

}  // namespace eryx::snapshot
