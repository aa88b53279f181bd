// A Session's live interpreter as bytes (Session::snapshot / Session::from_snapshot): what fork()
// copies in memory, made durable. Between executions the Wasm stack is empty, so linear memory,
// the mutable globals and the host-side WASI state are the whole interpreter.
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

#include "engine/guest_instance.h"

namespace eryx::engine {

struct SessionImage {
  uint64_t execution_count = 0;
  uint64_t memory_size = 0;
  std::vector<std::pair<std::string, uint64_t>> globals;
  std::vector<std::pair<uint32_t, std::string_view>> pages;  // views into the parsed data
  std::string_view wasi_state;                               // a view into the parsed data

  // The serialised state of `instance` (between calls). `fresh` is a fresh instance of the same
  // engine variant: pages equal to its own are left out. Throws Error when the WASI state holds
  // something the format cannot express.
  static std::string capture(GuestInstance& instance, GuestInstance& fresh,
                             uint64_t execution_count, std::string_view fingerprint);

  // Checks the envelope and reads the payload; the image holds views into `data`. Throws Error for
  // data that is not an intact snapshot for `fingerprint`.
  static SessionImage parse(std::string_view data, std::string_view fingerprint);

  // Makes `fresh` (a fresh instance of a variant with the fingerprint the image was parsed for)
  // this interpreter: memory, globals, files, fds. Throws ResourceLimitError when the memory or the
  // files do not fit its limits, Error when the payload is inconsistent (discard `fresh` then).
  void restore_into(GuestInstance& fresh) const;
};

}  // namespace eryx::engine
