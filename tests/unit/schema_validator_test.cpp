// Callback argument validation (jsoncons' JSON Schema with RE2 patterns) and eryx::parse_json:
// what a guest controls (strings, keys, arrays, nesting) must cost the host linear time and bounded
// stack.
#include <gtest/gtest.h>

#include "sanitizer_slowdown.h"

#include <chrono>
#include <string>

#include "callbacks/schema_validator.h"
#include "eryx/callbacks.hpp"

namespace {

using eryx::InvalidArgumentError;
using eryx::callbacks::SchemaValidator;

std::string string_property(const std::string& keywords) {
  return R"({"type":"object","properties":{"s":{"type":"string",)" + keywords + "}}}";
}

std::string with_s(const std::string& value) { return R"({"s":")" + value + R"("})"; }

constexpr double kSlowdown = eryx::testing::kSanitizerSlowdown;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

TEST(SchemaValidator, HugeDoubleIsNotAnIntegerAndCastsNothingOutOfRange) {
  // jsoncons cast such doubles to int64_t: undefined behaviour (clang's UBSan, in the fuzz build's
  // corpus replay, aborts on it if it comes back).
  eryx::callbacks::SchemaValidator validator(
      R"({"type":"object","properties":{"a":{"type":"integer"}}})");
  for (const char* value : {"1e30", "-1e30", "1e400", "-1e300"}) {
    EXPECT_TRUE(validator.validate(std::string(R"({"a":)") + value + "}")) << value;
  }
  EXPECT_FALSE(validator.validate(R"({"a":4.0})"));
  EXPECT_FALSE(validator.validate(R"({"a":-9223372036854775808})"));
}

TEST(SchemaValidator, PatternMatchesAMegabyteStringWithoutRecursion) {
  // std::regex recursed once per character here and overflowed the stack at ~30,000.
  SchemaValidator validator(string_property(R"("pattern":"^(a|b)*$")"));
  std::string text;
  for (int i = 0; i < 500000; ++i) text += "ab";
  EXPECT_EQ(validator.validate(with_s(text)), std::nullopt);
  auto violation = validator.validate(with_s(text + "c"));
  ASSERT_TRUE(violation.has_value());
  EXPECT_NE(violation->find("does not match pattern '^(a|b)*$'"), std::string::npos) << *violation;
  EXPECT_LT(violation->size(), 300u) << "the guest's string is quoted in part only";
}

TEST(SchemaValidator, PatternIsUnanchoredAsJsonSchemaSpecifies) {
  SchemaValidator validator(string_property(R"("pattern":"b+")"));
  EXPECT_EQ(validator.validate(with_s("abbc")), std::nullopt);
  EXPECT_TRUE(validator.validate(with_s("ac")).has_value());
}

TEST(SchemaValidator, PatternUnicodeEscapeIsUnderstood) {
  SchemaValidator validator(string_property(R"("pattern":"^\\u0041\\u00e9$")"));
  EXPECT_EQ(validator.validate(with_s("A\u00e9")), std::nullopt);
  EXPECT_TRUE(validator.validate(with_s("Ae")).has_value());
}

TEST(SchemaValidator, PatternSurrogatePairEscapeIsOneCodePoint) {
  SchemaValidator validator(string_property(R"("pattern":"^\\uD83D\\uDE00$")"));
  EXPECT_EQ(validator.validate(with_s("\U0001F600")), std::nullopt);
}

TEST(SchemaValidator, PatternEscapedBackslashBeforeUIsLiteral) {
  SchemaValidator validator(string_property(R"("pattern":"^\\\\u0041$")"));
  EXPECT_EQ(validator.validate(with_s(R"(\\u0041)")), std::nullopt);
  EXPECT_TRUE(validator.validate(with_s("A")).has_value());
}

TEST(SchemaValidator, PatternPropertiesValidateMatchingKeysAndSatisfyAdditionalProperties) {
  SchemaValidator validator(R"({"type":"object","patternProperties":{"^x_":{"type":"integer"}},
                                "additionalProperties":false})");
  EXPECT_EQ(validator.validate(R"({"x_a":1,"x_b":2})"), std::nullopt);
  EXPECT_TRUE(validator.validate(R"({"x_a":"one"})").has_value());
  EXPECT_TRUE(validator.validate(R"({"y":1})").has_value());
  std::string long_key = "x_" + std::string(1000000, 'k');
  EXPECT_EQ(validator.validate(R"({")" + long_key + R"(":1})"), std::nullopt);
}

