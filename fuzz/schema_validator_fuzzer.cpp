// Callback arguments against JSON Schemas (callbacks/schema_validator.h). The arguments come from
// the guest; the schemas from the host, so the fixed schemas below (the kinds the typed helpers and
// the Python bindings generate, plus hand-written ones with patterns and combinators) get the
// guest's bytes. An input starting with 0xFF brings its own schema as well (up to a NUL byte), for
// the compiler's robustness against whatever a host registers.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "callbacks/schema_validator.h"
#include "eryx/errors.hpp"
#include "fuzz_support.h"

namespace {

using eryx::callbacks::SchemaValidator;

constexpr const char* kSchemas[] = {
    R"({"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"integer"}},
        "required":["a","b"]})",
    R"({"type":"object","properties":{"query":{"type":"string"},
        "limit":{"anyOf":[{"type":"integer"},{"type":"null"}],"default":null},
        "tags":{"type":"array","items":{"type":"string"}}},"required":["query"]})",
    R"({"type":"object","properties":{"key":{"type":"string","pattern":"^[a-z][a-z0-9_]{0,31}$"},
        "when":{"type":"string","format":"date-time"},"mail":{"type":"string","format":"email"}},
        "additionalProperties":false})",
    R"({"type":"object","properties":{"point":{"type":"object","properties":{
        "x":{"type":"number","minimum":-1e9,"maximum":1e9},"y":{"type":"number","multipleOf":0.5}},
        "required":["x","y"]},"kind":{"enum":["a","b",1,null]},"flag":{"const":true}},
        "dependentRequired":{"point":["kind"]}})",
    R"({"$schema":"http://json-schema.org/draft-07/schema#","type":"object",
        "definitions":{"node":{"type":"object","properties":{"next":{"$ref":"#/definitions/node"}}}},
        "properties":{"list":{"$ref":"#/definitions/node"},
        "pair":{"type":"array","items":[{"type":"integer"},{"type":"string"}],"minItems":2},
        "oneof":{"oneOf":[{"type":"string","minLength":3},{"type":"string","maxLength":5}]},
        "not":{"not":{"type":"boolean"}},"uniq":{"type":"array","uniqueItems":true}},
        "patternProperties":{"^x-":{"type":"string"}},
        "propertyNames":{"maxLength":16}})",
};

const std::vector<std::unique_ptr<SchemaValidator>>& validators() {
  static const auto compiled = [] {
    std::vector<std::unique_ptr<SchemaValidator>> v;
    for (const char* schema : kSchemas) v.push_back(std::make_unique<SchemaValidator>(schema));
    return v;
  }();
  return compiled;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  eryx::fuzz::Input input(data, size);
  auto choice = input.get<uint8_t>();
  if (choice != 0xFF) {
    (void)validators()[choice % std::size(kSchemas)]->validate(input.rest());
    return 0;
  }
  auto rest = input.rest();
  auto nul = rest.find('\0');
  auto schema = rest.substr(0, nul);
  auto instance = nul == std::string_view::npos ? std::string_view() : rest.substr(nul + 1);
  try {
    SchemaValidator validator(schema);
    (void)validator.validate(instance);
  } catch (const eryx::InvalidArgumentError&) {
  }
  return 0;
}
