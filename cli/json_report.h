// The outcome of a one-shot run, and its --json form: one JSON object on stdout,
//   {"stdout", "stderr", "result", "duration_ms", "peak_memory_bytes", "error", "exit_code"}
// with "error" null or {"kind", "type", "message", "traceback"} (docs/guide/cli.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace eryx::cli {

struct RunFailure {
  // "exception" (the code raised), "exit" (sys.exit with a failing status), "timeout",
  // "resource_limit", "cancelled", "interrupted" (Ctrl-C), "invalid_argument", "initialization",
  // "error".
  std::string kind = {};
  std::string type = {};  // the Python exception's qualified name; empty for host errors
  std::string message = {};
  std::string traceback = {};  // empty for host errors
};

struct RunOutcome {
  int exit_code = 0;
  std::string stdout_text;  // captured in --json mode only (otherwise streamed)
  std::string stderr_text;
  std::optional<std::string> result_json;  // the `result` variable, as JSON text
  double duration_ms = 0;
  std::optional<uint64_t> peak_memory_bytes;  // known when the execution completed
  std::optional<RunFailure> error;
};

// The --json object, one line. Output that is not UTF-8 has its bad bytes replaced (U+FFFD).
std::string json_report(const RunOutcome& outcome);

}  // namespace eryx::cli
