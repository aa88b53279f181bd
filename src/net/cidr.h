// Networks in CIDR notation ("10.0.0.0/8", "fe80::/10"): the blocked and allowed networks of the
// policy.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "net/ip_address.h"

namespace eryx::net {

struct Cidr {
  IpAddress base;
  int prefix = 0;

  // "ADDRESS/PREFIX" or a bare address (a /32 or /128). The address is any spelling
  // parse_ip_literal accepts, without a zone; the prefix is decimal, 0..32 or 0..128. Host bits
  // set beyond the prefix ("10.0.0.1/8") make it invalid: such a rule is usually a typo.
  static std::optional<Cidr> parse(std::string_view text);
  // The same, with why `text` is not a CIDR (a phrase such as "host bits are set beyond /8 (did
  // you mean 10.0.0.0/8?)").
  static std::variant<Cidr, std::string> parse_or_error(std::string_view text);

  // Same family and the first `prefix` bits equal (the zone is ignored).
  bool contains(const IpAddress& address) const;

  // "10.0.0.0/8"; Cidr::parse reads it back to an equal network.
  std::string to_string() const;

  bool operator==(const Cidr&) const = default;
};

}  // namespace eryx::net
