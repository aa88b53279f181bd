// JSON-RPC 2.0 messages as the Model Context Protocol exchanges them: one JSON object per message
// (the stdio transport separates them by newlines; Streamable HTTP sends one per POST body).
// Every byte decoded here comes from a peer we do not trust (a client of `eryx serve`, or an MCP
// server started from --mcp-config): decode() bounds size and nesting and never throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

namespace eryx::mcp {

using Json = nlohmann::json;

// A request id: a number or a string. monostate is JSON null, used only in an error reply to a
// message whose id could not be read.
using RequestId = std::variant<std::monostate, int64_t, std::string>;

struct Request {  // expects a reply
  RequestId id;
  std::string method;
  Json params;  // object, array or null (absent)
};
struct Notification {  // no reply
  std::string method;
  Json params;
};
struct Response {
  RequestId id;
  Json result;
};
struct ErrorResponse {
  RequestId id;
  int code = 0;
  std::string message;
  Json data;  // null when absent
};
using Message = std::variant<Request, Notification, Response, ErrorResponse>;

namespace error_code {
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;
}  // namespace error_code

// Why bytes are not a message: what to answer (code, message) and the id, when one could be read.
struct DecodeError {
  int code = error_code::kParseError;
  std::string message;
  RequestId id;
};

struct DecodeLimits {
  size_t max_bytes = 16 * 1024 * 1024;
  size_t max_depth = 128;  // checked before parsing: deep nesting must not exhaust the stack
};

// One message, or why not (not JSON, not an object, "jsonrpc" not "2.0", a bad id, a method that is
// not a string, a batch array: batches left MCP in 2025-06-18, ...).
[[nodiscard]] std::variant<Message, DecodeError> decode(std::string_view bytes,
                                                        const DecodeLimits& limits = {});

// Compact JSON text of `message` (no newline; UTF-8 kept as is, invalid UTF-8 replaced).
[[nodiscard]] std::string encode(const Message& message);

}  // namespace eryx::mcp
