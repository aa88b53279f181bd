// The tools `eryx serve` offers, as MCP describes them (tools/list), and the checking of a
// tools/call request's params into one typed call. Engine-free, so the fuzzer reaches it.
//
// Two kinds of bad input, as the MCP specification separates them:
// - a protocol error (params not an object, no tool name, an unknown tool): the request is
//   answered with JSON-RPC error -32602;
// - bad arguments to a known tool (a missing `code`, a `timeout_ms` that is not a positive
//   integer): a tool result with isError: true, which the model reads and can correct.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "mcp/protocol/jsonrpc.h"

namespace eryx::mcp::server {

struct RunPython {
  std::string code;
  std::optional<uint64_t> timeout_ms;
};
struct SessionCreate {};
struct SessionRun {
  std::string session_id;
  std::string code;
  std::optional<uint64_t> timeout_ms;
};
struct SessionReset {
  std::string session_id;
};
struct SessionClose {
  std::string session_id;
};
using ToolCall = std::variant<RunPython, SessionCreate, SessionRun, SessionReset, SessionClose>;

struct ToolCallError {
  enum class Kind { kProtocol, kArguments };
  Kind kind;
  std::string message;
};

// The tools/list result: every tool with its description and JSON Schema of its arguments.
Json tool_list();

// params of a tools/call request -> the call, or why not. Never throws.
std::variant<ToolCall, ToolCallError> parse_tool_call(const Json& params);

// Largest timeout_ms a client may give (about 11.5 days): keeps every sum with it in range.
inline constexpr uint64_t kMaxClientTimeoutMs = uint64_t{1} << 40;

}  // namespace eryx::mcp::server
