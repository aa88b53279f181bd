// The outcome of one successful execution.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace eryx {

struct ExecuteStats {
  std::chrono::nanoseconds duration{0};
  // Size of the guest's linear memory at its largest during the execution.
  uint64_t peak_memory_bytes = 0;
  // Fuel consumed, when fuel is metered.
  std::optional<uint64_t> fuel_consumed;
  uint64_t callback_invocations = 0;
};

struct ExecuteResult {
  std::string stdout_text;
  std::string stderr_text;
  bool stdout_truncated = false;
  bool stderr_truncated = false;
  ExecuteStats stats;
};

}  // namespace eryx
