#include "callbacks/schema_validator.h"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <string>
#include <unordered_set>
#include <vector>

#include <jsoncons/json.hpp>
#include <jsoncons_ext/jsonschema/jsonschema.hpp>

#include "eryx/errors.hpp"

// jsoncons 1.3.2 evaluates "pattern" and "patternProperties" with std::regex, whose backtracking
// matcher recurses once per character: a guest string of ~30,000 characters overflows the host's
// stack. Its "uniqueItems" compares every pair of items: quadratic in a guest array. jsoncons has
// no hook for either, so eryx instantiates jsoncons' JSON Schema templates over a JSON type of its
// own (SchemaJson) and explicitly specialises, for that type only, the three keyword validators and
// the two factory members that build them: patterns are compiled and matched by RE2 (linear time,
// no recursion), uniqueItems sorts canonical encodings. jsoncons' "format": "regex" check also
// builds a std::regex, from the guest's string; it only runs with require_format_validation, which
// eryx never turns on.
namespace eryx::callbacks::schema_detail {
struct Policy : jsoncons::sorted_policy {};
using SchemaJson = jsoncons::basic_json<char, Policy>;

}  // namespace eryx::callbacks::schema_detail

// jsoncons' "type": "integer" check casts a double to int64_t before comparing: for a guest's
// 1e30 that cast is out of range, undefined behaviour (found by fuzz/schema_validator_fuzzer.cpp).
// For SchemaJson the conversion saturates instead; the check's verdict is unchanged ("not an
// integer" for such values, as before).
template <>
struct jsoncons::json_type_traits<eryx::callbacks::schema_detail::SchemaJson, int64_t> {
  using Json = eryx::callbacks::schema_detail::SchemaJson;
  using allocator_type = typename Json::allocator_type;
  static bool is(const Json& j) noexcept { return j.template is_integer<int64_t>(); }
  static int64_t as(const Json& j) {
    if (!j.is_double()) return j.template as_integer<int64_t>();
    double value = j.template as<double>();
    // 2^63 is exactly representable; anything at or past it (or NaN) does not fit.
    if (value >= 9223372036854775808.0) return INT64_MAX;
    if (!(value >= -9223372036854775808.0)) return INT64_MIN;
    return static_cast<int64_t>(value);
  }
  static Json to_json(int64_t value) { return Json(value, semantic_tag::none); }
  static Json to_json(int64_t value, const allocator_type&) {
    return Json(value, semantic_tag::none);
  }
};

namespace eryx::callbacks::schema_detail {

// Longest piece of a guest string quoted in a violation message.
constexpr size_t kMaxQuoted = 64;

std::string quote(std::string_view text) {
  if (text.size() <= kMaxQuoted) return std::string(text);
  size_t cut = kMaxQuoted;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // UTF-8
  return std::string(text.substr(0, cut)) + "...";
}

// The code unit of a \uXXXX escape at pattern[i], or -1.
long unicode_escape(std::string_view pattern, size_t i) {
  if (i + 6 > pattern.size() || pattern[i] != '\\' || pattern[i + 1] != 'u') return -1;
  long unit = 0;
  for (size_t k = i + 2; k < i + 6; ++k) {
    char c = pattern[k];
    if (!std::isxdigit(static_cast<unsigned char>(c))) return -1;
    unit = unit * 16 + (c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
  }
  return unit;
}

// JSON Schema patterns are ECMA-262; RE2's syntax is close, but spells \uXXXX as \x{XXXX}, and
// matches UTF-8, so a UTF-16 surrogate pair (\uD83D\uDE00) is one code point.
std::string to_re2_syntax(std::string_view pattern) {
  std::string out;
  out.reserve(pattern.size());
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '\\' || i + 1 >= pattern.size()) {
      out += pattern[i];
      continue;
    }
    long unit = unicode_escape(pattern, i);
    if (unit < 0) {
      out += pattern.substr(i, 2);
      ++i;
      continue;
    }
    long low = unicode_escape(pattern, i + 6);
    if (unit >= 0xD800 && unit <= 0xDBFF && low >= 0xDC00 && low <= 0xDFFF) {
      unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
      i += 6;
    }
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "\\x{%lX}", unit);
    out += buffer;
    i += 5;
  }
  return out;
}

