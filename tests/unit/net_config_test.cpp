// eryx::NetConfig (defaults, builders, validation) and the resolvers of include/eryx/net.hpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>

#include "eryx/errors.hpp"
#include "eryx/net.hpp"
#include "net/cidr.h"
#include "net/ip_address.h"
#include "net/policy.h"
#include "net/system_resolver.h"

namespace {

using eryx::InvalidArgumentError;
using eryx::NetConfig;

bool contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// The message validate() throws, or "(valid)".
std::string validation_error(const NetConfig& config) {
  try {
    config.validate();
    return "(valid)";
  } catch (const InvalidArgumentError& error) {
    return error.what();
  }
}

auto far_deadline() { return std::chrono::steady_clock::now() + std::chrono::seconds(30); }

TEST(NetConfig, DefaultsMatchPyeryx) {
  NetConfig config;
  EXPECT_EQ(config.max_connections, 10u);
  EXPECT_EQ(config.connect_timeout_ms, 30'000u);
  EXPECT_EQ(config.io_timeout_ms, 60'000u);
  EXPECT_FALSE(config.allow_all_hosts.has_value());
  EXPECT_TRUE(config.allowed_hosts.empty());
  EXPECT_EQ(config.blocked_hosts, NetConfig::default_blocked_hosts());
  EXPECT_EQ(config.blocked_networks, NetConfig::default_blocked_networks());
  EXPECT_FALSE(config.localhost_allowed);
  EXPECT_TRUE(config.system_roots);
  EXPECT_EQ(validation_error(config), "(valid)");
}

TEST(NetConfig, DefaultBlockedNetworksAreValidAndCoverEveryNonPublicRange) {
  auto networks = NetConfig::default_blocked_networks();
  for (const auto& text : networks) EXPECT_TRUE(eryx::net::Cidr::parse(text)) << text;
  for (const char* text : {"10.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
                           "192.168.0.0/16", "100.64.0.0/10", "0.0.0.0/8", "224.0.0.0/4",
                           "255.255.255.255/32", "::1/128", "fc00::/7", "fe80::/10", "ff00::/8"}) {
    EXPECT_TRUE(contains(networks, text)) << text;
  }
  EXPECT_EQ(NetConfig::default_blocked_hosts(),
            (std::vector<std::string>{"localhost", "*.localhost"}));
}

TEST(NetConfig, PermissiveBlocksNothingAndAllowsEveryName) {
  NetConfig config = NetConfig::permissive();
  EXPECT_TRUE(config.blocked_hosts.empty());
  EXPECT_TRUE(config.blocked_networks.empty());
  EXPECT_EQ(config.allow_all_hosts, true);
  EXPECT_EQ(validation_error(config), "(valid)");
}

TEST(NetConfig, BuildersAppendAndChain) {
  NetConfig config;
  config.allow_host("a.example")
      .block_host("b.example")
      .allow_network("10.0.0.0/8")
      .allow_internal_host("*.corp")
      .with_root_cert("-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n");
  EXPECT_EQ(config.allowed_hosts, std::vector<std::string>{"a.example"});
  EXPECT_TRUE(contains(config.blocked_hosts, "b.example"));
  EXPECT_EQ(config.allowed_networks, std::vector<std::string>{"10.0.0.0/8"});
  EXPECT_EQ(config.internal_hosts, std::vector<std::string>{"*.corp"});
  EXPECT_EQ(config.root_certs.size(), 1u);
  EXPECT_EQ(validation_error(config), "(valid)");
}

TEST(NetConfig, AllowLocalhostLiftsTheLocalhostPatternsAndOpensLoopbackOnce) {
  NetConfig config;
  config.blocked_hosts = {"LOCALHOST.", "*.LocalHost", "evil.example"};
  config.allow_localhost().allow_localhost();
  EXPECT_EQ(config.blocked_hosts, std::vector<std::string>{"evil.example"});
  EXPECT_TRUE(config.localhost_allowed);
  EXPECT_EQ(config.allowed_networks, (std::vector<std::string>{"127.0.0.0/8", "::1/128"}));
  EXPECT_FALSE(eryx::net::Policy::make(config).restricts_names());
}

TEST(NetConfig, InvalidCidrIsNamedWithItsIndex) {
  NetConfig config;
  config.blocked_networks = {"10.0.0.0/8", "::1/128", "10.0.0.0/33"};
  EXPECT_EQ(validation_error(config),
            "NetConfig.blocked_networks[2]: '10.0.0.0/33' is not a valid CIDR (the prefix length "
            "is above 32)");
  config.blocked_networks = {"10.0.0.1/8"};
  EXPECT_EQ(validation_error(config),
            "NetConfig.blocked_networks[0]: '10.0.0.1/8' is not a valid CIDR (host bits are set "
            "beyond /8 (did you mean 10.0.0.0/8?))");
  EXPECT_EQ(validation_error(NetConfig{}.allow_network("example.com")),
            "NetConfig.allowed_networks[0]: 'example.com' is not a valid CIDR (the address is not "
            "an IP address)");
}

TEST(NetConfig, InvalidHostPatternsAreNamedWithTheirList) {
  EXPECT_NE(validation_error(NetConfig{}.allow_host("a*.example.com"))
                .find("NetConfig.allowed_hosts[0]: 'a*.example.com' is not a valid host pattern"),
            std::string::npos);
  EXPECT_NE(validation_error(NetConfig{}.block_host("")).find("NetConfig.blocked_hosts[2]: ''"),
            std::string::npos);
  EXPECT_EQ(validation_error(NetConfig{}.allow_internal_host("db.1.2.256")),
            "NetConfig.internal_hosts[0]: 'db.1.2.256' is not a valid IP address");
  EXPECT_NE(validation_error(NetConfig{}.allow_host("10.0.0.0/33")).find("allowed_hosts[0]"),
            std::string::npos);
  EXPECT_NE(validation_error(NetConfig{}.allow_host("bad\nname")).find("'bad\\x0aname'"),
            std::string::npos);
}

TEST(NetConfig, PolicyMakeThrowsWhatValidateThrows) {
  NetConfig config = NetConfig{}.allow_host("exa mple.com");
  EXPECT_THROW(eryx::net::Policy::make(config), InvalidArgumentError);
  EXPECT_THROW(config.validate(), InvalidArgumentError);
}

TEST(NetConfig, LimitsMustBeInRange) {
  NetConfig config;
  config.max_connections = 0;
  EXPECT_EQ(validation_error(config), "NetConfig.max_connections: 0 is out of range (1 to 1024)");
  config = NetConfig{};
  config.connect_timeout_ms = 0;
  EXPECT_NE(validation_error(config).find("NetConfig.connect_timeout_ms"), std::string::npos);
  config = NetConfig{};
  config.io_timeout_ms = UINT64_MAX;
  EXPECT_NE(validation_error(config).find("NetConfig.io_timeout_ms"), std::string::npos);
}

TEST(NetConfig, RootCertificatesMustLookLikeCertificates) {
  EXPECT_EQ(validation_error(NetConfig{}.with_root_cert("not a certificate")),
            "NetConfig.root_certs[0]: not a certificate (expected PEM with a CERTIFICATE block, or "
            "DER)");
  EXPECT_NE(validation_error(NetConfig{}.with_root_cert("-----BEGIN PRIVATE KEY-----\n")),
            "(valid)");
  EXPECT_EQ(validation_error(NetConfig{}.with_root_cert(std::string("\x30\x82\x01\x0a", 4))),
            "(valid)");
}

TEST(NetStaticResolver, ResolvesAddedNamesCaseInsensitively) {
  eryx::StaticResolver resolver;
  resolver.add("Test.Example", {"127.0.0.1", "::1"});
  auto answer = resolver.resolve("test.example.", far_deadline());
  EXPECT_EQ(answer.addresses, (std::vector<std::string>{"127.0.0.1", "::1"}));
  EXPECT_TRUE(answer.error.empty());
}

TEST(NetStaticResolver, OtherNamesDoNotResolve) {
  eryx::StaticResolver resolver;
  resolver.add("test.example", {"127.0.0.1"});
  auto answer = resolver.resolve("other.example", far_deadline());
  EXPECT_TRUE(answer.addresses.empty());
  EXPECT_EQ(answer.error, "name not found");
}

TEST(NetStaticResolver, ALaterEntryReplacesAnEarlierOne) {
  eryx::StaticResolver resolver;
  resolver.add("test.example", {"127.0.0.1"}).add("TEST.example", {"10.0.0.1"});
  EXPECT_EQ(resolver.resolve("test.example", far_deadline()).addresses,
            std::vector<std::string>{"10.0.0.1"});
}

TEST(NetStaticResolver, RejectsInvalidNamesAndAddresses) {
  eryx::StaticResolver resolver;
  EXPECT_THROW(resolver.add("bad name", {"127.0.0.1"}), InvalidArgumentError);
  EXPECT_THROW(resolver.add("test.example", {"127.0.0.1", "localhost"}), InvalidArgumentError);
}

// The only name this test ever gives the system resolver: it must not leave the machine.
TEST(NetSystemResolver, ResolvesLocalhostToLoopback) {
  eryx::net::SystemResolver resolver;
  auto answer = resolver.resolve("localhost", far_deadline());
  ASSERT_TRUE(answer.error.empty()) << answer.error;
  ASSERT_FALSE(answer.addresses.empty());
  auto loopback_v4 = *eryx::net::Cidr::parse("127.0.0.0/8");
  for (const auto& text : answer.addresses) {
    auto address = eryx::net::parse_ip_literal(text);
    ASSERT_TRUE(address) << text;
    EXPECT_TRUE(loopback_v4.contains(*address) || address->to_string() == "::1") << text;
    EXPECT_EQ(std::count(answer.addresses.begin(), answer.addresses.end(), text), 1) << text;
  }
}

TEST(NetSystemResolver, APastDeadlineOrANulLooksUpNothing) {
  eryx::net::SystemResolver resolver;
  auto late = resolver.resolve("localhost", std::chrono::steady_clock::now());
  EXPECT_TRUE(late.addresses.empty());
  EXPECT_EQ(late.error, "timed out");
  auto nul = resolver.resolve(std::string_view("localhost\0.example", 18), far_deadline());
  EXPECT_TRUE(nul.addresses.empty());
  EXPECT_FALSE(nul.error.empty());
}

}  // namespace
