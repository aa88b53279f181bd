// The network policy (src/net/policy.h) as a guest meets it: a host string goes through
// parse_target and then check_literal or check_name; a name's answers through check_resolved.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "eryx/net.hpp"
#include "net/policy.h"

namespace {

using eryx::NetConfig;
using eryx::net::IpAddress;
using eryx::net::parse_ip_literal;
using eryx::net::Policy;
using eryx::net::Target;
using eryx::net::Verdict;

// What the host does with a host string from the guest before resolving anything.
Verdict check(const Policy& policy, std::string_view host) {
  auto target = Policy::parse_target(host);
  if (auto* error = std::get_if<std::string>(&target)) return {false, *error};
  return policy.check_target(std::get<Target>(target));
}

std::vector<IpAddress> addresses(std::initializer_list<const char*> texts) {
  std::vector<IpAddress> out;
  for (const char* text : texts) out.push_back(*parse_ip_literal(text));
  return out;
}

// Loopback in every spelling a guest could use for it.
const std::vector<const char*> kLoopbackV4 = {
    "127.0.0.1",
    "127.1",
    "127.0.1",
    "2130706433",
    "0x7f000001",
    "0X7F000001",
    "0x7f.1",
    "0177.0.0.1",
    "017700000001",
    "0177.1",
    "127.000.000.001",
    "0x7f.0.0.1",
    "127.0.0.1.",
    "[127.0.0.1]",
    "127.255.255.254",
    "127.0x0.0.01",
    "::ffff:127.0.0.1",
    "[::ffff:127.0.0.1]",
    "::ffff:7f00:1",
    "0:0:0:0:0:ffff:7f00:1",
    "[::FFFF:7F00:0001]",
    "::ffff:127.0.0.1.",
};
const std::vector<const char*> kLoopbackV6 = {"::1", "[::1]", "0:0:0:0:0:0:0:1",
                                              "0000:0000:0000:0000:0000:0000:0000:0001", "[::1]."};
// Loopback carried by translation forms that reach a gateway's or relay's loopback, never ours:
// still refused after allow_localhost.
const std::vector<const char*> kLoopbackCarried = {"::127.0.0.1",
                                                   "::ffff:0:127.0.0.1",
                                                   "64:ff9b::127.0.0.1",
                                                   "64:ff9b::7f00:1",
                                                   "64:ff9b:1::7f00:1",
                                                   "2002:7f00:1::1",
                                                   "2001:0:4136:e378:8000:63bf:80ff:fffe"};
const std::vector<const char*> kPrivate = {"10.0.0.1",
                                           "10.1",
                                           "012.0.0.1",
                                           "0xa.0.0.1",
                                           "167772161",
                                           "172.16.0.1",
                                           "172.31.255.255",
                                           "192.168.1.1",
                                           "0xc0a80101",
                                           "3232235777",
                                           "192.168.257",
                                           "169.254.169.254",
                                           "0xa9fea9fe",
                                           "2852039166",
                                           "100.64.0.1",
                                           "0.0.0.1",
                                           "::ffff:10.0.0.1",
                                           "::ffff:a00:1",
                                           "::ffff:169.254.169.254",
                                           "64:ff9b::10.0.0.1",
                                           "2002:a00:1::1",
                                           "2002:c0a8:101::",
                                           "fc00::1",
                                           "fd12:3456:789a::1",
                                           "fe80::1",
                                           "fe80::1%eth0",
                                           "[fe80::1%25eth0]",
                                           "fec0::1",
                                           "198.18.0.1",
                                           "192.0.2.1",
                                           "2001:db8::1",
                                           "100::1"};

TEST(NetPolicy, DefaultRefusesEverySpellingOfLoopbackAndPrivateAddresses) {
  Policy policy = Policy::make(NetConfig{});
  size_t refused = 0;
  for (const auto* list : {&kLoopbackV4, &kLoopbackV6, &kLoopbackCarried, &kPrivate}) {
    for (const char* host : *list) {
      Verdict verdict = check(policy, host);
      EXPECT_FALSE(verdict.allowed) << host;
      EXPECT_NE(verdict.reason.find("refused by the sandbox's network policy"), std::string::npos)
          << host << ": " << verdict.reason;
      ++refused;
    }
  }
  EXPECT_GE(refused, 40u);
}

TEST(NetPolicy, DefaultRefusesUnspecifiedMulticastAndBroadcast) {
  Policy policy = Policy::make(NetConfig{});
  for (const char* host : {"0.0.0.0", "0", "0x0", "::", "::ffff:0.0.0.0", "224.0.0.1",
                           "239.255.255.250", "255.255.255.255", "4294967295", "ff02::1"}) {
    EXPECT_FALSE(check(policy, host).allowed) << host;
  }
}

TEST(NetPolicy, DefaultAllowsPublicAddressesAndNames) {
  Policy policy = Policy::make(NetConfig{});
  for (const char* host : {"8.8.8.8", "134744072", "2606:4700:4700::1111", "::ffff:8.8.8.8",
                           "64:ff9b::8.8.8.8", "2002:808:808::1", "example.com"}) {
    Verdict verdict = check(policy, host);
    EXPECT_TRUE(verdict.allowed) << host << ": " << verdict.reason;
    EXPECT_TRUE(verdict.reason.empty());
  }
}

TEST(NetPolicy, ReasonNamesTheAddressAndTheBlockedNetwork) {
  Policy policy = Policy::make(NetConfig{});
  EXPECT_EQ(check(policy, "10.0.0.1").reason,
            "eryx: connection to 10.0.0.1 refused by the sandbox's network policy (10.0.0.0/8 is "
            "a blocked network)");
  EXPECT_EQ(check(policy, "0x7f.1").reason,
            "eryx: connection to 127.0.0.1 refused by the sandbox's network policy (127.0.0.0/8 "
            "is a blocked network)");
  EXPECT_EQ(check(policy, "64:ff9b::a00:1").reason,
            "eryx: connection to 64:ff9b::a00:1 refused by the sandbox's network policy "
            "(64:ff9b::a00:1 carries the IPv4 address 10.0.0.1, and 10.0.0.0/8 is a blocked "
            "network)");
}

TEST(NetPolicy, DefaultRefusesLocalhostNamesInAnyCase) {
  Policy policy = Policy::make(NetConfig{});
  for (const char* host :
       {"localhost", "LOCALHOST", "localhost.", "a.localhost", "A.B.Localhost."}) {
    Verdict verdict = check(policy, host);
    EXPECT_FALSE(verdict.allowed) << host;
    EXPECT_NE(verdict.reason.find("blocked host pattern"), std::string::npos) << verdict.reason;
  }
}

TEST(NetPolicy, AllowLocalhostOpensLoopbackInEverySpellingButNotThroughGateways) {
  Policy policy = Policy::make(NetConfig{}.allow_localhost());
  for (const auto* list : {&kLoopbackV4, &kLoopbackV6}) {
    for (const char* host : *list) EXPECT_TRUE(check(policy, host).allowed) << host;
  }
  for (const char* host : kLoopbackCarried) EXPECT_FALSE(check(policy, host).allowed) << host;
  for (const char* host : kPrivate) EXPECT_FALSE(check(policy, host).allowed) << host;
  EXPECT_TRUE(check(policy, "localhost").allowed);
  EXPECT_TRUE(check(policy, "LocalHost.").allowed);
}

TEST(NetPolicy, AllowNetworkOpensThatNetworkInEverySpelling) {
  Policy policy = Policy::make(NetConfig{}.allow_network("10.0.0.0/8"));
  for (const char* host : {"10.0.0.1", "10.1", "012.0.0.1", "0xa.0.0.1", "167772161",
                           "::ffff:10.0.0.1", "::ffff:a00:1"}) {
    EXPECT_TRUE(check(policy, host).allowed) << host;
  }
  EXPECT_FALSE(check(policy, "64:ff9b::10.0.0.1").allowed);  // a NAT64 gateway's network
  EXPECT_FALSE(check(policy, "192.168.1.1").allowed);
  EXPECT_FALSE(check(policy, "127.0.0.1").allowed);
}

TEST(NetPolicy, AllowNetworkCanOpenMulticastExplicitly) {
  Policy policy = Policy::make(NetConfig::permissive().allow_network("224.0.0.0/4"));
  EXPECT_TRUE(check(policy, "224.0.0.1").allowed);
  EXPECT_FALSE(check(policy, "255.255.255.255").allowed);
}

TEST(NetPolicy, PermissiveAllowsPrivateAddressesButNeverUnspecifiedOrMulticast) {
  Policy policy = Policy::make(NetConfig::permissive());
  for (const char* host : {"127.0.0.1", "0x7f.1", "::1", "10.0.0.1", "fe80::1", "localhost"}) {
    EXPECT_TRUE(check(policy, host).allowed) << host;
  }
  for (const char* host : {"0.0.0.0", "::", "::ffff:0.0.0.0", "64:ff9b::0.0.0.0", "224.0.0.1",
                           "255.255.255.255", "ff02::1", "::ffff:224.0.0.1"}) {
    EXPECT_FALSE(check(policy, host).allowed) << host;
  }
}

TEST(NetPolicy, AllowHostRestrictsNamesToThePatterns) {
  Policy policy = Policy::make(NetConfig{}.allow_host("example.com").allow_host("*.example.org"));
  EXPECT_TRUE(policy.restricts_names());
  EXPECT_TRUE(check(policy, "example.com").allowed);
  EXPECT_TRUE(check(policy, "EXAMPLE.com.").allowed);
  EXPECT_TRUE(check(policy, "api.example.org").allowed);
  EXPECT_FALSE(check(policy, "example.org").allowed);
  Verdict other = check(policy, "other.com");
  EXPECT_FALSE(other.allowed);
  EXPECT_EQ(other.reason,
            "eryx: connection to other.com refused by the sandbox's network policy (it is not "
            "among the allowed hosts)");
}

TEST(NetPolicy, RestrictedNamesAdmitIpLiteralsOnlyThroughNetworkRules) {
  Policy policy = Policy::make(NetConfig{}.allow_host("example.com"));
  Verdict verdict = check(policy, "93.184.216.34");
  EXPECT_FALSE(verdict.allowed);
  EXPECT_NE(verdict.reason.find("allow_network"), std::string::npos) << verdict.reason;
  Policy opened =
      Policy::make(NetConfig{}.allow_host("example.com").allow_network("93.184.216.0/24"));
  EXPECT_TRUE(check(opened, "93.184.216.34").allowed);
  EXPECT_TRUE(check(opened, "1572395042").allowed);  // the same address as one number
}

TEST(NetPolicy, IpEntriesOfAllowedHostsAreNetworkRulesAndRestrict) {
  Policy policy = Policy::make(NetConfig{}.allow_host("10.1.2.3").allow_host("[::1]"));
  EXPECT_TRUE(policy.restricts_names());
  EXPECT_TRUE(check(policy, "10.1.2.3").allowed);
  EXPECT_TRUE(check(policy, "0xa010203").allowed);
  EXPECT_TRUE(check(policy, "::1").allowed);
  EXPECT_FALSE(check(policy, "10.1.2.4").allowed);
  EXPECT_FALSE(check(policy, "example.com").allowed);
}

TEST(NetPolicy, IpEntriesOfBlockedHostsAreBlockedNetworks) {
  Policy policy =
      Policy::make(NetConfig::permissive().block_host("8.8.8.0/24").block_host("1.1.1.1"));
  EXPECT_FALSE(check(policy, "8.8.8.8").allowed);
  EXPECT_FALSE(check(policy, "::ffff:8.8.8.8").allowed);
  EXPECT_FALSE(check(policy, "16843009").allowed);
  EXPECT_TRUE(check(policy, "8.8.4.4").allowed);
}

TEST(NetPolicy, AllowAllHostsFalseWithNoPatternsRefusesEveryName) {
  NetConfig config;
  config.allow_all_hosts = false;
  Policy policy = Policy::make(config);
  EXPECT_TRUE(policy.restricts_names());
  EXPECT_FALSE(check(policy, "example.com").allowed);
  EXPECT_FALSE(check(policy, "8.8.8.8").allowed);
}

TEST(NetPolicy, AllowAllHostsTrueIgnoresAllowedHosts) {
  NetConfig config = NetConfig{}.allow_host("example.com");
  config.allow_all_hosts = true;
  Policy policy = Policy::make(config);
  EXPECT_FALSE(policy.restricts_names());
  EXPECT_TRUE(check(policy, "other.com").allowed);
  EXPECT_TRUE(check(policy, "8.8.8.8").allowed);
}

TEST(NetPolicy, StarInAllowedHostsAllowsEveryName) {
  Policy policy = Policy::make(NetConfig{}.allow_host("*"));
  EXPECT_FALSE(policy.restricts_names());
  EXPECT_TRUE(check(policy, "anything.example").allowed);
  EXPECT_FALSE(check(policy, "localhost").allowed);  // blocked_hosts still apply
}

TEST(NetPolicy, AllowLocalhostKeepsOtherNamesRestricted) {
  Policy policy = Policy::make(NetConfig{}.allow_host("example.com").allow_localhost());
  EXPECT_TRUE(check(policy, "localhost").allowed);
  EXPECT_TRUE(check(policy, "127.0.0.1").allowed);
  EXPECT_TRUE(check(policy, "example.com").allowed);
  EXPECT_FALSE(check(policy, "other.com").allowed);
  EXPECT_FALSE(check(policy, "8.8.8.8").allowed);
}

TEST(NetPolicy, BlockedHostsWinOverAllowedHosts) {
  Policy policy =
      Policy::make(NetConfig{}.allow_host("*.example.com").block_host("admin.example.com"));
  EXPECT_TRUE(check(policy, "www.example.com").allowed);
  Verdict verdict = check(policy, "Admin.Example.com");
  EXPECT_FALSE(verdict.allowed);
  EXPECT_NE(verdict.reason.find("'admin.example.com'"), std::string::npos) << verdict.reason;
}

TEST(NetPolicy, EveryResolvedAddressMustPass) {
  Policy policy = Policy::make(NetConfig{});
  EXPECT_TRUE(
      policy.check_resolved("example.com", addresses({"93.184.216.34", "2606:2800::1"})).allowed);
  // Rebinding: the first answer is public, the second private; either order is refused.
  Verdict rebound =
      policy.check_resolved("rebind.example", addresses({"93.184.216.34", "10.0.0.1"}));
  EXPECT_FALSE(rebound.allowed);
  EXPECT_EQ(rebound.reason,
            "eryx: connection to rebind.example refused by the sandbox's network policy (it "
            "resolves to 10.0.0.1, and 10.0.0.0/8 is a blocked network)");
  EXPECT_FALSE(
      policy.check_resolved("rebind.example", addresses({"127.0.0.1", "93.184.216.34"})).allowed);
  EXPECT_FALSE(
      policy.check_resolved("mapped.example", addresses({"::ffff:169.254.169.254"})).allowed);
  EXPECT_FALSE(policy.check_resolved("zero.example", addresses({"0.0.0.0"})).allowed);
}

TEST(NetPolicy, AResolvedNameStillPassesTheNameChecks) {
  Policy policy = Policy::make(NetConfig{}.allow_host("example.com"));
  EXPECT_FALSE(policy.check_resolved("other.com", addresses({"93.184.216.34"})).allowed);
  EXPECT_FALSE(policy.check_resolved("a.localhost", addresses({"93.184.216.34"})).allowed);
}

TEST(NetPolicy, ANameWithoutAddressesIsRefused) {
  Policy policy = Policy::make(NetConfig{});
  Verdict verdict = policy.check_resolved("example.com", {});
  EXPECT_FALSE(verdict.allowed);
  EXPECT_NE(verdict.reason.find("no address"), std::string::npos);
}

TEST(NetPolicy, NamesResolvingToAllowedNetworksPass) {
  Policy policy = Policy::make(NetConfig{}.allow_localhost());
  EXPECT_TRUE(policy.check_resolved("localhost", addresses({"127.0.0.1", "::1"})).allowed);
  EXPECT_TRUE(policy.check_resolved("test.example", addresses({"127.0.0.1"})).allowed);
  EXPECT_FALSE(policy.check_resolved("test.example", addresses({"10.0.0.1"})).allowed);
}

TEST(NetPolicy, InternalHostsMayResolveIntoBlockedNetworks) {
  Policy policy = Policy::make(NetConfig{}.allow_internal_host("*.corp.example"));
  EXPECT_TRUE(policy.check_resolved("db.corp.example", addresses({"10.0.0.5", "fd00::5"})).allowed);
  EXPECT_FALSE(policy.check_resolved("db.other.example", addresses({"10.0.0.5"})).allowed);
  // Never the unspecified or a multicast address, and a literal is not a name.
  EXPECT_FALSE(policy.check_resolved("db.corp.example", addresses({"0.0.0.0"})).allowed);
  EXPECT_FALSE(policy.check_resolved("db.corp.example", addresses({"224.0.0.1"})).allowed);
  EXPECT_FALSE(check(policy, "10.0.0.5").allowed);
}

TEST(NetPolicy, InternalHostsDoNotLiftBlockedHosts) {
  Policy policy = Policy::make(NetConfig{}.allow_internal_host("*.localhost"));
  EXPECT_FALSE(policy.check_resolved("a.localhost", addresses({"127.0.0.1"})).allowed);
}

TEST(NetPolicy, ParseTargetSplitsLiteralsFromNames) {
  auto literal = std::get<Target>(Policy::parse_target("[::1]."));
  ASSERT_TRUE(literal.address);
  EXPECT_EQ(literal.address->to_string(), "::1");
  EXPECT_TRUE(literal.name.empty());
  auto name = std::get<Target>(Policy::parse_target("WWW.Example.COM."));
  EXPECT_FALSE(name.address);
  EXPECT_EQ(name.name, "www.example.com");
}

TEST(NetPolicy, ParseTargetRejectsMalformedHostsWithAReason) {
  auto error = [](std::string_view host) {
    auto target = Policy::parse_target(host);
    return std::holds_alternative<std::string>(target) ? std::get<std::string>(target)
                                                       : std::string("(accepted)");
  };
  EXPECT_EQ(error("1.2.3.256"), "eryx: '1.2.3.256' is not a valid IP address");
  EXPECT_EQ(error("example.4294967297"), "eryx: 'example.4294967297' is not a valid IP address");
  EXPECT_EQ(error("[example.com]"), "eryx: '[example.com]' is not a valid IP address");
  EXPECT_EQ(error("a b"), "eryx: 'a b' is not a valid host name or IP address");
  EXPECT_EQ(error(std::string_view("evil\0.com\n", 10)),
            "eryx: 'evil\\x00.com\\x0a' is not a valid host name or IP address");
  for (const char* host : {"", ".", "..", "[]", "[", "exa%mple.com", "127.0.0.1 ", "+1"}) {
    EXPECT_NE(error(host), "(accepted)") << host;
  }
}

}  // namespace
