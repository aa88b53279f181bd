// Untrusted bytes made safe to put in an error message.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace eryx::util {

// The first `limit` bytes of `bytes` as printable ASCII: anything else (a NUL, a control
// character, a byte that is not ASCII) becomes \xNN.
std::string printable(std::string_view bytes, size_t limit);

}  // namespace eryx::util
