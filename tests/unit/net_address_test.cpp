// Address and name parsing of the network policy (src/net): every spelling a resolver accepts must
// be recognised as the address it denotes, and nothing else may be.
#include <gtest/gtest.h>

#include <string>

#include "net/cidr.h"
#include "net/host_pattern.h"
#include "net/ip_address.h"

namespace {

using eryx::net::Cidr;
using eryx::net::HostPattern;
using eryx::net::IpAddress;
using eryx::net::normalize_host_name;
using eryx::net::parse_ip_literal;

std::string parsed(std::string_view text) {
  auto address = parse_ip_literal(text);
  return address ? address->to_string() : "(invalid)";
}

TEST(NetAddress, ReadsEveryInetAtonSpellingOfAnIpv4Address) {
  for (const char* text :
       {"127.0.0.1", "127.1", "127.0.1", "2130706433", "0x7f000001", "0X7F000001", "0x7f.1",
        "0x7f.0.0.1", "0177.0.0.1", "017700000001", "0177.1", "0x7f.0.1", "127.0x0.0.01",
        "127.000.000.001", "0x7F.0x00.0x00.0x01", "127.0.0.1."}) {
    EXPECT_EQ(parsed(text), "127.0.0.1") << text;
  }
  EXPECT_EQ(parsed("10.0.0.1"), "10.0.0.1");
  EXPECT_EQ(parsed("0"), "0.0.0.0");
  EXPECT_EQ(parsed("0x"), "0.0.0.0");  // inet_aton and the URL standard read "0x" as 0
  EXPECT_EQ(parsed("4294967295"), "255.255.255.255");
  EXPECT_EQ(parsed("192.168.65535"), "192.168.255.255");
  EXPECT_EQ(parsed("10.16777215"), "10.255.255.255");
}

TEST(NetAddress, RejectsOutOfRangeEmptyOrSignedIpv4Parts) {
  for (const char* text :
       {"256.0.0.1",  "1.2.3.256", "4294967296", "0x100000000", "1.2.65536",
        "1.16777216", "1.2.3.4.5", "1..2.3",     ".1.2.3",      "1.2.3.4..",
        "08.0.0.1",   "0119",      "+1.2.3.4",   "-1.2.3.4",    " 1.2.3.4",
        "1.2.3.4 ",   "1.2.3.4\n", "1.2.3.4x",   "0xg",         "99999999999999999999999",
        "",           "."}) {
    EXPECT_FALSE(parse_ip_literal(text)) << text;
  }
  EXPECT_FALSE(parse_ip_literal(std::string_view("1.2.3.4\0", 8)));
}

TEST(NetAddress, ReadsIpv6InEveryForm) {
  EXPECT_EQ(parsed("::1"), "::1");
  EXPECT_EQ(parsed("0:0:0:0:0:0:0:1"), "::1");
  EXPECT_EQ(parsed("0000:0000:0000:0000:0000:0000:0000:0001"), "::1");
  EXPECT_EQ(parsed("[::1]"), "::1");
  EXPECT_EQ(parsed("::"), "::");
  EXPECT_EQ(parsed("::ffff:127.0.0.1"), "::ffff:127.0.0.1");
  EXPECT_EQ(parsed("::ffff:7f00:1"), "::ffff:127.0.0.1");
  EXPECT_EQ(parsed("0:0:0:0:0:FFFF:7F00:0001"), "::ffff:127.0.0.1");
  EXPECT_EQ(parsed("::127.0.0.1"), "::7f00:1");
  EXPECT_EQ(parsed("2001:DB8::1"), "2001:db8::1");
  EXPECT_EQ(parsed("2001:db8:0:0:1:0:0:1"), "2001:db8::1:0:0:1");  // first longest run
  EXPECT_EQ(parsed("1:0:2:3:4:5:6:7"), "1:0:2:3:4:5:6:7");         // a single 0 stays
  EXPECT_EQ(parsed("1::"), "1::");
  EXPECT_EQ(parsed("64:ff9b::10.0.0.1"), "64:ff9b::a00:1");
}

TEST(NetAddress, ReadsZonesPlainAndUrlEncoded) {
  auto plain = parse_ip_literal("fe80::1%eth0");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->zone, "eth0");
  EXPECT_EQ(plain->scope_id, 0u);
  EXPECT_EQ(plain->to_string(), "fe80::1%eth0");
  auto encoded = parse_ip_literal("[fe80::1%25eth0]");
  ASSERT_TRUE(encoded);
  EXPECT_EQ(*encoded, *plain);
  auto numeric = parse_ip_literal("fe80::1%3");
  ASSERT_TRUE(numeric);
  EXPECT_EQ(numeric->scope_id, 3u);
  EXPECT_EQ(numeric->interface_index(), 3u);
}

