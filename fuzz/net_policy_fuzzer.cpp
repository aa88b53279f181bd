// The network policy's parsers and checks (src/net) on guest-controlled text: IP literals, CIDRs,
// host names, host patterns, and the verdicts of a policy built from fuzzed config entries.
//
// Input: one flags byte, then lines ('\n'). The first line is the host the guest connects to; each
// further line is a config entry or a resolved address, by its first character: 'A' allow_host,
// 'B' block_host, 'N' allow_network, 'X' a blocked network, 'I' allow_internal_host, 'R' an address
// the host's name resolves to. Every line also goes through every parser with round-trip checks.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "eryx/errors.hpp"
#include "eryx/net.hpp"
#include "fuzz_support.h"
#include "net/cidr.h"
#include "net/host_pattern.h"
#include "net/ip_address.h"
#include "net/policy.h"

namespace {

using eryx::NetConfig;
using eryx::fuzz::fail;
using eryx::net::Cidr;
using eryx::net::HostPattern;
using eryx::net::IpAddress;
using eryx::net::Policy;
using eryx::net::Target;
using eryx::net::Verdict;

constexpr size_t kMaxLines = 64;

void check_verdict(const Verdict& verdict) {
  if (verdict.allowed != verdict.reason.empty()) fail("a verdict's reason does not match it");
  if (!verdict.allowed && verdict.reason.rfind("eryx: ", 0) != 0) fail("a reason lacks 'eryx: '");
}

void check_address(std::string_view text) {
  auto address = eryx::net::parse_ip_literal(text);
  if (!address) return;
  auto again = eryx::net::parse_ip_literal(address->to_string());
  if (!again || *again != *address) fail("an address does not read back from to_string()");
  if (address->family == IpAddress::Family::kV4) {
    for (size_t i = 4; i < 16; ++i) {
      if (address->bytes[i] != 0) fail("an IPv4 address has bytes past the fourth");
    }
    if (!address->zone.empty() || address->embedded_ipv4()) fail("an IPv4 address has v6 parts");
  }
  if (auto v4 = address->embedded_ipv4(); v4 && v4->family != IpAddress::Family::kV4) {
    fail("an embedded address is not IPv4");
  }
  IpAddress bare = *address;
  bare.zone.clear();
  bare.scope_id = 0;
  auto host = Cidr::parse(bare.to_string());
  if (!host || !host->contains(*address)) fail("an address is not inside its own /32 or /128");
}

void check_cidr(std::string_view text) {
  auto result = Cidr::parse_or_error(text);
  auto cidr = Cidr::parse(text);
  if (cidr.has_value() != std::holds_alternative<Cidr>(result))
    fail("parse and parse_or_error differ");
  if (!cidr) return;
  int width = cidr->base.family == IpAddress::Family::kV4 ? 32 : 128;
  if (cidr->prefix < 0 || cidr->prefix > width) fail("a CIDR prefix is out of range");
  auto again = Cidr::parse(cidr->to_string());
  if (!again || *again != *cidr) fail("a CIDR does not read back from to_string()");
  if (!cidr->contains(cidr->base)) fail("a CIDR does not contain its base");
}

void check_name_and_pattern(std::string_view text) {
  if (auto name = eryx::net::normalize_host_name(text)) {
    if (name->empty() || name->size() > 253) fail("a normalized name has a bad length");
    if (eryx::net::normalize_host_name(*name) != name) fail("normalizing is not idempotent");
    auto pattern = HostPattern::parse(*name);
    if (!pattern || !pattern->matches(*name)) fail("a name does not match itself as a pattern");
  }
  if (auto pattern = HostPattern::parse(text)) {
    auto again = HostPattern::parse(pattern->to_string());
    if (!again || again->to_string() != pattern->to_string()) fail("a pattern does not read back");
    // Every '*' label replaced by a label: a name the pattern must match.
    std::string example;
    for (size_t start = 0; start <= pattern->to_string().size();) {
      size_t dot = pattern->to_string().find('.', start);
      if (dot == std::string::npos) dot = pattern->to_string().size();
      std::string label = pattern->to_string().substr(start, dot - start);
      if (!example.empty()) example += '.';
      example += label == "*" ? "x" : label;
      start = dot + 1;
    }
    auto name = eryx::net::normalize_host_name(example);
    if (name && !pattern->matches(*name)) fail("a pattern does not match its own example");
  }
}

// The default policy refuses every address inside a default blocked network, directly or through
// the IPv4 address it carries.
void check_default_blocks(const Policy& policy, const IpAddress& address) {
  static const std::vector<Cidr> blocked = [] {
    std::vector<Cidr> cidrs;
    for (const auto& text : NetConfig::default_blocked_networks())
      cidrs.push_back(*Cidr::parse(text));
    return cidrs;
  }();
  auto embedded = address.embedded_ipv4();
  bool inside = address.is_unspecified() || address.is_multicast_or_broadcast();
  for (const auto& cidr : blocked) {
    inside |= cidr.contains(address) || (embedded && cidr.contains(*embedded));
  }
  Verdict literal = policy.check_literal(address);
  check_verdict(literal);
  if (inside && literal.allowed) fail("the default policy allows a blocked address");
  Verdict resolved = policy.check_resolved("fuzz.example", {address});
  if (resolved.allowed != literal.allowed) fail("a resolved address and its literal differ");
  auto public_first = IpAddress::v4(0x08080808);
  if (policy.check_resolved("fuzz.example", {public_first, address}).allowed != literal.allowed) {
    fail("a public first answer changes the verdict on a second one");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Policy default_policy = Policy::make(NetConfig{});
  eryx::fuzz::Input input(data, size);
  auto flags = input.get<uint8_t>();
  std::string_view text = input.rest();

  std::vector<std::string_view> lines;
  for (size_t start = 0; start <= text.size() && lines.size() < kMaxLines;) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  NetConfig config = flags & 1 ? NetConfig::permissive() : NetConfig{};
  if (flags & 2) config.allow_localhost();
  if (flags & 4) config.allow_all_hosts = (flags & 8) != 0;
  std::vector<IpAddress> resolved;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    check_address(line);
    check_cidr(line);
    check_name_and_pattern(line);
    if (i == 0 || line.empty()) continue;
    std::string entry(line.substr(1));
    switch (line[0]) {
      case 'A':
        config.allow_host(entry);
        break;
      case 'B':
        config.block_host(entry);
        break;
      case 'N':
        config.allow_network(entry);
        break;
      case 'X':
        config.blocked_networks.push_back(entry);
        break;
      case 'I':
        config.allow_internal_host(entry);
        break;
      case 'R':
        if (auto address = eryx::net::parse_ip_literal(entry)) resolved.push_back(*address);
        break;
      default:
        break;
    }
  }

  auto target = Policy::parse_target(lines[0]);
  if (auto* error = std::get_if<std::string>(&target)) {
    if (error->rfind("eryx: ", 0) != 0) fail("a malformed host's message lacks 'eryx: '");
    return 0;
  }
  const Target& host = std::get<Target>(target);
  if (host.address.has_value() == !host.name.empty()) fail("a target is both or neither");
  if (host.address) check_default_blocks(default_policy, *host.address);

  try {
    Policy policy = Policy::make(config);
    Verdict verdict = policy.check_target(host);
    check_verdict(verdict);
    if (!host.address) {
      Verdict after = policy.check_resolved(host.name, resolved);
      check_verdict(after);
      if (after.allowed && !verdict.allowed) fail("a refused name is allowed after resolving");
      if (resolved.empty() && after.allowed) fail("a name without addresses is allowed");
    }
  } catch (const eryx::InvalidArgumentError& error) {
    if (std::string_view(error.what()).rfind("NetConfig.", 0) != 0)
      fail("an error lacks its field");
  }
  return 0;
}