TEST(SchemaValidator, BackreferencePatternIsRefusedWhenCompiled) {
  try {
    SchemaValidator validator(string_property(R"("pattern":"(a)\\1")"));
    FAIL() << "a backreference was accepted";
  } catch (const InvalidArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("not supported"), std::string::npos) << e.what();
  }
}

TEST(SchemaValidator, LookaheadPatternIsRefusedWhenCompiled) {
  EXPECT_THROW(SchemaValidator(string_property(R"j("pattern":"^(?=a)")j")), InvalidArgumentError);
}

TEST(SchemaValidator, UnsupportedPatternPropertyIsRefusedWhenCompiled) {
  EXPECT_THROW(SchemaValidator(R"j({"type":"object","patternProperties":{"(?!x)":{}}})j"),
               InvalidArgumentError);
}

TEST(SchemaValidator, FormatRegexIsAnAnnotationSoTheGuestsRegexIsNeverCompiled) {
  SchemaValidator validator(string_property(R"("format":"regex")"));
  EXPECT_EQ(validator.validate(with_s(std::string(30000, '('))), std::nullopt);
}

TEST(SchemaValidator, UniqueItemsTreatsEqualJsonValuesAsDuplicates) {
  SchemaValidator validator(R"({"type":"array","uniqueItems":true})");
  EXPECT_EQ(validator.validate(R"([1, "1", [1], {"a": 1}, 1.5, null, true])"), std::nullopt);
  EXPECT_TRUE(validator.validate("[1, 1.0]").has_value());
  EXPECT_TRUE(validator.validate(R"([{"a":1,"b":[2]}, {"b":[2.0],"a":1}])").has_value());
  EXPECT_TRUE(validator.validate(R"(["x", "x"])").has_value());
}

TEST(SchemaValidator, UniqueItemsOfAHugeArrayTakesLinearithmicTime) {
  // Comparing all pairs of 300,000 items (what jsoncons does) takes minutes.
  SchemaValidator validator(R"({"type":"array","uniqueItems":true})");
  std::string items = "[";
  for (int i = 0; i < 300000; ++i) items += std::to_string(i) + ",";
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(validator.validate(items + "-1]"), std::nullopt);
  EXPECT_TRUE(validator.validate(items + "7]").has_value());
  EXPECT_LT(seconds_since(start), 2.0 * kSlowdown);
}

TEST(ParseJson, ObjectWithManyKeysParsesInLinearTime) {
  // Json::parse into an ordered_json searched the keys linearly per key: ~10 s here.
  std::string text = "{";
  for (int i = 0; i < 100000; ++i)
    text += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  text += "\"last\":0}";
  auto start = std::chrono::steady_clock::now();
  eryx::Json value = eryx::parse_json(text);
  EXPECT_LT(seconds_since(start), 1.0 * kSlowdown);
  EXPECT_EQ(value.size(), 100001u);
  EXPECT_EQ(value.begin().key(), "k0") << "members keep their order";
  EXPECT_EQ(value["k99999"], 99999);
}

TEST(ParseJson, NestingUpToTheLimitIsAccepted) {
  std::string text = std::string(eryx::kMaxJsonDepth, '[') + std::string(eryx::kMaxJsonDepth, ']');
  EXPECT_NO_THROW(eryx::parse_json(text));
}

TEST(ParseJson, NestingPastTheLimitIsRefused) {
  std::string text =
      std::string(eryx::kMaxJsonDepth + 1, '[') + std::string(eryx::kMaxJsonDepth + 1, ']');
  EXPECT_THROW(eryx::parse_json(text), InvalidArgumentError);
}

TEST(ParseJson, FourMegabytesOfOpenBracketsAreRefusedWithoutRecursion) {
  EXPECT_THROW(eryx::parse_json(std::string(4 << 20, '[')), InvalidArgumentError);
  EXPECT_THROW(eryx::parse_json(std::string(4 << 20, '{')), InvalidArgumentError);
}

TEST(ParseJson, DuplicateKeyIsRefused) {
  try {
    eryx::parse_json(R"({"a": {"x": 1, "y": 2, "x": "evil"}})");
    FAIL() << "a duplicate key was accepted";
  } catch (const InvalidArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("duplicate key 'x'"), std::string::npos) << e.what();
  }
}

TEST(ParseJson, MalformedTextIsRefused) {
  EXPECT_THROW(eryx::parse_json(R"({"a": )"), InvalidArgumentError);
  EXPECT_THROW(eryx::parse_json(R"("\ud800")"), InvalidArgumentError);
  EXPECT_THROW(eryx::parse_json("1 2"), InvalidArgumentError);
}

}  // namespace
