// Validates callback arguments against a callback's JSON Schema (jsoncons' jsonschema extension,
// drafts 4 to 2020-12). The only file that includes jsoncons: it is heavy to compile.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace eryx::callbacks {

class SchemaValidator {
 public:
  // Compiles `schema_json`. Throws InvalidArgumentError when it is not valid JSON or not a valid
  // schema.
  explicit SchemaValidator(std::string_view schema_json);
  ~SchemaValidator();
  SchemaValidator(const SchemaValidator&) = delete;
  SchemaValidator& operator=(const SchemaValidator&) = delete;

  // nullopt when `instance_json` is valid; otherwise the first violation ("/a: Expected integer,
  // found string"), or why the text is not JSON.
  std::optional<std::string> validate(std::string_view instance_json) const;

 private:
  struct Compiled;
  std::unique_ptr<Compiled> compiled_;
};

}  // namespace eryx::callbacks
