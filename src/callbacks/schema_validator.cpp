#include "callbacks/schema_validator.h"

#include <jsoncons/json.hpp>
#include <jsoncons_ext/jsonschema/jsonschema.hpp>

#include "eryx/errors.hpp"

namespace eryx::callbacks {

namespace jsonschema = jsoncons::jsonschema;

struct SchemaValidator::Compiled {
  jsonschema::json_schema<jsoncons::json> schema;
};

SchemaValidator::SchemaValidator(std::string_view schema_json) {
  try {
    auto schema = jsoncons::json::parse(schema_json);
    // Draft 2020-12 unless the schema names its own draft in "$schema".
    auto options =
        jsonschema::evaluation_options{}.default_version(jsonschema::schema_version::draft202012());
    compiled_ = std::make_unique<Compiled>(
        Compiled{jsonschema::make_json_schema(std::move(schema), options)});
  } catch (const std::exception& e) {
    throw InvalidArgumentError(std::string("invalid JSON Schema: ") + e.what());
  }
}

SchemaValidator::~SchemaValidator() = default;

std::optional<std::string> SchemaValidator::validate(std::string_view instance_json) const {
  jsoncons::json instance;
  try {
    instance = jsoncons::json::parse(instance_json);
  } catch (const std::exception& e) {
    return std::string("arguments are not valid JSON: ") + e.what();
  }
  std::optional<std::string> first;
  try {
    compiled_->schema.validate(
        instance, [&](const jsonschema::validation_message& message) -> jsonschema::walk_result {
          std::string where = message.instance_location().string();
          first = (where.empty() ? std::string("arguments") : where) + ": " + message.message();
          return jsonschema::walk_result::abort;
        });
  } catch (const std::exception& e) {
    return std::string("arguments could not be validated: ") + e.what();
  }
  return first;
}

}  // namespace eryx::callbacks
