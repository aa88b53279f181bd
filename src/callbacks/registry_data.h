// What a CallbackRegistry holds: the callbacks, their compiled schemas, and the catalogue the guest
// receives (names, descriptions, schemas as JSON).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "callbacks/schema_validator.h"
#include "eryx/callbacks.hpp"

namespace eryx::detail {

struct RegistryEntry {
  Callback callback;
  std::shared_ptr<const callbacks::SchemaValidator> validator;
};

struct RegistryData {
  std::vector<std::shared_ptr<const RegistryEntry>> entries;  // in registration order
  std::map<std::string, size_t, std::less<>> index;           // name -> entries[i]
  std::string catalog_json;  // [{"name","description","parameters_schema"}...]

  const RegistryEntry* find(std::string_view name) const {
    auto it = index.find(name);
    return it == index.end() ? nullptr : entries[it->second].get();
  }
};

}  // namespace eryx::detail