// Compiles a schema pattern, or throws jsoncons' schema_error (a refused schema) when RE2 cannot
// run it: backreferences and lookaround need backtracking, which is what eryx avoids.
std::shared_ptr<const re2::RE2> compile_pattern(const std::string& pattern,
                                                const std::string& location) {
  RE2::Options options;
  options.set_log_errors(false);
  auto regex = std::make_shared<const re2::RE2>(to_re2_syntax(pattern), options);
  if (!regex->ok()) {
    throw jsoncons::jsonschema::schema_error(
        location + ": pattern '" + pattern + "' is not supported (" + regex->error() +
        "); eryx matches patterns with RE2, which has no backreferences or lookaround");
  }
  return regex;
}

// An encoding of a JSON value that two values share exactly when they are equal as JSON Schema
// defines it (numbers by mathematical value, objects regardless of member order). Recursion is
// bounded: arguments are refused past kMaxJsonDepth levels before they are validated.
void canonical(const SchemaJson& value, std::string& out) {
  switch (value.type()) {
    case jsoncons::json_type::null_value:
      out += 'z';
      return;
    case jsoncons::json_type::bool_value:
      out += value.as_bool() ? 't' : 'f';
      return;
    case jsoncons::json_type::int64_value:
      out += 'n' + std::to_string(value.as<int64_t>()) + ';';
      return;
    case jsoncons::json_type::uint64_value:
      out += 'n' + std::to_string(value.as<uint64_t>()) + ';';
      return;
    case jsoncons::json_type::half_value:
    case jsoncons::json_type::double_value: {
      double d = value.as_double();
      // Integral doubles encode as the integer they equal (1.0 == 1); others exactly (%.17g).
      if (std::trunc(d) == d && d >= -9223372036854775808.0 && d < 9223372036854775808.0) {
        out += 'n' + std::to_string(static_cast<int64_t>(d)) + ';';
      } else if (std::trunc(d) == d && d >= 0 && d < 18446744073709551616.0) {
        out += 'n' + std::to_string(static_cast<uint64_t>(d)) + ';';
      } else {
        char buffer[40];
        int n = std::snprintf(buffer, sizeof buffer, "%.17g", d);
        out += 'n';
        out.append(buffer, static_cast<size_t>(n));
        out += ';';
      }
      return;
    }
    case jsoncons::json_type::string_value: {
      auto s = value.as_string_view();
      out += 's' + std::to_string(s.size()) + ':';
      out.append(s.data(), s.size());
      return;
    }
    case jsoncons::json_type::array_value:
      out += 'a' + std::to_string(value.size()) + '[';
      for (const auto& item : value.array_range()) canonical(item, out);
      return;
    case jsoncons::json_type::object_value:  // sorted_policy: members in key order
      out += 'o' + std::to_string(value.size()) + '{';
      for (const auto& member : value.object_range()) {
        out += std::to_string(member.key().size()) + ':' + member.key();
        canonical(member.value(), out);
      }
      return;
    default:  // byte strings: not produced by parsing JSON text
      out += 'b' + value.as<std::string>();
      return;
  }
}

}  // namespace eryx::callbacks::schema_detail

namespace jsoncons::jsonschema {

using eryx::callbacks::schema_detail::SchemaJson;

template <>
class pattern_validator<SchemaJson> : public keyword_validator<SchemaJson> {
  using walk_reporter_type = typename json_schema_traits<SchemaJson>::walk_reporter_type;

 public:
  pattern_validator(const SchemaJson& schema, const uri& schema_location,
                    const std::string& custom_message, std::string pattern,
                    std::shared_ptr<const re2::RE2> regex)
      : keyword_validator<SchemaJson>("pattern", schema, schema_location, custom_message),
        pattern_(std::move(pattern)),
        regex_(std::move(regex)) {}

 private:
  walk_result do_validate(const eval_context<SchemaJson>& context, const SchemaJson& instance,
                          const jsonpointer::json_pointer& instance_location, evaluation_results&,
                          error_reporter& reporter, SchemaJson&) const final {
    if (!instance.is_string()) return walk_result::advance;
    auto text = instance.as_string_view();
    if (re2::RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *regex_)) {
      return walk_result::advance;
    }
    eval_context<SchemaJson> this_context(context, this->keyword_name());
    return reporter.error(
        this->make_validation_message(this_context.eval_path(), instance_location,
                                      "String '" + eryx::callbacks::schema_detail::quote(text) +
                                          "' does not match pattern '" + pattern_ + "'."));
  }

