// CallbackRegistry (include/eryx/callbacks.hpp): validation of names and schemas at registration.
#include <utility>

#include "callbacks/registry_data.h"
#include "eryx/callbacks.hpp"
#include "util/printable.h"

namespace eryx {
namespace {

constexpr size_t kMaxNameLength = 256;

bool is_identifier_segment(std::string_view segment) {
  if (segment.empty()) return false;
  char first = segment.front();
  if (!(first == '_' || (first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z'))) {
    return false;
  }
  for (char c : segment) {
    if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
      return false;
  }
  return true;
}

// The name as printable ASCII for an error message (it may hold a NUL or bytes that are not UTF-8).
std::string printable(std::string_view name) { return util::printable(name, kMaxNameLength); }

// Dotted Python identifiers (ASCII): what the guest can expose as a namespace path.
void check_name(const std::string& name) {
  if (name.empty() || name.size() > kMaxNameLength) {
    throw InvalidArgumentError("eryx: a callback name must have 1 to " +
                               std::to_string(kMaxNameLength) + " characters");
  }
  size_t start = 0;
  while (true) {
    size_t dot = name.find('.', start);
    std::string_view segment(name.data() + start,
                             (dot == std::string::npos ? name.size() : dot) - start);
    if (!is_identifier_segment(segment)) {
      throw InvalidArgumentError("eryx: invalid callback name '" + printable(name) +
                                 "': use identifiers separated by dots (e.g. 'store.kv.get')");
    }
    // A dunder global of the guest's __main__ (__builtins__, __name__) or attribute of a
    // namespace (__class__) would break every execution, not expose a callback.
    if (segment.size() >= 4 && segment.starts_with("__") && segment.ends_with("__")) {
      throw InvalidArgumentError("eryx: invalid callback name '" + name +
                                 "': names of the form __x__ are reserved for Python");
    }
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
}

void check_schema(const Callback& callback) {
  const Json& schema = callback.parameters_schema;
  auto type = schema.is_object() ? schema.find("type") : schema.end();
  if (!schema.is_object() || type == schema.end() || *type != "object") {
    throw InvalidArgumentError("eryx: the parameters schema of callback '" + callback.name +
                               "' must be a JSON object with \"type\": \"object\"");
  }
  if (schema.contains("properties") && !schema["properties"].is_object()) {
    throw InvalidArgumentError("eryx: \"properties\" of callback '" + callback.name +
                               "' must be an object");
  }
}

}  // namespace

CallbackRegistry::CallbackRegistry() : data_(std::make_shared<detail::RegistryData>()) {}

CallbackRegistry& CallbackRegistry::add(Callback callback) {
  check_name(callback.name);
  if (static_cast<bool>(callback.handler) == static_cast<bool>(callback.async_handler)) {
    throw InvalidArgumentError("eryx: callback '" + callback.name +
                               "' needs exactly one of handler and async_handler");
  }
  check_schema(callback);
  if (data_->find(callback.name) != nullptr) {
    throw InvalidArgumentError("eryx: a callback named '" + callback.name +
                               "' is already registered");
  }
  auto entry = std::make_shared<detail::RegistryEntry>();
  try {
    entry->validator =
        std::make_shared<callbacks::SchemaValidator>(callback.parameters_schema.dump());
  } catch (const InvalidArgumentError& e) {
    throw InvalidArgumentError("eryx: callback '" + callback.name + "': " + e.what());
  }
  std::string entry_name = callback.name;
  entry->callback = std::move(callback);

  // Copy on write: sandboxes holding the old data keep seeing it unchanged.
  auto next = std::make_shared<detail::RegistryData>(*data_);
  next->index.emplace(entry_name, next->entries.size());
  next->entries.push_back(std::move(entry));
  Json catalog = Json::array();
  for (const auto& e : next->entries) {
    catalog.push_back({{"name", e->callback.name},
                       {"description", e->callback.description},
                       {"parameters_schema", e->callback.parameters_schema}});
  }
  try {
    next->catalog_json = catalog.dump();
  } catch (const std::exception& e) {  // e.g. a description that is not UTF-8
    throw InvalidArgumentError("eryx: callback '" + entry_name + "': " + e.what());
  }
  data_ = std::move(next);
  return *this;
}

size_t CallbackRegistry::size() const { return data_->entries.size(); }

std::vector<CallbackInfo> CallbackRegistry::list() const {
  std::vector<CallbackInfo> out;
  for (const auto& e : data_->entries) {
    out.push_back({e->callback.name, e->callback.description, e->callback.parameters_schema});
  }
  return out;
}

}  // namespace eryx
