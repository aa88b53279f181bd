// The callback registry a SandboxOptions holds, without nlohmann/json's full header (which costs
// every file that includes eryx/eryx.hpp about a second of compiling): eryx::Json is only declared
// here. Defining callbacks (Callback, make_callback, ERYX_CALLBACK_STRUCT, parse_json) needs
// eryx/callbacks.hpp.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "eryx/errors.hpp"

namespace eryx {

// JSON values exchanged with callbacks. Ordered, so that a schema's properties keep the order
// that defines the positional parameters.
using Json = nlohmann::ordered_json;

// Deepest nesting of arrays and objects eryx accepts in callback arguments and results.
inline constexpr size_t kMaxJsonDepth = 256;

// Thrown by a handler to fail the call with a message the guest sees (any other exception is
// reported the same way, with its what()).
class CallbackError : public Error {
 public:
  using Error::Error;
};

struct Callback;      // eryx/callbacks.hpp
struct CallbackInfo;  // eryx/callbacks.hpp

namespace detail {
struct RegistryData;
}

// A set of callbacks, shared by copies (copying is cheap; add() on a copy that is shared with a
// running sandbox makes a private copy first, so sandboxes never see a registry change under them).
class CallbackRegistry {
 public:
  CallbackRegistry();
  // Throws InvalidArgumentError: bad or duplicate name (a segment of the form __x__ is reserved
  // for Python), a schema that is not a valid object schema or has a pattern RE2 cannot run
  // (backreferences, lookaround), no handler or both handlers.
  CallbackRegistry& add(Callback callback);

  size_t size() const;
  bool empty() const { return size() == 0; }
  std::vector<CallbackInfo> list() const;

  // Engine-facing view (not part of the stable API).
  const std::shared_ptr<const detail::RegistryData>& shared_data() const { return data_; }

 private:
  std::shared_ptr<const detail::RegistryData> data_;
};

}  // namespace eryx
