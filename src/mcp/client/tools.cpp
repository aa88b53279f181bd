#include "mcp/client/tools.h"

#include <algorithm>
#include <array>

namespace eryx::mcp {
namespace {

// Python 3.13's keyword.kwlist: not usable as attribute names in `mcp.fs.<tool>(...)`.
constexpr std::array<std::string_view, 35> kKeywords = {
    "False", "None",     "True",  "and",    "as",   "assert", "async",  "await",    "break",
    "class", "continue", "def",   "del",    "elif", "else",   "except", "finally",  "for",
    "from",  "global",   "if",    "import", "in",   "is",     "lambda", "nonlocal", "not",
    "or",    "pass",     "raise", "return", "try",  "while",  "with",   "yield"};

constexpr size_t kMaxIdentifier = 100;

bool is_ascii_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_text_item(const eryx::Json& item) {
  if (!item.is_object()) return false;
  auto type = item.find("type");
  auto text = item.find("text");
  return type != item.end() && *type == "text" && text != item.end() && text->is_string();
}

std::string text_of_items(const eryx::Json& content) {
  std::string text;
  bool first = true;
  if (!content.is_array()) return text;
  for (const auto& item : content) {
    if (!is_text_item(item)) continue;
    if (!first) text += "\n";
    text += item["text"].get<std::string>();
    first = false;
  }
  return text;
}

}  // namespace

std::string identifier_for(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 1);
  for (char c : name) out += is_ascii_alnum(c) || c == '_' ? c : '_';
  if (out.empty() || (out[0] >= '0' && out[0] <= '9')) out.insert(out.begin(), '_');
  if (std::find(kKeywords.begin(), kKeywords.end(), out) != kKeywords.end()) out += '_';
  if (out.size() >= 4 && out.starts_with("__") && out.ends_with("__")) {
    out.erase(0, out.find_first_not_of('_'));
  }
  // "mcp.<server>.<tool>" must fit the registry's 256 characters, with room for a "_N" suffix.
  if (out.size() > kMaxIdentifier) out.resize(kMaxIdentifier);
  return out;
}

eryx::Json guest_value(const eryx::Json& result, const eryx::Json& output_schema) {
  if (!result.is_object()) throw CallbackError("the MCP server's tool result is not an object");
  const eryx::Json empty = eryx::Json::array();
  auto content_it = result.find("content");
  const eryx::Json& content = content_it != result.end() ? *content_it : empty;
  if (!content.is_array()) throw CallbackError("the MCP server's tool result has no content list");

  if (auto error = result.find("isError");
      error != result.end() && error->is_boolean() && error->get<bool>()) {
    std::string text = text_of_items(content);
    throw CallbackError(text.empty() ? "the MCP tool reported an error" : text);
  }
  if (auto structured = result.find("structuredContent");
      structured != result.end() && !structured->is_null()) {
    // The official SDKs wrap a tool's non-object return value as {"result": value} and declare
    // an outputSchema with that single property.
    if (output_schema.is_object() && structured->is_object() && structured->size() == 1 &&
        structured->contains("result")) {
      auto properties = output_schema.find("properties");
      if (properties != output_schema.end() && properties->is_object() && properties->size() == 1 &&
          properties->contains("result")) {
        return (*structured)["result"];
      }
    }
    return *structured;
  }
  if (std::all_of(content.begin(), content.end(), is_text_item)) return text_of_items(content);
  return content;
}

}  // namespace eryx::mcp
