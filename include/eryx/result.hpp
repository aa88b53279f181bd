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
  // The result variable (SandboxOptions::result_variable) serialised as JSON, when the code set it
  // and it could be serialised; otherwise result_error says why not (unset when the variable was
  // simply not defined). The execution succeeds either way.
  std::optional<std::string> result_json;
  std::optional<std::string> result_error;
  ExecuteStats stats;
};

}  // namespace eryx