  walk_result do_walk(const eval_context<SchemaJson>&, const SchemaJson& instance,
                      const jsonpointer::json_pointer& instance_location,
                      const walk_reporter_type& reporter) const final {
    return reporter(this->keyword_name(), this->schema(), this->schema_location(), instance,
                    instance_location);
  }

  std::string pattern_;
  std::shared_ptr<const re2::RE2> regex_;
};

// Same interface as jsoncons' own (additional_properties_validator calls validate() and walk()
// with the set of property names some pattern or property claimed).
template <>
class pattern_properties_validator<SchemaJson> : public keyword_validator<SchemaJson> {
  using schema_validator_ptr_type =
      typename schema_validator<SchemaJson>::schema_validator_ptr_type;
  using walk_reporter_type = typename json_schema_traits<SchemaJson>::walk_reporter_type;

 public:
  using Entry = std::pair<std::shared_ptr<const re2::RE2>, schema_validator_ptr_type>;

  pattern_properties_validator(const SchemaJson& schema, const uri& schema_location,
                               const std::string& custom_message, std::vector<Entry>&& entries)
      : keyword_validator<SchemaJson>("patternProperties", schema, schema_location, custom_message),
        entries_(std::move(entries)) {}

  walk_result validate(const eval_context<SchemaJson>& context, const SchemaJson& instance,
                       const jsonpointer::json_pointer& instance_location,
                       evaluation_results& results, error_reporter& reporter, SchemaJson& patch,
                       std::unordered_set<std::string>& allowed_properties) const {
    if (!instance.is_object()) return walk_result::advance;
    eval_context<SchemaJson> this_context(context, this->keyword_name());
    for (const auto& prop : instance.object_range()) {
      eval_context<SchemaJson> prop_context{this_context, prop.key(), evaluation_flags{}};
      jsonpointer::json_pointer prop_location = instance_location / prop.key();
      for (const auto& [regex, validator] : entries_) {
        if (!re2::RE2::PartialMatch(prop.key(), *regex)) continue;
        allowed_properties.insert(prop.key());
        std::size_t errors = reporter.error_count();
        walk_result result = validator->validate(prop_context, prop.value(), prop_location, results,
                                                 reporter, patch);
        if (result == walk_result::abort) return result;
        if (errors == reporter.error_count() && context.require_evaluated_properties()) {
          results.evaluated_properties.insert(prop.key());
        }
      }
    }
    return walk_result::advance;
  }

  walk_result walk(const eval_context<SchemaJson>& context, const SchemaJson& instance,
                   const jsonpointer::json_pointer& instance_location,
                   const walk_reporter_type& reporter,
                   std::unordered_set<std::string>& allowed_properties) const {
    if (!instance.is_object()) return walk_result::advance;
    walk_result result = reporter(this->keyword_name(), this->schema(), this->schema_location(),
                                  instance, instance_location);
    if (result == walk_result::abort) return result;
    eval_context<SchemaJson> this_context(context, this->keyword_name());
    for (const auto& prop : instance.object_range()) {
      eval_context<SchemaJson> prop_context{this_context, prop.key(), evaluation_flags{}};
      jsonpointer::json_pointer prop_location = instance_location / prop.key();
      for (const auto& [regex, validator] : entries_) {
        if (!re2::RE2::PartialMatch(prop.key(), *regex)) continue;
        allowed_properties.insert(prop.key());
        result = validator->walk(prop_context, prop.value(), prop_location, reporter);
        if (result == walk_result::abort) return result;
      }
    }
    return walk_result::advance;
  }

 private:
  walk_result do_validate(const eval_context<SchemaJson>& context, const SchemaJson& instance,
                          const jsonpointer::json_pointer& instance_location,
                          evaluation_results& results, error_reporter& reporter,
                          SchemaJson& patch) const final {
    std::unordered_set<std::string> allowed_properties;
    return validate(context, instance, instance_location, results, reporter, patch,
                    allowed_properties);
  }

  walk_result do_walk(const eval_context<SchemaJson>& context, const SchemaJson& instance,
                      const jsonpointer::json_pointer& instance_location,
                      const walk_reporter_type& reporter) const final {
    std::unordered_set<std::string> allowed_properties;
    return walk(context, instance, instance_location, reporter, allowed_properties);
  }

