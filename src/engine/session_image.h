// A Session's live interpreter as bytes (Session::snapshot / Session::from_snapshot): what fork()
// copies in memory, made durable. Between executions the Wasm stack is empty, so linear memory,
// the mutable globals and the host-side WASI state are the whole interpreter. The format and its
// parsing are snapshot/session_image.h's (engine-free, so it is fuzzed without an engine); this
// adds the two steps that need an instance.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/guest_instance.h"
#include "snapshot/session_image.h"

namespace eryx::engine {

struct SessionImage : snapshot::SessionImage {
  // The serialised state of `instance` (between calls). `fresh` is a fresh instance of the same
  // engine variant: pages equal to its own are left out. Throws Error when the WASI state holds
  // something the format cannot express.
  static std::string capture(GuestInstance& instance, GuestInstance& fresh,
                             uint64_t execution_count, std::string_view fingerprint);

  // Checks the envelope and reads the payload; the image holds views into `data`. Throws Error for
  // data that is not an intact snapshot for `fingerprint`.
  static SessionImage parse(std::string_view data, std::string_view fingerprint) {
    return {snapshot::parse_session_image(data, fingerprint)};
  }

  // Makes `fresh` (a fresh instance of a variant with the fingerprint the image was parsed for)
  // this interpreter: memory, globals, files, fds. Throws ResourceLimitError when the memory or the
  // files do not fit its limits, Error when the payload is inconsistent (discard `fresh` then).
  void restore_into(GuestInstance& fresh) const;
};

}  // namespace eryx::engine
