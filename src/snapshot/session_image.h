// The bytes of a Session snapshot (Session::snapshot / Session::from_snapshot), without the engine:
// engine/session_image.h captures an instance into them and restores them into a fresh one.
//
// The envelope is image_envelope.h's ("ERYXSESS", format version 1, the runtime's fingerprint,
// SHA-256); the payload (little-endian, vfs/byte_codec.h):
//   u64 execution_count
//   memory_state_codec.h's section           memory size, mutable globals, the runs of 4 KiB pages
//                                            that differ from a fresh instance of the snapshot
//   bytes wasi_state                         wasi/state_codec.h: the files under /tmp and the fd
//                                            table, open files included
// The read-only layout (stdlib zip) is not in it: the restoring runtime's fresh instance has it,
// and the fingerprint guarantees it is the same one.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "snapshot/memory_state_codec.h"

namespace eryx::snapshot {

struct SessionImage {
  uint64_t execution_count = 0;
  uint64_t memory_size = 0;
  std::vector<std::pair<std::string, uint64_t>> globals;
  std::vector<std::pair<uint32_t, std::string_view>> pages;  // views into the parsed data
  std::string_view wasi_state;                               // a view into the parsed data
};

std::string seal_session_image(uint64_t execution_count, uint64_t memory_size,
                               const StateGlobals& globals, const PageViews& pages,
                               std::string_view wasi_state, std::string_view fingerprint);

// Checks the envelope and reads the payload; the image holds views into `data`. Throws eryx::Error
// for data that is not an intact snapshot for `fingerprint`. The WASI state is read (and checked)
// only when it is restored.
SessionImage parse_session_image(std::string_view data, std::string_view fingerprint);

}  // namespace eryx::snapshot
