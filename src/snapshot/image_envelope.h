// The envelope shared by eryx's saved images (SandboxFactory files, Session snapshots):
//   magic (8 bytes) | u32 format version | u64 n + fingerprint | u64 n + payload | sha256(all
//   before)
// The fingerprint names the runtime (guest and snapshot) the payload was captured against: a
// payload of memory pages is only meaningful over that exact interpreter state. The checksum
// catches accidental damage only (anyone can recompute it), so payload readers still check every
// length.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace eryx::snapshot {

struct ImageKind {
  std::string_view magic;  // 8 bytes
  uint32_t version;
  std::string_view name;  // for error messages: "SandboxFactory", "Session snapshot"
};

std::string seal_image(const ImageKind& kind, std::string_view fingerprint,
                       std::string_view payload);

// The payload of `data` (a view into it). Throws eryx::Error naming what is wrong: not this kind of
// image, corrupt (checksum), another format version, or another runtime's fingerprint.
std::string_view open_image(const ImageKind& kind, std::string_view data,
                            std::string_view fingerprint);

}  // namespace eryx::snapshot
