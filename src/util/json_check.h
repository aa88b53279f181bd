// Checks JSON text produced by the guest before the host or the user parses it. The guest can
// replace its own json module, so "JSON" from it is untrusted bytes: it must be well-formed UTF-8
// JSON, nested at most kMaxJsonDepth deep (deeper input makes recursive parsers, Python's
// json.loads among them, fail or overflow their stack). Integers of any length are valid JSON and
// pass. The check itself does not recurse and is linear in the input.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace eryx::util {

inline constexpr size_t kMaxJsonDepth = 500;

// nullopt when `text` is acceptable; otherwise why not.
[[nodiscard]] std::optional<std::string> check_json(std::string_view text,
                                                    size_t max_depth = kMaxJsonDepth);

}  // namespace eryx::util
