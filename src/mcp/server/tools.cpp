#include "mcp/server/tools.h"

#include <string_view>

namespace eryx::mcp::server {
namespace {

Json code_schema() {
  return {{"type", "string"},
          {"description",
           "Python 3.13 source to run, as a script (not an expression). Assign a JSON-"
           "serialisable value to the variable `result` to return it as data."}};
}

Json timeout_schema() {
  return {{"type", "integer"},
          {"minimum", 1},
          {"description",
           "Stop the code after this many milliseconds. Can only lower the server's own "
           "timeout (eryx serve --timeout-ms), never raise it."}};
}

Json session_id_schema() {
  return {{"type", "string"}, {"description", "The id session_create returned."}};
}

Json object_schema(Json properties, Json required) {
  return {{"type", "object"},
          {"properties", std::move(properties)},
          {"required", std::move(required)},
          {"additionalProperties", false}};
}

Json tool(std::string_view name, std::string_view description, Json schema) {
  return {{"name", name}, {"description", description}, {"inputSchema", std::move(schema)}};
}

ToolCallError protocol_error(std::string message) {
  return {ToolCallError::Kind::kProtocol, std::move(message)};
}
ToolCallError argument_error(std::string message) {
  return {ToolCallError::Kind::kArguments, std::move(message)};
}

// Reads a string argument; the error names the argument.
std::optional<ToolCallError> get_string(const Json& args, const char* name, std::string& out) {
  auto it = args.find(name);
  if (it == args.end())
    return argument_error(std::string("missing required argument '") + name + "'");
  if (!it->is_string())
    return argument_error(std::string("argument '") + name + "' must be a string");
  out = it->get<std::string>();
  return std::nullopt;
}

std::optional<ToolCallError> get_timeout(const Json& args, std::optional<uint64_t>& out) {
  auto it = args.find("timeout_ms");
  if (it == args.end() || it->is_null()) return std::nullopt;
  // 5000.0 is an integer in JSON Schema's sense; 0, negatives and fractions are not accepted.
  if (it->is_number_unsigned() && it->get<uint64_t>() >= 1) {
    out = std::min(it->get<uint64_t>(), kMaxClientTimeoutMs);
    return std::nullopt;
  }
  if (it->is_number_float()) {
    const double value = it->get<double>();
    if (value >= 1 && value == static_cast<double>(static_cast<uint64_t>(std::min(value, 1e15)))) {
      out = std::min(static_cast<uint64_t>(value), kMaxClientTimeoutMs);
      return std::nullopt;
    }
  }
  return argument_error("argument 'timeout_ms' must be a positive integer (milliseconds)");
}

std::optional<ToolCallError> no_other_arguments(const Json& args,
                                                std::initializer_list<std::string_view> known) {
  for (auto it = args.begin(); it != args.end(); ++it) {
    bool found = false;
    for (auto name : known) found = found || it.key() == name;
    if (!found) return argument_error("unknown argument '" + it.key() + "'");
  }
  return std::nullopt;
}

}  // namespace

Json tool_list() {
  Json tools = Json::array();
  tools.push_back(tool(
      "run_python",
      "Run Python code in a fresh, isolated sandbox (nothing persists between calls). Returns "
      "stdout, stderr, the value of the variable `result` and, when the code failed, the error "
      "with its traceback.",
      object_schema({{"code", code_schema()}, {"timeout_ms", timeout_schema()}}, {"code"})));
  tools.push_back(
      tool("session_create",
           "Create a persistent Python session: variables, functions and imports survive "
           "between session_run calls. Returns its session_id. Sessions idle for too long are "
           "closed by the server.",
           object_schema(Json::object(), Json::array())));
  tools.push_back(tool("session_run",
                       "Run Python code in a session made by session_create. Returns stdout, "
                       "stderr, `result` and any error, as run_python does.",
                       object_schema({{"session_id", session_id_schema()},
                                      {"code", code_schema()},
                                      {"timeout_ms", timeout_schema()}},
                                     {"session_id", "code"})));
  tools.push_back(tool("session_reset",
                       "Forget everything a session holds (a fresh interpreter, same id).",
                       object_schema({{"session_id", session_id_schema()}}, {"session_id"})));
  tools.push_back(tool("session_close", "Close a session and free its memory.",
                       object_schema({{"session_id", session_id_schema()}}, {"session_id"})));
  return {{"tools", std::move(tools)}};
}

std::variant<ToolCall, ToolCallError> parse_tool_call(const Json& params) {
  if (!params.is_object()) return protocol_error("tools/call params must be an object");
  auto name_it = params.find("name");
  if (name_it == params.end() || !name_it->is_string())
    return protocol_error("tools/call params need a string 'name'");
  const std::string name = name_it->get<std::string>();
  Json args = Json::object();
  if (auto it = params.find("arguments"); it != params.end() && !it->is_null()) {
    if (!it->is_object()) return protocol_error("tools/call 'arguments' must be an object");
    args = *it;
  }

  if (name == "run_python") {
    RunPython call;
    if (auto e = no_other_arguments(args, {"code", "timeout_ms"})) return *e;
    if (auto e = get_string(args, "code", call.code)) return *e;
    if (auto e = get_timeout(args, call.timeout_ms)) return *e;
    return call;
  }
  if (name == "session_create") {
    if (auto e = no_other_arguments(args, {})) return *e;
    return SessionCreate{};
  }
  if (name == "session_run") {
    SessionRun call;
    if (auto e = no_other_arguments(args, {"session_id", "code", "timeout_ms"})) return *e;
    if (auto e = get_string(args, "session_id", call.session_id)) return *e;
    if (auto e = get_string(args, "code", call.code)) return *e;
    if (auto e = get_timeout(args, call.timeout_ms)) return *e;
    return call;
  }
  if (name == "session_reset" || name == "session_close") {
    std::string id;
    if (auto e = no_other_arguments(args, {"session_id"})) return *e;
    if (auto e = get_string(args, "session_id", id)) return *e;
    if (name == "session_reset") return SessionReset{std::move(id)};
    return SessionClose{std::move(id)};
  }
  return protocol_error("unknown tool '" + name + "'");
}

}  // namespace eryx::mcp::server
