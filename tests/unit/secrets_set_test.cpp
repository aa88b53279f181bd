// A sandbox's secrets (src/secrets/secret_set.h): what SecretSet::make accepts and refuses, which
// secrets a connection's target gets, and the placeholders the host makes.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "eryx/errors.hpp"
#include "secrets/secret_set.h"

namespace {

using eryx::InvalidArgumentError;
using eryx::secrets::make_placeholder;
using eryx::secrets::Secret;
using eryx::secrets::SecretSet;

Secret secret(std::string name, std::vector<std::string> hosts = {"api.example.com"}) {
  return Secret{name, "value-of-" + name, "ERYX_SECRET_" + name + "_0123456789", std::move(hosts)};
}

// The message of the InvalidArgumentError make() throws, or "" when it accepts.
std::string refusal(std::vector<Secret> secrets) {
  try {
    SecretSet::make(std::move(secrets));
  } catch (const InvalidArgumentError& error) {
    return error.what();
  }
  return "";
}

TEST(SecretSet, AcceptsValidSecrets) {
  auto set = SecretSet::make({secret("API_KEY"), secret("_other1", {"*.example.org", "*"})});
  ASSERT_EQ(set->secrets().size(), 2u);
  EXPECT_EQ(set->secrets()[0].name, "API_KEY");
}

TEST(SecretSet, AnEmptyListIsAnEmptySet) { EXPECT_TRUE(SecretSet::make({})->empty()); }

TEST(SecretSet, RefusesNamesThatAreNotEnvironmentVariableNames) {
  for (const std::string& name :
       std::vector<std::string>{"", "1KEY", "A-B", "A B", "A=B", std::string("A\0B", 3)}) {
    Secret bad = secret("KEY");
    bad.name = name;
    EXPECT_NE(refusal({bad}).find("not a valid environment variable name"), std::string::npos)
        << name;
  }
}

TEST(SecretSet, RefusesANameUsedTwice) {
  Secret second = secret("KEY");
  second.placeholder = "ERYX_SECRET_different_placeholder";
  EXPECT_EQ(refusal({secret("KEY"), second}), "secrets[1] ('KEY'): the name is used twice");
}

TEST(SecretSet, RefusesAnEmptyValue) {
  Secret bad = secret("KEY");
  bad.value.clear();
  EXPECT_EQ(refusal({bad}), "secrets[0] ('KEY'): the value is empty");
}

TEST(SecretSet, RefusesValuesWithLineBreaksOrControlCharacters) {
  for (const std::string& value : std::vector<std::string>{"a\r\nX-Injected: 1", "a\nb", "a\rb",
                                                           std::string("a\0b", 3), "a\x7f"}) {
    Secret bad = secret("KEY");
    bad.value = value;
    EXPECT_NE(refusal({bad}).find("control character"), std::string::npos);
  }
}

TEST(SecretSet, AcceptsValuesWithSpacesTabsAndUtf8) {
  Secret good = secret("KEY");
  good.value = "Bearer a\tb \xc3\xa9";
  EXPECT_EQ(refusal({good}), "");
}

TEST(SecretSet, ErrorMessagesNeverCarryTheValue) {
  Secret bad = secret("KEY", {"a*.com"});
  bad.value = "hunter2-very-secret";
  std::string message = refusal({bad});
  EXPECT_NE(message, "");
  EXPECT_EQ(message.find("hunter2"), std::string::npos);
}

TEST(SecretSet, RefusesShortOrOddPlaceholders) {
  for (const std::string& placeholder :
       std::vector<std::string>{"", "SHORT", "ERYX_SECRET_with space", "ERYX_SECRET_colon:1234",
                                "ERYX_SECRET_\r\n_0123456789", std::string(257, 'A')}) {
    Secret bad = secret("KEY");
    bad.placeholder = placeholder;
    EXPECT_NE(refusal({bad}).find("the placeholder"), std::string::npos) << placeholder;
  }
}

TEST(SecretSet, RefusesEqualPlaceholders) {
  Secret a = secret("A"), b = secret("B");
  b.placeholder = a.placeholder;
  EXPECT_NE(refusal({a, b}).find("part of, the placeholder of secrets[0]"), std::string::npos);
}

TEST(SecretSet, RefusesAPlaceholderInsideAnother) {
  Secret a = secret("A"), b = secret("B");
  b.placeholder = a.placeholder + "_longer";
  EXPECT_NE(refusal({a, b}).find("secrets[0]"), std::string::npos);
  EXPECT_NE(refusal({b, a}).find("secrets[0]"), std::string::npos);
}

TEST(SecretSet, RefusesInvalidHostPatterns) {
  EXPECT_EQ(refusal({secret("KEY", {"api.example.com", "a*.com"})}),
            "secrets[0] ('KEY'): allowed_hosts[1]: 'a*.com' is not a valid host pattern");
}

TEST(SecretSet, RefusesAddressesAndNetworksAsHosts) {
  for (std::string host : {"127.0.0.1", "::1", "10.0.0.0/8", "1.2.3.256", "0x7f.1"}) {
    EXPECT_NE(refusal({secret("KEY", {host})}).find("is an IP address or network"),
              std::string::npos)
        << host;
  }
}

TEST(SecretSet, EachSecretGoesOnlyToItsOwnHosts) {
  auto set = SecretSet::make({secret("A", {"api.example.com"}), secret("B", {"*.example.org"}),
                              secret("C", {"*"}), secret("D", {})});
  EXPECT_EQ(set->allowed_for("api.example.com"), (std::vector<size_t>{0, 2}));
  EXPECT_EQ(set->allowed_for("x.y.example.org"), (std::vector<size_t>{1, 2}));
  EXPECT_EQ(set->allowed_for("example.org"), (std::vector<size_t>{2}));
}

TEST(SecretSet, ALiteralAddressGetsNoSecretEvenForStar) {
  auto set = SecretSet::make({secret("C", {"*"})});
  EXPECT_TRUE(set->allowed_for("").empty());
}

TEST(SecretSet, ASecretWithoutHostsGoesNowhere) {
  auto set = SecretSet::make({secret("D", {})});
  EXPECT_TRUE(set->allowed_for("api.example.com").empty());
  EXPECT_TRUE(set->allowed_for("localhost").empty());
}

TEST(Placeholder, HasAFixedShape) {
  std::string placeholder = make_placeholder();
  ASSERT_EQ(placeholder.size(), 12u + 32u);
  EXPECT_EQ(placeholder.substr(0, 12), "ERYX_SECRET_");
  for (char c : placeholder.substr(12)) {
    EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << placeholder;
  }
}

TEST(Placeholder, IsNewEachTime) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(make_placeholder());
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(Placeholder, IsAcceptedBySecretSet) {
  EXPECT_EQ(refusal({Secret{"KEY", "v", make_placeholder(), {"*"}}}), "");
}

}  // namespace
