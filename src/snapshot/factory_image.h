// A SandboxFactory's captured state: the pages of linear memory that differ from a fresh
// interpreter after the factory's imports ran, the globals, and the package files its sandboxes
// see. Between executions the Wasm stack is empty, so this is the whole interpreter.
//
// The serialised form (save/load) is image_envelope.h's ("ERYXFACT", format version 1, the
// runtime's fingerprint, SHA-256); the payload is memory_state_codec.h's section followed by
//   u32 n, n x (bytes guest path | bytes data)   the read-only package files
// The fingerprint names the guest the image was captured from; an image is only ever restored into
// that guest. Every length is checked while reading, so a truncated, corrupt or foreign file is a
// clean error.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace eryx::snapshot {

struct FactoryImage {
  using Files = std::vector<std::pair<std::string, std::shared_ptr<const std::string>>>;

  uint64_t memory_size = 0;
  std::vector<std::pair<std::string, uint64_t>> globals;
  std::vector<std::pair<uint32_t, std::string>> pages;  // (offset, bytes) differing from fresh
  // (guest path, bytes): read-only files every sandbox of the factory sees (shared, never copied).
  Files files;

  // Bytes this image holds (memory pages and files).
  size_t size_bytes() const;

  std::string serialize(std::string_view fingerprint) const;
  // Throws eryx::Error when the data is not a factory for `fingerprint`.
  static FactoryImage deserialize(std::string_view data, std::string_view fingerprint);
};

}  // namespace eryx::snapshot