TEST(NetAddress, RejectsMalformedIpv6) {
  for (const char* text : {":::",
                           "1:2:3:4:5:6:7",
                           "1:2:3:4:5:6:7:8:9",
                           "1::2::3",
                           "12345::",
                           ":1::",
                           "1::2:",
                           "::g",
                           "1:2:3:4:5:6:7::8:9",
                           "1:2:3:4::5:6:7:8",
                           "::ffff:127.1",
                           "::ffff:0177.0.0.1",
                           "::ffff:1.2.3.4.5",
                           "::1.2.3.4:5",
                           "fe80::1%",
                           "fe80::1%eth 0",
                           "fe80::1%a%b",
                           "1.2.3.4%eth0",
                           "[::1",
                           "::1]",
                           "[[::1]]",
                           "[]",
                           "[ ::1]",
                           "::1 "}) {
    EXPECT_FALSE(parse_ip_literal(text)) << text;
  }
}

TEST(NetAddress, FindsTheIpv4AddressEveryTransitionFormCarries) {
  auto embedded = [](std::string_view text) {
    auto address = parse_ip_literal(text);
    if (!address) return std::string("(invalid)");
    auto v4 = address->embedded_ipv4();
    return v4 ? v4->to_string() : std::string("(none)");
  };
  EXPECT_EQ(embedded("::ffff:10.1.2.3"), "10.1.2.3");                       // mapped
  EXPECT_EQ(embedded("::ffff:0:10.1.2.3"), "10.1.2.3");                     // translated
  EXPECT_EQ(embedded("::10.1.2.3"), "10.1.2.3");                            // compatible
  EXPECT_EQ(embedded("64:ff9b::10.1.2.3"), "10.1.2.3");                     // NAT64
  EXPECT_EQ(embedded("64:ff9b:1::a01:203"), "10.1.2.3");                    // local-use NAT64
  EXPECT_EQ(embedded("2002:a01:203::1"), "10.1.2.3");                       // 6to4
  EXPECT_EQ(embedded("2001:0:4136:e378:8000:63bf:f5fe:fdfc"), "10.1.2.3");  // Teredo client
  EXPECT_EQ(embedded("::"), "(none)");
  EXPECT_EQ(embedded("::1"), "(none)");
  EXPECT_EQ(embedded("2001:db8::1"), "(none)");
  EXPECT_EQ(embedded("10.1.2.3"), "(none)");
}

TEST(NetAddress, ClassifiesUnspecifiedMulticastAndBroadcast) {
  EXPECT_TRUE(parse_ip_literal("0.0.0.0")->is_unspecified());
  EXPECT_TRUE(parse_ip_literal("::")->is_unspecified());
  EXPECT_FALSE(parse_ip_literal("0.0.0.1")->is_unspecified());
  EXPECT_TRUE(parse_ip_literal("224.0.0.1")->is_multicast_or_broadcast());
  EXPECT_TRUE(parse_ip_literal("239.255.255.250")->is_multicast_or_broadcast());
  EXPECT_TRUE(parse_ip_literal("255.255.255.255")->is_multicast_or_broadcast());
  EXPECT_TRUE(parse_ip_literal("ff02::1")->is_multicast_or_broadcast());
  EXPECT_FALSE(parse_ip_literal("240.0.0.1")->is_multicast_or_broadcast());
}

TEST(NetAddress, LooksNumericMeansDigitsOrHex) {
  EXPECT_TRUE(eryx::net::looks_numeric("256"));
  EXPECT_TRUE(eryx::net::looks_numeric("0x1f"));
  EXPECT_TRUE(eryx::net::looks_numeric("0x"));
  EXPECT_FALSE(eryx::net::looks_numeric("com"));
  EXPECT_FALSE(eryx::net::looks_numeric("1a"));
  EXPECT_FALSE(eryx::net::looks_numeric(""));
}

