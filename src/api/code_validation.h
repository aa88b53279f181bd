// Checks host-supplied code before it reaches the guest.
#pragma once

#include <string_view>

namespace eryx::detail {

// Throws InvalidArgumentError when `code` contains a NUL byte or is not well-formed UTF-8
// (overlong forms, surrogates and code points past U+10FFFF are rejected, as Python does).
void validate_code(std::string_view code);

// True when `text` is well-formed UTF-8.
bool is_valid_utf8(std::string_view text);

}  // namespace eryx::detail