  std::vector<Entry> entries_;
};

// uniqueItems in O(n log n): sorts the items' canonical encodings instead of comparing all pairs.
template <>
class unique_items_validator<SchemaJson> : public keyword_validator<SchemaJson> {
  using walk_reporter_type = typename json_schema_traits<SchemaJson>::walk_reporter_type;

 public:
  unique_items_validator(const SchemaJson& schema, const uri& schema_location,
                         const std::string& custom_message, bool are_unique)
      : keyword_validator<SchemaJson>("uniqueItems", schema, schema_location, custom_message),
        are_unique_(are_unique) {}

 private:
  walk_result do_validate(const eval_context<SchemaJson>& context, const SchemaJson& instance,
                          const jsonpointer::json_pointer& instance_location, evaluation_results&,
                          error_reporter& reporter, SchemaJson&) const final {
    if (!are_unique_ || !instance.is_array() || instance.size() < 2) return walk_result::advance;
    std::vector<std::string> encodings;
    encodings.reserve(instance.size());
    for (const auto& item : instance.array_range()) {
      eryx::callbacks::schema_detail::canonical(item, encodings.emplace_back());
    }
    std::sort(encodings.begin(), encodings.end());
    if (std::adjacent_find(encodings.begin(), encodings.end()) == encodings.end()) {
      return walk_result::advance;
    }
    eval_context<SchemaJson> this_context(context, this->keyword_name());
    return reporter.error(this->make_validation_message(this_context.eval_path(), instance_location,
                                                        "Array items are not unique"));
  }

  walk_result do_walk(const eval_context<SchemaJson>&, const SchemaJson& instance,
                      const jsonpointer::json_pointer& instance_location,
                      const walk_reporter_type& reporter) const final {
    return reporter(this->keyword_name(), this->schema(), this->schema_location(), instance,
                    instance_location);
  }

  bool are_unique_;
};

template <>
std::unique_ptr<pattern_validator<SchemaJson>>
keyword_validator_factory<SchemaJson>::make_pattern_validator(
    const compilation_context<SchemaJson>& context, const SchemaJson& sch,
    const SchemaJson& parent) {
  uri schema_location = context.make_schema_location("pattern");
  if (!sch.is_string()) {
    JSONCONS_THROW(schema_error(schema_location.string() + ": pattern must be a string"));
  }
  auto pattern = sch.as<std::string>();
  auto regex = eryx::callbacks::schema_detail::compile_pattern(pattern, schema_location.string());
  return std::make_unique<pattern_validator<SchemaJson>>(parent, schema_location,
                                                         context.get_custom_message("pattern"),
                                                         std::move(pattern), std::move(regex));
}

template <>
std::unique_ptr<pattern_properties_validator<SchemaJson>>
keyword_validator_factory<SchemaJson>::make_pattern_properties_validator(
    const compilation_context<SchemaJson>& context, const SchemaJson& sch, const SchemaJson& parent,
    anchor_uri_map_type& anchor_dict) {
  uri schema_location = context.get_base_uri();
  if (!sch.is_object()) {
    JSONCONS_THROW(
        schema_error(schema_location.string() + ": patternProperties must be an object"));
  }
  std::vector<pattern_properties_validator<SchemaJson>::Entry> entries;
  for (const auto& prop : sch.object_range()) {
    entries.emplace_back(
        eryx::callbacks::schema_detail::compile_pattern(prop.key(), schema_location.string()),
        factory_->make_cross_draft_schema_validator(context, prop.value(), {}, anchor_dict));
  }
  return std::make_unique<pattern_properties_validator<SchemaJson>>(
      parent, schema_location, context.get_custom_message("patternProperties"), std::move(entries));
}

}  // namespace jsoncons::jsonschema

namespace eryx::callbacks {

namespace jsonschema = jsoncons::jsonschema;
using schema_detail::SchemaJson;

struct SchemaValidator::Compiled {
  jsonschema::json_schema<SchemaJson> schema;
};

SchemaValidator::SchemaValidator(std::string_view schema_json) {
  try {
    auto schema = SchemaJson::parse(schema_json);
    // Draft 2020-12 unless the schema names its own draft in "$schema". Formats stay annotations
    // (require_format_validation off): jsoncons' "regex" format would build a std::regex.
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
  SchemaJson instance;
  try {
    instance = SchemaJson::parse(instance_json);
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
