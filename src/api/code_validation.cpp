#include "api/code_validation.h"

#include <cctype>
#include <optional>
#include <string>
#include <utility>

#include "eryx/errors.hpp"

namespace eryx::detail {

bool is_valid_utf8(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    size_t extra;
    char32_t cp;
    if ((c & 0xE0) == 0xC0) {
      extra = 1, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (static_cast<size_t>(end - p) <= extra) return false;
    for (size_t i = 1; i <= extra; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    constexpr char32_t kMinForLength[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    p += extra + 1;
  }
  return true;
}

void validate_name(std::string_view name, std::string_view what) {
  if (name.find('\0') != std::string_view::npos || !is_valid_utf8(name)) {
    throw InvalidArgumentError("eryx: " + std::string(what) + " must be UTF-8 without NUL bytes");
  }
}

void validate_result_variable(std::string_view name) {
  validate_name(name, "result_variable");
  auto word = [](unsigned char c) { return c >= 0x80 || c == '_' || std::isalnum(c) != 0; };
  bool ok = name.empty() || !std::isdigit(static_cast<unsigned char>(name.front()));
  for (char c : name) ok = ok && word(static_cast<unsigned char>(c));
  if (!ok) {
    throw InvalidArgumentError("eryx: result_variable '" + std::string(name) +
                               "' is not a Python identifier");
  }
}

void validate_limits(const ResourceLimits& limits) {
  auto check = [](std::optional<uint64_t> value, uint64_t max, const char* field,
                  const char* what) {
    if (value && *value > max) {
      throw InvalidArgumentError("eryx: " + std::string(field) +
                                 " is too large: " + std::to_string(*value) + " (at most " +
                                 std::to_string(max) + ", " + what + ")");
    }
  };
  for (auto [value, field] : {std::pair{limits.execution_timeout_ms, "execution_timeout_ms"},
                              std::pair{limits.callback_timeout_ms, "callback_timeout_ms"}}) {
    if (value && *value == 0) {
      throw InvalidArgumentError("eryx: " + std::string(field) +
                                 " must be positive (unset means no limit)");
    }
    check(value, ResourceLimits::kMaxTimeoutMs, field, "a year; unset means no limit");
  }
  check(limits.max_memory_bytes, ResourceLimits::kMaxMemoryBytes, "max_memory_bytes",
        "the guest's whole 32-bit address space; unset means no limit");
  check(limits.max_vfs_bytes, ResourceLimits::kMaxVfsBytes, "max_vfs_bytes", "1 TiB");
  check(limits.max_output_bytes, ResourceLimits::kMaxBufferBytes, "max_output_bytes", "4 GiB");
  check(limits.max_callback_payload_bytes, ResourceLimits::kMaxBufferBytes,
        "max_callback_payload_bytes", "4 GiB");
}

void validate_code(std::string_view code) {
  if (auto nul = code.find('\0'); nul != std::string_view::npos) {
    throw InvalidArgumentError("eryx: code contains a NUL byte at offset " + std::to_string(nul));
  }
  if (!is_valid_utf8(code)) throw InvalidArgumentError("eryx: code is not valid UTF-8");
}

}  // namespace eryx::detail
