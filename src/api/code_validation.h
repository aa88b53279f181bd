// Checks host-supplied code before it reaches the guest.
#pragma once

#include <string_view>

#include "eryx/options.hpp"

namespace eryx::detail {

// Throws InvalidArgumentError when `code` contains a NUL byte or is not well-formed UTF-8
// (overlong forms, surrogates and code points past U+10FFFF are rejected, as Python does).
void validate_code(std::string_view code);

// Throws InvalidArgumentError when a host-supplied name (e.g. result_variable) has a NUL byte or
// is not UTF-8; `what` names the option in the message.
void validate_name(std::string_view name, std::string_view what);

// Throws InvalidArgumentError unless `name` is empty (no result is captured) or a Python
// identifier: ASCII letters, digits and '_' not starting with a digit; characters past ASCII are
// let through (Python's own rules for them need Unicode tables; the guest simply never finds a
// name that is not an identifier).
void validate_result_variable(std::string_view name);

// Throws InvalidArgumentError naming the first limit past its maximum (ResourceLimits::kMax*) or a
// timeout of 0 (nullopt is "no limit").
void validate_limits(const ResourceLimits& limits);

// True when `text` is well-formed UTF-8.
bool is_valid_utf8(std::string_view text);

}  // namespace eryx::detail
