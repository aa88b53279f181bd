// IP addresses as the network policy sees them, and a parser for every way a guest can spell one.
//
// Why a parser of our own: the policy must recognise an address in every spelling the system's
// resolver (glibc getaddrinfo, inet_aton, inet_pton) would accept, or code could slip a loopback
// address past the name checks as "2130706433" or "0x7f.1". So parse_ip_literal accepts all of
// those and a little more (the WHATWG URL rules), never calls the resolver, and rejects anything
// ambiguous (signs, whitespace, empty parts, out-of-range parts) outright.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace eryx::net {

struct IpAddress {
  enum class Family { kV4, kV6 };
  Family family = Family::kV4;
  // Network byte order; an IPv4 address is in bytes[0..3], the rest zero.
  std::array<uint8_t, 16> bytes{};
  // The zone of a scoped IPv6 address ("fe80::1%2"): the number when the zone is numeric, else 0
  // (a named zone such as "eth0" is kept in `zone`; interface_index() looks it up).
  uint32_t scope_id = 0;
  // The zone as written, without '%' (and without the "25" of a URL-encoded "%25"); empty if none.
  std::string zone;

  static IpAddress v4(uint32_t host_order);
  static IpAddress v6(const std::array<uint8_t, 16>& bytes);

  // The IPv4 address as a number in host byte order (0 for IPv6).
  uint32_t v4_value() const;

  // Canonical text: dotted quad, or RFC 5952 IPv6 ("::ffff:127.0.0.1" for mapped addresses) with
  // "%zone". parse_ip_literal reads it back to an equal address.
  std::string to_string() const;

  // The IPv4 address an IPv6 address carries to an IPv4 host: IPv4-mapped ::ffff:0:0/96,
  // IPv4-translated ::ffff:0:0:0/96, IPv4-compatible ::/96 (not :: or ::1), NAT64 64:ff9b::/96
  // and 64:ff9b:1::/48 (last 32 bits), 6to4 2002::/16 (bits 16..47), Teredo 2001::/32 (the
  // client: last 32 bits inverted). nullopt for IPv4 and for other IPv6 addresses.
  std::optional<IpAddress> embedded_ipv4() const;

  // True for ::ffff:a.b.c.d, where a connect reaches the IPv4 host a.b.c.d itself.
  bool is_v4_mapped() const;
  // 0.0.0.0 and :: (a connect to them reaches the local host).
  bool is_unspecified() const;
  // 224.0.0.0/4, 255.255.255.255 and ff00::/8.
  bool is_multicast_or_broadcast() const;

  // The interface index to connect a scoped address with: scope_id, or the index of the named
  // zone (if_nametoindex; 0 when there is no such interface).
  uint32_t interface_index() const;

  bool operator==(const IpAddress&) const = default;
};

// Every spelling of an IPv4 or IPv6 address that a resolver or inet_aton/inet_pton accepts:
// "127.0.0.1", "127.1", "127.0.1", "2130706433", "0x7f000001", "0x7f.1", "0177.0.0.1",
// "017700000001", mixes of these, a trailing dot ("127.0.0.1."), IPv6 in every form including an
// embedded dotted quad ("::ffff:127.0.0.1"), brackets ("[::1]") and zones ("fe80::1%eth0",
// "fe80::1%25eth0"; a zone that starts with "25" and has more after it is read as URL-encoded).
// nullopt for anything else, including text with whitespace, signs, empty or out-of-range parts.
std::optional<IpAddress> parse_ip_literal(std::string_view text);

// Whether `label` (one dot-separated part of a name) reads as an IPv4 number: digits, or "0x"
// followed by hex digits. A name whose last label does is malformed as a name (no top-level
// domain is numeric) and is treated as a bad address.
bool looks_numeric(std::string_view label);

}  // namespace eryx::net
