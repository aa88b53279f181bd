#include "engine/factory_image.h"

#include <openssl/evp.h>

#include <cstring>
#include <stdexcept>

#include "eryx/errors.hpp"

namespace eryx::engine {
namespace {

constexpr std::string_view kMagic = "ERYXFACT";
constexpr uint32_t kFormatVersion = 1;
constexpr size_t kDigestSize = 32;

class Writer {
 public:
  void u32(uint32_t v) { raw(&v, sizeof v); }
  void u64(uint64_t v) { raw(&v, sizeof v); }
  void bytes(std::string_view s) {
    u64(s.size());
    out_.append(s);
  }
  void raw(const void* p, size_t n) { out_.append(static_cast<const char*>(p), n); }
  std::string& str() { return out_; }

 private:
  std::string out_;
};

// Reads little-endian fields; any read past the end throws.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  uint32_t u32() { return scalar<uint32_t>(); }
  uint64_t u64() { return scalar<uint64_t>(); }
  std::string_view bytes() {
    uint64_t n = u64();
    return take(n);
  }
  std::string_view take(uint64_t n) {
    if (n > data_.size() - pos_) throw Error("eryx: factory data is truncated or corrupt");
    auto s = data_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  bool done() const { return pos_ == data_.size(); }

 private:
  template <typename T>
  T scalar() {
    T v;
    std::memcpy(&v, take(sizeof(T)).data(), sizeof(T));
    return v;
  }
  std::string_view data_;
  size_t pos_ = 0;
};

}  // namespace

std::string sha256(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    throw Error("eryx: SHA-256 failed");
  }
  return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string sha256_hex(std::string_view data) {
  constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : sha256(data)) {
    hex += kDigits[c >> 4];
    hex += kDigits[c & 15];
  }
  return hex;
}

size_t FactoryImage::size_bytes() const {
  size_t total = 0;
  for (const auto& [offset, bytes] : pages) total += bytes.size();
  for (const auto& [path, bytes] : files) total += bytes->size();
  return total;
}

std::string FactoryImage::serialize(std::string_view fingerprint) const {
  Writer payload;
  payload.u64(memory_size);
  payload.u32(static_cast<uint32_t>(globals.size()));
  for (const auto& [name, value] : globals) {
    payload.bytes(name);
    payload.u64(value);
  }
  payload.u32(static_cast<uint32_t>(pages.size()));
  for (const auto& [offset, bytes] : pages) {
    payload.u32(offset);
    payload.bytes(bytes);
  }
  payload.u32(static_cast<uint32_t>(files.size()));
  for (const auto& [path, bytes] : files) {
    payload.bytes(path);
    payload.bytes(*bytes);
  }
  Writer out;
  out.raw(kMagic.data(), kMagic.size());
  out.u32(kFormatVersion);
  out.bytes(fingerprint);
  out.bytes(payload.str());
  out.str() += sha256(out.str());
  return std::move(out.str());
}

FactoryImage FactoryImage::deserialize(std::string_view data, std::string_view fingerprint) {
  if (data.size() < kMagic.size() + kDigestSize || data.substr(0, kMagic.size()) != kMagic) {
    throw Error("eryx: not a SandboxFactory file (bad magic)");
  }
  auto body = data.substr(0, data.size() - kDigestSize);
  if (sha256(body) != data.substr(body.size())) {
    throw Error("eryx: SandboxFactory data is corrupt (checksum mismatch)");
  }
  Reader in(body);
  in.take(kMagic.size());
  if (uint32_t version = in.u32(); version != kFormatVersion) {
    throw Error("eryx: unsupported SandboxFactory format version " + std::to_string(version));
  }
  if (in.bytes() != fingerprint) {
    throw Error("eryx: this SandboxFactory was built for another eryx runtime or guest");
  }
  Reader payload(in.bytes());
  if (!in.done()) throw Error("eryx: SandboxFactory data has trailing bytes");

  FactoryImage image;
  image.memory_size = payload.u64();
  if (image.memory_size % (64 * 1024) != 0 || image.memory_size > (uint64_t{4} << 30)) {
    throw Error("eryx: SandboxFactory data has an invalid memory size");
  }
  for (uint32_t n = payload.u32(), i = 0; i < n; ++i) {
    std::string name(payload.bytes());
    image.globals.emplace_back(std::move(name), payload.u64());
  }
  for (uint32_t n = payload.u32(), i = 0; i < n; ++i) {
    uint32_t offset = payload.u32();
    auto bytes = payload.bytes();
    if (offset > image.memory_size || bytes.size() > image.memory_size - offset) {
      throw Error("eryx: SandboxFactory data has a page outside its memory");
    }
    image.pages.emplace_back(offset, std::string(bytes));
  }
  for (uint32_t n = payload.u32(), i = 0; i < n; ++i) {
    std::string path(payload.bytes());
    image.files.emplace_back(std::move(path), std::make_shared<const std::string>(payload.bytes()));
  }
  if (!payload.done()) throw Error("eryx: SandboxFactory payload has trailing bytes");
  return image;
}

}  // namespace eryx::engine
