// Identifiers another party cannot guess.
#pragma once

#include <string>

namespace eryx::util {

// 128 random bits from the system's random device, as 32 lowercase hex digits.
std::string random_id();

}  // namespace eryx::util
