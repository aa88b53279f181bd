// SHA-256 (OpenSSL's EVP interface): the checksum of eryx's saved images and the runtime's
// fingerprint.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace eryx::util {

// SHA-256 of `data` (raw 32 bytes), or of the concatenation of `parts` (without copying them).
// Throws eryx::Error if OpenSSL fails.
std::string sha256(std::string_view data);
std::string sha256(std::initializer_list<std::string_view> parts);
// The same as 64 lowercase hex digits.
std::string sha256_hex(std::string_view data);
std::string sha256_hex(std::initializer_list<std::string_view> parts);

}  // namespace eryx::util