TEST(NetCidr, ParsesNetworksAndBareAddresses) {
  auto net8 = Cidr::parse("10.0.0.0/8");
  ASSERT_TRUE(net8);
  EXPECT_EQ(net8->to_string(), "10.0.0.0/8");
  EXPECT_TRUE(net8->contains(*parse_ip_literal("10.255.0.1")));
  EXPECT_FALSE(net8->contains(*parse_ip_literal("11.0.0.1")));
  EXPECT_FALSE(net8->contains(*parse_ip_literal("::ffff:10.0.0.1")));  // other family
  EXPECT_EQ(Cidr::parse("::1")->to_string(), "::1/128");
  EXPECT_EQ(Cidr::parse("1.2.3.4")->to_string(), "1.2.3.4/32");
  EXPECT_EQ(Cidr::parse("0.0.0.0/0")->prefix, 0);
  EXPECT_TRUE(Cidr::parse("0.0.0.0/0")->contains(*parse_ip_literal("8.8.8.8")));
  auto net10 = Cidr::parse("100.64.0.0/10");
  EXPECT_TRUE(net10->contains(*parse_ip_literal("100.127.255.255")));
  EXPECT_FALSE(net10->contains(*parse_ip_literal("100.128.0.0")));
  auto v6 = Cidr::parse("fe80::/10");
  EXPECT_TRUE(v6->contains(*parse_ip_literal("febf::1%eth0")));
  EXPECT_FALSE(v6->contains(*parse_ip_literal("fec0::1")));
}

TEST(NetCidr, RejectsBadPrefixesAndSaysWhenHostBitsAreSet) {
  for (const char* text :
       {"10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/08",
        "10.0.0.0/8/8", "10.0.0.0/ 8", "/8", "example.com/8", "fe80::%eth0/10", "10.0.0.0/1000"}) {
    EXPECT_FALSE(Cidr::parse(text)) << text;
  }
  auto error = Cidr::parse_or_error("10.0.0.1/8");
  ASSERT_TRUE(std::holds_alternative<std::string>(error));
  EXPECT_EQ(std::get<std::string>(error), "host bits are set beyond /8 (did you mean 10.0.0.0/8?)");
}

TEST(NetHostName, NormalizesCaseAndOneTrailingDot) {
  EXPECT_EQ(normalize_host_name("Example.COM."), "example.com");
  EXPECT_EQ(normalize_host_name("a-b_c.d9"), "a-b_c.d9");
  EXPECT_EQ(normalize_host_name(std::string(63, 'a') + ".com"), std::string(63, 'a') + ".com");
}

TEST(NetHostName, RejectsWhatIsNotAnAsciiHostName) {
  for (std::string_view text :
       {"", ".", "example..com", ".example.com", "example.com..", "exa mple.com", "example.com ",
        "exa%mple.com", "exämple.com", "*.example.com", "a/b", "a:b", "a@b"}) {
    EXPECT_FALSE(normalize_host_name(text)) << text;
  }
  EXPECT_FALSE(normalize_host_name(std::string_view("example.com\0.evil", 17)));
  EXPECT_FALSE(normalize_host_name(std::string(64, 'a') + ".com"));
  std::string long_name;
  while (long_name.size() < 254) long_name += "abcdefg.";
  EXPECT_FALSE(normalize_host_name(long_name.substr(0, 254)));
}

TEST(NetHostPattern, StarMatchesEveryName) {
  auto star = HostPattern::parse("*");
  ASSERT_TRUE(star);
  EXPECT_TRUE(star->matches("example.com"));
  EXPECT_TRUE(star->matches("localhost"));
}

TEST(NetHostPattern, ExactNamesIgnoreCaseAndTrailingDot) {
  auto exact = HostPattern::parse("API.Example.com.");
  ASSERT_TRUE(exact);
  EXPECT_EQ(exact->to_string(), "api.example.com");
  EXPECT_TRUE(exact->matches("api.example.com"));
  EXPECT_FALSE(exact->matches("example.com"));
  EXPECT_FALSE(exact->matches("x.api.example.com"));
}

TEST(NetHostPattern, LeadingStarNeedsAtLeastOneMoreLabel) {
  auto glob = HostPattern::parse("*.example.com");
  ASSERT_TRUE(glob);
  EXPECT_TRUE(glob->matches("a.example.com"));
  EXPECT_TRUE(glob->matches("a.b.example.com"));
  EXPECT_FALSE(glob->matches("example.com"));
  EXPECT_FALSE(glob->matches("notexample.com"));
  EXPECT_FALSE(glob->matches("a.example.com.evil"));
}

TEST(NetHostPattern, InnerStarMatchesExactlyOneLabel) {
  auto glob = HostPattern::parse("api.*.com");
  ASSERT_TRUE(glob);
  EXPECT_TRUE(glob->matches("api.x.com"));
  EXPECT_FALSE(glob->matches("api.com"));
  EXPECT_FALSE(glob->matches("api.x.y.com"));
}

TEST(NetHostPattern, RejectsPartialWildcardsAndMalformedNames) {
  for (const char* text :
       {"", ".", "a*.com", "*a.com", "**.com", "a..b", "a b", "a.b/c", "exämple.com", "a%b"}) {
    EXPECT_FALSE(HostPattern::parse(text)) << text;
  }
}

}  // namespace
