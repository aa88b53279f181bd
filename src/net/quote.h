// Quotes text that came from the guest or the config for an error message: in single quotes,
// bytes outside printable ASCII as \xNN, cut at a bounded length (a message never grows with the
// input, and never carries control characters or invalid UTF-8 into a Python exception).
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace eryx::net {

inline std::string quote(std::string_view text) {
  constexpr size_t kMaxShown = 100;
  std::string out = "'";
  for (size_t i = 0; i < text.size() && i < kMaxShown; ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'') {
      out += static_cast<char>(c);
    } else {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      out += escaped;
    }
  }
  if (text.size() > kMaxShown) out += "...";
  return out + "'";
}

}  // namespace eryx::net
