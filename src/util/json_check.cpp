#include "util/json_check.h"

#include <jsoncons/json_reader.hpp>
#include <jsoncons/json_visitor.hpp>

namespace eryx::util {

std::optional<std::string> check_json(std::string_view text, size_t max_depth) {
  // jsoncons' parser is a state machine (no recursion), refuses nesting past max_nesting_depth,
  // and keeps integers of any length as big integers: Python's json.dumps writes those (2**2000),
  // and they are valid JSON.
  jsoncons::default_json_visitor ignore;
  auto options = jsoncons::json_options{}.max_nesting_depth(static_cast<int>(max_depth));
  jsoncons::json_string_reader reader(text, ignore, options);
  std::error_code error;
  reader.read(error);
  if (!error) return std::nullopt;
  if (error == jsoncons::json_errc::max_nesting_depth_exceeded) {
    return "JSON nested more than " + std::to_string(max_depth) + " levels deep";
  }
  return "invalid JSON at line " + std::to_string(reader.line()) + ", column " +
         std::to_string(reader.column()) + ": " + error.message();
}

}  // namespace eryx::util
