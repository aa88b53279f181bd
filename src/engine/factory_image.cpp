#include "engine/factory_image.h"

#include <openssl/evp.h>

#include <memory>

#include "engine/image_envelope.h"
#include "engine/memory_state_codec.h"
#include "eryx/errors.hpp"
#include "vfs/byte_codec.h"

namespace eryx::engine {
namespace {

// Version 1's layout is the envelope of image_envelope.h, which it predates.
constexpr ImageKind kFactoryKind{.magic = "ERYXFACT", .version = 1, .name = "SandboxFactory"};

}  // namespace

std::string sha256(std::initializer_list<std::string_view> parts) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                  EVP_MD_CTX_free);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  bool ok = context && EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) == 1;
  for (auto part : parts) {
    ok = ok && EVP_DigestUpdate(context.get(), part.data(), part.size()) == 1;
  }
  if (!ok || EVP_DigestFinal_ex(context.get(), digest, &length) != 1) {
    throw Error("eryx: SHA-256 failed");
  }
  return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string sha256(std::string_view data) { return sha256({data}); }

std::string sha256_hex(std::initializer_list<std::string_view> parts) {
  constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : sha256(parts)) {
    hex += kDigits[c >> 4];
    hex += kDigits[c & 15];
  }
  return hex;
}

std::string sha256_hex(std::string_view data) { return sha256_hex({data}); }

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

}  // namespace eryx::engine
