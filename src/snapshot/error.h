// The one exception type of the snapshot module builder.
//
// The builder and its Wasm reader report malformed or inconsistent input (a truncated module, an
// overlong LEB128, a memory image that does not fit the module's limits...) by throwing
// SnapshotError with a message that names the offending section or value. Nothing else is thrown
// on bad input, and no input makes the parser read outside the bytes it was given. (The image
// formats beside them, factory_image.h and session_image.h, throw eryx::Error: they face the API.)
#pragma once

#include <stdexcept>
#include <string>

namespace eryx::snapshot {

class SnapshotError : public std::runtime_error {
 public:
  explicit SnapshotError(const std::string& message) : std::runtime_error("snapshot: " + message) {}
};

}  // namespace eryx::snapshot
