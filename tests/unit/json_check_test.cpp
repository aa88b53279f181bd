// util::check_json: guest-produced "JSON" is checked before anyone parses it.
#include "util/json_check.h"

#include <gtest/gtest.h>

#include <string>

namespace {

using eryx::util::check_json;

TEST(JsonCheck, AcceptsOrdinaryJson) {
  EXPECT_FALSE(check_json(R"({"a": [1, 2.5, "x", null, true], "b": {}})"));
  EXPECT_FALSE(check_json("123"));
}

TEST(JsonCheck, AcceptsIntegersOfAnyLength) {
  EXPECT_FALSE(check_json(std::string(5000, '7')));
  EXPECT_FALSE(check_json("[-" + std::string(700, '9') + "]"));
}

TEST(JsonCheck, RefusesMalformedText) {
  auto why = check_json("{not json");
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("invalid JSON"), std::string::npos);
}

TEST(JsonCheck, RefusesTrailingGarbage) { EXPECT_TRUE(check_json("[1] [2]")); }

TEST(JsonCheck, RefusesInvalidUtf8) { EXPECT_TRUE(check_json("\"\xff\xfe\"")); }

TEST(JsonCheck, AcceptsNestingUpToTheLimit) {
  std::string text = std::string(500, '[') + std::string(500, ']');
  EXPECT_FALSE(check_json(text));
}

TEST(JsonCheck, RefusesNestingPastTheLimit) {
  std::string text = std::string(501, '[') + std::string(501, ']');
  auto why = check_json(text);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("nested more than 500"), std::string::npos);
}

TEST(JsonCheck, SixtyFourMegabytesOfOpenBracketsDoNotExhaustTheStack) {
  std::string text(64u << 20, '[');
  EXPECT_TRUE(check_json(text));
}

}  // namespace
