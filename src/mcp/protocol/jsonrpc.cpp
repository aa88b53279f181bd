#include "mcp/protocol/jsonrpc.h"

#include <exception>
#include <optional>
#include <utility>

namespace eryx::mcp {
namespace {

constexpr const char* kVersion = "2.0";

// Deepest nesting of arrays and objects in `bytes`, counted without parsing (brackets inside
// strings do not count) and stopping as soon as it passes `limit`: nlohmann's DOM parser keeps
// its own stack on the heap, but the JSON it builds is destroyed and dumped recursively.
bool nesting_exceeds(std::string_view bytes, size_t limit) {
  size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : bytes) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > limit) return true;
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;
        break;
      default:
        break;
    }
  }
  return false;
}

// The id of a message: a string or an integer (MCP: "MUST be a string or integer"; JSON-RPC's
// fractional ids are discouraged and no MCP peer sends them). nullopt when it is something else.
std::optional<RequestId> read_id(const Json& id) {
  if (id.is_string()) return RequestId{id.get<std::string>()};
  if (id.is_number_integer()) {
    if (id.is_number_unsigned() && id.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
      return std::nullopt;
    }
    return RequestId{id.get<int64_t>()};
  }
  if (id.is_null()) return RequestId{std::monostate{}};
  return std::nullopt;
}

Json id_json(const RequestId& id) {
  if (const auto* n = std::get_if<int64_t>(&id)) return *n;
  if (const auto* s = std::get_if<std::string>(&id)) return *s;
  return nullptr;
}

DecodeError invalid(std::string message, RequestId id = {}) {
  return DecodeError{error_code::kInvalidRequest, std::move(message), std::move(id)};
}

std::variant<Message, DecodeError> decode_object(const Json& object) {
  // The id first, so every later error can name it.
  RequestId id;
  bool has_id = false;
  if (auto it = object.find("id"); it != object.end()) {
    auto read = read_id(*it);
    if (!read) return invalid("\"id\" must be a string or an integer");
    id = std::move(*read);
    has_id = true;
  }
  auto version = object.find("jsonrpc");
  if (version == object.end() || !version->is_string() || *version != kVersion) {
    return invalid("\"jsonrpc\" must be \"2.0\"", id);
  }

  if (auto method = object.find("method"); method != object.end()) {
    if (!method->is_string()) return invalid("\"method\" must be a string", id);
    Json params;
    if (auto p = object.find("params"); p != object.end() && !p->is_null()) {
      if (!p->is_object() && !p->is_array()) {
        return invalid("\"params\" must be an object or an array", id);
      }
      params = *p;
    }
    if (!has_id) return Message{Notification{method->get<std::string>(), std::move(params)}};
    if (std::holds_alternative<std::monostate>(id)) {
      return invalid("a request's \"id\" must not be null");
    }
    return Message{Request{std::move(id), method->get<std::string>(), std::move(params)}};
  }

  auto result = object.find("result");
  auto error = object.find("error");
  if (!has_id) return invalid("a message with no \"method\" must be a response with an \"id\"");
  if ((result == object.end()) == (error == object.end())) {
    return invalid("a response must have exactly one of \"result\" and \"error\"", id);
  }
  if (result != object.end()) {
    if (std::holds_alternative<std::monostate>(id)) {
      return invalid("a result's \"id\" must not be null");
    }
    return Message{Response{std::move(id), *result}};
  }
  if (!error->is_object()) return invalid("\"error\" must be an object", id);
  auto code = error->find("code");
  auto message = error->find("message");
  auto code_value = code == error->end() ? std::nullopt : read_id(*code);
  const int64_t* code_number = code_value ? std::get_if<int64_t>(&*code_value) : nullptr;
  if (!code_number || *code_number < INT32_MIN || *code_number > INT32_MAX) {
    return invalid("\"error.code\" must be an integer", id);
  }
  if (message == error->end() || !message->is_string()) {
    return invalid("\"error.message\" must be a string", id);
  }
  Json data;
  if (auto d = error->find("data"); d != error->end()) data = *d;
  return Message{ErrorResponse{std::move(id), static_cast<int>(*code_number),
                               message->get<std::string>(), std::move(data)}};
}

}  // namespace

std::variant<Message, DecodeError> decode(std::string_view bytes, const DecodeLimits& limits) {
  try {
    if (bytes.size() > limits.max_bytes) {
      return invalid("message of " + std::to_string(bytes.size()) + " bytes exceeds the limit of " +
                     std::to_string(limits.max_bytes));
    }
    if (nesting_exceeds(bytes, limits.max_depth)) {
      return DecodeError{
          error_code::kParseError,
          "JSON nested more than " + std::to_string(limits.max_depth) + " levels deep",
          {}};
    }
    Json parsed = Json::parse(bytes, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) return DecodeError{error_code::kParseError, "invalid JSON", {}};
    if (parsed.is_array()) return invalid("batches of JSON-RPC messages are not supported");
    if (!parsed.is_object()) return invalid("a JSON-RPC message must be a JSON object");
    return decode_object(parsed);
  } catch (const std::exception& e) {  // out of memory, or a bug: still an answer, not a crash
    return DecodeError{error_code::kInternalError, std::string("cannot decode: ") + e.what(), {}};
  }
}

std::string encode(const Message& message) {
  Json out = Json::object();
  out["jsonrpc"] = kVersion;
  std::visit(
      [&out](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, Request>) {
          out["id"] = id_json(m.id);
          out["method"] = m.method;
          if (!m.params.is_null()) out["params"] = m.params;
        } else if constexpr (std::is_same_v<T, Notification>) {
          out["method"] = m.method;
          if (!m.params.is_null()) out["params"] = m.params;
        } else if constexpr (std::is_same_v<T, Response>) {
          out["id"] = id_json(m.id);
          out["result"] = m.result;
        } else {
          out["id"] = id_json(m.id);
          Json error = {{"code", m.code}, {"message", m.message}};
          if (!m.data.is_null()) error["data"] = m.data;
          out["error"] = std::move(error);
        }
      },
      message);
  return out.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace eryx::mcp
