#include "json_report.h"

#include <nlohmann/json.hpp>

namespace eryx::cli {
namespace {

nlohmann::ordered_json text_or_null(const std::string& text) {
  return text.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(text);
}

}  // namespace

std::string json_report(const RunOutcome& outcome) {
  nlohmann::ordered_json report;
  report["stdout"] = outcome.stdout_text;
  report["stderr"] = outcome.stderr_text;
  report["result"] = nullptr;
  if (outcome.result_json) {
    // The guest produced it with json.dumps(allow_nan=False), so it parses; kept as text if not.
    auto value = nlohmann::ordered_json::parse(*outcome.result_json, nullptr, false);
    report["result"] = value.is_discarded() ? nlohmann::ordered_json(*outcome.result_json) : value;
  }
  report["duration_ms"] = outcome.duration_ms;
  report["peak_memory_bytes"] = nullptr;
  if (outcome.peak_memory_bytes) report["peak_memory_bytes"] = *outcome.peak_memory_bytes;
  report["error"] = nullptr;
  if (outcome.error) {
    nlohmann::ordered_json error;
    error["kind"] = outcome.error->kind;
    error["type"] = text_or_null(outcome.error->type);
    error["message"] = outcome.error->message;
    error["traceback"] = text_or_null(outcome.error->traceback);
    report["error"] = std::move(error);
  }
  report["exit_code"] = outcome.exit_code;
  return report.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace eryx::cli
